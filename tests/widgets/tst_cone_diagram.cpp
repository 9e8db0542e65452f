// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The cone diagram: levels drawn bottom (input) to top, the cells it fills, clicks choosing a
// token, data that does not fit refused, and what a person sees (the apex in vermillion, a
// dilated kernel's gaps left empty).
#include "lumen/widgets/cone_diagram.h"

#include <QImage>
#include <QSignalSpy>
#include <QTest>

using lumen::widgets::ConeData;
using lumen::widgets::ConeDiagram;

namespace {

ConeData dilatedCone()
{
    ConeData d;
    for (int i = 0; i < 12; ++i) {
        d.tokens << QStringLiteral("t%1").arg(i);
    }
    d.levels = { QStringLiteral("input"), QStringLiteral("1 · k3 d4") };
    d.reach = { std::vector<uint8_t>(12, 0), std::vector<uint8_t>(12, 0) };
    for (const int j : { 2, 6, 10 }) {
        d.reach[0][static_cast<size_t>(j)] = 1;
    }
    d.reach[1][6] = 1;
    d.position = 6;
    return d;
}

} // namespace

class TestConeDiagram : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void drawsLevelsAndGaps()
    {
        ConeDiagram cone;
        cone.resize(600, 200);
        cone.setData(dilatedCone());
        cone.show();
        QVERIFY(QTest::qWaitForWindowExposed(&cone));
        QCOMPARE(cone.reachCount(0), 3);
        QCOMPARE(cone.reachCount(1), 1);
        // The input row is the lowest.
        QVERIFY(cone.cellRect(0, 0).top() > cone.cellRect(1, 0).top());
        QCOMPARE(cone.cellRect(0, 3).left(), cone.cellRect(1, 3).left());
        const QImage image = cone.grab().toImage();
        const auto colourAt = [&](int level, int token) { return QColor(image.pixel(cone.cellRect(level, token).center())); };
        QCOMPARE(colourAt(1, 6), QColor(0xd5, 0x5e, 0x00)); // the apex
        QCOMPARE(colourAt(0, 2), QColor(0x00, 0x72, 0xb2)); // reached through the kernel's tap
        QCOMPARE(colourAt(0, 4), QColor(0xee, 0xee, 0xee)); // a gap between the taps
        QCOMPARE(colourAt(1, 5), QColor(0xee, 0xee, 0xee));
    }

    void clicksChooseTokens()
    {
        ConeDiagram cone;
        cone.resize(600, 200);
        cone.setData(dilatedCone());
        cone.show();
        QVERIFY(QTest::qWaitForWindowExposed(&cone));
        QSignalSpy clicked(&cone, &ConeDiagram::tokenClicked);
        QTest::mouseClick(&cone, Qt::LeftButton, {}, cone.cellRect(0, 9).center());
        QCOMPARE(clicked.count(), 1);
        QCOMPARE(clicked.front().front().toInt(), 9);
        QCOMPARE(cone.tokenAt(QPoint(1, 1)), -1); // the level names' margin
    }

    void badDataIsRefused()
    {
        ConeDiagram cone;
        ConeData d = dilatedCone();
        d.reach[0].pop_back();
        cone.setData(d);
        QVERIFY(cone.data().tokens.isEmpty());
        QCOMPARE(cone.reachCount(0), 0);
        d = dilatedCone();
        d.levels.removeLast();
        cone.setData(d);
        QVERIFY(cone.data().tokens.isEmpty());
        d = dilatedCone();
        d.inputShade = { 0.5f };
        cone.setData(d);
        QVERIFY(cone.data().tokens.isEmpty());
        cone.setData(dilatedCone());
        QCOMPARE(cone.data().tokens.size(), 12);
    }
};

QTEST_MAIN(TestConeDiagram)
#include "tst_cone_diagram.moc"
