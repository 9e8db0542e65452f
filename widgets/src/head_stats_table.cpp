// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/head_stats_table.h"

#include <QAbstractTableModel>
#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace lumen::widgets {

// The rows as a table: display text, sortable values (SortRole), alignment, tooltips with
// full precision, and the pattern's colour chip.
class HeadStatsModel : public QAbstractTableModel {
public:
    explicit HeadStatsModel(QObject* parent)
        : QAbstractTableModel(parent)
    {
    }

    void setRows(std::vector<HeadStatsRow> rows)
    {
        // A stable base order, so that ties under any sort column stay in model order.
        std::stable_sort(
            rows.begin(), rows.end(), [](const HeadStatsRow& a, const HeadStatsRow& b) {
                return a.layer != b.layer ? a.layer < b.layer : a.head < b.head;
            });
        beginResetModel();
        rows_ = std::move(rows);
        endResetModel();
    }
    const std::vector<HeadStatsRow>& rows() const { return rows_; }

    int rowCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : static_cast<int>(rows_.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override
    {
        return parent.isValid() ? 0 : HeadStatsTable::ColumnCount;
    }

    QVariant data(const QModelIndex& index, int role) const override
    {
        if (!index.isValid() || index.row() >= rowCount()) {
            return {};
        }
        const HeadStatsRow& r = rows_[static_cast<size_t>(index.row())];
        const int column = index.column();
        switch (role) {
        case Qt::DisplayRole:
            return display(r, column);
        case HeadStatsTable::SortRole:
            return sortValue(r, column);
        case Qt::ToolTipRole:
            return toolTip(r, column);
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(column == HeadStatsTable::PatternColumn
                    ? Qt::AlignLeft | Qt::AlignVCenter
                    : Qt::AlignRight | Qt::AlignVCenter);
        case Qt::DecorationRole:
            if (column == HeadStatsTable::PatternColumn && !r.pattern.isEmpty()) {
                return HeadStatsTable::patternColor(r.pattern);
            }
            return {};
        default:
            return {};
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation != Qt::Horizontal) {
            return {};
        }
        static const char* const names[] = { QT_TR_NOOP("Layer"), QT_TR_NOOP("Head"),
            QT_TR_NOOP("Pattern"), QT_TR_NOOP("Entropy"), QT_TR_NOOP("Norm. entropy"),
            QT_TR_NOOP("Distance"), QT_TR_NOOP("Special"), QT_TR_NOOP("Previous"),
            QT_TR_NOOP("Self") };
        static const char* const tips[] = { QT_TR_NOOP("Layer, counted from 0"),
            QT_TR_NOOP("Head, counted from 0"), QT_TR_NOOP("The head's dominant attention pattern"),
            QT_TR_NOOP("Mean entropy of the attention over the keys, in nats"),
            QT_TR_NOOP("Entropy divided by its maximum, the log of the keys attended: 0 "
                       "looks at one token, 1 spreads evenly"),
            QT_TR_NOOP("Mean distance between query and key, weighted by attention, in tokens"),
            QT_TR_NOOP("Share of attention on special tokens ([CLS], [SEP], <s>, ...)"),
            QT_TR_NOOP("Share of attention on the previous token"),
            QT_TR_NOOP("Share of attention on the query's own position") };
        if (section < 0 || section >= HeadStatsTable::ColumnCount) {
            return {};
        }
        if (role == Qt::DisplayRole) {
            return HeadStatsTable::tr(names[section]);
        }
        if (role == Qt::ToolTipRole) {
            return HeadStatsTable::tr(tips[section]);
        }
        if (role == Qt::TextAlignmentRole) {
            return QVariant::fromValue(section == HeadStatsTable::PatternColumn
                    ? Qt::AlignLeft | Qt::AlignVCenter
                    : Qt::AlignRight | Qt::AlignVCenter);
        }
        return {};
    }

private:
    static bool missing(double v) { return !std::isfinite(v); }

    static QString percent(double share)
    {
        return QStringLiteral("%1 %").arg(share * 100.0, 0, 'f', 1);
    }

    static QVariant display(const HeadStatsRow& r, int column)
    {
        const QString none = QStringLiteral("–");
        switch (column) {
        case HeadStatsTable::LayerColumn:
            return r.layer;
        case HeadStatsTable::HeadColumn:
            return r.head;
        case HeadStatsTable::PatternColumn:
            return r.pattern;
        case HeadStatsTable::EntropyColumn:
            return missing(r.entropy) ? none : QString::number(r.entropy, 'f', 2);
        case HeadStatsTable::NormalizedEntropyColumn:
            return missing(r.normalizedEntropy) ? none
                                                : QString::number(r.normalizedEntropy, 'f', 2);
        case HeadStatsTable::MeanDistanceColumn:
            return missing(r.meanDistance) ? none : QString::number(r.meanDistance, 'f', 1);
        case HeadStatsTable::SpecialShareColumn:
            return missing(r.specialShare) ? none : percent(r.specialShare);
        case HeadStatsTable::PreviousShareColumn:
            return missing(r.previousShare) ? none : percent(r.previousShare);
        case HeadStatsTable::SelfShareColumn:
            return missing(r.selfShare) ? none : percent(r.selfShare);
        default:
            return {};
        }
    }

    static double number(const HeadStatsRow& r, int column)
    {
        switch (column) {
        case HeadStatsTable::EntropyColumn:
            return r.entropy;
        case HeadStatsTable::NormalizedEntropyColumn:
            return r.normalizedEntropy;
        case HeadStatsTable::MeanDistanceColumn:
            return r.meanDistance;
        case HeadStatsTable::SpecialShareColumn:
            return r.specialShare;
        case HeadStatsTable::PreviousShareColumn:
            return r.previousShare;
        case HeadStatsTable::SelfShareColumn:
            return r.selfShare;
        default:
            return std::numeric_limits<double>::quiet_NaN();
        }
    }

    static QVariant sortValue(const HeadStatsRow& r, int column)
    {
        switch (column) {
        case HeadStatsTable::LayerColumn:
            // Layer, then head: one key keeps "sort by layer" in (layer, head) order.
            return r.layer * 1e6 + r.head;
        case HeadStatsTable::HeadColumn:
            return r.head * 1e6 + r.layer;
        case HeadStatsTable::PatternColumn:
            return r.pattern;
        default: {
            // NaN has no order; missing values sort first.
            const double v = number(r, column);
            return missing(v) ? -std::numeric_limits<double>::infinity() : v;
        }
        }
    }

    static QVariant toolTip(const HeadStatsRow& r, int column)
    {
        const QString head = HeadStatsTable::tr("Layer %1 · Head %2").arg(r.layer).arg(r.head);
        switch (column) {
        case HeadStatsTable::LayerColumn:
        case HeadStatsTable::HeadColumn:
            return head;
        case HeadStatsTable::PatternColumn:
            return HeadStatsTable::tr("%1: %2").arg(head, r.pattern);
        case HeadStatsTable::EntropyColumn:
            return HeadStatsTable::tr("%1: entropy %2 nats").arg(head).arg(r.entropy, 0, 'f', 4);
        case HeadStatsTable::NormalizedEntropyColumn:
            return HeadStatsTable::tr("%1: normalised entropy %2")
                .arg(head)
                .arg(r.normalizedEntropy, 0, 'f', 4);
        case HeadStatsTable::MeanDistanceColumn:
            return HeadStatsTable::tr("%1: mean distance %2 tokens")
                .arg(head)
                .arg(r.meanDistance, 0, 'f', 3);
        default:
            return HeadStatsTable::tr("%1: %2 %")
                .arg(head)
                .arg(number(r, column) * 100.0, 0, 'f', 3);
        }
    }

    std::vector<HeadStatsRow> rows_;
};

QColor HeadStatsTable::patternColor(const QString& pattern)
{
    // Okabe and Ito's palette, readable with every common colour-vision deficiency.
    static const QColor palette[] = { QColor(0x00, 0x72, 0xb2), QColor(0x00, 0x9e, 0x73),
        QColor(0xe6, 0x9f, 0x00), QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9),
        QColor(0xd5, 0x5e, 0x00), QColor(0xf0, 0xe4, 0x42), QColor(0x99, 0x99, 0x99) };
    const QString p = pattern.toLower();
    if (p.contains(QStringLiteral("prev")) || p.contains(QStringLiteral("positional"))) {
        return palette[0];
    }
    if (p.contains(QStringLiteral("broad")) || p.contains(QStringLiteral("uniform"))) {
        return palette[1];
    }
    if (p.contains(QStringLiteral("delim")) || p.contains(QStringLiteral("special"))
        || p.contains(QStringLiteral("sep"))) {
        return palette[2];
    }
    if (p.contains(QStringLiteral("self"))) {
        return palette[3];
    }
    if (p.contains(QStringLiteral("next"))) {
        return palette[4];
    }
    // Anything else: a stable pick from the rest, the same label always the same colour.
    return palette[5 + qHash(p) % 3];
}

HeadStatsTable::HeadStatsTable(QWidget* parent)
    : QWidget(parent)
{
    model_ = new HeadStatsModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(SortRole);
    proxy_->setFilterRole(SortRole);
    proxy_->setFilterKeyColumn(PatternColumn);
    proxy_->setDynamicSortFilter(true);

    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("headStatsView"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(LayerColumn, Qt::AscendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setAlternatingRowColors(true);
    view_->setShowGrid(false);
    view_->setWordWrap(false);
    view_->verticalHeader()->setVisible(false);
    // Fixed row heights and column widths from the font: nothing is measured per row, so a
    // 32 x 32 model (1024 rows) lays out as fast as 12 rows.
    const QFontMetrics fm(font());
    view_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view_->verticalHeader()->setDefaultSectionSize(fm.height() + 6);
    view_->setIconSize(QSize(fm.height() - 4, fm.height() - 4));
    QHeaderView* header = view_->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->setDefaultAlignment(Qt::AlignRight | Qt::AlignVCenter);
    for (int c = 0; c < ColumnCount; ++c) {
        const QString title = model_->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
        const QString sample =
            c == LayerColumn || c == HeadColumn ? QStringLiteral("000") : QStringLiteral("100.0 %");
        header->resizeSection(
            c, std::max(fm.horizontalAdvance(title) + 28, fm.horizontalAdvance(sample) + 16));
    }

    patternBox_ = new QComboBox(this);
    patternBox_->setObjectName(QStringLiteral("patternFilter"));
    patternBox_->setToolTip(tr("Show only the heads with this dominant pattern"));
    patternBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* filterLabel = new QLabel(tr("&Pattern"), this);
    filterLabel->setBuddy(patternBox_);
    countLabel_ = new QLabel(this);
    countLabel_->setObjectName(QStringLiteral("headCount"));

    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(filterLabel);
    top->addWidget(patternBox_);
    top->addStretch(1);
    top->addWidget(countLabel_);
    note_ = new QLabel(this);
    note_->setObjectName(QStringLiteral("statisticsNote"));
    note_->setWordWrap(true);
    note_->setVisible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(note_);
    layout->addWidget(view_, 1);

    connect(patternBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        setPatternFilter(i >= 0 ? patternBox_->itemData(i).toString() : QString());
    });
    connect(view_, &QTableView::clicked, this, &HeadStatsTable::activateIndex);
    connect(view_, &QTableView::activated, this, &HeadStatsTable::activateIndex);

    clear();
}

HeadStatsTable::~HeadStatsTable() = default;

QAbstractItemModel* HeadStatsTable::model() const
{
    return model_;
}

const std::vector<HeadStatsRow>& HeadStatsTable::data() const
{
    return model_->rows();
}

void HeadStatsTable::setData(const std::vector<HeadStatsRow>& rows)
{
    const QString filter = patternFilter();
    model_->setRows(rows);
    // The pattern column is as wide as its longest label.
    int widest = fontMetrics().horizontalAdvance(
        model_->headerData(PatternColumn, Qt::Horizontal, Qt::DisplayRole).toString());
    for (const QString& p : patterns()) {
        widest = std::max(widest, fontMetrics().horizontalAdvance(p));
    }
    view_->horizontalHeader()->resizeSection(
        PatternColumn, widest + view_->iconSize().width() + 28);
    updatePatternSelector();
    setPatternFilter(patterns().contains(filter) ? filter : QString());
}

void HeadStatsTable::clear()
{
    setData({});
}

void HeadStatsTable::setNote(const QString& note)
{
    note_->setText(note);
    note_->setVisible(!note.isEmpty());
}

QString HeadStatsTable::note() const
{
    return note_->text();
}

QStringList HeadStatsTable::patterns() const
{
    std::set<QString> distinct;
    for (const HeadStatsRow& r : model_->rows()) {
        if (!r.pattern.isEmpty()) {
            distinct.insert(r.pattern);
        }
    }
    return QStringList(distinct.begin(), distinct.end());
}

void HeadStatsTable::updatePatternSelector()
{
    const QSignalBlocker block(patternBox_);
    patternBox_->clear();
    patternBox_->addItem(tr("All patterns"), QString());
    const int chip = fontMetrics().height() - 4;
    for (const QString& p : patterns()) {
        QPixmap icon(chip, chip);
        icon.fill(patternColor(p));
        patternBox_->addItem(QIcon(icon), p, p);
    }
}

void HeadStatsTable::setPatternFilter(const QString& pattern)
{
    proxy_->setFilterRegularExpression(pattern.isEmpty()
            ? QRegularExpression()
            : QRegularExpression(
                QRegularExpression::anchoredPattern(QRegularExpression::escape(pattern))));
    {
        const QSignalBlocker block(patternBox_);
        const int i = patternBox_->findData(pattern);
        patternBox_->setCurrentIndex(i >= 0 ? i : 0);
    }
    const int total = model_->rowCount();
    const int shown = proxy_->rowCount();
    const QString heads = total == 1 ? tr("1 head") : tr("%1 heads").arg(total);
    countLabel_->setText(shown == total ? heads : tr("%1 of %2").arg(shown).arg(heads));
}

QString HeadStatsTable::patternFilter() const
{
    return patternBox_->currentData().toString();
}

std::pair<int, int> HeadStatsTable::headAtRow(int viewRow) const
{
    const QModelIndex source = proxy_->mapToSource(proxy_->index(viewRow, 0));
    if (!source.isValid()) {
        return { -1, -1 };
    }
    const HeadStatsRow& r = model_->rows()[static_cast<size_t>(source.row())];
    return { r.layer, r.head };
}

bool HeadStatsTable::selectHead(int layer, int head)
{
    const auto& rows = model_->rows();
    for (size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].layer == layer && rows[i].head == head) {
            const QModelIndex index = proxy_->mapFromSource(model_->index(static_cast<int>(i), 0));
            if (!index.isValid()) {
                return false; // filtered out
            }
            view_->selectRow(index.row());
            view_->scrollTo(index);
            return true;
        }
    }
    return false;
}

void HeadStatsTable::activateIndex(const QModelIndex& index)
{
    const auto [layer, head] = headAtRow(index.row());
    if (layer < 0) {
        return;
    }
    // A double click is a click, an activation and another click on one row: one gesture,
    // reported once.
    if (lastLayer_ == layer && lastHead_ == head && sinceLast_.isValid()
        && sinceLast_.elapsed() < QApplication::doubleClickInterval()) {
        return;
    }
    lastLayer_ = layer;
    lastHead_ = head;
    sinceLast_.start();
    Q_EMIT headActivated(layer, head);
}

} // namespace lumen::widgets
