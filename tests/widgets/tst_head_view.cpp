// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The head view: its lines are exactly the buffer's weights (a coded set where every weight
// names its own layer, head, query and key), it shares the buffer, hovering a token keeps
// only that token's lines, a causal model shows no line to the future, padding is left out,
// the threshold and the head chips filter, clicks select, long inputs paint only the rows in
// view, and the offscreen picture changes with the layer.

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/head_view.h"

#include <QCheckBox>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <tuple>

using lumen::widgets::AttentionSet;
using lumen::widgets::HeadView;
using Side = HeadView::Side;
using Line = HeadView::Line;

namespace {

// Weight (l, h, q, k) = (l*1000 + h*100 + q*10 + k + 100) / 10000: at least 0.01 (the
// default threshold) and decodable, so a line taken from the wrong place cannot match.
AttentionSet codedSet(int layers, int heads, int seq)
{
    AttentionSet s;
    s.layers = layers;
    s.heads = heads;
    s.seq = seq;
    for (int i = 0; i < seq; ++i) {
        s.tokens << QStringLiteral("t%1").arg(i);
    }
    auto w = std::make_shared<std::vector<float>>();
    for (int l = 0; l < layers; ++l) {
        for (int h = 0; h < heads; ++h) {
            for (int q = 0; q < seq; ++q) {
                for (int k = 0; k < seq; ++k) {
                    w->push_back(
                        static_cast<float>(l * 1000 + h * 100 + q * 10 + k + 100) / 10000.0f);
                }
            }
        }
    }
    s.weights = std::move(w);
    return s;
}

int decode(float w)
{
    return static_cast<int>(std::lround(w * 10000.0f)) - 100;
}

// One-hot heads: layer 0 attends to the previous token, layer 1 to the first token.
AttentionSet patternSet(int seq, int heads = 2)
{
    AttentionSet s;
    s.layers = 2;
    s.heads = heads;
    s.seq = seq;
    for (int i = 0; i < seq; ++i) {
        s.tokens << QStringLiteral("w%1").arg(i);
    }
    auto w = std::make_shared<std::vector<float>>(static_cast<size_t>(2) * heads * seq * seq, 0.0f);
    for (int h = 0; h < heads; ++h) {
        for (int q = 0; q < seq; ++q) {
            (*w)[((0 * heads + h) * static_cast<size_t>(seq) + q) * seq + std::max(0, q - 1)] =
                1.0f;
            (*w)[((1 * heads + h) * static_cast<size_t>(seq) + q) * seq + 0] = 1.0f;
        }
    }
    s.weights = std::move(w);
    return s;
}

// Cross-attention: `queries` decoder tokens d0.. over `keys` (< 10) encoder tokens e0..,
// coded as codedSet.
AttentionSet crossSet(int layers, int heads, int queries, int keys)
{
    AttentionSet s;
    s.name = QStringLiteral("Cross-attention");
    s.layers = layers;
    s.heads = heads;
    s.seq = queries;
    s.keySeq = keys;
    for (int i = 0; i < queries; ++i) {
        s.tokens << QStringLiteral("d%1").arg(i);
    }
    for (int i = 0; i < keys; ++i) {
        s.keyTokens << QStringLiteral("e%1").arg(i);
    }
    auto w = std::make_shared<std::vector<float>>();
    for (int l = 0; l < layers; ++l) {
        for (int h = 0; h < heads; ++h) {
            for (int q = 0; q < queries; ++q) {
                for (int k = 0; k < keys; ++k) {
                    w->push_back(
                        static_cast<float>(l * 1000 + h * 100 + q * 10 + k + 100) / 10000.0f);
                }
            }
        }
    }
    s.weights = std::move(w);
    return s;
}

bool sameBits(float a, float b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

void moveMouse(QWidget* target, QPoint pos)
{
    QMouseEvent event(QEvent::MouseMove, QPointF(pos), QPointF(target->mapToGlobal(pos)),
        Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

void showView(HeadView& view, QSize size = { 760, 600 })
{
    view.resize(size);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
}

// Paint the canvas now and return what it drew.
std::vector<Line> paint(HeadView& view)
{
    view.canvas()->repaint();
    return view.paintedLines();
}

std::set<std::tuple<int, int, int>> keysOf(const std::vector<Line>& lines)
{
    std::set<std::tuple<int, int, int>> out;
    for (const Line& l : lines) {
        out.insert({ l.query, l.key, l.head });
    }
    return out;
}

} // namespace

class TestHeadView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void linesAreTheBuffersWeights();
    void sharesTheBuffer();
    void paintsTheLinesOfTheVisibleRows();
    void hoveringAQueryIsolatesItsLines();
    void hoveringAKeyIsolatesItsIncomingLines();
    void causalModelsShowNoFutureLines();
    void paddingIsLeftOut();
    void thresholdSkipsSmallWeights();
    void logScaleSpreadsLineOpacity();
    void headsToggleOnAndOff();
    void chipsToggleAndSolo();
    void clickSelectsAToken();
    void highlightedTokenIsolatesItsLines();
    void layerSelectionAndSignal();
    void pictureChangesWithTheLayer();
    void specialTokensAreBoxed();
    void longInputsPaintOnlyTheVisibleRows();
    void tooltipsGiveExactWeights();
    void refusesInconsistentData();
    void crossAttentionHasItsOwnKeyColumn();
};

void TestHeadView::crossAttentionHasItsOwnKeyColumn()
{
    HeadView view;
    showView(view);
    AttentionSet set = crossSet(/*layers=*/2, /*heads=*/2, /*queries=*/3, /*keys=*/7);
    set.keyValid = { 1, 1, 1, 1, 1, 1, 0 }; // the encoder's last position is padding
    set.keySpecial = { 0, 0, 0, 0, 0, 1, 0 };
    QVERIFY(set.isValid());
    view.setData(set);
    QVERIFY(view.hasData());
    view.setLayer(1);

    // Every line is the buffer's weight at (query, key), queries 0..2 and real keys 0..5.
    const std::vector<Line> lines = view.allLines();
    QCOMPARE(lines.size(), size_t(2 * 3 * 6));
    for (const Line& l : lines) {
        QVERIFY(l.query >= 0 && l.query < 3 && l.key >= 0 && l.key < 6);
        QVERIFY(sameBits(l.weight, set.at(1, l.head, l.query, l.key)));
        QCOMPARE(decode(l.weight), 1000 + l.head * 100 + l.query * 10 + l.key);
    }
    QCOMPARE(keysOf(paint(view)), keysOf(lines));

    // The key column is longer than the query column; padding has no row.
    QVERIFY(!view.tokenRect(Side::Key, 5).isEmpty());
    QVERIFY(view.tokenRect(Side::Key, 6).isEmpty());
    QVERIFY(view.tokenRect(Side::Query, 5).isEmpty());
    Side side = Side::Query;
    QCOMPARE(view.tokenAt(view.tokenRect(Side::Key, 5).center(), &side), 5);
    QCOMPARE(side, Side::Key);
    const QPoint besideTheQueries(
        view.tokenRect(Side::Query, 0).center().x(), view.tokenRect(Side::Key, 5).center().y());
    QCOMPARE(view.tokenAt(besideTheQueries), -1);

    // A key's lines come from every query; a query's go to every real key.
    QCOMPARE(view.linesOf(Side::Key, 4).size(), size_t(2 * 3));
    QCOMPARE(view.linesOf(Side::Query, 2).size(), size_t(2 * 6));
    QVERIFY(view.linesOf(Side::Key, 6).empty());

    // Tooltips name each side's own tokens: weights grow with the key, so query 2's
    // strongest key is e5; key e5 is special and its strongest query is d2.
    const QString queryTip = view.tokenToolTip(Side::Query, 2);
    QVERIFY2(queryTip.contains(QStringLiteral("“d2” · position 2")), qPrintable(queryTip));
    QVERIFY2(queryTip.contains(QStringLiteral("head 1 → “e5” (5): ")
                 + QString::number(static_cast<double>(set.at(1, 1, 2, 5)), 'f', 4)),
        qPrintable(queryTip));
    const QString keyTip = view.tokenToolTip(Side::Key, 5);
    QVERIFY2(keyTip.contains(QStringLiteral("“e5” · position 5 · special token")),
        qPrintable(keyTip));
    QVERIFY2(keyTip.contains(QStringLiteral("head 0 ← “d2” (2)")), qPrintable(keyTip));

    // Clicking a query shares it with the other views; a key (another text's position) not.
    QSignalSpy clicked(&view, &HeadView::tokenClicked);
    QTest::mouseClick(
        view.canvas(), Qt::LeftButton, Qt::NoModifier, view.tokenRect(Side::Key, 4).center());
    QCOMPARE(clicked.count(), 0);
    QCOMPARE(view.highlightedToken(), 4);
    QCOMPARE(view.highlightedSide(), Side::Key);
    QTest::mouseClick(
        view.canvas(), Qt::LeftButton, Qt::NoModifier, view.tokenRect(Side::Query, 1).center());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.first().at(0).toInt(), 1);
}

void TestHeadView::linesAreTheBuffersWeights()
{
    HeadView view;
    const AttentionSet set = codedSet(/*layers=*/3, /*heads=*/4, /*seq=*/6);
    view.setData(set);
    view.setLayer(2);
    const std::vector<Line> lines = view.allLines();
    QCOMPARE(static_cast<int>(lines.size()), 4 * 6 * 6);
    std::set<std::tuple<int, int, int>> seen;
    for (const Line& line : lines) {
        QVERIFY(sameBits(line.weight, set.at(2, line.head, line.query, line.key)));
        QCOMPARE(decode(line.weight), 2000 + line.head * 100 + line.query * 10 + line.key);
        seen.insert({ line.query, line.key, line.head });
    }
    QCOMPARE(static_cast<int>(seen.size()), 4 * 6 * 6); // each pair and head once
}

void TestHeadView::sharesTheBuffer()
{
    const AttentionSet set = codedSet(2, 2, 5);
    const long before = set.weights.use_count();
    HeadView a;
    HeadView b;
    a.setData(set);
    b.setData(set);
    QCOMPARE(set.weights.use_count(), before + 2);
    QCOMPARE(a.data().weights.get(), set.weights.get());
    QCOMPARE(b.data().weights->data(), set.weights->data());
    a.clear();
    QCOMPARE(set.weights.use_count(), before + 1);
}

void TestHeadView::paintsTheLinesOfTheVisibleRows()
{
    HeadView view;
    showView(view);
    const AttentionSet set = codedSet(2, 3, 6);
    view.setData(set);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 3 * 6 * 6);
    QCOMPARE(keysOf(painted), keysOf(view.allLines()));
    for (const Line& line : painted) {
        QVERIFY(sameBits(line.weight, set.at(0, line.head, line.query, line.key)));
    }
}

void TestHeadView::hoveringAQueryIsolatesItsLines()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(2, 3, 6));
    const size_t all = paint(view).size();
    QSignalSpy hovered(&view, &HeadView::tokenHovered);

    moveMouse(view.canvas(), view.tokenRect(Side::Query, 4).center());
    QCOMPARE(hovered.count(), 1);
    QCOMPARE(hovered.takeFirst().at(0).toInt(), 4);
    QCOMPARE(view.hoveredToken(), 4);
    QCOMPARE(view.hoveredSide(), Side::Query);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 3 * 6); // 3 heads x 6 keys
    QVERIFY(painted.size() < all);
    for (const Line& line : painted) {
        QCOMPARE(line.query, 4);
    }
    QCOMPARE(keysOf(painted), keysOf(view.linesOf(Side::Query, 4)));

    // Off the tokens (between the columns): every line again.
    const QRect q = view.tokenRect(Side::Query, 4);
    moveMouse(view.canvas(), { q.right() + 40, q.center().y() });
    QCOMPARE(hovered.count(), 1);
    QCOMPARE(hovered.takeFirst().at(0).toInt(), -1);
    QCOMPARE(paint(view).size(), all);
}

void TestHeadView::hoveringAKeyIsolatesItsIncomingLines()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(2, 3, 6));
    moveMouse(view.canvas(), view.tokenRect(Side::Key, 1).center());
    QCOMPARE(view.hoveredToken(), 1);
    QCOMPARE(view.hoveredSide(), Side::Key);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 3 * 6);
    for (const Line& line : painted) {
        QCOMPARE(line.key, 1);
    }
}

void TestHeadView::causalModelsShowNoFutureLines()
{
    HeadView view;
    showView(view);
    AttentionSet set = codedSet(1, 2, 6); // every weight non-zero, the future included
    set.causal = true;
    view.setData(set);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 2 * (6 * 7 / 2));
    for (const Line& line : view.allLines()) {
        QVERIFY2(line.key <= line.query,
            qPrintable(QStringLiteral("line %1 -> %2").arg(line.query).arg(line.key)));
    }
    for (const Line& line : painted) {
        QVERIFY(line.key <= line.query);
    }
    // Key 2 is seen by queries 2..5 only.
    QCOMPARE(static_cast<int>(view.linesOf(Side::Key, 2).size()), 2 * 4);
}

void TestHeadView::paddingIsLeftOut()
{
    HeadView view;
    showView(view);
    AttentionSet set = codedSet(1, 2, 6);
    set.valid = { 1, 1, 1, 1, 0, 0 };
    view.setData(set);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 2 * 4 * 4);
    for (const Line& line : painted) {
        QVERIFY(line.query < 4 && line.key < 4);
    }
    QVERIFY(view.tokenRect(Side::Query, 4).isEmpty());
    QVERIFY(view.tokenRect(Side::Key, 5).isEmpty());
    QVERIFY(view.linesOf(Side::Query, 5).empty());
    // Nothing is drawn where a fifth row would be.
    const QRect last = view.tokenRect(Side::Query, 3);
    QCOMPARE(view.tokenAt(last.center() + QPoint(0, last.height())), -1);
    QCOMPARE(view.tokenAt(last.center()), 3);
    view.setHighlightedToken(5);
    QCOMPARE(view.highlightedToken(), -1);
}

void TestHeadView::thresholdSkipsSmallWeights()
{
    HeadView view;
    const AttentionSet set = codedSet(1, 3, 6); // weights 0.0100 .. 0.0355
    view.setData(set);
    QCOMPARE(view.threshold(), HeadView::kDefaultThreshold);
    view.setThreshold(0.03f);
    const std::vector<Line> lines = view.allLines();
    QVERIFY(!lines.empty());
    int expected = 0;
    for (int h = 0; h < 3; ++h) {
        for (int q = 0; q < 6; ++q) {
            for (int k = 0; k < 6; ++k) {
                expected += set.at(0, h, q, k) >= 0.03f ? 1 : 0;
            }
        }
    }
    QCOMPARE(static_cast<int>(lines.size()), expected);
    for (const Line& line : lines) {
        QVERIFY(line.weight >= 0.03f);
    }
}

void TestHeadView::logScaleSpreadsLineOpacity()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(1, 3, 6)); // weights 0.0100 .. 0.0355: all faint when linear
    view.setThreshold(0.01f);
    QCOMPARE(view.opacityLevel(0.01f), 1);
    QCOMPARE(view.opacityLevel(0.1f), 2); // round(0.1 x 24)
    QCOMPARE(view.opacityLevel(1.0f), HeadView::kOpacityLevels);
    const QImage linear = view.canvas()->grab().toImage();
    view.logBox()->click();
    QVERIFY(view.logScale());
    QCOMPARE(view.opacityLevel(0.01f), 1);
    QCOMPARE(view.opacityLevel(0.1f), 13); // 1 + round(23 x log(10) / log(100))
    QCOMPARE(view.opacityLevel(1.0f), HeadView::kOpacityLevels);
    QCOMPARE(view.opacityLevel(0.0355f),
        1 + static_cast<int>(std::lround(23 * std::log(3.55) / std::log(100.0))));
    // The same lines, drawn stronger.
    QCOMPARE(view.allLines().size(), view.paintedLines().size());
    const QImage log = view.canvas()->grab().toImage();
    QVERIFY(log != linear);
    view.setLogScale(false);
    QVERIFY(!view.logBox()->isChecked());
    QCOMPARE(view.canvas()->grab().toImage(), linear);

    // As a figure (lumen-cli attention): the controls go, the head legend stays.
    view.setControlsVisible(false);
    QVERIFY(view.layerSelector()->isHidden());
    QVERIFY(view.thresholdSlider()->isHidden());
    QVERIFY(view.logBox()->isHidden());
    QVERIFY(!view.headLegend()->isHidden());
    view.setControlsVisible(true);
    QVERIFY(!view.logBox()->isHidden());
}

void TestHeadView::headsToggleOnAndOff()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(1, 3, 5));
    QSignalSpy changed(&view, &HeadView::headsChanged);
    view.setHeadEnabled(1, false);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!view.isHeadEnabled(1));
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 2 * 5 * 5);
    for (const Line& line : painted) {
        QVERIFY(line.head != 1);
    }
    view.setHeadEnabled(1, false); // no change, no signal
    QCOMPARE(changed.count(), 1);
    view.setAllHeadsEnabled(false);
    QVERIFY(paint(view).empty());
    view.setAllHeadsEnabled(true);
    QCOMPARE(static_cast<int>(paint(view).size()), 3 * 5 * 5);
    // New data keeps the choice.
    view.setHeadEnabled(2, false);
    view.setData(codedSet(1, 3, 4));
    QVERIFY(!view.isHeadEnabled(2));
    QVERIFY(view.isHeadEnabled(0));
}

void TestHeadView::chipsToggleAndSolo()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(1, 4, 5));
    QWidget* legend = view.headLegend();
    const QPoint chip2 = view.headChipRect(2).center();
    QVERIFY(legend->rect().contains(chip2));
    QTest::mouseClick(legend, Qt::LeftButton, {}, chip2);
    QVERIFY(!view.isHeadEnabled(2));
    QTest::mouseClick(legend, Qt::LeftButton, {}, chip2);
    QVERIFY(view.isHeadEnabled(2));
    // Double-click (as a window system delivers it: press, release, double-click, release):
    // this head alone; again: every head.
    const auto doubleClick = [&] {
        QTest::mousePress(legend, Qt::LeftButton, {}, chip2);
        QTest::mouseRelease(legend, Qt::LeftButton, {}, chip2);
        QTest::mouseDClick(legend, Qt::LeftButton, {}, chip2);
        QTest::mouseRelease(legend, Qt::LeftButton, {}, chip2);
    };
    doubleClick();
    for (int h = 0; h < 4; ++h) {
        QCOMPARE(view.isHeadEnabled(h), h == 2);
    }
    doubleClick();
    for (int h = 0; h < 4; ++h) {
        QVERIFY(view.isHeadEnabled(h));
    }
    // The chips do not overlap.
    for (int h = 1; h < 4; ++h) {
        QVERIFY(!view.headChipRect(h).intersects(view.headChipRect(h - 1)));
    }
}

void TestHeadView::clickSelectsAToken()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(1, 2, 6));
    QSignalSpy clicked(&view, &HeadView::tokenClicked);
    const QPoint key3 = view.tokenRect(Side::Key, 3).center();
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, key3);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.takeFirst().at(0).toInt(), 3);
    QCOMPARE(view.highlightedToken(), 3);
    QCOMPARE(view.highlightedSide(), Side::Key);
    // The app echoes the selection back to every view: the key side stays.
    view.setHighlightedToken(3);
    QCOMPARE(view.highlightedSide(), Side::Key);
    // With the mouse away, the selection's lines are shown alone.
    moveMouse(view.canvas(), { 1, 1 });
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 2 * 6);
    for (const Line& line : painted) {
        QCOMPARE(line.key, 3);
    }
    // Clicking it again lets go.
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, key3);
    QCOMPARE(view.highlightedToken(), -1);
    moveMouse(view.canvas(), { 1, 1 });
    QCOMPARE(static_cast<int>(paint(view).size()), 2 * 6 * 6);
}

void TestHeadView::highlightedTokenIsolatesItsLines()
{
    HeadView view;
    showView(view);
    view.setData(codedSet(1, 2, 6));
    view.setHighlightedToken(2);
    QCOMPARE(view.highlightedToken(), 2);
    QCOMPARE(view.highlightedSide(), Side::Query);
    const std::vector<Line> painted = paint(view);
    QCOMPARE(static_cast<int>(painted.size()), 2 * 6);
    for (const Line& line : painted) {
        QCOMPARE(line.query, 2);
    }
    view.setHighlightedToken(-1);
    QCOMPARE(static_cast<int>(paint(view).size()), 2 * 6 * 6);
    view.setHighlightedToken(99);
    QCOMPARE(view.highlightedToken(), -1);
}

void TestHeadView::layerSelectionAndSignal()
{
    HeadView view;
    const AttentionSet set = codedSet(3, 2, 4);
    view.setData(set);
    QSignalSpy spy(&view, &HeadView::layerChanged);
    view.setLayer(1);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.takeFirst().at(0).toInt(), 1);
    QCOMPARE(view.layerSelector()->value(), 1);
    for (const Line& line : view.allLines()) {
        QCOMPARE(decode(line.weight) / 1000, 1);
    }
    view.setLayer(1);
    QCOMPARE(spy.count(), 0);
    view.setLayer(9); // clamped
    QCOMPARE(view.layer(), 2);
    QCOMPARE(spy.count(), 1);
    view.layerSelector()->setValue(0); // the spin box drives it too
    QCOMPARE(view.layer(), 0);
    // A layer chosen before any data is applied, clamped, when data comes.
    HeadView early;
    early.setLayer(7);
    early.setData(set);
    QCOMPARE(early.layer(), 2);
}

void TestHeadView::pictureChangesWithTheLayer()
{
    HeadView view;
    showView(view);
    view.setData(patternSet(8));
    // Only the band between the two columns, where the lines run: not the caption.
    const QRect q0 = view.tokenRect(Side::Query, 0);
    const QRect k7 = view.tokenRect(Side::Key, 7);
    const QRect band(q0.right() + 4, q0.top(), k7.left() - q0.right() - 8, k7.bottom() - q0.top());
    QVERIFY(band.width() > 50 && band.height() > 50);
    const QImage layer0 = view.canvas()->grab().toImage().copy(band);
    std::set<QRgb> colours;
    for (int y = 0; y < layer0.height(); y += 2) {
        for (int x = 0; x < layer0.width(); x += 2) {
            colours.insert(layer0.pixel(x, y));
        }
    }
    QVERIFY2(colours.size() > 3, "the line band is blank");
    view.setLayer(1);
    const QImage layer1 = view.canvas()->grab().toImage().copy(band);
    QVERIFY(layer0 != layer1);
    view.setLayer(0);
    QCOMPARE(view.canvas()->grab().toImage().copy(band), layer0);
}

void TestHeadView::specialTokensAreBoxed()
{
    HeadView view;
    showView(view);
    AttentionSet set = codedSet(1, 1, 4);
    set.special = { 1, 0, 0, 1 };
    view.setData(set);
    const QImage image = view.canvas()->grab().toImage();
    const QColor base = view.canvas()->palette().color(QPalette::Base);
    // Near the left edge of the key label, where no text is: boxed for special tokens only.
    const auto at = [&](int position) {
        const QRect r = view.tokenRect(Side::Key, position);
        return image.pixelColor(r.right() - 4, r.center().y());
    };
    QVERIFY(at(0) != base);
    QVERIFY(at(3) != base);
    QCOMPARE(at(1), base);
}

void TestHeadView::longInputsPaintOnlyTheVisibleRows()
{
    HeadView view;
    showView(view, { 700, 420 });
    const AttentionSet set = patternSet(/*seq=*/400);
    view.setData(set);
    const std::vector<Line> all = view.allLines();
    QCOMPARE(static_cast<int>(all.size()), 2 * 400);
    const std::vector<Line> painted = paint(view);
    QVERIFY(!painted.empty());
    QVERIFY2(painted.size() < all.size() / 10,
        qPrintable(QStringLiteral("%1 of %2 lines painted").arg(painted.size()).arg(all.size())));
    const QRect viewport = view.canvas()->rect();
    const auto visible = [&](int position) {
        return view.tokenRect(Side::Query, position).intersects(viewport);
    };
    for (const Line& line : painted) {
        QVERIFY(visible(line.query) || visible(line.key));
    }
    // Scrolled to the end, the last rows' lines are painted.
    view.ensureTokenVisible(399);
    const std::vector<Line> end = paint(view);
    QVERIFY(std::any_of(end.begin(), end.end(), [](const Line& l) { return l.query == 399; }));
    QVERIFY(std::none_of(end.begin(), end.end(), [](const Line& l) { return l.query == 1; }));
    QVERIFY(view.tokenRect(Side::Query, 399).intersects(viewport));
}

void TestHeadView::tooltipsGiveExactWeights()
{
    HeadView view;
    AttentionSet set = codedSet(2, 2, 4);
    set.segmentStart = 2;
    set.special = { 1, 0, 0, 0 };
    view.setData(set);
    view.setLayer(1);
    // Query 2's strongest key in the coded set is the last one (k = 3).
    const QString query = view.tokenToolTip(Side::Query, 2);
    QVERIFY2(query.startsWith(QStringLiteral("“t2” · position 2 · text B")), qPrintable(query));
    QVERIFY2(query.contains(QStringLiteral("head 0 → “t3” (3): 0.1123")), qPrintable(query));
    QVERIFY2(query.contains(QStringLiteral("head 1 → “t3” (3): 0.1223")), qPrintable(query));
    // Key 1 is attended most by the last query (q = 3).
    const QString key = view.tokenToolTip(Side::Key, 1);
    QVERIFY2(key.contains(QStringLiteral("head 1 ← “t3” (3): 0.1231")), qPrintable(key));
    QVERIFY(view.tokenToolTip(Side::Query, 0).contains(QStringLiteral("special token · text A")));
    view.setHeadEnabled(0, false);
    QVERIFY(!view.tokenToolTip(Side::Query, 2).contains(QStringLiteral("head 0")));
}

void TestHeadView::refusesInconsistentData()
{
    HeadView view;
    view.setData(codedSet(1, 2, 4));
    AttentionSet bad = codedSet(1, 2, 4);
    bad.tokens.removeLast();
    QTest::ignoreMessage(QtWarningMsg,
        "HeadView: inconsistent attention set (1 layers, 2 heads, seq 4 x 4 keys, 3 tokens, 32 weights); "
        "not drawing");
    view.setData(bad);
    QVERIFY(!view.hasData());
    QVERIFY(view.allLines().empty());
    QCOMPARE(view.tokenAt({ 100, 100 }), -1);
    QVERIFY(view.tokenRect(Side::Query, 0).isEmpty());
}

QTEST_MAIN(TestHeadView)
#include "tst_head_view.moc"
