// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/hf/precompiled_charsmap.h"

#include "lumen/engine/error.h"

#include <cstring>

namespace lumen::engine::hf {

namespace {

// Darts-clone's unit layout.
bool hasLeaf(uint32_t unit)
{
    return ((unit >> 8) & 1) == 1;
}
uint32_t value(uint32_t unit)
{
    return unit & ((1U << 31) - 1);
}
uint32_t label(uint32_t unit)
{
    return unit & ((1U << 31) | 0xFF);
}
uint32_t offset(uint32_t unit)
{
    return (unit >> 10) << ((unit & (1U << 9)) >> 6);
}

[[noreturn]] void malformed(const std::string& where, const std::string& what)
{
    throw Error(ErrorKind::InvalidInput,
        where + ": the precompiled_charsmap is malformed (" + what
            + "). Replace tokenizer.json with the model's original file.");
}

} // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view blob, const std::string& where)
{
    if (blob.size() < 4) {
        malformed(where, "shorter than its 4-byte header");
    }
    uint32_t trieBytes = 0;
    for (int i = 3; i >= 0; --i) {
        trieBytes = (trieBytes << 8) | static_cast<unsigned char>(blob[static_cast<size_t>(i)]);
    }
    if (trieBytes % 4 != 0 || trieBytes > blob.size() - 4 || trieBytes == 0) {
        malformed(where,
            "its trie size " + std::to_string(trieBytes) + " does not fit the "
                + std::to_string(blob.size()) + " bytes");
    }
    trie_.resize(trieBytes / 4);
    for (size_t i = 0; i < trie_.size(); ++i) {
        const auto* p = reinterpret_cast<const unsigned char*>(blob.data() + 4 + 4 * i);
        trie_[i] = uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16)
            | (uint32_t(p[3]) << 24);
    }
    normalized_.assign(blob.substr(4 + trieBytes));
}

std::optional<std::string_view> PrecompiledCharsmap::transform(std::string_view chunk) const
{
    size_t node = 0;
    uint32_t unit = trie_[node];
    node ^= offset(unit);
    for (const char ch : chunk) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == 0) {
            break;
        }
        node ^= c;
        if (node >= trie_.size()) {
            return std::nullopt;
        }
        unit = trie_[node];
        if (label(unit) != c) {
            return std::nullopt;
        }
        node ^= offset(unit);
        if (node >= trie_.size()) {
            return std::nullopt;
        }
        if (hasLeaf(unit)) {
            const size_t at = value(trie_[node]);
            if (at >= normalized_.size()) {
                return std::nullopt;
            }
            const size_t stop = normalized_.find('\0', at);
            return std::string_view(normalized_)
                .substr(at, (stop == std::string::npos ? normalized_.size() : stop) - at);
        }
    }
    return std::nullopt;
}

std::string decodeBase64(std::string_view text, const std::string& where)
{
    auto digit = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '+') {
            return 62;
        }
        if (c == '/') {
            return 63;
        }
        return -1;
    };
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t bits = 0;
    int count = 0;
    size_t i = 0;
    for (; i < text.size() && text[i] != '='; ++i) {
        const int d = digit(text[i]);
        if (d < 0) {
            throw Error(ErrorKind::InvalidInput,
                where + ": not base64 (character " + std::to_string(i + 1)
                    + " is not one of A-Z a-z 0-9 + /). Replace tokenizer.json with the "
                      "model's original file.");
        }
        bits = (bits << 6) | static_cast<uint32_t>(d);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

} // namespace lumen::engine::hf
