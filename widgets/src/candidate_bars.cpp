// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/candidate_bars.h"

#include "lumen/widgets/color_maps.h"

#include <QPainter>

#include <algorithm>

namespace lumen::widgets {

namespace {

constexpr int kMargin = 8;
constexpr int kPercentWidth = 64;

QString shown(const QString& token)
{
    QString s = token;
    s.replace(QLatin1Char(' '), QStringLiteral("␣"));
    s.replace(QLatin1Char('\n'), QStringLiteral("↵"));
    return s.isEmpty() ? QStringLiteral("∅") : s;
}

} // namespace

CandidateBars::CandidateBars(QWidget* parent)
    : QWidget(parent)
{
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, Qt::white);
    setPalette(p);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void CandidateBars::setGroups(std::vector<CandidateGroup> groups)
{
    groups_ = std::move(groups);
    updateGeometry();
    update();
}

int CandidateBars::labelWidth() const
{
    const QFontMetrics fm(font());
    int w = 60;
    for (const CandidateGroup& g : groups_) {
        for (const auto& [token, p] : g.candidates) {
            w = std::max(w, fm.horizontalAdvance(shown(token)) + 12);
        }
    }
    return std::min(w, 220);
}

QSize CandidateBars::sizeHint() const
{
    const QFontMetrics fm(font());
    const int row = fm.height() + 6;
    int h = kMargin;
    for (const CandidateGroup& g : groups_) {
        h += row + 2 + static_cast<int>(g.candidates.size()) * row + kMargin;
    }
    return { 420, std::max(h, 60) };
}

QRect CandidateBars::barRect(int group, int index) const
{
    if (group < 0 || group >= static_cast<int>(groups_.size())) {
        return {};
    }
    const CandidateGroup& g = groups_[static_cast<size_t>(group)];
    if (index < 0 || index >= static_cast<int>(g.candidates.size())) {
        return {};
    }
    const QFontMetrics fm(font());
    const int row = fm.height() + 6;
    int y = kMargin;
    for (int i = 0; i < group; ++i) {
        y += row + 2 + static_cast<int>(groups_[static_cast<size_t>(i)].candidates.size()) * row + kMargin;
    }
    y += row + 2 + index * row;
    const int left = kMargin + labelWidth();
    const int full = std::max(10, width() - left - kPercentWidth - kMargin);
    const double p = std::clamp(g.candidates[static_cast<size_t>(index)].second, 0.0, 1.0);
    return { left, y + 2, std::max(1, static_cast<int>(full * p)), row - 4 };
}

void CandidateBars::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const QFontMetrics fm(font());
    const int row = fm.height() + 6;
    const int left = kMargin + labelWidth();
    const int full = std::max(10, width() - left - kPercentWidth - kMargin);
    int y = kMargin;
    QFont bold = font();
    bold.setBold(true);
    for (size_t g = 0; g < groups_.size(); ++g) {
        const CandidateGroup& group = groups_[g];
        painter.setFont(bold);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(QRect(kMargin, y, width() - 2 * kMargin, row), Qt::AlignLeft | Qt::AlignVCenter, group.title);
        painter.setFont(font());
        y += row + 2;
        for (size_t i = 0; i < group.candidates.size(); ++i) {
            const auto& [token, p] = group.candidates[i];
            painter.setPen(QColor(0x22, 0x22, 0x22));
            painter.drawText(QRect(kMargin, y, labelWidth() - 8, row), Qt::AlignRight | Qt::AlignVCenter,
                fm.elidedText(shown(token), Qt::ElideRight, labelWidth() - 8));
            painter.fillRect(QRect(left, y + 2, full, row - 4), QColor(0xf0, 0xf0, 0xf0));
            const QRect bar = barRect(static_cast<int>(g), static_cast<int>(i));
            painter.fillRect(bar, i == 0 ? colormaps::categorical(0) : colormaps::categorical(0).lighter(140));
            painter.setPen(QColor(0x33, 0x33, 0x33));
            painter.drawText(QRect(left + full + 6, y, kPercentWidth, row), Qt::AlignLeft | Qt::AlignVCenter,
                QStringLiteral("%1 %").arg(p * 100.0, 0, 'f', p < 0.01 ? 3 : 1));
            y += row;
        }
        y += kMargin;
    }
}

} // namespace lumen::widgets
