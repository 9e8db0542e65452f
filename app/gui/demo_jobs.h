// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The text demos as jobs for the engine worker: fill-mask (with its logit lens), generation
// (streamed, then the decoder's logit lens over prompt and answer), scoring a text, and
// sentence similarity. A DemoRequest goes to EngineWorker::runDemo; a DemoOutput comes back
// (and, while generating, one GenerateStep per token). computeDemo is the same job on the
// calling thread, for the worker and for tests.
//
// DemoOutput holds everything a view shows, so that a recorded run (demo_record.h writes it
// as JSON) re-opens exactly without the model.
// Thread safety: value types; computeDemo on the thread that owns the model.

#include "lumen/engine/fill_mask.h"
#include "lumen/engine/generate.h"
#include "lumen/engine/logit_lens.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/text_demos.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lumen::engine {
class Model;
class Tokenizer;
struct ModelInfo;
}

namespace lumen::app {

enum class DemoKind { FillMask, Generate, Score, Similarity };

/// "fill-mask", "generate", "score", "similarity": the run kind, shared with lumen-cli.
QString demoKindName(DemoKind kind);
/// The kind of a name; false for another name.
bool demoKindFromName(const QString& name, DemoKind* kind);

struct DemoRequest {
    quint64 id = 0;
    DemoKind kind = DemoKind::FillMask;
    QString text; ///< fill-mask, generate (the prompt), score
    QStringList texts; ///< similarity: the sentences
    int topK = 5; ///< fill-mask candidates; lens candidates
    engine::GenerateConfig generation;
    bool meanPooling = true; ///< similarity: mean of the tokens, else the first token
    bool lens = true; ///< fill-mask and generate: also read every layer (the logit lens)
    std::shared_ptr<std::atomic<bool>> cancel;
};

struct DemoOutput {
    quint64 requestId = 0;
    DemoKind kind = DemoKind::FillMask;
    // The inputs and settings, as run.
    QString text;
    QStringList texts;
    int topK = 5;
    engine::GenerateConfig generation;
    bool meanPooling = true;
    QString modelDir;
    QString architecture;
    bool encoderDecoder = false;
    // The outputs (the one of `kind`; the lens for fill-mask and decoders' generation).
    engine::FillMaskResult fill;
    engine::LogitLensResult lens;
    engine::GenerateResult generated;
    engine::ScoreResult score;
    /// score: what each scored token reads as, after the first (unscored) token's text in
    /// scoreFirstText: the text split at its tokens.
    std::vector<std::string> scoreTexts;
    std::string scoreFirstText;
    engine::SimilarityResult similarity;
    /// generate's lens: the text each position's token reads as (the column headers)
    std::vector<std::string> lensTexts;
    double elapsedMs = 0.0;
    QString note; ///< something the view should say (no lens for this model, ...)
};

/// An output of `request` on the model `info` describes, before any result: its inputs,
/// settings and model (what computeDemo and lumen-cli's records start from).
DemoOutput demoOutputOf(const DemoRequest& request, const engine::ModelInfo& info);

/// Fills out->scoreFirstText and out->scoreTexts from out->score: the text split at its
/// tokens (a causal LM's first token apart), what the scoring view shows.
void splitScoredText(const engine::Tokenizer& tokenizer, DemoOutput* out);

/// Runs `request` on `model`, calling `onStep` for every generated token. Throws
/// lumen::Error for what the engine refuses; returns false when `control` cancelled (a
/// generation cancelled part-way still returns its tokens so far, with stop reason
/// "cancelled", and true).
bool computeDemo(engine::Model& model, const DemoRequest& request, const engine::RunControl& control,
    const std::function<void(const engine::GenerateStep&)>& onStep, DemoOutput* out);

} // namespace lumen::app

Q_DECLARE_METATYPE(lumen::app::DemoRequest)
Q_DECLARE_METATYPE(lumen::app::DemoOutput)
Q_DECLARE_METATYPE(lumen::engine::GenerateStep)
