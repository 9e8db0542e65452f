// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Watching attention form: while a model trains, the trainer runs one fixed probe sentence
// through it at intervals and keeps every layer's and head's attention (a lightweight or
// dynamic convolution's kernels as band maps), so a run can be scrubbed from its first
// snapshot (the initial weights, step 0) to its last. The probe is cut to its first 64
// tokens (and the job's max_length): a snapshot holds layers x heads x tokens^2 weights.
//
//   TrainJob job = ...;
//   job.attentionProbe = "the dogs that the cat chased run .";
//   job.snapshotEvery = 50;                       // 0 = about 20 snapshots over the run
//   TrainResult r = runTraining(job, "runs/run-7");
//   AttentionSnapshots s = loadAttentionSnapshots(r.snapshotsFile);
//   s.snapshots[k].attentions;                    // [layers, heads, seq, seq] at s.snapshots[k].step
//
// The file (attention-snapshots.safetensors in the run's folder, and a copy in every
// checkpoint so a resumed run keeps the earlier ones) is a safetensors file any tool reads:
// one F32 tensor "attentions" [snapshots, layers, heads, seq, seq] and metadata
// "lumen.format" = "attention-snapshots-v1", "lumen.probe", "lumen.model_type", and JSON
// "lumen.tokens", "lumen.offsets" ([[begin, end], ...] code points of the probe),
// "lumen.special" (0/1), "lumen.causal" and "lumen.kernels" (true/false), "lumen.steps"
// and "lumen.losses" (one per snapshot, null where unknown).
// Thread safety: reentrant; the functions touch nothing shared.

#include "lumen/engine/tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lumen::engine {

struct AttentionSnapshot {
    int64_t step = 0; ///< optimizer steps done when it was taken; 0 = the initial weights
    /// The training loss of the step that led to these weights (step 0: of the first step,
    /// which the initial weights computed); NaN when unknown.
    double loss = 0.0;
    FloatTensor attentions; ///< [layers, heads, seq, seq]
};

struct AttentionSnapshots {
    std::string probe; ///< the sentence
    std::string modelType; ///< config.json's model_type
    std::vector<std::string> tokens; ///< vocabulary strings, one per position
    std::vector<std::pair<int64_t, int64_t>> offsets; ///< code points of `probe`; specials (0, 0)
    std::vector<uint8_t> special; ///< 1 = a special token
    bool causal = false; ///< query q sees keys 0..q only
    bool kernels = false; ///< convolution kernels drawn as band maps, not attention
    std::vector<AttentionSnapshot> snapshots; ///< in step order, every one the same shape

    int64_t layers() const { return snapshots.empty() ? 0 : snapshots.front().attentions.dim(0); }
    int64_t heads() const { return snapshots.empty() ? 0 : snapshots.front().attentions.dim(1); }
    int64_t seq() const { return static_cast<int64_t>(tokens.size()); }
};

/// The file name the trainer writes in the run's folder and its checkpoints.
const char* attentionSnapshotsFileName(); ///< "attention-snapshots.safetensors"

/// Writes atomically (a full disk leaves the earlier file). Throws lumen::Error(InvalidInput)
/// for snapshots of different shapes or steps out of order, lumen::Error(Io) when it cannot
/// write.
void saveAttentionSnapshots(const std::string& path, const AttentionSnapshots& snapshots);
/// Throws lumen::Error naming the file and what is wrong: not a snapshot file, a missing
/// or malformed key, counts that disagree, steps out of order.
AttentionSnapshots loadAttentionSnapshots(const std::string& path);

} // namespace lumen::engine
