// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The local Hugging Face cache: listing, ORG/NAME resolution, the environment rules, and
// `lumen-cli models` / `lumen-cli info ORG/NAME` on a cache built here the way
// huggingface_hub lays it out (snapshot files are links into blobs/).
#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/hf_cache.h"
#include "lumen/engine/model.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace lumen;
using namespace lumen::engine;

namespace {

// models--ORG--NAME/{blobs, refs/main, snapshots/HASH/<links>} with the files of `from`.
void addCachedModel(const fs::path& cache, const std::string& entry, const std::string& hash,
                    const fs::path& from, bool writeRef = true)
{
    const fs::path root = cache / entry;
    fs::create_directories(root / "blobs");
    fs::create_directories(root / "snapshots" / hash);
    if (writeRef) {
        fs::create_directories(root / "refs");
        std::ofstream(root / "refs" / "main") << hash;
    }
    int blob = 0;
    for (const auto& file : fs::directory_iterator(from)) {
        const std::string name = file.path().filename().string();
        if (name == "expected.json" || name == "state_dict_manifest.json") {
            continue;
        }
        const std::string blobName = hash + "-" + std::to_string(blob++);
        fs::copy_file(file.path(), root / "blobs" / blobName);
        fs::create_symlink(fs::path("../../blobs") / blobName, root / "snapshots" / hash / name);
    }
}

class EnvScope {
public:
    explicit EnvScope(std::vector<const char*> names)
        : names_(std::move(names))
    {
        for (const char* n : names_) {
            saved_.push_back(qgetenv(n));
            qunsetenv(n);
        }
    }
    ~EnvScope()
    {
        for (size_t i = 0; i < names_.size(); ++i) {
            if (saved_[i].isNull()) {
                qunsetenv(names_[i]);
            } else {
                qputenv(names_[i], saved_[i]);
            }
        }
    }

private:
    std::vector<const char*> names_;
    std::vector<QByteArray> saved_;
};

} // namespace

class TestHfCache : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    fs::path cache_;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        cache_ = fs::path(tmp_.path().toStdString()) / "hub";
        addCachedModel(cache_, "models--lumen-test--tiny-bert", "0123abcd",
                       test::conformanceDir("bert"));
        // A second snapshot that refs/main does not name: the named one wins.
        addCachedModel(cache_, "models--lumen-test--tiny-bert", "ffff0000",
                       test::conformanceDir("bert-cased"), /*writeRef=*/false);
        // Downloaded by a process that died before any file landed.
        fs::create_directories(cache_ / "models--lumen-test--broken" / "blobs");
        // No refs/main: the only snapshot is used.
        addCachedModel(cache_, "models--solo-model", "9999", test::conformanceDir("bert-cased"),
                       /*writeRef=*/false);
        // Not a model entry.
        fs::create_directories(cache_ / "datasets--someone--data");
    }

    void listing()
    {
        const std::vector<CachedModel> models = listCachedModels(cache_.string());
        QCOMPARE(models.size(), size_t(3));
        QCOMPARE(models[0].repoId, std::string("lumen-test/broken"));
        QVERIFY(models[0].path.empty());
        QVERIFY(models[0].problem.rfind("no snapshot", 0) == 0);

        const CachedModel& bert = models[1];
        QCOMPARE(bert.repoId, std::string("lumen-test/tiny-bert"));
        QCOMPARE(bert.revision, std::string("0123abcd"));
        QCOMPARE(bert.path, (cache_ / "models--lumen-test--tiny-bert" / "snapshots" / "0123abcd").string());
        QCOMPARE(bert.modelType, std::string("bert"));
        QVERIFY(bert.hasConfig && bert.hasWeights && bert.hasTokenizer);
        QVERIFY(bert.problem.empty());
        // Links are followed: the size is that of the real files.
        int64_t expectedSize = 0;
        for (const auto& f : fs::directory_iterator(test::conformanceDir("bert"))) {
            const std::string name = f.path().filename().string();
            if (name != "expected.json" && name != "state_dict_manifest.json") {
                expectedSize += static_cast<int64_t>(f.file_size());
            }
        }
        QCOMPARE(bert.sizeBytes, expectedSize);

        QCOMPARE(models[2].repoId, std::string("solo-model"));
        QCOMPARE(models[2].revision, std::string("9999"));

        QVERIFY(listCachedModels((cache_ / "nowhere").string()).empty());
    }

    void resolving()
    {
        const std::string dir = resolveModelPath("lumen-test/tiny-bert", cache_.string());
        auto model = Model::load(dir);
        QCOMPARE(model->info().architecture, std::string("BertForPreTraining"));
        // A folder stays a folder.
        QCOMPARE(resolveModelPath(test::conformanceDir("bert"), cache_.string()),
                 test::conformanceDir("bert"));
        try {
            resolveModelPath("lumen-test/absent", cache_.string());
            QFAIL("an absent model resolved");
        } catch (const Error& e) {
            QCOMPARE(std::string(e.what()),
                     "\"lumen-test/absent\" is neither a folder nor a model in the Hugging Face "
                     "cache (" + cache_.string() + "). Give a model folder, or download the "
                     "model first (set HF_HUB_CACHE or HF_HOME if your cache is elsewhere).");
        }
        try {
            resolveModelPath("lumen-test/broken", cache_.string());
            QFAIL("an entry without a snapshot resolved");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).rfind("the cached model lumen-test/broken has no "
                                                 "snapshot", 0) == 0, e.what());
        }
    }

    void environment()
    {
        EnvScope scope({"HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HOME"});
        qputenv("HOME", "/home/someone");
        QCOMPARE(huggingFaceCacheDir(), std::string("/home/someone/.cache/huggingface/hub"));
        qputenv("XDG_CACHE_HOME", "/xdg");
        QCOMPARE(huggingFaceCacheDir(), std::string("/xdg/huggingface/hub"));
        qputenv("HF_HOME", "/hf");
        QCOMPARE(huggingFaceCacheDir(), std::string("/hf/hub"));
        qputenv("HF_HUB_CACHE", "/hub-cache");
        QCOMPARE(huggingFaceCacheDir(), std::string("/hub-cache"));
    }

    void commandLine()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HF_HUB_CACHE"), QString::fromStdString(cache_.string()));
        QProcess list;
        list.setProcessEnvironment(env);
        list.start(QStringLiteral(LUMEN_CLI_PATH), {QStringLiteral("models"), QStringLiteral("--json")});
        QVERIFY(list.waitForFinished(60000));
        QCOMPARE(list.exitCode(), 0);
        const auto j = nlohmann::json::parse(list.readAllStandardOutput().toStdString());
        QCOMPARE(j["cache"].get<std::string>(), cache_.string());
        QCOMPARE(j["models"].size(), size_t(3));
        QCOMPARE(j["models"][1]["repo_id"].get<std::string>(), std::string("lumen-test/tiny-bert"));

        QProcess info;
        info.setProcessEnvironment(env);
        info.start(QStringLiteral(LUMEN_CLI_PATH),
                   {QStringLiteral("info"), QStringLiteral("lumen-test/tiny-bert"), QStringLiteral("--json")});
        QVERIFY(info.waitForFinished(60000));
        QCOMPARE(info.exitCode(), 0);
        const auto i = nlohmann::json::parse(info.readAllStandardOutput().toStdString());
        QCOMPARE(i["architecture"].get<std::string>(), std::string("BertForPreTraining"));

        QProcess missing;
        missing.setProcessEnvironment(env);
        missing.start(QStringLiteral(LUMEN_CLI_PATH),
                      {QStringLiteral("info"), QStringLiteral("lumen-test/broken")});
        QVERIFY(missing.waitForFinished(60000));
        QCOMPARE(missing.exitCode(), 1);
        QVERIFY(missing.readAllStandardError().contains("the cached model lumen-test/broken has no snapshot"));
    }
};

QTEST_GUILESS_MAIN(TestHfCache)
#include "tst_hf_cache.moc"
