// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen-cli as a user runs it: the real executable (LUMEN_CLI_PATH) started with QProcess,
// checked against the reference outputs in tests/data/conformance/bert.

#include "conformance.h"
#include "tensor_compare.h"

#include "lumen/engine/model.h"
#include "lumen/projects/fingerprint.h"
#include "lumen/engine/safetensors.h"
#include "lumen/engine/compare.h"
#include "lumen/projects/project.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

using lumen::engine::DType;
using lumen::engine::FloatTensor;
using lumen::engine::SafetensorsFile;
using lumen::projects::Project;
using lumen::projects::RunRecord;
using lumen::projects::RunStatus;

namespace {

struct CliResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliResult runCli(const QStringList& args)
{
    QProcess process;
    process.start(QStringLiteral(LUMEN_CLI_PATH), args);
    CliResult result;
    if (!process.waitForStarted(30000) || !process.waitForFinished(300000)) {
        process.kill();
        process.waitForFinished();
        result.err = "lumen-cli did not start or did not finish: " + process.errorString().toUtf8();
        return result;
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    // A crash (the protobuf static-initialiser trap segfaults before main) is not an exit.
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return result;
}

QString describe(const CliResult& r)
{
    return QStringLiteral("exit %1\n--- stdout:\n%2\n--- stderr:\n%3")
        .arg(r.exitCode)
        .arg(QString::fromUtf8(r.out.left(4000)), QString::fromUtf8(r.err.left(4000)));
}

#define RUN_OK(result) QVERIFY2((result).exitCode == 0, qPrintable(describe(result)))

/// QCOMPARE cannot take nlohmann::json (its implicit conversions make Qt's overloads
/// ambiguous); this prints both sides on failure.
#define JSON_COMPARE(actual, expected)                                                             \
    do {                                                                                           \
        const nlohmann::json a_ = (actual);                                                        \
        const nlohmann::json e_ = (expected);                                                      \
        QVERIFY2(a_ == e_,                                                                         \
            (std::string(#actual) + " = " + a_.dump() + ", expected " + e_.dump()).c_str());       \
    } while (false)

QString bertDir()
{
    return QString::fromStdString(lumen::test::conformanceDir("bert"));
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

nlohmann::json readJson(const QString& path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in);
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
    QCOMPARE(f.write(bytes), bytes.size());
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return f.readAll();
}

/// Copies the bert case's config, tokenizer files and model.safetensors (not the .bin, so a
/// damaged safetensors cannot be papered over) into `dir`.
bool copyBert(const QString& dir)
{
    if (!QDir().mkpath(dir)) {
        return false;
    }
    for (const char* name : { "config.json", "model.safetensors", "vocab.txt",
             "tokenizer_config.json", "special_tokens_map.json" }) {
        const QString file = QString::fromLatin1(name);
        if (!QFile::copy(bertDir() + QLatin1Char('/') + file, dir + QLatin1Char('/') + file)) {
            return false;
        }
    }
    return true;
}

/// The 8-byte little-endian header length at the start of a safetensors file.
qint64 headerLength(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return -1;
    }
    const QByteArray bytes = f.read(8);
    quint64 n = 0;
    for (int i = 7; i >= 0; --i) {
        n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    }
    return static_cast<qint64>(n);
}

/// Unique parameters of the bert case: every state-dict tensor except tied copies.
int64_t manifestParameterCount()
{
    const nlohmann::json manifest =
        readJson(bertDir() + QStringLiteral("/state_dict_manifest.json"));
    int64_t count = 0;
    for (const auto& [name, entry] : manifest.at("tensors").items()) {
        if (entry.contains("tied_to")) {
            continue;
        }
        int64_t n = 1;
        for (const auto& d : entry.at("shape")) {
            n *= d.get<int64_t>();
        }
        count += n;
    }
    return count;
}

std::vector<int64_t> readInt64(const SafetensorsFile& file, const std::string& name)
{
    const lumen::engine::TensorEntry* entry = file.find(name);
    if (entry == nullptr || entry->dtype != DType::I64) {
        return {};
    }
    std::vector<int64_t> values((entry->end - entry->begin) / sizeof(int64_t));
    std::memcpy(values.data(), file.data(*entry), values.size() * sizeof(int64_t));
    return values;
}

/// Code points [start, end) of UTF-8 text.
QString codePointSlice(const QString& text, int64_t start, int64_t end)
{
    const QList<uint> ucs4 = text.toUcs4();
    QList<uint> part;
    for (int64_t i = start; i < end && i < ucs4.size(); ++i) {
        part.append(ucs4[static_cast<qsizetype>(i)]);
    }
    return QString::fromUcs4(reinterpret_cast<const char32_t*>(part.constData()), part.size());
}

const nlohmann::json& tokenizationCase(const std::string& name)
{
    for (const auto& c : lumen::test::expected("bert").at("tokenization")) {
        if (c.at("name") == name) {
            return c;
        }
    }
    throw std::runtime_error("no tokenization case " + name);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    QString dir(const QString& name) const { return tmp_.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        QVERIFY(QFile::exists(QStringLiteral(LUMEN_CLI_PATH)));
    }

    // lumen-cli links LibTorch and SentencePiece, which both carry protobuf. With the wrong
    // NEEDED order (libsentencepiece before libprotobuf) the process segfaults inside
    // protobuf's static initialisers before main() runs (DESIGN.md, "Known traps"); exit code
    // 0 and the version text prove main() ran.
    void versionStarts()
    {
        const CliResult r = runCli({ QStringLiteral("--version") });
        RUN_OK(r);
        QVERIFY2(r.out.startsWith("lumen-cli "), r.out.constData());
        QVERIFY2(QString::fromUtf8(r.out).contains(
                     QRegularExpression(QStringLiteral(R"(LibTorch \d+\.\d+\.\d+)"))),
            r.out.constData());
    }

    void helpAndUsage()
    {
        const CliResult help = runCli({ QStringLiteral("--help") });
        RUN_OK(help);
        for (const char* command :
            { "info", "tokenize", "forward", "new-model", "bench", "bench-tokenize" }) {
            QVERIFY2(help.out.contains(QByteArray("\n  ") + command + ' '), command);
        }
        const CliResult commandHelp = runCli({ QStringLiteral("help"), QStringLiteral("forward") });
        RUN_OK(commandHelp);
        QVERIFY(commandHelp.out.startsWith(
            "usage: lumen-cli forward MODEL_DIR --text T [--text T2 ...] --out FILE.safetensors"));

        const CliResult none = runCli({});
        QCOMPARE(none.exitCode, 2);
        QVERIFY(none.err.startsWith("usage: lumen-cli COMMAND"));

        const CliResult unknown = runCli({ QStringLiteral("flubber") });
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.startsWith("lumen-cli: error: unknown command 'flubber'"),
            unknown.err.constData());

        const CliResult noText = runCli({ QStringLiteral("tokenize"), bertDir() });
        QCOMPARE(noText.exitCode, 2);
        QVERIFY2(
            noText.err.startsWith("lumen-cli: error: missing --text T"), noText.err.constData());
        QVERIFY(noText.err.contains("usage: lumen-cli tokenize MODEL_DIR --text T [--json]"));

        const CliResult badOption = runCli({ QStringLiteral("tokenize"), bertDir(),
            QStringLiteral("--txt"), QStringLiteral("a") });
        QCOMPARE(badOption.exitCode, 2);
        QVERIFY2(badOption.err.contains("unknown option '--txt' for 'tokenize'"),
            badOption.err.constData());

        const CliResult noFile = runCli({ QStringLiteral("bench-tokenize"), bertDir() });
        QCOMPARE(noFile.exitCode, 2);
        QVERIFY2(
            noFile.err.startsWith("lumen-cli: error: missing --file FILE"), noFile.err.constData());

        const CliResult badNumber = runCli({ QStringLiteral("bench"), bertDir(),
            QStringLiteral("--seq-len"), QStringLiteral("ten") });
        QCOMPARE(badNumber.exitCode, 2);
        QVERIFY2(badNumber.err.contains("option '--seq-len' expects a whole number, got 'ten'"),
            badNumber.err.constData());
    }

    void tokenizeJson()
    {
        const nlohmann::json& expected = tokenizationCase("mask");
        const QString text = q(expected.at("text").get<std::string>());
        const CliResult r = runCli({ QStringLiteral("tokenize"), bertDir(),
            QStringLiteral("--text"), text, QStringLiteral("--json") });
        RUN_OK(r);
        QVERIFY2(r.out.startsWith("{\"ids\": ["), r.out.constData());
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.size(), size_t(3)); // exactly ids, tokens, offsets
        JSON_COMPARE(j.at("ids"), expected.at("ids"));
        JSON_COMPARE(j.at("tokens"), expected.at("tokens"));

        const auto& offsets = j.at("offsets");
        const auto& tokens = j.at("tokens");
        QCOMPARE(offsets.size(), tokens.size());
        const std::set<std::string> specials { "[CLS]", "[SEP]" };
        for (size_t i = 0; i < tokens.size(); ++i) {
            const std::string token = tokens[i].get<std::string>();
            const int64_t start = offsets[i].at(0).get<int64_t>();
            const int64_t end = offsets[i].at(1).get<int64_t>();
            if (specials.count(token) > 0) {
                QCOMPARE(start, int64_t(0));
                QCOMPARE(end, int64_t(0));
                continue;
            }
            // Lower-cased WordPiece: the slice of the original text, lower-cased, is the
            // token without its "##" continuation mark ([MASK] keeps its case).
            QString piece = q(token);
            if (piece.startsWith(QLatin1String("##"))) {
                piece = piece.mid(2);
            }
            QCOMPARE(codePointSlice(text, start, end).toLower(), piece.toLower());
        }
    }

    // Every tokenizer family through the real executable: the SentencePiece ones load
    // libsentencepiece with dlopen beside LibTorch's protobuf (cmake/LumenHelpers.cmake),
    // which a wrong link setup turns into a crash or a protobuf version abort.
    void tokenizeEveryFamily_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* name : { "bert", "roberta", "gpt2", "albert", "t5", "llama" }) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void tokenizeEveryFamily()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const nlohmann::json& record = lumen::test::expected(name).at("tokenization").at(0);
        const CliResult r = runCli({ QStringLiteral("tokenize"),
            q(lumen::test::conformanceDir(name)), QStringLiteral("--text"),
            q(record.at("text").get<std::string>()), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        JSON_COMPARE(j.at("ids"), record.at("ids"));
        JSON_COMPARE(j.at("tokens"), record.at("tokens"));
    }

    void tokenizeTable()
    {
        const nlohmann::json& expected = tokenizationCase("mask");
        const CliResult r = runCli({ QStringLiteral("tokenize"), bertDir(),
            QStringLiteral("--text"), q(expected.at("text").get<std::string>()) });
        RUN_OK(r);
        const QStringList lines =
            QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const size_t n = expected.at("ids").size();
        QCOMPARE(size_t(lines.size()), n + 2); // header, one row per token, count
        QVERIFY(lines.front().contains(QLatin1String("token")));
        // Row 7 is the mask: index, id, token, offsets 25-31 in "The capital of France is [MASK]."
        const QStringList row = lines[8].split(QLatin1Char(' '), Qt::SkipEmptyParts);
        QCOMPARE(row,
            (QStringList { QStringLiteral("7"), QStringLiteral("4"), QStringLiteral("[MASK]"),
                QStringLiteral("25-31") }));
        QCOMPARE(lines.back(), QStringLiteral("%1 tokens (wordpiece)").arg(n));
    }

    void forwardBatch()
    {
        const nlohmann::json& batch = lumen::test::expected("bert").at("batch");
        const nlohmann::json config = readJson(bertDir() + QStringLiteral("/config.json"));
        const int64_t layers = config.at("num_hidden_layers");
        const QString out = dir(QStringLiteral("batch.safetensors"));
        QStringList args { QStringLiteral("forward"), bertDir() };
        for (const auto& text : batch.at("text")) {
            args << QStringLiteral("--text") << q(text.get<std::string>());
        }
        args << QStringLiteral("--out") << out;
        const CliResult r = runCli(args);
        RUN_OK(r);

        const SafetensorsFile file = SafetensorsFile::open(out.toStdString());
        std::set<std::string> names;
        for (const auto& t : file.tensors()) {
            names.insert(t.name);
        }
        std::set<std::string> wanted { "last_hidden_state", "input_ids", "attention_mask",
            "token_type_ids", "logits", "pooler_output", "seq_relationship_logits" };
        for (int64_t i = 0; i <= layers; ++i) {
            wanted.insert("hidden_states." + std::to_string(i));
        }
        for (int64_t i = 0; i < layers; ++i) {
            wanted.insert("attentions." + std::to_string(i));
        }
        QCOMPARE(names, wanted);

        // Ids and mask: I64, identical to the reference's padded batch.
        std::vector<int64_t> ids;
        std::vector<int64_t> mask;
        for (const auto& row : batch.at("input_ids")) {
            for (const auto& v : row) {
                ids.push_back(v);
            }
        }
        for (const auto& row : batch.at("attention_mask")) {
            for (const auto& v : row) {
                mask.push_back(v);
            }
        }
        const int64_t rows = batch.at("input_ids").size();
        const int64_t seq = batch.at("input_ids").at(0).size();
        QCOMPARE(file.find("input_ids")->shape, (std::vector<int64_t> { rows, seq }));
        QCOMPARE(readInt64(file, "input_ids"), ids);
        QCOMPARE(readInt64(file, "attention_mask"), mask);

        for (const std::string name : { "last_hidden_state", "logits", "pooler_output",
                 "seq_relationship_logits", "hidden_states.0", "attentions.0" }) {
            QCOMPARE(file.find(name)->dtype, DType::F32);
        }
        const int64_t hidden = config.at("hidden_size");
        const int64_t heads = config.at("num_attention_heads");
        QCOMPARE(
            file.find("attentions.0")->shape, (std::vector<int64_t> { rows, heads, seq, seq }));
        QCOMPARE(file.find("hidden_states.0")->shape, (std::vector<int64_t> { rows, seq, hidden }));
        QCOMPARE(file.find("logits")->shape,
            (std::vector<int64_t> { rows, seq, config.at("vocab_size").get<int64_t>() }));

        using lumen::test::jsonToFloat;
        using lumen::test::slice;
        // Compare real positions only: values at pads are whatever the reference computed.
        for (int64_t b = 0; b < rows; ++b) {
            int64_t len = 0;
            for (const auto& m : batch.at("attention_mask").at(b)) {
                len += m.get<int64_t>();
            }
            const std::vector<std::pair<int64_t, int64_t>> real { { b, b + 1 }, { 0, len } };
            LUMEN_COMPARE_HIDDEN(slice(file.readFloat("last_hidden_state"), real),
                slice(jsonToFloat(batch.at("last_hidden_state")), real));
            LUMEN_COMPARE_HIDDEN(slice(file.readFloat("logits"), real),
                slice(jsonToFloat(batch.at("logits")), real));
            for (int64_t i = 0; i <= layers; ++i) {
                LUMEN_COMPARE_HIDDEN(
                    slice(file.readFloat("hidden_states." + std::to_string(i)), real),
                    slice(jsonToFloat(batch.at("hidden_states").at(i)), real));
            }
            const std::vector<std::pair<int64_t, int64_t>> realAttention { { b, b + 1 },
                { 0, heads }, { 0, len }, { 0, len } };
            for (int64_t i = 0; i < layers; ++i) {
                LUMEN_COMPARE_ATTENTION(
                    slice(file.readFloat("attentions." + std::to_string(i)), realAttention),
                    slice(jsonToFloat(batch.at("attentions").at(i)), realAttention));
            }
        }
        // The pooler reads the first ([CLS]) position, which is real in every row.
        LUMEN_COMPARE_HIDDEN(
            file.readFloat("pooler_output"), jsonToFloat(batch.at("pooler_output")));
        LUMEN_COMPARE_HIDDEN(file.readFloat("seq_relationship_logits"),
            jsonToFloat(batch.at("seq_relationship_logits")));
    }

    void infoJson()
    {
        const CliResult r = runCli({ QStringLiteral("info"), bertDir(), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        const nlohmann::json config = readJson(bertDir() + QStringLiteral("/config.json"));
        JSON_COMPARE(j.at("model_type"), config.at("model_type"));
        JSON_COMPARE(j.at("architecture"), config.at("architectures").at(0));
        JSON_COMPARE(j.at("vocab_size"), config.at("vocab_size"));
        JSON_COMPARE(j.at("hidden_size"), config.at("hidden_size"));
        JSON_COMPARE(j.at("num_layers"), config.at("num_hidden_layers"));
        JSON_COMPARE(j.at("num_heads"), config.at("num_attention_heads"));
        JSON_COMPARE(j.at("intermediate_size"), config.at("intermediate_size"));
        JSON_COMPARE(j.at("max_positions"), config.at("max_position_embeddings"));
        QCOMPARE(j.at("parameters").get<int64_t>(), manifestParameterCount());
        JSON_COMPARE(j.at("dtype"), nlohmann::json("float32"));
        JSON_COMPARE(j.at("device"), nlohmann::json("cpu"));
        QVERIFY(q(j.at("weights_file").get<std::string>())
                    .endsWith(QLatin1String("model.safetensors")));
        JSON_COMPARE(j.at("tokenizer"), nlohmann::json("wordpiece"));
        QVERIFY(j.at("warnings").is_array());

        const CliResult text = runCli({ QStringLiteral("info"), bertDir() });
        RUN_OK(text);
        QVERIFY2(text.out.contains("Parameters"), text.out.constData());
        QVERIFY(QString::fromUtf8(text.out).contains(QRegularExpression(
            QStringLiteral("Layers +%1\n").arg(config.at("num_hidden_layers").get<int>()))));
    }

    void infoSystem()
    {
        const CliResult r = runCli(
            { QStringLiteral("info"), QStringLiteral("--system"), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QVERIFY(QRegularExpression(QStringLiteral(R"(^\d+\.\d+\.\d+$)"))
                    .match(q(j.at("torch_version").get<std::string>()))
                    .hasMatch());
        const std::string kind = j.at("blas_kind");
        const std::set<std::string> kinds { "openblas", "reference", "mkl", "blis", "atlas",
            "unknown" };
        QVERIFY2(kinds.count(kind) == 1, kind.c_str());
        QCOMPARE(j.at("blas_is_reference").get<bool>(), kind == "reference");
        // The warning goes to stderr exactly when the slow reference BLAS is in use.
        QCOMPARE(r.err.contains("The reference BLAS ("), kind == "reference");
        QVERIFY(j.at("intra_op_threads").get<int>() >= 1);
        QVERIFY(j.at("hardware_threads").get<int>() >= 1);
        JSON_COMPARE(j.at("devices").at(0), nlohmann::json("cpu"));
        if (kind != "unknown") {
            QVERIFY(QFile::exists(q(j.at("blas_library").get<std::string>())));
        }
    }

    void newModelRoundTrip()
    {
        // The config alone in its folder: no tokenizer travels with the model.
        const QString configDir = dir(QStringLiteral("config-only"));
        QVERIFY(QDir().mkpath(configDir));
        const QString configPath = configDir + QStringLiteral("/config.json");
        QVERIFY(QFile::copy(bertDir() + QStringLiteral("/config.json"), configPath));

        const auto make = [&](const QString& out, const QString& seed) {
            return runCli({ QStringLiteral("new-model"), QStringLiteral("--config"), configPath,
                QStringLiteral("--out"), out, QStringLiteral("--seed"), seed });
        };
        const QString a = dir(QStringLiteral("random-a"));
        const QString b = dir(QStringLiteral("random-b"));
        const QString c = dir(QStringLiteral("random-c"));
        const CliResult ra = make(a, QStringLiteral("7"));
        RUN_OK(ra);
        RUN_OK(make(b, QStringLiteral("7")));
        RUN_OK(make(c, QStringLiteral("8")));

        const int64_t expectedCount = manifestParameterCount();
        QVERIFY2(ra.out.contains(a.toUtf8()), ra.out.constData());
        const auto m = QRegularExpression(QStringLiteral(R"(with ([\d,]+) parameters)"))
                           .match(QString::fromUtf8(ra.out));
        QVERIFY2(m.hasMatch(), ra.out.constData());
        QCOMPARE(m.captured(1).remove(QLatin1Char(',')).toLongLong(), expectedCount);

        const QByteArray weightsA = readFile(a + QStringLiteral("/model.safetensors"));
        QVERIFY(!weightsA.isEmpty());
        QCOMPARE(weightsA, readFile(b + QStringLiteral("/model.safetensors")));
        QVERIFY(weightsA != readFile(c + QStringLiteral("/model.safetensors")));
        QVERIFY(!QFile::exists(a + QStringLiteral("/vocab.txt")));

        const CliResult info = runCli({ QStringLiteral("info"), a, QStringLiteral("--json") });
        RUN_OK(info);
        const nlohmann::json j = nlohmann::json::parse(info.out.toStdString());
        const nlohmann::json config = readJson(configPath);
        QCOMPARE(j.at("parameters").get<int64_t>(), expectedCount);
        JSON_COMPARE(j.at("hidden_size"), config.at("hidden_size"));
        JSON_COMPARE(j.at("num_layers"), config.at("num_hidden_layers"));
        QVERIFY(j.at("tokenizer").is_null());
    }

    void benchWithProject()
    {
        const QString project = dir(QStringLiteral("bench.lumen"));
        const CliResult r = runCli({ QStringLiteral("bench"), bertDir(),
            QStringLiteral("--seq-len"), QStringLiteral("16"), QStringLiteral("--batch"),
            QStringLiteral("2"), QStringLiteral("--repeats"), QStringLiteral("3"),
            QStringLiteral("--warmup"), QStringLiteral("1"), QStringLiteral("--compare-attention"),
            QStringLiteral("--json"), QStringLiteral("--project"), project });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("runs").size(), size_t(2));
        JSON_COMPARE(j.at("runs").at(0).at("capture_attention"), nlohmann::json(false));
        JSON_COMPARE(j.at("runs").at(1).at("capture_attention"), nlohmann::json(true));
        for (const auto& run : j.at("runs")) {
            QCOMPARE(run.at("times_ms").size(), size_t(3));
            const double median = run.at("median_ms");
            QVERIFY(run.at("min_ms").get<double>() <= median);
            QVERIFY(median <= run.at("max_ms").get<double>());
            QVERIFY(median > 0.0);
            QCOMPARE(run.at("tokens_per_second").get<double>(), 2 * 16 / (median / 1000.0));
        }
        QVERIFY(j.contains("attention_overhead_percent"));

        const auto p = Project::open(project.toStdString());
        const std::vector<RunRecord> runs = p->listRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(runs[0].kind, std::string("bench"));
        QCOMPARE(runs[0].status, RunStatus::Completed);
        const auto series = p->metricSeries(runs[0].id, "forward_ms");
        QCOMPARE(series.steps, (std::vector<int64_t> { 0, 1, 2 }));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(series.values[i], j.at("runs").at(0).at("times_ms").at(i).get<double>());
        }
        QCOMPARE(p->metricSeries(runs[0].id, "forward_ms_attention").values.size(), size_t(3));

        const CliResult tooLong = runCli({ QStringLiteral("bench"), bertDir(),
            QStringLiteral("--seq-len"), QStringLiteral("65") });
        QCOMPARE(tooLong.exitCode, 1);
        QVERIFY2(tooLong.err.contains("sequence length 65 exceeds the model's "
                                      "max_position_embeddings (64)"),
            tooLong.err.constData());
    }

    // bench --load: load times and memory per load, the weights' size, metrics per load.
    // attention draws the GUI's views headless: a real PNG of the asked size, every view, and
    // usage errors before anything runs.
    void attentionImages_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::newRow("heatmap") << QStringList { QStringLiteral("--layer"), QStringLiteral("1"),
            QStringLiteral("--head"), QStringLiteral("mean") };
        QTest::newRow("heads") << QStringList { QStringLiteral("--view"), QStringLiteral("heads") };
        QTest::newRow("model") << QStringList { QStringLiteral("--view"), QStringLiteral("model") };
        QTest::newRow("rollout") << QStringList { QStringLiteral("--rollout") };
    }

    void attentionImages()
    {
        QFETCH(QStringList, options);
        const QString png =
            dir(QStringLiteral("attention-%1.png").arg(QLatin1String(QTest::currentDataTag())));
        QStringList args { QStringLiteral("attention"), bertDir(), QStringLiteral("--text"),
            QStringLiteral("The quick brown fox."), QStringLiteral("--png"), png,
            QStringLiteral("--width"), QStringLiteral("800"), QStringLiteral("--height"),
            QStringLiteral("600"), QStringLiteral("--json") };
        args << options;
        const CliResult r = runCli(args);
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(QString::fromStdString(j.at("png").get<std::string>()),
            QFileInfo(png).absoluteFilePath());
        QCOMPARE(j.at("layers").get<int>(), 3);
        QCOMPARE(
            j.at("layer").get<int>(), QTest::currentDataTag() == QByteArray("heatmap") ? 1 : 2);
        QVERIFY(r.err.isEmpty()); // Qt's own chatter stays out of the way
        const QImage image(png);
        QCOMPARE(image.size(), QSize(800, 600));
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 5) {
            for (int x = 0; x < image.width(); x += 5) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY(colours.size() > 8); // drawn, not blank
    }

    // fill-mask against the reference: the top-5 ids and tokens at every mask are the
    // reference's, and each probability is the softmax of the reference's logits there.
    void fillMaskMatchesTheReference_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* name :
            { "bert", "bert-cased", "roberta", "albert", "distilbert", "electra-generator" }) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void fillMaskMatchesTheReference()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const nlohmann::json* record = nullptr;
        for (const auto& r : lumen::test::expected(name).at("forward")) {
            if (r.contains("top5_at_mask")) {
                record = &r;
            }
        }
        QVERIFY(record != nullptr);
        const CliResult r = runCli({ QStringLiteral("fill-mask"), q(lumen::test::conformanceDir(name)),
            QStringLiteral("--text"), q(record->at("text").get<std::string>()),
            QStringLiteral("--top-k"), QStringLiteral("5"), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        const nlohmann::json& expected = record->at("top5_at_mask");
        QCOMPARE(j.at("masks").size(), expected.size());
        for (size_t m = 0; m < expected.size(); ++m) {
            const nlohmann::json& got = j.at("masks").at(m);
            const int64_t position = expected[m].at("position").get<int64_t>();
            QCOMPARE(got.at("position").get<int64_t>(), position);
            // The reference's probabilities: softmax of its logits row, in double.
            const nlohmann::json& row = record->at("logits").at(static_cast<size_t>(position));
            double top = -1e300;
            for (const auto& v : row) {
                top = std::max(top, v.get<double>());
            }
            double sum = 0.0;
            for (const auto& v : row) {
                sum += std::exp(v.get<double>() - top);
            }
            for (size_t c = 0; c < 5; ++c) {
                const nlohmann::json& candidate = got.at("candidates").at(c);
                QCOMPARE(candidate.at("id").get<int64_t>(), expected[m].at("ids").at(c).get<int64_t>());
                QCOMPARE(candidate.at("token").get<std::string>(),
                    expected[m].at("tokens").at(c).get<std::string>());
                const double reference =
                    std::exp(expected[m].at("logits").at(c).get<double>() - top) / sum;
                const double probability = candidate.at("probability").get<double>();
                QVERIFY2(std::abs(probability - reference) <= 1e-4 * reference + 1e-7,
                    qPrintable(QStringLiteral("candidate %1: %2 vs reference %3")
                                   .arg(c)
                                   .arg(probability, 0, 'g', 9)
                                   .arg(reference, 0, 'g', 9)));
            }
        }
    }

    // Greedy generation is the reference's, token for token, with the same top 5 each step,
    // with and without the KV cache.
    void generateMatchesTheReference_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::newRow("gpt2") << QStringLiteral("gpt2");
        QTest::newRow("llama") << QStringLiteral("llama");
        QTest::newRow("t5") << QStringLiteral("t5"); // from the encoder's input
    }

    void generateMatchesTheReference()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const nlohmann::json& g = lumen::test::expected(name).at("generation");
        // With the cache, without it, and as a beam search with one beam.
        for (const int variant : { 0, 1, 2 }) {
            QStringList args { QStringLiteral("generate"), q(lumen::test::conformanceDir(name)),
                QStringLiteral("--prompt"), q(g.at("prompt").get<std::string>()),
                QStringLiteral("--max-new-tokens"),
                QString::number(g.at("new_token_ids").size()), QStringLiteral("--json") };
            if (variant == 1) {
                args << QStringLiteral("--no-cache");
            } else if (variant == 2) {
                args << QStringLiteral("--beams") << QStringLiteral("1");
            }
            const CliResult r = runCli(args);
            RUN_OK(r);
            const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
            JSON_COMPARE(j.at("new_token_ids"), g.at("new_token_ids"));
            JSON_COMPARE(j.at("new_tokens"), g.at("new_tokens"));
            JSON_COMPARE(j.at("prompt_ids"), g.at("prompt_ids"));
            const nlohmann::json& steps = j.at("steps");
            QCOMPARE(steps.size(), g.at("step_scores_top5").size());
            for (size_t i = 0; i < steps.size(); ++i) {
                nlohmann::json ids = nlohmann::json::array();
                for (const auto& t : steps[i].at("top")) {
                    ids.push_back(t.at("id"));
                }
                JSON_COMPARE(ids, g.at("step_scores_top5")[i].at("top5_ids"));
                QCOMPARE(steps[i].at("id").get<int64_t>(), g.at("new_token_ids")[i].get<int64_t>());
            }
        }
    }

    // Sampling: a seed reproduces the text; top-k and top-p never choose outside their set.
    void generateSampling()
    {
        const QString gpt2 = q(lumen::test::conformanceDir("gpt2"));
        const auto sample = [&](const QStringList& options) {
            QStringList args { QStringLiteral("generate"), gpt2, QStringLiteral("--prompt"),
                QStringLiteral("The quick brown fox"), QStringLiteral("--max-new-tokens"),
                QStringLiteral("48"), QStringLiteral("--json") };
            const CliResult r = runCli(args + options);
            return r.exitCode == 0 ? nlohmann::json::parse(r.out.toStdString()) : nlohmann::json();
        };
        const nlohmann::json a = sample({ QStringLiteral("--temperature"), QStringLiteral("1.5"),
            QStringLiteral("--seed"), QStringLiteral("7") });
        const nlohmann::json b = sample({ QStringLiteral("--temperature"), QStringLiteral("1.5"),
            QStringLiteral("--seed"), QStringLiteral("7") });
        const nlohmann::json c = sample({ QStringLiteral("--temperature"), QStringLiteral("1.5"),
            QStringLiteral("--seed"), QStringLiteral("8") });
        QVERIFY(!a.is_null());
        JSON_COMPARE(a.at("new_token_ids"), b.at("new_token_ids"));
        QVERIFY(a.at("new_token_ids") != c.at("new_token_ids")); // the random model is flat
        const nlohmann::json greedy = sample({ QStringLiteral("--greedy") });
        const nlohmann::json topOne = sample({ QStringLiteral("--top-k"), QStringLiteral("1"),
            QStringLiteral("--seed"), QStringLiteral("3") });
        JSON_COMPARE(topOne.at("new_token_ids"), greedy.at("new_token_ids"));
        for (const char* seed : { "1", "2", "3" }) {
            const nlohmann::json k = sample({ QStringLiteral("--top-k"), QStringLiteral("3"),
                QStringLiteral("--seed"), QLatin1String(seed) });
            for (const auto& step : k.at("steps")) {
                bool inTop3 = false;
                for (size_t t = 0; t < 3; ++t) {
                    inTop3 = inTop3 || step.at("top").at(t).at("id") == step.at("id");
                }
                QVERIFY2(inTop3, step.dump().c_str());
            }
            // top-p 0.3: the tokens ranked above the chosen one hold less than 0.3.
            const nlohmann::json p = sample({ QStringLiteral("--top-p"), QStringLiteral("0.3"),
                QStringLiteral("--seed"), QLatin1String(seed) });
            for (const auto& step : p.at("steps")) {
                double above = 0.0;
                bool found = false;
                for (const auto& t : step.at("top")) {
                    if (t.at("id") == step.at("id")) {
                        found = true;
                        break;
                    }
                    above += t.at("probability").get<double>();
                }
                // Outside the top 5 would mean 5 tokens above it: they alone hold < 0.3 here.
                QVERIFY2(above < 0.3, step.dump().c_str());
                (void)found;
            }
        }
    }

    // Similarity: the cosine of mean-pooled embeddings equals what the reference's hidden
    // states give; the matrix is symmetric with 1 on its diagonal.
    void similarityMatchesTheReference()
    {
        const nlohmann::json& batch = lumen::test::expected("bert").at("batch");
        const nlohmann::json& texts = batch.at("text");
        QCOMPARE(texts.size(), size_t(2));
        const CliResult r = runCli({ QStringLiteral("similarity"), bertDir(), QStringLiteral("--text"),
            q(texts[0].get<std::string>()), QStringLiteral("--text"), q(texts[1].get<std::string>()),
            QStringLiteral("--text"), q(texts[0].get<std::string>()), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        const nlohmann::json& cosine = j.at("cosine");
        std::vector<std::vector<double>> pooled;
        for (size_t b = 0; b < 2; ++b) {
            const nlohmann::json& states = batch.at("last_hidden_state")[b];
            const nlohmann::json& mask = batch.at("attention_mask")[b];
            std::vector<double> sum(states[0].size(), 0.0);
            int count = 0;
            for (size_t t = 0; t < states.size(); ++t) {
                if (mask[t].get<int>() == 0) {
                    continue;
                }
                for (size_t d = 0; d < sum.size(); ++d) {
                    sum[d] += states[t][d].get<double>();
                }
                ++count;
            }
            for (double& v : sum) {
                v /= count;
            }
            pooled.push_back(sum);
        }
        double dot = 0.0;
        double n0 = 0.0;
        double n1 = 0.0;
        for (size_t d = 0; d < pooled[0].size(); ++d) {
            dot += pooled[0][d] * pooled[1][d];
            n0 += pooled[0][d] * pooled[0][d];
            n1 += pooled[1][d] * pooled[1][d];
        }
        const double reference = dot / std::sqrt(n0 * n1);
        QVERIFY2(std::abs(cosine[0][1].get<double>() - reference) < 1e-5,
            qPrintable(QString::number(cosine[0][1].get<double>(), 'g', 9) + QStringLiteral(" vs ")
                + QString::number(reference, 'g', 9)));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(cosine[i][i].get<double>(), 1.0);
            for (size_t k = 0; k < 3; ++k) {
                QCOMPARE(cosine[i][k].get<double>(), cosine[k][i].get<double>());
            }
        }
        QVERIFY(std::abs(cosine[0][2].get<double>() - 1.0) < 1e-6); // the same text twice
        const CliResult one = runCli({ QStringLiteral("similarity"), bertDir(), QStringLiteral("--text"),
            QStringLiteral("alone") });
        QCOMPARE(one.exitCode, 2);
    }

    // Scoring: each token's probability is the softmax of the reference's logits at the
    // position before it; the perplexity follows from them.
    void scoreMatchesTheReference()
    {
        const nlohmann::json& f = lumen::test::expected("gpt2").at("forward")[0];
        const CliResult r = runCli({ QStringLiteral("score"), q(lumen::test::conformanceDir("gpt2")),
            QStringLiteral("--text"), q(f.at("text").get<std::string>()), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        const nlohmann::json& ids = f.at("input_ids");
        const nlohmann::json& logits = f.at("logits");
        QCOMPARE(j.at("tokens").size(), ids.size() - 1);
        double nll = 0.0;
        for (size_t i = 1; i < ids.size(); ++i) {
            const nlohmann::json& row = logits[i - 1];
            double top = -1e300;
            for (const auto& v : row) {
                top = std::max(top, v.get<double>());
            }
            double sum = 0.0;
            for (const auto& v : row) {
                sum += std::exp(v.get<double>() - top);
            }
            const double reference = std::exp(row[ids[i].get<size_t>()].get<double>() - top) / sum;
            const nlohmann::json& got = j.at("tokens")[i - 1];
            QCOMPARE(got.at("id").get<int64_t>(), ids[i].get<int64_t>());
            QVERIFY(std::abs(got.at("probability").get<double>() - reference) <= 1e-4 * reference);
            QVERIFY(std::abs(got.at("surprisal_bits").get<double>() + std::log2(reference)) < 1e-3);
            nll -= std::log(reference);
        }
        const double perplexity = std::exp(nll / static_cast<double>(ids.size() - 1));
        QVERIFY(std::abs(j.at("perplexity").get<double>() - perplexity) <= 1e-3 * perplexity);
        // A masked-LM: pseudo-log-likelihood, each token masked alone; at the mask position
        // of the reference's masked text the probability of the masked-out token is what the
        // reference's logits give for [MASK] there.
        const nlohmann::json& m = lumen::test::expected("bert").at("forward")[0];
        std::string original = m.at("text").get<std::string>();
        original.replace(original.find("[MASK]"), 6, "is"); // one token where [MASK] was
        const CliResult pll = runCli({ QStringLiteral("score"), bertDir(), QStringLiteral("--text"),
            q(original), QStringLiteral("--json") });
        RUN_OK(pll);
        const nlohmann::json pj = nlohmann::json::parse(pll.out.toStdString());
        QCOMPARE(pj.at("pseudo_log_likelihood").get<bool>(), true);
        QCOMPARE(pj.at("tokens").size(), m.at("input_ids").size() - 2); // [CLS] and [SEP] not scored
        const size_t at = m.at("mask_positions")[0].get<size_t>() - 1; // [CLS] skipped
        const nlohmann::json& scored = pj.at("tokens")[at];
        const nlohmann::json& row = m.at("logits")[at + 1];
        double top = -1e300;
        for (const auto& v : row) {
            top = std::max(top, v.get<double>());
        }
        double sum = 0.0;
        for (const auto& v : row) {
            sum += std::exp(v.get<double>() - top);
        }
        const double reference = std::exp(row[scored.at("id").get<size_t>()].get<double>() - top) / sum;
        QVERIFY2(std::abs(scored.at("probability").get<double>() - reference) <= 1e-4 * reference,
            scored.dump().c_str());
        const CliResult discriminator = runCli({ QStringLiteral("score"),
            q(lumen::test::conformanceDir("electra")), QStringLiteral("--text"), QStringLiteral("x y") });
        QCOMPARE(discriminator.exitCode, 1);
        QVERIFY(discriminator.err.contains("cannot score a text"));
    }

    void benchGenerate()
    {
        const CliResult r = runCli({ QStringLiteral("bench-generate"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--new-tokens"),
            QStringLiteral("6"), QStringLiteral("--repeats"), QStringLiteral("2"),
            QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("runs").size(), size_t(2));
        QCOMPARE(j.at("runs")[0].at("kv_cache").get<bool>(), true);
        QCOMPARE(j.at("runs")[1].at("times_ms").size(), size_t(2));
        QVERIFY(j.at("copy_bandwidth_bytes_per_second").get<double>() > 1e8);
        QVERIFY(j.at("bandwidth_bound_tokens_per_second").get<double>() > 0.0);
        QCOMPARE(j.at("weight_bytes").get<double>(), 4.0 * j.at("parameters").get<double>());
        const CliResult encoder = runCli({ QStringLiteral("bench-generate"), bertDir() });
        QCOMPARE(encoder.exitCode, 1);
    }

    void generateErrors()
    {
        const CliResult encoder = runCli({ QStringLiteral("generate"), bertDir(),
            QStringLiteral("--prompt"), QStringLiteral("Hello") });
        QCOMPARE(encoder.exitCode, 1);
        QVERIFY(encoder.err.contains("has no causal language-model head"));
        const CliResult empty = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--prompt"), QStringLiteral(" ") });
        QCOMPARE(empty.exitCode, 1);
        const CliResult both = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--prompt"), QStringLiteral("x"),
            QStringLiteral("--greedy"), QStringLiteral("--temperature"), QStringLiteral("0.5") });
        QCOMPARE(both.exitCode, 2);
        const CliResult badP = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--prompt"), QStringLiteral("x"),
            QStringLiteral("--top-p"), QStringLiteral("1.5") });
        QCOMPARE(badP.exitCode, 2);
        const CliResult beamsAndSampling = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--prompt"), QStringLiteral("x"),
            QStringLiteral("--beams"), QStringLiteral("3"), QStringLiteral("--seed"), QStringLiteral("1") });
        QCOMPARE(beamsAndSampling.exitCode, 2);
        QVERIFY(beamsAndSampling.err.contains("--beams"));
        // A stop string ends the text before it.
        const CliResult stop = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("llama")), QStringLiteral("--prompt"),
            QStringLiteral("The quick brown fox"), QStringLiteral("--max-new-tokens"),
            QStringLiteral("8"), QStringLiteral("--json") });
        RUN_OK(stop);
        const nlohmann::json full = nlohmann::json::parse(stop.out.toStdString());
        const std::string text = full.at("text").get<std::string>();
        QVERIFY(text.size() > 4);
        const std::string marker = text.substr(text.size() / 2, 2);
        const CliResult cut = runCli({ QStringLiteral("generate"),
            q(lumen::test::conformanceDir("llama")), QStringLiteral("--prompt"),
            QStringLiteral("The quick brown fox"), QStringLiteral("--max-new-tokens"),
            QStringLiteral("8"), QStringLiteral("--stop"), q(marker), QStringLiteral("--json") });
        RUN_OK(cut);
        const nlohmann::json stopped = nlohmann::json::parse(cut.out.toStdString());
        QCOMPARE(stopped.at("stop_reason").get<std::string>(), std::string("stop-string"));
        QCOMPARE(stopped.at("text").get<std::string>(), text.substr(0, text.find(marker)));
    }

    // The logit lens on the command line: a row per layer and the embeddings, the last row
    // fill-mask's own candidates (tst_demos checks every row against cut-down models).
    void logitLens()
    {
        const QString text = QStringLiteral("the capital of france is [MASK].");
        const CliResult lens = runCli({ QStringLiteral("logit-lens"), q(lumen::test::conformanceDir("bert")),
            QStringLiteral("--text"), text, QStringLiteral("--json") });
        RUN_OK(lens);
        const CliResult fill = runCli({ QStringLiteral("fill-mask"), q(lumen::test::conformanceDir("bert")),
            QStringLiteral("--text"), text, QStringLiteral("--json") });
        RUN_OK(fill);
        const nlohmann::json l = nlohmann::json::parse(lens.out.toStdString());
        const nlohmann::json f = nlohmann::json::parse(fill.out.toStdString());
        QCOMPARE(l.at("layers").get<int>(), 3);
        QCOMPARE(l.at("positions").size(), size_t { 1 });
        const nlohmann::json& position = l.at("positions")[0];
        JSON_COMPARE(position.at("position"), f.at("masks")[0].at("position"));
        QCOMPARE(position.at("layers").size(), size_t { 4 });
        const nlohmann::json& last = position.at("layers")[3].at("top");
        for (size_t k = 0; k < 5; ++k) {
            JSON_COMPARE(last[k].at("id"), f.at("masks")[0].at("candidates")[k].at("id"));
        }
        QCOMPARE(position.at("layers")[3].at("final_rank").get<int>(), 0);
        const CliResult noTarget = runCli({ QStringLiteral("logit-lens"), q(lumen::test::conformanceDir("t5")),
            QStringLiteral("--text"), text });
        QCOMPARE(noTarget.exitCode, 1);
        QVERIFY(noTarget.err.contains("target"));
    }

    // bench-length: a row per model and length, FLOPs growing with the length, lengths past
    // a model's positions skipped and said.
    void benchLength()
    {
        const CliResult r = runCli({ QStringLiteral("bench-length"), q(lumen::test::conformanceDir("gpt2")),
            q(lumen::test::conformanceDir("bert")), QStringLiteral("--lengths"), QStringLiteral("8,16,100"),
            QStringLiteral("--repeats"), QStringLiteral("1"), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("models").size(), size_t { 2 });
        const nlohmann::json& gpt2 = j.at("models")[0].at("rows");
        QCOMPARE(gpt2.size(), size_t { 3 });
        QVERIFY(gpt2[0].at("median_ms").get<double>() > 0.0);
        QVERIFY(gpt2[1].at("flops").get<double>() > 2.0 * gpt2[0].at("flops").get<double>()); // attention: more than linear
        QVERIFY(gpt2[2].contains("skipped")); // the conformance models have 64 positions
        QVERIFY(gpt2[2].at("skipped").get<std::string>().find("64") != std::string::npos);
        QCOMPARE(j.at("models")[1].at("rows")[1].at("length").get<int>(), 16);
        const CliResult none = runCli({ QStringLiteral("bench-length"), QStringLiteral("--lengths"), QStringLiteral("8") });
        QCOMPARE(none.exitCode, 2);
    }

    // context-ablation: BERT's loss with two tokens each side, and the run it records.
    void contextAblation()
    {
        const QString project = dir(QStringLiteral("ablation.lumen"));
        const CliResult r = runCli({ QStringLiteral("context-ablation"), bertDir(), QStringLiteral("--text"),
            QStringLiteral("the cat sat on the mat and looked at the dog"), QStringLiteral("--distances"),
            QStringLiteral("0,2,40"), QStringLiteral("--mode"), QStringLiteral("shuffle"), QStringLiteral("--json"),
            QStringLiteral("--project"), project });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("mode").get<std::string>(), std::string("shuffle"));
        QCOMPARE(j.at("points").size(), size_t { 3 });
        QCOMPARE(j.at("points")[2].at("ablated_targets").get<int>(), 0); // nothing is 40 away
        QCOMPARE(j.at("points")[2].at("loss").get<double>(), j.at("full_loss").get<double>());
        QVERIFY(j.at("points")[0].at("loss").get<double>() != j.at("full_loss").get<double>());
        const auto runs = Project::open(project.toStdString())->listRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(q(runs[0].kind), QStringLiteral("context-ablation"));
        const CliResult bad = runCli({ QStringLiteral("context-ablation"), bertDir(), QStringLiteral("--text"),
            QStringLiteral("a b"), QStringLiteral("--mode"), QStringLiteral("blur") });
        QCOMPARE(bad.exitCode, 2);
        const CliResult noText = runCli({ QStringLiteral("context-ablation"), bertDir() });
        QCOMPARE(noText.exitCode, 2);
    }

    // new-image-cnn + image-field: the dilated stack's field read back from TorchScript, the
    // gradient inside it, a heatmap PNG over an image; a file that is no TorchScript model.
    void imageField()
    {
        const QString cnn = dir(QStringLiteral("cnn.pt"));
        const CliResult made = runCli({ QStringLiteral("new-image-cnn"), QStringLiteral("--out"), cnn,
            QStringLiteral("--layers"), QStringLiteral("3"), QStringLiteral("--channels"), QStringLiteral("4"),
            QStringLiteral("--dilation"), QStringLiteral("1,2,4") });
        RUN_OK(made);
        const CliResult r = runCli({ QStringLiteral("image-field"), cnn, QStringLiteral("--size"), QStringLiteral("24x20"),
            QStringLiteral("--samples"), QStringLiteral("2"), QStringLiteral("--json") });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("layers").size(), size_t { 3 });
        QCOMPARE(j.at("layers")[2].at("field")[0].get<int>(), 15);
        const nlohmann::json& g = j.at("gradient");
        QCOMPARE(g.at("unit")[0].get<int>(), 12);
        QCOMPARE(g.at("field_box")[0].get<int>(), 12 - 7);
        QCOMPARE(g.at("magnitude").size(), size_t { 24 * 20 });
        QCOMPARE(g.at("magnitude")[0].get<double>(), 0.0); // (0, 0) is 12 rows from the unit
        QVERIFY(g.at("magnitude")[12 * 20 + 10].get<double>() > 0.0);

        QImage picture(30, 40, QImage::Format_RGB32);
        picture.fill(QColor(200, 120, 40));
        const QString image = dir(QStringLiteral("picture.png"));
        QVERIFY(picture.save(image));
        const QString png = dir(QStringLiteral("field.png"));
        const CliResult drawn = runCli({ QStringLiteral("image-field"), cnn, QStringLiteral("--image"), image,
            QStringLiteral("--png"), png, QStringLiteral("--scale"), QStringLiteral("2") });
        RUN_OK(drawn);
        QCOMPARE(QImage(png).size(), QSize(60, 80));
        QVERIFY(drawn.out.contains("the image"));

        const CliResult junk = runCli({ QStringLiteral("image-field"), image });
        QCOMPARE(junk.exitCode, 1);
        QVERIFY(junk.err.contains("torch.jit.script"));
        const CliResult both = runCli({ QStringLiteral("image-field"), cnn, QStringLiteral("--image"), image,
            QStringLiteral("--samples"), QStringLiteral("3") });
        QCOMPARE(both.exitCode, 2);
    }

    // train: a job file, a recorded run with its metrics and artifacts; a run killed with
    // SIGKILL and resumed from its checkpoint loses exactly what an uninterrupted run loses.
    void trainKillAndResume()
    {
        const QString base = dir(QStringLiteral("train-base"));
        const CliResult made = runCli({ QStringLiteral("new-model"), QStringLiteral("--out"), base, QStringLiteral("--family"),
            QStringLiteral("lightconv"), QStringLiteral("--tokenizer"), bertDir(), QStringLiteral("--hidden"), QStringLiteral("32"),
            QStringLiteral("--layers"), QStringLiteral("2") });
        RUN_OK(made);
        QFile data(dir(QStringLiteral("train.csv")));
        QVERIFY(data.open(QIODevice::WriteOnly));
        data.write("text,label\n");
        const char* good[] = { "beautiful city", "winter morning", "capital water" };
        const char* bad[] = { "random layer", "hidden test", "numbers temp" };
        for (int r = 0; r < 120; ++r) {
            data.write((std::string("the ") + (r % 2 ? good[r % 3] : bad[r % 3]) + " with every" + (r % 2 ? ",good\n" : ",bad\n")).c_str());
        }
        data.close();
        QFile job(dir(QStringLiteral("job.json")));
        QVERIFY(job.open(QIODevice::WriteOnly));
        job.write(R"({"model": "train-base", "task": "sequence-classification", "train": "train.csv",
            "learning_rate": 0.003, "batch_size": 4, "max_steps": 300, "checkpoint_every": 10, "max_length": 16,
            "eval_every": 100})");
        job.close();
        const QString full = dir(QStringLiteral("uninterrupted"));
        const CliResult whole = runCli({ QStringLiteral("train"), QStringLiteral("--job"), job.fileName(), QStringLiteral("--out"),
            full, QStringLiteral("--json") });
        RUN_OK(whole);
        const nlohmann::json summary = nlohmann::json::parse(whole.out.toStdString());
        QCOMPARE(summary.at("steps").get<int>(), 300);
        QVERIFY(summary.at("val_accuracy").get<double>() >= 0.95);
        const std::vector<double> reference = [&] {
            // The uninterrupted run's losses, from its own project record.
            const QString project = dir(QStringLiteral("reference.lumen"));
            const CliResult again = runCli({ QStringLiteral("train"), QStringLiteral("--job"), job.fileName(),
                QStringLiteral("--project"), project, QStringLiteral("--json") });
            if (again.exitCode != 0) {
                return std::vector<double>();
            }
            return Project::open(project.toStdString())->metricSeries(1, "loss").values;
        }();
        QCOMPARE(reference.size(), size_t { 300 });

        const QString project = dir(QStringLiteral("killed.lumen"));
        QProcess run;
        run.start(QStringLiteral(LUMEN_CLI_PATH), { QStringLiteral("train"), QStringLiteral("--job"), job.fileName(),
                                                     QStringLiteral("--project"), project });
        QVERIFY(run.waitForStarted(30000));
        const QString checkpoint = dir(QStringLiteral("killed_artifacts/run-1/checkpoints/step-00000030/optimizer.pt"));
        QVERIFY(QTest::qWaitFor([&] { return QFile::exists(checkpoint) || run.state() == QProcess::NotRunning; }, 60000));
        run.kill(); // SIGKILL: no handler, no last checkpoint
        run.waitForFinished();
        const auto killed = Project::open(project.toStdString());
        const int64_t done = static_cast<int64_t>(killed->metricSeries(1, "loss").values.size());
        QVERIFY2(done >= 30 && done < 300, qPrintable(QString::number(done)));
        const CliResult resumed = runCli({ QStringLiteral("train"), QStringLiteral("--job"), job.fileName(),
            QStringLiteral("--project"), project, QStringLiteral("--resume-run"), QStringLiteral("1") });
        RUN_OK(resumed);
        const auto after = Project::open(project.toStdString());
        const lumen::projects::MetricSeries rest = after->metricSeries(2, "loss");
        QVERIFY(!rest.steps.empty());
        const int64_t from = rest.steps.front();
        QVERIFY2(from >= 31 && from <= done + 1, qPrintable(QString::number(from)));
        QCOMPARE(rest.steps.back(), int64_t { 300 });
        for (size_t i = 0; i < rest.values.size(); ++i) {
            const auto step = static_cast<size_t>(rest.steps[i]);
            QVERIFY2(std::abs(rest.values[i] - reference[step - 1]) < 1e-6,
                qPrintable(QStringLiteral("step %1: %2 vs %3").arg(step).arg(rest.values[i]).arg(reference[step - 1])));
        }
        bool model = false;
        for (const auto& a : after->artifacts(2)) {
            model = model || a.kind == "model";
        }
        QVERIFY(model);
        QVERIFY(QFile::exists(dir(QStringLiteral("killed_artifacts/run-2/model/config.json"))));

        const CliResult missing = runCli({ QStringLiteral("train"), QStringLiteral("--job"), dir(QStringLiteral("nowhere.json")) });
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("cannot read the job file"));
    }

    // A job with an attention probe prints each snapshot, names the file in its summary and
    // records it as the run's artifact.
    void trainWatchesAttention()
    {
        const QString base = dir(QStringLiteral("watch-base"));
        const CliResult made = runCli({ QStringLiteral("new-model"), QStringLiteral("--out"), base, QStringLiteral("--family"),
            QStringLiteral("lightconv"), QStringLiteral("--tokenizer"), bertDir(), QStringLiteral("--hidden"), QStringLiteral("32"),
            QStringLiteral("--layers"), QStringLiteral("1") });
        RUN_OK(made);
        QFile text(dir(QStringLiteral("watch.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        for (int i = 0; i < 30; ++i) {
            text.write("the capital city with water every morning\n");
        }
        text.close();
        QFile job(dir(QStringLiteral("watch.json")));
        QVERIFY(job.open(QIODevice::WriteOnly));
        job.write(R"({"model": "watch-base", "task": "masked-lm", "train": "watch.txt", "max_steps": 4, "batch_size": 4,
            "attention_probe": "the city with water", "snapshot_every": 2})");
        job.close();
        const QString project = dir(QStringLiteral("watch.lumen"));
        const CliResult shown = runCli({ QStringLiteral("train"), QStringLiteral("--job"), job.fileName(), QStringLiteral("--project"), project });
        RUN_OK(shown);
        for (const char* line : { "attention snapshot at step 0 (6 tokens of the probe)", "attention snapshot at step 2",
                 "attention snapshot at step 4" }) {
            QVERIFY2(shown.out.contains(line), line);
        }
        const auto recorded = Project::open(project.toStdString());
        QString file;
        for (const auto& a : recorded->artifacts(1)) {
            if (a.kind == "attention-snapshots") {
                file = QString::fromStdString(recorded->artifactPath(a));
            }
        }
        QVERIFY(QFile::exists(file));
        const CliResult json = runCli({ QStringLiteral("train"), QStringLiteral("--job"), job.fileName(), QStringLiteral("--out"),
            dir(QStringLiteral("watch-out")), QStringLiteral("--json") });
        RUN_OK(json);
        const nlohmann::json summary = nlohmann::json::parse(json.out.toStdString());
        QVERIFY(QFile::exists(QString::fromStdString(summary.at("attention_snapshots").get<std::string>())));
    }

    // Out of memory, for real: lumen-cli under an address-space limit (ulimit -v) trains a
    // batch far too big for it. The run is recorded as failed with what to try, the
    // project's earlier run is untouched, and a batch that fits trains in the same limit.
    void trainOutOfMemory()
    {
        QFile data(dir(QStringLiteral("oom.csv")));
        QVERIFY(data.open(QIODevice::WriteOnly));
        data.write("text,label\n");
        std::string line;
        for (int w = 0; w < 70; ++w) {
            line += w ? " capital" : "the";
        }
        for (int r = 0; r < 3000; ++r) {
            data.write((line + (r % 2 ? ",good\n" : ",bad\n")).c_str());
        }
        data.close();
        const auto writeJob = [&](const QString& name, int batch) {
            QFile job(dir(name));
            job.open(QIODevice::WriteOnly);
            job.write(QStringLiteral(R"({"model": "%1", "task": "sequence-classification", "train": "oom.csv",
                "batch_size": %2, "max_steps": 1, "max_length": 64, "validation_fraction": 0})")
                          .arg(bertDir()).arg(batch).toUtf8());
            return job.fileName();
        };
        const QString project = dir(QStringLiteral("oom.lumen"));
        const auto limited = [&](const QString& job) {
            // About 0.9 GB of address space is lumen-cli's own (libraries, thread stacks);
            // a batch of 3000 x 64 tokens needs several more for its activations.
            QProcess process;
            process.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"),
                QStringLiteral("ulimit -v 1800000 && exec \"$0\" train --job \"$1\" --project \"$2\""),
                QStringLiteral(LUMEN_CLI_PATH), job, project });
            process.waitForFinished(300000);
            CliResult r;
            r.out = process.readAllStandardOutput();
            r.err = process.readAllStandardError();
            r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
            return r;
        };
        const CliResult fits = limited(writeJob(QStringLiteral("oom-small.json"), 8));
        RUN_OK(fits);
        const CliResult tooBig = limited(writeJob(QStringLiteral("oom-big.json"), 3000));
        QCOMPARE(tooBig.exitCode, 1);
        QVERIFY2(tooBig.err.contains("out of memory at step 1"), tooBig.err.constData());
        QVERIFY2(tooBig.err.contains("gradient_accumulation") && tooBig.err.contains("gradient_checkpointing"), tooBig.err.constData());
        const auto after = Project::open(project.toStdString());
        const auto first = after->run(1);
        const auto failed = after->run(2);
        QVERIFY(first && failed);
        QCOMPARE(first->status, lumen::projects::RunStatus::Completed);
        QCOMPARE(failed->status, lumen::projects::RunStatus::Failed);
        QVERIFY2(failed->errorMessage.find("out of memory at step 1") != std::string::npos, failed->errorMessage.c_str());
        QCOMPARE(after->metricSeries(1, "loss").values.size(), size_t { 1 });
    }

    // lumen-cli compare: the same facts and figures as the engine, recorded as a run whose
    // compare.json reads back with identical numbers; usage errors by name.
    void compareModels()
    {
        const QString project = dir(QStringLiteral("compare.lumen"));
        const QString albert = q(lumen::test::conformanceDir("albert"));
        const CliResult r = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--text"),
            QStringLiteral("The capital of France is [MASK]."), QStringLiteral("--repeats"), QStringLiteral("1"),
            QStringLiteral("--json"), QStringLiteral("--project"), project });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("format").get<std::string>(), std::string("lumen-compare-1"));
        QCOMPARE(j.at("models").size(), size_t { 2 });
        QCOMPARE(j.at("models").at(1).at("prediction").at("kind").get<std::string>(), std::string("fill-mask"));
        QVERIFY(j.at("models").at(1).at("parameters_per_forward").get<int64_t>() > j.at("models").at(1).at("parameters").get<int64_t>());
        QCOMPARE(j.at("kl").at(0).at(0).get<double>(), 0.0);
        QVERIFY(j.at("kl").at(0).at(1).get<double>() > 0.0);
        const auto opened = Project::open(project.toStdString());
        const auto runs = opened->listRuns();
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(runs[0].kind, std::string("compare"));
        std::string saved;
        for (const auto& a : opened->artifacts(runs[0].id)) {
            if (a.kind == "comparison") {
                std::ifstream in(opened->artifactPath(a));
                saved.assign(std::istreambuf_iterator<char>(in), {});
            }
        }
        QVERIFY(!saved.empty());
        QVERIFY(nlohmann::json::parse(saved) == j);
        const lumen::engine::CompareResult back = lumen::engine::compareResultFromJson(saved);
        QCOMPARE(back.kl[0][1], j.at("kl").at(0).at(1).get<double>());

        const CliResult text = runCli({ QStringLiteral("compare"), bertDir(), q(lumen::test::conformanceDir("gpt2")),
            QStringLiteral("--text"), QStringLiteral("Paris is"), QStringLiteral("--repeats"), QStringLiteral("0") });
        RUN_OK(text);
        QVERIFY2(text.out.contains("none (the text has no [MASK] to fill)"), text.out.constData());
        QVERIFY(text.out.contains("next-token"));
        QVERIFY(text.out.contains("no two models predict the same thing here"));
        // A text pair: both read [CLS] A [SEP] B [SEP].
        const CliResult pair = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--text"),
            QStringLiteral("The capital is [MASK]."), QStringLiteral("--pair"), QStringLiteral("It is Paris."), QStringLiteral("--json"),
            QStringLiteral("--repeats"), QStringLiteral("0") });
        RUN_OK(pair);
        const nlohmann::json pj = nlohmann::json::parse(pair.out.toStdString());
        QCOMPARE(pj.at("pair").get<std::string>(), std::string("It is Paris."));
        const auto bertTokens = pj.at("models").at(0).at("tokens").get<std::vector<std::string>>();
        QCOMPARE(std::count(bertTokens.begin(), bertTokens.end(), std::string("[SEP]")), 2L);

        // A dataset: every example through both models, most disagreement first.
        QFile cloze(dir(QStringLiteral("cloze.csv")));
        QVERIFY(cloze.open(QIODevice::WriteOnly));
        cloze.write("sentence,answer\n\"The capital of France is [MASK].\",paris\nThe [MASK] is blue.,sky\nA [MASK] day.,fine\n");
        cloze.close();
        const CliResult data = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--data"), cloze.fileName(),
            QStringLiteral("--text-column"), QStringLiteral("sentence"), QStringLiteral("--label-column"), QStringLiteral("answer"),
            QStringLiteral("--json") });
        RUN_OK(data);
        const nlohmann::json dj = nlohmann::json::parse(data.out.toStdString());
        QCOMPARE(dj.at("examples_compared").get<int>(), 3);
        QVERIFY(dj.at("models").at(0).at("accuracy").is_number());
        const auto& ex = dj.at("examples");
        QVERIFY(ex.at(0).at("disagreement").get<double>() >= ex.at(1).at("disagreement").get<double>());
        QCOMPARE(ex.at(0).at("top1").size(), size_t { 2 });
        const CliResult badColumn = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--data"), cloze.fileName() });
        QCOMPARE(badColumn.exitCode, 1);
        QVERIFY2(badColumn.err.contains("cloze.csv:1"), badColumn.err.constData());
        const CliResult both = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--data"), cloze.fileName(),
            QStringLiteral("--text"), QStringLiteral("x") });
        QCOMPARE(both.exitCode, 2);
        const CliResult pairData = runCli({ QStringLiteral("compare"), bertDir(), albert, QStringLiteral("--data"), cloze.fileName(),
            QStringLiteral("--pair"), QStringLiteral("x") });
        QCOMPARE(pairData.exitCode, 2);
        QVERIFY(pairData.err.contains("--pair goes with --text"));

        const CliResult one = runCli({ QStringLiteral("compare"), bertDir(), QStringLiteral("--text"), QStringLiteral("x") });
        QCOMPARE(one.exitCode, 2);
        QVERIFY(one.err.contains("two to four model folders"));
        const CliResult noText = runCli({ QStringLiteral("compare"), bertDir(), albert });
        QCOMPARE(noText.exitCode, 2);
        QVERIFY(noText.err.contains("--text"));
    }

    void fillMaskErrorsAndRecords()
    {
        const QString project = dir(QStringLiteral("fill.lumen"));
        const CliResult two = runCli({ QStringLiteral("fill-mask"), bertDir(), QStringLiteral("--text"),
            QStringLiteral("[MASK] is the capital of [MASK]."), QStringLiteral("--top-k"),
            QStringLiteral("3"), QStringLiteral("--json"), QStringLiteral("--project"), project });
        RUN_OK(two);
        const nlohmann::json j = nlohmann::json::parse(two.out.toStdString());
        QCOMPARE(j.at("masks").size(), size_t(2));
        QCOMPARE(j.at("masks").at(1).at("candidates").size(), size_t(3));
        double previous = 1.0;
        for (const auto& c : j.at("masks").at(0).at("candidates")) {
            const double p = c.at("probability").get<double>();
            QVERIFY(p > 0.0 && p <= previous); // best first
            previous = p;
        }
        QVERIFY(!j.at("filled").get<std::string>().empty());
        const auto runs = Project::open(project.toStdString())->listRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(q(runs[0].kind), QStringLiteral("fill-mask"));

        const CliResult noMask = runCli({ QStringLiteral("fill-mask"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("no blank here") });
        QCOMPARE(noMask.exitCode, 1);
        QVERIFY(noMask.err.contains("the text has no [MASK] token"));
        const CliResult causal = runCli({ QStringLiteral("fill-mask"),
            q(lumen::test::conformanceDir("gpt2")), QStringLiteral("--text"), QStringLiteral("x") });
        QCOMPARE(causal.exitCode, 1);
        QVERIFY(causal.err.contains("has no masked-LM head"));
        const CliResult empty = runCli({ QStringLiteral("fill-mask"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("  ") });
        QCOMPARE(empty.exitCode, 1);
        const CliResult badK = runCli({ QStringLiteral("fill-mask"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("[MASK]"), QStringLiteral("--top-k"),
            QStringLiteral("0") });
        QCOMPARE(badK.exitCode, 2);
    }

    // T5 with a target: the decoder's self-attention and the cross-attention, drawn; the
    // sizes are the decoder's input and the encoder's tokens.
    void attentionOfTheDecoder()
    {
        const std::string t5 = lumen::test::conformanceDir("t5");
        const std::string source = "translate English to German: The house is small.";
        const std::string target = "Das Haus ist klein.";
        const auto model = lumen::engine::Model::load(t5);
        const lumen::engine::ModelInput input = model->prepareSeq2Seq({ source }, { target });
        const int64_t src = input.seqLen();
        const int64_t tgt = input.decoderInputIds.shape.at(1);
        for (const char* stack : { "decoder", "cross" }) {
            const QString png = dir(QStringLiteral("t5-%1.png").arg(QLatin1String(stack)));
            const CliResult r = runCli({ QStringLiteral("attention"), q(t5),
                QStringLiteral("--text"), q(source), QStringLiteral("--target"), q(target),
                QStringLiteral("--stack"), QLatin1String(stack), QStringLiteral("--view"),
                QStringLiteral("heads"), QStringLiteral("--png"), png, QStringLiteral("--json") });
            RUN_OK(r);
            const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
            QCOMPARE(j.at("stack").get<std::string>(), std::string(stack));
            QCOMPARE(j.at("seq_len").get<int64_t>(), tgt);
            QCOMPARE(j.at("key_len").get<int64_t>(), std::string(stack) == "cross" ? src : tgt);
            QCOMPARE(j.at("layers").get<int>(), 2);
            QVERIFY(!QImage(png).isNull());
        }
        const QString png = dir(QStringLiteral("never.png"));
        const CliResult noTarget = runCli({ QStringLiteral("attention"), q(t5),
            QStringLiteral("--text"), q(source), QStringLiteral("--stack"),
            QStringLiteral("cross"), QStringLiteral("--png"), png });
        QCOMPARE(noTarget.exitCode, 1);
        QVERIFY2(noTarget.err.contains("give the decoder's text with --target"),
            noTarget.err.constData());
        const CliResult crossRollout = runCli({ QStringLiteral("attention"), q(t5),
            QStringLiteral("--text"), q(source), QStringLiteral("--target"), q(target),
            QStringLiteral("--stack"), QStringLiteral("cross"), QStringLiteral("--rollout"),
            QStringLiteral("--png"), png });
        QCOMPARE(crossRollout.exitCode, 1);
        QVERIFY(crossRollout.err.contains("cross-attention's layers do not chain"));
        const CliResult badStack = runCli({ QStringLiteral("attention"), q(t5),
            QStringLiteral("--text"), q(source), QStringLiteral("--stack"),
            QStringLiteral("middle"), QStringLiteral("--png"), png });
        QCOMPARE(badStack.exitCode, 2);
        QVERIFY(badStack.err.contains("use encoder, decoder or cross"));
        const CliResult targetForBert = runCli({ QStringLiteral("attention"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("x"), QStringLiteral("--target"),
            QStringLiteral("y"), QStringLiteral("--png"), png });
        QCOMPARE(targetForBert.exitCode, 1);
        QVERIFY(targetForBert.err.contains("is not an encoder-decoder model"));
        QVERIFY(!QFile::exists(png));
    }

    // `runs` and `run-show` read what a project holds: the table, JSON and CSV agree with the
    // project, the filters select, a missing artifact file is named, bad input gets a message.
    void runsAndRunShow()
    {
        const QString path = dir(QStringLiteral("listing.lumen"));
        int64_t trained = 0;
        int64_t forward = 0;
        int64_t failed = 0;
        {
            auto project = Project::create(path.toStdString());
            const nlohmann::json parameters { { "lr", 0.001 }, { "note", "a, \"quoted\" one" } };
            lumen::projects::RunSpec spec { "train", "/models/tiny", "cpu", parameters.dump(),
                "first try" };
            spec.experiment = "sweep";
            spec.tags = { "baseline", "small" };
            trained = project->beginRun(spec);
            project->addMetrics(trained, { { "loss", 0, 2.5, 0 }, { "loss", 1, 1.25, 0 },
                                             { "accuracy", 1, 0.75, 0 } });
            project->writeArtifact(trained, "checkpoint", "model.bin", "weights");
            project->finishRun(trained, lumen::projects::RunStatus::Completed, R"({"steps":2})");
            forward = project->beginRun({ "forward", "gpt2", "", R"({"lr":0.01})", "" });
            project->finishRun(forward, lumen::projects::RunStatus::Completed);
            failed = project->beginRun({ "bench", "gpt2", "", "{}", "" });
            project->finishRun(failed, lumen::projects::RunStatus::Failed, "{}", "out of memory");
        }
        const QString p = path;

        const CliResult table = runCli({ QStringLiteral("runs"), p });
        RUN_OK(table);
        const QStringList lines = QString::fromUtf8(table.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].startsWith(QStringLiteral("ID  KIND")));
        QVERIFY2(lines[1].trimmed().startsWith(QString::number(failed)), qPrintable(lines[1]));
        QVERIFY2(lines[3].contains(QStringLiteral("baseline,small"))
                     && lines[3].contains(QStringLiteral("loss=1.25"))
                     && lines[3].contains(QStringLiteral("accuracy=0.75")),
            qPrintable(lines[3]));

        const CliResult json = runCli({ QStringLiteral("runs"), p, QStringLiteral("--json") });
        RUN_OK(json);
        const nlohmann::json all = nlohmann::json::parse(json.out.toStdString());
        QCOMPARE(all.size(), size_t(3));
        const nlohmann::json& t = all.at(2);
        QCOMPARE(t.at("id").get<int64_t>(), trained);
        QCOMPARE(t.at("status").get<std::string>(), std::string("completed"));
        QCOMPARE(t.at("experiment").get<std::string>(), std::string("sweep"));
        JSON_COMPARE(t.at("tags"), nlohmann::json({ "baseline", "small" }));
        QCOMPARE(t.at("parameters").at("lr").get<double>(), 0.001);
        QCOMPARE(t.at("summary").at("steps").get<int>(), 2);
        QCOMPARE(t.at("metrics").at("loss").at("value").get<double>(), 1.25);
        QCOMPARE(t.at("metrics").at("loss").at("points").get<int>(), 2);
        QCOMPARE(all.at(0).at("error").get<std::string>(), std::string("out of memory"));

        const auto idsOf = [&](const QStringList& filter) {
            QStringList args { QStringLiteral("runs"), p, QStringLiteral("--json") };
            const CliResult r = runCli(args + filter);
            std::vector<int64_t> ids;
            if (r.exitCode == 0) {
                for (const auto& run : nlohmann::json::parse(r.out.toStdString())) {
                    ids.push_back(run.at("id").get<int64_t>());
                }
            }
            return ids;
        };
        QCOMPARE(idsOf({ QStringLiteral("--tag"), QStringLiteral("small") }),
            std::vector<int64_t> { trained });
        QCOMPARE(idsOf({ QStringLiteral("--status"), QStringLiteral("failed") }),
            std::vector<int64_t> { failed });
        QCOMPARE(idsOf({ QStringLiteral("--search"), QStringLiteral("0.01") }),
            std::vector<int64_t> { forward });
        QCOMPARE(idsOf({ QStringLiteral("--experiment"), QStringLiteral("sweep") }),
            std::vector<int64_t> { trained });
        QCOMPARE(idsOf({ QStringLiteral("--model"), QStringLiteral("gpt2"),
                     QStringLiteral("--oldest-first") }),
            (std::vector<int64_t> { forward, failed }));
        QCOMPARE(idsOf({ QStringLiteral("--limit"), QStringLiteral("1") }),
            std::vector<int64_t> { failed });

        // CSV: a header with a column per parameter and metric, quoting where needed.
        const CliResult csv = runCli({ QStringLiteral("runs"), p, QStringLiteral("--csv") });
        RUN_OK(csv);
        const QStringList rows = QString::fromUtf8(csv.out).split(QStringLiteral("\r\n"),
            Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 4);
        QVERIFY2(rows[0].endsWith(QStringLiteral(
                     "error,param:lr,param:note,metric:accuracy,metric:loss")),
            qPrintable(rows[0]));
        QVERIFY2(rows[3].endsWith(QStringLiteral(",0.001,\"a, \"\"quoted\"\" one\",0.75,1.25")),
            qPrintable(rows[3]));
        QVERIFY2(rows[3].contains(QStringLiteral(",baseline;small,")), qPrintable(rows[3]));

        // run-show: everything about one run; a file gone from the artifacts folder is named.
        const CliResult show = runCli({ QStringLiteral("run-show"), p, QString::number(trained) });
        RUN_OK(show);
        const QString text = QString::fromUtf8(show.out);
        for (const char* expected : { "· train · completed", "experiment  sweep",
                 "tags        baseline, small", "lr", "loss      1.25  (step 1, 2 points)",
                 "checkpoint", "first try" }) {
            QVERIFY2(text.contains(QString::fromUtf8(expected)), qPrintable(text));
        }
        QVERIFY(!text.contains(QStringLiteral("MISSING")));
        const auto project = Project::open(path.toStdString());
        const auto artifacts = project->artifacts(trained);
        QVERIFY(QFile::remove(q(project->artifactPath(artifacts.at(0)))));
        const CliResult missing = runCli({ QStringLiteral("run-show"), p,
            QString::number(trained), QStringLiteral("--json") });
        RUN_OK(missing);
        const nlohmann::json one = nlohmann::json::parse(missing.out.toStdString());
        QCOMPARE(one.at("artifacts").at(0).at("exists").get<bool>(), false);
        QCOMPARE(one.at("artifacts").at(0).at("sha256").get<std::string>(), artifacts.at(0).sha256);
        JSON_COMPARE(one.at("metric_history").at("loss"), nlohmann::json::parse("[[0, 2.5], [1, 1.25]]"));
        QVERIFY(QString::fromUtf8(
            runCli({ QStringLiteral("run-show"), p, QString::number(trained) }).out)
                    .contains(QStringLiteral("MISSING")));

        const CliResult noRun = runCli({ QStringLiteral("run-show"), p, QStringLiteral("99") });
        QCOMPARE(noRun.exitCode, 1);
        QVERIFY(noRun.err.contains("has no run 99"));
        const CliResult noProject =
            runCli({ QStringLiteral("runs"), dir(QStringLiteral("none.lumen")) });
        QCOMPARE(noProject.exitCode, 1);
        QVERIFY(noProject.err.contains("does not exist"));
        QVERIFY(!QFile::exists(dir(QStringLiteral("none.lumen")))); // listing never creates
        const CliResult twoFormats = runCli(
            { QStringLiteral("runs"), p, QStringLiteral("--json"), QStringLiteral("--csv") });
        QCOMPARE(twoFormats.exitCode, 2);
        const CliResult badStatus =
            runCli({ QStringLiteral("runs"), p, QStringLiteral("--status"), QStringLiteral("done") });
        QCOMPARE(badStatus.exitCode, 2);
        QVERIFY(badStatus.err.contains("use running, completed"));
    }

    // A command recorded with --project carries its model folder's fingerprint.
    void recordedRunsCarryTheModelFingerprint()
    {
        const QString project = dir(QStringLiteral("fingerprint.lumen"));
        const CliResult recorded = runCli({ QStringLiteral("tokenize"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("hello"), QStringLiteral("--project"), project });
        RUN_OK(recorded);
        const CliResult listed = runCli({ QStringLiteral("runs"), project, QStringLiteral("--json") });
        RUN_OK(listed);
        const nlohmann::json runs = nlohmann::json::parse(listed.out.toStdString());
        QCOMPARE(runs.size(), size_t(1));
        const std::string expected = lumen::projects::modelFingerprint(
            QFileInfo(bertDir()).absoluteFilePath().toStdString());
        QVERIFY(!expected.empty());
        QCOMPARE(runs[0].at("model_hash").get<std::string>(), expected);
    }

    // The GUI and a lumen-cli job writing one project at the same time: neither sees
    // "database is locked" (every write waits with BEGIN IMMEDIATE and the busy timeout).
    void cliAndAnotherWriterShareAProject()
    {
        const QString path = dir(QStringLiteral("shared.lumen"));
        auto gui = Project::create(path.toStdString());
        const int64_t guiRun = gui->beginRun({ "train", "", "", "{}", "" });
        QProcess cli;
        cli.start(QStringLiteral(LUMEN_CLI_PATH),
            { QStringLiteral("bench"), bertDir(), QStringLiteral("--seq-len"), QStringLiteral("8"),
                QStringLiteral("--batch"), QStringLiteral("1"), QStringLiteral("--repeats"),
                QStringLiteral("200"), QStringLiteral("--warmup"), QStringLiteral("0"),
                QStringLiteral("--project"), path });
        QVERIFY(cli.waitForStarted(30000));
        int64_t step = 0;
        // Write while the job runs (one transaction per point, as a training loop without
        // batching would), then a little more.
        while (cli.state() != QProcess::NotRunning || step < 200) {
            gui->addMetric(guiRun, "loss", step, 1.0 / double(step + 1));
            ++step;
            cli.waitForFinished(1);
        }
        QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        gui->finishRun(guiRun, RunStatus::Completed);
        const std::vector<RunRecord> runs = gui->listRuns();
        QCOMPARE(runs.size(), size_t(2));
        for (const RunRecord& run : runs) {
            QCOMPARE(run.status, RunStatus::Completed);
        }
        QCOMPARE(gui->metrics(guiRun).size(), static_cast<size_t>(step));
        QCOMPARE(gui->latestMetrics(runs[0].id == guiRun ? runs[1].id : runs[0].id).at(0).points,
            int64_t(200)); // every timed pass of the job was recorded
    }

    void projectArchive()
    {
        const QString path = dir(QStringLiteral("archived.lumen"));
        {
            auto project = Project::create(path.toStdString());
            const int64_t id = project->beginRun({ "forward", "m", "", "{}", "" });
            project->writeArtifact(id, "out", "o.bin", "bytes");
            project->finishRun(id, lumen::projects::RunStatus::Completed);
        }
        const QString archive = dir(QStringLiteral("archived.tar"));
        const CliResult exported = runCli({ QStringLiteral("project-export"), path, archive,
            QStringLiteral("--json") });
        RUN_OK(exported);
        const nlohmann::json e = nlohmann::json::parse(exported.out.toStdString());
        QCOMPARE(e.at("files").get<int>(), 2);
        QCOMPARE(e.at("runs").get<int>(), 1);
        const QString copy = dir(QStringLiteral("unpacked.lumen"));
        const CliResult imported = runCli({ QStringLiteral("project-import"), archive, copy });
        RUN_OK(imported);
        QVERIFY(imported.out.startsWith("imported "));
        QVERIFY(QFileInfo::exists(dir(QStringLiteral("unpacked_artifacts/run-1/o.bin"))));
        const CliResult again = runCli({ QStringLiteral("project-import"), archive, copy });
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("already exists"));
        const CliResult overwrite = runCli({ QStringLiteral("project-export"), path, archive });
        QCOMPARE(overwrite.exitCode, 1);
        QVERIFY(overwrite.err.contains("never overwrites"));
    }

    void attentionErrors()
    {
        const QString png = dir(QStringLiteral("never.png"));
        const CliResult noPng = runCli({ QStringLiteral("attention"), bertDir(),
            QStringLiteral("--text"), QStringLiteral("x") });
        QCOMPARE(noPng.exitCode, 2);
        QVERIFY(noPng.err.contains("missing --png OUT.png"));
        const CliResult headWithModel =
            runCli({ QStringLiteral("attention"), bertDir(), QStringLiteral("--text"),
                QStringLiteral("x"), QStringLiteral("--png"), png, QStringLiteral("--view"),
                QStringLiteral("model"), QStringLiteral("--head"), QStringLiteral("1") });
        QCOMPARE(headWithModel.exitCode, 2);
        QVERIFY(headWithModel.err.contains("the model view shows every head"));
        const CliResult badLayer = runCli(
            { QStringLiteral("attention"), bertDir(), QStringLiteral("--text"), QStringLiteral("x"),
                QStringLiteral("--png"), png, QStringLiteral("--layer"), QStringLiteral("9") });
        QCOMPARE(badLayer.exitCode, 1);
        QVERIFY2(badLayer.err.contains("--layer 9 is out of range: the model has 3 layers (0..2)."),
            badLayer.err.constData());
        QVERIFY(!QFile::exists(png));
    }

    void benchLoad()
    {
        const QString project = dir(QStringLiteral("bench-load.lumen"));
        const CliResult r = runCli({ QStringLiteral("bench"), bertDir(), QStringLiteral("--load"),
            QStringLiteral("--repeats"), QStringLiteral("3"), QStringLiteral("--json"),
            QStringLiteral("--project"), project });
        RUN_OK(r);
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("times_ms").size(), size_t(3));
        QCOMPARE(j.at("peak_growth_bytes").size(), size_t(3));
        const double median = j.at("median_ms");
        QVERIFY(median > 0.0);
        QVERIFY(j.at("min_ms").get<double>() <= median && median <= j.at("max_ms").get<double>());
        // float32 parameters, tied weights once
        QCOMPARE(j.at("weight_bytes").get<int64_t>(), 4 * j.at("parameters").get<int64_t>());
        JSON_COMPARE(j.at("weights_file"), nlohmann::json("model.safetensors"));
        for (const auto& growth : j.at("peak_growth_bytes")) {
            QVERIFY(growth.get<int64_t>() >= 0);
        }
        QVERIFY(j.at("process_peak_bytes").get<int64_t>() > j.at("weight_bytes").get<int64_t>());

        const auto p = Project::open(project.toStdString());
        const std::vector<RunRecord> runs = p->listRuns();
        QCOMPARE(runs.size(), size_t(1));
        const auto series = p->metricSeries(runs[0].id, "load_ms");
        QCOMPARE(series.steps, (std::vector<int64_t> { 0, 1, 2 }));
        QCOMPARE(series.values[1], j.at("times_ms").at(1).get<double>());

        const CliResult forwardOption = runCli({ QStringLiteral("bench"), bertDir(),
            QStringLiteral("--load"), QStringLiteral("--seq-len"), QStringLiteral("16") });
        QCOMPARE(forwardOption.exitCode, 2);
        QVERIFY2(forwardOption.err.contains(
                     "--load times loading only; --seq-len is for forward passes"),
            forwardOption.err.constData());
    }

    // bench-tokenize counts what the tokenizer gives: one encode per line adds up to the
    // reference's token counts for those lines; the whole file as one text gives what
    // `tokenize` gives for it.
    void benchTokenize_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* name : { "bert", "gpt2" }) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }

    void benchTokenize()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const QString model = q(lumen::test::conformanceDir(name));
        std::string text;
        size_t lines = 0;
        int64_t expectedTokens = 0;
        for (const auto& record : lumen::test::expected(name).at("tokenization")) {
            const std::string line = record.at("text").get<std::string>();
            if (line.empty() || line.find('\n') != std::string::npos) {
                continue;
            }
            text += line + "\n";
            ++lines;
            expectedTokens += static_cast<int64_t>(record.at("ids").size());
        }
        QVERIFY(lines >= 3);
        const QString file = dir(caseName + QStringLiteral("-bench.txt"));
        writeFile(file, QByteArray::fromStdString(text));

        const CliResult perLine =
            runCli({ QStringLiteral("bench-tokenize"), model, QStringLiteral("--file"), file,
                QStringLiteral("--repeats"), QStringLiteral("3"), QStringLiteral("--warmup"),
                QStringLiteral("0"), QStringLiteral("--lines"), QStringLiteral("--json") });
        RUN_OK(perLine);
        const nlohmann::json j = nlohmann::json::parse(perLine.out.toStdString());
        QCOMPARE(j.at("tokens").get<int64_t>(), expectedTokens);
        QCOMPARE(j.at("texts").get<size_t>(), lines);
        QCOMPARE(j.at("bytes").get<size_t>(), text.size() - lines); // the line ends are not text
        JSON_COMPARE(j.at("per_line"), nlohmann::json(true));
        QCOMPARE(j.at("times_ms").size(), size_t(3));
        QCOMPARE(j.at("cpu_times_ms").size(), size_t(3));
        const double median = j.at("median_ms");
        QVERIFY(j.at("min_ms").get<double>() <= median);
        QVERIFY(median <= j.at("max_ms").get<double>());
        QVERIFY(median > 0.0);
        QCOMPARE(j.at("mb_per_second").get<double>(),
            j.at("bytes").get<double>() / 1e6 / (median / 1000.0));
        QCOMPARE(j.at("tokens_per_second").get<double>(), expectedTokens / (median / 1000.0));

        const CliResult whole =
            runCli({ QStringLiteral("bench-tokenize"), model, QStringLiteral("--file"), file,
                QStringLiteral("--repeats"), QStringLiteral("1"), QStringLiteral("--json") });
        RUN_OK(whole);
        const CliResult tokenized = runCli({ QStringLiteral("tokenize"), model,
            QStringLiteral("--text"), q(text), QStringLiteral("--json") });
        RUN_OK(tokenized);
        const nlohmann::json w = nlohmann::json::parse(whole.out.toStdString());
        QCOMPARE(w.at("tokens").get<size_t>(),
            nlohmann::json::parse(tokenized.out.toStdString()).at("ids").size());
        QCOMPARE(w.at("texts").get<int64_t>(), int64_t(1));
        QCOMPARE(w.at("bytes").get<size_t>(), text.size());

        const CliResult table = runCli({ QStringLiteral("bench-tokenize"), model,
            QStringLiteral("--file"), file, QStringLiteral("--repeats"), QStringLiteral("1"),
            QStringLiteral("--warmup"), QStringLiteral("0") });
        RUN_OK(table);
        QVERIFY2(table.out.contains("\ntokens     " + QByteArray::number(w.at("tokens").get<int>())
                     + " per pass (1 text, special tokens included)\n"),
            table.out.constData());
        QVERIFY2(
            QRegularExpression(QStringLiteral("\nwall time  median +[0-9.]+ ms .* MB/s +[0-9]+ "
                                              "tokens/s\n"))
                .match(QString::fromUtf8(table.out))
                .hasMatch(),
            table.out.constData());
    }

    void projectRecordsRuns()
    {
        const QString project = dir(QStringLiteral("runs.lumen"));
        const QString text = QStringLiteral("Hello, world!");
        const CliResult ok = runCli({ QStringLiteral("tokenize"), bertDir(),
            QStringLiteral("--text"), text, QStringLiteral("--project"), project });
        RUN_OK(ok);
        {
            const auto p = Project::open(project.toStdString());
            const std::vector<RunRecord> runs = p->listRuns();
            QCOMPARE(runs.size(), size_t(1));
            QCOMPARE(runs[0].kind, std::string("tokenize"));
            QCOMPARE(runs[0].status, RunStatus::Completed);
            QCOMPARE(q(runs[0].model), QDir::cleanPath(bertDir()));
            const nlohmann::json params = nlohmann::json::parse(runs[0].parametersJson);
            JSON_COMPARE(params.at("text"), nlohmann::json(text.toStdString()));
            const nlohmann::json summary = nlohmann::json::parse(runs[0].summaryJson);
            QCOMPARE(
                summary.at("tokens").get<int64_t>(), int64_t(7)); // [CLS] hello , wor ##ld ! [SEP]
        }

        // A failing command records a Failed run with its message and keeps the earlier run.
        const QString missing = dir(QStringLiteral("no-such-model"));
        const CliResult bad =
            runCli({ QStringLiteral("info"), missing, QStringLiteral("--project"), project });
        QCOMPARE(bad.exitCode, 1);
        const auto p = Project::open(project.toStdString());
        lumen::projects::RunFilter oldestFirst;
        oldestFirst.newestFirst = false;
        const std::vector<RunRecord> runs = p->listRuns(oldestFirst);
        QCOMPARE(runs.size(), size_t(2));
        QCOMPARE(runs[0].kind, std::string("tokenize"));
        QCOMPARE(runs[0].status, RunStatus::Completed);
        QCOMPARE(runs[1].kind, std::string("info"));
        QCOMPARE(runs[1].status, RunStatus::Failed);
        QCOMPARE(q(runs[1].model), QDir::cleanPath(missing));
        QVERIFY2(q(runs[1].errorMessage).contains(QLatin1String("does not exist")),
            runs[1].errorMessage.c_str());
        QVERIFY(bad.err.contains(runs[1].errorMessage.c_str()));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message"); // what stderr starts with, after "lumen-cli: error: "
        QTest::addColumn<QString>("tail"); // and what it also says, where the middle varies

        const QString missing = dir(QStringLiteral("missing-model"));
        QTest::newRow("missing folder")
            << QStringList { QStringLiteral("info"), missing }
            << QStringLiteral("model folder %1 does not exist. Choose a folder that holds a "
                              "Hugging Face checkpoint (config.json and model weights).")
                   .arg(missing)
            << QString();

        const QString noConfig = dir(QStringLiteral("no-config"));
        QVERIFY(QDir().mkpath(noConfig));
        QVERIFY(QFile::copy(bertDir() + QStringLiteral("/model.safetensors"),
            noConfig + QStringLiteral("/model.safetensors")));
        QTest::newRow("no config.json")
            << QStringList { QStringLiteral("info"), noConfig }
            << QStringLiteral("%1 has no config.json, so it is not a Hugging Face model folder. "
                              "Choose the folder that holds config.json and the model weights.")
                   .arg(noConfig)
            << QString();

        const QString truncated = dir(QStringLiteral("truncated"));
        QVERIFY(copyBert(truncated));
        {
            QFile weights(truncated + QStringLiteral("/model.safetensors"));
            QVERIFY(weights.resize(weights.size() / 2));
        }
        QTest::newRow("truncated safetensors")
            << QStringList { QStringLiteral("info"), truncated }
            << QStringLiteral("%1/model.safetensors: tensor '").arg(truncated)
            << QStringLiteral("past the end of the data area (%1 bytes); the file is truncated or "
                              "corrupt")
                   .arg(QFileInfo(truncated + QStringLiteral("/model.safetensors")).size() - 8
                       - headerLength(truncated + QStringLiteral("/model.safetensors")));

        const QString flubber = dir(QStringLiteral("flubber"));
        QVERIFY(copyBert(flubber));
        {
            nlohmann::json config = readJson(flubber + QStringLiteral("/config.json"));
            config["model_type"] = "flubber";
            writeFile(flubber + QStringLiteral("/config.json"),
                QByteArray::fromStdString(config.dump(2)));
        }
        QTest::newRow("unknown model_type")
            << QStringList { QStringLiteral("info"), flubber }
            << QStringLiteral("%1/config.json: model_type \"flubber\" is not an architecture "
                              "Lumen can load (it loads: ")
                   .arg(flubber)
            << QString();

        const QString malformed = dir(QStringLiteral("malformed"));
        QVERIFY(copyBert(malformed));
        writeFile(malformed + QStringLiteral("/config.json"),
            QByteArrayLiteral("{\n  \"model_type\": \"bert\",\n  \"hidden_size\": 48,,\n}\n"));
        QTest::newRow("malformed config.json")
            << QStringList { QStringLiteral("info"), malformed }
            << QStringLiteral("%1/config.json is not valid JSON (line 3, column ").arg(malformed)
            << QString();

        QTest::newRow("empty text")
            << QStringList { QStringLiteral("tokenize"), bertDir(), QStringLiteral("--text"),
                   QString() }
            << QStringLiteral("the text is empty: give --text a non-empty string, e.g. --text "
                              "\"Hello world\"")
            << QString();
        const QString noText = dir(QStringLiteral("no-such-text.txt"));
        QTest::newRow("bench-tokenize without the text file")
            << QStringList { QStringLiteral("bench-tokenize"), bertDir(), QStringLiteral("--file"),
                   noText }
            << QStringLiteral("the text file %1 does not exist or is not a file; give --file a "
                              "UTF-8 text file")
                   .arg(noText)
            << QString();
        const QString emptyText = dir(QStringLiteral("empty.txt"));
        writeFile(emptyText, QByteArray());
        QTest::newRow("bench-tokenize on an empty file")
            << QStringList { QStringLiteral("bench-tokenize"), bertDir(), QStringLiteral("--file"),
                   emptyText }
            << QStringLiteral("bench-tokenize: the text is empty; give a file with some text in it")
            << QString();
        QTest::newRow("empty text in a batch")
            << QStringList { QStringLiteral("forward"), bertDir(), QStringLiteral("--text"),
                   QStringLiteral("fine"), QStringLiteral("--text"), QString(),
                   QStringLiteral("--out"), dir(QStringLiteral("never.safetensors")) }
            << QStringLiteral("text 2 of 2 is empty: give every --text a non-empty string")
            << QString();
    }

    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QFETCH(QString, tail);
        const CliResult r = runCli(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(
            r.err.startsWith("lumen-cli: error: " + message.toUtf8()), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(tail.toUtf8()), qPrintable(describe(r)));
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFile::exists(dir(QStringLiteral("never.safetensors"))));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
