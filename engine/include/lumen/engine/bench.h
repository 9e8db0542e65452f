// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Timing: median over repeated runs after warm-up.
//
//   BenchResult r = benchmarkForward(*model, BenchConfig{128, 8});   // random token ids
//   TokenizeBenchResult t = benchmarkTokenizer(*tokenizer, text, TokenizeBenchConfig{});
//
// Thread safety: benchmarkForward uses the model, so the caller's thread must own it;
// benchmarkTokenizer runs on the calling thread and may be called from any thread.

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tokenizer.h"

#include <cstdint>
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
