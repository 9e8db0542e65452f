// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The run browser's table: one row per run of a project, sortable by any column (numbers and
// times as numbers), several rows selectable, with a filter bar (kind, status, tag, free
// text) whose choices the app turns into a query.
//
//   table->setChoices({"attention", "bench"}, {"small"});    // what the combos offer
//   table->setRows(rows);                                     // RunRow, filled by app/
//   connect(table, &RunTable::filterChanged, app, [&](const RunTableFilter& f) { ... });
//   connect(table, &RunTable::runActivated, app, &App::showRun);
//
// Thousands of rows stay instant: the model is a plain QAbstractTableModel over the rows and
// sorting compares stored values. The free-text field reports after a short pause in typing.
// Thread safety: GUI thread only.

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace lumen::widgets {

/// One run as the table shows it.
struct RunRow {
    qint64 id = 0;
    QString kind;
    QString status; ///< "completed", "failed", ...
    QString model; ///< shown by its last path component; the tooltip has it all
    QString experiment;
    QStringList tags;
    qint64 startedMs = 0; ///< unix ms
    std::optional<qint64> durationMs;
    QString metrics; ///< "loss=0.31 acc=0.9": each metric's newest value
    QString notes;
    QString error;
};

/// What the filter bar asks for; empty strings match everything.
struct RunTableFilter {
    QString kind;
    QString status;
    QString tag;
    QString text;
    QString experiment;
    QString model; ///< as recorded (a folder path or hub id)
};

class RunTableModel;

class RunTable : public QWidget {
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        KindColumn,
        StatusColumn,
        StartedColumn,
        DurationColumn,
        ModelColumn,
        ExperimentColumn,
        TagsColumn,
        MetricsColumn,
        NotesColumn,
        ColumnCount
    };
    /// The role that holds a cell's sortable value.
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The role that holds the row's run id (every column).
    static constexpr int IdRole = Qt::UserRole + 2;

    explicit RunTable(QWidget* parent = nullptr);
    ~RunTable() override;

    /// Shows `rows`, keeping the sort and, where the runs are still there, the selection.
    void setRows(const std::vector<RunRow>& rows);
    const std::vector<RunRow>& rows() const;
    /// The kinds, tags and experiments the filter combos offer (the statuses are fixed).
    void setChoices(const QStringList& kinds, const QStringList& tags,
        const QStringList& experiments = {}, const QStringList& models = {});
    RunTableFilter filter() const;
    /// Sets the filter bar (emits filterChanged once).
    void setFilter(const RunTableFilter& filter);

    /// The selected runs' ids, in table order.
    QList<qint64> selectedIds() const;
    void selectIds(const QList<qint64>& ids);
    /// The id of the run shown in `viewRow` (in sorted order), 0 when out of range.
    qint64 idAtRow(int viewRow) const;

    QTableView* view() const { return view_; }
    QLineEdit* searchField() const { return search_; }
    QComboBox* kindFilter() const { return kind_; }
    QComboBox* statusFilter() const { return status_; }
    QComboBox* tagFilter() const { return tag_; }
    QComboBox* experimentFilter() const { return experiment_; }
    QComboBox* modelFilter() const { return model_filter_; }

Q_SIGNALS:
    void filterChanged(const lumen::widgets::RunTableFilter& filter);
    void selectionChanged(const QList<qint64>& ids);
    /// A double click or Enter on a run.
    void runActivated(qint64 id);

private:
    void emitFilter();

    RunTableModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QComboBox* kind_ = nullptr;
    QComboBox* status_ = nullptr;
    QComboBox* tag_ = nullptr;
    QComboBox* experiment_ = nullptr;
    QComboBox* model_filter_ = nullptr;
    QLineEdit* search_ = nullptr;
    QLabel* count_ = nullptr;
    QTimer typing_;
    bool quiet_ = false; ///< setFilter/setChoices in progress: no signals per combo
};

/// "12 ms", "3.4 s", "2 min 5 s", "1 h 3 min"
QString formatDuration(qint64 ms);

} // namespace lumen::widgets

Q_DECLARE_METATYPE(lumen::widgets::RunTableFilter)
