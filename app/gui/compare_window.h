// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The compare workspace (Tools > Compare Models…, Ctrl+Shift+C): two to four model folders
// and one text; one column per model. The tokens each model sees, aligned by character
// offsets (a column per stretch of text, the stretches cut differently shaded); what each
// predicts (fill-mask, next token or classes) side by side; KL divergence and top-1
// agreement between every pair; the facts (parameters, ALBERT's per-forward count, weight
// memory, tokens, FLOPs at this length, latency). Models load and run on a worker thread
// (loaded models are kept for the next comparison); each comparison is a project run of
// kind "compare" whose compare.json re-opens here with the same numbers.
// Thread safety: GUI thread only.

#include "project_controller.h"

#include "lumen/engine/compare.h"
#include "lumen/widgets/speed_length_chart.h"

#include <QFuture>
#include <QMetaType>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QSlider;
class QSpinBox;
class QTabWidget;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTableWidget;

class QCustomPlot;

namespace lumen::widgets {
class AttentionHeatmap;
class CandidateBars;
class SpeedLengthChart;
}

namespace lumen::app {

/// What one comparison on the worker gives back.
struct CompareOutcome {
    engine::CompareResult result;
    QString error;
};

class CompareWindow : public QWidget {
    Q_OBJECT

public:
    explicit CompareWindow(ProjectController* projects, QWidget* parent = nullptr);
    ~CompareWindow() override;

    /// The models to compare (folders; 2 to 4 are compared, the rest ignored).
    void setModels(const QStringList& dirs);
    QStringList models() const;
    void setText(const QString& text);
    /// The second text of a pair ("" = one text).
    void setPair(const QString& pair);
    /// Starts the comparison on the worker; compared() or failed() follows. False (with the
    /// reason in the status line) when the inputs are not usable or one is running.
    bool compare();
    /// Shows a saved comparison (a run's compare.json). False with the reason when it cannot
    /// be read.
    bool openRecord(const QString& path);
    /// Fills every panel from a finished comparison (what a comparison does when its forward
    /// passes are done; the benchmark times it).
    void showResult(const engine::CompareResult& result, const engine::CompareConfig& config) { display(result, config); }
    /// Shows run `runId`'s comparison from the open project.
    bool openRun(qint64 runId);
    bool isBusy() const { return busy_; }

    const engine::CompareResult& result() const { return result_; }
    QTableWidget* tokenTable() const { return tokens_; }
    QTableWidget* divergenceTable() const { return divergence_; }
    QTableWidget* factsTable() const { return facts_; }
    /// One column per model (the first `models` are shown).
    widgets::CandidateBars* predictionBars(int model) const { return predictions_.at(static_cast<size_t>(model)); }
    QLabel* statusLabel() const { return status_; }
    /// Attention: model 1's layer (0-based; the others at the same relative depth) and head
    /// (-1: the mean of the heads).
    void setAttentionLayer(int layer);
    void setAttentionHead(int head);
    widgets::AttentionHeatmap* attentionMap(int model) const { return maps_.at(static_cast<size_t>(model)); }
    QLabel* attentionTitle(int model) const { return mapTitles_.at(static_cast<size_t>(model)); }
    /// A − B: shown for two models with the same layers, heads and tokens (a model and its
    /// fine-tuned self, two checkpoints of one run).
    widgets::AttentionHeatmap* differenceMap() const { return difference_; }
    QLabel* differenceTitle() const { return differenceTitle_; }
    QSpinBox* layerBox() const { return layer_; }
    enum class Page { Predictions, Attention, EffectiveContext, Speed, Dataset };
    /// Brings one of the tabs forward.
    void showPage(Page page);
    /// The effective context curves, one graph per model (share of the gradient within
    /// distance d of the chosen token).
    QCustomPlot* contextPlot() const { return contextPlot_; }
    /// Measures the effective context again at `relative` (0 = each model's first token, 1 =
    /// its last) on the worker; contextMeasured() follows. False while busy or before a
    /// comparison whose models are loaded.
    bool measureContext(double relative);
    QSlider* contextPositionSlider() const { return contextPosition_; }
    /// Times every compared model's forward pass at lengths 32 .. `longest` (each model up
    /// to its positions) on the worker; speedMeasured() follows. False while busy or before
    /// a comparison.
    bool measureSpeed(int longest = 1024);
    void cancelSpeed();
    /// The measured (or re-opened) speed series.
    const std::vector<engine::SpeedSeries>& speedResult() const { return speedSeries_; }
    /// Runs every example of a CSV / TSV / JSONL column (or a text file's lines) through the
    /// compared models on the worker, rows appearing as they are done; datasetCompared()
    /// follows, with the table then sorted by disagreement. `labelColumn` "" = no labels.
    bool compareDataset(const QString& path, const QString& textColumn, const QString& labelColumn, int limit = 0);
    void cancelDataset();
    QTableWidget* datasetTable() const { return datasetTable_; }
    QLabel* datasetSummary() const { return datasetSummary_; }
    const engine::DatasetComparison& datasetResult() const { return dataset_; }
    /// Fills the column boxes from a data file's first rows; false with the reason shown.
    bool setDatasetFile(const QString& path);

    /// Writes the whole workspace as one sheet: a PNG, or a PDF page (by the file's suffix).
    /// Returns "" or what went wrong.
    QString exportSheet(const QString& path);
    widgets::SpeedLengthChart* speedChart() const { return speed_; }
    QLabel* agreementLabel() const { return agreement_; }
    /// Where models 1 and 2 differ most: candidate, both probabilities, the difference.
    QTableWidget* predictionDifferenceTable() const { return predictionDifference_; }

Q_SIGNALS:
    void compared();
    void speedMeasured();
    void contextMeasured();
    void datasetCompared();
    void datasetExample(const engine::DatasetExample& example, qint64 done, qint64 total);
    void failed(const QString& message);

private:
    void display(const engine::CompareResult& r, const engine::CompareConfig& config);
    void setBusy(bool busy);
    void showAttention();
    void showContext();
    void showSpeed(const QString& note);
    void showDataset();
    void setDatasetColumns(int models);
    void appendDatasetRow(const engine::DatasetExample& e);
    /// Adds a file to the run this comparison was recorded as (when it was); a failure to
    /// write is shown in the status line (false) and keeps what is on screen.
    bool recordArtifact(const char* kind, const char* fileName, const std::string& bytes);
    /// The compared models from the cache, in column order; empty when one is not loaded.
    std::vector<std::shared_ptr<engine::Model>> comparedModels() const;
    /// comparedModels() for a job on the worker; empty, the reason written to `note`, while
    /// busy, before a comparison (`notYet`) or when they are not loaded (a re-opened one).
    std::vector<std::shared_ptr<engine::Model>> modelsForJob(QLabel* note, const QString& notYet) const;
    /// "[2] albert": a model's column title (its number and folder name).
    QString columnName(int model) const;

    ProjectController* projects_;
    bool busy_ = false;
    engine::CompareResult result_;
    engine::CompareConfig config_;
    /// The run the shown comparison was recorded as (not set for a re-opened one).
    RecordedRun run_;
    /// Loaded models by folder, shared with the worker (which loads into it).
    struct Cache {
        std::mutex mutex;
        std::map<std::string, std::shared_ptr<engine::Model>> models;
    };
    std::shared_ptr<Cache> cache_ = std::make_shared<Cache>();
    QFuture<CompareOutcome> future_;

    QListWidget* modelList_ = nullptr;
    QLineEdit* text_ = nullptr;
    QLineEdit* pair_ = nullptr;
    QPushButton* compareButton_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* agreement_ = nullptr;
    QTableWidget* tokens_ = nullptr;
    std::vector<widgets::CandidateBars*> predictions_;
    QTableWidget* divergence_ = nullptr;
    QTableWidget* predictionDifference_ = nullptr;
    QTableWidget* facts_ = nullptr;
    QTabWidget* centre_ = nullptr;
    QCustomPlot* contextPlot_ = nullptr;
    QLabel* contextNote_ = nullptr;
    QSlider* contextPosition_ = nullptr;
    QPushButton* contextButton_ = nullptr;
    QFuture<std::vector<engine::EffectiveContext>> contextFuture_;
    widgets::SpeedLengthChart* speed_ = nullptr;
    QPushButton* speedButton_ = nullptr;
    QLabel* speedNote_ = nullptr;
    std::shared_ptr<std::atomic<bool>> speedCancel_;
    QFuture<std::vector<engine::SpeedSeries>> speedFuture_;
    std::vector<engine::SpeedSeries> speedSeries_;
    engine::SpeedConfig speedConfig_;
    engine::DatasetComparison dataset_;
    engine::DatasetCompareConfig datasetConfig_;
    std::shared_ptr<std::atomic<bool>> datasetCancel_;
    QFuture<engine::DatasetComparison> datasetFuture_;
    QLineEdit* datasetPath_ = nullptr;
    QComboBox* datasetText_ = nullptr;
    QComboBox* datasetLabel_ = nullptr;
    QSpinBox* datasetLimit_ = nullptr;
    QPushButton* datasetRun_ = nullptr;
    QLabel* datasetSummary_ = nullptr;
    QTableWidget* datasetTable_ = nullptr;
    QProgressBar* datasetProgress_ = nullptr;
    QString datasetError_;
    QSpinBox* layer_ = nullptr;
    QComboBox* head_ = nullptr;
    QLabel* depthNote_ = nullptr;
    std::vector<widgets::AttentionHeatmap*> maps_;
    std::vector<QLabel*> mapTitles_;
    widgets::AttentionHeatmap* difference_ = nullptr;
    QLabel* differenceTitle_ = nullptr;
    QWidget* differenceColumn_ = nullptr;
};

} // namespace lumen::app
Q_DECLARE_METATYPE(lumen::engine::DatasetExample)
