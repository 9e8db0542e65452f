// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "file_header.h"

#include "lumen/projects/project_error.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace lumen::projects::detail {

namespace {

constexpr size_t kHeaderBytes = 100;
constexpr char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                             'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};

int32_t bigEndian32(const unsigned char* bytes)
{
    const uint32_t value = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16)
                           | (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
    return static_cast<int32_t>(value);
}

} // namespace

FileHeader readFileHeader(const std::string& path, const std::string& displayPath)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        throw ProjectError(ProjectErrorKind::Io,
                           displayPath + ": could not read the file (" + std::strerror(error)
                               + "). Check that it is readable; it was not changed.");
    }
    unsigned char bytes[kHeaderBytes] = {};
    size_t got = 0;
    while (got < kHeaderBytes) {
        const ssize_t n = ::read(fd, bytes + got, kHeaderBytes - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw ProjectError(ProjectErrorKind::Io,
                               displayPath + ": could not read the file (" + std::strerror(error)
                                   + "). Check the disk; the file was not changed.");
        }
        if (n == 0) {
            break;
        }
        got += static_cast<size_t>(n);
    }
    ::close(fd);

    FileHeader header;
    if (got == 0) {
        header.kind = FileHeader::Kind::Empty;
        return header;
    }
    if (got < kHeaderBytes || std::memcmp(bytes, kMagic, sizeof(kMagic)) != 0) {
        header.kind = FileHeader::Kind::NotSqlite;
        return header;
    }
    header.kind = FileHeader::Kind::Sqlite;
    header.userVersion = bigEndian32(bytes + 60);
    header.applicationId = bigEndian32(bytes + 68);
    return header;
}

} // namespace lumen::projects::detail
