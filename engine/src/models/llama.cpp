// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/llama.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <cmath>
#include <limits>

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

// What distinguishes the variants that share this file.
struct Variant {
    const char* modelType;
    const char* familyName; ///< for messages ("LLaMA")
    const char* prefix; ///< class-name prefix ("Llama" -> LlamaForCausalLM, LlamaModel)
    int64_t defaultMaxPositions;
};

const Variant kVariants[] = {
    { "llama", "LLaMA", "Llama", 2048 },
    { "mistral", "Mistral", "Mistral", 4096 * 32 },
    { "qwen2", "Qwen2", "Qwen2", 32768 },
};

struct LlamaSizes {
    int64_t vocab = 0;
    int64_t hidden = 0;
    int64_t layers = 0;
    int64_t heads = 0;
    int64_t kvHeads = 0;
    int64_t headDim = 0;
    int64_t intermediate = 0;
    int64_t maxPositions = 0;
    int64_t padTokenId = -1;
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    double ropeLinearFactor = 1.0; ///< rope_scaling {"type": "linear", "factor": f}
    double initStd = 0.02;
    Activation activation = Activation::Silu;
    bool qkvBias = false;
    bool outBias = false;
    int64_t slidingWindow = 0; ///< 0 = none
    bool tieWordEmbeddings = false;

    LlamaSizes(const ModelConfig& c, const Variant& variant)
    {
        const std::string type = variant.modelType;
        vocab = c.requireInt("vocab_size");
        hidden = c.requireInt("hidden_size");
        layers = c.requireInt("num_hidden_layers");
        heads = c.requireInt("num_attention_heads");
        kvHeads = c.has("num_key_value_heads") && !c.json()["num_key_value_heads"].is_null()
            ? c.getInt("num_key_value_heads", heads)
            : heads;
        intermediate = c.requireInt("intermediate_size");
        maxPositions = c.getInt("max_position_embeddings", variant.defaultMaxPositions);
        if (c.has("pad_token_id") && c.json()["pad_token_id"].is_number_integer()) {
            padTokenId = c.getInt("pad_token_id", -1);
        }
        rmsNormEps = c.getDouble("rms_norm_eps", 1e-6);
        ropeTheta = c.getDouble("rope_theta", 10000.0);
        initStd = c.getDouble("initializer_range", 0.02);
        activation = blocks::activationFromConfig(c, "hidden_act", "silu");
        tieWordEmbeddings = c.getBool("tie_word_embeddings", false);
        if (type == "llama") {
            qkvBias = outBias = c.getBool("attention_bias", false);
        } else if (type == "qwen2") {
            qkvBias = true;
            if (c.getBool("use_sliding_window", false)) {
                slidingWindow = c.getInt("sliding_window", 4096);
            }
        } else if (type == "mistral") {
            if (c.has("sliding_window") && !c.json()["sliding_window"].is_null()) {
                slidingWindow = c.getInt("sliding_window", 4096);
            }
        }
        for (const auto& [key, value] :
            { std::pair { "vocab_size", vocab }, { "hidden_size", hidden },
                { "num_hidden_layers", layers }, { "num_attention_heads", heads },
                { "num_key_value_heads", kvHeads }, { "intermediate_size", intermediate },
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
        if (heads % kvHeads != 0) {
            c.fail("num_attention_heads",
                "(" + std::to_string(heads) + ") must be a multiple of num_key_value_heads ("
                    + std::to_string(kvHeads) + ").");
        }
        headDim = hidden / heads;
        if (headDim % 2 != 0) {
            c.fail("hidden_size",
                "/ num_attention_heads gives an odd head size (" + std::to_string(headDim)
                    + "); rotary embeddings need an even one.");
        }
        if (c.has("rope_scaling") && !c.json()["rope_scaling"].is_null()) {
            const auto& scaling = c.json()["rope_scaling"];
            const std::string kind =
                scaling.is_object() && scaling.contains("type") && scaling["type"].is_string()
                ? scaling["type"].get<std::string>()
                : scaling.is_object() && scaling.contains("rope_type")
                    && scaling["rope_type"].is_string()
                ? scaling["rope_type"].get<std::string>()
                : std::string();
            if (kind != "linear" || !scaling.contains("factor") || !scaling["factor"].is_number()
                || scaling["factor"].get<double>() <= 0.0) {
                c.fail("rope_scaling",
                    "is " + scaling.dump()
                        + "; Lumen supports only {\"type\": \"linear\", \"factor\": F} with "
                          "F > 0 (or null).");
            }
            ropeLinearFactor = scaling["factor"].get<double>();
        }
    }
};

/// RMSNorm as the reference computes it: in float32, x / sqrt(mean(x²) + eps), times weight.
struct RmsNorm : nn::Module {
    torch::Tensor weight;
    double eps;
    RmsNorm(int64_t size, double epsilon)
        : eps(epsilon)
    {
        weight = register_parameter("weight", blocks::uninitialised({ size }));
    }
    torch::Tensor forward(const torch::Tensor& x)
    {
        const torch::Tensor h = x.to(torch::kFloat32);
        const torch::Tensor variance = h.pow(2).mean(/*dim=*/ { -1 }, /*keepdim=*/true);
        return weight * (h * torch::rsqrt(variance + eps)).to(x.scalar_type());
    }
};

blocks::Linear linear(int64_t in, int64_t out, bool bias)
{
    return blocks::Linear(nn::LinearOptions(in, out).bias(bias));
}

struct SelfAttention : nn::Module {
    blocks::Linear q_proj { nullptr }, k_proj { nullptr }, v_proj { nullptr }, o_proj { nullptr };
    explicit SelfAttention(const LlamaSizes& s)
    {
        q_proj = register_module("q_proj", linear(s.hidden, s.heads * s.headDim, s.qkvBias));
        k_proj = register_module("k_proj", linear(s.hidden, s.kvHeads * s.headDim, s.qkvBias));
        v_proj = register_module("v_proj", linear(s.hidden, s.kvHeads * s.headDim, s.qkvBias));
        o_proj = register_module("o_proj", linear(s.heads * s.headDim, s.hidden, s.outBias));
    }
};

struct Mlp : nn::Module {
    blocks::Linear gate_proj { nullptr }, up_proj { nullptr }, down_proj { nullptr };
    explicit Mlp(const LlamaSizes& s)
    {
        gate_proj = register_module("gate_proj", linear(s.hidden, s.intermediate, false));
        up_proj = register_module("up_proj", linear(s.hidden, s.intermediate, false));
        down_proj = register_module("down_proj", linear(s.intermediate, s.hidden, false));
    }
};

// The reference's rotate_half: (x1, x2) -> (-x2, x1) over the two halves of the last dim.
torch::Tensor rotateHalf(const torch::Tensor& x)
{
    const int64_t half = x.size(-1) / 2;
    return torch::cat({ -x.slice(-1, half), x.slice(-1, 0, half) }, /*dim=*/-1);
}

// [batch, kvHeads, seq, dim] -> [batch, kvHeads * groups, seq, dim] (the reference's repeat_kv)
torch::Tensor repeatKv(const torch::Tensor& x, int64_t groups)
{
    if (groups == 1) {
        return x;
    }
    const auto b = x.size(0), h = x.size(1), s = x.size(2), d = x.size(3);
    return x.unsqueeze(2).expand({ b, h, groups, s, d }).reshape({ b, h * groups, s, d });
}

struct DecoderLayer : nn::Module {
    std::shared_ptr<SelfAttention> self_attn;
    std::shared_ptr<Mlp> mlp;
    std::shared_ptr<RmsNorm> input_layernorm, post_attention_layernorm;
    LlamaSizes sizes;
    int64_t index;

    DecoderLayer(const LlamaSizes& s, int64_t layerIndex)
        : sizes(s)
        , index(layerIndex)
    {
        self_attn = register_module("self_attn", std::make_shared<SelfAttention>(s));
        mlp = register_module("mlp", std::make_shared<Mlp>(s));
        input_layernorm =
            register_module("input_layernorm", std::make_shared<RmsNorm>(s.hidden, s.rmsNormEps));
        post_attention_layernorm = register_module(
            "post_attention_layernorm", std::make_shared<RmsNorm>(s.hidden, s.rmsNormEps));
    }

    // cos, sin: [batch, 1, seq, headDim]; mask: additive [batch, 1, seq, past + seq].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos,
        const torch::Tensor& sin, const torch::Tensor& mask, KvCache* cache, torch::Tensor* probs)
    {
        const int64_t batch = x.size(0);
        const int64_t seq = x.size(1);
        auto& a = *self_attn;
        const torch::Tensor h = input_layernorm->forward(x);
        torch::Tensor q =
            a.q_proj(h).view({ batch, seq, sizes.heads, sizes.headDim }).transpose(1, 2);
        torch::Tensor k =
            a.k_proj(h).view({ batch, seq, sizes.kvHeads, sizes.headDim }).transpose(1, 2);
        torch::Tensor v =
            a.v_proj(h).view({ batch, seq, sizes.kvHeads, sizes.headDim }).transpose(1, 2);
        q = q * cos + rotateHalf(q) * sin;
        k = k * cos + rotateHalf(k) * sin;
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
        const int64_t groups = sizes.heads / sizes.kvHeads;
        k = repeatKv(k, groups);
        v = repeatKv(v, groups);
        torch::Tensor scores =
            torch::matmul(q, k.transpose(2, 3)) / std::sqrt(static_cast<double>(sizes.headDim));
        scores = scores + mask;
        const torch::Tensor p =
            torch::softmax(scores, /*dim=*/-1, torch::kFloat32).to(q.scalar_type());
        if (probs != nullptr) {
            *probs = p;
        }
        const torch::Tensor context =
            torch::matmul(p, v).transpose(1, 2).contiguous().view({ batch, seq, sizes.hidden });
        const torch::Tensor r = x + a.o_proj(context);
        const torch::Tensor n = post_attention_layernorm->forward(r);
        const torch::Tensor f =
            mlp->down_proj(blocks::activate(sizes.activation, mlp->gate_proj(n)) * mlp->up_proj(n));
        return r + f;
    }
};

struct LlamaModel : nn::Module {
    blocks::Embedding embed_tokens { nullptr };
    nn::ModuleList layers { nullptr };
    std::vector<std::shared_ptr<DecoderLayer>> decoderLayers;
    std::shared_ptr<RmsNorm> norm;

    explicit LlamaModel(const LlamaSizes& s)
    {
        embed_tokens = register_module("embed_tokens", blocks::Embedding(s.vocab, s.hidden));
        layers = register_module("layers", nn::ModuleList());
        for (int64_t i = 0; i < s.layers; ++i) {
            decoderLayers.push_back(std::make_shared<DecoderLayer>(s, i));
            layers->push_back(decoderLayers.back());
        }
        norm = register_module("norm", std::make_shared<RmsNorm>(s.hidden, s.rmsNormEps));
    }
};

enum class LlamaHead { Base, LmHead, SequenceClassification, TokenClassification };

class Llama final : public Architecture {
public:
    Llama(const ModelConfig& config, const Variant& variant, LlamaHead head)
        : sizes_(config, variant)
        , variant_(variant)
        , head_(head)
        , withLmHead_(head == LlamaHead::LmHead)
        , modelType_(config.modelType())
        , architecture_(config.architecture())
    {
        base_ = std::make_shared<LlamaModel>(sizes_);
        if (head == LlamaHead::SequenceClassification || head == LlamaHead::TokenClassification) {
            // The reference: "score" without a bias read at the last real token (sequence);
            // dropout and a "score" with one on every token (tokens).
            labels_ = config.requireLabels();
            register_module("model", base_);
            const auto n = static_cast<int64_t>(labels_.size());
            score_ = register_module("score", linear(sizes_.hidden, n, head == LlamaHead::TokenClassification));
            dropout_ = config.getDouble("classifier_dropout", config.getDouble("hidden_dropout", 0.1));
        } else if (withLmHead_) {
            register_module("model", base_);
            if (!sizes_.tieWordEmbeddings) {
                lmHead_ = register_module("lm_head", linear(sizes_.hidden, sizes_.vocab, false));
            }
        } else {
            // LlamaModel checkpoints keep their keys at the top level ("embed_tokens.weight").
            register_module("embed_tokens", base_->embed_tokens);
            register_module("layers", base_->layers);
            register_module("norm", base_->norm);
        }
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        const int64_t batch = in.inputIds.size(0);
        const int64_t seq = in.inputIds.size(1);
        KvCache* cache = in.cache;
        if (cache != nullptr && cache->keys.empty()) {
            cache->keys.resize(base_->decoderLayers.size());
            cache->values.resize(base_->decoderLayers.size());
        }
        const int64_t past = cache != nullptr ? cache->length() : 0;
        const int64_t total = past + seq;
        const auto opts = in.inputIds.options();
        const torch::Tensor positions = in.positionIds.defined()
            ? in.positionIds
            : torch::arange(past, total, opts).unsqueeze(0).expand({ batch, seq });

        torch::Tensor x = embedded(in, base_->embed_tokens(in.inputIds));
        const auto [cos, sin] = rotary(positions, x.scalar_type());
        const torch::Tensor mask = causalMask(in.attentionMask, batch, seq, past, x);

        const auto layers = static_cast<int64_t>(base_->decoderLayers.size());
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
                auto layer = base_->decoderLayers[static_cast<size_t>(index)];
                const torch::Tensor c = cos;
                const torch::Tensor s = sin;
                x = blocks::checkpointed([layer, c, s, mask](const torch::Tensor& h) {
                    return layer->forward(h, c, s, mask, nullptr, nullptr);
                }, x);
                continue;
            }
            x = base_->decoderLayers[static_cast<size_t>(index)]->forward(
                x, cos, sin, mask, cache, trace.attentions ? &probs : nullptr);
            if (trace.attentions) {
                recordAttention(in, out, probs);
            }
        }
        // As in the reference, the last hidden state (and the last traced one) is normed.
        x = base_->norm->forward(x);
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(x);
        }
        out.lastHidden = x;
        if (withLmHead_) {
            out.logits = project(x);
        }
        if (head_ == LlamaHead::SequenceClassification) {
            // The last real token of each row has read the whole text.
            const torch::Tensor last = in.attentionMask.defined()
                ? (in.attentionMask.sum(1) - 1).clamp_min(0).to(torch::kLong)
                : torch::full({ batch }, seq - 1, opts);
            out.logits = score_(x.index({ torch::arange(batch, opts), last }));
        } else if (head_ == LlamaHead::TokenClassification) {
            out.logits = score_(torch::dropout(x, dropout_, is_training()));
        }
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        return withLmHead_ ? project(base_->norm->forward(h)) : torch::Tensor();
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = modelType_;
        info.architecture = !architecture_.empty() ? architecture_
            : std::string(variant_.prefix)
                + (head_ == LlamaHead::LmHead                 ? "ForCausalLM"
                      : head_ == LlamaHead::SequenceClassification ? "ForSequenceClassification"
                      : head_ == LlamaHead::TokenClassification    ? "ForTokenClassification"
                                                                   : "Model");
        info.headKind = head_ == LlamaHead::LmHead   ? "causal-lm"
            : head_ == LlamaHead::SequenceClassification ? "sequence-classification"
            : head_ == LlamaHead::TokenClassification    ? "token-classification"
                                                         : "base";
        info.labels = labels_;
        info.isCausal = true;
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
        if (withLmHead_ && sizes_.tieWordEmbeddings) {
            return { { "lm_head.weight", "model.embed_tokens.weight" } };
        }
        return {};
    }

    std::string basePrefix() const override { return "model."; }

    void initWeights() override
    {
        const double std = sizes_.initStd;
        blocks::initEmbedding(base_->embed_tokens, std, sizes_.padTokenId);
        torch::NoGradGuard noGrad;
        for (const auto& layer : base_->decoderLayers) {
            for (auto* l : { &layer->self_attn->q_proj, &layer->self_attn->k_proj,
                     &layer->self_attn->v_proj, &layer->self_attn->o_proj, &layer->mlp->gate_proj,
                     &layer->mlp->up_proj, &layer->mlp->down_proj }) {
                blocks::initLinear(*l, std);
            }
            layer->input_layernorm->weight.fill_(1.0);
            layer->post_attention_layernorm->weight.fill_(1.0);
        }
        base_->norm->weight.fill_(1.0);
        if (lmHead_) {
            blocks::initLinear(lmHead_, std);
        }
        if (score_) {
            blocks::initLinear(score_, std);
        }
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }

private:
    // cos and sin of the rotary angles, [batch, 1, seq, headDim], computed in float32 the way
    // the reference does (inv_freq @ positions, then the angles repeated over both halves).
    std::pair<torch::Tensor, torch::Tensor> rotary(
        const torch::Tensor& positions, torch::ScalarType dtype) const
    {
        const auto floatOpts =
            torch::TensorOptions().dtype(torch::kFloat32).device(positions.device());
        const torch::Tensor exponent =
            torch::arange(0, sizes_.headDim, 2, torch::TensorOptions().dtype(torch::kInt64))
                .to(floatOpts)
            / static_cast<double>(sizes_.headDim);
        const torch::Tensor invFreq = torch::reciprocal(torch::pow(sizes_.ropeTheta, exponent));
        torch::Tensor pos = positions.to(torch::kFloat32);
        if (sizes_.ropeLinearFactor != 1.0) {
            pos = pos / sizes_.ropeLinearFactor;
        }
        const int64_t batch = positions.size(0);
        const torch::Tensor freqs =
            torch::matmul(invFreq.view({ 1, -1, 1 }).expand({ batch, -1, 1 }), pos.unsqueeze(1))
                .transpose(1, 2);
        const torch::Tensor emb = torch::cat({ freqs, freqs }, /*dim=*/-1);
        return { emb.cos().to(dtype).unsqueeze(1), emb.sin().to(dtype).unsqueeze(1) };
    }

    // Additive [batch, 1, seq, past + seq] mask: 0 where a query may attend, the dtype's
    // lowest value where the key is in the future, outside the sliding window, or padding
    // (the reference fills, it does not add, so masked entries are exactly that value).
    torch::Tensor causalMask(const torch::Tensor& attentionMask, int64_t batch, int64_t seq,
        int64_t past, const torch::Tensor& like) const
    {
        const int64_t total = past + seq;
        const auto opts = torch::TensorOptions().dtype(torch::kInt64).device(like.device());
        const torch::Tensor keyPos = torch::arange(total, opts).unsqueeze(0);
        const torch::Tensor queryPos = torch::arange(past, total, opts).unsqueeze(1);
        torch::Tensor allowed = keyPos <= queryPos; // [seq, total]
        if (sizes_.slidingWindow > 0) {
            // transformers 4.40's window: a query sees keys at distance <= sliding_window.
            allowed = allowed.logical_and(queryPos - keyPos <= sizes_.slidingWindow);
        }
        allowed = allowed.unsqueeze(0).unsqueeze(0).expand({ batch, 1, seq, total });
        if (attentionMask.defined()) {
            allowed =
                allowed.logical_and(attentionMask.to(torch::kBool).view({ batch, 1, 1, total }));
        }
        const double lowest = blocks::lowestOf(like.scalar_type());
        return torch::zeros({ batch, 1, seq, total }, like.options())
            .masked_fill(allowed.logical_not(), lowest);
    }

    LlamaSizes sizes_;
    Variant variant_;
    LlamaHead head_ = LlamaHead::LmHead;
    bool withLmHead_ = true;
    blocks::Linear score_ { nullptr };
    std::vector<std::string> labels_;
    double dropout_ = 0.1;
    std::string modelType_;
    std::string architecture_;
    std::shared_ptr<LlamaModel> base_;
    /// The head on a normed hidden state.
    torch::Tensor project(const torch::Tensor& normed)
    {
        return blocks::linear(normed, lmHead_ ? lmHead_->weight : base_->embed_tokens->weight);
    }

    blocks::Linear lmHead_ { nullptr };
};

} // namespace

std::shared_ptr<Architecture> createLlama(const ModelConfig& config)
{
    const Variant* variant = nullptr;
    for (const auto& v : kVariants) {
        if (config.modelType() == v.modelType) {
            variant = &v;
        }
    }
    if (variant == nullptr) {
        throw Error(ErrorKind::Internal,
            config.path() + ": model_type \"" + config.modelType()
                + "\" was routed to the LLaMA family by mistake.");
    }
    const std::string arch = config.architecture();
    const std::string prefix = variant->prefix;
    if (arch.empty() || arch == prefix + "ForCausalLM") {
        return std::make_shared<Llama>(config, *variant, LlamaHead::LmHead);
    }
    if (arch == prefix + "Model") {
        return std::make_shared<Llama>(config, *variant, LlamaHead::Base);
    }
    if (arch == prefix + "ForSequenceClassification") {
        return std::make_shared<Llama>(config, *variant, LlamaHead::SequenceClassification);
    }
    if (arch == prefix + "ForTokenClassification") {
        return std::make_shared<Llama>(config, *variant, LlamaHead::TokenClassification);
    }
    throw Error(ErrorKind::Unsupported,
        config.path() + ": architecture \"" + arch + "\" is not supported yet for "
            + variant->familyName + " (Lumen loads " + prefix + "ForCausalLM, " + prefix
            + "Model, " + prefix + "ForSequenceClassification and " + prefix + "ForTokenClassification). Set \"architectures\" to [\"" + prefix
            + "ForCausalLM\"] to load the language model.");
}

} // namespace lumen::engine
