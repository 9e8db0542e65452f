// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Checkpoint tensors as plain data (no Torch types): a `torch.save` file (pytorch_model.bin)
// or a whole model folder's weights, each tensor as raw little-endian bytes with its dtype.
//
//   auto tensors = readTorchCheckpoint("pytorch_model.bin");
//   writeSafetensors("model.safetensors", tensors); // a conversion to safetensors
//
// A torch.save file is a pickle; it is read by an allow-listed unpickler (tensors, dicts and
// the rebuild functions torch.save uses), so it cannot run code. Anything else is refused
// with a lumen::Error (Unsupported) that suggests converting to safetensors.
// Thread safety: free functions without shared state; call them from any thread.

#include "lumen/engine/safetensors.h"

#include <string>
#include <vector>

namespace lumen::engine {

/// Every tensor of a torch.save file in its stored dtype, contiguous, sorted by name; tied
/// copies appear under each of their names. Throws lumen::Error naming the file.
std::vector<TensorToWrite> readTorchCheckpoint(const std::string& path);

struct ModelWeights {
    std::vector<TensorToWrite> tensors; ///< sorted by name; floating as F32, integer as I64
    std::vector<std::string> files; ///< the files read, in order
};

/// A model folder's weights exactly as the engine loads them: `model.safetensors`, else
/// `model.safetensors.index.json` (shards), else `pytorch_model.bin`, else
/// `pytorch_model.bin.index.json`. Throws lumen::Error naming the folder or the bad file.
ModelWeights readModelWeights(const std::string& modelDir);

} // namespace lumen::engine
