// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/blocks/blocks.h"

#include "lumen/engine/error.h"

#include <cmath>
#include <limits>

namespace lumen::engine::blocks {

Activation activationFromConfig(const ModelConfig& config, const char* key,
                                const std::string& fallback)
{
    const std::string name = config.getString(key, fallback);
    if (name == "gelu") {
        return Activation::Gelu;
    }
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
        return Activation::GeluTanh;
    }
    if (name == "relu") {
        return Activation::Relu;
    }
    if (name == "silu" || name == "swish") {
        return Activation::Silu;
    }
    if (name == "tanh") {
        return Activation::Tanh;
    }
    config.fail(key, "names the activation \"" + name +
                         "\", which Lumen does not know (it knows gelu, gelu_new, "
                         "gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh).");
}

torch::Tensor activate(Activation activation, const torch::Tensor& x)
{
    switch (activation) {
    case Activation::Gelu:
        return torch::gelu(x);
    case Activation::GeluTanh:
        return torch::gelu(x, "tanh");
    case Activation::Relu:
        return torch::relu(x);
    case Activation::Silu:
        return torch::silu(x);
    case Activation::Tanh:
        return torch::tanh(x);
    }
    return x;
}

torch::Tensor additiveMask(const torch::Tensor& attentionMask, torch::ScalarType dtype)
{
    const auto lowest = std::numeric_limits<float>::lowest();
    torch::Tensor mask = attentionMask.to(dtype).unsqueeze(/*dim=*/1).unsqueeze(/*dim=*/2);
    return (1.0 - mask) * lowest;
}

torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads)
{
    const int64_t batch = x.size(0);
    const int64_t seq = x.size(1);
    return x.view({batch, seq, heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

torch::Tensor mergeHeads(const torch::Tensor& x)
{
    const int64_t batch = x.size(0);
    const int64_t seq = x.size(2);
    return x.permute({0, 2, 1, 3}).contiguous().view({batch, seq, x.size(1) * x.size(3)});
}

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& additiveMask, torch::Tensor* probs)
{
    const double scale = std::sqrt(static_cast<double>(q.size(-1)));
    torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) / scale;
    if (additiveMask.defined()) {
        scores = scores + additiveMask;
    }
    torch::Tensor p = torch::softmax(scores, /*dim=*/-1);
    if (probs != nullptr) {
        *probs = p;
    }
    return torch::matmul(p, v);
}

void initLinear(torch::nn::Linear& linear, double std)
{
    torch::NoGradGuard noGrad;
    linear->weight.normal_(0.0, std);
    if (linear->bias.defined()) {
        linear->bias.zero_();
    }
}

void initEmbedding(torch::nn::Embedding& embedding, double std, int64_t paddingIdx)
{
    torch::NoGradGuard noGrad;
    embedding->weight.normal_(0.0, std);
    if (paddingIdx >= 0 && paddingIdx < embedding->weight.size(0)) {
        embedding->weight[paddingIdx].zero_();
    }
}

void initLayerNorm(torch::nn::LayerNorm& norm)
{
    torch::NoGradGuard noGrad;
    norm->weight.fill_(1.0);
    norm->bias.zero_();
}

} // namespace lumen::engine::blocks
