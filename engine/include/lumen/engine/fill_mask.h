// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Fill-mask: a masked-LM's candidates for every mask token of a text, with probabilities
// (the softmax of the head's logits over the whole vocabulary, as the reference's
// fill-mask pipeline computes them).
//
//   FillMaskResult r = fillMask(*model, "The capital of France is [MASK].", {/*topK=*/5});
//   r.masks[0].candidates[0].token;        // "paris"
//
// The text may hold any number of mask tokens (the tokenizer's mask token, written as the
// tokenizer writes it: "[MASK]", "<mask>"). Thread safety: one thread per Model, as forward().

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

struct FillMaskConfig {
    int64_t topK = 5; ///< candidates per mask, best first (1 .. vocabulary size)
};

struct FillMaskCandidate {
    int64_t id = 0;
    std::string token; ///< the vocabulary string ("paris", "Ġhouse", "▁cat")
    std::string text; ///< what it reads as (decoded, e.g. " house"), for the filled sentence
    double probability = 0.0; ///< softmax over the vocabulary at that position
    float logit = 0.0f;
};

struct FillMaskPosition {
    int64_t position = 0; ///< token position in the encoded text (special tokens counted)
    std::vector<FillMaskCandidate> candidates;
};

struct FillMaskResult {
    std::vector<std::string> tokens; ///< the encoded text
    std::vector<int64_t> ids;
    std::vector<FillMaskPosition> masks; ///< in text order
    /// The text with each mask replaced by its best candidate.
    std::string filled;
    double forwardMs = 0.0;
};

/// Throws lumen::Error(InvalidInput) for an empty text, a text without the mask token (the
/// message names it), a model without a masked-LM head (GPT-2, an ELECTRA discriminator, a
/// base encoder), or a folder without a tokenizer; returns an empty result when `control`
/// cancelled the pass.
FillMaskResult fillMask(Model& model, const std::string& text, const FillMaskConfig& config = {},
                        const RunControl& control = {});

} // namespace lumen::engine
