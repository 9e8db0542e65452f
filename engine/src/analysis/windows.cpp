// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Sliding windows over a long token sequence, Hugging Face's way (tokenizers'
// Encoding::truncate with a stride): starts step by W - S, the last window ends at the end.

#include "lumen/engine/analysis.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <string>

namespace lumen::engine {

std::vector<TokenWindow> slidingWindows(int64_t tokenCount, const WindowConfig& config)
{
    if (config.windowSize < 1) {
        throw Error(ErrorKind::InvalidInput,
            "window size " + std::to_string(config.windowSize)
                + " is too small: a window holds at least one token.");
    }
    if (config.stride < 0 || config.stride >= config.windowSize) {
        throw Error(ErrorKind::InvalidInput,
            "stride " + std::to_string(config.stride) + " does not fit a window of "
                + std::to_string(config.windowSize)
                + " tokens: consecutive windows overlap by `stride` tokens, so it must be "
                  "at least 0 and smaller than the window size.");
    }
    if (tokenCount < 0) {
        throw Error(
            ErrorKind::InvalidInput, "token count " + std::to_string(tokenCount) + " is negative.");
    }
    std::vector<TokenWindow> windows;
    if (tokenCount <= config.windowSize) {
        windows.push_back({ 0, tokenCount });
        return windows;
    }
    const int64_t step = config.windowSize - config.stride;
    for (int64_t begin = 0;; begin += step) {
        const int64_t end = std::min(begin + config.windowSize, tokenCount);
        windows.push_back({ begin, end });
        if (end == tokenCount) {
            return windows;
        }
    }
}

int64_t windowToToken(const std::vector<TokenWindow>& windows, size_t window, int64_t position)
{
    if (window >= windows.size()) {
        throw Error(ErrorKind::InvalidInput,
            "window " + std::to_string(window) + " is out of range: there are "
                + std::to_string(windows.size()) + " windows.");
    }
    const TokenWindow& w = windows[window];
    if (position < 0 || position >= w.size()) {
        throw Error(ErrorKind::InvalidInput,
            "position " + std::to_string(position) + " is out of range: window "
                + std::to_string(window) + " holds " + std::to_string(w.size()) + " tokens.");
    }
    return w.begin + position;
}

namespace {

/// How much context `token` has in `w`: min(tokens before it, tokens after it) inside the
/// window. The text's own start and end need no special case: a window that starts at token 0
/// (or ends at the end) always has more context on that side than any other holding the token.
int64_t contextIn(const TokenWindow& w, int64_t token)
{
    return std::min(token - w.begin, w.end - 1 - token);
}

} // namespace

size_t owningWindow(const std::vector<TokenWindow>& windows, int64_t token)
{
    const int64_t textEnd = windows.empty() ? 0 : windows.back().end;
    size_t best = windows.size();
    int64_t bestContext = -1;
    for (size_t w = 0; w < windows.size(); ++w) {
        if (token < windows[w].begin || token >= windows[w].end) {
            continue;
        }
        const int64_t context = contextIn(windows[w], token);
        if (context > bestContext) {
            best = w;
            bestContext = context;
        }
    }
    if (best == windows.size()) {
        throw Error(ErrorKind::InvalidInput,
            "token " + std::to_string(token) + " is in no window (the windows cover "
                + std::to_string(textEnd) + " tokens).");
    }
    return best;
}

std::vector<TokenWindow> ownedRanges(const std::vector<TokenWindow>& windows)
{
    std::vector<TokenWindow> owned(windows.size());
    const int64_t textEnd = windows.empty() ? 0 : windows.back().end;
    // Owners never decrease along the text (see owningWindow), so one sweep finds each range.
    int64_t token = 0;
    for (size_t w = 0; w < windows.size(); ++w) {
        owned[w].begin = token;
        while (token < textEnd && owningWindow(windows, token) == w) {
            ++token;
        }
        owned[w].end = token;
    }
    if (token != textEnd) {
        throw Error(ErrorKind::Internal,
            "window ownership is not contiguous at token " + std::to_string(token)
                + "; the windows were not made by slidingWindows.");
    }
    return owned;
}

} // namespace lumen::engine
