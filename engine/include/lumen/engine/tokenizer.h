// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Tokenizers: text -> ids, tokens and each token's character offsets.
//
//   auto tok = loadTokenizer("/path/to/model");        // reads tokenizer_config.json etc.
//   Encoding e = tok->encode("The capital of France is [MASK].");
//   std::string text = tok->decode(e.ids, /*skipSpecial=*/true);
//
// Offsets are [start, end) in Unicode code points of the original text; special tokens
// added around the text get (0, 0), as in the reference implementation.
// Thread safety: a loaded Tokenizer is immutable; encode/decode may run on any thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lumen::engine {

struct Encoding {
    std::vector<int64_t> ids;
    std::vector<std::string> tokens;
    std::vector<std::pair<int64_t, int64_t>> offsets; ///< code points of the input
    std::vector<int64_t> typeIds;                     ///< segment (token type) ids
    std::vector<uint8_t> specialMask;                 ///< 1 where the token is special
    bool truncated = false;

    size_t size() const { return ids.size(); }
};

struct EncodeOptions {
    bool addSpecialTokens = true;
    /// 0 = no truncation; otherwise cut to this many tokens (specials included)
    int64_t maxLength = 0;
};

struct SpecialTokens {
    std::optional<int64_t> pad, unk, cls, sep, mask, bos, eos;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    virtual std::string kind() const = 0; ///< "wordpiece", "bpe", ...
    virtual int64_t vocabSize() const = 0;
    /// pieces without special tokens (the reference's `tokenize`)
    virtual std::vector<std::string> tokenize(const std::string& text) const = 0;
    virtual Encoding encode(const std::string& text, const EncodeOptions& options = {}) const = 0;
    virtual Encoding encodePair(const std::string& text, const std::string& pair,
                                const EncodeOptions& options = {}) const = 0;
    virtual std::string decode(const std::vector<int64_t>& ids, bool skipSpecial = false) const = 0;
    virtual std::string idToToken(int64_t id) const = 0;
    virtual std::optional<int64_t> tokenToId(const std::string& token) const = 0;
    virtual const SpecialTokens& specialTokens() const = 0;
    /// tokenizer_config.json's model_max_length (0 when absent or huge)
    virtual int64_t modelMaxLength() const = 0;
};

/// Loads the tokenizer of a Hugging Face model folder. Throws lumen::Error when the folder
/// has no tokenizer files Lumen understands.
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& modelDir);

} // namespace lumen::engine
