// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// SHA-256 (FIPS 180-4) for artifact checksums: incremental, so a large file is hashed in
// chunks as it is read.
//
//   Sha256 hash;
//   hash.update(bytes);
//   std::string hex = hash.hexDigest(); // 64 lower-case hex digits
//
// Thread safety: a plain value; one object per thread.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lumen::projects::detail {

class Sha256 {
public:
    Sha256();
    void update(std::string_view bytes);
    /// The digest of everything given so far; the object is spent afterwards.
    std::string hexDigest();

private:
    void compress(const unsigned char* block);

    std::array<uint32_t, 8> state_{};
    std::array<unsigned char, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t length_ = 0; ///< bytes
};

/// The SHA-256 of `bytes` as 64 hex digits.
std::string sha256Hex(std::string_view bytes);
/// The SHA-256 of a file's content, read in chunks; empty when it cannot be read.
std::string sha256OfFile(const std::string& path);

} // namespace lumen::projects::detail
