// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What the WordPiece, BPE and SentencePiece tokenizers share when reading a Hugging Face
// tokenizer folder (engine-internal): tokenizer_config.json's special tokens, model_max_length
// and added_tokens_decoder, special_tokens_map.json, the older added_tokens.json, and the
// reference's string helpers used when decoding.
//
// Every reader throws lumen::Error (InvalidInput) naming the file and the key:
//   <file>: "<key>" must be <expected>. Fix the value or remove the key.

#include "lumen/engine/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lumen::engine {

/// One entry of tokenizer_config.json's `added_tokens_decoder`, or a special token.
struct AddedTokenSpec {
    std::string content;
    int64_t id = -1; ///< -1: take the vocabulary's id, or the next free one
    bool lstrip = false;
    bool rstrip = false;
    bool singleWord = false;
    bool normalized = false;
    bool special = true;
};

/// The settings every tokenizer reads the same way; each tokenizer's settings derive from it.
struct SpecialTokenSettings {
    bool cleanUpTokenizationSpaces = true;
    /// named special tokens in the reference's order; unset = none
    std::optional<AddedTokenSpec> bos, eos, unk, sep, pad, cls, mask;
    std::vector<AddedTokenSpec> additionalSpecial;
    std::vector<AddedTokenSpec> addedTokens; ///< added_tokens_decoder / added_tokens.json
    int64_t modelMaxLength = 0;              ///< 0: none
};

namespace tokenizer_config {

/// Throws the InvalidInput error for `key` of `path` not being `expected`.
[[noreturn]] void badField(const std::string& path, const std::string& key,
                           const std::string& expected);

/// `object[key]` as a bool; `fallback` when absent or null.
bool boolField(const nlohmann::json& object, const std::string& path, const char* key,
               bool fallback);

/// A special token given as a string or as {"content": ..., "lstrip": ...}; null -> none.
std::optional<AddedTokenSpec> tokenSpec(const nlohmann::json& value, const std::string& path,
                                        const std::string& key);

/// A list of tokenSpec()s; null -> empty.
std::vector<AddedTokenSpec> tokenSpecList(const nlohmann::json& value, const std::string& path,
                                          const std::string& key);

/// Reads a JSON file that must hold an object.
nlohmann::json readObject(const std::filesystem::path& file);

/// `<folder>/tokenizer_config.json` when present, else an empty object.
nlohmann::json readConfig(const std::filesystem::path& folder);

/// model_max_length into settings.modelMaxLength (int(1e30) and other huge values: 0).
void readModelMaxLength(const nlohmann::json& config, const std::string& path,
                        SpecialTokenSettings& settings);

/// The named special tokens (bos_token ... mask_token) and additional_special_tokens that
/// `object` holds, over those in `settings`. `robertaMask`: a plain-string mask_token gets
/// lstrip, as RobertaTokenizer does. Returns whether additional_special_tokens was given.
bool readSpecialTokens(const nlohmann::json& object, const std::string& path,
                       SpecialTokenSettings& settings, bool robertaMask = false);

/// readSpecialTokens() on `<folder>/special_tokens_map.json` when present, which overrides the
/// config (PreTrainedTokenizerBase._from_pretrained). Returns whether it gave
/// additional_special_tokens.
bool readSpecialTokensMap(const std::filesystem::path& folder, SpecialTokenSettings& settings,
                          bool robertaMask = false);

/// The config's added_tokens_decoder or, when it has none, `<folder>/added_tokens.json` (the
/// older {"content": id} layout; tokens that are not special get normalised, then `adjust`
/// sees each). Appends to settings.addedTokens; returns whether either was found.
bool readAddedTokens(const nlohmann::json& config, const std::string& path,
                     const std::filesystem::path& folder, SpecialTokenSettings& settings,
                     const std::function<void(AddedTokenSpec&)>& adjust = {});

} // namespace tokenizer_config

/// bos, eos, unk, sep, pad, cls, mask, then the additional ones, without repeats (the
/// reference's all_special_tokens).
std::vector<AddedTokenSpec> allSpecialTokens(const SpecialTokenSettings& settings);

/// PreTrainedTokenizer.__init__: registers settings.addedTokens, then every special token that
/// `addedEncoder` (which `registerAdded` fills) does not hold yet, as special with a fresh id.
/// Returns allSpecialTokens(settings).
std::vector<AddedTokenSpec> registerAddedTokens(
    const SpecialTokenSettings& settings,
    const std::unordered_map<std::string, int64_t>& addedEncoder,
    const std::function<void(AddedTokenSpec)>& registerAdded);

/// The token with `id` in `idToToken`, or `fallback` (the unknown token) outside it.
const std::string& tokenAt(const std::vector<std::string>& idToToken, int64_t id,
                           const std::string& fallback);

/// The id of `token`: the added tokens first, then the vocabulary; none when in neither.
std::optional<int64_t> findTokenId(const std::unordered_map<std::string, int64_t>& added,
                                   const std::unordered_map<std::string, int64_t>& vocab,
                                   const std::string& token);

/// The ids of the named special tokens, looked up with `tokenToId`.
SpecialTokens specialTokenIds(
    const SpecialTokenSettings& settings,
    const std::function<std::optional<int64_t>(const std::string&)>& tokenToId);

/// PreTrainedTokenizer._decode after convert_ids_to_tokens: the tokens in `legacyAdded`
/// (non-special added tokens) stand apart, each run of other tokens goes through
/// `tokensToString` (an empty result before a legacy token is dropped), the pieces are joined
/// with a space when `spaceBetween`, then clean_up_tokenization when `cleanUp`.
std::string joinDecoded(std::vector<std::string> tokens,
                        const std::unordered_set<std::string>& legacyAdded,
                        const std::function<std::string(std::vector<std::string>)>& tokensToString,
                        bool spaceBetween, bool cleanUp);

/// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replaceAll(const std::string& text, const std::string& from, const std::string& to);

/// Python's str.strip() on UTF-8 text.
std::string pythonStrip(const std::string& text);

/// The reference's clean_up_tokenization.
std::string cleanUpTokenization(std::string text);

} // namespace lumen::engine
