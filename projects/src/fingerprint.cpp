// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/projects/fingerprint.h"

#include "sha256.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

namespace lumen::projects {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kWholeFileLimit = 4ULL << 20;
constexpr uint64_t kEdge = 1ULL << 20;
constexpr uint64_t kChunk = 64ULL << 10;
constexpr int kChunks = 32;

bool hashRange(FILE* file, uint64_t offset, uint64_t length, detail::Sha256& hash,
               std::vector<char>& buffer)
{
    if (std::fseek(file, static_cast<long>(offset), SEEK_SET) != 0) {
        return false;
    }
    while (length > 0) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(length, buffer.size()));
        const size_t n = std::fread(buffer.data(), 1, want, file);
        if (n != want) {
            return false;
        }
        hash.update(std::string_view(buffer.data(), n));
        length -= n;
    }
    return true;
}

} // namespace

std::string modelFingerprint(const std::string& modelDir)
{
    std::error_code ec;
    if (!fs::is_directory(modelDir, ec)) {
        return {};
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(modelDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.empty() && name.front() != '.' && entry.is_regular_file(ec)) {
            files.push_back(entry.path());
        }
    }
    if (ec) {
        return {};
    }
    std::sort(files.begin(), files.end());
    detail::Sha256 hash;
    std::vector<char> buffer(1 << 20);
    for (const fs::path& path : files) {
        const uint64_t size = fs::file_size(path, ec);
        if (ec) {
            return {};
        }
        const std::string header = path.filename().string() + '\0' + std::to_string(size) + '\0';
        hash.update(header);
        const std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
        if (!file) {
            return {};
        }
        bool ok = true;
        if (size <= kWholeFileLimit) {
            ok = hashRange(file.get(), 0, size, hash, buffer);
        } else {
            ok = hashRange(file.get(), 0, kEdge, hash, buffer)
                 && hashRange(file.get(), size - kEdge, kEdge, hash, buffer);
            const uint64_t span = size - 2 * kEdge - kChunk;
            for (int c = 0; ok && c < kChunks; ++c) {
                ok = hashRange(file.get(), kEdge + span * static_cast<uint64_t>(c) / (kChunks - 1),
                               kChunk, hash, buffer);
            }
        }
        if (!ok) {
            return {};
        }
    }
    return "sha256-sampled:" + hash.hexDigest();
}

} // namespace lumen::projects
