// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The run browser on a real project file: the table lists what the project holds (newest
// metrics included) and filters it; a run's page shows its parameters, summary, metric curve
// (the project's own series) and artifacts, and saves notes and tags; two runs compare
// (curves by step and by time, the parameters that differ); deleting goes to the trash and
// Undo brings the runs back with their files; export writes what lumen_projects writes; a
// missing artifact file is named, and an attention artifact asks the window to reopen it.

#include "main_window.h"
#include "project_controller.h"
#include "run_browser.h"

#include "lumen/projects/project.h"
#include "lumen/projects/run_export.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/run_table.h"
#include "lumen/widgets/run_views.h"

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <sstream>

using lumen::app::ProjectController;
using lumen::app::RunBrowser;
using lumen::projects::Project;
using lumen::projects::RunSpec;
using lumen::projects::RunStatus;

namespace {

constexpr int kWaitMs = 30000;

QString cellText(QTableWidget* table, int row, int column)
{
    QTableWidgetItem* item = table->item(row, column);
    return item != nullptr ? item->text() : QString();
}

/// Row `row` of the browser table as the user sees it, column `column`.
QString shown(RunBrowser& browser, int row, int column)
{
    QAbstractItemModel* model = browser.table()->view()->model();
    return model->index(row, column).data().toString();
}

} // namespace

class TestRunBrowser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
    }

    void init()
    {
        path_ = dir_.filePath(QStringLiteral("b%1.lumen").arg(++count_));
        auto project = Project::create(path_.toStdString());
        RunSpec a { "train", "/models/tiny", "cpu", R"({"lr":0.001,"epochs":2})", "" };
        a.tags = { "baseline" };
        a.experiment = "sweep";
        first_ = project->beginRun(a);
        project->addMetrics(first_, { { "loss", 0, 2.0, 1000 }, { "loss", 1, 1.5, 3000 },
                                        { "loss", 2, 1.0, 6000 } });
        project->writeArtifact(first_, "checkpoint", "model.bin", "weights");
        project->finishRun(first_, RunStatus::Completed, R"({"final_loss":1.0})");
        RunSpec b { "train", "/models/tiny", "cpu", R"({"lr":0.01,"epochs":2})", "" };
        second_ = project->beginRun(b);
        project->addMetrics(second_, { { "loss", 0, 2.5, 1000 }, { "loss", 1, 0.5, 2000 } });
        project->finishRun(second_, RunStatus::Failed, "{}", "diverged");
        third_ = project->beginRun({ "bench", "gpt2", "", "{}", "" });
        project->addMetric(third_, "forward_ms", 0, 12.5);
        project->finishRun(third_, RunStatus::Completed);
        projects_ = std::make_unique<ProjectController>();
        QVERIFY(projects_->openProject(path_));
        browser_ = std::make_unique<RunBrowser>(projects_.get());
        browser_->resize(1100, 760);
        browser_->show();
        QVERIFY(QTest::qWaitForWindowExposed(browser_.get()));
    }

    void cleanup()
    {
        browser_.reset();
        projects_.reset();
    }

    void tableListsAndFilters()
    {
        RunBrowser& b = *browser_;
        QCOMPARE(b.table()->rows().size(), size_t(3));
        QCOMPARE(shown(b, 0, lumen::widgets::RunTable::IdColumn), QString::number(third_));
        QCOMPARE(shown(b, 2, lumen::widgets::RunTable::MetricsColumn), QStringLiteral("loss=1"));
        QCOMPARE(shown(b, 2, lumen::widgets::RunTable::TagsColumn), QStringLiteral("baseline"));
        QCOMPARE(shown(b, 2, lumen::widgets::RunTable::ModelColumn), QStringLiteral("tiny"));
        QCOMPARE(shown(b, 2, lumen::widgets::RunTable::ExperimentColumn), QStringLiteral("sweep"));
        QCOMPARE(shown(b, 1, lumen::widgets::RunTable::StatusColumn), QStringLiteral("failed"));
        // The filter bar offers the project's kinds and tags, and each filter narrows.
        QComboBox* kind = b.table()->kindFilter();
        QVERIFY(kind->findData(QStringLiteral("bench")) > 0);
        QVERIFY(b.table()->tagFilter()->findData(QStringLiteral("baseline")) > 0);
        kind->setCurrentIndex(kind->findData(QStringLiteral("train")));
        QCOMPARE(b.table()->rows().size(), size_t(2));
        QComboBox* status = b.table()->statusFilter();
        status->setCurrentIndex(status->findData(QStringLiteral("failed")));
        QCOMPARE(b.table()->rows().size(), size_t(1));
        QCOMPARE(b.table()->rows().front().id, second_);
        b.table()->setFilter({});
        QCOMPARE(b.table()->rows().size(), size_t(3));
        QComboBox* model = b.table()->modelFilter();
        const int gpt2 = model->findData(QStringLiteral("gpt2"));
        QVERIFY(gpt2 > 0);
        QCOMPARE(model->itemText(model->findData(QStringLiteral("/models/tiny"))), QStringLiteral("tiny"));
        model->setCurrentIndex(gpt2);
        QCOMPARE(b.table()->rows().size(), size_t(1));
        QCOMPARE(b.table()->rows().front().id, third_);
        b.table()->setFilter({});
        // Free text after a pause in typing: the parameters are searched.
        QSignalSpy filtered(b.table(), &lumen::widgets::RunTable::filterChanged);
        QTest::keyClicks(b.table()->searchField(), QStringLiteral("0.01"));
        QVERIFY(filtered.wait(kWaitMs));
        QCOMPARE(b.table()->rows().size(), size_t(1));
        QCOMPARE(b.table()->rows().front().id, second_);
        b.table()->searchField()->clear();
        QVERIFY(filtered.wait(kWaitMs));
        // Sorting by duration sorts numbers, not text.
        b.table()->view()->sortByColumn(lumen::widgets::RunTable::IdColumn, Qt::AscendingOrder);
        QCOMPARE(b.table()->idAtRow(0), first_);
        // A run another program records appears without Refresh (the file is polled).
        {
            auto other = Project::open(path_.toStdString());
            other->finishRun(other->beginRun({ "forward", "", "", "{}", "" }), RunStatus::Completed);
        }
        QTRY_COMPARE_WITH_TIMEOUT(b.table()->rows().size(), size_t(4), kWaitMs);
        // A run recorded here while the browser is open appears at once.
        lumen::app::RecordedRun run =
            projects_->beginRun(QStringLiteral("tokenize"), QString(), QString(), {});
        projects_->finishRun(run, RunStatus::Completed);
        QCOMPARE(b.table()->rows().size(), size_t(5));
    }

    // A bench-length run shows its models' time and FLOPs against length on log-log axes,
    // each with the slope of its curve; other runs hide the chart.
    void benchLengthRunShowsSpeedAgainstLength()
    {
        {
            auto project = Project::open(path_.toStdString());
            const int64_t bench = project->beginRun({ "bench-length", "/models/conv", "cpu", "{}", "" });
            for (const int64_t n : { 256, 512, 1024, 2048 }) {
                const double x = static_cast<double>(n);
                project->addMetric(bench, "Conv/forward_ms", n, 0.02 * x);
                project->addMetric(bench, "Conv/gflops", n, 1e-3 * x);
                project->addMetric(bench, "Bert/forward_ms", n, 1e-4 * x * x);
                project->addMetric(bench, "Bert/gflops", n, 1e-6 * x * x);
            }
            project->finishRun(bench, RunStatus::Completed);
        }
        RunBrowser& b = *browser_;
        b.refresh();
        const qint64 bench = b.table()->idAtRow(0);
        b.showRun(bench);
        lumen::widgets::SpeedLengthChart* chart = b.page()->lengthChart();
        QVERIFY(chart->isVisibleTo(b.page()));
        QCOMPARE(chart->series().size(), size_t { 2 });
        const lumen::widgets::LengthSeries& bert = chart->series()[0];
        QCOMPARE(bert.model, QStringLiteral("Bert"));
        QCOMPARE(bert.lengths, (std::vector<double> { 256, 512, 1024, 2048 }));
        QCOMPARE(bert.gflops.back(), 1e-6 * 2048.0 * 2048.0);
        QVERIFY(std::abs(lumen::widgets::SpeedLengthChart::fittedSlope(bert.lengths, bert.milliseconds) - 2.0) < 1e-9);
        const lumen::widgets::LengthSeries& conv = chart->series()[1];
        QVERIFY(std::abs(lumen::widgets::SpeedLengthChart::fittedSlope(conv.lengths, conv.milliseconds) - 1.0) < 1e-9);
        QVERIFY(chart->plot()->xAxis->scaleType() == QCPAxis::stLogarithmic);
        QVERIFY(chart->plot()->graph(0)->name().contains(QStringLiteral("n^2.00")));
        b.showRun(first_);
        QVERIFY(!chart->isVisibleTo(b.page()));
    }

    void runPageShowsTheRunAndSavesNotes()
    {
        RunBrowser& b = *browser_;
        QSignalSpy curves(&b, &RunBrowser::curvesReady);
        b.showRun(first_);
        lumen::widgets::RunPage* page = b.page();
        QCOMPARE(page->details().id, first_);
        QVERIFY(page->titleLabel()->text().contains(QStringLiteral("train · completed")));
        QTableWidget* params = page->parameterTable();
        QCOMPARE(params->rowCount(), 3); // epochs, lr, result: final_loss
        QCOMPARE(cellText(params, 0, 0), QStringLiteral("epochs"));
        QCOMPARE(cellText(params, 1, 1), QStringLiteral("0.001"));
        QCOMPARE(cellText(params, 2, 0), QStringLiteral("result: final_loss"));
        QCOMPARE(page->artifactList()->count(), 1);
        QVERIFY(page->artifactList()->item(0)->text().startsWith(QStringLiteral("checkpoint")));
        // The curve is the project's series, read on a worker.
        QVERIFY(curves.count() > 0 || curves.wait(kWaitMs));
        QCPGraph* graph = page->plot()->graph(0);
        QVERIFY(graph != nullptr);
        QCOMPARE(graph->data()->size(), 3);
        QCOMPARE(graph->data()->at(2)->key, 2.0);
        QCOMPARE(graph->data()->at(2)->value, 1.0);

        // Notes and tags are saved into the project.
        page->notesEdit()->setPlainText(QStringLiteral("lr too small?"));
        page->tagsEdit()->setText(QStringLiteral("keep, baseline ,  keep"));
        QVERIFY(page->saveButton()->isEnabled());
        QTest::mouseClick(page->saveButton(), Qt::LeftButton);
        QVERIFY(!page->saveButton()->isEnabled());
        const auto project = Project::openReadOnly(path_.toStdString());
        const auto run = project->run(first_);
        QCOMPARE(QString::fromStdString(run->notes), QStringLiteral("lr too small?"));
        QCOMPARE(run->tags, (std::vector<std::string> { "baseline", "keep" }));
        QVERIFY(b.table()->tagFilter()->findData(QStringLiteral("keep")) > 0);

        // The experiment field offers the project's experiments; a new name makes one.
        QComboBox* experiment = page->experimentEdit();
        QCOMPARE(experiment->currentText(), QStringLiteral("sweep"));
        QVERIFY(experiment->findText(QStringLiteral("sweep")) >= 0);
        b.showRun(second_);
        QCOMPARE(page->experimentEdit()->currentText(), QString());
        page->experimentEdit()->setCurrentText(QStringLiteral("round 2"));
        QVERIFY(page->saveButton()->isEnabled());
        QTest::mouseClick(page->saveButton(), Qt::LeftButton);
        QCOMPARE(QString::fromStdString(Project::openReadOnly(path_.toStdString())->run(second_)->experiment),
            QStringLiteral("round 2"));
        QComboBox* filter = b.table()->experimentFilter();
        QVERIFY(filter->findData(QStringLiteral("round 2")) > 0);
        filter->setCurrentIndex(filter->findData(QStringLiteral("sweep")));
        QCOMPARE(b.table()->rows().size(), size_t(1));
        QCOMPARE(b.table()->rows().front().id, first_);
    }

    void compareOverlaysCurvesAndListsDifferences()
    {
        RunBrowser& b = *browser_;
        QSignalSpy curves(&b, &RunBrowser::curvesReady);
        b.table()->selectIds({ first_, second_ });
        lumen::widgets::RunCompare* compare = b.comparison();
        QCOMPARE(compare->runIds().size(), 2);
        QVERIFY(b.compareButton()->isEnabled());
        QTableWidget* differing = compare->differenceTable();
        QCOMPARE(differing->rowCount(), 1); // lr differs, epochs does not
        QCOMPARE(cellText(differing, 0, 0), QStringLiteral("lr"));
        QStringList values { cellText(differing, 0, 1), cellText(differing, 0, 2) };
        values.sort();
        QCOMPARE(values, (QStringList { QStringLiteral("0.001"), QStringLiteral("0.01") }));
        QVERIFY(curves.count() > 0 || curves.wait(kWaitMs));
        QCOMPARE(compare->plot()->graphCount(), 2);
        int points = 0;
        for (int g = 0; g < 2; ++g) {
            points += compare->plot()->graph(g)->data()->size();
        }
        QCOMPARE(points, 5);
        // By time: seconds since each run's first point (run 1: 0, 2, 5).
        compare->setByTime(true);
        QCPGraph* longest = compare->plot()->graph(0)->data()->size() == 3
            ? compare->plot()->graph(0)
            : compare->plot()->graph(1);
        QCOMPARE(longest->data()->at(2)->key, 5.0);
        QCOMPARE(longest->data()->at(1)->key, 2.0);
    }

    void deleteAndUndo()
    {
        RunBrowser& b = *browser_;
        const QString folder =
            QFileInfo(path_).absolutePath() + QStringLiteral("/b%1_artifacts/run-%2").arg(count_).arg(first_);
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/model.bin")));
        b.table()->selectIds({ first_, third_ });
        QVERIFY(b.deleteSelected());
        QCOMPARE(b.table()->rows().size(), size_t(1));
        QVERIFY(!QFileInfo::exists(folder));
        QVERIFY(b.undoButton()->isEnabled());
        QVERIFY(b.statusLabel()->text().contains(QStringLiteral("Undo")));
        QVERIFY(b.undoDelete());
        QCOMPARE(b.table()->rows().size(), size_t(3));
        QVERIFY(QFileInfo::exists(folder + QStringLiteral("/model.bin")));
        QCOMPARE(b.table()->selectedIds().size(), 2);
        // Deleted for good when the project closes.
        b.table()->selectIds({ third_ });
        QVERIFY(b.deleteSelected());
        browser_.reset();
        projects_.reset();
        const auto project = Project::openReadOnly(path_.toStdString());
        QVERIFY(!project->run(third_));
        QVERIFY(project->run(first_));
    }

    void exportWritesWhatTheProjectWrites()
    {
        RunBrowser& b = *browser_;
        const QString csv = dir_.filePath(QStringLiteral("runs.csv"));
        QCOMPARE(b.exportRuns(csv), QString());
        const auto project = Project::openReadOnly(path_.toStdString());
        std::ostringstream expected;
        lumen::projects::writeRunsCsv(expected, *project, project->listRuns());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().toStdString(), expected.str());
        // The selection only, as JSON with histories.
        b.table()->selectIds({ second_ });
        const QString json = dir_.filePath(QStringLiteral("runs.json"));
        QCOMPARE(b.exportRuns(json), QString());
        QFile jsonFile(json);
        QVERIFY(jsonFile.open(QIODevice::ReadOnly));
        const nlohmann::json parsed = nlohmann::json::parse(jsonFile.readAll().toStdString());
        QCOMPARE(parsed.size(), size_t(1));
        QCOMPARE(parsed[0].at("id").get<qint64>(), second_);
        QCOMPARE(parsed[0].at("metric_history").at("loss").size(), size_t(2));
        QVERIFY(b.exportRuns(dir_.filePath(QStringLiteral("runs.txt"))).contains(QStringLiteral(".csv")));
        QVERIFY(!b.exportRuns(dir_.filePath(QStringLiteral("no/such/runs.csv"))).isEmpty());
    }

    void missingArtifactsAreNamed()
    {
        RunBrowser& b = *browser_;
        const auto reader = Project::openReadOnly(path_.toStdString());
        const QString file = QString::fromStdString(reader->artifactPath(reader->artifacts(first_).at(0)));
        QVERIFY(QFile::remove(file));
        b.showRun(first_);
        QVERIFY(b.page()->artifactList()->item(0)->text().contains(QStringLiteral("MISSING")));
        QSignalSpy errors(&b, &RunBrowser::errorOccurred);
        Q_EMIT b.page()->artifactActivated(first_, reader->artifacts(first_).at(0).id);
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.first().at(1).toString().contains(file));
        // The window says so when the project opens.
        lumen::app::MainWindow window;
        window.setInteractiveErrors(false);
        QVERIFY(window.openProject(path_));
        QVERIFY2(window.lastWarning().contains(QStringLiteral("run-%1/model.bin").arg(first_)),
            qPrintable(window.lastWarning()));
        QVERIFY(window.lastError().isEmpty());
    }

    void attentionArtifactsOpenInTheViews()
    {
        RunBrowser& b = *browser_;
        const auto project = Project::open(path_.toStdString());
        const auto artifact = project->writeArtifact(third_, "attention", "attention.safetensors", "x");
        b.showRun(third_);
        QSignalSpy requested(&b, &RunBrowser::attentionRunRequested);
        QListWidget* list = b.page()->artifactList();
        QCOMPARE(list->count(), 1);
        Q_EMIT list->itemActivated(list->item(0));
        QCOMPARE(requested.count(), 1);
        QCOMPARE(requested.first().at(0).toLongLong(), third_);
        QCOMPARE(list->item(0)->data(Qt::UserRole).toLongLong(), artifact.id);
    }

    // File > Export Project… and Import Project…: off the GUI thread, and the imported
    // project is the one the window then records into.
    void projectArchiveRoundTrip()
    {
        lumen::app::MainWindow window;
        window.setInteractiveErrors(false);
        QVERIFY(window.openProject(path_));
        QSignalSpy done(&window, &lumen::app::MainWindow::archiveFinished);
        const QString archive = dir_.filePath(QStringLiteral("whole%1.tar").arg(count_));
        QVERIFY(window.exportProjectArchive(archive));
        QVERIFY(done.wait(kWaitMs));
        QCOMPARE(done.first().at(0).toBool(), true);
        QVERIFY(QFileInfo::exists(archive));
        const QString imported = dir_.filePath(QStringLiteral("imported%1.lumen").arg(count_));
        QVERIFY(window.importProjectArchive(archive, imported));
        QVERIFY(done.wait(kWaitMs));
        QCOMPARE(done.at(1).at(0).toBool(), true);
        QCOMPARE(QFileInfo(window.projectController()->projectPath()).fileName(),
            QFileInfo(imported).fileName());
        const auto copy = Project::openReadOnly(imported.toStdString());
        QCOMPARE(copy->listRuns().size(), size_t(3));
        QCOMPARE(copy->artifacts(first_).size(), size_t(1));
        QVERIFY(copy->missingArtifacts().empty());
        // Importing over it again is refused with a message, and nothing changes.
        QVERIFY(window.importProjectArchive(archive, imported));
        QVERIFY(done.wait(kWaitMs));
        QCOMPARE(done.at(2).at(0).toBool(), false);
        QVERIFY(window.lastError().contains(QStringLiteral("already exists")));
    }

private:
    QTemporaryDir dir_;
    int count_ = 0;
    QString path_;
    qint64 first_ = 0;
    qint64 second_ = 0;
    qint64 third_ = 0;
    std::unique_ptr<ProjectController> projects_;
    std::unique_ptr<RunBrowser> browser_;
};

QTEST_MAIN(TestRunBrowser)
#include "tst_run_browser.moc"
