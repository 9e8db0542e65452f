// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// How to add a schema version:
//   1. Write `void migrateToVN(Connection& db)` below: the SQL that takes a version N-1 file
//      to N (ALTER TABLE, CREATE TABLE, back-filling rows). It runs inside the migration
//      transaction; never BEGIN or COMMIT here, and never edit an earlier step: files of
//      every older version exist on users' disks.
//   2. Append it to kMigrations.
//   3. Bump Project::kSchemaVersion in project.h (the static_assert below checks they agree).
//   4. Add a tst_project case that builds a version N-1 file and opens it.
#include "schema.h"

#include "lumen/projects/project.h"

#include <iterator>

namespace lumen::projects::detail {

namespace {

using Migration = void (*)(Connection& db);

// Version 1: runs, their metric history and their artifacts. Times are unix milliseconds.
// `owner` identifies the process running a run (boot id, pid, process start time), so a
// later open can tell a crashed run from one another live process is still running.
// AUTOINCREMENT: run ids are never reused, because artifact folders are named after them.
// metrics.value may be NULL: SQLite stores a NaN as NULL, and NULL reads back as NaN.
void migrateToV1(Connection& db)
{
    db.exec(R"sql(
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    model       TEXT    NOT NULL DEFAULT '',
    device      TEXT    NOT NULL DEFAULT '',
    host        TEXT    NOT NULL DEFAULT '',
    owner       TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL,
    parameters  TEXT    NOT NULL DEFAULT '{}',
    summary     TEXT    NOT NULL DEFAULT '{}',
    created_ms  INTEGER NOT NULL,
    started_ms  INTEGER,
    finished_ms INTEGER,
    error       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX runs_created ON runs (created_ms);
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE TABLE metrics (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key     TEXT    NOT NULL,
    step    INTEGER NOT NULL,
    value   REAL,
    time_ms INTEGER NOT NULL
);
CREATE INDEX metrics_run_key_step ON metrics (run_id, key, step);

CREATE TABLE artifacts (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL
);
CREATE INDEX artifacts_run ON artifacts (run_id);
)sql",
            "create the version 1 tables");
}

constexpr Migration kMigrations[] = {
    migrateToV1,
};
static_assert(std::size(kMigrations) == Project::kSchemaVersion,
              "one migration step per schema version");

} // namespace

std::string newerSchemaMessage(const std::string& displayPath, int64_t fileVersion)
{
    return displayPath + " was written by a newer Lumen (schema version "
           + std::to_string(fileVersion) + "; this Lumen reads up to "
           + std::to_string(Project::kSchemaVersion)
           + "). Open it with a newer Lumen; the file was not changed.";
}

int migrate(Connection& db)
{
    Transaction transaction(db, "upgrade the project's schema");
    const int64_t version = db.pragmaInt("user_version", "read the schema version");
    if (version > Project::kSchemaVersion) {
        throw ProjectError(ProjectErrorKind::NewerSchema,
                           newerSchemaMessage(db.displayPath(), version));
    }
    if (version == Project::kSchemaVersion) {
        return static_cast<int>(version); // another process upgraded it meanwhile
    }
    for (int64_t step = version; step < Project::kSchemaVersion; ++step) {
        kMigrations[step](db);
    }
    db.exec("PRAGMA user_version = " + std::to_string(Project::kSchemaVersion),
            "set the schema version");
    db.exec("PRAGMA application_id = " + std::to_string(Project::kApplicationId),
            "set the application id");
    transaction.commit();
    return static_cast<int>(version);
}

} // namespace lumen::projects::detail
