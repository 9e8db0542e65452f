// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/attention_heatmap.h"

#include "lumen/widgets/color_maps.h"

#include "lumen/widgets/qcustomplot.h"

#include <QEvent>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lumen::widgets {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Masked cells (padding, the future of a causal map): a light neutral grey, apart from every
// colour of either gradient and from the white background that thresholded cells show.
const QColor kMaskedColor(0xd4, 0xd4, 0xd4);
// Okabe-Ito orange and vermillion: distinct from cividis' blue-grey-yellow for every common
// colour-vision deficiency.
const QColor kSpecialColor(0xe6, 0x9f, 0x00);
const QColor kHighlightColor(0xd5, 0x5e, 0x00);
// A map shows at least this many cells along its longer axis when zoomed in all the way.
constexpr double kMinVisibleCells = 4.0;
// Colour-map cells per axis assumed for a widget that has not been laid out yet.
constexpr int kHiddenPixels = 1024;
// A press that moves further than this (pixels) is a drag, not a click.
constexpr int kDragDistance = 4;

// The shared table of `map` (widgets/color_maps.h, the same colours as the model view's
// maps), one stop per entry, so QCustomPlot's 256 levels are the table itself.
QCPColorGradient gradientOf(colormaps::Sequential map)
{
    const colormaps::Table& table = colormaps::sequentialTable(map);
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(colormaps::kTableSize);
    for (int i = 0; i < colormaps::kTableSize; ++i) {
        g.setColorStopAt(
            i / double(colormaps::kTableSize - 1), QColor::fromRgb(table[static_cast<size_t>(i)]));
    }
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(kMaskedColor);
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
    // Room between the axis line and the labels for the special-token marks.
    axis->setTickLabelPadding(11);
    axis->setBasePen(QPen(QColor(0x80, 0x80, 0x80)));
    axis->setTickPen(QPen(QColor(0x80, 0x80, 0x80)));
    axis->setTicker(QSharedPointer<QCPAxisTickerText>::create());
}

bool flagSet(const std::vector<uint8_t>& flags, int i)
{
    return !flags.empty() && flags[static_cast<size_t>(i)] != 0;
}

bool realAt(const std::vector<uint8_t>& valid, int i)
{
    return valid.empty() || valid[static_cast<size_t>(i)] != 0;
}

// Calls f(query, firstKey, weights, count) for every run of consecutive unmasked cells of
// `d`, row by row: masked rows are skipped, a causal row stops at its own position, and
// padding keys split the row.
template<typename F> void forEachUnmaskedRun(const AttentionHeatmapData& d, F&& f)
{
    const int keys = d.keys();
    for (int q = 0; q < d.queries(); ++q) {
        if (!realAt(d.queryValid, q)) {
            continue;
        }
        const float* row = d.weights.data() + static_cast<size_t>(q) * keys;
        const int end = d.causal ? std::min(keys, q + 1) : keys;
        if (d.keyValid.empty()) {
            f(q, 0, row, end);
            continue;
        }
        int k = 0;
        while (k < end) {
            while (k < end && d.keyValid[static_cast<size_t>(k)] == 0) {
                ++k;
            }
            const int begin = k;
            while (k < end && d.keyValid[static_cast<size_t>(k)] != 0) {
                ++k;
            }
            if (k > begin) {
                f(q, begin, row + begin, k - begin);
            }
        }
    }
}

int ceilDiv(int a, int b)
{
    return (a + b - 1) / b;
}

// A line in two strokes, dark under light, so it shows on every colour of the map.
void haloLine(QCPPainter* p, QPointF a, QPointF b, const QColor& colour, double width)
{
    p->setPen(QPen(QColor(0, 0, 0, 150), width + 2.0, Qt::SolidLine, Qt::FlatCap));
    p->drawLine(a, b);
    p->setPen(QPen(colour, width, Qt::SolidLine, Qt::FlatCap));
    p->drawLine(a, b);
}

void haloRect(QCPPainter* p, const QRectF& r, const QColor& colour, double width)
{
    p->setBrush(Qt::NoBrush);
    p->setPen(QPen(QColor(0, 0, 0, 150), width + 2.0));
    p->drawRect(r);
    p->setPen(QPen(colour, width));
    p->drawRect(r);
}

} // namespace

// One level of the overview pyramid: the weights in blocks of 2^level x 2^level cells. For
// Overview::Max, `value` is the largest unmasked weight of the block (-inf: all masked); for
// Overview::Mean, the sum of the unmasked weights, with their number in `count`. Both
// combine by plain max or sum from one level to the next, loops the compiler vectorises.
struct AttentionHeatmap::Pyramid {
    int keys = 0;
    int queries = 0;
    std::vector<float> value;
    std::vector<float> count; ///< Overview::Mean only

    /// The block's max or mean, NaN when every cell of it is masked.
    float at(size_t i) const
    {
        if (count.empty()) {
            return value[i] == -std::numeric_limits<float>::infinity() ? kNaN : value[i];
        }
        return count[i] > 0.0f ? value[i] / count[i] : kNaN;
    }
};

// Draws what changes with the mouse or sits on top of the map: the segment boundary, the
// highlighted row, the hovered cell and the special-token marks. It lives on QCustomPlot's
// buffered "overlay" layer, so a hover repaints only this layer, not the map.
class AttentionHeatmap::Overlay : public QCPLayerable {
public:
    Overlay(AttentionHeatmap* owner, QCustomPlot* plot)
        : QCPLayerable(plot, QStringLiteral("overlay"))
        , owner_(owner)
    {
    }

protected:
    void applyDefaultAntialiasingHint(QCPPainter* painter) const override
    {
        applyAntialiasingHint(painter, false, QCP::aeOther);
    }

    void draw(QCPPainter* p) override
    {
        const AttentionHeatmapData& d = owner_->data_;
        if (!d.isValid()) {
            return;
        }
        QCPAxis* x = mParentPlot->xAxis;
        QCPAxis* y = mParentPlot->yAxis;
        const QRectF rect = mParentPlot->axisRect()->rect();
        const int keyLo = std::max(0, owner_->cellAt(x->range().lower, d.keys()));
        const int keyHi = std::min(d.keys() - 1, owner_->cellAt(x->range().upper, d.keys()));
        const int queryLo = std::max(0, owner_->cellAt(y->range().lower, d.queries()));
        const int queryHi =
            std::min(d.queries() - 1, owner_->cellAt(y->range().upper, d.queries()));

        p->save();
        p->setClipRect(rect);
        if (d.keySegmentStart > 0 && d.keySegmentStart < d.keys()) {
            const double px = x->coordToPixel(d.keySegmentStart - 0.5);
            haloLine(p, { px, rect.top() }, { px, rect.bottom() }, Qt::white, 1.5);
        }
        if (d.querySegmentStart > 0 && d.querySegmentStart < d.queries()) {
            const double py = y->coordToPixel(d.querySegmentStart - 0.5);
            haloLine(p, { rect.left(), py }, { rect.right(), py }, Qt::white, 1.5);
        }
        if (owner_->highlightedQuery_ >= 0) {
            const int q = owner_->highlightedQuery_;
            double top = y->coordToPixel(q - 0.5);
            double bottom = y->coordToPixel(q + 0.5);
            if (bottom - top < 4.0) { // a row thinner than a few pixels still shows
                const double mid = (top + bottom) / 2.0;
                top = mid - 2.0;
                bottom = mid + 2.0;
            }
            haloRect(p, QRectF(QPointF(rect.left() + 1, top), QPointF(rect.right() - 1, bottom)),
                kHighlightColor, 2.0);
        }
        if (owner_->hoverQuery_ >= 0 && owner_->hoverKey_ >= 0) {
            // The map cell under the mouse: one cell, or the block an overview cell stands for.
            const int f = owner_->factor_;
            const int kb = owner_->hoverKey_ / f * f;
            const int qb = owner_->hoverQuery_ / f * f;
            QRectF cell(QPointF(x->coordToPixel(kb - 0.5), y->coordToPixel(qb - 0.5)),
                QPointF(x->coordToPixel(kb + f - 0.5), y->coordToPixel(qb + f - 0.5)));
            cell = cell.normalized();
            if (cell.width() < 5.0 || cell.height() < 5.0) {
                const QPointF c = cell.center();
                cell = QRectF(c.x() - 3.0, c.y() - 3.0, 6.0, 6.0);
            }
            p->setBrush(Qt::NoBrush);
            p->setPen(QPen(Qt::white, 2));
            p->drawRect(cell);
        }
        p->restore();

        // Special tokens: a mark between the axis line and the label, at every special
        // position in view, labelled or not.
        p->save();
        p->setPen(Qt::NoPen);
        p->setBrush(kSpecialColor);
        if (!d.keySpecial.empty()) {
            for (int k = keyLo; k <= keyHi; ++k) {
                if (flagSet(d.keySpecial, k)) {
                    double left = x->coordToPixel(k - 0.4);
                    double right = x->coordToPixel(k + 0.4);
                    if (right - left < 2.0) {
                        const double mid = (left + right) / 2.0;
                        left = mid - 1.0;
                        right = mid + 1.0;
                    }
                    p->drawRect(QRectF(left, rect.bottom() + 4, right - left, 6));
                }
            }
        }
        if (!d.querySpecial.empty()) {
            for (int q = queryLo; q <= queryHi; ++q) {
                if (flagSet(d.querySpecial, q)) {
                    double top = y->coordToPixel(q - 0.4);
                    double bottom = y->coordToPixel(q + 0.4);
                    if (bottom - top < 2.0) {
                        const double mid = (top + bottom) / 2.0;
                        top = mid - 1.0;
                        bottom = mid + 1.0;
                    }
                    p->drawRect(QRectF(rect.left() - 10, top, 6, bottom - top));
                }
            }
        }
        p->restore();
    }

private:
    AttentionHeatmap* owner_;
};

bool AttentionHeatmapData::isValid() const
{
    auto perToken = [](const std::vector<uint8_t>& v, int n) {
        return v.empty() || v.size() == static_cast<size_t>(n);
    };
    return queries() > 0 && keys() > 0
        && weights.size() == static_cast<size_t>(queries()) * static_cast<size_t>(keys())
        && perToken(queryValid, queries()) && perToken(keyValid, keys())
        && perToken(querySpecial, queries()) && perToken(keySpecial, keys());
}

bool AttentionHeatmapData::isMasked(int query, int key) const
{
    return !realAt(queryValid, query) || !realAt(keyValid, key) || (causal && key > query);
}

void AttentionHeatmap::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange && plot_ != nullptr && colorScale_ != nullptr && title_ != nullptr) {
        const QFont f = font();
        QCPAxisRect* rect = plot_->axisRect();
        for (QCPAxis* axis : { rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft), colorScale_->axis() }) {
            axis->setTickLabelFont(f);
            axis->setLabelFont(f);
        }
        title_->setFont(QFont(f.family(), f.pointSize() + 2, QFont::DemiBold));
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
    QWidget::changeEvent(event);
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
    applyGradient();
    applyColorRange();

    // The colour bar spans exactly the height of the map.
    auto* margins = new QCPMarginGroup(plot_);
    rect->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    colorScale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    overlayLayer_ = plot_->layer(QStringLiteral("overlay"));
    overlayLayer_->setMode(QCPLayer::lmBuffered);
    overlay_ = new Overlay(this, plot_);

    connect(plot_, &QCustomPlot::mouseMove, this, &AttentionHeatmap::onMouseMove);
    connect(plot_, &QCustomPlot::mousePress, this, &AttentionHeatmap::onMousePress);
    connect(plot_, &QCustomPlot::mouseRelease, this, &AttentionHeatmap::onMouseRelease);
    connect(plot_, &QCustomPlot::mouseWheel, this, &AttentionHeatmap::onWheel);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
        if (event->button() == Qt::LeftButton) {
            resetZoom();
        }
    });
    // The axis rect's size is known only once replot() has laid the plot out. When it
    // changed (a resize, the first show), the map's window and resolution and the labels
    // follow here, before anything is drawn, so the frame being painted is already right.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        if (data_.isValid() && mapPixels() != lastPixels_) {
            refreshMap(false);
            const int q = queryLabelStep_;
            const int k = keyLabelStep_;
            rebuildTickLabels();
            if (q != queryLabelStep_ || k != keyLabelStep_) {
                // New labels change the margins, laid out on the next replot.
                plot_->replot(QCustomPlot::rpQueuedReplot);
            }
        }
    });
    // Queued: during afterReplot QCustomPlot is still inside replot() and ignores the replot
    // a resize asks for, which would leave a stale picture.
    connect(
        plot_, &QCustomPlot::afterReplot, this, [this] { fitWidthToSquareCells(); },
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

void AttentionHeatmap::setData(AttentionHeatmapData data)
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
    const bool sameShape =
        data_.isValid() && data_.queries() == data.queries() && data_.keys() == data.keys();
    data_ = std::move(data);
    pyramids_.clear();
    maxWeight_ = -1.0f; // found when ColorRange::ToMax needs it
    const int q = data_.queries();
    const int k = data_.keys();
    if (!sameShape) {
        scale01_ = 1.0;
        centreKey_ = (k - 1) / 2.0;
        centreQuery_ = (q - 1) / 2.0;
    }
    if (highlightedQuery_ >= q) {
        highlightedQuery_ = -1;
    }
    colorMap_->setVisible(true);
    title_->setText(data_.title);
    plot_->axisRect()->axis(QCPAxis::atBottom)->setLabel(
        data_.keyAxis.isEmpty() ? tr("key") : data_.keyAxis);
    plot_->axisRect()->axis(QCPAxis::atLeft)->setLabel(
        data_.queryAxis.isEmpty() ? tr("query") : data_.queryAxis);
    applyColorRange();
    keyBegin_ = -1; // the map's content is stale
    updateView(true);
}

void AttentionHeatmap::clear()
{
    clearHover();
    data_ = AttentionHeatmapData();
    pyramids_.clear();
    maxWeight_ = 0.0f;
    colorMap_->data()->clear();
    colorMap_->data()->clearAlpha();
    colorMap_->setVisible(false);
    title_->setText(QString());
    scale01_ = 1.0;
    centreKey_ = centreQuery_ = 0.0;
    highlightedQuery_ = -1;
    factor_ = 1;
    keyBegin_ = keyEnd_ = queryBegin_ = queryEnd_ = -1;
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

void AttentionHeatmap::setScale(Scale scale)
{
    if (scale == scale_) {
        return;
    }
    scale_ = scale;
    applyColorRange();
    refreshMap(true); // the map holds clamped weights on a log scale
    plot_->replot();
}

void AttentionHeatmap::setLogFloor(double floor)
{
    if (!(floor > 0.0) || floor == logFloor_) {
        return;
    }
    logFloor_ = floor;
    if (scale_ == Scale::Log) {
        applyColorRange();
        refreshMap(true);
        plot_->replot();
    }
}

void AttentionHeatmap::setGradient(Gradient gradient)
{
    if (gradient == gradient_) {
        return;
    }
    gradient_ = gradient;
    applyGradient();
    plot_->replot();
}

void AttentionHeatmap::applyGradient()
{
    if (gradient_ == Gradient::Diverging) {
        // ColorBrewer's RdBu ends: blue for negative, white at 0, red for positive.
        QCPColorGradient g;
        g.clearColorStops();
        g.setColorInterpolation(QCPColorGradient::ciRGB);
        g.setLevelCount(256);
        g.setColorStopAt(0.0, QColor(0x21, 0x66, 0xac));
        g.setColorStopAt(0.25, QColor(0x92, 0xc5, 0xde));
        g.setColorStopAt(0.5, QColor(0xf7, 0xf7, 0xf7));
        g.setColorStopAt(0.75, QColor(0xf4, 0xa5, 0x82));
        g.setColorStopAt(1.0, QColor(0xb2, 0x18, 0x2b));
        g.setNanHandling(QCPColorGradient::nhNanColor);
        g.setNanColor(kMaskedColor);
        colorMap_->setGradient(g);
        return;
    }
    colorMap_->setGradient(
        gradientOf(gradient_ == Gradient::Cividis ? colormaps::Sequential::Cividis
                                                  : colormaps::Sequential::Viridis));
}

void AttentionHeatmap::setThreshold(double threshold)
{
    threshold = std::max(0.0, threshold);
    if (threshold == threshold_) {
        return;
    }
    threshold_ = threshold;
    refreshMap(true);
    plot_->replot();
}

void AttentionHeatmap::setOverview(Overview overview)
{
    if (overview == overview_) {
        return;
    }
    overview_ = overview;
    pyramids_.clear();
    refreshMap(true);
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
    const bool log = scale_ == Scale::Log && colorRange_ != ColorRange::Symmetric;
    double lower = log ? logFloor_ : 0.0;
    double upper = 1.0;
    if (colorRange_ == ColorRange::ToMax && data_.isValid()) {
        if (maxWeight_ < 0.0f) {
            maxWeight_ = 0.0f;
            forEachUnmaskedRun(data_, [this](int, int, const float* w, int n) {
                // Four running maxima: a dependency chain one max long instead of n.
                float m[4] = { maxWeight_, maxWeight_, maxWeight_, maxWeight_ };
                int i = 0;
                for (; i + 4 <= n; i += 4) {
                    for (int j = 0; j < 4; ++j) {
                        m[j] = w[i + j] > m[j] ? w[i + j] : m[j];
                    }
                }
                for (; i < n; ++i) {
                    m[0] = w[i] > m[0] ? w[i] : m[0];
                }
                maxWeight_ = std::max(std::max(m[0], m[1]), std::max(m[2], m[3]));
            });
        }
        if (maxWeight_ > 0.0f) {
            upper = maxWeight_;
        }
    }
    if (colorRange_ == ColorRange::Symmetric && data_.isValid()) {
        float largest = 0.0f;
        forEachUnmaskedRun(data_, [&largest](int, int, const float* w, int n) {
            for (int i = 0; i < n; ++i) {
                largest = std::max(largest, std::abs(w[i]));
            }
        });
        upper = largest > 0.0f ? largest : 1.0;
        lower = -upper;
    }
    if (upper <= lower) {
        upper = lower * 10.0;
    }
    // The colour scale drives the map's data range and scale type (they are linked).
    QCPAxis* axis = colorScale_->axis();
    colorScale_->setDataScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) {
        axis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        axis->setNumberFormat(QStringLiteral("eb"));
        axis->setNumberPrecision(0);
    } else {
        axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        axis->setNumberFormat(QStringLiteral("gb"));
        axis->setNumberPrecision(6);
    }
    colorScale_->setDataRange(QCPRange(lower, upper));
    colorMap_->setDataRange(QCPRange(lower, upper));
    const QString value = data_.valueName.isEmpty() ? tr("attention weight") : data_.valueName;
    QString label = colorRange_ == ColorRange::ToMax ? tr("%1 (scaled to the largest)").arg(value) : value;
    if (log) {
        label += tr(", log scale");
    }
    axis->setLabel(label);
}

float AttentionHeatmap::cellValue(int query, int key) const
{
    if (query < 0 || key < 0 || query >= data_.queries() || key >= data_.keys()) {
        return kNaN;
    }
    return data_.weights[static_cast<size_t>(query) * data_.keys() + key];
}

QPoint AttentionHeatmap::mapCellOf(int query, int key) const
{
    if (keyBegin_ < 0 || query < 0 || key < 0 || query >= data_.queries() || key >= data_.keys()) {
        return { -1, -1 };
    }
    const int i = key / factor_ - keyBegin_;
    const int j = query / factor_ - queryBegin_;
    if (i < 0 || j < 0 || i >= keyEnd_ - keyBegin_ || j >= queryEnd_ - queryBegin_) {
        return { -1, -1 };
    }
    return { i, j };
}

float AttentionHeatmap::mapValue(int query, int key) const
{
    const QPoint cell = mapCellOf(query, key);
    if (cell.x() < 0) {
        return kNaN;
    }
    return static_cast<float>(colorMap_->data()->cell(cell.x(), cell.y()));
}

QString AttentionHeatmap::formatWeight(float weight) const
{
    // Four decimals for ordinary weights; small ones keep four significant digits instead
    // of reading 0.0000.
    if (weight != 0.0f && std::abs(weight) < 1e-3f) {
        return QString::number(static_cast<double>(weight), 'g', 4);
    }
    return QString::number(static_cast<double>(weight), 'f', 4);
}

QString AttentionHeatmap::cellText(int query, int key) const
{
    if (query < 0 || key < 0 || query >= data_.queries() || key >= data_.keys()) {
        return {};
    }
    QString text = QStringLiteral("query '%1' → key '%2': %3")
                       .arg(data_.queryTokens.at(query), data_.keyTokens.at(key),
                           formatWeight(cellValue(query, key)));
    if (!realAt(data_.queryValid, query) || !realAt(data_.keyValid, key)) {
        text += tr(" (padding)");
    } else if (data_.causal && key > query) {
        text += tr(" (future token)");
    } else if (threshold_ > 0.0 && cellValue(query, key) < threshold_) {
        text += tr(" (below the threshold)");
    }
    return text;
}

QStringList AttentionHeatmap::queryTickLabels() const
{
    return tickerLabels(plot_->yAxis);
}

QStringList AttentionHeatmap::keyTickLabels() const
{
    return tickerLabels(plot_->xAxis);
}

QCPRange AttentionHeatmap::visibleKeyRange() const
{
    return plot_->xAxis->range();
}

QCPRange AttentionHeatmap::visibleQueryRange() const
{
    return plot_->yAxis->range();
}

int AttentionHeatmap::cellAt(double coord, int count) const
{
    // Cell i spans i-0.5 .. i+0.5; a coordinate on the upper edge belongs to the cell below.
    const int cell = static_cast<int>(std::floor(coord + 0.5));
    return std::clamp(cell, -1, count);
}

QSize AttentionHeatmap::mapPixels() const
{
    const QRect r = plot_->axisRect()->rect();
    if (!plot_->isVisible() || r.width() <= 0 || r.height() <= 0) {
        return { kHiddenPixels, kHiddenPixels };
    }
    return { std::max(16, r.width()), std::max(16, r.height()) };
}

void AttentionHeatmap::setViewCentre(double centreKey, double centreQuery)
{
    const int k = data_.keys();
    const int q = data_.queries();
    const double halfK = scale01_ * k / 2.0;
    const double halfQ = scale01_ * q / 2.0;
    centreKey_ = std::clamp(centreKey, -0.5 + halfK, k - 0.5 - halfK);
    centreQuery_ = std::clamp(centreQuery, -0.5 + halfQ, q - 0.5 - halfQ);
}

void AttentionHeatmap::updateView(bool replot)
{
    if (!data_.isValid()) {
        return;
    }
    setViewCentre(centreKey_, centreQuery_);
    const double halfK = scale01_ * data_.keys() / 2.0;
    const double halfQ = scale01_ * data_.queries() / 2.0;
    plot_->xAxis->setRange(centreKey_ - halfK, centreKey_ + halfK);
    plot_->yAxis->setRange(centreQuery_ - halfQ, centreQuery_ + halfQ);
    refreshMap(false);
    rebuildTickLabels();
    if (replot) {
        plot_->replot();
    }
    Q_EMIT viewChanged();
}

void AttentionHeatmap::refreshMap(bool force)
{
    if (!data_.isValid()) {
        return;
    }
    const int nk = data_.keys();
    const int nq = data_.queries();
    const QSize pixels = mapPixels();
    lastPixels_ = pixels;
    const QCPRange kr = plot_->xAxis->range();
    const QCPRange qr = plot_->yAxis->range();

    // The coarsest power of two that leaves at most one map cell per pixel on both axes:
    // finer and nearest-neighbour drawing would drop cells; coarser wastes resolution.
    const double cellsPerPixel = std::max(kr.size() / pixels.width(), qr.size() / pixels.height());
    int factor = 1;
    while (factor < cellsPerPixel && factor < std::max(nk, nq)) {
        factor *= 2;
    }

    const int keyLo = std::clamp(cellAt(kr.lower, nk), 0, nk - 1);
    const int keyHi = std::clamp(cellAt(kr.upper, nk), 0, nk - 1);
    const int queryLo = std::clamp(cellAt(qr.lower, nq), 0, nq - 1);
    const int queryHi = std::clamp(cellAt(qr.upper, nq), 0, nq - 1);
    const bool covered = factor == factor_ && keyBegin_ >= 0 && keyLo / factor >= keyBegin_
        && keyHi / factor < keyEnd_ && queryLo / factor >= queryBegin_
        && queryHi / factor < queryEnd_;
    if (covered && !force) {
        return;
    }
    // The visible cells plus a quarter of the view on every side, so that small pans
    // repaint the map image as it is.
    const int marginK = (keyHi - keyLo + 1) / 4 + 1;
    const int marginQ = (queryHi - queryLo + 1) / 4 + 1;
    fillMap(factor, std::max(0, keyLo - marginK) / factor,
        std::min(ceilDiv(nk, factor), (keyHi + marginK) / factor + 1),
        std::max(0, queryLo - marginQ) / factor,
        std::min(ceilDiv(nq, factor), (queryHi + marginQ) / factor + 1));
}

const AttentionHeatmap::Pyramid& AttentionHeatmap::pyramid(int level)
{
    const bool mean = overview_ == Overview::Mean;
    const float identity = mean ? 0.0f : -std::numeric_limits<float>::infinity();
    const auto maxOf = [](float a, float b) { return a > b ? a : b; };
    const auto sumOf = [](float a, float b) { return a + b; };
    // out[i] = op over the 2 x 2 block (r0, r1) x (2i, 2i+1); an odd last column alone.
    const auto reduce = [](const float* r0, const float* r1, int n, float* out, auto op) {
        const int half = n / 2;
        for (int i = 0; i < half; ++i) {
            out[i] = op(op(r0[2 * i], r0[2 * i + 1]), op(r1[2 * i], r1[2 * i + 1]));
        }
        if (n % 2 != 0) {
            out[half] = op(r0[n - 1], r1[n - 1]);
        }
    };

    while (static_cast<int>(pyramids_.size()) < level) {
        auto next = std::make_unique<Pyramid>();
        const Pyramid* below = pyramids_.empty() ? nullptr : pyramids_.back().get();
        const int belowK = below ? below->keys : data_.keys();
        const int belowQ = below ? below->queries : data_.queries();
        next->keys = ceilDiv(belowK, 2);
        next->queries = ceilDiv(belowQ, 2);
        const size_t outK = static_cast<size_t>(next->keys);
        next->value.resize(outK * next->queries);
        if (mean) {
            next->count.resize(outK * next->queries);
        }
        // Rows of the level below as the reduction reads them; the weights' rows with their
        // masked cells set to the identity (and a count of 0), an odd last row all identity.
        std::vector<float> rows[2] = { std::vector<float>(static_cast<size_t>(belowK)),
            std::vector<float>(static_cast<size_t>(belowK)) };
        std::vector<float> counts[2];
        if (mean && !below) {
            counts[0].resize(static_cast<size_t>(belowK));
            counts[1].resize(static_cast<size_t>(belowK));
        }
        const auto maskedRow = [&](int q, int slot) {
            std::vector<float>& r = rows[slot];
            std::fill(r.begin(), r.end(), identity);
            if (mean) {
                std::fill(counts[slot].begin(), counts[slot].end(), 0.0f);
            }
            if (q >= belowQ || !realAt(data_.queryValid, q)) {
                return;
            }
            const float* w = data_.weights.data() + static_cast<size_t>(q) * belowK;
            const int end = data_.causal ? std::min(belowK, q + 1) : belowK;
            if (data_.keyValid.empty()) {
                std::copy(w, w + end, r.begin());
                if (mean) {
                    std::fill(counts[slot].begin(), counts[slot].begin() + end, 1.0f);
                }
                return;
            }
            for (int k = 0; k < end; ++k) {
                if (realAt(data_.keyValid, k)) {
                    r[static_cast<size_t>(k)] = w[k];
                    if (mean) {
                        counts[slot][static_cast<size_t>(k)] = 1.0f;
                    }
                }
            }
        };
        const std::vector<float> identityRow(static_cast<size_t>(belowK), identity);
        for (int j = 0; j < next->queries; ++j) {
            const int q0 = 2 * j;
            const int q1 = 2 * j + 1;
            float* out = next->value.data() + j * outK;
            float* outCount = mean ? next->count.data() + j * outK : nullptr;
            const float* r0;
            const float* r1;
            const float* c0 = nullptr;
            const float* c1 = nullptr;
            if (below) {
                const size_t stride = static_cast<size_t>(belowK);
                r0 = below->value.data() + q0 * stride;
                r1 = q1 < belowQ ? below->value.data() + q1 * stride : identityRow.data();
                if (mean) {
                    c0 = below->count.data() + q0 * stride;
                    c1 = q1 < belowQ ? below->count.data() + q1 * stride : identityRow.data();
                }
            } else {
                maskedRow(q0, 0);
                maskedRow(q1, 1);
                r0 = rows[0].data();
                r1 = rows[1].data();
                if (mean) {
                    c0 = counts[0].data();
                    c1 = counts[1].data();
                }
            }
            if (mean) {
                reduce(r0, r1, belowK, out, sumOf);
                reduce(c0, c1, belowK, outCount, sumOf);
            } else {
                reduce(r0, r1, belowK, out, maxOf);
            }
        }
        pyramids_.push_back(std::move(next));
    }
    return *pyramids_[static_cast<size_t>(level) - 1];
}

void AttentionHeatmap::fillMap(int factor, int keyBegin, int keyEnd, int queryBegin, int queryEnd)
{
    int level = 0;
    while ((1 << level) < factor) {
        ++level;
    }
    const Pyramid* source = level > 0 ? &pyramid(level) : nullptr;
    const int sourceKeys = source ? source->keys : data_.keys();
    const int nk = keyEnd - keyBegin;
    const int nq = queryEnd - queryBegin;

    QCPColorMapData* map = colorMap_->data();
    map->setSize(nk, nq);
    // Map cell i stands for cells i*f .. i*f+f-1, centred on i*f + (f-1)/2. QCustomPlot
    // widens the image by half a cell only when a dimension has two or more cells; a single
    // cell is given the range of its own extent instead.
    auto span = [factor](int begin, int end) {
        if (end - begin > 1) {
            return QCPRange(
                begin * factor + (factor - 1) / 2.0, (end - 1) * factor + (factor - 1) / 2.0);
        }
        return QCPRange(begin * factor - 0.5, (begin + 1) * factor - 0.5);
    };
    map->setRange(span(keyBegin, keyEnd), span(queryBegin, queryEnd));

    const bool log = scale_ == Scale::Log && colorRange_ != ColorRange::Symmetric;
    const bool useAlpha = threshold_ > 0.0;
    if (useAlpha) {
        map->fillAlpha(255);
    } else {
        map->clearAlpha();
    }
    for (int j = 0; j < nq; ++j) {
        const int row = queryBegin + j;
        for (int i = 0; i < nk; ++i) {
            const int col = keyBegin + i;
            float v;
            if (source) {
                v = source->at(static_cast<size_t>(row) * sourceKeys + col);
            } else {
                v = data_.isMasked(row, col)
                    ? kNaN
                    : data_.weights[static_cast<size_t>(row) * sourceKeys + col];
            }
            if (std::isnan(v)) {
                map->setCell(i, j, std::numeric_limits<double>::quiet_NaN());
                continue;
            }
            if (useAlpha && v < threshold_) {
                map->setAlpha(i, j, 0);
            }
            map->setCell(i, j, log ? std::max(static_cast<double>(v), logFloor_) : v);
        }
    }
    factor_ = factor;
    keyBegin_ = keyBegin;
    keyEnd_ = keyEnd;
    queryBegin_ = queryBegin;
    queryEnd_ = queryEnd;
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
    // Only the tokens in view, every step-th one where they would overlap; steps count from
    // token 0 so that labels stay put while panning.
    auto fill = [this](QCPAxis* axis, const QStringList& tokens, int pixels, int* step) {
        auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
        ticker->clear();
        const int n = static_cast<int>(tokens.size());
        if (n == 0) {
            *step = 1;
            return;
        }
        const int lo = std::clamp(cellAt(axis->range().lower, n), 0, n - 1);
        const int hi = std::clamp(cellAt(axis->range().upper, n), 0, n - 1);
        *step = labelStep(static_cast<int>(std::ceil(axis->range().size())), pixels);
        for (int i = (lo + *step - 1) / *step * *step; i <= hi; i += *step) {
            ticker->addTick(i, tokens.at(i));
        }
    };
    const QRect r = plot_->axisRect()->rect();
    fill(plot_->xAxis, data_.keyTokens, r.width(), &keyLabelStep_);
    fill(plot_->yAxis, data_.queryTokens, r.height(), &queryLabelStep_);
}

void AttentionHeatmap::zoomAt(QPointF pixel, double factor)
{
    if (!data_.isValid() || !(factor > 0.0)) {
        return;
    }
    const double minScale =
        std::min(1.0, kMinVisibleCells / std::max(data_.keys(), data_.queries()));
    const double scale = std::clamp(scale01_ / factor, minScale, 1.0);
    if (scale == scale01_) {
        return;
    }
    const double pk = plot_->xAxis->pixelToCoord(pixel.x());
    const double pq = plot_->yAxis->pixelToCoord(pixel.y());
    const double ratio = scale / scale01_;
    scale01_ = scale;
    setViewCentre(pk + (centreKey_ - pk) * ratio, pq + (centreQuery_ - pq) * ratio);
    updateView(true);
}

void AttentionHeatmap::panBy(QPointF pixels)
{
    if (!data_.isValid()) {
        return;
    }
    const QRect r = plot_->axisRect()->rect();
    if (r.width() <= 0 || r.height() <= 0) {
        return;
    }
    // The map follows the mouse: dragging right brings keys from the left into view. The
    // query axis runs top to bottom, so dragging down brings earlier queries into view.
    setViewCentre(centreKey_ - pixels.x() * plot_->xAxis->range().size() / r.width(),
        centreQuery_ - pixels.y() * plot_->yAxis->range().size() / r.height());
    updateView(true);
}

void AttentionHeatmap::resetZoom()
{
    if (!data_.isValid()) {
        return;
    }
    scale01_ = 1.0;
    setViewCentre((data_.keys() - 1) / 2.0, (data_.queries() - 1) / 2.0);
    updateView(true);
}

void AttentionHeatmap::setHighlightedQuery(int query)
{
    if (query < 0 || query >= data_.queries()) {
        query = -1;
    }
    if (query == highlightedQuery_) {
        return;
    }
    highlightedQuery_ = query;
    overlayLayer_->replot();
}

void AttentionHeatmap::onMousePress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !data_.isValid()) {
        return;
    }
    pressed_ = true;
    dragging_ = false;
    pressPos_ = event->position();
    pressCentreKey_ = centreKey_;
    pressCentreQuery_ = centreQuery_;
}

void AttentionHeatmap::onMouseRelease(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !pressed_) {
        return;
    }
    const bool wasDrag = dragging_;
    pressed_ = dragging_ = false;
    plot_->unsetCursor();
    if (!wasDrag) {
        handleClick(event->position());
    }
}

void AttentionHeatmap::handleClick(QPointF pos)
{
    if (!data_.isValid()) {
        return;
    }
    const QRect r = plot_->axisRect()->rect();
    const int key = cellAt(plot_->xAxis->pixelToCoord(pos.x()), data_.keys());
    const int query = cellAt(plot_->yAxis->pixelToCoord(pos.y()), data_.queries());
    const bool keyOk = key >= 0 && key < data_.keys();
    const bool queryOk = query >= 0 && query < data_.queries();
    const bool inX = pos.x() >= r.left() && pos.x() <= r.right();
    const bool inY = pos.y() >= r.top() && pos.y() <= r.bottom();
    if (inX && inY && keyOk && queryOk) {
        setHighlightedQuery(query);
        Q_EMIT cellClicked(query, key);
        Q_EMIT tokenClicked(query);
    } else if (pos.x() < r.left() && inY && queryOk) { // a query label
        setHighlightedQuery(query);
        Q_EMIT tokenClicked(query);
    } else if (pos.y() > r.bottom() && inX && keyOk) { // a key label
        Q_EMIT tokenClicked(key);
    }
}

void AttentionHeatmap::onWheel(QWheelEvent* event)
{
    if (!data_.isValid() || !plot_->axisRect()->rect().contains(event->position().toPoint())) {
        return;
    }
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0.0) {
        zoomAt(event->position(), std::pow(1.25, steps));
    }
}

void AttentionHeatmap::onMouseMove(QMouseEvent* event)
{
    if (!data_.isValid()) {
        return;
    }
    const QPointF pos = event->position();
    if (pressed_) {
        const QPointF moved = pos - pressPos_;
        if (!dragging_ && moved.manhattanLength() > kDragDistance) {
            dragging_ = true;
            clearHover();
            plot_->setCursor(Qt::ClosedHandCursor);
        }
        if (dragging_) {
            const QRect r = plot_->axisRect()->rect();
            if (r.width() > 0 && r.height() > 0) {
                setViewCentre(
                    pressCentreKey_ - moved.x() * plot_->xAxis->range().size() / r.width(),
                    pressCentreQuery_ - moved.y() * plot_->yAxis->range().size() / r.height());
                updateView(true);
            }
            return;
        }
    }
    if (!plot_->axisRect()->rect().contains(pos.toPoint())) {
        clearHover();
        return;
    }
    const int key = cellAt(plot_->xAxis->pixelToCoord(pos.x()), data_.keys());
    const int query = cellAt(plot_->yAxis->pixelToCoord(pos.y()), data_.queries());
    if (key < 0 || query < 0 || key >= data_.keys() || query >= data_.queries()) {
        clearHover();
        return;
    }
    if (key == hoverKey_ && query == hoverQuery_) {
        return;
    }
    hoverKey_ = key;
    hoverQuery_ = query;
    overlayLayer_->replot();

    QString text = cellText(query, key);
    if (factor_ > 1) {
        const float shown = mapValue(query, key);
        if (!std::isnan(shown)) {
            text += QLatin1Char('\n')
                + (overview_ == Overview::Max ? tr("shown: the largest of these %1 × %1 cells, %2")
                                              : tr("shown: the mean of these %1 × %1 cells, %2"))
                      .arg(factor_)
                      .arg(formatWeight(shown));
        }
    }
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
    plot_->setToolTip(QString());
    QToolTip::hideText();
    overlayLayer_->replot();
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
