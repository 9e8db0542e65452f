// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The logit lens: a language model's own head (masked or causal) applied to the hidden state
// each layer leaves behind, so a person sees at which layer the answer forms.
//
//   LogitLensResult r = logitLens(*model, "The capital of France is [MASK].", {});
//   r.positions[0].layers[2].top[0].token;          // the best guess after layer 2
//   r.positions[0].layers[2].finalProbability;      // how likely the final answer was there
//
// Layer 0 is the embeddings' output, layer L the last layer's: its row is exactly the
// model's prediction (fill-mask's, or the next token's). Families that norm their last
// hidden state before the head (GPT-2, LLaMA, T5's decoder) norm every layer's state the same
// way first, as the lens is usually drawn. Which positions: the mask tokens of a masked-LM
// input; otherwise every position (for a causal LM, row p predicts token p + 1). For an
// encoder-decoder model (T5) the lens looks at the decoder reading `target`.
// Thread safety: one thread per Model, as forward().

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/token_probability.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

struct LogitLensConfig {
    int64_t topK = 5; ///< candidates per layer and position
    /// Token positions to look at; empty = the mask tokens (masked-LM with a mask in the
    /// text), else every position.
    std::vector<int64_t> positions;
    /// Encoder-decoder models: the decoder's text (required); the lens looks at its positions.
    std::string target;
};

struct LogitLensLayer {
    std::vector<TokenProbability> top; ///< best first
    /// The final layer's best token, here: its probability and rank (0 = best).
    double finalProbability = 0.0;
    int64_t finalRank = 0;
};

struct LogitLensPosition {
    int64_t position = 0;
    std::string token; ///< the input token at this position
    TokenProbability final; ///< the model's own best guess (the last layer's top)
    std::vector<LogitLensLayer> layers; ///< layers + 1 rows: embeddings, then each layer
};

struct LogitLensResult {
    std::vector<std::string> tokens; ///< the sequence the head reads (the decoder's for T5)
    std::vector<int64_t> ids;
    int64_t layers = 0; ///< transformer layers (rows are layers + 1)
    std::vector<LogitLensPosition> positions;
    double forwardMs = 0.0;
};

/// Throws lumen::Error(InvalidInput) for an empty text, a model without a language-model
/// head (an ELECTRA discriminator, a base encoder; the message says so), a folder without a
/// tokenizer, a position outside the text, or an encoder-decoder model without a target.
/// Returns an empty result when `control` cancelled the pass.
LogitLensResult logitLens(Model& model, const std::string& text, const LogitLensConfig& config = {},
                          const RunControl& control = {});
/// The same over token ids as given (a decoder's prompt and what it generated, without
/// tokenising the text again); not for encoder-decoder models.
LogitLensResult logitLensFromIds(Model& model, const std::vector<int64_t>& ids,
                                 const LogitLensConfig& config = {}, const RunControl& control = {});

} // namespace lumen::engine
