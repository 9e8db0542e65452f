// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "run_listing.h"

#include "lumen/projects/run_export.h"

#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

namespace lumen::app::cli {

namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;
using projects::MetricLatest;
using projects::Project;
using projects::RunRecord;

Json parsedObject(const std::string& text)
{
    Json j = Json::parse(text, nullptr, false);
    return j.is_object() ? j : Json::object();
}

/// A parameter's value for a line: strings without their quotes, the rest as JSON.
std::string plainValue(const Json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string localTime(int64_t unixMs)
{
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    std::tm tm {};
    localtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
    return text;
}

std::string duration(const RunRecord& run)
{
    const std::optional<int64_t> ms = run.durationMs();
    if (!ms) {
        return run.status == projects::RunStatus::Running ? "running" : "-";
    }
    std::ostringstream s;
    if (*ms < 1000) {
        s << *ms << " ms";
    } else if (*ms < 60000) {
        s << std::fixed << std::setprecision(1) << double(*ms) / 1000.0 << " s";
    } else if (*ms < 3600000) {
        s << *ms / 60000 << " min " << (*ms / 1000) % 60 << " s";
    } else {
        s << *ms / 3600000 << " h " << (*ms / 60000) % 60 << " min";
    }
    return s.str();
}

/// Shortest text that reads back as the same double.
std::string shortNumber(double value)
{
    if (std::isnan(value)) {
        return "nan";
    }
    std::ostringstream s;
    s << std::setprecision(6) << value;
    return s.str();
}

size_t width(const std::string& s)
{
    size_t n = 0;
    for (const unsigned char c : s) {
        n += (c & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

std::string pad(const std::string& s, size_t w, bool right = false)
{
    const size_t n = width(s);
    if (n >= w) {
        return s;
    }
    return right ? std::string(w - n, ' ') + s : s + std::string(w - n, ' ');
}

std::string joined(const std::vector<std::string>& parts, const char* separator)
{
    std::string out;
    for (const std::string& p : parts) {
        out += (out.empty() ? "" : separator) + p;
    }
    return out;
}

/// The last path component of a model folder ("bert-base-uncased"), a hub id as it is.
std::string shortModel(const std::string& model)
{
    if (model.empty()) {
        return "-";
    }
    const fs::path path(model);
    return path.has_filename() && model.find('/') != std::string::npos
            && fs::path(model).is_absolute()
        ? path.filename().string()
        : model;
}

} // namespace

void writeRunsTable(std::ostream& out, const Project& project, const std::vector<RunRecord>& runs)
{
    if (runs.empty()) {
        out << "No runs.\n";
        return;
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back({ "ID", "KIND", "STATUS", "STARTED", "DURATION", "MODEL", "TAGS", "METRICS" });
    for (const RunRecord& run : runs) {
        std::vector<std::string> metrics;
        for (const MetricLatest& m : project.latestMetrics(run.id)) {
            if (metrics.size() == 3) {
                metrics.push_back("...");
                break;
            }
            metrics.push_back(m.key + "=" + shortNumber(m.value));
        }
        rows.push_back({ std::to_string(run.id), run.kind, projects::runStatusName(run.status),
            localTime(run.startedMs.value_or(run.createdMs)), duration(run),
            shortModel(run.model), run.tags.empty() ? "-" : joined(run.tags, ","),
            joined(metrics, " ") });
    }
    std::vector<size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], std::min<size_t>(width(row[c]), 40));
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (size_t c = 0; c < row.size(); ++c) {
            const bool last = c + 1 == row.size();
            line += last ? row[c] : pad(row[c], widths[c], c == 0) + "  ";
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out << line << '\n';
    }
}

void writeRunDetails(std::ostream& out, const Project& project, const RunRecord& run)
{
    const auto line = [&out](const std::string& label, const std::string& value) {
        if (!value.empty()) {
            out << pad(label, 12) << value << '\n';
        }
    };
    out << "Run " << run.id << " · " << run.kind << " · " << projects::runStatusName(run.status)
        << (run.trashedMs ? " (in the trash)" : "") << '\n';
    line("model", run.model + (run.modelFamily.empty() ? "" : " (" + run.modelFamily + ")"));
    line("device", run.device);
    line("host", run.host);
    line("experiment", run.experiment);
    line("tags", joined(run.tags, ", "));
    line("dataset", run.dataset);
    line("started", localTime(run.startedMs.value_or(run.createdMs)));
    line("duration", duration(run));
    line("error", run.errorMessage);
    const auto section = [&out](const std::string& title, const Json& object) {
        if (object.empty()) {
            return;
        }
        out << '\n' << title << '\n';
        size_t w = 0;
        for (auto it = object.begin(); it != object.end(); ++it) {
            w = std::max(w, width(it.key()));
        }
        for (auto it = object.begin(); it != object.end(); ++it) {
            out << "  " << pad(it.key(), w + 2) << plainValue(it.value()) << '\n';
        }
    };
    section("Parameters", parsedObject(run.parametersJson));
    section("Summary", parsedObject(run.summaryJson));
    const std::vector<MetricLatest> metrics = project.latestMetrics(run.id);
    if (!metrics.empty()) {
        out << "\nMetrics (newest value)\n";
        size_t w = 0;
        for (const MetricLatest& m : metrics) {
            w = std::max(w, width(m.key));
        }
        for (const MetricLatest& m : metrics) {
            out << "  " << pad(m.key, w + 2) << shortNumber(m.value) << "  (step " << m.step
                << ", " << m.points << (m.points == 1 ? " point)" : " points)") << '\n';
        }
    }
    const std::vector<projects::ArtifactRecord> artifacts = project.artifacts(run.id);
    if (!artifacts.empty()) {
        out << "\nArtifacts (in " << project.artifactsDir() << ")\n";
        for (const projects::ArtifactRecord& a : artifacts) {
            std::error_code ec;
            const bool exists = fs::is_regular_file(project.artifactPath(a), ec);
            out << "  " << pad(a.kind, 16) << a.relativePath << "  " << a.sizeBytes << " bytes"
                << (exists ? "" : "  MISSING") << '\n';
        }
    }
    if (!run.notes.empty()) {
        out << "\nNotes\n  " << run.notes << '\n';
    }
}

} // namespace lumen::app::cli
