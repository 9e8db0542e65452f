// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tar_archive.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace lumen::projects::detail {

namespace {

namespace fs = std::filesystem;
using File = std::unique_ptr<FILE, int (*)(FILE*)>;

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxSize = 077777777777ULL; // 11 octal digits: 8 GiB - 1

File openFile(const std::string& path, const char* mode)
{
    File file(std::fopen(path.c_str(), mode), &std::fclose);
    if (!file) {
        throw std::runtime_error("cannot open " + path + " (" + std::strerror(errno) + ")");
    }
    return file;
}

void writeOctal(char* field, size_t width, uint64_t value)
{
    // width - 1 digits and a NUL, as POSIX has it.
    std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                  static_cast<unsigned long long>(value));
}

uint64_t readOctal(const char* field, size_t width, const std::string& archive)
{
    uint64_t value = 0;
    size_t i = 0;
    while (i < width && (field[i] == ' ' || field[i] == '\0')) {
        ++i;
    }
    for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
        value = value * 8 + static_cast<uint64_t>(field[i] - '0');
    }
    for (; i < width; ++i) {
        if (field[i] != ' ' && field[i] != '\0') {
            throw std::runtime_error(archive + " is not a tar archive Lumen can read (a header "
                                               "field is not a number)");
        }
    }
    return value;
}

unsigned checksum(const std::array<char, kBlock>& header)
{
    unsigned sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
        // The checksum field itself counts as spaces.
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    }
    return sum;
}

std::array<char, kBlock> header(const std::string& name, bool directory, uint64_t size)
{
    std::array<char, kBlock> h {};
    std::string stored = directory ? name + "/" : name;
    std::string prefix;
    if (stored.size() > 100) {
        // Split at a '/' so that the rest fits the name field and the start the prefix.
        size_t split = std::string::npos;
        for (size_t p = stored.find('/'); p != std::string::npos && p < stored.size();
             p = stored.find('/', p + 1)) {
            if (p <= 155 && stored.size() - p - 1 <= 100) {
                split = p;
                break;
            }
        }
        if (split == std::string::npos) {
            throw std::runtime_error("the name " + name
                                     + " is too long for a tar archive (255 bytes at most)");
        }
        prefix = stored.substr(0, split);
        stored = stored.substr(split + 1);
    }
    std::memcpy(h.data(), stored.data(), stored.size());
    writeOctal(h.data() + 100, 8, directory ? 0755 : 0644);
    writeOctal(h.data() + 108, 8, 0);
    writeOctal(h.data() + 116, 8, 0);
    writeOctal(h.data() + 124, 12, size);
    writeOctal(h.data() + 136, 12, 0);
    h[156] = directory ? '5' : '0';
    std::memcpy(h.data() + 257, "ustar", 6);
    std::memcpy(h.data() + 263, "00", 2);
    std::memcpy(h.data() + 345, prefix.data(), prefix.size());
    std::snprintf(h.data() + 148, 8, "%06o", checksum(h));
    h[155] = ' ';
    return h;
}

bool safeName(const std::string& name)
{
    if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos) {
        return false;
    }
    for (const fs::path& part : fs::path(name)) {
        if (part == ".." || part == "." || part.empty()) {
            return false;
        }
    }
    return true;
}

} // namespace

void writeTar(const std::string& archive,
              const std::vector<std::pair<std::string, std::string>>& files)
{
    File out = openFile(archive, "wbx");
    const auto put = [&](const void* data, size_t n) {
        if (std::fwrite(data, 1, n, out.get()) != n) {
            throw std::runtime_error("cannot write " + archive + " (" + std::strerror(errno)
                                     + ")");
        }
    };
    std::vector<char> chunk(1 << 20);
    for (const auto& [name, path] : files) {
        std::error_code ec;
        const uint64_t size = fs::file_size(path, ec);
        if (ec) {
            throw std::runtime_error("cannot read " + path + " (" + ec.message() + ")");
        }
        if (size > kMaxSize) {
            throw std::runtime_error(path + " is larger than a tar archive holds (8 GiB)");
        }
        const std::array<char, kBlock> h = header(name, false, size);
        put(h.data(), h.size());
        File in = openFile(path, "rb");
        uint64_t copied = 0;
        size_t n = 0;
        while ((n = std::fread(chunk.data(), 1, chunk.size(), in.get())) > 0) {
            put(chunk.data(), n);
            copied += n;
        }
        if (copied != size) {
            throw std::runtime_error(path + " changed size while it was archived");
        }
        const std::array<char, kBlock> zeros {};
        put(zeros.data(), (kBlock - size % kBlock) % kBlock);
    }
    const std::array<char, 2 * kBlock> end {};
    put(end.data(), end.size());
    if (std::fflush(out.get()) != 0) {
        throw std::runtime_error("cannot write " + archive + " (" + std::strerror(errno) + ")");
    }
}

std::vector<TarEntry> readTar(const std::string& archive)
{
    File in = openFile(archive, "rb");
    std::vector<TarEntry> entries;
    uint64_t offset = 0;
    std::array<char, kBlock> h {};
    for (;;) {
        if (std::fread(h.data(), 1, kBlock, in.get()) != kBlock) {
            throw std::runtime_error(archive + " is cut short (it ends inside an entry)");
        }
        offset += kBlock;
        if (std::all_of(h.begin(), h.end(), [](char c) { return c == 0; })) {
            break; // the end-of-archive blocks
        }
        const uint64_t stored = readOctal(h.data() + 148, 8, archive);
        if (stored != checksum(h)) {
            throw std::runtime_error(archive + " is damaged or not a tar archive (a header's "
                                               "checksum does not match)");
        }
        std::string name(h.data(), strnlen(h.data(), 100));
        const std::string prefix(h.data() + 345, strnlen(h.data() + 345, 155));
        if (std::memcmp(h.data() + 257, "ustar", 5) == 0 && !prefix.empty()) {
            name = prefix + "/" + name;
        }
        const char type = h[156];
        TarEntry entry;
        entry.size = readOctal(h.data() + 124, 12, archive);
        entry.offset = offset;
        entry.directory = type == '5';
        if (type != '0' && type != '\0' && type != '5') {
            throw std::runtime_error(archive + " holds " + name
                                     + ", which is not a plain file or folder; a Lumen project "
                                       "archive has only those");
        }
        while (!name.empty() && name.back() == '/') {
            name.pop_back();
        }
        if (!safeName(name)) {
            throw std::runtime_error(archive + " holds the name \"" + name
                                     + "\", which would land outside the folder it is "
                                       "unpacked into");
        }
        entry.name = name;
        const uint64_t padded = (entry.size + kBlock - 1) / kBlock * kBlock;
        if (std::fseek(in.get(), static_cast<long>(padded), SEEK_CUR) != 0) {
            throw std::runtime_error(archive + " is cut short");
        }
        offset += padded;
        entries.push_back(std::move(entry));
    }
    std::fseek(in.get(), 0, SEEK_END);
    if (static_cast<uint64_t>(std::ftell(in.get())) < offset) {
        throw std::runtime_error(archive + " is cut short (its last entry is incomplete)");
    }
    return entries;
}

void extractTarEntry(const std::string& archive, const TarEntry& entry, const std::string& target)
{
    File in = openFile(archive, "rb");
    if (std::fseek(in.get(), static_cast<long>(entry.offset), SEEK_SET) != 0) {
        throw std::runtime_error(archive + " is cut short");
    }
    File out = openFile(target, "wbx");
    std::vector<char> chunk(1 << 20);
    uint64_t left = entry.size;
    while (left > 0) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
        const size_t n = std::fread(chunk.data(), 1, want, in.get());
        if (n != want) {
            throw std::runtime_error(archive + " is cut short (inside " + entry.name + ")");
        }
        if (std::fwrite(chunk.data(), 1, n, out.get()) != n) {
            throw std::runtime_error("cannot write " + target + " (" + std::strerror(errno) + ")");
        }
        left -= n;
    }
    if (std::fflush(out.get()) != 0) {
        throw std::runtime_error("cannot write " + target + " (" + std::strerror(errno) + ")");
    }
}

} // namespace lumen::projects::detail
