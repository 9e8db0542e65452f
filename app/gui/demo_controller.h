// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The text demos' controller: sends DemoRequests to the engine worker that the attention
// controller owns (the model is loaded once, for every feature), relays the generated tokens
// as they come, and records each run in the project.
//
//   auto* demos = new DemoController(attention, projects, this);
//   connect(demos, &DemoController::step, view, &X::appendToken);    // generation, streamed
//   connect(demos, &DemoController::ready, view, &X::show);          // run or reopen
//   demos->run(request);         // -> ready, failed or cancelled
//
// Each run is a project run of kind "fill-mask", "generate", "score" or "similarity" (the
// kinds lumen-cli records) with the request's settings as parameters. When it ends it is
// completed (or cancelled: a generation stopped part-way keeps what it made) with a summary
// and metrics (each token's probability, the perplexity, the top candidates'), and its
// whole output is kept as the artifact "demo" (run-<id>/demo.json, demo_record.h), which
// reopenRun() shows again exactly, without the model. One demo runs at a time.
// Thread safety: GUI thread only.

#include "attention_controller.h"
#include "demo_jobs.h"
#include "project_controller.h"

#include <QObject>

namespace lumen::app {

class DemoController : public QObject {
    Q_OBJECT

public:
    DemoController(AttentionController* engine, ProjectController* projects, QObject* parent = nullptr);

    /// Starts `request` (its id and cancel flag are set here). False, with failed(), for an
    /// empty text, no model, or while another demo runs.
    bool run(DemoRequest request);
    /// Asks the running demo to stop: a generation ends with what it has (ready, stop reason
    /// "cancelled"), the others with cancelled().
    void cancel();
    bool isBusy() const { return current_ != 0; }
    /// The demo shown last (run or reopened).
    const DemoOutput& last() const { return last_; }
    const RecordedRun& lastRun() const { return lastRun_; }
    /// The artifact path of the last recorded run's output (empty until it was written).
    QString lastArtifactPath() const { return lastArtifact_; }

    /// Shows run `runId` again from its "demo" artifact: ready() and reopened() follow;
    /// false, with failed() saying why, when the run kept no output or the file is unreadable.
    bool reopenRun(qint64 runId);

    static constexpr const char* kArtifactKind = "demo";

Q_SIGNALS:
    void started(lumen::app::DemoKind kind);
    void step(const lumen::engine::GenerateStep& step);
    void ready(const lumen::app::DemoOutput& output);
    void failed(const QString& message);
    void cancelled();
    void reopened(qint64 runId);
    /// The output of run `runId` was kept as `path`.
    void artifactSaved(qint64 runId, const QString& path);
    // To the worker (queued).
    void runRequested(const lumen::app::DemoRequest& request);

private:
    void onStep(quint64 requestId, const engine::GenerateStep& step);
    void onReady(const DemoOutput& output);
    void onFailed(quint64 requestId, const QString& message);
    void onCancelled(quint64 requestId);
    void record(const DemoOutput& output);

    AttentionController* engine_;
    ProjectController* projects_;
    quint64 nextId_ = 1;
    quint64 current_ = 0;
    std::shared_ptr<std::atomic<bool>> cancel_;
    RecordedRun run_;
    RecordedRun lastRun_;
    DemoOutput last_;
    QString lastArtifact_;
};

} // namespace lumen::app
