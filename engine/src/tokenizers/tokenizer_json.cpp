// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/tokenizer_json.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/encoding_build.h"
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/normalized_string.h"

#include <algorithm>
#include <filesystem>

namespace lumen::engine {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tokenizer_config::boolField;

/// Classes whose fast tokenizer resets the BertNormalizer from tokenizer_config.json.
const char* const kBertClasses[] = {
    "BertTokenizer",
    "DistilBertTokenizer",
    "ElectraTokenizer",
    "MobileBertTokenizer",
    "SqueezeBertTokenizer",
    "LayoutLMTokenizer",
    "FunnelTokenizer",
    "MPNetTokenizer",
    "LxmertTokenizer",
    "RetriBertTokenizer",
    "ConvBertTokenizer",
};
/// Classes whose fast tokenizer resets ByteLevel's add_prefix_space.
const char* const kByteLevelClasses[] = {
    "GPT2Tokenizer",
    "RobertaTokenizer",
    "BartTokenizer",
    "LongformerTokenizer",
    "GPTNeoXTokenizer",
    "CodeGenTokenizer",
    "DebertaTokenizer",
    "LEDTokenizer",
};
/// Classes whose RobertaProcessing follows add_prefix_space / trim_offsets.
const char* const kRobertaClasses[] = { "RobertaTokenizer", "BartTokenizer", "LongformerTokenizer",
    "LEDTokenizer" };
/// Classes whose fast tokenizer rebuilds the post-processor from add_bos/eos_token.
const char* const kBosEosClasses[] = { "LlamaTokenizer", "CodeLlamaTokenizer", "GemmaTokenizer" };

template<size_t N> bool isOneOf(const std::string& name, const char* const (&names)[N])
{
    return std::any_of(
        std::begin(names), std::end(names), [&name](const char* known) { return name == known; });
}

/// tokenizer_class without the "Fast" suffix.
std::string baseClass(const json& config)
{
    const auto it = config.find("tokenizer_class");
    if (it == config.end() || !it->is_string()) {
        return {};
    }
    std::string name = it->get<std::string>();
    const std::string fast = "Fast";
    if (name.size() > fast.size()
        && name.compare(name.size() - fast.size(), fast.size(), fast) == 0) {
        name.resize(name.size() - fast.size());
    }
    return name;
}

/// The transformers classes' own adjustments of the file (see the header).
void adjustForClass(
    json& doc, const std::string& cls, const json& config, const std::string& configPath)
{
    if (isOneOf(cls, kBertClasses) && doc.contains("normalizer") && doc["normalizer"].is_object()
        && doc["normalizer"].value("type", "") == "BertNormalizer") {
        json& n = doc["normalizer"];
        n["lowercase"] = boolField(config, configPath, "do_lower_case", true);
        const auto strip = config.find("strip_accents");
        n["strip_accents"] = (strip == config.end() || strip->is_null())
            ? json(nullptr)
            : json(boolField(config, configPath, "strip_accents", false));
        n["handle_chinese_chars"] = boolField(config, configPath, "tokenize_chinese_chars", true);
    }
    if (isOneOf(cls, kByteLevelClasses) || isOneOf(cls, kRobertaClasses)) {
        const bool space = boolField(config, configPath, "add_prefix_space", false);
        if (doc.contains("pre_tokenizer") && doc["pre_tokenizer"].is_object()
            && doc["pre_tokenizer"].value("type", "") == "ByteLevel") {
            doc["pre_tokenizer"]["add_prefix_space"] = space;
        }
        if (isOneOf(cls, kRobertaClasses) && doc.contains("post_processor")
            && doc["post_processor"].is_object()
            && doc["post_processor"].value("type", "") == "RobertaProcessing") {
            doc["post_processor"]["add_prefix_space"] = space;
            doc["post_processor"]["trim_offsets"] =
                boolField(config, configPath, "trim_offsets", true);
        }
    }
}

void truncateTo(Encoding& e, size_t n)
{
    if (e.ids.size() <= n) {
        return;
    }
    e.ids.resize(n);
    e.tokens.resize(n);
    e.offsets.resize(n);
    e.typeIds.resize(n);
    e.specialMask.resize(n);
    e.truncated = true;
}

} // namespace

TokenizerJson::TokenizerJson() = default;
TokenizerJson::~TokenizerJson() = default;

std::unique_ptr<TokenizerJson> TokenizerJson::fromFolder(const std::string& dir)
{
    const fs::path folder(dir);
    const std::string path = (folder / "tokenizer.json").string();
    json doc = readJsonFile(path);
    if (!doc.is_object() || !doc.contains("model")) {
        throw Error(ErrorKind::InvalidInput,
            path
                + ": expected a JSON object with a \"model\" (a Hugging Face "
                  "tokenizer.json). Replace it with the model's original file.");
    }
    const json config = tokenizer_config::readConfig(folder);
    const std::string configPath = (folder / "tokenizer_config.json").string();
    const std::string cls = baseClass(config);

    std::unique_ptr<TokenizerJson> t(new TokenizerJson());
    SpecialTokenSettings& settings = t->settings_;
    settings.cleanUpTokenizationSpaces =
        boolField(config, configPath, "clean_up_tokenization_spaces", true);
    tokenizer_config::readModelMaxLength(config, configPath, settings);
    tokenizer_config::readSpecialTokens(config, configPath, settings);
    tokenizer_config::readSpecialTokensMap(folder, settings);
    tokenizer_config::readAddedTokens(config, configPath, folder, settings);

    adjustForClass(doc, cls, config, configPath);
    const hf::JsonReader root(doc, path, "");
    auto component = [&root](const char* key) {
        static const json null;
        return root.has(key) ? root.child(key) : hf::JsonReader(null, root.file(), key);
    };
    t->normalizer_ = hf::makeNormalizer(component("normalizer"));
    t->preTokenizer_ = hf::makePreTokenizer(component("pre_tokenizer"));
    t->model_ = hf::makeModel(root.child("model"));
    t->decoder_ = hf::makeDecoder(component("decoder"));

    // Added tokens: the file's, then tokenizer_config.json's (which win), then the named
    // special tokens the file lacks (PreTrainedTokenizerFast.__init__).
    if (root.given("added_tokens")) {
        for (const hf::JsonReader& item : root.list("added_tokens")) {
            AddedTokenSpec spec;
            spec.content = item.string("content");
            spec.singleWord = item.boolean("single_word", false);
            spec.lstrip = item.boolean("lstrip", false);
            spec.rstrip = item.boolean("rstrip", false);
            spec.normalized = item.boolean("normalized", true);
            spec.special = item.boolean("special", false);
            t->addToken(std::move(spec));
        }
    }
    for (AddedTokenSpec spec : settings.addedTokens) {
        t->addToken(std::move(spec));
    }
    for (AddedTokenSpec spec : allSpecialTokens(settings)) {
        if (t->addedByContent_.count(spec.content) == 0) {
            spec.special = true;
            t->addToken(std::move(spec));
        }
    }

    t->unkToken_ = settings.unk ? settings.unk->content : t->model_->unknownToken().value_or("");
    t->specialIds_ =
        specialTokenIds(settings, [&t](const std::string& token) { return t->tokenToId(token); });

    if (isOneOf(cls, kBosEosClasses)) {
        // LlamaTokenizerFast.update_post_processor.
        const bool addBos = boolField(config, configPath, "add_bos_token", true);
        const bool addEos = boolField(config, configPath, "add_eos_token", false);
        std::vector<hf::TemplateSpecial> specials;
        auto special = [&](const std::optional<AddedTokenSpec>& token,
                           const std::optional<int64_t>& id, const char* name) {
            if (!token || !id) {
                throw Error(ErrorKind::InvalidInput,
                    configPath + ": add_" + name + "_token is true but the tokenizer has no " + name
                        + " token. Set " + name + "_token or add_" + name + "_token = false.");
            }
            specials.push_back({ token->content, { *id }, { token->content } });
            return token->content;
        };
        std::string single = "$A:0";
        std::string pair;
        std::string bos;
        std::string eos;
        if (addBos) {
            bos = special(settings.bos, t->specialIds_.bos, "bos");
            single = bos + ":0 " + single;
        }
        if (addEos) {
            eos = special(settings.eos, t->specialIds_.eos, "eos");
            single += " " + eos + ":0";
        }
        pair = single + (addBos ? " " + bos + ":1" : std::string()) + " $B:1"
            + (addEos ? " " + eos + ":1" : std::string());
        t->postProcessor_ = hf::makeTemplate(single, pair, std::move(specials));
    } else {
        t->postProcessor_ = hf::makePostProcessor(component("post_processor"));
    }

    t->buildMatchers();
    t->vocabSize_ = t->model_->idLimit();
    for (const Added& a : t->added_) {
        t->vocabSize_ = std::max(t->vocabSize_, a.spec.id + 1);
    }
    t->addedIndex_.assign(static_cast<size_t>(t->vocabSize_), -1);
    for (size_t i = 0; i < t->added_.size(); ++i) {
        t->addedIndex_[static_cast<size_t>(t->added_[i].spec.id)] = static_cast<int32_t>(i);
    }
    return t;
}

void TokenizerJson::addToken(AddedTokenSpec spec)
{
    if (spec.content.empty()) {
        return;
    }
    // The reference's AddedVocabulary::add_tokens: an id the vocabulary already gives the
    // content, else the next one after the model's vocabulary and the added tokens.
    if (const auto it = addedByContent_.find(spec.content); it != addedByContent_.end()) {
        Added& existing = added_[it->second];
        spec.id = existing.spec.id;
        existing.spec = std::move(spec);
        if (existing.spec.special) {
            specialAddedIds_.insert(existing.spec.id);
        } else {
            specialAddedIds_.erase(existing.spec.id);
        }
        return;
    }
    if (const auto id = model_->tokenToId(spec.content)) {
        spec.id = *id;
    } else {
        const int64_t vocab = model_->size();
        int64_t maxAdded = -1;
        for (const Added& a : added_) {
            maxAdded = std::max(maxAdded, a.spec.id);
        }
        spec.id = (maxAdded >= 0 && (maxAdded >= vocab || vocab == 0)) ? maxAdded + 1 : vocab;
    }
    if (const auto same = addedById_.find(spec.id); same != addedById_.end()) {
        // Another content took this id before; the later one wins the id's reverse entry.
        addedByContent_.erase(added_[same->second].spec.content);
        added_[same->second].spec = spec;
        addedByContent_[spec.content] = same->second;
    } else {
        addedById_[spec.id] = added_.size();
        addedByContent_[spec.content] = added_.size();
        added_.push_back({ spec, {} });
    }
    if (spec.special) {
        specialAddedIds_.insert(spec.id);
    }
}

void TokenizerJson::buildMatchers()
{
    for (size_t i = 0; i < added_.size(); ++i) {
        Added& a = added_[i];
        const std::u32string content = unicode::decodeUtf8(a.spec.content);
        if (a.spec.normalized && normalizer_) {
            hf::NormalizedString s = hf::NormalizedString::fromText(content);
            normalizer_->normalize(s);
            a.match = s.codePoints();
        } else {
            a.match = content;
        }
        if (a.match.empty()) {
            continue;
        }
        Matcher& m = a.spec.normalized ? normalizedMatcher_ : rawMatcher_;
        m.byFirst[a.match.front()].push_back(i);
        if (a.match.front() < 128) {
            m.asciiFirst[a.match.front()] = true;
        }
    }
    for (Matcher* m : { &rawMatcher_, &normalizedMatcher_ }) {
        for (auto& [first, list] : m->byFirst) {
            std::stable_sort(list.begin(), list.end(), [this](size_t a, size_t b) {
                return added_[a].match.size() > added_[b].match.size();
            });
        }
    }
}

void TokenizerJson::extract(hf::PreTokenized& splits, const Matcher& matcher) const
{
    if (matcher.empty()) {
        return;
    }
    hf::PreTokenized out;
    out.reserve(splits.size());
    for (hf::Split& split : splits) {
        if (split.addedId >= 0) {
            out.push_back(std::move(split));
            continue;
        }
        const hf::NormalizedString& s = split.text;
        const size_t n = s.size();
        size_t startOffset = 0;
        size_t i = 0;
        auto pushText = [&out, &s](size_t begin, size_t end) {
            if (end > begin) {
                out.push_back({ s.slice(begin, end), -1 });
            }
        };
        while (i < n) {
            const char32_t first = s.at(i);
            if (first < 128 && !matcher.asciiFirst[first]) {
                ++i;
                continue;
            }
            const auto it = matcher.byFirst.find(first);
            size_t found = SIZE_MAX;
            if (it != matcher.byFirst.end()) {
                for (const size_t candidate : it->second) {
                    const std::u32string& m = added_[candidate].match;
                    if (i + m.size() > n) {
                        continue;
                    }
                    bool same = true;
                    for (size_t k = 1; k < m.size(); ++k) {
                        if (s.at(i + k) != m[k]) {
                            same = false;
                            break;
                        }
                    }
                    if (same) {
                        found = candidate;
                        break;
                    }
                }
            }
            if (found == SIZE_MAX) {
                ++i;
                continue;
            }
            const AddedTokenSpec& spec = added_[found].spec;
            size_t start = i;
            size_t stop = i + added_[found].match.size();
            i = stop; // the search goes on after this match, kept or not
            if (spec.singleWord) {
                const bool spaceBefore = start == 0 || !hf::isWordChar(s.at(start - 1));
                const bool spaceAfter = stop == n || !hf::isWordChar(s.at(stop));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (spec.lstrip) {
                size_t newStart = start;
                while (newStart > 0 && hf::isWhitespace(s.at(newStart - 1))) {
                    --newStart;
                }
                start = std::max(newStart, startOffset);
            }
            if (spec.rstrip) {
                while (stop < n && hf::isWhitespace(s.at(stop))) {
                    ++stop;
                }
            }
            start = std::max(start, startOffset);
            pushText(startOffset, start);
            out.push_back({ s.slice(start, stop), spec.id });
            startOffset = stop;
            i = std::max(i, stop);
        }
        if (startOffset == 0) {
            out.push_back(std::move(split)); // nothing found: the split stays as it is
        } else {
            pushText(startOffset, n);
        }
    }
    splits = std::move(out);
}

Encoding TokenizerJson::encodeSequence(const std::string& text, int64_t typeId) const
{
    Encoding e;
    if (text.empty()) {
        return e;
    }
    hf::PreTokenized splits;
    splits.push_back({ hf::NormalizedString::fromText(unicode::decodeUtf8(text)), -1 });
    extract(splits, rawMatcher_);
    if (normalizer_) {
        for (hf::Split& split : splits) {
            if (split.addedId < 0) {
                normalizer_->normalize(split.text);
            }
        }
        splits.erase(std::remove_if(splits.begin(), splits.end(),
                         [](const hf::Split& s) { return s.addedId < 0 && s.text.empty(); }),
            splits.end());
    }
    extract(splits, normalizedMatcher_);
    if (preTokenizer_) {
        preTokenizer_->preTokenize(splits);
    }
    std::vector<hf::ModelToken> tokens;
    for (const hf::Split& split : splits) {
        if (split.addedId >= 0) {
            const Added& a = added_[addedById_.at(split.addedId)];
            e.ids.push_back(split.addedId);
            e.tokens.push_back(a.spec.content);
            e.offsets.emplace_back(split.text.originalBegin(), split.text.originalEnd());
            e.typeIds.push_back(typeId);
            e.specialMask.push_back(a.spec.special ? 1 : 0);
            continue;
        }
        tokens.clear();
        model_->tokenize(split.text, tokens);
        for (hf::ModelToken& token : tokens) {
            e.ids.push_back(token.id);
            e.tokens.push_back(std::move(token.value));
            e.offsets.push_back(split.text.originalRange(token.begin, token.end));
            e.typeIds.push_back(typeId);
            e.specialMask.push_back(0);
        }
    }
    return e;
}

const std::string* TokenizerJson::tokenOf(int64_t id) const
{
    if (id >= 0 && static_cast<size_t>(id) < addedIndex_.size()) {
        const int32_t index = addedIndex_[static_cast<size_t>(id)];
        if (index >= 0) {
            return &added_[static_cast<size_t>(index)].spec.content;
        }
    }
    return model_->token(id);
}

void TokenizerJson::fixTokens(Encoding& e) const
{
    // The tokens' values become convert_ids_to_tokens(ids); they mostly are already.
    for (size_t i = 0; i < e.ids.size(); ++i) {
        const std::string* token = tokenOf(e.ids[i]);
        const std::string& wanted = token != nullptr ? *token : unkToken_;
        if (e.tokens[i] != wanted) {
            e.tokens[i] = wanted;
        }
    }
}

Encoding TokenizerJson::finish(std::vector<Encoding> encodings, bool addSpecialTokens) const
{
    if (postProcessor_) {
        encodings = postProcessor_->process(std::move(encodings), addSpecialTokens);
    }
    if (encodings.size() == 1) {
        Encoding out = std::move(encodings.front());
        fixTokens(out);
        return out;
    }
    Encoding out;
    size_t total = 0;
    for (const Encoding& e : encodings) {
        total += e.ids.size();
    }
    encoding_build::reserve(out, total);
    for (Encoding& e : encodings) {
        out.ids.insert(out.ids.end(), e.ids.begin(), e.ids.end());
        out.tokens.insert(out.tokens.end(), std::make_move_iterator(e.tokens.begin()),
            std::make_move_iterator(e.tokens.end()));
        out.offsets.insert(out.offsets.end(), e.offsets.begin(), e.offsets.end());
        out.typeIds.insert(out.typeIds.end(), e.typeIds.begin(), e.typeIds.end());
        out.specialMask.insert(out.specialMask.end(), e.specialMask.begin(), e.specialMask.end());
        out.truncated = out.truncated || e.truncated;
    }
    fixTokens(out);
    return out;
}

std::string TokenizerJson::kind() const
{
    return "tokenizer.json (" + model_->typeName() + ")";
}

std::vector<std::string> TokenizerJson::tokenize(const std::string& text) const
{
    return encodeSequence(text, 0).tokens;
}

Encoding TokenizerJson::encode(const std::string& text, const EncodeOptions& options) const
{
    Encoding a = encodeSequence(text, 0);
    if (options.maxLength > 0) {
        const auto added = static_cast<int64_t>(
            options.addSpecialTokens && postProcessor_ ? postProcessor_->addedTokens(false) : 0);
        encoding_build::requireRoom(options.maxLength, added, /*pair=*/false);
        truncateTo(a, static_cast<size_t>(options.maxLength - added));
    }
    std::vector<Encoding> encodings;
    encodings.push_back(std::move(a));
    return finish(std::move(encodings), options.addSpecialTokens);
}

Encoding TokenizerJson::encodePair(
    const std::string& text, const std::string& pair, const EncodeOptions& options) const
{
    Encoding a = encodeSequence(text, 0);
    Encoding b = encodeSequence(pair, 1);
    if (options.maxLength > 0) {
        const auto added = static_cast<int64_t>(
            options.addSpecialTokens && postProcessor_ ? postProcessor_->addedTokens(true) : 0);
        encoding_build::requireRoom(options.maxLength, added, /*pair=*/true);
        const auto limit = static_cast<size_t>(options.maxLength - added);
        // The reference's truncate_encodings, 'longest_first'.
        size_t n1 = a.ids.size();
        size_t n2 = b.ids.size();
        if (n1 + n2 > limit) {
            const bool swap = n1 > n2;
            if (swap) {
                std::swap(n1, n2);
            }
            n2 = n1 > limit ? n1 : std::max(n1, limit - n1);
            if (n1 + n2 > limit) {
                n1 = limit / 2;
                n2 = n1 + limit % 2;
            }
            if (swap) {
                std::swap(n1, n2);
            }
            truncateTo(a, n1);
            truncateTo(b, n2);
        }
    }
    std::vector<Encoding> encodings;
    encodings.push_back(std::move(a));
    encodings.push_back(std::move(b));
    return finish(std::move(encodings), options.addSpecialTokens);
}

std::string TokenizerJson::decode(const std::vector<int64_t>& ids, bool skipSpecial) const
{
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int64_t id : ids) {
        if (skipSpecial && specialAddedIds_.count(id) > 0) {
            continue;
        }
        if (const std::string* token = tokenOf(id)) {
            tokens.push_back(*token);
        }
    }
    std::string text;
    if (decoder_) {
        for (const std::string& part : decoder_->decodeChain(std::move(tokens))) {
            text += part;
        }
    } else {
        for (size_t i = 0; i < tokens.size(); ++i) {
            text += (i > 0 ? " " : "") + tokens[i];
        }
    }
    return settings_.cleanUpTokenizationSpaces ? cleanUpTokenization(std::move(text)) : text;
}

std::string TokenizerJson::idToToken(int64_t id) const
{
    const std::string* token = tokenOf(id);
    return token != nullptr ? *token : unkToken_;
}

std::optional<int64_t> TokenizerJson::tokenToId(const std::string& token) const
{
    if (const auto it = addedByContent_.find(token); it != addedByContent_.end()) {
        return added_[it->second].spec.id;
    }
    return model_->tokenToId(token);
}

} // namespace lumen::engine
