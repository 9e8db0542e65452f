// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "train/mixed_precision.h"

#include <ATen/autocast_mode.h>

namespace lumen::engine {

AutocastScope::AutocastScope(const torch::Device& device, torch::ScalarType dtype)
{
    if (dtype == torch::kFloat) {
        return;
    }
    active_ = true;
    cuda_ = device.is_cuda();
    if (cuda_) {
        wasEnabled_ = at::autocast::is_enabled();
        wasDtype_ = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_autocast_gpu_dtype(dtype);
        at::autocast::set_enabled(true);
    } else {
        wasEnabled_ = at::autocast::is_cpu_enabled();
        wasDtype_ = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_autocast_cpu_dtype(dtype);
        at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope()
{
    if (!active_) {
        return;
    }
    // Leaving the outermost scope drops the cached casts of the weights.
    if (at::autocast::decrement_nesting() == 0) {
        at::autocast::clear_cache();
    }
    if (cuda_) {
        at::autocast::set_enabled(wasEnabled_);
        at::autocast::set_autocast_gpu_dtype(wasDtype_);
    } else {
        at::autocast::set_cpu_enabled(wasEnabled_);
        at::autocast::set_autocast_cpu_dtype(wasDtype_);
    }
}

bool LossScaler::unscale(const std::vector<torch::Tensor>& parameters)
{
    torch::NoGradGuard noGrad;
    const double inverse = 1.0 / scale_;
    // One check for all gradients: a single synchronisation with the device per step.
    std::vector<torch::Tensor> finiteEach;
    for (const torch::Tensor& p : parameters) {
        torch::Tensor g = p.grad();
        if (!g.defined()) {
            continue;
        }
        g.mul_(inverse);
        finiteEach.push_back(torch::isfinite(g).all());
    }
    const bool finite = finiteEach.empty() || torch::stack(finiteEach).all().item<bool>();
    overflow_ = !finite;
    return finite;
}

void LossScaler::update()
{
    if (overflow_) {
        scale_ *= 0.5;
        goodSteps_ = 0;
        overflow_ = false;
        return;
    }
    if (++goodSteps_ >= growthInterval_) {
        scale_ *= 2.0;
        goodSteps_ = 0;
    }
}

} // namespace lumen::engine
