// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Fine-tuning: a job (the JSON file the dialog writes and `lumen-cli train --job` reads) and
// the trainer that runs it — sequence classification (single texts or pairs; a new head on
// the pooled output), token classification, masked-LM and causal-LM training — with AdamW,
// warm-up and linear or cosine decay, gradient accumulation, gradient clipping, frozen
// embeddings or first layers, sliding windows over long texts, evaluation, early stopping,
// checkpoints that resume exactly, and the final model in the Hugging Face layout.
//
//   TrainJob job = trainJobFromJson(text);           // or fill the fields
//   TrainCallbacks cb;
//   cb.step = [](const TrainProgress& p) { ... };    // every optimizer step
//   TrainResult r = runTraining(job, "runs/run-7", cb);
//   r.modelDir;                                       // runs/run-7/model
//
// Determinism: the data order of epoch e is a shuffle from (seed, e), the masking and
// dropout of step s draw from (seed, s); so a run resumed from its checkpoint after step s
// computes the same losses from step s + 1 on as one that never stopped.
//
// Thread safety: one job per thread; callbacks run on the training thread.

#include "lumen/engine/attention_snapshots.h"
#include "lumen/engine/dataset.h"
#include "lumen/engine/run_control.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lumen::engine {

enum class TrainTask { SequenceClassification, TokenClassification, MaskedLm, CausalLm };

const char* trainTaskName(TrainTask task); ///< "sequence-classification", ...

struct TrainJob {
    std::string model; ///< the model folder to start from
    TrainTask task = TrainTask::SequenceClassification;
    DatasetSpec train;
    DatasetSpec validation; ///< path empty: hold out validationFraction of train
    double validationFraction = 0.1;
    // AdamW
    double learningRate = 5e-5;
    double weightDecay = 0.01; ///< not on biases and norm weights
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
    std::string schedule = "linear"; ///< linear, cosine or constant, after the warm-up
    int64_t warmupSteps = 0;
    int64_t batchSize = 16;
    int64_t gradientAccumulation = 1; ///< micro-batches per optimizer step
    int64_t epochs = 3;
    int64_t maxSteps = 0; ///< optimizer steps; 0 = epochs decide
    int64_t maxLength = 128; ///< tokens per input, special tokens included
    std::string overflow = "truncate"; ///< truncate or sliding (windows of maxLength)
    int64_t stride = 32; ///< sliding windows: tokens shared by neighbouring windows
    bool freezeEmbeddings = false;
    int64_t freezeLayers = 0; ///< the first N layers keep their weights
    /// Keep no activations inside the layers for the backward pass; run them again there
    /// (less memory, about a third more time). Every family (T5: its encoder's layers).
    bool gradientCheckpointing = false;
    /// "no", "bf16" or "fp16": the forward pass under autocast to that type (weights,
    /// optimizer and loss stay float32); fp16 with dynamic loss scaling. fp16 needs CUDA;
    /// bf16 also runs on the CPU.
    std::string mixedPrecision = "no";
    double maxGradNorm = 1.0; ///< 0 = no clipping
    uint64_t seed = 0;
    std::string device = "auto"; ///< auto (a GPU when there is one), cpu, cuda, cuda:N
    int64_t evalEvery = 0; ///< optimizer steps between evaluations; 0 = after every epoch
    int64_t earlyStoppingPatience = 0; ///< evaluations without improvement before stopping; 0 = never
    int64_t checkpointEvery = 0; ///< optimizer steps between checkpoints; 0 = after every epoch
    int64_t keepCheckpoints = 2;
    double mlmProbability = 0.15;
    /// Watching attention form (attention_snapshots.h): a sentence whose attention is kept at
    /// step 0, every snapshotEvery steps and at the end; empty = none.
    std::string attentionProbe;
    int64_t snapshotEvery = 0; ///< optimizer steps between snapshots; 0 = about 20 over the run
};

/// Reads a job; throws lumen::Error(InvalidInput) naming the key for an unknown key, a value
/// of the wrong type or out of range, or a missing model or training file.
TrainJob trainJobFromJson(const std::string& json);
std::string trainJobToJson(const TrainJob& job);
/// Reads a job file; its relative paths (model, train, validation) are taken from the file's
/// folder. Throws lumen::Error(Io) for a file that cannot be read, and as trainJobFromJson.
TrainJob loadTrainJob(const std::string& path);

struct TrainProgress {
    int64_t step = 0; ///< optimizer steps done
    int64_t totalSteps = 0;
    double epoch = 0.0; ///< fractional
    double loss = 0.0; ///< this step's training loss
    double gradNorm = 0.0; ///< the gradient's L2 norm before clipping
    double learningRate = 0.0;
    double samplesPerSecond = 0.0;
    double etaSeconds = 0.0;
};

struct EvalExample {
    std::string text;
    std::string gold;
    std::string predicted;
    double probability = 0.0; ///< of the predicted class
};

struct EvalResult {
    int64_t step = 0;
    double loss = 0.0;
    double accuracy = 0.0; ///< classifiers; token classification: over labelled tokens
    double macroF1 = 0.0;
    double perplexity = 0.0; ///< language models
    std::vector<std::string> labels;
    std::vector<std::vector<int64_t>> confusion; ///< [gold][predicted]
    std::vector<EvalExample> examples; ///< sequence classification: errors first, at most 200
};

struct TrainCallbacks {
    std::function<void(const TrainProgress&)> step;
    std::function<void(const EvalResult&)> evaluated;
    std::function<void(const std::string& dir, int64_t step)> checkpointed;
    std::function<void(const std::string& message)> log;
    /// Each attention snapshot of the probe as it is taken (with the probe's tokens: the
    /// snapshot's file is written at checkpoints and at the end).
    std::function<void(const AttentionSnapshots& header, const AttentionSnapshot& snapshot)> snapshot;
    const std::atomic<bool>* cancel = nullptr;
    const std::atomic<bool>* pause = nullptr; ///< while set, the trainer waits between steps
};

struct TrainResult {
    JobStatus status = JobStatus::Completed;
    int64_t steps = 0;
    std::string modelDir; ///< the final model (on completion and on early stopping)
    std::string lastCheckpoint;
    bool stoppedEarly = false;
    EvalResult lastEval;
    std::vector<std::string> labels;
    std::string device;
    double samplesPerSecond = 0.0; ///< training inputs per second over this run's steps (evaluation excluded)
    double meanStepMs = 0.0;
    /// The attention snapshots of the job's probe (attention-snapshots.safetensors in the
    /// output folder); "" without a probe or for a model without attention maps.
    std::string snapshotsFile;
};

/// An evaluation as the run's evaluation.json holds it (format lumen-evaluation-1: step,
/// loss, accuracy, macro_f1, perplexity, labels, confusion, examples), and back. Reading
/// throws lumen::Error(InvalidInput) naming what is wrong.
std::string evaluationToJson(const EvalResult& evaluation);
EvalResult evaluationFromJson(const std::string& json);

/// The summary a train run is finished with (steps, device, model_dir, checkpoint, val_loss,
/// stopped_early, samples_per_second, mean_step_ms, val_accuracy and val_macro_f1 for
/// classifiers), the same from lumen-cli and from the window.
std::string trainSummaryToJson(const TrainResult& result);

/// The newest complete checkpoint under `outputDir`/checkpoints (a step-N folder), or "" when
/// there is none.
std::string newestCheckpoint(const std::string& outputDir);

/// Runs the job, writing checkpoints under `outputDir`/checkpoints and the final model to
/// `outputDir`/model. With `resume`, continues from the newest checkpoint there (throws
/// lumen::Error(InvalidInput) when there is none). Cancelling stops after the current step
/// with a checkpoint to resume from. Throws lumen::Error for bad data (with file and line),
/// a model without the head the task needs, or lumen::Error(OutOfMemory) with what to try.
TrainResult runTraining(const TrainJob& job, const std::string& outputDir, const TrainCallbacks& callbacks = {},
                        bool resume = false);

} // namespace lumen::engine
