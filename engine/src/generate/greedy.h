// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Greedy decoding with a KV cache (engine-internal; the public generation API comes later).
// Matches the reference's generate(do_sample=False, num_beams=1, use_cache=True): the prompt
// runs once, then one token per step against the cached keys and values; with left-padded
// rows the positions are cumsum(attention_mask) - 1, as the reference derives them.
//
//   ModelInput prompt;  // [batch, seq] ids and mask, pads on the LEFT
//   GreedyResult r = greedyGenerate(model, prompt, {/*maxNewTokens=*/8});
//
// Plain types only (no Torch), so tests can call it. One thread per Model, as for forward().

#include "lumen/engine/model.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace lumen::engine {

struct GreedyConfig {
    int64_t maxNewTokens = 8;
    std::optional<int64_t> eosTokenId; ///< a row that produces it is finished
    int64_t padTokenId = 0; ///< appended to finished rows while others go on
    int64_t topK = 5; ///< how many scores to keep per step and row
};

struct GreedyStep {
    std::vector<int64_t> topIds; ///< best first
    std::vector<float> topScores; ///< the next-token logits of topIds
};

struct GreedyResult {
    std::vector<std::vector<int64_t>> sequences; ///< per row: the prompt as given + new tokens
    std::vector<std::vector<int64_t>> newTokenIds; ///< per row
    std::vector<std::vector<GreedyStep>> steps; ///< [row][step]
};

/// Throws lumen::Error(InvalidInput) for a model without a causal-LM head, a malformed
/// prompt, or a prompt plus new tokens longer than the model accepts.
GreedyResult greedyGenerate(Model& model, const ModelInput& prompt, const GreedyConfig& config);

} // namespace lumen::engine
