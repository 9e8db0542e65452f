// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "generate/seq2seq_greedy.h"

#include "lumen/engine/error.h"
#include "models/architecture.h"
#include "torch_convert.h"

namespace lumen::engine {

GreedyResult seq2seqGreedyGenerate(
    Model& model, const ModelInput& prompt, const GreedyConfig& config)
{
    if (!model.info().isEncoderDecoder) {
        throw Error(ErrorKind::InvalidInput,
            model.info().architecture
                + " is not an encoder-decoder model; use greedy "
                  "generation for decoders instead.");
    }
    const IntTensor& ids = prompt.inputIds;
    if (ids.shape.size() != 2 || ids.shape[0] <= 0 || ids.shape[1] <= 0
        || static_cast<int64_t>(ids.data.size()) != ids.numel()
        || (!prompt.attentionMask.data.empty() && prompt.attentionMask.shape != ids.shape)) {
        throw Error(ErrorKind::InvalidInput,
            "the prompt must be a non-empty [batch, sequence] matrix of ids, with a mask "
            "of the same shape (or none).");
    }
    if (config.maxNewTokens < 0) {
        throw Error(ErrorKind::InvalidInput, "the number of new tokens must not be negative.");
    }
    Architecture& arch = ModelInternals::architecture(model);
    const int64_t vocab = arch.vocabSize();
    for (int64_t id : ids.data) {
        if (id < 0 || id >= vocab) {
            throw Error(ErrorKind::InvalidInput,
                "prompt token id " + std::to_string(id) + " is outside the vocabulary (0.."
                    + std::to_string(vocab - 1) + ").");
        }
    }
    const torch::Device device = ModelInternals::device(model);
    torch::InferenceMode inferenceMode;

    ArchInput in;
    in.inputIds = toTorch(ids).to(device);
    in.attentionMask = prompt.attentionMask.data.empty() ? torch::ones_like(in.inputIds)
                                                         : toTorch(prompt.attentionMask).to(device);
    in.tokenTypeIds = torch::zeros_like(in.inputIds);
    in.encoderHiddenState = arch.run(in, TraceRequest {}).lastHidden;

    const int64_t batch = ids.shape[0];
    const int64_t topK = std::max<int64_t>(1, std::min(config.topK, vocab));
    GreedyResult result;
    result.sequences.assign(static_cast<size_t>(batch), { arch.decoderStartTokenId() });
    result.newTokenIds.resize(static_cast<size_t>(batch));
    result.steps.resize(static_cast<size_t>(batch));
    std::vector<bool> finished(static_cast<size_t>(batch), false);
    for (int64_t step = 0; step < config.maxNewTokens; ++step) {
        std::vector<int64_t> flat;
        for (const auto& row : result.sequences) {
            flat.insert(flat.end(), row.begin(), row.end());
        }
        in.decoderInputIds = torch::tensor(flat, torch::kLong).view({ batch, step + 1 }).to(device);
        const torch::Tensor logits = arch.run(in, TraceRequest {})
                                         .logits.select(1, step)
                                         .to(torch::kCPU)
                                         .to(torch::kFloat32);
        const torch::Tensor best = logits.argmax(-1);
        const auto top = logits.topk(topK, -1);
        bool allFinished = true;
        for (int64_t b = 0; b < batch; ++b) {
            const auto row = static_cast<size_t>(b);
            GreedyStep record;
            for (int64_t k = 0; k < topK; ++k) {
                record.topIds.push_back(std::get<1>(top)[b][k].item<int64_t>());
                record.topScores.push_back(std::get<0>(top)[b][k].item<float>());
            }
            result.steps[row].push_back(std::move(record));
            int64_t next = best[b].item<int64_t>();
            if (finished[row]) {
                next = config.padTokenId;
            } else if (config.eosTokenId && next == *config.eosTokenId) {
                finished[row] = true;
            }
            result.sequences[row].push_back(next);
            result.newTokenIds[row].push_back(next);
            allFinished = allFinished && finished[row];
        }
        if (allFinished) {
            break;
        }
    }
    return result;
}

} // namespace lumen::engine
