// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "image_field_io.h"

#include "image_input.h"
#include "lumen/engine/error.h"

namespace lumen::app::cli {

engine::FloatTensor readImageForModel(const std::string& path, int height, int width, int channels, bool imagenet)
{
    ImageInputOptions options;
    options.height = height;
    options.width = width;
    options.channels = channels;
    options.imagenet = imagenet;
    return imageToTensor(readImageFile(QString::fromStdString(path)), options);
}

void writeImageFieldPng(const std::string& png, const engine::ImageGradientField& field, const std::string& imagePath,
                        int scale)
{
    const QImage background = imagePath.empty() ? QImage() : readImageFile(QString::fromStdString(imagePath));
    if (!drawImageField(field, background, scale).save(QString::fromStdString(png), "PNG")) {
        throw lumen::Error(lumen::ErrorKind::Io, "could not write " + png + ": check the folder exists and has space.");
    }
}

} // namespace lumen::app::cli
