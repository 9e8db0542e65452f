// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// `lumen-cli attention`: the GUI's attention views drawn headless to a PNG, with no window
// (Qt's offscreen platform). Plain types here, so cli_commands.cpp stays free of Qt; the
// implementation is attention_render.cpp with the GUI and attention_render_headless.cpp
// without it (-DLUMEN_BUILD_GUI=OFF), which says that images need the GUI build.
// Thread safety: call from the main thread only (it may create the QApplication).

#include <string>

namespace lumen::app::cli {

struct AttentionRender {
    std::string modelDir; ///< resolved folder
    std::string device = "cpu";
    std::string text;
    std::string pair; ///< text B of a sentence pair, empty for one text
    std::string target; ///< an encoder-decoder model's decoder text, empty for none
    /// which attention: "encoder" (a model's only one), "decoder" or "cross" (need a target)
    std::string stack = "encoder";
    std::string view = "heatmap"; ///< heatmap, heads, model or rollout
    int layer = -1; ///< -1: the last layer (heatmap, heads, rollout)
    int head = 0; ///< 0..heads-1, -1 the mean of heads, -2 the maximum (heatmap)
    int width = 1200;
    int height = 900;
    std::string png; ///< output file
};

struct AttentionRenderResult {
    int seq = 0; ///< queries
    int keys = 0; ///< keys: seq, or the encoder's tokens for cross-attention
    int layers = 0;
    int heads = 0;
    int layer = 0; ///< the layer drawn (resolved from -1)
    int windows = 1; ///< a long text's windows (the image shows the first)
    double forwardMs = 0.0;
    std::string png; ///< absolute path written
};

/// Runs the model on the text and writes the view as a PNG. Throws lumen::Error: a bad model
/// or text, a layer or head out of range, a file that cannot be written, or (without the GUI)
/// that drawing needs the GUI build.
AttentionRenderResult renderAttention(const AttentionRender& request);

} // namespace lumen::app::cli
