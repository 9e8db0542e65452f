// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// The BERT tokenizer against the reference's outputs (tests/data/conformance/<case>/
// expected.json, written by transformers 4.40.2's slow tokenizers): ids, tokens, tokenize,
// decode, truncation and pairs identical for every WordPiece case; offsets checked against
// the original text; the error messages for folders Lumen cannot read.

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>

using lumen::Error;
using lumen::ErrorKind;
using lumen::engine::EncodeOptions;
using lumen::engine::Encoding;
using lumen::engine::loadTokenizer;
using lumen::engine::Tokenizer;
using nlohmann::json;

namespace {

const char* const kCases[] = {"bert", "bert-cased", "distilbert", "electra",
                              "electra-generator"};

std::string caseDir(const std::string& name)
{
    return std::string(LUMEN_TEST_DATA) + "/conformance/" + name;
}

json readJson(const std::string& path)
{
    std::ifstream in(path);
    if (!in) {
        qFatal("cannot read %s", path.c_str());
    }
    return json::parse(in);
}

const json& expectedFor(const std::string& name)
{
    static std::map<std::string, json> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        it = cache.emplace(name, readJson(caseDir(name) + "/expected.json")).first;
    }
    return it->second;
}

const Tokenizer& tokenizerFor(const std::string& name)
{
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        it = cache.emplace(name, loadTokenizer(caseDir(name))).first;
    }
    return *it->second;
}

bool isUncased(const std::string& name)
{
    return readJson(caseDir(name) + "/tokenizer_config.json").value("do_lower_case", true);
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

// Joined into one string so a failing QCOMPARE prints both sides.
template <typename T>
QString joinNumbers(const std::vector<T>& values)
{
    QStringList parts;
    for (const T value : values) {
        parts << QString::number(static_cast<qint64>(value));
    }
    return parts.join(QLatin1Char(' '));
}

QString joinNumbers(const json& values)
{
    return joinNumbers(values.get<std::vector<int64_t>>());
}

QString joinTokens(const std::vector<std::string>& tokens)
{
    QStringList parts;
    for (const std::string& token : tokens) {
        parts << qs(token);
    }
    return parts.join(QStringLiteral(" | "));
}

QString joinTokens(const json& tokens)
{
    return joinTokens(tokens.get<std::vector<std::string>>());
}

QString joinOffsets(const Encoding& encoding, size_t first, size_t last)
{
    QStringList parts;
    for (size_t i = first; i < last; ++i) {
        parts << QStringLiteral("%1,%2").arg(encoding.offsets[i].first).arg(
            encoding.offsets[i].second);
    }
    return parts.join(QLatin1Char(' '));
}

/// What BERT's basic tokenizer makes of a stretch of original text, written independently
/// with Qt: drop control and format characters, NFC, and for uncased models lower-case and
/// strip accents (NFD, drop Mn).
QString normalizeLikeBert(const QString& text, bool uncased)
{
    QString kept;
    for (const char32_t c : text.toUcs4()) {
        const QChar::Category category = QChar::category(c);
        if (category == QChar::Other_Control || category == QChar::Other_Format) {
            continue;
        }
        kept += QString::fromUcs4(&c, 1);
    }
    kept = kept.normalized(QString::NormalizationForm_C);
    if (!uncased) {
        return kept;
    }
    const QString decomposed = kept.toLower().normalized(QString::NormalizationForm_D);
    QString stripped;
    for (const char32_t c : decomposed.toUcs4()) {
        if (QChar::category(c) != QChar::Mark_NonSpacing) {
            stripped += QString::fromUcs4(&c, 1);
        }
    }
    return stripped;
}

/// Checks the offsets of tokens [first, last) of `encoding` against `text`: in order, inside
/// the text, and each token (without "##") equal to its stretch of text as BERT normalises
/// it. [UNK] tokens only need a non-empty span; special tokens found in the text must match
/// it exactly.
void checkOffsets(const Encoding& encoding, size_t first, size_t last, const std::string& text,
                  bool uncased)
{
    const QList<uint> original = qs(text).toUcs4();
    int64_t previousEnd = 0;
    for (size_t i = first; i < last; ++i) {
        const auto [begin, end] = encoding.offsets[i];
        const QString token = qs(encoding.tokens[i]);
        const QByteArray where = QStringLiteral("token %1 \"%2\" at (%3, %4)")
                                     .arg(i)
                                     .arg(token)
                                     .arg(begin)
                                     .arg(end)
                                     .toUtf8();
        QVERIFY2(begin >= previousEnd && begin < end && end <= original.size(), where.constData());
        previousEnd = end;
        if (token == QStringLiteral("[UNK]")) {
            continue;
        }
        const QString stretch = QString::fromUcs4(reinterpret_cast<const char32_t*>(
                                                      original.constData() + begin),
                                                  static_cast<qsizetype>(end - begin));
        if (encoding.specialMask[i] != 0) {
            QCOMPARE(stretch, token);
            continue;
        }
        const QString expected =
            token.startsWith(QStringLiteral("##")) && token.size() > 2 ? token.mid(2) : token;
        QVERIFY2(normalizeLikeBert(stretch, uncased) == expected,
                 (where + " covers \"" + stretch.toUtf8() + "\"").constData());
    }
}

void writeFile(const QString& path, const std::string& content)
{
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << content;
    QVERIFY(out.good());
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace

class TestWordPiece : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenization_data();
    void tokenization();
    void offsetsMatchText_data() { tokenization_data(); }
    void offsetsMatchText();
    void pair_data();
    void pair();
    void pairTruncation();
    void settings_data();
    void settings();
    void handOffsets_data();
    void handOffsets();
    void accentSettings_data();
    void accentSettings();
    void crlfVocabulary();
    void errors_data();
    void errors();
    void otherErrors();
    void speed();
};

void TestWordPiece::tokenization_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<int>("index");
    for (const char* name : kCases) {
        const json& tokenization = expectedFor(name).at("tokenization");
        for (size_t i = 0; i < tokenization.size(); ++i) {
            const std::string row =
                std::string(name) + "/" + tokenization[i].at("name").get<std::string>();
            QTest::newRow(row.c_str()) << QString::fromLatin1(name) << static_cast<int>(i);
        }
    }
}

void TestWordPiece::tokenization()
{
    QFETCH(QString, caseName);
    QFETCH(int, index);
    const std::string name = caseName.toStdString();
    const json& expected = expectedFor(name).at("tokenization").at(static_cast<size_t>(index));
    const Tokenizer& tokenizer = tokenizerFor(name);
    const std::string text = expected.at("text").get<std::string>();

    const Encoding encoding = tokenizer.encode(text);
    QCOMPARE(joinNumbers(encoding.ids), joinNumbers(expected.at("ids")));
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected.at("tokens")));
    if (expected.contains("token_type_ids")) { // DistilBERT returns none
        QCOMPARE(joinNumbers(encoding.typeIds), joinNumbers(expected.at("token_type_ids")));
    }
    QCOMPARE(encoding.typeIds.size(), encoding.ids.size());
    QCOMPARE(encoding.offsets.size(), encoding.ids.size());
    QCOMPARE(encoding.specialMask.size(), encoding.ids.size());
    QVERIFY(!encoding.truncated);
    QCOMPARE(joinTokens(tokenizer.tokenize(text)), joinTokens(expected.at("tokenize")));
    QCOMPARE(qs(tokenizer.decode(encoding.ids)), qs(expected.at("decode").get<std::string>()));
    QCOMPARE(qs(tokenizer.decode(encoding.ids, /*skipSpecial=*/true)),
             qs(expected.at("decode_skip_special").get<std::string>()));

    if (expected.contains("truncated")) {
        const json& truncated = expected.at("truncated");
        EncodeOptions options;
        options.maxLength = truncated.at("max_length").get<int64_t>();
        const Encoding cut = tokenizer.encode(text, options);
        QVERIFY(cut.truncated);
        QCOMPARE(static_cast<int64_t>(cut.size()), options.maxLength);
        QCOMPARE(joinNumbers(cut.ids), joinNumbers(truncated.at("ids")));
        QCOMPARE(joinTokens(cut.tokens), joinTokens(truncated.at("tokens")));
    }

    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding bare = tokenizer.encode(text, plain);
    QCOMPARE(joinTokens(bare.tokens), joinTokens(expected.at("tokenize")));
}

void TestWordPiece::offsetsMatchText()
{
    QFETCH(QString, caseName);
    QFETCH(int, index);
    const std::string name = caseName.toStdString();
    const json& expected = expectedFor(name).at("tokenization").at(static_cast<size_t>(index));
    const std::string text = expected.at("text").get<std::string>();
    const Encoding encoding = tokenizerFor(name).encode(text);
    QVERIFY(encoding.size() >= 2);
    const size_t last = encoding.size() - 1;
    QCOMPARE(encoding.offsets.front(), std::make_pair(int64_t(0), int64_t(0)));
    QCOMPARE(encoding.offsets.back(), std::make_pair(int64_t(0), int64_t(0)));
    QCOMPARE(encoding.specialMask.front(), uint8_t(1));
    QCOMPARE(encoding.specialMask.back(), uint8_t(1));
    checkOffsets(encoding, 1, last, text, isUncased(name));
}

void TestWordPiece::pair_data()
{
    QTest::addColumn<QString>("caseName");
    for (const char* name : kCases) {
        QTest::newRow(name) << QString::fromLatin1(name);
    }
}

void TestWordPiece::pair()
{
    QFETCH(QString, caseName);
    const std::string name = caseName.toStdString();
    const json& expected = expectedFor(name).at("pair");
    const std::string text = expected.at("text").get<std::string>();
    const std::string second = expected.at("text_pair").get<std::string>();
    const Encoding encoding = tokenizerFor(name).encodePair(text, second);
    QCOMPARE(joinNumbers(encoding.ids), joinNumbers(expected.at("ids")));
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected.at("tokens")));
    if (expected.contains("token_type_ids")) {
        QCOMPARE(joinNumbers(encoding.typeIds), joinNumbers(expected.at("token_type_ids")));
    }

    // Offsets point into each segment's own text.
    size_t firstSep = 1;
    while (firstSep < encoding.size() && encoding.specialMask[firstSep] == 0) {
        ++firstSep;
    }
    QVERIFY(firstSep < encoding.size() - 1);
    checkOffsets(encoding, 1, firstSep, text, isUncased(name));
    checkOffsets(encoding, firstSep + 1, encoding.size() - 1, second, isUncased(name));
}

void TestWordPiece::pairTruncation()
{
    // 'longest_first': the long text gives up tokens until the pair fits; the short one stays.
    const Tokenizer& tokenizer = tokenizerFor("bert");
    const json& tokenization = expectedFor("bert").at("tokenization");
    std::string longText;
    for (const json& entry : tokenization) {
        if (entry.at("name") == "long") {
            longText = entry.at("text").get<std::string>();
        }
    }
    const std::string shortText = "The quick brown fox jumps.";
    EncodeOptions options;
    options.maxLength = 64;
    const Encoding encoding = tokenizer.encodePair(longText, shortText, options);
    QVERIFY(encoding.truncated);
    QCOMPARE(encoding.size(), size_t(64));
    const std::vector<std::string> shortPieces = tokenizer.tokenize(shortText);
    const std::vector<std::string> longPieces = tokenizer.tokenize(longText);
    const size_t firstLength = 64 - 3 - shortPieces.size();
    std::vector<std::string> expected = {"[CLS]"};
    expected.insert(expected.end(), longPieces.begin(), longPieces.begin() + firstLength);
    expected.push_back("[SEP]");
    expected.insert(expected.end(), shortPieces.begin(), shortPieces.end());
    expected.push_back("[SEP]");
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected));
}

void TestWordPiece::settings_data()
{
    pair_data();
}

void TestWordPiece::settings()
{
    QFETCH(QString, caseName);
    const std::string name = caseName.toStdString();
    const json& info = expectedFor(name).at("tokenizer_info");
    const Tokenizer& tokenizer = tokenizerFor(name);
    QCOMPARE(qs(tokenizer.kind()), QStringLiteral("wordpiece"));
    QCOMPARE(tokenizer.vocabSize(), info.at("vocab_size").get<int64_t>());
    QCOMPARE(tokenizer.modelMaxLength(), info.at("model_max_length").get<int64_t>());

    const auto& special = tokenizer.specialTokens();
    const json& names = info.at("special_tokens");
    QCOMPARE(*special.unk, *tokenizer.tokenToId(names.at("unk_token").get<std::string>()));
    QCOMPARE(*special.sep, *tokenizer.tokenToId(names.at("sep_token").get<std::string>()));
    QCOMPARE(*special.pad, *tokenizer.tokenToId(names.at("pad_token").get<std::string>()));
    QCOMPARE(*special.cls, *tokenizer.tokenToId(names.at("cls_token").get<std::string>()));
    QCOMPARE(*special.mask, *tokenizer.tokenToId(names.at("mask_token").get<std::string>()));
    QVERIFY(!special.bos && !special.eos);
    // all_special_ids lists unk, sep, pad, cls, mask in that order.
    const std::vector<int64_t> ids = {*special.unk, *special.sep, *special.pad, *special.cls,
                                      *special.mask};
    QCOMPARE(joinNumbers(ids), joinNumbers(info.at("all_special_ids")));
    QCOMPARE(qs(tokenizer.idToToken(*special.mask)), qs(names.at("mask_token").get<std::string>()));
    QVERIFY(!tokenizer.tokenToId("no such token"));
}

void TestWordPiece::handOffsets_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("tokens");
    QTest::addColumn<QString>("offsets");

    const QString bert = QStringLiteral("bert");
    QTest::newRow("accents") << bert << QStringLiteral("café naïve")
                             << QStringLiteral("cafe | naive") << QStringLiteral("0,4 5,10");
    QTest::newRow("decomposed accents")
        << bert << QStringLiteral("cafe\u0301 nai\u0308ve") << QStringLiteral("cafe | naive")
        << QStringLiteral("0,5 6,12");
    QTest::newRow("punctuation")
        << bert << QStringLiteral("Hello, world!")
        << QStringLiteral("hello | , | wor | ##ld | !")
        << QStringLiteral("0,5 5,6 7,10 10,12 12,13");
    QTest::newRow("cjk and emoji") << bert << QStringLiteral("東京 🍕!")
                                   << QStringLiteral("東 | 京 | 🍕 | !")
                                   << QStringLiteral("0,1 1,2 3,4 4,5");
    QTest::newRow("unknown emoji sequence")
        << bert << QStringLiteral("🙂👍🏽!") << QStringLiteral("[UNK] | !")
        << QStringLiteral("0,3 3,4");
    QTest::newRow("voiced kana") << bert << QStringLiteral("で") << QStringLiteral("て")
                                 << QStringLiteral("0,1");
    QTest::newRow("mask") << bert << QStringLiteral("is [MASK].")
                          << QStringLiteral("is | [MASK] | .") << QStringLiteral("0,2 3,9 9,10");
    QTest::newRow("leading spaces") << bert << QStringLiteral("  extra")
                                    << QStringLiteral("ex | ##t | ##ra")
                                    << QStringLiteral("2,4 4,5 5,7");
    QTest::newRow("soft hyphen") << bert << QStringLiteral("soft\u00ADhyphen")
                                 << QStringLiteral("soft | ##h | ##y | ##p | ##he | ##n")
                                 << QStringLiteral("0,4 5,6 6,7 7,8 8,10 10,11");
    QTest::newRow("cased accents") << QStringLiteral("bert-cased")
                                   << QStringLiteral("cafe\u0301 Dvořák")
                                   << QStringLiteral("café | Dvořák")
                                   << QStringLiteral("0,5 6,12");

    // ASCII takes a path of its own (no ICU); these mix it with everything else.
    const QString cased = QStringLiteral("bert-cased");
    QTest::newRow("ascii and accented words")
        << bert << QStringLiteral("Hello CAFÉ world") << QStringLiteral("hello | cafe | wor | ##ld")
        << QStringLiteral("0,5 6,10 11,14 14,16");
    QTest::newRow("ascii controls") << bert
                                    << QStringLiteral("a") + QChar(0x01) + QStringLiteral("b")
            + QChar(0x7F) + QStringLiteral("c\td\re\nf") + QChar(0) + QStringLiteral("g")
                                    << QStringLiteral("ab | ##c | d | e | f | ##g")
                                    << QStringLiteral("0,3 4,5 6,7 8,9 10,11 12,13");
    QTest::newRow("uppercase, cased") << cased << QStringLiteral("Hello WORLD, Don't")
                                      << QStringLiteral("Hello | [UNK] | , | D | ##on | ' | t")
                                      << QStringLiteral("0,5 6,11 11,12 13,14 14,16 16,17 17,18");
    QTest::newRow("ascii punctuation and digits")
        << bert << QStringLiteral("IBM's i.e. 3.14")
        << QStringLiteral("i | ##b | ##m | ' | s | i | . | e | . | 3 | . | 1 | ##4")
        << QStringLiteral("0,1 1,2 2,3 3,4 4,5 6,7 7,8 8,9 9,10 11,12 12,13 13,14 14,15");
    QTest::newRow("accent composing with ascii")
        << bert << QStringLiteral("Cafe\u0301s e\u0301te\u0301")
        << QStringLiteral("cafe | ##s | e | ##t | ##e") << QStringLiteral("0,5 5,6 7,9 9,10 10,12");
    QTest::newRow("accent composing with ascii, cased")
        << cased << QStringLiteral("Cafe\u0301s e\u0301te\u0301")
        << QStringLiteral("C | ##a | ##fé | ##s | é | ##t | ##é")
        << QStringLiteral("0,1 1,2 2,5 5,6 7,9 9,10 10,12");
    QTest::newRow("mark after a space") << bert << QStringLiteral("x \u0301y")
                                        << QStringLiteral("[UNK] | y") << QStringLiteral("0,1 3,4");
    QTest::newRow("unicode spaces") << bert << QStringLiteral("a\u00A0b\u3000c")
                                    << QStringLiteral("a | b | c") << QStringLiteral("0,1 2,3 4,5");
    QTest::newRow("dotted capital i")
        << bert << QStringLiteral("İstanbul") << QStringLiteral("is | ##t | ##an | ##b | ##ul")
        << QStringLiteral("0,2 2,3 3,5 5,6 6,8");
    QTest::newRow("mask inside a word")
        << bert << QStringLiteral("a[MASK]b") << QStringLiteral("a | [MASK] | b")
        << QStringLiteral("0,1 1,7 7,8");
}

void TestWordPiece::accentSettings_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("config"); // merged into the case's tokenizer_config.json
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("tokens");
    QTest::addColumn<QString>("offsets");

    const QString bert = QStringLiteral("bert");
    const QString cased = QStringLiteral("bert-cased");
    const QString keep = QStringLiteral("{\"strip_accents\": false}");
    const QString strip = QStringLiteral("{\"strip_accents\": true}");
    QTest::newRow("lower, keep accents") << bert << keep << QStringLiteral("ÉCOLE naïve Straße")
                                         << QStringLiteral("[UNK] | [UNK] | str | ##a | ##ß | ##e")
                                         << QStringLiteral("0,5 6,11 12,15 15,16 16,17 17,18");
    QTest::newRow("lower, keep accents, ascii")
        << bert << keep << QStringLiteral("Hello CAFÉ world")
        << QStringLiteral("hello | [UNK] | wor | ##ld") << QStringLiteral("0,5 6,10 11,14 14,16");
    QTest::newRow("lower, strip accents")
        << bert << strip << QStringLiteral("ÉCOLE naïve Straße")
        << QStringLiteral("e | ##c | ##ol | ##e | naive | str | ##a | ##ß | ##e")
        << QStringLiteral("0,1 1,2 2,4 4,5 6,11 12,15 15,16 16,17 17,18");
    QTest::newRow("cased, strip accents")
        << cased << strip << QStringLiteral("ÉCOLE naïve Straße")
        << QStringLiteral("[UNK] | n | ##ai | ##ve | S | ##tra | ##ß | ##e")
        << QStringLiteral("0,5 6,7 7,9 9,11 12,13 13,16 16,17 17,18");
    QTest::newRow("cased, strip accents, dotted i")
        << cased << strip << QStringLiteral("İstanbul")
        << QStringLiteral("I | ##st | ##an | ##b | ##ul") << QStringLiteral("0,1 1,3 3,5 5,6 6,8");
    QTest::newRow("cased, keep accents")
        << cased << keep << QStringLiteral("Cafe\u0301s e\u0301te\u0301")
        << QStringLiteral("C | ##a | ##fé | ##s | é | ##t | ##é")
        << QStringLiteral("0,1 1,2 2,5 5,6 7,9 9,10 10,12");
    QTest::newRow("no basic tokenizer") << bert << QStringLiteral("{\"do_basic_tokenize\": false}")
                                        << QStringLiteral("hello Don't HELLO naïve x.y")
                                        << QStringLiteral("hello | [UNK] | [UNK] | [UNK] | [UNK]")
                                        << QStringLiteral("0,5 6,11 12,17 18,23 24,27");
}

void TestWordPiece::accentSettings()
{
    QFETCH(QString, caseName);
    QFETCH(QString, config);
    QFETCH(QString, text);
    QFETCH(QString, tokens);
    QFETCH(QString, offsets);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string source = caseDir(caseName.toStdString());
    json settings = readJson(source + "/tokenizer_config.json");
    settings.update(json::parse(config.toStdString()));
    writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")), settings.dump());
    writeFile(dir.filePath(QStringLiteral("vocab.txt")), readFile(source + "/vocab.txt"));
    writeFile(dir.filePath(QStringLiteral("special_tokens_map.json")),
        readFile(source + "/special_tokens_map.json"));
    const auto tokenizer = loadTokenizer(dir.path().toStdString());
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding encoding = tokenizer->encode(text.toStdString(), plain);
    QCOMPARE(joinTokens(encoding.tokens), tokens);
    QCOMPARE(joinOffsets(encoding, 0, encoding.size()), offsets);
}

void TestWordPiece::handOffsets()
{
    QFETCH(QString, caseName);
    QFETCH(QString, text);
    QFETCH(QString, tokens);
    QFETCH(QString, offsets);
    const Encoding encoding = tokenizerFor(caseName.toStdString()).encode(text.toStdString());
    const size_t last = encoding.size() - 1;
    std::vector<std::string> inner(encoding.tokens.begin() + 1, encoding.tokens.end() - 1);
    QCOMPARE(joinTokens(inner), tokens);
    QCOMPARE(joinOffsets(encoding, 1, last), offsets);
    QCOMPARE(joinOffsets(encoding, 0, 1), QStringLiteral("0,0"));
    QCOMPARE(joinOffsets(encoding, last, last + 1), QStringLiteral("0,0"));
    for (size_t i = 1; i < last; ++i) {
        const bool isMask = encoding.tokens[i] == "[MASK]";
        QCOMPARE(encoding.specialMask[i], uint8_t(isMask ? 1 : 0));
    }
}

void TestWordPiece::crlfVocabulary()
{
    // vocab.txt written with Windows line ends reads the same (Python's universal newlines).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string source = caseDir("bert");
    std::string vocab = readFile(source + "/vocab.txt");
    std::string crlf;
    for (const char c : vocab) {
        if (c == '\n') {
            crlf += "\r\n";
        } else {
            crlf += c;
        }
    }
    writeFile(dir.filePath(QStringLiteral("vocab.txt")), crlf);
    writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")),
              readFile(source + "/tokenizer_config.json"));
    const auto tokenizer = loadTokenizer(dir.path().toStdString());
    for (const json& entry : expectedFor("bert").at("tokenization")) {
        const Encoding encoding = tokenizer->encode(entry.at("text").get<std::string>());
        QCOMPARE(joinNumbers(encoding.ids), joinNumbers(entry.at("ids")));
    }
}

void TestWordPiece::errors_data()
{
    QTest::addColumn<QString>("vocab");  // empty: no vocab.txt
    QTest::addColumn<QString>("config"); // empty: no tokenizer_config.json
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message"); // %1 = the folder

    const QString vocab = QStringLiteral("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n");
    QTest::newRow("no tokenizer files")
        << QString() << QString() << int(ErrorKind::InvalidInput)
        << QStringLiteral("no tokenizer found in %1: looked for tokenizer.json (any fast "
                          "tokenizer), tokenizer_config.json, vocab.txt "
                          "(WordPiece: BERT, DistilBERT, ELECTRA), vocab.json + merges.txt "
                          "(byte-level BPE: GPT-2, RoBERTa), spiece.model or tokenizer.model "
                          "(SentencePiece: ALBERT, T5, LLaMA). Copy the model's tokenizer "
                          "files into the folder.");
    QTest::newRow("bert class without vocab.txt")
        << QString() << QStringLiteral("{\"tokenizer_class\": \"BertTokenizer\"}")
        << int(ErrorKind::InvalidInput)
        << QStringLiteral("%1 has no vocab.txt, which a WordPiece (BERT) tokenizer needs. Copy "
                          "the model's vocab.txt into the folder.");
    QTest::newRow("unsupported class")
        << vocab << QStringLiteral("{\"tokenizer_class\": \"XLNetTokenizer\"}")
        << int(ErrorKind::Unsupported)
        << QStringLiteral("%1/tokenizer_config.json: tokenizer_class \"XLNetTokenizer\" is not "
                          "supported yet. Lumen reads BertTokenizer, DistilBertTokenizer, "
                          "ElectraTokenizer, GPT2Tokenizer, RobertaTokenizer, AlbertTokenizer, "
                          "T5Tokenizer and LlamaTokenizer.");
    QTest::newRow("wrong type")
        << vocab << QStringLiteral("{\"do_lower_case\": \"yes\"}") << int(ErrorKind::InvalidInput)
        << QStringLiteral("%1/tokenizer_config.json: \"do_lower_case\" must be true or false. "
                          "Fix the value or remove the key.");
    QTest::newRow("bad special token")
        << vocab << QStringLiteral("{\"mask_token\": 4}") << int(ErrorKind::InvalidInput)
        << QStringLiteral("%1/tokenizer_config.json: \"mask_token\" must be a string or an "
                          "object with a \"content\" string. Fix the value or remove the key.");
    QTest::newRow("not an object")
        << vocab << QStringLiteral("[1, 2]") << int(ErrorKind::InvalidInput)
        << QStringLiteral("%1/tokenizer_config.json: expected a JSON object. Fix or replace the "
                          "file.");
    QTest::newRow("empty vocabulary")
        << QStringLiteral("") << QStringLiteral("{}") << int(ErrorKind::InvalidInput)
        << QStringLiteral("%1/vocab.txt is empty; expected one token per line. Replace it with "
                          "the model's vocabulary.");
}

void TestWordPiece::errors()
{
    QFETCH(QString, vocab);
    QFETCH(QString, config);
    QFETCH(int, kind);
    QFETCH(QString, message);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writeFile(dir.filePath(QStringLiteral("config.json")), "{\"model_type\": \"bert\"}");
    const bool emptyVocabRow = QTest::currentDataTag() == QByteArray("empty vocabulary");
    if (!vocab.isEmpty() || emptyVocabRow) {
        writeFile(dir.filePath(QStringLiteral("vocab.txt")), vocab.toStdString());
    }
    if (!config.isEmpty()) {
        writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")), config.toStdString());
    }
    try {
        loadTokenizer(dir.path().toStdString());
        QFAIL("loadTokenizer accepted the folder");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), kind);
        QCOMPARE(qs(error.what()), message.arg(dir.path()));
    }
}

void TestWordPiece::otherErrors()
{
    // A missing folder, and malformed JSON (the message comes from readJsonFile and names the
    // file); a maximum length that cannot hold [CLS] and [SEP].
    try {
        loadTokenizer("/nonexistent/lumen-model");
        QFAIL("a missing folder was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QCOMPARE(qs(error.what()),
                 QStringLiteral("the model folder /nonexistent/lumen-model does not exist or is "
                                "not a folder. Choose the folder that holds the model's "
                                "config.json and tokenizer files."));
    }

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writeFile(dir.filePath(QStringLiteral("vocab.txt")), "[UNK]\n[CLS]\n[SEP]\n");
    writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")), "{\"do_lower_case\": tru");
    try {
        loadTokenizer(dir.path().toStdString());
        QFAIL("malformed tokenizer_config.json was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QVERIFY2(qs(error.what()).startsWith(dir.filePath(QStringLiteral("tokenizer_config.json"))),
                 error.what());
    }

    EncodeOptions options;
    options.maxLength = 1;
    try {
        tokenizerFor("bert").encode("hello", options);
        QFAIL("maxLength 1 was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QCOMPARE(qs(error.what()),
                 QStringLiteral("maximum length 1 cannot hold the 2 special tokens; use a larger "
                                "maximum length."));
    }
}

void TestWordPiece::speed()
{
    // Not a timed test: reports how long one long sentence (~600 characters) takes.
    const Tokenizer& tokenizer = tokenizerFor("bert");
    std::string text;
    for (const json& entry : expectedFor("bert").at("tokenization")) {
        if (entry.at("name") == "long") {
            text = entry.at("text").get<std::string>();
        }
    }
    size_t tokens = 0;
    QBENCHMARK {
        tokens = tokenizer.encode(text).size();
    }
    QVERIFY(tokens > 64);
}

QTEST_GUILESS_MAIN(TestWordPiece)
#include "tst_wordpiece.moc"
