// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The engine worker: a QObject that lives on its own QThread and owns the loaded model. The
// GUI thread never runs a model; it sends commands with queued calls to the slots below and
// gets value types back through the signals.
//
//   auto* worker = new EngineWorker;             // no parent: it moves to the thread
//   worker->moveToThread(&thread);
//   connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
//   connect(this, &X::loadRequested, worker, &EngineWorker::loadModel);  // queued
//
// Every lumen::Error and std::exception the engine throws is caught here, at the boundary,
// and becomes loadFailed / runFailed with a message for the user. A failed load keeps the
// previous model. Cancelling is a flag (AttentionRequest::cancel) the GUI thread sets; the
// worker checks it before and after the forward pass and then reports runCancelled instead
// of a result.
// Thread safety: the slots run on the worker's thread; construct on any thread.

#include "demo_jobs.h"

#include "lumen/engine/context_ablation.h"
#include "lumen/engine/receptive_field.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tensor.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lumen::engine {
class Model;
}

namespace lumen::app {

/// What the GUI shows about a loaded model (from engine::ModelInfo).
struct ModelSummary {
    QString dir;
    QString modelType; ///< "bert"
    QString architecture; ///< "BertForPreTraining"
    QString weightsFile;
    QString dtype;
    QString device;
    qint64 parameterCount = 0;
    qint64 vocabSize = 0;
    qint64 hiddenSize = 0;
    int layers = 0;
    int heads = 0;
    QStringList warnings; ///< "kind: detail" for each load warning
    // For the model panel (ModelInfo and the tokenizer).
    QString headKind; ///< "masked-lm", "pretraining", "base", ...
    bool encoderDecoder = false; ///< T5: a source for the encoder, a target for the decoder
    /// false for the families with nothing to draw as attention (dilated convolutions,
    /// WaveNet, the LSTM): Run shows their receptive field instead
    bool hasAttention = true;
    QString fingerprint; ///< projects::modelFingerprint of the folder (recorded with runs)
    qint64 maxPositions = 0; ///< 0 when the model has no fixed maximum (relative positions)
    qint64 parametersPerForward = 0; ///< 0 when no weights are shared
    std::vector<std::pair<QString, qint64>> componentParameters; ///< in module order
    QString tokenizerKind; ///< "wordpiece", ...; empty when the folder has no tokenizer
    qint64 tokenizerVocabSize = 0;
    struct SpecialToken {
        QString role; ///< "cls", "sep", "pad", "unk", "mask", "bos", "eos"
        QString token;
        qint64 id = -1;
    };
    std::vector<SpecialToken> specialTokens;
};

/// One attention run asked of the worker.
struct AttentionRequest {
    quint64 id = 0;
    QString text;
    QString pair; ///< text B of a sentence pair; empty for one text
    /// Encoder-decoder models (T5): the text the decoder reads; its self-attention and its
    /// cross-attention to the encoder are traced beside the encoder's. Empty = the encoder
    /// alone.
    QString target;
    /// A text longer than the model takes is cut into windows of the model's length that
    /// overlap by this many text tokens (Hugging Face's `stride`); -1 = a quarter window.
    int stride = -1;
    /// Set from the GUI thread to cancel; shared so it outlives whichever side ends first.
    std::shared_ptr<std::atomic<bool>> cancel;
};

/// Every layer's [heads, query, key] attention of one input in one buffer,
/// [layer][head][query][key]: what the views share.
struct PackedAttention {
    std::shared_ptr<const std::vector<float>> weights;
    int layers = 0;
    int heads = 0;
    int seq = 0; ///< queries
    int keys = 0; ///< keys: seq for self-attention, the encoder's length for cross-attention
};

/// Packs per-layer [1, heads, seq, keys] tensors into one buffer (keys 0: seq, self-
/// attention). With `release`, each layer's own memory is freed as soon as it is copied, so
/// a trace never takes much more than once its size. Returns no weights and sets `error`
/// when the shapes do not fit together.
PackedAttention packAttention(std::vector<engine::FloatTensor>& layers, int seq, bool release,
    QString* error, int keys = 0);

/// A receptive-field job: the model's theoretical field per layer and, on `text`, the gradient
/// field of output `position` at `layer` (engine/receptive_field.h; -1 = the defaults).
/// `compareModels`: other model folders whose effective context curves are measured on the
/// same text (each loaded on the worker for the job, then dropped), at the same relative
/// position. `ablation`: also the loss with the context beyond d cut or shuffled.
struct ReceptiveFieldRequest {
    quint64 id = 0;
    QString text;
    int position = -1;
    int layer = -1;
    QStringList compareModels;
    bool ablation = false;
    engine::AblationMode ablationMode = engine::AblationMode::Cut;
    std::shared_ptr<std::atomic<bool>> cancel;
};

struct ComparedCurve {
    QString model; ///< the folder
    QString name; ///< its folder name and architecture, for the legend
    engine::GradientField gradient;
    QString error; ///< why it could not be measured (then gradient is empty)
};

struct ReceptiveFieldOutput {
    quint64 requestId = 0;
    QString name; ///< the loaded model, for the legend
    std::vector<engine::LayerReceptiveField> layers;
    engine::GradientField gradient;
    std::vector<ComparedCurve> compared;
    std::optional<engine::ContextAblation> ablation;
    QString ablationError;
};

/// The engine's answer to an AttentionRequest, still in engine types; attention_controller
/// turns it into widget data.
struct AttentionOutput {
    quint64 requestId = 0;
    QString text;
    QString modelDir;
    QString device;
    QString pair; ///< text B of a pair, empty for one text
    std::vector<std::string> tokens; ///< one per position (UTF-8 vocabulary strings)
    /// per position, [begin, end) code points of the text (of text B from segmentStart on);
    /// special tokens (0, 0)
    std::vector<std::pair<int64_t, int64_t>> offsets;
    std::vector<uint8_t> special; ///< per position, 1 = special token
    int segmentStart = -1; ///< first position of text B, -1 for one text
    bool causal = false; ///< the model's self-attention is causal
    /// The "attention" is a lightweight or dynamic convolution's kernels as band maps.
    bool kernels = false;
    /// per layer, [1, heads, seq, seq]; empty once packed
    std::vector<engine::FloatTensor> attentions;
    /// the attentions packed (computeAttention does it at once, so what crosses threads is
    /// a pointer, not the weights)
    PackedAttention packed;
    double forwardMs = 0.0; ///< the forward pass, as the engine timed it
    double elapsedMs = 0.0; ///< tokenising + forward, on the worker
    /// A long text's windows: this is window `windowIndex` of `windowCount`, holding the
    /// text's tokens [windowTokenBegin, windowTokenEnd) of `textTokens` (special tokens not
    /// counted); the first window carries the others in `otherWindows`.
    int windowIndex = 0;
    int windowCount = 1;
    int64_t windowTokenBegin = 0;
    int64_t windowTokenEnd = 0;
    int64_t textTokens = 0;
    int stride = 0;
    std::vector<AttentionOutput> otherWindows;
    /// Encoder-decoder models run with AttentionRequest::target: the decoder's positions
    /// (the start token, then the target's tokens shifted right, as the decoder reads them),
    /// their offsets in `target` (the start token (0, 0)) and special marks, its causal
    /// self-attention [layer][head][tgt][tgt] and its cross-attention [layer][head][tgt][src]
    /// to the encoder's positions above. All empty without a target.
    QString target;
    std::vector<std::string> decoderTokens;
    std::vector<std::pair<int64_t, int64_t>> decoderOffsets;
    std::vector<uint8_t> decoderSpecial;
    PackedAttention decoderPacked;
    PackedAttention crossPacked;
};

/// Tokenises `request` (one text, a pair, or a source and target) and runs the forward pass recording attention,
/// on the calling thread: what the worker does, and what `lumen-cli attention` does without a
/// worker. Throws lumen::Error; none when `control` cancelled the pass.
std::optional<AttentionOutput> computeAttention(
    engine::Model& model, const AttentionRequest& request, const engine::RunControl& control);

class EngineWorker : public QObject {
    Q_OBJECT

public:
    EngineWorker();
    ~EngineWorker() override;

    bool hasModel() const { return model_ != nullptr; }

public Q_SLOTS:
    /// Loads `dir`; on success it replaces the current model, on failure the current model
    /// stays.
    void loadModel(const QString& dir);
    /// Tokenises `request.text` and runs the forward pass recording attention.
    void runAttention(const lumen::app::AttentionRequest& request);
    /// Runs a text demo (demo_jobs.h): demoStep per generated token, then demoReady,
    /// demoFailed or demoCancelled.
    void runDemo(const lumen::app::DemoRequest& request);
    /// The theoretical and gradient receptive fields: receptiveFieldReady or
    /// receptiveFieldFailed.
    void runReceptiveField(const lumen::app::ReceptiveFieldRequest& request);

Q_SIGNALS:
    void modelLoaded(const lumen::app::ModelSummary& model);
    void loadFailed(const QString& dir, const QString& message);
    void attentionReady(const lumen::app::AttentionOutput& output);
    void runFailed(quint64 requestId, const QString& message);
    void runCancelled(quint64 requestId);
    void demoStep(quint64 requestId, const lumen::engine::GenerateStep& step);
    void demoReady(const lumen::app::DemoOutput& output);
    void demoFailed(quint64 requestId, const QString& message);
    void demoCancelled(quint64 requestId);
    void receptiveFieldReady(const lumen::app::ReceptiveFieldOutput& output);
    void receptiveFieldFailed(quint64 requestId, const QString& message);
    /// Throttled to at most ~20 a second; fraction in [0, 1].
    void progress(double fraction, const QString& step);

private:
    std::unique_ptr<engine::Model> model_;
};

/// "1.2 M", "130.4 k", "950": a parameter count for the status bar.
QString formatParameterCount(qint64 count);

} // namespace lumen::app

Q_DECLARE_METATYPE(lumen::app::ModelSummary)
Q_DECLARE_METATYPE(lumen::app::AttentionRequest)
Q_DECLARE_METATYPE(lumen::app::AttentionOutput)
Q_DECLARE_METATYPE(lumen::app::ReceptiveFieldRequest)
Q_DECLARE_METATYPE(lumen::app::ReceptiveFieldOutput)
