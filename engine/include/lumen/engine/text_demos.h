// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Two demos over a model's forward pass:
//
// Similarity: sentences -> embeddings (the mean of the last hidden state over each text's
// real tokens, special tokens included as sentence-transformers' mean pooling has it, or the
// first token's state) -> the matrix of cosine similarities.
//
//   SimilarityResult s = sentenceSimilarity(*model, {"a cat", "a dog", "tax law"},
//                                           Pooling::Mean);
//   s.cosine[0][1];   // symmetric, 1 on the diagonal
//
// Scoring: how probable a given text is under a causal LM (forced decoding: each token's
// probability given the ones before it, its surprisal in bits, the text's perplexity, the
// model's top alternatives at each position).
//
//   ScoreResult r = scoreText(*model, "The quick brown fox", 5);
//
// Thread safety: one thread per Model, as forward().

#include "lumen/engine/model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

enum class Pooling { Mean, First };

struct SimilarityResult {
    std::vector<std::vector<float>> embeddings; ///< per text, hidden size
    std::vector<std::vector<double>> cosine; ///< texts x texts
    std::vector<int64_t> tokenCounts; ///< real tokens per text (special tokens included)
};

/// Throws lumen::Error(InvalidInput) for fewer than one text, an empty text, or a model whose
/// output has no hidden states per position.
SimilarityResult sentenceSimilarity(Model& model, const std::vector<std::string>& texts,
                                    Pooling pooling);

struct ScoredToken {
    int64_t id = 0;
    std::string token;
    double probability = 0.0; ///< given the tokens before it
    double surprisalBits = 0.0; ///< -log2(probability)
    std::vector<std::pair<std::string, double>> top; ///< the model's best guesses there
};

struct ScoreResult {
    /// causal LM: from the second token on (the first has no context); masked-LM: every
    /// non-special token, each scored with itself masked (pseudo-log-likelihood)
    std::vector<ScoredToken> tokens;
    std::string firstToken; ///< the unscored first token (causal LM)
    bool pseudo = false; ///< masked-LM pseudo-log-likelihood (Salazar et al. 2020)
    double meanNegativeLogLikelihood = 0.0; ///< nats per scored token
    double perplexity = 0.0; ///< exp(mean NLL)
};

/// A causal LM scores each token given the ones before it; a masked-LM scores each
/// non-special token with it alone masked (one forward pass per token: the
/// pseudo-log-likelihood, whose "perplexity" is exp of its mean). Throws
/// lumen::Error(InvalidInput) for any other head, or a text with nothing to score.
ScoreResult scoreText(Model& model, const std::string& text, int64_t alternatives = 5);

} // namespace lumen::engine
