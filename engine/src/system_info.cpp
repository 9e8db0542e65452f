// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/system_info.h"

#include <torch/version.h>

#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#ifndef LUMEN_VERSION
#define LUMEN_VERSION "0.0.0"
#endif

// Threads, and why Lumen does not call openblas_set_num_threads(1).
//
// Debian's LibTorch runs element-wise and reduction kernels on its OpenMP intra-op pool
// (at::get_num_threads(), by default the number of *physical* cores) and hands every matrix
// product to the libblas.so.3 it links; with libopenblas0-pthread that is OpenBLAS with its
// own pthread pool (by default one thread per *logical* CPU). The classic oversubscription is
// BLAS called from inside an OpenMP parallel region, each OpenMP thread then fanning out to N
// BLAS threads. LibTorch 1.13 does not do that for what Lumen runs: a Linear layer is one
// addmm, and the CPU bmm behind attention calls gemm slice by slice from the calling thread
// (its own parallel loop is only for tiny products it computes itself), so the two pools take
// turns. Capping OpenBLAS at one thread would make every matrix product single-threaded, and
// the measurement agrees: `lumen-cli bench` on a BERT-base-sized model (2 vCPUs, batch 1 x 128
// tokens) took 345 ms per pass with OPENBLAS_NUM_THREADS=1 and 193 ms with the defaults (at
// batch 8, before lumen-cli tuned malloc: 3937 ms against 2672-2806 ms).
// So Lumen leaves both pools at their defaults and only reports them. A user who runs several
// Lumen processes side by side can still cap them with OMP_NUM_THREADS and
// OPENBLAS_NUM_THREADS; OMP_WAIT_POLICY=passive stops idle OpenMP threads spinning while
// OpenBLAS works (libgomp reads it at start-up, so it cannot be set from inside the program).

namespace lumen::engine {
namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string baseName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string resolvedPath(const std::string& path)
{
    char buffer[PATH_MAX];
    if (::realpath(path.c_str(), buffer) != nullptr) {
        return buffer;
    }
    return path;
}

/// Every shared object loaded into the process whose file name mentions a BLAS.
std::vector<std::string> loadedBlasLibraries()
{
    std::vector<std::string> found;
    dl_iterate_phdr(
        [](struct dl_phdr_info* info, size_t, void* data) -> int {
            if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') {
                return 0;
            }
            const std::string name = info->dlpi_name;
            const std::string base = lower(baseName(name));
            if (base.find("blas") != std::string::npos || base.find("mkl_rt") != std::string::npos
                || base.find("libmkl") != std::string::npos
                || base.find("libblis") != std::string::npos) {
                static_cast<std::vector<std::string>*>(data)->push_back(name);
            }
            return 0;
        },
        &found);
    return found;
}

/// Classifies a resolved library path. Debian installs every BLAS as `libblas.so.3` behind
/// the alternatives system, so the directory it lives in is what tells them apart:
/// /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 (OpenBLAS),
/// /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 (the Netlib reference), .../blis-*/, .../atlas/.
std::string classifyBlas(const std::string& resolved)
{
    const std::string p = lower(resolved);
    if (p.find("openblas") != std::string::npos) {
        return "openblas";
    }
    if (p.find("mkl") != std::string::npos) {
        return "mkl";
    }
    if (p.find("blis") != std::string::npos) {
        return "blis";
    }
    if (p.find("atlas") != std::string::npos) {
        return "atlas";
    }
    if (p.find("/blas/libblas.so") != std::string::npos
        || p.find("/libblas.so") != std::string::npos) {
        // A plain libblas.so.* outside any vendor directory is Netlib's reference build.
        return "reference";
    }
    return "unknown";
}

} // namespace

SystemInfo systemInfo()
{
    SystemInfo info;
    info.lumenVersion = LUMEN_VERSION;
    info.torchVersion = TORCH_VERSION;

    // Prefer the libblas.so.3 that LibTorch links (what its matrix products call); fall back
    // to any other BLAS-looking library (a LibTorch built against MKL or OpenBLAS directly).
    const std::vector<std::string> libraries = loadedBlasLibraries();
    std::string chosen;
    for (const std::string& lib : libraries) {
        if (baseName(lib).rfind("libblas.so", 0) == 0) {
            chosen = lib;
            break;
        }
    }
    if (chosen.empty() && !libraries.empty()) {
        chosen = libraries.front();
    }
    if (chosen.empty()) {
        info.blasLibrary = "(none loaded)";
        info.blasKind = "unknown";
    } else {
        info.blasLibrary = resolvedPath(chosen);
        info.blasKind = classifyBlas(info.blasLibrary);
    }
    info.blasIsReference = info.blasKind == "reference";

    info.intraOpThreads = at::get_num_threads();
    info.interOpThreads = at::get_num_interop_threads();
    info.hardwareThreads = static_cast<int>(std::thread::hardware_concurrency());

    info.devices.push_back("cpu");
    info.cudaAvailable = torch::cuda::is_available();
    if (info.cudaAvailable) {
        const size_t count = torch::cuda::device_count();
        for (size_t i = 0; i < count; ++i) {
            info.devices.push_back("cuda:" + std::to_string(i));
        }
    }
    return info;
}

std::string blasWarning(const SystemInfo& info)
{
    if (!info.blasIsReference) {
        return {};
    }
    return "The reference BLAS (" + info.blasLibrary
        + ") is in use: models run 20-50x slower. Install libopenblas0-pthread "
          "(sudo apt install libopenblas0-pthread).";
}

void configureProcess()
{
    // LibTorch's CPU allocator is plain malloc. glibc serves blocks above its mmap threshold
    // (128 KiB, raised on the fly) with a fresh mmap and unmaps them on free, and trims the
    // heap top above 128 KiB, so each pass faults its activations in again and a kept trace
    // pushes the next pass onto fresh pages. 32 MiB is glibc's ceiling for the threshold.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

} // namespace lumen::engine
