// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Building blocks shared by the model families (engine-internal).

#include "io/model_config.h"

#include <torch/torch.h>

#include <string>

namespace lumen::engine::blocks {

enum class Activation { Gelu, GeluTanh, Relu, Silu, Tanh };

/// Reads an activation name ("gelu", "gelu_new", "relu", "silu", ...) from the config;
/// an unknown name is an error naming the file, field and the names Lumen knows.
Activation activationFromConfig(const ModelConfig& config, const char* key,
                                const std::string& fallback);
torch::Tensor activate(Activation activation, const torch::Tensor& x);

/// [batch, seq] 0/1 mask -> additive [batch, 1, 1, seq] mask: 0 where attended, the
/// dtype's lowest value where masked (the reference's get_extended_attention_mask).
torch::Tensor additiveMask(const torch::Tensor& attentionMask, torch::ScalarType dtype);

/// [batch, seq, heads * headDim] -> [batch, heads, seq, headDim]
torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads);
/// [batch, heads, seq, headDim] -> [batch, seq, heads * headDim]
torch::Tensor mergeHeads(const torch::Tensor& x);

/// Eager scaled dot-product attention as the reference computes it: scores = q kᵀ / √d
/// (+ mask), softmax, dropout-free. q, k, v are [batch, heads, seq, headDim]. When `probs`
/// is not null it receives the attention probabilities [batch, heads, query, key].
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& additiveMask, torch::Tensor* probs);

/// Reference-style init: normal(0, std) for Linear / Embedding weights, zero biases (and
/// the padding row of an embedding when paddingIdx >= 0), LayerNorm weight 1 and bias 0.
void initLinear(torch::nn::Linear& linear, double std);
void initEmbedding(torch::nn::Embedding& embedding, double std, int64_t paddingIdx = -1);
void initLayerNorm(torch::nn::LayerNorm& norm);

} // namespace lumen::engine::blocks
