// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "receptive_field_page.h"

#include "lumen/widgets/cone_diagram.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/token_bar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
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
    compare_ = new QPushButton(tr("Compare with…"), this);
    compare_->setToolTip(tr("Add another model folder: its effective context curve on the same text joins the plot"));
    clearCompared_ = new QPushButton(tr("Clear"), this);
    clearCompared_->setEnabled(false);
    ablation_ = new QCheckBox(tr("Context ablation"), this);
    ablation_->setToolTip(tr("Also predict every token with the context beyond distance d removed or shuffled, "
                             "and plot the loss against d (a masked-LM: each token masked in turn)"));
    ablationMode_ = new QComboBox(this);
    ablationMode_->addItem(tr("cut"), static_cast<int>(engine::AblationMode::Cut));
    ablationMode_->addItem(tr("shuffle"), static_cast<int>(engine::AblationMode::Shuffle));
    bar->addWidget(compare_);
    bar->addWidget(clearCompared_);
    bar->addWidget(ablation_);
    bar->addWidget(ablationMode_);
    bar->addStretch(1);
    layout->addLayout(bar);
    layout->addWidget(status_);
    auto* split = new QSplitter(Qt::Vertical, this);
    upper_ = new QTabWidget;
    upper_->setDocumentMode(true);
    bar_ = new widgets::TokenBar;
    bar_->setObjectName(QStringLiteral("gradientBar"));
    upper_->addTab(bar_, tr("Gradient by token"));
    cone_ = new widgets::ConeDiagram;
    cone_->setObjectName(QStringLiteral("coneDiagram"));
    cone_->setToolTip(tr("Which positions each layer's output at the chosen token can depend on, from the "
                         "kernels and dilations; the input row is shaded by the measured gradient share"));
    upper_->addTab(cone_, tr("Receptive cone"));
    split->addWidget(upper_);
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
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 8));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    plot_->graph(0)->setName(tr("this model"));
    bottom->addWidget(plot_);
    ablationPlot_ = new QCustomPlot;
    ablationPlot_->setObjectName(QStringLiteral("ablationPlot"));
    ablationPlot_->xAxis->setLabel(tr("context kept: distance d (tokens)"));
    ablationPlot_->yAxis->setLabel(tr("loss (nats per token)"));
    ablationPlot_->addGraph();
    ablationPlot_->graph(0)->setPen(QPen(QColor(0xaa, 0x44, 0x22), 2));
    ablationPlot_->graph(0)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    ablationPlot_->graph(0)->setName(tr("context ablated"));
    ablationPlot_->addGraph();
    ablationPlot_->graph(1)->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
    ablationPlot_->graph(1)->setName(tr("whole text"));
    ablationPlot_->legend->setVisible(true);
    ablationPlot_->legend->setFont(QFont(font().family(), 8));
    ablationPlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    ablationPlot_->setMinimumHeight(160);
    ablationPlot_->setVisible(false);
    bottom->addWidget(ablationPlot_);
    bottom->setStretchFactor(0, 2);
    bottom->setStretchFactor(1, 3);
    bottom->setStretchFactor(2, 3);
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
    connect(compare_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with the Model in Folder"));
        if (!dir.isEmpty()) {
            addComparedModel(dir);
            measure();
        }
    });
    connect(clearCompared_, &QPushButton::clicked, this, [this] {
        clearComparedModels();
        measure();
    });
    connect(bar_, &widgets::TokenBar::tokenClicked, this, [this](int token) {
        setPosition(token);
        measure();
    });
    connect(cone_, &widgets::ConeDiagram::tokenClicked, this, [this](int token) {
        setPosition(token);
        measure();
    });
}

void ReceptiveFieldPage::addComparedModel(const QString& dir)
{
    if (!compared_.contains(dir)) {
        compared_ << dir;
    }
    clearCompared_->setEnabled(true);
}

void ReceptiveFieldPage::clearComparedModels()
{
    compared_.clear();
    clearCompared_->setEnabled(false);
}

void ReceptiveFieldPage::showCone(bool cone)
{
    upper_->setCurrentWidget(cone ? static_cast<QWidget*>(cone_) : bar_);
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
    request.compareModels = compared_;
    request.ablation = ablation_->isChecked();
    request.ablationMode = static_cast<engine::AblationMode>(ablationMode_->currentData().toInt());
    if (cancel_) {
        cancel_->store(true); // a newer request replaces a running one
    }
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    request.cancel = cancel_;
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
        cone_->clear();
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
    // The cone up to the measured layer, the input row shaded by the measured shares.
    widgets::ConeData cone;
    cone.tokens = tokens;
    cone.position = static_cast<int>(g.position);
    const std::vector<engine::LayerReceptiveField> upTo(out.layers.begin(),
        out.layers.begin() + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(out.layers.size()), g.layer));
    cone.reach = engine::receptiveCone(upTo, static_cast<int64_t>(g.tokens.size()), g.position);
    cone.levels << tr("input");
    for (const engine::LayerReceptiveField& r : upTo) {
        cone.levels << (r.kernel > 0 ? tr("%1 · k%2 d%3").arg(r.layer).arg(r.kernel).arg(r.dilation)
                                     : tr("%1 · %2").arg(r.layer).arg(QString::fromStdString(r.op)));
    }
    cone.inputShade = shares;
    cone.title = tr("Theoretical receptive field of “%1” (position %2) at layer %3, %4 of %5 input tokens")
                     .arg(tokens[static_cast<int>(g.position)])
                     .arg(g.position)
                     .arg(g.layer)
                     .arg(std::count_if(cone.reach.front().begin(), cone.reach.front().end(), [](uint8_t v) { return v != 0; }))
                     .arg(g.tokens.size());
    cone_->setData(cone);
    QVector<double> x;
    QVector<double> y;
    for (size_t d = 0; d < g.withinDistance.size(); ++d) {
        x << static_cast<double>(d);
        y << g.withinDistance[d];
    }
    plot_->graph(0)->setData(x, y);
    plot_->graph(0)->setName(out.name.isEmpty() ? tr("this model") : out.name);
    while (plot_->graphCount() > 1) {
        plot_->removeGraph(plot_->graphCount() - 1);
    }
    // Okabe-Ito colours, distinguishable without colour vision.
    static const QColor kColours[] = { QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73), QColor(0xcc, 0x79, 0xa7),
        QColor(0xd5, 0x5e, 0x00), QColor(0x56, 0xb4, 0xe9) };
    double farthest = x.isEmpty() ? 1.0 : x.back();
    QStringList problems;
    for (size_t i = 0; i < out.compared.size(); ++i) {
        const ComparedCurve& c = out.compared[i];
        if (!c.error.isEmpty()) {
            problems << tr("%1: %2").arg(c.name, c.error);
            continue;
        }
        QVector<double> cx;
        QVector<double> cy;
        for (size_t d = 0; d < c.gradient.withinDistance.size(); ++d) {
            cx << static_cast<double>(d);
            cy << c.gradient.withinDistance[d];
        }
        QCPGraph* graph = plot_->addGraph();
        graph->setPen(QPen(kColours[i % 5], 2, i % 2 == 0 ? Qt::DashLine : Qt::DotLine));
        graph->setName(c.name);
        graph->setData(cx, cy);
        farthest = std::max(farthest, cx.isEmpty() ? 0.0 : cx.back());
    }
    plot_->xAxis->setRange(0, std::max(1.0, farthest));
    plot_->replot();
    ablationPlot_->setVisible(out.ablation.has_value() || !out.ablationError.isEmpty());
    if (out.ablation && out.ablation->status == engine::JobStatus::Completed) {
        const engine::ContextAblation& a = *out.ablation;
        QVector<double> ax;
        QVector<double> ay;
        double low = a.fullLoss;
        double high = a.fullLoss;
        for (const engine::ContextAblationPoint& p : a.points) {
            ax << static_cast<double>(p.distance);
            ay << p.loss;
            low = std::min(low, p.loss);
            high = std::max(high, p.loss);
        }
        ablationPlot_->graph(0)->setName(a.mode == engine::AblationMode::Cut ? tr("context beyond d cut off")
                                                                             : tr("context beyond d shuffled"));
        ablationPlot_->graph(0)->setData(ax, ay);
        const double last = ax.isEmpty() ? 1.0 : std::max(1.0, ax.back());
        ablationPlot_->graph(1)->setData(QVector<double> { 0.0, last }, QVector<double> { a.fullLoss, a.fullLoss });
        ablationPlot_->xAxis->setRange(0, last);
        const double pad = std::max(0.05, 0.1 * (high - low));
        ablationPlot_->yAxis->setRange(low - pad, high + pad);
        ablationPlot_->replot();
    } else if (!out.ablationError.isEmpty()) {
        problems << tr("Context ablation: %1").arg(out.ablationError);
        ablationPlot_->setVisible(false);
    }
    int half = 0;
    while (half < static_cast<int>(g.withinDistance.size()) && g.withinDistance[static_cast<size_t>(half)] < 0.9) {
        ++half;
    }
    QString status = tr("90 % of the gradient lies within %1 tokens of position %2.").arg(half).arg(g.position);
    if (!problems.isEmpty()) {
        status += QLatin1Char(' ') + problems.join(QLatin1Char(' '));
    }
    status_->setText(status);
    Q_EMIT ready();
}

} // namespace lumen::app
