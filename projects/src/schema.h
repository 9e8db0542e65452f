// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The project schema as a list of migration steps; step N takes a file from schema version N
// to N + 1. See schema.cpp for how to add one.

#include "sqlite_db.h"

namespace lumen::projects::detail {

/// Brings the file from `fromVersion` to Project::kSchemaVersion: every step, then
/// user_version and application_id, in one IMMEDIATE transaction. The version is read again
/// inside the transaction, so two processes upgrading the same file at once do it once.
/// Returns the version the file had. Throws NewerSchema if the file turns out to be newer.
int migrate(Connection& db);

/// The message for a file written by a newer Lumen (used before and after opening).
std::string newerSchemaMessage(const std::string& displayPath, int64_t fileVersion);

} // namespace lumen::projects::detail
