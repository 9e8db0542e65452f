// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// File > Open from Cache… against a Hugging Face cache built here the way huggingface_hub
// lays it out (HF_HUB_CACHE points at it): the list shows every entry, the ones that cannot
// be opened are disabled with the reason, choosing the good one loads it through the
// window's own openModel path, and the model panel then describes it. An empty or missing
// cache says so and how to fill it.

#include "cache_dialog.h"
#include "launcher.h"
#include "main_window.h"

#include "lumen/widgets/model_panel.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using lumen::app::AttentionController;
using lumen::app::CacheDialog;
using lumen::app::MainWindow;

namespace {

constexpr int kWaitMs = 60000;

fs::path bertDir()
{
    return fs::path(LUMEN_TEST_DATA) / "conformance" / "bert";
}

// models--ORG--NAME/{blobs, refs/main, snapshots/HASH/<links>} with the files of `from`
// (as tests/engine/io/tst_hf_cache.cpp builds it).
void addCachedModel(
    const fs::path& cache, const std::string& entry, const std::string& hash, const fs::path& from)
{
    const fs::path root = cache / entry;
    fs::create_directories(root / "blobs");
    fs::create_directories(root / "snapshots" / hash);
    fs::create_directories(root / "refs");
    std::ofstream(root / "refs" / "main") << hash;
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

/// Unique parameters per the reference's state-dict manifest: the tensors it wrote to
/// model.safetensors (tied copies are not written).
qint64 referenceParameterCount()
{
    QFile f(QString::fromStdString((bertDir() / "state_dict_manifest.json").string()));
    if (!f.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QJsonObject tensors =
        QJsonDocument::fromJson(f.readAll()).object()[QStringLiteral("tensors")].toObject();
    qint64 total = 0;
    for (auto it = tensors.begin(); it != tensors.end(); ++it) {
        const QJsonObject t = it.value().toObject();
        if (!t[QStringLiteral("in_safetensors")].toBool()) {
            continue;
        }
        qint64 n = 1;
        for (const auto& d : t[QStringLiteral("shape")].toArray()) {
            n *= d.toInteger();
        }
        total += n;
    }
    return total;
}

int rowOf(const QTreeWidget* list, const QString& repo)
{
    for (int r = 0; r < list->topLevelItemCount(); ++r) {
        if (list->topLevelItem(r)->text(CacheDialog::RepoColumn) == repo) {
            return r;
        }
    }
    return -1;
}

} // namespace

class TestCacheDialog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir temp_;
    fs::path cache_;
    QByteArray savedCache_;

    std::unique_ptr<MainWindow> makeWindow()
    {
        auto window = std::make_unique<MainWindow>();
        window->setInteractiveErrors(false);
        window->resize(1024, 720);
        window->show();
        if (!window->openProject(temp_.filePath(QStringLiteral("p.lumen")))) {
            return nullptr;
        }
        return window;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(temp_.isValid());
        lumen::app::initResources();
        savedCache_ = qgetenv("HF_HUB_CACHE");
        cache_ = fs::path(temp_.path().toStdString()) / "hub";
        addCachedModel(cache_, "models--lumen-test--tiny-bert", "0123abcd", bertDir());
        // Downloaded by a process that died before any file landed: no snapshot.
        fs::create_directories(cache_ / "models--lumen-test--broken" / "blobs");
        // A model family Lumen does not know.
        const fs::path odd = fs::path(temp_.path().toStdString()) / "odd";
        fs::create_directories(odd);
        for (const auto& file : fs::directory_iterator(bertDir())) {
            if (file.path().filename() != "config.json") {
                fs::copy_file(file.path(), odd / file.path().filename());
            }
        }
        std::ofstream(odd / "config.json") << R"({"model_type": "no-such-family"})";
        addCachedModel(cache_, "models--lumen-test--odd-family", "77", odd);
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString(cache_.string()));
    }

    void cleanupTestCase()
    {
        if (savedCache_.isNull()) {
            qunsetenv("HF_HUB_CACHE");
        } else {
            qputenv("HF_HUB_CACHE", savedCache_);
        }
    }

    void listsTheCache()
    {
        CacheDialog dialog;
        QCOMPARE(dialog.cacheDir(), QString::fromStdString(cache_.string()));
        QVERIFY2(dialog.messageLabel()->text().contains(dialog.cacheDir()),
            qPrintable(dialog.messageLabel()->text()));
        QTreeWidget* list = dialog.list();
        QCOMPARE(list->topLevelItemCount(), 3);
        // Sorted by repo id.
        QCOMPARE(list->topLevelItem(0)->text(CacheDialog::RepoColumn),
            QStringLiteral("lumen-test/broken"));
        QCOMPARE(list->topLevelItem(1)->text(CacheDialog::RepoColumn),
            QStringLiteral("lumen-test/odd-family"));
        QCOMPARE(list->topLevelItem(2)->text(CacheDialog::RepoColumn),
            QStringLiteral("lumen-test/tiny-bert"));

        const QTreeWidgetItem* good = list->topLevelItem(2);
        QVERIFY(!good->isDisabled());
        QCOMPARE(good->text(CacheDialog::TypeColumn), QStringLiteral("bert"));
        QCOMPARE(good->text(CacheDialog::StatusColumn), QStringLiteral("Ready"));
        // The snapshot's files with links followed: model.safetensors alone is > 400 KB.
        qint64 bytes = 0;
        for (const auto& f : fs::directory_iterator(bertDir())) {
            const std::string n = f.path().filename().string();
            if (n != "expected.json" && n != "state_dict_manifest.json") {
                bytes += static_cast<qint64>(fs::file_size(f.path()));
            }
        }
        QCOMPARE(good->text(CacheDialog::SizeColumn), lumen::app::formatByteSize(bytes));

        const QTreeWidgetItem* broken = list->topLevelItem(0);
        QVERIFY(broken->isDisabled());
        QVERIFY(!(broken->flags() & Qt::ItemIsSelectable));
        QVERIFY2(broken->text(CacheDialog::StatusColumn).startsWith(QStringLiteral("no snapshot")),
            qPrintable(broken->text(CacheDialog::StatusColumn)));
        QVERIFY2(broken->toolTip(CacheDialog::RepoColumn).contains(QStringLiteral("no snapshot")),
            qPrintable(broken->toolTip(CacheDialog::RepoColumn)));

        const QTreeWidgetItem* odd = list->topLevelItem(1);
        QVERIFY(odd->isDisabled());
        QVERIFY2(odd->text(CacheDialog::StatusColumn).contains(QStringLiteral("no-such-family")),
            qPrintable(odd->text(CacheDialog::StatusColumn)));
        QVERIFY(odd->toolTip(CacheDialog::StatusColumn).contains(QStringLiteral("bert")));

        // The first entry that can be opened is preselected; disabled ones cannot be.
        QCOMPARE(dialog.selectedPath(),
            QString::fromStdString(
                (cache_ / "models--lumen-test--tiny-bert" / "snapshots" / "0123abcd").string()));
        QVERIFY(dialog.openButton()->isEnabled());
        QVERIFY(!dialog.selectRepo(QStringLiteral("lumen-test/broken")));
        QVERIFY(!dialog.selectRepo(QStringLiteral("lumen-test/odd-family")));
        QVERIFY(!dialog.selectRepo(QStringLiteral("nobody/nothing")));
    }

    void openingTheGoodEntryLoadsItAndFillsThePanel()
    {
        auto window = makeWindow();
        QVERIFY(window);
        QVERIFY(window->modelPanel()->isShowingHint());
        QVERIFY(window->modelDock()->isVisible());

        CacheDialog* dialog = window->showCacheDialog();
        QVERIFY(dialog != nullptr);
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->selectRepo(QStringLiteral("lumen-test/tiny-bert")));
        const QString snapshot = dialog->selectedPath();

        QSignalSpy loaded(window->attentionController(), &AttentionController::modelLoaded);
        QSignalSpy failed(window->attentionController(), &AttentionController::loadFailed);
        QTest::mouseClick(dialog->openButton(), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, kWaitMs));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(window->attentionController()->model().dir, snapshot);
        QVERIFY2(window->modelStatusText().contains(QStringLiteral("BertForPreTraining")),
            qPrintable(window->modelStatusText()));

        // The panel describes the loaded model (config.json: 3 layers, 4 heads, hidden 48,
        // vocabulary 930, 64 positions; parameters per the reference's manifest).
        lumen::widgets::ModelPanel* panel = window->modelPanel();
        QVERIFY(!panel->isShowingHint());
        QCOMPARE(panel->fieldText(QStringLiteral("family")), QStringLiteral("bert"));
        QCOMPARE(
            panel->fieldText(QStringLiteral("architecture")), QStringLiteral("BertForPreTraining"));
        QCOMPARE(panel->fieldText(QStringLiteral("layers")), QStringLiteral("3"));
        QCOMPARE(panel->fieldText(QStringLiteral("heads")), QStringLiteral("4"));
        QCOMPARE(panel->fieldText(QStringLiteral("hidden")), QStringLiteral("48"));
        QCOMPARE(panel->fieldText(QStringLiteral("vocabulary")), QStringLiteral("930"));
        QCOMPARE(panel->fieldText(QStringLiteral("maxLength")), QStringLiteral("64 tokens"));
        const qint64 params = referenceParameterCount();
        QCOMPARE(params, qint64(110612));
        QCOMPARE(
            panel->fieldText(QStringLiteral("parameters")), lumen::widgets::formatCount(params));
        QVERIFY(!panel->isFieldShown(QStringLiteral("perForward")));
        QCOMPARE(panel->fieldText(QStringLiteral("weights")), QStringLiteral("model.safetensors"));

        // Components add up to the total.
        const QTableWidget* components = panel->componentTable();
        QVERIFY(components->rowCount() >= 2);
        qint64 sum = 0;
        for (int r = 0; r < components->rowCount(); ++r) {
            sum += components->item(r, 1)->text().remove(QLatin1Char(',')).toLongLong();
        }
        QCOMPARE(sum, params);

        // The tokenizer and its special tokens, as vocab.txt numbers them.
        QVERIFY2(
            panel->fieldText(QStringLiteral("tokenizer")).startsWith(QStringLiteral("wordpiece")),
            qPrintable(panel->fieldText(QStringLiteral("tokenizer"))));
        const QTableWidget* specials = panel->specialTokenTable();
        QStringList vocab;
        {
            QFile f(QString::fromStdString((bertDir() / "vocab.txt").string()));
            QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
            vocab = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        }
        bool sawCls = false;
        for (int r = 0; r < specials->rowCount(); ++r) {
            const qint64 id = specials->item(r, 2)->text().toLongLong();
            QVERIFY(id >= 0 && id < vocab.size());
            QCOMPARE(specials->item(r, 1)->text(), vocab.at(static_cast<int>(id)));
            sawCls = sawCls || specials->item(r, 1)->text() == QStringLiteral("[CLS]");
        }
        QVERIFY(sawCls);

        // Closing the dock hides it; View > Model Panel brings it back.
        window->modelDock()->close();
        QVERIFY(!window->modelDock()->isVisible());
        QAction* toggle = window->modelDock()->toggleViewAction();
        bool inViewMenu = false;
        for (QAction* menu : window->menuBar()->actions()) {
            if (menu->menu() != nullptr && menu->menu()->actions().contains(toggle)) {
                inViewMenu = menu->text().contains(QStringLiteral("View"));
            }
        }
        QVERIFY(inViewMenu);
        toggle->trigger();
        QVERIFY(window->modelDock()->isVisible());
    }

    void doubleClickOpens()
    {
        CacheDialog dialog;
        QSignalSpy chosen(&dialog, &CacheDialog::modelChosen);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTreeWidget* list = dialog.list();
        // A double-click on a disabled entry does nothing.
        QTreeWidgetItem* broken =
            list->topLevelItem(rowOf(list, QStringLiteral("lumen-test/broken")));
        Q_EMIT list->itemDoubleClicked(broken, 0);
        QCOMPARE(chosen.count(), 0);
        const QRect rect = list->visualItemRect(
            list->topLevelItem(rowOf(list, QStringLiteral("lumen-test/tiny-bert"))));
        QVERIFY(rect.isValid());
        // A real double-click: press and release, then the double-click event.
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(chosen.count(), 1);
        QVERIFY(chosen.at(0).at(0).toString().endsWith(QStringLiteral("snapshots/0123abcd")));
        QVERIFY(!dialog.isVisible());
    }

    void emptyAndMissingCache()
    {
        const QString empty = temp_.filePath(QStringLiteral("empty-hub"));
        QVERIFY(QDir().mkpath(empty));
        qputenv("HF_HUB_CACHE", QFile::encodeName(empty));
        {
            CacheDialog dialog;
            QCOMPARE(dialog.list()->topLevelItemCount(), 0);
            QVERIFY(!dialog.openButton()->isEnabled());
            const QString text = dialog.messageLabel()->text();
            QVERIFY2(
                text.startsWith(QStringLiteral("No models in the Hugging Face cache ") + empty),
                qPrintable(text));
            QVERIFY2(text.contains(QStringLiteral("huggingface-cli download")), qPrintable(text));
            QVERIFY(!text.contains(QStringLiteral("does not exist")));
        }
        const QString missing = temp_.filePath(QStringLiteral("no-such-hub"));
        qputenv("HF_HUB_CACHE", QFile::encodeName(missing));
        {
            CacheDialog dialog;
            QCOMPARE(dialog.list()->topLevelItemCount(), 0);
            const QString text = dialog.messageLabel()->text();
            QVERIFY2(text.contains(missing), qPrintable(text));
            QVERIFY2(text.contains(QStringLiteral("does not exist")), qPrintable(text));
        }
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString(cache_.string()));
    }
};

QTEST_MAIN(TestCacheDialog)
#include "tst_cache_dialog.moc"
