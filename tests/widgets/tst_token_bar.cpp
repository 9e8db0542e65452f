// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The token bar: it holds and paints exactly the values handed in, one bar per token with
// heights in proportion, a tooltip with the exact value, a highlighted token, clicks, and
// a scroll bar for long inputs.

#include "lumen/widgets/token_bar.h"

#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <cstring>

using lumen::widgets::TokenBar;

namespace {

QStringList tokens(int n)
{
    QStringList t;
    for (int i = 0; i < n; ++i) {
        t << QStringLiteral("tok%1").arg(i);
    }
    return t;
}

bool sameBits(float a, float b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

bool showSized(QWidget& w, QSize size)
{
    w.resize(size);
    w.show();
    return QTest::qWaitForWindowExposed(&w);
}

} // namespace

class TestTokenBar : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void holdsExactlyTheValues();
    void barHeightsFollowTheValues();
    void paintsEachBar();
    void highlightAndClick();
    void longInputsScroll();
    void negativeValuesHangBelowZero();
    void refusesMismatchedData();
};

void TestTokenBar::holdsExactlyTheValues()
{
    TokenBar bar;
    const std::vector<float> values = { 0.1f, 0.2345678f, 1.0e-7f, 0.0f, 0.66543210f };
    bar.setData(tokens(5), values, QStringLiteral("Rollout from 'tok2'"));
    QCOMPARE(bar.count(), 5);
    QCOMPARE(bar.tokens(), tokens(5));
    QCOMPARE(bar.title(), QStringLiteral("Rollout from 'tok2'"));
    for (int i = 0; i < 5; ++i) {
        QVERIFY(sameBits(bar.value(i), values[static_cast<size_t>(i)]));
    }
    QVERIFY(bar.values() == values);
    QVERIFY(std::isnan(bar.value(5)));
    QVERIFY(std::isnan(bar.value(-1)));
    QCOMPARE(bar.toolTipText(1), QStringLiteral("'tok1' (position 1): 0.2346"));
    QCOMPARE(bar.toolTipText(2), QStringLiteral("'tok2' (position 2): 1e-07"));
    QCOMPARE(bar.toolTipText(9), QString());
    QCOMPARE(bar.valueRange(), std::make_pair(0.0, static_cast<double>(0.66543210f)));
}

void TestTokenBar::barHeightsFollowTheValues()
{
    TokenBar bar;
    QVERIFY(showSized(bar, { 640, 260 }));
    const std::vector<float> values = { 0.25f, 1.0f, 0.5f, 0.0f, 0.75f };
    bar.setData(tokens(5), values);
    const int full = bar.barRect(1).height();
    QVERIFY(full > 50);
    for (int i = 0; i < 5; ++i) {
        const QRect r = bar.barRect(i);
        QVERIFY2(std::abs(r.height() - values[static_cast<size_t>(i)] * full) <= 1.0,
            qPrintable(QStringLiteral("bar %1: %2 px of %3").arg(i).arg(r.height()).arg(full)));
        // All bars stand on the same baseline, one column each, left to right.
        QCOMPARE(r.isEmpty() ? bar.barRect(1).bottom() : r.bottom(), bar.barRect(1).bottom());
        QCOMPARE(bar.tokenAt(QPoint(r.center().x(), r.center().y())), i);
    }
    QVERIFY(bar.barRect(3).isEmpty());
    QVERIFY(bar.barRect(0).right() < bar.barRect(1).left());
    QVERIFY(!bar.scrollBar()->isVisible());
}

void TestTokenBar::paintsEachBar()
{
    TokenBar bar;
    QVERIFY(showSized(bar, { 640, 260 }));
    bar.setData(tokens(6), { 0.3f, 0.9f, 0.1f, 0.6f, 0.5f, 0.2f });
    bar.setHighlightedToken(3);
    const QImage image = bar.canvas()->grab().toImage();
    const QColor blue(0x00, 0x72, 0xb2);
    const QColor vermillion(0xd5, 0x5e, 0x00);
    for (int i = 0; i < 6; ++i) {
        const QColor painted = image.pixelColor(bar.barRect(i).center());
        QCOMPARE(painted, i == 3 ? vermillion : blue);
        // Just above the bar, the background.
        const QPoint above(bar.barRect(i).center().x(), bar.barRect(i).top() - 3);
        QVERIFY(image.pixelColor(above) != blue);
    }
}

void TestTokenBar::highlightAndClick()
{
    TokenBar bar;
    QVERIFY(showSized(bar, { 640, 260 }));
    bar.setData(tokens(8), std::vector<float>(8, 0.5f));
    QSignalSpy clicked(&bar, &TokenBar::tokenClicked);
    QTest::mouseClick(bar.canvas(), Qt::LeftButton, Qt::NoModifier, bar.barRect(5).center());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.first().at(0).toInt(), 5);
    QCOMPARE(bar.highlightedToken(), 5);
    // Under a bar, on its label, is the same token.
    QTest::mouseClick(bar.canvas(), Qt::LeftButton, Qt::NoModifier,
        QPoint(bar.barRect(2).center().x(), bar.barRect(2).bottom() + 10));
    QCOMPARE(clicked.count(), 2);
    QCOMPARE(clicked.last().at(0).toInt(), 2);
    bar.setHighlightedToken(-1);
    QCOMPARE(bar.highlightedToken(), -1);
    bar.setHighlightedToken(100);
    QCOMPARE(bar.highlightedToken(), -1);
}

void TestTokenBar::longInputsScroll()
{
    TokenBar bar;
    QVERIFY(showSized(bar, { 640, 260 }));
    const int n = 2048;
    std::vector<float> values(n);
    for (int i = 0; i < n; ++i) {
        values[static_cast<size_t>(i)] = static_cast<float>((i * 37) % 101) / 100.0f;
    }
    bar.setData(tokens(n), values);
    QVERIFY(bar.scrollBar()->isVisible());
    QCOMPARE(bar.barWidth(), 18);
    QVERIFY(bar.scrollBar()->maximum() > n * 18 - 700);
    // Highlighting a far token scrolls it into view.
    QVERIFY(!bar.canvas()->rect().contains(bar.barRect(2000)));
    bar.setHighlightedToken(2000);
    QVERIFY(bar.scrollBar()->value() > 0);
    QVERIFY(bar.canvas()->rect().contains(bar.barRect(2000).center()));
    QCOMPARE(bar.tokenAt(bar.barRect(2000).center()), 2000);
    QVERIFY(sameBits(bar.value(2000), values[2000]));
    // The wheel scrolls along the tokens.
    const int before = bar.scrollBar()->value();
    QWheelEvent wheel(QPointF(100, 100), bar.canvas()->mapToGlobal(QPointF(100, 100)), QPoint(),
        QPoint(0, -120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(bar.canvas(), &wheel);
    QVERIFY(bar.scrollBar()->value() > before);
    // The painted bar under the scroll position is the one tokenAt names.
    const QImage image = bar.canvas()->grab().toImage();
    const int shown = bar.tokenAt(QPoint(bar.canvas()->width() / 2, 20));
    QVERIFY(shown > 0);
    if (values[static_cast<size_t>(shown)] > 0.1f) {
        QCOMPARE(image.pixelColor(bar.barRect(shown).center()).name(), QStringLiteral("#0072b2"));
    }
}

void TestTokenBar::negativeValuesHangBelowZero()
{
    TokenBar bar;
    QVERIFY(showSized(bar, { 640, 260 }));
    bar.setData(tokens(3), { 0.5f, -0.25f, 0.25f });
    QCOMPARE(bar.valueRange(), std::make_pair(-0.25, 0.5));
    const QRect up = bar.barRect(0);
    const QRect down = bar.barRect(1);
    QVERIFY(down.top() >= up.bottom()); // starts at the zero line, goes down
    QVERIFY(std::abs(down.height() * 2 - up.height()) <= 2);
}

void TestTokenBar::refusesMismatchedData()
{
    TokenBar bar;
    bar.setData(tokens(3), { 0.1f, 0.2f, 0.3f });
    QTest::ignoreMessage(QtWarningMsg, "TokenBar: 3 tokens but 2 values; not drawing");
    bar.setData(tokens(3), { 0.1f, 0.2f });
    QCOMPARE(bar.count(), 0);
    QVERIFY(bar.tokens().isEmpty());
}

QTEST_MAIN(TestTokenBar)
#include "tst_token_bar.moc"
