// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/roberta.h"

#include "lumen/engine/error.h"
#include "models/bert_layers.h"
#include "models/blocks/blocks.h"

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using bert::BertSizes;
using bert::Embeddings;
using bert::Encoder;
using bert::Pooler;
using bert::BaseModel;

// RobertaLMHead: dense -> gelu -> layer_norm -> decoder (+ bias).
struct LmHead : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::LayerNorm layer_norm { nullptr };
    blocks::Linear decoder { nullptr }; // only when the decoder is not tied to the embeddings
    torch::Tensor bias;

    explicit LmHead(const BertSizes& s)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        layer_norm = register_module("layer_norm",
            blocks::LayerNorm(nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps)));
        if (!s.tieWordEmbeddings) {
            decoder = register_module(
                "decoder", blocks::Linear(nn::LinearOptions(s.hidden, s.vocab).bias(false)));
        }
        bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
    }
};

enum class Head { Base, MaskedLm, SequenceClassification, TokenClassification };

// RobertaClassificationHead: the <s> state -> dense -> tanh -> out_proj.
struct ClassificationHead : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::Linear out_proj { nullptr };
    ClassificationHead(const BertSizes& s, int64_t labels)
    {
        dense = register_module("dense", blocks::Linear(s.hidden, s.hidden));
        out_proj = register_module("out_proj", blocks::Linear(s.hidden, labels));
    }
};

/// The reference's create_position_ids_from_input_ids: real tokens count up from
/// padding_idx + 1, pads keep padding_idx. Derived from the ids, not the attention mask.
torch::Tensor positionIds(const torch::Tensor& ids, int64_t paddingIdx)
{
    const torch::Tensor mask = ids.ne(paddingIdx).to(torch::kLong);
    return torch::cumsum(mask, /*dim=*/1) * mask + paddingIdx;
}

class Roberta final : public Architecture {
public:
    Roberta(const ModelConfig& config, Head head)
        : sizes_(config, "RoBERTa")
        , head_(head)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        if (sizes_.maxPositions <= sizes_.padTokenId + 1) {
            config.fail("max_position_embeddings",
                "(" + std::to_string(sizes_.maxPositions)
                    + ") leaves no positions: RoBERTa's positions start at pad_token_id + 1 ("
                    + std::to_string(sizes_.padTokenId + 1) + ").");
        }
        base_ = std::make_shared<BaseModel>(sizes_, head == Head::Base);
        if (head == Head::SequenceClassification || head == Head::TokenClassification) {
            labels_ = config.requireLabels();
        }
        if (head == Head::Base) {
            register_module("embeddings", base_->embeddings);
            register_module("encoder", base_->encoder);
            register_module("pooler", base_->pooler);
        } else if (head == Head::SequenceClassification) {
            register_module("roberta", base_);
            sequenceHead_ = register_module(
                "classifier", std::make_shared<ClassificationHead>(sizes_, static_cast<int64_t>(labels_.size())));
        } else if (head == Head::TokenClassification) {
            register_module("roberta", base_);
            tokenHead_ = register_module("classifier", blocks::Linear(sizes_.hidden, static_cast<int64_t>(labels_.size())));
        } else {
            register_module("roberta", base_);
            lmHead_ = register_module("lm_head", std::make_shared<LmHead>(sizes_));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        const torch::Tensor positions = positionIds(in.inputIds, sizes_.padTokenId);
        torch::Tensor h = embedded(in, base_->embeddings->forward(in.inputIds, in.tokenTypeIds, positions));
        h = bert::runEncoder(*base_->encoder, h, in, trace, out);
        if (out.cancelled) {
            return out;
        }
        out.lastHidden = h;
        if (base_->pooler) {
            out.pooler = base_->pooler->forward(h);
        }
        if (lmHead_) {
            out.logits = lensLogits(h);
        }
        const bool training = is_training();
        if (sequenceHead_) {
            torch::Tensor x = torch::dropout(h.select(1, 0), sizes_.classifierDropout, training);
            x = torch::dropout(torch::tanh(sequenceHead_->dense(x)), sizes_.classifierDropout, training);
            out.logits = sequenceHead_->out_proj(x);
        }
        if (tokenHead_) {
            out.logits = tokenHead_(torch::dropout(h, sizes_.classifierDropout, training));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!lmHead_) {
            return {};
        }
        // The head's activation is always the exact gelu, whatever hidden_act says.
        torch::Tensor t = lmHead_->layer_norm(torch::gelu(lmHead_->dense(h)));
        const torch::Tensor& weight = lmHead_->decoder
            ? lmHead_->decoder->weight
            : base_->embeddings->word_embeddings->weight;
        return torch::nn::functional::linear(t, weight, lmHead_->bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : head_ == Head::Base                  ? "RobertaModel"
            : head_ == Head::SequenceClassification ? "RobertaForSequenceClassification"
            : head_ == Head::TokenClassification    ? "RobertaForTokenClassification"
                                                   : "RobertaForMaskedLM";
        info.headKind = head_ == Head::Base          ? "base"
            : head_ == Head::SequenceClassification ? "sequence-classification"
            : head_ == Head::TokenClassification    ? "token-classification"
                                                    : "masked-lm";
        info.labels = labels_;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.hidden;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.intermediate;
        info.maxPositions = maxSequenceLength();
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (!lmHead_) {
            return {};
        }
        std::map<std::string, std::string> tied { { "lm_head.decoder.bias", "lm_head.bias" } };
        if (sizes_.tieWordEmbeddings) {
            tied["lm_head.decoder.weight"] = "roberta.embeddings.word_embeddings.weight";
        }
        return tied;
    }

    std::string basePrefix() const override { return "roberta."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        auto& e = *base_->embeddings;
        blocks::initEmbedding(e.word_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.position_embeddings, std, sizes_.padTokenId);
        blocks::initEmbedding(e.token_type_embeddings, std);
        blocks::initLayerNorm(e.LayerNorm);
        for (const auto& layer : base_->encoder->layers) {
            layer->initWeights(std);
        }
        if (base_->pooler) {
            blocks::initLinear(base_->pooler->dense, std);
        }
        if (lmHead_) {
            blocks::initLinear(lmHead_->dense, std);
            blocks::initLayerNorm(lmHead_->layer_norm);
            if (lmHead_->decoder) {
                blocks::initLinear(lmHead_->decoder, std);
            }
            torch::NoGradGuard noGrad;
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

    // Positions run from pad_token_id + 1, so the table holds pad_token_id + 1 fewer tokens.
    int64_t maxSequenceLength() const override
    {
        return sizes_.maxPositions - sizes_.padTokenId - 1;
    }
    int64_t vocabSize() const override { return sizes_.vocab; }
    int64_t typeVocabSize() const override { return sizes_.typeVocab; }

private:
    BertSizes sizes_;
    Head head_;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<BaseModel> base_;
    std::shared_ptr<LmHead> lmHead_;
    std::shared_ptr<ClassificationHead> sequenceHead_;
    blocks::Linear tokenHead_ { nullptr };
    std::vector<std::string> labels_;
};

} // namespace

std::shared_ptr<Architecture> createRoberta(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch == "RobertaForMaskedLM") {
        return std::make_shared<Roberta>(config, Head::MaskedLm);
    }
    if (arch == "RobertaForSequenceClassification") {
        return std::make_shared<Roberta>(config, Head::SequenceClassification);
    }
    if (arch == "RobertaForTokenClassification") {
        return std::make_shared<Roberta>(config, Head::TokenClassification);
    }
    if (arch.empty() || arch == "RobertaModel") {
        return std::make_shared<Roberta>(config, Head::Base);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for RoBERTa (Lumen loads RobertaModel, RobertaForMaskedLM, "
              "RobertaForSequenceClassification and RobertaForTokenClassification). Set \"architectures\" to [\"RobertaModel\"] to load "
              "the encoder alone.");
}

} // namespace lumen::engine
