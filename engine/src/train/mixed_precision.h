// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Mixed precision for the trainer (engine-internal): an autocast scope for the forward
// pass, and the dynamic loss scaling fp16 needs (what torch.cuda.amp.GradScaler does).
//
//   AutocastScope scope(device, torch::kBFloat16);   // matmuls and convolutions in bf16
//   LossScaler scaler;                               // fp16 only
//   (loss * scaler.scale()).backward();
//   if (scaler.unscale(params)) optimizer.step();    // false: inf/NaN, the step is skipped
//   scaler.update();
//
// Weights, optimizer state and the loss stay in float32; autocast casts the inputs of the
// ops that profit (linear, matmul, convolution) and keeps softmax, norms and losses in
// float32, as PyTorch's autocast lists say.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace lumen::engine {

/// Enables autocast to `dtype` on `device`'s kind (CUDA or CPU) for the scope's lifetime and
/// restores what was there before. Undefined dtype (kFloat): does nothing.
class AutocastScope {
public:
    AutocastScope(const torch::Device& device, torch::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool cuda_ = false;
    bool wasEnabled_ = false;
    torch::ScalarType wasDtype_ = torch::kFloat;
};

/// Dynamic loss scaling: the loss is multiplied by scale() before backward; unscale()
/// divides the gradients back and says whether they are finite. A step with an inf or NaN
/// gradient is skipped and the scale halves; after `growthInterval` finite steps in a row
/// it doubles (GradScaler's defaults: 2^16, 0.5, 2, 2000).
class LossScaler {
public:
    explicit LossScaler(double initialScale = 65536.0, int64_t growthInterval = 2000)
        : scale_(initialScale)
        , growthInterval_(growthInterval)
    {
    }

    double scale() const { return scale_; }
    int64_t goodSteps() const { return goodSteps_; }
    /// Restores a scaler from a checkpoint (exact resume).
    void restore(double scale, int64_t goodSteps)
    {
        scale_ = scale;
        goodSteps_ = goodSteps;
    }

    /// Divides every defined gradient by the scale; false when any of them holds an inf or
    /// NaN (then the caller skips the optimizer step and calls update()).
    bool unscale(const std::vector<torch::Tensor>& parameters);
    /// After each step: halves the scale after an overflow, doubles it after growthInterval
    /// finite steps.
    void update();

private:
    double scale_;
    int64_t growthInterval_;
    int64_t goodSteps_ = 0;
    bool overflow_ = false;
};

} // namespace lumen::engine
