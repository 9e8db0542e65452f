// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen-cli: Lumen without a GUI (see docs/cli.md). Builds with -DLUMEN_BUILD_GUI=OFF.
//
// It links LibTorch and SentencePiece, which both bring protobuf: app/CMakeLists.txt links it
// through lumen_link_engine() so libprotobuf comes first in NEEDED (DESIGN.md, "Known traps");
// tests/app/tst_cli.cpp starts this executable to keep that honest.

#include "cli_commands.h"

#include <malloc.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

/// Keeps freed tensor memory in the process instead of handing it back to the kernel.
///
/// LibTorch's CPU allocator is plain malloc. glibc serves every block above its mmap
/// threshold (128 KiB, raised on the fly up to the largest block freed) with a fresh mmap and
/// unmaps it on free, and trims the heap top above 128 KiB: so a forward pass page-faults
/// most of its activations in again each time, and every tensor kept alive (an attention
/// trace) pushes the next ones onto fresh pages. Measured with `lumen-cli bench` on a
/// BERT-base-sized model at batch 1 x 128 tokens: 277 ms per pass and +19 % for attention
/// capture with glibc's defaults, 193 ms and no measurable capture overhead with these
/// settings (576k page faults down to 237k). The cost: the process keeps up to 1 GiB of
/// freed memory for reuse rather than returning it. Blocks above 32 MiB (glibc's ceiling for
/// this threshold) are still mapped per allocation.
void tuneAllocator()
{
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

} // namespace

int main(int argc, char** argv)
{
    tuneAllocator();
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
