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

// Version 2: what a run browser filters and compares by, in SQL.
// - experiments (named groups of runs), models (path or hub id, family, content hash) and
//   datasets (path, hash, row count), each run pointing at them (runs.model stays the text
//   it was, shown as is; model_id links it to its row);
// - run_params: a run's parameters as key/value rows (the value keeps its JSON type: numbers
//   as numbers, so `value > 0.001` works; objects and arrays as JSON text), and run_tags;
// - metrics_latest: each run's metric at its highest step, and how many points it has, so
//   listing thousands of runs reads one row per metric, not their histories;
// - metrics_series: the v1 index (run_id, key, step) widened to cover value and time_ms;
// - artifacts.sha256; runs.deleted_ms / deleted_by: a run in the trash (undo while the
//   session that deleted it lasts), hidden from listings.
// The v1 data is back-filled: models from runs.model, run_params from runs.parameters,
// metrics_latest from metrics.
void migrateToV2(Connection& db)
{
    db.exec(R"sql(
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL
);
CREATE TABLE models (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    path         TEXT    NOT NULL UNIQUE,
    family       TEXT    NOT NULL DEFAULT '',
    content_hash TEXT    NOT NULL DEFAULT '',
    created_ms   INTEGER NOT NULL
);
CREATE TABLE datasets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    path         TEXT    NOT NULL UNIQUE,
    content_hash TEXT    NOT NULL DEFAULT '',
    row_count    INTEGER,
    created_ms   INTEGER NOT NULL
);
ALTER TABLE runs ADD COLUMN experiment_id INTEGER REFERENCES experiments (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN model_id INTEGER REFERENCES models (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL;
ALTER TABLE runs ADD COLUMN deleted_ms INTEGER;
ALTER TABLE runs ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_kind ON runs (kind, created_ms);
CREATE INDEX runs_experiment ON runs (experiment_id) WHERE experiment_id IS NOT NULL;
CREATE INDEX runs_deleted ON runs (deleted_ms) WHERE deleted_ms IS NOT NULL;

CREATE TABLE run_params (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_params_key ON run_params (key, value);

CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    tag    TEXT    NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_tag ON run_tags (tag, run_id);

CREATE TABLE metrics_latest (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key     TEXT    NOT NULL,
    step    INTEGER NOT NULL,
    value   REAL,
    time_ms INTEGER NOT NULL,
    points  INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

ALTER TABLE artifacts ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';

-- A metric's history for a plot is read from the index alone (a million points in a few
-- hundred milliseconds), not row by row from the table.
DROP INDEX metrics_run_key_step;
CREATE INDEX metrics_series ON metrics (run_id, key, step, time_ms, value);

INSERT INTO models (path, created_ms)
    SELECT model, min(created_ms) FROM runs WHERE model <> '' GROUP BY model;
UPDATE runs SET model_id = (SELECT id FROM models WHERE models.path = runs.model)
    WHERE model <> '';
INSERT OR IGNORE INTO run_params (run_id, key, value)
    SELECT runs.id, p.key, CASE WHEN p.type IN ('object', 'array') THEN p.value ELSE p.atom END
    FROM runs, json_each(runs.parameters) AS p
    WHERE json_valid(runs.parameters) AND json_type(runs.parameters) = 'object';
INSERT INTO metrics_latest (run_id, key, step, value, time_ms, points)
    SELECT run_id, key, step, value, time_ms, points FROM (
        SELECT run_id, key, step, value, time_ms,
               count(*) OVER (PARTITION BY run_id, key) AS points,
               row_number() OVER (PARTITION BY run_id, key ORDER BY step DESC, rowid DESC) AS r
        FROM metrics)
    WHERE r = 1;
)sql",
            "create the version 2 tables");
}

constexpr Migration kMigrations[] = {
    migrateToV1,
    migrateToV2,
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
