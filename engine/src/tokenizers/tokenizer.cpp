// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// loadTokenizer: picks the tokenizer of a model folder: tokenizer.json when there is one (the
// reference's AutoTokenizer prefers the fast tokenizer), else the slow files.
// How to add one: write it in its own file (bpe.cpp, sentencepiece.cpp), add a recogniser
// below that looks at tokenizer_config.json's tokenizer_class and the files present, and name
// its files in kLookedFor so the "no tokenizer" message stays complete.
#include "lumen/engine/tokenizer.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/bpe.h"
#include "tokenizers/sentencepiece.h"
#include "tokenizers/tokenizer_json.h"
#include "tokenizers/wordpiece.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace lumen::engine {

namespace {

namespace fs = std::filesystem;

const char* const kWordPieceClasses[] = {
    "BertTokenizer",
    "BertTokenizerFast",
    "DistilBertTokenizer",
    "DistilBertTokenizerFast",
    "ElectraTokenizer",
    "ElectraTokenizerFast",
};

const char* const kLookedFor =
    "tokenizer.json (any fast tokenizer), tokenizer_config.json, vocab.txt (WordPiece: BERT, "
    "DistilBERT, ELECTRA), vocab.json + "
    "merges.txt (byte-level BPE: GPT-2, RoBERTa), spiece.model or tokenizer.model "
    "(SentencePiece: ALBERT, T5, LLaMA)";

bool isWordPieceClass(const std::string& name)
{
    return std::any_of(std::begin(kWordPieceClasses), std::end(kWordPieceClasses),
        [&name](const char* known) { return name == known; });
}

/// Byte-level BPE (vocab.json + merges.txt): GPT-2 or RoBERTa by tokenizer_class; without a
/// class, vocab.json and merges.txt alone read as GPT-2 (nothing added around the text).
std::optional<BpeSettings::Flavor> bpeFlavor(const std::string& name, const fs::path& folder)
{
    if (name == "RobertaTokenizer" || name == "RobertaTokenizerFast") {
        return BpeSettings::Flavor::Roberta;
    }
    if (name == "GPT2Tokenizer" || name == "GPT2TokenizerFast") {
        return BpeSettings::Flavor::Gpt2;
    }
    std::error_code error;
    if (name.empty() && fs::is_regular_file(folder / "vocab.json", error)
        && fs::is_regular_file(folder / "merges.txt", error)) {
        return BpeSettings::Flavor::Gpt2;
    }
    return std::nullopt;
}

/// SentencePiece (spiece.model / tokenizer.model): ALBERT, T5 or LLaMA by tokenizer_class;
/// without a class, config.json's model_type decides, then the file name (tokenizer.model
/// reads as LLaMA, spiece.model as T5).
std::optional<SentencePieceFlavor> sentencePieceFlavor(
    const std::string& name, const fs::path& folder)
{
    if (!name.empty()) {
        return SentencePieceTokenizer::flavorOfClass(name);
    }
    std::error_code error;
    const bool hasSpiece = fs::is_regular_file(folder / "spiece.model", error);
    const bool hasLlama = fs::is_regular_file(folder / "tokenizer.model", error);
    if (!hasSpiece && !hasLlama) {
        return std::nullopt;
    }
    if (fs::is_regular_file(folder / "config.json", error)) {
        const nlohmann::json config = readJsonFile((folder / "config.json").string());
        const std::string type = config.is_object() ? config.value("model_type", "") : "";
        if (type == "albert") {
            return SentencePieceFlavor::Albert;
        }
        if (type == "t5" || type == "mt5") {
            return SentencePieceFlavor::T5;
        }
        if (type == "llama" || type == "mistral") {
            return SentencePieceFlavor::Llama;
        }
    }
    return hasLlama ? SentencePieceFlavor::Llama : SentencePieceFlavor::T5;
}

} // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& modelDir)
{
    std::error_code error;
    if (!fs::is_directory(modelDir, error)) {
        throw Error(ErrorKind::InvalidInput,
            "the model folder " + modelDir
                + " does not exist or is not a folder. Choose the folder that holds "
                  "the model's config.json and tokenizer files.");
    }
    const fs::path folder(modelDir);
    // The file fast tokenizers save wins over the slow files, as in the reference.
    if (fs::is_regular_file(folder / "tokenizer.json", error)) {
        return TokenizerJson::fromFolder(modelDir);
    }
    const fs::path configPath = folder / "tokenizer_config.json";
    std::string tokenizerClass;
    if (fs::is_regular_file(configPath, error)) {
        const nlohmann::json config = readJsonFile(configPath.string());
        if (config.is_object()) {
            const auto it = config.find("tokenizer_class");
            if (it != config.end() && it->is_string()) {
                tokenizerClass = it->get<std::string>();
            }
        }
    }
    const bool hasVocabTxt = fs::is_regular_file(folder / "vocab.txt", error);

    if (isWordPieceClass(tokenizerClass) || (tokenizerClass.empty() && hasVocabTxt)) {
        return WordPieceTokenizer::fromFolder(modelDir);
    }
    if (const auto flavor = bpeFlavor(tokenizerClass, folder)) {
        return BpeTokenizer::fromFolder(modelDir, *flavor);
    }
    if (const auto flavor = sentencePieceFlavor(tokenizerClass, folder)) {
        return SentencePieceTokenizer::fromFolder(modelDir, *flavor);
    }
    if (!tokenizerClass.empty()) {
        throw Error(ErrorKind::Unsupported,
            configPath.string() + ": tokenizer_class \"" + tokenizerClass
                + "\" is not supported yet. Lumen reads BertTokenizer, "
                  "DistilBertTokenizer, ElectraTokenizer, GPT2Tokenizer, "
                  "RobertaTokenizer, AlbertTokenizer, T5Tokenizer and LlamaTokenizer.");
    }
    throw Error(ErrorKind::InvalidInput,
        "no tokenizer found in " + modelDir + ": looked for " + kLookedFor
            + ". Copy the model's tokenizer files into the folder.");
}

} // namespace lumen::engine
