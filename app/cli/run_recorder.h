// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Records one lumen-cli command as a run in a project (`--project FILE.lumen`).
//
//   RunRecorder rec("demo.lumen", "tokenize", "/models/bert", "cpu", parametersJson);
//   rec.addMetric("forward_ms", 0, 12.5);
//   rec.completed(summaryJson);           // or rec.failed(message) / rec.cancelled(summary)
//
// The project is opened (or created) and the run begun in the constructor, so a project that
// cannot be opened stops the command before it does any work. Each call commits on its own:
// a command that later fails leaves the earlier runs, and this run marked Failed.
// Thread safety: single-threaded (lumen-cli's main thread).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace lumen::projects {
class Project;
}

namespace lumen::app::cli {

class RunRecorder {
public:
    /// Throws lumen::projects::ProjectError when the project cannot be opened or written.
    RunRecorder(const std::string& projectPath, const std::string& kind, const std::string& model,
        const std::string& device, const nlohmann::ordered_json& parameters);
    ~RunRecorder();
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    void addMetric(const std::string& key, int64_t step, double value);
    void completed(const nlohmann::ordered_json& summary);
    void cancelled(const nlohmann::ordered_json& summary);
    void failed(const std::string& message);
    /// Writes `bytes` as the run's artifact `fileName` of `kind` (run-<id>/<fileName>).
    void writeArtifact(const std::string& kind, const std::string& fileName, std::string_view bytes);

    int64_t runId() const { return runId_; }
    /// The run's own artifacts folder (artifacts/run-<id>), created.
    std::string artifactsFolder() const;
    /// Records a file already inside artifactsFolder() (`relativePath` from the project's
    /// artifacts folder, e.g. "run-7/model/model.safetensors").
    void addArtifactFile(const std::string& kind, const std::string& relativePath);
    /// The artifacts folder of another run of the same project (resuming it); not created.
    std::string artifactsFolderOf(int64_t runId) const;

private:
    std::unique_ptr<projects::Project> project_;
    int64_t runId_ = 0;
};

} // namespace lumen::app::cli
