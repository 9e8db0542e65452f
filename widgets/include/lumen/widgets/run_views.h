// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The run browser's two pages beside the table, fed plain data by app/:
//
// RunPage: one run: what it ran (facts, parameters, summary), a plot of one metric at a time,
// its artifacts (activating one asks the app to open it), its notes and tags (editable).
//
//   page->setDetails(details);                          // RunDetails
//   connect(page, &RunPage::metricRequested, app, ...); // app reads the series, then
//   page->setCurve(key, curve);
//   connect(page, &RunPage::notesSaved, app, ...);
//
// RunCompare: two or more runs: one metric's curves overlaid (aligned by step, or by the
// time since each run's first point), one colour per run, and the parameters that differ.
//
// Thread safety: GUI thread only.

#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/evaluation_view.h"
#include "lumen/widgets/speed_length_chart.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QTableWidget;
class QTabWidget;

namespace lumen::widgets {

struct RunArtifact {
    qint64 id = 0;
    QString kind; ///< "attention", "checkpoint", ...
    QString path; ///< relative to the project's artifacts folder
    qint64 sizeBytes = 0;
    bool exists = true; ///< false: the file has gone from the artifacts folder
};

struct RunDetails {
    qint64 id = 0;
    QString title; ///< "Run 7 · train · completed"
    std::vector<std::pair<QString, QString>> facts; ///< ("Model", "/models/bert"), ...
    std::vector<std::pair<QString, QString>> parameters; ///< key, value as text
    std::vector<std::pair<QString, QString>> summary;
    QStringList metricKeys;
    std::vector<RunArtifact> artifacts;
    QString notes;
    QStringList tags;
    QString experiment;
    QStringList experiments; ///< the project's experiments, offered in the experiment field
    bool editable = true; ///< false: a read-only project (notes and tags shown, not saved)
};

/// One metric of one run, for a plot.
struct MetricCurve {
    QString label; ///< the run, for a legend ("#7 train")
    std::vector<double> steps;
    std::vector<double> seconds; ///< since the run's first point
    std::vector<double> values; ///< NaN: a gap
};

class RunPage : public QWidget {
    Q_OBJECT

public:
    explicit RunPage(QWidget* parent = nullptr);

    void setDetails(const RunDetails& details);
    const RunDetails& details() const { return details_; }
    void clear();
    /// The curve of metric `key` (ignored unless it is the metric chosen now).
    void setCurve(const QString& key, const MetricCurve& curve);
    QString currentMetric() const;
    void setCurrentMetric(const QString& key);

    /// A bench-length run's models on log-log axes (hidden while empty; setDetails empties it).
    void setLengthSeries(const std::vector<LengthSeries>& series);
    SpeedLengthChart* lengthChart() const { return lengthChart_; }

    /// A train run's last evaluation: confusion matrix and validation examples, beside the
    /// metric plot (hidden while empty; setDetails empties it).
    void setEvaluation(const EvaluationData& evaluation);
    EvaluationView* evaluationView() const { return evaluation_; }
    /// A train run's attention snapshots (its probe's attention as it trained), a tab beside
    /// the evaluation (hidden while empty; setDetails empties it).
    void setTimeline(const AttentionSet& shape, std::vector<TimelineSnapshot> snapshots);
    AttentionTimeline* timeline() const { return timeline_; }
    /// The evaluation and timeline tabs (hidden while both are empty).
    QTabWidget* extras() const { return extras_; }

    QCustomPlot* plot() const { return plot_; }
    QTableWidget* parameterTable() const { return parameters_; }
    QListWidget* artifactList() const { return artifacts_; }
    QPlainTextEdit* notesEdit() const { return notes_; }
    QLineEdit* tagsEdit() const { return tags_; }
    QComboBox* experimentEdit() const { return experiment_; }
    QPushButton* saveButton() const { return save_; }
    QLabel* titleLabel() const { return title_; }

Q_SIGNALS:
    void metricRequested(qint64 runId, const QString& key);
    void notesSaved(qint64 runId, const QString& notes);
    void tagsSaved(qint64 runId, const QStringList& tags);
    /// "" takes the run out of its experiment; a new name makes the experiment.
    void experimentSaved(qint64 runId, const QString& experiment);
    void artifactActivated(qint64 runId, qint64 artifactId);

private:
    void updateSaveButton();
    void updateExtras();

    RunDetails details_;
    QLabel* title_ = nullptr;
    QLabel* facts_ = nullptr;
    QTableWidget* parameters_ = nullptr;
    QComboBox* metric_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QLabel* plotNote_ = nullptr;
    SpeedLengthChart* lengthChart_ = nullptr;
    EvaluationView* evaluation_ = nullptr;
    AttentionTimeline* timeline_ = nullptr;
    QTabWidget* extras_ = nullptr;
    QWidget* metricArea_ = nullptr; ///< the metric chooser and its plot
    QListWidget* artifacts_ = nullptr;
    QPlainTextEdit* notes_ = nullptr;
    QLineEdit* tags_ = nullptr;
    QComboBox* experiment_ = nullptr;
    QPushButton* save_ = nullptr;
};

class RunCompare : public QWidget {
    Q_OBJECT

public:
    explicit RunCompare(QWidget* parent = nullptr);

    /// The runs compared (`labels` name them in the legend and the table), the metrics any of
    /// them has, and the parameters whose values differ (key, one value per run; "" = none).
    void setRuns(const QList<qint64>& ids, const QStringList& labels, const QStringList& metrics,
        const std::vector<std::pair<QString, QStringList>>& differing);
    /// The curves of `key`, one per run in setRuns' order.
    void setCurves(const QString& key, const std::vector<MetricCurve>& curves);
    QString currentMetric() const;
    void setCurrentMetric(const QString& key);
    bool byTime() const;
    void setByTime(bool on);
    const QList<qint64>& runIds() const { return ids_; }

    QCustomPlot* plot() const { return plot_; }
    QTableWidget* differenceTable() const { return differing_; }

Q_SIGNALS:
    void metricRequested(const QList<qint64>& runIds, const QString& key);

private:
    void replot();

    QList<qint64> ids_;
    QStringList labels_;
    QString curvesKey_;
    std::vector<MetricCurve> curves_;
    QLabel* title_ = nullptr;
    QComboBox* metric_ = nullptr;
    QRadioButton* byStep_ = nullptr;
    QRadioButton* byTime_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QTableWidget* differing_ = nullptr;
    QLabel* sameNote_ = nullptr;
};

} // namespace lumen::widgets
