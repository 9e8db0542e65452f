// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "compare_window.h"

#include "lumen/projects/project.h"
#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/candidate_bars.h"
#include "lumen/widgets/color_maps.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/speed_length_chart.h"

#include "lumen/engine/bench.h"

#include <QBoxLayout>
#include <QComboBox>
#include <QSlider>
#include <QSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QPainter>
#include <QProgressBar>
#include <QPdfWriter>
#include <QtConcurrent>

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

namespace lumen::app {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QString thousands(int64_t n)
{
    return QLocale(QLocale::English).toString(static_cast<qlonglong>(n));
}

const QColor kDiffers(0xf6, 0xd3, 0xb3); // vermillion, light: cut differently
const QColor kSame(0xd9, 0xef, 0xe6); // bluish green, light: cut alike

} // namespace

CompareWindow::CompareWindow(ProjectController* projects, QWidget* parent)
    : QWidget(parent, Qt::Window)
    , projects_(projects)
{
    setObjectName(QStringLiteral("compareWindow"));
    setWindowTitle(tr("Compare Models — Lumen"));
    resize(1300, 900);

    auto* inputs = new QGroupBox(tr("Models and input"), this);
    modelList_ = new QListWidget(inputs);
    modelList_->setObjectName(QStringLiteral("compareModels"));
    modelList_->setMaximumHeight(84);
    modelList_->setToolTip(tr("Two to four model folders, in column order"));
    auto* add = new QPushButton(tr("Add…"), inputs);
    auto* remove = new QPushButton(tr("Remove"), inputs);
    text_ = new QLineEdit(inputs);
    text_->setObjectName(QStringLiteral("compareText"));
    text_->setPlaceholderText(tr("A sentence; [MASK] stands for each masked LM's own mask token"));
    compareButton_ = new QPushButton(tr("Compare"), inputs);
    compareButton_->setDefault(true);
    auto* exportButton = new QPushButton(tr("Export Sheet…"), inputs);
    exportButton->setToolTip(tr("The whole workspace as one PNG or PDF"));
    status_ = new QLabel(tr("Add two to four models and type a sentence."), inputs);
    status_->setWordWrap(true);
    auto* grid = new QGridLayout(inputs);
    grid->addWidget(modelList_, 0, 0, 2, 1);
    grid->addWidget(add, 0, 1);
    grid->addWidget(remove, 1, 1);
    pair_ = new QLineEdit(inputs);
    pair_->setObjectName(QStringLiteral("comparePair"));
    pair_->setPlaceholderText(tr("Optional second text of a pair (a premise's hypothesis, a question's answer) for pair classifiers"));
    connect(pair_, &QLineEdit::returnPressed, this, [this] { compare(); });
    grid->addWidget(text_, 2, 0);
    grid->addWidget(compareButton_, 2, 1);
    grid->addWidget(pair_, 3, 0);
    grid->addWidget(status_, 4, 0);
    grid->addWidget(exportButton, 4, 1);

    tokens_ = new QTableWidget(0, 0, this);
    tokens_->setObjectName(QStringLiteral("compareTokens"));
    tokens_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tokens_->setToolTip(tr("One column per stretch of text every tokenizer cuts at both ends; shaded orange where "
                           "the models cut it differently"));
    tokens_->setMaximumHeight(150);
    for (int m = 0; m < 4; ++m) {
        predictions_.push_back(new widgets::CandidateBars(this));
        predictions_.back()->setObjectName(QStringLiteral("comparePredictions%1").arg(m + 1));
        predictions_.back()->setVisible(false);
    }
    agreement_ = new QLabel(this);
    agreement_->setObjectName(QStringLiteral("compareAgreement"));
    divergence_ = new QTableWidget(0, 0, this);
    divergence_->setObjectName(QStringLiteral("compareDivergence"));
    divergence_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    divergence_->setToolTip(tr("KL(row ‖ column) in nats between the two models' distributions; = the same best "
                               "candidate, × a different one"));
    facts_ = new QTableWidget(0, 0, this);
    facts_->setObjectName(QStringLiteral("compareFacts"));
    facts_->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* tokensBox = new QGroupBox(tr("Tokens, aligned by character offsets"), this);
    auto* tokensLayout = new QVBoxLayout(tokensBox);
    tokensLayout->addWidget(tokens_);
    auto* predictionsBox = new QGroupBox(tr("Predictions"), this);
    auto* predictionsLayout = new QHBoxLayout(predictionsBox);
    for (widgets::CandidateBars* bars : predictions_) {
        predictionsLayout->addWidget(bars, 1);
    }
    predictionDifference_ = new QTableWidget(0, 4, predictionsBox);
    predictionDifference_->setObjectName(QStringLiteral("comparePredictionDifference"));
    predictionDifference_->setHorizontalHeaderLabels({ tr("Candidate"), tr("[1]"), tr("[2]"), tr("[1] − [2]") });
    predictionDifference_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    predictionDifference_->verticalHeader()->setVisible(false);
    predictionDifference_->setToolTip(tr("The candidates whose probability differs most between models 1 and 2"));
    predictionDifference_->setVisible(false);
    predictionsLayout->addWidget(predictionDifference_, 1);
    auto* agreementBox = new QGroupBox(tr("Agreement"), this);
    auto* agreementLayout = new QVBoxLayout(agreementBox);
    agreementLayout->addWidget(agreement_);
    agreementLayout->addWidget(divergence_, 1);
    auto* factsBox = new QGroupBox(tr("Facts"), this);
    auto* factsLayout = new QVBoxLayout(factsBox);
    factsLayout->addWidget(facts_);
    // Attention (or a convolution's kernels) at one relative depth, one map per model.
    auto* attentionPage = new QWidget(this);
    auto* attentionLayout = new QVBoxLayout(attentionPage);
    auto* attentionControls = new QHBoxLayout;
    layer_ = new QSpinBox(attentionPage);
    layer_->setObjectName(QStringLiteral("compareLayer"));
    layer_->setRange(1, 1);
    layer_->setToolTip(tr("The first model's layer; every other model shows its layer at the same relative depth"));
    head_ = new QComboBox(attentionPage);
    head_->setObjectName(QStringLiteral("compareHead"));
    head_->addItem(tr("mean of the heads"), -1);
    depthNote_ = new QLabel(attentionPage);
    depthNote_->setWordWrap(true);
    attentionControls->addWidget(new QLabel(tr("Layer"), attentionPage));
    attentionControls->addWidget(layer_);
    attentionControls->addWidget(new QLabel(tr("Head"), attentionPage));
    attentionControls->addWidget(head_);
    attentionControls->addWidget(depthNote_, 1);
    attentionLayout->addLayout(attentionControls);
    auto* mapsRow = new QHBoxLayout;
    for (int m = 0; m < 5; ++m) {
        auto* column = new QWidget(attentionPage);
        auto* columnLayout = new QVBoxLayout(column);
        columnLayout->setContentsMargins(0, 0, 0, 0);
        auto* title = new QLabel(column);
        title->setWordWrap(true);
        auto* map = new widgets::AttentionHeatmap(column);
        map->setSquareCells(true);
        columnLayout->addWidget(title);
        columnLayout->addWidget(map, 1);
        mapsRow->addWidget(column, 1);
        if (m < 4) {
            map->setObjectName(QStringLiteral("compareAttention%1").arg(m + 1));
            maps_.push_back(map);
            mapTitles_.push_back(title);
            column->setVisible(false);
        } else {
            map->setObjectName(QStringLiteral("compareDifference"));
            map->setGradient(widgets::AttentionHeatmap::Gradient::Diverging);
            map->setColorRange(widgets::AttentionHeatmap::ColorRange::Symmetric);
            difference_ = map;
            differenceTitle_ = title;
            differenceColumn_ = column;
            column->setVisible(false);
        }
    }
    attentionLayout->addLayout(mapsRow, 1);
    connect(layer_, &QSpinBox::valueChanged, this, [this] { showAttention(); });
    connect(head_, &QComboBox::currentIndexChanged, this, [this] { showAttention(); });

    // Effective context: every model's gradient curve in one plot.
    auto* contextPage = new QWidget(this);
    auto* contextLayout = new QVBoxLayout(contextPage);
    contextNote_ = new QLabel(contextPage);
    contextNote_->setWordWrap(true);
    contextPlot_ = new QCustomPlot(contextPage);
    contextPlot_->setObjectName(QStringLiteral("compareContext"));
    contextPlot_->xAxis->setLabel(tr("distance from the chosen token (tokens)"));
    contextPlot_->yAxis->setLabel(tr("gradient share within the distance"));
    contextPlot_->yAxis->setRange(0.0, 1.02);
    contextPlot_->legend->setVisible(true);
    auto* contextRow = new QHBoxLayout;
    contextPosition_ = new QSlider(Qt::Horizontal, contextPage);
    contextPosition_->setObjectName(QStringLiteral("compareContextPosition"));
    contextPosition_->setRange(0, 100);
    contextPosition_->setValue(50);
    contextPosition_->setToolTip(tr("Where in the text to measure: 0 % the first token, 50 % the middle, 100 % the last "
                                    "(of each model's own tokens)"));
    auto* positionValue = new QLabel(tr("50 %"), contextPage);
    positionValue->setMinimumWidth(40);
    contextButton_ = new QPushButton(tr("Measure Here"), contextPage);
    contextButton_->setToolTip(tr("Measure every model's gradient field again at this position"));
    contextRow->addWidget(new QLabel(tr("Position in the text"), contextPage));
    contextRow->addWidget(contextPosition_, 1);
    contextRow->addWidget(positionValue);
    contextRow->addWidget(contextButton_);
    connect(contextPosition_, &QSlider::valueChanged, positionValue,
        [positionValue](int v) { positionValue->setText(QStringLiteral("%1 %").arg(v)); });
    connect(contextButton_, &QPushButton::clicked, this, [this] { measureContext(contextPosition_->value() / 100.0); });
    contextLayout->addLayout(contextRow);
    contextLayout->addWidget(contextNote_);
    contextLayout->addWidget(contextPlot_, 1);

    // Speed against length, measured on request.
    auto* speedPage = new QWidget(this);
    auto* speedLayout = new QVBoxLayout(speedPage);
    auto* speedRow = new QHBoxLayout;
    speedButton_ = new QPushButton(tr("Measure Speed against Length"), speedPage);
    speedButton_->setToolTip(tr("Time every model's forward pass at 32 .. 1024 tokens (random ids, batch 1)"));
    auto* speedCancel = new QPushButton(tr("Cancel"), speedPage);
    speedNote_ = new QLabel(speedPage);
    speedNote_->setWordWrap(true);
    speedRow->addWidget(speedButton_);
    speedRow->addWidget(speedCancel);
    speedRow->addWidget(speedNote_, 1);
    speed_ = new widgets::SpeedLengthChart(speedPage);
    speedLayout->addLayout(speedRow);
    speedLayout->addWidget(speed_, 1);
    connect(speedButton_, &QPushButton::clicked, this, [this] { measureSpeed(); });
    connect(speedCancel, &QPushButton::clicked, this, &CompareWindow::cancelSpeed);

    // A whole dataset through the models.
    auto* datasetPage = new QWidget(this);
    auto* datasetLayout = new QVBoxLayout(datasetPage);
    auto* datasetRow = new QHBoxLayout;
    datasetPath_ = new QLineEdit(datasetPage);
    datasetPath_->setPlaceholderText(tr("a CSV, TSV, JSONL or text file"));
    auto* chooseData = new QPushButton(tr("…"), datasetPage);
    datasetText_ = new QComboBox(datasetPage);
    datasetLabel_ = new QComboBox(datasetPage);
    datasetLimit_ = new QSpinBox(datasetPage);
    datasetLimit_->setRange(0, 1000000);
    datasetLimit_->setSpecialValueText(tr("all"));
    datasetLimit_->setToolTip(tr("The first N examples only"));
    datasetRun_ = new QPushButton(tr("Run"), datasetPage);
    auto* datasetCancel = new QPushButton(tr("Cancel"), datasetPage);
    datasetProgress_ = new QProgressBar(datasetPage);
    datasetRow->addWidget(datasetPath_, 2);
    datasetRow->addWidget(chooseData);
    datasetRow->addWidget(new QLabel(tr("Text"), datasetPage));
    datasetRow->addWidget(datasetText_);
    datasetRow->addWidget(new QLabel(tr("Label"), datasetPage));
    datasetRow->addWidget(datasetLabel_);
    datasetRow->addWidget(new QLabel(tr("Examples"), datasetPage));
    datasetRow->addWidget(datasetLimit_);
    datasetRow->addWidget(datasetRun_);
    datasetRow->addWidget(datasetCancel);
    datasetRow->addWidget(datasetProgress_, 1);
    datasetSummary_ = new QLabel(datasetPage);
    datasetSummary_->setWordWrap(true);
    datasetTable_ = new QTableWidget(0, 0, datasetPage);
    datasetTable_->setObjectName(QStringLiteral("compareDataset"));
    datasetTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    datasetLayout->addLayout(datasetRow);
    datasetLayout->addWidget(datasetSummary_);
    datasetLayout->addWidget(datasetTable_, 1);
    connect(chooseData, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("A Dataset to Compare On"), datasetPath_->text(),
            tr("Data (*.csv *.tsv *.jsonl *.json *.txt);;All files (*)"));
        if (!path.isEmpty()) {
            setDatasetFile(path);
        }
    });
    connect(datasetRun_, &QPushButton::clicked, this, [this] {
        compareDataset(datasetPath_->text(), datasetText_->currentText(), datasetLabel_->currentData().toString(),
            datasetLimit_->value());
    });
    connect(datasetCancel, &QPushButton::clicked, this, &CompareWindow::cancelDataset);
    qRegisterMetaType<engine::DatasetExample>();
    connect(this, &CompareWindow::datasetExample, this, [this](const engine::DatasetExample& e, qint64 done, qint64 total) {
        datasetProgress_->setRange(0, static_cast<int>(total));
        datasetProgress_->setValue(static_cast<int>(done));
        appendDatasetRow(e);
    });

    centre_ = new QTabWidget(this);
    centre_->addTab(predictionsBox, tr("Predictions"));
    centre_->addTab(attentionPage, tr("Attention"));
    centre_->addTab(contextPage, tr("Effective context"));
    centre_->addTab(speedPage, tr("Speed"));
    centre_->addTab(datasetPage, tr("Dataset"));

    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(agreementBox);
    lower->addWidget(factsBox);
    lower->setStretchFactor(0, 1);
    lower->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(inputs);
    layout->addWidget(tokensBox);
    layout->addWidget(centre_, 3);
    layout->addWidget(lower, 2);

    connect(add, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("A Model to Compare"));
        if (!dir.isEmpty()) {
            modelList_->addItem(dir);
        }
    });
    connect(remove, &QPushButton::clicked, this, [this] { delete modelList_->currentItem(); });
    connect(compareButton_, &QPushButton::clicked, this, &CompareWindow::compare);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the Comparison"), QStringLiteral("comparison.pdf"),
            tr("PDF (*.pdf);;PNG image (*.png)"));
        if (!path.isEmpty()) {
            const QString problem = exportSheet(path);
            status_->setText(problem.isEmpty() ? tr("Wrote %1.").arg(path) : problem);
        }
    });
    connect(text_, &QLineEdit::returnPressed, this, &CompareWindow::compare);
}

CompareWindow::~CompareWindow()
{
    cancelDataset();
    datasetFuture_.waitForFinished();
    cancelSpeed();
    speedFuture_.waitForFinished();
    contextFuture_.waitForFinished();
    future_.waitForFinished();
}

void CompareWindow::setModels(const QStringList& dirs)
{
    modelList_->clear();
    modelList_->addItems(dirs);
}

QStringList CompareWindow::models() const
{
    QStringList out;
    for (int i = 0; i < modelList_->count(); ++i) {
        out << modelList_->item(i)->text();
    }
    return out;
}

void CompareWindow::setText(const QString& text)
{
    text_->setText(text);
}

void CompareWindow::setPair(const QString& pair)
{
    pair_->setText(pair);
}

void CompareWindow::setBusy(bool busy)
{
    busy_ = busy;
    compareButton_->setEnabled(!busy);
}

bool CompareWindow::compare()
{
    if (busy_) {
        return false;
    }
    const QStringList dirs = models();
    if (dirs.size() < 2 || dirs.size() > 4) {
        status_->setText(tr("Choose two to four models (%1 now).").arg(dirs.size()));
        return false;
    }
    if (text_->text().trimmed().isEmpty()) {
        status_->setText(tr("Type the sentence to compare the models on."));
        return false;
    }
    engine::CompareConfig config;
    config.text = text_->text().toStdString();
    config.pair = pair_->text().trimmed().isEmpty() ? std::string() : pair_->text().toStdString();
    config.attention = true;
    config.effectiveContext = true;
    config.contextPosition = contextPosition_->value() / 100.0;
    std::vector<std::string> folders;
    for (const QString& d : dirs) {
        folders.push_back(d.toStdString());
    }
    QJsonObject params { { QStringLiteral("text"), text_->text() }, { QStringLiteral("top_k"), static_cast<qint64>(config.topK) },
        { QStringLiteral("models"), QJsonArray::fromStringList(dirs) } };
    if (!config.pair.empty()) {
        params[QStringLiteral("pair")] = q(config.pair);
    }
    const RecordedRun run = projects_ != nullptr ? projects_->beginRun(QStringLiteral("compare"), dirs.front(), QStringLiteral("cpu"), params)
                                                 : RecordedRun {};
    setBusy(true);
    run_ = {};
    status_->setText(tr("Loading and running %1 models…").arg(dirs.size()));
    auto* watcher = new QFutureWatcher<CompareOutcome>(this);
    connect(watcher, &QFutureWatcher<CompareOutcome>::finished, this, [this, watcher, run, config] {
        watcher->deleteLater();
        setBusy(false);
        const CompareOutcome o = watcher->result();
        if (!o.error.isEmpty()) {
            status_->setText(tr("The comparison failed: %1").arg(o.error));
            if (run.valid()) {
                projects_->finishRun(run, projects::RunStatus::Failed, {}, o.error);
            }
            Q_EMIT failed(o.error);
            return;
        }
        display(o.result, config);
        run_ = run;
        bool recorded = true;
        if (run.valid()) {
            recorded = recordArtifact("comparison", "compare.json", engine::compareResultToJson(o.result, config));
            QJsonObject summary;
            if (std::isfinite(o.result.top1Agreement)) {
                summary[QStringLiteral("top1_agreement")] = o.result.top1Agreement;
            }
            for (size_t m = 0; m < o.result.facts.size(); ++m) {
                projects_->addMetric(run, QStringLiteral("model%1/latency_ms").arg(m + 1), 0, o.result.facts[m].latencyMs);
            }
            projects_->finishRun(run, projects::RunStatus::Completed, summary);
        }
        if (recorded) {
            status_->setText(run.valid() ? tr("Compared %1 models (run %2).").arg(o.result.facts.size()).arg(run.id)
                                         : tr("Compared %1 models.").arg(o.result.facts.size()));
        }
        Q_EMIT compared();
    });
    auto cache = cache_;
    future_ = QtConcurrent::run([cache, folders, config] {
        CompareOutcome o;
        try {
            std::vector<std::shared_ptr<engine::Model>> held;
            std::vector<engine::Model*> models;
            for (const std::string& dir : folders) {
                std::shared_ptr<engine::Model> model;
                {
                    std::lock_guard<std::mutex> lock(cache->mutex);
                    const auto it = cache->models.find(dir);
                    if (it != cache->models.end()) {
                        model = it->second;
                    }
                }
                if (!model) {
                    model = engine::Model::load(dir);
                    std::lock_guard<std::mutex> lock(cache->mutex);
                    cache->models[dir] = model;
                }
                held.push_back(model);
                models.push_back(model.get());
            }
            o.result = engine::compareModels(models, config);
        } catch (const std::exception& e) {
            o.error = QString::fromUtf8(e.what());
        }
        return o;
    });
    watcher->setFuture(future_);
    return true;
}

namespace {
std::optional<std::string> readWhole(const QString& path)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
} // namespace

bool CompareWindow::openRecord(const QString& path)
{
    const std::optional<std::string> text = readWhole(path);
    if (!text) {
        status_->setText(tr("Cannot read %1.").arg(path));
        return false;
    }
    try {
        engine::CompareConfig config;
        const engine::CompareResult r = engine::compareResultFromJson(*text, &config);
        QStringList dirs;
        for (const engine::ModelFacts& f : r.facts) {
            dirs << q(f.dir);
        }
        setModels(dirs);
        text_->setText(q(config.text));
        pair_->setText(q(config.pair));
        display(r, config);
        status_->setText(tr("A saved comparison: %1").arg(QFileInfo(path).fileName()));
        return true;
    } catch (const std::exception& e) {
        status_->setText(QString::fromUtf8(e.what()));
        return false;
    }
}

bool CompareWindow::openRun(qint64 runId)
{
    projects::Project* project = projects_ != nullptr ? projects_->project() : nullptr;
    if (project == nullptr) {
        return false;
    }
    // The newest file of each kind: measuring again adds one (compare-2.json, speed-2.json).
    std::optional<projects::ArtifactRecord> comparison;
    std::optional<projects::ArtifactRecord> speed;
    std::optional<projects::ArtifactRecord> dataset;
    for (const projects::ArtifactRecord& a : project->artifacts(runId)) {
        if (a.kind == "comparison") {
            comparison = a;
        } else if (a.kind == "comparison-speed") {
            speed = a;
        } else if (a.kind == "dataset-comparison") {
            dataset = a;
        }
    }
    if (!comparison && !dataset) {
        status_->setText(tr("Run %1 has no comparison to show.").arg(runId));
        return false;
    }
    if (comparison && !openRecord(q(project->artifactPath(*comparison)))) {
        return false;
    }
    try {
        if (speed) {
            const QString path = q(project->artifactPath(*speed));
            const std::optional<std::string> bytes = readWhole(path);
            if (!bytes) {
                throw std::runtime_error(tr("Cannot read %1.").arg(path).toStdString());
            }
            speedSeries_ = engine::speedSeriesFromJson(*bytes, &speedConfig_);
            showSpeed(QString());
        }
        if (dataset) {
            const QString path = q(project->artifactPath(*dataset));
            const std::optional<std::string> bytes = readWhole(path);
            if (!bytes) {
                throw std::runtime_error(tr("Cannot read %1.").arg(path).toStdString());
            }
            std::vector<std::string> dirs;
            engine::DatasetComparison d = engine::datasetComparisonFromJson(*bytes, &datasetConfig_, &dirs);
            if (!comparison) {
                // A dataset run of lumen-cli compare: no sentence, only the dataset.
                result_ = {};
                QStringList names;
                for (const std::string& dir : dirs) {
                    names << q(dir);
                }
                setModels(names);
                showPage(Page::Dataset);
                status_->setText(tr("A saved dataset comparison (run %1).").arg(runId));
            }
            dataset_ = std::move(d);
            datasetPath_->setText(q(datasetConfig_.data.path));
            showDataset();
        }
    } catch (const std::exception& e) {
        status_->setText(tr("Run %1: %2").arg(runId).arg(QString::fromUtf8(e.what())));
        return false;
    }
    run_ = {};
    return true;
}

void CompareWindow::display(const engine::CompareResult& r, const engine::CompareConfig& config)
{
    result_ = r;
    config_ = config;
    const int n = static_cast<int>(r.facts.size());
    QStringList names;
    for (int m = 0; m < n; ++m) {
        names << columnName(m);
    }

    // Tokens: a column per aligned stretch, a row per model.
    const auto& spans = r.alignment.spans;
    tokens_->clear();
    tokens_->setRowCount(n);
    tokens_->setColumnCount(static_cast<int>(spans.size()));
    tokens_->setVerticalHeaderLabels(names);
    QStringList headers;
    for (const engine::AlignedSpan& s : spans) {
        headers << q(s.text);
    }
    tokens_->setHorizontalHeaderLabels(headers);
    for (int c = 0; c < static_cast<int>(spans.size()); ++c) {
        const engine::AlignedSpan& s = spans[static_cast<size_t>(c)];
        for (int m = 0; m < n && m < static_cast<int>(s.tokens.size()); ++m) {
            QStringList pieces;
            for (const int64_t t : s.tokens[static_cast<size_t>(m)]) {
                pieces << q(r.tokens[static_cast<size_t>(m)].at(static_cast<size_t>(t)));
            }
            auto* item = new QTableWidgetItem(pieces.join(QStringLiteral(" · ")));
            item->setBackground(s.differs ? kDiffers : kSame);
            item->setToolTip(s.differs ? tr("\"%1\": the models cut this differently").arg(q(s.text))
                                       : tr("\"%1\": cut alike").arg(q(s.text)));
            tokens_->setItem(m, c, item);
        }
    }
    tokens_->resizeColumnsToContents();

    // Predictions side by side, one column per model.
    for (int m = 0; m < static_cast<int>(predictions_.size()); ++m) {
        widgets::CandidateBars* bars = predictions_[static_cast<size_t>(m)];
        bars->setVisible(m < n);
        if (m >= n) {
            continue;
        }
        const engine::ModelPrediction& p = r.predictions[static_cast<size_t>(m)];
        widgets::CandidateGroup g;
        g.title = p.kind.empty() ? tr("%1: nothing (%2)").arg(names[m], q(p.why)) : QStringLiteral("%1: %2").arg(names[m], q(p.kind));
        for (size_t i = 0; i < p.top.size() && i < 8; ++i) {
            g.candidates.emplace_back(q(p.top[i].text), p.top[i].probability);
        }
        bars->setGroups({ std::move(g) });
    }

    // Where models 1 and 2 differ most.
    predictionDifference_->setVisible(!r.difference.empty());
    predictionDifference_->setRowCount(static_cast<int>(r.difference.size()));
    for (int i = 0; i < static_cast<int>(r.difference.size()); ++i) {
        const engine::CompareResult::Difference& d = r.difference[static_cast<size_t>(i)];
        const double delta = d.first - d.second;
        const QString cells[] = { q(d.text), QStringLiteral("%1 %").arg(100.0 * d.first, 0, 'f', 2),
            QStringLiteral("%1 %").arg(100.0 * d.second, 0, 'f', 2), QStringLiteral("%1%2 %").arg(delta >= 0 ? QStringLiteral("+") : QString()).arg(100.0 * delta, 0, 'f', 2) };
        for (int c = 0; c < 4; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c == 3) {
                item->setForeground(delta >= 0 ? QColor(0xb2, 0x18, 0x2b) : QColor(0x21, 0x66, 0xac));
            }
            predictionDifference_->setItem(i, c, item);
        }
    }
    predictionDifference_->resizeColumnsToContents();

    // Attention: the layer box follows model 1's depth; the head box the fewest heads.
    {
        const QSignalBlocker blockLayer(layer_);
        const QSignalBlocker blockHead(head_);
        const int layers = r.attentions.empty() ? 0 : static_cast<int>(r.attentions.front().layers.size());
        layer_->setRange(1, std::max(1, layers));
        layer_->setValue(std::max(1, layers));
        int64_t heads = 0;
        for (const engine::ModelAttention& a : r.attentions) {
            if (!a.layers.empty()) {
                heads = heads == 0 ? a.heads : std::min(heads, a.heads);
            }
        }
        head_->clear();
        head_->addItem(tr("mean of the heads"), -1);
        for (int64_t h = 0; h < heads; ++h) {
            head_->addItem(tr("head %1").arg(h + 1), static_cast<int>(h));
        }
    }
    showAttention();
    showContext();
    speedSeries_.clear();
    showSpeed(QString());
    dataset_ = {};
    datasetTable_->clear();
    datasetTable_->setRowCount(0);
    datasetTable_->setColumnCount(0);
    datasetProgress_->setValue(0);
    contextPosition_->setValue(static_cast<int>(std::lround(100.0 * config.contextPosition)));

    // KL and agreement.
    divergence_->clear();
    divergence_->setRowCount(n);
    divergence_->setColumnCount(n);
    divergence_->setHorizontalHeaderLabels(names);
    divergence_->setVerticalHeaderLabels(names);
    for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
            const double kl = r.kl[static_cast<size_t>(a)][static_cast<size_t>(b)];
            const int same = r.top1[static_cast<size_t>(a)][static_cast<size_t>(b)];
            auto* item = new QTableWidgetItem(std::isfinite(kl) ? QStringLiteral("%1 %2").arg(kl, 0, 'f', 3).arg(same == 1 ? QStringLiteral("=") : QStringLiteral("×"))
                                                                : QStringLiteral("–"));
            item->setTextAlignment(Qt::AlignCenter);
            if (std::isfinite(kl) && a != b) {
                // Darker with more divergence (saturating at 3 nats).
                const double t = std::min(1.0, kl / 3.0);
                item->setBackground(QColor::fromRgbF(1.0 - 0.45 * t, 1.0 - 0.3 * t, 1.0 - 0.1 * t));
            }
            divergence_->setItem(a, b, item);
        }
    }
    agreement_->setText(std::isfinite(r.top1Agreement)
            ? tr("Top-1 agreement: %1 % of the pairs that predict the same kind of thing").arg(100.0 * r.top1Agreement, 0, 'f', 0)
            : tr("No two models predict the same kind of thing on this input."));

    // Facts.
    const QStringList rows = { tr("Architecture"), tr("Layers"), tr("Width"), tr("Parameters"), tr("Per forward pass"),
        tr("Weights"), tr("Tokens"), tr("MFLOP at this length"), tr("Latency"), tr("Peak memory of a pass") };
    facts_->clear();
    facts_->setRowCount(static_cast<int>(rows.size()));
    facts_->setColumnCount(n);
    facts_->setVerticalHeaderLabels(rows);
    facts_->setHorizontalHeaderLabels(names);
    for (int m = 0; m < n; ++m) {
        const engine::ModelFacts& f = r.facts[static_cast<size_t>(m)];
        const QString cells[] = { q(f.architecture), QString::number(f.layers), QString::number(f.hidden), thousands(f.parameters),
            f.parametersPerForward != f.parameters ? tr("%1 (shared layers)").arg(thousands(f.parametersPerForward)) : thousands(f.parametersPerForward),
            QStringLiteral("%1 MiB").arg(static_cast<double>(f.weightBytes) / 1048576.0, 0, 'f', 2), QString::number(f.tokens),
            QString::number(f.flops / 1e6, 'f', 2), f.latencyMs > 0 ? QStringLiteral("%1 ms").arg(f.latencyMs, 0, 'f', 2) : tr("not timed"),
            f.peakBytes >= 0 ? QStringLiteral("%1 MiB").arg(static_cast<double>(f.peakBytes) / 1048576.0, 0, 'f', 2) : tr("not measured") };
        for (int row = 0; row < static_cast<int>(rows.size()); ++row) {
            facts_->setItem(row, m, new QTableWidgetItem(cells[row]));
        }
    }
    facts_->resizeColumnsToContents();
}

void CompareWindow::showPage(Page page)
{
    centre_->setCurrentIndex(static_cast<int>(page));
}

void CompareWindow::setAttentionLayer(int layer)
{
    layer_->setValue(layer + 1);
}

void CompareWindow::setAttentionHead(int head)
{
    const int at = head_->findData(head);
    head_->setCurrentIndex(std::max(0, at));
}

namespace {

/// One layer's weights as a [query][key] map: head `head`, or the mean over the heads.
std::vector<float> headMap(const engine::ModelAttention& a, size_t layer, int head)
{
    const auto t = static_cast<size_t>(a.tokens);
    const auto heads = static_cast<size_t>(a.heads);
    const std::vector<float>& w = a.layers.at(layer);
    if (head >= 0 && static_cast<size_t>(head) < heads) {
        return std::vector<float>(w.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(head) * t * t),
            w.begin() + static_cast<std::ptrdiff_t>((static_cast<size_t>(head) + 1) * t * t));
    }
    std::vector<float> mean(t * t, 0.0f);
    for (size_t h = 0; h < heads; ++h) {
        for (size_t i = 0; i < t * t; ++i) {
            mean[i] += w[h * t * t + i] / static_cast<float>(heads);
        }
    }
    return mean;
}

} // namespace

void CompareWindow::showAttention()
{
    const engine::CompareResult& r = result_;
    const int n = static_cast<int>(r.facts.size());
    const int head = head_->currentData().toInt();
    const int chosen = layer_->value() - 1;
    const int64_t firstLayers = r.attentions.empty() ? 0 : static_cast<int64_t>(r.attentions.front().layers.size());
    QStringList mapping;
    for (int m = 0; m < 4; ++m) {
        QWidget* column = maps_[static_cast<size_t>(m)]->parentWidget();
        column->setVisible(m < n);
        if (m >= n) {
            continue;
        }
        const engine::ModelFacts& f = r.facts[static_cast<size_t>(m)];
        const QString name = columnName(m);
        widgets::AttentionHeatmap* map = maps_[static_cast<size_t>(m)];
        QLabel* title = mapTitles_[static_cast<size_t>(m)];
        if (static_cast<size_t>(m) >= r.attentions.size() || r.attentions[static_cast<size_t>(m)].layers.empty()) {
            map->clear();
            title->setText(tr("%1: no attention to show (its layers mix tokens without attention weights)").arg(name));
            continue;
        }
        const engine::ModelAttention& a = r.attentions[static_cast<size_t>(m)];
        const auto layers = static_cast<int64_t>(a.layers.size());
        const int64_t layer = firstLayers > 0 ? engine::layerAtRelativeDepth(chosen, firstLayers, layers) : 0;
        mapping << QStringLiteral("[%1] %2/%3").arg(m + 1).arg(layer + 1).arg(layers);
        widgets::AttentionHeatmapData d;
        for (const std::string& t : r.tokens[static_cast<size_t>(m)]) {
            d.queryTokens << q(t);
        }
        d.keyTokens = d.queryTokens;
        d.weights = headMap(a, static_cast<size_t>(layer), head);
        d.causal = a.causal;
        const bool kernels = f.modelType == "lumen-lightconv" || f.modelType == "lumen-dynamicconv";
        d.valueName = kernels ? tr("kernel weight") : QString();
        d.title = kernels ? tr("kernels, layer %1 of %2").arg(layer + 1).arg(layers) : tr("layer %1 of %2").arg(layer + 1).arg(layers);
        title->setText(name);
        map->setData(std::move(d));
    }
    depthNote_->setText(mapping.isEmpty() ? QString()
                                          : tr("The same relative depth: %1").arg(mapping.join(QStringLiteral(" · "))));
    // A − B for two models: over their tokens when they read the same ones (a model and its
    // fine-tuned self), else over the stretches of text both cut (aligned by offsets); B's
    // layer at A's relative depth.
    const bool comparable = n == 2 && r.attentions.size() == 2 && !r.attentions[0].layers.empty()
        && !r.attentions[1].layers.empty();
    differenceColumn_->setVisible(comparable);
    if (!comparable) {
        difference_->clear();
        return;
    }
    const auto layersA = static_cast<int64_t>(r.attentions[0].layers.size());
    const auto layersB = static_cast<int64_t>(r.attentions[1].layers.size());
    const auto layerA = static_cast<size_t>(std::clamp<int64_t>(chosen, 0, layersA - 1));
    const auto layerB = static_cast<size_t>(engine::layerAtRelativeDepth(static_cast<int64_t>(layerA), layersA, layersB));
    // One head only where both have it; otherwise the means.
    const int headB = head >= 0 && head < r.attentions[1].heads ? head : -1;
    const int headA = headB >= 0 ? head : -1;
    std::vector<float> a = headMap(r.attentions[0], layerA, headA);
    std::vector<float> b = headMap(r.attentions[1], layerB, headB);
    widgets::AttentionHeatmapData d;
    const bool sameTokens = r.tokens[0] == r.tokens[1];
    if (sameTokens) {
        for (const std::string& t : r.tokens[0]) {
            d.queryTokens << q(t);
        }
    } else {
        a = engine::attentionOnSpans(a, r.attentions[0].tokens, r.alignment, 0);
        b = engine::attentionOnSpans(b, r.attentions[1].tokens, r.alignment, 1);
        for (const engine::AlignedSpan& span : r.alignment.spans) {
            d.queryTokens << q(span.text);
        }
    }
    d.keyTokens = d.queryTokens;
    d.weights.resize(a.size());
    float largest = 0.0f;
    for (size_t i = 0; i < a.size(); ++i) {
        d.weights[i] = a[i] - b[i];
        largest = std::max(largest, std::abs(d.weights[i]));
    }
    d.causal = r.attentions[0].causal && r.attentions[1].causal;
    d.valueName = tr("[1] − [2]");
    d.title = layerA == layerB ? tr("difference, layer %1").arg(layerA + 1)
                               : tr("difference, layers %1 and %2").arg(layerA + 1).arg(layerB + 1);
    differenceTitle_->setText(
        (sameTokens ? tr("[1] − [2]: red where [1] attends more, blue where [2] does (largest %1)")
                    : tr("[1] − [2] over the stretches of text both cut (their tokens differ): red where [1] attends more "
                         "(largest %1)"))
            .arg(largest, 0, 'f', 3));
    difference_->setData(std::move(d));
}

QString CompareWindow::columnName(int model) const
{
    const QString dir = static_cast<size_t>(model) < result_.facts.size() ? q(result_.facts[static_cast<size_t>(model)].dir)
                                                                           : modelList_->item(model)->text();
    return QStringLiteral("[%1] %2").arg(model + 1).arg(QFileInfo(dir).fileName());
}

std::vector<std::shared_ptr<engine::Model>> CompareWindow::modelsForJob(QLabel* note, const QString& notYet) const
{
    if (busy_ || result_.facts.empty()) {
        note->setText(busy_ ? tr("Wait for the running job.") : notYet);
        return {};
    }
    std::vector<std::shared_ptr<engine::Model>> loaded = comparedModels();
    if (loaded.empty()) {
        note->setText(tr("The models are not loaded any more; compare again."));
    }
    return loaded;
}

std::vector<std::shared_ptr<engine::Model>> CompareWindow::comparedModels() const
{
    std::vector<std::shared_ptr<engine::Model>> out;
    std::lock_guard<std::mutex> lock(cache_->mutex);
    for (const engine::ModelFacts& f : result_.facts) {
        const auto it = cache_->models.find(f.dir);
        if (it == cache_->models.end()) {
            return {}; // a re-opened comparison: its models were never loaded here
        }
        out.push_back(it->second);
    }
    return out;
}

void CompareWindow::showContext()
{
    const engine::CompareResult& r = result_;
    contextPlot_->clearGraphs();
    QStringList missing;
    double longest = 1.0;
    for (size_t m = 0; m < r.facts.size(); ++m) {
        const QString name = columnName(static_cast<int>(m));
        if (m >= r.contexts.size() || r.contexts[m].withinDistance.empty()) {
            missing << (m < r.contexts.size() ? QStringLiteral("%1: %2").arg(name, q(r.contexts[m].why)) : name);
            continue;
        }
        QCPGraph* g = contextPlot_->addGraph();
        g->setName(name);
        g->setPen(QPen(widgets::colormaps::categorical(static_cast<int>(m)), 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
        const std::vector<double>& w = r.contexts[m].withinDistance;
        for (size_t d = 0; d < w.size(); ++d) {
            g->addData(static_cast<double>(d), w[d]);
        }
        longest = std::max(longest, static_cast<double>(w.size() - 1));
    }
    contextPlot_->xAxis->setRange(-0.2, longest + 0.2);
    contextPlot_->replot();
    contextNote_->setText(missing.isEmpty()
            ? tr("The last layer at %1 % of the text (each model's own tokens): how much of the gradient comes from within "
                 "each distance. A curve that reaches 1 early looks near; a decoder looks only to its left.")
                  .arg(std::lround(100.0 * config_.contextPosition))
            : tr("Not measured: %1").arg(missing.join(QStringLiteral("; "))));
}

bool CompareWindow::measureSpeed(int longest)
{
    const std::vector<std::shared_ptr<engine::Model>> loaded = modelsForJob(speedNote_, tr("Compare first."));
    if (loaded.empty()) {
        return false;
    }
    speedCancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = speedCancel_;
    engine::SpeedConfig config;
    config.longest = longest;
    setBusy(true);
    speedButton_->setEnabled(false);
    speedNote_->setText(tr("Measuring…"));
    using Series = std::vector<engine::SpeedSeries>;
    auto* watcher = new QFutureWatcher<Series>(this);
    connect(watcher, &QFutureWatcher<Series>::finished, this, [this, watcher, cancel, config] {
        watcher->deleteLater();
        setBusy(false);
        speedButton_->setEnabled(true);
        speedSeries_ = watcher->result();
        speedConfig_ = config;
        showSpeed(cancel->load() ? tr("Cancelled: the lengths measured so far.") : QString());
        recordArtifact("comparison-speed", "speed.json", engine::speedSeriesToJson(speedSeries_, speedConfig_));
        Q_EMIT speedMeasured();
    });
    speedFuture_ = QtConcurrent::run([loaded, config, cancel] {
        engine::RunControl control;
        control.cancel = cancel.get();
        std::vector<engine::Model*> models;
        for (const auto& m : loaded) {
            models.push_back(m.get());
        }
        return engine::speedAgainstLength(models, config, control);
    });
    watcher->setFuture(speedFuture_);
    return true;
}

void CompareWindow::showSpeed(const QString& note)
{
    std::vector<widgets::LengthSeries> chart;
    for (const engine::SpeedSeries& s : speedSeries_) {
        widgets::LengthSeries c;
        c.model = QFileInfo(q(s.model)).fileName();
        c.lengths.assign(s.lengths.begin(), s.lengths.end());
        c.milliseconds = s.milliseconds;
        c.gflops = s.gflops;
        chart.push_back(std::move(c));
    }
    speed_->setSeries(chart);
    speedNote_->setText(!note.isEmpty() ? note
            : speedSeries_.empty()
            ? tr("Measure to compare how the models' time grows with the length.")
            : tr("Median of %1 forward passes per length, batch 1, random ids; FLOPs dashed.").arg(speedConfig_.repeats));
}

bool CompareWindow::recordArtifact(const char* kind, const char* fileName, const std::string& bytes)
{
    if (!run_.valid()) {
        return true;
    }
    try {
        run_.project->writeArtifact(run_.id, kind, fileName, bytes);
        return true;
    } catch (const std::exception& e) {
        status_->setText(tr("Shown, but not saved with run %1: %2").arg(run_.id).arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool CompareWindow::measureContext(double relative)
{
    const std::vector<std::shared_ptr<engine::Model>> loaded = modelsForJob(contextNote_, tr("Compare first."));
    if (loaded.empty()) {
        return false;
    }
    setBusy(true);
    contextButton_->setEnabled(false);
    contextNote_->setText(tr("Measuring the gradient fields…"));
    using Contexts = std::vector<engine::EffectiveContext>;
    auto* watcher = new QFutureWatcher<Contexts>(this);
    connect(watcher, &QFutureWatcher<Contexts>::finished, this, [this, watcher, relative] {
        watcher->deleteLater();
        setBusy(false);
        contextButton_->setEnabled(true);
        result_.contexts = watcher->result();
        config_.contextPosition = relative;
        showContext();
        recordArtifact("comparison", "compare.json", engine::compareResultToJson(result_, config_));
        Q_EMIT contextMeasured();
    });
    const std::string text = config_.text;
    const std::string pair = config_.pair;
    contextFuture_ = QtConcurrent::run([loaded, text, pair, relative] {
        Contexts out;
        for (const auto& m : loaded) {
            out.push_back(engine::effectiveContextAt(*m, text, relative, pair));
        }
        return out;
    });
    watcher->setFuture(contextFuture_);
    return true;
}

void CompareWindow::cancelSpeed()
{
    if (speedCancel_) {
        speedCancel_->store(true);
    }
}

QString CompareWindow::exportSheet(const QString& path)
{
    const QPixmap sheet = grab();
    if (path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive)) {
        QPdfWriter pdf(path);
        pdf.setTitle(tr("Lumen comparison: %1").arg(text_->text()));
        pdf.setCreator(QStringLiteral("Lumen"));
        pdf.setPageSize(QPageSize(QPageSize::A4));
        pdf.setPageOrientation(QPageLayout::Landscape);
        pdf.setResolution(150);
        QPainter painter;
        if (!painter.begin(&pdf)) {
            return tr("Cannot write %1 (is the folder writable?).").arg(path);
        }
        const QRect page = painter.viewport();
        const QSize fitted = sheet.size().scaled(page.size(), Qt::KeepAspectRatio);
        painter.drawPixmap(QRect(QPoint(0, 0), fitted), sheet);
        painter.end();
        return QFileInfo(path).size() > 0 ? QString() : tr("Writing %1 failed.").arg(path);
    }
    if (!sheet.save(path, "PNG")) {
        return tr("Cannot write %1 (is the folder writable, the disk full?).").arg(path);
    }
    return {};
}

bool CompareWindow::setDatasetFile(const QString& path)
{
    datasetPath_->setText(path);
    engine::DataPreview p;
    try {
        p = engine::previewDataset(path.toStdString(), engine::DataFormat::Auto, 5);
    } catch (const std::exception& e) {
        datasetSummary_->setText(QString::fromUtf8(e.what()));
        return false;
    }
    datasetText_->clear();
    datasetLabel_->clear();
    datasetLabel_->addItem(tr("(none)"), QString());
    for (const std::string& c : p.columns) {
        datasetText_->addItem(q(c));
        datasetLabel_->addItem(q(c), q(c));
    }
    for (const char* name : { "text", "sentence", "review", "prompt" }) {
        if (const int at = datasetText_->findText(QString::fromLatin1(name)); at >= 0) {
            datasetText_->setCurrentIndex(at);
            break;
        }
    }
    for (const char* name : { "label", "answer", "target", "class" }) {
        if (const int at = datasetLabel_->findData(QString::fromLatin1(name)); at >= 0) {
            datasetLabel_->setCurrentIndex(at);
            break;
        }
    }
    datasetSummary_->setText(tr("%1: %2 lines. Choose the columns, then Run.").arg(QFileInfo(path).fileName()).arg(p.totalLines));
    return true;
}

bool CompareWindow::compareDataset(const QString& path, const QString& textColumn, const QString& labelColumn, int limit)
{
    const std::vector<std::shared_ptr<engine::Model>> held =
        modelsForJob(datasetSummary_, tr("Compare the models on a sentence first."));
    if (held.empty()) {
        return false;
    }
    engine::DatasetCompareConfig config;
    config.data.path = path.toStdString();
    config.data.textColumn = textColumn.isEmpty() ? std::string("text") : textColumn.toStdString();
    config.data.labelColumn = labelColumn.toStdString();
    config.limit = limit;
    const int n = static_cast<int>(held.size());
    setDatasetColumns(n);
    datasetCancel_ = std::make_shared<std::atomic<bool>>(false);
    auto cancel = datasetCancel_;
    datasetError_.clear();
    setBusy(true);
    datasetRun_->setEnabled(false);
    datasetSummary_->setText(tr("Running the dataset through %1 models…").arg(n));
    auto* watcher = new QFutureWatcher<engine::DatasetComparison>(this);
    connect(watcher, &QFutureWatcher<engine::DatasetComparison>::finished, this, [this, watcher, config] {
        watcher->deleteLater();
        setBusy(false);
        datasetRun_->setEnabled(true);
        dataset_ = watcher->result();
        if (!datasetError_.isEmpty()) {
            datasetSummary_->setText(datasetError_);
            Q_EMIT datasetCompared();
            return;
        }
        datasetConfig_ = config;
        showDataset();
        std::vector<std::string> dirs;
        for (const engine::ModelFacts& f : result_.facts) {
            dirs.push_back(f.dir);
        }
        recordArtifact("dataset-comparison", "dataset-compare.json", engine::datasetComparisonToJson(dataset_, config, dirs));
        Q_EMIT datasetCompared();
    });
    QPointer<CompareWindow> self(this);
    datasetFuture_ = QtConcurrent::run([held, config, cancel, self] {
        engine::DatasetComparison out;
        std::vector<engine::Model*> models;
        for (const auto& m : held) {
            models.push_back(m.get());
        }
        engine::RunControl control;
        control.cancel = cancel.get();
        try {
            out = engine::compareOnDataset(models, config, control, [self](const engine::DatasetExample& e, int64_t done, int64_t total) {
                if (self) {
                    QMetaObject::invokeMethod(self.data(), [self, e, done, total] {
                        if (self) {
                            Q_EMIT self->datasetExample(e, done, total);
                        }
                    }, Qt::QueuedConnection);
                }
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            QMetaObject::invokeMethod(self.data(), [self, message] {
                if (self) {
                    self->datasetError_ = message;
                }
            }, Qt::QueuedConnection);
        }
        return out;
    });
    watcher->setFuture(datasetFuture_);
    return true;
}

void CompareWindow::setDatasetColumns(int models)
{
    datasetTable_->clear();
    datasetTable_->setRowCount(0);
    datasetTable_->setColumnCount(4 + models);
    QStringList headers { tr("Line"), tr("Disagreement"), tr("Text"), tr("Label") };
    for (int m = 0; m < models; ++m) {
        headers << columnName(m);
    }
    datasetTable_->setHorizontalHeaderLabels(headers);
    datasetTable_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
}

void CompareWindow::showDataset()
{
    // The rows again, most disagreement first.
    setDatasetColumns(static_cast<int>(dataset_.accuracy.size()));
    for (const engine::DatasetExample& e : dataset_.examples) {
        appendDatasetRow(e);
    }
    datasetProgress_->setRange(0, static_cast<int>(std::max<int64_t>(1, dataset_.total)));
    datasetProgress_->setValue(static_cast<int>(dataset_.examples.size()));
    QStringList parts;
    for (size_t m = 0; m < dataset_.accuracy.size(); ++m) {
        if (std::isfinite(dataset_.accuracy[m])) {
            parts << tr("[%1] accuracy %2 %").arg(m + 1).arg(100.0 * dataset_.accuracy[m], 0, 'f', 1);
        }
    }
    for (size_t a = 0; a < dataset_.agreement.size(); ++a) {
        for (size_t b = a + 1; b < dataset_.agreement.size(); ++b) {
            if (std::isfinite(dataset_.agreement[a][b])) {
                parts << tr("[%1]–[%2] agree %3 %").arg(a + 1).arg(b + 1).arg(100.0 * dataset_.agreement[a][b], 0, 'f', 1);
            }
        }
    }
    const bool cancelled = dataset_.status == engine::JobStatus::Cancelled;
    datasetSummary_->setText(QStringLiteral("%1: ").arg(QFileInfo(q(datasetConfig_.data.path)).fileName())
        + (cancelled ? tr("cancelled after %1 of %2 examples. ") : tr("%1 of %2 examples. "))
              .arg(dataset_.examples.size())
              .arg(dataset_.total)
        + parts.join(QStringLiteral(" · ")) + tr(". Most disagreement first."));
}

void CompareWindow::appendDatasetRow(const engine::DatasetExample& e)
{
    const int row = datasetTable_->rowCount();
    datasetTable_->insertRow(row);
    const QString cells[] = { QString::number(e.line),
        std::isfinite(e.disagreement) ? QString::number(e.disagreement, 'f', 3) : QStringLiteral("–"), q(e.text), q(e.label) };
    for (int c = 0; c < 4; ++c) {
        datasetTable_->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
    for (size_t m = 0; m < e.top1.size(); ++m) {
        auto* item = new QTableWidgetItem(QStringLiteral("%1 (%2 %)").arg(q(e.top1[m])).arg(100.0 * e.top1Probability[m], 0, 'f', 1));
        if (!e.label.empty() && e.top1[m] != e.label) {
            item->setForeground(QColor(0xd5, 0x5e, 0x00)); // not the label
        }
        datasetTable_->setItem(row, 4 + static_cast<int>(m), item);
    }
}

void CompareWindow::cancelDataset()
{
    if (datasetCancel_) {
        datasetCancel_->store(true);
    }
}

} // namespace lumen::app
