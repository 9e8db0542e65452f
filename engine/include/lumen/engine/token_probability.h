// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// One candidate token and its probability: what the demos (generation, the logit lens)
// report as a model's best guesses. Thread safety: plain value type.

#include <cstdint>
#include <string>

namespace lumen::engine {

struct TokenProbability {
    int64_t id = 0;
    std::string token; ///< vocabulary string
    double probability = 0.0; ///< the model's softmax over the vocabulary (temperature 1)
};

} // namespace lumen::engine
