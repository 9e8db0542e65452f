// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/attention_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace lumen::widgets {

namespace {

bool isCombinedHead(int head)
{
    return head == AttentionView::kMeanOfHeads || head == AttentionView::kMaxOfHeads;
}

} // namespace

double AttentionView::thresholdAt(int sliderPosition)
{
    const double t = std::clamp(sliderPosition, 0, kThresholdSteps) / double(kThresholdSteps);
    return t * t;
}

AttentionView::AttentionView(QWidget* parent)
    : QWidget(parent)
{
    controls_ = new QWidget(this);
    auto* controls = new QHBoxLayout(controls_);
    controls->setContentsMargins(0, 0, 0, 0);

    auto* layerLabel = new QLabel(tr("&Layer"), controls_);
    layerBox_ = new QSpinBox(controls_);
    layerBox_->setObjectName(QStringLiteral("layerSelector"));
    layerBox_->setToolTip(tr("Layer, counted from 0 (the first encoder layer)"));
    layerLabel->setBuddy(layerBox_);

    auto* headLabel = new QLabel(tr("&Head"), controls_);
    headBox_ = new QComboBox(controls_);
    headBox_->setObjectName(QStringLiteral("headSelector"));
    headBox_->setToolTip(
        tr("Attention head, counted from 0, or the mean or the largest weight over all heads"));
    // As wide as its longest item ("Mean of heads"), never squeezed by a full row.
    headBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    headBox_->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    headLabel->setBuddy(headBox_);

    controls->addWidget(layerLabel);
    controls->addWidget(layerBox_);
    controls->addSpacing(10);
    controls->addWidget(headLabel);
    controls->addWidget(headBox_);
    controls->addSpacing(10);
    stretchBox_ = new QCheckBox(tr("&Stretch colours"), controls_);
    stretchBox_->setObjectName(QStringLiteral("stretchColors"));
    stretchBox_->setToolTip(tr("Colours span 0 to the largest weight shown instead of 0 to 1, "
                               "to see structure in diffuse heads"));
    controls->addWidget(stretchBox_);
    logBox_ = new QCheckBox(tr("L&og scale"), controls_);
    logBox_->setObjectName(QStringLiteral("logScale"));
    logBox_->setToolTip(tr("Colours follow the logarithm of the weight, to tell small weights "
                           "apart (from 0.0001 up)"));
    controls->addWidget(logBox_);
    controls->addSpacing(10);
    auto* thresholdLabel = new QLabel(tr("&Threshold"), controls_);
    thresholdSlider_ = new QSlider(Qt::Horizontal, controls_);
    thresholdSlider_->setObjectName(QStringLiteral("threshold"));
    thresholdSlider_->setRange(0, kThresholdSteps);
    thresholdSlider_->setMinimumWidth(60);
    thresholdSlider_->setMaximumWidth(140);
    thresholdSlider_->setToolTip(tr("Weights below the threshold are drawn as background"));
    thresholdLabel->setBuddy(thresholdSlider_);
    thresholdLabel_ = new QLabel(controls_);
    thresholdLabel_->setObjectName(QStringLiteral("thresholdValue"));
    // Wide enough for "0.0000" so the row does not jump while dragging.
    thresholdLabel_->setMinimumWidth(
        thresholdLabel_->fontMetrics().horizontalAdvance(QStringLiteral("0.0000")) + 4);
    controls->addWidget(thresholdLabel);
    controls->addWidget(thresholdSlider_);
    controls->addWidget(thresholdLabel_);
    displayControls_ = { stretchBox_, logBox_, thresholdLabel, thresholdSlider_, thresholdLabel_ };
    controls->addSpacing(10);
    resetZoomButton_ = new QToolButton(controls_);
    resetZoomButton_->setObjectName(QStringLiteral("resetZoom"));
    resetZoomButton_->setText(tr("Reset &zoom"));
    resetZoomButton_->setToolTip(
        tr("Show the whole map again (mouse wheel zooms, dragging pans, a double click resets)"));
    resetZoomButton_->setEnabled(false);
    controls->addWidget(resetZoomButton_);
    displayControls_ << resetZoomButton_;
    controls->addSpacing(12);
    countsLabel_ = new QLabel(controls_);
    countsLabel_->setObjectName(QStringLiteral("attentionCounts"));
    countsLabel_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    controls->addWidget(countsLabel_, 1);
    displayControls_ << countsLabel_;

    heatmap_ = new AttentionHeatmap(this);
    hintLabel_ = new QLabel(tr("Open a model and press Run"), this);
    hintLabel_->setObjectName(QStringLiteral("attentionHint"));
    hintLabel_->setAlignment(Qt::AlignCenter);
    hintLabel_->setWordWrap(true);
    QFont hintFont = hintLabel_->font();
    hintFont.setPointSizeF(hintFont.pointSizeF() * 1.3);
    hintLabel_->setFont(hintFont);
    hintLabel_->setEnabled(false); // greyed, it is a hint

    stack_ = new QStackedWidget(this);
    stack_->addWidget(hintLabel_);
    stack_->addWidget(heatmap_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(controls_);
    layout->addWidget(stack_, 1);

    connect(stretchBox_, &QCheckBox::toggled, this, [this](bool on) {
        heatmap_->setColorRange(
            on ? AttentionHeatmap::ColorRange::ToMax : AttentionHeatmap::ColorRange::Unit);
    });
    connect(logBox_, &QCheckBox::toggled, this, [this](bool on) {
        heatmap_->setScale(on ? AttentionHeatmap::Scale::Log : AttentionHeatmap::Scale::Linear);
    });
    connect(thresholdSlider_, &QSlider::valueChanged, this, [this](int value) {
        heatmap_->setThreshold(thresholdAt(value));
        updateThresholdLabel();
    });
    connect(resetZoomButton_, &QToolButton::clicked, heatmap_, &AttentionHeatmap::resetZoom);
    connect(heatmap_, &AttentionHeatmap::viewChanged, this,
        [this] { resetZoomButton_->setEnabled(heatmap_->isZoomed()); });
    connect(heatmap_, &AttentionHeatmap::tokenClicked, this, &AttentionView::tokenClicked);
    updateThresholdLabel();
    connect(layerBox_, qOverload<int>(&QSpinBox::valueChanged), this,
        [this](int value) { setLayer(value); });
    connect(headBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index >= 0) {
            setHead(headBox_->itemData(index).toInt());
        }
    });

    clear();
}

void AttentionView::setData(const AttentionSet& set)
{
    if (!set.acceptedBy("AttentionView")) {
        clear();
        return;
    }
    set_ = set;
    layer_ = qBound(0, layer_, set_.layers - 1);
    if (!isCombinedHead(head_)) {
        head_ = qBound(0, head_, set_.heads - 1);
    }
    updateSelectors();
    stack_->setCurrentWidget(heatmap_);
    controls_->setEnabled(true);
    showSlice();
}

void AttentionView::clear()
{
    set_ = AttentionSet();
    heatmap_->clear();
    updateSelectors();
    stack_->setCurrentWidget(hintLabel_);
    controls_->setEnabled(false);
}

void AttentionView::setControlsVisible(bool visible)
{
    controls_->setVisible(visible);
}

void AttentionView::setCompactControls(bool compact)
{
    for (QWidget* w : std::as_const(displayControls_)) {
        w->setVisible(!compact);
    }
}

void AttentionView::setLayer(int layer)
{
    if (!hasData()) {
        // Remembered and clamped when data arrives (a --layer given before the first run).
        layer_ = qMax(0, layer);
        return;
    }
    layer = qBound(0, layer, set_.layers - 1);
    if (layer == layer_) {
        return;
    }
    layer_ = layer;
    {
        const QSignalBlocker block(layerBox_);
        layerBox_->setValue(layer_);
    }
    showSlice();
    Q_EMIT layerChanged(layer_);
}

void AttentionView::setHead(int head)
{
    if (!hasData()) {
        head_ = isCombinedHead(head) ? head : qMax(0, head);
        return;
    }
    if (!isCombinedHead(head)) {
        head = qBound(0, head, set_.heads - 1);
    }
    if (head == head_) {
        return;
    }
    head_ = head;
    {
        const QSignalBlocker block(headBox_);
        headBox_->setCurrentIndex(headBox_->findData(head_));
    }
    showSlice();
    Q_EMIT headChanged(head_);
}

AttentionHeatmapData AttentionView::slice(int layer, int head) const
{
    AttentionHeatmapData d;
    if (!hasData() || layer < 0 || layer >= set_.layers
        || (!isCombinedHead(head) && (head < 0 || head >= set_.heads))) {
        return d;
    }
    const size_t n = static_cast<size_t>(set_.seq) * set_.keys();
    d.queryTokens = set_.tokens;
    d.queryValid = set_.valid;
    d.querySpecial = set_.special;
    d.querySegmentStart = set_.segmentStart;
    if (set_.isSelf()) {
        d.keyTokens = set_.tokens;
        d.keyValid = set_.valid;
        d.keySpecial = set_.special;
        d.keySegmentStart = set_.segmentStart;
    } else {
        d.keyTokens = set_.keyTokens;
        d.keyValid = set_.keyValid;
        d.keySpecial = set_.keySpecial;
        d.queryAxis = tr("query (decoder)");
        d.keyAxis = tr("key (encoder)");
    }
    d.causal = set_.causal;
    d.valueName = set_.valueName;
    const QString prefix = set_.name.isEmpty() ? QString() : set_.name + QStringLiteral(" · ");
    if (head == kMeanOfHeads || head == kMaxOfHeads) {
        // Over the heads a cache-sized chunk at a time: each head's slice is read once, and
        // the running sums stay in cache instead of streaming a seq² buffer per head.
        // Sums in double, so the mean does not depend on the heads' order of rounding.
        constexpr size_t kChunk = 4096;
        d.weights.resize(n);
        std::vector<double> sum(kChunk);
        for (size_t begin = 0; begin < n; begin += kChunk) {
            const size_t count = std::min(kChunk, n - begin);
            float* out = d.weights.data() + begin;
            if (head == kMaxOfHeads) {
                std::copy_n(set_.slice(layer, 0) + begin, count, out);
                for (int h = 1; h < set_.heads; ++h) {
                    const float* src = set_.slice(layer, h) + begin;
                    for (size_t i = 0; i < count; ++i) {
                        out[i] = src[i] > out[i] ? src[i] : out[i];
                    }
                }
                continue;
            }
            std::fill_n(sum.begin(), count, 0.0);
            for (int h = 0; h < set_.heads; ++h) {
                const float* src = set_.slice(layer, h) + begin;
                for (size_t i = 0; i < count; ++i) {
                    sum[i] += src[i];
                }
            }
            for (size_t i = 0; i < count; ++i) {
                out[i] = static_cast<float>(sum[i] / set_.heads);
            }
        }
        d.title = prefix
            + (head == kMeanOfHeads ? tr("Layer %1 · Mean of heads").arg(layer)
                                    : tr("Layer %1 · Max of heads").arg(layer));
    } else {
        const float* begin = set_.slice(layer, head);
        d.weights.assign(begin, begin + n);
        d.title = prefix + tr("Layer %1 · Head %2").arg(layer).arg(head);
    }
    return d;
}

void AttentionView::setHighlightedToken(int token)
{
    heatmap_->setHighlightedQuery(token);
}

void AttentionView::setHint(const QString& text)
{
    hintLabel_->setText(text);
}

QString AttentionView::hint() const
{
    return hintLabel_->text();
}

bool AttentionView::isShowingHint() const
{
    return stack_->currentWidget() == hintLabel_;
}

void AttentionView::updateSelectors()
{
    const QSignalBlocker blockLayer(layerBox_);
    const QSignalBlocker blockHead(headBox_);
    layerBox_->setRange(0, qMax(0, set_.layers - 1));
    layerBox_->setValue(layer_);
    if (!hasData()) {
        countsLabel_->clear();
    } else if (set_.isSelf()) {
        countsLabel_->setText(
            tr("%1 layers · %2 heads · %3 tokens").arg(set_.layers).arg(set_.heads).arg(set_.seq));
    } else {
        // Short: the row is full, and the selectors show the layers and heads.
        countsLabel_->setText(tr("%1 × %2 tokens").arg(set_.seq).arg(set_.keySeq));
    }

    headBox_->clear();
    for (int h = 0; h < set_.heads; ++h) {
        headBox_->addItem(QString::number(h), h);
    }
    if (set_.heads > 1) {
        headBox_->addItem(tr("Mean of heads"), kMeanOfHeads);
        headBox_->addItem(tr("Max of heads"), kMaxOfHeads);
    }
    if (!hasData()) {
        return;
    }
    if (isCombinedHead(head_) && set_.heads <= 1) {
        head_ = 0;
    }
    headBox_->setCurrentIndex(headBox_->findData(head_));
}

void AttentionView::showSlice()
{
    heatmap_->setData(slice(layer_, head_));
}

void AttentionView::updateThresholdLabel()
{
    const double t = thresholdAt(thresholdSlider_->value());
    thresholdLabel_->setText(t > 0.0 ? QString::number(t, 'f', 4) : tr("off"));
}

} // namespace lumen::widgets
