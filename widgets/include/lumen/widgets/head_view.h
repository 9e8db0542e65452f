// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The head view (after bertviz): the tokens of one text twice, queries on the left and keys
// on the right, and a line from each query to each key it attends to, one colour per head,
// opacity and width by weight. One layer at a time; heads are switched on and off with the
// chips above; hovering a token keeps only its lines (a query: what it looks at; a key: who
// looks at it), and clicking one keeps that selection until it is clicked again.
//
//   HeadView* view = new HeadView;
//   view->setData(set);               // AttentionSet (attention_set.h), shared, not copied
//   view->setLayer(3);
//   view->setHeadEnabled(0, false);
//   connect(view, &HeadView::tokenClicked, ...);
//
// What is drawn: lines between real tokens only (padding is left out entirely), only the
// allowed direction for a causal model (key <= query), weights below threshold() (0.01 by
// default; a line that faint is under 3/255 opaque anyway) are skipped. Special tokens are
// greyed and boxed; the start of text B of a pair gets a dashed rule and an "A"/"B" mark.
//
// Long inputs: the columns scroll and a paint touches only the rows in view (their labels,
// the lines with an end among them); the lines of a layer above the threshold are indexed
// once per layer, by query and by key. A weight row sums to 1, so the index holds at most
// heads x tokens / threshold lines (12 heads at 2048 tokens: 2.5 M at the worst, a few
// hundred thousand for real heads); bench/README.md ("Attention views") has the timings.
// A paint draws every line of the queries in view and, of the lines that come into the keys
// in view from queries out of view, the 2000 strongest; a line with both ends out of view is
// not drawn.
// Thread safety: GUI thread only.

#include "lumen/widgets/attention_set.h"

#include <QRect>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCheckBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;

namespace lumen::widgets {

class HeadView : public QWidget {
    Q_OBJECT

public:
    enum class Side { Query, Key };
    /// One line of the picture: `head` attends from `query` to `key` with `weight`.
    struct Line {
        int query = 0;
        int key = 0;
        int head = 0;
        float weight = 0;
    };
    static constexpr float kDefaultThreshold = 0.01f;

    explicit HeadView(QWidget* parent = nullptr);
    ~HeadView() override;

    /// Shows `set` (its weights are shared, not copied), keeping the layer, the heads'
    /// on/off states and the selection where they still exist. An inconsistent set clears
    /// the view (and logs a warning).
    void setData(const AttentionSet& set);
    void clear();
    const AttentionSet& data() const { return set_; }
    bool hasData() const { return set_.isValid(); }

    int layer() const { return layer_; }
    /// Clamped to the data's layers; emits layerChanged when it changes.
    void setLayer(int layer);

    bool isHeadEnabled(int head) const;
    void setHeadEnabled(int head, bool enabled);
    void setAllHeadsEnabled(bool enabled);
    /// Only `head` on; soloing the only head on switches all heads back on.
    void soloHead(int head);

    float threshold() const { return threshold_; }
    /// Weights below `threshold` (0..1) are not drawn.
    void setThreshold(float threshold);
    /// A line's opacity steps with its weight: linear (the default), round(weight x
    /// kOpacityLevels); on the log scale, with log(weight / threshold) from the threshold
    /// (the faintest) to 1, so weak lines of a broad head stay told apart. Always 1 ..
    /// kOpacityLevels.
    static constexpr int kOpacityLevels = 24;
    void setLogScale(bool on);
    bool logScale() const { return log_; }
    /// The lines' width in pixels (1 by default; presentation mode draws them thicker). A
    /// heavier line is several strokes side by side, each this wide.
    void setLineWidth(double width);
    double lineWidth() const { return lineWidth_; }
    int opacityLevel(float weight) const;

    /// The selected query token, whose lines are shown alone while nothing is hovered; -1
    /// for none. Out-of-range or padding positions clear it.
    int highlightedToken() const { return highlightPosition_; }
    Side highlightedSide() const { return highlightSide_; }
    void setHighlightedToken(int position);

    /// The token under the mouse, -1 for none.
    int hoveredToken() const { return hoverPosition_; }
    Side hoveredSide() const { return hoverSide_; }

    /// The lines of the current layer that the view would draw for token `position` on
    /// `side` (enabled heads, above the threshold, allowed, between real tokens).
    std::vector<Line> linesOf(Side side, int position) const;
    /// The lines of the current layer above the threshold for the enabled heads.
    std::vector<Line> allLines() const;
    /// Exactly the lines the last paint drew (for tests and the benchmark).
    const std::vector<Line>& paintedLines() const { return painted_; }

    /// Where token `position` is drawn on `side`, in canvas() coordinates (may lie outside
    /// the visible part); empty for padding and out-of-range positions.
    QRect tokenRect(Side side, int position) const;
    /// The token at `point` (canvas() coordinates), -1 for none; sets *side.
    int tokenAt(QPoint point, Side* side = nullptr) const;
    /// The tooltip for a token: its text and position, then the strongest weight per
    /// enabled head.
    QString tokenToolTip(Side side, int position) const;
    /// Scrolls so that query `position` is in view.
    void ensureTokenVisible(int position);

    /// The widget that paints the columns and takes the mouse.
    QWidget* canvas() const;
    QSpinBox* layerSelector() const { return layerBox_; }
    QSlider* thresholdSlider() const { return thresholdSlider_; }
    QCheckBox* logBox() const { return logBox_; }
    /// Off: the layer, threshold and scale controls and the All / None buttons are hidden,
    /// leaving the picture, its head legend and counts (a figure: lumen-cli attention).
    void setControlsVisible(bool visible);
    /// The head chips (click: on/off, double-click: this head alone).
    QWidget* headLegend() const;
    /// Chip of `head` in headLegend() coordinates.
    QRect headChipRect(int head) const;

    QSize sizeHint() const override;

Q_SIGNALS:
    /// The mouse moved onto token `position` (-1: off every token).
    void tokenHovered(int position);
    void tokenClicked(int position);
    void layerChanged(int layer);
    void headsChanged();

private:
    class Canvas;
    class Legend;
    friend class Canvas;
    friend class Legend;

    struct Geometry {
        int rowHeight = 20;
        int headerHeight = 24;
        int gutterWidth = 0;
        int tokenWidth = 80;
        int lineWidth = 240;
        int left = 0; ///< x of the gutter, centring the columns in the canvas
        int queryLeft() const { return left + gutterWidth; }
        int keyLeft() const { return queryLeft() + tokenWidth + lineWidth; }
        int contentWidth() const { return gutterWidth + 2 * tokenWidth + lineWidth; }
    };

    void rebuildRows();
    void rebuildLines();
    void relayout();
    void updateControls();
    void setHover(Side side, int position);
    void clickToken(Side side, int position);
    int rowY(int row) const; ///< top of row `row` in canvas coordinates
    std::vector<Line> linesToPaint(int firstRow, int lastRow) const;
    bool isShown(const Line& line) const;

    AttentionSet set_;
    int layer_ = 0;
    float threshold_ = kDefaultThreshold;
    bool log_ = false;
    double lineWidth_ = 1.0;
    std::vector<uint8_t> headEnabled_;
    /// One column of tokens: the queries on the left, the keys on the right (the same
    /// positions for self-attention; the encoder's tokens for cross-attention).
    struct Column {
        std::vector<int> rows; ///< row -> position, real tokens only
        std::vector<int> rowOf; ///< position -> row, -1 for padding
        int rowCount() const { return static_cast<int>(rows.size()); }
        /// the row of `position`, -1 for padding or out of range
        int rowAt(int position) const
        {
            return position >= 0 && position < static_cast<int>(rowOf.size())
                ? rowOf[static_cast<size_t>(position)]
                : -1;
        }
    };
    const Column& column(Side side) const { return side == Side::Query ? queries_ : keys_; }
    /// rows the canvas holds: the longer column's
    int rowCount() const { return qMax(queries_.rowCount(), keys_.rowCount()); }
    Column queries_;
    Column keys_;
    // The current layer's lines above the threshold, ordered by query row, then head, then
    // key; byQuery_[r] .. byQuery_[r + 1] are query row r's. byKey_ indexes them by key row
    // (keyStart_ as byQuery_).
    std::vector<Line> lines_;
    std::vector<uint32_t> byQuery_;
    std::vector<uint32_t> keyStart_;
    std::vector<uint32_t> byKey_;
    std::vector<Line> painted_;

    Side hoverSide_ = Side::Query;
    int hoverPosition_ = -1;
    Side highlightSide_ = Side::Query;
    int highlightPosition_ = -1;

    Geometry geometry_;
    Canvas* canvas_ = nullptr;
    Legend* legend_ = nullptr;
    QSpinBox* layerBox_ = nullptr;
    QSlider* thresholdSlider_ = nullptr;
    QCheckBox* logBox_ = nullptr;
    QList<QWidget*> interactive_; ///< what setControlsVisible hides
    QLabel* thresholdLabel_ = nullptr;
    QLabel* countsLabel_ = nullptr;
    QToolButton* allButton_ = nullptr;
    QToolButton* noneButton_ = nullptr;
    QWidget* controls_ = nullptr;
};

} // namespace lumen::widgets
