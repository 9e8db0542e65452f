// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors).
//
//   auto file = SafetensorsFile::open("model.safetensors"); // maps and validates
//   for (const auto& t : file.tensors()) { ... t.name, t.dtype, t.shape ... }
//   FloatTensor w = file.readFloat("bert.embeddings.word_embeddings.weight");
//
// `open` validates everything before trusting it: the header length is inside the file
// and under 100 MiB, the header is well-formed JSON, every dtype is known, every shape's
// byte size equals its offsets, offsets lie inside the data area and do not overlap.
// Failures throw lumen::Error naming the file and the problem.
// Thread safety: a SafetensorsFile may be read from several threads at once.

#include "lumen/engine/tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lumen::engine {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char* dtypeName(DType dtype);     ///< safetensors spelling: "F32", "BF16", ...
size_t dtypeSize(DType dtype);          ///< bytes per element

struct TensorEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0; ///< offsets relative to the start of the data area
    uint64_t end = 0;
};

/// How SafetensorsFile::open maps the file.
enum class MapMode {
    ReadOnly, ///< the bytes can only be read
    /// Private and writable: a write copies the page it touches into the process's own
    /// memory and never reaches the file (MAP_PRIVATE). Lets a loaded model use the mapped
    /// bytes as its parameters without a copy and still change them later.
    CopyOnWrite,
};

class SafetensorsFile {
public:
    static SafetensorsFile open(const std::string& path, MapMode mode = MapMode::ReadOnly);
    SafetensorsFile(SafetensorsFile&&) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
    ~SafetensorsFile();

    const std::string& path() const;
    const std::vector<TensorEntry>& tensors() const; ///< in file order
    const TensorEntry* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const;
    /// raw little-endian bytes of a tensor, pointing into the mapping
    const uint8_t* data(const TensorEntry& entry) const;
    /// The same bytes, writable; only for a file opened with MapMode::CopyOnWrite (throws
    /// lumen::Error(Internal) otherwise).
    uint8_t* mutableData(const TensorEntry& entry) const;
    /// any floating dtype (F64/F32/F16/BF16) converted to F32
    FloatTensor readFloat(const std::string& name) const;

private:
    struct Impl;
    explicit SafetensorsFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// One tensor to write: raw little-endian bytes of `dtype` with `shape`.
struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;

    static TensorToWrite fromFloat(const std::string& name, const FloatTensor& t);
    static TensorToWrite fromInt64(const std::string& name, const IntTensor& t);
};

/// Writes atomically (a temporary file renamed over `path`), so a full disk or a crash never
/// leaves a half-written file under the final name. Tensors are laid out as the reference
/// implementation does: by dtype, widest first, then by name, so every tensor is aligned to
/// its element size (for an all-F32 file that is simply by name).
void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace lumen::engine
