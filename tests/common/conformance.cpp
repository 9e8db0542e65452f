// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "conformance.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <map>
#include <mutex>
#include <stdexcept>

namespace lumen::test {

std::string dataDir() { return LUMEN_TEST_DATA; }

std::string conformanceDir(const std::string& name)
{
    return dataDir() + "/conformance/" + name;
}

const nlohmann::json& expected(const std::string& name)
{
    static std::mutex mutex;
    static std::map<std::string, nlohmann::json> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(name);
    if (it == cache.end()) {
        std::ifstream in(conformanceDir(name) + "/expected.json");
        if (!in) {
            throw std::runtime_error("cannot read expected.json of case " + name);
        }
        it = cache.emplace(name, nlohmann::json::parse(in)).first;
    }
    return it->second;
}

namespace {

void flatten(const nlohmann::json& j, size_t depth, engine::FloatTensor& out)
{
    if (j.is_array()) {
        if (out.shape.size() <= depth) {
            out.shape.push_back(static_cast<int64_t>(j.size()));
        } else if (out.shape[depth] != static_cast<int64_t>(j.size())) {
            throw std::runtime_error("ragged nested list in expected.json");
        }
        for (const auto& item : j) {
            flatten(item, depth + 1, out);
        }
    } else {
        out.data.push_back(j.get<float>());
    }
}

} // namespace

engine::FloatTensor jsonToFloat(const nlohmann::json& nested)
{
    engine::FloatTensor t;
    flatten(nested, 0, t);
    return t;
}

std::vector<int64_t> jsonToInts(const nlohmann::json& list)
{
    return list.get<std::vector<int64_t>>();
}

engine::FloatTensor slice(const engine::FloatTensor& t,
                          const std::vector<std::pair<int64_t, int64_t>>& ranges)
{
    engine::FloatTensor out;
    out.shape = t.shape;
    for (size_t d = 0; d < ranges.size(); ++d) {
        out.shape[d] = ranges[d].second - ranges[d].first;
    }
    std::vector<int64_t> strides(t.shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(t.shape.size()) - 2; d >= 0; --d) {
        strides[static_cast<size_t>(d)] =
            strides[static_cast<size_t>(d) + 1] * t.shape[static_cast<size_t>(d) + 1];
    }
    const int64_t n = out.numel();
    out.data.reserve(static_cast<size_t>(n));
    std::vector<int64_t> index(out.shape.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d) {
            const int64_t start = d < ranges.size() ? ranges[d].first : 0;
            offset += (index[d] + start) * strides[d];
        }
        out.data.push_back(t.data[static_cast<size_t>(offset)]);
        for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
            if (++index[static_cast<size_t>(d)] < out.shape[static_cast<size_t>(d)]) {
                break;
            }
            index[static_cast<size_t>(d)] = 0;
        }
    }
    return out;
}

std::vector<int64_t> topK(const engine::FloatTensor& logits, int64_t row, int64_t k)
{
    const int64_t vocab = logits.shape.back();
    const float* base = logits.data.data() + row * vocab;
    std::vector<int64_t> order(static_cast<size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int64_t a, int64_t b) { return base[a] > base[b]; });
    order.resize(static_cast<size_t>(k));
    return order;
}

void copyFolder(const std::string& from, const std::string& to)
{
    namespace fs = std::filesystem;
    fs::create_directories(to);
    for (const auto& entry : fs::directory_iterator(from)) {
        fs::copy_file(entry.path(), fs::path(to) / entry.path().filename(),
                      fs::copy_options::overwrite_existing);
    }
}

engine::FloatTensor squeezeFirst(const engine::FloatTensor& t)
{
    engine::FloatTensor out = t;
    if (!out.shape.empty() && out.shape.front() == 1) {
        out.shape.erase(out.shape.begin());
    }
    return out;
}

} // namespace lumen::test
