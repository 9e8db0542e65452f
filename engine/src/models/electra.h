// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// ELECTRA (Clark et al., 2020): BERT's encoder over embeddings of embedding_size, projected
// to hidden_size; the discriminator head (one replaced-token logit per position) and the
// generator's masked-LM head tied to the word embeddings.

#include "models/architecture.h"

#include <memory>

namespace lumen::engine {

std::shared_ptr<Architecture> createElectra(const ModelConfig& config);

} // namespace lumen::engine
