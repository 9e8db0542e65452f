// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Checks for a trace's attentions, and the residual-augmented head average that rollout and
// flow share.

#include "analysis/attention_input.h"

#include "lumen/engine/error.h"

#include <string>

namespace lumen::engine {

namespace analysis {

namespace {

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        text += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return text + "]";
}

[[noreturn]] void invalid(const std::string& message)
{
    throw Error(ErrorKind::InvalidInput, message);
}

} // namespace

} // namespace analysis

AttentionLayers AttentionLayers::of(const std::vector<FloatTensor>& attentions)
{
    using analysis::invalid;
    using analysis::shapeText;
    if (attentions.empty()) {
        invalid("no attention layers were given: run the forward pass with "
                "TraceRequest::attentions = true and pass Trace::attentions.");
    }
    const std::vector<int64_t>& first = attentions.front().shape;
    AttentionLayers out;
    for (size_t l = 0; l < attentions.size(); ++l) {
        const FloatTensor& a = attentions[l];
        const std::string name = "attention layer " + std::to_string(l);
        if (a.shape.size() != 4) {
            invalid(name + " has shape " + shapeText(a.shape)
                + "; expected 4 dimensions [batch, heads, query, key].");
        }
        if (a.shape[2] != a.shape[3]) {
            invalid(name + " has shape " + shapeText(a.shape) + ": its query ("
                + std::to_string(a.shape[2]) + ") and key (" + std::to_string(a.shape[3])
                + ") lengths differ; rollout, flow and head statistics need self-attention "
                  "(Trace::attentions or Trace::decoderAttentions), not cross-attention.");
        }
        if (a.shape[0] != first[0] || a.shape[2] != first[2] || a.shape[1] < 1) {
            invalid(name + " has shape " + shapeText(a.shape) + " but layer 0 has "
                + shapeText(first) + "; pass the layers of one trace.");
        }
        if (static_cast<int64_t>(a.data.size()) != a.numel()) {
            invalid(name + " holds " + std::to_string(a.data.size()) + " values but its shape "
                + shapeText(a.shape) + " needs " + std::to_string(a.numel()) + ".");
        }
        out.data.push_back(a.data.data());
        out.heads.push_back(a.shape[1]);
    }
    out.batch = first[0];
    out.seq = first[2];
    return out;
}

namespace analysis {

SequenceView checkAttentions(
    const AttentionLayers& attentions, int64_t batch, const std::vector<uint8_t>& realMask)
{
    if (attentions.data.empty()) {
        invalid("no attention layers were given: run the forward pass with "
                "TraceRequest::attentions = true and pass Trace::attentions.");
    }
    if (attentions.heads.size() != attentions.data.size() || attentions.seq < 1
        || attentions.batch < 1) {
        invalid("the attention layers' sizes do not fit: one head count per layer, and a "
                "batch and a sequence length of at least 1 are needed.");
    }
    for (size_t l = 0; l < attentions.data.size(); ++l) {
        if (attentions.data[l] == nullptr || attentions.heads[l] < 1) {
            invalid("attention layer " + std::to_string(l) + " has no data or no heads.");
        }
    }
    const std::vector<int64_t> first { attentions.batch, attentions.heads.front(), attentions.seq,
        attentions.seq };
    SequenceView view;
    view.batch = batch;
    view.seq = first[2];
    if (batch < 0 || batch >= first[0]) {
        invalid("batch index " + std::to_string(batch) + " is out of range: the trace holds "
            + std::to_string(first[0]) + " sequence(s) (0.." + std::to_string(first[0] - 1) + ").");
    }
    if (!realMask.empty() && static_cast<int64_t>(realMask.size()) != view.seq) {
        invalid("the real-position mask has " + std::to_string(realMask.size())
            + " entries but the sequence has " + std::to_string(view.seq)
            + " positions; pass one entry per position (the attention mask) or none.");
    }
    for (int64_t i = 0; i < view.seq; ++i) {
        if (realMask.empty() || realMask[static_cast<size_t>(i)] != 0) {
            view.real.push_back(i);
        }
    }
    if (view.real.empty()) {
        invalid("the real-position mask marks no position as real; at least one token is "
                "needed.");
    }
    return view;
}

int64_t resolveLayer(int64_t toLayer, int64_t numLayers)
{
    const int64_t layer = toLayer == -1 ? numLayers - 1 : toLayer;
    if (layer < 0 || layer >= numLayers) {
        invalid("layer " + std::to_string(toLayer) + " is out of range: the model has "
            + std::to_string(numLayers) + " layers (0.." + std::to_string(numLayers - 1)
            + ", or -1 for the last).");
    }
    return layer;
}

std::vector<double> augmentedLayer(
    const AttentionLayers& attentions, int64_t layer, const SequenceView& view)
{
    const int64_t heads = attentions.heads[static_cast<size_t>(layer)];
    const int64_t n = view.seq;
    const int64_t r = view.realCount();
    std::vector<double> out(static_cast<size_t>(r * r), 0.0);
    const float* base = attentions.data[static_cast<size_t>(layer)] + view.batch * heads * n * n;
    for (int64_t h = 0; h < heads; ++h) {
        const float* a = base + h * n * n;
        for (int64_t qi = 0; qi < r; ++qi) {
            const float* row = a + view.real[static_cast<size_t>(qi)] * n;
            double* o = out.data() + qi * r;
            for (int64_t ki = 0; ki < r; ++ki) {
                o[ki] += row[view.real[static_cast<size_t>(ki)]];
            }
        }
    }
    // 0.5 I + 0.5 mean; the row sum is at least 0.5, so renormalising is always defined.
    const double half = 0.5 / static_cast<double>(heads);
    for (int64_t qi = 0; qi < r; ++qi) {
        double* o = out.data() + qi * r;
        double sum = 0.0;
        for (int64_t ki = 0; ki < r; ++ki) {
            o[ki] = o[ki] * half + (ki == qi ? 0.5 : 0.0);
            sum += o[ki];
        }
        for (int64_t ki = 0; ki < r; ++ki) {
            o[ki] /= sum;
        }
    }
    return out;
}

FloatTensor expandToSequence(const std::vector<double>& compact, const SequenceView& view)
{
    const int64_t n = view.seq;
    const int64_t r = view.realCount();
    FloatTensor out;
    out.shape = { n, n };
    out.data.assign(static_cast<size_t>(n * n), 0.0f);
    for (int64_t qi = 0; qi < r; ++qi) {
        const int64_t q = view.real[static_cast<size_t>(qi)];
        for (int64_t ki = 0; ki < r; ++ki) {
            out.data[static_cast<size_t>(q * n + view.real[static_cast<size_t>(ki)])] =
                static_cast<float>(compact[static_cast<size_t>(qi * r + ki)]);
        }
    }
    return out;
}

} // namespace analysis

} // namespace lumen::engine
