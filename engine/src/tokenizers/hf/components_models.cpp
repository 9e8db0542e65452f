// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json models (tokenizers 0.19, src/models/): BPE, WordPiece, Unigram, WordLevel.
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <mutex>
#include <queue>
#include <unordered_map>

namespace lumen::engine::hf {

namespace {

const std::string kKnown = joinKnown({ "BPE", "WordPiece", "Unigram", "WordLevel" });

/// token -> id, id -> token, as the models keep them.
class Vocabulary {
public:
    void add(std::string token, int64_t id, const JsonReader& spec)
    {
        if (id < 0 || id >= INT32_MAX) {
            spec.bad("vocab",
                "a map of tokens to ids from 0 to 2^31 - 2 (\"" + token + "\" has "
                    + std::to_string(id) + ")");
        }
        const auto index = static_cast<size_t>(id);
        if (index >= byId_.size()) {
            byId_.resize(index + 1);
            present_.resize(index + 1, 0);
        }
        // Two tokens with one id: the reference's reverse map keeps one of them; keep the
        // smaller string so the choice does not depend on hashing.
        if (!present_[index] || token < byId_[index]) {
            byId_[index] = token;
            present_[index] = 1;
        }
        maxBytes_ = std::max(maxBytes_, token.size());
        ids_[std::move(token)] = static_cast<int32_t>(id);
    }

    std::optional<int64_t> find(const std::string& token) const
    {
        const auto it = ids_.find(token);
        if (it == ids_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    const int32_t* findPtr(const std::string& token) const
    {
        const auto it = ids_.find(token);
        return it == ids_.end() ? nullptr : &it->second;
    }
    const std::string* token(int64_t id) const
    {
        if (id < 0 || static_cast<size_t>(id) >= byId_.size()
            || !present_[static_cast<size_t>(id)]) {
            return nullptr;
        }
        return &byId_[static_cast<size_t>(id)];
    }
    const std::string& tokenRef(int64_t id) const { return byId_[static_cast<size_t>(id)]; }
    int64_t size() const { return static_cast<int64_t>(ids_.size()); }
    int64_t idLimit() const { return static_cast<int64_t>(byId_.size()); }
    size_t maxBytes() const { return maxBytes_; }
    void reserve(size_t n) { ids_.reserve(n); }

private:
    std::unordered_map<std::string, int32_t> ids_;
    std::vector<std::string> byId_;
    std::vector<uint8_t> present_;
    size_t maxBytes_ = 0;
};

/// vocab as {"token": id, ...}.
Vocabulary readVocabMap(const JsonReader& spec)
{
    if (!spec.given("vocab") || !spec.json().at("vocab").is_object()) {
        spec.bad("vocab", "an object mapping tokens to ids");
    }
    const auto& items = spec.json().at("vocab");
    Vocabulary vocab;
    vocab.reserve(items.size());
    for (const auto& [token, id] : items.items()) {
        if (!id.is_number_integer()) {
            spec.bad("vocab", "a map of tokens to integer ids (\"" + token + "\" is not)");
        }
        vocab.add(token, id.get<int64_t>(), spec);
    }
    return vocab;
}

/// The id of `unk`, or an error naming the field.
int32_t requireInVocab(
    const Vocabulary& vocab, const std::string& token, const JsonReader& spec, const char* key)
{
    const auto id = vocab.find(token);
    if (!id) {
        spec.bad(key, "a token of the vocabulary (\"" + token + "\" is not in it)");
    }
    return static_cast<int32_t>(*id);
}

std::string byteToken(uint8_t b)
{
    static const char kHex[] = "0123456789ABCDEF";
    std::string out = "<0x";
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
    out.push_back('>');
    return out;
}

/// The <0x00> ... <0xFF> tokens of a vocabulary, for byte fallback.
class ByteTokens {
public:
    template<typename Find> void read(const Find& find)
    {
        for (int b = 0; b < 256; ++b) {
            ids_[b] = find(byteToken(static_cast<uint8_t>(b)));
        }
    }
    /// Whether every byte of `text` has its token.
    bool cover(std::string_view text) const
    {
        return std::all_of(text.begin(), text.end(), [this](char c) { return id(c) >= 0; });
    }
    int32_t id(char c) const { return ids_[static_cast<unsigned char>(c)]; }

private:
    int32_t ids_[256] = {};
};

// ---- BPE ----

class Bpe final : public Model {
public:
    explicit Bpe(const JsonReader& spec)
        : vocab_(readVocabMap(spec))
        , unk_(spec.optionalString("unk_token"))
        , prefix_(spec.string("continuing_subword_prefix", ""))
        , suffix_(spec.string("end_of_word_suffix", ""))
        , fuseUnk_(spec.boolean("fuse_unk", false))
        , byteFallback_(spec.boolean("byte_fallback", false))
        , ignoreMerges_(spec.boolean("ignore_merges", false))
    {
        if (spec.given("dropout")) {
            const auto& dropout = spec.json().at("dropout");
            if (!dropout.is_number() || dropout.get<double>() != 0.0) {
                spec.bad("dropout",
                    "null or 0 (BPE dropout is random; Lumen tokenizes "
                    "deterministically)");
            }
        }
        if (!spec.given("merges") || !spec.json().at("merges").is_array()) {
            spec.bad("merges", "a list of merges");
        }
        const auto& merges = spec.json().at("merges");
        merges_.reserve(merges.size());
        for (size_t rank = 0; rank < merges.size(); ++rank) {
            const auto& m = merges[rank];
            std::string left;
            std::string right;
            if (m.is_string()) {
                const std::string line = m.get<std::string>();
                const size_t space = line.find(' ');
                if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
                    spec.bad("merges[" + std::to_string(rank) + "]",
                        "two symbols separated by one space");
                }
                left = line.substr(0, space);
                right = line.substr(space + 1);
            } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
                left = m[0].get<std::string>();
                right = m[1].get<std::string>();
            } else {
                spec.bad("merges[" + std::to_string(rank) + "]", "\"A B\" or [\"A\", \"B\"]");
            }
            const std::string merged = left + right.substr(std::min(prefix_.size(), right.size()));
            const int32_t a = inVocab(left, spec, rank);
            const int32_t b = inVocab(right, spec, rank);
            const int32_t c = inVocab(merged, spec, rank);
            // A repeated pair keeps its last rank, as the reference's HashMap collect does.
            merges_[(uint64_t(uint32_t(a)) << 32) | uint32_t(b)] = { static_cast<int32_t>(rank),
                c };
        }
        if (byteFallback_) {
            bytes_.read([this](const std::string& token) {
                const auto id = vocab_.find(token);
                return id ? static_cast<int32_t>(*id) : -1;
            });
        }
        if (unk_) {
            unkId_ = vocab_.find(*unk_).value_or(-1);
        }
    }

    std::string typeName() const override { return "BPE"; }
    std::optional<int64_t> tokenToId(const std::string& token) const override
    {
        return vocab_.find(token);
    }
    const std::string* token(int64_t id) const override { return vocab_.token(id); }
    int64_t size() const override { return vocab_.size(); }
    int64_t idLimit() const override { return vocab_.idLimit(); }
    std::optional<std::string> unknownToken() const override { return unk_; }

    void tokenize(const NormalizedString& split, std::vector<ModelToken>& out) const override
    {
        if (split.empty()) {
            return;
        }
        thread_local std::string word;
        word.clear();
        for (const auto& c : split.chars()) {
            if (c.cp < 0x80) {
                word.push_back(static_cast<char>(c.cp));
            } else {
                unicode::appendUtf8(word, c.cp);
            }
        }
        if (ignoreMerges_) {
            if (const auto id = vocab_.find(word)) {
                out.push_back({ *id, word, 0, split.size() });
                return;
            }
        }
        thread_local std::vector<Symbol> symbols;
        symbols.clear();
        bool cached = false;
        {
            std::lock_guard<std::mutex> lock(cacheMutex_);
            const auto it = cache_.find(word);
            if (it != cache_.end()) {
                symbols = it->second;
                cached = true;
            }
        }
        if (!cached) {
            symbols = mergeWord(split);
            if (word.size() < kCacheMaxBytes) {
                std::lock_guard<std::mutex> lock(cacheMutex_);
                if (cache_.size() < kCacheCapacity) {
                    cache_.emplace(word, symbols);
                }
            }
        }
        for (const Symbol& s : symbols) {
            out.push_back({ s.id, vocab_.tokenRef(s.id), static_cast<size_t>(s.begin),
                static_cast<size_t>(s.end) });
        }
    }

private:
    struct Symbol {
        int32_t id;
        int32_t begin; ///< characters of the split
        int32_t end;
    };
    struct Link {
        int32_t prev;
        int32_t next;
        bool alive;
    };
    struct Merge {
        int32_t rank;
        int32_t pos;
        int32_t newId;
        bool operator<(const Merge& o) const // priority_queue: top = lowest rank, then pos
        {
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    static constexpr size_t kCacheCapacity = 10000; // the reference's DEFAULT_CACHE_CAPACITY
    static constexpr size_t kCacheMaxBytes = 256; // and its MAX_LENGTH

    int32_t inVocab(const std::string& token, const JsonReader& spec, size_t rank) const
    {
        const auto id = vocab_.find(token);
        if (!id) {
            spec.bad("merges[" + std::to_string(rank) + "]",
                "a merge of tokens in the vocabulary (\"" + token + "\" is not)");
        }
        return static_cast<int32_t>(*id);
    }

    const std::pair<int32_t, int32_t>* findMerge(int32_t a, int32_t b) const
    {
        const auto it = merges_.find((uint64_t(uint32_t(a)) << 32) | uint32_t(b));
        return it == merges_.end() ? nullptr : &it->second;
    }

    std::vector<Symbol> mergeWord(const NormalizedString& split) const
    {
        std::vector<Symbol> symbols;
        symbols.reserve(split.size());
        const size_t n = split.size();
        bool hasUnk = false;
        Symbol unk {};
        std::string s;
        for (size_t i = 0; i < n; ++i) {
            s.clear();
            if (i > 0) {
                s += prefix_;
            }
            unicode::appendUtf8(s, split.at(i));
            if (i + 1 == n) {
                s += suffix_;
            }
            const auto begin = static_cast<int32_t>(i);
            const auto end = static_cast<int32_t>(i + 1);
            if (const int32_t* id = vocab_.findPtr(s)) {
                if (hasUnk) {
                    symbols.push_back(unk);
                    hasUnk = false;
                }
                symbols.push_back({ *id, begin, end });
                continue;
            }
            // Byte fallback: the bytes of the whole symbol (prefix and suffix included), as the
            // reference does, when every one has its <0xNN> token.
            if (byteFallback_ && bytes_.cover(s)) {
                if (hasUnk) {
                    symbols.push_back(unk);
                    hasUnk = false;
                }
                for (const char c : s) {
                    symbols.push_back({ bytes_.id(c), begin, end });
                }
                continue;
            }
            if (unk_) {
                if (unkId_ < 0) {
                    throw Error(ErrorKind::InvalidInput,
                        "tokenizer.json: the BPE model's unk_token \"" + *unk_
                            + "\" is not in its vocabulary. Fix the file.");
                }
                if (hasUnk && fuseUnk_) {
                    unk.end = end;
                } else {
                    if (hasUnk) {
                        symbols.push_back(unk);
                    }
                    unk = { static_cast<int32_t>(unkId_), begin, end };
                    hasUnk = true;
                }
            }
            // Without an unknown token the character is dropped, as in the reference.
        }
        if (hasUnk) {
            symbols.push_back(unk);
        }
        mergeAll(symbols);
        return symbols;
    }

    void mergeAll(std::vector<Symbol>& symbols) const
    {
        const auto count = static_cast<int32_t>(symbols.size());
        if (count < 2 || merges_.empty()) {
            return;
        }
        std::vector<Link> links(static_cast<size_t>(count));
        std::priority_queue<Merge> queue;
        for (int32_t i = 0; i < count; ++i) {
            links[static_cast<size_t>(i)] = { i - 1, i + 1 < count ? i + 1 : -1, true };
            if (i + 1 < count) {
                if (const auto* m = findMerge(symbols[static_cast<size_t>(i)].id,
                        symbols[static_cast<size_t>(i + 1)].id)) {
                    queue.push({ m->first, i, m->second });
                }
            }
        }
        while (!queue.empty()) {
            const Merge top = queue.top();
            queue.pop();
            Link& at = links[static_cast<size_t>(top.pos)];
            if (!at.alive || at.next < 0) {
                continue;
            }
            Symbol& left = symbols[static_cast<size_t>(top.pos)];
            const Symbol right = symbols[static_cast<size_t>(at.next)];
            const auto* current = findMerge(left.id, right.id);
            if (current == nullptr || current->second != top.newId) {
                continue; // an expired entry
            }
            left.id = top.newId;
            left.end = right.end;
            Link& gone = links[static_cast<size_t>(at.next)];
            gone.alive = false;
            at.next = gone.next;
            if (at.next >= 0) {
                links[static_cast<size_t>(at.next)].prev = top.pos;
            }
            if (at.prev >= 0) {
                if (const auto* m = findMerge(symbols[static_cast<size_t>(at.prev)].id, left.id)) {
                    queue.push({ m->first, at.prev, m->second });
                }
            }
            if (at.next >= 0) {
                if (const auto* m = findMerge(left.id, symbols[static_cast<size_t>(at.next)].id)) {
                    queue.push({ m->first, top.pos, m->second });
                }
            }
        }
        size_t kept = 0;
        for (size_t i = 0; i < symbols.size(); ++i) {
            if (links[i].alive) {
                symbols[kept++] = symbols[i];
            }
        }
        symbols.resize(kept);
    }

    Vocabulary vocab_;
    std::optional<std::string> unk_;
    int64_t unkId_ = -1;
    std::string prefix_;
    std::string suffix_;
    bool fuseUnk_;
    bool byteFallback_;
    bool ignoreMerges_;
    ByteTokens bytes_;
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_; ///< -> (rank, new id)
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<Symbol>> cache_;
};

// ---- WordPiece ----

class WordPiece final : public Model {
public:
    explicit WordPiece(const JsonReader& spec)
        : vocab_(readVocabMap(spec))
        , unk_(spec.string("unk_token", "[UNK]"))
        , prefix_(spec.string("continuing_subword_prefix", "##"))
        , maxChars_(static_cast<size_t>(
              std::max<int64_t>(0, spec.integer("max_input_chars_per_word", 100))))
    {
        unkId_ = requireInVocab(vocab_, unk_, spec, "unk_token");
    }

    std::string typeName() const override { return "WordPiece"; }
    std::optional<int64_t> tokenToId(const std::string& token) const override
    {
        return vocab_.find(token);
    }
    const std::string* token(int64_t id) const override { return vocab_.token(id); }
    int64_t size() const override { return vocab_.size(); }
    int64_t idLimit() const override { return vocab_.idLimit(); }
    std::optional<std::string> unknownToken() const override { return unk_; }

    void tokenize(const NormalizedString& split, std::vector<ModelToken>& out) const override
    {
        const size_t n = split.size();
        if (n == 0) {
            return;
        }
        if (n > maxChars_) {
            out.push_back({ unkId_, unk_, 0, n });
            return;
        }
        // Byte offset of every character in the word's UTF-8.
        std::string word;
        std::vector<size_t> at;
        at.reserve(n + 1);
        for (size_t i = 0; i < n; ++i) {
            at.push_back(word.size());
            unicode::appendUtf8(word, split.at(i));
        }
        at.push_back(word.size());
        const size_t firstOut = out.size();
        std::string candidate;
        size_t start = 0;
        while (start < n) {
            size_t end = n;
            // Longer than any vocabulary entry: cannot match.
            const size_t room = vocab_.maxBytes();
            while (end > start && (at[end] - at[start]) + (start > 0 ? prefix_.size() : 0) > room) {
                --end;
            }
            const int32_t* found = nullptr;
            for (; end > start; --end) {
                candidate.clear();
                if (start > 0) {
                    candidate += prefix_;
                }
                candidate.append(word, at[start], at[end] - at[start]);
                found = vocab_.findPtr(candidate);
                if (found != nullptr) {
                    break;
                }
            }
            if (found == nullptr) {
                out.resize(firstOut);
                out.push_back({ unkId_, unk_, 0, n });
                return;
            }
            out.push_back({ *found, candidate, start, end });
            start = end;
        }
    }

private:
    Vocabulary vocab_;
    std::string unk_;
    std::string prefix_;
    size_t maxChars_;
    int32_t unkId_ = 0;
};

// ---- Unigram ----

class Unigram final : public Model {
public:
    explicit Unigram(const JsonReader& spec)
        : byteFallback_(spec.boolean("byte_fallback", false))
    {
        if (!spec.given("vocab") || !spec.json().at("vocab").is_array()) {
            spec.bad("vocab", "a list of [token, score] pairs");
        }
        const auto& items = spec.json().at("vocab");
        pieces_.reserve(items.size());
        ids_.reserve(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            const auto& item = items[i];
            if (!item.is_array() || item.size() != 2 || !item[0].is_string()
                || !item[1].is_number()) {
                spec.bad("vocab[" + std::to_string(i) + "]", "a [token, score] pair");
            }
            pieces_.push_back({ item[0].get<std::string>(), item[1].get<double>() });
            ids_[pieces_.back().token] = static_cast<int32_t>(i);
            minScore_ = std::min(minScore_, pieces_.back().score);
            maxBytes_ = std::max(maxBytes_, pieces_.back().token.size());
        }
        if (spec.given("unk_id")) {
            const int64_t unk = spec.integer("unk_id", 0);
            if (unk < 0 || static_cast<size_t>(unk) >= pieces_.size()) {
                spec.bad("unk_id",
                    "the index of a vocabulary entry (0 to "
                        + std::to_string(static_cast<int64_t>(pieces_.size()) - 1) + ")");
            }
            unkId_ = static_cast<int32_t>(unk);
        }
        if (byteFallback_) {
            bytes_.read([this](const std::string& token) {
                const auto it = ids_.find(token);
                return it == ids_.end() ? -1 : it->second;
            });
        }
    }

    std::string typeName() const override { return "Unigram"; }
    std::optional<int64_t> tokenToId(const std::string& token) const override
    {
        const auto it = ids_.find(token);
        if (it == ids_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    const std::string* token(int64_t id) const override
    {
        if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) {
            return nullptr;
        }
        return &pieces_[static_cast<size_t>(id)].token;
    }
    int64_t size() const override { return static_cast<int64_t>(pieces_.size()); }
    int64_t idLimit() const override { return static_cast<int64_t>(pieces_.size()); }
    std::optional<std::string> unknownToken() const override
    {
        if (unkId_ < 0) {
            return std::nullopt;
        }
        return pieces_[static_cast<size_t>(unkId_)].token;
    }

    /// The reference's encode_optimized (SentencePiece's Viterbi over the lattice of
    /// vocabulary pieces): ties keep the first path found; a character no piece covers is
    /// the unknown token, scored min_score - 10; runs of unknown pieces are fused.
    void tokenize(const NormalizedString& split, std::vector<ModelToken>& out) const override
    {
        const size_t n = split.size();
        if (n == 0) {
            return;
        }
        std::string text;
        std::vector<size_t> at;
        at.reserve(n + 1);
        for (size_t i = 0; i < n; ++i) {
            at.push_back(text.size());
            unicode::appendUtf8(text, split.at(i));
        }
        at.push_back(text.size());

        struct Node {
            int32_t id = 0;
            double score = 0.0;
            int64_t start = -1; ///< character where the best path's last piece starts
        };
        std::vector<Node> best(n + 1);
        const double unkScore = minScore_ - 10.0;
        std::string piece;
        for (size_t start = 0; start < n; ++start) {
            if (start > 0 && best[start].start < 0) {
                continue; // unreachable (cannot happen: every character has a node)
            }
            const double here = best[start].score;
            bool single = false;
            piece.clear();
            for (size_t end = start + 1; end <= n; ++end) {
                piece.append(text, at[end - 1], at[end] - at[end - 1]);
                if (piece.size() > maxBytes_) {
                    break;
                }
                const auto it = ids_.find(piece);
                if (it == ids_.end()) {
                    continue;
                }
                const double candidate = pieces_[static_cast<size_t>(it->second)].score + here;
                Node& target = best[end];
                if (target.start < 0 || candidate > target.score) {
                    target = { it->second, candidate, static_cast<int64_t>(start) };
                }
                if (end == start + 1) {
                    single = true;
                }
            }
            if (!single) {
                if (unkId_ < 0) {
                    throw Error(ErrorKind::InvalidInput,
                        "tokenizer.json: the Unigram model has no unk_id but the text "
                        "has a character its vocabulary lacks. Set \"unk_id\" in the "
                        "model, or use the model's original tokenizer.json.");
                }
                const double candidate = unkScore + here;
                Node& target = best[start + 1];
                if (target.start < 0 || candidate > target.score) {
                    target = { unkId_, candidate, static_cast<int64_t>(start) };
                }
            }
        }
        // Back from the end; unknown pieces next to each other become one.
        struct Span {
            size_t begin;
            size_t end;
            bool unk;
        };
        std::vector<Span> spans;
        for (size_t end = n; end > 0;) {
            const Node& node = best[end];
            const auto start = static_cast<size_t>(node.start);
            const bool unk = node.id == unkId_;
            if (unk && !spans.empty() && spans.back().unk) {
                spans.back().begin = start;
            } else {
                spans.push_back({ start, end, unk });
            }
            end = start;
        }
        std::reverse(spans.begin(), spans.end());
        for (const Span& span : spans) {
            std::string value = text.substr(at[span.begin], at[span.end] - at[span.begin]);
            const auto it = ids_.find(value);
            if (it != ids_.end()) {
                out.push_back({ it->second, std::move(value), span.begin, span.end });
                continue;
            }
            if (byteFallback_ && bytes_.cover(value)) {
                for (const char c : value) {
                    out.push_back(
                        { bytes_.id(c), byteToken(static_cast<uint8_t>(c)), span.begin, span.end });
                }
                continue;
            }
            out.push_back({ unkId_, std::move(value), span.begin, span.end });
        }
    }

private:
    struct Piece {
        std::string token;
        double score;
    };
    std::vector<Piece> pieces_;
    std::unordered_map<std::string, int32_t> ids_;
    double minScore_ = std::numeric_limits<double>::infinity();
    size_t maxBytes_ = 0;
    int32_t unkId_ = -1;
    bool byteFallback_;
    ByteTokens bytes_;
};

// ---- WordLevel ----

class WordLevel final : public Model {
public:
    explicit WordLevel(const JsonReader& spec)
        : vocab_(readVocabMap(spec))
        , unk_(spec.string("unk_token", "<unk>"))
    {
    }

    std::string typeName() const override { return "WordLevel"; }
    std::optional<int64_t> tokenToId(const std::string& token) const override
    {
        return vocab_.find(token);
    }
    const std::string* token(int64_t id) const override { return vocab_.token(id); }
    int64_t size() const override { return vocab_.size(); }
    int64_t idLimit() const override { return vocab_.idLimit(); }
    std::optional<std::string> unknownToken() const override { return unk_; }

    void tokenize(const NormalizedString& split, std::vector<ModelToken>& out) const override
    {
        std::string word = split.utf8();
        if (const auto id = vocab_.find(word)) {
            out.push_back({ *id, std::move(word), 0, split.size() });
            return;
        }
        const auto unk = vocab_.find(unk_);
        if (!unk) {
            throw Error(ErrorKind::InvalidInput,
                "tokenizer.json: \"" + word
                    + "\" is not in the WordLevel vocabulary "
                      "and its unk_token \""
                    + unk_ + "\" is not either. Fix the file.");
        }
        out.push_back({ *unk, unk_, 0, split.size() });
    }

private:
    Vocabulary vocab_;
    std::string unk_;
};

} // namespace

std::unique_ptr<Model> makeModel(const JsonReader& spec)
{
    if (!spec.json().is_object()) {
        spec.bad("", "an object");
    }
    // Files from early versions of the reference carry no "type": tell by the fields.
    std::string type;
    if (spec.has("type")) {
        type = spec.type();
    } else if (spec.has("merges")) {
        type = "BPE";
    } else if (spec.has("vocab") && spec.json().at("vocab").is_array()) {
        type = "Unigram";
    } else if (spec.has("continuing_subword_prefix") || spec.has("max_input_chars_per_word")) {
        type = "WordPiece";
    } else {
        type = "WordLevel";
    }
    if (type == "BPE") {
        return std::make_unique<Bpe>(spec);
    }
    if (type == "WordPiece") {
        return std::make_unique<WordPiece>(spec);
    }
    if (type == "Unigram") {
        return std::make_unique<Unigram>(spec);
    }
    if (type == "WordLevel") {
        return std::make_unique<WordLevel>(spec);
    }
    spec.unsupported("model type \"" + type + "\"", kKnown);
}

} // namespace lumen::engine::hf
