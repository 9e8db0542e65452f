// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/bert.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

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
    Activation activation = Activation::Gelu;
    bool tieWordEmbeddings = true;

    explicit BertSizes(const ModelConfig& c)
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
        activation = blocks::activationFromConfig(c, "hidden_act", "gelu");
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        for (const auto& [key, value] : {std::pair{"vocab_size", vocab}, {"hidden_size", hidden},
                                         {"num_hidden_layers", layers},
                                         {"num_attention_heads", heads},
                                         {"intermediate_size", intermediate},
                                         {"max_position_embeddings", maxPositions}}) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (hidden % heads != 0) {
            c.fail("hidden_size", "(" + std::to_string(hidden) +
                                      ") must be divisible by num_attention_heads (" +
                                      std::to_string(heads) + ").");
        }
        const std::string positions = c.getString("position_embedding_type", "absolute");
        if (positions != "absolute") {
            c.fail("position_embedding_type",
                   "is \"" + positions + "\"; Lumen supports only \"absolute\" for BERT.");
        }
    }
};

// Module names below are the reference's attribute names, so parameter paths equal the
// checkpoint keys ("encoder.layer.0.attention.self.query.weight").

struct Embeddings : nn::Module {
    nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
        token_type_embeddings{nullptr};
    nn::LayerNorm LayerNorm{nullptr};

    explicit Embeddings(const BertSizes& s)
    {
        word_embeddings = register_module("word_embeddings", nn::Embedding(s.vocab, s.hidden));
        position_embeddings =
            register_module("position_embeddings", nn::Embedding(s.maxPositions, s.hidden));
        token_type_embeddings = register_module(
            "token_type_embeddings", nn::Embedding(std::max<int64_t>(s.typeVocab, 1), s.hidden));
        LayerNorm = register_module(
            "LayerNorm", nn::LayerNorm(nn::LayerNormOptions({s.hidden}).eps(s.layerNormEps)));
    }

    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& typeIds)
    {
        const auto positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0);
        torch::Tensor x = word_embeddings(ids) + token_type_embeddings(typeIds);
        x = x + position_embeddings(positions);
        return LayerNorm(x);
    }
};

struct SelfAttention : nn::Module {
    nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
    explicit SelfAttention(const BertSizes& s)
    {
        query = register_module("query", nn::Linear(s.hidden, s.hidden));
        key = register_module("key", nn::Linear(s.hidden, s.hidden));
        value = register_module("value", nn::Linear(s.hidden, s.hidden));
    }
};

struct DenseNorm : nn::Module {
    nn::Linear dense{nullptr};
    nn::LayerNorm LayerNorm{nullptr};
    DenseNorm(int64_t in, int64_t out, double eps)
    {
        dense = register_module("dense", nn::Linear(in, out));
        LayerNorm = register_module("LayerNorm", nn::LayerNorm(nn::LayerNormOptions({out}).eps(eps)));
    }
    // Post-LN residual: LayerNorm(dense(x) + residual)
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual)
    {
        return LayerNorm(dense(x) + residual);
    }
};

struct Attention : nn::Module {
    std::shared_ptr<SelfAttention> self;
    std::shared_ptr<DenseNorm> output;
    explicit Attention(const BertSizes& s)
    {
        self = register_module("self", std::make_shared<SelfAttention>(s));
        output = register_module("output", std::make_shared<DenseNorm>(s.hidden, s.hidden,
                                                                       s.layerNormEps));
    }
};

struct Intermediate : nn::Module {
    nn::Linear dense{nullptr};
    explicit Intermediate(const BertSizes& s)
    {
        dense = register_module("dense", nn::Linear(s.hidden, s.intermediate));
    }
};

struct Layer : nn::Module {
    std::shared_ptr<Attention> attention;
    std::shared_ptr<Intermediate> intermediate;
    std::shared_ptr<DenseNorm> output;
    int64_t heads;
    Activation activation;

    explicit Layer(const BertSizes& s)
        : heads(s.heads)
        , activation(s.activation)
    {
        attention = register_module("attention", std::make_shared<Attention>(s));
        intermediate = register_module("intermediate", std::make_shared<Intermediate>(s));
        output = register_module("output", std::make_shared<DenseNorm>(s.intermediate, s.hidden,
                                                                       s.layerNormEps));
    }

    torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& mask, torch::Tensor* probs)
    {
        auto& sa = *attention->self;
        const torch::Tensor q = blocks::splitHeads(sa.query(h), heads);
        const torch::Tensor k = blocks::splitHeads(sa.key(h), heads);
        const torch::Tensor v = blocks::splitHeads(sa.value(h), heads);
        const torch::Tensor context = blocks::mergeHeads(blocks::attend(q, k, v, mask, probs));
        const torch::Tensor a = attention->output->forward(context, h);
        const torch::Tensor i = blocks::activate(activation, intermediate->dense(a));
        return output->forward(i, a);
    }
};

struct Encoder : nn::Module {
    nn::ModuleList layer{nullptr};
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

struct Pooler : nn::Module {
    nn::Linear dense{nullptr};
    explicit Pooler(const BertSizes& s) { dense = register_module("dense", nn::Linear(s.hidden, s.hidden)); }
    torch::Tensor forward(const torch::Tensor& h)
    {
        return torch::tanh(dense(h.select(/*dim=*/1, /*index=*/0)));
    }
};

struct BertBase : nn::Module {
    std::shared_ptr<Embeddings> embeddings;
    std::shared_ptr<Encoder> encoder;
    std::shared_ptr<Pooler> pooler;

    BertBase(const BertSizes& s, bool withPooler)
    {
        embeddings = register_module("embeddings", std::make_shared<Embeddings>(s));
        encoder = register_module("encoder", std::make_shared<Encoder>(s));
        if (withPooler) {
            pooler = register_module("pooler", std::make_shared<Pooler>(s));
        }
    }
};

struct PredictionTransform : nn::Module {
    nn::Linear dense{nullptr};
    nn::LayerNorm LayerNorm{nullptr};
    explicit PredictionTransform(const BertSizes& s)
    {
        dense = register_module("dense", nn::Linear(s.hidden, s.hidden));
        LayerNorm = register_module(
            "LayerNorm", nn::LayerNorm(nn::LayerNormOptions({s.hidden}).eps(s.layerNormEps)));
    }
};

struct Predictions : nn::Module {
    std::shared_ptr<PredictionTransform> transform;
    nn::Linear decoder{nullptr}; // only when the decoder is not tied to the embeddings
    torch::Tensor bias;
    Predictions(const BertSizes& s)
    {
        transform = register_module("transform", std::make_shared<PredictionTransform>(s));
        if (!s.tieWordEmbeddings) {
            decoder = register_module("decoder",
                                      nn::Linear(nn::LinearOptions(s.hidden, s.vocab).bias(false)));
        }
        bias = register_parameter("bias", torch::zeros({s.vocab}));
    }
};

struct PreTrainingHeads : nn::Module {
    std::shared_ptr<Predictions> predictions;
    nn::Linear seq_relationship{nullptr};
    PreTrainingHeads(const BertSizes& s, bool withNsp)
    {
        predictions = register_module("predictions", std::make_shared<Predictions>(s));
        if (withNsp) {
            seq_relationship = register_module("seq_relationship", nn::Linear(s.hidden, 2));
        }
    }
};

enum class Head { Base, MaskedLm, PreTraining };

class Bert final : public Architecture {
public:
    Bert(const ModelConfig& config, Head head)
        : sizes_(config)
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        // BertModel checkpoints keep their keys at the top level; models with heads nest
        // the encoder under "bert." as the reference does.
        const bool withPooler = head != Head::MaskedLm;
        base_ = std::make_shared<BertBase>(sizes_, withPooler);
        if (head == Head::Base) {
            // Register the base's children directly so keys are "embeddings....".
            register_module("embeddings", base_->embeddings);
            register_module("encoder", base_->encoder);
            if (base_->pooler) {
                register_module("pooler", base_->pooler);
            }
        } else {
            register_module("bert", base_);
            cls_ = register_module(
                "cls", std::make_shared<PreTrainingHeads>(sizes_, head == Head::PreTraining));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        torch::Tensor h = base_->embeddings->forward(in.inputIds, in.tokenTypeIds);
        const torch::Tensor mask = blocks::additiveMask(in.attentionMask, h.scalar_type());
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
        const auto layers = static_cast<int64_t>(base_->encoder->layers.size());
        for (int64_t index = 0; index < layers; ++index) {
            if (stopRequested(in, index, layers)) {
                out.cancelled = true;
                return out;
            }
            const auto& layer = base_->encoder->layers[static_cast<size_t>(index)];
            torch::Tensor probs;
            h = layer->forward(h, mask, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                out.attentions.push_back(probs);
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(h);
            }
        }
        out.lastHidden = h;
        if (base_->pooler) {
            out.pooler = base_->pooler->forward(h);
        }
        if (cls_) {
            const auto& p = *cls_->predictions;
            torch::Tensor t = p.transform->dense(h);
            t = p.transform->LayerNorm(blocks::activate(sizes_.activation, t));
            const torch::Tensor& decoderWeight =
                p.decoder ? p.decoder->weight : base_->embeddings->word_embeddings->weight;
            out.logits = torch::nn::functional::linear(t, decoderWeight, p.bias);
            if (cls_->seq_relationship && out.pooler.defined()) {
                out.seqRelationship = cls_->seq_relationship(out.pooler);
            }
        }
        return out;
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
                            : head_ == Head::Base  ? "BertModel"
                            : head_ == Head::MaskedLm ? "BertForMaskedLM"
                                                      : "BertForPreTraining";
        info.headKind = head_ == Head::Base       ? "base"
                        : head_ == Head::MaskedLm ? "masked-lm"
                                                  : "pretraining";
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.hidden;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.intermediate;
        info.maxPositions = sizes_.maxPositions;
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (!cls_) {
            return {};
        }
        std::map<std::string, std::string> tied{
            {"cls.predictions.decoder.bias", "cls.predictions.bias"}};
        if (sizes_.tieWordEmbeddings) {
            tied["cls.predictions.decoder.weight"] = "bert.embeddings.word_embeddings.weight";
        }
        return tied;
    }

    std::string basePrefix() const override { return "bert."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        auto& e = *base_->embeddings;
        blocks::initEmbedding(e.word_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.position_embeddings, std);
        blocks::initEmbedding(e.token_type_embeddings, std);
        blocks::initLayerNorm(e.LayerNorm);
        for (const auto& layer : base_->encoder->layers) {
            blocks::initLinear(layer->attention->self->query, std);
            blocks::initLinear(layer->attention->self->key, std);
            blocks::initLinear(layer->attention->self->value, std);
            blocks::initLinear(layer->attention->output->dense, std);
            blocks::initLayerNorm(layer->attention->output->LayerNorm);
            blocks::initLinear(layer->intermediate->dense, std);
            blocks::initLinear(layer->output->dense, std);
            blocks::initLayerNorm(layer->output->LayerNorm);
        }
        if (base_->pooler) {
            blocks::initLinear(base_->pooler->dense, std);
        }
        if (cls_) {
            auto& p = *cls_->predictions;
            blocks::initLinear(p.transform->dense, std);
            blocks::initLayerNorm(p.transform->LayerNorm);
            if (p.decoder) {
                blocks::initLinear(p.decoder, std);
            }
            torch::NoGradGuard noGrad;
            p.bias.zero_();
            if (cls_->seq_relationship) {
                blocks::initLinear(cls_->seq_relationship, std);
            }
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }
    int64_t typeVocabSize() const override { return sizes_.typeVocab; }

private:
    BertSizes sizes_;
    Head head_;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<BertBase> base_;
    std::shared_ptr<PreTrainingHeads> cls_;
};

} // namespace

std::shared_ptr<Architecture> createBert(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    Head head = Head::Base;
    if (arch == "BertForPreTraining") {
        head = Head::PreTraining;
    } else if (arch == "BertForMaskedLM") {
        head = Head::MaskedLm;
    } else if (arch.empty() || arch == "BertModel") {
        head = Head::Base;
    } else {
        throw Error(ErrorKind::Unsupported,
                    config.path() + ": architecture \"" + arch +
                        "\" is not supported yet for BERT (Lumen loads BertModel, "
                        "BertForMaskedLM and BertForPreTraining). Set \"architectures\" to "
                        "[\"BertModel\"] to load the encoder alone.");
    }
    return std::make_shared<Bert>(config, head);
}

} // namespace lumen::engine
