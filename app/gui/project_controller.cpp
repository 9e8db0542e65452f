// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "project_controller.h"

#include "lumen/projects/project.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>

namespace lumen::app {

namespace {

std::string toJson(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

std::string nativePath(const QString& path)
{
    return QFile::encodeName(path).toStdString();
}

} // namespace

ProjectController::ProjectController(QObject* parent)
    : QObject(parent)
{
}

ProjectController::~ProjectController() = default;

QString ProjectController::defaultProjectPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .absoluteFilePath(QStringLiteral("default.lumen"));
}

QString ProjectController::projectPath() const
{
    return project_ ? QFile::decodeName(QByteArray::fromStdString(project_->path())) : QString();
}

bool ProjectController::adopt(std::shared_ptr<projects::Project> project)
{
    project_ = std::move(project);
    Q_EMIT projectChanged(projectPath());
    return true;
}

bool ProjectController::createProject(const QString& path)
{
    try {
        return adopt(projects::Project::create(nativePath(path)));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not create the project"), QString::fromStdString(e.what()));
        return false;
    }
}

bool ProjectController::openProject(const QString& path)
{
    try {
        return adopt(projects::Project::open(nativePath(path)));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not open the project"), QString::fromStdString(e.what()));
        return false;
    }
}

bool ProjectController::openOrCreateProject(const QString& path)
{
    try {
        QDir().mkpath(QFileInfo(path).absolutePath());
        return adopt(projects::Project::openOrCreate(nativePath(path)));
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not open the project"), QString::fromStdString(e.what()));
        return false;
    }
}

projects::Project* ProjectController::project()
{
    if (!project_) {
        openOrCreateProject(defaultProjectPath());
    }
    return project_.get();
}

RecordedRun ProjectController::beginRun(const QString& kind, const QString& model,
    const QString& device, const QJsonObject& parameters, const QString& family,
    const QString& modelHash)
{
    RecordedRun run;
    if (project() == nullptr) {
        return run;
    }
    try {
        projects::RunSpec spec;
        spec.kind = kind.toStdString();
        spec.model = model.toStdString();
        spec.device = device.toStdString();
        spec.parametersJson = toJson(parameters);
        spec.modelFamily = family.toStdString();
        spec.modelHash = modelHash.toStdString();
        run.id = project_->beginRun(spec);
        run.project = project_;
        Q_EMIT runsChanged();
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("The run will not be recorded"), QString::fromStdString(e.what()));
        run = RecordedRun();
    }
    return run;
}

void ProjectController::finishRun(const RecordedRun& run, projects::RunStatus status,
    const QJsonObject& summary, const QString& error)
{
    if (!run.valid()) {
        return;
    }
    try {
        run.project->finishRun(run.id, status, toJson(summary), error.toStdString());
        Q_EMIT runsChanged();
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(
            tr("Could not record the end of the run"), QString::fromStdString(e.what()));
    }
}

void ProjectController::addMetric(
    const RecordedRun& run, const QString& key, qint64 step, double value)
{
    if (!run.valid()) {
        return;
    }
    try {
        run.project->addMetric(run.id, key.toStdString(), step, value);
    } catch (const std::exception& e) {
        Q_EMIT errorOccurred(tr("Could not record a metric"), QString::fromStdString(e.what()));
    }
}

} // namespace lumen::app
