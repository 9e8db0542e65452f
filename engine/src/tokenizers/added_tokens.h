// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Splitting text on added tokens (engine-internal), as the reference's slow tokenizers do in
// PreTrainedTokenizer.tokenize, shared by the WordPiece and SentencePiece tokenizers:
//
//   1. lowerOutside: lower-case one character at a time, skipping the protected tokens.
//   2. AddedTokenIndex::split: leftmost longest match of the added tokens (Trie.split), then
//      their lstrip / rstrip / single_word flags act on the neighbouring text.
//
// Every character keeps the range of original code points it came from (unicode.h).

#include "tokenizers/tokenizer_config.h"
#include "tokenizers/unicode.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace lumen::engine {

/// An added token with its content decoded to code points.
struct AddedToken {
    AddedTokenSpec spec;
    std::u32string content;
};

/// A stretch of text, or one added token found in it.
struct AddedTokenSegment {
    unicode::MappedText chars;
    int64_t added = -1; ///< index into the added tokens, or -1 for text
};

/// The added tokens by first character, longest first.
class AddedTokenIndex {
public:
    AddedTokenIndex() = default;
    explicit AddedTokenIndex(const std::vector<AddedToken>& tokens);

    /// `text` cut at `tokens` (the ones this index was built from), their lstrip / rstrip /
    /// single_word flags applied (a stripped or merged segment becomes text; segments may
    /// end up empty).
    /// (`text` by value: a text without added tokens moves into its one segment.)
    std::vector<AddedTokenSegment> split(
        unicode::MappedText text, const std::vector<AddedToken>& tokens) const;

private:
    std::unordered_map<char32_t, std::vector<size_t>> byFirstChar_;
    bool asciiFirst_[128] = {}; ///< an added token starts with this ASCII character
    bool otherFirst_ = false; ///< some added token starts with a non-ASCII character
};

/// Lower-cases `chars` one character at a time ("\n" left alone), except where one of
/// `protectedTokens` starts (the first in the list that matches is kept as is).
unicode::MappedText lowerOutside(const unicode::MappedText& chars,
                                 const std::vector<std::u32string>& protectedTokens);

/// What lower-casing must skip: the special tokens, and the normalized non-special added
/// tokens.
std::vector<std::u32string> protectedFromLowering(const std::vector<AddedTokenSpec>& specials,
                                                  const std::vector<AddedToken>& added);

} // namespace lumen::engine
