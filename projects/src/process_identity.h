// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Who runs a run: a token naming this process uniquely on this machine since boot, so that
// a later open can tell a run whose process crashed from one another live process (the GUI
// while lumen-cli opens the same project) is still running. SQLite's WAL mode only works
// between processes of one machine, so every writer of a project shares a boot id.
// Thread safety: all functions may be called from any thread.

#include <string>

namespace lumen::projects::detail {

/// "<boot id>/<pid>/<process start time>" for this process.
std::string currentProcessToken();
/// False when the process a token names has certainly ended (another boot, no such pid, or
/// a pid reused by a later process); true when it is alive or it cannot be told.
bool processTokenIsAlive(const std::string& token);
/// The machine's host name ("" if unknown).
std::string hostName();

} // namespace lumen::projects::detail
