// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// TraceRequest::packAttentions: every family's packed attentions are exactly its per-layer
// attentions laid end to end ([layers, batch, heads, query, key]), for one text and a padded
// batch; the per-layer list stays empty then. And the heap a kept trace holds (measured
// with mallinfo2) is at most the 1.2 x layers x heads x L^2 x 4 bytes.

#include "conformance.h"

#include "lumen/engine/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <malloc.h>

using namespace lumen::engine;

namespace {

// Bytes the process has from malloc right now (small chunks and mmapped ones).
size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

} // namespace

class TestTracePack : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void packedEqualsPerLayer_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name :
            { "bert", "roberta", "distilbert", "electra", "albert", "gpt2", "llama", "t5" }) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void packedEqualsPerLayer()
    {
        QFETCH(QString, name);
        auto model = Model::load(lumen::test::conformanceDir(name.toStdString()));
        const ModelInput input = model->prepare({ "The quick brown fox.", "A dog." });
        TraceRequest perLayer;
        perLayer.attentions = true;
        const ForwardResult a = model->forward(input, perLayer);
        TraceRequest packedRequest = perLayer;
        packedRequest.packAttentions = true;
        const ForwardResult b = model->forward(input, packedRequest);
        QVERIFY(b.trace.attentions.empty());
        const FloatTensor& packed = b.trace.packedAttentions;
        QCOMPARE(packed.shape.size(), size_t(5));
        QCOMPARE(static_cast<size_t>(packed.shape[0]), a.trace.attentions.size());
        size_t at = 0;
        for (const FloatTensor& layer : a.trace.attentions) {
            QCOMPARE(
                std::vector<int64_t>(packed.shape.begin() + 1, packed.shape.end()), layer.shape);
            QVERIFY(std::memcmp(packed.data.data() + at, layer.data.data(),
                        layer.data.size() * sizeof(float))
                == 0);
            at += layer.data.size();
        }
        QCOMPARE(at, packed.data.size());
        // The trace holds each attention once: its buffer is the tensor itself, with
        // no slack beyond the 1.2 x layers x heads x L^2 floats.
        QVERIFY(packed.data.capacity() * 10 <= packed.data.size() * 12);
        // Nothing else in the result changes.
        QVERIFY(a.lastHiddenState.data == b.lastHiddenState.data);
    }

    // A 512-token forward of a random BERT (3 layers, 4 heads): what the result holds
    // beyond the hidden state is the packed attention, and no more than 1.2x of it.
    void keptTraceWithinBound()
    {
        QTemporaryDir tmp;
        std::ifstream in(lumen::test::conformanceDir("bert") + "/config.json");
        nlohmann::json config = nlohmann::json::parse(in);
        config["max_position_embeddings"] = 512;
        const std::string dir = tmp.path().toStdString();
        std::filesystem::create_directories(dir + "/src");
        std::ofstream(dir + "/src/config.json") << config.dump(2);
        createRandomModel(dir + "/src/config.json", dir + "/model", 5);
        LoadOptions options;
        options.loadTokenizer = false;
        auto model = Model::load(dir + "/model", options);
        const int64_t seq = 512;
        const int64_t vocab = config["vocab_size"].get<int64_t>();
        ModelInput input;
        input.inputIds.shape = { 1, seq };
        input.attentionMask.shape = { 1, seq };
        input.tokenTypeIds.shape = { 1, seq };
        for (int64_t i = 0; i < seq; ++i) {
            input.inputIds.data.push_back((i * 7 + 3) % vocab);
            input.attentionMask.data.push_back(1);
            input.tokenTypeIds.data.push_back(0);
        }
        TraceRequest request;
        request.attentions = true;
        request.packAttentions = true;
        (void)model->forward(input, request); // thread pools and other one-time set-up

        const size_t before = heapInUse();
        const ForwardResult kept = model->forward(input, request);
        const size_t held = heapInUse() - before;

        const size_t layers = config["num_hidden_layers"].get<size_t>();
        const size_t heads = config["num_attention_heads"].get<size_t>();
        const size_t bound = layers * heads * seq * seq * sizeof(float);
        QCOMPARE(kept.trace.packedAttentions.data.size() * sizeof(float), bound);
        const size_t hidden = kept.lastHiddenState.data.capacity() * sizeof(float)
            + kept.poolerOutput.data.capacity() * sizeof(float)
            + kept.logits.data.capacity() * sizeof(float);
        qInfo("trace %.2f MB held, bound %.2f MB (1.2x: %.2f MB), outputs %.2f MB",
            (held - std::min(held, hidden)) / 1e6, bound / 1e6, 1.2 * bound / 1e6, hidden / 1e6);
        QVERIFY2(held <= hidden + bound * 12 / 10,
            qPrintable(QStringLiteral("the kept result holds %1 bytes").arg(held)));
    }
};

QTEST_GUILESS_MAIN(TestTracePack)
#include "tst_trace_pack.moc"
