// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The checks and the shared first step of rollout, flow and head statistics (engine-internal):
// one sequence of a trace's per-layer attentions, with padding removed.

#include "lumen/engine/analysis.h"
#include "lumen/engine/tensor.h"

#include <cstdint>
#include <vector>

namespace lumen::engine::analysis {

/// What the checks found: sequence length and the real (non-padding) positions, ascending.
struct SequenceView {
    int64_t batch = 0;
    int64_t seq = 0;
    std::vector<int64_t> real;

    int64_t realCount() const { return static_cast<int64_t>(real.size()); }
};

/// Throws lumen::Error (InvalidInput) naming what does not fit: no layers, a layer without
/// data or heads, the batch index out of range, or a mask of the wrong length.
SequenceView checkAttentions(
    const AttentionLayers& attentions, int64_t batch, const std::vector<uint8_t>& realMask);

/// -1 -> the last layer; throws when out of range.
int64_t resolveLayer(int64_t toLayer, int64_t numLayers);

/// rownorm(0.5 I + 0.5 mean_h A_h) over the real positions: r x r, row-major, [query][key].
std::vector<double> augmentedLayer(
    const AttentionLayers& attentions, int64_t layer, const SequenceView& view);

/// A compact r x r matrix back to [seq, seq] with zero padding rows and columns.
FloatTensor expandToSequence(const std::vector<double>& compact, const SequenceView& view);

} // namespace lumen::engine::analysis
