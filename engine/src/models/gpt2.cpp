// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/gpt2.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <cmath>
#include <limits>

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

struct Gpt2Sizes {
    int64_t vocab = 0;
    int64_t hidden = 0;
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t inner = 0;
    int64_t positions = 0;
    double layerNormEps = 1e-5;
    double initStd = 0.02;
    Activation activation = Activation::GeluTanh;
    bool scaleAttnWeights = true;
    bool scaleByInverseLayerIdx = false;
    bool tieWordEmbeddings = true;

    explicit Gpt2Sizes(const ModelConfig& c)
    {
        vocab = c.requireInt("vocab_size");
        hidden = c.getInt("n_embd", 768);
        layers = c.getInt("n_layer", 12);
        heads = c.getInt("n_head", 12);
        // n_inner is null in most configs: 4 x n_embd, as in the reference.
        inner = c.has("n_inner") && !c.json()["n_inner"].is_null() ? c.getInt("n_inner", 0)
                                                                   : 4 * hidden;
        positions = c.getInt("n_positions", 1024);
        layerNormEps = c.getDouble("layer_norm_epsilon", 1e-5);
        initStd = c.getDouble("initializer_range", 0.02);
        activation = blocks::activationFromConfig(c, "activation_function", "gelu_new");
        scaleAttnWeights = c.getBool("scale_attn_weights", true);
        scaleByInverseLayerIdx = c.getBool("scale_attn_by_inverse_layer_idx", false);
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        for (const auto& [key, value] :
            { std::pair { "vocab_size", vocab }, { "n_embd", hidden }, { "n_layer", layers },
                { "n_head", heads }, { "n_inner", inner }, { "n_positions", positions } }) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (hidden % heads != 0) {
            c.fail("n_embd",
                "(" + std::to_string(hidden) + ") must be divisible by n_head ("
                    + std::to_string(heads) + ").");
        }
    }
};

// The reference's Conv1D: a linear layer whose weight is stored [in, out], y = x W + b.
struct Conv1D : nn::Module {
    torch::Tensor weight, bias;
    Conv1D(int64_t in, int64_t out)
    {
        weight = register_parameter("weight", blocks::uninitialised({ in, out }));
        bias = register_parameter("bias", blocks::uninitialised({ out }));
    }
    torch::Tensor forward(const torch::Tensor& x) { return blocks::linearInOut(x, weight, bias); }
    void init(double std)
    {
        torch::NoGradGuard noGrad;
        weight.normal_(0.0, std);
        bias.zero_();
    }
};

struct Gpt2Attention : nn::Module {
    std::shared_ptr<Conv1D> c_attn, c_proj;
    explicit Gpt2Attention(const Gpt2Sizes& s)
    {
        c_attn = register_module("c_attn", std::make_shared<Conv1D>(s.hidden, 3 * s.hidden));
        c_proj = register_module("c_proj", std::make_shared<Conv1D>(s.hidden, s.hidden));
    }
};

struct Gpt2Mlp : nn::Module {
    std::shared_ptr<Conv1D> c_fc, c_proj;
    explicit Gpt2Mlp(const Gpt2Sizes& s)
    {
        c_fc = register_module("c_fc", std::make_shared<Conv1D>(s.hidden, s.inner));
        c_proj = register_module("c_proj", std::make_shared<Conv1D>(s.inner, s.hidden));
    }
};

struct Block : nn::Module {
    blocks::LayerNorm ln_1 { nullptr }, ln_2 { nullptr };
    std::shared_ptr<Gpt2Attention> attn;
    std::shared_ptr<Gpt2Mlp> mlp;
    Gpt2Sizes sizes;
    int64_t index;

    Block(const Gpt2Sizes& s, int64_t layerIndex)
        : sizes(s)
        , index(layerIndex)
    {
        const auto norm = nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps);
        ln_1 = register_module("ln_1", blocks::LayerNorm(norm));
        attn = register_module("attn", std::make_shared<Gpt2Attention>(s));
        ln_2 = register_module("ln_2", blocks::LayerNorm(norm));
        mlp = register_module("mlp", std::make_shared<Gpt2Mlp>(s));
    }

    // causal: [query, key] bool (true = may attend); padMask: additive [batch, 1, 1, key].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& causal,
        const torch::Tensor& padMask, KvCache* cache, torch::Tensor* probs)
    {
        const torch::Tensor qkv = attn->c_attn->forward(ln_1(x));
        const auto parts = qkv.split(sizes.hidden, /*dim=*/2);
        const torch::Tensor q = blocks::splitHeads(parts[0], sizes.heads);
        torch::Tensor k = blocks::splitHeads(parts[1], sizes.heads);
        torch::Tensor v = blocks::splitHeads(parts[2], sizes.heads);
        if (cache != nullptr) {
            auto& keys = cache->keys[static_cast<size_t>(index)];
            auto& values = cache->values[static_cast<size_t>(index)];
            if (keys.defined()) {
                k = torch::cat({ keys, k }, /*dim=*/2);
                v = torch::cat({ values, v }, /*dim=*/2);
            }
            keys = k;
            values = v;
        }
        // The reference's eager order: q kᵀ, / √d, / (layer + 1), causal fill with the
        // dtype's lowest value, + the padding mask, softmax.
        torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2));
        if (sizes.scaleAttnWeights) {
            scores = scores / std::sqrt(static_cast<double>(v.size(-1)));
        }
        if (sizes.scaleByInverseLayerIdx) {
            scores = scores / static_cast<double>(index + 1);
        }
        const auto lowest = torch::full({}, blocks::lowestOf(scores.scalar_type()), scores.options());
        scores = torch::where(causal, scores, lowest);
        if (padMask.defined()) {
            scores = scores + padMask;
        }
        const torch::Tensor p = torch::softmax(scores, /*dim=*/-1);
        if (probs != nullptr) {
            *probs = p;
        }
        const torch::Tensor a = attn->c_proj->forward(blocks::mergeHeads(torch::matmul(p, v)));
        const torch::Tensor h = x + a;
        const torch::Tensor m =
            mlp->c_proj->forward(blocks::activate(sizes.activation, mlp->c_fc->forward(ln_2(h))));
        return h + m;
    }
};

struct Gpt2Model : nn::Module {
    blocks::Embedding wte { nullptr }, wpe { nullptr };
    nn::ModuleList h { nullptr };
    std::vector<std::shared_ptr<Block>> blocks;
    blocks::LayerNorm ln_f { nullptr };

    explicit Gpt2Model(const Gpt2Sizes& s)
    {
        wte = register_module("wte", blocks::Embedding(s.vocab, s.hidden));
        wpe = register_module("wpe", blocks::Embedding(s.positions, s.hidden));
        h = register_module("h", nn::ModuleList());
        for (int64_t i = 0; i < s.layers; ++i) {
            blocks.push_back(std::make_shared<Block>(s, i));
            h->push_back(blocks.back());
        }
        ln_f = register_module(
            "ln_f", blocks::LayerNorm(nn::LayerNormOptions({ s.hidden }).eps(s.layerNormEps)));
    }
};

enum class Gpt2Head { Base, LmHead, SequenceClassification, TokenClassification };

class Gpt2 final : public Architecture {
public:
    Gpt2(const ModelConfig& config, Gpt2Head head)
        : sizes_(config)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
        , head_(head)
    {
        base_ = std::make_shared<Gpt2Model>(sizes_);
        const bool withLmHead = head == Gpt2Head::LmHead;
        dropout_ = config.getDouble("classifier_dropout", config.getDouble("summary_first_dropout", 0.1));
        if (head == Gpt2Head::SequenceClassification || head == Gpt2Head::TokenClassification) {
            labels_ = config.requireLabels();
            register_module("transformer", base_);
            const auto n = static_cast<int64_t>(labels_.size());
            // The reference: "score" without a bias on the last token (sequence), a
            // "classifier" with one on every token (tokens).
            if (head == Gpt2Head::SequenceClassification) {
                score_ = register_module("score", blocks::Linear(nn::LinearOptions(sizes_.hidden, n).bias(false)));
            } else {
                classifier_ = register_module("classifier", blocks::Linear(sizes_.hidden, n));
            }
        } else if (withLmHead) {
            register_module("transformer", base_);
            if (!sizes_.tieWordEmbeddings) {
                lmHead_ = register_module("lm_head",
                    blocks::Linear(nn::LinearOptions(sizes_.hidden, sizes_.vocab).bias(false)));
            }
        } else {
            // GPT2Model checkpoints keep their keys at the top level ("wte.weight").
            register_module("wte", base_->wte);
            register_module("wpe", base_->wpe);
            register_module("h", base_->h);
            register_module("ln_f", base_->ln_f);
        }
        withLmHead_ = withLmHead;
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        const int64_t batch = in.inputIds.size(0);
        const int64_t seq = in.inputIds.size(1);
        KvCache* cache = in.cache;
        if (cache != nullptr && cache->keys.empty()) {
            cache->keys.resize(base_->blocks.size());
            cache->values.resize(base_->blocks.size());
        }
        const int64_t past = cache != nullptr ? cache->length() : 0;
        const int64_t total = past + seq;
        if (total > sizes_.positions) {
            throw Error(ErrorKind::InvalidInput,
                "GPT-2 was given " + std::to_string(total) + " positions, but it has "
                    + std::to_string(sizes_.positions)
                    + " (n_positions). Shorten the text or generate fewer tokens.");
        }
        const auto opts = in.inputIds.options();
        const torch::Tensor positions = in.positionIds.defined()
            ? in.positionIds
            : torch::arange(past, total, opts).unsqueeze(0).expand({ batch, seq });
        // Token type ids are not used: the reference adds wte(token_type_ids) only when a
        // caller passes them, and its tokenizer never does.
        torch::Tensor x = embedded(in, base_->wte(in.inputIds) + base_->wpe(positions));

        const torch::Tensor causal = torch::arange(total, opts).unsqueeze(0)
            <= torch::arange(past, total, opts).unsqueeze(1);
        torch::Tensor padMask;
        if (in.attentionMask.defined()) {
            padMask = blocks::additiveMask(in.attentionMask, x.scalar_type());
        }
        const auto layers = static_cast<int64_t>(base_->blocks.size());
        for (int64_t index = 0; index < layers; ++index) {
            if (stopRequested(in, index, layers)) {
                out.cancelled = true;
                return out;
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(x);
            }
            torch::Tensor probs;
            if (in.checkpointLayers && cache == nullptr && !trace.attentions) {
                auto block = base_->blocks[static_cast<size_t>(index)];
                x = blocks::checkpointed([block, causal, padMask](const torch::Tensor& h) {
                    return block->forward(h, causal, padMask, nullptr, nullptr);
                }, x);
                continue;
            }
            x = base_->blocks[static_cast<size_t>(index)]->forward(
                x, causal, padMask, cache, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                recordAttention(in, out, probs);
            }
        }
        // As in the reference, the last hidden state (and the last traced one) is after ln_f.
        x = base_->ln_f(x);
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(x);
        }
        out.lastHidden = x;
        if (withLmHead_) {
            out.logits = project(x);
        }
        if (score_) {
            // The last real token of each row has read the whole text.
            const torch::Tensor last = in.attentionMask.defined()
                ? (in.attentionMask.sum(1) - 1).clamp_min(0).to(torch::kLong)
                : torch::full({ batch }, seq - 1, opts);
            out.logits = score_(x.index({ torch::arange(batch, opts), last }));
        }
        if (classifier_) {
            out.logits = classifier_(torch::dropout(x, dropout_, is_training()));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        return withLmHead_ ? project(base_->ln_f(h)) : torch::Tensor();
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : withLmHead_                          ? "GPT2LMHeadModel"
            : head_ == Gpt2Head::SequenceClassification ? "GPT2ForSequenceClassification"
            : head_ == Gpt2Head::TokenClassification    ? "GPT2ForTokenClassification"
                                                   : "GPT2Model";
        info.headKind = withLmHead_ ? "causal-lm"
            : head_ == Gpt2Head::SequenceClassification ? "sequence-classification"
            : head_ == Gpt2Head::TokenClassification    ? "token-classification"
                                                        : "base";
        info.labels = labels_;
        info.isCausal = true;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.hidden;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.inner;
        info.maxPositions = sizes_.positions;
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (withLmHead_ && sizes_.tieWordEmbeddings) {
            return { { "lm_head.weight", "transformer.wte.weight" } };
        }
        return {};
    }

    std::string basePrefix() const override { return "transformer."; }

    void initWeights() override
    {
        // The reference's _init_weights, with GPT-2's scaled init of the residual
        // projections: c_proj weights get std / sqrt(2 * n_layer).
        const double std = sizes_.initStd;
        const double projStd = std / std::sqrt(2.0 * static_cast<double>(sizes_.layers));
        blocks::initEmbedding(base_->wte, std);
        blocks::initEmbedding(base_->wpe, std);
        for (const auto& block : base_->blocks) {
            blocks::initLayerNorm(block->ln_1);
            blocks::initLayerNorm(block->ln_2);
            block->attn->c_attn->init(std);
            block->attn->c_proj->init(projStd);
            block->mlp->c_fc->init(std);
            block->mlp->c_proj->init(projStd);
        }
        blocks::initLayerNorm(base_->ln_f);
        if (lmHead_) {
            blocks::initLinear(lmHead_, std);
        }
        if (score_) {
            blocks::initLinear(score_, std);
        }
        if (classifier_) {
            blocks::initLinear(classifier_, std);
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.positions; }
    int64_t vocabSize() const override { return sizes_.vocab; }

private:
    Gpt2Sizes sizes_;
    std::string modelType_;
    std::string architecture_;
    bool withLmHead_ = true;
    std::shared_ptr<Gpt2Model> base_;
    /// The head on a normed hidden state.
    torch::Tensor project(const torch::Tensor& normed)
    {
        return blocks::linear(normed, lmHead_ ? lmHead_->weight : base_->wte->weight);
    }

    blocks::Linear lmHead_ { nullptr };
    Gpt2Head head_ = Gpt2Head::LmHead;
    blocks::Linear score_ { nullptr };
    blocks::Linear classifier_ { nullptr };
    std::vector<std::string> labels_;
    double dropout_ = 0.1;
};

} // namespace

std::shared_ptr<Architecture> createGpt2(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch.empty() || arch == "GPT2LMHeadModel") {
        return std::make_shared<Gpt2>(config, Gpt2Head::LmHead);
    }
    if (arch == "GPT2Model") {
        return std::make_shared<Gpt2>(config, Gpt2Head::Base);
    }
    if (arch == "GPT2ForSequenceClassification") {
        return std::make_shared<Gpt2>(config, Gpt2Head::SequenceClassification);
    }
    if (arch == "GPT2ForTokenClassification") {
        return std::make_shared<Gpt2>(config, Gpt2Head::TokenClassification);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for GPT-2 (Lumen loads GPT2LMHeadModel, GPT2Model, "
              "GPT2ForSequenceClassification and GPT2ForTokenClassification). Set \"architectures\" to [\"GPT2LMHeadModel\"] to load the "
              "language model.");
}

} // namespace lumen::engine
