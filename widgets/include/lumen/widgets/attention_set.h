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
// Cross-attention (an encoder-decoder model's decoder attending to the encoder) has other
// keys than queries: `keySeq` > 0 and the key side's tokens and masks in the key* fields;
// the maps are seq x keySeq. Views read the key side through keys(), keyToken(),
// isKeyReal() and isKeySpecial(), which fall back to the query side for self-attention.
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
    /// Which attention this is, for titles ("Decoder self-attention", "Cross-attention");
    /// empty for a model's only (or encoder) self-attention.
    QString name;
    /// What a weight is, for the colour bar: empty = "attention weight"; a lightweight or
    /// dynamic convolution's band maps are "kernel weight".
    QString valueName;
    // Cross-attention only (keySeq > 0): the key side, as the fields above for the queries.
    int keySeq = 0; ///< 0 = self-attention: the keys are the queries
    QStringList keyTokens;
    QStringList keyVocabTokens; ///< may be empty
    std::vector<uint8_t> keyValid; ///< empty = all real
    std::vector<uint8_t> keySpecial;

    /// Self-attention: queries and keys are the same positions (square maps).
    bool isSelf() const { return keySeq <= 0; }
    /// Positions on the key side: seq for self-attention, keySeq for cross-attention.
    int keys() const { return isSelf() ? seq : keySeq; }
    /// sizes agree with each other and with the weight count, and none is zero
    bool isValid() const
    {
        const auto fits = [](const std::vector<uint8_t>& mask, int n) {
            return mask.empty() || mask.size() == static_cast<size_t>(n);
        };
        return layers > 0 && heads > 0 && seq > 0 && tokens.size() == seq && weights
            && weights->size() == static_cast<size_t>(layers) * heads * seq * keys()
            && fits(valid, seq) && fits(special, seq)
            && (isSelf()
                || (keyTokens.size() == keySeq && fits(keyValid, keySeq)
                    && fits(keySpecial, keySeq) && !causal));
    }
    /// offset of weight (layer, head, 0, 0)
    size_t sliceOffset(int layer, int head) const
    {
        return (static_cast<size_t>(layer) * heads + head) * static_cast<size_t>(seq) * keys();
    }
    /// the [query][key] matrix of (layer, head), read in place
    const float* slice(int layer, int head) const
    {
        return weights->data() + sliceOffset(layer, head);
    }
    float at(int layer, int head, int query, int key) const
    {
        return slice(layer, head)[static_cast<size_t>(query) * keys() + key];
    }
    /// isValid(), and when not, a warning naming `view` unless the set is simply empty:
    /// the views call this in setData() and clear themselves on false.
    bool acceptedBy(const char* view) const
    {
        if (isValid()) {
            return true;
        }
        if (weights || seq > 0) {
            qWarning("%s: inconsistent attention set (%d layers, %d heads, seq %d x %d keys, "
                     "%lld tokens, %zu weights); not drawing",
                view, layers, heads, seq, keys(), static_cast<long long>(tokens.size()),
                weights ? weights->size() : size_t(0));
        }
        return false;
    }
    bool isReal(int position) const { return valid.empty() || valid[position] != 0; }
    bool isSpecial(int position) const { return !special.empty() && special[position] != 0; }
    // The key side (the query side's for self-attention).
    const QString& keyToken(int key) const { return isSelf() ? tokens[key] : keyTokens[key]; }
    QString keyVocabToken(int key) const
    {
        const QStringList& vocab = isSelf() ? vocabTokens : keyVocabTokens;
        return key < vocab.size() ? vocab[key] : keyToken(key);
    }
    QString vocabToken(int position) const
    {
        return position < vocabTokens.size() ? vocabTokens[position] : tokens[position];
    }
    bool isKeyReal(int key) const
    {
        return isSelf() ? isReal(key) : keyValid.empty() || keyValid[key] != 0;
    }
    bool isKeySpecial(int key) const
    {
        return isSelf() ? isSpecial(key) : !keySpecial.empty() && keySpecial[key] != 0;
    }
    /// First key of text B, -1 when none (cross-attention's keys are one text).
    int keySegmentStart() const { return isSelf() ? segmentStart : -1; }
};

} // namespace lumen::widgets
