// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The text demos in the window, through the real worker and project: what each page shows
// is the engine's answer (fill-mask candidates and lens, generated tokens, scores, cosines);
// clicking a word masks it; generation streams every token, and Stop keeps what was made;
// each run is recorded with its output and re-opens exactly (also from the run browser's
// artifact); the record's JSON keeps every number; errors are shown and lose nothing.

#include "app_options.h"
#include "demo_record.h"
#include "demo_window.h"
#include "launcher.h"
#include "main_window.h"
#include "run_browser.h"

#include "conformance.h"

#include "lumen/engine/model.h"
#include "lumen/projects/project.h"
#include "lumen/widgets/candidate_bars.h"
#include "lumen/widgets/probability_grid.h"
#include "lumen/widgets/token_stream.h"

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using lumen::app::AttentionController;
using lumen::app::DemoController;
using lumen::app::DemoKind;
using lumen::app::DemoOutput;
using lumen::app::DemoWindow;
using lumen::app::MainWindow;
namespace engine = lumen::engine;

namespace {

constexpr int kWaitMs = 60000;

QString dirOf(const std::string& name)
{
    return QString::fromStdString(lumen::test::conformanceDir(name));
}

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

bool loadModel(MainWindow& window, const QString& dir)
{
    QSignalSpy loaded(window.attentionController(), &AttentionController::modelLoaded);
    QSignalSpy failed(window.attentionController(), &AttentionController::loadFailed);
    window.openModel(dir);
    return QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, kWaitMs) && loaded.count() == 1;
}

/// Clicks the page's Run button and waits for the answer (ready or failed).
bool runAndWait(DemoWindow& demos, DemoController& controller, DemoKind kind)
{
    QSignalSpy ready(&controller, &DemoController::ready);
    QSignalSpy failed(&controller, &DemoController::failed);
    demos.showPage(kind);
    QTest::mouseClick(demos.runButton(kind), Qt::LeftButton);
    return QTest::qWaitFor([&] { return ready.count() + failed.count() > 0; }, kWaitMs) && ready.count() == 1;
}

QString json(const DemoOutput& d)
{
    QJsonObject j = lumen::app::demoToJson(d);
    j.remove(QStringLiteral("elapsed_ms"));
    return QString::fromUtf8(QJsonDocument(j).toJson(QJsonDocument::Compact));
}

std::vector<lumen::projects::RunRecord> runsOf(const QString& path)
{
    return lumen::projects::Project::open(QFile::encodeName(path).toStdString())->listRuns();
}

} // namespace

class TestDemoWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(temp_.isValid());
        lumen::app::initResources();
    }

    // Fill mask: the bars are fill-mask's candidates, the lens has a row per layer ending in
    // them, and a click on a word masks it and runs.
    void fillMaskShowsCandidatesAndLens()
    {
        const QString project = temp_.filePath(QStringLiteral("fill.lumen"));
        auto window = makeWindow(project);
        QVERIFY(window);
        QVERIFY(loadModel(*window, dirOf("bert")));
        DemoWindow* demos = window->showDemos(DemoKind::FillMask);
        const QString text = QStringLiteral("the capital of france is [MASK].");
        demos->maskText()->setText(text);
        QVERIFY(runAndWait(*demos, *window->demoController(), DemoKind::FillMask));

        auto model = engine::Model::load(lumen::test::conformanceDir("bert"));
        const engine::FillMaskResult expected = engine::fillMask(*model, text.toStdString(), { 5 });
        const auto& groups = demos->candidates()->groups();
        QCOMPARE(groups.size(), size_t { 1 });
        QCOMPARE(groups[0].candidates.size(), size_t { 5 });
        for (size_t k = 0; k < 5; ++k) {
            QCOMPARE(groups[0].candidates[k].second, expected.masks[0].candidates[k].probability);
        }
        QVERIFY(demos->filledLabel()->text().contains(QString::fromStdString(expected.filled).toHtmlEscaped()));
        lumen::widgets::ProbabilityGrid* lens = demos->maskLens();
        QCOMPARE(lens->rowCount(), model->info().numLayers + 1);
        QCOMPARE(lens->columnCount(), 6); // five candidates and the final answer's column
        for (int k = 0; k < 5; ++k) {
            QCOMPARE(lens->cell(lens->rowCount() - 1, k).value, expected.masks[0].candidates[static_cast<size_t>(k)].probability);
        }
        QVERIFY(lens->cell(lens->rowCount() - 1, 5).text.endsWith(QStringLiteral("#1")));
        // The mask is the highlighted word; "capital" is word 1: a click masks it and runs.
        QCOMPARE(demos->maskWords()->highlighted(), 5);
        QSignalSpy ready(window->demoController(), &DemoController::ready);
        const QPoint capital = demos->maskWords()->pieceRect(1).center();
        QTest::mouseClick(demos->maskWords(), Qt::LeftButton, {}, capital);
        QVERIFY(ready.wait(kWaitMs));
        QCOMPARE(demos->maskText()->text(), QStringLiteral("the [MASK] of france is [MASK]."));
        QCOMPARE(window->demoController()->last().fill.masks.size(), size_t { 2 });
        QCOMPARE(demos->candidates()->groups().size(), size_t { 2 });
        QCOMPARE(demos->lensMaskSelector()->count(), 2);
        // Each run is a "fill-mask" run with its output kept.
        const auto runs = runsOf(project);
        QCOMPARE(runs.size(), size_t { 2 });
        for (const auto& r : runs) {
            QCOMPARE(QString::fromStdString(r.kind), QStringLiteral("fill-mask"));
            QCOMPARE(r.status, lumen::projects::RunStatus::Completed);
        }
    }

    // Generation streams each token into the view; the record re-opens to the same view and
    // the same numbers, also from the run browser.
    void generationStreamsAndReopensExactly()
    {
        const QString project = temp_.filePath(QStringLiteral("gen.lumen"));
        auto window = makeWindow(project);
        QVERIFY(window);
        QVERIFY(loadModel(*window, dirOf("gpt2")));
        DemoWindow* demos = window->showDemos(DemoKind::Generate);
        const nlohmann::json& g = lumen::test::expected("gpt2")["generation"];
        demos->promptEdit()->setText(QString::fromStdString(g["prompt"].get<std::string>()));
        demos->maxNewTokens()->setValue(8);
        demos->modeBox()->setCurrentIndex(DemoWindow::Greedy);
        QSignalSpy steps(window->demoController(), &DemoController::step);
        QVERIFY(runAndWait(*demos, *window->demoController(), DemoKind::Generate));
        const DemoOutput first = window->demoController()->last();
        QCOMPARE(first.generated.newTokenIds, lumen::test::jsonToInts(g["new_token_ids"]));
        QCOMPARE(steps.count(), 8); // streamed one by one
        QCOMPARE(demos->generated()->count(), 1 + 8); // the prompt, then each token
        for (int i = 0; i < 8; ++i) {
            QCOMPARE(demos->generated()->pieces()[static_cast<size_t>(i + 1)].probability,
                first.generated.steps[static_cast<size_t>(i)].probability);
        }
        QVERIFY(demos->generated()->toolTipText(1).contains(QStringLiteral("%")));
        // The decoder's lens: layers + 1 rows, a column per position read.
        QCOMPARE(demos->decoderLens()->rowCount(), 3 + 1);
        QCOMPARE(demos->decoderLens()->columnCount(), static_cast<int>(first.generated.promptIds.size()) + 8 - 1);

        const std::vector<lumen::widgets::StreamPiece> before = demos->generated()->pieces();
        const auto runs = runsOf(project);
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(QString::fromStdString(runs[0].kind), QStringLiteral("generate"));
        QVERIFY(QFile::exists(window->demoController()->lastArtifactPath()));
        // Clear the view, then reopen the record: the same pieces, the same numbers.
        demos->generated()->clear();
        QSignalSpy reopened(window->demoController(), &DemoController::reopened);
        QVERIFY(window->demoController()->reopenRun(runs[0].id));
        QCOMPARE(reopened.count(), 1);
        QCOMPARE(json(window->demoController()->last()), json(first));
        QCOMPARE(demos->generated()->count(), static_cast<int>(before.size()));
        for (size_t i = 0; i < before.size(); ++i) {
            QCOMPARE(demos->generated()->pieces()[i].text, before[i].text);
            QCOMPARE(demos->generated()->pieces()[i].probability, before[i].probability);
        }
        // The run browser's "demo" artifact opens it in the demo window too.
        lumen::app::RunBrowser* browser = window->showRunBrowser();
        auto p = lumen::projects::Project::open(QFile::encodeName(project).toStdString());
        const auto artifacts = p->artifacts(runs[0].id);
        QCOMPARE(artifacts.size(), size_t { 1 });
        QCOMPARE(QString::fromStdString(artifacts[0].kind), QStringLiteral("demo"));
        QSignalSpy fromBrowser(window->demoController(), &DemoController::reopened);
        browser->openArtifact(runs[0].id, artifacts[0].id);
        QCOMPARE(fromBrowser.count(), 1);
    }

    // Stop ends a long generation with what it made: the tokens so far, a cancelled run that
    // keeps them.
    void stopKeepsWhatWasMade()
    {
        // A random GPT-2 with room for many tokens, and the conformance tokenizer.
        const QString dir = temp_.filePath(QStringLiteral("long-gpt2"));
        lumen::test::copyFolder(lumen::test::conformanceDir("gpt2"), dir.toStdString());
        QFile::remove(dir + QStringLiteral("/model.safetensors"));
        QFile::remove(dir + QStringLiteral("/pytorch_model.bin"));
        nlohmann::json config;
        std::ifstream(lumen::test::conformanceDir("gpt2") + "/config.json") >> config;
        config["n_positions"] = 4096;
        config["n_ctx"] = 4096;
        const std::string configPath = temp_.filePath(QStringLiteral("long-config.json")).toStdString();
        std::ofstream(configPath) << config.dump();
        engine::createRandomModel(configPath, dir.toStdString(), 3);

        const QString project = temp_.filePath(QStringLiteral("stop.lumen"));
        auto window = makeWindow(project);
        QVERIFY(window);
        QVERIFY(loadModel(*window, dir));
        DemoWindow* demos = window->showDemos(DemoKind::Generate);
        demos->promptEdit()->setText(QStringLiteral("The quick brown fox"));
        demos->maxNewTokens()->setValue(4000);
        DemoController* controller = window->demoController();
        QSignalSpy ready(controller, &DemoController::ready);
        connect(controller, &DemoController::step, this, [demos] {
            if (demos->generated()->count() == 4) { // the prompt and three tokens
                QTest::mouseClick(demos->stopButton(DemoKind::Generate), Qt::LeftButton);
            }
        });
        QVERIFY(demos->runPage());
        QVERIFY(!demos->runButton(DemoKind::Generate)->isEnabled());
        QVERIFY(ready.wait(kWaitMs));
        const DemoOutput& out = controller->last();
        QCOMPARE(QString::fromStdString(out.generated.stopReason), QStringLiteral("cancelled"));
        QVERIFY(out.generated.newTokenIds.size() >= 3);
        QVERIFY(out.generated.newTokenIds.size() < 4000);
        QVERIFY(demos->runButton(DemoKind::Generate)->isEnabled());
        QVERIFY(demos->generateStatus()->text().contains(QStringLiteral("you stopped it")));
        const auto runs = runsOf(project);
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(runs[0].status, lumen::projects::RunStatus::Cancelled);
        QVERIFY(!lumen::projects::Project::open(QFile::encodeName(project).toStdString())->artifacts(runs[0].id).empty());
    }

    void scoreAndSimilarity()
    {
        const QString project = temp_.filePath(QStringLiteral("score.lumen"));
        auto window = makeWindow(project);
        QVERIFY(window);
        QVERIFY(loadModel(*window, dirOf("gpt2")));
        DemoWindow* demos = window->showDemos(DemoKind::Score);
        demos->scoreText()->setText(QStringLiteral("The quick brown fox"));
        QVERIFY(runAndWait(*demos, *window->demoController(), DemoKind::Score));
        auto model = engine::Model::load(lumen::test::conformanceDir("gpt2"));
        const engine::ScoreResult expected = engine::scoreText(*model, "The quick brown fox", 5);
        QCOMPARE(demos->scoreTable()->rowCount(), static_cast<int>(expected.tokens.size()));
        QCOMPARE(demos->scored()->count(), static_cast<int>(expected.tokens.size()) + 1);
        for (size_t i = 0; i < expected.tokens.size(); ++i) {
            QCOMPARE(demos->scored()->pieces()[i + 1].probability, expected.tokens[i].probability);
        }
        // The pieces read as the text, split at its tokens.
        QString joined;
        for (const auto& piece : demos->scored()->pieces()) {
            joined += piece.text;
        }
        QCOMPARE(joined, QStringLiteral("The quick brown fox"));
        QVERIFY(demos->scoreSummary()->text().contains(QString::number(expected.perplexity, 'f', 2)));

        demos->showPage(DemoKind::Similarity);
        demos->sentences()->setPlainText(QStringLiteral("a cat sat\n\nthe cat sat\ntax law\n"));
        QVERIFY(runAndWait(*demos, *window->demoController(), DemoKind::Similarity));
        lumen::widgets::ProbabilityGrid* grid = demos->similarityGrid();
        QCOMPARE(grid->rowCount(), 3); // the empty line is not a sentence
        const engine::SimilarityResult sim =
            engine::sentenceSimilarity(*model, { "a cat sat", "the cat sat", "tax law" }, engine::Pooling::Mean);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(grid->cell(i, i).value, 1.0);
            for (int j = 0; j < 3; ++j) {
                QCOMPARE(grid->cell(i, j).value, sim.cosine[static_cast<size_t>(i)][static_cast<size_t>(j)]);
            }
        }
        // Ranked against the second sentence, best first.
        demos->rankAgainst()->setCurrentIndex(1);
        QCOMPARE(demos->ranking()->rowCount(), 2);
        const double a = demos->ranking()->item(0, 1)->text().toDouble();
        const double b = demos->ranking()->item(1, 1)->text().toDouble();
        QVERIFY(a >= b);
    }

    // A demo the model cannot do says why in the window; it is recorded as failed and the
    // next run works.
    void errorsAreShownAndLoseNothing()
    {
        const QString project = temp_.filePath(QStringLiteral("errors.lumen"));
        auto window = makeWindow(project);
        QVERIFY(window);
        QVERIFY(loadModel(*window, dirOf("gpt2")));
        DemoWindow* demos = window->showDemos(DemoKind::FillMask);
        demos->maskText()->setText(QStringLiteral("a text"));
        QVERIFY(!runAndWait(*demos, *window->demoController(), DemoKind::FillMask));
        QVERIFY2(demos->errorLabel()->text().contains(QStringLiteral("no masked-LM head")),
            qPrintable(demos->errorLabel()->text()));
        QVERIFY(demos->errorLabel()->isVisible());
        // An empty prompt is refused before anything runs (and not recorded).
        demos->promptEdit()->setText(QStringLiteral("  "));
        QVERIFY(!runAndWait(*demos, *window->demoController(), DemoKind::Generate));
        QVERIFY(demos->errorLabel()->text().contains(QStringLiteral("empty")));
        demos->promptEdit()->setText(QStringLiteral("The quick"));
        demos->maxNewTokens()->setValue(4);
        QVERIFY(runAndWait(*demos, *window->demoController(), DemoKind::Generate));
        QVERIFY(!demos->errorLabel()->isVisible());
        const auto runs = runsOf(project);
        QCOMPARE(runs.size(), size_t { 2 });
        QCOMPARE(runs[1].status, lumen::projects::RunStatus::Failed); // newest first: the fill-mask
    }

    // A demo run made with lumen-cli keeps the same record, and re-opens in the window.
    void commandLineRunsReopenInTheWindow()
    {
        const QString project = temp_.filePath(QStringLiteral("cli.lumen"));
        QProcess cli;
        cli.start(QStringLiteral(LUMEN_CLI_PATH),
            { QStringLiteral("generate"), dirOf("gpt2"), QStringLiteral("--prompt"), QStringLiteral("The quick brown fox"),
                QStringLiteral("--max-new-tokens"), QStringLiteral("5"), QStringLiteral("--json"),
                QStringLiteral("--project"), project });
        QVERIFY(cli.waitForFinished(kWaitMs));
        QCOMPARE(cli.exitCode(), 0);
        const nlohmann::json printed = nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
        auto window = makeWindow(project);
        QVERIFY(window);
        const auto runs = runsOf(project);
        QCOMPARE(runs.size(), size_t { 1 });
        DemoWindow* demos = window->showDemos(DemoKind::FillMask);
        QVERIFY(window->demoController()->reopenRun(runs[0].id));
        QCOMPARE(demos->currentPage(), DemoKind::Generate);
        const DemoOutput& out = window->demoController()->last();
        QCOMPARE(out.generated.newTokenIds, printed.at("new_token_ids").get<std::vector<int64_t>>());
        QCOMPARE(out.generated.text, printed.at("text").get<std::string>());
        QCOMPARE(demos->generated()->count(), 1 + 5);
        QCOMPARE(demos->promptEdit()->text(), QStringLiteral("The quick brown fox"));
    }

    // lumen --demo NAME runs the demo after the text's attention run; with --screenshot the
    // demo window is saved, and a demo the model cannot do fails the screenshot with why.
    void commandLineDemo()
    {
        const QString lumen = QFileInfo(QStringLiteral(LUMEN_CLI_PATH)).absolutePath() + QStringLiteral("/lumen");
        QVERIFY(QFileInfo::exists(lumen));
        const QString shot = temp_.filePath(QStringLiteral("demo.png"));
        QProcess app;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(env);
        app.start(lumen, { QStringLiteral("--project"), temp_.filePath(QStringLiteral("shot.lumen")), QStringLiteral("--model"),
                             dirOf("bert"), QStringLiteral("--text"), QStringLiteral("a cat sat"), QStringLiteral("--demo"),
                             QStringLiteral("similarity"), QStringLiteral("--demo-text"), QStringLiteral("a cat sat"),
                             QStringLiteral("--demo-text"), QStringLiteral("a dog ran"), QStringLiteral("--screenshot"), shot });
        QVERIFY(app.waitForFinished(kWaitMs));
        QVERIFY2(app.exitCode() == 0, app.readAllStandardError().constData());
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800);
        const auto runs = runsOf(temp_.filePath(QStringLiteral("shot.lumen")));
        QCOMPARE(runs.size(), size_t { 2 }); // the attention run, then the demo
        QCOMPARE(QString::fromStdString(runs[0].kind), QStringLiteral("similarity"));

        QProcess bad;
        bad.setProcessEnvironment(env);
        bad.start(lumen, { QStringLiteral("--project"), temp_.filePath(QStringLiteral("shot.lumen")), QStringLiteral("--model"),
                             dirOf("gpt2"), QStringLiteral("--text"), QStringLiteral("a cat"), QStringLiteral("--demo"),
                             QStringLiteral("fill-mask"), QStringLiteral("--screenshot"), temp_.filePath(QStringLiteral("bad.png")) });
        QVERIFY(bad.waitForFinished(kWaitMs));
        QCOMPARE(bad.exitCode(), 1);
        QVERIFY(QString::fromUtf8(bad.readAllStandardError()).contains(QStringLiteral("no masked-LM head")));
        const auto parsed = lumen::app::parseAppOptions({ QStringLiteral("lumen"), QStringLiteral("--demo"), QStringLiteral("dance") });
        QVERIFY(!parsed.ok);
        QVERIFY(parsed.message.contains(QStringLiteral("fill-mask")));
        const auto orphan = lumen::app::parseAppOptions({ QStringLiteral("lumen"), QStringLiteral("--demo-text"), QStringLiteral("x") });
        QVERIFY(!orphan.ok);
    }

    // Every kind's record keeps every number through JSON; a broken record is refused.
    void recordsRoundTrip()
    {
        auto gpt2 = engine::Model::load(lumen::test::conformanceDir("gpt2"));
        auto bert = engine::Model::load(lumen::test::conformanceDir("bert"));
        const auto roundTrip = [](engine::Model& model, lumen::app::DemoRequest request) {
            DemoOutput out;
            QVERIFY(lumen::app::computeDemo(model, request, {}, {}, &out));
            const QByteArray bytes = QJsonDocument(lumen::app::demoToJson(out)).toJson();
            DemoOutput back;
            QString error;
            QVERIFY2(lumen::app::demoFromJson(QJsonDocument::fromJson(bytes).object(), &back, &error), qPrintable(error));
            QCOMPARE(QJsonDocument(lumen::app::demoToJson(back)).toJson(), bytes);
        };
        lumen::app::DemoRequest fill;
        fill.kind = DemoKind::FillMask;
        fill.text = QStringLiteral("the [MASK] sat on the [MASK].");
        roundTrip(*bert, fill);
        lumen::app::DemoRequest gen;
        gen.kind = DemoKind::Generate;
        gen.text = QStringLiteral("The quick brown fox");
        gen.generation.maxNewTokens = 6;
        gen.generation.sample = true;
        gen.generation.temperature = 0.7;
        gen.generation.seed = 11;
        roundTrip(*gpt2, gen);
        gen.generation.sample = false;
        gen.generation.beams = 3;
        roundTrip(*gpt2, gen);
        lumen::app::DemoRequest score;
        score.kind = DemoKind::Score;
        score.text = QStringLiteral("the cat sat");
        roundTrip(*bert, score); // pseudo-log-likelihood
        roundTrip(*gpt2, score);
        lumen::app::DemoRequest sim;
        sim.kind = DemoKind::Similarity;
        sim.texts = { QStringLiteral("a"), QStringLiteral("b c") };
        roundTrip(*bert, sim);

        DemoOutput out;
        QString error;
        QVERIFY(!lumen::app::demoFromJson(QJsonObject { { QStringLiteral("format"), QStringLiteral("other") } }, &out, &error));
        QVERIFY(error.contains(QStringLiteral("not a Lumen demo record")));
        QVERIFY(!lumen::app::demoFromJson(QJsonObject { { QStringLiteral("format"), QString::fromLatin1(lumen::app::kDemoFormat) },
                                              { QStringLiteral("demo"), QStringLiteral("dance") } },
            &out, &error));
        QVERIFY(error.contains(QStringLiteral("dance")));
    }

private:
    QTemporaryDir temp_;
};

QTEST_MAIN(TestDemoWindow)
#include "tst_demo_window.moc"
