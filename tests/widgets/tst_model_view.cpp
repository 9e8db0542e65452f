// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The model view: each thumbnail's pixels are the buffer's weights (a coded set where every
// weight of every head has its own colour index), downsampled maps keep each block's
// maximum, the causal future and padding are masked, the view shares the buffer, clicks
// and hovers name the right layer, head and pair, a 32 x 32 grid lays out without overlap,
// zoom and the lazy rendering work.

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/color_maps.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/model_view.h"

#include <QCheckBox>
#include <QMouseEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

using lumen::widgets::AttentionSet;
using lumen::widgets::HeadView;
using lumen::widgets::ModelView;

namespace {

// 3 layers x 4 heads x 4 tokens: weight (l, h, q, k) has colour index
// (q * 4 + k) * 13 + l * 4 + h, different for every weight of the set.
constexpr int kL = 3;
constexpr int kH = 4;
constexpr int kS = 4;

int codedIndex(int l, int h, int q, int k)
{
    return (q * kS + k) * 13 + l * kH + h;
}

AttentionSet codedSet()
{
    AttentionSet s;
    s.layers = kL;
    s.heads = kH;
    s.seq = kS;
    for (int i = 0; i < kS; ++i) {
        s.tokens << QStringLiteral("t%1").arg(i);
    }
    auto w = std::make_shared<std::vector<float>>();
    for (int l = 0; l < kL; ++l) {
        for (int h = 0; h < kH; ++h) {
            for (int q = 0; q < kS; ++q) {
                for (int k = 0; k < kS; ++k) {
                    w->push_back((static_cast<float>(codedIndex(l, h, q, k)) + 0.25f)
                        / static_cast<float>(ModelView::kWeightLevels));
                }
            }
        }
    }
    s.weights = std::move(w);
    return s;
}

// Cross-attention, 2 layers x 3 heads, 3 decoder queries over 7 encoder keys: weight
// (l, h, q, k) has colour index ((l * 3 + h) * 3 + q) * 7 + k (0 .. 125), one per weight.
AttentionSet crossSet()
{
    AttentionSet s;
    s.name = QStringLiteral("Cross-attention");
    s.layers = 2;
    s.heads = 3;
    s.seq = 3;
    s.keySeq = 7;
    for (int i = 0; i < 3; ++i) {
        s.tokens << QStringLiteral("d%1").arg(i);
    }
    for (int i = 0; i < 7; ++i) {
        s.keyTokens << QStringLiteral("e%1").arg(i);
    }
    auto w = std::make_shared<std::vector<float>>();
    for (int i = 0; i < 2 * 3 * 3 * 7; ++i) {
        w->push_back((static_cast<float>(i) + 0.25f) / static_cast<float>(ModelView::kWeightLevels));
    }
    s.weights = std::move(w);
    return s;
}

AttentionSet randomSet(int layers, int heads, int seq, unsigned seed, float scale = 1.0f)
{
    AttentionSet s;
    s.layers = layers;
    s.heads = heads;
    s.seq = seq;
    for (int i = 0; i < seq; ++i) {
        s.tokens << QStringLiteral("w%1").arg(i);
    }
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, scale);
    auto w = std::make_shared<std::vector<float>>(static_cast<size_t>(layers) * heads * seq * seq);
    for (float& v : *w) {
        v = u(rng);
    }
    s.weights = std::move(w);
    return s;
}

void moveMouse(QWidget* target, QPoint pos)
{
    QMouseEvent event(QEvent::MouseMove, QPointF(pos), QPointF(target->mapToGlobal(pos)),
        Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

void showView(ModelView& view, QSize size = { 900, 700 })
{
    view.setPaintBudgetMs(0);
    view.resize(size);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
}

// Centre of block (q, k) of cell (l, h) when each token has a block of its own.
QPoint blockCentre(const ModelView& view, int l, int h, int q, int k, int n)
{
    const QRect cell = view.cellRect(l, h);
    return { cell.left() + static_cast<int>((k + 0.5) * cell.width() / n),
        cell.top() + static_cast<int>((q + 0.5) * cell.height() / n) };
}

} // namespace

class TestModelView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void thumbnailPixelsAreTheBuffersWeights();
    void drawnPixelsAreTheThumbnails();
    void crossAttentionMapsAreQueriesByKeys();
    void downsamplingKeepsEachBlocksMaximum();
    void stretchedColoursReachTheTop();
    void logScaleSpreadsWeakWeights();
    void causalFutureIsMasked();
    void paddingIsCutOut();
    void sharesTheBuffer();
    void clickEmitsHeadActivated();
    void hoverNamesTheCellAndPair();
    void selectedHeadIsOutlined();
    void highlightedQueryIsMarkedOnEveryMap();
    void grid32x32LaysOutWithoutOverlap();
    void grid12x12FitsWithoutScrolling();
    void zoomWithCtrlWheelAndSlider();
    void lazyRenderingCompletes();
    void pictureChangesWithTheData();
    void refusesInconsistentData();
};

void TestModelView::thumbnailPixelsAreTheBuffersWeights()
{
    ModelView view;
    showView(view);
    const AttentionSet set = codedSet();
    view.setData(set);
    QCOMPARE(view.thumbnailResolution(), kS); // the cell is larger than 4 px: one pixel a token
    for (int l = 0; l < kL; ++l) {
        for (int h = 0; h < kH; ++h) {
            const QImage image = view.thumbnail(l, h);
            QCOMPARE(image.size(), QSize(kS, kS));
            QCOMPARE(image.format(), QImage::Format_Indexed8);
            for (int q = 0; q < kS; ++q) {
                for (int k = 0; k < kS; ++k) {
                    const int index = image.pixelIndex(k, q); // x = key, y = query
                    QCOMPARE(index, codedIndex(l, h, q, k));
                    QCOMPARE(index,
                        static_cast<int>(
                            std::lround(set.at(l, h, q, k) * ModelView::kWeightLevels)));
                    // The colour is the shared colour map's at that weight.
                    const int entry =
                        static_cast<int>(std::lround(index * 255.0 / ModelView::kWeightLevels));
                    QCOMPARE(
                        image.color(index), lumen::widgets::colormaps::sequentialTable()[entry]);
                }
            }
        }
    }
}

void TestModelView::crossAttentionMapsAreQueriesByKeys()
{
    ModelView view;
    showView(view);
    const AttentionSet set = crossSet();
    QVERIFY(set.isValid());
    view.setData(set);
    QVERIFY(view.hasData());
    for (int l = 0; l < 2; ++l) {
        for (int h = 0; h < 3; ++h) {
            const QImage image = view.thumbnail(l, h);
            QCOMPARE(image.size(), QSize(7, 3)); // x = the 7 keys, y = the 3 queries
            for (int q = 0; q < 3; ++q) {
                for (int k = 0; k < 7; ++k) {
                    QCOMPARE(image.pixelIndex(k, q), ((l * 3 + h) * 3 + q) * 7 + k);
                }
            }
        }
    }
    // The mouse over a cell names the decoder query and the encoder key under it.
    int layer = -1;
    int head = -1;
    int query = -1;
    int key = -1;
    const QRect cell = view.cellRect(1, 2);
    const QPoint point(cell.left() + cell.width() * 13 / 14, cell.top() + cell.height() / 6);
    QVERIFY(view.cellAt(point, &layer, &head, &query, &key));
    QCOMPARE(layer, 1);
    QCOMPARE(head, 2);
    QCOMPARE(query, 0);
    QCOMPARE(key, 6);
    const QString tip = view.cellToolTip(1, 2, 0, 6);
    const QString weight = QString::number(static_cast<double>(set.at(1, 2, 0, 6)), 'f', 4);
    QVERIFY2(tip.contains(QStringLiteral("query “d0” (0) → key “e6” (6): ") + weight),
        qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("top key for “d0”: “e6” (6)")), qPrintable(tip));
}

void TestModelView::drawnPixelsAreTheThumbnails()
{
    ModelView view;
    showView(view);
    const AttentionSet set = codedSet();
    view.setData(set);
    const QImage drawn = view.canvas()->grab().toImage();
    for (int l = 0; l < kL; ++l) {
        for (int h = 0; h < kH; ++h) {
            const QImage thumb = view.thumbnail(l, h);
            for (int q = 0; q < kS; ++q) {
                for (int k = 0; k < kS; ++k) {
                    const QPoint p = blockCentre(view, l, h, q, k, kS);
                    QCOMPARE(drawn.pixel(p), thumb.color(codedIndex(l, h, q, k)));
                }
            }
        }
    }
}

void TestModelView::downsamplingKeepsEachBlocksMaximum()
{
    ModelView view;
    const int n = 64;
    const AttentionSet set = randomSet(2, 2, n, 42u);
    view.setData(set);
    const int r = 16; // 4 x 4 tokens a pixel
    const QImage image = view.thumbnail(1, 1, r);
    QCOMPARE(image.size(), QSize(r, r));
    for (int y = 0; y < r; ++y) {
        for (int x = 0; x < r; ++x) {
            float largest = 0.0f;
            for (int q = y * 4; q < y * 4 + 4; ++q) {
                for (int k = x * 4; k < x * 4 + 4; ++k) {
                    largest = std::max(largest, set.at(1, 1, q, k));
                }
            }
            QCOMPARE(image.pixelIndex(x, y),
                static_cast<int>(std::lround(largest * ModelView::kWeightLevels)));
        }
    }
}

void TestModelView::stretchedColoursReachTheTop()
{
    ModelView view;
    const AttentionSet set = randomSet(1, 2, 8, 3u, /*scale=*/0.1f);
    view.setData(set);
    const auto largestIndex = [&](const QImage& image) {
        int top = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x) {
                top = std::max(top, image.pixelIndex(x, y));
            }
        }
        return top;
    };
    QVERIFY(largestIndex(view.thumbnail(0, 1, 8)) <= 26); // 0.1 x 254
    view.setStretchColors(true);
    QVERIFY(view.stretchBox()->isChecked());
    const QImage stretched = view.thumbnail(0, 1, 8);
    QCOMPARE(largestIndex(stretched), ModelView::kWeightLevels);
    // Scaled by the map's own largest weight.
    float largest = 0.0f;
    for (int q = 0; q < 8; ++q) {
        for (int k = 0; k < 8; ++k) {
            largest = std::max(largest, set.at(0, 1, q, k));
        }
    }
    QCOMPARE(stretched.pixelIndex(5, 2),
        static_cast<int>(std::lround(set.at(0, 1, 2, 5) / largest * ModelView::kWeightLevels)));
}

void TestModelView::logScaleSpreadsWeakWeights()
{
    // One map of weights 0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.5, 1 (and copies): linear, the
    // small ones are all black; on the log scale each decade is a quarter of the levels.
    AttentionSet s;
    s.layers = 1;
    s.heads = 1;
    s.seq = 4;
    s.tokens << QStringLiteral("a") << QStringLiteral("b") << QStringLiteral("c")
             << QStringLiteral("d");
    const std::vector<float> values { 0.0f, 1e-5f, 1e-4f, 1e-3f, 1e-2f, 0.1f, 0.5f, 1.0f };
    auto w = std::make_shared<std::vector<float>>();
    for (int i = 0; i < 16; ++i) {
        w->push_back(values[static_cast<size_t>(i % 8)]);
    }
    s.weights = w;
    ModelView view;
    view.setData(s);
    QVERIFY(!view.logScale());
    const QImage linear = view.thumbnail(0, 0, 4);
    QCOMPARE(linear.pixelIndex(3, 0), 0); // 1e-3 x 254 rounds to 0
    QCOMPARE(linear.pixelIndex(1, 1), 25); // 0.1
    view.logBox()->click();
    QVERIFY(view.logScale());
    const QImage log = view.thumbnail(0, 0, 4);
    const int L = ModelView::kWeightLevels;
    const std::vector<int> expected { 0, 0, 0, static_cast<int>(std::lround(L * 0.25)),
        static_cast<int>(std::lround(L * 0.5)), static_cast<int>(std::lround(L * 0.75)),
        static_cast<int>(std::lround(L * std::log(0.5 / 1e-4) / std::log(1e4))), L };
    for (int i = 0; i < 16; ++i) {
        QCOMPARE(log.pixelIndex(i % 4, i / 4), expected[static_cast<size_t>(i % 8)]);
    }
    // Stretched and log: the map's largest weight is the top; here it is 1 anyway.
    view.setStretchColors(true);
    QCOMPARE(view.thumbnail(0, 0, 4).pixelIndex(3, 1), L);
    view.setControlsVisible(false); // as a figure: the controls go, the maps stay
    QVERIFY(view.logBox()->isHidden());
    QVERIFY(view.stretchBox()->isHidden());
    QVERIFY(!view.canvas()->isHidden());
    view.setControlsVisible(true);
    QVERIFY(!view.logBox()->isHidden());
    view.setLogScale(false);
    QVERIFY(!view.logBox()->isChecked());
    QCOMPARE(view.thumbnail(0, 0, 4).pixelIndex(1, 1), 25);
}

void TestModelView::causalFutureIsMasked()
{
    ModelView view;
    AttentionSet set = codedSet(); // the future holds non-zero weights: they must not show
    set.causal = true;
    view.setData(set);
    const QImage image = view.thumbnail(2, 3);
    for (int q = 0; q < kS; ++q) {
        for (int k = 0; k < kS; ++k) {
            const int index = image.pixelIndex(k, q);
            if (k > q) {
                QCOMPARE(index, ModelView::kMaskedIndex);
            } else {
                QCOMPARE(index, codedIndex(2, 3, q, k));
            }
        }
    }
    QVERIFY(view.cellToolTip(2, 3, 1, 3).contains(QStringLiteral("not seen (causal)")));
    // Downsampled: a pixel covering only the future is masked, the diagonal is not.
    AttentionSet big = randomSet(1, 1, 32, 5u);
    big.causal = true;
    view.setData(big);
    const QImage small = view.thumbnail(0, 0, 8);
    QCOMPARE(small.pixelIndex(7, 0), ModelView::kMaskedIndex);
    QVERIFY(small.pixelIndex(3, 3) != ModelView::kMaskedIndex);
    QVERIFY(small.pixelIndex(0, 7) != ModelView::kMaskedIndex);
}

void TestModelView::paddingIsCutOut()
{
    ModelView view;
    AttentionSet set = codedSet();
    set.valid = { 1, 0, 1, 1 }; // position 1 is padding
    view.setData(set);
    const QImage image = view.thumbnail(1, 2);
    QCOMPARE(image.size(), QSize(3, 3));
    const int real[] = { 0, 2, 3 };
    for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 3; ++x) {
            QCOMPARE(image.pixelIndex(x, y), codedIndex(1, 2, real[y], real[x]));
        }
    }
    view.setHighlightedQuery(1);
    QCOMPARE(view.highlightedQuery(), -1);
    QVERIFY(view.cellToolTip(1, 2, 1, 0).startsWith(QStringLiteral("Layer 1 · Head 2")));
    QVERIFY(!view.cellToolTip(1, 2, 1, 0).contains(QStringLiteral("query")));
}

void TestModelView::sharesTheBuffer()
{
    const AttentionSet set = codedSet();
    const long before = set.weights.use_count();
    ModelView model;
    HeadView head;
    model.setData(set);
    head.setData(set);
    model.thumbnail(0, 0); // rendering reads the buffer in place
    QCOMPARE(set.weights.use_count(), before + 2);
    QCOMPARE(model.data().weights.get(), set.weights.get());
    QCOMPARE(model.data().weights->data(), head.data().weights->data());
    model.clear();
    head.clear();
    QCOMPARE(set.weights.use_count(), before);
}

void TestModelView::clickEmitsHeadActivated()
{
    ModelView view;
    showView(view);
    view.setData(randomSet(32, 32, 4, 1u));
    QSignalSpy spy(&view, &ModelView::headActivated);
    const QList<QPair<int, int>> targets = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 5, 9 } };
    for (const auto& [l, h] : targets) {
        QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, view.cellRect(l, h).center());
        QCOMPARE(spy.count(), 1);
        const QList<QVariant> args = spy.takeFirst();
        QCOMPARE(args.at(0).toInt(), l);
        QCOMPARE(args.at(1).toInt(), h);
        QCOMPARE(view.selectedLayer(), l);
        QCOMPARE(view.selectedHead(), h);
    }
    // In the gap between two maps, or on a label: nothing.
    const QRect a = view.cellRect(2, 2);
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, { a.right() + 2, a.center().y() });
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, view.rowLabelRect(3).center());
    QCOMPARE(spy.count(), 0);
    // A map scrolled into view from the far corner.
    view.setSelectedHead(31, 31);
    const QRect far = view.cellRect(31, 31);
    QVERIFY(view.canvas()->rect().contains(far));
    QTest::mouseClick(view.canvas(), Qt::LeftButton, {}, far.center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.first().at(0).toInt(), 31);
    QCOMPARE(spy.first().at(1).toInt(), 31);
    // Return on the selection opens it too.
    spy.clear();
    view.setSelectedHead(4, 6);
    QTest::keyClick(view.canvas()->parentWidget(), Qt::Key_Right);
    QCOMPARE(view.selectedHead(), 7);
    QTest::keyClick(view.canvas()->parentWidget(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.first().at(0).toInt(), 4);
    QCOMPARE(spy.first().at(1).toInt(), 7);
}

void TestModelView::hoverNamesTheCellAndPair()
{
    ModelView view;
    showView(view);
    const AttentionSet set = codedSet();
    view.setData(set);
    QSignalSpy spy(&view, &ModelView::headHovered);
    moveMouse(view.canvas(), blockCentre(view, 2, 1, 3, 0, kS));
    QCOMPARE(spy.count(), 1);
    const QList<QVariant> args = spy.takeFirst();
    QCOMPARE(args.at(0).toInt(), 2);
    QCOMPARE(args.at(1).toInt(), 1);
    QCOMPARE(args.at(2).toInt(), 3);
    QCOMPARE(args.at(3).toInt(), 0);
    const QString text = view.hoverText();
    QVERIFY2(text.startsWith(QStringLiteral("Layer 2 · Head 1\n")), qPrintable(text));
    const QString weight = QString::number(static_cast<double>(set.at(2, 1, 3, 0)), 'f', 4);
    QVERIFY2(text.contains(QStringLiteral("query “t3” (3) → key “t0” (0): ") + weight),
        qPrintable(text));
    // The coded weights grow with the key: query 3's top key is the last.
    const QString top = QString::number(static_cast<double>(set.at(2, 1, 3, 3)), 'f', 4);
    QVERIFY2(text.contains(QStringLiteral("top key for “t3”: “t3” (3): ") + top), qPrintable(text));
    // Within the same block: no new signal. Off the maps: cleared.
    moveMouse(view.canvas(), blockCentre(view, 2, 1, 3, 0, kS) + QPoint(1, 1));
    QCOMPARE(spy.count(), 0);
    moveMouse(view.canvas(), { 1, 1 });
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.first().at(0).toInt(), -1);
    QVERIFY(view.hoverText().isEmpty());
}

void TestModelView::selectedHeadIsOutlined()
{
    ModelView view;
    showView(view);
    view.setData(codedSet());
    const QColor highlight = view.canvas()->palette().color(QPalette::Highlight);
    const auto outlined = [&](int l, int h) {
        const QImage image = view.canvas()->grab().toImage();
        const QRect cell = view.cellRect(l, h);
        return image.pixelColor(cell.left() - 1, cell.center().y()) == highlight
            && image.pixelColor(cell.center().x(), cell.bottom() + 1) == highlight;
    };
    QVERIFY(!outlined(1, 2));
    view.setSelectedHead(1, 2);
    QVERIFY(outlined(1, 2));
    QVERIFY(!outlined(0, 0));
    view.setSelectedHead(-1, -1);
    QVERIFY(!outlined(1, 2));
    view.setSelectedHead(7, 0); // out of range: none
    QCOMPARE(view.selectedLayer(), -1);
}

void TestModelView::highlightedQueryIsMarkedOnEveryMap()
{
    ModelView view;
    showView(view);
    const AttentionSet set = randomSet(2, 3, 10, 9u, /*scale=*/0.05f); // dark maps
    view.setData(set);
    // The marker is a line a pixel or three high: the lightest pixel around the row centre.
    const auto lightnessAt = [&](int l, int h, int row) {
        const QImage image = view.canvas()->grab().toImage();
        const QPoint p = blockCentre(view, l, h, row, 5, 10);
        int lightest = 0;
        for (int dy = -1; dy <= 1; ++dy) {
            lightest = std::max(lightest, image.pixelColor(p + QPoint(0, dy)).lightness());
        }
        return lightest;
    };
    QVERIFY(lightnessAt(1, 2, 6) < 100);
    view.setHighlightedQuery(6);
    QCOMPARE(view.highlightedQuery(), 6);
    for (int l = 0; l < 2; ++l) {
        for (int h = 0; h < 3; ++h) {
            QVERIFY2(lightnessAt(l, h, 6) > 200,
                qPrintable(QStringLiteral("no marker on layer %1 head %2").arg(l).arg(h)));
            QVERIFY(lightnessAt(l, h, 2) < 100);
        }
    }
    view.setHighlightedQuery(-1);
    QVERIFY(lightnessAt(1, 2, 6) < 100);
}

void TestModelView::grid32x32LaysOutWithoutOverlap()
{
    ModelView view;
    showView(view, { 900, 700 });
    view.setData(randomSet(32, 32, 4, 2u));
    QVERIFY(view.fitToView());
    QVERIFY(view.cellSize() >= ModelView::kMinCellPx);
    const QFontMetrics fm(view.canvas()->font());
    for (int l = 0; l < 32; ++l) {
        for (int h = 0; h < 32; ++h) {
            const QRect c = view.cellRect(l, h);
            QCOMPARE(c.size(), QSize(view.cellSize(), view.cellSize()));
            if (h + 1 < 32) {
                QVERIFY(c.right() < view.cellRect(l, h + 1).left());
                QCOMPARE(view.cellRect(l, h + 1).top(), c.top());
            }
            if (l + 1 < 32) {
                QVERIFY(c.bottom() < view.cellRect(l + 1, h).top());
            }
        }
        // Row labels sit left of the maps and their text fits.
        const QRect label = view.rowLabelRect(l);
        QVERIFY(label.right() < view.cellRect(l, 0).left());
        QVERIFY(fm.horizontalAdvance(view.rowLabel(l)) <= label.width());
        if (l + 1 < 32) {
            QVERIFY(!label.intersects(view.rowLabelRect(l + 1)));
        }
    }
    for (int h = 0; h < 32; ++h) {
        const QRect label = view.columnLabelRect(h);
        QVERIFY2(fm.horizontalAdvance(view.columnLabel(h)) <= label.width(),
            qPrintable(view.columnLabel(h)));
        QVERIFY(label.bottom() < view.cellRect(0, h).top());
        if (h + 1 < 32) {
            QVERIFY(!label.intersects(view.columnLabelRect(h + 1)));
        }
    }
    // Larger than the view: it scrolls.
    QVERIFY(view.contentSize().height() > view.canvas()->height());
    bool scrolls = false;
    for (const QScrollBar* bar : view.findChildren<QScrollBar*>()) {
        scrolls |= bar->orientation() == Qt::Vertical && bar->isVisible() && bar->maximum() > 0;
    }
    QVERIFY(scrolls);
}

void TestModelView::grid12x12FitsWithoutScrolling()
{
    ModelView view;
    showView(view, { 900, 760 });
    view.setData(randomSet(12, 12, 8, 4u));
    QVERIFY(view.cellSize() >= 40);
    QVERIFY(view.contentSize().width() <= view.canvas()->width());
    QVERIFY(view.contentSize().height() <= view.canvas()->height());
    QVERIFY(view.canvas()->rect().contains(view.cellRect(11, 11)));
    QCOMPARE(view.columnLabel(11), QStringLiteral("Head 11"));
}

void TestModelView::zoomWithCtrlWheelAndSlider()
{
    ModelView view;
    showView(view);
    view.setData(randomSet(12, 12, 8, 4u));
    const int fitted = view.cellSize();
    QSignalSpy spy(&view, &ModelView::cellSizeChanged);
    const QPoint at = view.cellRect(3, 3).center();
    QWheelEvent wheel(QPointF(at), QPointF(view.canvas()->mapToGlobal(at)), QPoint(),
        QPoint(0, 240), Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(view.canvas(), &wheel);
    QVERIFY(view.cellSize() > fitted);
    QVERIFY(!view.fitToView());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(view.zoomSlider()->value(), view.cellSize());
    // The map under the mouse stays under the mouse.
    int layer = -1;
    int head = -1;
    QVERIFY(view.cellAt(at, &layer, &head));
    QCOMPARE(layer, 3);
    QCOMPARE(head, 3);
    view.zoomSlider()->setValue(ModelView::kMinCellPx);
    QCOMPARE(view.cellSize(), ModelView::kMinCellPx);
    view.setCellSize(1); // clamped
    QCOMPARE(view.cellSize(), ModelView::kMinCellPx);
    view.setFitToView(true);
    QCOMPARE(view.cellSize(), fitted);
}

void TestModelView::lazyRenderingCompletes()
{
    ModelView view;
    view.resize(900, 700);
    view.setPaintBudgetMs(1);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setData(randomSet(12, 12, 256, 6u));
    // However the budget splits it, every map in view ends up drawn.
    QTRY_COMPARE(view.cachedThumbnails(), 144);
    QTRY_COMPARE(view.pendingThumbnails(), 0);
    // And a grab without a budget is complete at once.
    view.setPaintBudgetMs(0);
    view.setData(randomSet(12, 12, 64, 7u));
    view.canvas()->grab();
    QCOMPARE(view.pendingThumbnails(), 0);
}

void TestModelView::pictureChangesWithTheData()
{
    ModelView view;
    showView(view);
    view.setData(randomSet(4, 4, 16, 1u));
    const QImage first = view.canvas()->grab().toImage();
    const QRect cell = view.cellRect(1, 1);
    std::set<QRgb> colours;
    for (int y = cell.top(); y <= cell.bottom(); y += 3) {
        for (int x = cell.left(); x <= cell.right(); x += 3) {
            colours.insert(first.pixel(x, y));
        }
    }
    QVERIFY2(colours.size() > 8, "the map is flat");
    view.setData(randomSet(4, 4, 16, 2u));
    QVERIFY(view.canvas()->grab().toImage() != first);
}

void TestModelView::refusesInconsistentData()
{
    ModelView view;
    view.setData(codedSet());
    AttentionSet bad = codedSet();
    bad.layers = 2;
    QTest::ignoreMessage(QtWarningMsg,
        "ModelView: inconsistent attention set (2 layers, 4 heads, seq 4 x 4 keys, 4 tokens, 192 "
        "weights); not drawing");
    view.setData(bad);
    QVERIFY(!view.hasData());
    QVERIFY(view.thumbnail(0, 0).isNull());
    int l = 0;
    int h = 0;
    QVERIFY(!view.cellAt({ 200, 200 }, &l, &h));
}

QTEST_MAIN(TestModelView)
#include "tst_model_view.moc"
