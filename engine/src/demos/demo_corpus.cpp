// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/demo_corpus.h"

#include "lumen/engine/error.h"

#include "io/json_file.h"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <set>
#include <utility>

namespace fs = std::filesystem;

namespace lumen::engine {

namespace {

/// splitmix64: the same numbers on every platform and standard library.
class Random {
public:
    explicit Random(uint64_t seed)
        : state_(seed ^ 0x9E3779B97F4A7C15ull)
    {
    }
    uint64_t next()
    {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// 0 .. n - 1 (n > 0; the modulo bias is below 2^-50 for these sizes).
    size_t below(size_t n) { return static_cast<size_t>(next() % n); }
    bool coin() { return (next() >> 63) != 0; }
    template <typename T, size_t N>
    const T& pick(const std::array<T, N>& items) { return items[below(N)]; }

private:
    uint64_t state_;
};

using Pair = std::pair<const char*, const char*>; // singular, plural

const std::array<Pair, 10> kNouns { { { "dog", "dogs" }, { "cat", "cats" }, { "bird", "birds" }, { "horse", "horses" },
    { "teacher", "teachers" }, { "doctor", "doctors" }, { "farmer", "farmers" }, { "student", "students" },
    { "king", "kings" }, { "child", "children" } } };
const std::array<Pair, 8> kVerbs { { { "runs", "run" }, { "sleeps", "sleep" }, { "sings", "sing" }, { "waits", "wait" },
    { "laughs", "laugh" }, { "works", "work" }, { "smiles", "smile" }, { "jumps", "jump" } } };
const std::array<const char*, 7> kPast { { "chased", "saw", "helped", "liked", "followed", "called", "watched" } };
const std::array<const char*, 6> kAdverbs { { "today", "again", "quietly", "outside", "often", "early" } };
const std::array<const char*, 8> kAdjectives { { "happy", "tired", "hungry", "old", "young", "kind", "small", "loud" } };
const std::array<const char*, 4> kPrepositions { { "near", "behind", "with", "beside" } };
const std::array<const char*, 6> kMen { { "john", "paul", "peter", "tom", "david", "james" } };
const std::array<const char*, 6> kWomen { { "mary", "anna", "lucy", "emma", "sarah", "kate" } };
const std::array<Pair, 6> kThings { { { "book", "it" }, { "hat", "it" }, { "phone", "it" }, { "letter", "it" },
    { "keys", "them" }, { "shoes", "them" } } };
const std::array<const char*, 5> kPlaces { { "market", "park", "school", "river", "city" } };
const std::array<Pair, 3> kBrackets { { { "(", ")" }, { "[", "]" }, { "{", "}" } } };
const std::array<const char*, 6> kLetters { { "a", "b", "c", "d", "e", "f" } };

std::string join(const std::vector<std::string>& words)
{
    std::string out;
    for (const std::string& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

/// A subject noun phrase with an attractor, and what the verb must agree with.
struct Subject {
    std::vector<std::string> words;
    bool plural = false;
};

Subject subjectWithAttractor(Random& r, bool attractorOpposite)
{
    Subject s;
    s.plural = r.coin();
    const Pair& head = r.pick(kNouns);
    Pair other = r.pick(kNouns);
    while (other.first == head.first) {
        other = r.pick(kNouns);
    }
    const bool otherPlural = attractorOpposite ? !s.plural : r.coin();
    const std::string headWord = s.plural ? head.second : head.first;
    const std::string otherWord = otherPlural ? other.second : other.first;
    switch (r.below(3)) {
    case 0: // subject relative: the dog that chased the cats
        s.words = { "the", headWord, "that", r.pick(kPast), "the", otherWord };
        break;
    case 1: // object relative: the dog that the cats chased
        s.words = { "the", headWord, "that", "the", otherWord, r.pick(kPast) };
        break;
    default: // prepositional phrase: the dog near the cats
        s.words = { "the", headWord, r.pick(kPrepositions), "the", otherWord };
        break;
    }
    return s;
}

/// The verb and what follows it: an intransitive verb and an adverb, or is/are and an adjective.
AgreementProbe predicate(Random& r, bool plural)
{
    AgreementProbe p;
    if (r.below(3) == 0) {
        p.right = plural ? "are" : "is";
        p.wrong = plural ? "is" : "are";
        p.suffix = std::string(r.pick(kAdjectives)) + " .";
    } else {
        const Pair& v = r.pick(kVerbs);
        p.right = plural ? v.second : v.first;
        p.wrong = plural ? v.first : v.second;
        p.suffix = std::string(r.pick(kAdverbs)) + " .";
    }
    return p;
}

std::string agreement(Random& r)
{
    if (r.below(4) == 0) {
        // A plain subject: the dogs sleep often .
        const Pair& n = r.pick(kNouns);
        const bool plural = r.coin();
        const AgreementProbe p = predicate(r, plural);
        return join({ "the", plural ? n.second : n.first, p.right, p.suffix });
    }
    const Subject s = subjectWithAttractor(r, false);
    const AgreementProbe p = predicate(r, s.plural);
    return join(s.words) + " " + p.right + " " + p.suffix;
}

std::string pronoun(Random& r)
{
    const bool woman = r.coin();
    const std::string name = woman ? r.pick(kWomen) : r.pick(kMen);
    const std::string subject = woman ? "she" : "he";
    const std::string possessive = woman ? "her" : "his";
    switch (r.below(3)) {
    case 0: {
        const Pair& thing = r.pick(kThings);
        return join({ name, "lost", possessive, thing.first, ",", "so", subject, "looked", "for", thing.second, "." });
    }
    case 1:
        return join({ "when", name, "came", "home", ",", subject, "was", r.pick(kAdjectives), "." });
    default: {
        // Two people of different sex: the pronoun says which one smiled.
        const std::string other = woman ? r.pick(kMen) : r.pick(kWomen);
        const bool first = r.coin(); // the pronoun refers to the first name
        const bool refWoman = first ? woman : !woman;
        return join({ name, "met", other, ",", "and", refWoman ? "she" : "he", "smiled", "at",
            first ? (woman ? "him" : "her") : (woman ? "her" : "him"), "." });
    }
    }
}

void brackets(Random& r, int depth, std::vector<std::string>& out)
{
    const int items = 1 + static_cast<int>(r.below(depth >= 3 ? 2 : 3));
    for (int i = 0; i < items; ++i) {
        if (depth < 3 && r.below(3) != 0) {
            const Pair& b = r.pick(kBrackets);
            out.emplace_back(b.first);
            brackets(r, depth + 1, out);
            out.emplace_back(b.second);
        } else {
            out.emplace_back(r.pick(kLetters));
        }
    }
}

std::string bracketSentence(Random& r)
{
    std::vector<std::string> words;
    const Pair& b = r.pick(kBrackets);
    words.emplace_back(b.first);
    brackets(r, 1, words);
    words.emplace_back(b.second);
    return join(words);
}

std::string names(Random& r)
{
    const bool womanFirst = r.coin();
    std::string a = womanFirst ? r.pick(kWomen) : r.pick(kMen);
    std::string b = r.coin() ? r.pick(kWomen) : r.pick(kMen);
    while (b == a) {
        b = r.coin() ? r.pick(kWomen) : r.pick(kMen);
    }
    if (r.coin()) {
        // One of the first four things: a book, a hat, a phone, a letter.
        return join({ a, "and", b, "went", "to", "the", r.pick(kPlaces), ".", a, "gave", "a", kThings[r.below(4)].first, "to", b, "." });
    }
    return join({ a, "saw", b, "at", "the", r.pick(kPlaces), ".", "later", ",", a, "called", b, "." });
}

std::string arithmetic(Random& r)
{
    const size_t x = r.below(10);
    const size_t y = r.below(10);
    if (r.coin()) {
        return join({ std::to_string(x), "plus", std::to_string(y), "is", std::to_string(x + y), "." });
    }
    const size_t big = std::max(x, y);
    const size_t small = std::min(x, y);
    return join({ std::to_string(big), "minus", std::to_string(small), "is", std::to_string(big - small), "." });
}

} // namespace

std::vector<std::string> corpusKinds()
{
    return { "agreement", "pronoun", "brackets", "names", "arithmetic" };
}

std::vector<CorpusSentence> generateCorpus(const CorpusConfig& config)
{
    if (config.sentences < 0) {
        throw Error(ErrorKind::InvalidInput, "the corpus needs a number of sentences of 0 or more.");
    }
    Random r(config.seed);
    std::vector<CorpusSentence> out;
    out.reserve(static_cast<size_t>(config.sentences));
    // agreement, agreement, pronoun, brackets, names, arithmetic: a shuffled cycle of six.
    static const std::array<int, 6> kCycle { { 0, 0, 1, 2, 3, 4 } };
    std::array<int, 6> order = kCycle;
    for (int64_t i = 0; i < config.sentences; ++i) {
        const size_t at = static_cast<size_t>(i % 6);
        if (at == 0) {
            order = kCycle;
            for (size_t k = order.size() - 1; k > 0; --k) {
                std::swap(order[k], order[r.below(k + 1)]);
            }
        }
        CorpusSentence s;
        switch (order[at]) {
        case 0: s.kind = "agreement"; s.text = agreement(r); break;
        case 1: s.kind = "pronoun"; s.text = pronoun(r); break;
        case 2: s.kind = "brackets"; s.text = bracketSentence(r); break;
        case 3: s.kind = "names"; s.text = names(r); break;
        default: s.kind = "arithmetic"; s.text = arithmetic(r); break;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<AgreementProbe> agreementProbes(uint64_t seed, int64_t count)
{
    Random r(seed ^ 0x5A17ull);
    std::vector<AgreementProbe> out;
    for (int64_t i = 0; i < count; ++i) {
        const Subject s = subjectWithAttractor(r, true);
        AgreementProbe p = predicate(r, s.plural);
        p.prefix = join(s.words);
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<std::string> demoVocabulary()
{
    std::vector<std::string> words { "the", "that", ".", ",", "is", "are", "so", "looked", "for", "when", "came", "home",
        "was", "met", "and", "smiled", "at", "him", "her", "his", "he", "she", "lost", "went", "to", "gave", "a",
        "saw", "later", "plus", "minus" };
    for (const Pair& p : kNouns) {
        words.insert(words.end(), { p.first, p.second });
    }
    for (const Pair& p : kVerbs) {
        words.insert(words.end(), { p.first, p.second });
    }
    for (const auto* group : { &kPast }) {
        words.insert(words.end(), group->begin(), group->end());
    }
    words.insert(words.end(), kAdverbs.begin(), kAdverbs.end());
    words.insert(words.end(), kAdjectives.begin(), kAdjectives.end());
    words.insert(words.end(), kPrepositions.begin(), kPrepositions.end());
    words.insert(words.end(), kMen.begin(), kMen.end());
    words.insert(words.end(), kWomen.begin(), kWomen.end());
    for (const Pair& p : kThings) {
        words.emplace_back(p.first);
    }
    words.insert(words.end(), { "it", "them" });
    words.insert(words.end(), kPlaces.begin(), kPlaces.end());
    for (const Pair& p : kBrackets) {
        words.insert(words.end(), { p.first, p.second });
    }
    words.insert(words.end(), kLetters.begin(), kLetters.end());
    for (int n = 0; n <= 18; ++n) {
        words.push_back(std::to_string(n));
    }
    // Each once, first place kept ("saw", "called" are verbs of two kinds of sentence).
    std::vector<std::string> unique;
    std::set<std::string> seen;
    for (const std::string& w : words) {
        if (seen.insert(w).second) {
            unique.push_back(w);
        }
    }
    return unique;
}

void writeDemoTokenizer(const std::string& dir, bool causal)
{
    using Json = nlohmann::json;
    static const std::array<const char*, 7> kSpecials { { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[BOS]", "[EOS]" } };
    Json vocab = Json::object();
    Json added = Json::array();
    int64_t id = 0;
    for (const char* s : kSpecials) {
        added.push_back({ { "id", id }, { "content", s }, { "single_word", false }, { "lstrip", false }, { "rstrip", false },
            { "normalized", false }, { "special", true } });
        vocab[s] = id++;
    }
    for (const std::string& w : demoVocabulary()) {
        vocab[w] = id++;
    }
    const auto special = [&vocab](const char* name) {
        return Json { { "id", name }, { "ids", { vocab.at(name) } }, { "tokens", { name } } };
    };
    const auto token = [](const char* name, int type) { return Json { { "SpecialToken", { { "id", name }, { "type_id", type } } } }; };
    const auto sequence = [](const char* name, int type) { return Json { { "Sequence", { { "id", name }, { "type_id", type } } } }; };
    Json post;
    if (causal) {
        post = { { "type", "TemplateProcessing" }, { "single", { token("[BOS]", 0), sequence("A", 0) } },
            { "pair", { token("[BOS]", 0), sequence("A", 0), token("[BOS]", 1), sequence("B", 1) } },
            { "special_tokens", { { "[BOS]", special("[BOS]") } } } };
    } else {
        post = { { "type", "TemplateProcessing" }, { "single", { token("[CLS]", 0), sequence("A", 0), token("[SEP]", 0) } },
            { "pair", { token("[CLS]", 0), sequence("A", 0), token("[SEP]", 0), sequence("B", 1), token("[SEP]", 1) } },
            { "special_tokens", { { "[CLS]", special("[CLS]") }, { "[SEP]", special("[SEP]") } } } };
    }
    const Json tokenizer { { "version", "1.0" }, { "truncation", nullptr }, { "padding", nullptr }, { "added_tokens", added },
        { "normalizer", { { "type", "BertNormalizer" }, { "clean_text", true }, { "handle_chinese_chars", true },
                            { "strip_accents", nullptr }, { "lowercase", true } } },
        { "pre_tokenizer", { { "type", "BertPreTokenizer" } } }, { "post_processor", post }, { "decoder", nullptr },
        { "model", { { "type", "WordLevel" }, { "vocab", vocab }, { "unk_token", "[UNK]" } } } };
    Json config { { "tokenizer_class", "PreTrainedTokenizerFast" }, { "model_max_length", 128 }, { "unk_token", "[UNK]" },
        { "pad_token", "[PAD]" }, { "clean_up_tokenization_spaces", false } };
    if (causal) {
        config["bos_token"] = "[BOS]";
        config["eos_token"] = "[EOS]";
    } else {
        config["cls_token"] = "[CLS]";
        config["sep_token"] = "[SEP]";
        config["mask_token"] = "[MASK]";
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        throw Error(ErrorKind::Io, "cannot create the folder " + dir + ": " + (ec ? ec.message() : std::string("not a folder")));
    }
    writeTextAtomically(fs::path(dir) / "tokenizer.json", tokenizer.dump(2) + "\n");
    writeTextAtomically(fs::path(dir) / "tokenizer_config.json", config.dump(2) + "\n");
}

} // namespace lumen::engine
