// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Access to the reference conformance data in tests/data/conformance (see its README).

#include "lumen/engine/tensor.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace lumen::test {

/// Absolute path of tests/data.
std::string dataDir();
/// Absolute path of tests/data/conformance/<name>.
std::string conformanceDir(const std::string& name);
/// expected.json of a case, parsed once and cached.
const nlohmann::json& expected(const std::string& name);

/// A nested JSON list of numbers -> a dense tensor (shape from the nesting).
engine::FloatTensor jsonToFloat(const nlohmann::json& nested);
std::vector<int64_t> jsonToInts(const nlohmann::json& list);

/// The sub-tensor t[r0.first:r0.second, r1.first:r1.second, ...] over the leading dims
/// named in `ranges`; the remaining dims are kept whole.
engine::FloatTensor slice(const engine::FloatTensor& t,
                          const std::vector<std::pair<int64_t, int64_t>>& ranges);

/// Ids of the k largest logits of row `row` of a [..., vocab] tensor, largest first.
std::vector<int64_t> topK(const engine::FloatTensor& logits, int64_t row, int64_t k);

/// Copies the files of a folder (not recursive) into `to`, created if missing.
void copyFolder(const std::string& from, const std::string& to);

/// Drops a leading dimension of size 1.
engine::FloatTensor squeezeFirst(const engine::FloatTensor& t);

} // namespace lumen::test
