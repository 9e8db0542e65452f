// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Reads the first 100 bytes of a file with plain POSIX calls, so a project can be checked
// before SQLite opens it: SQLite would create -wal/-shm files beside a WAL database, and
// treats an empty file as an empty database.
// Thread safety: a pure function of the file.

#include <cstdint>
#include <string>

namespace lumen::projects::detail {

struct FileHeader {
    enum class Kind {
        Empty,     ///< 0 bytes
        NotSqlite, ///< does not start with "SQLite format 3\0", or shorter than the header
        Sqlite,    ///< an SQLite database header
    };
    Kind kind = Kind::NotSqlite;
    int32_t userVersion = 0;   ///< bytes 60..63, big-endian (PRAGMA user_version)
    int32_t applicationId = 0; ///< bytes 68..71, big-endian (PRAGMA application_id)
};

/// Throws ProjectError(Io) if the file cannot be read.
FileHeader readFileHeader(const std::string& path, const std::string& displayPath);

} // namespace lumen::projects::detail
