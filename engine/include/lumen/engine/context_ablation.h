// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Context ablation: how much context a language model really uses, measured by behaviour
// rather than by gradient. Every token of a text is predicted with the context beyond
// distance d removed (Cut: as if the text began and ended there) or scrambled (Shuffle: the
// same tokens at the same distance, in a random order), and the mean loss is plotted
// against d. A model whose loss stops changing beyond d uses no more than d tokens.
//
//   ContextAblation a = contextAblation(*model, text, { { 1, 2, 4, 8 }, AblationMode::Cut });
//   a.points[2].loss;   // mean NLL (nats) with 4 tokens of context each side
//   a.fullLoss;         // with the whole text
//
// Distances are counted from the position whose output predicts the token: the masked
// position itself (a masked-LM: positions t-d .. t+d stay), or for a causal LM the token
// before the target (positions p-d .. p stay, so d = 0 leaves one token of context). This is
// the same origin as the effective context curve of gradientReceptiveField. Special tokens
// ([CLS], [SEP], a leading <s>) always stay.
//
// Thread safety: one thread per Model, as forward().

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

enum class AblationMode { Cut, Shuffle };

struct ContextAblationConfig {
    /// distances to measure; empty = 0, 1, 2, 4, ... up to the text's length
    std::vector<int64_t> distances;
    AblationMode mode = AblationMode::Cut;
    uint64_t seed = 0; ///< the shuffles' random order
    /// Only the whole-text loss (fullLoss, fullTargetLoss): a language model's held-out
    /// loss, without the ablated passes (points stay empty).
    bool wholeTextOnly = false;
};

struct ContextAblationPoint {
    int64_t distance = 0;
    double loss = 0.0; ///< mean negative log-likelihood over the targets, nats
    int64_t ablatedTargets = 0; ///< targets that lost (or had scrambled) some context at this d
    std::vector<double> targetLoss; ///< per target, in text order
};

struct ContextAblation {
    AblationMode mode = AblationMode::Cut;
    bool causal = false;
    std::vector<std::string> tokens;
    std::vector<int64_t> targets; ///< the positions predicted (non-special tokens)
    double fullLoss = 0.0; ///< with the whole text as context
    std::vector<double> fullTargetLoss;
    std::vector<ContextAblationPoint> points; ///< in the order of the distances
    JobStatus status = JobStatus::Completed; ///< Cancelled when RunControl::cancel was set
};

/// Throws lumen::Error(InvalidInput) for a model without a language-model head (masked or
/// causal), a tokenizer without a mask token (masked-LM), an empty text or one with nothing
/// to predict, or a negative distance. The text is cut to the model's maximum positions.
ContextAblation contextAblation(Model& model, const std::string& text, const ContextAblationConfig& config = {},
                                const RunControl* control = nullptr);

const char* ablationModeName(AblationMode mode); ///< "cut", "shuffle"

} // namespace lumen::engine
