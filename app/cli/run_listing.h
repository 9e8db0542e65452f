// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// `lumen-cli runs` and `lumen-cli run-show`: a project's runs as a table, JSON or CSV, and
// one run in full. Plain functions over lumen_projects, so the same text can be tested
// without a process.
//
//   auto project = Project::open("p.lumen");
//   writeRunsTable(std::cout, *project, project->listRuns(filter));
//   writeRunDetails(std::cout, *project, *project->run(7));
// (JSON and CSV: lumen/projects/run_export.h.)
//
// Thread safety: as the Project passed in.

#include "lumen/projects/project.h"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <vector>

namespace lumen::app::cli {

/// ID, kind, status, started (local time), duration, model, tags, and the newest value of up
/// to three metrics, aligned; "No runs." when there are none.
void writeRunsTable(std::ostream& out, const projects::Project& project,
    const std::vector<projects::RunRecord>& runs);
/// Everything about one run, as text: the header lines, parameters, summary, metrics (newest
/// value and points), artifacts (missing files marked), notes.
void writeRunDetails(std::ostream& out, const projects::Project& project,
    const projects::RunRecord& run);

} // namespace lumen::app::cli
