// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Small plot conventions the widgets share.

#include "lumen/widgets/qcustomplot.h"

namespace lumen::widgets {

/// Shows the plot's legend (small type) in a row under the axes, so it never covers a curve;
/// `wrap` entries per line (0: all in one).
inline void putLegendBelow(QCustomPlot* plot, int wrap = 0)
{
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), 8));
    auto* legendRow = new QCPLayoutGrid;
    plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->addElement(0, 0, plot->legend);
    // The wrap first: setFillOrder rearranges the entries already there by it.
    plot->legend->setWrap(wrap);
    plot->legend->setFillOrder(QCPLegend::foColumnsFirst, true);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
}

} // namespace lumen::widgets
