// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A project's runs as JSON and CSV, for `lumen-cli runs --json/--csv` and the run browser's
// export: the same text from both.
//
//   nlohmann::ordered_json j = runJson(project, run, /*full=*/true);
//   writeRunsCsv(file, project, project.listRuns());
//
// Thread safety: as the Project passed in.

#include "lumen/projects/project.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace lumen::projects {

/// A run as JSON: id, kind, status, model, model_family, device, host, experiment, tags,
/// dataset, created / started / finished (ISO-8601 UTC), duration_ms, parameters and summary
/// (objects), metrics (key -> {step, value, points}: each metric's newest value), notes,
/// error, trashed. `full` adds artifacts (id, kind, path, size_bytes, sha256, exists) and
/// every metric's history (metric_history: {key: [[step, value], ...]}). NaN is null.
nlohmann::ordered_json runJson(const Project& project, const RunRecord& run, bool full);
/// runJson of each run, as one pretty-printed JSON array.
void writeRunsJson(std::ostream& out, const Project& project, const std::vector<RunRecord>& runs,
                   bool full = false);
/// RFC 4180 CSV (CRLF line ends): id, kind, status, model, experiment, tags (";"-separated),
/// created, finished, duration_ms, device, host, notes, error, then one "param:KEY" column
/// per parameter and one "metric:KEY" column per metric of any run (its newest value, the
/// shortest text that reads back exactly); empty where a run has none.
void writeRunsCsv(std::ostream& out, const Project& project, const std::vector<RunRecord>& runs);
/// The shortest decimal text that reads back as exactly `value` ("nan" for NaN).
std::string roundTripNumber(double value);

} // namespace lumen::projects
