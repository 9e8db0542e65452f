// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Watching attention form: a run with an attention probe keeps the probe's attention at step
// 0, at the interval and at the end, in order; the first snapshot is the initial model's
// attention and the last the trained model's (each checked against a plain forward pass of
// the saved model); a run cancelled and resumed (in its folder, or as a new run from the
// copied checkpoint) has the same snapshots as one that never stopped; a model without
// attention maps trains without snapshots and says so; the file round-trips and a damaged one
// is refused by name.
#include "conformance.h"

#include "lumen/engine/attention_snapshots.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/train.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>

using namespace lumen;
using namespace lumen::engine;
namespace fs = std::filesystem;

namespace {

constexpr const char* kProbe = "the capital city with water";

/// The attention `dir`'s model gives the probe, [layers, heads, seq, seq] flattened.
std::vector<float> attentionOf(const std::string& dir)
{
    const auto model = Model::load(dir);
    TraceRequest trace;
    trace.attentions = true;
    const ForwardResult out = model->forward(model->prepare({ kProbe }), trace);
    std::vector<float> all;
    for (const FloatTensor& layer : out.trace.attentions) {
        all.insert(all.end(), layer.data.begin(), layer.data.end());
    }
    return all;
}

float largestDifference(const std::vector<float>& a, const std::vector<float>& b)
{
    if (a.size() != b.size()) {
        return std::numeric_limits<float>::infinity();
    }
    float worst = 0.0F;
    for (size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(a[i] - b[i]));
    }
    return worst;
}

std::vector<int64_t> stepsOf(const AttentionSnapshots& s)
{
    std::vector<int64_t> steps;
    for (const AttentionSnapshot& snap : s.snapshots) {
        steps.push_back(snap.step);
    }
    return steps;
}

} // namespace

class TestAttentionSnapshots : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string base_; ///< a small random BERT-layout masked LM
    std::string text_;

    TrainJob job(int64_t steps, int64_t every) const
    {
        TrainJob j;
        j.model = base_;
        j.task = TrainTask::MaskedLm;
        j.train.path = text_;
        j.maxSteps = steps;
        j.batchSize = 8;
        j.learningRate = 5e-3;
        j.attentionProbe = kProbe;
        j.snapshotEvery = every;
        j.checkpointEvery = 4;
        return j;
    }

    TrainResult train(const TrainJob& j, const std::string& out, bool resume = false, int64_t stopAt = 0,
                      std::vector<int64_t>* seen = nullptr, std::vector<std::string>* logged = nullptr)
    {
        std::atomic<bool> cancel { false };
        TrainCallbacks cb;
        cb.cancel = &cancel;
        cb.step = [&](const TrainProgress& p) {
            if (stopAt > 0 && p.step == stopAt) {
                cancel = true;
            }
        };
        cb.snapshot = [&](const AttentionSnapshots& header, const AttentionSnapshot& snap) {
            QCOMPARE(header.probe, std::string(kProbe));
            if (seen != nullptr) {
                seen->push_back(snap.step);
            }
        };
        cb.log = [&](const std::string& m) {
            if (logged != nullptr) {
                logged->push_back(m);
            }
        };
        return runTraining(j, out, cb, resume);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        NewModelSpec spec;
        spec.family = "transformer";
        spec.hidden = 32;
        spec.layers = 2;
        spec.heads = 2;
        base_ = dir_.filePath(QStringLiteral("base")).toStdString();
        createModel(spec, lumen::test::conformanceDir("bert"), base_, 3);
        text_ = dir_.filePath(QStringLiteral("corpus.txt")).toStdString();
        QFile text(QString::fromStdString(text_));
        QVERIFY(text.open(QIODevice::WriteOnly));
        for (int i = 0; i < 40; ++i) {
            text.write(i % 2 == 0 ? "the capital city with water every morning\n" : "every winter the city has water\n");
        }
    }

    // Snapshots at 0, every 4 steps and the end, as the callback saw them; the first is the
    // initial model's attention and the last the trained model's.
    void snapshotsFollowTheRun()
    {
        std::vector<int64_t> seen;
        const TrainResult r = train(job(10, 4), dir_.filePath(QStringLiteral("run")).toStdString(), false, 0, &seen);
        QCOMPARE(r.status, JobStatus::Completed);
        QCOMPARE(r.snapshotsFile, (fs::path(dir_.filePath(QStringLiteral("run")).toStdString()) / attentionSnapshotsFileName()).string());
        const AttentionSnapshots s = loadAttentionSnapshots(r.snapshotsFile);
        QCOMPARE(stepsOf(s), (std::vector<int64_t> { 0, 4, 8, 10 }));
        QCOMPARE(seen, stepsOf(s));
        QCOMPARE(s.probe, std::string(kProbe));
        QCOMPARE(s.tokens.front(), std::string("[CLS]"));
        QCOMPARE(s.tokens.back(), std::string("[SEP]"));
        QCOMPARE(s.special.front(), uint8_t { 1 });
        QCOMPARE(s.special[1], uint8_t { 0 });
        QVERIFY(!s.causal);
        QCOMPARE(s.layers(), int64_t { 2 });
        QCOMPARE(s.heads(), int64_t { 2 });
        QVERIFY(std::isnan(s.snapshots.front().loss));
        for (size_t k = 1; k < s.snapshots.size(); ++k) {
            QVERIFY(std::isfinite(s.snapshots[k].loss) && s.snapshots[k].loss > 0.0);
        }
        // Every attention row is a distribution.
        const AttentionSnapshot& last = s.snapshots.back();
        const auto seq = static_cast<size_t>(s.seq());
        for (size_t row = 0; row < last.attentions.data.size() / seq; ++row) {
            double sum = 0.0;
            for (size_t k = 0; k < seq; ++k) {
                sum += last.attentions.data[row * seq + k];
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-4);
        }
        const float first = largestDifference(s.snapshots.front().attentions.data, attentionOf(base_));
        QVERIFY2(first < 1e-5F, qPrintable(QString::number(first)));
        const float final = largestDifference(last.attentions.data, attentionOf(r.modelDir));
        QVERIFY2(final < 1e-5F, qPrintable(QString::number(final)));
        // Training changed what the heads look at.
        QVERIFY(largestDifference(s.snapshots.front().attentions.data, last.attentions.data) > 1e-3F);
        // Every checkpoint carries the snapshots up to its step.
        const AttentionSnapshots atCheckpoint = loadAttentionSnapshots(
            (fs::path(dir_.filePath(QStringLiteral("run")).toStdString()) / "checkpoints" / "step-00000008" / attentionSnapshotsFileName()).string());
        QCOMPARE(stepsOf(atCheckpoint), (std::vector<int64_t> { 0, 4, 8 }));
    }

    // Watching changes nothing in the training: the losses with and without the probe are
    // equal (the probe runs in evaluation mode and draws no random numbers), dropout on.
    void watchingLeavesTrainingAlone()
    {
        std::vector<double> with;
        std::vector<double> without;
        for (std::vector<double>* losses : { &with, &without }) {
            TrainJob j = job(6, 2);
            if (losses == &without) {
                j.attentionProbe.clear();
            }
            TrainCallbacks cb;
            cb.step = [losses](const TrainProgress& p) { losses->push_back(p.loss); };
            const TrainResult r = runTraining(j, dir_.filePath(losses == &with ? QStringLiteral("with") : QStringLiteral("without")).toStdString(), cb);
            QCOMPARE(r.snapshotsFile.empty(), losses == &without);
        }
        QCOMPARE(with.size(), size_t { 6 });
        QCOMPARE(with, without);
    }

    // Without snapshot_every: about 20 over the run.
    void defaultIntervalGivesAboutTwenty()
    {
        TrainJob j = job(40, 0);
        j.checkpointEvery = 0;
        const TrainResult r = train(j, dir_.filePath(QStringLiteral("twenty")).toStdString());
        const AttentionSnapshots s = loadAttentionSnapshots(r.snapshotsFile);
        QCOMPARE(s.snapshots.size(), size_t { 21 });
        QCOMPARE(s.snapshots[1].step, int64_t { 2 });
        QCOMPARE(s.snapshots.back().step, int64_t { 40 });
    }

    // Stopped at step 6 and resumed: in the same folder (lumen-cli train --out DIR --resume) and
    // as a new run from the copied checkpoint (the window's Resume): the snapshots of the
    // uninterrupted run, plus the one taken where it stopped.
    void resumedRunsKeepTheirSnapshots()
    {
        const std::string whole = dir_.filePath(QStringLiteral("whole")).toStdString();
        const AttentionSnapshots full = loadAttentionSnapshots(train(job(12, 4), whole).snapshotsFile);
        QCOMPARE(stepsOf(full), (std::vector<int64_t> { 0, 4, 8, 12 }));

        const std::string cut = dir_.filePath(QStringLiteral("cut")).toStdString();
        const TrainResult stopped = train(job(12, 4), cut, false, 6);
        QCOMPARE(stopped.status, JobStatus::Cancelled);
        QCOMPARE(stepsOf(loadAttentionSnapshots(stopped.snapshotsFile)), (std::vector<int64_t> { 0, 4, 6 }));
        // A new run continuing from the copied checkpoint.
        const std::string next = dir_.filePath(QStringLiteral("next")).toStdString();
        fs::create_directories(fs::path(next) / "checkpoints");
        fs::copy(stopped.lastCheckpoint, fs::path(next) / "checkpoints" / fs::path(stopped.lastCheckpoint).filename(),
            fs::copy_options::recursive);
        const TrainResult inSameFolder = train(job(12, 4), cut, true);
        const TrainResult asNewRun = train(job(12, 4), next, true);
        for (const TrainResult* r : { &inSameFolder, &asNewRun }) {
            QCOMPARE(r->status, JobStatus::Completed);
            const AttentionSnapshots s = loadAttentionSnapshots(r->snapshotsFile);
            QCOMPARE(stepsOf(s), (std::vector<int64_t> { 0, 4, 6, 8, 12 }));
            for (const size_t k : { size_t { 0 }, size_t { 1 } }) {
                QVERIFY(largestDifference(s.snapshots[k].attentions.data, full.snapshots[k].attentions.data) < 1e-6F);
            }
            QVERIFY(largestDifference(s.snapshots[3].attentions.data, full.snapshots[2].attentions.data) < 1e-5F);
            QVERIFY(largestDifference(s.snapshots[4].attentions.data, full.snapshots[3].attentions.data) < 1e-5F);
        }
    }

    // A causal decoder's snapshots are causal; a lightweight convolution's are its kernels;
    // an LSTM has none and the log says so.
    void otherFamilies()
    {
        NewModelSpec causal;
        causal.family = "transformer";
        causal.causal = true;
        causal.hidden = 32;
        causal.layers = 1;
        causal.heads = 2;
        const std::string gpt = dir_.filePath(QStringLiteral("gpt")).toStdString();
        createModel(causal, lumen::test::conformanceDir("gpt2"), gpt, 1);
        TrainJob j = job(4, 2);
        j.model = gpt;
        j.task = TrainTask::CausalLm;
        const AttentionSnapshots g = loadAttentionSnapshots(train(j, dir_.filePath(QStringLiteral("gpt-run")).toStdString()).snapshotsFile);
        QVERIFY(g.causal);
        QCOMPARE(stepsOf(g), (std::vector<int64_t> { 0, 2, 4 }));
        const auto seq = static_cast<size_t>(g.seq());
        const std::vector<float>& m = g.snapshots.back().attentions.data;
        QCOMPARE(m[0 * seq + 1], 0.0F); // the first query sees only itself
        QVERIFY(std::abs(m[0] - 1.0F) < 1e-5F);

        NewModelSpec conv;
        conv.family = "lightconv";
        conv.hidden = 32;
        conv.layers = 1;
        const std::string lightconv = dir_.filePath(QStringLiteral("lightconv")).toStdString();
        createModel(conv, lumen::test::conformanceDir("bert"), lightconv, 1);
        j = job(2, 1);
        j.model = lightconv;
        const AttentionSnapshots c = loadAttentionSnapshots(train(j, dir_.filePath(QStringLiteral("conv-run")).toStdString()).snapshotsFile);
        QVERIFY(c.kernels);
        QCOMPARE(stepsOf(c), (std::vector<int64_t> { 0, 1, 2 }));

        NewModelSpec lstm;
        lstm.family = "lstm";
        lstm.hidden = 32;
        lstm.layers = 1;
        const std::string rnn = dir_.filePath(QStringLiteral("lstm")).toStdString();
        createModel(lstm, lumen::test::conformanceDir("bert"), rnn, 1);
        j.model = rnn;
        std::vector<std::string> logged;
        const std::string out = dir_.filePath(QStringLiteral("lstm-run")).toStdString();
        const TrainResult r = train(j, out, false, 0, nullptr, &logged);
        QCOMPARE(r.status, JobStatus::Completed);
        QVERIFY(r.snapshotsFile.empty());
        QVERIFY(!fs::exists(fs::path(out) / attentionSnapshotsFileName()));
        QVERIFY(std::any_of(logged.begin(), logged.end(), [](const std::string& m) { return m.find("no attention maps") != std::string::npos; }));
    }

    void fileRoundTripAndRefusals()
    {
        AttentionSnapshots s;
        s.probe = "a b";
        s.modelType = "bert";
        s.tokens = { "[CLS]", "a", "b" };
        s.offsets = { { 0, 0 }, { 0, 1 }, { 2, 3 } };
        s.special = { 1, 0, 0 };
        s.causal = true;
        for (int64_t step : { 0, 5 }) {
            AttentionSnapshot snap;
            snap.step = step;
            snap.loss = step == 0 ? std::nan("") : 2.5;
            snap.attentions.shape = { 1, 2, 3, 3 };
            for (int i = 0; i < 18; ++i) {
                snap.attentions.data.push_back(static_cast<float>(step * 100 + i));
            }
            s.snapshots.push_back(snap);
        }
        const std::string path = dir_.filePath(QStringLiteral("round.safetensors")).toStdString();
        saveAttentionSnapshots(path, s);
        const AttentionSnapshots back = loadAttentionSnapshots(path);
        QCOMPARE(back.probe, s.probe);
        QCOMPARE(back.modelType, s.modelType);
        QCOMPARE(back.tokens, s.tokens);
        QVERIFY(back.offsets == s.offsets);
        QCOMPARE(back.special, s.special);
        QVERIFY(back.causal && !back.kernels);
        QCOMPARE(stepsOf(back), (std::vector<int64_t> { 0, 5 }));
        QVERIFY(std::isnan(back.snapshots[0].loss));
        QCOMPARE(back.snapshots[1].loss, 2.5);
        QCOMPARE(back.snapshots[1].attentions.shape, (std::vector<int64_t> { 1, 2, 3, 3 }));
        QCOMPARE(back.snapshots[1].attentions.data, s.snapshots[1].attentions.data);

        // Out of order or of another shape: refused, and the good file is still there.
        AttentionSnapshots wrong = s;
        std::swap(wrong.snapshots[0], wrong.snapshots[1]);
        QVERIFY_THROWS_EXCEPTION(Error, saveAttentionSnapshots(path, wrong));
        wrong = s;
        wrong.snapshots[1].attentions.shape = { 2, 1, 3, 3 };
        QVERIFY_THROWS_EXCEPTION(Error, saveAttentionSnapshots(path, wrong));
        QCOMPARE(stepsOf(loadAttentionSnapshots(path)), (std::vector<int64_t> { 0, 5 }));

        // A cut file and another safetensors file.
        QFile whole(QString::fromStdString(path));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QByteArray bytes = whole.readAll();
        const QString cut = dir_.filePath(QStringLiteral("cut.safetensors"));
        QFile out(cut);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.left(bytes.size() - 20));
        out.close();
        QVERIFY_THROWS_EXCEPTION(Error, loadAttentionSnapshots(cut.toStdString()));
        try {
            loadAttentionSnapshots((fs::path(base_) / "model.safetensors").string());
            QFAIL("a model's weights were read as snapshots");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("not an attention snapshot file") != std::string::npos, e.what());
        }
    }

    void jobKeys()
    {
        // Snapshots that would not fit in memory are refused before the first step, with what to do.
        try {
            runTraining(job(100000000, 1), dir_.filePath(QStringLiteral("too-many")).toStdString());
            QFAIL("a hundred million snapshots were accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("make snapshot_every at least") != std::string::npos, e.what());
        }
        QVERIFY(!fs::exists(fs::path(dir_.filePath(QStringLiteral("too-many")).toStdString()) / "checkpoints"));

        TrainJob j = job(10, 3);
        const TrainJob back = trainJobFromJson(trainJobToJson(j));
        QCOMPARE(back.attentionProbe, std::string(kProbe));
        QCOMPARE(back.snapshotEvery, int64_t { 3 });
        const std::string text = trainJobToJson(j);
        std::string negative = text;
        negative.replace(negative.find("\"snapshot_every\": 3"), 19, "\"snapshot_every\": -1");
        try {
            trainJobFromJson(negative);
            QFAIL("a negative snapshot_every was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("snapshot_every") != std::string::npos, e.what());
        }
        j.attentionProbe.clear();
        QVERIFY(trainJobToJson(j).find("attention_probe") == std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestAttentionSnapshots)
#include "tst_attention_snapshots.moc"
