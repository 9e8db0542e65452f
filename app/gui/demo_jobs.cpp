// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "demo_jobs.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/tokenizer.h"

#include <QElapsedTimer>
#include <QFile>

#include <algorithm>

namespace lumen::app {

namespace {

/// What each token of `ids` adds to the decoded text (decoding growing prefixes, so a
/// SentencePiece word keeps its space and a byte-level character split over two tokens
/// lands whole on the second).
std::vector<std::string> splitDecoded(const engine::Tokenizer& tokenizer, const std::vector<int64_t>& ids)
{
    std::vector<std::string> pieces;
    std::string before;
    std::vector<int64_t> prefix;
    for (const int64_t id : ids) {
        prefix.push_back(id);
        const std::string now = tokenizer.decode(prefix, /*skipSpecial=*/false);
        const bool unfinished = now.size() >= 3 && now.compare(now.size() - 3, 3, "\xEF\xBF\xBD") == 0;
        if (!unfinished && now.compare(0, before.size(), before) == 0) {
            pieces.push_back(now.substr(before.size()));
            before = now;
        } else if (unfinished) {
            pieces.emplace_back(); // completed by a later token
        } else {
            pieces.push_back(tokenizer.decode({ id }, false));
            before = now;
        }
    }
    return pieces;
}

constexpr size_t kLensPositions = 64; ///< generate's lens reads at most the last 64 positions

} // namespace

DemoOutput demoOutputOf(const DemoRequest& request, const engine::ModelInfo& info)
{
    DemoOutput d;
    d.requestId = request.id;
    d.kind = request.kind;
    d.text = request.text;
    d.texts = request.texts;
    d.topK = request.topK;
    d.generation = request.generation;
    d.meanPooling = request.meanPooling;
    d.modelDir = QFile::decodeName(QByteArray::fromStdString(info.dir));
    d.architecture = QString::fromStdString(info.architecture);
    d.encoderDecoder = info.isEncoderDecoder;
    return d;
}

void splitScoredText(const engine::Tokenizer& tokenizer, DemoOutput* out)
{
    out->scoreTexts.clear();
    out->scoreFirstText.clear();
    if (!out->score.pseudo) {
        std::vector<int64_t> ids;
        ids.push_back(tokenizer.tokenToId(out->score.firstToken).value_or(0));
        for (const engine::ScoredToken& t : out->score.tokens) {
            ids.push_back(t.id);
        }
        const std::vector<std::string> pieces = splitDecoded(tokenizer, ids);
        out->scoreFirstText = pieces.front();
        out->scoreTexts.assign(pieces.begin() + 1, pieces.end());
    } else {
        for (const engine::ScoredToken& t : out->score.tokens) {
            out->scoreTexts.push_back(tokenizer.decode({ t.id }, false) + " ");
        }
    }
}

QString demoKindName(DemoKind kind)
{
    switch (kind) {
    case DemoKind::FillMask:
        return QStringLiteral("fill-mask");
    case DemoKind::Generate:
        return QStringLiteral("generate");
    case DemoKind::Score:
        return QStringLiteral("score");
    case DemoKind::Similarity:
        return QStringLiteral("similarity");
    }
    return {};
}

bool demoKindFromName(const QString& name, DemoKind* kind)
{
    for (const DemoKind k : { DemoKind::FillMask, DemoKind::Generate, DemoKind::Score, DemoKind::Similarity }) {
        if (demoKindName(k) == name) {
            *kind = k;
            return true;
        }
    }
    return false;
}

bool computeDemo(engine::Model& model, const DemoRequest& request, const engine::RunControl& control,
    const std::function<void(const engine::GenerateStep&)>& onStep, DemoOutput* out)
{
    QElapsedTimer timer;
    timer.start();
    const engine::ModelInfo& info = model.info();
    DemoOutput result = demoOutputOf(request, info);
    const std::string text = request.text.toStdString();
    switch (request.kind) {
    case DemoKind::FillMask: {
        result.fill = engine::fillMask(model, text, { request.topK }, control);
        if (result.fill.masks.empty()) {
            return false; // cancelled
        }
        if (request.lens) {
            engine::LogitLensConfig lens;
            lens.topK = request.topK;
            for (const engine::FillMaskPosition& m : result.fill.masks) {
                lens.positions.push_back(m.position);
            }
            result.lens = engine::logitLens(model, text, lens, control);
            if (result.lens.positions.empty()) {
                return false;
            }
        }
        break;
    }
    case DemoKind::Generate: {
        result.generated = engine::generate(model, text, request.generation, control, onStep);
        if (request.lens && !info.isEncoderDecoder && result.generated.stopReason != "cancelled"
            && !result.generated.newTokenIds.empty()) {
            // The decoder's lens over prompt + answer: row p of a column predicts token p + 1.
            std::vector<int64_t> ids = result.generated.promptIds;
            ids.insert(ids.end(), result.generated.newTokenIds.begin(), result.generated.newTokenIds.end() - 1);
            engine::LogitLensConfig lens;
            lens.topK = 3;
            const size_t first = ids.size() > kLensPositions ? ids.size() - kLensPositions : 0;
            for (size_t p = first; p < ids.size(); ++p) {
                lens.positions.push_back(static_cast<int64_t>(p));
            }
            result.lens = engine::logitLensFromIds(model, ids, lens, control);
            if (const engine::Tokenizer* tokenizer = model.tokenizer()) {
                const std::vector<std::string> pieces = splitDecoded(*tokenizer, ids);
                result.lensTexts.assign(pieces.begin() + static_cast<std::ptrdiff_t>(first), pieces.end());
            }
        } else if (request.lens && info.isEncoderDecoder) {
            result.note = QStringLiteral("The layer-by-layer view is shown for decoders; for T5 use "
                                         "lumen-cli logit-lens with --target.");
        }
        break;
    }
    case DemoKind::Score: {
        result.score = engine::scoreText(model, text, request.topK);
        if (const engine::Tokenizer* tokenizer = model.tokenizer()) {
            splitScoredText(*tokenizer, &result);
        }
        break;
    }
    case DemoKind::Similarity: {
        std::vector<std::string> texts;
        for (const QString& t : request.texts) {
            texts.push_back(t.toStdString());
        }
        result.similarity = engine::sentenceSimilarity(
            model, texts, request.meanPooling ? engine::Pooling::Mean : engine::Pooling::First);
        break;
    }
    }
    if (control.cancelled() && request.kind != DemoKind::Generate) {
        return false;
    }
    result.elapsedMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    *out = std::move(result);
    return true;
}

} // namespace lumen::app
