// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Unicode helpers for the tokenizers (engine-internal), over ICU:
// - UTF-8 <-> code points;
// - Python-compatible character classes (`str.isspace`, `unicodedata.category`), because the
//   reference tokenizers are Python code and their splits follow Python's definitions;
// - lower-casing and normalisation of a MappedText, a code point sequence in which every
//   character remembers the range of original code points it came from, so tokens keep
//   their offsets through NFC/NFD, accent stripping and one-to-many case mappings.
// Thread safety: every function is reentrant (ICU's normalizer singletons are immutable).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lumen::engine::unicode {

/// A code point plus the [begin, end) range of original code points it stands for. Inserted
/// characters (a space BERT puts around a CJK ideograph) have an empty range.
struct MappedChar {
    char32_t cp = 0;
    int64_t begin = 0;
    int64_t end = 0;
};
using MappedText = std::vector<MappedChar>;

/// Decodes UTF-8. Each byte of an ill-formed sequence becomes one U+FFFD, so the result has
/// one element per code point of well-formed input.
std::u32string decodeUtf8(std::string_view text);
void appendUtf8(std::string& out, char32_t cp);
std::string encodeUtf8(std::u32string_view text);
std::string encodeUtf8(const MappedChar* first, const MappedChar* last);
inline std::string encodeUtf8(const MappedText& text)
{
    return encodeUtf8(text.data(), text.data() + text.size());
}
/// The length of the well-formed UTF-8 sequence at byte i, or 0 when it is ill-formed;
/// `prefix` gets the length of its maximal well-formed prefix (at least 1), as Unicode's
/// "maximal subpart" rule (Python's errors="replace", Rust's from_utf8_lossy) counts them.
size_t utf8SequenceAt(std::string_view bytes, size_t i, size_t& prefix);
/// Bytes read as UTF-8, each maximal ill-formed subsequence becoming one U+FFFD (Python's
/// bytes.decode("utf-8", errors="replace"), Rust's String::from_utf8_lossy).
std::string decodeUtf8Lossy(std::string_view bytes);
bool isValidUtf8(std::string_view bytes);
/// Character i of `text` stands for original code point [i, i + 1).
MappedText mapIdentity(std::u32string_view text);
/// mapIdentity(decodeUtf8(text)) in one pass.
MappedText decodeMapped(std::string_view text);

/// Python's two-letter `unicodedata.category` ("Lu", "Mn", "Cn", ...).
const char* generalCategory(char32_t cp);
/// Python's `str.isspace`: category Zs, or bidirectional class WS, B or S.
bool isPythonSpace(char32_t cp);
/// Category C* (Cc, Cf, Cs, Co, Cn).
bool isOtherCategory(char32_t cp);
/// Category P*.
bool isPunctuationCategory(char32_t cp);
/// Category Zs.
bool isSpaceSeparator(char32_t cp);
/// Category Mn.
bool isNonspacingMark(char32_t cp);

/// Python's `c.lower()` for one character (full mapping: U+0130 gives two characters). Every
/// output character gets the range [begin, end).
void appendLower(char32_t cp, int64_t begin, int64_t end, MappedText& out);
/// Lower-cases character by character (no final-sigma context, as a per-character
/// `re.sub(..., lambda m: m.group().lower())` does).
MappedText lowerEachChar(const MappedText& text);

enum class NormalForm { Nfc, Nfd, Nfkc, Nfkd };

/// Normalises `text`; an output character gets its input character's range, or, where
/// characters were composed or reordered, the range of the whole normalisation segment.
MappedText normalize(const MappedText& text, NormalForm form);
/// Unicode normalisation of UTF-8 text.
std::string normalizeUtf8(std::string_view text, NormalForm form);
/// NFD, then drops category Mn (BERT's `_run_strip_accents`).
MappedText stripAccents(const MappedText& text);

/// Python's `str.strip()` bounds: the first and one past the last non-space character.
std::pair<size_t, size_t> pythonStripBounds(const MappedText& text);

} // namespace lumen::engine::unicode
