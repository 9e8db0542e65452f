// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// `lumen-cli runs` and `lumen-cli run-show`: a project's runs as a table, JSON or CSV, and
// one run in full. Plain functions over lumen_projects, so the same text can be tested
// without a process.
//
//   auto project = Project::open("p.lumen");
//   writeRunsTable(std::cout, *project, project->listRuns(filter));
//   writeRunsCsv(std::cout, *project, runs);     // one row a run, a column per parameter
//   nlohmann::ordered_json j = runJson(*project, run, /*full=*/true);
//
// Thread safety: as the Project passed in.

#include "lumen/projects/project.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <vector>

namespace lumen::app::cli {

/// A run as JSON: id, kind, status, model, model_family, device, host, experiment, tags,
/// dataset, created / started / finished (ISO-8601 UTC), duration_ms, parameters and summary
/// (objects), metrics (key -> {step, value, points}: each metric's newest value), notes,
/// error, trashed. `full` adds artifacts (kind, path, size, sha256, exists) and every
/// metric's history ({key: [[step, value], ...]}).
nlohmann::ordered_json runJson(const projects::Project& project, const projects::RunRecord& run,
    bool full);

/// ID, kind, status, started (local time), duration, model, tags, and the newest value of up
/// to three metrics, aligned; "No runs." when there are none.
void writeRunsTable(std::ostream& out, const projects::Project& project,
    const std::vector<projects::RunRecord>& runs);
/// RFC 4180 CSV: id, kind, status, model, experiment, tags (";"-separated), created,
/// finished, duration_ms, device, host, notes, error, then one "param:KEY" column per
/// parameter and one "metric:KEY" column per metric of any run (its newest value); empty
/// where a run has none.
void writeRunsCsv(std::ostream& out, const projects::Project& project,
    const std::vector<projects::RunRecord>& runs);
/// Everything about one run, as text: the header lines, parameters, summary, metrics (newest
/// value and points), artifacts (missing files marked), notes.
void writeRunDetails(std::ostream& out, const projects::Project& project,
    const projects::RunRecord& run);

} // namespace lumen::app::cli
