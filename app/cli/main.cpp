// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen-cli: Lumen without a GUI (see docs/cli.md). Builds with -DLUMEN_BUILD_GUI=OFF.
//
// LibTorch and SentencePiece both bring protobuf (DESIGN.md, "Known traps"): the engine loads
// SentencePiece with dlopen in isolation and lumen_link_engine() keeps libprotobuf first
// (see cmake/LumenHelpers.cmake);
// tests/app/tst_cli.cpp starts this executable to keep that honest.

#include "cli_commands.h"

#include "lumen/engine/system_info.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>


int main(int argc, char** argv)
{
    lumen::engine::configureProcess();
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        return lumen::app::cli::runCli(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        // runCli catches what its commands throw; this is for what escapes it (out of memory
        // while printing, say).
        std::cerr << "lumen-cli: error: " << e.what() << '\n';
        return lumen::app::cli::kExitFailure;
    }
}
