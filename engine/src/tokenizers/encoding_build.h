// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Building an Encoding from a tokenizer's pieces (engine-internal), shared by the WordPiece,
// BPE and SentencePiece tokenizers: special tokens, pieces, and truncation ('longest_first').
// A piece is any struct with `id`, `begin`, `end` and `special` members.

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lumen::engine::encoding_build {

/// Throws when `maxLength` (> 0) cannot hold the `specials` special tokens.
inline void requireRoom(int64_t maxLength, int64_t specials, bool pair)
{
    if (maxLength > 0 && maxLength < specials) {
        throw Error(ErrorKind::InvalidInput,
                    "maximum length " + std::to_string(maxLength) + " cannot hold the "
                        + std::to_string(specials) + " special tokens"
                        + (pair ? " of a text pair" : "") + "; use a larger maximum length.");
    }
}

/// The special token's id, or an error naming `<name>_token`; `needer` says what needs it.
inline int64_t requireSpecialId(const std::optional<int64_t>& id, const char* name,
                                const char* needer = "its inputs")
{
    if (!id) {
        throw Error(ErrorKind::InvalidInput,
                    std::string("this tokenizer has no ") + name + " token, which " + needer
                        + " need. Set " + name
                        + "_token in tokenizer_config.json or encode without special tokens.");
    }
    return *id;
}

inline void reserve(Encoding& encoding, size_t total)
{
    encoding.ids.reserve(total);
    encoding.tokens.reserve(total);
    encoding.offsets.reserve(total);
    encoding.typeIds.reserve(total);
    encoding.specialMask.reserve(total);
}

/// A special token put around the text: offsets (0, 0), special mask 1.
inline void appendSpecial(Encoding& encoding, const Tokenizer& tokenizer, int64_t id,
                          int64_t typeId)
{
    encoding.ids.push_back(id);
    encoding.tokens.push_back(tokenizer.idToToken(id));
    encoding.offsets.emplace_back(0, 0);
    encoding.typeIds.push_back(typeId);
    encoding.specialMask.push_back(1);
}

template<typename Piece>
void appendPieces(Encoding& encoding, const Tokenizer& tokenizer,
                  const std::vector<Piece>& pieces, int64_t typeId)
{
    for (const Piece& piece : pieces) {
        encoding.ids.push_back(piece.id);
        encoding.tokens.push_back(tokenizer.idToToken(piece.id));
        encoding.offsets.emplace_back(piece.begin, piece.end);
        encoding.typeIds.push_back(typeId);
        encoding.specialMask.push_back(piece.special ? 1 : 0);
    }
}

/// 'longest_first': one piece at a time from the longer text, the second on a tie, until
/// both fit in `limit`. Returns whether anything was cut.
template<typename Piece>
bool truncateLongestFirst(std::vector<Piece>& first, std::vector<Piece>& second, size_t limit)
{
    bool truncated = false;
    while (first.size() + second.size() > limit) {
        if (first.size() > second.size()) {
            first.pop_back();
        } else {
            second.pop_back();
        }
        truncated = true;
    }
    return truncated;
}

} // namespace lumen::engine::encoding_build
