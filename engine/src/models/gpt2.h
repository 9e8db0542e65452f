// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// GPT-2 (Radford et al., 2019): pre-LayerNorm Transformer decoder with learned absolute
// positions, Conv1D projections (weights stored [in, out]) and an LM head tied to the token
// embeddings.

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createGpt2(const ModelConfig& config);

} // namespace lumen::engine
