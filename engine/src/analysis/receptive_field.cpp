// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/receptive_field.h"

#include "lumen/engine/error.h"
#include "models/architecture.h"

#include <algorithm>

namespace lumen::engine {

ReceptiveFieldGraph::ReceptiveFieldGraph()
{
    nodes_.push_back({ "input", {} });
}

int ReceptiveFieldGraph::add(Node node)
{
    nodes_.push_back(std::move(node));
    return static_cast<int>(nodes_.size()) - 1;
}

ReceptiveField ReceptiveFieldGraph::field(int node) const
{
    return nodes_.at(static_cast<size_t>(node)).field;
}

const std::string& ReceptiveFieldGraph::name(int node) const
{
    return nodes_.at(static_cast<size_t>(node)).name;
}

int ReceptiveFieldGraph::conv(int from, int64_t kernel, int64_t dilation, int64_t stride, Padding padding,
                              const std::string& name)
{
    if (kernel < 1 || dilation < 1 || stride < 1) {
        throw Error(ErrorKind::InvalidInput, "a convolution needs kernel, dilation and stride of at least 1.");
    }
    const ReceptiveField in = field(from);
    const int64_t span = (kernel - 1) * dilation;
    const int64_t before = padding == Padding::Causal ? span : span / 2;
    ReceptiveField out = in;
    // Output t reads the input node's positions t * stride - before .. + span: in input
    // coordinates each node position is `jump` apart.
    out.left = in.left + before * in.jump;
    out.right = in.right + (span - before) * in.jump;
    out.jump = in.jump * stride;
    return add({ name.empty() ? "conv" : name, out });
}

int ReceptiveFieldGraph::merge(const std::vector<int>& from, const std::string& name)
{
    if (from.empty()) {
        throw Error(ErrorKind::InvalidInput, "a merge needs at least one input.");
    }
    ReceptiveField out = field(from.front());
    for (const int node : from) {
        const ReceptiveField f = field(node);
        if (f.jump != out.jump) {
            throw Error(ErrorKind::InvalidInput,
                        "a merge of paths with different strides (jumps " + std::to_string(out.jump) + " and "
                            + std::to_string(f.jump) + ") has no common grid.");
        }
        out.left = std::max(out.left, f.left);
        out.right = std::max(out.right, f.right);
        out.unboundedLeft = out.unboundedLeft || f.unboundedLeft;
        out.unboundedRight = out.unboundedRight || f.unboundedRight;
    }
    return add({ name.empty() ? "merge" : name, out });
}

int ReceptiveFieldGraph::global(int from, bool bothDirections, const std::string& name)
{
    ReceptiveField out = field(from);
    out.unboundedLeft = true;
    out.unboundedRight = out.unboundedRight || bothDirections;
    return add({ name.empty() ? "global" : name, out });
}

std::vector<LayerReceptiveField> theoreticalReceptiveField(Model& model)
{
    const ModelInfo& info = model.info();
    std::vector<ReceptiveFieldLayer> layers = ModelInternals::architecture(model).receptiveFieldLayers();
    std::vector<LayerReceptiveField> rows;
    if (layers.empty()) {
        // Transformers: every layer's self-attention reads the whole text (the earlier part
        // when causal); T5's encoder likewise.
        if (info.numLayers <= 0) {
            throw Error(ErrorKind::Unsupported,
                        info.architecture + ": Lumen cannot read this model's layers for a receptive field.");
        }
        ReceptiveFieldGraph g;
        int x = g.input();
        for (int64_t l = 1; l <= info.numLayers; ++l) {
            x = g.global(x, !info.isCausal, "self-attention");
            rows.push_back({ l, info.isCausal ? "causal self-attention" : "self-attention", 0, 0, g.field(x) });
        }
        return rows;
    }
    ReceptiveFieldGraph g;
    int x = g.input();
    std::vector<int> skips;
    for (size_t l = 0; l < layers.size(); ++l) {
        const ReceptiveFieldLayer& layer = layers[l];
        int y = x;
        if (layer.recurrent) {
            y = g.global(x, !layer.causal, layer.op);
        } else {
            y = g.conv(x, layer.kernel, layer.dilation, 1, layer.causal ? Padding::Causal : Padding::Centred, layer.op);
        }
        // The residual connection adds the layer's input back: the union of both paths.
        x = layer.residual ? g.merge({ x, y }, "residual") : y;
        if (layer.skip) {
            skips.push_back(y);
        }
        ReceptiveField f = g.field(x);
        if (!skips.empty() && l + 1 == layers.size()) {
            // WaveNet: the head reads the sum of every layer's skip output.
            f = g.field(g.merge(skips, "skip sum"));
        }
        rows.push_back({ static_cast<int64_t>(l + 1), layer.op, layer.recurrent ? 0 : layer.kernel,
            layer.recurrent ? 0 : layer.dilation, f });
    }
    return rows;
}

} // namespace lumen::engine
