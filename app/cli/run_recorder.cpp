// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "run_recorder.h"

#include <filesystem>

#include "lumen/projects/fingerprint.h"

#include "lumen/projects/project.h"

namespace lumen::app::cli {
namespace {

std::string dumpJson(const nlohmann::ordered_json& j)
{
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace

RunRecorder::RunRecorder(const std::string& projectPath, const std::string& kind,
    const std::string& model, const std::string& device, const nlohmann::ordered_json& parameters)
    : project_(projects::Project::openOrCreate(projectPath))
{
    projects::RunSpec spec;
    spec.kind = kind;
    spec.model = model;
    spec.device = device;
    spec.parametersJson = dumpJson(parameters);
    spec.modelHash = projects::modelFingerprint(model); // "" for a hub id or no model
    runId_ = project_->beginRun(spec);
}

// A recorder destroyed without completed()/failed() (an exception we did not see) leaves the
// run to Project's destructor, which marks it interrupted.
RunRecorder::~RunRecorder() = default;

void RunRecorder::addMetric(const std::string& key, int64_t step, double value)
{
    project_->addMetric(runId_, key, step, value);
}

void RunRecorder::completed(const nlohmann::ordered_json& summary)
{
    project_->finishRun(runId_, projects::RunStatus::Completed, dumpJson(summary));
}

void RunRecorder::cancelled(const nlohmann::ordered_json& summary)
{
    project_->finishRun(runId_, projects::RunStatus::Cancelled, dumpJson(summary));
}

void RunRecorder::writeArtifact(const std::string& kind, const std::string& fileName, std::string_view bytes)
{
    project_->writeArtifact(runId_, kind, fileName, bytes);
}

std::string RunRecorder::artifactsFolder() const
{
    const std::string dir = artifactsFolderOf(runId_);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return dir;
}

std::string RunRecorder::artifactsFolderOf(int64_t runId) const
{
    return (std::filesystem::path(project_->artifactsDir()) / ("run-" + std::to_string(runId))).string();
}

void RunRecorder::addArtifactFile(const std::string& kind, const std::string& relativePath)
{
    project_->addArtifactFile(runId_, kind, relativePath);
}

void RunRecorder::failed(const std::string& message)
{
    project_->finishRun(runId_, projects::RunStatus::Failed, "{}", message);
}

} // namespace lumen::app::cli
