// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The layering rules of DESIGN.md, checked on the source tree (QGIS's banned-keyword test):
// engine/ and projects/ include no Qt, widgets/ and app/ include no Torch, the engine's public
// headers include no Torch, and every source file opens with the SPDX licence line.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QStringList>
#include <QTest>

namespace {

const QString kSourceDir = QStringLiteral(LUMEN_SOURCE_DIR);
const QByteArray kSpdxLine = QByteArrayLiteral("// SPDX-License-Identifier: GPL-3.0-or-later");

/// `#include <QString>`, `#include "QtCore/qglobal.h"`, `#  include <QWidget>` (case-sensitive:
/// <queue> is not Qt). Anchored at the start of a line, so a commented-out include is fine.
const QRegularExpression& qtInclude()
{
    static const QRegularExpression re(
        QStringLiteral(R"(^\s*#\s*include\s*[<"]Q)"), QRegularExpression::MultilineOption);
    return re;
}

/// LibTorch and its parts: torch/, ATen/, c10/, caffe2/.
const QRegularExpression& torchInclude()
{
    static const QRegularExpression re(
        QStringLiteral(R"(^\s*#\s*include\s*[<"](torch|ATen|c10|caffe2)/)"),
        QRegularExpression::MultilineOption);
    return re;
}

/// Every .cpp and .h below `relativeDir` (tests/data excluded), as paths relative to the
/// source directory.
QStringList sourceFiles(const QString& relativeDir)
{
    QStringList files;
    const QString root = kSourceDir + QLatin1Char('/') + relativeDir;
    QDirIterator it(root, { QStringLiteral("*.cpp"), QStringLiteral("*.h") }, QDir::Files,
        QDirIterator::Subdirectories);
    const QDir source(kSourceDir);
    while (it.hasNext()) {
        const QString relative = source.relativeFilePath(it.next());
        if (relative.startsWith(QLatin1String("tests/data/"))) {
            continue;
        }
        files << relative;
    }
    files.sort();
    return files;
}

QString readAll(const QString& relativePath)
{
    QFile file(kSourceDir + QLatin1Char('/') + relativePath);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(file.readAll());
}

/// "file:line: text" for every line of the files under `dirs` that `re` matches.
QStringList violations(const QStringList& dirs, const QRegularExpression& re)
{
    QStringList found;
    for (const QString& dir : dirs) {
        for (const QString& file : sourceFiles(dir)) {
            const QString text = readAll(file);
            auto matches = re.globalMatch(text);
            while (matches.hasNext()) {
                const auto match = matches.next();
                const int line = text.left(match.capturedStart()).count(QLatin1Char('\n')) + 1;
                const int lineEnd = text.indexOf(QLatin1Char('\n'), match.capturedStart());
                found << QStringLiteral("%1:%2: %3")
                             .arg(file)
                             .arg(line)
                             .arg(text.mid(match.capturedStart(),
                                          lineEnd < 0 ? -1 : lineEnd - match.capturedStart())
                                      .trimmed());
            }
        }
    }
    return found;
}

} // namespace

class TestLayout : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // A walk that finds nothing would pass every check below: make sure it finds the tree.
        QVERIFY2(QFile::exists(kSourceDir + QStringLiteral("/engine/include/lumen/engine/model.h")),
            qPrintable(QStringLiteral("LUMEN_SOURCE_DIR is not the source tree: ") + kSourceDir));
        QVERIFY(sourceFiles(QStringLiteral("engine")).size() > 5);
        QVERIFY(!sourceFiles(QStringLiteral("app")).isEmpty());
    }

    // The regexes themselves, so a typo cannot turn the checks below into no-ops.
    void regexSelfCheck_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("isQt");
        QTest::addColumn<bool>("isTorch");
        QTest::newRow("qt class header") << QStringLiteral("#include <QString>") << true << false;
        QTest::newRow("qt module path")
            << QStringLiteral("#include \"QtCore/qglobal.h\"") << true << false;
        QTest::newRow("spaced directive")
            << QStringLiteral("  #  include <QWidget>") << true << false;
        QTest::newRow("std queue") << QStringLiteral("#include <queue>") << false << false;
        QTest::newRow("commented out") << QStringLiteral("// #include <QString>") << false << false;
        QTest::newRow("torch") << QStringLiteral("#include <torch/torch.h>") << false << true;
        QTest::newRow("aten") << QStringLiteral("#include <ATen/Parallel.h>") << false << true;
        QTest::newRow("c10 quoted")
            << QStringLiteral("#include \"c10/util/Half.h\"") << false << true;
        QTest::newRow("lumen header")
            << QStringLiteral("#include \"lumen/engine/model.h\"") << false << false;
    }

    void regexSelfCheck()
    {
        QFETCH(QString, line);
        QFETCH(bool, isQt);
        QFETCH(bool, isTorch);
        const QString text = QStringLiteral("// SPDX\n") + line + QStringLiteral("\nint x;\n");
        QCOMPARE(qtInclude().match(text).hasMatch(), isQt);
        QCOMPARE(torchInclude().match(text).hasMatch(), isTorch);
    }

    void engineAndProjectsIncludeNoQt()
    {
        const QStringList found =
            violations({ QStringLiteral("engine"), QStringLiteral("projects") }, qtInclude());
        QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
    }

    void engineAndProjectsLinkNoQt()
    {
        for (const QString& file : { QStringLiteral("engine/CMakeLists.txt"),
                 QStringLiteral("projects/CMakeLists.txt") }) {
            const QString text = readAll(file);
            QVERIFY2(!text.isEmpty(), qPrintable(file));
            QVERIFY2(!text.contains(QLatin1String("Qt6::")),
                qPrintable(file + QStringLiteral(" links a Qt library")));
        }
    }

    void widgetsAndAppIncludeNoTorch()
    {
        const QStringList found =
            violations({ QStringLiteral("widgets"), QStringLiteral("app") }, torchInclude());
        QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
    }

    void enginePublicHeadersIncludeNoTorch()
    {
        const QStringList found = violations({ QStringLiteral("engine/include") }, torchInclude());
        QVERIFY2(found.isEmpty(), qPrintable(found.join(QLatin1Char('\n'))));
    }

    void everySourceFileHasSpdxLine()
    {
        QStringList missing;
        int checked = 0;
        for (const QString& dir : { QStringLiteral("engine"), QStringLiteral("projects"),
                 QStringLiteral("widgets"), QStringLiteral("app"), QStringLiteral("tests") }) {
            for (const QString& file : sourceFiles(dir)) {
                QFile f(kSourceDir + QLatin1Char('/') + file);
                QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(file));
                const QByteArray first = f.readLine().trimmed();
                if (first != kSpdxLine) {
                    missing << file;
                }
                ++checked;
            }
        }
        QVERIFY(checked > 20);
        QVERIFY2(missing.isEmpty(),
            qPrintable(QStringLiteral("files not starting with \"%1\":\n%2")
                           .arg(QString::fromLatin1(kSpdxLine), missing.join(QLatin1Char('\n')))));
    }
};

QTEST_GUILESS_MAIN(TestLayout)
#include "tst_layout.moc"
