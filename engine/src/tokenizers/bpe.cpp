// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/bpe.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/byte_level.h"
#include "tokenizers/encoding_build.h"
#include "tokenizers/gpt2_pattern.h"
#include "tokenizers/unicode.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cstring>
#include <filesystem>
#include <utility>

namespace lumen::engine {

using encoding_build::appendPieces;
using encoding_build::appendSpecial;
using encoding_build::requireRoom;
using encoding_build::requireSpecialId;
using encoding_build::truncateLongestFirst;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tokenizer_config::badField;
using tokenizer_config::boolField;

constexpr size_t kMaxCacheEntries = 200000;

// ---- UTF-8 ----

using unicode::decodeUtf8Lossy;
using unicode::isValidUtf8;

size_t utf8Sequence(const unsigned char* s, size_t n, size_t i, size_t& prefix)
{
    return unicode::utf8SequenceAt(std::string_view(reinterpret_cast<const char*>(s), n), i,
                                   prefix);
}

/// The code point of the well-formed UTF-8 sequence of `length` bytes at s.
char32_t codePointAt(const unsigned char* s, size_t length)
{
    switch (length) {
    case 1:
        return s[0];
    case 2:
        return (char32_t(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3:
        return (char32_t(s[0] & 0x0F) << 12) | (char32_t(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return (char32_t(s[0] & 0x07) << 18) | (char32_t(s[1] & 0x3F) << 12)
            | (char32_t(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
}

size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80) {
        return 1;
    }
    if (lead < 0xE0) {
        return 2;
    }
    return lead < 0xF0 ? 3 : 4;
}

/// Python's str.isspace for the character starting at byte i of valid UTF-8.
bool spaceAt(std::string_view text, size_t i, size_t& length)
{
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    length = sequenceLength(s[i]);
    return unicode::isPythonSpace(codePointAt(s + i, length));
}

/// [first, last) of `text` without Python whitespace on the left and/or the right.
std::pair<size_t, size_t> stripBytes(std::string_view text, bool left, bool right)
{
    size_t first = 0;
    size_t last = text.size();
    size_t length = 0;
    if (left) {
        while (first < last && spaceAt(text, first, length)) {
            first += length;
        }
    }
    if (right) {
        while (last > first) {
            size_t start = last - 1;
            while (start > first && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
                --start;
            }
            if (!spaceAt(text, start, length)) {
                break;
            }
            last = start;
        }
    }
    return {first, last};
}

// ---- the reference's helpers ----

/// Scratch space of one BPE merge, kept per thread so uncached words allocate nothing.
struct MergeScratch {
    struct Entry {
        int32_t rank;
        int32_t pos;
        int32_t left;
        int32_t right;
        int32_t result;
    };
    std::vector<int32_t> symbols, next, prev;
    std::vector<uint8_t> dead;
    std::vector<Entry> heap, batch;
};

bool laterEntry(const MergeScratch::Entry& a, const MergeScratch::Entry& b)
{
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
}

} // namespace

// ---- settings ----

BpeSettings BpeSettings::defaults(Flavor flavor)
{
    BpeSettings settings;
    settings.flavor = flavor;
    auto spec = [](const char* content, bool lstrip = false) {
        AddedTokenSpec s;
        s.content = content;
        s.lstrip = lstrip;
        return std::optional<AddedTokenSpec>(s);
    };
    if (flavor == Flavor::Roberta) {
        settings.bos = spec("<s>");
        settings.eos = spec("</s>");
        settings.sep = spec("</s>");
        settings.cls = spec("<s>");
        settings.unk = spec("<unk>");
        settings.pad = spec("<pad>");
        settings.mask = spec("<mask>", /*lstrip=*/true);
    } else {
        settings.bos = spec("<|endoftext|>");
        settings.eos = spec("<|endoftext|>");
        settings.unk = spec("<|endoftext|>");
    }
    return settings;
}

// ---- construction ----

BpeTokenizer::BpeTokenizer(std::unordered_map<std::string, int64_t> vocab,
                           const std::vector<std::pair<std::string, std::string>>& merges,
                           BpeSettings settings)
    : settings_(std::move(settings))
    , vocab_(std::move(vocab))
{
    unkToken_ = settings_.unk ? settings_.unk->content : std::string();
    vocabJsonSize_ = static_cast<int64_t>(vocab_.size());
    int64_t maxId = -1;
    for (const auto& [token, id] : vocab_) {
        if (id < 0 || id >= INT32_MAX) {
            throw Error(ErrorKind::InvalidInput,
                        "vocab.json: the id of \"" + token + "\" must be a non-negative integer "
                            "below 2^31. Replace the file with the model's vocabulary.");
        }
        maxId = std::max(maxId, id);
    }
    idToToken_.assign(static_cast<size_t>(maxId + 1), unkToken_);
    // vocab.json maps tokens to ids; when two tokens share an id the reference's decoder
    // keeps one of them. Keep the smaller string so the choice does not depend on hashing.
    std::vector<uint8_t> filled(idToToken_.size(), 0);
    for (const auto& [token, id] : vocab_) {
        auto& slot = idToToken_[static_cast<size_t>(id)];
        if (!filled[static_cast<size_t>(id)] || token < slot) {
            slot = token;
            filled[static_cast<size_t>(id)] = 1;
        }
    }

    // Byte symbols and merges.
    for (int b = 0; b < 256; ++b) {
        std::string symbol;
        unicode::appendUtf8(symbol, byte_level::byteChar(static_cast<uint8_t>(b)));
        byteSymbol_[b] = intern(symbol);
    }
    merges_.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [left, right] = merges[rank];
        if (left.empty() || right.empty()) {
            continue; // a line that is not two symbols: its rank slot matches nothing
        }
        const int32_t a = intern(left);
        const int32_t b = intern(right);
        const int32_t result = intern(left + right);
        // dict(zip(merges, range(len(merges)))): a repeated pair keeps its last rank.
        merges_[(uint64_t(uint32_t(a)) << 32) | uint32_t(b)] = {static_cast<int32_t>(rank),
                                                                 result};
    }

    const std::vector<AddedTokenSpec> specials = registerAddedTokens(
        settings_, addedEncoder_, [this](AddedTokenSpec spec) { registerAdded(std::move(spec)); });
    addedByFirstByte_.assign(256, {});
    for (size_t i = 0; i < added_.size(); ++i) {
        const auto first = static_cast<unsigned char>(added_[i].spec.content.front());
        addedByFirstByte_[first].push_back(static_cast<int32_t>(i));
    }
    for (auto& indices : addedByFirstByte_) {
        std::stable_sort(indices.begin(), indices.end(), [this](int32_t a, int32_t b) {
            return added_[static_cast<size_t>(a)].spec.content.size()
                > added_[static_cast<size_t>(b)].spec.content.size();
        });
    }

    std::unordered_set<std::string> specialNames;
    for (const AddedTokenSpec& spec : specials) {
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
        if (id && *id >= vocabJsonSize_) {
            legacyAdded_.insert(spec.content);
        }
    }

    // The id each BPE symbol encodes to: added tokens first, then vocab.json, then unk
    // (_convert_token_to_id_with_added_voc).
    std::optional<int64_t> unkId;
    if (!unkToken_.empty()) {
        unkId = tokenToId(unkToken_);
    }
    symbolIds_.resize(symbols_.size());
    for (size_t i = 0; i < symbols_.size(); ++i) {
        const auto id = tokenToId(symbols_[i]);
        symbolIds_[i] = id ? *id : unkId.value_or(-1);
    }

    specialIds_ = specialTokenIds(
        settings_, [this](const std::string& token) { return tokenToId(token); });
}

BpeTokenizer::~BpeTokenizer() = default;

int32_t BpeTokenizer::intern(const std::string& symbol)
{
    const auto it = symbolIndex_.find(symbol);
    if (it != symbolIndex_.end()) {
        return it->second;
    }
    const auto index = static_cast<int32_t>(symbols_.size());
    symbols_.push_back(symbol);
    symbolBytes_.push_back(static_cast<int32_t>(unicode::decodeUtf8(symbol).size()));
    symbolIndex_.emplace(symbol, index);
    return index;
}

void BpeTokenizer::registerAdded(AddedTokenSpec spec)
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
    if (spec.id >= INT32_MAX) {
        throw Error(ErrorKind::InvalidInput,
                    "the added token \"" + spec.content + "\" has the id "
                        + std::to_string(spec.id) + "; ids must stay below 2^31 - 1. Fix "
                          "added_tokens_decoder in tokenizer_config.json.");
    }
    const auto id = static_cast<size_t>(spec.id);
    if (id >= idToToken_.size()) {
        idToToken_.resize(id + 1, unkToken_);
    }
    idToToken_[id] = spec.content;
    addedEncoder_[spec.content] = spec.id;
    AddedToken token;
    token.spec = std::move(spec);
    const auto same = std::find_if(added_.begin(), added_.end(), [&token](const AddedToken& t) {
        return t.spec.content == token.spec.content;
    });
    if (same != added_.end()) {
        *same = std::move(token);
    } else {
        added_.push_back(std::move(token));
    }
}

std::vector<std::pair<std::string, std::string>> BpeTokenizer::parseMerges(const std::string& text)
{
    // Python's text mode turns "\r\n" and "\r" into "\n"; then read().split("\n")[1:-1].
    std::vector<std::string> lines(1);
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            lines.emplace_back();
        } else {
            lines.back().push_back(c);
        }
    }
    std::vector<std::pair<std::string, std::string>> merges;
    if (lines.size() < 2) {
        return merges;
    }
    merges.reserve(lines.size());
    for (size_t i = 1; i + 1 < lines.size(); ++i) {
        // merge.split(): on runs of Python whitespace. Anything but two parts never matches
        // a pair; keep its rank slot with an impossible pair so later ranks stay in place.
        const unicode::MappedText chars =
            unicode::mapIdentity(unicode::decodeUtf8(lines[i]));
        std::vector<std::string> parts;
        size_t k = 0;
        while (k < chars.size()) {
            while (k < chars.size() && unicode::isPythonSpace(chars[k].cp)) {
                ++k;
            }
            size_t j = k;
            while (j < chars.size() && !unicode::isPythonSpace(chars[j].cp)) {
                ++j;
            }
            if (j > k) {
                parts.push_back(unicode::encodeUtf8(chars.data() + k, chars.data() + j));
            }
            k = j;
        }
        if (parts.size() == 2) {
            merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
        } else {
            merges.emplace_back(std::string(), std::string());
        }
    }
    return merges;
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromFolder(const std::string& dir,
                                                       BpeSettings::Flavor flavor)
{
    const fs::path folder(dir);
    const fs::path vocabPath = folder / "vocab.json";
    const fs::path mergesPath = folder / "merges.txt";
    std::error_code error;
    for (const fs::path& needed : {vocabPath, mergesPath}) {
        if (!fs::is_regular_file(needed, error)) {
            throw Error(ErrorKind::InvalidInput,
                        dir + " has no " + needed.filename().string()
                            + ", which a byte-level BPE (GPT-2, RoBERTa) tokenizer needs. Copy "
                              "the model's vocab.json and merges.txt into the folder.");
        }
    }
    const json vocabJson = tokenizer_config::readObject(vocabPath);
    std::unordered_map<std::string, int64_t> vocab;
    vocab.reserve(vocabJson.size());
    for (const auto& [token, value] : vocabJson.items()) {
        if (!value.is_number_integer() || value.get<int64_t>() < 0) {
            badField(vocabPath.string(), token, "a non-negative token id");
        }
        vocab[token] = value.get<int64_t>();
    }
    if (vocab.empty()) {
        throw Error(ErrorKind::InvalidInput, vocabPath.string()
                                                 + " is empty; expected an object mapping "
                                                   "tokens to ids. Replace it with the model's "
                                                   "vocabulary.");
    }
    const auto merges = parseMerges(readTextFile(mergesPath.string()));

    BpeSettings settings = BpeSettings::defaults(flavor);
    const json config = tokenizer_config::readConfig(folder);
    const std::string path = (folder / "tokenizer_config.json").string();
    settings.addPrefixSpace = boolField(config, path, "add_prefix_space", false);
    settings.addBosToken =
        flavor == BpeSettings::Flavor::Gpt2 && boolField(config, path, "add_bos_token", false);
    settings.cleanUpTokenizationSpaces =
        boolField(config, path, "clean_up_tokenization_spaces", true);
    tokenizer_config::readModelMaxLength(config, path, settings);
    const bool roberta = flavor == BpeSettings::Flavor::Roberta;
    tokenizer_config::readSpecialTokens(config, path, settings, roberta);
    tokenizer_config::readSpecialTokensMap(folder, settings, roberta);
    tokenizer_config::readAddedTokens(config, path, folder, settings);
    return std::make_unique<BpeTokenizer>(std::move(vocab), merges, std::move(settings));
}

// ---- BPE ----

void BpeTokenizer::bpeWord(std::string_view word, std::vector<int32_t>& out) const
{
    if (word.size() == 1) {
        out.push_back(byteSymbol_[static_cast<unsigned char>(word[0])]);
        return;
    }
    std::string key(word);
    {
        std::lock_guard<std::mutex> lock(cacheMutex_);
        const auto it = cache_.find(key);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    mergeWord(word, out);
    std::vector<int32_t> value(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    std::lock_guard<std::mutex> lock(cacheMutex_);
    if (cache_.size() >= kMaxCacheEntries) {
        cache_.clear();
    }
    cache_.emplace(std::move(key), std::move(value));
}

void BpeTokenizer::mergeWord(std::string_view word, std::vector<int32_t>& out) const
{
    // The reference's bpe(): take the pair of lowest rank, merge every occurrence of it left
    // to right, repeat. A heap of candidate pairs ordered by (rank, position) gives the same
    // result in O(n log n): all pairs of the lowest rank are taken out together and applied
    // in position order before any pair created by those merges is looked at.
    thread_local MergeScratch s;
    const auto n = static_cast<int32_t>(word.size());
    s.symbols.resize(static_cast<size_t>(n));
    s.next.resize(static_cast<size_t>(n));
    s.prev.resize(static_cast<size_t>(n));
    s.dead.assign(static_cast<size_t>(n), 0);
    s.heap.clear();
    for (int32_t i = 0; i < n; ++i) {
        const auto byte = static_cast<unsigned char>(word[static_cast<size_t>(i)]);
        s.symbols[static_cast<size_t>(i)] = byteSymbol_[byte];
        s.prev[static_cast<size_t>(i)] = i - 1;
        s.next[static_cast<size_t>(i)] = i + 1 < n ? i + 1 : -1;
    }
    auto pushPair = [this](int32_t pos) {
        const int32_t right = s.next[static_cast<size_t>(pos)];
        if (right < 0) {
            return;
        }
        const int32_t a = s.symbols[static_cast<size_t>(pos)];
        const int32_t b = s.symbols[static_cast<size_t>(right)];
        const auto it = merges_.find((uint64_t(uint32_t(a)) << 32) | uint32_t(b));
        if (it == merges_.end()) {
            return;
        }
        s.heap.push_back({it->second.rank, pos, a, b, it->second.result});
        std::push_heap(s.heap.begin(), s.heap.end(), laterEntry);
    };
    for (int32_t i = 0; i + 1 < n; ++i) {
        pushPair(i);
    }
    while (!s.heap.empty()) {
        const int32_t rank = s.heap.front().rank;
        s.batch.clear();
        while (!s.heap.empty() && s.heap.front().rank == rank) {
            std::pop_heap(s.heap.begin(), s.heap.end(), laterEntry);
            s.batch.push_back(s.heap.back());
            s.heap.pop_back();
        }
        for (const MergeScratch::Entry& e : s.batch) {
            const auto pos = static_cast<size_t>(e.pos);
            if (s.dead[pos] || s.symbols[pos] != e.left) {
                continue;
            }
            const int32_t right = s.next[pos];
            if (right < 0 || s.symbols[static_cast<size_t>(right)] != e.right) {
                continue;
            }
            s.symbols[pos] = e.result;
            s.dead[static_cast<size_t>(right)] = 1;
            const int32_t after = s.next[static_cast<size_t>(right)];
            s.next[pos] = after;
            if (after >= 0) {
                s.prev[static_cast<size_t>(after)] = e.pos;
            }
            if (s.prev[pos] >= 0) {
                pushPair(s.prev[pos]);
            }
            pushPair(e.pos);
        }
    }
    for (int32_t i = 0; i >= 0; i = s.next[static_cast<size_t>(i)]) {
        out.push_back(s.symbols[static_cast<size_t>(i)]);
    }
}

// ---- tokenizing ----

std::vector<BpeTokenizer::Piece> BpeTokenizer::tokenizePieces(const std::string& input,
                                                               size_t limit) const
{
    // Text that is not UTF-8 is read as Python would decode it with errors="replace".
    std::string repaired;
    const std::string* source = &input;
    if (!isValidUtf8(input)) {
        repaired = decodeUtf8Lossy(input);
        source = &repaired;
    }
    // 1. prepare_for_tokenization: add_prefix_space puts a space before text that does not
    //    start with whitespace.
    std::string prefixed;
    int64_t shift = 0;
    if (settings_.addPrefixSpace && !source->empty()) {
        size_t length = 0;
        if (!spaceAt(*source, 0, length)) {
            prefixed.reserve(source->size() + 1);
            prefixed.push_back(' ');
            prefixed.append(*source);
            source = &prefixed;
            shift = 1;
        }
    }
    const std::string& text = *source;
    const size_t n = text.size();

    if (n > size_t(INT32_MAX) / 2) {
        throw Error(ErrorKind::InvalidInput,
                    "the text has " + std::to_string(n) + " bytes; the tokenizer takes at most "
                        + std::to_string(INT32_MAX / 2) + ". Split it into smaller parts.");
    }

    // 2. Split out the added tokens, leftmost longest match (the reference's Trie.split).
    struct Segment {
        size_t begin = 0; ///< bytes of `text` (when `own` is empty)
        size_t end = 0;
        int32_t added = -1;
        bool owned = false;
        std::string own;            ///< text glued by single_word
        std::vector<size_t> ownPos; ///< byte of `text` each byte of `own` came from
        std::string_view view(const std::string& all) const
        {
            return owned ? std::string_view(own)
                         : std::string_view(all).substr(begin, end - begin);
        }
        size_t position(size_t k) const { return owned ? ownPos[k] : begin + k; }
        size_t size() const { return owned ? own.size() : end - begin; }
    };
    std::vector<Segment> segments;
    size_t textStart = 0;
    if (!added_.empty()) {
        for (size_t i = 0; i < n;) {
            const auto& candidates = addedByFirstByte_[static_cast<unsigned char>(text[i])];
            int32_t match = -1;
            for (const int32_t candidate : candidates) {
                const std::string& content = added_[static_cast<size_t>(candidate)].spec.content;
                if (text.compare(i, content.size(), content) == 0) {
                    match = candidate;
                    break;
                }
            }
            if (match < 0) {
                ++i;
                continue;
            }
            if (i > textStart) {
                Segment segment;
                segment.begin = textStart;
                segment.end = i;
                segments.push_back(std::move(segment));
            }
            Segment segment;
            segment.begin = i;
            segment.end = i + added_[static_cast<size_t>(match)].spec.content.size();
            segment.added = match;
            segments.push_back(std::move(segment));
            i = segments.back().end;
            textStart = i;
        }
    }
    if (textStart < n) {
        Segment segment;
        segment.begin = textStart;
        segment.end = n;
        segments.push_back(std::move(segment));
    }

    // 3. The added tokens' lstrip / rstrip / single_word flags act on their neighbours.
    auto strip = [&text](Segment& segment, bool left, bool right) {
        const std::string_view view = segment.view(text);
        const auto [first, last] = stripBytes(view, left, right);
        if (first == 0 && last == view.size()) {
            return;
        }
        if (segment.owned) {
            segment.own = segment.own.substr(first, last - first);
            const auto from = segment.ownPos.begin();
            segment.ownPos = std::vector<size_t>(from + static_cast<std::ptrdiff_t>(first),
                                                 from + static_cast<std::ptrdiff_t>(last));
        } else {
            segment.end = segment.begin + last;
            segment.begin += first;
        }
        segment.added = -1;
    };
    auto own = [&text](Segment& segment) {
        if (segment.owned) {
            return;
        }
        segment.own = text.substr(segment.begin, segment.end - segment.begin);
        segment.ownPos.resize(segment.own.size());
        for (size_t k = 0; k < segment.own.size(); ++k) {
            segment.ownPos[k] = segment.begin + k;
        }
        segment.owned = true;
    };
    auto append = [&own](Segment& target, const Segment& from, const std::string& all) {
        own(target);
        const std::string_view view = from.view(all);
        target.own.append(view.data(), view.size());
        for (size_t k = 0; k < view.size(); ++k) {
            target.ownPos.push_back(from.position(k));
        }
    };
    for (size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].added < 0) {
            continue;
        }
        const AddedTokenSpec& spec = added_[static_cast<size_t>(segments[i].added)].spec;
        if (!spec.lstrip && !spec.rstrip && !spec.singleWord) {
            continue;
        }
        // As in the reference, single_word looks at the neighbours as they were before the
        // stripping, and a merge to the right appends the unstripped right neighbour.
        const Segment left = i > 0 ? segments[i - 1] : Segment();
        const Segment right = i + 1 < segments.size() ? segments[i + 1] : Segment();
        if (spec.rstrip && right.size() > 0) {
            strip(segments[i + 1], /*left=*/true, /*right=*/false);
        }
        if (spec.lstrip && left.size() > 0) {
            strip(segments[i - 1], /*left=*/false, /*right=*/true);
        }
        if (spec.singleWord && left.size() > 0 && left.view(text).back() != ' ') {
            append(segments[i - 1], segments[i], text);
            segments[i - 1].added = -1;
            segments[i] = Segment();
        } else if (spec.singleWord && right.size() > 0 && right.view(text).front() != ' ') {
            append(segments[i], right, text);
            segments[i].added = -1;
            segments[i + 1] = Segment();
        }
    }

    // 4. Added tokens stay whole; the rest goes through the pattern and BPE.
    // Code point offsets: pieces come in text order, so one cursor walks the text once. A
    // piece gets the characters its bytes touch, whole.
    size_t cursorByte = 0;
    int32_t cursorChar = 0;
    auto charOf = [&text, &cursorByte, &cursorChar](size_t byte) {
        while (true) {
            const size_t length = sequenceLength(static_cast<unsigned char>(text[cursorByte]));
            if (cursorByte + length > byte) {
                return cursorChar;
            }
            cursorByte += length;
            ++cursorChar;
        }
    };
    auto offsetsOf = [&charOf, shift](size_t firstByte, size_t lastByte) {
        const auto inserted = static_cast<int32_t>(shift);
        const int32_t begin = std::max<int32_t>(0, charOf(firstByte) - inserted);
        const int32_t end = std::max<int32_t>(0, charOf(lastByte) + 1 - inserted);
        return std::make_pair(begin, end);
    };
    std::vector<Piece> pieces;
    // At most one piece per byte; untouched pages of the reservation cost nothing.
    pieces.reserve(std::min(n + 1, limit));
    std::vector<int32_t> symbols;
    std::vector<std::pair<size_t, size_t>> matches;
    for (const Segment& segment : segments) {
        if (segment.size() == 0) {
            continue;
        }
        if (segment.added >= 0) {
            const AddedToken& token = added_[static_cast<size_t>(segment.added)];
            const auto [begin, end] =
                offsetsOf(segment.position(0), segment.position(segment.size() - 1));
            Piece piece;
            piece.id = static_cast<int32_t>(token.spec.id);
            piece.symbol = -1 - segment.added;
            piece.begin = begin;
            piece.end = end;
            piece.special = token.spec.special;
            pieces.push_back(piece);
            if (pieces.size() >= limit) {
                return pieces;
            }
            continue;
        }
        const std::string_view view = segment.view(text);
        matches.clear();
        gpt2::piecesOfUtf8(view, matches);
        for (const auto& [matchBegin, matchEnd] : matches) {
            symbols.clear();
            bpeWord(view.substr(matchBegin, matchEnd - matchBegin), symbols);
            size_t at = matchBegin;
            for (const int32_t symbol : symbols) {
                const auto length = static_cast<size_t>(symbolBytes_[static_cast<size_t>(symbol)]);
                const int64_t id = symbolIds_[static_cast<size_t>(symbol)];
                if (id < 0) {
                    throw Error(ErrorKind::InvalidInput,
                                "the token \"" + symbols_[static_cast<size_t>(symbol)]
                                    + "\" is not in vocab.json and the tokenizer has no unknown "
                                      "token; add unk_token to tokenizer_config.json.");
                }
                const auto [begin, end] =
                    offsetsOf(segment.position(at), segment.position(at + length - 1));
                Piece piece;
                piece.id = static_cast<int32_t>(id);
                piece.symbol = symbol;
                piece.begin = begin;
                piece.end = end;
                pieces.push_back(piece);
                if (pieces.size() >= limit) {
                    return pieces;
                }
                at += length;
            }
        }
    }
    return pieces;
}

std::string BpeTokenizer::pieceToken(const Piece& piece) const
{
    if (piece.symbol >= 0) {
        return symbols_[static_cast<size_t>(piece.symbol)];
    }
    return added_[static_cast<size_t>(-1 - piece.symbol)].spec.content;
}

std::vector<std::string> BpeTokenizer::tokenize(const std::string& text) const
{
    const std::vector<Piece> pieces = tokenizePieces(text);
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (const Piece& piece : pieces) {
        out.push_back(pieceToken(piece));
    }
    return out;
}

// ---- encoding ----

int64_t BpeTokenizer::specialCount(bool pair) const
{
    if (settings_.flavor == BpeSettings::Flavor::Roberta) {
        return pair ? 4 : 2;
    }
    if (settings_.addBosToken) {
        return pair ? 2 : 1;
    }
    return 0;
}

// RoBERTa: <s> A </s> [</s> B </s>]; GPT-2: [<|endoftext|>] A [[<|endoftext|>] B].
void BpeTokenizer::appendPrefix(Encoding& encoding, int64_t typeId, bool second) const
{
    if (settings_.flavor == BpeSettings::Flavor::Roberta) {
        appendSpecial(encoding, *this, second ? requireSpecialId(specialIds_.sep, "sep")
                                       : requireSpecialId(specialIds_.cls, "cls"),
                      typeId);
    } else if (settings_.addBosToken) {
        appendSpecial(encoding, *this, requireSpecialId(specialIds_.bos, "bos"), typeId);
    }
}

void BpeTokenizer::appendSuffix(Encoding& encoding, int64_t typeId, bool /*second*/) const
{
    if (settings_.flavor == BpeSettings::Flavor::Roberta) {
        appendSpecial(encoding, *this, requireSpecialId(specialIds_.sep, "sep"), typeId);
    }
}

Encoding BpeTokenizer::encode(const std::string& text, const EncodeOptions& options) const
{
    const int64_t specials = options.addSpecialTokens ? specialCount(false) : 0;
    Encoding encoding;
    requireRoom(options.maxLength, specials, /*pair=*/false);
    // Truncating: one piece past the kept ones says whether anything was cut.
    const size_t keep = options.maxLength > 0 ? static_cast<size_t>(options.maxLength - specials)
                                              : SIZE_MAX;
    std::vector<Piece> pieces = tokenizePieces(text, keep == SIZE_MAX ? SIZE_MAX : keep + 1);
    if (options.maxLength > 0) {
        if (pieces.size() > keep) {
            pieces.resize(keep);
            encoding.truncated = true;
        }
    }
    const size_t total = pieces.size() + static_cast<size_t>(specials);
    encoding_build::reserve(encoding, total);
    if (options.addSpecialTokens) {
        appendPrefix(encoding, 0, false);
    }
    appendPieces(encoding, *this, pieces, 0);
    if (options.addSpecialTokens) {
        appendSuffix(encoding, 0, false);
    }
    return encoding;
}

Encoding BpeTokenizer::encodePair(const std::string& text, const std::string& pair,
                                  const EncodeOptions& options) const
{
    std::vector<Piece> first = tokenizePieces(text);
    std::vector<Piece> second = tokenizePieces(pair);
    const int64_t specials = options.addSpecialTokens ? specialCount(true) : 0;
    Encoding encoding;
    if (options.maxLength > 0) {
        requireRoom(options.maxLength, specials, /*pair=*/true);
        // 'longest_first': one token at a time from the longer text, the second on a tie.
        const auto limit = static_cast<size_t>(options.maxLength - specials);
        encoding.truncated = truncateLongestFirst(first, second, limit);
    }
    // RoBERTa's token type ids are all 0; GPT-2 (the base class) gives the second text 1.
    const int64_t secondType =
        (options.addSpecialTokens && settings_.flavor == BpeSettings::Flavor::Gpt2) ? 1 : 0;
    if (options.addSpecialTokens) {
        appendPrefix(encoding, 0, false);
    }
    appendPieces(encoding, *this, first, 0);
    if (options.addSpecialTokens) {
        appendSuffix(encoding, 0, false);
        appendPrefix(encoding, secondType, true);
    }
    appendPieces(encoding, *this, second, secondType);
    if (options.addSpecialTokens) {
        appendSuffix(encoding, secondType, true);
    }
    return encoding;
}

// ---- decoding ----

std::string BpeTokenizer::idToToken(int64_t id) const
{
    return tokenAt(idToToken_, id, unkToken_);
}

std::optional<int64_t> BpeTokenizer::tokenToId(const std::string& token) const
{
    return findTokenId(addedEncoder_, vocab_, token);
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const
{
    // PreTrainedTokenizer._decode: non-special added tokens stand apart; the rest goes
    // through convert_tokens_to_string (characters -> bytes -> UTF-8 with replacement).
    auto tokensToString = [this](const std::vector<std::string>& tokens) {
        std::string bytes;
        for (const std::string& word : tokens) {
            const std::string* token = &word;
            const auto* s = reinterpret_cast<const unsigned char*>(token->data());
            size_t i = 0;
            while (i < token->size()) {
                if (s[i] >= '!' && s[i] <= '~') { // printable ASCII stands for itself
                    bytes.push_back(static_cast<char>(s[i]));
                    ++i;
                    continue;
                }
                size_t prefix = 1;
                size_t length = utf8Sequence(s, token->size(), i, prefix);
                if (length > 0) {
                    const int byte = byte_level::byteOfChar(codePointAt(s + i, length));
                    if (byte >= 0) {
                        bytes.push_back(static_cast<char>(byte));
                        i += length;
                        continue;
                    }
                } else {
                    length = prefix;
                }
                // Not a byte character (the reference would fail): keep its UTF-8.
                bytes.append(token->data() + i, length);
                i += length;
            }
        }
        return decodeUtf8Lossy(bytes);
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
