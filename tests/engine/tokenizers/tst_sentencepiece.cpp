// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// The SentencePiece tokenizers (ALBERT, T5, LLaMA) against the reference's outputs
// (tests/data/conformance/<case>/expected.json, written by transformers 4.40.2's slow
// tokenizers): ids, tokens, tokenize, decode, truncation and ALBERT's pair identical for every
// record; offsets checked against the original text by one generic rule; edge cases checked
// through properties the reference has (lossless LLaMA decoding, added tokens split out
// first).

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>

using lumen::Error;
using lumen::engine::EncodeOptions;
using lumen::engine::Encoding;
using lumen::engine::loadTokenizer;
using lumen::engine::Tokenizer;
using nlohmann::json;

namespace {

const char* const kCases[] = { "albert", "t5", "llama" };

std::string caseDir(const std::string& name)
{
    return std::string(LUMEN_TEST_DATA) + "/conformance/" + name;
}

const json& expectedFor(const std::string& name)
{
    static std::map<std::string, json> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        std::ifstream in(caseDir(name) + "/expected.json");
        if (!in) {
            qFatal("cannot read expected.json of %s", name.c_str());
        }
        it = cache.emplace(name, json::parse(in)).first;
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

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

template<typename T> QString joinNumbers(const std::vector<T>& values)
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

const QChar kSpiece(0x2581);

bool isBytePiece(const QString& token)
{
    return token.size() == 6 && token.startsWith(QStringLiteral("<0x"))
        && token.endsWith(QLatin1Char('>'));
}

/// What a case's tokenizer makes of a stretch of original text before SentencePiece cuts it,
/// written independently with Qt: ALBERT `` and '' as ", NFKD without combining marks,
/// lower-cased; T5 NFKC
/// (its model's nmt_nfkc rules); LLaMA nothing (identity normalisation). Whitespace removed,
/// since "▁" stands for it, and for ALBERT and T5 invisible format characters too (nmt_nfkc
/// turns a zero-width space into a space).
QString normalizeLike(const std::string& name, const QString& text)
{
    QString out = text;
    if (name == "albert") {
        out.replace(QStringLiteral("``"), QStringLiteral("\""));
        out.replace(QStringLiteral("''"), QStringLiteral("\""));
        QString kept;
        for (const char32_t c : out.normalized(QString::NormalizationForm_KD).toUcs4()) {
            if (QChar::combiningClass(c) == 0) {
                kept += QString::fromUcs4(&c, 1);
            }
        }
        out = kept.toLower();
    } else if (name == "t5") {
        out = out.normalized(QString::NormalizationForm_KC);
    }
    QString visible;
    for (const char32_t c : out.toUcs4()) {
        const bool invisible = name != "llama" && QChar::category(c) == QChar::Other_Format
            && c != 0x00AD; // the soft hyphen is a piece of its own (<unk>)
        if (!QChar::isSpace(c) && c != 0x2581 && !invisible) {
            visible += QString::fromUcs4(&c, 1);
        }
    }
    return visible;
}

/// The offset rule, for tokens [first, last) of `encoding` over `text`:
/// - ranges lie inside the text, begin <= end, and begins never go back;
/// - a special token found in the text covers exactly its own text;
/// - a byte-fallback piece <0xNN> covers one character whose UTF-8 holds byte NN;
/// - an unknown piece (<unk>) covers at least one character;
/// - any other piece covers a stretch that, normalised as its tokenizer does and without
///   whitespace, equals the piece without "▁" (a piece that is only "▁" covers only
///   whitespace, possibly none: the "▁" put in front of the text).
void checkOffsets(const std::string& name, const Encoding& encoding, size_t first, size_t last,
    const std::string& text)
{
    const QList<uint> original = qs(text).toUcs4();
    int64_t previousBegin = 0;
    for (size_t i = first; i < last; ++i) {
        const auto [begin, end] = encoding.offsets[i];
        const QString token = qs(encoding.tokens[i]);
        QVERIFY2(begin >= previousBegin && begin <= end && end <= original.size(),
            qPrintable(QStringLiteral("token %1 \"%2\" at (%3, %4)")
                           .arg(i)
                           .arg(token)
                           .arg(begin)
                           .arg(end)));
        previousBegin = begin;
        const QString stretch =
            QString::fromUcs4(reinterpret_cast<const char32_t*>(original.constData() + begin),
                static_cast<qsizetype>(end - begin));
        const QByteArray where = QStringLiteral("token %1 \"%2\" at (%3, %4) covers \"%5\"")
                                     .arg(i)
                                     .arg(token)
                                     .arg(begin)
                                     .arg(end)
                                     .arg(stretch)
                                     .toUtf8();
        if (encoding.specialMask[i] != 0) {
            QVERIFY2(stretch == token, where.constData());
        } else if (isBytePiece(token)) {
            bool ok = false;
            const int byte = token.mid(3, 2).toInt(&ok, 16);
            QVERIFY(ok);
            QVERIFY2(end - begin == 1 && stretch.toUtf8().contains(static_cast<char>(byte)),
                where.constData());
        } else if (token == QStringLiteral("<unk>")) {
            QVERIFY2(end > begin, where.constData());
        } else {
            QString piece = token;
            piece.remove(kSpiece);
            QVERIFY2(normalizeLike(name, stretch) == normalizeLike(name, piece), where.constData());
        }
    }
}

const json& recordNamed(const std::string& caseName, const std::string& recordName)
{
    for (const json& entry : expectedFor(caseName).at("tokenization")) {
        if (entry.at("name") == recordName) {
            return entry;
        }
    }
    qFatal("no record %s in %s", recordName.c_str(), caseName.c_str());
}

} // namespace

class TestSentencePiece : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenization_data();
    void tokenization();
    void offsetsMatchText_data() { tokenization_data(); }
    void offsetsMatchText();
    void albertPair();
    void settings_data();
    void settings();
    void edgeCases_data();
    void edgeCases();
    void addedTokenInsideWord_data();
    void addedTokenInsideWord();
    void llamaByteFallbackOffsets();
    void albertOffsetsThroughNormalisation();
    void missingModel();
};

void TestSentencePiece::tokenization_data()
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

void TestSentencePiece::tokenization()
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
    if (expected.contains("token_type_ids")) {
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

    // Without special tokens the encoding is tokenize's pieces, as ids.
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding bare = tokenizer.encode(text, plain);
    const std::vector<std::string> pieces = expected.at("tokenize").get<std::vector<std::string>>();
    QCOMPARE(bare.size(), pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
        const auto id = tokenizer.tokenToId(pieces[i]);
        QCOMPARE(bare.ids[i], id ? *id : *tokenizer.specialTokens().unk);
    }
}

void TestSentencePiece::offsetsMatchText()
{
    QFETCH(QString, caseName);
    QFETCH(int, index);
    const std::string name = caseName.toStdString();
    const json& expected = expectedFor(name).at("tokenization").at(static_cast<size_t>(index));
    const std::string text = expected.at("text").get<std::string>();
    const Encoding encoding = tokenizerFor(name).encode(text);
    // Special tokens put around the text (not found in it) get (0, 0).
    size_t first = 0;
    size_t last = encoding.size();
    if (name == "albert" || name == "llama") {
        QCOMPARE(encoding.specialMask.front(), uint8_t(1));
        QCOMPARE(encoding.offsets.front(), std::make_pair(int64_t(0), int64_t(0)));
        first = 1;
    }
    if (name == "albert" || name == "t5") {
        QCOMPARE(encoding.specialMask.back(), uint8_t(1));
        QCOMPARE(encoding.offsets.back(), std::make_pair(int64_t(0), int64_t(0)));
        last -= 1;
    }
    checkOffsets(name, encoding, first, last, text);
}

void TestSentencePiece::albertPair()
{
    const json& expected = expectedFor("albert").at("pair");
    const std::string text = expected.at("text").get<std::string>();
    const std::string second = expected.at("text_pair").get<std::string>();
    const Tokenizer& tokenizer = tokenizerFor("albert");
    const Encoding encoding = tokenizer.encodePair(text, second);
    QCOMPARE(joinNumbers(encoding.ids), joinNumbers(expected.at("ids")));
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected.at("tokens")));
    QCOMPARE(joinNumbers(encoding.typeIds), joinNumbers(expected.at("token_type_ids")));

    size_t firstSep = 1;
    while (firstSep < encoding.size() && encoding.specialMask[firstSep] == 0) {
        ++firstSep;
    }
    QVERIFY(firstSep < encoding.size() - 1);
    checkOffsets("albert", encoding, 1, firstSep, text);
    checkOffsets("albert", encoding, firstSep + 1, encoding.size() - 1, second);

    // 'longest_first' truncation: the long text gives up pieces, the short one stays whole.
    const std::string longText = recordNamed("albert", "long").at("text").get<std::string>();
    EncodeOptions options;
    options.maxLength = 64;
    const Encoding cut = tokenizer.encodePair(longText, second, options);
    QVERIFY(cut.truncated);
    QCOMPARE(cut.size(), size_t(64));
    const std::vector<std::string> shortPieces = tokenizer.tokenize(second);
    const std::vector<std::string> longPieces = tokenizer.tokenize(longText);
    std::vector<std::string> want = { "[CLS]" };
    want.insert(want.end(), longPieces.begin(),
        longPieces.begin() + static_cast<std::ptrdiff_t>(64 - 3 - shortPieces.size()));
    want.push_back("[SEP]");
    for (const std::string& piece : shortPieces) {
        want.push_back(tokenizer.idToToken(*tokenizer.tokenToId(piece)));
    }
    want.push_back("[SEP]");
    QCOMPARE(joinTokens(cut.tokens), joinTokens(want));
}

void TestSentencePiece::settings_data()
{
    QTest::addColumn<QString>("caseName");
    for (const char* name : kCases) {
        QTest::newRow(name) << QString::fromLatin1(name);
    }
}

void TestSentencePiece::settings()
{
    QFETCH(QString, caseName);
    const std::string name = caseName.toStdString();
    const json& info = expectedFor(name).at("tokenizer_info");
    const Tokenizer& tokenizer = tokenizerFor(name);
    QCOMPARE(qs(tokenizer.kind()), QStringLiteral("sentencepiece"));
    QCOMPARE(tokenizer.vocabSize(), info.at("vocab_size").get<int64_t>());
    QCOMPARE(tokenizer.modelMaxLength(), info.at("model_max_length").get<int64_t>());
    const json& names = info.at("special_tokens");
    const auto& special = tokenizer.specialTokens();
    const std::pair<const char*, std::optional<int64_t>> named[] = {
        { "bos_token", special.bos },
        { "eos_token", special.eos },
        { "unk_token", special.unk },
        { "sep_token", special.sep },
        { "pad_token", special.pad },
        { "cls_token", special.cls },
        { "mask_token", special.mask },
    };
    for (const auto& [key, id] : named) {
        QCOMPARE(id.has_value(), names.contains(key));
        if (id) {
            QCOMPARE(*id, *tokenizer.tokenToId(names.at(key).get<std::string>()));
            QCOMPARE(qs(tokenizer.idToToken(*id)), qs(names.at(key).get<std::string>()));
        }
    }
    // Every special id decodes to nothing when special tokens are skipped.
    const std::vector<int64_t> ids = info.at("all_special_ids").get<std::vector<int64_t>>();
    QCOMPARE(qs(tokenizer.decode(ids, /*skipSpecial=*/true)), QString());
    QVERIFY(!tokenizer.tokenToId("no such piece"));
    if (name == "t5") {
        // <extra_id_0> is the last id (README).
        QCOMPARE(*tokenizer.tokenToId("<extra_id_0>"), tokenizer.vocabSize() - 1);
    }
}

void TestSentencePiece::edgeCases_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("text");
    for (const char* name : kCases) {
        const QString c = QString::fromLatin1(name);
        QTest::newRow((std::string(name) + "/empty").c_str()) << c << QString();
        QTest::newRow((std::string(name) + "/only spaces").c_str()) << c << QStringLiteral("   ");
        QTest::newRow((std::string(name) + "/emoji").c_str())
            << c << QStringLiteral("ok 👩‍👩‍👧 🍕🍕 fin");
        QTest::newRow((std::string(name) + "/combining accents").c_str())
            << c << QStringLiteral("cafe\u0301 nai\u0308ve A\u030Angstro\u0308m");
        QTest::newRow((std::string(name) + "/cjk").c_str())
            << c << QStringLiteral("東京で研究しています。日本語のテキスト");
        QTest::newRow((std::string(name) + "/very long word").c_str())
            << c << QString(300, QLatin1Char('x'));
        QTest::newRow((std::string(name) + "/unknown characters").c_str())
            << c << QStringLiteral("\u0378\uE000 \U0001F9FF");
        QTest::newRow((std::string(name) + "/spiece in text").c_str())
            << c << QStringLiteral("a\u2581b \u2581c");
    }
}

void TestSentencePiece::edgeCases()
{
    QFETCH(QString, caseName);
    QFETCH(QString, text);
    const std::string name = caseName.toStdString();
    const std::string utf8 = text.toStdString();
    const Tokenizer& tokenizer = tokenizerFor(name);
    const Encoding encoding = tokenizer.encode(utf8);
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding bare = tokenizer.encode(utf8, plain);
    QCOMPARE(bare.size(), tokenizer.tokenize(utf8).size());
    const size_t specials = name == "albert" ? 2 : 1;
    QCOMPARE(encoding.size(), bare.size() + specials);
    checkOffsets(name, bare, 0, bare.size(), utf8);

    if (text.trimmed().isEmpty() && name != "llama") {
        // ALBERT strips the text, T5's model removes extra whitespace: nothing is left.
        QCOMPARE(bare.size(), size_t(0));
    }
    if (name == "llama") {
        // Identity normalisation and byte fallback: decoding gives the text back (with "▁"
        // as a space: LlamaTokenizer.tokenize replaces it), and nothing is unknown.
        QString spaced = text;
        spaced.replace(kSpiece, QLatin1Char(' '));
        QCOMPARE(qs(tokenizer.decode(encoding.ids, /*skipSpecial=*/true)), spaced);
        for (const std::string& token : bare.tokens) {
            QVERIFY(token != "<unk>");
        }
    }
    // Decoding never throws and special-skipping drops exactly the added specials.
    const std::string withSpecials = tokenizer.decode(encoding.ids);
    const std::string without = tokenizer.decode(encoding.ids, true);
    QVERIFY(withSpecials.size() >= without.size());
}

void TestSentencePiece::addedTokenInsideWord_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("left");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("right");
    QTest::newRow("albert [MASK]") << "albert"
                                   << "Pa"
                                   << "[MASK]"
                                   << "ris";
    QTest::newRow("t5 <extra_id_3>") << "t5"
                                     << "Pa"
                                     << "<extra_id_3>"
                                     << "ris";
    QTest::newRow("llama </s>") << "llama"
                                << "Pa"
                                << "</s>"
                                << "ris";
}

void TestSentencePiece::addedTokenInsideWord()
{
    // The reference splits added tokens out before SentencePiece sees the text: "Pa[MASK]ris"
    // is tokenize("Pa") + [MASK] + the pieces of "ris" on its own.
    QFETCH(QString, caseName);
    QFETCH(QString, left);
    QFETCH(QString, token);
    QFETCH(QString, right);
    const std::string name = caseName.toStdString();
    const Tokenizer& tokenizer = tokenizerFor(name);
    const std::string text = (left + token + right).toStdString();
    const std::vector<std::string> pieces = tokenizer.tokenize(text);
    const std::vector<std::string> before = tokenizer.tokenize(left.toStdString());
    QVERIFY(pieces.size() > before.size() + 1);
    for (size_t i = 0; i < before.size(); ++i) {
        QCOMPARE(qs(pieces[i]), qs(before[i]));
    }
    QCOMPARE(qs(pieces[before.size()]), token);
    // ALBERT and T5 (legacy) encode each stretch as a text of its own, with the "▁" a text
    // start gets; LLaMA (legacy = false) continues the word without it.
    const QString after = qs(pieces[before.size() + 1]);
    if (name != "llama") {
        QVERIFY(after.startsWith(kSpiece));
    } else {
        QVERIFY2(!after.startsWith(kSpiece), qPrintable(after));
    }
    QString rest;
    for (size_t i = before.size() + 1; i < pieces.size(); ++i) {
        rest += qs(pieces[i]);
    }
    rest.remove(kSpiece);
    QCOMPARE(rest, right);

    const Encoding encoding = tokenizer.encode(text);
    size_t at = 0;
    while (at < encoding.size() && encoding.tokens[at] != token.toStdString()) {
        ++at;
    }
    QVERIFY(at < encoding.size());
    QCOMPARE(encoding.specialMask[at], uint8_t(1));
    QCOMPARE(encoding.offsets[at],
        std::make_pair(int64_t(left.size()), int64_t(left.size() + token.size())));
    checkOffsets(name, encoding, name == "t5" ? 0 : 1,
        name == "llama" ? encoding.size() : encoding.size() - 1, text);
}

void TestSentencePiece::llamaByteFallbackOffsets()
{
    // 🍕 is not in the vocabulary: four <0xNN> pieces, each covering the emoji (code point
    // 5 of "ok 🍕!" counting from 0 is "!").
    const Tokenizer& tokenizer = tokenizerFor("llama");
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding encoding = tokenizer.encode("ok \xF0\x9F\x8D\x95!", plain);
    QStringList bytes;
    for (size_t i = 0; i < encoding.size(); ++i) {
        if (isBytePiece(qs(encoding.tokens[i]))) {
            bytes << qs(encoding.tokens[i]);
            QCOMPARE(encoding.offsets[i], std::make_pair(int64_t(3), int64_t(4)));
        }
    }
    QCOMPARE(bytes.join(QLatin1Char(' ')), QStringLiteral("<0xF0> <0x9F> <0x8D> <0x95>"));
    QCOMPARE(encoding.offsets.back(), std::make_pair(int64_t(4), int64_t(5)));
}

void TestSentencePiece::albertOffsetsThroughNormalisation()
{
    // ALBERT lower-cases, collapses whitespace and drops combining marks; offsets still
    // point at the original characters. "  Cafe\u0301  ``x''" -> "▁cafe", "▁\"", "x", "\"".
    const Tokenizer& tokenizer = tokenizerFor("albert");
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const std::string text = "  Cafe\xCC\x81  ``x''";
    const Encoding encoding = tokenizer.encode(text, plain);
    QVERIFY(!encoding.tokens.empty());
    QCOMPARE(qs(encoding.tokens.front()), QStringLiteral("▁cafe"));
    QCOMPARE(encoding.offsets.front(), std::make_pair(int64_t(2), int64_t(7)));
    checkOffsets("albert", encoding, 0, encoding.size(), text);
    // The last token is the closing '' turned into ", two original characters.
    QCOMPARE(qs(encoding.tokens.back()), QStringLiteral("\""));
    QCOMPARE(encoding.offsets.back(), std::make_pair(int64_t(12), int64_t(14)));
}

void TestSentencePiece::missingModel()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        std::ofstream out((dir.path() + QStringLiteral("/tokenizer_config.json")).toStdString());
        out << R"({"tokenizer_class": "T5Tokenizer"})";
    }
    try {
        loadTokenizer(dir.path().toStdString());
        QFAIL("loading a folder without spiece.model must fail");
    } catch (const Error& error) {
        QCOMPARE(error.kind(), lumen::ErrorKind::InvalidInput);
        QVERIFY2(
            QString::fromUtf8(error.what()).contains(QStringLiteral("spiece.model")), error.what());
    }
    {
        std::ofstream out((dir.path() + QStringLiteral("/spiece.model")).toStdString());
        out << "not a model";
    }
    try {
        loadTokenizer(dir.path().toStdString());
        QFAIL("a corrupt spiece.model must be refused");
    } catch (const Error& error) {
        QCOMPARE(error.kind(), lumen::ErrorKind::InvalidInput);
        QVERIFY2(QString::fromUtf8(error.what()).contains(QStringLiteral("not a SentencePiece")),
            error.what());
    }
}

QTEST_GUILESS_MAIN(TestSentencePiece)
#include "tst_sentencepiece.moc"
