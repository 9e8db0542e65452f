// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The model view: every layer (rows) and head (columns) of one text as a small attention
// map, to find the head worth a closer look. Clicking a map emits headActivated (the app
// opens that head); the selected head is outlined; a highlighted query is marked on every
// map; hovering tells the layer, head, the pair under the mouse and that query's top key.
//
//   ModelView* view = new ModelView;
//   view->setData(set);                 // AttentionSet (attention_set.h), shared, not copied
//   view->setSelectedHead(3, 7);
//   connect(view, &ModelView::headActivated, ...);
//
// Colours: colormaps::sequential (viridis) over 0..1, or 0..each map's largest weight with
// setStretchColors(true). Padding is cut out of the maps; for a causal model the future
// (key > query) is drawn in a neutral grey, not as zero attention.
//
// Rendering: a map is rendered from the shared buffer into an 8-bit indexed QImage of at
// most as many pixels as the cell has (a power of two at or above the cell size; never
// more than the tokens), each pixel the maximum of the weights it covers, so that a sharp
// pattern (previous token, [SEP]) survives downsampling. Images are cached (16 MiB, least
// recently used first out) and rendered lazily: a paint renders only the cells in view,
// and only for paintBudgetMs() (then it shows placeholders and continues in the next
// event-loop turn), so that scrolling a 32 x 32 grid at 512 tokens never stalls.
// Cells are at least kMinCellPx; zoom with Ctrl+wheel, the slider, or "Fit".
// Thread safety: GUI thread only.

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/color_maps.h"

#include <QCache>
#include <QImage>
#include <QRect>
#include <QWidget>

#include <vector>

class QCheckBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace lumen::widgets {

class ModelView : public QWidget {
    Q_OBJECT

public:
    static constexpr int kMinCellPx = 24;
    static constexpr int kMaxCellPx = 320;
    /// Index of a masked pixel (causal future) in a thumbnail; weights use 0..254.
    static constexpr int kMaskedIndex = 255;
    static constexpr int kWeightLevels = 254;

    explicit ModelView(QWidget* parent = nullptr);
    ~ModelView() override;

    /// Shows `set` (its weights are shared, not copied), keeping the selection where it
    /// still exists. An inconsistent set clears the view (and logs a warning).
    void setData(const AttentionSet& set);
    void clear();
    const AttentionSet& data() const { return set_; }
    bool hasData() const { return set_.isValid(); }

    /// Outlines (layer, head); (-1, -1) for none. Scrolls it into view.
    void setSelectedHead(int layer, int head);
    int selectedLayer() const { return selectedLayer_; }
    int selectedHead() const { return selectedHead_; }

    /// Marks query `position`'s row on every map; -1 for none.
    void setHighlightedQuery(int position);
    int highlightedQuery() const { return highlightedQuery_; }

    /// Cell edge in pixels, kMinCellPx..kMaxCellPx; setting it turns fitToView off.
    void setCellSize(int pixels);
    int cellSize() const { return cellPx_; }
    /// On (the default): the cell size follows the widget so the grid fits, down to
    /// kMinCellPx (then it scrolls).
    void setFitToView(bool on);
    bool fitToView() const { return fit_; }

    void setStretchColors(bool on);
    bool stretchColors() const { return stretch_; }
    /// On: colours follow log10 of the weight from kLogFloor (the darkest) to 1 (or to the
    /// map's largest weight when stretched), so weak but structured patterns show; weights
    /// at or under the floor take the darkest colour. Off (the default): linear.
    void setLogScale(bool on);
    bool logScale() const { return log_; }
    static constexpr float kLogFloor = 1e-4f;
    void setColorMap(colormaps::Sequential map);

    /// How long one paint may spend rendering maps not yet cached; 0: no limit (export).
    void setPaintBudgetMs(int ms) { budgetMs_ = ms; }
    int paintBudgetMs() const { return budgetMs_; }

    /// Pixels per side a map is rendered at for the current cell size.
    int thumbnailResolution() const;
    /// The map of (layer, head) at `resolution` (default: the current one), from the cache
    /// or rendered now: Format_Indexed8, pixel index round(t x 254) with t = weight / scale
    /// where scale is 1 (or the map's largest weight when stretched), or on the log scale
    /// t = log(max(weight / scale, kLogFloor) / kLogFloor) / log(1 / kLogFloor) (0 for a
    /// zero weight); kMaskedIndex for the causal future. At most `resolution` pixels a
    /// side, and no more than there are real queries (rows) and keys (columns).
    QImage thumbnail(int layer, int head, int resolution = 0) const;
    /// Maps in view that the last paint left as placeholders (its budget ran out).
    int pendingThumbnails() const { return pending_; }
    int cachedThumbnails() const { return cache_.count(); }

    /// Where (layer, head) is drawn, in canvas() coordinates (may lie outside the view).
    QRect cellRect(int layer, int head) const;
    QRect rowLabelRect(int layer) const;
    QRect columnLabelRect(int head) const;
    QString rowLabel(int layer) const;
    QString columnLabel(int head) const;
    /// The cell and the (query, key) pair at `point`; false between cells.
    bool cellAt(
        QPoint point, int* layer, int* head, int* query = nullptr, int* key = nullptr) const;
    /// "Layer 3 · Head 7", then the pair and the query's strongest key.
    QString cellToolTip(int layer, int head, int query = -1, int key = -1) const;
    /// The tooltip text for the cell under the mouse, empty off the cells.
    QString hoverText() const { return hoverText_; }
    int hoveredLayer() const { return hoverLayer_; }
    int hoveredHead() const { return hoverHead_; }

    /// The grid's full size (labels included), which scrolls when larger than the view.
    QSize contentSize() const;
    /// The widget that paints the grid and takes the mouse.
    QWidget* canvas() const;
    QSlider* zoomSlider() const { return zoomSlider_; }
    QToolButton* fitButton() const { return fitButton_; }
    QCheckBox* stretchBox() const { return stretchBox_; }
    QCheckBox* logBox() const { return logBox_; }
    /// Off: the zoom, fit, stretch and scale controls are hidden, leaving the maps, their
    /// colour bar and counts (a figure: lumen-cli attention).
    void setControlsVisible(bool visible);

    QSize sizeHint() const override;

Q_SIGNALS:
    /// A map was clicked (or Return pressed on the selection): open that head.
    void headActivated(int layer, int head);
    /// The mouse moved onto a map, or to another pair in it; (-1, -1, -1, -1) off the maps.
    void headHovered(int layer, int head, int query, int key);
    void cellSizeChanged(int pixels);

private:
    class Canvas;
    friend class Canvas;

    struct Geometry {
        int cell = 48;
        int gap = 4;
        int labelWidth = 40; ///< row labels, left margin included
        int headerHeight = 24; ///< column labels, top margin included
        int pitch() const { return cell + gap; }
    };

    void relayout();
    void updateControls();
    void invalidateThumbnails();
    void setHover(int layer, int head, int query, int key);
    void activate(int layer, int head);
    void zoomBy(double factor, QPoint anchor);
    void applyCellSize(int pixels, QPoint anchor);
    int resolutionFor(int cellPixels) const;
    QImage renderThumbnail(int layer, int head, int resolution) const;
    const QImage* cachedThumbnail(int layer, int head, int resolution) const;
    QVector<QRgb> colorTable() const;

    AttentionSet set_;
    std::vector<int> real_; ///< map row -> query position, real tokens only
    std::vector<int> realOf_; ///< query position -> map row, -1 for padding
    /// map column -> key position: real_ for self-attention, the keys' own for
    /// cross-attention (the maps are then queries x keys, drawn into square cells)
    std::vector<int> realKeys_;
    int selectedLayer_ = -1;
    int selectedHead_ = -1;
    int highlightedQuery_ = -1;
    int hoverLayer_ = -1;
    int hoverHead_ = -1;
    int hoverQuery_ = -1;
    int hoverKey_ = -1;
    QString hoverText_;
    int cellPx_ = 48;
    bool fit_ = true;
    bool stretch_ = false;
    bool log_ = false;
    colormaps::Sequential map_ = colormaps::Sequential::Viridis;
    int budgetMs_ = 40;
    int pending_ = 0;
    Geometry geometry_;
    mutable QCache<quint64, QImage> cache_;

    Canvas* canvas_ = nullptr;
    QSlider* zoomSlider_ = nullptr;
    QToolButton* fitButton_ = nullptr;
    QCheckBox* stretchBox_ = nullptr;
    QCheckBox* logBox_ = nullptr;
    QList<QWidget*> interactive_; ///< what setControlsVisible hides
    QLabel* colorMinLabel_ = nullptr;
    QLabel* colorBar_ = nullptr;
    QLabel* colorMaxLabel_ = nullptr;
    QLabel* countsLabel_ = nullptr;
    QTimer* refresh_ = nullptr;
};

} // namespace lumen::widgets
