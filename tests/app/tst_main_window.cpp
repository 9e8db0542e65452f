// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The GUI end to end under the offscreen platform: load the tiny BERT the way a user does,
// run a text, and check that the heatmap holds exactly the engine's attention for the chosen
// layer and head (and the reference's within 1e-5), that the status bar names the model,
// that the run is recorded in the project, and that bad input gives a clear message while
// the window keeps working and the previous model stays loaded.

#include "about_dialog.h"
#include "app_options.h"
#include "attention_controller.h"
#include "engine_worker.h"
#include "launcher.h"
#include "main_window.h"

#include "conformance.h"
#include "tensor_compare.h"

#include "lumen/engine/analysis.h"
#include "lumen/engine/attention_snapshots.h"
#include "lumen/engine/model.h"
#include "lumen/engine/system_info.h"
#include "lumen/projects/project.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/head_stats_table.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/model_view.h"
#include "lumen/widgets/token_bar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QAction>
#include <QStatusBar>
#include <set>
#include <QUrl>

#include <cstring>

using lumen::app::AttentionController;
using lumen::app::MainWindow;

namespace {

constexpr int kWaitMs = 60000;
const char* const kText = "The capital of France is [MASK].";
constexpr int kLayer = 2;
constexpr int kHead = 1;

QString bertDir()
{
    return QStringLiteral(LUMEN_TEST_DATA "/conformance/bert");
}

bool sameBits(float a, float b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool copyFile(const QString& from, const QString& to)
{
    QFile::remove(to);
    return QFile::copy(from, to);
}

std::vector<lumen::projects::RunRecord> runsIn(const QString& projectPath)
{
    auto project = lumen::projects::Project::open(QFile::encodeName(projectPath).toStdString());
    return project->listRuns();
}

/// A window recording into `projectPath`, errors reported by signal only.
std::unique_ptr<MainWindow> makeWindow(const QString& projectPath)
{
    auto window = std::make_unique<MainWindow>();
    window->setInteractiveErrors(false);
    window->resize(1024, 720);
    window->show();
    if (!window->openProject(projectPath)) {
        return nullptr;
    }
    return window;
}

/// Loads `dir` through the window's own path and waits for the answer.
bool loadModel(MainWindow& window, const QString& dir)
{
    QSignalSpy loaded(window.attentionController(), &AttentionController::modelLoaded);
    QSignalSpy failed(window.attentionController(), &AttentionController::loadFailed);
    window.openModel(dir);
    return QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, kWaitMs)
        && loaded.count() == 1;
}

/// Types `text`, clicks Run and waits for the attention.
bool runText(MainWindow& window, const QString& text)
{
    QSignalSpy ready(window.attentionController(), &AttentionController::attentionReady);
    window.textEdit()->setText(text);
    QTest::mouseClick(window.runButton(), Qt::LeftButton);
    return ready.wait(kWaitMs) && ready.count() == 1;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void heatmapHoldsTheEnginesAttention();
    void statusBarNamesTheModel();
    void runIsRecordedInTheProject();
    void missingFolderKeepsThePreviousModel();
    void folderWithoutConfigKeepsThePreviousModel();
    void malformedSafetensorsKeepsThePreviousModel();
    void unknownModelTypeKeepsThePreviousModel();
    void emptyTextIsRefusedAndNotRecorded();
    void runWithoutModelIsRefused();
    void droppingAFolderLoadsIt();
    void closingWhileRunningMarksTheRunInterrupted();
    void workerHonoursCancelAndReportsErrors();
    void lumenExecutable();
    void conversionRefusesMismatchedShapes();
    void tokensShowTheirText();
    void sentencePairMarksSegmentB();
    void decodersAreCausal();
    void encoderDecoderShowsDecoderAndCrossAttention();
    void viewsShareOneBufferAndOneSelection();
    void exportedImagesAreFigures();
    void statisticsAndRolloutMatchTheEngine();
    void longTextsRunAsWindows();
    void commandLineOptions();
    void commandLineErrors();
    void screenshotRendersTheRun();
    void screenshotFailsOnABadModel();
    void aboutListsLibrariesAndLicences();
    void parameterCountFormat();
    void demoModelsAndExampleRuns();

private:
    QTemporaryDir temp_;
    int projectCounter_ = 0;
    QString newProjectPath()
    {
        return temp_.filePath(QStringLiteral("p%1.lumen").arg(++projectCounter_));
    }
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(temp_.isValid());
    lumen::app::initResources();
}

void TestMainWindow::heatmapHoldsTheEnginesAttention()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    // The layer and head a user picks before pressing Run are what the view then shows.
    window->attentionView()->setLayer(kLayer);
    window->attentionView()->setHead(kHead);
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));

    lumen::widgets::AttentionView* view = window->attentionView();
    QVERIFY(!view->isShowingHint());
    QCOMPARE(view->layer(), kLayer);
    QCOMPARE(view->head(), kHead);
    QCOMPARE(view->heatmap()->data().title, QStringLiteral("Layer 2 · Head 1"));

    // The engine's own numbers for the same text, computed here on the test's thread.
    auto model = lumen::engine::Model::load(QFile::encodeName(bertDir()).toStdString());
    const lumen::engine::ModelInput input = model->prepare({ kText });
    lumen::engine::TraceRequest trace;
    trace.attentions = true;
    const lumen::engine::ForwardResult out = model->forward(input, trace);
    const lumen::engine::FloatTensor& layer = out.trace.attentions.at(kLayer);
    const int seq = static_cast<int>(input.seqLen());
    const int heads = static_cast<int>(layer.shape.at(1));
    QCOMPARE(layer.shape, (std::vector<int64_t> { 1, heads, seq, seq }));

    lumen::widgets::AttentionHeatmap* map = view->heatmap();
    QCOMPARE(map->data().queries(), seq);
    QCOMPARE(map->data().keys(), seq);
    for (int q = 0; q < seq; ++q) {
        for (int k = 0; k < seq; ++k) {
            const float engine = layer.data[(static_cast<size_t>(kHead) * seq + q) * seq + k];
            QVERIFY2(sameBits(map->cellValue(q, k), engine),
                qPrintable(QStringLiteral("cell (%1, %2): heatmap %3, engine %4")
                               .arg(q)
                               .arg(k)
                               .arg(map->cellValue(q, k), 0, 'g', 9)
                               .arg(engine, 0, 'g', 9)));
        }
    }
    // Token labels are the text each token came from (its offsets), special tokens as their
    // vocabulary strings; the vocabulary strings are kept beside them.
    QStringList tokens;
    QStringList shownTexts;
    const std::u32string text32 = QString::fromUtf8(kText).toStdU32String();
    const lumen::engine::Encoding& encoding = input.encodings.at(0);
    for (size_t i = 0; i < encoding.size(); ++i) {
        tokens << QString::fromStdString(input.tokens.at(0).at(i));
        const auto [begin, end] = encoding.offsets[i];
        shownTexts << (encoding.specialMask[i] != 0
                ? tokens.back()
                : QString::fromUcs4(text32.data() + begin, end - begin));
    }
    QCOMPARE(map->keyTickLabels(), shownTexts);
    QCOMPARE(map->queryTickLabels(), shownTexts);
    QCOMPARE(view->data().vocabTokens, tokens);
    QVERIFY(shownTexts.contains(QStringLiteral("The"))); // the text's case, not the vocabulary's

    // And the reference implementation's numbers (expected.json, forward[0]).
    const nlohmann::json& reference = lumen::test::expected("bert")["forward"][0];
    QCOMPARE(
        QString::fromStdString(reference["text"].get<std::string>()), QString::fromUtf8(kText));
    QStringList referenceTokens;
    for (const auto& t : reference["tokens"]) {
        referenceTokens << QString::fromStdString(t.get<std::string>());
    }
    QCOMPARE(view->data().vocabTokens, referenceTokens);
    const lumen::engine::FloatTensor expected =
        lumen::test::jsonToFloat(reference["attentions"][kLayer][kHead]);
    lumen::engine::FloatTensor shown;
    shown.shape = { seq, seq };
    for (int q = 0; q < seq; ++q) {
        for (int k = 0; k < seq; ++k) {
            shown.data.push_back(map->cellValue(q, k));
        }
    }
    LUMEN_COMPARE_ATTENTION(shown, expected);

    // Switching head through the selector shows that head's matrix, still exactly.
    QComboBox* headBox = view->headSelector();
    headBox->setCurrentIndex(headBox->findData(3));
    QCOMPARE(view->head(), 3);
    for (int q = 0; q < seq; ++q) {
        for (int k = 0; k < seq; ++k) {
            QVERIFY(sameBits(
                map->cellValue(q, k), layer.data[(static_cast<size_t>(3) * seq + q) * seq + k]));
        }
    }
    view->layerSelector()->setValue(0);
    const lumen::engine::FloatTensor& layer0 = out.trace.attentions.at(0);
    QVERIFY(sameBits(map->cellValue(seq - 1, 0), layer0.data[(3 * seq + seq - 1) * seq + 0]));
}

void TestMainWindow::statusBarNamesTheModel()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QCOMPARE(window->modelStatusText(), QString());
    QVERIFY(loadModel(*window, bertDir()));

    auto model = lumen::engine::Model::load(QFile::encodeName(bertDir()).toStdString());
    const qint64 parameters = model->info().parameterCount;
    QVERIFY(parameters > 0);
    const QString status = window->modelStatusLabel()->text();
    QCOMPARE(status, window->modelStatusText());
    QVERIFY2(status.startsWith(QStringLiteral("BertForPreTraining · ")), qPrintable(status));
    QVERIFY2(status.contains(
                 lumen::app::formatParameterCount(parameters) + QStringLiteral(" parameters")),
        qPrintable(status));
    QVERIFY2(status.endsWith(QStringLiteral(" · cpu")), qPrintable(status));
    // The exact count is one hover away.
    QVERIFY2(window->modelStatusLabel()->toolTip().contains(QString::number(parameters)),
        qPrintable(window->modelStatusLabel()->toolTip()));
    QCOMPARE(
        window->attentionController()->model().architecture, QStringLiteral("BertForPreTraining"));
    QCOMPARE(window->attentionController()->model().layers, 3);
    QCOMPARE(window->attentionController()->model().heads, 4);
}

void TestMainWindow::runIsRecordedInTheProject()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    QCOMPARE(window->projectController()->projectPath(), QFileInfo(path).absoluteFilePath());
    window->attentionView()->setLayer(kLayer);
    window->attentionView()->setHead(kHead);
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));

    const auto runs = runsIn(path);
    QCOMPARE(runs.size(), size_t(1));
    const lumen::projects::RunRecord& run = runs.front();
    QCOMPARE(run.kind, std::string("attention"));
    QCOMPARE(run.status, lumen::projects::RunStatus::Completed);
    QCOMPARE(QString::fromStdString(run.model), QFileInfo(bertDir()).absoluteFilePath());
    QCOMPARE(QString::fromStdString(run.modelFamily), QStringLiteral("bert")); // recorded with the model
    QCOMPARE(run.device, std::string("cpu"));
    QVERIFY(run.finishedMs.has_value());
    QVERIFY(run.errorMessage.empty());

    const QJsonObject parameters =
        QJsonDocument::fromJson(QByteArray::fromStdString(run.parametersJson)).object();
    QCOMPARE(parameters.value(QStringLiteral("text")).toString(), QString::fromUtf8(kText));
    QCOMPARE(parameters.value(QStringLiteral("layer")).toInt(-1), kLayer);
    QCOMPARE(parameters.value(QStringLiteral("head")).toInt(-1), kHead);
    const QJsonObject summary =
        QJsonDocument::fromJson(QByteArray::fromStdString(run.summaryJson)).object();
    QCOMPARE(summary.value(QStringLiteral("seq_len")).toInt(), 10); // [CLS] ... [SEP]
    QCOMPARE(summary.value(QStringLiteral("layers")).toInt(), 3);
    QCOMPARE(summary.value(QStringLiteral("heads")).toInt(), 4);
    QVERIFY(summary.value(QStringLiteral("elapsed_ms")).toDouble(-1) >= 0.0);

    auto project = lumen::projects::Project::open(QFile::encodeName(path).toStdString());
    QCOMPARE(project->metricKeys(run.id), std::vector<std::string> { "forward_ms" });

    // A second run is a second record.
    QVERIFY(runText(*window, QStringLiteral("Paris is the capital.")));
    QCOMPARE(runsIn(path).size(), size_t(2));
    QCOMPARE(window->attentionController()->lastRun().id, runsIn(path).front().id);
}

void TestMainWindow::missingFolderKeepsThePreviousModel()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    const QString status = window->modelStatusLabel()->text();

    const QString missing = temp_.filePath(QStringLiteral("no-such-model"));
    QSignalSpy errors(window.get(), &MainWindow::errorShown);
    QVERIFY(!loadModel(*window, missing));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().at(0).toString();
    QVERIFY2(message.contains(missing), qPrintable(message));
    QCOMPARE(window->lastError(), message);

    // Still the BERT, still usable, and the earlier run is still in the project.
    QVERIFY(window->attentionController()->hasModel());
    QCOMPARE(window->attentionController()->model().dir, QFileInfo(bertDir()).absoluteFilePath());
    QCOMPARE(window->modelStatusLabel()->text(), status);
    QVERIFY(window->runButton()->isEnabled());
    QVERIFY(runText(*window, QStringLiteral("Still here.")));
    const auto runs = runsIn(path);
    QCOMPARE(runs.size(), size_t(2));
    for (const auto& run : runs) {
        QCOMPARE(run.status, lumen::projects::RunStatus::Completed);
    }
}

void TestMainWindow::folderWithoutConfigKeepsThePreviousModel()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));

    const QString dir = temp_.filePath(QStringLiteral("no-config"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(copyFile(bertDir() + QStringLiteral("/vocab.txt"), dir + QStringLiteral("/vocab.txt")));
    QVERIFY(copyFile(bertDir() + QStringLiteral("/model.safetensors"),
        dir + QStringLiteral("/model.safetensors")));

    QSignalSpy errors(window.get(), &MainWindow::errorShown);
    QVERIFY(!loadModel(*window, dir));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().at(0).toString();
    QVERIFY2(message.contains(dir), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("config.json")), qPrintable(message));
    QCOMPARE(
        window->attentionController()->model().architecture, QStringLiteral("BertForPreTraining"));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
}

void TestMainWindow::malformedSafetensorsKeepsThePreviousModel()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));

    // A copy of the BERT whose weights file was cut short (an interrupted download).
    const QString dir = temp_.filePath(QStringLiteral("truncated"));
    QVERIFY(QDir().mkpath(dir));
    for (const char* name :
        { "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" }) {
        QVERIFY(copyFile(bertDir() + QLatin1Char('/') + QLatin1String(name),
            dir + QLatin1Char('/') + QLatin1String(name)));
    }
    QFile source(bertDir() + QStringLiteral("/model.safetensors"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QByteArray bytes = source.readAll();
    QFile target(dir + QStringLiteral("/model.safetensors"));
    QVERIFY(target.open(QIODevice::WriteOnly));
    target.write(bytes.left(bytes.size() / 2));
    target.close();

    QSignalSpy errors(window.get(), &MainWindow::errorShown);
    QVERIFY(!loadModel(*window, dir));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().at(0).toString();
    QVERIFY2(message.contains(dir), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("model.safetensors")), qPrintable(message));
    QCOMPARE(window->attentionController()->model().dir, QFileInfo(bertDir()).absoluteFilePath());
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
}

void TestMainWindow::unknownModelTypeKeepsThePreviousModel()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));

    const QString dir = temp_.filePath(QStringLiteral("unknown-type"));
    QVERIFY(QDir().mkpath(dir));
    QFile config(bertDir() + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    QJsonObject json = QJsonDocument::fromJson(config.readAll()).object();
    json.insert(QStringLiteral("model_type"), QStringLiteral("frobnicator"));
    QFile out(dir + QStringLiteral("/config.json"));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(json).toJson());
    out.close();
    QVERIFY(copyFile(bertDir() + QStringLiteral("/model.safetensors"),
        dir + QStringLiteral("/model.safetensors")));
    QVERIFY(copyFile(bertDir() + QStringLiteral("/vocab.txt"), dir + QStringLiteral("/vocab.txt")));

    QSignalSpy errors(window.get(), &MainWindow::errorShown);
    QVERIFY(!loadModel(*window, dir));
    QCOMPARE(errors.count(), 1);
    const QString message = errors.first().at(0).toString();
    QVERIFY2(message.contains(dir), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("frobnicator")), qPrintable(message));
    QVERIFY(window->attentionController()->hasModel());
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
}

void TestMainWindow::emptyTextIsRefusedAndNotRecorded()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    const std::vector<float> shown = window->attentionView()->heatmap()->data().weights;

    for (const QString& empty : { QString(), QStringLiteral("   \t ") }) {
        QSignalSpy errors(window.get(), &MainWindow::errorShown);
        QSignalSpy ready(window->attentionController(), &AttentionController::attentionReady);
        window->textEdit()->setText(empty);
        QTest::mouseClick(window->runButton(), Qt::LeftButton);
        QCOMPARE(errors.count(), 1); // refused at once, before anything runs
        QCOMPARE(errors.first().at(0).toString(),
            QStringLiteral("The text is empty. Type a sentence to run the model on."));
        QVERIFY(!ready.wait(200));
        QVERIFY(!window->attentionController()->isBusy());
    }
    // Nothing ran, so nothing new was recorded; the earlier run and the view are intact.
    const auto runs = runsIn(path);
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs.front().status, lumen::projects::RunStatus::Completed);
    QCOMPARE(window->attentionView()->heatmap()->data().weights, shown);
    QVERIFY(runText(*window, QStringLiteral("Back to work.")));
    QCOMPARE(runsIn(path).size(), size_t(2));
}

void TestMainWindow::runWithoutModelIsRefused()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    QVERIFY(window->attentionView()->isShowingHint());
    QCOMPARE(window->attentionView()->hint(), QStringLiteral("Open a model and press Run"));
    QSignalSpy errors(window.get(), &MainWindow::errorShown);
    window->textEdit()->setText(QString::fromUtf8(kText));
    QTest::mouseClick(window->runButton(), Qt::LeftButton);
    QCOMPARE(errors.count(), 1);
    QVERIFY2(errors.first().at(0).toString().contains(QStringLiteral("Open Model")),
        qPrintable(errors.first().at(0).toString()));
    QCOMPARE(runsIn(path).size(), size_t(0));
}

void TestMainWindow::droppingAFolderLoadsIt()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(window->acceptDrops());

    QMimeData folder;
    folder.setUrls({ QUrl::fromLocalFile(bertDir()) });
    QMimeData file;
    file.setUrls({ QUrl::fromLocalFile(bertDir() + QStringLiteral("/config.json")) });
    const QPoint centre = window->rect().center();

    // A folder is welcome, a single file is not.
    QDragEnterEvent enterFolder(centre, Qt::CopyAction, &folder, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &enterFolder);
    QVERIFY(enterFolder.isAccepted());
    QDragEnterEvent enterFile(centre, Qt::CopyAction, &file, Qt::LeftButton, Qt::NoModifier);
    enterFile.setAccepted(false);
    QCoreApplication::sendEvent(window.get(), &enterFile);
    QVERIFY(!enterFile.isAccepted());

    QSignalSpy loaded(window->attentionController(), &AttentionController::modelLoaded);
    QDropEvent drop(centre, Qt::CopyAction, &folder, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(window.get(), &drop);
    QVERIFY(loaded.wait(kWaitMs));
    QCOMPARE(window->attentionController()->model().dir, QFileInfo(bertDir()).absoluteFilePath());
    QVERIFY(window->modelStatusLabel()->text().startsWith(QStringLiteral("BertForPreTraining")));
}

void TestMainWindow::closingWhileRunningMarksTheRunInterrupted()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    window->textEdit()->setText(QStringLiteral("Closed before the answer arrives."));
    QTest::mouseClick(window->runButton(), Qt::LeftButton);
    QVERIFY(window->attentionController()->isBusy());
    QVERIFY(!window->runButton()->isEnabled());
    QVERIFY(window->cancelButton()->isVisibleTo(window.get()));
    window.reset(); // no event is processed in between, so the answer never lands

    // The finished run is intact; the cut-short one says so instead of staying "running".
    const auto runs = runsIn(path);
    QCOMPARE(runs.size(), size_t(2));
    QCOMPARE(runs[1].status, lumen::projects::RunStatus::Completed); // newest first
    QCOMPARE(runs[0].status, lumen::projects::RunStatus::Interrupted);
    QVERIFY2(QString::fromStdString(runs[0].errorMessage).contains(QStringLiteral("closed")),
        runs[0].errorMessage.c_str());
}

void TestMainWindow::workerHonoursCancelAndReportsErrors()
{
    // The worker's slots called directly on this thread, so every outcome is deterministic.
    lumen::app::EngineWorker worker;
    QSignalSpy failed(&worker, &lumen::app::EngineWorker::runFailed);
    QSignalSpy cancelled(&worker, &lumen::app::EngineWorker::runCancelled);
    QSignalSpy ready(&worker, &lumen::app::EngineWorker::attentionReady);
    QSignalSpy loadFailed(&worker, &lumen::app::EngineWorker::loadFailed);

    lumen::app::AttentionRequest request;
    request.id = 7;
    request.text = QString::fromUtf8(kText);
    request.cancel = std::make_shared<std::atomic<bool>>(false);
    worker.runAttention(request);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).toULongLong(), 7ull);
    QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("No model is loaded")));

    worker.loadModel(bertDir());
    QVERIFY(worker.hasModel());
    request.cancel->store(true);
    worker.runAttention(request);
    QCOMPARE(cancelled.count(), 1);
    QCOMPARE(cancelled.first().at(0).toULongLong(), 7ull);
    QCOMPARE(ready.count(), 0);

    // The engine's own refusal of an empty text comes back as a message, not an exception.
    request.cancel->store(false);
    request.text = QString();
    worker.runAttention(request);
    QCOMPARE(failed.count(), 2);
    QVERIFY2(failed.at(1).at(1).toString().contains(QStringLiteral("empty")),
        qPrintable(failed.at(1).at(1).toString()));

    request.text = QString::fromUtf8(kText);
    worker.runAttention(request);
    QCOMPARE(ready.count(), 1);
    const auto out = ready.first().at(0).value<lumen::app::AttentionOutput>();
    QCOMPARE(out.requestId, 7ull);
    QCOMPARE(out.tokens.size(), size_t(10));
    // Packed on the worker: one buffer, the per-layer tensors already freed.
    QVERIFY(out.attentions.empty());
    QCOMPARE(out.packed.layers, 3);
    QCOMPARE(out.packed.weights->size(), size_t(3) * out.packed.heads * 10 * 10);
    // ... and the views' set is that buffer, not a copy of it.
    const lumen::widgets::AttentionSet set = lumen::app::toAttentionSet(out);
    QVERIFY(set.weights.get() == out.packed.weights.get());

    worker.loadModel(temp_.filePath(QStringLiteral("absent")));
    QCOMPARE(loadFailed.count(), 1);
    QVERIFY(worker.hasModel()); // the BERT is still there
}

void TestMainWindow::lumenExecutable()
{
    // The real program: it starts (the protobuf link-order trap crashes before main), renders
    // a screenshot headless, and fails with a non-zero status and the reason on stderr.
    const QString lumen =
        QFileInfo(QStringLiteral(LUMEN_CLI_PATH)).absolutePath() + QStringLiteral("/lumen");
    if (!QFileInfo(lumen).isExecutable()) {
        QSKIP("build the lumen target first (ninja -C build/dev lumen)");
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HOME"), temp_.filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), temp_.filePath(QStringLiteral("home/data")));

    auto runLumen = [&](const QStringList& args, QByteArray* err) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(lumen, args);
        if (!p.waitForFinished(kWaitMs)) {
            p.kill();
            return -100;
        }
        *err = p.readAllStandardError();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };

    const QString project = newProjectPath();
    const QString shot = temp_.filePath(QStringLiteral("exe.png"));
    QByteArray err;
    QCOMPARE(runLumen({ QStringLiteral("--screenshot"), shot, QStringLiteral("--project"), project,
                          QStringLiteral("--model"), bertDir(), QStringLiteral("--text"),
                          QStringLiteral("The quick brown fox jumps over the lazy dog."),
                          QStringLiteral("--layer"), QStringLiteral("2"), QStringLiteral("--head"),
                          QStringLiteral("1") },
                 &err),
        0);
    const QImage image(shot);
    QCOMPARE(image.size(), QSize(1280, 800));
    QCOMPARE(runsIn(project).size(), size_t(1));

    const QString missing = temp_.filePath(QStringLiteral("missing-model"));
    QCOMPARE(
        runLumen({ QStringLiteral("--screenshot"), temp_.filePath(QStringLiteral("x.png")),
                     QStringLiteral("--project"), project, QStringLiteral("--model"), missing },
            &err),
        1);
    QVERIFY2(QString::fromUtf8(err).contains(missing), err.constData());
    QVERIFY(!QFileInfo::exists(temp_.filePath(QStringLiteral("x.png"))));

    QCOMPARE(runLumen({ QStringLiteral("--layer"), QStringLiteral("two") }, &err), 2);
    QVERIFY2(err.contains("--layer"), err.constData());
}

void TestMainWindow::conversionRefusesMismatchedShapes()
{
    lumen::app::AttentionOutput out;
    out.tokens = { "[CLS]", "a", "[SEP]" };
    lumen::engine::FloatTensor layer;
    layer.shape = { 1, 2, 3, 3 };
    for (int i = 0; i < 18; ++i) {
        layer.data.push_back(static_cast<float>(i) / 18.0f);
    }
    out.attentions = { layer, layer };
    out.attentions[1].data[7] = 0.5f;

    QString error;
    const lumen::widgets::AttentionSet set = lumen::app::toAttentionSet(out, &error);
    QVERIFY(error.isEmpty());
    QVERIFY(set.isValid());
    QCOMPARE(set.layers, 2);
    QCOMPARE(set.heads, 2);
    QCOMPARE(set.seq, 3);
    QCOMPARE(set.tokens,
        QStringList({ QStringLiteral("[CLS]"), QStringLiteral("a"), QStringLiteral("[SEP]") }));
    // [layer][head][q][k]: layer 1, head 0, q 2, k 1 is the tensor's flat index 7.
    QCOMPARE(set.at(1, 0, 2, 1), 0.5f);
    QCOMPARE(set.at(0, 1, 1, 1), 13.0f / 18.0f);

    out.attentions[1].shape = { 1, 2, 3, 2 };
    const lumen::widgets::AttentionSet bad = lumen::app::toAttentionSet(out, &error);
    QVERIFY(!bad.isValid());
    QVERIFY2(error.contains(QStringLiteral("layer 1")), qPrintable(error));

    // The decoder of an encoder-decoder output: 2 positions over the 3 encoder tokens.
    out.attentions[1].shape = { 1, 2, 3, 3 };
    lumen::engine::FloatTensor self;
    self.shape = { 1, 2, 2, 2 };
    self.data.assign(8, 0.5f);
    lumen::engine::FloatTensor cross;
    cross.shape = { 1, 2, 2, 3 };
    for (int i = 0; i < 12; ++i) {
        cross.data.push_back(static_cast<float>(i) / 12.0f);
    }
    std::vector<lumen::engine::FloatTensor> selfLayers { self };
    std::vector<lumen::engine::FloatTensor> crossLayers { cross };
    out.target = QStringLiteral("ab");
    out.decoderTokens = { "<pad>", "▁ab" };
    out.decoderOffsets = { { 0, 0 }, { 0, 2 } };
    out.decoderSpecial = { 1, 0 };
    out.decoderPacked = lumen::app::packAttention(selfLayers, 2, false, &error);
    out.crossPacked = lumen::app::packAttention(crossLayers, 2, false, &error, 3);
    QVERIFY2(out.crossPacked.weights, qPrintable(error));
    lumen::widgets::AttentionSet decoder;
    lumen::widgets::AttentionSet crossSet;
    const lumen::widgets::AttentionSet encoder = lumen::app::toAttentionSet(out, &error);
    QVERIFY(lumen::app::toDecoderSets(out, encoder, &decoder, &crossSet, &error));
    QVERIFY(decoder.isValid() && decoder.causal);
    QCOMPARE(decoder.tokens, QStringList({ QStringLiteral("<pad>"), QStringLiteral("ab") }));
    QVERIFY(crossSet.isValid() && !crossSet.isSelf());
    QCOMPARE(crossSet.keyTokens, encoder.tokens);
    QCOMPARE(crossSet.at(0, 1, 1, 2), 11.0f / 12.0f); // head 1, query 1, key 2: flat index 11
    // A cross-attention over another number of encoder positions is refused.
    lumen::engine::FloatTensor narrow;
    narrow.shape = { 1, 2, 2, 2 };
    narrow.data.assign(8, 0.25f);
    std::vector<lumen::engine::FloatTensor> narrowLayers { narrow };
    out.crossPacked = lumen::app::packAttention(narrowLayers, 2, false, &error, 2);
    QVERIFY(!lumen::app::toDecoderSets(out, encoder, &decoder, &crossSet, &error));
    QVERIFY2(error.contains(QStringLiteral("the encoder's 3")), qPrintable(error));
    // And packing refuses a layer of the wrong width.
    QVERIFY(!lumen::app::packAttention(narrowLayers, 2, false, &error, 3).weights);
    QVERIFY2(error.contains(QStringLiteral("[1, 2, 2, 3]")), qPrintable(error));
}

void TestMainWindow::tokensShowTheirText()
{
    using lumen::app::tokenDisplayText;
    const std::u32string text = U"Hello  wörld\n🍕";
    QCOMPARE(tokenDisplayText(text, { 0, 5 }, false, "hello"), QStringLiteral("Hello"));
    // White space at the ends is trimmed; a token of white space alone shows a sign.
    QCOMPARE(
        tokenDisplayText(text, { 5, 12 }, false, "\xC4\xA0w\xC3\xB6rld"), QStringLiteral("wörld"));
    QCOMPARE(tokenDisplayText(text, { 5, 6 }, false, "\xC4\xA0"), QStringLiteral("␣"));
    QCOMPARE(tokenDisplayText(text, { 12, 13 }, false, "\xC4\x8A"), QStringLiteral("⏎"));
    QCOMPARE(tokenDisplayText(text, { 13, 14 }, false, "\xC3\xB0\xC5\x81"), QStringLiteral("🍕"));
    // Special tokens and tokens without characters show their vocabulary string, markers
    // turned into a visible space.
    QCOMPARE(tokenDisplayText(text, { 0, 0 }, true, "[CLS]"), QStringLiteral("[CLS]"));
    QCOMPARE(tokenDisplayText(text, { 0, 0 }, false, "\xE2\x96\x81"), QStringLiteral("␣"));
    // Offsets outside the text (a mismatch) fall back to the vocabulary string.
    QCOMPARE(tokenDisplayText(text, { 10, 99 }, false, "x"), QStringLiteral("x"));
}

void TestMainWindow::sentencePairMarksSegmentB()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    window->pairEdit()->setText(QStringLiteral("It is Paris."));
    QVERIFY(runText(*window, QStringLiteral("Where is it?")));
    const lumen::widgets::AttentionSet& set = window->attentionView()->data();
    // [CLS] where is it ? [SEP] it is paris . [SEP]: text B starts after the first [SEP].
    const int firstSep = set.vocabTokens.indexOf(QStringLiteral("[SEP]"));
    QVERIFY(firstSep > 0);
    QCOMPARE(set.segmentStart, firstSep + 1);
    // Shown as the text, case kept (the vocabulary is lower-case): "It", "Whe" + "re".
    QVERIFY2(QStringLiteral("It").startsWith(set.tokens.at(set.segmentStart)),
        qPrintable(set.tokens.join(QLatin1Char('|'))));
    QVERIFY2(QStringLiteral("Where").startsWith(set.tokens.at(1)),
        qPrintable(set.tokens.join(QLatin1Char('|'))));
    QVERIFY(set.isSpecial(0) && set.isSpecial(firstSep) && !set.isSpecial(1));
    QVERIFY(!set.causal);
    // The run records both texts.
    const auto runs = window->projectController()->project()->listRuns();
    QVERIFY(!runs.empty());
    const auto parameters = nlohmann::json::parse(runs.front().parametersJson);
    QCOMPARE(QString::fromStdString(parameters.at("text_pair").get<std::string>()),
        QStringLiteral("It is Paris."));
}

void TestMainWindow::decodersAreCausal()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, QString::fromStdString(lumen::test::conformanceDir("gpt2"))));
    QVERIFY(runText(*window, QStringLiteral("Hello world")));
    const lumen::widgets::AttentionSet& set = window->attentionView()->data();
    QVERIFY(set.causal);
    QCOMPARE(set.segmentStart, -1);
    // No "Ġ" in what is shown: " world" shows as "world".
    QCOMPARE(set.tokens.join(QLatin1Char('|')).contains(QStringLiteral("Ġ")), false);
    // The engine's causal mask: nothing above the diagonal.
    for (int q = 0; q < set.seq; ++q) {
        for (int k = q + 1; k < set.seq; ++k) {
            QCOMPARE(set.at(0, 0, q, k), 0.0f);
        }
    }
}

// T5 with a target: the encoder's, the decoder's and the cross-attention, each exactly the
// engine's, one at a time in every view; cross-attention has no statistics or rollout; the
// run keeps all three and reopens them.
void TestMainWindow::encoderDecoderShowsDecoderAndCrossAttention()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    const QString t5 = QString::fromStdString(lumen::test::conformanceDir("t5"));
    QVERIFY(loadModel(*window, t5));
    QVERIFY(window->pairEdit()->placeholderText().contains(QStringLiteral("decoder")));
    QVERIFY(!window->stackBar()->isVisibleTo(window.get()));
    const QString source = QStringLiteral("translate English to German: The house is small.");
    const QString target = QStringLiteral("Das Haus ist klein.");
    window->pairEdit()->setText(target);
    QVERIFY(runText(*window, source));
    AttentionController* attention = window->attentionController();
    const lumen::app::AttentionRecord record = attention->lastRecord(); // shares the buffers
    QVERIFY(record.hasDecoder());
    QCOMPARE(record.target, target);
    QVERIFY(window->stackBar()->isVisibleTo(window.get()));
    QCOMPARE(attention->stack(), AttentionController::Stack::Encoder);

    // The engine's own numbers, on this thread.
    auto model = lumen::engine::Model::load(QFile::encodeName(t5).toStdString());
    const lumen::engine::ModelInput input =
        model->prepareSeq2Seq({ source.toStdString() }, { target.toStdString() });
    lumen::engine::TraceRequest trace;
    trace.attentions = true;
    const lumen::engine::ForwardResult out = model->forward(input, trace);
    const int src = static_cast<int>(input.seqLen());
    const int tgt = static_cast<int>(input.decoderInputIds.shape.at(1));
    const auto sameAsEngine = [](const lumen::widgets::AttentionSet& set,
                                  const std::vector<lumen::engine::FloatTensor>& layers) {
        if (static_cast<int>(layers.size()) != set.layers) {
            return false;
        }
        const size_t perLayer = static_cast<size_t>(set.heads) * set.seq * set.keys();
        for (int l = 0; l < set.layers; ++l) {
            const auto& t = layers[static_cast<size_t>(l)];
            if (t.data.size() != perLayer
                || std::memcmp(set.slice(l, 0), t.data.data(), perLayer * sizeof(float)) != 0) {
                return false;
            }
        }
        return true;
    };
    QCOMPARE(record.set.seq, src);
    QVERIFY(sameAsEngine(record.set, out.trace.attentions));
    QCOMPARE(window->attentionView()->data().weights->data(), record.set.weights->data());

    // The decoder: causal, its positions the start token and then the target shifted right.
    QSignalSpy statistics(attention, &AttentionController::statisticsReady);
    window->stackSelector()->setCurrentIndex(1);
    QCOMPARE(attention->stack(), AttentionController::Stack::Decoder);
    const lumen::widgets::AttentionSet& decoder = window->attentionView()->data();
    QCOMPARE(decoder.weights->data(), record.decoder.weights->data());
    QCOMPARE(window->headView()->data().weights->data(), record.decoder.weights->data());
    QCOMPARE(window->modelView()->data().weights->data(), record.decoder.weights->data());
    QVERIFY(decoder.causal && decoder.isSelf());
    QCOMPARE(decoder.seq, tgt);
    QVERIFY(sameAsEngine(decoder, out.trace.decoderAttentions));
    const lumen::engine::Encoding labels = model->tokenizer()->encode(target.toStdString());
    QCOMPARE(decoder.vocabTokens.first(), QStringLiteral("<pad>"));
    for (int i = 1; i < tgt; ++i) {
        QCOMPARE(decoder.vocabTokens.at(i), QString::fromStdString(labels.tokens.at(i - 1)));
    }
    // Shown as the target's text: every character of it, in order (the tiny vocabulary cuts
    // words into pieces; the last label, </s>, is not read by the decoder).
    QString shownText;
    for (int i = 1; i < tgt; ++i) {
        if (!decoder.isSpecial(i) && decoder.tokens.at(i) != QStringLiteral("␣")) {
            shownText += decoder.tokens.at(i);
        }
    }
    QCOMPARE(shownText, QString(target).remove(QLatin1Char(' ')));
    QVERIFY(window->attentionView()->heatmap()->data().title.startsWith(QStringLiteral("Decoder")));
    QVERIFY(statistics.wait(kWaitMs));
    QCOMPARE(window->statisticsTable()->data().size(),
        static_cast<size_t>(decoder.layers) * decoder.heads);
    QVERIFY(window->statisticsTable()->note().contains(QStringLiteral("decoder")));

    // Cross-attention: decoder queries down, the encoder's tokens across.
    window->stackSelector()->setCurrentIndex(2);
    QCOMPARE(attention->stack(), AttentionController::Stack::Cross);
    const lumen::widgets::AttentionSet& cross = window->attentionView()->data();
    QVERIFY(!cross.isSelf());
    QCOMPARE(cross.seq, tgt);
    QCOMPARE(cross.keys(), src);
    QCOMPARE(cross.tokens, record.decoder.tokens);
    QCOMPARE(cross.keyTokens, record.set.tokens);
    QVERIFY(sameAsEngine(cross, out.trace.crossAttentions));
    QCOMPARE(window->headView()->data().weights->data(), cross.weights->data());
    QCOMPARE(window->modelView()->data().weights->data(), cross.weights->data());
    const lumen::widgets::AttentionHeatmapData& shown = window->attentionView()->heatmap()->data();
    QCOMPARE(shown.queries(), tgt);
    QCOMPARE(shown.keys(), src);
    QCOMPARE(shown.keyTokens, record.set.tokens);
    QVERIFY(window->statisticsTable()->data().empty());
    QVERIFY(window->statisticsTable()->note().contains(QStringLiteral("no head statistics")));
    QVERIFY(!window->flowPage()->methodSelector()->isEnabled());
    QSignalSpy failed(attention, &AttentionController::runFailed);
    QVERIFY(!attention->computeFlow(AttentionController::FlowMethod::Rollout, 0));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("do not chain")));

    // The run records the target; it reopens with all three attentions, bit for bit, even
    // after a run without a target took the stack back to the encoder.
    const qint64 runId = attention->lastRun().id;
    const auto runs = window->projectController()->project()->listRuns();
    QCOMPARE(runs.front().id, runId);
    const auto parameters = nlohmann::json::parse(runs.front().parametersJson);
    QCOMPARE(QString::fromStdString(parameters.at("target").get<std::string>()), target);
    QCOMPARE(nlohmann::json::parse(runs.front().summaryJson).at("target_len").get<int>(), tgt);
    QTRY_VERIFY_WITH_TIMEOUT(!attention->savedRuns().empty(), kWaitMs);
    window->pairEdit()->clear();
    QVERIFY(runText(*window, QStringLiteral("The house is small.")));
    QVERIFY(!attention->lastRecord().hasDecoder());
    QCOMPARE(attention->stack(), AttentionController::Stack::Encoder);
    QVERIFY(!window->stackBar()->isVisibleTo(window.get()));
    QVERIFY(!attention->setStack(AttentionController::Stack::Cross));
    QSignalSpy reopened(attention, &AttentionController::runReopened);
    QVERIFY(attention->reopenRun(runId));
    QVERIFY(reopened.wait(kWaitMs));
    const lumen::app::AttentionRecord again = attention->lastRecord();
    QVERIFY(again.hasDecoder());
    QCOMPARE(window->pairEdit()->text(), target);
    QVERIFY(sameAsEngine(again.decoder, out.trace.decoderAttentions));
    QVERIFY(sameAsEngine(again.cross, out.trace.crossAttentions));
    QCOMPARE(again.cross.keyTokens, record.set.tokens);
    QCOMPARE(again.decoder.tokens, record.decoder.tokens);
    QVERIFY(attention->setStack(AttentionController::Stack::Cross));
    QCOMPARE(window->attentionView()->data().keys(), src);
}

// File > Export > View Image draws the figure (as lumen-cli attention does): no pickers,
// sliders or check boxes in the picture, and they are back on screen afterwards.
void TestMainWindow::exportedImagesAreFigures()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QVERIFY(loadModel(*window, bertDir()));
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    // The distinct colours of the top strip, where the controls row is drawn on screen.
    const auto topColours = [](const QImage& image) {
        QSet<QRgb> colours;
        for (int y = 0; y < 20; ++y) {
            for (int x = 0; x < image.width(); ++x) {
                colours.insert(image.pixel(x, y));
            }
        }
        return colours.size();
    };
    for (const char* name : { "heatmap", "heads", "model" }) {
        window->showView(QLatin1String(name));
        QWidget* view = window->views()->currentWidget();
        const QImage onScreen = view->grab().toImage();
        QVERIFY2(topColours(onScreen) > 4, name); // the controls' text and frames
        const QString png = temp_.filePath(QStringLiteral("figure-%1.png").arg(QLatin1String(name)));
        QVERIFY(window->exportViewImage(png));
        const QImage figure(png);
        QCOMPARE(figure.size(), onScreen.size());
        QVERIFY2(topColours(figure) < topColours(onScreen), name);
    }
    window->showView(QStringLiteral("heatmap"));
    QVERIFY(window->attentionView()->layerSelector()->isVisible());
    QVERIFY(window->attentionView()->thresholdSlider()->isVisible());
    window->showView(QStringLiteral("model"));
    QVERIFY(window->modelView()->logBox()->isVisible());
}

void TestMainWindow::viewsShareOneBufferAndOneSelection()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    // A layer and head chosen before the first run (as --layer / --head do) reach every
    // view once the data is there.
    window->attentionView()->setLayer(2);
    window->attentionView()->setHead(1);
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    QCOMPARE(window->attentionView()->layer(), 2);
    QCOMPARE(window->headView()->layer(), 2);
    QCOMPARE(window->modelView()->selectedLayer(), 2);
    QCOMPARE(window->modelView()->selectedHead(), 1);
    const lumen::widgets::AttentionSet& set = window->attentionView()->data();
    // Every view holds the one buffer the controller made: no per-view copies.
    const float* buffer = set.weights->data();
    QCOMPARE(window->headView()->data().weights->data(), buffer);
    QCOMPARE(window->modelView()->data().weights->data(), buffer);
    QCOMPARE(window->attentionController()->lastAttention().weights->data(), buffer);

    // A head picked in the model view opens in the heatmap; the layer follows in the head
    // view; a token clicked is highlighted in every view.
    window->showView(QStringLiteral("model"));
    QCOMPARE(window->views()->currentWidget(), static_cast<QWidget*>(window->modelView()));
    Q_EMIT window->modelView()->headActivated(2, 3);
    QCOMPARE(window->views()->currentWidget(), static_cast<QWidget*>(window->attentionView()));
    QCOMPARE(window->attentionView()->layer(), 2);
    QCOMPARE(window->attentionView()->head(), 3);
    QCOMPARE(window->headView()->layer(), 2);
    window->highlightToken(4);
    QCOMPARE(window->flowPage()->query(), 4);
    QCOMPARE(window->headView()->highlightedToken(), 4);

    // The colour scale is shared: log in the model view is log in the heatmap and the head
    // view, and linear again from the heatmap's box.
    window->modelView()->logBox()->click();
    QVERIFY(window->modelView()->logScale());
    QVERIFY(window->attentionView()->logScale()->isChecked());
    QVERIFY(window->headView()->logScale());
    window->attentionView()->logScale()->click();
    QVERIFY(!window->modelView()->logScale());
    QVERIFY(!window->headView()->logScale());
    QVERIFY(!window->headView()->logBox()->isChecked());
}

void TestMainWindow::statisticsAndRolloutMatchTheEngine()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    QSignalSpy stats(window->attentionController(), &AttentionController::statisticsReady);
    QVERIFY(runText(*window, QString::fromUtf8(kText)));
    QVERIFY(stats.count() == 1 || stats.wait(kWaitMs));

    auto model = lumen::engine::Model::load(QFile::encodeName(bertDir()).toStdString());
    const lumen::engine::ModelInput input = model->prepare({ kText });
    lumen::engine::TraceRequest trace;
    trace.attentions = true;
    const lumen::engine::ForwardResult out = model->forward(input, trace);
    lumen::engine::HeadStatsConfig config;
    config.specialMask = input.encodings.at(0).specialMask;
    const auto expected = lumen::engine::headStatistics(out.trace.attentions, config);
    const auto& rows = window->statisticsTable()->data();
    QCOMPARE(rows.size(), expected.heads.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        QCOMPARE(rows[i].layer, static_cast<int>(expected.heads[i].layer));
        QCOMPARE(rows[i].head, static_cast<int>(expected.heads[i].head));
        QCOMPARE(rows[i].entropy, expected.heads[i].entropy);
        QCOMPARE(rows[i].specialShare, expected.heads[i].specialShare);
        QCOMPARE(rows[i].pattern,
            QString::fromLatin1(lumen::engine::headPatternName(expected.heads[i].pattern)));
    }
    // A row activated opens its head.
    Q_EMIT window->statisticsTable()->headActivated(1, 2);
    QCOMPARE(window->attentionView()->layer(), 1);
    QCOMPARE(window->attentionView()->head(), 2);

    // The rollout tab computes when shown, off the GUI thread, and shows the engine's matrix.
    QSignalSpy flow(window->attentionController(), &AttentionController::flowReady);
    window->showView(QStringLiteral("rollout"));
    QVERIFY(flow.count() > 0 || flow.wait(kWaitMs));
    lumen::engine::RolloutConfig rc;
    const auto rollout = lumen::engine::attentionRollout(out.trace.attentions, rc);
    QVERIFY(window->flowPage()->hasResult());
    QCOMPARE(window->flowPage()->matrix().size(), rollout.matrix.data.size());
    for (size_t i = 0; i < rollout.matrix.data.size(); ++i) {
        QVERIFY(sameBits(window->flowPage()->matrix()[i], rollout.matrix.data[i]));
    }
    // The bar shows the row of the chosen position.
    window->flowPage()->setQuery(3);
    const int seq = static_cast<int>(input.seqLen());
    QCOMPARE(window->flowPage()->bar()->values().at(5), rollout.matrix.data[3 * seq + 5]);

    // Flow on request, to layer 0, equals the engine's.
    window->flowPage()->methodSelector()->setCurrentIndex(1);
    window->flowPage()->layerSelector()->setValue(0);
    flow.clear();
    QTest::mouseClick(window->flowPage()->computeButton(), Qt::LeftButton);
    QVERIFY(flow.wait(kWaitMs));
    lumen::engine::FlowConfig fc;
    fc.toLayer = 0;
    const auto expectedFlow = lumen::engine::attentionFlow(out.trace.attentions, fc);
    QCOMPARE(window->flowPage()->matrix().size(), expectedFlow.matrix.data.size());
    for (size_t i = 0; i < expectedFlow.matrix.data.size(); ++i) {
        QCOMPARE(window->flowPage()->matrix()[i], expectedFlow.matrix.data[i]);
    }
}

void TestMainWindow::longTextsRunAsWindows()
{
    auto window = makeWindow(newProjectPath());
    QVERIFY(window);
    QVERIFY(loadModel(*window, bertDir()));
    // The tiny BERT takes 64 tokens; this text has a few hundred.
    QString text;
    for (int i = 0; i < 12; ++i) {
        text +=
            QStringLiteral("Sentence %1 tells of the quick brown fox and the lazy dog. ").arg(i);
    }
    window->strideBox()->setValue(8);
    QSignalSpy saved(window->attentionController(), &AttentionController::artifactSaved);
    QVERIFY(runText(*window, text));
    AttentionController* attention = window->attentionController();
    const int count = attention->windowCount();
    QVERIFY2(count > 2, qPrintable(QString::number(count)));
    QVERIFY(window->windowBar()->isVisibleTo(window.get()));
    QVERIFY(!window->previousWindowButton()->isEnabled());

    // The engine's own windows of the same text, for comparison.
    auto model = lumen::engine::Model::load(QFile::encodeName(bertDir()).toStdString());
    lumen::engine::WindowEncodeConfig config;
    config.maxLength = 64;
    config.stride = 8;
    const lumen::engine::WindowedEncoding expected =
        lumen::engine::encodeWindows(*model->tokenizer(), text.toStdString(), config);
    QCOMPARE(static_cast<size_t>(count), expected.encodings.size());
    const std::u32string text32 = text.toStdU32String();
    int64_t covered = 0;
    for (int w = 0; w < count; ++w) {
        QVERIFY(attention->showWindow(w));
        const lumen::app::AttentionRecord& r = attention->lastRecord();
        QCOMPARE(r.windowIndex, w);
        QCOMPARE(r.stride, 8);
        QVERIFY(r.set.seq <= 64);
        QVERIFY(r.tokenBegin <= covered); // no gap between windows
        covered = r.tokenEnd;
        // Every position shows the original text at its offsets (positions map back).
        const lumen::engine::Encoding& e = expected.encodings[static_cast<size_t>(w)];
        QCOMPARE(r.set.seq, static_cast<int>(e.size()));
        for (size_t p = 0; p < e.size(); ++p) {
            if (e.specialMask[p] != 0) {
                continue;
            }
            const auto [begin, end] = e.offsets[p];
            QCOMPARE(r.set.tokens.at(static_cast<int>(p)),
                QString::fromUcs4(text32.data() + begin, end - begin).trimmed());
        }
    }
    QCOMPARE(covered, static_cast<int64_t>(expected.text.size()));
    QVERIFY(!window->nextWindowButton()->isEnabled());
    QVERIFY(window->windowLabel()->text().startsWith(QStringLiteral("Window %1 of %1").arg(count)));

    // Window 1's attention is the engine's forward pass of window 1.
    QVERIFY(attention->showWindow(1));
    const lumen::engine::Encoding& e1 = expected.encodings[1];
    lumen::engine::ModelInput in;
    const auto n = static_cast<int64_t>(e1.size());
    in.inputIds = { { 1, n }, e1.ids };
    in.attentionMask = { { 1, n }, std::vector<int64_t>(static_cast<size_t>(n), 1) };
    in.tokenTypeIds = { { 1, n }, e1.typeIds };
    lumen::engine::TraceRequest trace;
    trace.attentions = true;
    const auto out = model->forward(in, trace);
    QVERIFY(sameBits(window->attentionView()->data().at(2, 1, 5, 7),
        out.trace.attentions.at(2).data[(static_cast<size_t>(1) * n + 5) * n + 7]));

    // Every window is kept, and the run reopens with all of them.
    QVERIFY(saved.count() == 1 || saved.wait(kWaitMs));
    const auto runs = attention->savedRuns();
    QCOMPARE(runs.front().artifactPaths.size(), count);
    QSignalSpy reopened(attention, &AttentionController::runReopened);
    QVERIFY(attention->reopenRun(runs.front().id));
    QVERIFY(reopened.wait(kWaitMs));
    QCOMPARE(attention->windowCount(), count);
    QVERIFY(attention->showWindow(1));
    QVERIFY(sameBits(window->attentionView()->data().at(2, 1, 5, 7),
        out.trace.attentions.at(2).data[(static_cast<size_t>(1) * n + 5) * n + 7]));
}

void TestMainWindow::commandLineOptions()
{
    const auto parsed =
        lumen::app::parseAppOptions({ QStringLiteral("lumen"), QStringLiteral("--project"),
            QStringLiteral("a.lumen"), QStringLiteral("--model"), QStringLiteral("/models/bert"),
            QStringLiteral("--text"), QStringLiteral("Hello there."), QStringLiteral("--layer"),
            QStringLiteral("2"), QStringLiteral("--head"), QStringLiteral("mean"),
            QStringLiteral("--log"), QStringLiteral("--screenshot"), QStringLiteral("out.png") });
    QVERIFY2(parsed.ok, qPrintable(parsed.message));
    QVERIFY(!parsed.exitNow);
    QCOMPARE(parsed.options.projectPath, QStringLiteral("a.lumen"));
    QCOMPARE(parsed.options.modelDir, QStringLiteral("/models/bert"));
    QCOMPARE(parsed.options.text, QStringLiteral("Hello there."));
    QCOMPARE(parsed.options.layer.value_or(-9), 2);
    QCOMPARE(parsed.options.head.value_or(-9), lumen::widgets::AttentionView::kMeanOfHeads);
    QCOMPARE(parsed.options.screenshotPath, QStringLiteral("out.png"));
    QVERIFY(parsed.options.logScale);

    const auto seq2seq = lumen::app::parseAppOptions({ QStringLiteral("lumen"),
        QStringLiteral("--target"), QStringLiteral("Das Haus."), QStringLiteral("--stack"),
        QStringLiteral("Cross") });
    QVERIFY2(seq2seq.ok, qPrintable(seq2seq.message));
    QCOMPARE(seq2seq.options.target, QStringLiteral("Das Haus."));
    QCOMPARE(seq2seq.options.stack, QStringLiteral("cross"));

    const auto snapshot = lumen::app::parseAppOptions({ QStringLiteral("lumen"), QStringLiteral("--run"),
        QStringLiteral("10"), QStringLiteral("--step"), QStringLiteral("600") });
    QVERIFY2(snapshot.ok, qPrintable(snapshot.message));
    QCOMPARE(snapshot.options.showRun, qint64 { 10 });
    QCOMPARE(snapshot.options.snapshotStep.value_or(-1), qint64 { 600 });
    QVERIFY(snapshot.options.runs);

    const auto bare = lumen::app::parseAppOptions({ QStringLiteral("lumen") });
    QVERIFY(bare.ok);
    QVERIFY(!bare.options.snapshotStep.has_value());
    QVERIFY(bare.options.modelDir.isEmpty());
    QVERIFY(!bare.options.layer.has_value());
    QVERIFY(!bare.options.logScale);

    const auto help =
        lumen::app::parseAppOptions({ QStringLiteral("lumen"), QStringLiteral("--help") });
    QVERIFY(help.exitNow);
    QVERIFY(help.message.contains(QStringLiteral("--screenshot")));

    // The demo the app opens without --model: the bundled tiny BERT and an agreement
    // sentence; the six demo models as File > Open Demo Model lists them.
    const lumen::app::DemoProject demo = lumen::app::demoProject();
    QVERIFY2(QFileInfo::exists(demo.modelDir + QStringLiteral("/config.json")),
        qPrintable(demo.modelDir));
    QCOMPARE(QFileInfo(demo.modelDir).fileName(), QStringLiteral("bert"));
    QVERIFY(demo.text.contains(QStringLiteral("[MASK]")));
    const QList<lumen::app::DemoModelEntry> models = lumen::app::demoModels();
    QStringList names;
    for (const auto& m : models) {
        names << m.name;
        QVERIFY(!m.title.isEmpty() && !m.about.isEmpty());
        QVERIFY(QFileInfo::exists(m.dir + QStringLiteral("/model.safetensors")));
    }
    QCOMPARE(names, (QStringList { QStringLiteral("bert"), QStringLiteral("gpt"), QStringLiteral("albert"),
                         QStringLiteral("lightconv"), QStringLiteral("wavenet"), QStringLiteral("lstm") }));
    qputenv("LUMEN_DEMO_MODELS_DIR", QByteArray("/no/such/folder"));
    QVERIFY(lumen::app::demoModels().isEmpty());
    qunsetenv("LUMEN_DEMO_MODELS_DIR");
}

void TestMainWindow::commandLineErrors()
{
    const QStringList bad[] = {
        { QStringLiteral("lumen"), QStringLiteral("--layer"), QStringLiteral("two") },
        { QStringLiteral("lumen"), QStringLiteral("--head"), QStringLiteral("-1") },
        { QStringLiteral("lumen"), QStringLiteral("--text"), QStringLiteral("  ") },
        { QStringLiteral("lumen"), QStringLiteral("--bogus") },
        { QStringLiteral("lumen"), QStringLiteral("--run"), QStringLiteral("3"), QStringLiteral("--step"), QStringLiteral("-5") },
        { QStringLiteral("lumen"), QStringLiteral("--step"), QStringLiteral("later") },
        { QStringLiteral("lumen"), QStringLiteral("/some/model") },
        { QStringLiteral("lumen"), QStringLiteral("--target"), QStringLiteral("x"),
            QStringLiteral("--stack"), QStringLiteral("middle") },
        { QStringLiteral("lumen"), QStringLiteral("--stack"), QStringLiteral("decoder") },
        { QStringLiteral("lumen"), QStringLiteral("--pair"), QStringLiteral("a"),
            QStringLiteral("--target"), QStringLiteral("b") },
    };
    for (const QStringList& args : bad) {
        const auto parsed = lumen::app::parseAppOptions(args);
        QVERIFY2(!parsed.ok, qPrintable(args.join(QLatin1Char(' '))));
        QVERIFY(!parsed.message.isEmpty());
    }
    QVERIFY(lumen::app::parseAppOptions(
        { QStringLiteral("lumen"), QStringLiteral("--layer"), QStringLiteral("two") })
                .message.contains(QStringLiteral("--layer")));
    QVERIFY(lumen::app::parseAppOptions(
        { QStringLiteral("lumen"), QStringLiteral("--stack"), QStringLiteral("cross") })
                .message.contains(QStringLiteral("needs --target")));
}

void TestMainWindow::screenshotRendersTheRun()
{
    const QString project = newProjectPath();
    lumen::app::AppOptions options;
    options.projectPath = project;
    options.modelDir = bertDir();
    options.text = QStringLiteral("The quick brown fox jumps over the lazy dog.");
    options.layer = 1;
    options.head = 2;
    options.screenshotPath = temp_.filePath(QStringLiteral("shots/shot.png"));

    MainWindow window;
    window.setFixedSize(1280, 800);
    lumen::app::Launcher launcher(&window, options);
    QSignalSpy finished(&launcher, &lumen::app::Launcher::finished);
    window.show();
    launcher.start();
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.first().at(0).toInt(), 0);

    const QImage image(options.screenshotPath);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size() / image.devicePixelRatio(), QSize(1280, 800));
    QCOMPARE(window.attentionView()->layer(), 1);
    QCOMPARE(window.attentionView()->head(), 2);
    QCOMPARE(window.attentionView()->heatmap()->data().title, QStringLiteral("Layer 1 · Head 2"));
    QCOMPARE(window.textEdit()->text(), options.text);
    const auto runs = runsIn(project);
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs.front().status, lumen::projects::RunStatus::Completed);
}

void TestMainWindow::screenshotFailsOnABadModel()
{
    lumen::app::AppOptions options;
    options.projectPath = newProjectPath();
    options.modelDir = temp_.filePath(QStringLiteral("nothing-here"));
    options.screenshotPath = temp_.filePath(QStringLiteral("never.png"));

    MainWindow window;
    lumen::app::Launcher launcher(&window, options);
    QSignalSpy finished(&launcher, &lumen::app::Launcher::finished);
    window.show();
    launcher.start();
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(finished.first().at(0).toInt(), 1);
    QVERIFY(!QFileInfo::exists(options.screenshotPath));
    QVERIFY(window.lastError().contains(options.modelDir));
}

void TestMainWindow::aboutListsLibrariesAndLicences()
{
    const lumen::engine::SystemInfo info = lumen::engine::systemInfo();
    const QString html = lumen::app::AboutDialog::aboutHtml(info);
    const QStringList expected = {
        QStringLiteral("Qt"),
        QStringLiteral("LGPL-3.0"),
        QStringLiteral("LibTorch"),
        QStringLiteral("BSD-3-Clause"),
        QStringLiteral("QCustomPlot"),
        QStringLiteral("GPL-3.0-or-later"),
        QStringLiteral("SQLite"),
        QStringLiteral("public domain"),
        QStringLiteral("SentencePiece"),
        QStringLiteral("Apache-2.0"),
        QStringLiteral("ICU"),
        QStringLiteral("Unicode-3.0"),
        QStringLiteral("Oniguruma"),
        QStringLiteral("BSD-2-Clause"),
        QStringLiteral("nlohmann-json"),
        QStringLiteral("MIT"),
        QStringLiteral("OpenBLAS"),
    };
    for (const QString& s : expected) {
        QVERIFY2(html.contains(s), qPrintable(s));
    }
    QCOMPARE(lumen::app::AboutDialog::libraries().size(), size_t(9));
    QVERIFY(html.contains(QString::fromStdString(info.torchVersion)));
    QVERIFY(html.contains(QString::fromStdString(info.blasKind)));

    // The banner warns exactly when the engine would be slow.
    MainWindow window;
    const std::string warning = lumen::engine::blasWarning(info);
    QCOMPARE(window.warningBanner()->isVisibleTo(&window), !warning.empty());
    QCOMPARE(window.warningBanner()->text(), QString::fromStdString(warning));
}

void TestMainWindow::parameterCountFormat()
{
    QCOMPARE(lumen::app::formatParameterCount(950), QStringLiteral("950"));
    QCOMPARE(lumen::app::formatParameterCount(110592), QStringLiteral("110.6 k"));
    QCOMPARE(lumen::app::formatParameterCount(1234567), QStringLiteral("1.2 M"));
    QCOMPARE(lumen::app::formatParameterCount(109482240), QStringLiteral("109.5 M"));
    QCOMPARE(lumen::app::formatParameterCount(6738415616), QStringLiteral("6.7 B"));
}

// File > Open Demo Model opens a bundled model; Help > Record Example Runs fills the project
// with runs of every kind the run browser shows.
void TestMainWindow::demoModelsAndExampleRuns()
{
    const QString path = newProjectPath();
    auto window = makeWindow(path);
    QVERIFY(window);
    auto* gpt = window->findChild<QAction*>(QStringLiteral("demoModel-gpt"));
    QVERIFY(gpt != nullptr);
    QVERIFY(!gpt->toolTip().isEmpty());
    QSignalSpy loaded(window->attentionController(), &lumen::app::AttentionController::modelLoaded);
    gpt->trigger();
    QVERIFY(loaded.wait(60000));
    QCOMPARE(QFileInfo(window->attentionController()->model().dir).fileName(), QStringLiteral("gpt"));

    qputenv("LUMEN_CLI", QByteArray(LUMEN_CLI_PATH));
    QSignalSpy recorded(window.get(), &MainWindow::demoRunsRecorded);
    QVERIFY(window->recordDemoRuns(path));
    QVERIFY(!window->recordDemoRuns(path)); // one at a time
    QVERIFY(recorded.wait(300000));
    QCOMPARE(recorded.takeFirst().at(0).toBool(), true);
    std::multiset<std::string> kinds;
    for (const auto& run : runsIn(path)) {
        kinds.insert(run.kind);
        QCOMPARE(run.status, lumen::projects::RunStatus::Completed);
    }
    for (const char* kind : { "fill-mask", "generate", "score", "compare", "receptive-field", "context-ablation",
             "bench-length" }) {
        QVERIFY2(kinds.count(kind) >= 1, kind);
    }
    QCOMPARE(kinds.count("train"), size_t { 2 }); // a fine-tune, and a GPT from scratch with attention snapshots
    {
        auto project = lumen::projects::Project::open(path.toStdString());
        int watched = 0;
        for (const auto& run : project->listRuns()) {
            for (const auto& a : project->artifacts(run.id)) {
                if (a.kind == "attention-snapshots") {
                    ++watched;
                    const lumen::engine::AttentionSnapshots s = lumen::engine::loadAttentionSnapshots(project->artifactPath(a));
                    QCOMPARE(s.snapshots.size(), size_t { 21 }); // steps 0, 40, ..., 800
                    QCOMPARE(s.snapshots.back().step, int64_t { 800 });
                }
            }
        }
        QCOMPARE(watched, 1);
    }
    qputenv("LUMEN_CLI", QByteArray("/no/such/lumen-cli"));
    QVERIFY(!window->recordDemoRuns(path));
    QVERIFY(window->statusBar()->currentMessage().contains(QStringLiteral("lumen-cli")));
    qunsetenv("LUMEN_CLI");
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
