// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Theoretical receptive fields (Araujo et al. 2019, "Computing receptive fields of
// convolutional neural networks"): which input positions an output position can depend on,
// from kernel widths, dilations, strides and padding, over a graph of layers — residual and
// skip connections (a union of paths), causal padding (the field lies to the left only),
// recurrence and self-attention (unbounded).
//
//   ReceptiveFieldGraph g;
//   int x = g.input();
//   for (int l = 0; l < 10; ++l)
//       x = g.conv(x, /*kernel=*/2, /*dilation=*/1 << l, /*stride=*/1, Padding::Causal);
//   g.field(x).size();            // 1024: WaveNet's ten layers of dilations 1 .. 512
//
// A field is relative to its output position t: output t of a node with jump J reads input
// positions t * J - left .. t * J + right (J is the product of the strides before it).
// Thread safety: a plain value type.

#include "lumen/engine/model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

enum class Padding { Centred, Causal };

struct ReceptiveField {
    int64_t left = 0; ///< positions before the output's own that it reads
    int64_t right = 0; ///< positions after it
    int64_t jump = 1; ///< input positions between neighbouring outputs (product of strides)
    bool unboundedLeft = false; ///< recurrence or attention: every earlier position
    bool unboundedRight = false;
    /// Positions read, the output's own included; -1 when unbounded.
    int64_t size() const { return unboundedLeft || unboundedRight ? -1 : left + right + 1; }
};

class ReceptiveFieldGraph {
public:
    ReceptiveFieldGraph();

    /// The input (node 0): a field of its own position only.
    int input() const { return 0; }
    /// A convolution of `from`: kernel width, dilation, stride; centred padding puts
    /// (kernel - 1) * dilation / 2 positions before (floor) and the rest after, causal all before.
    int conv(int from, int64_t kernel, int64_t dilation = 1, int64_t stride = 1,
             Padding padding = Padding::Centred, const std::string& name = {});
    /// A convolution or pooling layer with explicit zero padding: `before` positions padded
    /// before the input (PyTorch's `padding`), so output t reads t * stride - before ..
    /// t * stride - before + (kernel - 1) * dilation.
    int convWithPadding(int from, int64_t kernel, int64_t dilation, int64_t stride, int64_t before,
                        const std::string& name = {});
    /// A residual or skip sum (or a concatenation) of nodes with the same jump: the union.
    int merge(const std::vector<int>& from, const std::string& name = {});
    /// Recurrence (an LSTM) or self-attention: every earlier position, and with
    /// `bothDirections` every later one too.
    int global(int from, bool bothDirections, const std::string& name = {});

    ReceptiveField field(int node) const;
    const std::string& name(int node) const;
    int size() const { return static_cast<int>(nodes_.size()); }

private:
    struct Node {
        std::string name;
        ReceptiveField field;
    };
    int add(Node node);
    std::vector<Node> nodes_;
};

/// One row of a model's theoretical receptive field table: the field after layer `layer`.
struct LayerReceptiveField {
    int64_t layer = 0; ///< 1 .. layers (0 = the embeddings)
    std::string op; ///< "lightweight convolution", "self-attention", "LSTM", ...
    int64_t kernel = 0; ///< 0 where there is no kernel
    int64_t dilation = 0;
    ReceptiveField field;
};

/// The theoretical receptive field after each layer of a loaded model (the last row is what
/// its head reads). Lumen's convolutions and WaveNet follow their kernels, dilations and
/// padding (WaveNet's output reads the union of its skip connections); recurrent and
/// attention models are unbounded (to the left only when causal). Throws
/// lumen::Error(Unsupported) for a model whose layers Lumen cannot read this way.
std::vector<LayerReceptiveField> theoreticalReceptiveField(Model& model);

/// The theoretical cone of one output: for each level (0 = the input tokens, k = the output
/// of layer k, up to the last row of `layers`), which of `tokens` positions the output at
/// `position` of the last level can depend on. Dilated kernels leave gaps where their taps
/// skip positions; unbounded layers (recurrence, attention) reach every position on their
/// side. Throws lumen::Error(InvalidInput) for a position outside 0 .. tokens - 1.
std::vector<std::vector<uint8_t>> receptiveCone(const std::vector<LayerReceptiveField>& layers, int64_t tokens,
                                                int64_t position);

struct GradientFieldConfig {
    int64_t position = -1; ///< the output position; -1 = the middle of the text
    int64_t layer = -1; ///< 1 .. layers: that layer's output; -1 = the last layer
};

/// The effective receptive field by gradient (Luo et al. 2016) of one output position: how
/// strongly each input position's embedding moves the layer's output there, for any family
/// (convolutional, recurrent, Transformer; T5's encoder).
struct GradientField {
    std::vector<std::string> tokens;
    int64_t position = 0;
    int64_t layer = 0;
    /// per input position j: the Frobenius norm of d y / d e_j — y the layer's
    /// output vector at `position`, e_j the embedding output (what the first layer reads) at
    /// j — estimated from 8 fixed random projections of y (exactly 0 where y does not depend
    /// on e_j)
    std::vector<double> magnitude;
    std::vector<double> share; ///< magnitude / its sum
    /// The effective context curve: withinDistance[d] = the share of the gradient mass at
    /// positions j with |j - position| <= d, d = 0 .. tokens - 1 (ends at 1).
    std::vector<double> withinDistance;
};

/// Throws lumen::Error(InvalidInput) for an empty text, a position or layer outside the model
/// and text, or a folder without a tokenizer.
GradientField gradientReceptiveField(Model& model, const std::string& text, const GradientFieldConfig& config = {});
/// The same over token ids as given.
GradientField gradientReceptiveFieldFromIds(Model& model, const std::vector<int64_t>& ids,
                                            const GradientFieldConfig& config = {});

} // namespace lumen::engine
