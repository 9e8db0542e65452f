// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Comparing models: tokens aligned by character offsets (hand-made encodings with known
// cuts, and the WordPiece, byte-level BPE and SentencePiece test tokenizers on one text),
// KL divergence of a model with itself 0 and positive between two, relative-depth layer
// mapping, the facts (ALBERT's sharing), and a saved comparison read back with the same
// numbers.
#include "conformance.h"

#include "lumen/engine/compare.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <fstream>

#include <cmath>
#include <set>

using namespace lumen;
using namespace lumen::engine;

namespace {

Encoding encoding(std::vector<std::pair<int64_t, int64_t>> offsets, std::vector<uint8_t> special = {})
{
    Encoding e;
    e.offsets = std::move(offsets);
    e.ids.assign(e.offsets.size(), 0);
    e.tokens.assign(e.offsets.size(), "t");
    e.specialMask = special.empty() ? std::vector<uint8_t>(e.offsets.size(), 0) : std::move(special);
    return e;
}

} // namespace

class TestCompare : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // "New York is big": WordPiece-like (specials, no spaces in offsets), byte-level-like
    // (spaces in front) and SentencePiece-like (one piece for "New York", a lone "▁").
    void alignsHandMadeEncodings()
    {
        const std::string text = "New York is big";
        const Encoding a = encoding({ { 0, 0 }, { 0, 3 }, { 4, 8 }, { 9, 11 }, { 12, 15 }, { 0, 0 } }, { 1, 0, 0, 0, 0, 1 });
        const Encoding b = encoding({ { 0, 3 }, { 3, 8 }, { 8, 11 }, { 11, 15 } });
        const Encoding c = encoding({ { 0, 8 }, { 8, 11 }, { 11, 11 }, { 11, 13 }, { 13, 15 } });
        const TokenAlignment al = alignTokens(text, { a, b, c });
        QCOMPARE(al.spans.size(), size_t { 3 });
        QCOMPARE(al.spans[0].text, std::string("New York"));
        QVERIFY(al.spans[0].differs);
        QCOMPARE(al.spans[0].tokens[0], (std::vector<int64_t> { 1, 2 }));
        QCOMPARE(al.spans[0].tokens[1], (std::vector<int64_t> { 0, 1 }));
        QCOMPARE(al.spans[0].tokens[2], (std::vector<int64_t> { 0 }));
        QCOMPARE(al.spans[1].text, std::string("is"));
        QVERIFY(!al.spans[1].differs);
        QCOMPARE(al.spans[2].text, std::string("big"));
        QVERIFY(al.spans[2].differs); // "b" + "ig"
        QCOMPARE(al.spans[2].tokens[2], (std::vector<int64_t> { 3, 4 }));
        QCOMPARE(al.unaligned[0], (std::vector<int64_t> { 0, 5 }));
        QVERIFY(al.unaligned[1].empty());
        QCOMPARE(al.unaligned[2], (std::vector<int64_t> { 2 }));
        // Code points, not bytes: "é" is two bytes, one offset.
        const TokenAlignment accented = alignTokens("café noir", { encoding({ { 0, 4 }, { 5, 9 } }), encoding({ { 0, 3 }, { 3, 4 }, { 4, 9 } }) });
        QCOMPARE(accented.spans.size(), size_t { 2 });
        QCOMPARE(accented.spans[0].text, std::string("café"));
        QVERIFY(accented.spans[0].differs);
        QCOMPARE(accented.spans[1].text, std::string("noir"));
        QVERIFY(!accented.spans[1].differs);
    }

    // The real test tokenizers split one text differently: every character is in exactly
    // one span, every token in exactly one span or unaligned, and the cuts differ somewhere
    // but not everywhere.
    void alignsRealTokenizers()
    {
        const std::string text = "The unbelievable capital, Paris, is beautiful.";
        std::vector<std::unique_ptr<Model>> models;
        std::vector<Encoding> encodings;
        for (const char* family : { "bert", "gpt2", "llama" }) {
            models.push_back(Model::load(lumen::test::conformanceDir(family)));
            encodings.push_back(models.back()->tokenizer()->encode(text));
        }
        const TokenAlignment al = alignTokens(text, encodings);
        int64_t previousEnd = 0;
        bool someDiffer = false;
        bool someAgree = false;
        std::string joined;
        for (const AlignedSpan& s : al.spans) {
            QVERIFY(s.begin >= previousEnd && s.end > s.begin);
            previousEnd = s.end;
            joined += s.text;
            someDiffer = someDiffer || s.differs;
            someAgree = someAgree || !s.differs;
            for (const auto& t : s.tokens) {
                QVERIFY(!t.empty()); // every tokenizer has something in every span
            }
        }
        std::string nonSpace;
        for (const char ch : text) {
            if (ch != ' ') {
                nonSpace += ch;
            }
        }
        QCOMPARE(joined, nonSpace);
        QVERIFY(someDiffer);
        QVERIFY(someAgree);
        for (size_t m = 0; m < encodings.size(); ++m) {
            std::multiset<int64_t> seen(al.unaligned[m].begin(), al.unaligned[m].end());
            for (const AlignedSpan& s : al.spans) {
                seen.insert(s.tokens[m].begin(), s.tokens[m].end());
            }
            QCOMPARE(seen.size(), encodings[m].size());
            QCOMPARE(std::set<int64_t>(seen.begin(), seen.end()).size(), encodings[m].size());
        }
    }

    // A map carried onto the spans: rows are the mean of a span's queries, columns the sum of
    // its keys; [CLS] drops out.
    void attentionOnTheSpans()
    {
        // "New York": tokens [CLS] New York; one span "New York".
        const std::string text = "New York";
        const Encoding a = encoding({ { 0, 0 }, { 0, 3 }, { 4, 8 } }, { 1, 0, 0 });
        const Encoding b = encoding({ { 0, 8 } });
        const TokenAlignment al = alignTokens(text, { a, b });
        QCOMPARE(al.spans.size(), size_t { 1 });
        const std::vector<float> map = { 1.0f, 0.0f, 0.0f, 0.2f, 0.3f, 0.5f, 0.1f, 0.6f, 0.3f };
        const std::vector<float> onSpans = attentionOnSpans(map, 3, al, 0);
        QCOMPARE(onSpans.size(), size_t { 1 });
        QVERIFY(std::abs(onSpans[0] - ((0.3f + 0.5f) + (0.6f + 0.3f)) / 2.0f) < 1e-6f);
        QCOMPARE(attentionOnSpans({ 1.0f }, 1, al, 1), (std::vector<float> { 1.0f }));
        QVERIFY_THROWS_EXCEPTION(Error, attentionOnSpans({ 1.0f, 2.0f }, 3, al, 0));
    }

    void relativeDepth()
    {
        QCOMPARE(layerAtRelativeDepth(0, 6, 12), int64_t { 1 });
        QCOMPARE(layerAtRelativeDepth(2, 6, 12), int64_t { 5 });
        QCOMPARE(layerAtRelativeDepth(5, 6, 12), int64_t { 11 });
        QCOMPARE(layerAtRelativeDepth(0, 12, 6), int64_t { 0 });
        QCOMPARE(layerAtRelativeDepth(1, 12, 6), int64_t { 0 });
        QCOMPARE(layerAtRelativeDepth(2, 12, 6), int64_t { 1 });
        QCOMPARE(layerAtRelativeDepth(11, 12, 6), int64_t { 5 });
        for (int64_t l = 0; l < 3; ++l) {
            QCOMPARE(layerAtRelativeDepth(l, 3, 3), l);
        }
        QCOMPARE(layerAtRelativeDepth(0, 1, 24), int64_t { 23 });
        QCOMPARE(layerAtRelativeDepth(23, 24, 1), int64_t { 0 });
        QCOMPARE(layerAtRelativeDepth(99, 4, 8), int64_t { 7 }); // clamped
    }

    void divergence()
    {
        QCOMPARE(klDivergence({ 0.5, 0.5 }, { 0.5, 0.5 }), 0.0);
        QVERIFY(std::abs(klDivergence({ 0.5, 0.5 }, { 0.9, 0.1 }) - (0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1))) < 1e-12);
        QVERIFY(klDivergence({ 1.0, 0.0 }, { 0.0, 1.0 }) > 20.0); // q floored, not infinite
    }

    // A model with itself: KL 0 and agreement; BERT against the cased BERT (another
    // vocabulary) and ALBERT: positive, finite; BERT against GPT-2: nothing comparable.
    void comparesModels()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto bertAgain = Model::load(lumen::test::conformanceDir("bert"));
        auto cased = Model::load(lumen::test::conformanceDir("bert-cased"));
        auto albert = Model::load(lumen::test::conformanceDir("albert"));
        CompareConfig config;
        config.text = "The capital of France is [MASK].";
        config.repeats = 2;
        const CompareResult same = compareModels({ bert.get(), bertAgain.get() }, config);
        QCOMPARE(same.predictions[0].kind, std::string("fill-mask"));
        QCOMPARE(same.kl[0][1], 0.0);
        QCOMPARE(same.kl[1][0], 0.0);
        QCOMPARE(same.top1[0][1], 1);
        QCOMPARE(same.top1Agreement, 1.0);
        for (const AlignedSpan& s : same.alignment.spans) {
            QVERIFY(!s.differs);
        }
        QCOMPARE(same.predictions[0].top.size(), size_t { 10 });
        QVERIFY(same.predictions[0].top[0].probability >= same.predictions[0].top[1].probability);

        // A model with itself differs nowhere; two seeds of one configuration by the exact
        // difference of their probabilities, largest first.
        QVERIFY(!same.difference.empty());
        for (const auto& d : same.difference) {
            QCOMPARE(d.first, d.second);
        }
        QTemporaryDir seeds;
        createRandomModel(lumen::test::conformanceDir("bert") + "/config.json", seeds.filePath(QStringLiteral("b7")).toStdString(), 7);
        auto seven = Model::load(seeds.filePath(QStringLiteral("b7")).toStdString());
        const CompareResult seeded = compareModels({ bert.get(), seven.get() }, config);
        QCOMPARE(seeded.difference.size(), size_t { 10 });
        for (size_t i = 0; i + 1 < seeded.difference.size(); ++i) {
            QVERIFY(std::abs(seeded.difference[i].first - seeded.difference[i].second)
                >= std::abs(seeded.difference[i + 1].first - seeded.difference[i + 1].second));
        }
        QVERIFY(seeded.difference[0].first != seeded.difference[0].second);
        // Model 1's best candidate carries its own probability into the difference list.
        for (const auto& d : seeded.difference) {
            if (d.text == seeded.predictions[0].top[0].text) {
                QVERIFY(std::abs(d.first - seeded.predictions[0].top[0].probability) < 1e-12);
            }
        }

        const CompareResult three = compareModels({ bert.get(), cased.get(), albert.get() }, config);
        for (size_t a = 0; a < 3; ++a) {
            QCOMPARE(three.kl[a][a], 0.0);
            for (size_t b = 0; b < 3; ++b) {
                QVERIFY2(std::isfinite(three.kl[a][b]), qPrintable(QStringLiteral("%1 %2").arg(a).arg(b)));
                if (a != b) {
                    QVERIFY(three.kl[a][b] > 0.0);
                }
            }
        }
        // ALBERT's shared layers: more parameters per forward pass than unique ones.
        QVERIFY(three.facts[2].parametersPerForward > three.facts[2].parameters);
        QCOMPARE(three.facts[0].parametersPerForward, three.facts[0].parameters);
        QCOMPARE(three.facts[0].tokens, static_cast<int64_t>(three.tokens[0].size()));
        QVERIFY(three.facts[0].flops > 2.0 * static_cast<double>(three.facts[0].parameters));
        QVERIFY(three.facts[0].latencyMs > 0.0);
        // Peak memory of a pass, where Linux lets the high-water mark be reset.
        const bool resettable = static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5");
        for (const ModelFacts& f : three.facts) {
            if (resettable) {
                QVERIFY(f.peakBytes >= 0 && f.peakBytes < (int64_t { 1 } << 30));
            } else {
                QCOMPARE(f.peakBytes, int64_t { -1 });
            }
        }
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        auto llama = Model::load(lumen::test::conformanceDir("llama"));
        CompareConfig plain;
        plain.text = "The capital of France is";
        plain.repeats = 0;
        const CompareResult mixed = compareModels({ bert.get(), gpt2.get(), llama.get() }, plain);
        QCOMPARE(mixed.facts[0].peakBytes, int64_t { -1 }); // not timed, not measured
        QCOMPARE(mixed.predictions[0].kind, std::string());
        QVERIFY(mixed.predictions[0].why.find("no [MASK]") != std::string::npos);
        QCOMPARE(mixed.predictions[1].kind, std::string("next-token"));
        QVERIFY(std::isnan(mixed.kl[0][1]));
        QCOMPARE(mixed.top1[0][1], -1);
        QVERIFY(std::isfinite(mixed.kl[1][2]) && mixed.kl[1][2] > 0.0);
        QCOMPARE(mixed.top1Agreement, static_cast<double>(mixed.top1[1][2]));

        QVERIFY_THROWS_EXCEPTION(Error, compareModels({ bert.get() }, config));
        CompareConfig empty;
        empty.text = "  ";
        QVERIFY_THROWS_EXCEPTION(Error, compareModels({ bert.get(), gpt2.get() }, empty));
    }

    // A dataset through the models: each example as compareModels sees it, streamed, the
    // most disagreed-on first, accuracy against the labels, cancellable; bad data named.
    void comparesADataset()
    {
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("cloze.csv"));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("sentence,answer\n\"The capital of France is [MASK].\",paris\nThe [MASK] is blue.,sky\n"
                "I like [MASK] very much.,water\nA [MASK] day.,beautiful\n");
        f.close();
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto albert = Model::load(lumen::test::conformanceDir("albert"));
        DatasetCompareConfig config;
        config.data.path = csv.toStdString();
        config.data.textColumn = "sentence";
        config.data.labelColumn = "answer";
        int64_t streamed = 0;
        const DatasetComparison d = compareOnDataset({ bert.get(), albert.get() }, config, {},
            [&](const DatasetExample&, int64_t done, int64_t total) {
                ++streamed;
                QCOMPARE(done, streamed);
                QCOMPARE(total, int64_t { 4 });
            });
        QCOMPARE(streamed, int64_t { 4 });
        QCOMPARE(d.examples.size(), size_t { 4 });
        int64_t agreeing = 0;
        int64_t bertRight = 0;
        for (size_t i = 0; i + 1 < d.examples.size(); ++i) {
            QVERIFY(d.examples[i].disagreement >= d.examples[i + 1].disagreement);
        }
        for (const DatasetExample& e : d.examples) {
            CompareConfig one;
            one.text = e.text;
            one.topK = 5;
            one.repeats = 0;
            const CompareResult r = compareModels({ bert.get(), albert.get() }, one);
            QCOMPARE(e.top1[0], r.predictions[0].top.front().text);
            QVERIFY(std::abs(e.disagreement - 0.5 * (r.kl[0][1] + r.kl[1][0])) < 1e-12);
            agreeing += r.top1[0][1];
            bertRight += r.predictions[0].top.front().text == e.label ? 1 : 0;
            QCOMPARE(e.line, e.index + 2);
        }
        QCOMPARE(d.agreement[0][1], static_cast<double>(agreeing) / 4.0);
        QCOMPARE(d.accuracy[0], static_cast<double>(bertRight) / 4.0);

        // The same model twice agrees everywhere, without disagreement.
        const DatasetComparison self = compareOnDataset({ bert.get(), bert.get() }, config);
        QCOMPARE(self.agreement[0][1], 1.0);
        for (const DatasetExample& e : self.examples) {
            QCOMPARE(e.disagreement, 0.0);
        }
        // Cancelled after two: what was done.
        std::atomic<bool> cancel { false };
        RunControl control;
        control.cancel = &cancel;
        const DatasetComparison part = compareOnDataset({ bert.get(), albert.get() }, config, control,
            [&](const DatasetExample&, int64_t done, int64_t) { cancel = done >= 2; });
        QCOMPARE(part.status, JobStatus::Cancelled);
        QCOMPARE(part.examples.size(), size_t { 2 });
        // dataset-compare.json reads back with the same numbers, the cancelled state kept.
        DatasetCompareConfig readConfig;
        std::vector<std::string> dirs;
        const DatasetComparison again = datasetComparisonFromJson(datasetComparisonToJson(part, config, { "a", "b" }), &readConfig, &dirs);
        QCOMPARE(dirs, (std::vector<std::string> { "a", "b" }));
        QCOMPARE(readConfig.data.path, config.data.path);
        QCOMPARE(readConfig.data.labelColumn, std::string("answer"));
        QCOMPARE(again.status, JobStatus::Cancelled);
        QCOMPARE(again.total, part.total);
        QCOMPARE(again.examples.size(), part.examples.size());
        for (size_t i = 0; i < part.examples.size(); ++i) {
            QCOMPARE(again.examples[i].text, part.examples[i].text);
            QCOMPARE(again.examples[i].line, part.examples[i].line);
            QCOMPARE(again.examples[i].top1, part.examples[i].top1);
            QCOMPARE(again.examples[i].top1Probability, part.examples[i].top1Probability);
            QCOMPARE(again.examples[i].disagreement, part.examples[i].disagreement);
        }
        QCOMPARE(again.accuracy, part.accuracy);
        QCOMPARE(again.agreement[0][1], part.agreement[0][1]);
        QVERIFY_THROWS_EXCEPTION(Error, datasetComparisonFromJson("{\"format\": \"lumen-compare-1\"}"));
        try {
            datasetComparisonFromJson(R"({"format": "lumen-dataset-compare-1", "data": "x", "models": [{"dir": "a", "accuracy": null}],
                "agreement": [[1]], "examples": [{"line": 2, "text": "t", "top1": ["a", "b"], "top1_probability": [1, 1], "disagreement": 0}]})");
            QFAIL("an example with two answers for one model was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("line 2") != std::string::npos, e.what());
        }
        // No labels: accuracy NaN.
        config.data.labelColumn.clear();
        QVERIFY(std::isnan(compareOnDataset({ bert.get(), albert.get() }, config).accuracy[0]));
        // A column that is not there.
        config.data.textColumn = "text";
        try {
            compareOnDataset({ bert.get(), albert.get() }, config);
            QFAIL("a missing column was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("cloze.csv:1") != std::string::npos, e.what());
        }
    }

    // The effective context at a relative position: the same place in models with different
    // tokenizers; a decoder at its first token looks at nothing but that token.
    void contextAtAPosition()
    {
        QCOMPARE(positionAtRelative(0.0, 9), int64_t { 0 });
        QCOMPARE(positionAtRelative(1.0, 9), int64_t { 8 });
        QCOMPARE(positionAtRelative(0.5, 9), int64_t { 4 });
        QCOMPARE(positionAtRelative(0.5, 10), int64_t { 5 }); // seq / 2, the gradient field's middle
        QCOMPARE(positionAtRelative(0.25, 10), int64_t { 2 });
        QCOMPARE(positionAtRelative(7.0, 10), int64_t { 9 });
        QCOMPARE(positionAtRelative(-1.0, 10), int64_t { 0 });
        QCOMPARE(positionAtRelative(0.5, 0), int64_t { 0 });
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        const std::string text = "The quick brown fox jumps over the lazy dog.";
        const EffectiveContext first = effectiveContextAt(*gpt2, text, 0.0);
        QVERIFY2(first.why.empty(), first.why.c_str());
        QCOMPARE(first.position, int64_t { 0 });
        QVERIFY(std::abs(first.withinDistance.front() - 1.0) < 1e-12);
        const EffectiveContext last = effectiveContextAt(*gpt2, text, 1.0);
        QCOMPARE(last.position, static_cast<int64_t>(last.withinDistance.size()) - 1);
        QVERIFY(last.withinDistance.front() < 1.0 - 1e-6); // it reads the tokens before it
        CompareConfig config;
        config.text = text;
        config.repeats = 0;
        config.effectiveContext = true;
        config.contextPosition = 1.0;
        const CompareResult r = compareModels({ bert.get(), gpt2.get() }, config);
        QCOMPARE(r.contexts[0].position, r.facts[0].tokens - 1);
        QCOMPARE(r.contexts[1].position, r.facts[1].tokens - 1);
        QCOMPARE(r.contexts[1].withinDistance, last.withinDistance);
        CompareConfig back;
        compareResultFromJson(compareResultToJson(r, config), &back);
        QCOMPARE(back.contextPosition, 1.0);
    }

    // A text pair: each model reads [CLS] A [SEP] B [SEP] (its own specials), and the
    // alignment runs over "A\nB" with the second segment's tokens after the first's.
    void comparesATextPair()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto roberta = Model::load(lumen::test::conformanceDir("roberta"));
        CompareConfig config;
        config.text = "The capital of France is [MASK].";
        config.pair = "Paris is big.";
        config.repeats = 0;
        const CompareResult r = compareModels({ bert.get(), roberta.get() }, config);
        QCOMPARE(alignedText(config), config.text + "\n" + config.pair);
        const ModelInput direct = bert->preparePair("The capital of France is [MASK].", "Paris is big.");
        QCOMPARE(r.tokens[0], direct.encodings.front().tokens);
        for (size_t m = 0; m < 2; ++m) {
            QVERIFY2(r.predictions[m].why.empty(), r.predictions[m].why.c_str()); // the mask of segment A is filled
            // Only the specials stay unaligned.
            const Encoding e = (m == 0 ? bert : roberta)->preparePair(m == 0 ? "The capital of France is [MASK]." : "The capital of France is <mask>.", "Paris is big.").encodings.front();
            std::vector<int64_t> specials;
            for (size_t t = 0; t < e.size(); ++t) {
                if (e.specialMask[t] && e.offsets[t].second <= e.offsets[t].first) {
                    specials.push_back(static_cast<int64_t>(t));
                }
            }
            QCOMPARE(r.alignment.unaligned[m], specials);
        }
        std::string joined;
        const auto textLength = static_cast<int64_t>(config.text.size()); // ASCII
        bool secondSegment = false;
        for (const AlignedSpan& s : r.alignment.spans) {
            joined += s.text;
            if (s.text == "Par") { // the test vocabulary cuts "Par" "##is"
                QCOMPARE(s.begin, textLength + 1);
                secondSegment = true;
            }
        }
        QVERIFY(secondSegment);
        QCOMPARE(joined, std::string("ThecapitalofFranceis[MASK].Parisisbig."));
        CompareConfig back;
        compareResultFromJson(compareResultToJson(r, config), &back);
        QCOMPARE(back.pair, config.pair);
        QVERIFY(effectiveContextAt(*bert, config.text, 0.5, config.pair).withinDistance.size() == direct.encodings.front().size());
    }

    // Speed against length: doubling lengths up to the longest and the model's positions
    // (the test BERT has 64), FLOPs beside, and speed.json read back; cancelling stops.
    void speedAgainstLengths()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        SpeedConfig config;
        config.shortest = 16;
        config.longest = 128;
        config.repeats = 1;
        const std::vector<SpeedSeries> s = speedAgainstLength({ bert.get(), gpt2.get() }, config);
        QCOMPARE(s.size(), size_t { 2 });
        QCOMPARE(s[0].lengths, (std::vector<int64_t> { 16, 32, 64 }));
        QCOMPARE(s[0].model, bert->info().dir);
        QVERIFY(s[1].lengths.front() == 16 && s[1].lengths.back() <= 128);
        for (const SpeedSeries& one : s) {
            QCOMPARE(one.milliseconds.size(), one.lengths.size());
            for (size_t i = 0; i < one.lengths.size(); ++i) {
                QVERIFY(one.milliseconds[i] > 0.0);
                QVERIFY(i == 0 || one.gflops[i] > one.gflops[i - 1]);
            }
        }
        SpeedConfig readConfig;
        const std::vector<SpeedSeries> back = speedSeriesFromJson(speedSeriesToJson(s, config), &readConfig);
        QCOMPARE(readConfig.shortest, int64_t { 16 });
        QCOMPARE(readConfig.repeats, 1);
        QCOMPARE(back.size(), s.size());
        for (size_t m = 0; m < s.size(); ++m) {
            QCOMPARE(back[m].model, s[m].model);
            QCOMPARE(back[m].lengths, s[m].lengths);
            QCOMPARE(back[m].milliseconds, s[m].milliseconds);
            QCOMPARE(back[m].gflops, s[m].gflops);
        }
        QVERIFY_THROWS_EXCEPTION(Error, speedSeriesFromJson(R"({"format": "lumen-compare-speed-1", "models": [{"dir": "a", "lengths": [1, 2], "milliseconds": [1], "gflops": [1, 2]}]})"));
        QVERIFY_THROWS_EXCEPTION(Error, speedSeriesFromJson("[]"));
        std::atomic<bool> cancel { true };
        RunControl control;
        control.cancel = &cancel;
        const std::vector<SpeedSeries> none = speedAgainstLength({ bert.get(), gpt2.get() }, config, control);
        QVERIFY(none[0].lengths.empty() && none[1].lengths.empty());
        config.longest = 8;
        QVERIFY_THROWS_EXCEPTION(Error, speedAgainstLength({ bert.get() }, config));
    }

    // A saved comparison reads back with identical numbers (NaN included).
    void savedComparisonReopens()
    {
        auto bert = Model::load(lumen::test::conformanceDir("bert"));
        auto gpt2 = Model::load(lumen::test::conformanceDir("gpt2"));
        CompareConfig config;
        config.text = "Paris is [MASK] beautiful.";
        config.repeats = 1;
        config.attention = true;
        config.effectiveContext = true;
        const CompareResult r = compareModels({ bert.get(), gpt2.get() }, config);
        QCOMPARE(r.contexts.size(), size_t { 2 });
        for (size_t m = 0; m < 2; ++m) {
            QCOMPARE(static_cast<int64_t>(r.contexts[m].withinDistance.size()), r.facts[m].tokens);
            QVERIFY(std::abs(r.contexts[m].withinDistance.back() - 1.0) < 1e-9);
        }
        // Every layer's attention, rows summing to 1 (GPT-2's causal rows too).
        QCOMPARE(r.attentions.size(), size_t { 2 });
        for (size_t m = 0; m < 2; ++m) {
            const ModelAttention& a = r.attentions[m];
            QCOMPARE(static_cast<int64_t>(a.layers.size()), r.facts[m].layers);
            QCOMPARE(a.tokens, r.facts[m].tokens);
            QCOMPARE(static_cast<int64_t>(a.layers[0].size()), a.heads * a.tokens * a.tokens);
            double row = 0.0;
            for (int64_t k = 0; k < a.tokens; ++k) {
                row += a.layers.back()[static_cast<size_t>(a.tokens + k)]; // head 0, query 1
            }
            QVERIFY(std::abs(row - 1.0) < 1e-5);
        }
        QVERIFY(r.attentions[1].causal && !r.attentions[0].causal);
        CompareConfig readConfig;
        const CompareResult back = compareResultFromJson(compareResultToJson(r, config), &readConfig);
        QCOMPARE(readConfig.text, config.text);
        QCOMPARE(back.tokens, r.tokens);
        QCOMPARE(back.facts.size(), r.facts.size());
        for (size_t m = 0; m < r.facts.size(); ++m) {
            QCOMPARE(back.facts[m].parameters, r.facts[m].parameters);
            QCOMPARE(back.facts[m].flops, r.facts[m].flops);
            QCOMPARE(back.facts[m].latencyMs, r.facts[m].latencyMs);
            QCOMPARE(back.predictions[m].kind, r.predictions[m].kind);
            QCOMPARE(back.predictions[m].top.size(), r.predictions[m].top.size());
            for (size_t i = 0; i < r.predictions[m].top.size(); ++i) {
                QCOMPARE(back.predictions[m].top[i].probability, r.predictions[m].top[i].probability);
            }
            for (size_t b = 0; b < r.facts.size(); ++b) {
                QCOMPARE(std::isnan(back.kl[m][b]), std::isnan(r.kl[m][b]));
                if (!std::isnan(r.kl[m][b])) {
                    QCOMPARE(back.kl[m][b], r.kl[m][b]);
                }
                QCOMPARE(back.top1[m][b], r.top1[m][b]);
            }
        }
        QCOMPARE(back.difference.size(), r.difference.size());
        QCOMPARE(back.contexts.size(), size_t { 2 });
        QCOMPARE(back.contexts[1].withinDistance, r.contexts[1].withinDistance);
        QCOMPARE(back.attentions.size(), r.attentions.size());
        QCOMPARE(back.attentions[1].layers, r.attentions[1].layers);
        QCOMPARE(back.attentions[1].causal, true);
        QCOMPARE(back.alignment.spans.size(), r.alignment.spans.size());
        QCOMPARE(back.alignment.spans[0].tokens, r.alignment.spans[0].tokens);
        QVERIFY_THROWS_EXCEPTION(Error, compareResultFromJson("{\"format\": \"other\"}"));
        QVERIFY_THROWS_EXCEPTION(Error, compareResultFromJson("not json"));
    }
};

QTEST_GUILESS_MAIN(TestCompare)
#include "tst_compare.moc"
