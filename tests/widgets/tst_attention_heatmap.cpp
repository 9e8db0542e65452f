// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The attention heatmap and view: the colour map holds exactly the data it is handed, one
// cell per token pair, token labels on both axes, hover reports the cell under the mouse,
// and the view's layer/head selectors pick the right slice.

#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/color_maps.h"
#include "lumen/widgets/qcustomplot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTest>
#include <QToolButton>
#include <QWheelEvent>

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
    void viewShowsCrossAttention();
    void viewSelectorsDriveTheSlice();
    void viewMeanOfHeads();
    void viewShowsHintWithoutData();
    void viewKeepsASelectionMadeBeforeData();
    void stretchedColoursSpanToTheLargestWeight();
    void defaultGradientIsCividis();
    void logScaleChangesTheScaleAndClampsTheMap();
    void thresholdDrawsSmallWeightsAsBackground();
    void viewMaxOfHeads();
    void viewControlsDriveTheHeatmap();
    void paddingIsMasked();
    void causalFutureIsMasked();
    void specialTokensAndSegmentsAreMarked();
    void zoomChangesTheVisibleRangeAndResetRestoresIt();
    void mouseWheelDragAndDoubleClick();
    void zoomIsKeptForSameShapedData();
    void clickHighlightsTheRowAndEmitsTheToken();
    void longInputOverviewKeepsTheMaxima();
    void longInputZoomedInIsFullResolution();
    void meanOverviewAveragesBlocks();
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
    // The colour map itself holds the same bits, one map cell per weight.
    QCOMPARE(w.overviewFactor(), 1);
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            const float expected = d.weights[static_cast<size_t>(q) * 4 + k];
            QCOMPARE(w.mapCellOf(q, k), QPoint(k, q));
            QVERIFY(sameBits(w.mapValue(q, k), expected));
            QVERIFY(sameBits(static_cast<float>(w.colorMap()->data()->cell(k, q)), expected));
        }
    }
    QVERIFY(std::isnan(w.cellValue(3, 0)));
    QVERIFY(std::isnan(w.cellValue(0, 4)));
    QVERIFY(std::isnan(w.mapValue(3, 0)));
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
    // The colour bar says what a weight is: attention, or a convolution's kernel weight.
    QCOMPARE(w.colorScale()->axis()->label(), QStringLiteral("attention weight"));
    AttentionHeatmapData kernels = matrix3x4();
    kernels.valueName = QStringLiteral("kernel weight");
    w.setData(kernels);
    QCOMPARE(w.colorScale()->axis()->label(), QStringLiteral("kernel weight"));
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

void TestAttentionHeatmap::viewShowsCrossAttention()
{
    // 2 layers x 2 heads, 3 decoder queries over 5 encoder keys, each weight coded.
    AttentionSet set;
    set.name = QStringLiteral("Cross-attention");
    set.layers = 2;
    set.heads = 2;
    set.seq = 3;
    set.keySeq = 5;
    set.tokens = QStringList { QStringLiteral("<pad>"), QStringLiteral("Das"), QStringLiteral("Haus") };
    set.keyTokens = QStringList { QStringLiteral("The"), QStringLiteral("house"),
        QStringLiteral("is"), QStringLiteral("small"), QStringLiteral("</s>") };
    set.keySpecial = { 0, 0, 0, 0, 1 };
    auto weights = std::make_shared<std::vector<float>>();
    for (int i = 0; i < 2 * 2 * 3 * 5; ++i) {
        weights->push_back(static_cast<float>(i) / 100.0f);
    }
    set.weights = weights;
    QVERIFY(set.isValid());
    AttentionSet square = set;
    square.keySeq = 0; // the same buffer read as 3 x 3 maps does not fit
    QVERIFY(!square.isValid());

    AttentionView view;
    view.setData(set);
    QVERIFY(!view.isShowingHint());
    view.setLayer(1);
    view.setHead(1);
    AttentionHeatmap* map = view.heatmap();
    QCOMPARE(map->data().title, QStringLiteral("Cross-attention · Layer 1 · Head 1"));
    QCOMPARE(map->data().queries(), 3);
    QCOMPARE(map->data().keys(), 5);
    QCOMPARE(map->queryTickLabels(), set.tokens);
    QCOMPARE(map->keyTickLabels(), set.keyTokens);
    QCOMPARE(map->data().keySpecial, set.keySpecial);
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 5; ++k) {
            QVERIFY(sameBits(map->cellValue(q, k), set.at(1, 1, q, k)));
            QCOMPARE(qRound(map->cellValue(q, k) * 100.0f), ((1 * 2 + 1) * 3 + q) * 5 + k);
        }
    }
    // The mean of the heads over the rectangle.
    view.setHead(AttentionView::kMeanOfHeads);
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 5; ++k) {
            const float mean = (set.at(1, 0, q, k) + set.at(1, 1, q, k)) / 2.0f;
            QVERIFY(std::abs(map->cellValue(q, k) - mean) < 1e-6f);
        }
    }
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
    // 3 heads plus the mean and the max
    QCOMPARE(view.headSelector()->count(), 5);
    QVERIFY(view.headSelector()->findData(AttentionView::kMeanOfHeads) >= 0);
    QVERIFY(view.headSelector()->findData(AttentionView::kMaxOfHeads) >= 0);
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

namespace {

// An n x n map of one small weight everywhere, `hot` at (hotQuery, hotKey).
AttentionHeatmapData flatMap(int n, float flat, int hotQuery, int hotKey, float hot)
{
    AttentionHeatmapData d;
    for (int i = 0; i < n; ++i) {
        d.queryTokens << QStringLiteral("w%1").arg(i);
    }
    d.keyTokens = d.queryTokens;
    d.weights.assign(static_cast<size_t>(n) * n, flat);
    if (hotQuery >= 0) {
        d.weights[static_cast<size_t>(hotQuery) * n + hotKey] = hot;
    }
    return d;
}

QPoint cellCentre(AttentionHeatmap& w, double query, double key)
{
    return { qRound(w.plot()->xAxis->coordToPixel(key)),
        qRound(w.plot()->yAxis->coordToPixel(query)) };
}

int colourDistance(const QColor& a, const QColor& b)
{
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green())
        + std::abs(a.blue() - b.blue());
}

// Shows `w` at a fixed size and lets the layout settle (the map's resolution follows the
// axis rect's size, known after a replot).
bool showSettled(QWidget& w, QSize size)
{
    w.resize(size);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) {
        return false;
    }
    QTest::qWait(20);
    return true;
}

void sendWheel(QWidget* target, QPointF pos, int angle)
{
    QWheelEvent event(pos, target->mapToGlobal(pos), QPoint(), QPoint(0, angle), Qt::NoButton,
        Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(target, &event);
}

void sendMouse(QWidget* target, QEvent::Type type, QPointF pos, Qt::MouseButton button,
    Qt::MouseButtons buttons)
{
    QMouseEvent event(type, pos, target->mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

} // namespace

void TestAttentionHeatmap::defaultGradientIsCividis()
{
    AttentionHeatmap w;
    QCOMPARE(w.gradient(), AttentionHeatmap::Gradient::Cividis);
    w.setData(matrix3x4());
    QCPColorGradient g = w.colorMap()->gradient();
    // matplotlib's cividis runs from (0, 34, 78) to (254, 232, 56).
    QVERIFY(colourDistance(QColor::fromRgb(g.color(0.0, QCPRange(0, 1))), QColor(0, 34, 78)) <= 3);
    QVERIFY(
        colourDistance(QColor::fromRgb(g.color(1.0, QCPRange(0, 1))), QColor(254, 232, 56)) <= 3);
    // Luminance rises monotonically: a sequential map.
    int last = -1;
    for (int i = 0; i <= 20; ++i) {
        const QColor c = QColor::fromRgb(g.color(i / 20.0, QCPRange(0, 1)));
        const int l = qRound(0.2126 * c.red() + 0.7152 * c.green() + 0.0722 * c.blue());
        QVERIFY2(l > last, qPrintable(QStringLiteral("step %1: %2 <= %3").arg(i).arg(l).arg(last)));
        last = l;
    }
    // The heatmap's colours are the shared table's (the model view's maps use the same), to
    // QCustomPlot's rounding.
    for (int i = 0; i < 256; i += 15) {
        const QRgb expected = lumen::widgets::colormaps::sequentialTable(
            lumen::widgets::colormaps::Sequential::Cividis)[static_cast<size_t>(i)];
        QVERIFY(colourDistance(
                    QColor::fromRgb(g.color(i / 255.0, QCPRange(0, 1))), QColor::fromRgb(expected))
            <= 2);
    }
    w.setGradient(AttentionHeatmap::Gradient::Viridis);
    g = w.colorMap()->gradient();
    QVERIFY(colourDistance(QColor::fromRgb(g.color(0.0, QCPRange(0, 1))), QColor(0x44, 0x01, 0x54))
        <= 3);
}

void TestAttentionHeatmap::logScaleChangesTheScaleAndClampsTheMap()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const AttentionHeatmapData d = matrix3x4();
    w.setData(d);
    QCOMPARE(w.colorMap()->dataScaleType(), QCPAxis::stLinear);

    w.setScale(AttentionHeatmap::Scale::Log);
    QCOMPARE(w.scale(), AttentionHeatmap::Scale::Log);
    QCOMPARE(w.colorMap()->dataScaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(w.colorScale()->dataScaleType(), QCPAxis::stLogarithmic);
    QCOMPARE(w.colorMap()->dataRange().lower, 1e-4);
    QCOMPARE(w.colorMap()->dataRange().upper, 1.0);
    // Weights at or above the floor are held as they are; smaller ones (1e-7 and the zeros)
    // are raised to the floor, the scale's lowest colour.
    QVERIFY(sameBits(w.mapValue(0, 1), d.weights[1]));
    QCOMPARE(w.mapValue(1, 0), 1e-4f);
    QCOMPARE(w.mapValue(1, 2), 1e-4f);
    // The exact weight is still what the tooltip shows.
    QVERIFY(sameBits(w.cellValue(1, 0), 1.0e-7f));
    QCOMPARE(w.cellText(1, 0), QStringLiteral("query 'fox' → key '[CLS]': 1e-07"));

    // Painted colours follow the log of the weight: 0.1 sits three quarters up a 1e-4..1
    // scale, not a tenth of the way as it would on a linear one.
    w.plot()->replot();
    const QImage image = w.plot()->toPixmap().toImage();
    QCPColorGradient g = w.colorMap()->gradient();
    const QColor painted = image.pixelColor(cellCentre(w, 0, 0));
    QVERIFY(colourDistance(painted, QColor::fromRgb(g.color(0.1, w.colorMap()->dataRange(), true)))
        <= 6);
    QVERIFY(colourDistance(painted, QColor::fromRgb(g.color(0.75, QCPRange(0, 1)))) <= 6);

    w.setLogFloor(1e-2);
    QCOMPARE(w.colorMap()->dataRange().lower, 1e-2);
    QCOMPARE(w.mapValue(1, 0), 1e-2f);

    w.setScale(AttentionHeatmap::Scale::Linear);
    QCOMPARE(w.colorMap()->dataScaleType(), QCPAxis::stLinear);
    QCOMPARE(w.colorMap()->dataRange().lower, 0.0);
    QVERIFY(sameBits(w.mapValue(1, 0), 1.0e-7f));
}

void TestAttentionHeatmap::thresholdDrawsSmallWeightsAsBackground()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const AttentionHeatmapData d = matrix3x4();
    w.setData(d);
    QCOMPARE(w.colorMap()->data()->alpha(0, 0), static_cast<unsigned char>(255));

    w.setThreshold(0.25);
    QCOMPARE(w.threshold(), 0.25);
    w.plot()->replot();
    const QImage image = w.plot()->toPixmap().toImage();
    for (int q = 0; q < 3; ++q) {
        for (int k = 0; k < 4; ++k) {
            const float v = d.weights[static_cast<size_t>(q) * 4 + k];
            const QPoint cell = w.mapCellOf(q, k);
            const unsigned char alpha = w.colorMap()->data()->alpha(cell.x(), cell.y());
            QCOMPARE(alpha, static_cast<unsigned char>(v < 0.25f ? 0 : 255));
            // The value stays, only its visibility changes.
            QVERIFY(sameBits(w.mapValue(q, k), v));
            const QColor painted = image.pixelColor(cellCentre(w, q, k));
            if (v < 0.25f) {
                QCOMPARE(painted, QColor(Qt::white));
            } else {
                QVERIFY(painted != QColor(Qt::white));
            }
        }
    }
    QVERIFY(w.cellText(0, 0).endsWith(QStringLiteral("(below the threshold)")));
    w.setThreshold(0.0);
    const QPoint cell = w.mapCellOf(0, 0);
    QCOMPARE(w.colorMap()->data()->alpha(cell.x(), cell.y()), static_cast<unsigned char>(255));
}

void TestAttentionHeatmap::viewMaxOfHeads()
{
    AttentionView view;
    AttentionSet set = codedSet(2, 3, 4);
    // Make a different head win in different cells: head 2 everywhere in the coded set, so
    // overwrite a few cells of heads 0 and 1 with larger values.
    auto weights = std::make_shared<std::vector<float>>(*set.weights);
    (*weights)[set.sliceOffset(1, 0) + 0 * 4 + 3] = 0.9f;
    (*weights)[set.sliceOffset(1, 1) + 2 * 4 + 1] = 0.8f;
    set.weights = weights;
    view.setData(set);
    view.setLayer(1);
    view.setHead(AttentionView::kMaxOfHeads);
    QCOMPARE(view.head(), AttentionView::kMaxOfHeads);
    QCOMPARE(view.headSelector()->currentData().toInt(), AttentionView::kMaxOfHeads);
    QCOMPARE(view.heatmap()->data().title, QStringLiteral("Layer 1 · Max of heads"));
    for (int q = 0; q < 4; ++q) {
        for (int k = 0; k < 4; ++k) {
            float expected = set.at(1, 0, q, k);
            expected = std::max(expected, set.at(1, 1, q, k));
            expected = std::max(expected, set.at(1, 2, q, k));
            QVERIFY(sameBits(view.heatmap()->cellValue(q, k), expected));
            QVERIFY(sameBits(view.heatmap()->mapValue(q, k), expected));
        }
    }
    QCOMPARE(view.heatmap()->cellValue(0, 3), 0.9f);
    QCOMPARE(view.heatmap()->cellValue(2, 1), 0.8f);
    QCOMPARE(qRound(view.heatmap()->cellValue(3, 3) * 10000.0f), 1000 + 200 + 33);
}

void TestAttentionHeatmap::viewControlsDriveTheHeatmap()
{
    AttentionView view;
    view.setData(codedSet(1, 2, 8));
    AttentionHeatmap* map = view.heatmap();
    view.logScale()->setChecked(true);
    QCOMPARE(map->scale(), AttentionHeatmap::Scale::Log);
    view.logScale()->setChecked(false);
    QCOMPARE(map->scale(), AttentionHeatmap::Scale::Linear);

    QCOMPARE(view.thresholdSlider()->value(), 0);
    QCOMPARE(map->threshold(), 0.0);
    view.thresholdSlider()->setValue(30);
    QCOMPARE(map->threshold(), AttentionView::thresholdAt(30));
    QCOMPARE(AttentionView::thresholdAt(30), 0.09);
    QCOMPARE(AttentionView::thresholdAt(AttentionView::kThresholdSteps), 1.0);
    // The threshold survives switching heads.
    view.setHead(1);
    QCOMPARE(map->threshold(), 0.09);

    QVERIFY(!view.resetZoomButton()->isEnabled());
    map->zoomAt(
        QPointF(map->plot()->xAxis->coordToPixel(4), map->plot()->yAxis->coordToPixel(4)), 2.0);
    QVERIFY(map->isZoomed());
    QVERIFY(view.resetZoomButton()->isEnabled());
    view.resetZoomButton()->click();
    QVERIFY(!map->isZoomed());
    QVERIFY(!view.resetZoomButton()->isEnabled());

    // The view forwards clicks and highlights.
    QSignalSpy clicked(&view, &AttentionView::tokenClicked);
    Q_EMIT map->tokenClicked(5);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.first().at(0).toInt(), 5);
    view.setHighlightedToken(3);
    QCOMPARE(map->highlightedQuery(), 3);
}

void TestAttentionHeatmap::paddingIsMasked()
{
    AttentionView view;
    view.resize(700, 640);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    AttentionSet set = codedSet(1, 2, 6);
    set.valid = { 1, 1, 1, 1, 0, 0 }; // the last two positions are padding
    view.setData(set);
    AttentionHeatmap* map = view.heatmap();
    QCOMPARE(map->data().queryValid, set.valid);
    QCOMPARE(map->data().keyValid, set.valid);
    for (int q = 0; q < 6; ++q) {
        for (int k = 0; k < 6; ++k) {
            const bool padding = q >= 4 || k >= 4;
            QCOMPARE(map->data().isMasked(q, k), padding);
            if (padding) {
                QVERIFY2(std::isnan(map->mapValue(q, k)),
                    qPrintable(QStringLiteral("%1,%2").arg(q).arg(k)));
            } else {
                QVERIFY(sameBits(map->mapValue(q, k), set.at(0, 0, q, k)));
            }
            // The tooltip still has the exact weight.
            QVERIFY(sameBits(map->cellValue(q, k), set.at(0, 0, q, k)));
        }
    }
    QVERIFY(map->cellText(5, 1).endsWith(QStringLiteral("(padding)")));
    QVERIFY(!map->cellText(1, 1).contains(QStringLiteral("padding")));

    // Masked cells are painted in the neutral mask colour, not from the gradient.
    map->plot()->replot();
    const QImage image = map->plot()->toPixmap().toImage();
    const QColor masked = image.pixelColor(cellCentre(*map, 5, 1));
    QCOMPARE(masked, QColor(0xd4, 0xd4, 0xd4));
    QCOMPARE(image.pixelColor(cellCentre(*map, 1, 4)), masked);
    QVERIFY(image.pixelColor(cellCentre(*map, 1, 1)) != masked);
    // Padding does not count towards the stretched maximum either.
    view.stretchColors()->setChecked(true);
    QCOMPARE(map->colorMap()->dataRange().upper, static_cast<double>(set.at(0, 0, 3, 3)));
}

void TestAttentionHeatmap::causalFutureIsMasked()
{
    AttentionView view;
    AttentionSet set = codedSet(1, 1, 5);
    set.causal = true;
    view.setData(set);
    AttentionHeatmap* map = view.heatmap();
    QVERIFY(map->data().causal);
    for (int q = 0; q < 5; ++q) {
        for (int k = 0; k < 5; ++k) {
            if (k > q) {
                QVERIFY(std::isnan(map->mapValue(q, k)));
                QVERIFY(map->cellText(q, k).endsWith(QStringLiteral("(future token)")));
            } else {
                QVERIFY(sameBits(map->mapValue(q, k), set.at(0, 0, q, k)));
            }
        }
    }
}

void TestAttentionHeatmap::specialTokensAndSegmentsAreMarked()
{
    AttentionHeatmap w;
    w.resize(640, 560);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    AttentionHeatmapData d = flatMap(6, 0.0f, -1, -1, 0.0f);
    d.queryTokens =
        d.keyTokens = { QStringLiteral("[CLS]"), QStringLiteral("a"), QStringLiteral("[SEP]"),
            QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("[SEP]") };
    d.querySpecial = d.keySpecial = { 1, 0, 1, 0, 0, 1 };
    d.querySegmentStart = d.keySegmentStart = 3;
    w.setData(d);
    w.plot()->replot();
    QTest::qWait(20);
    w.plot()->replot();
    // The labels are the tokens as handed; the marks sit beside them.
    QCOMPARE(w.keyTickLabels(), d.keyTokens);
    const QImage image = w.plot()->toPixmap().toImage();
    const QRect rect = w.plot()->axisRect()->rect();
    const QColor orange(0xe6, 0x9f, 0x00);
    for (int k = 0; k < 6; ++k) {
        const QPoint below(qRound(w.plot()->xAxis->coordToPixel(k)), rect.bottom() + 7);
        const QPoint beside(rect.left() - 7, qRound(w.plot()->yAxis->coordToPixel(k)));
        const bool special = d.keySpecial[static_cast<size_t>(k)] != 0;
        QCOMPARE(image.pixelColor(below) == orange, special);
        QCOMPARE(image.pixelColor(beside) == orange, special);
    }
    // The segment boundary: a light line between cells 2 and 3 over the dark map.
    const int boundaryX = qRound(w.plot()->xAxis->coordToPixel(2.5));
    const int boundaryY = qRound(w.plot()->yAxis->coordToPixel(2.5));
    const int midY = qRound(w.plot()->yAxis->coordToPixel(0.0));
    const int midX = qRound(w.plot()->xAxis->coordToPixel(0.0));
    auto lightNear = [&](QPoint p, bool horizontal) {
        for (int o = -2; o <= 2; ++o) {
            const QPoint q = horizontal ? QPoint(p.x(), p.y() + o) : QPoint(p.x() + o, p.y());
            if (image.pixelColor(q).lightness() > 200) {
                return true;
            }
        }
        return false;
    };
    QVERIFY(lightNear({ boundaryX, midY }, false));
    QVERIFY(lightNear({ midX, boundaryY }, true));
    QVERIFY(!lightNear({ qRound(w.plot()->xAxis->coordToPixel(1.5)), midY }, false));
}

void TestAttentionHeatmap::zoomChangesTheVisibleRangeAndResetRestoresIt()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 640, 560 }));
    const int n = 64;
    w.setData(flatMap(n, 1.0f / n, 10, 20, 0.5f));
    w.plot()->replot();
    QCOMPARE(w.visibleKeyRange().lower, -0.5);
    QCOMPARE(w.visibleKeyRange().upper, n - 0.5);
    QVERIFY(!w.isZoomed());
    const QStringList allLabels = w.keyTickLabels();

    QSignalSpy changed(&w, &AttentionHeatmap::viewChanged);
    // Zoom 4x around cell (query 10, key 20): that cell stays under the same pixel.
    const QPoint before = cellCentre(w, 10, 20);
    const double keyUnder = w.plot()->xAxis->pixelToCoord(before.x());
    const double queryUnder = w.plot()->yAxis->pixelToCoord(before.y());
    w.zoomAt(before, 4.0);
    QVERIFY(changed.count() >= 1);
    QVERIFY(w.isZoomed());
    QCOMPARE(w.visibleKeyRange().size(), n / 4.0);
    QCOMPARE(w.visibleQueryRange().size(), n / 4.0);
    QVERIFY(std::abs(w.plot()->xAxis->pixelToCoord(before.x()) - keyUnder) < 1e-9);
    QVERIFY(std::abs(w.plot()->yAxis->pixelToCoord(before.y()) - queryUnder) < 1e-9);
    // Only the tokens in view are labelled.
    const QStringList zoomedLabels = w.keyTickLabels();
    QVERIFY(!zoomedLabels.isEmpty());
    QVERIFY(!zoomedLabels.contains(QStringLiteral("w63")));
    QVERIFY(zoomedLabels.contains(QStringLiteral("w20")));
    QVERIFY(w.keyTickLabels().size() <= 17);

    // Panning moves the range by the dragged distance and keeps its size.
    const QCPRange zoomed = w.visibleKeyRange();
    const double perPixel = zoomed.size() / w.plot()->axisRect()->width();
    w.panBy(QPointF(-40, 0)); // dragging left shows keys further right
    QVERIFY(std::abs(w.visibleKeyRange().lower - (zoomed.lower + 40 * perPixel)) < 1e-9);
    QCOMPARE(w.visibleKeyRange().size(), zoomed.size());
    // Never past the map's edge.
    w.panBy(QPointF(-100000, -100000));
    QCOMPARE(w.visibleKeyRange().upper, n - 0.5);
    QCOMPARE(w.visibleQueryRange().upper, n - 0.5);
    w.panBy(QPointF(100000, 100000));
    QCOMPARE(w.visibleKeyRange().lower, -0.5);
    QCOMPARE(w.visibleQueryRange().lower, -0.5);

    // No further in than 4 cells, no further out than the whole map.
    w.zoomAt(before, 1000.0);
    QCOMPARE(w.visibleKeyRange().size(), 4.0);
    w.zoomAt(before, 0.001);
    QVERIFY(!w.isZoomed());
    QCOMPARE(w.visibleKeyRange().lower, -0.5);
    QCOMPARE(w.visibleKeyRange().upper, n - 0.5);

    w.zoomAt(before, 3.0);
    QVERIFY(w.isZoomed());
    w.resetZoom();
    QVERIFY(!w.isZoomed());
    QCOMPARE(w.visibleKeyRange().lower, -0.5);
    QCOMPARE(w.visibleKeyRange().upper, n - 0.5);
    QCOMPARE(w.visibleQueryRange().lower, -0.5);
    QCOMPARE(w.visibleQueryRange().upper, n - 0.5);
    QCOMPARE(w.keyTickLabels(), allLabels);
}

void TestAttentionHeatmap::mouseWheelDragAndDoubleClick()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 640, 560 }));
    const int n = 40;
    w.setData(flatMap(n, 1.0f / n, -1, -1, 0.0f));
    w.plot()->replot();
    QSignalSpy clicks(&w, &AttentionHeatmap::tokenClicked);

    const QPoint centre = cellCentre(w, 30, 10);
    sendWheel(w.plot(), centre, 120 * 3); // three notches in
    QVERIFY(w.isZoomed());
    QVERIFY(std::abs(w.visibleKeyRange().size() - n / std::pow(1.25, 3)) < 1e-9);
    QVERIFY(std::abs(w.plot()->xAxis->coordToPixel(10) - centre.x()) < 2.0);
    sendWheel(w.plot(), centre, -120); // one notch out
    QVERIFY(std::abs(w.visibleKeyRange().size() - n / std::pow(1.25, 2)) < 1e-9);

    // A drag pans and is not a click.
    const QCPRange before = w.visibleKeyRange();
    sendMouse(w.plot(), QEvent::MouseButtonPress, centre, Qt::LeftButton, Qt::LeftButton);
    sendMouse(w.plot(), QEvent::MouseMove, centre + QPoint(30, 0), Qt::NoButton, Qt::LeftButton);
    sendMouse(w.plot(), QEvent::MouseMove, centre + QPoint(60, 0), Qt::NoButton, Qt::LeftButton);
    sendMouse(
        w.plot(), QEvent::MouseButtonRelease, centre + QPoint(60, 0), Qt::LeftButton, Qt::NoButton);
    const double perPixel = before.size() / w.plot()->axisRect()->width();
    QVERIFY(std::abs(w.visibleKeyRange().lower - (before.lower - 60 * perPixel)) < 1e-9);
    QCOMPARE(clicks.count(), 0);

    // A double click shows the whole map again.
    QTest::mouseDClick(w.plot(), Qt::LeftButton, Qt::NoModifier, centre);
    QVERIFY(!w.isZoomed());
    QCOMPARE(w.visibleKeyRange().upper, n - 0.5);
}

void TestAttentionHeatmap::zoomIsKeptForSameShapedData()
{
    AttentionView view;
    view.resize(700, 640);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setData(codedSet(2, 2, 32));
    AttentionHeatmap* map = view.heatmap();
    map->plot()->replot();
    map->zoomAt(cellCentre(*map, 8, 8), 4.0);
    const QCPRange zoomed = map->visibleKeyRange();
    view.setHead(1); // same shape: the view stays where it was
    QCOMPARE(map->visibleKeyRange().lower, zoomed.lower);
    QCOMPARE(map->visibleKeyRange().upper, zoomed.upper);
    view.setData(codedSet(2, 2, 16)); // a new text: the whole map
    QVERIFY(!map->isZoomed());
    QCOMPARE(map->visibleKeyRange().upper, 15.5);
}

void TestAttentionHeatmap::clickHighlightsTheRowAndEmitsTheToken()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 640, 560 }));
    w.setData(matrix3x4());
    w.plot()->replot();
    QSignalSpy tokens(&w, &AttentionHeatmap::tokenClicked);
    QSignalSpy cells(&w, &AttentionHeatmap::cellClicked);
    QCOMPARE(w.highlightedQuery(), -1);

    QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier, cellCentre(w, 2, 1));
    QCOMPARE(tokens.count(), 1);
    QCOMPARE(tokens.takeFirst().at(0).toInt(), 2);
    QCOMPARE(cells.count(), 1);
    const QList<QVariant> cell = cells.takeFirst();
    QCOMPARE(cell.at(0).toInt(), 2);
    QCOMPARE(cell.at(1).toInt(), 1);
    QCOMPARE(w.highlightedQuery(), 2);

    // The highlighted row is outlined: the outline's colour shows on its top edge.
    w.plot()->replot();
    QImage image = w.plot()->toPixmap().toImage();
    const int top = qRound(w.plot()->yAxis->coordToPixel(1.5));
    const int x = qRound(w.plot()->xAxis->coordToPixel(0.0));
    bool outlined = false;
    for (int o = -2; o <= 2; ++o) {
        outlined =
            outlined || colourDistance(image.pixelColor(x, top + o), QColor(0xd5, 0x5e, 0x00)) < 30;
    }
    QVERIFY(outlined);

    // Clicking a query label picks that query.
    const QRect rect = w.plot()->axisRect()->rect();
    QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier,
        QPoint(rect.left() - 20, qRound(w.plot()->yAxis->coordToPixel(0))));
    QCOMPARE(tokens.count(), 1);
    QCOMPARE(tokens.takeFirst().at(0).toInt(), 0);
    QCOMPARE(w.highlightedQuery(), 0);
    QCOMPARE(cells.count(), 0);
    // A key label names that key.
    QTest::mouseClick(w.plot(), Qt::LeftButton, Qt::NoModifier,
        QPoint(qRound(w.plot()->xAxis->coordToPixel(3)), rect.bottom() + 20));
    QCOMPARE(tokens.count(), 1);
    QCOMPARE(tokens.takeFirst().at(0).toInt(), 3);

    w.setHighlightedQuery(-1);
    QCOMPARE(w.highlightedQuery(), -1);
    w.setHighlightedQuery(99); // out of range: none
    QCOMPARE(w.highlightedQuery(), -1);
}

void TestAttentionHeatmap::longInputOverviewKeepsTheMaxima()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 700, 640 }));
    const int n = 2048;
    const int hotQuery = 1001;
    const int hotKey = 1499;
    w.setData(flatMap(n, 1.0f / n, hotQuery, hotKey, 0.9f));
    w.plot()->replot();
    QTest::qWait(20);

    // More cells than pixels: the map holds 2^n x 2^n block maxima, at most about one map
    // cell per pixel, not 2048 x 2048 cells.
    const QRect rect = w.plot()->axisRect()->rect();
    QVERIFY2(w.overviewFactor() >= 4, qPrintable(QString::number(w.overviewFactor())));
    QCOMPARE(w.overviewFactor() & (w.overviewFactor() - 1), 0); // a power of two
    QVERIFY(w.colorMap()->data()->keySize() <= rect.width());
    QVERIFY(w.colorMap()->data()->valueSize() <= rect.height());
    QCOMPARE(w.colorMap()->data()->keySize(), (n + w.overviewFactor() - 1) / w.overviewFactor());
    // The single hot cell survives downsampling: its block holds its weight...
    QCOMPARE(w.mapValue(hotQuery, hotKey), 0.9f);
    QCOMPARE(w.mapValue(hotQuery + 1 - 1, hotKey / w.overviewFactor() * w.overviewFactor()), 0.9f);
    // ...and every other block the flat weight.
    QCOMPARE(w.mapValue(10, 10), 1.0f / n);
    QCOMPARE(w.mapValue(2047, 2047), 1.0f / n);
    // The tooltip still reads the exact cell.
    QCOMPARE(w.cellValue(hotQuery, hotKey + 1), 1.0f / n);

    // And it is painted: somewhere around the hot cell's pixel the top of the gradient shows.
    const QImage image = w.plot()->toPixmap().toImage();
    QCPColorGradient g = w.colorMap()->gradient();
    const QColor hot = QColor::fromRgb(g.color(0.9, w.colorMap()->dataRange()));
    const QPoint at = cellCentre(w, hotQuery, hotKey);
    int hotPixels = 0;
    for (int dy = -3; dy <= 3; ++dy) {
        for (int dx = -3; dx <= 3; ++dx) {
            hotPixels += colourDistance(image.pixelColor(at + QPoint(dx, dy)), hot) <= 6;
        }
    }
    QVERIFY2(hotPixels >= 1, "the hot cell vanished from the overview");
    // Labels only where they fit.
    QVERIFY(w.keyTickLabels().size() < 100);
    QVERIFY(w.keyTickLabels().size() > 4);
}

void TestAttentionHeatmap::longInputZoomedInIsFullResolution()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 700, 640 }));
    const int n = 2048;
    AttentionHeatmapData d = flatMap(n, 0.0f, -1, -1, 0.0f);
    for (size_t i = 0; i < d.weights.size(); ++i) {
        d.weights[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.0f;
    }
    w.setData(d);
    w.plot()->replot();
    QVERIFY(w.overviewFactor() > 1);
    // Zoom in around (500, 700) until each cell is at least a pixel.
    const QPoint at = cellCentre(w, 500, 700);
    while (w.overviewFactor() > 1) {
        const double before = w.visibleKeyRange().size();
        w.zoomAt(at, 2.0);
        QVERIFY(w.visibleKeyRange().size() < before);
    }
    QVERIFY(w.visibleKeyRange().size() <= w.plot()->axisRect()->width());
    // The colour map holds the visible window (plus a margin), not the whole map, and its
    // cells are the weights themselves.
    QVERIFY(w.colorMap()->data()->keySize() < n);
    QVERIFY(w.colorMap()->data()->keySize() <= 2 * w.visibleKeyRange().size() + 4);
    const int k0 = static_cast<int>(std::ceil(w.visibleKeyRange().lower));
    const int q0 = static_cast<int>(std::ceil(w.visibleQueryRange().lower));
    for (int q = q0; q < q0 + 50; q += 7) {
        for (int k = k0; k < k0 + 50; k += 3) {
            QVERIFY(sameBits(w.mapValue(q, k), d.weights[static_cast<size_t>(q) * n + k]));
        }
    }
    // Panning far away refills the window there.
    w.panBy(QPointF(-100000, -100000));
    QVERIFY(w.overviewFactor() == 1);
    QVERIFY(sameBits(w.mapValue(2047, 2047), d.weights.back()));
    QVERIFY(std::isnan(w.mapValue(0, 0))); // outside the window now
    QVERIFY(sameBits(w.cellValue(0, 0), d.weights.front()));
    // Back out: the overview again.
    w.resetZoom();
    QVERIFY(w.overviewFactor() > 1);
}

void TestAttentionHeatmap::meanOverviewAveragesBlocks()
{
    AttentionHeatmap w;
    QVERIFY(showSettled(w, { 700, 640 }));
    const int n = 2048;
    AttentionHeatmapData d = flatMap(n, 0.0f, 0, 0, 1.0f);
    d.queryValid.assign(n, 1);
    d.keyValid.assign(n, 1);
    d.keyValid[1] = 0; // a padding key inside the first block
    w.setData(d);
    w.setOverview(AttentionHeatmap::Overview::Mean);
    const int f = w.overviewFactor();
    QVERIFY(f > 1);
    // The first block: one 1.0 among f x f cells, f of them (key 1's column) masked.
    QCOMPARE(w.mapValue(0, 0), 1.0f / static_cast<float>(f * f - f));
    w.setOverview(AttentionHeatmap::Overview::Max);
    QCOMPARE(w.mapValue(0, 0), 1.0f);
}

QTEST_MAIN(TestAttentionHeatmap)
#include "tst_attention_heatmap.moc"
