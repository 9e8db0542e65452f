// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/head_view.h"

#include "lumen/widgets/color_maps.h"
#include "scroll_canvas.h"
#include "token_text.h"

#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QCoreApplication>
#include <QCursor>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lumen::widgets {

namespace {

// Lines are drawn in runs of one head and one of kLevels opacity steps, so a paint makes at
// most heads x kLevels pen changes however many lines there are.
constexpr int kLevels = HeadView::kOpacityLevels;
constexpr int kMinTokenPx = 56;
constexpr int kMaxTokenPx = 168;
constexpr int kMinLinePx = 160;
constexpr int kMaxLinePx = 420;
constexpr int kMargin = 8;
constexpr int kMaxTooltipHeads = 16;
// Lines into the visible keys from queries out of view, at most (the strongest).
constexpr size_t kMaxIncomingLines = 2000;
// Slider steps of 0.005 up to 0.5.
constexpr float kSliderStep = 0.005f;
constexpr int kSliderMax = 100;
constexpr float kMinThreshold = 0.001f;

// Opacity grows a little faster than the weight, so that 0.1 is still seen next to 0.9.
int alphaOf(int level)
{
    const double w = static_cast<double>(level) / kLevels;
    return std::clamp(static_cast<int>(std::lround(255.0 * std::pow(w, 0.85))), 6, 255);
}

// Strong lines are drawn thicker, as two or three 1-pixel strokes side by side: Qt's raster
// engine has a fast path for antialiased 1-pixel lines only, and a wider pen is about 100x
// slower (0.5 ms for one long diagonal line), too slow for thousands of lines per paint.
int strokesOf(int level)
{
    return level * 3 <= kLevels ? 1 : (level * 3 <= 2 * kLevels ? 2 : 3);
}

QColor readableOn(const QColor& background)
{
    // Relative luminance in sRGB, roughly: dark text on light chips.
    const double y =
        0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF();
    return y > 0.5 ? QColor(0x20, 0x20, 0x20) : QColor(Qt::white);
}

} // namespace

// ---------------------------------------------------------------------------------------
// The scrolling canvas: paints the visible rows, tracks the mouse.

class HeadView::Canvas : public QAbstractScrollArea {
public:
    explicit Canvas(HeadView* view)
        : QAbstractScrollArea(view)
        , view_(view)
    {
        setFrameShape(QFrame::NoFrame);
        setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
        setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
        viewport()->setMouseTracking(true);
        viewport()->setBackgroundRole(QPalette::Base);
        viewport()->setAutoFillBackground(true);
    }

    void updateScrollBars()
    {
        const Geometry& g = view_->geometry_;
        const int rows = view_->rowCount();
        const int contentHeight = g.headerHeight + rows * g.rowHeight + kMargin;
        const int contentWidth = g.contentWidth() + 2 * kMargin;
        detail::setScrollContent(*this, { contentWidth, contentHeight },
            { g.rowHeight, g.rowHeight }, layingOut_);
    }

protected:
    void paintEvent(QPaintEvent* event) override;

    void resizeEvent(QResizeEvent* event) override
    {
        QAbstractScrollArea::resizeEvent(event);
        view_->relayout();
    }

    void scrollContentsBy(int, int) override
    {
        viewport()->update();
        // What lies under a resting mouse has changed.
        if (view_->hoverPosition_ >= 0) {
            const QPoint local = viewport()->mapFromGlobal(QCursor::pos());
            Side side = Side::Query;
            const int position =
                viewport()->rect().contains(local) ? view_->tokenAt(local, &side) : -1;
            view_->setHover(side, position);
        }
    }

    void mouseMoveEvent(QMouseEvent* event) override
    {
        Side side = Side::Query;
        const int position = view_->tokenAt(event->position().toPoint(), &side);
        view_->setHover(side, position);
    }

    void mousePressEvent(QMouseEvent* event) override
    {
        if (event->button() != Qt::LeftButton) {
            return;
        }
        Side side = Side::Query;
        const int position = view_->tokenAt(event->position().toPoint(), &side);
        if (position >= 0) {
            view_->clickToken(side, position);
        } else if (view_->highlightPosition_ >= 0) {
            view_->highlightPosition_ = -1; // a click beside the tokens lets go
            viewport()->update();
        }
    }

    void leaveEvent(QEvent* event) override
    {
        QAbstractScrollArea::leaveEvent(event);
        view_->setHover(Side::Query, -1);
    }

    bool viewportEvent(QEvent* event) override
    {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            Side side = Side::Query;
            const int position = view_->tokenAt(help->pos(), &side);
            if (position >= 0) {
                QToolTip::showText(help->globalPos(), view_->tokenToolTip(side, position),
                    viewport(), view_->tokenRect(side, position));
            } else {
                QToolTip::hideText();
            }
            return true;
        }
        if (event->type() == QEvent::Leave) {
            view_->setHover(Side::Query, -1);
        }
        return QAbstractScrollArea::viewportEvent(event);
    }

private:
    HeadView* view_;
    bool layingOut_ = false;
};

void HeadView::Canvas::paintEvent(QPaintEvent*)
{
    HeadView& v = *view_;
    QPainter p(viewport());
    const QRect all = viewport()->rect();
    const QPalette& pal = palette();
    p.fillRect(all, pal.color(QPalette::Base));
    v.painted_.clear();
    if (!v.hasData()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(all, Qt::AlignCenter, HeadView::tr("No attention to show"));
        return;
    }
    const Geometry& g = v.geometry_;
    const int rows = v.rowCount();
    const int sy = verticalScrollBar()->value();
    const int firstRow = std::clamp(sy / g.rowHeight, 0, rows - 1);
    const int lastRow =
        std::clamp((sy + all.height() - g.headerHeight) / g.rowHeight, firstRow, rows - 1);

    // The token whose lines are shown alone: the hovered one, else the selected one.
    Side focusSide = v.hoverSide_;
    int focus = v.hoverPosition_;
    if (focus < 0) {
        focusSide = v.highlightSide_;
        focus = v.highlightPosition_;
    }
    v.painted_ = focus >= 0 ? v.linesOf(focusSide, focus) : v.linesToPaint(firstRow, lastRow);

    // Lines, faint first, one batch per head and opacity level.
    std::vector<const Line*> order;
    order.reserve(v.painted_.size());
    for (const Line& line : v.painted_) {
        order.push_back(&line);
    }
    std::sort(order.begin(), order.end(), [&v](const Line* a, const Line* b) {
        const int la = v.opacityLevel(a->weight);
        const int lb = v.opacityLevel(b->weight);
        return la != lb ? la < lb : a->head < b->head;
    });
    p.save();
    p.setClipRect(QRect(0, g.headerHeight, all.width(), all.height() - g.headerHeight));
    p.setRenderHint(QPainter::Antialiasing, true);
    const int sx = horizontalScrollBar()->value();
    const double fromX = g.queryLeft() - sx + g.tokenWidth + 2;
    const double toX = g.keyLeft() - sx - 2;
    const double half = g.rowHeight / 2.0;
    // A line to a row far out of view is cut to the visible band first: the painter's clip
    // would still walk it pixel by pixel (a 2048-token text is 40 000 px tall).
    const double bandTop = g.headerHeight - 2.0;
    const double bandBottom = all.height() + 2.0;
    const auto drawClipped = [&](QLineF line) {
        const double y0 = line.y1();
        const double dy = line.y2() - y0;
        double t0 = 0.0;
        double t1 = 1.0;
        if (dy != 0.0) {
            const double a = (bandTop - y0) / dy;
            const double b = (bandBottom - y0) / dy;
            t0 = std::max(t0, std::min(a, b));
            t1 = std::min(t1, std::max(a, b));
        } else if (y0 < bandTop || y0 > bandBottom) {
            return;
        }
        if (t0 > t1) {
            return;
        }
        p.drawLine(QLineF(line.pointAt(t0), line.pointAt(t1)));
    };
    for (size_t i = 0; i < order.size();) {
        const int level = v.opacityLevel(order[i]->weight);
        const int head = order[i]->head;
        QColor c = colormaps::categorical(head);
        c.setAlpha(alphaOf(level));
        p.setPen(QPen(c, v.lineWidth_, Qt::SolidLine, Qt::FlatCap));
        const int strokes = strokesOf(level);
        for (; i < order.size() && v.opacityLevel(order[i]->weight) == level
             && order[i]->head == head;
             ++i) {
            const double y0 = v.rowY(v.queries_.rowAt(order[i]->query)) + half;
            const double y1 = v.rowY(v.keys_.rowAt(order[i]->key)) + half;
            if (strokes == 1) {
                drawClipped(QLineF(fromX, y0, toX, y1));
                continue;
            }
            // Side by side along the line's normal, 0.9 px apart.
            const double dx = toX - fromX;
            const double dy = y1 - y0;
            const double length = std::hypot(dx, dy);
            const double nx = -dy / length * 0.9 * v.lineWidth_;
            const double ny = dx / length * 0.9 * v.lineWidth_;
            for (int s = 0; s < strokes; ++s) {
                const double f = s - (strokes - 1) / 2.0;
                drawClipped(QLineF(fromX + f * nx, y0 + f * ny, toX + f * nx, y1 + f * ny));
            }
        }
    }
    p.restore();

    // With a focus, the tokens on the other side are tinted by the strongest line to them
    // (in that head's colour).
    std::vector<float> tintWeight;
    std::vector<int> tintHead;
    if (focus >= 0) {
        const int others = focusSide == Side::Query ? v.set_.keys() : v.set_.seq;
        tintWeight.assign(static_cast<size_t>(others), 0.0f);
        tintHead.assign(static_cast<size_t>(others), -1);
        for (const Line& line : v.painted_) {
            const size_t other =
                static_cast<size_t>(focusSide == Side::Query ? line.key : line.query);
            if (line.weight > tintWeight[other]) {
                tintWeight[other] = line.weight;
                tintHead[other] = line.head;
            }
        }
    }

    // Token labels of the visible rows.
    const QFontMetrics fm(font());
    QFont plain = font();
    QFont italic = font();
    italic.setItalic(true);
    QFont bold = font();
    bold.setBold(true);
    const QColor text = pal.color(QPalette::Text);
    QColor dimmed = text;
    dimmed.setAlpha(110);
    const QColor specialText = pal.color(QPalette::PlaceholderText);
    QColor specialFill = pal.color(QPalette::Text);
    specialFill.setAlpha(22);
    p.setRenderHint(QPainter::Antialiasing, true);
    for (int r = firstRow; r <= lastRow; ++r) {
        for (const Side side : { Side::Query, Side::Key }) {
            const Column& column = v.column(side);
            if (r >= column.rowCount()) {
                continue; // cross-attention: the shorter column has ended
            }
            const int position = column.rows[static_cast<size_t>(r)];
            const bool query = side == Side::Query;
            const bool special = query ? v.set_.isSpecial(position) : v.set_.isKeySpecial(position);
            const QString shown = detail::displayToken(
                query ? v.set_.tokens[position] : v.set_.keyToken(position));
            const QRect cell = v.tokenRect(side, position).adjusted(2, 1, -2, -1);
            const bool isFocus = focus == position && focusSide == side;
            const bool tinted =
                focus >= 0 && side != focusSide && tintHead[static_cast<size_t>(position)] >= 0;
            QColor ink = special ? specialText : text;
            p.setFont(special ? italic : plain);
            if (special) {
                p.setPen(Qt::NoPen);
                p.setBrush(specialFill);
                p.drawRoundedRect(cell, 3, 3);
            }
            if (isFocus) {
                p.setPen(Qt::NoPen);
                p.setBrush(pal.color(QPalette::Highlight));
                p.drawRoundedRect(cell, 3, 3);
                ink = pal.color(QPalette::HighlightedText);
                p.setFont(bold);
            } else if (tinted) {
                QColor fill = colormaps::categorical(tintHead[static_cast<size_t>(position)]);
                const float w = tintWeight[static_cast<size_t>(position)];
                fill.setAlpha(
                    std::clamp(static_cast<int>(std::lround(230.0 * std::pow(w, 0.7))), 12, 230));
                p.setPen(Qt::NoPen);
                p.setBrush(fill);
                p.drawRoundedRect(cell, 3, 3);
                ink = w > 0.5f ? readableOn(fill) : text;
            } else if (focus >= 0 && side != focusSide) {
                ink = dimmed;
            }
            p.setPen(ink);
            const QRect inner = cell.adjusted(5, 0, -5, 0);
            const QString elided =
                QFontMetrics(p.font()).elidedText(shown, Qt::ElideRight, inner.width());
            p.drawText(inner,
                Qt::AlignVCenter | (side == Side::Query ? Qt::AlignRight : Qt::AlignLeft), elided);
        }
    }

    // Text A / text B of a pair.
    p.setFont(plain);
    const int segment = v.set_.segmentStart;
    if (v.set_.isSelf() && segment > 0 && v.queries_.rowAt(segment) > 0) {
        const int segRow = v.queries_.rowAt(segment);
        const int y = v.rowY(segRow);
        QPen dash(pal.color(QPalette::Mid), 1, Qt::DashLine);
        p.setPen(dash);
        p.drawLine(g.left - sx, y, g.left - sx + g.contentWidth(), y);
        p.setPen(specialText);
        const QRect gutterB(g.left - sx, y, g.gutterWidth, g.rowHeight);
        p.drawText(gutterB, Qt::AlignCenter, HeadView::tr("B"));
        const QRect gutterA(g.left - sx, v.rowY(0), g.gutterWidth, g.rowHeight);
        p.drawText(gutterA, Qt::AlignCenter, HeadView::tr("A"));
    }

    // The column titles stay on top while the rows scroll under them.
    const QRect header(0, 0, all.width(), g.headerHeight);
    p.fillRect(header, pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(header.bottomLeft(), header.bottomRight());
    QFont title = font();
    title.setBold(true);
    p.setFont(title);
    p.setPen(specialText);
    const bool cross = !v.set_.isSelf();
    p.drawText(QRect(g.queryLeft() - sx - 40, 0, g.tokenWidth + 33, g.headerHeight),
        Qt::AlignRight | Qt::AlignVCenter,
        cross ? HeadView::tr("decoder query") : HeadView::tr("query"));
    p.drawText(QRect(g.keyLeft() - sx + 7, 0, g.tokenWidth + 40, g.headerHeight),
        Qt::AlignLeft | Qt::AlignVCenter, cross ? HeadView::tr("encoder key") : HeadView::tr("key"));
    p.setFont(italic);
    const QString note = v.set_.causal
        ? HeadView::tr("causal: each token sees itself and earlier ones")
        : (v.set_.name.isEmpty() ? HeadView::tr("layer %1").arg(v.layer_)
                                 : HeadView::tr("%1 · layer %2").arg(v.set_.name).arg(v.layer_));
    p.drawText(QRect(g.queryLeft() - sx + g.tokenWidth, 0, g.lineWidth, g.headerHeight),
        Qt::AlignCenter, QFontMetrics(italic).elidedText(note, Qt::ElideRight, g.lineWidth - 8));
}

// ---------------------------------------------------------------------------------------
// The head chips.

class HeadView::Legend : public QWidget {
public:
    explicit Legend(HeadView* view)
        : QWidget(view)
        , view_(view)
    {
        QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        policy.setHeightForWidth(true);
        setSizePolicy(policy);
        setMouseTracking(true);
    }

    QSize chipSize() const
    {
        const QFontMetrics fm(font());
        return { fm.horizontalAdvance(QStringLiteral("00")) + 16, fm.height() + 6 };
    }
    static constexpr int kSpacing = 4;

    int perRow(int width) const
    {
        return qMax(1, (width + kSpacing) / (chipSize().width() + kSpacing));
    }
    QRect chipRect(int head, int width) const
    {
        const QSize chip = chipSize();
        const int n = perRow(width);
        return { (head % n) * (chip.width() + kSpacing), (head / n) * (chip.height() + kSpacing),
            chip.width(), chip.height() };
    }
    int headAt(QPoint point) const
    {
        for (int h = 0; h < view_->set_.heads; ++h) {
            if (chipRect(h, width()).contains(point)) {
                return h;
            }
        }
        return -1;
    }

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override
    {
        const int heads = qMax(1, view_->set_.heads);
        const int rows = (heads + perRow(width) - 1) / perRow(width);
        return rows * (chipSize().height() + kSpacing) - kSpacing;
    }
    QSize sizeHint() const override
    {
        const int shown = qBound(1, view_->set_.heads, 16);
        const int w = shown * (chipSize().width() + kSpacing) - kSpacing;
        return { w, heightForWidth(w) };
    }
    QSize minimumSizeHint() const override { return chipSize(); }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing, true);
        const QPalette& pal = palette();
        for (int h = 0; h < view_->set_.heads; ++h) {
            const QRectF r = QRectF(chipRect(h, width())).adjusted(0.5, 0.5, -0.5, -0.5);
            const QColor c = colormaps::categorical(h);
            if (view_->isHeadEnabled(h)) {
                p.setPen(QPen(c.darker(115), 1));
                p.setBrush(c);
                p.drawRoundedRect(r, 4, 4);
                p.setPen(readableOn(c));
            } else {
                p.setPen(QPen(c, 1.5));
                p.setBrush(pal.color(QPalette::Base));
                p.drawRoundedRect(r, 4, 4);
                p.setPen(pal.color(QPalette::PlaceholderText));
            }
            p.drawText(r, Qt::AlignCenter, QString::number(h));
        }
    }

    void mousePressEvent(QMouseEvent* event) override
    {
        const int h = headAt(event->position().toPoint());
        if (event->button() == Qt::LeftButton && h >= 0) {
            view_->setHeadEnabled(h, !view_->isHeadEnabled(h));
        }
    }

    void mouseDoubleClickEvent(QMouseEvent* event) override
    {
        const int h = headAt(event->position().toPoint());
        if (event->button() == Qt::LeftButton && h >= 0) {
            // The first click of the double-click toggled it: undo that, then solo.
            view_->setHeadEnabled(h, !view_->isHeadEnabled(h));
            view_->soloHead(h);
        }
    }

    bool event(QEvent* event) override
    {
        if (event->type() == QEvent::ToolTip) {
            auto* help = static_cast<QHelpEvent*>(event);
            const int h = headAt(help->pos());
            if (h >= 0) {
                QToolTip::showText(help->globalPos(),
                    HeadView::tr("Head %1: click to %2, double-click to show it alone")
                        .arg(h)
                        .arg(view_->isHeadEnabled(h) ? HeadView::tr("hide") : HeadView::tr("show")),
                    this, chipRect(h, width()));
            } else {
                QToolTip::hideText();
            }
            return true;
        }
        return QWidget::event(event);
    }

private:
    HeadView* view_;
};

// ---------------------------------------------------------------------------------------

HeadView::HeadView(QWidget* parent)
    : QWidget(parent)
{
    controls_ = new QWidget(this);
    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    auto* layerLabel = new QLabel(tr("&Layer"), controls_);
    layerBox_ = new QSpinBox(controls_);
    layerBox_->setObjectName(QStringLiteral("headViewLayer"));
    layerBox_->setToolTip(tr("Layer, counted from 0"));
    layerLabel->setBuddy(layerBox_);
    auto* thresholdText = new QLabel(tr("&Hide weights below"), controls_);
    thresholdSlider_ = new QSlider(Qt::Horizontal, controls_);
    thresholdSlider_->setObjectName(QStringLiteral("headViewThreshold"));
    thresholdSlider_->setRange(1, kSliderMax);
    thresholdSlider_->setFixedWidth(120);
    thresholdSlider_->setToolTip(tr("Lines for weights below this are not drawn"));
    thresholdText->setBuddy(thresholdSlider_);
    thresholdLabel_ = new QLabel(controls_);
    thresholdLabel_->setMinimumWidth(
        QFontMetrics(font()).horizontalAdvance(QStringLiteral("0.000")) + 4);
    logBox_ = new QCheckBox(tr("Lo&g scale"), controls_);
    logBox_->setObjectName(QStringLiteral("headViewLog"));
    logBox_->setToolTip(tr("Line opacity follows the logarithm of the weight, from the "
                           "threshold up"));
    countsLabel_ = new QLabel(controls_);
    countsLabel_->setObjectName(QStringLiteral("headViewCounts"));
    interactive_ = { layerLabel, layerBox_, thresholdText, thresholdSlider_, thresholdLabel_,
        logBox_ };
    top->addWidget(layerLabel);
    top->addWidget(layerBox_);
    top->addSpacing(16);
    top->addWidget(thresholdText);
    top->addWidget(thresholdSlider_);
    top->addWidget(thresholdLabel_);
    top->addWidget(logBox_);
    top->addStretch(1);
    top->addWidget(countsLabel_);

    auto* headsRow = new QHBoxLayout;
    headsRow->setContentsMargins(0, 0, 0, 0);
    auto* headsLabel = new QLabel(tr("Heads"), controls_);
    legend_ = new Legend(this);
    legend_->setObjectName(QStringLiteral("headViewLegend"));
    allButton_ = new QToolButton(controls_);
    allButton_->setText(tr("All"));
    allButton_->setToolTip(tr("Show every head"));
    noneButton_ = new QToolButton(controls_);
    noneButton_->setText(tr("None"));
    noneButton_->setToolTip(tr("Hide every head"));
    headsLabel->setFixedHeight(legend_->chipSize().height());
    headsRow->addWidget(headsLabel, 0, Qt::AlignTop);
    headsRow->addWidget(legend_, 1);
    headsRow->addWidget(allButton_, 0, Qt::AlignTop);
    headsRow->addWidget(noneButton_, 0, Qt::AlignTop);

    auto* controls = new QVBoxLayout(controls_);
    controls->setContentsMargins(6, 4, 6, 4);
    controls->addLayout(top);
    controls->addLayout(headsRow);

    canvas_ = new Canvas(this);
    canvas_->setObjectName(QStringLiteral("headViewCanvas"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(controls_);
    layout->addWidget(canvas_, 1);

    connect(layerBox_, qOverload<int>(&QSpinBox::valueChanged), this,
        [this](int value) { setLayer(value); });
    connect(thresholdSlider_, &QSlider::valueChanged, this,
        [this](int value) { setThreshold(static_cast<float>(value) * kSliderStep); });
    connect(logBox_, &QCheckBox::toggled, this, [this](bool on) { setLogScale(on); });
    connect(allButton_, &QToolButton::clicked, this, [this] { setAllHeadsEnabled(true); });
    connect(noneButton_, &QToolButton::clicked, this, [this] { setAllHeadsEnabled(false); });

    {
        const QSignalBlocker block(thresholdSlider_);
        thresholdSlider_->setValue(static_cast<int>(std::lround(threshold_ / kSliderStep)));
    }
    clear();
}

HeadView::~HeadView() = default;

void HeadView::setData(const AttentionSet& set)
{
    if (!set.acceptedBy("HeadView")) {
        clear();
        return;
    }
    set_ = set;
    layer_ = qBound(0, layer_, set_.layers - 1);
    headEnabled_.resize(static_cast<size_t>(set_.heads), 1);
    hoverPosition_ = -1;
    rebuildRows();
    if (highlightPosition_ >= 0 && column(highlightSide_).rowAt(highlightPosition_) < 0) {
        highlightPosition_ = -1;
    }
    rebuildLines();
    relayout();
    updateControls();
    // Lay out now: a grab() right after setData() (export, lumen-cli --png) sees the labels
    // at their new sizes.
    controls_->layout()->activate();
    layout()->activate();
    canvas_->viewport()->update();
}

void HeadView::clear()
{
    set_ = AttentionSet();
    queries_ = Column();
    keys_ = Column();
    lines_.clear();
    byQuery_.clear();
    keyStart_.clear();
    byKey_.clear();
    painted_.clear();
    hoverPosition_ = -1;
    highlightPosition_ = -1;
    relayout();
    updateControls();
    canvas_->viewport()->update();
}

void HeadView::setLayer(int layer)
{
    if (!hasData()) {
        layer_ = qMax(0, layer); // applied, clamped, by the next setData()
        return;
    }
    layer = qBound(0, layer, set_.layers - 1);
    if (layer == layer_) {
        return;
    }
    layer_ = layer;
    {
        const QSignalBlocker block(layerBox_);
        layerBox_->setValue(layer_);
    }
    rebuildLines();
    updateControls();
    canvas_->viewport()->update();
    Q_EMIT layerChanged(layer_);
}

bool HeadView::isHeadEnabled(int head) const
{
    return head >= 0 && head < static_cast<int>(headEnabled_.size())
        && headEnabled_[static_cast<size_t>(head)] != 0;
}

void HeadView::setHeadEnabled(int head, bool enabled)
{
    if (head < 0 || head >= static_cast<int>(headEnabled_.size())
        || isHeadEnabled(head) == enabled) {
        return;
    }
    headEnabled_[static_cast<size_t>(head)] = enabled ? 1 : 0;
    legend_->update();
    canvas_->viewport()->update();
    Q_EMIT headsChanged();
}

void HeadView::setAllHeadsEnabled(bool enabled)
{
    if (std::all_of(headEnabled_.begin(), headEnabled_.end(),
            [enabled](uint8_t on) { return (on != 0) == enabled; })) {
        return;
    }
    std::fill(headEnabled_.begin(), headEnabled_.end(), enabled ? 1 : 0);
    legend_->update();
    canvas_->viewport()->update();
    Q_EMIT headsChanged();
}

void HeadView::soloHead(int head)
{
    if (head < 0 || head >= static_cast<int>(headEnabled_.size())) {
        return;
    }
    const bool alreadyAlone =
        std::count(headEnabled_.begin(), headEnabled_.end(), 1) == 1 && isHeadEnabled(head);
    if (alreadyAlone) {
        setAllHeadsEnabled(true);
        return;
    }
    std::fill(headEnabled_.begin(), headEnabled_.end(), 0);
    headEnabled_[static_cast<size_t>(head)] = 1;
    legend_->update();
    canvas_->viewport()->update();
    Q_EMIT headsChanged();
}

void HeadView::setControlsVisible(bool visible)
{
    for (QWidget* w : interactive_ + QList<QWidget*> { allButton_, noneButton_ }) {
        w->setVisible(visible);
    }
}

void HeadView::setLineWidth(double width)
{
    lineWidth_ = std::clamp(width, 0.5, 8.0);
    canvas_->viewport()->update();
}

void HeadView::setLogScale(bool on)
{
    if (on == log_) {
        return;
    }
    log_ = on;
    {
        const QSignalBlocker block(logBox_);
        logBox_->setChecked(on);
    }
    canvas_->viewport()->update();
}

int HeadView::opacityLevel(float weight) const
{
    if (!log_ || threshold_ >= 1.0f) {
        return std::clamp(static_cast<int>(std::lround(weight * kLevels)), 1, kLevels);
    }
    const double t =
        std::log(std::max(static_cast<double>(weight), double(threshold_)) / threshold_)
        / std::log(1.0 / threshold_);
    return std::clamp(1 + static_cast<int>(std::lround(t * (kLevels - 1))), 1, kLevels);
}

void HeadView::setThreshold(float threshold)
{
    threshold = std::clamp(threshold, kMinThreshold, 1.0f);
    if (threshold == threshold_) {
        return;
    }
    threshold_ = threshold;
    {
        const QSignalBlocker block(thresholdSlider_);
        thresholdSlider_->setValue(
            std::clamp(static_cast<int>(std::lround(threshold_ / kSliderStep)), 1, kSliderMax));
    }
    rebuildLines();
    updateControls();
    canvas_->viewport()->update();
}

void HeadView::setHighlightedToken(int position)
{
    if (position < 0 || !hasData() || position >= set_.seq || !set_.isReal(position)) {
        position = -1;
    }
    if (position == highlightPosition_) {
        return; // keeps the side a click chose when the app echoes the selection back
    }
    highlightSide_ = Side::Query;
    highlightPosition_ = position;
    if (position >= 0) {
        ensureTokenVisible(position);
    }
    canvas_->viewport()->update();
}

bool HeadView::isShown(const Line& line) const
{
    return headEnabled_[static_cast<size_t>(line.head)] != 0;
}

std::vector<HeadView::Line> HeadView::linesOf(Side side, int position) const
{
    std::vector<Line> out;
    const int row = hasData() ? column(side).rowAt(position) : -1;
    if (row < 0) {
        return out;
    }
    if (side == Side::Query) {
        for (uint32_t i = byQuery_[static_cast<size_t>(row)];
             i < byQuery_[static_cast<size_t>(row) + 1]; ++i) {
            if (isShown(lines_[i])) {
                out.push_back(lines_[i]);
            }
        }
    } else {
        for (uint32_t i = keyStart_[static_cast<size_t>(row)];
             i < keyStart_[static_cast<size_t>(row) + 1]; ++i) {
            const Line& line = lines_[byKey_[i]];
            if (isShown(line)) {
                out.push_back(line);
            }
        }
    }
    return out;
}

std::vector<HeadView::Line> HeadView::allLines() const
{
    std::vector<Line> out;
    for (const Line& line : lines_) {
        if (isShown(line)) {
            out.push_back(line);
        }
    }
    return out;
}

std::vector<HeadView::Line> HeadView::linesToPaint(int firstRow, int lastRow) const
{
    // Every line with its query among the visible rows, then those that come into a
    // visible key from a query out of view. (Cross-attention: either column may end
    // before lastRow.)
    std::vector<Line> out;
    const int lastQueryRow = std::min(lastRow, queries_.rowCount() - 1);
    for (uint32_t i = byQuery_[static_cast<size_t>(std::min(firstRow, lastQueryRow + 1))];
         i < byQuery_[static_cast<size_t>(lastQueryRow) + 1]; ++i) {
        if (isShown(lines_[i])) {
            out.push_back(lines_[i]);
        }
    }
    const size_t inView = out.size();
    const int lastKeyRow = std::min(lastRow, keys_.rowCount() - 1);
    for (uint32_t i = keyStart_[static_cast<size_t>(std::min(firstRow, lastKeyRow + 1))];
         i < keyStart_[static_cast<size_t>(lastKeyRow) + 1]; ++i) {
        const Line& line = lines_[byKey_[i]];
        const int queryRow = queries_.rowAt(line.query);
        if ((queryRow < firstRow || queryRow > lastRow) && isShown(line)) {
            out.push_back(line);
        }
    }
    // In a long text thousands of queries out of view can point at one visible key (the
    // first token of a decoder): keep the strongest of those, they are what the eye sees.
    if (out.size() - inView > kMaxIncomingLines) {
        const auto stronger = [](const Line& a, const Line& b) { return a.weight > b.weight; };
        std::nth_element(out.begin() + static_cast<std::ptrdiff_t>(inView),
            out.begin() + static_cast<std::ptrdiff_t>(inView + kMaxIncomingLines), out.end(),
            stronger);
        out.resize(inView + kMaxIncomingLines);
    }
    return out;
}

void HeadView::rebuildRows()
{
    const auto columnOf = [](int positions, const auto& isReal) {
        Column column;
        column.rowOf.assign(static_cast<size_t>(qMax(0, positions)), -1);
        for (int i = 0; i < positions; ++i) {
            if (isReal(i)) {
                column.rowOf[static_cast<size_t>(i)] = column.rowCount();
                column.rows.push_back(i);
            }
        }
        return column;
    };
    queries_ = columnOf(set_.seq, [this](int i) { return set_.isReal(i); });
    keys_ = set_.isSelf() ? queries_
                          : columnOf(set_.keySeq, [this](int i) { return set_.isKeyReal(i); });
}

void HeadView::rebuildLines()
{
    lines_.clear();
    byQuery_.assign(queries_.rows.size() + 1, 0);
    keyStart_.assign(keys_.rows.size() + 1, 0);
    byKey_.clear();
    if (!hasData()) {
        return;
    }
    const size_t n = queries_.rows.size();
    const size_t nk = keys_.rows.size();
    const size_t stride = static_cast<size_t>(set_.keys());
    for (size_t r = 0; r < n; ++r) {
        byQuery_[r] = static_cast<uint32_t>(lines_.size());
        const int q = queries_.rows[r];
        for (int h = 0; h < set_.heads; ++h) {
            const float* row = set_.slice(layer_, h) + static_cast<size_t>(q) * stride;
            for (size_t rk = 0; rk < nk; ++rk) {
                const int k = keys_.rows[rk];
                if (set_.causal && k > q) {
                    break; // rows ascend: every later key is in the future too
                }
                const float w = row[k];
                if (w >= threshold_ && w > 0.0f) {
                    lines_.push_back({ q, k, h, w });
                }
            }
        }
    }
    byQuery_[n] = static_cast<uint32_t>(lines_.size());

    // The same lines by key row: a counting sort keeps each key's lines in query order.
    for (const Line& line : lines_) {
        ++keyStart_[static_cast<size_t>(keys_.rowAt(line.key)) + 1];
    }
    for (size_t r = 0; r < nk; ++r) {
        keyStart_[r + 1] += keyStart_[r];
    }
    byKey_.resize(lines_.size());
    std::vector<uint32_t> next(keyStart_.begin(), keyStart_.end() - 1);
    for (uint32_t i = 0; i < lines_.size(); ++i) {
        byKey_[next[static_cast<size_t>(keys_.rowAt(lines_[i].key))]++] = i;
    }
}

void HeadView::relayout()
{
    const QFontMetrics fm(canvas_->font());
    Geometry g;
    g.rowHeight = fm.height() + 6;
    g.headerHeight = fm.height() + 12;
    int widest = 0;
    for (const int position : queries_.rows) {
        widest = qMax(widest, fm.horizontalAdvance(detail::displayToken(set_.tokens[position])));
    }
    if (!set_.isSelf()) {
        for (const int position : keys_.rows) {
            widest =
                qMax(widest, fm.horizontalAdvance(detail::displayToken(set_.keyToken(position))));
        }
    }
    // Italic and bold (special and selected tokens) run a little wider.
    g.tokenWidth = std::clamp(widest + 20, kMinTokenPx, kMaxTokenPx);
    g.gutterWidth = set_.segmentStart > 0 ? fm.horizontalAdvance(QStringLiteral("B")) + 14 : 0;
    const int available = canvas_->viewport()->width() - 2 * kMargin;
    g.lineWidth = std::clamp(available - g.gutterWidth - 2 * g.tokenWidth, kMinLinePx, kMaxLinePx);
    g.left = qMax(kMargin, (canvas_->viewport()->width() - g.contentWidth()) / 2);
    geometry_ = g;
    canvas_->updateScrollBars();
    canvas_->viewport()->update();
}

void HeadView::updateControls()
{
    const QSignalBlocker block(layerBox_);
    layerBox_->setRange(0, qMax(0, set_.layers - 1));
    layerBox_->setValue(layer_);
    controls_->setEnabled(hasData());
    legend_->setEnabled(hasData());
    legend_->updateGeometry();
    legend_->update();
    thresholdLabel_->setText(QString::number(static_cast<double>(threshold_), 'f', 3));
    if (!hasData()) {
        countsLabel_->clear();
    } else if (set_.isSelf()) {
        countsLabel_->setText(tr("%1 tokens · %2 lines above the threshold")
                                  .arg(queries_.rowCount())
                                  .arg(lines_.size()));
    } else {
        countsLabel_->setText(tr("%1 queries · %2 keys · %3 lines above the threshold")
                                  .arg(queries_.rowCount())
                                  .arg(keys_.rowCount())
                                  .arg(lines_.size()));
    }
}

void HeadView::setHover(Side side, int position)
{
    if (position == hoverPosition_ && (position < 0 || side == hoverSide_)) {
        return;
    }
    hoverSide_ = side;
    hoverPosition_ = position;
    canvas_->viewport()->update();
    Q_EMIT tokenHovered(position);
}

void HeadView::clickToken(Side side, int position)
{
    if (highlightPosition_ == position && highlightSide_ == side) {
        highlightPosition_ = -1;
    } else {
        highlightSide_ = side;
        highlightPosition_ = position;
    }
    canvas_->viewport()->update();
    // The selection shared with the other views is a query; a key of cross-attention is
    // another text's position, kept here only.
    if (side == Side::Query || set_.isSelf()) {
        Q_EMIT tokenClicked(position);
    }
}

int HeadView::rowY(int row) const
{
    return geometry_.headerHeight + row * geometry_.rowHeight
        - canvas_->verticalScrollBar()->value();
}

QRect HeadView::tokenRect(Side side, int position) const
{
    const int row = hasData() ? column(side).rowAt(position) : -1;
    if (row < 0) {
        return {};
    }
    const int x = (side == Side::Query ? geometry_.queryLeft() : geometry_.keyLeft())
        - canvas_->horizontalScrollBar()->value();
    return { x, rowY(row), geometry_.tokenWidth, geometry_.rowHeight };
}

int HeadView::tokenAt(QPoint point, Side* side) const
{
    if (!hasData() || point.y() < geometry_.headerHeight) {
        return -1;
    }
    const int offset = point.y() - rowY(0);
    if (offset < 0) {
        return -1;
    }
    const int row = offset / geometry_.rowHeight;
    if (row >= rowCount()) {
        return -1;
    }
    const int x = point.x() + canvas_->horizontalScrollBar()->value();
    Side s;
    if (x >= geometry_.queryLeft() && x < geometry_.queryLeft() + geometry_.tokenWidth) {
        s = Side::Query;
    } else if (x >= geometry_.keyLeft() && x < geometry_.keyLeft() + geometry_.tokenWidth) {
        s = Side::Key;
    } else {
        return -1;
    }
    if (row >= column(s).rowCount()) {
        return -1; // below the end of the shorter column
    }
    if (side) {
        *side = s;
    }
    return column(s).rows[static_cast<size_t>(row)];
}

QString HeadView::tokenToolTip(Side side, int position) const
{
    if (!hasData() || column(side).rowAt(position) < 0) {
        return {};
    }
    const bool query = side == Side::Query;
    const QString& token = query ? set_.tokens[position] : set_.keyToken(position);
    QString title = tr("%1 · position %2").arg(detail::quotedToken(token)).arg(position);
    if (query ? set_.isSpecial(position) : set_.isKeySpecial(position)) {
        title += tr(" · special token");
    }
    const int segment = query ? set_.segmentStart : set_.keySegmentStart();
    if (segment > 0) {
        title += position >= segment ? tr(" · text B") : tr(" · text A");
    }
    QStringList lines { title };
    const QString vocab = query ? set_.vocabToken(position) : set_.keyVocabToken(position);
    if (vocab != token) {
        lines << tr("vocabulary: %1").arg(vocab);
    }
    lines << (side == Side::Query ? tr("Layer %1, strongest key per head:").arg(layer_)
                                  : tr("Layer %1, strongest query per head:").arg(layer_));
    int shown = 0;
    int hidden = 0;
    for (int h = 0; h < set_.heads; ++h) {
        if (!isHeadEnabled(h)) {
            continue;
        }
        if (shown == kMaxTooltipHeads) {
            ++hidden;
            continue;
        }
        // From the buffer itself, not the thresholded lines: the exact strongest weight.
        int best = -1;
        float bestWeight = -1.0f;
        for (const int other : column(query ? Side::Key : Side::Query).rows) {
            const int q = side == Side::Query ? position : other;
            const int k = side == Side::Query ? other : position;
            if (set_.causal && k > q) {
                continue;
            }
            const float w = set_.at(layer_, h, q, k);
            if (w > bestWeight) {
                bestWeight = w;
                best = other;
            }
        }
        if (best < 0) {
            continue;
        }
        lines << tr("head %1 %2 %3 (%4): %5")
                     .arg(h)
                     .arg(side == Side::Query ? QStringLiteral("→") : QStringLiteral("←"))
                     .arg(detail::quotedToken(query ? set_.keyToken(best) : set_.tokens[best]))
                     .arg(best)
                     .arg(static_cast<double>(bestWeight), 0, 'f', 4);
        ++shown;
    }
    if (hidden > 0) {
        lines << tr("… and %n more head(s)", nullptr, hidden);
    }
    if (shown == 0 && hidden == 0) {
        lines << tr("(every head is hidden)");
    }
    return lines.join(QLatin1Char('\n'));
}

void HeadView::ensureTokenVisible(int position)
{
    const int row = hasData() ? queries_.rowAt(position) : -1;
    if (row < 0) {
        return;
    }
    QScrollBar* bar = canvas_->verticalScrollBar();
    const int top = row * geometry_.rowHeight; // in scroll coordinates, below the header
    const int visible = canvas_->viewport()->height() - geometry_.headerHeight;
    if (top < bar->value()) {
        bar->setValue(top);
    } else if (top + geometry_.rowHeight > bar->value() + visible) {
        bar->setValue(top + geometry_.rowHeight - visible);
    }
}

QWidget* HeadView::canvas() const
{
    return canvas_->viewport();
}

QWidget* HeadView::headLegend() const
{
    return legend_;
}

QRect HeadView::headChipRect(int head) const
{
    if (head < 0 || head >= set_.heads) {
        return {};
    }
    return legend_->chipRect(head, legend_->width());
}

QSize HeadView::sizeHint() const
{
    return { 760, 600 };
}

} // namespace lumen::widgets
