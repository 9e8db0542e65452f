// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Theoretical receptive fields (Araujo et al. 2019): known stacks (WaveNet's kernel 2 with
// dilations 1 .. 512 reads 1024 positions; centred, strided and mixed stacks against the
// closed forms), unions over residual and skip paths, refusals, and the per-layer table of
// loaded models (Lumen's convolutions, WaveNet's skip sum, the LSTM and Transformers).
#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/receptive_field.h"

#include <QTemporaryDir>
#include <QTest>

using namespace lumen;
using namespace lumen::engine;

class TestReceptiveField : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void waveNetStack()
    {
        ReceptiveFieldGraph g;
        int x = g.input();
        for (int l = 0; l < 10; ++l) {
            x = g.conv(x, 2, int64_t { 1 } << l, 1, Padding::Causal);
        }
        QCOMPARE(g.field(x).size(), int64_t { 1024 });
        QCOMPARE(g.field(x).left, int64_t { 1023 });
        QCOMPARE(g.field(x).right, int64_t { 0 });
        // Two such blocks: 2 * 1023 + 1.
        for (int l = 0; l < 10; ++l) {
            x = g.conv(x, 2, int64_t { 1 } << l, 1, Padding::Causal);
        }
        QCOMPARE(g.field(x).size(), int64_t { 2047 });
    }

    void centredAndStridedStacks()
    {
        // Centred kernel 3, three layers: 3 each side.
        ReceptiveFieldGraph g;
        int x = g.input();
        for (int l = 0; l < 3; ++l) {
            x = g.conv(x, 3);
        }
        QCOMPARE(g.field(x).left, int64_t { 3 });
        QCOMPARE(g.field(x).right, int64_t { 3 });
        QCOMPARE(g.field(x).size(), int64_t { 7 });
        // Kernel 3, stride 2, four layers: r = 1 + sum (k - 1) * prod(strides before) =
        // 1 + 2 * (1 + 2 + 4 + 8) = 31, jump 16 (Araujo et al.'s closed form).
        ReceptiveFieldGraph s;
        int y = s.input();
        for (int l = 0; l < 4; ++l) {
            y = s.conv(y, 3, 1, 2);
        }
        QCOMPARE(s.field(y).size(), int64_t { 31 });
        QCOMPARE(s.field(y).jump, int64_t { 16 });
        // A mixed stack, kernel/stride 11/4, 3/2, 5/1, 3/2: 1 + 10 + 2*4 + 4*8 + 2*8 = 67.
        ReceptiveFieldGraph a;
        int z = a.conv(a.input(), 11, 1, 4);
        z = a.conv(z, 3, 1, 2);
        z = a.conv(z, 5, 1, 1);
        z = a.conv(z, 3, 1, 2);
        QCOMPARE(a.field(z).size(), int64_t { 67 });
        QCOMPARE(a.field(z).jump, int64_t { 16 });
        // An even centred kernel puts the extra position after the output.
        ReceptiveFieldGraph e;
        const int w = e.conv(e.input(), 4);
        QCOMPARE(e.field(w).left, int64_t { 1 });
        QCOMPARE(e.field(w).right, int64_t { 2 });
    }

    void residualAndSkipPathsAreUnions()
    {
        ReceptiveFieldGraph g;
        const int in = g.input();
        const int wide = g.conv(in, 5, 2); // 4 each side
        const int causal = g.conv(in, 3, 1, 1, Padding::Causal); // 2 left
        const int sum = g.merge({ in, wide, causal });
        QCOMPARE(g.field(sum).left, int64_t { 4 });
        QCOMPARE(g.field(sum).right, int64_t { 4 });
        const int attention = g.global(sum, false);
        QVERIFY(g.field(attention).unboundedLeft);
        QVERIFY(!g.field(attention).unboundedRight);
        QCOMPARE(g.field(attention).size(), int64_t { -1 });
        QCOMPARE(g.field(attention).right, int64_t { 4 });
        // Paths on different grids cannot be summed; sizes below 1 are refused.
        const int strided = g.conv(in, 3, 1, 2);
        QVERIFY_THROWS_EXCEPTION(Error, g.merge({ in, strided }));
        QVERIFY_THROWS_EXCEPTION(Error, g.conv(in, 0));
    }

    void modelsTables()
    {
        QTemporaryDir dir;
        // WaveNet, causal, kernel 2, dilations 1, 2, 4, 8 (cycle 3 repeats: 1, 2, 4, 1).
        NewModelSpec wave;
        wave.family = "wavenet";
        wave.causal = true;
        wave.hidden = 16;
        wave.layers = 4;
        createModel(wave, lumen::test::conformanceDir("gpt2"), dir.filePath(QStringLiteral("wave")).toStdString(), 0);
        auto waveModel = Model::load(dir.filePath(QStringLiteral("wave")).toStdString());
        const auto waveRows = theoreticalReceptiveField(*waveModel);
        QCOMPARE(waveRows.size(), size_t { 4 });
        const int64_t expected[] = { 2, 4, 8, 16 };
        for (size_t l = 0; l < 4; ++l) {
            QCOMPARE(waveRows[l].field.size(), expected[l]);
            QCOMPARE(waveRows[l].field.right, int64_t { 0 });
            QCOMPARE(waveRows[l].dilation, int64_t { 1 } << l);
        }
        // Lightweight convolution, masked-LM, kernel 5 everywhere: 2 more each side per layer.
        NewModelSpec light;
        light.hidden = 16;
        light.layers = 3;
        light.kernel = 5;
        createModel(light, lumen::test::conformanceDir("bert"), dir.filePath(QStringLiteral("light")).toStdString(), 0);
        auto lightModel = Model::load(dir.filePath(QStringLiteral("light")).toStdString());
        const auto lightRows = theoreticalReceptiveField(*lightModel);
        QCOMPARE(lightRows.back().field.size(), int64_t { 13 });
        QCOMPARE(lightRows.back().field.left, int64_t { 6 });
        QCOMPARE(QString::fromStdString(lightRows.front().op), QStringLiteral("lightweight convolution"));
        // LSTM and Transformers: unbounded, to the left only when causal.
        NewModelSpec lstm;
        lstm.family = "lstm";
        lstm.causal = true;
        lstm.hidden = 16;
        lstm.layers = 2;
        createModel(lstm, lumen::test::conformanceDir("gpt2"), dir.filePath(QStringLiteral("lstm")).toStdString(), 0);
        auto lstmModel = Model::load(dir.filePath(QStringLiteral("lstm")).toStdString());
        QVERIFY(theoreticalReceptiveField(*lstmModel).back().field.unboundedLeft);
        QVERIFY(!theoreticalReceptiveField(*lstmModel).back().field.unboundedRight);
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        const auto gptRows = theoreticalReceptiveField(*gpt2);
        QCOMPARE(gptRows.size(), size_t { 3 });
        QVERIFY(gptRows.back().field.unboundedLeft && !gptRows.back().field.unboundedRight);
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        QVERIFY(theoreticalReceptiveField(*bert).back().field.unboundedRight);
    }

    // The cone over the tokens: WaveNet's taps level by level, a dilated kernel's gaps, a
    // centred stack's interval, causal and bidirectional attention.
    void cones()
    {
        QTemporaryDir dir;
        NewModelSpec wave;
        wave.family = "wavenet";
        wave.causal = true;
        wave.hidden = 16;
        wave.layers = 4;
        createModel(wave, lumen::test::conformanceDir("gpt2"), dir.filePath(QStringLiteral("wave")).toStdString(), 0);
        auto waveModel = Model::load(dir.filePath(QStringLiteral("wave")).toStdString());
        const auto cone = receptiveCone(theoreticalReceptiveField(*waveModel), 20, 19);
        QCOMPARE(cone.size(), size_t { 5 });
        const auto positions = [](const std::vector<uint8_t>& level) {
            std::vector<int> out;
            for (size_t j = 0; j < level.size(); ++j) {
                if (level[j] != 0) {
                    out.push_back(static_cast<int>(j));
                }
            }
            return out;
        };
        QCOMPARE(positions(cone[4]), (std::vector<int> { 19 }));
        QCOMPARE(positions(cone[3]), (std::vector<int> { 11, 19 })); // dilation 8, kernel 2
        QCOMPARE(positions(cone[2]), (std::vector<int> { 7, 11, 15, 19 }));
        QCOMPARE(positions(cone[0]).size(), size_t { 16 });
        QCOMPARE(positions(cone[0]).front(), 4);

        LayerReceptiveField dilated;
        dilated.layer = 1;
        dilated.op = "dilated convolution";
        dilated.kernel = 3;
        dilated.dilation = 4;
        dilated.field.left = 4;
        dilated.field.right = 4;
        QCOMPARE(positions(receptiveCone({ dilated }, 30, 10)[0]), (std::vector<int> { 6, 10, 14 }));
        QCOMPARE(positions(receptiveCone({ dilated }, 30, 2)[0]), (std::vector<int> { 2, 6 })); // clipped at the start

        NewModelSpec light;
        light.hidden = 16;
        light.layers = 3;
        light.kernel = 5;
        createModel(light, lumen::test::conformanceDir("bert"), dir.filePath(QStringLiteral("light")).toStdString(), 0);
        auto lightModel = Model::load(dir.filePath(QStringLiteral("light")).toStdString());
        const auto lc = receptiveCone(theoreticalReceptiveField(*lightModel), 30, 10);
        QCOMPARE(positions(lc[0]).size(), size_t { 13 });
        QCOMPARE(positions(lc[0]).front(), 4);
        QCOMPARE(positions(lc[2]).size(), size_t { 5 });

        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        const auto causal = receptiveCone(theoreticalReceptiveField(*gpt2), 10, 5);
        QCOMPARE(positions(causal[0]), (std::vector<int> { 0, 1, 2, 3, 4, 5 }));
        QCOMPARE(positions(causal[2]).size(), size_t { 6 });
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        QCOMPARE(positions(receptiveCone(theoreticalReceptiveField(*bert), 10, 5)[0]).size(), size_t { 10 });
        QVERIFY_THROWS_EXCEPTION(Error, receptiveCone({ dilated }, 5, 5));
    }

    // The gradient field of one convolution layer is its kernel's support, exactly; a causal
    // model has exactly zero gradient from later positions; an LSTM's reaches every earlier
    // one and no later one; the effective context curve rises to 1.
    void gradientFields()
    {
        QTemporaryDir dir;
        std::vector<int64_t> ids;
        for (int64_t i = 0; i < 15; ++i) {
            ids.push_back(300 + 11 * i);
        }
        NewModelSpec one;
        one.hidden = 16;
        one.layers = 1;
        one.kernel = 5;
        createModel(one, lumen::test::conformanceDir("bert"), dir.filePath(QStringLiteral("one")).toStdString(), 0);
        auto conv = Model::load(dir.filePath(QStringLiteral("one")).toStdString());
        const GradientField f = gradientReceptiveFieldFromIds(*conv, ids, { 7, 1 });
        QCOMPARE(f.position, int64_t { 7 });
        for (int64_t j = 0; j < 15; ++j) {
            const double m = f.magnitude[static_cast<size_t>(j)];
            if (j >= 5 && j <= 9) {
                QVERIFY2(m > 0.0, qPrintable(QStringLiteral("position %1 inside the kernel has no gradient").arg(j)));
            } else {
                QCOMPARE(m, 0.0);
            }
        }
        QVERIFY(std::abs(f.withinDistance.back() - 1.0) < 1e-12);
        QVERIFY(std::abs(f.withinDistance[2] - 1.0) < 1e-12); // all of it within the kernel's half-width
        for (size_t d = 1; d < f.withinDistance.size(); ++d) {
            QVERIFY(f.withinDistance[d] >= f.withinDistance[d - 1]);
        }
        // Causal: GPT-2, a causal lightweight convolution, an LSTM.
        NewModelSpec causalConv;
        causalConv.causal = true;
        causalConv.hidden = 16;
        causalConv.layers = 2;
        createModel(causalConv, lumen::test::conformanceDir("gpt2"), dir.filePath(QStringLiteral("cc")).toStdString(), 0);
        NewModelSpec lstm = causalConv;
        lstm.family = "lstm";
        createModel(lstm, lumen::test::conformanceDir("gpt2"), dir.filePath(QStringLiteral("lstm")).toStdString(), 0);
        for (const QString& path : { QString::fromStdString(lumen::test::conformanceDir("gpt2")), dir.filePath(QStringLiteral("cc")),
                 dir.filePath(QStringLiteral("lstm")) }) {
            auto model = Model::load(path.toStdString());
            const GradientField g = gradientReceptiveFieldFromIds(*model, ids, { 9, -1 });
            for (int64_t j = 10; j < 15; ++j) {
                QCOMPARE(g.magnitude[static_cast<size_t>(j)], 0.0);
            }
            QVERIFY(g.magnitude[9] > 0.0);
            if (path.endsWith(QStringLiteral("lstm")) || path.contains(QStringLiteral("gpt2"))) {
                for (int64_t j = 0; j <= 9; ++j) { // recurrence and attention reach back to the start
                    QVERIFY2(g.magnitude[static_cast<size_t>(j)] > 0.0, qPrintable(path));
                }
            }
        }
        // A bidirectional model's gradient reaches both ways; errors name the range.
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        const GradientField b = gradientReceptiveField(*bert, "the cat sat on the mat", { 2, 2 });
        QVERIFY(b.magnitude.back() > 0.0 && b.magnitude.front() > 0.0);
        QCOMPARE(b.tokens.front(), std::string("[CLS]"));
        QVERIFY_THROWS_EXCEPTION(Error, gradientReceptiveField(*bert, "a b", { 40, -1 }));
        QVERIFY_THROWS_EXCEPTION(Error, gradientReceptiveField(*bert, "a b", { 1, 9 }));
        // The parameters kept no gradient of their own.
        QVERIFY(!bert->forward(bert->prepare({ "a" })).logits.empty());
    }
};

QTEST_GUILESS_MAIN(TestReceptiveField)
#include "tst_receptive_field.moc"
