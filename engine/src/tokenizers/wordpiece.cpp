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

    for (const std::string& token : neverSplitAll_) {
        neverSplitAllFirst_.add(token);
    }
    for (const std::string& token : neverSplitConfig_) {
        neverSplitConfigFirst_.add(token);
    }
    buildPieceTrie();
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

void WordPieceTokenizer::FirstChars::add(const std::string& utf8)
{
    const std::u32string chars = unicode::decodeUtf8(utf8);
    if (chars.empty()) {
        return; // an empty string matches no word
    }
    const char32_t first = chars.front();
    if (first < 0x80) {
        ascii[first] = true;
    } else if (std::find(other.begin(), other.end(), first) == other.end()) {
        other.push_back(first);
    }
}

void WordPieceTokenizer::buildPieceTrie()
{
    std::vector<std::pair<std::string, int32_t>> entries;
    entries.reserve(vocab_.size());
    pieces_.reserve(vocab_.size());
    for (const auto& [token, vocabId] : vocab_) {
        const auto added = addedEncoder_.find(token);
        const int64_t id = added != addedEncoder_.end() ? added->second : vocabId;
        entries.emplace_back(token, static_cast<int32_t>(pieces_.size()));
        pieces_.emplace_back(id, token);
    }
    pieceTrie_ = VocabTrie(entries);
    continuationNode_ = pieceTrie_.walk(VocabTrie::kRoot, "##");
}

std::vector<WordPieceTokenizer::Piece> WordPieceTokenizer::tokenizePieces(
    const std::string& text) const
{
    MappedText chars = unicode::decodeMapped(text);
    const size_t n = chars.size();

    // 1. PreTrainedTokenizer.tokenize lower-cases everything but the special tokens, one
    //    character at a time (a regex `(special|...)|(.+?)`; "." skips "\n").
    const bool lower = settings_.doBasicTokenize && settings_.doLowerCase;
    if (lower) {
        chars = lowerOutside(chars, protectedFromLowering_);
    }

    // 2. Split out the added tokens, leftmost longest match (the reference's Trie.split);
    // 3. their lstrip / rstrip / single_word flags act on their neighbours.
    const std::vector<AddedTokenSegment> segments = addedIndex_.split(std::move(chars), added_);

    // 4. Added tokens stay whole; the text between them goes through BERT's tokenizer.
    std::vector<Piece> pieces;
    pieces.reserve(n / 3 + 4);
    Scratch scratch;
    for (const AddedTokenSegment& segment : segments) {
        if (segment.chars.empty()) {
            continue;
        }
        if (segment.added >= 0) {
            const AddedToken& token = added_[static_cast<size_t>(segment.added)];
            pieces.push_back({ token.spec.id, &token.spec.content, segment.chars.front().begin,
                segment.chars.back().end, token.spec.special });
        } else {
            tokenizeSegment(segment.chars, pieces, scratch);
        }
    }
    return pieces;
}

namespace {

bool isSpace(char32_t cp)
{
    // unicode::isPythonSpace, with the ASCII test inline: it runs once per character.
    if (cp < 0x80) {
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    }
    return unicode::isPythonSpace(cp);
}

/// Calls `word(first, last)` for each run of non-space characters of [first, last).
template<typename F> void forEachWord(const MappedChar* first, const MappedChar* last, F&& word)
{
    const MappedChar* c = first;
    while (c != last) {
        while (c != last && isSpace(c->cp)) {
            ++c;
        }
        const MappedChar* start = c;
        while (c != last && !isSpace(c->cp)) {
            ++c;
        }
        if (c != start) {
            word(start, c);
        }
    }
}

} // namespace

void WordPieceTokenizer::tokenizeSegment(
    const MappedText& segment, std::vector<Piece>& out, Scratch& scratch) const
{
    const MappedChar* begin = segment.data();
    const MappedChar* end = begin + segment.size();
    if (!settings_.doBasicTokenize) {
        forEachWord(begin, end, [&](const MappedChar* first, const MappedChar* last) {
            wordPiece(first, last, out, scratch);
        });
        return;
    }

    // BasicTokenizer: clean, space out CJK ideographs, NFC, split on whitespace.
    MappedText& cleaned = scratch.cleaned;
    cleaned.clear();
    cleaned.reserve(segment.size());
    bool ascii = true;
    for (const MappedChar* p = begin; p != end; ++p) {
        // Printable ASCII stays as it is: copied a run at a time.
        const MappedChar* run = p;
        while (p != end && p->cp >= 0x20 && p->cp < 0x7F) {
            ++p;
        }
        cleaned.insert(cleaned.end(), run, p);
        if (p == end) {
            break;
        }
        const MappedChar& c = *p;
        if (c.cp < 0x80) {
            // NUL and the other C0 controls and DEL go; tab, CR and LF become spaces.
            if (c.cp == '\t' || c.cp == '\n' || c.cp == '\r') {
                cleaned.push_back({ U' ', c.begin, c.end });
            }
            continue;
        }
        ascii = false;
        if (c.cp == 0xFFFD || isBertControl(c.cp)) {
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
    // ASCII is its own NFC.
    const MappedText* normalized = &cleaned;
    if (!ascii) {
        scratch.normalized = unicode::normalize(cleaned, unicode::NormalForm::Nfc);
        normalized = &scratch.normalized;
    }
    const MappedChar* first = normalized->data();
    forEachWord(first, first + normalized->size(),
        [&](const MappedChar* wordFirst, const MappedChar* wordLast) {
            basicWord(wordFirst, wordLast, out, scratch);
        });
}

bool WordPieceTokenizer::inNeverSplitAll(const MappedChar* first, const MappedChar* last) const
{
    return first != last && neverSplitAllFirst_.mayStart(first->cp)
        && neverSplitAll_.count(unicode::encodeUtf8(first, last)) > 0;
}

void WordPieceTokenizer::basicWord(const MappedChar* first, const MappedChar* last,
    std::vector<Piece>& out, Scratch& scratch) const
{
    // never_split and the special tokens stay whole. The word holds no space (it was split
    // on them), so it is one token.
    if (inNeverSplitAll(first, last)) {
        basicToken(first, last, out, scratch);
        return;
    }
    const bool strip = settings_.doLowerCase ? settings_.stripAccents.value_or(true)
                                             : settings_.stripAccents.value_or(false);
    bool ascii = true;
    bool upper = false;
    for (const MappedChar* c = first; c != last && ascii; ++c) {
        ascii = c->cp < 0x80;
        upper = upper || (c->cp >= 'A' && c->cp <= 'Z');
    }
    if (ascii) {
        // ASCII has no accents to strip; lower-casing is A-Z -> a-z.
        if (settings_.doLowerCase && upper) {
            MappedText& word = scratch.word;
            word.assign(first, last);
            for (MappedChar& c : word) {
                if (c.cp >= 'A' && c.cp <= 'Z') {
                    c.cp += 'a' - 'A';
                }
            }
            first = word.data();
            last = first + word.size();
        }
    } else if (settings_.doLowerCase || strip) {
        MappedText word(first, last);
        if (settings_.doLowerCase) {
            word = unicode::lowerEachChar(word);
        }
        if (strip) {
            word = unicode::stripAccents(word);
        }
        scratch.word = std::move(word);
        first = scratch.word.data();
        last = first + scratch.word.size();
    }

    // The reference joins the parts with spaces and splits again: empty parts disappear.
    const auto part = [&](const MappedChar* partFirst, const MappedChar* partLast) {
        forEachWord(partFirst, partLast,
            [&](const MappedChar* a, const MappedChar* b) { basicToken(a, b, out, scratch); });
    };
    if (inNeverSplitAll(first, last)) {
        part(first, last);
        return;
    }
    // _run_split_on_punc: every punctuation character is a word of its own.
    const MappedChar* run = first;
    for (const MappedChar* c = first; c != last; ++c) {
        if (isBertPunctuation(c->cp)) {
            if (run != c) {
                part(run, c);
            }
            part(c, c + 1);
            run = c + 1;
        }
    }
    if (run != last) {
        part(run, last);
    }
}

void WordPieceTokenizer::basicToken(const MappedChar* first, const MappedChar* last,
    std::vector<Piece>& out, Scratch& scratch) const
{
    if (!neverSplitConfig_.empty() && neverSplitConfigFirst_.mayStart(first->cp)) {
        const std::string text = unicode::encodeUtf8(first, last);
        if (const auto it = neverSplitConfig_.find(text); it != neverSplitConfig_.end()) {
            out.push_back({ convertTokenToId(text), &*it, first->begin, (last - 1)->end, false });
            return;
        }
    }
    wordPiece(first, last, out, scratch);
}

void WordPieceTokenizer::wordPiece(const MappedChar* first, const MappedChar* last,
    std::vector<Piece>& out, Scratch& scratch) const
{
    const auto n = static_cast<size_t>(last - first);
    if (n == 0) {
        return;
    }
    const int64_t wordBegin = first->begin;
    const int64_t wordEnd = (last - 1)->end;
    if (static_cast<int64_t>(n) > settings_.maxInputCharsPerWord) {
        out.push_back({ convertTokenToId(unkToken_), &unkToken_, wordBegin, wordEnd, false });
        return;
    }
    std::string& bytes = scratch.bytes;
    bytes.clear();
    for (const MappedChar* c = first; c != last; ++c) {
        if (c->cp < 0x80) {
            bytes.push_back(static_cast<char>(c->cp));
        } else {
            unicode::appendUtf8(bytes, c->cp);
        }
    }

    // Greedy longest match first: the longest vocabulary entry starting at `start` ("##" +
    // the rest after the first piece); a word that cannot be covered is one [UNK].
    const size_t firstPiece = out.size();
    size_t start = 0; // characters
    size_t startByte = 0; // bytes
    while (start < n) {
        const uint32_t node = start > 0 ? continuationNode_ : VocabTrie::kRoot;
        const VocabTrie::Match match =
            pieceTrie_.longestMatch(node, std::string_view(bytes).substr(startByte));
        if (match.value < 0) {
            out.resize(firstPiece);
            out.push_back({ convertTokenToId(unkToken_), &unkToken_, wordBegin, wordEnd, false });
            return;
        }
        const auto& [id, token] = pieces_[static_cast<size_t>(match.value)];
        out.push_back(
            { id, &token, first[start].begin, first[start + match.chars - 1].end, false });
        start += match.chars;
        startByte += match.bytes;
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
    const std::vector<Piece> pieces = tokenizePieces(text);
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (const Piece& piece : pieces) {
        out.push_back(*piece.token);
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
