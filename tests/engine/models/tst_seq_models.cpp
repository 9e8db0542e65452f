// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Lumen's own sequence models (lightweight, dynamic and dilated convolutions, WaveNet, LSTM),
// each with its masked-LM and causal-LM head: a model written by new-model loads back with
// every parameter bit-identical and the same seed writes the same file; causal models never
// see the future, and a masked-LM never sees past its receptive field; the lightweight and
// dynamic kernels are softmax-normalised and the band maps put every weight at its offset;
// every family trains its loss down on a small synthetic task; bad configurations are named.
#include "conformance.h"

#include "io/model_config.h"
#include "lumen/engine/bench.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/receptive_field.h"
#include "lumen/engine/safetensors.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace lumen;
using namespace lumen::engine;

namespace {

struct Family {
    const char* modelType;
    const char* name;
};

const Family kFamilies[] = {
    { "lumen-lightconv", "LumenLightConv" },
    { "lumen-dynamicconv", "LumenDynamicConv" },
    { "lumen-dilatedconv", "LumenDilatedConv" },
    { "lumen-wavenet", "LumenWaveNet" },
    { "lumen-lstm", "LumenLstm" },
};

nlohmann::json configFor(const Family& f, bool causal, int64_t kernel = 3)
{
    nlohmann::json c;
    c["model_type"] = f.modelType;
    c["architectures"] = { std::string(f.name) + (causal ? "ForCausalLM" : "ForMaskedLM") };
    c["vocab_size"] = 930; // the conformance BERT's WordPiece vocabulary
    c["hidden_size"] = 32;
    c["num_hidden_layers"] = 3;
    c["num_heads"] = 4;
    c["intermediate_size"] = 64;
    c["kernel_size"] = std::string(f.modelType) == "lumen-wavenet" && causal ? 2 : kernel;
    return c;
}

/// Writes `config` beside the BERT tokenizer in `dir`/cfg and a random model to `dir`/model.
std::string makeModel(const QString& dir, const nlohmann::json& config, uint64_t seed = 1)
{
    const std::string cfg = dir.toStdString() + "/cfg";
    lumen::test::copyFolder(lumen::test::conformanceDir("bert"), cfg);
    QFile::remove(QString::fromStdString(cfg + "/model.safetensors"));
    QFile::remove(QString::fromStdString(cfg + "/pytorch_model.bin"));
    std::ofstream(cfg + "/config.json", std::ios::trunc) << config.dump(2);
    const std::string out = dir.toStdString() + "/model";
    createRandomModel(cfg + "/config.json", out, seed);
    return out;
}

ModelInput idsInput(const std::vector<int64_t>& ids)
{
    ModelInput in;
    const auto n = static_cast<int64_t>(ids.size());
    in.inputIds = { { 1, n }, ids };
    in.attentionMask = { { 1, n }, std::vector<int64_t>(ids.size(), 1) };
    in.tokenTypeIds = { { 1, n }, std::vector<int64_t>(ids.size(), 0) };
    return in;
}

/// max |a - b| over rows [from, to) of [1, T, V] logits
double rowDifference(const FloatTensor& a, const FloatTensor& b, int64_t from, int64_t to)
{
    const auto vocab = static_cast<size_t>(a.shape[2]);
    double most = 0.0;
    for (size_t i = static_cast<size_t>(from) * vocab; i < static_cast<size_t>(to) * vocab; ++i) {
        most = std::max(most, static_cast<double>(std::abs(a.data[i] - b.data[i])));
    }
    return most;
}

QByteArray sha(const std::string& path)
{
    QFile f(QString::fromStdString(path));
    f.open(QIODevice::ReadOnly);
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestSeqModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void families_data()
    {
        QTest::addColumn<int>("family");
        QTest::addColumn<bool>("causal");
        for (int f = 0; f < 5; ++f) {
            for (const bool causal : { false, true }) {
                QTest::newRow((std::string(kFamilies[f].name) + (causal ? "ForCausalLM" : "ForMaskedLM")).c_str())
                    << f << causal;
            }
        }
    }

    // Writes, loads, runs: parameters bit-identical to the file, the same seed the same file,
    // and the head the architecture names.
    void families()
    {
        QFETCH(int, family);
        QFETCH(bool, causal);
        QTemporaryDir a;
        QTemporaryDir b;
        const nlohmann::json config = configFor(kFamilies[family], causal);
        const std::string dirA = makeModel(a.path(), config, 5);
        const std::string dirB = makeModel(b.path(), config, 5);
        QCOMPARE(sha(dirA + "/model.safetensors"), sha(dirB + "/model.safetensors"));
        auto model = Model::load(dirA);
        const ModelInfo& info = model->info();
        QCOMPARE(QString::fromStdString(info.headKind), causal ? QStringLiteral("causal-lm") : QStringLiteral("masked-lm"));
        QCOMPARE(info.isCausal, causal);
        QCOMPARE(info.numLayers, int64_t { 3 });
        QVERIFY(info.warnings.empty());
        const SafetensorsFile file = SafetensorsFile::open(dirA + "/model.safetensors");
        Architecture& arch = ModelInternals::architecture(*model);
        size_t compared = 0;
        for (const auto& item : arch.named_parameters(true)) {
            const TensorEntry* entry = file.find(item.key());
            QVERIFY2(entry != nullptr, item.key().c_str());
            const FloatTensor saved = file.readFloat(item.key());
            const FloatTensor loaded = toFloatTensor(item.value());
            QCOMPARE(loaded.shape, saved.shape);
            QVERIFY2(std::memcmp(loaded.data.data(), saved.data.data(), saved.data.size() * sizeof(float)) == 0,
                     item.key().c_str());
            ++compared;
        }
        QCOMPARE(compared, file.tensors().size());
        // It runs on text through its tokenizer, and the last hidden state feeds the head.
        const ModelInput in = model->prepare({ "the capital of france is paris ." });
        const ForwardResult out = model->forward(in, TraceRequest { false, true });
        QCOMPARE(out.logits.shape, (std::vector<int64_t> { 1, in.seqLen(), 930 }));
        QCOMPARE(out.trace.hiddenStates.size(), size_t { 4 });
    }

    void causalModelsNeverSeeTheFuture_data() { families_data(); }

    // A causal model's outputs up to p do not change when tokens after p do; a masked-LM's
    // output at p changes only within its receptive field (three layers of kernel 3: 3 each
    // side; with dilations 1, 2, 4 (dilated, WaveNet): 7; the LSTM's reaches everything).
    void causalModelsNeverSeeTheFuture()
    {
        QFETCH(int, family);
        QFETCH(bool, causal);
        QTemporaryDir dir;
        // Larger weights than the default init, so that a change travels through every layer
        // above float rounding (at std 0.02 each hop damps it about 10^4-fold).
        nlohmann::json config = configFor(kFamilies[family], causal);
        config["initializer_range"] = 0.3;
        auto model = Model::load(makeModel(dir.path(), config));
        std::vector<int64_t> ids;
        for (int64_t i = 0; i < 24; ++i) {
            ids.push_back(100 + 7 * i);
        }
        const FloatTensor base = model->forward(idsInput(ids)).logits;
        const int64_t p = 10;
        std::vector<int64_t> changed = ids;
        for (int64_t i = p + 1; i < 24; ++i) {
            changed[static_cast<size_t>(i)] = 500 + i;
        }
        const FloatTensor other = model->forward(idsInput(changed)).logits;
        const std::string type = kFamilies[family].modelType;
        if (causal) {
            QVERIFY2(rowDifference(base, other, 0, p + 1) == 0.0, "a causal model read a later token");
        } else if (type != "lumen-lstm") {
            // How far the theory says it reaches: the empirical and theoretical fields agree.
            const int64_t reach = theoreticalReceptiveField(*model).back().field.right;
            QCOMPARE(reach, type == "lumen-wavenet" || type == "lumen-dilatedconv" ? int64_t { 7 } : int64_t { 3 });
            // Changing only tokens beyond the reach of position p leaves it as it was.
            std::vector<int64_t> far = ids;
            for (int64_t i = p + reach + 1; i < 24; ++i) {
                far[static_cast<size_t>(i)] = 600 + i;
            }
            const FloatTensor farOut = model->forward(idsInput(far)).logits;
            QCOMPARE(rowDifference(base, farOut, 0, p + 1), 0.0);
            // ... and a token just within the reach changes it.
            std::vector<int64_t> near = ids;
            near[static_cast<size_t>(p + reach)] = 777;
            QVERIFY(rowDifference(base, model->forward(idsInput(near)).logits, p, p + 1) > 0.0);
        } else {
            QVERIFY(rowDifference(base, other, p, p + 1) > 1e-6); // bidirectional
        }
        QVERIFY(rowDifference(base, other, p + 1, 24) > 1e-6); // the changed positions did change
    }

    // Lightweight kernels: each head's row of the band map holds softmax(weight) at offsets
    // -pad .. K - 1 - pad; dynamic kernels: rows sum to 1 inside the text; causal maps are
    // lower-triangular.
    void kernelBandMaps()
    {
        for (const bool causal : { false, true }) {
            QTemporaryDir dir;
            nlohmann::json config = configFor(kFamilies[0], causal, causal ? 4 : 5);
            const std::string path = makeModel(dir.path(), config);
            auto model = Model::load(path);
            std::vector<int64_t> ids(12);
            for (size_t i = 0; i < ids.size(); ++i) {
                ids[i] = 200 + static_cast<int64_t>(i);
            }
            const ForwardResult out = model->forward(idsInput(ids), TraceRequest { true, false });
            QCOMPARE(out.trace.attentions.size(), size_t { 3 });
            const SafetensorsFile file = SafetensorsFile::open(path + "/model.safetensors");
            const int64_t K = causal ? 4 : 5;
            const int64_t before = causal ? K - 1 : K / 2;
            for (size_t l = 0; l < 3; ++l) {
                const FloatTensor w = file.readFloat("layers." + std::to_string(l) + ".conv.weight"); // [H, K]
                const FloatTensor& map = out.trace.attentions[l]; // [1, H, T, T]
                QCOMPARE(map.shape, (std::vector<int64_t> { 1, 4, 12, 12 }));
                for (int64_t h = 0; h < 4; ++h) {
                    double sum = 0.0;
                    std::vector<double> soft(static_cast<size_t>(K));
                    const float* row = w.data.data() + h * K;
                    const float max = *std::max_element(row, row + K);
                    for (int64_t k = 0; k < K; ++k) {
                        soft[static_cast<size_t>(k)] = std::exp(static_cast<double>(row[k] - max));
                        sum += soft[static_cast<size_t>(k)];
                    }
                    for (int64_t t = 0; t < 12; ++t) {
                        double rowSum = 0.0;
                        for (int64_t j = 0; j < 12; ++j) {
                            const float v = map.data[static_cast<size_t>(((h * 12) + t) * 12 + j)];
                            const int64_t k = j - t + before;
                            const double expected = k >= 0 && k < K ? soft[static_cast<size_t>(k)] / sum : 0.0;
                            QVERIFY2(std::abs(v - expected) < 1e-6,
                                     qPrintable(QStringLiteral("layer %1 head %2 query %3 key %4: %5, expected %6")
                                                    .arg(l).arg(h).arg(t).arg(j).arg(v).arg(expected)));
                            rowSum += v;
                            if (causal && j > t) {
                                QCOMPARE(v, 0.0f);
                            }
                        }
                        if (t >= before && t + (K - 1 - before) < 12) {
                            QVERIFY(std::abs(rowSum - 1.0) < 1e-5); // the whole kernel inside the text
                        }
                    }
                }
            }
        }
        // Dynamic: a kernel per position, still normalised.
        QTemporaryDir dir;
        auto dynamic = Model::load(makeModel(dir.path(), configFor(kFamilies[1], true, 3)));
        std::vector<int64_t> ids { 101, 300, 301, 302, 303, 304, 102 };
        const ForwardResult out = dynamic->forward(idsInput(ids), TraceRequest { true, false });
        QCOMPARE(out.trace.attentions.size(), size_t { 3 });
        for (const FloatTensor& map : out.trace.attentions) {
            for (int64_t h = 0; h < 4; ++h) {
                for (int64_t t = 2; t < 7; ++t) {
                    double rowSum = 0.0;
                    for (int64_t j = 0; j < 7; ++j) {
                        const float v = map.data[static_cast<size_t>(((h * 7) + t) * 7 + j)];
                        QVERIFY(v >= 0.0f);
                        if (j > t || j < t - 2) {
                            QCOMPARE(v, 0.0f);
                        }
                        rowSum += v;
                    }
                    QVERIFY(std::abs(rowSum - 1.0) < 1e-5);
                }
            }
        }
        // Dilated convolutions, WaveNet and the LSTM have no kernel maps to record.
        QTemporaryDir lstmDir;
        auto lstm = Model::load(makeModel(lstmDir.path(), configFor(kFamilies[4], true)));
        QVERIFY(lstm->forward(idsInput(ids), TraceRequest { true, false }).trace.attentions.empty());
    }

    void trainsItsLossDown_data() { families_data(); }

    // A few Adam steps on a small synthetic task (repeating patterns: predict the next token,
    // or fill masked positions) bring the loss well down: gradients reach every part.
    void trainsItsLossDown()
    {
        QFETCH(int, family);
        QFETCH(bool, causal);
        nlohmann::json json = configFor(kFamilies[family], causal);
        json["hidden_dropout_prob"] = 0.0;
        json["weight_dropout"] = 0.0;
        const ModelConfig config = ModelConfig::fromJson(json, "test");
        std::shared_ptr<Architecture> arch = createArchitecture(config);
        torch::manual_seed(3);
        arch->initWeights();
        arch->train();
        torch::optim::Adam optimizer(arch->parameters(), torch::optim::AdamOptions(3e-3));
        // Sequences a b c d a b c d ... from a small alphabet, offset per row.
        const int64_t batch = 8;
        const int64_t T = 16;
        torch::Tensor ids = torch::empty({ batch, T }, torch::kLong);
        for (int64_t b = 0; b < batch; ++b) {
            for (int64_t t = 0; t < T; ++t) {
                ids[b][t] = 200 + (b + t) % 4;
            }
        }
        const int64_t maskId = 103; // [MASK] in the BERT vocabulary
        const auto lossOf = [&] {
            ArchInput in;
            torch::Tensor targets = ids;
            in.inputIds = ids;
            if (!causal) {
                in.inputIds = ids.clone();
                in.inputIds.index_put_({ torch::indexing::Slice(), torch::indexing::Slice(3, T, 4) }, maskId);
            }
            in.attentionMask = torch::ones_like(ids);
            in.tokenTypeIds = torch::zeros_like(ids);
            const torch::Tensor logits = arch->run(in, TraceRequest {}).logits;
            if (causal) {
                return torch::nn::functional::cross_entropy(
                    logits.slice(1, 0, T - 1).reshape({ -1, 930 }), targets.slice(1, 1, T).reshape({ -1 }));
            }
            return torch::nn::functional::cross_entropy(
                logits.slice(1, 3, T, 4).reshape({ -1, 930 }), targets.slice(1, 3, T, 4).reshape({ -1 }));
        };
        const double first = lossOf().item<double>();
        double last = first;
        for (int step = 0; step < 60; ++step) {
            optimizer.zero_grad();
            torch::Tensor loss = lossOf();
            loss.backward();
            optimizer.step();
            last = loss.item<double>();
        }
        QVERIFY2(last < 0.3 * first, qPrintable(QStringLiteral("loss %1 -> %2").arg(first).arg(last)));
    }

    // createModel (lumen-cli new-model --family, the New Model dialog): every family with
    // either head, sized as asked, with the tokenizer's vocabulary; a Transformer of the same
    // sizes; clear refusals.
    void createModelBySpec()
    {
        for (const std::string& family : newModelFamilies()) {
            for (const bool causal : { false, true }) {
                QTemporaryDir dir;
                NewModelSpec spec;
                spec.family = family;
                spec.causal = causal;
                spec.hidden = 48;
                spec.layers = 2;
                spec.heads = 4;
                const std::string tokenizer = lumen::test::conformanceDir(causal ? "gpt2" : "bert");
                const int64_t parameters = createModel(spec, tokenizer, dir.path().toStdString(), 2);
                auto model = Model::load(dir.path().toStdString());
                const ModelInfo& info = model->info();
                QCOMPARE(info.parameterCount, parameters);
                QCOMPARE(info.hiddenSize, int64_t { 48 });
                QCOMPARE(info.numLayers, int64_t { 2 });
                QCOMPARE(info.vocabSize, static_cast<int64_t>(model->tokenizer()->vocabSize()));
                QCOMPARE(QString::fromStdString(info.headKind), causal ? QStringLiteral("causal-lm") : QStringLiteral("masked-lm"));
                QCOMPARE(QString::fromStdString(info.modelType),
                    family == "transformer" ? (causal ? QStringLiteral("gpt2") : QStringLiteral("bert"))
                                            : QString::fromStdString("lumen-" + family));
                QVERIFY(info.warnings.empty());
            }
        }
        QTemporaryDir dir;
        NewModelSpec unknown;
        unknown.family = "cnn";
        QVERIFY_THROWS_EXCEPTION(Error, createModel(unknown, lumen::test::conformanceDir("bert"), dir.path().toStdString(), 0));
        NewModelSpec noMask; // GPT-2's tokenizer has no mask token for a masked-LM
        QVERIFY_THROWS_EXCEPTION(Error, createModel(noMask, lumen::test::conformanceDir("gpt2"), dir.path().toStdString(), 0));
        NewModelSpec heads;
        heads.hidden = 30;
        heads.heads = 4;
        QVERIFY_THROWS_EXCEPTION(Error, createModel(heads, lumen::test::conformanceDir("bert"), dir.path().toStdString(), 0));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("model.safetensors")))); // nothing written
    }

    // The analytic FLOPs: a convolution's grow linearly with the length, a Transformer's
    // gain exactly self-attention's 4 x L^2 x width per layer; parameter uses are 2 each.
    void forwardFlopsScale()
    {
        QTemporaryDir dir;
        NewModelSpec light;
        light.hidden = 32;
        light.layers = 2;
        light.kernel = 5;
        createModel(light, lumen::test::conformanceDir("bert"), dir.filePath(QStringLiteral("light")).toStdString(), 0);
        auto conv = Model::load(dir.filePath(QStringLiteral("light")).toStdString());
        const double f1 = forwardFlops(*conv, 100);
        QCOMPARE(forwardFlops(*conv, 200), 2.0 * f1);
        // 2 per parameter use (tied: the word embeddings are the head's matrix) + the kernels.
        QCOMPARE(f1, 2.0 * 100.0 * static_cast<double>(conv->info().parameterCount) + 2 * (2.0 * 5 * 32 * 100));
        NewModelSpec attention = light;
        attention.family = "transformer";
        attention.maxPositions = 512;
        createModel(attention, lumen::test::conformanceDir("bert"), dir.filePath(QStringLiteral("bert")).toStdString(), 0);
        auto bert = Model::load(dir.filePath(QStringLiteral("bert")).toStdString());
        const double b1 = forwardFlops(*bert, 100);
        const double b2 = forwardFlops(*bert, 200);
        // Doubling the length doubles the linear part and quadruples attention's.
        QCOMPARE(b2 - 2.0 * b1, 4.0 * 2 * 32 * (200.0 * 200.0 - 2.0 * 100.0 * 100.0));
    }

    void badConfigurationsAreNamed()
    {
        const auto fails = [](nlohmann::json json, const char* needle) {
            try {
                createArchitecture(ModelConfig::fromJson(json, "cfg.json"));
            } catch (const Error& e) {
                return std::string(e.what()).find(needle) != std::string::npos;
            }
            return false;
        };
        nlohmann::json even = configFor(kFamilies[0], false, 4);
        QVERIFY(fails(even, "kernel_size")); // a centred kernel must be odd
        nlohmann::json heads = configFor(kFamilies[1], true);
        heads["num_heads"] = 5;
        QVERIFY(fails(heads, "num_heads"));
        nlohmann::json list = configFor(kFamilies[2], false);
        list["dilations"] = { 1, 2 }; // three layers
        QVERIFY(fails(list, "dilations"));
        nlohmann::json arch = configFor(kFamilies[3], true);
        arch["architectures"] = { "BertForMaskedLM" };
        QVERIFY(fails(arch, "LumenWaveNetForCausalLM"));
        nlohmann::json positions = configFor(kFamilies[0], false);
        positions["max_position_embeddings"] = 8;
        QTemporaryDir dir;
        auto model = Model::load(makeModel(dir.path(), positions));
        QVERIFY_THROWS_EXCEPTION(Error, model->forward(idsInput(std::vector<int64_t>(9, 200))));
    }
};

QTEST_GUILESS_MAIN(TestSeqModels)
#include "tst_seq_models.moc"
