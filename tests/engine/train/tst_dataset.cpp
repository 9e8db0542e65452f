// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Training data: CSV with quotes, separators and line breaks inside fields, TSV, JSONL (texts,
// pairs, numeric labels, tokens and tags), CoNLL and text files; every data error with its
// file, line and column; the preview; the seeded split.
#include "lumen/engine/dataset.h"
#include "lumen/engine/error.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lumen;
using namespace lumen::engine;

class TestDataset : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    std::string write(const char* name, const QByteArray& content)
    {
        QFile f(dir_.filePath(QString::fromLatin1(name)));
        f.open(QIODevice::WriteOnly);
        f.write(content);
        f.close();
        return f.fileName().toStdString();
    }

    /// The message of the error `load` throws ("" when it does not).
    template <typename F>
    static std::string errorOf(F load)
    {
        try {
            load();
        } catch (const Error& e) {
            return e.what();
        }
        return {};
    }

    std::string classificationError(const char* name, const QByteArray& content, const std::string& label = "label")
    {
        DatasetSpec spec;
        spec.path = write(name, content);
        spec.labelColumn = label;
        return errorOf([&] { loadDataset(spec, DatasetKind::Classification); });
    }

private Q_SLOTS:
    void csvWithQuotesAndPairs()
    {
        DatasetSpec spec;
        spec.path = write("pairs.csv",
            "premise,hypothesis,label\r\n"
            "\"A man, a plan\",\"He said \"\"hi\"\"\",yes\r\n"
            "\"two\nlines\",short,no\r\n"
            "\r\n"
            "plain , spaced ,yes\r\n");
        spec.textColumn = "premise";
        spec.pairColumn = "hypothesis";
        const Dataset d = loadDataset(spec, DatasetKind::Classification);
        QCOMPARE(d.format, DataFormat::Csv);
        QCOMPARE(d.columns, (std::vector<std::string> { "premise", "hypothesis", "label" }));
        QCOMPARE(d.examples.size(), size_t { 3 });
        QCOMPARE(d.examples[0].text, std::string("A man, a plan"));
        QCOMPARE(d.examples[0].pair, std::string("He said \"hi\""));
        QCOMPARE(d.examples[1].text, std::string("two\nlines"));
        QCOMPARE(d.examples[1].line, int64_t { 3 });
        QCOMPARE(d.examples[2].line, int64_t { 6 }); // after the quoted line break and a blank line
        QCOMPARE(d.examples[2].text, std::string("plain"));
        QCOMPARE(d.labels, (std::vector<std::string> { "no", "yes" }));
    }

    void tsvJsonlConllAndText()
    {
        DatasetSpec tsv;
        tsv.path = write("a.tsv", "text\tlabel\ngood, really\tpos\nbad\tneg\n");
        QCOMPARE(loadDataset(tsv, DatasetKind::Classification).examples[0].text, std::string("good, really"));

        DatasetSpec jsonl;
        jsonl.path = write("a.jsonl", "{\"text\": \"fine\", \"label\": 1}\n\n{\"label\": 0, \"text\": \"meh\"}\n");
        const Dataset j = loadDataset(jsonl, DatasetKind::Classification);
        QCOMPARE(j.examples.size(), size_t { 2 });
        QCOMPARE(j.examples[1].label, std::string("0"));
        QCOMPARE(j.examples[1].line, int64_t { 3 });
        QCOMPARE(j.labels, (std::vector<std::string> { "0", "1" }));

        DatasetSpec tagged;
        tagged.path = write("t.jsonl", "{\"tokens\": [\"Ada\", \"codes\"], \"tags\": [\"B-PER\", \"O\"]}\n");
        const Dataset t = loadDataset(tagged, DatasetKind::Tokens);
        QCOMPARE(t.examples[0].tags, (std::vector<std::string> { "B-PER", "O" }));

        DatasetSpec conll;
        conll.path = write("n.conll", "-DOCSTART- -X- O O\n\nAda NNP B-PER\nLovelace NNP I-PER\n\nwrote VBD O\n");
        const Dataset c = loadDataset(conll, DatasetKind::Tokens);
        QCOMPARE(c.examples.size(), size_t { 2 });
        QCOMPARE(c.examples[0].tokens, (std::vector<std::string> { "Ada", "Lovelace" }));
        QCOMPARE(c.examples[0].line, int64_t { 3 });
        QCOMPARE(c.labels, (std::vector<std::string> { "B-PER", "I-PER", "O" }));

        DatasetSpec text;
        text.path = write("corpus.txt", "first line\n\n  second line  \nthird\n");
        QCOMPARE(loadDataset(text, DatasetKind::Text).examples.size(), size_t { 3 });
        text.linePerExample = false;
        const Dataset paragraphs = loadDataset(text, DatasetKind::Text);
        QCOMPARE(paragraphs.examples.size(), size_t { 2 });
        QCOMPARE(paragraphs.examples[1].text, std::string("second line third"));
        QCOMPARE(paragraphs.examples[1].line, int64_t { 3 });
    }

    // Every data error names the file, the line and (where there is one) the column.
    void errorsNameFileLineAndColumn()
    {
        std::string e = classificationError("missing.csv", "text,sentiment\nhi,pos\n");
        QVERIFY2(e.find("missing.csv:1: no column \"label\"") != std::string::npos, e.c_str());
        QVERIFY2(e.find("\"sentiment\"") != std::string::npos, e.c_str());

        e = classificationError("ragged.csv", "text,label\nok,pos\ntoo,many,fields\n");
        QVERIFY2(e.find("ragged.csv:3: the row has 3 fields, the header 2") != std::string::npos, e.c_str());

        e = classificationError("empty.csv", "text,label\nok,pos\nfine,\n");
        QVERIFY2(e.find("empty.csv:3: column 2 (\"label\"): the label is empty") != std::string::npos, e.c_str());

        e = classificationError("utf8.csv", QByteArray("text,label\nok,pos\ncaf\xe9 bad,neg\n"));
        QVERIFY2(e.find("utf8.csv:3: column 4: invalid UTF-8 (byte 0xe9)") != std::string::npos, e.c_str());

        e = classificationError("quote.csv", "text,label\n\"never closed,pos\nnext,neg\n");
        QVERIFY2(e.find("quote.csv:2: a quoted field is never closed") != std::string::npos, e.c_str());

        e = classificationError("bad.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\" \"label\": 1}\n");
        QVERIFY2(e.find("bad.jsonl:2: column 20: not valid JSON (syntax error") != std::string::npos, e.c_str());

        e = classificationError("nolabel.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n");
        QVERIFY2(e.find("nolabel.jsonl:2: no field \"label\"") != std::string::npos, e.c_str());

        e = classificationError("emptylabel.jsonl", "{\"text\": \"a\", \"label\": \"\"}\n");
        QVERIFY2(e.find("emptylabel.jsonl:1: column 15: the label (\"label\") is empty") != std::string::npos, e.c_str());

        DatasetSpec tags;
        tags.path = write("mismatch.jsonl", "{\"tokens\": [\"a\"], \"tags\": [\"O\"]}\n{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n");
        e = errorOf([&] { loadDataset(tags, DatasetKind::Tokens); });
        QVERIFY2(e.find("mismatch.jsonl:2: column 24: 2 tokens but 1 tags") != std::string::npos, e.c_str());

        DatasetSpec conll;
        conll.path = write("bad.conll", "Ada B-PER\n\nlonely\n");
        e = errorOf([&] { loadDataset(conll, DatasetKind::Tokens); });
        QVERIFY2(e.find("bad.conll:3: column 7: a token without a tag") != std::string::npos, e.c_str());

        e = classificationError("onlyheader.csv", "text,label\n");
        QVERIFY2(e.find("onlyheader.csv: no examples") != std::string::npos, e.c_str());
        DatasetSpec none;
        none.path = dir_.filePath(QStringLiteral("nowhere.csv")).toStdString();
        e = errorOf([&] { loadDataset(none, DatasetKind::Classification); });
        QVERIFY2(e.find("no such file") != std::string::npos, e.c_str());
    }

    void previewAndSplit()
    {
        const std::string path = write("p.csv", "text,label\n\"a, b\",x\nc,y\nd,x\ne,y\n");
        const DataPreview p = previewDataset(path, DataFormat::Auto, 2);
        QCOMPARE(p.columns, (std::vector<std::string> { "text", "label" }));
        QCOMPARE(p.rows.size(), size_t { 2 });
        QCOMPARE(p.rows[0][0], std::string("a, b"));
        QCOMPARE(p.totalLines, int64_t { 5 });

        DatasetSpec spec;
        spec.path = path;
        const Dataset d = loadDataset(spec, DatasetKind::Classification);
        const auto [train, validation] = splitDataset(d, 0.25, 7);
        QCOMPARE(train.examples.size(), size_t { 3 });
        QCOMPARE(validation.examples.size(), size_t { 1 });
        QCOMPARE(validation.labels, d.labels);
        const auto [again, held] = splitDataset(d, 0.25, 7);
        QCOMPARE(held.examples[0].text, validation.examples[0].text); // the seed decides
        std::vector<std::string> seen;
        for (const auto* part : { &train, &validation }) {
            for (const Example& e : part->examples) {
                seen.push_back(e.text);
            }
        }
        std::sort(seen.begin(), seen.end());
        QCOMPARE(seen, (std::vector<std::string> { "a, b", "c", "d", "e" })); // nothing lost or doubled
        QVERIFY_THROWS_EXCEPTION(Error, splitDataset(d, 1.0, 0));
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "tst_dataset.moc"
