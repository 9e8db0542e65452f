// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Without the GUI build there are no image readers: random inputs (--size) still work.
#include "image_field_io.h"

#include "lumen/engine/error.h"

namespace lumen::app::cli {

engine::FloatTensor readImageForModel(const std::string& path, int, int, int, bool)
{
    throw lumen::Error(lumen::ErrorKind::Unsupported,
                        "this lumen-cli was built without Qt (-DLUMEN_BUILD_GUI=OFF), so it cannot read " + path
                            + ". Measure over random inputs with --size HxW, or use a build with the GUI.");
}

void writeImageFieldPng(const std::string& png, const engine::ImageGradientField&, const std::string&, int)
{
    throw lumen::Error(lumen::ErrorKind::Unsupported,
                        "this lumen-cli was built without Qt (-DLUMEN_BUILD_GUI=OFF), so it cannot draw " + png
                            + ". Use --json for the numbers.");
}

} // namespace lumen::app::cli
