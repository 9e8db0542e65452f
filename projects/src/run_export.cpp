// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/projects/run_export.h"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

namespace lumen::projects {

namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

/// A JSON number for a metric value; null for NaN and the infinities (JSON has none).
Json number(double value)
{
    return std::isfinite(value) ? Json(value) : Json(nullptr);
}

Json parsedObject(const std::string& text)
{
    Json j = Json::parse(text, nullptr, false);
    return j.is_object() ? j : Json::object();
}

std::string joined(const std::vector<std::string>& parts, const char* separator)
{
    std::string out;
    for (const std::string& p : parts) {
        out += (out.empty() ? "" : separator) + p;
    }
    return out;
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
        return s;
    }
    std::string quoted = "\"";
    for (const char c : s) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return quoted + '"';
}

/// A parameter's value for a cell: strings without their quotes, the rest as JSON.
std::string plainValue(const Json& value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

/// The shortest decimal text that reads back as exactly `value` ("nan" for NaN).
std::string roundTripNumber(double value)
{
    if (std::isnan(value)) {
        return "nan";
    }
    for (int digits = 6; digits < 17; ++digits) {
        std::ostringstream s;
        s << std::setprecision(digits) << value;
        if (std::stod(s.str()) == value) {
            return s.str();
        }
    }
    std::ostringstream s;
    s << std::setprecision(17) << value;
    return s.str();
}

Json runJson(const Project& project, const RunRecord& run, bool full)
{
    Json j;
    j["id"] = run.id;
    j["kind"] = run.kind;
    j["status"] = runStatusName(run.status);
    j["model"] = run.model;
    j["model_family"] = run.modelFamily;
    j["model_hash"] = run.modelHash;
    j["device"] = run.device;
    j["host"] = run.host;
    j["experiment"] = run.experiment;
    j["tags"] = run.tags;
    j["dataset"] = run.dataset;
    j["created"] = formatIsoUtc(run.createdMs);
    j["started"] = run.startedMs ? Json(formatIsoUtc(*run.startedMs)) : Json(nullptr);
    j["finished"] = run.finishedMs ? Json(formatIsoUtc(*run.finishedMs)) : Json(nullptr);
    j["duration_ms"] = run.durationMs() ? Json(*run.durationMs()) : Json(nullptr);
    j["parameters"] = parsedObject(run.parametersJson);
    j["summary"] = parsedObject(run.summaryJson);
    Json metrics = Json::object();
    for (const MetricLatest& m : project.latestMetrics(run.id)) {
        metrics[m.key] = { { "step", m.step }, { "value", number(m.value) }, { "points", m.points } };
    }
    j["metrics"] = std::move(metrics);
    j["notes"] = run.notes;
    j["error"] = run.errorMessage;
    j["trashed"] = run.trashedMs.has_value();
    if (full) {
        Json artifacts = Json::array();
        for (const ArtifactRecord& a : project.artifacts(run.id)) {
            std::error_code ec;
            artifacts.push_back({ { "id", a.id }, { "kind", a.kind }, { "path", a.relativePath },
                { "size_bytes", a.sizeBytes }, { "sha256", a.sha256 },
                { "exists", fs::is_regular_file(project.artifactPath(a), ec) } });
        }
        j["artifacts"] = std::move(artifacts);
        Json history = Json::object();
        for (const std::string& key : project.metricKeys(run.id)) {
            const MetricSeries series = project.metricSeries(run.id, key);
            Json points = Json::array();
            for (size_t i = 0; i < series.steps.size(); ++i) {
                points.push_back({ series.steps[i], number(series.values[i]) });
            }
            history[key] = std::move(points);
        }
        j["metric_history"] = std::move(history);
    }
    return j;
}

void writeRunsJson(std::ostream& out, const Project& project, const std::vector<RunRecord>& runs,
                   bool full)
{
    Json all = Json::array();
    for (const RunRecord& run : runs) {
        all.push_back(runJson(project, run, full));
    }
    out << all.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

void writeRunsCsv(std::ostream& out, const Project& project, const std::vector<RunRecord>& runs)
{
    std::map<std::string, int> paramKeys;
    std::map<std::string, int> metricKeys;
    std::vector<Json> params;
    std::vector<std::map<std::string, double>> latest;
    for (const RunRecord& run : runs) {
        params.push_back(parsedObject(run.parametersJson));
        for (auto it = params.back().begin(); it != params.back().end(); ++it) {
            paramKeys[it.key()] = 0;
        }
        std::map<std::string, double> values;
        for (const MetricLatest& m : project.latestMetrics(run.id)) {
            metricKeys[m.key] = 0;
            values[m.key] = m.value;
        }
        latest.push_back(std::move(values));
    }
    std::vector<std::string> header { "id", "kind", "status", "model", "experiment", "tags",
        "created", "finished", "duration_ms", "device", "host", "notes", "error" };
    for (const auto& [key, unused] : paramKeys) {
        header.push_back("param:" + key);
    }
    for (const auto& [key, unused] : metricKeys) {
        header.push_back("metric:" + key);
    }
    std::vector<std::string> cells;
    for (const std::string& h : header) {
        cells.push_back(csvField(h));
    }
    out << joined(cells, ",") << "\r\n";
    for (size_t r = 0; r < runs.size(); ++r) {
        const RunRecord& run = runs[r];
        cells = { std::to_string(run.id), run.kind, runStatusName(run.status), run.model,
            run.experiment, joined(run.tags, ";"), formatIsoUtc(run.createdMs),
            run.finishedMs ? formatIsoUtc(*run.finishedMs) : std::string(),
            run.durationMs() ? std::to_string(*run.durationMs()) : std::string(), run.device,
            run.host, run.notes, run.errorMessage };
        for (const auto& [key, unused] : paramKeys) {
            const auto it = params[r].find(key);
            cells.push_back(it == params[r].end() ? std::string() : plainValue(*it));
        }
        for (const auto& [key, unused] : metricKeys) {
            const auto it = latest[r].find(key);
            if (it == latest[r].end()) {
                cells.emplace_back();
            } else {
                cells.push_back(roundTripNumber(it->second));
            }
        }
        for (std::string& cell : cells) {
            cell = csvField(cell);
        }
        out << joined(cells, ",") << "\r\n";
    }
}

} // namespace lumen::projects
