// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// T5 against the reference: every forward, batch, long (encoder-only) and greedy-generation
// record of the `t5` (relu, tied head; safetensors and pytorch_model.bin) and `t5-gated`
// (gated-gelu, untied head) cases, parameter counts, and `lumen-cli forward --target`.
#include "conformance.h"
#include "tensor_compare.h"

#include "generate/seq2seq_greedy.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace lumen;
using namespace lumen::engine;
using lumen::test::expected;
using lumen::test::jsonToFloat;
using lumen::test::jsonToInts;
using lumen::test::squeezeFirst;
using lumen::test::copyFolder;
using lumen::test::topK;

namespace {

IntTensor intMatrix(const nlohmann::json& rows)
{
    IntTensor t;
    const bool nested = rows.at(0).is_array();
    const nlohmann::json all = nested ? rows : nlohmann::json::array({ rows });
    t.shape = { static_cast<int64_t>(all.size()), static_cast<int64_t>(all.at(0).size()) };
    for (const auto& row : all) {
        const auto values = jsonToInts(row);
        t.data.insert(t.data.end(), values.begin(), values.end());
    }
    return t;
}

// The record's ids, not the tokenizer's, so the numbers do not depend on tokenisation.
ModelInput inputFromRecord(const nlohmann::json& r)
{
    ModelInput in;
    in.inputIds = intMatrix(r["input_ids"]);
    if (r.contains("attention_mask")) {
        in.attentionMask = intMatrix(r["attention_mask"]);
    }
    if (r.contains("decoder_input_ids")) {
        in.decoderInputIds = intMatrix(r["decoder_input_ids"]);
    }
    return in;
}

FloatTensor maybeSqueeze(const FloatTensor& t, bool batched)
{
    return batched ? t : squeezeFirst(t);
}

int64_t argmaxLast(const FloatTensor& logits)
{
    const int64_t vocab = logits.shape.back();
    const int64_t seq = logits.shape[logits.shape.size() - 2];
    const float* row = logits.data.data() + (seq - 1) * vocab;
    return std::max_element(row, row + vocab) - row;
}

template<typename F> bool throwsError(F&& f)
{
    try {
        f();
    } catch (const Error&) {
        return true;
    }
    return false;
}

} // namespace

class TestT5 : public QObject {
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

    static void checkOutputs(const ForwardResult& out, const nlohmann::json& r, bool batched)
    {
        LUMEN_COMPARE_HIDDEN(maybeSqueeze(out.lastHiddenState, batched),
            jsonToFloat(r["encoder_last_hidden_state"]));
        const std::pair<const std::vector<FloatTensor>*, const char*> lists[] = {
            { &out.trace.hiddenStates, "encoder_hidden_states" },
            { &out.trace.decoderHiddenStates, "decoder_hidden_states" },
            { &out.trace.attentions, "encoder_attentions" },
            { &out.trace.decoderAttentions, "decoder_attentions" },
            { &out.trace.crossAttentions, "cross_attentions" },
        };
        for (const auto& [list, key] : lists) {
            const bool attention = std::string(key).find("attentions") != std::string::npos;
            QCOMPARE(list->size(), r[key].size());
            for (size_t i = 0; i < list->size(); ++i) {
                const FloatTensor actual = maybeSqueeze((*list)[i], batched);
                const FloatTensor reference = jsonToFloat(r[key][i]);
                if (attention) {
                    LUMEN_COMPARE_ATTENTION(actual, reference);
                } else {
                    LUMEN_COMPARE_HIDDEN(actual, reference);
                }
            }
        }
        LUMEN_COMPARE_HIDDEN(maybeSqueeze(out.logits, batched), jsonToFloat(r["logits"]));
    }

private Q_SLOTS:
    void forward_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("record");
        for (const char* name : { "t5", "t5-gated" }) {
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
        const auto& r = expected(name)["forward"][static_cast<size_t>(record)];
        Model& m = model(name);
        QVERIFY(m.info().isEncoderDecoder);
        const ForwardResult out = m.forward(inputFromRecord(r), TraceRequest { true, true });
        QCOMPARE(out.trace.hiddenStates.size(), size_t(3));
        checkOutputs(out, r, false);
    }

    void prepareFromText_data() { forward_data(); }

    void prepareFromText()
    {
        QFETCH(QString, caseName);
        QFETCH(int, record);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["forward"][static_cast<size_t>(record)];
        Model& m = model(name);
        const ModelInput in = m.prepareSeq2Seq(
            { r["text"].get<std::string>() }, { r["decoder_target_text"].get<std::string>() });
        QCOMPARE(in.inputIds.data, jsonToInts(r["input_ids"]));
        QCOMPARE(in.decoderInputIds.data, jsonToInts(r["decoder_input_ids"]));
        QCOMPARE(in.decoderInputIds.shape,
            (std::vector<int64_t> { 1, static_cast<int64_t>(r["decoder_input_ids"].size()) }));
        const ForwardResult out = m.forward(in, TraceRequest { true, true });
        checkOutputs(out, r, false);
    }

    void batch()
    {
        for (const char* name : { "t5", "t5-gated" }) {
            const auto& r = expected(name)["batch"];
            Model& m = model(name);
            const ForwardResult out = m.forward(inputFromRecord(r), TraceRequest { true, true });
            checkOutputs(out, r, true);

            // The same batch from the texts: right padding with <pad>, one target for both.
            const ModelInput in = m.prepareSeq2Seq(r["text"].get<std::vector<std::string>>(),
                { r["decoder_target_text"].get<std::string>() });
            QCOMPARE(in.inputIds.data, intMatrix(r["input_ids"]).data);
            QCOMPARE(in.attentionMask.data, intMatrix(r["attention_mask"]).data);
            QCOMPARE(in.decoderInputIds.data, intMatrix(r["decoder_input_ids"]).data);
        }
    }

    void longEncoderOnly()
    {
        for (const char* name : { "t5", "t5-gated" }) {
            const auto& r = expected(name)["long_forward"];
            const ForwardResult out = model(name).forward(inputFromRecord(r));
            QVERIFY(out.logits.empty());
            LUMEN_COMPARE_HIDDEN(
                squeezeFirst(out.lastHiddenState), jsonToFloat(r["encoder_last_hidden_state"]));
        }
    }

    // Greedy decoding by full forwards, which the reference checked equals its cached
    // generate() (same_as_manual_full_forward_greedy_loop).
    void greedyGeneration()
    {
        for (const char* name : { "t5", "t5-gated" }) {
            const auto& g = expected(name)["generation"];
            QVERIFY(g["same_as_manual_full_forward_greedy_loop"].get<bool>());
            Model& m = model(name);
            ModelInput in;
            in.inputIds = intMatrix(g["prompt_ids"]);
            std::vector<int64_t> sequence { jsonToInts(g["sequence"]).front() };
            const auto steps = g["new_token_ids"].size();
            for (size_t step = 0; step < steps; ++step) {
                in.decoderInputIds.shape = { 1, static_cast<int64_t>(sequence.size()) };
                in.decoderInputIds.data = sequence;
                sequence.push_back(argmaxLast(m.forward(in).logits));
            }
            QCOMPARE(sequence, jsonToInts(g["sequence"]));

            // The engine's seq2seq greedy decoder (encoder once), with the reference's
            // generation_config (eos 1, pad 0) and its per-step top-5 scores.
            GreedyConfig config;
            config.maxNewTokens = static_cast<int64_t>(steps);
            config.eosTokenId = 1;
            config.padTokenId = 0;
            const GreedyResult r = seq2seqGreedyGenerate(m, in, config);
            QCOMPARE(r.sequences.size(), size_t(1));
            QCOMPARE(r.sequences[0], jsonToInts(g["sequence"]));
            QCOMPARE(r.newTokenIds[0], jsonToInts(g["new_token_ids"]));
            QCOMPARE(r.steps[0].size(), steps);
            for (size_t step = 0; step < steps; ++step) {
                const auto& ref = g["step_scores_top5"][step];
                QCOMPARE(r.steps[0][step].topIds, jsonToInts(ref["top5_ids"]));
                FloatTensor scores;
                scores.shape = { 5 };
                scores.data = r.steps[0][step].topScores;
                LUMEN_COMPARE_HIDDEN(scores, jsonToFloat(ref["top5_scores"]));
            }
        }
        // A batch of two prompts (right-padded) decodes each row as it would alone.
        Model& m = model("t5-gated");
        const ModelInput both = m.prepare(
            { "Hello, world!", expected("t5-gated")["generation"]["prompt"].get<std::string>() });
        GreedyConfig config;
        config.maxNewTokens = 8;
        config.eosTokenId = 1;
        const GreedyResult batched = seq2seqGreedyGenerate(m, both, config);
        QCOMPARE(batched.sequences.size(), size_t(2));
        QCOMPARE(batched.sequences[1], jsonToInts(expected("t5-gated")["generation"]["sequence"]));
        QVERIFY(throwsError([&] { seq2seqGreedyGenerate(model("t5"), ModelInput {}, config); }));
    }

    void parameterCounts()
    {
        for (const char* name : { "t5", "t5-gated" }) {
            std::ifstream file(test::conformanceDir(name) + "/state_dict_manifest.json");
            const auto manifest = nlohmann::json::parse(file);
            int64_t unique = 0;
            for (const auto& [key, t] : manifest["tensors"].items()) {
                if (!t.contains("tied_to")) {
                    int64_t n = 1;
                    for (const auto& d : t["shape"]) {
                        n *= d.get<int64_t>();
                    }
                    unique += n;
                }
            }
            const ModelInfo& info = model(name).info();
            QCOMPARE(info.parameterCount, unique);
            QCOMPARE(info.modelType, std::string("t5"));
            QCOMPARE(info.architecture, std::string("T5ForConditionalGeneration"));
            for (const auto& w : info.warnings) {
                QVERIFY2(w.kind != "unexpected-key", w.detail.c_str());
            }
        }
    }

    void pytorchBin()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string dir = tmp.path().toStdString() + "/t5";
        copyFolder(test::conformanceDir("t5"), dir);
        fs::remove(fs::path(dir) / "model.safetensors");
        auto m = Model::load(dir);
        QCOMPARE(m->info().weightsFile, std::string("pytorch_model.bin"));
        for (const auto& w : m->info().warnings) {
            QVERIFY2(
                w.kind != "unexpected-key" && w.kind != "tied-weight-differs", w.detail.c_str());
        }
        QCOMPARE(m->info().parameterCount, model("t5").info().parameterCount);
        const auto& r = expected("t5")["forward"][0];
        const ForwardResult out = m->forward(inputFromRecord(r), TraceRequest { true, true });
        checkOutputs(out, r, false);
    }

    void cliForwardTarget()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const auto& r = expected("t5")["forward"][0];
        const QString out = tmp.filePath(QStringLiteral("t5.safetensors"));
        const QString dir = QString::fromStdString(test::conformanceDir("t5"));
        QProcess cli;
        cli.start(QStringLiteral(LUMEN_CLI_PATH),
            { QStringLiteral("forward"), dir, QStringLiteral("--text"),
                QString::fromStdString(r["text"].get<std::string>()), QStringLiteral("--target"),
                QString::fromStdString(r["decoder_target_text"].get<std::string>()),
                QStringLiteral("--out"), out });
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        const SafetensorsFile file = SafetensorsFile::open(out.toStdString());
        std::set<std::string> names;
        for (const auto& t : file.tensors()) {
            names.insert(t.name);
        }
        std::set<std::string> wanted { "encoder_last_hidden_state", "logits", "input_ids",
            "attention_mask", "token_type_ids", "decoder_input_ids", "decoder_attention_mask" };
        for (const char* list : { "encoder_hidden_states", "decoder_hidden_states" }) {
            for (size_t i = 0; i < r[list].size(); ++i) {
                wanted.insert(std::string(list) + "." + std::to_string(i));
            }
        }
        for (const char* list :
            { "encoder_attentions", "decoder_attentions", "cross_attentions" }) {
            for (size_t i = 0; i < r[list].size(); ++i) {
                wanted.insert(std::string(list) + "." + std::to_string(i));
            }
        }
        QCOMPARE(names, wanted);
        LUMEN_COMPARE_HIDDEN(squeezeFirst(file.readFloat("logits")), jsonToFloat(r["logits"]));
        LUMEN_COMPARE_ATTENTION(squeezeFirst(file.readFloat("cross_attentions.1")),
            jsonToFloat(r["cross_attentions"][1]));
        LUMEN_COMPARE_HIDDEN(squeezeFirst(file.readFloat("decoder_hidden_states.2")),
            jsonToFloat(r["decoder_hidden_states"][2]));

        // An encoder-decoder model without --target is a usage error.
        QProcess noTarget;
        noTarget.start(QStringLiteral(LUMEN_CLI_PATH),
            { QStringLiteral("forward"), dir, QStringLiteral("--text"), QStringLiteral("Hello"),
                QStringLiteral("--out"), out });
        QVERIFY(noTarget.waitForFinished(120000));
        QCOMPARE(noTarget.exitCode(), 2);
        QVERIFY(noTarget.readAllStandardError().contains("--target"));
    }

    void errors()
    {
        Model& m = model("t5");
        QVERIFY(throwsError([&] { m.prepareSeq2Seq({ "a b" }, {}); }));
        QVERIFY(throwsError([&] { m.prepareSeq2Seq({ "a b" }, { "  " }); }));
        QVERIFY(throwsError([&] { m.prepareSeq2Seq({ "a", "b", "c" }, { "x", "y" }); }));
        ModelInput in = inputFromRecord(expected("t5")["forward"][0]);
        in.decoderInputIds.data[0] = 100000;
        QVERIFY(throwsError([&] { m.forward(in); }));
        in.decoderInputIds.shape = { 2, 1 };
        QVERIFY(throwsError([&] { m.forward(in); }));
    }
};

QTEST_GUILESS_MAIN(TestT5)
#include "tst_t5.moc"
