// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What the engine worker reports about a loaded model (ModelSummary) -> the model panel's
// plain input (widgets::ModelPanelData). The panel never sees the engine.
// Thread safety: a pure function.

#include "engine_worker.h"

#include "lumen/widgets/model_panel.h"

namespace lumen::app {

widgets::ModelPanelData toModelPanelData(const ModelSummary& model);

} // namespace lumen::app
