// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The attention timeline: the slider shows each snapshot's own weights in the heatmap and
// its step; the head's change from the first snapshot and its entropy are the numbers the
// maps give; a live snapshot is followed only while the slider is at the newest; snapshots
// out of order or of the wrong size are left out; Play runs to the end and stops.

#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/qcustomplot.h"

#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QToolButton>

#include <cmath>

using namespace lumen::widgets;

namespace {

/// One layer, two heads, two positions. Head 0: rows are `p, 1 - p`; head 1 stays uniform.
TimelineSnapshot snapshot(qint64 step, double loss, float p)
{
    auto w = std::make_shared<std::vector<float>>(std::vector<float> { p, 1 - p, p, 1 - p, 0.5F, 0.5F, 0.5F, 0.5F });
    return { step, loss, w };
}

AttentionSet shape()
{
    AttentionSet s;
    s.tokens = { QStringLiteral("a"), QStringLiteral("b") };
    s.layers = 1;
    s.heads = 2;
    s.seq = 2;
    return s;
}

} // namespace

class TestAttentionTimeline : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void scrubShowsEachSnapshot()
    {
        AttentionTimeline t;
        QVERIFY(t.findChild<QLabel*>(QStringLiteral("timelineHint"))->isVisibleTo(&t));
        std::vector<TimelineSnapshot> list { snapshot(0, std::nan(""), 0.5F), snapshot(10, 2.0, 0.75F), snapshot(20, 1.0, 1.0F) };
        t.setData(shape(), list);
        QVERIFY(!t.findChild<QLabel*>(QStringLiteral("timelineHint"))->isVisibleTo(&t));
        QCOMPARE(t.count(), 3);
        QCOMPARE(t.current(), 2); // the last is shown first
        QCOMPARE(t.currentStep(), qint64 { 20 });
        QSignalSpy moved(&t, &AttentionTimeline::currentChanged);
        t.slider()->setValue(0);
        QCOMPARE(moved.count(), 1);
        QCOMPARE(moved.last().at(1).toLongLong(), qint64 { 0 });
        QVERIFY(t.view()->data().weights == list[0].weights);
        QVERIFY(t.stepLabel()->text().contains(QStringLiteral("initial weights")));
        t.slider()->setValue(1);
        QVERIFY(t.view()->data().weights == list[1].weights);
        QVERIFY(t.stepLabel()->text().contains(QStringLiteral("Step 10")));
        QVERIFY(t.stepLabel()->text().contains(QStringLiteral("2.000")));
        // The heatmap shows head 0's 0.75.
        t.view()->setHead(0);
        QCOMPARE(t.view()->slice(0, 0).weights.front(), 0.75F);

        // Head 0 moves from uniform to one-hot: total variation 0, 0.25, 0.5; entropy 1 bit to 0.
        const std::vector<double> change = t.changeFromFirst(0, 0);
        QCOMPARE(change.size(), size_t { 3 });
        QVERIFY(std::abs(change[0]) < 1e-9 && std::abs(change[1] - 0.25) < 1e-6 && std::abs(change[2] - 0.5) < 1e-6);
        const std::vector<double> entropy = t.headEntropy(0, 0);
        QVERIFY(std::abs(entropy[0] - 1.0) < 1e-6 && std::abs(entropy[2]) < 1e-6);
        QVERIFY(std::abs(entropy[1] - (-(0.75 * std::log2(0.75) + 0.25 * std::log2(0.25)))) < 1e-6);
        // Step by step: 0, then 0.25 and 0.25 again.
        const std::vector<double> step = t.changeFromPrevious(0, 0);
        QVERIFY(std::abs(step[0]) < 1e-9 && std::abs(step[1] - 0.25) < 1e-6 && std::abs(step[2] - 0.25) < 1e-6);
        QCOMPARE(t.plot()->graph(2)->dataCount(), 3);
        QVERIFY(std::abs(t.plot()->graph(2)->data()->at(2)->value - 0.25) < 1e-6);
        // Head 1 never changes; the mean of heads moves half as far.
        QCOMPARE(t.changeFromFirst(0, 1), (std::vector<double> { 0.0, 0.0, 0.0 }));
        QVERIFY(std::abs(t.changeFromFirst(0, AttentionView::kMeanOfHeads)[2] - 0.25) < 1e-6);
        // The plot holds the change and the losses (not step 0's unknown loss).
        QCOMPARE(t.plot()->graph(0)->dataCount(), 3);
        QCOMPARE(t.plot()->graph(1)->dataCount(), 2);
        QVERIFY(t.summaryLabel()->text().contains(QStringLiteral("Layer 0 · Head 0")));
        t.view()->setHead(1);
        QCOMPARE(t.plot()->graph(0)->data()->at(2)->value, 0.0);
    }

    void liveSnapshotsFollowOnlyAtTheNewest()
    {
        AttentionTimeline t;
        t.setData(shape(), {});
        QCOMPARE(t.count(), 0);
        QCOMPARE(t.current(), -1);
        t.appendSnapshot(snapshot(0, std::nan(""), 0.5F));
        t.appendSnapshot(snapshot(5, 3.0, 0.6F));
        QCOMPARE(t.count(), 2);
        QCOMPARE(t.currentStep(), qint64 { 5 });
        t.setCurrent(0);
        t.appendSnapshot(snapshot(10, 2.0, 0.7F));
        QCOMPARE(t.count(), 3);
        QCOMPARE(t.currentStep(), qint64 { 0 }); // the user is looking back: stays
        t.setCurrent(2);
        // Out of order and wrong-sized snapshots are left out.
        t.appendSnapshot(snapshot(10, 2.0, 0.8F));
        TimelineSnapshot small { 15, 1.0, std::make_shared<std::vector<float>>(std::vector<float> { 1.0F }) };
        t.appendSnapshot(small);
        QCOMPARE(t.count(), 3);
        t.appendSnapshot(snapshot(15, 1.5, 0.9F));
        QCOMPARE(t.count(), 4);
        QCOMPARE(t.currentStep(), qint64 { 15 });
        // The course grew with each snapshot: the plot holds every one, as computed afresh.
        QCOMPARE(t.plot()->graph(0)->dataCount(), 4);
        const std::vector<double> change = t.changeFromFirst(t.view()->layer(), t.view()->head());
        for (int k = 0; k < 4; ++k) {
            QVERIFY(std::abs(t.plot()->graph(0)->data()->at(k)->value - change[static_cast<size_t>(k)]) < 1e-12);
        }
    }

    void framesForATalk()
    {
        AttentionTimeline t;
        t.resize(1200, 600);
        t.setData(shape(), { snapshot(0, std::nan(""), 0.5F), snapshot(10, 1.0, 0.75F), snapshot(20, 0.5, 1.0F) });
        t.view()->setHead(0);
        t.setCurrent(1);
        QTemporaryDir dir;
        QVERIFY(t.exportFrames(dir.path()).isEmpty());
        QCOMPARE(t.current(), 1); // restored
        QVERIFY(t.view()->layerSelector()->isVisibleTo(&t));
        const QImage first(dir.filePath(QStringLiteral("frame-001.png")));
        const QImage last(dir.filePath(QStringLiteral("frame-003.png")));
        QCOMPARE(first.size(), QSize(1920, 1080));
        QCOMPARE(last.size(), QSize(1920, 1080));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("frame-004.png"))));
        QVERIFY(first != last); // the maps differ
        QVERIFY(!t.exportFrames(QStringLiteral("/proc/no-such-place")).isEmpty());
        AttentionTimeline empty;
        QVERIFY(!empty.exportFrames(dir.path()).isEmpty());
    }

    void playRunsToTheEnd()
    {
        AttentionTimeline t;
        t.setData(shape(), { snapshot(0, std::nan(""), 0.5F), snapshot(1, 1.0, 0.6F), snapshot(2, 0.5, 0.7F) });
        t.playButton()->setChecked(true); // at the end: starts again from the first
        QCOMPARE(t.current(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(t.current(), 2, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!t.playButton()->isChecked(), 5000);
    }
};

QTEST_MAIN(TestAttentionTimeline)
#include "tst_attention_timeline.moc"
