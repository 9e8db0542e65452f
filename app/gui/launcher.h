// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What `lumen` does at start-up, from its command line (AppOptions): open the project, load
// the model (the demo model without --model), put the text in the box and run it, and
// select --layer / --head. With --screenshot it then renders the window to a PNG and
// reports finished(0), or finished(non-zero) with the error on stderr when the project,
// the model or the run failed. Everything waits on signals, never on a processEvents loop.
// Thread safety: GUI thread only.

#include "app_options.h"

#include <QObject>
#include <QTimer>

namespace lumen::widgets {
class AttentionTimeline;
}

namespace lumen::app {

class MainWindow;

/// Registers lumen.qrc (icons, the demo description); lumen_app is a static library, so
/// its resources need an explicit Q_INIT_RESOURCE from the executable.
void initResources();

class Launcher : public QObject {
    Q_OBJECT

public:
    Launcher(MainWindow* window, const AppOptions& options, QObject* parent = nullptr);

    /// Starts the sequence; returns at once (the work happens in the event loop).
    void start();

    /// How long --screenshot waits for the model and the run before giving up.
    static constexpr int kScreenshotTimeoutMs = 300000;

Q_SIGNALS:
    /// --screenshot only: the PNG was written (0) or something failed (1, 2 on timeout).
    void finished(int exitCode);

private:
    bool screenshotMode() const { return !options_.screenshotPath.isEmpty(); }
    void fail(const QString& message, int exitCode = 1);
    void takeScreenshot();
    /// --demo: opens the demo window and runs the demo (the screenshot follows it).
    void startDemo();
    /// --image-model: the image CNN window, measured, then (screenshot mode) saved.
    void startImageModel();
    /// --train-job: the fine-tuning window on the job, started, then (screenshot) saved.
    void startTrainJob();
    /// --compare DIR...: the compare workspace on the models and --text, then (screenshot) saved.
    void startCompare();
    /// Screenshot mode: saves the window once the receptive field view has measured.
    void waitForField();
    /// --run with --step / --layer / --head: that snapshot of a train run's attention timeline.
    void showSnapshot(widgets::AttentionTimeline* timeline);

    MainWindow* window_;
    AppOptions options_;
    QString text_;
    bool waitingForModel_ = false;
    bool waitingForRun_ = false;
    bool done_ = false;
    QTimer watchdog_;
};

} // namespace lumen::app
