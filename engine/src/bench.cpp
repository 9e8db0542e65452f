// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/bench.h"

#include "lumen/engine/error.h"
#include "models/architecture.h"

#include <fstream>
#include <unordered_set>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <string>

namespace lumen::engine {
namespace {

/// The smallest id that is not a special token, so random inputs look like ordinary text
/// (no [PAD] that a model might treat differently, no [CLS]/[SEP] in the middle).
int64_t firstOrdinaryId(const Model& model, int64_t vocabSize)
{
    std::set<int64_t> special;
    if (const Tokenizer* tokenizer = model.tokenizer()) {
        const SpecialTokens& s = tokenizer->specialTokens();
        for (const auto& id : { s.pad, s.unk, s.cls, s.sep, s.mask, s.bos, s.eos }) {
            if (id) {
                special.insert(*id);
            }
        }
    } else {
        special.insert(0); // without a tokenizer, keep clear of the conventional pad id
    }
    int64_t id = 0;
    while (id < vocabSize - 1 && special.count(id) > 0) {
        ++id;
    }
    return id;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// A "Vm...:" line of /proc/self/status in bytes, or -1.
int64_t procStatusBytes(const char* field)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(in, line)) {
        if (line.compare(0, prefix.size(), prefix) == 0) {
            return std::stoll(line.substr(prefix.size())) * 1024; // "  123456 kB"
        }
    }
    return -1;
}

/// Resets VmHWM to the current VmRSS (Linux >= 4.0, /proc/PID/clear_refs "5").
bool resetPeakResident()
{
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

int64_t medianOf(std::vector<int64_t> values)
{
    if (values.empty()) {
        return -1;
    }
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int64_t parameterBytes(Model& model)
{
    std::unordered_set<const void*> seen;
    int64_t bytes = 0;
    for (const auto& p : ModelInternals::architecture(model).parameters(/*recurse=*/true)) {
        if (seen.insert(p.data_ptr()).second) {
            bytes += static_cast<int64_t>(p.nbytes());
        }
    }
    return bytes;
}

} // namespace

LoadBenchResult benchmarkLoad(
    const std::string& dir, const LoadBenchConfig& config, const RunControl& control)
{
    if (config.repeats < 1) {
        throw Error(ErrorKind::InvalidInput,
            "bench: repeats must be at least 1 (got " + std::to_string(config.repeats) + ")");
    }
    if (config.warmup < 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench: warm-up loads cannot be negative (got " + std::to_string(config.warmup) + ")");
    }
    LoadBenchResult result;
    const int total = config.warmup + config.repeats;
    for (int i = 0; i < total; ++i) {
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            break;
        }
        const bool warming = i < config.warmup;
        control.report(static_cast<double>(i) / total,
            warming ? "warm-up load " + std::to_string(i + 1) + "/" + std::to_string(config.warmup)
                    : "load " + std::to_string(i - config.warmup + 1) + "/"
                    + std::to_string(config.repeats));
        const bool peakKnown = resetPeakResident();
        const int64_t before = procStatusBytes("VmRSS");
        const auto start = std::chrono::steady_clock::now();
        std::unique_ptr<Model> model = Model::load(dir, config.load);
        const auto stop = std::chrono::steady_clock::now();
        const int64_t after = procStatusBytes("VmRSS");
        const int64_t peak = procStatusBytes("VmHWM");
        if (!warming) {
            result.timesMs.push_back(
                std::chrono::duration<double, std::milli>(stop - start).count());
            result.peakGrowthBytes.push_back(
                peakKnown && peak >= 0 && before >= 0 ? peak - before : -1);
            result.residentGrowthBytes.push_back(after >= 0 && before >= 0 ? after - before : -1);
            result.weightBytes = parameterBytes(*model);
            result.info = model->info();
        }
        model.reset(); // the next load starts without this one's memory
    }
    if (!result.timesMs.empty()) {
        std::vector<double> sorted = result.timesMs;
        std::sort(sorted.begin(), sorted.end());
        result.medianMs = median(sorted);
        result.minMs = sorted.front();
        result.maxMs = sorted.back();
        if (std::none_of(result.peakGrowthBytes.begin(), result.peakGrowthBytes.end(),
                [](int64_t b) { return b < 0; })) {
            result.medianPeakGrowthBytes = medianOf(result.peakGrowthBytes);
        }
        result.medianResidentGrowthBytes = medianOf(result.residentGrowthBytes);
    }
    result.processPeakBytes = procStatusBytes("VmHWM");
    if (result.status == JobStatus::Completed) {
        control.report(1.0, "done");
    }
    return result;
}

BenchResult benchmarkForward(Model& model, const BenchConfig& config, const RunControl& control)
{
    const ModelInfo& info = model.info();
    if (config.seqLen <= 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench: the sequence length must be at least 1 (got " + std::to_string(config.seqLen)
                + ")");
    }
    if (config.batch <= 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench: the batch size must be at least 1 (got " + std::to_string(config.batch) + ")");
    }
    if (config.repeats < 1) {
        throw Error(ErrorKind::InvalidInput,
            "bench: repeats must be at least 1 (got " + std::to_string(config.repeats) + ")");
    }
    if (config.warmup < 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench: warm-up runs cannot be negative (got " + std::to_string(config.warmup) + ")");
    }
    if (info.maxPositions > 0 && config.seqLen > info.maxPositions) {
        throw Error(ErrorKind::InvalidInput,
            "bench: sequence length " + std::to_string(config.seqLen)
                + " exceeds the model's max_position_embeddings ("
                + std::to_string(info.maxPositions) + ") in " + info.dir
                + "/config.json; use a shorter --seq-len");
    }
    if (info.vocabSize <= 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench: the model in " + info.dir + " reports no vocabulary size");
    }

    // Random ids with a fixed seed: every run of the benchmark times the same input.
    const int64_t low = firstOrdinaryId(model, info.vocabSize);
    std::mt19937_64 rng(config.seed);
    std::uniform_int_distribution<int64_t> pick(low, info.vocabSize - 1);

    ModelInput input;
    const std::vector<int64_t> shape { config.batch, config.seqLen };
    const size_t count = static_cast<size_t>(config.batch * config.seqLen);
    input.inputIds.shape = shape;
    input.inputIds.data.resize(count);
    for (int64_t& id : input.inputIds.data) {
        id = pick(rng);
    }
    input.attentionMask.shape = shape;
    input.attentionMask.data.assign(count, 1);
    input.tokenTypeIds.shape = shape;
    input.tokenTypeIds.data.assign(count, 0);

    TraceRequest trace;
    trace.attentions = config.captureAttention;

    // The forward pass gets only the cancel flag: its own progress reports would drown ours.
    RunControl inner;
    inner.cancel = control.cancel;

    BenchResult result;
    const int total = config.warmup + config.repeats;
    for (int i = 0; i < total; ++i) {
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            break;
        }
        const bool warming = i < config.warmup;
        control.report(static_cast<double>(i) / total,
            warming ? "warm-up " + std::to_string(i + 1) + "/" + std::to_string(config.warmup)
                    : "repeat " + std::to_string(i - config.warmup + 1) + "/"
                    + std::to_string(config.repeats));
        const auto start = std::chrono::steady_clock::now();
        // Includes copying the trace out of Torch: that copy is part of what capture costs.
        const ForwardResult out = model.forward(input, trace, inner);
        const auto stop = std::chrono::steady_clock::now();
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            break;
        }
        if (!warming) {
            result.timesMs.push_back(
                std::chrono::duration<double, std::milli>(stop - start).count());
        }
    }
    if (!result.timesMs.empty()) {
        result.medianMs = median(result.timesMs);
        result.minMs = *std::min_element(result.timesMs.begin(), result.timesMs.end());
        result.maxMs = *std::max_element(result.timesMs.begin(), result.timesMs.end());
        if (result.medianMs > 0.0) {
            result.tokensPerSecond =
                static_cast<double>(config.batch * config.seqLen) / (result.medianMs / 1000.0);
        }
    }
    if (result.status == JobStatus::Completed) {
        control.report(1.0, "done");
    }
    return result;
}

double forwardFlops(Model& model, int64_t seqLen)
{
    Architecture& arch = ModelInternals::architecture(model);
    const ModelInfo& info = model.info();
    double multiplying = static_cast<double>(info.parameterCount);
    // Tables that are only looked up: positions and token types; the word embeddings only
    // when the head has its own weights (tied, they are the head's matrix).
    for (const auto& item : arch.named_parameters(true)) {
        const std::string& key = item.key();
        const bool positions = key.find("position_embeddings") != std::string::npos || key.find("wpe.") != std::string::npos
            || key.find("token_type_embeddings") != std::string::npos;
        if (positions) {
            multiplying -= static_cast<double>(item.value().numel());
        }
    }
    bool tied = false;
    for (const auto& [copy, original] : arch.tiedKeys()) {
        tied = tied || original.find("embed") != std::string::npos || original.find("wte") != std::string::npos
            || original.find("shared") != std::string::npos;
    }
    if (!tied) {
        multiplying -= static_cast<double>(info.vocabSize) * static_cast<double>(info.hiddenSize);
    }
    return 2.0 * multiplying * static_cast<double>(seqLen) + arch.activationFlops(seqLen);
}

} // namespace lumen::engine
