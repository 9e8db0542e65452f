// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "train_record.h"

#include "attention_controller.h"

#include "lumen/projects/project.h"

#include <fstream>
#include <sstream>

namespace lumen::app {

namespace {
QString q(const std::string& s)
{
    return QString::fromStdString(s);
}
} // namespace

widgets::EvaluationData evaluationData(const engine::EvalResult& r)
{
    widgets::EvaluationData d;
    for (const std::string& l : r.labels) {
        d.labels << q(l);
    }
    for (const auto& row : r.confusion) {
        d.confusion.emplace_back(row.begin(), row.end());
    }
    for (const engine::EvalExample& e : r.examples) {
        d.examples.push_back({ q(e.text), q(e.gold), q(e.predicted), e.probability });
    }
    d.accuracy = r.accuracy;
    d.macroF1 = r.macroF1;
    d.step = r.step;
    return d;
}

widgets::EvaluationData recordedEvaluation(projects::Project& project, int64_t runId)
{
    for (const projects::ArtifactRecord& a : project.artifacts(runId)) {
        if (a.kind != "evaluation") {
            continue;
        }
        std::ifstream in(project.artifactPath(a));
        if (!in) {
            return {};
        }
        std::ostringstream text;
        text << in.rdbuf();
        return evaluationData(engine::evaluationFromJson(text.str()));
    }
    return {};
}

widgets::AttentionSet snapshotShape(const engine::AttentionSnapshots& s)
{
    widgets::AttentionSet set;
    set.layers = static_cast<int>(s.layers());
    set.heads = static_cast<int>(s.heads());
    set.seq = static_cast<int>(s.seq());
    const std::u32string text = QString::fromStdString(s.probe).toStdU32String();
    for (size_t i = 0; i < s.tokens.size(); ++i) {
        const bool special = s.special[i] != 0;
        set.vocabTokens << q(s.tokens[i]);
        set.tokens << tokenDisplayText(text, s.offsets[i], special, s.tokens[i]);
    }
    set.special = s.special;
    set.causal = s.causal;
    if (s.kernels) {
        set.valueName = QObject::tr("kernel weight");
    }
    return set;
}

widgets::TimelineSnapshot timelineSnapshot(const engine::AttentionSnapshot& snapshot)
{
    return { snapshot.step, snapshot.loss, std::make_shared<const std::vector<float>>(snapshot.attentions.data) };
}

TimelineData timelineData(const engine::AttentionSnapshots& s)
{
    TimelineData d;
    d.shape = snapshotShape(s);
    for (const engine::AttentionSnapshot& snap : s.snapshots) {
        d.snapshots.push_back(timelineSnapshot(snap));
    }
    return d;
}

bool recordedSnapshots(projects::Project& project, int64_t runId, widgets::AttentionSet* shape,
    std::vector<widgets::TimelineSnapshot>* snapshots)
{
    for (const projects::ArtifactRecord& a : project.artifacts(runId)) {
        if (a.kind == "attention-snapshots") {
            TimelineData d = timelineData(engine::loadAttentionSnapshots(project.artifactPath(a)));
            *shape = std::move(d.shape);
            *snapshots = std::move(d.snapshots);
            return true;
        }
    }
    return false;
}

} // namespace lumen::app
