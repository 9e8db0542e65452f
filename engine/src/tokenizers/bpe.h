// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Byte-level BPE (engine-internal): the reference's slow `GPT2Tokenizer` and
// `RobertaTokenizer` (transformers 4.40) step by step, with offsets.
//
//   1. add_prefix_space: a space goes in front of text that does not start with whitespace.
//   2. Added tokens (<s>, <mask>, <|endoftext|>, ...) are split out, leftmost longest match,
//      with their lstrip / rstrip / single_word flags acting on the neighbouring text.
//   3. The text between them is cut by GPT-2's pattern
//        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//      (Oniguruma's semantics, scanned by tokenizers/gpt2_pattern.h), each piece's bytes are mapped to printable
//      characters (bytes_to_unicode: space -> "Ġ", newline -> "Ċ", tab -> "ĉ"), and merged
//      by merges.txt's ranks (lowest rank first, every occurrence left to right, as the
//      reference's `bpe()` does). Results are cached per piece.
//   4. RoBERTa: <s> A </s> and <s> A </s></s> B </s>, type ids all 0. GPT-2: nothing, or
//      <|endoftext|> in front when add_bos_token.
//
// Offsets: [begin, end) in code points of the original text. A token gets the code points
// whose UTF-8 bytes it covers, whole: a token holding only part of a multi-byte character
// (an emoji split into "ĠðŁ", "į", "ķ") spans that character, so neighbouring tokens of one
// character share its span. The space add_prefix_space inserts belongs to no character
// (a lone "Ġ" made of it gets (0, 0)).
//
// Decoding maps the characters back to bytes and reads them as UTF-8, each maximal invalid
// subsequence becoming U+FFFD (Python's errors="replace").
// Thread safety: encode/decode may run on several threads; the merge cache is locked.

#include "lumen/engine/tokenizer.h"
#include "tokenizers/tokenizer_config.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lumen::engine {

/// What tokenizer_config.json and special_tokens_map.json say, over the class's defaults.
struct BpeSettings : SpecialTokenSettings {
    enum class Flavor { Gpt2, Roberta };
    Flavor flavor = Flavor::Gpt2;
    bool addPrefixSpace = false;
    bool addBosToken = false; ///< GPT2Tokenizer's add_bos_token

    /// GPT2Tokenizer's or RobertaTokenizer's defaults.
    static BpeSettings defaults(Flavor flavor);
};

class BpeTokenizer final : public Tokenizer {
public:
    /// `vocab`: vocab.json's token -> id; `merges`: merges.txt's pairs, rank = position.
    BpeTokenizer(std::unordered_map<std::string, int64_t> vocab,
                 const std::vector<std::pair<std::string, std::string>>& merges,
                 BpeSettings settings);
    ~BpeTokenizer() override;

    /// Reads `<dir>/vocab.json` and `merges.txt` and, when present, tokenizer_config.json,
    /// special_tokens_map.json and added_tokens.json. Throws lumen::Error naming the file.
    static std::unique_ptr<BpeTokenizer> fromFolder(const std::string& dir,
                                                    BpeSettings::Flavor flavor);
    /// merges.txt as the reference reads it: the first line and the text after the last
    /// newline are dropped; lines that are not two space-separated symbols never match.
    static std::vector<std::pair<std::string, std::string>> parseMerges(const std::string& text);

    std::string kind() const override { return "bpe"; }
    int64_t vocabSize() const override { return static_cast<int64_t>(idToToken_.size()); }
    std::vector<std::string> tokenize(const std::string& text) const override;
    Encoding encode(const std::string& text, const EncodeOptions& options = {}) const override;
    Encoding encodePair(const std::string& text, const std::string& pair,
                        const EncodeOptions& options = {}) const override;
    std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = false) const override;
    std::string idToToken(int64_t id) const override;
    std::optional<int64_t> tokenToId(const std::string& token) const override;
    const SpecialTokens& specialTokens() const override { return specialIds_; }
    int64_t modelMaxLength() const override { return settings_.modelMaxLength; }

    const BpeSettings& settings() const { return settings_; }

private:
    struct Piece { // kept small: a megabyte of text makes half a million of them
        int32_t id = 0;
        int32_t symbol = -1; ///< index into symbols_, or -(1 + index into added_)
        int32_t begin = 0;
        int32_t end = 0;
        bool special = false;
    };
    struct AddedToken {
        AddedTokenSpec spec;
    };
    struct MergeRule {
        int32_t rank = 0;
        int32_t result = 0;
    };

    /// The pieces of `text`, stopping once `limit` pieces are made (those are final: the
    /// added tokens are split out of the whole text first).
    std::vector<Piece> tokenizePieces(const std::string& text, size_t limit = SIZE_MAX) const;
    void bpeWord(std::string_view word, std::vector<int32_t>& out) const;
    void mergeWord(std::string_view word, std::vector<int32_t>& out) const;
    int32_t intern(const std::string& symbol);
    void registerAdded(AddedTokenSpec spec);
    std::string pieceToken(const Piece& piece) const;
    void appendPrefix(Encoding& encoding, int64_t typeId, bool second) const;
    void appendSuffix(Encoding& encoding, int64_t typeId, bool second) const;
    int64_t specialCount(bool pair) const;

    BpeSettings settings_;
    std::unordered_map<std::string, int64_t> vocab_;        ///< vocab.json
    std::unordered_map<std::string, int64_t> addedEncoder_; ///< added token content -> id
    std::vector<std::string> idToToken_;
    std::vector<AddedToken> added_;
    std::vector<std::vector<int32_t>> addedByFirstByte_; ///< 256 lists, longest first
    std::unordered_set<int64_t> allSpecialIds_;
    std::unordered_set<std::string> legacyAdded_; ///< non-special added tokens (decode)
    std::string unkToken_;
    int64_t vocabJsonSize_ = 0;
    SpecialTokens specialIds_;

    // BPE symbols: the 256 byte characters and every merge result, interned.
    std::vector<std::string> symbols_;
    std::vector<int64_t> symbolIds_;   ///< the id each symbol encodes to (-1: none, no unk)
    std::vector<int32_t> symbolBytes_; ///< how many input bytes a symbol stands for
    std::unordered_map<std::string, int32_t> symbolIndex_;
    int32_t byteSymbol_[256] = {};
    std::unordered_map<uint64_t, MergeRule> merges_; ///< (left << 32 | right) -> rule

    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

} // namespace lumen::engine
