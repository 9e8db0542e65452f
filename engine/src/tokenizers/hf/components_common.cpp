// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// What every tokenizer.json component shares: reading JSON with clear messages, the
// byte-level alphabet and the patterns of Replace / Split.
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"

#include "lumen/engine/error.h"
#include "tokenizers/oniguruma_regex.h"

namespace lumen::engine::hf {

JsonReader::JsonReader(const nlohmann::json& value, std::string file, std::string path)
    : value_(value)
    , file_(std::move(file))
    , path_(std::move(path))
{
}

std::string JsonReader::at(const std::string& key) const
{
    return path_.empty() ? key : path_ + "." + key;
}

void JsonReader::bad(const std::string& key, const std::string& expected) const
{
    const std::string where = key.empty() ? path_ : at(key);
    throw Error(ErrorKind::InvalidInput,
        file_ + ": \"" + where + "\" must be " + expected
            + ". Fix the file, or replace it with the model's original tokenizer.json.");
}

void JsonReader::unsupported(const std::string& kind, const std::string& known) const
{
    throw Error(ErrorKind::Unsupported,
        file_ + ": \"" + path_ + "\": the " + kind + " is not supported by Lumen yet. Lumen reads "
            + known + ".");
}

bool JsonReader::has(const char* key) const
{
    return value_.is_object() && value_.contains(key);
}

bool JsonReader::given(const char* key) const
{
    return has(key) && !value_.at(key).is_null();
}

std::string JsonReader::type() const
{
    if (!value_.is_object()) {
        bad("", "an object with a \"type\"");
    }
    return string("type");
}

bool JsonReader::boolean(const char* key, bool fallback) const
{
    if (!given(key)) {
        return fallback;
    }
    const nlohmann::json& v = value_.at(key);
    if (!v.is_boolean()) {
        bad(key, "true or false");
    }
    return v.get<bool>();
}

std::string JsonReader::string(const char* key) const
{
    if (!given(key) || !value_.at(key).is_string()) {
        bad(key, "a string");
    }
    return value_.at(key).get<std::string>();
}

std::string JsonReader::string(const char* key, const std::string& fallback) const
{
    return given(key) ? string(key) : fallback;
}

std::optional<std::string> JsonReader::optionalString(const char* key) const
{
    if (!given(key)) {
        return std::nullopt;
    }
    return string(key);
}

int64_t JsonReader::integer(const char* key, int64_t fallback) const
{
    if (!given(key)) {
        return fallback;
    }
    const nlohmann::json& v = value_.at(key);
    if (!v.is_number_integer()) {
        bad(key, "an integer");
    }
    return v.get<int64_t>();
}

char32_t JsonReader::character(const char* key, char32_t fallback) const
{
    if (!given(key)) {
        return fallback;
    }
    const std::u32string text = unicode::decodeUtf8(string(key));
    if (text.size() != 1) {
        bad(key, "a single character");
    }
    return text[0];
}

JsonReader JsonReader::child(const char* key) const
{
    if (!has(key)) {
        bad(key, "present");
    }
    return JsonReader(value_.at(key), file_, at(key));
}

std::vector<JsonReader> JsonReader::list(const char* key) const
{
    if (!given(key) || !value_.at(key).is_array()) {
        bad(key, "a list");
    }
    std::vector<JsonReader> out;
    const nlohmann::json& items = value_.at(key);
    out.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        out.emplace_back(items[i], file_, at(key) + "[" + std::to_string(i) + "]");
    }
    return out;
}

Pattern readPattern(const JsonReader& owner, const char* key)
{
    const JsonReader spec = owner.child(key);
    if (spec.given("String")) {
        return Pattern::literal(unicode::decodeUtf8(spec.string("String")));
    }
    if (spec.given("Regex")) {
        try {
            return Pattern::regex(std::make_shared<const OnigurumaRegex>(spec.string("Regex")));
        } catch (const Error& e) {
            spec.bad("Regex", std::string("a valid regular expression (") + e.what() + ")");
        }
    }
    spec.bad("", "{\"String\": ...} or {\"Regex\": ...}");
}

std::string joinKnown(std::initializer_list<const char*> names)
{
    std::string out;
    for (const char* name : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += name;
    }
    return out;
}

} // namespace lumen::engine::hf
