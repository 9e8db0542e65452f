// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The BERT encoder's modules (engine-internal), shared by the families that keep BERT's
// layer layout: BERT, RoBERTa and ELECTRA. Module names are the reference's attribute names,
// so parameter paths equal the checkpoint keys ("encoder.layer.0.attention.self.query.weight").

#include "models/architecture.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lumen::engine::bert {

namespace nn = torch::nn;
using blocks::Activation;

/// The config fields every BERT-layout family reads (BertConfig, RobertaConfig, ElectraConfig
/// share their names). `family` names the model in error messages.
struct BertSizes {
    int64_t vocab = 0;
    int64_t hidden = 0;
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t intermediate = 0;
    int64_t maxPositions = 0;
    int64_t typeVocab = 0;
    int64_t padTokenId = 0;
    double layerNormEps = 1e-12;
    double initStd = 0.02;
    /// Dropout while training (a module in eval mode, as for every analysis, has none):
    /// after the embeddings and each residual branch (hidden_dropout_prob), on the attention
    /// probabilities (attention_probs_dropout_prob), and before a classifier head
    /// (classifier_dropout, else hidden_dropout_prob), as in the reference.
    double hiddenDropout = 0.1;
    double attentionDropout = 0.1;
    double classifierDropout = 0.1;
    Activation activation = Activation::Gelu;
    bool tieWordEmbeddings = true;

    explicit BertSizes(const ModelConfig& c, const std::string& family = "BERT")
    {
        vocab = c.requireInt("vocab_size");
        hidden = c.requireInt("hidden_size");
        layers = c.requireInt("num_hidden_layers");
        heads = c.requireInt("num_attention_heads");
        intermediate = c.requireInt("intermediate_size");
        maxPositions = c.getInt("max_position_embeddings", 512);
        typeVocab = c.getInt("type_vocab_size", 2);
        padTokenId = c.getInt("pad_token_id", 0);
        layerNormEps = c.getDouble("layer_norm_eps", 1e-12);
        initStd = c.getDouble("initializer_range", 0.02);
        hiddenDropout = c.getDouble("hidden_dropout_prob", 0.1);
        attentionDropout = c.getDouble("attention_probs_dropout_prob", 0.1);
        classifierDropout = c.getDouble("classifier_dropout", hiddenDropout);
        activation = blocks::activationFromConfig(c, "hidden_act", "gelu");
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        for (const auto& [key, value] : { std::pair { "vocab_size", vocab },
                 { "hidden_size", hidden }, { "num_hidden_layers", layers },
                 { "num_attention_heads", heads }, { "intermediate_size", intermediate },
                 { "max_position_embeddings", maxPositions } }) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (hidden % heads != 0) {
            c.fail("hidden_size",
                "(" + std::to_string(hidden) + ") must be divisible by num_attention_heads ("
                    + std::to_string(heads) + ").");
        }
        const std::string positions = c.getString("position_embedding_type", "absolute");
        if (positions != "absolute") {
            c.fail("position_embedding_type",
                "is \"" + positions + "\"; Lumen supports only \"absolute\" for " + family + ".");
        }
    }
};

/// Word + position + token-type embeddings and a LayerNorm, `dim` wide (hidden_size for
/// BERT and RoBERTa, embedding_size for ELECTRA).
struct Embeddings : nn::Module {
    blocks::Embedding word_embeddings { nullptr }, position_embeddings { nullptr },
        token_type_embeddings { nullptr };
    blocks::LayerNorm LayerNorm { nullptr };

    double dropout;

    Embeddings(const BertSizes& s, int64_t dim)
        : dropout(s.hiddenDropout)
    {
        word_embeddings = register_module("word_embeddings", blocks::Embedding(s.vocab, dim));
        position_embeddings =
            register_module("position_embeddings", blocks::Embedding(s.maxPositions, dim));
        token_type_embeddings = register_module(
            "token_type_embeddings", blocks::Embedding(std::max<int64_t>(s.typeVocab, 1), dim));
        LayerNorm = register_module(
            "LayerNorm", blocks::LayerNorm(nn::LayerNormOptions({ dim }).eps(s.layerNormEps)));
    }

    /// Positions 0..seq-1 (BERT, ELECTRA).
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& typeIds)
    {
        const auto positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0);
        return forward(ids, typeIds, positions);
    }

    /// Explicit position ids [batch or 1, seq] (RoBERTa's start past the padding index).
    torch::Tensor forward(
        const torch::Tensor& ids, const torch::Tensor& typeIds, const torch::Tensor& positions)
    {
        torch::Tensor x = word_embeddings(ids) + token_type_embeddings(typeIds);
        x = x + position_embeddings(positions);
        return torch::dropout(LayerNorm(x), dropout, is_training());
    }
};

struct SelfAttention : nn::Module {
    blocks::Linear query { nullptr }, key { nullptr }, value { nullptr };
    explicit SelfAttention(const BertSizes& s)
    {
        query = register_module("query", blocks::Linear(s.hidden, s.hidden));
        key = register_module("key", blocks::Linear(s.hidden, s.hidden));
        value = register_module("value", blocks::Linear(s.hidden, s.hidden));
    }
};

struct DenseNorm : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::LayerNorm LayerNorm { nullptr };
    double dropout;
    DenseNorm(int64_t in, int64_t out, double eps, double dropout)
        : dropout(dropout)
    {
        dense = register_module("dense", blocks::Linear(in, out));
        LayerNorm =
            register_module("LayerNorm", blocks::LayerNorm(nn::LayerNormOptions({ out }).eps(eps)));
    }
    // Post-LN residual: LayerNorm(dropout(dense(x)) + residual)
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual)
    {
        return LayerNorm(torch::dropout(dense(x), dropout, is_training()) + residual);
    }
};

struct Attention : nn::Module {
    std::shared_ptr<SelfAttention> self;
    std::shared_ptr<DenseNorm> output;
    explicit Attention(const BertSizes& s)
    {
        self = register_module("self", std::make_shared<SelfAttention>(s));
        output = register_module(
            "output", std::make_shared<DenseNorm>(s.hidden, s.hidden, s.layerNormEps, s.hiddenDropout));
    }
};

struct Intermediate : nn::Module {
    blocks::Linear dense { nullptr };
    explicit Intermediate(const BertSizes& s)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.intermediate));
    }
};

struct Layer : nn::Module {
    std::shared_ptr<Attention> attention;
    std::shared_ptr<Intermediate> intermediate;
    std::shared_ptr<DenseNorm> output;
    int64_t heads;
    Activation activation;
    double attentionDropout;

    explicit Layer(const BertSizes& s)
        : heads(s.heads)
        , activation(s.activation)
        , attentionDropout(s.attentionDropout)
    {
        attention = register_module("attention", std::make_shared<Attention>(s));
        intermediate = register_module("intermediate", std::make_shared<Intermediate>(s));
        output = register_module(
            "output", std::make_shared<DenseNorm>(s.intermediate, s.hidden, s.layerNormEps, s.hiddenDropout));
    }

    torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& mask, torch::Tensor* probs)
    {
        auto& sa = *attention->self;
        const torch::Tensor q = blocks::splitHeads(sa.query(h), heads);
        const torch::Tensor k = blocks::splitHeads(sa.key(h), heads);
        const torch::Tensor v = blocks::splitHeads(sa.value(h), heads);
        const torch::Tensor context = blocks::mergeHeads(
            blocks::attend(q, k, v, mask, probs, is_training() ? attentionDropout : 0.0));
        const torch::Tensor a = attention->output->forward(context, h);
        const torch::Tensor i = blocks::activate(activation, intermediate->dense(a));
        return output->forward(i, a);
    }

    void initWeights(double std)
    {
        blocks::initLinear(attention->self->query, std);
        blocks::initLinear(attention->self->key, std);
        blocks::initLinear(attention->self->value, std);
        blocks::initLinear(attention->output->dense, std);
        blocks::initLayerNorm(attention->output->LayerNorm);
        blocks::initLinear(intermediate->dense, std);
        blocks::initLinear(output->dense, std);
        blocks::initLayerNorm(output->LayerNorm);
    }
};

struct Encoder : nn::Module {
    nn::ModuleList layer { nullptr };
    std::vector<std::shared_ptr<Layer>> layers;
    explicit Encoder(const BertSizes& s)
    {
        layer = register_module("layer", nn::ModuleList());
        for (int64_t i = 0; i < s.layers; ++i) {
            layers.push_back(std::make_shared<Layer>(s));
            layer->push_back(layers.back());
        }
    }
};

/// Runs the encoder's layers over `h` (the embeddings, already projected to hidden_size),
/// recording what `trace` asks for into `out` (hidden_states[0] is `h`). Sets
/// out.cancelled and returns an undefined tensor when the caller cancels between layers.
inline torch::Tensor runEncoder(Encoder& encoder, torch::Tensor h, const ArchInput& in,
    const TraceRequest& trace, ArchOutput& out)
{
    const torch::Tensor mask = blocks::additiveMask(in.attentionMask, h.scalar_type());
    if (trace.hiddenStates) {
        out.hiddenStates.push_back(h);
    }
    const auto layers = static_cast<int64_t>(encoder.layers.size());
    for (int64_t index = 0; index < layers; ++index) {
        if (stopRequested(in, index, layers)) {
            out.cancelled = true;
            return {};
        }
        torch::Tensor probs;
        if (in.checkpointLayers && !trace.attentions) {
            auto layer = encoder.layers[static_cast<size_t>(index)];
            h = blocks::checkpointed([layer, mask](const torch::Tensor& x) { return layer->forward(x, mask, nullptr); }, h);
        } else {
            h = encoder.layers[static_cast<size_t>(index)]->forward(h, mask, trace.attentions ? &probs : nullptr);
        }
        if (trace.attentions) {
            recordAttention(in, out, probs);
        }
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
    }
    return h;
}

struct Pooler : nn::Module {
    blocks::Linear dense { nullptr };
    explicit Pooler(const BertSizes& s)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
    }
    torch::Tensor forward(const torch::Tensor& h)
    {
        return torch::tanh(dense(h.select(/*dim=*/1, /*index=*/0)));
    }
};

// The bare encoder (BertModel, RobertaModel): embeddings, layers and an optional pooler.
struct BaseModel : nn::Module {
    std::shared_ptr<Embeddings> embeddings;
    std::shared_ptr<Encoder> encoder;
    std::shared_ptr<Pooler> pooler;

    BaseModel(const BertSizes& s, bool withPooler)
    {
        embeddings = register_module("embeddings", std::make_shared<Embeddings>(s, s.hidden));
        encoder = register_module("encoder", std::make_shared<Encoder>(s));
        if (withPooler) {
            pooler = register_module("pooler", std::make_shared<Pooler>(s));
        }
    }
};

} // namespace lumen::engine::bert
