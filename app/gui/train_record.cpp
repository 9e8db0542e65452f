// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "train_record.h"

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

} // namespace lumen::app
