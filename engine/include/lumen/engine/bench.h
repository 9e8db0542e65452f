// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Forward-pass timing: median over repeated runs after warm-up, on random token ids.
//
//   BenchResult r = benchmarkForward(*model, BenchConfig{128, 8});
//
// Thread safety: uses the model, so the caller's thread must own it.

#include "lumen/engine/model.h"
#include "lumen/engine/run_control.h"

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

} // namespace lumen::engine
