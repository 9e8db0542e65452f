// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Building blocks shared by the model families (engine-internal).

#include "io/model_config.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace lumen::engine::blocks {

/// A parameter's storage, allocated but not initialised. Constructors of the families use it
/// for every parameter: loading replaces each one with the checkpoint's tensor (model.cpp)
/// and `new-model` runs Architecture::initWeights (random_init.cpp), so an initialisation
/// here would be thrown away (it cost a third of a BERT-base's load time).
torch::Tensor uninitialised(c10::IntArrayRef shape);

/// y = x Wᵀ + b with W [out, in], as torch::nn::functional::linear. On the CPU a single row
/// (one token of one sequence: a decoding step with the KV cache) goes through a
/// matrix-vector product, which reads the weight once; the general product (OpenBLAS, M = 1)
/// first packs the weight, reading and writing it again, and a cached step is bound by the
/// weights' bandwidth (bench-generate: 21.6 tokens/s before, 32-39 after; bench/README.md).
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});
/// y = x W + b with W [in, out] (GPT-2's Conv1D), with the same single-row path.
torch::Tensor linearInOut(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

/// torch::nn::Linear without its random init (see `uninitialised`): weight [out, in], bias
/// [out] when options.bias(). Same parameter names, same forward.
class LinearImpl : public torch::nn::Module {
public:
    explicit LinearImpl(const torch::nn::LinearOptions& options);
    LinearImpl(int64_t in, int64_t out)
        : LinearImpl(torch::nn::LinearOptions(in, out))
    {
    }
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
    torch::Tensor bias; ///< undefined without a bias
};
TORCH_MODULE(Linear);

/// torch::nn::Embedding without its random init: weight [count, dim], a plain lookup.
class EmbeddingImpl : public torch::nn::Module {
public:
    EmbeddingImpl(int64_t count, int64_t dim);
    torch::Tensor forward(const torch::Tensor& ids);

    torch::Tensor weight;
};
TORCH_MODULE(Embedding);

/// torch::nn::LayerNorm (elementwise affine) without its init: weight and bias of
/// options.normalized_shape(), the same layer_norm call.
class LayerNormImpl : public torch::nn::Module {
public:
    explicit LayerNormImpl(const torch::nn::LayerNormOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
    torch::Tensor bias;

private:
    std::vector<int64_t> shape_;
    double eps_;
};
TORCH_MODULE(LayerNorm);

enum class Activation { Gelu, GeluTanh, Relu, Silu, Tanh };

/// Reads an activation name ("gelu", "gelu_new", "relu", "silu", ...) from the config;
/// an unknown name is an error naming the file, field and the names Lumen knows.
Activation activationFromConfig(const ModelConfig& config, const char* key,
                                const std::string& fallback);
torch::Tensor activate(Activation activation, const torch::Tensor& x);

/// The dtype's most negative finite value (torch.finfo(dtype).min): what masked scores are
/// filled with. float32's lowest does not fit bfloat16 or half, which autocast gives.
double lowestOf(torch::ScalarType dtype);

/// [batch, seq] 0/1 mask -> additive [batch, 1, 1, seq] mask: 0 where attended, the
/// dtype's lowest value where masked (the reference's get_extended_attention_mask).
torch::Tensor additiveMask(const torch::Tensor& attentionMask, torch::ScalarType dtype);

/// [batch, seq, heads * headDim] -> [batch, heads, seq, headDim]
torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads);
/// [batch, heads, seq, headDim] -> [batch, seq, heads * headDim]
torch::Tensor mergeHeads(const torch::Tensor& x);

/// Eager scaled dot-product attention as the reference computes it: scores = q kᵀ / √d
/// (+ mask), softmax, then dropout with probability `dropout` (training only; 0 = none).
/// q, k, v are [batch, heads, seq, headDim]. When `probs` is not null it receives the
/// attention probabilities [batch, heads, query, key] (before dropout).
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& additiveMask, torch::Tensor* probs, double dropout = 0.0);

/// Reference-style init: normal(0, std) for Linear / Embedding weights, zero biases (and
/// the padding row of an embedding when paddingIdx >= 0), LayerNorm weight 1 and bias 0.
void initLinear(Linear& linear, double std);
void initEmbedding(Embedding& embedding, double std, int64_t paddingIdx = -1);
void initLayerNorm(LayerNorm& norm);

} // namespace lumen::engine::blocks
