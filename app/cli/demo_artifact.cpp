// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "demo_artifact.h"

#include "demo_record.h"

#include "lumen/engine/tokenizer.h"

#include <QJsonDocument>

namespace lumen::app::cli {

bool keepDemoOutput(RunRecorder* recorder, const DemoArtifact& a)
{
    DemoRequest request;
    if (recorder == nullptr || a.model == nullptr || !demoKindFromName(QString::fromStdString(a.demo), &request.kind)) {
        return false;
    }
    request.text = QString::fromStdString(a.text);
    for (const std::string& t : a.texts) {
        request.texts << QString::fromStdString(t);
    }
    request.topK = a.topK;
    request.generation = a.generation;
    request.meanPooling = a.meanPooling;
    DemoOutput d = demoOutputOf(request, a.model->info());
    if (a.fill != nullptr) {
        d.fill = *a.fill;
    }
    if (a.generated != nullptr) {
        d.generated = *a.generated;
        d.elapsedMs = a.generated->elapsedMs;
    }
    if (a.score != nullptr) {
        d.score = *a.score;
        if (a.model->tokenizer() != nullptr) {
            splitScoredText(*a.model->tokenizer(), &d);
        }
    }
    if (a.similarity != nullptr) {
        d.similarity = *a.similarity;
    }
    const QByteArray bytes = QJsonDocument(demoToJson(d)).toJson(QJsonDocument::Compact);
    recorder->writeArtifact("demo", "demo.json", std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())));
    return true;
}

} // namespace lumen::app::cli
