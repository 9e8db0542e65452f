// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "io/torch_pickle.h"

#include "lumen/engine/error.h"

#include <caffe2/serialize/inline_container.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include <sys/stat.h>

// A small pickle virtual machine for what `torch.save(state_dict)` writes (protocol 2, plus
// the few protocol 4 opcodes a caller passing pickle_protocol=4 gets). Only the globals in
// kAllowedGlobals can be named; everything else is refused before it is ever called, so a
// checkpoint cannot run code the way Python's unpickler would let it.

namespace lumen::engine {

namespace {

struct Value;
using Items = std::vector<Value>;

struct Dict {
    std::vector<std::pair<Value, Value>> items;
    std::unordered_map<std::string, size_t> stringKeys; // position of each string key
    void set(Value key, Value value);
};

struct Value {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        String,
        Bytes,
        Tuple,
        List,
        Dict,
        Global,
        Storage,
        Tensor
    };
    Kind kind = Kind::None;
    int64_t i = 0;
    double f = 0;
    std::string s; ///< String, Bytes, or "module.name" of a Global
    std::shared_ptr<Items> items;
    std::shared_ptr<Dict> dict;
    torch::Tensor tensor; ///< a Storage (1-D, its dtype) or a Tensor

    static Value ofInt(int64_t v)
    {
        Value x;
        x.kind = Kind::Int;
        x.i = v;
        return x;
    }
    static Value ofString(std::string v, Kind kind = Kind::String)
    {
        Value x;
        x.kind = kind;
        x.s = std::move(v);
        return x;
    }
    static Value ofItems(Items v, Kind kind)
    {
        Value x;
        x.kind = kind;
        x.items = std::make_shared<Items>(std::move(v));
        return x;
    }
    static Value ofDict()
    {
        Value x;
        x.kind = Kind::Dict;
        x.dict = std::make_shared<Dict>();
        return x;
    }
};

void Dict::set(Value key, Value value)
{
    if (key.kind == Value::Kind::String) {
        const auto it = stringKeys.find(key.s);
        if (it != stringKeys.end()) {
            items[it->second].second = std::move(value);
            return;
        }
        stringKeys.emplace(key.s, items.size());
    }
    items.emplace_back(std::move(key), std::move(value));
}

const char* kindName(Value::Kind kind)
{
    switch (kind) {
    case Value::Kind::None:
        return "None";
    case Value::Kind::Bool:
        return "a bool";
    case Value::Kind::Int:
        return "an int";
    case Value::Kind::Float:
        return "a float";
    case Value::Kind::String:
        return "a string";
    case Value::Kind::Bytes:
        return "bytes";
    case Value::Kind::Tuple:
        return "a tuple";
    case Value::Kind::List:
        return "a list";
    case Value::Kind::Dict:
        return "a dict";
    case Value::Kind::Global:
        return "a class or function";
    case Value::Kind::Storage:
        return "a storage";
    case Value::Kind::Tensor:
        return "a tensor";
    }
    return "?";
}

struct StorageClass {
    const char* name;
    torch::ScalarType dtype;
};

constexpr StorageClass kStorageClasses[] = {
    { "torch.DoubleStorage", torch::kFloat64 },
    { "torch.FloatStorage", torch::kFloat32 },
    { "torch.HalfStorage", torch::kFloat16 },
    { "torch.BFloat16Storage", torch::kBFloat16 },
    { "torch.LongStorage", torch::kInt64 },
    { "torch.IntStorage", torch::kInt32 },
    { "torch.ShortStorage", torch::kInt16 },
    { "torch.CharStorage", torch::kInt8 },
    { "torch.ByteStorage", torch::kUInt8 },
    { "torch.BoolStorage", torch::kBool },
};

const char* const kRebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
const char* const kRebuildParameter = "torch._utils._rebuild_parameter";
const char* const kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
const char* const kOrderedDict = "collections.OrderedDict";

bool isAllowedGlobal(const std::string& name)
{
    if (name == kRebuildTensorV2 || name == kRebuildParameter || name == kRebuildParameterWithState
        || name == kOrderedDict) {
        return true;
    }
    for (const auto& s : kStorageClasses) {
        if (name == s.name) {
            return true;
        }
    }
    return false;
}

const StorageClass* findStorageClass(const std::string& name)
{
    for (const auto& s : kStorageClasses) {
        if (name == s.name) {
            return &s;
        }
    }
    return nullptr;
}

std::string fileName(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Unpickler {
public:
    Unpickler(const std::string& path, caffe2::serialize::PyTorchStreamReader& reader,
        const uint8_t* data, size_t size)
        : path_(path)
        , reader_(reader)
        , data_(data)
        , size_(size)
    {
    }

    Value run();

private:
    [[noreturn]] void malformed(const std::string& what) const
    {
        throw Error(ErrorKind::InvalidInput,
            path_ + " is corrupt: its data.pkl " + what + " (at byte " + std::to_string(opcodePos_)
                + "). Re-save the checkpoint or convert it to safetensors.");
    }

    const uint8_t* take(size_t n)
    {
        if (n > size_ - pos_) {
            malformed("ends in the middle of an instruction");
        }
        const uint8_t* p = data_ + pos_;
        pos_ += n;
        return p;
    }
    uint64_t readLE(size_t n)
    {
        const uint8_t* p = take(n);
        uint64_t v = 0;
        for (size_t i = n; i-- > 0;) {
            v = (v << 8) | p[i];
        }
        return v;
    }
    std::string readBytes(uint64_t n)
    {
        if (n > size_ - pos_) {
            malformed("ends in the middle of a string");
        }
        const auto* p = reinterpret_cast<const char*>(take(static_cast<size_t>(n)));
        return std::string(p, static_cast<size_t>(n));
    }
    std::string readLine()
    {
        const size_t start = pos_;
        while (pos_ < size_ && data_[pos_] != '\n') {
            ++pos_;
        }
        if (pos_ == size_) {
            malformed("ends in the middle of a global name");
        }
        std::string line(reinterpret_cast<const char*>(data_ + start), pos_ - start);
        ++pos_;
        return line;
    }

    Value pop()
    {
        if (stack_.size() <= stackFloor()) {
            malformed("pops from an empty stack");
        }
        Value v = std::move(stack_.back());
        stack_.pop_back();
        return v;
    }
    Value& top()
    {
        if (stack_.size() <= stackFloor()) {
            malformed("reads from an empty stack");
        }
        return stack_.back();
    }
    size_t stackFloor() const { return marks_.empty() ? 0 : marks_.back(); }
    /// Everything above the last MARK, which is removed.
    Items popToMark()
    {
        if (marks_.empty()) {
            malformed("has no MARK to pop to");
        }
        const size_t mark = marks_.back();
        marks_.pop_back();
        Items items(std::make_move_iterator(stack_.begin() + static_cast<ptrdiff_t>(mark)),
            std::make_move_iterator(stack_.end()));
        stack_.resize(mark);
        return items;
    }

    void pushGlobal(const std::string& module, const std::string& name);
    Value call(const Value& callable, const Value& args);
    Value persistentLoad(const Value& pid);
    Value rebuildTensor(const Items& args);
    int64_t intArg(const Value& v, const char* what) const;
    std::vector<int64_t> intTuple(const Value& v, const char* what) const;
    void setItems(Value& target, Items&& items);
    void appendItems(Value& target, Items&& items);

    std::string path_;
    caffe2::serialize::PyTorchStreamReader& reader_;
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    size_t opcodePos_ = 0;
    std::vector<Value> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<uint64_t, Value> memo_;
    std::unordered_map<std::string, Value> storages_; // by key: tied tensors share one
};

Value Unpickler::run()
{
    while (true) {
        opcodePos_ = pos_;
        const uint8_t op = *take(1);
        switch (op) {
        case 0x80: // PROTO
            if (*take(1) > 5) {
                malformed("uses an unknown pickle protocol");
            }
            break;
        case 0x95: // FRAME: a length prefix only
            take(8);
            break;
        case '.': { // STOP
            Value result = pop();
            return result;
        }
        case '(': // MARK
            marks_.push_back(stack_.size());
            break;
        case '0': // POP
            pop();
            break;
        case '1': // POP_MARK
            popToMark();
            break;
        case '2': // DUP
            stack_.push_back(top());
            break;
        case 'N': // NONE
            stack_.emplace_back();
            break;
        case 0x88: // NEWTRUE
        case 0x89: { // NEWFALSE
            Value v;
            v.kind = Value::Kind::Bool;
            v.i = op == 0x88 ? 1 : 0;
            stack_.push_back(std::move(v));
            break;
        }
        case 'J': // BININT
            stack_.push_back(Value::ofInt(static_cast<int32_t>(readLE(4))));
            break;
        case 'K': // BININT1
            stack_.push_back(Value::ofInt(static_cast<int64_t>(readLE(1))));
            break;
        case 'M': // BININT2
            stack_.push_back(Value::ofInt(static_cast<int64_t>(readLE(2))));
            break;
        case 0x8a: { // LONG1: n bytes, little-endian two's complement
            const size_t n = static_cast<size_t>(readLE(1));
            if (n > 8) {
                malformed("holds an integer wider than 64 bits");
            }
            uint64_t v = n == 0 ? 0 : readLE(n);
            if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1u) {
                v |= ~uint64_t { 0 } << (8 * n); // sign-extend
            }
            stack_.push_back(Value::ofInt(static_cast<int64_t>(v)));
            break;
        }
        case 'G': { // BINFLOAT: big-endian double
            const uint8_t* p = take(8);
            uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) {
                bits = (bits << 8) | p[i];
            }
            Value v;
            v.kind = Value::Kind::Float;
            std::memcpy(&v.f, &bits, sizeof v.f);
            stack_.push_back(std::move(v));
            break;
        }
        case 'X': // BINUNICODE
            stack_.push_back(Value::ofString(readBytes(readLE(4))));
            break;
        case 0x8c: // SHORT_BINUNICODE
            stack_.push_back(Value::ofString(readBytes(readLE(1))));
            break;
        case 0x8d: // BINUNICODE8
            stack_.push_back(Value::ofString(readBytes(readLE(8))));
            break;
        case 'T': // BINSTRING (protocol 2's str)
            stack_.push_back(Value::ofString(readBytes(readLE(4))));
            break;
        case 'U': // SHORT_BINSTRING
            stack_.push_back(Value::ofString(readBytes(readLE(1))));
            break;
        case 'B': // BINBYTES
            stack_.push_back(Value::ofString(readBytes(readLE(4)), Value::Kind::Bytes));
            break;
        case 'C': // SHORT_BINBYTES
            stack_.push_back(Value::ofString(readBytes(readLE(1)), Value::Kind::Bytes));
            break;
        case '}': // EMPTY_DICT
            stack_.push_back(Value::ofDict());
            break;
        case ']': // EMPTY_LIST
            stack_.push_back(Value::ofItems({}, Value::Kind::List));
            break;
        case ')': // EMPTY_TUPLE
            stack_.push_back(Value::ofItems({}, Value::Kind::Tuple));
            break;
        case 't': // TUPLE
            stack_.push_back(Value::ofItems(popToMark(), Value::Kind::Tuple));
            break;
        case 'l': // LIST
            stack_.push_back(Value::ofItems(popToMark(), Value::Kind::List));
            break;
        case 'd': { // DICT
            Items items = popToMark();
            Value dict = Value::ofDict();
            setItems(dict, std::move(items));
            stack_.push_back(std::move(dict));
            break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: { // TUPLE3
            const size_t n = op - 0x84u;
            Items items(n);
            for (size_t i = n; i-- > 0;) {
                items[i] = pop();
            }
            stack_.push_back(Value::ofItems(std::move(items), Value::Kind::Tuple));
            break;
        }
        case 'q': // BINPUT
            memo_[readLE(1)] = top();
            break;
        case 'r': // LONG_BINPUT
            memo_[readLE(4)] = top();
            break;
        case 0x94: { // MEMOIZE
            const uint64_t key = memo_.size();
            memo_[key] = top();
            break;
        }
        case 'h': // BINGET
        case 'j': { // LONG_BINGET
            const uint64_t key = readLE(op == 'h' ? 1 : 4);
            const auto it = memo_.find(key);
            if (it == memo_.end()) {
                malformed("reads memo entry " + std::to_string(key) + ", which was never stored");
            }
            stack_.push_back(it->second);
            break;
        }
        case 's': { // SETITEM
            Value value = pop();
            Value key = pop();
            Items items;
            items.push_back(std::move(key));
            items.push_back(std::move(value));
            setItems(top(), std::move(items));
            break;
        }
        case 'u': { // SETITEMS
            Items items = popToMark();
            setItems(top(), std::move(items));
            break;
        }
        case 'a': { // APPEND
            Items items;
            items.push_back(pop());
            appendItems(top(), std::move(items));
            break;
        }
        case 'e': { // APPENDS
            Items items = popToMark();
            appendItems(top(), std::move(items));
            break;
        }
        case 'c': { // GLOBAL
            const std::string module = readLine();
            const std::string name = readLine();
            pushGlobal(module, name);
            break;
        }
        case 0x93: { // STACK_GLOBAL
            const Value name = pop();
            const Value module = pop();
            if (module.kind != Value::Kind::String || name.kind != Value::Kind::String) {
                malformed("names a global with something other than strings");
            }
            pushGlobal(module.s, name.s);
            break;
        }
        case 'R': { // REDUCE
            const Value args = pop();
            const Value callable = pop();
            stack_.push_back(call(callable, args));
            break;
        }
        case 'b': { // BUILD: only the state an OrderedDict (`_metadata`) or tensor carries
            pop();
            const Value& target = top();
            if (target.kind != Value::Kind::Dict && target.kind != Value::Kind::Tensor) {
                malformed(std::string("sets the state of ") + kindName(target.kind));
            }
            break;
        }
        case 'Q': { // BINPERSID
            const Value pid = pop();
            stack_.push_back(persistentLoad(pid));
            break;
        }
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", op);
            throw Error(ErrorKind::Unsupported,
                path_ + ": its data.pkl uses pickle opcode " + hex + " (at byte "
                    + std::to_string(opcodePos_)
                    + "), which Lumen does not read; it is not a plain state dict. "
                      "Convert the checkpoint to safetensors.");
        }
        }
    }
}

void Unpickler::setItems(Value& target, Items&& items)
{
    if (target.kind != Value::Kind::Dict) {
        malformed(std::string("sets dict items on ") + kindName(target.kind));
    }
    if (items.size() % 2 != 0) {
        malformed("sets a dict item without a value");
    }
    for (size_t i = 0; i < items.size(); i += 2) {
        target.dict->set(std::move(items[i]), std::move(items[i + 1]));
    }
}

void Unpickler::appendItems(Value& target, Items&& items)
{
    if (target.kind != Value::Kind::List) {
        malformed(std::string("appends to ") + kindName(target.kind));
    }
    for (auto& item : items) {
        target.items->push_back(std::move(item));
    }
}

void Unpickler::pushGlobal(const std::string& module, const std::string& name)
{
    const std::string full = module + "." + name;
    if (!isAllowedGlobal(full)) {
        std::string shown; // the name as a person can read it in a message
        for (const char c : full.substr(0, 100)) {
            shown += (c >= 0x20 && c < 0x7f) ? c : '?';
        }
        if (full.size() > 100) {
            shown += "...";
        }
        if (module == "torch" && name.size() > 7
            && name.compare(name.size() - 7, 7, "Storage") == 0) {
            throw Error(ErrorKind::Unsupported,
                path_ + " holds a tensor of type '" + shown
                    + "', which Lumen does not load; convert the weights to float32 or "
                      "float16 safetensors.");
        }
        throw Error(ErrorKind::Unsupported,
            path_ + ": " + fileName(path_) + " uses '" + shown
                + "', which Lumen does not load for safety (a pickle can run code); "
                  "convert it to safetensors.");
    }
    stack_.push_back(Value::ofString(full, Value::Kind::Global));
}

int64_t Unpickler::intArg(const Value& v, const char* what) const
{
    if (v.kind != Value::Kind::Int) {
        malformed(std::string("gives ") + kindName(v.kind) + " as a tensor's " + what
            + ", expected an int");
    }
    return v.i;
}

std::vector<int64_t> Unpickler::intTuple(const Value& v, const char* what) const
{
    if (v.kind != Value::Kind::Tuple && v.kind != Value::Kind::List) {
        malformed(std::string("gives ") + kindName(v.kind) + " as a tensor's " + what
            + ", expected a tuple of ints");
    }
    std::vector<int64_t> out;
    for (const auto& item : *v.items) {
        const int64_t x = intArg(item, what);
        if (x < 0) {
            malformed(std::string("gives a tensor a negative ") + what);
        }
        out.push_back(x);
    }
    return out;
}

Value Unpickler::persistentLoad(const Value& pid)
{
    // ('storage', storage class, key, location, number of elements)
    if (pid.kind != Value::Kind::Tuple || pid.items->size() != 5
        || (*pid.items)[0].kind != Value::Kind::String || (*pid.items)[0].s != "storage") {
        malformed("refers to an external object that is not a tensor storage");
    }
    const Items& p = *pid.items;
    if (p[1].kind != Value::Kind::Global || p[2].kind != Value::Kind::String) {
        malformed("describes a storage without a type and key");
    }
    const StorageClass* storageClass = findStorageClass(p[1].s);
    if (storageClass == nullptr) {
        malformed("uses '" + p[1].s + "' as a storage type");
    }
    const std::string& key = p[2].s;
    const int64_t numel = intArg(p[4], "storage size");
    if (numel < 0) {
        malformed("gives a storage a negative size");
    }
    const auto cached = storages_.find(key);
    if (cached != storages_.end()) {
        if (cached->second.tensor.scalar_type() != storageClass->dtype
            || cached->second.tensor.numel() != numel) {
            malformed("describes storage '" + key + "' in two different ways");
        }
        return cached->second;
    }

    const std::string record = "data/" + key;
    if (!reader_.hasRecord(record)) {
        throw Error(ErrorKind::InvalidInput,
            path_ + " is corrupt: it has no record '" + record
                + "' for a tensor's data. Re-save the checkpoint or convert it to "
                  "safetensors.");
    }
    at::DataPtr bytes;
    size_t size = 0;
    std::tie(bytes, size) = reader_.getRecord(record);
    const size_t elementSize = c10::elementSize(storageClass->dtype);
    if (static_cast<uint64_t>(numel) > size / elementSize) {
        throw Error(ErrorKind::InvalidInput,
            path_ + " is corrupt: record '" + record + "' holds " + std::to_string(size)
                + " bytes, but its storage needs " + std::to_string(numel) + " elements of "
                + std::to_string(elementSize) + " bytes");
    }
    Value storage;
    storage.kind = Value::Kind::Storage;
    storage.tensor = torch::empty({ numel }, torch::TensorOptions().dtype(storageClass->dtype));
    if (numel > 0) {
        std::memcpy(
            storage.tensor.data_ptr(), bytes.get(), static_cast<size_t>(numel) * elementSize);
    }
    storages_.emplace(key, storage);
    return storage;
}

Value Unpickler::rebuildTensor(const Items& args)
{
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
    //                    backward_hooks[, metadata])
    if (args.size() < 4 || args[0].kind != Value::Kind::Storage) {
        malformed("rebuilds a tensor without a storage, offset, size and stride");
    }
    const torch::Tensor& storage = args[0].tensor;
    const int64_t offset = intArg(args[1], "storage offset");
    const std::vector<int64_t> sizes = intTuple(args[2], "size");
    const std::vector<int64_t> strides = intTuple(args[3], "stride");
    if (offset < 0 || sizes.size() != strides.size()) {
        malformed("rebuilds a tensor with a negative offset or mismatched size and stride");
    }
    // The last element the view touches must lie inside the storage.
    bool empty = false;
    uint64_t last = static_cast<uint64_t>(offset);
    for (size_t d = 0; d < sizes.size(); ++d) {
        uint64_t span = 0;
        if (sizes[d] == 0) {
            empty = true;
        } else if (__builtin_mul_overflow(static_cast<uint64_t>(sizes[d] - 1),
                       static_cast<uint64_t>(strides[d]), &span)
            || __builtin_add_overflow(last, span, &last)) {
            malformed("rebuilds a tensor too large to address");
        }
    }
    if (!empty && last >= static_cast<uint64_t>(storage.numel())) {
        malformed("rebuilds a tensor that reaches past the end of its storage");
    }
    // A view may repeat elements (stride 0); a huge one would be a memory bomb.
    uint64_t numel = 1;
    for (int64_t size : sizes) {
        if (__builtin_mul_overflow(numel, static_cast<uint64_t>(size), &numel)) {
            malformed("rebuilds a tensor too large to address");
        }
    }
    if (!empty && numel > static_cast<uint64_t>(storage.numel()) && numel > (1ull << 26)) {
        malformed("rebuilds a tensor far larger than its storage");
    }
    Value v;
    v.kind = Value::Kind::Tensor;
    v.tensor = empty
        ? torch::empty(sizes, storage.options())
        : storage.as_strided(sizes, strides, offset).clone(at::MemoryFormat::Contiguous);
    return v;
}

Value Unpickler::call(const Value& callable, const Value& args)
{
    if (callable.kind != Value::Kind::Global) {
        malformed(std::string("calls ") + kindName(callable.kind));
    }
    if (args.kind != Value::Kind::Tuple) {
        malformed("calls '" + callable.s + "' without an argument tuple");
    }
    const Items& a = *args.items;
    const std::string& f = callable.s;
    if (f == kOrderedDict) {
        if (!a.empty()) {
            malformed("builds an OrderedDict from arguments");
        }
        return Value::ofDict();
    }
    if (f == kRebuildTensorV2) {
        return rebuildTensor(a);
    }
    if (f == kRebuildParameter || f == kRebuildParameterWithState) {
        if (a.empty() || a[0].kind != Value::Kind::Tensor) {
            malformed("builds a parameter from something other than a tensor");
        }
        return a[0];
    }
    malformed("calls '" + f + "'"); // a storage class: torch.save never calls one
}

std::string readRecord(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name)
{
    at::DataPtr data;
    size_t size = 0;
    std::tie(data, size) = reader.getRecord(name);
    return std::string(static_cast<const char*>(data.get()), size);
}

} // namespace

std::map<std::string, torch::Tensor> readTorchStateDict(const std::string& path)
{
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        throw Error(err == ENOENT ? ErrorKind::InvalidInput : ErrorKind::Io,
            "cannot open " + path + ": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error(ErrorKind::InvalidInput,
            path + " is not a regular file; expected a torch.save checkpoint");
    }
    {
        // torch.save before PyTorch 1.6 wrote a bare pickle stream, not a zip.
        std::ifstream in(path, std::ios::binary);
        char magic[2] = { 0, 0 };
        in.read(magic, 2);
        if (in.gcount() == 2 && static_cast<uint8_t>(magic[0]) == 0x80
            && static_cast<uint8_t>(magic[1]) < 6) {
            throw Error(ErrorKind::Unsupported,
                path
                    + " uses the legacy torch.save format (PyTorch before 1.6), which "
                      "Lumen does not read; convert it to safetensors.");
        }
    }

    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        if (reader.hasRecord("byteorder") && readRecord(reader, "byteorder") != "little") {
            throw Error(ErrorKind::Unsupported,
                path
                    + " was saved on a big-endian machine, which Lumen does not read; "
                      "convert it to safetensors.");
        }
        if (!reader.hasRecord("data.pkl")) {
            throw Error(ErrorKind::InvalidInput,
                path
                    + " is a zip archive without data.pkl, so it is not a torch.save "
                      "checkpoint; expected pytorch_model.bin as written by "
                      "torch.save.");
        }
        const std::string pickle = readRecord(reader, "data.pkl");
        Unpickler unpickler(
            path, reader, reinterpret_cast<const uint8_t*>(pickle.data()), pickle.size());
        const Value root = unpickler.run();
        if (root.kind != Value::Kind::Dict) {
            throw Error(ErrorKind::InvalidInput,
                path + " holds " + kindName(root.kind)
                    + ", expected a state dict (a dict of tensor names to tensors)");
        }
        std::map<std::string, torch::Tensor> out;
        for (const auto& [key, value] : root.dict->items) {
            if (key.kind != Value::Kind::String) {
                throw Error(ErrorKind::InvalidInput,
                    path + " has a state dict key that is " + kindName(key.kind)
                        + ", expected tensor names");
            }
            if (value.kind != Value::Kind::Tensor) {
                throw Error(ErrorKind::InvalidInput,
                    path + ": state dict entry '" + key.s + "' is " + kindName(value.kind)
                        + ", expected a tensor");
            }
            out[key.s] = value.tensor;
        }
        return out;
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        // PyTorchStreamReader reports a bad zip (truncated, not a zip, no version record)
        // through c10::Error; keep only its first line.
        std::string what = e.what_without_backtrace();
        what = what.substr(0, what.find('\n'));
        throw Error(ErrorKind::InvalidInput,
            path + " is not a readable torch.save checkpoint (" + what
                + "); it may be truncated or not a PyTorch file");
    } catch (const std::bad_alloc&) {
        throw Error(ErrorKind::OutOfMemory, "out of memory while reading " + path);
    } catch (const std::exception& e) {
        throw Error(ErrorKind::InvalidInput,
            path + " is not a readable torch.save checkpoint (" + e.what() + ")");
    }
}

} // namespace lumen::engine
