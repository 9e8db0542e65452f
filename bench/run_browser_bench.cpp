// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// bench-run-browser: the run browser on a project of 10 000 runs (offscreen): opening the
// project and showing the table (target < 500 ms), a filter change, a search, sorting by a
// column, and showing one run's page. Not a test: timings depend on the machine.
//
//   cmake --build --preset dev --target bench-run-browser

#include "project_controller.h"
#include "run_browser.h"

#include "lumen/projects/project.h"
#include "lumen/widgets/run_table.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QTableView>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace lumen;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double timeMs(const std::function<void()>& work)
{
    QElapsedTimer clock;
    clock.start();
    work();
    QCoreApplication::processEvents(); // the table lays out and paints
    return static_cast<double>(clock.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.lumen"));
    {
        auto project = projects::Project::create(path.toStdString());
        for (int i = 0; i < 10000; ++i) {
            projects::RunSpec spec { i % 3 == 0 ? "train" : (i % 3 == 1 ? "attention" : "bench"),
                "/models/model-" + std::to_string(i % 7), "cpu",
                "{\"lr\":" + std::to_string(0.001 * (i % 10 + 1)) + ",\"text\":\"run number "
                    + std::to_string(i) + "\"}",
                "" };
            spec.tags = { i % 2 == 0 ? "even" : "odd" };
            const int64_t id = project->beginRun(spec);
            project->addMetrics(id, { { "loss", 0, 2.0, 0 }, { "loss", 1, 1.0, 0 } });
            project->finishRun(id, projects::RunStatus::Completed);
        }
    }
    std::printf("run_browser_bench: 10 000 runs in %s\n", qPrintable(path));
    std::vector<double> open;
    std::vector<double> kind;
    std::vector<double> search;
    std::vector<double> sort;
    std::vector<double> page;
    for (int r = 0; r < 5; ++r) {
        app::ProjectController projects;
        app::RunBrowser* browser = nullptr;
        open.push_back(timeMs([&] {
            projects.openProject(path);
            browser = new app::RunBrowser(&projects);
            browser->resize(1100, 760);
            browser->show(); // lists the runs
        }));
        if (browser->table()->rows().size() != 10000) {
            std::fprintf(stderr, "listed %zu runs\n", browser->table()->rows().size());
            return 1;
        }
        QComboBox* k = browser->table()->kindFilter();
        kind.push_back(timeMs([&] { k->setCurrentIndex(k->findData(QStringLiteral("train"))); }));
        kind.push_back(timeMs([&] { k->setCurrentIndex(0); }));
        search.push_back(timeMs([&] {
            browser->table()->searchField()->setText(QStringLiteral("number 77"));
            Q_EMIT browser->table()->searchField()->returnPressed();
        }));
        browser->table()->setFilter({});
        sort.push_back(timeMs([&] {
            browser->table()->view()->sortByColumn(widgets::RunTable::DurationColumn, Qt::AscendingOrder);
        }));
        page.push_back(timeMs([&] { browser->showRun(browser->table()->idAtRow(0)); }));
        delete browser;
    }
    std::printf("%-52s median %8.1f ms   target < 500 ms\n", "open the project and show 10 000 runs", median(open));
    std::printf("%-52s median %8.1f ms\n", "filter by kind (and back)", median(kind));
    std::printf("%-52s median %8.1f ms\n", "free-text search", median(search));
    std::printf("%-52s median %8.1f ms\n", "sort 10 000 rows by duration", median(sort));
    std::printf("%-52s median %8.1f ms\n", "show one run's page", median(page));
    return 0;
}
