// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/bert.h"

#include "lumen/engine/error.h"
#include "models/bert_layers.h"
#include "models/blocks/blocks.h"

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;
using bert::BertSizes;
using bert::Embeddings;
using bert::Encoder;
using bert::Pooler;
using bert::BaseModel;

struct PredictionTransform : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::LayerNorm LayerNorm { nullptr };
    explicit PredictionTransform(const BertSizes& s)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        LayerNorm = register_module(
            "LayerNorm", blocks::LayerNorm(nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps)));
    }
};

struct Predictions : nn::Module {
    std::shared_ptr<PredictionTransform> transform;
    blocks::Linear decoder { nullptr }; // only when the decoder is not tied to the embeddings
    torch::Tensor bias;
    Predictions(const BertSizes& s)
    {
        transform = register_module("transform", std::make_shared<PredictionTransform>(s));
        if (!s.tieWordEmbeddings) {
            decoder = register_module(
                "decoder", blocks::Linear(nn::LinearOptions(s.hidden, s.vocab).bias(false)));
        }
        bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
    }
};

struct PreTrainingHeads : nn::Module {
    std::shared_ptr<Predictions> predictions;
    blocks::Linear seq_relationship { nullptr };
    PreTrainingHeads(const BertSizes& s, bool withNsp)
    {
        predictions = register_module("predictions", std::make_shared<Predictions>(s));
        if (withNsp) {
            seq_relationship = register_module("seq_relationship", blocks::Linear(s.hidden, 2));
        }
    }
};

enum class Head { Base, MaskedLm, PreTraining, SequenceClassification, TokenClassification };

class Bert final : public Architecture {
public:
    Bert(const ModelConfig& config, Head head)
        : sizes_(config)
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        // BertModel checkpoints keep their keys at the top level; models with heads nest
        // the encoder under "bert." as the reference does (BertForTokenClassification and
        // BertForMaskedLM without the pooler).
        const bool classifier = head == Head::SequenceClassification || head == Head::TokenClassification;
        if (classifier) {
            labels_ = config.requireLabels();
        }
        const bool withPooler = head != Head::MaskedLm && head != Head::TokenClassification;
        base_ = std::make_shared<BaseModel>(sizes_, withPooler);
        if (head == Head::Base) {
            // Register the base's children directly so keys are "embeddings....".
            register_module("embeddings", base_->embeddings);
            register_module("encoder", base_->encoder);
            if (base_->pooler) {
                register_module("pooler", base_->pooler);
            }
        } else if (classifier) {
            register_module("bert", base_);
            classifier_ = register_module("classifier", blocks::Linear(sizes_.hidden, static_cast<int64_t>(labels_.size())));
        } else {
            register_module("bert", base_);
            cls_ = register_module(
                "cls", std::make_shared<PreTrainingHeads>(sizes_, head == Head::PreTraining));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        torch::Tensor h = embedded(in, base_->embeddings->forward(in.inputIds, in.tokenTypeIds));
        h = bert::runEncoder(*base_->encoder, h, in, trace, out);
        if (out.cancelled) {
            return out;
        }
        out.lastHidden = h;
        if (base_->pooler) {
            out.pooler = base_->pooler->forward(h);
        }
        if (cls_) {
            out.logits = lensLogits(h);
            if (cls_->seq_relationship && out.pooler.defined()) {
                out.seqRelationship = cls_->seq_relationship(out.pooler);
            }
        }
        if (classifier_) {
            // The reference: dropout, then the classifier on the pooled [CLS] state (a
            // sentence's class) or on every token's state (its tag).
            const torch::Tensor x = head_ == Head::SequenceClassification ? out.pooler : h;
            out.logits = classifier_(torch::dropout(x, sizes_.classifierDropout, is_training()));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!cls_) {
            return {};
        }
        const auto& p = *cls_->predictions;
        torch::Tensor t = p.transform->dense(h);
        t = p.transform->LayerNorm(blocks::activate(sizes_.activation, t));
        const torch::Tensor& decoderWeight =
            p.decoder ? p.decoder->weight : base_->embeddings->word_embeddings->weight;
        return torch::nn::functional::linear(t, decoderWeight, p.bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
                            : head_ == Head::Base  ? "BertModel"
                            : head_ == Head::MaskedLm ? "BertForMaskedLM"
                            : head_ == Head::SequenceClassification ? "BertForSequenceClassification"
                            : head_ == Head::TokenClassification    ? "BertForTokenClassification"
                                                                    : "BertForPreTraining";
        info.headKind = head_ == Head::Base                       ? "base"
                        : head_ == Head::MaskedLm                 ? "masked-lm"
                        : head_ == Head::SequenceClassification   ? "sequence-classification"
                        : head_ == Head::TokenClassification      ? "token-classification"
                                                                  : "pretraining";
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
            layer->initWeights(std);
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
        if (classifier_) {
            blocks::initLinear(classifier_, std);
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
    std::shared_ptr<BaseModel> base_;
    std::shared_ptr<PreTrainingHeads> cls_;
    blocks::Linear classifier_ { nullptr };
    std::vector<std::string> labels_;
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
    } else if (arch == "BertForSequenceClassification") {
        head = Head::SequenceClassification;
    } else if (arch == "BertForTokenClassification") {
        head = Head::TokenClassification;
    } else if (arch.empty() || arch == "BertModel") {
        head = Head::Base;
    } else {
        throw Error(ErrorKind::Unsupported,
                    config.path() + ": architecture \"" + arch +
                        "\" is not supported yet for BERT (Lumen loads BertModel, "
                        "BertForMaskedLM, BertForPreTraining, BertForSequenceClassification and "
                        "BertForTokenClassification). Set \"architectures\" to "
                        "[\"BertModel\"] to load the encoder alone.");
    }
    return std::make_shared<Bert>(config, head);
}

} // namespace lumen::engine
