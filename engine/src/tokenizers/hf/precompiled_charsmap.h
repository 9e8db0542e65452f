// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// SentencePiece's compiled normalisation rules (engine-internal), as tokenizer.json's
// "Precompiled" normalizer carries them (base64 of the model's precompiled_charsmap): a
// Darts-clone double-array trie over UTF-8 keys whose values point into a blob of
// NUL-terminated replacement strings. Read as the reference reads it (spm_precompiled 0.1 and
// tokenizers' normalizers/precompiled.rs).
// Thread safety: immutable after construction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lumen::engine::hf {

class PrecompiledCharsmap {
public:
    /// Parses the binary charsmap: u32 trie size in bytes, the trie's u32 units, then the
    /// replacement strings. Throws lumen::Error (InvalidInput) naming `where`.
    PrecompiledCharsmap(std::string_view blob, const std::string& where);

    /// The replacement of `chunk` (UTF-8): the value of the first (shortest) prefix of the
    /// chunk the trie holds, or none (the reference's Precompiled::transform).
    std::optional<std::string_view> transform(std::string_view chunk) const;

private:
    std::vector<uint32_t> trie_;
    std::string normalized_;
};

/// Standard base64 (with padding) to bytes; throws lumen::Error naming `where`.
std::string decodeBase64(std::string_view text, const std::string& where);

} // namespace lumen::engine::hf
