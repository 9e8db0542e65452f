// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Oniguruma regular expressions (engine-internal), the engine the reference tokenizers use:
// UTF-8, Ruby syntax (Oniguruma's default, which the reference's `onig` crate keeps), compiled
// once. Thread safety: a compiled OnigurumaRegex is immutable; every search uses its own region, so
// any number of threads may search at once.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lumen::engine {

class OnigurumaRegex {
public:
    /// Compiles `pattern`; throws lumen::Error (InvalidInput) with Oniguruma's message.
    explicit OnigurumaRegex(const std::string& pattern);
    ~OnigurumaRegex();
    OnigurumaRegex(const OnigurumaRegex&) = delete;
    OnigurumaRegex& operator=(const OnigurumaRegex&) = delete;

    /// The leftmost match in `text` at or after byte `from`, as [begin, end) bytes.
    bool search(std::string_view text, size_t from, size_t& begin, size_t& end) const;
    /// The match anchored at byte `at`; its length, or -1.
    long matchAt(std::string_view text, size_t at) const;
    /// Every match, left to right, as the reference's find_iter yields them: after a match
    /// the search goes on at its end, and an empty match right where the previous one ended
    /// is skipped (the search moves on by one character).
    std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;

    const std::string& pattern() const { return pattern_; }

private:
    std::string pattern_;
    void* regex_ = nullptr; ///< ::OnigRegex, kept out of this header
};

} // namespace lumen::engine
