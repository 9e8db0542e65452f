// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Conversions between the engine's plain tensors and Torch tensors (engine-internal).

#include "lumen/engine/tensor.h"

#include <torch/torch.h>

namespace lumen::engine {

/// Copies a Torch tensor (any device, any floating dtype) into a contiguous float32 FloatTensor.
FloatTensor toFloatTensor(const torch::Tensor& t);
IntTensor toIntTensor(const torch::Tensor& t);
/// Copies into a new CPU Torch tensor.
torch::Tensor toTorch(const FloatTensor& t);
torch::Tensor toTorch(const IntTensor& t);

/// "cpu", "cuda" or "cuda:N" as a Torch device. Throws lumen::Error(Unsupported) for CUDA
/// without a CUDA build or GPU, lumen::Error(InvalidInput) for anything else.
torch::Device parseDevice(const std::string& name);

} // namespace lumen::engine
