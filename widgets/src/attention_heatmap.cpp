// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/attention_heatmap.h"

#include "lumen/widgets/qcustomplot.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lumen::widgets {

namespace {

// Viridis (matplotlib's perceptually uniform map), sampled at nine stops; QCustomPlot
// interpolates between them in RGB, which stays close to the original.
QCPColorGradient viridis()
{
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(256);
    g.setColorStopAt(0.000, QColor(0x44, 0x01, 0x54));
    g.setColorStopAt(0.125, QColor(0x47, 0x2d, 0x7b));
    g.setColorStopAt(0.250, QColor(0x3b, 0x52, 0x8b));
    g.setColorStopAt(0.375, QColor(0x2c, 0x72, 0x8e));
    g.setColorStopAt(0.500, QColor(0x21, 0x91, 0x8c));
    g.setColorStopAt(0.625, QColor(0x28, 0xae, 0x80));
    g.setColorStopAt(0.750, QColor(0x5e, 0xc9, 0x62));
    g.setColorStopAt(0.875, QColor(0xad, 0xdc, 0x30));
    g.setColorStopAt(1.000, QColor(0xfd, 0xe7, 0x25));
    return g;
}

QStringList tickerLabels(const QCPAxis* axis)
{
    QStringList labels;
    auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
    if (!ticker) {
        return labels;
    }
    for (auto it = ticker->ticks().cbegin(); it != ticker->ticks().cend(); ++it) {
        labels << it.value();
    }
    return labels;
}

void styleAxis(QCPAxis* axis, const QString& label)
{
    axis->setLabel(label);
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
    axis->setBasePen(QPen(QColor(0x80, 0x80, 0x80)));
    axis->setTickPen(QPen(QColor(0x80, 0x80, 0x80)));
    axis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
}

} // namespace

bool AttentionHeatmapData::isValid() const
{
    return queries() > 0 && keys() > 0
        && weights.size() == static_cast<size_t>(queries()) * static_cast<size_t>(keys());
}

AttentionHeatmap::AttentionHeatmap(QWidget* parent)
    : QWidget(parent)
{
    plot_ = new QCustomPlot(this);
    plot_->setMouseTracking(true);
    plot_->setInteractions(QCP::Interactions());
    plot_->installEventFilter(this);

    // One white canvas: the margins beside a narrowed plot match the plot's background.
    const QColor paper(Qt::white);
    plot_->setBackground(QBrush(paper));
    QPalette canvas = palette();
    canvas.setColor(QPalette::Window, paper);
    setPalette(canvas);
    setAutoFillBackground(true);

    // Stretch on both sides: when square cells make the plot narrower, it stays centred.
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addStretch(1);
    layout->addWidget(plot_, 1000);
    layout->addStretch(1);

    // Layout: title on row 0, axis rect and colour scale side by side on row 1.
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(
        plot_, QString(), QFont(font().family(), font().pointSize() + 2, QFont::DemiBold));
    plot_->plotLayout()->addElement(0, 0, title_);

    QCPAxisRect* rect = plot_->axisRect();
    styleAxis(rect->axis(QCPAxis::atBottom), tr("key"));
    styleAxis(rect->axis(QCPAxis::atLeft), tr("query"));
    // Keys read along the bottom, bottom-to-top like most attention plots.
    rect->axis(QCPAxis::atBottom)->setTickLabelRotation(-90);
    // Query 0 at the top, as a matrix is written.
    rect->axis(QCPAxis::atLeft)->setRangeReversed(true);

    colorMap_ = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    colorMap_->setInterpolate(false);
    colorMap_->setTightBoundary(false);

    colorScale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(1, 1, colorScale_);
    colorScale_->setType(QCPAxis::atRight);
    colorScale_->setBarWidth(14);
    colorScale_->axis()->setLabel(tr("attention weight"));
    colorScale_->axis()->setSubTicks(false);
    colorMap_->setColorScale(colorScale_);
    colorMap_->setGradient(viridis());
    applyColorRange();

    // The colour bar spans exactly the height of the map.
    auto* margins = new QCPMarginGroup(plot_);
    rect->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    colorScale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    hoverRect_ = new QCPItemRect(plot_);
    hoverRect_->setClipAxisRect(rect);
    hoverRect_->topLeft->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    hoverRect_->bottomRight->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    hoverRect_->setPen(QPen(Qt::white, 2));
    hoverRect_->setBrush(Qt::NoBrush);
    hoverRect_->setVisible(false);
    hoverRect_->setSelectable(false);

    connect(plot_, &QCustomPlot::mouseMove, this, &AttentionHeatmap::onMouseMove);
    // Queued: during afterReplot QCustomPlot is still inside replot() and ignores the replot
    // a resize asks for, which would leave a stale picture.
    connect(
        plot_, &QCustomPlot::afterReplot, this,
        [this] {
            // Label density depends on the axis rect's size, known only after a layout pass.
            const int q = labelStep(data_.queries(), plot_->axisRect()->height());
            const int k = labelStep(data_.keys(), plot_->axisRect()->width());
            if (q != queryLabelStep_ || k != keyLabelStep_) {
                rebuildTickLabels();
                plot_->replot(QCustomPlot::rpQueuedReplot);
            }
            fitWidthToSquareCells();
        },
        Qt::QueuedConnection);

    clear();
}

AttentionHeatmap::~AttentionHeatmap() = default;

QSize AttentionHeatmap::sizeHint() const
{
    return { 640, 560 };
}

QSize AttentionHeatmap::minimumSizeHint() const
{
    return { 240, 200 };
}

void AttentionHeatmap::setData(const AttentionHeatmapData& data)
{
    if (!data.isValid()) {
        if (!data.weights.empty() || data.queries() > 0 || data.keys() > 0) {
            qWarning("AttentionHeatmap: %d x %d tokens but %zu weights; not drawing",
                data.queries(), data.keys(), data.weights.size());
        }
        clear();
        return;
    }
    clearHover();
    data_ = data;
    const int q = data_.queries();
    const int k = data_.keys();

    // Cell (key i, query j) is centred on (i, j); the map spans cell centres 0..n-1.
    QCPColorMapData* map = colorMap_->data();
    map->setSize(k, q);
    // QCustomPlot widens the image by half a cell only when a dimension has two or more
    // cells; a single cell is given the range of its own extent instead.
    auto span = [](int n) { return n > 1 ? QCPRange(0.0, n - 1) : QCPRange(-0.5, 0.5); };
    map->setRange(span(k), span(q));
    for (int row = 0; row < q; ++row) {
        for (int col = 0; col < k; ++col) {
            map->setCell(col, row, data_.weights[static_cast<size_t>(row) * k + col]);
        }
    }
    colorMap_->setVisible(true);
    plot_->xAxis->setRange(-0.5, k - 0.5);
    plot_->yAxis->setRange(-0.5, q - 0.5);
    title_->setText(data_.title);
    applyColorRange();

    queryLabelStep_ = labelStep(q, plot_->axisRect()->height());
    keyLabelStep_ = labelStep(k, plot_->axisRect()->width());
    rebuildTickLabels();
    plot_->replot();
}

void AttentionHeatmap::clear()
{
    clearHover();
    data_ = AttentionHeatmapData();
    colorMap_->data()->clear();
    colorMap_->setVisible(false);
    title_->setText(QString());
    plot_->xAxis->setRange(0, 1);
    plot_->yAxis->setRange(0, 1);
    queryLabelStep_ = keyLabelStep_ = 1;
    rebuildTickLabels();
    plot_->replot();
}

void AttentionHeatmap::setColorRange(ColorRange range)
{
    if (range == colorRange_) {
        return;
    }
    colorRange_ = range;
    applyColorRange();
    plot_->replot();
}

void AttentionHeatmap::setSquareCells(bool on)
{
    squareCells_ = on;
    if (!on) {
        plot_->setMaximumWidth(QWIDGETSIZE_MAX);
    }
    plot_->replot();
}

void AttentionHeatmap::fitWidthToSquareCells()
{
    // Runs after each replot, when the axis rect's size is known. Everything beside the map
    // (tick labels, colour scale) keeps its width, and the map's height does not depend on
    // the plot's width, so this settles after one adjustment.
    if (!squareCells_ || !data_.isValid() || !plot_->isVisible()) {
        if (plot_->maximumWidth() != QWIDGETSIZE_MAX) {
            plot_->setMaximumWidth(QWIDGETSIZE_MAX);
        }
        return;
    }
    const QRect map = plot_->axisRect()->rect();
    if (map.height() <= 0) {
        return;
    }
    const int besideMap = plot_->width() - map.width();
    const int wanted = besideMap + map.height() * data_.keys() / data_.queries();
    if (std::abs(wanted - plot_->maximumWidth()) > 2) {
        plot_->setMaximumWidth(wanted);
    }
}

void AttentionHeatmap::applyColorRange()
{
    double upper = 1.0;
    if (colorRange_ == ColorRange::ToMax && !data_.weights.empty()) {
        const float max = *std::max_element(data_.weights.begin(), data_.weights.end());
        if (max > 0.0f) {
            upper = max;
        }
    }
    // The colour scale drives the map's data range (they are linked).
    colorScale_->setDataRange(QCPRange(0.0, upper));
    colorMap_->setDataRange(QCPRange(0.0, upper));
    colorScale_->axis()->setLabel(colorRange_ == ColorRange::Unit
            ? tr("attention weight")
            : tr("attention weight (scaled to the largest)"));
}

float AttentionHeatmap::cellValue(int query, int key) const
{
    QCPColorMapData* map = colorMap_->data();
    if (query < 0 || key < 0 || key >= map->keySize() || query >= map->valueSize()) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    return static_cast<float>(map->cell(key, query));
}

QString AttentionHeatmap::cellText(int query, int key) const
{
    if (query < 0 || key < 0 || query >= data_.queries() || key >= data_.keys()) {
        return {};
    }
    return QStringLiteral("query '%1' → key '%2': %3")
        .arg(data_.queryTokens.at(query), data_.keyTokens.at(key))
        .arg(static_cast<double>(cellValue(query, key)), 0, 'f', 4);
}

QStringList AttentionHeatmap::queryTickLabels() const
{
    return tickerLabels(plot_->yAxis);
}

QStringList AttentionHeatmap::keyTickLabels() const
{
    return tickerLabels(plot_->xAxis);
}

int AttentionHeatmap::labelStep(int count, double pixels) const
{
    // A label needs about one line of text; label every n-th token when they would overlap.
    const double lineHeight = QFontMetrics(plot_->xAxis->tickLabelFont()).height();
    // A hidden plot has not been laid out, so its axis rect size means nothing yet.
    if (count <= 1 || pixels <= 0.0 || !plot_->isVisible()) {
        return 1;
    }
    const double perLabel = pixels / count;
    if (perLabel >= lineHeight) {
        return 1;
    }
    return static_cast<int>(std::ceil(lineHeight / perLabel));
}

void AttentionHeatmap::rebuildTickLabels()
{
    auto fill = [](QCPAxis* axis, const QStringList& tokens, int step) {
        auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
        ticker->clear();
        for (int i = 0; i < tokens.size(); i += step) {
            ticker->addTick(i, tokens.at(i));
        }
    };
    fill(plot_->xAxis, data_.keyTokens, keyLabelStep_);
    fill(plot_->yAxis, data_.queryTokens, queryLabelStep_);
}

void AttentionHeatmap::onMouseMove(QMouseEvent* event)
{
    if (!data_.isValid()) {
        return;
    }
    const QPointF pos = event->position();
    if (!plot_->axisRect()->rect().contains(pos.toPoint())) {
        clearHover();
        return;
    }
    const double x = plot_->xAxis->pixelToCoord(pos.x());
    const double y = plot_->yAxis->pixelToCoord(pos.y());
    const int key = static_cast<int>(std::floor(x + 0.5));
    const int query = static_cast<int>(std::floor(y + 0.5));
    if (key < 0 || query < 0 || key >= data_.keys() || query >= data_.queries()) {
        clearHover();
        return;
    }
    if (key == hoverKey_ && query == hoverQuery_) {
        return;
    }
    hoverKey_ = key;
    hoverQuery_ = query;
    hoverRect_->topLeft->setCoords(key - 0.5, query - 0.5);
    hoverRect_->bottomRight->setCoords(key + 0.5, query + 0.5);
    hoverRect_->setVisible(true);
    plot_->replot(QCustomPlot::rpQueuedReplot);

    const QString text = cellText(query, key);
    plot_->setToolTip(text);
    QToolTip::showText(plot_->mapToGlobal(pos.toPoint()), text, plot_);
    Q_EMIT cellHovered(query, key, cellValue(query, key));
}

void AttentionHeatmap::clearHover()
{
    if (hoverQuery_ < 0 && hoverKey_ < 0) {
        return;
    }
    hoverQuery_ = hoverKey_ = -1;
    hoverRect_->setVisible(false);
    plot_->setToolTip(QString());
    QToolTip::hideText();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT hoverCleared();
}

bool AttentionHeatmap::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == plot_ && event->type() == QEvent::Leave) {
        clearHover();
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace lumen::widgets
