// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// An attention heatmap with layer and head selectors, over every layer's and head's
// attention for one text, with the heatmap's display controls: stretched colours, a log
// scale, a threshold slider and a zoom reset.
//
//   AttentionSet set = ...;               // attention_set.h
//   view->setData(set);
//   view->setLayer(2); view->setHead(1);  // or kMeanOfHeads / kMaxOfHeads
//   connect(view, &AttentionView::tokenClicked, other, &Other::highlightToken);
//
// Layers and heads are numbered from 0, as in the engine's trace and `lumen-cli forward`.
// Padding, special tokens, the segment boundary of a pair and a causal mask come from the
// set and are shown in every slice. With no data the view shows a hint instead of an empty
// plot.
// Thread safety: GUI thread only.

#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/attention_set.h"

#include <QList>
#include <QStringList>
#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;
class QStackedWidget;

namespace lumen::widgets {

class AttentionView : public QWidget {
    Q_OBJECT

public:
    /// setHead() value that shows the mean over all heads of the layer.
    static constexpr int kMeanOfHeads = -1;
    /// setHead() value that shows, per cell, the largest weight any head of the layer gives.
    static constexpr int kMaxOfHeads = -2;
    /// The threshold slider's range; position p sets the threshold (p / 100)^2, so that the
    /// small weights where thresholds matter get most of the slider.
    static constexpr int kThresholdSteps = 100;
    static double thresholdAt(int sliderPosition);

    explicit AttentionView(QWidget* parent = nullptr);

    /// Shows `set`, keeping the current layer and head where they still exist. An empty or
    /// inconsistent set shows the hint instead.
    void setData(const AttentionSet& set);
    void clear();
    const AttentionSet& data() const { return set_; }
    bool hasData() const { return set_.isValid(); }

    int layer() const { return layer_; }
    int head() const { return head_; }
    /// Selects a layer, clamped to the data's range. Without data the choice is kept and
    /// applied (clamped) by the next setData(); no signal is emitted then.
    void setLayer(int layer);
    /// 0 .. heads-1, kMeanOfHeads or kMaxOfHeads; like setLayer without data
    void setHead(int head);

    /// The matrix for (layer, head) as the heatmap gets it, titled "Layer L · Head H"
    /// ("Layer L · Mean of heads", "Layer L · Max of heads"), with the set's padding,
    /// special tokens, segment boundary and causal mask.
    AttentionHeatmapData slice(int layer, int head) const;

    /// Outlines a token's row in the heatmap (-1: none), to follow a click in another view.
    void setHighlightedToken(int token);

    /// The hint shown while there is no data.
    void setHint(const QString& text);
    QString hint() const;
    bool isShowingHint() const;

    AttentionHeatmap* heatmap() const { return heatmap_; }
    QSpinBox* layerSelector() const { return layerBox_; }
    QComboBox* headSelector() const { return headBox_; }
    /// Checked: colours span 0..the slice's largest weight instead of 0..1.
    QCheckBox* stretchColors() const { return stretchBox_; }
    /// Checked: a log colour scale.
    QCheckBox* logScale() const { return logBox_; }
    /// Off: the control bar is hidden, leaving the titled map and its colour bar (a figure:
    /// lumen-cli attention).
    void setControlsVisible(bool visible);
    /// On: only the layer and head selectors (for a narrow place: the attention timeline); the
    /// colour, threshold and zoom controls and the counts are hidden.
    void setCompactControls(bool compact);
    /// Weights under thresholdAt(value) are drawn as the background.
    QSlider* thresholdSlider() const { return thresholdSlider_; }
    QToolButton* resetZoomButton() const { return resetZoomButton_; }

Q_SIGNALS:
    void layerChanged(int layer);
    void headChanged(int head);
    /// The user clicked a token in the heatmap (a cell or a query label: that query).
    void tokenClicked(int token);

private:
    void updateSelectors();
    void showSlice();
    void updateThresholdLabel();

    AttentionSet set_;
    int layer_ = 0;
    int head_ = 0;
    AttentionHeatmap* heatmap_ = nullptr;
    QSpinBox* layerBox_ = nullptr;
    QComboBox* headBox_ = nullptr;
    QCheckBox* stretchBox_ = nullptr;
    QCheckBox* logBox_ = nullptr;
    QSlider* thresholdSlider_ = nullptr;
    QLabel* thresholdLabel_ = nullptr;
    QToolButton* resetZoomButton_ = nullptr;
    QLabel* hintLabel_ = nullptr;
    QLabel* countsLabel_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    QWidget* controls_ = nullptr;
    QList<QWidget*> displayControls_; ///< what setCompactControls hides
};

} // namespace lumen::widgets
