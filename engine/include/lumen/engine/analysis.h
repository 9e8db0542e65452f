// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Attention analysis over a trace: rollout and flow (Abnar & Zuidema 2020), per-head
// statistics with a pattern label, and sliding windows for texts longer than a model takes.
// Definitions, thresholds and measured costs: docs/analysis.md.
//
//   // one sequence (batch index 0) of trace.attentions, [batch, heads, query, key] per layer
//   RolloutConfig rc;
//   rc.toLayer = 5;                              // layers 0..5; -1 = the last layer
//   rc.realMask = attentionMask;                // 1 real, 0 padding; empty = all real
//   RolloutResult r = attentionRollout(trace.attentions, rc);     // r.matrix [query, key]
//
//   FlowConfig fc;  fc.toLayer = 5;               // n^2 max-flows: give it a RunControl
//   FlowResult f = attentionFlow(trace.attentions, fc, control);  // f.status may be Cancelled
//
//   HeadStatsConfig hc;  hc.specialMask = encoding.specialMask;  hc.causal = isDecoder;
//   HeadStatsResult s = headStatistics(trace.attentions, hc);     // s.heads[layer * H + head]
//
//   auto windows = slidingWindows(tokenCount, {/*windowSize=*/510, /*stride=*/128});
//   WindowedEncoding w = encodeWindows(*tokenizer, longText, {/*maxLength=*/512, 128});
//
// Padding: positions whose `realMask` entry is 0 are removed before anything is computed
// (their rows and key columns are dropped, the remaining rows renormalised); results keep the
// full [seq, seq] size so indices match the tokens, with zero in every padding row and column.
// Thread safety: every function is reentrant and reads only its arguments; attentionFlow may
// start `FlowConfig::threads` worker threads of its own and calls the RunControl's progress
// callback on the calling thread only.

#include "lumen/engine/run_control.h"
#include "lumen/engine/tensor.h"
#include "lumen/engine/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

/// A trace's self-attentions wherever the caller keeps them, without a copy: one pointer per
/// layer to a row-major [batch, heads[l], seq, seq] block the caller owns and keeps alive
/// while a call runs (the GUI's one shared buffer, say). Every function below takes this or
/// Trace::attentions itself.
struct AttentionLayers {
    std::vector<const float*> data; ///< per layer
    std::vector<int64_t> heads; ///< per layer
    int64_t batch = 1;
    int64_t seq = 0;

    int64_t layers() const { return static_cast<int64_t>(data.size()); }
    /// Views `attentions` (checked: 4 dimensions, square, one batch and length); throws
    /// lumen::Error naming the layer and shape that do not fit.
    static AttentionLayers of(const std::vector<FloatTensor>& attentions);
};

// ---- rollout and flow -------------------------------------------------------------------

struct RolloutConfig {
    int64_t batch = 0; ///< which sequence of the batch
    int64_t toLayer = -1; ///< last layer included (0-based); -1 = the model's last layer
    /// 1 for a real position, 0 for padding; empty = every position is real
    std::vector<uint8_t> realMask;
};

struct RolloutResult {
    JobStatus status = JobStatus::Completed;
    /// [seq, seq]: row i = position i after layer `toLayer`, column j = input token j.
    /// R_0 = Â_0, R_l = Â_l · R_{l-1}; each row sums to 1 over the real tokens. Empty when
    /// cancelled.
    FloatTensor matrix;
    int64_t toLayer = 0; ///< the layer actually used (resolved from -1)
};

/// The residual-augmented, head-averaged, row-normalised matrix of one layer:
/// Â = rownorm(0.5·I + 0.5·mean_h A_h) over the real positions, [seq, seq] with zero padding
/// rows and columns. The building block of rollout and flow (exposed for views and tests).
FloatTensor augmentedAttention(const std::vector<FloatTensor>& attentions, int64_t layer,
    int64_t batch = 0, const std::vector<uint8_t>& realMask = {});
FloatTensor augmentedAttention(const AttentionLayers& attentions, int64_t layer, int64_t batch = 0,
    const std::vector<uint8_t>& realMask = {});

/// Attention rollout from the input tokens to layer `toLayer`. Cost: toLayer+1 products of
/// r x r matrices (r real positions), O(L r^3), done with BLAS. Cancel is polled between layers.
RolloutResult attentionRollout(const std::vector<FloatTensor>& attentions,
    const RolloutConfig& config, const RunControl& control = {});
RolloutResult attentionRollout(
    const AttentionLayers& attentions, const RolloutConfig& config, const RunControl& control = {});

struct FlowConfig {
    int64_t batch = 0;
    int64_t toLayer = -1; ///< -1 = the last layer
    std::vector<uint8_t> realMask;
    /// worker threads for the r^2 max-flow problems; 0 = std::thread::hardware_concurrency()
    int threads = 0;
};

struct FlowResult {
    JobStatus status = JobStatus::Completed;
    /// [seq, seq]: entry (i, j) = maximum flow from input token j to position i after layer
    /// `toLayer`, through the layered graph whose edge (l-1, k) -> (l, i) has capacity Â_l[i, k].
    /// Values lie in [0, 1]; rows are not renormalised. Empty when cancelled.
    FloatTensor matrix;
    int64_t toLayer = 0;
    int64_t problemsSolved = 0; ///< max-flow problems run (r^2 unless cancelled)
};

/// Attention flow. Cost: r^2 max-flow problems (Dinic) on a graph of toLayer x r inner nodes
/// and about toLayer x r^2 edges, O(r^4 L) in all: measured single-threaded, 12 layers, about
/// 30 ms at 32 tokens and 3.5 s at 128 (docs/analysis.md); meant for inputs of up to a few
/// hundred tokens (use rollout beyond). Cancel is polled between problems; the result is then
/// Cancelled with an empty matrix.
FlowResult attentionFlow(const std::vector<FloatTensor>& attentions, const FlowConfig& config,
    const RunControl& control = {});
FlowResult attentionFlow(
    const AttentionLayers& attentions, const FlowConfig& config, const RunControl& control = {});

// ---- head statistics --------------------------------------------------------------------

/// The dominant pattern of a head (thresholds in classifyHead and docs/analysis.md).
enum class HeadPattern {
    PreviousToken, ///< positional: most attention on the token just before the query
    Self, ///< most attention on the query's own position
    Delimiter, ///< most attention on special tokens ([CLS], [SEP], <s>, </s>, ...)
    Broad, ///< spread out: normalised entropy at least kBroadEntropy
    Mixed, ///< none of the above
};

/// "previous-token", "self", "delimiter", "broad", "mixed"
const char* headPatternName(HeadPattern pattern);

/// A pattern dominates when its mean share is strictly above this (a majority of attention).
constexpr double kDominantShare = 0.5;
/// A head without a dominant pattern is broad when its mean normalised entropy reaches this.
constexpr double kBroadEntropy = 0.8;

struct HeadStats {
    int64_t layer = 0;
    int64_t head = 0;
    /// Means over the real query rows that see at least two keys (a row with one visible key,
    /// such as a decoder's first token, has no choice to show); each row is first renormalised
    /// over the keys it may see (real keys, and k <= q when causal).
    double entropy = 0.0; ///< nats
    double normalizedEntropy = 0.0; ///< entropy / log(keys seen), in [0, 1]
    double meanDistance = 0.0; ///< sum_k p_k |q - k|, positions counted without padding
    double specialShare = 0.0; ///< attention on keys marked special
    double previousShare = 0.0; ///< on the previous real position, over rows that have one
    double selfShare = 0.0; ///< on the query's own position
    HeadPattern pattern = HeadPattern::Mixed;
};

/// The label of a head from its statistics: the largest of previousShare, selfShare and
/// specialShare names the pattern when it is above kDominantShare (ties in that order);
/// otherwise Broad when normalizedEntropy >= kBroadEntropy; otherwise Mixed.
HeadPattern classifyHead(const HeadStats& stats);

struct HeadStatsConfig {
    int64_t batch = 0;
    std::vector<uint8_t> realMask; ///< empty = every position is real
    std::vector<uint8_t>
        specialMask; ///< 1 for special tokens (Encoding::specialMask); empty = none
    /// a decoder: row q may see keys 0..q only, and only those count (also in log(keys seen))
    bool causal = false;
};

struct HeadStatsResult {
    JobStatus status = JobStatus::Completed;
    std::vector<HeadStats>
        heads; ///< layer-major: heads[layer * numHeads + head]; empty if cancelled
};

/// Statistics of every (layer, head) in one pass over each attention matrix, O(L H r^2).
/// Cancel is polled between layers.
HeadStatsResult headStatistics(const std::vector<FloatTensor>& attentions,
    const HeadStatsConfig& config, const RunControl& control = {});
HeadStatsResult headStatistics(const AttentionLayers& attentions, const HeadStatsConfig& config,
    const RunControl& control = {});

// ---- sliding windows --------------------------------------------------------------------

/// Hugging Face's convention (`return_overflowing_tokens=True, stride=S`, tokenizers'
/// Encoding::truncate): windows start at 0, W-S, 2(W-S), ...; each holds W tokens, the last
/// one ends at the end of the text (and may be shorter, but holds more than S tokens), and
/// consecutive windows share exactly S tokens. Sizes count tokens without special tokens.
struct WindowConfig {
    int64_t windowSize = 0; ///< W >= 1
    int64_t stride = 0; ///< S, the overlap, 0 <= S < W
};

struct TokenWindow {
    int64_t begin = 0; ///< first token (index into the whole text's tokens)
    int64_t end = 0; ///< one past the last
    int64_t size() const { return end - begin; }
};

/// Windows covering tokens [0, tokenCount). One window when tokenCount <= W ([0, 0) for an
/// empty text). Throws lumen::Error (InvalidInput) when W < 1, S < 0, S >= W or tokenCount < 0.
std::vector<TokenWindow> slidingWindows(int64_t tokenCount, const WindowConfig& config);

/// The whole-text token index of position `position` of window `window`. Throws when either is
/// out of range.
int64_t windowToToken(const std::vector<TokenWindow>& windows, size_t window, int64_t position);

/// The window that owns token `token` for stitching: the one where it has the most context,
/// i.e. the largest min(tokens before it, tokens after it) inside the window; ties go to the
/// earlier window. Owners never decrease along the text, so each window owns one run of
/// tokens, switching in the middle of each overlap. Throws when no window holds the token.
size_t owningWindow(const std::vector<TokenWindow>& windows, int64_t token);

/// For each window, the tokens it owns (owningWindow); together they partition [0, tokenCount)
/// in order, so stitching takes window w's values for tokens [owned[w].begin, owned[w].end).
/// A window may own nothing (begin == end) when its neighbours overlap it entirely.
std::vector<TokenWindow> ownedRanges(const std::vector<TokenWindow>& windows);

/// A long text as per-window encodings the model can take.
struct WindowedEncoding {
    Encoding text; ///< the whole text, without special tokens
    std::vector<TokenWindow> windows; ///< token ranges in `text`
    std::vector<TokenWindow> owned; ///< ownedRanges(windows)
    /// One per window: the tokenizer's special tokens around `text`'s tokens [begin, end), with
    /// offsets (code points of the original text) copied from `text`; specials keep (0, 0).
    std::vector<Encoding> encodings;
    int64_t prefixLength = 0; ///< special tokens before the text in each window's encoding
    int64_t suffixLength = 0; ///< special tokens after it
};

struct WindowEncodeConfig {
    /// tokens per window including the special tokens (HF's max_length); 0 = the tokenizer's
    /// modelMaxLength()
    int64_t maxLength = 0;
    int64_t stride = 0; ///< overlap in text tokens, as HF's `stride`
};

/// Encodes `text` once without special tokens, cuts it with slidingWindows (window size =
/// maxLength minus the special tokens the tokenizer adds) and wraps each window in those
/// special tokens, as HF's overflowing tokens do. The special tokens and their segment ids are
/// the ones the tokenizer itself puts around a single text (learned by encoding a one-word
/// probe with and without special tokens), so WordPiece, BPE, SentencePiece and tokenizer.json
/// models get their own. Throws lumen::Error when maxLength leaves no room for text or the
/// stride does not fit the window.
WindowedEncoding encodeWindows(
    const Tokenizer& tokenizer, const std::string& text, const WindowEncodeConfig& config);

/// The `text` token index of position `position` in window `window`'s encoding, or -1 for
/// the special tokens around it. Throws when out of range.
int64_t windowPositionToToken(const WindowedEncoding& windowed, size_t window, int64_t position);

} // namespace lumen::engine
