// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json decoders (tokenizers 0.19, src/decoders/).
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "tokenizers/tokenizer_config.h"

namespace lumen::engine::hf {

namespace {

const std::string kKnown = joinKnown({ "ByteLevel", "WordPiece", "Metaspace", "BPEDecoder",
    "Replace", "ByteFallback", "Fuse", "Strip", "CTC", "Sequence" });

using unicode::decodeUtf8Lossy;
using unicode::isValidUtf8;

class ByteLevel final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        std::string bytes;
        for (const std::string& token : tokens) {
            const std::u32string chars = unicode::decodeUtf8(token);
            std::string mapped;
            mapped.reserve(chars.size());
            bool all = true;
            for (const char32_t c : chars) {
                const int b = byteOfChar(c);
                if (b < 0) {
                    all = false;
                    break;
                }
                mapped.push_back(static_cast<char>(b));
            }
            bytes += all ? mapped : token;
        }
        return { decodeUtf8Lossy(bytes) };
    }
};

/// The reference's wordpiece::cleanup.
std::string cleanup(std::string text)
{
    for (const auto& [from, to] :
        std::initializer_list<std::pair<const char*, const char*>> { { " .", "." }, { " ?", "?" },
            { " !", "!" }, { " ,", "," }, { " ' ", "'" }, { " n't", "n't" }, { " 'm", "'m" },
            { " do not", " don't" }, { " 's", "'s" }, { " 've", "'ve" }, { " 're", "'re" } }) {
        text = replaceAll(text, from, to);
    }
    return text;
}

class WordPiece final : public Decoder {
public:
    explicit WordPiece(const JsonReader& spec)
        : prefix_(spec.string("prefix", "##"))
        , cleanup_(spec.boolean("cleanup", true))
    {
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (size_t i = 0; i < tokens.size(); ++i) {
            std::string& token = tokens[i];
            if (i != 0) {
                if (!prefix_.empty() && token.compare(0, prefix_.size(), prefix_) == 0) {
                    token.erase(0, prefix_.size());
                } else if (prefix_.empty()) {
                    // replacen("", "", 1) changes nothing
                } else {
                    token.insert(0, " ");
                }
            }
            if (cleanup_) {
                token = cleanup(std::move(token));
            }
        }
        return tokens;
    }

private:
    std::string prefix_;
    bool cleanup_;
};

class Metaspace final : public Decoder {
public:
    explicit Metaspace(const JsonReader& spec)
        : replacement_(spec.character("replacement", U'\u2581'))
    {
        const std::string scheme = spec.string("prepend_scheme", "always");
        dropFirst_ = scheme != "never";
        if (spec.given("add_prefix_space") && !spec.boolean("add_prefix_space", true)) {
            dropFirst_ = false;
        }
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            for (const char32_t c : unicode::decodeUtf8(tokens[i])) {
                if (c == replacement_) {
                    if (!(i == 0 && dropFirst_)) {
                        out.push_back(' ');
                    }
                } else {
                    unicode::appendUtf8(out, c);
                }
            }
            tokens[i] = std::move(out);
        }
        return tokens;
    }

private:
    char32_t replacement_;
    bool dropFirst_ = true;
};

class BpeDecoder final : public Decoder {
public:
    explicit BpeDecoder(const JsonReader& spec)
        : suffix_(spec.string("suffix", "</w>"))
    {
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (size_t i = 0; i < tokens.size(); ++i) {
            tokens[i] = replaceAll(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
        }
        return tokens;
    }

private:
    std::string suffix_;
};

class ReplaceDecoder final : public Decoder {
public:
    explicit ReplaceDecoder(const JsonReader& spec)
        : pattern_(readPattern(spec, "pattern"))
        , content_(spec.string("content"))
    {
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (std::string& token : tokens) {
            const NormalizedString s = NormalizedString::fromText(unicode::decodeUtf8(token));
            std::string out;
            for (const PatternMatch& m : pattern_.find(s)) {
                if (m.isMatch) {
                    out += content_;
                } else {
                    out +=
                        unicode::encodeUtf8(s.chars().data() + m.begin, s.chars().data() + m.end);
                }
            }
            token = std::move(out);
        }
        return tokens;
    }

private:
    Pattern pattern_;
    std::string content_;
};

class ByteFallback final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string pending;
        auto flush = [&out, &pending] {
            if (pending.empty()) {
                return;
            }
            if (isValidUtf8(pending)) {
                out.push_back(pending);
            } else {
                for (size_t i = 0; i < pending.size(); ++i) {
                    out.emplace_back("\xEF\xBF\xBD");
                }
            }
            pending.clear();
        };
        for (std::string& token : tokens) {
            int byte = -1;
            if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
                auto hex = [](char c) {
                    if (c >= '0' && c <= '9') {
                        return c - '0';
                    }
                    if (c >= 'A' && c <= 'F') {
                        return c - 'A' + 10;
                    }
                    if (c >= 'a' && c <= 'f') {
                        return c - 'a' + 10;
                    }
                    return -1;
                };
                const int hi = hex(token[3]);
                const int lo = hex(token[4]);
                if (hi >= 0 && lo >= 0) {
                    byte = hi * 16 + lo;
                }
            }
            if (byte >= 0) {
                pending.push_back(static_cast<char>(byte));
            } else {
                flush();
                out.push_back(std::move(token));
            }
        }
        flush();
        return out;
    }
};

class Fuse final : public Decoder {
public:
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        std::string all;
        for (const std::string& token : tokens) {
            all += token;
        }
        return { all };
    }
};

class StripDecoder final : public Decoder {
public:
    explicit StripDecoder(const JsonReader& spec)
        : content_(spec.character("content", U' '))
        , start_(static_cast<size_t>(std::max<int64_t>(0, spec.integer("start", 0))))
        , stop_(static_cast<size_t>(std::max<int64_t>(0, spec.integer("stop", 0))))
    {
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (std::string& token : tokens) {
            const std::u32string chars = unicode::decodeUtf8(token);
            size_t first = 0;
            while (first < start_ && first < chars.size() && chars[first] == content_) {
                ++first;
            }
            size_t last = chars.size();
            for (size_t i = 0; i < stop_ && last > first && chars[last - 1] == content_; ++i) {
                --last;
            }
            token = unicode::encodeUtf8(std::u32string_view(chars).substr(first, last - first));
        }
        return tokens;
    }

private:
    char32_t content_;
    size_t start_;
    size_t stop_;
};

class Ctc final : public Decoder {
public:
    explicit Ctc(const JsonReader& spec)
        : pad_(spec.string("pad_token", "<pad>"))
        , delimiter_(spec.string("word_delimiter_token", "|"))
        , cleanup_(spec.boolean("cleanup", true))
    {
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        std::vector<std::string> out;
        for (size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0 && tokens[i] == tokens[i - 1]) {
                continue; // repeated tokens collapse
            }
            std::string token = replaceAll(tokens[i], pad_, "");
            if (cleanup_) {
                token = replaceAll(cleanup(std::move(token)), delimiter_, " ");
            }
            if (!token.empty()) {
                out.push_back(std::move(token));
            }
        }
        return out;
    }

private:
    std::string pad_;
    std::string delimiter_;
    bool cleanup_;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(const JsonReader& spec)
    {
        for (const JsonReader& item : spec.list("decoders")) {
            if (auto d = makeDecoder(item)) {
                steps_.push_back(std::move(d));
            }
        }
    }
    std::vector<std::string> decodeChain(std::vector<std::string> tokens) const override
    {
        for (const auto& step : steps_) {
            tokens = step->decodeChain(std::move(tokens));
        }
        return tokens;
    }

private:
    std::vector<std::unique_ptr<Decoder>> steps_;
};

} // namespace

std::unique_ptr<Decoder> makeDecoder(const JsonReader& spec)
{
    if (spec.json().is_null()) {
        return nullptr;
    }
    const std::string type = spec.type();
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevel>();
    }
    if (type == "WordPiece") {
        return std::make_unique<WordPiece>(spec);
    }
    if (type == "Metaspace") {
        return std::make_unique<Metaspace>(spec);
    }
    if (type == "BPEDecoder") {
        return std::make_unique<BpeDecoder>(spec);
    }
    if (type == "Replace") {
        return std::make_unique<ReplaceDecoder>(spec);
    }
    if (type == "ByteFallback") {
        return std::make_unique<ByteFallback>();
    }
    if (type == "Fuse") {
        return std::make_unique<Fuse>();
    }
    if (type == "Strip") {
        return std::make_unique<StripDecoder>(spec);
    }
    if (type == "CTC") {
        return std::make_unique<Ctc>(spec);
    }
    if (type == "Sequence") {
        return std::make_unique<SequenceDecoder>(spec);
    }
    spec.unsupported("decoder type \"" + type + "\"", kKnown);
}

} // namespace lumen::engine::hf
