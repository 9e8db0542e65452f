// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// SentencePiece tokenizers (engine-internal) through libsentencepiece: the reference's slow
// AlbertTokenizer, T5Tokenizer and LlamaTokenizer (transformers 4.40) step by step, with
// offsets.
//
//   1. ALBERT only: lower-case the text outside special tokens (do_lower_case), one
//      character at a time.
//   2. T5 / LLaMA with legacy = false: "▁" in the text becomes " ", and "▁" is put in front
//      (add_prefix_space); the model's add_dummy_prefix is switched off, as the reference does.
//   3. Split out the added tokens ([MASK], <extra_id_0>, <s>, ...), leftmost longest match,
//      honouring their lstrip / rstrip / single_word flags.
//   4. Each stretch of text between them goes to SentencePiece; ALBERT first applies its
//      preprocess_text (strip, collapse whitespace, `` and '' -> ", NFKD without combining
//      marks, lower-case) and afterwards splits "▁12," into "▁12", ",". Legacy-free stretches
//      that start with a space are encoded behind the unknown token, which is then dropped
//      (the reference's trick to keep the leading "▁").
//
// Offsets: every character the SentencePiece input is built from remembers the range of
// original code points it came from (unicode::MappedText); SentencePiece reports each
// piece's byte range in its input, which maps back through that. A piece starting with "▁"
// covers the whitespace it stands for ("▁ca" in "The capital" is " ca", 3-6); a piece that
// stands only for an inserted character (the "▁" put in front of the text) gets an empty
// range where it was inserted; the byte-fallback pieces <0xNN> that spell one character all
// get that character's range; an accent ALBERT drops stays with its base letter. Special
// tokens added around the text get (0, 0).
//
// libsentencepiece is not linked but dlopen'ed in isolation (RTLD_DEEPBIND): it carries its
// own protobuf, which clashes with LibTorch's (sentencepiece.cpp explains).
//
// Encodings: `tokens` are the reference's convert_ids_to_tokens(ids). ALBERT: [CLS] A [SEP]
// (B [SEP]) with type ids 0 / 1; T5: A </s> (B </s>), type ids 0; LLaMA: <s> A (<s> B) as
// add_bos_token / add_eos_token say, type ids 0 / 1. Truncation keeps the first pieces
// ('longest_first' for pairs), maxLength counting the special tokens.
// Thread safety: immutable after construction; every method is const and reentrant
// (SentencePieceProcessor's encode and decode are const).

#include "lumen/engine/tokenizer.h"
#include "tokenizers/unicode.h"
#include "tokenizers/added_tokens.h"
#include "tokenizers/tokenizer_config.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace lumen::engine {

/// Destroys a processor of the dlopen'ed libsentencepiece (see sentencepiece.cpp).
struct SentencePieceProcessorDeleter {
    void operator()(sentencepiece::SentencePieceProcessor* processor) const;
};

enum class SentencePieceFlavor { Albert, T5, Llama };

/// What tokenizer_config.json and special_tokens_map.json say, with the reference class's
/// defaults for the flavour.
struct SentencePieceSettings : SpecialTokenSettings {
    SentencePieceFlavor flavor = SentencePieceFlavor::T5;
    bool doLowerCase = false; ///< ALBERT
    bool removeSpace = true; ///< ALBERT
    bool keepAccents = false; ///< ALBERT
    bool legacy = true; ///< T5, LLaMA: the reference's default when unset
    bool addPrefixSpace = true;
    bool addBosToken = false;
    bool addEosToken = false;
    bool spacesBetweenSpecialTokens = true;

    /// The reference class's defaults: AlbertTokenizer, T5Tokenizer or LlamaTokenizer.
    static SentencePieceSettings defaults(SentencePieceFlavor flavor);
};

class SentencePieceTokenizer final : public Tokenizer {
public:
    /// `modelProto` is the content of the .model file.
    SentencePieceTokenizer(const std::string& modelProto, SentencePieceSettings settings,
        const std::string& modelPath = "the SentencePiece model");
    ~SentencePieceTokenizer() override;

    /// Reads `<dir>/spiece.model` or `<dir>/tokenizer.model` and, when present,
    /// tokenizer_config.json, special_tokens_map.json and added_tokens.json. Throws
    /// lumen::Error naming the file.
    static std::unique_ptr<SentencePieceTokenizer> fromFolder(
        const std::string& dir, SentencePieceFlavor flavor);
    /// The flavour of a reference tokenizer class ("AlbertTokenizer", "T5TokenizerFast",
    /// "LlamaTokenizer", ...), or nothing for another class.
    static std::optional<SentencePieceFlavor> flavorOfClass(const std::string& tokenizerClass);

    std::string kind() const override { return "sentencepiece"; }
    /// SentencePiece's pieces plus added tokens beyond them
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

    const SentencePieceSettings& settings() const { return settings_; }

private:
    struct Piece {
        int64_t id = 0;
        std::string token;
        int64_t begin = 0;
        int64_t end = 0;
        bool special = false; ///< an added special token found in the text
    };
    std::vector<Piece> tokenizePieces(const std::string& text) const;
    void encodeSegment(const unicode::MappedText& segment, std::vector<Piece>& out) const;
    /// Encodes `input`, dropping its first `skipPieces` pieces (the unknown-token prefix).
    void encodeWithSentencePiece(
        const unicode::MappedText& input, size_t skipPieces, std::vector<Piece>& out) const;
    unicode::MappedText albertPreprocess(const unicode::MappedText& text) const;
    void registerAdded(AddedTokenSpec spec);
    int64_t pieceToId(const std::string& piece) const;
    std::string decodePieces(const std::vector<std::string>& pieces) const;
    std::string tokensToString(std::vector<std::string> tokens) const;
    std::vector<int64_t> specialsBefore() const;
    std::vector<int64_t> specialsAfter() const;
    Encoding assemble(
        const std::vector<Piece>& first, const std::vector<Piece>* second, bool addSpecial) const;

    SentencePieceSettings settings_;
    std::unique_ptr<sentencepiece::SentencePieceProcessor, SentencePieceProcessorDeleter> sp_;
    int64_t pieceCount_ = 0;
    int64_t vocabSize_ = 0;
    int64_t unkId_ = 0;
    size_t unkTokenLength_ = 0; ///< pieces SentencePiece makes of the unknown token's text
    std::unordered_map<std::string, int64_t> addedEncoder_;
    std::unordered_map<int64_t, std::string> addedDecoder_;
    std::vector<AddedToken> added_;
    AddedTokenIndex addedIndex_;
    std::vector<std::u32string> protectedFromLowering_;
    std::unordered_set<std::string> allSpecialTokens_;
    std::unordered_set<int64_t> allSpecialIds_;
    std::unordered_set<std::string> legacyAdded_; ///< stand apart when decoding
    SpecialTokens specialIds_;
};

} // namespace lumen::engine
