// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Watching attention form: one probe sentence's attention at snapshots taken while a model
// trained, scrubbed with a timeline slider (or played), over the attention view's heatmap with
// its layer and head selectors; beside it, the chosen head's course over the whole run — its
// mean entropy and how far its map has moved from the first snapshot — beside the training
// loss, with a marker at the snapshot shown (and its change since the snapshot before:
// where a head settles, and where it lapses).
//
//   AttentionSet shape = ...;             // tokens, masks, layers, heads, seq; no weights
//   timeline->setData(shape, {{0, NAN, w0}, {100, 2.3, w100}, ...});
//   timeline->appendSnapshot({200, 1.9, w200});  // live: follows the newest while at the end
//   timeline->setCurrent(0);                      // the initial weights
//
// Thread safety: GUI thread only.

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/attention_view.h"

#include <QSize>
#include <QWidget>

#include <memory>
#include <vector>

class QCustomPlot;
class QCPItemStraightLine;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace lumen::widgets {

struct TimelineSnapshot {
    qint64 step = 0; ///< optimizer steps done (0 = the initial weights)
    double loss = 0.0; ///< the training loss of the steps that led here; NaN = none
    /// [layer][head][query][key], the shape's layers x heads x seq x seq
    std::shared_ptr<const std::vector<float>> weights;
};

class AttentionTimeline : public QWidget {
    Q_OBJECT

public:
    explicit AttentionTimeline(QWidget* parent = nullptr);

    /// The probe's positions (`shape`: everything of an AttentionSet but its weights) and
    /// the snapshots in step order; shows the last. Snapshots that do not fit the shape are
    /// left out. An empty list shows the hint.
    void setData(const AttentionSet& shape, std::vector<TimelineSnapshot> snapshots);
    /// One more snapshot (a later step); the slider follows it while it is at the newest.
    void appendSnapshot(TimelineSnapshot snapshot);
    void clear();
    /// The text shown while there are no snapshots.
    void setHint(const QString& text);

    int count() const { return static_cast<int>(snapshots_.size()); }
    int current() const;
    /// Shows snapshot `index` (clamped).
    void setCurrent(int index);
    qint64 currentStep() const;
    const std::vector<TimelineSnapshot>& snapshots() const { return snapshots_; }

    /// Per snapshot, the chosen head's (kMeanOfHeads: the heads' mean) mean entropy in bits
    /// over the queries that see anything, and its mean total variation distance from the
    /// first snapshot's map (0 = the same, 1 = disjoint), averaged over queries.
    std::vector<double> headEntropy(int layer, int head) const;
    std::vector<double> changeFromFirst(int layer, int head) const;
    /// The same distance from the snapshot before (0 for the first): where a head settles,
    /// and where it lapses.
    std::vector<double> changeFromPrevious(int layer, int head) const;

    /// Writes every snapshot of the chosen layer and head as a 16:9 slide (frame-001.png, ...;
    /// the map and the head's course, titled with the step and loss) into `folder`, for a talk
    /// or an animation; the snapshot shown is restored. "" or what went wrong.
    QString exportFrames(const QString& folder, QSize size = QSize(1920, 1080));

    AttentionView* view() const { return view_; }
    QToolButton* exportButton() const { return export_; }
    QSlider* slider() const { return slider_; }
    QToolButton* playButton() const { return play_; }
    QLabel* stepLabel() const { return stepLabel_; }
    QLabel* summaryLabel() const { return summary_; }
    QCustomPlot* plot() const { return plot_; }

Q_SIGNALS:
    void currentChanged(int index, qint64 step);

private:
    /// The (layer, head) map of snapshot k as one [query][key] matrix (heads averaged for
    /// kMeanOfHeads and kMaxOfHeads).
    std::vector<float> headMap(size_t k, int layer, int head) const;
    /// A head map's mean entropy in bits over the queries that see anything.
    double entropyOf(const std::vector<float>& map) const;
    /// The mean total variation per query between two maps of one head.
    double distance(const std::vector<float>& map, const std::vector<float>& from) const;
    void showCurrent();
    void redrawCourse();
    void updateMarker();
    bool fits(const TimelineSnapshot& s) const;
    /// The chosen head's change and entropy per snapshot, computed once per layer and head
    /// and extended as snapshots arrive (a long live run stays cheap to append to).
    void updateCourse();

    AttentionSet shape_;
    std::vector<TimelineSnapshot> snapshots_;
    AttentionView* view_ = nullptr;
    QSlider* slider_ = nullptr;
    QToolButton* play_ = nullptr;
    QToolButton* export_ = nullptr;
    QWidget* split_ = nullptr; ///< the map and the course: what a frame shows
    QTimer* playTimer_ = nullptr;
    QLabel* stepLabel_ = nullptr;
    QLabel* summary_ = nullptr;
    QLabel* hint_ = nullptr;
    QWidget* body_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCPItemStraightLine* marker_ = nullptr;
    int courseLayer_ = -1;
    int courseHead_ = 0;
    std::vector<double> courseChange_;
    std::vector<double> courseEntropy_;
    std::vector<double> courseStep_;
};

} // namespace lumen::widgets
