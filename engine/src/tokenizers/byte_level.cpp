// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/byte_level.h"

#include <array>

namespace lumen::engine::byte_level {

namespace {

struct Tables {
    std::array<char32_t, 256> toChar {};
    std::array<int16_t, 512> toByte {}; ///< every byte character is below U+0200
    Tables()
    {
        toByte.fill(-1);
        bool printable[256] = {};
        for (int b = '!'; b <= '~'; ++b) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; ++b) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; ++b) {
            printable[b] = true;
        }
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            toChar[static_cast<size_t>(b)] = printable[b] ? static_cast<char32_t>(b) : next++;
            toByte[toChar[static_cast<size_t>(b)]] = static_cast<int16_t>(b);
        }
    }
};

const Tables& tables()
{
    static const Tables t;
    return t;
}

} // namespace

char32_t byteChar(uint8_t b)
{
    return tables().toChar[b];
}

int byteOfChar(char32_t c)
{
    return c < 512 ? tables().toByte[c] : -1;
}

} // namespace lumen::engine::byte_level
