// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A POSIX ustar writer and reader for project archives (Project::exportArchive): plain
// files and folders only, names up to 255 bytes (prefix + name), files up to 8 GiB. Any
// `tar` reads what this writes; this reads what it writes and refuses anything else (links,
// devices, names that leave the destination folder) with a message.
// Thread safety: plain functions over files.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lumen::projects::detail {

struct TarEntry {
    std::string name; ///< '/' separated, relative
    bool directory = false;
    uint64_t size = 0;
    uint64_t offset = 0; ///< where the content starts in the archive
};

/// Writes `files` (archive name, path on disk) into a new file `archive`; throws
/// std::runtime_error naming what failed. Folders are made implicitly by the names.
void writeTar(const std::string& archive,
              const std::vector<std::pair<std::string, std::string>>& files);
/// The entries of `archive`, checked (checksums, safe relative names, plain types);
/// throws std::runtime_error saying what is wrong.
std::vector<TarEntry> readTar(const std::string& archive);
/// Copies entry `entry`'s content of `archive` into the new file `target`.
void extractTarEntry(const std::string& archive, const TarEntry& entry, const std::string& target);

} // namespace lumen::projects::detail
