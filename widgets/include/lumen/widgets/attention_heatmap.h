// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A heatmap of one attention matrix: one cell per (query, key) token pair, queries down the
// y axis (first token at the top), keys along the x axis, token strings as tick labels, a
// 0..1 colour scale and a tooltip naming both tokens and the weight.
//
//   AttentionHeatmapData d;
//   d.queryTokens = d.keyTokens = {"[CLS]", "the", "fox", "[SEP]"};
//   d.weights = ...;                     // row-major [query][key], 16 values
//   d.title = QStringLiteral("Layer 0 · Head 1");
//   heatmap->setData(d);
//
// The widget draws what it is handed and never touches a model.
// Thread safety: GUI thread only.

#include <QStringList>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPTextElement;
class QMouseEvent;

namespace lumen::widgets {

struct AttentionHeatmapData {
    QStringList queryTokens;
    QStringList keyTokens;
    std::vector<float> weights; ///< row-major [query][key], queryTokens.size() x keyTokens.size()
    QString title;

    int queries() const { return static_cast<int>(queryTokens.size()); }
    int keys() const { return static_cast<int>(keyTokens.size()); }
    /// weights has exactly queries() x keys() values and both are non-zero
    bool isValid() const;
};

class AttentionHeatmap : public QWidget {
    Q_OBJECT

public:
    /// What the colours span: the full 0..1 of a probability (comparable between heads and
    /// layers), or 0..the largest weight shown (to see structure in flat, diffuse maps).
    enum class ColorRange { Unit, ToMax };

    explicit AttentionHeatmap(QWidget* parent = nullptr);
    ~AttentionHeatmap() override;

    void setColorRange(ColorRange range);
    ColorRange colorRange() const { return colorRange_; }

    /// On (the default): the plot narrows, centred, so that cells are square and the
    /// diagonal of a self-attention map runs at 45 degrees. Off: the map fills the width.
    void setSquareCells(bool on);
    bool squareCells() const { return squareCells_; }

    /// Shows `data`. Data whose weight count does not match its token counts is refused
    /// (the map is cleared and a warning logged) rather than drawn wrongly.
    void setData(const AttentionHeatmapData& data);
    void clear();
    const AttentionHeatmapData& data() const { return data_; }

    /// The value the colour map holds for a cell (read back from the QCPColorMap), NaN when
    /// out of range.
    float cellValue(int query, int key) const;
    /// The tooltip text for a cell: "query 'fox' → key 'the': 0.1234".
    QString cellText(int query, int key) const;
    /// Tick labels as drawn, in axis order. Dense maps label every n-th token only.
    QStringList queryTickLabels() const;
    QStringList keyTickLabels() const;

    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* colorMap() const { return colorMap_; }
    QCPColorScale* colorScale() const { return colorScale_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    /// The mouse moved onto a cell.
    void cellHovered(int query, int key, float weight);
    /// The mouse left the cells.
    void hoverCleared();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onMouseMove(QMouseEvent* event);
    void clearHover();
    void rebuildTickLabels();
    void applyColorRange();
    void fitWidthToSquareCells();
    int labelStep(int count, double pixels) const;

    AttentionHeatmapData data_;
    QCustomPlot* plot_ = nullptr;
    QCPColorMap* colorMap_ = nullptr;
    QCPColorScale* colorScale_ = nullptr;
    QCPItemRect* hoverRect_ = nullptr;
    QCPTextElement* title_ = nullptr;
    ColorRange colorRange_ = ColorRange::Unit;
    bool squareCells_ = true;
    int hoverQuery_ = -1;
    int hoverKey_ = -1;
    int queryLabelStep_ = 1;
    int keyLabelStep_ = 1;
};

} // namespace lumen::widgets
