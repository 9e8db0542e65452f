// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A logits row as a probability distribution, for the demos (fill-mask, scoring,
// generation): the softmax in double from the largest logit, and the k most likely ids
// (ties to the lower id, so results do not depend on the sort).
// Engine-internal; no Torch. Thread safety: pure functions.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace lumen::engine::detail {

struct TokenDistribution {
    const float* logits = nullptr;
    size_t size = 0;
    float max = 0.0f;
    double logNormaliser = 0.0; ///< log(sum exp(logit - max))

    TokenDistribution(const float* row, size_t n)
        : logits(row)
        , size(n)
        , max(*std::max_element(row, row + n))
    {
        double sum = 0.0;
        for (size_t v = 0; v < n; ++v) {
            sum += std::exp(static_cast<double>(row[v]) - max); // exp(-inf) = 0 for masked ids
        }
        logNormaliser = std::log(sum);
    }
    double logProbability(int64_t id) const
    {
        return static_cast<double>(logits[static_cast<size_t>(id)]) - max - logNormaliser;
    }
    double probability(int64_t id) const { return std::exp(logProbability(id)); }
    /// The `k` most likely ids, best first (k clamped to the vocabulary).
    std::vector<int64_t> top(int64_t k) const
    {
        std::vector<int64_t> order(size);
        std::iota(order.begin(), order.end(), int64_t{0});
        const auto n = static_cast<std::ptrdiff_t>(
            std::clamp<int64_t>(k, 0, static_cast<int64_t>(size)));
        const float* row = logits;
        std::partial_sort(order.begin(), order.begin() + n, order.end(),
                          [row](int64_t a, int64_t b) { return row[a] != row[b] ? row[a] > row[b] : a < b; });
        order.resize(static_cast<size_t>(n));
        return order;
    }
};

} // namespace lumen::engine::detail
