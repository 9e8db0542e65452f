// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The value types a project stores and hands back: what a run is (RunSpec when it starts,
// RunRecord when read back), its metric points and its artifacts.
//
// Times are unix milliseconds (UTC) everywhere: that is what the database stores, in INTEGER
// columns. formatIsoUtc() turns one into ISO-8601 text for display and JSON output.
// Thread safety: plain value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lumen::projects {

/// How a run ended. Stored as the lower-case name (runStatusName).
enum class RunStatus {
    Running,     ///< begun and not finished yet
    Completed,   ///< finished normally
    Cancelled,   ///< the user stopped it (cancelling is not failing)
    Failed,      ///< it stopped on an error (see RunRecord::errorMessage)
    Interrupted, ///< its program ended (crash, kill, closing the project) before it finished
};

/// "running", "completed", "cancelled", "failed", "interrupted"
const char* runStatusName(RunStatus status);
/// The inverse of runStatusName; nullopt for any other text.
std::optional<RunStatus> runStatusFromName(const std::string& name);

/// The data a run used (a training CSV, a text corpus).
struct DatasetRef {
    std::string path; ///< empty: no dataset
    std::string contentHash; ///< e.g. the file's SHA-256; may be empty
    std::optional<int64_t> rowCount;
};

/// What beginRun() needs to start a run.
struct RunSpec {
    std::string kind;   ///< "inference", "forward", "bench", "tokenize", "train", ...
    std::string model;  ///< model folder path or hub id; may be empty
    std::string device; ///< "cpu", "cuda:0", ...; may be empty
    std::string parametersJson = "{}"; ///< a JSON object ("" counts as {})
    std::string notes;
    // (Default initialisers: the five fields above may be given alone, {kind, model, ...}.)
    std::string experiment = {}; ///< the experiment's name (made when new); empty: none
    std::vector<std::string> tags = {};
    std::string modelFamily = {}; ///< "bert", "gpt2", ...; recorded with the model when given
    std::string modelHash = {}; ///< a content hash of the model; recorded when given
    DatasetRef dataset = {};
};

/// One run as stored.
struct RunRecord {
    int64_t id = 0;
    std::string kind;
    std::string model;
    std::string device;
    std::string host; ///< the machine that ran it
    RunStatus status = RunStatus::Running;
    std::string parametersJson = "{}"; ///< a JSON object
    std::string summaryJson = "{}";    ///< a JSON object, set by finishRun
    int64_t createdMs = 0;
    std::optional<int64_t> startedMs;
    std::optional<int64_t> finishedMs; ///< unset while running, and after a crash
    std::string errorMessage;          ///< why it failed or was interrupted; empty otherwise
    std::string notes;
    std::string experiment; ///< its experiment's name; empty for none
    std::vector<std::string> tags; ///< sorted
    std::string modelFamily;
    std::string modelHash; ///< the model's content hash as last recorded; may be empty
    std::string dataset; ///< the dataset's path; empty for none
    /// When it was moved to the trash (Project::trashRun); unset for a run in the project.
    std::optional<int64_t> trashedMs;

    /// finished - started, when both are known
    std::optional<int64_t> durationMs() const;
};

/// One metric value. `timeMs` 0 on insert means "now".
struct MetricPoint {
    std::string key;  ///< "loss", "accuracy", "forward_ms", ...
    int64_t step = 0; ///< training step, batch index, or 0 for a single value
    double value = 0; ///< NaN and infinities are kept as they are
    int64_t timeMs = 0;
};

/// A metric's newest value (at its highest step) and how many points it has.
struct MetricLatest {
    std::string key;
    int64_t step = 0;
    double value = 0;
    int64_t timeMs = 0;
    int64_t points = 0;
};

/// One metric's history, column by column (cheap to hand to a plot), ordered by step.
struct MetricSeries {
    std::string key;
    std::vector<int64_t> steps;
    std::vector<double> values;
    std::vector<int64_t> timesMs;
};

/// A file kept for a run, inside the project's artifacts folder.
struct ArtifactRecord {
    int64_t id = 0;
    int64_t runId = 0;
    std::string kind;         ///< "attention", "checkpoint", "forward-output", ...
    std::string relativePath; ///< relative to Project::artifactsDir(), '/' separated
    int64_t sizeBytes = 0;    ///< size when it was recorded
    int64_t createdMs = 0;
    std::string sha256; ///< of the content when it was recorded; empty in files from v1
};

/// A named group of runs.
struct ExperimentRecord {
    int64_t id = 0;
    std::string name;
    std::string description;
    int64_t createdMs = 0;
    int64_t runCount = 0; ///< runs in it, the trash not counted
};

/// Which runs listRuns() returns. Unset fields match everything.
struct RunFilter {
    std::optional<std::string> kind;
    std::optional<std::string> model;
    std::optional<RunStatus> status;
    std::optional<std::string> tag; ///< runs carrying this tag
    std::optional<std::string> experiment; ///< runs of the experiment of this name
    /// Free text, case-insensitive, anywhere in the kind, model, notes, parameters, summary,
    /// error, tags or experiment name (a whole number also matches that run id).
    std::optional<std::string> text;
    bool trashed = false; ///< true: only the runs in the trash; false: only the others
    int64_t limit = 0; ///< 0: no limit
    int64_t offset = 0;
    bool newestFirst = true; ///< by creation time, then id
};

/// The current time in unix milliseconds.
int64_t currentUnixMs();
/// "2026-03-04T05:06:07.089Z" (UTC, millisecond precision).
std::string formatIsoUtc(int64_t unixMs);

} // namespace lumen::projects
