// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/albert.h"

#include "lumen/engine/error.h"
#include "models/bert_layers.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using bert::BertSizes;
using bert::Embeddings;
using blocks::Activation;

struct AlbertSizes : BertSizes {
    int64_t embeddingSize = 128;
    int64_t groups = 1;
    int64_t innerGroupNum = 1;
    int64_t sopLabels = 2;

    explicit AlbertSizes(const ModelConfig& c)
        : BertSizes(c, "ALBERT")
    {
        classifierDropout = c.getDouble("classifier_dropout_prob", hiddenDropout);
        activation = blocks::activationFromConfig(c, "hidden_act", "gelu_new");
        embeddingSize = c.getInt("embedding_size", 128);
        groups = c.getInt("num_hidden_groups", 1);
        innerGroupNum = c.getInt("inner_group_num", 1);
        for (const auto& [key, value] : { std::pair { "embedding_size", embeddingSize },
                 { "num_hidden_groups", groups }, { "inner_group_num", innerGroupNum } }) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (groups > layers) {
            c.fail("num_hidden_groups",
                "(" + std::to_string(groups) + ") must not exceed num_hidden_layers ("
                    + std::to_string(layers) + ").");
        }
    }

    /// The group the reference runs for layer application `layer`:
    /// int(layer / (num_hidden_layers / num_hidden_groups)), in floating point as in Python.
    int64_t groupOf(int64_t layer) const
    {
        return static_cast<int64_t>(static_cast<double>(layer)
            / (static_cast<double>(layers) / static_cast<double>(groups)));
    }
};

// AlbertAttention keeps query/key/value/dense/LayerNorm side by side (no self/output).
struct AlbertAttention : nn::Module {
    blocks::Linear query { nullptr }, key { nullptr }, value { nullptr }, dense { nullptr };
    blocks::LayerNorm LayerNorm { nullptr };
    explicit AlbertAttention(const AlbertSizes& s)
    {
        query = register_module("query", blocks::Linear(s.hidden, s.hidden));
        key = register_module("key", blocks::Linear(s.hidden, s.hidden));
        value = register_module("value", blocks::Linear(s.hidden, s.hidden));
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        LayerNorm = register_module(
            "LayerNorm", blocks::LayerNorm(nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps)));
    }
};

struct AlbertLayer : nn::Module {
    blocks::LayerNorm full_layer_layer_norm { nullptr };
    std::shared_ptr<AlbertAttention> attention;
    blocks::Linear ffn { nullptr }, ffn_output { nullptr };
    int64_t heads;
    Activation activation;
    double hiddenDropout, attentionDropout;

    explicit AlbertLayer(const AlbertSizes& s)
        : heads(s.heads)
        , activation(s.activation)
        , hiddenDropout(s.hiddenDropout)
        , attentionDropout(s.attentionDropout)
    {
        full_layer_layer_norm = register_module("full_layer_layer_norm",
            blocks::LayerNorm(nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps)));
        attention = register_module("attention", std::make_shared<AlbertAttention>(s));
        ffn = register_module("ffn", blocks::Linear(s.hidden, s.intermediate));
        ffn_output = register_module("ffn_output", blocks::Linear(s.intermediate, s.hidden));
    }

    torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& mask, torch::Tensor* probs)
    {
        auto& a = *attention;
        const torch::Tensor q = blocks::splitHeads(a.query(h), heads);
        const torch::Tensor k = blocks::splitHeads(a.key(h), heads);
        const torch::Tensor v = blocks::splitHeads(a.value(h), heads);
        const bool training = is_training();
        const torch::Tensor context = blocks::mergeHeads(
            blocks::attend(q, k, v, mask, probs, training ? attentionDropout : 0.0));
        const torch::Tensor attended = a.LayerNorm(h + torch::dropout(a.dense(context), hiddenDropout, training));
        const torch::Tensor f = ffn_output(blocks::activate(activation, ffn(attended)));
        return full_layer_layer_norm(f + attended);
    }
};

struct AlbertLayerGroup : nn::Module {
    nn::ModuleList albert_layers { nullptr };
    std::vector<std::shared_ptr<AlbertLayer>> layers;
    explicit AlbertLayerGroup(const AlbertSizes& s)
    {
        albert_layers = register_module("albert_layers", nn::ModuleList());
        for (int64_t i = 0; i < s.innerGroupNum; ++i) {
            layers.push_back(std::make_shared<AlbertLayer>(s));
            albert_layers->push_back(layers.back());
        }
    }
};

struct AlbertTransformer : nn::Module {
    blocks::Linear embedding_hidden_mapping_in { nullptr };
    nn::ModuleList albert_layer_groups { nullptr };
    std::vector<std::shared_ptr<AlbertLayerGroup>> groups;
    explicit AlbertTransformer(const AlbertSizes& s)
    {
        embedding_hidden_mapping_in = register_module(
            "embedding_hidden_mapping_in", blocks::Linear(s.embeddingSize, s.hidden));
        albert_layer_groups = register_module("albert_layer_groups", nn::ModuleList());
        for (int64_t i = 0; i < s.groups; ++i) {
            groups.push_back(std::make_shared<AlbertLayerGroup>(s));
            albert_layer_groups->push_back(groups.back());
        }
    }
};

struct AlbertBase : nn::Module {
    std::shared_ptr<Embeddings> embeddings;
    std::shared_ptr<AlbertTransformer> encoder;
    blocks::Linear pooler { nullptr }; // AlbertModel's pooler is a bare Linear (+ tanh)

    AlbertBase(const AlbertSizes& s, bool withPooler)
    {
        embeddings =
            register_module("embeddings", std::make_shared<Embeddings>(s, s.embeddingSize));
        encoder = register_module("encoder", std::make_shared<AlbertTransformer>(s));
        if (withPooler) {
            pooler = register_module("pooler", blocks::Linear(s.hidden, s.hidden));
        }
    }
};

// AlbertMLMHead: dense to embedding_size -> hidden_act -> LayerNorm -> decoder (+ bias).
struct MlmHead : nn::Module {
    blocks::LayerNorm LayerNorm { nullptr };
    torch::Tensor bias;
    blocks::Linear dense { nullptr };
    blocks::Linear decoder { nullptr }; // only when the decoder is not tied to the embeddings
    explicit MlmHead(const AlbertSizes& s)
    {
        LayerNorm = register_module("LayerNorm",
            blocks::LayerNorm(nn::LayerNormOptions({ s.embeddingSize }).eps(s.layerNormEps)));
        bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
        dense = register_module("dense", blocks::Linear(s.hidden, s.embeddingSize));
        if (!s.tieWordEmbeddings) {
            decoder = register_module(
                "decoder", blocks::Linear(nn::LinearOptions(s.embeddingSize, s.vocab).bias(false)));
        }
    }
};

struct SopHead : nn::Module {
    blocks::Linear classifier { nullptr };
    explicit SopHead(const AlbertSizes& s)
    {
        classifier = register_module("classifier", blocks::Linear(s.hidden, s.sopLabels));
    }
};

enum class Head { Base, MaskedLm, PreTraining, SequenceClassification, TokenClassification };

class Albert final : public Architecture {
public:
    Albert(const ModelConfig& config, Head head)
        : sizes_(config)
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        base_ = std::make_shared<AlbertBase>(sizes_, head != Head::MaskedLm && head != Head::TokenClassification);
        if (head == Head::Base) {
            register_module("embeddings", base_->embeddings);
            register_module("encoder", base_->encoder);
            register_module("pooler", base_->pooler);
            return;
        }
        register_module("albert", base_);
        if (head == Head::SequenceClassification || head == Head::TokenClassification) {
            // The reference: dropout, then "classifier" on the pooled first token (a
            // sentence's class) or on every token (its tag).
            labels_ = config.requireLabels();
            classifier_ = register_module("classifier", blocks::Linear(sizes_.hidden, static_cast<int64_t>(labels_.size())));
            return;
        }
        predictions_ = register_module("predictions", std::make_shared<MlmHead>(sizes_));
        if (head == Head::PreTraining) {
            sop_ = register_module("sop_classifier", std::make_shared<SopHead>(sizes_));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        auto& encoder = *base_->encoder;
        torch::Tensor h = embedded(in, base_->embeddings->forward(in.inputIds, in.tokenTypeIds));
        h = encoder.embedding_hidden_mapping_in(h);
        const torch::Tensor mask = blocks::additiveMask(in.attentionMask, h.scalar_type());
        // hidden_states: the projected embeddings, then one entry per layer application
        // (shared weights run several times); attentions: one per inner layer run.
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
        for (int64_t index = 0; index < sizes_.layers; ++index) {
            if (stopRequested(in, index, sizes_.layers)) {
                out.cancelled = true;
                return out;
            }
            const auto& group = encoder.groups[static_cast<size_t>(sizes_.groupOf(index))];
            for (const auto& layer : group->layers) {
                torch::Tensor probs;
                if (in.checkpointLayers && !trace.attentions) {
                    // Each application of a shared layer is recomputed on its own.
                    h = blocks::checkpointed([layer, mask](const torch::Tensor& x) { return layer->forward(x, mask, nullptr); }, h);
                    continue;
                }
                h = layer->forward(h, mask, trace.attentions ? &probs : nullptr);
                if (trace.attentions) {
                    recordAttention(in, out, probs);
                }
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(h);
            }
        }
        out.lastHidden = h;
        if (base_->pooler) {
            out.pooler = torch::tanh(base_->pooler(h.select(/*dim=*/1, /*index=*/0)));
        }
        if (predictions_) {
            out.logits = lensLogits(h);
        }
        if (sop_ && out.pooler.defined()) {
            out.seqRelationship = sop_->classifier(out.pooler);
        }
        if (classifier_) {
            const torch::Tensor x = head_ == Head::SequenceClassification ? out.pooler : h;
            out.logits = classifier_(torch::dropout(x, sizes_.classifierDropout, is_training()));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!predictions_) {
            return {};
        }
        auto& p = *predictions_;
        torch::Tensor t = blocks::activate(sizes_.activation, p.dense(h));
        t = p.LayerNorm(t);
        const torch::Tensor& weight =
            p.decoder ? p.decoder->weight : base_->embeddings->word_embeddings->weight;
        return torch::nn::functional::linear(t, weight, p.bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : head_ == Head::Base                  ? "AlbertModel"
            : head_ == Head::MaskedLm              ? "AlbertForMaskedLM"
            : head_ == Head::SequenceClassification ? "AlbertForSequenceClassification"
            : head_ == Head::TokenClassification    ? "AlbertForTokenClassification"
                                                   : "AlbertForPreTraining";
        info.headKind = head_ == Head::Base ? "base"
            : head_ == Head::MaskedLm       ? "masked-lm"
            : head_ == Head::SequenceClassification ? "sequence-classification"
            : head_ == Head::TokenClassification    ? "token-classification"
                                            : "pretraining";
        info.labels = labels_;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.hidden;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.intermediate;
        info.maxPositions = sizes_.maxPositions;
        info.parametersPerForward = parametersPerForward();
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (!predictions_) {
            return {};
        }
        std::map<std::string, std::string> tied { { "predictions.decoder.bias",
            "predictions.bias" } };
        if (sizes_.tieWordEmbeddings) {
            tied["predictions.decoder.weight"] = "albert.embeddings.word_embeddings.weight";
        }
        return tied;
    }

    std::string basePrefix() const override { return "albert."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        auto& e = *base_->embeddings;
        blocks::initEmbedding(e.word_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.position_embeddings, std);
        blocks::initEmbedding(e.token_type_embeddings, std);
        blocks::initLayerNorm(e.LayerNorm);
        blocks::initLinear(base_->encoder->embedding_hidden_mapping_in, std);
        for (const auto& group : base_->encoder->groups) {
            for (const auto& layer : group->layers) {
                blocks::initLayerNorm(layer->full_layer_layer_norm);
                blocks::initLinear(layer->attention->query, std);
                blocks::initLinear(layer->attention->key, std);
                blocks::initLinear(layer->attention->value, std);
                blocks::initLinear(layer->attention->dense, std);
                blocks::initLayerNorm(layer->attention->LayerNorm);
                blocks::initLinear(layer->ffn, std);
                blocks::initLinear(layer->ffn_output, std);
            }
        }
        if (base_->pooler) {
            blocks::initLinear(base_->pooler, std);
        }
        if (predictions_) {
            blocks::initLinear(predictions_->dense, std);
            blocks::initLayerNorm(predictions_->LayerNorm);
            if (predictions_->decoder) {
                blocks::initLinear(predictions_->decoder, std);
            }
            torch::NoGradGuard noGrad;
            predictions_->bias.zero_();
        }
        if (sop_) {
            blocks::initLinear(sop_->classifier, std);
        }
        if (classifier_) {
            blocks::initLinear(classifier_, std);
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }
    int64_t typeVocabSize() const override { return sizes_.typeVocab; }

private:
    static int64_t count(const nn::Module& module)
    {
        int64_t n = 0;
        for (const auto& p : module.parameters(/*recurse=*/true)) {
            n += p.numel();
        }
        return n;
    }

    // Unique parameters, with each layer group counted once per layer application that
    // runs it (the tied decoder is not a parameter of its own, so it is not counted).
    int64_t parametersPerForward() const
    {
        int64_t total = count(*this);
        const auto& groups = base_->encoder->groups;
        for (const auto& group : groups) {
            total -= count(*group);
        }
        for (int64_t index = 0; index < sizes_.layers; ++index) {
            total += count(*groups[static_cast<size_t>(sizes_.groupOf(index))]);
        }
        return total;
    }

    AlbertSizes sizes_;
    Head head_;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<AlbertBase> base_;
    std::shared_ptr<MlmHead> predictions_;
    std::shared_ptr<SopHead> sop_;
    blocks::Linear classifier_ { nullptr };
    std::vector<std::string> labels_;
};

} // namespace

std::shared_ptr<Architecture> createAlbert(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch == "AlbertForPreTraining") {
        return std::make_shared<Albert>(config, Head::PreTraining);
    }
    if (arch == "AlbertForMaskedLM") {
        return std::make_shared<Albert>(config, Head::MaskedLm);
    }
    if (arch == "AlbertForSequenceClassification") {
        return std::make_shared<Albert>(config, Head::SequenceClassification);
    }
    if (arch == "AlbertForTokenClassification") {
        return std::make_shared<Albert>(config, Head::TokenClassification);
    }
    if (arch.empty() || arch == "AlbertModel") {
        return std::make_shared<Albert>(config, Head::Base);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for ALBERT (Lumen loads AlbertModel, "
              "AlbertForMaskedLM, AlbertForPreTraining, AlbertForSequenceClassification and "
              "AlbertForTokenClassification). Set \"architectures\" to "
              "[\"AlbertModel\"] to load the encoder alone.");
}

} // namespace lumen::engine
