// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/blocks/checkpoint.h"

#include <ATen/core/ivalue.h>

namespace lumen::engine::blocks {

namespace {

/// The layer, kept alive by the autograd graph (a capsule in the node's saved data).
struct LayerHolder : torch::CustomClassHolder {
    std::function<torch::Tensor(const torch::Tensor&)> layer;
    at::Generator generator;
    torch::Tensor rngState;
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
            y = holder->layer(input);
        }
        {
            std::lock_guard<std::mutex> lock(holder->generator.mutex());
            holder->generator.set_state(now);
        }
        torch::autograd::backward({ y }, { grads.at(0) });
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

} // namespace lumen::engine::blocks
