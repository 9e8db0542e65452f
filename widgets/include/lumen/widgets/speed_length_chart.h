// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Speed versus sequence length on log-log axes (lumen-cli bench-length's runs): forward time
// per model against the length, its FLOPs on the right axis, each model labelled with the
// slope of its curve — 1 grows linearly (a convolution), 2 quadratically (self-attention at
// long lengths) — and faint reference lines of slope 1 and 2.
//
//   chart->setSeries({ { "lightconv", { 256, 1024, 4096 }, { 18, 72, 300 }, { 1.1, 4.4, 17.6 } } });
//   SpeedLengthChart::fittedSlope(lengths, ms);   // 1.03
//
// Thread safety: GUI thread only.

#include <QString>
#include <QWidget>

#include <vector>

class QCheckBox;
class QCustomPlot;
class QLabel;

namespace lumen::widgets {

struct LengthSeries {
    QString model;
    std::vector<double> lengths; ///< tokens, increasing
    std::vector<double> milliseconds; ///< forward time per length (NaN: not measured)
    std::vector<double> gflops; ///< analytic FLOPs per length, or empty
};

class SpeedLengthChart : public QWidget {
    Q_OBJECT

public:
    explicit SpeedLengthChart(QWidget* parent = nullptr);

    void setSeries(const std::vector<LengthSeries>& series);
    const std::vector<LengthSeries>& series() const { return series_; }
    /// The least-squares slope of log(y) against log(x) over the longer half of the points
    /// (at least two): the exponent the curve grows with. NaN with fewer than two usable points.
    static double fittedSlope(const std::vector<double>& x, const std::vector<double>& y);

    QCustomPlot* plot() const { return plot_; }
    QCheckBox* flopsBox() const { return flops_; }

private:
    void redraw();

    std::vector<LengthSeries> series_;
    QCustomPlot* plot_ = nullptr;
    QCheckBox* flops_ = nullptr;
    QLabel* note_ = nullptr;
};

} // namespace lumen::widgets
