// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/text_demos.h"

#include "demos/token_distribution.h"

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lumen::engine {

SimilarityResult sentenceSimilarity(Model& model, const std::vector<std::string>& texts,
                                    Pooling pooling)
{
    if (texts.empty()) {
        throw Error(ErrorKind::InvalidInput, "give at least one text to embed.");
    }
    const ModelInput input = model.prepare(texts); // throws for an empty text
    const ForwardResult out = model.forward(input);
    const FloatTensor& h = out.lastHiddenState;
    if (h.shape.size() != 3) {
        throw Error(ErrorKind::InvalidInput,
                    model.info().architecture + " gives no hidden state per position to embed.");
    }
    const int64_t batch = h.shape[0];
    const int64_t seq = h.shape[1];
    const int64_t hidden = h.shape[2];
    SimilarityResult result;
    for (int64_t b = 0; b < batch; ++b) {
        std::vector<double> sum(static_cast<size_t>(hidden), 0.0);
        int64_t count = 0;
        for (int64_t t = 0; t < seq; ++t) {
            const bool real = input.attentionMask.data[static_cast<size_t>(b * seq + t)] != 0;
            if (!real || (pooling == Pooling::First && count > 0)) {
                continue;
            }
            const float* row = h.data.data() + static_cast<size_t>((b * seq + t) * hidden);
            for (int64_t d = 0; d < hidden; ++d) {
                sum[static_cast<size_t>(d)] += row[d];
            }
            ++count;
        }
        std::vector<float> embedding(static_cast<size_t>(hidden));
        for (int64_t d = 0; d < hidden; ++d) {
            embedding[static_cast<size_t>(d)] =
                static_cast<float>(sum[static_cast<size_t>(d)] / std::max<int64_t>(1, count));
        }
        int64_t real = 0;
        for (int64_t t = 0; t < seq; ++t) {
            real += input.attentionMask.data[static_cast<size_t>(b * seq + t)] != 0 ? 1 : 0;
        }
        result.tokenCounts.push_back(real);
        result.embeddings.push_back(std::move(embedding));
    }
    const auto norm = [](const std::vector<float>& v) {
        double s = 0.0;
        for (const float x : v) {
            s += double(x) * x;
        }
        return std::sqrt(s);
    };
    const size_t n = result.embeddings.size();
    result.cosine.assign(n, std::vector<double>(n, 0.0));
    for (size_t i = 0; i < n; ++i) {
        for (size_t j = i; j < n; ++j) {
            double dot = 0.0;
            for (size_t d = 0; d < result.embeddings[i].size(); ++d) {
                dot += double(result.embeddings[i][d]) * result.embeddings[j][d];
            }
            const double denominator = norm(result.embeddings[i]) * norm(result.embeddings[j]);
            const double c = i == j ? 1.0 : (denominator > 0.0 ? dot / denominator : 0.0);
            result.cosine[i][j] = result.cosine[j][i] = c;
        }
    }
    return result;
}

namespace {

/// Probability of `id` in a logits row, and the row's best `k` tokens with theirs.
ScoredToken scoreRow(const float* row, size_t vocab, int64_t id, int64_t k,
                     const Tokenizer& tokenizer)
{
    const detail::TokenDistribution distribution(row, vocab);
    ScoredToken t;
    t.id = id;
    t.token = tokenizer.idToToken(id);
    const double logP = distribution.logProbability(id);
    t.probability = std::exp(logP);
    t.surprisalBits = -logP / std::log(2.0);
    for (const int64_t other : distribution.top(k)) {
        t.top.emplace_back(tokenizer.idToToken(other), distribution.probability(other));
    }
    return t;
}

ScoreResult pseudoScore(Model& model, const std::string& text, int64_t alternatives)
{
    const Tokenizer* tokenizer = model.tokenizer();
    if (tokenizer == nullptr || !tokenizer->specialTokens().mask) {
        throw Error(ErrorKind::InvalidInput,
                    "the tokenizer has no mask token, so a masked-LM cannot score the text.");
    }
    const int64_t mask = *tokenizer->specialTokens().mask;
    const ModelInput input = model.prepare({ text });
    const std::vector<uint8_t> special =
        input.encodings.empty() ? std::vector<uint8_t>() : input.encodings.front().specialMask;
    ScoreResult result;
    result.pseudo = true;
    double nll = 0.0;
    for (size_t i = 0; i < input.inputIds.data.size(); ++i) {
        if (i < special.size() && special[i] != 0) {
            continue;
        }
        ModelInput masked = input;
        masked.inputIds.data[i] = mask;
        const ForwardResult out = model.forward(masked);
        const auto vocab = static_cast<size_t>(out.logits.shape.at(2));
        ScoredToken t = scoreRow(out.logits.data.data() + i * vocab, vocab,
                                 input.inputIds.data[i], alternatives, *tokenizer);
        nll -= std::log(t.probability);
        result.tokens.push_back(std::move(t));
    }
    if (result.tokens.empty()) {
        throw Error(ErrorKind::InvalidInput, "the text has no token to score.");
    }
    result.meanNegativeLogLikelihood = nll / static_cast<double>(result.tokens.size());
    result.perplexity = std::exp(result.meanNegativeLogLikelihood);
    return result;
}

} // namespace

ScoreResult scoreText(Model& model, const std::string& text, int64_t alternatives)
{
    const ModelInfo& info = model.info();
    if (info.headKind == "masked-lm" || info.headKind == "pretraining") {
        return pseudoScore(model, text, alternatives);
    }
    if (info.headKind != "causal-lm") {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no language-model head (its head is \""
                        + info.headKind + "\"), so it cannot score a text token by token. Open a "
                                          "decoder (GPT-2, LLaMA-style) or a masked-LM.");
    }
    const ModelInput input = model.prepare({ text });
    const std::vector<int64_t>& ids = input.inputIds.data;
    if (ids.size() < 2) {
        throw Error(ErrorKind::InvalidInput,
                    "the text has " + std::to_string(ids.size())
                        + " token; scoring needs at least two (each token is scored given the "
                          "ones before it).");
    }
    const ForwardResult out = model.forward(input);
    const FloatTensor& logits = out.logits;
    const auto vocab = static_cast<size_t>(logits.shape.at(2));
    const Tokenizer* tokenizer = model.tokenizer();
    ScoreResult result;
    result.firstToken = tokenizer->idToToken(ids.front());
    double nll = 0.0;
    for (size_t i = 1; i < ids.size(); ++i) {
        ScoredToken t = scoreRow(logits.data.data() + (i - 1) * vocab, vocab, ids[i], alternatives,
                                 *tokenizer);
        nll -= std::log(t.probability);
        result.tokens.push_back(std::move(t));
    }
    result.meanNegativeLogLikelihood = nll / static_cast<double>(result.tokens.size());
    result.perplexity = std::exp(result.meanNegativeLogLikelihood);
    return result;
}

} // namespace lumen::engine
