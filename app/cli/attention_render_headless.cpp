// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen-cli built without Qt (-DLUMEN_BUILD_GUI=OFF): the views it would draw live in the GUI
// libraries.
#include "attention_render.h"

#include "lumen/engine/error.h"

namespace lumen::app::cli {

AttentionRenderResult renderAttention(const AttentionRender&)
{
    throw Error(ErrorKind::Unsupported,
        "this lumen-cli was built without the GUI (-DLUMEN_BUILD_GUI=OFF), and drawing the "
        "attention views needs it. Build with the GUI, or write the tensors with "
        "`lumen-cli forward MODEL --text T --out FILE.safetensors`.");
}

} // namespace lumen::app::cli
