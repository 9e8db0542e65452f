// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "attention_controller.h"

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"
#include "lumen/projects/project.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtConcurrent>

namespace lumen::app {

widgets::AttentionSet toAttentionSet(const AttentionOutput& output, QString* error)
{
    auto fail = [error](const QString& why) {
        if (error != nullptr) {
            *error = why;
        }
        return widgets::AttentionSet();
    };
    widgets::AttentionSet set;
    const int seq = static_cast<int>(output.tokens.size());
    PackedAttention packed = output.packed;
    if (!packed.weights) {
        // Not packed by the worker (a hand-made output): pack a copy.
        std::vector<engine::FloatTensor> layers = output.attentions;
        QString why;
        packed = packAttention(layers, seq, /*release=*/false, &why);
        if (!packed.weights) {
            return fail(why);
        }
    } else if (packed.seq != seq
        || packed.weights->size()
            != static_cast<size_t>(packed.layers) * packed.heads * seq * seq) {
        return fail(QStringLiteral("the packed attention does not fit the %1 tokens").arg(seq));
    }
    set.seq = seq;
    set.layers = packed.layers;
    set.heads = packed.heads;
    set.weights = std::move(packed.weights);
    const std::u32string textA = output.text.toStdU32String();
    const std::u32string textB = output.pair.toStdU32String();
    const bool withOffsets = output.offsets.size() == output.tokens.size();
    for (int i = 0; i < seq; ++i) {
        const std::string& vocab = output.tokens[static_cast<size_t>(i)];
        set.vocabTokens << QString::fromStdString(vocab);
        const bool special = static_cast<size_t>(i) < output.special.size()
            && output.special[static_cast<size_t>(i)] != 0;
        const std::u32string& text =
            (output.segmentStart >= 0 && i >= output.segmentStart) ? textB : textA;
        set.tokens << tokenDisplayText(text,
            withOffsets ? output.offsets[static_cast<size_t>(i)]
                        : std::make_pair(int64_t(0), int64_t(0)),
            special, vocab);
    }
    if (output.special.size() == output.tokens.size()) {
        set.special = output.special;
    }
    set.segmentStart = output.segmentStart;
    set.causal = output.causal;
    if (output.kernels) {
        set.valueName = AttentionController::tr("kernel weight");
    }
    return set;
}

bool toDecoderSets(const AttentionOutput& output, const widgets::AttentionSet& encoder,
    widgets::AttentionSet* decoder, widgets::AttentionSet* cross, QString* error)
{
    auto fail = [error](const QString& why) {
        if (error != nullptr) {
            *error = why;
        }
        return false;
    };
    const int target = static_cast<int>(output.decoderTokens.size());
    const PackedAttention& self = output.decoderPacked;
    const PackedAttention& over = output.crossPacked;
    if (target == 0 || !self.weights || !over.weights) {
        return fail(QStringLiteral("the run has no decoder attention"));
    }
    const size_t perHead = static_cast<size_t>(self.layers) * self.heads * target;
    if (self.seq != target || over.seq != target || over.keys != encoder.seq
        || over.layers != self.layers || over.heads != self.heads
        || self.weights->size() != perHead * target
        || over.weights->size() != perHead * static_cast<size_t>(encoder.seq)
        || output.decoderOffsets.size() != output.decoderTokens.size()) {
        return fail(QStringLiteral("the decoder's attention does not fit its %1 tokens and the "
                                   "encoder's %2")
                        .arg(target)
                        .arg(encoder.seq));
    }
    widgets::AttentionSet d;
    d.name = decoderStackName();
    d.layers = self.layers;
    d.heads = self.heads;
    d.seq = target;
    d.causal = true;
    d.weights = self.weights;
    const std::u32string text = output.target.toStdU32String();
    for (int i = 0; i < target; ++i) {
        const std::string& vocab = output.decoderTokens[static_cast<size_t>(i)];
        const bool special = static_cast<size_t>(i) < output.decoderSpecial.size()
            && output.decoderSpecial[static_cast<size_t>(i)] != 0;
        d.vocabTokens << QString::fromStdString(vocab);
        d.tokens << tokenDisplayText(
            text, output.decoderOffsets[static_cast<size_t>(i)], special, vocab);
    }
    if (output.decoderSpecial.size() == output.decoderTokens.size()) {
        d.special = output.decoderSpecial;
    }
    *cross = crossAttentionSet(d, encoder, over.weights);
    *decoder = std::move(d);
    return true;
}

QString tokenDisplayText(const std::u32string& text, std::pair<int64_t, int64_t> offsets,
    bool special, const std::string& vocabToken)
{
    const auto [begin, end] = offsets;
    if (!special && begin >= 0 && end > begin && end <= static_cast<int64_t>(text.size())) {
        const QString span =
            QString::fromUcs4(text.data() + begin, static_cast<qsizetype>(end - begin));
        const QString trimmed = span.trimmed();
        if (!trimmed.isEmpty()) {
            return trimmed;
        }
        if (span.contains(QLatin1Char('\n'))) {
            return QStringLiteral("⏎");
        }
        if (span.contains(QLatin1Char('\t'))) {
            return QStringLiteral("⇥");
        }
        return QStringLiteral("␣");
    }
    QString shown = QString::fromStdString(vocabToken);
    if (!special) {
        shown.replace(QStringLiteral("Ġ"), QStringLiteral("␣"));
        shown.replace(QStringLiteral("▁"), QStringLiteral("␣"));
    }
    return shown;
}

AttentionController::AttentionController(ProjectController* projects, QObject* parent)
    : QObject(parent)
    , projects_(projects)
{
    thread_.setObjectName(QStringLiteral("lumen-engine"));
    worker_ = new EngineWorker;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);

    connect(this, &AttentionController::loadRequested, worker_, &EngineWorker::loadModel);
    connect(this, &AttentionController::runRequested, worker_, &EngineWorker::runAttention);
    connect(worker_, &EngineWorker::modelLoaded, this, &AttentionController::onModelLoaded);
    connect(worker_, &EngineWorker::loadFailed, this, &AttentionController::onLoadFailed);
    connect(worker_, &EngineWorker::attentionReady, this, &AttentionController::onAttentionReady);
    connect(worker_, &EngineWorker::runFailed, this, &AttentionController::onRunFailed);
    connect(worker_, &EngineWorker::runCancelled, this, &AttentionController::onRunCancelled);
    connect(worker_, &EngineWorker::progress, this, &AttentionController::progressChanged);
    thread_.start();
}

AttentionController::~AttentionController()
{
    cancel();
    thread_.quit();
    thread_.wait();
    // A run still open was cut short by closing the window. It is left Running: when the
    // last reference to its project goes, Project marks it Interrupted, which is what it was.
}

void AttentionController::loadModel(const QString& dir)
{
    ++pendingLoads_;
    jobStarted(tr("Loading %1…").arg(dir));
    Q_EMIT loadRequested(dir);
}

bool AttentionController::run(const QString& text, const QString& pair, const QString& target)
{
    if (isBusy()) {
        Q_EMIT runFailed(tr("Lumen is still busy with the previous job. Wait for it to finish "
                            "or press Cancel."));
        return false;
    }
    if (!hasModel_) {
        Q_EMIT runFailed(tr("No model is loaded. Open a model folder first (File > Open "
                            "Model…, or drop the folder on the window)."));
        return false;
    }
    if (text.trimmed().isEmpty()) {
        Q_EMIT runFailed(tr("The text is empty. Type a sentence to run the model on."));
        return false;
    }

    QJsonObject parameters;
    parameters.insert(QStringLiteral("text"), text);
    if (!pair.isEmpty()) {
        parameters.insert(QStringLiteral("text_pair"), pair);
    }
    if (!target.isEmpty()) {
        parameters.insert(QStringLiteral("target"), target);
    }
    parameters.insert(QStringLiteral("layer"), layer_);
    if (head_ == widgets::AttentionView::kMeanOfHeads) {
        parameters.insert(QStringLiteral("head"), QStringLiteral("mean"));
    } else if (head_ == widgets::AttentionView::kMaxOfHeads) {
        parameters.insert(QStringLiteral("head"), QStringLiteral("max"));
    } else {
        parameters.insert(QStringLiteral("head"), head_);
    }
    currentRun_ =
        projects_->beginRun(
            QStringLiteral("attention"), model_.dir, model_.device, parameters, model_.modelType,
            model_.fingerprint);
    lastRun_ = currentRun_;

    AttentionRequest request;
    request.id = nextRequestId_++;
    request.text = text;
    request.pair = pair;
    request.target = target;
    request.stride = stride_;
    request.cancel = std::make_shared<std::atomic<bool>>(false);
    currentRequest_ = request.id;
    currentCancel_ = request.cancel;
    jobStarted(tr("Running %1…").arg(model_.architecture));
    Q_EMIT runRequested(request);
    return true;
}

void AttentionController::cancel()
{
    if (currentCancel_) {
        currentCancel_->store(true);
    }
}

void AttentionController::setSelection(int layer, int head)
{
    layer_ = layer;
    head_ = head;
}

void AttentionController::jobStarted(const QString& what)
{
    ++pendingJobs_;
    Q_EMIT busyChanged(true, what);
}

void AttentionController::jobEnded()
{
    pendingJobs_ = qMax(0, pendingJobs_ - 1);
    if (pendingJobs_ == 0) {
        Q_EMIT busyChanged(false, QString());
    }
}

void AttentionController::onModelLoaded(const ModelSummary& model)
{
    --pendingLoads_;
    model_ = model;
    hasModel_ = true;
    record_ = AttentionRecord();
    windows_.clear();
    jobEnded();
    Q_EMIT modelLoaded(model);
}

void AttentionController::onLoadFailed(const QString& dir, const QString& message)
{
    --pendingLoads_;
    jobEnded();
    Q_EMIT loadFailed(dir, message);
}

void AttentionController::onAttentionReady(const AttentionOutput& output)
{
    if (output.requestId != currentRequest_) {
        return;
    }
    const RecordedRun run = currentRun_;
    currentRun_ = RecordedRun();
    currentCancel_.reset();

    // Every window of a long text (one for a text the model takes whole).
    std::vector<const AttentionOutput*> parts { &output };
    for (const AttentionOutput& w : output.otherWindows) {
        parts.push_back(&w);
    }
    std::vector<AttentionRecord> windows;
    double forwardMs = 0.0;
    for (const AttentionOutput* part : parts) {
        QString error;
        AttentionRecord record;
        record.set = toAttentionSet(*part, &error);
        if (!record.set.isValid()) {
            const QString message = tr("The model's attention could not be shown: %1.").arg(error);
            projects_->finishRun(run, projects::RunStatus::Failed, {}, message);
            jobEnded();
            Q_EMIT runFailed(message);
            return;
        }
        if (part->decoderPacked.weights) {
            if (!toDecoderSets(*part, record.set, &record.decoder, &record.cross, &error)) {
                const QString message =
                    tr("The decoder's attention could not be shown: %1.").arg(error);
                projects_->finishRun(run, projects::RunStatus::Failed, {}, message);
                jobEnded();
                Q_EMIT runFailed(message);
                return;
            }
            record.set.name = encoderStackName();
            record.target = part->target;
        }
        record.text = part->text;
        record.pair = part->pair;
        record.modelDir = part->modelDir;
        record.windowIndex = part->windowIndex;
        record.windowCount = part->windowCount;
        record.tokenBegin = part->windowTokenBegin;
        record.tokenEnd = part->windowTokenEnd;
        record.textTokens = part->textTokens;
        record.stride = part->stride;
        forwardMs += part->forwardMs;
        windows.push_back(std::move(record));
    }
    const widgets::AttentionSet& set = windows.front().set;
    QJsonObject summary;
    summary.insert(QStringLiteral("seq_len"), set.seq);
    summary.insert(QStringLiteral("layers"), set.layers);
    summary.insert(QStringLiteral("heads"), set.heads);
    if (windows.front().hasDecoder()) {
        summary.insert(QStringLiteral("target_len"), windows.front().decoder.seq);
        summary.insert(QStringLiteral("decoder_layers"), windows.front().decoder.layers);
    }
    summary.insert(QStringLiteral("elapsed_ms"), output.elapsedMs);
    summary.insert(QStringLiteral("forward_ms"), forwardMs);
    if (windows.size() > 1) {
        summary.insert(QStringLiteral("windows"), static_cast<int>(windows.size()));
        summary.insert(QStringLiteral("text_tokens"), static_cast<qint64>(output.textTokens));
        summary.insert(QStringLiteral("stride"), output.stride);
    }
    for (size_t w = 0; w < parts.size(); ++w) {
        projects_->addMetric(
            run, QStringLiteral("forward_ms"), static_cast<qint64>(w), parts[w]->forwardMs);
    }
    projects_->finishRun(run, projects::RunStatus::Completed, summary);

    windows_ = std::move(windows);
    record_ = windows_.front();
    jobEnded();
    show();
    saveArtifact(run);
}

bool AttentionController::showWindow(int index)
{
    if (index < 0 || index >= windowCount() || index == record_.windowIndex) {
        return index >= 0 && index < windowCount();
    }
    record_ = windows_[static_cast<size_t>(index)];
    show();
    return true;
}

namespace {

} // namespace

engine::AttentionLayers layersOf(const widgets::AttentionSet& set)
{
    engine::AttentionLayers layers;
    layers.batch = 1;
    layers.seq = set.seq;
    for (int l = 0; l < set.layers; ++l) {
        layers.data.push_back(set.slice(l, 0));
        layers.heads.push_back(set.heads);
    }
    return layers;
}

const widgets::AttentionSet& AttentionController::lastAttention() const
{
    if (record_.hasDecoder()) {
        if (stack_ == Stack::Decoder) {
            return record_.decoder;
        }
        if (stack_ == Stack::Cross) {
            return record_.cross;
        }
    }
    return record_.set;
}

bool AttentionController::setStack(Stack stack)
{
    if (stack != Stack::Encoder && !record_.hasDecoder()) {
        return false;
    }
    if (stack == stack_) {
        return true;
    }
    stack_ = stack;
    Q_EMIT stackChanged(stack_);
    showStack();
    return true;
}

void AttentionController::show()
{
    if (stack_ != Stack::Encoder && !record_.hasDecoder()) {
        stack_ = Stack::Encoder;
        Q_EMIT stackChanged(stack_);
    }
    showStack();
    Q_EMIT windowShown(record_.windowIndex, record_.windowCount);
}

void AttentionController::showStack()
{
    ++shown_;
    statistics_.clear();
    const widgets::AttentionSet set = lastAttention(); // shares the weights
    Q_EMIT attentionReady(set);
    if (!set.isSelf()) {
        // Previous-token, self and distance shares mean nothing across two texts.
        Q_EMIT statisticsReady(statistics_);
        return;
    }
    const quint64 shown = shown_;
    auto* watcher = new QFutureWatcher<std::vector<widgets::HeadStatsRow>>(this);
    connect(watcher, &QFutureWatcher<std::vector<widgets::HeadStatsRow>>::finished, this,
        [this, watcher, shown] {
            watcher->deleteLater();
            if (shown != shown_) {
                return; // something newer is shown
            }
            statistics_ = watcher->result();
            Q_EMIT statisticsReady(statistics_);
        });
    watcher->setFuture(QtConcurrent::run([set]() {
        std::vector<widgets::HeadStatsRow> rows;
        try {
            engine::HeadStatsConfig config;
            config.realMask = set.valid;
            config.specialMask = set.special;
            config.causal = set.causal;
            const engine::HeadStatsResult result = engine::headStatistics(layersOf(set), config);
            for (const engine::HeadStats& h : result.heads) {
                widgets::HeadStatsRow row;
                row.layer = static_cast<int>(h.layer);
                row.head = static_cast<int>(h.head);
                row.entropy = h.entropy;
                row.normalizedEntropy = h.normalizedEntropy;
                row.meanDistance = h.meanDistance;
                row.specialShare = h.specialShare;
                row.previousShare = h.previousShare;
                row.selfShare = h.selfShare;
                row.pattern = QString::fromLatin1(engine::headPatternName(h.pattern));
                rows.push_back(row);
            }
        } catch (const std::exception&) {
            // An inconsistent set never reaches here (toAttentionSet checks it): no rows.
        }
        return rows;
    }));
}

bool AttentionController::computeFlow(FlowMethod method, int toLayer)
{
    if (!record_.set.isValid()) {
        Q_EMIT runFailed(tr("There is no attention to combine yet. Run a text first."));
        return false;
    }
    if (!lastAttention().isSelf()) {
        Q_EMIT runFailed(tr("Rollout and flow follow self-attention through the layers of one "
                            "stack; cross-attention's layers each map the decoder's tokens to "
                            "the encoder's and do not chain. Show the encoder or the decoder."));
        return false;
    }
    // Flow is a job of its own (seconds to minutes, cancellable); rollout is quick and runs
    // beside anything, its result dropped if another input is shown by then.
    const bool job = method == FlowMethod::Flow;
    if (job && isBusy()) {
        Q_EMIT runFailed(tr("Lumen is still busy with the previous job. Wait for it to finish "
                            "or press Cancel."));
        return false;
    }
    const widgets::AttentionSet set = lastAttention();
    const quint64 shown = shown_;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    if (job) {
        currentCancel_ = cancel;
        jobStarted(tr("Computing attention flow…"));
    }
    struct Outcome {
        std::vector<float> matrix;
        QString error;
        bool cancelled = false;
    };
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this,
        [this, watcher, method, toLayer, shown, job] {
            watcher->deleteLater();
            const Outcome outcome = watcher->result();
            if (job) {
                currentCancel_.reset();
                jobEnded();
            }
            if (outcome.cancelled) {
                Q_EMIT runCancelled();
            } else if (!outcome.error.isEmpty()) {
                Q_EMIT runFailed(outcome.error);
            } else if (shown == shown_) {
                Q_EMIT flowReady(method, toLayer, outcome.matrix);
            }
        });
    watcher->setFuture(QtConcurrent::run([this, set, method, toLayer, cancel, job]() {
        Outcome outcome;
        try {
            engine::RunControl control;
            control.cancel = cancel.get();
            QElapsedTimer sinceReport;
            sinceReport.start();
            control.progress = [this, &sinceReport, job](double fraction, const std::string& step) {
                if (job && (fraction >= 1.0 || sinceReport.elapsed() >= 50)) {
                    sinceReport.restart();
                    QMetaObject::invokeMethod(
                        this, [this, fraction, text = QString::fromStdString(step)] {
                            Q_EMIT progressChanged(fraction, text);
                        });
                }
            };
            const engine::AttentionLayers layers = layersOf(set);
            engine::FloatTensor matrix;
            engine::JobStatus status = engine::JobStatus::Completed;
            if (method == FlowMethod::Flow) {
                engine::FlowConfig config;
                config.toLayer = toLayer;
                config.realMask = set.valid;
                engine::FlowResult r = engine::attentionFlow(layers, config, control);
                matrix = std::move(r.matrix);
                status = r.status;
            } else {
                engine::RolloutConfig config;
                config.toLayer = toLayer;
                config.realMask = set.valid;
                engine::RolloutResult r = engine::attentionRollout(layers, config, control);
                matrix = std::move(r.matrix);
                status = r.status;
            }
            outcome.cancelled = status == engine::JobStatus::Cancelled;
            outcome.matrix = std::move(matrix.data);
        } catch (const std::exception& e) {
            outcome.error = QString::fromStdString(e.what());
        }
        return outcome;
    }));
    return true;
}

void AttentionController::saveArtifact(const RecordedRun& run)
{
    if (!run.valid()) {
        return;
    }
    // One file per window of a long text, all kind "attention".
    const std::vector<AttentionRecord> windows = windows_; // shares the weights
    const QString artifacts = QString::fromStdString(run.project->artifactsDir());
    QStringList relatives;
    for (const AttentionRecord& w : windows) {
        relatives << (windows.size() == 1
                ? QStringLiteral("run-%1/attention.safetensors").arg(run.id)
                : QStringLiteral("run-%1/attention-window-%2.safetensors")
                      .arg(run.id)
                      .arg(w.windowIndex + 1, 3, 10, QLatin1Char('0')));
    }
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this,
        [this, watcher, run, relatives, artifacts] {
            watcher->deleteLater();
            QString error = watcher->result();
            if (error.isEmpty()) {
                try {
                    for (const QString& relative : relatives) {
                        run.project->addArtifactFile(run.id, "attention", relative.toStdString());
                    }
                } catch (const std::exception& e) {
                    error = QString::fromStdString(e.what());
                }
            }
            if (error.isEmpty()) {
                Q_EMIT artifactSaved(run.id, QDir(artifacts).filePath(relatives.first()));
            } else {
                Q_EMIT artifactFailed(run.id,
                    tr("The attention of run %1 could not be kept in the project: %2")
                        .arg(run.id)
                        .arg(error));
            }
        });
    watcher->setFuture(QtConcurrent::run([windows, relatives, artifacts]() -> QString {
        try {
            for (size_t w = 0; w < windows.size(); ++w) {
                const QString path = QDir(artifacts).filePath(relatives.at(static_cast<int>(w)));
                QDir().mkpath(QFileInfo(path).absolutePath());
                saveAttentionRecord(windows[w], QFile::encodeName(path).toStdString());
            }
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
}

std::vector<AttentionController::SavedRun> AttentionController::savedRuns()
{
    std::vector<SavedRun> out;
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        return out;
    }
    projects::RunFilter filter;
    filter.kind = "attention";
    for (const projects::RunRecord& run : project->listRuns(filter)) {
        SavedRun saved;
        for (const projects::ArtifactRecord& artifact : project->artifacts(run.id)) {
            if (artifact.kind == "attention") {
                saved.artifactPaths << QString::fromStdString(project->artifactPath(artifact));
            }
        }
        if (saved.artifactPaths.isEmpty()) {
            continue;
        }
        saved.artifactPaths.sort(); // window files are numbered with leading zeros
        saved.artifactPath = saved.artifactPaths.first();
        saved.id = run.id;
        const QJsonObject parameters =
            QJsonDocument::fromJson(QByteArray::fromStdString(run.parametersJson)).object();
        saved.text = parameters.value(QStringLiteral("text")).toString();
        saved.pair = parameters.value(QStringLiteral("text_pair")).toString();
        saved.target = parameters.value(QStringLiteral("target")).toString();
        saved.model = QString::fromStdString(run.model);
        saved.startedAt = QDateTime::fromMSecsSinceEpoch(run.createdMs)
                              .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        out.push_back(saved);
    }
    return out;
}

bool AttentionController::reopenRun(qint64 runId)
{
    if (isBusy()) {
        Q_EMIT runFailed(tr("Lumen is still busy with the previous job. Wait for it to finish "
                            "or press Cancel."));
        return false;
    }
    QStringList paths;
    for (const SavedRun& saved : savedRuns()) {
        if (saved.id == runId) {
            paths = saved.artifactPaths;
        }
    }
    if (paths.isEmpty()) {
        Q_EMIT runFailed(tr("Run %1 kept no attention in this project (only completed "
                            "attention runs do). Run the text again.")
                             .arg(runId));
        return false;
    }
    jobStarted(tr("Opening run %1…").arg(runId));
    using Loaded = std::pair<std::vector<AttentionRecord>, QString>;
    auto* watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcher<Loaded>::finished, this, [this, watcher, runId] {
        watcher->deleteLater();
        auto [windows, error] = watcher->result();
        jobEnded();
        if (!error.isEmpty()) {
            Q_EMIT runFailed(error);
            return;
        }
        windows_ = std::move(windows);
        record_ = windows_.front();
        show();
        Q_EMIT runReopened(runId, record_.text, record_.pair);
    });
    watcher->setFuture(QtConcurrent::run([paths]() -> Loaded {
        try {
            std::vector<AttentionRecord> windows;
            for (const QString& path : paths) {
                windows.push_back(loadAttentionRecord(QFile::encodeName(path).toStdString()));
            }
            std::sort(windows.begin(), windows.end(),
                [](const AttentionRecord& a, const AttentionRecord& b) {
                    return a.windowIndex < b.windowIndex;
                });
            for (size_t w = 0; w < windows.size(); ++w) {
                if (windows[w].windowIndex != static_cast<int>(w)
                    || windows[w].windowCount != static_cast<int>(windows.size())) {
                    return { {},
                        tr("The run's attention files do not make up its windows "
                           "(window %1 of %2 is missing). Run the text again.")
                            .arg(w + 1)
                            .arg(windows[w].windowCount) };
                }
            }
            return { std::move(windows), QString() };
        } catch (const std::exception& e) {
            return { {}, QString::fromStdString(e.what()) };
        }
    }));
    return true;
}

void AttentionController::onRunFailed(quint64 requestId, const QString& message)
{
    if (requestId != currentRequest_) {
        return;
    }
    projects_->finishRun(currentRun_, projects::RunStatus::Failed, {}, message);
    currentRun_ = RecordedRun();
    currentCancel_.reset();
    jobEnded();
    Q_EMIT runFailed(message);
}

void AttentionController::onRunCancelled(quint64 requestId)
{
    if (requestId != currentRequest_) {
        return;
    }
    projects_->finishRun(currentRun_, projects::RunStatus::Cancelled);
    currentRun_ = RecordedRun();
    currentCancel_.reset();
    jobEnded();
    Q_EMIT runCancelled();
}

} // namespace lumen::app
