// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/image_field.h"

#include "lumen/engine/error.h"
#include "torch_convert.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/script.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace lumen::engine {

struct ImageModel::Impl {
    torch::jit::Module module;
    torch::Device device { torch::kCPU };
    ImageModelInfo info;
    /// The frozen, inlined forward graph, made once at load; null when freezing failed
    /// (`graphProblem` says why).
    std::shared_ptr<torch::jit::Graph> graph;
    std::string graphProblem;
    std::optional<ImageFieldTable> table; ///< theoreticalImageField's answer, once computed
};

ImageModel::ImageModel(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

ImageModel::~ImageModel() = default;

const ImageModelInfo& ImageModel::info() const
{
    return impl_->info;
}

namespace {

using torch::jit::Node;
using torch::jit::Value;

bool isConvolution(const Node* n)
{
    const std::string kind = n->kind().toQualString();
    return kind == "aten::conv2d" || kind == "aten::_convolution" || kind == "aten::convolution";
}

/// The frozen, inlined, constant-propagated forward graph: weights and layer settings are
/// constants, every submodule's code is in one graph.
std::shared_ptr<torch::jit::Graph> readableGraph(const torch::jit::Module& module)
{
    torch::jit::Module copy = module.clone();
    copy.eval();
    torch::jit::Module frozen = torch::jit::freeze_module(copy);
    std::shared_ptr<torch::jit::Graph> graph = frozen.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    torch::jit::ConstantPropagation(graph);
    return graph;
}

std::vector<int64_t> intPair(const Value* v, const char* what, const std::string& op)
{
    const c10::optional<c10::IValue> iv = torch::jit::toIValue(v);
    if (!iv) {
        throw Error(ErrorKind::Unsupported, op + ": its " + what + " is computed at run time, so Lumen cannot read it.");
    }
    std::vector<int64_t> out;
    if (iv->isInt()) {
        out = { iv->toInt() };
    } else if (iv->isIntList()) {
        out = iv->toIntVector();
    } else if (iv->isNone()) {
        return {};
    } else {
        throw Error(ErrorKind::Unsupported, op + ": its " + what + " is not a list of integers.");
    }
    if (out.size() == 1) {
        out.push_back(out.front());
    }
    if (out.size() != 2) {
        throw Error(ErrorKind::Unsupported, op + ": its " + what + " has " + std::to_string(out.size())
                                                + " values; Lumen reads 2-D layers.");
    }
    return out;
}

/// Operations that keep each position's field: element-wise maths, activations, batch norm
/// (in eval mode), dropout, copies.
bool keepsField(const std::string& kind)
{
    static const std::set<std::string> kinds = { "aten::relu", "aten::relu_", "aten::relu6", "aten::hardtanh",
        "aten::hardtanh_", "aten::sigmoid", "aten::sigmoid_", "aten::tanh", "aten::tanh_", "aten::gelu", "aten::silu",
        "aten::silu_", "aten::hardswish", "aten::hardswish_", "aten::hardsigmoid", "aten::hardsigmoid_",
        "aten::leaky_relu", "aten::leaky_relu_", "aten::elu", "aten::elu_", "aten::selu", "aten::mish",
        "aten::batch_norm", "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout",
        "aten::contiguous", "aten::clone", "aten::detach", "aten::to", "aten::add", "aten::add_", "aten::sub",
        "aten::sub_", "aten::mul", "aten::mul_", "aten::div", "aten::div_", "aten::clamp", "aten::clamp_",
        "aten::clamp_min", "aten::clamp_min_", "aten::pow", "aten::neg", "aten::abs", "aten::exp", "aten::log",
        "aten::sqrt", "aten::rsqrt", "aten::cat", "aten::stack", "aten::softmax", "aten::log_softmax",
        "aten::channel_shuffle", "aten::type_as", "prim::ListConstruct", "prim::TupleConstruct",
        "prim::ListUnpack", "prim::TupleUnpack", "prim::TupleIndex", "aten::__getitem__", "aten::chunk",
        "aten::split", "aten::unsafe_chunk", "aten::dequantize", "aten::quantize_per_tensor" };
    return kinds.count(kind) > 0;
}

/// Operations after which a value depends on the whole image.
bool readsEverything(const std::string& kind)
{
    static const std::set<std::string> kinds = { "aten::adaptive_avg_pool2d", "aten::adaptive_max_pool2d",
        "aten::mean", "aten::sum", "aten::amax", "aten::max", "aten::flatten", "aten::view", "aten::reshape",
        "aten::linear", "aten::matmul", "aten::addmm", "aten::mm", "aten::layer_norm", "aten::group_norm",
        "aten::instance_norm", "aten::squeeze", "aten::permute", "aten::transpose", "aten::t" };
    return kinds.count(kind) > 0;
}

struct Walk {
    ReceptiveFieldGraph rows;
    ReceptiveFieldGraph cols;
    std::map<const Value*, std::pair<int, int>> at; ///< value -> (row node, column node)
};

} // namespace

std::unique_ptr<ImageModel> ImageModel::load(const std::string& path, const std::string& device)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(ErrorKind::InvalidInput, "no TorchScript file at " + path
                                                 + ". Save a model with torch.jit.script(model).save(\"model.pt\") "
                                                   "(or torch.jit.trace) and open that file.");
    }
    auto impl = std::make_unique<Impl>();
    impl->device = parseDevice(device);
    try {
        impl->module = torch::jit::load(path, impl->device);
    } catch (const c10::Error& e) {
        std::string why = e.what_without_backtrace();
        throw Error(ErrorKind::InvalidInput, path + " is not a TorchScript model Lumen can load ("
                                                 + why.substr(0, why.find('\n'))
                                                 + "). It must be saved with torch.jit.script or torch.jit.trace "
                                                   "and .save(), not torch.save.");
    }
    impl->module.eval();
    impl->info.path = path;
    for (const torch::Tensor& p : impl->module.parameters()) {
        impl->info.parameterCount += p.numel();
    }
    try {
        impl->graph = readableGraph(impl->module);
        for (const Node* n : impl->graph->nodes()) {
            if (!isConvolution(n)) {
                continue;
            }
            ++impl->info.convolutions;
            if (impl->info.inputChannels == 0) {
                if (const auto w = torch::jit::toIValue(n->input(1)); w && w->isTensor() && w->toTensor().dim() == 4) {
                    impl->info.inputChannels = w->toTensor().size(1) * 1; // groups = 1 for a first layer
                }
            }
        }
    } catch (const c10::Error& e) {
        // The graph cannot be frozen (a model with mutable attributes): the gradient field
        // still works; theoreticalImageField says why.
        const std::string why = e.what_without_backtrace();
        impl->graph.reset();
        impl->graphProblem = why.substr(0, why.find('\n'));
    }
    return std::unique_ptr<ImageModel>(new ImageModel(std::move(impl)));
}

namespace {

ImageFieldTable readTable(const std::shared_ptr<torch::jit::Graph>& graph);

} // namespace

ImageFieldTable theoreticalImageField(ImageModel& model)
{
    ImageModel::Impl& m = model.impl();
    if (!m.graph) {
        throw Error(ErrorKind::Unsupported, "Lumen cannot read this model's layers (" + m.graphProblem + ").");
    }
    if (!m.table) {
        m.table = readTable(m.graph);
    }
    return *m.table;
}

namespace {

ImageFieldTable readTable(const std::shared_ptr<torch::jit::Graph>& graph)
{
    const auto inputs = graph->inputs();
    const Value* image = nullptr;
    for (const Value* v : inputs) {
        if (v->type()->kind() == c10::TypeKind::TensorType) {
            image = v;
            break;
        }
    }
    if (image == nullptr) {
        throw Error(ErrorKind::Unsupported, "the model's forward takes no tensor, so Lumen cannot follow an image through it.");
    }
    Walk w;
    w.at[image] = { w.rows.input(), w.cols.input() };
    ImageFieldTable table;
    bool global = false;
    for (Node* n : graph->nodes()) {
        std::vector<std::pair<int, int>> from;
        for (const Value* in : n->inputs()) {
            if (const auto it = w.at.find(in); it != w.at.end()) {
                from.push_back(it->second);
            }
        }
        if (from.empty()) {
            continue;
        }
        const std::string kind = n->kind().toQualString();
        if (kind == "aten::size" || kind == "aten::dim" || kind == "aten::len" || kind == "prim::shape"
            || kind == "aten::numel") {
            continue; // shapes, not values
        }
        const auto mergeAll = [&]() {
            std::vector<int> r;
            std::vector<int> c;
            for (const auto& [a, b] : from) {
                r.push_back(a);
                c.push_back(b);
            }
            return r.size() == 1 ? std::make_pair(r.front(), c.front())
                                 : std::make_pair(w.rows.merge(r, "merge"), w.cols.merge(c, "merge"));
        };
        // A convolution or pool on both axes: the field after it becomes a table row.
        const auto addLayer = [&](ImageLayerField& row, const std::string& op) {
            const auto [r, c] = from.front();
            const std::pair<int, int> next { w.rows.convWithPadding(r, row.kernelH, row.dilationH, row.strideH, row.padH, op),
                w.cols.convWithPadding(c, row.kernelW, row.dilationW, row.strideW, row.padW, op) };
            row.index = static_cast<int64_t>(table.layers.size()) + 1;
            row.height = w.rows.field(next.first);
            row.width = w.cols.field(next.second);
            table.layers.push_back(row);
            return next;
        };
        std::pair<int, int> out;
        if (isConvolution(n)) {
            const std::string op = "convolution " + std::to_string(table.layers.size() + 1);
            const auto weight = torch::jit::toIValue(n->input(1));
            if (!weight || !weight->isTensor() || weight->toTensor().dim() != 4) {
                table.complete = false;
                table.note = op + ": its weight is not a constant 4-D tensor, so Lumen cannot read its kernel.";
                break;
            }
            if (kind != "aten::conv2d") {
                const auto transposed = torch::jit::toIValue(n->input(6));
                if (transposed && transposed->isBool() && transposed->toBool()) {
                    table.complete = false;
                    table.note = op + " is a transposed convolution; Lumen follows fields through ordinary ones only.";
                    break;
                }
            }
            const torch::Tensor wt = weight->toTensor();
            ImageLayerField row;
            row.op = "convolution";
            row.kernelH = wt.size(2);
            row.kernelW = wt.size(3);
            const auto stride = intPair(n->input(3), "stride", op);
            const auto padding = intPair(n->input(4), "padding", op);
            const auto dilation = intPair(n->input(5), "dilation", op);
            row.strideH = stride[0];
            row.strideW = stride[1];
            row.padH = padding[0];
            row.padW = padding[1];
            row.dilationH = dilation[0];
            row.dilationW = dilation[1];
            const int64_t groups = torch::jit::toIValue(n->input(kind == "aten::conv2d" ? 6 : 8))->toInt();
            std::ostringstream d;
            d << row.kernelH << "x" << row.kernelW << ", " << wt.size(1) * groups << " -> " << wt.size(0) << " channels";
            if (groups > 1) {
                d << ", " << groups << " groups";
            }
            row.detail = d.str();
            out = addLayer(row, op);
        } else if (kind == "aten::max_pool2d" || kind == "aten::avg_pool2d" || kind == "aten::max_pool2d_with_indices") {
            const bool isMax = kind != "aten::avg_pool2d";
            const std::string op = std::string(isMax ? "max pool " : "average pool ") + std::to_string(table.layers.size() + 1);
            ImageLayerField row;
            row.op = isMax ? "max pool" : "average pool";
            const auto k = intPair(n->input(1), "kernel size", op);
            auto s = intPair(n->input(2), "stride", op);
            if (s.empty()) {
                s = k; // PyTorch: the stride defaults to the kernel
            }
            const auto p = intPair(n->input(3), "padding", op);
            std::vector<int64_t> dl { 1, 1 };
            if (isMax) {
                dl = intPair(n->input(4), "dilation", op);
            }
            row.kernelH = k[0];
            row.kernelW = k[1];
            row.strideH = s[0];
            row.strideW = s[1];
            row.padH = p[0];
            row.padW = p[1];
            row.dilationH = dl[0];
            row.dilationW = dl[1];
            row.detail = std::to_string(k[0]) + "x" + std::to_string(k[1]);
            out = addLayer(row, op);
        } else if (readsEverything(kind)) {
            const auto [r, c] = mergeAll();
            out = { w.rows.global(r, true, kind), w.cols.global(c, true, kind) };
            if (!global) {
                global = true;
                table.note = "the head reads the whole image (" + kind.substr(kind.find(':') + 2) + ")";
            }
        } else if (keepsField(kind)) {
            try {
                out = mergeAll();
            } catch (const Error&) {
                table.complete = false;
                table.note = kind + " joins paths of different strides; Lumen stops there.";
                break;
            }
        } else {
            table.complete = false;
            table.note = "Lumen cannot follow the field through " + kind + "; the table ends there.";
            break;
        }
        for (const Value* o : n->outputs()) {
            w.at[o] = out;
        }
    }
    if (table.layers.empty()) {
        throw Error(ErrorKind::Unsupported,
                    "the model has no 2-D convolution or pooling Lumen can read"
                        + (table.note.empty() ? std::string(".") : ": " + table.note));
    }
    if (table.complete) {
        const Value* output = graph->outputs().at(0);
        const auto it = w.at.find(output);
        if (it == w.at.end()) {
            table.complete = false;
            table.note = "the output does not come from the image input.";
        } else {
            table.outputHeight = w.rows.field(it->second.first);
            table.outputWidth = w.cols.field(it->second.second);
        }
    }
    if (!table.complete) {
        table.outputHeight = table.layers.back().height;
        table.outputWidth = table.layers.back().width;
    }
    return table;
}

} // namespace

ImageGradientField imageGradientField(ImageModel& model, const FloatTensor* image, const ImageGradientConfig& config,
                                      const RunControl* control)
{
    ImageModel::Impl& m = model.impl();
    torch::Tensor base;
    int64_t samples = 1;
    if (image != nullptr) {
        if (image->shape.size() != 3) {
            throw Error(ErrorKind::InvalidInput, "the image must be [channels, height, width].");
        }
        base = toTorch(*image).unsqueeze(0);
    } else {
        if (config.height < 1 || config.width < 1 || config.samples < 1) {
            throw Error(ErrorKind::InvalidInput, "random inputs need a height, width and sample count of at least 1.");
        }
        samples = config.samples;
    }
    const int64_t channels = image != nullptr ? image->shape[0] : std::max<int64_t>(m.info.inputChannels, 3);
    if (m.info.inputChannels > 0 && channels != m.info.inputChannels) {
        throw Error(ErrorKind::InvalidInput, "the image has " + std::to_string(channels) + " channels; the model reads "
                                                 + std::to_string(m.info.inputChannels) + ".");
    }
    const int64_t height = image != nullptr ? image->shape[1] : config.height;
    const int64_t width = image != nullptr ? image->shape[2] : config.width;
    torch::manual_seed(config.seed);
    torch::Tensor squares = torch::zeros({ height, width }, torch::kDouble);
    ImageGradientField field;
    field.height = height;
    field.width = width;
    field.samples = samples;
    field.unitY = config.unitY;
    field.unitX = config.unitX;
    field.classIndex = config.classIndex;
    torch::AutoGradMode gradients(true);
    for (int64_t s = 0; s < samples; ++s) {
        if (control != nullptr && control->cancelled()) {
            field.status = JobStatus::Cancelled;
            return field;
        }
        torch::Tensor x = (image != nullptr ? base : torch::randn({ 1, channels, height, width })).to(m.device);
        x.requires_grad_(true);
        torch::Tensor y;
        try {
            c10::IValue result = m.module.forward({ x });
            if (result.isTuple()) {
                result = result.toTupleRef().elements().at(0);
            }
            if (!result.isTensor()) {
                throw Error(ErrorKind::InvalidInput, "the model's output is not a tensor.");
            }
            y = result.toTensor();
        } catch (const c10::Error& e) {
            const std::string why = e.what_without_backtrace();
            throw Error(ErrorKind::InvalidInput, "the model failed on a " + std::to_string(channels) + " x "
                                                     + std::to_string(height) + " x " + std::to_string(width)
                                                     + " input: " + why.substr(0, why.find('\n')));
        }
        field.outputShape.assign(y.sizes().begin(), y.sizes().end());
        torch::Tensor unit;
        if (y.dim() == 4) {
            const int64_t uy = config.unitY < 0 ? y.size(2) / 2 : config.unitY;
            const int64_t ux = config.unitX < 0 ? y.size(3) / 2 : config.unitX;
            if (uy >= y.size(2) || ux >= y.size(3)) {
                throw Error(ErrorKind::InvalidInput, "unit (" + std::to_string(uy) + ", " + std::to_string(ux)
                                                         + ") is outside the " + std::to_string(y.size(2)) + " x "
                                                         + std::to_string(y.size(3)) + " output.");
            }
            field.unitY = uy;
            field.unitX = ux;
            // Luo et al.: the gradient of one output unit, every channel at once.
            unit = y.select(0, 0).select(1, uy).select(1, ux).sum();
        } else if (y.dim() == 2 || y.dim() == 1) {
            const torch::Tensor row = y.dim() == 2 ? y.select(0, 0) : y;
            int64_t k = config.classIndex;
            if (k < 0) {
                k = field.classIndex >= 0 ? field.classIndex : row.argmax().item<int64_t>();
            }
            if (k >= row.size(0)) {
                throw Error(ErrorKind::InvalidInput, "class " + std::to_string(k) + " is outside the model's "
                                                         + std::to_string(row.size(0)) + " outputs.");
            }
            field.classIndex = k;
            unit = row[k];
        } else {
            throw Error(ErrorKind::InvalidInput, "the model's output has " + std::to_string(y.dim())
                                                     + " dimensions; Lumen reads a feature map [1, C, H, W] or "
                                                       "class scores [1, K].");
        }
        const torch::Tensor g = torch::autograd::grad({ unit }, { x })[0];
        squares += g.select(0, 0).to(torch::kCPU, torch::kDouble).pow(2).sum(0);
        if (control != nullptr) {
            control->report(static_cast<double>(s + 1) / static_cast<double>(samples), "gradient");
        }
    }
    const torch::Tensor rms = (squares / static_cast<double>(samples)).sqrt().contiguous();
    field.magnitude.assign(rms.data_ptr<double>(), rms.data_ptr<double>() + height * width);
    double total = 0.0;
    double cy = 0.0;
    double cx = 0.0;
    for (int64_t yy = 0; yy < height; ++yy) {
        for (int64_t xx = 0; xx < width; ++xx) {
            const double v = field.magnitude[static_cast<size_t>(yy * width + xx)];
            total += v;
            cy += v * static_cast<double>(yy);
            cx += v * static_cast<double>(xx);
        }
    }
    field.centreY = total > 0 ? cy / total : static_cast<double>(height - 1) / 2;
    field.centreX = total > 0 ? cx / total : static_cast<double>(width - 1) / 2;
    const auto iy = static_cast<int64_t>(std::lround(field.centreY));
    const auto ix = static_cast<int64_t>(std::lround(field.centreX));
    for (int64_t r = 0; r <= std::max(height, width); ++r) {
        double within = 0.0;
        for (int64_t yy = std::max<int64_t>(0, iy - r); yy <= std::min(height - 1, iy + r); ++yy) {
            for (int64_t xx = std::max<int64_t>(0, ix - r); xx <= std::min(width - 1, ix + r); ++xx) {
                within += field.magnitude[static_cast<size_t>(yy * width + xx)];
            }
        }
        field.withinRadius.push_back(total > 0 ? within / total : 1.0);
        if (total > 0 && within >= total * (1 - 1e-12)) {
            break;
        }
    }
    if (field.unitY >= 0 && field.outputShape.size() == 4) {
        try {
            const ImageFieldTable t = theoreticalImageField(model);
            if (t.complete && t.outputHeight.size() > 0 && t.outputWidth.size() > 0) {
                const ReceptiveField& fh = t.outputHeight;
                const ReceptiveField& fw = t.outputWidth;
                field.fieldTop = std::max<int64_t>(0, field.unitY * fh.jump - fh.left);
                field.fieldBottom = std::min(height - 1, field.unitY * fh.jump + fh.right);
                field.fieldLeft = std::max<int64_t>(0, field.unitX * fw.jump - fw.left);
                field.fieldRight = std::min(width - 1, field.unitX * fw.jump + fw.right);
            }
        } catch (const Error&) {
            // No readable layers: the heatmap stands alone.
        }
    }
    return field;
}

int64_t createImageCnn(const ImageCnnSpec& spec, const std::string& path, uint64_t seed)
{
    const auto pick = [&](const std::vector<int64_t>& values, int64_t l, const char* what) {
        if (values.size() != 1 && static_cast<int64_t>(values.size()) != spec.layers) {
            throw Error(ErrorKind::InvalidInput, std::string("give one ") + what + " or one per layer ("
                                                     + std::to_string(spec.layers) + "), not "
                                                     + std::to_string(values.size()) + ".");
        }
        const int64_t v = values.size() == 1 ? values.front() : values[static_cast<size_t>(l)];
        if (v < 1) {
            throw Error(ErrorKind::InvalidInput, std::string(what) + " must be at least 1.");
        }
        return v;
    };
    if (spec.layers < 1 || spec.channels < 1 || spec.inputChannels < 1 || spec.classes < 0) {
        throw Error(ErrorKind::InvalidInput, "an image CNN needs at least one layer, channel and input channel.");
    }
    torch::manual_seed(seed);
    torch::NoGradGuard noGrad;
    torch::jit::Module top("__torch__.lumen.ImageCnn");
    std::ostringstream forward;
    forward << "def forward(self, x):\n";
    int64_t count = 0;
    int64_t in = spec.inputChannels;
    for (int64_t l = 0; l < spec.layers; ++l) {
        const int64_t k = pick(spec.kernels, l, "kernel");
        const int64_t d = pick(spec.dilations, l, "dilation");
        const int64_t s = pick(spec.strides, l, "stride");
        const int64_t pad = (k - 1) * d / 2;
        torch::jit::Module conv("__torch__.lumen.Conv" + std::to_string(l));
        const torch::Tensor weight = torch::randn({ spec.channels, in, k, k }) * std::sqrt(2.0 / static_cast<double>(in * k * k));
        conv.register_parameter("weight", weight, false);
        conv.register_parameter("bias", torch::zeros({ spec.channels }), false);
        std::ostringstream src;
        src << "def forward(self, x):\n    return torch.conv2d(x, self.weight, self.bias, [" << s << ", " << s << "], ["
            << pad << ", " << pad << "], [" << d << ", " << d << "], 1)\n";
        conv.define(src.str());
        top.register_module("conv" + std::to_string(l), conv);
        count += weight.numel() + spec.channels;
        const bool residual = spec.residual && s == 1 && in == spec.channels;
        forward << "    y = self.conv" << l << ".forward(x)\n";
        if (l + 1 < spec.layers || spec.classes > 0) {
            forward << "    y = torch.relu(y)\n";
        }
        forward << (residual ? "    x = x + y\n" : "    x = y\n");
        in = spec.channels;
    }
    if (spec.classes > 0) {
        const torch::Tensor weight = torch::randn({ spec.classes, spec.channels }) / std::sqrt(static_cast<double>(spec.channels));
        top.register_parameter("head_weight", weight, false);
        top.register_parameter("head_bias", torch::zeros({ spec.classes }), false);
        count += weight.numel() + spec.classes;
        forward << "    x = torch.flatten(torch.adaptive_avg_pool2d(x, [1, 1]), 1)\n"
                << "    return torch.linear(x, self.head_weight, self.head_bias)\n";
    } else {
        forward << "    return x\n";
    }
    top.define(forward.str());
    try {
        top.save(path);
    } catch (const c10::Error& e) {
        const std::string why = e.what_without_backtrace();
        throw Error(ErrorKind::Io, "could not write " + path + ": " + why.substr(0, why.find('\n')));
    }
    return count;
}

} // namespace lumen::engine
