// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/projects/run_record.h"
#include "lumen/projects/project_error.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace lumen::projects {

const char* projectErrorKindName(ProjectErrorKind kind)
{
    switch (kind) {
    case ProjectErrorKind::NotFound:
        return "not-found";
    case ProjectErrorKind::AlreadyExists:
        return "already-exists";
    case ProjectErrorKind::NotAProject:
        return "not-a-project";
    case ProjectErrorKind::NewerSchema:
        return "newer-schema";
    case ProjectErrorKind::ReadOnly:
        return "read-only";
    case ProjectErrorKind::Busy:
        return "busy";
    case ProjectErrorKind::DiskFull:
        return "disk-full";
    case ProjectErrorKind::Io:
        return "io";
    case ProjectErrorKind::Damaged:
        return "damaged";
    case ProjectErrorKind::InvalidArgument:
        return "invalid-argument";
    case ProjectErrorKind::Internal:
        return "internal";
    }
    return "internal";
}

const char* runStatusName(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return "running";
    case RunStatus::Completed:
        return "completed";
    case RunStatus::Cancelled:
        return "cancelled";
    case RunStatus::Failed:
        return "failed";
    case RunStatus::Interrupted:
        return "interrupted";
    }
    return "failed";
}

std::optional<RunStatus> runStatusFromName(const std::string& name)
{
    for (RunStatus status : {RunStatus::Running, RunStatus::Completed, RunStatus::Cancelled,
                             RunStatus::Failed, RunStatus::Interrupted}) {
        if (name == runStatusName(status)) {
            return status;
        }
    }
    return std::nullopt;
}

std::optional<int64_t> RunRecord::durationMs() const
{
    if (!startedMs || !finishedMs) {
        return std::nullopt;
    }
    return *finishedMs - *startedMs;
}

int64_t currentUnixMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatIsoUtc(int64_t unixMs)
{
    // Floor division, so times before 1970 get a positive millisecond part.
    int64_t seconds = unixMs / 1000;
    int64_t millis = unixMs % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    const auto time = static_cast<std::time_t>(seconds);
    std::tm utc{};
    if (gmtime_r(&time, &utc) == nullptr) {
        return {};
    }
    char text[48];
    std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return text;
}

} // namespace lumen::projects
