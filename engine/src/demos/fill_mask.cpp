// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/fill_mask.h"

#include "demos/token_distribution.h"
#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <algorithm>

namespace lumen::engine {

FillMaskResult fillMask(Model& model, const std::string& text, const FillMaskConfig& config,
                        const RunControl& control)
{
    const ModelInfo& info = model.info();
    if (info.headKind != "masked-lm" && info.headKind != "pretraining") {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no masked-LM head (its head is \"" + info.headKind
                        + "\"), so it cannot fill in masks. Open a masked-LM checkpoint (BERT, "
                          "RoBERTa, ALBERT, DistilBERT, an ELECTRA generator).");
    }
    const Tokenizer* tokenizer = model.tokenizer();
    if (tokenizer == nullptr) {
        throw Error(ErrorKind::InvalidInput,
                    "the model folder has no tokenizer, so Lumen cannot find the mask token. "
                    "Add the tokenizer files (vocab.txt, tokenizer.json, ...) to the folder.");
    }
    const std::optional<int64_t> maskId = tokenizer->specialTokens().mask;
    if (!maskId) {
        throw Error(ErrorKind::InvalidInput,
                    "the tokenizer defines no mask token, so there is nothing to fill in.");
    }
    const std::string maskToken = tokenizer->idToToken(*maskId);
    const ModelInput input = model.prepare({ text }); // throws for an empty text
    FillMaskResult result;
    result.ids = input.inputIds.data;
    result.tokens = input.tokens.empty() ? std::vector<std::string>() : input.tokens.front();
    std::vector<int64_t> positions;
    for (size_t i = 0; i < result.ids.size(); ++i) {
        if (result.ids[i] == *maskId) {
            positions.push_back(static_cast<int64_t>(i));
        }
    }
    if (positions.empty()) {
        throw Error(ErrorKind::InvalidInput,
                    "the text has no " + maskToken + " token. Write " + maskToken
                        + " where a word should be filled in, e.g. \"The capital of France is "
                        + maskToken + ".\"");
    }
    const ForwardResult out = model.forward(input, {}, control);
    if (out.status == JobStatus::Cancelled) {
        return {};
    }
    result.forwardMs = out.elapsedMs;
    const FloatTensor& logits = out.logits;
    if (logits.shape.size() != 3 || logits.shape[1] != static_cast<int64_t>(result.ids.size())) {
        throw Error(ErrorKind::Internal, "the masked-LM head returned logits of an unexpected shape");
    }
    const auto vocab = static_cast<size_t>(logits.shape[2]);
    std::vector<int64_t> best = result.ids;
    for (const int64_t position : positions) {
        const detail::TokenDistribution distribution(
            logits.data.data() + static_cast<size_t>(position) * vocab, vocab);
        const std::vector<int64_t> top = distribution.top(std::max<int64_t>(1, config.topK));
        FillMaskPosition mask;
        mask.position = position;
        for (const int64_t id : top) {
            FillMaskCandidate candidate;
            candidate.id = id;
            candidate.token = tokenizer->idToToken(id);
            candidate.text = tokenizer->decode({ id }, /*skipSpecial=*/false);
            candidate.logit = distribution.logits[id];
            candidate.probability = distribution.probability(id);
            mask.candidates.push_back(std::move(candidate));
        }
        best[static_cast<size_t>(position)] = top.front();
        result.masks.push_back(std::move(mask));
    }
    result.filled = tokenizer->decode(best, /*skipSpecial=*/true);
    return result;
}

} // namespace lumen::engine
