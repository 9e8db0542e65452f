// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "fine_tune_window.h"

#include "new_model_dialog.h"
#include "train_record.h"

#include "lumen/engine/dataset.h"
#include "lumen/projects/project.h"
#include "lumen/widgets/qcustomplot.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCoreApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFuture>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

namespace lumen::app {

struct FineTuneWindow::Shared {
    std::atomic<bool> cancel { false };
    std::atomic<bool> pause { false };
    QFuture<void> future;
};

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

QSpinBox* spin(QWidget* parent, int lo, int hi, int value, const QString& tip, const QString& special = QString())
{
    auto* box = new QSpinBox(parent);
    box->setRange(lo, hi);
    box->setValue(value);
    box->setToolTip(tip);
    if (!special.isEmpty()) {
        box->setSpecialValueText(special);
    }
    return box;
}

QDoubleSpinBox* dspin(QWidget* parent, double lo, double hi, double value, int decimals, const QString& tip)
{
    auto* box = new QDoubleSpinBox(parent);
    box->setDecimals(decimals);
    box->setRange(lo, hi);
    box->setValue(value);
    box->setToolTip(tip);
    return box;
}

QCustomPlot* makePlot(const QString& name, const QString& x, const QString& y)
{
    auto* plot = new QCustomPlot;
    plot->setObjectName(name);
    plot->xAxis->setLabel(x);
    plot->yAxis->setLabel(y);
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), 8));
    plot->setMinimumHeight(180);
    return plot;
}

} // namespace

FineTuneWindow::FineTuneWindow(ProjectController* projects, QWidget* parent)
    : QWidget(parent, Qt::Window)
    , projects_(projects)
{
    qRegisterMetaType<std::vector<engine::TrainProgress>>();
    qRegisterMetaType<engine::EvalResult>();
    qRegisterMetaType<engine::TrainResult>();
    setObjectName(QStringLiteral("fineTuneWindow"));
    setWindowTitle(tr("Fine-Tune — Lumen"));
    resize(1200, 800);
    auto* layout = new QVBoxLayout(this);
    auto* split = new QSplitter(Qt::Horizontal, this);
    layout->addWidget(split, 1);

    // Left: data and options.
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    auto* dataBox = new QGroupBox(tr("Data"), left);
    auto* dataForm = new QGridLayout(dataBox);
    model_ = new QLineEdit(dataBox);
    model_->setPlaceholderText(tr("the model folder to start from"));
    auto* chooseModel = new QPushButton(tr("…"), dataBox);
    auto* newModel = new QPushButton(tr("New…"), dataBox);
    newModel->setObjectName(QStringLiteral("newModelButton"));
    newModel->setToolTip(tr("Start from scratch: a new, randomly initialised model (a Transformer, convolution or "
                            "LSTM) with this model's tokenizer"));
    data_ = new QLineEdit(dataBox);
    data_->setPlaceholderText(tr("CSV, TSV, JSONL, CoNLL or text file"));
    auto* chooseData = new QPushButton(tr("…"), dataBox);
    validation_ = new QLineEdit(dataBox);
    validation_->setPlaceholderText(tr("optional: a separate validation file"));
    auto* chooseValidation = new QPushButton(tr("…"), dataBox);
    task_ = new QComboBox(dataBox);
    task_->addItem(tr("Sequence classification"), static_cast<int>(engine::TrainTask::SequenceClassification));
    task_->addItem(tr("Token classification"), static_cast<int>(engine::TrainTask::TokenClassification));
    task_->addItem(tr("Masked-LM (continued pre-training)"), static_cast<int>(engine::TrainTask::MaskedLm));
    task_->addItem(tr("Causal-LM"), static_cast<int>(engine::TrainTask::CausalLm));
    textColumn_ = new QComboBox(dataBox);
    pairColumn_ = new QComboBox(dataBox);
    labelColumn_ = new QComboBox(dataBox);
    validFraction_ = dspin(dataBox, 0.0, 0.9, 0.1, 2, tr("The share of the data held out for validation (without a validation file)"));
    int row = 0;
    dataForm->addWidget(new QLabel(tr("Model"), dataBox), row, 0);
    dataForm->addWidget(model_, row, 1, 1, 3);
    auto* modelButtons = new QHBoxLayout;
    modelButtons->addWidget(chooseModel);
    modelButtons->addWidget(newModel);
    dataForm->addLayout(modelButtons, row++, 4);
    dataForm->addWidget(new QLabel(tr("Training data"), dataBox), row, 0);
    dataForm->addWidget(data_, row, 1, 1, 3);
    dataForm->addWidget(chooseData, row++, 4);
    dataForm->addWidget(new QLabel(tr("Validation"), dataBox), row, 0);
    dataForm->addWidget(validation_, row, 1, 1, 3);
    dataForm->addWidget(chooseValidation, row++, 4);
    dataForm->addWidget(new QLabel(tr("or hold out"), dataBox), row, 0);
    dataForm->addWidget(validFraction_, row++, 1);
    dataForm->addWidget(new QLabel(tr("Task"), dataBox), row, 0);
    dataForm->addWidget(task_, row++, 1, 1, 4);
    textLabel_ = new QLabel(tr("Text"), dataBox);
    labelLabel_ = new QLabel(tr("Label"), dataBox);
    dataForm->addWidget(textLabel_, row, 0);
    dataForm->addWidget(textColumn_, row, 1);
    dataForm->addWidget(new QLabel(tr("Pair"), dataBox), row, 2);
    dataForm->addWidget(pairColumn_, row++, 3, 1, 2);
    dataForm->addWidget(labelLabel_, row, 0);
    dataForm->addWidget(labelColumn_, row++, 1);
    preview_ = new QTableWidget(0, 0, dataBox);
    preview_->setObjectName(QStringLiteral("dataPreview"));
    preview_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    preview_->setMaximumHeight(160);
    dataForm->addWidget(preview_, row++, 0, 1, 5);
    dataCheck_ = new QLabel(dataBox);
    dataCheck_->setObjectName(QStringLiteral("dataCheck"));
    dataCheck_->setWordWrap(true);
    dataCheck_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    dataCheck_->setToolTip(tr("What the whole file holds, read in the background after each change"));
    dataForm->addWidget(dataCheck_, row++, 0, 1, 5);
    checkTimer_ = new QTimer(this);
    checkTimer_->setSingleShot(true);
    checkTimer_->setInterval(250);
    connect(checkTimer_, &QTimer::timeout, this, &FineTuneWindow::scheduleDataCheck);
    leftLayout->addWidget(dataBox);

    auto* options = new QGroupBox(tr("Options"), left);
    auto* form = new QGridLayout(options);
    lr_ = dspin(options, 1e-7, 1.0, 5e-5, 7, tr("AdamW's learning rate"));
    weightDecay_ = dspin(options, 0.0, 1.0, 0.01, 3, tr("Decoupled weight decay (not on biases and norms)"));
    schedule_ = new QComboBox(options);
    schedule_->addItems({ QStringLiteral("linear"), QStringLiteral("cosine"), QStringLiteral("constant") });
    warmup_ = spin(options, 0, 1000000, 0, tr("Warm-up steps: the learning rate rises from 0"));
    batch_ = spin(options, 1, 4096, 16, tr("Examples per micro-batch"));
    accumulation_ = spin(options, 1, 4096, 1, tr("Gradient accumulation: micro-batches per optimizer step (a larger "
                                                 "batch in the memory of a small one)"));
    epochs_ = spin(options, 1, 10000, 3, tr("Passes over the training data"));
    maxSteps_ = spin(options, 0, 100000000, 0, tr("Optimizer steps; none = the epochs decide"), tr("none"));
    maxLength_ = spin(options, 8, 65536, 128, tr("Tokens per input, special tokens included"));
    sliding_ = new QCheckBox(tr("sliding windows"), options);
    sliding_->setToolTip(tr("Long texts become overlapping windows instead of being cut (classification: their "
                            "logits are averaged for evaluation)"));
    stride_ = spin(options, 0, 65536, 32, tr("Tokens neighbouring windows share"));
    freezeEmbeddings_ = new QCheckBox(tr("freeze embeddings"), options);
    freezeLayers_ = spin(options, 0, 4096, 0, tr("The first N layers keep their weights"), tr("none"));
    checkpointing_ = new QCheckBox(tr("gradient checkpointing"), options);
    checkpointing_->setToolTip(tr("Keep no activations inside the layers for the backward pass and run them again "
                                  "there: less memory, about a third more time"));
    clip_ = dspin(options, 0.0, 1000.0, 1.0, 2, tr("Gradient clipping: the largest gradient norm (0 = none)"));
    seed_ = spin(options, 0, 1 << 30, 0, tr("The seed of the data order, masks, dropout and new weights"));
    device_ = new QComboBox(options);
    device_->addItems({ QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda") });
    device_->setToolTip(tr("auto: the GPU when there is one"));
    precision_ = new QComboBox(options);
    precision_->addItems({ QStringLiteral("no"), QStringLiteral("bf16"), QStringLiteral("fp16") });
    precision_->setToolTip(tr("Mixed precision: the forward pass under autocast (weights and optimizer stay float32). "
                              "fp16 uses loss scaling and needs CUDA; bf16 also runs on the CPU"));
    evalEvery_ = spin(options, 0, 100000000, 0, tr("Steps between evaluations; each epoch = after every epoch"), tr("each epoch"));
    patience_ = spin(options, 0, 100000, 0, tr("Early stopping: evaluations without a better validation loss"), tr("off"));
    checkpointEvery_ = spin(options, 0, 100000000, 0, tr("Steps between checkpoints"), tr("each epoch"));
    keep_ = spin(options, 1, 1000, 2, tr("Checkpoints kept (the newest)"));
    const std::pair<QString, QWidget*> cells[] = { { tr("Learning rate"), lr_ }, { tr("Weight decay"), weightDecay_ },
        { tr("Schedule"), schedule_ }, { tr("Warm-up steps"), warmup_ }, { tr("Batch size"), batch_ },
        { tr("Accumulation"), accumulation_ }, { tr("Epochs"), epochs_ }, { tr("Max steps"), maxSteps_ },
        { tr("Max length"), maxLength_ }, { sliding_->text(), sliding_ }, { tr("Stride"), stride_ },
        { tr("Freeze layers"), freezeLayers_ }, { freezeEmbeddings_->text(), freezeEmbeddings_ },
        { checkpointing_->text(), checkpointing_ },
        { tr("Clip norm"), clip_ }, { tr("Seed"), seed_ }, { tr("Device"), device_ }, { tr("Precision"), precision_ },
        { tr("Evaluate"), evalEvery_ }, { tr("Early stopping"), patience_ }, { tr("Checkpoint"), checkpointEvery_ },
        { tr("Keep"), keep_ } };
    int i = 0;
    for (const auto& [label, widget] : cells) {
        const bool check = qobject_cast<QCheckBox*>(widget) != nullptr;
        if (!check) {
            form->addWidget(new QLabel(label, options), i / 2, (i % 2) * 2);
        }
        form->addWidget(widget, i / 2, (i % 2) * 2 + 1);
        ++i;
    }
    leftLayout->addWidget(options);

    auto* watch = new QGroupBox(tr("Watch attention form"), left);
    watch->setObjectName(QStringLiteral("watchAttention"));
    auto* watchRow = new QHBoxLayout(watch);
    watch_ = new QCheckBox(tr("keep the attention of"), watch);
    watch_->setObjectName(QStringLiteral("watchAttentionBox"));
    watch_->setToolTip(tr("Run this sentence through the model at the first step, at intervals and at the end, "
                          "and keep every layer's and head's attention: the Attention forming tab (and the run's "
                          "page) scrubs through them"));
    probe_ = new QLineEdit(watch);
    probe_->setObjectName(QStringLiteral("attentionProbe"));
    probe_->setPlaceholderText(tr("a probe sentence (at most 64 tokens)"));
    snapshotEvery_ = spin(watch, 0, 100000000, 0, tr("Steps between snapshots"), tr("about 20 times"));
    watchRow->addWidget(watch_);
    watchRow->addWidget(probe_, 1);
    watchRow->addWidget(new QLabel(tr("every"), watch));
    watchRow->addWidget(snapshotEvery_);
    leftLayout->addWidget(watch);
    auto* buttons = new QHBoxLayout;
    startButton_ = new QPushButton(tr("Start"), left);
    startButton_->setDefault(true);
    pauseButton_ = new QPushButton(tr("Pause"), left);
    pauseButton_->setCheckable(true);
    cancelButton_ = new QPushButton(tr("Cancel"), left);
    resumeButton_ = new QPushButton(tr("Resume"), left);
    resumeButton_->setToolTip(tr("Continue the stopped run from its newest checkpoint, as a new run"));
    auto* copy = new QPushButton(tr("Copy as Command"), left);
    copy->setToolTip(tr("Write the job as a JSON file and copy the lumen-cli command that runs it"));
    for (QPushButton* b : { startButton_, pauseButton_, cancelButton_, resumeButton_, copy }) {
        buttons->addWidget(b);
    }
    leftLayout->addLayout(buttons);
    leftLayout->addStretch(1);
    split->addWidget(left);

    // Right: progress, curves, evaluation.
    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    progress_ = new QProgressBar(right);
    progress_->setFormat(tr("%v / %m steps"));
    status_ = new QLabel(tr("Choose a model and a data file, then Start."), right);
    status_->setWordWrap(true);
    rightLayout->addWidget(progress_);
    rightLayout->addWidget(status_);
    auto* tabs = new QTabWidget(right);
    tabs_ = tabs;
    auto* curves = new QWidget;
    auto* curvesLayout = new QVBoxLayout(curves);
    lossPlot_ = makePlot(QStringLiteral("lossPlot"), tr("step"), tr("training loss"));
    lossPlot_->addGraph();
    lossPlot_->graph(0)->setName(tr("loss"));
    lossPlot_->graph(0)->setPen(QPen(QColor(0x00, 0x72, 0xb2), 1.0));
    lossPlot_->addGraph(lossPlot_->xAxis, lossPlot_->yAxis2);
    lossPlot_->graph(1)->setName(tr("learning rate (right)"));
    // Solid and 1 pixel wide: dashed or fractional pens over many points repaint 20-50x slower.
    lossPlot_->graph(1)->setPen(QPen(QColor(0xe6, 0x9f, 0x00), 1.0));
    lossPlot_->yAxis2->setVisible(true);

    lossPlot_->yAxis2->setLabel(tr("learning rate"));
    validPlot_ = makePlot(QStringLiteral("validationPlot"), tr("step"), tr("validation"));
    const std::pair<QString, QColor> series[] = { { tr("loss"), QColor(0xd5, 0x5e, 0x00) },
        { tr("accuracy"), QColor(0x00, 0x9e, 0x73) }, { tr("macro-F1"), QColor(0xcc, 0x79, 0xa7) } };
    for (const auto& [name, colour] : series) {
        QCPGraph* g = validPlot_->addGraph();
        g->setName(name);
        g->setPen(QPen(colour, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
    }
    curvesLayout->addWidget(lossPlot_, 1);
    curvesLayout->addWidget(validPlot_, 1);
    tabs->addTab(curves, tr("Curves"));
    evaluation_ = new widgets::EvaluationView(nullptr, /*vertical=*/true);
    tabs->addTab(evaluation_, tr("Evaluation"));
    timeline_ = new widgets::AttentionTimeline;
    timeline_->setObjectName(QStringLiteral("fineTuneTimeline"));
    tabs->addTab(timeline_, tr("Attention forming"));
    rightLayout->addWidget(tabs, 1);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    connect(chooseModel, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("The Model to Fine-Tune"), model_->text());
        if (!dir.isEmpty()) {
            setModelDir(dir);
        }
    });
    connect(newModel, &QPushButton::clicked, this, [this] { showNewModelDialog(); });
    connect(chooseData, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Training Data"), QString(),
            tr("Data (*.csv *.tsv *.jsonl *.json *.conll *.txt);;All files (*)"));
        if (!path.isEmpty()) {
            setDataFile(path);
        }
    });
    connect(startButton_, &QPushButton::clicked, this, &FineTuneWindow::start);
    connect(pauseButton_, &QPushButton::toggled, this, &FineTuneWindow::setPaused);
    connect(cancelButton_, &QPushButton::clicked, this, &FineTuneWindow::cancel);
    connect(resumeButton_, &QPushButton::clicked, this, &FineTuneWindow::resume);
    connect(copy, &QPushButton::clicked, this, [this] {
        const QString command = copyAsCommand();
        if (!command.isEmpty()) {
            status_->setText(tr("Copied: %1").arg(command));
        }
    });
    connect(chooseValidation, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Validation Data"), validation_->text(),
            tr("Data (*.csv *.tsv *.jsonl *.json *.conll *.txt);;All files (*)"));
        if (!path.isEmpty()) {
            validation_->setText(path);
        }
    });
    connect(watch_, &QCheckBox::toggled, this, [this](bool on) {
        probe_->setEnabled(on);
        snapshotEvery_->setEnabled(on);
        if (on && probe_->text().trimmed().isEmpty()) {
            probe_->setText(firstExampleText());
        }
    });
    probe_->setEnabled(false);
    snapshotEvery_->setEnabled(false);
    connect(task_, &QComboBox::currentIndexChanged, this, &FineTuneWindow::updateColumnBoxes);
    const auto dataChanged = [this] {
        dataCheck_->setText(tr("Reading the data…"));
        checkTimer_->start();
    };
    for (QComboBox* box : { textColumn_, pairColumn_, labelColumn_, task_ }) {
        connect(box, &QComboBox::currentIndexChanged, this, dataChanged);
    }
    connect(validation_, &QLineEdit::textChanged, this, dataChanged);
    connect(validFraction_, &QDoubleSpinBox::valueChanged, this, dataChanged);
    updateColumnBoxes();
    updateButtons();
}

FineTuneWindow::~FineTuneWindow()
{
    if (shared_) {
        shared_->cancel = true;
        shared_->future.waitForFinished(); // stops after its step, with a checkpoint
    }
}

void FineTuneWindow::closeEvent(QCloseEvent* event)
{
    if (running_) {
        cancel(); // a checkpoint is kept; Resume continues
    }
    QWidget::closeEvent(event);
}

void FineTuneWindow::setModelDir(const QString& dir)
{
    model_->setText(dir);
}

NewModelDialog* FineTuneWindow::showNewModelDialog()
{
    auto* dialog = new NewModelDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString from = model_->text().trimmed();
    if (!from.isEmpty()) {
        dialog->setTokenizerDir(from);
    }
    connect(dialog, &NewModelDialog::modelCreated, this, [this](const QString& dir) {
        setModelDir(dir);
        status_->setText(tr("A new model in %1: choose a text file and Masked-LM or Causal-LM to train it from scratch.").arg(dir));
    });
    dialog->open();
    return dialog;
}

bool FineTuneWindow::setDataFile(const QString& path)
{
    data_->setText(path);
    engine::DataPreview p;
    try {
        p = engine::previewDataset(path.toStdString(), engine::DataFormat::Auto, 20);
    } catch (const std::exception& e) {
        status_->setText(QString::fromUtf8(e.what()));
        return false;
    }
    preview_->clear();
    preview_->setColumnCount(static_cast<int>(p.columns.size()));
    QStringList headers;
    for (const std::string& c : p.columns) {
        headers << q(c);
    }
    preview_->setHorizontalHeaderLabels(headers);
    preview_->setRowCount(static_cast<int>(p.rows.size()));
    for (size_t r = 0; r < p.rows.size(); ++r) {
        for (size_t c = 0; c < p.rows[r].size() && c < p.columns.size(); ++c) {
            preview_->setItem(static_cast<int>(r), static_cast<int>(c), new QTableWidgetItem(q(p.rows[r][c])));
        }
    }
    preview_->resizeColumnsToContents();
    for (QComboBox* box : { textColumn_, pairColumn_, labelColumn_ }) {
        box->clear();
    }
    pairColumn_->addItem(tr("(none)"), QString());
    for (const QString& h : headers) {
        textColumn_->addItem(h, h);
        pairColumn_->addItem(h, h);
        labelColumn_->addItem(h, h);
    }
    // Guess the usual names.
    const auto pick = [&headers](QComboBox* box, std::initializer_list<const char*> names) {
        for (const char* n : names) {
            const int at = headers.indexOf(QString::fromLatin1(n));
            if (at >= 0) {
                box->setCurrentIndex(box->findData(headers[at]));
                return;
            }
        }
    };
    pick(textColumn_, { "text", "sentence", "sentence1", "premise", "review" });
    pick(labelColumn_, { "label", "labels", "class", "category", "sentiment" });
    pick(pairColumn_, { "sentence2", "hypothesis", "pair" });
    dataFormat_ = p.format;
    const bool tagged = p.format == engine::DataFormat::Conll
        || (p.format == engine::DataFormat::Jsonl && (headers.contains(QStringLiteral("tags")) || headers.contains(QStringLiteral("ner_tags"))));
    if (tagged) {
        pick(textColumn_, { "tokens", "words" });
        pick(labelColumn_, { "tags", "ner_tags", "labels" });
    }
    if (tagged) {
        task_->setCurrentIndex(task_->findData(static_cast<int>(engine::TrainTask::TokenClassification)));
    } else if (p.format == engine::DataFormat::Text) {
        task_->setCurrentIndex(task_->findData(static_cast<int>(engine::TrainTask::MaskedLm)));
    } else {
        task_->setCurrentIndex(task_->findData(static_cast<int>(engine::TrainTask::SequenceClassification)));
    }
    status_->setText(tr("%1: %2 lines, %3 columns. Check the columns, then Start.")
                         .arg(QFileInfo(path).fileName())
                         .arg(p.totalLines)
                         .arg(headers.size()));
    updateColumnBoxes();
    dataCheck_->setText(tr("Reading the data…"));
    checkTimer_->start();
    return true;
}

void FineTuneWindow::updateColumnBoxes()
{
    // Classification reads text (+ pair) and label columns; token classification from JSONL
    // reads a tokens and a tags key (CoNLL has its own two columns); LM training reads text.
    const auto task = static_cast<engine::TrainTask>(task_->currentData().toInt());
    const bool classes = task == engine::TrainTask::SequenceClassification;
    const bool tokens = task == engine::TrainTask::TokenClassification;
    const bool keyed = dataFormat_ == engine::DataFormat::Jsonl || dataFormat_ == engine::DataFormat::Csv
        || dataFormat_ == engine::DataFormat::Tsv;
    textLabel_->setText(tokens ? tr("Tokens") : tr("Text"));
    labelLabel_->setText(tokens ? tr("Tags") : tr("Label"));
    textColumn_->setEnabled((classes && keyed) || (tokens && dataFormat_ == engine::DataFormat::Jsonl)
        || (!classes && !tokens && dataFormat_ != engine::DataFormat::Text && keyed));
    labelColumn_->setEnabled((classes && keyed) || (tokens && dataFormat_ == engine::DataFormat::Jsonl));
    pairColumn_->setEnabled(classes && keyed);
}

namespace {

/// "neg 120 · pos 118": each label with how often it occurs (the first 12).
QString labelCounts(const engine::Dataset& d, bool tags)
{
    std::map<std::string, int64_t> counts;
    for (const engine::Example& e : d.examples) {
        if (tags) {
            for (const std::string& t : e.tags) {
                ++counts[t];
            }
        } else {
            ++counts[e.label];
        }
    }
    QStringList parts;
    for (const auto& [label, n] : counts) {
        if (parts.size() == 12) {
            parts << QCoreApplication::translate("FineTuneWindow", "and %1 more").arg(counts.size() - 12);
            break;
        }
        parts << QStringLiteral("%1 %2").arg(QString::fromStdString(label)).arg(n);
    }
    return parts.join(QStringLiteral(" · "));
}

/// What the job's data holds, or where it is wrong (the engine's file:line message).
std::pair<QString, bool> describeData(const engine::TrainJob& j)
{
    const engine::DatasetKind kind = j.task == engine::TrainTask::SequenceClassification ? engine::DatasetKind::Classification
        : j.task == engine::TrainTask::TokenClassification                            ? engine::DatasetKind::Tokens
                                                                                      : engine::DatasetKind::Text;
    const bool tags = kind == engine::DatasetKind::Tokens;
    const auto tr = [](const char* s) { return QCoreApplication::translate("FineTuneWindow", s); };
    try {
        const engine::Dataset train = engine::loadDataset(j.train, kind);
        const auto n = static_cast<qint64>(train.examples.size());
        QString text;
        if (!j.validation.path.empty()) {
            const engine::Dataset valid = engine::loadDataset(j.validation, kind);
            text = tr("%1 training examples, %2 in the validation file.").arg(n).arg(valid.examples.size());
            if (kind != engine::DatasetKind::Text) {
                for (const std::string& l : valid.labels) {
                    if (std::find(train.labels.begin(), train.labels.end(), l) == train.labels.end()) {
                        return { tr("The validation file has the label \"%1\", which the training data never has.")
                                     .arg(QString::fromStdString(l)),
                            false };
                    }
                }
            }
        } else {
            const auto [kept, held] = engine::splitDataset(train, j.validationFraction, j.seed);
            text = tr("%1 examples: %2 for training, %3 held out for validation.")
                       .arg(n)
                       .arg(kept.examples.size())
                       .arg(held.examples.size());
        }
        if (kind == engine::DatasetKind::Text) {
            return { text, true };
        }
        text += QLatin1Char(' ')
            + (tags ? tr("%1 tags: %2") : tr("%1 labels: %2")).arg(train.labels.size()).arg(labelCounts(train, tags));
        if (train.labels.size() < 2) {
            return { text + QLatin1Char(' ') + tr("A classifier needs at least two."), false };
        }
        return { text, true };
    } catch (const std::exception& e) {
        return { QString::fromUtf8(e.what()), false };
    }
}

} // namespace

void FineTuneWindow::scheduleDataCheck()
{
    const engine::TrainJob j = job();
    if (j.train.path.empty()) {
        dataCheck_->clear();
        return;
    }
    const quint64 request = ++checkRequest_;
    dataCheck_->setText(tr("Reading the data…"));
    auto* watcher = new QFutureWatcher<std::pair<QString, bool>>(this);
    connect(watcher, &QFutureWatcher<std::pair<QString, bool>>::finished, this, [this, watcher, request] {
        watcher->deleteLater();
        if (request != checkRequest_) {
            return; // the data or its columns changed meanwhile
        }
        const auto [text, ok] = watcher->result();
        dataCheck_->setText(text);
        dataCheck_->setStyleSheet(ok ? QString() : QStringLiteral("color: #b03030;"));
        dataCheck_->setProperty("ok", ok);
    });
    watcher->setFuture(QtConcurrent::run([j] { return describeData(j); }));
}

engine::TrainJob FineTuneWindow::job() const
{
    engine::TrainJob j;
    j.model = model_->text().trimmed().toStdString();
    j.task = static_cast<engine::TrainTask>(task_->currentData().toInt());
    j.train.path = data_->text().trimmed().toStdString();
    j.train.textColumn = textColumn_->currentData().toString().toStdString();
    if (j.train.textColumn.empty()) {
        j.train.textColumn = "text";
    }
    j.train.pairColumn = pairColumn_->currentData().toString().toStdString();
    j.train.labelColumn = labelColumn_->currentData().toString().toStdString();
    if (j.train.labelColumn.empty()) {
        j.train.labelColumn = "label";
    }
    if (j.task == engine::TrainTask::TokenClassification && dataFormat_ == engine::DataFormat::Jsonl) {
        j.train.tokensKey = textColumn_->currentData().toString().toStdString();
        j.train.tagsKey = labelColumn_->currentData().toString().toStdString();
        if (j.train.tokensKey.empty()) {
            j.train.tokensKey = "tokens";
        }
        if (j.train.tagsKey.empty()) {
            j.train.tagsKey = "tags";
        }
    }
    j.validation = j.train;
    j.validation.path = validation_->text().trimmed().toStdString();
    j.validation.format = engine::DataFormat::Auto;
    j.validationFraction = validFraction_->value();
    j.learningRate = lr_->value();
    j.weightDecay = weightDecay_->value();
    j.schedule = schedule_->currentText().toStdString();
    j.warmupSteps = warmup_->value();
    j.batchSize = batch_->value();
    j.gradientAccumulation = accumulation_->value();
    j.epochs = epochs_->value();
    j.maxSteps = maxSteps_->value();
    j.maxLength = maxLength_->value();
    j.overflow = sliding_->isChecked() ? "sliding" : "truncate";
    j.stride = stride_->value();
    j.freezeEmbeddings = freezeEmbeddings_->isChecked();
    j.freezeLayers = freezeLayers_->value();
    j.gradientCheckpointing = checkpointing_->isChecked();
    j.maxGradNorm = clip_->value();
    j.seed = static_cast<uint64_t>(seed_->value());
    j.device = device_->currentText().toStdString();
    j.mixedPrecision = precision_->currentText().toStdString();
    j.evalEvery = evalEvery_->value();
    j.earlyStoppingPatience = patience_->value();
    j.checkpointEvery = checkpointEvery_->value();
    j.keepCheckpoints = keep_->value();
    if (watch_->isChecked()) {
        j.attentionProbe = probe_->text().trimmed().toStdString();
        j.snapshotEvery = snapshotEvery_->value();
    }
    return j;
}

QString FineTuneWindow::firstExampleText() const
{
    // The text column of the preview's first row, its first 12 words.
    const int column = std::max(0, textColumn_->currentIndex());
    const QTableWidgetItem* item = preview_->rowCount() > 0 ? preview_->item(0, column) : nullptr;
    if (item == nullptr) {
        return {};
    }
    QStringList words = item->text().simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.size() > 12) {
        words = words.mid(0, 12);
    }
    return words.join(QLatin1Char(' '));
}

void FineTuneWindow::setJob(const engine::TrainJob& j)
{
    model_->setText(q(j.model));
    if (!j.train.path.empty()) {
        setDataFile(q(j.train.path));
    }
    task_->setCurrentIndex(task_->findData(static_cast<int>(j.task)));
    textColumn_->setCurrentIndex(std::max(0, textColumn_->findData(q(j.train.textColumn))));
    pairColumn_->setCurrentIndex(std::max(0, pairColumn_->findData(q(j.train.pairColumn))));
    labelColumn_->setCurrentIndex(std::max(0, labelColumn_->findData(q(j.train.labelColumn))));
    if (j.task == engine::TrainTask::TokenClassification && dataFormat_ == engine::DataFormat::Jsonl) {
        textColumn_->setCurrentIndex(std::max(0, textColumn_->findData(q(j.train.tokensKey))));
        labelColumn_->setCurrentIndex(std::max(0, labelColumn_->findData(q(j.train.tagsKey))));
    }
    validation_->setText(q(j.validation.path));
    validFraction_->setValue(j.validationFraction);
    lr_->setValue(j.learningRate);
    weightDecay_->setValue(j.weightDecay);
    schedule_->setCurrentText(q(j.schedule));
    warmup_->setValue(static_cast<int>(j.warmupSteps));
    batch_->setValue(static_cast<int>(j.batchSize));
    accumulation_->setValue(static_cast<int>(j.gradientAccumulation));
    epochs_->setValue(static_cast<int>(j.epochs));
    maxSteps_->setValue(static_cast<int>(j.maxSteps));
    maxLength_->setValue(static_cast<int>(j.maxLength));
    sliding_->setChecked(j.overflow == "sliding");
    stride_->setValue(static_cast<int>(j.stride));
    freezeEmbeddings_->setChecked(j.freezeEmbeddings);
    freezeLayers_->setValue(static_cast<int>(j.freezeLayers));
    checkpointing_->setChecked(j.gradientCheckpointing);
    clip_->setValue(j.maxGradNorm);
    seed_->setValue(static_cast<int>(j.seed));
    device_->setCurrentText(q(j.device));
    precision_->setCurrentText(q(j.mixedPrecision));
    evalEvery_->setValue(static_cast<int>(j.evalEvery));
    patience_->setValue(static_cast<int>(j.earlyStoppingPatience));
    checkpointEvery_->setValue(static_cast<int>(j.checkpointEvery));
    keep_->setValue(static_cast<int>(j.keepCheckpoints));
    probe_->setText(q(j.attentionProbe));
    snapshotEvery_->setValue(static_cast<int>(j.snapshotEvery));
    watch_->setChecked(!j.attentionProbe.empty());
}

QString FineTuneWindow::copyAsCommand()
{
    const engine::TrainJob j = job();
    if (j.model.empty() || j.train.path.empty()) {
        status_->setText(tr("Choose a model and a training data file first."));
        return {};
    }
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/jobs");
    QDir().mkpath(folder);
    const QString path = folder + QStringLiteral("/job-%1.json").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QByteArray::fromStdString(engine::trainJobToJson(j))) < 0) {
        status_->setText(tr("Could not write %1: %2").arg(path, file.errorString()));
        return {};
    }
    file.close();
    QString command = QStringLiteral("lumen-cli train --job '%1'").arg(path);
    if (projects_->hasProject()) {
        command += QStringLiteral(" --project '%1'").arg(projects_->projectPath());
    }
    QApplication::clipboard()->setText(command);
    return command;
}

bool FineTuneWindow::start()
{
    return launch(job(), false, 0);
}

bool FineTuneWindow::resume()
{
    if (lastRun_ == 0) {
        status_->setText(tr("There is no stopped run to resume."));
        return false;
    }
    return launch(lastJob_, true, lastRun_);
}

bool FineTuneWindow::openRun(qint64 runId)
{
    if (running_) {
        status_->setText(tr("A run is in progress: cancel it or wait before opening another."));
        return false;
    }
    projects::Project* project = projects_->project();
    try {
        const std::optional<projects::RunRecord> run = project != nullptr ? project->run(runId) : std::nullopt;
        if (!run || run->kind != "train") {
            status_->setText(tr("Run %1 is not a training run of the open project.").arg(runId));
            return false;
        }
        // The job as it was run (job.json; its parameters for a run that never wrote one).
        std::string jobText = run->parametersJson;
        for (const projects::ArtifactRecord& a : project->artifacts(runId)) {
            if (a.kind == "job") {
                std::ifstream in(project->artifactPath(a));
                std::ostringstream text;
                text << in.rdbuf();
                if (in) {
                    jobText = text.str();
                }
            }
        }
        nlohmann::json params = nlohmann::json::parse(jobText, nullptr, false);
        if (params.is_object()) {
            params.erase("resumed_from"); // the run's record, not a job key
        }
        const engine::TrainJob j = engine::trainJobFromJson(params.is_discarded() ? jobText : params.dump());
        setJob(j);
        // Its curves, evaluation and attention snapshots, as the run left them.
        rawSteps_.clear();
        rawLoss_.clear();
        rawLr_.clear();
        const projects::MetricSeries loss = project->metricSeries(runId, "loss");
        const projects::MetricSeries lr = project->metricSeries(runId, "learning_rate");
        for (size_t i = 0; i < loss.steps.size(); ++i) {
            rawSteps_.push_back(static_cast<double>(loss.steps[i]));
            rawLoss_.push_back(loss.values[i]);
            rawLr_.push_back(i < lr.values.size() ? lr.values[i] : 0.0);
        }
        replotLoss();
        const char* validation[] = { "val_loss", "val_accuracy", "val_macro_f1" };
        for (int g = 0; g < 3; ++g) {
            const projects::MetricSeries series = project->metricSeries(runId, validation[g]);
            QVector<double> x(series.steps.begin(), series.steps.end());
            validPlot_->graph(g)->setData(x, QVector<double>(series.values.begin(), series.values.end()));
        }
        validPlot_->rescaleAxes();
        validPlot_->replot();
        evaluation_->setData(recordedEvaluation(*project, runId));
        widgets::AttentionSet shape;
        std::vector<widgets::TimelineSnapshot> snapshots;
        if (recordedSnapshots(*project, runId, &shape, &snapshots)) {
            timeline_->setData(shape, std::move(snapshots));
        } else {
            timeline_->clear();
        }
        const qint64 steps = loss.steps.empty() ? 0 : loss.steps.back();
        progress_->setMaximum(static_cast<int>(std::max<int64_t>(1, j.maxSteps > 0 ? j.maxSteps : steps)));
        progress_->setValue(static_cast<int>(steps));
        lastRun_ = runId;
        lastJob_ = j;
        result_ = {};
        result_.steps = steps;
        result_.status = run->status == projects::RunStatus::Completed ? engine::JobStatus::Completed
                                                                       : engine::JobStatus::Cancelled;
        updateButtons();
        status_->setText(run->status == projects::RunStatus::Completed
                ? tr("Run %1 (%2 steps, completed): its settings, curves and evaluation. Start trains it again as a new run.")
                      .arg(runId)
                      .arg(steps)
                : tr("Run %1 (stopped after step %2): Resume continues it from its newest checkpoint.").arg(runId).arg(steps));
        return true;
    } catch (const std::exception& e) {
        status_->setText(tr("Could not open run %1: %2").arg(runId).arg(QString::fromUtf8(e.what())));
        return false;
    }
}

bool FineTuneWindow::launch(const engine::TrainJob& j, bool resume, qint64 resumedFrom)
{
    if (running_) {
        return false;
    }
    if (j.model.empty() || j.train.path.empty()) {
        status_->setText(tr("Choose a model and a training data file first."));
        return false;
    }
    if (watch_->isChecked() && j.attentionProbe.empty() && !resume) {
        status_->setText(tr("Give the sentence whose attention to watch (Watch attention form), or untick it."));
        return false;
    }
    // Check the job as the file format would, so the dialog refuses what lumen-cli refuses.
    try {
        engine::trainJobFromJson(engine::trainJobToJson(j));
    } catch (const std::exception& e) {
        status_->setText(QString::fromUtf8(e.what()));
        return false;
    }
    QJsonObject params = QJsonDocument::fromJson(QByteArray::fromStdString(engine::trainJobToJson(j))).object();
    if (resumedFrom > 0) {
        params[QStringLiteral("resumed_from")] = resumedFrom;
    }
    run_ = projects_->beginRun(QStringLiteral("train"), q(j.model), q(j.device), params);
    if (!run_.valid()) {
        status_->setText(tr("No project to record the run in: open or create a project first."));
        return false;
    }
    const QString folder = q(run_.project->artifactsDir()) + QStringLiteral("/run-%1").arg(run_.id);
    QDir().mkpath(folder);
    try {
        run_.project->writeArtifact(run_.id, "job", "job.json", engine::trainJobToJson(j));
        if (resume) {
            const std::string from = engine::newestCheckpoint(run_.project->artifactsDir() + "/run-" + std::to_string(resumedFrom));
            if (from.empty()) {
                throw std::runtime_error("run " + std::to_string(resumedFrom) + " left no checkpoint to resume from.");
            }
            std::filesystem::create_directories(folder.toStdString() + "/checkpoints");
            std::filesystem::copy(from, folder.toStdString() + "/checkpoints/" + std::filesystem::path(from).filename().string(),
                std::filesystem::copy_options::recursive);
        }
    } catch (const std::exception& e) {
        projects_->finishRun(run_, projects::RunStatus::Failed, {}, QString::fromUtf8(e.what()));
        status_->setText(QString::fromUtf8(e.what()));
        return false;
    }
    lastJob_ = j;
    rawSteps_.clear();
    rawLoss_.clear();
    rawLr_.clear();
    replotClock_.invalidate();
    for (QCustomPlot* plot : { lossPlot_, validPlot_ }) {
        for (int g = 0; g < plot->graphCount(); ++g) {
            plot->graph(g)->data()->clear();
        }
        plot->replot();
    }
    timeline_->clear();
    if (resume) {
        // The snapshots the stopped run took, from its checkpoint: the live ones follow them.
        try {
            const std::string earlier = engine::newestCheckpoint(folder.toStdString()) + "/" + engine::attentionSnapshotsFileName();
            if (std::filesystem::exists(earlier)) {
                TimelineData before = timelineData(engine::loadAttentionSnapshots(earlier));
                timeline_->setData(before.shape, std::move(before.snapshots));
            }
        } catch (const std::exception&) {
            // The trainer says so in its log and starts new snapshots.
        }
    }
    running_ = true;
    shared_ = std::make_shared<Shared>();
    pauseButton_->setChecked(false);
    status_->setText(resume ? tr("Resuming run %1 as run %2…").arg(resumedFrom).arg(run_.id) : tr("Preparing run %1…").arg(run_.id));
    updateButtons();
    std::shared_ptr<Shared> shared = shared_;
    QPointer<FineTuneWindow> self(this);
    const std::string out = folder.toStdString();
    shared->future = QtConcurrent::run([shared, self, j, out, resume] {
        // Progress goes to the window at most every 50 ms; evaluations at once.
        std::vector<engine::TrainProgress> pending;
        auto last = std::chrono::steady_clock::now();
        const auto post = [&](bool force) {
            const auto now = std::chrono::steady_clock::now();
            if (pending.empty() || (!force && now - last < std::chrono::milliseconds(50))) {
                return;
            }
            last = now;
            QMetaObject::invokeMethod(self, [self, steps = std::move(pending)] {
                if (self) {
                    self->onProgress(steps);
                }
            }, Qt::QueuedConnection);
            pending.clear();
        };
        engine::TrainCallbacks cb;
        cb.cancel = &shared->cancel;
        cb.pause = &shared->pause;
        cb.step = [&](const engine::TrainProgress& p) {
            pending.push_back(p);
            post(false);
        };
        cb.evaluated = [&](const engine::EvalResult& r) {
            post(true);
            QMetaObject::invokeMethod(self, [self, r] {
                if (self) {
                    self->onEvaluated(r);
                }
            }, Qt::QueuedConnection);
        };
        bool shapeSent = false;
        cb.snapshot = [&](const engine::AttentionSnapshots& header, const engine::AttentionSnapshot& snap) {
            post(true);
            // The probe's positions once, then each snapshot's weights (shared, not copied again).
            std::optional<widgets::AttentionSet> shape;
            if (!shapeSent) {
                shape = snapshotShape(header);
                shapeSent = true;
            }
            QMetaObject::invokeMethod(self, [self, shape, s = timelineSnapshot(snap)] {
                if (self) {
                    self->onSnapshot(shape, s);
                }
            }, Qt::QueuedConnection);
        };
        engine::TrainResult result;
        QString error;
        try {
            result = engine::runTraining(j, out, cb, resume);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
            result.status = engine::JobStatus::Failed;
        }
        post(true);
        QMetaObject::invokeMethod(self, [self, result, error] {
            if (self) {
                self->onFinished(result, error);
            }
        }, Qt::QueuedConnection);
    });
    return true;
}

void FineTuneWindow::onProgress(const std::vector<engine::TrainProgress>& steps)
{
    if (steps.empty()) {
        return;
    }
    std::vector<projects::MetricPoint> points;
    const int64_t now = QDateTime::currentMSecsSinceEpoch();
    for (const engine::TrainProgress& p : steps) {
        rawSteps_.push_back(static_cast<double>(p.step));
        rawLoss_.push_back(p.loss);
        rawLr_.push_back(p.learningRate);
        points.push_back({ "loss", p.step, p.loss, now });
        points.push_back({ "learning_rate", p.step, p.learningRate, now });
        points.push_back({ "grad_norm", p.step, p.gradNorm, now });
    }
    try {
        run_.project->addMetrics(run_.id, points);
    } catch (const std::exception& e) {
        status_->setText(tr("Could not record the metrics: %1").arg(QString::fromUtf8(e.what())));
    }
    const engine::TrainProgress& p = steps.back();
    progress_->setMaximum(static_cast<int>(p.totalSteps));
    progress_->setValue(static_cast<int>(p.step));
    status_->setText(tr("Run %1 · step %2 of %3 · epoch %4 · loss %5 · %6 samples/s · about %7 s left%8")
                         .arg(run_.id)
                         .arg(p.step)
                         .arg(p.totalSteps)
                         .arg(p.epoch, 0, 'f', 2)
                         .arg(p.loss, 0, 'f', 4)
                         .arg(p.samplesPerSecond, 0, 'f', 1)
                         .arg(std::lround(p.etaSeconds))
                         .arg(shared_ && shared_->pause ? tr(" · paused") : QString()));
    // At most five repaints a second, however fast the steps come.
    if (!replotClock_.isValid() || replotClock_.elapsed() >= 200 || p.step == p.totalSteps) {
        replotClock_.start();
        replotLoss();
    }
}

void FineTuneWindow::replotLoss()
{
    {
        // At most ~400 points: the mean of each bucket of steps (a long run's curve is
        // smoothed as it grows, and repaints stay cheap).
        const size_t n = rawSteps_.size();
        const size_t bucket = std::max<size_t>(1, (n + 399) / 400);
        QVector<double> x;
        QVector<double> loss;
        QVector<double> lr;
        for (size_t start = 0; start < n; start += bucket) {
            const size_t end = std::min(n, start + bucket);
            double sx = 0;
            double sl = 0;
            double sr = 0;
            for (size_t i = start; i < end; ++i) {
                sx += rawSteps_[i];
                sl += rawLoss_[i];
                sr += rawLr_[i];
            }
            const auto count = static_cast<double>(end - start);
            x << sx / count;
            loss << sl / count;
            lr << sr / count;
        }
        lossPlot_->graph(0)->setData(x, loss, true);
        lossPlot_->graph(1)->setData(x, lr, true);
        lossPlot_->graph(0)->setName(bucket > 1 ? tr("loss (mean of %1 steps)").arg(bucket) : tr("loss"));
        lossPlot_->rescaleAxes();
        lossPlot_->replot();
    }
}

void FineTuneWindow::onEvaluated(const engine::EvalResult& r)
{

    const auto x = static_cast<double>(r.step);
    validPlot_->graph(0)->addData(x, r.loss);
    std::vector<projects::MetricPoint> points { { "val_loss", r.step, r.loss, QDateTime::currentMSecsSinceEpoch() } };
    if (!r.labels.empty()) {
        validPlot_->graph(1)->addData(x, r.accuracy);
        validPlot_->graph(2)->addData(x, r.macroF1);
        points.push_back({ "val_accuracy", r.step, r.accuracy, points.front().timeMs });
        points.push_back({ "val_macro_f1", r.step, r.macroF1, points.front().timeMs });
    } else {
        points.push_back({ "val_perplexity", r.step, r.perplexity, points.front().timeMs });
    }
    try {
        run_.project->addMetrics(run_.id, points);
    } catch (const std::exception&) {
    }
    validPlot_->rescaleAxes();
    validPlot_->replot(QCustomPlot::rpQueuedReplot);
    evaluation_->setData(evaluationData(r));
    Q_EMIT evaluated();
}

void FineTuneWindow::onSnapshot(const std::optional<widgets::AttentionSet>& shape, const widgets::TimelineSnapshot& snapshot)
{
    if (shape && timeline_->count() == 0) {
        timeline_->setData(*shape, { snapshot });
    } else {
        timeline_->appendSnapshot(snapshot); // after a resumed run's earlier snapshots
    }
    Q_EMIT snapshotShown(snapshot.step);
}

void FineTuneWindow::onFinished(const engine::TrainResult& r, const QString& error)
{
    running_ = false;
    result_ = r;
    lastRun_ = run_.id;
    shared_.reset();
    const QJsonObject summary = QJsonDocument::fromJson(QByteArray::fromStdString(engine::trainSummaryToJson(r))).object();
    const QString folder = QStringLiteral("run-%1/").arg(run_.id);
    try {
        if (r.lastEval.step > 0) {
            run_.project->writeArtifact(run_.id, "evaluation", "evaluation.json", engine::evaluationToJson(r.lastEval));
        }
        if (!r.lastCheckpoint.empty()) {
            const QString rel = folder + QStringLiteral("checkpoints/") + QFileInfo(q(r.lastCheckpoint)).fileName()
                + QStringLiteral("/model.safetensors");
            run_.project->addArtifactFile(run_.id, "checkpoint", rel.toStdString());
        }
        if (!r.modelDir.empty()) {
            run_.project->addArtifactFile(run_.id, "model", (folder + QStringLiteral("model/model.safetensors")).toStdString());
        }
        if (!r.snapshotsFile.empty()) {
            run_.project->addArtifactFile(run_.id, "attention-snapshots",
                (folder + QString::fromLatin1(engine::attentionSnapshotsFileName())).toStdString());
        }
    } catch (const std::exception&) {
    }
    switch (r.status) {
    case engine::JobStatus::Completed:
        projects_->finishRun(run_, projects::RunStatus::Completed, summary);
        status_->setText(tr("Run %1 finished after %2 steps%3. The model is in %4.")
                             .arg(run_.id)
                             .arg(r.steps)
                             .arg(r.lastEval.labels.empty() ? QString()
                                                            : tr(": validation accuracy %1 %").arg(100.0 * r.lastEval.accuracy, 0, 'f', 1))
                             .arg(q(r.modelDir)));
        break;
    case engine::JobStatus::Cancelled:
        projects_->finishRun(run_, projects::RunStatus::Cancelled, summary);
        status_->setText(tr("Run %1 stopped after step %2; Resume continues from its checkpoint.").arg(run_.id).arg(r.steps));
        break;
    case engine::JobStatus::Failed:
        projects_->finishRun(run_, projects::RunStatus::Failed, summary, error);
        status_->setText(tr("Run %1 failed: %2").arg(run_.id).arg(error));
        break;
    }
    updateButtons();
    Q_EMIT finished(static_cast<int>(r.status));
}

void FineTuneWindow::setPaused(bool paused)
{
    if (shared_) {
        shared_->pause = paused;
        status_->setText(paused ? tr("Paused after the current step.") : tr("Running…"));
    }
}

void FineTuneWindow::cancel()
{
    if (shared_) {
        shared_->cancel = true;
        shared_->pause = false;
        status_->setText(tr("Stopping after the current step (a checkpoint is written)…"));
    }
}

void FineTuneWindow::updateButtons()
{
    startButton_->setEnabled(!running_);
    pauseButton_->setEnabled(running_);
    cancelButton_->setEnabled(running_);
    resumeButton_->setEnabled(!running_ && lastRun_ > 0 && result_.status != engine::JobStatus::Completed);
}

} // namespace lumen::app
