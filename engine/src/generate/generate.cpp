// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/generate.h"

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "demos/token_distribution.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

namespace lumen::engine {

namespace {

/// The reference's RepetitionPenaltyLogitsProcessor: a seen token's logit is divided by the
/// penalty when positive, multiplied when negative.
void penalise(std::vector<float>& logits, const std::vector<int64_t>& seen, double penalty)
{
    if (penalty == 1.0) {
        return;
    }
    for (const int64_t id : std::set<int64_t>(seen.begin(), seen.end())) {
        float& l = logits[static_cast<size_t>(id)];
        l = l < 0 ? static_cast<float>(l * penalty) : static_cast<float>(l / penalty);
    }
}

void requireCausalLm(const ModelInfo& info)
{
    if (info.headKind != "causal-lm") {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no causal language-model head (its head is \""
                        + info.headKind
                        + "\"), so it cannot continue a text. Open a decoder (GPT-2, "
                          "LLaMA-style ...ForCausalLM); an encoder fills masks instead "
                          "(lumen-cli fill-mask).");
    }
}

/// Draws from temperature / top-k / top-p processed logits, as the reference's warpers do.
int64_t drawToken(std::vector<float> logits, const GenerateConfig& c, std::mt19937_64& rng)
{
    const size_t vocab = logits.size();
    for (float& l : logits) {
        l = static_cast<float>(l / c.temperature);
    }
    std::vector<int64_t> order(vocab);
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&logits](int64_t a, int64_t b) { return logits[a] > logits[b]; });
    size_t keep = vocab;
    if (c.topK > 0) {
        keep = std::min<size_t>(keep, static_cast<size_t>(c.topK));
    }
    if (c.topP < 1.0) {
        // The smallest prefix whose probability reaches topP (at least one token).
        std::vector<float> kept(keep);
        for (size_t i = 0; i < keep; ++i) {
            kept[i] = logits[static_cast<size_t>(order[i])];
        }
        const detail::TokenDistribution p(kept.data(), kept.size());
        double cumulative = 0.0;
        size_t n = 0;
        while (n < keep) {
            cumulative += p.probability(static_cast<int64_t>(n));
            ++n;
            if (cumulative >= c.topP) {
                break;
            }
        }
        keep = std::max<size_t>(1, n);
    }
    std::vector<float> kept(keep);
    for (size_t i = 0; i < keep; ++i) {
        kept[i] = logits[static_cast<size_t>(order[i])];
    }
    const detail::TokenDistribution p(kept.data(), kept.size());
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    double cumulative = 0.0;
    for (size_t i = 0; i < keep; ++i) {
        cumulative += p.probability(static_cast<int64_t>(i));
        if (u < cumulative) {
            return order[i];
        }
    }
    return order[keep - 1];
}

} // namespace

GenerateResult generate(Model& model, const std::string& prompt, const GenerateConfig& config,
                        const RunControl& control,
                        const std::function<void(const GenerateStep&)>& onStep)
{
    requireCausalLm(model.info()); // before the tokenizer: the likelier mistake
    if (model.tokenizer() == nullptr) {
        throw Error(ErrorKind::InvalidInput,
                    "the model folder has no tokenizer, so Lumen cannot read the prompt. Add the "
                    "tokenizer files to the folder.");
    }
    const ModelInput input = model.prepare({ prompt }); // throws for an empty prompt
    return generateFromIds(model, input.inputIds.data, config, control, onStep);
}

GenerateResult generateFromIds(Model& model, const std::vector<int64_t>& promptIds,
                               const GenerateConfig& config, const RunControl& control,
                               const std::function<void(const GenerateStep&)>& onStep)
{
    const auto start = std::chrono::steady_clock::now();
    const ModelInfo& info = model.info();
    requireCausalLm(info);
    if (config.maxNewTokens < 1 || !(config.temperature > 0.0) || !(config.topP > 0.0)
        || config.topP > 1.0 || config.topK < 0 || !(config.repetitionPenalty > 0.0)) {
        throw Error(ErrorKind::InvalidInput,
                    "generation settings out of range: max new tokens >= 1, temperature > 0, "
                    "top-p in (0, 1], top-k >= 0 and repetition penalty > 0.");
    }
    if (promptIds.empty()) {
        throw Error(ErrorKind::InvalidInput, "the prompt is empty.");
    }
    for (const int64_t id : promptIds) {
        if (id < 0 || id >= info.vocabSize) {
            throw Error(ErrorKind::InvalidInput,
                        "token id " + std::to_string(id) + " is outside the vocabulary (0.."
                            + std::to_string(info.vocabSize - 1) + ").");
        }
    }
    const Tokenizer* tokenizer = model.tokenizer();
    const auto tokenOf = [tokenizer](int64_t id) {
        return tokenizer != nullptr ? tokenizer->idToToken(id) : std::string();
    };
    GenerateResult result;
    result.promptIds = promptIds;
    const int64_t limit = info.maxPositions;
    if (limit > 0 && static_cast<int64_t>(result.promptIds.size()) + config.maxNewTokens > limit) {
        const int64_t room = std::max<int64_t>(1, limit - config.maxNewTokens);
        if (static_cast<int64_t>(result.promptIds.size()) > room) {
            result.promptIds.erase(result.promptIds.begin(),
                                   result.promptIds.end() - static_cast<std::ptrdiff_t>(room));
            result.promptTruncated = true;
        }
    }
    const int64_t maxNew = limit > 0
        ? std::min<int64_t>(config.maxNewTokens, limit - static_cast<int64_t>(result.promptIds.size()))
        : config.maxNewTokens;

    Architecture& arch = ModelInternals::architecture(model);
    torch::InferenceMode inferenceMode;
    const torch::Device device = ModelInternals::device(model);
    const int64_t eos = tokenizer != nullptr && tokenizer->specialTokens().eos
        ? *tokenizer->specialTokens().eos
        : -1; // none: only the length ends it
    std::mt19937_64 rng(config.seed);
    std::vector<int64_t> sequence = result.promptIds;
    KvCache cache;
    std::string previousText; ///< the new tokens decoded
    std::string streamed; ///< what the steps' text handed out so far
    const auto n = static_cast<int64_t>(sequence.size());
    torch::Tensor ids = torch::tensor(sequence, torch::kInt64).view({ 1, n }).to(device);
    result.stopReason = "length";
    for (int64_t step = 0; step < maxNew; ++step) {
        if (control.cancelled()) {
            result.stopReason = "cancelled";
            break;
        }
        ArchInput in;
        in.control = &control;
        const auto length = static_cast<int64_t>(sequence.size());
        if (config.useCache) {
            in.inputIds = ids;
            in.cache = &cache;
            in.attentionMask = torch::ones({ 1, length }, torch::kInt64).to(device);
            in.positionIds = torch::arange(length - ids.size(1), length, torch::kInt64)
                                 .view({ 1, ids.size(1) })
                                 .to(device);
        } else {
            in.inputIds = torch::tensor(sequence, torch::kInt64).view({ 1, length }).to(device);
            in.attentionMask = torch::ones({ 1, length }, torch::kInt64).to(device);
        }
        const ArchOutput out = arch.run(in, TraceRequest {});
        if (!out.logits.defined()) {
            result.stopReason = "cancelled";
            break;
        }
        const torch::Tensor last =
            out.logits.select(1, out.logits.size(1) - 1).select(0, 0).to(torch::kFloat32).cpu().contiguous();
        const float* logits = last.data_ptr<float>();
        const auto vocab = static_cast<size_t>(last.numel());
        const detail::TokenDistribution distribution(logits, vocab); // the model's, temperature 1
        int64_t chosen = 0;
        if (config.sample || config.repetitionPenalty != 1.0) {
            std::vector<float> processed(logits, logits + vocab);
            penalise(processed, sequence, config.repetitionPenalty);
            chosen = config.sample ? drawToken(processed, config, rng)
                                   : static_cast<int64_t>(std::max_element(processed.begin(), processed.end())
                                                          - processed.begin());
        } else {
            chosen = static_cast<int64_t>(std::max_element(logits, logits + vocab) - logits);
        }

        GenerateStep s;
        s.id = chosen;
        s.token = tokenOf(chosen);
        s.probability = distribution.probability(chosen);
        s.logit = logits[chosen];
        for (const int64_t other : distribution.top(config.alternatives)) {
            s.top.push_back({ other, tokenOf(other), distribution.probability(other) });
        }
        sequence.push_back(chosen);
        result.newTokenIds.push_back(chosen);
        result.newTokens.push_back(s.token);
        // Stream only what is settled: a token can be half a character (byte-level BPE), and
        // the text ends in U+FFFD until the next token completes it.
        const std::string text =
            tokenizer != nullptr ? tokenizer->decode(result.newTokenIds, /*skipSpecial=*/true) : "";
        const bool unfinished = text.size() >= 3 && text.compare(text.size() - 3, 3, "\xEF\xBF\xBD") == 0;
        if (!unfinished && text.compare(0, streamed.size(), streamed) == 0) {
            s.text = text.substr(streamed.size());
            streamed = text;
        }
        previousText = text;
        result.steps.push_back(s);
        if (onStep) {
            onStep(result.steps.back());
        }
        if (eos >= 0 && chosen == eos) {
            result.stopReason = "eos";
            break;
        }
        bool stopped = false;
        for (const std::string& stop : config.stopStrings) {
            const size_t at = stop.empty() ? std::string::npos : text.find(stop);
            if (at != std::string::npos) {
                previousText = text.substr(0, at);
                stopped = true;
            }
        }
        if (stopped) {
            result.stopReason = "stop-string";
            break;
        }
        ids = torch::tensor(std::vector<int64_t> { chosen }, torch::kInt64).view({ 1, 1 }).to(device);
    }
    result.text = previousText;
    result.elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace lumen::engine
