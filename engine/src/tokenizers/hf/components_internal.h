// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Helpers the components_*.cpp files share (engine-internal).

#include "tokenizers/byte_level.h"
#include "tokenizers/hf/components.h"

#include <initializer_list>
#include <string>

namespace lumen::engine::hf {

using byte_level::byteChar;
using byte_level::byteOfChar;

/// `owner[key]`: {"String": literal} or {"Regex": pattern}.
Pattern readPattern(const JsonReader& owner, const char* key);

/// "A, B, C": the supported types, for messages.
std::string joinKnown(std::initializer_list<const char*> names);

/// The ByteLevel post-processor's offset trimming (process_offsets): leading and trailing
/// spaces of a token's value ("Ġ" or white space) are left out of its offsets.
void trimByteLevelOffsets(Encoding& encoding, bool addPrefixSpace);

} // namespace lumen::engine::hf
