// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/attention_timeline.h"

#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/slide.h"
#include "plot_legend.h"

#include <QDir>
#include <QFileDialog>
#include <QImage>
#include <QMessageBox>
#include <QPainter>

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace lumen::widgets {

namespace {

const QColor kChange(0xd5, 0x5e, 0x00); // vermillion (Okabe-Ito)
const QColor kLoss(0x00, 0x72, 0xb2); // blue
const QColor kStep(0xcc, 0x79, 0xa7); // reddish purple

} // namespace

AttentionTimeline::AttentionTimeline(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    hint_ = new QLabel(this);
    hint_->setObjectName(QStringLiteral("timelineHint"));
    hint_->setWordWrap(true);
    hint_->setAlignment(Qt::AlignCenter);
    hint_->setText(tr("No attention snapshots yet. Give a probe sentence under Watch attention form, then "
                      "Start: its attention is kept at the first step, at intervals and at the end."));
    layout->addWidget(hint_, 1);

    body_ = new QWidget(this);
    auto* bodyLayout = new QVBoxLayout(body_);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    auto* row = new QHBoxLayout;
    play_ = new QToolButton(body_);
    play_->setObjectName(QStringLiteral("timelinePlay"));
    play_->setText(tr("▶ Play"));
    play_->setCheckable(true);
    play_->setToolTip(tr("Step through the snapshots from the first (or from where the slider is)"));
    slider_ = new QSlider(Qt::Horizontal, body_);
    slider_->setObjectName(QStringLiteral("timelineSlider"));
    slider_->setToolTip(tr("The snapshot shown: drag from the initial weights (left) to the last step (right)"));
    slider_->setPageStep(1);
    slider_->setTickPosition(QSlider::TicksBelow);
    stepLabel_ = new QLabel(body_);
    stepLabel_->setObjectName(QStringLiteral("timelineStep"));
    stepLabel_->setMinimumWidth(200);
    export_ = new QToolButton(body_);
    export_->setObjectName(QStringLiteral("timelineExport"));
    export_->setText(tr("Export Frames…"));
    export_->setToolTip(tr("Write every snapshot of this layer and head as a 1920 x 1080 slide (PNG), for a talk "
                           "or an animation"));
    row->addWidget(play_);
    row->addWidget(slider_, 1);
    row->addWidget(stepLabel_);
    row->addWidget(export_);
    bodyLayout->addLayout(row);

    // The map beside the head's course: a wide window gives both room.
    auto* split = new QSplitter(Qt::Horizontal, body_);
    split_ = split;
    view_ = new AttentionView(split);
    view_->setObjectName(QStringLiteral("timelineAttention"));
    view_->setCompactControls(true); // layer and head: the timeline sits in narrow windows
    view_->setMinimumWidth(320);
    auto* course = new QWidget(split);
    auto* courseLayout = new QVBoxLayout(course);
    courseLayout->setContentsMargins(0, 0, 0, 0);
    summary_ = new QLabel(course);
    summary_->setObjectName(QStringLiteral("timelineSummary"));
    summary_->setWordWrap(true);
    courseLayout->addWidget(summary_);
    plot_ = new QCustomPlot(course);
    plot_->setObjectName(QStringLiteral("timelinePlot"));
    plot_->setMinimumHeight(200);
    plot_->setMinimumWidth(280);
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("head's change"));
    plot_->yAxis->setRange(0.0, 1.0);
    plot_->yAxis2->setVisible(true);
    plot_->yAxis2->setLabel(tr("training loss"));
    QCPGraph* change = plot_->addGraph();
    change->setName(tr("change from step 0"));
    change->setPen(QPen(kChange, 2));
    change->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    QCPGraph* loss = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    loss->setName(tr("training loss (right)"));
    loss->setPen(QPen(kLoss, 2));
    loss->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    QCPGraph* step = plot_->addGraph();
    step->setName(tr("since the snapshot before"));
    step->setPen(QPen(kStep, 1.5));
    step->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, 5));
    putLegendBelow(plot_, 1); // one entry a line: the course may sit in a narrow column
    marker_ = new QCPItemStraightLine(plot_);
    marker_->setPen(QPen(QColor(0x33, 0x33, 0x33), 1, Qt::DashLine));
    courseLayout->addWidget(plot_, 1);
    split->addWidget(view_);
    split->addWidget(course);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    bodyLayout->addWidget(split, 1);
    layout->addWidget(body_, 1);
    body_->hide();

    playTimer_ = new QTimer(this);
    playTimer_->setInterval(450);
    connect(playTimer_, &QTimer::timeout, this, [this] {
        if (slider_->value() >= slider_->maximum()) {
            play_->setChecked(false);
            return;
        }
        slider_->setValue(slider_->value() + 1);
    });
    connect(play_, &QToolButton::toggled, this, [this](bool on) {
        play_->setText(on ? tr("❚❚ Pause") : tr("▶ Play"));
        if (on) {
            if (slider_->value() >= slider_->maximum()) {
                slider_->setValue(0);
            }
            playTimer_->start();
        } else {
            playTimer_->stop();
        }
    });
    connect(slider_, &QSlider::valueChanged, this, [this] {
        showCurrent();
        Q_EMIT currentChanged(current(), currentStep());
    });
    connect(export_, &QToolButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("A Folder for the Frames"));
        if (folder.isEmpty()) {
            return;
        }
        const QString error = exportFrames(folder);
        if (!error.isEmpty()) {
            QMessageBox::warning(this, tr("Could not export the frames"), error);
        } else {
            summary_->setText(tr("Wrote %1 frames to %2.").arg(count()).arg(folder));
        }
    });
    connect(view_, &AttentionView::layerChanged, this, &AttentionTimeline::redrawCourse);
    connect(view_, &AttentionView::headChanged, this, &AttentionTimeline::redrawCourse);
}

bool AttentionTimeline::fits(const TimelineSnapshot& s) const
{
    return s.weights && shape_.layers > 0 && shape_.heads > 0 && shape_.seq > 0
        && s.weights->size() == static_cast<size_t>(shape_.layers) * shape_.heads * shape_.seq * shape_.keys()
        && (snapshots_.empty() || s.step > snapshots_.back().step);
}

void AttentionTimeline::setData(const AttentionSet& shape, std::vector<TimelineSnapshot> snapshots)
{
    play_->setChecked(false);
    shape_ = shape;
    shape_.weights.reset();
    snapshots_.clear();
    courseLayer_ = -1;
    courseChange_.clear();
    courseEntropy_.clear();
    courseStep_.clear();
    for (TimelineSnapshot& s : snapshots) {
        if (fits(s)) {
            snapshots_.push_back(std::move(s));
        }
    }
    const bool any = !snapshots_.empty();
    hint_->setVisible(!any);
    body_->setVisible(any);
    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, std::max(0, count() - 1));
        slider_->setValue(slider_->maximum());
    }
    if (!any) {
        view_->clear();
        return;
    }
    showCurrent();
}

void AttentionTimeline::appendSnapshot(TimelineSnapshot snapshot)
{
    if (snapshots_.empty()) {
        std::vector<TimelineSnapshot> one;
        one.push_back(std::move(snapshot));
        setData(shape_, std::move(one));
        return;
    }
    if (!fits(snapshot)) {
        return;
    }
    const bool atNewest = slider_->value() == slider_->maximum();
    snapshots_.push_back(std::move(snapshot));
    {
        const QSignalBlocker block(slider_);
        slider_->setRange(0, count() - 1);
        if (atNewest && !play_->isChecked()) {
            slider_->setValue(slider_->maximum());
        }
    }
    showCurrent();
}

void AttentionTimeline::clear()
{
    setData(AttentionSet(), {});
}

void AttentionTimeline::setHint(const QString& text)
{
    hint_->setText(text);
}

int AttentionTimeline::current() const
{
    return snapshots_.empty() ? -1 : slider_->value();
}

void AttentionTimeline::setCurrent(int index)
{
    slider_->setValue(std::clamp(index, 0, std::max(0, count() - 1)));
}

qint64 AttentionTimeline::currentStep() const
{
    const int k = current();
    return k < 0 ? -1 : snapshots_[static_cast<size_t>(k)].step;
}

std::vector<float> AttentionTimeline::headMap(size_t k, int layer, int head) const
{
    const auto cells = static_cast<size_t>(shape_.seq) * shape_.keys();
    const std::vector<float>& w = *snapshots_[k].weights;
    const auto at = [&](int h) { return w.data() + (static_cast<size_t>(layer) * shape_.heads + h) * cells; };
    if (head >= 0 && head < shape_.heads) {
        return std::vector<float>(at(head), at(head) + cells);
    }
    std::vector<float> mean(cells, 0.0F);
    for (int h = 0; h < shape_.heads; ++h) {
        const float* m = at(h);
        for (size_t i = 0; i < cells; ++i) {
            mean[i] += m[i] / static_cast<float>(shape_.heads);
        }
    }
    return mean;
}

namespace {

/// The mean of `perRow(row)` over the rows (queries) of a [seq][keys] map that hold any
/// weight; NaN when none does.
template <typename PerRow>
double meanOverQueries(const std::vector<float>& map, size_t seq, size_t keys, PerRow perRow)
{
    double sum = 0.0;
    int rows = 0;
    for (size_t q = 0; q < seq; ++q) {
        const float* row = map.data() + q * keys;
        double mass = 0.0;
        for (size_t j = 0; j < keys; ++j) {
            mass += row[j];
        }
        if (mass > 1e-6) {
            sum += perRow(q, row);
            ++rows;
        }
    }
    return rows > 0 ? sum / rows : std::numeric_limits<double>::quiet_NaN();
}

} // namespace

std::vector<double> AttentionTimeline::headEntropy(int layer, int head) const
{
    std::vector<double> out;
    if (layer < 0 || layer >= shape_.layers) {
        return out;
    }
    for (size_t k = 0; k < snapshots_.size(); ++k) {
        out.push_back(entropyOf(headMap(k, layer, head)));
    }
    return out;
}

std::vector<double> AttentionTimeline::changeFromPrevious(int layer, int head) const
{
    std::vector<double> out;
    if (layer < 0 || layer >= shape_.layers) {
        return out;
    }
    std::vector<float> before;
    for (size_t k = 0; k < snapshots_.size(); ++k) {
        std::vector<float> map = headMap(k, layer, head);
        out.push_back(k == 0 ? 0.0 : distance(map, before));
        before = std::move(map);
    }
    return out;
}

std::vector<double> AttentionTimeline::changeFromFirst(int layer, int head) const
{
    std::vector<double> out;
    if (layer < 0 || layer >= shape_.layers || snapshots_.empty()) {
        return out;
    }
    const std::vector<float> first = headMap(0, layer, head);
    for (size_t k = 0; k < snapshots_.size(); ++k) {
        out.push_back(distance(headMap(k, layer, head), first));
    }
    return out;
}

double AttentionTimeline::entropyOf(const std::vector<float>& map) const
{
    const auto keys = static_cast<size_t>(shape_.keys());
    return meanOverQueries(map, static_cast<size_t>(shape_.seq), keys, [keys](size_t, const float* row) {
        double h = 0.0;
        for (size_t j = 0; j < keys; ++j) {
            h -= row[j] > 0.0F ? row[j] * std::log2(static_cast<double>(row[j])) : 0.0;
        }
        return h;
    });
}

double AttentionTimeline::distance(const std::vector<float>& map, const std::vector<float>& from) const
{
    const auto keys = static_cast<size_t>(shape_.keys());
    const double tv = meanOverQueries(map, static_cast<size_t>(shape_.seq), keys, [&from, keys](size_t q, const float* row) {
        double sum = 0.0;
        for (size_t j = 0; j < keys; ++j) {
            sum += std::abs(static_cast<double>(row[j]) - from[q * keys + j]);
        }
        return 0.5 * sum;
    });
    return std::isfinite(tv) ? tv : 0.0;
}

void AttentionTimeline::updateCourse()
{
    const int layer = view_->layer();
    const int head = view_->head();
    if (layer != courseLayer_ || head != courseHead_ || courseChange_.size() > snapshots_.size()) {
        courseLayer_ = layer;
        courseHead_ = head;
        courseChange_.clear();
        courseEntropy_.clear();
        courseStep_.clear();
    }
    if (courseChange_.size() == snapshots_.size() || layer < 0 || layer >= shape_.layers) {
        return;
    }
    // Each map once: its entropy, its distance from the first and from the one before.
    const std::vector<float> first = headMap(0, layer, head);
    std::vector<float> before = courseChange_.empty() ? first : headMap(courseChange_.size() - 1, layer, head);
    for (size_t k = courseChange_.size(); k < snapshots_.size(); ++k) {
        std::vector<float> map = headMap(k, layer, head);
        courseChange_.push_back(distance(map, first));
        courseEntropy_.push_back(entropyOf(map));
        courseStep_.push_back(k == 0 ? 0.0 : distance(map, before));
        before = std::move(map);
    }
}

void AttentionTimeline::showCurrent()
{
    const int k = current();
    if (k < 0) {
        return;
    }
    const TimelineSnapshot& s = snapshots_[static_cast<size_t>(k)];
    AttentionSet set = shape_;
    set.weights = s.weights;
    view_->setData(set);
    const QString loss = std::isfinite(s.loss) ? tr(" · training loss %1").arg(s.loss, 0, 'f', 3) : QString();
    stepLabel_->setText(s.step == 0 ? tr("Step 0, the initial weights (%1 of %2)").arg(k + 1).arg(count())
                                    : tr("Step %1 (%2 of %3)%4").arg(s.step).arg(k + 1).arg(count()).arg(loss));
    redrawCourse(); // the summary at this snapshot, and the marker
}

void AttentionTimeline::redrawCourse()
{
    if (snapshots_.empty()) {
        return;
    }
    const int layer = view_->layer();
    const int head = view_->head();
    updateCourse();
    const std::vector<double>& change = courseChange_;
    const std::vector<double>& entropy = courseEntropy_;
    if (change.size() != snapshots_.size()) {
        return;
    }
    QVector<double> steps;
    QVector<double> changes;
    QVector<double> sinceBefore;
    QVector<double> lossSteps;
    QVector<double> losses;
    for (size_t k = 0; k < snapshots_.size(); ++k) {
        const auto step = static_cast<double>(snapshots_[k].step);
        steps << step;
        changes << change[k];
        sinceBefore << courseStep_[k];
        if (std::isfinite(snapshots_[k].loss)) {
            lossSteps << step;
            losses << snapshots_[k].loss;
        }
    }
    plot_->graph(0)->setData(steps, changes, true);
    plot_->graph(1)->setData(lossSteps, losses, true);
    plot_->graph(2)->setData(steps, sinceBefore, true);
    const double last = steps.back();
    plot_->xAxis->setRange(0.0, std::max(1.0, last));
    plot_->yAxis->setRange(0.0, 1.0);
    if (!losses.isEmpty()) {
        const auto [lo, hi] = std::minmax_element(losses.begin(), losses.end());
        plot_->yAxis2->setRange(std::max(0.0, *lo - 0.1 * (*hi - *lo + 0.1)), *hi + 0.1 * (*hi - *lo + 0.1));
    }
    const QString which = head >= 0 ? tr("Layer %1 · Head %2").arg(layer).arg(head) : tr("Layer %1 · mean of heads").arg(layer);
    const auto k = static_cast<size_t>(std::max(0, current()));
    summary_->setText(tr("%1 at step %2: entropy %3 bits (%4 at step %5); its map differs from step %5's by %6 "
                         "(total variation per query, 0 = the same, 1 = disjoint), at the last snapshot by %7.")
                          .arg(which)
                          .arg(snapshots_[k].step)
                          .arg(entropy[k], 0, 'f', 2)
                          .arg(entropy.front(), 0, 'f', 2)
                          .arg(snapshots_.front().step)
                          .arg(change[k], 0, 'f', 2)
                          .arg(change.back(), 0, 'f', 2));
    updateMarker();
}

QString AttentionTimeline::exportFrames(const QString& folder, QSize size)
{
    if (snapshots_.empty()) {
        return tr("There are no snapshots to export.");
    }
    if (!QDir().mkpath(folder)) {
        return tr("Cannot make the folder %1.").arg(folder);
    }
    const int shown = current();
    view_->setControlsVisible(false);
    QString error;
    const int layer = view_->layer();
    const int head = view_->head();
    const QString which = head >= 0 ? tr("Layer %1 · Head %2").arg(layer).arg(head) : tr("Layer %1 · mean of heads").arg(layer);
    for (int k = 0; k < count() && error.isEmpty(); ++k) {
        setCurrent(k);
        plot_->replot();
        const TimelineSnapshot& s = snapshots_[static_cast<size_t>(k)];
        const QString heading = s.step == 0 ? tr("%1, the initial weights").arg(which) : tr("%1 at step %2").arg(which).arg(s.step);
        const QString caption = std::isfinite(s.loss)
            ? tr("Snapshot %1 of %2 · training loss %3 · changed %4 from step 0").arg(k + 1).arg(count()).arg(s.loss, 0, 'f', 3).arg(courseChange_[static_cast<size_t>(k)], 0, 'f', 2)
            : tr("Snapshot %1 of %2 · before training").arg(k + 1).arg(count());
        QImage image(size, QImage::Format_RGB32);
        QPainter p(&image);
        paintSlide(p, image.rect(), heading, caption, split_->grab(), font());
        p.end();
        const QString path = QDir(folder).filePath(QStringLiteral("frame-%1.png").arg(k + 1, 3, 10, QLatin1Char('0')));
        if (!image.save(path, "PNG")) {
            error = tr("Cannot write %1 (is the folder writable, the disk full?).").arg(path);
        }
    }
    view_->setControlsVisible(true);
    setCurrent(shown);
    return error;
}

void AttentionTimeline::updateMarker()
{
    const qint64 step = currentStep();
    marker_->setVisible(step >= 0);
    if (step >= 0) {
        marker_->point1->setCoords(static_cast<double>(step), 0.0);
        marker_->point2->setCoords(static_cast<double>(step), 1.0);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace lumen::widgets
