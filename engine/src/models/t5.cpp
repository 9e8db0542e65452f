// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/t5.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <cmath>
#include <limits>

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

struct T5Sizes {
    int64_t vocab = 0;
    int64_t model = 0; // d_model
    int64_t kv = 0; // d_kv
    int64_t ff = 0; // d_ff
    int64_t heads = 0;
    int64_t encoderLayers = 0;
    int64_t decoderLayers = 0;
    int64_t buckets = 32;
    int64_t maxDistance = 128;
    double eps = 1e-6;
    double initFactor = 1.0;
    bool gated = false;
    bool tieWordEmbeddings = true;
    int64_t decoderStart = 0;
    int64_t eos = 1;
    /// Training only: after the embeddings and each sub-layer (dropout_rate), and before a
    /// classifier (classifier_dropout), as in the reference (its attention-weight dropout
    /// is not applied).
    double dropout = 0.1;
    double classifierDropout = 0.0;
    Activation activation = Activation::Relu;

    explicit T5Sizes(const ModelConfig& c)
    {
        vocab = c.requireInt("vocab_size");
        model = c.requireInt("d_model");
        kv = c.requireInt("d_kv");
        ff = c.requireInt("d_ff");
        heads = c.requireInt("num_heads");
        encoderLayers = c.requireInt("num_layers");
        decoderLayers = c.getInt("num_decoder_layers", encoderLayers);
        buckets = c.getInt("relative_attention_num_buckets", 32);
        maxDistance = c.getInt("relative_attention_max_distance", 128);
        eps = c.getDouble("layer_norm_epsilon", 1e-6);
        initFactor = c.getDouble("initializer_factor", 1.0);
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        decoderStart = c.getInt("decoder_start_token_id", c.getInt("pad_token_id", 0));
        eos = c.getInt("eos_token_id", 1);
        dropout = c.getDouble("dropout_rate", 0.1);
        classifierDropout = c.getDouble("classifier_dropout", 0.0);
        // feed_forward_proj is "relu", "gated-gelu" or "<act>" / "gated-<act>"; the
        // reference derives dense_act_fn and is_gated_act from it.
        const std::string proj = c.getString("feed_forward_proj", "relu");
        const bool gatedName = proj.rfind("gated-", 0) == 0;
        gated = c.getBool("is_gated_act", gatedName);
        std::string act = gatedName ? proj.substr(6) : proj;
        if (act == "gelu" && gatedName) {
            act = "gelu_new"; // the reference's special case for "gated-gelu"
        }
        activation = blocks::activationFromConfig(c, "dense_act_fn", act);
        if (vocab <= 0 || model <= 0 || kv <= 0 || ff <= 0 || heads <= 0 || buckets < 2
            || maxDistance <= 0) {
            c.fail("d_model",
                "and the other T5 sizes must be positive (relative_attention_"
                "num_buckets at least 2). Fix config.json.");
        }
    }
};

/// T5LayerNorm: RMS norm without mean subtraction or bias, computed in float32.
struct T5LayerNorm : nn::Module {
    torch::Tensor weight;
    double eps;
    T5LayerNorm(int64_t size, double epsilon)
        : eps(epsilon)
    {
        weight = register_parameter("weight", blocks::uninitialised({ size }));
    }
    torch::Tensor forward(const torch::Tensor& x) const
    {
        const torch::Tensor variance = x.to(torch::kFloat32).pow(2).mean(-1, /*keepdim=*/true);
        torch::Tensor h = x * torch::rsqrt(variance + eps);
        return weight * h.to(weight.scalar_type());
    }
};

torch::Tensor noBiasLinear(
    nn::Module& parent, const char* name, int64_t in, int64_t out, blocks::Linear* slot)
{
    *slot = parent.register_module(name, blocks::Linear(nn::LinearOptions(in, out).bias(false)));
    return (*slot)->weight;
}

// The reference's T5Attention._relative_position_bucket, op for op.
torch::Tensor relativePositionBucket(
    torch::Tensor relative, bool bidirectional, int64_t numBuckets, int64_t maxDistance)
{
    torch::Tensor buckets = torch::zeros_like(relative);
    if (bidirectional) {
        numBuckets /= 2;
        buckets = buckets + (relative > 0).to(torch::kLong) * numBuckets;
        relative = torch::abs(relative);
    } else {
        relative = -torch::min(relative, torch::zeros_like(relative));
    }
    const int64_t maxExact = numBuckets / 2;
    const torch::Tensor isSmall = relative < maxExact;
    torch::Tensor large = maxExact
        + (torch::log(relative.to(torch::kFloat32) / static_cast<double>(maxExact))
            / std::log(static_cast<double>(maxDistance) / static_cast<double>(maxExact))
            * static_cast<double>(numBuckets - maxExact))
              .to(torch::kLong);
    large = torch::min(large, torch::full_like(large, numBuckets - 1));
    return buckets + torch::where(isSmall, relative, large);
}

struct T5Attention : nn::Module {
    blocks::Linear q { nullptr }, k { nullptr }, v { nullptr }, o { nullptr };
    blocks::Embedding relative_attention_bias { nullptr };
    int64_t heads;
    T5Attention(const T5Sizes& s, bool withBias)
        : heads(s.heads)
    {
        const int64_t inner = s.heads * s.kv;
        noBiasLinear(*this, "q", s.model, inner, &q);
        noBiasLinear(*this, "k", s.model, inner, &k);
        noBiasLinear(*this, "v", s.model, inner, &v);
        noBiasLinear(*this, "o", inner, s.model, &o);
        if (withBias) {
            relative_attention_bias =
                register_module("relative_attention_bias", blocks::Embedding(s.buckets, s.heads));
        }
    }

    /// [1, heads, query, key] position bias (compute_bias).
    torch::Tensor computeBias(
        int64_t queryLen, int64_t keyLen, bool bidirectional, const T5Sizes& s)
    {
        const auto device = relative_attention_bias->weight.device();
        const auto opts = torch::TensorOptions().dtype(torch::kLong).device(device);
        const torch::Tensor context = torch::arange(queryLen, opts).unsqueeze(1);
        const torch::Tensor memory = torch::arange(keyLen, opts).unsqueeze(0);
        const torch::Tensor bucket =
            relativePositionBucket(memory - context, bidirectional, s.buckets, s.maxDistance);
        return relative_attention_bias(bucket).permute({ 2, 0, 1 }).unsqueeze(0);
    }

    /// positionBias already holds the additive mask. kv = null: self-attention.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor* keyValue,
        const torch::Tensor& positionBias, torch::Tensor* probs)
    {
        const torch::Tensor& source = keyValue != nullptr ? *keyValue : x;
        const torch::Tensor qh = blocks::splitHeads(q(x), heads);
        const torch::Tensor kh = blocks::splitHeads(k(source), heads);
        const torch::Tensor vh = blocks::splitHeads(v(source), heads);
        torch::Tensor scores = torch::matmul(qh, kh.transpose(3, 2));
        scores = scores + positionBias;
        const torch::Tensor weights =
            torch::softmax(scores.to(torch::kFloat32), -1).to(scores.scalar_type());
        if (probs != nullptr) {
            *probs = weights;
        }
        return o(blocks::mergeHeads(torch::matmul(weights, vh)));
    }
};

struct T5LayerSelfAttention : nn::Module {
    std::shared_ptr<T5Attention> SelfAttention;
    std::shared_ptr<T5LayerNorm> layer_norm;
    T5LayerSelfAttention(const T5Sizes& s, bool withBias)
    {
        SelfAttention =
            register_module("SelfAttention", std::make_shared<T5Attention>(s, withBias));
        layer_norm = register_module("layer_norm", std::make_shared<T5LayerNorm>(s.model, s.eps));
    }
};

struct T5LayerCrossAttention : nn::Module {
    std::shared_ptr<T5Attention> EncDecAttention;
    std::shared_ptr<T5LayerNorm> layer_norm;
    explicit T5LayerCrossAttention(const T5Sizes& s)
    {
        EncDecAttention =
            register_module("EncDecAttention", std::make_shared<T5Attention>(s, false));
        layer_norm = register_module("layer_norm", std::make_shared<T5LayerNorm>(s.model, s.eps));
    }
};

struct T5DenseActDense : nn::Module {
    blocks::Linear wi { nullptr }, wi_0 { nullptr }, wi_1 { nullptr }, wo { nullptr };
    explicit T5DenseActDense(const T5Sizes& s)
    {
        if (s.gated) {
            noBiasLinear(*this, "wi_0", s.model, s.ff, &wi_0);
            noBiasLinear(*this, "wi_1", s.model, s.ff, &wi_1);
        } else {
            noBiasLinear(*this, "wi", s.model, s.ff, &wi);
        }
        noBiasLinear(*this, "wo", s.ff, s.model, &wo);
    }
    torch::Tensor forward(Activation act, const torch::Tensor& x)
    {
        if (wi_0) {
            return wo(blocks::activate(act, wi_0(x)) * wi_1(x));
        }
        return wo(blocks::activate(act, wi(x)));
    }
};

struct T5LayerFF : nn::Module {
    std::shared_ptr<T5DenseActDense> DenseReluDense;
    std::shared_ptr<T5LayerNorm> layer_norm;
    explicit T5LayerFF(const T5Sizes& s)
    {
        DenseReluDense = register_module("DenseReluDense", std::make_shared<T5DenseActDense>(s));
        layer_norm = register_module("layer_norm", std::make_shared<T5LayerNorm>(s.model, s.eps));
    }
};

struct Holder : nn::Module { };

struct T5Block : nn::Module {
    std::shared_ptr<T5LayerSelfAttention> self;
    std::shared_ptr<T5LayerCrossAttention> cross; // decoder only
    std::shared_ptr<T5LayerFF> ff;
    T5Block(const T5Sizes& s, bool decoder, bool withBias)
    {
        auto layer = register_module("layer", std::make_shared<Holder>());
        self = layer->register_module("0", std::make_shared<T5LayerSelfAttention>(s, withBias));
        if (decoder) {
            cross = layer->register_module("1", std::make_shared<T5LayerCrossAttention>(s));
        }
        ff = layer->register_module(decoder ? "2" : "1", std::make_shared<T5LayerFF>(s));
    }
};

struct T5Stack : nn::Module {
    std::vector<std::shared_ptr<T5Block>> blocks;
    std::shared_ptr<T5LayerNorm> final_layer_norm;
    bool decoder;
    T5Stack(const T5Sizes& s, bool isDecoder, int64_t layers)
        : decoder(isDecoder)
    {
        auto holder = register_module("block", std::make_shared<Holder>());
        for (int64_t i = 0; i < layers; ++i) {
            blocks.push_back(holder->register_module(
                std::to_string(i), std::make_shared<T5Block>(s, isDecoder, i == 0)));
        }
        final_layer_norm =
            register_module("final_layer_norm", std::make_shared<T5LayerNorm>(s.model, s.eps));
    }
};

// 0/1 mask [batch, 1, query or 1, key] -> additive (1 - m) * lowest, as the reference.
torch::Tensor toAdditive(const torch::Tensor& mask01, torch::ScalarType dtype)
{
    return (1.0 - mask01.to(dtype)) * blocks::lowestOf(dtype);
}

enum class T5Head { Seq2SeqLm, SequenceClassification, TokenClassification };

// T5ClassificationHead: dropout -> dense -> tanh -> dropout -> out_proj.
struct ClassificationHead : nn::Module {
    blocks::Linear dense { nullptr }, out_proj { nullptr };
    ClassificationHead(const T5Sizes& s, int64_t labels)
    {
        dense = register_module("dense", blocks::Linear(s.model, s.model));
        out_proj = register_module("out_proj", blocks::Linear(s.model, labels));
    }
};

class T5 final : public Architecture {
public:
    T5(const ModelConfig& config, T5Head head)
        : sizes_(config)
        , architecture_(config.architecture())
        , head_(head)
    {
        // The classifiers keep the model under "transformer." as the reference does (the
        // token classifier holds only the encoder: T5EncoderModel).
        nn::Module* parent = this;
        if (head != T5Head::Seq2SeqLm) {
            labels_ = config.requireLabels();
            parent = register_module("transformer", std::make_shared<Holder>()).get();
        }
        shared_ = parent->register_module("shared", blocks::Embedding(sizes_.vocab, sizes_.model));
        encoder_ = parent->register_module(
            "encoder", std::make_shared<T5Stack>(sizes_, false, sizes_.encoderLayers));
        if (head != T5Head::TokenClassification) {
            decoder_ = parent->register_module(
                "decoder", std::make_shared<T5Stack>(sizes_, true, sizes_.decoderLayers));
        }
        const auto n = static_cast<int64_t>(labels_.size());
        if (head == T5Head::SequenceClassification) {
            sequenceHead_ = register_module("classification_head", std::make_shared<ClassificationHead>(sizes_, n));
        } else if (head == T5Head::TokenClassification) {
            tokenHead_ = register_module("classifier", blocks::Linear(sizes_.model, n));
        } else if (!sizes_.tieWordEmbeddings) {
            lmHead_ = register_module("lm_head",
                blocks::Linear(nn::LinearOptions(sizes_.model, sizes_.vocab).bias(false)));
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        const int64_t total =
            sizes_.encoderLayers + (in.decoderInputIds.defined() ? sizes_.decoderLayers : 0);
        int64_t done = 0;

        const auto dtype = shared_->weight.scalar_type();
        const int64_t srcLen = in.inputIds.size(1);
        const torch::Tensor encMask = toAdditive(in.attentionMask.unsqueeze(1).unsqueeze(2), dtype);
        if (in.encoderHiddenState.defined() && in.decoderInputIds.defined()) {
            out.lastHidden = in.encoderHiddenState;
            runDecoder(in, trace, in.encoderHiddenState, encMask, 0, sizes_.decoderLayers, out);
            return out;
        }

        // Encoder.
        torch::Tensor h = embedded(in, drop(shared_(in.inputIds)));
        const torch::Tensor encBias =
            encoder_->blocks.front()->self->SelfAttention->computeBias(srcLen, srcLen, true, sizes_)
            + encMask;
        for (const auto& block : encoder_->blocks) {
            if (stopRequested(in, done++, total)) {
                out.cancelled = true;
                return out;
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(h);
            }
            if (in.checkpointLayers && !trace.attentions) {
                // The position bias is a parameter's output: computed again inside, so each
                // recomputation back-propagates into it on its own.
                auto first = encoder_->blocks.front()->self->SelfAttention;
                T5* self = this;
                h = blocks::checkpointed([self, block, first, encMask, srcLen](const torch::Tensor& x) {
                    const torch::Tensor bias = first->computeBias(srcLen, srcLen, true, self->sizes_) + encMask;
                    return self->feedForward(*block, self->selfAttention(*block, x, bias, nullptr));
                }, h);
                continue;
            }
            torch::Tensor probs;
            h = selfAttention(*block, h, encBias, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                recordAttention(in, out, probs);
            }
            h = feedForward(*block, h);
        }
        h = drop(encoder_->final_layer_norm->forward(h));
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
        out.lastHidden = h;
        if (tokenHead_) {
            out.logits = tokenHead_(torch::dropout(h, sizes_.classifierDropout, is_training()));
            return out;
        }
        if (sequenceHead_) {
            // The reference's T5ForSequenceClassification: the decoder reads the input shifted
            // right, and the class comes from its state at the last end-of-sequence token.
            ArchInput shifted = in;
            const int64_t batch = in.inputIds.size(0);
            const auto opts = in.inputIds.options();
            shifted.decoderInputIds = torch::cat(
                { torch::full({ batch, 1 }, sizes_.decoderStart, opts), in.inputIds.narrow(1, 0, srcLen - 1) }, 1);
            shifted.decoderAttentionMask = torch::Tensor();
            runDecoder(shifted, trace, h, encMask, done, total, out);
            if (out.cancelled) {
                return out;
            }
            const torch::Tensor positions = torch::arange(srcLen, opts).unsqueeze(0).expand({ batch, srcLen });
            const torch::Tensor lastReal = in.attentionMask.defined()
                ? (in.attentionMask.sum(1) - 1).clamp_min(0).to(torch::kLong)
                : torch::full({ batch }, srcLen - 1, opts);
            const torch::Tensor isEos = in.inputIds.eq(sizes_.eos);
            const torch::Tensor lastEos = torch::where(isEos, positions, torch::full_like(positions, -1)).amax(1);
            const torch::Tensor at = torch::where(lastEos.ge(0), lastEos, lastReal);
            const torch::Tensor d = out.decoderState.index({ torch::arange(batch, opts), at });
            const bool training = is_training();
            const double p = sizes_.classifierDropout;
            torch::Tensor x = torch::dropout(d, p, training);
            x = torch::dropout(torch::tanh(sequenceHead_->dense(x)), p, training);
            out.logits = sequenceHead_->out_proj(x);
            return out;
        }
        if (!in.decoderInputIds.defined()) {
            return out;
        }
        runDecoder(in, trace, h, encMask, done, total, out);
        return out;
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = "t5";
        info.architecture = !architecture_.empty()       ? architecture_
            : head_ == T5Head::SequenceClassification ? "T5ForSequenceClassification"
            : head_ == T5Head::TokenClassification    ? "T5ForTokenClassification"
                                                      : "T5ForConditionalGeneration";
        info.headKind = head_ == T5Head::SequenceClassification ? "sequence-classification"
            : head_ == T5Head::TokenClassification              ? "token-classification"
                                                                : "seq2seq-lm";
        info.labels = labels_;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.model;
        info.numLayers = sizes_.encoderLayers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.ff;
        info.maxPositions = 0;
        info.isEncoderDecoder = head_ == T5Head::Seq2SeqLm;
        return info;
    }

private:
    void runDecoder(const ArchInput& in, const TraceRequest& trace, const torch::Tensor& encoded,
        const torch::Tensor& encMask, int64_t done, int64_t total, ArchOutput& out)
    {
        const auto dtype = encoded.scalar_type();
        const int64_t srcLen = encoded.size(1);
        torch::Tensor d = drop(shared_(in.decoderInputIds));
        const int64_t tgtLen = in.decoderInputIds.size(1);
        const torch::Tensor decMask01 = in.decoderAttentionMask.defined()
            ? in.decoderAttentionMask
            : torch::ones_like(in.decoderInputIds);
        const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(d.device());
        const torch::Tensor seqIds = torch::arange(tgtLen, longOpts);
        const torch::Tensor causal =
            (seqIds.unsqueeze(0) <= seqIds.unsqueeze(1)).unsqueeze(0).unsqueeze(0).to(torch::kLong);
        const torch::Tensor decMask =
            toAdditive(causal * decMask01.unsqueeze(1).unsqueeze(2), dtype);
        const torch::Tensor decBias = decoder_->blocks.front()->self->SelfAttention->computeBias(
                                          tgtLen, tgtLen, false, sizes_)
            + decMask;
        // The reference gives cross-attention a zero position bias plus the encoder mask.
        const torch::Tensor crossBias =
            torch::zeros({ 1, sizes_.heads, tgtLen, srcLen }, d.options()) + encMask;
        for (const auto& block : decoder_->blocks) {
            if (stopRequested(in, done++, total)) {
                out.cancelled = true;
                return;
            }
            if (trace.hiddenStates) {
                out.decoderHiddenStates.push_back(d);
            }
            torch::Tensor probs;
            d = selfAttention(*block, d, decBias, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                out.decoderAttentions.push_back(probs);
            }
            const auto& cross = *block->cross;
            torch::Tensor crossProbs;
            d = d
                + drop(cross.EncDecAttention->forward(cross.layer_norm->forward(d), &encoded, crossBias,
                    trace.attentions ? &crossProbs : nullptr));
            if (trace.attentions) {
                out.crossAttentions.push_back(crossProbs);
            }
            d = feedForward(*block, d);
        }
        d = drop(decoder_->final_layer_norm->forward(d));
        if (trace.hiddenStates) {
            out.decoderHiddenStates.push_back(d);
        }
        out.decoderState = d;
        if (!sequenceHead_) {
            out.logits = project(d);
        }
    }

    torch::Tensor drop(const torch::Tensor& x) { return torch::dropout(x, sizes_.dropout, is_training()); }

    /// The head on the decoder's normed output (a tied head rescales by d_model^-0.5).
    torch::Tensor project(const torch::Tensor& normed)
    {
        if (lmHead_) {
            return lmHead_(normed);
        }
        return torch::nn::functional::linear(
            normed * std::pow(static_cast<double>(sizes_.model), -0.5), shared_->weight);
    }

public:
    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (head_ != T5Head::Seq2SeqLm) {
            return {};
        }
        return project(decoder_->final_layer_norm->forward(h));
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        const std::string p = basePrefix();
        std::map<std::string, std::string> tied { { p + "encoder.embed_tokens.weight", p + "shared.weight" } };
        if (decoder_) {
            tied[p + "decoder.embed_tokens.weight"] = p + "shared.weight";
        }
        if (sizes_.tieWordEmbeddings && head_ == T5Head::Seq2SeqLm) {
            tied["lm_head.weight"] = "shared.weight";
        }
        return tied;
    }

    std::string basePrefix() const override { return head_ == T5Head::Seq2SeqLm ? "" : "transformer."; }

    void initWeights() override
    {
        torch::NoGradGuard noGrad;
        const double f = sizes_.initFactor;
        const double dModel = static_cast<double>(sizes_.model);
        const double dFf = static_cast<double>(sizes_.ff);
        const double inner = static_cast<double>(sizes_.heads * sizes_.kv);
        shared_->weight.normal_(0.0, f * 1.0);
        if (lmHead_) {
            lmHead_->weight.normal_(0.0, f * 1.0);
        }
        if (sequenceHead_) {
            // T5ClassificationHead's init: dense and out_proj normal(0, factor / sqrt(fan in)).
            sequenceHead_->dense->weight.normal_(0.0, f * std::pow(dModel, -0.5));
            sequenceHead_->dense->bias.zero_();
            sequenceHead_->out_proj->weight.normal_(0.0, f * std::pow(dModel, -0.5));
            sequenceHead_->out_proj->bias.zero_();
        }
        if (tokenHead_) {
            tokenHead_->weight.normal_(0.0, f * 1.0);
            tokenHead_->bias.zero_();
        }
        for (const auto& stack : { encoder_, decoder_ }) {
            if (!stack) {
                continue;
            }
            stack->final_layer_norm->weight.fill_(f);
            for (const auto& block : stack->blocks) {
                std::vector<std::pair<T5Attention*, T5LayerNorm*>> attentions {
                    { block->self->SelfAttention.get(), block->self->layer_norm.get() }
                };
                if (block->cross) {
                    attentions.emplace_back(
                        block->cross->EncDecAttention.get(), block->cross->layer_norm.get());
                }
                for (auto [attention, norm] : attentions) {
                    attention->q->weight.normal_(0.0, f * std::pow(dModel * sizes_.kv, -0.5));
                    attention->k->weight.normal_(0.0, f * std::pow(dModel, -0.5));
                    attention->v->weight.normal_(0.0, f * std::pow(dModel, -0.5));
                    attention->o->weight.normal_(0.0, f * std::pow(inner, -0.5));
                    if (attention->relative_attention_bias) {
                        attention->relative_attention_bias->weight.normal_(
                            0.0, f * std::pow(dModel, -0.5));
                    }
                    norm->weight.fill_(f);
                }
                auto& dense = *block->ff->DenseReluDense;
                for (auto* wi : { &dense.wi, &dense.wi_0, &dense.wi_1 }) {
                    if (*wi) {
                        (*wi)->weight.normal_(0.0, f * std::pow(dModel, -0.5));
                    }
                }
                dense.wo->weight.normal_(0.0, f * std::pow(dFf, -0.5));
                block->ff->layer_norm->weight.fill_(f);
            }
        }
    }

    int64_t maxSequenceLength() const override { return 0; }
    int64_t vocabSize() const override { return sizes_.vocab; }
    int64_t decoderStartTokenId() const override { return sizes_.decoderStart; }

private:
    torch::Tensor selfAttention(
        T5Block& block, const torch::Tensor& h, const torch::Tensor& bias, torch::Tensor* probs)
    {
        auto& layer = *block.self;
        return h + drop(layer.SelfAttention->forward(layer.layer_norm->forward(h), nullptr, bias, probs));
    }

    torch::Tensor feedForward(T5Block& block, const torch::Tensor& h)
    {
        auto& layer = *block.ff;
        return h + drop(layer.DenseReluDense->forward(sizes_.activation, layer.layer_norm->forward(h)));
    }

    T5Sizes sizes_;
    std::string architecture_;
    T5Head head_;
    std::vector<std::string> labels_;
    std::shared_ptr<ClassificationHead> sequenceHead_;
    blocks::Linear tokenHead_ { nullptr };
    blocks::Embedding shared_ { nullptr };
    std::shared_ptr<T5Stack> encoder_;
    std::shared_ptr<T5Stack> decoder_;
    blocks::Linear lmHead_ { nullptr };
};

} // namespace

std::shared_ptr<Architecture> createT5(const ModelConfig& config)
{
    const std::string arch = config.architecture();
    if (arch.empty() || arch == "T5ForConditionalGeneration") {
        return std::make_shared<T5>(config, T5Head::Seq2SeqLm);
    }
    if (arch == "T5ForSequenceClassification") {
        return std::make_shared<T5>(config, T5Head::SequenceClassification);
    }
    if (arch == "T5ForTokenClassification") {
        return std::make_shared<T5>(config, T5Head::TokenClassification);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch
            + "\" is not supported yet for T5 (Lumen loads T5ForConditionalGeneration, "
              "T5ForSequenceClassification and T5ForTokenClassification). Set \"architectures\" to "
              "[\"T5ForConditionalGeneration\"] if the checkpoint holds its weights.");
}

} // namespace lumen::engine
