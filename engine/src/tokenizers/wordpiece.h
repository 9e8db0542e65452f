// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// BERT's tokenizer (engine-internal): the reference's slow `BertTokenizer` (transformers
// 4.40) step by step, with offsets.
//
//   1. Lower-case the text outside special tokens (when do_lower_case), then split out the
//      added tokens ([CLS], [MASK], ...) with a longest-match search, honouring their
//      lstrip / rstrip / single_word flags.
//   2. Basic tokenizer on the rest: drop NUL, U+FFFD and C* characters, whitespace -> space,
//      spaces around CJK ideographs, NFC, split on whitespace, lower-case and strip accents
//      (NFD, drop Mn), split off punctuation.
//   3. WordPiece: greedy longest match first, "##" for continuations, [UNK] for a word that
//      cannot be covered or is longer than 100 characters.
//
// Every character carries the range of original code points it came from (unicode.h), so
// each token's offsets survive lower-casing, NFC/NFD and dropped characters.
//
// Speed: ASCII needs no ICU (no NFC, NFD or case-mapping call; an all-ASCII word is lowered
// in place), words are ranges of one buffer rather than vectors of their own, and WordPiece
// finds its longest match with one walk of a byte trie (vocab_trie.h) instead of a string
// lookup per candidate length. The results are the same as the step-by-step description.
//
// Encodings: `tokens` are the reference's convert_ids_to_tokens(ids); `specialMask` is 1 for
// the [CLS] / [SEP] put around the text and for special added tokens found in it ([MASK]),
// 0 for an [UNK] that WordPiece produced. Truncation keeps the first pieces
// ('longest_first'; for a pair, one piece at a time from the longer text).
// Thread safety: immutable after construction; every method is const and reentrant.

#include "lumen/engine/tokenizer.h"
#include "tokenizers/added_tokens.h"
#include "tokenizers/tokenizer_config.h"
#include "tokenizers/unicode.h"
#include "tokenizers/vocab_trie.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lumen::engine {

/// What tokenizer_config.json and special_tokens_map.json say, with BertTokenizer's defaults.
struct WordPieceSettings : SpecialTokenSettings {
    bool doLowerCase = true;
    std::optional<bool> stripAccents; ///< unset: follows doLowerCase
    bool tokenizeChineseChars = true;
    bool doBasicTokenize = true;
    std::vector<std::string> neverSplit;
    int64_t maxInputCharsPerWord = 100;

    WordPieceSettings();
};

class WordPieceTokenizer final : public Tokenizer {
public:
    /// `vocab` holds the lines of vocab.txt: line i is the token with id i.
    WordPieceTokenizer(std::vector<std::string> vocab, WordPieceSettings settings);

    /// Reads `<dir>/vocab.txt` and, when present, tokenizer_config.json,
    /// special_tokens_map.json and added_tokens.json. Throws lumen::Error naming the file.
    static std::unique_ptr<WordPieceTokenizer> fromFolder(const std::string& dir);
    /// Splits vocab.txt's text into tokens as Python's readlines() + rstrip("\n") does.
    static std::vector<std::string> parseVocab(const std::string& text);

    std::string kind() const override { return "wordpiece"; }
    /// the number of ids: vocab.txt's lines, plus added tokens beyond them
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

    const WordPieceSettings& settings() const { return settings_; }

private:
    struct Piece {
        int64_t id = 0;
        const std::string* token = nullptr; ///< the piece's string, owned by the tokenizer
        int64_t begin = 0;
        int64_t end = 0;
        bool special = false; ///< an added special token found in the text
    };
    /// Buffers reused across the words of one call, so a word costs no allocation.
    struct Scratch {
        unicode::MappedText cleaned;
        unicode::MappedText normalized;
        unicode::MappedText word;
        std::string bytes;
    };
    /// First code points of a set of strings: a word that starts with none of them cannot be
    /// in the set, and needs no UTF-8 string built to look it up.
    struct FirstChars {
        bool ascii[128] = {};
        std::vector<char32_t> other;
        void add(const std::string& utf8);
        bool mayStart(char32_t cp) const
        {
            return cp < 0x80 ? ascii[cp] : std::find(other.begin(), other.end(), cp) != other.end();
        }
    };

    std::vector<Piece> tokenizePieces(const std::string& text) const;
    void tokenizeSegment(
        const unicode::MappedText& segment, std::vector<Piece>& out, Scratch& scratch) const;
    void basicWord(const unicode::MappedChar* first, const unicode::MappedChar* last,
        std::vector<Piece>& out, Scratch& scratch) const;
    void basicToken(const unicode::MappedChar* first, const unicode::MappedChar* last,
        std::vector<Piece>& out, Scratch& scratch) const;
    void wordPiece(const unicode::MappedChar* first, const unicode::MappedChar* last,
        std::vector<Piece>& out, Scratch& scratch) const;
    bool inNeverSplitAll(const unicode::MappedChar* first, const unicode::MappedChar* last) const;
    void registerAdded(AddedTokenSpec spec);
    void buildPieceTrie();
    int64_t convertTokenToId(const std::string& token) const;

    WordPieceSettings settings_;
    std::unordered_map<std::string, int64_t> vocab_;        ///< vocab.txt (last line wins)
    std::unordered_map<std::string, int64_t> addedEncoder_; ///< added token content -> id
    std::vector<std::string> idToToken_;
    std::vector<AddedToken> added_;
    AddedTokenIndex addedIndex_;
    std::vector<std::u32string> protectedFromLowering_;
    std::unordered_set<std::string> neverSplitAll_; ///< never_split + all special tokens
    std::unordered_set<std::string> neverSplitConfig_;
    FirstChars neverSplitAllFirst_;
    FirstChars neverSplitConfigFirst_;
    std::unordered_set<int64_t> allSpecialIds_;
    std::unordered_set<std::string> legacyAdded_; ///< non-special added tokens (decode)
    std::string unkToken_;
    SpecialTokens specialIds_;
    /// Every vocab.txt entry: the trie's values index `pieces_` ({id, string}); the id is the
    /// added token's where one has the same content, as convert_tokens_to_ids gives.
    VocabTrie pieceTrie_;
    uint32_t continuationNode_ = VocabTrie::kNone; ///< the trie node after "##"
    std::vector<std::pair<int64_t, std::string>> pieces_;
};

} // namespace lumen::engine
