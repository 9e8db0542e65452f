// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/safetensors.h"

#include "lumen/engine/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "safetensors data is little-endian; Lumen reads it in place");

namespace lumen::engine {

namespace {

// The reference implementation (Rust `safetensors`) caps the header at 100 MB; 100 MiB here.
constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

struct DTypeInfo {
    DType dtype;
    const char* name;
    size_t size;
    // Rank in the reference's `Dtype` enum; it writes tensors by descending rank so that
    // every tensor stays aligned to its element size.
    int referenceRank;
};

constexpr DTypeInfo kDTypes[] = {
    { DType::F64, "F64", 8, 12 },
    { DType::F32, "F32", 4, 11 },
    { DType::F16, "F16", 2, 7 },
    { DType::BF16, "BF16", 2, 8 },
    { DType::I64, "I64", 8, 13 },
    { DType::I32, "I32", 4, 9 },
    { DType::I16, "I16", 2, 5 },
    { DType::I8, "I8", 1, 2 },
    { DType::U8, "U8", 1, 1 },
    { DType::Bool, "BOOL", 1, 0 },
};

const DTypeInfo& info(DType dtype)
{
    for (const auto& i : kDTypes) {
        if (i.dtype == dtype) {
            return i;
        }
    }
    throw Error(
        ErrorKind::Internal, "unknown DType value " + std::to_string(static_cast<int>(dtype)));
}

bool parseDType(const std::string& name, DType* out)
{
    for (const auto& i : kDTypes) {
        if (name == i.name) {
            *out = i.dtype;
            return true;
        }
    }
    return false;
}

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        s += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return s + "]";
}

std::string offsetsText(uint64_t begin, uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// Byte size of a shape, or false on overflow / negative dims.
bool byteSize(const std::vector<int64_t>& shape, DType dtype, uint64_t* out)
{
    uint64_t n = dtypeSize(dtype);
    for (int64_t d : shape) {
        if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) {
            return false;
        }
    }
    *out = n;
    return true;
}

float halfToFloat(uint16_t h)
{
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13); // inf, or nan keeping its payload
    } else if (exponent != 0) {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign; // signed zero
    } else {
        // Subnormal half: mantissa * 2^-24. Shift it up until the implicit bit appears;
        // every half subnormal is a normal float.
        int32_t e = 127 - 15 + 1;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            --e;
        }
        bits = sign | (static_cast<uint32_t>(e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bfloat16ToFloat(uint16_t b)
{
    // bfloat16 is the top half of a float32: zeros, subnormals, inf and nan carry over.
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

struct Mapping {
    void* address = nullptr;
    size_t size = 0;
};

} // namespace

const char* dtypeName(DType dtype)
{
    return info(dtype).name;
}

size_t dtypeSize(DType dtype)
{
    return info(dtype).size;
}

struct SafetensorsFile::Impl {
    std::string path;
    Mapping mapping;
    MapMode mode = MapMode::ReadOnly;
    const uint8_t* dataArea = nullptr;
    uint64_t dataSize = 0;
    std::vector<TensorEntry> tensors;
    std::unordered_map<std::string, size_t> index;
    std::map<std::string, std::string> metadata;

    ~Impl()
    {
        if (mapping.address != nullptr) {
            munmap(mapping.address, mapping.size);
        }
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorKind::InvalidInput, path + ": " + what);
    }

    void parseHeader(const char* text, size_t size);
    TensorEntry parseEntry(const std::string& name, const nlohmann::ordered_json& value) const;
    void checkOverlaps() const;
};

namespace {

Mapping mapFile(const std::string& path, MapMode mode)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw Error(err == ENOENT ? ErrorKind::InvalidInput : ErrorKind::Io,
            "cannot open " + path + ": " + std::strerror(err));
    }
    struct stat st { };
    if (fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw Error(ErrorKind::Io, "cannot read " + path + ": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(
            ErrorKind::InvalidInput, path + " is not a regular file; expected a .safetensors file");
    }
    Mapping m;
    m.size = static_cast<size_t>(st.st_size);
    if (m.size == 0) {
        ::close(fd);
        return m; // mmap refuses empty files; the caller reports the empty file
    }
    // MAP_PRIVATE either way: with PROT_WRITE, writes copy pages, and never reach the file.
    const int protection = mode == MapMode::CopyOnWrite ? PROT_READ | PROT_WRITE : PROT_READ;
    void* address = mmap(nullptr, m.size, protection, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd); // the mapping keeps the file alive
    if (address == MAP_FAILED) {
        throw Error(err == ENOMEM ? ErrorKind::OutOfMemory : ErrorKind::Io,
            "cannot map " + path + " into memory: " + std::strerror(err));
    }
    m.address = address;
    return m;
}

const char* jsonTypeName(const nlohmann::ordered_json& j)
{
    return j.type_name(); // "object", "array", "string", "number", "boolean", "null"
}

/// A JSON integer >= 0 as uint64, or false.
bool nonNegativeInteger(const nlohmann::ordered_json& j, uint64_t* out)
{
    if (j.is_number_unsigned()) {
        *out = j.get<uint64_t>();
        return true;
    }
    if (j.is_number_integer() && j.get<int64_t>() >= 0) {
        *out = static_cast<uint64_t>(j.get<int64_t>());
        return true;
    }
    return false;
}

} // namespace

TensorEntry SafetensorsFile::Impl::parseEntry(
    const std::string& name, const nlohmann::ordered_json& value) const
{
    const std::string tensor = "tensor '" + name + "'";
    if (!value.is_object()) {
        fail(tensor + " is a JSON " + jsonTypeName(value)
            + ", expected an object with dtype, shape and data_offsets");
    }
    for (const char* field : { "dtype", "shape", "data_offsets" }) {
        if (!value.contains(field)) {
            fail(tensor + " has no '" + field + "'");
        }
    }
    TensorEntry entry;
    entry.name = name;

    const auto& dtype = value["dtype"];
    if (!dtype.is_string()) {
        fail(tensor + " has a 'dtype' that is a JSON " + jsonTypeName(dtype)
            + ", expected a string such as \"F32\"");
    }
    if (!parseDType(dtype.get<std::string>(), &entry.dtype)) {
        fail(tensor + " has dtype '" + dtype.get<std::string>()
            + "', which Lumen does not read (known: F64, F32, F16, BF16, I64, I32, I16, I8, U8, "
              "BOOL)");
    }

    const auto& shape = value["shape"];
    if (!shape.is_array()) {
        fail(tensor + " has a 'shape' that is a JSON " + jsonTypeName(shape)
            + ", expected an array of integers");
    }
    for (const auto& d : shape) {
        if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0) {
            fail(tensor + " has a negative dimension (" + std::to_string(d.get<int64_t>())
                + ") in its shape");
        }
        uint64_t dim = 0;
        if (!nonNegativeInteger(d, &dim)) {
            fail(tensor + " has a 'shape' entry that is not an integer (" + d.dump() + ")");
        }
        if (dim > static_cast<uint64_t>(INT64_MAX)) {
            fail(tensor + " has a dimension too large to address (" + std::to_string(dim) + ")");
        }
        entry.shape.push_back(static_cast<int64_t>(dim));
    }

    const auto& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !nonNegativeInteger(offsets[0], &entry.begin)
        || !nonNegativeInteger(offsets[1], &entry.end)) {
        fail(tensor + " has 'data_offsets' " + offsets.dump()
            + ", expected two non-negative integers [begin, end]");
    }
    if (entry.begin > entry.end) {
        fail(tensor + " has data_offsets " + offsetsText(entry.begin, entry.end)
            + " that end before they begin");
    }
    uint64_t bytes = 0;
    if (!byteSize(entry.shape, entry.dtype, &bytes)) {
        fail(tensor + " has a shape " + shapeText(entry.shape) + " too large to address");
    }
    if (bytes != entry.end - entry.begin) {
        fail(tensor + " has data_offsets " + offsetsText(entry.begin, entry.end) + " ("
            + std::to_string(entry.end - entry.begin) + " bytes) but its shape "
            + shapeText(entry.shape) + " of " + dtypeName(entry.dtype) + " needs "
            + std::to_string(bytes) + " bytes");
    }
    if (entry.end > dataSize) {
        fail(tensor + " has data_offsets " + offsetsText(entry.begin, entry.end)
            + " past the end of the data area (" + std::to_string(dataSize)
            + " bytes); the file is truncated or corrupt");
    }
    return entry;
}

void SafetensorsFile::Impl::parseHeader(const char* text, size_t size)
{
    nlohmann::ordered_json header;
    try {
        header = nlohmann::ordered_json::parse(text, text + size);
    } catch (const nlohmann::json::parse_error& e) {
        fail("the header is not valid JSON (error at byte " + std::to_string(e.byte)
            + " of the header); the file is corrupt or not a safetensors file");
    } catch (const nlohmann::json::exception&) {
        // out_of_range: a number too large for a double, such as 1e400
        fail("the header holds a number out of range; the file is corrupt or not a "
             "safetensors file");
    }
    if (!header.is_object()) {
        fail(std::string("the header is a JSON ") + jsonTypeName(header)
            + ", expected an object mapping tensor names to entries");
    }
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) {
                fail(std::string("__metadata__ is a JSON ") + jsonTypeName(value)
                    + ", expected an object of strings");
            }
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string()) {
                    fail("__metadata__ entry '" + key + "' is a JSON " + jsonTypeName(text)
                        + ", expected a string");
                }
                metadata[key] = text.get<std::string>();
            }
            continue;
        }
        index.emplace(name, tensors.size());
        tensors.push_back(parseEntry(name, value));
    }
    checkOverlaps();
}

void SafetensorsFile::Impl::checkOverlaps() const
{
    std::vector<const TensorEntry*> byBegin;
    byBegin.reserve(tensors.size());
    for (const auto& t : tensors) {
        if (t.end > t.begin) { // an empty tensor occupies no bytes
            byBegin.push_back(&t);
        }
    }
    std::sort(byBegin.begin(), byBegin.end(),
        [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < byBegin.size(); ++i) {
        const TensorEntry& a = *byBegin[i - 1];
        const TensorEntry& b = *byBegin[i];
        if (b.begin < a.end) {
            fail("tensors '" + a.name + "' and '" + b.name + "' overlap (data_offsets "
                + offsetsText(a.begin, a.end) + " and " + offsetsText(b.begin, b.end) + ")");
        }
    }
}

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

SafetensorsFile SafetensorsFile::open(const std::string& path, MapMode mode)
{
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->mode = mode;
    impl->mapping = mapFile(path, mode);
    const size_t fileSize = impl->mapping.size;
    const auto* bytes = static_cast<const uint8_t*>(impl->mapping.address);
    if (fileSize == 0) {
        impl->fail("the file is empty; expected a safetensors file (an 8-byte header length, "
                   "a JSON header, then the tensor data)");
    }
    if (fileSize < 8) {
        impl->fail("the file is truncated: " + std::to_string(fileSize)
            + " bytes, shorter than the 8-byte header length");
    }
    uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) {
        headerSize = (headerSize << 8) | bytes[i];
    }
    if (headerSize > kMaxHeaderBytes) {
        impl->fail("the header length is " + std::to_string(headerSize)
            + " bytes, over the 100 MiB limit; the file is corrupt or not a safetensors "
              "file");
    }
    if (headerSize > fileSize - 8) {
        impl->fail("the header length is " + std::to_string(headerSize) + " bytes but only "
            + std::to_string(fileSize - 8)
            + " bytes follow; the file is truncated or not a safetensors file");
    }
    impl->dataArea = bytes + 8 + headerSize;
    impl->dataSize = fileSize - 8 - headerSize;
    impl->parseHeader(reinterpret_cast<const char*>(bytes + 8), static_cast<size_t>(headerSize));
    return SafetensorsFile(std::move(impl));
}

const std::string& SafetensorsFile::path() const
{
    return impl_->path;
}

const std::vector<TensorEntry>& SafetensorsFile::tensors() const
{
    return impl_->tensors;
}

const TensorEntry* SafetensorsFile::find(const std::string& name) const
{
    const auto it = impl_->index.find(name);
    return it == impl_->index.end() ? nullptr : &impl_->tensors[it->second];
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const
{
    return impl_->metadata;
}

const uint8_t* SafetensorsFile::data(const TensorEntry& entry) const
{
    return impl_->dataArea + entry.begin;
}

uint8_t* SafetensorsFile::mutableData(const TensorEntry& entry) const
{
    if (impl_->mode != MapMode::CopyOnWrite) {
        throw Error(ErrorKind::Internal,
            impl_->path + " is mapped read-only; open it with MapMode::CopyOnWrite to write");
    }
    // The mapping is PROT_WRITE: the constness was only the read-only view's.
    return const_cast<uint8_t*>(data(entry));
}

FloatTensor SafetensorsFile::readFloat(const std::string& name) const
{
    const TensorEntry* entry = find(name);
    if (entry == nullptr) {
        throw Error(ErrorKind::InvalidInput, impl_->path + " has no tensor '" + name + "'");
    }
    FloatTensor out;
    out.shape = entry->shape;
    const size_t n = static_cast<size_t>(out.numel());
    out.data.resize(n);
    const uint8_t* src = data(*entry);
    switch (entry->dtype) {
    case DType::F32:
        if (n > 0) {
            std::memcpy(out.data.data(), src, n * sizeof(float));
        }
        break;
    case DType::F64:
        for (size_t i = 0; i < n; ++i) {
            double d;
            std::memcpy(&d, src + i * sizeof d, sizeof d);
            out.data[i] = static_cast<float>(d);
        }
        break;
    case DType::F16:
    case DType::BF16: {
        const bool half = entry->dtype == DType::F16;
        for (size_t i = 0; i < n; ++i) {
            uint16_t v;
            std::memcpy(&v, src + i * sizeof v, sizeof v);
            out.data[i] = half ? halfToFloat(v) : bfloat16ToFloat(v);
        }
        break;
    }
    default:
        throw Error(ErrorKind::InvalidInput,
            impl_->path + ": tensor '" + name + "' is " + dtypeName(entry->dtype)
                + ", not a floating-point tensor");
    }
    return out;
}

TensorToWrite TensorToWrite::fromFloat(const std::string& name, const FloatTensor& t)
{
    TensorToWrite w;
    w.name = name;
    w.dtype = DType::F32;
    w.shape = t.shape;
    w.bytes.resize(t.data.size() * sizeof(float));
    if (!t.data.empty()) {
        std::memcpy(w.bytes.data(), t.data.data(), w.bytes.size());
    }
    return w;
}

TensorToWrite TensorToWrite::fromInt64(const std::string& name, const IntTensor& t)
{
    TensorToWrite w;
    w.name = name;
    w.dtype = DType::I64;
    w.shape = t.shape;
    w.bytes.resize(t.data.size() * sizeof(int64_t));
    if (!t.data.empty()) {
        std::memcpy(w.bytes.data(), t.data.data(), w.bytes.size());
    }
    return w;
}

namespace {

/// A file under a temporary name, removed unless `commit` renamed it over the target.
class TempFile {
public:
    explicit TempFile(const std::string& target)
        : target_(target)
    {
        static std::atomic<unsigned> counter { 0 };
        for (int attempt = 0; attempt < 100; ++attempt) {
            const auto ticks = static_cast<unsigned long long>(
                std::chrono::steady_clock::now().time_since_epoch().count());
            char suffix[32];
            std::snprintf(suffix, sizeof suffix, ".tmp-%x%04x",
                static_cast<unsigned>(getpid()) ^ static_cast<unsigned>(ticks),
                counter.fetch_add(1) & 0xffffu);
            path_ = target + suffix;
            // O_EXCL: never clobber someone else's file; 0666 lets the umask decide.
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ >= 0 || errno != EEXIST) {
                break;
            }
        }
        if (fd_ < 0) {
            fail(errno);
        }
    }

    ~TempFile()
    {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        if (!committed_) {
            ::unlink(path_.c_str());
        }
    }

    void write(const void* data, size_t size)
    {
        const auto* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, std::min<size_t>(size, size_t { 1 } << 30));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail(errno);
            }
            p += n;
            size -= static_cast<size_t>(n);
        }
    }

    void commit()
    {
        if (::fsync(fd_) != 0) {
            fail(errno);
        }
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) {
            fail(errno);
        }
        if (::rename(path_.c_str(), target_.c_str()) != 0) {
            fail(errno);
        }
        committed_ = true;
        // Make the rename itself durable; a failure here loses nothing already written.
        const auto slash = target_.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : target_.substr(0, slash + 1);
        const int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirFd >= 0) {
            ::fsync(dirFd);
            ::close(dirFd);
        }
    }

private:
    [[noreturn]] void fail(int err) const
    {
        throw Error(err == ENOMEM ? ErrorKind::OutOfMemory : ErrorKind::Io,
            "cannot write " + target_ + ": " + std::strerror(err));
    }

    std::string target_;
    std::string path_;
    int fd_ = -1;
    bool committed_ = false;
};

} // namespace

void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
    const std::map<std::string, std::string>& metadata)
{
    // The reference orders tensors by descending dtype rank, then by name, which keeps every
    // tensor aligned to its element size; the header lists them in that order.
    std::vector<const TensorToWrite*> order;
    order.reserve(tensors.size());
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__") {
            throw Error(ErrorKind::InvalidInput,
                "cannot write " + path + ": a tensor is named '" + t.name
                    + "', which safetensors does not allow");
        }
        uint64_t bytes = 0;
        if (!byteSize(t.shape, t.dtype, &bytes) || bytes != t.bytes.size()) {
            throw Error(ErrorKind::Internal,
                "cannot write " + path + ": tensor '" + t.name + "' has shape " + shapeText(t.shape)
                    + " of " + dtypeName(t.dtype) + " but " + std::to_string(t.bytes.size())
                    + " bytes of data");
        }
        order.push_back(&t);
    }
    std::sort(order.begin(), order.end(), [](const TensorToWrite* a, const TensorToWrite* b) {
        const int ra = info(a->dtype).referenceRank;
        const int rb = info(b->dtype).referenceRank;
        return ra != rb ? ra > rb : a->name < b->name;
    });
    for (size_t i = 1; i < order.size(); ++i) {
        if (order[i]->name == order[i - 1]->name) {
            throw Error(ErrorKind::InvalidInput,
                "cannot write " + path + ": tensor name '" + order[i]->name + "' appears twice");
        }
    }

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        header["__metadata__"] = metadata;
    }
    uint64_t offset = 0;
    for (const TensorToWrite* t : order) {
        nlohmann::ordered_json entry;
        entry["dtype"] = dtypeName(t->dtype);
        entry["shape"] = t->shape;
        entry["data_offsets"] = { offset, offset + t->bytes.size() };
        header[t->name] = std::move(entry);
        offset += t->bytes.size();
    }
    std::string headerText;
    try {
        headerText = header.dump();
    } catch (const nlohmann::json::type_error&) {
        throw Error(ErrorKind::InvalidInput,
            "cannot write " + path
                + ": a tensor name or metadata entry is not "
                  "valid UTF-8");
    }
    headerText.append((8 - headerText.size() % 8) % 8, ' ');
    uint8_t sizeBytes[8];
    uint64_t headerSize = headerText.size();
    for (uint8_t& b : sizeBytes) {
        b = static_cast<uint8_t>(headerSize & 0xff);
        headerSize >>= 8;
    }

    TempFile file(path);
    file.write(sizeBytes, sizeof sizeBytes);
    file.write(headerText.data(), headerText.size());
    for (const TensorToWrite* t : order) {
        file.write(t->bytes.data(), t->bytes.size());
    }
    file.commit();
}

} // namespace lumen::engine
