// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// `lumen-cli image-field`: reading the input image and writing the heatmap PNG. Plain types
// here, so cli_commands.cpp stays free of Qt; image_field_io.cpp with the GUI build (Qt's
// image readers), image_field_io_headless.cpp without it, which says to use random inputs.
// Thread safety: pure functions.

#include "lumen/engine/image_field.h"
#include "lumen/engine/tensor.h"

#include <string>

namespace lumen::app::cli {

/// [channels, height, width] (0 x 0 = the image's own size), scaled to [0, 1] and with
/// `imagenet` normalised by ImageNet's mean and standard deviation. Throws lumen::Error.
engine::FloatTensor readImageForModel(const std::string& path, int height, int width, int channels, bool imagenet);
/// The heatmap over the image (or grey) with the theoretical field outlined, enlarged
/// `scale` times. Throws lumen::Error when the file cannot be written.
void writeImageFieldPng(const std::string& png, const engine::ImageGradientField& field, const std::string& imagePath,
                        int scale);

} // namespace lumen::app::cli
