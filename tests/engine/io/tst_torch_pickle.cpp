// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Reading torch.save checkpoints (pytorch_model.bin) and model folders: every reference .bin
// against its manifest and its safetensors twin, hand-built archives for the pickle machine's
// corners, refusal of globals that could run code, and damaged files. Also the search order
// and sharded indexes of a model folder.

#include "lumen/engine/checkpoint.h"
#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>

using lumen::Error;
using lumen::ErrorKind;
using namespace lumen::engine;

namespace {

QString caseDir(const QString& name)
{
    return QStringLiteral(LUMEN_TEST_DATA "/conformance/") + name;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return f.readAll();
}

bool writeAll(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

QByteArray sha256Hex(const std::vector<uint8_t>& bytes)
{
    return QCryptographicHash::hash(
        QByteArray::fromRawData(
            reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())),
        QCryptographicHash::Sha256)
        .toHex();
}

std::vector<uint8_t> bytesOf(const void* data, size_t size)
{
    const auto* p = static_cast<const uint8_t*>(data);
    return std::vector<uint8_t>(p, p + size);
}

template<typename T> std::vector<uint8_t> bytesOfValues(const std::vector<T>& values)
{
    return bytesOf(values.data(), values.size() * sizeof(T));
}

template<typename F> bool throwsError(F f, Error* caught)
{
    try {
        f();
    } catch (const Error& e) {
        *caught = e;
        return true;
    } catch (const std::exception& e) {
        qWarning("threw a std::exception that is not lumen::Error: %s", e.what());
        return false;
    }
    return false;
}

QString message(const Error& e)
{
    return QString::fromStdString(e.what());
}

const TensorToWrite* findTensor(const std::vector<TensorToWrite>& tensors, const std::string& name)
{
    for (const auto& t : tensors) {
        if (t.name == name) {
            return &t;
        }
    }
    return nullptr;
}

// ---- A minimal zip writer (stored entries), enough for PyTorchStreamReader. ----

uint32_t crc32(const QByteArray& data)
{
    uint32_t crc = 0xffffffffu;
    for (const char c : data) {
        crc ^= uint8_t(c);
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

void put16(QByteArray& out, uint32_t v)
{
    out.append(char(v & 0xff));
    out.append(char((v >> 8) & 0xff));
}

void put32(QByteArray& out, uint32_t v)
{
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

QByteArray makeZip(const QList<QPair<QByteArray, QByteArray>>& files)
{
    QByteArray out;
    QByteArray central;
    for (const auto& [name, data] : files) {
        const uint32_t offset = uint32_t(out.size());
        const uint32_t crc = crc32(data);
        put32(out, 0x04034b50);
        put16(out, 20); // version needed
        put16(out, 0); // flags
        put16(out, 0); // stored
        put16(out, 0); // time
        put16(out, 0x21); // date
        put32(out, crc);
        put32(out, uint32_t(data.size()));
        put32(out, uint32_t(data.size()));
        put16(out, uint32_t(name.size()));
        put16(out, 0); // extra
        out.append(name);
        out.append(data);

        put32(central, 0x02014b50);
        put16(central, 20); // made by
        put16(central, 20); // needed
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0x21);
        put32(central, crc);
        put32(central, uint32_t(data.size()));
        put32(central, uint32_t(data.size()));
        put16(central, uint32_t(name.size()));
        put16(central, 0); // extra
        put16(central, 0); // comment
        put16(central, 0); // disk
        put16(central, 0); // internal attributes
        put32(central, 0); // external attributes
        put32(central, offset);
        central.append(name);
    }
    const uint32_t centralOffset = uint32_t(out.size());
    out.append(central);
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, uint32_t(files.size()));
    put16(out, uint32_t(files.size()));
    put32(out, uint32_t(central.size()));
    put32(out, centralOffset);
    put16(out, 0);
    return out;
}

/// A torch.save-style archive: archive/data.pkl, archive/version, archive/data/<key>.
QByteArray makeCheckpoint(
    const QByteArray& pickle, const QList<QPair<QByteArray, QByteArray>>& storages = {})
{
    QList<QPair<QByteArray, QByteArray>> files;
    files.append(qMakePair(QByteArray("archive/data.pkl"), pickle));
    for (const auto& [key, data] : storages) {
        files.append(qMakePair("archive/data/" + key, data));
    }
    files.append(qMakePair(QByteArray("archive/version"), QByteArray("3\n")));
    return makeZip(files);
}

// ---- A pickle writer, one method per opcode torch.save emits. ----

class Pickle {
public:
    Pickle& proto(int v) { return op(0x80).byte(v); }
    Pickle& mark() { return op('('); }
    Pickle& emptyDict() { return op('}'); }
    Pickle& emptyTuple() { return op(')'); }
    Pickle& emptyList() { return op(']'); }
    Pickle& str(const QByteArray& s)
    {
        op('X');
        put32(bytes_, uint32_t(s.size()));
        bytes_.append(s);
        return *this;
    }
    Pickle& shortStr(const QByteArray& s) { return op(0x8c).byte(int(s.size())).raw(s); }
    Pickle& integer(int64_t v)
    {
        if (v >= 0 && v < 256) {
            return op('K').byte(int(v));
        }
        if (v >= 0 && v < 65536) {
            op('M');
            put16(bytes_, uint32_t(v));
            return *this;
        }
        op('J');
        put32(bytes_, uint32_t(int32_t(v)));
        return *this;
    }
    Pickle& long1(const QByteArray& littleEndian)
    {
        return op(0x8a).byte(int(littleEndian.size())).raw(littleEndian);
    }
    Pickle& global(const QByteArray& module, const QByteArray& name)
    {
        return op('c').raw(module + '\n' + name + '\n');
    }
    Pickle& stackGlobal() { return op(0x93); }
    Pickle& put(int index) { return op('q').byte(index); }
    Pickle& longPut(uint32_t index)
    {
        op('r');
        put32(bytes_, index);
        return *this;
    }
    Pickle& get(int index) { return op('h').byte(index); }
    Pickle& longGet(uint32_t index)
    {
        op('j');
        put32(bytes_, index);
        return *this;
    }
    Pickle& memoize() { return op(0x94); }
    Pickle& frame(uint64_t size)
    {
        op(0x95);
        put32(bytes_, uint32_t(size));
        put32(bytes_, uint32_t(size >> 32));
        return *this;
    }
    Pickle& tuple() { return op('t'); }
    Pickle& tuple1() { return op(0x85); }
    Pickle& tuple2() { return op(0x86); }
    Pickle& tuple3() { return op(0x87); }
    Pickle& reduce() { return op('R'); }
    Pickle& build() { return op('b'); }
    Pickle& persid() { return op('Q'); }
    Pickle& newFalse() { return op(0x89); }
    Pickle& newTrue() { return op(0x88); }
    Pickle& none() { return op('N'); }
    Pickle& setItem() { return op('s'); }
    Pickle& setItems() { return op('u'); }
    Pickle& append() { return op('a'); }
    Pickle& stop() { return op('.'); }
    Pickle& raw(const QByteArray& b)
    {
        bytes_.append(b);
        return *this;
    }
    Pickle& byte(int v)
    {
        bytes_.append(char(v));
        return *this;
    }

    /// ('storage', torch.<cls>, key, 'cpu', numel) followed by BINPERSID
    Pickle& storage(const QByteArray& cls, const QByteArray& key, int64_t numel)
    {
        return mark()
            .str("storage")
            .global("torch", cls)
            .str(key)
            .str("cpu")
            .integer(numel)
            .tuple()
            .persid();
    }
    Pickle& sizes(const std::vector<int64_t>& v)
    {
        mark();
        for (int64_t x : v) {
            integer(x);
        }
        return tuple();
    }
    /// _rebuild_tensor_v2(<storage>, offset, size, stride, False, OrderedDict())
    Pickle& tensor(const QByteArray& cls, const QByteArray& key, int64_t numel, int64_t offset,
        const std::vector<int64_t>& size, const std::vector<int64_t>& stride)
    {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(cls, key, numel).integer(offset).sizes(size).sizes(stride).newFalse();
        return global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
    }

    QByteArray bytes() const { return bytes_; }

private:
    Pickle& op(int code) { return byte(code); }
    QByteArray bytes_;
};

QByteArray floatBytes(const std::vector<float>& v)
{
    return QByteArray(reinterpret_cast<const char*>(v.data()), qsizetype(v.size() * 4));
}

} // namespace

class TestTorchPickle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void referenceCheckpoints_data();
    void referenceCheckpoints();
    void handBuiltCheckpoint();
    void protocol4Opcodes();
    void refusedGlobals_data();
    void refusedGlobals();
    void damaged_data();
    void damaged();
    void truncatedReferenceFile();
    void folderPrefersSafetensors();
    void folderWithBinOnly();
    void shardedSafetensors();
    void shardedBin();
    void shardErrors();
    void folderWithoutWeights();
};

void TestTorchPickle::referenceCheckpoints_data()
{
    QTest::addColumn<QString>("dir");
    for (const char* name : { "bert", "roberta", "gpt2", "t5" }) {
        QTest::newRow(name) << caseDir(QString::fromLatin1(name));
    }
}

void TestTorchPickle::referenceCheckpoints()
{
    QFETCH(QString, dir);
    const QJsonObject manifest =
        QJsonDocument::fromJson(readAll(dir + QStringLiteral("/state_dict_manifest.json")))
            .object()
            .value(QStringLiteral("tensors"))
            .toObject();
    QVERIFY(!manifest.isEmpty());
    const std::vector<TensorToWrite> tensors =
        readTorchCheckpoint((dir + QStringLiteral("/pytorch_model.bin")).toStdString());
    const SafetensorsFile safetensors =
        SafetensorsFile::open((dir + QStringLiteral("/model.safetensors")).toStdString());

    // Exactly the manifest's keys, tied copies included, sorted by name.
    QCOMPARE(qsizetype(tensors.size()), manifest.size());
    for (size_t i = 1; i < tensors.size(); ++i) {
        QVERIFY(tensors[i - 1].name < tensors[i].name);
    }
    int tied = 0;
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
        const QJsonObject m = it.value().toObject();
        const std::string name = it.key().toStdString();
        const TensorToWrite* t = findTensor(tensors, name);
        QVERIFY2(t != nullptr, name.c_str());
        QCOMPARE(t->dtype, DType::F32);
        std::vector<int64_t> shape;
        for (const auto d : m.value(QStringLiteral("shape")).toArray()) {
            shape.push_back(d.toInteger());
        }
        QCOMPARE(t->shape, shape);
        QCOMPARE(sha256Hex(t->bytes), m.value(QStringLiteral("sha256")).toString().toLatin1());

        // The same values as the safetensors file (a tied copy as the tensor it is tied to).
        const bool inSafetensors = m.value(QStringLiteral("in_safetensors")).toBool();
        const std::string twin =
            inSafetensors ? name : m.value(QStringLiteral("tied_to")).toString().toStdString();
        tied += inSafetensors ? 0 : 1;
        const TensorEntry* e = safetensors.find(twin);
        QVERIFY2(e != nullptr, twin.c_str());
        QCOMPARE(e->shape, t->shape);
        QVERIFY2(bytesOf(safetensors.data(*e), e->end - e->begin) == t->bytes, name.c_str());
    }
    QVERIFY(tied > 0); // every one of these cases has a tied head or embedding
}

void TestTorchPickle::handBuiltCheckpoint()
{
    // An OrderedDict with _metadata state, a strided view with a storage offset, two tensors
    // sharing one storage, a parameter, a 0-d tensor, half and int64 storages, LONG_BINPUT.
    std::vector<float> storage0(12);
    for (size_t i = 0; i < storage0.size(); ++i) {
        storage0[i] = 0.5f * float(i) - 1.0f;
    }
    const std::vector<uint16_t> halves = { 0x3c00, 0xc100, 0x0001 };
    const std::vector<int64_t> ids = { 5, -7, 1ll << 40 };

    Pickle p;
    p.proto(2).global("collections", "OrderedDict").longPut(70000).emptyTuple().reduce().put(1);
    p.mark();
    p.str("strided").tensor("FloatStorage", "0", 12, 1, { 3, 2 }, { 1, 3 });
    p.str("all").global("torch._utils", "_rebuild_parameter");
    p.tensor("FloatStorage", "0", 12, 0, { 12 }, { 1 }).newTrue();
    p.longGet(70000).emptyTuple().reduce().tuple3().reduce();
    p.str("scalar").tensor("FloatStorage", "0", 12, 11, {}, {});
    p.str("half").tensor("HalfStorage", "1", 3, 0, { 3 }, { 1 });
    p.str("ids").tensor("LongStorage", "2", 3, 1, { 2 }, { 1 });
    p.str("empty").tensor("FloatStorage", "0", 12, 0, { 0, 5 }, { 5, 1 });
    p.setItems();
    // state: {'_metadata': OrderedDict({'': {'version': 1}})}
    p.emptyDict().str("_metadata").global("collections", "OrderedDict").emptyTuple().reduce();
    p.str("").emptyDict().str("version").integer(1).setItem().setItem().setItem().build();
    p.stop();

    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("pytorch_model.bin"));
    QVERIFY(writeAll(path,
        makeCheckpoint(p.bytes(),
            { { "0", floatBytes(storage0) },
                { "1", QByteArray(reinterpret_cast<const char*>(halves.data()), 6) },
                { "2", QByteArray(reinterpret_cast<const char*>(ids.data()), 24) } })));
    const std::vector<TensorToWrite> tensors = readTorchCheckpoint(path.toStdString());
    QCOMPARE(tensors.size(), size_t(6));

    const TensorToWrite* strided = findTensor(tensors, "strided");
    QVERIFY(strided != nullptr);
    QCOMPARE(strided->shape, (std::vector<int64_t> { 3, 2 }));
    std::vector<float> expected;
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 2; ++j) {
            expected.push_back(storage0[size_t(1 + i * 1 + j * 3)]);
        }
    }
    QCOMPARE(strided->bytes, bytesOfValues(expected));
    QCOMPARE(findTensor(tensors, "all")->bytes, bytesOfValues(storage0));
    QCOMPARE(findTensor(tensors, "scalar")->shape, std::vector<int64_t> {});
    QCOMPARE(
        findTensor(tensors, "scalar")->bytes, bytesOfValues(std::vector<float> { storage0[11] }));
    QCOMPARE(findTensor(tensors, "half")->dtype, DType::F16);
    QCOMPARE(findTensor(tensors, "half")->bytes, bytesOfValues(halves));
    QCOMPARE(findTensor(tensors, "ids")->dtype, DType::I64);
    QCOMPARE(
        findTensor(tensors, "ids")->bytes, bytesOfValues(std::vector<int64_t> { -7, 1ll << 40 }));
    QCOMPARE(findTensor(tensors, "empty")->shape, (std::vector<int64_t> { 0, 5 }));
    QVERIFY(findTensor(tensors, "empty")->bytes.empty());

    // Loaded as a model folder: floating tensors become F32, integer ones I64.
    const ModelWeights weights = readModelWeights(tmp.path().toStdString());
    QCOMPARE(weights.files, std::vector<std::string> { path.toStdString() });
    const TensorToWrite* half = findTensor(weights.tensors, "half");
    QCOMPARE(half->dtype, DType::F32);
    QCOMPARE(half->bytes, bytesOfValues(std::vector<float> { 1.0f, -2.5f, std::ldexp(1.0f, -24) }));
    QCOMPARE(findTensor(weights.tensors, "ids")->dtype, DType::I64);

    // The archive converts to safetensors and reads back the same.
    const std::string converted =
        tmp.filePath(QStringLiteral("converted.safetensors")).toStdString();
    writeSafetensors(converted, tensors);
    const SafetensorsFile file = SafetensorsFile::open(converted);
    QCOMPARE(file.readFloat("strided").data, expected);
}

void TestTorchPickle::protocol4Opcodes()
{
    // pickle_protocol=4 adds FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL; LONG1 holds
    // ints beyond 32 bits.
    Pickle p;
    p.proto(4).frame(0).emptyDict().memoize();
    p.shortStr("w").memoize();
    p.shortStr("torch._utils").shortStr("_rebuild_tensor_v2").stackGlobal().memoize().mark();
    p.mark().shortStr("storage").shortStr("torch").shortStr("FloatStorage").stackGlobal();
    p.shortStr("0").shortStr("cpu").long1(QByteArray("\x04\x00", 2)).tuple().persid();
    p.long1(QByteArray("\x02", 1)).integer(2).tuple1().integer(1).tuple1().newFalse();
    p.shortStr("collections").shortStr("OrderedDict").stackGlobal().emptyTuple().reduce();
    p.tuple().reduce().setItem().stop();

    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("p4.bin"));
    QVERIFY(
        writeAll(path, makeCheckpoint(p.bytes(), { { "0", floatBytes({ 1.f, 2.f, 3.f, 4.f }) } })));
    const std::vector<TensorToWrite> tensors = readTorchCheckpoint(path.toStdString());
    QCOMPARE(tensors.size(), size_t(1));
    QCOMPARE(tensors[0].name, std::string("w"));
    QCOMPARE(tensors[0].bytes, bytesOfValues(std::vector<float> { 3.f, 4.f }));
}

void TestTorchPickle::refusedGlobals_data()
{
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("global");

    // pickle.dumps(os.system('ls')) in protocol 2: GLOBAL then REDUCE.
    QTest::newRow("os.system") << Pickle()
                                      .proto(2)
                                      .global("os", "system")
                                      .put(0)
                                      .str("ls")
                                      .tuple1()
                                      .reduce()
                                      .stop()
                                      .bytes()
                               << QStringLiteral("os.system");
    QTest::newRow("builtins.eval via STACK_GLOBAL") << Pickle()
                                                           .proto(4)
                                                           .shortStr("builtins")
                                                           .shortStr("eval")
                                                           .stackGlobal()
                                                           .shortStr("1")
                                                           .tuple1()
                                                           .reduce()
                                                           .stop()
                                                           .bytes()
                                                    << QStringLiteral("builtins.eval");
    // Refused even when hidden inside an otherwise ordinary state dict entry.
    QTest::newRow("inside a state dict") << Pickle()
                                                .proto(2)
                                                .emptyDict()
                                                .str("w")
                                                .global("subprocess", "check_output")
                                                .str("id")
                                                .tuple1()
                                                .reduce()
                                                .setItem()
                                                .stop()
                                                .bytes()
                                         << QStringLiteral("subprocess.check_output");
    QTest::newRow("torch function")
        << Pickle().proto(2).global("torch", "load").str("x").tuple1().reduce().stop().bytes()
        << QStringLiteral("torch.load");
}

void TestTorchPickle::refusedGlobals()
{
    QFETCH(QByteArray, pickle);
    QFETCH(QString, global);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("pytorch_model.bin"));
    QVERIFY(writeAll(path, makeCheckpoint(pickle)));
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { readTorchCheckpoint(path.toStdString()); }, &e));
    QCOMPARE(e.kind(), ErrorKind::Unsupported);
    QCOMPARE(message(e),
        path + QStringLiteral(": pytorch_model.bin uses '") + global
            + QStringLiteral("', which Lumen does not load for safety (a pickle "
                             "can run code); convert it to safetensors."));
}

void TestTorchPickle::damaged_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message"); // after the path

    const QByteArray floats = floatBytes({ 1.f, 2.f, 3.f, 4.f });
    const QByteArray tensorDict = Pickle()
                                      .proto(2)
                                      .emptyDict()
                                      .str("w")
                                      .tensor("FloatStorage", "0", 4, 0, { 4 }, { 1 })
                                      .setItem()
                                      .stop()
                                      .bytes();
    const int invalid = int(ErrorKind::InvalidInput);
    const int unsupported = int(ErrorKind::Unsupported);

    QTest::newRow("no data.pkl")
        << makeZip({ { "archive/version", "3\n" } }) << invalid
        << QStringLiteral(" is a zip archive without data.pkl, so it is not a torch.save "
                          "checkpoint; expected pytorch_model.bin as written by torch.save.");
    QTest::newRow("storage record missing")
        << makeCheckpoint(tensorDict) << invalid
        << QStringLiteral(" is corrupt: it has no record 'data/0' for a tensor's data. Re-save "
                          "the checkpoint or convert it to safetensors.");
    QTest::newRow("storage record too short")
        << makeCheckpoint(tensorDict, { { "0", floats.left(12) } }) << invalid
        << QStringLiteral(" is corrupt: record 'data/0' holds 12 bytes, but its storage needs 4 "
                          "elements of 4 bytes");
    QTest::newRow("tensor past its storage")
        << makeCheckpoint(Pickle()
                              .proto(2)
                              .emptyDict()
                              .str("w")
                              .tensor("FloatStorage", "0", 4, 1, { 2, 2 }, { 2, 1 })
                              .setItem()
                              .stop()
                              .bytes(),
               { { "0", floats } })
        << invalid
        << QStringLiteral(" is corrupt: its data.pkl rebuilds a tensor that reaches past the end "
                          "of its storage (at byte 137). Re-save the checkpoint or convert it to "
                          "safetensors.");
    QTest::newRow("stride-0 view far larger than its storage")
        << makeCheckpoint(Pickle()
                              .proto(2)
                              .emptyDict()
                              .str("w")
                              .tensor("FloatStorage", "0", 4, 0, { 1 << 27 }, { 0 })
                              .setItem()
                              .stop()
                              .bytes(),
               { { "0", floats } })
        << invalid
        << QStringLiteral(" is corrupt: its data.pkl rebuilds a tensor far larger than its "
                          "storage (at byte 136). Re-save the checkpoint or convert it to "
                          "safetensors.");
    QTest::newRow("pickle cut short")
        << makeCheckpoint(tensorDict.left(60), { { "0", floats } }) << invalid
        << QStringLiteral(" is corrupt: its data.pkl ends in the middle of a global name (at "
                          "byte 56). Re-save the checkpoint or convert it to safetensors.");
    QTest::newRow("no STOP")
        << makeCheckpoint(tensorDict.chopped(1), { { "0", floats } }) << invalid
        << QStringLiteral(" is corrupt: its data.pkl ends in the middle of an instruction (at "
                          "byte 135). Re-save the checkpoint or convert it to safetensors.");
    QTest::newRow("stack underflow")
        << makeCheckpoint(Pickle().proto(2).emptyDict().setItem().stop().bytes()) << invalid
        << QStringLiteral(" is corrupt: its data.pkl pops from an empty stack (at byte 3). "
                          "Re-save the checkpoint or convert it to safetensors.");
    QTest::newRow("memo never stored")
        << makeCheckpoint(Pickle().proto(2).get(9).stop().bytes()) << invalid
        << QStringLiteral(" is corrupt: its data.pkl reads memo entry 9, which was never stored "
                          "(at byte 2). Re-save the checkpoint or convert it to safetensors.");
    QTest::newRow("not a dict")
        << makeCheckpoint(Pickle().proto(2).emptyList().stop().bytes()) << invalid
        << QStringLiteral(" holds a list, expected a state dict (a dict of tensor names to "
                          "tensors)");
    QTest::newRow("value not a tensor")
        << makeCheckpoint(
               Pickle().proto(2).emptyDict().str("epoch").integer(3).setItem().stop().bytes())
        << invalid << QStringLiteral(": state dict entry 'epoch' is an int, expected a tensor");
    QTest::newRow("unknown opcode")
        << makeCheckpoint(Pickle().proto(2).raw("I12\n").stop().bytes()) << unsupported
        << QStringLiteral(": its data.pkl uses pickle opcode 0x49 (at byte 2), which Lumen does "
                          "not read; it is not a plain state dict. Convert the checkpoint to "
                          "safetensors.");
    QTest::newRow("complex storage")
        << makeCheckpoint(Pickle()
                              .proto(2)
                              .emptyDict()
                              .str("w")
                              .tensor("ComplexFloatStorage", "0", 2, 0, { 2 }, { 1 })
                              .setItem()
                              .stop()
                              .bytes(),
               { { "0", floats } })
        << unsupported
        << QStringLiteral(" holds a tensor of type 'torch.ComplexFloatStorage', which Lumen does "
                          "not load; convert the weights to float32 or float16 safetensors.");
    QTest::newRow("legacy format")
        << Pickle().proto(2).emptyDict().stop().bytes() << unsupported
        << QStringLiteral(" uses the legacy torch.save format (PyTorch before 1.6), which Lumen "
                          "does not read; convert it to safetensors.");
    QTest::newRow("empty file") << QByteArray() << invalid
                                << QStringLiteral(" is not a readable torch.save checkpoint (");
    QTest::newRow("text file") << QByteArray("this is not a checkpoint\n") << invalid
                               << QStringLiteral(" is not a readable torch.save checkpoint (");
}

void TestTorchPickle::damaged()
{
    QFETCH(QByteArray, file);
    QFETCH(int, kind);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("pytorch_model.bin"));
    QVERIFY(writeAll(path, file));
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { readTorchCheckpoint(path.toStdString()); }, &e));
    QCOMPARE(int(e.kind()), kind);
    if (message.endsWith(QLatin1Char('('))) {
        // The zip reader's own explanation follows; pin what Lumen adds around it.
        QVERIFY2(::message(e).startsWith(path + message), e.what());
        QVERIFY2(
            ::message(e).endsWith(QStringLiteral("); it may be truncated or not a PyTorch file")),
            e.what());
    } else {
        QCOMPARE(::message(e), path + message);
    }
}

void TestTorchPickle::truncatedReferenceFile()
{
    const QByteArray whole = readAll(caseDir(QStringLiteral("bert/pytorch_model.bin")));
    QVERIFY(whole.size() > 1000);
    QTemporaryDir tmp;
    for (const qsizetype size : { whole.size() / 2, whole.size() - 100, qsizetype(10) }) {
        const QString path = tmp.filePath(QStringLiteral("cut.bin"));
        QVERIFY(writeAll(path, whole.left(size)));
        Error e(ErrorKind::Internal, "");
        QVERIFY(throwsError([&] { readTorchCheckpoint(path.toStdString()); }, &e));
        QCOMPARE(e.kind(), ErrorKind::InvalidInput);
        QVERIFY2(message(e).startsWith(
                     path + QStringLiteral(" is not a readable torch.save checkpoint (")),
            e.what());
    }
}

void TestTorchPickle::folderPrefersSafetensors()
{
    const std::string dir = caseDir(QStringLiteral("bert")).toStdString();
    const ModelWeights weights = readModelWeights(dir);
    QCOMPARE(weights.files, std::vector<std::string> { dir + "/model.safetensors" });
    const SafetensorsFile file = SafetensorsFile::open(dir + "/model.safetensors");
    QCOMPARE(weights.tensors.size(), file.tensors().size());
    for (const auto& t : weights.tensors) {
        const TensorEntry* e = file.find(t.name);
        QVERIFY2(e != nullptr, t.name.c_str());
        QCOMPARE(t.bytes, bytesOf(file.data(*e), e->end - e->begin));
    }
}

void TestTorchPickle::folderWithBinOnly()
{
    QTemporaryDir tmp;
    QVERIFY(QFile::copy(caseDir(QStringLiteral("gpt2/pytorch_model.bin")),
        tmp.filePath(QStringLiteral("pytorch_model.bin"))));
    const ModelWeights weights = readModelWeights(tmp.path().toStdString());
    QCOMPARE(weights.files,
        std::vector<std::string> {
            tmp.filePath(QStringLiteral("pytorch_model.bin")).toStdString() });
    const std::vector<TensorToWrite> direct =
        readTorchCheckpoint(caseDir(QStringLiteral("gpt2/pytorch_model.bin")).toStdString());
    QCOMPARE(weights.tensors.size(), direct.size());
    for (size_t i = 0; i < direct.size(); ++i) {
        QCOMPARE(weights.tensors[i].name, direct[i].name);
        QCOMPARE(weights.tensors[i].bytes, direct[i].bytes);
    }
    QVERIFY(findTensor(weights.tensors, "lm_head.weight") != nullptr);
}

void TestTorchPickle::shardedSafetensors()
{
    // Split bert's tensors over two shards as `save_pretrained(max_shard_size=...)` does.
    const std::string source = caseDir(QStringLiteral("bert/model.safetensors")).toStdString();
    const SafetensorsFile file = SafetensorsFile::open(source);
    std::vector<TensorToWrite> shard[2];
    QJsonObject weightMap;
    int i = 0;
    for (const auto& e : file.tensors()) {
        TensorToWrite t;
        t.name = e.name;
        t.dtype = e.dtype;
        t.shape = e.shape;
        t.bytes = bytesOf(file.data(e), e.end - e.begin);
        const int s = (i++ % 3 == 0) ? 0 : 1;
        shard[s].push_back(t);
        weightMap.insert(QString::fromStdString(e.name),
            s == 0 ? QStringLiteral("model-00001-of-00002.safetensors")
                   : QStringLiteral("model-00002-of-00002.safetensors"));
    }
    QTemporaryDir tmp;
    writeSafetensors(
        tmp.filePath(QStringLiteral("model-00001-of-00002.safetensors")).toStdString(), shard[0]);
    writeSafetensors(
        tmp.filePath(QStringLiteral("model-00002-of-00002.safetensors")).toStdString(), shard[1]);
    QJsonObject index;
    index.insert(QStringLiteral("metadata"), QJsonObject { { QStringLiteral("total_size"), 1 } });
    index.insert(QStringLiteral("weight_map"), weightMap);
    QVERIFY(writeAll(tmp.filePath(QStringLiteral("model.safetensors.index.json")),
        QJsonDocument(index).toJson()));
    // A stray pytorch_model.bin must not be preferred over the safetensors index.
    QVERIFY(writeAll(tmp.filePath(QStringLiteral("pytorch_model.bin")), "junk"));

    const ModelWeights weights = readModelWeights(tmp.path().toStdString());
    QCOMPARE(weights.files,
        (std::vector<std::string> {
            tmp.filePath(QStringLiteral("model.safetensors.index.json")).toStdString(),
            tmp.filePath(QStringLiteral("model-00001-of-00002.safetensors")).toStdString(),
            tmp.filePath(QStringLiteral("model-00002-of-00002.safetensors")).toStdString() }));
    QCOMPARE(weights.tensors.size(), file.tensors().size());
    for (const auto& t : weights.tensors) {
        const TensorEntry* e = file.find(t.name);
        QVERIFY2(e != nullptr, t.name.c_str());
        QCOMPARE(t.bytes, bytesOf(file.data(*e), e->end - e->begin));
    }
}

void TestTorchPickle::shardedBin()
{
    // Both shards are copies of the full file; the index decides which shard each name
    // comes from, and the result is the full state dict.
    QTemporaryDir tmp;
    const QString bin = caseDir(QStringLiteral("t5/pytorch_model.bin"));
    QVERIFY(QFile::copy(bin, tmp.filePath(QStringLiteral("pytorch_model-00001-of-00002.bin"))));
    QVERIFY(QFile::copy(bin, tmp.filePath(QStringLiteral("pytorch_model-00002-of-00002.bin"))));
    const std::vector<TensorToWrite> direct = readTorchCheckpoint(bin.toStdString());
    QJsonObject weightMap;
    for (size_t i = 0; i < direct.size(); ++i) {
        weightMap.insert(QString::fromStdString(direct[i].name),
            i % 2 ? QStringLiteral("pytorch_model-00002-of-00002.bin")
                  : QStringLiteral("pytorch_model-00001-of-00002.bin"));
    }
    QVERIFY(writeAll(tmp.filePath(QStringLiteral("pytorch_model.bin.index.json")),
        QJsonDocument(QJsonObject { { QStringLiteral("weight_map"), weightMap } }).toJson()));
    const ModelWeights weights = readModelWeights(tmp.path().toStdString());
    QCOMPARE(weights.files.size(), size_t(3));
    QCOMPARE(weights.tensors.size(), direct.size());
    for (size_t i = 0; i < direct.size(); ++i) {
        QCOMPARE(weights.tensors[i].name, direct[i].name);
        QCOMPARE(weights.tensors[i].bytes, direct[i].bytes);
    }
}

void TestTorchPickle::shardErrors()
{
    QTemporaryDir tmp;
    const QString index = tmp.filePath(QStringLiteral("model.safetensors.index.json"));
    const QString shard = tmp.filePath(QStringLiteral("a.safetensors"));
    writeSafetensors(
        shard.toStdString(), { TensorToWrite::fromFloat("x", FloatTensor { { 1 }, { 1.f } }) });
    const auto expectError = [&](const QByteArray& json, const QString& expected) {
        if (!writeAll(index, json)) {
            return false;
        }
        Error e(ErrorKind::Internal, "");
        if (!throwsError([&] { readModelWeights(tmp.path().toStdString()); }, &e)) {
            return false;
        }
        if (e.kind() != ErrorKind::InvalidInput || message(e) != expected) {
            qWarning("got: %s\nexpected: %s", e.what(), qPrintable(expected));
            return false;
        }
        return true;
    };
    QVERIFY(expectError(R"({"weight_map": {"x": "a.safetensors", "y": "b.safetensors"}})",
        index
            + QStringLiteral(" lists shard b.safetensors, which is missing "
                             "from ")
            + tmp.path() + QStringLiteral("; download the complete checkpoint")));
    QVERIFY(expectError(R"({"weight_map": {"x": "a.safetensors", "y": "a.safetensors"}})",
        shard + QStringLiteral(" has no tensor 'y', though ") + index
            + QStringLiteral(" says it holds it")));
    QVERIFY(expectError(R"({"metadata": {}})",
        index
            + QStringLiteral(" has no \"weight_map\" object; expected "
                             "{\"weight_map\": {\"tensor name\": \"shard "
                             "file\", ...}}")));
    QVERIFY(expectError(R"({"weight_map": {"x": "../a.safetensors"}})",
        index
            + QStringLiteral(": weight_map entry 'x' names '../a.safetensors', "
                             "expected a file name in the same folder")));
    QVERIFY(expectError(
        R"({"weight_map": {}})", index + QStringLiteral(" lists no weights in its weight_map")));
    QVERIFY(expectError(R"({"weight_map": {"x": 3}})",
        index
            + QStringLiteral(": weight_map entry 'x' is not a file name "
                             "string")));
}

void TestTorchPickle::folderWithoutWeights()
{
    QTemporaryDir tmp;
    QVERIFY(writeAll(tmp.filePath(QStringLiteral("config.json")), "{}"));
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { readModelWeights(tmp.path().toStdString()); }, &e));
    QCOMPARE(e.kind(), ErrorKind::InvalidInput);
    QCOMPARE(message(e),
        tmp.path()
            + QStringLiteral(" has no model weights: looked for model.safetensors, "
                             "model.safetensors.index.json, pytorch_model.bin, "
                             "pytorch_model.bin.index.json"));
    const QString missing = tmp.filePath(QStringLiteral("nope"));
    QVERIFY(throwsError([&] { readModelWeights(missing.toStdString()); }, &e));
    QCOMPARE(message(e), missing + QStringLiteral(" does not exist"));
}

QTEST_GUILESS_MAIN(TestTorchPickle)
#include "tst_torch_pickle.moc"
