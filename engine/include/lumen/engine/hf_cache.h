// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The models a user already downloaded with Python (the local Hugging Face hub cache).
//
//   for (const CachedModel& m : listCachedModels()) { ... m.repoId, m.path ... }
//   std::string dir = resolveModelPath("google-bert/bert-base-uncased"); // or a folder
//
// Cache folder: $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub. Layout: models--ORG--NAME/refs/main (a commit hash) and
// models--ORG--NAME/snapshots/HASH/<files> (links into blobs/).
// Thread safety: any thread (reads the file system only).

#include <cstdint>
#include <string>
#include <vector>

namespace lumen::engine {

struct CachedModel {
    std::string repoId;    ///< "ORG/NAME" (or "NAME" for repositories without an owner)
    std::string entryDir;  ///< .../models--ORG--NAME
    std::string path;      ///< the snapshot folder to load; empty when there is none
    std::string revision;  ///< the snapshot's commit hash
    std::string modelType; ///< config.json's model_type, when readable
    int64_t sizeBytes = 0; ///< bytes of the snapshot's files (links followed)
    bool hasConfig = false;
    bool hasWeights = false;
    bool hasTokenizer = false;
    std::string problem; ///< why it cannot be opened ("no snapshot"), empty when it can
};

/// The hub cache folder after the environment rules above (it may not exist).
std::string huggingFaceCacheDir();

/// Every `models--*` entry of the cache, sorted by repo id. A missing cache gives an empty
/// list. Entries that cannot be opened are listed with `problem` set.
std::vector<CachedModel> listCachedModels(const std::string& cacheDir = "");

/// A folder path is returned as it is; otherwise "ORG/NAME" is looked up in the cache and
/// its snapshot folder returned. Throws lumen::Error when it is neither, naming the cache
/// folder searched and what to do.
std::string resolveModelPath(const std::string& nameOrDir, const std::string& cacheDir = "");

} // namespace lumen::engine
