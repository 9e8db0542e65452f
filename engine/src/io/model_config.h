// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A model folder's config.json with typed, checked accessors (engine-internal). Every
// accessor's error names the file and the field, so a user knows what to fix.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

class ModelConfig {
public:
    /// Reads `<dir>/config.json`. Throws lumen::Error: the folder does not exist, has no
    /// config.json, the JSON is malformed or not an object, or model_type is missing.
    static ModelConfig load(const std::string& modelDir);
    static ModelConfig fromJson(nlohmann::json json, std::string path);

    const std::string& path() const { return path_; }
    const std::string& modelType() const { return modelType_; }
    /// architectures[0], or "" when absent
    std::string architecture() const;
    const nlohmann::json& json() const { return json_; }

    bool has(const char* key) const;
    int64_t requireInt(const char* key) const;
    int64_t getInt(const char* key, int64_t fallback) const;
    double getDouble(const char* key, double fallback) const;
    bool getBool(const char* key, bool fallback) const;
    std::string getString(const char* key, const std::string& fallback) const;

    /// A classifier's label names, index order: id2label ({"0": "neg", "1": "pos"}), else
    /// LABEL_0 .. LABEL_{num_labels - 1}; empty when neither is given. Throws
    /// lumen::Error(InvalidInput) for id2label keys that are not 0 .. n - 1.
    std::vector<std::string> labels() const;
    /// labels() for a classifier head: throws lumen::Error(InvalidInput) naming id2label when
    /// there are none.
    std::vector<std::string> requireLabels() const;

    /// Throws lumen::Error(InvalidInput) "<path>: <key> <problem>".
    [[noreturn]] void fail(const char* key, const std::string& problem) const;

private:
    nlohmann::json json_;
    std::string path_;
    std::string modelType_;
};

} // namespace lumen::engine
