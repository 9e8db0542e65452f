// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/projects/project.h"

#include "file_header.h"
#include "process_identity.h"
#include "schema.h"
#include "sha256.h"
#include "sqlite_db.h"
#include "tar_archive.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lumen::projects {

using detail::Connection;
using detail::Statement;
using detail::Transaction;

namespace {

constexpr const char* kRunColumns =
    "id, kind, model, device, host, status, parameters, summary, created_ms, started_ms, "
    "finished_ms, error, notes, "
    "(SELECT name FROM experiments WHERE experiments.id = runs.experiment_id), "
    "(SELECT group_concat(tag, char(31)) FROM "
    "(SELECT tag FROM run_tags WHERE run_tags.run_id = runs.id ORDER BY tag)), "
    "(SELECT family FROM models WHERE models.id = runs.model_id), "
    "(SELECT path FROM datasets WHERE datasets.id = runs.dataset_id), deleted_ms, "
    "(SELECT content_hash FROM models WHERE models.id = runs.model_id)";

constexpr const char* kArtifactColumns = "id, run_id, kind, path, size_bytes, created_ms, sha256";

/// Where a trashed run's folder waits: `<artifacts>/.trash/run-<id>`.
constexpr const char* kTrashFolder = ".trash";

constexpr const char* kInterruptedByCrash =
    "Interrupted: the program running it stopped before it finished (it crashed, was killed, "
    "or the computer restarted).";
constexpr const char* kInterruptedByClose =
    "Interrupted: the project was closed while the run was still running.";

fs::path absolutePath(const std::string& path)
{
    std::error_code ec;
    fs::path absolute = fs::absolute(fs::path(path), ec);
    if (ec) {
        absolute = fs::path(path);
    }
    return absolute.lexically_normal();
}

fs::path artifactsDirFor(const fs::path& projectFile)
{
    return projectFile.parent_path() / (projectFile.stem().string() + "_artifacts");
}

RunRecord readRun(const Statement& row)
{
    RunRecord run;
    run.id = row.int64(0);
    run.kind = row.text(1);
    run.model = row.text(2);
    run.device = row.text(3);
    run.host = row.text(4);
    // Only this code writes the status; an unknown one can only come from a hand-edited file.
    run.status = runStatusFromName(row.text(5)).value_or(RunStatus::Failed);
    run.parametersJson = row.text(6);
    run.summaryJson = row.text(7);
    run.createdMs = row.int64(8);
    if (!row.isNull(9)) {
        run.startedMs = row.int64(9);
    }
    if (!row.isNull(10)) {
        run.finishedMs = row.int64(10);
    }
    run.errorMessage = row.text(11);
    run.notes = row.text(12);
    run.experiment = row.text(13);
    const std::string tags = row.text(14);
    for (size_t begin = 0; !tags.empty() && begin <= tags.size();) {
        const size_t end = std::min(tags.find('\x1f', begin), tags.size());
        run.tags.push_back(tags.substr(begin, end - begin));
        begin = end + 1;
    }
    run.modelFamily = row.text(15);
    run.dataset = row.text(16);
    if (!row.isNull(17)) {
        run.trashedMs = row.int64(17);
    }
    run.modelHash = row.text(18);
    return run;
}

ArtifactRecord readArtifact(const Statement& row)
{
    ArtifactRecord artifact;
    artifact.id = row.int64(0);
    artifact.runId = row.int64(1);
    artifact.kind = row.text(2);
    artifact.relativePath = row.text(3);
    artifact.sizeBytes = row.int64(4);
    artifact.createdMs = row.int64(5);
    artifact.sha256 = row.text(6);
    return artifact;
}

// A relative path that stays inside the folder it is relative to (no root, no "..").
bool isInsideFolder(const std::string& relativePath)
{
    const fs::path relative = fs::path(relativePath).lexically_normal();
    if (relativePath.empty() || relative.empty() || relative.has_root_path()) {
        return false;
    }
    for (const fs::path& part : relative) {
        if (part == ".." || part == ".") {
            return false;
        }
    }
    return true;
}

std::string foreignMessage(const std::string& displayPath)
{
    return displayPath
           + " is an SQLite database but not a Lumen project. Choose a .lumen file made by "
             "Lumen; the file was not changed.";
}

// The rules shared by the header check (before SQLite opens the file) and the check through
// SQLite (which also sees a WAL file's newer pages). `tableCount` < 0: not known yet.
void checkIdentity(const std::string& displayPath, int64_t applicationId, int64_t userVersion,
                   int64_t tableCount)
{
    if (applicationId == Project::kApplicationId) {
        if (userVersion > Project::kSchemaVersion) {
            throw ProjectError(ProjectErrorKind::NewerSchema,
                               detail::newerSchemaMessage(displayPath, userVersion));
        }
        if (userVersion < 0) {
            throw ProjectError(ProjectErrorKind::Damaged,
                               displayPath + " is damaged: its schema version is "
                                   + std::to_string(userVersion)
                                   + ". Restore it from a backup; the file was not changed.");
        }
        return;
    }
    // A blank SQLite database (no tables, no ids) holds nothing to lose: it becomes a project.
    if (applicationId == 0 && userVersion == 0 && tableCount <= 0) {
        return;
    }
    throw ProjectError(ProjectErrorKind::NotAProject, foreignMessage(displayPath));
}

void useWalJournal(Connection& db)
{
    // Changing the journal mode needs the file to itself. SQLite gives up at once, without
    // its busy handler, when another connection's lock would deadlock with the wait (several
    // programs opening one blank file together): try again for a while before saying so.
    std::string mode;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        try {
            mode = db.pragmaText("journal_mode = WAL", "switch to WAL journaling");
            break;
        } catch (const ProjectError& e) {
            if (e.kind() != ProjectErrorKind::Busy || std::chrono::steady_clock::now() >= deadline) {
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (mode != "wal") {
        throw ProjectError(ProjectErrorKind::Io,
                           db.displayPath() + ": could not switch to WAL journaling (SQLite kept \""
                               + mode + "\"). Keep projects on a local disk. Nothing was changed.");
    }
    // With WAL, NORMAL keeps the database consistent through crashes; only the last
    // transactions before a power cut may be lost.
    db.exec("PRAGMA synchronous = NORMAL", "set the sync mode");
}

std::atomic<unsigned> temporaryCounter{0};

std::string temporaryName(const fs::path& folder, const std::string& name)
{
    return (folder
            / ("." + name + ".tmp-" + std::to_string(::getpid()) + "-"
               + std::to_string(temporaryCounter.fetch_add(1))))
        .string();
}

/// Gives `from` the name `to` unless `to` exists; false (and `from` untouched) if it does.
bool renameNoReplace(const std::string& from, const std::string& to, int* error)
{
    if (::link(from.c_str(), to.c_str()) == 0) {
        ::unlink(from.c_str());
        return true;
    }
    *error = errno;
    if (*error == EEXIST) {
        return false;
    }
    // File systems without hard links (FAT, some FUSE mounts).
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
        return true;
    }
    *error = errno;
    if (*error == EEXIST) {
        return false;
    }
    std::error_code ec;
    if (fs::symlink_status(to, ec).type() != fs::file_type::not_found) {
        *error = EEXIST;
        return false;
    }
    if (std::rename(from.c_str(), to.c_str()) == 0) {
        return true;
    }
    *error = errno;
    return false;
}

} // namespace

struct Project::Impl {
    static std::unique_ptr<Impl> make(const std::string& path)
    {
        if (path.empty()) {
            throw ProjectError(ProjectErrorKind::InvalidArgument,
                               "No project file was given. Choose a .lumen file.");
        }
        auto impl = std::make_unique<Impl>();
        const fs::path absolute = absolutePath(path);
        impl->path = absolute.string();
        impl->displayPath = path;
        impl->artifactsDir = artifactsDirFor(absolute);
        return impl;
    }

    std::string path;
    std::string displayPath;
    fs::path artifactsDir;
    std::unique_ptr<Connection> db;
    int schemaVersion = 0;
    bool readOnly = false;
    std::vector<int64_t> ownRunningRuns; ///< begun here, not finished yet
    std::vector<int64_t> ownTrashedRuns; ///< trashed here, still restorable

    /// The id of the experiment `name`, made when new (inside the caller's transaction).
    int64_t experimentId(const std::string& name, const std::string& description,
                         const std::string& action)
    {
        if (name.empty()) {
            invalid("an experiment needs a name.");
        }
        // A no-op update on a known name, so that RETURNING gives its id either way.
        Statement insert(*db,
                         "INSERT INTO experiments (name, description, created_ms) VALUES (?, ?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                         action);
        insert.bind(1, std::string_view(name))
            .bind(2, std::string_view(description))
            .bind(3, currentUnixMs());
        insert.step();
        return insert.int64(0);
    }

    /// The id of the model row of `path`, made when new; family and hash kept when given.
    int64_t modelId(const std::string& path, const std::string& family, const std::string& hash,
                    const std::string& action)
    {
        Statement upsert(*db,
                         "INSERT INTO models (path, family, content_hash, created_ms) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (path) DO UPDATE SET "
                         "family = CASE WHEN ?2 <> '' THEN ?2 ELSE family END, "
                         "content_hash = CASE WHEN ?3 <> '' THEN ?3 ELSE content_hash END "
                         "RETURNING id",
                         action);
        upsert.bind(1, std::string_view(path))
            .bind(2, std::string_view(family))
            .bind(3, std::string_view(hash))
            .bind(4, currentUnixMs());
        upsert.step();
        return upsert.int64(0);
    }

    int64_t datasetId(const DatasetRef& dataset, const std::string& action)
    {
        Statement upsert(*db,
                         "INSERT INTO datasets (path, content_hash, row_count, created_ms) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (path) DO UPDATE SET "
                         "content_hash = CASE WHEN ?2 <> '' THEN ?2 ELSE content_hash END, "
                         "row_count = coalesce(?3, row_count) RETURNING id",
                         action);
        upsert.bind(1, std::string_view(dataset.path))
            .bind(2, std::string_view(dataset.contentHash))
            .bind(4, currentUnixMs());
        if (dataset.rowCount) {
            upsert.bind(3, *dataset.rowCount);
        } else {
            upsert.bindNull(3);
        }
        upsert.step();
        return upsert.int64(0);
    }

    void checkTag(const std::string& tag) const
    {
        if (tag.empty() || tag.size() > 100 || tag.find('\x1f') != std::string::npos
            || tag.find_first_of("\n\r\t") != std::string::npos) {
            invalid("tag \"" + tag.substr(0, 40)
                    + "\" must be 1 to 100 characters on one line.");
        }
    }

    /// The trash folder of run `runId` and its place in the project.
    fs::path runFolder(int64_t runId) const
    {
        return artifactsDir / ("run-" + std::to_string(runId));
    }
    fs::path trashedFolder(int64_t runId) const
    {
        return artifactsDir / kTrashFolder / ("run-" + std::to_string(runId));
    }

    void requireWritable(const std::string& action) const
    {
        if (readOnly) {
            throw ProjectError(ProjectErrorKind::ReadOnly,
                               displayPath + " is open read-only, so Lumen cannot " + action
                                   + ". Nothing was changed. Make the file writable (or work "
                                     "on a copy) and open it again.");
        }
    }

    [[noreturn]] void invalid(const std::string& what) const
    {
        throw ProjectError(ProjectErrorKind::InvalidArgument,
                           displayPath + ": " + what + " Nothing was changed.");
    }

    [[noreturn]] void noSuchRun(int64_t runId) const
    {
        throw ProjectError(ProjectErrorKind::NotFound,
                           displayPath + ": run " + std::to_string(runId)
                               + " does not exist (it may have been deleted). Nothing was "
                                 "changed.");
    }

    /// The run's status; throws NotFound if there is no such run.
    RunStatus runStatus(int64_t runId, const std::string& action) const
    {
        Statement query(*db, "SELECT status FROM runs WHERE id = ?", action);
        query.bind(1, runId);
        if (!query.step()) {
            noSuchRun(runId);
        }
        return runStatusFromName(query.text(0)).value_or(RunStatus::Failed);
    }

    std::string jsonObject(const std::string& text, const std::string& what) const
    {
        if (text.empty()) {
            return "{}";
        }
        try {
            if (!nlohmann::json::parse(text).is_object()) {
                invalid(what + " must be a JSON object ({...}), not \"" + text.substr(0, 40)
                        + "\".");
            }
        } catch (const nlohmann::json::exception& error) {
            invalid(what + " are not valid JSON (" + error.what() + ").");
        }
        return text;
    }

    /// Marks runs whose process has ended as interrupted. Runs of live processes are left.
    void markInterruptedRuns()
    {
        std::vector<int64_t> dead;
        {
            Statement query(*db, "SELECT id, owner FROM runs WHERE status = 'running'",
                            "look for interrupted runs");
            while (query.step()) {
                if (!detail::processTokenIsAlive(query.text(1))) {
                    dead.push_back(query.int64(0));
                }
            }
        }
        if (dead.empty()) {
            return;
        }
        Transaction transaction(*db, "mark interrupted runs");
        Statement update(*db,
                         "UPDATE runs SET status = 'interrupted', error = ? "
                         "WHERE id = ? AND status = 'running'",
                         "mark interrupted runs");
        for (int64_t id : dead) {
            update.bind(1, std::string_view(kInterruptedByCrash)).bind(2, id);
            update.run();
            update.reset();
        }
        transaction.commit();
    }

    /// Runs trashed by processes that have ended can no longer be restored: delete them.
    std::vector<int64_t> deadTrash()
    {
        std::vector<int64_t> dead;
        Statement query(*db, "SELECT id, deleted_by FROM runs WHERE deleted_ms IS NOT NULL",
                        "look at the trash");
        while (query.step()) {
            if (!detail::processTokenIsAlive(query.text(1))) {
                dead.push_back(query.int64(0));
            }
        }
        return dead;
    }

    /// Called when the Project goes away: its own unfinished runs become interrupted.
    void interruptOwnRuns() noexcept
    {
        if (ownRunningRuns.empty() || readOnly || !db) {
            return;
        }
        try {
            Transaction transaction(*db, "mark unfinished runs interrupted");
            Statement update(*db,
                             "UPDATE runs SET status = 'interrupted', error = ?, finished_ms = ? "
                             "WHERE id = ? AND status = 'running'",
                             "mark unfinished runs interrupted");
            const int64_t now = currentUnixMs();
            for (int64_t id : ownRunningRuns) {
                update.bind(1, std::string_view(kInterruptedByClose)).bind(2, now).bind(3, id);
                update.run();
                update.reset();
            }
            transaction.commit();
        } catch (...) {
            // The next open marks them anyway (this process will have ended by then).
        }
    }

    /// Adds an artifact row inside its own transaction.
    ArtifactRecord insertArtifact(int64_t runId, const std::string& kind,
                                  const std::string& relativePath, int64_t sizeBytes,
                                  const std::string& sha256)
    {
        const std::string action = "record an artifact for run " + std::to_string(runId);
        Transaction transaction(*db, action);
        runStatus(runId, action);
        ArtifactRecord artifact;
        artifact.runId = runId;
        artifact.kind = kind;
        artifact.relativePath = relativePath;
        artifact.sizeBytes = sizeBytes;
        artifact.createdMs = currentUnixMs();
        artifact.sha256 = sha256;
        Statement insert(*db,
                         "INSERT INTO artifacts (run_id, kind, path, size_bytes, created_ms, "
                         "sha256) VALUES (?, ?, ?, ?, ?, ?)",
                         action);
        insert.bind(1, runId)
            .bind(2, std::string_view(kind))
            .bind(3, std::string_view(relativePath))
            .bind(4, sizeBytes)
            .bind(5, artifact.createdMs)
            .bind(6, std::string_view(sha256));
        insert.run();
        artifact.id = db->lastInsertRowid();
        transaction.commit();
        return artifact;
    }
};

Project::Project(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

Project::~Project()
{
    if (impl_) {
        impl_->interruptOwnRuns();
        try {
            emptyTrash(); // undo lasts as long as the session that deleted
        } catch (...) {
            // Left in the trash: the next open for writing empties it.
        }
    }
}

std::unique_ptr<Project> Project::open(const std::string& path)
{
    return openExisting(path, false);
}

std::unique_ptr<Project> Project::openReadOnly(const std::string& path)
{
    return openExisting(path, true);
}

std::unique_ptr<Project> Project::openExisting(const std::string& path, bool readOnly)
{
    std::unique_ptr<Impl> impl = Impl::make(path);
    const std::string& display = impl->displayPath;

    std::error_code ec;
    const fs::file_status status = fs::status(impl->path, ec);
    if (!fs::exists(status)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           display
                               + " does not exist. Check the path, or create a new project "
                                 "there.");
    }
    if (fs::is_directory(status)) {
        throw ProjectError(ProjectErrorKind::NotAProject,
                           display + " is a folder, not a project file. Choose a .lumen file.");
    }
    if (!fs::is_regular_file(status)) {
        throw ProjectError(ProjectErrorKind::NotAProject,
                           display
                               + " is not a regular file, so it is not a Lumen project. Choose "
                                 "a .lumen file.");
    }

    // Judge the file from its first bytes before SQLite touches it: SQLite would treat an
    // empty file as a new database and may create -wal/-shm files beside it.
    const detail::FileHeader header = detail::readFileHeader(impl->path, display);
    switch (header.kind) {
    case detail::FileHeader::Kind::Empty:
        throw ProjectError(ProjectErrorKind::NotAProject,
                           display
                               + " is an empty file, not a Lumen project. Choose a .lumen file "
                                 "made by Lumen; the file was not changed.");
    case detail::FileHeader::Kind::NotSqlite:
        throw ProjectError(ProjectErrorKind::NotAProject,
                           display
                               + " is not a Lumen project: it is not an SQLite database. Choose "
                                 "a .lumen file made by Lumen; the file was not changed.");
    case detail::FileHeader::Kind::Sqlite:
        checkIdentity(display, header.applicationId, header.userVersion, -1);
        break;
    }

    impl->readOnly = readOnly || ::access(impl->path.c_str(), W_OK) != 0;
    if (impl->readOnly && header.kind == detail::FileHeader::Kind::Sqlite
        && header.applicationId == 0) {
        // Blank (needs an upgrade, impossible read-only) or foreign: refused either way. A
        // read-only connection would leave -wal/-shm files beside a WAL file, so look at the
        // tables through an immutable one, only to pick the message.
        Connection probe(impl->path, display, detail::OpenMode::Immutable);
        Statement tables(probe, "SELECT count(*) FROM sqlite_schema", "read the schema");
        tables.step();
        checkIdentity(display, 0, 0, tables.int64(0));
    }
    impl->db = std::make_unique<Connection>(impl->path, display,
                                            impl->readOnly ? detail::OpenMode::ReadOnly
                                                           : detail::OpenMode::ReadWrite);
    if (impl->db->isReadOnly()) {
        impl->readOnly = true;
    }
    Connection& db = *impl->db;
    db.exec("PRAGMA foreign_keys = ON", "turn on foreign keys");
    // Reads through a memory map instead of a copy per page (a million-point series is tens
    // of megabytes of index; 290 -> 215 ms, and steadier), and a larger page cache for the run
    // table. Writes still go through write(). The price, as SQLite documents it: a read error
    // of the disk itself arrives as SIGBUS instead of an error code; projects live on local
    // disks (WAL needs one anyway).
    db.exec("PRAGMA mmap_size = 1073741824", "map the project file for reading");
    db.exec("PRAGMA cache_size = -16384", "size the page cache");

    // The same checks through SQLite, which also sees committed pages still in the WAL file.
    // Reads only, in one snapshot (another process may be upgrading the file right now);
    // nothing is written before the file is known to be a project.
    int64_t version = 0;
    {
        detail::ReadTransaction snapshot(db, "read the project's identity");
        const int64_t applicationId = db.pragmaInt("application_id", "read the application id");
        version = db.pragmaInt("user_version", "read the schema version");
        Statement tables(db, "SELECT count(*) FROM sqlite_schema", "read the schema");
        tables.step();
        checkIdentity(display, applicationId, version, tables.int64(0));
    }

    if (version < kSchemaVersion && impl->readOnly) {
        throw ProjectError(ProjectErrorKind::ReadOnly,
                           display + " uses an older project format (schema version "
                               + std::to_string(version)
                               + ") that must be upgraded, but it is read-only. Make it "
                                 "writable, or open a copy; the file was not changed.");
    }
    if (!impl->readOnly) {
        useWalJournal(db);
        detail::migrate(db);
        impl->markInterruptedRuns();
    }
    impl->schemaVersion = kSchemaVersion;
    std::unique_ptr<Project> project(new Project(std::move(impl)));
    if (!project->impl_->readOnly) {
        // What a session that ended (crashed, killed) left in the trash goes for good.
        for (const int64_t id : project->impl_->deadTrash()) {
            try {
                project->deleteRun(id);
            } catch (const ProjectError&) {
                // Another process emptied it first, or the disk refuses: try next time.
            }
        }
    }
    return project;
}

std::unique_ptr<Project> Project::create(const std::string& path)
{
    std::unique_ptr<Impl> impl = Impl::make(path);
    const std::string& display = impl->displayPath;

    std::error_code ec;
    if (fs::symlink_status(impl->path, ec).type() != fs::file_type::not_found) {
        throw ProjectError(ProjectErrorKind::AlreadyExists,
                           display
                               + " already exists. Lumen never overwrites a file: open it, or "
                                 "choose another name.");
    }
    const fs::path folder = fs::path(impl->path).parent_path();
    if (!fs::is_directory(folder, ec)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           display + ": the folder " + folder.string()
                               + " does not exist. Create it first, or choose another place "
                                 "for the project.");
    }
    if (fs::exists(impl->artifactsDir, ec) && !fs::is_empty(impl->artifactsDir, ec)) {
        throw ProjectError(ProjectErrorKind::AlreadyExists,
                           display + ": " + impl->artifactsDir.string()
                               + " already exists and holds files (from an earlier project of "
                                 "that name?). Move that folder away, or choose another name.");
    }

    // Build the project under a temporary name and give it its name only when complete, so
    // nobody (another process's openOrCreate) ever sees a half-made project, and an existing
    // file is never replaced, even one that appears meanwhile.
    const std::string temporary = temporaryName(folder, fs::path(impl->path).filename().string());
    auto removeTemporary = [&temporary] {
        std::error_code ignored;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            fs::remove(temporary + suffix, ignored);
        }
    };
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        const int error = errno;
        throw ProjectError(error == ENOSPC || error == EDQUOT ? ProjectErrorKind::DiskFull
                                                              : ProjectErrorKind::Io,
                           display + ": could not create the file (" + std::strerror(error)
                               + "). Check that the folder is writable and the disk is not "
                                 "full.");
    }
    ::close(fd);
    try {
        {
            Connection db(temporary, display, detail::OpenMode::ReadWrite);
            useWalJournal(db);
            detail::migrate(db);
        } // closing checkpoints the WAL into the file and removes it
        if (fs::exists(temporary + "-wal", ec)) {
            throw ProjectError(ProjectErrorKind::Io,
                               display
                                   + ": could not create the project (SQLite kept its WAL file). "
                                     "Keep projects on a local disk.");
        }
        int error = 0;
        if (!renameNoReplace(temporary, impl->path, &error)) {
            if (error == EEXIST) {
                throw ProjectError(ProjectErrorKind::AlreadyExists,
                                   display
                                       + " already exists. Lumen never overwrites a file: open "
                                         "it, or choose another name.");
            }
            throw ProjectError(error == ENOSPC || error == EDQUOT ? ProjectErrorKind::DiskFull
                                                                  : ProjectErrorKind::Io,
                               display + ": could not create the file (" + std::strerror(error)
                                   + "). Check that the folder is writable.");
        }
    } catch (...) {
        removeTemporary();
        throw;
    }
    removeTemporary();
    return openExisting(path, false);
}

std::unique_ptr<Project> Project::openOrCreate(const std::string& path)
{
    std::error_code ec;
    if (!path.empty() && fs::symlink_status(path, ec).type() == fs::file_type::not_found) {
        try {
            return create(path);
        } catch (const ProjectError& error) {
            if (error.kind() != ProjectErrorKind::AlreadyExists
                || fs::symlink_status(path, ec).type() == fs::file_type::not_found) {
                throw;
            }
            // Another process created it meanwhile: open theirs.
        }
    }
    return open(path);
}

const std::string& Project::path() const
{
    return impl_->path;
}

std::string Project::artifactsDir() const
{
    return impl_->artifactsDir.string();
}

int Project::schemaVersion() const
{
    return impl_->schemaVersion;
}

bool Project::isReadOnly() const
{
    return impl_->readOnly;
}

int64_t Project::externalChangeCount() const
{
    return impl_->db->pragmaInt("data_version", "check the project for changes");
}

// --- runs ---------------------------------------------------------------------------------

int64_t Project::beginRun(const RunSpec& spec)
{
    impl_->requireWritable("start a run");
    if (spec.kind.empty()) {
        impl_->invalid("a run needs a kind (\"forward\", \"train\", ...).");
    }
    const std::string parameters = impl_->jsonObject(spec.parametersJson, "the run's parameters");
    const std::string action = "start a " + spec.kind + " run";
    for (const std::string& tag : spec.tags) {
        impl_->checkTag(tag);
    }
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    Statement insert(db,
                     "INSERT INTO runs (kind, model, device, host, owner, status, parameters, "
                     "created_ms, started_ms, notes, experiment_id, model_id, dataset_id) "
                     "VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                     action);
    const int64_t now = currentUnixMs();
    const std::string host = detail::hostName();
    const std::string owner = detail::currentProcessToken();
    insert.bind(1, std::string_view(spec.kind))
        .bind(2, std::string_view(spec.model))
        .bind(3, std::string_view(spec.device))
        .bind(4, std::string_view(host))
        .bind(5, std::string_view(owner))
        .bind(6, std::string_view(parameters))
        .bind(7, now)
        .bind(8, now)
        .bind(9, std::string_view(spec.notes));
    if (spec.experiment.empty()) {
        insert.bindNull(10);
    } else {
        insert.bind(10, impl_->experimentId(spec.experiment, "", action));
    }
    if (spec.model.empty()) {
        insert.bindNull(11);
    } else {
        insert.bind(11, impl_->modelId(spec.model, spec.modelFamily, spec.modelHash, action));
    }
    if (spec.dataset.path.empty()) {
        insert.bindNull(12);
    } else {
        insert.bind(12, impl_->datasetId(spec.dataset, action));
    }
    insert.run();
    const int64_t id = db.lastInsertRowid();
    // The parameters as rows too, their JSON types kept (numbers compare as numbers).
    Statement params(db,
                     "INSERT INTO run_params (run_id, key, value) SELECT ?1, key, "
                     "CASE WHEN type IN ('object', 'array') THEN value ELSE atom END "
                     "FROM json_each(?2)",
                     action);
    params.bind(1, id).bind(2, std::string_view(parameters));
    params.run();
    Statement tag(db, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)", action);
    for (const std::string& t : spec.tags) {
        tag.bind(1, id).bind(2, std::string_view(t));
        tag.run();
        tag.reset();
    }
    transaction.commit();
    impl_->ownRunningRuns.push_back(id);
    return id;
}

void Project::finishRun(int64_t runId, RunStatus status, const std::string& summaryJson,
                        const std::string& error)
{
    const std::string action = "finish run " + std::to_string(runId);
    impl_->requireWritable(action);
    if (status != RunStatus::Completed && status != RunStatus::Cancelled
        && status != RunStatus::Failed) {
        impl_->invalid(std::string("a run finishes completed, cancelled or failed, not ")
                       + runStatusName(status) + ".");
    }
    const std::string summary = impl_->jsonObject(summaryJson, "the run's summary");
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    const RunStatus current = impl_->runStatus(runId, action);
    if (current != RunStatus::Running) {
        impl_->invalid("run " + std::to_string(runId) + " is already " + runStatusName(current)
                       + "; it cannot be finished again.");
    }
    Statement update(db,
                     "UPDATE runs SET status = ?, summary = ?, error = ?, finished_ms = ? "
                     "WHERE id = ?",
                     action);
    update.bind(1, std::string_view(runStatusName(status)))
        .bind(2, std::string_view(summary))
        .bind(3, std::string_view(error))
        .bind(4, currentUnixMs())
        .bind(5, runId);
    update.run();
    transaction.commit();
    auto& own = impl_->ownRunningRuns;
    own.erase(std::remove(own.begin(), own.end(), runId), own.end());
}

void Project::setNotes(int64_t runId, const std::string& notes)
{
    const std::string action = "save the notes of run " + std::to_string(runId);
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    Statement update(db, "UPDATE runs SET notes = ? WHERE id = ?", action);
    update.bind(1, std::string_view(notes)).bind(2, runId);
    update.run();
    if (db.changes() == 0) {
        impl_->noSuchRun(runId);
    }
    transaction.commit();
}

void Project::deleteRun(int64_t runId)
{
    const std::string action = "delete run " + std::to_string(runId);
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    std::vector<std::string> unreferenced;
    {
        Transaction transaction(db, action);
        if (impl_->runStatus(runId, action) == RunStatus::Running) {
            impl_->invalid("run " + std::to_string(runId)
                           + " is still running; finish or cancel it before deleting it.");
        }
        std::vector<std::string> paths;
        {
            Statement query(db, "SELECT DISTINCT path FROM artifacts WHERE run_id = ?", action);
            query.bind(1, runId);
            while (query.step()) {
                paths.push_back(query.text(0));
            }
        }
        Statement remove(db, "DELETE FROM runs WHERE id = ?", action); // cascades
        remove.bind(1, runId);
        remove.run();
        // A file another run also recorded stays.
        Statement shared(db, "SELECT count(*) FROM artifacts WHERE path = ?", action);
        for (const std::string& path : paths) {
            shared.bind(1, std::string_view(path));
            shared.step();
            if (shared.int64(0) == 0) {
                unreferenced.push_back(path);
            }
            shared.reset();
        }
        transaction.commit();
    }
    // The database is the record; files go only after the commit. Leftovers are harmless.
    std::error_code ec;
    for (const std::string& path : unreferenced) {
        if (isInsideFolder(path)) { // never follow a hand-edited path out of the folder
            fs::remove(impl_->artifactsDir / fs::path(path), ec);
        }
    }
    for (const fs::path& folder : { impl_->runFolder(runId), impl_->trashedFolder(runId) }) {
        if (fs::is_directory(fs::symlink_status(folder, ec))) {
            fs::remove_all(folder, ec);
        }
    }
    auto& own = impl_->ownTrashedRuns;
    own.erase(std::remove(own.begin(), own.end(), runId), own.end());
}

std::vector<RunRecord> Project::listRuns(const RunFilter& filter) const
{
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE "
        + (filter.trashed ? "deleted_ms IS NOT NULL" : "deleted_ms IS NULL");
    if (filter.kind) {
        sql += " AND kind = :kind";
    }
    if (filter.model) {
        sql += " AND model = :model";
    }
    if (filter.status) {
        sql += " AND status = :status";
    }
    if (filter.tag) {
        sql += " AND EXISTS (SELECT 1 FROM run_tags WHERE run_tags.run_id = runs.id AND tag = "
               ":tag)";
    }
    if (filter.experiment) {
        sql += " AND experiment_id = (SELECT id FROM experiments WHERE name = :experiment)";
    }
    std::string pattern;
    int64_t textId = -1;
    if (filter.text && !filter.text->empty()) {
        // LIKE with the wildcards of the text itself escaped.
        pattern = "%";
        for (const char c : *filter.text) {
            if (c == '%' || c == '_' || c == '\\') {
                pattern += '\\';
            }
            pattern += c;
        }
        pattern += '%';
        const std::string& t = *filter.text;
        if (t.size() < 19 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            textId = std::stoll(t);
        }
        sql += " AND (id = :id OR kind LIKE :text ESCAPE '\\' OR model LIKE :text ESCAPE '\\' "
               "OR notes LIKE :text ESCAPE '\\' OR parameters LIKE :text ESCAPE '\\' "
               "OR summary LIKE :text ESCAPE '\\' OR error LIKE :text ESCAPE '\\' "
               "OR EXISTS (SELECT 1 FROM run_tags WHERE run_tags.run_id = runs.id AND tag LIKE "
               ":text ESCAPE '\\') "
               "OR EXISTS (SELECT 1 FROM experiments WHERE experiments.id = runs.experiment_id "
               "AND name LIKE :text ESCAPE '\\'))";
    }
    sql += filter.newestFirst ? " ORDER BY created_ms DESC, id DESC" : " ORDER BY created_ms, id";
    sql += " LIMIT :limit OFFSET :offset";
    Statement query(*impl_->db, sql, "list the runs");
    int index = 1;
    if (filter.kind) {
        query.bind(index++, std::string_view(*filter.kind));
    }
    if (filter.model) {
        query.bind(index++, std::string_view(*filter.model));
    }
    if (filter.status) {
        query.bind(index++, std::string_view(runStatusName(*filter.status)));
    }
    if (filter.tag) {
        query.bind(index++, std::string_view(*filter.tag));
    }
    if (filter.experiment) {
        query.bind(index++, std::string_view(*filter.experiment));
    }
    if (!pattern.empty()) {
        query.bind(index++, textId);
        query.bind(index++, std::string_view(pattern)); // every :text is one parameter
    }
    query.bind(index++, filter.limit > 0 ? filter.limit : int64_t{-1});
    query.bind(index++, std::max<int64_t>(filter.offset, 0));
    std::vector<RunRecord> runs;
    while (query.step()) {
        runs.push_back(readRun(query));
    }
    return runs;
}

std::optional<RunRecord> Project::run(int64_t runId) const
{
    Statement query(*impl_->db, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?",
                    "read run " + std::to_string(runId));
    query.bind(1, runId);
    if (!query.step()) {
        return std::nullopt;
    }
    return readRun(query);
}

// --- metrics ------------------------------------------------------------------------------

void Project::addMetric(int64_t runId, const std::string& key, int64_t step, double value)
{
    addMetrics(runId, {MetricPoint{key, step, value, 0}});
}

void Project::addMetrics(int64_t runId, const std::vector<MetricPoint>& points)
{
    const std::string action = "record metrics for run " + std::to_string(runId);
    impl_->requireWritable(action);
    for (const MetricPoint& point : points) {
        if (point.key.empty()) {
            impl_->invalid("a metric needs a name (\"loss\", \"forward_ms\", ...).");
        }
    }
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    impl_->runStatus(runId, action);
    Statement insert(db,
                     "INSERT INTO metrics (run_id, key, step, value, time_ms) "
                     "VALUES (?, ?, ?, ?, ?)",
                     action);
    const int64_t now = currentUnixMs();
    for (const MetricPoint& point : points) {
        insert.bind(1, runId)
            .bind(2, std::string_view(point.key))
            .bind(3, point.step)
            .bind(5, point.timeMs != 0 ? point.timeMs : now);
        if (std::isnan(point.value)) {
            insert.bindNull(4); // SQLite would store NaN as NULL anyway; say so explicitly
        } else {
            insert.bind(4, point.value);
        }
        insert.run();
        insert.reset();
    }
    // The newest point of each key (the highest step; the later one of equal steps) and the
    // count, folded into metrics_latest with one statement per key, not per point.
    struct Newest {
        const MetricPoint* point = nullptr;
        int64_t count = 0;
    };
    std::map<std::string_view, Newest> newest;
    for (const MetricPoint& point : points) {
        Newest& n = newest[point.key];
        if (n.point == nullptr || point.step >= n.point->step) {
            n.point = &point;
        }
        ++n.count;
    }
    Statement latest(db,
                     "INSERT INTO metrics_latest (run_id, key, step, value, time_ms, points) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (run_id, key) DO UPDATE SET "
                     "value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END, "
                     "time_ms = CASE WHEN excluded.step >= step THEN excluded.time_ms "
                     "ELSE time_ms END, "
                     "step = max(step, excluded.step), points = points + excluded.points",
                     action);
    for (const auto& [key, n] : newest) {
        latest.bind(1, runId)
            .bind(2, key)
            .bind(3, n.point->step)
            .bind(5, n.point->timeMs != 0 ? n.point->timeMs : now)
            .bind(6, n.count);
        if (std::isnan(n.point->value)) {
            latest.bindNull(4);
        } else {
            latest.bind(4, n.point->value);
        }
        latest.run();
        latest.reset();
    }
    transaction.commit();
}

std::vector<MetricPoint> Project::metrics(int64_t runId, const std::string& key) const
{
    std::string sql = "SELECT key, step, value, time_ms FROM metrics WHERE run_id = ?";
    if (!key.empty()) {
        sql += " AND key = ?";
    }
    sql += " ORDER BY key, step, time_ms";
    Statement query(*impl_->db, sql, "read the metrics of run " + std::to_string(runId));
    query.bind(1, runId);
    if (!key.empty()) {
        query.bind(2, std::string_view(key));
    }
    std::vector<MetricPoint> points;
    while (query.step()) {
        const double value =
            query.isNull(2) ? std::numeric_limits<double>::quiet_NaN() : query.real(2);
        points.push_back(MetricPoint{query.text(0), query.int64(1), value, query.int64(3)});
    }
    return points;
}

std::vector<std::string> Project::metricKeys(int64_t runId) const
{
    Statement query(*impl_->db, "SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key",
                    "read the metric names of run " + std::to_string(runId));
    query.bind(1, runId);
    std::vector<std::string> keys;
    while (query.step()) {
        keys.push_back(query.text(0));
    }
    return keys;
}

MetricSeries Project::metricSeries(int64_t runId, const std::string& key) const
{
    Statement query(*impl_->db,
                    "SELECT step, value, time_ms FROM metrics WHERE run_id = ? AND key = ? "
                    "ORDER BY step, time_ms",
                    "read metric " + key + " of run " + std::to_string(runId));
    query.bind(1, runId).bind(2, std::string_view(key));
    MetricSeries series;
    series.key = key;
    // The latest-value table knows how many points there are: no regrowing of a million.
    {
        Statement count(*impl_->db,
                        "SELECT points FROM metrics_latest WHERE run_id = ? AND key = ?",
                        "count the points of metric " + key);
        count.bind(1, runId).bind(2, std::string_view(key));
        if (count.step()) {
            const auto n = static_cast<size_t>(std::max<int64_t>(0, count.int64(0)));
            series.steps.reserve(n);
            series.values.reserve(n);
            series.timesMs.reserve(n);
        }
    }
    while (query.step()) {
        series.steps.push_back(query.int64(0));
        series.values.push_back(query.isNull(1) ? std::numeric_limits<double>::quiet_NaN()
                                                : query.real(1));
        series.timesMs.push_back(query.int64(2));
    }
    return series;
}

// --- artifacts ----------------------------------------------------------------------------

ArtifactRecord Project::addArtifactFile(int64_t runId, const std::string& kind,
                                        const std::string& relativePath)
{
    impl_->requireWritable("record an artifact");
    if (kind.empty()) {
        impl_->invalid("an artifact needs a kind (\"attention\", \"checkpoint\", ...).");
    }
    const fs::path relative = fs::path(relativePath).lexically_normal();
    const bool escapes = !isInsideFolder(relativePath);
    if (escapes) {
        impl_->invalid("artifact path \"" + relativePath + "\" must be a path inside "
                       + impl_->artifactsDir.string() + ", relative to it, without \"..\".");
    }
    const fs::path full = impl_->artifactsDir / relative;
    std::error_code ec;
    if (!fs::is_regular_file(full, ec)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           impl_->displayPath + ": artifact file " + full.string()
                               + " does not exist. Put the file inside "
                               + impl_->artifactsDir.string()
                               + " before recording it. Nothing was changed.");
    }
    const auto size = fs::file_size(full, ec);
    return impl_->insertArtifact(runId, kind, relative.generic_string(),
                                 ec ? 0 : static_cast<int64_t>(size),
                                 detail::sha256OfFile(full.string()));
}

namespace {

[[noreturn]] void artifactWriteFailed(const std::string& displayPath, const fs::path& file,
                                      int error)
{
    const bool full = error == ENOSPC || error == EDQUOT || error == EFBIG;
    throw ProjectError(full ? ProjectErrorKind::DiskFull : ProjectErrorKind::Io,
                       displayPath + ": could not write artifact " + file.string() + " ("
                           + std::strerror(error) + ")" + (full ? "; the disk is full" : "")
                           + ". Nothing was recorded and no partial file was left. "
                           + (full ? "Free some disk space and try again."
                                   : "Check that the artifacts folder is writable."));
}

// Writes and flushes `bytes` into a new file; on failure removes it and throws.
void writeNewFile(const std::string& displayPath, const fs::path& file, std::string_view bytes)
{
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        artifactWriteFailed(displayPath, file, errno);
    }
    size_t written = 0;
    int error = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            break;
        }
        written += static_cast<size_t>(n);
    }
    if (error == 0 && ::fsync(fd) != 0) {
        error = errno;
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    if (error != 0) {
        ::unlink(file.c_str());
        artifactWriteFailed(displayPath, file, error);
    }
}

} // namespace

ArtifactRecord Project::writeArtifact(int64_t runId, const std::string& kind,
                                      const std::string& fileName, std::string_view bytes)
{
    const std::string action = "write an artifact for run " + std::to_string(runId);
    impl_->requireWritable(action);
    if (kind.empty()) {
        impl_->invalid("an artifact needs a kind (\"attention\", \"checkpoint\", ...).");
    }
    if (fileName.empty() || fileName == "." || fileName == ".." || fileName.size() > 200
        || fileName.find_first_of(std::string("/\\\0", 3)) != std::string::npos) {
        impl_->invalid("artifact file name \"" + fileName
                       + "\" must be a plain file name (no folders, at most 200 characters).");
    }
    impl_->runStatus(runId, action); // before writing any file

    const std::string folderName = "run-" + std::to_string(runId);
    const fs::path folder = impl_->artifactsDir / folderName;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) {
        artifactWriteFailed(impl_->displayPath, folder, ec.value());
    }

    const std::string temporary = temporaryName(folder, fileName);
    writeNewFile(impl_->displayPath, temporary, bytes);

    // Never overwrite: the first free name of name.ext, name-2.ext, name-3.ext, ...
    const fs::path name(fileName);
    std::string finalName = fileName;
    for (int n = 2;; ++n) {
        int error = 0;
        if (renameNoReplace(temporary, (folder / finalName).string(), &error)) {
            break;
        }
        if (error != EEXIST) {
            ::unlink(temporary.c_str());
            artifactWriteFailed(impl_->displayPath, folder / finalName, error);
        }
        finalName = name.stem().string() + "-" + std::to_string(n) + name.extension().string();
    }
    const fs::path target = folder / finalName;
    // Make the rename itself durable.
    const int folderFd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folderFd >= 0) {
        ::fsync(folderFd);
        ::close(folderFd);
    }

    try {
        return impl_->insertArtifact(runId, kind, folderName + "/" + finalName,
                                     static_cast<int64_t>(bytes.size()),
                                     detail::sha256Hex(bytes));
    } catch (...) {
        fs::remove(target, ec); // not recorded, so not kept
        throw;
    }
}

std::vector<ArtifactRecord> Project::artifacts(int64_t runId) const
{
    Statement query(*impl_->db,
                    std::string("SELECT ") + kArtifactColumns
                        + " FROM artifacts WHERE run_id = ? ORDER BY id",
                    "read the artifacts of run " + std::to_string(runId));
    query.bind(1, runId);
    std::vector<ArtifactRecord> artifacts;
    while (query.step()) {
        artifacts.push_back(readArtifact(query));
    }
    return artifacts;
}

std::string Project::artifactPath(const ArtifactRecord& artifact) const
{
    return (impl_->artifactsDir / fs::path(artifact.relativePath)).string();
}

} // namespace lumen::projects

namespace lumen::projects {

// --- trash --------------------------------------------------------------------------------

void Project::trashRun(int64_t runId)
{
    const std::string action = "move run " + std::to_string(runId) + " to the trash";
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    {
        Transaction transaction(db, action);
        if (impl_->runStatus(runId, action) == RunStatus::Running) {
            impl_->invalid("run " + std::to_string(runId)
                           + " is still running; finish or cancel it before deleting it.");
        }
        Statement update(db,
                         "UPDATE runs SET deleted_ms = ?, deleted_by = ? "
                         "WHERE id = ? AND deleted_ms IS NULL",
                         action);
        const std::string owner = detail::currentProcessToken();
        update.bind(1, currentUnixMs()).bind(2, std::string_view(owner)).bind(3, runId);
        update.run();
        if (db.changes() == 0) {
            impl_->invalid("run " + std::to_string(runId) + " is already in the trash.");
        }
        transaction.commit();
    }
    impl_->ownTrashedRuns.push_back(runId);
    // The files follow the record; if the move fails they stay where they are (restoreRun
    // and deleteRun handle both places).
    std::error_code ec;
    const fs::path from = impl_->runFolder(runId);
    if (fs::is_directory(fs::symlink_status(from, ec))) {
        fs::create_directories(impl_->artifactsDir / kTrashFolder, ec);
        fs::rename(from, impl_->trashedFolder(runId), ec);
    }
}

void Project::restoreRun(int64_t runId)
{
    const std::string action = "restore run " + std::to_string(runId) + " from the trash";
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    std::error_code ec;
    const fs::path trashed = impl_->trashedFolder(runId);
    const fs::path back = impl_->runFolder(runId);
    if (fs::is_directory(fs::symlink_status(trashed, ec))
        && fs::symlink_status(back, ec).type() == fs::file_type::not_found) {
        fs::rename(trashed, back, ec);
        if (ec) {
            throw ProjectError(ProjectErrorKind::Io,
                               impl_->displayPath + ": could not move " + trashed.string()
                                   + " back to " + back.string() + " (" + ec.message()
                                   + "). The run stays in the trash.");
        }
    }
    Transaction transaction(db, action);
    Statement update(db,
                     "UPDATE runs SET deleted_ms = NULL, deleted_by = '' "
                     "WHERE id = ? AND deleted_ms IS NOT NULL",
                     action);
    update.bind(1, runId);
    update.run();
    if (db.changes() == 0) {
        impl_->runStatus(runId, action); // NotFound for a run that is gone
        impl_->invalid("run " + std::to_string(runId) + " is not in the trash.");
    }
    transaction.commit();
    auto& own = impl_->ownTrashedRuns;
    own.erase(std::remove(own.begin(), own.end(), runId), own.end());
}

void Project::emptyTrash()
{
    if (impl_->readOnly) {
        return;
    }
    std::vector<int64_t> own;
    own.swap(impl_->ownTrashedRuns);
    for (const int64_t id : own) {
        const std::optional<RunRecord> record = run(id);
        if (record && record->trashedMs) {
            deleteRun(id);
        }
    }
}

// --- experiments, tags, parameters -------------------------------------------------------

int64_t Project::ensureExperiment(const std::string& name, const std::string& description)
{
    const std::string action = "make experiment \"" + name + "\"";
    impl_->requireWritable(action);
    Transaction transaction(*impl_->db, action);
    const int64_t id = impl_->experimentId(name, description, action);
    transaction.commit();
    return id;
}

void Project::setRunExperiment(int64_t runId, const std::string& name)
{
    const std::string action = "put run " + std::to_string(runId) + " in an experiment";
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    impl_->runStatus(runId, action);
    Statement update(db, "UPDATE runs SET experiment_id = ? WHERE id = ?", action);
    if (name.empty()) {
        update.bindNull(1);
    } else {
        update.bind(1, impl_->experimentId(name, "", action));
    }
    update.bind(2, runId);
    update.run();
    transaction.commit();
}

std::vector<ExperimentRecord> Project::experiments() const
{
    Statement query(*impl_->db,
                    "SELECT e.id, e.name, e.description, e.created_ms, "
                    "(SELECT count(*) FROM runs WHERE runs.experiment_id = e.id "
                    "AND runs.deleted_ms IS NULL) FROM experiments AS e ORDER BY e.name",
                    "list the experiments");
    std::vector<ExperimentRecord> out;
    while (query.step()) {
        out.push_back({ query.int64(0), query.text(1), query.text(2), query.int64(3),
            query.int64(4) });
    }
    return out;
}

void Project::addTag(int64_t runId, const std::string& tag)
{
    const std::string action = "tag run " + std::to_string(runId);
    impl_->requireWritable(action);
    impl_->checkTag(tag);
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    impl_->runStatus(runId, action);
    Statement insert(db, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)", action);
    insert.bind(1, runId).bind(2, std::string_view(tag));
    insert.run();
    transaction.commit();
}

void Project::removeTag(int64_t runId, const std::string& tag)
{
    const std::string action = "untag run " + std::to_string(runId);
    impl_->requireWritable(action);
    Connection& db = *impl_->db;
    Transaction transaction(db, action);
    impl_->runStatus(runId, action);
    Statement remove(db, "DELETE FROM run_tags WHERE run_id = ? AND tag = ?", action);
    remove.bind(1, runId).bind(2, std::string_view(tag));
    remove.run();
    transaction.commit();
}

namespace {

std::vector<std::string> column(Connection& db, const std::string& sql, const std::string& action)
{
    Statement query(db, sql, action);
    std::vector<std::string> out;
    while (query.step()) {
        out.push_back(query.text(0));
    }
    return out;
}

} // namespace

std::vector<std::string> Project::runKinds() const
{
    return column(*impl_->db,
                  "SELECT DISTINCT kind FROM runs WHERE deleted_ms IS NULL ORDER BY kind",
                  "list the kinds of runs");
}

std::vector<std::string> Project::runModels() const
{
    return column(*impl_->db,
                  "SELECT DISTINCT model FROM runs WHERE deleted_ms IS NULL AND model <> '' "
                  "ORDER BY model",
                  "list the models of the runs");
}

std::vector<std::pair<std::string, int64_t>> Project::tagCounts() const
{
    Statement query(*impl_->db,
                    "SELECT tag, count(*) FROM run_tags JOIN runs ON runs.id = run_tags.run_id "
                    "WHERE runs.deleted_ms IS NULL GROUP BY tag ORDER BY tag",
                    "list the tags");
    std::vector<std::pair<std::string, int64_t>> out;
    while (query.step()) {
        out.emplace_back(query.text(0), query.int64(1));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> Project::parameters(int64_t runId) const
{
    // From the JSON the run was begun with: run_params cannot tell the string "[1]" from the
    // array [1], the JSON can.
    std::vector<std::pair<std::string, std::string>> out;
    const std::optional<RunRecord> record = run(runId);
    if (!record) {
        impl_->noSuchRun(runId);
    }
    const nlohmann::json parsed = nlohmann::json::parse(record->parametersJson, nullptr, false);
    if (!parsed.is_object()) {
        return out;
    }
    for (const auto& [key, value] : parsed.items()) {
        out.emplace_back(key, value.dump());
    }
    return out; // nlohmann's object keeps keys sorted
}

std::vector<std::pair<std::string, std::vector<std::string>>> Project::differingParameters(
    const std::vector<int64_t>& runIds) const
{
    std::vector<std::map<std::string, std::string>> perRun;
    std::map<std::string, int> keys;
    for (const int64_t id : runIds) {
        std::map<std::string, std::string> values;
        for (auto& [key, value] : parameters(id)) {
            keys[key] = 0;
            values.emplace(key, std::move(value));
        }
        perRun.push_back(std::move(values));
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const auto& [key, unused] : keys) {
        std::vector<std::string> values;
        for (const auto& run : perRun) {
            const auto it = run.find(key);
            values.push_back(it == run.end() ? std::string() : it->second);
        }
        if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
            out.emplace_back(key, std::move(values));
        }
    }
    return out;
}

std::vector<MetricLatest> Project::latestMetrics(int64_t runId) const
{
    Statement query(*impl_->db,
                    "SELECT key, step, value, time_ms, points FROM metrics_latest "
                    "WHERE run_id = ? ORDER BY key",
                    "read the latest metrics of run " + std::to_string(runId));
    query.bind(1, runId);
    std::vector<MetricLatest> out;
    while (query.step()) {
        out.push_back({ query.text(0), query.int64(1),
            query.isNull(2) ? std::numeric_limits<double>::quiet_NaN() : query.real(2),
            query.int64(3), query.int64(4) });
    }
    return out;
}

std::vector<std::pair<int64_t, MetricLatest>> Project::allLatestMetrics() const
{
    Statement query(*impl_->db,
                    "SELECT run_id, key, step, value, time_ms, points FROM metrics_latest "
                    "ORDER BY run_id, key",
                    "read the latest metrics");
    std::vector<std::pair<int64_t, MetricLatest>> out;
    while (query.step()) {
        out.emplace_back(query.int64(0),
                         MetricLatest{query.text(1), query.int64(2),
                                      query.isNull(3) ? std::numeric_limits<double>::quiet_NaN()
                                                      : query.real(3),
                                      query.int64(4), query.int64(5)});
    }
    return out;
}

std::vector<ArtifactRecord> Project::missingArtifacts() const
{
    Statement query(*impl_->db,
                    std::string("SELECT ") + kArtifactColumns
                        + " FROM artifacts WHERE run_id IN (SELECT id FROM runs WHERE "
                          "deleted_ms IS NULL) ORDER BY run_id, id",
                    "look for missing artifact files");
    std::vector<ArtifactRecord> missing;
    std::error_code ec;
    while (query.step()) {
        ArtifactRecord artifact = readArtifact(query);
        if (!fs::is_regular_file(impl_->artifactsDir / fs::path(artifact.relativePath), ec)) {
            missing.push_back(std::move(artifact));
        }
    }
    return missing;
}

} // namespace lumen::projects

// --- archives -----------------------------------------------------------------------------

namespace lumen::projects {

int64_t Project::exportArchive(const std::string& archivePath) const
{
    const fs::path archive = absolutePath(archivePath);
    std::error_code ec;
    if (fs::symlink_status(archive, ec).type() != fs::file_type::not_found) {
        throw ProjectError(ProjectErrorKind::AlreadyExists,
                           archivePath + " already exists. Lumen never overwrites a file: choose "
                                         "another name.");
    }
    const fs::path folder = archive.parent_path();
    if (!fs::is_directory(folder, ec)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           archivePath + ": the folder " + folder.string()
                               + " does not exist. Create it first.");
    }
    const fs::path project(impl_->path);
    const std::string name = project.filename().string();
    const std::string artifacts = project.stem().string() + "_artifacts";
    const fs::path work = temporaryName(folder, "lumen-export");
    fs::create_directory(work, ec);
    if (ec) {
        throw ProjectError(ProjectErrorKind::Io, archivePath + ": cannot make a temporary folder in "
                                                     + folder.string() + " (" + ec.message() + ").");
    }
    const auto cleanUp = [&work] {
        std::error_code ignored;
        fs::remove_all(work, ignored);
    };
    try {
        // A consistent snapshot of the database, whatever other connections write meanwhile.
        const fs::path copy = work / name;
        {
            Statement vacuum(*impl_->db, "VACUUM INTO ?", "copy the project for the archive");
            vacuum.bind(1, std::string_view(copy.string()));
            vacuum.run();
        }
        {
            // The copy leaves the trash behind, and a run still going here is, in the copy,
            // one that will never finish.
            Connection copied(copy.string(), archivePath, detail::OpenMode::ReadWrite);
            copied.exec("PRAGMA foreign_keys = ON", "prepare the archived copy");
            Transaction transaction(copied, "prepare the archived copy");
            copied.exec("DELETE FROM runs WHERE deleted_ms IS NOT NULL",
                        "leave the trash out of the archive");
            Statement running(copied,
                              "UPDATE runs SET status = 'interrupted', error = ? "
                              "WHERE status = 'running'",
                              "mark running runs in the archive");
            running.bind(1, std::string_view("Interrupted: the project was archived while this "
                                             "run was still running."));
            running.run();
            transaction.commit();
        }
        std::vector<std::pair<std::string, std::string>> files{{name, copy.string()}};
        if (fs::is_directory(impl_->artifactsDir, ec)) {
            for (auto it = fs::recursive_directory_iterator(impl_->artifactsDir, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) {
                    break;
                }
                const fs::path relative = it->path().lexically_relative(impl_->artifactsDir);
                const std::string first = relative.begin()->string();
                if (first == kTrashFolder || it->path().filename().string().rfind(".", 0) == 0) {
                    if (it->is_directory()) {
                        it.disable_recursion_pending(); // the trash, temporary files
                    }
                    continue;
                }
                if (it->is_regular_file()) {
                    files.emplace_back(artifacts + "/" + relative.generic_string(),
                                       it->path().string());
                }
            }
        }
        const fs::path partial = work / "archive.tar";
        detail::writeTar(partial.string(), files);
        int error = 0;
        if (!renameNoReplace(partial.string(), archive.string(), &error)) {
            throw ProjectError(error == EEXIST ? ProjectErrorKind::AlreadyExists
                                               : ProjectErrorKind::Io,
                               archivePath + ": " + std::strerror(error) + ". Nothing was written.");
        }
        cleanUp();
        return static_cast<int64_t>(files.size());
    } catch (const ProjectError&) {
        cleanUp();
        throw;
    } catch (const std::exception& e) {
        cleanUp();
        throw ProjectError(ProjectErrorKind::Io,
                           archivePath + ": could not write the archive: " + e.what()
                               + ". Nothing was written; check the free disk space.");
    }
}

std::unique_ptr<Project> Project::importArchive(const std::string& archivePath,
                                                const std::string& projectPath)
{
    const fs::path target = absolutePath(projectPath);
    const fs::path targetArtifacts = artifactsDirFor(target);
    std::error_code ec;
    if (fs::symlink_status(target, ec).type() != fs::file_type::not_found) {
        throw ProjectError(ProjectErrorKind::AlreadyExists,
                           projectPath + " already exists. Lumen never overwrites a file: choose "
                                         "another name for the imported project.");
    }
    if (fs::exists(targetArtifacts, ec) && !fs::is_empty(targetArtifacts, ec)) {
        throw ProjectError(ProjectErrorKind::AlreadyExists,
                           projectPath + ": " + targetArtifacts.string()
                               + " already exists and holds files. Choose another name.");
    }
    if (!fs::is_regular_file(archivePath, ec)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           archivePath + " does not exist or is not a file.");
    }
    std::vector<detail::TarEntry> entries;
    try {
        entries = detail::readTar(archivePath);
    } catch (const std::exception& e) {
        throw ProjectError(ProjectErrorKind::NotAProject,
                           std::string(e.what()) + ". Nothing was imported.");
    }
    // Exactly one project file at the top, and its artifacts folder.
    std::string projectEntry;
    for (const detail::TarEntry& entry : entries) {
        const fs::path name(entry.name);
        if (!entry.directory && name.parent_path().empty() && name.extension() == ".lumen") {
            if (!projectEntry.empty()) {
                throw ProjectError(ProjectErrorKind::NotAProject,
                                   archivePath + " holds two project files (" + projectEntry
                                       + ", " + entry.name + "); a Lumen archive holds one. "
                                                             "Nothing was imported.");
            }
            projectEntry = entry.name;
        }
    }
    if (projectEntry.empty()) {
        throw ProjectError(ProjectErrorKind::NotAProject,
                           archivePath + " holds no .lumen project file, so it is not a Lumen "
                                         "project archive. Nothing was imported.");
    }
    const std::string artifactsPrefix = fs::path(projectEntry).stem().string() + "_artifacts/";
    const fs::path folder = target.parent_path();
    if (!fs::is_directory(folder, ec)) {
        throw ProjectError(ProjectErrorKind::NotFound,
                           projectPath + ": the folder " + folder.string() + " does not exist.");
    }
    const fs::path work = temporaryName(folder, "lumen-import");
    const auto cleanUp = [&] {
        std::error_code ignored;
        fs::remove_all(work, ignored);
    };
    bool placed = false;
    try {
        fs::create_directories(work / "artifacts");
        for (const detail::TarEntry& entry : entries) {
            fs::path destination;
            if (entry.name == projectEntry) {
                destination = work / "project.lumen";
            } else if (entry.name.rfind(artifactsPrefix, 0) == 0) {
                destination = work / "artifacts" / entry.name.substr(artifactsPrefix.size());
            } else if (entry.directory && entry.name + "/" == artifactsPrefix) {
                continue;
            } else {
                throw ProjectError(ProjectErrorKind::NotAProject,
                                   archivePath + " holds " + entry.name + ", which belongs to "
                                       "neither the project nor its artifacts. Nothing was "
                                       "imported.");
            }
            if (entry.directory) {
                fs::create_directories(destination);
                continue;
            }
            fs::create_directories(destination.parent_path());
            detail::extractTarEntry(archivePath, entry, destination.string());
        }
        // Into place: the artifacts first (an empty folder may already be there), then the
        // project file, never replacing anything.
        if (!fs::is_empty(work / "artifacts")) {
            fs::remove(targetArtifacts, ec); // only an empty one can be there
            fs::rename(work / "artifacts", targetArtifacts);
        }
        int error = 0;
        if (!renameNoReplace((work / "project.lumen").string(), target.string(), &error)) {
            if (fs::exists(targetArtifacts, ec)) {
                fs::remove_all(targetArtifacts, ec);
            }
            throw ProjectError(ProjectErrorKind::AlreadyExists,
                               projectPath + ": " + std::strerror(error) + ". Nothing was imported.");
        }
        placed = true;
        cleanUp();
        return open(target.string());
    } catch (const std::exception& e) {
        cleanUp();
        if (placed) {
            // It unpacked but is not a project Lumen can open: take it away again.
            for (const char* suffix : {"", "-wal", "-shm"}) {
                fs::remove(target.string() + suffix, ec);
            }
            fs::remove_all(targetArtifacts, ec);
        }
        if (const auto* error = dynamic_cast<const ProjectError*>(&e)) {
            throw ProjectError(error->kind(), std::string(e.what()) + (placed ? " Nothing was imported." : ""));
        }
        throw ProjectError(ProjectErrorKind::Io, archivePath + ": could not unpack it: " + e.what()
                                                     + ". Nothing was imported.");
    }
}

} // namespace lumen::projects
