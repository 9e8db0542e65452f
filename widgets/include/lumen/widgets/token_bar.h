// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A bar per token: one value per position, e.g. a row of attention rollout ("how much does
// the output at position i draw from each input token") or a saliency score, with the
// tokens as labels under their bars, a value axis, a tooltip with the exact value, one
// highlighted token, and a horizontal scroll bar once the bars no longer fit.
//
//   bar->setData(tokens, rollout.row(i), tr("Rollout to layer 11, from 'fox'"));
//   bar->setHighlightedToken(i);
//   connect(bar, &TokenBar::tokenClicked, view, &AttentionView::setHighlightedToken);
//
// Bars start at 0 and span 0..the largest value (down to the smallest, when some are
// negative). Only the bars in view are painted, so 4096 tokens scroll as smoothly as 10.
// Thread safety: GUI thread only.

#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QScrollBar;

namespace lumen::widgets {

class TokenBar : public QWidget {
    Q_OBJECT

public:
    explicit TokenBar(QWidget* parent = nullptr);
    ~TokenBar() override;

    /// Shows one bar per token. Values and tokens of different lengths are refused (the bar
    /// is cleared and a warning logged).
    void setData(const QStringList& tokens, const std::vector<float>& values,
        const QString& title = QString());
    void clear();

    const QStringList& tokens() const { return tokens_; }
    const std::vector<float>& values() const { return values_; }
    QString title() const;
    int count() const { return static_cast<int>(values_.size()); }
    /// The value bar `i` stands for, NaN out of range.
    float value(int i) const;
    /// "'fox' (position 3): 0.1234"
    QString toolTipText(int i) const;

    /// Marks one token (-1: none) and scrolls it into view.
    void setHighlightedToken(int i);
    int highlightedToken() const { return highlighted_; }

    /// The narrowest a bar gets before the bar scrolls (default 18 pixels).
    void setMinimumBarWidth(int pixels);
    int barWidth() const;

    /// Bar `i`'s rectangle in canvas() coordinates, as painted at the current scroll
    /// position (outside the canvas when scrolled away); empty for a zero value.
    QRect barRect(int i) const;
    /// The token whose column contains `pos` (canvas coordinates), -1 for none.
    int tokenAt(QPoint pos) const;
    /// The value range the bars span (0..max, or min..max when some are negative).
    std::pair<double, double> valueRange() const { return { lo_, hi_ }; }

    QWidget* canvas() const;
    QScrollBar* scrollBar() const { return scrollBar_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void tokenClicked(int token);
    void tokenHovered(int token, float value);

private:
    class Canvas;
    friend class Canvas;

    void relayout();
    QRect barArea() const;
    int labelHeight() const;
    int axisWidth() const;
    QString formatValue(double v) const;

    QStringList tokens_;
    std::vector<float> values_;
    double lo_ = 0.0;
    double hi_ = 1.0;
    int highlighted_ = -1;
    int hovered_ = -1;
    int minBarWidth_ = 18;
    int barWidth_ = 18;
    bool rotatedLabels_ = true;
    QLabel* title_ = nullptr;
    Canvas* canvas_ = nullptr;
    QScrollBar* scrollBar_ = nullptr;
};

} // namespace lumen::widgets
