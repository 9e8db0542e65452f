// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// bench-projects: the project database's performance targets (issue "The project database
// and run browser"), on a real file in a temporary folder:
//   - insert 100 000 metric points (batches of 1 000 points, one transaction each, as a
//     training loop writes them; and the same as one batch)           target < 1 s
//   - read 1 000 000 points of one run's metric for a plot            target < 300 ms
//   - open a project of 10 000 runs and list them all for the table   target < 500 ms
// Each is repeated (REPEATS, default 5) and the median and min are printed. Not a test:
// timings depend on the machine and its disk.
//
//   cmake --build --preset dev --target bench-projects
//   build/dev/bench/project_bench [FOLDER]

#include "lumen/projects/project.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace lumen::projects;

namespace {

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

struct Timing {
    double median = 0;
    double min = 0;
};

Timing timeIt(int repeats, const std::function<void()>& setup, const std::function<void()>& work)
{
    std::vector<double> times;
    for (int r = 0; r < repeats; ++r) {
        setup();
        const auto start = std::chrono::steady_clock::now();
        work();
        times.push_back(msSince(start));
    }
    std::sort(times.begin(), times.end());
    return { times[times.size() / 2], times.front() };
}

void report(const char* what, Timing t, double targetMs)
{
    std::printf("%-58s median %9.1f ms   min %9.1f ms   target < %5.0f ms  %s\n", what, t.median,
        t.min, targetMs, t.median < targetMs ? "ok" : "MISSED");
    std::fflush(stdout);
}

std::vector<MetricPoint> points(int64_t count, int64_t firstStep)
{
    std::vector<MetricPoint> out;
    out.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        out.push_back({ "loss", firstStep + i, 1.0 / double(firstStep + i + 1), 0 });
    }
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    const int repeats = std::getenv("REPEATS") ? std::max(1, std::atoi(std::getenv("REPEATS"))) : 5;
    const fs::path folder = argc > 1 ? fs::path(argv[1])
                                     : fs::temp_directory_path()
            / ("lumen-project-bench-" + std::to_string(::getpid()));
    fs::create_directories(folder);
    int counter = 0;
    const auto freshProject = [&] {
        return (folder / ("p" + std::to_string(++counter) + ".lumen")).string();
    };
    std::printf("project_bench: %d repeats, files in %s\n", repeats, folder.c_str());

    // 1. 100 000 points, batches of 1 000.
    {
        std::unique_ptr<Project> project;
        int64_t run = 0;
        const Timing batched = timeIt(
            repeats,
            [&] {
                project = Project::create(freshProject());
                run = project->beginRun({ "train", "", "", "{}", "" });
            },
            [&] {
                for (int64_t b = 0; b < 100; ++b) {
                    project->addMetrics(run, points(1000, b * 1000));
                }
            });
        report("insert 100 000 metric points (100 batches of 1 000)", batched, 1000);
        const Timing single = timeIt(
            repeats,
            [&] {
                project = Project::create(freshProject());
                run = project->beginRun({ "train", "", "", "{}", "" });
            },
            [&] { project->addMetrics(run, points(100000, 0)); });
        report("insert 100 000 metric points (one batch)", single, 1000);
    }

    // 2. Read 1 000 000 points of one metric.
    {
        const std::string path = freshProject();
        int64_t run = 0;
        {
            auto project = Project::create(path);
            run = project->beginRun({ "train", "", "", "{}", "" });
            for (int64_t b = 0; b < 100; ++b) {
                project->addMetrics(run, points(10000, b * 10000));
            }
            project->addMetrics(run, { { "accuracy", 0, 0.5, 0 } }); // another key beside
            project->finishRun(run, RunStatus::Completed);
        }
        auto project = Project::open(path);
        size_t read = 0;
        const Timing series = timeIt(
            repeats, [] {}, [&] { read = project->metricSeries(run, "loss").steps.size(); });
        if (read != 1000000) {
            std::fprintf(stderr, "project_bench: read %zu points, expected 1000000\n", read);
            return 1;
        }
        report("read 1 000 000 points of one metric (metricSeries)", series, 300);
    }

    // 3. Open a project of 10 000 runs and list them.
    {
        const std::string path = freshProject();
        {
            auto project = Project::create(path);
            for (int i = 0; i < 10000; ++i) {
                RunSpec spec { i % 3 == 0 ? "train" : (i % 3 == 1 ? "attention" : "bench"),
                    "/models/model-" + std::to_string(i % 7), "cpu",
                    "{\"lr\":" + std::to_string(0.001 * (i % 10 + 1)) + ",\"batch\":"
                        + std::to_string(8 << (i % 3)) + ",\"text\":\"run number "
                        + std::to_string(i) + "\"}",
                    "" };
                spec.tags = { i % 2 == 0 ? "even" : "odd" };
                if (i % 5 == 0) {
                    spec.experiment = "sweep-" + std::to_string(i % 4);
                }
                const int64_t id = project->beginRun(spec);
                project->addMetrics(id, { { "loss", 0, 2.0, 0 }, { "loss", 1, 1.0, 0 },
                                            { "ms", 0, 12.5, 0 } });
                project->finishRun(id, RunStatus::Completed, "{\"tokens\":12}");
            }
        }
        size_t listed = 0;
        const Timing open = timeIt(
            repeats, [] {},
            [&] {
                auto project = Project::open(path);
                const std::vector<RunRecord> runs = project->listRuns();
                listed = runs.size();
                // The table's first screen shows each visible run's newest metrics.
                for (size_t r = 0; r < std::min<size_t>(50, runs.size()); ++r) {
                    project->latestMetrics(runs[r].id);
                }
            });
        if (listed != 10000) {
            std::fprintf(stderr, "project_bench: listed %zu runs, expected 10000\n", listed);
            return 1;
        }
        report("open a project of 10 000 runs, list them all", open, 500);
        auto project = Project::open(path);
        RunFilter filter;
        filter.text = "number 4242";
        const Timing search = timeIt(repeats, [] {}, [&] { project->listRuns(filter); });
        report("free-text search over 10 000 runs", search, 500);
        filter = {};
        filter.tag = "odd";
        const Timing tag = timeIt(repeats, [] {}, [&] { project->listRuns(filter); });
        report("filter 10 000 runs by tag (5 000 match)", tag, 500);
    }
    std::error_code ec;
    if (argc <= 1) {
        fs::remove_all(folder, ec);
    }
    return 0;
}
