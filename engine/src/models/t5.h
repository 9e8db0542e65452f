// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// T5 (Raffel et al., 2020): pre-RMS-norm Transformer encoder-decoder with a shared token
// embedding, bucketed relative position biases (no absolute positions) and unscaled
// dot-product attention; relu or gated-gelu feed-forward; T5ForConditionalGeneration's LM head
// (tied to the embedding with a d_model^-0.5 rescale, or a separate lm_head).

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createT5(const ModelConfig& config);

} // namespace lumen::engine
