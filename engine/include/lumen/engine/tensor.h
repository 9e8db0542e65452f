// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Plain row-major tensors that cross the engine's public boundary (no Torch types here).
// Thread safety: plain value types.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

template <typename T>
struct DenseTensor {
    std::vector<int64_t> shape;
    std::vector<T> data;

    int64_t numel() const
    {
        int64_t n = 1;
        for (int64_t d : shape) {
            n *= d;
        }
        return n;
    }
    int64_t dim(size_t i) const { return shape.at(i); }
    bool empty() const { return data.empty(); }
};

using FloatTensor = DenseTensor<float>;
using IntTensor = DenseTensor<int64_t>;

} // namespace lumen::engine
