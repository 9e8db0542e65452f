// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/blocks/blocks.h"

#include "lumen/engine/error.h"

#include <cmath>
#include <limits>

namespace lumen::engine::blocks {

torch::Tensor uninitialised(c10::IntArrayRef shape)
{
    // torch::empty only reserves the memory: nothing touches (page-faults) it until it is
    // written, and loading frees it untouched when the checkpoint's tensor takes its place.
    return torch::empty(shape);
}

LinearImpl::LinearImpl(const torch::nn::LinearOptions& options)
{
    weight = register_parameter(
        "weight", uninitialised({ options.out_features(), options.in_features() }));
    if (options.bias()) {
        bias = register_parameter("bias", uninitialised({ options.out_features() }));
    }
}

namespace {

/// One row on the CPU: the case where a matrix-vector product beats the packed product.
bool singleRow(const torch::Tensor& x)
{
    return x.is_cpu() && x.dim() >= 1 && x.numel() == x.size(-1);
}

torch::Tensor rowResult(const torch::Tensor& y, const torch::Tensor& x)
{
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = y.size(0);
    return y.view(shape);
}

} // namespace

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias)
{
    if (singleRow(x)) {
        const torch::Tensor v = x.reshape({ x.size(-1) });
        return rowResult(bias.defined() ? torch::addmv(bias, weight, v) : torch::mv(weight, v), x);
    }
    return torch::nn::functional::linear(x, weight, bias);
}

torch::Tensor linearInOut(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias)
{
    if (singleRow(x)) {
        return rowResult(torch::addmv(bias, weight.t(), x.reshape({ x.size(-1) })), x);
    }
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = weight.size(1);
    return torch::addmm(bias, x.reshape({ -1, x.size(-1) }), weight).view(shape);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x)
{
    return blocks::linear(x, weight, bias);
}

EmbeddingImpl::EmbeddingImpl(int64_t count, int64_t dim)
{
    weight = register_parameter("weight", uninitialised({ count, dim }));
}

torch::Tensor EmbeddingImpl::forward(const torch::Tensor& ids)
{
    return torch::embedding(weight, ids);
}

LayerNormImpl::LayerNormImpl(const torch::nn::LayerNormOptions& options)
    : shape_(options.normalized_shape())
    , eps_(options.eps())
{
    if (!options.elementwise_affine()) {
        throw Error(ErrorKind::Internal, "blocks::LayerNorm is always elementwise-affine");
    }
    weight = register_parameter("weight", uninitialised(shape_));
    bias = register_parameter("bias", uninitialised(shape_));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x)
{
    // Under autocast a bf16 / fp16 input meets float32 weights: normalise in float32, as
    // autocast's float32 policy for layer_norm does on CUDA (the CPU's list lacks it).
    if (x.scalar_type() != weight.scalar_type()) {
        return torch::layer_norm(x.to(weight.scalar_type()), shape_, weight, bias, eps_);
    }
    return torch::layer_norm(x, shape_, weight, bias, eps_);
}

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

double lowestOf(torch::ScalarType dtype)
{
    switch (dtype) {
    case torch::kBFloat16:
        return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case torch::kHalf:
        return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case torch::kDouble:
        return std::numeric_limits<double>::lowest();
    default:
        return std::numeric_limits<float>::lowest();
    }
}

torch::Tensor additiveMask(const torch::Tensor& attentionMask, torch::ScalarType dtype)
{
    const double lowest = lowestOf(dtype);
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
                     const torch::Tensor& additiveMask, torch::Tensor* probs, double dropout)
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
    if (dropout > 0.0) {
        p = torch::dropout(p, dropout, /*train=*/true);
    }
    return torch::matmul(p, v);
}

void initLinear(Linear& linear, double std)
{
    torch::NoGradGuard noGrad;
    linear->weight.normal_(0.0, std);
    if (linear->bias.defined()) {
        linear->bias.zero_();
    }
}

void initEmbedding(Embedding& embedding, double std, int64_t paddingIdx)
{
    torch::NoGradGuard noGrad;
    embedding->weight.normal_(0.0, std);
    if (paddingIdx >= 0 && paddingIdx < embedding->weight.size(0)) {
        embedding->weight[paddingIdx].zero_();
    }
}

void initLayerNorm(LayerNorm& norm)
{
    torch::NoGradGuard noGrad;
    norm->weight.fill_(1.0);
    norm->bias.zero_();
}

} // namespace lumen::engine::blocks
