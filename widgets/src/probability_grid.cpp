// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/probability_grid.h"

#include "lumen/widgets/color_maps.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace lumen::widgets {

namespace {

constexpr int kMargin = 6;
constexpr int kMaxCellWidth = 150;

} // namespace

ProbabilityGrid::ProbabilityGrid(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, Qt::white);
    setPalette(p);
    measure();
}

bool ProbabilityGrid::setData(const QStringList& rowHeaders, const QStringList& columnHeaders,
    std::vector<std::vector<GridCell>> cells)
{
    bool ok = static_cast<int>(cells.size()) == rowHeaders.size();
    for (const auto& row : cells) {
        ok = ok && static_cast<int>(row.size()) == columnHeaders.size();
    }
    if (!ok) {
        qWarning("ProbabilityGrid::setData: cells do not match the headers");
        clear();
        return false;
    }
    rows_ = rowHeaders;
    columns_ = columnHeaders;
    cells_ = std::move(cells);
    highlightedRow_ = -1;
    measure();
    return true;
}

void ProbabilityGrid::clear()
{
    rows_.clear();
    columns_.clear();
    cells_.clear();
    measure();
}

void ProbabilityGrid::setRange(double low, double high)
{
    low_ = low;
    high_ = high > low ? high : low + 1.0;
    update();
}

void ProbabilityGrid::setLogScale(bool on)
{
    log_ = on;
    update();
}

void ProbabilityGrid::setTitle(const QString& title)
{
    title_ = title;
    measure();
}

void ProbabilityGrid::setHighlightedRow(int row)
{
    highlightedRow_ = row;
    update();
}

const GridCell& ProbabilityGrid::cell(int row, int column) const
{
    return cells_.at(static_cast<size_t>(row)).at(static_cast<size_t>(column));
}

void ProbabilityGrid::measure()
{
    const QFontMetrics fm(font());
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold); // the highlighted row's header and the title
    headerWidth_ = 24;
    for (const QString& r : rows_) {
        headerWidth_ = std::max(headerWidth_, boldMetrics.horizontalAdvance(r) + 12);
    }
    cellWidth_ = 36;
    for (const QString& c : columns_) {
        cellWidth_ = std::max(cellWidth_, fm.horizontalAdvance(c) + 12);
    }
    for (const auto& row : cells_) {
        for (const GridCell& c : row) {
            cellWidth_ = std::max(cellWidth_, fm.horizontalAdvance(c.text) + 12);
        }
    }
    cellWidth_ = std::min(cellWidth_, kMaxCellWidth);
    cellHeight_ = fm.height() + 8;
    top_ = (title_.isEmpty() ? 0 : fm.height() + 6) + cellHeight_;
    // Its natural size, also inside a scroll area that does not resize its widget; wide
    // enough for the title.
    QSize natural = sizeHint();
    natural.setWidth(std::max(natural.width(), title_.isEmpty() ? 0 : boldMetrics.horizontalAdvance(title_) + 24));
    resize(natural);
    updateGeometry();
    update();
}

QSize ProbabilityGrid::sizeHint() const
{
    return { 2 * kMargin + headerWidth_ + columnCount() * cellWidth_,
        2 * kMargin + top_ + rowCount() * cellHeight_ };
}

QRect ProbabilityGrid::cellRect(int row, int column) const
{
    return { kMargin + headerWidth_ + column * cellWidth_, kMargin + top_ + row * cellHeight_, cellWidth_,
        cellHeight_ };
}

std::pair<int, int> ProbabilityGrid::cellAt(const QPoint& pos) const
{
    const int column = (pos.x() - kMargin - headerWidth_) / std::max(1, cellWidth_);
    const int row = (pos.y() - kMargin - top_) / std::max(1, cellHeight_);
    if (pos.x() < kMargin + headerWidth_ || pos.y() < kMargin + top_ || row >= rowCount()
        || column >= columnCount()) {
        return { -1, -1 };
    }
    return { row, column };
}

QColor ProbabilityGrid::colorFor(double value) const
{
    if (std::isnan(value)) {
        return QColor(0xdd, 0xdd, 0xdd);
    }
    double t = 0.0;
    if (log_) {
        const double lo = std::log10(std::max(low_, 1e-12));
        const double hi = std::log10(std::max(high_, 1e-12));
        t = (std::log10(std::max(value, 1e-12)) - lo) / std::max(hi - lo, 1e-12);
    } else {
        t = (value - low_) / (high_ - low_);
    }
    return QColor::fromRgb(colormaps::sequential(std::clamp(t, 0.0, 1.0)));
}

bool ProbabilityGrid::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const auto [row, column] = cellAt(help->pos());
        if (row >= 0 && !cell(row, column).toolTip.isEmpty()) {
            QToolTip::showText(help->globalPos(), cell(row, column).toolTip, this, cellRect(row, column));
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

void ProbabilityGrid::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const QFontMetrics fm(font());
    int y = kMargin;
    if (!title_.isEmpty()) {
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(kMargin, y, width() - 2 * kMargin, fm.height() + 4), Qt::AlignLeft | Qt::AlignVCenter,
            title_);
        painter.setFont(font());
    }
    const int headerTop = kMargin + top_ - cellHeight_;
    painter.setPen(QColor(0x44, 0x44, 0x44));
    for (int c = 0; c < columnCount(); ++c) {
        const QRect r = cellRect(0, c).translated(0, headerTop - (kMargin + top_));
        painter.drawText(r, Qt::AlignCenter, fm.elidedText(columns_[c], Qt::ElideRight, cellWidth_ - 6));
    }
    for (int row = 0; row < rowCount(); ++row) {
        const QRect header(kMargin, kMargin + top_ + row * cellHeight_, headerWidth_ - 6, cellHeight_);
        QFont f = font();
        f.setBold(row == highlightedRow_);
        painter.setFont(f);
        painter.setPen(QColor(0x44, 0x44, 0x44));
        painter.drawText(header, Qt::AlignRight | Qt::AlignVCenter, rows_[row]);
        painter.setFont(font());
        for (int c = 0; c < columnCount(); ++c) {
            const GridCell& cell = cells_[static_cast<size_t>(row)][static_cast<size_t>(c)];
            const QRect r = cellRect(row, c);
            const QColor fill = colorFor(cell.value);
            painter.fillRect(r.adjusted(0, 0, -1, -1), fill);
            painter.setPen(fill.lightnessF() < 0.5 ? Qt::white : QColor(0x10, 0x10, 0x10));
            painter.drawText(r.adjusted(3, 0, -3, 0), Qt::AlignCenter, fm.elidedText(cell.text, Qt::ElideRight, cellWidth_ - 6));
        }
        if (row == highlightedRow_ && columnCount() > 0) {
            painter.setPen(QPen(QColor(0xd6, 0x27, 0x28), 2));
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(cellRect(row, 0).united(cellRect(row, columnCount() - 1)).adjusted(1, 1, -2, -2));
        }
    }
}

void ProbabilityGrid::mousePressEvent(QMouseEvent* event)
{
    const auto [row, column] = cellAt(event->position().toPoint());
    if (row >= 0 && event->button() == Qt::LeftButton) {
        Q_EMIT cellClicked(row, column);
    }
    QWidget::mousePressEvent(event);
}

} // namespace lumen::widgets
