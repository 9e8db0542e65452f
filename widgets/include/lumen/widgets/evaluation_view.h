// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A classifier's evaluation: the confusion matrix (rows gold, columns predicted, each cell
// shaded by its share of the row: green on the diagonal, orange off it) and the validation
// examples with their predictions, errors in orange. Plain data in, no Torch: the
// fine-tuning window fills it live, the run browser from a run's evaluation.json.

#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QTableWidget;

namespace lumen::widgets {

struct EvaluationData {
    QStringList labels;
    std::vector<std::vector<qint64>> confusion; ///< [gold][predicted]
    struct Example {
        QString text;
        QString gold;
        QString predicted;
        double probability = 0.0; ///< of the predicted class
    };
    std::vector<Example> examples; ///< errors first
    double accuracy = 0.0;
    double macroF1 = 0.0;
    qint64 step = 0;
};

class EvaluationView : public QWidget {
    Q_OBJECT

public:
    /// `vertical`: the matrix above the examples; otherwise side by side.
    explicit EvaluationView(QWidget* parent = nullptr, bool vertical = false);

    void setData(const EvaluationData& data);
    void clear();
    const EvaluationData& data() const { return data_; }

    QTableWidget* confusionTable() const { return confusion_; }
    QTableWidget* examplesTable() const { return examples_; }
    QLabel* headline() const { return headline_; }

private:
    EvaluationData data_;
    QLabel* headline_ = nullptr;
    QTableWidget* confusion_ = nullptr;
    QTableWidget* examples_ = nullptr;
};

} // namespace lumen::widgets
