// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Timings for docs/analysis.md (label bench, not in the default run): attention flow at 32 and
// 128 tokens x 12 layers, rollout and head statistics up to 2048 tokens, on random
// softmax attentions. LUMEN_BENCH_THREADS sets the flow's worker threads (default 1).
//   ctest --test-dir build/dev -R bench_analysis -V

#include "lumen/engine/analysis.h"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

using namespace lumen::engine;

namespace {

std::vector<FloatTensor> randomLayers(int layers, int heads, int n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> logit(0.0f, 2.0f);
    std::vector<FloatTensor> out;
    for (int l = 0; l < layers; ++l) {
        FloatTensor t { { 1, heads, n, n }, std::vector<float>(size_t(heads) * n * n) };
        for (size_t row = 0; row < size_t(heads) * n; ++row) {
            float* r = t.data.data() + row * n;
            float sum = 0.0f;
            for (int k = 0; k < n; ++k) {
                r[k] = std::exp(logit(rng));
                sum += r[k];
            }
            for (int k = 0; k < n; ++k) {
                r[k] /= sum;
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

template<typename F> double millis(F&& f)
{
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

int benchThreads()
{
    const char* v = std::getenv("LUMEN_BENCH_THREADS");
    return v ? std::atoi(v) : 1;
}

} // namespace

class BenchAnalysis : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void flow_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::newRow("32 tokens x 12 layers") << 32;
        QTest::newRow("128 tokens x 12 layers") << 128;
    }

    void flow()
    {
        QFETCH(int, tokens);
        const auto layers = randomLayers(12, 12, tokens, 1);
        FlowConfig config;
        config.threads = benchThreads();
        FlowResult r;
        const double ms = millis([&] { r = attentionFlow(layers, config); });
        QCOMPARE(r.status, JobStatus::Completed);
        qInfo("attention flow, %d tokens x 12 layers, %d thread(s): %.1f ms (%lld max-flows, "
              "%.1f us each)",
            tokens, config.threads, ms, static_cast<long long>(r.problemsSolved),
            1000.0 * ms / double(r.problemsSolved));
    }

    void rollout_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::newRow("128") << 128;
        QTest::newRow("512") << 512;
        QTest::newRow("2048") << 2048;
    }

    void rollout()
    {
        QFETCH(int, tokens);
        const auto layers = randomLayers(12, 1, tokens, 2);
        RolloutResult r;
        const double ms = millis([&] { r = attentionRollout(layers, {}); });
        QCOMPARE(r.status, JobStatus::Completed);
        qInfo("attention rollout, %d tokens x 12 layers: %.1f ms", tokens, ms);
    }

    void headStats_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("heads");
        QTest::newRow("128, 12 x 12 heads") << 128 << 12;
        QTest::newRow("512, 12 x 12 heads") << 512 << 12;
        QTest::newRow("2048, 12 x 2 heads") << 2048 << 2;
    }

    void headStats()
    {
        QFETCH(int, tokens);
        QFETCH(int, heads);
        const auto layers = randomLayers(12, heads, tokens, 3);
        HeadStatsResult r;
        const double ms = millis([&] { r = headStatistics(layers, {}); });
        QCOMPARE(r.heads.size(), size_t(12 * heads));
        qInfo("head statistics, %d tokens, 12 x %d heads: %.1f ms (%.2f ns per weight)", tokens,
            heads, ms, 1e6 * ms / (12.0 * heads * tokens * tokens));
    }
};

QTEST_GUILESS_MAIN(BenchAnalysis)
#include "bench_analysis.moc"
