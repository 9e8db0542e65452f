// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/run_views.h"

#include "lumen/widgets/color_maps.h"
#include "lumen/widgets/qcustomplot.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace lumen::widgets {

namespace {

QCustomPlot* makePlot(QWidget* parent, const QString& name)
{
    auto* plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    plot->setMinimumHeight(180);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->xAxis->setLabel(RunPage::tr("step"));
    plot->setBackground(parent->palette().color(QPalette::Base));
    return plot;
}

/// Puts `curve` into `graph`: x by step or by time, NaN values leave a gap.
void fill(QCPGraph* graph, const MetricCurve& curve, bool byTime)
{
    QVector<double> x;
    QVector<double> y;
    const std::vector<double>& xs = byTime ? curve.seconds : curve.steps;
    const size_t n = std::min(xs.size(), curve.values.size());
    x.reserve(static_cast<qsizetype>(n));
    y.reserve(static_cast<qsizetype>(n));
    for (size_t i = 0; i < n; ++i) {
        x << xs[i];
        y << (std::isfinite(curve.values[i]) ? curve.values[i] : qQNaN());
    }
    graph->setData(x, y, /*alreadySorted=*/!byTime);
    graph->setName(curve.label);
}

QTableWidgetItem* cell(const QString& text)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setToolTip(text);
    return item;
}

QString sizeText(qint64 bytes)
{
    if (bytes < 1024) {
        return RunPage::tr("%1 B").arg(bytes);
    }
    if (bytes < 1024 * 1024) {
        return RunPage::tr("%1 KB").arg(bytes / 1024.0, 0, 'f', 1);
    }
    return RunPage::tr("%1 MB").arg(bytes / (1024.0 * 1024.0), 0, 'f', 1);
}

QStringList parseTags(const QString& text)
{
    QStringList tags;
    for (const QString& t : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString tag = t.trimmed();
        if (!tag.isEmpty() && !tags.contains(tag)) {
            tags << tag;
        }
    }
    tags.sort();
    return tags;
}

} // namespace

// ---------------------------------------------------------------------------------------
// RunPage

RunPage::RunPage(QWidget* parent)
    : QWidget(parent)
{
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("runTitle"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    title_->setFont(big);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    facts_ = new QLabel(this);
    facts_->setObjectName(QStringLiteral("runFacts"));
    facts_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    facts_->setWordWrap(true);

    parameters_ = new QTableWidget(0, 2, this);
    parameters_->setObjectName(QStringLiteral("runParameters"));
    parameters_->setHorizontalHeaderLabels({ tr("Parameter"), tr("Value") });
    parameters_->horizontalHeader()->setStretchLastSection(true);
    parameters_->verticalHeader()->setVisible(false);
    parameters_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    parameters_->setWordWrap(false);
    parameters_->verticalHeader()->setDefaultSectionSize(parameters_->fontMetrics().height() + 6);

    metric_ = new QComboBox(this);
    metric_->setObjectName(QStringLiteral("runMetric"));
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    plot_ = makePlot(this, QStringLiteral("runMetricPlot"));
    plotNote_ = new QLabel(this);
    plotNote_->setEnabled(false);

    artifacts_ = new QListWidget(this);
    artifacts_->setObjectName(QStringLiteral("runArtifacts"));
    artifacts_->setToolTip(tr("Double-click to open (an attention run opens in the views)"));

    notes_ = new QPlainTextEdit(this);
    notes_->setObjectName(QStringLiteral("runNotes"));
    notes_->setPlaceholderText(tr("Notes about this run"));
    notes_->setMaximumHeight(90);
    tags_ = new QLineEdit(this);
    tags_->setObjectName(QStringLiteral("runTags"));
    tags_->setPlaceholderText(tr("tags, separated by commas"));
    experiment_ = new QComboBox(this);
    experiment_->setObjectName(QStringLiteral("runExperiment"));
    experiment_->setEditable(true);
    experiment_->setInsertPolicy(QComboBox::NoInsert);
    experiment_->lineEdit()->setPlaceholderText(tr("experiment (none)"));
    experiment_->setToolTip(tr("The experiment this run belongs to: choose one, or type a new "
                               "name to make it"));
    experiment_->setMinimumWidth(180);
    save_ = new QPushButton(tr("&Save"), this);
    save_->setToolTip(tr("Save the notes, tags and experiment of this run"));
    save_->setObjectName(QStringLiteral("saveRunNotes"));

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(facts_);
    leftLayout->addWidget(parameters_, 1);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto* metricRow = new QHBoxLayout;
    auto* metricLabel = new QLabel(tr("&Metric"), right);
    metricLabel->setBuddy(metric_);
    metricRow->addWidget(metricLabel);
    metricRow->addWidget(metric_);
    metricRow->addWidget(plotNote_, 1);
    lengthChart_ = new SpeedLengthChart(right);
    lengthChart_->setVisible(false);
    rightLayout->addWidget(lengthChart_, 3);
    metricArea_ = new QWidget(right);
    auto* metricLayout = new QVBoxLayout(metricArea_);
    metricLayout->setContentsMargins(0, 0, 0, 0);
    metricLayout->addLayout(metricRow);
    metricLayout->addWidget(plot_, 1);
    rightLayout->addWidget(metricArea_, 1);
    // A train run's extras, each a tab while it has data: the last evaluation and the
    // attention snapshots of its probe.
    extras_ = new QTabWidget(right);
    extras_->setObjectName(QStringLiteral("runExtras"));
    evaluation_ = new EvaluationView(extras_, /*vertical=*/false);
    evaluation_->setMinimumHeight(220);
    extras_->addTab(evaluation_, tr("Evaluation"));
    timeline_ = new AttentionTimeline(extras_);
    timeline_->setMinimumHeight(320);
    extras_->addTab(timeline_, tr("Attention forming"));
    extras_->setVisible(false);
    rightLayout->addWidget(extras_, 3);
    auto* artifactsLabel = new QLabel(tr("Artifacts"), right);
    rightLayout->addWidget(artifactsLabel);
    rightLayout->addWidget(artifacts_);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    auto* notesRow = new QHBoxLayout;
    auto* editor = new QVBoxLayout;
    editor->addWidget(notes_);
    auto* tagRow = new QHBoxLayout;
    tagRow->addWidget(tags_, 1);
    tagRow->addWidget(experiment_);
    editor->addLayout(tagRow);
    notesRow->addLayout(editor, 1);
    notesRow->addWidget(save_, 0, Qt::AlignBottom);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addWidget(split, 1);
    layout->addLayout(notesRow);

    connect(metric_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index >= 0 && details_.id > 0) {
            plot_->clearGraphs();
            plot_->replot();
            Q_EMIT metricRequested(details_.id, metric_->currentText());
        }
    });
    connect(artifacts_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT artifactActivated(details_.id, item->data(Qt::UserRole).toLongLong());
    });
    connect(notes_, &QPlainTextEdit::textChanged, this, &RunPage::updateSaveButton);
    connect(tags_, &QLineEdit::textChanged, this, &RunPage::updateSaveButton);
    connect(experiment_, &QComboBox::currentTextChanged, this, &RunPage::updateSaveButton);
    connect(save_, &QPushButton::clicked, this, [this] {
        const QString notes = notes_->toPlainText();
        const QStringList tags = parseTags(tags_->text());
        if (notes != details_.notes) {
            details_.notes = notes;
            Q_EMIT notesSaved(details_.id, notes);
        }
        if (tags != details_.tags) {
            details_.tags = tags;
            Q_EMIT tagsSaved(details_.id, tags);
        }
        const QString experiment = experiment_->currentText().trimmed();
        if (experiment != details_.experiment) {
            details_.experiment = experiment;
            Q_EMIT experimentSaved(details_.id, experiment);
        }
        tags_->setText(tags.join(QStringLiteral(", ")));
        updateSaveButton();
    });
    clear();
}

void RunPage::clear()
{
    setDetails(RunDetails());
    title_->setText(tr("Choose a run in the table"));
}

void RunPage::setDetails(const RunDetails& details)
{
    details_ = details;
    details_.tags.sort();
    title_->setText(details.title);
    QStringList facts;
    for (const auto& [label, value] : details.facts) {
        if (!value.isEmpty()) {
            facts << QStringLiteral("<b>%1</b> %2").arg(label.toHtmlEscaped(), value.toHtmlEscaped());
        }
    }
    facts_->setText(facts.join(QStringLiteral("<br>")));
    parameters_->setRowCount(0);
    const auto addRows = [this](const std::vector<std::pair<QString, QString>>& rows,
                             const QString& prefix) {
        for (const auto& [key, value] : rows) {
            const int r = parameters_->rowCount();
            parameters_->insertRow(r);
            parameters_->setItem(r, 0, cell(prefix + key));
            parameters_->setItem(r, 1, cell(value));
        }
    };
    addRows(details.parameters, QString());
    addRows(details.summary, tr("result: "));
    parameters_->resizeColumnToContents(0);

    {
        const QSignalBlocker block(metric_);
        metric_->clear();
        metric_->addItems(details.metricKeys);
    }
    metric_->setEnabled(!details.metricKeys.isEmpty());
    setLengthSeries({});
    setEvaluation({});
    setTimeline({}, {});
    plot_->clearGraphs();
    plot_->replot();
    plotNote_->setText(details.id > 0 && details.metricKeys.isEmpty()
            ? tr("this run recorded no metrics")
            : QString());

    artifacts_->clear();
    for (const RunArtifact& a : details.artifacts) {
        auto* item = new QListWidgetItem(
            QStringLiteral("%1 · %2 · %3%4")
                .arg(a.kind, a.path, sizeText(a.sizeBytes),
                    a.exists ? QString() : tr(" · MISSING (the file has gone)")),
            artifacts_);
        item->setData(Qt::UserRole, a.id);
        if (!a.exists) {
            item->setForeground(QColor(0xb0, 0x30, 0x30));
        }
    }
    {
        const QSignalBlocker blockNotes(notes_);
        const QSignalBlocker blockTags(tags_);
        const QSignalBlocker blockExperiment(experiment_);
        notes_->setPlainText(details.notes);
        tags_->setText(details_.tags.join(QStringLiteral(", ")));
        experiment_->clear();
        experiment_->addItem(QString());
        experiment_->addItems(details.experiments);
        experiment_->setCurrentText(details.experiment);
    }
    notes_->setReadOnly(!details.editable);
    tags_->setReadOnly(!details.editable);
    notes_->setEnabled(details.id > 0);
    tags_->setEnabled(details.id > 0);
    experiment_->setEnabled(details.id > 0 && details.editable);
    updateSaveButton();
    if (details.id > 0 && !details.metricKeys.isEmpty()) {
        Q_EMIT metricRequested(details.id, metric_->currentText());
    }
}

void RunPage::setLengthSeries(const std::vector<LengthSeries>& series)
{
    lengthChart_->setSeries(series);
    lengthChart_->setVisible(!series.empty());
    metricArea_->setVisible(series.empty()); // the chart shows every metric of such a run
}

void RunPage::setEvaluation(const EvaluationData& evaluation)
{
    evaluation_->setData(evaluation);
    extras_->setTabVisible(extras_->indexOf(evaluation_), !evaluation.labels.isEmpty());
    updateExtras();
}

void RunPage::setTimeline(const AttentionSet& shape, std::vector<TimelineSnapshot> snapshots)
{
    timeline_->setData(shape, std::move(snapshots));
    extras_->setTabVisible(extras_->indexOf(timeline_), timeline_->count() > 0);
    updateExtras();
}

void RunPage::updateExtras()
{
    const bool evaluation = extras_->isTabVisible(extras_->indexOf(evaluation_));
    const bool timeline = extras_->isTabVisible(extras_->indexOf(timeline_));
    extras_->setVisible(evaluation || timeline);
    if (timeline && !evaluation) {
        extras_->setCurrentWidget(timeline_);
    } else if (evaluation && !timeline) {
        extras_->setCurrentWidget(evaluation_);
    }
}

void RunPage::setCurve(const QString& key, const MetricCurve& curve)
{
    if (key != metric_->currentText()) {
        return;
    }
    plot_->clearGraphs();
    QCPGraph* graph = plot_->addGraph();
    graph->setPen(QPen(colormaps::categorical(0), 1.6));
    fill(graph, curve, false);
    if (curve.steps.size() == 1) {
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    }
    plot_->yAxis->setLabel(key);
    plot_->rescaleAxes();
    plot_->replot();
    plotNote_->setText(
        tr("%n point(s)", nullptr, static_cast<int>(curve.values.size())));
}

QString RunPage::currentMetric() const
{
    return metric_->currentText();
}

void RunPage::setCurrentMetric(const QString& key)
{
    metric_->setCurrentIndex(metric_->findText(key));
}

void RunPage::updateSaveButton()
{
    const bool changed = notes_->toPlainText() != details_.notes
        || parseTags(tags_->text()) != details_.tags
        || experiment_->currentText().trimmed() != details_.experiment;
    save_->setEnabled(details_.id > 0 && details_.editable && changed);
}

// ---------------------------------------------------------------------------------------
// RunCompare

RunCompare::RunCompare(QWidget* parent)
    : QWidget(parent)
{
    title_ = new QLabel(this);
    title_->setObjectName(QStringLiteral("compareTitle"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    title_->setFont(big);
    metric_ = new QComboBox(this);
    metric_->setObjectName(QStringLiteral("compareMetric"));
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    byStep_ = new QRadioButton(tr("by &step"), this);
    byTime_ = new QRadioButton(tr("by &time"), this);
    byStep_->setChecked(true);
    plot_ = makePlot(this, QStringLiteral("compareMetricPlot"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    differing_ = new QTableWidget(this);
    differing_->setObjectName(QStringLiteral("differingParameters"));
    differing_->verticalHeader()->setVisible(false);
    differing_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    differing_->horizontalHeader()->setStretchLastSection(true);
    differing_->verticalHeader()->setDefaultSectionSize(differing_->fontMetrics().height() + 6);
    sameNote_ = new QLabel(this);
    sameNote_->setEnabled(false);

    auto* row = new QHBoxLayout;
    auto* metricLabel = new QLabel(tr("&Metric"), this);
    metricLabel->setBuddy(metric_);
    row->addWidget(metricLabel);
    row->addWidget(metric_);
    row->addSpacing(12);
    row->addWidget(byStep_);
    row->addWidget(byTime_);
    row->addStretch(1);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(plot_);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(new QLabel(tr("Parameters that differ"), bottom));
    bottomLayout->addWidget(sameNote_);
    bottomLayout->addWidget(differing_, 1);
    split->addWidget(bottom);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addLayout(row);
    layout->addWidget(split, 1);

    connect(metric_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index >= 0 && !ids_.isEmpty()) {
            Q_EMIT metricRequested(ids_, metric_->currentText());
        }
    });
    connect(byTime_, &QRadioButton::toggled, this, [this] { replot(); });
}

void RunCompare::setRuns(const QList<qint64>& ids, const QStringList& labels,
    const QStringList& metrics, const std::vector<std::pair<QString, QStringList>>& differing)
{
    ids_ = ids;
    labels_ = labels;
    curves_.clear();
    curvesKey_.clear();
    title_->setText(tr("Comparing %n run(s)", nullptr, static_cast<int>(ids.size())));
    differing_->clear();
    differing_->setColumnCount(1 + static_cast<int>(labels.size()));
    QStringList headers { tr("Parameter") };
    headers << labels;
    differing_->setHorizontalHeaderLabels(headers);
    differing_->setRowCount(static_cast<int>(differing.size()));
    for (int r = 0; r < static_cast<int>(differing.size()); ++r) {
        const auto& [key, values] = differing[static_cast<size_t>(r)];
        differing_->setItem(r, 0, cell(key));
        for (int c = 0; c < values.size(); ++c) {
            differing_->setItem(
                r, c + 1, cell(values[c].isEmpty() ? tr("(not set)") : values[c]));
        }
    }
    differing_->resizeColumnsToContents();
    sameNote_->setText(differing.empty() && ids.size() > 1
            ? tr("Every parameter is the same in these runs.")
            : QString());
    sameNote_->setVisible(!sameNote_->text().isEmpty());
    const QString previous = metric_->currentText();
    {
        const QSignalBlocker block(metric_);
        metric_->clear();
        metric_->addItems(metrics);
        metric_->setCurrentIndex(qMax(0, metric_->findText(previous)));
    }
    plot_->clearGraphs();
    plot_->replot();
    if (!metrics.isEmpty() && !ids.isEmpty()) {
        Q_EMIT metricRequested(ids_, metric_->currentText());
    }
}

void RunCompare::setCurves(const QString& key, const std::vector<MetricCurve>& curves)
{
    if (key != metric_->currentText()) {
        return;
    }
    curvesKey_ = key;
    curves_ = curves;
    replot();
}

void RunCompare::replot()
{
    plot_->clearGraphs();
    const bool time = byTime();
    for (size_t i = 0; i < curves_.size(); ++i) {
        QCPGraph* graph = plot_->addGraph();
        graph->setPen(QPen(colormaps::categorical(static_cast<int>(i)), 1.6));
        fill(graph, curves_[i], time);
        if (curves_[i].values.size() == 1) {
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
        }
    }
    plot_->xAxis->setLabel(time ? tr("seconds since the run's first point") : tr("step"));
    plot_->yAxis->setLabel(curvesKey_);
    plot_->rescaleAxes();
    plot_->replot();
}

QString RunCompare::currentMetric() const
{
    return metric_->currentText();
}

void RunCompare::setCurrentMetric(const QString& key)
{
    metric_->setCurrentIndex(metric_->findText(key));
}

bool RunCompare::byTime() const
{
    return byTime_->isChecked();
}

void RunCompare::setByTime(bool on)
{
    (on ? byTime_ : byStep_)->setChecked(true);
}

} // namespace lumen::widgets
