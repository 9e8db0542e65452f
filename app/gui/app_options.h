// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The GUI's command line:
//
//   lumen [--project FILE.lumen] [--model DIR] [--text T] [--layer N] [--head N|mean]
//         [--screenshot OUT.png]
//
// Without --model the window opens the bundled demo (demoModelDir() with kDemoText).
// With --screenshot it runs the text, saves a PNG of the window and exits (see Launcher).
// Thread safety: plain value types and pure functions.

#include <QString>
#include <QStringList>

#include <optional>

namespace lumen::app {

struct AppOptions {
    QString projectPath;    ///< empty: the default project (ProjectController::defaultProjectPath)
    QString modelDir;       ///< empty: the demo model
    QString text;           ///< empty: the demo text when the demo model is used
    std::optional<int> layer;
    std::optional<int> head; ///< AttentionView::kMeanOfHeads for "mean"
    QString screenshotPath; ///< non-empty: render the window to this PNG and exit
};

struct AppOptionsParse {
    AppOptions options;
    bool ok = false;
    bool exitNow = false; ///< --help or --version was handled; exit with exitCode
    int exitCode = 0;
    QString message;      ///< the error (ok false) or the help/version text (exitNow true)
};

/// Parses `arguments` (argv, program name first). Never exits the process itself.
AppOptionsParse parseAppOptions(const QStringList& arguments);

/// The text the demo opens with.
inline constexpr const char* kDemoText = "The capital of France is [MASK].";

/// The folder of the model the demo opens: $LUMEN_DEMO_MODEL_DIR when set, else the
/// installed demo (<prefix>/share/lumen/demo/models/bert beside bin/), else the build tree's
/// copy of the tiny test BERT (the compile definition LUMEN_DEMO_MODEL_DIR). Until trained
/// demo models are bundled, the demo model is the conformance BERT from tests/data.
QString demoModelDir();

} // namespace lumen::app
