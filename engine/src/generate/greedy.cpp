// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "generate/greedy.h"

#include "lumen/engine/error.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>

namespace lumen::engine {
namespace {

// The reference's prepare_inputs_for_generation: cumsum(mask) - 1, pads get position 1.
torch::Tensor positionsFromMask(const torch::Tensor& mask)
{
    torch::Tensor positions = mask.cumsum(/*dim=*/-1) - 1;
    return positions.masked_fill(mask.eq(0), 1);
}

} // namespace

GreedyResult greedyGenerate(Model& model, const ModelInput& prompt, const GreedyConfig& config)
{
    if (model.info().headKind != "causal-lm") {
        throw Error(ErrorKind::InvalidInput,
            model.info().architecture
                + " has no causal language-model head, so it "
                  "cannot generate text. Load a ...ForCausalLM / "
                  "...LMHeadModel checkpoint.");
    }
    const IntTensor& ids = prompt.inputIds;
    if (ids.shape.size() != 2 || ids.shape[0] <= 0 || ids.shape[1] <= 0
        || static_cast<int64_t>(ids.data.size()) != ids.numel()) {
        throw Error(ErrorKind::InvalidInput,
            "the prompt ids must be a non-empty [batch, sequence] matrix.");
    }
    if (!prompt.attentionMask.data.empty() && prompt.attentionMask.shape != ids.shape) {
        throw Error(ErrorKind::InvalidInput,
            "the prompt's attention mask must have the same shape as its ids.");
    }
    if (config.maxNewTokens <= 0 || config.topK <= 0) {
        throw Error(ErrorKind::InvalidInput, "generation needs maxNewTokens > 0 and topK > 0.");
    }
    Architecture& arch = ModelInternals::architecture(model);
    const int64_t vocab = arch.vocabSize();
    for (int64_t id : ids.data) {
        if (id < 0 || id >= vocab) {
            throw Error(ErrorKind::InvalidInput,
                "token id " + std::to_string(id) + " is outside the vocabulary (0.."
                    + std::to_string(vocab - 1) + ").");
        }
    }

    torch::InferenceMode inferenceMode;
    const torch::Device device = ModelInternals::device(model);
    const int64_t batch = ids.shape[0];
    const int64_t topK = std::min(config.topK, vocab);
    torch::Tensor mask = prompt.attentionMask.data.empty()
        ? torch::ones({ ids.shape[0], ids.shape[1] }, torch::kInt64).to(device)
        : toTorch(prompt.attentionMask).to(device);
    KvCache cache;
    ArchInput in;
    in.inputIds = toTorch(ids).to(device);
    in.positionIds = positionsFromMask(mask);
    in.attentionMask = mask;
    in.cache = &cache;

    GreedyResult result;
    result.sequences.resize(static_cast<size_t>(batch));
    result.newTokenIds.resize(static_cast<size_t>(batch));
    result.steps.resize(static_cast<size_t>(batch));
    for (int64_t b = 0; b < batch; ++b) {
        result.sequences[static_cast<size_t>(b)].assign(
            ids.data.begin() + b * ids.shape[1], ids.data.begin() + (b + 1) * ids.shape[1]);
    }
    std::vector<bool> unfinished(static_cast<size_t>(batch), true);

    for (int64_t step = 0; step < config.maxNewTokens; ++step) {
        const ArchOutput out = arch.run(in, TraceRequest {});
        const torch::Tensor logits =
            out.logits.select(/*dim=*/1, out.logits.size(1) - 1).to(torch::kFloat32).cpu();
        const torch::Tensor next = torch::argmax(logits, /*dim=*/-1);
        const auto [topScores, topIds] = torch::topk(logits, topK, /*dim=*/-1);
        std::vector<int64_t> chosen(static_cast<size_t>(batch));
        for (int64_t b = 0; b < batch; ++b) {
            const auto row = static_cast<size_t>(b);
            int64_t token = next[b].item<int64_t>();
            if (!unfinished[row]) {
                token = config.padTokenId;
            }
            chosen[row] = token;
            result.sequences[row].push_back(token);
            result.newTokenIds[row].push_back(token);
            GreedyStep s;
            for (int64_t k = 0; k < topK; ++k) {
                s.topIds.push_back(topIds[b][k].item<int64_t>());
                s.topScores.push_back(topScores[b][k].item<float>());
            }
            result.steps[row].push_back(std::move(s));
            if (config.eosTokenId && token == *config.eosTokenId) {
                unfinished[row] = false;
            }
        }
        if (std::none_of(unfinished.begin(), unfinished.end(), [](bool u) { return u; })) {
            break;
        }
        mask = torch::cat({ mask, torch::ones({ batch, 1 }, mask.options()) }, /*dim=*/1);
        in.inputIds = torch::tensor(chosen, torch::kInt64).view({ batch, 1 }).to(device);
        in.attentionMask = mask;
        in.positionIds = positionsFromMask(mask).slice(/*dim=*/1, mask.size(1) - 1);
    }
    return result;
}

} // namespace lumen::engine
