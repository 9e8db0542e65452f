// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Hand-made attention tensors for the analysis tests: matrices written as nested lists, put
// into a trace-shaped [batch, heads, query, key] FloatTensor.

#include "lumen/engine/tensor.h"

#include "tensor_compare.h"

#include <cstdint>
#include <vector>

namespace lumen::test {

using Matrix = std::vector<std::vector<double>>;

/// heads[b][h] is the [query][key] matrix of head h of sequence b.
inline engine::FloatTensor batchedLayer(const std::vector<std::vector<Matrix>>& batches)
{
    const auto b = static_cast<int64_t>(batches.size());
    const auto h = static_cast<int64_t>(batches.at(0).size());
    const auto n = static_cast<int64_t>(batches.at(0).at(0).size());
    engine::FloatTensor t;
    t.shape = { b, h, n, n };
    for (const auto& heads : batches) {
        for (const Matrix& m : heads) {
            for (const auto& row : m) {
                for (double v : row) {
                    t.data.push_back(static_cast<float>(v));
                }
            }
        }
    }
    return t;
}

inline engine::FloatTensor layer(const std::vector<Matrix>& heads)
{
    return batchedLayer({ heads });
}

inline engine::FloatTensor matrix(const Matrix& m)
{
    engine::FloatTensor t;
    t.shape = { static_cast<int64_t>(m.size()), static_cast<int64_t>(m.size()) };
    for (const auto& row : m) {
        for (double v : row) {
            t.data.push_back(static_cast<float>(v));
        }
    }
    return t;
}

} // namespace lumen::test

/// A result matrix against a hand-written one, |a - e| <= 1e-6 (float32 results).
#define LUMEN_COMPARE_MATRIX(actual, expected)                                                     \
    LUMEN_COMPARE_TENSORS(actual, ::lumen::test::matrix(expected), 1e-6, 0.0)
