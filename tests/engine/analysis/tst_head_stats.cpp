// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Head statistics and labels against hand-made attention patterns: a pure previous-token head,
// a uniform (broad) head, a head on [SEP], the identity (self), a mixed head; padding masked;
// causal normalisation; the label thresholds; the exact error messages.

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"

#include "attention_builder.h"
#include "conformance.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

using lumen::Error;
using lumen::engine::classifyHead;
using lumen::engine::FloatTensor;
using lumen::engine::HeadPattern;
using lumen::engine::headPatternName;
using lumen::engine::headStatistics;
using lumen::engine::HeadStats;
using lumen::engine::HeadStatsConfig;
using lumen::engine::JobStatus;
using lumen::engine::RunControl;
using lumen::test::layer;
using lumen::test::Matrix;

Q_DECLARE_METATYPE(HeadPattern)

namespace {

Matrix previousToken(int n)
{
    Matrix m(n, std::vector<double>(n, 0.0));
    m[0][0] = 1.0; // the first token has no previous one
    for (int q = 1; q < n; ++q) {
        m[q][q - 1] = 1.0;
    }
    return m;
}

Matrix uniform(int n)
{
    return Matrix(n, std::vector<double>(n, 1.0 / n));
}

Matrix identity(int n)
{
    Matrix m(n, std::vector<double>(n, 0.0));
    for (int q = 0; q < n; ++q) {
        m[q][q] = 1.0;
    }
    return m;
}

Matrix onKey(int n, int key)
{
    Matrix m(n, std::vector<double>(n, 0.0));
    for (int q = 0; q < n; ++q) {
        m[q][key] = 1.0;
    }
    return m;
}

HeadStats statsOf(const Matrix& head, HeadStatsConfig config = {})
{
    const auto result = headStatistics({ layer({ head }) }, config);
    if (result.heads.size() != 1) {
        qFatal("expected one head");
    }
    return result.heads[0];
}

constexpr double kTol = 1e-6;

} // namespace

class TstHeadStats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void previousTokenHead()
    {
        // 5 tokens: rows 1..4 all on the previous token, row 0 on itself.
        const HeadStats s = statsOf(previousToken(5));
        QCOMPARE(s.pattern, HeadPattern::PreviousToken);
        QVERIFY(std::fabs(s.previousShare - 1.0) < kTol); // over rows 1..4, the ones with one
        QVERIFY(std::fabs(s.selfShare - 0.2) < kTol); // row 0 only
        QVERIFY(std::fabs(s.meanDistance - 0.8) < kTol); // (0 + 1 + 1 + 1 + 1) / 5
        QVERIFY(std::fabs(s.entropy) < kTol);
        QVERIFY(std::fabs(s.normalizedEntropy) < kTol);
        QVERIFY(std::fabs(s.specialShare) < kTol);
        QCOMPARE(QString::fromLatin1(headPatternName(s.pattern)), QStringLiteral("previous-token"));
    }

    void uniformHeadIsBroad()
    {
        // 4 tokens, 1/4 each: H = log 4, normalised 1; distances per row 6/4, 4/4, 4/4, 6/4.
        const HeadStats s = statsOf(uniform(4));
        QCOMPARE(s.pattern, HeadPattern::Broad);
        QVERIFY(std::fabs(s.entropy - std::log(4.0)) < kTol);
        QVERIFY(std::fabs(s.normalizedEntropy - 1.0) < kTol);
        QVERIFY(std::fabs(s.meanDistance - 1.25) < kTol);
        QVERIFY(std::fabs(s.previousShare - 0.25) < kTol);
        QVERIFY(std::fabs(s.selfShare - 0.25) < kTol);
    }

    void sepHeadIsDelimiter()
    {
        // [CLS] a b c [SEP], every row on [SEP]: special share 1, self 1/5 ([SEP]'s own row),
        // distances 4, 3, 2, 1, 0.
        HeadStatsConfig config;
        config.specialMask = { 1, 0, 0, 0, 1 };
        const HeadStats s = statsOf(onKey(5, 4), config);
        QCOMPARE(s.pattern, HeadPattern::Delimiter);
        QVERIFY(std::fabs(s.specialShare - 1.0) < kTol);
        QVERIFY(std::fabs(s.selfShare - 0.2) < kTol);
        QVERIFY(std::fabs(s.previousShare) < kTol);
        QVERIFY(std::fabs(s.meanDistance - 2.0) < kTol);
        // Without the special mask the same head is just sharp, not a delimiter head.
        QCOMPARE(statsOf(onKey(5, 4)).pattern, HeadPattern::Mixed);
    }

    void identityIsSelf()
    {
        const HeadStats s = statsOf(identity(6));
        QCOMPARE(s.pattern, HeadPattern::Self);
        QVERIFY(std::fabs(s.selfShare - 1.0) < kTol);
        QVERIFY(std::fabs(s.meanDistance) < kTol);
        QVERIFY(std::fabs(s.previousShare) < kTol);
    }

    void spreadWithoutAMajorityIsMixed()
    {
        // 6 tokens: row 0 uniform; rows 1..5 put .45 on themselves, .45 on the previous token
        // and .025 on each of the 4 others. self = (1/6 + 5 * .45) / 6 = .403, previous = .45:
        // neither is a majority. Normalised entropy: row 0 is 1, rows 1..5 are
        // (-2 * .45 ln .45 - 4 * .025 ln .025) / ln 6 = .607, mean .672 < 0.8: mixed.
        Matrix m(6, std::vector<double>(6, 0.025));
        m[0] = std::vector<double>(6, 1.0 / 6);
        for (int q = 1; q < 6; ++q) {
            m[q][q] = 0.45;
            m[q][q - 1] = 0.45;
        }
        const HeadStats s = statsOf(m);
        QCOMPARE(s.pattern, HeadPattern::Mixed);
        QVERIFY(std::fabs(s.previousShare - 0.45) < kTol);
        QVERIFY(std::fabs(s.selfShare - (1.0 / 6 + 5 * 0.45) / 6) < kTol);
        const double row =
            (-2 * 0.45 * std::log(0.45) - 4 * 0.025 * std::log(0.025)) / std::log(6.0);
        QVERIFY(std::fabs(s.normalizedEntropy - (1.0 + 5 * row) / 6) < kTol);
    }

    void paddingIsMasked()
    {
        // A previous-token head over 4 real tokens followed by 2 padding positions: real rows
        // give .8 to the previous token (row 0: .8 to itself) and .2 to padding position 5;
        // padding rows are uniform. Masked, the real rows renormalise to a pure previous-token
        // head over 4 keys.
        Matrix m(6, std::vector<double>(6, 1.0 / 6));
        for (int q = 0; q < 4; ++q) {
            m[q] = std::vector<double>(6, 0.0);
            m[q][q == 0 ? 0 : q - 1] = 0.8;
            m[q][5] = 0.2;
        }
        HeadStatsConfig config;
        config.realMask = { 1, 1, 1, 1, 0, 0 };
        const HeadStats s = statsOf(m, config);
        QCOMPARE(s.pattern, HeadPattern::PreviousToken);
        QVERIFY(std::fabs(s.previousShare - 1.0) < kTol);
        QVERIFY(std::fabs(s.selfShare - 0.25) < kTol);
        QVERIFY(std::fabs(s.meanDistance - 0.75) < kTol);
        QVERIFY(std::fabs(s.entropy) < kTol);
        // Unmasked, the padding rows and the .2 on padding count: previous share drops.
        const HeadStats unmasked = statsOf(m);
        QVERIFY(unmasked.previousShare < 0.7);
        QVERIFY(unmasked.entropy > 0.3);
    }

    void leftPaddingCountsPositionsWithoutIt()
    {
        // Padding at 0 and 1, real tokens at 2..5 with a previous-token pattern (row 2 on
        // itself): the previous real position of 3 is 2, and distances count real positions.
        Matrix m(6, std::vector<double>(6, 0.0));
        m[0][0] = m[1][1] = 1.0;
        m[2][2] = 1.0;
        for (int q = 3; q < 6; ++q) {
            m[q][q - 1] = 1.0;
        }
        HeadStatsConfig config;
        config.realMask = { 0, 0, 1, 1, 1, 1 };
        const HeadStats s = statsOf(m, config);
        QCOMPARE(s.pattern, HeadPattern::PreviousToken);
        QVERIFY(std::fabs(s.previousShare - 1.0) < kTol);
        QVERIFY(std::fabs(s.selfShare - 0.25) < kTol);
    }

    void causalCountsOnlyAllowedKeys()
    {
        // Uniform causal head over 4 tokens: row q gives 1/(q+1) to keys 0..q. Row 0 sees one
        // key and is left out. Causal: each row's entropy log(q+1) is normalised by log(q+1),
        // so 1: broad; entropy (ln 2 + ln 3 + ln 4) / 3; distances (.5 + 1 + 1.5) / 3 = 1;
        // self and previous (1/2 + 1/3 + 1/4) / 3.
        Matrix m(4, std::vector<double>(4, 0.0));
        for (int q = 0; q < 4; ++q) {
            for (int k = 0; k <= q; ++k) {
                m[q][k] = 1.0 / (q + 1);
            }
        }
        HeadStatsConfig config;
        config.causal = true;
        const HeadStats s = statsOf(m, config);
        QCOMPARE(s.pattern, HeadPattern::Broad);
        QVERIFY(std::fabs(s.normalizedEntropy - 1.0) < kTol);
        QVERIFY(std::fabs(s.entropy - (std::log(2.0) + std::log(3.0) + std::log(4.0)) / 3) < kTol);
        QVERIFY(std::fabs(s.meanDistance - 1.0) < kTol);
        const double share = (1.0 / 2 + 1.0 / 3 + 1.0 / 4) / 3;
        QVERIFY(std::fabs(s.selfShare - share) < kTol);
        QVERIFY(std::fabs(s.previousShare - share) < kTol);

        // Read as bidirectional, every row is normalised by log 4 and row 0 counts:
        // (0 + ln2/ln4 + ln3/ln4 + 1) / 4 = .573, no longer broad.
        const HeadStats bidirectional = statsOf(m);
        QVERIFY(std::fabs(bidirectional.normalizedEntropy
                    - (0.5 + std::log(3.0) / std::log(4.0) + 1.0) / 4)
            < kTol);
        QVERIFY(bidirectional.pattern != HeadPattern::Broad);

        // Causal ignores (and renormalises away) any weight above the diagonal.
        Matrix leaky = m;
        for (int q = 0; q < 3; ++q) {
            for (auto& x : leaky[q]) {
                x *= 0.5;
            }
            leaky[q][3] = 0.5;
        }
        const HeadStats l = statsOf(leaky, config);
        QVERIFY(std::fabs(l.normalizedEntropy - 1.0) < kTol);
        QVERIFY(std::fabs(l.selfShare - share) < kTol);
    }

    void everyLayerAndHeadInOrder()
    {
        const std::vector<FloatTensor> layers = { layer({ previousToken(5), uniform(5) }),
            layer({ identity(5), onKey(5, 0) }) };
        HeadStatsConfig config;
        config.specialMask = { 1, 0, 0, 0, 1 };
        const auto result = headStatistics(layers, config);
        QCOMPARE(result.status, JobStatus::Completed);
        QCOMPARE(result.heads.size(), size_t(4));
        const HeadPattern expected[] = { HeadPattern::PreviousToken, HeadPattern::Broad,
            HeadPattern::Self, HeadPattern::Delimiter };
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(result.heads[i].layer, int64_t(i / 2));
            QCOMPARE(result.heads[i].head, int64_t(i % 2));
            QCOMPARE(result.heads[i].pattern, expected[i]);
        }

        std::atomic<bool> cancel { true };
        RunControl control;
        control.cancel = &cancel;
        const auto cancelled = headStatistics(layers, config, control);
        QCOMPARE(cancelled.status, JobStatus::Cancelled);
        QVERIFY(cancelled.heads.empty());
    }

    void realTraces_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("causal");
        QTest::newRow("bert") << "bert" << false;
        QTest::newRow("gpt2") << "gpt2" << true;
        QTest::newRow("roberta") << "roberta" << false;
    }

    void realTraces()
    {
        // The reference's attentions for a padded batch: every statistic in range, and the
        // padded sequence's statistics equal those of its real positions alone.
        QFETCH(QString, model);
        QFETCH(bool, causal);
        const auto& batch = lumen::test::expected(model.toStdString())["batch"];
        std::vector<FloatTensor> layers;
        for (const auto& l : batch["attentions"]) {
            layers.push_back(lumen::test::jsonToFloat(l));
        }
        HeadStatsConfig config;
        config.causal = causal;
        for (int64_t v : lumen::test::jsonToInts(batch["attention_mask"][0])) {
            config.realMask.push_back(v != 0);
        }
        const int64_t real = std::count(config.realMask.begin(), config.realMask.end(), 1);
        const int64_t heads = layers[0].shape[1];
        std::vector<FloatTensor> realOnly;
        for (const FloatTensor& l : layers) {
            realOnly.push_back(
                lumen::test::slice(l, { { 0, 1 }, { 0, heads }, { 0, real }, { 0, real } }));
        }
        HeadStatsConfig plain;
        plain.causal = causal;
        const auto padded = headStatistics(layers, config).heads;
        const auto alone = headStatistics(realOnly, plain).heads;
        QCOMPARE(padded.size(), layers.size() * size_t(heads));
        QCOMPARE(alone.size(), padded.size());
        for (size_t i = 0; i < padded.size(); ++i) {
            const HeadStats& s = padded[i];
            QVERIFY(s.entropy >= 0.0 && s.entropy <= std::log(double(real)) + 1e-9);
            QVERIFY(s.normalizedEntropy >= 0.0 && s.normalizedEntropy <= 1.0 + 1e-9);
            for (double share : { s.specialShare, s.previousShare, s.selfShare }) {
                QVERIFY(share >= 0.0 && share <= 1.0 + 1e-9);
            }
            QVERIFY(s.meanDistance >= 0.0 && s.meanDistance <= double(real - 1));
            QVERIFY(std::fabs(s.entropy - alone[i].entropy) < 1e-4);
            QVERIFY(std::fabs(s.previousShare - alone[i].previousShare) < 1e-5);
            QVERIFY(std::fabs(s.meanDistance - alone[i].meanDistance) < 1e-4);
            QCOMPARE(s.pattern, alone[i].pattern);
        }
    }

    void thresholds_data()
    {
        QTest::addColumn<double>("previous");
        QTest::addColumn<double>("self");
        QTest::addColumn<double>("special");
        QTest::addColumn<double>("entropy");
        QTest::addColumn<HeadPattern>("expected");
        QTest::newRow("majority previous")
            << 0.51 << 0.3 << 0.1 << 0.9 << HeadPattern::PreviousToken;
        QTest::newRow("exactly half is no majority")
            << 0.5 << 0.5 << 0.0 << 0.5 << HeadPattern::Mixed;
        QTest::newRow("self beats special") << 0.0 << 0.7 << 0.6 << 0.2 << HeadPattern::Self;
        QTest::newRow("special largest") << 0.1 << 0.55 << 0.6 << 0.2 << HeadPattern::Delimiter;
        QTest::newRow("tie previous first")
            << 0.6 << 0.6 << 0.6 << 0.0 << HeadPattern::PreviousToken;
        QTest::newRow("broad at threshold") << 0.2 << 0.2 << 0.2 << 0.8 << HeadPattern::Broad;
        QTest::newRow("below broad") << 0.2 << 0.2 << 0.2 << 0.79 << HeadPattern::Mixed;
    }

    void thresholds()
    {
        QFETCH(double, previous);
        QFETCH(double, self);
        QFETCH(double, special);
        QFETCH(double, entropy);
        QFETCH(HeadPattern, expected);
        HeadStats s;
        s.previousShare = previous;
        s.selfShare = self;
        s.specialShare = special;
        s.normalizedEntropy = entropy;
        QCOMPARE(classifyHead(s), expected);
    }

    void badSpecialMaskIsRefused()
    {
        HeadStatsConfig config;
        config.specialMask = { 1, 0 };
        try {
            headStatistics({ layer({ uniform(3) }) }, config);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.what()),
                QStringLiteral("the special-token mask has 2 entries but the sequence has 3 "
                               "positions; pass one entry per position "
                               "(Encoding::specialMask) or none."));
        }
    }
};

QTEST_GUILESS_MAIN(TstHeadStats)
#include "tst_head_stats.moc"
