// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// A long text as per-window encodings: encode once without special tokens, cut with
// slidingWindows, wrap each window in the special tokens the tokenizer puts around one text
// (Hugging Face's return_overflowing_tokens does the same).

#include "lumen/engine/analysis.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <string>

namespace lumen::engine {

namespace {

/// The special tokens a tokenizer adds before and after a single text, learned from the
/// tokenizer itself: the same one-word probe encoded with and without them.
struct SpecialFrame {
    Encoding prefix;
    Encoding suffix;
};

Encoding slice(const Encoding& e, size_t begin, size_t end)
{
    Encoding out;
    out.ids.assign(e.ids.begin() + begin, e.ids.begin() + end);
    out.tokens.assign(e.tokens.begin() + begin, e.tokens.begin() + end);
    out.offsets.assign(e.offsets.begin() + begin, e.offsets.begin() + end);
    out.typeIds.assign(e.typeIds.begin() + begin, e.typeIds.begin() + end);
    out.specialMask.assign(e.specialMask.begin() + begin, e.specialMask.begin() + end);
    return out;
}

void append(Encoding& to, const Encoding& from, size_t begin, size_t end)
{
    to.ids.insert(to.ids.end(), from.ids.begin() + begin, from.ids.begin() + end);
    to.tokens.insert(to.tokens.end(), from.tokens.begin() + begin, from.tokens.begin() + end);
    to.offsets.insert(to.offsets.end(), from.offsets.begin() + begin, from.offsets.begin() + end);
    to.typeIds.insert(to.typeIds.end(), from.typeIds.begin() + begin, from.typeIds.begin() + end);
    to.specialMask.insert(
        to.specialMask.end(), from.specialMask.begin() + begin, from.specialMask.begin() + end);
}

/// Every per-token list must run alongside the ids (the slicing below relies on it).
void requireParallel(const Encoding& e, const Tokenizer& tokenizer)
{
    const size_t n = e.ids.size();
    if (e.tokens.size() != n || e.offsets.size() != n || e.typeIds.size() != n
        || e.specialMask.size() != n) {
        throw Error(ErrorKind::Internal,
            "the " + tokenizer.kind()
                + " tokenizer returned an encoding whose token, offset, segment or "
                  "special-mask lists differ in length from its ids.");
    }
}

SpecialFrame specialFrame(const Tokenizer& tokenizer)
{
    const std::string probe = "a";
    EncodeOptions with;
    with.addSpecialTokens = true;
    EncodeOptions without;
    without.addSpecialTokens = false;
    const Encoding framed = tokenizer.encode(probe, with);
    const Encoding bare = tokenizer.encode(probe, without);
    requireParallel(framed, tokenizer);
    const auto at =
        std::search(framed.ids.begin(), framed.ids.end(), bare.ids.begin(), bare.ids.end());
    if (bare.ids.empty() || at == framed.ids.end()) {
        throw Error(ErrorKind::Unsupported,
            "cannot tell which special tokens this " + tokenizer.kind()
                + " tokenizer puts around a text (its encoding of \"" + probe
                + "\" with special tokens does not contain the one without); encode "
                  "the windows yourself with slidingWindows.");
    }
    const auto begin = static_cast<size_t>(at - framed.ids.begin());
    SpecialFrame frame;
    frame.prefix = slice(framed, 0, begin);
    frame.suffix = slice(framed, begin + bare.ids.size(), framed.ids.size());
    return frame;
}

} // namespace

WindowedEncoding encodeWindows(
    const Tokenizer& tokenizer, const std::string& text, const WindowEncodeConfig& config)
{
    const int64_t maxLength = config.maxLength > 0 ? config.maxLength : tokenizer.modelMaxLength();
    if (config.maxLength < 0 || maxLength <= 0) {
        throw Error(ErrorKind::InvalidInput,
            config.maxLength < 0
                ? "maximum length " + std::to_string(config.maxLength)
                    + " is negative; use a positive length, or 0 for the tokenizer's own."
                : std::string("no maximum length was given and the tokenizer declares "
                              "none (model_max_length); set WindowEncodeConfig::maxLength."));
    }
    const SpecialFrame frame = specialFrame(tokenizer);
    WindowedEncoding out;
    out.prefixLength = static_cast<int64_t>(frame.prefix.size());
    out.suffixLength = static_cast<int64_t>(frame.suffix.size());
    const int64_t specials = out.prefixLength + out.suffixLength;
    const int64_t windowSize = maxLength - specials;
    if (windowSize < 1) {
        throw Error(ErrorKind::InvalidInput,
            "maximum length " + std::to_string(maxLength)
                + " leaves no room for text: this tokenizer adds " + std::to_string(specials)
                + " special tokens to every window; use a " + "maximum length of at least "
                + std::to_string(specials + 1) + ".");
    }
    if (config.stride < 0 || config.stride >= windowSize) {
        throw Error(ErrorKind::InvalidInput,
            "stride " + std::to_string(config.stride) + " does not fit: a window of "
                + "maximum length " + std::to_string(maxLength) + " holds "
                + std::to_string(windowSize) + " text tokens (" + std::to_string(specials)
                + " are special), and consecutive windows overlap by `stride` of them; "
                + "use a stride from 0 to " + std::to_string(windowSize - 1)
                + " or a larger maximum length.");
    }
    EncodeOptions bare;
    bare.addSpecialTokens = false;
    out.text = tokenizer.encode(text, bare);
    requireParallel(out.text, tokenizer);
    out.windows = slidingWindows(static_cast<int64_t>(out.text.size()),
        { /*windowSize=*/windowSize, /*stride=*/config.stride });
    out.owned = ownedRanges(out.windows);
    for (const TokenWindow& w : out.windows) {
        Encoding e;
        append(e, frame.prefix, 0, frame.prefix.size());
        append(e, out.text, static_cast<size_t>(w.begin), static_cast<size_t>(w.end));
        append(e, frame.suffix, 0, frame.suffix.size());
        e.truncated = out.windows.size() > 1;
        out.encodings.push_back(std::move(e));
    }
    return out;
}

int64_t windowPositionToToken(const WindowedEncoding& windowed, size_t window, int64_t position)
{
    if (window >= windowed.encodings.size()) {
        throw Error(ErrorKind::InvalidInput,
            "window " + std::to_string(window) + " is out of range: the text has "
                + std::to_string(windowed.encodings.size()) + " windows.");
    }
    const int64_t size = static_cast<int64_t>(windowed.encodings[window].size());
    if (position < 0 || position >= size) {
        throw Error(ErrorKind::InvalidInput,
            "position " + std::to_string(position) + " is out of range: window "
                + std::to_string(window) + "'s encoding holds " + std::to_string(size)
                + " tokens.");
    }
    const int64_t inText = position - windowed.prefixLength;
    if (inText < 0 || inText >= windowed.windows[window].size()) {
        return -1; // a special token around the window
    }
    return windowed.windows[window].begin + inText;
}

} // namespace lumen::engine
