// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "attention_file.h"

#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <QObject>

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

engine::TensorToWrite tensorOf(const char* name, const widgets::AttentionSet& set)
{
    engine::TensorToWrite tensor;
    tensor.name = name;
    tensor.dtype = engine::DType::F32;
    tensor.shape = { set.layers, set.heads, set.seq, set.keys() };
    tensor.bytes.resize(set.weights->size() * sizeof(float));
    std::memcpy(tensor.bytes.data(), set.weights->data(), tensor.bytes.size());
    return tensor;
}

/// The F32 tensor `name` [layers, heads, query, key]; `keys` = -1: square.
std::shared_ptr<const std::vector<float>> readAttention(const engine::SafetensorsFile& file,
    const std::string& path, const char* name, std::vector<int64_t>* shape)
{
    const engine::TensorEntry* entry = file.find(name);
    if (entry == nullptr || entry->dtype != engine::DType::F32 || entry->shape.size() != 4) {
        bad(path, std::string("it has no F32 tensor \"") + name + "\" [layers, heads, query, key]");
    }
    *shape = entry->shape;
    auto weights = std::make_shared<std::vector<float>>(
        static_cast<size_t>(entry->end - entry->begin) / sizeof(float));
    std::memcpy(weights->data(), file.data(*entry), weights->size() * sizeof(float));
    return weights;
}

} // namespace

QString encoderStackName()
{
    return QObject::tr("Encoder");
}

QString decoderStackName()
{
    return QObject::tr("Decoder");
}

QString crossStackName()
{
    return QObject::tr("Cross-attention");
}

widgets::AttentionSet crossAttentionSet(const widgets::AttentionSet& decoder,
    const widgets::AttentionSet& encoder, std::shared_ptr<const std::vector<float>> weights)
{
    widgets::AttentionSet cross;
    cross.name = crossStackName();
    cross.layers = decoder.layers;
    cross.heads = decoder.heads;
    cross.seq = decoder.seq;
    cross.tokens = decoder.tokens;
    cross.vocabTokens = decoder.vocabTokens;
    cross.valid = decoder.valid;
    cross.special = decoder.special;
    cross.keySeq = encoder.seq;
    cross.keyTokens = encoder.tokens;
    cross.keyVocabTokens = encoder.vocabTokens;
    cross.keyValid = encoder.valid;
    cross.keySpecial = encoder.special;
    cross.weights = std::move(weights);
    return cross;
}

void saveAttentionRecord(const AttentionRecord& record, const std::string& path)
{
    const widgets::AttentionSet& set = record.set;
    if (!set.isValid()) {
        throw Error(ErrorKind::Internal, "an inconsistent attention set cannot be saved");
    }
    std::vector<engine::TensorToWrite> tensors { tensorOf("attentions", set) };
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
    if (record.hasDecoder()) {
        tensors.push_back(tensorOf("decoder_attentions", record.decoder));
        tensors.push_back(tensorOf("cross_attentions", record.cross));
        metadata["lumen.target"] = record.target.toStdString();
        metadata["lumen.decoder"] = nlohmann::json {
            { "tokens", nlohmann::json::parse(toJson(record.decoder.tokens)) },
            { "vocab_tokens", nlohmann::json::parse(toJson(record.decoder.vocabTokens)) },
            { "special", nlohmann::json::parse(toJson(record.decoder.special)) },
        }.dump();
    }
    engine::writeSafetensors(path, tensors, metadata);
}

AttentionRecord loadAttentionRecord(const std::string& path)
{
    const engine::SafetensorsFile file = engine::SafetensorsFile::open(path);
    const auto& m = file.metadata();
    const auto format = m.find("lumen.format");
    if (format == m.end() || format->second != kFormat) {
        bad(path, "it has no lumen.format \"attention-v1\" in its metadata");
    }
    std::vector<int64_t> shape;
    AttentionRecord record;
    widgets::AttentionSet& set = record.set;
    set.weights = readAttention(file, path, "attentions", &shape);
    if (shape[2] != shape[3]) {
        bad(path, "its \"attentions\" are not square [layers, heads, query, key]");
    }
    set.layers = static_cast<int>(shape[0]);
    set.heads = static_cast<int>(shape[1]);
    set.seq = static_cast<int>(shape[2]);
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
    if (m.count("lumen.decoder") > 0) {
        const nlohmann::json d = parseMeta(m, path, "lumen.decoder");
        if (!d.is_object() || !d.contains("tokens") || !d.contains("special")) {
            bad(path, "\"lumen.decoder\" is not an object with tokens and special marks");
        }
        widgets::AttentionSet& decoder = record.decoder;
        decoder.name = decoderStackName();
        decoder.causal = true;
        decoder.tokens = stringList(d.at("tokens"), path, "lumen.decoder tokens");
        decoder.vocabTokens = stringList(
            d.value("vocab_tokens", nlohmann::json::array()), path, "lumen.decoder vocab_tokens");
        decoder.special = flags(d.at("special"), path, "lumen.decoder special");
        decoder.weights = readAttention(file, path, "decoder_attentions", &shape);
        decoder.layers = static_cast<int>(shape[0]);
        decoder.heads = static_cast<int>(shape[1]);
        decoder.seq = static_cast<int>(shape[2]);
        std::vector<int64_t> crossShape;
        auto cross = readAttention(file, path, "cross_attentions", &crossShape);
        record.cross = crossAttentionSet(decoder, set, std::move(cross));
        const std::vector<int64_t> expected { shape[0], shape[1], shape[2], set.seq };
        if (shape[2] != shape[3] || crossShape != expected || !decoder.isValid()
            || !record.cross.isValid()
            || (!decoder.vocabTokens.isEmpty() && decoder.vocabTokens.size() != decoder.seq)) {
            bad(path, "its decoder's tokens, self-attention and cross-attention do not fit");
        }
        record.target = QString::fromStdString(meta(m, path, "lumen.target"));
        set.name = encoderStackName();
    }
    return record;
}

} // namespace lumen::app
