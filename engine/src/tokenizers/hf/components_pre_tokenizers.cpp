// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json pre-tokenizers (tokenizers 0.19, src/pre_tokenizers/).
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "tokenizers/gpt2_pattern.h"
#include "tokenizers/oniguruma_regex.h"

namespace lumen::engine::hf {

namespace {

const std::string kKnown =
    joinKnown({ "ByteLevel", "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Metaspace",
        "Split", "Punctuation", "Digits", "CharDelimiterSplit", "Sequence" });

std::shared_ptr<const OnigurumaRegex> sharedRegex(const char* pattern)
{
    return std::make_shared<const OnigurumaRegex>(pattern);
}

SplitBehavior readBehavior(const JsonReader& spec, const char* key, SplitBehavior fallback)
{
    if (!spec.given(key)) {
        return fallback;
    }
    const std::string name = spec.string(key);
    if (name == "Removed") {
        return SplitBehavior::Removed;
    }
    if (name == "Isolated") {
        return SplitBehavior::Isolated;
    }
    if (name == "MergedWithPrevious") {
        return SplitBehavior::MergedWithPrevious;
    }
    if (name == "MergedWithNext") {
        return SplitBehavior::MergedWithNext;
    }
    if (name == "Contiguous") {
        return SplitBehavior::Contiguous;
    }
    spec.bad(key, "one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

/// Splits every text split on `pattern` with `behavior`.
void splitOn(
    PreTokenized& splits, const Pattern& pattern, SplitBehavior behavior, bool invert = false)
{
    splitEach(splits, [&](NormalizedString&& s) {
        std::vector<PatternMatch> matches = pattern.find(s);
        if (invert) {
            invertMatches(matches);
        }
        return s.split(matches, behavior);
    });
}

class ByteLevel final : public PreTokenizer {
public:
    explicit ByteLevel(const JsonReader& spec)
        : addPrefixSpace_(spec.boolean("add_prefix_space", true))
        , useRegex_(spec.boolean("use_regex", true))
    {
    }

    void preTokenize(PreTokenized& splits) const override
    {
        // Split by the pattern (when use_regex), then map every character to the characters
        // of its UTF-8 bytes, all with the character's range; done in one pass per split.
        PreTokenized out;
        out.reserve(splits.size());
        unicode::MappedText chars;
        std::string bytes;
        std::vector<std::pair<size_t, size_t>> pieces;
        for (Split& split : splits) {
            if (split.addedId >= 0) {
                out.push_back(std::move(split));
                continue;
            }
            NormalizedString& s = split.text;
            if (addPrefixSpace_ && !(s.size() > 0 && s.at(0) == U' ')) {
                s.prepend(U" ");
            }
            pieces.clear();
            if (useRegex_) {
                // GPT-2's pattern, scanned by hand (tokenizers/gpt2_pattern.h).
                const auto& all = s.chars();
                gpt2::pieces([&all](size_t i) { return all[i].cp; }, all.size(), pieces);
            } else if (!s.empty()) {
                pieces.emplace_back(0, s.size());
            }
            for (const auto& [pieceBegin, pieceEnd] : pieces) {
                chars.clear();
                chars.reserve(pieceEnd - pieceBegin);
                for (size_t i = pieceBegin; i < pieceEnd; ++i) {
                    const unicode::MappedChar& c = s.chars()[i];
                    if (c.cp < 0x80) {
                        chars.push_back({ byteChar(static_cast<uint8_t>(c.cp)), c.begin, c.end });
                        continue;
                    }
                    bytes.clear();
                    unicode::appendUtf8(bytes, c.cp);
                    for (const char b : bytes) {
                        chars.push_back({ byteChar(static_cast<uint8_t>(b)), c.begin, c.end });
                    }
                }
                const auto [begin, end] = s.originalRange(pieceBegin, pieceEnd);
                out.push_back({ NormalizedString::fromChars(chars, begin, end), -1 });
            }
        }
        splits = std::move(out);
    }

private:
    bool addPrefixSpace_;
    bool useRegex_;
};

class BertPreTokenizer final : public PreTokenizer {
public:
    // Split on white space (removed), then on punctuation (isolated), in one pass.
    void preTokenize(PreTokenized& splits) const override
    {
        splitEach(splits, [](NormalizedString&& s) {
            std::vector<NormalizedString> out;
            const auto& chars = s.chars();
            size_t start = 0;
            for (size_t i = 0; i < chars.size(); ++i) {
                const char32_t c = chars[i].cp;
                const bool space = isWhitespace(c);
                if (!space && !isPunctuation(c)) {
                    continue;
                }
                if (i > start) {
                    out.push_back(s.slice(start, i));
                }
                if (!space) {
                    out.push_back(s.slice(i, i + 1));
                }
                start = i + 1;
            }
            if (start == 0) {
                out.push_back(std::move(s));
            } else if (start < chars.size()) {
                out.push_back(s.slice(start, chars.size()));
            }
            return out;
        });
    }
};

class Whitespace final : public PreTokenizer {
public:
    void preTokenize(PreTokenized& splits) const override
    {
        static const Pattern words = Pattern::regex(sharedRegex(R"(\w+|[^\w\s]+)"));
        splitOn(splits, words, SplitBehavior::Removed, /*invert=*/true);
    }
};

class WhitespaceSplit final : public PreTokenizer {
public:
    void preTokenize(PreTokenized& splits) const override
    {
        static const Pattern space = Pattern::chars(isWhitespace);
        splitOn(splits, space, SplitBehavior::Removed);
    }
};

class Metaspace final : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };

    explicit Metaspace(const JsonReader& spec)
        : replacement_(spec.character("replacement", U'\u2581'))
        , split_(spec.boolean("split", true))
    {
        prepend_ = Prepend::Always;
        if (spec.given("prepend_scheme")) {
            const std::string scheme = spec.string("prepend_scheme");
            if (scheme == "always") {
                prepend_ = Prepend::Always;
            } else if (scheme == "first") {
                prepend_ = Prepend::First;
            } else if (scheme == "never") {
                prepend_ = Prepend::Never;
            } else {
                spec.bad("prepend_scheme", "\"always\", \"first\" or \"never\"");
            }
        }
        if (spec.given("add_prefix_space") && !spec.boolean("add_prefix_space", true)) {
            if (spec.given("prepend_scheme") && prepend_ != Prepend::Never) {
                spec.bad("add_prefix_space", "consistent with prepend_scheme");
            }
            prepend_ = Prepend::Never;
        }
        const char32_t r = replacement_;
        matchReplacement_ = Pattern::chars([r](char32_t c) { return c == r; });
    }

    void preTokenize(PreTokenized& splits) const override
    {
        static const Pattern space = Pattern::literal(U" ");
        const std::u32string replacement(1, replacement_);
        splitEach(splits, [&](NormalizedString&& s) {
            s.replace(space.find(s), replacement);
            const bool startsWith = s.size() > 0 && s.at(0) == replacement_;
            if ((prepend_ == Prepend::Always && !startsWith)
                || (prepend_ == Prepend::First && !startsWith && s.originalBegin() == 0)) {
                s.prepend(replacement);
            }
            if (!split_) {
                std::vector<NormalizedString> one;
                one.push_back(std::move(s));
                return one;
            }
            return s.split(matchReplacement_.find(s), SplitBehavior::MergedWithNext);
        });
    }

private:
    char32_t replacement_;
    bool split_;
    Prepend prepend_ = Prepend::Always;
    Pattern matchReplacement_;
};

class SplitPreTokenizer final : public PreTokenizer {
public:
    explicit SplitPreTokenizer(const JsonReader& spec)
        : pattern_(readPattern(spec, "pattern"))
        , behavior_(readBehavior(spec, "behavior", SplitBehavior::Removed))
        , invert_(spec.boolean("invert", false))
    {
        if (!spec.given("behavior")) {
            spec.bad("behavior", "given");
        }
    }
    void preTokenize(PreTokenized& splits) const override
    {
        splitOn(splits, pattern_, behavior_, invert_);
    }

private:
    Pattern pattern_;
    SplitBehavior behavior_;
    bool invert_;
};

class PredicateSplit final : public PreTokenizer {
public:
    PredicateSplit(std::function<bool(char32_t)> predicate, SplitBehavior behavior)
        : pattern_(Pattern::chars(std::move(predicate)))
        , behavior_(behavior)
    {
    }
    void preTokenize(PreTokenized& splits) const override { splitOn(splits, pattern_, behavior_); }

private:
    Pattern pattern_;
    SplitBehavior behavior_;
};

class Sequence final : public PreTokenizer {
public:
    explicit Sequence(const JsonReader& spec)
    {
        for (const JsonReader& item : spec.list("pretokenizers")) {
            if (auto p = makePreTokenizer(item)) {
                steps_.push_back(std::move(p));
            }
        }
    }
    void preTokenize(PreTokenized& splits) const override
    {
        for (const auto& step : steps_) {
            step->preTokenize(splits);
        }
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

} // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const JsonReader& spec)
{
    if (spec.json().is_null()) {
        return nullptr;
    }
    const std::string type = spec.type();
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevel>(spec);
    }
    if (type == "BertPreTokenizer") {
        return std::make_unique<BertPreTokenizer>();
    }
    if (type == "Whitespace") {
        return std::make_unique<Whitespace>();
    }
    if (type == "WhitespaceSplit") {
        return std::make_unique<WhitespaceSplit>();
    }
    if (type == "Metaspace") {
        return std::make_unique<Metaspace>(spec);
    }
    if (type == "Split") {
        return std::make_unique<SplitPreTokenizer>(spec);
    }
    if (type == "Punctuation") {
        return std::make_unique<PredicateSplit>(
            isPunctuation, readBehavior(spec, "behavior", SplitBehavior::Isolated));
    }
    if (type == "Digits") {
        return std::make_unique<PredicateSplit>(isNumeric,
            spec.boolean("individual_digits", false) ? SplitBehavior::Isolated
                                                     : SplitBehavior::Contiguous);
    }
    if (type == "CharDelimiterSplit") {
        const char32_t delimiter = spec.character("delimiter", U' ');
        return std::make_unique<PredicateSplit>(
            [delimiter](char32_t c) { return c == delimiter; }, SplitBehavior::Removed);
    }
    if (type == "Sequence") {
        return std::make_unique<Sequence>(spec);
    }
    spec.unsupported("pre-tokenizer type \"" + type + "\"", kKnown);
}

} // namespace lumen::engine::hf
