// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "demo_controller.h"

#include "demo_record.h"

#include "lumen/projects/project.h"

#include <QFile>
#include <QJsonDocument>

namespace lumen::app {

DemoController::DemoController(AttentionController* engine, ProjectController* projects, QObject* parent)
    : QObject(parent)
    , engine_(engine)
    , projects_(projects)
{
    EngineWorker* worker = engine_->worker();
    connect(this, &DemoController::runRequested, worker, &EngineWorker::runDemo, Qt::QueuedConnection);
    connect(worker, &EngineWorker::demoStep, this, &DemoController::onStep, Qt::QueuedConnection);
    connect(worker, &EngineWorker::demoReady, this, &DemoController::onReady, Qt::QueuedConnection);
    connect(worker, &EngineWorker::demoFailed, this, &DemoController::onFailed, Qt::QueuedConnection);
    connect(worker, &EngineWorker::demoCancelled, this, &DemoController::onCancelled, Qt::QueuedConnection);
}

bool DemoController::run(DemoRequest request)
{
    if (isBusy()) {
        Q_EMIT failed(tr("A demo is still running; stop it or wait for it to finish."));
        return false;
    }
    if (!engine_->hasModel()) {
        Q_EMIT failed(tr("No model is loaded. Open a model folder first (File > Open Model…)."));
        return false;
    }
    if (request.kind == DemoKind::Similarity) {
        QStringList texts;
        for (const QString& t : request.texts) {
            if (!t.trimmed().isEmpty()) {
                texts << t.trimmed();
            }
        }
        if (texts.size() < 2) {
            Q_EMIT failed(tr("Give two or more sentences, one per line."));
            return false;
        }
        request.texts = texts;
    } else if (request.text.trimmed().isEmpty()) {
        Q_EMIT failed(request.kind == DemoKind::Generate ? tr("The prompt is empty: type a text to continue.")
                                                         : tr("The text is empty: type a sentence first."));
        return false;
    }
    request.id = nextId_++;
    request.cancel = std::make_shared<std::atomic<bool>>(false);
    current_ = request.id;
    cancel_ = request.cancel;
    const ModelSummary& model = engine_->model();
    run_ = projects_->beginRun(demoKindName(request.kind), model.dir, model.device, demoSettings(request),
        model.modelType, model.fingerprint);
    Q_EMIT started(request.kind);
    Q_EMIT runRequested(request);
    return true;
}

void DemoController::cancel()
{
    if (cancel_) {
        cancel_->store(true);
    }
}

void DemoController::onStep(quint64 requestId, const engine::GenerateStep& s)
{
    if (requestId == current_) {
        Q_EMIT step(s);
    }
}

void DemoController::onReady(const DemoOutput& output)
{
    if (output.requestId != current_) {
        return;
    }
    current_ = 0;
    cancel_.reset();
    last_ = output;
    record(output);
    Q_EMIT ready(last_);
}

void DemoController::record(const DemoOutput& d)
{
    const RecordedRun run = run_;
    run_ = {};
    lastRun_ = run;
    lastArtifact_.clear();
    if (!run.valid()) {
        return;
    }
    QJsonObject summary { { QStringLiteral("elapsed_ms"), d.elapsedMs } };
    switch (d.kind) {
    case DemoKind::FillMask:
        summary[QStringLiteral("masks")] = static_cast<int>(d.fill.masks.size());
        summary[QStringLiteral("filled")] = QString::fromStdString(d.fill.filled);
        for (size_t m = 0; m < d.fill.masks.size(); ++m) {
            projects_->addMetric(run, QStringLiteral("top1_probability"), static_cast<qint64>(m),
                d.fill.masks[m].candidates.front().probability);
        }
        break;
    case DemoKind::Generate:
        summary[QStringLiteral("new_tokens")] = static_cast<int>(d.generated.newTokenIds.size());
        summary[QStringLiteral("text")] = QString::fromStdString(d.generated.text);
        summary[QStringLiteral("stop_reason")] = QString::fromStdString(d.generated.stopReason);
        for (size_t i = 0; i < d.generated.steps.size(); ++i) {
            projects_->addMetric(run, QStringLiteral("token_probability"), static_cast<qint64>(i),
                d.generated.steps[i].probability);
        }
        break;
    case DemoKind::Score:
        summary[QStringLiteral("perplexity")] = d.score.perplexity;
        summary[QStringLiteral("tokens")] = static_cast<int>(d.score.tokens.size());
        projects_->addMetric(run, QStringLiteral("perplexity"), 0, d.score.perplexity);
        break;
    case DemoKind::Similarity:
        summary[QStringLiteral("texts")] = d.texts.size();
        break;
    }
    const bool stopped = d.kind == DemoKind::Generate && d.generated.stopReason == "cancelled";
    projects_->finishRun(run, stopped ? projects::RunStatus::Cancelled : projects::RunStatus::Completed, summary);
    try {
        const QByteArray bytes = QJsonDocument(demoToJson(d)).toJson(QJsonDocument::Compact);
        const projects::ArtifactRecord artifact = run.project->writeArtifact(
            run.id, kArtifactKind, "demo.json", std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())));
        lastArtifact_ = QString::fromStdString(run.project->artifactPath(artifact));
        Q_EMIT artifactSaved(run.id, lastArtifact_);
    } catch (const std::exception& e) {
        Q_EMIT projects_->errorOccurred(tr("Could not keep the demo's output"),
            tr("Run %1 is recorded, but its output could not be written: %2")
                .arg(run.id)
                .arg(QString::fromStdString(e.what())));
    }
}

void DemoController::onFailed(quint64 requestId, const QString& message)
{
    if (requestId != current_) {
        return;
    }
    current_ = 0;
    cancel_.reset();
    projects_->finishRun(run_, projects::RunStatus::Failed, {}, message);
    run_ = {};
    Q_EMIT failed(message);
}

void DemoController::onCancelled(quint64 requestId)
{
    if (requestId != current_) {
        return;
    }
    current_ = 0;
    cancel_.reset();
    projects_->finishRun(run_, projects::RunStatus::Cancelled);
    run_ = {};
    Q_EMIT cancelled();
}

bool DemoController::reopenRun(qint64 runId)
{
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        Q_EMIT failed(tr("No project is open."));
        return false;
    }
    QString path;
    try {
        for (const projects::ArtifactRecord& a : project->artifacts(runId)) {
            if (a.kind == kArtifactKind) {
                path = QString::fromStdString(project->artifactPath(a));
            }
        }
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        return false;
    }
    if (path.isEmpty()) {
        Q_EMIT failed(tr("Run %1 kept no demo output to show (runs made with lumen-cli keep their "
                         "settings and metrics only).")
                          .arg(runId));
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        Q_EMIT failed(tr("The output of run %1 is missing: %2 (%3).").arg(runId).arg(path, file.errorString()));
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    DemoOutput output;
    QString error;
    if (doc.isNull()) {
        error = parseError.errorString();
    }
    if (doc.isNull() || !demoFromJson(doc.object(), &output, &error)) {
        Q_EMIT failed(tr("The output of run %1 (%2) cannot be read: %3.").arg(runId).arg(path, error));
        return false;
    }
    last_ = output;
    lastArtifact_ = path;
    Q_EMIT ready(last_);
    Q_EMIT reopened(runId);
    return true;
}

} // namespace lumen::app
