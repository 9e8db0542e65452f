// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/logit_lens.h"

#include "demos/token_distribution.h"
#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>

namespace lumen::engine {

namespace {

bool hasLanguageModelHead(const ModelInfo& info)
{
    return info.headKind == "masked-lm" || info.headKind == "pretraining"
        || info.headKind == "causal-lm" || info.headKind == "seq2seq-lm";
}

} // namespace

namespace {

LogitLensResult readLayers(Model& model, const ModelInput& input, const LogitLensConfig& config,
                           const RunControl& control);

void requireLens(const Model& model, const LogitLensConfig& config)
{
    const ModelInfo& info = model.info();
    if (!hasLanguageModelHead(info)) {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no language-model head (its head is \"" + info.headKind
                        + "\"), so there is nothing to read its layers with. Open a masked-LM or a "
                          "causal-LM checkpoint.");
    }
    if (model.tokenizer() == nullptr) {
        throw Error(ErrorKind::InvalidInput,
                    "the model folder has no tokenizer, so Lumen cannot read the text. Add the "
                    "tokenizer files to the folder.");
    }
    if (config.topK < 1) {
        throw Error(ErrorKind::InvalidInput, "the number of candidates per layer must be at least 1.");
    }
}

} // namespace

LogitLensResult logitLensFromIds(Model& model, const std::vector<int64_t>& ids,
                                 const LogitLensConfig& config, const RunControl& control)
{
    requireLens(model, config);
    const ModelInfo& info = model.info();
    if (info.isEncoderDecoder) {
        throw Error(ErrorKind::InvalidInput,
                    "the logit lens over ids is for decoders and encoders; give an encoder-decoder "
                    "model its source and target texts.");
    }
    if (ids.empty()) {
        throw Error(ErrorKind::InvalidInput, "there are no tokens to read.");
    }
    for (const int64_t id : ids) {
        if (id < 0 || id >= info.vocabSize) {
            throw Error(ErrorKind::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary.");
        }
    }
    ModelInput input;
    const auto n = static_cast<int64_t>(ids.size());
    input.inputIds = { { 1, n }, ids };
    input.attentionMask = { { 1, n }, std::vector<int64_t>(ids.size(), 1) };
    input.tokenTypeIds = { { 1, n }, std::vector<int64_t>(ids.size(), 0) };
    return readLayers(model, input, config, control);
}

LogitLensResult logitLens(Model& model, const std::string& text, const LogitLensConfig& config,
                          const RunControl& control)
{
    requireLens(model, config);
    const ModelInfo& info = model.info();
    if (info.isEncoderDecoder && config.target.empty()) {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " is an encoder-decoder model: its head reads the decoder, "
                                        "so give the decoder's text (the target) as well.");
    }
    const ModelInput input =
        info.isEncoderDecoder ? model.prepareSeq2Seq({ text }, { config.target }) : model.prepare({ text });
    return readLayers(model, input, config, control);
}

namespace {

LogitLensResult readLayers(Model& model, const ModelInput& input, const LogitLensConfig& config,
                           const RunControl& control)
{
    const ModelInfo& info = model.info();
    const Tokenizer* tokenizer = model.tokenizer();
    LogitLensResult result;
    result.ids = info.isEncoderDecoder ? input.decoderInputIds.data : input.inputIds.data;
    const auto seq = static_cast<int64_t>(result.ids.size());
    for (const int64_t id : result.ids) {
        result.tokens.push_back(tokenizer->idToToken(id));
    }

    std::vector<int64_t> positions = config.positions;
    if (positions.empty()) {
        const std::optional<int64_t> mask = tokenizer->specialTokens().mask;
        if (mask && !info.isCausal && !info.isEncoderDecoder) {
            for (int64_t p = 0; p < seq; ++p) {
                if (result.ids[static_cast<size_t>(p)] == *mask) {
                    positions.push_back(p);
                }
            }
        }
        if (positions.empty()) {
            for (int64_t p = 0; p < seq; ++p) {
                positions.push_back(p);
            }
        }
    }
    for (const int64_t p : positions) {
        if (p < 0 || p >= seq) {
            throw Error(ErrorKind::InvalidInput,
                        "position " + std::to_string(p) + " is outside the text (0.."
                            + std::to_string(seq - 1) + ").");
        }
    }

    TraceRequest trace;
    trace.hiddenStates = true;
    const ForwardResult out = model.forward(input, trace, control);
    if (out.status == JobStatus::Cancelled) {
        return {};
    }
    result.forwardMs = out.elapsedMs;
    const std::vector<FloatTensor>& states =
        info.isEncoderDecoder ? out.trace.decoderHiddenStates : out.trace.hiddenStates;
    if (states.size() < 2 || out.logits.shape.size() != 3) {
        throw Error(ErrorKind::Internal, "the forward pass returned no hidden states or logits to read");
    }
    const auto rows = static_cast<int64_t>(states.size());
    result.layers = rows - 1;

    // Rows 0 .. L-1 through the head (on the model's device and dtype); row L is the model's
    // own logits: its hidden state is already normed where the family norms it.
    Architecture& arch = ModelInternals::architecture(model);
    const auto vocab = static_cast<size_t>(out.logits.shape[2]);
    const auto index = torch::tensor(positions, torch::kInt64);
    std::vector<torch::Tensor> picked;
    for (int64_t l = 0; l + 1 < rows; ++l) {
        picked.push_back(toTorch(states[static_cast<size_t>(l)]).select(0, 0).index_select(0, index));
    }
    torch::Tensor lens;
    {
        torch::InferenceMode inferenceMode;
        const torch::Device device = ModelInternals::device(model);
        const auto dtype = arch.parameters().front().scalar_type();
        lens = arch.lensLogits(torch::stack(picked).to(device, dtype));
        if (!lens.defined()) {
            throw Error(ErrorKind::InvalidInput,
                        info.architecture + " has no language-model head to read its layers with.");
        }
        lens = lens.to(torch::kCPU, torch::kFloat32).contiguous(); // [L, P, vocab]
    }
    const float* lensData = lens.data_ptr<float>();
    const auto topOf = [&](const detail::TokenDistribution& d) {
        std::vector<TokenProbability> top;
        for (const int64_t id : d.top(config.topK)) {
            top.push_back({ id, tokenizer->idToToken(id), d.probability(id) });
        }
        return top;
    };
    for (size_t k = 0; k < positions.size(); ++k) {
        const int64_t p = positions[k];
        LogitLensPosition position;
        position.position = p;
        position.token = result.tokens[static_cast<size_t>(p)];
        const detail::TokenDistribution last(out.logits.data.data() + static_cast<size_t>(p) * vocab, vocab);
        const int64_t finalId = last.top(1).front();
        position.final = { finalId, tokenizer->idToToken(finalId), last.probability(finalId) };
        for (int64_t l = 0; l < rows; ++l) {
            const float* row = l + 1 < rows
                ? lensData + (static_cast<size_t>(l) * positions.size() + k) * vocab
                : last.logits;
            const detail::TokenDistribution d(row, vocab);
            LogitLensLayer layer;
            layer.top = topOf(d);
            layer.finalProbability = d.probability(finalId);
            const float finalLogit = row[finalId];
            layer.finalRank = std::count_if(row, row + vocab, [&](float x) { return x > finalLogit; });
            position.layers.push_back(std::move(layer));
        }
        result.positions.push_back(std::move(position));
    }
    return result;
}

} // namespace

} // namespace lumen::engine
