// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tokenizer.json normalizers (tokenizers 0.19, src/normalizers/).
#include "tokenizers/hf/components.h"
#include "tokenizers/hf/components_internal.h"
#include "tokenizers/hf/precompiled_charsmap.h"

#include <unicode/ubrk.h>
#include <unicode/utext.h>

namespace lumen::engine::hf {

namespace {

const std::string kKnown =
    joinKnown({ "BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents",
        "Strip", "Replace", "Prepend", "Append", "Precompiled", "Nmt", "ByteLevel", "Sequence" });

class BertNormalizer final : public Normalizer {
public:
    explicit BertNormalizer(const JsonReader& spec)
        : cleanText_(spec.boolean("clean_text", true))
        , chineseChars_(spec.boolean("handle_chinese_chars", true))
        , lowercase_(spec.boolean("lowercase", true))
    {
        // strip_accents: null follows lowercase.
        stripAccents_ =
            spec.given("strip_accents") ? spec.boolean("strip_accents", false) : lowercase_;
    }

    void normalize(NormalizedString& text) const override
    {
        if (cleanText_) {
            text.filter([](char32_t c) {
                const bool control = c != '\t' && c != '\n' && c != '\r' && isOther(c);
                return !(c == 0 || c == 0xFFFD || control);
            });
            text.map([](char32_t c) {
                return (c == '\t' || c == '\n' || c == '\r' || isWhitespace(c)) ? U' ' : c;
            });
        }
        if (chineseChars_) {
            bool any = false;
            for (const auto& c : text.chars()) {
                if (isChineseChar(c.cp)) {
                    any = true;
                    break;
                }
            }
            if (any) {
                std::vector<CharChange> changes;
                changes.reserve(text.size() + 16);
                for (const auto& c : text.chars()) {
                    if (isChineseChar(c.cp)) {
                        changes.push_back({ U' ', 0 });
                        changes.push_back({ c.cp, 1 });
                        changes.push_back({ U' ', 1 });
                    } else {
                        changes.push_back({ c.cp, 0 });
                    }
                }
                text.transform(changes, 0);
            }
        }
        if (stripAccents_) {
            stripAccents(text);
        }
        if (lowercase_) {
            text.lowercase();
        }
    }

    static void stripAccents(NormalizedString& text)
    {
        bool ascii = true;
        for (const auto& c : text.chars()) {
            if (c.cp >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (!ascii) {
            text.normalize(unicode::NormalForm::Nfd);
            text.filter([](char32_t c) { return !isNonspacingMark(c); });
        }
    }

private:
    bool cleanText_;
    bool chineseChars_;
    bool lowercase_;
    bool stripAccents_ = false;
};

class UnicodeNormalizer final : public Normalizer {
public:
    explicit UnicodeNormalizer(unicode::NormalForm form)
        : form_(form)
    {
    }
    void normalize(NormalizedString& text) const override { text.normalize(form_); }

private:
    unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
public:
    void normalize(NormalizedString& text) const override { text.lowercase(); }
};

class StripAccents final : public Normalizer {
public:
    // The reference removes non-spacing marks only; NFD/NFKD before it is the file's choice.
    void normalize(NormalizedString& text) const override
    {
        text.filter([](char32_t c) { return !isNonspacingMark(c); });
    }
};

class Strip final : public Normalizer {
public:
    explicit Strip(const JsonReader& spec)
        : left_(spec.boolean("strip_left", true))
        , right_(spec.boolean("strip_right", true))
    {
    }
    void normalize(NormalizedString& text) const override { text.strip(left_, right_); }

private:
    bool left_;
    bool right_;
};

class Replace final : public Normalizer {
public:
    explicit Replace(const JsonReader& spec)
        : pattern_(readPattern(spec, "pattern"))
        , content_(unicode::decodeUtf8(spec.string("content")))
    {
    }
    void normalize(NormalizedString& text) const override
    {
        text.replace(pattern_.find(text), content_);
    }

private:
    Pattern pattern_;
    std::u32string content_;
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(const JsonReader& spec, const char* key, bool front)
        : text_(unicode::decodeUtf8(spec.string(key)))
        , front_(front)
    {
    }
    void normalize(NormalizedString& text) const override
    {
        if (front_) {
            text.prepend(text_);
        } else {
            text.append(text_);
        }
    }

private:
    std::u32string text_;
    bool front_;
};

/// SentencePiece's compiled rules, applied per grapheme cluster as the reference does: a
/// cluster of fewer than 6 bytes is looked up whole first, otherwise (or when that finds
/// nothing) each character on its own.
class Precompiled final : public Normalizer {
public:
    explicit Precompiled(const JsonReader& spec)
        : charsmap_(decodeBase64(spec.string("precompiled_charsmap"),
                        spec.file() + ": \"" + spec.path() + ".precompiled_charsmap\""),
            spec.file() + ": \"" + spec.path() + "\"")
    {
    }

    void normalize(NormalizedString& text) const override
    {
        if (text.empty()) {
            return;
        }
        const auto& chars = text.chars();
        std::string utf8;
        std::vector<size_t> charStart; // byte offset of each character, plus the end
        charStart.reserve(chars.size() + 1);
        for (const auto& c : chars) {
            charStart.push_back(utf8.size());
            unicode::appendUtf8(utf8, c.cp);
        }
        charStart.push_back(utf8.size());

        unicode::MappedText out;
        out.reserve(chars.size());
        bool modified = false;
        auto emit = [&out](std::string_view replacement, int64_t begin, int64_t end) {
            for (const char32_t cp : unicode::decodeUtf8(replacement)) {
                out.push_back({ cp, begin, end });
            }
        };
        size_t charIndex = 0;
        forEachGrapheme(utf8, [&](size_t byteBegin, size_t byteEnd) {
            const size_t first = charIndex;
            size_t last = first;
            while (last < chars.size() && charStart[last] < byteEnd) {
                ++last;
            }
            charIndex = last;
            const std::string_view grapheme(utf8.data() + byteBegin, byteEnd - byteBegin);
            if (grapheme.size() < 6) {
                if (const auto norm = charsmap_.transform(grapheme)) {
                    modified = true;
                    emit(*norm, chars[first].begin, chars[last - 1].end);
                    return;
                }
            }
            for (size_t k = first; k < last; ++k) {
                const std::string_view one(
                    utf8.data() + charStart[k], charStart[k + 1] - charStart[k]);
                if (const auto norm = charsmap_.transform(one)) {
                    modified = true;
                    emit(*norm, chars[k].begin, chars[k].end);
                } else {
                    out.push_back(chars[k]);
                }
            }
        });
        if (modified) {
            text.assignChars(std::move(out));
        }
    }

private:
    /// Extended grapheme clusters of UTF-8 `text`, as [begin, end) bytes (ICU's rules).
    template<typename F> static void forEachGrapheme(const std::string& text, F&& f)
    {
        UErrorCode status = U_ZERO_ERROR;
        UText* ut =
            utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
        UBreakIterator* it = ubrk_open(UBRK_CHARACTER, "", nullptr, 0, &status);
        if (U_SUCCESS(status)) {
            ubrk_setUText(it, ut, &status);
        }
        if (U_FAILURE(status)) {
            // No break iterator: every character on its own (only ICU data missing does this).
            ubrk_close(it);
            utext_close(ut);
            size_t i = 0;
            while (i < text.size()) {
                const auto lead = static_cast<unsigned char>(text[i]);
                const size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
                f(i, std::min(text.size(), i + n));
                i += n;
            }
            return;
        }
        int32_t begin = ubrk_first(it);
        for (int32_t end = ubrk_next(it); end != UBRK_DONE; end = ubrk_next(it)) {
            f(static_cast<size_t>(begin), static_cast<size_t>(end));
            begin = end;
        }
        ubrk_close(it);
        utext_close(ut);
    }

    PrecompiledCharsmap charsmap_;
};

/// Nmt: removes some control characters and maps other white space to a space.
class Nmt final : public Normalizer {
public:
    void normalize(NormalizedString& text) const override
    {
        text.filter([](char32_t c) {
            return !((c >= 0x0001 && c <= 0x0008) || c == 0x000B || (c >= 0x000E && c <= 0x001F)
                || c == 0x007F || c == 0x008F || c == 0x009F);
        });
        text.map([](char32_t c) {
            switch (c) {
            case 0x0009:
            case 0x000A:
            case 0x000C:
            case 0x000D:
            case 0x1680:
            case 0x2028:
            case 0x2029:
            case 0x2581:
            case 0xFEFF:
            case 0xFFFD:
                return U' ';
            default:
                return (c >= 0x200B && c <= 0x200F) ? U' ' : c;
            }
        });
    }
};

/// ByteLevel as a normalizer: every character becomes the byte characters of its UTF-8.
class ByteLevelNormalizer final : public Normalizer {
public:
    void normalize(NormalizedString& text) const override
    {
        std::vector<CharChange> changes;
        changes.reserve(text.size() * 2);
        std::string bytes;
        for (const auto& c : text.chars()) {
            bytes.clear();
            unicode::appendUtf8(bytes, c.cp);
            for (size_t i = 0; i < bytes.size(); ++i) {
                changes.push_back({ byteChar(static_cast<uint8_t>(bytes[i])), i == 0 ? 0 : 1 });
            }
        }
        text.transform(changes, 0);
    }
};

class Sequence final : public Normalizer {
public:
    explicit Sequence(const JsonReader& spec)
    {
        for (const JsonReader& item : spec.list("normalizers")) {
            if (auto n = makeNormalizer(item)) {
                steps_.push_back(std::move(n));
            }
        }
    }
    void normalize(NormalizedString& text) const override
    {
        for (const auto& step : steps_) {
            step->normalize(text);
        }
    }

private:
    std::vector<std::unique_ptr<Normalizer>> steps_;
};

} // namespace

std::unique_ptr<Normalizer> makeNormalizer(const JsonReader& spec)
{
    if (spec.json().is_null()) {
        return nullptr;
    }
    const std::string type = spec.type();
    if (type == "BertNormalizer") {
        return std::make_unique<BertNormalizer>(spec);
    }
    if (type == "Lowercase") {
        return std::make_unique<Lowercase>();
    }
    if (type == "NFC") {
        return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::Nfc);
    }
    if (type == "NFD") {
        return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::Nfd);
    }
    if (type == "NFKC") {
        return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::Nfkc);
    }
    if (type == "NFKD") {
        return std::make_unique<UnicodeNormalizer>(unicode::NormalForm::Nfkd);
    }
    if (type == "StripAccents") {
        return std::make_unique<StripAccents>();
    }
    if (type == "Strip") {
        return std::make_unique<Strip>(spec);
    }
    if (type == "Replace") {
        return std::make_unique<Replace>(spec);
    }
    if (type == "Prepend") {
        return std::make_unique<Prepend>(spec, "prepend", /*front=*/true);
    }
    if (type == "Append") {
        return std::make_unique<Prepend>(spec, "append", /*front=*/false);
    }
    if (type == "Precompiled") {
        return std::make_unique<Precompiled>(spec);
    }
    if (type == "Nmt") {
        return std::make_unique<Nmt>();
    }
    if (type == "ByteLevel") {
        return std::make_unique<ByteLevelNormalizer>();
    }
    if (type == "Sequence") {
        return std::make_unique<Sequence>(spec);
    }
    spec.unsupported("normalizer type \"" + type + "\"", kKnown);
}

} // namespace lumen::engine::hf
