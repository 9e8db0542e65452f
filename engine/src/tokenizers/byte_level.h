// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The byte-level alphabet (engine-internal): GPT-2's bytes_to_unicode, which byte-level BPE
// vocabularies are written in. Printable bytes stand for themselves; the others are moved to
// U+0100 and up, in byte order (space -> "Ġ", newline -> "Ċ", tab -> "ĉ").
// Thread safety: the tables are built once, immutable.

#include <cstdint>

namespace lumen::engine::byte_level {

/// The character byte `b` stands for.
char32_t byteChar(uint8_t b);
/// The byte character `c` stands for, or -1 when it is not a byte character.
int byteOfChar(char32_t c);

} // namespace lumen::engine::byte_level
