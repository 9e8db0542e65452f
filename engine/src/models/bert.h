// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// BERT (Devlin et al., 2019): post-LayerNorm Transformer encoder with word, position and
// token-type embeddings, a tanh pooler, and the masked-LM / next-sentence heads.

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createBert(const ModelConfig& config);

} // namespace lumen::engine
