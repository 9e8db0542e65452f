// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Owns the open project (a lumen::projects::Project) and records runs in it.
//
//   RecordedRun run = projects->beginRun(QStringLiteral("attention"), dir, device, params);
//   ...
//   projects->finishRun(run, RunStatus::Completed, summary);
//
// Where runs go when the user has opened no project: the default project,
// <AppDataLocation>/default.lumen (~/.local/share/Lumen/Lumen/default.lumen on Linux),
// created on first use. Every run is recorded somewhere, and a user who never thinks about
// projects still finds their history in one place; File > New/Open Project switches away
// from it.
//
// A run keeps a reference to the project it was begun in, so switching projects while a
// run is in flight still finishes it in the right file. Project errors (a read-only file, a
// full disk) are reported through errorOccurred and never stop the model from running.
// Thread safety: GUI thread only (the project database is small and fast to write).

#include "lumen/projects/run_record.h"

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <memory>

namespace lumen::projects {
class Project;
}

namespace lumen::app {

/// A run begun in a project; `valid()` false when it could not be recorded.
struct RecordedRun {
    std::shared_ptr<projects::Project> project;
    qint64 id = 0;
    bool valid() const { return project != nullptr && id > 0; }
};

class ProjectController : public QObject {
    Q_OBJECT

public:
    explicit ProjectController(QObject* parent = nullptr);
    ~ProjectController() override;

    /// <AppDataLocation>/default.lumen
    static QString defaultProjectPath();

    /// File > New Project: refuses a path that exists (Lumen never overwrites a file).
    bool createProject(const QString& path);
    /// File > Open Project: refuses a missing file, a non-project and a newer schema.
    bool openProject(const QString& path);
    /// --project: opens the file, creating it when it does not exist.
    bool openOrCreateProject(const QString& path);

    bool hasProject() const { return project_ != nullptr; }
    QString projectPath() const;
    /// The open project, opening the default project first when none is open; nullptr when
    /// that fails too (the error was reported).
    projects::Project* project();

    /// Begins a run (status Running) in the open project.
    /// `family` ("bert", "t5") and `modelHash` (projects::modelFingerprint) are recorded
    /// with the model.
    RecordedRun beginRun(const QString& kind, const QString& model, const QString& device,
        const QJsonObject& parameters, const QString& family = QString(),
        const QString& modelHash = QString());
    void finishRun(const RecordedRun& run, projects::RunStatus status,
        const QJsonObject& summary = {}, const QString& error = {});
    void addMetric(const RecordedRun& run, const QString& key, qint64 step, double value);

Q_SIGNALS:
    void projectChanged(const QString& path);
    /// A run was begun or finished in the open project (the run browser refreshes).
    void runsChanged();
    void errorOccurred(const QString& title, const QString& message);

private:
    bool adopt(std::shared_ptr<projects::Project> project);

    std::shared_ptr<projects::Project> project_;
};

} // namespace lumen::app
