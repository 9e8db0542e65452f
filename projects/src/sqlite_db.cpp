// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "sqlite_db.h"

#include <sqlite3.h>

#include <cctype>
#include <cerrno>

namespace lumen::projects::detail {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// "file:" URI for a path (RFC 3986 percent-encoding of everything but unreserved and '/').
std::string fileUri(const std::string& path)
{
    static const char* hex = "0123456789ABCDEF";
    std::string uri = "file:";
    for (unsigned char c : path) {
        if (std::isalnum(c) != 0 || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            uri += static_cast<char>(c);
        } else {
            uri += '%';
            uri += hex[c >> 4];
            uri += hex[c & 15];
        }
    }
    return uri;
}

} // namespace

Connection::Connection(const std::string& file, const std::string& displayPath, OpenMode mode)
    : displayPath_(displayPath)
{
    // No SQLITE_OPEN_CREATE: a missing file is an error, never a new empty database.
    int flags = SQLITE_OPEN_EXRESCODE;
    std::string name = file;
    switch (mode) {
    case OpenMode::ReadWrite:
        flags |= SQLITE_OPEN_READWRITE;
        break;
    case OpenMode::ReadOnly:
        flags |= SQLITE_OPEN_READONLY;
        break;
    case OpenMode::Immutable:
        flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        name = fileUri(file) + "?immutable=1";
        break;
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        if (db_ == nullptr) {
            throw ProjectError(ProjectErrorKind::Internal,
                               displayPath_ + ": could not open: SQLite is out of memory.");
        }
        try {
            fail(rc, "open the project");
        } catch (...) {
            sqlite3_close(db_);
            db_ = nullptr;
            throw;
        }
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Connection::~Connection()
{
    if (db_ != nullptr) {
        sqlite3_close(db_);
    }
}

bool Connection::isReadOnly() const
{
    return sqlite3_db_readonly(db_, "main") == 1;
}

int64_t Connection::changes() const
{
    return sqlite3_changes64(db_);
}

int64_t Connection::lastInsertRowid() const
{
    return sqlite3_last_insert_rowid(db_);
}

void Connection::exec(const std::string& sql, const std::string& action)
{
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc, action);
    }
}

int64_t Connection::pragmaInt(const std::string& pragma, const std::string& action)
{
    Statement statement(*this, "PRAGMA " + pragma, action);
    return statement.step() ? statement.int64(0) : 0;
}

std::string Connection::pragmaText(const std::string& pragma, const std::string& action)
{
    Statement statement(*this, "PRAGMA " + pragma, action);
    return statement.step() ? statement.text(0) : std::string();
}

void Connection::fail(int rc, const std::string& action) const
{
    const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    const std::string head = displayPath_ + ": could not " + action + ": ";
    const std::string unchanged =
        inWrite_ ? "Nothing was lost: the change was rolled back. " : "Nothing was changed. ";
    const int systemErrno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
    switch (rc & 0xff) {
    case SQLITE_FULL:
        throw ProjectError(ProjectErrorKind::DiskFull, head + "the disk is full. " + unchanged
                                                           + "Free some disk space and try again.");
    case SQLITE_IOERR: {
        const bool full = systemErrno == ENOSPC || systemErrno == EFBIG || systemErrno == EDQUOT;
        throw ProjectError(full ? ProjectErrorKind::DiskFull : ProjectErrorKind::Io,
                           head + "disk I/O error (" + detail
                               + "); the disk may be full or failing. " + unchanged
                               + "Free some disk space or check the disk, and try again.");
    }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw ProjectError(ProjectErrorKind::Busy,
                           head + "another program kept the project locked for more than "
                               + std::to_string(kBusyTimeoutMs / 1000) + " seconds. " + unchanged
                               + "Try again, or close the other program using this project.");
    case SQLITE_READONLY:
        throw ProjectError(ProjectErrorKind::ReadOnly,
                           head + "the file or its folder cannot be written (" + detail + "). "
                               + unchanged
                               + "Make the file and its folder writable, or work on a copy.");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        throw ProjectError(ProjectErrorKind::Damaged, head + "the file is damaged (" + detail
                                                          + "). Restore it from a backup.");
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        throw ProjectError(ProjectErrorKind::Io,
                           head + "SQLite cannot open it (" + detail
                               + "). Check that the file and its folder can be read and "
                                 "written.");
    case SQLITE_NOMEM:
        throw ProjectError(ProjectErrorKind::Internal, head + "out of memory. " + unchanged
                                                           + "Close other programs and try again.");
    default:
        throw ProjectError(ProjectErrorKind::Internal,
                           head + detail + " (SQLite error " + std::to_string(rc) + "). "
                               + unchanged + "This is a bug in Lumen; please report it.");
    }
}

Statement::Statement(Connection& db, const std::string& sql, const std::string& action)
    : db_(db)
    , action_(action)
{
    const int rc =
        sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        db_.fail(rc, action_);
    }
}

Statement::~Statement()
{
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value)
{
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) {
        db_.fail(rc, action_);
    }
    return *this;
}

Statement& Statement::bind(int index, double value)
{
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) {
        db_.fail(rc, action_);
    }
    return *this;
}

Statement& Statement::bind(int index, std::string_view value)
{
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK) {
        db_.fail(rc, action_);
    }
    return *this;
}

Statement& Statement::bindNull(int index)
{
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) {
        db_.fail(rc, action_);
    }
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    db_.fail(rc, action_);
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::int64(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const
{
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const
{
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (data == nullptr) {
        return {};
    }
    return std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Transaction::Transaction(Connection& db, const std::string& action)
    : db_(db)
    , action_(action)
{
    // IMMEDIATE takes the write lock now, so waiting for another writer goes through the busy
    // timeout; a deferred transaction that upgrades later would fail with SQLITE_BUSY at once.
    db_.exec("BEGIN IMMEDIATE", action_);
    open_ = true;
    db_.setInWrite(true);
}

Transaction::~Transaction()
{
    if (open_) {
        // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back.
        if (sqlite3_get_autocommit(db_.handle()) == 0) {
            sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
        db_.setInWrite(false);
    }
}

void Transaction::commit()
{
    db_.exec("COMMIT", action_);
    open_ = false;
    db_.setInWrite(false);
}

ReadTransaction::ReadTransaction(Connection& db, const std::string& action)
    : db_(db)
{
    db_.exec("BEGIN", action);
}

ReadTransaction::~ReadTransaction()
{
    if (sqlite3_get_autocommit(db_.handle()) == 0) {
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr); // nothing written
    }
}

} // namespace lumen::projects::detail
