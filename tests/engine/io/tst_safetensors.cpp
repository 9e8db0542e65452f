// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The safetensors reader and writer: every conformance checkpoint read against the reference's
// manifest, a rewrite that reproduces the reference's file byte for byte, round trips of
// every dtype, the half / bfloat16 conversions, and each kind of malformed file refused with
// a pinned message.

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
#include <csignal>
#include <cstring>

#include <sys/resource.h>

using lumen::Error;
using lumen::ErrorKind;
using namespace lumen::engine;

namespace {

QString conformanceDir()
{
    return QStringLiteral(LUMEN_TEST_DATA "/conformance");
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

QByteArray sha256Hex(const void* data, size_t size)
{
    return QCryptographicHash::hash(
        QByteArray::fromRawData(static_cast<const char*>(data), qsizetype(size)),
        QCryptographicHash::Sha256)
        .toHex();
}

/// An 8-byte little-endian length, the header, then `dataBytes` bytes of data.
QByteArray safetensorsBytes(const QByteArray& header, int dataBytes, quint64 declaredLength = 0)
{
    quint64 length = declaredLength != 0 ? declaredLength : quint64(header.size());
    QByteArray out;
    for (int i = 0; i < 8; ++i) {
        out.append(char(length & 0xff));
        length >>= 8;
    }
    out.append(header);
    out.append(QByteArray(dataBytes, '\x01'));
    return out;
}

/// Runs `f`, which must throw lumen::Error; returns it (or fails the test).
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

std::vector<uint8_t> bytesOf(const void* data, size_t size)
{
    const auto* p = static_cast<const uint8_t*>(data);
    return std::vector<uint8_t>(p, p + size);
}

float floatFromBits(uint32_t bits)
{
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

/// The IEEE binary16 value of `bits` by its definition, computed in double.
double halfByDefinition(uint16_t bits)
{
    const int sign = (bits & 0x8000) ? -1 : 1;
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    if (exponent == 0) {
        return sign * std::ldexp(double(mantissa), -24);
    }
    if (exponent == 31) {
        return mantissa == 0 ? sign * HUGE_VAL : NAN;
    }
    return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

TensorToWrite rawTensor(
    const std::string& name, DType dtype, std::vector<int64_t> shape, std::vector<uint8_t> bytes)
{
    TensorToWrite t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.bytes = std::move(bytes);
    return t;
}

template<typename T> std::vector<uint8_t> bytesOfValues(const std::vector<T>& values)
{
    return bytesOf(values.data(), values.size() * sizeof(T));
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void errorKindNames();
    void conformanceCheckpoints_data();
    void conformanceCheckpoints();
    void rewriteIsByteIdentical_data();
    void rewriteIsByteIdentical();
    void roundTripEveryDtype();
    void halfConversion();
    void bfloat16Conversion();
    void readFloatRefusals();
    void malformed_data();
    void malformed();
    void missingFile();
    void writeIntoMissingFolder();
    void writeLeavesNoTemporaryFile();
    void diskFullKeepsOldFile();
    void writeRefusesBadInput();
};

void TestSafetensors::errorKindNames()
{
    QCOMPARE(lumen::errorKindName(ErrorKind::InvalidInput), "invalid input");
    QCOMPARE(lumen::errorKindName(ErrorKind::Io), "I/O error");
    QCOMPARE(lumen::errorKindName(ErrorKind::Unsupported), "unsupported");
    QCOMPARE(lumen::errorKindName(ErrorKind::OutOfMemory), "out of memory");
    QCOMPARE(lumen::errorKindName(ErrorKind::Internal), "internal error");
}

void TestSafetensors::conformanceCheckpoints_data()
{
    QTest::addColumn<QString>("dir");
    const QDir root(conformanceDir());
    const QStringList cases = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    QVERIFY2(cases.size() >= 11, "the conformance data set is missing");
    for (const QString& c : cases) {
        if (QFile::exists(root.filePath(c + QStringLiteral("/model.safetensors")))) {
            QTest::newRow(c.toUtf8().constData()) << root.filePath(c);
        }
    }
}

void TestSafetensors::conformanceCheckpoints()
{
    QFETCH(QString, dir);
    const QJsonObject manifest =
        QJsonDocument::fromJson(readAll(dir + QStringLiteral("/state_dict_manifest.json")))
            .object()
            .value(QStringLiteral("tensors"))
            .toObject();
    QVERIFY(!manifest.isEmpty());

    const SafetensorsFile file =
        SafetensorsFile::open((dir + QStringLiteral("/model.safetensors")).toStdString());
    QCOMPARE(file.metadata().size(), size_t(1));
    QCOMPARE(file.metadata().at("format"), std::string("pt"));

    int expected = 0;
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
        const QJsonObject m = it.value().toObject();
        if (!m.value(QStringLiteral("in_safetensors")).toBool()) {
            QVERIFY2(file.find(it.key().toStdString()) == nullptr, qPrintable(it.key()));
            continue;
        }
        ++expected;
        const std::string name = it.key().toStdString();
        const TensorEntry* entry = file.find(name);
        QVERIFY2(entry != nullptr, name.c_str());
        QCOMPARE(entry->dtype, DType::F32);
        std::vector<int64_t> shape;
        for (const auto d : m.value(QStringLiteral("shape")).toArray()) {
            shape.push_back(d.toInteger());
        }
        QCOMPARE(entry->shape, shape);

        const QByteArray sha = m.value(QStringLiteral("sha256")).toString().toLatin1();
        QCOMPARE(sha256Hex(file.data(*entry), entry->end - entry->begin), sha);
        const FloatTensor t = file.readFloat(name);
        QCOMPARE(t.shape, shape);
        QCOMPARE(sha256Hex(t.data.data(), t.data.size() * sizeof(float)), sha);
    }
    QCOMPARE(int(file.tensors().size()), expected);
}

void TestSafetensors::rewriteIsByteIdentical_data()
{
    conformanceCheckpoints_data();
}

void TestSafetensors::rewriteIsByteIdentical()
{
    // Writing the reference's tensors and metadata again gives the reference's exact bytes:
    // the same tensor order, header key order, JSON spelling and padding.
    QFETCH(QString, dir);
    const QString original = dir + QStringLiteral("/model.safetensors");
    const SafetensorsFile file = SafetensorsFile::open(original.toStdString());
    std::vector<TensorToWrite> tensors;
    for (const auto& e : file.tensors()) {
        tensors.push_back(
            rawTensor(e.name, e.dtype, e.shape, bytesOf(file.data(e), e.end - e.begin)));
    }
    std::reverse(tensors.begin(), tensors.end()); // the writer must do its own ordering
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("rewritten.safetensors"));
    writeSafetensors(out.toStdString(), tensors, file.metadata());
    const QByteArray written = readAll(out);
    QVERIFY(!written.isEmpty());
    QVERIFY(written == readAll(original));
}

void TestSafetensors::roundTripEveryDtype()
{
    const std::vector<float> f32 = { 1.5f, -2.0f, 3.25f, 0.0f, -0.0f, 1e-30f };
    const std::vector<double> f64 = { 0.1, -1e10, 3.0 };
    const std::vector<uint16_t> f16 = { 0x3c00, 0xc100, 0x7bff, 0x0001 }; // 1, -2.5, 65504, 2^-24
    const std::vector<uint16_t> bf16 = { 0x3f80, 0xc020, 0x7f80, 0x0001,
        0x8000 }; // 1, -2.5, inf, ..
    const std::vector<int64_t> i64 = { 0, -1, INT64_MAX, INT64_MIN };
    const std::vector<int32_t> i32 = { 7, -7, INT32_MIN };
    const std::vector<uint8_t> u8 = { 0, 255, 3 };
    const std::vector<uint8_t> boolean = { 1, 0 };

    std::vector<TensorToWrite> tensors;
    tensors.push_back(rawTensor("w.f32", DType::F32, { 2, 3 }, bytesOfValues(f32)));
    tensors.push_back(rawTensor("w.f64", DType::F64, { 3 }, bytesOfValues(f64)));
    tensors.push_back(rawTensor("a.f16", DType::F16, { 2, 2 }, bytesOfValues(f16)));
    tensors.push_back(rawTensor("b.bf16", DType::BF16, { 5 }, bytesOfValues(bf16)));
    tensors.push_back(rawTensor("c.u8", DType::U8, { 3 }, bytesOfValues(u8)));
    tensors.push_back(rawTensor("ids", DType::I64, { 2, 2 }, bytesOfValues(i64)));
    tensors.push_back(rawTensor("i32", DType::I32, { 3, 1 }, bytesOfValues(i32)));
    tensors.push_back(rawTensor("mask", DType::Bool, { 2 }, boolean));
    tensors.push_back(rawTensor("empty", DType::F32, { 0, 4 }, {}));
    tensors.push_back(
        rawTensor("scalar", DType::F32, {}, bytesOfValues(std::vector<float> { 9.f })));
    tensors.push_back(
        TensorToWrite::fromFloat("from.float", FloatTensor { { 1, 2 }, { 4.f, 5.f } }));
    tensors.push_back(TensorToWrite::fromInt64("from.int", IntTensor { { 3 }, { 1, 2, -3 } }));
    const std::map<std::string, std::string> metadata = { { "format", "pt" },
        { "lumen", "é \"quoted\"" } };

    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("all.safetensors")).toStdString();
    writeSafetensors(path, tensors, metadata);
    const SafetensorsFile file = SafetensorsFile::open(path);
    QCOMPARE(file.path(), path);
    QCOMPARE(file.metadata(), metadata);
    QCOMPARE(file.tensors().size(), tensors.size());
    for (const auto& t : tensors) {
        const TensorEntry* e = file.find(t.name);
        QVERIFY2(e != nullptr, t.name.c_str());
        QCOMPARE(e->dtype, t.dtype);
        QCOMPARE(e->shape, t.shape);
        QCOMPARE(bytesOf(file.data(*e), e->end - e->begin), t.bytes);
        // Every tensor starts aligned to its element size (the reference's ordering; the
        // header is padded to a multiple of 8 bytes).
        QCOMPARE(e->begin % dtypeSize(e->dtype), uint64_t(0));
    }
    const auto find = [&](const char* name) { return file.readFloat(name); };
    QCOMPARE(find("w.f32").data, f32);
    QCOMPARE(find("w.f32").shape, (std::vector<int64_t> { 2, 3 }));
    QCOMPARE(find("w.f64").data, (std::vector<float> { 0.1f, -1e10f, 3.0f }));
    QCOMPARE(
        find("a.f16").data, (std::vector<float> { 1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24) }));
    const FloatTensor b = find("b.bf16");
    QCOMPARE(b.data[0], 1.0f);
    QCOMPARE(b.data[1], -2.5f);
    QVERIFY(std::isinf(b.data[2]) && b.data[2] > 0);
    QCOMPARE(b.data[3], std::ldexp(1.0f, -133));
    QVERIFY(b.data[4] == 0.0f && std::signbit(b.data[4]));
    QCOMPARE(find("empty").shape, (std::vector<int64_t> { 0, 4 }));
    QVERIFY(find("empty").data.empty());
    QCOMPARE(find("scalar").data, std::vector<float> { 9.f });
    QCOMPARE(find("from.float").data, (std::vector<float> { 4.f, 5.f }));
    QCOMPARE(bytesOf(file.data(*file.find("from.int")), 24),
        bytesOfValues(std::vector<int64_t> { 1, 2, -3 }));
}

void TestSafetensors::halfConversion()
{
    // Every one of the 65536 half values, written as F16 and read back as F32.
    std::vector<uint16_t> all(65536);
    for (size_t i = 0; i < all.size(); ++i) {
        all[i] = uint16_t(i);
    }
    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("half.safetensors")).toStdString();
    writeSafetensors(path, { rawTensor("h", DType::F16, { 65536 }, bytesOfValues(all)) });
    const FloatTensor t = SafetensorsFile::open(path).readFloat("h");
    QCOMPARE(t.data.size(), size_t(65536));
    for (size_t i = 0; i < all.size(); ++i) {
        const double expected = halfByDefinition(uint16_t(i));
        if (std::isnan(expected)) {
            QVERIFY2(std::isnan(t.data[i]), qPrintable(QString::number(i, 16)));
            // The payload survives: quiet / signalling bit and sign are kept.
            uint32_t bits;
            std::memcpy(&bits, &t.data[i], 4);
            QCOMPARE(bits >> 13, (uint32_t(i & 0x8000) << 3) | 0x3fc00u | (i & 0x3ffu));
        } else {
            QVERIFY2(double(t.data[i]) == expected, qPrintable(QString::number(i, 16)));
            QCOMPARE(std::signbit(t.data[i]), bool(i & 0x8000));
        }
    }
    // Named landmarks, for a reader of this test.
    QCOMPARE(t.data[0x3c00], 1.0f);
    QCOMPARE(t.data[0xc100], -2.5f);
    QCOMPARE(t.data[0x7bff], 65504.0f);
    QCOMPARE(t.data[0x0001], std::ldexp(1.0f, -24)); // smallest subnormal
    QCOMPARE(t.data[0x03ff], 1023.0f * std::ldexp(1.0f, -24)); // largest subnormal
    QCOMPARE(t.data[0x0400], std::ldexp(1.0f, -14)); // smallest normal
    QCOMPARE(t.data[0x7c00], std::numeric_limits<float>::infinity());
    QCOMPARE(t.data[0xfc00], -std::numeric_limits<float>::infinity());
}

void TestSafetensors::bfloat16Conversion()
{
    std::vector<uint16_t> all(65536);
    for (size_t i = 0; i < all.size(); ++i) {
        all[i] = uint16_t(i);
    }
    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("bf16.safetensors")).toStdString();
    writeSafetensors(path, { rawTensor("b", DType::BF16, { 256, 256 }, bytesOfValues(all)) });
    const FloatTensor t = SafetensorsFile::open(path).readFloat("b");
    QCOMPARE(t.shape, (std::vector<int64_t> { 256, 256 }));
    for (size_t i = 0; i < all.size(); ++i) {
        // bfloat16 is by definition the upper half of a float32.
        uint32_t bits;
        std::memcpy(&bits, &t.data[i], 4);
        QCOMPARE(bits, uint32_t(i) << 16);
    }
    QCOMPARE(t.data[0x3f80], 1.0f);
    QCOMPARE(t.data[0xc020], -2.5f);
    QCOMPARE(t.data[0x0001], std::ldexp(1.0f, -133));
    QCOMPARE(t.data[0x7f80], std::numeric_limits<float>::infinity());
    QVERIFY(std::isnan(t.data[0x7fc0]));
    QCOMPARE(t.data[0x7f7f], floatFromBits(0x7f7f0000u));
}

void TestSafetensors::readFloatRefusals()
{
    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("ints.safetensors")).toStdString();
    writeSafetensors(
        path, { TensorToWrite::fromInt64("input_ids", IntTensor { { 2 }, { 1, 2 } }) });
    const SafetensorsFile file = SafetensorsFile::open(path);
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { file.readFloat("input_ids"); }, &e));
    QCOMPARE(e.kind(), ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString(path + ": tensor 'input_ids' is I64, not a floating-point tensor"));
    QVERIFY(throwsError([&] { file.readFloat("nope"); }, &e));
    QCOMPARE(
        QString::fromStdString(e.what()), QString::fromStdString(path + " has no tensor 'nope'"));
    QVERIFY(file.find("nope") == nullptr);
}

void TestSafetensors::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message"); // after "<path>: "

    const QByteArray ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const auto entry = [](const char* dtype, const char* shape, const char* offsets) {
        return QByteArray(R"({"a":{"dtype":)") + dtype + R"(,"shape":)" + shape
            + R"(,"data_offsets":)" + offsets + "}}";
    };

    QTest::newRow("empty file") << QByteArray()
                                << QStringLiteral(
                                       "the file is empty; expected a safetensors file (an "
                                       "8-byte header length, a JSON header, then the tensor "
                                       "data)");
    QTest::newRow("4-byte file") << QByteArray("\x10\0\0\0", 4)
                                 << QStringLiteral("the file is truncated: 4 bytes, shorter "
                                                   "than the 8-byte header length");
    QTest::newRow("header length beyond the file")
        << safetensorsBytes(ok, 8, 1000)
        << QStringLiteral("the header length is 1000 bytes but only %1 bytes follow; the file "
                          "is truncated or not a safetensors file")
               .arg(ok.size() + 8);
    QTest::newRow("header length over the cap")
        << safetensorsBytes(ok, 8, 100ull * 1024 * 1024 + 1)
        << QStringLiteral("the header length is 104857601 bytes, over the 100 MiB limit; the "
                          "file is corrupt or not a safetensors file");
    QTest::newRow("huge header length")
        << safetensorsBytes(ok, 8, ~0ull)
        << QStringLiteral("the header length is 18446744073709551615 bytes, over the 100 MiB "
                          "limit; the file is corrupt or not a safetensors file");
    QTest::newRow("header not JSON")
        << safetensorsBytes("{'a': 1}", 0)
        << QStringLiteral("the header is not valid JSON (error at byte 2 of the header); the "
                          "file is corrupt or not a safetensors file");
    QTest::newRow("header cut short")
        << safetensorsBytes(ok.left(30), 8)
        << QStringLiteral("the header is not valid JSON (error at byte 31 of the header); the "
                          "file is corrupt or not a safetensors file");
    QTest::newRow("header is a JSON array")
        << safetensorsBytes("[1,2,3]", 0)
        << QStringLiteral("the header is a JSON array, expected an object mapping tensor "
                          "names to entries");
    QTest::newRow("entry not an object")
        << safetensorsBytes(R"({"a":[1,2]})", 0)
        << QStringLiteral("tensor 'a' is a JSON array, expected an object with dtype, shape "
                          "and data_offsets");
    QTest::newRow("missing dtype")
        << safetensorsBytes(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", 8)
        << QStringLiteral("tensor 'a' has no 'dtype'");
    QTest::newRow("missing shape")
        << safetensorsBytes(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", 8)
        << QStringLiteral("tensor 'a' has no 'shape'");
    QTest::newRow("missing data_offsets")
        << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2]}})", 8)
        << QStringLiteral("tensor 'a' has no 'data_offsets'");
    QTest::newRow("dtype not a string")
        << safetensorsBytes(entry("4", "[2]", "[0,8]"), 8)
        << QStringLiteral("tensor 'a' has a 'dtype' that is a JSON number, expected a string "
                          "such as \"F32\"");
    QTest::newRow("unknown dtype")
        << safetensorsBytes(entry("\"F8_E4M3\"", "[2]", "[0,2]"), 2)
        << QStringLiteral("tensor 'a' has dtype 'F8_E4M3', which Lumen does not read (known: "
                          "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
    QTest::newRow("shape not an array")
        << safetensorsBytes(entry("\"F32\"", "2", "[0,8]"), 8)
        << QStringLiteral("tensor 'a' has a 'shape' that is a JSON number, expected an array "
                          "of integers");
    QTest::newRow("negative dimension") << safetensorsBytes(entry("\"F32\"", "[2,-1]", "[0,8]"),
        8) << QStringLiteral("tensor 'a' has a negative dimension (-1) in its shape");
    QTest::newRow("fractional dimension") << safetensorsBytes(entry("\"F32\"", "[2.5]", "[0,8]"),
        8) << QStringLiteral("tensor 'a' has a 'shape' entry that is not an integer (2.5)");
    QTest::newRow("shape overflows")
        << safetensorsBytes(entry("\"F32\"", "[4294967296,4294967296]", "[0,8]"), 8)
        << QStringLiteral("tensor 'a' has a shape [4294967296, 4294967296] too large to "
                          "address");
    QTest::newRow("data_offsets not a pair")
        << safetensorsBytes(entry("\"F32\"", "[2]", "[8]"), 8)
        << QStringLiteral("tensor 'a' has 'data_offsets' [8], expected two non-negative "
                          "integers [begin, end]");
    QTest::newRow("negative offset")
        << safetensorsBytes(entry("\"F32\"", "[2]", "[-8,0]"), 8)
        << QStringLiteral("tensor 'a' has 'data_offsets' [-8,0], expected two non-negative "
                          "integers [begin, end]");
    QTest::newRow("begin after end") << safetensorsBytes(entry("\"F32\"", "[2]", "[16,8]"),
        16) << QStringLiteral("tensor 'a' has data_offsets [16, 8] that end before they begin");
    QTest::newRow("size does not match offsets")
        << safetensorsBytes(entry("\"F32\"", "[3]", "[0,8]"), 12)
        << QStringLiteral("tensor 'a' has data_offsets [0, 8] (8 bytes) but its shape [3] of "
                          "F32 needs 12 bytes");
    QTest::newRow("offsets past the data end")
        << safetensorsBytes(entry("\"F32\"", "[2]", "[8,16]"), 8)
        << QStringLiteral("tensor 'a' has data_offsets [8, 16] past the end of the data area "
                          "(8 bytes); the file is truncated or corrupt");
    QTest::newRow("truncated data area")
        << safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F16","shape":[2,2],"data_offsets":[8,16]}})",
               12)
        << QStringLiteral("tensor 'b' has data_offsets [8, 16] past the end of the data area "
                          "(12 bytes); the file is truncated or corrupt");
    QTest::newRow("overlapping tensors") << safetensorsBytes(
        R"({"z":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
        R"("y":{"dtype":"I64","shape":[1],"data_offsets":[12,20]},)"
        R"("x":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
        20) << QStringLiteral("tensors 'z' and 'x' overlap (data_offsets [0, 8] and [4, 12])");
    QTest::newRow("metadata not an object") << safetensorsBytes(R"({"__metadata__":"pt"})",
        0) << QStringLiteral("__metadata__ is a JSON string, expected an object of strings");
    QTest::newRow("metadata value not a string")
        << safetensorsBytes(R"({"__metadata__":{"format":"pt","step":3}})", 0)
        << QStringLiteral("__metadata__ entry 'step' is a JSON number, expected a string");
}

void TestSafetensors::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("bad.safetensors"));
    QVERIFY(writeAll(path, bytes));
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { SafetensorsFile::open(path.toStdString()); }, &e));
    QCOMPARE(e.kind(), ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(e.what()), path + QStringLiteral(": ") + message);
}

void TestSafetensors::missingFile()
{
    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("absent.safetensors")).toStdString();
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError([&] { SafetensorsFile::open(path); }, &e));
    QCOMPARE(e.kind(), ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString("cannot open " + path + ": No such file or directory"));
    QVERIFY(throwsError([&] { SafetensorsFile::open(tmp.path().toStdString()); }, &e));
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString(
            tmp.path().toStdString() + " is not a regular file; expected a .safetensors file"));
}

void TestSafetensors::writeIntoMissingFolder()
{
    QTemporaryDir tmp;
    const QString folder = tmp.filePath(QStringLiteral("no/such/folder"));
    const std::string path = (folder + QStringLiteral("/out.safetensors")).toStdString();
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError(
        [&] {
            writeSafetensors(
                path, { TensorToWrite::fromFloat("w", FloatTensor { { 1 }, { 1.f } }) });
        },
        &e));
    QCOMPARE(e.kind(), ErrorKind::Io);
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString("cannot write " + path + ": No such file or directory"));
    QVERIFY(!QDir(folder).exists());
    QVERIFY(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).isEmpty());
}

void TestSafetensors::writeLeavesNoTemporaryFile()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("out.safetensors"));
    writeSafetensors(
        path.toStdString(), { TensorToWrite::fromFloat("w", FloatTensor { { 1 }, { 1.f } }) });
    // Overwriting an existing file works the same way.
    writeSafetensors(
        path.toStdString(), { TensorToWrite::fromFloat("v", FloatTensor { { 2 }, { 2.f, 3.f } }) });
    QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
        QStringList { QStringLiteral("out.safetensors") });
    const SafetensorsFile file = SafetensorsFile::open(path.toStdString());
    QCOMPARE(file.tensors().size(), size_t(1));
    QCOMPARE(file.readFloat("v").data, (std::vector<float> { 2.f, 3.f }));
}

void TestSafetensors::diskFullKeepsOldFile()
{
    // A file-size limit makes write() fail with EFBIG part-way, as a full disk would.
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("model.safetensors"));
    writeSafetensors(
        path.toStdString(), { TensorToWrite::fromFloat("w", FloatTensor { { 1 }, { 1.f } }) });
    const QByteArray before = readAll(path);

    FloatTensor big { { 64 * 1024 }, std::vector<float>(64 * 1024, 0.5f) };
    rlimit old {};
    QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
    const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = old;
    limited.rlim_cur = 4096;
    QVERIFY(setrlimit(RLIMIT_FSIZE, &limited) == 0);
    Error e(ErrorKind::Internal, "");
    const bool threw = throwsError(
        [&] { writeSafetensors(path.toStdString(), { TensorToWrite::fromFloat("big", big) }); },
        &e);
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, oldHandler);

    QVERIFY(threw);
    QCOMPARE(e.kind(), ErrorKind::Io);
    QCOMPARE(QString::fromStdString(e.what()),
        QStringLiteral("cannot write ") + path + QStringLiteral(": File too large"));
    QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
        QStringList { QStringLiteral("model.safetensors") });
    QVERIFY(readAll(path) == before);
}

void TestSafetensors::writeRefusesBadInput()
{
    QTemporaryDir tmp;
    const std::string path = tmp.filePath(QStringLiteral("x.safetensors")).toStdString();
    Error e(ErrorKind::Internal, "");
    QVERIFY(throwsError(
        [&] {
            writeSafetensors(path,
                { TensorToWrite::fromFloat("w", FloatTensor { { 1 }, { 1.f } }),
                    TensorToWrite::fromFloat("w", FloatTensor { { 1 }, { 2.f } }) });
        },
        &e));
    QCOMPARE(e.kind(), ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString("cannot write " + path + ": tensor name 'w' appears twice"));
    QVERIFY(throwsError(
        [&] {
            writeSafetensors(path, { rawTensor("w", DType::F32, { 3 }, { 0, 0, 0, 0 }) });
        },
        &e));
    QCOMPARE(e.kind(), ErrorKind::Internal);
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString(
            "cannot write " + path + ": tensor 'w' has shape [3] of F32 but 4 bytes of data"));
    QVERIFY(throwsError(
        [&] { writeSafetensors(path, { rawTensor("__metadata__", DType::U8, { 1 }, { 0 }) }); },
        &e));
    QCOMPARE(QString::fromStdString(e.what()),
        QString::fromStdString("cannot write " + path
            + ": a tensor is named '__metadata__', which safetensors "
              "does not allow"));
    QVERIFY(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).isEmpty());
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
