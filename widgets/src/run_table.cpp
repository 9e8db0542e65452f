// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/run_table.h"

#include <QAbstractTableModel>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <set>

namespace lumen::widgets {

QString formatDuration(qint64 ms)
{
    if (ms < 1000) {
        return QStringLiteral("%1 ms").arg(ms);
    }
    if (ms < 60000) {
        return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
    }
    if (ms < 3600000) {
        return QStringLiteral("%1 min %2 s").arg(ms / 60000).arg((ms / 1000) % 60);
    }
    return QStringLiteral("%1 h %2 min").arg(ms / 3600000).arg((ms / 60000) % 60);
}

namespace {

QString shortModel(const QString& model)
{
    if (model.isEmpty()) {
        return QStringLiteral("–");
    }
    return model.startsWith(QLatin1Char('/')) ? QFileInfo(model).fileName() : model;
}

QColor statusColor(const QString& status)
{
    if (status == QLatin1String("failed")) {
        return QColor(0xb0, 0x30, 0x30);
    }
    if (status == QLatin1String("interrupted") || status == QLatin1String("cancelled")) {
        return QColor(0x9a, 0x6a, 0x00);
    }
    if (status == QLatin1String("running")) {
        return QColor(0x1f, 0x5f, 0xa8);
    }
    return {};
}

} // namespace

class RunTableModel : public QAbstractTableModel {
public:
    explicit RunTableModel(QObject* parent)
        : QAbstractTableModel(parent)
    {
    }

    void setRows(std::vector<RunRow> rows)
    {
        beginResetModel();
        rows_ = std::move(rows);
        endResetModel();
    }
    const std::vector<RunRow>& rows() const { return rows_; }

    int rowCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : RunTable::ColumnCount;
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
            return {};
        }
        switch (section) {
        case RunTable::IdColumn:
            return RunTable::tr("ID");
        case RunTable::KindColumn:
            return RunTable::tr("Kind");
        case RunTable::StatusColumn:
            return RunTable::tr("Status");
        case RunTable::StartedColumn:
            return RunTable::tr("Started");
        case RunTable::DurationColumn:
            return RunTable::tr("Duration");
        case RunTable::ModelColumn:
            return RunTable::tr("Model");
        case RunTable::ExperimentColumn:
            return RunTable::tr("Experiment");
        case RunTable::TagsColumn:
            return RunTable::tr("Tags");
        case RunTable::MetricsColumn:
            return RunTable::tr("Metrics (newest)");
        case RunTable::NotesColumn:
            return RunTable::tr("Notes");
        default:
            return {};
        }
    }

    QVariant data(const QModelIndex& index, int role) const override
    {
        if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) {
            return {};
        }
        const RunRow& r = rows_[static_cast<size_t>(index.row())];
        if (role == RunTable::IdRole) {
            return r.id;
        }
        const int c = index.column();
        if (role == RunTable::SortRole) {
            switch (c) {
            case RunTable::IdColumn:
                return r.id;
            case RunTable::StartedColumn:
                return r.startedMs;
            case RunTable::DurationColumn:
                return r.durationMs ? *r.durationMs : qint64(-1);
            default:
                return data(index, Qt::DisplayRole).toString().toLower();
            }
        }
        if (role == Qt::TextAlignmentRole) {
            return c == RunTable::IdColumn || c == RunTable::DurationColumn
                ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
        if (role == Qt::ForegroundRole && c == RunTable::StatusColumn) {
            const QColor color = statusColor(r.status);
            return color.isValid() ? QVariant(color) : QVariant();
        }
        if (role == Qt::ToolTipRole) {
            if (c == RunTable::ModelColumn) {
                return r.model;
            }
            if (c == RunTable::StatusColumn && !r.error.isEmpty()) {
                return r.error;
            }
            if (c == RunTable::NotesColumn || c == RunTable::MetricsColumn) {
                return data(index, Qt::DisplayRole);
            }
            return {};
        }
        if (role != Qt::DisplayRole) {
            return {};
        }
        switch (c) {
        case RunTable::IdColumn:
            return r.id;
        case RunTable::KindColumn:
            return r.kind;
        case RunTable::StatusColumn:
            return r.status;
        case RunTable::StartedColumn:
            return QDateTime::fromMSecsSinceEpoch(r.startedMs).toString(
                QStringLiteral("yyyy-MM-dd HH:mm"));
        case RunTable::DurationColumn:
            return r.durationMs ? formatDuration(*r.durationMs) : QStringLiteral("–");
        case RunTable::ModelColumn:
            return shortModel(r.model);
        case RunTable::ExperimentColumn:
            return r.experiment;
        case RunTable::TagsColumn:
            return r.tags.join(QStringLiteral(", "));
        case RunTable::MetricsColumn:
            return r.metrics;
        case RunTable::NotesColumn:
            return r.notes.section(QLatin1Char('\n'), 0, 0);
        default:
            return {};
        }
    }

private:
    std::vector<RunRow> rows_;
};

RunTable::RunTable(QWidget* parent)
    : QWidget(parent)
{
    qRegisterMetaType<RunTableFilter>();
    model_ = new RunTableModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(SortRole);

    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("runTableView"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(IdColumn, Qt::DescendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setAlternatingRowColors(true);
    view_->setWordWrap(false);
    view_->verticalHeader()->setVisible(false);
    view_->verticalHeader()->setDefaultSectionSize(view_->fontMetrics().height() + 8);
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->horizontalHeader()->setHighlightSections(false);
    const QFontMetrics fm(font());
    const int widths[] = { fm.horizontalAdvance(QStringLiteral("00000")),
        fm.horizontalAdvance(QStringLiteral("attention")) + 16,
        fm.horizontalAdvance(QStringLiteral("interrupted")) + 16,
        fm.horizontalAdvance(QStringLiteral("2026-12-01 10:33")) + 16,
        fm.horizontalAdvance(QStringLiteral("12 min 30 s")) + 16,
        fm.horizontalAdvance(QStringLiteral("bert-base-uncased")) + 16,
        fm.horizontalAdvance(QStringLiteral("experiment")) + 16,
        fm.horizontalAdvance(QStringLiteral("baseline, small")) + 16,
        fm.horizontalAdvance(QStringLiteral("loss=0.3125 accuracy=0.91")) + 16 };
    for (int c = 0; c < static_cast<int>(std::size(widths)); ++c) {
        view_->setColumnWidth(c, widths[c]);
    }

    kind_ = new QComboBox(this);
    kind_->setObjectName(QStringLiteral("kindFilter"));
    kind_->setToolTip(tr("Show only runs of this kind"));
    status_ = new QComboBox(this);
    status_->setObjectName(QStringLiteral("statusFilter"));
    status_->addItem(tr("Any status"), QString());
    for (const char* s : { "completed", "running", "failed", "cancelled", "interrupted" }) {
        status_->addItem(QString::fromLatin1(s), QString::fromLatin1(s));
    }
    tag_ = new QComboBox(this);
    tag_->setObjectName(QStringLiteral("tagFilter"));
    tag_->setToolTip(tr("Show only runs with this tag"));
    experiment_ = new QComboBox(this);
    experiment_->setObjectName(QStringLiteral("experimentFilter"));
    experiment_->setToolTip(tr("Show only the runs of this experiment"));
    model_filter_ = new QComboBox(this);
    model_filter_->setObjectName(QStringLiteral("modelFilter"));
    model_filter_->setToolTip(tr("Show only the runs of this model"));
    model_filter_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("runSearch"));
    search_->setPlaceholderText(tr("Search runs: parameters, notes, model, tags…"));
    search_->setClearButtonEnabled(true);
    count_ = new QLabel(this);
    count_->setObjectName(QStringLiteral("runCount"));
    setChoices({}, {});

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(kind_);
    bar->addWidget(status_);
    bar->addWidget(tag_);
    bar->addWidget(model_filter_);
    bar->addWidget(experiment_);
    bar->addWidget(search_, 1);
    bar->addWidget(count_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(view_, 1);

    typing_.setSingleShot(true);
    typing_.setInterval(250);
    connect(&typing_, &QTimer::timeout, this, &RunTable::emitFilter);
    connect(search_, &QLineEdit::textChanged, this, [this] { typing_.start(); });
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        typing_.stop();
        emitFilter();
    });
    for (QComboBox* combo : { kind_, status_, tag_, experiment_, model_filter_ }) {
        connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
            if (!quiet_) {
                emitFilter();
            }
        });
    }
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        [this] { Q_EMIT selectionChanged(selectedIds()); });
    connect(view_, &QTableView::activated, this, [this](const QModelIndex& index) {
        Q_EMIT runActivated(index.data(IdRole).toLongLong());
    });
}

RunTable::~RunTable() = default;

void RunTable::setRows(const std::vector<RunRow>& rows)
{
    const QList<qint64> selected = selectedIds();
    {
        const QSignalBlocker block(view_->selectionModel());
        model_->setRows(rows);
    }
    count_->setText(rows.size() == 1 ? tr("1 run") : tr("%1 runs").arg(rows.size()));
    selectIds(selected);
    if (selectedIds() != selected) {
        Q_EMIT selectionChanged(selectedIds());
    }
}

const std::vector<RunRow>& RunTable::rows() const
{
    return model_->rows();
}

void RunTable::setChoices(const QStringList& kinds, const QStringList& tags,
    const QStringList& experiments, const QStringList& models)
{
    quiet_ = true;
    const QString model = model_filter_->currentData().toString();
    model_filter_->clear();
    model_filter_->addItem(tr("Every model"), QString());
    for (const QString& m : models) {
        model_filter_->addItem(shortModel(m), m);
        model_filter_->setItemData(model_filter_->count() - 1, m, Qt::ToolTipRole);
    }
    model_filter_->setCurrentIndex(qMax(0, model_filter_->findData(model)));
    const QString kind = kind_->currentData().toString();
    const QString tag = tag_->currentData().toString();
    const QString experiment = experiment_->currentData().toString();
    experiment_->clear();
    experiment_->addItem(tr("Any experiment"), QString());
    for (const QString& e : experiments) {
        experiment_->addItem(e, e);
    }
    experiment_->setCurrentIndex(qMax(0, experiment_->findData(experiment)));
    experiment_->setVisible(!experiments.isEmpty() || !experiment.isEmpty());
    kind_->clear();
    kind_->addItem(tr("Every kind"), QString());
    for (const QString& k : kinds) {
        kind_->addItem(k, k);
    }
    tag_->clear();
    tag_->addItem(tr("Any tag"), QString());
    for (const QString& t : tags) {
        tag_->addItem(t, t);
    }
    kind_->setCurrentIndex(qMax(0, kind_->findData(kind)));
    tag_->setCurrentIndex(qMax(0, tag_->findData(tag)));
    quiet_ = false;
    if (kind_->currentData().toString() != kind || tag_->currentData().toString() != tag
        || experiment_->currentData().toString() != experiment
        || model_filter_->currentData().toString() != model) {
        emitFilter(); // the chosen kind or tag is gone
    }
}

RunTableFilter RunTable::filter() const
{
    return { kind_->currentData().toString(), status_->currentData().toString(),
        tag_->currentData().toString(), search_->text().trimmed(),
        experiment_->currentData().toString(), model_filter_->currentData().toString() };
}

void RunTable::setFilter(const RunTableFilter& filter)
{
    quiet_ = true;
    for (const auto& [combo, value] : { std::pair { kind_, filter.kind },
             std::pair { status_, filter.status }, std::pair { tag_, filter.tag },
             std::pair { experiment_, filter.experiment },
             std::pair { model_filter_, filter.model } }) {
        const int i = combo->findData(value);
        if (i < 0 && !value.isEmpty()) {
            combo->addItem(value, value);
        }
        combo->setCurrentIndex(qMax(0, combo->findData(value)));
    }
    {
        const QSignalBlocker block(search_);
        search_->setText(filter.text);
    }
    quiet_ = false;
    typing_.stop();
    emitFilter();
}

void RunTable::emitFilter()
{
    Q_EMIT filterChanged(filter());
}

QList<qint64> RunTable::selectedIds() const
{
    // In table order: walk the rows once, keep the selected ones.
    QList<qint64> ids;
    const QItemSelectionModel* selection = view_->selectionModel();
    if (!selection->hasSelection()) {
        return ids;
    }
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        if (selection->isRowSelected(r, QModelIndex())) {
            ids << proxy_->index(r, 0).data(IdRole).toLongLong();
        }
    }
    return ids;
}

void RunTable::selectIds(const QList<qint64>& ids)
{
    const std::set<qint64> wanted(ids.begin(), ids.end());
    QItemSelection selection;
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        if (wanted.count(proxy_->index(r, 0).data(IdRole).toLongLong()) > 0) {
            selection.select(proxy_->index(r, 0), proxy_->index(r, ColumnCount - 1));
        }
    }
    view_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

qint64 RunTable::idAtRow(int viewRow) const
{
    if (viewRow < 0 || viewRow >= proxy_->rowCount()) {
        return 0;
    }
    return proxy_->index(viewRow, 0).data(IdRole).toLongLong();
}

} // namespace lumen::widgets
