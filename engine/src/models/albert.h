// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// ALBERT (Lan et al., 2020): a factorised embedding (embedding_size, projected to
// hidden_size) and cross-layer parameter sharing: num_hidden_layers applications of
// num_hidden_groups groups of inner_group_num layers each; a tanh pooler, the masked-LM
// head and the sentence-order (SOP) classifier.

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createAlbert(const ModelConfig& config);

} // namespace lumen::engine
