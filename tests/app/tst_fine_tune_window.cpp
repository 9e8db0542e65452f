// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The fine-tuning window: the preview offers the file's columns, a job runs on the worker
// and is recorded as a run with its metrics, the curves, confusion matrix and examples fill
// in, Cancel stops with a checkpoint and Resume continues it as a new run that ends where an
// uninterrupted one would, bad data fails the run with the file and line, and the window
// writes the same job file lumen-cli reads.
#include "fine_tune_window.h"
#include "new_model_dialog.h"
#include "project_controller.h"
#include "run_browser.h"

#include "conformance.h"

#include "lumen/engine/attention_snapshots.h"
#include "lumen/engine/model.h"
#include "lumen/engine/train.h"
#include "lumen/projects/project.h"
#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/qcustomplot.h"

#include <QApplication>
#include <QClipboard>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QTabWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using lumen::app::FineTuneWindow;
using lumen::app::ProjectController;
using lumen::app::RunBrowser;

class TestFineTuneWindow : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString base_;
    QString data_;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        lumen::engine::NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 2;
        base_ = dir_.filePath(QStringLiteral("base"));
        lumen::engine::createModel(spec, lumen::test::conformanceDir("bert"), base_.toStdString(), 0);
        data_ = dir_.filePath(QStringLiteral("reviews.csv"));
        QFile f(data_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,review,sentiment\n");
        const char* good[] = { "beautiful city", "winter morning", "capital water" };
        const char* bad[] = { "random layer", "hidden test", "numbers temp" };
        for (int r = 0; r < 80; ++r) {
            f.write((std::to_string(r) + ",the " + (r % 2 ? good[r % 3] : bad[r % 3]) + " with every" + (r % 2 ? ",pos\n" : ",neg\n")).c_str());
        }
    }

    void previewRunAndRecord()
    {
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("a.lumen"))));
        FineTuneWindow window(&projects);
        window.show();
        window.setModelDir(base_);
        QVERIFY(window.setDataFile(data_));
        QCOMPARE(window.previewTable()->columnCount(), 3);
        QCOMPARE(window.previewTable()->item(0, 1)->text(), QStringLiteral("the random layer with every"));
        QCOMPARE(window.textColumnBox()->currentText(), QStringLiteral("review")); // guessed
        QCOMPARE(window.labelColumnBox()->currentText(), QStringLiteral("sentiment"));
        window.batchBox()->setValue(8);
        window.epochsBox()->setValue(6);
        window.learningRateBox()->setValue(0.003);
        QSignalSpy finished(&window, &FineTuneWindow::finished);
        QVERIFY(window.start());
        QVERIFY(window.isRunning());
        QVERIFY(!window.startButton()->isEnabled());
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.front().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Completed));
        QVERIFY(window.result().lastEval.accuracy >= 0.95);
        QCOMPARE(window.confusionTable()->rowCount(), 2);
        QCOMPARE(window.confusionTable()->horizontalHeaderItem(1)->text(), QStringLiteral("pos"));
        QVERIFY(window.examplesTable()->rowCount() > 0);
        QCOMPARE(window.lossPlot()->graph(0)->dataCount(), static_cast<int>(window.result().steps));
        QCOMPARE(window.validationPlot()->graph(1)->dataCount(), 6); // after every epoch
        auto project = lumen::projects::Project::open(dir_.filePath(QStringLiteral("a.lumen")).toStdString());
        const auto runs = project->listRuns();
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(runs[0].kind, std::string("train"));
        QCOMPARE(runs[0].status, lumen::projects::RunStatus::Completed);
        QCOMPARE(static_cast<int64_t>(project->metricSeries(runs[0].id, "loss").values.size()), window.result().steps);
        QCOMPARE(project->metricSeries(runs[0].id, "val_accuracy").values.size(), size_t { 6 });
        std::set<std::string> kinds;
        for (const auto& a : project->artifacts(runs[0].id)) {
            kinds.insert(a.kind);
        }
        QVERIFY(kinds.count("job") && kinds.count("model") && kinds.count("checkpoint") && kinds.count("evaluation"));
        // The run browser shows the run's evaluation as the window did, from evaluation.json.
        {
            RunBrowser browser(&projects);
            browser.show();
            browser.showRun(runs[0].id);
            lumen::widgets::EvaluationView* shown = browser.page()->evaluationView();
            QVERIFY(shown->isVisible());
            QCOMPARE(shown->data().labels, (QStringList { QStringLiteral("neg"), QStringLiteral("pos") }));
            QCOMPARE(shown->data().confusion, window.evaluationView()->data().confusion);
            QCOMPARE(shown->examplesTable()->rowCount(), window.examplesTable()->rowCount());
            QCOMPARE(shown->examplesTable()->item(0, 0)->text(), window.examplesTable()->item(0, 0)->text());
            qint64 total = 0;
            for (const auto& row : shown->data().confusion) {
                for (const qint64 c : row) {
                    total += c;
                }
            }
            QCOMPARE(total, static_cast<qint64>(shown->examplesTable()->rowCount()));
        }
        auto model = lumen::engine::Model::load(window.result().modelDir);
        QCOMPARE(model->info().labels, (std::vector<std::string> { "neg", "pos" }));

        // Copy as Command writes the job lumen-cli reads.
        const QString command = window.copyAsCommand();
        QVERIFY(command.startsWith(QStringLiteral("lumen-cli train --job '")));
        QCOMPARE(QApplication::clipboard()->text(), command);
        const QString jobPath = command.section(QLatin1Char('\''), 1, 1);
        QFile job(jobPath);
        QVERIFY(job.open(QIODevice::ReadOnly));
        const lumen::engine::TrainJob parsed = lumen::engine::trainJobFromJson(job.readAll().toStdString());
        QCOMPARE(parsed.train.textColumn, std::string("review"));
        QCOMPARE(parsed.batchSize, int64_t { 8 });
        QCOMPARE(parsed.mixedPrecision, std::string("no"));
        // Every setting survives the window (mixed precision included).
        lumen::engine::TrainJob wanted = window.job();
        wanted.mixedPrecision = "bf16";
        wanted.gradientCheckpointing = true;
        wanted.freezeLayers = 1;
        window.setJob(wanted);
        QCOMPARE(window.job().mixedPrecision, std::string("bf16"));
        QVERIFY(window.job().gradientCheckpointing);
        QCOMPARE(window.job().freezeLayers, int64_t { 1 });
        QCOMPARE(lumen::engine::trainJobToJson(window.job()), lumen::engine::trainJobToJson(wanted));
    }

    // The whole file is read in the background: the examples, the split and the label set
    // with counts; a validation label the training data lacks, a missing column and a
    // tokens/tags JSONL with its own key names.
    // Watch attention form: a new model from scratch (New…), a text file, a probe; the
    // timeline fills live in step order, and the run's page re-opens the same snapshots in
    // the same order from the run's file.
    void watchAttentionFormFromScratch()
    {
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("watch.lumen"))));
        FineTuneWindow window(&projects);
        window.show();
        window.setModelDir(base_);
        lumen::app::NewModelDialog* dialog = window.showNewModelDialog();
        QCOMPARE(dialog->tokenizerEdit()->text(), base_);
        dialog->familyBox()->setCurrentIndex(dialog->familyBox()->findData(QStringLiteral("transformer")));
        dialog->hiddenBox()->setValue(32);
        dialog->layersBox()->setValue(2);
        dialog->headsBox()->setValue(2);
        const QString fresh = dir_.filePath(QStringLiteral("scratch"));
        dialog->outputEdit()->setText(fresh);
        QSignalSpy created(dialog, &lumen::app::NewModelDialog::modelCreated);
        QVERIFY(dialog->create());
        QVERIFY(created.wait(30000));
        QTRY_COMPARE(window.job().model, fresh.toStdString());

        const QString text = dir_.filePath(QStringLiteral("lines.txt"));
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 40; ++i) {
            f.write(i % 2 ? "every winter the city has water\n" : "the capital city with water every morning\n");
        }
        f.close();
        QVERIFY(window.setDataFile(text));
        QCOMPARE(window.taskBox()->currentData().toInt(), static_cast<int>(lumen::engine::TrainTask::MaskedLm));
        QVERIFY(!window.probeEdit()->isEnabled());
        QVERIFY(window.job().attentionProbe.empty());
        window.watchBox()->setChecked(true); // the probe starts as the first example
        QCOMPARE(window.probeEdit()->text(), QStringLiteral("the capital city with water every morning"));
        window.probeEdit()->clear();
        QVERIFY(!window.start()); // watching nothing is refused by name
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("Watch attention form")));
        window.probeEdit()->setText(QStringLiteral("the city has water"));
        window.snapshotEveryBox()->setValue(2);
        window.maxStepsBox()->setValue(6);
        window.batchBox()->setValue(8);
        window.learningRateBox()->setValue(0.005);
        QCOMPARE(window.job().attentionProbe, std::string("the city has water"));
        QSignalSpy shown(&window, &FineTuneWindow::snapshotShown);
        QSignalSpy finished(&window, &FineTuneWindow::finished);
        QVERIFY(window.start());
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.front().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Completed));
        QCoreApplication::processEvents();
        std::vector<qint64> liveSteps;
        for (const QList<QVariant>& args : shown) {
            liveSteps.push_back(args.front().toLongLong());
        }
        QCOMPARE(liveSteps, (std::vector<qint64> { 0, 2, 4, 6 }));
        lumen::widgets::AttentionTimeline* live = window.timeline();
        QCOMPARE(live->count(), 4);
        QCOMPARE(live->currentStep(), qint64 { 6 }); // it followed the newest
        QCOMPARE(live->view()->data().tokens,
            (QStringList { QStringLiteral("[CLS]"), QStringLiteral("the"), QStringLiteral("city"), QStringLiteral("has"),
                QStringLiteral("water"), QStringLiteral("[SEP]") }));
        QVERIFY(live->changeFromFirst(1, 0).back() > 0.0);
        // With the timeline filled the window still fits a laptop's screen (it once needed 2067 px).
        QVERIFY2(window.minimumSizeHint().width() <= 1280, qPrintable(QString::number(window.minimumSizeHint().width())));

        // The run's page: the same snapshots, in order, from attention-snapshots.safetensors.
        auto project = lumen::projects::Project::open(dir_.filePath(QStringLiteral("watch.lumen")).toStdString());
        const qint64 id = window.runId();
        bool recorded = false;
        for (const auto& a : project->artifacts(id)) {
            recorded = recorded || a.kind == "attention-snapshots";
        }
        QVERIFY(recorded);
        RunBrowser browser(&projects);
        browser.show();
        QSignalSpy read(&browser, &RunBrowser::snapshotsShown);
        browser.showRun(id);
        QVERIFY(read.count() == 1 || read.wait(30000)); // read on a worker
        QCOMPARE(read.front().front().toLongLong(), id);
        lumen::widgets::AttentionTimeline* page = browser.page()->timeline();
        QVERIFY(page->isVisibleTo(&browser));
        QCOMPARE(browser.page()->extras()->currentWidget(), page); // a masked LM has no confusion matrix
        QCOMPARE(page->count(), 4);
        QVERIFY2(browser.minimumSizeHint().width() <= 1280, qPrintable(QString::number(browser.minimumSizeHint().width())));
        for (int k = 0; k < 4; ++k) {
            QCOMPARE(page->snapshots()[static_cast<size_t>(k)].step, live->snapshots()[static_cast<size_t>(k)].step);
            QCOMPARE(*page->snapshots()[static_cast<size_t>(k)].weights, *live->snapshots()[static_cast<size_t>(k)].weights);
        }
        // Its job artifact opens the run in the fine-tuning window, snapshots included.
        qint64 jobArtifact = 0;
        for (const auto& a : project->artifacts(id)) {
            jobArtifact = a.kind == "job" ? a.id : jobArtifact;
        }
        QSignalSpy wanted(&browser, &RunBrowser::trainRunRequested);
        browser.openArtifact(id, jobArtifact);
        QCOMPARE(wanted.count(), 1);
        FineTuneWindow reopened(&projects);
        QVERIFY(reopened.openRun(id));
        QCOMPARE(reopened.job().attentionProbe, std::string("the city has water"));
        QVERIFY(reopened.watchBox()->isChecked());
        QCOMPARE(reopened.timeline()->count(), 4);
        QCOMPARE(reopened.lossPlot()->graph(0)->dataCount(), 6);
        QVERIFY(!reopened.resumeButton()->isEnabled());
        // Stopped and resumed: the live timeline keeps the stopped run's snapshots and goes on.
        window.maxStepsBox()->setValue(120);
        window.snapshotEveryBox()->setValue(10);
        finished.clear();
        QVERIFY(window.start());
        QVERIFY(QTest::qWaitFor([&] { return live->count() >= 3; }, 60000));
        window.cancel();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.takeFirst().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Cancelled));
        const int beforeResume = live->count();
        QVERIFY(window.resume());
        QCOMPARE(live->count(), beforeResume); // shown again at once, from the checkpoint
        QVERIFY(finished.wait(60000));
        QCoreApplication::processEvents();
        const auto resumedSnapshots = lumen::engine::loadAttentionSnapshots(
            window.result().snapshotsFile);
        QCOMPARE(live->count(), static_cast<int>(resumedSnapshots.snapshots.size()));
        QCOMPARE(live->snapshots().front().step, qint64 { 0 });
        QCOMPARE(live->snapshots().back().step, qint64 { 120 });
        for (int k = 0; k < live->count(); ++k) {
            QCOMPARE(live->snapshots()[static_cast<size_t>(k)].step, resumedSnapshots.snapshots[static_cast<size_t>(k)].step);
        }
        page->setCurrent(0);
        QCOMPARE(page->currentStep(), qint64 { 0 });
        QVERIFY(page->stepLabel()->text().contains(QStringLiteral("initial weights")));
        QCOMPARE(page->view()->data().tokens, live->view()->data().tokens);
    }

    void dataCheck()
    {
        ProjectController projects;
        FineTuneWindow window(&projects);
        window.setModelDir(base_);
        QVERIFY(window.setDataFile(data_));
        QLabel* check = window.dataCheckLabel();
        const auto settled = [&] { return QTest::qWaitFor([&] { return !check->text().startsWith(QStringLiteral("Reading")) && !check->text().isEmpty(); }, 20000); };
        QVERIFY(settled());
        QVERIFY2(check->text().contains(QStringLiteral("80 examples: 72 for training, 8 held out")), qPrintable(check->text()));
        QVERIFY2(check->text().contains(QStringLiteral("2 labels: neg 40 · pos 40")), qPrintable(check->text()));
        QVERIFY(check->property("ok").toBool());

        const QString valid = dir_.filePath(QStringLiteral("valid.csv"));
        QFile v(valid);
        QVERIFY(v.open(QIODevice::WriteOnly));
        v.write("id,review,sentiment\n1,the city,pos\n2,the layer,neutral\n");
        v.close();
        lumen::engine::TrainJob j = window.job();
        j.validation.path = valid.toStdString();
        window.setJob(j);
        QTest::qWait(300);
        QVERIFY(settled());
        QVERIFY2(check->text().contains(QStringLiteral("label \"neutral\"")), qPrintable(check->text()));
        QVERIFY(!check->property("ok").toBool());

        window.textColumnBox()->setCurrentIndex(window.textColumnBox()->findData(QStringLiteral("id")));
        window.labelColumnBox()->setCurrentIndex(window.labelColumnBox()->findData(QStringLiteral("review")));
        j = window.job();
        j.validation.path.clear();
        window.setJob(j);
        QTest::qWait(300);
        QVERIFY(settled());
        // The wrong column chosen as the label: its "labels" show at once.
        QVERIFY2(check->text().contains(QStringLiteral("6 labels: the beautiful city with every 13")), qPrintable(check->text()));

        const QString tagged = dir_.filePath(QStringLiteral("ner.jsonl"));
        QFile t(tagged);
        QVERIFY(t.open(QIODevice::WriteOnly));
        for (int r = 0; r < 10; ++r) {
            t.write(R"({"id": 1, "words": ["the", "city", "of", "water"], "ner_tags": ["O", "LOC", "O", "LOC"]})" "\n");
        }
        t.close();
        QVERIFY(window.setDataFile(tagged));
        QCOMPARE(window.job().task, lumen::engine::TrainTask::TokenClassification);
        QCOMPARE(window.job().train.tokensKey, std::string("words"));
        QCOMPARE(window.job().train.tagsKey, std::string("ner_tags"));
        QVERIFY(window.textColumnBox()->isEnabled());
        QVERIFY(!window.pairColumnBox()->isEnabled());
        QVERIFY(settled());
        QVERIFY2(check->text().contains(QStringLiteral("2 tags: LOC 20 · O 20")), qPrintable(check->text()));
    }

    void cancelResumeAndFailure()
    {
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("b.lumen"))));
        FineTuneWindow window(&projects);
        window.setModelDir(base_);
        QVERIFY(window.setDataFile(data_));
        window.batchBox()->setValue(2);
        window.maxStepsBox()->setValue(800);
        QSignalSpy finished(&window, &FineTuneWindow::finished);
        QVERIFY(window.start());
        QVERIFY(QTest::qWaitFor([&] { return window.progressBar()->value() >= 5; }, 60000));
        window.cancel();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.takeFirst().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Cancelled));
        const int64_t stoppedAt = window.result().steps;
        QVERIFY(stoppedAt >= 5 && stoppedAt < 800);
        QVERIFY(window.resumeButton()->isEnabled());
        // Opened again later (the run browser's job artifact): its settings and curve, and
        // Resume continues it.
        const qint64 stopped = window.runId();
        FineTuneWindow reopened(&projects);
        QVERIFY(!reopened.resumeButton()->isEnabled());
        QVERIFY(reopened.openRun(stopped));
        QCOMPARE(reopened.job().maxSteps, int64_t { 800 });
        QCOMPARE(reopened.job().batchSize, int64_t { 2 });
        QCOMPARE(reopened.job().train.path, data_.toStdString());
        QCOMPARE(reopened.progressBar()->value(), static_cast<int>(stoppedAt));
        QVERIFY(reopened.lossPlot()->graph(0)->dataCount() > 0);
        QVERIFY(reopened.resumeButton()->isEnabled());
        QVERIFY(!reopened.openRun(stopped + 100)); // no such run: said, nothing changes
        QVERIFY(reopened.statusLabel()->text().contains(QStringLiteral("not a training run")));
        QVERIFY(reopened.resumeButton()->isEnabled());
        reopened.maxStepsBox()->setValue(1); // Resume keeps the stopped job's settings
        QSignalSpy reopenedFinished(&reopened, &FineTuneWindow::finished);
        QVERIFY(reopened.resume());
        QVERIFY(reopenedFinished.wait(120000));
        QCOMPARE(reopenedFinished.takeFirst().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Completed));
        QCOMPARE(reopened.result().steps, int64_t { 800 });
        auto project = lumen::projects::Project::open(dir_.filePath(QStringLiteral("b.lumen")).toStdString());
        const lumen::projects::MetricSeries second = project->metricSeries(reopened.runId(), "loss");
        QCOMPARE(second.steps.front(), stoppedAt + 1);
        bool resumedFrom = false;
        for (const auto& [key, value] : project->parameters(reopened.runId())) {
            resumedFrom = resumedFrom || key == "resumed_from";
        }
        QVERIFY(resumedFrom);
        // A resumed run opens too (its parameters hold resumed_from, its job.json does not).
        FineTuneWindow again(&projects);
        QVERIFY(again.openRun(reopened.runId()));
        QVERIFY(!again.resumeButton()->isEnabled()); // completed

        // Bad data: the run fails with the file and line; the window stays usable.
        QFile bad(dir_.filePath(QStringLiteral("bad.csv")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("text,label\nfine,pos\nbroken,\n");
        bad.close();
        QVERIFY(window.setDataFile(bad.fileName()));
        window.maxStepsBox()->setValue(5);
        QVERIFY(window.start());
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.takeFirst().front().toInt(), static_cast<int>(lumen::engine::JobStatus::Failed));
        QVERIFY2(window.statusLabel()->text().contains(QStringLiteral("bad.csv:3")), qPrintable(window.statusLabel()->text()));
        QVERIFY(window.startButton()->isEnabled());
        const auto runs = project->listRuns();
        QCOMPARE(runs.front().status, lumen::projects::RunStatus::Failed);
        QVERIFY(runs.front().errorMessage.find("bad.csv:3") != std::string::npos);
    }
};

QTEST_MAIN(TestFineTuneWindow)
#include "tst_fine_tune_window.moc"
