// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Attention rollout against cases worked out by hand from the definition (Abnar & Zuidema
// 2020): Â = rownorm(0.5 I + 0.5 mean_h A_h), R_0 = Â_0, R_l = Â_l R_{l-1}; padding removed,
// batch selection, and the exact error messages for inputs that are not one trace's
// self-attentions.

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"

#include "attention_builder.h"
#include "conformance.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

using lumen::Error;
using lumen::ErrorKind;
using lumen::engine::attentionRollout;
using lumen::engine::augmentedAttention;
using lumen::engine::FloatTensor;
using lumen::engine::JobStatus;
using lumen::engine::RolloutConfig;
using lumen::engine::RunControl;
using lumen::test::layer;
using lumen::test::Matrix;

namespace {

/// The reference's batched attentions of a conformance case: per layer [batch, heads, q, k].
std::vector<FloatTensor> batchAttentions(const std::string& name)
{
    std::vector<FloatTensor> layers;
    for (const auto& l : lumen::test::expected(name)["batch"]["attentions"]) {
        layers.push_back(lumen::test::jsonToFloat(l));
    }
    return layers;
}

std::vector<uint8_t> batchMask(const std::string& name, size_t row)
{
    std::vector<uint8_t> mask;
    for (int64_t v :
        lumen::test::jsonToInts(lumen::test::expected(name)["batch"]["attention_mask"][row])) {
        mask.push_back(v != 0);
    }
    return mask;
}

// Layer 0 has two heads whose mean is [[0,1,0],[1,0,0],[.5,0,.5]], so
//   Â_0 = 0.5 I + 0.5 mean = [[.5,.5,0],[.5,.5,0],[.25,0,.75]]  (rows already sum to 1).
// Layer 1 has one head on token 2: Â_1 = [[.5,0,.5],[0,.5,.5],[0,0,1]].
std::vector<FloatTensor> twoLayers()
{
    return { layer({ { { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } },
                 { { 0, 1, 0 }, { 1, 0, 0 }, { 1, 0, 0 } } }),
        layer({ { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 } } }) };
}

const Matrix kHat0 = { { .5, .5, 0 }, { .5, .5, 0 }, { .25, 0, .75 } };
const Matrix kHat1 = { { .5, 0, .5 }, { 0, .5, .5 }, { 0, 0, 1 } };
// R_1 = Â_1 Â_0: row 0 = .5 (.5,.5,0) + .5 (.25,0,.75) = (.375,.25,.375); row 1 the same
// (row 1 of Â_1 mixes rows 1 and 2 of Â_0, and rows 0 and 1 of Â_0 are equal); row 2 = row 2
// of Â_0. (Â_0 Â_1 would give row 0 = (.25,.25,.5): the order matters.)
const Matrix kRollout1 = { { .375, .25, .375 }, { .375, .25, .375 }, { .25, 0, .75 } };

QString message(const std::vector<FloatTensor>& attentions, const RolloutConfig& config)
{
    try {
        attentionRollout(attentions, config);
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

} // namespace

class TstRollout : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void augmentedMatrixIsResidualHeadMean()
    {
        LUMEN_COMPARE_MATRIX(augmentedAttention(twoLayers(), 0), kHat0);
        LUMEN_COMPARE_MATRIX(augmentedAttention(twoLayers(), 1), kHat1);
        LUMEN_COMPARE_MATRIX(augmentedAttention(twoLayers(), -1), kHat1);
    }

    void rolloutToEachLayer()
    {
        RolloutConfig config;
        config.toLayer = 0;
        auto r = attentionRollout(twoLayers(), config);
        QCOMPARE(r.status, JobStatus::Completed);
        QCOMPARE(r.toLayer, int64_t(0));
        LUMEN_COMPARE_MATRIX(r.matrix, kHat0);

        config.toLayer = 1;
        LUMEN_COMPARE_MATRIX(attentionRollout(twoLayers(), config).matrix, kRollout1);
        config.toLayer = -1;
        r = attentionRollout(twoLayers(), config);
        QCOMPARE(r.toLayer, int64_t(1));
        LUMEN_COMPARE_MATRIX(r.matrix, kRollout1);
    }

    void threeUniformLayers()
    {
        // Two tokens, uniform heads: Â = [[.75,.25],[.25,.75]] in every layer;
        // Â^2 = [[.625,.375],[.375,.625]], Â^3 = [[.5625,.4375],[.4375,.5625]].
        const Matrix uniform = { { .5, .5 }, { .5, .5 } };
        const std::vector<FloatTensor> layers = { layer({ uniform, uniform }), layer({ uniform }),
            layer({ uniform, uniform, uniform }) };
        RolloutConfig config;
        config.toLayer = 1;
        LUMEN_COMPARE_MATRIX(
            attentionRollout(layers, config).matrix, (Matrix { { .625, .375 }, { .375, .625 } }));
        config.toLayer = 2;
        LUMEN_COMPARE_MATRIX(attentionRollout(layers, config).matrix,
            (Matrix { { .5625, .4375 }, { .4375, .5625 } }));
    }

    void paddingRenormalisesOverRealKeys()
    {
        // Tokens 0 and 1 are real, 2 is padding. Row 0 puts .2 on the padding key: without it,
        // 0.5 I + 0.5 (.4, .4) = (.7, .2), renormalised (7/9, 2/9); row 1: (.05, .8) -> (1/17,
        // 16/17). The padding row (uniform here) and column come back as zeros.
        const std::vector<FloatTensor> layers = { layer(
            { { { .4, .4, .2 }, { .1, .6, .3 }, { 1. / 3, 1. / 3, 1. / 3 } } }) };
        RolloutConfig config;
        config.realMask = { 1, 1, 0 };
        const Matrix expected = { { 7. / 9, 2. / 9, 0 }, { 1. / 17, 16. / 17, 0 }, { 0, 0, 0 } };
        LUMEN_COMPARE_MATRIX(attentionRollout(layers, config).matrix, expected);
        LUMEN_COMPARE_MATRIX(augmentedAttention(layers, 0, 0, config.realMask), expected);
    }

    void paddingInsideIsRemovedNotMixed()
    {
        // The two-layer case with a padding position inserted at index 1: its row is garbage,
        // and in layer 1 the real rows give it half their attention (the rest on token 2).
        // Removing it: layer 1's real rows become (0, 0, .5) before the residual, so
        //   Â_1 = [[.5,0,.25],[0,.5,.25],[0,0,.75]] renormalised =
        //   [[2/3,0,1/3],[0,2/3,1/3],[0,0,1]] R_1 = Â_1 Â_0: rows 0 and 1 = 2/3 (.5,.5,0) + 1/3
        //   (.25,0,.75) = (5/12, 1/3, 1/4), row 2 = (.25, 0, .75);
        // with a zero row and column at the padding position. Were the padding kept, its garbage
        // row would leak into every real row through Â_1.
        const std::vector<double> garbage = { .7, .1, .1, .1 };
        const std::vector<FloatTensor> layers = {
            layer({ { { 0, 0, 1, 0 }, garbage, { 1, 0, 0, 0 }, { 0, 0, 0, 1 } },
                { { 0, 0, 1, 0 }, garbage, { 1, 0, 0, 0 }, { 1, 0, 0, 0 } } }),
            layer({ { { 0, .5, 0, .5 }, garbage, { 0, .5, 0, .5 }, { 0, .5, 0, .5 } } })
        };
        RolloutConfig config;
        config.realMask = { 1, 0, 1, 1 };
        const Matrix expected = { { 5. / 12, 0, 1. / 3, .25 }, { 0, 0, 0, 0 },
            { 5. / 12, 0, 1. / 3, .25 }, { .25, 0, 0, .75 } };
        LUMEN_COMPARE_MATRIX(attentionRollout(layers, config).matrix, expected);
    }

    void batchIndexSelectsTheSequence()
    {
        const Matrix other = { { 1, 0, 0 }, { 1, 0, 0 }, { 1, 0, 0 } };
        const std::vector<FloatTensor> layers = {
            lumen::test::batchedLayer({ { other, other },
                { { { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } },
                    { { 0, 1, 0 }, { 1, 0, 0 }, { 1, 0, 0 } } } }),
            lumen::test::batchedLayer({ { other }, { { { 0, 0, 1 }, { 0, 0, 1 }, { 0, 0, 1 } } } })
        };
        RolloutConfig config;
        config.batch = 1;
        LUMEN_COMPARE_MATRIX(attentionRollout(layers, config).matrix, kRollout1);
    }

    void realPaddedBatch_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("causal");
        QTest::newRow("bert") << "bert" << false;
        QTest::newRow("gpt2") << "gpt2" << true;
    }

    void realPaddedBatch()
    {
        // The reference's own attentions for a right-padded batch ("Hello, world!" padded to
        // the length of a longer text): with the mask, the real rows of every rollout sum to
        // 1, padding rows and columns are 0, and the result equals the rollout over the real
        // positions alone. A causal model's rollout stays lower triangular.
        QFETCH(QString, model);
        QFETCH(bool, causal);
        const auto layers = batchAttentions(model.toStdString());
        const auto mask = batchMask(model.toStdString(), 0);
        const int64_t n = layers[0].shape[2];
        const int64_t heads = layers[0].shape[1];
        const int64_t real = std::count(mask.begin(), mask.end(), 1);
        QVERIFY(real > 2 && real < n);
        std::vector<FloatTensor> realOnly;
        for (const FloatTensor& l : layers) {
            realOnly.push_back(
                lumen::test::slice(l, { { 0, 1 }, { 0, heads }, { 0, real }, { 0, real } }));
        }
        for (int64_t to = 0; to < int64_t(layers.size()); ++to) {
            RolloutConfig config;
            config.toLayer = to;
            config.realMask = mask;
            const FloatTensor r = attentionRollout(layers, config).matrix;
            RolloutConfig plain;
            plain.toLayer = to;
            const FloatTensor compact = attentionRollout(realOnly, plain).matrix;
            for (int64_t q = 0; q < n; ++q) {
                double sum = 0.0;
                for (int64_t k = 0; k < n; ++k) {
                    const float v = r.data[size_t(q * n + k)];
                    sum += v;
                    if (q >= real || k >= real) {
                        QCOMPARE(v, 0.0f);
                    } else {
                        QVERIFY(std::fabs(v - compact.data[size_t(q * real + k)]) < 1e-5);
                    }
                    if (causal && k > q) {
                        QVERIFY(std::fabs(v) < 1e-7);
                    }
                }
                QVERIFY(q >= real ? sum == 0.0 : std::fabs(sum - 1.0) < 1e-5);
            }
        }
        // The unpadded second sequence of the batch, every position real.
        RolloutConfig second;
        second.batch = 1;
        const FloatTensor full = attentionRollout(layers, second).matrix;
        for (int64_t q = 0; q < n; ++q) {
            double sum = 0.0;
            for (int64_t k = 0; k < n; ++k) {
                sum += full.data[size_t(q * n + k)];
            }
            QVERIFY(std::fabs(sum - 1.0) < 1e-5);
        }
    }

    // The analysis runs on attentions kept anywhere (the GUI's one contiguous buffer) through
    // AttentionLayers, with the same results as on the trace's own tensors.
    void contiguousBufferGivesTheSameResults()
    {
        const std::vector<FloatTensor> trace = batchAttentions("bert");
        std::vector<float> buffer;
        lumen::engine::AttentionLayers view;
        for (const FloatTensor& t : trace) {
            view.heads.push_back(t.shape[1]);
        }
        for (const FloatTensor& t : trace) {
            buffer.insert(buffer.end(), t.data.begin(), t.data.end());
        }
        size_t at = 0;
        for (const FloatTensor& t : trace) {
            view.data.push_back(buffer.data() + at);
            at += t.data.size();
        }
        view.batch = trace.front().shape[0];
        view.seq = trace.front().shape[2];
        RolloutConfig config;
        config.batch = 1;
        QVERIFY(attentionRollout(view, config).matrix.data
            == attentionRollout(trace, config).matrix.data);
        lumen::engine::HeadStatsConfig stats;
        stats.batch = 1;
        const auto a = lumen::engine::headStatistics(view, stats).heads;
        const auto b = lumen::engine::headStatistics(trace, stats).heads;
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].entropy, b[i].entropy);
            QCOMPARE(a[i].previousShare, b[i].previousShare);
        }
        lumen::engine::FlowConfig flow;
        flow.batch = 1;
        flow.toLayer = 0;
        QVERIFY(lumen::engine::attentionFlow(view, flow).matrix.data
            == lumen::engine::attentionFlow(trace, flow).matrix.data);
        // A view with a missing layer pointer is refused, not read.
        view.data[1] = nullptr;
        QVERIFY_THROWS_EXCEPTION(Error, attentionRollout(view, config));
    }

    void progressAndCancel()
    {
        std::vector<double> fractions;
        RunControl control;
        control.progress = [&](double f, const std::string&) { fractions.push_back(f); };
        attentionRollout(twoLayers(), {}, control);
        QCOMPARE(fractions, (std::vector<double> { 0.5, 1.0 }));

        std::atomic<bool> cancel { true };
        control.cancel = &cancel;
        const auto r = attentionRollout(twoLayers(), {}, control);
        QCOMPARE(r.status, JobStatus::Cancelled);
        QVERIFY(r.matrix.empty());
    }

    void badInputsAreRefusedClearly()
    {
        RolloutConfig config;
        QCOMPARE(message({}, config),
            QStringLiteral("no attention layers were given: run the forward pass with "
                           "TraceRequest::attentions = true and pass Trace::attentions."));
        FloatTensor cross;
        cross.shape = { 1, 1, 2, 3 };
        cross.data.assign(6, 0.f);
        QCOMPARE(message({ cross }, config),
            QStringLiteral("attention layer 0 has shape [1, 1, 2, 3]: its query (2) and key "
                           "(3) lengths differ; rollout, flow and head statistics need "
                           "self-attention (Trace::attentions or Trace::decoderAttentions), "
                           "not cross-attention."));
        FloatTensor flat;
        flat.shape = { 3, 3 };
        flat.data.assign(9, 0.f);
        QCOMPARE(message({ flat }, config),
            QStringLiteral("attention layer 0 has shape [3, 3]; expected 4 dimensions "
                           "[batch, heads, query, key]."));
        std::vector<FloatTensor> mixed = twoLayers();
        mixed.push_back(layer({ { { 1, 0 }, { 0, 1 } } }));
        QCOMPARE(message(mixed, config),
            QStringLiteral("attention layer 2 has shape [1, 1, 2, 2] but layer 0 has "
                           "[1, 2, 3, 3]; pass the layers of one trace."));
        config.batch = 1;
        QCOMPARE(message(twoLayers(), config),
            QStringLiteral("batch index 1 is out of range: the trace holds 1 sequence(s) "
                           "(0..0)."));
        config.batch = 0;
        config.toLayer = 2;
        QCOMPARE(message(twoLayers(), config),
            QStringLiteral("layer 2 is out of range: the model has 2 layers (0..1, or -1 "
                           "for the last)."));
        config.toLayer = -1;
        config.realMask = { 1, 1 };
        QCOMPARE(message(twoLayers(), config),
            QStringLiteral("the real-position mask has 2 entries but the sequence has 3 "
                           "positions; pass one entry per position (the attention mask) or "
                           "none."));
        config.realMask = { 0, 0, 0 };
        QCOMPARE(message(twoLayers(), config),
            QStringLiteral("the real-position mask marks no position as real; at least one "
                           "token is needed."));
        try {
            attentionRollout(std::vector<FloatTensor>(), RolloutConfig());
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidInput);
        }
    }
};

QTEST_GUILESS_MAIN(TstRollout)
#include "tst_rollout.moc"
