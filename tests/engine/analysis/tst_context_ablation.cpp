// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Context ablation: a model with a finite receptive field loses nothing when the context
// beyond it is cut or shuffled, and does lose when it reaches inside; one probe equals a
// forward pass over the sequence built by hand; a causal LM reads only what is before; the
// shuffles follow the seed; refusals name the reason.
#include "conformance.h"

#include "lumen/engine/context_ablation.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/tokenizer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lumen;
using namespace lumen::engine;

namespace {

const std::string kText = "the quick brown fox jumps over the lazy dog and then it runs far away into the dark forest";

double maxDifference(const std::vector<double>& a, const std::vector<double>& b)
{
    double m = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        m = std::max(m, std::abs(a[i] - b[i]));
    }
    return m;
}

/// -log p(target) at `readAt` of one forward pass over `ids`.
double nll(Model& model, const std::vector<int64_t>& ids, int64_t readAt, int64_t target)
{
    ModelInput in;
    const auto n = static_cast<int64_t>(ids.size());
    in.inputIds = { { 1, n }, ids };
    in.attentionMask = { { 1, n }, std::vector<int64_t>(ids.size(), 1) };
    in.tokenTypeIds = { { 1, n }, std::vector<int64_t>(ids.size(), 0) };
    const ForwardResult out = model.forward(in);
    const auto vocab = static_cast<size_t>(out.logits.shape.at(2));
    const float* row = out.logits.data.data() + static_cast<size_t>(readAt) * vocab;
    double max = row[0];
    for (size_t v = 0; v < vocab; ++v) {
        max = std::max(max, static_cast<double>(row[v]));
    }
    double sum = 0.0;
    for (size_t v = 0; v < vocab; ++v) {
        sum += std::exp(row[v] - max);
    }
    return -(row[static_cast<size_t>(target)] - max - std::log(sum));
}

/// A model of `spec` whose weights are drawn 15 times wider than usual, so that what a layer
/// adds is not drowned by the residual path and every reachable token moves the loss.
void createLoudModel(const NewModelSpec& spec, const std::string& tokenizer, const std::string& path)
{
    createModel(spec, tokenizer, path, 0);
    QFile file(QString::fromStdString(path + "/config.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject config = QJsonDocument::fromJson(file.readAll()).object();
    file.close();
    config[QStringLiteral("initializer_range")] = 0.3;
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QJsonDocument(config).toJson());
    file.close();
    createRandomModel(path + "/config.json", path, 0);
}

} // namespace

class TestContextAblation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Two centred layers of kernel 3 read two tokens each side: from d = 2 on, cutting or
    // shuffling changes no prediction; at d = 0 and 1 it does.
    void finiteFieldLosesNothingBeyondIt()
    {
        QTemporaryDir dir;
        NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 2;
        spec.kernel = 3;
        const std::string path = dir.filePath(QStringLiteral("lc")).toStdString();
        createLoudModel(spec, lumen::test::conformanceDir("bert"), path);
        auto model = Model::load(path);
        for (const AblationMode mode : { AblationMode::Cut, AblationMode::Shuffle }) {
            const ContextAblation a = contextAblation(*model, kText, { { 0, 1, 2, 3, 8 }, mode, 7 });
            QCOMPARE(a.points.size(), size_t { 5 });
            QVERIFY(!a.causal);
            QCOMPARE(a.targets.size(), a.tokens.size() - 2); // all but [CLS] and [SEP]
            QVERIFY2(maxDifference(a.points[0].targetLoss, a.fullTargetLoss) > 1e-5, ablationModeName(mode));
            QVERIFY2(maxDifference(a.points[1].targetLoss, a.fullTargetLoss) > 1e-5, ablationModeName(mode));
            for (size_t i = 2; i < 5; ++i) {
                QVERIFY2(maxDifference(a.points[i].targetLoss, a.fullTargetLoss) < 1e-4, ablationModeName(mode));
                QVERIFY(a.points[i].ablatedTargets > 0); // something was removed, and it did not matter
            }
            double mean = 0.0;
            for (const double l : a.points[0].targetLoss) {
                mean += l;
            }
            QVERIFY(std::abs(mean / static_cast<double>(a.targets.size()) - a.points[0].loss) < 1e-9);
        }
        // A causal WaveNet of kernel 2 and dilations 1, 2, 4 reads 8 positions (d = 7 back).
        NewModelSpec wave;
        wave.family = "wavenet";
        wave.causal = true;
        wave.hidden = 16;
        wave.layers = 3;
        const std::string wavePath = dir.filePath(QStringLiteral("wave")).toStdString();
        createLoudModel(wave, lumen::test::conformanceDir("gpt2"), wavePath);
        auto waveModel = Model::load(wavePath);
        const ContextAblation w = contextAblation(*waveModel, kText, { { 3, 6, 7, 12 }, AblationMode::Cut, 0 });
        QVERIFY(w.causal);
        QVERIFY(maxDifference(w.points[0].targetLoss, w.fullTargetLoss) > 1e-5);
        QVERIFY(maxDifference(w.points[1].targetLoss, w.fullTargetLoss) > 1e-5);
        QVERIFY(maxDifference(w.points[2].targetLoss, w.fullTargetLoss) < 1e-4);
        QVERIFY(maxDifference(w.points[3].targetLoss, w.fullTargetLoss) < 1e-4);
    }

    // One target's ablated loss is the loss of a forward pass over the sequence built by
    // hand: BERT with [CLS] window [SEP] and the target masked; GPT-2 with the window before it.
    void probeEqualsHandBuiltSequence()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        const ContextAblation a = contextAblation(*bert, kText, { { 2 }, AblationMode::Cut, 0 });
        const ModelInput input = bert->prepare({ kText });
        const std::vector<int64_t>& ids = input.inputIds.data;
        const auto n = static_cast<int64_t>(ids.size());
        const size_t k = 6;
        const int64_t t = a.targets[k];
        std::vector<int64_t> window { ids.front() };
        int64_t readAt = 0;
        for (int64_t j = std::max<int64_t>(1, t - 2); j <= std::min(n - 2, t + 2); ++j) {
            if (j == t) {
                readAt = static_cast<int64_t>(window.size());
            }
            window.push_back(j == t ? *bert->tokenizer()->specialTokens().mask : ids[static_cast<size_t>(j)]);
        }
        window.push_back(ids.back());
        QCOMPARE(window.size(), size_t { 7 });
        QVERIFY(std::abs(nll(*bert, window, readAt, ids[static_cast<size_t>(t)]) - a.points[0].targetLoss[k]) < 1e-4);
        // The full-context loss with the target masked is what the pseudo-likelihood scores.
        std::vector<int64_t> masked = ids;
        masked[static_cast<size_t>(t)] = *bert->tokenizer()->specialTokens().mask;
        QVERIFY(std::abs(nll(*bert, masked, t, ids[static_cast<size_t>(t)]) - a.fullTargetLoss[k]) < 1e-4);

        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        const ContextAblation c = contextAblation(*gpt2, kText, { { 0, 3 }, AblationMode::Cut, 0 });
        const ModelInput g = gpt2->prepare({ kText });
        const std::vector<int64_t>& gid = g.inputIds.data;
        QCOMPARE(c.targets.front(), int64_t { 1 }); // the first token has nothing before it
        const size_t kk = 9; // target 10, read at 9: keeps 6 .. 9
        const int64_t tt = c.targets[kk];
        const std::vector<int64_t> before(gid.begin() + tt - 4, gid.begin() + tt);
        QVERIFY(std::abs(nll(*gpt2, before, 3, gid[static_cast<size_t>(tt)]) - c.points[1].targetLoss[kk]) < 1e-4);
        QVERIFY(std::abs(nll(*gpt2, { gid[static_cast<size_t>(tt - 1)] }, 0, gid[static_cast<size_t>(tt)])
                    - c.points[0].targetLoss[kk])
            < 1e-4);
        // d = 3 ablates every target read from position 4 on; the first four keep all they had.
        QCOMPARE(c.points[1].ablatedTargets, static_cast<int64_t>(c.targets.size()) - 4);
        for (size_t i = 0; i < 4; ++i) {
            QCOMPARE(c.points[1].targetLoss[i], c.fullTargetLoss[i]);
        }
    }

    void shufflesFollowTheSeed()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        const ContextAblation a = contextAblation(*bert, kText, { { 1 }, AblationMode::Shuffle, 3 });
        const ContextAblation b = contextAblation(*bert, kText, { { 1 }, AblationMode::Shuffle, 3 });
        const ContextAblation c = contextAblation(*bert, kText, { { 1 }, AblationMode::Shuffle, 4 });
        QCOMPARE(a.points[0].targetLoss, b.points[0].targetLoss);
        QVERIFY(maxDifference(a.points[0].targetLoss, c.points[0].targetLoss) > 1e-6);
        // Default distances: 0, 1, 2, 4, ... and the farthest.
        const ContextAblation d = contextAblation(*bert, "one two three four five six", {});
        QCOMPARE(d.points.front().distance, int64_t { 0 });
        QCOMPARE(d.points.back().distance, static_cast<int64_t>(d.tokens.size()) - 1);
        QCOMPARE(d.points.back().ablatedTargets, int64_t { 0 });
        QCOMPARE(d.points.back().loss, d.fullLoss);
    }

    void cancelStops()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        std::atomic<bool> cancel { true };
        RunControl control;
        control.cancel = &cancel;
        QCOMPARE(contextAblation(*bert, kText, {}, &control).status, JobStatus::Cancelled);
    }

    void refusals()
    {
        auto electra = Model::load(lumen::test::conformanceDir("electra"));
        try {
            contextAblation(*electra, kText);
            QFAIL("the discriminator has no language-model head");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("no language-model head") != std::string::npos);
        }
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        QVERIFY_THROWS_EXCEPTION(Error, contextAblation(*bert, kText, { { -1 }, AblationMode::Cut, 0 }));
        QVERIFY_THROWS_EXCEPTION(Error, contextAblation(*bert, "", {}));
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        QVERIFY_THROWS_EXCEPTION(Error, contextAblation(*gpt2, "a", {}));
    }
};

QTEST_GUILESS_MAIN(TestContextAblation)
#include "tst_context_ablation.moc"
