// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What the head view's and the model view's scrolling canvases share: scroll ranges for a
// content size, and showing or hiding the scroll bars at once. Private to widgets/.

#include <QAbstractScrollArea>
#include <QCoreApplication>
#include <QEvent>
#include <QScrollBar>

namespace lumen::widgets::detail {

/// Sets `area`'s ranges and page steps for `content` (pixels) and the single steps, then
/// shows or hides the scroll bars now rather than in the next event-loop turn (Qt queues
/// that), so that a grab() right after setData() sees the final viewport. `layingOut`
/// guards against the re-entry that layout causes (it resizes the viewport).
inline void setScrollContent(QAbstractScrollArea& area, QSize content, QSize singleStep,
                             bool& layingOut)
{
    const QSize view = area.viewport()->size();
    area.horizontalScrollBar()->setRange(0, qMax(0, content.width() - view.width()));
    area.verticalScrollBar()->setRange(0, qMax(0, content.height() - view.height()));
    area.horizontalScrollBar()->setPageStep(view.width());
    area.verticalScrollBar()->setPageStep(view.height());
    area.horizontalScrollBar()->setSingleStep(singleStep.width());
    area.verticalScrollBar()->setSingleStep(singleStep.height());
    if (!layingOut) {
        layingOut = true;
        QEvent request(QEvent::LayoutRequest);
        QCoreApplication::sendEvent(&area, &request);
        layingOut = false;
    }
}

} // namespace lumen::widgets::detail
