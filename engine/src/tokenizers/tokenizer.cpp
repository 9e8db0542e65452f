// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// loadTokenizer: picks the tokenizer of a model folder.
// How to add one: write it in its own file (bpe.cpp, sentencepiece.cpp), add a recogniser
// below that looks at tokenizer_config.json's tokenizer_class and the files present, and name
// its files in kLookedFor so the "no tokenizer" message stays complete.
#include "lumen/engine/tokenizer.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/wordpiece.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace lumen::engine {

namespace {

namespace fs = std::filesystem;

const char* const kWordPieceClasses[] = {
    "BertTokenizer",    "BertTokenizerFast",    "DistilBertTokenizer",
    "DistilBertTokenizerFast", "ElectraTokenizer", "ElectraTokenizerFast",
};

const char* const kLookedFor = "tokenizer_config.json, vocab.txt (WordPiece: BERT, DistilBERT, "
                               "ELECTRA)";

bool isWordPieceClass(const std::string& name)
{
    return std::any_of(std::begin(kWordPieceClasses), std::end(kWordPieceClasses),
                       [&name](const char* known) { return name == known; });
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
    if (!tokenizerClass.empty()) {
        throw Error(ErrorKind::Unsupported,
                    configPath.string() + ": tokenizer_class \"" + tokenizerClass
                        + "\" is not supported yet. Lumen reads BertTokenizer, "
                          "DistilBertTokenizer and ElectraTokenizer (vocab.txt).");
    }
    throw Error(ErrorKind::InvalidInput,
                "no tokenizer found in " + modelDir + ": looked for " + kLookedFor
                    + ". Copy the model's tokenizer files into the folder.");
}

} // namespace lumen::engine
