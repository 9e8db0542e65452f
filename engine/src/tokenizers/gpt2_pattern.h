// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// GPT-2's pre-tokenizer pattern as a hand-written scanner (engine-internal):
//
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// gives exactly the pieces Oniguruma's leftmost-first search of that pattern gives (the
// reference runs it through Oniguruma), at a fraction of the cost: every character is in one
// piece, pieces come in order. The character classes are Oniguruma's own (its \s, \p{L} and
// \p{N}, asked once per character and remembered), so characters newer than one Unicode
// library knows are classed as the reference classes them.
// Thread safety: reentrant; the class memo is a table of atomics.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace lumen::engine::gpt2 {

enum CharClass : uint8_t { kSpace = 1, kLetter = 2, kNumber = 4 };

/// Oniguruma's \s / \p{L} / \p{N} membership of `cp`, as CharClass bits.
uint8_t charClass(char32_t cp);

/// The length (at least 1) of the pattern's match at `i` of the `n` characters `at(k)` gives.
template<typename CharAt> size_t matchLength(const CharAt& at, size_t i, size_t n)
{
    const char32_t c = at(i);
    // 's 't 're 've 'm 'll 'd
    if (c == U'\'' && i + 1 < n) {
        const char32_t d = at(i + 1);
        if (d == U's' || d == U't' || d == U'm' || d == U'd') {
            return 2;
        }
        if (i + 2 < n) {
            const char32_t e = at(i + 2);
            if ((d == U'r' && e == U'e') || (d == U'v' && e == U'e') || (d == U'l' && e == U'l')) {
                return 3;
            }
        }
    }
    auto run = [&at, n](size_t from, auto&& member) {
        size_t j = from;
        while (j < n && member(charClass(at(j)))) {
            ++j;
        }
        return j;
    };
    const uint8_t here = charClass(c);
    const bool space = c == U' ';
    const uint8_t next = (space && i + 1 < n) ? charClass(at(i + 1)) : 0;
    auto isOther = [](uint8_t k) { return (k & (kSpace | kLetter | kNumber)) == 0; };
    //  ?\p{L}+
    if ((here & kLetter) || (space && i + 1 < n && (next & kLetter))) {
        return run((here & kLetter) ? i : i + 1, [](uint8_t k) { return (k & kLetter) != 0; }) - i;
    }
    //  ?\p{N}+
    if ((here & kNumber) || (space && i + 1 < n && (next & kNumber))) {
        return run((here & kNumber) ? i : i + 1, [](uint8_t k) { return (k & kNumber) != 0; }) - i;
    }
    //  ?[^\s\p{L}\p{N}]+
    if (isOther(here) || (space && i + 1 < n && isOther(next))) {
        return run(isOther(here) ? i : i + 1, isOther) - i;
    }
    // \s+(?!\S) | \s+ : a run of white space, less its last character when a non-space
    // follows (that one goes with the next piece), unless the run is one character.
    const size_t end = run(i, [](uint8_t k) { return (k & kSpace) != 0; });
    if (end == n || end - i == 1) {
        return end - i;
    }
    return end - i - 1;
}

/// Every piece of characters [0, n), as [begin, end) character ranges.
template<typename CharAt>
void pieces(const CharAt& at, size_t n, std::vector<std::pair<size_t, size_t>>& out)
{
    for (size_t i = 0; i < n;) {
        const size_t length = matchLength(at, i, n);
        out.emplace_back(i, i + length);
        i += length;
    }
}

/// Every piece of valid UTF-8 `text`, as [begin, end) byte ranges.
void piecesOfUtf8(std::string_view text, std::vector<std::pair<size_t, size_t>>& out);

} // namespace lumen::engine::gpt2
