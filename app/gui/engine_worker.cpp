// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "engine_worker.h"

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tokenizer.h"
#include "lumen/projects/fingerprint.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <new>
#include <optional>
#include <utility>

namespace lumen::app {

namespace {

QString fromStd(const std::string& s)
{
    return QString::fromStdString(s);
}

ModelSummary summarize(const engine::Model& model)
{
    const engine::ModelInfo& info = model.info();
    ModelSummary s;
    s.dir = QFile::decodeName(QByteArray::fromStdString(info.dir));
    s.modelType = fromStd(info.modelType);
    s.architecture = fromStd(info.architecture);
    s.weightsFile = fromStd(info.weightsFile);
    s.dtype = fromStd(info.dtype);
    s.device = fromStd(info.device);
    s.parameterCount = info.parameterCount;
    s.vocabSize = info.vocabSize;
    s.hiddenSize = info.hiddenSize;
    s.layers = static_cast<int>(info.numLayers);
    s.heads = static_cast<int>(info.numHeads);
    for (const auto& w : info.warnings) {
        s.warnings << fromStd(w.kind) + QStringLiteral(": ") + fromStd(w.detail);
    }
    s.headKind = fromStd(info.headKind);
    s.encoderDecoder = info.isEncoderDecoder;
    s.hasAttention = info.modelType != "lumen-dilatedconv" && info.modelType != "lumen-wavenet"
        && info.modelType != "lumen-lstm";
    s.maxPositions = info.maxPositions;
    s.parametersPerForward = info.parametersPerForward;
    for (const auto& [name, count] : info.componentParameters) {
        s.componentParameters.emplace_back(fromStd(name), count);
    }
    if (const engine::Tokenizer* tok = model.tokenizer()) {
        s.tokenizerKind = fromStd(tok->kind());
        s.tokenizerVocabSize = tok->vocabSize();
        const engine::SpecialTokens& special = tok->specialTokens();
        const std::pair<const char*, std::optional<int64_t>> roles[] = { { "cls", special.cls },
            { "sep", special.sep }, { "bos", special.bos }, { "eos", special.eos },
            { "mask", special.mask }, { "pad", special.pad }, { "unk", special.unk } };
        for (const auto& [role, id] : roles) {
            if (!id) {
                continue;
            }
            ModelSummary::SpecialToken t;
            t.role = QString::fromLatin1(role);
            t.id = *id;
            try {
                t.token = fromStd(tok->idToToken(*id));
            } catch (const std::exception&) {
                t.token = QStringLiteral("?"); // an id outside the vocabulary: still show it
            }
            s.specialTokens.push_back(t);
        }
    }
    return s;
}

/// What a failed job tells the user, called inside a catch block: the engine's own message,
/// `outOfMemory` for an allocation failure, or the unexpected error as it is.
QString failureMessage(const QString& outOfMemory)
{
    try {
        throw;
    } catch (const lumen::Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
        return outOfMemory;
    } catch (const std::exception& e) {
        return EngineWorker::tr("Unexpected error: %1").arg(QString::fromStdString(e.what()));
    }
}

} // namespace

QString formatParameterCount(qint64 count)
{
    const double n = static_cast<double>(count);
    if (count < 1000) {
        return QString::number(count);
    }
    if (count < 1000000) {
        return QString::number(n / 1e3, 'f', 1) + QStringLiteral(" k");
    }
    if (count < 1000000000) {
        return QString::number(n / 1e6, 'f', 1) + QStringLiteral(" M");
    }
    return QString::number(n / 1e9, 'f', 1) + QStringLiteral(" B");
}

PackedAttention packAttention(
    std::vector<engine::FloatTensor>& layers, int seq, bool release, QString* error, int keys)
{
    keys = keys > 0 ? keys : seq;
    auto fail = [error](const QString& why) {
        if (error != nullptr) {
            *error = why;
        }
        return PackedAttention();
    };
    if (seq == 0 || keys == 0 || layers.empty()) {
        return fail(QStringLiteral("the model returned no tokens or no attention"));
    }
    const auto& first = layers.front();
    if (first.shape.size() != 4) {
        return fail(QStringLiteral("attention of layer 0 has %1 dimensions, expected 4 "
                                   "[batch, heads, query, key]")
                        .arg(first.shape.size()));
    }
    PackedAttention packed;
    packed.seq = seq;
    packed.keys = keys;
    packed.layers = static_cast<int>(layers.size());
    packed.heads = static_cast<int>(first.shape[1]);
    const size_t perLayer = static_cast<size_t>(packed.heads) * seq * keys;
    auto weights = std::make_shared<std::vector<float>>();
    weights->reserve(perLayer * packed.layers); // pages are only touched as they are written
    for (int layer = 0; layer < packed.layers; ++layer) {
        engine::FloatTensor& a = layers[static_cast<size_t>(layer)];
        const std::vector<int64_t> expected { 1, packed.heads, seq, keys };
        if (a.shape != expected || a.data.size() != perLayer) {
            return fail(QStringLiteral("attention of layer %1 does not have the shape "
                                       "[1, %2, %3, %4]")
                            .arg(layer)
                            .arg(packed.heads)
                            .arg(seq)
                            .arg(keys));
        }
        // Batch 1: the layer's [heads, query, key] block is already in the views' order.
        weights->insert(weights->end(), a.data.begin(), a.data.end());
        if (release) {
            std::vector<float>().swap(a.data);
        }
    }
    if (release) {
        layers.clear();
    }
    packed.weights = std::move(weights);
    return packed;
}

namespace {

/// One window's (or the whole input's) forward pass into an AttentionOutput.
std::optional<AttentionOutput> runInput(engine::Model& model, const engine::ModelInput& input,
    const AttentionRequest& request, const engine::RunControl& control)
{
    engine::TraceRequest trace;
    trace.attentions = true;
    trace.packAttentions = true; // one buffer, filled as the layers run: the views share it
    engine::ForwardResult result = model.forward(input, trace, control);
    if (result.status == engine::JobStatus::Cancelled) {
        return std::nullopt;
    }
    AttentionOutput out;
    out.requestId = request.id;
    out.text = request.text;
    out.modelDir = QFile::decodeName(QByteArray::fromStdString(model.info().dir));
    out.device = QString::fromStdString(model.info().device);
    out.pair = request.pair;
    out.tokens = input.tokens.empty() ? std::vector<std::string>() : input.tokens.front();
    out.causal = model.info().isCausal;
    out.kernels = model.info().modelType == "lumen-lightconv" || model.info().modelType == "lumen-dynamicconv";
    if (!input.encodings.empty()) {
        out.offsets = input.encodings.front().offsets;
        out.special = input.encodings.front().specialMask;
    }
    out.forwardMs = result.elapsedMs;
    // [layers, 1, heads, seq, seq] is already [layer][head][query][key]: taken, not copied.
    engine::FloatTensor& packed = result.trace.packedAttentions;
    const int seq = static_cast<int>(out.tokens.size());
    if (packed.shape.empty()) {
        const engine::ModelInfo& info = model.info();
        throw Error(ErrorKind::InvalidInput,
            info.architecture + " has no attention to show: "
                + (info.modelType == "lumen-lstm" ? std::string("an LSTM carries its context in its state")
                                                  : std::string("its convolutions have fixed, unnormalised kernels"))
                + ". Lightweight and dynamic convolutions show their kernels as band maps.");
    }
    if (packed.shape.size() != 5 || packed.shape[1] != 1 || packed.shape[3] != seq
        || packed.shape[4] != seq) {
        throw Error(ErrorKind::Internal, "the model returned no packed attention for the input");
    }
    out.packed.layers = static_cast<int>(packed.shape[0]);
    out.packed.heads = static_cast<int>(packed.shape[2]);
    out.packed.seq = out.packed.keys = seq;
    out.packed.weights = std::make_shared<const std::vector<float>>(std::move(packed.data));
    if (!input.decoderInputIds.data.empty()) {
        const int target = static_cast<int>(input.decoderInputIds.shape.at(1));
        QString error;
        out.decoderPacked =
            packAttention(result.trace.decoderAttentions, target, true, &error, target);
        if (out.decoderPacked.weights) {
            out.crossPacked =
                packAttention(result.trace.crossAttentions, target, true, &error, seq);
        }
        if (!out.crossPacked.weights) {
            throw Error(ErrorKind::Internal,
                "the decoder's attention does not fit its input: " + error.toStdString());
        }
    }
    return out;
}

/// An encoder-decoder model on a source and a target: the encoder's self-attention as for
/// one text, and the decoder's self- and cross-attention.
std::optional<AttentionOutput> computeSeq2Seq(
    engine::Model& model, const AttentionRequest& request, const engine::RunControl& control)
{
    if (!model.info().isEncoderDecoder) {
        throw Error(ErrorKind::InvalidInput,
            model.info().architecture
                + " is not an encoder-decoder model, so it takes no target text. Leave the "
                  "target out (or give a second sentence as a pair).");
    }
    if (!request.pair.isEmpty()) {
        throw Error(ErrorKind::InvalidInput,
            "an encoder-decoder model reads a source and a target text, not a sentence pair. "
            "Give the decoder's text as the target.");
    }
    const std::string target = request.target.toStdString();
    const engine::ModelInput input =
        model.prepareSeq2Seq({ request.text.toStdString() }, { target });
    std::optional<AttentionOutput> out = runInput(model, input, request, control);
    if (!out) {
        return std::nullopt;
    }
    out->windowTokenEnd = out->textTokens =
        static_cast<int64_t>(std::count(out->special.begin(), out->special.end(), 0));
    // What the decoder reads: its start token, then the target's tokens but the last (the
    // reference's shift right). The tokenizer gives the target's offsets and special marks.
    const engine::Tokenizer& tokenizer = *model.tokenizer();
    engine::EncodeOptions options;
    options.maxLength = tokenizer.modelMaxLength();
    const engine::Encoding labels = tokenizer.encode(target, options);
    const size_t n = input.decoderInputIds.data.size();
    out->target = request.target;
    for (size_t i = 0; i < n; ++i) {
        if (i == 0) {
            out->decoderTokens.push_back(tokenizer.idToToken(input.decoderInputIds.data[0]));
            out->decoderOffsets.emplace_back(0, 0);
            out->decoderSpecial.push_back(1);
            continue;
        }
        out->decoderTokens.push_back(labels.tokens.at(i - 1));
        out->decoderOffsets.push_back(labels.offsets.at(i - 1));
        out->decoderSpecial.push_back(labels.specialMask.at(i - 1));
    }
    return out;
}

/// The longest input the model and its tokenizer take, 0 for no limit.
int64_t inputLimit(const engine::Model& model)
{
    int64_t limit = model.info().maxPositions;
    const engine::Tokenizer* tokenizer = model.tokenizer();
    if (tokenizer != nullptr && tokenizer->modelMaxLength() > 0
        && (limit <= 0 || tokenizer->modelMaxLength() < limit)) {
        limit = tokenizer->modelMaxLength();
    }
    return model.info().isEncoderDecoder && model.info().maxPositions <= 0 ? 0 : limit;
}

} // namespace

std::optional<AttentionOutput> computeAttention(
    engine::Model& model, const AttentionRequest& request, const engine::RunControl& control)
{
    const bool pair = !request.pair.isEmpty();
    const engine::Tokenizer* tokenizer = model.tokenizer();
    const std::string text = request.text.toStdString();
    if (!request.target.isEmpty()) {
        return computeSeq2Seq(model, request, control);
    }
    const int64_t limit = inputLimit(model);
    if (!pair && tokenizer != nullptr && limit > 0
        && static_cast<int64_t>(tokenizer->encode(text).size()) > limit) {
        // Too long for one pass: overlapping windows of the model's length, each its own
        // forward pass, their positions mapped back to the whole text's tokens and offsets.
        engine::WindowEncodeConfig config;
        config.maxLength = limit;
        config.stride = request.stride >= 0 ? request.stride : limit / 4;
        const engine::WindowedEncoding windows = engine::encodeWindows(*tokenizer, text, config);
        std::vector<AttentionOutput> outputs;
        for (size_t w = 0; w < windows.encodings.size(); ++w) {
            const engine::Encoding& e = windows.encodings[w];
            const auto n = static_cast<int64_t>(e.size());
            engine::ModelInput input;
            input.inputIds.shape = { 1, n };
            input.inputIds.data = e.ids;
            input.attentionMask.shape = { 1, n };
            input.attentionMask.data.assign(static_cast<size_t>(n), 1);
            input.tokenTypeIds.shape = { 1, n };
            input.tokenTypeIds.data = e.typeIds;
            input.tokens = { e.tokens };
            input.encodings = { e };
            std::optional<AttentionOutput> out = runInput(model, input, request, control);
            if (!out) {
                return std::nullopt;
            }
            out->windowIndex = static_cast<int>(w);
            out->windowCount = static_cast<int>(windows.encodings.size());
            out->windowTokenBegin = windows.windows[w].begin;
            out->windowTokenEnd = windows.windows[w].end;
            out->textTokens = static_cast<int64_t>(windows.text.size());
            out->stride = static_cast<int>(config.stride);
            outputs.push_back(std::move(*out));
        }
        AttentionOutput first = std::move(outputs.front());
        first.otherWindows.assign(
            std::make_move_iterator(outputs.begin() + 1), std::make_move_iterator(outputs.end()));
        return first;
    }

    const engine::ModelInput input =
        pair ? model.preparePair(text, request.pair.toStdString()) : model.prepare({ text });
    std::optional<AttentionOutput> out = runInput(model, input, request, control);
    if (!out) {
        return std::nullopt;
    }
    if (pair && tokenizer != nullptr && !input.encodings.empty()) {
        // Text B starts after as many text pieces as text A has on its own.
        const engine::Encoding& e = input.encodings.front();
        const size_t piecesOfA = tokenizer->encode(text, engine::EncodeOptions { false, 0 }).size();
        size_t seen = 0;
        for (size_t i = 0; i < e.size(); ++i) {
            if (e.specialMask[i] != 0) {
                continue;
            }
            if (seen == piecesOfA) {
                out->segmentStart = static_cast<int>(i);
                break;
            }
            ++seen;
        }
    }
    out->windowTokenEnd = out->textTokens =
        static_cast<int64_t>(std::count(out->special.begin(), out->special.end(), 0));
    return out;
}

EngineWorker::EngineWorker()
{
    qRegisterMetaType<ModelSummary>();
    qRegisterMetaType<AttentionRequest>();
    qRegisterMetaType<AttentionOutput>();
    qRegisterMetaType<DemoRequest>();
    qRegisterMetaType<DemoOutput>();
    qRegisterMetaType<engine::GenerateStep>();
    qRegisterMetaType<ReceptiveFieldRequest>();
    qRegisterMetaType<ReceptiveFieldOutput>();
}

// The model is destroyed here, on the worker's thread (deleteLater from QThread::finished).
EngineWorker::~EngineWorker() = default;

void EngineWorker::loadModel(const QString& dir)
{
    try {
        // Loaded beside the current model and swapped in only once complete, so a failed
        // load leaves the previous model in place.
        auto model = engine::Model::load(QFile::encodeName(dir).toStdString());
        model_ = std::move(model);
        ModelSummary summary = summarize(*model_);
        if (summary.dir.isEmpty()) {
            summary.dir = dir;
        }
        summary.fingerprint = QString::fromStdString(
            projects::modelFingerprint(QFile::encodeName(summary.dir).toStdString()));
        Q_EMIT modelLoaded(summary);
    } catch (...) {
        Q_EMIT loadFailed(dir,
            failureMessage(tr("Out of memory while loading the model. Close other programs or open a "
                              "smaller model.")));
    }
}

void EngineWorker::runAttention(const AttentionRequest& request)
{
    auto cancelled = [&request] { return request.cancel && request.cancel->load(); };
    if (cancelled()) {
        Q_EMIT runCancelled(request.id);
        return;
    }
    if (!model_) {
        Q_EMIT runFailed(request.id,
            tr("No model is loaded. Open a model folder first "
               "(File > Open Model…)."));
        return;
    }
    try {
        QElapsedTimer timer;
        timer.start();
        engine::RunControl control;
        control.cancel = request.cancel.get();
        QElapsedTimer sinceReport;
        sinceReport.start();
        control.progress = [this, &sinceReport](double fraction, const std::string& step) {
            if (fraction >= 1.0 || sinceReport.elapsed() >= 50) {
                sinceReport.restart();
                Q_EMIT progress(fraction, QString::fromStdString(step));
            }
        };

        std::optional<AttentionOutput> computed = computeAttention(*model_, request, control);
        if (!computed || cancelled()) {
            Q_EMIT runCancelled(request.id);
            return;
        }
        AttentionOutput out = std::move(*computed);
        out.elapsedMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        Q_EMIT attentionReady(out);
    } catch (...) {
        Q_EMIT runFailed(request.id,
            failureMessage(tr("Out of memory while running the model. Try a shorter text or a smaller model.")));
    }
}

void EngineWorker::runReceptiveField(const ReceptiveFieldRequest& request)
{
    if (!model_) {
        Q_EMIT receptiveFieldFailed(request.id, tr("No model is loaded. Open a model folder first (File > Open Model…)."));
        return;
    }
    try {
        ReceptiveFieldOutput out;
        out.requestId = request.id;
        const auto nameOf = [](const engine::Model& m) {
            return QFileInfo(QString::fromStdString(m.info().dir)).fileName() + QStringLiteral(" · ")
                + QString::fromStdString(m.info().modelType);
        };
        out.name = nameOf(*model_);
        out.layers = engine::theoreticalReceptiveField(*model_);
        const std::string text = request.text.toStdString();
        if (!request.text.trimmed().isEmpty()) {
            out.gradient = engine::gradientReceptiveField(*model_, text, { request.position, request.layer });
            const double relative = out.gradient.tokens.size() > 1
                ? static_cast<double>(out.gradient.position) / static_cast<double>(out.gradient.tokens.size() - 1)
                : 0.0;
            for (const QString& dir : request.compareModels) {
                if (request.cancel && request.cancel->load()) {
                    break;
                }
                ComparedCurve curve;
                curve.model = dir;
                curve.name = QFileInfo(dir).fileName();
                try {
                    const auto other = engine::Model::load(dir.toStdString(), { model_->info().device, true });
                    curve.name = nameOf(*other);
                    // The same place in the text, in the other model's tokens.
                    const int64_t n = static_cast<int64_t>(other->prepare({ text }).inputIds.data.size());
                    curve.gradient = engine::gradientReceptiveField(*other, text,
                        { static_cast<int64_t>(std::lround(relative * static_cast<double>(n - 1))), -1 });
                } catch (const std::exception& e) {
                    curve.error = QString::fromUtf8(e.what());
                }
                out.compared.push_back(std::move(curve));
            }
            if (request.ablation) {
                try {
                    engine::RunControl control;
                    control.cancel = request.cancel.get();
                    engine::ContextAblationConfig config;
                    config.mode = request.ablationMode;
                    out.ablation = engine::contextAblation(*model_, text, config, &control);
                } catch (const std::exception& e) {
                    out.ablationError = QString::fromUtf8(e.what());
                }
            }
        }
        Q_EMIT receptiveFieldReady(out);
    } catch (...) {
        Q_EMIT receptiveFieldFailed(request.id,
            failureMessage(tr("Out of memory while taking the gradient. Try a shorter text or a smaller model.")));
    }
}

void EngineWorker::runDemo(const DemoRequest& request)
{
    auto cancelled = [&request] { return request.cancel && request.cancel->load(); };
    if (cancelled()) {
        Q_EMIT demoCancelled(request.id);
        return;
    }
    if (!model_) {
        Q_EMIT demoFailed(request.id, tr("No model is loaded. Open a model folder first (File > Open Model…)."));
        return;
    }
    try {
        engine::RunControl control;
        control.cancel = request.cancel.get();
        DemoOutput out;
        const bool done = computeDemo(*model_, request, control,
            [this, &request](const engine::GenerateStep& step) { Q_EMIT demoStep(request.id, step); }, &out);
        if (!done) {
            Q_EMIT demoCancelled(request.id);
            return;
        }
        Q_EMIT demoReady(out);
    } catch (...) {
        Q_EMIT demoFailed(request.id,
            failureMessage(tr("Out of memory while running the model. Try a shorter text, fewer new tokens "
                              "or a smaller model.")));
    }
}

} // namespace lumen::app
