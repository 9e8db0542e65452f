// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/token_stream.h"

#include "lumen/widgets/color_maps.h"

#include <QEvent>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace lumen::widgets {

namespace {

constexpr int kPadX = 2; ///< inside a piece's box, left and right
constexpr int kGapY = 4; ///< between lines
constexpr int kMargin = 6;

QString shownText(const QString& text)
{
    QString shown = text;
    shown.replace(QLatin1Char('\t'), QStringLiteral("⇥"));
    return shown;
}

} // namespace

TokenStream::TokenStream(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, Qt::white);
    setPalette(p);
}

void TokenStream::setPieces(std::vector<StreamPiece> pieces)
{
    pieces_ = std::move(pieces);
    highlighted_ = -1;
    layout(width(), &parts_);
    updateGeometry();
    update();
}

void TokenStream::appendPiece(StreamPiece piece)
{
    pieces_.push_back(std::move(piece));
    layout(width(), &parts_);
    updateGeometry();
    update();
}

void TokenStream::clear()
{
    setPieces({});
}

void TokenStream::setHighlighted(int index)
{
    highlighted_ = index >= 0 && index < count() ? index : -1;
    update();
}

QColor TokenStream::colorFor(double probability)
{
    if (probability < 0) {
        return QColor(0xee, 0xee, 0xee);
    }
    const double t = std::clamp(1.0 + std::log10(std::max(probability, 1e-12)) / 4.0, 0.0, 1.0);
    const QColor c = QColor::fromRgb(colormaps::sequential(t));
    // Lightened 45 % towards white, so dark text reads on both ends.
    const auto mix = [](int v) { return static_cast<int>(v + (255 - v) * 0.45); };
    return QColor(mix(c.red()), mix(c.green()), mix(c.blue()));
}

QString TokenStream::legend()
{
    return tr("Colour: the token's probability, 0.0001 (dark) to 1 (bright), log scale");
}

int TokenStream::layout(int width, std::vector<Part>* parts) const
{
    const QFontMetrics fm(font());
    const int lineHeight = fm.height() + 4;
    const int right = std::max(width - kMargin, kMargin + 40);
    int x = kMargin;
    int y = kMargin;
    parts->clear();
    for (size_t i = 0; i < pieces_.size(); ++i) {
        const QStringList lines = pieces_[i].text.split(QLatin1Char('\n'));
        for (int l = 0; l < lines.size(); ++l) {
            if (l > 0) { // a newline inside the piece
                x = kMargin;
                y += lineHeight + kGapY;
            }
            const QString part = shownText(lines[l]);
            const int w = std::max(fm.horizontalAdvance(part), 4) + 2 * kPadX;
            if (x + w > right && x > kMargin) {
                x = kMargin;
                y += lineHeight + kGapY;
            }
            parts->push_back({ static_cast<int>(i), QRect(x, y, w, lineHeight), part });
            x += w + 1;
        }
    }
    return y + lineHeight + kMargin;
}

int TokenStream::heightForWidth(int width) const
{
    std::vector<Part> parts;
    return layout(width, &parts);
}

QSize TokenStream::sizeHint() const
{
    return { 480, heightForWidth(480) };
}

QSize TokenStream::minimumSizeHint() const
{
    const QFontMetrics fm(font());
    return { 120, fm.height() + 4 + 2 * kMargin };
}

void TokenStream::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layout(width(), &parts_);
}

int TokenStream::pieceAt(const QPoint& pos) const
{
    for (const Part& part : parts_) {
        if (part.rect.contains(pos)) {
            return part.piece;
        }
    }
    return -1;
}

QRect TokenStream::pieceRect(int index) const
{
    QRect r;
    for (const Part& part : parts_) {
        if (part.piece == index) {
            r = r.united(part.rect);
        }
    }
    return r;
}

QString TokenStream::toolTipText(int index) const
{
    if (index < 0 || index >= count()) {
        return {};
    }
    const StreamPiece& p = pieces_[static_cast<size_t>(index)];
    QString text = QStringLiteral("<b>%1</b>").arg(shownText(p.text).toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("␣")));
    if (p.probability >= 0) {
        text += tr(" — probability %1").arg(p.probability, 0, 'g', 4);
    }
    if (!p.note.isEmpty()) {
        text += QStringLiteral("<br>") + p.note.toHtmlEscaped();
    }
    if (!p.alternatives.empty()) {
        text += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"1\">");
        for (const auto& [token, probability] : p.alternatives) {
            text += QStringLiteral("<tr><td>%1</td><td align=\"right\">&nbsp;%2 %</td></tr>")
                        .arg(shownText(token).toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("␣")))
                        .arg(probability * 100.0, 0, 'f', 2);
        }
        text += QStringLiteral("</table>");
    }
    return text;
}

bool TokenStream::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int i = pieceAt(help->pos());
        if (i >= 0) {
            QToolTip::showText(help->globalPos(), toolTipText(i), this, pieceRect(i));
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QWidget::event(event);
}

void TokenStream::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    for (const Part& part : parts_) {
        const StreamPiece& piece = pieces_[static_cast<size_t>(part.piece)];
        const QRectF box = QRectF(part.rect);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colorFor(piece.probability));
        painter.drawRoundedRect(box.adjusted(0, 1, 0, -1), 3, 3);
        if (part.piece == highlighted_) {
            painter.setPen(QPen(QColor(0xd6, 0x27, 0x28), 2));
            painter.setBrush(Qt::NoBrush);
            painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 3, 3);
        }
        painter.setPen(piece.probability < 0 ? QColor(0x55, 0x55, 0x55) : QColor(0x10, 0x10, 0x10));
        painter.drawText(box.adjusted(kPadX, 0, -kPadX, 0), Qt::AlignLeft | Qt::AlignVCenter, part.text);
    }
}

void TokenStream::mousePressEvent(QMouseEvent* event)
{
    const int i = pieceAt(event->position().toPoint());
    if (clickable_ && i >= 0 && event->button() == Qt::LeftButton) {
        Q_EMIT pieceClicked(i);
    }
    QWidget::mousePressEvent(event);
}

void TokenStream::mouseMoveEvent(QMouseEvent* event)
{
    const int i = pieceAt(event->position().toPoint());
    setCursor(clickable_ && i >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
    QWidget::mouseMoveEvent(event);
}

} // namespace lumen::widgets
