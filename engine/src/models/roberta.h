// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// RoBERTa (Liu et al., 2019): BERT's encoder with position ids that start past the padding
// index, a single token type, and an LM head (dense, gelu, layer_norm, tied decoder).

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createRoberta(const ModelConfig& config);

} // namespace lumen::engine
