// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Scenes: a small file (*.lumenscene, JSON, format lumen-scene-1) that restores one screen
// of the main window — the model, the input, the view, the layer / head / token, and the
// caption and token notes the presenter wrote — offline. A file holds one scene or a
// sequence of them, stepped through like slides (View > Next Scene, Page Down).
//
//   {
//     "format": "lumen-scene-1",
//     "scenes": [
//       { "title": "Agreement", "model": "demo:bert", "text": "the dogs that the cat chased [MASK] today .",
//         "view": "heatmap", "layer": 2, "head": 3, "token": 7,
//         "caption": "Head 3 looks from the verb back to its subject, past \"cat\".",
//         "notes": [ { "token": 2, "note": "the subject" } ] }
//     ]
//   }
//
// "model" is "demo:NAME" for a bundled demo model (found wherever Lumen is installed), a
// folder relative to the scene file, or an absolute folder.

#include <QList>
#include <QString>

#include <optional>

namespace lumen::app {

struct SceneNote {
    int token = -1; ///< the position the note is about
    QString note;
};

struct Scene {
    QString title;
    QString model; ///< as written: "demo:bert", relative to the file, or absolute
    QString text;
    QString pair; ///< text B of a pair, or a decoder's text
    QString view = QStringLiteral("heatmap"); ///< heatmap, heads, model, rollout, statistics, field, cone
    int layer = 0;
    int head = 0;
    int token = -1; ///< the highlighted position; -1 none
    QString caption;
    QList<SceneNote> notes;
};

/// The scenes of a file, in order. nullopt with `error` saying what is wrong (the file and
/// the scene) for a file that cannot be read, is not JSON, is not lumen-scene-1, or has a
/// scene without a model or text, or with an unknown view.
std::optional<QList<Scene>> readScenes(const QString& path, QString* error);

/// Writes `scenes` to `path` (through a temporary file). Returns "" or what went wrong.
/// A model folder inside the scene file's folder is written relative to it, a bundled demo
/// model as "demo:NAME".
QString writeScenes(const QString& path, const QList<Scene>& scenes);

/// The model folder a scene names, resolved against the scene file's folder and the bundled
/// demo models.
QString sceneModelDir(const Scene& scene, const QString& sceneFile);

/// The views a scene may name.
QStringList sceneViews();

} // namespace lumen::app
