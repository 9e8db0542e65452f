// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json pre-tokenizers (tokenizers 0.19, src/pre_tokenizers/).
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "tokenizers/oniguruma_regex.h"

namespace lumen::engine::hf {

namespace {

const std::string kKnown =
    joinKnown({ "ByteLevel", "BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Metaspace",
        "Split", "Punctuation", "Digits", "CharDelimiterSplit", "Sequence" });

// GPT-2's pattern, which ByteLevel uses when use_regex is set.
const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

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
        static const Pattern gpt2 = Pattern::regex(sharedRegex(kGpt2Pattern));
        pattern_ = &gpt2;
    }

    void preTokenize(PreTokenized& splits) const override
    {
        splitEach(splits, [this](NormalizedString&& s) {
            if (addPrefixSpace_ && !(s.size() > 0 && s.at(0) == U' ')) {
                s.prepend(U" ");
            }
            if (!useRegex_) {
                std::vector<NormalizedString> one;
                one.push_back(std::move(s));
                return one;
            }
            return s.split(pattern_->find(s), SplitBehavior::Isolated);
        });
        std::vector<CharChange> changes;
        std::string bytes;
        for (Split& split : splits) {
            if (split.addedId >= 0) {
                continue;
            }
            changes.clear();
            bool ascii = true;
            for (const auto& c : split.text.chars()) {
                if (c.cp >= 0x80 || byteChar(static_cast<uint8_t>(c.cp)) != c.cp) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) {
                continue; // printable ASCII stands for itself
            }
            for (const auto& c : split.text.chars()) {
                bytes.clear();
                unicode::appendUtf8(bytes, c.cp);
                for (size_t i = 0; i < bytes.size(); ++i) {
                    changes.push_back({ byteChar(static_cast<uint8_t>(bytes[i])), i == 0 ? 0 : 1 });
                }
            }
            split.text.transform(changes, 0);
        }
    }

private:
    bool addPrefixSpace_;
    bool useRegex_;
    const Pattern* pattern_ = nullptr;
};

class BertPreTokenizer final : public PreTokenizer {
public:
    void preTokenize(PreTokenized& splits) const override
    {
        static const Pattern space = Pattern::chars(isWhitespace);
        static const Pattern punctuation = Pattern::chars(isPunctuation);
        splitOn(splits, space, SplitBehavior::Removed);
        splitOn(splits, punctuation, SplitBehavior::Isolated);
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
