// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "run_browser.h"

#include "train_record.h"

#include "lumen/projects/project.h"
#include "lumen/projects/run_export.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStackedWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace lumen::app {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

/// A JSON value as a cell shows it: strings without quotes, the rest as JSON.
QString plain(const std::string& json)
{
    const nlohmann::json value = nlohmann::json::parse(json, nullptr, false);
    return value.is_string() ? q(value.get<std::string>()) : q(json);
}

QString metricText(double value)
{
    return std::isnan(value) ? QStringLiteral("nan") : QString::number(value, 'g', 5);
}

std::vector<std::pair<QString, QString>> objectRows(const std::string& json)
{
    std::vector<std::pair<QString, QString>> rows;
    const nlohmann::ordered_json object = nlohmann::ordered_json::parse(json, nullptr, false);
    if (!object.is_object()) {
        return rows;
    }
    for (auto it = object.begin(); it != object.end(); ++it) {
        rows.emplace_back(q(it.key()), plain(it.value().dump()));
    }
    return rows;
}

} // namespace

RunBrowser::RunBrowser(ProjectController* projects, QWidget* parent)
    : QWidget(parent, Qt::Window)
    , projects_(projects)
{
    setObjectName(QStringLiteral("runBrowser"));
    setWindowTitle(tr("Runs — Lumen"));
    table_ = new widgets::RunTable(this);
    page_ = new widgets::RunPage(this);
    compare_ = new widgets::RunCompare(this);
    placeholder_ = new QLabel(tr("Choose a run to see it, or several to compare them"), this);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setEnabled(false);
    pages_ = new QStackedWidget(this);
    pages_->addWidget(placeholder_);
    pages_->addWidget(page_);
    pages_->addWidget(compare_);

    compareButton_ = new QPushButton(tr("&Compare"), this);
    compareButton_->setObjectName(QStringLiteral("compareRuns"));
    compareButton_->setToolTip(tr("Overlay the metrics of the selected runs and list the "
                                  "parameters that differ"));
    deleteButton_ = new QPushButton(tr("&Delete"), this);
    deleteButton_->setObjectName(QStringLiteral("deleteRuns"));
    deleteButton_->setToolTip(tr("Delete the selected runs with their artifacts (Undo brings "
                                 "them back until Lumen closes)"));
    undoButton_ = new QPushButton(tr("&Undo delete"), this);
    undoButton_->setObjectName(QStringLiteral("undoDelete"));
    exportButton_ = new QPushButton(tr("&Export…"), this);
    exportButton_->setObjectName(QStringLiteral("exportRuns"));
    exportButton_->setToolTip(tr("Write the selected runs (or all listed) as CSV or JSON"));
    auto* refreshButton = new QPushButton(tr("&Refresh"), this);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("runBrowserStatus"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(compareButton_);
    buttons->addWidget(deleteButton_);
    buttons->addWidget(undoButton_);
    buttons->addWidget(exportButton_);
    buttons->addWidget(refreshButton);
    buttons->addSpacing(12);
    buttons->addWidget(status_, 1);
    auto* split = new QSplitter(Qt::Vertical, this);
    // A few rows of runs stay in view however tall a run's page is.
    table_->setMinimumHeight(6 * table_->fontMetrics().height() + 40);
    split->addWidget(table_);
    split->addWidget(pages_);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({ 280, 440 });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);

    connect(table_, &widgets::RunTable::filterChanged, this, [this] { refresh(); });
    connect(table_, &widgets::RunTable::selectionChanged, this, &RunBrowser::onSelection);
    connect(table_, &widgets::RunTable::runActivated, this, &RunBrowser::showRun);
    connect(compareButton_, &QPushButton::clicked, this,
        [this] { compare(table_->selectedIds()); });
    connect(deleteButton_, &QPushButton::clicked, this, [this] { deleteSelected(); });
    connect(undoButton_, &QPushButton::clicked, this, [this] { undoDelete(); });
    connect(refreshButton, &QPushButton::clicked, this, &RunBrowser::refresh);
    connect(exportButton_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export runs"), QString(),
            tr("CSV table (*.csv);;JSON (*.json)"));
        if (!path.isEmpty()) {
            const QString error = exportRuns(path);
            if (!error.isEmpty()) {
                Q_EMIT errorOccurred(tr("Could not export the runs"), error);
            }
        }
    });
    connect(page_, &widgets::RunPage::metricRequested, this,
        [this](qint64 id, const QString& key) { loadCurves({ id }, key, false); });
    connect(compare_, &widgets::RunCompare::metricRequested, this,
        [this](const QList<qint64>& ids, const QString& key) { loadCurves(ids, key, true); });
    connect(page_, &widgets::RunPage::notesSaved, this, &RunBrowser::saveNotes);
    connect(page_, &widgets::RunPage::tagsSaved, this, &RunBrowser::saveTags);
    connect(page_, &widgets::RunPage::experimentSaved, this, [this](qint64 id, const QString& name) {
        try {
            projects_->project()->setRunExperiment(id, name.toStdString());
            refresh();
            setStatus(name.isEmpty() ? tr("Run %1 is in no experiment").arg(id)
                                     : tr("Run %1 is in experiment %2").arg(id).arg(name));
        } catch (const std::exception& e) {
            Q_EMIT errorOccurred(tr("Could not set the experiment"), q(e.what()));
        }
    });
    connect(page_, &widgets::RunPage::artifactActivated, this, &RunBrowser::openArtifact);
    connect(projects_, &ProjectController::runsChanged, this, [this] {
        if (isVisible()) {
            refresh();
        }
    });
    connect(projects_, &ProjectController::projectChanged, this, [this] {
        undo_.clear();
        if (isVisible()) {
            refresh();
        }
    });
    // Runs a lumen-cli job (or another window) records appear without Refresh: the file's
    // change counter is polled while the browser is shown.
    watch_ = new QTimer(this);
    watch_->setInterval(1500);
    connect(watch_, &QTimer::timeout, this, [this] {
        projects::Project* project = projects_->project();
        if (project == nullptr || !isVisible()) {
            return;
        }
        try {
            if (project->externalChangeCount() != seenVersion_) {
                refresh(); // records the version it listed
            }
        } catch (const std::exception&) {
            // A failing poll is not worth a message; Refresh reports errors.
        }
    });
    onSelection({});
    resize(1100, 760);
}

void RunBrowser::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    watch_->start();
    refresh();
}

void RunBrowser::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    watch_->stop();
}

void RunBrowser::setStatus(const QString& text)
{
    status_->setText(text);
}

void RunBrowser::refresh()
{
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        table_->setRows({});
        return;
    }
    try {
        const widgets::RunTableFilter f = table_->filter();
        projects::RunFilter filter;
        if (!f.kind.isEmpty()) {
            filter.kind = f.kind.toStdString();
        }
        if (!f.status.isEmpty()) {
            filter.status = projects::runStatusFromName(f.status.toStdString());
        }
        if (!f.tag.isEmpty()) {
            filter.tag = f.tag.toStdString();
        }
        if (!f.text.isEmpty()) {
            filter.text = f.text.toStdString();
        }
        if (!f.experiment.isEmpty()) {
            filter.experiment = f.experiment.toStdString();
        }
        if (!f.model.isEmpty()) {
            filter.model = f.model.toStdString();
        }
        seenVersion_ = project->externalChangeCount(); // what this listing shows
        const std::vector<projects::RunRecord> runs = project->listRuns(filter);
        std::map<int64_t, QStringList> metrics;
        for (const auto& [id, m] : project->allLatestMetrics()) {
            metrics[id] << q(m.key) + QLatin1Char('=') + metricText(m.value);
        }
        std::vector<widgets::RunRow> rows;
        rows.reserve(runs.size());
        for (const projects::RunRecord& r : runs) {
            widgets::RunRow row;
            row.id = r.id;
            row.kind = q(r.kind);
            row.status = QString::fromLatin1(projects::runStatusName(r.status));
            row.model = q(r.model);
            row.experiment = q(r.experiment);
            for (const std::string& t : r.tags) {
                row.tags << q(t);
            }
            row.startedMs = r.startedMs.value_or(r.createdMs);
            if (r.durationMs()) {
                row.durationMs = *r.durationMs();
            }
            const auto it = metrics.find(r.id);
            row.metrics = it == metrics.end() ? QString() : it->second.join(QLatin1Char(' '));
            row.notes = q(r.notes);
            row.error = q(r.errorMessage);
            rows.push_back(std::move(row));
        }
        // The choices the filters offer: every kind, model and tag of the project.
        QStringList kinds;
        for (const std::string& kind : project->runKinds()) {
            kinds << q(kind);
        }
        QStringList models;
        for (const std::string& model : project->runModels()) {
            models << q(model);
        }
        QStringList tags;
        for (const auto& [tag, count] : project->tagCounts()) {
            tags << q(tag);
        }
        QStringList experiments;
        for (const projects::ExperimentRecord& e : project->experiments()) {
            experiments << q(e.name);
        }
        table_->setRows(rows);
        table_->setChoices(kinds, tags, experiments, models);
        undoButton_->setEnabled(!undo_.empty());
        setWindowTitle(tr("Runs — %1 — Lumen").arg(QFileInfo(q(project->path())).fileName()));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not list the runs"), q(e.what()));
    }
}

void RunBrowser::runChanged(qint64 id)
{
    if (!isVisible()) {
        return;
    }
    refresh();
    if (pages_->currentWidget() == page_ && page_->details().id == id) {
        const QString metric = page_->currentMetric();
        showRun(id);
        page_->setCurrentMetric(metric);
    }
}

void RunBrowser::onSelection(const QList<qint64>& ids)
{
    compareButton_->setEnabled(ids.size() >= 2);
    deleteButton_->setEnabled(!ids.isEmpty());
    undoButton_->setEnabled(!undo_.empty());
    if (ids.isEmpty()) {
        pages_->setCurrentWidget(placeholder_);
    } else if (ids.size() == 1) {
        if (page_->details().id != ids.front() || pages_->currentWidget() != page_) {
            showRun(ids.front());
        }
    } else {
        compare(ids);
    }
}

void RunBrowser::showRun(qint64 id)
{
    projects::Project* project = projects_->project();
    const std::optional<projects::RunRecord> run =
        project != nullptr ? project->run(id) : std::nullopt;
    if (!run) {
        pages_->setCurrentWidget(placeholder_);
        return;
    }
    if (table_->selectedIds() != QList<qint64> { id }) {
        table_->selectIds({ id });
    }
    try {
        widgets::RunDetails d;
        d.id = id;
        d.title = tr("Run %1 · %2 · %3%4")
                      .arg(id)
                      .arg(q(run->kind), QString::fromLatin1(projects::runStatusName(run->status)),
                          run->trashedMs ? tr(" (in the trash)") : QString());
        const QString model = q(run->model)
            + (run->modelFamily.empty() ? QString() : QStringLiteral(" (%1)").arg(q(run->modelFamily)));
        const QString started =
            QDateTime::fromMSecsSinceEpoch(run->startedMs.value_or(run->createdMs))
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        d.facts = { { tr("Model"), model }, { tr("Device"), q(run->device) },
            { tr("Host"), q(run->host) }, { tr("Started"), started },
            { tr("Duration"),
                run->durationMs() ? widgets::formatDuration(*run->durationMs()) : QString() },
            { tr("Experiment"), q(run->experiment) }, { tr("Dataset"), q(run->dataset) },
            { tr("Error"), q(run->errorMessage) } };
        for (const auto& [key, value] : project->parameters(id)) {
            d.parameters.emplace_back(q(key), plain(value));
        }
        d.summary = objectRows(run->summaryJson);
        for (const std::string& key : project->metricKeys(id)) {
            d.metricKeys << q(key);
        }
        for (const projects::ArtifactRecord& a : project->artifacts(id)) {
            std::error_code ec;
            d.artifacts.push_back({ a.id, q(a.kind), q(a.relativePath), a.sizeBytes,
                std::filesystem::is_regular_file(project->artifactPath(a), ec) });
        }
        d.notes = q(run->notes);
        d.experiment = q(run->experiment);
        for (const projects::ExperimentRecord& e : project->experiments()) {
            d.experiments << q(e.name);
        }
        for (const std::string& t : run->tags) {
            d.tags << q(t);
        }
        d.editable = !project->isReadOnly();
        pages_->setCurrentWidget(page_);
        page_->setDetails(d);
        if (run->kind == "bench-length") {
            page_->setLengthSeries(lengthSeries(*project, id));
        }
        if (run->kind == "train") {
            if (d.metricKeys.contains(QStringLiteral("loss"))) {
                page_->setCurrentMetric(QStringLiteral("loss"));
            }
            page_->setEvaluation(recordedEvaluation(*project, id));
            for (const projects::ArtifactRecord& a : project->artifacts(id)) {
                if (a.kind == "attention-snapshots") {
                    loadSnapshots(id, project->artifactPath(a));
                }
            }
        }
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not read run %1").arg(id), q(e.what()));
    }
}

std::vector<widgets::LengthSeries> RunBrowser::lengthSeries(projects::Project& project, qint64 id)
{
    // lumen-cli bench-length records ARCH/forward_ms and ARCH/gflops with the length as step.
    std::vector<widgets::LengthSeries> out;
    const std::string timeSuffix = "/forward_ms";
    for (const std::string& key : project.metricKeys(id)) {
        if (key.size() <= timeSuffix.size() || key.compare(key.size() - timeSuffix.size(), timeSuffix.size(), timeSuffix) != 0) {
            continue;
        }
        const std::string model = key.substr(0, key.size() - timeSuffix.size());
        widgets::LengthSeries s;
        s.model = q(model);
        const projects::MetricSeries time = project.metricSeries(id, key);
        s.lengths.assign(time.steps.begin(), time.steps.end());
        s.milliseconds = time.values;
        const projects::MetricSeries flops = project.metricSeries(id, model + "/gflops");
        for (const double length : s.lengths) {
            double value = std::numeric_limits<double>::quiet_NaN();
            for (size_t k = 0; k < flops.steps.size(); ++k) {
                if (static_cast<double>(flops.steps[k]) == length) {
                    value = flops.values[k];
                }
            }
            s.gflops.push_back(value);
        }
        out.push_back(std::move(s));
    }
    return out;
}

void RunBrowser::compare(const QList<qint64>& ids)
{
    projects::Project* project = projects_->project();
    if (project == nullptr || ids.size() < 2) {
        return;
    }
    try {
        QStringList labels;
        std::set<QString> metrics;
        std::vector<int64_t> runIds;
        for (const qint64 id : ids) {
            const std::optional<projects::RunRecord> run = project->run(id);
            labels << (run ? QStringLiteral("#%1 %2").arg(id).arg(q(run->kind))
                           : QStringLiteral("#%1").arg(id));
            for (const std::string& key : project->metricKeys(id)) {
                metrics.insert(q(key));
            }
            runIds.push_back(id);
        }
        std::vector<std::pair<QString, QStringList>> differing;
        for (const auto& [key, values] : project->differingParameters(runIds)) {
            QStringList shown;
            for (const std::string& v : values) {
                shown << (v.empty() ? QString() : plain(v));
            }
            differing.emplace_back(q(key), shown);
        }
        pages_->setCurrentWidget(compare_);
        compare_->setRuns(ids, labels, QStringList(metrics.begin(), metrics.end()), differing);
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not compare the runs"), q(e.what()));
    }
}

void RunBrowser::loadCurves(const QList<qint64>& ids, const QString& key, bool forCompare)
{
    projects::Project* project = projects_->project();
    if (project == nullptr || ids.isEmpty() || key.isEmpty()) {
        return;
    }
    const quint64 request = ++curveRequest_;
    const std::string path = project->path();
    const std::string metric = key.toStdString();
    QStringList labels;
    for (const qint64 id : ids) {
        labels << QStringLiteral("#%1").arg(id);
    }
    using Result = std::pair<std::vector<widgets::MetricCurve>, QString>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcher<Result>::finished, this,
        [this, watcher, request, key, forCompare] {
            watcher->deleteLater();
            if (request != curveRequest_) {
                return; // another metric or run was chosen meanwhile
            }
            const auto [curves, error] = watcher->result();
            if (!error.isEmpty()) {
                Q_EMIT errorOccurred(tr("Could not read metric %1").arg(key), error);
                return;
            }
            if (forCompare) {
                compare_->setCurves(key, curves);
            } else if (!curves.empty()) {
                page_->setCurve(key, curves.front());
            }
            ++curvesShown_;
            Q_EMIT curvesReady();
        });
    // A connection of its own on the worker: a Project is used by one thread at a time.
    watcher->setFuture(QtConcurrent::run([path, ids, metric, labels]() -> Result {
        try {
            const auto reader = projects::Project::openReadOnly(path);
            std::vector<widgets::MetricCurve> curves;
            for (int i = 0; i < ids.size(); ++i) {
                const projects::MetricSeries s = reader->metricSeries(ids[i], metric);
                widgets::MetricCurve c;
                c.label = labels[i];
                c.steps.assign(s.steps.begin(), s.steps.end());
                c.values = s.values;
                const int64_t first =
                    s.timesMs.empty() ? 0 : *std::min_element(s.timesMs.begin(), s.timesMs.end());
                c.seconds.reserve(s.timesMs.size());
                for (const int64_t t : s.timesMs) {
                    c.seconds.push_back(static_cast<double>(t - first) / 1000.0);
                }
                curves.push_back(std::move(c));
            }
            return { std::move(curves), QString() };
        } catch (const std::exception& e) {
            return { {}, q(e.what()) };
        }
    }));
}

void RunBrowser::loadSnapshots(qint64 runId, const std::string& path)
{
    // Up to hundreds of MB for a big model's run: read on a worker, shown if still wanted.
    const quint64 request = ++snapshotRequest_;
    snapshotsPending_ = true;
    using Result = std::pair<TimelineData, QString>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher, request, runId] {
        watcher->deleteLater();
        if (request != snapshotRequest_) {
            return; // another run was chosen meanwhile
        }
        snapshotsPending_ = false;
        if (page_->details().id != runId) {
            return;
        }
        auto [data, error] = watcher->result();
        if (!error.isEmpty()) {
            Q_EMIT errorOccurred(tr("Could not read the attention snapshots of run %1").arg(runId), error);
            return;
        }
        page_->setTimeline(data.shape, std::move(data.snapshots));
        Q_EMIT snapshotsShown(runId);
    });
    watcher->setFuture(QtConcurrent::run([path]() -> Result {
        try {
            return { timelineData(engine::loadAttentionSnapshots(path)), QString() };
        } catch (const std::exception& e) {
            return { {}, q(e.what()) };
        }
    }));
}

bool RunBrowser::deleteSelected()
{
    projects::Project* project = projects_->project();
    const QList<qint64> ids = table_->selectedIds();
    if (project == nullptr || ids.isEmpty()) {
        return false;
    }
    QList<qint64> deleted;
    QString failure;
    for (const qint64 id : ids) {
        try {
            project->trashRun(id);
            deleted << id;
        } catch (const std::exception& e) {
            failure = q(e.what());
        }
    }
    if (!deleted.isEmpty()) {
        undo_.push_back(deleted);
    }
    refresh();
    onSelection(table_->selectedIds());
    setStatus(tr("Deleted %n run(s). Undo brings them back until Lumen closes.", nullptr,
        static_cast<int>(deleted.size())));
    if (!failure.isEmpty()) {
        Q_EMIT errorOccurred(tr("Could not delete every run"), failure);
    }
    return failure.isEmpty();
}

bool RunBrowser::undoDelete()
{
    projects::Project* project = projects_->project();
    if (project == nullptr || undo_.empty()) {
        return false;
    }
    const QList<qint64> ids = undo_.back();
    undo_.pop_back();
    QString failure;
    for (const qint64 id : ids) {
        try {
            project->restoreRun(id);
        } catch (const std::exception& e) {
            failure = q(e.what());
        }
    }
    refresh();
    table_->selectIds(ids);
    setStatus(tr("Restored %n run(s).", nullptr, static_cast<int>(ids.size())));
    if (!failure.isEmpty()) {
        Q_EMIT errorOccurred(tr("Could not restore every run"), failure);
    }
    return failure.isEmpty();
}

QString RunBrowser::exportRuns(const QString& path)
{
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        return tr("No project is open.");
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("csv") && suffix != QLatin1String("json")) {
        return tr("Lumen does not know the format of %1; give the file the suffix .csv or "
                  ".json.")
            .arg(path);
    }
    try {
        QList<qint64> ids = table_->selectedIds();
        if (ids.isEmpty()) {
            for (const widgets::RunRow& row : table_->rows()) {
                ids << row.id;
            }
        }
        std::vector<projects::RunRecord> runs;
        for (const qint64 id : ids) {
            if (const auto run = project->run(id)) {
                runs.push_back(*run);
            }
        }
        std::ostringstream out;
        if (suffix == QLatin1String("csv")) {
            projects::writeRunsCsv(out, *project, runs);
        } else {
            projects::writeRunsJson(out, *project, runs, /*full=*/true);
        }
        const std::string bytes = out.str();
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)
            || file.write(bytes.data(), static_cast<qint64>(bytes.size()))
                != static_cast<qint64>(bytes.size())
            || !file.commit()) {
            return tr("Could not write %1: %2. Check that the folder exists and that the disk "
                      "is not full.")
                .arg(path, file.errorString());
        }
        setStatus(tr("Exported %n run(s) to %1", nullptr, static_cast<int>(runs.size()))
                      .arg(QFileInfo(path).fileName()));
        return {};
    } catch (const std::exception& e) {
        return q(e.what());
    }
}

void RunBrowser::openArtifact(qint64 runId, qint64 artifactId)
{
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        return;
    }
    for (const projects::ArtifactRecord& a : project->artifacts(runId)) {
        if (a.id != artifactId) {
            continue;
        }
        const QString path = q(project->artifactPath(a));
        if (!QFileInfo::exists(path)) {
            Q_EMIT errorOccurred(tr("The artifact is missing"),
                tr("%1 is not in the artifacts folder any more (moved or deleted). The run's "
                   "record is kept; run it again to make the file again.")
                    .arg(path));
            return;
        }
        if (a.kind == "attention") {
            Q_EMIT attentionRunRequested(runId);
        } else if (a.kind == "demo") {
            Q_EMIT demoRunRequested(runId);
        } else if (a.kind == "comparison" || a.kind == "comparison-speed" || a.kind == "dataset-comparison") {
            Q_EMIT comparisonRunRequested(runId);
        } else if (a.kind == "job" || a.kind == "evaluation" || a.kind == "attention-snapshots") {
            Q_EMIT trainRunRequested(runId);
        } else {
            QDesktopServices::openUrl(QUrl::fromLocalFile(path));
        }
        return;
    }
}

void RunBrowser::saveNotes(qint64 runId, const QString& notes)
{
    try {
        projects_->project()->setNotes(runId, notes.toStdString());
        refresh();
        setStatus(tr("Saved the notes of run %1").arg(runId));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not save the notes"), q(e.what()));
    }
}

void RunBrowser::saveTags(qint64 runId, const QStringList& tags)
{
    try {
        projects::Project* project = projects_->project();
        const std::optional<projects::RunRecord> run = project->run(runId);
        if (!run) {
            return;
        }
        const std::set<std::string> old(run->tags.begin(), run->tags.end());
        std::set<std::string> wanted;
        for (const QString& t : tags) {
            wanted.insert(t.toStdString());
        }
        for (const std::string& t : old) {
            if (wanted.count(t) == 0) {
                project->removeTag(runId, t);
            }
        }
        for (const std::string& t : wanted) {
            if (old.count(t) == 0) {
                project->addTag(runId, t);
            }
        }
        refresh();
        setStatus(tr("Saved the tags of run %1").arg(runId));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not save the tags"), q(e.what()));
    }
}

} // namespace lumen::app
