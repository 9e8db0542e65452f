// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// `lumen-cli new-model`: a randomly initialised model in the Hugging Face folder layout.
#include "io/json_file.h"
#include "io/model_config.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"
#include "lumen/engine/tokenizer.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

namespace fs = std::filesystem;

namespace lumen::engine {
namespace {

/// Copies the tokenizer files of folder `from` (those there are) into `to`, unless it is `to`.
void copyTokenizerFiles(const fs::path& from, const std::string& to)
{
    static const char* kTokenizerFiles[] = { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
        "tokenizer.json", "vocab.json", "merges.txt", "spiece.model", "tokenizer.model", "added_tokens.json" };
    std::error_code ec;
    if (fs::weakly_canonical(from, ec) == fs::weakly_canonical(to, ec)) {
        return;
    }
    for (const char* name : kTokenizerFiles) {
        if (fs::exists(from / name, ec)) {
            fs::copy_file(from / name, fs::path(to) / name, fs::copy_options::overwrite_existing, ec);
            if (ec) {
                throw Error(ErrorKind::Io, "cannot copy " + (from / name).string() + " to " + to + ": " + ec.message());
            }
        }
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

    return saveArchitecture(*arch, json, outDir, fs::absolute(configPath).parent_path().string());
}

int64_t saveArchitecture(Architecture& arch, nlohmann::json config, const std::string& outDir,
                         const std::string& tokenizerDir)
{
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec || !fs::is_directory(outDir)) {
        throw Error(ErrorKind::Io, "cannot create the folder " + outDir + ": " +
                                       (ec ? ec.message() : std::string("not a folder")));
    }

    std::vector<TensorToWrite> tensors;
    int64_t count = 0;
    for (const auto& item : arch.named_parameters(/*recurse=*/true)) {
        tensors.push_back(TensorToWrite::fromFloat(item.key(), toFloatTensor(item.value())));
        count += item.value().numel();
    }
    // Written beside, then renamed: a full disk or a crash never leaves half a model.
    const fs::path weights = fs::path(outDir) / "model.safetensors";
    const fs::path partial = fs::path(outDir) / "model.safetensors.partial";
    writeSafetensors(partial.string(), tensors, {{"format", "pt"}});
    fs::rename(partial, weights, ec);
    if (ec) {
        throw Error(ErrorKind::Io, "cannot write " + weights.string() + ": " + ec.message());
    }

    if (!config.contains("architectures")) {
        config["architectures"] = nlohmann::json::array({arch.describe().architecture});
    }
    config["torch_dtype"] = "float32";
    writeTextAtomically(fs::path(outDir) / "config.json", config.dump(2) + "\n");

    // Tokenizer files travel with the model.
    if (!tokenizerDir.empty() && fs::absolute(tokenizerDir) != fs::absolute(outDir)) {
        copyTokenizerFiles(fs::absolute(tokenizerDir), outDir);
    }
    return count;
}

std::vector<std::string> newModelFamilies()
{
    return { "lightconv", "dynamicconv", "dilatedconv", "wavenet", "lstm", "transformer" };
}

int64_t createModel(const NewModelSpec& spec, const std::string& tokenizerDir, const std::string& outDir,
                    uint64_t seed)
{
    const std::vector<std::string> families = newModelFamilies();
    if (std::find(families.begin(), families.end(), spec.family) == families.end()) {
        std::string known;
        for (const std::string& f : families) {
            known += (known.empty() ? "" : ", ") + f;
        }
        throw Error(ErrorKind::InvalidInput, "\"" + spec.family + "\" is not a family Lumen can create (it creates: "
                                                 + known + ").");
    }
    if (spec.hidden <= 0 || spec.layers <= 0 || spec.heads <= 0 || spec.kernel < 0 || spec.intermediate < 0
        || spec.maxPositions < 0) {
        throw Error(ErrorKind::InvalidInput, "the sizes must be positive (width, layers, heads; kernel, "
                                             "feed-forward width and positions 0 for the default).");
    }
    const auto tokenizer = loadTokenizer(tokenizerDir);
    if (!spec.causal && !tokenizer->specialTokens().mask) {
        throw Error(ErrorKind::InvalidInput,
                    tokenizerDir + ": this tokenizer has no mask token, so a masked-LM could not be "
                                   "trained or used with it; choose the causal-LM head or another tokenizer.");
    }
    const int64_t vocab = tokenizer->vocabSize();
    const int64_t intermediate = spec.intermediate > 0 ? spec.intermediate : 4 * spec.hidden;
    nlohmann::json c;
    if (spec.family == "transformer" && !spec.causal) {
        c = { { "model_type", "bert" }, { "architectures", { "BertForMaskedLM" } }, { "vocab_size", vocab },
            { "hidden_size", spec.hidden }, { "num_hidden_layers", spec.layers },
            { "num_attention_heads", spec.heads }, { "intermediate_size", intermediate },
            { "max_position_embeddings", spec.maxPositions > 0 ? spec.maxPositions : 512 },
            { "type_vocab_size", 2 }, { "hidden_act", "gelu" } };
    } else if (spec.family == "transformer") {
        c = { { "model_type", "gpt2" }, { "architectures", { "GPT2LMHeadModel" } }, { "vocab_size", vocab },
            { "n_embd", spec.hidden }, { "n_layer", spec.layers }, { "n_head", spec.heads },
            { "n_inner", intermediate }, { "n_positions", spec.maxPositions > 0 ? spec.maxPositions : 512 },
            { "activation_function", "gelu_new" } };
        if (const auto eos = tokenizer->specialTokens().eos) {
            c["bos_token_id"] = *eos;
            c["eos_token_id"] = *eos;
        }
    } else {
        static const std::map<std::string, std::string> kNames { { "lightconv", "LumenLightConv" },
            { "dynamicconv", "LumenDynamicConv" }, { "dilatedconv", "LumenDilatedConv" },
            { "wavenet", "LumenWaveNet" }, { "lstm", "LumenLstm" } };
        c = { { "model_type", "lumen-" + spec.family },
            { "architectures", { kNames.at(spec.family) + (spec.causal ? "ForCausalLM" : "ForMaskedLM") } },
            { "vocab_size", vocab }, { "hidden_size", spec.hidden }, { "num_hidden_layers", spec.layers },
            { "intermediate_size", intermediate }, { "max_position_embeddings", spec.maxPositions } };
        if (spec.family == "lightconv" || spec.family == "dynamicconv") {
            c["num_heads"] = spec.heads;
        }
        if (spec.kernel > 0 && spec.family != "lstm") {
            c["kernel_size"] = spec.kernel;
        } else if (spec.family == "wavenet") {
            c["kernel_size"] = spec.causal ? 2 : 3;
        }
    }
    if (const auto pad = tokenizer->specialTokens().pad) {
        c["pad_token_id"] = *pad;
    }
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec || !fs::is_directory(outDir)) {
        throw Error(ErrorKind::Io, "cannot create the folder " + outDir + ": " +
                                       (ec ? ec.message() : std::string("not a folder")));
    }
    // The configuration is checked (createArchitecture) before anything is written.
    createArchitecture(ModelConfig::fromJson(c, "the new model's configuration"));
    const fs::path config = fs::path(outDir) / "config.json";
    writeTextAtomically(config, c.dump(2) + "\n");
    const int64_t count = createRandomModel(config.string(), outDir, seed);
    copyTokenizerFiles(fs::absolute(tokenizerDir), outDir);
    return count;
}

} // namespace lumen::engine
