// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Colour maps every view shares, so that the same weight has the same colour everywhere and
// head 3 has the same colour in the head view as in a legend.
//
//   QRgb c = colormaps::sequential(0.42);        // viridis, for a weight in 0..1
//   QColor h = colormaps::categorical(head);     // one colour per head
//   const auto& lut = colormaps::sequentialTable(); // 256 entries, for filling QImages
//
// Sequential maps: viridis (the default, as in the heatmap) and cividis, both perceptually
// uniform and readable with the common colour-vision deficiencies (cividis is tuned for
// them). The tables are 17 stops of matplotlib's 256-entry definitions, interpolated
// linearly in RGB (within 1/255 of the full tables).
// Categorical: Paul Tol's "muted" scheme (nine colours distinguishable with colour-blind
// vision and on white); ids past nine reuse colours, which callers pair with a label.
// Thread safety: pure functions over constant tables, any thread.

#include <QColor>
#include <QRgb>

#include <array>

namespace lumen::widgets::colormaps {

enum class Sequential { Viridis, Cividis };

constexpr int kTableSize = 256;
using Table = std::array<QRgb, kTableSize>;

/// The 256-entry table of `map`, entry i for t = i / 255.
const Table& sequentialTable(Sequential map = Sequential::Viridis);
/// Index into the table for t in 0..1 (clamped; NaN counts as 0).
int sequentialIndex(double t);
/// Colour of t in 0..1 (clamped), quantised to the table: sequentialTable()[sequentialIndex(t)].
QRgb sequential(double t, Sequential map = Sequential::Viridis);

/// Number of distinct categorical colours before they repeat.
constexpr int kCategoricalCount = 12;
/// Colour of category `id` (a head), id >= 0; repeats every kCategoricalCount.
QColor categorical(int id);

} // namespace lumen::widgets::colormaps
