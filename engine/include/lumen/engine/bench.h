// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Timing: median over repeated runs after warm-up, of forward passes (random token ids),
// model loading (with the peak memory each load adds) and tokenizing.
//
//   BenchResult r = benchmarkForward(*model, BenchConfig{128, 8});
//   LoadBenchResult l = benchmarkLoad("/models/bert-base", LoadBenchConfig{});
//   TokenizeBenchResult t = benchmarkTokenizer(*tokenizer, text, TokenizeBenchConfig{});
//
// Thread safety: benchmarkForward uses the model, so the caller's thread must own it.
// benchmarkLoad measures the whole process's memory: run nothing else beside it.
// benchmarkTokenizer runs on the calling thread and may be called from any thread.

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

struct BenchConfig {
    int64_t seqLen = 128;
    int64_t batch = 1;
    int warmup = 3;
    int repeats = 10;
    bool captureAttention = false;
    uint64_t seed = 0;
};

struct BenchResult {
    std::vector<double> timesMs; ///< one per timed repeat
    double medianMs = 0.0;
    double minMs = 0.0;
    double maxMs = 0.0;
    double tokensPerSecond = 0.0;
    JobStatus status = JobStatus::Completed;
};

BenchResult benchmarkForward(Model& model, const BenchConfig& config, const RunControl& control = {});

/// An analytic count of the floating-point operations of one forward pass over `seqLen`
/// tokens (batch 1): 2 per use of every parameter that multiplies (word embeddings count as
/// the language-model head; position and token-type tables are only looked up), plus the
/// operations that multiply activations by activations — self-attention's 4 x seq^2 x
/// hidden per layer, or a convolution's kernel application. Layer norms, softmax and
/// activations are left out.
double forwardFlops(Model& model, int64_t seqLen);

struct LoadBenchConfig {
    int warmup = 0; ///< untimed loads first
    int repeats = 5; ///< timed loads, each after the previous model is gone
    LoadOptions load;
};

struct LoadBenchResult {
    std::vector<double> timesMs; ///< Model::load wall time, one per timed load
    /// Per timed load: the process's peak resident memory during the load minus its resident
    /// memory just before (Linux: VmHWM after resetting it, minus VmRSS). -1 where the
    /// system cannot tell.
    std::vector<int64_t> peakGrowthBytes;
    /// Per timed load: resident memory right after the load minus just before it (what the
    /// loaded model holds).
    std::vector<int64_t> residentGrowthBytes;
    double medianMs = 0.0;
    double minMs = 0.0;
    double maxMs = 0.0;
    int64_t medianPeakGrowthBytes = -1;
    int64_t medianResidentGrowthBytes = -1;
    /// The loaded parameters' bytes (each storage once): "the weights' size".
    int64_t weightBytes = 0;
    /// The whole process's peak resident memory during the last load, runtime included
    /// (-1: unknown).
    int64_t processPeakBytes = -1;
    ModelInfo info; ///< of the last load
    JobStatus status = JobStatus::Completed;
};

/// Loads `dir` warmup + repeats times. Throws what Model::load throws.
LoadBenchResult benchmarkLoad(
    const std::string& dir, const LoadBenchConfig& config, const RunControl& control = {});

struct TokenizeBenchConfig {
    int warmup = 1;
    int repeats = 5;
    /// encode each non-empty line on its own (many short texts) instead of the whole text
    bool perLine = false;
};

struct TokenizeBenchResult {
    int64_t bytes = 0; ///< UTF-8 bytes encoded per pass
    int64_t texts = 0; ///< encode calls per pass
    int64_t tokens = 0; ///< tokens per pass, the special tokens of each encoding included
    std::vector<double> timesMs; ///< wall-clock time of each timed pass
    std::vector<double> cpuTimesMs; ///< the calling thread's CPU time of each timed pass
    double medianMs = 0.0;
    double minMs = 0.0;
    double maxMs = 0.0;
    double medianCpuMs = 0.0;
    double megabytesPerSecond = 0.0; ///< bytes / median wall time; 1 MB = 10^6 bytes
    double cpuMegabytesPerSecond = 0.0; ///< bytes / median CPU time
    double tokensPerSecond = 0.0; ///< tokens / median wall time
    JobStatus status = JobStatus::Completed;
};

/// Encodes `text` (one call, or one per line with `perLine`) `warmup` + `repeats` times with
/// the default options and times each timed pass. Throws lumen::Error for an empty text or
/// bad counts; a pass whose token count differs from the first is an internal error.
TokenizeBenchResult benchmarkTokenizer(const Tokenizer& tokenizer, const std::string& text,
    const TokenizeBenchConfig& config, const RunControl& control = {});

} // namespace lumen::engine
