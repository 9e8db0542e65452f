// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tokenizers/vocab_trie.h"

#include <algorithm>
#include <map>

namespace lumen::engine {

namespace {

// A node with more children than this gets a 256-entry table instead of a sorted list
// (the root and the node after "##" of a real vocabulary, with dozens of children each).
constexpr size_t kDenseFrom = 12;

bool isContinuationByte(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

} // namespace

VocabTrie::VocabTrie()
    : nodes_(1)
{
}

VocabTrie::VocabTrie(const std::vector<std::pair<std::string, int32_t>>& entries)
{
    // Built with maps first, then flattened breadth-first into sorted edge lists.
    struct Building {
        int32_t value = -1;
        std::map<unsigned char, uint32_t> children;
    };
    std::vector<Building> building(1);
    for (const auto& [key, value] : entries) {
        uint32_t node = 0;
        for (const char c : key) {
            const auto byte = static_cast<unsigned char>(c);
            const auto it = building[node].children.find(byte);
            if (it != building[node].children.end()) {
                node = it->second;
            } else {
                const auto next = static_cast<uint32_t>(building.size());
                building[node].children.emplace(byte, next);
                building.emplace_back();
                node = next;
            }
        }
        building[node].value = value;
    }

    nodes_.resize(building.size());
    for (size_t i = 0; i < building.size(); ++i) {
        Node& node = nodes_[i];
        node.value = building[i].value;
        const auto& children = building[i].children;
        if (children.size() >= kDenseFrom) {
            node.dense = true;
            node.firstEdge = static_cast<uint32_t>(dense_.size());
            dense_.resize(dense_.size() + 256, kNone);
            for (const auto& [byte, target] : children) {
                dense_[node.firstEdge + byte] = target;
            }
        } else {
            node.firstEdge = static_cast<uint32_t>(labels_.size());
            node.edgeCount = static_cast<uint16_t>(children.size());
            for (const auto& [byte, target] : children) { // std::map: sorted by byte
                labels_.push_back(byte);
                targets_.push_back(target);
            }
        }
    }
}

uint32_t VocabTrie::walk(uint32_t node, std::string_view bytes) const
{
    for (const char c : bytes) {
        if (node == kNone) {
            break;
        }
        node = child(node, static_cast<unsigned char>(c));
    }
    return node;
}

VocabTrie::Match VocabTrie::longestMatch(uint32_t node, std::string_view text) const
{
    Match best;
    if (node == kNone) {
        return best;
    }
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    size_t chars = 0;
    for (size_t i = 0; i < n; ++i) {
        node = child(node, s[i]);
        if (node == kNone) {
            break;
        }
        if (!isContinuationByte(s[i])) {
            ++chars;
        }
        if (nodes_[node].value >= 0 && (i + 1 == n || !isContinuationByte(s[i + 1]))) {
            best.value = nodes_[node].value;
            best.bytes = i + 1;
            best.chars = chars;
        }
    }
    return best;
}

} // namespace lumen::engine
