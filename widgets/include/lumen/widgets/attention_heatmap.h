// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A heatmap of one attention matrix: one cell per (query, key) token pair, queries down the
// y axis (first token at the top), keys along the x axis, token strings as tick labels, a
// colour scale and a tooltip naming both tokens and the exact weight.
//
//   AttentionHeatmapData d;
//   d.queryTokens = d.keyTokens = {"[CLS]", "the", "fox", "[SEP]"};
//   d.weights = ...;                     // row-major [query][key], 16 values
//   d.querySpecial = d.keySpecial = {1, 0, 0, 1};
//   d.title = QStringLiteral("Layer 0 · Head 1");
//   heatmap->setData(d);
//   heatmap->setScale(AttentionHeatmap::Scale::Log);
//   heatmap->setThreshold(0.05);         // weights under 0.05 drawn as background
//
// Interaction: the mouse wheel zooms around the cursor, dragging pans, a double click (or
// resetZoom()) shows the whole map again; clicking a cell or a query label highlights that
// query's row and emits tokenClicked().
//
// Long inputs: the colour map holds at most about one map cell per screen pixel. When the
// view shows more cells than pixels, each map cell is the maximum (or the mean, see
// setOverview()) of a 2^n x 2^n block of weights, taken from a pyramid built once per
// setData(); when zoomed in, the map holds the weights themselves, for the visible window
// plus a margin only. So a repaint costs about the same at 64 tokens and at 4096.
//
// Masked cells (padding rows and columns, the future keys of a causal map) hold NaN in the
// colour map and are drawn in a neutral grey; cells under the threshold are drawn as the
// background (their alpha in the colour map is 0). Special tokens get an orange mark beside
// their label; the first position of text B of a pair gets a line across the map.
//
// The widget draws what it is handed and never touches a model.
// Thread safety: GUI thread only.

#include <QPointF>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPLayer;
class QCPTextElement;
class QCPRange;
class QMouseEvent;
class QWheelEvent;

namespace lumen::widgets {

struct AttentionHeatmapData {
    QStringList queryTokens;
    QStringList keyTokens;
    std::vector<float> weights; ///< row-major [query][key], queryTokens.size() x keyTokens.size()
    QString title;
    /// the axes' titles; empty = "query" and "key"
    QString queryAxis;
    QString keyAxis;
    /// per query / key: 0 = padding (its row / column is masked); empty = all real
    std::vector<uint8_t> queryValid;
    std::vector<uint8_t> keyValid;
    /// per query / key: 1 = a special token ([CLS], <s>, ...), marked beside its label
    std::vector<uint8_t> querySpecial;
    std::vector<uint8_t> keySpecial;
    /// first query / key of text B of a sentence pair (a line is drawn before it); -1: none
    int querySegmentStart = -1;
    int keySegmentStart = -1;
    /// a decoder's map: cells with key > query (the future) are masked
    bool causal = false;
    /// what a weight is, for the colour bar; empty = "attention weight"
    QString valueName;

    int queries() const { return static_cast<int>(queryTokens.size()); }
    int keys() const { return static_cast<int>(keyTokens.size()); }
    /// weights has exactly queries() x keys() values, both are non-zero, and the per-token
    /// vectors are empty or one per token
    bool isValid() const;
    /// padding or (causal) a future key: not drawn
    bool isMasked(int query, int key) const;
};

class AttentionHeatmap : public QWidget {
    Q_OBJECT

public:
    /// What the colours span: the full 0..1 of a probability (comparable between heads and
    /// layers), 0..the largest weight shown (to see structure in flat, diffuse maps), or
    /// -m..m with m the largest magnitude (signed values: a difference of two maps).
    enum class ColorRange { Unit, ToMax, Symmetric };
    /// Linear: colour proportional to the weight. Log: to log10(weight), from logFloor() up;
    /// the colour map then holds the weights raised to at least logFloor().
    enum class Scale { Linear, Log };
    /// Cividis (the default) is sequential and readable with every common colour-vision
    /// deficiency; Viridis was the earlier default. Diverging (blue - white - red, for signed
    /// values with ColorRange::Symmetric) tells negative from positive without green.
    enum class Gradient { Cividis, Viridis, Diverging };
    /// What a downsampled overview cell shows: the block's largest weight (a single strong
    /// cell stays visible, the default) or the block's mean.
    enum class Overview { Max, Mean };

    explicit AttentionHeatmap(QWidget* parent = nullptr);
    ~AttentionHeatmap() override;

    void setColorRange(ColorRange range);
    ColorRange colorRange() const { return colorRange_; }
    void setScale(Scale scale);
    Scale scale() const { return scale_; }
    /// The smallest weight the log scale tells apart (default 1e-4); must be > 0.
    void setLogFloor(double floor);
    double logFloor() const { return logFloor_; }
    void setGradient(Gradient gradient);
    Gradient gradient() const { return gradient_; }
    /// Weights below `threshold` are drawn as the background; 0 (the default) draws all.
    void setThreshold(double threshold);
    double threshold() const { return threshold_; }
    void setOverview(Overview overview);
    Overview overview() const { return overview_; }

    /// On (the default): the plot narrows, centred, so that cells are square and the
    /// diagonal of a self-attention map runs at 45 degrees. Off: the map fills the width.
    void setSquareCells(bool on);
    bool squareCells() const { return squareCells_; }

    /// Shows `data`. Data whose weight count does not match its token counts is refused
    /// (the map is cleared and a warning logged) rather than drawn wrongly. New data of the
    /// same size keeps the zoom (switching heads keeps the place looked at). Taken by value:
    /// hand over a temporary (or std::move) and the weights are not copied.
    void setData(AttentionHeatmapData data);
    void clear();
    const AttentionHeatmapData& data() const { return data_; }

    /// The weight handed in for a cell (exact; what the tooltip shows), NaN when out of range.
    float cellValue(int query, int key) const;
    /// The value the colour map holds for the map cell that covers (query, key), read back
    /// from the QCPColorMap: the weight itself at full resolution, the block's max or mean
    /// in an overview, NaN when masked or outside the map's current window.
    float mapValue(int query, int key) const;
    /// The colour map's (key index, value index) of the map cell covering (query, key), or
    /// (-1, -1) outside its current window. Read alpha() there for the threshold.
    QPoint mapCellOf(int query, int key) const;
    /// Cells per map cell along each axis: 1 at full resolution, 2^n in an overview.
    int overviewFactor() const { return factor_; }
    /// The tooltip text for a cell: "query 'fox' → key 'the': 0.1234", with "(padding)" or
    /// "(future token)" after a masked cell's weight.
    QString cellText(int query, int key) const;
    /// Tick labels as drawn, in axis order: the visible tokens, every n-th one where they
    /// would overlap.
    QStringList queryTickLabels() const;
    QStringList keyTickLabels() const;

    /// Zooms by `factor` (> 1 in) keeping the cell under `pixel` (plot coordinates) in place;
    /// never further out than the whole map, never further in than 4 cells.
    void zoomAt(QPointF pixel, double factor);
    /// Moves the view by a mouse drag of `pixels`, clamped to the map.
    void panBy(QPointF pixels);
    void resetZoom();
    bool isZoomed() const { return scale01_ < 1.0; }
    /// The visible axis ranges in cell coordinates (cell i spans i-0.5 .. i+0.5).
    QCPRange visibleKeyRange() const;
    QCPRange visibleQueryRange() const;

    /// Outlines one query's row (-1: none), as when the user clicks it.
    void setHighlightedQuery(int query);
    int highlightedQuery() const { return highlightedQuery_; }

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
    /// A click (not a drag) on a cell.
    void cellClicked(int query, int key);
    /// A click on a cell or a query label (that query), or on a key label (that key).
    void tokenClicked(int token);
    /// The visible range changed (zoom, pan, reset, new data).
    void viewChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    /// A font change (presentation mode's larger type, a system font) reaches the axes,
    /// the title and the colour scale, which keep their own copies.
    void changeEvent(QEvent* event) override;

private:
    class Overlay;
    struct Pyramid;

    void onMouseMove(QMouseEvent* event);
    void onMousePress(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void onWheel(QWheelEvent* event);
    void clearHover();
    void handleClick(QPointF pos);
    /// Sets the axis ranges from the zoom state, refreshes the colour map's window and the
    /// labels; replots when `replot`.
    void updateView(bool replot);
    void refreshMap(bool force);
    void fillMap(int factor, int keyBegin, int keyEnd, int queryBegin, int queryEnd);
    const Pyramid& pyramid(int level);
    QSize mapPixels() const;
    void rebuildTickLabels();
    void applyColorRange();
    void applyGradient();
    void fitWidthToSquareCells();
    int labelStep(int count, double pixels) const;
    int cellAt(double coord, int count) const;
    QString formatWeight(float weight) const;
    void setViewCentre(double centreKey, double centreQuery);

    AttentionHeatmapData data_;
    QCustomPlot* plot_ = nullptr;
    QCPColorMap* colorMap_ = nullptr;
    QCPColorScale* colorScale_ = nullptr;
    QCPTextElement* title_ = nullptr;
    QCPLayer* overlayLayer_ = nullptr;
    Overlay* overlay_ = nullptr;
    ColorRange colorRange_ = ColorRange::Unit;
    Scale scale_ = Scale::Linear;
    Gradient gradient_ = Gradient::Cividis;
    Overview overview_ = Overview::Max;
    double logFloor_ = 1e-4;
    double threshold_ = 0.0;
    float maxWeight_ = 0.0f; ///< the largest unmasked weight, for ToMax; < 0: not found yet
    bool squareCells_ = true;
    int hoverQuery_ = -1;
    int hoverKey_ = -1;
    int highlightedQuery_ = -1;
    int queryLabelStep_ = 1;
    int keyLabelStep_ = 1;

    // Zoom state: the visible fraction of each axis (1 = all) and the view's centre.
    double scale01_ = 1.0;
    double centreKey_ = 0.0;
    double centreQuery_ = 0.0;
    // Mouse drag.
    bool pressed_ = false;
    bool dragging_ = false;
    QPointF pressPos_;
    double pressCentreKey_ = 0.0;
    double pressCentreQuery_ = 0.0;

    // What the colour map holds: map cells [keyBegin_, keyEnd_) x [queryBegin_, queryEnd_)
    // of pyramid level log2(factor_); -1 when nothing.
    int factor_ = 1;
    int keyBegin_ = -1;
    int keyEnd_ = -1;
    int queryBegin_ = -1;
    int queryEnd_ = -1;
    QSize lastPixels_;
    std::vector<std::unique_ptr<Pyramid>> pyramids_; ///< index level-1, built on demand
};

} // namespace lumen::widgets
