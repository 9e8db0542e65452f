// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// `lumen-cli new-model`: a randomly initialised model in the Hugging Face folder layout.
#include "io/json_file.h"
#include "io/model_config.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace fs = std::filesystem;

namespace lumen::engine {
namespace {

void writeTextAtomically(const fs::path& path, const std::string& text)
{
    const fs::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(temp, ec);
            throw Error(ErrorKind::Io, "cannot write " + path.string() + ": " +
                                           std::strerror(errno) + " (is the disk full?)");
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw Error(ErrorKind::Io, "cannot write " + path.string() + ": " + ec.message());
    }
}

} // namespace

int64_t createRandomModel(const std::string& configPath, const std::string& outDir, uint64_t seed)
{
    nlohmann::json json = readJsonFile(configPath);
    const ModelConfig config = ModelConfig::fromJson(json, configPath);
    std::shared_ptr<Architecture> arch = createArchitecture(config);
    {
        torch::NoGradGuard noGrad;
        // The constructors leave parameters uninitialised (blocks::uninitialised), so
        // initWeights must set every one. NaN first makes a forgotten one visible here
        // instead of as whatever the allocator's memory held.
        for (auto& p : arch->parameters(/*recurse=*/true)) {
            p.fill_(std::numeric_limits<float>::quiet_NaN());
        }
        torch::manual_seed(seed);
        arch->initWeights();
        for (const auto& item : arch->named_parameters(/*recurse=*/true)) {
            if (!torch::isfinite(item.value()).all().item<bool>()) {
                throw Error(ErrorKind::Internal,
                    config.path() + ": initWeights of " + arch->describe().architecture
                        + " left parameter \"" + item.key() + "\" uninitialised");
            }
        }
    }

    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec || !fs::is_directory(outDir)) {
        throw Error(ErrorKind::Io, "cannot create the folder " + outDir + ": " +
                                       (ec ? ec.message() : std::string("not a folder")));
    }

    std::vector<TensorToWrite> tensors;
    int64_t count = 0;
    for (const auto& item : arch->named_parameters(/*recurse=*/true)) {
        tensors.push_back(TensorToWrite::fromFloat(item.key(), toFloatTensor(item.value())));
        count += item.value().numel();
    }
    writeSafetensors((fs::path(outDir) / "model.safetensors").string(), tensors,
                     {{"format", "pt"}});

    if (!json.contains("architectures")) {
        json["architectures"] = nlohmann::json::array({arch->describe().architecture});
    }
    json["torch_dtype"] = "float32";
    writeTextAtomically(fs::path(outDir) / "config.json", json.dump(2) + "\n");

    // Tokenizer files that sit beside the config travel with the model.
    static const char* kTokenizerFiles[] = {
        "vocab.txt",  "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json",
        "vocab.json", "merges.txt",            "spiece.model",            "tokenizer.model",
        "added_tokens.json"};
    const fs::path from = fs::absolute(configPath).parent_path();
    if (fs::weakly_canonical(from, ec) != fs::weakly_canonical(outDir, ec)) {
        for (const char* name : kTokenizerFiles) {
            if (fs::exists(from / name, ec)) {
                fs::copy_file(from / name, fs::path(outDir) / name,
                              fs::copy_options::overwrite_existing, ec);
                if (ec) {
                    throw Error(ErrorKind::Io, "cannot copy " + (from / name).string() + " to " +
                                                   outDir + ": " + ec.message());
                }
            }
        }
    }
    return count;
}

} // namespace lumen::engine
