// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// BERT against the reference: every conformance record of the `bert` (BertForPreTraining,
// safetensors and pytorch_model.bin) and `bert-cased` (BertForMaskedLM) cases.
#include "conformance.h"
#include "tensor_compare.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;
using namespace lumen;
using namespace lumen::engine;
using lumen::test::expected;
using lumen::test::jsonToFloat;
using lumen::test::jsonToInts;
using lumen::test::slice;
using lumen::test::squeezeFirst;
using lumen::test::copyFolder;
using lumen::test::topK;

namespace {

std::string loadError(const std::string& dir)
{
    try {
        Model::load(dir);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class TestBert : public QObject {
    Q_OBJECT

private:
    std::map<std::string, std::unique_ptr<Model>> models_;
    Model& model(const std::string& name)
    {
        auto& slot = models_[name];
        if (!slot) {
            slot = Model::load(test::conformanceDir(name));
        }
        return *slot;
    }

    void checkForwardRecord(Model& m, const nlohmann::json& r)
    {
        const ModelInput in = m.prepare({r["text"].get<std::string>()});
        QCOMPARE(in.inputIds.data, jsonToInts(r["input_ids"]));
        QCOMPARE(in.tokenTypeIds.data, jsonToInts(r["token_type_ids"]));
        QCOMPARE(in.tokens.front(), r["tokens"].get<std::vector<std::string>>());
        const ForwardResult out = m.forward(in, TraceRequest{true, true});

        LUMEN_COMPARE_HIDDEN(squeezeFirst(out.lastHiddenState), jsonToFloat(r["last_hidden_state"]));
        if (r.contains("pooler_output")) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.poolerOutput), jsonToFloat(r["pooler_output"]));
        } else {
            QVERIFY(out.poolerOutput.empty());
        }
        QCOMPARE(out.trace.hiddenStates.size(), r["hidden_states"].size());
        for (size_t i = 0; i < out.trace.hiddenStates.size(); ++i) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.trace.hiddenStates[i]),
                                 jsonToFloat(r["hidden_states"][i]));
        }
        QCOMPARE(out.trace.attentions.size(), r["attentions"].size());
        for (size_t i = 0; i < out.trace.attentions.size(); ++i) {
            LUMEN_COMPARE_ATTENTION(squeezeFirst(out.trace.attentions[i]),
                                    jsonToFloat(r["attentions"][i]));
        }
        LUMEN_COMPARE_HIDDEN(squeezeFirst(out.logits), jsonToFloat(r["logits"]));
        if (r.contains("seq_relationship_logits")) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.seqRelationshipLogits),
                                 jsonToFloat(r["seq_relationship_logits"]));
        }
        if (r.contains("top5_at_mask")) {
            for (const auto& top : r["top5_at_mask"]) {
                QCOMPARE(topK(out.logits, top["position"].get<int64_t>(), 5), jsonToInts(top["ids"]));
            }
        }
    }

private Q_SLOTS:
    void forward_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("record");
        for (const char* name : {"bert", "bert-cased"}) {
            const auto& records = expected(name)["forward"];
            for (size_t i = 0; i < records.size(); ++i) {
                const std::string label =
                    std::string(name) + "/" + records[i]["name"].get<std::string>();
                QTest::newRow(label.c_str()) << QString::fromLatin1(name) << static_cast<int>(i);
            }
        }
    }

    void forward()
    {
        QFETCH(QString, caseName);
        QFETCH(int, record);
        const std::string name = caseName.toStdString();
        checkForwardRecord(model(name), expected(name)["forward"][static_cast<size_t>(record)]);
    }

    void pairForward()
    {
        for (const char* name : {"bert", "bert-cased"}) {
            const auto& e = expected(name);
            if (!e.contains("pair_forward")) {
                continue;
            }
            const auto& r = e["pair_forward"];
            Model& m = model(name);
            const ModelInput in = m.preparePair(r["text"], r["text_pair"]);
            QCOMPARE(in.inputIds.data, jsonToInts(r["input_ids"]));
            QCOMPARE(in.tokenTypeIds.data, jsonToInts(r["token_type_ids"]));
            const ForwardResult out = m.forward(in);
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.lastHiddenState),
                                 jsonToFloat(r["last_hidden_state"]));
            if (r.contains("pooler_output")) {
                LUMEN_COMPARE_HIDDEN(squeezeFirst(out.poolerOutput), jsonToFloat(r["pooler_output"]));
            }
            if (r.contains("seq_relationship_logits")) {
                LUMEN_COMPARE_HIDDEN(squeezeFirst(out.seqRelationshipLogits),
                                     jsonToFloat(r["seq_relationship_logits"]));
            }
        }
    }

    // Two texts padded on the right: compare real positions only (README).
    void batch()
    {
        for (const char* name : {"bert", "bert-cased"}) {
            const auto& r = expected(name)["batch"];
            Model& m = model(name);
            const ModelInput in = m.prepare(r["text"].get<std::vector<std::string>>());
            std::vector<int64_t> ids, mask;
            for (const auto& row : r["input_ids"]) {
                const auto v = jsonToInts(row);
                ids.insert(ids.end(), v.begin(), v.end());
            }
            for (const auto& row : r["attention_mask"]) {
                const auto v = jsonToInts(row);
                mask.insert(mask.end(), v.begin(), v.end());
            }
            QCOMPARE(in.inputIds.data, ids);
            QCOMPARE(in.attentionMask.data, mask);
            const ForwardResult out = m.forward(in, TraceRequest{true, true});
            const int64_t seq = in.seqLen();
            for (int64_t b = 0; b < in.batchSize(); ++b) {
                const int64_t n = std::accumulate(mask.begin() + b * seq,
                                                  mask.begin() + (b + 1) * seq, int64_t{0});
                const std::vector<std::pair<int64_t, int64_t>> rows{{b, b + 1}, {0, n}};
                LUMEN_COMPARE_HIDDEN(slice(out.lastHiddenState, rows),
                                     slice(jsonToFloat(r["last_hidden_state"]), rows));
                LUMEN_COMPARE_HIDDEN(slice(out.logits, rows), slice(jsonToFloat(r["logits"]), rows));
                for (size_t l = 0; l < out.trace.hiddenStates.size(); ++l) {
                    LUMEN_COMPARE_HIDDEN(slice(out.trace.hiddenStates[l], rows),
                                         slice(jsonToFloat(r["hidden_states"][l]), rows));
                }
                // [batch, heads, query, key]: real queries, every key (pads get exactly 0).
                const int64_t heads = out.trace.attentions.front().shape[1];
                const std::vector<std::pair<int64_t, int64_t>> att{{b, b + 1}, {0, heads}, {0, n}};
                for (size_t l = 0; l < out.trace.attentions.size(); ++l) {
                    LUMEN_COMPARE_ATTENTION(slice(out.trace.attentions[l], att),
                                            slice(jsonToFloat(r["attentions"][l]), att));
                }
                if (r.contains("pooler_output")) {
                    LUMEN_COMPARE_HIDDEN(slice(out.poolerOutput, {{b, b + 1}}),
                                         slice(jsonToFloat(r["pooler_output"]), {{b, b + 1}}));
                }
                if (r.contains("seq_relationship_logits")) {
                    LUMEN_COMPARE_HIDDEN(
                        slice(out.seqRelationshipLogits, {{b, b + 1}}),
                        slice(jsonToFloat(r["seq_relationship_logits"]), {{b, b + 1}}));
                }
            }
        }
    }

    // The long text is cut to the tokenizer's model_max_length (64).
    void longForward()
    {
        for (const char* name : {"bert", "bert-cased"}) {
            const auto& r = expected(name)["long_forward"];
            Model& m = model(name);
            const ModelInput in = m.prepare({r["text"].get<std::string>()});
            QCOMPARE(in.inputIds.data, jsonToInts(r["input_ids"]));
            QVERIFY(in.encodings.front().truncated);
            const ForwardResult out = m.forward(in);
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.lastHiddenState),
                                 jsonToFloat(r["last_hidden_state"]));
            if (r.contains("pooler_output")) {
                LUMEN_COMPARE_HIDDEN(squeezeFirst(out.poolerOutput), jsonToFloat(r["pooler_output"]));
            }
            const int64_t last = in.seqLen() - 1;
            LUMEN_COMPARE_HIDDEN(squeezeFirst(squeezeFirst(slice(out.logits, {{0, 1}, {last, last + 1}}))),
                                 jsonToFloat(r["logits_last_position"]));
            QCOMPARE(topK(out.logits, last, 5), jsonToInts(r["top5_last_position"]["ids"]));
        }
    }

    // pytorch_model.bin (the full state dict, tied copies included) gives the same model.
    void torchBinCheckpoint()
    {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString() + "/bert-bin";
        copyFolder(test::conformanceDir("bert"), folder);
        fs::remove(fs::path(folder) / "model.safetensors");
        auto m = Model::load(folder);
        QCOMPARE(m->info().weightsFile, std::string("pytorch_model.bin"));
        QVERIFY2(m->info().warnings.empty(), m->info().warnings.empty()
                                                 ? ""
                                                 : m->info().warnings.front().detail.c_str());
        checkForwardRecord(*m, expected("bert")["forward"][0]);
    }

    // Unique parameters: every manifest tensor except tied copies.
    void info()
    {
        for (const char* name : {"bert", "bert-cased"}) {
            std::ifstream in(test::conformanceDir(name) + "/state_dict_manifest.json");
            const auto manifest = nlohmann::json::parse(in)["tensors"];
            int64_t count = 0;
            for (const auto& [key, t] : manifest.items()) {
                if (!t.contains("tied_to")) {
                    int64_t n = 1;
                    for (int64_t d : t["shape"]) {
                        n *= d;
                    }
                    count += n;
                }
            }
            const ModelInfo& info = model(name).info();
            QCOMPARE(info.parameterCount, count);
            // Components partition the parameters: BERT's embeddings, encoder, pooler, heads.
            int64_t sum = 0;
            std::vector<std::string> names;
            for (const auto& [component, n] : info.componentParameters) {
                names.push_back(component);
                sum += n;
            }
            QCOMPARE(sum, count);
            QCOMPARE(names.front(), std::string("embeddings"));
            QCOMPARE(names.at(1), std::string("encoder"));
            QCOMPARE(names.back(), std::string("cls"));
            const auto& config = expected(name)["config"];
            QCOMPARE(info.architecture, expected(name)["model_class"].get<std::string>());
            QCOMPARE(info.hiddenSize, config["hidden_size"].get<int64_t>());
            QCOMPARE(info.numLayers, config["num_hidden_layers"].get<int64_t>());
            QCOMPARE(info.numHeads, config["num_attention_heads"].get<int64_t>());
            QCOMPARE(info.vocabSize, config["vocab_size"].get<int64_t>());
            QCOMPARE(info.device, std::string("cpu"));
            QVERIFY(info.warnings.empty());
        }
    }

    void badInput()
    {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        QCOMPARE(loadError(root + "/nothing-here"),
                 "model folder " + root + "/nothing-here does not exist. Choose a folder that "
                 "holds a Hugging Face checkpoint (config.json and model weights).");

        fs::create_directories(root + "/empty");
        QCOMPARE(loadError(root + "/empty"),
                 root + "/empty has no config.json, so it is not a Hugging Face model folder. "
                 "Choose the folder that holds config.json and the model weights.");

        const std::string unknown = root + "/unknown";
        copyFolder(test::conformanceDir("bert"), unknown);
        {
            std::ofstream(unknown + "/config.json") << R"({"model_type": "flubber"})";
        }
        QVERIFY(loadError(unknown).rfind(unknown + "/config.json: model_type \"flubber\" is not "
                                                   "an architecture Lumen can load (it loads: bert",
                                         0) == 0);

        const std::string malformed = root + "/malformed";
        copyFolder(test::conformanceDir("bert"), malformed);
        {
            std::ofstream(malformed + "/config.json") << "{\"model_type\": \"bert\",\n  oops";
        }
        QVERIFY(loadError(malformed).rfind(malformed + "/config.json is not valid JSON (line 2", 0) == 0);

        const std::string truncated = root + "/truncated";
        copyFolder(test::conformanceDir("bert"), truncated);
        fs::resize_file(truncated + "/model.safetensors", 200000);
        const std::string message = loadError(truncated);
        QVERIFY2(message.find(truncated + "/model.safetensors") != std::string::npos, message.c_str());

        const std::string noWeights = root + "/noweights";
        copyFolder(test::conformanceDir("bert"), noWeights);
        fs::remove(noWeights + "/model.safetensors");
        fs::remove(noWeights + "/pytorch_model.bin");
        QVERIFY(loadError(noWeights).rfind(noWeights + " has no model weights", 0) == 0);

        Model& m = model("bert");
        try {
            m.prepare({"   "});
            QFAIL("an empty text was accepted");
        } catch (const Error& e) {
            QCOMPARE(std::string(e.what()),
                     std::string("the text is empty. Type a sentence to run the model on."));
            QCOMPARE(e.kind(), ErrorKind::InvalidInput);
        }
        ModelInput bad = m.prepare({"hello"});
        bad.inputIds.data[1] = 100000;
        QVERIFY_THROWS_EXCEPTION(Error, m.forward(bad));
    }

    // Cancel is polled between layers: the pass stops, says so, and returns no tensors.
    void cancelBetweenLayers()
    {
        Model& m = model("bert");
        std::atomic<bool> cancel{false};
        std::vector<double> fractions;
        RunControl control;
        control.cancel = &cancel;
        control.progress = [&](double fraction, const std::string&) {
            fractions.push_back(fraction);
            if (fractions.size() == 3) {
                cancel = true; // after layer 1 has started
            }
        };
        const ForwardResult out = m.forward(m.prepare({"hello world"}), TraceRequest{true, true},
                                            control);
        QCOMPARE(out.status, JobStatus::Cancelled);
        QVERIFY(out.lastHiddenState.empty());
        QVERIFY(out.trace.attentions.empty());
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));

        cancel = false;
        fractions.clear();
        control.progress = [&](double fraction, const std::string&) { fractions.push_back(fraction); };
        const ForwardResult done = m.forward(m.prepare({"hello world"}), {}, control);
        QCOMPARE(done.status, JobStatus::Completed);
        QVERIFY(!done.lastHiddenState.empty());
        QCOMPARE(fractions.back(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    }

    // A random model written by createRandomModel loads back, and the seed decides it.
    void randomModel()
    {
        QTemporaryDir tmp;
        const std::string config = test::conformanceDir("bert") + "/config.json";
        const std::string a = tmp.path().toStdString() + "/a";
        const std::string b = tmp.path().toStdString() + "/b";
        const std::string c = tmp.path().toStdString() + "/c";
        const int64_t count = createRandomModel(config, a, 7);
        createRandomModel(config, b, 7);
        createRandomModel(config, c, 8);
        auto read = [](const std::string& p) {
            std::ifstream in(p, std::ios::binary);
            return std::string(std::istreambuf_iterator<char>(in), {});
        };
        QCOMPARE(read(a + "/model.safetensors"), read(b + "/model.safetensors"));
        QVERIFY(read(a + "/model.safetensors") != read(c + "/model.safetensors"));
        QVERIFY(fs::exists(a + "/vocab.txt"));
        auto m = Model::load(a);
        QCOMPARE(m->info().parameterCount, count);
        QCOMPARE(m->info().parameterCount, model("bert").info().parameterCount);
        const ForwardResult out = m->forward(m->prepare({"hello world"}), TraceRequest{true, false});
        // Attention rows are probability distributions.
        const FloatTensor& att = out.trace.attentions.front();
        const int64_t keys = att.shape.back();
        for (int64_t row = 0; row < att.numel() / keys; ++row) {
            float sum = 0;
            for (int64_t k = 0; k < keys; ++k) {
                sum += att.data[static_cast<size_t>(row * keys + k)];
            }
            QVERIFY(std::fabs(sum - 1.0f) < 1e-5f);
        }
    }
};

QTEST_GUILESS_MAIN(TestBert)
#include "tst_bert.moc"
