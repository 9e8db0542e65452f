// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Comparing models on one input: the tokens each one sees aligned by character offsets, what
// each predicts (fill-mask, next token or classes) with top-1 agreement and KL divergence,
// layers matched by relative depth, and the facts (parameters, FLOPs at this length,
// latency).
//
//   std::vector<Model*> models = { bert.get(), albert.get() };
//   CompareResult r = compareModels(models, { .text = "The capital of France is [MASK]." });
//   r.kl[0][1];                  // KL(bert || albert) over their fill-mask distributions
//   r.alignment.spans[3].differs // the tokenizers cut this stretch of text differently
//
// Thread safety: as Model::forward (one thread per model at a time).

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

/// One stretch of the text that every tokenizer cuts at both ends: the smallest such
/// stretches, in text order. Offsets are code points of the text.
struct AlignedSpan {
    int64_t begin = 0;
    int64_t end = 0;
    std::string text;
    /// Per model: the indices (into that model's encoding) of the tokens inside the span.
    std::vector<std::vector<int64_t>> tokens;
    /// The models cut the span differently (a different number of tokens, or the same
    /// number at different places).
    bool differs = false;
};

struct TokenAlignment {
    std::vector<AlignedSpan> spans;
    /// Per model: tokens that cover no character of the text ([CLS], </s>, SentencePiece's
    /// lone "▁"): they belong to no span. A [MASK] written in the text has its place.
    std::vector<std::vector<int64_t>> unaligned;
};

/// Aligns the encodings of one text by their offsets. A token's span is trimmed of the
/// whitespace it covers (byte-level BPE and SentencePiece pieces include the space before a
/// word; WordPiece's do not), so all tokenizers cut at word starts alike.
TokenAlignment alignTokens(const std::string& text, const std::vector<Encoding>& encodings);

/// A [query][key] attention map over model `model`'s tokens (tokens x tokens, row-major)
/// carried onto the aligned spans (spans x spans): a span's row is the mean of its query
/// tokens' rows, a span's column the sum of its key tokens' columns, so models that cut the
/// text differently can be subtracted. Tokens in no span ([CLS], </s>) drop out, and a row
/// then sums to the attention the text's own tokens get.
std::vector<float> attentionOnSpans(const std::vector<float>& map, int64_t tokens, const TokenAlignment& alignment,
                                    size_t model);

/// Model A's layer `layer` (of `layersA`) in a model of `layersB` layers at the same relative
/// depth: the first layer of B by which as large a share of B's stack has run,
/// ceil((layer + 1) / layersA x layersB) - 1. The last layer maps to the last layer.
int64_t layerAtRelativeDepth(int64_t layer, int64_t layersA, int64_t layersB);

struct PredictionCandidate {
    std::string text; ///< what the token reads as, trimmed ("paris"); a class's name
    double probability = 0.0;
};

struct ModelPrediction {
    /// "fill-mask" (the first mask), "next-token" (after the text), "classes" (a sequence
    /// classifier), or "" when the model predicts nothing here (then `why` says why).
    std::string kind;
    std::string why;
    std::vector<PredictionCandidate> top; ///< best first
};

struct ModelFacts {
    std::string dir;
    std::string modelType;
    std::string architecture;
    std::string headKind;
    int64_t layers = 0;
    int64_t hidden = 0;
    int64_t heads = 0;
    int64_t parameters = 0; ///< unique parameters (ALBERT's shared layers once)
    int64_t parametersPerForward = 0; ///< counting shared layers each time they run
    int64_t weightBytes = 0; ///< parameters x bytes per value
    int64_t tokens = 0; ///< this input's length for this model (special tokens included)
    double flops = 0.0; ///< one forward pass over this input (forwardFlops)
    double latencyMs = 0.0; ///< median forward time over CompareConfig::repeats
    /// The resident memory one forward pass over this input added at its peak (Linux: the
    /// high-water mark, VmHWM, reset before the pass and read after it, less the memory
    /// before); -1 where it cannot be measured (another system, a GPU, no repeats).
    int64_t peakBytes = -1;
};

struct CompareConfig {
    std::string text; ///< "[MASK]" or "<mask>" stand for each model's own mask token
    /// A second segment (a text pair, as a pair classifier reads it: [CLS] A [SEP] B [SEP]);
    /// "" = one text. The alignment then runs over "text\npair".
    std::string pair;
    int64_t topK = 10;
    int repeats = 5; ///< timed forward passes per model for the latency (0: not timed)
    /// Also keep every layer's attention (convolution kernels as band maps) of each model.
    bool attention = false;
    /// Also measure each model's effective context by gradient (effectiveContextAt).
    bool effectiveContext = false;
    /// Where: 0 = the first of each model's tokens, 1 = the last, 0.5 = the middle.
    double contextPosition = 0.5;
};

/// How far one model looks at this input: the gradient receptive field of its last layer
/// at one token (gradientReceptiveField), as the share of the gradient within distance d,
/// d = 0 .. tokens - 1.
struct EffectiveContext {
    int64_t position = 0;
    std::vector<double> withinDistance;
    std::string why; ///< when it could not be measured
};

/// The token at `relative` (0 .. 1) of `tokens`: round(relative x (tokens - 1)), so 0.5 is
/// the middle token and the same place in models whose tokenizers cut differently.
int64_t positionAtRelative(double relative, int64_t tokens);

/// The effective context of `model` on `text` (its own mask token where the text has a
/// [MASK]/<mask>) at relative position `relative`. What stops the measurement (a model the
/// gradient cannot go through, no tokenizer) is returned in `why`, not thrown.
EffectiveContext effectiveContextAt(Model& model, const std::string& text, double relative,
                                    const std::string& pair = {});

/// The text the alignment of a comparison runs over: `text`, or with a pair "text\npair".
std::string alignedText(const CompareConfig& config);

/// One model's attention on the input, layer by layer: [heads][query][key] row-major per
/// layer, over the model's own tokens. Empty for a model without attention (a dilated
/// convolution, WaveNet, an LSTM).
struct ModelAttention {
    int64_t heads = 0;
    int64_t tokens = 0;
    bool causal = false;
    std::vector<std::vector<float>> layers; ///< each heads x tokens x tokens
};

struct CompareResult {
    std::vector<ModelFacts> facts;
    std::vector<std::vector<std::string>> tokens; ///< per model, as its tokenizer writes them
    TokenAlignment alignment;
    std::vector<ModelPrediction> predictions;
    /// CompareConfig::attention: per model.
    std::vector<ModelAttention> attentions;
    /// Models 1 and 2, when they predict the same kind of thing: the candidates whose
    /// probability differs most between them (|p1 - p2|, largest first, topK of them) — over
    /// tokens with one vocabulary, over words (tokens reading alike merged) otherwise.
    struct Difference {
        std::string text;
        double first = 0.0; ///< model 1's probability
        double second = 0.0; ///< model 2's
    };
    std::vector<Difference> difference;
    /// CompareConfig::effectiveContext: per model.
    std::vector<EffectiveContext> contexts;
    /// KL(P_a || P_b) in nats between the models' distributions; NaN where the two predict
    /// different things (or nothing). Models with the same vocabulary are compared over all
    /// of it; others over the words either has in its top 50, with the rest as one "other"
    /// outcome.
    std::vector<std::vector<double>> kl;
    /// 1 where the two models' best candidates read the same, 0 where not, -1 where they
    /// predict different things.
    std::vector<std::vector<int>> top1;
    /// The share of comparable pairs (a < b) whose best candidates agree; NaN when none are.
    double top1Agreement = 0.0;
    JobStatus status = JobStatus::Completed;
};

/// Runs every model on the text. Throws lumen::Error(InvalidInput) for fewer than two or
/// more than four models, an empty text or a model without a tokenizer.
CompareResult compareModels(const std::vector<Model*>& models, const CompareConfig& config,
                            const RunControl& control = {});

/// KL(p || q) in nats of two distributions over the same outcomes (each summing to 1);
/// q is floored at 1e-12 where p is not 0.
double klDivergence(const std::vector<double>& p, const std::vector<double>& q);

} // namespace lumen::engine

namespace lumen::engine {

/// A comparison as a run's compare.json holds it (format lumen-compare-1), and back: the
/// same numbers (NaN written as null). Reading throws lumen::Error(InvalidInput) naming
/// what is wrong.
std::string compareResultToJson(const CompareResult& result, const CompareConfig& config);
CompareResult compareResultFromJson(const std::string& json, CompareConfig* config = nullptr);

} // namespace lumen::engine

#include "lumen/engine/dataset.h"

#include <functional>

namespace lumen::engine {

/// One example of a dataset run through every model.
struct DatasetExample {
    int64_t index = 0; ///< its place in the file's examples (0-based)
    int64_t line = 0; ///< where it starts in the file (1-based)
    std::string text;
    std::string label; ///< empty when the data has none
    std::vector<std::string> top1; ///< per model: the best candidate ("" when it predicts nothing)
    std::vector<double> top1Probability;
    /// The mean over comparable pairs of the symmetrised KL divergence, (KL(a||b) + KL(b||a)) / 2;
    /// NaN when no two models predict the same kind of thing here.
    double disagreement = 0.0;
};

struct DatasetComparison {
    std::vector<DatasetExample> examples; ///< most disagreement first (NaN last)
    /// Per model: the share of labelled examples whose best candidate is the label (the
    /// class, or the word a mask stands for; case-insensitive); NaN without labels.
    std::vector<double> accuracy;
    /// [a][b]: the share of examples both predict on whose best candidates agree; NaN where none.
    std::vector<std::vector<double>> agreement;
    int64_t total = 0; ///< examples in the data (or the limit)
    JobStatus status = JobStatus::Completed;
};

struct DatasetCompareConfig {
    DatasetSpec data; ///< textColumn; labelColumn "" = no labels
    int64_t limit = 0; ///< the first N examples; 0 = all
    int64_t topK = 5;
};

/// Runs every example through every model (as compareModels, untimed). `each` hears every
/// example as it is done (for streaming), with how many are done of how many. Cancelling
/// stops after the current example and returns what was done. Throws lumen::Error for bad
/// data (file:line), and as compareModels.
DatasetComparison compareOnDataset(const std::vector<Model*>& models, const DatasetCompareConfig& config,
                                   const RunControl& control = {},
                                   const std::function<void(const DatasetExample&, int64_t done, int64_t total)>& each = {});

/// A dataset comparison as a run's dataset-compare.json holds it (format
/// lumen-dataset-compare-1: the data, each model's folder and accuracy, the agreement table
/// and every example, most disagreement first), and back with the same numbers. Reading
/// throws lumen::Error(InvalidInput) naming what is wrong.
std::string datasetComparisonToJson(const DatasetComparison& comparison, const DatasetCompareConfig& config,
                                    const std::vector<std::string>& modelDirs);
DatasetComparison datasetComparisonFromJson(const std::string& json, DatasetCompareConfig* config = nullptr,
                                            std::vector<std::string>* modelDirs = nullptr);

/// One model's forward time against the input length (the comparison's speed chart).
struct SpeedSeries {
    std::string model; ///< the model's folder
    std::vector<int64_t> lengths;
    std::vector<double> milliseconds; ///< the median per length
    std::vector<double> gflops; ///< forwardFlops per length, in 10^9
};

struct SpeedConfig {
    int64_t shortest = 32;
    int64_t longest = 1024; ///< lengths double from shortest up to this, and to each model's positions
    int repeats = 3; ///< timed passes per length (after one warm-up), batch 1, random ids
};

/// Times every model at each length. A length a model cannot take ends its series;
/// cancelling stops at once and returns the lengths measured so far.
std::vector<SpeedSeries> speedAgainstLength(const std::vector<Model*>& models, const SpeedConfig& config,
                                            const RunControl& control = {});

/// As a run's speed.json holds it (format lumen-compare-speed-1), and back.
std::string speedSeriesToJson(const std::vector<SpeedSeries>& series, const SpeedConfig& config);
std::vector<SpeedSeries> speedSeriesFromJson(const std::string& json, SpeedConfig* config = nullptr);

} // namespace lumen::engine
