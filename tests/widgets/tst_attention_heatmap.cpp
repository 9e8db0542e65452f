// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The attention heatmap and view: the colour map holds exactly the data it is handed, one
// cell per token pair, token labels on both axes, hover reports the cell under the mouse,
// and the view's layer/head selectors pick the right slice.

#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/qcustomplot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>

using lumen::widgets::AttentionHeatmap;
using lumen::widgets::AttentionHeatmapData;
using lumen::widgets::AttentionSet;
using lumen::widgets::AttentionView;

namespace {

// Values chosen so that a float -> double -> float round trip or a transposition shows:
// every cell differs, and several are not representable in few bits.
AttentionHeatmapData matrix3x4()
{
    AttentionHeatmapData d;
    d.queryTokens = { QStringLiteral("the"), QStringLiteral("fox"), QStringLiteral("jumps") };
    d.keyTokens = { QStringLiteral("[CLS]"), QStringLiteral("the"), QStringLiteral("fox"),
        QStringLiteral("[SEP]") };
    d.weights = { 0.1f, 0.2345678f, 0.3f, 0.3654322f, //
        1.0e-7f, 0.9999999f, 0.0f, 0.0f, //
        0.33333334f, 0.25f, 0.125f, 0.29166666f };
    d.title = QStringLiteral("Layer 0 · Head 0");
    return d;
}

bool sameBits(float a, float b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// A set whose every weight encodes its own (layer, head, query, key), so a slice taken from
// the wrong place cannot match by accident.
AttentionSet codedSet(int layers, int heads, int seq)
{
    AttentionSet s;
    s.layers = layers;
    s.heads = heads;
    s.seq = seq;
    for (int i = 0; i < seq; ++i) {
        s.tokens << QStringLiteral("t%1").arg(i);
    }
    auto weights = std::make_shared<std::vector<float>>();
    for (int l = 0; l < layers; ++l) {
        for (int h = 0; h < heads; ++h) {
            for (int q = 0; q < seq; ++q) {
                for (int k = 0; k < seq; ++k) {
                    weights->push_back(
                        static_cast<float>(l * 1000 + h * 100 + q * 10 + k) / 10000.0f);
                }
            }
        }
    }
    s.weights = std::move(weights);
    return s;
}

void moveMouse(QWidget* target, QPointF pos)
{
    QMouseEvent event(QEvent::MouseMove, pos, target->mapToGlobal(pos), Qt::NoButton, Qt::NoButton,
        Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

} // namespace

class TestAttentionHeatmap : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void holdsExactlyTheData();
    void oneCellPerTokenPairWithoutInterpolation();
    void tokensAreTheTickLabels();
    void queriesRunTopToBottom();
    void colourScaleSpansZeroToOne();
    void hoverReportsTheCellUnderTheMouse();
    void leavingTheCellsClearsTheHover();
    void refusesInconsistentData();
    void denseMapsThinTheLabels();
    void drawsEachCellInItsColour();
    void drawsASingleTokenMap();
    void viewShowsTheChosenSlice();
    void viewSelectorsDriveTheSlice();
    void viewMeanOfHeads();
    void viewShowsHintWithoutData();
    void viewKeepsASelectionMadeBeforeData();
    void stretchedColoursSpanToTheLargestWeight();
};

void TestAttentionHeatmap::holdsExactlyTheData()
{
    AttentionHeatmap w;
    const AttentionHeatmapData d = matrix3x4();
    w.setData(d);
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            const float expected = d.weights[static_cast<size_t>(q) * 4 + k];
            QVERIFY2(sameBits(w.cellValue(q, k), expected),
                qPrintable(QStringLiteral("cell (%1, %2): %3 != %4")
                               .arg(q)
                               .arg(k)
                               .arg(w.cellValue(q, k), 0, 'g', 9)
                               .arg(expected, 0, 'g', 9)));
        }
    }
    QVERIFY(std::isnan(w.cellValue(3, 0)));
    QVERIFY(std::isnan(w.cellValue(0, 4)));
    QCOMPARE(w.data().weights, d.weights);
    QCOMPARE(w.data().title, d.title);
}

void TestAttentionHeatmap::oneCellPerTokenPairWithoutInterpolation()
{
    AttentionHeatmap w;
    w.setData(matrix3x4());
    QCOMPARE(w.colorMap()->data()->keySize(), 4); // keys along x
    QCOMPARE(w.colorMap()->data()->valueSize(), 3); // queries along y
    QCOMPARE(w.colorMap()->interpolate(), false);
    // Cell centres sit on integer coordinates so tick i labels cell i.
    double key = -1;
    double value = -1;
    w.colorMap()->data()->cellToCoord(3, 2, &key, &value);
    QCOMPARE(key, 3.0);
    QCOMPARE(value, 2.0);
    QCOMPARE(w.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(w.plot()->xAxis->range().upper, 3.5);
    QCOMPARE(w.plot()->yAxis->range().lower, -0.5);
    QCOMPARE(w.plot()->yAxis->range().upper, 2.5);
}

void TestAttentionHeatmap::tokensAreTheTickLabels()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    const AttentionHeatmapData d = matrix3x4();
    w.setData(d);
    QCOMPARE(w.keyTickLabels(), d.keyTokens);
    QCOMPARE(w.queryTickLabels(), d.queryTokens);

    // Straight from the axis tickers, with their positions.
    auto xTicker = w.plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    auto yTicker = w.plot()->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(xTicker);
    QVERIFY(yTicker);
    QCOMPARE(xTicker->ticks().keys(), QList<double>({ 0, 1, 2, 3 }));
    QCOMPARE(xTicker->ticks().value(2), QStringLiteral("fox"));
    QCOMPARE(yTicker->ticks().keys(), QList<double>({ 0, 1, 2 }));
    QCOMPARE(yTicker->ticks().value(2), QStringLiteral("jumps"));
    QCOMPARE(std::abs(w.plot()->xAxis->tickLabelRotation()), 90.0);
    QCOMPARE(w.plot()->xAxis->tickLabels(), true);
    QCOMPARE(w.plot()->yAxis->tickLabels(), true);
}

void TestAttentionHeatmap::queriesRunTopToBottom()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setData(matrix3x4());
    w.plot()->replot();
    QVERIFY(w.plot()->yAxis->coordToPixel(0) < w.plot()->yAxis->coordToPixel(2));
    QVERIFY(w.plot()->xAxis->coordToPixel(0) < w.plot()->xAxis->coordToPixel(3));
}

void TestAttentionHeatmap::colourScaleSpansZeroToOne()
{
    AttentionHeatmap w;
    w.setData(matrix3x4());
    QCOMPARE(w.colorMap()->dataRange().lower, 0.0);
    QCOMPARE(w.colorMap()->dataRange().upper, 1.0);
    QVERIFY(w.colorScale() != nullptr);
    QCOMPARE(w.colorMap()->colorScale(), w.colorScale());
    QCOMPARE(w.colorScale()->dataRange().lower, 0.0);
    QCOMPARE(w.colorScale()->dataRange().upper, 1.0);
    // Perceptual ordering: the low end is darker than the high end.
    QCPColorGradient g = w.colorMap()->gradient();
    const QColor low = QColor::fromRgb(g.color(0.0, QCPRange(0, 1)));
    const QColor high = QColor::fromRgb(g.color(1.0, QCPRange(0, 1)));
    QVERIFY(low.lightness() < 60);
    QVERIFY(high.lightness() > 120);
}

void TestAttentionHeatmap::hoverReportsTheCellUnderTheMouse()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const AttentionHeatmapData d = matrix3x4();
    w.setData(d);
    w.plot()->replot();

    QSignalSpy spy(&w, &AttentionHeatmap::cellHovered);
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            const QPointF centre(
                w.plot()->xAxis->coordToPixel(k), w.plot()->yAxis->coordToPixel(q));
            moveMouse(w.plot(), centre);
            QCOMPARE(spy.count(), 1);
            const QList<QVariant> args = spy.takeFirst();
            QCOMPARE(args.at(0).toInt(), q);
            QCOMPARE(args.at(1).toInt(), k);
            QVERIFY(sameBits(args.at(2).toFloat(), d.weights[static_cast<size_t>(q) * 4 + k]));
        }
    }
    // Moving within the same cell does not repeat the signal.
    const QPointF nearCentre(
        w.plot()->xAxis->coordToPixel(3.2), w.plot()->yAxis->coordToPixel(2.2));
    moveMouse(w.plot(), nearCentre);
    QCOMPARE(spy.count(), 0);

    QCOMPARE(w.plot()->toolTip(), QStringLiteral("query 'jumps' → key '[SEP]': 0.2917"));
    QCOMPARE(w.cellText(0, 1), QStringLiteral("query 'the' → key 'the': 0.2346"));
}

void TestAttentionHeatmap::leavingTheCellsClearsTheHover()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setData(matrix3x4());
    w.plot()->replot();

    QSignalSpy hovered(&w, &AttentionHeatmap::cellHovered);
    QSignalSpy cleared(&w, &AttentionHeatmap::hoverCleared);
    moveMouse(w.plot(), { w.plot()->xAxis->coordToPixel(1), w.plot()->yAxis->coordToPixel(1) });
    QCOMPARE(hovered.count(), 1);
    // Outside the axis rect (the title row at the very top).
    moveMouse(w.plot(), { 2.0, 2.0 });
    QCOMPARE(cleared.count(), 1);
    QVERIFY(w.plot()->toolTip().isEmpty());
}

void TestAttentionHeatmap::refusesInconsistentData()
{
    AttentionHeatmap w;
    w.setData(matrix3x4());
    AttentionHeatmapData bad = matrix3x4();
    bad.weights.pop_back();
    QTest::ignoreMessage(
        QtWarningMsg, "AttentionHeatmap: 3 x 4 tokens but 11 weights; not drawing");
    w.setData(bad);
    QVERIFY(!w.data().isValid());
    QCOMPARE(w.colorMap()->data()->keySize(), 0);
    QVERIFY(std::isnan(w.cellValue(0, 0)));
    QVERIFY(w.keyTickLabels().isEmpty());
}

void TestAttentionHeatmap::denseMapsThinTheLabels()
{
    AttentionHeatmap w;
    w.resize(400, 360);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    AttentionHeatmapData d;
    const int n = 128;
    for (int i = 0; i < n; ++i) {
        d.queryTokens << QStringLiteral("w%1").arg(i);
    }
    d.keyTokens = d.queryTokens;
    d.weights.assign(static_cast<size_t>(n) * n, 1.0f / n);
    w.setData(d);
    w.plot()->replot();
    QTRY_VERIFY(w.keyTickLabels().size() < n);
    QVERIFY(w.keyTickLabels().size() > 4);
    QCOMPARE(w.keyTickLabels().first(), QStringLiteral("w0"));
    // Every cell is still there, whatever the labels.
    QCOMPARE(w.colorMap()->data()->keySize(), n);
    QCOMPARE(w.colorMap()->data()->valueSize(), n);
}

namespace {

// The colour the plot painted at cell (q, k)'s centre against the colour the gradient gives
// the cell's value: each cell is one flat block in its own colour.
QString cellColourMismatch(AttentionHeatmap& w, const QImage& image, int q, int k)
{
    const QPoint centre(
        qRound(w.plot()->xAxis->coordToPixel(k)), qRound(w.plot()->yAxis->coordToPixel(q)));
    QCPColorGradient gradient = w.colorMap()->gradient();
    const QColor expected =
        QColor::fromRgb(gradient.color(w.cellValue(q, k), w.colorMap()->dataRange()));
    const QColor actual = image.pixelColor(centre);
    const int diff = std::abs(actual.red() - expected.red())
        + std::abs(actual.green() - expected.green()) + std::abs(actual.blue() - expected.blue());
    if (diff <= 6) {
        return {};
    }
    return QStringLiteral("cell (%1, %2) at (%3, %4): painted %5, expected %6")
        .arg(q)
        .arg(k)
        .arg(centre.x())
        .arg(centre.y())
        .arg(actual.name(), expected.name());
}

} // namespace

void TestAttentionHeatmap::drawsEachCellInItsColour()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setData(matrix3x4());
    w.plot()->replot();
    const QImage image = w.plot()->toPixmap().toImage();
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            const QString mismatch = cellColourMismatch(w, image, q, k);
            QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        }
    }
    // Without interpolation a cell is flat up to its edge: a point near the corner of cell
    // (1, 1) has that cell's colour, not a blend with (0, 0) (0.1 vs 0.9999999).
    const QPoint nearCorner(
        qRound(w.plot()->xAxis->coordToPixel(0.6)), qRound(w.plot()->yAxis->coordToPixel(0.6)));
    QCOMPARE(image.pixelColor(nearCorner),
        image.pixelColor(QPoint(qRound(w.plot()->xAxis->coordToPixel(1.0)),
            qRound(w.plot()->yAxis->coordToPixel(1.0)))));
}

void TestAttentionHeatmap::drawsASingleTokenMap()
{
    AttentionHeatmap w;
    w.resize(400, 400);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    AttentionHeatmapData d;
    d.queryTokens = d.keyTokens = { QStringLiteral("hello") };
    d.weights = { 1.0f };
    w.setData(d);
    w.plot()->replot();
    QCOMPARE(w.cellValue(0, 0), 1.0f);
    QCOMPARE(w.keyTickLabels(), QStringList { QStringLiteral("hello") });
    const QImage image = w.plot()->toPixmap().toImage();
    const QString mismatch = cellColourMismatch(w, image, 0, 0);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestAttentionHeatmap::viewShowsTheChosenSlice()
{
    AttentionView view;
    const AttentionSet set = codedSet(/*layers=*/3, /*heads=*/4, /*seq=*/5);
    view.setData(set);
    QVERIFY(!view.isShowingHint());

    QSignalSpy layerSpy(&view, &AttentionView::layerChanged);
    QSignalSpy headSpy(&view, &AttentionView::headChanged);
    view.setLayer(2);
    view.setHead(1);
    QCOMPARE(layerSpy.count(), 1);
    QCOMPARE(layerSpy.first().at(0).toInt(), 2);
    QCOMPARE(headSpy.count(), 1);
    QCOMPARE(headSpy.first().at(0).toInt(), 1);
    QCOMPARE(view.layerSelector()->value(), 2);
    QCOMPARE(view.headSelector()->currentData().toInt(), 1);

    AttentionHeatmap* map = view.heatmap();
    QCOMPARE(map->data().title, QStringLiteral("Layer 2 · Head 1"));
    for (int q = 0; q < 5; ++q) {
        for (int k = 0; k < 5; ++k) {
            const float expected = set.at(2, 1, q, k);
            QVERIFY(sameBits(map->cellValue(q, k), expected));
            QCOMPARE(qRound(map->cellValue(q, k) * 10000.0f), 2000 + 100 + q * 10 + k);
        }
    }
    QCOMPARE(map->keyTickLabels(), set.tokens);
    QCOMPARE(map->queryTickLabels(), set.tokens);

    // Out-of-range requests are clamped, not read past the end.
    view.setLayer(7);
    QCOMPARE(view.layer(), 2);
    view.setHead(-5);
    QCOMPARE(view.head(), 0);

    // New data keeps the selection where it still exists.
    view.setHead(3);
    view.setData(codedSet(3, 4, 6));
    QCOMPARE(view.layer(), 2);
    QCOMPARE(view.head(), 3);
    QCOMPARE(qRound(map->cellValue(5, 4) * 10000.0f), 2000 + 300 + 54);
}

void TestAttentionHeatmap::viewSelectorsDriveTheSlice()
{
    AttentionView view;
    view.setData(codedSet(2, 3, 4));
    QSignalSpy layerSpy(&view, &AttentionView::layerChanged);
    QSignalSpy headSpy(&view, &AttentionView::headChanged);

    view.layerSelector()->setValue(1);
    view.headSelector()->setCurrentIndex(view.headSelector()->findData(2));
    QCOMPARE(layerSpy.count(), 1);
    QCOMPARE(headSpy.count(), 1);
    QCOMPARE(view.layer(), 1);
    QCOMPARE(view.head(), 2);
    QCOMPARE(view.heatmap()->data().title, QStringLiteral("Layer 1 · Head 2"));
    QCOMPARE(qRound(view.heatmap()->cellValue(3, 1) * 10000.0f), 1000 + 200 + 31);
    QCOMPARE(view.layerSelector()->maximum(), 1);
    // 3 heads plus the mean
    QCOMPARE(view.headSelector()->count(), 4);
}

void TestAttentionHeatmap::viewMeanOfHeads()
{
    AttentionView view;
    const AttentionSet set = codedSet(2, 3, 4);
    view.setData(set);
    view.setLayer(1);
    view.setHead(AttentionView::kMeanOfHeads);
    QCOMPARE(view.heatmap()->data().title, QStringLiteral("Layer 1 · Mean of heads"));
    for (int q = 0; q < 4; ++q) {
        for (int k = 0; k < 4; ++k) {
            double sum = 0;
            for (int h = 0; h < 3; ++h) {
                sum += set.at(1, h, q, k);
            }
            QCOMPARE(view.heatmap()->cellValue(q, k), static_cast<float>(sum / 3));
        }
    }
}

void TestAttentionHeatmap::viewShowsHintWithoutData()
{
    AttentionView view;
    QVERIFY(view.isShowingHint());
    QCOMPARE(view.hint(), QStringLiteral("Open a model and press Run"));
    QVERIFY(!view.hasData());

    view.setData(codedSet(1, 1, 2));
    QVERIFY(!view.isShowingHint());
    // A single head has no "mean of heads" entry.
    QCOMPARE(view.headSelector()->count(), 1);

    AttentionSet broken = codedSet(2, 2, 3);
    broken.tokens.removeLast();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("inconsistent")));
    view.setData(broken);
    QVERIFY(view.isShowingHint());
    QVERIFY(!view.heatmap()->data().isValid());
}

void TestAttentionHeatmap::viewKeepsASelectionMadeBeforeData()
{
    AttentionView view;
    QSignalSpy layerSpy(&view, &AttentionView::layerChanged);
    view.setLayer(2);
    view.setHead(1);
    QCOMPARE(layerSpy.count(), 0); // nothing shown changed yet
    const AttentionSet set = codedSet(3, 4, 5);
    view.setData(set);
    QCOMPARE(view.layer(), 2);
    QCOMPARE(view.head(), 1);
    QCOMPARE(view.layerSelector()->value(), 2);
    QCOMPARE(view.headSelector()->currentData().toInt(), 1);
    QVERIFY(sameBits(view.heatmap()->cellValue(4, 3), set.slice(2, 1)[23]));

    // A wish beyond the data is clamped when the data arrives.
    AttentionView other;
    other.setLayer(9);
    other.setHead(AttentionView::kMeanOfHeads);
    other.setData(set);
    QCOMPARE(other.layer(), 2);
    QCOMPARE(other.head(), AttentionView::kMeanOfHeads);
    QCOMPARE(other.heatmap()->data().title, QStringLiteral("Layer 2 · Mean of heads"));
}

void TestAttentionHeatmap::stretchedColoursSpanToTheLargestWeight()
{
    AttentionHeatmap w;
    AttentionHeatmapData d = matrix3x4();
    for (float& v : d.weights) {
        v *= 0.5f;
    }
    w.setData(d);
    QCOMPARE(w.colorRange(), AttentionHeatmap::ColorRange::Unit);
    QCOMPARE(w.colorMap()->dataRange().upper, 1.0);

    w.setColorRange(AttentionHeatmap::ColorRange::ToMax);
    const double max = *std::max_element(d.weights.begin(), d.weights.end());
    QCOMPARE(w.colorMap()->dataRange().upper, max);
    QCOMPARE(w.colorScale()->dataRange().upper, max);
    QCOMPARE(w.colorMap()->dataRange().lower, 0.0);
    // Only the colours change, never the values.
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            QVERIFY(sameBits(w.cellValue(q, k), d.weights[static_cast<size_t>(q) * 4 + k]));
        }
    }
    // The mode survives new data and follows its maximum.
    d.weights[0] = 0.75f;
    w.setData(d);
    QCOMPARE(w.colorMap()->dataRange().upper, 0.75);

    AttentionView view;
    view.setData(codedSet(1, 2, 3));
    view.stretchColors()->setChecked(true);
    QCOMPARE(view.heatmap()->colorRange(), AttentionHeatmap::ColorRange::ToMax);
    view.stretchColors()->setChecked(false);
    QCOMPARE(view.heatmap()->colorMap()->dataRange().upper, 1.0);
}

QTEST_MAIN(TestAttentionHeatmap)
#include "tst_attention_heatmap.moc"
