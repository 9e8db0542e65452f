// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// LLaMA-style decoders (Touvron et al., 2023): RMSNorm, rotary position embeddings,
// grouped-query attention and a SwiGLU feed-forward. The variants that differ only by flags
// share this file: Mistral (sliding-window attention) and Qwen2 (biases on q/k/v).

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createLlama(const ModelConfig& config);

} // namespace lumen::engine
