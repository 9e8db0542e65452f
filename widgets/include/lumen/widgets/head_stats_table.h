// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A sortable table of per-head attention statistics for a whole model: one row per
// (layer, head), numbers sorted as numbers, shares shown as percentages, the dominant
// pattern as a label with a colour chip, and a filter by pattern.
//
//   std::vector<HeadStatsRow> rows = ...;    // filled by app/ from the engine's analysis
//   table->setData(rows);
//   connect(table, &HeadStatsTable::headActivated, view, [view](int layer, int head) {
//       view->setLayer(layer); view->setHead(head);
//   });
//
// Clicking a row, or activating it (double click, Enter), emits headActivated() with that
// row's layer and head, whatever the sorting and filtering; a double click reports once. Thousands
// of rows are fine (the model is a plain QAbstractTableModel over the rows; nothing is measured per
// row). Thread safety: GUI thread only.

#include <QColor>
#include <QElapsedTimer>
#include <QString>
#include <QWidget>

#include <vector>

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QModelIndex;
class QSortFilterProxyModel;
class QTableView;

namespace lumen::widgets {

/// The statistics of one head, as the app hands them in.
struct HeadStatsRow {
    int layer = 0;
    int head = 0;
    double entropy = 0.0; ///< mean over queries of the attention's entropy, in nats
    double normalizedEntropy = 0.0; ///< entropy / log(keys attended): 0 focused .. 1 uniform
    double meanDistance = 0.0; ///< mean |query - key| weighted by attention, in tokens
    double specialShare = 0.0; ///< share of attention on special tokens, 0..1
    double previousShare = 0.0; ///< share on the previous token, 0..1
    double selfShare = 0.0; ///< share on the query's own position, 0..1
    QString pattern; ///< the dominant pattern's label, e.g. "previous token", "broad"
};

class HeadStatsModel;

class HeadStatsTable : public QWidget {
    Q_OBJECT

public:
    enum Column {
        LayerColumn,
        HeadColumn,
        PatternColumn,
        EntropyColumn,
        NormalizedEntropyColumn,
        MeanDistanceColumn,
        SpecialShareColumn,
        PreviousShareColumn,
        SelfShareColumn,
        ColumnCount
    };
    /// The role that holds a cell's sortable value: numbers as doubles, the pattern as text.
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit HeadStatsTable(QWidget* parent = nullptr);
    ~HeadStatsTable() override;

    /// Shows `rows` (in any order); keeps the sort column and the pattern filter where the
    /// pattern still occurs.
    void setData(const std::vector<HeadStatsRow>& rows);
    void clear();
    const std::vector<HeadStatsRow>& data() const;
    /// A line above the table saying what the rows are of, or why there are none (hidden
    /// when empty).
    void setNote(const QString& note);
    QString note() const;

    /// Shows only rows whose pattern is `pattern` exactly; an empty string shows all.
    void setPatternFilter(const QString& pattern);
    QString patternFilter() const;
    /// The distinct patterns of the data, sorted, as the filter offers them.
    QStringList patterns() const;

    /// Selects (and scrolls to) the row of (layer, head) without emitting headActivated;
    /// false when it is not shown.
    bool selectHead(int layer, int head);

    /// The (layer, head) of a shown row (in view order), or (-1, -1).
    std::pair<int, int> headAtRow(int viewRow) const;

    /// A pattern's chip colour: fixed for the usual labels, a stable pick for others.
    static QColor patternColor(const QString& pattern);

    QTableView* view() const { return view_; }
    QAbstractItemModel* model() const;
    QSortFilterProxyModel* proxy() const { return proxy_; }
    QComboBox* patternSelector() const { return patternBox_; }

Q_SIGNALS:
    void headActivated(int layer, int head);

private:
    void activateIndex(const QModelIndex& index);
    void updatePatternSelector();

    HeadStatsModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QComboBox* patternBox_ = nullptr;
    QLabel* countLabel_ = nullptr;
    QLabel* note_ = nullptr;
    int lastLayer_ = -1;
    int lastHead_ = -1;
    QElapsedTimer sinceLast_;
};

} // namespace lumen::widgets
