// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The shared colour maps: viridis and cividis hit matplotlib's published colours at the
// ends and in the middle, grow lighter monotonically (what makes them readable in grey and
// with colour-blind vision), quantise and clamp as documented; the head palette repeats only
// after its nine colours.

#include "lumen/widgets/color_maps.h"

#include <QTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

namespace colormaps = lumen::widgets::colormaps;

namespace {

int distance(QRgb a, QRgb b)
{
    return std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b))
        + std::abs(qBlue(a) - qBlue(b));
}

double luminance(QRgb c)
{
    const auto linear = [](int v) {
        const double s = v / 255.0;
        return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(qRed(c)) + 0.7152 * linear(qGreen(c)) + 0.0722 * linear(qBlue(c));
}

} // namespace

class TestColorMaps : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void viridisMatchesTheReference();
    void cividisMatchesTheReference();
    void lightnessGrowsMonotonically();
    void quantisesAndClamps();
    void categoricalColoursRepeatAfterTwelve();
};

void TestColorMaps::viridisMatchesTheReference()
{
    const colormaps::Table& t = colormaps::sequentialTable(colormaps::Sequential::Viridis);
    // matplotlib's _viridis_data entries 0, 64, 128, 192 and 255, rounded to 8 bits, and two
    // entries between the stops the table interpolates (within 1/255 per channel).
    QCOMPARE(t[0], qRgb(68, 1, 84));
    QCOMPARE(t[64], qRgb(59, 82, 139));
    QCOMPARE(t[128], qRgb(33, 145, 140));
    QCOMPARE(t[192], qRgb(94, 201, 98));
    QCOMPARE(t[255], qRgb(253, 231, 37));
    QVERIFY(distance(t[100], qRgb(42, 118, 142)) <= 3); // entry 100: 0.166617 0.463708 0.558119
    QVERIFY(distance(t[200], qRgb(112, 207, 87)) <= 3); // entry 200: 0.440137 0.811138 0.340967
    QCOMPARE(colormaps::sequential(0.0), t[0]);
    QCOMPARE(colormaps::sequential(1.0), t[255]);
    QCOMPARE(colormaps::sequential(0.5), t[128]);
}

void TestColorMaps::cividisMatchesTheReference()
{
    const colormaps::Table& t = colormaps::sequentialTable(colormaps::Sequential::Cividis);
    QCOMPARE(t[0], qRgb(0, 34, 78));
    QCOMPARE(t[128], qRgb(125, 124, 120));
    QCOMPARE(t[255], qRgb(254, 232, 56));
    QCOMPARE(colormaps::sequential(1.0, colormaps::Sequential::Cividis), t[255]);
    QVERIFY(t[0] != colormaps::sequentialTable()[0]);
}

void TestColorMaps::lightnessGrowsMonotonically()
{
    for (const auto map : { colormaps::Sequential::Viridis, colormaps::Sequential::Cividis }) {
        const colormaps::Table& t = colormaps::sequentialTable(map);
        // Neighbours may differ by one 8-bit step against the trend (rounding); across
        // eight entries the map always grows lighter.
        for (int i = 1; i < colormaps::kTableSize; ++i) {
            QVERIFY2(luminance(t[i]) >= luminance(t[i - 1]) - 1e-3,
                qPrintable(QStringLiteral("entry %1 darker than %2").arg(i).arg(i - 1)));
            if (i >= 8) {
                QVERIFY2(luminance(t[i]) > luminance(t[i - 8]),
                    qPrintable(QStringLiteral("entry %1 not lighter than %2").arg(i).arg(i - 8)));
            }
        }
        QVERIFY(luminance(t[255]) > 10 * luminance(t[0]));
    }
}

void TestColorMaps::quantisesAndClamps()
{
    QCOMPARE(colormaps::sequentialIndex(0.0), 0);
    QCOMPARE(colormaps::sequentialIndex(1.0), 255);
    QCOMPARE(colormaps::sequentialIndex(-3.0), 0);
    QCOMPARE(colormaps::sequentialIndex(7.0), 255);
    QCOMPARE(colormaps::sequentialIndex(std::numeric_limits<double>::quiet_NaN()), 0);
    QCOMPARE(colormaps::sequentialIndex(0.25), 64); // 63.75 rounds up
    QCOMPARE(colormaps::sequentialIndex(100.0 / 255.0), 100);
}

void TestColorMaps::categoricalColoursRepeatAfterTwelve()
{
    // CIELAB (D65) of an sRGB colour.
    const auto lab = [](QRgb rgb) {
        const auto linear = [](int c) {
            const double v = c / 255.0;
            return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
        };
        const double r = linear(qRed(rgb)), g = linear(qGreen(rgb)), b = linear(qBlue(rgb));
        const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        const auto f = [](double t) {
            return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0;
        };
        return std::array<double, 3> { 116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)) };
    };
    std::set<QRgb> seen;
    double closest = 1e9;
    for (int i = 0; i < colormaps::kCategoricalCount; ++i) {
        seen.insert(colormaps::categorical(i).rgb());
        for (int j = 0; j < i; ++j) {
            const auto a = lab(colormaps::categorical(i).rgb());
            const auto b = lab(colormaps::categorical(j).rgb());
            closest = std::min(closest, std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
        }
    }
    QCOMPARE(static_cast<int>(seen.size()), colormaps::kCategoricalCount);
    QCOMPARE(colormaps::kCategoricalCount, 12); // the heads of a BERT-base layer
    // Every two heads' colours are told apart (Delta E 1976 over 20), as in Tol's nine.
    QVERIFY2(closest > 20.0, qPrintable(QString::number(closest)));
    QCOMPARE(colormaps::categorical(0), QColor(0xcc, 0x66, 0x77)); // Tol's muted rose
    QCOMPARE(colormaps::categorical(12), colormaps::categorical(0));
    QCOMPARE(colormaps::categorical(-1), colormaps::categorical(11));
}

QTEST_APPLESS_MAIN(TestColorMaps)
#include "tst_color_maps.moc"
