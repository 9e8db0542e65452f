// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/receptive_field.h"

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>
#include <random>

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
    const int64_t span = (kernel - 1) * dilation;
    return convWithPadding(from, kernel, dilation, stride, padding == Padding::Causal ? span : span / 2, name);
}

int ReceptiveFieldGraph::convWithPadding(int from, int64_t kernel, int64_t dilation, int64_t stride, int64_t before,
                                         const std::string& name)
{
    if (kernel < 1 || dilation < 1 || stride < 1 || before < 0) {
        throw Error(ErrorKind::InvalidInput, "a convolution needs kernel, dilation and stride of at least 1 and "
                                             "padding of at least 0.");
    }
    const ReceptiveField in = field(from);
    const int64_t span = (kernel - 1) * dilation;
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

std::vector<std::vector<uint8_t>> receptiveCone(const std::vector<LayerReceptiveField>& layers, int64_t tokens,
                                                int64_t position)
{
    if (position < 0 || position >= tokens) {
        throw Error(ErrorKind::InvalidInput, "position " + std::to_string(position) + " is outside the text (0.."
                                                 + std::to_string(tokens - 1) + ").");
    }
    const auto n = static_cast<size_t>(tokens);
    std::vector<std::vector<uint8_t>> cone(layers.size() + 1, std::vector<uint8_t>(n, 0));
    cone.back()[static_cast<size_t>(position)] = 1;
    for (size_t k = layers.size(); k >= 1; --k) {
        const LayerReceptiveField& row = layers[k - 1];
        const ReceptiveField before = k >= 2 ? layers[k - 2].field : ReceptiveField {};
        const std::vector<uint8_t>& above = cone[k];
        std::vector<uint8_t>& below = cone[k - 1];
        int64_t first = tokens;
        int64_t last = -1;
        for (int64_t j = 0; j < tokens; ++j) {
            if (above[static_cast<size_t>(j)] != 0) {
                first = std::min(first, j);
                last = std::max(last, j);
            }
        }
        if (row.kernel == 0 && (row.field.unboundedLeft || row.field.unboundedRight)) {
            // Recurrence or attention: everything on its side of what reaches the output.
            const bool left = row.field.unboundedLeft;
            const bool right = row.field.unboundedRight;
            for (int64_t j = 0; j < tokens; ++j) {
                below[static_cast<size_t>(j)] = (left && j <= last) || (right && j >= first) ? 1 : 0;
            }
            continue;
        }
        // This layer's own reach, from how much it widened the field: a kernel's taps at
        // its dilation where that accounts for it, else the whole span.
        const int64_t back = (row.field.left - before.left) / std::max<int64_t>(1, before.jump);
        const int64_t ahead = (row.field.right - before.right) / std::max<int64_t>(1, before.jump);
        std::vector<int64_t> taps;
        if (row.kernel > 0 && row.dilation > 0 && (row.kernel - 1) * row.dilation == back + ahead && back % row.dilation == 0) {
            for (int64_t t = 0; t < row.kernel; ++t) {
                taps.push_back(-back + t * row.dilation);
            }
        } else {
            for (int64_t o = -back; o <= ahead; ++o) {
                taps.push_back(o);
            }
        }
        for (int64_t j = 0; j < tokens; ++j) {
            if (above[static_cast<size_t>(j)] == 0) {
                continue;
            }
            for (const int64_t o : taps) {
                if (j + o >= 0 && j + o < tokens) {
                    below[static_cast<size_t>(j + o)] = 1;
                }
            }
        }
    }
    return cone;
}

namespace {

GradientField gradientField(Model& model, const ModelInput& input, const GradientFieldConfig& config)
{
    const ModelInfo& info = model.info();
    const auto seq = input.seqLen();
    if (seq <= 0) {
        throw Error(ErrorKind::InvalidInput, "the text has no tokens.");
    }
    const int64_t position = config.position < 0 ? seq / 2 : config.position;
    if (position >= seq) {
        throw Error(ErrorKind::InvalidInput, "position " + std::to_string(position) + " is outside the text (0.."
                                                 + std::to_string(seq - 1) + ").");
    }
    const int64_t layers = info.numLayers;
    const int64_t layer = config.layer < 0 ? layers : config.layer;
    if (layer < 1 || layer > layers) {
        throw Error(ErrorKind::InvalidInput, "layer " + std::to_string(layer) + " is outside the model (1.."
                                                 + std::to_string(layers) + ").");
    }
    Architecture& arch = ModelInternals::architecture(model);
    const torch::Device device = ModelInternals::device(model);
    torch::AutoGradMode gradients(true);
    ArchInput in;
    in.inputIds = toTorch(input.inputIds).to(device);
    in.attentionMask = input.attentionMask.data.empty() ? torch::ones_like(in.inputIds) : toTorch(input.attentionMask).to(device);
    in.tokenTypeIds = input.tokenTypeIds.data.empty() ? torch::zeros_like(in.inputIds) : toTorch(input.tokenTypeIds).to(device);
    torch::Tensor leaf;
    in.embeddingHook = [&leaf](const torch::Tensor& h) {
        leaf = h.detach().requires_grad_(true);
        return leaf;
    };
    TraceRequest trace;
    trace.hiddenStates = true;
    const ArchOutput out = arch.run(in, trace);
    if (!leaf.defined() || static_cast<int64_t>(out.hiddenStates.size()) <= layer) {
        throw Error(ErrorKind::Unsupported, info.architecture + ": no per-layer outputs to take a gradient of.");
    }
    // The Jacobian block J_j = d y / d e_j of the output vector y at `position` for every j,
    // measured by its Frobenius norm: E ||J_j^T r||^2 = ||J_j||_F^2 for r ~ N(0, I), averaged
    // over kProjections fixed random directions (Hutchinson). The plain sum of y's channels
    // would not do: after a layer norm it is constant, and its gradient zero.
    constexpr int kProjections = 8;
    const torch::Tensor y = out.hiddenStates[static_cast<size_t>(layer)].select(0, 0).select(0, position);
    std::mt19937_64 rng(12345);
    std::normal_distribution<float> normal;
    torch::Tensor squares = torch::zeros({ seq }, torch::kDouble);
    for (int k = 0; k < kProjections; ++k) {
        std::vector<float> r(static_cast<size_t>(y.numel()));
        for (float& x : r) {
            x = normal(rng);
        }
        const torch::Tensor direction = torch::tensor(r).to(y.device(), y.scalar_type());
        // Only the input's gradient: the parameters' .grad stay untouched.
        const torch::Tensor g = torch::autograd::grad({ (y * direction).sum() }, { leaf }, {},
                                                      /*retain_graph=*/k + 1 < kProjections, false, true)[0];
        if (g.defined()) {
            squares += g.select(0, 0).to(torch::kCPU, torch::kDouble).pow(2).sum(-1);
        }
    }
    GradientField field;
    field.position = position;
    field.layer = layer;
    const torch::Tensor norms = (squares / kProjections).sqrt().contiguous();
    field.magnitude.assign(norms.data_ptr<double>(), norms.data_ptr<double>() + seq);
    double total = 0.0;
    for (const double m : field.magnitude) {
        total += m;
    }
    for (const double m : field.magnitude) {
        field.share.push_back(total > 0 ? m / total : 0.0);
    }
    for (int64_t d = 0; d < seq; ++d) {
        double within = 0.0;
        for (int64_t j = std::max<int64_t>(0, position - d); j <= std::min(seq - 1, position + d); ++j) {
            within += field.share[static_cast<size_t>(j)];
        }
        field.withinDistance.push_back(within);
    }
    if (!input.tokens.empty()) {
        field.tokens = input.tokens.front();
    } else if (const Tokenizer* tokenizer = model.tokenizer()) {
        for (const int64_t id : input.inputIds.data) {
            field.tokens.push_back(tokenizer->idToToken(id));
        }
    }
    return field;
}

} // namespace

GradientField gradientReceptiveField(Model& model, const std::string& text, const GradientFieldConfig& config)
{
    if (model.tokenizer() == nullptr) {
        throw Error(ErrorKind::InvalidInput, "the model folder has no tokenizer, so Lumen cannot read the text.");
    }
    return gradientField(model, model.prepare({ text }), config);
}

GradientField gradientReceptiveFieldFromIds(Model& model, const std::vector<int64_t>& ids,
                                            const GradientFieldConfig& config)
{
    for (const int64_t id : ids) {
        if (id < 0 || id >= model.info().vocabSize) {
            throw Error(ErrorKind::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary.");
        }
    }
    ModelInput input;
    const auto n = static_cast<int64_t>(ids.size());
    input.inputIds = { { 1, n }, ids };
    input.attentionMask = { { 1, n }, std::vector<int64_t>(ids.size(), 1) };
    input.tokenTypeIds = { { 1, n }, std::vector<int64_t>(ids.size(), 0) };
    return gradientField(model, input, config);
}

} // namespace lumen::engine
