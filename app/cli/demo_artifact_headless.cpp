// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Built without the GUI: the demo record writer (Qt's JSON, app/gui/demo_record) is not
// there, so a demo run keeps its settings and metrics only.
#include "demo_artifact.h"

namespace lumen::app::cli {

bool keepDemoOutput(RunRecorder*, const DemoArtifact&)
{
    return false;
}

} // namespace lumen::app::cli
