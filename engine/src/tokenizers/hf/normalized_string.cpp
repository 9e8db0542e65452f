// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/hf/normalized_string.h"

#include "tokenizers/oniguruma_regex.h"

#include <unicode/uchar.h>

#include <algorithm>

namespace lumen::engine::hf {

// ---- NormalizedString ----

NormalizedString NormalizedString::fromText(std::u32string_view text, int64_t shift)
{
    NormalizedString s;
    s.chars_ = unicode::mapIdentity(text);
    for (auto& c : s.chars_) {
        c.begin += shift;
        c.end += shift;
    }
    s.originalBegin_ = shift;
    s.originalEnd_ = shift + static_cast<int64_t>(text.size());
    return s;
}

NormalizedString NormalizedString::fromChars(
    unicode::MappedText chars, int64_t originalBegin, int64_t originalEnd)
{
    NormalizedString s;
    s.chars_ = std::move(chars);
    s.originalBegin_ = originalBegin;
    s.originalEnd_ = originalEnd;
    return s;
}

std::string NormalizedString::utf8() const
{
    std::string out;
    out.reserve(chars_.size());
    for (const auto& c : chars_) {
        if (c.cp < 0x80) {
            out.push_back(static_cast<char>(c.cp));
        } else {
            unicode::appendUtf8(out, c.cp);
        }
    }
    return out;
}

std::u32string NormalizedString::codePoints() const
{
    std::u32string out;
    out.reserve(chars_.size());
    for (const auto& c : chars_) {
        out.push_back(c.cp);
    }
    return out;
}

std::pair<int64_t, int64_t> NormalizedString::originalRange(size_t begin, size_t end) const
{
    if (begin >= end || begin >= chars_.size()) {
        const int64_t at = begin < chars_.size() ? chars_[begin].begin : originalEnd_;
        return { at, at };
    }
    end = std::min(end, chars_.size());
    return { chars_[begin].begin, chars_[end - 1].end };
}

void NormalizedString::transform(
    size_t begin, size_t end, const std::vector<CharChange>& changes, size_t initialOffset)
{
    end = std::min(end, chars_.size());
    begin = std::min(begin, end);
    unicode::MappedText out;
    out.reserve(changes.size());
    size_t pos = begin + initialOffset; // the next old character a change consumes
    for (const CharChange& change : changes) {
        unicode::MappedChar c;
        c.cp = change.cp;
        if (change.change > 0 || pos >= end) {
            // Inserted: the range of the old character before it (empty at the very start).
            if (pos == 0) {
                c.begin = c.end = originalBegin_;
            } else {
                const auto& previous = chars_[std::min(pos, chars_.size()) - 1];
                c.begin = previous.begin;
                c.end = previous.end;
            }
        } else {
            c.begin = chars_[pos].begin;
            c.end = chars_[pos].end;
            pos += 1 + static_cast<size_t>(change.change < 0 ? -change.change : 0);
        }
        out.push_back(c);
    }
    chars_.erase(chars_.begin() + static_cast<std::ptrdiff_t>(begin),
        chars_.begin() + static_cast<std::ptrdiff_t>(end));
    chars_.insert(chars_.begin() + static_cast<std::ptrdiff_t>(begin), out.begin(), out.end());
}

void NormalizedString::normalize(unicode::NormalForm form)
{
    chars_ = unicode::normalize(chars_, form);
}

void NormalizedString::filter(const std::function<bool(char32_t)>& keep)
{
    chars_.erase(std::remove_if(chars_.begin(), chars_.end(),
                     [&keep](const unicode::MappedChar& c) { return !keep(c.cp); }),
        chars_.end());
}

void NormalizedString::map(const std::function<char32_t(char32_t)>& f)
{
    for (auto& c : chars_) {
        c.cp = f(c.cp);
    }
}

void NormalizedString::prepend(std::u32string_view text)
{
    if (chars_.empty() || text.empty()) {
        return;
    }
    unicode::MappedText front;
    front.reserve(text.size());
    for (const char32_t cp : text) {
        front.push_back({ cp, chars_.front().begin, chars_.front().end });
    }
    chars_.insert(chars_.begin(), front.begin(), front.end());
}

void NormalizedString::append(std::u32string_view text)
{
    if (chars_.empty()) {
        return;
    }
    const unicode::MappedChar last = chars_.back();
    for (const char32_t cp : text) {
        chars_.push_back({ cp, last.begin, last.end });
    }
}

void NormalizedString::lowercase()
{
    bool ascii = true;
    for (auto& c : chars_) {
        if (c.cp >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) {
        for (auto& c : chars_) {
            if (c.cp >= 'A' && c.cp <= 'Z') {
                c.cp += 'a' - 'A';
            }
        }
        return;
    }
    unicode::MappedText out;
    out.reserve(chars_.size());
    for (const auto& c : chars_) {
        unicode::appendLower(c.cp, c.begin, c.end, out);
    }
    chars_ = std::move(out);
}

void NormalizedString::replace(
    const std::vector<PatternMatch>& matches, std::u32string_view content)
{
    if (std::none_of(
            matches.begin(), matches.end(), [](const PatternMatch& m) { return m.isMatch; })) {
        return;
    }
    // One pass, left to right: a replacement takes the range of the last character it
    // replaces (the reference's transform_range with every character inserted).
    unicode::MappedText out;
    out.reserve(chars_.size() + content.size());
    for (const PatternMatch& m : matches) {
        if (!m.isMatch) {
            out.insert(out.end(), chars_.begin() + static_cast<std::ptrdiff_t>(m.begin),
                chars_.begin() + static_cast<std::ptrdiff_t>(m.end));
            continue;
        }
        int64_t begin = originalBegin_;
        int64_t end = originalBegin_;
        if (m.end > 0) {
            begin = chars_[m.end - 1].begin;
            end = chars_[m.end - 1].end;
        }
        for (const char32_t cp : content) {
            out.push_back({ cp, begin, end });
        }
    }
    chars_ = std::move(out);
}

void NormalizedString::strip(bool left, bool right)
{
    size_t first = 0;
    size_t last = chars_.size();
    if (left) {
        while (first < last && isWhitespace(chars_[first].cp)) {
            ++first;
        }
    }
    if (right) {
        while (last > first && isWhitespace(chars_[last - 1].cp)) {
            --last;
        }
    }
    if (first == 0 && last == chars_.size()) {
        return;
    }
    chars_.erase(chars_.begin() + static_cast<std::ptrdiff_t>(last), chars_.end());
    chars_.erase(chars_.begin(), chars_.begin() + static_cast<std::ptrdiff_t>(first));
}

NormalizedString NormalizedString::slice(size_t begin, size_t end) const
{
    NormalizedString s;
    end = std::min(end, chars_.size());
    begin = std::min(begin, end);
    s.chars_.assign(chars_.begin() + static_cast<std::ptrdiff_t>(begin),
        chars_.begin() + static_cast<std::ptrdiff_t>(end));
    const auto [first, last] = originalRange(begin, end);
    s.originalBegin_ = first;
    s.originalEnd_ = last;
    return s;
}

std::vector<NormalizedString> NormalizedString::split(
    const std::vector<PatternMatch>& matches, SplitBehavior behavior) const
{
    // (range, remove) as the reference computes them.
    struct Piece {
        size_t begin;
        size_t end;
        bool remove;
    };
    std::vector<Piece> pieces;
    pieces.reserve(matches.size());
    switch (behavior) {
    case SplitBehavior::Isolated:
        for (const auto& m : matches) {
            pieces.push_back({ m.begin, m.end, false });
        }
        break;
    case SplitBehavior::Removed:
        for (const auto& m : matches) {
            pieces.push_back({ m.begin, m.end, m.isMatch });
        }
        break;
    case SplitBehavior::Contiguous: {
        bool previous = false;
        for (const auto& m : matches) {
            if (m.isMatch == previous && !pieces.empty()) {
                pieces.back().end = m.end;
            } else {
                pieces.push_back({ m.begin, m.end, false });
            }
            previous = m.isMatch;
        }
        break;
    }
    case SplitBehavior::MergedWithPrevious: {
        bool previous = false;
        for (const auto& m : matches) {
            if (m.isMatch && !previous && !pieces.empty()) {
                pieces.back().end = m.end;
            } else {
                pieces.push_back({ m.begin, m.end, false });
            }
            previous = m.isMatch;
        }
        break;
    }
    case SplitBehavior::MergedWithNext: {
        bool previous = false;
        for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
            if (it->isMatch && !previous && !pieces.empty()) {
                pieces.back().begin = it->begin;
            } else {
                pieces.push_back({ it->begin, it->end, false });
            }
            previous = it->isMatch;
        }
        std::reverse(pieces.begin(), pieces.end());
        break;
    }
    }
    std::vector<NormalizedString> out;
    out.reserve(pieces.size());
    for (const Piece& piece : pieces) {
        if (!piece.remove) {
            out.push_back(slice(piece.begin, piece.end));
        }
    }
    return out;
}

// ---- patterns ----

Pattern Pattern::literal(std::u32string text)
{
    Pattern p;
    p.literal_ = std::move(text);
    return p;
}

Pattern Pattern::regex(std::shared_ptr<const OnigurumaRegex> regex)
{
    Pattern p;
    p.regex_ = std::move(regex);
    return p;
}

Pattern Pattern::chars(std::function<bool(char32_t)> predicate)
{
    Pattern p;
    p.predicate_ = std::move(predicate);
    return p;
}

std::vector<PatternMatch> Pattern::find(const NormalizedString& s) const
{
    const size_t n = s.size();
    if (n == 0) {
        return { { 0, 0, false } };
    }
    std::vector<PatternMatch> out;
    size_t previous = 0;
    auto addMatch = [&out, &previous](size_t begin, size_t end) {
        if (previous < begin) {
            out.push_back({ previous, begin, false });
        }
        out.push_back({ begin, end, true });
        previous = end;
    };
    if (predicate_) {
        for (size_t i = 0; i < n; ++i) {
            if (predicate_(s.at(i))) {
                addMatch(i, i + 1);
            }
        }
    } else if (regex_) {
        // Byte offsets of the UTF-8 text -> character indices (the same for ASCII text).
        const std::string text = s.utf8();
        std::vector<size_t> charAt;
        if (text.size() != n) {
            charAt.reserve(text.size() + 1);
            for (size_t i = 0; i < n; ++i) {
                const char32_t cp = s.at(i);
                const size_t bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                charAt.insert(charAt.end(), bytes, i);
            }
            charAt.push_back(n);
        }
        auto charOf = [&charAt](size_t byte) { return charAt.empty() ? byte : charAt[byte]; };
        for (const auto& [begin, end] : regex_->findAll(text)) {
            addMatch(charOf(begin), charOf(end));
        }
    } else {
        if (literal_.empty()) {
            return { { 0, n, false } };
        }
        const size_t m = literal_.size();
        for (size_t i = 0; i + m <= n;) {
            bool same = true;
            for (size_t k = 0; k < m; ++k) {
                if (s.at(i + k) != literal_[k]) {
                    same = false;
                    break;
                }
            }
            if (same) {
                addMatch(i, i + m);
                i += m;
            } else {
                ++i;
            }
        }
    }
    if (previous < n) {
        out.push_back({ previous, n, false });
    }
    return out;
}

void invertMatches(std::vector<PatternMatch>& matches)
{
    for (auto& m : matches) {
        m.isMatch = !m.isMatch;
    }
}

void splitEach(
    PreTokenized& splits, const std::function<std::vector<NormalizedString>(NormalizedString&&)>& f)
{
    PreTokenized out;
    out.reserve(splits.size());
    for (Split& split : splits) {
        if (split.addedId >= 0) {
            out.push_back(std::move(split));
            continue;
        }
        for (NormalizedString& piece : f(std::move(split.text))) {
            if (!piece.empty()) {
                out.push_back({ std::move(piece), -1 });
            }
        }
    }
    splits = std::move(out);
}

// ---- character classes ----

bool isWhitespace(char32_t cp)
{
    if (cp < 0x80) {
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    }
    return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_WHITE_SPACE);
}

bool isAlphabetic(char32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    }
    return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_ALPHABETIC);
}

bool isNumeric(char32_t cp)
{
    if (cp < 0x80) {
        return cp >= '0' && cp <= '9';
    }
    const auto type = u_charType(static_cast<UChar32>(cp));
    return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

bool isWordChar(char32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
            || cp == '_';
    }
    if (isAlphabetic(cp)) {
        return true;
    }
    const auto type = u_charType(static_cast<UChar32>(cp));
    return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK
        || type == U_ENCLOSING_MARK || type == U_DECIMAL_DIGIT_NUMBER
        || type == U_CONNECTOR_PUNCTUATION
        || u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_JOIN_CONTROL);
}

bool isPunctuation(char32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96)
            || (cp >= 123 && cp <= 126);
    }
    switch (u_charType(static_cast<UChar32>(cp))) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
        return true;
    default:
        return false;
    }
}

bool isNonspacingMark(char32_t cp)
{
    return cp >= 0x300 && u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK;
}

bool isChineseChar(char32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool isOther(char32_t cp)
{
    switch (u_charType(static_cast<UChar32>(cp))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
        return true;
    default:
        return false;
    }
}

} // namespace lumen::engine::hf
