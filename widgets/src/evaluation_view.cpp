// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/evaluation_view.h"

#include <QBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>

#include <algorithm>

namespace lumen::widgets {

namespace {

const QColor kRight(0x00, 0x9e, 0x73); // Okabe-Ito bluish green
const QColor kWrong(0xd5, 0x5e, 0x00); // Okabe-Ito vermillion

/// White blended towards `base` by `share` (0..1).
QColor shade(const QColor& base, double share)
{
    return QColor::fromRgbF(1 - share * (1 - base.redF()), 1 - share * (1 - base.greenF()), 1 - share * (1 - base.blueF()));
}

} // namespace

EvaluationView::EvaluationView(QWidget* parent, bool vertical)
    : QWidget(parent)
{
    headline_ = new QLabel(this);
    headline_->setObjectName(QStringLiteral("evaluationHeadline"));
    confusion_ = new QTableWidget(0, 0, this);
    confusion_->setObjectName(QStringLiteral("confusionMatrix"));
    confusion_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    confusion_->setToolTip(tr("Rows: the gold label; columns: the predicted one"));
    examples_ = new QTableWidget(0, 4, this);
    examples_->setObjectName(QStringLiteral("validationExamples"));
    examples_->setHorizontalHeaderLabels({ tr("Text"), tr("Gold"), tr("Predicted"), tr("Probability") });
    examples_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    examples_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    examples_->verticalHeader()->setVisible(false);
    examples_->setWordWrap(false);
    examples_->verticalHeader()->setDefaultSectionSize(examples_->fontMetrics().height() + 6);
    confusion_->verticalHeader()->setDefaultSectionSize(confusion_->fontMetrics().height() + 10);
    auto* split = new QSplitter(vertical ? Qt::Vertical : Qt::Horizontal, this);
    split->addWidget(confusion_);
    split->addWidget(examples_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(headline_);
    layout->addWidget(split, 1);
    clear();
}

void EvaluationView::clear()
{
    setData({});
}

void EvaluationView::setData(const EvaluationData& data)
{
    data_ = data;
    headline_->setText(data.labels.isEmpty()
            ? tr("No evaluation yet")
            : tr("Validation at step %1: accuracy %2 %, macro-F1 %3")
                  .arg(data.step)
                  .arg(100.0 * data.accuracy, 0, 'f', 2)
                  .arg(data.macroF1, 0, 'f', 4));
    const int n = static_cast<int>(data.labels.size());
    confusion_->clear();
    confusion_->setRowCount(n);
    confusion_->setColumnCount(n);
    confusion_->setHorizontalHeaderLabels(data.labels);
    confusion_->setVerticalHeaderLabels(data.labels);
    for (int g = 0; g < n && g < static_cast<int>(data.confusion.size()); ++g) {
        const auto& row = data.confusion[static_cast<size_t>(g)];
        qint64 rowTotal = 0;
        for (const qint64 c : row) {
            rowTotal += c;
        }
        for (int p = 0; p < n && p < static_cast<int>(row.size()); ++p) {
            const qint64 c = row[static_cast<size_t>(p)];
            auto* item = new QTableWidgetItem(QString::number(c));
            item->setTextAlignment(Qt::AlignCenter);
            const double share = rowTotal > 0 ? static_cast<double>(c) / static_cast<double>(rowTotal) : 0.0;
            item->setBackground(shade(g == p ? kRight : kWrong, share));
            item->setForeground(share > 0.6 ? Qt::white : Qt::black);
            item->setToolTip(tr("gold %1, predicted %2: %3 (%4 % of the row)")
                                 .arg(data.labels[g], data.labels[p])
                                 .arg(c)
                                 .arg(100.0 * share, 0, 'f', 1));
            confusion_->setItem(g, p, item);
        }
    }
    confusion_->resizeColumnsToContents();
    for (int c = 0; c < n; ++c) {
        confusion_->setColumnWidth(c, std::max(confusion_->columnWidth(c), 48));
    }
    examples_->setRowCount(static_cast<int>(data.examples.size()));
    for (size_t i = 0; i < data.examples.size(); ++i) {
        const EvaluationData::Example& e = data.examples[i];
        const QString cells[] = { e.text, e.gold, e.predicted, QString::number(e.probability, 'f', 3) };
        for (int c = 0; c < 4; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (e.gold != e.predicted) {
                item->setForeground(kWrong);
            }
            examples_->setItem(static_cast<int>(i), c, item);
        }
    }
}

} // namespace lumen::widgets
