// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Text generation from a causal language model (GPT-2, LLaMA-style) or an encoder-decoder
// (T5), token by token, with the probability of each chosen token and its strongest
// alternatives.
//
//   GenerateConfig c;
//   c.maxNewTokens = 32;
//   c.sample = true; c.temperature = 0.8; c.topP = 0.9; c.seed = 7;
//   GenerateResult r = generate(*model, "Once upon a time", c, {}, [](const GenerateStep& s) {
//       std::cout << s.text << std::flush;              // streamed as it is made
//   });
//
// Greedy by default (the reference's generate(do_sample=False, num_beams=1), which the
// conformance data pins token for token). Sampling follows the reference's logits processors
// in its order: repetition penalty, temperature, top-k, top-p (nucleus), then a draw from a
// generator seeded with `seed` (the same seed gives the same text). A KV cache makes each
// step one position long; useCache = false re-runs the whole sequence every step (for
// checking, and for the benchmark). A prompt longer than the model takes is cut from the
// left so that prompt + new tokens fit (promptTruncated says so). Encoder-decoder models
// (T5) generate the same way from the encoder's input: the decoder starts from
// decoder_start_token_id and runs without a cache (the whole target each step).
// Thread safety: one thread per Model, as forward().

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/token_probability.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lumen::engine {

struct GenerateConfig {
    int64_t maxNewTokens = 32;
    bool sample = false; ///< false: greedy (the best token each step)
    double temperature = 1.0; ///< > 0; sampling only
    int64_t topK = 0; ///< keep the K most likely tokens; 0 = all; sampling only
    double topP = 1.0; ///< keep the smallest set of tokens with this much probability; sampling
    double repetitionPenalty = 1.0; ///< > 1 discourages tokens already in the text (both modes)
    uint64_t seed = 0;
    /// > 1: beam search with this many beams (the reference's num_beams, early_stopping
    /// False): the most probable sequence found, its score the sum of log-probabilities over
    /// its length to the power lengthPenalty. Not with sampling. Steps are handed to onStep
    /// once the search ends (the best beam is only known then).
    int64_t beams = 1;
    double lengthPenalty = 1.0; ///< beam search: > 1 favours longer sequences
    std::vector<std::string> stopStrings; ///< generation ends once the new text holds one
    bool useCache = true;
    int64_t alternatives = 5; ///< top alternatives reported per step
};

struct GenerateStep {
    int64_t id = 0;
    std::string token;
    /// What this token adds to the prompt's text ("" while it is half a character; the next
    /// step's text completes it): a decoder's new tokens decoded after the prompt, so the
    /// first piece has the space a word-level or SentencePiece decoder puts before it.
    /// Concatenated they give GenerateResult::text, up to that leading space and except
    /// after a stop string (which text cuts before).
    std::string text;
    double probability = 0.0; ///< of the chosen token, under the model
    float logit = 0.0f;
    std::vector<TokenProbability> top; ///< the most likely tokens at this step, best first
};

struct GenerateResult {
    std::vector<int64_t> promptIds; ///< as fed to the model (after a left cut)
    bool promptTruncated = false;
    std::vector<int64_t> newTokenIds;
    std::vector<std::string> newTokens;
    std::string text; ///< the new tokens decoded (cut before a stop string)
    std::vector<GenerateStep> steps;
    /// "length" (maxNewTokens), "eos", "stop-string", or "cancelled"
    std::string stopReason;
    double elapsedMs = 0.0;
};

/// Throws lumen::Error(InvalidInput) for an empty prompt, a model that cannot generate (an
/// encoder: the message says which head it has), a folder without a tokenizer, or settings
/// out of range (temperature <= 0, topP outside (0, 1], maxNewTokens < 1, beams < 1, beams
/// with sampling).
GenerateResult generate(Model& model, const std::string& prompt, const GenerateConfig& config,
                        const RunControl& control = {},
                        const std::function<void(const GenerateStep&)>& onStep = {});
/// The same from token ids; works without a tokenizer (then tokens and text stay empty and
/// no end-of-text token stops it): what the benchmark uses on random ids.
GenerateResult generateFromIds(Model& model, const std::vector<int64_t>& promptIds,
                               const GenerateConfig& config, const RunControl& control = {},
                               const std::function<void(const GenerateStep&)>& onStep = {});

} // namespace lumen::engine
