// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The "Rollout & flow" page: how much each input token reaches each position after a chosen
// layer (attention rollout, or attention flow; Abnar & Zuidema 2020), as a heatmap over the
// whole matrix and as a bar over the input tokens for one position.
//
//   page->setAttention(set);                // from the controller's attentionReady
//   connect(page, &FlowPage::computeRequested, controller, ...computeFlow...);
//   page->setResult(method, layer, matrix); // from the controller's flowReady
//
// Rollout is recomputed whenever the layer changes (cheap); flow, which solves one max-flow
// problem per (position, token) pair, only when asked (the Compute button).
// Thread safety: GUI thread only.

#include "attention_controller.h"

#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/token_bar.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace lumen::app {

class FlowPage : public QWidget {
    Q_OBJECT

public:
    using Method = AttentionController::FlowMethod;

    explicit FlowPage(QWidget* parent = nullptr);

    /// A new input: clears the result and asks for the rollout to the last layer.
    void setAttention(const widgets::AttentionSet& set);
    /// A result for (method, layer); ignored when the page has moved on to another choice.
    void setResult(Method method, int toLayer, const std::vector<float>& matrix);
    /// The position whose row the bar shows.
    void setQuery(int query);
    int query() const { return query_; }

    Method method() const;
    int toLayer() const;
    bool hasResult() const { return !matrix_.empty(); }
    const std::vector<float>& matrix() const { return matrix_; }

    widgets::AttentionHeatmap* heatmap() const { return map_; }
    widgets::TokenBar* bar() const { return bar_; }
    QComboBox* methodSelector() const { return methodBox_; }
    QSpinBox* layerSelector() const { return layerBox_; }
    QPushButton* computeButton() const { return computeButton_; }
    /// Off: the method, layer and Compute controls are hidden, leaving the note that says
    /// what is shown, the map and the bar (a figure: lumen-cli attention).
    void setControlsVisible(bool visible);

Q_SIGNALS:
    void computeRequested(lumen::app::AttentionController::FlowMethod method, int toLayer);
    void tokenClicked(int token);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void choiceChanged();
    void showBar();

    widgets::AttentionSet set_;
    std::vector<float> matrix_;
    Method resultMethod_ = Method::Rollout;
    int resultLayer_ = -1;
    int query_ = 0;
    QComboBox* methodBox_ = nullptr;
    QSpinBox* layerBox_ = nullptr;
    QPushButton* computeButton_ = nullptr;
    QLabel* note_ = nullptr;
    QList<QWidget*> interactive_; ///< what setControlsVisible hides
    widgets::AttentionHeatmap* map_ = nullptr;
    widgets::TokenBar* bar_ = nullptr;
};

} // namespace lumen::app
