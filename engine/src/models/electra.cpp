// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/electra.h"

#include "lumen/engine/error.h"
#include "models/bert_layers.h"
#include "models/blocks/blocks.h"

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using bert::BertSizes;
using bert::Embeddings;
using bert::Encoder;

struct ElectraBase : nn::Module {
    std::shared_ptr<Embeddings> embeddings;
    blocks::Linear embeddings_project { nullptr }; // only when embedding_size != hidden_size
    std::shared_ptr<Encoder> encoder;

    ElectraBase(const BertSizes& s, int64_t embeddingSize)
    {
        embeddings = register_module("embeddings", std::make_shared<Embeddings>(s, embeddingSize));
        if (embeddingSize != s.hidden) {
            embeddings_project =
                register_module("embeddings_project", blocks::Linear(embeddingSize, s.hidden));
        }
        encoder = register_module("encoder", std::make_shared<Encoder>(s));
    }
};

// ElectraDiscriminatorPredictions: dense -> hidden_act -> dense_prediction (one logit).
struct DiscriminatorPredictions : nn::Module {
    blocks::Linear dense { nullptr }, dense_prediction { nullptr };
    explicit DiscriminatorPredictions(const BertSizes& s)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        dense_prediction = register_module("dense_prediction", blocks::Linear(s.hidden, 1));
    }
};

// ElectraGeneratorPredictions: dense to embedding_size -> gelu -> LayerNorm.
struct GeneratorPredictions : nn::Module {
    blocks::LayerNorm LayerNorm { nullptr };
    blocks::Linear dense { nullptr };
    GeneratorPredictions(const BertSizes& s, int64_t embeddingSize)
    {
        LayerNorm = register_module("LayerNorm",
            blocks::LayerNorm(nn::LayerNormOptions({ embeddingSize }).eps(s.layerNormEps)));
        dense = register_module("dense", blocks::Linear(s.hidden, embeddingSize));
    }
};

// generator_lm_head: a Linear(embedding_size, vocab) whose weight is normally tied to the
// word embeddings, so only its bias is a parameter of its own.
struct GeneratorLmHead : nn::Module {
    torch::Tensor weight; // only when untied
    torch::Tensor bias;
    GeneratorLmHead(const BertSizes& s, int64_t embeddingSize)
    {
        if (!s.tieWordEmbeddings) {
            weight =
                register_parameter("weight", blocks::uninitialised({ s.vocab, embeddingSize }));
        }
        bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
    }
};

// ElectraClassificationHead: on the first token, dropout -> dense -> gelu -> dropout ->
// out_proj (the reference hard-codes gelu here, whatever hidden_act is).
struct ClassificationHead : nn::Module {
    blocks::Linear dense { nullptr }, out_proj { nullptr };
    ClassificationHead(const BertSizes& s, int64_t labels)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        out_proj = register_module("out_proj", blocks::Linear(s.hidden, labels));
    }
};

enum class Head { Base, Discriminator, Generator, SequenceClassification, TokenClassification };

class Electra final : public Architecture {
public:
    Electra(const ModelConfig& config, Head head)
        : sizes_(config, "ELECTRA")
        , embeddingSize_(config.getInt("embedding_size", 128))
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        if (embeddingSize_ <= 0) {
            config.fail("embedding_size",
                "must be a positive integer, found " + std::to_string(embeddingSize_) + ".");
        }
        base_ = std::make_shared<ElectraBase>(sizes_, embeddingSize_);
        if (head == Head::Base) {
            register_module("embeddings", base_->embeddings);
            if (base_->embeddings_project) {
                register_module("embeddings_project", base_->embeddings_project);
            }
            register_module("encoder", base_->encoder);
            return;
        }
        register_module("electra", base_);
        if (head == Head::SequenceClassification || head == Head::TokenClassification) {
            labels_ = config.requireLabels();
            const auto n = static_cast<int64_t>(labels_.size());
            if (head == Head::SequenceClassification) {
                sequenceHead_ = register_module("classifier", std::make_shared<ClassificationHead>(sizes_, n));
            } else {
                tokenHead_ = register_module("classifier", blocks::Linear(sizes_.hidden, n));
            }
        } else if (head == Head::Discriminator) {
            discriminator_ = register_module(
                "discriminator_predictions", std::make_shared<DiscriminatorPredictions>(sizes_));
        } else {
            generator_ = register_module("generator_predictions",
                std::make_shared<GeneratorPredictions>(sizes_, embeddingSize_));
            lmHead_ = register_module(
                "generator_lm_head", std::make_shared<GeneratorLmHead>(sizes_, embeddingSize_));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        torch::Tensor h = base_->embeddings->forward(in.inputIds, in.tokenTypeIds);
        if (base_->embeddings_project) {
            h = base_->embeddings_project(h);
        }
        h = embedded(in, h);
        // hidden_states[0] is the projected embeddings, as in the reference's encoder.
        h = bert::runEncoder(*base_->encoder, h, in, trace, out);
        if (out.cancelled) {
            return out;
        }
        out.lastHidden = h;
        if (discriminator_) {
            const torch::Tensor t = blocks::activate(sizes_.activation, discriminator_->dense(h));
            out.logits = discriminator_->dense_prediction(t).squeeze(/*dim=*/-1);
        } else if (generator_) {
            out.logits = lensLogits(h);
        } else if (sequenceHead_) {
            const bool training = is_training();
            const double p = sizes_.classifierDropout;
            torch::Tensor x = torch::dropout(h.select(1, 0), p, training);
            x = torch::dropout(torch::gelu(sequenceHead_->dense(x)), p, training);
            out.logits = sequenceHead_->out_proj(x);
        } else if (tokenHead_) {
            out.logits = tokenHead_(torch::dropout(h, sizes_.classifierDropout, is_training()));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!generator_) {
            return {}; // the discriminator's head says "replaced or not", not a token
        }
        torch::Tensor t = torch::gelu(generator_->dense(h));
        t = generator_->LayerNorm(t);
        const torch::Tensor& weight = lmHead_->weight.defined()
            ? lmHead_->weight
            : base_->embeddings->word_embeddings->weight;
        return torch::nn::functional::linear(t, weight, lmHead_->bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : head_ == Head::Base                  ? "ElectraModel"
            : head_ == Head::Discriminator         ? "ElectraForPreTraining"
            : head_ == Head::SequenceClassification ? "ElectraForSequenceClassification"
            : head_ == Head::TokenClassification    ? "ElectraForTokenClassification"
                                                   : "ElectraForMaskedLM";
        info.headKind = head_ == Head::Base ? "base"
            : head_ == Head::Discriminator  ? "discriminator"
            : head_ == Head::SequenceClassification ? "sequence-classification"
            : head_ == Head::TokenClassification    ? "token-classification"
                                            : "masked-lm";
        info.labels = labels_;
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
        if (generator_ && sizes_.tieWordEmbeddings) {
            return { { "generator_lm_head.weight", "electra.embeddings.word_embeddings.weight" } };
        }
        return {};
    }

    std::string basePrefix() const override { return "electra."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        auto& e = *base_->embeddings;
        blocks::initEmbedding(e.word_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.position_embeddings, std);
        blocks::initEmbedding(e.token_type_embeddings, std);
        blocks::initLayerNorm(e.LayerNorm);
        if (base_->embeddings_project) {
            blocks::initLinear(base_->embeddings_project, std);
        }
        for (const auto& layer : base_->encoder->layers) {
            layer->initWeights(std);
        }
        if (discriminator_) {
            blocks::initLinear(discriminator_->dense, std);
            blocks::initLinear(discriminator_->dense_prediction, std);
        }
        if (generator_) {
            blocks::initLinear(generator_->dense, std);
            blocks::initLayerNorm(generator_->LayerNorm);
            torch::NoGradGuard noGrad;
            if (lmHead_->weight.defined()) {
                lmHead_->weight.normal_(0.0, std);
            }
            lmHead_->bias.zero_();
        }
        if (sequenceHead_) {
            blocks::initLinear(sequenceHead_->dense, std);
            blocks::initLinear(sequenceHead_->out_proj, std);
        }
        if (tokenHead_) {
            blocks::initLinear(tokenHead_, std);
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }
    int64_t typeVocabSize() const override { return sizes_.typeVocab; }

private:
    BertSizes sizes_;
    int64_t embeddingSize_;
    Head head_;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<ElectraBase> base_;
    std::shared_ptr<DiscriminatorPredictions> discriminator_;
    std::shared_ptr<GeneratorPredictions> generator_;
    std::shared_ptr<GeneratorLmHead> lmHead_;
    std::shared_ptr<ClassificationHead> sequenceHead_;
    blocks::Linear tokenHead_ { nullptr };
    std::vector<std::string> labels_;
};

} // namespace

std::shared_ptr<Architecture> createElectra(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch == "ElectraForPreTraining") {
        return std::make_shared<Electra>(config, Head::Discriminator);
    }
    if (arch == "ElectraForMaskedLM") {
        return std::make_shared<Electra>(config, Head::Generator);
    }
    if (arch == "ElectraForSequenceClassification") {
        return std::make_shared<Electra>(config, Head::SequenceClassification);
    }
    if (arch == "ElectraForTokenClassification") {
        return std::make_shared<Electra>(config, Head::TokenClassification);
    }
    if (arch.empty() || arch == "ElectraModel") {
        return std::make_shared<Electra>(config, Head::Base);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for ELECTRA (Lumen loads ElectraModel, "
              "ElectraForPreTraining, ElectraForMaskedLM, ElectraForSequenceClassification and "
              "ElectraForTokenClassification). Set \"architectures\" to "
              "[\"ElectraModel\"] to load the encoder alone.");
}

} // namespace lumen::engine
