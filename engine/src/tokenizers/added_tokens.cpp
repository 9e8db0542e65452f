// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/added_tokens.h"

#include <algorithm>
#include <utility>

namespace lumen::engine {

using unicode::MappedText;

AddedTokenIndex::AddedTokenIndex(const std::vector<AddedToken>& tokens)
{
    for (size_t i = 0; i < tokens.size(); ++i) {
        const char32_t first = tokens[i].content.front();
        byFirstChar_[first].push_back(i);
        if (first < 0x80) {
            asciiFirst_[first] = true;
        } else {
            otherFirst_ = true;
        }
    }
    for (auto& [first, indices] : byFirstChar_) {
        std::stable_sort(indices.begin(), indices.end(), [&tokens](size_t a, size_t b) {
            return tokens[a].content.size() > tokens[b].content.size();
        });
    }
}

std::vector<AddedTokenSegment> AddedTokenIndex::split(
    MappedText text, const std::vector<AddedToken>& tokens) const
{
    std::vector<AddedTokenSegment> segments;
    auto slice = [&text](size_t first, size_t last) {
        return MappedText(text.begin() + static_cast<std::ptrdiff_t>(first),
                          text.begin() + static_cast<std::ptrdiff_t>(last));
    };
    size_t textStart = 0;
    const unicode::MappedChar* chars = text.data();
    const size_t n = text.size();
    for (size_t i = 0; i < n;) {
        // Most characters start no added token: skipped without a lookup.
        while (i < n && (chars[i].cp < 0x80 ? !asciiFirst_[chars[i].cp] : !otherFirst_)) {
            ++i;
        }
        if (i == n) {
            break;
        }
        const char32_t cp = chars[i].cp;
        size_t matchLength = 0;
        size_t matchIndex = 0;
        if (const auto it = byFirstChar_.find(cp); it != byFirstChar_.end()) {
            for (const size_t candidate : it->second) {
                const std::u32string& content = tokens[candidate].content;
                if (i + content.size() > text.size()) {
                    continue;
                }
                bool same = true;
                for (size_t k = 0; k < content.size() && same; ++k) {
                    same = text[i + k].cp == content[k];
                }
                if (same) {
                    matchLength = content.size();
                    matchIndex = candidate;
                    break;
                }
            }
        }
        if (matchLength == 0) {
            ++i;
            continue;
        }
        if (i > textStart) {
            segments.push_back({slice(textStart, i), -1});
        }
        segments.push_back({slice(i, i + matchLength), static_cast<int64_t>(matchIndex)});
        i += matchLength;
        textStart = i;
    }
    if (textStart == 0 && !text.empty()) {
        segments.push_back({ std::move(text), -1 }); // no added token in it
    } else if (textStart < text.size()) {
        segments.push_back({slice(textStart, text.size()), -1});
    }

    // The added tokens' lstrip / rstrip / single_word flags act on their neighbours.
    auto strip = [](AddedTokenSegment& segment, bool left, bool right) {
        const auto [first, last] = unicode::pythonStripBounds(segment.chars);
        const size_t from = left ? first : 0;
        const size_t to = right ? last : segment.chars.size();
        if (from == 0 && to == segment.chars.size()) {
            return;
        }
        if (from >= to) {
            segment.chars.clear();
        } else {
            segment.chars = MappedText(segment.chars.begin() + static_cast<std::ptrdiff_t>(from),
                                       segment.chars.begin() + static_cast<std::ptrdiff_t>(to));
        }
        segment.added = -1;
    };
    for (size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].added < 0) {
            continue;
        }
        const AddedTokenSpec& spec = tokens[static_cast<size_t>(segments[i].added)].spec;
        if (!spec.lstrip && !spec.rstrip && !spec.singleWord) {
            continue;
        }
        // As in the reference, single_word looks at the neighbours as they were before the
        // stripping, and a merge to the right appends the unstripped right neighbour.
        const MappedText left = i > 0 ? segments[i - 1].chars : MappedText();
        const MappedText right = i + 1 < segments.size() ? segments[i + 1].chars : MappedText();
        if (spec.rstrip && !right.empty()) {
            strip(segments[i + 1], /*left=*/true, /*right=*/false);
        }
        if (spec.lstrip && !left.empty()) {
            strip(segments[i - 1], /*left=*/false, /*right=*/true);
        }
        if (spec.singleWord && !left.empty() && left.back().cp != U' ') {
            MappedText& target = segments[i - 1].chars;
            target.insert(target.end(), segments[i].chars.begin(), segments[i].chars.end());
            segments[i - 1].added = -1;
            segments[i].chars.clear();
            segments[i].added = -1;
        } else if (spec.singleWord && !right.empty() && right.front().cp != U' ') {
            segments[i].chars.insert(segments[i].chars.end(), right.begin(), right.end());
            segments[i].added = -1;
            segments[i + 1].chars.clear();
            segments[i + 1].added = -1;
        }
    }
    return segments;
}

MappedText lowerOutside(const MappedText& chars, const std::vector<std::u32string>& protectedTokens)
{
    // Where no protected token starts, a character is just lowered (ASCII inline).
    bool asciiFirst[128] = {};
    bool otherFirst = false;
    for (const std::u32string& token : protectedTokens) {
        if (token.empty()) {
            continue;
        }
        if (token.front() < 0x80) {
            asciiFirst[token.front()] = true;
        } else {
            otherFirst = true;
        }
    }
    MappedText out;
    out.reserve(chars.size());
    for (size_t i = 0; i < chars.size();) {
        size_t run = i;
        while (run < chars.size() && chars[run].cp < 0x80 && !asciiFirst[chars[run].cp]) {
            ++run;
        }
        if (run > i) {
            // ASCII where no protected token starts: lower-cased a run at a time.
            const size_t from = out.size();
            out.insert(out.end(), chars.begin() + static_cast<std::ptrdiff_t>(i),
                chars.begin() + static_cast<std::ptrdiff_t>(run));
            for (size_t k = from; k < out.size(); ++k) {
                if (out[k].cp >= 'A' && out[k].cp <= 'Z') {
                    out[k].cp += 'a' - 'A';
                }
            }
            i = run;
            continue;
        }
        const unicode::MappedChar& c = chars[i];
        if (c.cp >= 0x80 && !otherFirst) {
            unicode::appendLower(c.cp, c.begin, c.end, out);
            ++i;
            continue;
        }
        size_t matched = 0;
        for (const std::u32string& token : protectedTokens) {
            if (token.empty() || i + token.size() > chars.size() || token.front() != chars[i].cp) {
                continue;
            }
            bool same = true;
            for (size_t k = 0; k < token.size() && same; ++k) {
                same = chars[i + k].cp == token[k];
            }
            if (same) {
                matched = token.size();
                break;
            }
        }
        if (matched > 0) {
            out.insert(out.end(), chars.begin() + static_cast<std::ptrdiff_t>(i),
                       chars.begin() + static_cast<std::ptrdiff_t>(i + matched));
            i += matched;
            continue;
        }
        if (chars[i].cp != U'\n') {
            unicode::appendLower(chars[i].cp, chars[i].begin, chars[i].end, out);
        } else {
            out.push_back(chars[i]);
        }
        ++i;
    }
    return out;
}

std::vector<std::u32string> protectedFromLowering(const std::vector<AddedTokenSpec>& specials,
                                                  const std::vector<AddedToken>& added)
{
    std::vector<std::u32string> out;
    for (const AddedTokenSpec& spec : specials) {
        if (!spec.content.empty()) {
            out.push_back(unicode::decodeUtf8(spec.content));
        }
    }
    for (const AddedToken& token : added) {
        if (!token.spec.special && token.spec.normalized) {
            out.push_back(token.content);
        }
    }
    return out;
}

} // namespace lumen::engine
