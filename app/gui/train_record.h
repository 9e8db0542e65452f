// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A training run's evaluation as the widgets draw it: from the trainer's live result (the
// fine-tuning window) or from the run's evaluation.json artifact (the run browser).

#include "lumen/engine/attention_snapshots.h"
#include "lumen/engine/train.h"
#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/evaluation_view.h"

namespace lumen::projects {
class Project;
}

namespace lumen::app {

widgets::EvaluationData evaluationData(const engine::EvalResult& result);

/// The evaluation a train run recorded (its artifact of kind "evaluation"); empty data when
/// it has none or it is not a classifier's. Throws lumen::Error for a malformed file.
widgets::EvaluationData recordedEvaluation(projects::Project& project, int64_t runId);

/// The probe's positions as the timeline takes them (an attention set without weights):
/// tokens as the probe's text, special tokens, causal, "kernel weight" for convolutions.
widgets::AttentionSet snapshotShape(const engine::AttentionSnapshots& snapshots);
widgets::TimelineSnapshot timelineSnapshot(const engine::AttentionSnapshot& snapshot);
/// A whole snapshot file as the timeline takes it (AttentionTimeline::setData's arguments).
struct TimelineData {
    widgets::AttentionSet shape;
    std::vector<widgets::TimelineSnapshot> snapshots;
};
TimelineData timelineData(const engine::AttentionSnapshots& snapshots);

/// The attention snapshots a train run recorded (its artifact "attention-snapshots"); false
/// when it has none. Throws lumen::Error for a damaged file.
bool recordedSnapshots(projects::Project& project, int64_t runId, widgets::AttentionSet* shape,
    std::vector<widgets::TimelineSnapshot>* snapshots);

} // namespace lumen::app
