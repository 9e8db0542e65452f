// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// DistilBERT (Sanh et al., 2019): a 6-layer distilled BERT without token types or pooler;
// its own module names (q_lin, sa_layer_norm, ffn.lin1, ...) and masked-LM head
// (vocab_transform, vocab_layer_norm, vocab_projector tied to the word embeddings).

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createDistilBert(const ModelConfig& config);

} // namespace lumen::engine
