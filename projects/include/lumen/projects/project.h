// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A Lumen project: one SQLite file (`name.lumen`) holding runs, their metrics and a list of
// their artifacts, with the artifact files in a folder beside it (`name_artifacts/`, made
// when the first artifact is written).
//
//   auto project = Project::openOrCreate("experiments.lumen");
//   int64_t run = project->beginRun({"forward", "/models/bert-tiny", "cpu", R"({"texts":2})"});
//   project->addMetric(run, "forward_ms", 0, 12.5);
//   project->writeArtifact(run, "forward-output", "out.safetensors", bytes);
//   project->finishRun(run, RunStatus::Completed, R"({"tokens":14})");
//
// Opening. open() refuses, without changing the file or creating anything beside it: a
// missing path, a folder, a file that is not SQLite (checked from its first bytes before
// SQLite sees it), an SQLite database that is not a Lumen project (its application_id is
// neither Lumen's nor 0-with-no-tables), and a project written by a newer Lumen (its
// user_version is above kSchemaVersion). An older project is upgraded in place, one
// migration step per version, inside one transaction. The connection uses WAL journaling,
// a 5 s busy timeout and foreign keys.
//
// Read-only files. open() on a file this process cannot write opens it read-only:
// everything can be read, every write throws ProjectError(ReadOnly), isReadOnly() is true.
// openReadOnly() does the same on purpose. A read-only project that needs a schema upgrade
// is refused. (SQLite may leave empty `-wal`/`-shm` files beside a WAL database read this
// way; the next writer removes them.)
//
// Interrupted runs. A run records which process runs it. When a project is opened for
// writing, every run still "running" whose process no longer exists (it crashed or was
// killed) is marked "interrupted". Runs of a live process (the GUI, while a lumen-cli job
// opens the same file) are left alone. Destroying a Project marks the runs it began and did
// not finish as interrupted too.
//
// Writes. Every write is one transaction started with BEGIN IMMEDIATE (so it waits for the
// busy timeout instead of failing with "database is locked"). If a write fails (disk full,
// an I/O error) the transaction is rolled back, nothing already stored is lost, and
// ProjectError says so.
//
// Thread safety: one Project may be used by one thread at a time (it may move between
// threads). Several Project objects, in one process or in several (the GUI and lumen-cli),
// may use the same file at the same time.

#include "lumen/projects/project_error.h"
#include "lumen/projects/run_record.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lumen::projects {

class Project {
public:
    /// The schema this build writes and the newest it reads (PRAGMA user_version).
    static constexpr int kSchemaVersion = 2;
    /// PRAGMA application_id of every Lumen project: 'LUMN'.
    static constexpr int32_t kApplicationId = 0x4C554D4E;

    /// Makes a new project (built under a temporary name, then renamed without replacing
    /// anything, so no one sees it half-made). Throws AlreadyExists if anything exists at
    /// `path` (Lumen never overwrites) or `<name>_artifacts/` holds files, NotFound if the
    /// folder does not exist.
    static std::unique_ptr<Project> create(const std::string& path);
    /// Opens an existing project, upgrading an older schema. See the notes above.
    static std::unique_ptr<Project> open(const std::string& path);
    /// Opens a project without ever writing to it.
    static std::unique_ptr<Project> openReadOnly(const std::string& path);
    /// open() when `path` exists, create() when it does not.
    static std::unique_ptr<Project> openOrCreate(const std::string& path);

    ~Project();
    Project(const Project&) = delete;
    Project& operator=(const Project&) = delete;

    /// The project file's absolute path.
    const std::string& path() const;
    /// `<dir>/<name>_artifacts` for `<dir>/<name>.lumen` (absolute; may not exist yet).
    std::string artifactsDir() const;
    /// The file's schema version (kSchemaVersion once open).
    int schemaVersion() const;
    bool isReadOnly() const;
    /// A number that changes whenever another connection (another process, another Project)
    /// commits to the file; this Project's own writes leave it alone (SQLite's data_version).
    /// Cheap: a browser polls it to notice runs a lumen-cli job records.
    int64_t externalChangeCount() const;

    // --- runs -----------------------------------------------------------------------------

    /// Records a new run with status Running, started now; returns its id (ids are never
    /// reused, even after deleteRun).
    int64_t beginRun(const RunSpec& spec);
    /// Ends a running run. `status` is Completed, Cancelled or Failed; `summaryJson` a JSON
    /// object ("" counts as {}); `error` why it failed.
    void finishRun(int64_t runId, RunStatus status, const std::string& summaryJson = "{}",
                   const std::string& error = "");
    void setNotes(int64_t runId, const std::string& notes);
    /// Deletes a run that is not running, with its metrics and artifact records (foreign-key
    /// cascade), then its artifact files and its `run-<id>` folder. For good: see trashRun.
    void deleteRun(int64_t runId);

    /// Moves a run that is not running to the trash: listRuns() leaves it out, its
    /// `run-<id>` folder moves to `<artifacts>/.trash/`. restoreRun() brings it back. The
    /// trash is emptied (deleteRun) when the Project that trashed it goes away, or, if that
    /// process died, on the next open for writing.
    void trashRun(int64_t runId);
    void restoreRun(int64_t runId);
    /// Deletes for good the runs this Project trashed.
    void emptyTrash();

    // --- experiments, tags, parameters -------------------------------------------------------

    /// The experiment named `name`, made when new; its id.
    int64_t ensureExperiment(const std::string& name, const std::string& description = "");
    /// Puts a run in the experiment `name` (made when new); "" takes it out of any.
    void setRunExperiment(int64_t runId, const std::string& name);
    /// Every experiment, by name, with its number of runs.
    std::vector<ExperimentRecord> experiments() const;
    void addTag(int64_t runId, const std::string& tag);
    void removeTag(int64_t runId, const std::string& tag);
    /// The distinct kinds and models of the runs (the trash not counted), sorted: what a
    /// browser's filters offer, without listing every run.
    std::vector<std::string> runKinds() const;
    std::vector<std::string> runModels() const;
    /// Every tag in use (the trash not counted) and how many runs carry it, by tag.
    std::vector<std::pair<std::string, int64_t>> tagCounts() const;
    /// A run's parameters as (key, value as JSON text), in key order.
    std::vector<std::pair<std::string, std::string>> parameters(int64_t runId) const;
    /// The parameters whose values are not the same in all of `runIds` (missing counts as a
    /// value): key, then one JSON text per run ("" where the run has no such key).
    std::vector<std::pair<std::string, std::vector<std::string>>> differingParameters(
        const std::vector<int64_t>& runIds) const;

    std::vector<RunRecord> listRuns(const RunFilter& filter = {}) const;
    std::optional<RunRecord> run(int64_t runId) const;

    // --- metrics ----------------------------------------------------------------------------

    void addMetric(int64_t runId, const std::string& key, int64_t step, double value);
    /// All points in one transaction: all are stored or none.
    void addMetrics(int64_t runId, const std::vector<MetricPoint>& points);
    /// A run's metric points ordered by key then step; only `key`'s when it is not empty.
    std::vector<MetricPoint> metrics(int64_t runId, const std::string& key = "") const;
    /// The distinct metric keys of a run, sorted.
    std::vector<std::string> metricKeys(int64_t runId) const;
    /// One metric's history as columns, ordered by step.
    MetricSeries metricSeries(int64_t runId, const std::string& key) const;
    /// Each metric's newest value and point count, by key (one row per metric: cheap).
    std::vector<MetricLatest> latestMetrics(int64_t runId) const;
    /// latestMetrics of every run at once (run id, metric), by run then key: one query for a
    /// table of thousands of runs.
    std::vector<std::pair<int64_t, MetricLatest>> allLatestMetrics() const;

    // --- artifacts --------------------------------------------------------------------------

    /// Records a file the caller already placed inside artifactsDir(). `relativePath` is
    /// relative to that folder ('/' separated, no "..").
    ArtifactRecord addArtifactFile(int64_t runId, const std::string& kind,
                                   const std::string& relativePath);
    /// Writes `bytes` to `artifactsDir()/run-<id>/<fileName>` (a temporary file, flushed,
    /// then renamed, so the final name never holds half a file) and records it. An existing
    /// file is never overwritten: "name.ext" becomes "name-2.ext", "name-3.ext", ...
    ArtifactRecord writeArtifact(int64_t runId, const std::string& kind,
                                 const std::string& fileName, std::string_view bytes);
    std::vector<ArtifactRecord> artifacts(int64_t runId) const;
    /// The artifact's absolute path.
    std::string artifactPath(const ArtifactRecord& artifact) const;
    // --- the whole project as one file -----------------------------------------------------

    /// Writes the project as one tar archive: `NAME.lumen` (a consistent copy of the
    /// database, taken while others may be writing) and `NAME_artifacts/...` (every artifact
    /// file not in the trash). Written under a temporary name and renamed; an existing file
    /// is never replaced (AlreadyExists). Returns the number of files archived.
    int64_t exportArchive(const std::string& archivePath) const;
    /// Unpacks an archive exportArchive wrote as the new project `projectPath` (its artifacts
    /// folder beside it, renamed to match) and opens it. Refuses an existing destination,
    /// an archive without exactly one project file, links, and names that would leave the
    /// folder; on any failure nothing is left behind.
    static std::unique_ptr<Project> importArchive(const std::string& archivePath,
                                                  const std::string& projectPath);

    /// The artifacts (of runs not in the trash) whose files are gone (the artifacts folder
    /// moved or deleted): the project still opens, and this says what is missing.
    std::vector<ArtifactRecord> missingArtifacts() const;

private:
    struct Impl;
    explicit Project(std::unique_ptr<Impl> impl);
    static std::unique_ptr<Project> openExisting(const std::string& path, bool readOnly);
    std::unique_ptr<Impl> impl_;
};

} // namespace lumen::projects
