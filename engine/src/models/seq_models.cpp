// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "models/seq_models.h"

#include "lumen/engine/error.h"
#include "models/blocks/blocks.h"
#include "models/blocks/checkpoint.h"

#include <array>
#include <cmath>

namespace lumen::engine {
namespace {

namespace nn = torch::nn;
using blocks::Activation;

enum class Kind { LightConv, DynamicConv, DilatedConv, WaveNet, Lstm };

struct KindInfo {
    const char* modelType;
    const char* name; ///< the architectures prefix: "LumenLightConv" -> ...ForMaskedLM
};

KindInfo kindInfo(Kind kind)
{
    switch (kind) {
    case Kind::LightConv:
        return { "lumen-lightconv", "LumenLightConv" };
    case Kind::DynamicConv:
        return { "lumen-dynamicconv", "LumenDynamicConv" };
    case Kind::DilatedConv:
        return { "lumen-dilatedconv", "LumenDilatedConv" };
    case Kind::WaveNet:
        return { "lumen-wavenet", "LumenWaveNet" };
    case Kind::Lstm:
        return { "lumen-lstm", "LumenLstm" };
    }
    return { "", "" };
}

/// An int for every layer, or one list of as many ints as layers.
std::vector<int64_t> perLayer(const ModelConfig& c, const char* key, int64_t layers,
                              const std::function<int64_t(int64_t)>& fallback)
{
    std::vector<int64_t> values;
    if (!c.has(key)) {
        for (int64_t l = 0; l < layers; ++l) {
            values.push_back(fallback(l));
        }
        return values;
    }
    const nlohmann::json& v = c.json().at(key);
    if (v.is_number_integer()) {
        values.assign(static_cast<size_t>(layers), v.get<int64_t>());
    } else if (v.is_array() && static_cast<int64_t>(v.size()) == layers) {
        for (const auto& x : v) {
            if (!x.is_number_integer()) {
                c.fail(key, "must hold integers, one per layer.");
            }
            values.push_back(x.get<int64_t>());
        }
    } else {
        c.fail(key, "must be an integer or a list of " + std::to_string(layers)
                        + " integers (one per layer, num_hidden_layers).");
    }
    for (const int64_t x : values) {
        if (x <= 0) {
            c.fail(key, "must be positive, found " + std::to_string(x) + ".");
        }
    }
    return values;
}

enum class HeadKind { MaskedLm, CausalLm, SequenceClassification, TokenClassification };

struct Sizes {
    Kind kind = Kind::LightConv;
    bool causal = false; ///< the causal-LM head: causal padding, a left-to-right LSTM
    HeadKind head = HeadKind::MaskedLm;
    std::vector<std::string> labels; ///< classifiers' class names
    std::string architecture;
    int64_t vocab = 0;
    int64_t hidden = 256;
    int64_t layers = 4;
    int64_t heads = 0; ///< light / dynamic convolution heads
    int64_t intermediate = 1024;
    int64_t maxPositions = 0; ///< 0: no position embeddings, no length limit
    std::vector<int64_t> kernels; ///< per layer
    std::vector<int64_t> dilations; ///< per layer
    int64_t skipChannels = 0; ///< WaveNet
    double weightDropout = 0.0;
    double hiddenDropout = 0.1;
    double eps = 1e-5;
    double initStd = 0.02;
    Activation activation = Activation::Gelu;
    bool tieWordEmbeddings = true;

    Sizes(const ModelConfig& c, Kind k)
        : kind(k)
    {
        const KindInfo info = kindInfo(k);
        architecture = c.architecture();
        const std::string masked = std::string(info.name) + "ForMaskedLM";
        const std::string causalName = std::string(info.name) + "ForCausalLM";
        const std::string sequence = std::string(info.name) + "ForSequenceClassification";
        const std::string tokens = std::string(info.name) + "ForTokenClassification";
        if (architecture.empty()) {
            architecture = k == Kind::WaveNet || k == Kind::Lstm ? causalName : masked;
        }
        if (architecture != masked && architecture != causalName && architecture != sequence && architecture != tokens) {
            c.fail("architectures", "[\"" + architecture + "\"] is not a " + info.modelType
                                        + " architecture: use " + masked + ", " + causalName + ", " + sequence
                                        + " or " + tokens + ".");
        }
        head = architecture == masked ? HeadKind::MaskedLm
            : architecture == causalName ? HeadKind::CausalLm
            : architecture == sequence   ? HeadKind::SequenceClassification
                                         : HeadKind::TokenClassification;
        // A classifier keeps the direction of the stack it was made from ("causal": true
        // for one fine-tuned from a ForCausalLM model).
        causal = head == HeadKind::CausalLm
            || ((head == HeadKind::SequenceClassification || head == HeadKind::TokenClassification)
                && c.getBool("causal", false));
        if (head == HeadKind::SequenceClassification || head == HeadKind::TokenClassification) {
            labels = c.requireLabels();
        }
        vocab = c.requireInt("vocab_size");
        hidden = c.getInt("hidden_size", 256);
        layers = c.getInt("num_hidden_layers", 4);
        intermediate = c.getInt("intermediate_size", 4 * hidden);
        maxPositions = c.getInt("max_position_embeddings", 0);
        eps = c.getDouble("layer_norm_eps", 1e-5);
        initStd = c.getDouble("initializer_range", 0.02);
        hiddenDropout = c.getDouble("hidden_dropout_prob", 0.1);
        weightDropout = c.getDouble("weight_dropout", 0.1);
        activation = blocks::activationFromConfig(c, "hidden_act", "gelu");
        tieWordEmbeddings = c.getBool("tie_word_embeddings", true);
        for (const auto& [key, value] : { std::pair { "vocab_size", vocab }, { "hidden_size", hidden },
                 { "num_hidden_layers", layers }, { "intermediate_size", intermediate } }) {
            if (value <= 0) {
                c.fail(key, "must be a positive integer, found " + std::to_string(value) + ".");
            }
        }
        if (maxPositions < 0) {
            c.fail("max_position_embeddings", "must be 0 (no position embeddings) or positive.");
        }
        switch (k) {
        case Kind::LightConv:
        case Kind::DynamicConv:
            heads = c.getInt("num_heads", 4);
            if (heads <= 0 || hidden % heads != 0) {
                c.fail("num_heads", "(" + std::to_string(heads) + ") must divide hidden_size ("
                                        + std::to_string(hidden) + ").");
            }
            kernels = perLayer(c, "kernel_size", layers, [](int64_t l) { return l < 2 ? 3 : 7; });
            dilations.assign(static_cast<size_t>(layers), 1);
            break;
        case Kind::DilatedConv:
            kernels = perLayer(c, "kernel_size", layers, [](int64_t) { return 3; });
            dilations = perLayer(c, "dilations", layers, [](int64_t l) { return int64_t { 1 } << std::min<int64_t>(l, 20); });
            break;
        case Kind::WaveNet: {
            kernels = perLayer(c, "kernel_size", layers, [](int64_t) { return 2; });
            const int64_t cycle = c.getInt("dilation_cycle", 8);
            if (cycle <= 0 || cycle > 20) {
                c.fail("dilation_cycle", "must be from 1 to 20 (dilations 1, 2, ..., 2^(cycle-1), repeated).");
            }
            dilations = perLayer(c, "dilations", layers, [cycle](int64_t l) { return int64_t { 1 } << (l % cycle); });
            skipChannels = c.getInt("skip_channels", hidden);
            if (skipChannels <= 0) {
                c.fail("skip_channels", "must be positive.");
            }
            break;
        }
        case Kind::Lstm:
            if (!causal && hidden % 2 != 0) {
                c.fail("hidden_size", "must be even for the bidirectional (masked-LM) LSTM: each "
                                      "direction has half of it.");
            }
            break;
        }
        if (!causal && k != Kind::Lstm) {
            for (size_t l = 0; l < kernels.size(); ++l) {
                if (kernels[l] % 2 == 0) {
                    c.fail("kernel_size", "must be odd for a centred (masked-LM) convolution, found "
                                              + std::to_string(kernels[l]) + " at layer " + std::to_string(l)
                                              + "; a causal (ForCausalLM) model may use an even kernel.");
                }
            }
        }
    }

    /// Positions before and after a query that its kernel reads, at layer l.
    std::pair<int64_t, int64_t> padding(size_t l) const
    {
        const int64_t span = (kernels[l] - 1) * dilations[l];
        return causal ? std::pair { span, int64_t { 0 } } : std::pair { span / 2, span / 2 };
    }
};

void initNormal(blocks::Linear& layer, double std)
{
    layer->weight.normal_(0.0, std);
    if (layer->bias.defined()) {
        layer->bias.zero_();
    }
}

blocks::Linear linear(int64_t in, int64_t out, bool bias = true)
{
    return blocks::Linear(nn::LinearOptions(in, out).bias(bias));
}

blocks::LayerNorm layerNorm(const Sizes& s, int64_t width)
{
    return blocks::LayerNorm(nn::LayerNormOptions({ width }).eps(s.eps));
}

struct Embeddings : nn::Module {
    blocks::Embedding word_embeddings { nullptr };
    blocks::Embedding position_embeddings { nullptr };
    blocks::LayerNorm layer_norm { nullptr };

    explicit Embeddings(const Sizes& s)
    {
        word_embeddings = register_module("word_embeddings", blocks::Embedding(s.vocab, s.hidden));
        if (s.maxPositions > 0) {
            position_embeddings = register_module("position_embeddings", blocks::Embedding(s.maxPositions, s.hidden));
        }
        layer_norm = register_module("layer_norm", layerNorm(s, s.hidden));
    }
    torch::Tensor forward(const torch::Tensor& ids)
    {
        torch::Tensor h = word_embeddings(ids);
        if (position_embeddings) {
            const torch::Tensor positions = torch::arange(ids.size(1), ids.options()).unsqueeze(0);
            h = h + position_embeddings(positions);
        }
        return layer_norm(h);
    }
};

/// The feed-forward block after each convolution, with its residual and norm (post-norm).
struct FeedForward : nn::Module {
    blocks::Linear fc1 { nullptr }, fc2 { nullptr };
    blocks::LayerNorm ffn_layer_norm { nullptr };
    FeedForward() = default;
    void build(const Sizes& s)
    {
        fc1 = register_module("fc1", linear(s.hidden, s.intermediate));
        fc2 = register_module("fc2", linear(s.intermediate, s.hidden));
        ffn_layer_norm = register_module("ffn_layer_norm", layerNorm(s, s.hidden));
    }
    torch::Tensor feedForward(const Sizes& s, const torch::Tensor& x, bool training)
    {
        torch::Tensor y = fc2(blocks::activate(s.activation, fc1(x)));
        y = torch::dropout(y, s.hiddenDropout, training);
        return ffn_layer_norm(x + y);
    }
};

/// conv1d without padding (the caller pads), stride 1.
torch::Tensor conv(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                   int64_t dilation, int64_t groups)
{
    const std::array<int64_t, 1> stride { 1 };
    const std::array<int64_t, 1> padding { 0 };
    const std::array<int64_t, 1> dilations { dilation };
    return torch::conv1d(x, weight, bias, stride, padding, dilations, groups);
}

/// [B, T, C] -> [B, C, T + before + after] with zeros.
torch::Tensor padTime(const torch::Tensor& x, std::pair<int64_t, int64_t> pad)
{
    return torch::constant_pad_nd(x.transpose(1, 2), { pad.first, pad.second });
}

/// A lightweight, dynamic or dilated convolution layer: GLU input projection, the
/// convolution, output projection, residual + norm, then the feed-forward block.
struct ConvLayer : FeedForward {
    blocks::Linear input_projection { nullptr }, output_projection { nullptr };
    blocks::LayerNorm conv_layer_norm { nullptr };
    torch::Tensor kernel; ///< light [H, K]; dilated [C, 1, K]
    blocks::Linear weight_linear { nullptr }; ///< dynamic: [H * K, C]
    torch::Tensor convBias; ///< [C]

    ConvLayer(const Sizes& s, size_t l)
    {
        input_projection = register_module("input_projection", linear(s.hidden, 2 * s.hidden));
        auto conv = std::make_shared<nn::Module>();
        const int64_t k = s.kernels[l];
        if (s.kind == Kind::LightConv) {
            kernel = conv->register_parameter("weight", blocks::uninitialised({ s.heads, k }));
        } else if (s.kind == Kind::DynamicConv) {
            weight_linear = conv->register_module("weight_linear", linear(s.hidden, s.heads * k));
        } else {
            kernel = conv->register_parameter("weight", blocks::uninitialised({ s.hidden, 1, k }));
        }
        convBias = conv->register_parameter("bias", blocks::uninitialised({ s.hidden }));
        register_module("conv", conv);
        output_projection = register_module("output_projection", linear(s.hidden, s.hidden));
        conv_layer_norm = register_module("conv_layer_norm", layerNorm(s, s.hidden));
        build(s);
    }

    void init(const Sizes& s)
    {
        initNormal(input_projection, s.initStd);
        initNormal(output_projection, s.initStd);
        initNormal(fc1, s.initStd);
        initNormal(fc2, s.initStd);
        if (kernel.defined()) {
            kernel.normal_(0.0, s.initStd);
        }
        if (weight_linear) {
            initNormal(weight_linear, s.initStd);
        }
        convBias.zero_();
        for (auto* norm : { &conv_layer_norm, &ffn_layer_norm }) {
            (*norm)->weight.fill_(1.0);
            (*norm)->bias.zero_();
        }
    }

    /// `band`: when given, gets the kernel as [B, H, T, T] (light and dynamic).
    torch::Tensor forward(const Sizes& s, size_t l, const torch::Tensor& x, bool training, torch::Tensor* band)
    {
        const torch::Tensor u = torch::glu(input_projection(x), -1); // [B, T, C]
        const int64_t batch = u.size(0);
        const int64_t T = u.size(1);
        const int64_t C = u.size(2);
        const int64_t K = s.kernels[l];
        const auto pad = s.padding(l);
        torch::Tensor y;
        if (s.kind == Kind::LightConv) {
            torch::Tensor w = torch::softmax(kernel, -1); // [H, K]
            w = torch::dropout(w, s.weightDropout, training);
            // Channel c reads the kernel of head c % H (fairseq's LightweightConv1d layout).
            const torch::Tensor depthwise = w.repeat({ C / s.heads, 1 }).unsqueeze(1); // [C, 1, K]
            y = conv(padTime(u, pad), depthwise, convBias, 1, C).transpose(1, 2);
            if (band != nullptr) {
                *band = bandMap(w.unsqueeze(0).unsqueeze(2).expand({ batch, s.heads, T, K }), T, pad.first, 1);
            }
        } else if (s.kind == Kind::DynamicConv) {
            torch::Tensor w = torch::softmax(weight_linear(u).view({ batch, T, s.heads, K }), -1);
            w = torch::dropout(w, s.weightDropout, training).permute({ 0, 2, 1, 3 }); // [B, H, T, K]
            const torch::Tensor windows = padTime(u, pad).unfold(2, K, 1); // [B, C, T, K]
            const torch::Tensor perChannel = w.repeat({ 1, C / s.heads, 1, 1 }); // [B, C, T, K]
            y = ((windows * perChannel).sum(-1) + convBias.view({ 1, C, 1 })).transpose(1, 2);
            if (band != nullptr) {
                *band = bandMap(w, T, pad.first, 1);
            }
        } else {
            y = conv(padTime(u, pad), kernel, convBias, s.dilations[l], C).transpose(1, 2);
        }
        y = torch::dropout(output_projection(y), s.hiddenDropout, training);
        const torch::Tensor h = conv_layer_norm(x + y);
        return feedForward(s, h, training);
    }

    /// [B, H, T, K] kernel weights -> [B, H, T, T]: query t reads key t + k * dilation - before.
    static torch::Tensor bandMap(const torch::Tensor& w, int64_t T, int64_t before, int64_t dilation)
    {
        const int64_t K = w.size(3);
        torch::Tensor map = torch::zeros({ w.size(0), w.size(1), T, T }, w.options());
        const torch::Tensor queries = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(w.device()));
        for (int64_t k = 0; k < K; ++k) {
            const torch::Tensor keys = queries + (k * dilation - before);
            const torch::Tensor valid = (keys >= 0) & (keys < T);
            const torch::Tensor q = queries.masked_select(valid);
            const torch::Tensor key = keys.masked_select(valid);
            // map[:, :, q, key] = w[:, :, q, k]
            map.index_put_({ torch::indexing::Slice(), torch::indexing::Slice(), q, key },
                           w.index({ torch::indexing::Slice(), torch::indexing::Slice(), q, k }));
        }
        return map;
    }
};

/// A WaveNet layer: gated dilated convolution, residual and skip 1x1 projections.
struct WaveLayer : nn::Module {
    torch::Tensor filterWeight, filterBias, gateWeight, gateBias; ///< [C, C, K], [C]
    blocks::Linear residual { nullptr }, skip { nullptr };

    WaveLayer(const Sizes& s, size_t l)
    {
        const int64_t k = s.kernels[l];
        auto filter = std::make_shared<nn::Module>();
        filterWeight = filter->register_parameter("weight", blocks::uninitialised({ s.hidden, s.hidden, k }));
        filterBias = filter->register_parameter("bias", blocks::uninitialised({ s.hidden }));
        register_module("filter", filter);
        auto gate = std::make_shared<nn::Module>();
        gateWeight = gate->register_parameter("weight", blocks::uninitialised({ s.hidden, s.hidden, k }));
        gateBias = gate->register_parameter("bias", blocks::uninitialised({ s.hidden }));
        register_module("gate", gate);
        residual = register_module("residual", linear(s.hidden, s.hidden));
        skip = register_module("skip", linear(s.hidden, s.skipChannels));
    }

    void init(const Sizes& s)
    {
        for (torch::Tensor* w : { &filterWeight, &gateWeight }) {
            w->normal_(0.0, s.initStd);
        }
        filterBias.zero_();
        gateBias.zero_();
        initNormal(residual, s.initStd);
        initNormal(skip, s.initStd);
    }

    /// x [B, T, C] -> the next residual stream; adds this layer's skip output to `skips`.
    torch::Tensor forward(const Sizes& s, size_t l, const torch::Tensor& x, torch::Tensor& skips)
    {
        const torch::Tensor padded = padTime(x, s.padding(l));
        const int64_t d = s.dilations[l];
        const torch::Tensor f = torch::tanh(conv(padded, filterWeight, filterBias, d, 1));
        const torch::Tensor g = torch::sigmoid(conv(padded, gateWeight, gateBias, d, 1));
        const torch::Tensor z = (f * g).transpose(1, 2); // [B, T, C]
        const torch::Tensor out = skip(z);
        skips = skips.defined() ? skips + out : out;
        return x + residual(z);
    }
};

/// The language-model head of every family: dense, activation, norm, then the decoder
/// (tied to the word embeddings unless tie_word_embeddings is false) with its bias.
struct LmHead : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::LayerNorm layer_norm { nullptr };
    blocks::Linear decoder { nullptr }; ///< only when untied
    torch::Tensor bias;

    explicit LmHead(const Sizes& s)
    {
        dense = register_module("dense", linear(s.hidden, s.hidden));
        layer_norm = register_module("layer_norm", layerNorm(s, s.hidden));
        if (!s.tieWordEmbeddings) {
            decoder = register_module("decoder", linear(s.hidden, s.vocab, false));
        }
        bias = register_parameter("bias", blocks::uninitialised({ s.vocab }));
    }
};

/// Classifier heads: dense, tanh, dropout, out_proj (as RoBERTa's), on a pooled sentence
/// (sequence classification: the mean of the real tokens' states, or a causal stack's last
/// real token) or on every token (token classification).
struct ClassifierHead : nn::Module {
    blocks::Linear dense { nullptr };
    blocks::Linear out_proj { nullptr };

    ClassifierHead(const Sizes& s, int64_t labels)
    {
        dense = register_module("dense", linear(s.hidden, s.hidden));
        out_proj = register_module("out_proj", linear(s.hidden, labels));
    }
};

class SeqModel final : public Architecture {
public:
    SeqModel(const ModelConfig& config, Kind kind)
        : sizes_(config, kind)
    {
        embeddings_ = register_module("embeddings", std::make_shared<Embeddings>(sizes_));
        auto layers = std::make_shared<nn::Module>();
        for (size_t l = 0; l < static_cast<size_t>(sizes_.layers); ++l) {
            const std::string name = std::to_string(l);
            if (kind == Kind::WaveNet) {
                waves_.push_back(layers->register_module(name, std::make_shared<WaveLayer>(sizes_, l)));
            } else if (kind == Kind::Lstm) {
                // Every layer reads and writes the full width (a bidirectional layer's two
                // directions have half each).
                const int64_t width = sizes_.causal ? sizes_.hidden : sizes_.hidden / 2;
                lstms_.push_back(layers->register_module(
                    name, nn::LSTM(nn::LSTMOptions(sizes_.hidden, width).batch_first(true).bidirectional(!sizes_.causal))));
            } else {
                convs_.push_back(layers->register_module(name, std::make_shared<ConvLayer>(sizes_, l)));
            }
        }
        register_module("layers", layers);
        if (kind == Kind::WaveNet) {
            skipOut_ = register_module("skip_out", linear(sizes_.skipChannels, sizes_.hidden));
        }
        if (isClassifier()) {
            classifier_ = register_module(
                "classifier", std::make_shared<ClassifierHead>(sizes_, static_cast<int64_t>(sizes_.labels.size())));
        } else {
            head_ = register_module("lm_head", std::make_shared<LmHead>(sizes_));
        }
    }

    bool isClassifier() const
    {
        return sizes_.head == HeadKind::SequenceClassification || sizes_.head == HeadKind::TokenClassification;
    }

    ArchOutput run(const ArchInput& in, const TraceRequest& trace) override
    {
        ArchOutput out;
        const int64_t T = in.inputIds.size(1);
        if (sizes_.maxPositions > 0 && T > sizes_.maxPositions) {
            throw Error(ErrorKind::InvalidInput,
                        "the input has " + std::to_string(T) + " tokens; this model's position "
                            "embeddings stop at " + std::to_string(sizes_.maxPositions) + ".");
        }
        const bool training = is_training();
        // Padding positions must not leak into real ones through the kernels: zero them.
        const torch::Tensor keep = in.attentionMask.defined()
            ? in.attentionMask.to(embeddings_->word_embeddings->weight.scalar_type()).unsqueeze(-1)
            : torch::Tensor();
        const auto masked = [&keep](const torch::Tensor& h) { return keep.defined() ? h * keep : h; };
        torch::Tensor h = embedded(in, masked(torch::dropout(embeddings_->forward(in.inputIds), sizes_.hiddenDropout, training)));
        torch::Tensor skips;
        for (int64_t l = 0; l < sizes_.layers; ++l) {
            if (stopRequested(in, l, sizes_.layers)) {
                out.cancelled = true;
                return out;
            }
            if (trace.hiddenStates) {
                out.hiddenStates.push_back(h);
            }
            const auto index = static_cast<size_t>(l);
            if (!waves_.empty() && in.checkpointLayers) {
                // The layer's two outputs (residual stream, skip contribution) travel as one
                // tensor through the checkpoint and are split after it.
                auto wave = waves_[index];
                const Sizes* sizes = &sizes_;
                const int64_t width = h.size(-1);
                const torch::Tensor both = blocks::checkpointed(
                    [wave, sizes, index](const torch::Tensor& x) {
                        torch::Tensor skip;
                        const torch::Tensor y = wave->forward(*sizes, index, x, skip);
                        return torch::cat({ y, skip }, /*dim=*/-1);
                    },
                    h);
                const torch::Tensor skip = both.narrow(-1, width, both.size(-1) - width);
                skips = skips.defined() ? skips + skip : skip;
                h = masked(both.narrow(-1, 0, width));
            } else if (!waves_.empty()) {
                h = masked(waves_[index]->forward(sizes_, index, h, skips));
            } else if (!lstms_.empty()) {
                auto lstm = lstms_[index];
                const double p = sizes_.hiddenDropout;
                auto layer = [lstm, p, training](const torch::Tensor& x) mutable {
                    return torch::dropout(std::get<0>(lstm->forward(x)), p, training);
                };
                h = masked(in.checkpointLayers ? blocks::checkpointed(layer, h) : layer(h));
            } else {
                const bool kernelMap = trace.attentions && sizes_.kind != Kind::DilatedConv;
                torch::Tensor band;
                if (in.checkpointLayers && !kernelMap) {
                    auto conv = convs_[index];
                    const Sizes* sizes = &sizes_;
                    h = masked(blocks::checkpointed(
                        [conv, sizes, index, training](const torch::Tensor& x) {
                            return conv->forward(*sizes, index, x, training, nullptr);
                        },
                        h));
                    continue;
                }
                h = masked(convs_[index]->forward(sizes_, index, h, training, kernelMap ? &band : nullptr));
                if (kernelMap) {
                    recordAttention(in, out, band);
                }
            }
        }
        if (skipOut_) {
            // WaveNet's output: relu(sum of skips) -> 1x1 -> relu, what the head reads.
            h = torch::relu(skipOut_(torch::relu(skips)));
        }
        if (trace.hiddenStates) {
            out.hiddenStates.push_back(h);
        }
        out.lastHidden = h;
        if (classifier_) {
            torch::Tensor x = h;
            if (sizes_.head == HeadKind::SequenceClassification) {
                const torch::Tensor mask = in.attentionMask.defined()
                    ? in.attentionMask.to(h.scalar_type())
                    : torch::ones({ h.size(0), h.size(1) }, h.options());
                if (sizes_.causal) {
                    // The last real token has read the whole sentence.
                    const torch::Tensor last = (mask.sum(1) - 1).clamp_min(0).to(torch::kLong);
                    x = h.index({ torch::arange(h.size(0), last.options()), last });
                } else {
                    x = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, true).clamp_min(1.0);
                }
            }
            x = torch::tanh(classifier_->dense(torch::dropout(x, sizes_.hiddenDropout, training)));
            out.logits = classifier_->out_proj(torch::dropout(x, sizes_.hiddenDropout, training));
            return out;
        }
        out.logits = lensLogits(h);
        return out;
    }

    torch::Tensor lensLogits(const torch::Tensor& h) override
    {
        if (!head_) {
            return {};
        }
        LmHead& head = *head_;
        const torch::Tensor t = head.layer_norm(blocks::activate(sizes_.activation, head.dense(h)));
        const torch::Tensor& weight = head.decoder ? head.decoder->weight : embeddings_->word_embeddings->weight;
        return blocks::linear(t, weight, head.bias);
    }

    ModelInfo describe() const override
    {
        ModelInfo info;
        info.modelType = kindInfo(sizes_.kind).modelType;
        info.architecture = sizes_.architecture;
        info.headKind = sizes_.head == HeadKind::SequenceClassification ? "sequence-classification"
            : sizes_.head == HeadKind::TokenClassification                ? "token-classification"
            : sizes_.causal                                               ? "causal-lm"
                                                                          : "masked-lm";
        info.labels = sizes_.labels;
        info.isCausal = sizes_.causal;
        info.vocabSize = sizes_.vocab;
        info.hiddenSize = sizes_.hidden;
        info.numLayers = sizes_.layers;
        info.numHeads = sizes_.heads;
        info.intermediateSize = sizes_.kind == Kind::WaveNet || sizes_.kind == Kind::Lstm ? 0 : sizes_.intermediate;
        info.maxPositions = sizes_.maxPositions;
        return info;
    }

    std::map<std::string, std::string> tiedKeys() const override
    {
        if (sizes_.tieWordEmbeddings && head_) {
            return { { "lm_head.decoder.weight", "embeddings.word_embeddings.weight" } };
        }
        return {};
    }

    void initWeights() override
    {
        torch::NoGradGuard noGrad;
        const double std = sizes_.initStd;
        embeddings_->word_embeddings->weight.normal_(0.0, std);
        if (embeddings_->position_embeddings) {
            embeddings_->position_embeddings->weight.normal_(0.0, std);
        }
        embeddings_->layer_norm->weight.fill_(1.0);
        embeddings_->layer_norm->bias.zero_();
        for (auto& layer : convs_) {
            layer->init(sizes_);
        }
        for (auto& layer : waves_) {
            layer->init(sizes_);
        }
        for (auto& lstm : lstms_) {
            // PyTorch's own LSTM init: uniform in +-1/sqrt(hidden per direction).
            const double bound = 1.0 / std::sqrt(static_cast<double>(lstm->options.hidden_size()));
            for (auto& p : lstm->parameters()) {
                p.uniform_(-bound, bound);
            }
        }
        if (skipOut_) {
            initNormal(skipOut_, std);
        }
        if (classifier_) {
            initNormal(classifier_->dense, std);
            initNormal(classifier_->out_proj, std);
            return;
        }
        initNormal(head_->dense, std);
        head_->layer_norm->weight.fill_(1.0);
        head_->layer_norm->bias.zero_();
        if (head_->decoder) {
            head_->decoder->weight.normal_(0.0, std);
        }
        head_->bias.zero_();
    }

    std::vector<ReceptiveFieldLayer> receptiveFieldLayers() const override
    {
        static const char* kOps[] = { "lightweight convolution", "dynamic convolution", "dilated convolution",
            "gated dilated convolution", "LSTM" };
        std::vector<ReceptiveFieldLayer> layers;
        for (size_t l = 0; l < static_cast<size_t>(sizes_.layers); ++l) {
            ReceptiveFieldLayer layer;
            layer.op = kOps[static_cast<int>(sizes_.kind)];
            layer.causal = sizes_.causal;
            if (sizes_.kind == Kind::Lstm) {
                layer.recurrent = true;
                layer.residual = false;
            } else {
                layer.kernel = sizes_.kernels[l];
                layer.dilation = sizes_.dilations[l];
                layer.skip = sizes_.kind == Kind::WaveNet;
            }
            layers.push_back(layer);
        }
        return layers;
    }

    double activationFlops(int64_t seq) const override
    {
        if (sizes_.kind == Kind::WaveNet || sizes_.kind == Kind::Lstm) {
            return 0.0; // every operation multiplies by a parameter (counted from them)
        }
        double flops = 0.0;
        for (const int64_t k : sizes_.kernels) {
            // The depthwise kernel applied at every position and channel (a lightweight
            // kernel is shared by its head's channels, so it is not a per-use parameter).
            flops += 2.0 * static_cast<double>(k) * static_cast<double>(sizes_.hidden) * static_cast<double>(seq);
        }
        return flops;
    }

    int64_t maxSequenceLength() const override { return sizes_.maxPositions; }
    int64_t vocabSize() const override { return sizes_.vocab; }

private:
    Sizes sizes_;
    std::shared_ptr<Embeddings> embeddings_;
    std::vector<std::shared_ptr<ConvLayer>> convs_;
    std::vector<std::shared_ptr<WaveLayer>> waves_;
    std::vector<nn::LSTM> lstms_;
    blocks::Linear skipOut_ { nullptr };
    std::shared_ptr<LmHead> head_;
    std::shared_ptr<ClassifierHead> classifier_;
};

} // namespace

std::shared_ptr<Architecture> createLightConv(const ModelConfig& c)
{
    return std::make_shared<SeqModel>(c, Kind::LightConv);
}
std::shared_ptr<Architecture> createDynamicConv(const ModelConfig& c)
{
    return std::make_shared<SeqModel>(c, Kind::DynamicConv);
}
std::shared_ptr<Architecture> createDilatedConv(const ModelConfig& c)
{
    return std::make_shared<SeqModel>(c, Kind::DilatedConv);
}
std::shared_ptr<Architecture> createWaveNet(const ModelConfig& c)
{
    return std::make_shared<SeqModel>(c, Kind::WaveNet);
}
std::shared_ptr<Architecture> createLstm(const ModelConfig& c)
{
    return std::make_shared<SeqModel>(c, Kind::Lstm);
}

} // namespace lumen::engine
