// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/slide.h"

#include <QPainter>

namespace lumen::widgets {

void paintSlide(QPainter& p, const QRect& page, const QString& heading, const QString& caption, const QPixmap& picture,
    const QFont& font)
{
    p.fillRect(page, Qt::white);
    const int margin = page.height() / 20;
    QFont title = font;
    title.setPixelSize(page.height() / 18);
    title.setBold(true);
    p.setFont(title);
    p.setPen(QColor(0x0b, 0x2a, 0x4a));
    const QRect text = page.adjusted(margin, margin, -margin, 0);
    const QRect used = p.boundingRect(text, Qt::AlignLeft | Qt::TextWordWrap, heading);
    p.drawText(text, Qt::AlignLeft | Qt::TextWordWrap, heading);
    int top = used.bottom() + margin / 3;
    if (!caption.isEmpty()) {
        QFont body = font;
        body.setPixelSize(page.height() / 30);
        p.setFont(body);
        p.setPen(QColor(0x33, 0x33, 0x33));
        const QRect area(page.left() + margin, top, page.width() - 2 * margin, page.height());
        const QRect c = p.boundingRect(area, Qt::AlignLeft | Qt::TextWordWrap, caption);
        p.drawText(area, Qt::AlignLeft | Qt::TextWordWrap, caption);
        top = c.bottom() + margin / 3;
    }
    const QRect room(page.left() + margin, top, page.width() - 2 * margin, page.bottom() - margin - top);
    const QSize fitted = picture.size().scaled(room.size(), Qt::KeepAspectRatio);
    const QRect target(room.left() + (room.width() - fitted.width()) / 2, room.top(), fitted.width(), fitted.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawPixmap(target, picture);
}

} // namespace lumen::widgets
