// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Attention rollout (Abnar & Zuidema 2020): R_0 = Â_0, R_l = Â_l R_{l-1}.

#include "lumen/engine/analysis.h"

#include "analysis/attention_input.h"

#include <torch/torch.h>

namespace lumen::engine {

FloatTensor augmentedAttention(const std::vector<FloatTensor>& attentions, int64_t layer,
    int64_t batch, const std::vector<uint8_t>& realMask)
{
    return augmentedAttention(AttentionLayers::of(attentions), layer, batch, realMask);
}

FloatTensor augmentedAttention(const AttentionLayers& attentions, int64_t layer, int64_t batch,
    const std::vector<uint8_t>& realMask)
{
    const analysis::SequenceView view = analysis::checkAttentions(attentions, batch, realMask);
    const int64_t l = analysis::resolveLayer(layer, attentions.layers());
    return analysis::expandToSequence(analysis::augmentedLayer(attentions, l, view), view);
}

RolloutResult attentionRollout(const std::vector<FloatTensor>& attentions,
    const RolloutConfig& config, const RunControl& control)
{
    return attentionRollout(AttentionLayers::of(attentions), config, control);
}

RolloutResult attentionRollout(
    const AttentionLayers& attentions, const RolloutConfig& config, const RunControl& control)
{
    const analysis::SequenceView view =
        analysis::checkAttentions(attentions, config.batch, config.realMask);
    RolloutResult result;
    result.toLayer = analysis::resolveLayer(config.toLayer, attentions.layers());
    const int64_t r = view.realCount();
    torch::NoGradGuard noGrad;
    // Single precision, as the attentions themselves: the products (2 r^3 flops per layer) are
    // the whole cost, and float32 BLAS is twice as fast as float64 (2048 tokens: docs/analysis.md).
    torch::Tensor rollout;
    for (int64_t l = 0; l <= result.toLayer; ++l) {
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            return result;
        }
        std::vector<double> a = analysis::augmentedLayer(attentions, l, view);
        torch::Tensor layer =
            torch::from_blob(a.data(), { r, r }, torch::TensorOptions().dtype(torch::kFloat64))
                .to(torch::kFloat32);
        rollout = l == 0 ? layer : torch::mm(layer, rollout);
        control.report(static_cast<double>(l + 1) / static_cast<double>(result.toLayer + 1),
            "rollout: layer " + std::to_string(l + 1) + " of "
                + std::to_string(result.toLayer + 1));
    }
    rollout = rollout.to(torch::kFloat64).contiguous();
    const double* p = rollout.data_ptr<double>();
    result.matrix = analysis::expandToSequence(std::vector<double>(p, p + r * r), view);
    return result;
}

} // namespace lumen::engine
