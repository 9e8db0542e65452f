// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// tests/data/conformance must stay a byte-identical copy of the reference set. Where the
// shared set sits beside the checkout (../shared/conformance), every file is compared.
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTest>

namespace {

QByteArray sha256(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

QStringList relativeFiles(const QString& root)
{
    QStringList files;
    QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        files << QDir(root).relativeFilePath(it.next());
    }
    files.sort();
    return files;
}

} // namespace

class TestConformanceData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void copyIsIdentical()
    {
        const QString copy = QStringLiteral(LUMEN_TEST_DATA "/conformance");
        const QString source = QStringLiteral(LUMEN_SOURCE_DIR "/../shared/conformance");
        QVERIFY2(QDir(copy).exists(), "tests/data/conformance is missing");
        if (!QDir(source).exists()) {
            QSKIP("../shared/conformance is not beside this checkout");
        }
        const QStringList files = relativeFiles(source);
        QVERIFY(!files.isEmpty());
        QCOMPARE(relativeFiles(copy), files);
        for (const QString& file : files) {
            QVERIFY2(sha256(copy + u'/' + file) == sha256(source + u'/' + file),
                     qPrintable(file + QStringLiteral(" differs from the reference copy")));
        }
    }
};

QTEST_GUILESS_MAIN(TestConformanceData)
#include "tst_conformance_data.moc"
