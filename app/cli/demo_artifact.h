// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// lumen-cli's text demos keep their output as the GUI keeps it: the run's "demo" artifact
// (run-<id>/demo.json, app/gui/demo_record.h), so a run made on the command line re-opens in
// the demo window. A build without the GUI (-DLUMEN_BUILD_GUI=OFF) has no record writer and
// keeps the settings and metrics only (demo_artifact_headless.cpp).

#include "run_recorder.h"

#include "lumen/engine/fill_mask.h"
#include "lumen/engine/generate.h"
#include "lumen/engine/model.h"
#include "lumen/engine/text_demos.h"

#include <string>
#include <vector>

namespace lumen::app::cli {

struct DemoArtifact {
    std::string demo; ///< "fill-mask", "generate", "score", "similarity"
    std::string text;
    std::vector<std::string> texts;
    int topK = 5;
    engine::GenerateConfig generation;
    bool meanPooling = true;
    const engine::Model* model = nullptr;
    const engine::FillMaskResult* fill = nullptr;
    const engine::GenerateResult* generated = nullptr;
    const engine::ScoreResult* score = nullptr;
    const engine::SimilarityResult* similarity = nullptr;
};

/// Writes the artifact; false when this build cannot (headless) or there is no recorder.
/// Throws what writing the project throws.
bool keepDemoOutput(RunRecorder* recorder, const DemoArtifact& artifact);

} // namespace lumen::app::cli
