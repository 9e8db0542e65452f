// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/cone_diagram.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace lumen::widgets {

namespace {

// Okabe-Ito: blue cells in the cone, vermillion apex, orange shading of the input row.
const QColor kReach(0x00, 0x72, 0xb2);
const QColor kApex(0xd5, 0x5e, 0x00);
const QColor kShade(0xe6, 0x9f, 0x00);
const QColor kEmpty(0xee, 0xee, 0xee);
constexpr int kMargin = 8;
constexpr int kTitle = 22;

} // namespace

ConeDiagram::ConeDiagram(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, Qt::white);
    setPalette(p);
    setMinimumHeight(160);
}

void ConeDiagram::setData(const ConeData& data)
{
    problem_.clear();
    bool ok = data.levels.size() == static_cast<int>(data.reach.size()) && data.position >= -1
        && data.position < data.tokens.size()
        && (data.inputShade.empty() || data.inputShade.size() == static_cast<size_t>(data.tokens.size()));
    for (const auto& row : data.reach) {
        ok = ok && row.size() == static_cast<size_t>(data.tokens.size());
    }
    if (!ok) {
        data_ = {};
        problem_ = tr("The cone's levels and tokens do not fit together.");
    } else {
        data_ = data;
    }
    update();
}

void ConeDiagram::clear()
{
    data_ = {};
    problem_.clear();
    update();
}

int ConeDiagram::reachCount(int level) const
{
    if (level < 0 || level >= static_cast<int>(data_.reach.size())) {
        return 0;
    }
    return static_cast<int>(std::count_if(data_.reach[static_cast<size_t>(level)].begin(),
        data_.reach[static_cast<size_t>(level)].end(), [](uint8_t v) { return v != 0; }));
}

ConeDiagram::Geometry ConeDiagram::geometry() const
{
    Geometry g;
    const QFontMetrics fm(font());
    int nameWidth = 0;
    for (const QString& name : data_.levels) {
        nameWidth = std::max(nameWidth, fm.horizontalAdvance(name));
    }
    g.left = kMargin + nameWidth + kMargin;
    g.top = kMargin + (data_.title.isEmpty() ? 0 : kTitle);
    const int n = std::max<int>(1, static_cast<int>(data_.tokens.size()));
    g.cell = std::max(2.0, static_cast<double>(width() - g.left - kMargin) / n);
    int longest = 0;
    for (const QString& t : data_.tokens) {
        longest = std::max(longest, fm.horizontalAdvance(t));
    }
    // Labels under the grid, turned upright when the columns are narrow; none when tiny.
    g.labels = g.cell >= fm.height() ? std::min(90, longest + kMargin) : 0;
    const int levels = std::max<int>(1, static_cast<int>(data_.levels.size()));
    g.row = std::clamp((height() - g.top - g.labels - kMargin) / levels, 6, 40);
    return g;
}

QRect ConeDiagram::cellRect(int level, int token) const
{
    if (level < 0 || level >= static_cast<int>(data_.levels.size()) || token < 0 || token >= data_.tokens.size()) {
        return {};
    }
    const Geometry g = geometry();
    const int levels = static_cast<int>(data_.levels.size());
    const int y = g.top + (levels - 1 - level) * g.row; // level 0 at the bottom
    const int x0 = g.left + static_cast<int>(std::floor(token * g.cell));
    const int x1 = g.left + static_cast<int>(std::floor((token + 1) * g.cell));
    return QRect(x0, y, std::max(1, x1 - x0), g.row);
}

int ConeDiagram::tokenAt(const QPoint& pos) const
{
    if (data_.tokens.isEmpty()) {
        return -1;
    }
    const Geometry g = geometry();
    const double i = std::floor((pos.x() - g.left) / g.cell);
    return i >= 0 && i < data_.tokens.size() ? static_cast<int>(i) : -1;
}

void ConeDiagram::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    if (!problem_.isEmpty() || data_.tokens.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
            problem_.isEmpty() ? tr("Measure a text to see the receptive field as a cone over its tokens.") : problem_);
        return;
    }
    const Geometry g = geometry();
    if (!data_.title.isEmpty()) {
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(Qt::black);
        p.drawText(QRect(0, kMargin / 2, width(), kTitle), Qt::AlignCenter, data_.title);
        p.setFont(font());
    }
    const int levels = static_cast<int>(data_.levels.size());
    float shadeMax = 0.0f;
    for (const float v : data_.inputShade) {
        shadeMax = std::max(shadeMax, v);
    }
    const double gap = g.cell >= 6 ? 1.0 : 0.0;
    for (int level = 0; level < levels; ++level) {
        const QRect first = cellRect(level, 0);
        p.setPen(Qt::black);
        p.drawText(QRect(kMargin, first.top(), g.left - 2 * kMargin, g.row), Qt::AlignRight | Qt::AlignVCenter,
            data_.levels[level]);
        for (int t = 0; t < data_.tokens.size(); ++t) {
            const QRectF r = QRectF(cellRect(level, t)).adjusted(gap, gap, -gap, -gap);
            const bool in = data_.reach[static_cast<size_t>(level)][static_cast<size_t>(t)] != 0;
            QColor c = in ? kReach : kEmpty;
            if (level == levels - 1 && t == data_.position) {
                c = kApex;
            } else if (level == 0 && in && shadeMax > 0.0f) {
                // The measured share: pale where small, full orange at the largest.
                const double a = std::sqrt(static_cast<double>(data_.inputShade[static_cast<size_t>(t)]) / shadeMax);
                c = QColor::fromRgbF(static_cast<float>(1 - a * (1 - kShade.redF())),
                    static_cast<float>(1 - a * (1 - kShade.greenF())), static_cast<float>(1 - a * (1 - kShade.blueF())));
                p.setPen(QPen(kReach, 1));
                p.setBrush(c);
                p.drawRect(r);
                continue;
            }
            p.setPen(Qt::NoPen);
            p.setBrush(c);
            p.drawRect(r);
        }
    }
    // The cone's outline: from the apex down to the outermost positions of the input row.
    if (data_.position >= 0) {
        int lo = -1;
        int hi = -1;
        for (int t = 0; t < data_.tokens.size(); ++t) {
            if (data_.reach.front()[static_cast<size_t>(t)] != 0) {
                lo = lo < 0 ? t : lo;
                hi = t;
            }
        }
        if (lo >= 0) {
            const QRect apex = cellRect(levels - 1, data_.position);
            const QRect left = cellRect(0, lo);
            const QRect right = cellRect(0, hi);
            p.setPen(QPen(kApex, 1.5, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawLine(QPointF(apex.center().x(), apex.top()), QPointF(left.left(), left.bottom()));
            p.drawLine(QPointF(apex.center().x(), apex.top()), QPointF(right.right(), right.bottom()));
        }
    }
    if (g.labels > 0) {
        p.setPen(Qt::black);
        const QFontMetrics fm(font());
        const bool upright = g.cell < fm.horizontalAdvance(QStringLiteral("wwww"));
        for (int t = 0; t < data_.tokens.size(); ++t) {
            const QRect cell = cellRect(0, t);
            const QString text = fm.elidedText(data_.tokens[t], Qt::ElideRight, g.labels - kMargin);
            if (t == data_.position) {
                QFont bold = font();
                bold.setBold(true);
                p.setFont(bold);
                p.setPen(kApex);
            }
            if (upright) {
                p.save();
                p.translate(cell.center().x() + fm.ascent() / 2.0 - 2, cell.bottom() + kMargin / 2);
                p.rotate(90);
                p.drawText(0, 0, text);
                p.restore();
            } else {
                p.drawText(QRect(cell.left(), cell.bottom() + 2, cell.width(), fm.height()), Qt::AlignHCenter, text);
            }
            p.setFont(font());
            p.setPen(Qt::black);
        }
    }
}

void ConeDiagram::mousePressEvent(QMouseEvent* event)
{
    const int t = tokenAt(event->position().toPoint());
    if (t >= 0 && event->button() == Qt::LeftButton) {
        Q_EMIT tokenClicked(t);
    }
}

void ConeDiagram::mouseMoveEvent(QMouseEvent* event)
{
    const int t = tokenAt(event->position().toPoint());
    if (t < 0) {
        QToolTip::hideText();
        return;
    }
    QStringList reachedBy;
    for (int level = 0; level < static_cast<int>(data_.levels.size()); ++level) {
        if (data_.reach[static_cast<size_t>(level)][static_cast<size_t>(t)] != 0) {
            reachedBy << data_.levels[level];
        }
    }
    QString tip = tr("“%1” (position %2)").arg(data_.tokens[t]).arg(t);
    if (!data_.inputShade.empty()) {
        tip += tr("\nmeasured share %1 %").arg(100.0 * data_.inputShade[static_cast<size_t>(t)], 0, 'f', 2);
    }
    tip += reachedBy.isEmpty() ? tr("\noutside the cone") : tr("\nin the cone at: %1").arg(reachedBy.join(QStringLiteral(", ")));
    QToolTip::showText(event->globalPosition().toPoint(), tip, this);
}

} // namespace lumen::widgets
