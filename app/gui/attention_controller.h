// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The attention feature: owns the engine worker and its thread, loads models, runs a text
// and hands the result to the view as widget data, recording every run in the project.
//
//   auto* attention = new AttentionController(projects, this);
//   connect(attention, &AttentionController::attentionReady, view, &AttentionView::setData);
//   attention->loadModel(dir);   // -> modelLoaded or loadFailed
//   attention->run(text);        // -> attentionReady, runFailed or runCancelled
//
// One job runs at a time on the worker; run() refuses while busy. Each run is recorded as
// kind "attention" with parameters {text, text_pair, layer, head} (the view's selection when
// it started) and, when it ends, status completed / failed / cancelled with the summary
// {seq_len, layers, heads, elapsed_ms, forward_ms}. A completed run also keeps its attention
// as an artifact (kind "attention", run-<id>/attention.safetensors, written off the GUI
// thread), which reopenRun() shows again exactly, without the model. Text the controller
// refuses before running (empty, no model) is not recorded: nothing ran.
// Thread safety: GUI thread only; the worker runs on its own thread.

#include "attention_file.h"
#include "engine_worker.h"
#include "project_controller.h"

#include "lumen/engine/analysis.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/head_stats_table.h"

#include <QObject>
#include <QThread>

namespace lumen::app {

/// Engine output -> widget data: the per-layer [1, heads, seq, seq] tensors laid out
/// [layer][head][query][key] in one shared buffer; each token shown as the text it came from
/// (tokenDisplayText), its vocabulary string kept for tooltips; special tokens, the segment
/// of a pair and causality carried over. Returns an empty set and sets `error` when the
/// shapes do not fit together.
widgets::AttentionSet toAttentionSet(const AttentionOutput& output, QString* error = nullptr);
/// An encoder-decoder output's decoder side (AttentionOutput::decoderPacked, crossPacked) as
/// widget data beside `encoder` (toAttentionSet of the same output): the decoder's causal
/// self-attention and its cross-attention to the encoder's positions, named. False, with
/// `error` set, when the output has no decoder or its shapes do not fit.
bool toDecoderSets(const AttentionOutput& output, const widgets::AttentionSet& encoder,
    widgets::AttentionSet* decoder, widgets::AttentionSet* cross, QString* error = nullptr);
/// The engine's view of a set's weights for the analysis (rollout, flow, statistics): no
/// copy, the buffer stays shared. The set must be valid and outlive the view.
engine::AttentionLayers layersOf(const widgets::AttentionSet& set);

/// What a token shows: the characters [begin, end) of `text` (code points) with white space
/// at either end trimmed, "␣" for white space alone ("⏎" for a line break, "⇥" for a tab);
/// a special token, or one with no characters, shows its vocabulary string with the
/// byte-level and SentencePiece space markers ("Ġ", "▁") turned into "␣".
QString tokenDisplayText(const std::u32string& text, std::pair<int64_t, int64_t> offsets,
    bool special, const std::string& vocabToken);

class AttentionController : public QObject {
    Q_OBJECT

public:
    AttentionController(ProjectController* projects, QObject* parent = nullptr);
    /// Cancels what runs and waits for the worker thread to finish.
    ~AttentionController() override;

    /// Queues a load of `dir`; the current model stays until the new one has loaded.
    void loadModel(const QString& dir);
    /// Starts a run on `text`. Returns false (and emits runFailed) for an empty text, with
    /// no model loaded, or while another job runs.
    /// `target`: an encoder-decoder model's decoder text (its self- and cross-attention are
    /// shown beside the encoder's); refused for other models.
    bool run(const QString& text, const QString& pair = QString(),
        const QString& target = QString());
    /// Asks the running job to stop; it ends with runCancelled.
    void cancel();
    /// The view selection recorded with the next run.
    void setSelection(int layer, int head);

    bool isBusy() const { return pendingJobs_ > 0; }
    /// The worker that owns the model (on its own thread), for other features' jobs (the
    /// text demos): connect to its slots and signals, never call them directly.
    EngineWorker* worker() const { return worker_; }
    bool hasModel() const { return hasModel_; }
    bool isLoading() const { return pendingLoads_ > 0; }
    const ModelSummary& model() const { return model_; }
    /// What the views show: the chosen stack's attention of the last run.
    const widgets::AttentionSet& lastAttention() const;
    /// An encoder-decoder run has three attentions; the views show one at a time.
    enum class Stack { Encoder, Decoder, Cross };
    Q_ENUM(Stack)
    /// Shows `stack` of what is shown (attentionReady and the statistics follow); false,
    /// changing nothing, when the run has no such attention (Decoder and Cross need an
    /// encoder-decoder run with a target).
    bool setStack(Stack stack);
    Stack stack() const { return stack_; }
    /// What is shown: the attention and the texts and model it came from.
    const AttentionRecord& lastRecord() const { return record_; }
    /// A long text's windows (one for a text the model takes whole).
    int windowCount() const { return static_cast<int>(windows_.size()); }
    int currentWindow() const { return record_.windowIndex; }
    /// Shows window `index` of the last run; false when there is no such window.
    bool showWindow(int index);
    /// The overlap of the windows of the next run, in text tokens; -1 = a quarter window.
    void setStride(int tokens) { stride_ = tokens; }
    int stride() const { return stride_; }

    /// A recorded attention run that can be shown again.
    struct SavedRun {
        qint64 id = 0;
        QString text;
        QString pair;
        QString target; ///< an encoder-decoder run's decoder text
        QString model;
        QString startedAt; ///< local time, "yyyy-MM-dd HH:mm"
        QString artifactPath; ///< the first window's file
        QStringList artifactPaths; ///< every window's file, in window order
    };
    /// The open project's attention runs that kept their attention, newest first.
    std::vector<SavedRun> savedRuns();
    /// How computeFlow() combines the layers.
    enum class FlowMethod { Rollout, Flow };
    Q_ENUM(FlowMethod)
    /// Starts rollout or flow from the input tokens to `toLayer` over what is shown, off the
    /// GUI thread: rolloutReady follows (flow is cancellable and reports progress; it is
    /// O(r^4), meant for short inputs). Returns false without attention, for cross-attention
    /// (its layers do not chain: each maps decoder positions to encoder ones), or while busy.
    bool computeFlow(FlowMethod method, int toLayer);
    /// The head statistics of what is shown (computed after every run and reopen, for
    /// self-attention; cross-attention has none: its keys are another text).
    const std::vector<widgets::HeadStatsRow>& statistics() const { return statistics_; }

    /// Shows run `runId` again from its artifact (read off the GUI thread): attentionReady
    /// and runReopened follow, or runFailed saying what is missing. Returns false when busy.
    bool reopenRun(qint64 runId);
    /// The run last recorded (invalid before the first).
    const RecordedRun& lastRun() const { return lastRun_; }

Q_SIGNALS:
    void busyChanged(bool busy, const QString& what);
    void progressChanged(double fraction, const QString& step);
    void modelLoaded(const lumen::app::ModelSummary& model);
    void loadFailed(const QString& dir, const QString& message);
    void attentionReady(const lumen::widgets::AttentionSet& attention);
    void runFailed(const QString& message);
    void runCancelled();
    /// The attention of a run was written to the project (path of the artifact).
    void artifactSaved(qint64 runId, const QString& path);
    /// Keeping the attention failed; the run itself stays completed.
    void artifactFailed(qint64 runId, const QString& message);
    /// The head statistics of the attention shown (one row per layer and head).
    void statisticsReady(const std::vector<lumen::widgets::HeadStatsRow>& rows);
    /// computeFlow() finished: [query][key] matrix of `seq` x `seq`.
    void flowReady(lumen::app::AttentionController::FlowMethod method, int toLayer,
        const std::vector<float>& matrix);
    /// Window `index` of `count` is shown (count 1: the text fitted whole).
    void windowShown(int index, int count);
    /// reopenRun() showed run `runId` again.
    void runReopened(qint64 runId, const QString& text, const QString& pair);
    /// The stack shown changed (setStack, or a run without a decoder went back to Encoder).
    void stackChanged(lumen::app::AttentionController::Stack stack);

    // To the worker (queued across threads).
    void loadRequested(const QString& dir);
    void runRequested(const lumen::app::AttentionRequest& request);

private:
    void jobStarted(const QString& what);
    void jobEnded();
    void onModelLoaded(const ModelSummary& model);
    void onLoadFailed(const QString& dir, const QString& message);
    void onAttentionReady(const AttentionOutput& output);
    void onRunFailed(quint64 requestId, const QString& message);
    void onRunCancelled(quint64 requestId);
    void saveArtifact(const RecordedRun& run);
    /// Shows record_ (after a run or a reopen) and starts its head statistics.
    void show();
    /// Shows the current stack of record_ and starts its statistics.
    void showStack();

    ProjectController* projects_;
    QThread thread_;
    EngineWorker* worker_ = nullptr;
    int pendingJobs_ = 0;
    int pendingLoads_ = 0;
    bool hasModel_ = false;
    ModelSummary model_;
    AttentionRecord record_;
    std::vector<AttentionRecord> windows_; ///< every window of the last run (record_ is one)
    int stride_ = -1;
    Stack stack_ = Stack::Encoder;
    std::vector<widgets::HeadStatsRow> statistics_;
    quint64 shown_ = 0; ///< counts what was shown, so late statistics for an older one drop
    int layer_ = 0;
    int head_ = 0;
    quint64 nextRequestId_ = 1;
    quint64 currentRequest_ = 0;
    std::shared_ptr<std::atomic<bool>> currentCancel_;
    RecordedRun currentRun_;
    RecordedRun lastRun_;
};

} // namespace lumen::app
