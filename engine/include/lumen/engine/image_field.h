// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Receptive fields of image CNNs saved as TorchScript (torch.jit.script / torch.jit.trace,
// loaded with torch::jit::load): the theoretical field read from the convolutions and
// pooling layers of the model's graph (Araujo et al. 2019), and the effective receptive field
// by gradient (Luo et al. 2016) as a heatmap over the input image.
//
//   auto cnn = ImageModel::load("resnet18.pt");
//   ImageFieldTable t = theoreticalImageField(*cnn);      // per conv / pool layer
//   ImageGradientField g = imageGradientField(*cnn, &image, {});  // image: [C, H, W]
//   g.magnitude[y * g.width + x];                          // |d output / d pixel (y, x)|
//
// The graph is frozen (weights become constants) and inlined, and the input is followed
// through it: convolutions and pools grow the field (kernel, stride, dilation, padding per
// axis), element-wise operations keep it, sums and concatenations take the union of their
// inputs (residual connections), global pooling, flattening and linear layers read the
// whole image. An operation Lumen cannot follow ends the table with a note naming it.
//
// Thread safety: one thread per ImageModel.

#include "lumen/engine/receptive_field.h"
#include "lumen/engine/run_control.h"
#include "lumen/engine/tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lumen::engine {

struct ImageModelInfo {
    std::string path;
    int64_t inputChannels = 0; ///< from the first convolution's weight; 0 when unknown
    int64_t parameterCount = 0;
    int64_t convolutions = 0; ///< convolution nodes in the frozen graph
};

class ImageModel {
public:
    /// Throws lumen::Error(NotFound) for a missing file, lumen::Error(InvalidInput) for a
    /// file that is not a TorchScript archive (with the reason Torch gave).
    static std::unique_ptr<ImageModel> load(const std::string& path, const std::string& device = "cpu");
    ~ImageModel();
    const ImageModelInfo& info() const;

    struct Impl;
    Impl& impl() { return *impl_; }

private:
    explicit ImageModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct ImageLayerField {
    int64_t index = 0; ///< 1 .. layers, in graph order
    std::string op; ///< "convolution", "max pool", "average pool"
    std::string detail; ///< "3x3, 16 -> 32 channels, stride 2"
    int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
    int64_t padH = 0, padW = 0;
    ReceptiveField height; ///< the field after this layer, along the image's rows
    ReceptiveField width; ///< and its columns
};

struct ImageFieldTable {
    std::vector<ImageLayerField> layers;
    bool complete = true; ///< the output was reached
    ReceptiveField outputHeight; ///< the output's field (unbounded = the whole image)
    ReceptiveField outputWidth;
    std::string note; ///< where and why reading stopped, or what the head does ("global pooling")
};

/// Throws lumen::Error(Unsupported) when the graph has no convolution Lumen can read.
ImageFieldTable theoreticalImageField(ImageModel& model);

struct ImageGradientConfig {
    /// A feature-map output [1, C, H', W']: the unit (row, column) to differentiate; -1 = the
    /// centre. A vector output [1, K]: the class; -1 = the top class of the (first) input.
    int64_t unitY = -1;
    int64_t unitX = -1;
    int64_t classIndex = -1;
    /// Without an image: random N(0, 1) inputs of this size, and the squared gradients averaged
    /// over `samples` of them (Luo et al.'s effective receptive field).
    int64_t height = 64;
    int64_t width = 64;
    int64_t samples = 16;
    uint64_t seed = 0;
};

struct ImageGradientField {
    int64_t height = 0;
    int64_t width = 0;
    /// per input pixel (row-major): the root mean square over the samples of the gradient's
    /// norm over the input channels (exactly 0 where the output does not depend on the pixel)
    std::vector<double> magnitude;
    std::vector<int64_t> outputShape;
    int64_t unitY = -1, unitX = -1; ///< the unit differentiated (feature-map outputs)
    int64_t classIndex = -1; ///< the class differentiated (vector outputs)
    int64_t samples = 1;
    double centreY = 0.0, centreX = 0.0; ///< the gradient's centre of mass
    /// withinRadius[r] = the share of the gradient in the square of half-side r around the
    /// centre of mass, r = 0 .. max(height, width) (ends at 1)
    std::vector<double> withinRadius;
    /// The theoretical field of the differentiated unit in input pixels, clipped to the image
    /// (top, left, bottom, right inclusive); all -1 when it could not be read.
    int64_t fieldTop = -1, fieldLeft = -1, fieldBottom = -1, fieldRight = -1;
    JobStatus status = JobStatus::Completed;
};

/// `image` is [C, H, W] float (already normalised as the model expects), or null for random
/// inputs. Throws lumen::Error(InvalidInput) for an image whose channels do not fit the
/// model, a unit or class outside the output, an output that is neither [1, C, H', W'] nor
/// [1, K], or a model that fails on the input (with Torch's message).
ImageGradientField imageGradientField(ImageModel& model, const FloatTensor* image, const ImageGradientConfig& config = {},
                                      const RunControl* control = nullptr);

/// A plain CNN for experiments and tests, saved as TorchScript: `layers` 2-D convolutions of
/// `channels` filters, kernel, dilation and stride per layer (one value = every layer), ReLU
/// between them, optional residual connections around each stride-1 layer of equal width,
/// and with `classes` > 0 a global average pool and a linear classifier (else the last
/// feature map is the output). Weights drawn with Kaiming-normal from `seed`.
struct ImageCnnSpec {
    int64_t inputChannels = 3;
    int64_t channels = 16;
    int64_t layers = 6;
    std::vector<int64_t> kernels { 3 };
    std::vector<int64_t> dilations { 1 };
    std::vector<int64_t> strides { 1 };
    bool residual = false;
    int64_t classes = 0;
};

/// Writes the model to `path`; returns its parameter count. Throws lumen::Error(InvalidInput)
/// for sizes that do not fit (kernel or stride below 1, list lengths neither 1 nor `layers`).
int64_t createImageCnn(const ImageCnnSpec& spec, const std::string& path, uint64_t seed);

} // namespace lumen::engine
