// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A byte trie over a vocabulary (engine-internal), for WordPiece's greedy longest match:
// one walk along the word finds the longest vocabulary entry that starts there, where the
// reference builds and looks up every shorter candidate string in turn.
//
//   VocabTrie trie({{"un", 7}, {"##able", 9}});
//   const uint32_t continuation = trie.walk(VocabTrie::kRoot, "##");
//   VocabTrie::Match m = trie.longestMatch(continuation, "ables");   // value 9, 4 bytes
//
// Matches end only at UTF-8 character boundaries of the text: an entry that stops inside a
// multi-byte character (a vocabulary line with a broken sequence) never matches, as a lookup
// of whole-character candidates would not find it.
// Thread safety: immutable after construction; every method is const and reentrant.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lumen::engine {

class VocabTrie {
public:
    static constexpr uint32_t kRoot = 0;
    static constexpr uint32_t kNone = 0xFFFFFFFFu;

    struct Match {
        int32_t value = -1; ///< the entry's value, -1 when nothing matched
        size_t bytes = 0; ///< length of the match in bytes
        size_t chars = 0; ///< and in code points
    };

    VocabTrie();
    /// Entries with an equal key: the last one's value wins. Values must be >= 0.
    explicit VocabTrie(const std::vector<std::pair<std::string, int32_t>>& entries);

    /// The node reached from `node` along `bytes`, or kNone.
    uint32_t walk(uint32_t node, std::string_view bytes) const;
    /// The longest entry that, continuing from `node`, is a prefix of `text` (valid UTF-8)
    /// ending at a character boundary.
    Match longestMatch(uint32_t node, std::string_view text) const;

private:
    uint32_t child(uint32_t node, unsigned char byte) const
    {
        const Node& n = nodes_[node];
        if (n.dense) {
            return dense_[n.firstEdge + byte];
        }
        const unsigned char* labels = labels_.data() + n.firstEdge;
        for (uint16_t k = 0; k < n.edgeCount && labels[k] <= byte; ++k) {
            if (labels[k] == byte) {
                return targets_[n.firstEdge + k];
            }
        }
        return kNone;
    }

    struct Node {
        int32_t value = -1;
        uint32_t firstEdge = 0; ///< into labels_ / targets_, or into dense_ when dense
        uint16_t edgeCount = 0;
        bool dense = false; ///< many children: a 256-entry table at dense_[firstEdge]
    };
    std::vector<Node> nodes_;
    std::vector<unsigned char> labels_; ///< per node, sorted
    std::vector<uint32_t> targets_;
    std::vector<uint32_t> dense_;
};

} // namespace lumen::engine
