// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Loading a model folder and running it.
//
//   auto model = Model::load("/path/to/bert");          // config, weights and tokenizer
//   ModelInput in = model->prepare({"The capital of France is [MASK]."});
//   ForwardResult out = model->forward(in, TraceRequest{/*attentions=*/true});
//   out.trace.attentions[layer]  // [batch, heads, query, key]
//
// Thread safety: load on any thread; one Model must be used by one thread at a time (the
// GUI's engine worker owns its models).

#include "lumen/engine/run_control.h"
#include "lumen/engine/tensor.h"
#include "lumen/engine/tokenizer.h"
#include "lumen/engine/trace.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lumen::engine {

/// Something that went partly wrong while loading, reported rather than thrown.
struct LoadWarning {
    std::string kind;   ///< "unexpected-key", "missing-key", "tied-weight", ...
    std::string detail; ///< the key or file it is about
};

struct ModelInfo {
    std::string dir;
    std::string modelType;    ///< config.json model_type ("bert")
    std::string architecture; ///< config.json architectures[0] ("BertForPreTraining")
    std::string headKind;     ///< "masked-lm", "pretraining", "base", ...
    std::string weightsFile;  ///< the file the weights came from
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t intermediateSize = 0;
    int64_t maxPositions = 0;
    int64_t parameterCount = 0; ///< unique parameters (tied weights counted once)
    /// unique parameters per top-level component ("embeddings", "encoder", "pooler", "cls"),
    /// in module order; they add up to parameterCount
    std::vector<std::pair<std::string, int64_t>> componentParameters;
    /// parameters a forward pass uses, counting shared layers each time they run (ALBERT);
    /// 0 when no weights are shared (then it equals parameterCount)
    int64_t parametersPerForward = 0;
    std::string dtype = "float32";
    std::string device = "cpu";
    std::vector<LoadWarning> warnings;
    /// True for encoder-decoder models (T5): forward needs ModelInput::decoderInputIds for
    /// logits (Model::prepareSeq2Seq builds them); without them only the encoder runs.
    bool isEncoderDecoder = false;
    /// True when self-attention is causal (decoders: GPT-2, LLaMA-style): position q attends
    /// to positions 0..q only.
    bool isCausal = false;
    /// Classifiers ("sequence-classification", "token-classification" heads): the class
    /// names in logit order (config.json's id2label).
    std::vector<std::string> labels;
};

struct LoadOptions {
    std::string device = "cpu"; ///< "cpu" or "cuda" / "cuda:N"
    bool loadTokenizer = true;
};

/// A padded batch: ids, mask and token types, each [batch, seq].
struct ModelInput {
    IntTensor inputIds;
    IntTensor attentionMask;
    IntTensor tokenTypeIds;
    std::vector<std::vector<std::string>> tokens; ///< per row, padded with the pad token
    std::vector<Encoding> encodings;              ///< the unpadded encodings, when from text
    /// Encoder-decoder models: [batch, targetSeq] decoder input ids (the target shifted
    /// right, starting with decoder_start_token_id). Empty = run the encoder alone.
    IntTensor decoderInputIds;
    /// Encoder-decoder models: [batch, targetSeq], 1 = real token; empty = all 1.
    IntTensor decoderAttentionMask;

    int64_t batchSize() const { return inputIds.shape.empty() ? 0 : inputIds.shape[0]; }
    int64_t seqLen() const { return inputIds.shape.size() < 2 ? 0 : inputIds.shape[1]; }
};

/// The side Model::prepare pads a batch on. The reference's tokenizers pad on the right by
/// default (encoders, and the plain forward of a decoder); batched generation with a decoder
/// pads on the left so that every row ends with its newest token.
enum class PaddingSide { Right, Left };

struct ForwardResult {
    FloatTensor lastHiddenState;       ///< [batch, seq, hidden]
    FloatTensor poolerOutput;          ///< [batch, hidden] where the model has a pooler
    FloatTensor logits;                ///< [batch, seq, vocab] where the model has an LM head
                                       ///< ([batch, seq] for the ELECTRA discriminator)
    FloatTensor seqRelationshipLogits; ///< [batch, 2] for BertForPreTraining
    Trace trace;
    double elapsedMs = 0.0;
    /// Cancelled when RunControl::cancel was set between layers; the tensors are then empty.
    JobStatus status = JobStatus::Completed;
};

class Model {
public:
    /// Throws lumen::Error (missing folder, no config.json, unknown model_type, bad weights).
    static std::unique_ptr<Model> load(const std::string& dir, const LoadOptions& options = {});
    ~Model();

    const ModelInfo& info() const;
    /// nullptr when the folder has no tokenizer (or LoadOptions::loadTokenizer was false)
    const Tokenizer* tokenizer() const;

    /// Tokenises and pads to the longest text (right padding by default), like the
    /// reference. Pads with the pad token, or the eos token when there is none (GPT-2,
    /// LLaMA). Throws lumen::Error for an empty list or an empty text.
    ModelInput prepare(const std::vector<std::string>& texts, int64_t maxLength = 0,
                       PaddingSide side = PaddingSide::Right) const;
    /// One text pair (segment A, segment B) with token type ids.
    ModelInput preparePair(const std::string& text, const std::string& pair) const;
    /// Encoder-decoder models (T5): the sources as prepare() does, and the targets tokenised
    /// with the same tokenizer (eos appended, as the reference's text_target does), padded
    /// with the pad token and shifted right behind decoder_start_token_id into
    /// decoderInputIds. One target is used for every source; otherwise give one per source.
    /// Throws lumen::Error for a model that is not encoder-decoder, or empty texts.
    ModelInput prepareSeq2Seq(const std::vector<std::string>& sources,
                              const std::vector<std::string>& targets) const;

    ForwardResult forward(const ModelInput& input, const TraceRequest& trace = {},
                          const RunControl& control = {});

    struct Impl;

private:
    // Engine-internal access to the architecture behind a model (engine/src/models/
    // architecture.h), for the generation code in engine/src/generate.
    friend class ModelInternals;
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Writes a randomly initialised model of `configPath`'s configuration to `outDir` in the
/// Hugging Face layout (config.json + model.safetensors). Copies tokenizer files that sit
/// beside the config. Returns the number of parameters written.
int64_t createRandomModel(const std::string& configPath, const std::string& outDir, uint64_t seed);

/// A new model of one of the families `lumen-cli new-model --family` and the New Model
/// dialog build, sized as asked: Lumen's own ("lightconv", "dynamicconv", "dilatedconv",
/// "wavenet", "lstm") or a Transformer of the same sizes ("transformer": BERT for the
/// masked-LM head, GPT-2 for the causal one), so architectures compare at equal width and depth.
struct NewModelSpec {
    std::string family = "lightconv";
    bool causal = false; ///< the causal-LM head; else the masked-LM head
    int64_t hidden = 256;
    int64_t layers = 4;
    int64_t heads = 4; ///< attention heads, or lightweight / dynamic convolution heads
    int64_t kernel = 0; ///< convolution kernel width; 0 = the family's default
    int64_t intermediate = 0; ///< feed-forward width; 0 = 4 x hidden
    int64_t maxPositions = 0; ///< 0 = none for the convolutions and the LSTM, 512 for a Transformer
};

/// The families NewModelSpec::family accepts.
std::vector<std::string> newModelFamilies();

/// Writes a random model of `spec` with the tokenizer of `tokenizerDir` (its vocabulary
/// size sets the model's) to `outDir`. Throws lumen::Error(InvalidInput) for an unknown
/// family, sizes that do not fit (heads not dividing the width, an even centred kernel), or
/// a masked-LM whose tokenizer has no mask token. Returns the number of parameters.
int64_t createModel(const NewModelSpec& spec, const std::string& tokenizerDir, const std::string& outDir,
                    uint64_t seed);

/// The model types Lumen can load, for error messages and the Open dialog.
std::vector<std::string> supportedModelTypes();

} // namespace lumen::engine
