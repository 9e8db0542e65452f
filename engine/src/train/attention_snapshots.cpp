// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/attention_snapshots.h"

#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

namespace lumen::engine {

namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "attention-snapshots-v1";

[[noreturn]] void bad(const std::string& path, const std::string& what)
{
    throw Error(ErrorKind::InvalidInput, path + " is not an attention snapshot file Lumen can read: " + what + ".");
}

Json metaJson(const std::map<std::string, std::string>& m, const std::string& path, const char* key)
{
    const auto it = m.find(key);
    if (it == m.end()) {
        bad(path, std::string("its metadata has no \"") + key + "\"");
    }
    Json value = Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
        bad(path, std::string("its \"") + key + "\" is not JSON");
    }
    return value;
}

} // namespace

const char* attentionSnapshotsFileName()
{
    return "attention-snapshots.safetensors";
}

void saveAttentionSnapshots(const std::string& path, const AttentionSnapshots& s)
{
    const auto seq = static_cast<int64_t>(s.tokens.size());
    if (s.offsets.size() != s.tokens.size() || s.special.size() != s.tokens.size()) {
        throw Error(ErrorKind::InvalidInput, "attention snapshots need one offset and one special flag per token.");
    }
    FloatTensor all;
    Json steps = Json::array();
    Json losses = Json::array();
    for (size_t k = 0; k < s.snapshots.size(); ++k) {
        const AttentionSnapshot& snap = s.snapshots[k];
        const FloatTensor& a = snap.attentions;
        if (a.shape.size() != 4 || a.shape[2] != seq || a.shape[3] != seq || a.numel() != static_cast<int64_t>(a.data.size())
            || (k > 0 && a.shape != s.snapshots.front().attentions.shape)) {
            throw Error(ErrorKind::InvalidInput, "attention snapshot " + std::to_string(k) + " (step "
                    + std::to_string(snap.step) + ") is not a [layers, heads, " + std::to_string(seq) + ", "
                    + std::to_string(seq) + "] tensor like the others.");
        }
        if (k > 0 && snap.step <= s.snapshots[k - 1].step) {
            throw Error(ErrorKind::InvalidInput, "attention snapshots must be in step order (step "
                    + std::to_string(snap.step) + " after " + std::to_string(s.snapshots[k - 1].step) + ").");
        }
        all.data.insert(all.data.end(), a.data.begin(), a.data.end());
        steps.push_back(snap.step);
        losses.push_back(std::isfinite(snap.loss) ? Json(snap.loss) : Json(nullptr));
    }
    all.shape = { static_cast<int64_t>(s.snapshots.size()), 0, 0, seq, seq };
    if (!s.snapshots.empty()) {
        all.shape[1] = s.snapshots.front().attentions.shape[0];
        all.shape[2] = s.snapshots.front().attentions.shape[1];
    }
    Json offsets = Json::array();
    for (const auto& [begin, end] : s.offsets) {
        offsets.push_back({ begin, end });
    }
    Json special = Json::array();
    for (const uint8_t f : s.special) {
        special.push_back(static_cast<int>(f));
    }
    const std::map<std::string, std::string> metadata = {
        { "lumen.format", kFormat },
        { "lumen.probe", s.probe },
        { "lumen.model_type", s.modelType },
        { "lumen.tokens", Json(s.tokens).dump() },
        { "lumen.offsets", offsets.dump() },
        { "lumen.special", special.dump() },
        { "lumen.causal", s.causal ? "true" : "false" },
        { "lumen.kernels", s.kernels ? "true" : "false" },
        { "lumen.steps", steps.dump() },
        { "lumen.losses", losses.dump() },
    };
    writeSafetensors(path, { TensorToWrite::fromFloat("attentions", all) }, metadata);
}

AttentionSnapshots loadAttentionSnapshots(const std::string& path)
{
    const SafetensorsFile file = SafetensorsFile::open(path);
    const auto& m = file.metadata();
    const auto format = m.find("lumen.format");
    if (format == m.end() || format->second != kFormat) {
        bad(path, format == m.end() ? std::string("it has no \"lumen.format\"")
                                    : "its format is \"" + format->second + "\", not \"" + kFormat + "\"");
    }
    AttentionSnapshots s;
    try {
        s.probe = m.count("lumen.probe") != 0 ? m.at("lumen.probe") : std::string();
        s.modelType = m.count("lumen.model_type") != 0 ? m.at("lumen.model_type") : std::string();
        s.tokens = metaJson(m, path, "lumen.tokens").get<std::vector<std::string>>();
        for (const Json& o : metaJson(m, path, "lumen.offsets")) {
            s.offsets.emplace_back(o.at(0).get<int64_t>(), o.at(1).get<int64_t>());
        }
        for (const Json& f : metaJson(m, path, "lumen.special")) {
            s.special.push_back(f.get<int>() != 0 ? 1 : 0);
        }
        s.causal = metaJson(m, path, "lumen.causal").get<bool>();
        s.kernels = metaJson(m, path, "lumen.kernels").get<bool>();
        const auto steps = metaJson(m, path, "lumen.steps").get<std::vector<int64_t>>();
        const Json losses = metaJson(m, path, "lumen.losses");
        if (!losses.is_array() || losses.size() != steps.size()) {
            bad(path, "it has " + std::to_string(steps.size()) + " steps but not as many losses");
        }
        const TensorEntry* entry = file.find("attentions");
        if (entry == nullptr) {
            bad(path, "it has no \"attentions\" tensor");
        }
        const auto seq = static_cast<int64_t>(s.tokens.size());
        const std::vector<int64_t>& shape = entry->shape;
        if (shape.size() != 5 || shape[0] != static_cast<int64_t>(steps.size()) || shape[3] != seq || shape[4] != seq
            || s.offsets.size() != s.tokens.size() || s.special.size() != s.tokens.size()) {
            bad(path, "its attentions, tokens, offsets, special flags and steps do not agree in size");
        }
        const FloatTensor all = file.readFloat("attentions");
        const size_t per = static_cast<size_t>(shape[1] * shape[2] * shape[3] * shape[4]);
        for (size_t k = 0; k < steps.size(); ++k) {
            if (k > 0 && steps[k] <= steps[k - 1]) {
                bad(path, "its steps are not in order (" + std::to_string(steps[k]) + " after " + std::to_string(steps[k - 1]) + ")");
            }
            AttentionSnapshot snap;
            snap.step = steps[k];
            snap.loss = losses[k].is_number() ? losses[k].get<double>() : std::numeric_limits<double>::quiet_NaN();
            snap.attentions.shape = { shape[1], shape[2], shape[3], shape[4] };
            snap.attentions.data.assign(all.data.begin() + static_cast<std::ptrdiff_t>(k * per),
                all.data.begin() + static_cast<std::ptrdiff_t>((k + 1) * per));
            s.snapshots.push_back(std::move(snap));
        }
    } catch (const Json::exception& e) {
        bad(path, std::string("its metadata is malformed (") + e.what() + ")");
    }
    return s;
}

} // namespace lumen::engine
