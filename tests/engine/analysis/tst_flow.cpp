// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Attention flow (Abnar & Zuidema 2020) against cases worked out by hand with cuts and paths,
// one where flow and rollout differ, and random cases against an independent, textbook
// Edmonds-Karp over an explicitly built graph; padding, threads, progress and cancel.

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"

#include "attention_builder.h"
#include "conformance.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <queue>
#include <random>

using lumen::Error;
using lumen::engine::attentionFlow;
using lumen::engine::attentionRollout;
using lumen::engine::augmentedAttention;
using lumen::engine::FloatTensor;
using lumen::engine::FlowConfig;
using lumen::engine::FlowResult;
using lumen::engine::JobStatus;
using lumen::engine::RolloutConfig;
using lumen::engine::RunControl;
using lumen::test::layer;
using lumen::test::Matrix;

namespace {

// The rollout test's two layers: Â_0 = [[.5,.5,0],[.5,.5,0],[.25,0,.75]],
// Â_1 = [[.5,0,.5],[0,.5,.5],[0,0,1]].
std::vector<FloatTensor> twoLayers()
{
    return { layer({ { { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } },
                 { { 0, 1, 0 }, { 1, 0, 0 }, { 1, 0, 0 } } }),
        layer({ { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 } } }) };
}

FlowResult flowTo(const std::vector<FloatTensor>& layers, int64_t toLayer,
    std::vector<uint8_t> mask = {}, int threads = 1)
{
    FlowConfig config;
    config.toLayer = toLayer;
    config.realMask = std::move(mask);
    config.threads = threads;
    return attentionFlow(layers, config);
}

/// Textbook Edmonds-Karp on an adjacency matrix: the reference the Dinic solver is checked
/// against. Node 0.. of layer t is t * n + x; input tokens are layer 0.
double edmondsKarp(std::vector<std::vector<double>> cap, int source, int sink)
{
    const int v = static_cast<int>(cap.size());
    double total = 0.0;
    for (;;) {
        std::vector<int> parent(v, -1);
        parent[source] = source;
        std::queue<int> queue;
        queue.push(source);
        while (!queue.empty() && parent[sink] < 0) {
            const int u = queue.front();
            queue.pop();
            for (int w = 0; w < v; ++w) {
                if (parent[w] < 0 && cap[u][w] > 1e-13) {
                    parent[w] = u;
                    queue.push(w);
                }
            }
        }
        if (parent[sink] < 0) {
            return total;
        }
        double bottleneck = std::numeric_limits<double>::infinity();
        for (int w = sink; w != source; w = parent[w]) {
            bottleneck = std::min(bottleneck, cap[parent[w]][w]);
        }
        for (int w = sink; w != source; w = parent[w]) {
            cap[parent[w]][w] -= bottleneck;
            cap[w][parent[w]] += bottleneck;
        }
        total += bottleneck;
    }
}

/// The flow matrix by the definition: the layered graph with edge (l-1, k) -> (l, i) of
/// capacity Â_l[i][k], one Edmonds-Karp run per (input j, position i).
Matrix referenceFlow(const std::vector<FloatTensor>& layers, int toLayer)
{
    const int n = static_cast<int>(layers[0].shape[2]);
    const int v = (toLayer + 2) * n;
    std::vector<std::vector<double>> cap(v, std::vector<double>(v, 0.0));
    for (int l = 0; l <= toLayer; ++l) {
        const FloatTensor a = augmentedAttention(layers, l);
        for (int i = 0; i < n; ++i) {
            for (int k = 0; k < n; ++k) {
                cap[l * n + k][(l + 1) * n + i] = a.data[static_cast<size_t>(i * n + k)];
            }
        }
    }
    Matrix out(n, std::vector<double>(n, 0.0));
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            out[i][j] = edmondsKarp(cap, j, (toLayer + 1) * n + i);
        }
    }
    return out;
}

/// Random softmax rows, optionally causal (row q sees keys 0..q).
std::vector<FloatTensor> randomLayers(int layers, int heads, int n, bool causal, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> logit(0.0, 2.0);
    std::vector<FloatTensor> out;
    for (int l = 0; l < layers; ++l) {
        std::vector<Matrix> hs;
        for (int h = 0; h < heads; ++h) {
            Matrix m(n, std::vector<double>(n, 0.0));
            for (int q = 0; q < n; ++q) {
                double sum = 0.0;
                for (int k = 0; k < n; ++k) {
                    if (!causal || k <= q) {
                        m[q][k] = std::exp(logit(rng));
                        sum += m[q][k];
                    }
                }
                for (double& x : m[q]) {
                    x /= sum;
                }
            }
            hs.push_back(m);
        }
        out.push_back(layer(hs));
    }
    return out;
}

} // namespace

class TstFlow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void oneLayerIsTheEdgeItself()
    {
        // To layer 0 the only path from input j to position i is the edge Â_0[i][j].
        LUMEN_COMPARE_MATRIX(flowTo(twoLayers(), 0).matrix,
            (Matrix { { .5, .5, 0 }, { .5, .5, 0 }, { .25, 0, .75 } }));
    }

    void twoLayersDifferFromRollout()
    {
        // Through one middle layer the paths j -> (1, k) -> i are disjoint, so
        //   flow(j -> i) = sum_k min(Â_0[k][j], Â_1[i][k]).
        // i = 0 (Â_1 row (.5, 0, .5)): j = 0, column (.5,.5,.25): .5 + 0 + .25 = .75;
        //   j = 1, column (.5,.5,0): .5; j = 2, column (0,0,.75): .5.
        // i = 1 (row (0,.5,.5)): j = 0: 0 + .5 + .25 = .75; j = 1: .5; j = 2: .5.
        // i = 2 (row (0,0,1)): j = 0: .25; j = 1: 0; j = 2: .75.
        // Rollout's row 0 is (.375, .25, .375): flow credits token 0 twice as much.
        const FlowResult flow = flowTo(twoLayers(), 1);
        QCOMPARE(flow.status, JobStatus::Completed);
        QCOMPARE(flow.toLayer, int64_t(1));
        QCOMPARE(flow.problemsSolved, int64_t(9));
        LUMEN_COMPARE_MATRIX(
            flow.matrix, (Matrix { { .75, .5, .5 }, { .75, .5, .5 }, { .25, 0, .75 } }));
        RolloutConfig rc;
        rc.toLayer = 1;
        const FloatTensor rollout = attentionRollout(twoLayers(), rc).matrix;
        QVERIFY(std::fabs(rollout.data[0] - flow.matrix.data[0]) > 0.3);
    }

    void threeLayersNeedACut()
    {
        // Two tokens, uniform heads: every Â = [[.75,.25],[.25,.75]]. Nodes a, b after layer
        // 0, a', b' after layer 1, sink t = position 0 after layer 2.
        // j = 0: s->a .75, s->b .25; a->a' .75, b->b' .75, b->a' .25, a->b' .25; a'->t .75,
        //   b'->t .25. Paths s-a-a'-t (.75) and s-b-b'-t (.25) carry 1 = the source's capacity.
        // j = 1: s->a .25, s->b .75. Paths s-a-a'-t .25, s-b-a'-t .25, s-b-b'-t .25 carry .75,
        //   and the cut {s, b, b'} | {a, a', t} has capacity s->a .25 + b->a' .25 + b'->t .25
        //   = .75, so .75 is the maximum (rollout gives Â^3 = .4375 here).
        const Matrix uniform = { { .5, .5 }, { .5, .5 } };
        const std::vector<FloatTensor> layers = { layer({ uniform }), layer({ uniform, uniform }),
            layer({ uniform }) };
        LUMEN_COMPARE_MATRIX(flowTo(layers, 1).matrix, (Matrix { { 1, .5 }, { .5, 1 } }));
        LUMEN_COMPARE_MATRIX(flowTo(layers, 2).matrix, (Matrix { { 1, .75 }, { .75, 1 } }));
    }

    void matchesEdmondsKarp_data()
    {
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("causal");
        QTest::addColumn<unsigned>("seed");
        QTest::newRow("4x5") << 4 << 5 << false << 1u;
        QTest::newRow("6x4") << 6 << 4 << false << 2u;
        QTest::newRow("3x7 causal") << 3 << 7 << true << 3u;
        QTest::newRow("5x6 causal") << 5 << 6 << true << 4u;
        QTest::newRow("2x8") << 2 << 8 << false << 5u;
    }

    void matchesEdmondsKarp()
    {
        QFETCH(int, layers);
        QFETCH(int, tokens);
        QFETCH(bool, causal);
        QFETCH(unsigned, seed);
        const auto attentions = randomLayers(layers, 3, tokens, causal, seed);
        for (int to = 0; to < layers; ++to) {
            LUMEN_COMPARE_MATRIX(flowTo(attentions, to).matrix, referenceFlow(attentions, to));
        }
    }

    void threadsGiveTheSameAnswer()
    {
        const auto attentions = randomLayers(6, 4, 24, false, 7);
        const FlowResult one = flowTo(attentions, -1, {}, 1);
        const FlowResult three = flowTo(attentions, -1, {}, 3);
        QCOMPARE(three.matrix.data, one.matrix.data);
        QCOMPARE(three.problemsSolved, int64_t(24 * 24));
        for (float v : one.matrix.data) {
            QVERIFY(v >= 0.0f && v <= 1.0f + 1e-6f);
        }
    }

    void paddingIsRemoved()
    {
        // Random layers over 6 positions with 1 and 5 as padding equal the flow over the
        // 4 real positions alone (when the real rows give padding nothing), with zeros at
        // padding rows and columns.
        const auto small = randomLayers(3, 2, 4, false, 11);
        std::vector<FloatTensor> padded;
        const std::vector<int64_t> realAt = { 0, 2, 3, 4 };
        for (const FloatTensor& s : small) {
            FloatTensor p;
            p.shape = { 1, 2, 6, 6 };
            p.data.assign(72, 1.0f / 6); // padding rows: uniform garbage
            for (int64_t h = 0; h < 2; ++h) {
                for (int64_t q = 0; q < 4; ++q) {
                    for (int64_t k = 0; k < 6; ++k) {
                        p.data[static_cast<size_t>((h * 6 + realAt[q]) * 6 + k)] = 0.0f;
                    }
                    for (int64_t k = 0; k < 4; ++k) {
                        p.data[static_cast<size_t>((h * 6 + realAt[q]) * 6 + realAt[k])] =
                            s.data[static_cast<size_t>((h * 4 + q) * 4 + k)];
                    }
                }
            }
            padded.push_back(p);
        }
        const Matrix ref = referenceFlow(small, 2);
        Matrix expected(6, std::vector<double>(6, 0.0));
        for (int q = 0; q < 4; ++q) {
            for (int k = 0; k < 4; ++k) {
                expected[realAt[q]][realAt[k]] = ref[q][k];
            }
        }
        LUMEN_COMPARE_MATRIX(flowTo(padded, 2, { 1, 0, 1, 1, 1, 0 }).matrix, expected);
    }

    void progressAndCancel()
    {
        const auto attentions = randomLayers(3, 2, 8, false, 13);
        std::vector<double> fractions;
        RunControl control;
        control.progress = [&](double f, const std::string&) { fractions.push_back(f); };
        FlowConfig config;
        config.threads = 2;
        QCOMPARE(attentionFlow(attentions, config, control).status, JobStatus::Completed);
        QVERIFY(!fractions.empty());
        QCOMPARE(fractions.back(), 1.0);

        // Cancel from the progress callback, which reports the first finished row: the run
        // stops before the next row and ends Cancelled, not Failed.
        std::atomic<bool> cancel { false };
        control.cancel = &cancel;
        control.progress = [&](double, const std::string&) { cancel = true; };
        config.threads = 1;
        const auto big = randomLayers(4, 2, 40, false, 17);
        const FlowResult r = attentionFlow(big, config, control);
        QCOMPARE(r.status, JobStatus::Cancelled);
        QVERIFY(r.matrix.empty());
        QCOMPARE(r.problemsSolved, int64_t(40));

        cancel = true; // already set: nothing is solved
        const FlowResult none = attentionFlow(big, config, control);
        QCOMPARE(none.status, JobStatus::Cancelled);
        QCOMPARE(none.problemsSolved, int64_t(0));
    }

    void realCausalTrace()
    {
        // GPT-2's reference attentions ("The quick brown fox ..."): a causal model's flow is
        // lower triangular (nothing flows from a later token), within [0, 1], matches the
        // textbook solver, and a token's flow to itself is at least its rollout share.
        const auto& forward = lumen::test::expected("gpt2")["forward"][0];
        std::vector<FloatTensor> layers;
        for (const auto& l : forward["attentions"]) {
            FloatTensor t = lumen::test::jsonToFloat(l);
            t.shape.insert(t.shape.begin(), 1); // [heads, q, k] -> [1, heads, q, k]
            layers.push_back(t);
        }
        const int64_t n = layers[0].shape[2];
        const FlowResult flow = flowTo(layers, -1, {}, 2);
        const Matrix reference = referenceFlow(layers, int(layers.size()) - 1);
        LUMEN_COMPARE_MATRIX(flow.matrix, reference);
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < n; ++j) {
                const float v = flow.matrix.data[size_t(i * n + j)];
                QVERIFY(v >= 0.0f && v <= 1.0f + 1e-6f);
                if (j > i) {
                    QVERIFY(v < 1e-7f);
                }
            }
        }
    }

    void badThreadCountIsRefused()
    {
        FlowConfig config;
        config.threads = -2;
        try {
            attentionFlow(twoLayers(), config);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.what()),
                QStringLiteral("attention flow: threads is -2; use 0 (one per core) or a "
                               "positive count."));
        }
    }
};

QTEST_GUILESS_MAIN(TstFlow)
#include "tst_flow.moc"
