// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// The byte-level BPE tokenizer (GPT-2, RoBERTa) against the reference's outputs
// (tests/data/conformance/<case>/expected.json, written by transformers 4.40.2's slow
// tokenizers): ids, tokens, tokenize, decode, truncation and the RoBERTa pair identical;
// offsets checked against the original text; the merge loop checked against a literal
// transcription of the reference's bpe(); edge cases checked by properties the reference
// guarantees (byte-level round trips); error messages; a throughput report.

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include <time.h>

using lumen::Error;
using lumen::ErrorKind;
using lumen::engine::EncodeOptions;
using lumen::engine::Encoding;
using lumen::engine::loadTokenizer;
using lumen::engine::Tokenizer;
using nlohmann::json;

namespace {

const char* const kCases[] = {"roberta", "gpt2"};

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

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void writeFile(const QString& path, const std::string& content)
{
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << content;
    QVERIFY(out.good());
}

/// Copies a conformance case's tokenizer files into `dir`, with `config` changed by `edit`.
void copyCase(const std::string& name, const QTemporaryDir& dir,
              const std::function<void(json&)>& edit = {})
{
    const std::string source = caseDir(name);
    for (const char* file : {"vocab.json", "merges.txt", "special_tokens_map.json"}) {
        writeFile(dir.filePath(QString::fromLatin1(file)), readFile(source + "/" + file));
    }
    json config = readJson(source + "/tokenizer_config.json");
    if (edit) {
        edit(config);
    }
    writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")), config.dump(2));
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

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

std::string textOf(const std::string& caseName, const std::string& recordName)
{
    for (const json& entry : expectedFor(caseName).at("tokenization")) {
        if (entry.at("name") == recordName) {
            return entry.at("text").get<std::string>();
        }
    }
    qFatal("no record %s", recordName.c_str());
}

// ---- an independent transcription of the reference's byte-level BPE pieces ----

/// GPT-2's bytes_to_unicode, inverted: character -> byte.
const std::map<char32_t, unsigned char>& byteDecoder()
{
    static const std::map<char32_t, unsigned char> table = [] {
        std::vector<int> bs;
        for (int b = '!'; b <= '~'; ++b) {
            bs.push_back(b);
        }
        for (int b = 0xA1; b <= 0xAC; ++b) {
            bs.push_back(b);
        }
        for (int b = 0xAE; b <= 0xFF; ++b) {
            bs.push_back(b);
        }
        std::map<char32_t, unsigned char> out;
        for (int b : bs) {
            out[static_cast<char32_t>(b)] = static_cast<unsigned char>(b);
        }
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            if (std::find(bs.begin(), bs.end(), b) == bs.end()) {
                out[static_cast<char32_t>(256 + n)] = static_cast<unsigned char>(b);
                ++n;
            }
        }
        return out;
    }();
    return table;
}

/// The bytes a byte-level token stands for.
QByteArray tokenBytes(const std::string& token)
{
    QByteArray bytes;
    for (const char32_t c : qs(token).toUcs4()) {
        const auto it = byteDecoder().find(c);
        if (it == byteDecoder().end()) {
            return QByteArray(); // not a byte-level token
        }
        bytes.append(static_cast<char>(it->second));
    }
    return bytes;
}

QByteArray tokensBytes(const std::vector<std::string>& tokens)
{
    QByteArray bytes;
    for (const std::string& token : tokens) {
        bytes += tokenBytes(token);
    }
    return bytes;
}

/// Checks the offsets of the tokens of `encoding` that came from `text` (specialMask 0, and
/// special added tokens found in the text): in order and inside the text; every run of
/// tokens whose spans overlap (pieces of one multi-byte character) has exactly the bytes of
/// the text in its span; added tokens match their text exactly. `prefixSpace`: one leading
/// "Ġ" comes from add_prefix_space and has no text.
void checkOffsets(const Encoding& encoding, size_t first, size_t last, const std::string& text,
                  bool prefixSpace = false)
{
    const QList<uint> original = qs(text).toUcs4();
    auto stretch = [&original](int64_t begin, int64_t end) {
        return QString::fromUcs4(reinterpret_cast<const char32_t*>(original.constData() + begin),
                                 static_cast<qsizetype>(end - begin));
    };
    int64_t previousEnd = 0;
    size_t i = first;
    bool firstPiece = true;
    while (i < last) {
        const auto [begin, end] = encoding.offsets[i];
        const QByteArray where = QStringLiteral("token %1 \"%2\" at (%3, %4)")
                                     .arg(i)
                                     .arg(qs(encoding.tokens[i]))
                                     .arg(begin)
                                     .arg(end)
                                     .toUtf8();
        if (prefixSpace && firstPiece && encoding.tokens[i] == "\xC4\xA0" && begin == 0
            && end == 0) {
            ++i; // the inserted space alone
            firstPiece = false;
            continue;
        }
        QVERIFY2(begin >= previousEnd && begin < end && end <= original.size(), where.constData());
        if (encoding.specialMask[i] != 0) {
            QCOMPARE(stretch(begin, end), qs(encoding.tokens[i]));
            previousEnd = end;
            ++i;
            firstPiece = false;
            continue;
        }
        // The run of tokens sharing characters with this one.
        size_t j = i + 1;
        int64_t runEnd = end;
        while (j < last && encoding.specialMask[j] == 0 && encoding.offsets[j].first < runEnd) {
            runEnd = std::max(runEnd, encoding.offsets[j].second);
            ++j;
        }
        QByteArray bytes;
        for (size_t k = i; k < j; ++k) {
            bytes += tokenBytes(encoding.tokens[k]);
        }
        if (prefixSpace && firstPiece && bytes.startsWith(' ')) {
            bytes.remove(0, 1);
        }
        QVERIFY2(bytes == stretch(begin, runEnd).toUtf8(),
                 (where + " (run of " + QByteArray::number(qulonglong(j - i)) + ") covers \""
                  + stretch(begin, runEnd).toUtf8() + "\" but holds \"" + bytes + "\"")
                     .constData());
        previousEnd = runEnd;
        i = j;
        firstPiece = false;
    }
}

/// merges.txt as the reference reads it.
std::map<std::pair<std::string, std::string>, size_t> readRanks(const std::string& name)
{
    std::map<std::pair<std::string, std::string>, size_t> ranks;
    const std::string text = readFile(caseDir(name) + "/merges.txt");
    QStringList lines = qs(text).split(QLatin1Char('\n'));
    lines.removeFirst();
    lines.removeLast();
    for (int i = 0; i < lines.size(); ++i) {
        const QStringList parts = lines[i].split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (parts.size() == 2) {
            ranks[{parts[0].toStdString(), parts[1].toStdString()}] = static_cast<size_t>(i);
        }
    }
    return ranks;
}

/// The reference's GPT2Tokenizer.bpe(), transcribed literally (min over pairs, then merge
/// every occurrence left to right).
std::vector<std::string> literalBpe(const std::vector<std::string>& symbols,
                                    const std::map<std::pair<std::string, std::string>, size_t>&
                                        ranks)
{
    std::vector<std::string> word = symbols;
    while (word.size() > 1) {
        size_t best = SIZE_MAX;
        std::pair<std::string, std::string> bigram;
        for (size_t i = 0; i + 1 < word.size(); ++i) {
            const auto it = ranks.find({word[i], word[i + 1]});
            if (it != ranks.end() && it->second < best) {
                best = it->second;
                bigram = it->first;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        std::vector<std::string> merged;
        size_t i = 0;
        while (i < word.size()) {
            if (i + 1 < word.size() && word[i] == bigram.first && word[i + 1] == bigram.second) {
                merged.push_back(bigram.first + bigram.second);
                i += 2;
            } else {
                merged.push_back(word[i]);
                ++i;
            }
        }
        word = std::move(merged);
    }
    return word;
}

/// The byte characters of UTF-8 text.
std::vector<std::string> byteSymbols(const std::string& text)
{
    std::map<unsigned char, char32_t> encoder;
    for (const auto& [c, b] : byteDecoder()) {
        encoder[b] = c;
    }
    std::vector<std::string> out;
    for (const char c : text) {
        const char32_t u = encoder[static_cast<unsigned char>(c)];
        out.push_back(QString::fromUcs4(&u, 1).toStdString());
    }
    return out;
}

} // namespace

class TestBpe : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenization_data();
    void tokenization();
    void offsetsMatchText_data() { tokenization_data(); }
    void offsetsMatchText();
    void robertaPair();
    void pairTruncation();
    void truncationBounds();
    void settings_data();
    void settings();
    void mergesMatchLiteralBpe_data();
    void mergesMatchLiteralBpe();
    void edgeCases_data();
    void edgeCases();
    void addedTokenInsideWord();
    void prefixSpace();
    void decodeInvalidUtf8();
    void threads();
    void errors();
    void speed();
};

void TestBpe::tokenization_data()
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

void TestBpe::tokenization()
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
    QCOMPARE(encoding.typeIds, std::vector<int64_t>(encoding.ids.size(), 0));
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

void TestBpe::offsetsMatchText()
{
    QFETCH(QString, caseName);
    QFETCH(int, index);
    const std::string name = caseName.toStdString();
    const json& expected = expectedFor(name).at("tokenization").at(static_cast<size_t>(index));
    const std::string text = expected.at("text").get<std::string>();
    const Encoding encoding = tokenizerFor(name).encode(text);
    size_t first = 0;
    size_t last = encoding.size();
    if (name == "roberta") {
        QVERIFY(encoding.size() >= 2);
        QCOMPARE(encoding.offsets.front(), std::make_pair(int64_t(0), int64_t(0)));
        QCOMPARE(encoding.offsets.back(), std::make_pair(int64_t(0), int64_t(0)));
        QCOMPARE(encoding.specialMask.front(), uint8_t(1));
        QCOMPARE(encoding.specialMask.back(), uint8_t(1));
        first = 1;
        last = encoding.size() - 1;
    }
    checkOffsets(encoding, first, last, text);
    for (size_t i = first; i < last; ++i) {
        const bool isMask = encoding.tokens[i] == "<mask>";
        QCOMPARE(encoding.specialMask[i], uint8_t(isMask ? 1 : 0));
    }
}

void TestBpe::robertaPair()
{
    const json& expected = expectedFor("roberta").at("pair");
    const std::string text = expected.at("text").get<std::string>();
    const std::string second = expected.at("text_pair").get<std::string>();
    const Encoding encoding = tokenizerFor("roberta").encodePair(text, second);
    QCOMPARE(joinNumbers(encoding.ids), joinNumbers(expected.at("ids")));
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected.at("tokens")));
    // RobertaTokenizer.create_token_type_ids_from_sequences: all zeros.
    QCOMPARE(encoding.typeIds, std::vector<int64_t>(encoding.ids.size(), 0));

    // <s> A </s></s> B </s>: offsets point into each text.
    size_t firstSep = 1;
    while (firstSep < encoding.size() && encoding.specialMask[firstSep] == 0) {
        ++firstSep;
    }
    QVERIFY(firstSep + 2 < encoding.size());
    QCOMPARE(encoding.specialMask[firstSep + 1], uint8_t(1));
    checkOffsets(encoding, 1, firstSep, text);
    checkOffsets(encoding, firstSep + 2, encoding.size() - 1, second);
}

void TestBpe::pairTruncation()
{
    // 'longest_first': the long text gives up tokens until the pair fits; the short one stays.
    const Tokenizer& tokenizer = tokenizerFor("roberta");
    const std::string longText = textOf("roberta", "long");
    const std::string shortText = "The quick brown fox jumps.";
    EncodeOptions options;
    options.maxLength = 64;
    const Encoding encoding = tokenizer.encodePair(longText, shortText, options);
    QVERIFY(encoding.truncated);
    QCOMPARE(encoding.size(), size_t(64));
    const std::vector<std::string> shortPieces = tokenizer.tokenize(shortText);
    const std::vector<std::string> longPieces = tokenizer.tokenize(longText);
    const size_t firstLength = 64 - 4 - shortPieces.size();
    std::vector<std::string> expected = {"<s>"};
    expected.insert(expected.end(), longPieces.begin(), longPieces.begin() + firstLength);
    expected.push_back("</s>");
    expected.push_back("</s>");
    expected.insert(expected.end(), shortPieces.begin(), shortPieces.end());
    expected.push_back("</s>");
    QCOMPARE(joinTokens(encoding.tokens), joinTokens(expected));

    // GPT-2 adds nothing; its second text gets type id 1.
    const Encoding gpt2 = tokenizerFor("gpt2").encodePair(shortText, shortText);
    QCOMPARE(gpt2.size(), 2 * tokenizerFor("gpt2").tokenize(shortText).size());
    QCOMPARE(gpt2.typeIds.front(), int64_t(0));
    QCOMPARE(gpt2.typeIds.back(), int64_t(1));
}

void TestBpe::truncationBounds()
{
    // encode() stops tokenizing once it has one piece more than it keeps: the result is
    // the head of the full encoding, and an exact fit is not marked truncated.
    const Tokenizer& tokenizer = tokenizerFor("roberta");
    std::string longText;
    for (int k = 0; k < 200; ++k) {
        longText += textOf("roberta", "long") + " ";
    }
    const Encoding full = tokenizer.encode(longText);
    EncodeOptions options;
    options.maxLength = 64;
    const Encoding cut = tokenizer.encode(longText, options);
    QVERIFY(cut.truncated);
    std::vector<int64_t> expected(full.ids.begin(), full.ids.begin() + 63);
    expected.push_back(full.ids.back()); // </s>
    QCOMPARE(cut.ids, expected);
    QCOMPARE(cut.offsets[62], full.offsets[62]);

    const size_t pieces = tokenizer.tokenize("Hello, world!").size();
    options.maxLength = static_cast<int64_t>(pieces) + 2;
    const Encoding exact = tokenizer.encode("Hello, world!", options);
    QVERIFY(!exact.truncated);
    QCOMPARE(exact.size(), pieces + 2);
    options.maxLength = 2;
    const Encoding empty = tokenizer.encode("Hello, world!", options);
    QVERIFY(empty.truncated);
    QCOMPARE(empty.tokens, std::vector<std::string>({"<s>", "</s>"}));

    EncodeOptions gpt2Options;
    gpt2Options.maxLength = 5;
    const Encoding gpt2 = tokenizerFor("gpt2").encode(longText, gpt2Options);
    QVERIFY(gpt2.truncated);
    const std::vector<std::string> head = tokenizerFor("gpt2").tokenize(textOf("gpt2", "long"));
    QCOMPARE(joinTokens(gpt2.tokens), joinTokens(std::vector<std::string>(head.begin(),
                                                                          head.begin() + 5)));
}

void TestBpe::settings_data()
{
    QTest::addColumn<QString>("caseName");
    for (const char* name : kCases) {
        QTest::newRow(name) << QString::fromLatin1(name);
    }
}

void TestBpe::settings()
{
    QFETCH(QString, caseName);
    const std::string name = caseName.toStdString();
    const json& info = expectedFor(name).at("tokenizer_info");
    const Tokenizer& tokenizer = tokenizerFor(name);
    QCOMPARE(qs(tokenizer.kind()), QStringLiteral("bpe"));
    QCOMPARE(tokenizer.vocabSize(), info.at("vocab_size").get<int64_t>());
    QCOMPARE(tokenizer.modelMaxLength(), info.at("model_max_length").get<int64_t>());

    const auto& special = tokenizer.specialTokens();
    const json& names = info.at("special_tokens");
    auto idOf = [&tokenizer, &names](const char* key) {
        return *tokenizer.tokenToId(names.at(key).get<std::string>());
    };
    QCOMPARE(*special.unk, idOf("unk_token"));
    QCOMPARE(*special.bos, idOf("bos_token"));
    QCOMPARE(*special.eos, idOf("eos_token"));
    std::vector<int64_t> all = {*special.bos, *special.eos, *special.unk};
    if (name == "roberta") {
        QCOMPARE(*special.sep, idOf("sep_token"));
        QCOMPARE(*special.pad, idOf("pad_token"));
        QCOMPARE(*special.cls, idOf("cls_token"));
        QCOMPARE(*special.mask, idOf("mask_token"));
        all = {*special.bos, *special.eos, *special.unk, *special.pad, *special.mask};
        QCOMPARE(qs(tokenizer.idToToken(*special.mask)), QStringLiteral("<mask>"));
    } else {
        QVERIFY(!special.pad && !special.mask && !special.cls && !special.sep);
        all = {*special.bos};
    }
    QCOMPARE(joinNumbers(all), joinNumbers(info.at("all_special_ids")));
    QVERIFY(!tokenizer.tokenToId("no such token"));
}

void TestBpe::mergesMatchLiteralBpe_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("word");
    std::mt19937 random(7);
    for (const char* name : kCases) {
        const QString caseName = QString::fromLatin1(name);
        QTest::newRow((std::string(name) + "/long word").c_str())
            << caseName << QString(QStringLiteral("antidisestablishmentarianism").repeated(40));
        QTest::newRow((std::string(name) + "/repeats").c_str())
            << caseName << QStringLiteral(" aaaaaaaaaaaaaaaaaaabababababababaaaa");
        QTest::newRow((std::string(name) + "/accented").c_str())
            << caseName << QStringLiteral(" résuméfaçadeÅngströmDvořákStraße");
        const std::string letters = "etaoinshrdlucmfwyp";
        for (int k = 0; k < 40; ++k) {
            std::string word = k % 2 == 0 ? " " : "";
            const int length = 1 + static_cast<int>(random() % 30);
            for (int c = 0; c < length; ++c) {
                word.push_back(letters[random() % letters.size()]);
            }
            QTest::newRow((std::string(name) + "/random " + std::to_string(k)).c_str())
                << caseName << qs(word);
        }
    }
}

void TestBpe::mergesMatchLiteralBpe()
{
    // The tokenizer's merge loop (a heap of pairs) against the reference's loop, on texts
    // that GPT-2's pattern keeps as one pre-token (" ?\p{L}+").
    QFETCH(QString, caseName);
    QFETCH(QString, word);
    const std::string name = caseName.toStdString();
    const std::string text = word.toStdString();
    const auto expected = literalBpe(byteSymbols(text), readRanks(name));
    QCOMPARE(joinTokens(tokenizerFor(name).tokenize(text)), joinTokens(expected));
}

void TestBpe::edgeCases_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<QString>("text");
    const QString long1 = QString(QStringLiteral("a")).repeated(5000);
    const QString long2 =
        QStringLiteral("Pneumonoultramicroscopicsilicovolcanoconiosis").repeated(50);
    const struct {
        const char* name;
        QString text;
    } rows[] = {
        {"empty", QString()},
        {"only spaces", QStringLiteral("     ")},
        {"one space", QStringLiteral(" ")},
        {"very long word", long1},
        {"very long mixed word", long2},
        {"emoji", QStringLiteral("🙂👍🏽 👨‍👩‍👧 🇫🇷 ok")},
        {"combining accents",
         QStringLiteral("e\u0301\u0302 a\u0308\u0323 Zalgo z\u0351\u0364\u036b")},
        {"cjk", QStringLiteral("東京都の天気は晴れです。한국어 텍스트")},
        {"newlines and tabs", QStringLiteral("a\n\nb\t\tc \r\n d\n")},
        {"trailing newline spaces", QStringLiteral("line  \n  next   ")},
        {"unusual spaces", QStringLiteral("a\u00A0b\u3000c\u2009d\u200Be")},
        {"numbers and symbols", QStringLiteral("3.14159 + 2,718 = ∞? $$$ ¥500 ½")},
        {"contractions", QStringLiteral("I'm you're we've they'll he'd it's 'S 'T")},
        {"control characters", QStringLiteral("a\u0001b\u007Fc\u0000d")},
        {"special lookalikes", QStringLiteral("<s x> </s <mas k> <|endoftext| >")},
    };
    for (const char* name : kCases) {
        for (const auto& row : rows) {
            QTest::newRow((std::string(name) + "/" + row.name).c_str())
                << QString::fromLatin1(name) << row.text;
        }
    }
}

void TestBpe::edgeCases()
{
    // Byte-level BPE loses nothing: the tokens' bytes are the text's bytes, decoding gives the
    // text back (none of these texts holds what clean_up_tokenization would change), offsets
    // cover the text, and every id maps back to its token.
    QFETCH(QString, caseName);
    QFETCH(QString, text);
    const std::string name = caseName.toStdString();
    const Tokenizer& tokenizer = tokenizerFor(name);
    const std::string utf8 = text.toStdString();
    EncodeOptions plain;
    plain.addSpecialTokens = false;
    const Encoding encoding = tokenizer.encode(utf8, plain);
    QCOMPARE(tokensBytes(encoding.tokens), QByteArray::fromStdString(utf8));
    QCOMPARE(qs(tokenizer.decode(encoding.ids)), text);
    QCOMPARE(joinTokens(tokenizer.tokenize(utf8)), joinTokens(encoding.tokens));
    checkOffsets(encoding, 0, encoding.size(), utf8);
    for (size_t i = 0; i < encoding.size(); ++i) {
        QCOMPARE(*tokenizer.tokenToId(encoding.tokens[i]), encoding.ids[i]);
        QCOMPARE(encoding.specialMask[i], uint8_t(0));
    }
    if (text.isEmpty()) {
        QCOMPARE(encoding.size(), size_t(0));
        const Encoding full = tokenizer.encode(utf8);
        QCOMPARE(full.size(), size_t(name == "roberta" ? 2 : 0));
    }
    if (!text.isEmpty() && text.trimmed().isEmpty()) {
        // Only whitespace: one pre-token, so a single word for BPE.
        QVERIFY(!encoding.tokens.empty());
    }
}

void TestBpe::addedTokenInsideWord()
{
    // An added token in the middle of a word splits it; <mask> (lstrip) eats the whitespace
    // on its left, nothing on its right.
    const Tokenizer& tokenizer = tokenizerFor("roberta");
    auto concat = [](std::vector<std::vector<std::string>> parts) {
        std::vector<std::string> out;
        for (auto& part : parts) {
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    };
    QCOMPARE(joinTokens(tokenizer.tokenize("un<mask>believable")),
             joinTokens(concat({tokenizer.tokenize("un"), {"<mask>"},
                                tokenizer.tokenize("believable")})));
    QCOMPARE(joinTokens(tokenizer.tokenize("a  \t<mask>  b")),
             joinTokens(concat({tokenizer.tokenize("a"), {"<mask>"}, tokenizer.tokenize("  b")})));
    QCOMPARE(joinTokens(tokenizer.tokenize("x</s><s>y")),
             joinTokens(concat({tokenizer.tokenize("x"), {"</s>", "<s>"},
                                tokenizer.tokenize("y")})));
    const Encoding encoding = tokenizer.encode("un<mask>believable é<mask>");
    checkOffsets(encoding, 1, encoding.size() - 1, "un<mask>believable é<mask>");
    QCOMPARE(encoding.specialMask[encoding.size() - 2], uint8_t(1));

    const Tokenizer& gpt2 = tokenizerFor("gpt2");
    QCOMPARE(joinTokens(gpt2.tokenize("end<|endoftext|> start")),
             joinTokens(concat({gpt2.tokenize("end"), {"<|endoftext|>"},
                                gpt2.tokenize(" start")})));
    const Encoding ids = gpt2.encode("a<|endoftext|>b");
    QCOMPARE(qs(gpt2.decode(ids.ids, /*skipSpecial=*/true)), QStringLiteral("ab"));
    QCOMPARE(qs(gpt2.decode(ids.ids)), QStringLiteral("a<|endoftext|>b"));
}

void TestBpe::prefixSpace()
{
    // add_prefix_space: "Hello" is tokenized as " Hello"; the inserted space has no text.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    copyCase("gpt2", dir, [](json& config) { config["add_prefix_space"] = true; });
    const auto prefixed = loadTokenizer(dir.path().toStdString());
    const Tokenizer& plain = tokenizerFor("gpt2");
    for (const json& entry : expectedFor("gpt2").at("tokenization")) {
        const std::string text = entry.at("text").get<std::string>();
        const bool startsWithSpace = !text.empty() && qs(text).at(0).isSpace();
        const std::string expectedText = text.empty() || startsWithSpace ? text : " " + text;
        const Encoding encoding = prefixed->encode(text);
        QCOMPARE(joinTokens(encoding.tokens), joinTokens(plain.encode(expectedText).tokens));
        checkOffsets(encoding, 0, encoding.size(), text, /*prefixSpace=*/!expectedText.empty()
                                                             && !startsWithSpace);
    }
    const Encoding hello = prefixed->encode("Hello");
    QCOMPARE(hello.offsets.front().first, int64_t(0));
    QCOMPARE(hello.offsets.back().second, int64_t(5));

    // add_bos_token puts <|endoftext|> in front.
    QTemporaryDir bosDir;
    QVERIFY(bosDir.isValid());
    copyCase("gpt2", bosDir, [](json& config) { config["add_bos_token"] = true; });
    const auto bos = loadTokenizer(bosDir.path().toStdString());
    const Encoding withBos = bos->encode("Hello");
    QCOMPARE(withBos.tokens.front(), std::string("<|endoftext|>"));
    QCOMPARE(withBos.size(), plain.encode("Hello").size() + 1);
}

void TestBpe::decodeInvalidUtf8()
{
    // Python's bytes.decode("utf-8", errors="replace") gives one U+FFFD per maximal invalid
    // subsequence: the first piece of an emoji (F0 9F) is one replacement character.
    const Tokenizer& tokenizer = tokenizerFor("gpt2");
    const Encoding emoji = tokenizer.encode("🙂");
    QVERIFY(emoji.size() >= 2);
    const QString firstPiece = qs(tokenizer.decode({emoji.ids.front()}));
    QCOMPARE(firstPiece, QString(QChar(0xFFFD)));
    // Input that is not UTF-8 is read the same way.
    const Encoding broken = tokenizer.encode(std::string("a\xF0\x9F b\xFF"));
    QCOMPARE(qs(tokenizer.decode(broken.ids)), QStringLiteral("a\uFFFD b\uFFFD"));
}

void TestBpe::threads()
{
    // Encoding from several threads at once (one shared tokenizer and merge cache) gives
    // what a tokenizer used alone gives.
    const auto alone = loadTokenizer(caseDir("gpt2"));
    const auto shared = loadTokenizer(caseDir("gpt2"));
    std::vector<std::string> texts;
    for (const json& entry : expectedFor("gpt2").at("tokenization")) {
        for (int k = 0; k < 20; ++k) {
            texts.push_back(entry.at("text").get<std::string>() + " v" + std::to_string(k * 37));
        }
    }
    std::vector<std::vector<int64_t>> expected;
    for (const std::string& text : texts) {
        expected.push_back(alone->encode(text).ids);
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> workers;
    for (size_t t = 0; t < 4; ++t) {
        workers.emplace_back([&, t] {
            for (size_t i = 0; i < texts.size(); ++i) {
                const size_t k = (i * 7 + t * 13) % texts.size();
                if (shared->encode(texts[k]).ids != expected[k]) {
                    ++mismatches;
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    QCOMPARE(mismatches.load(), 0);
}

void TestBpe::errors()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    copyCase("roberta", dir);
    QFile::remove(dir.filePath(QStringLiteral("merges.txt")));
    try {
        loadTokenizer(dir.path().toStdString());
        QFAIL("a folder without merges.txt was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QCOMPARE(qs(error.what()),
                 dir.path()
                     + QStringLiteral(" has no merges.txt, which a byte-level BPE (GPT-2, "
                                      "RoBERTa) tokenizer needs. Copy the model's vocab.json "
                                      "and merges.txt into the folder."));
    }

    QTemporaryDir bad;
    QVERIFY(bad.isValid());
    copyCase("gpt2", bad);
    writeFile(bad.filePath(QStringLiteral("vocab.json")), "{\"a\": \"zero\"}");
    try {
        loadTokenizer(bad.path().toStdString());
        QFAIL("a vocab.json with a string id was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QCOMPARE(qs(error.what()),
                 bad.filePath(QStringLiteral("vocab.json"))
                     + QStringLiteral(": \"a\" must be a non-negative token id. Fix the value "
                                      "or remove the key."));
    }

    EncodeOptions options;
    options.maxLength = 1;
    try {
        tokenizerFor("roberta").encode("hello", options);
        QFAIL("maxLength 1 was accepted");
    } catch (const Error& error) {
        QCOMPARE(int(error.kind()), int(ErrorKind::InvalidInput));
        QCOMPARE(qs(error.what()),
                 QStringLiteral("maximum length 1 cannot hold the 2 special tokens; use a larger "
                                "maximum length."));
    }
}

void TestBpe::speed()
{
    // Not a timed assertion: reports the throughput of encode() on ~1 MB of text built from
    // the conformance texts, for a fresh tokenizer (empty merge cache) and then the best of
    // three more passes; wall time and this thread's CPU time (the machine may be busy).
    std::string corpus;
    const json& tokenization = expectedFor("gpt2").at("tokenization");
    for (size_t round = 0; corpus.size() < (1u << 20); ++round) {
        for (const json& entry : tokenization) {
            corpus += entry.at("text").get<std::string>();
            corpus += round % 3 == 0 ? "\n" : " ";
        }
    }
    auto cpuSeconds = [] {
        timespec now{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
    };
    const double megabytes = static_cast<double>(corpus.size()) / 1e6;
    for (const char* name : kCases) {
        const auto tokenizer = loadTokenizer(caseDir(name));
        EncodeOptions plain;
        plain.addSpecialTokens = false;
        std::vector<int64_t> firstIds;
        double wall[4] = {};
        double cpu[4] = {};
        size_t tokens = 0;
        for (int pass = 0; pass < 4; ++pass) {
            QElapsedTimer timer;
            const double cpuStart = cpuSeconds();
            timer.start();
            const Encoding encoding = tokenizer->encode(corpus, plain);
            wall[pass] = static_cast<double>(timer.nsecsElapsed()) / 1e9;
            cpu[pass] = cpuSeconds() - cpuStart;
            tokens = encoding.size();
            if (pass == 0) {
                firstIds = encoding.ids;
                QCOMPARE(tokensBytes(encoding.tokens), QByteArray::fromStdString(corpus));
            } else {
                QCOMPARE(encoding.ids, firstIds);
            }
        }
        const double bestWall = *std::min_element(wall + 1, wall + 4);
        const double bestCpu = *std::min_element(cpu + 1, cpu + 4);
        qInfo("%s: %.2f MB, %zu tokens. First pass: %.1f MB/s wall, %.1f MB/s CPU. Best of 3 "
              "more: %.1f MB/s wall, %.1f MB/s CPU",
              name, megabytes, tokens, megabytes / wall[0], megabytes / cpu[0],
              megabytes / bestWall, megabytes / bestCpu);
    }
}

QTEST_GUILESS_MAIN(TestBpe)
#include "tst_bpe.moc"
