// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// bench-train-gui: how long the GUI's event loop waits while the fine-tuning window runs a job
// (target: it answers within 50 ms throughout). A 5 ms timer measures how late each tick
// comes while (1) a tiny model trains at about a thousand steps a second, so progress floods
// in, and (2) a BERT-mini-sized model trains at 128 tokens. Not a test: timings depend on
// the machine.
//
//   cmake --build --preset dev --target bench-train-gui

#include "fine_tune_window.h"
#include "project_controller.h"

#include "lumen/engine/model.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace lumen;

namespace {

void writeData(const QString& path, int rows, int words)
{
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write("text,label\n");
    const char* vocabulary[] = { "the", "with", "every", "beautiful", "morning", "random", "hidden", "city", "water" };
    for (int r = 0; r < rows; ++r) {
        std::string line;
        for (int w = 0; w < words; ++w) {
            line += std::string(w ? " " : "") + vocabulary[(r * 7 + w * 13) % 9];
        }
        f.write((line + (r % 2 ? ",a\n" : ",b\n")).c_str());
    }
}

struct Lateness {
    double maxMs = 0.0;
    double p99Ms = 0.0;
    int ticks = 0;
    double runSeconds = 0.0;
};

Lateness measure(app::FineTuneWindow& window)
{
    std::vector<double> late;
    QElapsedTimer clock;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(5);
    qint64 last = 0;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (last > 0) {
            late.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - 5.0));
        }
        last = now;
    });
    bool done = false;
    QObject::connect(&window, &app::FineTuneWindow::finished, [&] { done = true; });
    clock.start();
    tick.start();
    window.start();
    while (!done) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    tick.stop();
    Lateness r;
    r.runSeconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    r.ticks = static_cast<int>(late.size());
    std::sort(late.begin(), late.end());
    if (!late.empty()) {
        r.maxMs = late.back();
        r.p99Ms = late[late.size() * 99 / 100];
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QTemporaryDir dir;
    app::ProjectController projects;
    projects.openOrCreateProject(dir.filePath(QStringLiteral("bench.lumen")));
    const std::string tokenizer = LUMEN_BENCH_TOKENIZER;

    engine::NewModelSpec tiny;
    tiny.hidden = 32;
    tiny.layers = 1;
    engine::createModel(tiny, tokenizer, dir.filePath(QStringLiteral("tiny")).toStdString(), 0);
    writeData(dir.filePath(QStringLiteral("short.csv")), 200, 6);
    engine::NewModelSpec mini;
    mini.family = "transformer";
    mini.hidden = 256;
    mini.layers = 4;
    mini.heads = 4;
    engine::createModel(mini, tokenizer, dir.filePath(QStringLiteral("mini")).toStdString(), 0);
    writeData(dir.filePath(QStringLiteral("long.csv")), 256, 160);

    struct Case {
        const char* name;
        QString model;
        QString data;
        int steps;
        int maxLength;
    };
    const Case cases[] = { { "tiny model, ~1000 steps/s", dir.filePath(QStringLiteral("tiny")),
                               dir.filePath(QStringLiteral("short.csv")), 3000, 16 },
        { "BERT-mini, 128 tokens", dir.filePath(QStringLiteral("mini")), dir.filePath(QStringLiteral("long.csv")), 12, 128 } };
    std::printf("event-loop lateness while fine-tuning (5 ms timer; target: answers within 50 ms)\n");
    for (const Case& c : cases) {
        app::FineTuneWindow window(&projects);
        window.resize(1200, 800);
        window.show();
        window.setModelDir(c.model);
        window.setDataFile(c.data);
        window.batchBox()->setValue(c.maxLength == 16 ? 4 : 16);
        window.maxStepsBox()->setValue(c.steps);
        const Lateness r = measure(window);
        std::printf("  %-28s %6.2f s run, %6d ticks, worst %6.1f ms late, 99th percentile %5.1f ms\n", c.name,
            r.runSeconds, r.ticks, r.maxMs, r.p99Ms);
    }
    return 0;
}
