// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// An attention run as a file (the project's "attention" artifact, and File > Export): every
// layer's and head's weights and what they were computed from, enough to show the run again
// exactly without the model.
//
//   saveAttentionRecord(record, "run-7/attention.safetensors");
//   AttentionRecord again = loadAttentionRecord("run-7/attention.safetensors");
//
// The file is a safetensors file any tool reads: one F32 tensor "attentions"
// [layers, heads, query, key], and metadata "lumen.format" = "attention-v1", "lumen.text",
// "lumen.text_pair", "lumen.model", and JSON arrays "lumen.tokens" (shown text),
// "lumen.vocab_tokens", "lumen.special", "lumen.valid", plus "lumen.segment_start",
// "lumen.causal" and "lumen.window" ({"index", "count", "token_begin", "token_end",
// "text_tokens", "stride"}).
// An encoder-decoder run with a target adds F32 tensors "decoder_attentions" [layers, heads,
// target, target] and "cross_attentions" [layers, heads, target, source], and metadata
// "lumen.target" and "lumen.decoder" ({"tokens", "vocab_tokens", "special"}, the decoder's
// positions). Files without them are read as before.
// Thread safety: reentrant; save/load may run on any thread (they touch no widget).

#include "lumen/widgets/attention_set.h"

#include <QString>

#include <string>

namespace lumen::app {

struct AttentionRecord {
    widgets::AttentionSet set;
    QString text;
    QString pair; ///< text B of a sentence pair, empty for one text
    QString modelDir; ///< the model the run used (shown; not needed to reopen)
    /// A long text's window: window `windowIndex` of `windowCount` holds the text's tokens
    /// [tokenBegin, tokenEnd) of `textTokens` (special tokens not counted), windows
    /// overlapping by `stride` tokens. One window: 0 of 1, the whole text.
    int windowIndex = 0;
    int windowCount = 1;
    int64_t tokenBegin = 0;
    int64_t tokenEnd = 0;
    int64_t textTokens = 0;
    int stride = 0;
    /// Encoder-decoder models run with a target: the text the decoder read, its causal
    /// self-attention and its cross-attention to `set` (queries: the decoder's positions,
    /// keys: the encoder's). Both empty otherwise; then `set` is the only attention.
    QString target;
    widgets::AttentionSet decoder;
    widgets::AttentionSet cross;

    bool hasDecoder() const { return decoder.isValid() && cross.isValid(); }
};

/// Names of the three attentions of an encoder-decoder run (AttentionSet::name).
QString encoderStackName();
QString decoderStackName();
QString crossStackName();
/// The cross-attention set of `decoder`'s queries over `encoder`'s positions: the query side
/// (tokens, masks) is the decoder's, the key side the encoder's, `weights` [layer][head]
/// [decoder seq][encoder seq]; `layers` and `heads` as the decoder's. Named crossStackName().
widgets::AttentionSet crossAttentionSet(const widgets::AttentionSet& decoder,
    const widgets::AttentionSet& encoder, std::shared_ptr<const std::vector<float>> weights);

/// Writes `record` atomically (a temporary file renamed over `path`). Throws lumen::Error.
void saveAttentionRecord(const AttentionRecord& record, const std::string& path);
/// Reads a file saveAttentionRecord wrote. Throws lumen::Error naming the file and what is
/// wrong (not a Lumen attention file, shapes that do not fit, a truncated file).
AttentionRecord loadAttentionRecord(const std::string& path);

} // namespace lumen::app
