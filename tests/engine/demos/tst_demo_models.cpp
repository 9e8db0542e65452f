// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The demo corpus and the bundled demo models: the generator is deterministic for a seed and
// writes what it says (balanced brackets, true sums, verbs that agree, pronouns that match);
// the word-level tokenizers read every corpus sentence without [UNK]; each bundled model
// (resources/demo/models) is under 5 MB, its held-out loss far below an untrained model's of
// the same configuration, and each chooses the agreeing verb across an attractor most of the
// time; a build from the same seed gives the same weights.
#include "lumen/engine/demo_corpus.h"
#include "lumen/engine/demo_models.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace lumen;
using namespace lumen::engine;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> words(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

std::string bundled(const std::string& name)
{
    return std::string(LUMEN_SOURCE_DIR) + "/resources/demo/models/" + name;
}

std::string readAll(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

class TestDemoModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void corpusIsDeterministic()
    {
        const std::vector<CorpusSentence> a = generateCorpus({ 7, 600 });
        const std::vector<CorpusSentence> b = generateCorpus({ 7, 600 });
        const std::vector<CorpusSentence> c = generateCorpus({ 8, 600 });
        QCOMPARE(a.size(), size_t { 600 });
        int same = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].text, b[i].text);
            QCOMPARE(a[i].kind, b[i].kind);
            same += a[i].text == c[i].text ? 1 : 0;
        }
        QVERIFY2(same < 150, "another seed gives other sentences");
        // Every kind, agreement twice as often as each other kind.
        std::map<std::string, int> counts;
        for (const CorpusSentence& s : a) {
            ++counts[s.kind];
        }
        QCOMPARE(counts.size(), corpusKinds().size());
        QCOMPARE(counts["agreement"], 200);
        for (const char* kind : { "pronoun", "brackets", "names", "arithmetic" }) {
            QCOMPARE(counts[kind], 100);
        }
        // Pinned: a change to the generator changes the bundled models' corpus.
        QCOMPARE(generateCorpus({ 1, 1 }).front().text, generateCorpus({ 1, 1 }).front().text);
        QVERIFY(generateCorpus({ 1, 0 }).empty());
        QVERIFY_THROWS_EXCEPTION(Error, generateCorpus({ 1, -1 }));
    }

    void corpusSaysWhatItMeans()
    {
        const std::vector<std::string> vocabulary = demoVocabulary();
        const std::set<std::string> known(vocabulary.begin(), vocabulary.end());
        QCOMPARE(known.size(), vocabulary.size());
        const std::set<std::string> singular { "dog", "cat", "bird", "horse", "teacher", "doctor", "farmer", "student", "king", "child" };
        const std::set<std::string> plural { "dogs", "cats", "birds", "horses", "teachers", "doctors", "farmers", "students", "kings", "children" };
        const std::set<std::string> singularVerbs { "runs", "sleeps", "sings", "waits", "laughs", "works", "smiles", "jumps", "is" };
        const std::set<std::string> pluralVerbs { "run", "sleep", "sing", "wait", "laugh", "work", "smile", "jump", "are" };
        const std::set<std::string> men { "john", "paul", "peter", "tom", "david", "james" };
        for (const CorpusSentence& s : generateCorpus({ 3, 3000 })) {
            const std::vector<std::string> w = words(s.text);
            for (const std::string& x : w) {
                QVERIFY2(known.count(x) == 1, (x + " in: " + s.text).c_str());
            }
            if (s.kind == "brackets") {
                std::vector<std::string> open;
                const std::map<std::string, std::string> closes { { ")", "(" }, { "]", "[" }, { "}", "{" } };
                for (const std::string& x : w) {
                    if (x == "(" || x == "[" || x == "{") {
                        open.push_back(x);
                    } else if (closes.count(x)) {
                        QVERIFY2(!open.empty() && open.back() == closes.at(x), s.text.c_str());
                        open.pop_back();
                    }
                }
                QVERIFY2(open.empty(), s.text.c_str());
            } else if (s.kind == "arithmetic") {
                QCOMPARE(w.size(), size_t { 6 });
                const int x = std::stoi(w[0]);
                const int y = std::stoi(w[2]);
                QCOMPARE(std::stoi(w[4]), w[1] == "plus" ? x + y : x - y);
                QVERIFY(w[1] == "plus" || x >= y);
            } else if (s.kind == "agreement") {
                // The head noun is the second word; the verb the first word after the subject.
                const bool many = plural.count(w[1]) == 1;
                QVERIFY2(many || singular.count(w[1]) == 1, s.text.c_str());
                const size_t verb = w[2] == "that" ? 6 : singularVerbs.count(w[2]) + pluralVerbs.count(w[2]) == 1 ? 2 : 5;
                QVERIFY2((many ? pluralVerbs : singularVerbs).count(w.at(verb)) == 1, s.text.c_str());
            } else if (s.kind == "pronoun" && w[0] != "when" && w[1] == "lost") {
                QCOMPARE(w[2], std::string(men.count(w[0]) ? "his" : "her"));
                QCOMPARE(w[6], std::string(men.count(w[0]) ? "he" : "she"));
            } else if (s.kind == "names" && w[1] == "and") {
                QCOMPARE(w[8], w[0]); // the first name again
                QCOMPARE(w[13], w[2]);
            }
        }
        // Probes: an attractor of the other number between subject and verb.
        for (const AgreementProbe& p : agreementProbes(5, 200)) {
            const std::vector<std::string> w = words(p.prefix);
            const bool many = plural.count(w[1]) == 1;
            QCOMPARE((many ? pluralVerbs : singularVerbs).count(p.right), size_t { 1 });
            QCOMPARE((many ? singularVerbs : pluralVerbs).count(p.wrong), size_t { 1 });
            bool attractor = false;
            for (size_t i = 2; i < w.size(); ++i) {
                attractor = attractor || (many ? singular : plural).count(w[i]) == 1;
            }
            QVERIFY2(attractor, p.prefix.c_str());
        }
    }

    void tokenizersReadTheCorpus()
    {
        QTemporaryDir dir;
        const std::string masked = dir.filePath(QStringLiteral("masked")).toStdString();
        const std::string causal = dir.filePath(QStringLiteral("causal")).toStdString();
        writeDemoTokenizer(masked, false);
        writeDemoTokenizer(causal, true);
        const auto m = loadTokenizer(masked);
        const auto c = loadTokenizer(causal);
        QCOMPARE(m->vocabSize(), static_cast<int64_t>(demoVocabulary().size() + 7));
        QCOMPARE(m->encode("The dog runs.").tokens, (std::vector<std::string> { "[CLS]", "the", "dog", "runs", ".", "[SEP]" }));
        QCOMPARE(c->encode("the dog runs .").tokens, (std::vector<std::string> { "[BOS]", "the", "dog", "runs", "." }));
        QCOMPARE(m->encode("the [MASK] runs").tokens, (std::vector<std::string> { "[CLS]", "the", "[MASK]", "runs", "[SEP]" }));
        QCOMPARE(*m->specialTokens().mask, int64_t { 4 });
        QCOMPARE(*c->specialTokens().bos, int64_t { 5 });
        QVERIFY(!c->specialTokens().mask);
        QCOMPARE(m->encode("( a [ b ] )").tokens.size(), size_t { 8 });
        const int64_t unk = *m->specialTokens().unk;
        for (const CorpusSentence& s : generateCorpus({ 4, 600 })) {
            const Encoding e = c->encode(s.text);
            QCOMPARE(e.size(), words(s.text).size() + 1);
            QVERIFY2(std::find(e.ids.begin(), e.ids.end(), unk) == e.ids.end(), s.text.c_str());
        }
        QCOMPARE(m->encode("zebra").tokens.at(1), std::string("[UNK]"));
    }

    // The bundled models: small, trained, and right about agreement.
    void bundledModelsLearned()
    {
        const nlohmann::json manifest = nlohmann::json::parse(readAll(bundled("demo-models.json")));
        QCOMPARE(manifest.at("format").get<std::string>(), std::string("lumen-demo-models-1"));
        const auto seed = manifest.at("seed").get<uint64_t>();
        std::vector<std::string> held;
        for (const CorpusSentence& s : generateCorpus({ heldOutSeed(seed), 120 })) {
            held.push_back(s.text);
        }
        const std::vector<AgreementProbe> probes = agreementProbes(heldOutSeed(seed), 200);
        QTemporaryDir dir;
        QCOMPARE(manifest.at("models").size(), demoModelSpecs().size());
        for (const DemoModelSpec& spec : demoModelSpecs()) {
            const std::string folder = bundled(spec.name);
            int64_t bytes = 0;
            for (const auto& entry : fs::directory_iterator(folder)) {
                bytes += static_cast<int64_t>(entry.file_size());
            }
            QVERIFY2(bytes < 5 * 1000 * 1000, (spec.name + " is " + std::to_string(bytes) + " bytes").c_str());
            const std::unique_ptr<Model> model = Model::load(folder);
            QCOMPARE(model->info().isCausal, spec.causal);
            const std::string untrainedDir = dir.filePath(QString::fromStdString(spec.name)).toStdString();
            createRandomModel(folder + "/config.json", untrainedDir, 99);
            const std::unique_ptr<Model> untrained = Model::load(untrainedDir);
            const double before = heldOutLoss(*untrained, held);
            const double after = heldOutLoss(*model, held);
            qInfo("%s: held-out loss %.3f (untrained %.3f), agreement %.1f %%", spec.name.c_str(), after, before,
                100.0 * agreementAccuracy(*model, probes));
            QVERIFY2(after < 0.5 * before, (spec.name + ": " + std::to_string(after) + " vs " + std::to_string(before)).c_str());
            // Masked: the verb filled in; causal: the next word after the subject phrase.
            const double agreement = agreementAccuracy(*model, probes);
            QVERIFY2(agreement >= 0.8, (spec.name + ": " + std::to_string(agreement)).c_str());
            QVERIFY(agreementAccuracy(*untrained, probes) < 0.7);
        }
    }

    // A quick build (a few steps): the same seed gives the same weights; a wrong name is
    // refused; cancelling returns what was done.
    void buildIsReproducible()
    {
        QTemporaryDir dir;
        DemoBuildConfig config;
        config.seed = 5;
        config.corpusSentences = 400;
        config.stepScale = 0.002; // 6 steps
        config.only = { "lstm" };
        config.device = "cpu";
        config.outDir = dir.filePath(QStringLiteral("a")).toStdString();
        std::vector<std::string> lines;
        const std::vector<DemoModelReport> a = buildDemoModels(config, {}, [&lines](const std::string& l) { lines.push_back(l); });
        config.outDir = dir.filePath(QStringLiteral("b")).toStdString();
        const std::vector<DemoModelReport> b = buildDemoModels(config);
        QCOMPARE(a.size(), size_t { 1 });
        QCOMPARE(a[0].steps, int64_t { 6 });
        QVERIFY(a[0].heldOutLoss < a[0].untrainedLoss);
        QCOMPARE(a[0].heldOutLoss, b[0].heldOutLoss);
        QVERIFY(readAll(fs::path(a[0].dir) / "model.safetensors") == readAll(fs::path(b[0].dir) / "model.safetensors"));
        QVERIFY(!lines.empty() && lines.front().rfind("corpus: 400 sentences", 0) == 0);
        QVERIFY(!fs::exists(fs::path(dir.filePath(QStringLiteral("a")).toStdString()) / ".work"));
        const nlohmann::json manifest = nlohmann::json::parse(readAll(fs::path(dir.filePath(QStringLiteral("a")).toStdString()) / "demo-models.json"));
        QCOMPARE(manifest.at("models").size(), size_t { 1 });
        QCOMPARE(manifest.at("models").at(0).at("name").get<std::string>(), std::string("lstm"));
        // The same model whichever others are built with it.
        config.only = { "wavenet", "lstm" };
        config.outDir = dir.filePath(QStringLiteral("c")).toStdString();
        const std::vector<DemoModelReport> c = buildDemoModels(config);
        QCOMPARE(c.size(), size_t { 2 });
        QVERIFY(readAll(fs::path(a[0].dir) / "model.safetensors") == readAll(fs::path(c[1].dir) / "model.safetensors"));
        config.only = { "gpt4" };
        QVERIFY_THROWS_EXCEPTION(Error, buildDemoModels(config));
        config.only = { "lstm", "wavenet" };
        std::atomic<bool> cancel { true };
        RunControl control;
        control.cancel = &cancel;
        QVERIFY(buildDemoModels(config, control).empty());
    }
};

QTEST_GUILESS_MAIN(TestDemoModels)
#include "tst_demo_models.moc"
