// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Gradient checkpointing (engine-internal): a layer run this way keeps none of its inner
// activations for the backward pass; its backward runs the layer again from its input, under
// the random state its forward had (so dropout draws the same masks), and back-propagates
// through that — memory for time, as PyTorch's reentrant torch.utils.checkpoint does.
//
//   h = blocks::checkpointed([&layer, mask](const torch::Tensor& x) { return layer->forward(x, mask); }, h);
//
// Gradients reach the input and every parameter the layer uses (accumulated into .grad).
// Without grad mode, or when the input needs no gradient and the layer has no parameter
// that does, the layer simply runs.

#include <torch/torch.h>

#include <functional>

namespace lumen::engine::blocks {

torch::Tensor checkpointed(std::function<torch::Tensor(const torch::Tensor&)> layer, const torch::Tensor& x);

/// How many layers have been recomputed in backward passes so far, process-wide (tests
/// check that a family really checkpoints).
int64_t checkpointReplays();

} // namespace lumen::engine::blocks
