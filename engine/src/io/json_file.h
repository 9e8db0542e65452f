// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Reading JSON files with messages a user can act on (engine-internal).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace lumen::engine {

/// Parses a JSON file. Throws lumen::Error: Io when it cannot be read, InvalidInput with
/// the file, line and column when it is malformed.
nlohmann::json readJsonFile(const std::string& path);

/// Reads a whole file into a string; throws lumen::Error (Io) naming the file.
std::string readTextFile(const std::string& path);

/// Writes `text` to `path` through a temporary file beside it, renamed over the target, so
/// the file is never half written. Throws lumen::Error (Io) naming the file.
void writeTextAtomically(const std::filesystem::path& path, const std::string& text);

} // namespace lumen::engine
