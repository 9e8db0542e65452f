// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The bundled demo models: six tiny language models trained on the demo corpus
// (demo_corpus.h) with Lumen's own trainer, small enough to ship (each well under 5 MB) and
// trained enough to show structure — agreement, pronouns, brackets, copied names, sums.
//
//   name      family                 objective   what it shows
//   bert      Transformer encoder    masked-LM   bidirectional attention
//   gpt       Transformer decoder    causal-LM   causal attention, generation
//   albert    ALBERT                 masked-LM   factorised embeddings, one shared layer
//   lightconv lightweight convolution masked-LM  a fixed kernel instead of attention
//   wavenet   WaveNet (dilated)      causal-LM   a finite receptive field
//   lstm      LSTM                   causal-LM   recurrence
//
//   DemoBuildConfig config;
//   config.outDir = "resources/demo/models";
//   std::vector<DemoModelReport> built = buildDemoModels(config, control, log);
//
// Reproducible: the corpus, the initial weights and the trainer's batches all come from
// the seed. Thread safety: one call at a time per output folder.

#include "lumen/engine/demo_corpus.h"
#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"

#include <functional>
#include <string>
#include <vector>

namespace lumen::engine {

struct DemoModelSpec {
    std::string name; ///< the folder name ("bert")
    std::string title; ///< "Tiny BERT (masked LM)"
    std::string about; ///< one sentence for the model chooser
    bool causal = false;
    int64_t steps = 0; ///< optimizer steps at DemoBuildConfig::stepScale 1
    double learningRate = 1e-3;
    double mlmProbability = 0.15; ///< masked LMs: the share of words masked per step
};

/// The six models, in the order above.
std::vector<DemoModelSpec> demoModelSpecs();

struct DemoBuildConfig {
    std::string outDir; ///< one folder per model is written here, and demo-models.json
    uint64_t seed = 1;
    int64_t corpusSentences = 20000;
    double stepScale = 1.0; ///< multiplies every model's steps (a quick build: 0.05)
    std::vector<std::string> only; ///< names to build; empty = all six
    std::string device = "auto";
};

struct DemoModelReport {
    std::string name;
    std::string dir;
    int64_t parameters = 0;
    int64_t bytes = 0; ///< the folder's size on disk
    int64_t steps = 0;
    double seconds = 0.0; ///< training time
    double untrainedLoss = 0.0; ///< held-out loss before training (nats per token)
    double heldOutLoss = 0.0; ///< after
    double agreementAccuracy = 0.0; ///< the share of held-out agreement probes it gets right
};

/// Writes the corpus (corpus.txt, validation.txt), then creates, trains and checks each
/// model, and demo-models.json with every report. `log` hears progress lines. Cancelling
/// stops after the current training step and throws nothing: the reports of the models
/// done are returned. Throws lumen::Error for an unknown name in `only` or a folder that
/// cannot be written.
std::vector<DemoModelReport> buildDemoModels(const DemoBuildConfig& config, const RunControl& control = {},
                                             const std::function<void(const std::string&)>& log = {});

/// Mean negative log-likelihood (nats per predicted token) over `texts`: a masked-LM
/// predicts every word with it masked in turn, a causal LM every word from those before.
double heldOutLoss(Model& model, const std::vector<std::string>& texts);

/// The share of probes where the model gives the verb that agrees more probability than the
/// one that does not: a masked-LM with the verb masked (prefix [MASK] suffix), a causal LM
/// as the next word after the prefix.
double agreementAccuracy(Model& model, const std::vector<AgreementProbe>& probes);

/// The seed the held-out sentences and probes are drawn with, for a build seed: never one
/// the training corpus used.
uint64_t heldOutSeed(uint64_t seed);

} // namespace lumen::engine
