// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Lumen's own sequence models (engine-internal), saved in the Hugging Face layout
// (config.json + model.safetensors, any supported tokenizer beside them):
//
//   lumen-lightconv    lightweight convolution (Wu et al. 2019): GLU input projection, a
//                      depthwise convolution whose kernel is softmax-normalised over its width
//                      and shared by the channels of each of H heads, weight dropout, output
//                      projection, residual + layer norm, feed-forward block
//   lumen-dynamicconv  the same with the kernel predicted at each position from its input
//   lumen-dilatedconv  a stack of depthwise convolutions with growing dilation
//   lumen-wavenet      WaveNet: dilations doubling per layer in repeating cycles, gated
//                      tanh x sigmoid units, residual and skip connections
//   lumen-lstm         an LSTM language model (bidirectional for the masked-LM head)
//
// Each has a masked-LM head (...ForMaskedLM: centred convolutions, a bidirectional LSTM) and
// a causal-LM head (...ForCausalLM: causal padding, a left-to-right LSTM): the
// `architectures` entry picks it. The configuration keys are in docs/models.md. Lightweight
// and dynamic convolutions record their kernels as [batch, heads, query, key] band maps in
// place of attention, so the attention views show them.

#include "models/architecture.h"

namespace lumen::engine {

std::shared_ptr<Architecture> createLightConv(const ModelConfig& config);
std::shared_ptr<Architecture> createDynamicConv(const ModelConfig& config);
std::shared_ptr<Architecture> createDilatedConv(const ModelConfig& config);
std::shared_ptr<Architecture> createWaveNet(const ModelConfig& config);
std::shared_ptr<Architecture> createLstm(const ModelConfig& config);

} // namespace lumen::engine
