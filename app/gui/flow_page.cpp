// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "flow_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

namespace lumen::app {

FlowPage::FlowPage(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    auto* methodLabel = new QLabel(tr("&Method"), this);
    methodBox_ = new QComboBox(this);
    methodBox_->addItem(tr("Attention rollout"), static_cast<int>(Method::Rollout));
    methodBox_->addItem(tr("Attention flow"), static_cast<int>(Method::Flow));
    methodBox_->setToolTip(tr("Rollout multiplies the layers' head-averaged attention (with the "
                              "residual as 0.5·I + 0.5·A); flow takes the maximum flow "
                              "through the layers instead (slower: one max-flow problem per "
                              "position and token)"));
    methodLabel->setBuddy(methodBox_);
    auto* layerLabel = new QLabel(tr("&to layer"), this);
    layerBox_ = new QSpinBox(this);
    layerBox_->setRange(0, 0);
    layerLabel->setBuddy(layerBox_);
    computeButton_ = new QPushButton(tr("&Compute"), this);
    computeButton_->setToolTip(tr("Compute the flow to the chosen layer"));
    note_ = new QLabel(this);
    note_->setObjectName(QStringLiteral("flowNote"));
    note_->setWordWrap(true);
    interactive_ = { methodLabel, methodBox_, layerLabel, layerBox_, computeButton_ };
    controls->addWidget(methodLabel);
    controls->addWidget(methodBox_);
    controls->addWidget(layerLabel);
    controls->addWidget(layerBox_);
    controls->addWidget(computeButton_);
    controls->addWidget(note_, 1);
    layout->addLayout(controls);

    auto* split = new QSplitter(Qt::Vertical, this);
    map_ = new widgets::AttentionHeatmap(split);
    map_->setColorRange(widgets::AttentionHeatmap::ColorRange::ToMax);
    bar_ = new widgets::TokenBar(split);
    split->addWidget(map_);
    split->addWidget(bar_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(methodBox_, &QComboBox::currentIndexChanged, this, &FlowPage::choiceChanged);
    connect(layerBox_, &QSpinBox::valueChanged, this, &FlowPage::choiceChanged);
    connect(computeButton_, &QPushButton::clicked, this,
        [this] { Q_EMIT computeRequested(method(), toLayer()); });
    connect(map_, &widgets::AttentionHeatmap::tokenClicked, this, [this](int q) {
        setQuery(q);
        Q_EMIT tokenClicked(q);
    });
    connect(bar_, &widgets::TokenBar::tokenClicked, this, &FlowPage::tokenClicked);
    choiceChanged();
}

FlowPage::Method FlowPage::method() const
{
    return static_cast<Method>(methodBox_->currentData().toInt());
}

int FlowPage::toLayer() const
{
    return layerBox_->value();
}

void FlowPage::setControlsVisible(bool visible)
{
    for (QWidget* w : interactive_) {
        w->setVisible(visible);
    }
}

void FlowPage::setAttention(const widgets::AttentionSet& set)
{
    set_ = set;
    matrix_.clear();
    resultLayer_ = -1;
    map_->clear();
    bar_->clear();
    // The position a reader asks about first: the summary token of an encoder ([CLS] / <s>),
    // the newest token of a decoder.
    query_ = set.causal ? set.seq - 1 : 0;
    {
        const QSignalBlocker blocker(layerBox_);
        layerBox_->setRange(0, qMax(0, set.layers - 1));
        layerBox_->setValue(qMax(0, set.layers - 1));
    }
    choiceChanged();
}

void FlowPage::choiceChanged()
{
    const bool flow = method() == Method::Flow;
    computeButton_->setVisible(flow);
    if (!set_.isValid()) {
        note_->setText(tr("Run a text to see how its tokens reach every position."));
        return;
    }
    methodBox_->setEnabled(set_.isSelf());
    layerBox_->setEnabled(set_.isSelf());
    if (!set_.isSelf()) {
        computeButton_->setVisible(false);
        note_->setText(tr("Rollout and flow follow self-attention through the layers of one "
                          "stack. Cross-attention's layers each map the decoder's tokens to "
                          "the encoder's and do not chain: show the encoder or the decoder."));
        return;
    }
    if (flow) {
        note_->setText(tr("Flow solves %1 max-flow problems over %2 layers: press Compute "
                          "(Cancel stops it).")
                           .arg(static_cast<qint64>(set_.seq) * set_.seq)
                           .arg(toLayer() + 1));
        if (!(resultMethod_ == Method::Flow && resultLayer_ == toLayer())) {
            matrix_.clear();
            map_->clear();
            bar_->clear();
        }
        return;
    }
    note_->setText(tr("Each row: how much of every input token reaches that position after "
                      "layer %1.")
                       .arg(toLayer()));
    // Rollout is computed when the page is seen, not for every run.
    if (isVisible() && !(resultMethod_ == Method::Rollout && resultLayer_ == toLayer())) {
        Q_EMIT computeRequested(Method::Rollout, toLayer());
    }
}

void FlowPage::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    choiceChanged();
}

void FlowPage::setResult(Method m, int layer, const std::vector<float>& matrix)
{
    if (!set_.isValid() || !set_.isSelf() || m != method() || layer != toLayer()
        || matrix.size() != static_cast<size_t>(set_.seq) * set_.seq) {
        return;
    }
    matrix_ = matrix;
    resultMethod_ = m;
    resultLayer_ = layer;
    widgets::AttentionHeatmapData d;
    d.queryTokens = set_.tokens;
    d.keyTokens = set_.tokens;
    d.weights = matrix_;
    d.queryValid = set_.valid;
    d.keyValid = set_.valid;
    d.querySpecial = set_.special;
    d.keySpecial = set_.special;
    d.querySegmentStart = set_.segmentStart;
    d.keySegmentStart = set_.segmentStart;
    d.causal = set_.causal;
    d.title =
        (m == Method::Flow ? tr("Attention flow to layer %1") : tr("Attention rollout to layer %1"))
            .arg(layer);
    map_->setData(std::move(d));
    map_->setHighlightedQuery(query_);
    showBar();
}

void FlowPage::setQuery(int query)
{
    if (query < 0 || query >= set_.seq) {
        return;
    }
    query_ = query;
    map_->setHighlightedQuery(query);
    showBar();
}

void FlowPage::showBar()
{
    if (matrix_.empty()) {
        return;
    }
    const auto begin = matrix_.begin() + static_cast<std::ptrdiff_t>(query_) * set_.seq;
    const std::vector<float> row(begin, begin + set_.seq);
    bar_->setData(set_.tokens, row,
        tr("What reaches “%1” (position %2) after layer %3")
            .arg(set_.tokens.at(query_))
            .arg(query_)
            .arg(resultLayer_));
    bar_->setHighlightedToken(query_);
}

} // namespace lumen::app
