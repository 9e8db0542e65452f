// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The demos' engine side that the CLI tests do not reach: the logit lens (each layer's
// reading equals the prediction of the same model cut after that layer) and beam search
// (1 beam is greedy; with 2 new tokens the result is the best the search can see, worked
// out here by brute force; the cache changes nothing), and T5 through generate().
#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/fill_mask.h"
#include "lumen/engine/generate.h"
#include "lumen/engine/logit_lens.h"
#include "lumen/engine/model.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <limits>

using namespace lumen;
using namespace lumen::engine;
using lumen::test::conformanceDir;
using lumen::test::copyFolder;
using lumen::test::expected;
using lumen::test::jsonToInts;

namespace {

/// A copy of conformance case `name` whose config keeps only the first `layers` layers
/// (the checkpoint's other layers then load as unused keys).
std::string truncatedCopy(const QTemporaryDir& tmp, const std::string& name, const std::string& key,
                          int64_t layers)
{
    const std::string dir = tmp.path().toStdString() + "/" + name + "-" + std::to_string(layers);
    copyFolder(conformanceDir(name), dir);
    nlohmann::json config;
    std::ifstream(dir + "/config.json") >> config;
    config[key] = layers;
    std::ofstream(dir + "/config.json", std::ios::trunc) << config.dump(2);
    return dir;
}

/// Softmax of one row of [1, seq, vocab] logits.
std::vector<double> softmaxRow(const FloatTensor& logits, int64_t row)
{
    const auto vocab = static_cast<size_t>(logits.shape[2]);
    const float* r = logits.data.data() + static_cast<size_t>(row) * vocab;
    const float max = *std::max_element(r, r + vocab);
    std::vector<double> p(vocab);
    double sum = 0.0;
    for (size_t v = 0; v < vocab; ++v) {
        p[v] = std::exp(static_cast<double>(r[v]) - max);
        sum += p[v];
    }
    for (double& x : p) {
        x /= sum;
    }
    return p;
}

double logSoftmaxOf(const FloatTensor& logits, int64_t row, int64_t id)
{
    return std::log(softmaxRow(logits, row)[static_cast<size_t>(id)]);
}

} // namespace

class TestDemos : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void lensLayersEqualTruncatedModels_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("target");
        QTest::newRow("bert") << QStringLiteral("bert") << QStringLiteral("num_hidden_layers") << QStringLiteral("the capital of france is [MASK].") << QStringLiteral("");
        QTest::newRow("roberta") << QStringLiteral("roberta") << QStringLiteral("num_hidden_layers") << QStringLiteral("The capital of France is <mask>.") << QStringLiteral("");
        QTest::newRow("albert") << QStringLiteral("albert") << QStringLiteral("num_hidden_layers") << QStringLiteral("the capital of france is [MASK].") << QStringLiteral("");
        QTest::newRow("distilbert") << QStringLiteral("distilbert") << QStringLiteral("n_layers") << QStringLiteral("the capital of france is [MASK].") << QStringLiteral("");
        QTest::newRow("electra-generator") << QStringLiteral("electra-generator") << QStringLiteral("num_hidden_layers")
                                           << QStringLiteral("the capital of france is [MASK].") << QStringLiteral("");
        QTest::newRow("gpt2") << QStringLiteral("gpt2") << QStringLiteral("n_layer") << QStringLiteral("The quick brown fox") << QStringLiteral("");
        QTest::newRow("llama") << QStringLiteral("llama") << QStringLiteral("num_hidden_layers") << QStringLiteral("The quick brown fox") << QStringLiteral("");
        QTest::newRow("t5") << QStringLiteral("t5") << QStringLiteral("num_decoder_layers") << QStringLiteral("translate English to German: The house.")
                            << QStringLiteral("Das Haus");
    }

    // The lens of layer l is what the same model with l layers predicts: for post-norm
    // encoders the head on that layer's output, for decoders the final norm first.
    void lensLayersEqualTruncatedModels()
    {
        QFETCH(QString, name);
        QFETCH(QString, key);
        QFETCH(QString, text);
        QFETCH(QString, target);
        auto full = Model::load(conformanceDir(name.toStdString()));
        LogitLensConfig config;
        config.topK = 5;
        config.target = target.toStdString();
        const LogitLensResult lens = logitLens(*full, text.toStdString(), config);
        QVERIFY(lens.layers >= 2);
        QVERIFY(!lens.positions.empty());
        for (const LogitLensPosition& p : lens.positions) {
            QCOMPARE(static_cast<int64_t>(p.layers.size()), lens.layers + 1);
            QCOMPARE(p.layers.back().top.front().id, p.final.id); // the last row is the model's
            QCOMPARE(p.layers.back().finalRank, int64_t { 0 });
        }
        QTemporaryDir tmp;
        for (int64_t l = 1; l < lens.layers; ++l) {
            auto cut = Model::load(truncatedCopy(tmp, name.toStdString(), key.toStdString(), l));
            if (!full->info().isEncoderDecoder) { // T5 reports its encoder's layers
                QCOMPARE(cut->info().numLayers, l);
            }
            const ModelInput in = full->info().isEncoderDecoder
                ? cut->prepareSeq2Seq({ text.toStdString() }, { target.toStdString() })
                : cut->prepare({ text.toStdString() });
            const ForwardResult out = cut->forward(in);
            for (const LogitLensPosition& p : lens.positions) {
                const std::vector<double> probs = softmaxRow(out.logits, p.position);
                const LogitLensLayer& layer = p.layers[static_cast<size_t>(l)];
                for (const TokenProbability& t : layer.top) {
                    QVERIFY2(std::abs(t.probability - probs[static_cast<size_t>(t.id)]) <= 1e-5 + 1e-4 * probs[t.id],
                             qPrintable(QStringLiteral("%1 layer %2 position %3 token %4: lens %5, cut model %6")
                                            .arg(name).arg(l).arg(p.position).arg(t.id)
                                            .arg(t.probability).arg(probs[static_cast<size_t>(t.id)])));
                }
                // And the lens's best is the cut model's best.
                const auto best = std::max_element(probs.begin(), probs.end()) - probs.begin();
                QCOMPARE(layer.top.front().id, static_cast<int64_t>(best));
                QVERIFY(std::abs(layer.finalProbability - probs[static_cast<size_t>(p.final.id)]) <= 1e-5);
            }
        }
    }

    void lensMasksAndErrors()
    {
        auto bert = Model::load(conformanceDir("bert"));
        const LogitLensResult r = logitLens(*bert, "the [MASK] sat on the [MASK].");
        QCOMPARE(r.positions.size(), size_t { 2 }); // the masks only
        const FillMaskResult fill = fillMask(*bert, "the [MASK] sat on the [MASK].", { 5 });
        for (size_t m = 0; m < 2; ++m) {
            QCOMPARE(r.positions[m].position, fill.masks[m].position);
            for (size_t k = 0; k < 5; ++k) {
                QCOMPARE(r.positions[m].layers.back().top[k].id, fill.masks[m].candidates[k].id);
                QVERIFY(std::abs(r.positions[m].layers.back().top[k].probability
                                 - fill.masks[m].candidates[k].probability) < 1e-9);
            }
        }
        LogitLensConfig outside;
        outside.positions = { 99 };
        QVERIFY_THROWS_EXCEPTION(Error, logitLens(*bert, "a text", outside));
        QVERIFY_THROWS_EXCEPTION(Error, logitLens(*bert, "   "));
        auto electra = Model::load(conformanceDir("electra")); // the discriminator
        try {
            logitLens(*electra, "a text");
            QFAIL("a discriminator has no language-model head");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("no language-model head") != std::string::npos, e.what());
        }
        auto t5 = Model::load(conformanceDir("t5"));
        try {
            logitLens(*t5, "a text");
            QFAIL("T5 needs a target");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("target") != std::string::npos, e.what());
        }
    }

    void lensFromIdsEqualsLensFromText()
    {
        auto gpt2 = Model::load(conformanceDir("gpt2"));
        const LogitLensResult byText = logitLens(*gpt2, "The quick brown fox");
        const LogitLensResult byIds = logitLensFromIds(*gpt2, byText.ids);
        QCOMPARE(byIds.positions.size(), byText.ids.size()); // a causal LM: every position
        for (size_t p = 0; p < byIds.positions.size(); ++p) {
            for (size_t l = 0; l < byIds.positions[p].layers.size(); ++l) {
                QCOMPARE(byIds.positions[p].layers[l].top.front().id, byText.positions[p].layers[l].top.front().id);
            }
        }
        QVERIFY_THROWS_EXCEPTION(Error, logitLensFromIds(*gpt2, { 100000 }));
    }

    void oneBeamIsGreedy_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("gpt2") << QStringLiteral("gpt2");
        QTest::newRow("llama") << QStringLiteral("llama");
        QTest::newRow("t5") << QStringLiteral("t5");
    }

    void oneBeamIsGreedy()
    {
        QFETCH(QString, name);
        auto model = Model::load(conformanceDir(name.toStdString()));
        const nlohmann::json& g = expected(name.toStdString())["generation"];
        GenerateConfig config;
        config.maxNewTokens = 8;
        const GenerateResult greedy = generate(*model, g["prompt"].get<std::string>(), config);
        QCOMPARE(greedy.newTokenIds, jsonToInts(g["new_token_ids"])); // T5 too, via generate()
        config.beams = 1;
        const GenerateResult one = generate(*model, g["prompt"].get<std::string>(), config);
        QCOMPARE(one.newTokenIds, greedy.newTokenIds);
        QCOMPARE(one.text, greedy.text);
        for (size_t i = 0; i < one.steps.size(); ++i) {
            QVERIFY(std::abs(one.steps[i].probability - greedy.steps[i].probability) < 1e-9);
        }
        // More beams: the cache changes nothing.
        config.beams = 3;
        const GenerateResult cached = generate(*model, g["prompt"].get<std::string>(), config);
        config.useCache = false;
        const GenerateResult plain = generate(*model, g["prompt"].get<std::string>(), config);
        QCOMPARE(cached.newTokenIds, plain.newTokenIds);
        QVERIFY(!cached.newTokenIds.empty());
    }

    // With two new tokens and no end-of-text in reach, beam search keeps the B best first
    // tokens and returns the best pair among their continuations.
    void beamSearchFindsTheBestItCanSee()
    {
        auto model = Model::load(conformanceDir("gpt2"));
        const std::vector<int64_t> prompt = jsonToInts(expected("gpt2")["generation"]["prompt_ids"]);
        const int64_t eos = *model->tokenizer()->specialTokens().eos;
        const auto forwardIds = [&model](const std::vector<int64_t>& ids) {
            ModelInput in;
            in.inputIds = { { 1, static_cast<int64_t>(ids.size()) }, ids };
            in.attentionMask = { { 1, static_cast<int64_t>(ids.size()) }, std::vector<int64_t>(ids.size(), 1) };
            return model->forward(in).logits;
        };
        for (const int64_t beams : { 2, 3, 5 }) {
            const FloatTensor first = forwardIds(prompt);
            const int64_t last = static_cast<int64_t>(prompt.size()) - 1;
            const std::vector<int64_t> order = lumen::test::topK(first, last, 2 * beams);
            std::vector<int64_t> kept;
            for (size_t rank = 0; rank < order.size() && static_cast<int64_t>(kept.size()) < beams; ++rank) {
                QVERIFY2(order[rank] != eos, "the test expects no end-of-text among the first candidates");
                kept.push_back(order[rank]);
            }
            double best = -std::numeric_limits<double>::infinity();
            std::vector<int64_t> bestPair;
            for (const int64_t f : kept) {
                std::vector<int64_t> ids = prompt;
                ids.push_back(f);
                const FloatTensor second = forwardIds(ids);
                const int64_t t = lumen::test::topK(second, last + 1, 1).front();
                const double score = (logSoftmaxOf(first, last, f) + logSoftmaxOf(second, last + 1, t)) / 2.0;
                if (score > best) {
                    best = score;
                    bestPair = { f, t };
                }
            }
            GenerateConfig config;
            config.maxNewTokens = 2;
            config.beams = beams;
            const GenerateResult r = generateFromIds(*model, prompt, config);
            QCOMPARE(r.newTokenIds, bestPair);
            QCOMPARE(r.stopReason, std::string("length"));
            // The steps carry each chosen token's probability given its own prefix.
            const double p0 = std::exp(logSoftmaxOf(first, last, bestPair[0]));
            QVERIFY(std::abs(r.steps[0].probability - p0) < 1e-6);
        }
    }

    void beamErrors()
    {
        auto model = Model::load(conformanceDir("gpt2"));
        GenerateConfig config;
        config.beams = 3;
        config.sample = true;
        QVERIFY_THROWS_EXCEPTION(Error, generate(*model, "The quick", config));
        config.sample = false;
        config.beams = 0;
        QVERIFY_THROWS_EXCEPTION(Error, generate(*model, "The quick", config));
        auto bert = Model::load(conformanceDir("bert"));
        try {
            generate(*bert, "an encoder", GenerateConfig {});
            QFAIL("an encoder cannot generate");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("fill-mask") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestDemos)
#include "tst_demos.moc"
