// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The attention of one input as every attention view takes it: every layer's and head's
// [query][key] matrix in one buffer that all views share (none keeps a copy), the tokens as
// the text they came from, and which positions are padding, special tokens or text B.
//
//   AttentionSet set;
//   set.tokens = {"[CLS]", "the", "fox", "[SEP]"};
//   set.layers = 3; set.heads = 4; set.seq = 4;
//   set.weights = std::make_shared<const std::vector<float>>(std::move(buffer));
//   const float* m = set.slice(2, 1);     // row-major [query][key] of layer 2, head 1
//
// Thread safety: a plain value; the weights are immutable once shared.

#include <QStringList>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace lumen::widgets {

struct AttentionSet {
    QStringList tokens; ///< per position: the text it came from (shown)
    QStringList vocabTokens; ///< per position: the vocabulary string (tooltips); may be empty
    int layers = 0;
    int heads = 0;
    int seq = 0;
    /// [layer][head][query][key], layers x heads x seq x seq, shared by every view
    std::shared_ptr<const std::vector<float>> weights;
    std::vector<uint8_t> valid; ///< per position: 0 = padding (masked out); empty = all real
    std::vector<uint8_t> special; ///< per position: 1 = special token ([CLS], <s>, ...)
    int segmentStart = -1; ///< first position of text B of a pair; -1 for one text
    bool causal = false; ///< a decoder: query q sees keys 0..q only

    /// sizes agree with each other and with the weight count, and none is zero
    bool isValid() const
    {
        return layers > 0 && heads > 0 && seq > 0 && tokens.size() == seq && weights
            && weights->size() == static_cast<size_t>(layers) * heads * seq * seq
            && (valid.empty() || valid.size() == static_cast<size_t>(seq))
            && (special.empty() || special.size() == static_cast<size_t>(seq));
    }
    /// offset of weight (layer, head, 0, 0)
    size_t sliceOffset(int layer, int head) const
    {
        return (static_cast<size_t>(layer) * heads + head) * static_cast<size_t>(seq) * seq;
    }
    /// the [query][key] matrix of (layer, head), read in place
    const float* slice(int layer, int head) const
    {
        return weights->data() + sliceOffset(layer, head);
    }
    float at(int layer, int head, int query, int key) const
    {
        return slice(layer, head)[static_cast<size_t>(query) * seq + key];
    }
    /// isValid(), and when not, a warning naming `view` unless the set is simply empty:
    /// the views call this in setData() and clear themselves on false.
    bool acceptedBy(const char* view) const
    {
        if (isValid()) {
            return true;
        }
        if (weights || seq > 0) {
            qWarning("%s: inconsistent attention set (%d layers, %d heads, seq %d, %lld tokens, "
                     "%zu weights); not drawing",
                view, layers, heads, seq, static_cast<long long>(tokens.size()),
                weights ? weights->size() : size_t(0));
        }
        return false;
    }
    bool isReal(int position) const { return valid.empty() || valid[position] != 0; }
    bool isSpecial(int position) const { return !special.empty() && special[position] != 0; }
};

} // namespace lumen::widgets
