// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "image_input.h"

#include "lumen/engine/error.h"

#include <QImageReader>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace lumen::app {

engine::FloatTensor imageToTensor(const QImage& image, const ImageInputOptions& options)
{
    if (image.isNull()) {
        throw lumen::Error(lumen::ErrorKind::InvalidInput, "the image is empty.");
    }
    if (options.channels != 1 && options.channels != 3) {
        throw lumen::Error(lumen::ErrorKind::InvalidInput,
                            "Lumen feeds images with 1 (grey) or 3 (RGB) channels, not " + std::to_string(options.channels) + ".");
    }
    QImage scaled = image;
    if (options.height > 0 && options.width > 0 && (image.height() != options.height || image.width() != options.width)) {
        scaled = image.scaled(options.width, options.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    }
    scaled = scaled.convertToFormat(QImage::Format_RGB888);
    const int h = scaled.height();
    const int w = scaled.width();
    static const float kMean[] = { 0.485f, 0.456f, 0.406f };
    static const float kStd[] = { 0.229f, 0.224f, 0.225f };
    engine::FloatTensor t;
    t.shape = { options.channels, h, w };
    t.data.resize(static_cast<size_t>(options.channels) * static_cast<size_t>(h) * static_cast<size_t>(w));
    for (int y = 0; y < h; ++y) {
        const uchar* line = scaled.constScanLine(y);
        for (int x = 0; x < w; ++x) {
            const float rgb[] = { line[3 * x] / 255.0f, line[3 * x + 1] / 255.0f, line[3 * x + 2] / 255.0f };
            for (int c = 0; c < options.channels; ++c) {
                float v = options.channels == 1 ? 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2] : rgb[c];
                if (options.imagenet && options.channels == 3) {
                    v = (v - kMean[c]) / kStd[c];
                }
                t.data[(static_cast<size_t>(c) * h + y) * w + x] = v;
            }
        }
    }
    return t;
}

QImage readImageFile(const QString& path)
{
    QImageReader reader(path);
    QImage image = reader.read();
    if (image.isNull()) {
        throw lumen::Error(lumen::ErrorKind::InvalidInput,
                            "cannot read the image " + path.toStdString() + ": " + reader.errorString().toStdString()
                                + ". Use a PNG, JPEG, BMP or PPM file.");
    }
    return image;
}

QImage drawImageField(const engine::ImageGradientField& field, const QImage& background, int scale)
{
    const int h = static_cast<int>(field.height);
    const int w = static_cast<int>(field.width);
    scale = std::max(1, scale);
    QImage base = background.isNull() ? QImage(w, h, QImage::Format_RGB32) : background.scaled(w, h).convertToFormat(QImage::Format_RGB32);
    if (background.isNull()) {
        base.fill(QColor(0x80, 0x80, 0x80));
    }
    double max = 0.0;
    for (const double m : field.magnitude) {
        max = std::max(max, m);
    }
    QImage out(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const double m = field.magnitude[static_cast<size_t>(y) * w + x];
            const double a = max > 0 ? std::sqrt(m / max) : 0.0; // square root: the tails stay visible
            const QColor under(base.pixel(x, y));
            // the image greyed out, under a heat ramp (black-red -> orange -> pale yellow)
            // that covers it as the gradient grows
            const auto clamp01 = [](double v) { return std::clamp(v, 0.0, 1.0); };
            const double grey = 0.45 * qGray(under.rgb());
            const double alpha = clamp01(1.6 * a);
            const double r = grey * (1 - alpha) + alpha * 255 * clamp01(0.35 + 1.3 * a);
            const double g = grey * (1 - alpha) + alpha * 255 * clamp01(1.4 * a - 0.35);
            const double b = grey * (1 - alpha) + alpha * 255 * clamp01(2.5 * a - 1.7);
            out.setPixel(x, y, qRgb(static_cast<int>(r), static_cast<int>(g), static_cast<int>(b)));
        }
    }
    QImage big = scale > 1 ? out.scaled(w * scale, h * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation) : out;
    if (field.fieldTop >= 0) {
        QPainter p(&big);
        p.setPen(QPen(QColor(0x40, 0xc0, 0xff), std::clamp(scale / 3, 1, 3), Qt::DashLine));
        p.drawRect(QRectF(field.fieldLeft * scale, field.fieldTop * scale,
            (field.fieldRight - field.fieldLeft + 1) * scale - 1, (field.fieldBottom - field.fieldTop + 1) * scale - 1));
    }
    return big;
}

} // namespace lumen::app
