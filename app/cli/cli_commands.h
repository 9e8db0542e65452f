// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// lumen-cli's commands: a table of specs, usage texts and handlers, and the one entry point
// main() calls. No Qt here: lumen-cli builds with -DLUMEN_BUILD_GUI=OFF.
//
//   int status = runCli({"tokenize", "model/", "--text", "Hello"}, std::cout, std::cerr);
//
// How to add a command: write `Prepared prepareFoo(const ParsedArgs&)` in cli_commands.cpp
// (check the arguments and throw UsageError there, before anything is loaded or recorded),
// return the model it works on and an action that does the work and returns a summary JSON,
// then add a row to `commands()` with its spec, usage line and help text, and document it in
// docs/cli.md.
//
// Thread safety: single-threaded; called once from main().

#include <iosfwd>
#include <string>
#include <vector>

namespace lumen::app::cli {

/// Exit statuses: 0 success, 1 the command failed (bad model, bad input, I/O), 2 bad usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// Runs one lumen-cli invocation (the arguments after the program name). Prints results to
/// `out`, errors to `err` ("lumen-cli: error: ..."), and returns the exit status.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The general usage text (`lumen-cli --help`).
std::string generalUsage();

} // namespace lumen::app::cli
