// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/gpt2_pattern.h"

#include "tokenizers/oniguruma_regex.h"
#include "tokenizers/unicode.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>

namespace lumen::engine::gpt2 {

namespace {

constexpr uint8_t kKnown = 0x80;
constexpr char32_t kCodePoints = 0x110000;

/// One byte per code point, 0 until asked (1.1 MB of zero pages that stay untouched until
/// text uses them).
std::atomic<uint8_t>* memo()
{
    static const std::unique_ptr<std::atomic<uint8_t>[]> table(
        new std::atomic<uint8_t>[kCodePoints]());
    return table.get();
}

uint8_t askOniguruma(char32_t cp)
{
    static const OnigurumaRegex space(R"(\s)");
    static const OnigurumaRegex letter(R"(\p{L})");
    static const OnigurumaRegex number(R"(\p{N})");
    std::string text;
    unicode::appendUtf8(text, cp);
    uint8_t out = kKnown;
    const auto whole = static_cast<long>(text.size());
    if (space.matchAt(text, 0) == whole) {
        out |= kSpace;
    }
    if (letter.matchAt(text, 0) == whole) {
        out |= kLetter;
    }
    if (number.matchAt(text, 0) == whole) {
        out |= kNumber;
    }
    return out;
}

} // namespace

uint8_t charClass(char32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
            return kLetter;
        }
        if (cp >= '0' && cp <= '9') {
            return kNumber;
        }
        return (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) ? kSpace : 0;
    }
    if (cp >= kCodePoints || (cp >= 0xD800 && cp < 0xE000)) {
        return 0;
    }
    std::atomic<uint8_t>& slot = memo()[cp];
    uint8_t known = slot.load(std::memory_order_relaxed);
    if (known == 0) {
        known = askOniguruma(cp);
        slot.store(known, std::memory_order_relaxed);
    }
    return static_cast<uint8_t>(known & ~kKnown);
}

void piecesOfUtf8(std::string_view text, std::vector<std::pair<size_t, size_t>>& out)
{
    thread_local std::u32string chars;
    thread_local std::vector<size_t> byteAt;
    chars.clear();
    byteAt.clear();
    size_t i = 0;
    while (i < text.size()) {
        size_t prefix = 1;
        const size_t length = std::max<size_t>(1, unicode::utf8SequenceAt(text, i, prefix));
        byteAt.push_back(i);
        const auto* s = reinterpret_cast<const unsigned char*>(text.data() + i);
        char32_t cp = s[0];
        if (length == 2) {
            cp = (char32_t(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        } else if (length == 3) {
            cp = (char32_t(s[0] & 0x0F) << 12) | (char32_t(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        } else if (length == 4) {
            cp = (char32_t(s[0] & 0x07) << 18) | (char32_t(s[1] & 0x3F) << 12)
                | (char32_t(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        }
        chars.push_back(cp);
        i += length;
    }
    byteAt.push_back(text.size());
    const size_t first = out.size();
    pieces([](size_t k) { return chars[k]; }, chars.size(), out);
    for (size_t k = first; k < out.size(); ++k) {
        out[k] = { byteAt[out[k].first], byteAt[out[k].second] };
    }
}

} // namespace lumen::engine::gpt2
