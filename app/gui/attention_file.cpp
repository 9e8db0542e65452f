// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "attention_file.h"

#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace lumen::app {

namespace {

constexpr const char* kFormat = "attention-v1";

std::string toJson(const QStringList& list)
{
    nlohmann::json out = nlohmann::json::array();
    for (const QString& s : list) {
        out.push_back(s.toStdString());
    }
    return out.dump();
}

std::string toJson(const std::vector<uint8_t>& flags)
{
    nlohmann::json out = nlohmann::json::array();
    for (const uint8_t f : flags) {
        out.push_back(static_cast<int>(f));
    }
    return out.dump();
}

[[noreturn]] void bad(const std::string& path, const std::string& what)
{
    throw Error(ErrorKind::InvalidInput,
        path + " is not a Lumen attention file Lumen can read: " + what
            + ". Run the model again to make a new one.");
}

std::string meta(
    const std::map<std::string, std::string>& m, const std::string& path, const char* key)
{
    const auto it = m.find(key);
    if (it == m.end()) {
        bad(path, std::string("its metadata has no \"") + key + "\"");
    }
    return it->second;
}

nlohmann::json parseMeta(
    const std::map<std::string, std::string>& m, const std::string& path, const char* key)
{
    const std::string text = meta(m, path, key);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
        bad(path, std::string("\"") + key + "\" is not JSON");
    }
    return value;
}

QStringList stringList(const nlohmann::json& value, const std::string& path, const char* key)
{
    if (!value.is_array()) {
        bad(path, std::string("\"") + key + "\" is not a list");
    }
    QStringList out;
    for (const auto& item : value) {
        if (!item.is_string()) {
            bad(path, std::string("\"") + key + "\" holds something that is not a string");
        }
        out << QString::fromStdString(item.get<std::string>());
    }
    return out;
}

std::vector<uint8_t> flags(const nlohmann::json& value, const std::string& path, const char* key)
{
    if (!value.is_array()) {
        bad(path, std::string("\"") + key + "\" is not a list");
    }
    std::vector<uint8_t> out;
    for (const auto& item : value) {
        if (!item.is_number_integer()) {
            bad(path, std::string("\"") + key + "\" holds something that is not 0 or 1");
        }
        out.push_back(item.get<int>() != 0 ? 1 : 0);
    }
    return out;
}

} // namespace

void saveAttentionRecord(const AttentionRecord& record, const std::string& path)
{
    const widgets::AttentionSet& set = record.set;
    if (!set.isValid()) {
        throw Error(ErrorKind::Internal, "an inconsistent attention set cannot be saved");
    }
    engine::TensorToWrite tensor;
    tensor.name = "attentions";
    tensor.dtype = engine::DType::F32;
    tensor.shape = { set.layers, set.heads, set.seq, set.seq };
    tensor.bytes.resize(set.weights->size() * sizeof(float));
    std::memcpy(tensor.bytes.data(), set.weights->data(), tensor.bytes.size());
    std::map<std::string, std::string> metadata {
        { "lumen.format", kFormat },
        { "lumen.text", record.text.toStdString() },
        { "lumen.text_pair", record.pair.toStdString() },
        { "lumen.model", record.modelDir.toStdString() },
        { "lumen.tokens", toJson(set.tokens) },
        { "lumen.vocab_tokens", toJson(set.vocabTokens) },
        { "lumen.special", toJson(set.special) },
        { "lumen.valid", toJson(set.valid) },
        { "lumen.segment_start", std::to_string(set.segmentStart) },
        { "lumen.causal", set.causal ? "true" : "false" },
        { "lumen.window",
            nlohmann::json { { "index", record.windowIndex }, { "count", record.windowCount },
                { "token_begin", record.tokenBegin }, { "token_end", record.tokenEnd },
                { "text_tokens", record.textTokens }, { "stride", record.stride } }
                .dump() },
    };
    engine::writeSafetensors(path, { tensor }, metadata);
}

AttentionRecord loadAttentionRecord(const std::string& path)
{
    const engine::SafetensorsFile file = engine::SafetensorsFile::open(path);
    const auto& m = file.metadata();
    const auto format = m.find("lumen.format");
    if (format == m.end() || format->second != kFormat) {
        bad(path, "it has no lumen.format \"attention-v1\" in its metadata");
    }
    const engine::TensorEntry* entry = file.find("attentions");
    if (entry == nullptr || entry->dtype != engine::DType::F32 || entry->shape.size() != 4
        || entry->shape[2] != entry->shape[3]) {
        bad(path, "it has no F32 tensor \"attentions\" [layers, heads, query, key]");
    }
    AttentionRecord record;
    widgets::AttentionSet& set = record.set;
    set.layers = static_cast<int>(entry->shape[0]);
    set.heads = static_cast<int>(entry->shape[1]);
    set.seq = static_cast<int>(entry->shape[2]);
    auto weights = std::make_shared<std::vector<float>>(
        static_cast<size_t>(entry->end - entry->begin) / sizeof(float));
    std::memcpy(weights->data(), file.data(*entry), weights->size() * sizeof(float));
    set.weights = std::move(weights);
    set.tokens = stringList(parseMeta(m, path, "lumen.tokens"), path, "lumen.tokens");
    set.vocabTokens =
        stringList(parseMeta(m, path, "lumen.vocab_tokens"), path, "lumen.vocab_tokens");
    set.special = flags(parseMeta(m, path, "lumen.special"), path, "lumen.special");
    set.valid = flags(parseMeta(m, path, "lumen.valid"), path, "lumen.valid");
    const nlohmann::json segment = parseMeta(m, path, "lumen.segment_start");
    const nlohmann::json causal = parseMeta(m, path, "lumen.causal");
    if (!segment.is_number_integer() || !causal.is_boolean()) {
        bad(path, "lumen.segment_start or lumen.causal has the wrong type");
    }
    set.segmentStart = segment.get<int>();
    set.causal = causal.get<bool>();
    record.text = QString::fromStdString(meta(m, path, "lumen.text"));
    record.pair = QString::fromStdString(meta(m, path, "lumen.text_pair"));
    record.modelDir = QString::fromStdString(meta(m, path, "lumen.model"));
    if (m.count("lumen.window") > 0) {
        const nlohmann::json w = parseMeta(m, path, "lumen.window");
        if (!w.is_object()) {
            bad(path, "\"lumen.window\" is not an object");
        }
        record.windowIndex = w.value("index", 0);
        record.windowCount = w.value("count", 1);
        record.tokenBegin = w.value("token_begin", int64_t(0));
        record.tokenEnd = w.value("token_end", int64_t(0));
        record.textTokens = w.value("text_tokens", int64_t(0));
        record.stride = w.value("stride", 0);
        if (record.windowCount < 1 || record.windowIndex < 0
            || record.windowIndex >= record.windowCount) {
            bad(path,
                "\"lumen.window\" names window " + std::to_string(record.windowIndex) + " of "
                    + std::to_string(record.windowCount));
        }
    }
    if (!set.isValid() || (!set.vocabTokens.isEmpty() && set.vocabTokens.size() != set.seq)) {
        bad(path, "its tokens do not fit its attention's shape");
    }
    return record;
}

} // namespace lumen::app
