// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// RoBERTa, DistilBERT, ELECTRA (discriminator and generator) and ALBERT against the
// reference: every forward, pair_forward, batch and long_forward record of their conformance
// cases. "ids" rows feed the reference's own input ids, so the numbers do not depend on the
// tokenizer; "text" rows go through Model::prepare and also check the ids and tokens.
#include "conformance.h"
#include "tensor_compare.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
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

const std::vector<std::string> kCases = { "roberta", "distilbert", "electra", "electra-generator",
    "albert" };

// Flattens a list (one text) or a list of lists (a batch) of ints.
IntTensor intMatrix(const nlohmann::json& j)
{
    IntTensor t;
    if (j.empty() || !j.front().is_array()) {
        t.shape = { 1, static_cast<int64_t>(j.size()) };
        t.data = jsonToInts(j);
        return t;
    }
    t.shape = { static_cast<int64_t>(j.size()), static_cast<int64_t>(j.front().size()) };
    for (const auto& row : j) {
        const auto v = jsonToInts(row);
        t.data.insert(t.data.end(), v.begin(), v.end());
    }
    return t;
}

// The reference's own inputs; token types are zeros where the reference passed none.
ModelInput inputFromRecord(const nlohmann::json& r)
{
    ModelInput in;
    in.inputIds = intMatrix(r["input_ids"]);
    if (r.contains("attention_mask")) {
        in.attentionMask = intMatrix(r["attention_mask"]);
    } else {
        in.attentionMask.shape = in.inputIds.shape;
        in.attentionMask.data.assign(in.inputIds.data.size(), 1);
    }
    if (r.contains("token_type_ids")) {
        in.tokenTypeIds = intMatrix(r["token_type_ids"]);
    } else {
        in.tokenTypeIds.shape = in.inputIds.shape;
        in.tokenTypeIds.data.assign(in.inputIds.data.size(), 0);
    }
    return in;
}

const nlohmann::json& recordOf(const std::string& name, const std::string& kind, int index)
{
    const auto& e = expected(name)[kind];
    return kind == "forward" ? e[static_cast<size_t>(index)] : e;
}

// SOP for ALBERT, NSP for BERT-style pre-training heads.
const char* relationshipKey(const nlohmann::json& r)
{
    return r.contains("sop_logits")             ? "sop_logits"
        : r.contains("seq_relationship_logits") ? "seq_relationship_logits"
                                                : nullptr;
}

int64_t manifestCount(const nlohmann::json& tensors, const std::string& prefix = {})
{
    int64_t count = 0;
    for (const auto& [key, t] : tensors.items()) {
        if (t.contains("tied_to") || key.rfind(prefix, 0) != 0) {
            continue;
        }
        int64_t n = 1;
        for (int64_t d : t["shape"]) {
            n *= d;
        }
        count += n;
    }
    return count;
}

nlohmann::json manifest(const std::string& name)
{
    std::ifstream in(test::conformanceDir(name) + "/state_dict_manifest.json");
    return nlohmann::json::parse(in)["tensors"];
}

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

class TestEncoders : public QObject {
    Q_OBJECT

private:
    std::map<std::string, std::unique_ptr<Model>> models_;

    // "ids" models load without a tokenizer, so they do not depend on one.
    Model& model(const std::string& name, bool withTokenizer)
    {
        auto& slot = models_[name + (withTokenizer ? "/text" : "/ids")];
        if (!slot) {
            LoadOptions options;
            options.loadTokenizer = withTokenizer;
            slot = Model::load(test::conformanceDir(name), options);
        }
        return *slot;
    }

    // One text (forward, pair_forward, long_forward): everything the record holds.
    static void checkSingle(const ForwardResult& out, const nlohmann::json& r)
    {
        LUMEN_COMPARE_HIDDEN(
            squeezeFirst(out.lastHiddenState), jsonToFloat(r["last_hidden_state"]));
        if (r.contains("pooler_output")) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.poolerOutput), jsonToFloat(r["pooler_output"]));
        } else {
            QVERIFY(out.poolerOutput.empty());
        }
        if (r.contains("hidden_states")) {
            QCOMPARE(out.trace.hiddenStates.size(), r["hidden_states"].size());
            for (size_t i = 0; i < out.trace.hiddenStates.size(); ++i) {
                LUMEN_COMPARE_HIDDEN(
                    squeezeFirst(out.trace.hiddenStates[i]), jsonToFloat(r["hidden_states"][i]));
            }
        }
        if (r.contains("attentions")) {
            QCOMPARE(out.trace.attentions.size(), r["attentions"].size());
            for (size_t i = 0; i < out.trace.attentions.size(); ++i) {
                LUMEN_COMPARE_ATTENTION(
                    squeezeFirst(out.trace.attentions[i]), jsonToFloat(r["attentions"][i]));
            }
        }
        if (r.contains("logits")) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.logits), jsonToFloat(r["logits"]));
        }
        if (const char* key = relationshipKey(r)) {
            LUMEN_COMPARE_HIDDEN(squeezeFirst(out.seqRelationshipLogits), jsonToFloat(r[key]));
        } else if (r.contains("hidden_states")) { // a full forward record: no such head
            QVERIFY(out.seqRelationshipLogits.empty());
        }
        if (r.contains("top5_at_mask")) {
            for (const auto& top : r["top5_at_mask"]) {
                QCOMPARE(
                    topK(out.logits, top["position"].get<int64_t>(), 5), jsonToInts(top["ids"]));
            }
        }
        if (r.contains("logits_last_position")) {
            const int64_t last = out.logits.shape[1] - 1;
            const auto lastRow =
                squeezeFirst(squeezeFirst(slice(out.logits, { { 0, 1 }, { last, last + 1 } })));
            LUMEN_COMPARE_HIDDEN(lastRow, jsonToFloat(r["logits_last_position"]));
            QCOMPARE(topK(out.logits, last, 5), jsonToInts(r["top5_last_position"]["ids"]));
        }
    }

    // Right-padded batch: real positions only (README); attention rows of real queries over
    // every key (pads get exactly 0).
    static void checkBatch(const ForwardResult& out, const ModelInput& in, const nlohmann::json& r)
    {
        const int64_t seq = in.seqLen();
        QCOMPARE(out.trace.hiddenStates.size(), r["hidden_states"].size());
        QCOMPARE(out.trace.attentions.size(), r["attentions"].size());
        for (int64_t b = 0; b < in.batchSize(); ++b) {
            const auto& mask = in.attentionMask.data;
            const int64_t n = std::accumulate(
                mask.begin() + b * seq, mask.begin() + (b + 1) * seq, int64_t { 0 });
            const std::vector<std::pair<int64_t, int64_t>> rows { { b, b + 1 }, { 0, n } };
            LUMEN_COMPARE_HIDDEN(
                slice(out.lastHiddenState, rows), slice(jsonToFloat(r["last_hidden_state"]), rows));
            LUMEN_COMPARE_HIDDEN(slice(out.logits, rows), slice(jsonToFloat(r["logits"]), rows));
            for (size_t l = 0; l < out.trace.hiddenStates.size(); ++l) {
                LUMEN_COMPARE_HIDDEN(slice(out.trace.hiddenStates[l], rows),
                    slice(jsonToFloat(r["hidden_states"][l]), rows));
            }
            const int64_t heads = out.trace.attentions.front().shape[1];
            const std::vector<std::pair<int64_t, int64_t>> att { { b, b + 1 }, { 0, heads },
                { 0, n } };
            for (size_t l = 0; l < out.trace.attentions.size(); ++l) {
                LUMEN_COMPARE_ATTENTION(slice(out.trace.attentions[l], att),
                    slice(jsonToFloat(r["attentions"][l]), att));
            }
            if (r.contains("pooler_output")) {
                LUMEN_COMPARE_HIDDEN(slice(out.poolerOutput, { { b, b + 1 } }),
                    slice(jsonToFloat(r["pooler_output"]), { { b, b + 1 } }));
            }
            if (const char* key = relationshipKey(r)) {
                LUMEN_COMPARE_HIDDEN(slice(out.seqRelationshipLogits, { { b, b + 1 } }),
                    slice(jsonToFloat(r[key]), { { b, b + 1 } }));
            }
        }
    }

    // Text rows: the tokenizer must give the reference's ids, types and tokens.
    static void checkTokens(const ModelInput& in, const nlohmann::json& r)
    {
        QCOMPARE(in.inputIds.data, intMatrix(r["input_ids"]).data);
        QCOMPARE(in.inputIds.shape, intMatrix(r["input_ids"]).shape);
        if (r.contains("attention_mask")) {
            QCOMPARE(in.attentionMask.data, intMatrix(r["attention_mask"]).data);
        }
        if (r.contains("token_type_ids")) {
            QCOMPARE(in.tokenTypeIds.data, intMatrix(r["token_type_ids"]).data);
        }
        if (r.contains("tokens")) {
            if (r["tokens"].front().is_array()) {
                for (size_t b = 0; b < r["tokens"].size(); ++b) {
                    QCOMPARE(in.tokens[b], r["tokens"][b].get<std::vector<std::string>>());
                }
            } else {
                QCOMPARE(in.tokens.front(), r["tokens"].get<std::vector<std::string>>());
            }
        }
    }

private Q_SLOTS:
    void conformance_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("record");
        QTest::addColumn<bool>("fromText");
        for (const auto& name : kCases) {
            std::vector<std::pair<std::string, int>> records;
            const auto& forward = expected(name)["forward"];
            for (size_t i = 0; i < forward.size(); ++i) {
                records.emplace_back("forward", static_cast<int>(i));
            }
            for (const char* kind : { "pair_forward", "batch", "long_forward" }) {
                QVERIFY2(expected(name).contains(kind), (name + " lacks " + kind).c_str());
                records.emplace_back(kind, 0);
            }
            for (const auto& [kind, index] : records) {
                for (const bool fromText : { false, true }) {
                    std::string label = name + "/" + kind;
                    if (kind == "forward") {
                        label +=
                            "/" + forward[static_cast<size_t>(index)]["name"].get<std::string>();
                    }
                    label += fromText ? "/text" : "/ids";
                    QTest::newRow(label.c_str())
                        << QString::fromStdString(name) << QString::fromStdString(kind) << index
                        << fromText;
                }
            }
        }
    }

    void conformance()
    {
        QFETCH(QString, caseName);
        QFETCH(QString, kind);
        QFETCH(int, record);
        QFETCH(bool, fromText);
        const std::string name = caseName.toStdString();
        const std::string k = kind.toStdString();
        const nlohmann::json& r = recordOf(name, k, record);
        Model& m = model(name, fromText);

        ModelInput in;
        if (!fromText) {
            in = inputFromRecord(r);
        } else if (k == "pair_forward") {
            in = m.preparePair(r["text"].get<std::string>(), r["text_pair"].get<std::string>());
        } else if (k == "batch") {
            in = m.prepare(r["text"].get<std::vector<std::string>>());
        } else {
            in = m.prepare({ r["text"].get<std::string>() });
        }
        if (fromText) {
            checkTokens(in, r);
            if (k == "long_forward") {
                QVERIFY(in.encodings.front().truncated);
            }
        }
        const ForwardResult out = m.forward(in, TraceRequest { true, true });
        QCOMPARE(out.status, JobStatus::Completed);
        if (k == "batch") {
            checkBatch(out, in, r);
        } else {
            checkSingle(out, r);
        }
    }

    // Unique parameters: every manifest tensor except tied copies; sizes from config.json.
    void info_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<QString>("headKind");
        QTest::addColumn<int>("maxLength");
        QTest::newRow("roberta") << "roberta"
                                 << "masked-lm" << 64; // 66 positions, from pad + 1
        QTest::newRow("distilbert") << "distilbert"
                                    << "masked-lm" << 64;
        QTest::newRow("electra") << "electra"
                                 << "discriminator" << 64;
        QTest::newRow("electra-generator") << "electra-generator"
                                           << "masked-lm" << 64;
        QTest::newRow("albert") << "albert"
                                << "pretraining" << 64;
    }

    void info()
    {
        QFETCH(QString, caseName);
        QFETCH(QString, headKind);
        QFETCH(int, maxLength);
        const std::string name = caseName.toStdString();
        const ModelInfo& info = model(name, false).info();
        const auto tensors = manifest(name);
        QCOMPARE(info.parameterCount, manifestCount(tensors));
        // Components partition the parameters, base-model prefix dropped.
        int64_t sum = 0;
        std::vector<std::string> components;
        for (const auto& [component, n] : info.componentParameters) {
            components.push_back(component);
            sum += n;
            QCOMPARE(n,
                manifestCount(tensors,
                    expected(name)["config"]["model_type"].get<std::string>() + "." + component
                        + ".")
                    + manifestCount(tensors, component + "."));
        }
        QCOMPARE(sum, info.parameterCount);
        QCOMPARE(components.front(), std::string("embeddings"));
        QCOMPARE(info.architecture, expected(name)["model_class"].get<std::string>());
        QCOMPARE(info.modelType, expected(name)["config"]["model_type"].get<std::string>());
        QCOMPARE(info.headKind, headKind.toStdString());
        QCOMPARE(info.maxPositions, static_cast<int64_t>(maxLength));
        const auto& config = expected(name)["config"];
        const bool distil = name == "distilbert";
        QCOMPARE(info.hiddenSize, config[distil ? "dim" : "hidden_size"].get<int64_t>());
        QCOMPARE(info.numLayers, config[distil ? "n_layers" : "num_hidden_layers"].get<int64_t>());
        QCOMPARE(info.numHeads, config[distil ? "n_heads" : "num_attention_heads"].get<int64_t>());
        QCOMPARE(info.intermediateSize,
            config[distil ? "hidden_dim" : "intermediate_size"].get<int64_t>());
        QCOMPARE(info.vocabSize, config["vocab_size"].get<int64_t>());
        QVERIFY2(info.warnings.empty(),
            info.warnings.empty() ? "" : info.warnings.front().detail.c_str());
        if (name == "albert") {
            // One group of one layer runs num_hidden_layers times.
            const int64_t group = manifestCount(tensors, "albert.encoder.albert_layer_groups.0.");
            const int64_t layers = config["num_hidden_layers"].get<int64_t>();
            QVERIFY(group > 0);
            QCOMPARE(info.parametersPerForward, info.parameterCount + (layers - 1) * group);
        } else {
            QCOMPARE(info.parametersPerForward, int64_t { 0 });
        }
    }

    // ALBERT with one group per layer: nothing is shared, and the layer groups are
    // separate checkpoint tensors; with 3 layers over 1 group, one set runs three times.
    void albertGroups()
    {
        QTemporaryDir tmp;
        std::ifstream in(test::conformanceDir("albert") + "/config.json");
        nlohmann::json config = nlohmann::json::parse(in);
        config["num_hidden_groups"] = 3;
        const std::string dir = tmp.path().toStdString() + "/albert-3-groups";
        fs::create_directories(dir + "/src");
        std::ofstream(dir + "/src/config.json") << config.dump(2);
        const int64_t count = createRandomModel(dir + "/src/config.json", dir + "/model", 3);
        LoadOptions options;
        options.loadTokenizer = false;
        auto m = Model::load(dir + "/model", options);
        QCOMPARE(m->info().parameterCount, count);
        QCOMPARE(m->info().parametersPerForward, count);
        const int64_t shared = model("albert", false).info().parameterCount;
        const int64_t group =
            manifestCount(manifest("albert"), "albert.encoder.albert_layer_groups.0.");
        QCOMPARE(count, shared + 2 * group);

        ModelInput input = inputFromRecord(expected("albert")["forward"][0]);
        const ForwardResult out = m->forward(input, TraceRequest { true, true });
        QCOMPARE(out.trace.attentions.size(), size_t { 3 });
        QCOMPARE(out.trace.hiddenStates.size(), size_t { 4 });
        // Three different layers: no two consecutive layer outputs are the same map.
        QVERIFY(
            lumen::test::tensorMismatch(out.trace.attentions[0], out.trace.attentions[1], 1e-6, 0.0)
            != "");
    }

    // pytorch_model.bin (the full state dict, tied copies included) gives the same model.
    void robertaTorchBin()
    {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString() + "/roberta-bin";
        copyFolder(test::conformanceDir("roberta"), folder);
        fs::remove(fs::path(folder) / "model.safetensors");
        LoadOptions options;
        options.loadTokenizer = false;
        auto m = Model::load(folder, options);
        QCOMPARE(m->info().weightsFile, std::string("pytorch_model.bin"));
        QVERIFY2(m->info().warnings.empty(),
            m->info().warnings.empty() ? "" : m->info().warnings.front().detail.c_str());
        QCOMPARE(m->info().parameterCount, model("roberta", false).info().parameterCount);
        const auto& r = expected("roberta")["forward"][0];
        checkSingle(m->forward(inputFromRecord(r), TraceRequest { true, true }), r);
    }

    // RoBERTa accepts 64 tokens (66 positions minus pad_token_id + 1), not 66.
    void robertaLength()
    {
        Model& m = model("roberta", false);
        ModelInput in = inputFromRecord(expected("roberta")["long_forward"]);
        QCOMPARE(in.seqLen(), int64_t { 64 });
        const int64_t last = in.inputIds.data.back();
        for (auto* t : { &in.inputIds, &in.attentionMask, &in.tokenTypeIds }) {
            t->shape[1] += 1;
        }
        in.inputIds.data.push_back(last);
        in.attentionMask.data.push_back(1);
        in.tokenTypeIds.data.push_back(0);
        try {
            m.forward(in);
            QFAIL("65 tokens were accepted");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidInput);
            QVERIFY2(
                std::string(e.what()).find("accepts at most 64") != std::string::npos, e.what());
        }
    }

    void unsupportedHead_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<QString>("architecture");
        QTest::addColumn<QString>("supported");
        QTest::addColumn<QString>("baseClass");
        QTest::newRow("roberta") << "roberta"
                                 << "RobertaForQuestionAnswering"
                                 << "RoBERTa (Lumen loads RobertaModel, RobertaForMaskedLM, "
                                    "RobertaForSequenceClassification and RobertaForTokenClassification)"
                                 << "RobertaModel";
        QTest::newRow("distilbert")
            << "distilbert"
            << "DistilBertForQuestionAnswering"
            << "DistilBERT (Lumen loads DistilBertModel, DistilBertForMaskedLM, "
               "DistilBertForSequenceClassification and DistilBertForTokenClassification)"
            << "DistilBertModel";
        QTest::newRow("electra") << "electra"
                                 << "ElectraForQuestionAnswering"
                                 << "ELECTRA (Lumen loads ElectraModel, ElectraForPreTraining, "
                                    "ElectraForMaskedLM, ElectraForSequenceClassification and "
                                    "ElectraForTokenClassification)"
                                 << "ElectraModel";
        QTest::newRow("albert") << "albert"
                                << "AlbertForQuestionAnswering"
                                << "ALBERT (Lumen loads AlbertModel, AlbertForMaskedLM, "
                                   "AlbertForPreTraining, AlbertForSequenceClassification and "
                                   "AlbertForTokenClassification)"
                                << "AlbertModel";
    }

    void unsupportedHead()
    {
        QFETCH(QString, caseName);
        QFETCH(QString, architecture);
        QFETCH(QString, supported);
        QFETCH(QString, baseClass);
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/model";
        copyFolder(test::conformanceDir(caseName.toStdString()), dir);
        std::ifstream in(dir + "/config.json");
        nlohmann::json config = nlohmann::json::parse(in);
        in.close();
        config["architectures"] = { architecture.toStdString() };
        std::ofstream(dir + "/config.json") << config.dump(2);
        const std::string message = loadError(dir);
        const std::string expectedMessage = dir + "/config.json: architecture \""
            + architecture.toStdString() + "\" is not supported yet for " + supported.toStdString()
            + ". Set \"architectures\" to [\"" + baseClass.toStdString()
            + "\"] to load the encoder alone.";
        QVERIFY2(message == expectedMessage, message.c_str());
    }

    // A checkpoint of the bare base model loads into the model with heads' encoder and
    // gives the same last hidden state (keys without the "electra." prefix).
    void baseModelConfig()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/electra-base";
        copyFolder(test::conformanceDir("electra"), dir);
        std::ifstream in(dir + "/config.json");
        nlohmann::json config = nlohmann::json::parse(in);
        in.close();
        config["architectures"] = { "ElectraModel" };
        std::ofstream(dir + "/config.json") << config.dump(2);
        LoadOptions options;
        options.loadTokenizer = false;
        auto m = Model::load(dir, options);
        QCOMPARE(m->info().headKind, std::string("base"));
        // The discriminator head's tensors are unexpected for the bare model.
        QCOMPARE(m->info().warnings.size(), size_t { 4 });
        const auto& r = expected("electra")["forward"][1];
        const ForwardResult out = m->forward(inputFromRecord(r));
        LUMEN_COMPARE_HIDDEN(
            squeezeFirst(out.lastHiddenState), jsonToFloat(r["last_hidden_state"]));
        QVERIFY(out.logits.empty());
    }
};

QTEST_GUILESS_MAIN(TestEncoders)
#include "tst_encoders.moc"
