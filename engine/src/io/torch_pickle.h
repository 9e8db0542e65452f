// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Reading `torch.save(state_dict)` files (pytorch_model.bin) without LibTorch 1.13's
// torch::pickle_load, which returns None for an OrderedDict. An allow-listed unpickler:
// plain tensors, dicts / OrderedDicts, and the rebuild functions torch.save uses; any
// other global is refused, so a malicious pickle cannot run code. (Engine-internal.)

#include <torch/torch.h>

#include <map>
#include <string>

namespace lumen::engine {

/// Throws lumen::Error naming the file and what was wrong (not a zip, unknown global, ...).
std::map<std::string, torch::Tensor> readTorchStateDict(const std::string& path);

} // namespace lumen::engine
