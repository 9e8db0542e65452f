// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json post-processors (tokenizers 0.19, src/processors/).
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace lumen::engine::hf {

namespace {

const std::string kKnown = joinKnown(
    { "TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence" });

Encoding specialEncoding(
    const std::vector<int64_t>& ids, const std::vector<std::string>& tokens, int64_t typeId)
{
    Encoding e;
    e.ids = ids;
    e.tokens = tokens;
    e.offsets.assign(ids.size(), { 0, 0 });
    e.typeIds.assign(ids.size(), typeId);
    e.specialMask.assign(ids.size(), 1);
    return e;
}

std::pair<std::string, int64_t> readNamedId(const JsonReader& spec, const char* key)
{
    const auto& v = spec.json().contains(key) ? spec.json().at(key) : nlohmann::json();
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_integer()) {
        spec.bad(key, "a [token, id] pair");
    }
    return { v[0].get<std::string>(), v[1].get<int64_t>() };
}

struct TemplatePiece {
    bool sequence = false;
    bool second = false; ///< sequence B
    std::string special; ///< the special token's name
    int64_t typeId = 0;
};

class Template final : public PostProcessor {
public:
    Template(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
        std::map<std::string, TemplateSpecial> specials)
        : single_(std::move(single))
        , pair_(std::move(pair))
        , specials_(std::move(specials))
    {
    }

    size_t addedTokens(bool pair) const override
    {
        size_t n = 0;
        for (const TemplatePiece& piece : pair ? pair_ : single_) {
            if (!piece.sequence) {
                n += specials_.at(piece.special).ids.size();
            }
        }
        return n;
    }

    std::vector<Encoding> process(
        std::vector<Encoding> encodings, bool addSpecialTokens) const override
    {
        const bool pair = encodings.size() >= 2;
        std::vector<Encoding> out;
        for (const TemplatePiece& piece : pair ? pair_ : single_) {
            if (piece.sequence) {
                const size_t i = piece.second ? 1 : 0;
                if (i >= encodings.size()) {
                    continue;
                }
                Encoding e = encodings[i];
                e.typeIds.assign(e.ids.size(), piece.typeId);
                out.push_back(std::move(e));
            } else if (addSpecialTokens) {
                const TemplateSpecial& s = specials_.at(piece.special);
                out.push_back(specialEncoding(s.ids, s.tokens, piece.typeId));
            }
        }
        return out;
    }

private:
    std::vector<TemplatePiece> single_;
    std::vector<TemplatePiece> pair_;
    std::map<std::string, TemplateSpecial> specials_;
};

std::vector<TemplatePiece> readTemplate(
    const JsonReader& spec, const char* key, const std::map<std::string, TemplateSpecial>& specials)
{
    std::vector<TemplatePiece> out;
    for (const JsonReader& item : spec.list(key)) {
        TemplatePiece piece;
        if (item.given("Sequence")) {
            const JsonReader s = item.child("Sequence");
            const std::string id = s.string("id");
            if (id != "A" && id != "B") {
                s.bad("id", "\"A\" or \"B\"");
            }
            piece.sequence = true;
            piece.second = id == "B";
            piece.typeId = s.integer("type_id", 0);
        } else if (item.given("SpecialToken")) {
            const JsonReader s = item.child("SpecialToken");
            piece.special = s.string("id");
            piece.typeId = s.integer("type_id", 0);
            if (specials.count(piece.special) == 0) {
                s.bad("id",
                    "a token listed in \"special_tokens\" (\"" + piece.special + "\" is not)");
            }
        } else {
            item.bad("", "{\"Sequence\": ...} or {\"SpecialToken\": ...}");
        }
        out.push_back(std::move(piece));
    }
    return out;
}

std::unique_ptr<PostProcessor> readTemplateProcessing(const JsonReader& spec)
{
    std::map<std::string, TemplateSpecial> specials;
    if (spec.given("special_tokens")) {
        const JsonReader tokens = spec.child("special_tokens");
        if (!tokens.json().is_object()) {
            tokens.bad("", "an object of special tokens");
        }
        for (const auto& [name, value] : tokens.json().items()) {
            const JsonReader s(value, spec.file(), tokens.path() + "." + name);
            TemplateSpecial special;
            special.name = s.string("id", name);
            for (const JsonReader& id : s.list("ids")) {
                if (!id.json().is_number_integer()) {
                    id.bad("", "an integer id");
                }
                special.ids.push_back(id.json().get<int64_t>());
            }
            for (const JsonReader& token : s.list("tokens")) {
                if (!token.json().is_string()) {
                    token.bad("", "a string");
                }
                special.tokens.push_back(token.json().get<std::string>());
            }
            if (special.ids.size() != special.tokens.size()) {
                s.bad("ids", "as long as \"tokens\"");
            }
            specials[name] = std::move(special);
        }
    }
    auto single = readTemplate(spec, "single", specials);
    auto pair = readTemplate(spec, "pair", specials);
    return std::make_unique<Template>(std::move(single), std::move(pair), std::move(specials));
}

class BertProcessing final : public PostProcessor {
public:
    explicit BertProcessing(const JsonReader& spec)
        : sep_(readNamedId(spec, "sep"))
        , cls_(readNamedId(spec, "cls"))
    {
    }
    size_t addedTokens(bool pair) const override { return pair ? 3 : 2; }
    std::vector<Encoding> process(
        std::vector<Encoding> encodings, bool addSpecialTokens) const override
    {
        if (!addSpecialTokens) {
            return encodings;
        }
        std::vector<Encoding> out;
        out.push_back(specialEncoding({ cls_.second }, { cls_.first }, 0));
        out.push_back(std::move(encodings[0]));
        out.push_back(specialEncoding({ sep_.second }, { sep_.first }, 0));
        if (encodings.size() > 1) {
            out.push_back(std::move(encodings[1]));
            out.push_back(specialEncoding({ sep_.second }, { sep_.first }, 1));
        }
        return out;
    }

private:
    std::pair<std::string, int64_t> sep_;
    std::pair<std::string, int64_t> cls_;
};

class RobertaProcessing final : public PostProcessor {
public:
    explicit RobertaProcessing(const JsonReader& spec)
        : sep_(readNamedId(spec, "sep"))
        , cls_(readNamedId(spec, "cls"))
        , trimOffsets_(spec.boolean("trim_offsets", true))
        , addPrefixSpace_(spec.boolean("add_prefix_space", true))
    {
    }
    size_t addedTokens(bool pair) const override { return pair ? 4 : 2; }
    std::vector<Encoding> process(
        std::vector<Encoding> encodings, bool addSpecialTokens) const override
    {
        for (Encoding& e : encodings) {
            if (trimOffsets_) {
                trimByteLevelOffsets(e, addPrefixSpace_);
            }
            e.typeIds.assign(
                e.ids.size(), 0); // "Roberta is weird, and every encoding is type_id=0"
        }
        if (!addSpecialTokens) {
            return encodings;
        }
        std::vector<Encoding> out;
        out.push_back(specialEncoding({ cls_.second }, { cls_.first }, 0));
        out.push_back(std::move(encodings[0]));
        out.push_back(specialEncoding({ sep_.second }, { sep_.first }, 0));
        if (encodings.size() > 1) {
            out.push_back(specialEncoding({ sep_.second }, { sep_.first }, 0));
            out.push_back(std::move(encodings[1]));
            out.push_back(specialEncoding({ sep_.second }, { sep_.first }, 0));
        }
        return out;
    }

private:
    std::pair<std::string, int64_t> sep_;
    std::pair<std::string, int64_t> cls_;
    bool trimOffsets_;
    bool addPrefixSpace_;
};

class ByteLevelProcessing final : public PostProcessor {
public:
    explicit ByteLevelProcessing(const JsonReader& spec)
        : trimOffsets_(spec.boolean("trim_offsets", true))
        , addPrefixSpace_(spec.boolean("add_prefix_space", true))
    {
    }
    size_t addedTokens(bool) const override { return 0; }
    std::vector<Encoding> process(std::vector<Encoding> encodings, bool) const override
    {
        if (trimOffsets_) {
            for (Encoding& e : encodings) {
                trimByteLevelOffsets(e, addPrefixSpace_);
            }
        }
        return encodings;
    }

private:
    bool trimOffsets_;
    bool addPrefixSpace_;
};

class SequenceProcessing final : public PostProcessor {
public:
    explicit SequenceProcessing(const JsonReader& spec)
    {
        for (const JsonReader& item : spec.list("processors")) {
            if (auto p = makePostProcessor(item)) {
                steps_.push_back(std::move(p));
            }
        }
    }
    size_t addedTokens(bool pair) const override
    {
        size_t n = 0;
        for (const auto& step : steps_) {
            n += step->addedTokens(pair);
        }
        return n;
    }
    std::vector<Encoding> process(
        std::vector<Encoding> encodings, bool addSpecialTokens) const override
    {
        for (const auto& step : steps_) {
            encodings = step->process(std::move(encodings), addSpecialTokens);
        }
        return encodings;
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> steps_;
};

/// "[CLS]:0 $A:0 [SEP]:0" -> pieces (the reference's Template string form).
std::vector<TemplatePiece> parseTemplateString(const std::string& text)
{
    std::vector<TemplatePiece> out;
    std::istringstream in(text);
    std::string part;
    while (in >> part) {
        TemplatePiece piece;
        std::string name = part;
        const size_t colon = part.rfind(':');
        if (colon != std::string::npos && colon + 1 < part.size()
            && std::all_of(part.begin() + static_cast<std::ptrdiff_t>(colon) + 1, part.end(),
                [](char c) { return c >= '0' && c <= '9'; })) {
            name = part.substr(0, colon);
            piece.typeId = std::stoll(part.substr(colon + 1));
        }
        if (name == "$A" || name == "$" || name == "$B") {
            piece.sequence = true;
            piece.second = name == "$B";
        } else {
            piece.special = name;
        }
        out.push_back(std::move(piece));
    }
    return out;
}

} // namespace

void trimByteLevelOffsets(Encoding& encoding, bool addPrefixSpace)
{
    const char32_t space = byteChar(' ');
    for (size_t i = 0; i < encoding.ids.size(); ++i) {
        const std::u32string value = unicode::decodeUtf8(encoding.tokens[i]);
        size_t leading = 0;
        while (
            leading < value.size() && (value[leading] == space || isWhitespace(value[leading]))) {
            ++leading;
        }
        size_t trailing = 0;
        while (trailing < value.size()
            && (value[value.size() - 1 - trailing] == space
                || isWhitespace(value[value.size() - 1 - trailing]))) {
            ++trailing;
        }
        auto& [begin, end] = encoding.offsets[i];
        if (leading > 0) {
            const bool first = i == 0 || begin == 0;
            if (first && addPrefixSpace && leading == 1) {
                leading = 0; // the space the pre-tokenizer added
            }
            begin = std::min(begin + static_cast<int64_t>(leading), end);
        }
        if (trailing > 0 && end >= static_cast<int64_t>(trailing)) {
            end = std::max(end - static_cast<int64_t>(trailing), begin);
        }
    }
}

std::unique_ptr<PostProcessor> makePostProcessor(const JsonReader& spec)
{
    if (spec.json().is_null()) {
        return nullptr;
    }
    const std::string type = spec.type();
    if (type == "TemplateProcessing") {
        return readTemplateProcessing(spec);
    }
    if (type == "BertProcessing") {
        return std::make_unique<BertProcessing>(spec);
    }
    if (type == "RobertaProcessing") {
        return std::make_unique<RobertaProcessing>(spec);
    }
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevelProcessing>(spec);
    }
    if (type == "Sequence") {
        return std::make_unique<SequenceProcessing>(spec);
    }
    spec.unsupported("post-processor type \"" + type + "\"", kKnown);
}

std::unique_ptr<PostProcessor> makeTemplate(
    const std::string& single, const std::string& pair, std::vector<TemplateSpecial> specials)
{
    std::map<std::string, TemplateSpecial> byName;
    for (TemplateSpecial& s : specials) {
        byName[s.name] = std::move(s);
    }
    auto singlePieces = parseTemplateString(single);
    auto pairPieces = parseTemplateString(pair);
    for (const auto* pieces : { &singlePieces, &pairPieces }) {
        for (const TemplatePiece& piece : *pieces) {
            if (!piece.sequence && byName.count(piece.special) == 0) {
                throw Error(ErrorKind::InvalidInput,
                    "the template names the special token \"" + piece.special
                        + "\", which the tokenizer does not have. Set it in "
                          "tokenizer_config.json.");
            }
        }
    }
    return std::make_unique<Template>(
        std::move(singlePieces), std::move(pairPieces), std::move(byName));
}

} // namespace lumen::engine::hf
