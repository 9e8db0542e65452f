// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The interface every model family implements (engine-internal). A family is a
// torch::nn::Module whose parameter names are exactly the Hugging Face state-dict keys, so
// loading, saving and counting parameters are generic (see model.cpp, random_init.cpp).

#include "io/model_config.h"
#include "lumen/engine/model.h"
#include "lumen/engine/trace.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lumen::engine {

/// Keys and values of the positions a decoder has already seen, one entry per layer, for
/// incremental decoding (engine/src/generate). Decoder families extend it in place when
/// ArchInput::cache is set; encoders ignore it.
struct KvCache {
    std::vector<torch::Tensor> keys; ///< per layer [batch, kvHeads, past, headDim]
    std::vector<torch::Tensor> values; ///< per layer [batch, kvHeads, past, headDim]
    int64_t length() const
    {
        return keys.empty() || !keys.front().defined() ? 0 : keys.front().size(2);
    }
};

struct ArchInput {
    torch::Tensor inputIds; ///< [batch, seq] int64
    torch::Tensor attentionMask; ///< [batch, seq] int64, 1 = real token (past + seq with a cache)
    torch::Tensor tokenTypeIds; ///< [batch, seq] int64
    const RunControl* control = nullptr; ///< polled between layers; may be null
    /// Decoders: [batch, seq] int64 positions. Undefined = past .. past + seq - 1 for every
    /// row, pads included (the reference's plain forward); generation with left padding
    /// passes cumsum(mask) - 1 as the reference's generate() does.
    torch::Tensor positionIds;
    KvCache* cache = nullptr; ///< decoders: past keys / values, extended in place; may be null
    /// Encoder-decoder families (T5): [batch, targetSeq] int64 decoder input ids (the target
    /// shifted right). Undefined = run the encoder alone.
    torch::Tensor decoderInputIds;
    /// Encoder-decoder families: [batch, targetSeq] int64, 1 = real token; undefined = all 1.
    torch::Tensor decoderAttentionMask;
    /// Encoder-decoder families: the encoder's output for inputIds from an earlier run; when
    /// defined the encoder is not run again (generation), and no encoder records are made.
    torch::Tensor encoderHiddenState;
    /// When set, each layer's (encoder) self-attention probabilities go here as the layer
    /// finishes instead of into ArchOutput::attentions (Model::forward packs them).
    std::function<void(const torch::Tensor&)> attentionSink;
    /// When set, the (encoder's) embedding output [batch, seq, hidden] passes through it
    /// before the first layer: the gradient receptive field makes it a leaf that keeps its
    /// gradient. Every family calls embedded() at that point.
    std::function<torch::Tensor(const torch::Tensor&)> embeddingHook;
    /// Training with gradient checkpointing: each layer keeps no activations for the backward
    /// pass and is run again there (blocks/checkpoint.h). Ignored without grad mode.
    bool checkpointLayers = false;
};

/// The embedding output as the first layer should see it (ArchInput::embeddingHook).
inline torch::Tensor embedded(const ArchInput& in, torch::Tensor h)
{
    return in.embeddingHook ? in.embeddingHook(h) : h;
}

struct ArchOutput {
    torch::Tensor lastHidden; ///< [batch, seq, hidden]
    torch::Tensor pooler; ///< [batch, hidden] or undefined
    torch::Tensor logits; ///< [batch, seq, vocab] or undefined
    torch::Tensor seqRelationship; ///< [batch, 2] or undefined
    std::vector<torch::Tensor> attentions;
    std::vector<torch::Tensor> hiddenStates;
    bool cancelled = false; ///< stopped early because the caller cancelled
    /// Encoder-decoder families: the decoder's records (the encoder's go in attentions and
    /// hiddenStates above, and lastHidden is the encoder's last hidden state).
    std::vector<torch::Tensor> crossAttentions; ///< per decoder layer [b, h, target, source]
    std::vector<torch::Tensor> decoderAttentions; ///< per decoder layer [b, h, target, target]
    std::vector<torch::Tensor> decoderHiddenStates; ///< decoder layers + 1, [b, target, hidden]
    torch::Tensor decoderState; ///< encoder-decoder families: the decoder's last (normed) state
};

/// Records one layer's (encoder) self-attention probabilities: into the input's sink when it
/// has one, else into `out`. Every family records through this.
inline void recordAttention(const ArchInput& in, ArchOutput& out, const torch::Tensor& probs)
{
    if (in.attentionSink) {
        in.attentionSink(probs);
    } else {
        out.attentions.push_back(probs);
    }
}

/// Between layers: reports progress and says whether the caller asked to stop.
inline bool stopRequested(const ArchInput& input, int64_t layer, int64_t layers)
{
    if (input.control == nullptr) {
        return false;
    }
    input.control->report(
        static_cast<double>(layer) / static_cast<double>(layers), "layer " + std::to_string(layer));
    return input.control->cancelled();
}

/// One layer as the theoretical receptive field sees it (analysis/receptive_field.cpp).
struct ReceptiveFieldLayer {
    std::string op; ///< "lightweight convolution", "LSTM", ...
    int64_t kernel = 1;
    int64_t dilation = 1;
    bool causal = false;
    bool recurrent = false; ///< reads every earlier position (and later, unless causal)
    bool residual = true; ///< the layer's input is added to its output
    bool skip = false; ///< WaveNet: the output also feeds the head through a skip sum
};

class Architecture : public torch::nn::Module {
public:
    ~Architecture() override = default;

    virtual ArchOutput run(const ArchInput& input, const TraceRequest& trace) = 0;

    /// Sizes for ModelInfo (the caller fills dir, weights file, parameter count, device).
    virtual ModelInfo describe() const = 0;

    /// Checkpoint keys that are tied copies of a parameter (decoder weight = word
    /// embeddings): not loaded, not saved, not counted twice.
    virtual std::map<std::string, std::string> tiedKeys() const { return {}; }

    /// The prefix of the base model's keys ("bert."), so a checkpoint of the bare base
    /// model (keys without the prefix) loads into a model with heads, and vice versa.
    virtual std::string basePrefix() const { return {}; }

    /// Initialises every parameter as the reference's `_init_weights` does.
    virtual void initWeights() = 0;

    /// The language-model head (masked or causal) alone, applied to a hidden state of the
    /// stack it reads (the decoder's, for encoder-decoder models) as it leaves a layer: the
    /// "logit lens". Families that norm their last hidden state before the head (GPT-2's
    /// ln_f, LLaMA's norm, T5's final_layer_norm) apply that norm here first, so the lens of
    /// the last layer's un-normed output equals ArchOutput::logits. Undefined when the model
    /// has no language-model head. Call under the same grad mode as run().
    virtual torch::Tensor lensLogits(const torch::Tensor& hidden) { (void)hidden; return {}; }

    /// The layers in order, for a theoretical receptive field; empty for families whose
    /// layers are self-attention (the analysis treats them as unbounded).
    virtual std::vector<ReceptiveFieldLayer> receptiveFieldLayers() const { return {}; }

    /// Floating-point operations of one forward pass over `seq` tokens that are not
    /// multiplications by a parameter (those are 2 per parameter use, counted from the
    /// parameters): self-attention's scores and weighted sums, 4 x seq^2 x hidden per layer,
    /// by default; convolution families count their kernels' application instead.
    virtual double activationFlops(int64_t seq) const
    {
        const ModelInfo info = describe();
        return 4.0 * static_cast<double>(info.numLayers) * static_cast<double>(seq) * static_cast<double>(seq)
            * static_cast<double>(info.hiddenSize);
    }

    /// Largest sequence the model accepts (0 = no limit).
    virtual int64_t maxSequenceLength() const = 0;
    virtual int64_t vocabSize() const = 0;
    virtual int64_t typeVocabSize() const { return 0; }
    /// Encoder-decoder families: the id the decoder input starts with
    /// (decoder_start_token_id); -1 for models that are not encoder-decoder.
    virtual int64_t decoderStartTokenId() const { return -1; }
};

/// Engine-internal access to a loaded Model's architecture (defined in model.cpp).
class ModelInternals {
public:
    static Architecture& architecture(Model& model);
    static torch::Device device(const Model& model);
    /// Training: a Model of `config` (a config.json's content, e.g. a base model's with a
    /// classifier's architecture and labels) whose parameters are initialised from `seed`
    /// (initWeights), then taken from `weightsDir`'s checkpoint wherever it holds them (the
    /// same key, up to the base prefix, and shape); the rest — a new head — stay as
    /// initialised and are listed in `fresh`. Every parameter owns its memory (nothing is
    /// memory-mapped), so an optimizer may update it. The tokenizer comes from
    /// `tokenizerDir`. Throws lumen::Error like Model::load, and for a checkpoint tensor
    /// whose shape does not fit.
    static std::unique_ptr<Model> loadForTraining(const nlohmann::json& config, const std::string& weightsDir,
                                                  const std::string& tokenizerDir, const std::string& device,
                                                  uint64_t seed, std::vector<std::string>* fresh);
};

/// Writes `arch` as a Hugging Face folder: model.safetensors (every parameter; tied copies
/// are not parameters), config.json (`config`, with architectures filled in when absent) and
/// the tokenizer files of `tokenizerDir` (empty: none). The weights are written beside and
/// renamed, so a failed write leaves no half file. Returns the parameter count.
int64_t saveArchitecture(Architecture& arch, nlohmann::json config, const std::string& outDir,
                         const std::string& tokenizerDir);

/// Builds an architecture from its config. Throws lumen::Error(Unsupported) for an unknown
/// model_type or head, listing what Lumen supports.
std::shared_ptr<Architecture> createArchitecture(const ModelConfig& config);

} // namespace lumen::engine
