// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The text a tokenizer.json pipeline works on (engine-internal): the reference's
// NormalizedString and PreTokenizedString (tokenizers 0.19, src/tokenizer/normalizer.rs and
// pre_tokenizer.rs), counted in characters instead of bytes.
//
// A NormalizedString holds the normalised characters, each with the [begin, end) range of
// original code points it stands for (unicode::MappedChar), so every token keeps its offsets
// through normalisation, splitting and the byte-level mapping. transform() follows the
// reference's alignment rules: a replacing character takes the range of the character it
// replaces; an inserted one takes the range of the old character before it (or an empty range
// at the start).
// Thread safety: plain values.

#include "tokenizers/unicode.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lumen::engine {
class OnigurumaRegex;
}

namespace lumen::engine::hf {

/// One character of a transform: 0 replaces the next old character, 1 is inserted, -n
/// replaces the next old character and removes the n old characters after it.
struct CharChange {
    char32_t cp = 0;
    int change = 0;
};

/// [begin, end) normalised characters, and whether they are a match of the pattern. A list of
/// these covers a string from start to end.
struct PatternMatch {
    size_t begin = 0;
    size_t end = 0;
    bool isMatch = false;
};

/// What split() does with the matches (the reference's SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class NormalizedString {
public:
    NormalizedString() = default;
    /// `text` unchanged; character i stands for original code point `shift + i`.
    static NormalizedString fromText(std::u32string_view text, int64_t shift = 0);

    const unicode::MappedText& chars() const { return chars_; }
    size_t size() const { return chars_.size(); }
    bool empty() const { return chars_.empty(); }
    char32_t at(size_t i) const { return chars_[i].cp; }
    std::string utf8() const;
    std::u32string codePoints() const;
    /// The original code points this string stands for.
    int64_t originalBegin() const { return originalBegin_; }
    int64_t originalEnd() const { return originalEnd_; }
    /// The original code points of normalised characters [begin, end).
    std::pair<int64_t, int64_t> originalRange(size_t begin, size_t end) const;

    /// Replaces characters [begin, end) by `changes`; the first `initialOffset` old characters
    /// of the range are removed before the first change (the reference's transform_range).
    void transform(
        size_t begin, size_t end, const std::vector<CharChange>& changes, size_t initialOffset);
    void transform(const std::vector<CharChange>& changes, size_t initialOffset)
    {
        transform(0, chars_.size(), changes, initialOffset);
    }
    /// A string of `chars` (each already carrying its original range) standing for original
    /// code points [originalBegin, originalEnd).
    static NormalizedString fromChars(
        unicode::MappedText chars, int64_t originalBegin, int64_t originalEnd);
    /// Replaces the characters (each already carrying its original range).
    void assignChars(unicode::MappedText chars) { chars_ = std::move(chars); }
    /// Unicode normalisation (ICU; composed characters take their segment's range).
    void normalize(unicode::NormalForm form);
    void filter(const std::function<bool(char32_t)>& keep);
    void map(const std::function<char32_t(char32_t)>& f);
    /// Puts `text` in front; its characters take the range of the first character. Nothing
    /// happens to an empty string.
    void prepend(std::u32string_view text);
    /// Appends `text`; its characters take the range of the last character.
    void append(std::u32string_view text);
    /// Rust's char::to_lowercase, one character at a time.
    void lowercase();
    /// Replaces every match by `content` (its characters take the range of the match's last
    /// character).
    void replace(const std::vector<PatternMatch>& matches, std::u32string_view content);
    /// Removes Unicode white space at the left and/or the right.
    void strip(bool left, bool right);

    NormalizedString slice(size_t begin, size_t end) const;
    /// The pieces `matches` (a cover of the string) make under `behavior`.
    std::vector<NormalizedString> split(
        const std::vector<PatternMatch>& matches, SplitBehavior behavior) const;

private:
    unicode::MappedText chars_;
    int64_t originalBegin_ = 0;
    int64_t originalEnd_ = 0;
};

/// What split() and replace() look for: one character class, a literal string or a regular
/// expression (the reference's Pattern implementations).
class Pattern {
public:
    static Pattern literal(std::u32string text);
    static Pattern regex(std::shared_ptr<const OnigurumaRegex> regex);
    static Pattern chars(std::function<bool(char32_t)> predicate);

    /// The cover of `s`: matches and the text between them, left to right, non-overlapping.
    std::vector<PatternMatch> find(const NormalizedString& s) const;

private:
    std::u32string literal_;
    std::shared_ptr<const OnigurumaRegex> regex_;
    std::function<bool(char32_t)> predicate_;
};

/// Swaps matches and the text between them (Split's `invert`).
void invertMatches(std::vector<PatternMatch>& matches);

/// One piece of a pre-tokenized string: text, or an added token found in the input.
struct Split {
    NormalizedString text;
    int64_t addedId = -1; ///< the added token's id, or -1 for text still to tokenize
};

/// The reference's PreTokenizedString: splits in input order.
using PreTokenized = std::vector<Split>;

/// Replaces every text split by what `f` makes of it; empty results are dropped.
void splitEach(PreTokenized& splits,
    const std::function<std::vector<NormalizedString>(NormalizedString&&)>& f);

// Character classes as the reference (Rust) defines them.
/// char::is_whitespace: the Unicode White_Space property.
bool isWhitespace(char32_t cp);
/// char::is_alphabetic: the Alphabetic property.
bool isAlphabetic(char32_t cp);
/// char::is_numeric: categories Nd, Nl, No.
bool isNumeric(char32_t cp);
/// The regex crate's \w: Alphabetic, M*, Nd, Pc, Join_Control.
bool isWordChar(char32_t cp);
/// ASCII punctuation or category P* (the reference's is_punc / is_bert_punc).
bool isPunctuation(char32_t cp);
/// Category Mn.
bool isNonspacingMark(char32_t cp);
/// The CJK ideograph blocks BERT puts spaces around.
bool isChineseChar(char32_t cp);
/// Categories Cc, Cf, Cn, Co, Cs (the reference's is_other).
bool isOther(char32_t cp);

} // namespace lumen::engine::hf
