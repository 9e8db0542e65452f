// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Images for image CNNs (engine/image_field.h): a QImage as the [C, H, W] float tensor a
// torchvision-style model expects (scaled to [0, 1], optionally normalised with ImageNet's
// mean and standard deviation), and the effective receptive field drawn over the image as a
// heatmap with the theoretical field's rectangle. Used by the GUI's image view and by
// lumen-cli image-field. Thread safety: pure functions (QImage is safe off the GUI thread).

#include "lumen/engine/image_field.h"
#include "lumen/engine/tensor.h"

#include <QImage>
#include <QString>

namespace lumen::app {

struct ImageInputOptions {
    int height = 0; ///< 0 = the image's own size
    int width = 0;
    int channels = 3; ///< 3 = RGB, 1 = grey
    bool imagenet = true; ///< subtract ImageNet's mean, divide by its standard deviation (RGB)
};

/// Throws lumen::Error(InvalidInput) for a null image or a channel count other than 1 or 3.
engine::FloatTensor imageToTensor(const QImage& image, const ImageInputOptions& options);
/// Reads an image file; throws lumen::Error(InvalidInput) naming the file when Qt cannot.
QImage readImageFile(const QString& path);

/// The gradient magnitudes as a heatmap (square-root scaled, so the tails show) over
/// `background` (the input image, or grey for random inputs), with the theoretical field of
/// the unit outlined. `scale` enlarges small inputs (nearest neighbour).
QImage drawImageField(const engine::ImageGradientField& field, const QImage& background, int scale = 1);

} // namespace lumen::app
