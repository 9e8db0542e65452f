// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "model_panel_data.h"

namespace lumen::app {

widgets::ModelPanelData toModelPanelData(const ModelSummary& model)
{
    widgets::ModelPanelData d;
    d.modelType = model.modelType;
    d.architecture = model.architecture;
    d.layers = model.layers;
    d.heads = model.heads;
    d.hiddenSize = model.hiddenSize;
    d.vocabSize = model.vocabSize;
    d.maxLength = model.maxPositions;
    d.dtype = model.dtype;
    d.device = model.device;
    d.parameterCount = model.parameterCount;
    d.parametersPerForward = model.parametersPerForward;
    for (const auto& [name, count] : model.componentParameters) {
        d.components.push_back({ name, count });
    }
    d.tokenizerKind = model.tokenizerKind;
    d.tokenizerVocabSize = model.tokenizerVocabSize;
    for (const auto& t : model.specialTokens) {
        d.specialTokens.push_back({ t.role, t.token, t.id });
    }
    d.weightsFile = model.weightsFile;
    d.dir = model.dir;
    d.warnings = model.warnings;
    return d;
}

} // namespace lumen::app
