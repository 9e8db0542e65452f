// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Tensor comparison with the conformance tolerances (tests/data/conformance/README.md):
//   attention probabilities |a - r| <= 1e-5
//   hidden states, pooler outputs, logits |a - r| <= 1e-4 + 1e-4 |r|

#include "lumen/engine/tensor.h"

#include <QTest>

#include <cmath>
#include <sstream>
#include <string>

namespace lumen::test {

constexpr double kAttentionAtol = 1e-5;
constexpr double kHiddenAtol = 1e-4;
constexpr double kHiddenRtol = 1e-4;

inline std::string shapeText(const std::vector<int64_t>& shape)
{
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) {
        out << (i ? ", " : "") << shape[i];
    }
    out << ']';
    return out.str();
}

/// Empty when equal within atol + rtol * |expected|; else what differs, and where.
inline std::string tensorMismatch(const engine::FloatTensor& actual,
                                  const engine::FloatTensor& expected, double atol, double rtol)
{
    if (actual.shape != expected.shape) {
        return "shape " + shapeText(actual.shape) + " != expected " + shapeText(expected.shape);
    }
    if (actual.data.size() != expected.data.size()) {
        return "element count differs";
    }
    double worst = 0.0;
    size_t worstAt = 0;
    size_t failures = 0;
    for (size_t i = 0; i < actual.data.size(); ++i) {
        const double a = actual.data[i];
        const double r = expected.data[i];
        const double diff = std::fabs(a - r);
        if (!(diff <= atol + rtol * std::fabs(r))) {
            ++failures;
            if (!(diff <= worst)) {
                worst = diff;
                worstAt = i;
            }
        }
    }
    if (failures == 0) {
        return {};
    }
    std::ostringstream out;
    out << failures << " of " << actual.data.size() << " elements differ; worst at flat index "
        << worstAt << ": " << actual.data[worstAt] << " vs expected " << expected.data[worstAt];
    return out.str();
}

} // namespace lumen::test

#define LUMEN_COMPARE_TENSORS(actual, expected, atol, rtol)                                      \
    do {                                                                                       \
        const std::string lumenMismatch_ =                                                     \
            ::lumen::test::tensorMismatch((actual), (expected), (atol), (rtol));               \
        QVERIFY2(lumenMismatch_.empty(), (std::string(#actual) + ": " + lumenMismatch_).c_str()); \
    } while (false)

#define LUMEN_COMPARE_HIDDEN(actual, expected)                                                 \
    LUMEN_COMPARE_TENSORS(actual, expected, ::lumen::test::kHiddenAtol, ::lumen::test::kHiddenRtol)
#define LUMEN_COMPARE_ATTENTION(actual, expected)                                              \
    LUMEN_COMPARE_TENSORS(actual, expected, ::lumen::test::kAttentionAtol, 0.0)
