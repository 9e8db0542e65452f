// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/tokenizer_config.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/unicode.h"

#include <algorithm>
#include <utility>

namespace lumen::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct NamedToken {
    const char* key;
    std::optional<AddedTokenSpec> SpecialTokenSettings::*member;
};

const NamedToken kNamedTokens[] = {
    {"bos_token", &SpecialTokenSettings::bos}, {"eos_token", &SpecialTokenSettings::eos},
    {"unk_token", &SpecialTokenSettings::unk}, {"sep_token", &SpecialTokenSettings::sep},
    {"pad_token", &SpecialTokenSettings::pad}, {"cls_token", &SpecialTokenSettings::cls},
    {"mask_token", &SpecialTokenSettings::mask},
};

} // namespace

namespace tokenizer_config {

void badField(const std::string& path, const std::string& key, const std::string& expected)
{
    throw Error(ErrorKind::InvalidInput, path + ": \"" + key + "\" must be " + expected
                                             + ". Fix the value or remove the key.");
}

bool boolField(const json& object, const std::string& path, const char* key, bool fallback)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return fallback;
    }
    if (!it->is_boolean()) {
        badField(path, key, "true or false");
    }
    return it->get<bool>();
}

std::optional<AddedTokenSpec> tokenSpec(const json& value, const std::string& path,
                                        const std::string& key)
{
    if (value.is_null()) {
        return std::nullopt;
    }
    AddedTokenSpec spec;
    if (value.is_string()) {
        spec.content = value.get<std::string>();
        return spec;
    }
    if (!value.is_object() || !value.contains("content") || !value["content"].is_string()) {
        badField(path, key, "a string or an object with a \"content\" string");
    }
    spec.content = value["content"].get<std::string>();
    spec.lstrip = boolField(value, path, "lstrip", false);
    spec.rstrip = boolField(value, path, "rstrip", false);
    spec.singleWord = boolField(value, path, "single_word", false);
    spec.normalized = boolField(value, path, "normalized", false);
    spec.special = boolField(value, path, "special", true);
    return spec;
}

std::vector<AddedTokenSpec> tokenSpecList(const json& value, const std::string& path,
                                          const std::string& key)
{
    std::vector<AddedTokenSpec> out;
    if (value.is_null()) {
        return out;
    }
    if (!value.is_array()) {
        badField(path, key, "a list of tokens");
    }
    for (const json& item : value) {
        if (auto spec = tokenSpec(item, path, key)) {
            out.push_back(std::move(*spec));
        }
    }
    return out;
}

json readObject(const fs::path& file)
{
    json value = readJsonFile(file.string());
    if (!value.is_object()) {
        throw Error(ErrorKind::InvalidInput,
                    file.string() + ": expected a JSON object. Fix or replace the file.");
    }
    return value;
}

json readConfig(const fs::path& folder)
{
    const fs::path configPath = folder / "tokenizer_config.json";
    std::error_code error;
    if (fs::is_regular_file(configPath, error)) {
        return readObject(configPath);
    }
    return json::object();
}

void readModelMaxLength(const json& config, const std::string& path,
                        SpecialTokenSettings& settings)
{
    if (config.contains("model_max_length") && !config["model_max_length"].is_null()) {
        const json& value = config["model_max_length"];
        if (!value.is_number()) {
            badField(path, "model_max_length", "a number");
        }
        // The reference writes int(1e30) for "no limit".
        const double length = value.get<double>();
        settings.modelMaxLength = (length > 0 && length <= 1e9) ? static_cast<int64_t>(length) : 0;
    }
}

bool readSpecialTokens(const json& object, const std::string& path,
                       SpecialTokenSettings& settings, bool robertaMask)
{
    for (const NamedToken& named : kNamedTokens) {
        if (!object.contains(named.key)) {
            continue;
        }
        auto spec = tokenSpec(object[named.key], path, named.key);
        // RobertaTokenizer wraps a plain-string mask token with lstrip=True.
        if (spec && robertaMask && object[named.key].is_string()
            && std::string(named.key) == "mask_token") {
            spec->lstrip = true;
        }
        settings.*(named.member) = std::move(spec);
    }
    if (object.contains("additional_special_tokens")) {
        settings.additionalSpecial = tokenSpecList(object["additional_special_tokens"], path,
                                                   "additional_special_tokens");
        return true;
    }
    return false;
}

bool readSpecialTokensMap(const fs::path& folder, SpecialTokenSettings& settings,
                          bool robertaMask)
{
    const fs::path mapPath = folder / "special_tokens_map.json";
    std::error_code error;
    if (!fs::is_regular_file(mapPath, error)) {
        return false;
    }
    return readSpecialTokens(readObject(mapPath), mapPath.string(), settings, robertaMask);
}

bool readAddedTokens(const json& config, const std::string& path, const fs::path& folder,
                     SpecialTokenSettings& settings,
                     const std::function<void(AddedTokenSpec&)>& adjust)
{
    std::error_code error;
    if (config.contains("added_tokens_decoder") && !config["added_tokens_decoder"].is_null()) {
        const json& decoder = config["added_tokens_decoder"];
        if (!decoder.is_object()) {
            badField(path, "added_tokens_decoder", "an object mapping ids to tokens");
        }
        for (const auto& [key, value] : decoder.items()) {
            const std::string field = "added_tokens_decoder." + key;
            int64_t id = -1;
            try {
                size_t used = 0;
                id = std::stoll(key, &used);
                if (used != key.size()) {
                    id = -1;
                }
            } catch (const std::exception&) {
                id = -1;
            }
            if (id < 0 || id > (int64_t(1) << 31)) {
                badField(path, field, "keyed by a token id (a non-negative integer)");
            }
            auto spec = tokenSpec(value, path, field);
            if (!spec) {
                badField(path, field, "an object with a \"content\" string");
            }
            spec->id = id;
            settings.addedTokens.push_back(std::move(*spec));
        }
        return true;
    }
    const fs::path addedPath = folder / "added_tokens.json";
    if (!fs::is_regular_file(addedPath, error)) {
        return false;
    }
    // The older layout: {"content": id}; tokens that are not special get normalised.
    const json added = readObject(addedPath);
    const std::vector<AddedTokenSpec> specials = allSpecialTokens(settings);
    for (const auto& [content, value] : added.items()) {
        if (!value.is_number_integer() || value.get<int64_t>() < 0) {
            badField(addedPath.string(), content, "a non-negative token id");
        }
        AddedTokenSpec spec;
        spec.content = content;
        spec.id = value.get<int64_t>();
        spec.special = std::any_of(specials.begin(), specials.end(),
                                   [&content](const AddedTokenSpec& s) {
                                       return s.content == content;
                                   });
        spec.normalized = !spec.special;
        if (adjust) {
            adjust(spec);
        }
        settings.addedTokens.push_back(std::move(spec));
    }
    return true;
}

} // namespace tokenizer_config

std::vector<AddedTokenSpec> allSpecialTokens(const SpecialTokenSettings& settings)
{
    std::vector<AddedTokenSpec> out;
    auto add = [&out](const AddedTokenSpec& spec) {
        const bool seen = std::any_of(out.begin(), out.end(), [&spec](const AddedTokenSpec& s) {
            return s.content == spec.content;
        });
        if (!seen) {
            out.push_back(spec);
        }
    };
    for (const NamedToken& named : kNamedTokens) {
        if (const auto& spec = settings.*(named.member)) {
            add(*spec);
        }
    }
    for (const AddedTokenSpec& spec : settings.additionalSpecial) {
        add(spec);
    }
    return out;
}

std::vector<AddedTokenSpec> registerAddedTokens(
    const SpecialTokenSettings& settings,
    const std::unordered_map<std::string, int64_t>& addedEncoder,
    const std::function<void(AddedTokenSpec)>& registerAdded)
{
    for (const AddedTokenSpec& spec : settings.addedTokens) {
        registerAdded(spec);
    }
    // Special tokens become added tokens too.
    std::vector<AddedTokenSpec> specials = allSpecialTokens(settings);
    for (AddedTokenSpec spec : specials) {
        if (addedEncoder.count(spec.content) == 0) {
            spec.id = -1;
            spec.special = true;
            registerAdded(std::move(spec));
        }
    }
    return specials;
}

const std::string& tokenAt(const std::vector<std::string>& idToToken, int64_t id,
                           const std::string& fallback)
{
    if (id < 0 || id >= static_cast<int64_t>(idToToken.size())) {
        return fallback;
    }
    return idToToken[static_cast<size_t>(id)];
}

std::optional<int64_t> findTokenId(const std::unordered_map<std::string, int64_t>& added,
                                   const std::unordered_map<std::string, int64_t>& vocab,
                                   const std::string& token)
{
    if (const auto it = added.find(token); it != added.end()) {
        return it->second;
    }
    if (const auto it = vocab.find(token); it != vocab.end()) {
        return it->second;
    }
    return std::nullopt;
}

SpecialTokens specialTokenIds(
    const SpecialTokenSettings& settings,
    const std::function<std::optional<int64_t>(const std::string&)>& tokenToId)
{
    auto idOf = [&tokenToId](const std::optional<AddedTokenSpec>& spec) -> std::optional<int64_t> {
        if (!spec) {
            return std::nullopt;
        }
        return tokenToId(spec->content);
    };
    SpecialTokens ids;
    ids.pad = idOf(settings.pad);
    ids.unk = idOf(settings.unk);
    ids.cls = idOf(settings.cls);
    ids.sep = idOf(settings.sep);
    ids.mask = idOf(settings.mask);
    ids.bos = idOf(settings.bos);
    ids.eos = idOf(settings.eos);
    return ids;
}

std::string joinDecoded(std::vector<std::string> tokens,
                        const std::unordered_set<std::string>& legacyAdded,
                        const std::function<std::string(std::vector<std::string>)>& tokensToString,
                        bool spaceBetween, bool cleanUp)
{
    std::vector<std::string> subTexts;
    std::vector<std::string> current;
    for (std::string& token : tokens) {
        if (legacyAdded.count(token) > 0) {
            if (!current.empty()) {
                std::string text = tokensToString(std::move(current));
                if (!text.empty()) {
                    subTexts.push_back(std::move(text));
                }
                current.clear();
            }
            subTexts.push_back(std::move(token));
        } else {
            current.push_back(std::move(token));
        }
    }
    if (!current.empty()) {
        subTexts.push_back(tokensToString(std::move(current)));
    }
    std::string text;
    for (size_t i = 0; i < subTexts.size(); ++i) {
        if (i > 0 && spaceBetween) {
            text.push_back(' ');
        }
        text.append(subTexts[i]);
    }
    if (cleanUp) {
        text = cleanUpTokenization(std::move(text));
    }
    return text;
}

std::string replaceAll(const std::string& text, const std::string& from, const std::string& to)
{
    std::string out;
    out.reserve(text.size());
    size_t position = 0;
    while (true) {
        const size_t found = text.find(from, position);
        if (found == std::string::npos) {
            out.append(text, position, std::string::npos);
            return out;
        }
        out.append(text, position, found - position);
        out.append(to);
        position = found + from.size();
    }
}

std::string pythonStrip(const std::string& text)
{
    const unicode::MappedText chars = unicode::mapIdentity(unicode::decodeUtf8(text));
    const auto [first, last] = unicode::pythonStripBounds(chars);
    if (first == 0 && last == chars.size()) {
        return text;
    }
    return unicode::encodeUtf8(chars.data() + first, chars.data() + last);
}

std::string cleanUpTokenization(std::string text)
{
    static const std::pair<const char*, const char*> kReplacements[] = {
        {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    for (const auto& [from, to] : kReplacements) {
        if (text.find(from) != std::string::npos) {
            text = replaceAll(text, from, to);
        }
    }
    return text;
}

} // namespace lumen::engine
