// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The `tokenizer.json` tokenizer (engine-internal): the file Hugging Face "fast" tokenizers
// save, read the way transformers 4.40's PreTrainedTokenizerFast over tokenizers 0.19 runs it.
//
//   1. Added tokens (tokenizer.json's added_tokens, then tokenizer_config.json's
//      added_tokens_decoder and named special tokens) are split out: first those with
//      normalized = false on the raw text, then the others on each piece's normalised text;
//      leftmost longest match; lstrip / rstrip take the white space beside a token into it,
//      single_word drops a match inside a word.
//   2. The normalizer, the pre-tokenizer and the model (BPE, WordPiece, Unigram, WordLevel)
//      of tokenizers/hf/components.h run on every other piece.
//   3. Truncation ('longest_first' as the reference's truncate_encodings does it), then the
//      post-processor adds the special tokens and the type ids.
//   Decoding maps ids to tokens (added tokens first), drops special ones on request, runs the
//   decoder and then clean_up_tokenization when tokenizer_config.json asks for it.
//
// As transformers does, some tokenizer classes adjust the file from tokenizer_config.json:
// BERT-style classes set the BertNormalizer's lowercase / strip_accents /
// handle_chinese_chars, GPT-2 and RoBERTa set ByteLevel's add_prefix_space, LLaMA and Gemma
// rebuild the post-processor from add_bos_token / add_eos_token.
//
// Encodings: `tokens` are convert_ids_to_tokens(ids); tokenize() gives the model's own token
// strings (for a Unigram unknown piece, the text it covers). Offsets are code points of the
// input (special tokens (0, 0)); `specialMask` is 1 for the special tokens put around the text
// and for special added tokens found in it.
// Thread safety: immutable after construction (the BPE model's cache is locked).

#include "lumen/engine/tokenizer.h"
#include "tokenizers/tokenizer_config.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lumen::engine {

namespace hf {
class Normalizer;
class PreTokenizer;
class Model;
class PostProcessor;
class Decoder;
class NormalizedString;
struct Split;
using PreTokenized = std::vector<Split>;
} // namespace hf

class TokenizerJson final : public Tokenizer {
public:
    /// Reads `<dir>/tokenizer.json` and, when present, tokenizer_config.json and
    /// special_tokens_map.json. Throws lumen::Error naming the file and the field.
    static std::unique_ptr<TokenizerJson> fromFolder(const std::string& dir);
    ~TokenizerJson() override;

    std::string kind() const override;
    int64_t vocabSize() const override { return vocabSize_; }
    std::vector<std::string> tokenize(const std::string& text) const override;
    Encoding encode(const std::string& text, const EncodeOptions& options = {}) const override;
    Encoding encodePair(const std::string& text, const std::string& pair,
        const EncodeOptions& options = {}) const override;
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = false) const override;
    std::string idToToken(int64_t id) const override;
    std::optional<int64_t> tokenToId(const std::string& token) const override;
    const SpecialTokens& specialTokens() const override { return specialIds_; }
    int64_t modelMaxLength() const override { return settings_.modelMaxLength; }

private:
    struct Added {
        AddedTokenSpec spec;
        std::u32string match; ///< what is looked for: the content, normalised when `normalized`
    };
    /// Added tokens by first character, longest first.
    struct Matcher {
        std::unordered_map<char32_t, std::vector<size_t>> byFirst;
        bool asciiFirst[128] = {}; ///< a quick "no token starts here" for ASCII characters
        bool empty() const { return byFirst.empty(); }
    };

    TokenizerJson();
    void addToken(AddedTokenSpec spec);
    void buildMatchers();
    void extract(hf::PreTokenized& splits, const Matcher& matcher) const;
    /// One text's tokens, without special tokens; Encoding::tokens hold the tokens' values.
    Encoding encodeSequence(const std::string& text, int64_t typeId) const;
    Encoding finish(std::vector<Encoding> encodings, bool addSpecialTokens) const;
    /// The token of `id`: an added token's content, else the model's; null when neither.
    const std::string* tokenOf(int64_t id) const;
    /// Encoding::tokens := the token of each id.
    void fixTokens(Encoding& e) const;

    SpecialTokenSettings settings_;
    std::unique_ptr<hf::Normalizer> normalizer_;
    std::unique_ptr<hf::PreTokenizer> preTokenizer_;
    std::unique_ptr<hf::Model> model_;
    std::unique_ptr<hf::PostProcessor> postProcessor_;
    std::unique_ptr<hf::Decoder> decoder_;

    std::vector<Added> added_;
    std::unordered_map<std::string, size_t> addedByContent_;
    std::unordered_map<int64_t, size_t> addedById_;
    std::vector<int32_t> addedIndex_; ///< id -> index into added_, or -1
    std::unordered_set<int64_t> specialAddedIds_;
    Matcher rawMatcher_;
    Matcher normalizedMatcher_;
    SpecialTokens specialIds_;
    int64_t vocabSize_ = 0;
    std::string unkToken_;
};

} // namespace lumen::engine
