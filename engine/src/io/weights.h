// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Loading a model folder's weights into Torch tensors (engine-internal).

#include <torch/torch.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace lumen::engine {

struct WeightSet {
    std::map<std::string, torch::Tensor> tensors; ///< float32 (floating dtypes) on CPU
    std::vector<std::string> files;               ///< the files read, in order
    /// Keys whose tensors are views of a memory-mapped safetensors file (F32 data, no copy;
    /// a private, copy-on-write mapping: writing to them never changes the file); the
    /// mapping lives as long as any such tensor.
    std::set<std::string> mapped;

    /// For a mapped tensor the model did not take as it is (copied, or not needed): hands
    /// its file pages back to the page cache, so the process does not hold them as well.
    /// Later reads of the tensor still work (the pages fault in again). No-op for tensors
    /// that are not mapped.
    void release(const std::string& key) const;
};

/// All weights of a Hugging Face model folder. Prefers `model.safetensors`, then
/// `model.safetensors.index.json` (shards), then `pytorch_model.bin`, then
/// `pytorch_model.bin.index.json`. Throws lumen::Error naming the folder and the files
/// looked for when there is none, and naming the file when one is malformed.
WeightSet loadWeights(const std::string& modelDir);

/// One safetensors file; floating tensors are converted to float32, integer ones kept.
WeightSet loadSafetensorsWeights(const std::string& path);

} // namespace lumen::engine
