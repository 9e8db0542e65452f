// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Exporting what the attention views show (File > Export).
//
//   exportImage(view, "heads.svg");                 // .png, .svg or .pdf, by the suffix
//   exportAttention(record, "all.npy");             // .safetensors, .npy or .csv
//   exportMatrix(view->heatmap()->data(), "head.csv");
//
// Each returns an empty string when the file was written, else a message that says what was
// wrong and what to do; nothing half-written is left under the name. Images render the
// widget as it is on screen (vector output for SVG and PDF where the widget paints vectors).
// Thread safety: exportImage and copyImage on the GUI thread; the others on any thread.

#include "attention_file.h"

#include "lumen/widgets/attention_heatmap.h"

#include <QString>

class QWidget;

namespace lumen::app {

/// The file formats, for file dialogs: "PNG image (*.png);;SVG …".
QString imageFilters();
QString tensorFilters();

QString exportImage(QWidget* widget, const QString& path);
/// Puts the widget's image on the clipboard.
void copyImage(QWidget* widget);

/// Every layer's and head's weights: .safetensors (the attention file of attention_file.h,
/// every attention of the record), .npy (float32 [layers, heads, query, key]) or .csv (one
/// row per weight: layer, head, query, key, query_token, key_token, weight). NPY and CSV
/// hold one attention: `stack` (one of the record's sets, e.g. its cross-attention), or the
/// record's set when null.
QString exportAttention(const AttentionRecord& record, const QString& path,
    const widgets::AttentionSet* stack = nullptr);
/// One matrix as shown: .csv (key tokens across, query tokens down), .npy (float32
/// [query, key]) or .safetensors (tensor "attention" with the tokens as metadata).
QString exportMatrix(const widgets::AttentionHeatmapData& matrix, const QString& path);

/// NumPy's .npy format (version 1.0, little-endian float32, C order).
std::string npyBytes(const std::vector<int64_t>& shape, const float* data);

} // namespace lumen::app
