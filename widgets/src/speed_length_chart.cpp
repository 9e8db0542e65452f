// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/speed_length_chart.h"

#include "lumen/widgets/color_maps.h"
#include "lumen/widgets/qcustomplot.h"
#include "plot_legend.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace lumen::widgets {

SpeedLengthChart::SpeedLengthChart(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* row = new QHBoxLayout;
    flops_ = new QCheckBox(tr("FLOPs (right axis, dashed)"), this);
    flops_->setChecked(true);
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    row->addWidget(flops_);
    row->addWidget(note_, 1);
    layout->addLayout(row);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("speedLengthPlot"));
    plot_->setMinimumHeight(220);
    for (QCPAxis* axis : { plot_->xAxis, plot_->yAxis, plot_->yAxis2 }) {
        axis->setScaleType(QCPAxis::stLogarithmic);
        axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    }
    plot_->xAxis->setLabel(tr("sequence length (tokens)"));
    plot_->yAxis->setLabel(tr("forward time (ms)"));
    plot_->yAxis2->setLabel(tr("GFLOPs"));
    putLegendBelow(plot_, 3);
    layout->addWidget(plot_, 1);
    connect(flops_, &QCheckBox::toggled, this, &SpeedLengthChart::redraw);
}

double SpeedLengthChart::fittedSlope(const std::vector<double>& x, const std::vector<double>& y)
{
    std::vector<std::pair<double, double>> points;
    for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
        if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) {
            points.emplace_back(std::log(x[i]), std::log(y[i]));
        }
    }
    if (points.size() < 2) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    // The longer half: short inputs are dominated by fixed costs.
    const size_t from = points.size() >= 4 ? points.size() / 2 : 0;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const auto n = static_cast<double>(points.size() - from);
    for (size_t i = from; i < points.size(); ++i) {
        sx += points[i].first;
        sy += points[i].second;
        sxx += points[i].first * points[i].first;
        sxy += points[i].first * points[i].second;
    }
    const double den = n * sxx - sx * sx;
    return den > 0 ? (n * sxy - sx * sy) / den : std::numeric_limits<double>::quiet_NaN();
}

void SpeedLengthChart::setSeries(const std::vector<LengthSeries>& series)
{
    series_ = series;
    redraw();
}

void SpeedLengthChart::redraw()
{
    plot_->clearGraphs();
    double x0 = 0, x1 = 0, lo = 0, hi = 0, flo = 0, fhi = 0;
    const auto widen = [](double& a, double& b, double v) {
        if (v > 0 && std::isfinite(v)) {
            a = a > 0 ? std::min(a, v) : v;
            b = std::max(b, v);
        }
    };
    QStringList slopes;
    for (size_t i = 0; i < series_.size(); ++i) {
        const LengthSeries& s = series_[i];
        const QColor colour = colormaps::categorical(static_cast<int>(i));
        QCPGraph* time = plot_->addGraph(plot_->xAxis, plot_->yAxis);
        const double slope = fittedSlope(s.lengths, s.milliseconds);
        time->setName(std::isfinite(slope) ? tr("%1  n^%2").arg(s.model).arg(slope, 0, 'f', 2) : s.model);
        time->setPen(QPen(colour, 2));
        time->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        for (size_t k = 0; k < s.lengths.size() && k < s.milliseconds.size(); ++k) {
            if (s.milliseconds[k] > 0 && std::isfinite(s.milliseconds[k])) {
                time->addData(s.lengths[k], s.milliseconds[k]);
                widen(x0, x1, s.lengths[k]);
                widen(lo, hi, s.milliseconds[k]);
            }
        }
        if (std::isfinite(slope)) {
            slopes << tr("%1 %2").arg(s.model).arg(slope, 0, 'f', 2);
        }
        if (flops_->isChecked() && !s.gflops.empty()) {
            QCPGraph* f = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
            f->setName(tr("%1 · FLOPs").arg(s.model));
            f->setPen(QPen(colour, 1.2, Qt::DashLine));
            f->removeFromLegend(); // same colour as its time curve; the check box says "dashed"
            for (size_t k = 0; k < s.lengths.size() && k < s.gflops.size(); ++k) {
                if (s.gflops[k] > 0) {
                    f->addData(s.lengths[k], s.gflops[k]);
                    widen(x0, x1, s.lengths[k]);
                    widen(flo, fhi, s.gflops[k]);
                }
            }
        }
    }
    // Reference slopes 1 and 2 from the lowest time at the shortest length.
    if (x0 > 0 && x1 > x0 && lo > 0) {
        for (const int power : { 1, 2 }) {
            QCPGraph* ref = plot_->addGraph(plot_->xAxis, plot_->yAxis);
            ref->setName(power == 1 ? tr("slope 1") : tr("slope 2"));
            ref->setPen(QPen(QColor(0xaa, 0xaa, 0xaa), 1, power == 1 ? Qt::DotLine : Qt::DashDotLine));
            ref->addData(x0, lo);
            ref->addData(x1, lo * std::pow(x1 / x0, power));
        }
    }
    plot_->yAxis2->setVisible(flops_->isChecked() && fhi > 0);
    if (x0 > 0) {
        plot_->xAxis->setRange(x0 / 1.3, x1 * 1.3);
        plot_->yAxis->setRange(lo / 1.5, hi * 1.5);
    }
    if (fhi > 0) {
        plot_->yAxis2->setRange(flo / 1.5, fhi * 1.5);
    }
    note_->setText(series_.empty() ? tr("No lengths measured.")
                                   : tr("Slope of time against length (log-log, longer half): %1").arg(slopes.join(QStringLiteral(", "))));
    plot_->replot();
}

} // namespace lumen::widgets
