// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement (always
// finalised) and an IMMEDIATE transaction (rolled back unless committed). Every failure
// becomes a ProjectError whose message names the project file and the action that failed.
// Thread safety: like sqlite3*, one thread at a time per Connection.

#include "lumen/projects/project_error.h"

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace lumen::projects::detail {

enum class OpenMode {
    ReadWrite, ///< read-write if the file allows it, else read-only
    ReadOnly,
    /// Read-only, no locks, no -wal/-shm files, pages in a WAL file not seen: only for a quick
    /// look at a file that will be refused anyway.
    Immutable,
};

class Connection {
public:
    /// Opens an existing file (never creates one). `displayPath` is what messages call it.
    Connection(const std::string& file, const std::string& displayPath, OpenMode mode);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* handle() const { return db_; }
    const std::string& displayPath() const { return displayPath_; }
    /// True when SQLite could only open the file for reading.
    bool isReadOnly() const;

    /// Runs SQL with no results (several statements allowed).
    void exec(const std::string& sql, const std::string& action);
    /// The single integer a PRAGMA returns (application_id, user_version, ...).
    int64_t pragmaInt(const std::string& pragma, const std::string& action);
    std::string pragmaText(const std::string& pragma, const std::string& action);

    /// Rows changed by the last INSERT/UPDATE/DELETE; the rowid of the last INSERT.
    int64_t changes() const;
    int64_t lastInsertRowid() const;

    /// Throws the ProjectError for SQLite result code `rc` while doing `action`.
    [[noreturn]] void fail(int rc, const std::string& action) const;

    /// Set by Transaction so error messages can say the change was rolled back.
    bool inWrite() const { return inWrite_; }
    void setInWrite(bool inWrite) { inWrite_ = inWrite; }

private:
    sqlite3* db_ = nullptr;
    std::string displayPath_;
    bool inWrite_ = false;
};

class Statement {
public:
    Statement(Connection& db, const std::string& sql, const std::string& action);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bindNull(int index);

    /// Advances; true while a row is available.
    bool step();
    /// Runs a statement that returns no rows.
    void run();
    /// Ready to bind and step again.
    void reset();

    bool isNull(int column) const;
    int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;

private:
    Connection& db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string action_;
};

/// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit() was called.
class Transaction {
public:
    Transaction(Connection& db, const std::string& action);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& db_;
    std::string action_;
    bool open_ = false;
};

/// BEGIN (deferred) on construction, ended on destruction: several reads see one snapshot.
class ReadTransaction {
public:
    ReadTransaction(Connection& db, const std::string& action);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
    Connection& db_;
};

} // namespace lumen::projects::detail
