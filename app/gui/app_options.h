// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The GUI's command line:
//
//   lumen [--project FILE.lumen] [--model DIR] [--text T] [--pair T2 | --target T2
//         [--stack encoder|decoder|cross]] [--layer N] [--head N|mean|max]
//         [--view heatmap|heads|model|rollout|statistics|field|cone] [--log]
//         [--runs | --run ID [--step N] | --compare-runs IDS]
//         [--field-compare DIR ...] [--ablation cut|shuffle]
//         [--image-model FILE.pt [--image IMAGE]] [--train-job JOB.json]
//         [--demo fill-mask|generate|score|similarity [--demo-text T ...]]
//         [--compare DIR --compare DIR ...] [--screenshot OUT.png]
//
// Without --model the window opens the bundled demo (demoProject()).
// With --screenshot it runs the text, saves a PNG of the window and exits (see Launcher).
// Thread safety: plain value types and pure functions.

#include <QString>
#include <QList>
#include <QStringList>

#include <optional>

namespace lumen::app {

struct AppOptions {
    QString projectPath; ///< empty: the default project (ProjectController::defaultProjectPath)
    QString modelDir; ///< empty: the demo model
    QString text; ///< empty: the demo text when the demo model is used
    std::optional<int> layer;
    QString pair; ///< text B of a sentence pair (empty: one text)
    QString target; ///< an encoder-decoder model's decoder text (empty: the encoder alone)
    /// with a target, the attention shown first: "encoder", "decoder" or "cross"; empty =
    /// encoder
    QString stack;
    std::optional<int> head; ///< AttentionView::kMeanOfHeads for "mean", kMaxOfHeads for "max"
    /// the view tab to show first: "heatmap", "heads", "model", "rollout" or "statistics"
    QString view;
    bool logScale = false; ///< --log: every view on the log colour scale
    /// --runs: open the run browser too (with --screenshot, the browser is what is saved)
    bool runs = false;
    /// --compare-runs 3,5: open the run browser comparing these runs
    QList<qint64> compareRuns;
    qint64 showRun = 0; ///< --run ID: the run browser on that run (0: the newest)
    /// --step N: a train run's attention snapshot nearest step N (--layer, --head the map)
    std::optional<qint64> snapshotStep;
    /// --field-compare DIR (repeatable): more effective context curves in the field view
    QStringList fieldCompare;
    /// --ablation cut|shuffle: the field view's context ablation; empty = off
    QString ablation;
    /// --image-model FILE.pt [--image IMAGE]: the image CNN window, measured on open
    QString imageModel;
    /// --train-job JOB.json: the fine-tuning window on that job, started
    QString trainJob;
    /// lumen SCENE.lumenscene: that scene (its first), restored
    QString scene;
    QString image;
    /// --demo NAME: after the text's run, open the text demos on that demo and run it on
    /// --demo-text (each one a sentence for similarity), or on --text; with --screenshot the
    /// demo window is what is saved.
    QString demo;
    QStringList demoTexts;
    /// --compare DIR (two to four times): the compare workspace on those models and --text
    QStringList compareModels;
    QString screenshotPath; ///< non-empty: render the window to this PNG and exit
    bool present = false; ///< --present: start in presentation mode
    QString tour; ///< --tour ID: that guided tour, started
    int tourStep = 1; ///< --tour-step N (from 1)
    bool slide = false; ///< --slide: the screenshot is the view shown as a slide (PNG or PDF)
};

struct AppOptionsParse {
    AppOptions options;
    bool ok = false;
    bool exitNow = false; ///< --help or --version was handled; exit with exitCode
    int exitCode = 0;
    QString message; ///< the error (ok false) or the help/version text (exitNow true)
};

/// Parses `arguments` (argv, program name first). Never exits the process itself.
AppOptionsParse parseAppOptions(const QStringList& arguments);

/// What Lumen opens without --model, described by resources/demo/demo_project.json: a
/// model, a sentence and the layer and head to show first.
struct DemoProject {
    QString name;
    QString modelDir;
    QString text;
    int layer = 0;
    int head = 0;
};

/// The folder of the bundled demo models (lumen-cli demo-models writes it):
/// $LUMEN_DEMO_MODELS_DIR when set, else the installed one (<prefix>/share/lumen/demo/models
/// beside bin/), else the source tree's resources/demo/models (the compile definition
/// LUMEN_DEMO_MODELS_DIR).
QString demoModelsDir();

/// lumen-cli: $LUMEN_CLI when set, else the one beside this program.
QString lumenCliPath();

/// One bundled demo model, as demo-models.json lists it.
struct DemoModelEntry {
    QString name; ///< "bert"
    QString title; ///< "Tiny BERT (masked LM)"
    QString about;
    QString dir;
};

/// The bundled demo models there are (empty when demo-models.json is missing).
QList<DemoModelEntry> demoModels();

/// The bundled demo. Its model folder is $LUMEN_DEMO_MODEL_DIR when set, else the demo model
/// demo_project.json names in demoModelsDir().
DemoProject demoProject();

} // namespace lumen::app
