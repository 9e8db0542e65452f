// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/token_bar.h"

#include <QFontMetrics>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace lumen::widgets {

namespace {

// Okabe-Ito blue for the bars, vermillion for the highlighted one, sky blue under the mouse.
const QColor kBarColor(0x00, 0x72, 0xb2);
const QColor kHighlightColor(0xd5, 0x5e, 0x00);
const QColor kHoverColor(0x56, 0xb4, 0xe9);
constexpr int kMaxBarWidth = 48;
constexpr int kMaxLabelHeight = 96;
constexpr int kMargin = 8;

// Ticks at 1, 2 or 5 times a power of ten, about `count` of them over lo..hi; `decimals`
// is what the step needs (0.05 -> 2).
std::vector<double> niceTicks(double lo, double hi, int count, int* decimals)
{
    std::vector<double> ticks;
    const double span = hi - lo;
    *decimals = 0;
    if (!(span > 0.0) || count < 1) {
        return ticks;
    }
    const double raw = span / count;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : { 1.0, 2.0, 5.0, 10.0 }) {
        step = m * magnitude;
        if (step >= raw) {
            break;
        }
    }
    *decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
        ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    }
    return ticks;
}

} // namespace

// The painted area: value axis on the left, bars, labels underneath. Paints only the bars
// that are in view.
class TokenBar::Canvas : public QWidget {
public:
    explicit Canvas(TokenBar* owner)
        : QWidget(owner)
        , owner_(owner)
    {
        setMouseTracking(true);
        setAutoFillBackground(true);
        QPalette p = palette();
        p.setColor(QPalette::Window, Qt::white);
        setPalette(p);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override { owner_->relayout(); }
    void mouseMoveEvent(QMouseEvent* event) override
    {
        const int i = owner_->tokenAt(event->position().toPoint());
        if (i == owner_->hovered_) {
            return;
        }
        owner_->hovered_ = i;
        update();
        if (i < 0) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(event->globalPosition().toPoint(), owner_->toolTipText(i), this);
        Q_EMIT owner_->tokenHovered(i, owner_->value(i));
    }
    void leaveEvent(QEvent*) override
    {
        if (owner_->hovered_ >= 0) {
            owner_->hovered_ = -1;
            update();
        }
    }
    void mousePressEvent(QMouseEvent* event) override
    {
        if (event->button() != Qt::LeftButton) {
            return;
        }
        const int i = owner_->tokenAt(event->position().toPoint());
        if (i >= 0) {
            owner_->setHighlightedToken(i);
            Q_EMIT owner_->tokenClicked(i);
        }
    }
    void wheelEvent(QWheelEvent* event) override
    {
        // The wheel scrolls along the tokens (either direction of the wheel).
        const QPoint d = event->angleDelta();
        const int delta = std::abs(d.x()) > std::abs(d.y()) ? d.x() : d.y();
        QScrollBar* bar = owner_->scrollBar_;
        bar->setValue(bar->value() - delta * owner_->barWidth_ / 40);
        event->accept();
    }

private:
    TokenBar* owner_;
};

void TokenBar::Canvas::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const TokenBar& o = *owner_;
    const QRect area = o.barArea();
    const QFontMetrics fm(font());
    const int n = o.count();

    // Value axis: grid lines with their values.
    const auto valueToY = [&](double v) {
        return area.bottom() - (v - o.lo_) / (o.hi_ - o.lo_) * area.height();
    };
    p.setPen(QColor(0x80, 0x80, 0x80));
    int decimals = 0;
    const std::vector<double> ticks =
        niceTicks(o.lo_, o.hi_, std::max(2, area.height() / (fm.height() * 2)), &decimals);
    for (double t : ticks) {
        const double y = valueToY(t);
        p.setPen(QColor(0xe4, 0xe4, 0xe4));
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        p.setPen(QColor(0x50, 0x50, 0x50));
        p.drawText(QRectF(0, y - fm.height() / 2.0, o.axisWidth() - 6, fm.height()),
            Qt::AlignRight | Qt::AlignVCenter, QString::number(t, 'f', decimals));
    }
    if (n == 0) {
        return;
    }
    p.setPen(QColor(0x80, 0x80, 0x80));
    const double zeroY = valueToY(0.0);
    p.drawLine(QPointF(area.left(), zeroY), QPointF(area.right(), zeroY));

    // Bars and labels in view only.
    p.setClipRect(QRect(area.left(), 0, area.width() + 1, height()));
    const int scroll = o.scrollBar_->value();
    const int first = std::max(0, scroll / o.barWidth_);
    const int last = std::min(n - 1, (scroll + area.width()) / o.barWidth_);
    const int labelTop = area.bottom() + 4;
    const int labelHeight = o.labelHeight() - 6;
    // Rotated labels need a line of height each; thin bars label every k-th token.
    const int labelEvery =
        o.rotatedLabels_ ? std::max(1, (fm.height() + o.barWidth_ - 1) / o.barWidth_) : 1;
    QFont bold = font();
    bold.setBold(true);
    for (int i = first; i <= last; ++i) {
        const QRect bar = o.barRect(i);
        const QColor colour =
            i == o.highlighted_ ? kHighlightColor : (i == o.hovered_ ? kHoverColor : kBarColor);
        if (!bar.isEmpty()) {
            p.fillRect(bar, colour);
        }
        if (i % labelEvery != 0 && i != o.highlighted_) {
            continue;
        }
        const int centre = area.left() + i * o.barWidth_ - scroll + o.barWidth_ / 2;
        p.setFont(i == o.highlighted_ ? bold : font());
        p.setPen(i == o.highlighted_ ? kHighlightColor : QColor(0x20, 0x20, 0x20));
        const QString token = o.tokens_.at(i);
        if (o.rotatedLabels_) {
            // Read bottom to top, ending just under the bar.
            p.save();
            p.translate(centre, labelTop);
            p.rotate(-90);
            const QString text = p.fontMetrics().elidedText(token, Qt::ElideRight, labelHeight);
            p.drawText(QRect(-labelHeight, -fm.height() / 2, labelHeight, fm.height()),
                Qt::AlignRight | Qt::AlignVCenter, text);
            p.restore();
        } else {
            p.drawText(QRect(centre - o.barWidth_ / 2, labelTop, o.barWidth_, fm.height()),
                Qt::AlignHCenter | Qt::AlignTop, token);
        }
    }
}

TokenBar::TokenBar(QWidget* parent)
    : QWidget(parent)
{
    // One white canvas, title and bars alike.
    QPalette paper = palette();
    paper.setColor(QPalette::Window, Qt::white);
    setPalette(paper);
    setAutoFillBackground(true);
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("tokenBarTitle"));
    QFont f = title_->font();
    f.setBold(true);
    title_->setFont(f);
    title_->setAlignment(Qt::AlignHCenter);
    canvas_ = new Canvas(this);
    canvas_->setObjectName(QStringLiteral("tokenBarCanvas"));
    scrollBar_ = new QScrollBar(Qt::Horizontal, this);
    scrollBar_->setObjectName(QStringLiteral("tokenBarScroll"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(title_);
    layout->addWidget(canvas_, 1);
    layout->addWidget(scrollBar_);
    connect(scrollBar_, &QScrollBar::valueChanged, canvas_, qOverload<>(&QWidget::update));
    clear();
}

TokenBar::~TokenBar() = default;

QSize TokenBar::sizeHint() const
{
    return { 640, 240 };
}

QSize TokenBar::minimumSizeHint() const
{
    return { 200, 150 };
}

void TokenBar::setData(
    const QStringList& tokens, const std::vector<float>& values, const QString& title)
{
    if (static_cast<size_t>(tokens.size()) != values.size()) {
        qWarning("TokenBar: %lld tokens but %zu values; not drawing",
            static_cast<long long>(tokens.size()), values.size());
        clear();
        return;
    }
    tokens_ = tokens;
    values_ = values;
    title_->setText(title);
    title_->setVisible(!title.isEmpty());
    lo_ = 0.0;
    hi_ = 0.0;
    for (float v : values_) {
        if (std::isfinite(v)) {
            lo_ = std::min(lo_, static_cast<double>(v));
            hi_ = std::max(hi_, static_cast<double>(v));
        }
    }
    if (hi_ <= lo_) {
        hi_ = lo_ + 1.0;
    }
    if (highlighted_ >= count()) {
        highlighted_ = -1;
    }
    hovered_ = -1;
    scrollBar_->setValue(0);
    relayout();
    canvas_->update();
}

void TokenBar::clear()
{
    tokens_.clear();
    values_.clear();
    lo_ = 0.0;
    hi_ = 1.0;
    highlighted_ = hovered_ = -1;
    title_->clear();
    title_->setVisible(false);
    relayout();
    canvas_->update();
}

QWidget* TokenBar::canvas() const
{
    return canvas_;
}

QString TokenBar::title() const
{
    return title_->text();
}

float TokenBar::value(int i) const
{
    if (i < 0 || i >= count()) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    return values_[static_cast<size_t>(i)];
}

QString TokenBar::formatValue(double v) const
{
    if (v != 0.0 && std::abs(v) < 1e-3) {
        return QString::number(v, 'g', 4);
    }
    return QString::number(v, 'f', std::abs(v) >= 100.0 ? 1 : 4);
}

QString TokenBar::toolTipText(int i) const
{
    if (i < 0 || i >= count()) {
        return {};
    }
    return tr("'%1' (position %2): %3").arg(tokens_.at(i)).arg(i).arg(formatValue(value(i)));
}

void TokenBar::setMinimumBarWidth(int pixels)
{
    minBarWidth_ = std::max(2, pixels);
    relayout();
    canvas_->update();
}

int TokenBar::barWidth() const
{
    return barWidth_;
}

int TokenBar::axisWidth() const
{
    const QFontMetrics fm(canvas_->font());
    return std::max(fm.horizontalAdvance(QStringLiteral("0.0000")),
               std::max(
                   fm.horizontalAdvance(formatValue(lo_)), fm.horizontalAdvance(formatValue(hi_))))
        + 10;
}

int TokenBar::labelHeight() const
{
    const QFontMetrics fm(canvas_->font());
    if (!rotatedLabels_) {
        return fm.height() + 6;
    }
    int widest = 0;
    for (const QString& t : tokens_) {
        widest = std::max(widest, fm.horizontalAdvance(t));
        if (widest >= kMaxLabelHeight) {
            break;
        }
    }
    return std::min(widest, kMaxLabelHeight) + 10;
}

QRect TokenBar::barArea() const
{
    const int left = axisWidth();
    const int bottom = canvas_->height() - labelHeight() - 4;
    return QRect(QPoint(left, kMargin), QPoint(canvas_->width() - kMargin, bottom));
}

void TokenBar::relayout()
{
    const QFontMetrics fm(canvas_->font());
    const int n = count();
    // Horizontal labels when every token fits under its bar at the widest bars the width
    // allows; otherwise rotated labels and, below the minimum width, scrolling.
    const int avail = std::max(1, canvas_->width() - axisWidth() - kMargin);
    barWidth_ =
        n > 0 && n * minBarWidth_ <= avail ? std::min(kMaxBarWidth, avail / n) : minBarWidth_;
    rotatedLabels_ = false;
    for (const QString& t : tokens_) {
        if (fm.horizontalAdvance(t) > barWidth_ - 4) {
            rotatedLabels_ = true;
            break;
        }
    }
    canvas_->setMinimumHeight(labelHeight() + 80);
    const int total = n * barWidth_;
    const int page = std::max(1, barArea().width());
    scrollBar_->setRange(0, std::max(0, total - page));
    scrollBar_->setPageStep(page);
    scrollBar_->setSingleStep(barWidth_);
    scrollBar_->setVisible(total > page);
}

QRect TokenBar::barRect(int i) const
{
    if (i < 0 || i >= count()) {
        return {};
    }
    const QRect area = barArea();
    const double v = values_[static_cast<size_t>(i)];
    if (!std::isfinite(v)) {
        return {};
    }
    const auto valueToY = [&](double x) {
        return area.bottom() - (x - lo_) / (hi_ - lo_) * area.height();
    };
    const int gap = barWidth_ >= 6 ? 2 : 1;
    const int left = area.left() + i * barWidth_ - scrollBar_->value() + gap / 2;
    const int y0 = qRound(valueToY(0.0));
    const int y1 = qRound(valueToY(v));
    // Height 0 (an empty rect) for a zero value.
    return QRect(left, std::min(y0, y1), barWidth_ - gap, std::abs(y1 - y0));
}

int TokenBar::tokenAt(QPoint pos) const
{
    const QRect area = barArea();
    if (count() == 0 || pos.x() < area.left() || pos.x() > area.right() || pos.y() < 0
        || pos.y() > canvas_->height()) {
        return -1;
    }
    const int i = (pos.x() - area.left() + scrollBar_->value()) / barWidth_;
    return i < count() ? i : -1;
}

void TokenBar::setHighlightedToken(int i)
{
    if (i < 0 || i >= count()) {
        i = -1;
    }
    highlighted_ = i;
    if (i >= 0) {
        // Scroll the token into view, centred when it was out of sight.
        const int page = scrollBar_->pageStep();
        const int left = i * barWidth_;
        if (left < scrollBar_->value() || left + barWidth_ > scrollBar_->value() + page) {
            scrollBar_->setValue(left + barWidth_ / 2 - page / 2);
        }
    }
    canvas_->update();
}

} // namespace lumen::widgets
