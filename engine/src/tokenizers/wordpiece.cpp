// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/wordpiece.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/encoding_build.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <utility>

namespace lumen::engine {

using encoding_build::appendPieces;
using encoding_build::appendSpecial;
using encoding_build::requireRoom;
using encoding_build::requireSpecialId;
using encoding_build::truncateLongestFirst;

using unicode::MappedChar;
using unicode::MappedText;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tokenizer_config::badField;
using tokenizer_config::boolField;

// ---- BERT's character classes (transformers' tokenization_bert.py) ----

bool isBertWhitespace(char32_t c)
{
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        return true;
    }
    return c >= 0x80 && unicode::isSpaceSeparator(c);
}

bool isBertControl(char32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r') {
        return false;
    }
    return unicode::isOtherCategory(c);
}

bool isBertPunctuation(char32_t c)
{
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96)
        || (c >= 123 && c <= 126)) {
        return true;
    }
    return c >= 0x80 && unicode::isPunctuationCategory(c);
}

// The "CJK Unified Ideographs" blocks BERT splits; kana and hangul are not among them.
bool isBertChineseChar(char32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F)
        || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/// Splits on Python whitespace, appending the non-empty words of `text`.
void splitOnSpace(const MappedText& text, std::vector<MappedText>& words)
{
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && unicode::isPythonSpace(text[i].cp)) {
            ++i;
        }
        size_t j = i;
        while (j < text.size() && !unicode::isPythonSpace(text[j].cp)) {
            ++j;
        }
        if (j > i) {
            words.emplace_back(text.begin() + static_cast<std::ptrdiff_t>(i),
                               text.begin() + static_cast<std::ptrdiff_t>(j));
        }
        i = j;
    }
}

} // namespace

WordPieceSettings::WordPieceSettings()
{
    auto spec = [](const char* content) {
        AddedTokenSpec s;
        s.content = content;
        return std::optional<AddedTokenSpec>(s);
    };
    unk = spec("[UNK]");
    sep = spec("[SEP]");
    pad = spec("[PAD]");
    cls = spec("[CLS]");
    mask = spec("[MASK]");
}

// ---- construction ----

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceSettings settings)
    : settings_(std::move(settings))
    , idToToken_(std::move(vocab))
{
    unkToken_ = settings_.unk ? settings_.unk->content : std::string("[UNK]");
    vocab_.reserve(idToToken_.size());
    for (size_t i = 0; i < idToToken_.size(); ++i) {
        vocab_[idToToken_[i]] = static_cast<int64_t>(i);
    }
    for (size_t i = 0; i < idToToken_.size(); ++i) {
        const size_t length = unicode::decodeUtf8(idToToken_[i]).size();
        maxPieceChars_ = std::max(maxPieceChars_, length);
    }
    // A repeated line keeps the last id; the reference's ids_to_tokens has no entry for the
    // earlier ones, so they decode as the unknown token.
    for (size_t i = 0; i < idToToken_.size(); ++i) {
        if (vocab_.at(idToToken_[i]) != static_cast<int64_t>(i)) {
            idToToken_[i] = unkToken_;
        }
    }

    const std::vector<AddedTokenSpec> specials = registerAddedTokens(
        settings_, addedEncoder_, [this](AddedTokenSpec spec) { registerAdded(std::move(spec)); });

    // The trie: every added token, longest first for each first character.
    addedIndex_ = AddedTokenIndex(added_);
    // Lower-casing skips the special tokens and the normalized non-special added tokens.
    protectedFromLowering_ = protectedFromLowering(specials, added_);

    neverSplitConfig_.insert(settings_.neverSplit.begin(), settings_.neverSplit.end());
    neverSplitAll_ = neverSplitConfig_;
    std::unordered_set<std::string> specialNames;
    for (const AddedTokenSpec& spec : specials) {
        neverSplitAll_.insert(spec.content);
        specialNames.insert(spec.content);
        if (const auto id = tokenToId(spec.content)) {
            allSpecialIds_.insert(*id);
        }
    }
    for (const auto& [content, id] : addedEncoder_) {
        if (specialNames.count(content) == 0) {
            legacyAdded_.insert(content);
        }
    }
    for (const AddedTokenSpec& spec : settings_.additionalSpecial) {
        const auto id = tokenToId(spec.content);
        if (id && *id >= static_cast<int64_t>(vocab_.size())) {
            legacyAdded_.insert(spec.content);
        }
    }

    specialIds_ = specialTokenIds(
        settings_, [this](const std::string& token) { return tokenToId(token); });
}

void WordPieceTokenizer::registerAdded(AddedTokenSpec spec)
{
    if (spec.content.empty()) {
        return;
    }
    if (spec.id < 0) {
        if (const auto it = addedEncoder_.find(spec.content); it != addedEncoder_.end()) {
            spec.id = it->second;
        } else if (const auto v = vocab_.find(spec.content); v != vocab_.end()) {
            spec.id = v->second;
        } else {
            spec.id = static_cast<int64_t>(idToToken_.size());
        }
    }
    const auto id = static_cast<size_t>(spec.id);
    if (id >= idToToken_.size()) {
        idToToken_.resize(id + 1, unkToken_);
    }
    idToToken_[id] = spec.content;
    addedEncoder_[spec.content] = spec.id;
    AddedToken token;
    token.content = unicode::decodeUtf8(spec.content);
    token.spec = std::move(spec);
    // One trie entry per content; a later entry with the same content replaces it.
    const auto same = std::find_if(added_.begin(), added_.end(), [&token](const AddedToken& t) {
        return t.content == token.content;
    });
    if (same != added_.end()) {
        *same = std::move(token);
    } else {
        added_.push_back(std::move(token));
    }
}

std::vector<std::string> WordPieceTokenizer::parseVocab(const std::string& text)
{
    // Python's text mode: "\r\n", "\r" and "\n" all end a line.
    std::vector<std::string> lines;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\n' || c == '\r') {
            lines.emplace_back(text, start, i - start);
            i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            start = i;
        } else {
            ++i;
        }
    }
    if (start < text.size()) {
        lines.emplace_back(text, start, std::string::npos);
    }
    return lines;
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::fromFolder(const std::string& dir)
{
    const fs::path folder(dir);
    const fs::path vocabPath = folder / "vocab.txt";
    std::error_code error;
    if (!fs::is_regular_file(vocabPath, error)) {
        throw Error(ErrorKind::InvalidInput,
                    dir + " has no vocab.txt, which a WordPiece (BERT) tokenizer needs. "
                          "Copy the model's vocab.txt into the folder.");
    }
    std::vector<std::string> vocab = parseVocab(readTextFile(vocabPath.string()));
    if (vocab.empty()) {
        throw Error(ErrorKind::InvalidInput, vocabPath.string()
                                                 + " is empty; expected one token per line. "
                                                   "Replace it with the model's vocabulary.");
    }

    WordPieceSettings settings;
    const json config = tokenizer_config::readConfig(folder);
    const std::string path = (folder / "tokenizer_config.json").string();

    settings.doLowerCase = boolField(config, path, "do_lower_case", true);
    settings.doBasicTokenize = boolField(config, path, "do_basic_tokenize", true);
    settings.tokenizeChineseChars = boolField(config, path, "tokenize_chinese_chars", true);
    settings.cleanUpTokenizationSpaces =
        boolField(config, path, "clean_up_tokenization_spaces", true);
    if (config.contains("strip_accents") && !config["strip_accents"].is_null()) {
        settings.stripAccents = boolField(config, path, "strip_accents", false);
    }
    if (config.contains("never_split") && !config["never_split"].is_null()) {
        const json& list = config["never_split"];
        const auto isString = [](const json& v) { return v.is_string(); };
        if (!list.is_array() || !std::all_of(list.begin(), list.end(), isString)) {
            badField(path, "never_split", "null or a list of strings");
        }
        for (const json& item : list) {
            settings.neverSplit.push_back(item.get<std::string>());
        }
    }
    tokenizer_config::readModelMaxLength(config, path, settings);
    tokenizer_config::readSpecialTokens(config, path, settings);
    tokenizer_config::readSpecialTokensMap(folder, settings);
    tokenizer_config::readAddedTokens(config, path, folder, settings);
    return std::make_unique<WordPieceTokenizer>(std::move(vocab), std::move(settings));
}

// ---- tokenizing ----

std::vector<WordPieceTokenizer::Piece> WordPieceTokenizer::tokenizePieces(
    const std::string& text) const
{
    const MappedText chars = unicode::mapIdentity(unicode::decodeUtf8(text));
    const size_t n = chars.size();

    // 1. PreTrainedTokenizer.tokenize lower-cases everything but the special tokens, one
    //    character at a time (a regex `(special|...)|(.+?)`; "." skips "\n").
    const bool lower = settings_.doBasicTokenize && settings_.doLowerCase;
    const MappedText lowered = lower ? lowerOutside(chars, protectedFromLowering_) : chars;

    // 2. Split out the added tokens, leftmost longest match (the reference's Trie.split);
    // 3. their lstrip / rstrip / single_word flags act on their neighbours.
    const std::vector<AddedTokenSegment> segments = addedIndex_.split(lowered, added_);

    // 4. Added tokens stay whole; the text between them goes through BERT's tokenizer.
    std::vector<Piece> pieces;
    pieces.reserve(n / 3 + 4);
    for (const AddedTokenSegment& segment : segments) {
        if (segment.chars.empty()) {
            continue;
        }
        if (segment.added >= 0) {
            const AddedToken& token = added_[static_cast<size_t>(segment.added)];
            pieces.push_back({token.spec.id, token.spec.content, segment.chars.front().begin,
                              segment.chars.back().end, token.spec.special});
        } else {
            tokenizeSegment(segment.chars, pieces);
        }
    }
    return pieces;
}

void WordPieceTokenizer::tokenizeSegment(const MappedText& segment, std::vector<Piece>& out) const
{
    std::vector<MappedText> words;
    if (!settings_.doBasicTokenize) {
        splitOnSpace(segment, words);
        for (const MappedText& word : words) {
            wordPiece(word, out);
        }
        return;
    }

    // BasicTokenizer: clean, space out CJK ideographs, NFC, split on whitespace.
    MappedText cleaned;
    cleaned.reserve(segment.size());
    for (const MappedChar& c : segment) {
        if (c.cp == 0 || c.cp == 0xFFFD || isBertControl(c.cp)) {
            continue;
        }
        if (isBertWhitespace(c.cp)) {
            cleaned.push_back({U' ', c.begin, c.end});
        } else if (settings_.tokenizeChineseChars && isBertChineseChar(c.cp)) {
            cleaned.push_back({U' ', c.begin, c.begin});
            cleaned.push_back(c);
            cleaned.push_back({U' ', c.end, c.end});
        } else {
            cleaned.push_back(c);
        }
    }
    const MappedText normalized = unicode::normalize(cleaned, unicode::NormalForm::Nfc);
    splitOnSpace(normalized, words);
    for (MappedText& word : words) {
        basicWord(std::move(word), out);
    }
}

void WordPieceTokenizer::basicWord(MappedText word, std::vector<Piece>& out) const
{
    std::vector<MappedText> parts;
    if (neverSplitAll_.count(unicode::encodeUtf8(word)) > 0) {
        parts.push_back(std::move(word));
    } else {
        const bool strip = settings_.doLowerCase ? settings_.stripAccents.value_or(true)
                                                 : settings_.stripAccents.value_or(false);
        if (settings_.doLowerCase) {
            word = unicode::lowerEachChar(word);
        }
        if (strip) {
            word = unicode::stripAccents(word);
        }
        if (neverSplitAll_.count(unicode::encodeUtf8(word)) > 0) {
            parts.push_back(std::move(word));
        } else {
            // _run_split_on_punc: every punctuation character is a word of its own.
            bool startNew = true;
            for (const MappedChar& c : word) {
                if (isBertPunctuation(c.cp)) {
                    parts.push_back({c});
                    startNew = true;
                } else {
                    if (startNew) {
                        parts.emplace_back();
                    }
                    startNew = false;
                    parts.back().push_back(c);
                }
            }
        }
    }
    // The reference joins the parts with spaces and splits again: empty parts disappear.
    std::vector<MappedText> tokens;
    for (const MappedText& part : parts) {
        splitOnSpace(part, tokens);
    }
    for (const MappedText& token : tokens) {
        if (!neverSplitConfig_.empty()) {
            std::string text = unicode::encodeUtf8(token);
            if (neverSplitConfig_.count(text) > 0) {
                const int64_t id = convertTokenToId(text);
                out.push_back({id, std::move(text), token.front().begin, token.back().end, false});
                continue;
            }
        }
        wordPiece(token, out);
    }
}

void WordPieceTokenizer::wordPiece(const MappedText& word, std::vector<Piece>& out) const
{
    const size_t n = word.size();
    if (n == 0) {
        return;
    }
    const int64_t wordBegin = word.front().begin;
    const int64_t wordEnd = word.back().end;
    if (static_cast<int64_t>(n) > settings_.maxInputCharsPerWord) {
        out.push_back({convertTokenToId(unkToken_), unkToken_, wordBegin, wordEnd, false});
        return;
    }
    std::string bytes;
    std::vector<size_t> offsets(n + 1);
    for (size_t k = 0; k < n; ++k) {
        offsets[k] = bytes.size();
        unicode::appendUtf8(bytes, word[k].cp);
    }
    offsets[n] = bytes.size();

    const size_t firstPiece = out.size();
    std::string key;
    size_t start = 0;
    while (start < n) {
        // No vocabulary entry is longer than maxPieceChars_, so longer candidates can't match.
        size_t end = std::min(n, start + maxPieceChars_);
        const int64_t* found = nullptr;
        while (start < end) {
            key.assign(start > 0 ? "##" : "");
            key.append(bytes, offsets[start], offsets[end] - offsets[start]);
            if (const auto it = vocab_.find(key); it != vocab_.end()) {
                found = &it->second;
                break;
            }
            --end;
        }
        if (found == nullptr) {
            out.resize(firstPiece);
            out.push_back({convertTokenToId(unkToken_), unkToken_, wordBegin, wordEnd, false});
            return;
        }
        const auto added = addedEncoder_.find(key);
        const int64_t id = added != addedEncoder_.end() ? added->second : *found;
        out.push_back({id, key, word[start].begin, word[end - 1].end, false});
        start = end;
    }
}

int64_t WordPieceTokenizer::convertTokenToId(const std::string& token) const
{
    if (const auto id = tokenToId(token)) {
        return *id;
    }
    if (const auto unk = tokenToId(unkToken_)) {
        return *unk;
    }
    throw Error(ErrorKind::InvalidInput,
                "the token \"" + token + "\" is not in the vocabulary and the tokenizer has no "
                    "unknown token \"" + unkToken_ + "\"; add it to vocab.txt.");
}

std::vector<std::string> WordPieceTokenizer::tokenize(const std::string& text) const
{
    std::vector<Piece> pieces = tokenizePieces(text);
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (Piece& piece : pieces) {
        out.push_back(std::move(piece.token));
    }
    return out;
}

// ---- encoding ----

namespace {

const char* const kNeeder = "BERT-style inputs";

} // namespace

Encoding WordPieceTokenizer::encode(const std::string& text, const EncodeOptions& options) const
{
    std::vector<Piece> pieces = tokenizePieces(text);
    const int64_t specials = options.addSpecialTokens ? 2 : 0;
    Encoding encoding;
    if (options.maxLength > 0) {
        requireRoom(options.maxLength, specials, /*pair=*/false);
        const auto keep = static_cast<size_t>(options.maxLength - specials);
        if (pieces.size() > keep) {
            pieces.resize(keep);
            encoding.truncated = true;
        }
    }
    const size_t total = pieces.size() + static_cast<size_t>(specials);
    encoding_build::reserve(encoding, total);
    if (options.addSpecialTokens) {
        const int64_t cls = requireSpecialId(specialIds_.cls, "cls", kNeeder);
        const int64_t sep = requireSpecialId(specialIds_.sep, "sep", kNeeder);
        appendSpecial(encoding, *this, cls, 0);
        appendPieces(encoding, *this, pieces, 0);
        appendSpecial(encoding, *this, sep, 0);
    } else {
        appendPieces(encoding, *this, pieces, 0);
    }
    return encoding;
}

Encoding WordPieceTokenizer::encodePair(const std::string& text, const std::string& pair,
                                        const EncodeOptions& options) const
{
    std::vector<Piece> first = tokenizePieces(text);
    std::vector<Piece> second = tokenizePieces(pair);
    const int64_t specials = options.addSpecialTokens ? 3 : 0;
    Encoding encoding;
    if (options.maxLength > 0) {
        requireRoom(options.maxLength, specials, /*pair=*/true);
        // 'longest_first': one token at a time from the longer text, the second on a tie.
        const auto limit = static_cast<size_t>(options.maxLength - specials);
        encoding.truncated = truncateLongestFirst(first, second, limit);
    }
    if (options.addSpecialTokens) {
        const int64_t cls = requireSpecialId(specialIds_.cls, "cls", kNeeder);
        const int64_t sep = requireSpecialId(specialIds_.sep, "sep", kNeeder);
        appendSpecial(encoding, *this, cls, 0);
        appendPieces(encoding, *this, first, 0);
        appendSpecial(encoding, *this, sep, 0);
        appendPieces(encoding, *this, second, 1);
        appendSpecial(encoding, *this, sep, 1);
    } else {
        // Without special tokens the reference gives both texts type id 0.
        appendPieces(encoding, *this, first, 0);
        appendPieces(encoding, *this, second, 0);
    }
    return encoding;
}

// ---- decoding ----

std::string WordPieceTokenizer::idToToken(int64_t id) const
{
    return tokenAt(idToToken_, id, unkToken_);
}

std::optional<int64_t> WordPieceTokenizer::tokenToId(const std::string& token) const
{
    return findTokenId(addedEncoder_, vocab_, token);
}

std::string WordPieceTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const
{
    // PreTrainedTokenizer._decode: non-special added tokens stand apart; the rest is joined by
    // convert_tokens_to_string (spaces, " ##" removed, stripped).
    auto tokensToString = [](const std::vector<std::string>& tokens) {
        std::string joined;
        for (size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0) {
                joined.push_back(' ');
            }
            joined.append(tokens[i]);
        }
        return pythonStrip(replaceAll(joined, " ##", ""));
    };
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int64_t id : ids) {
        if (skipSpecial && allSpecialIds_.count(id) > 0) {
            continue;
        }
        tokens.push_back(tokenAt(idToToken_, id, unkToken_));
    }
    return joinDecoded(std::move(tokens), legacyAdded_, tokensToString, /*spaceBetween=*/true,
                       settings_.cleanUpTokenizationSpaces);
}

} // namespace lumen::engine
