// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The trainer: a tiny model learns a separable task to >= 95 % validation accuracy; gradient
// accumulation over k batches of b equals one batch of k x b; frozen parameters stay
// bit-identical; a cancelled run resumed from its checkpoint computes the same losses as
// one that never stopped; token classification and causal-LM training learn; the saved
// classifier loads again with its labels; job files and bad setups are refused by name.
#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/train.h"
#include "models/architecture.h"
#include "models/blocks/checkpoint.h"
#include "train/mixed_precision.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <random>

using namespace lumen;
using namespace lumen::engine;
namespace fs = std::filesystem;

namespace {

const char* kGood[] = { "beautiful", "morning", "winter", "water", "city", "capital" };
const char* kBad[] = { "random", "hidden", "layer", "numbers", "test", "temp" };
const char* kFiller[] = { "the", "with", "every", "from", "this", "there", "your", "they", "into", "each" };

/// Sentences of filler words with one word from either set: the set is the label.
void writeSeparable(const QString& path, int rows, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("text,label\n");
    for (int r = 0; r < rows; ++r) {
        const bool good = r % 2 == 0;
        std::string text;
        const int n = 3 + static_cast<int>(rng() % 4);
        const int at = static_cast<int>(rng() % static_cast<uint64_t>(n));
        for (int w = 0; w < n; ++w) {
            text += (w ? " " : "");
            text += w == at ? (good ? kGood : kBad)[rng() % 6] : kFiller[rng() % 10];
        }
        f.write((text + (good ? ",good\n" : ",bad\n")).c_str());
    }
}

/// A copy of `from` with dropout off everywhere (accumulation compares exact gradients).
QString withoutDropout(const QTemporaryDir& dir, const std::string& from, const QString& name)
{
    const QString out = dir.filePath(name);
    QDir().mkpath(out);
    for (const QString& file : QDir(QString::fromStdString(from)).entryList(QDir::Files)) {
        QFile::copy(QString::fromStdString(from) + QLatin1Char('/') + file, out + QLatin1Char('/') + file);
    }
    QFile config(out + QStringLiteral("/config.json"));
    config.open(QIODevice::ReadOnly);
    QJsonObject j = QJsonDocument::fromJson(config.readAll()).object();
    config.close();
    j[QStringLiteral("hidden_dropout_prob")] = 0.0;
    j[QStringLiteral("classifier_dropout")] = 0.0;
    j[QStringLiteral("weight_dropout")] = 0.0;
    j[QStringLiteral("attention_probs_dropout_prob")] = 0.0;
    config.remove();
    config.open(QIODevice::WriteOnly);
    config.write(QJsonDocument(j).toJson());
    return out;
}

struct Recorded {
    std::vector<double> losses;
    std::vector<double> norms;
};

TrainResult train(const TrainJob& job, const QString& out, Recorded* seen = nullptr, bool resume = false,
                  std::function<bool(int64_t)> stopAfter = {})
{
    std::atomic<bool> cancel { false };
    TrainCallbacks cb;
    cb.cancel = &cancel;
    cb.step = [&](const TrainProgress& p) {
        if (seen != nullptr) {
            seen->losses.push_back(p.loss);
            seen->norms.push_back(p.gradNorm);
        }
        if (stopAfter && stopAfter(p.step)) {
            cancel = true;
        }
    };
    return runTraining(job, out.toStdString(), cb, resume);
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private Q_SLOTS:
    // A tiny lightweight convolution learns which set a sentence's one telling word is from.
    void learnsASeparableTask()
    {
        NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 2;
        spec.heads = 4;
        const std::string base = dir_.filePath(QStringLiteral("lc")).toStdString();
        createModel(spec, lumen::test::conformanceDir("bert"), base, 0);
        writeSeparable(dir_.filePath(QStringLiteral("sep.csv")), 240, 1);
        TrainJob job;
        job.model = base;
        job.train.path = dir_.filePath(QStringLiteral("sep.csv")).toStdString();
        job.validationFraction = 0.25;
        job.learningRate = 3e-3;
        job.batchSize = 16;
        job.epochs = 8;
        job.warmupSteps = 5;
        job.maxLength = 16;
        std::vector<EvalResult> evals;
        TrainCallbacks cb;
        cb.evaluated = [&](const EvalResult& r) { evals.push_back(r); };
        const TrainResult r = runTraining(job, dir_.filePath(QStringLiteral("sep-run")).toStdString(), cb);
        QCOMPARE(r.status, JobStatus::Completed);
        QCOMPARE(evals.size(), size_t { 8 }); // after every epoch
        QVERIFY2(r.lastEval.accuracy >= 0.95, qPrintable(QString::number(r.lastEval.accuracy)));
        QVERIFY(r.lastEval.macroF1 >= 0.95);
        QCOMPARE(r.labels, (std::vector<std::string> { "bad", "good" }));
        int64_t total = 0;
        for (const auto& row : r.lastEval.confusion) {
            for (const int64_t c : row) {
                total += c;
            }
        }
        QCOMPARE(total, int64_t { 60 });
        QVERIFY(!r.lastEval.examples.empty());
        // The saved classifier loads again, with its labels, and predicts what was evaluated.
        auto model = Model::load(r.modelDir);
        QCOMPARE(model->info().headKind, std::string("sequence-classification"));
        QCOMPARE(model->info().labels, r.labels);
        const ForwardResult out = model->forward(model->prepare({ "the beautiful city", "the random layer" }));
        QCOMPARE(out.logits.shape, (std::vector<int64_t> { 2, 2 }));
        QVERIFY(out.logits.data[1] > out.logits.data[0]); // "good" for the first
        QVERIFY(out.logits.data[2] > out.logits.data[3]); // "bad" for the second
    }

    // k micro-batches of b give the loss and gradient of one batch of k x b (classifier and
    // masked-LM, where the masks follow the samples, not the split).
    void accumulationEqualsOneBigBatch()
    {
        const QString bert = withoutDropout(dir_, lumen::test::conformanceDir("bert"), QStringLiteral("bert-nodrop"));
        writeSeparable(dir_.filePath(QStringLiteral("acc.csv")), 40, 2);
        for (const TrainTask task : { TrainTask::SequenceClassification, TrainTask::MaskedLm }) {
            TrainJob job;
            job.model = bert.toStdString();
            job.task = task;
            job.train.path = dir_.filePath(QStringLiteral("acc.csv")).toStdString();
            job.train.format = task == TrainTask::MaskedLm ? DataFormat::Text : DataFormat::Csv;
            job.validationFraction = 0.0;
            job.maxSteps = 3;
            job.learningRate = 1e-3;
            job.maxGradNorm = 0.0;
            job.mlmProbability = 0.3;
            TrainJob small = job;
            small.batchSize = 2;
            small.gradientAccumulation = 4;
            TrainJob big = job;
            big.batchSize = 8;
            Recorded a;
            Recorded b;
            train(small, dir_.filePath(QStringLiteral("acc-a-%1").arg(static_cast<int>(task))), &a);
            train(big, dir_.filePath(QStringLiteral("acc-b-%1").arg(static_cast<int>(task))), &b);
            QCOMPARE(a.losses.size(), size_t { 3 });
            for (size_t s = 0; s < 3; ++s) {
                QVERIFY2(std::abs(a.losses[s] - b.losses[s]) < 1e-5, qPrintable(QStringLiteral("step %1: %2 vs %3").arg(s).arg(a.losses[s]).arg(b.losses[s])));
                QVERIFY2(std::abs(a.norms[s] - b.norms[s]) < 1e-5, qPrintable(QStringLiteral("step %1: %2 vs %3").arg(s).arg(a.norms[s]).arg(b.norms[s])));
                QVERIFY(a.norms[s] > 0.0);
            }
        }
    }

    // Gradient checkpointing recomputes each layer in the backward pass under the random
    // state of its forward: the same losses and gradients, dropout included.
    void checkpointingGivesTheSameGradients()
    {
        writeSeparable(dir_.filePath(QStringLiteral("ckpt.csv")), 40, 8);
        NewModelSpec lstm;
        lstm.family = "lstm";
        lstm.hidden = 32;
        lstm.layers = 2;
        createModel(lstm, lumen::test::conformanceDir("bert"), dir_.filePath(QStringLiteral("ck-lstm")).toStdString(), 0);
        NewModelSpec conv;
        conv.hidden = 32;
        conv.layers = 2;
        createModel(conv, lumen::test::conformanceDir("bert"), dir_.filePath(QStringLiteral("ck-conv")).toStdString(), 0);
        NewModelSpec wave;
        wave.family = "wavenet";
        wave.hidden = 32;
        wave.layers = 3;
        createModel(wave, lumen::test::conformanceDir("bert"), dir_.filePath(QStringLiteral("ck-wave")).toStdString(), 0);
        const std::pair<std::string, TrainTask> cases[] = {
            { lumen::test::conformanceDir("bert"), TrainTask::SequenceClassification },
            { lumen::test::conformanceDir("bert"), TrainTask::MaskedLm },
            { lumen::test::conformanceDir("gpt2"), TrainTask::CausalLm },
            { lumen::test::conformanceDir("llama"), TrainTask::CausalLm },
            { lumen::test::conformanceDir("distilbert"), TrainTask::MaskedLm },
            { lumen::test::conformanceDir("albert"), TrainTask::SequenceClassification },
            { lumen::test::conformanceDir("t5"), TrainTask::SequenceClassification },
            { dir_.filePath(QStringLiteral("ck-conv")).toStdString(), TrainTask::SequenceClassification },
            { dir_.filePath(QStringLiteral("ck-lstm")).toStdString(), TrainTask::SequenceClassification },
            { dir_.filePath(QStringLiteral("ck-wave")).toStdString(), TrainTask::SequenceClassification },
        };
        int n = 0;
        for (const auto& [model, task] : cases) {
            TrainJob job;
            job.model = model;
            job.task = task;
            job.train.path = dir_.filePath(QStringLiteral("ckpt.csv")).toStdString();
            job.train.format = task == TrainTask::SequenceClassification ? DataFormat::Csv : DataFormat::Text;
            job.maxSteps = 3;
            job.batchSize = 8;
            job.learningRate = 1e-3;
            job.maxGradNorm = 0.0;
            Recorded plain;
            Recorded saved;
            train(job, dir_.filePath(QStringLiteral("ck-plain-%1").arg(n)), &plain);
            job.gradientCheckpointing = true;
            const int64_t replaysBefore = blocks::checkpointReplays();
            train(job, dir_.filePath(QStringLiteral("ck-saved-%1").arg(n)), &saved);
            // Every layer of every step was recomputed (at least 2 layers x 3 steps).
            QVERIFY2(blocks::checkpointReplays() - replaysBefore >= 6, model.c_str());
            ++n;
            for (size_t s = 0; s < 3; ++s) {
                QVERIFY2(std::abs(plain.losses[s] - saved.losses[s]) < 1e-5,
                    qPrintable(QStringLiteral("%1 step %2: %3 vs %4").arg(QString::fromStdString(model)).arg(s).arg(plain.losses[s]).arg(saved.losses[s])));
                QVERIFY2(std::abs(plain.norms[s] - saved.norms[s]) < 1e-5 * std::max(1.0, plain.norms[s]),
                    qPrintable(QStringLiteral("%1 step %2: %3 vs %4").arg(QString::fromStdString(model)).arg(s).arg(plain.norms[s]).arg(saved.norms[s])));
                QVERIFY(plain.norms[s] > 0.0);
            }
        }
    }

    void frozenParametersStayBitIdentical()
    {
        NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 3;
        const std::string base = dir_.filePath(QStringLiteral("frozen-base")).toStdString();
        createModel(spec, lumen::test::conformanceDir("bert"), base, 0);
        writeSeparable(dir_.filePath(QStringLiteral("fr.csv")), 40, 3);
        TrainJob job;
        job.model = base;
        job.train.path = dir_.filePath(QStringLiteral("fr.csv")).toStdString();
        job.maxSteps = 4;
        job.batchSize = 8;
        job.learningRate = 1e-2;
        job.freezeEmbeddings = true;
        job.freezeLayers = 1;
        const TrainResult r = train(job, dir_.filePath(QStringLiteral("frozen-run")));
        auto before = Model::load(base);
        auto after = Model::load(r.modelDir);
        std::map<std::string, torch::Tensor> original;
        for (const auto& p : ModelInternals::architecture(*before).named_parameters()) {
            original[p.key()] = p.value();
        }
        int frozen = 0;
        int changed = 0;
        for (const auto& p : ModelInternals::architecture(*after).named_parameters()) {
            const std::string& key = p.key();
            if (original.count(key) == 0) {
                continue; // the new classifier
            }
            const bool isFrozen = key.find("embeddings") != std::string::npos || key.rfind("layers.0.", 0) == 0;
            if (isFrozen) {
                QVERIFY2(torch::equal(p.value(), original[key]), key.c_str());
                ++frozen;
            } else if (!torch::equal(p.value(), original[key])) {
                ++changed;
            }
        }
        QVERIFY(frozen >= 4);
        QVERIFY(changed > 0); // the rest did train
    }

    // Cancel after step 3 (a checkpoint is written), resume: steps 4 .. 8 lose exactly what
    // an uninterrupted run loses, dropout and all.
    void resumeContinuesExactly()
    {
        NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 2;
        const std::string base = dir_.filePath(QStringLiteral("resume-base")).toStdString();
        createModel(spec, lumen::test::conformanceDir("bert"), base, 0);
        writeSeparable(dir_.filePath(QStringLiteral("res.csv")), 48, 4);
        TrainJob job;
        job.model = base;
        job.train.path = dir_.filePath(QStringLiteral("res.csv")).toStdString();
        job.maxSteps = 8;
        job.batchSize = 6;
        job.learningRate = 5e-3;
        job.warmupSteps = 2;
        job.schedule = "cosine";
        Recorded whole;
        const TrainResult full = train(job, dir_.filePath(QStringLiteral("resume-full")), &whole);
        QCOMPARE(whole.losses.size(), size_t { 8 });
        Recorded first;
        const TrainResult stopped = train(job, dir_.filePath(QStringLiteral("resume-cut")), &first, false,
            [](int64_t step) { return step == 3; });
        QCOMPARE(stopped.status, JobStatus::Cancelled);
        QCOMPARE(stopped.steps, int64_t { 3 });
        QVERIFY(QFile::exists(QString::fromStdString(stopped.lastCheckpoint) + QStringLiteral("/optimizer.pt")));
        Recorded rest;
        const TrainResult resumed = train(job, dir_.filePath(QStringLiteral("resume-cut")), &rest, true);
        QCOMPARE(resumed.status, JobStatus::Completed);
        QCOMPARE(rest.losses.size(), size_t { 5 });
        for (size_t s = 0; s < 5; ++s) {
            QVERIFY2(std::abs(rest.losses[s] - whole.losses[s + 3]) < 1e-6,
                qPrintable(QStringLiteral("step %1: %2 vs %3").arg(s + 4).arg(rest.losses[s]).arg(whole.losses[s + 3])));
        }
        QVERIFY(std::abs(resumed.lastEval.loss - full.lastEval.loss) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(Error, train(job, dir_.filePath(QStringLiteral("never-ran")), nullptr, true));
    }

    void tokenClassificationAndCausalLm()
    {
        // Tag each word by the set it is from.
        QFile tagged(dir_.filePath(QStringLiteral("tags.jsonl")));
        QVERIFY(tagged.open(QIODevice::WriteOnly));
        std::mt19937_64 rng(5);
        for (int r = 0; r < 120; ++r) {
            std::string tokens;
            std::string tags;
            for (int w = 0; w < 5; ++w) {
                const bool good = rng() % 2 == 0;
                tokens += std::string(w ? ", " : "") + "\"" + (good ? kGood : kBad)[rng() % 6] + "\"";
                tags += std::string(w ? ", " : "") + (good ? "\"G\"" : "\"B\"");
            }
            tagged.write(("{\"tokens\": [" + tokens + "], \"tags\": [" + tags + "]}\n").c_str());
        }
        tagged.close();
        NewModelSpec spec;
        spec.hidden = 32;
        spec.layers = 1;
        const std::string base = dir_.filePath(QStringLiteral("tok-base")).toStdString();
        createModel(spec, lumen::test::conformanceDir("bert"), base, 0);
        TrainJob job;
        job.model = base;
        job.task = TrainTask::TokenClassification;
        job.train.path = tagged.fileName().toStdString();
        job.epochs = 6;
        job.batchSize = 8;
        job.learningRate = 5e-3;
        const TrainResult r = train(job, dir_.filePath(QStringLiteral("tok-run")));
        QVERIFY2(r.lastEval.accuracy >= 0.9, qPrintable(QString::number(r.lastEval.accuracy)));
        QCOMPARE(Model::load(r.modelDir)->info().headKind, std::string("token-classification"));
        // Every family's token classifier (the reference's layouts) learns the tags too.
        for (const char* family : { "bert", "roberta", "distilbert", "electra", "albert", "gpt2", "llama", "t5" }) {
            TrainJob each = job;
            each.model = lumen::test::conformanceDir(family);
            each.epochs = 5;
            each.learningRate = 3e-3;
            const TrainResult t = train(each, dir_.filePath(QStringLiteral("tok-%1").arg(QString::fromLatin1(family))));
            QVERIFY2(t.lastEval.accuracy >= 0.85, qPrintable(QStringLiteral("%1: %2").arg(QString::fromLatin1(family)).arg(t.lastEval.accuracy)));
            const auto loaded = Model::load(t.modelDir);
            QCOMPARE(loaded->info().headKind, std::string("token-classification"));
            QCOMPARE(loaded->info().labels, (std::vector<std::string> { "B", "G" }));
        }

        // Causal LM: a repetitive text's loss falls.
        QFile text(dir_.filePath(QStringLiteral("corpus.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        for (int i = 0; i < 60; ++i) {
            text.write("the capital city with water every morning\n");
        }
        text.close();
        NewModelSpec causal;
        causal.causal = true;
        causal.hidden = 32;
        causal.layers = 2;
        const std::string decoder = dir_.filePath(QStringLiteral("causal-base")).toStdString();
        createModel(causal, lumen::test::conformanceDir("gpt2"), decoder, 0);
        TrainJob lm;
        lm.model = decoder;
        lm.task = TrainTask::CausalLm;
        lm.train.path = text.fileName().toStdString();
        lm.maxSteps = 30;
        lm.batchSize = 8;
        lm.learningRate = 5e-3;
        Recorded seen;
        const TrainResult c = train(lm, dir_.filePath(QStringLiteral("causal-run")), &seen);
        QVERIFY2(seen.losses.back() < 0.5 * seen.losses.front(),
            qPrintable(QStringLiteral("%1 -> %2").arg(seen.losses.front()).arg(seen.losses.back())));
        QVERIFY(c.lastEval.perplexity > 1.0 && c.lastEval.perplexity < std::exp(seen.losses.front()));
    }

    // The reference's classifier layouts for RoBERTa and GPT-2 (a decoder: its last real
    // token) learn the task, and save and load with their labels.
    void otherFamiliesClassify()
    {
        writeSeparable(dir_.filePath(QStringLiteral("fam.csv")), 320, 7);
        for (const char* family : { "roberta", "gpt2", "distilbert", "electra", "albert", "llama", "t5" }) {
            TrainJob job;
            job.model = lumen::test::conformanceDir(family);
            job.train.path = dir_.filePath(QStringLiteral("fam.csv")).toStdString();
            job.validationFraction = 0.25;
            job.epochs = 6;
            job.batchSize = 8;
            job.learningRate = 3e-3;
            Recorded seen;
            const TrainResult r = train(job, dir_.filePath(QStringLiteral("fam-%1").arg(QString::fromLatin1(family))), &seen);
            QVERIFY2(r.lastEval.accuracy >= 0.9, qPrintable(QStringLiteral("%1: %2").arg(QString::fromLatin1(family)).arg(r.lastEval.accuracy)));
            auto model = Model::load(r.modelDir);
            QCOMPARE(model->info().headKind, std::string("sequence-classification"));
            QCOMPARE(model->info().labels, (std::vector<std::string> { "bad", "good" }));
            const std::map<std::string, std::string> expected = { { "gpt2", "GPT2ForSequenceClassification" },
                { "roberta", "RobertaForSequenceClassification" }, { "distilbert", "DistilBertForSequenceClassification" },
                { "electra", "ElectraForSequenceClassification" }, { "albert", "AlbertForSequenceClassification" },
                { "llama", "LlamaForSequenceClassification" }, { "t5", "T5ForSequenceClassification" } };
            QCOMPARE(model->info().architecture, expected.at(family));
            // Padding does not move a decoder's answer: the last real token is read.
            const ForwardResult alone = model->forward(model->prepare({ "the beautiful city" }));
            const ForwardResult padded = model->forward(model->prepare({ "the beautiful city", "the random layer with every from this" }));
            QVERIFY(std::abs(alone.logits.data[0] - padded.logits.data[0]) < 1e-4);
            QVERIFY(std::abs(alone.logits.data[1] - padded.logits.data[1]) < 1e-4);
        }
    }

    // bf16 autocast (the CPU has it too): losses near float32's but computed in bf16; with
    // gradient checkpointing the recomputation runs under the same autocast, so the
    // gradients are those without it (to bf16's summation noise). fp16 needs CUDA and says so.
    void mixedPrecision()
    {
        try {
            mixedPrecisionCases();
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
    }

private:
    void mixedPrecisionCases()
    {
        writeSeparable(dir_.filePath(QStringLiteral("mp.csv")), 40, 9);
        TrainJob job;
        job.model = withoutDropout(dir_, lumen::test::conformanceDir("bert"), QStringLiteral("mp-nodrop")).toStdString();
        job.train.path = dir_.filePath(QStringLiteral("mp.csv")).toStdString();
        job.maxSteps = 3;
        job.batchSize = 8;
        job.learningRate = 1e-3;
        Recorded full;
        train(job, dir_.filePath(QStringLiteral("mp-fp32")), &full);
        job.mixedPrecision = "bf16";
        Recorded half;
        train(job, dir_.filePath(QStringLiteral("mp-bf16")), &half);
        job.gradientCheckpointing = true;
        Recorded halfCheckpointed;
        train(job, dir_.filePath(QStringLiteral("mp-bf16-ckpt")), &halfCheckpointed);
        bool differs = false;
        for (size_t s = 0; s < 3; ++s) {
            QVERIFY2(std::abs(full.losses[s] - half.losses[s]) < 0.02 * full.losses[s],
                qPrintable(QStringLiteral("step %1: %2 vs %3").arg(s).arg(full.losses[s]).arg(half.losses[s])));
            differs = differs || full.losses[s] != half.losses[s];
            QVERIFY2(std::abs(half.losses[s] - halfCheckpointed.losses[s]) < 5e-3 * half.losses[s],
                qPrintable(QStringLiteral("step %1: %2 vs %3").arg(s).arg(half.losses[s]).arg(halfCheckpointed.losses[s])));
        }
        QVERIFY2(differs, "bf16 autocast changed nothing: it was not on");
        // Every family trains under bf16 autocast (float32 norms meeting bf16 inputs, masks
        // filled with bf16's own lowest value), with and without checkpointing.
        std::vector<std::string> models;
        for (const char* family : { "bert", "roberta", "albert", "distilbert", "electra", "gpt2", "llama", "t5" }) {
            models.push_back(lumen::test::conformanceDir(family));
        }
        for (const char* family : { "lightconv", "dynamicconv", "dilatedconv", "wavenet", "lstm" }) {
            NewModelSpec spec;
            spec.family = family;
            spec.hidden = 16;
            spec.layers = 2;
            models.push_back(dir_.filePath(QStringLiteral("mp-%1").arg(QString::fromLatin1(family))).toStdString());
            createModel(spec, lumen::test::conformanceDir("bert"), models.back(), 0);
        }
        for (const std::string& model : models) {
            for (const bool checkpointing : { false, true }) {
                TrainJob each = job;
                each.model = model;
                each.maxSteps = 2;
                each.gradientCheckpointing = checkpointing;
                Recorded seen;
                const TrainResult r = train(each, dir_.filePath(QStringLiteral("mp-run-%1-%2").arg(QString::fromStdString(fs::path(model).filename().string())).arg(checkpointing)), &seen);
                QCOMPARE(r.steps, int64_t { 2 });
                QVERIFY2(std::isfinite(seen.losses.back()) && seen.losses.back() > 0.0, model.c_str());
            }
        }
        // The first step's gradient (same weights): 4e-5 relative with the recomputation
        // under autocast, 1.8e-4 when it ran in float32 (bf16 keeps 8 bits of mantissa, and
        // the summation order differs).
        QVERIFY2(std::abs(half.norms[0] - halfCheckpointed.norms[0]) < 1e-4 * half.norms[0],
            qPrintable(QStringLiteral("%1 vs %2").arg(half.norms[0]).arg(halfCheckpointed.norms[0])));
        job.mixedPrecision = "fp16";
        job.gradientCheckpointing = false;
        try {
            train(job, dir_.filePath(QStringLiteral("mp-fp16")));
            QFAIL("fp16 on the CPU was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("fp16 needs a CUDA device") != std::string::npos, e.what());
        }
        QVERIFY(trainJobToJson(trainJobFromJson(R"({"model": "m", "task": "masked-lm", "train": "t", "mixed_precision": "bf16"})")).find("\"mixed_precision\": \"bf16\"") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(Error, trainJobFromJson(R"({"model": "m", "task": "masked-lm", "train": "t", "mixed_precision": "fp8"})"));
    }

private Q_SLOTS:
    // fp16's dynamic loss scaling: gradients divided back, an overflow skips the step and
    // halves the scale, growthInterval finite steps double it.
    void lossScaler()
    {
        LossScaler scaler(1024.0, 3);
        torch::Tensor w = torch::ones({ 2 }, torch::requires_grad());
        (w.sum() * scaler.scale()).backward();
        QVERIFY(scaler.unscale({ w }));
        QVERIFY(torch::allclose(w.grad(), torch::ones({ 2 })));
        scaler.update();
        QCOMPARE(scaler.scale(), 1024.0);
        QCOMPARE(scaler.goodSteps(), int64_t { 1 });
        w.mutable_grad().fill_(std::numeric_limits<float>::infinity());
        QVERIFY(!scaler.unscale({ w }));
        scaler.update();
        QCOMPARE(scaler.scale(), 512.0);
        QCOMPARE(scaler.goodSteps(), int64_t { 0 });
        for (int i = 0; i < 3; ++i) {
            w.mutable_grad().fill_(1.0);
            QVERIFY(scaler.unscale({ w }));
            scaler.update();
        }
        QCOMPARE(scaler.scale(), 1024.0);
        w.mutable_grad().fill_(std::numeric_limits<float>::quiet_NaN());
        QVERIFY(!scaler.unscale({ w }));
    }

    // evaluation.json round trips; a matrix that does not fit its labels is refused.
    void evaluationFile()
    {
        EvalResult r;
        r.step = 12;
        r.loss = 0.25;
        r.accuracy = 0.75;
        r.macroF1 = 0.7;
        r.labels = { "bad", "good" };
        r.confusion = { { 3, 1 }, { 0, 4 } };
        r.examples = { { "the random city", "bad", "good", 0.6 }, { "winter", "good", "good", 0.9 } };
        const EvalResult back = evaluationFromJson(evaluationToJson(r));
        QCOMPARE(back.step, r.step);
        QCOMPARE(back.accuracy, r.accuracy);
        QCOMPARE(back.labels, r.labels);
        QCOMPARE(back.confusion, r.confusion);
        QCOMPARE(back.examples.size(), size_t { 2 });
        QCOMPARE(back.examples[0].predicted, std::string("good"));
        QCOMPARE(back.examples[1].probability, 0.9);
        try {
            evaluationFromJson(R"({"labels": ["a", "b"], "confusion": [[1, 2], [3]]})");
            QFAIL("a ragged confusion matrix was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("has 1 cells for 2 labels") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, evaluationFromJson("{not json"));
        QVERIFY_THROWS_EXCEPTION(Error, evaluationFromJson(R"({"examples": [{"text": "x"}]})"));
    }

    void jobsAndRefusals()
    {
        const TrainJob parsed = trainJobFromJson(
            R"({"model": "m", "task": "masked-lm", "train": "t.txt", "batch_size": 4, "gradient_accumulation": 8,
                "overflow": "sliding", "stride": 16, "freeze_layers": 2, "gradient_checkpointing": true})");
        QCOMPARE(parsed.task, TrainTask::MaskedLm);
        QCOMPARE(parsed.gradientAccumulation, int64_t { 8 });
        const TrainJob again = trainJobFromJson(trainJobToJson(parsed));
        QCOMPARE(again.stride, int64_t { 16 });
        QCOMPARE(again.freezeLayers, int64_t { 2 });
        QVERIFY(again.gradientCheckpointing);
        const auto message = [](const std::string& json) {
            try {
                trainJobFromJson(json);
            } catch (const Error& e) {
                return std::string(e.what());
            }
            return std::string();
        };
        QVERIFY(message(R"({"model": "m", "task": "masked-lm", "train": "t", "batchsize": 4})").find("\"batchsize\" is not a job setting") != std::string::npos);
        QVERIFY(message(R"({"model": "m", "task": "regression", "train": "t"})").find("\"task\" must be") != std::string::npos);
        QVERIFY(message(R"({"model": "m", "task": "masked-lm", "train": "t", "batch_size": 0})").find("\"batch_size\" must be between 1") != std::string::npos);
        QVERIFY(message(R"({"task": "masked-lm", "train": "t"})").find("\"model\" is missing") != std::string::npos);

        writeSeparable(dir_.filePath(QStringLiteral("ref.csv")), 20, 6);
        TrainJob job;
        job.model = lumen::test::conformanceDir("t5");
        job.train.path = dir_.filePath(QStringLiteral("ref.csv")).toStdString();
        job.train.format = DataFormat::Text;
        job.maxSteps = 1;
        job.task = TrainTask::CausalLm;
        try {
            runTraining(job, dir_.filePath(QStringLiteral("t5-clm")).toStdString());
            QFAIL("T5 is an encoder-decoder, not a causal LM");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("T5ForConditionalGeneration is not a causal LM") != std::string::npos, e.what());
        }
        job.model = lumen::test::conformanceDir("gpt2");
        job.task = TrainTask::MaskedLm;
        job.train.format = DataFormat::Text;
        QVERIFY_THROWS_EXCEPTION(Error, runTraining(job, dir_.filePath(QStringLiteral("gpt2-mlm")).toStdString()));
        // One label only: refused, naming it.
        QFile one(dir_.filePath(QStringLiteral("one.csv")));
        QVERIFY(one.open(QIODevice::WriteOnly));
        one.write("text,label\na b,x\nc d,x\n");
        one.close();
        job.model = lumen::test::conformanceDir("bert");
        job.task = TrainTask::SequenceClassification;
        job.train.format = DataFormat::Auto;
        job.train.path = one.fileName().toStdString();
        try {
            runTraining(job, dir_.filePath(QStringLiteral("one-run")).toStdString());
            QFAIL("one label");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("only one label (\"x\")") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
