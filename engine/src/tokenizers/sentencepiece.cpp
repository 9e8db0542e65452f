// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/sentencepiece.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "tokenizers/encoding_build.h"

#include <dlfcn.h>
#include <nlohmann/json.hpp>
#include <sentencepiece_processor.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

// ---- loading libsentencepiece in isolation ----
//
// Debian's libsentencepiece carries its own copy of protobuf-lite (3.14) and exports it;
// LibTorch needs the system's libprotobuf (3.21). In one global symbol scope one of them
// always runs with the other's code: protobuf's static initialisers crash before main(), or
// SentencePiece's model parser stops with a version mismatch. So the engine does not link
// libsentencepiece: it is dlopen'ed with RTLD_LOCAL | RTLD_DEEPBIND, which makes the library
// bind to its own protobuf, and Lumen only calls its virtual methods (through the vtable)
// plus the two non-virtual functions defined below, which forward to the loaded library.

namespace {

const char* const kSentencePieceLibrary = "libsentencepiece.so.0";

void* sentencePieceLibrary()
{
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer aborts on RTLD_DEEPBIND; an ASan build reports the tokenizer missing.
    return nullptr;
#else
    static void* const handle =
        dlopen(kSentencePieceLibrary, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    return handle;
#endif
}

void* sentencePieceSymbol(const char* name)
{
    void* const library = sentencePieceLibrary();
    void* const symbol = library != nullptr ? dlsym(library, name) : nullptr;
    if (symbol == nullptr) {
        // Only reached after requireSentencePiece() succeeded: the library lacks a symbol.
        std::abort();
    }
    return symbol;
}

void requireSentencePiece()
{
    if (sentencePieceLibrary() == nullptr) {
#if defined(__SANITIZE_ADDRESS__)
        const char* reason = "AddressSanitizer builds cannot dlopen it with RTLD_DEEPBIND";
#else
        const char* reason = dlerror();
#endif
        throw lumen::Error(lumen::ErrorKind::Unsupported,
            std::string("cannot load ") + kSentencePieceLibrary + " ("
                + (reason != nullptr ? reason : "unknown reason")
                + "), which SentencePiece tokenizers (ALBERT, T5, LLaMA) need. "
                  "Install the libsentencepiece0 package.");
    }
}

} // namespace

extern "C" void lumenSentencePieceStatusDestructor(void* self) asm(
    "_ZN13sentencepiece4util6StatusD1Ev");
extern "C" void lumenSentencePieceStatusDestructor(void* self)
{
    using Function = void (*)(void*);
    static const auto forward =
        reinterpret_cast<Function>(sentencePieceSymbol("_ZN13sentencepiece4util6StatusD1Ev"));
    forward(self);
}

extern "C" void lumenSentencePieceProcessorConstructor(void* self) asm(
    "_ZN13sentencepiece22SentencePieceProcessorC1Ev");
extern "C" void lumenSentencePieceProcessorConstructor(void* self)
{
    using Function = void (*)(void*);
    static const auto forward = reinterpret_cast<Function>(
        sentencePieceSymbol("_ZN13sentencepiece22SentencePieceProcessorC1Ev"));
    forward(self);
}

namespace lumen::engine {

using encoding_build::appendPieces;
using encoding_build::appendSpecial;
using encoding_build::requireRoom;
using encoding_build::requireSpecialId;
using encoding_build::truncateLongestFirst;

namespace {

// Calls into libsentencepiece go through these wrappers, which GCC may not devirtualize:
// a devirtualized (or speculatively inlined) call would name a symbol of the library, which
// the engine does not link.
#define LUMEN_SP_CALL                                                                              \
    __attribute__((noinline, optimize("no-devirtualize", "no-devirtualize-speculatively")))
using Processor = sentencepiece::SentencePieceProcessor;

LUMEN_SP_CALL Processor* spCreate()
{
    requireSentencePiece();
    return new Processor();
}

LUMEN_SP_CALL void spDestroy(Processor* processor)
{
    delete processor;
}

LUMEN_SP_CALL bool spLoad(Processor& processor, const std::string& proto)
{
    return processor.LoadFromSerializedProto(proto).ok();
}

LUMEN_SP_CALL int spPieceSize(const Processor& processor)
{
    return processor.GetPieceSize();
}

LUMEN_SP_CALL int spUnkId(const Processor& processor)
{
    return processor.unk_id();
}

LUMEN_SP_CALL int spPieceToId(const Processor& processor, const std::string& piece)
{
    return processor.PieceToId(piece);
}

LUMEN_SP_CALL std::string spIdToPiece(const Processor& processor, int id)
{
    return processor.IdToPiece(id);
}

LUMEN_SP_CALL std::vector<std::string> spEncodeAsPieces(
    const Processor& processor, const std::string& text)
{
    return processor.EncodeAsPieces(text);
}

LUMEN_SP_CALL std::string spEncodeAsSerializedProto(
    const Processor& processor, const std::string& text)
{
    return processor.EncodeAsSerializedProto(text);
}

LUMEN_SP_CALL std::string spDecodePieces(
    const Processor& processor, const std::vector<std::string>& pieces)
{
    return processor.DecodePieces(pieces);
}

} // namespace

void SentencePieceProcessorDeleter::operator()(sentencepiece::SentencePieceProcessor* p) const
{
    spDestroy(p);
}

using unicode::MappedChar;
using unicode::MappedText;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tokenizer_config::badField;
using tokenizer_config::boolField;

constexpr char32_t kSpiece = 0x2581; // "▁"
const char* const kSpieceUtf8 = "\xE2\x96\x81";

// ---- small string helpers (the reference's Python string operations) ----

bool startsWith(const std::string& text, const char* prefix)
{
    return text.rfind(prefix, 0) == 0;
}

/// Python's str.isdigit for one character (numeric type decimal or digit).
bool isPythonDigit(char32_t c)
{
    const auto type = u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NUMERIC_TYPE);
    return type == U_NT_DECIMAL || type == U_NT_DIGIT;
}

/// One piece of a serialized sentencepiece.SentencePieceText.
struct EncodedPiece {
    std::string piece;
    int64_t id = 0;
    size_t begin = 0; ///< bytes of the input
    size_t end = 0;
};

/// Reads a protobuf varint; false at a truncated one.
bool readVarint(const std::string& data, size_t& at, uint64_t& value)
{
    value = 0;
    for (int shift = 0; shift < 64 && at < data.size(); shift += 7) {
        const auto byte = static_cast<uint8_t>(data[at++]);
        value |= static_cast<uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) {
            return true;
        }
    }
    return false;
}

/// Walks the fields of a protobuf message, calling `onField(number, wireType, varint,
/// bytes)`; false when the data is malformed.
template<typename OnField> bool forEachField(const std::string& data, OnField onField)
{
    size_t at = 0;
    while (at < data.size()) {
        uint64_t key = 0;
        if (!readVarint(data, at, key)) {
            return false;
        }
        const auto number = static_cast<uint32_t>(key >> 3);
        const auto wireType = static_cast<uint32_t>(key & 7);
        uint64_t value = 0;
        std::string bytes;
        switch (wireType) {
        case 0:
            if (!readVarint(data, at, value)) {
                return false;
            }
            break;
        case 1:
            if (data.size() - at < 8) {
                return false;
            }
            at += 8;
            break;
        case 2:
            if (!readVarint(data, at, value) || value > data.size() - at) {
                return false;
            }
            bytes.assign(data, at, static_cast<size_t>(value));
            at += static_cast<size_t>(value);
            break;
        case 5:
            if (data.size() - at < 4) {
                return false;
            }
            at += 4;
            break;
        default:
            return false;
        }
        onField(number, wireType, value, bytes);
    }
    return true;
}

/// SentencePieceText { repeated SentencePiece pieces = 2; } with SentencePiece { piece = 1,
/// id = 2, surface = 3, begin = 4, end = 5 }.
std::vector<EncodedPiece> parseSentencePieceText(const std::string& data)
{
    std::vector<EncodedPiece> pieces;
    const bool ok = forEachField(
        data, [&pieces](uint32_t number, uint32_t wireType, uint64_t, const std::string& bytes) {
            if (number != 2 || wireType != 2) {
                return;
            }
            EncodedPiece piece;
            forEachField(bytes,
                [&piece](uint32_t field, uint32_t type, uint64_t value, const std::string& text) {
                    if (field == 1 && type == 2) {
                        piece.piece = text;
                    } else if (field == 2 && type == 0) {
                        piece.id = static_cast<int64_t>(value);
                    } else if (field == 4 && type == 0) {
                        piece.begin = static_cast<size_t>(value);
                    } else if (field == 5 && type == 0) {
                        piece.end = static_cast<size_t>(value);
                    }
                });
            pieces.push_back(std::move(piece));
        });
    if (!ok) {
        throw Error(ErrorKind::Internal,
            "libsentencepiece returned an encoding Lumen cannot "
            "read; please report this with the input text.");
    }
    return pieces;
}

bool isBytePiece(const std::string& piece)
{
    return piece.size() == 6 && startsWith(piece, "<0x") && piece.back() == '>';
}

std::optional<AddedTokenSpec> named(const char* content, bool lstrip = false)
{
    AddedTokenSpec spec;
    spec.content = content;
    spec.lstrip = lstrip;
    return spec;
}

std::string readBinaryFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ErrorKind::Io,
            "cannot open " + path.string() + " for reading. Check that it exists and is readable.");
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace

// ---- settings ----

SentencePieceSettings SentencePieceSettings::defaults(SentencePieceFlavor flavor)
{
    SentencePieceSettings s;
    s.flavor = flavor;
    switch (flavor) {
    case SentencePieceFlavor::Albert:
        s.doLowerCase = true;
        s.bos = named("[CLS]");
        s.eos = named("[SEP]");
        s.unk = named("<unk>");
        s.sep = named("[SEP]");
        s.pad = named("<pad>");
        s.cls = named("[CLS]");
        s.mask = named("[MASK]", /*lstrip=*/true);
        break;
    case SentencePieceFlavor::T5:
        s.eos = named("</s>");
        s.unk = named("<unk>");
        s.pad = named("<pad>");
        break;
    case SentencePieceFlavor::Llama:
        s.unk = named("<unk>");
        s.bos = named("<s>");
        s.eos = named("</s>");
        s.addBosToken = true;
        s.cleanUpTokenizationSpaces = false;
        s.spacesBetweenSpecialTokens = false;
        break;
    }
    return s;
}

std::optional<SentencePieceFlavor> SentencePieceTokenizer::flavorOfClass(
    const std::string& tokenizerClass)
{
    std::string name = tokenizerClass;
    const std::string fast = "Fast";
    if (name.size() > fast.size()
        && name.compare(name.size() - fast.size(), fast.size(), fast) == 0) {
        name.resize(name.size() - fast.size());
    }
    if (name == "AlbertTokenizer") {
        return SentencePieceFlavor::Albert;
    }
    if (name == "T5Tokenizer") {
        return SentencePieceFlavor::T5;
    }
    if (name == "LlamaTokenizer") {
        return SentencePieceFlavor::Llama;
    }
    return std::nullopt;
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::fromFolder(
    const std::string& dir, SentencePieceFlavor flavor)
{
    const fs::path folder(dir);
    std::error_code error;
    const char* preferred =
        flavor == SentencePieceFlavor::Llama ? "tokenizer.model" : "spiece.model";
    const char* other = flavor == SentencePieceFlavor::Llama ? "spiece.model" : "tokenizer.model";
    fs::path modelPath = folder / preferred;
    if (!fs::is_regular_file(modelPath, error)) {
        modelPath = folder / other;
    }
    if (!fs::is_regular_file(modelPath, error)) {
        throw Error(ErrorKind::InvalidInput,
            dir + " has no " + preferred
                + ", which a SentencePiece tokenizer needs. Copy the model's "
                  "SentencePiece .model file into the folder.");
    }

    SentencePieceSettings settings = SentencePieceSettings::defaults(flavor);
    const json config = tokenizer_config::readConfig(folder);
    const std::string path = (folder / "tokenizer_config.json").string();
    settings.doLowerCase = boolField(config, path, "do_lower_case", settings.doLowerCase);
    settings.removeSpace = boolField(config, path, "remove_space", settings.removeSpace);
    settings.keepAccents = boolField(config, path, "keep_accents", settings.keepAccents);
    settings.legacy = boolField(config, path, "legacy", settings.legacy);
    settings.addPrefixSpace = boolField(config, path, "add_prefix_space", settings.addPrefixSpace);
    settings.addBosToken = boolField(config, path, "add_bos_token", settings.addBosToken);
    settings.addEosToken = boolField(config, path, "add_eos_token", settings.addEosToken);
    settings.cleanUpTokenizationSpaces =
        boolField(config, path, "clean_up_tokenization_spaces", settings.cleanUpTokenizationSpaces);
    settings.spacesBetweenSpecialTokens = boolField(
        config, path, "spaces_between_special_tokens", settings.spacesBetweenSpecialTokens);
    if (flavor != SentencePieceFlavor::Llama) {
        // Only LlamaTokenizer reads these flags; AlbertTokenizer and T5Tokenizer always add
        // their own special tokens.
        settings.addBosToken = false;
        settings.addEosToken = false;
    }
    tokenizer_config::readModelMaxLength(config, path, settings);
    bool hasAdditional = tokenizer_config::readSpecialTokens(config, path, settings);
    hasAdditional = tokenizer_config::readSpecialTokensMap(folder, settings) || hasAdditional;

    // T5Tokenizer: extra_ids sentinels <extra_id_N> when no list names them.
    int64_t extraIds = 0;
    if (flavor == SentencePieceFlavor::T5) {
        extraIds = 100;
        if (config.contains("extra_ids") && !config["extra_ids"].is_null()) {
            if (!config["extra_ids"].is_number_integer()
                || config["extra_ids"].get<int64_t>() < 0) {
                badField(path, "extra_ids", "a non-negative integer");
            }
            extraIds = config["extra_ids"].get<int64_t>();
        }
        const bool listsSentinels = std::any_of(settings.additionalSpecial.begin(),
            settings.additionalSpecial.end(), [](const AddedTokenSpec& s) {
                return s.content.find("<extra_id_") != std::string::npos;
            });
        if (!hasAdditional || !listsSentinels) {
            for (int64_t i = 0; i < extraIds; ++i) {
                AddedTokenSpec spec;
                spec.content = "<extra_id_" + std::to_string(i) + ">";
                settings.additionalSpecial.push_back(spec);
            }
        } else {
            extraIds = 0; // named by the list; their ids come from the files below
        }
    }

    const bool haveAdded = tokenizer_config::readAddedTokens(
        config, path, folder, settings, [flavor](AddedTokenSpec& spec) {
            if (flavor == SentencePieceFlavor::T5 && startsWith(spec.content, "<extra_id_")) {
                spec.lstrip = true;
                spec.rstrip = true;
            }
        });
    const std::string proto = readBinaryFile(modelPath);
    if (flavor == SentencePieceFlavor::T5 && !haveAdded && extraIds > 0) {
        // T5Tokenizer.__init__: <extra_id_i> gets len(sp_model) - 1 + extra_ids - i.
        const std::unique_ptr<Processor, SentencePieceProcessorDeleter> probe(spCreate());
        if (spLoad(*probe, proto)) {
            const int64_t size = spPieceSize(*probe);
            for (int64_t i = 0; i < extraIds; ++i) {
                AddedTokenSpec spec;
                spec.content = "<extra_id_" + std::to_string(i) + ">";
                spec.id = size - 1 + extraIds - i;
                spec.lstrip = true;
                spec.rstrip = true;
                settings.addedTokens.push_back(std::move(spec));
            }
        }
    }
    return std::make_unique<SentencePieceTokenizer>(proto, std::move(settings), modelPath.string());
}

// ---- construction ----

SentencePieceTokenizer::SentencePieceTokenizer(
    const std::string& modelProto, SentencePieceSettings settings, const std::string& modelPath)
    : settings_(std::move(settings))
{
    sp_.reset(spCreate());
    std::string proto = modelProto;
    if (settings_.flavor != SentencePieceFlavor::Albert && !settings_.legacy) {
        // The reference merges NormalizerSpec(add_dummy_prefix=False) into the model; a
        // second normalizer_spec field (3) appended to the message is merged the same way.
        proto.append("\x1A\x02\x18\x00", 4);
    }
    if (!spLoad(*sp_, proto)) {
        throw Error(ErrorKind::InvalidInput,
            modelPath
                + " is not a SentencePiece model (libsentencepiece cannot parse "
                  "it). Replace it with the model's spiece.model / "
                  "tokenizer.model.");
    }
    pieceCount_ = spPieceSize(*sp_);
    vocabSize_ = pieceCount_;
    unkId_ = spUnkId(*sp_);

    const std::vector<AddedTokenSpec> specials = registerAddedTokens(
        settings_, addedEncoder_, [this](AddedTokenSpec spec) { registerAdded(std::move(spec)); });
    addedIndex_ = AddedTokenIndex(added_);
    if (settings_.flavor == SentencePieceFlavor::Albert && settings_.doLowerCase) {
        protectedFromLowering_ = protectedFromLowering(specials, added_);
    }
    for (const AddedTokenSpec& spec : specials) {
        allSpecialTokens_.insert(spec.content);
        allSpecialIds_.insert(pieceToId(spec.content));
    }
    for (const auto& [content, id] : addedEncoder_) {
        if (allSpecialTokens_.count(content) == 0) {
            legacyAdded_.insert(content);
        }
    }
    for (const AddedTokenSpec& spec : settings_.additionalSpecial) {
        if (pieceToId(spec.content) >= pieceCount_) {
            legacyAdded_.insert(spec.content);
        }
    }
    specialIds_ = specialTokenIds(
        settings_, [this](const std::string& token) { return tokenToId(token); });
    const std::string unkText = settings_.unk ? settings_.unk->content : std::string("<unk>");
    unkTokenLength_ = spEncodeAsPieces(*sp_, unkText).size();
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::registerAdded(AddedTokenSpec spec)
{
    if (spec.content.empty()) {
        return;
    }
    if (spec.id < 0) {
        if (const auto it = addedEncoder_.find(spec.content); it != addedEncoder_.end()) {
            spec.id = it->second;
        } else if (const int id = spPieceToId(*sp_, spec.content);
                   id != unkId_ || spIdToPiece(*sp_, id) == spec.content) {
            spec.id = id;
        } else {
            spec.id = vocabSize_;
        }
    }
    vocabSize_ = std::max(vocabSize_, spec.id + 1);
    addedEncoder_[spec.content] = spec.id;
    addedDecoder_[spec.id] = spec.content;
    AddedToken token;
    token.content = unicode::decodeUtf8(spec.content);
    token.spec = std::move(spec);
    const auto same = std::find_if(added_.begin(), added_.end(),
        [&token](const AddedToken& t) { return t.content == token.content; });
    if (same != added_.end()) {
        *same = std::move(token);
    } else {
        added_.push_back(std::move(token));
    }
}

// ---- tokenizing ----

std::vector<SentencePieceTokenizer::Piece> SentencePieceTokenizer::tokenizePieces(
    const std::string& text) const
{
    const std::u32string original = unicode::decodeUtf8(text);
    MappedText chars = unicode::mapIdentity(original);
    const bool nonLegacy = settings_.flavor != SentencePieceFlavor::Albert && !settings_.legacy;
    if (nonLegacy && !chars.empty()) {
        // T5Tokenizer.tokenize / LlamaTokenizer.tokenize
        for (MappedChar& c : chars) {
            if (c.cp == kSpiece) {
                c.cp = U' ';
            }
        }
        if (settings_.addPrefixSpace) {
            chars.insert(chars.begin(), MappedChar { kSpiece, 0, 0 });
        }
    }

    // 1. PreTrainedTokenizer.tokenize lower-cases everything but the special tokens, one
    //    character at a time, for tokenizers with do_lower_case (ALBERT).
    MappedText text1;
    if (!protectedFromLowering_.empty()
        || (settings_.flavor == SentencePieceFlavor::Albert && settings_.doLowerCase)) {
        text1 = lowerOutside(chars, protectedFromLowering_);
    } else {
        text1 = std::move(chars);
    }

    // 2. Split out the added tokens, leftmost longest match (the reference's Trie.split);
    // 3. their lstrip / rstrip / single_word flags act on their neighbours.
    const std::vector<AddedTokenSegment> segments = addedIndex_.split(text1, added_);

    // 4. Added tokens stay whole; the text between them goes through SentencePiece.
    std::vector<Piece> pieces;
    for (const AddedTokenSegment& segment : segments) {
        if (segment.chars.empty()) {
            continue;
        }
        if (segment.added >= 0) {
            const AddedToken& token = added_[static_cast<size_t>(segment.added)];
            int64_t begin = segment.chars.front().begin;
            int64_t end = segment.chars.back().end;
            pieces.push_back({ token.spec.id, token.spec.content, begin, end, token.spec.special });
        } else {
            encodeSegment(segment.chars, pieces);
        }
    }
    if (nonLegacy && pieces.size() > 1 && pieces[0].token == kSpieceUtf8
        && allSpecialTokens_.count(pieces[1].token) > 0) {
        pieces.erase(pieces.begin());
    }
    return pieces;
}

MappedText SentencePieceTokenizer::albertPreprocess(const MappedText& text) const
{
    // AlbertTokenizer.preprocess_text
    MappedText out;
    if (settings_.removeSpace) {
        // " ".join(inputs.strip().split()); the joining space stands for the gap it replaces.
        size_t i = 0;
        bool firstWord = true;
        while (i < text.size()) {
            size_t gapStart = i;
            while (i < text.size() && unicode::isPythonSpace(text[i].cp)) {
                ++i;
            }
            if (i >= text.size()) {
                break;
            }
            if (!firstWord) {
                out.push_back({ U' ', text[gapStart].begin, text[i - 1].end });
            }
            firstWord = false;
            while (i < text.size() && !unicode::isPythonSpace(text[i].cp)) {
                out.push_back(text[i]);
                ++i;
            }
        }
    } else {
        out = text;
    }
    // .replace("``", '"').replace("''", '"')
    for (const char32_t quote : { U'`', U'\'' }) {
        MappedText replaced;
        replaced.reserve(out.size());
        for (size_t i = 0; i < out.size(); ++i) {
            if (out[i].cp == quote && i + 1 < out.size() && out[i + 1].cp == quote) {
                replaced.push_back({ U'"', out[i].begin, out[i + 1].end });
                ++i;
            } else {
                replaced.push_back(out[i]);
            }
        }
        out = std::move(replaced);
    }
    if (!settings_.keepAccents) {
        const MappedText decomposed = unicode::normalize(out, unicode::NormalForm::Nfkd);
        out.clear();
        for (const MappedChar& c : decomposed) {
            if (u_getCombiningClass(static_cast<UChar32>(c.cp)) == 0) {
                out.push_back(c);
            } else if (!out.empty() && out.back().end <= c.begin) {
                // A dropped accent stays part of the character it was written on.
                out.back().end = std::max(out.back().end, c.end);
            }
        }
    }
    if (settings_.doLowerCase) {
        out = unicode::lowerEachChar(out);
    }
    return out;
}

void SentencePieceTokenizer::encodeSegment(const MappedText& segment, std::vector<Piece>& out) const
{
    switch (settings_.flavor) {
    case SentencePieceFlavor::Albert: {
        const MappedText input = albertPreprocess(segment);
        std::vector<Piece> pieces;
        encodeWithSentencePiece(input, 0, pieces);
        out.insert(out.end(), pieces.begin(), pieces.end());
        return;
    }
    case SentencePieceFlavor::T5:
    case SentencePieceFlavor::Llama:
        break;
    }
    const bool startsWithSpace = segment.front().cp == kSpiece || segment.front().cp == U' ';
    if (settings_.legacy || !startsWithSpace) {
        encodeWithSentencePiece(segment, 0, out);
        return;
    }
    // Encode "<unk>" + text and drop the unknown token's pieces: SentencePiece keeps the
    // leading "▁" that way.
    const std::string unkText = settings_.unk ? settings_.unk->content : std::string("<unk>");
    const int64_t at = segment.front().begin;
    MappedText input;
    for (const char32_t c : unicode::decodeUtf8(unkText)) {
        input.push_back({ c, at, at });
    }
    input.insert(input.end(), segment.begin(), segment.end());
    encodeWithSentencePiece(input, unkTokenLength_, out);
}

void SentencePieceTokenizer::encodeWithSentencePiece(
    const MappedText& input, size_t skipPieces, std::vector<Piece>& out) const
{
    std::string utf8;
    std::vector<size_t> charStart;
    charStart.reserve(input.size() + 1);
    for (const MappedChar& c : input) {
        charStart.push_back(utf8.size());
        unicode::appendUtf8(utf8, c.cp);
    }
    charStart.push_back(utf8.size());
    const size_t n = input.size();
    // The character that holds byte `byte` (n at the end); `roundUp` for an end position.
    auto charAt = [&charStart, n](size_t byte, bool roundUp) {
        const auto it = std::upper_bound(charStart.begin(), charStart.end(), byte);
        size_t index = static_cast<size_t>(it - charStart.begin()) - 1;
        if (roundUp && index < n && charStart[index] < byte) {
            ++index;
        }
        return std::min(index, n);
    };
    auto rangeOf = [&input, n](size_t first, size_t last) {
        int64_t begin = 0;
        int64_t end = 0;
        bool any = false;
        for (size_t k = first; k < last; ++k) {
            if (input[k].begin == input[k].end) {
                continue;
            }
            begin = any ? std::min(begin, input[k].begin) : input[k].begin;
            end = any ? std::max(end, input[k].end) : input[k].end;
            any = true;
        }
        if (!any) {
            const int64_t at = first < n ? input[first].begin : (n > 0 ? input[n - 1].end : 0);
            begin = at;
            end = at;
        }
        return std::make_pair(begin, end);
    };

    const std::vector<EncodedPiece> spPieces =
        parseSentencePieceText(spEncodeAsSerializedProto(*sp_, utf8));
    const size_t skip = spPieces.size() >= skipPieces ? skipPieces : 0;
    const size_t firstOut = out.size();
    for (size_t i = skip; i < spPieces.size(); ++i) {
        const auto& p = spPieces[i];
        const size_t first = charAt(p.begin, /*roundUp=*/false);
        const size_t last = std::max(first, charAt(p.end, /*roundUp=*/true));
        const std::string& token = p.piece;
        const auto [begin, end] = rangeOf(first, last);

        // AlbertTokenizer._tokenize: "▁9," -> "▁9", "," (google-research/bert's README).
        const std::u32string chars = unicode::decodeUtf8(token);
        if (settings_.flavor == SentencePieceFlavor::Albert && chars.size() > 1
            && chars.back() == U',' && isPythonDigit(chars[chars.size() - 2])) {
            std::u32string stem = chars.substr(0, chars.size() - 1);
            stem.erase(std::remove(stem.begin(), stem.end(), kSpiece), stem.end());
            std::vector<std::string> sub = spEncodeAsPieces(*sp_, unicode::encodeUtf8(stem));
            if (chars.front() != kSpiece && !sub.empty() && startsWith(sub.front(), kSpieceUtf8)) {
                if (sub.front() == kSpieceUtf8) {
                    sub.erase(sub.begin());
                } else {
                    sub.front().erase(0, 3);
                }
            }
            // Offsets: the comma is the surface's last character; the sub-pieces share the
            // characters before it, one by one when their lengths add up.
            std::vector<size_t> visible; // input characters of the stem, spaces skipped
            const size_t commaAt = last > first ? last - 1 : first;
            for (size_t k = first; k < commaAt; ++k) {
                if (input[k].cp != U' ' && input[k].cp != kSpiece) {
                    visible.push_back(k);
                }
            }
            size_t total = 0;
            std::vector<size_t> lengths;
            for (const std::string& s : sub) {
                std::u32string u = unicode::decodeUtf8(s);
                lengths.push_back(static_cast<size_t>(
                    std::count_if(u.begin(), u.end(), [](char32_t c) { return c != kSpiece; })));
                total += lengths.back();
            }
            size_t cursor = 0;
            for (size_t s = 0; s < sub.size(); ++s) {
                std::pair<int64_t, int64_t> range;
                if (total == visible.size() && lengths[s] > 0) {
                    range = rangeOf(visible[cursor], visible[cursor + lengths[s] - 1] + 1);
                } else if (!visible.empty()) {
                    range = rangeOf(visible.front(), visible.back() + 1);
                } else {
                    range = { begin, begin };
                }
                cursor += lengths[s];
                out.push_back({ pieceToId(sub[s]), sub[s], range.first, range.second, false });
            }
            const auto comma = last > first ? rangeOf(last - 1, last) : std::make_pair(end, end);
            out.push_back({ pieceToId(","), ",", comma.first, comma.second, false });
            continue;
        }
        out.push_back({ pieceToId(token), token, begin, end, false });
    }
    // Byte fallback: SentencePiece gives the character to the last of its <0xNN> pieces and
    // empty ranges to the others; give all of them the character.
    for (size_t i = out.size(); i-- > firstOut;) {
        if (i + 1 >= out.size()) {
            continue;
        }
        Piece& piece = out[i];
        const Piece& next = out[i + 1];
        if (piece.begin == piece.end && isBytePiece(piece.token) && isBytePiece(next.token)
            && next.begin == piece.begin) {
            piece.end = next.end;
        }
    }
}

int64_t SentencePieceTokenizer::pieceToId(const std::string& piece) const
{
    if (const auto it = addedEncoder_.find(piece); it != addedEncoder_.end()) {
        return it->second;
    }
    return spPieceToId(*sp_, piece);
}

std::vector<std::string> SentencePieceTokenizer::tokenize(const std::string& text) const
{
    std::vector<Piece> pieces = tokenizePieces(text);
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (Piece& piece : pieces) {
        out.push_back(std::move(piece.token));
    }
    return out;
}

// ---- encoding ----

std::vector<int64_t> SentencePieceTokenizer::specialsBefore() const
{
    switch (settings_.flavor) {
    case SentencePieceFlavor::Albert:
        return { requireSpecialId(specialIds_.cls, "cls") };
    case SentencePieceFlavor::T5:
        return {};
    case SentencePieceFlavor::Llama:
        if (settings_.addBosToken) {
            return { requireSpecialId(specialIds_.bos, "bos") };
        }
        return {};
    }
    return {};
}

std::vector<int64_t> SentencePieceTokenizer::specialsAfter() const
{
    switch (settings_.flavor) {
    case SentencePieceFlavor::Albert:
        return { requireSpecialId(specialIds_.sep, "sep") };
    case SentencePieceFlavor::T5:
        return { requireSpecialId(specialIds_.eos, "eos") };
    case SentencePieceFlavor::Llama:
        if (settings_.addEosToken) {
            return { requireSpecialId(specialIds_.eos, "eos") };
        }
        return {};
    }
    return {};
}

Encoding SentencePieceTokenizer::assemble(
    const std::vector<Piece>& first, const std::vector<Piece>* second, bool addSpecial) const
{
    Encoding encoding;
    if (!addSpecial) {
        appendPieces(encoding, *this, first, 0);
        if (second != nullptr) {
            appendPieces(encoding, *this, *second, 0);
        }
        return encoding;
    }
    const std::vector<int64_t> before = specialsBefore();
    const std::vector<int64_t> after = specialsAfter();
    const bool t5 = settings_.flavor == SentencePieceFlavor::T5;
    auto addSequence = [&](const std::vector<Piece>& pieces, bool leading, int64_t typeId) {
        if (leading) {
            for (const int64_t id : before) {
                appendSpecial(encoding, *this, id, typeId);
            }
        }
        appendPieces(encoding, *this, pieces, typeId);
        // T5Tokenizer._add_eos_if_not_present
        if (t5 && !pieces.empty() && !after.empty() && pieces.back().id == after.front()) {
            return;
        }
        for (const int64_t id : after) {
            appendSpecial(encoding, *this, id, typeId);
        }
    };
    addSequence(first, true, 0);
    if (second != nullptr) {
        const int64_t typeId = t5 ? 0 : 1;
        addSequence(*second, settings_.flavor == SentencePieceFlavor::Llama, typeId);
    }
    return encoding;
}

Encoding SentencePieceTokenizer::encode(const std::string& text, const EncodeOptions& options) const
{
    std::vector<Piece> pieces = tokenizePieces(text);
    const auto specials = options.addSpecialTokens
        ? static_cast<int64_t>(specialsBefore().size() + specialsAfter().size())
        : 0;
    bool truncated = false;
    if (options.maxLength > 0) {
        requireRoom(options.maxLength, specials, /*pair=*/false);
        const auto keep = static_cast<size_t>(options.maxLength - specials);
        if (pieces.size() > keep) {
            pieces.resize(keep);
            truncated = true;
        }
    }
    Encoding encoding = assemble(pieces, nullptr, options.addSpecialTokens);
    encoding.truncated = truncated;
    return encoding;
}

Encoding SentencePieceTokenizer::encodePair(
    const std::string& text, const std::string& pair, const EncodeOptions& options) const
{
    std::vector<Piece> first = tokenizePieces(text);
    std::vector<Piece> second = tokenizePieces(pair);
    int64_t specials = 0;
    if (options.addSpecialTokens) {
        const auto before = static_cast<int64_t>(specialsBefore().size());
        const auto after = static_cast<int64_t>(specialsAfter().size());
        switch (settings_.flavor) {
        case SentencePieceFlavor::Albert:
            specials = before + 2 * after;
            break;
        case SentencePieceFlavor::T5:
            specials = 2 * after;
            break;
        case SentencePieceFlavor::Llama:
            specials = 2 * (before + after);
            break;
        }
    }
    bool truncated = false;
    if (options.maxLength > 0) {
        requireRoom(options.maxLength, specials, /*pair=*/true);
        // 'longest_first': one token at a time from the longer text, the second on a tie.
        const auto limit = static_cast<size_t>(options.maxLength - specials);
        truncated = truncateLongestFirst(first, second, limit);
    }
    Encoding encoding = assemble(first, &second, options.addSpecialTokens);
    encoding.truncated = truncated;
    return encoding;
}

// ---- decoding ----

std::string SentencePieceTokenizer::idToToken(int64_t id) const
{
    if (const auto it = addedDecoder_.find(id); it != addedDecoder_.end()) {
        return it->second;
    }
    if (id >= 0 && id < pieceCount_) {
        return spIdToPiece(*sp_, static_cast<int>(id));
    }
    return settings_.unk ? settings_.unk->content : std::string("<unk>");
}

std::optional<int64_t> SentencePieceTokenizer::tokenToId(const std::string& token) const
{
    if (const auto it = addedEncoder_.find(token); it != addedEncoder_.end()) {
        return it->second;
    }
    const int id = spPieceToId(*sp_, token);
    if (id == unkId_ && spIdToPiece(*sp_, id) != token) {
        return std::nullopt;
    }
    return id;
}

std::string SentencePieceTokenizer::decodePieces(const std::vector<std::string>& pieces) const
{
    if (pieces.empty()) {
        return {};
    }
    return spDecodePieces(*sp_, pieces);
}

std::string SentencePieceTokenizer::tokensToString(std::vector<std::string> tokens) const
{
    // convert_tokens_to_string of AlbertTokenizer, T5Tokenizer and LlamaTokenizer: special
    // tokens are written as they are, the pieces between them decoded by SentencePiece.
    const bool llama = settings_.flavor == SentencePieceFlavor::Llama;
    if (settings_.flavor == SentencePieceFlavor::T5 && !tokens.empty()) {
        std::string& head = tokens.front();
        while (startsWith(head, kSpieceUtf8)) {
            head.erase(0, 3);
        }
    }
    if (llama && !tokens.empty() && settings_.addPrefixSpace
        && startsWith(tokens.front(), kSpieceUtf8)) {
        tokens.front().erase(0, 3);
    }
    std::vector<std::string> current;
    std::string out;
    bool previousSpecial = false;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& token = tokens[i];
        if (allSpecialTokens_.count(token) > 0) {
            if (!previousSpecial && (!llama || (i != 0 && settings_.legacy))) {
                out.push_back(' ');
            }
            out += decodePieces(current) + token;
            previousSpecial = true;
            current.clear();
        } else {
            if (llama && previousSpecial && i == 1 && settings_.addPrefixSpace
                && !startsWith(token, kSpieceUtf8)) {
                out.push_back(' ');
            }
            current.push_back(token);
            previousSpecial = false;
        }
    }
    out += decodePieces(current);
    return llama ? out : pythonStrip(out);
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const
{
    // PreTrainedTokenizer._decode: non-special added tokens (and T5's sentinels beyond the
    // SentencePiece vocabulary) stand apart; the rest goes through convert_tokens_to_string.
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int64_t id : ids) {
        if (skipSpecial && allSpecialIds_.count(id) > 0) {
            continue;
        }
        tokens.push_back(idToToken(id));
    }
    return joinDecoded(
        std::move(tokens), legacyAdded_,
        [this](std::vector<std::string> run) { return tokensToString(std::move(run)); },
        settings_.spacesBetweenSpecialTokens, settings_.cleanUpTokenizationSpaces);
}

} // namespace lumen::engine
