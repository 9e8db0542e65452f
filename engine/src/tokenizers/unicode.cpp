// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/unicode.h"

#include "lumen/engine/error.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>

namespace lumen::engine::unicode {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

const icu::Normalizer2& normalizer(NormalForm form)
{
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* result = nullptr;
    switch (form) {
    case NormalForm::Nfc:
        result = icu::Normalizer2::getNFCInstance(status);
        break;
    case NormalForm::Nfd:
        result = icu::Normalizer2::getNFDInstance(status);
        break;
    case NormalForm::Nfkc:
        result = icu::Normalizer2::getNFKCInstance(status);
        break;
    case NormalForm::Nfkd:
        result = icu::Normalizer2::getNFKDInstance(status);
        break;
    }
    if (U_FAILURE(status) || result == nullptr) {
        throw Error(ErrorKind::Internal, std::string("ICU normaliser unavailable: ")
                                             + u_errorName(status)
                                             + ". Check that the ICU data library is installed.");
    }
    return *result;
}

void appendUString(const icu::UnicodeString& s, int64_t begin, int64_t end, MappedText& out)
{
    for (int32_t i = 0; i < s.length();) {
        const UChar32 c = s.char32At(i);
        out.push_back({static_cast<char32_t>(c), begin, end});
        i += U16_LENGTH(c);
    }
}

/// Decodes UTF-8, calling `emit(cp)` for each code point (U+FFFD for each byte of an
/// ill-formed sequence).
template<typename Emit> void forEachCodePoint(std::string_view text, Emit&& emit)
{
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char b0 = s[i];
        if (b0 < 0x80) {
            emit(static_cast<char32_t>(b0));
            ++i;
            continue;
        }
        size_t length = 0;
        char32_t cp = 0;
        char32_t minimum = 0;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
            cp = b0 & 0x1F;
            minimum = 0x80;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            cp = b0 & 0x0F;
            minimum = 0x800;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            cp = b0 & 0x07;
            minimum = 0x10000;
        }
        bool ok = length > 0 && i + length <= n;
        for (size_t k = 1; ok && k < length; ++k) {
            const unsigned char b = s[i + k];
            if ((b & 0xC0) != 0x80) {
                ok = false;
            } else {
                cp = (cp << 6) | (b & 0x3F);
            }
        }
        ok = ok && cp >= minimum && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (ok) {
            emit(cp);
            i += length;
        } else {
            emit(kReplacement);
            ++i;
        }
    }
}

} // namespace

std::u32string decodeUtf8(std::string_view text)
{
    std::u32string out;
    out.reserve(text.size());
    forEachCodePoint(text, [&out](char32_t cp) { out.push_back(cp); });
    return out;
}

MappedText decodeMapped(std::string_view text)
{
    // At most one character per byte: written in place, then cut to size.
    MappedText out(text.size());
    MappedChar* next = out.data();
    int64_t index = 0;
    forEachCodePoint(text, [&next, &index](char32_t cp) {
        *next++ = { cp, index, index + 1 };
        ++index;
    });
    out.resize(static_cast<size_t>(index));
    return out;
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encodeUtf8(std::u32string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char32_t cp : text) {
        appendUtf8(out, cp);
    }
    return out;
}

std::string encodeUtf8(const MappedChar* first, const MappedChar* last)
{
    std::string out;
    out.reserve(static_cast<size_t>(last - first));
    for (const MappedChar* c = first; c != last; ++c) {
        appendUtf8(out, c->cp);
    }
    return out;
}

size_t utf8SequenceAt(std::string_view bytes, size_t i, size_t& prefix)
{
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    const unsigned char c = s[i];
    prefix = 1;
    if (c < 0x80) {
        return 1;
    }
    size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        low = c == 0xE0 ? 0xA0 : 0x80;
        high = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        low = c == 0xF0 ? 0x90 : 0x80;
        high = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    for (size_t k = 1; k < length; ++k) {
        if (i + k >= n) {
            return 0;
        }
        const unsigned char b = s[i + k];
        const unsigned char lo = k == 1 ? low : 0x80;
        const unsigned char hi = k == 1 ? high : 0xBF;
        if (b < lo || b > hi) {
            return 0;
        }
        prefix = k + 1;
    }
    return length;
}

std::string decodeUtf8Lossy(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    size_t i = 0;
    while (i < bytes.size()) {
        size_t prefix = 1;
        const size_t length = utf8SequenceAt(bytes, i, prefix);
        if (length > 0) {
            out.append(bytes.data() + i, length);
            i += length;
        } else {
            out.append("\xEF\xBF\xBD");
            i += prefix;
        }
    }
    return out;
}

bool isValidUtf8(std::string_view bytes)
{
    size_t i = 0;
    while (i < bytes.size()) {
        if (static_cast<unsigned char>(bytes[i]) < 0x80) {
            ++i;
            continue;
        }
        size_t prefix = 1;
        const size_t length = utf8SequenceAt(bytes, i, prefix);
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

MappedText mapIdentity(std::u32string_view text)
{
    MappedText out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto index = static_cast<int64_t>(i);
        out.push_back({text[i], index, index + 1});
    }
    return out;
}

const char* generalCategory(char32_t cp)
{
    switch (u_charType(static_cast<UChar32>(cp))) {
    case U_UPPERCASE_LETTER:
        return "Lu";
    case U_LOWERCASE_LETTER:
        return "Ll";
    case U_TITLECASE_LETTER:
        return "Lt";
    case U_MODIFIER_LETTER:
        return "Lm";
    case U_OTHER_LETTER:
        return "Lo";
    case U_NON_SPACING_MARK:
        return "Mn";
    case U_ENCLOSING_MARK:
        return "Me";
    case U_COMBINING_SPACING_MARK:
        return "Mc";
    case U_DECIMAL_DIGIT_NUMBER:
        return "Nd";
    case U_LETTER_NUMBER:
        return "Nl";
    case U_OTHER_NUMBER:
        return "No";
    case U_SPACE_SEPARATOR:
        return "Zs";
    case U_LINE_SEPARATOR:
        return "Zl";
    case U_PARAGRAPH_SEPARATOR:
        return "Zp";
    case U_CONTROL_CHAR:
        return "Cc";
    case U_FORMAT_CHAR:
        return "Cf";
    case U_PRIVATE_USE_CHAR:
        return "Co";
    case U_SURROGATE:
        return "Cs";
    case U_DASH_PUNCTUATION:
        return "Pd";
    case U_START_PUNCTUATION:
        return "Ps";
    case U_END_PUNCTUATION:
        return "Pe";
    case U_CONNECTOR_PUNCTUATION:
        return "Pc";
    case U_OTHER_PUNCTUATION:
        return "Po";
    case U_MATH_SYMBOL:
        return "Sm";
    case U_CURRENCY_SYMBOL:
        return "Sc";
    case U_MODIFIER_SYMBOL:
        return "Sk";
    case U_OTHER_SYMBOL:
        return "So";
    case U_INITIAL_PUNCTUATION:
        return "Pi";
    case U_FINAL_PUNCTUATION:
        return "Pf";
    default:
        return "Cn";
    }
}

bool isPythonSpace(char32_t cp)
{
    if (cp < 0x80) {
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    }
    const auto c = static_cast<UChar32>(cp);
    if (u_charType(c) == U_SPACE_SEPARATOR) {
        return true;
    }
    const UCharDirection direction = u_charDirection(c);
    return direction == U_WHITE_SPACE_NEUTRAL || direction == U_BLOCK_SEPARATOR
        || direction == U_SEGMENT_SEPARATOR;
}

bool isOtherCategory(char32_t cp)
{
    if (cp < 0x80) {
        return cp < 0x20 || cp == 0x7F;
    }
    switch (u_charType(static_cast<UChar32>(cp))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
    case U_UNASSIGNED:
        return true;
    default:
        return false;
    }
}

bool isPunctuationCategory(char32_t cp)
{
    switch (u_charType(static_cast<UChar32>(cp))) {
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
        return true;
    default:
        return false;
    }
}

bool isSpaceSeparator(char32_t cp)
{
    return u_charType(static_cast<UChar32>(cp)) == U_SPACE_SEPARATOR;
}

bool isNonspacingMark(char32_t cp)
{
    return cp >= 0x300 && u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK;
}

void appendLower(char32_t cp, int64_t begin, int64_t end, MappedText& out)
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            cp += 'a' - 'A';
        }
        out.push_back({cp, begin, end});
        return;
    }
    // Full case mapping with the root locale, as Python's str.lower (U+0130 -> i + U+0307).
    UChar source[2];
    int32_t sourceLength = 0;
    U16_APPEND_UNSAFE(source, sourceLength, static_cast<UChar32>(cp));
    UChar lowered[8];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t length = u_strToLower(lowered, 8, source, sourceLength, "", &status);
    if (U_FAILURE(status) || length > 8) {
        out.push_back({cp, begin, end});
        return;
    }
    for (int32_t i = 0; i < length;) {
        UChar32 c = 0;
        U16_NEXT(lowered, i, length, c);
        out.push_back({static_cast<char32_t>(c), begin, end});
    }
}

MappedText lowerEachChar(const MappedText& text)
{
    MappedText out;
    out.reserve(text.size());
    for (const MappedChar& c : text) {
        appendLower(c.cp, c.begin, c.end, out);
    }
    return out;
}

MappedText normalize(const MappedText& text, NormalForm form)
{
    const icu::Normalizer2& norm = normalizer(form);
    MappedText out;
    out.reserve(text.size());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        // ASCII followed by ASCII is a segment of its own and normalises to itself: copied a
        // run at a time.
        size_t run = i;
        while (run + 1 < n && text[run].cp < 0x80 && text[run + 1].cp < 0x80) {
            ++run;
        }
        if (run > i) {
            out.insert(out.end(), text.begin() + static_cast<std::ptrdiff_t>(i),
                text.begin() + static_cast<std::ptrdiff_t>(run));
            i = run;
        }
        // A segment runs up to the next character that has a normalisation boundary before
        // it; normalising segment by segment equals normalising the whole text.
        size_t j = i + 1;
        // (ASCII has a boundary before it in every form; asking ICU costs a virtual call.)
        while (j < n && text[j].cp >= 0x80
            && !norm.hasBoundaryBefore(static_cast<UChar32>(text[j].cp))) {
            ++j;
        }
        if (j == i + 1 && (text[i].cp < 0xA0 || norm.isInert(static_cast<UChar32>(text[i].cp)))) {
            out.push_back(text[i]);
            i = j;
            continue;
        }
        icu::UnicodeString segment;
        for (size_t k = i; k < j; ++k) {
            segment.append(static_cast<UChar32>(text[k].cp));
        }
        UErrorCode status = U_ZERO_ERROR;
        const icu::UnicodeString result = norm.normalize(segment, status);
        if (U_FAILURE(status)) {
            throw Error(ErrorKind::Internal,
                        std::string("ICU normalisation failed: ") + u_errorName(status));
        }
        if (j == i + 1) {
            appendUString(result, text[i].begin, text[i].end, out);
        } else if (result == segment) {
            out.insert(out.end(), text.begin() + static_cast<std::ptrdiff_t>(i),
                       text.begin() + static_cast<std::ptrdiff_t>(j));
        } else {
            // Composed or reordered: every output character stands for the whole segment.
            int64_t begin = text[i].begin;
            int64_t end = text[i].end;
            bool any = false;
            for (size_t k = i; k < j; ++k) {
                if (text[k].begin == text[k].end) {
                    continue;
                }
                begin = any ? std::min(begin, text[k].begin) : text[k].begin;
                end = any ? std::max(end, text[k].end) : text[k].end;
                any = true;
            }
            appendUString(result, begin, end, out);
        }
        i = j;
    }
    return out;
}

std::string normalizeUtf8(std::string_view text, NormalForm form)
{
    const MappedText normalized = normalize(mapIdentity(decodeUtf8(text)), form);
    return encodeUtf8(normalized);
}

MappedText stripAccents(const MappedText& text)
{
    MappedText decomposed = normalize(text, NormalForm::Nfd);
    decomposed.erase(std::remove_if(decomposed.begin(), decomposed.end(),
                                    [](const MappedChar& c) { return isNonspacingMark(c.cp); }),
                     decomposed.end());
    return decomposed;
}

std::pair<size_t, size_t> pythonStripBounds(const MappedText& text)
{
    size_t first = 0;
    size_t last = text.size();
    while (first < last && isPythonSpace(text[first].cp)) {
        ++first;
    }
    while (last > first && isPythonSpace(text[last - 1].cp)) {
        --last;
    }
    return {first, last};
}

} // namespace lumen::engine::unicode
