// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The project database: create, write, reopen and read back; the pragmas a project file
// carries; migration from a blank SQLite file and from a frozen version-1 file; refusing a
// newer schema, a non-SQLite file and a foreign SQLite database without touching them;
// interrupted runs (also after kill -9 mid-write); cascading deletes; the trash; artifacts and
// their checksums, missing artifact files; experiments, tags, parameters and latest metrics
// (schema v2); several writers and migrating processes at once; an I/O failure that rolls
// back. Files are inspected through the SQLite C API directly, not through
// lumen_projects, so the checks do not trust the code under test.

#include "lumen/projects/fingerprint.h"
#include "lumen/projects/project.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <sqlite3.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <thread>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace lumen::projects;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

std::string s(const QString& text)
{
    return text.toStdString();
}

/// The ProjectError `call` throws, or nullopt if it throws none.
std::optional<ProjectError> errorFrom(const std::function<void()>& call)
{
    try {
        call();
    } catch (const ProjectError& error) {
        return error;
    }
    return std::nullopt;
}

QByteArray fileHash(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

QStringList entries(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

/// A plain SQLite connection for making and inspecting files behind lumen_projects' back.
class RawDb {
public:
    explicit RawDb(const QString& path, bool create = false)
    {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        rc_ = sqlite3_open_v2(path.toUtf8().constData(), &db_, flags, nullptr);
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    bool ok() const { return rc_ == SQLITE_OK; }
    /// Runs SQL; returns "" or SQLite's error message.
    QString exec(const QString& sql)
    {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql.toUtf8().constData(), nullptr, nullptr, &message);
        QString error;
        if (rc != SQLITE_OK) {
            error = QString::fromUtf8(message != nullptr ? message : "error");
        }
        sqlite3_free(message);
        return error;
    }
    /// A column of the first row, as text ("" when there is no row).
    QString value(const QString& sql, int column = 0)
    {
        sqlite3_stmt* statement = nullptr;
        QString result;
        if (sqlite3_prepare_v2(db_, sql.toUtf8().constData(), -1, &statement, nullptr) == SQLITE_OK
            && sqlite3_step(statement) == SQLITE_ROW) {
            const auto* text =
                reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
            result = QString::fromUtf8(text != nullptr ? text : "");
        }
        sqlite3_finalize(statement);
        return result;
    }
    qint64 integer(const QString& sql) { return value(sql).toLongLong(); }
    /// One column of every row.
    QStringList column(const QString& sql, int column)
    {
        sqlite3_stmt* statement = nullptr;
        QStringList result;
        if (sqlite3_prepare_v2(db_, sql.toUtf8().constData(), -1, &statement, nullptr)
            == SQLITE_OK) {
            while (sqlite3_step(statement) == SQLITE_ROW) {
                const auto* text =
                    reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
                result << QString::fromUtf8(text != nullptr ? text : "");
            }
        }
        sqlite3_finalize(statement);
        return result;
    }

private:
    sqlite3* db_ = nullptr;
    int rc_ = SQLITE_ERROR;
};

/// A blank SQLite database with a written header (an untouched one is 0 bytes).
void makeBlankSqlite(const QString& path)
{
    RawDb db(path, true);
    QVERIFY(db.ok());
    QCOMPARE(db.exec(QStringLiteral("CREATE TABLE t (x); DROP TABLE t;")), QString());
}

bool sameDouble(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(double)) == 0;
}

} // namespace

class TestProject : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void createWriteReopenRead();
    void listRunsFilters();
    void filePragmasAndSchema();
    void migratesBlankSqliteFile();
    void opensFrozenVersion1File();
    void experimentsTagsAndParameters();
    void latestMetricsFollowTheHighestStep();
    void trashAndRestore();
    void artifactChecksumsAndMissingFiles();
    void killedWriterLeavesAConsistentFile();
    void archiveExportAndImport();
    void modelFingerprints();
    void concurrentOpenOfBlankFile();
    void concurrentOpenOrCreate();
    void concurrentMigrationOfVersion1File();
    void refusesNewerSchema();
    void refusesNewerSchemaSeenOnlyInWal();
    void refusesNonSqliteFile_data();
    void refusesNonSqliteFile();
    void refusesForeignSqlite_data();
    void refusesForeignSqlite();
    void missingPathsAndOverwrites();
    void crashedRunMarkedInterrupted();
    void liveRunOfAnotherProjectIsLeftRunning();
    void closingMarksOwnRunsInterrupted();
    void deleteRunCascades();
    void writeArtifactIsAtomicAndRelative();
    void addArtifactFileChecksPaths();
    void twoWritersAtOnce();
    void writerWaitsForBusyLock();
    void ioFailureRollsBack();
    void readOnlyProject();
    void invalidInput();
    void timeFormatting();
    void statusNames();

private:
    QTemporaryDir dir_;
    QString file(const QString& name) const { return dir_.filePath(name); }
};

void TestProject::createWriteReopenRead()
{
    QVERIFY(dir_.isValid());
    const QString path = file(QStringLiteral("roundtrip.lumen"));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<MetricPoint> lossPoints = {
        {"loss", 0, 2.302585092994046, 1000},
        {"loss", 1, 1.25, 2000},
        {"loss", 2, nan, 3000},
        {"loss", 3, -inf, 4000},
        {"accuracy", 1, 0.1 + 0.2, 2500},
        {"loss", 4, 1e-300, 5000},
    };
    const std::string bytes("\x00\x01weights\xff", 10);
    int64_t first = 0;
    int64_t second = 0;
    RunRecord firstWritten;
    {
        auto project = Project::create(s(path));
        QCOMPARE(q(project->path()), QDir::cleanPath(path));
        QCOMPARE(q(project->artifactsDir()), file(QStringLiteral("roundtrip_artifacts")));
        QVERIFY(!QFileInfo::exists(q(project->artifactsDir()))); // made lazily
        QCOMPARE(project->schemaVersion(), Project::kSchemaVersion);
        QVERIFY(!project->isReadOnly());

        const int64_t before = currentUnixMs();
        first = project->beginRun({"train", "/models/tiny bert", "cpu",
                                   R"({"lr":0.001,"texts":["a","b"]})", "first notes"});
        const int64_t after = currentUnixMs();
        second = project->beginRun({"forward", "bert-base-uncased", "", "", ""});
        QVERIFY(second > first);

        project->addMetrics(first, lossPoints);
        project->addMetric(second, "forward_ms", 0, 12.5);
        const ArtifactRecord artifact =
            project->writeArtifact(first, "checkpoint", "model.safetensors", bytes);
        QCOMPARE(q(artifact.relativePath), QStringLiteral("run-%1/model.safetensors").arg(first));
        project->setNotes(first, "edited notes \xc3\xa9");
        project->finishRun(first, RunStatus::Completed, R"({"final_loss":1.25})");
        project->finishRun(second, RunStatus::Failed, "", "model.safetensors is truncated");

        const std::optional<RunRecord> record = project->run(first);
        QVERIFY(record);
        firstWritten = *record;
        QVERIFY(firstWritten.createdMs >= before && firstWritten.createdMs <= after);
        QVERIFY(firstWritten.startedMs && *firstWritten.startedMs >= before);
        QVERIFY(firstWritten.finishedMs && *firstWritten.finishedMs >= *firstWritten.startedMs);
    }

    auto project = Project::open(s(path));
    const std::optional<RunRecord> run = project->run(first);
    QVERIFY(run);
    QCOMPARE(run->id, first);
    QCOMPARE(q(run->kind), QStringLiteral("train"));
    QCOMPARE(q(run->model), QStringLiteral("/models/tiny bert"));
    QCOMPARE(q(run->device), QStringLiteral("cpu"));
    QCOMPARE(run->status, RunStatus::Completed);
    QCOMPARE(q(run->parametersJson), QStringLiteral(R"({"lr":0.001,"texts":["a","b"]})"));
    QCOMPARE(q(run->summaryJson), QStringLiteral(R"({"final_loss":1.25})"));
    QCOMPARE(q(run->notes), QString::fromUtf8("edited notes \xc3\xa9"));
    QCOMPARE(q(run->errorMessage), QString());
    QCOMPARE(run->createdMs, firstWritten.createdMs);
    QCOMPARE(run->startedMs, firstWritten.startedMs);
    QCOMPARE(run->finishedMs, firstWritten.finishedMs);
    QCOMPARE(run->durationMs(), *firstWritten.finishedMs - *firstWritten.startedMs);
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    QCOMPARE(q(run->host), QString::fromUtf8(host));

    const std::optional<RunRecord> failed = project->run(second);
    QVERIFY(failed);
    QCOMPARE(failed->status, RunStatus::Failed);
    QCOMPARE(q(failed->errorMessage), QStringLiteral("model.safetensors is truncated"));
    QCOMPARE(q(failed->parametersJson), QStringLiteral("{}")); // "" counts as {}
    QCOMPARE(q(failed->summaryJson), QStringLiteral("{}"));
    QVERIFY(!project->run(second + 100));

    // Metrics come back ordered by key, then step, with every double bit for bit.
    const std::vector<MetricPoint> points = project->metrics(first);
    QCOMPARE(points.size(), lossPoints.size());
    std::vector<MetricPoint> expected = lossPoints;
    std::stable_sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
        return a.key != b.key ? a.key < b.key : a.step < b.step;
    });
    for (size_t i = 0; i < points.size(); ++i) {
        QCOMPARE(q(points[i].key), q(expected[i].key));
        QCOMPARE(points[i].step, expected[i].step);
        QVERIFY2(sameDouble(points[i].value, expected[i].value),
                 qPrintable(QStringLiteral("point %1: %2 != %3")
                                .arg(i)
                                .arg(points[i].value, 0, 'g', 17)
                                .arg(expected[i].value, 0, 'g', 17)));
        QCOMPARE(points[i].timeMs, expected[i].timeMs);
    }
    QCOMPARE(project->metrics(first, "accuracy").size(), size_t{1});
    QCOMPARE(project->metrics(first, "accuracy")[0].value, 0.1 + 0.2);
    QCOMPARE(project->metricKeys(first), (std::vector<std::string>{"accuracy", "loss"}));
    const MetricSeries series = project->metricSeries(first, "loss");
    QCOMPARE(series.steps, (std::vector<int64_t>{0, 1, 2, 3, 4}));
    QCOMPARE(series.timesMs, (std::vector<int64_t>{1000, 2000, 3000, 4000, 5000}));
    QVERIFY(std::isnan(series.values[2]));
    QCOMPARE(series.values[3], -inf);
    const std::vector<MetricPoint> forward = project->metrics(second);
    QCOMPARE(forward.size(), size_t{1});
    QCOMPARE(forward[0].value, 12.5);
    QVERIFY(forward[0].timeMs > 0); // 0 means "now" on insert

    const std::vector<ArtifactRecord> artifacts = project->artifacts(first);
    QCOMPARE(artifacts.size(), size_t{1});
    QCOMPARE(q(artifacts[0].kind), QStringLiteral("checkpoint"));
    QCOMPARE(q(artifacts[0].relativePath), QStringLiteral("run-%1/model.safetensors").arg(first));
    QCOMPARE(artifacts[0].sizeBytes, int64_t(bytes.size()));
    QCOMPARE(artifacts[0].runId, first);
    const QString artifactFile = q(project->artifactPath(artifacts[0]));
    QCOMPARE(artifactFile,
             file(QStringLiteral("roundtrip_artifacts/run-%1/model.safetensors").arg(first)));
    QCOMPARE(fileBytes(artifactFile), QByteArray(bytes.data(), int(bytes.size())));
    QVERIFY(project->artifacts(second).empty());
}

void TestProject::listRunsFilters()
{
    const QString path = file(QStringLiteral("list.lumen"));
    auto project = Project::create(s(path));
    std::vector<int64_t> ids;
    for (int i = 0; i < 6; ++i) {
        ids.push_back(project->beginRun(
            {i % 2 == 0 ? "forward" : "bench", i < 3 ? "modelA" : "modelB", "cpu", "{}", ""}));
        if (i != 5) {
            project->finishRun(ids.back(), i == 4 ? RunStatus::Cancelled : RunStatus::Completed);
        }
    }
    auto idsOf = [](const std::vector<RunRecord>& runs) {
        std::vector<int64_t> result;
        for (const RunRecord& run : runs) {
            result.push_back(run.id);
        }
        return result;
    };
    // Runs made within one millisecond share created_ms; the id breaks the tie.
    QCOMPARE(idsOf(project->listRuns()),
             (std::vector<int64_t>{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}));
    RunFilter oldest;
    oldest.newestFirst = false;
    oldest.limit = 2;
    oldest.offset = 1;
    QCOMPARE(idsOf(project->listRuns(oldest)), (std::vector<int64_t>{ids[1], ids[2]}));
    RunFilter kind;
    kind.kind = "bench";
    QCOMPARE(idsOf(project->listRuns(kind)), (std::vector<int64_t>{ids[5], ids[3], ids[1]}));
    RunFilter status;
    status.status = RunStatus::Cancelled;
    QCOMPARE(idsOf(project->listRuns(status)), (std::vector<int64_t>{ids[4]}));
    RunFilter combined;
    combined.model = "modelB";
    combined.status = RunStatus::Completed;
    QCOMPARE(idsOf(project->listRuns(combined)), (std::vector<int64_t>{ids[3]}));
    project->finishRun(ids[5], RunStatus::Completed);
}

void TestProject::filePragmasAndSchema()
{
    const QString path = file(QStringLiteral("pragmas.lumen"));
    Project::create(s(path));
    // journal_mode=wal is stored in the file (header bytes 18 and 19 are 2).
    const QByteArray header = fileBytes(path).left(100);
    QCOMPARE(int(header[18]), 2);
    QCOMPARE(int(header[19]), 2);
    RawDb db(path);
    QVERIFY(db.ok());
    QCOMPARE(db.value(QStringLiteral("PRAGMA journal_mode")), QStringLiteral("wal"));
    QCOMPARE(db.integer(QStringLiteral("PRAGMA user_version")), qint64(Project::kSchemaVersion));
    QCOMPARE(db.integer(QStringLiteral("PRAGMA application_id")), qint64(Project::kApplicationId));
    QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    for (const char* name :
         {"runs", "metrics", "artifacts", "metrics_series", "runs_created", "experiments",
          "models", "datasets", "run_params", "run_tags", "metrics_latest", "run_params_key",
          "run_tags_tag"}) {
        QVERIFY2(db.integer(QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE name = '%1'")
                                .arg(QLatin1String(name)))
                     == 1,
                 name);
    }
    // The metrics index serves a run's series in order from the index alone, without a sort
    // step or a table lookup per point.
    const QString plan =
        db.column(QStringLiteral("EXPLAIN QUERY PLAN SELECT step, value, time_ms FROM metrics "
                                 "WHERE run_id = 1 AND key = 'loss' ORDER BY step, time_ms"),
                  /*column=*/3)
            .join(QLatin1Char('|'));
    QVERIFY2(plan.contains(QStringLiteral("USING COVERING INDEX metrics_series")), qPrintable(plan));
    QVERIFY2(!plan.contains(QStringLiteral("TEMP B-TREE")), qPrintable(plan));
    const QString runsPlan = db.column(QStringLiteral("EXPLAIN QUERY PLAN SELECT id FROM runs "
                                                      "ORDER BY created_ms DESC, id DESC LIMIT 50"),
                                       /*column=*/3)
                                 .join(QLatin1Char('|'));
    QVERIFY2(runsPlan.contains(QStringLiteral("runs_created")), qPrintable(runsPlan));
    QVERIFY2(!runsPlan.contains(QStringLiteral("TEMP B-TREE")), qPrintable(runsPlan));

    // foreign_keys is a per-connection setting: a project's own connection has it on, which
    // shows as the cascade in deleteRunCascades. Here: the schema declares the cascade.
    QCOMPARE(db.value(QStringLiteral(
                 "SELECT on_delete FROM pragma_foreign_key_list('metrics') WHERE \"table\" = "
                 "'runs'")),
             QStringLiteral("CASCADE"));
    QCOMPARE(db.value(QStringLiteral(
                 "SELECT on_delete FROM pragma_foreign_key_list('artifacts') WHERE \"table\" = "
                 "'runs'")),
             QStringLiteral("CASCADE"));
}

void TestProject::migratesBlankSqliteFile()
{
    const QString path = file(QStringLiteral("blank.lumen"));
    makeBlankSqlite(path);
    {
        RawDb db(path);
        QCOMPARE(db.integer(QStringLiteral("PRAGMA user_version")), qint64(0));
        QCOMPARE(db.value(QStringLiteral("PRAGMA journal_mode")), QStringLiteral("delete"));
    }
    {
        auto project = Project::open(s(path));
        QCOMPARE(project->schemaVersion(), Project::kSchemaVersion);
        const int64_t id = project->beginRun({"tokenize", "m", "", "{}", ""});
        project->addMetric(id, "tokens", 0, 7);
        project->finishRun(id, RunStatus::Completed);
    }
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("PRAGMA user_version")), qint64(Project::kSchemaVersion));
    QCOMPARE(db.integer(QStringLiteral("PRAGMA application_id")), qint64(Project::kApplicationId));
    QCOMPARE(db.value(QStringLiteral("PRAGMA journal_mode")), QStringLiteral("wal"));
    QCOMPARE(db.value(QStringLiteral("SELECT value FROM metrics WHERE key = 'tokens'")),
             QStringLiteral("7.0"));
}

namespace {

/// A version-1 file written with the version-1 SQL frozen here, holding data.
void writeFrozenV1(const QString& path)
{
    {
        RawDb db(path, true);
        QVERIFY(db.ok());
        QCOMPARE(db.exec(QStringLiteral(R"sql(
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, model TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}', summary TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL, started_ms INTEGER, finished_ms INTEGER,
    error TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_created ON runs (created_ms);
CREATE INDEX runs_running ON runs (status) WHERE status = 'running';
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, key TEXT NOT NULL,
    step INTEGER NOT NULL, value REAL, time_ms INTEGER NOT NULL);
CREATE INDEX metrics_run_key_step ON metrics (run_id, key, step);
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, path TEXT NOT NULL, size_bytes INTEGER NOT NULL DEFAULT 0,
    created_ms INTEGER NOT NULL);
CREATE INDEX artifacts_run ON artifacts (run_id);
INSERT INTO runs (id, kind, model, device, host, owner, status, parameters, summary,
                  created_ms, started_ms, finished_ms, error, notes)
VALUES (7, 'bench', 'bert', 'cpu', 'box', 'x/1/2', 'completed', '{"batch":8}',
        '{"median_ms":185}', 1700000000000, 1700000000100, 1700000005100, '', 'old');
INSERT INTO metrics VALUES (7, 'forward_ms', 0, 185.5, 1700000001000);
INSERT INTO metrics VALUES (7, 'forward_ms', 1, NULL, 1700000002000);
INSERT INTO artifacts VALUES (3, 7, 'report', 'run-7/report.json', 42, 1700000005000);
PRAGMA user_version = 1;
PRAGMA application_id = 1280658766;
COMMIT;
)sql")),
                 QString());
    }
}

} // namespace

// The frozen version-1 file opens with every row kept, and v1 -> v2 back-fills the new tables.
void TestProject::opensFrozenVersion1File()
{
    const QString path = file(QStringLiteral("frozen_v1.lumen"));
    writeFrozenV1(path);
    auto project = Project::open(s(path));
    QCOMPARE(project->schemaVersion(), Project::kSchemaVersion);
    const std::optional<RunRecord> run = project->run(7);
    QVERIFY(run);
    QCOMPARE(q(run->kind), QStringLiteral("bench"));
    QCOMPARE(run->status, RunStatus::Completed);
    QCOMPARE(q(run->parametersJson), QStringLiteral(R"({"batch":8})"));
    QCOMPARE(q(run->summaryJson), QStringLiteral(R"({"median_ms":185})"));
    QCOMPARE(run->createdMs, int64_t(1700000000000));
    QCOMPARE(run->durationMs(), int64_t(5000));
    QCOMPARE(q(run->notes), QStringLiteral("old"));
    const std::vector<MetricPoint> points = project->metrics(7);
    QCOMPARE(points.size(), size_t{2});
    QCOMPARE(points[0].value, 185.5);
    QVERIFY(std::isnan(points[1].value));
    const std::vector<ArtifactRecord> artifacts = project->artifacts(7);
    QCOMPARE(artifacts.size(), size_t{1});
    QCOMPARE(q(artifacts[0].relativePath), QStringLiteral("run-7/report.json"));
    QCOMPARE(artifacts[0].sizeBytes, int64_t(42));
    // AUTOINCREMENT continues after the highest id ever used.
    QCOMPARE(project->beginRun({"forward", "", "", "{}", ""}), int64_t(8));

    // v1 -> v2 back-filled the new tables from the old rows.
    const std::vector<MetricLatest> latest = project->latestMetrics(7);
    QCOMPARE(latest.size(), size_t{1});
    QCOMPARE(q(latest[0].key), QStringLiteral("forward_ms"));
    QCOMPARE(latest[0].step, int64_t(1));
    QVERIFY(std::isnan(latest[0].value));
    QCOMPARE(latest[0].points, int64_t(2));
    QCOMPARE(latest[0].timeMs, int64_t(1700000002000));
    QCOMPARE(project->parameters(7),
             (std::vector<std::pair<std::string, std::string>>{{"batch", "8"}}));
    QVERIFY(project->artifacts(7)[0].sha256.empty()); // v1 kept no checksums
    project.reset();
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("SELECT value FROM run_params WHERE run_id = 7 AND "
                                       "key = 'batch' AND typeof(value) = 'integer'")),
             qint64(8));
    QCOMPARE(db.value(QStringLiteral("SELECT path FROM models")), QStringLiteral("bert"));
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs WHERE model_id = "
                                       "(SELECT id FROM models WHERE path = 'bert')")),
             qint64(1));
    QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    QCOMPARE(db.value(QStringLiteral("PRAGMA foreign_key_check")), QString());
}

// Experiments, tags and parameters: recorded with a run, filterable in listRuns and in SQL,
// and compared between runs.
void TestProject::experimentsTagsAndParameters()
{
    const QString path = file(QStringLiteral("tags.lumen"));
    auto project = Project::create(s(path));
    RunSpec a{"train", "/models/tiny", "cpu", R"({"lr":0.001,"epochs":3,"frozen":["emb"]})", ""};
    a.experiment = "sweep";
    a.tags = {"baseline", "small"};
    a.modelFamily = "bert";
    a.dataset = {"/data/sst2.csv", "abc123", 6920};
    const int64_t first = project->beginRun(a);
    RunSpec b{"train", "/models/tiny", "cpu", R"({"lr":0.01,"epochs":3,"seed":7})", "50% off_"};
    b.experiment = "sweep";
    b.tags = {"small"};
    const int64_t second = project->beginRun(b);
    const int64_t third = project->beginRun({"forward", "gpt2", "", "{}", "plain"});
    for (const int64_t id : {first, second, third}) {
        project->finishRun(id, RunStatus::Completed);
    }

    const std::optional<RunRecord> record = project->run(first);
    QVERIFY(record);
    QCOMPARE(q(record->experiment), QStringLiteral("sweep"));
    QCOMPARE(record->tags, (std::vector<std::string>{"baseline", "small"}));
    QCOMPARE(q(record->modelFamily), QStringLiteral("bert"));
    QCOMPARE(q(record->dataset), QStringLiteral("/data/sst2.csv"));
    QVERIFY(!record->trashedMs);

    const auto idsOf = [&](const RunFilter& filter) {
        std::vector<int64_t> out;
        for (const RunRecord& r : project->listRuns(filter)) {
            out.push_back(r.id);
        }
        return out;
    };
    RunFilter tagged;
    tagged.tag = "small";
    QCOMPARE(idsOf(tagged), (std::vector<int64_t>{second, first}));
    tagged.tag = "baseline";
    QCOMPARE(idsOf(tagged), (std::vector<int64_t>{first}));
    RunFilter experiment;
    experiment.experiment = "sweep";
    QCOMPARE(idsOf(experiment), (std::vector<int64_t>{second, first}));
    experiment.experiment = "no such";
    QVERIFY(idsOf(experiment).empty());
    // Free text: parameters, notes (wildcards are literal), tags, experiment, the id.
    RunFilter text;
    text.text = "0.01";
    QCOMPARE(idsOf(text), (std::vector<int64_t>{second}));
    text.text = "50%";
    QCOMPARE(idsOf(text), (std::vector<int64_t>{second}));
    text.text = "off_";
    QCOMPARE(idsOf(text), (std::vector<int64_t>{second}));
    text.text = "o_f"; // "_" is not a wildcard
    QVERIFY(idsOf(text).empty());
    text.text = "BASELINE"; // case-insensitive
    QCOMPARE(idsOf(text), (std::vector<int64_t>{first}));
    text.text = "SWEEP";
    QCOMPARE(idsOf(text), (std::vector<int64_t>{second, first}));
    text.text = std::to_string(third);
    QCOMPARE(idsOf(text).front(), third);

    project->addTag(third, "gpt");
    project->addTag(third, "gpt"); // once
    project->removeTag(first, "baseline");
    project->setRunExperiment(third, "other");
    project->setRunExperiment(second, "");
    QCOMPARE(project->tagCounts(),
             (std::vector<std::pair<std::string, int64_t>>{{"gpt", 1}, {"small", 2}}));
    const std::vector<ExperimentRecord> experiments = project->experiments();
    QCOMPARE(experiments.size(), size_t{2});
    QCOMPARE(q(experiments[0].name), QStringLiteral("other"));
    QCOMPARE(experiments[0].runCount, int64_t(1));
    QCOMPARE(q(experiments[1].name), QStringLiteral("sweep"));
    QCOMPARE(experiments[1].runCount, int64_t(1));
    QCOMPARE(project->ensureExperiment("sweep"), experiments[1].id);
    QVERIFY(errorFrom([&] { project->addTag(first, ""); }));
    QVERIFY(errorFrom([&] { project->addTag(first, "two\nlines"); }));
    QCOMPARE(errorFrom([&] { project->addTag(999, "x"); })->kind(), ProjectErrorKind::NotFound);

    // Parameters keep their JSON types, and the ones that differ are found.
    QCOMPARE(project->parameters(first),
             (std::vector<std::pair<std::string, std::string>>{
                 {"epochs", "3"}, {"frozen", R"(["emb"])"}, {"lr", "0.001"}}));
    const auto differing = project->differingParameters({first, second});
    QCOMPARE(differing.size(), size_t{3}); // frozen, lr, seed; not epochs
    QCOMPARE(q(differing[0].first), QStringLiteral("frozen"));
    QCOMPARE(differing[0].second, (std::vector<std::string>{R"(["emb"])", ""}));
    QCOMPARE(q(differing[1].first), QStringLiteral("lr"));
    QCOMPARE(differing[1].second, (std::vector<std::string>{"0.001", "0.01"}));
    QCOMPARE(q(differing[2].first), QStringLiteral("seed"));
    project.reset();

    // In SQL, numbers compare as numbers; the model and dataset rows are there.
    RawDb db(path);
    QCOMPARE(db.column(QStringLiteral("SELECT run_id FROM run_params WHERE key = 'lr' AND "
                                      "value < 0.005"),
                       0),
             QStringList{QString::number(first)});
    QCOMPARE(db.value(QStringLiteral("SELECT family FROM models WHERE path = '/models/tiny'")),
             QStringLiteral("bert"));
    QCOMPARE(db.value(QStringLiteral("SELECT content_hash || ' ' || row_count FROM datasets")),
             QStringLiteral("abc123 6920"));
}

// metrics_latest follows the highest step whatever the order of inserts, counts every point,
// and lets a listing read one row per metric.
void TestProject::latestMetricsFollowTheHighestStep()
{
    auto project = Project::create(s(file(QStringLiteral("latest.lumen"))));
    const int64_t id = project->beginRun({"train", "", "", "{}", ""});
    project->addMetrics(id, {{"loss", 5, 0.5, 1000}, {"loss", 2, 0.9, 2000},
                             {"acc", 1, 0.1, 3000}, {"loss", 5, 0.4, 4000}});
    project->addMetrics(id, {{"loss", 3, 0.7, 5000}}); // an older step later: not the latest
    project->addMetric(id, "acc", 9, std::numeric_limits<double>::quiet_NaN());
    const std::vector<MetricLatest> latest = project->latestMetrics(id);
    QCOMPARE(latest.size(), size_t{2});
    QCOMPARE(q(latest[0].key), QStringLiteral("acc"));
    QCOMPARE(latest[0].step, int64_t(9));
    QVERIFY(std::isnan(latest[0].value));
    QCOMPARE(latest[0].points, int64_t(2));
    QCOMPARE(q(latest[1].key), QStringLiteral("loss"));
    QCOMPARE(latest[1].step, int64_t(5));
    QCOMPARE(latest[1].value, 0.4); // of two points at step 5, the later
    QCOMPARE(latest[1].timeMs, int64_t(4000));
    QCOMPARE(latest[1].points, int64_t(4));
    // The same as computed from the full history.
    const std::vector<MetricPoint> all = project->metrics(id, "loss");
    QCOMPARE(static_cast<int64_t>(all.size()), latest[1].points);
    QCOMPARE(all.back().step, latest[1].step);
    QCOMPARE(all.back().value, latest[1].value);
}

// Deleting goes through the trash: hidden, files set aside, restorable while the Project that
// trashed it lives; emptied for good when it goes, or on the next open after a crash.
void TestProject::trashAndRestore()
{
    const QString path = file(QStringLiteral("trash.lumen"));
    const QString artifacts = file(QStringLiteral("trash_artifacts"));
    int64_t kept = 0;
    int64_t gone = 0;
    {
        auto project = Project::create(s(path));
        kept = project->beginRun({"forward", "", "", "{}", ""});
        project->writeArtifact(kept, "report", "r.json", "{}");
        QVERIFY(errorFrom([&] { project->trashRun(kept); })); // still running
        project->finishRun(kept, RunStatus::Completed);
        project->addTag(kept, "t");
        project->trashRun(kept);
        QVERIFY(project->listRuns().empty());
        QVERIFY(project->tagCounts().empty());
        RunFilter trash;
        trash.trashed = true;
        QCOMPARE(project->listRuns(trash).size(), size_t{1});
        QVERIFY(project->run(kept)->trashedMs);
        QVERIFY(!QFileInfo::exists(artifacts + QStringLiteral("/run-%1").arg(kept)));
        QVERIFY(QFileInfo::exists(artifacts + QStringLiteral("/.trash/run-%1/r.json").arg(kept)));
        QVERIFY(project->missingArtifacts().empty()); // the trash is not "missing"
        QVERIFY(errorFrom([&] { project->trashRun(kept); })); // already there
        project->restoreRun(kept);
        QCOMPARE(project->listRuns().size(), size_t{1});
        QCOMPARE(project->run(kept)->tags, std::vector<std::string>{"t"});
        QVERIFY(QFileInfo::exists(artifacts + QStringLiteral("/run-%1/r.json").arg(kept)));
        QVERIFY(errorFrom([&] { project->restoreRun(kept); })); // not in the trash

        gone = project->beginRun({"forward", "", "", "{}", ""});
        project->writeArtifact(gone, "report", "r.json", "{}");
        project->finishRun(gone, RunStatus::Failed, "{}", "boom");
        project->trashRun(gone);
    } // the session ends: its trash is emptied
    {
        RawDb db(path);
        QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs")), qint64(1));
        QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM artifacts")), qint64(1));
    }
    QVERIFY(!QFileInfo::exists(artifacts + QStringLiteral("/.trash/run-%1").arg(gone)));

    // A session that dies with runs in its trash: the next open deletes them.
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        int code = 1;
        try {
            auto project = Project::open(s(path));
            project->trashRun(kept);
            project.release(); // no destructor: like kill -9
            code = 0;
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    {
        RawDb db(path);
        QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs WHERE deleted_ms IS NOT "
                                           "NULL")),
                 qint64(1));
    }
    auto project = Project::open(s(path));
    QVERIFY(!project->run(kept));
    QVERIFY(!QFileInfo::exists(artifacts + QStringLiteral("/.trash/run-%1").arg(kept)));
}

// Artifacts carry the SHA-256 of their content; a project whose artifacts folder has gone
// still opens and says which files are missing.
void TestProject::artifactChecksumsAndMissingFiles()
{
    const QString path = file(QStringLiteral("sums.lumen"));
    auto project = Project::create(s(path));
    const int64_t id = project->beginRun({"forward", "", "", "{}", ""});
    for (const int size : {0, 1, 55, 56, 63, 64, 65, 1000, 3 << 20}) {
        QByteArray bytes(size, Qt::Uninitialized);
        for (int i = 0; i < size; ++i) {
            bytes[i] = static_cast<char>((i * 131 + size) & 0xFF);
        }
        const ArtifactRecord a = project->writeArtifact(
            id, "blob", "b.bin", std::string_view(bytes.constData(), bytes.size()));
        QCOMPARE(q(a.sha256),
                 QString::fromLatin1(
                     QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
    }
    QCOMPARE(q(project->writeArtifact(id, "blob", "abc.txt", "abc").sha256),
             QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const QString placed = file(QStringLiteral("sums_artifacts/run-%1/placed.txt").arg(id));
    writeFile(placed, QByteArray("placed by hand"));
    const ArtifactRecord placedRecord =
        project->addArtifactFile(id, "note", "run-" + std::to_string(id) + "/placed.txt");
    QCOMPARE(q(placedRecord.sha256),
             QString::fromLatin1(QCryptographicHash::hash(QByteArray("placed by hand"),
                                                          QCryptographicHash::Sha256)
                                     .toHex()));
    QCOMPARE(project->artifacts(id).back().sha256, placedRecord.sha256);
    project->finishRun(id, RunStatus::Completed);
    QVERIFY(project->missingArtifacts().empty());
    project.reset();

    QVERIFY(QDir(file(QStringLiteral("sums_artifacts"))).removeRecursively());
    auto again = Project::open(s(path));
    const std::vector<ArtifactRecord> missing = again->missingArtifacts();
    QCOMPARE(missing.size(), size_t{11});
    QCOMPARE(q(missing.back().relativePath), QStringLiteral("run-%1/placed.txt").arg(id));
    QCOMPARE(again->listRuns().size(), size_t{1}); // everything else reads as before
}

// The whole project as one tar archive: any tar reads it; importing it under another name
// gives the same runs, metrics and artifact files (the folder renamed to match); the trash
// stays behind; bad archives and existing destinations are refused leaving nothing.
void TestProject::archiveExportAndImport()
{
    const QString path = file(QStringLiteral("source.lumen"));
    int64_t kept = 0;
    int64_t trashed = 0;
    std::string sha;
    auto project = Project::create(s(path));
    {
        RunSpec spec{"train", "/models/tiny", "cpu", R"({"lr":0.5})", "n"};
        spec.tags = {"x"};
        kept = project->beginRun(spec);
        project->addMetrics(kept, {{"loss", 0, 2.0, 0}, {"loss", 1, 1.0, 0}});
        sha = project->writeArtifact(kept, "checkpoint", "model.bin", std::string(70000, 'w')).sha256;
        project->finishRun(kept, RunStatus::Completed);
        trashed = project->beginRun({"bench", "", "", "{}", ""});
        project->writeArtifact(trashed, "report", "r.json", "{}");
        project->finishRun(trashed, RunStatus::Completed);
        project->trashRun(trashed);
    }
    const QString archive = file(QStringLiteral("source.tar"));
    QCOMPARE(project->exportArchive(s(archive)), int64_t(2)); // the database and model.bin
    QVERIFY(errorFrom([&] { project->exportArchive(s(archive)); })); // never replaced

    QProcess tar;
    tar.start(QStringLiteral("tar"), {QStringLiteral("-tf"), archive});
    QVERIFY(tar.waitForFinished(30000));
    QCOMPARE(tar.exitCode(), 0);
    const QStringList listed =
        QString::fromUtf8(tar.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(listed, (QStringList{QStringLiteral("source.lumen"),
                                  QStringLiteral("source_artifacts/run-%1/model.bin").arg(kept)}));

    const QString imported = file(QStringLiteral("copy.lumen"));
    {
        auto copy = Project::importArchive(s(archive), s(imported));
        const std::vector<RunRecord> runs = copy->listRuns();
        QCOMPARE(runs.size(), size_t{1});
        QCOMPARE(runs[0].id, kept);
        QCOMPARE(runs[0].tags, std::vector<std::string>{"x"});
        QCOMPARE(copy->metrics(kept).size(), size_t{2});
        QCOMPARE(copy->latestMetrics(kept).at(0).value, 1.0);
        const ArtifactRecord a = copy->artifacts(kept).at(0);
        QCOMPARE(a.sha256, sha);
        QCOMPARE(fileHash(q(copy->artifactPath(a))).toHex().toStdString(), sha);
        QVERIFY(q(copy->artifactPath(a)).contains(QStringLiteral("copy_artifacts/run-")));
        QVERIFY(copy->missingArtifacts().empty());
        QVERIFY(!copy->run(trashed));
        // It is a project of its own: writing to it leaves the source alone.
        copy->setNotes(kept, "changed in the copy");
    }
    QCOMPARE(q(project->run(kept)->notes), QStringLiteral("n"));

    // Refused, leaving nothing: an existing destination, a file that is no archive, a cut
    // archive, an archive without a project, a name that leaves the folder.
    QCOMPARE(errorFrom([&] { Project::importArchive(s(archive), s(imported)); })->kind(),
             ProjectErrorKind::AlreadyExists);
    const QStringList before = entries(dir_.path());
    writeFile(file(QStringLiteral("junk.tar")), QByteArray(2048, 'j'));
    QVERIFY(errorFrom([&] {
        Project::importArchive(s(file(QStringLiteral("junk.tar"))), s(file(QStringLiteral("j.lumen"))));
    }));
    QByteArray cut = fileBytes(archive);
    cut.chop(cut.size() / 2);
    writeFile(file(QStringLiteral("cut.tar")), cut);
    const auto cutError = errorFrom([&] {
        Project::importArchive(s(file(QStringLiteral("cut.tar"))), s(file(QStringLiteral("c.lumen"))));
    });
    QVERIFY(cutError);
    QVERIFY2(q(cutError->what()).contains(QStringLiteral("cut short")), cutError->what());
    writeFile(file(QStringLiteral("plain.txt")), QByteArray("hello"));
    tar.start(QStringLiteral("tar"), {QStringLiteral("-cf"), file(QStringLiteral("noproject.tar")),
                                      QStringLiteral("-C"), dir_.path(), QStringLiteral("plain.txt")});
    QVERIFY(tar.waitForFinished(30000) && tar.exitCode() == 0);
    const auto noProject = errorFrom([&] {
        Project::importArchive(s(file(QStringLiteral("noproject.tar"))), s(file(QStringLiteral("n.lumen"))));
    });
    QVERIFY(noProject);
    QVERIFY2(q(noProject->what()).contains(QStringLiteral("holds no .lumen project file")),
             noProject->what());
    tar.start(QStringLiteral("tar"), {QStringLiteral("-cPf"), file(QStringLiteral("evil.tar")),
                                      file(QStringLiteral("plain.txt"))});
    QVERIFY(tar.waitForFinished(30000) && tar.exitCode() == 0);
    const auto evil = errorFrom([&] {
        Project::importArchive(s(file(QStringLiteral("evil.tar"))), s(file(QStringLiteral("e.lumen"))));
    });
    QVERIFY(evil);
    QVERIFY2(q(evil->what()).contains(QStringLiteral("outside the folder")), evil->what());
    QStringList after = entries(dir_.path());
    for (const char* made : {"junk.tar", "cut.tar", "plain.txt", "noproject.tar", "evil.tar"}) {
        after.removeAll(QString::fromLatin1(made));
    }
    QCOMPARE(after, before); // no half-imported project, no temporary folder
}

// A model folder's fingerprint: stable, and changed by the config, a file's size, or bytes
// in the sampled parts of a large weights file; "" for a folder that is not there.
void TestProject::modelFingerprints()
{
    const QString model = file(QStringLiteral("fp-model"));
    QVERIFY(QDir().mkpath(model));
    writeFile(model + QStringLiteral("/config.json"), QByteArray(R"({"model_type":"bert"})"));
    QByteArray weights(6 << 20, Qt::Uninitialized);
    for (int i = 0; i < weights.size(); ++i) {
        weights[i] = static_cast<char>((i * 2654435761u) >> 24);
    }
    writeFile(model + QStringLiteral("/model.safetensors"), weights);
    writeFile(model + QStringLiteral("/.hidden"), QByteArray("ignored"));
    const std::string first = modelFingerprint(s(model));
    QVERIFY(q(first).startsWith(QStringLiteral("sha256-sampled:")));
    QCOMPARE(q(first).size(), 15 + 64);
    QCOMPARE(modelFingerprint(s(model)), first);
    writeFile(model + QStringLiteral("/.hidden"), QByteArray("still ignored"));
    QCOMPARE(modelFingerprint(s(model)), first);
    QByteArray changed = weights;
    changed[100] = static_cast<char>(changed[100] ^ 1); // in the first MiB
    writeFile(model + QStringLiteral("/model.safetensors"), changed);
    const std::string second = modelFingerprint(s(model));
    QVERIFY(second != first);
    changed = weights;
    changed[changed.size() - 10] = static_cast<char>(changed[changed.size() - 10] ^ 1);
    writeFile(model + QStringLiteral("/model.safetensors"), changed);
    QVERIFY(modelFingerprint(s(model)) != first && modelFingerprint(s(model)) != second);
    writeFile(model + QStringLiteral("/model.safetensors"), weights);
    QCOMPARE(modelFingerprint(s(model)), first);
    writeFile(model + QStringLiteral("/config.json"), QByteArray(R"({"model_type":"gpt2"})"));
    QVERIFY(modelFingerprint(s(model)) != first);
    QCOMPARE(modelFingerprint(s(file(QStringLiteral("no-such-model")))), std::string());

    // Recorded with the run's model, and read back.
    auto project = Project::create(s(file(QStringLiteral("fp.lumen"))));
    RunSpec spec{"forward", s(model), "", "{}", ""};
    spec.modelHash = modelFingerprint(s(model));
    const int64_t id = project->beginRun(spec);
    QCOMPARE(project->run(id)->modelHash, spec.modelHash);
}

// kill -9 while a process writes metrics as fast as it can: the file passes integrity_check,
// the run reads as interrupted, and the latest-value table agrees with the history.
void TestProject::killedWriterLeavesAConsistentFile()
{
    const QString path = file(QStringLiteral("killed.lumen"));
    Project::create(s(path));
    int ready[2];
    QCOMPARE(pipe(ready), 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        try {
            auto project = Project::open(s(path));
            const int64_t id = project->beginRun({"train", "m", "cpu", "{}", ""});
            std::vector<MetricPoint> batch;
            for (int64_t step = 0;; ++step) {
                batch.push_back({"loss", step, 1.0 / double(step + 1), 0});
                if (batch.size() == 50) {
                    project->addMetrics(id, batch);
                    batch.clear();
                    if (step == 49) {
                        const char c = 'x';
                        (void)::write(ready[1], &c, 1);
                    }
                }
            }
        } catch (...) {
        }
        _exit(1);
    }
    ::close(ready[1]);
    char c = 0;
    QCOMPARE(::read(ready[0], &c, 1), ssize_t(1)); // it has written
    ::close(ready[0]);
    QThread::msleep(150);
    QCOMPARE(::kill(child, SIGKILL), 0);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFSIGNALED(status));
    {
        RawDb db(path);
        QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    }
    auto project = Project::open(s(path));
    const std::vector<RunRecord> runs = project->listRuns();
    QCOMPARE(runs.size(), size_t{1});
    QCOMPARE(runs[0].status, RunStatus::Interrupted);
    const std::vector<MetricPoint> points = project->metrics(runs[0].id, "loss");
    QVERIFY(points.size() >= 50);
    QCOMPARE(points.size() % 50, size_t{0}); // whole batches: each was one transaction
    const std::vector<MetricLatest> latest = project->latestMetrics(runs[0].id);
    QCOMPARE(latest.size(), size_t{1});
    QCOMPARE(latest[0].points, static_cast<int64_t>(points.size()));
    QCOMPARE(latest[0].step, points.back().step);
}

void TestProject::concurrentOpenOfBlankFile()
{
    const QString path = file(QStringLiteral("race.lumen"));
    makeBlankSqlite(path);
    std::atomic<int> opened{0};
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto project = Project::open(s(path));
                const int64_t id = project->beginRun({"forward", "", "", "{}", ""});
                project->finishRun(id, RunStatus::Completed);
                ++opened;
            } catch (const std::exception& error) {
                errors[t] = error.what();
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const std::string& error : errors) {
        QCOMPARE(q(error), QString());
    }
    QCOMPARE(opened.load(), 4);
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs")), qint64(4));
    QCOMPARE(db.integer(QStringLiteral("PRAGMA user_version")), qint64(Project::kSchemaVersion));
}

// Four processes open the same version-1 file at once: one migrates it, the others wait
// for it (BEGIN IMMEDIATE) and find it done; nobody fails and nothing is migrated twice.
void TestProject::concurrentMigrationOfVersion1File()
{
    const QString path = file(QStringLiteral("race_v1.lumen"));
    writeFrozenV1(path);
    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            int code = 1;
            try {
                auto project = Project::open(s(path));
                const int64_t id = project->beginRun({"forward", "", "", R"({"i":1})", ""});
                project->finishRun(id, RunStatus::Completed);
                code = 0;
            } catch (...) {
            }
            _exit(code);
        }
        children.push_back(child);
    }
    for (const pid_t child : children) {
        int status = 0;
        QCOMPARE(waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);
    }
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("PRAGMA user_version")), qint64(Project::kSchemaVersion));
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs")), qint64(5));
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM models")), qint64(1)); // once
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM run_params")), qint64(5));
    QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
}

// Several programs asking for the same new project at once all get the one project, and
// none sees it half-made (create() builds it under a temporary name).
void TestProject::concurrentOpenOrCreate()
{
    const QString sub = file(QStringLiteral("openorcreate"));
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + QStringLiteral("/shared.lumen");
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto project = Project::openOrCreate(s(path));
                project->finishRun(project->beginRun({"forward", "", "", "{}", ""}),
                                   RunStatus::Completed);
            } catch (const std::exception& error) {
                errors[t] = error.what();
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    for (const std::string& error : errors) {
        QCOMPARE(q(error), QString());
    }
    QCOMPARE(entries(sub), QStringList{QStringLiteral("shared.lumen")}); // no temporary left
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM runs WHERE status = 'completed'")),
             qint64(4));
}

void TestProject::refusesNewerSchema()
{
    const QString sub = file(QStringLiteral("newer"));
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + QStringLiteral("/future.lumen");
    {
        auto project = Project::create(s(path));
        project->finishRun(project->beginRun({"forward", "", "", "{}", ""}), RunStatus::Completed);
    }
    {
        RawDb db(path);
        QCOMPARE(
            db.exec(QStringLiteral("PRAGMA user_version = %1").arg(Project::kSchemaVersion + 1)),
            QString());
    }
    const QByteArray hash = fileHash(path);
    const QStringList before = entries(sub);
    QCOMPARE(before, QStringList{QStringLiteral("future.lumen")});
    const QString expected =
        path
        + QStringLiteral(" was written by a newer Lumen (schema version %1; this Lumen reads up "
                         "to %2). Open it with a newer Lumen; the file was not changed.")
              .arg(Project::kSchemaVersion + 1)
              .arg(Project::kSchemaVersion);
    for (const auto& opener : {&Project::open, &Project::openReadOnly, &Project::openOrCreate}) {
        const std::optional<ProjectError> error = errorFrom([&] { opener(s(path)); });
        QVERIFY(error);
        QCOMPARE(error->kind(), ProjectErrorKind::NewerSchema);
        QCOMPARE(q(error->what()), expected);
        QCOMPARE(fileHash(path), hash);
        QCOMPARE(entries(sub), before); // no -wal, no -shm
    }
}

// The newer version is committed in the WAL but not yet in the main file's header (another
// connection keeps the WAL from being checkpointed): the check through SQLite catches it.
void TestProject::refusesNewerSchemaSeenOnlyInWal()
{
    const QString path = file(QStringLiteral("future_wal.lumen"));
    Project::create(s(path));
    RawDb holder(path);
    QCOMPARE(holder.exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = %1")
                             .arg(Project::kSchemaVersion + 1)),
             QString());
    // The main file's header still says the current version.
    const QByteArray header = fileBytes(path).left(100);
    QCOMPARE(int(header[63]), Project::kSchemaVersion);
    const std::optional<ProjectError> error = errorFrom([&] { Project::open(s(path)); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NewerSchema);
    QVERIFY2(q(error->what())
                 .contains(QStringLiteral("(schema version %1; this Lumen reads up to")
                               .arg(Project::kSchemaVersion + 1)),
             error->what());
    QCOMPARE(holder.integer(QStringLiteral("PRAGMA user_version")),
             qint64(Project::kSchemaVersion + 1));
}

void TestProject::refusesNonSqliteFile_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    const QString notSqlite = QStringLiteral(
        " is not a Lumen project: it is not an SQLite database. Choose a .lumen file made by "
        "Lumen; the file was not changed.");
    QTest::newRow("text") << QByteArray("hello") << notSqlite;
    QTest::newRow("png") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16).repeated(20)
                         << notSqlite;
    QTest::newRow("sqlite-magic-only") << QByteArray("SQLite format 3\0abc", 19) << notSqlite;
    QTest::newRow("empty") << QByteArray()
                           << QStringLiteral(" is an empty file, not a Lumen project. Choose a "
                                             ".lumen file made by Lumen; the file was not "
                                             "changed.");
}

void TestProject::refusesNonSqliteFile()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const QString sub =
        file(QStringLiteral("notsqlite-%1").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + QStringLiteral("/p.lumen");
    writeFile(path, bytes);
    for (const auto& opener : {&Project::open, &Project::openReadOnly, &Project::openOrCreate}) {
        const std::optional<ProjectError> error = errorFrom([&] { opener(s(path)); });
        QVERIFY(error);
        QCOMPARE(error->kind(), ProjectErrorKind::NotAProject);
        QCOMPARE(q(error->what()), path + message);
        QCOMPARE(fileBytes(path), bytes);
        QCOMPARE(entries(sub), QStringList{QStringLiteral("p.lumen")});
    }
}

void TestProject::refusesForeignSqlite_data()
{
    QTest::addColumn<QString>("sql");
    QTest::newRow("other-application-id")
        << QStringLiteral("PRAGMA application_id = 305419896; CREATE TABLE notes (x);"
                          "INSERT INTO notes VALUES ('keep me');");
    QTest::newRow("no-application-id-with-tables")
        << QStringLiteral("CREATE TABLE notes (x); INSERT INTO notes VALUES ('keep me');");
    QTest::newRow("no-application-id-wal-with-tables")
        << QStringLiteral("PRAGMA journal_mode = WAL; CREATE TABLE notes (x);"
                          "INSERT INTO notes VALUES ('keep me');");
    QTest::newRow("no-application-id-user-version")
        << QStringLiteral("PRAGMA user_version = 3; CREATE TABLE t (x); DROP TABLE t;");
}

void TestProject::refusesForeignSqlite()
{
    QFETCH(QString, sql);
    const QString sub =
        file(QStringLiteral("foreign-%1").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(QDir().mkpath(sub));
    const QString path = sub + QStringLiteral("/other.lumen");
    {
        RawDb db(path, true);
        QVERIFY(db.ok());
        QCOMPARE(db.exec(sql), QString());
    }
    const QByteArray hash = fileHash(path);
    QCOMPARE(entries(sub), QStringList{QStringLiteral("other.lumen")});
    for (const auto& opener : {&Project::open, &Project::openReadOnly, &Project::openOrCreate}) {
        const std::optional<ProjectError> error = errorFrom([&] { opener(s(path)); });
        QVERIFY(error);
        QCOMPARE(error->kind(), ProjectErrorKind::NotAProject);
        QCOMPARE(q(error->what()),
                 path
                     + QStringLiteral(" is an SQLite database but not a Lumen project. Choose a "
                                      ".lumen file made by Lumen; the file was not changed."));
        QCOMPARE(fileHash(path), hash);
        QCOMPARE(entries(sub), QStringList{QStringLiteral("other.lumen")});
    }
}

void TestProject::missingPathsAndOverwrites()
{
    const QString missing = file(QStringLiteral("missing.lumen"));
    std::optional<ProjectError> error = errorFrom([&] { Project::open(s(missing)); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotFound);
    QCOMPARE(q(error->what()),
             missing
                 + QStringLiteral(" does not exist. Check the path, or create a new project "
                                  "there."));
    QVERIFY(!QFileInfo::exists(missing));

    // create() never overwrites: not a text file, not a project.
    const QString text = file(QStringLiteral("notes.lumen"));
    writeFile(text, "hello");
    const QString project = file(QStringLiteral("existing.lumen"));
    Project::create(s(project));
    const QByteArray projectHash = fileHash(project);
    for (const QString& path : {text, project}) {
        error = errorFrom([&] { Project::create(s(path)); });
        QVERIFY(error);
        QCOMPARE(error->kind(), ProjectErrorKind::AlreadyExists);
        QCOMPARE(q(error->what()),
                 path
                     + QStringLiteral(" already exists. Lumen never overwrites a file: open it, "
                                      "or choose another name."));
    }
    QCOMPARE(fileBytes(text), QByteArray("hello"));
    QCOMPARE(fileHash(project), projectHash);

    const QString noFolder = file(QStringLiteral("no/such/folder/p.lumen"));
    error = errorFrom([&] { Project::create(s(noFolder)); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotFound);
    QCOMPARE(q(error->what()), noFolder + QStringLiteral(": the folder ")
                                   + file(QStringLiteral("no/such/folder"))
                                   + QStringLiteral(" does not exist. Create it first, or choose "
                                                    "another place for the project."));

    error = errorFrom([&] { Project::open(s(dir_.path())); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotAProject);
    QCOMPARE(q(error->what()),
             dir_.path()
                 + QStringLiteral(" is a folder, not a project file. Choose a .lumen file."));

    // A leftover artifacts folder with files would mix two projects' files: refused.
    const QString leftover = file(QStringLiteral("leftover_artifacts/run-1"));
    QVERIFY(QDir().mkpath(leftover));
    writeFile(leftover + QStringLiteral("/a.bin"), "x");
    error = errorFrom([&] { Project::create(s(file(QStringLiteral("leftover.lumen")))); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::AlreadyExists);
    QVERIFY(!QFileInfo::exists(file(QStringLiteral("leftover.lumen"))));

    // openOrCreate makes a missing project, then opens the same one.
    const QString fresh = file(QStringLiteral("fresh.lumen"));
    int64_t id = 0;
    {
        auto created = Project::openOrCreate(s(fresh));
        id = created->beginRun({"forward", "", "", "{}", ""});
        created->finishRun(id, RunStatus::Completed);
    }
    QVERIFY(Project::openOrCreate(s(fresh))->run(id));
}

void TestProject::crashedRunMarkedInterrupted()
{
    const QString path = file(QStringLiteral("crash.lumen"));
    Project::create(s(path));
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // The child begins a run and dies without finishing it or closing the project.
        int code = 1;
        try {
            auto project = Project::open(s(path));
            const int64_t id = project->beginRun({"train", "m", "cpu", "{}", ""});
            project->addMetric(id, "loss", 0, 3.0);
            project.release(); // leaked on purpose: no destructor runs, like kill -9
            code = 0;
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status));
    QCOMPARE(WEXITSTATUS(status), 0);
    {
        RawDb db(path);
        QCOMPARE(db.value(QStringLiteral("SELECT status FROM runs")), QStringLiteral("running"));
        QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    }
    auto project = Project::open(s(path));
    const std::vector<RunRecord> runs = project->listRuns();
    QCOMPARE(runs.size(), size_t{1});
    QCOMPARE(runs[0].status, RunStatus::Interrupted);
    QVERIFY(!runs[0].finishedMs);
    QCOMPARE(q(runs[0].errorMessage),
             QStringLiteral("Interrupted: the program running it stopped before it finished (it "
                            "crashed, was killed, or the computer restarted)."));
    QCOMPARE(project->metrics(runs[0].id).size(), size_t{1}); // what it wrote is kept
}

void TestProject::liveRunOfAnotherProjectIsLeftRunning()
{
    const QString path = file(QStringLiteral("live.lumen"));
    auto gui = Project::create(s(path));
    const int64_t id = gui->beginRun({"train", "m", "cpu", "{}", ""});
    {
        auto cli = Project::open(s(path)); // like lumen-cli opening the GUI's project
        QCOMPARE(cli->run(id)->status, RunStatus::Running);
        cli->finishRun(cli->beginRun({"forward", "", "", "{}", ""}), RunStatus::Completed);
    }
    QCOMPARE(gui->run(id)->status, RunStatus::Running);
    gui->addMetric(id, "loss", 1, 0.5);
    gui->finishRun(id, RunStatus::Completed);
    QCOMPARE(Project::open(s(path))->run(id)->status, RunStatus::Completed);
}

void TestProject::closingMarksOwnRunsInterrupted()
{
    const QString path = file(QStringLiteral("close.lumen"));
    int64_t unfinished = 0;
    int64_t finished = 0;
    {
        auto project = Project::create(s(path));
        unfinished = project->beginRun({"train", "", "", "{}", ""});
        finished = project->beginRun({"forward", "", "", "{}", ""});
        project->finishRun(finished, RunStatus::Cancelled);
    }
    RawDb db(path);
    QCOMPARE(db.value(QStringLiteral("SELECT status FROM runs WHERE id = %1").arg(unfinished)),
             QStringLiteral("interrupted"));
    QCOMPARE(db.value(QStringLiteral("SELECT error FROM runs WHERE id = %1").arg(unfinished)),
             QStringLiteral("Interrupted: the project was closed while the run was still "
                            "running."));
    QVERIFY(db.integer(QStringLiteral("SELECT finished_ms FROM runs WHERE id = %1").arg(unfinished))
            > 0);
    QCOMPARE(db.value(QStringLiteral("SELECT status FROM runs WHERE id = %1").arg(finished)),
             QStringLiteral("cancelled"));
}

void TestProject::deleteRunCascades()
{
    const QString path = file(QStringLiteral("delete.lumen"));
    auto project = Project::create(s(path));
    const int64_t doomed = project->beginRun({"train", "", "", "{}", ""});
    const int64_t kept = project->beginRun({"train", "", "", "{}", ""});
    std::vector<MetricPoint> points;
    for (int step = 0; step < 50; ++step) {
        points.push_back({"loss", step, 1.0 / (step + 1), 0});
    }
    project->addMetrics(doomed, points);
    project->addMetrics(kept, points);
    const ArtifactRecord artifact = project->writeArtifact(doomed, "attention", "a.bin", "abc");
    project->writeArtifact(kept, "attention", "a.bin", "def");
    const QString artifactFile = q(project->artifactPath(artifact));
    QVERIFY(QFileInfo::exists(artifactFile));

    std::optional<ProjectError> error = errorFrom([&] { project->deleteRun(doomed); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
    QCOMPARE(q(error->what()),
             path
                 + QStringLiteral(": run %1 is still running; finish or cancel it before "
                                  "deleting it. Nothing was changed.")
                       .arg(doomed));

    project->finishRun(doomed, RunStatus::Completed);
    project->finishRun(kept, RunStatus::Completed);
    project->deleteRun(doomed);
    QVERIFY(!project->run(doomed));
    {
        RawDb db(path);
        QCOMPARE(db.integer(
                     QStringLiteral("SELECT count(*) FROM metrics WHERE run_id = %1").arg(doomed)),
                 qint64(0));
        QCOMPARE(
            db.integer(
                QStringLiteral("SELECT count(*) FROM artifacts WHERE run_id = %1").arg(doomed)),
            qint64(0));
        QCOMPARE(
            db.integer(QStringLiteral("SELECT count(*) FROM metrics WHERE run_id = %1").arg(kept)),
            qint64(50));
    }
    QVERIFY(!QFileInfo::exists(artifactFile));
    QVERIFY(!QFileInfo::exists(q(project->artifactsDir()) + QStringLiteral("/run-%1").arg(doomed)));
    QCOMPARE(project->metrics(kept).size(), size_t{50});
    QCOMPARE(fileBytes(q(project->artifactPath(project->artifacts(kept).at(0)))),
             QByteArray("def"));

    error = errorFrom([&] { project->deleteRun(doomed); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotFound);
    QCOMPARE(q(error->what()),
             path
                 + QStringLiteral(": run %1 does not exist (it may have been deleted). Nothing "
                                  "was changed.")
                       .arg(doomed));
    // Ids are never reused, so a new run never inherits a deleted run's artifact folder.
    const int64_t next = project->beginRun({"forward", "", "", "{}", ""});
    QVERIFY(next > kept);
    project->finishRun(next, RunStatus::Completed);
}

void TestProject::writeArtifactIsAtomicAndRelative()
{
    const QString path = file(QStringLiteral("artifacts.lumen"));
    auto project = Project::create(s(path));
    const int64_t id = project->beginRun({"forward", "", "", "{}", ""});
    const QString artifactsDir = file(QStringLiteral("artifacts_artifacts"));
    QCOMPARE(q(project->artifactsDir()), artifactsDir);
    QVERIFY(!QFileInfo::exists(artifactsDir));

    const std::string big(3 * 1024 * 1024 + 17, 'x');
    const ArtifactRecord first =
        project->writeArtifact(id, "forward-output", "out.safetensors", big);
    const ArtifactRecord second =
        project->writeArtifact(id, "forward-output", "out.safetensors", "2");
    const ArtifactRecord third =
        project->writeArtifact(id, "forward-output", "out.safetensors", "3");
    QCOMPARE(q(first.relativePath), QStringLiteral("run-%1/out.safetensors").arg(id));
    QCOMPARE(q(second.relativePath), QStringLiteral("run-%1/out-2.safetensors").arg(id));
    QCOMPARE(q(third.relativePath), QStringLiteral("run-%1/out-3.safetensors").arg(id));
    const QString runDir = artifactsDir + QStringLiteral("/run-%1").arg(id);
    QCOMPARE(fileBytes(runDir + QStringLiteral("/out.safetensors")),
             QByteArray::fromStdString(big));
    QCOMPARE(fileBytes(runDir + QStringLiteral("/out-2.safetensors")), QByteArray("2"));
    // Only the final names: no temporary file is left behind.
    QCOMPARE(entries(runDir),
             (QStringList{QStringLiteral("out-2.safetensors"), QStringLiteral("out-3.safetensors"),
                          QStringLiteral("out.safetensors")}));
    QCOMPARE(first.sizeBytes, int64_t(big.size()));
    QCOMPARE(project->artifacts(id).size(), size_t{3});

    for (const char* bad : {"", ".", "..", "../escape.bin", "sub/file.bin"}) {
        const std::optional<ProjectError> error =
            errorFrom([&] { project->writeArtifact(id, "x", bad, "data"); });
        QVERIFY2(error, bad);
        QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
        QCOMPARE(q(error->what()),
                 path
                     + QStringLiteral(": artifact file name \"%1\" must be a plain file name (no "
                                      "folders, at most 200 characters). Nothing was changed.")
                           .arg(QString::fromUtf8(bad)));
    }
    QVERIFY(!QFileInfo::exists(file(QStringLiteral("escape.bin"))));
    const std::optional<ProjectError> noRun =
        errorFrom([&] { project->writeArtifact(id + 99, "x", "f.bin", "data"); });
    QVERIFY(noRun);
    QCOMPARE(noRun->kind(), ProjectErrorKind::NotFound);
    QVERIFY(!QFileInfo::exists(artifactsDir + QStringLiteral("/run-%1").arg(id + 99)));
    QCOMPARE(project->artifacts(id).size(), size_t{3});
    project->finishRun(id, RunStatus::Completed);
}

void TestProject::addArtifactFileChecksPaths()
{
    const QString path = file(QStringLiteral("placed.lumen"));
    auto project = Project::create(s(path));
    const int64_t id = project->beginRun({"train", "", "", "{}", ""});
    const QString placedDir = q(project->artifactsDir()) + QStringLiteral("/checkpoints/step-10");
    QVERIFY(QDir().mkpath(placedDir));
    writeFile(placedDir + QStringLiteral("/model.safetensors"), QByteArray(1234, 'w'));

    const ArtifactRecord record =
        project->addArtifactFile(id, "checkpoint", "checkpoints/./step-10/model.safetensors");
    QCOMPARE(q(record.relativePath), QStringLiteral("checkpoints/step-10/model.safetensors"));
    QCOMPARE(record.sizeBytes, int64_t(1234));
    QCOMPARE(q(project->artifactPath(record)), placedDir + QStringLiteral("/model.safetensors"));

    writeFile(file(QStringLiteral("outside.bin")), "x");
    for (const std::string& bad :
         {std::string("../outside.bin"), s(file(QStringLiteral("outside.bin"))),
          std::string("checkpoints/../../outside.bin"), std::string()}) {
        const std::optional<ProjectError> error =
            errorFrom([&] { project->addArtifactFile(id, "x", bad); });
        QVERIFY2(error, bad.c_str());
        QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
    }
    const std::optional<ProjectError> missing =
        errorFrom([&] { project->addArtifactFile(id, "x", "nothing/here.bin"); });
    QVERIFY(missing);
    QCOMPARE(missing->kind(), ProjectErrorKind::NotFound);
    QCOMPARE(q(missing->what()),
             path + QStringLiteral(": artifact file ") + q(project->artifactsDir())
                 + QStringLiteral("/nothing/here.bin does not exist. Put the file inside ")
                 + q(project->artifactsDir())
                 + QStringLiteral(" before recording it. Nothing was changed."));
    QCOMPARE(project->artifacts(id).size(), size_t{1});
    project->finishRun(id, RunStatus::Completed);
}

void TestProject::twoWritersAtOnce()
{
    const QString path = file(QStringLiteral("writers.lumen"));
    Project::create(s(path));
    auto a = Project::open(s(path));
    auto b = Project::open(s(path));
    const int64_t runA = a->beginRun({"train", "", "", "{}", ""});
    const int64_t runB = b->beginRun({"bench", "", "", "{}", ""});
    constexpr int kWrites = 300;
    std::string errorA;
    std::string errorB;
    auto writer = [](Project* project, int64_t run, std::string* error) {
        try {
            for (int step = 0; step < kWrites; ++step) {
                project->addMetric(run, "value", step, step * 0.5); // one transaction each
            }
            project->finishRun(run, RunStatus::Completed);
        } catch (const std::exception& e) {
            *error = e.what();
        }
    };
    std::thread threadA(writer, a.get(), runA, &errorA);
    std::thread threadB(writer, b.get(), runB, &errorB);
    threadA.join();
    threadB.join();
    QCOMPARE(q(errorA), QString());
    QCOMPARE(q(errorB), QString());
    RawDb db(path);
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM metrics WHERE run_id = %1").arg(runA)),
             qint64(kWrites));
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM metrics WHERE run_id = %1").arg(runB)),
             qint64(kWrites));
    QCOMPARE(a->run(runB)->status, RunStatus::Completed); // each sees the other's writes
    QCOMPARE(b->run(runA)->status, RunStatus::Completed);
}

// Another program holds the write lock for a second: the write waits (busy timeout) and
// succeeds instead of failing with "database is locked".
void TestProject::writerWaitsForBusyLock()
{
    const QString path = file(QStringLiteral("busy.lumen"));
    auto project = Project::create(s(path));
    const int64_t id = project->beginRun({"train", "", "", "{}", ""});
    RawDb other(path);
    QCOMPARE(other.exec(QStringLiteral("BEGIN IMMEDIATE; INSERT INTO metrics VALUES (%1, 'other', "
                                       "0, 1.0, 1)")
                            .arg(id)),
             QString());
    std::thread releaser([&other] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        other.exec(QStringLiteral("COMMIT"));
    });
    QElapsedTimer timer;
    timer.start();
    const std::optional<ProjectError> error =
        errorFrom([&] { project->addMetric(id, "loss", 0, 1.5); });
    const qint64 waitedMs = timer.elapsed();
    releaser.join();
    QVERIFY2(!error, error ? error->what() : "");
    QVERIFY2(waitedMs >= 800, qPrintable(QString::number(waitedMs)));
    QCOMPARE(project->metricKeys(id), (std::vector<std::string>{"loss", "other"}));
    project->finishRun(id, RunStatus::Completed);
}

// A write that fails half-way (here: the file size limit, which makes write(2) fail like a
// full disk does) is rolled back as a whole, and the message says so.
void TestProject::ioFailureRollsBack()
{
    const QString path = file(QStringLiteral("io.lumen"));
    auto project = Project::create(s(path));
    const int64_t id = project->beginRun({"train", "", "", "{}", ""});
    project->addMetric(id, "loss", 0, 1.0);

    qint64 largest = 0;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        largest = std::max(largest, QFileInfo(path + QLatin1String(suffix)).size());
    }
    std::vector<MetricPoint> many;
    for (int step = 1; step <= 200000; ++step) {
        many.push_back({"a rather long metric name to fill pages", step, step * 1.5, 0});
    }

    struct sigaction ignore {};
    struct sigaction previousAction {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &previousAction); // else exceeding the limit kills us
    rlimit previous{};
    getrlimit(RLIMIT_FSIZE, &previous);
    rlimit limited = previous;
    limited.rlim_cur = static_cast<rlim_t>(largest + 64 * 1024);
    setrlimit(RLIMIT_FSIZE, &limited);
    const std::optional<ProjectError> error = errorFrom([&] { project->addMetrics(id, many); });
    const std::optional<ProjectError> artifactError = errorFrom(
        [&] { project->writeArtifact(id, "checkpoint", "big.bin", std::string(1 << 20, 'b')); });
    setrlimit(RLIMIT_FSIZE, &previous);
    sigaction(SIGXFSZ, &previousAction, nullptr);

    QVERIFY(error);
    QVERIFY2(error->kind() == ProjectErrorKind::DiskFull || error->kind() == ProjectErrorKind::Io,
             error->what());
    const QString message = q(error->what());
    QVERIFY2(message.startsWith(
                 path + QStringLiteral(": could not record metrics for run %1: ").arg(id)),
             error->what());
    QVERIFY2(message.contains(QStringLiteral("the disk may be full"))
                 || message.contains(QStringLiteral("the disk is full")),
             error->what());
    QVERIFY2(message.contains(QStringLiteral("Nothing was lost: the change was rolled back.")),
             error->what());

    QVERIFY(artifactError);
    QCOMPARE(artifactError->kind(), ProjectErrorKind::DiskFull);
    QVERIFY2(q(artifactError->what())
                 .contains(QStringLiteral("Nothing was recorded and no partial file was left.")),
             artifactError->what());
    QCOMPARE(entries(q(project->artifactsDir()) + QStringLiteral("/run-%1").arg(id)),
             QStringList());

    // Nothing of the failed batch is stored, everything before it is, and writing works again.
    QCOMPARE(project->metrics(id).size(), size_t{1});
    project->addMetric(id, "loss", 1, 0.5);
    project->finishRun(id, RunStatus::Completed);
    project.reset();
    RawDb db(path);
    QCOMPARE(db.value(QStringLiteral("PRAGMA integrity_check")), QStringLiteral("ok"));
    QCOMPARE(db.integer(QStringLiteral("SELECT count(*) FROM metrics")), qint64(2));
}

void TestProject::readOnlyProject()
{
    const QString path = file(QStringLiteral("readonly.lumen"));
    int64_t id = 0;
    {
        auto project = Project::create(s(path));
        id = project->beginRun({"forward", "m", "", "{}", ""});
        project->addMetric(id, "forward_ms", 0, 3.5);
        project->finishRun(id, RunStatus::Completed);
    }
    const QByteArray hash = fileHash(path);
    {
        auto project = Project::openReadOnly(s(path));
        QVERIFY(project->isReadOnly());
        QCOMPARE(project->run(id)->status, RunStatus::Completed);
        QCOMPARE(project->metrics(id).at(0).value, 3.5);
        const std::optional<ProjectError> error = errorFrom([&] {
            project->beginRun({"forward", "", "", "{}", ""});
        });
        QVERIFY(error);
        QCOMPARE(error->kind(), ProjectErrorKind::ReadOnly);
        QCOMPARE(q(error->what()),
                 path
                     + QStringLiteral(" is open read-only, so Lumen cannot start a run. Nothing "
                                      "was changed. Make the file writable (or work on a copy) "
                                      "and open it again."));
        QVERIFY(errorFrom([&] { project->setNotes(id, "x"); }));
        QVERIFY(errorFrom([&] { project->deleteRun(id); }));
    }
    QCOMPARE(fileHash(path), hash);

    // An older file cannot be upgraded read-only.
    const QString blank = file(QStringLiteral("readonly_blank.lumen"));
    makeBlankSqlite(blank);
    const QByteArray blankHash = fileHash(blank);
    const std::optional<ProjectError> upgrade = errorFrom([&] { Project::openReadOnly(s(blank)); });
    QVERIFY(upgrade);
    QCOMPARE(upgrade->kind(), ProjectErrorKind::ReadOnly);
    QCOMPARE(q(upgrade->what()),
             blank
                 + QStringLiteral(" uses an older project format (schema version 0) that must be "
                                  "upgraded, but it is read-only. Make it writable, or open a "
                                  "copy; the file was not changed."));
    QCOMPARE(fileHash(blank), blankHash);

    // A file this process cannot write opens read-only (root can write anything).
    if (geteuid() == 0) {
        QSKIP("running as root: file permissions do not stop writes");
    }
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadGroup));
    auto project = Project::open(s(path));
    QVERIFY(project->isReadOnly());
    QCOMPARE(project->run(id)->kind, std::string("forward"));
    QVERIFY(errorFrom([&] { project->addMetric(id, "x", 0, 1); }));
    project.reset();
    QCOMPARE(fileHash(path), hash);
}

void TestProject::invalidInput()
{
    const QString path = file(QStringLiteral("invalid.lumen"));
    auto project = Project::create(s(path));
    std::optional<ProjectError> error = errorFrom([&] {
        project->beginRun({"forward", "", "", "{not json", ""});
    });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
    QVERIFY2(q(error->what())
                 .startsWith(path + QStringLiteral(": the run's parameters are not valid JSON (")),
             error->what());
    error = errorFrom([&] { project->beginRun({"forward", "", "", "[1, 2]", ""}); });
    QVERIFY(error);
    QCOMPARE(q(error->what()),
             path
                 + QStringLiteral(": the run's parameters must be a JSON object ({...}), not "
                                  "\"[1, 2]\". Nothing was changed."));
    error = errorFrom([&] { project->beginRun({"", "", "", "{}", ""}); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
    QVERIFY(project->listRuns().empty());

    const int64_t id = project->beginRun({"forward", "", "", "{}", ""});
    error = errorFrom([&] { project->finishRun(id, RunStatus::Running); });
    QVERIFY(error);
    QCOMPARE(q(error->what()),
             path
                 + QStringLiteral(": a run finishes completed, cancelled or failed, not running. "
                                  "Nothing was changed."));
    project->finishRun(id, RunStatus::Completed);
    error = errorFrom([&] { project->finishRun(id, RunStatus::Failed); });
    QVERIFY(error);
    QCOMPARE(q(error->what()),
             path
                 + QStringLiteral(": run %1 is already completed; it cannot be finished again. "
                                  "Nothing was changed.")
                       .arg(id));
    QCOMPARE(project->run(id)->status, RunStatus::Completed);

    error = errorFrom([&] { project->addMetric(id + 5, "loss", 0, 1); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotFound);
    error = errorFrom([&] { project->addMetrics(id, {{"ok", 0, 1, 0}, {"", 1, 2, 0}}); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::InvalidArgument);
    QVERIFY(project->metrics(id).empty()); // all or nothing
    error = errorFrom([&] { project->setNotes(id + 5, "x"); });
    QVERIFY(error);
    QCOMPARE(error->kind(), ProjectErrorKind::NotFound);
}

void TestProject::timeFormatting()
{
    // Qt's own ISO-8601 formatting is the reference.
    for (int64_t ms :
         {int64_t(0), int64_t(1), int64_t(999), int64_t(1700000000123), int64_t(1709251199999),
          int64_t(-1), int64_t(-86400001), int64_t(4102444800000)}) {
        const QString expected =
            QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
        QCOMPARE(q(formatIsoUtc(ms)), expected);
    }
    const int64_t before = QDateTime::currentMSecsSinceEpoch();
    const int64_t now = currentUnixMs();
    QVERIFY(now >= before && now - before < 5000);
}

void TestProject::statusNames()
{
    for (RunStatus status : {RunStatus::Running, RunStatus::Completed, RunStatus::Cancelled,
                             RunStatus::Failed, RunStatus::Interrupted}) {
        QCOMPARE(runStatusFromName(runStatusName(status)), std::optional<RunStatus>(status));
    }
    QCOMPARE(QLatin1String(runStatusName(RunStatus::Interrupted)), QLatin1String("interrupted"));
    QVERIFY(!runStatusFromName("finished"));
}

QTEST_GUILESS_MAIN(TestProject)
#include "tst_project.moc"
