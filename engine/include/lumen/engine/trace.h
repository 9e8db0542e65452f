// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What a forward pass records on request. Recording costs memory and a little time, so a
// caller asks only for what it will show.
// Thread safety: plain value types.

#include "lumen/engine/tensor.h"

#include <vector>

namespace lumen::engine {

struct TraceRequest {
    bool attentions = false; ///< attention probabilities per layer [batch, heads, query, key]
    bool hiddenStates = false; ///< embeddings output and every layer's output [batch, seq, hidden]
    /// With `attentions`: the (encoder's) self-attentions go into Trace::packedAttentions, one
    /// tensor filled layer by layer as the pass runs, instead of one tensor per layer. No
    /// second copy is ever made (each layer's LibTorch tensor is released once copied), so a
    /// long input's trace costs its size once: what the GUI's views share.
    bool packAttentions = false;
};

struct Trace {
    std::vector<FloatTensor> attentions; ///< one per layer, [batch, heads, query, key]
    /// TraceRequest::packAttentions: [layers, batch, heads, query, key]; `attentions` empty
    FloatTensor packedAttentions;
    std::vector<FloatTensor> hiddenStates; ///< num layers + 1, [batch, seq, hidden]
    /// Encoder-decoder models (T5): the lists above hold the encoder's records; these hold
    /// the decoder's. Empty for other models or when no decoder input was given.
    std::vector<FloatTensor> decoderAttentions; ///< per decoder layer [batch, heads, tgt, tgt]
    std::vector<FloatTensor> crossAttentions; ///< per decoder layer [batch, heads, tgt, src]
    std::vector<FloatTensor> decoderHiddenStates; ///< decoder layers + 1, [batch, tgt, hidden]
};

} // namespace lumen::engine
