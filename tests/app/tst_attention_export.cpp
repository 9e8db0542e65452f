// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// Attention files and exports: an attention run written and read back is the same run (every
// weight bit-identical, tokens, segments, causality); every export format re-reads to the
// same numbers (parsed here independently of the writer); images are real images; bad
// input (a foreign file, a truncated file, an unknown suffix, an unwritable folder) gets a
// message; a run kept in a project reopens exactly without the model.

#include "attention_controller.h"
#include "attention_export.h"
#include "attention_file.h"
#include "main_window.h"

#include "conformance.h"

#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"
#include "lumen/widgets/attention_view.h"

#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>

using lumen::app::AttentionRecord;
using lumen::app::exportAttention;
using lumen::app::exportImage;
using lumen::app::exportMatrix;
using lumen::app::loadAttentionRecord;
using lumen::app::saveAttentionRecord;
using lumen::widgets::AttentionSet;

namespace {

constexpr int kWaitMs = 60000;

/// Every weight encodes (layer, head, query, key); a pair with special tokens and padding.
AttentionRecord codedRecord()
{
    AttentionRecord r;
    AttentionSet& s = r.set;
    s.layers = 3;
    s.heads = 2;
    s.seq = 6;
    s.tokens = { QStringLiteral("[CLS]"), QStringLiteral("Hi"), QStringLiteral("a,b"),
        QStringLiteral("[SEP]"), QStringLiteral("\"yo\""), QStringLiteral("[PAD]") };
    s.vocabTokens = { QStringLiteral("[CLS]"), QStringLiteral("hi"), QStringLiteral("a,b"),
        QStringLiteral("[SEP]"), QStringLiteral("yo"), QStringLiteral("[PAD]") };
    s.special = { 1, 0, 0, 1, 0, 1 };
    s.valid = { 1, 1, 1, 1, 1, 0 };
    s.segmentStart = 4;
    s.causal = true;
    auto w = std::make_shared<std::vector<float>>();
    for (int l = 0; l < s.layers; ++l) {
        for (int h = 0; h < s.heads; ++h) {
            for (int q = 0; q < s.seq; ++q) {
                for (int k = 0; k < s.seq; ++k) {
                    w->push_back(static_cast<float>(l * 1000 + h * 100 + q * 10 + k) / 7001.0f);
                }
            }
        }
    }
    s.weights = std::move(w);
    r.text = QStringLiteral("Hi a,b");
    r.pair = QStringLiteral("\"yo\"");
    r.modelDir = QStringLiteral("/models/tiny");
    return r;
}

void compareSets(const AttentionSet& a, const AttentionSet& b)
{
    QCOMPARE(a.isValid(), b.isValid());
    if (!a.isValid()) {
        return;
    }
    QCOMPARE(a.name, b.name);
    QCOMPARE(a.layers, b.layers);
    QCOMPARE(a.heads, b.heads);
    QCOMPARE(a.seq, b.seq);
    QCOMPARE(a.tokens, b.tokens);
    QCOMPARE(a.vocabTokens, b.vocabTokens);
    QCOMPARE(a.special, b.special);
    QCOMPARE(a.valid, b.valid);
    QCOMPARE(a.segmentStart, b.segmentStart);
    QCOMPARE(a.causal, b.causal);
    QCOMPARE(a.keySeq, b.keySeq);
    QCOMPARE(a.keyTokens, b.keyTokens);
    QCOMPARE(a.keyVocabTokens, b.keyVocabTokens);
    QCOMPARE(a.keySpecial, b.keySpecial);
    QCOMPARE(a.keyValid, b.keyValid);
    QCOMPARE(a.weights->size(), b.weights->size());
    QVERIFY(std::memcmp(a.weights->data(), b.weights->data(), a.weights->size() * sizeof(float))
        == 0);
}

void compareRecords(const AttentionRecord& a, const AttentionRecord& b)
{
    QCOMPARE(a.text, b.text);
    QCOMPARE(a.pair, b.pair);
    QCOMPARE(a.modelDir, b.modelDir);
    QCOMPARE(a.target, b.target);
    compareSets(a.set, b.set);
    compareSets(a.decoder, b.decoder);
    compareSets(a.cross, b.cross);
}

/// codedRecord's encoder (no pair, not causal) with a decoder of 4 positions over it.
AttentionRecord codedSeq2SeqRecord()
{
    AttentionRecord r = codedRecord();
    r.pair.clear();
    r.set.segmentStart = -1;
    r.set.causal = false;
    r.set.name = lumen::app::encoderStackName();
    r.target = QStringLiteral("Das ist");
    AttentionSet& d = r.decoder;
    d.name = lumen::app::decoderStackName();
    d.layers = 2;
    d.heads = 2;
    d.seq = 4;
    d.causal = true;
    d.tokens = { QStringLiteral("<pad>"), QStringLiteral("Das"), QStringLiteral("ist"),
        QStringLiteral("</s>") };
    d.vocabTokens = { QStringLiteral("<pad>"), QStringLiteral("▁Das"), QStringLiteral("▁ist"),
        QStringLiteral("</s>") };
    d.special = { 1, 0, 0, 1 };
    auto self = std::make_shared<std::vector<float>>();
    auto cross = std::make_shared<std::vector<float>>();
    for (int i = 0; i < 2 * 2 * 4 * 4; ++i) {
        self->push_back(static_cast<float>(i) / 97.0f);
    }
    for (int i = 0; i < 2 * 2 * 4 * 6; ++i) {
        cross->push_back(static_cast<float>(i) / 101.0f);
    }
    d.weights = std::move(self);
    r.cross = lumen::app::crossAttentionSet(d, r.set, std::move(cross));
    return r;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return f.readAll();
}

/// A minimal .npy reader (version 1.0, '<f4', C order), written from the format's spec.
bool readNpy(const QByteArray& bytes, std::vector<int64_t>& shape, std::vector<float>& data)
{
    if (!bytes.startsWith("\x93NUMPY") || bytes.size() < 10 || bytes[6] != 1) {
        return false;
    }
    const int headerLength =
        static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    if ((10 + headerLength) % 64 != 0) {
        return false;
    }
    const QString header = QString::fromLatin1(bytes.mid(10, headerLength));
    if (!header.contains(QStringLiteral("'descr': '<f4'"))
        || !header.contains(QStringLiteral("'fortran_order': False"))) {
        return false;
    }
    const int open = header.indexOf(QLatin1Char('('));
    const int close = header.indexOf(QLatin1Char(')'));
    shape.clear();
    size_t count = 1;
    for (const QString& part : header.mid(open + 1, close - open - 1).split(QLatin1Char(','))) {
        if (!part.trimmed().isEmpty()) {
            shape.push_back(part.trimmed().toLongLong());
            count *= static_cast<size_t>(shape.back());
        }
    }
    const QByteArray payload = bytes.mid(10 + headerLength);
    if (static_cast<size_t>(payload.size()) != count * sizeof(float)) {
        return false;
    }
    data.resize(count);
    std::memcpy(data.data(), payload.constData(), payload.size());
    return true;
}

/// RFC 4180 fields of one CSV line (quotes and doubled quotes).
QStringList csvFields(const QString& line)
{
    QStringList out;
    QString field;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < line.size()
                && line.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            out << field;
            field.clear();
        } else {
            field += c;
        }
    }
    out << field;
    return out;
}

} // namespace

class TestAttentionExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void recordRoundTrip()
    {
        QTemporaryDir dir;
        const AttentionRecord record = codedRecord();
        const std::string path = dir.filePath(QStringLiteral("run.safetensors")).toStdString();
        saveAttentionRecord(record, path);
        compareRecords(loadAttentionRecord(path), record);
        // Any safetensors reader sees the tensor and its shape.
        const auto file = lumen::engine::SafetensorsFile::open(path);
        QCOMPARE(file.find("attentions")->shape, (std::vector<int64_t> { 3, 2, 6, 6 }));
    }

    // An encoder-decoder run keeps its decoder's self-attention and its cross-attention.
    void seq2seqRecordRoundTrip()
    {
        QTemporaryDir dir;
        const AttentionRecord record = codedSeq2SeqRecord();
        QVERIFY(record.hasDecoder());
        QVERIFY(record.cross.isValid());
        QCOMPARE(record.cross.keys(), 6);
        QCOMPARE(record.cross.keyTokens, record.set.tokens);
        const std::string path = dir.filePath(QStringLiteral("t5.safetensors")).toStdString();
        saveAttentionRecord(record, path);
        const AttentionRecord again = loadAttentionRecord(path);
        QVERIFY(again.hasDecoder());
        compareRecords(again, record);
        const auto file = lumen::engine::SafetensorsFile::open(path);
        QCOMPARE(file.find("decoder_attentions")->shape, (std::vector<int64_t> { 2, 2, 4, 4 }));
        QCOMPARE(file.find("cross_attentions")->shape, (std::vector<int64_t> { 2, 2, 4, 6 }));

        // NPY and CSV of the cross-attention: [layers, heads, decoder, encoder], key tokens
        // the encoder's.
        const QString npy = dir.filePath(QStringLiteral("cross.npy"));
        QCOMPARE(exportAttention(record, npy, &record.cross), QString());
        std::vector<int64_t> shape;
        std::vector<float> data;
        QVERIFY(readNpy(readAll(npy), shape, data));
        QCOMPARE(shape, (std::vector<int64_t> { 2, 2, 4, 6 }));
        QVERIFY(data == *record.cross.weights);
        const QString csv = dir.filePath(QStringLiteral("cross.csv"));
        QCOMPARE(exportAttention(record, csv, &record.cross), QString());
        const QStringList lines =
            QString::fromUtf8(readAll(csv)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 2 * 2 * 4 * 6);
        const QStringList f = csvFields(lines.last());
        QCOMPARE(f[2], QStringLiteral("3"));
        QCOMPARE(f[3], QStringLiteral("5"));
        QCOMPARE(f[4], QStringLiteral("</s>"));
        QCOMPARE(f[5], QStringLiteral("[PAD]"));
        QCOMPARE(f[6].toFloat(), record.cross.at(1, 1, 3, 5));

        // A cross-attention that does not fit the encoder is refused, naming the file.
        AttentionRecord bad = record;
        bad.cross.keySeq = 3;
        bad.cross.keyTokens = bad.cross.keyTokens.mid(0, 3);
        bad.cross.keyVocabTokens.clear();
        bad.cross.keyValid.clear();
        bad.cross.keySpecial.clear();
        bad.cross.weights = std::make_shared<std::vector<float>>(2 * 2 * 4 * 3, 0.1f);
        const std::string badPath = dir.filePath(QStringLiteral("bad.safetensors")).toStdString();
        saveAttentionRecord(bad, badPath);
        try {
            loadAttentionRecord(badPath);
            QFAIL("a cross-attention of the wrong width was read");
        } catch (const lumen::Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(
                         QStringLiteral("decoder's tokens, self-attention and cross-attention")),
                e.what());
        }
    }

    void foreignAndBrokenFilesAreRefused()
    {
        QTemporaryDir dir;
        const std::string foreign = dir.filePath(QStringLiteral("other.safetensors")).toStdString();
        lumen::engine::FloatTensor t;
        t.shape = { 2 };
        t.data = { 1.0f, 2.0f };
        lumen::engine::writeSafetensors(
            foreign, { lumen::engine::TensorToWrite::fromFloat("x", t) });
        try {
            loadAttentionRecord(foreign);
            QFAIL("a foreign file was read");
        } catch (const lumen::Error& e) {
            QCOMPARE(QString::fromStdString(e.what()),
                QString::fromStdString(foreign)
                    + QStringLiteral(" is not a Lumen attention file Lumen can read: it has no "
                                     "lumen.format \"attention-v1\" in its metadata. Run the "
                                     "model again to make a new one."));
        }
        const std::string truncated = dir.filePath(QStringLiteral("cut.safetensors")).toStdString();
        saveAttentionRecord(codedRecord(), truncated);
        std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
        QVERIFY_THROWS_EXCEPTION(lumen::Error, loadAttentionRecord(truncated));
    }

    void attentionExportsReadBack()
    {
        QTemporaryDir dir;
        const AttentionRecord record = codedRecord();
        const AttentionSet& set = record.set;

        const QString npy = dir.filePath(QStringLiteral("all.npy"));
        QCOMPARE(exportAttention(record, npy), QString());
        std::vector<int64_t> shape;
        std::vector<float> data;
        QVERIFY(readNpy(readAll(npy), shape, data));
        QCOMPARE(shape, (std::vector<int64_t> { 3, 2, 6, 6 }));
        QVERIFY(data == *set.weights);

        const QString csv = dir.filePath(QStringLiteral("all.csv"));
        QCOMPARE(exportAttention(record, csv), QString());
        const QStringList lines =
            QString::fromUtf8(readAll(csv)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 3 * 2 * 6 * 6);
        QCOMPARE(
            lines.first(), QStringLiteral("layer,head,query,key,query_token,key_token,weight"));
        for (int i = 1; i < lines.size(); ++i) {
            const QStringList f = csvFields(lines.at(i));
            QCOMPARE(f.size(), 7);
            const int l = f[0].toInt();
            const int h = f[1].toInt();
            const int q = f[2].toInt();
            const int k = f[3].toInt();
            QCOMPARE(f[4], set.tokens.at(q));
            QCOMPARE(f[5], set.tokens.at(k));
            QCOMPARE(f[6].toFloat(), set.at(l, h, q, k)); // 9 digits: exact
        }

        const QString st = dir.filePath(QStringLiteral("all.safetensors"));
        QCOMPARE(exportAttention(record, st), QString());
        compareRecords(loadAttentionRecord(st.toStdString()), record);
    }

    void matrixExportsReadBack()
    {
        QTemporaryDir dir;
        lumen::widgets::AttentionView view;
        view.setData(codedRecord().set);
        view.setLayer(2);
        view.setHead(1);
        const lumen::widgets::AttentionHeatmapData m = view.slice(2, 1);

        const QString csv = dir.filePath(QStringLiteral("map.csv"));
        QCOMPARE(exportMatrix(m, csv), QString());
        const QStringList lines =
            QString::fromUtf8(readAll(csv)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + m.queries());
        QCOMPARE(csvFields(lines.first()).mid(1), m.keyTokens);
        for (int q = 0; q < m.queries(); ++q) {
            const QStringList f = csvFields(lines.at(q + 1));
            QCOMPARE(f.first(), m.queryTokens.at(q));
            for (int k = 0; k < m.keys(); ++k) {
                QCOMPARE(f.at(k + 1).toFloat(), m.weights[static_cast<size_t>(q) * m.keys() + k]);
            }
        }
        const QString npy = dir.filePath(QStringLiteral("map.npy"));
        QCOMPARE(exportMatrix(m, npy), QString());
        std::vector<int64_t> shape;
        std::vector<float> data;
        QVERIFY(readNpy(readAll(npy), shape, data));
        QCOMPARE(shape, (std::vector<int64_t> { 6, 6 }));
        QVERIFY(data == m.weights);
        const QString st = dir.filePath(QStringLiteral("map.safetensors"));
        QCOMPARE(exportMatrix(m, st), QString());
        const auto file = lumen::engine::SafetensorsFile::open(st.toStdString());
        QVERIFY(file.readFloat("attention").data == m.weights);
        QCOMPARE(QString::fromStdString(file.metadata().at("lumen.title")), m.title);
    }

    void imagesAreImages()
    {
        QTemporaryDir dir;
        lumen::widgets::AttentionView view;
        view.resize(480, 360);
        view.setData(codedRecord().set);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        const QString png = dir.filePath(QStringLiteral("view.png"));
        QCOMPARE(exportImage(&view, png), QString());
        const QImage image(png);
        QCOMPARE(image.size(), view.grab().size());
        // Not a blank page: more than a handful of colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 4) {
            for (int x = 0; x < image.width(); x += 4) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY(colours.size() > 10);

        const QString svg = dir.filePath(QStringLiteral("view.svg"));
        QCOMPARE(exportImage(&view, svg), QString());
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox(), QRect(QPoint(0, 0), view.size()));

        const QString pdf = dir.filePath(QStringLiteral("view.pdf"));
        QCOMPARE(exportImage(&view, pdf), QString());
        const QByteArray bytes = readAll(pdf);
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.size() > 2000);
    }

    void badPathsGetMessages()
    {
        QTemporaryDir dir;
        lumen::widgets::AttentionView view;
        view.setData(codedRecord().set);
        const QString bmp = dir.filePath(QStringLiteral("view.bmp"));
        QVERIFY(exportImage(&view, bmp).contains(QStringLiteral(".png, .svg, .pdf")));
        QVERIFY(!QFile::exists(bmp));
        const QString missing = dir.filePath(QStringLiteral("no/such/folder/all.npy"));
        const QString message = exportAttention(codedRecord(), missing);
        QVERIFY2(message.startsWith(QStringLiteral("Could not write ")), qPrintable(message));
        QVERIFY(exportAttention(AttentionRecord(), dir.filePath(QStringLiteral("x.npy")))
                    .contains(QStringLiteral("Run the model first")));
    }

    // A run keeps its attention in the project and reopens exactly, the model not involved.
    void runReopensFromTheProject()
    {
        QTemporaryDir dir;
        lumen::app::MainWindow window;
        window.setInteractiveErrors(false);
        QVERIFY(window.openProject(dir.filePath(QStringLiteral("p.lumen"))));
        auto* attention = window.attentionController();
        QSignalSpy loaded(attention, &lumen::app::AttentionController::modelLoaded);
        window.openModel(QString::fromStdString(lumen::test::conformanceDir("bert")));
        QVERIFY(loaded.wait(kWaitMs));
        QSignalSpy saved(attention, &lumen::app::AttentionController::artifactSaved);
        window.pairEdit()->setText(QStringLiteral("It is Paris."));
        window.runText(QStringLiteral("Where is it?"));
        QVERIFY(saved.wait(kWaitMs));
        const AttentionRecord original = attention->lastRecord();
        const qint64 runId = saved.first().at(0).toLongLong();
        QVERIFY(QFile::exists(saved.first().at(1).toString()));

        const auto runs = attention->savedRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(runs.front().id, runId);
        QCOMPARE(runs.front().text, QStringLiteral("Where is it?"));

        // Another text replaces what is shown; reopening brings the first back, bit for bit.
        window.textEdit()->clear();
        window.pairEdit()->clear();
        QSignalSpy reopened(attention, &lumen::app::AttentionController::runReopened);
        QVERIFY(attention->reopenRun(runId));
        QVERIFY(reopened.wait(kWaitMs));
        compareRecords(attention->lastRecord(), original);
        QCOMPARE(window.textEdit()->text(), QStringLiteral("Where is it?"));
        QCOMPARE(window.pairEdit()->text(), QStringLiteral("It is Paris."));
        QCOMPARE(window.attentionView()->data().segmentStart, original.set.segmentStart);

        QSignalSpy failed(attention, &lumen::app::AttentionController::runFailed);
        QVERIFY(!attention->reopenRun(runId + 100));
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("kept no attention")));

        // Export from the window: every format, and the image of the view.
        QVERIFY(window.exportAllAttention(dir.filePath(QStringLiteral("w.safetensors"))));
        compareRecords(
            loadAttentionRecord(dir.filePath(QStringLiteral("w.safetensors")).toStdString()),
            original);
        QVERIFY(window.exportViewImage(dir.filePath(QStringLiteral("w.png"))));
        QVERIFY(!QImage(dir.filePath(QStringLiteral("w.png"))).isNull());
        QVERIFY(window.exportShownMap(dir.filePath(QStringLiteral("w.csv"))));
        QVERIFY(!window.exportShownMap(dir.filePath(QStringLiteral("w.txt"))));
    }
};

QTEST_MAIN(TestAttentionExport)
#include "tst_attention_export.moc"
