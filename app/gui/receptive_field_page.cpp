// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "receptive_field_page.h"

#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/token_bar.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace lumen::app {

ReceptiveFieldPage::ReceptiveFieldPage(AttentionController* engine, QWidget* parent)
    : QWidget(parent)
    , engine_(engine)
{
    setObjectName(QStringLiteral("receptiveFieldPage"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    layer_ = new QSpinBox(this);
    layer_->setRange(0, 4096);
    layer_->setSpecialValueText(tr("last"));
    layer_->setPrefix(tr("layer "));
    measure_ = new QPushButton(tr("Measure"), this);
    measure_->setToolTip(tr("The gradient of the chosen position's output at this layer with respect to "
                            "every input embedding (click a token in any view to choose the position)"));
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    bar->addWidget(new QLabel(tr("Effective receptive field of the highlighted token at"), this));
    bar->addWidget(layer_);
    bar->addWidget(measure_);
    bar->addWidget(status_, 1);
    layout->addLayout(bar);
    auto* split = new QSplitter(Qt::Vertical, this);
    bar_ = new widgets::TokenBar;
    bar_->setObjectName(QStringLiteral("gradientBar"));
    split->addWidget(bar_);
    auto* bottom = new QSplitter(Qt::Horizontal);
    table_ = new QTableWidget(0, 6);
    table_->setObjectName(QStringLiteral("receptiveFieldTable"));
    table_->setHorizontalHeaderLabels({ tr("Layer"), tr("Operation"), tr("Kernel"), tr("Dilation"), tr("Field"),
        tr("Left / right") });
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setStretchLastSection(true);
    bottom->addWidget(table_);
    plot_ = new QCustomPlot;
    plot_->setObjectName(QStringLiteral("contextPlot"));
    plot_->xAxis->setLabel(tr("distance d from the position (tokens)"));
    plot_->yAxis->setLabel(tr("share of the gradient within d"));
    plot_->yAxis->setRange(0, 1.02);
    plot_->addGraph();
    plot_->graph(0)->setPen(QPen(QColor(0x33, 0x66, 0xaa), 2));
    plot_->setMinimumHeight(160);
    bottom->addWidget(plot_);
    split->addWidget(bottom);
    layout->addWidget(split, 1);

    EngineWorker* worker = engine_->worker();
    connect(this, &ReceptiveFieldPage::requested, worker, &EngineWorker::runReceptiveField, Qt::QueuedConnection);
    connect(worker, &EngineWorker::receptiveFieldReady, this,
        [this](const ReceptiveFieldOutput& out) {
            if (out.requestId == current_) {
                current_ = 0;
                show(out);
            }
        },
        Qt::QueuedConnection);
    connect(worker, &EngineWorker::receptiveFieldFailed, this,
        [this](quint64 id, const QString& message) {
            if (id == current_) {
                current_ = 0;
                measure_->setEnabled(true);
                status_->setText(message);
                Q_EMIT failed(message);
            }
        },
        Qt::QueuedConnection);
    connect(measure_, &QPushButton::clicked, this, &ReceptiveFieldPage::measure);
    connect(bar_, &widgets::TokenBar::tokenClicked, this, [this](int token) {
        setPosition(token);
        measure();
    });
}

void ReceptiveFieldPage::setPosition(int position)
{
    position_ = position;
}

void ReceptiveFieldPage::measure()
{
    if (!engine_->hasModel()) {
        status_->setText(tr("Open a model first."));
        return;
    }
    ReceptiveFieldRequest request;
    request.id = nextId_++;
    request.text = source_ ? source_() : text_;
    request.position = position_;
    request.layer = layer_->value() == 0 ? -1 : layer_->value();
    current_ = request.id;
    measure_->setEnabled(false);
    status_->setText(tr("Measuring…"));
    Q_EMIT requested(request);
}

void ReceptiveFieldPage::show(const ReceptiveFieldOutput& out)
{
    last_ = out;
    measure_->setEnabled(true);
    layer_->setMaximum(static_cast<int>(out.layers.size()));
    table_->setRowCount(0);
    const auto cell = [](int64_t n, bool unbounded) { return unbounded ? tr("all") : QString::number(n); };
    for (const engine::LayerReceptiveField& r : out.layers) {
        const int row = table_->rowCount();
        table_->insertRow(row);
        const QString values[] = { QString::number(r.layer), QString::fromStdString(r.op),
            r.kernel > 0 ? QString::number(r.kernel) : QStringLiteral("–"),
            r.kernel > 0 ? QString::number(r.dilation) : QStringLiteral("–"),
            r.field.size() < 0 ? tr("unbounded") : tr("%1 tokens").arg(r.field.size()),
            cell(r.field.left, r.field.unboundedLeft) + QStringLiteral(" / ") + cell(r.field.right, r.field.unboundedRight) };
        for (int c = 0; c < 6; ++c) {
            table_->setItem(row, c, new QTableWidgetItem(values[c]));
        }
    }
    table_->resizeColumnsToContents();
    const engine::GradientField& g = out.gradient;
    if (g.tokens.empty()) {
        bar_->clear();
        plot_->graph(0)->data()->clear();
        plot_->replot();
        status_->setText(tr("Type a text and run it to measure its gradient field."));
        Q_EMIT ready();
        return;
    }
    QStringList tokens;
    for (const std::string& t : g.tokens) {
        tokens << QString::fromStdString(t);
    }
    std::vector<float> shares(g.share.begin(), g.share.end());
    bar_->setData(tokens, shares,
        tr("Share of the gradient of layer %1's output at “%2” (position %3), by input token")
            .arg(g.layer)
            .arg(tokens[static_cast<int>(g.position)])
            .arg(g.position));
    bar_->setHighlightedToken(static_cast<int>(g.position));
    QVector<double> x;
    QVector<double> y;
    for (size_t d = 0; d < g.withinDistance.size(); ++d) {
        x << static_cast<double>(d);
        y << g.withinDistance[d];
    }
    plot_->graph(0)->setData(x, y);
    plot_->xAxis->setRange(0, std::max(1.0, x.isEmpty() ? 1.0 : x.back()));
    plot_->replot();
    int half = 0;
    while (half < static_cast<int>(g.withinDistance.size()) && g.withinDistance[static_cast<size_t>(half)] < 0.9) {
        ++half;
    }
    status_->setText(tr("90 % of the gradient lies within %1 tokens of position %2.").arg(half).arg(g.position));
    Q_EMIT ready();
}

} // namespace lumen::app
