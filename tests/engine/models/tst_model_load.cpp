// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// How Model::load fills the parameters (engine-internal, so this test uses LibTorch): an F32
// safetensors file becomes the parameters without a copy, bit for bit; writing to them never
// reaches the file; F16 / BF16 files are converted; weights that do not fit the config are
// refused by name.
#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"
#include "models/architecture.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace lumen;
using namespace lumen::engine;
using lumen::test::copyFolder;

namespace {

QByteArray sha256(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
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

/// Rewrites a folder's model.safetensors with every tensor in `dtype` (F16 or BF16).
void convertWeights(const std::string& folder, torch::ScalarType dtype)
{
    const std::string path = folder + "/model.safetensors";
    std::vector<TensorToWrite> tensors;
    {
        const SafetensorsFile file = SafetensorsFile::open(path);
        for (const TensorEntry& entry : file.tensors()) {
            const FloatTensor f = file.readFloat(entry.name);
            const torch::Tensor t =
                torch::from_blob(const_cast<float*>(f.data.data()), f.shape, torch::kFloat32)
                    .to(dtype)
                    .contiguous();
            TensorToWrite w;
            w.name = entry.name;
            w.dtype = dtype == torch::kFloat16 ? DType::F16 : DType::BF16;
            w.shape = f.shape;
            w.bytes.resize(t.nbytes());
            std::memcpy(w.bytes.data(), t.data_ptr(), t.nbytes());
            tensors.push_back(std::move(w));
        }
    }
    writeSafetensors(path, tensors);
}

} // namespace

class TestModelLoad : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Every parameter of every conformance case equals its tensor in model.safetensors bit for
    // bit, and lies in the mapped file itself: the parameters sit at the same distances from
    // each other as their tensors in the file, which a copy into separate allocations would not.
    void parametersAreTheMappedFile_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : { "bert", "bert-cased", "roberta", "albert", "distilbert",
                 "electra", "electra-generator", "gpt2", "llama", "t5", "t5-gated" }) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void parametersAreTheMappedFile()
    {
        QFETCH(QString, name);
        const std::string dir = test::conformanceDir(name.toStdString());
        auto model = Model::load(dir);
        const SafetensorsFile file = SafetensorsFile::open(dir + "/model.safetensors");
        Architecture& arch = ModelInternals::architecture(*model);
        const char* origin = nullptr;
        uint64_t originOffset = 0;
        int checked = 0;
        for (const auto& item : arch.named_parameters(/*recurse=*/true)) {
            const torch::Tensor& p = item.value();
            const TensorEntry* entry = file.find(item.key());
            QVERIFY2(entry != nullptr, item.key().c_str());
            QCOMPARE(entry->dtype, DType::F32);
            QCOMPARE(p.sizes().vec(), entry->shape);
            QCOMPARE(p.scalar_type(), torch::kFloat32);
            QVERIFY2(p.is_contiguous(), item.key().c_str());
            QVERIFY2(std::memcmp(p.data_ptr(), file.data(*entry), p.nbytes()) == 0,
                (item.key() + " differs from the file").c_str());
            const char* at = static_cast<const char*>(p.data_ptr());
            if (origin == nullptr) {
                origin = at;
                originOffset = entry->begin;
            } else {
                QVERIFY2(at - origin
                        == static_cast<std::ptrdiff_t>(entry->begin)
                            - static_cast<std::ptrdiff_t>(originOffset),
                    (item.key() + " is not in the mapped file (copied?)").c_str());
            }
            ++checked;
        }
        QVERIFY(checked > 10);
    }

    // Writing to a parameter loaded without a copy changes the model, not the file: a model
    // loaded afterwards has the old value, and so does the file (same hash).
    void writesNeverReachTheFile()
    {
        QTemporaryDir tmp;
        const std::string folder = tmp.path().toStdString() + "/bert";
        copyFolder(test::conformanceDir("bert"), folder);
        const std::string path = folder + "/model.safetensors";
        const QByteArray before = sha256(path);
        QVERIFY(!before.isEmpty());
        const std::string key = "bert.embeddings.word_embeddings.weight";

        auto model = Model::load(folder);
        const ModelInput input = model->prepare({ "hello world" });
        const ForwardResult original = model->forward(input);
        torch::Tensor weight = ModelInternals::architecture(*model).named_parameters()[key];
        const float first = weight.flatten()[0].item<float>();
        {
            torch::NoGradGuard noGrad;
            weight.add_(1.0); // every page of the tensor is written
        }
        QCOMPARE(weight.flatten()[0].item<float>(), first + 1.0f);
        const ForwardResult changed = model->forward(input);
        QVERIFY(changed.lastHiddenState.data != original.lastHiddenState.data);

        QCOMPARE(sha256(path), before);
        auto again = Model::load(folder);
        torch::Tensor reloaded = ModelInternals::architecture(*again).named_parameters()[key];
        QCOMPARE(reloaded.flatten()[0].item<float>(), first);
        QVERIFY(!torch::equal(reloaded, weight));
        QCOMPARE(again->forward(input).lastHiddenState.data, original.lastHiddenState.data);
        // The first model's parameters outlive a new file written over the old one (the
        // mapping keeps the old file's pages).
        convertWeights(folder, torch::kFloat16);
        QCOMPARE(weight.flatten()[0].item<float>(), first + 1.0f);
        QCOMPARE(reloaded.flatten()[0].item<float>(), first);
    }

    // F16 and BF16 files are converted to float32 parameters (a copy), value for value.
    void halfPrecisionFiles_data()
    {
        QTest::addColumn<int>("dtype");
        QTest::newRow("F16") << static_cast<int>(torch::kFloat16);
        QTest::newRow("BF16") << static_cast<int>(torch::kBFloat16);
    }

    void halfPrecisionFiles()
    {
        QFETCH(int, dtype);
        QTemporaryDir tmp;
        const std::string folder = tmp.path().toStdString() + "/bert";
        copyFolder(test::conformanceDir("bert"), folder);
        convertWeights(folder, static_cast<torch::ScalarType>(dtype));
        auto model = Model::load(folder);
        const SafetensorsFile file = SafetensorsFile::open(folder + "/model.safetensors");
        for (const auto& item : ModelInternals::architecture(*model).named_parameters()) {
            const FloatTensor expected = file.readFloat(item.key());
            const torch::Tensor& p = item.value();
            QCOMPARE(p.scalar_type(), torch::kFloat32);
            QCOMPARE(p.sizes().vec(), expected.shape);
            QVERIFY2(std::memcmp(p.data_ptr(), expected.data.data(), p.nbytes()) == 0,
                item.key().c_str());
        }
        const ForwardResult out = model->forward(model->prepare({ "hello world" }));
        QCOMPARE(out.status, JobStatus::Completed);
    }

    // A weight file whose tensors do not fit config.json is refused by the tensor's name, with
    // the shape found and the shape the config needs.
    void weightsThatDoNotFitTheConfig()
    {
        QTemporaryDir tmp;
        const std::string folder = tmp.path().toStdString() + "/bert";
        copyFolder(test::conformanceDir("bert"), folder);
        nlohmann::json config;
        std::ifstream(folder + "/config.json") >> config;
        config["intermediate_size"] = 100;
        std::ofstream(folder + "/config.json") << config.dump(2);
        QCOMPARE(loadError(folder),
            folder
                + "/model.safetensors: tensor \"bert.encoder.layer.0.intermediate.dense."
                  "weight\" has shape [96, 48], but the model that config.json "
                  "describes needs [100, 48]. The weights and config.json do not "
                  "belong together.");
    }
};

QTEST_GUILESS_MAIN(TestModelLoad)
#include "tst_model_load.moc"
