// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The parts of a tokenizer.json pipeline (engine-internal), each as the reference implements
// it (Hugging Face tokenizers 0.19, the library behind transformers' fast tokenizers):
//
//   text -> added tokens split out -> Normalizer -> PreTokenizer -> Model -> PostProcessor
//   ids  -> tokens -> Decoder -> text
//
// How to add a component: implement the interface below in the matching components_*.cpp,
// add its "type" to that file's factory and to its kKnown list (the message for an unknown
// type names every supported one), and add a row to tst_tokenizer_json.
// Thread safety: every component is immutable once built; models keep a locked cache.

#include "lumen/engine/tokenizer.h"
#include "tokenizers/hf/normalized_string.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lumen::engine::hf {

/// One JSON object of tokenizer.json, read with messages that name the file and the place:
///   <file>: "<path>" must be <expected>. Fix it, or use the model's original tokenizer.json.
class JsonReader {
public:
    JsonReader(const nlohmann::json& value, std::string file, std::string path);

    const nlohmann::json& json() const { return value_; }
    const std::string& file() const { return file_; }
    const std::string& path() const { return path_; }
    bool has(const char* key) const;
    /// `key` present and not null.
    bool given(const char* key) const;

    /// The component's "type".
    std::string type() const;
    bool boolean(const char* key, bool fallback) const;
    std::string string(const char* key) const;
    std::string string(const char* key, const std::string& fallback) const;
    /// A string, or none when absent or null.
    std::optional<std::string> optionalString(const char* key) const;
    int64_t integer(const char* key, int64_t fallback) const;
    /// One character given as a one-character string.
    char32_t character(const char* key, char32_t fallback) const;
    JsonReader child(const char* key) const;
    std::vector<JsonReader> list(const char* key) const;

    [[noreturn]] void bad(const std::string& key, const std::string& expected) const;
    [[noreturn]] void unsupported(const std::string& kind, const std::string& known) const;

private:
    std::string at(const std::string& key) const;

    const nlohmann::json& value_;
    std::string file_;
    std::string path_;
};

// ---- normalizers ----

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(NormalizedString& text) const = 0;
};

/// null -> none.
std::unique_ptr<Normalizer> makeNormalizer(const JsonReader& spec);

// ---- pre-tokenizers ----

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void preTokenize(PreTokenized& splits) const = 0;
};

std::unique_ptr<PreTokenizer> makePreTokenizer(const JsonReader& spec);

// ---- models ----

/// A token of one split; begin/end count the split's normalised characters.
struct ModelToken {
    int64_t id = 0;
    std::string value;
    size_t begin = 0;
    size_t end = 0;
};

class Model {
public:
    virtual ~Model() = default;
    virtual std::string typeName() const = 0; ///< "BPE", "WordPiece", "Unigram", "WordLevel"
    virtual void tokenize(const NormalizedString& split, std::vector<ModelToken>& out) const = 0;
    virtual std::optional<int64_t> tokenToId(const std::string& token) const = 0;
    /// The token with `id`, or null when the vocabulary has none.
    virtual const std::string* token(int64_t id) const = 0;
    /// The number of vocabulary entries.
    virtual int64_t size() const = 0;
    /// One past the largest id.
    virtual int64_t idLimit() const = 0;
    /// The unknown token, when the model has one.
    virtual std::optional<std::string> unknownToken() const = 0;
};

std::unique_ptr<Model> makeModel(const JsonReader& spec);

// ---- post-processors ----

/// The encodings of the text (and the pair) in, the pieces of the result out, in order; the
/// caller joins them. Encoding::tokens hold the tokens' values meanwhile.
class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    /// How many special tokens process() adds.
    virtual size_t addedTokens(bool pair) const = 0;
    virtual std::vector<Encoding> process(
        std::vector<Encoding> encodings, bool addSpecialTokens) const = 0;
};

std::unique_ptr<PostProcessor> makePostProcessor(const JsonReader& spec);

/// A special token of a TemplateProcessing: the name in the template and its ids.
struct TemplateSpecial {
    std::string name;
    std::vector<int64_t> ids;
    std::vector<std::string> tokens;
};

/// TemplateProcessing from the reference's template strings ("[CLS]:0 $A:0 [SEP]:0").
std::unique_ptr<PostProcessor> makeTemplate(
    const std::string& single, const std::string& pair, std::vector<TemplateSpecial> specials);

// ---- decoders ----

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual std::vector<std::string> decodeChain(std::vector<std::string> tokens) const = 0;
};

std::unique_ptr<Decoder> makeDecoder(const JsonReader& spec);

} // namespace lumen::engine::hf
