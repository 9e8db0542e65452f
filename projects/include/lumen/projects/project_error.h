// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The one exception type lumen_projects throws. Every message names the project file, says
// what went wrong and what to do, and says whether the file was changed; callers show
// `what()` to the user as it is. `kind()` lets a caller react (offer to create a missing
// project, show a read-only banner) without parsing the text.
// Thread safety: a plain value type.

#include <stdexcept>
#include <string>

namespace lumen::projects {

enum class ProjectErrorKind {
    NotFound,        ///< the file, folder, run or artifact does not exist
    AlreadyExists,   ///< create() was given a path that exists (Lumen never overwrites)
    NotAProject,     ///< not an SQLite file, or an SQLite file that is not a Lumen project
    NewerSchema,     ///< written by a newer Lumen; this one cannot read it
    ReadOnly,        ///< the project was opened read-only, or the file cannot be written
    Busy,            ///< another program kept the project locked past the busy timeout
    DiskFull,        ///< SQLITE_FULL or ENOSPC; the transaction was rolled back
    Io,              ///< an I/O error (SQLITE_IOERR, a failed artifact write)
    Damaged,         ///< the database is corrupt
    InvalidArgument, ///< the caller passed something unusable (bad JSON, a bad file name)
    Internal,        ///< a bug in Lumen
};

/// "not-found", "disk-full", ... (stable, for logs and JSON output)
const char* projectErrorKindName(ProjectErrorKind kind);

class ProjectError : public std::runtime_error {
public:
    ProjectError(ProjectErrorKind kind, const std::string& message)
        : std::runtime_error(message)
        , kind_(kind)
    {
    }
    ProjectErrorKind kind() const { return kind_; }

private:
    ProjectErrorKind kind_;
};

} // namespace lumen::projects
