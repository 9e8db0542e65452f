// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "io/model_config.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace lumen::engine {

ModelConfig ModelConfig::load(const std::string& modelDir)
{
    std::error_code ec;
    if (!fs::exists(modelDir, ec)) {
        throw Error(ErrorKind::InvalidInput,
                    "model folder " + modelDir + " does not exist. Choose a folder that holds "
                    "a Hugging Face checkpoint (config.json and model weights).");
    }
    if (!fs::is_directory(modelDir, ec)) {
        throw Error(ErrorKind::InvalidInput,
                    modelDir + " is a file, not a model folder. Choose the folder that holds "
                    "config.json and the model weights.");
    }
    const std::string path = (fs::path(modelDir) / "config.json").string();
    if (!fs::exists(path, ec)) {
        throw Error(ErrorKind::InvalidInput,
                    modelDir + " has no config.json, so it is not a Hugging Face model folder. "
                    "Choose the folder that holds config.json and the model weights.");
    }
    return fromJson(readJsonFile(path), path);
}

ModelConfig ModelConfig::fromJson(nlohmann::json json, std::string path)
{
    ModelConfig config;
    config.json_ = std::move(json);
    config.path_ = std::move(path);
    if (!config.json_.is_object()) {
        throw Error(ErrorKind::InvalidInput,
                    config.path_ + " must hold a JSON object (a Hugging Face model config).");
    }
    const auto it = config.json_.find("model_type");
    if (it == config.json_.end() || !it->is_string() || it->get<std::string>().empty()) {
        throw Error(ErrorKind::InvalidInput,
                    config.path_ + " has no \"model_type\" field, so Lumen cannot tell which "
                    "architecture it describes. Add e.g. \"model_type\": \"bert\".");
    }
    config.modelType_ = it->get<std::string>();
    return config;
}

std::string ModelConfig::architecture() const
{
    const auto it = json_.find("architectures");
    if (it != json_.end() && it->is_array() && !it->empty() && it->front().is_string()) {
        return it->front().get<std::string>();
    }
    return {};
}

std::vector<std::string> ModelConfig::labels() const
{
    std::vector<std::string> labels;
    const auto it = json_.find("id2label");
    if (it != json_.end() && it->is_object() && !it->empty()) {
        labels.resize(it->size());
        std::vector<bool> seen(it->size(), false);
        for (auto item = it->begin(); item != it->end(); ++item) {
            size_t index = 0;
            try {
                index = static_cast<size_t>(std::stoul(item.key()));
            } catch (const std::exception&) {
                fail("id2label", "has the key \"" + item.key() + "\"; its keys are the class ids 0, 1, ...");
            }
            if (index >= labels.size() || seen[index] || !item.value().is_string()) {
                fail("id2label", "must map each id 0 .. " + std::to_string(labels.size() - 1) + " to one label name.");
            }
            seen[index] = true;
            labels[index] = item.value().get<std::string>();
        }
        return labels;
    }
    const int64_t n = getInt("num_labels", 0);
    for (int64_t i = 0; i < n; ++i) {
        labels.push_back("LABEL_" + std::to_string(i));
    }
    return labels;
}

std::vector<std::string> ModelConfig::requireLabels() const
{
    std::vector<std::string> found = labels();
    if (found.empty()) {
        fail("id2label", "is missing: a classifier needs its labels (or num_labels).");
    }
    return found;
}

bool ModelConfig::has(const char* key) const
{
    const auto it = json_.find(key);
    return it != json_.end() && !it->is_null();
}

void ModelConfig::fail(const char* key, const std::string& problem) const
{
    throw Error(ErrorKind::InvalidInput, path_ + ": \"" + key + "\" " + problem);
}

int64_t ModelConfig::requireInt(const char* key) const
{
    if (!has(key)) {
        fail(key, "is missing; this model type needs it.");
    }
    return getInt(key, 0);
}

int64_t ModelConfig::getInt(const char* key, int64_t fallback) const
{
    const auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) {
        return fallback;
    }
    if (it->is_number_integer() || it->is_number_unsigned()) {
        return it->get<int64_t>();
    }
    if (it->is_number_float() && it->get<double>() == static_cast<double>(
                                                         static_cast<int64_t>(it->get<double>()))) {
        return static_cast<int64_t>(it->get<double>());
    }
    fail(key, "must be an integer, found " + it->dump() + ".");
}

double ModelConfig::getDouble(const char* key, double fallback) const
{
    const auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) {
        return fallback;
    }
    if (!it->is_number()) {
        fail(key, "must be a number, found " + it->dump() + ".");
    }
    return it->get<double>();
}

bool ModelConfig::getBool(const char* key, bool fallback) const
{
    const auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) {
        return fallback;
    }
    if (!it->is_boolean()) {
        fail(key, "must be true or false, found " + it->dump() + ".");
    }
    return it->get<bool>();
}

std::string ModelConfig::getString(const char* key, const std::string& fallback) const
{
    const auto it = json_.find(key);
    if (it == json_.end() || it->is_null()) {
        return fallback;
    }
    if (!it->is_string()) {
        fail(key, "must be a string, found " + it->dump() + ".");
    }
    return it->get<std::string>();
}

} // namespace lumen::engine
