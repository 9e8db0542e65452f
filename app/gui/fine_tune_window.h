// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The fine-tuning window (Train > Fine-Tune…): a data file with its preview and column
// mapping, the task, the job's options (engine/train.h, the same as a JSON job file; "Copy
// as Command" writes one and the lumen-cli line that runs it), and while it runs: progress
// with ETA, live curves of the loss, learning rate and validation metrics, Pause, Cancel and
// Resume; afterwards the confusion matrix and the validation examples, errors first. "New…"
// starts from a new random model instead; "Watch attention form" keeps a probe sentence's
// attention at intervals and the Attention forming tab scrubs through it live. Each job
// is a run of kind "train" in the project (metrics, the job, the evaluation, checkpoints and
// the final model in the run's folder). Training runs on a worker thread; the window gets
// its progress as queued, throttled updates, so the event loop stays free.
// Thread safety: GUI thread only.

#include "project_controller.h"

#include "lumen/engine/dataset.h"
#include "lumen/engine/train.h"
#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/evaluation_view.h"

#include <QElapsedTimer>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace lumen::app {

class NewModelDialog;

class FineTuneWindow : public QWidget {
    Q_OBJECT

public:
    explicit FineTuneWindow(ProjectController* projects, QWidget* parent = nullptr);
    ~FineTuneWindow() override;

    void setModelDir(const QString& dir);
    /// "New…" beside the model: a new random model (File > New Model's dialog, with the
    /// current model's tokenizer) to train from scratch; once written it becomes the model.
    NewModelDialog* showNewModelDialog();
    /// Reads the file's preview and offers its columns; false (reason in the status) when it
    /// cannot be read.
    bool setDataFile(const QString& path);
    /// The job the widgets describe (paths absolute).
    engine::TrainJob job() const;
    void setJob(const engine::TrainJob& job);

    /// Starts the job as a new run; false (reason in the status) when it cannot start.
    bool start();
    /// After a cancel (or a failed run): a new run that continues from the last run's newest
    /// checkpoint.
    bool resume();
    /// Shows a recorded train run of the open project: its job in the widgets, its loss and
    /// validation curves, evaluation and attention snapshots; Resume then continues it when
    /// it was stopped, Start trains the job again. False (reason in the status) while a run
    /// is in progress or for a run that is not a train run.
    bool openRun(qint64 runId);
    void setPaused(bool paused);
    void cancel();
    bool isRunning() const { return running_; }
    /// The job as a JSON file and the lumen-cli command that runs it (also copied to the
    /// clipboard); empty when the job is incomplete.
    QString copyAsCommand();

    qint64 runId() const { return run_.id; }
    const engine::TrainResult& result() const { return result_; }
    QTableWidget* previewTable() const { return preview_; }
    QComboBox* taskBox() const { return task_; }
    QComboBox* textColumnBox() const { return textColumn_; }
    QComboBox* pairColumnBox() const { return pairColumn_; }
    QComboBox* labelColumnBox() const { return labelColumn_; }
    QSpinBox* batchBox() const { return batch_; }
    QSpinBox* accumulationBox() const { return accumulation_; }
    QSpinBox* epochsBox() const { return epochs_; }
    QSpinBox* maxStepsBox() const { return maxSteps_; }
    QSpinBox* freezeLayersBox() const { return freezeLayers_; }
    QCheckBox* checkpointingBox() const { return checkpointing_; }
    QCheckBox* slidingBox() const { return sliding_; }
    QDoubleSpinBox* learningRateBox() const { return lr_; }
    QCustomPlot* lossPlot() const { return lossPlot_; }
    QCustomPlot* validationPlot() const { return validPlot_; }
    QLabel* dataCheckLabel() const { return dataCheck_; }
    QTableWidget* confusionTable() const { return evaluation_->confusionTable(); }
    QTableWidget* examplesTable() const { return evaluation_->examplesTable(); }
    widgets::EvaluationView* evaluationView() const { return evaluation_; }
    QLabel* statusLabel() const { return status_; }
    QProgressBar* progressBar() const { return progress_; }
    QPushButton* startButton() const { return startButton_; }
    QPushButton* resumeButton() const { return resumeButton_; }
    QCheckBox* watchBox() const { return watch_; }
    QLineEdit* probeEdit() const { return probe_; }
    QSpinBox* snapshotEveryBox() const { return snapshotEvery_; }
    widgets::AttentionTimeline* timeline() const { return timeline_; }
    QTabWidget* tabs() const { return tabs_; }

Q_SIGNALS:
    void finished(int status); ///< engine::JobStatus
    void evaluated();
    void snapshotShown(qint64 step); ///< an attention snapshot reached the timeline

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct Shared; ///< what the worker and the window both hold
    bool launch(const engine::TrainJob& job, bool resume, qint64 resumedFrom);
    void onProgress(const std::vector<engine::TrainProgress>& steps);
    /// The loss and learning-rate curves from rawSteps_ (at most ~400 bucket means).
    void replotLoss();
    void onEvaluated(const engine::EvalResult& r);
    void onFinished(const engine::TrainResult& r, const QString& error);
    void onSnapshot(const std::optional<widgets::AttentionSet>& shape, const widgets::TimelineSnapshot& snapshot);
    /// The first example's text (its first 12 words), the probe a new watch starts with.
    QString firstExampleText() const;
    void updateButtons();
    /// Reads the whole training (and validation) data off the GUI thread, shortly after the
    /// last change, and shows what it holds or where it is wrong.
    void scheduleDataCheck();
    void updateColumnBoxes();

    ProjectController* projects_;
    RecordedRun run_;
    qint64 lastRun_ = 0;
    engine::TrainJob lastJob_;
    bool running_ = false;
    std::shared_ptr<Shared> shared_;
    engine::TrainResult result_;
    QElapsedTimer replotClock_;
    std::vector<double> rawSteps_; ///< every step's numbers; the plot shows bucket means
    std::vector<double> rawLoss_;
    std::vector<double> rawLr_;

    QLineEdit* model_ = nullptr;
    QLineEdit* data_ = nullptr;
    QLineEdit* validation_ = nullptr;
    QComboBox* task_ = nullptr;
    QComboBox* textColumn_ = nullptr;
    QComboBox* pairColumn_ = nullptr;
    QComboBox* labelColumn_ = nullptr;
    QTableWidget* preview_ = nullptr;
    QLabel* textLabel_ = nullptr;
    QLabel* labelLabel_ = nullptr;
    QLabel* dataCheck_ = nullptr; ///< what the whole data holds: examples, split, label set
    QTimer* checkTimer_ = nullptr;
    quint64 checkRequest_ = 0;
    engine::DataFormat dataFormat_ = engine::DataFormat::Auto;
    QDoubleSpinBox* lr_ = nullptr;
    QDoubleSpinBox* weightDecay_ = nullptr;
    QDoubleSpinBox* validFraction_ = nullptr;
    QComboBox* schedule_ = nullptr;
    QSpinBox* warmup_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* accumulation_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QSpinBox* maxSteps_ = nullptr;
    QSpinBox* maxLength_ = nullptr;
    QCheckBox* sliding_ = nullptr;
    QSpinBox* stride_ = nullptr;
    QCheckBox* freezeEmbeddings_ = nullptr;
    QCheckBox* checkpointing_ = nullptr;
    QSpinBox* freezeLayers_ = nullptr;
    QDoubleSpinBox* clip_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* precision_ = nullptr;
    QSpinBox* evalEvery_ = nullptr;
    QSpinBox* patience_ = nullptr;
    QSpinBox* checkpointEvery_ = nullptr;
    QSpinBox* keep_ = nullptr;
    QPushButton* startButton_ = nullptr;
    QPushButton* pauseButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QPushButton* resumeButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QCustomPlot* lossPlot_ = nullptr;
    QCustomPlot* validPlot_ = nullptr;
    widgets::EvaluationView* evaluation_ = nullptr;
    widgets::AttentionTimeline* timeline_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QCheckBox* watch_ = nullptr;
    QLineEdit* probe_ = nullptr;
    QSpinBox* snapshotEvery_ = nullptr;
};

} // namespace lumen::app

Q_DECLARE_METATYPE(std::vector<lumen::engine::TrainProgress>)
Q_DECLARE_METATYPE(lumen::engine::EvalResult)
Q_DECLARE_METATYPE(lumen::engine::TrainResult)
