// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/distilbert.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <cmath>
#include <limits>

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

// DistilBERT's LayerNorms all use eps 1e-12 (not configurable in the reference).
constexpr double kLayerNormEps = 1e-12;

struct Sizes {
    int64_t vocab = 0;
    int64_t dim = 0;
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t hiddenDim = 0;
    int64_t maxPositions = 0;
    int64_t padTokenId = 0;
    double initStd = 0.02;
    /// Training only: after the embeddings and the feed-forward (dropout), on the attention
    /// weights (attention_dropout), as in the reference.
    double dropout = 0.1;
    double attentionDropout = 0.1;
    Activation activation = Activation::Gelu;
    bool sinusoidal = false;
    bool tieWordEmbeddings = true;

    explicit Sizes(const ModelConfig& c)
    {
        vocab = c.requireInt("vocab_size");
        dim = c.getInt("dim", 768);
        layers = c.getInt("n_layers", 6);
        heads = c.getInt("n_heads", 12);
        hiddenDim = c.getInt("hidden_dim", 3072);
        maxPositions = c.getInt("max_position_embeddings", 512);
        padTokenId = c.getInt("pad_token_id", 0);
        initStd = c.getDouble("initializer_range", 0.02);
        dropout = c.getDouble("dropout", 0.1);
        attentionDropout = c.getDouble("attention_dropout", 0.1);
        activation = blocks::activationFromConfig(c, "activation", "gelu");
        sinusoidal = c.getBool("sinusoidal_pos_embds", false);
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        for (const auto& [key, value] : { std::pair { "vocab_size", vocab }, { "dim", dim },
                 { "n_layers", layers }, { "n_heads", heads }, { "hidden_dim", hiddenDim },
                 { "max_position_embeddings", maxPositions } }) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (dim % heads != 0) {
            c.fail("dim",
                "(" + std::to_string(dim) + ") must be divisible by n_heads ("
                    + std::to_string(heads) + ").");
        }
    }
};

struct Embeddings : nn::Module {
    blocks::Embedding word_embeddings { nullptr }, position_embeddings { nullptr };
    blocks::LayerNorm LayerNorm { nullptr };
    double dropout;

    explicit Embeddings(const Sizes& s)
        : dropout(s.dropout)
    {
        word_embeddings = register_module("word_embeddings", blocks::Embedding(s.vocab, s.dim));
        position_embeddings =
            register_module("position_embeddings", blocks::Embedding(s.maxPositions, s.dim));
        LayerNorm = register_module(
            "LayerNorm", blocks::LayerNorm(nn::LayerNormOptions({ s.dim }).eps(kLayerNormEps)));
    }

    torch::Tensor forward(const torch::Tensor& ids)
    {
        const auto positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0);
        return torch::dropout(LayerNorm(word_embeddings(ids) + position_embeddings(positions)), dropout, is_training());
    }
};

struct MultiHeadSelfAttention : nn::Module {
    blocks::Linear q_lin { nullptr }, k_lin { nullptr }, v_lin { nullptr }, out_lin { nullptr };
    int64_t heads;
    double dropout;

    explicit MultiHeadSelfAttention(const Sizes& s)
        : heads(s.heads)
        , dropout(s.attentionDropout)
    {
        q_lin = register_module("q_lin", blocks::Linear(s.dim, s.dim));
        k_lin = register_module("k_lin", blocks::Linear(s.dim, s.dim));
        v_lin = register_module("v_lin", blocks::Linear(s.dim, s.dim));
        out_lin = register_module("out_lin", blocks::Linear(s.dim, s.dim));
    }

    // As the reference: q is scaled before the product, and masked keys are filled with
    // the dtype's lowest value (mask: [batch, seq], 1 = real token).
    torch::Tensor forward(
        const torch::Tensor& x, const torch::Tensor& keyMask, torch::Tensor* probs)
    {
        const torch::Tensor q = blocks::splitHeads(q_lin(x), heads);
        const torch::Tensor k = blocks::splitHeads(k_lin(x), heads);
        const torch::Tensor v = blocks::splitHeads(v_lin(x), heads);
        const double scale = std::sqrt(static_cast<double>(q.size(-1)));
        torch::Tensor scores = torch::matmul(q / scale, k.transpose(-1, -2));
        const torch::Tensor masked =
            keyMask.eq(0).view({ x.size(0), 1, 1, x.size(1) }).expand_as(scores);
        scores = scores.masked_fill(masked, blocks::lowestOf(scores.scalar_type()));
        const torch::Tensor weights = torch::softmax(scores, /*dim=*/-1);
        if (probs != nullptr) {
            *probs = weights;
        }
        return out_lin(blocks::mergeHeads(torch::matmul(torch::dropout(weights, dropout, is_training()), v)));
    }
};

struct Ffn : nn::Module {
    blocks::Linear lin1 { nullptr }, lin2 { nullptr };
    explicit Ffn(const Sizes& s)
    {
        lin1 = register_module("lin1", blocks::Linear(s.dim, s.hiddenDim));
        lin2 = register_module("lin2", blocks::Linear(s.hiddenDim, s.dim));
    }
};

struct TransformerBlock : nn::Module {
    std::shared_ptr<MultiHeadSelfAttention> attention;
    blocks::LayerNorm sa_layer_norm { nullptr };
    std::shared_ptr<Ffn> ffn;
    blocks::LayerNorm output_layer_norm { nullptr };
    Activation activation;
    double dropout;

    explicit TransformerBlock(const Sizes& s)
        : activation(s.activation)
        , dropout(s.dropout)
    {
        attention = register_module("attention", std::make_shared<MultiHeadSelfAttention>(s));
        sa_layer_norm = register_module(
            "sa_layer_norm", blocks::LayerNorm(nn::LayerNormOptions({ s.dim }).eps(kLayerNormEps)));
        ffn = register_module("ffn", std::make_shared<Ffn>(s));
        output_layer_norm = register_module("output_layer_norm",
            blocks::LayerNorm(nn::LayerNormOptions({ s.dim }).eps(kLayerNormEps)));
    }

    torch::Tensor forward(
        const torch::Tensor& x, const torch::Tensor& keyMask, torch::Tensor* probs)
    {
        const torch::Tensor sa = sa_layer_norm(attention->forward(x, keyMask, probs) + x);
        const torch::Tensor f = ffn->lin2(blocks::activate(activation, ffn->lin1(sa)));
        return output_layer_norm(torch::dropout(f, dropout, is_training()) + sa);
    }
};

struct Transformer : nn::Module {
    nn::ModuleList layer { nullptr };
    std::vector<std::shared_ptr<TransformerBlock>> layers;
    explicit Transformer(const Sizes& s)
    {
        layer = register_module("layer", nn::ModuleList());
        for (int64_t i = 0; i < s.layers; ++i) {
            layers.push_back(std::make_shared<TransformerBlock>(s));
            layer->push_back(layers.back());
        }
    }
};

struct DistilBertBase : nn::Module {
    std::shared_ptr<Embeddings> embeddings;
    std::shared_ptr<Transformer> transformer;
    explicit DistilBertBase(const Sizes& s)
    {
        embeddings = register_module("embeddings", std::make_shared<Embeddings>(s));
        transformer = register_module("transformer", std::make_shared<Transformer>(s));
    }
};

/// The fixed table the reference writes when sinusoidal_pos_embds is true: even columns
/// sin(pos / 10000^(2i/dim)), odd columns cos of the same.
torch::Tensor sinusoidalTable(int64_t positions, int64_t dim)
{
    torch::Tensor table = torch::zeros({ positions, dim });
    auto a = table.accessor<float, 2>();
    for (int64_t pos = 0; pos < positions; ++pos) {
        for (int64_t j = 0; j < dim; ++j) {
            const double angle = static_cast<double>(pos)
                / std::pow(10000.0, 2.0 * static_cast<double>(j / 2) / static_cast<double>(dim));
            a[pos][j] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    }
    return table;
}

enum class Head { Base, MaskedLm, SequenceClassification, TokenClassification };

class DistilBert final : public Architecture {
public:
    DistilBert(const ModelConfig& config, Head head)
        : sizes_(config)
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        base_ = std::make_shared<DistilBertBase>(sizes_);
        if (head == Head::Base) {
            register_module("embeddings", base_->embeddings);
            register_module("transformer", base_->transformer);
            return;
        }
        register_module("distilbert", base_);
        if (head == Head::SequenceClassification || head == Head::TokenClassification) {
            labels_ = config.requireLabels();
            const auto n = static_cast<int64_t>(labels_.size());
            // The reference: pre_classifier -> relu -> dropout -> classifier on the first
            // token (sequence), dropout -> classifier on every token (tokens).
            if (head == Head::SequenceClassification) {
                pre_classifier = register_module("pre_classifier", blocks::Linear(sizes_.dim, sizes_.dim));
                dropout_ = config.getDouble("seq_classif_dropout", 0.2);
            } else {
                dropout_ = config.getDouble("dropout", 0.1);
            }
            classifier = register_module("classifier", blocks::Linear(sizes_.dim, n));
            return;
        }
        vocab_transform =
            register_module("vocab_transform", blocks::Linear(sizes_.dim, sizes_.dim));
        vocab_layer_norm = register_module("vocab_layer_norm",
            blocks::LayerNorm(nn::LayerNormOptions({ sizes_.dim }).eps(kLayerNormEps)));
        projector_ = register_module("vocab_projector", std::make_shared<Projector>(sizes_));
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        // DistilBERT has no token types: tokenTypeIds are ignored.
        ArchOutput out;
        torch::Tensor h = embedded(in, base_->embeddings->forward(in.inputIds));
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
        const auto layers = static_cast<int64_t>(base_->transformer->layers.size());
        for (int64_t index = 0; index < layers; ++index) {
            if (stopRequested(in, index, layers)) {
                out.cancelled = true;
                return out;
            }
            torch::Tensor probs;
            if (in.checkpointLayers && !trace.attentions) {
                auto layer = base_->transformer->layers[static_cast<size_t>(index)];
                const torch::Tensor mask = in.attentionMask;
                h = blocks::checkpointed([layer, mask](const torch::Tensor& x) { return layer->forward(x, mask, nullptr); }, h);
                if (trace.hiddenStates) {
                    out.hiddenStates.push_back(h);
                }
                continue;
            }
            h = base_->transformer->layers[static_cast<size_t>(index)]->forward(
                h, in.attentionMask, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                recordAttention(in, out, probs);
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(h);
            }
        }
        out.lastHidden = h;
        if (projector_) {
            out.logits = lensLogits(h);
        }
        if (classifier) {
            const bool training = is_training();
            if (pre_classifier) {
                const torch::Tensor x = torch::relu(pre_classifier(h.select(1, 0)));
                out.logits = classifier(torch::dropout(x, dropout_, training));
            } else {
                out.logits = classifier(torch::dropout(h, dropout_, training));
            }
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!projector_) {
            return {};
        }
        torch::Tensor t = blocks::activate(sizes_.activation, vocab_transform(h));
        t = vocab_layer_norm(t);
        const torch::Tensor& weight = projector_->weight.defined()
            ? projector_->weight
            : base_->embeddings->word_embeddings->weight;
        return torch::nn::functional::linear(t, weight, projector_->bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : head_ == Head::Base                  ? "DistilBertModel"
            : head_ == Head::SequenceClassification ? "DistilBertForSequenceClassification"
            : head_ == Head::TokenClassification    ? "DistilBertForTokenClassification"
                                                   : "DistilBertForMaskedLM";
        info.headKind = head_ == Head::Base          ? "base"
            : head_ == Head::SequenceClassification ? "sequence-classification"
            : head_ == Head::TokenClassification    ? "token-classification"
                                                    : "masked-lm";
        info.labels = labels_;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.dim;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.hiddenDim;
        info.maxPositions = sizes_.maxPositions;
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (projector_ && sizes_.tieWordEmbeddings) {
            return { { "vocab_projector.weight", "distilbert.embeddings.word_embeddings.weight" } };
        }
        return {};
    }

    std::string basePrefix() const override { return "distilbert."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        auto& e = *base_->embeddings;
        blocks::initEmbedding(e.word_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.position_embeddings, std);
        if (sizes_.sinusoidal) {
            torch::NoGradGuard noGrad;
            e.position_embeddings->weight.copy_(sinusoidalTable(sizes_.maxPositions, sizes_.dim));
        }
        blocks::initLayerNorm(e.LayerNorm);
        for (const auto& layer : base_->transformer->layers) {
            blocks::initLinear(layer->attention->q_lin, std);
            blocks::initLinear(layer->attention->k_lin, std);
            blocks::initLinear(layer->attention->v_lin, std);
            blocks::initLinear(layer->attention->out_lin, std);
            blocks::initLayerNorm(layer->sa_layer_norm);
            blocks::initLinear(layer->ffn->lin1, std);
            blocks::initLinear(layer->ffn->lin2, std);
            blocks::initLayerNorm(layer->output_layer_norm);
        }
        if (projector_) {
            blocks::initLinear(vocab_transform, std);
            blocks::initLayerNorm(vocab_layer_norm);
            torch::NoGradGuard noGrad;
            if (projector_->weight.defined()) {
                projector_->weight.normal_(0.0, std);
            }
            projector_->bias.zero_();
        }
        if (pre_classifier) {
            blocks::initLinear(pre_classifier, std);
        }
        if (classifier) {
            blocks::initLinear(classifier, std);
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }
    // No token-type embeddings; the ids a pair tokenizer gives (0 and 1) are accepted and
    // ignored, as the reference's DistilBERT tokenizer never passes them.
    int64_t typeVocabSize() const override { return 2; }

private:
    // vocab_projector: Linear(dim, vocab) whose weight is normally tied to the embeddings.
    struct Projector : nn::Module {
        torch::Tensor weight; // only when untied
        torch::Tensor bias;
        explicit Projector(const Sizes& s)
        {
            if (!s.tieWordEmbeddings) {
                weight = register_parameter("weight", blocks::uninitialised({ s.vocab, s.dim }));
            }
            bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
        }
    };

    Sizes sizes_;
    Head head_;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<DistilBertBase> base_;
    blocks::Linear vocab_transform { nullptr };
    blocks::LayerNorm vocab_layer_norm { nullptr };
    std::shared_ptr<Projector> projector_;
    blocks::Linear pre_classifier { nullptr };
    blocks::Linear classifier { nullptr };
    std::vector<std::string> labels_;
    double dropout_ = 0.1;
};

} // namespace

std::shared_ptr<Architecture> createDistilBert(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch == "DistilBertForMaskedLM") {
        return std::make_shared<DistilBert>(config, Head::MaskedLm);
    }
    if (arch == "DistilBertForSequenceClassification") {
        return std::make_shared<DistilBert>(config, Head::SequenceClassification);
    }
    if (arch == "DistilBertForTokenClassification") {
        return std::make_shared<DistilBert>(config, Head::TokenClassification);
    }
    if (arch.empty() || arch == "DistilBertModel") {
        return std::make_shared<DistilBert>(config, Head::Base);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for DistilBERT (Lumen loads DistilBertModel, DistilBertForMaskedLM, "
              "DistilBertForSequenceClassification and DistilBertForTokenClassification). Set \"architectures\" to [\"DistilBertModel\"] to "
              "load the encoder alone.");
}

} // namespace lumen::engine
