// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/model_view.h"

#include "scroll_canvas.h"
#include "token_text.h"

#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QCoreApplication>
#include <QCursor>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSlider>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lumen::widgets {

namespace {

constexpr int kMargin = 8;
constexpr int kCacheBytes = 16 * 1024 * 1024;
constexpr int kMinResolution = 16;
constexpr QRgb kMaskedRgb = 0xffe6e6e6; // the causal future: neutral, unlike any weight
constexpr double kZoomStep = 1.2; // per wheel notch

quint64 cacheKey(int layer, int head, int resolution)
{
    return (static_cast<quint64>(layer) << 42) | (static_cast<quint64>(head) << 21)
        | static_cast<quint64>(resolution);
}

int weightIndex(float value)
{
    if (!(value > 0.0f)) {
        return 0;
    }
    if (value >= 1.0f) {
        return ModelView::kWeightLevels;
    }
    return static_cast<int>(std::lround(value * ModelView::kWeightLevels));
}

// A frame `thickness` pixels wide just outside `inner`, in the gap between maps.
void drawCellFrame(QPainter& p, const QRect& inner, int thickness, const QColor& colour)
{
    const QRect outer = inner.adjusted(-thickness, -thickness, thickness, thickness);
    p.fillRect(QRect(outer.left(), outer.top(), outer.width(), thickness), colour);
    p.fillRect(QRect(outer.left(), inner.bottom() + 1, outer.width(), thickness), colour);
    p.fillRect(QRect(outer.left(), inner.top(), thickness, inner.height()), colour);
    p.fillRect(QRect(inner.right() + 1, inner.top(), thickness, inner.height()), colour);
}

} // namespace

// ---------------------------------------------------------------------------------------

class ModelView::Canvas : public QAbstractScrollArea {
public:
    explicit Canvas(ModelView* view)
        : QAbstractScrollArea(view)
        , view_(view)
    {
        setFrameShape(QFrame::NoFrame);
        viewport()->setMouseTracking(true);
        viewport()->setBackgroundRole(QPalette::Base);
        viewport()->setAutoFillBackground(true);
        setFocusPolicy(Qt::StrongFocus);
    }

    void updateScrollBars()
    {
        const int step = view_->geometry_.pitch() / 2;
        detail::setScrollContent(*this, view_->contentSize(), { step, step }, layingOut_);
    }

protected:
    void paintEvent(QPaintEvent* event) override;

    void resizeEvent(QResizeEvent* event) override
    {
        QAbstractScrollArea::resizeEvent(event);
        view_->relayout();
    }

    void scrollContentsBy(int, int) override { viewport()->update(); }

    void mouseMoveEvent(QMouseEvent* event) override
    {
        int layer = -1;
        int head = -1;
        int query = -1;
        int key = -1;
        if (!view_->cellAt(event->position().toPoint(), &layer, &head, &query, &key)) {
            layer = head = query = key = -1;
        }
        view_->setHover(layer, head, query, key);
    }

    void mousePressEvent(QMouseEvent* event) override
    {
        int layer = -1;
        int head = -1;
        if (event->button() == Qt::LeftButton
            && view_->cellAt(event->position().toPoint(), &layer, &head)) {
            view_->activate(layer, head);
        }
    }

    void leaveEvent(QEvent* event) override
    {
        QAbstractScrollArea::leaveEvent(event);
        view_->setHover(-1, -1, -1, -1);
    }

    void wheelEvent(QWheelEvent* event) override
    {
        if (event->modifiers() & Qt::ControlModifier) {
            const double notches = event->angleDelta().y() / 120.0;
            if (notches != 0.0) {
                view_->zoomBy(std::pow(kZoomStep, notches), event->position().toPoint());
            }
            event->accept();
            return;
        }
        QAbstractScrollArea::wheelEvent(event);
    }

    void keyPressEvent(QKeyEvent* event) override
    {
        ModelView& v = *view_;
        if (!v.hasData()) {
            QAbstractScrollArea::keyPressEvent(event);
            return;
        }
        int layer = qMax(0, v.selectedLayer_);
        int head = qMax(0, v.selectedHead_);
        switch (event->key()) {
        case Qt::Key_Left:
            head = qMax(0, head - 1);
            break;
        case Qt::Key_Right:
            head = qMin(v.set_.heads - 1, head + 1);
            break;
        case Qt::Key_Up:
            layer = qMax(0, layer - 1);
            break;
        case Qt::Key_Down:
            layer = qMin(v.set_.layers - 1, layer + 1);
            break;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            if (v.selectedLayer_ >= 0) {
                Q_EMIT v.headActivated(v.selectedLayer_, v.selectedHead_);
            }
            return;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            v.zoomBy(kZoomStep, viewport()->rect().center());
            return;
        case Qt::Key_Minus:
            v.zoomBy(1.0 / kZoomStep, viewport()->rect().center());
            return;
        default:
            QAbstractScrollArea::keyPressEvent(event);
            return;
        }
        v.setSelectedHead(layer, head);
    }

    bool viewportEvent(QEvent* event) override
    {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            int layer = -1;
            int head = -1;
            int query = -1;
            int key = -1;
            if (view_->cellAt(help->pos(), &layer, &head, &query, &key)) {
                QToolTip::showText(help->globalPos(), view_->cellToolTip(layer, head, query, key),
                    viewport(), view_->cellRect(layer, head));
            } else {
                QToolTip::hideText();
            }
            return true;
        }
        return QAbstractScrollArea::viewportEvent(event);
    }

private:
    ModelView* view_;
    bool layingOut_ = false;
};

void ModelView::Canvas::paintEvent(QPaintEvent* event)
{
    ModelView& v = *view_;
    QPainter p(viewport());
    const QRect all = viewport()->rect();
    const QPalette& pal = palette();
    p.fillRect(event->rect(), pal.color(QPalette::Base));
    if (!v.hasData()) {
        v.pending_ = 0;
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(all, Qt::AlignCenter, ModelView::tr("No attention to show"));
        return;
    }
    const Geometry& g = v.geometry_;
    const int sx = horizontalScrollBar()->value();
    const int sy = verticalScrollBar()->value();
    const int firstHead = qMax(0, sx / g.pitch());
    const int lastHead = qMin(v.set_.heads - 1, (sx + all.width() - g.labelWidth) / g.pitch());
    const int firstLayer = qMax(0, sy / g.pitch());
    const int lastLayer = qMin(v.set_.layers - 1, (sy + all.height() - g.headerHeight) / g.pitch());
    const int resolution = v.thumbnailResolution();
    const double devicePixels = g.cell * viewport()->devicePixelRatioF();
    const int n = static_cast<int>(v.real_.size());
    const int markRow =
        v.highlightedQuery_ >= 0 ? v.realOf_[static_cast<size_t>(v.highlightedQuery_)] : -1;

    // Maps, clipped to the area right of and below the labels.
    p.save();
    p.setClipRect(QRect(
        g.labelWidth, g.headerHeight, all.width() - g.labelWidth, all.height() - g.headerHeight)
                      .intersected(event->rect()));
    p.setRenderHint(QPainter::SmoothPixmapTransform, resolution > devicePixels);
    // The budget counts rendering only (drawing cached maps is cheap), and each paint renders
    // at least one map, so that a slow machine still gets there.
    qint64 renderNs = 0;
    int rendered = 0;
    int pending = 0;
    const QColor placeholder = pal.color(QPalette::Midlight);
    for (int l = firstLayer; l <= lastLayer; ++l) {
        for (int h = firstHead; h <= lastHead; ++h) {
            const QRect cell = v.cellRect(l, h);
            if (!cell.adjusted(-3, -3, 3, 3).intersects(event->rect())) {
                continue;
            }
            const QImage* image = v.cachedThumbnail(l, h, resolution);
            if (!image
                && (v.budgetMs_ <= 0 || rendered == 0
                    || renderNs < v.budgetMs_ * qint64(1000000))) {
                QElapsedTimer clock;
                clock.start();
                v.cache_.insert(cacheKey(l, h, resolution),
                    new QImage(v.renderThumbnail(l, h, resolution)),
                    resolution * resolution + 1024);
                image = v.cachedThumbnail(l, h, resolution);
                renderNs += clock.nsecsElapsed();
                ++rendered;
            }
            if (image) {
                p.drawImage(QRectF(cell), *image);
            } else {
                p.fillRect(cell, placeholder);
                ++pending;
            }
            if (markRow >= 0) {
                const double y = cell.top() + (markRow + 0.5) * cell.height() / n;
                p.setPen(QPen(QColor(0, 0, 0, 150), 3, Qt::SolidLine, Qt::FlatCap));
                p.drawLine(QPointF(cell.left(), y), QPointF(cell.right() + 1, y));
                p.setPen(QPen(QColor(255, 255, 255, 235), 1, Qt::SolidLine, Qt::FlatCap));
                p.drawLine(QPointF(cell.left(), y), QPointF(cell.right() + 1, y));
            }
            if (l == v.selectedLayer_ && h == v.selectedHead_) {
                drawCellFrame(p, cell, 2, pal.color(QPalette::Highlight));
            } else if (l == v.hoverLayer_ && h == v.hoverHead_) {
                QColor c = pal.color(QPalette::Text);
                c.setAlpha(150);
                drawCellFrame(p, cell, 1, c);
            }
        }
    }
    p.restore();
    v.pending_ = pending;
    if (pending > 0) {
        v.refresh_->start();
    }

    // Labels stay put while the maps scroll under them.
    const QColor ink = pal.color(QPalette::Text);
    const QColor quiet = pal.color(QPalette::PlaceholderText);
    QFont bold = font();
    bold.setBold(true);
    p.fillRect(QRect(0, 0, all.width(), g.headerHeight), pal.color(QPalette::Base));
    p.save();
    p.setClipRect(QRect(g.labelWidth, 0, all.width() - g.labelWidth, g.headerHeight));
    for (int h = firstHead; h <= lastHead; ++h) {
        const bool selected = h == v.selectedHead_;
        p.setFont(selected ? bold : font());
        p.setPen(selected ? ink : quiet);
        p.drawText(v.columnLabelRect(h), Qt::AlignHCenter | Qt::AlignBottom, v.columnLabel(h));
    }
    p.restore();
    p.fillRect(QRect(0, g.headerHeight, g.labelWidth, all.height()), pal.color(QPalette::Base));
    p.save();
    p.setClipRect(QRect(0, g.headerHeight, g.labelWidth, all.height() - g.headerHeight));
    for (int l = firstLayer; l <= lastLayer; ++l) {
        const bool selected = l == v.selectedLayer_;
        p.setFont(selected ? bold : font());
        p.setPen(selected ? ink : quiet);
        p.drawText(v.rowLabelRect(l), Qt::AlignRight | Qt::AlignVCenter, v.rowLabel(l));
    }
    p.restore();
    p.setFont(font());
    p.setPen(quiet);
    const QString corner =
        v.columnLabel(0) == QStringLiteral("0") ? ModelView::tr("head →") : QString();
    p.drawText(QRect(0, 0, g.labelWidth - 6, g.headerHeight - 4), Qt::AlignRight | Qt::AlignBottom,
        corner);
}

// ---------------------------------------------------------------------------------------

ModelView::ModelView(QWidget* parent)
    : QWidget(parent)
{
    cache_.setMaxCost(kCacheBytes);

    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(6, 4, 6, 4);
    auto* zoomLabel = new QLabel(tr("&Zoom"), this);
    zoomSlider_ = new QSlider(Qt::Horizontal, this);
    zoomSlider_->setObjectName(QStringLiteral("modelViewZoom"));
    zoomSlider_->setRange(kMinCellPx, kMaxCellPx);
    zoomSlider_->setFixedWidth(140);
    zoomSlider_->setToolTip(tr("Size of each map in pixels (Ctrl+wheel over the maps)"));
    zoomLabel->setBuddy(zoomSlider_);
    fitButton_ = new QToolButton(this);
    fitButton_->setObjectName(QStringLiteral("modelViewFit"));
    fitButton_->setText(tr("Fit"));
    fitButton_->setCheckable(true);
    fitButton_->setChecked(true);
    fitButton_->setToolTip(tr("Size the maps so the whole grid fits"));
    stretchBox_ = new QCheckBox(tr("&Stretch colours"), this);
    stretchBox_->setObjectName(QStringLiteral("modelViewStretch"));
    stretchBox_->setToolTip(tr("Each map's colours span 0 to its own largest weight"));
    logBox_ = new QCheckBox(tr("&Log scale"), this);
    logBox_->setObjectName(QStringLiteral("modelViewLog"));
    logBox_->setToolTip(tr("Colours follow the logarithm of the weight, from %1 up")
                            .arg(static_cast<double>(kLogFloor)));
    colorMinLabel_ = new QLabel(this);
    colorBar_ = new QLabel(this);
    colorBar_->setToolTip(tr("Attention weight"));
    colorMaxLabel_ = new QLabel(this);
    countsLabel_ = new QLabel(this);
    countsLabel_->setObjectName(QStringLiteral("modelViewCounts"));
    interactive_ = { zoomLabel, zoomSlider_, fitButton_, stretchBox_, logBox_ };
    controls->addWidget(zoomLabel);
    controls->addWidget(zoomSlider_);
    controls->addWidget(fitButton_);
    controls->addSpacing(16);
    controls->addWidget(stretchBox_);
    controls->addWidget(logBox_);
    controls->addSpacing(16);
    controls->addWidget(colorMinLabel_);
    controls->addWidget(colorBar_);
    controls->addWidget(colorMaxLabel_);
    controls->addStretch(1);
    controls->addWidget(countsLabel_);

    canvas_ = new Canvas(this);
    canvas_->setObjectName(QStringLiteral("modelViewCanvas"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(canvas_, 1);

    refresh_ = new QTimer(this);
    refresh_->setSingleShot(true);
    refresh_->setInterval(0);
    connect(refresh_, &QTimer::timeout, this, [this] { canvas_->viewport()->update(); });

    connect(zoomSlider_, &QSlider::valueChanged, this, [this](int value) {
        if (value != cellPx_) {
            setCellSize(value);
        }
    });
    connect(fitButton_, &QToolButton::toggled, this, [this](bool on) { setFitToView(on); });
    connect(stretchBox_, &QCheckBox::toggled, this, [this](bool on) { setStretchColors(on); });
    connect(logBox_, &QCheckBox::toggled, this, [this](bool on) { setLogScale(on); });

    clear();
}

ModelView::~ModelView() = default;

void ModelView::setData(const AttentionSet& set)
{
    if (!set.acceptedBy("ModelView")) {
        clear();
        return;
    }
    set_ = set;
    real_.clear();
    realOf_.assign(static_cast<size_t>(set_.seq), -1);
    for (int i = 0; i < set_.seq; ++i) {
        if (set_.isReal(i)) {
            realOf_[static_cast<size_t>(i)] = static_cast<int>(real_.size());
            real_.push_back(i);
        }
    }
    realKeys_ = real_;
    if (!set_.isSelf()) {
        realKeys_.clear();
        for (int k = 0; k < set_.keySeq; ++k) {
            if (set_.isKeyReal(k)) {
                realKeys_.push_back(k);
            }
        }
    }
    if (real_.empty() || realKeys_.empty()) {
        qWarning("ModelView: every position is padding; not drawing");
        clear();
        return;
    }
    if (selectedLayer_ >= set_.layers || selectedHead_ >= set_.heads) {
        selectedLayer_ = selectedHead_ = -1;
    }
    if (highlightedQuery_ >= set_.seq
        || (highlightedQuery_ >= 0 && realOf_[static_cast<size_t>(highlightedQuery_)] < 0)) {
        highlightedQuery_ = -1;
    }
    hoverLayer_ = hoverHead_ = hoverQuery_ = hoverKey_ = -1;
    hoverText_.clear();
    invalidateThumbnails();
    updateControls();
    // Lay out now, so that the canvas has its final size before the cells are fitted to it
    // and a grab() right after setData() (export, lumen-cli --png) is complete.
    layout()->activate();
    relayout();
}

void ModelView::clear()
{
    set_ = AttentionSet();
    real_.clear();
    realOf_.clear();
    realKeys_.clear();
    selectedLayer_ = selectedHead_ = -1;
    highlightedQuery_ = -1;
    hoverLayer_ = hoverHead_ = hoverQuery_ = hoverKey_ = -1;
    hoverText_.clear();
    pending_ = 0;
    invalidateThumbnails();
    relayout();
    updateControls();
}

void ModelView::setSelectedHead(int layer, int head)
{
    if (!hasData() || layer < 0 || head < 0 || layer >= set_.layers || head >= set_.heads) {
        layer = head = -1;
    }
    if (layer == selectedLayer_ && head == selectedHead_) {
        return;
    }
    if (selectedLayer_ >= 0) {
        canvas_->viewport()->update(cellRect(selectedLayer_, selectedHead_).adjusted(-4, -4, 4, 4));
    }
    selectedLayer_ = layer;
    selectedHead_ = head;
    if (layer >= 0) {
        const QRect cell = cellRect(layer, head);
        const Geometry& g = geometry_;
        QScrollBar* hBar = canvas_->horizontalScrollBar();
        QScrollBar* vBar = canvas_->verticalScrollBar();
        const QRect view = canvas_->viewport()->rect();
        if (cell.left() < g.labelWidth) {
            hBar->setValue(hBar->value() - (g.labelWidth - cell.left()) - g.gap);
        } else if (cell.right() > view.right()) {
            hBar->setValue(hBar->value() + cell.right() - view.right() + g.gap);
        }
        if (cell.top() < g.headerHeight) {
            vBar->setValue(vBar->value() - (g.headerHeight - cell.top()) - g.gap);
        } else if (cell.bottom() > view.bottom()) {
            vBar->setValue(vBar->value() + cell.bottom() - view.bottom() + g.gap);
        }
    }
    // The labels of the selected row and column are bold: repaint them too.
    canvas_->viewport()->update();
}

void ModelView::setHighlightedQuery(int position)
{
    if (!hasData() || position < 0 || position >= set_.seq
        || realOf_[static_cast<size_t>(position)] < 0) {
        position = -1;
    }
    if (position == highlightedQuery_) {
        return;
    }
    highlightedQuery_ = position;
    canvas_->viewport()->update();
}

void ModelView::setCellSize(int pixels)
{
    fit_ = false;
    {
        const QSignalBlocker block(fitButton_);
        fitButton_->setChecked(false);
    }
    applyCellSize(pixels, canvas_->viewport()->rect().center());
}

void ModelView::setFitToView(bool on)
{
    fit_ = on;
    {
        const QSignalBlocker block(fitButton_);
        fitButton_->setChecked(on);
    }
    relayout();
}

void ModelView::setStretchColors(bool on)
{
    if (on == stretch_) {
        return;
    }
    stretch_ = on;
    {
        const QSignalBlocker block(stretchBox_);
        stretchBox_->setChecked(on);
    }
    invalidateThumbnails();
    updateControls();
}

void ModelView::setControlsVisible(bool visible)
{
    for (QWidget* w : interactive_) {
        w->setVisible(visible);
    }
}

void ModelView::setLogScale(bool on)
{
    if (on == log_) {
        return;
    }
    log_ = on;
    {
        const QSignalBlocker block(logBox_);
        logBox_->setChecked(on);
    }
    invalidateThumbnails();
    updateControls();
}

void ModelView::setColorMap(colormaps::Sequential map)
{
    if (map == map_) {
        return;
    }
    map_ = map;
    invalidateThumbnails();
    updateControls();
}

int ModelView::resolutionFor(int cellPixels) const
{
    const int n = static_cast<int>(std::max(real_.size(), realKeys_.size()));
    if (n == 0) {
        return 0;
    }
    const double device = cellPixels * canvas_->viewport()->devicePixelRatioF();
    int resolution = kMinResolution;
    while (resolution < device) {
        resolution *= 2;
    }
    return qMin(n, resolution);
}

int ModelView::thumbnailResolution() const
{
    return resolutionFor(geometry_.cell);
}

QVector<QRgb> ModelView::colorTable() const
{
    const colormaps::Table& lut = colormaps::sequentialTable(map_);
    QVector<QRgb> table(256);
    for (int i = 0; i <= kWeightLevels; ++i) {
        table[i] = lut[static_cast<size_t>(
            std::lround(i * (colormaps::kTableSize - 1) / static_cast<double>(kWeightLevels)))];
    }
    table[kMaskedIndex] = kMaskedRgb;
    return table;
}

QImage ModelView::renderThumbnail(int layer, int head, int resolution) const
{
    // Rows (queries) and columns (keys) pooled separately: cross-attention's differ.
    const int n = static_cast<int>(real_.size());
    const int nk = static_cast<int>(realKeys_.size());
    const int rows = std::clamp(resolution, 1, n);
    const int cols = std::clamp(resolution, 1, nk);
    const size_t res = static_cast<size_t>(cols);
    constexpr float kNone = -std::numeric_limits<float>::infinity();
    std::vector<float> pooled(static_cast<size_t>(rows) * res, kNone);
    // Key k falls in pixel k * cols / nk: pixel b covers keys start[b] .. start[b + 1].
    std::vector<int> start(res + 1);
    for (size_t b = 0; b <= res; ++b) {
        start[b] = static_cast<int>((static_cast<long long>(b) * nk + cols - 1) / cols);
    }
    // Each pixel keeps the largest weight it covers: a one-token pattern stays visible. The
    // keys of a pixel are contiguous, so each is a running maximum in a register.
    const size_t stride = static_cast<size_t>(set_.keys());
    const float* slice = set_.slice(layer, head);
    const bool allReal = nk == set_.keys();
    std::vector<float> gathered;
    for (int qi = 0; qi < n; ++qi) {
        const float* row = slice + static_cast<size_t>(real_[static_cast<size_t>(qi)]) * stride;
        if (!allReal) {
            gathered.resize(static_cast<size_t>(nk));
            for (int k = 0; k < nk; ++k) {
                gathered[static_cast<size_t>(k)] = row[realKeys_[static_cast<size_t>(k)]];
            }
            row = gathered.data();
        }
        float* out =
            pooled.data() + static_cast<size_t>(static_cast<long long>(qi) * rows / n) * res;
        const int keys = set_.causal ? qi + 1 : nk; // real_ ascends: later keys are future
        for (size_t b = 0; b < res && start[b] < keys; ++b) {
            const int end = std::min(start[b + 1], keys);
            float m = out[b];
            for (int k = start[b]; k < end; ++k) {
                m = row[k] > m ? row[k] : m;
            }
            out[b] = m;
        }
    }
    float scale = 1.0f;
    if (stretch_) {
        float largest = 0.0f;
        for (const float v : pooled) {
            largest = std::max(largest, v);
        }
        scale = largest > 0.0f ? largest : 1.0f;
    }
    const float logSpan = -std::log(kLogFloor);
    auto index = [&](float value) {
        const float t = value / scale;
        if (!log_ || !(t > 0.0f)) {
            return weightIndex(t);
        }
        return weightIndex(std::log(std::max(t, kLogFloor) / kLogFloor) / logSpan);
    };
    QImage image(cols, rows, QImage::Format_Indexed8);
    image.setColorTable(colorTable());
    for (size_t y = 0; y < static_cast<size_t>(rows); ++y) {
        uchar* line = image.scanLine(static_cast<int>(y));
        const float* values = pooled.data() + y * res;
        for (size_t x = 0; x < res; ++x) {
            line[x] = values[x] == kNone ? static_cast<uchar>(kMaskedIndex)
                                         : static_cast<uchar>(index(values[x]));
        }
    }
    return image;
}

const QImage* ModelView::cachedThumbnail(int layer, int head, int resolution) const
{
    return cache_.object(cacheKey(layer, head, resolution));
}

QImage ModelView::thumbnail(int layer, int head, int resolution) const
{
    if (!hasData() || layer < 0 || head < 0 || layer >= set_.layers || head >= set_.heads) {
        return {};
    }
    if (resolution <= 0) {
        resolution = thumbnailResolution();
    }
    resolution = qMin(resolution, static_cast<int>(std::max(real_.size(), realKeys_.size())));
    if (const QImage* cached = cachedThumbnail(layer, head, resolution)) {
        return *cached;
    }
    QImage image = renderThumbnail(layer, head, resolution);
    cache_.insert(
        cacheKey(layer, head, resolution), new QImage(image), resolution * resolution + 1024);
    return image;
}

void ModelView::invalidateThumbnails()
{
    cache_.clear();
    canvas_->viewport()->update();
}

QRect ModelView::cellRect(int layer, int head) const
{
    const Geometry& g = geometry_;
    return { g.labelWidth + head * g.pitch() - canvas_->horizontalScrollBar()->value(),
        g.headerHeight + layer * g.pitch() - canvas_->verticalScrollBar()->value(), g.cell,
        g.cell };
}

QRect ModelView::rowLabelRect(int layer) const
{
    const QRect cell = cellRect(layer, 0);
    return { kMargin, cell.top(), geometry_.labelWidth - kMargin - 6, cell.height() };
}

QRect ModelView::columnLabelRect(int head) const
{
    const QRect cell = cellRect(0, head);
    return { cell.left() - geometry_.gap / 2, kMargin, cell.width() + geometry_.gap,
        geometry_.headerHeight - kMargin - 4 };
}

QString ModelView::rowLabel(int layer) const
{
    return tr("Layer %1").arg(layer);
}

QString ModelView::columnLabel(int head) const
{
    // As long as the cells allow: "Head 7", "H7", "7".
    const QFontMetrics fm(canvas_->font());
    const int last = qMax(0, set_.heads - 1);
    const int room = geometry_.cell + geometry_.gap - 2;
    if (fm.horizontalAdvance(tr("Head %1").arg(last)) <= room) {
        return tr("Head %1").arg(head);
    }
    if (fm.horizontalAdvance(tr("H%1").arg(last)) <= room) {
        return tr("H%1").arg(head);
    }
    return QString::number(head);
}

bool ModelView::cellAt(QPoint point, int* layer, int* head, int* query, int* key) const
{
    if (!hasData() || point.x() < geometry_.labelWidth || point.y() < geometry_.headerHeight) {
        return false;
    }
    const Geometry& g = geometry_;
    const int x = point.x() + canvas_->horizontalScrollBar()->value() - g.labelWidth;
    const int y = point.y() + canvas_->verticalScrollBar()->value() - g.headerHeight;
    const int h = x / g.pitch();
    const int l = y / g.pitch();
    const int inX = x % g.pitch();
    const int inY = y % g.pitch();
    if (h >= set_.heads || l >= set_.layers || inX >= g.cell || inY >= g.cell) {
        return false;
    }
    *layer = l;
    *head = h;
    const int n = static_cast<int>(real_.size());
    const int nk = static_cast<int>(realKeys_.size());
    if (query) {
        *query = real_[static_cast<size_t>(qMin(n - 1, inY * n / g.cell))];
    }
    if (key) {
        *key = realKeys_[static_cast<size_t>(qMin(nk - 1, inX * nk / g.cell))];
    }
    return true;
}

QString ModelView::cellToolTip(int layer, int head, int query, int key) const
{
    if (!hasData() || layer < 0 || head < 0 || layer >= set_.layers || head >= set_.heads) {
        return {};
    }
    QStringList lines { tr("Layer %1 · Head %2").arg(layer).arg(head) };
    const bool queryOk = query >= 0 && query < set_.seq && realOf_[static_cast<size_t>(query)] >= 0;
    const bool keyOk = key >= 0 && key < set_.keys() && set_.isKeyReal(key);
    if (queryOk && keyOk) {
        const QString pair = tr("query %1 (%2) → key %3 (%4)")
                                 .arg(detail::quotedToken(set_.tokens[query]))
                                 .arg(query)
                                 .arg(detail::quotedToken(set_.keyToken(key)))
                                 .arg(key);
        if (set_.causal && key > query) {
            lines << tr("%1: not seen (causal)").arg(pair);
        } else {
            lines << tr("%1: %2").arg(pair).arg(
                static_cast<double>(set_.at(layer, head, query, key)), 0, 'f', 4);
        }
    }
    if (queryOk) {
        int best = -1;
        float bestWeight = -1.0f;
        for (const int k : realKeys_) {
            if (set_.causal && k > query) {
                break;
            }
            const float w = set_.at(layer, head, query, k);
            if (w > bestWeight) {
                bestWeight = w;
                best = k;
            }
        }
        if (best >= 0) {
            lines << tr("top key for %1: %2 (%3): %4")
                         .arg(detail::quotedToken(set_.tokens[query]))
                         .arg(detail::quotedToken(set_.keyToken(best)))
                         .arg(best)
                         .arg(static_cast<double>(bestWeight), 0, 'f', 4);
        }
    }
    return lines.join(QLatin1Char('\n'));
}

void ModelView::setHover(int layer, int head, int query, int key)
{
    if (layer == hoverLayer_ && head == hoverHead_ && query == hoverQuery_ && key == hoverKey_) {
        return;
    }
    if (layer != hoverLayer_ || head != hoverHead_) {
        // Only the two outlines change: repaint those cells, not the grid.
        if (hoverLayer_ >= 0) {
            canvas_->viewport()->update(cellRect(hoverLayer_, hoverHead_).adjusted(-4, -4, 4, 4));
        }
        if (layer >= 0) {
            canvas_->viewport()->update(cellRect(layer, head).adjusted(-4, -4, 4, 4));
        }
    }
    hoverLayer_ = layer;
    hoverHead_ = head;
    hoverQuery_ = query;
    hoverKey_ = key;
    hoverText_ = layer >= 0 ? cellToolTip(layer, head, query, key) : QString();
    if (QToolTip::isVisible()) {
        if (layer >= 0) {
            QToolTip::showText(
                QCursor::pos(), hoverText_, canvas_->viewport(), cellRect(layer, head));
        } else {
            QToolTip::hideText();
        }
    }
    Q_EMIT headHovered(layer, head, query, key);
}

void ModelView::activate(int layer, int head)
{
    setSelectedHead(layer, head);
    Q_EMIT headActivated(layer, head);
}

void ModelView::zoomBy(double factor, QPoint anchor)
{
    fit_ = false;
    {
        const QSignalBlocker block(fitButton_);
        fitButton_->setChecked(false);
    }
    const int next = static_cast<int>(std::lround(geometry_.cell * factor));
    // Always move at least a pixel, so slow wheels still zoom.
    const int step = next == geometry_.cell ? (factor > 1.0 ? 1 : -1) : 0;
    applyCellSize(next + step, anchor);
}

void ModelView::applyCellSize(int pixels, QPoint anchor)
{
    pixels = std::clamp(pixels, kMinCellPx, kMaxCellPx);
    // Keep the point under `anchor` where it is.
    const Geometry before = geometry_;
    const double u = (anchor.x() + canvas_->horizontalScrollBar()->value() - before.labelWidth)
        / static_cast<double>(before.pitch());
    const double w = (anchor.y() + canvas_->verticalScrollBar()->value() - before.headerHeight)
        / static_cast<double>(before.pitch());
    cellPx_ = pixels;
    relayout();
    const Geometry& after = geometry_;
    canvas_->horizontalScrollBar()->setValue(
        static_cast<int>(std::lround(u * after.pitch() + after.labelWidth - anchor.x())));
    canvas_->verticalScrollBar()->setValue(
        static_cast<int>(std::lround(w * after.pitch() + after.headerHeight - anchor.y())));
}

void ModelView::relayout()
{
    const QFontMetrics fm(canvas_->font());
    Geometry g;
    g.labelWidth = kMargin + fm.horizontalAdvance(rowLabel(qMax(0, set_.layers - 1))) + 10;
    g.headerHeight = kMargin + fm.height() + 6;
    int cell = cellPx_;
    if (fit_ && hasData()) {
        const QSize view = canvas_->viewport()->size();
        const int pitchX = (view.width() - g.labelWidth - kMargin) / set_.heads;
        const int pitchY = (view.height() - g.headerHeight - kMargin) / set_.layers;
        const int pitch = qMin(pitchX, pitchY);
        cell = pitch - qMax(3, pitch / 11);
    }
    g.cell = std::clamp(cell, kMinCellPx, kMaxCellPx);
    g.gap = qMax(3, g.cell / 10);
    const bool changed = g.cell != geometry_.cell;
    geometry_ = g;
    cellPx_ = g.cell;
    canvas_->updateScrollBars();
    {
        const QSignalBlocker block(zoomSlider_);
        zoomSlider_->setValue(cellPx_);
    }
    canvas_->viewport()->update();
    if (changed) {
        Q_EMIT cellSizeChanged(cellPx_);
    }
}

void ModelView::updateControls()
{
    const colormaps::Table& lut = colormaps::sequentialTable(map_);
    QImage bar(static_cast<int>(lut.size()), 1, QImage::Format_RGB32);
    for (int i = 0; i < bar.width(); ++i) {
        bar.setPixel(i, 0, lut[static_cast<size_t>(i)]);
    }
    const int barHeight = QFontMetrics(font()).height() - 4;
    colorBar_->setPixmap(QPixmap::fromImage(bar.scaled(96, qMax(6, barHeight))));
    colorMinLabel_->setText(log_ ? QStringLiteral("10⁻⁴") : QStringLiteral("0"));
    colorMaxLabel_->setText(stretch_ ? tr("max of each map") : QStringLiteral("1"));
    if (!hasData()) {
        countsLabel_->clear();
    } else if (set_.isSelf()) {
        countsLabel_->setText(tr("%1 layers · %2 heads · %3 tokens")
                                  .arg(set_.layers)
                                  .arg(set_.heads)
                                  .arg(real_.size()));
    } else {
        countsLabel_->setText(tr("%1 · %2 layers · %3 heads · %4 queries × %5 keys")
                                  .arg(set_.name.isEmpty() ? tr("Cross-attention") : set_.name)
                                  .arg(set_.layers)
                                  .arg(set_.heads)
                                  .arg(real_.size())
                                  .arg(realKeys_.size()));
    }
    zoomSlider_->setEnabled(hasData());
    fitButton_->setEnabled(hasData());
    stretchBox_->setEnabled(hasData());
    logBox_->setEnabled(hasData());
}

QSize ModelView::contentSize() const
{
    if (!hasData()) {
        return {};
    }
    const Geometry& g = geometry_;
    return { g.labelWidth + set_.heads * g.pitch() - g.gap + kMargin,
        g.headerHeight + set_.layers * g.pitch() - g.gap + kMargin };
}

QWidget* ModelView::canvas() const
{
    return canvas_->viewport();
}

QSize ModelView::sizeHint() const
{
    return { 800, 640 };
}

} // namespace lumen::widgets
