// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/oniguruma_regex.h"

#include "lumen/engine/error.h"

#include <oniguruma.h>

#include <mutex>

namespace lumen::engine {

namespace {

OnigRegexType* asRegex(void* regex)
{
    return static_cast<OnigRegexType*>(regex);
}

/// A region freed on every path out of a search.
struct Region {
    OnigRegion* region = onig_region_new();
    Region() = default;
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    ~Region() { onig_region_free(region, 1); }
};

size_t utf8Length(unsigned char lead)
{
    if (lead < 0x80) {
        return 1;
    }
    if (lead < 0xE0) {
        return 2;
    }
    return lead < 0xF0 ? 3 : 4;
}

} // namespace

OnigurumaRegex::OnigurumaRegex(const std::string& pattern)
    : pattern_(pattern)
{
    static std::once_flag initialized;
    std::call_once(initialized, [] {
        OnigEncoding encodings[] = { ONIG_ENCODING_UTF8 };
        onig_initialize(encodings, 1);
    });
    OnigErrorInfo info;
    ::OnigRegex compiled = nullptr;
    const auto* p = reinterpret_cast<const OnigUChar*>(pattern.data());
    const int status = onig_new(&compiled, p, p + pattern.size(), ONIG_OPTION_NONE,
        ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &info);
    if (status != ONIG_NORMAL) {
        OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
        onig_error_code_to_str(message, status, &info);
        throw Error(ErrorKind::InvalidInput,
            "the regular expression \"" + pattern
                + "\" does not compile: " + reinterpret_cast<const char*>(message));
    }
    regex_ = compiled;
}

OnigurumaRegex::~OnigurumaRegex()
{
    onig_free(asRegex(regex_));
}

bool OnigurumaRegex::search(std::string_view text, size_t from, size_t& begin, size_t& end) const
{
    Region region;
    const auto* s = reinterpret_cast<const OnigUChar*>(text.data());
    const OnigUChar* last = s + text.size();
    const int at =
        onig_search(asRegex(regex_), s, last, s + from, last, region.region, ONIG_OPTION_NONE);
    if (at < 0) {
        return false;
    }
    begin = static_cast<size_t>(region.region->beg[0]);
    end = static_cast<size_t>(region.region->end[0]);
    return true;
}

long OnigurumaRegex::matchAt(std::string_view text, size_t at) const
{
    const auto* s = reinterpret_cast<const OnigUChar*>(text.data());
    const int length =
        onig_match(asRegex(regex_), s, s + text.size(), s + at, nullptr, ONIG_OPTION_NONE);
    return length >= 0 ? static_cast<long>(length) : -1;
}

std::vector<std::pair<size_t, size_t>> OnigurumaRegex::findAll(std::string_view text) const
{
    std::vector<std::pair<size_t, size_t>> matches;
    size_t from = 0;
    bool hasLast = false;
    size_t lastEnd = 0;
    size_t begin = 0;
    size_t end = 0;
    while (from <= text.size()) {
        // Most patterns tokenizers use match at almost every position: an anchored match is
        // much cheaper than a search and, when it succeeds, is the search's result.
        const long length = from < text.size() ? matchAt(text, from) : -1;
        if (length >= 0) {
            begin = from;
            end = from + static_cast<size_t>(length);
        } else if (!search(text, from, begin, end)) {
            break;
        }
        if (begin == end && hasLast && lastEnd == end) {
            if (from >= text.size()) {
                break;
            }
            from += utf8Length(static_cast<unsigned char>(text[from]));
            continue;
        }
        matches.emplace_back(begin, end);
        hasLast = true;
        lastEnd = end;
        from = end;
    }
    return matches;
}

} // namespace lumen::engine
