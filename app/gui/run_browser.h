// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The run browser (File > Browse Runs…): the open project's runs in a table with filters,
// one run's page (parameters, metric plot, artifacts, notes and tags), a comparison of two or
// more runs (metric curves overlaid, the parameters that differ), deleting with undo, and
// export of runs to CSV and JSON.
//
//   auto* browser = new RunBrowser(projects, mainWindow);   // a window of its own
//   browser->show();                                         // lists the runs
//   connect(browser, &RunBrowser::attentionRunRequested, ...); // open an attention artifact
//
// The listing reads the project on the GUI thread (10 000 runs list in about 40 ms, see
// bench/README.md); a metric's history (up to millions of points) is read on a worker
// through a read-only connection of its own, and a late answer for an older choice is
// dropped; a train run's attention snapshot file is read on a worker the same way.
// Deleting moves runs to the project's trash: Undo brings them back while the program
// runs; they are deleted for good when the project is closed.
// Thread safety: GUI thread only.

#include "project_controller.h"

#include "lumen/widgets/run_table.h"
#include "lumen/widgets/run_views.h"

#include <QTimer>
#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace lumen::app {

class RunBrowser : public QWidget {
    Q_OBJECT

public:
    explicit RunBrowser(ProjectController* projects, QWidget* parent = nullptr);

    /// Lists the runs again with the current filter (also when the project records a run).
    void refresh();
    /// Shows run `id` on the run page (selecting it in the table).
    void showRun(qint64 id);
    /// Run `id` changed (an artifact was added): the table, and its page if it is shown.
    void runChanged(qint64 id);
    /// Compares `ids` (two or more).
    void compare(const QList<qint64>& ids);
    /// Moves the selected runs to the trash; false when none is selected or one is running.
    bool deleteSelected();
    /// Restores the runs of the last delete.
    bool undoDelete();
    /// Writes the selected runs (every listed one when none is selected) as .csv or .json.
    /// Returns "" or what went wrong.
    QString exportRuns(const QString& path);

    widgets::RunTable* table() const { return table_; }
    widgets::RunPage* page() const { return page_; }
    widgets::RunCompare* comparison() const { return compare_; }
    QPushButton* compareButton() const { return compareButton_; }
    QPushButton* deleteButton() const { return deleteButton_; }
    QPushButton* undoButton() const { return undoButton_; }
    QLabel* statusLabel() const { return status_; }
    /// A train run's attention snapshots are being read for its page (snapshotsShown follows,
    /// or errorOccurred).
    bool snapshotsPending() const { return snapshotsPending_; }
    /// Increments each time a metric request's answer has been shown (tests wait on it).
    int curvesShown() const { return curvesShown_; }

    /// Opens artifact `artifactId` of run `runId` as its page's list does on a double click:
    /// an attention or demo output, a comparison or a train run's job asks the window to
    /// show it, other files open outside.
    void openArtifact(qint64 runId, qint64 artifactId);

Q_SIGNALS:
    /// An "attention" artifact of run `runId` was opened: show that run in the views.
    void attentionRunRequested(qint64 runId);
    /// A text demo's output ("demo" artifact) was opened: show it in the demo window.
    void demoRunRequested(qint64 runId);
    /// A "comparison" artifact (compare.json) was opened: show it in the compare window.
    void comparisonRunRequested(qint64 runId);
    /// A train run's job, evaluation or attention snapshots were opened: show the run in the
    /// fine-tuning window (its settings, curves, evaluation, snapshots; Resume when stopped).
    void trainRunRequested(qint64 runId);
    void errorOccurred(const QString& title, const QString& message);
    void curvesReady();
    /// A train run's attention snapshots reached its page (read on a worker).
    void snapshotsShown(qint64 runId);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void onSelection(const QList<qint64>& ids);
    void loadCurves(const QList<qint64>& ids, const QString& key, bool forCompare);
    /// Reads a train run's attention snapshots on a worker and puts them on its page.
    void loadSnapshots(qint64 runId, const std::string& path);
    /// A bench-length run's per-model time and FLOPs against length.
    static std::vector<widgets::LengthSeries> lengthSeries(projects::Project& project, qint64 id);
    void saveNotes(qint64 runId, const QString& notes);
    void saveTags(qint64 runId, const QStringList& tags);
    void setStatus(const QString& text);

    ProjectController* projects_;
    widgets::RunTable* table_ = nullptr;
    QStackedWidget* pages_ = nullptr;
    widgets::RunPage* page_ = nullptr;
    widgets::RunCompare* compare_ = nullptr;
    QLabel* placeholder_ = nullptr;
    QPushButton* compareButton_ = nullptr;
    QPushButton* deleteButton_ = nullptr;
    QPushButton* undoButton_ = nullptr;
    QPushButton* exportButton_ = nullptr;
    QLabel* status_ = nullptr;
    std::vector<QList<qint64>> undo_; ///< each delete's runs, the last one last
    QTimer* watch_ = nullptr; ///< notices runs other programs record
    qint64 seenVersion_ = -1;
    quint64 curveRequest_ = 0;
    quint64 snapshotRequest_ = 0;
    bool snapshotsPending_ = false;
    int curvesShown_ = 0;
};

} // namespace lumen::app
