// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "io/weights.h"

#include "io/json_file.h"
#include "io/torch_pickle.h"
#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

namespace lumen::engine {

namespace {

namespace fs = std::filesystem;

torch::ScalarType torchType(DType dtype)
{
    switch (dtype) {
    case DType::F64:
        return torch::kFloat64;
    case DType::F32:
        return torch::kFloat32;
    case DType::F16:
        return torch::kFloat16;
    case DType::BF16:
        return torch::kBFloat16;
    case DType::I64:
        return torch::kInt64;
    case DType::I32:
        return torch::kInt32;
    case DType::I16:
        return torch::kInt16;
    case DType::I8:
        return torch::kInt8;
    case DType::U8:
        return torch::kUInt8;
    case DType::Bool:
        return torch::kBool;
    }
    throw Error(ErrorKind::Internal, "unknown DType");
}

/// What the models expect: floating tensors as float32, integer ones as int64, bool kept.
torch::Tensor normalise(const torch::Tensor& t)
{
    if (t.is_floating_point()) {
        return t.to(torch::kFloat32);
    }
    if (t.scalar_type() == torch::kBool) {
        return t;
    }
    return t.to(torch::kInt64);
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 // Linux 5.14; older headers lack the name
#endif

/// madvise over a byte range of a mapping: `outward`, every page holding one of its bytes;
/// otherwise only the pages wholly inside it (so a neighbour's pages are left alone).
/// Best effort: a kernel without the advice (MADV_POPULATE_READ before Linux 5.14) just
/// leaves the pages to fault in when they are read. MADV_POPULATE_READ maps the page-cache
/// pages themselves, read-only even in a writable private mapping: nothing is copied until a
/// page is written.
void advisePages(const void* data, size_t size, int advice, bool outward)
{
    static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<uintptr_t>(data);
    const uintptr_t end = begin + size;
    const uintptr_t first = outward ? begin / page * page : (begin + page - 1) / page * page;
    const uintptr_t last = outward ? (end + page - 1) / page * page : end / page * page;
    if (size > 0 && last > first) {
        madvise(reinterpret_cast<void*>(first), last - first, advice);
    }
}

using ShardLoader = WeightSet (*)(const std::string& path);

WeightSet readTorchShard(const std::string& path)
{
    WeightSet shard;
    shard.tensors = readTorchStateDict(path);
    return shard;
}

WeightSet loadSharded(const fs::path& dir, const fs::path& indexPath, ShardLoader load)
{
    const std::string index = indexPath.string();
    nlohmann::json json;
    try {
        json = readJsonFile(index);
    } catch (const nlohmann::json::exception& e) {
        // readJsonFile reports syntax errors; a number beyond a double's range lands here.
        throw Error(ErrorKind::InvalidInput,
            index + " is not valid JSON (" + e.what() + "). Fix or replace the file.");
    }
    if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object()) {
        throw Error(ErrorKind::InvalidInput,
            index
                + " has no \"weight_map\" object; expected {\"weight_map\": "
                  "{\"tensor name\": \"shard file\", ...}}");
    }
    std::map<std::string, std::vector<std::string>> namesByShard;
    for (const auto& [name, shard] : json["weight_map"].items()) {
        if (!shard.is_string()) {
            throw Error(ErrorKind::InvalidInput,
                index + ": weight_map entry '" + name + "' is not a file name string");
        }
        const std::string file = shard.get<std::string>();
        if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
            throw Error(ErrorKind::InvalidInput,
                index + ": weight_map entry '" + name + "' names '" + file
                    + "', expected a file name in the same folder");
        }
        namesByShard[file].push_back(name);
    }
    if (namesByShard.empty()) {
        throw Error(ErrorKind::InvalidInput, index + " lists no weights in its weight_map");
    }
    for (const auto& [shard, names] : namesByShard) {
        if (!fs::is_regular_file(dir / shard)) {
            throw Error(ErrorKind::InvalidInput,
                index + " lists shard " + shard + ", which is missing from " + dir.string()
                    + "; download the complete checkpoint");
        }
    }

    WeightSet result;
    result.files.push_back(index);
    for (const auto& [shard, names] : namesByShard) {
        const std::string shardPath = (dir / shard).string();
        WeightSet loaded = load(shardPath);
        const std::map<std::string, torch::Tensor>& tensors = loaded.tensors;
        for (const auto& name : names) {
            const auto it = tensors.find(name);
            if (loaded.mapped.count(name) > 0) {
                result.mapped.insert(name);
            }
            if (it == tensors.end()) {
                throw Error(ErrorKind::InvalidInput,
                    shardPath + " has no tensor '" + name + "', though " + index
                        + " says it holds it");
            }
            result.tensors[name] = normalise(it->second);
        }
        result.files.push_back(shardPath);
    }
    return result;
}

} // namespace

WeightSet loadSafetensorsWeights(const std::string& path)
{
    // F32 tensors (what nearly every checkpoint holds) stay in the mapping: the model takes
    // them as its parameters without a copy (model.cpp). The mapping is private and
    // writable, so changing a parameter later (training) copies that page and leaves the
    // file alone. Each view keeps the mapping alive.
    const auto file =
        std::make_shared<const SafetensorsFile>(SafetensorsFile::open(path, MapMode::CopyOnWrite));
    WeightSet result;
    result.files.push_back(path);
    for (const auto& entry : file->tensors()) {
        uint8_t* data = file->mutableData(entry);
        const size_t bytes = entry.end - entry.begin;
        const bool aligned =
            reinterpret_cast<uintptr_t>(data) % dtypeSize(entry.dtype) == 0 && bytes > 0;
        if (entry.dtype == DType::F32 && aligned) {
            // Map every page now, in one call, rather than with a page fault per 4 KiB when
            // the model first reads it: reading the file belongs to loading.
            advisePages(data, bytes, MADV_POPULATE_READ, /*outward=*/true);
            result.tensors[entry.name] = torch::from_blob(
                data, entry.shape, [file](void*) {}, torch::TensorOptions().dtype(torch::kFloat32));
            result.mapped.insert(entry.name);
            continue;
        }
        torch::Tensor t;
        const auto options = torch::TensorOptions().dtype(torchType(entry.dtype));
        if (aligned) {
            t = normalise(torch::from_blob(data, entry.shape, options)); // F16 -> F32: a copy
            if (t.data_ptr() == data) {
                t = t.clone(); // an I64 or BOOL tensor: normalise kept the mapped bytes
            }
        } else {
            t = torch::empty(entry.shape, options);
            if (bytes > 0) {
                std::memcpy(t.data_ptr(), data, bytes);
            }
            t = normalise(t);
        }
        // The converted copy is what the model uses: the file pages can go back now, so an
        // F16 file costs its F32 parameters and not also the whole mapped file.
        advisePages(data, bytes, MADV_DONTNEED, /*outward=*/false);
        result.tensors[entry.name] = t;
    }
    return result;
}

void WeightSet::release(const std::string& key) const
{
    if (mapped.count(key) == 0) {
        return;
    }
    const auto it = tensors.find(key);
    if (it == tensors.end() || !it->second.defined()) {
        return;
    }
    // Only whole pages inside the tensor: its neighbours' pages stay as they are.
    advisePages(it->second.data_ptr(), it->second.nbytes(), MADV_DONTNEED, /*outward=*/false);
}

WeightSet loadWeights(const std::string& modelDir)
{
    const fs::path dir(modelDir);
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        throw Error(ErrorKind::InvalidInput, modelDir + " does not exist");
    }
    if (!fs::is_directory(dir, ec)) {
        throw Error(ErrorKind::InvalidInput,
            modelDir
                + " is not a folder; expected a model folder with config.json "
                  "and model weights");
    }
    if (fs::is_regular_file(dir / "model.safetensors", ec)) {
        return loadSafetensorsWeights((dir / "model.safetensors").string());
    }
    if (fs::is_regular_file(dir / "model.safetensors.index.json", ec)) {
        return loadSharded(dir, dir / "model.safetensors.index.json", loadSafetensorsWeights);
    }
    if (fs::is_regular_file(dir / "pytorch_model.bin", ec)) {
        const std::string path = (dir / "pytorch_model.bin").string();
        WeightSet result;
        result.files.push_back(path);
        for (auto& [name, tensor] : readTorchStateDict(path)) {
            result.tensors[name] = normalise(tensor);
        }
        return result;
    }
    if (fs::is_regular_file(dir / "pytorch_model.bin.index.json", ec)) {
        return loadSharded(dir, dir / "pytorch_model.bin.index.json", readTorchShard);
    }
    throw Error(ErrorKind::InvalidInput,
        modelDir
            + " has no model weights: looked for model.safetensors, "
              "model.safetensors.index.json, pytorch_model.bin, "
              "pytorch_model.bin.index.json");
}

} // namespace lumen::engine
