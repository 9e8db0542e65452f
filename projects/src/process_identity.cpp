// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "process_identity.h"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include <sys/types.h>
#include <unistd.h>

namespace lumen::projects::detail {

namespace {

std::string readFirstLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string bootId()
{
    static const std::string id = readFirstLine("/proc/sys/kernel/random/boot_id");
    return id;
}

struct ProcStat {
    std::string state;     ///< field 3: "R", "S", ..., "Z" for a zombie; "" if unknown
    std::string startTime; ///< field 22: start time in clock ticks since boot; "" if unknown
};

// Together with the pid, the start time names one process: a reused pid has a later one.
ProcStat readProcStat(long pid)
{
    ProcStat result;
    const std::string stat = readFirstLine("/proc/" + std::to_string(pid) + "/stat");
    const size_t commEnd = stat.rfind(')'); // the command name may hold spaces and ')'
    if (commEnd == std::string::npos) {
        return result;
    }
    std::istringstream fields(stat.substr(commEnd + 1));
    std::string field;
    for (int index = 3; index <= 22 && fields >> field; ++index) {
        if (index == 3) {
            result.state = field;
        } else if (index == 22) {
            result.startTime = field;
        }
    }
    return result;
}

} // namespace

std::string currentProcessToken()
{
    // Cached per pid: a forked child is another process and needs its own token.
    static std::mutex mutex;
    static long cachedPid = -1;
    static std::string cachedToken;
    const long pid = static_cast<long>(getpid());
    std::lock_guard<std::mutex> lock(mutex);
    if (pid != cachedPid) {
        cachedToken = bootId() + "/" + std::to_string(pid) + "/" + readProcStat(pid).startTime;
        cachedPid = pid;
    }
    return cachedToken;
}

bool processTokenIsAlive(const std::string& token)
{
    if (token == currentProcessToken()) {
        return true;
    }
    const size_t first = token.find('/');
    const size_t second = first == std::string::npos ? first : token.find('/', first + 1);
    if (second == std::string::npos) {
        return true; // not ours to judge (written by something else)
    }
    const std::string boot = token.substr(0, first);
    const std::string pidText = token.substr(first + 1, second - first - 1);
    const std::string start = token.substr(second + 1);
    if (!boot.empty() && !bootId().empty() && boot != bootId()) {
        return false; // the machine rebooted since
    }
    long pid = 0;
    try {
        pid = std::stol(pidText);
    } catch (...) {
        return true;
    }
    if (pid <= 0) {
        return true;
    }
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
        return false;
    }
    const ProcStat now = readProcStat(pid);
    if (now.state == "Z" || now.state == "X") {
        return false; // ended, not yet reaped by its parent
    }
    if (!start.empty() && !now.startTime.empty() && start != now.startTime) {
        return false; // the pid now belongs to another process
    }
    return true;
}

std::string hostName()
{
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) {
        return {};
    }
    return name;
}

} // namespace lumen::projects::detail
