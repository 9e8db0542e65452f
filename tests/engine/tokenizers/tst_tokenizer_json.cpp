// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
//
// The tokenizer.json tokenizer (the file Hugging Face fast tokenizers save).
//
// 1. Conformance: tests/data/tokenizer_json/<case>/tokenizer.json is what transformers 4.40's
//    converters write for the conformance cases' slow tokenizers (make_tokenizer_json.py).
//    Put beside the case's other files, it must give the reference's ids, tokens, tokenize,
//    type ids, decoding, truncation and pairs of expected.json (written by the slow
//    tokenizers). Where the reference's fast and slow tokenizers differ, the row pins the fast
//    tokenizer's result and says which step differs; it also checks that the pin still differs
//    from the slow result, so a pin cannot silently become a plain copy.
// 2. Components on small hand-written files: added-token flags, split behaviours, BPE and
//    Unigram options, post-processors, decoders, truncation, each against the reference's own
//    documented examples (tokenizers 0.19 sources and tests).
// 3. Bad input: a corrupt file, an unknown component, a merge outside the vocabulary.

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "tokenizers/gpt2_pattern.h"
#include "tokenizers/oniguruma_regex.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

using lumen::Error;
using lumen::ErrorKind;
using lumen::engine::EncodeOptions;
using lumen::engine::Encoding;
using lumen::engine::loadTokenizer;
using lumen::engine::Tokenizer;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const kCases[] = { "bert", "bert-cased", "roberta", "gpt2", "albert", "t5", "llama" };

std::string dataDir()
{
    return LUMEN_TEST_DATA;
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
        it = cache.emplace(name, readJson(dataDir() + "/conformance/" + name + "/expected.json"))
                 .first;
    }
    return it->second;
}

QTemporaryDir& scratch()
{
    static QTemporaryDir dir;
    return dir;
}

/// The conformance case's files plus its tokenizer.json, in a folder of their own.
std::string caseFolder(const std::string& name)
{
    const fs::path to = fs::path(scratch().path().toStdString()) / name;
    if (!fs::exists(to)) {
        fs::create_directories(to);
        for (const auto& entry : fs::directory_iterator(dataDir() + "/conformance/" + name)) {
            const std::string file = entry.path().filename().string();
            if (file == "model.safetensors" || file == "pytorch_model.bin") {
                continue; // the tokenizer needs none of the weights
            }
            fs::copy_file(entry.path(), to / file);
        }
        fs::copy_file(
            dataDir() + "/tokenizer_json/" + name + "/tokenizer.json", to / "tokenizer.json");
    }
    return to.string();
}

const Tokenizer& tokenizerFor(const std::string& name)
{
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        it = cache.emplace(name, loadTokenizer(caseFolder(name))).first;
    }
    return *it->second;
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

/// A JSON value as compact text, for comparisons with readable failures.
QString dump(const json& value)
{
    return qs(value.dump());
}

json offsetsJson(const Encoding& e)
{
    json out = json::array();
    for (const auto& [begin, end] : e.offsets) {
        out.push_back({ begin, end });
    }
    return out;
}

/// Where the reference's fast tokenizer differs from its slow one on a conformance record:
/// the fast result of one field, and why.
struct Divergence {
    const char* caseName;
    const char* record;
    const char* field; ///< tokens, tokenize, decode or decode_skip_special
    const char* fast; ///< the fast tokenizer's value, as JSON
    const char* why;
};

const Divergence kDivergences[] = {
    { "bert-cased", "accents_nfd", "tokens", R"(["[CLS]","[UNK]","[UNK]","[SEP]"])",
        "the slow BasicTokenizer composes the text with NFC first; the fast BertNormalizer does "
        "not, so 'e' + U+0301 stays in the word and no vocabulary piece covers '##\u0301'" },
    { "bert-cased", "accents_nfd", "tokenize", R"(["[UNK]","[UNK]"])", "as above" },
    { "albert", "whitespace", "tokens",
        R"(["[CLS]","▁ex","tra","▁spaces","▁","and","▁","t","a","b","s","▁new","▁","line","▁","[SEP]"])",
        "AlbertConverter's normalizer folds runs of spaces into one but keeps a trailing one, "
        "which "
        "Metaspace makes a last '▁'; the slow tokenizer strips the text first" },
    { "albert", "whitespace", "tokenize",
        R"(["▁ex","tra","▁spaces","▁","and","▁","t","a","b","s","▁new","▁","line","▁"])",
        "as above" },
    { "albert", "invisible", "decode", R"("[CLS] zero width soft<unk>hyphen and nbsp[SEP]")",
        "the slow decoder puts a space around special tokens; the fast Metaspace decoder joins "
        "the tokens as they are" },
    { "albert", "other_scripts", "decode_skip_special", R"("   ")",
        "without the <unk> tokens, the fast Metaspace decoder turns the remaining '▁' tokens into "
        "spaces (all but the first); the slow decoder strips the result" },
    { "t5", "invisible", "decode", R"("zero width soft<unk>hyphen and nbsp</s>")",
        "as for albert" },
    { "t5", "other_scripts", "decode_skip_special", R"("   ")", "as for albert" },
    { "t5", "mask", "decode", R"("The capital of France is<extra_id_0>.</s>")",
        "the slow decoder puts a space before special tokens; the fast one does not" },
    { "llama", "whitespace", "tokens",
        R"(["<s>","▁","▁e","xt","ra","▁▁","▁sp","a","ces","<0x09>","and","<0x09>","t","ab","s","<0x0A>","n","e","w","▁l","ine","▁▁"])",
        "Metaspace with prepend_scheme 'first' adds no '▁' to text that starts with a space; the "
        "slow LlamaTokenizer (legacy = false) always prepends one" },
    { "llama", "whitespace", "tokenize",
        R"(["▁","▁e","xt","ra","▁▁","▁sp","a","ces","<0x09>","and","<0x09>","t","ab","s","<0x0A>","n","e","w","▁l","ine","▁▁"])",
        "as above" },
};

const Divergence* divergence(
    const std::string& caseName, const std::string& record, const std::string& field)
{
    for (const Divergence& d : kDivergences) {
        if (caseName == d.caseName && record == d.record && field == d.field) {
            return &d;
        }
    }
    return nullptr;
}

/// Compares one field with the slow reference, or with the pinned fast value.
void compareField(const std::string& caseName, const std::string& record, const char* field,
    const json& actual, const json& slow)
{
    if (const Divergence* d = divergence(caseName, record, field)) {
        const json fast = json::parse(d->fast);
        QVERIFY2(fast != slow, "the pinned fast value equals the slow one: drop the pin");
        QVERIFY2(actual == fast,
            qPrintable(QStringLiteral("%1 (%2): got %3, pinned %4")
                           .arg(QLatin1String(field), qs(d->why), dump(actual), dump(fast))));
        return;
    }
    QVERIFY2(actual == slow,
        qPrintable(QStringLiteral("%1: got %2, reference %3")
                       .arg(QLatin1String(field), dump(actual), dump(slow))));
}

// ---- small hand-written tokenizer.json files ----

/// A folder holding `doc` as tokenizer.json (and `config` as tokenizer_config.json).
class FileTokenizer {
public:
    explicit FileTokenizer(const json& doc, const json& config = json())
    {
        write("tokenizer.json", doc.dump());
        if (!config.is_null()) {
            write("tokenizer_config.json", config.dump());
        }
    }
    void write(const char* name, const std::string& text)
    {
        std::ofstream out(dir_.filePath(QLatin1String(name)).toStdString(), std::ios::binary);
        out << text;
    }
    std::string path() const { return dir_.path().toStdString(); }
    std::unique_ptr<Tokenizer> load() const { return loadTokenizer(path()); }

private:
    QTemporaryDir dir_;
};

json wordLevelDoc(const std::vector<std::string>& words)
{
    json vocab = json::object();
    for (size_t i = 0; i < words.size(); ++i) {
        vocab[words[i]] = i;
    }
    return { { "version", "1.0" }, { "added_tokens", json::array() }, { "normalizer", nullptr },
        { "pre_tokenizer", nullptr }, { "post_processor", nullptr }, { "decoder", nullptr },
        { "model", { { "type", "WordLevel" }, { "vocab", vocab }, { "unk_token", "<unk>" } } } };
}

json addedToken(int id, const std::string& content, bool special, bool normalized,
    bool lstrip = false, bool rstrip = false, bool singleWord = false)
{
    return { { "id", id }, { "content", content }, { "single_word", singleWord },
        { "lstrip", lstrip }, { "rstrip", rstrip }, { "normalized", normalized },
        { "special", special } };
}

std::vector<std::string> tokensOf(const Tokenizer& t, const std::string& text)
{
    return t.encode(text, EncodeOptions { false, 0 }).tokens;
}

/// A Split pre-tokenizer over a WordLevel model that knows every piece it produces, so the
/// tokens are the splits.
std::vector<std::string> splitsOf(
    const json& preTokenizer, const std::string& text, const std::vector<std::string>& vocab)
{
    json doc = wordLevelDoc(vocab);
    doc["pre_tokenizer"] = preTokenizer;
    FileTokenizer file(doc);
    return tokensOf(*file.load(), text);
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class TestTokenizerJson : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // ---- conformance ----

    void conformance_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("index");
        for (const char* name : kCases) {
            const json& records = expectedFor(name).at("tokenization");
            for (size_t i = 0; i < records.size(); ++i) {
                const std::string row =
                    std::string(name) + "/" + records[i].at("name").get<std::string>();
                QTest::newRow(row.c_str()) << QString::fromLatin1(name) << int(i);
            }
        }
    }

    void conformance()
    {
        QFETCH(QString, caseName);
        QFETCH(int, index);
        const std::string name = caseName.toStdString();
        const Tokenizer& tok = tokenizerFor(name);
        QVERIFY(tok.kind().rfind("tokenizer.json", 0) == 0);
        const json& r = expectedFor(name).at("tokenization").at(static_cast<size_t>(index));
        const std::string record = r.at("name").get<std::string>();
        const std::string text = r.at("text").get<std::string>();

        const Encoding e = tok.encode(text);
        compareField(name, record, "tokens", e.tokens, r.at("tokens"));
        if (!divergence(name, record, "tokens")) {
            QCOMPARE(dump(e.ids), dump(r.at("ids")));
            if (r.contains("token_type_ids")) {
                QCOMPARE(dump(e.typeIds), dump(r.at("token_type_ids")));
            }
        }
        // Ids and tokens agree both ways.
        for (size_t i = 0; i < e.ids.size(); ++i) {
            QCOMPARE(tok.idToToken(e.ids[i]), e.tokens[i]);
        }
        compareField(name, record, "tokenize", tok.tokenize(text), r.at("tokenize"));
        // Decoding the reference's ids.
        const auto ids = r.at("ids").get<std::vector<int64_t>>();
        compareField(name, record, "decode", tok.decode(ids, false), r.at("decode"));
        compareField(name, record, "decode_skip_special", tok.decode(ids, true),
            r.at("decode_skip_special"));
        if (r.contains("truncated")) {
            EncodeOptions options;
            options.maxLength = r.at("truncated").at("max_length").get<int64_t>();
            const Encoding t = tok.encode(text, options);
            QCOMPARE(dump(t.ids), dump(r.at("truncated").at("ids")));
            QCOMPARE(dump(t.tokens), dump(r.at("truncated").at("tokens")));
            QVERIFY(t.truncated);
        }
        // Offsets: inside the text, in order; special tokens put around it at (0, 0).
        const auto length = static_cast<int64_t>(qs(text).toUcs4().size());
        int64_t previous = 0;
        for (size_t i = 0; i < e.ids.size(); ++i) {
            const auto [begin, end] = e.offsets[i];
            QVERIFY(begin >= 0 && begin <= end && end <= length);
            if (end > begin) {
                QVERIFY2(begin >= previous, qPrintable(dump(offsetsJson(e))));
                previous = begin;
            }
        }
    }

    void pairs_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* name : kCases) {
            if (expectedFor(name).contains("pair")) {
                QTest::newRow(name) << QString::fromLatin1(name);
            }
        }
    }

    void pairs()
    {
        QFETCH(QString, caseName);
        const std::string name = caseName.toStdString();
        const json& p = expectedFor(name).at("pair");
        const Encoding e = tokenizerFor(name).encodePair(p.at("text"), p.at("text_pair"));
        QCOMPARE(dump(e.ids), dump(p.at("ids")));
        QCOMPARE(dump(e.tokens), dump(p.at("tokens")));
        if (p.contains("token_type_ids")) {
            QCOMPARE(dump(e.typeIds), dump(p.at("token_type_ids")));
        }
    }

    void specialTokensAndSizes()
    {
        const Tokenizer& bert = tokenizerFor("bert");
        QCOMPARE(bert.specialTokens().cls.value_or(-1), *bert.tokenToId("[CLS]"));
        QCOMPARE(bert.specialTokens().mask.value_or(-1), *bert.tokenToId("[MASK]"));
        QCOMPARE(bert.modelMaxLength(), int64_t(64));
        QCOMPARE(bert.kind(), std::string("tokenizer.json (WordPiece)"));
        QCOMPARE(tokenizerFor("t5").kind(), std::string("tokenizer.json (Unigram)"));
        QCOMPARE(tokenizerFor("gpt2").kind(), std::string("tokenizer.json (BPE)"));
        // Every case: as many ids as the slow files give.
        for (const char* name : kCases) {
            const auto slow = loadTokenizer(dataDir() + "/conformance/" + name);
            QCOMPARE(tokenizerFor(name).vocabSize(), slow->vocabSize());
        }
    }

    void offsetsAsTheReferenceGives()
    {
        // RoBERTa trims the space out of "Ġwor" (trim_offsets); <mask> takes the space its
        // lstrip swallowed; BERT gives each piece its characters.
        const Encoding roberta = tokenizerFor("roberta").encode("Hello world is <mask>");
        QCOMPARE(dump(roberta.tokens),
            QStringLiteral(R"(["<s>","H","el","lo","Ġwor","ld","Ġis","<mask>","</s>"])"));
        QCOMPARE(dump(offsetsJson(roberta)),
            QStringLiteral("[[0,0],[0,1],[1,3],[3,5],[6,9],[9,11],[12,14],[14,21],[0,0]]"));
        const Encoding bert = tokenizerFor("bert").encode("Hello, world!");
        QCOMPARE(dump(offsetsJson(bert)),
            QStringLiteral("[[0,0],[0,5],[5,6],[7,10],[10,12],[12,13],[0,0]]"));
        // GPT-2 keeps the spaces in (its ByteLevel post-processor does not trim).
        const Encoding gpt2 = tokenizerFor("gpt2").encode(" Hello  world");
        QCOMPARE(dump(gpt2.tokens), QStringLiteral(R"(["Ġ","H","el","lo","Ġ","Ġwor","ld"])"));
        QCOMPARE(dump(offsetsJson(gpt2)),
            QStringLiteral("[[0,1],[1,2],[2,4],[4,6],[6,7],[7,11],[11,13]]"));
        // Llama: the prepended '▁' shares the first character's offsets.
        const Encoding llama = tokenizerFor("llama").encode("Hi there");
        QCOMPARE(llama.offsets.at(1).first, int64_t(0));
        QCOMPARE(llama.offsets.back().second, int64_t(8));
    }

    void edgeCases()
    {
        const Tokenizer& bert = tokenizerFor("bert");
        // Empty and blank texts: only the special tokens.
        QCOMPARE(dump(bert.encode("").tokens), QStringLiteral(R"(["[CLS]","[SEP]"])"));
        QCOMPARE(dump(bert.encode(" \t\n ").tokens), QStringLiteral(R"(["[CLS]","[SEP]"])"));
        QCOMPARE(dump(tokenizerFor("gpt2").encode("").ids), QStringLiteral("[]"));
        QCOMPARE(dump(tokenizerFor("t5").encode("   ").tokens), QStringLiteral(R"(["</s>"])"));
        // A word over max_input_chars_per_word (100) is one [UNK].
        const Encoding longWord = bert.encode(std::string(150, 'a'));
        QCOMPARE(dump(longWord.tokens), QStringLiteral(R"(["[CLS]","[UNK]","[SEP]"])"));
        QCOMPARE(longWord.offsets.at(1), std::make_pair(int64_t(0), int64_t(150)));
        // Added tokens in the middle of a word are split out (normalized = false).
        QCOMPARE(
            dump(tokensOf(bert, "para[MASK]graph")).contains(QLatin1String("\"[MASK]\"")), true);
        QCOMPARE(dump(tokensOf(tokenizerFor("gpt2"), "a<|endoftext|>b")),
            QStringLiteral(R"(["a","<|endoftext|>","b"])"));
        // Byte-level BPE round-trips emoji, combining accents and CJK exactly.
        for (const std::string& text :
            { std::string("🙂👍🏽 e\u0301 東北大学"), std::string("  two  spaces\t") }) {
            const Tokenizer& gpt2 = tokenizerFor("gpt2");
            QCOMPARE(qs(gpt2.decode(gpt2.encode(text).ids)), qs(text));
        }
        // Byte fallback: an emoji the Llama vocabulary lacks comes back from its bytes.
        const Tokenizer& llama = tokenizerFor("llama");
        const Encoding emoji = llama.encode("🍕");
        QVERIFY(std::count_if(emoji.tokens.begin(), emoji.tokens.end(), [](const std::string& t) {
            return t.rfind("<0x", 0) == 0;
        }) == 4);
        QCOMPARE(qs(llama.decode(emoji.ids, true)), QStringLiteral("🍕"));
    }

    void tokenizerJsonWins()
    {
        // A folder with both: tokenizer.json decides (here its BertNormalizer keeps case,
        // which the slow files' do_lower_case would not).
        QTemporaryDir dir;
        const std::string to = dir.path().toStdString();
        for (const auto& entry : fs::directory_iterator(caseFolder("bert-cased"))) {
            fs::copy_file(entry.path(), fs::path(to) / entry.path().filename());
        }
        QCOMPARE(loadTokenizer(to)->kind(), std::string("tokenizer.json (WordPiece)"));
        fs::remove(fs::path(to) / "tokenizer.json");
        QCOMPARE(loadTokenizer(to)->kind(), std::string("wordpiece"));
    }

    void classAdjustments()
    {
        // BertTokenizerFast resets lowercase from tokenizer_config.json's do_lower_case.
        json doc = readJson(caseFolder("bert") + "/tokenizer.json");
        json config = readJson(caseFolder("bert") + "/tokenizer_config.json");
        config["do_lower_case"] = false;
        FileTokenizer cased(doc, config);
        QCOMPARE(dump(tokensOf(*cased.load(), "The")), QStringLiteral(R"(["[UNK]"])"));
        config.erase("tokenizer_class"); // no class: the file as it is
        FileTokenizer plain(doc, config);
        QCOMPARE(dump(tokensOf(*plain.load(), "The")), QStringLiteral(R"(["the"])"));

        // LlamaTokenizerFast rebuilds the template from add_bos_token / add_eos_token.
        json llamaDoc = readJson(caseFolder("llama") + "/tokenizer.json");
        json llamaConfig = readJson(caseFolder("llama") + "/tokenizer_config.json");
        llamaConfig["add_eos_token"] = true;
        FileTokenizer llama(llamaDoc, llamaConfig);
        const Encoding both = llama.load()->encode("Hi");
        QCOMPARE(both.tokens.front(), std::string("<s>"));
        QCOMPARE(both.tokens.back(), std::string("</s>"));
        const Encoding pair = llama.load()->encodePair("Hi", "Yo");
        QCOMPARE(std::count(pair.tokens.begin(), pair.tokens.end(), std::string("<s>")), 2L);
        QCOMPARE(pair.typeIds.back(), int64_t(1));

        // GPT2TokenizerFast sets ByteLevel's add_prefix_space from the config.
        json gptDoc = readJson(caseFolder("gpt2") + "/tokenizer.json");
        json gptConfig = readJson(caseFolder("gpt2") + "/tokenizer_config.json");
        gptConfig["add_prefix_space"] = true;
        FileTokenizer spaced(gptDoc, gptConfig);
        QCOMPARE(spaced.load()->encode("Hello").tokens.front().rfind("\xC4\xA0", 0), size_t(0));
    }

    // ---- components ----

    void addedTokenFlags()
    {
        // The reference's added_vocabulary.rs tests: lstrip / rstrip take the spaces beside a
        // token; single_word drops matches inside words; normalized tokens match the
        // normalised text.
        json doc = wordLevelDoc({ "<unk>", "hi", "there", "a", "b" });
        doc["normalizer"] = { { "type", "Lowercase" } };
        doc["pre_tokenizer"] = { { "type", "WhitespaceSplit" } };
        doc["added_tokens"] = { addedToken(5, "<mask>", false, true, true, true, true),
            addedToken(6, "Yes", false, true), addedToken(7, "[SEP]", true, false) };
        FileTokenizer file(doc);
        const auto t = file.load();
        const Encoding e = t->encode("Hi <mask> there\t<mask>\t<mask>\u2000", { false, 0 });
        QCOMPARE(dump(e.tokens), QStringLiteral(R"(["hi","<mask>","there","<mask>","<mask>"])"));
        // " <mask> " with both spaces, "\t<mask>\t", and "<mask>\u2000" (no overlap).
        QCOMPARE(dump(offsetsJson(e)), QStringLiteral("[[0,2],[2,10],[10,15],[15,23],[23,30]]"));
        // single_word: not inside "a<mask>" nor "<mask>ony".
        QCOMPARE(dump(tokensOf(*t, "a<mask>b")), QStringLiteral(R"(["<unk>"])"));
        // normalized: "yes" matches after lower-casing; [SEP] (not normalized) does not
        // match "[sep]".
        QCOMPARE(
            dump(tokensOf(*t, "YES [sep] [SEP]")), QStringLiteral(R"(["Yes","<unk>","[SEP]"])"));
        // Special added tokens are skipped when decoding on request.
        QCOMPARE(t->decode({ 1, 7, 2 }, true), std::string("hi there"));
        QCOMPARE(t->decode({ 1, 7, 2 }, false), std::string("hi [SEP] there"));
    }

    void splitBehaviours()
    {
        // The reference's own example: "the-final--countdown" split on '-'.
        const std::vector<std::string> vocab = { "<unk>", "the", "-", "final", "countdown", "the-",
            "final-", "-final", "-countdown", "--" };
        auto split = [&vocab](const char* behavior) {
            return dump(splitsOf({ { "type", "Split" }, { "pattern", { { "String", "-" } } },
                                     { "behavior", behavior }, { "invert", false } },
                "the-final--countdown", vocab));
        };
        QCOMPARE(split("Removed"), QStringLiteral(R"(["the","final","countdown"])"));
        QCOMPARE(split("Isolated"), QStringLiteral(R"(["the","-","final","-","-","countdown"])"));
        QCOMPARE(
            split("MergedWithPrevious"), QStringLiteral(R"(["the-","final-","-","countdown"])"));
        QCOMPARE(split("MergedWithNext"), QStringLiteral(R"(["the","-final","-","-countdown"])"));
        QCOMPARE(split("Contiguous"), QStringLiteral(R"(["the","-","final","--","countdown"])"));
        // A regex Split with invert keeps the matches (Llama-3 style patterns).
        QCOMPARE(dump(splitsOf({ { "type", "Split" }, { "pattern", { { "Regex", "\\d{1,3}" } } },
                                   { "behavior", "Isolated" }, { "invert", false } },
                     "12345", { "<unk>", "123", "45" })),
            QStringLiteral(R"(["123","45"])"));
        QCOMPARE(dump(splitsOf({ { "type", "Digits" }, { "individual_digits", true } }, "a12",
                     { "<unk>", "a", "1", "2" })),
            QStringLiteral(R"(["a","1","2"])"));
        QCOMPARE(dump(splitsOf({ { "type", "Whitespace" } }, "Hey friend!  How?",
                     { "<unk>", "Hey", "friend", "!", "How", "?" })),
            QStringLiteral(R"(["Hey","friend","!","How","?"])"));
        QCOMPARE(
            dump(splitsOf(
                { { "type", "Sequence" },
                    { "pretokenizers",
                        { { { "type", "WhitespaceSplit" } }, { { "type", "Punctuation" } } } } },
                "Hey, you!", { "<unk>", "Hey", ",", "you", "!" })),
            QStringLiteral(R"(["Hey",",","you","!"])"));
        QCOMPARE(dump(splitsOf({ { "type", "Metaspace" }, { "replacement", "\u2581" },
                                   { "prepend_scheme", "always" }, { "split", true } },
                     "Hey   friend!", { "<unk>", "\u2581Hey", "\u2581", "\u2581friend!" })),
            QStringLiteral(R"(["▁Hey","▁","▁","▁friend!"])"));
    }

    void normalizers()
    {
        json doc = wordLevelDoc({ "<unk>" });
        doc["model"]["vocab"] = { { "<unk>", 0 }, { "\u2581x\u2581y", 1 }, { "fi", 2 },
            { "cafe", 3 } };
        doc["normalizer"] = { { "type", "Sequence" },
            { "normalizers",
                { { { "type", "NFKC" } },
                    { { "type", "Strip" }, { "strip_left", true }, { "strip_right", true } },
                    { { "type", "Replace" }, { "pattern", { { "Regex", " +" } } },
                        { "content", "\u2581" } },
                    { { "type", "Prepend" }, { "prepend", "\u2581" } } } } };
        FileTokenizer file(doc);
        const auto t = file.load();
        QCOMPARE(dump(tokensOf(*t, "  x   y ")), QStringLiteral(R"(["▁x▁y"])"));
        // Prepend does nothing to an empty text.
        QCOMPARE(dump(tokensOf(*t, "   ")), QStringLiteral("[]"));

        doc["normalizer"] = { { "type", "Sequence" },
            { "normalizers", { { { "type", "NFKD" } }, { { "type", "StripAccents" } } } } };
        FileTokenizer accents(doc);
        QCOMPARE(dump(tokensOf(*accents.load(), "café")), QStringLiteral(R"(["cafe"])"));
        QCOMPARE(dump(tokensOf(*accents.load(), "\uFB01")), QStringLiteral(R"(["fi"])"));

        doc["normalizer"] = { { "type", "BertNormalizer" }, { "clean_text", true },
            { "handle_chinese_chars", true }, { "strip_accents", nullptr }, { "lowercase", true } };
        doc["pre_tokenizer"] = { { "type", "BertPreTokenizer" } };
        doc["model"]["vocab"] = { { "<unk>", 0 }, { "cafe", 1 }, { "東", 2 }, { "x", 3 } };
        FileTokenizer bert(doc);
        // Control characters go, CJK ideographs stand alone, accents and case go.
        QCOMPARE(dump(tokensOf(*bert.load(),
                     "CAFÉ"
                     "\x07"
                     " x東x")),
            QStringLiteral(R"(["cafe","x","東","x"])"));
    }

    void bpeOptions()
    {
        // byte_fallback with fuse_unk (LLaMA): a known byte becomes <0xNN>, others <unk>.
        json doc = wordLevelDoc({});
        doc["model"] = { { "type", "BPE" }, { "dropout", nullptr }, { "unk_token", "<unk>" },
            { "continuing_subword_prefix", nullptr }, { "end_of_word_suffix", nullptr },
            { "fuse_unk", true }, { "byte_fallback", true }, { "ignore_merges", false },
            { "vocab", { { "<unk>", 0 }, { "<0x61>", 1 }, { "b", 2 }, { "c", 3 }, { "bc", 4 } } },
            { "merges", { "b c" } } };
        FileTokenizer fallback(doc);
        QCOMPARE(dump(tokensOf(*fallback.load(), "abcxy")),
            QStringLiteral(R"(["<0x61>","bc","<unk>"])"));
        QCOMPARE(dump(offsetsJson(fallback.load()->encode("abcxy", { false, 0 }))),
            QStringLiteral("[[0,1],[1,3],[3,5]]"));
        doc["model"]["fuse_unk"] = false;
        FileTokenizer unfused(doc);
        QCOMPARE(dump(tokensOf(*unfused.load(), "xy")), QStringLiteral(R"(["<unk>","<unk>"])"));

        // continuing_subword_prefix and end_of_word_suffix (the reference's tests).
        doc["model"] = {
            { "type", "BPE" }, { "unk_token", "[UNK]" }, { "continuing_subword_prefix", "##" },
            { "vocab",
                { { "[UNK]", 0 }, { "a", 1 }, { "##b", 2 }, { "##c", 3 }, { "ab", 4 },
                    { "abc", 5 } } },
            { "merges", json::array({ json::array({ "a", "##b" }), json::array({ "ab", "##c" }) }) }
        };
        FileTokenizer prefixed(doc);
        QCOMPARE(dump(tokensOf(*prefixed.load(), "abc")), QStringLiteral(R"(["abc"])"));

        // ignore_merges: a word in the vocabulary is one token whatever the merges say.
        doc["model"] = { { "type", "BPE" }, { "ignore_merges", true },
            { "vocab", { { ".:.:", 0 }, { ".", 1 }, { ":", 2 }, { ".:", 3 } } },
            { "merges", { ". :" } } };
        FileTokenizer ignore(doc);
        QCOMPARE(dump(tokensOf(*ignore.load(), ".:.:")), QStringLiteral(R"([".:.:"])"));
        doc["model"]["ignore_merges"] = false;
        FileTokenizer merge(doc);
        QCOMPARE(dump(tokensOf(*merge.load(), ".:.:")), QStringLiteral(R"([".:",".:"])"));
    }

    void unigram()
    {
        // The reference's documented example: the best path, and unknown pieces fused.
        json doc = wordLevelDoc({});
        doc["model"] = { { "type", "Unigram" }, { "unk_id", 0 }, { "vocab", json::array() } };
        for (const auto& [piece, score] : std::vector<std::pair<std::string, double>> {
                 { "<unk>", 0.0 }, { "a", 0.0 }, { "b", 0.0 }, { "c", 0.0 }, { "d", 0.0 },
                 { "cd", 1.0 }, { "ab", 2.0 }, { "abc", 5.0 }, { "abcd", 10.0 } }) {
            doc["model"]["vocab"].push_back(json::array({ piece, score }));
        }
        FileTokenizer file(doc);
        const auto t = file.load();
        QCOMPARE(dump(t->tokenize("abcdacdxx")), QStringLiteral(R"(["abcd","a","cd","xx"])"));
        QCOMPARE(dump(tokensOf(*t, "abcdacdxx")), QStringLiteral(R"(["abcd","a","cd","<unk>"])"));
    }

    void postProcessorsAndTruncation()
    {
        json doc = wordLevelDoc({ "<unk>", "[CLS]", "[SEP]", "a", "b", "c", "d", "e" });
        doc["pre_tokenizer"] = { { "type", "WhitespaceSplit" } };
        doc["post_processor"] = { { "type", "BertProcessing" }, { "sep", { "[SEP]", 2 } },
            { "cls", { "[CLS]", 1 } } };
        FileTokenizer bert(doc);
        const Encoding pair = bert.load()->encodePair("a b", "c");
        QCOMPARE(dump(pair.tokens), QStringLiteral(R"(["[CLS]","a","b","[SEP]","c","[SEP]"])"));
        QCOMPARE(dump(pair.typeIds), QStringLiteral("[0,0,0,0,1,1]"));
        QCOMPARE(dump(pair.specialMask), QStringLiteral("[1,0,0,1,0,1]"));
        // Without special tokens the texts keep their segments.
        QCOMPARE(dump(bert.load()->encodePair("a b", "c", { false, 0 }).typeIds),
            QStringLiteral("[0,0,1]"));

        // 'longest_first' as the reference's truncate_encodings does it: 5 + 5 tokens into 5
        // leaves 2 + 3; 1 + 6 into 5 leaves 1 + 4.
        const auto t = bert.load();
        EncodeOptions five;
        five.addSpecialTokens = false;
        five.maxLength = 5;
        Encoding cut = t->encodePair("a b c d e", "e d c b a", five);
        QCOMPARE(dump(cut.tokens), QStringLiteral(R"(["a","b","e","d","c"])"));
        QVERIFY(cut.truncated);
        cut = t->encodePair("a", "b c d e a b", five);
        QCOMPARE(dump(cut.tokens), QStringLiteral(R"(["a","b","c","d","e"])"));
        // With special tokens their room comes off first.
        EncodeOptions six;
        six.maxLength = 6;
        QCOMPARE(dump(t->encode("a b c d e", six).tokens),
            QStringLiteral(R"(["[CLS]","a","b","c","d","[SEP]"])"));
        six.maxLength = 1;
        QVERIFY(errorOf([&] { t->encode("a", six); }).find("cannot hold the 2 special tokens")
            != std::string::npos);

        // TemplateProcessing with its own type ids.
        doc["post_processor"] = { { "type", "TemplateProcessing" },
            { "single",
                { { { "SpecialToken", { { "id", "[CLS]" }, { "type_id", 2 } } } },
                    { { "Sequence", { { "id", "A" }, { "type_id", 0 } } } } } },
            { "pair",
                { { { "Sequence", { { "id", "A" }, { "type_id", 0 } } } },
                    { { "SpecialToken", { { "id", "[SEP]" }, { "type_id", 0 } } } },
                    { { "Sequence", { { "id", "B" }, { "type_id", 1 } } } } } },
            { "special_tokens",
                { { "[CLS]", { { "id", "[CLS]" }, { "ids", { 1 } }, { "tokens", { "[CLS]" } } } },
                    { "[SEP]",
                        { { "id", "[SEP]" }, { "ids", { 2 } }, { "tokens", { "[SEP]" } } } } } } };
        FileTokenizer tmpl(doc);
        const Encoding single = tmpl.load()->encode("a");
        QCOMPARE(dump(single.tokens), QStringLiteral(R"(["[CLS]","a"])"));
        QCOMPARE(dump(single.typeIds), QStringLiteral("[2,0]"));
        QCOMPARE(dump(tmpl.load()->encodePair("a", "b").typeIds), QStringLiteral("[0,0,1]"));
    }

    void decoders()
    {
        json doc = wordLevelDoc({ "<unk>", "<0xE2>", "<0x96>", "<0x81>", "<0xFF>", "\u2581hi", "x",
            "##y", "|", "<pad>" });
        doc["decoder"] = {
            { "type", "Sequence" },
            { "decoders",
                { { { "type", "ByteFallback" } },
                    { { "type", "Replace" }, { "pattern", { { "String", "\u2581" } } },
                        { "content", " " } },
                    { { "type", "Fuse" } },
                    { { "type", "Strip" }, { "content", " " }, { "start", 1 }, { "stop", 0 } } } }
        };
        FileTokenizer seq(doc);
        // E2 96 81 is '▁', which Replace then turns into a space; a lone FF is not UTF-8.
        QCOMPARE(seq.load()->decode({ 5, 1, 2, 3, 6, 4 }), std::string("hi x\xEF\xBF\xBD"));
        // Bytes that are not UTF-8 together: one U+FFFD per byte.
        QCOMPARE(seq.load()->decode({ 5, 1, 4 }), std::string("hi\xEF\xBF\xBD\xEF\xBF\xBD"));

        doc["decoder"] = { { "type", "WordPiece" }, { "prefix", "##" }, { "cleanup", true } };
        FileTokenizer wordpiece(doc);
        QCOMPARE(wordpiece.load()->decode({ 6, 7, 6 }), std::string("xy x"));

        doc["decoder"] = { { "type", "CTC" }, { "pad_token", "<pad>" },
            { "word_delimiter_token", "|" }, { "cleanup", true } };
        FileTokenizer ctc(doc);
        QCOMPARE(ctc.load()->decode({ 6, 6, 9, 6, 8, 6 }), std::string("xx x"));

        doc["decoder"] = nullptr; // none: tokens joined by spaces
        FileTokenizer none(doc);
        QCOMPARE(none.load()->decode({ 6, 8, 6 }), std::string("x | x"));
    }

    void gpt2ScannerMatchesOniguruma()
    {
        // The hand-written scanner against the pattern itself, on random strings over
        // characters of every class the pattern tells apart (contractions, letters of several
        // scripts, one Unicode 15 letter, digits, marks, white space of several kinds,
        // punctuation, emoji).
        const lumen::engine::OnigurumaRegex regex(
            R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
        const std::u32string alphabet = U"aZ'stremvldS 9\t\n\u00A0\u3000\u2028.,!-_éß東ä\u0301"
                                        U"\u0663\u00B2\U0001F600\U0001F44D\u200B\U00011F04";
        std::mt19937 random(7);
        for (int round = 0; round < 3000; ++round) {
            std::u32string text;
            const int length = 1 + static_cast<int>(random() % 24);
            for (int k = 0; k < length; ++k) {
                text.push_back(alphabet[random() % alphabet.size()]);
            }
            std::vector<std::pair<size_t, size_t>> scanned;
            lumen::engine::gpt2::pieces(
                [&text](size_t i) { return text[i]; }, text.size(), scanned);
            // Oniguruma's matches, in characters.
            const QString q = QString::fromUcs4(text.data(), static_cast<qsizetype>(text.size()));
            const std::string utf8 = q.toStdString();
            std::vector<std::pair<size_t, size_t>> expected;
            for (const auto& [begin, end] : regex.findAll(utf8)) {
                expected.emplace_back(QString::fromStdString(utf8.substr(0, begin)).toUcs4().size(),
                    QString::fromStdString(utf8.substr(0, end)).toUcs4().size());
            }
            QVERIFY2(scanned == expected, qPrintable(q));
        }
    }

    // ---- bad input ----

    void badInput()
    {
        // A truncated file: the JSON error with its place.
        const std::string whole = readJson(caseFolder("bert") + "/tokenizer.json").dump();
        FileTokenizer truncated(json::object());
        truncated.write("tokenizer.json", whole.substr(0, whole.size() / 2));
        const std::string message = errorOf([&] { truncated.load(); });
        QVERIFY2(message.find("tokenizer.json") != std::string::npos, message.c_str());
        QVERIFY2(message.find("line") != std::string::npos, message.c_str());

        // Not a tokenizer.json at all.
        FileTokenizer notOne(json::array({ 1, 2 }));
        QVERIFY(errorOf([&] { notOne.load(); }).find("expected a JSON object with a \"model\"")
            != std::string::npos);

        // An unknown component names every supported one.
        json doc = wordLevelDoc({ "<unk>" });
        doc["pre_tokenizer"] = { { "type", "UnicodeScripts" } };
        FileTokenizer unknown(doc);
        const std::string unsupported = errorOf([&] { unknown.load(); });
        QVERIFY2(unsupported.find("\"pre_tokenizer\": the pre-tokenizer type \"UnicodeScripts\" is "
                                  "not supported")
                != std::string::npos,
            unsupported.c_str());
        QVERIFY(unsupported.find("Metaspace") != std::string::npos);

        // A merge of tokens outside the vocabulary, by name and place.
        doc = wordLevelDoc({});
        doc["model"] = { { "type", "BPE" }, { "vocab", { { "a", 0 }, { "b", 1 } } },
            { "merges", { "a b" } } };
        FileTokenizer merge(doc);
        QCOMPARE(errorOf([&] { merge.load(); }),
            merge.path()
                + "/tokenizer.json: \"model.merges[0]\" must be a merge of tokens "
                  "in the vocabulary (\"ab\" is not). Fix the file, or replace it "
                  "with the model's original tokenizer.json.");

        // A Unigram unk_id outside the vocabulary; a bad regular expression.
        doc["model"] = { { "type", "Unigram" }, { "unk_id", 3 },
            { "vocab", json::array({ json::array({ "a", 0.0 }) }) } };
        FileTokenizer unigram(doc);
        QVERIFY(errorOf([&] { unigram.load(); }).find("\"model.unk_id\" must be the index")
            != std::string::npos);
        doc = wordLevelDoc({ "<unk>" });
        doc["normalizer"] = { { "type", "Replace" }, { "pattern", { { "Regex", "(" } } },
            { "content", "" } };
        FileTokenizer regex(doc);
        QVERIFY(errorOf([&] { regex.load(); }).find("\"normalizer.pattern.Regex\" must be a valid")
            != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestTokenizerJson)
#include "tst_tokenizer_json.moc"
