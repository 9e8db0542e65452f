// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/hf_cache.h"

#include "lumen/engine/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace lumen::engine {
namespace {

std::string env(const char* name)
{
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

std::string readFirstLine(const fs::path& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
    }
    return line;
}

// "models--ORG--NAME" -> "ORG/NAME"; names may themselves hold single dashes.
std::string repoIdFromEntry(const std::string& entry)
{
    std::string rest = entry.substr(std::string("models--").size());
    std::string id;
    size_t pos = 0;
    while ((pos = rest.find("--")) != std::string::npos) {
        id += rest.substr(0, pos) + "/";
        rest = rest.substr(pos + 2);
    }
    return id + rest;
}

std::string entryFromRepoId(const std::string& repoId)
{
    std::string entry = "models--";
    for (char c : repoId) {
        entry += c == '/' ? std::string("--") : std::string(1, c);
    }
    return entry;
}

bool anyExists(const fs::path& dir, std::initializer_list<const char*> names)
{
    std::error_code ec;
    return std::any_of(names.begin(), names.end(),
                       [&](const char* n) { return fs::exists(dir / n, ec); });
}

// The snapshot `refs/main` names, else the most recently modified snapshot.
void findSnapshot(CachedModel& model)
{
    const fs::path entry(model.entryDir);
    const fs::path snapshots = entry / "snapshots";
    std::error_code ec;
    const std::string ref = readFirstLine(entry / "refs" / "main");
    if (!ref.empty() && fs::is_directory(snapshots / ref, ec)) {
        model.revision = ref;
    } else if (fs::is_directory(snapshots, ec)) {
        fs::file_time_type newest{};
        for (const auto& child : fs::directory_iterator(snapshots, ec)) {
            if (child.is_directory(ec) && (model.revision.empty() || child.last_write_time(ec) > newest)) {
                newest = child.last_write_time(ec);
                model.revision = child.path().filename().string();
            }
        }
    }
    if (model.revision.empty()) {
        model.problem = "no snapshot: the download did not finish (no folder under " +
                        snapshots.string() + ")";
        return;
    }
    model.path = (snapshots / model.revision).string();
}

void describeSnapshot(CachedModel& model)
{
    const fs::path dir(model.path);
    std::error_code ec;
    for (const auto& file : fs::recursive_directory_iterator(dir, ec)) {
        if (file.is_regular_file(ec)) { // follows the links into blobs/
            model.sizeBytes += static_cast<int64_t>(file.file_size(ec));
        }
    }
    model.hasConfig = fs::exists(dir / "config.json", ec);
    model.hasWeights = anyExists(dir, {"model.safetensors", "model.safetensors.index.json",
                                       "pytorch_model.bin", "pytorch_model.bin.index.json"});
    model.hasTokenizer = anyExists(dir, {"tokenizer.json", "tokenizer_config.json", "vocab.txt",
                                         "vocab.json", "spiece.model", "tokenizer.model"});
    if (model.hasConfig) {
        std::ifstream in(dir / "config.json");
        const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
        if (json.is_object() && json.contains("model_type") && json["model_type"].is_string()) {
            model.modelType = json["model_type"].get<std::string>();
        }
    }
    if (!model.hasConfig) {
        model.problem = "the snapshot has no config.json";
    } else if (!model.hasWeights) {
        model.problem = "the snapshot has no model weights (only part of the files were downloaded)";
    }
}

CachedModel inspectEntry(const fs::path& entry)
{
    CachedModel model;
    model.entryDir = entry.string();
    model.repoId = repoIdFromEntry(entry.filename().string());
    findSnapshot(model);
    if (!model.path.empty()) {
        describeSnapshot(model);
    }
    return model;
}

} // namespace

std::string huggingFaceCacheDir()
{
    if (const std::string hub = env("HF_HUB_CACHE"); !hub.empty()) {
        return hub;
    }
    if (const std::string home = env("HF_HOME"); !home.empty()) {
        return (fs::path(home) / "hub").string();
    }
    if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) {
        return (fs::path(xdg) / "huggingface" / "hub").string();
    }
    return (fs::path(env("HOME")) / ".cache" / "huggingface" / "hub").string();
}

std::vector<CachedModel> listCachedModels(const std::string& cacheDir)
{
    const fs::path root = cacheDir.empty() ? huggingFaceCacheDir() : cacheDir;
    std::vector<CachedModel> models;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
        return models;
    }
    for (const auto& child : fs::directory_iterator(root, ec)) {
        const std::string name = child.path().filename().string();
        if (child.is_directory(ec) && name.rfind("models--", 0) == 0) {
            models.push_back(inspectEntry(child.path()));
        }
    }
    std::sort(models.begin(), models.end(),
              [](const CachedModel& a, const CachedModel& b) { return a.repoId < b.repoId; });
    return models;
}

std::string resolveModelPath(const std::string& nameOrDir, const std::string& cacheDir)
{
    std::error_code ec;
    if (fs::is_directory(nameOrDir, ec)) {
        return nameOrDir;
    }
    const bool looksLikeRepo = !nameOrDir.empty() && nameOrDir.find('/') != std::string::npos &&
                               nameOrDir.front() != '/' && nameOrDir.front() != '.' &&
                               std::count(nameOrDir.begin(), nameOrDir.end(), '/') == 1;
    if (!looksLikeRepo) {
        return nameOrDir; // Model::load names the missing folder
    }
    const fs::path root = cacheDir.empty() ? huggingFaceCacheDir() : cacheDir;
    const fs::path entry = root / entryFromRepoId(nameOrDir);
    if (!fs::is_directory(entry, ec)) {
        throw Error(ErrorKind::InvalidInput,
                    "\"" + nameOrDir + "\" is neither a folder nor a model in the Hugging Face "
                    "cache (" + root.string() + "). Give a model folder, or download the model "
                    "first (set HF_HUB_CACHE or HF_HOME if your cache is elsewhere).");
    }
    const CachedModel model = inspectEntry(entry);
    if (model.path.empty()) {
        throw Error(ErrorKind::InvalidInput, "the cached model " + nameOrDir + " has " +
                                                 model.problem + ". Download it again.");
    }
    return model.path;
}

} // namespace lumen::engine
