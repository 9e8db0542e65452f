// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// bench-compare-gui: comparing four small models on one sentence should feel instant — every
// panel filled in under 300 ms after the forward passes. Four models (a BERT-mini-sized
// Transformer, a lightweight convolution and an LSTM of the same width, the test ALBERT) on a
// 24-word sentence: the engine's comparison (forward passes with attention and the gradient
// context) is timed, then filling the panels (CompareWindow::showResult) and painting them
// (QWidget::grab), median of 7. Not a test: timings depend on the machine.
//
//   cmake --build --preset dev --target bench-compare-gui

#include "compare_window.h"

#include "lumen/engine/compare.h"
#include "lumen/engine/model.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

using namespace lumen;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QTemporaryDir dir;
    const std::string tokenizer = LUMEN_BENCH_TOKENIZER;
    std::vector<std::string> folders;
    for (const char* family : { "transformer", "lightconv", "lstm" }) {
        engine::NewModelSpec spec;
        spec.family = family;
        spec.hidden = 256;
        spec.layers = 4;
        folders.push_back(dir.filePath(QString::fromLatin1(family)).toStdString());
        engine::createModel(spec, tokenizer, folders.back(), 0);
    }
    folders.push_back(LUMEN_BENCH_ALBERT);
    std::vector<std::unique_ptr<engine::Model>> owned;
    std::vector<engine::Model*> models;
    for (const std::string& f : folders) {
        owned.push_back(engine::Model::load(f));
        models.push_back(owned.back().get());
    }
    engine::CompareConfig config;
    config.text = "The old city by the water was the capital of the country for many years, and every [MASK] came back to it.";
    config.attention = true;
    config.effectiveContext = true;
    config.repeats = 3;

    std::vector<double> engineMs;
    engine::CompareResult result;
    for (int r = 0; r < 3; ++r) {
        QElapsedTimer t;
        t.start();
        result = engine::compareModels(models, config);
        engineMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    app::CompareWindow window(nullptr);
    window.resize(1400, 950);
    window.show();
    QApplication::processEvents();
    std::vector<double> fillMs;
    std::vector<double> paintMs;
    for (int r = 0; r < 7; ++r) {
        QElapsedTimer t;
        t.start();
        window.showResult(result, config);
        fillMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
        (void)window.grab(); // lays out and paints every visible panel
        paintMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    window.showPage(app::CompareWindow::Page::Attention);
    std::vector<double> attentionMs;
    for (int r = 0; r < 7; ++r) {
        QElapsedTimer t;
        t.start();
        window.showResult(result, config);
        (void)window.grab();
        attentionMs.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    int64_t tokens = 0;
    for (const auto& f : result.facts) {
        tokens = std::max(tokens, f.tokens);
    }
    std::printf("Compare workspace, 4 models (Transformer / lightweight convolution / LSTM 4 x 256, test ALBERT),\n"
                "%lld tokens at most:\n", static_cast<long long>(tokens));
    std::printf("  engine (forward passes, attention, gradient context, 3 timed passes each): median %.1f ms\n", median(engineMs));
    std::printf("  filling every panel: median %.1f ms; filled and painted (Predictions tab): median %.1f ms\n",
        median(fillMs), median(paintMs));
    std::printf("  filled and painted with the Attention tab showing (4 heatmaps): median %.1f ms (target < 300 ms)\n",
        median(attentionMs));
    return 0;
}
