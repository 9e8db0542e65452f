// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A training run's evaluation as the widgets draw it: from the trainer's live result (the
// fine-tuning window) or from the run's evaluation.json artifact (the run browser).

#include "lumen/engine/train.h"
#include "lumen/widgets/evaluation_view.h"

namespace lumen::projects {
class Project;
}

namespace lumen::app {

widgets::EvaluationData evaluationData(const engine::EvalResult& result);

/// The evaluation a train run recorded (its artifact of kind "evaluation"); empty data when
/// it has none or it is not a classifier's. Throws lumen::Error for a malformed file.
widgets::EvaluationData recordedEvaluation(projects::Project& project, int64_t runId);

} // namespace lumen::app
