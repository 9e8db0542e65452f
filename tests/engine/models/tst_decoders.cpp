// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The decoder families against the reference: every conformance record of the `gpt2`
// (GPT2LMHeadModel, safetensors and pytorch_model.bin) and `llama` (LlamaForCausalLM, GQA,
// untied head) cases, greedy generation with a KV cache, and the flag variants (Mistral's
// sliding window, Qwen2's q/k/v biases, a tied LLaMA head).
//
// Inputs are built from the reference's own input_ids / attention_mask, so these tests pin
// the models, not the tokenizers (tst_bpe and the SentencePiece tests pin those).
#include "conformance.h"
#include "tensor_compare.h"

#include "generate/greedy.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
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

const char* const kCases[] = { "gpt2", "llama" };

// A ModelInput straight from the reference's ids and mask: one list = one row, a list of
// lists = a batch.
ModelInput inputFrom(const nlohmann::json& ids, const nlohmann::json& mask)
{
    ModelInput in;
    const bool batched = ids.front().is_array();
    const nlohmann::json rows = batched ? ids : nlohmann::json::array({ ids });
    const nlohmann::json masks = batched ? mask : nlohmann::json::array({ mask });
    const auto batch = static_cast<int64_t>(rows.size());
    const auto seq = static_cast<int64_t>(rows.front().size());
    in.inputIds.shape = { batch, seq };
    in.attentionMask.shape = { batch, seq };
    for (size_t b = 0; b < rows.size(); ++b) {
        const auto r = jsonToInts(rows[b]);
        const auto m = jsonToInts(masks[b]);
        in.inputIds.data.insert(in.inputIds.data.end(), r.begin(), r.end());
        in.attentionMask.data.insert(in.attentionMask.data.end(), m.begin(), m.end());
    }
    return in;
}

// Row `row` of a [batch, seq, vocab] tensor at position `pos`, as [vocab].
FloatTensor at(const FloatTensor& t, int64_t row, int64_t pos)
{
    return squeezeFirst(squeezeFirst(slice(t, { { row, row + 1 }, { pos, pos + 1 } })));
}

LoadOptions noTokenizer()
{
    LoadOptions options;
    options.loadTokenizer = false;
    return options;
}

nlohmann::json readJson(const std::string& path)
{
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// A random model of the llama case's config with `edits` applied, in `dir`.
std::unique_ptr<Model> variantModel(
    const std::string& dir, const nlohmann::json& edits, uint64_t seed = 3)
{
    nlohmann::json config = readJson(test::conformanceDir("llama") + "/config.json");
    config.merge_patch(edits);
    fs::create_directories(dir + "/config");
    std::ofstream(dir + "/config/config.json") << config.dump(2);
    createRandomModel(dir + "/config/config.json", dir + "/model", seed);
    return Model::load(dir + "/model", noTokenizer());
}

} // namespace

class TestDecoders : public QObject {
    Q_OBJECT

private:
    std::map<std::string, std::unique_ptr<Model>> models_;
    Model& model(const std::string& name)
    {
        auto& slot = models_[name];
        if (!slot) {
            slot = Model::load(test::conformanceDir(name), noTokenizer());
        }
        return *slot;
    }

    void checkForwardRecord(Model& m, const nlohmann::json& r)
    {
        const ModelInput in = inputFrom(r["input_ids"], r["attention_mask"]);
        const ForwardResult out = m.forward(in, TraceRequest { true, true });
        LUMEN_COMPARE_HIDDEN(
            squeezeFirst(out.lastHiddenState), jsonToFloat(r["last_hidden_state"]));
        QVERIFY(out.poolerOutput.empty());
        // Embeddings, then every layer; the last entry is after the final norm.
        QCOMPARE(out.trace.hiddenStates.size(), r["hidden_states"].size());
        for (size_t i = 0; i < out.trace.hiddenStates.size(); ++i) {
            LUMEN_COMPARE_HIDDEN(
                squeezeFirst(out.trace.hiddenStates[i]), jsonToFloat(r["hidden_states"][i]));
        }
        QCOMPARE(out.trace.attentions.size(), r["attentions"].size());
        for (size_t i = 0; i < out.trace.attentions.size(); ++i) {
            LUMEN_COMPARE_ATTENTION(
                squeezeFirst(out.trace.attentions[i]), jsonToFloat(r["attentions"][i]));
        }
        LUMEN_COMPARE_HIDDEN(squeezeFirst(out.logits), jsonToFloat(r["logits"]));
        const int64_t last = in.seqLen() - 1;
        LUMEN_COMPARE_HIDDEN(at(out.logits, 0, last), jsonToFloat(r["next_token_logits"]));
        QCOMPARE(topK(out.logits, last, 5), jsonToInts(r["next_token_top5"]["ids"]));
    }

private Q_SLOTS:
    void forward_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("record");
        for (const char* name : kCases) {
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

    // Two texts padded on the right with eos: compare real positions only (README).
    void batch_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* name : kCases) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void batch()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["batch"];
        QCOMPARE(r["padding_side"].get<std::string>(), std::string("right"));
        const ModelInput in = inputFrom(r["input_ids"], r["attention_mask"]);
        const ForwardResult out = model(name).forward(in, TraceRequest { true, true });
        QCOMPARE(out.trace.hiddenStates.size(), r["hidden_states"].size());
        QCOMPARE(out.trace.attentions.size(), r["attentions"].size());
        const int64_t seq = in.seqLen();
        const auto& mask = in.attentionMask.data;
        for (int64_t b = 0; b < in.batchSize(); ++b) {
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
            // [batch, heads, query, key]: real queries, every key (future and pad keys 0).
            const int64_t heads = out.trace.attentions.front().shape[1];
            const std::vector<std::pair<int64_t, int64_t>> att { { b, b + 1 }, { 0, heads },
                { 0, n } };
            for (size_t l = 0; l < out.trace.attentions.size(); ++l) {
                LUMEN_COMPARE_ATTENTION(slice(out.trace.attentions[l], att),
                    slice(jsonToFloat(r["attentions"][l]), att));
            }
        }
    }

    // The long text cut to 64 tokens: the whole position table (GPT-2's n_positions).
    void longForward_data() { batch_data(); }
    void longForward()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["long_forward"];
        const ModelInput in = inputFrom(r["input_ids"], r["attention_mask"]);
        QCOMPARE(in.seqLen(), int64_t { 64 });
        const ForwardResult out = model(name).forward(in);
        LUMEN_COMPARE_HIDDEN(
            squeezeFirst(out.lastHiddenState), jsonToFloat(r["last_hidden_state"]));
        const int64_t last = in.seqLen() - 1;
        LUMEN_COMPARE_HIDDEN(at(out.logits, 0, last), jsonToFloat(r["logits_last_position"]));
        QCOMPARE(topK(out.logits, last, 5), jsonToInts(r["top5_last_position"]["ids"]));
    }

    // Left padding, plain forward: positions 0..n-1 for every row, pads included, so the
    // short row's real tokens sit at later positions than when it is alone.
    void leftPaddedForward_data() { batch_data(); }
    void leftPaddedForward()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["batch_left_padded"];
        QCOMPARE(r["padding_side"].get<std::string>(), std::string("left"));
        const ModelInput in = inputFrom(r["input_ids"], r["attention_mask"]);
        const ForwardResult out = model(name).forward(in);
        const int64_t seq = in.seqLen();
        const FloatTensor expectedLogits = jsonToFloat(r["logits_last_position"]);
        const FloatTensor expectedHidden = jsonToFloat(r["last_hidden_state"]);
        for (int64_t b = 0; b < in.batchSize(); ++b) {
            LUMEN_COMPARE_HIDDEN(
                at(out.logits, b, seq - 1), squeezeFirst(slice(expectedLogits, { { b, b + 1 } })));
            // Real positions of the row (the pads are on the left).
            const auto& mask = in.attentionMask.data;
            const int64_t n = std::accumulate(
                mask.begin() + b * seq, mask.begin() + (b + 1) * seq, int64_t { 0 });
            const std::vector<std::pair<int64_t, int64_t>> rows { { b, b + 1 }, { seq - n, seq } };
            LUMEN_COMPARE_HIDDEN(slice(out.lastHiddenState, rows), slice(expectedHidden, rows));
        }
    }

    // Greedy decoding with a KV cache: the same tokens and the same top-5 scores per step.
    void generation_data() { batch_data(); }
    void generation()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto& g = expected(name)["generation"];
        const std::vector<int64_t> promptIds = jsonToInts(g["prompt_ids"]);
        const ModelInput prompt =
            inputFrom(g["prompt_ids"], std::vector<int64_t>(promptIds.size(), 1));
        GreedyConfig config;
        config.maxNewTokens = g["generate_kwargs"]["max_new_tokens"].get<int64_t>();
        config.padTokenId = g["generate_kwargs"]["pad_token_id"].get<int64_t>();
        config.eosTokenId =
            readJson(test::conformanceDir(name) + "/generation_config.json")["eos_token_id"]
                .get<int64_t>();
        const GreedyResult result = greedyGenerate(model(name), prompt, config);
        QCOMPARE(result.sequences.size(), size_t { 1 });
        QCOMPARE(result.sequences.front(), jsonToInts(g["sequence"]));
        QCOMPARE(result.newTokenIds.front(), jsonToInts(g["new_token_ids"]));
        const auto& steps = g["step_scores_top5"];
        QCOMPARE(result.steps.front().size(), steps.size());
        for (size_t s = 0; s < steps.size(); ++s) {
            const GreedyStep& step = result.steps.front()[s];
            QCOMPARE(step.topIds, jsonToInts(steps[s]["top5_ids"]));
            const FloatTensor actual { { 5 }, step.topScores };
            LUMEN_COMPARE_HIDDEN(actual, jsonToFloat(steps[s]["top5_scores"]));
        }
    }

    // Batched greedy generation with left padding: positions come from the mask.
    void batchGeneration_data() { batch_data(); }
    void batchGeneration()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["batch_left_padded"];
        GreedyConfig config;
        config.maxNewTokens = r["generate_kwargs"]["max_new_tokens"].get<int64_t>();
        config.padTokenId = r["pad_token_id"].get<int64_t>();
        config.eosTokenId =
            readJson(test::conformanceDir(name) + "/generation_config.json")["eos_token_id"]
                .get<int64_t>();
        const GreedyResult result =
            greedyGenerate(model(name), inputFrom(r["input_ids"], r["attention_mask"]), config);
        QCOMPARE(result.sequences.size(), size_t { 2 });
        for (size_t b = 0; b < 2; ++b) {
            QCOMPARE(result.sequences[b], jsonToInts(r["generated_sequences"][b]));
            QCOMPARE(result.newTokenIds[b], jsonToInts(r["new_token_ids"][b]));
        }
    }

    // Model::prepare with the folder's own tokenizer gives the reference's ids, and the
    // forward pass on them its logits.
    void prepareFromText_data() { forward_data(); }
    void prepareFromText()
    {
        QFETCH(QString, caseName);
        QFETCH(int, record);
        const std::string name = caseName.toStdString();
        const auto& r = expected(name)["forward"][static_cast<size_t>(record)];
        auto& slot = models_[name + "+tokenizer"];
        if (!slot) {
            slot = Model::load(test::conformanceDir(name));
        }
        QVERIFY(slot->tokenizer() != nullptr);
        const ModelInput in = slot->prepare({ r["text"].get<std::string>() });
        QCOMPARE(in.inputIds.data, jsonToInts(r["input_ids"]));
        QCOMPARE(in.attentionMask.data, jsonToInts(r["attention_mask"]));
        QCOMPARE(in.tokens.front(), r["tokens"].get<std::vector<std::string>>());
        const ForwardResult out = slot->forward(in);
        LUMEN_COMPARE_HIDDEN(squeezeFirst(out.logits), jsonToFloat(r["logits"]));
    }

    // Batches from text: right padding by default (the `batch` record), left padding on
    // request (the `batch_left_padded` record), both padded with eos as the reference was;
    // the left-padded batch then generates the reference's tokens.
    void prepareBatches_data() { batch_data(); }
    void prepareBatches()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const std::unique_ptr<Model> model = Model::load(test::conformanceDir(name));
        Model& m = *model;
        const auto flat = [](const nlohmann::json& rows) {
            std::vector<int64_t> all;
            for (const auto& row : rows) {
                const auto v = jsonToInts(row);
                all.insert(all.end(), v.begin(), v.end());
            }
            return all;
        };
        const auto& right = expected(name)["batch"];
        const ModelInput r = m.prepare(right["text"].get<std::vector<std::string>>());
        QCOMPARE(r.inputIds.data, flat(right["input_ids"]));
        QCOMPARE(r.attentionMask.data, flat(right["attention_mask"]));

        const auto& left = expected(name)["batch_left_padded"];
        const ModelInput l =
            m.prepare(left["texts"].get<std::vector<std::string>>(), 0, PaddingSide::Left);
        QCOMPARE(l.inputIds.data, flat(left["input_ids"]));
        QCOMPARE(l.attentionMask.data, flat(left["attention_mask"]));
        const int64_t padId = left["pad_token_id"].get<int64_t>();
        QCOMPARE(l.tokens[1].front(), m.tokenizer()->idToToken(padId));
        QCOMPARE(l.tokens[1].back(), std::string("lo")); // "Hello" ends with the piece "lo"
        GreedyConfig config;
        config.maxNewTokens = left["generate_kwargs"]["max_new_tokens"].get<int64_t>();
        config.padTokenId = padId;
        const GreedyResult result = greedyGenerate(m, l, config);
        QCOMPARE(result.newTokenIds[0], jsonToInts(left["new_token_ids"][0]));
        QCOMPARE(result.newTokenIds[1], jsonToInts(left["new_token_ids"][1]));
    }

    // pytorch_model.bin (the full state dict, lm_head.weight included) gives the same model.
    void gpt2TorchBin()
    {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString() + "/gpt2-bin";
        copyFolder(test::conformanceDir("gpt2"), folder);
        fs::remove(fs::path(folder) / "model.safetensors");
        auto m = Model::load(folder, noTokenizer());
        QCOMPARE(m->info().weightsFile, std::string("pytorch_model.bin"));
        QVERIFY2(m->info().warnings.empty(),
            m->info().warnings.empty() ? "" : m->info().warnings.front().detail.c_str());
        checkForwardRecord(*m, expected("gpt2")["forward"][0]);
    }

    // Unique parameters: every manifest tensor except tied copies.
    void info_data() { batch_data(); }
    void info()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const auto manifest =
            readJson(test::conformanceDir(name) + "/state_dict_manifest.json")["tensors"];
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
        QCOMPARE(info.architecture, expected(name)["model_class"].get<std::string>());
        QCOMPARE(info.headKind, std::string("causal-lm"));
        const auto& config = expected(name)["config"];
        QCOMPARE(info.vocabSize, config["vocab_size"].get<int64_t>());
        QCOMPARE(
            info.hiddenSize, config.value("n_embd", config.value("hidden_size", int64_t { 0 })));
        QCOMPARE(info.numLayers,
            config.value("n_layer", config.value("num_hidden_layers", int64_t { 0 })));
        QCOMPARE(info.numHeads,
            config.value("n_head", config.value("num_attention_heads", int64_t { 0 })));
        QVERIFY(info.warnings.empty());
    }

    // Qwen2 = LLaMA with q/k/v biases; a tied LLaMA head is not a separate parameter.
    void flagVariants()
    {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const int64_t base = model("llama").info().parameterCount;
        const int64_t hidden = 64, kvDim = 32;

        auto qwen = variantModel(root + "/qwen2",
            { { "model_type", "qwen2" }, { "architectures", { "Qwen2ForCausalLM" } } });
        QCOMPARE(qwen->info().parameterCount, base + 2 * (hidden + kvDim + kvDim));
        const auto file = SafetensorsFile::open(root + "/qwen2/model/model.safetensors");
        QVERIFY(file.find("model.layers.1.self_attn.k_proj.bias") != nullptr);
        QVERIFY(file.find("model.layers.1.self_attn.o_proj.bias") == nullptr);

        auto biased = variantModel(root + "/biased", { { "attention_bias", true } });
        QCOMPARE(biased->info().parameterCount, base + 2 * (hidden + kvDim + kvDim + hidden));

        auto tied = variantModel(root + "/tied", { { "tie_word_embeddings", true } });
        QCOMPARE(tied->info().parameterCount, base - 700 * hidden);
        const auto tiedFile = SafetensorsFile::open(root + "/tied/model/model.safetensors");
        QVERIFY(tiedFile.find("lm_head.weight") == nullptr);
        QVERIFY(tiedFile.find("model.embed_tokens.weight") != nullptr);
    }

    // Mistral's sliding window: a query sees itself and the `sliding_window` keys before it
    // (transformers 4.40's convention), nothing earlier; without a window it sees them all.
    void mistralSlidingWindow()
    {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        auto mistral = variantModel(root + "/mistral",
            { { "model_type", "mistral" }, { "architectures", { "MistralForCausalLM" } },
                { "sliding_window", 3 } });
        QCOMPARE(mistral->info().architecture, std::string("MistralForCausalLM"));
        ModelInput in;
        in.inputIds.shape = { 1, 10 };
        for (int64_t i = 0; i < 10; ++i) {
            in.inputIds.data.push_back(5 + 11 * i);
        }
        const ForwardResult out = mistral->forward(in, TraceRequest { true, false });
        const FloatTensor& att = out.trace.attentions.front(); // [1, heads, 10, 10]
        for (int64_t h = 0; h < att.shape[1]; ++h) {
            for (int64_t q = 0; q < 10; ++q) {
                for (int64_t k = 0; k < 10; ++k) {
                    const float p = att.data[static_cast<size_t>((h * 10 + q) * 10 + k)];
                    const bool visible = k <= q && q - k <= 3;
                    QVERIFY2(visible ? p > 0.0f : p == 0.0f,
                        ("head " + std::to_string(h) + " query " + std::to_string(q) + " key "
                            + std::to_string(k))
                            .c_str());
                }
            }
        }
        auto llama = variantModel(root + "/nowindow",
            { { "model_type", "mistral" }, { "architectures", { "MistralForCausalLM" } },
                { "sliding_window", nullptr } });
        const FloatTensor& full =
            llama->forward(in, TraceRequest { true, false }).trace.attentions[0];
        QVERIFY(full.data[9 * 10 + 0] > 0.0f); // head 0, query 9 sees key 0
    }

    // Linear rope scaling divides the positions: the output changes, and equals the
    // unscaled model's at position 0 (angle 0 either way).
    void ropeScaling()
    {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        auto plain = variantModel(root + "/plain", nlohmann::json::object());
        auto scaled = variantModel(
            root + "/scaled", { { "rope_scaling", { { "type", "linear" }, { "factor", 4.0 } } } });
        ModelInput in;
        in.inputIds.shape = { 1, 6 };
        in.inputIds.data = { 1, 40, 80, 120, 160, 200 };
        const ForwardResult a = plain->forward(in);
        const ForwardResult b = scaled->forward(in);
        LUMEN_COMPARE_HIDDEN(at(a.logits, 0, 0), at(b.logits, 0, 0));
        QVERIFY(!test::tensorMismatch(at(a.logits, 0, 5), at(b.logits, 0, 5), 1e-4, 1e-4).empty());

        QTemporaryDir bad;
        const std::string dir = bad.path().toStdString();
        try {
            variantModel(dir, { { "rope_scaling", { { "type", "dynamic" }, { "factor", 2.0 } } } });
            QFAIL("dynamic rope scaling was accepted");
        } catch (const Error& e) {
            QCOMPARE(std::string(e.what()),
                dir
                    + "/config/config.json: \"rope_scaling\" is "
                      "{\"factor\":2.0,\"type\":\"dynamic\"}; Lumen supports only "
                      "{\"type\": \"linear\", \"factor\": F} with F > 0 (or null).");
        }
    }

    void badInput()
    {
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string head = root + "/head";
        copyFolder(test::conformanceDir("gpt2"), head);
        {
            nlohmann::json config = readJson(head + "/config.json");
            config["architectures"] = { "GPT2DoubleHeadsModel" };
            std::ofstream(head + "/config.json") << config.dump(2);
        }
        try {
            Model::load(head, noTokenizer());
            QFAIL("an unsupported head was accepted");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Unsupported);
            QCOMPARE(std::string(e.what()),
                head
                    + "/config.json: architecture \"GPT2DoubleHeadsModel\" is not "
                      "supported yet for GPT-2 (Lumen loads GPT2LMHeadModel, GPT2Model, "
                      "GPT2ForSequenceClassification and GPT2ForTokenClassification). "
                      "Set \"architectures\" to [\"GPT2LMHeadModel\"] to load the language "
                      "model.");
        }

        // 65 tokens exceed GPT-2's 64 positions.
        ModelInput longInput;
        longInput.inputIds.shape = { 1, 65 };
        longInput.inputIds.data.assign(65, 10);
        QVERIFY_THROWS_EXCEPTION(Error, model("gpt2").forward(longInput));

        // Generation past the position table is refused, not silently wrong.
        ModelInput prompt;
        prompt.inputIds.shape = { 1, 60 };
        prompt.inputIds.data.assign(60, 10);
        GreedyConfig config;
        config.maxNewTokens = 8;
        QVERIFY_THROWS_EXCEPTION(Error, greedyGenerate(model("gpt2"), prompt, config));
    }
};

QTEST_GUILESS_MAIN(TestDecoders)

#include "tst_decoders.moc"
