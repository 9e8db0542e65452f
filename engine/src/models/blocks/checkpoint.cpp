// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/blocks/checkpoint.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/ivalue.h>

#include <atomic>

namespace lumen::engine::blocks {

namespace {

std::atomic<int64_t> replays { 0 };

/// The layer, kept alive by the autograd graph (a capsule in the node's saved data).
struct LayerHolder : torch::CustomClassHolder {
    std::function<torch::Tensor(const torch::Tensor&)> layer;
    at::Generator generator;
    torch::Tensor rngState;
    // The forward's autocast state (mixed-precision training), restored for the recompute
    // so it computes in the same precision.
    bool autocastCuda = false;
    bool autocastCpu = false;
    at::ScalarType cudaDtype = at::kHalf;
    at::ScalarType cpuDtype = at::kBFloat16;
};

/// Puts an autocast state in place for a scope and the previous one back after it.
class AutocastState {
public:
    AutocastState(bool cuda, at::ScalarType cudaDtype, bool cpu, at::ScalarType cpuDtype)
        : cuda_(at::autocast::is_enabled())
        , cpu_(at::autocast::is_cpu_enabled())
        , cudaDtype_(at::autocast::get_autocast_gpu_dtype())
        , cpuDtype_(at::autocast::get_autocast_cpu_dtype())
        , nested_(cuda || cpu)
    {
        set(cuda, cudaDtype, cpu, cpuDtype);
        if (nested_) {
            at::autocast::increment_nesting();
        }
    }
    ~AutocastState()
    {
        // The casts cached while recomputing are of this step's weights: drop them (the
        // cache is per thread, and a CUDA backward runs on the device's own thread).
        if (nested_ && at::autocast::decrement_nesting() == 0) {
            at::autocast::clear_cache();
        }
        set(cuda_, cudaDtype_, cpu_, cpuDtype_);
    }

private:
    static void set(bool cuda, at::ScalarType cudaDtype, bool cpu, at::ScalarType cpuDtype)
    {
        at::autocast::set_enabled(cuda);
        at::autocast::set_autocast_gpu_dtype(cudaDtype);
        at::autocast::set_cpu_enabled(cpu);
        at::autocast::set_autocast_cpu_dtype(cpuDtype);
    }
    bool cuda_, cpu_;
    at::ScalarType cudaDtype_, cpuDtype_;
    bool nested_;
};

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 c10::intrusive_ptr<LayerHolder> holder)
    {
        holder->generator = at::globalContext().defaultGenerator(x.device());
        {
            std::lock_guard<std::mutex> lock(holder->generator.mutex());
            holder->rngState = holder->generator.get_state();
        }
        holder->autocastCuda = at::autocast::is_enabled();
        holder->autocastCpu = at::autocast::is_cpu_enabled();
        holder->cudaDtype = at::autocast::get_autocast_gpu_dtype();
        holder->cpuDtype = at::autocast::get_autocast_cpu_dtype();
        ctx->saved_data["layer"] = c10::IValue::make_capsule(holder);
        ctx->save_for_backward({ x });
        torch::NoGradGuard noGrad;
        return holder->layer(x);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        const torch::Tensor x = ctx->get_saved_variables().at(0);
        auto holder = c10::static_intrusive_pointer_cast<LayerHolder>(ctx->saved_data["layer"].toCapsule());
        // Replay the forward's random draws, then put the generator back where it was.
        torch::Tensor now;
        {
            std::lock_guard<std::mutex> lock(holder->generator.mutex());
            now = holder->generator.get_state();
            holder->generator.set_state(holder->rngState);
        }
        const torch::Tensor input = x.detach().requires_grad_(x.requires_grad());
        torch::Tensor y;
        {
            torch::AutoGradMode on(true);
            AutocastState precision(holder->autocastCuda, holder->cudaDtype, holder->autocastCpu, holder->cpuDtype);
            y = holder->layer(input);
        }
        {
            std::lock_guard<std::mutex> lock(holder->generator.mutex());
            holder->generator.set_state(now);
        }
        torch::autograd::backward({ y }, { grads.at(0) });
        ++replays;
        return { input.requires_grad() ? input.grad() : torch::Tensor(), torch::Tensor() };
    }
};

} // namespace

torch::Tensor checkpointed(std::function<torch::Tensor(const torch::Tensor&)> layer, const torch::Tensor& x)
{
    if (!torch::GradMode::is_enabled()) {
        return layer(x);
    }
    auto holder = c10::make_intrusive<LayerHolder>();
    holder->layer = std::move(layer);
    // The function must see an input that needs a gradient, or autograd skips it and the
    // parameters inside get none (frozen embeddings give such an input).
    return CheckpointFunction::apply(x.requires_grad() ? x : x.detach().requires_grad_(true), holder);
}

int64_t checkpointReplays()
{
    return replays.load();
}

} // namespace lumen::engine::blocks
