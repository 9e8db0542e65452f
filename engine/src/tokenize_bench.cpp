// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/bench.h"

#include "lumen/engine/error.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>

namespace lumen::engine {
namespace {

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// This thread's CPU time: unlike wall time, it leaves out the time another process (a build
/// on the same cores) had the CPU.
double threadCpuMs()
{
    timespec t = {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

} // namespace

TokenizeBenchResult benchmarkTokenizer(const Tokenizer& tokenizer, const std::string& text,
    const TokenizeBenchConfig& config, const RunControl& control)
{
    if (config.repeats < 1) {
        throw Error(ErrorKind::InvalidInput,
            "bench-tokenize: repeats must be at least 1 (got " + std::to_string(config.repeats)
                + ")");
    }
    if (config.warmup < 0) {
        throw Error(ErrorKind::InvalidInput,
            "bench-tokenize: warm-up runs cannot be negative (got " + std::to_string(config.warmup)
                + ")");
    }

    std::vector<std::string> texts;
    if (config.perLine) {
        size_t start = 0;
        while (start <= text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) {
                end = text.size();
            }
            if (end > start) {
                texts.emplace_back(text, start, end - start);
            }
            start = end + 1;
        }
    } else if (!text.empty()) {
        texts.push_back(text);
    }
    if (texts.empty()) {
        throw Error(ErrorKind::InvalidInput,
            "bench-tokenize: the text is empty; give a file with some text in it");
    }

    TokenizeBenchResult result;
    result.texts = static_cast<int64_t>(texts.size());
    for (const std::string& t : texts) {
        result.bytes += static_cast<int64_t>(t.size());
    }

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
        int64_t tokens = 0;
        const double cpuStart = threadCpuMs();
        const auto start = std::chrono::steady_clock::now();
        for (const std::string& t : texts) {
            // The Encoding is built and freed inside the timed region: that is what a caller
            // pays per text.
            tokens += static_cast<int64_t>(tokenizer.encode(t).size());
        }
        const auto stop = std::chrono::steady_clock::now();
        const double cpuStop = threadCpuMs();
        if (i == 0) {
            result.tokens = tokens;
        } else if (tokens != result.tokens) {
            throw Error(ErrorKind::Internal,
                "bench-tokenize: pass " + std::to_string(i + 1) + " gave " + std::to_string(tokens)
                    + " tokens, the first " + std::to_string(result.tokens)
                    + "; the tokenizer is not deterministic");
        }
        if (!warming) {
            result.timesMs.push_back(
                std::chrono::duration<double, std::milli>(stop - start).count());
            result.cpuTimesMs.push_back(cpuStop - cpuStart);
        }
    }
    if (!result.timesMs.empty()) {
        result.medianMs = median(result.timesMs);
        result.minMs = *std::min_element(result.timesMs.begin(), result.timesMs.end());
        result.maxMs = *std::max_element(result.timesMs.begin(), result.timesMs.end());
        result.medianCpuMs = median(result.cpuTimesMs);
        const auto bytes = static_cast<double>(result.bytes);
        if (result.medianMs > 0.0) {
            result.megabytesPerSecond = bytes / 1e6 / (result.medianMs / 1e3);
            result.tokensPerSecond = static_cast<double>(result.tokens) / (result.medianMs / 1e3);
        }
        if (result.medianCpuMs > 0.0) {
            result.cpuMegabytesPerSecond = bytes / 1e6 / (result.medianCpuMs / 1e3);
        }
    }
    if (result.status == JobStatus::Completed) {
        control.report(1.0, "done");
    }
    return result;
}

} // namespace lumen::engine
