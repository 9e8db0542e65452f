// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A view as a slide: a heading, a caption under it and the picture filling the rest, for
// View > Export Slide and the attention timeline's frames.
//
//   QImage image(1920, 1080, QImage::Format_RGB32);
//   QPainter p(&image);
//   paintSlide(p, image.rect(), "BERT: the agreement head", "Layer 2, head 3 ...", view->grab(), font());
//
// Thread safety: GUI thread only (it paints a QPixmap).

#include <QFont>
#include <QPixmap>
#include <QRect>
#include <QString>

class QPainter;

namespace lumen::widgets {

/// Paints the slide on `page` (white; the heading bold at 1/18 of the height, the caption at
/// 1/30, both wrapped; the picture scaled to the room left, its aspect kept, centred).
void paintSlide(QPainter& p, const QRect& page, const QString& heading, const QString& caption, const QPixmap& picture,
    const QFont& font);

} // namespace lumen::widgets
