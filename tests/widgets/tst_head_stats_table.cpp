// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The head statistics table: the model shows the rows handed in, formatted; sorting is
// numeric; the pattern filter is exact; clicking or activating a row reports that row's
// layer and head after any sorting and filtering; 32 x 32 heads are fine.

#include "lumen/widgets/head_stats_table.h"

#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>

using lumen::widgets::HeadStatsRow;
using lumen::widgets::HeadStatsTable;

namespace {

HeadStatsRow row(int layer, int head, double distance, double previous, const QString& pattern)
{
    HeadStatsRow r;
    r.layer = layer;
    r.head = head;
    r.entropy = 0.5 + layer + head / 10.0;
    r.normalizedEntropy = 0.25;
    r.meanDistance = distance;
    r.specialShare = 0.125;
    r.previousShare = previous;
    r.selfShare = 0.0625;
    r.pattern = pattern;
    return r;
}

// 32 x 32 heads whose statistics are scrambled but distinct, so that every sort order is
// a real permutation.
std::vector<HeadStatsRow> model32()
{
    std::vector<HeadStatsRow> rows;
    const QString patterns[] = { QStringLiteral("previous token"), QStringLiteral("broad"),
        QStringLiteral("delimiter"), QStringLiteral("self") };
    for (int l = 0; l < 32; ++l) {
        for (int h = 0; h < 32; ++h) {
            const int i = l * 32 + h;
            const int scrambled = (i * 379) % 1024;
            rows.push_back(
                row(l, h, 0.5 + scrambled * 0.37, scrambled / 1024.0, patterns[(l + 3 * h) % 4]));
        }
    }
    return rows;
}

QStringList columnText(const HeadStatsTable& t, int column)
{
    QStringList out;
    for (int r = 0; r < t.proxy()->rowCount(); ++r) {
        out << t.proxy()->index(r, column).data().toString();
    }
    return out;
}

void clickRow(HeadStatsTable& t, int viewRow)
{
    const QModelIndex index = t.proxy()->index(viewRow, HeadStatsTable::EntropyColumn);
    t.view()->scrollTo(index);
    const QRect rect = t.view()->visualRect(index);
    QTest::mouseClick(t.view()->viewport(), Qt::LeftButton, Qt::NoModifier, rect.center());
}

} // namespace

class TestHeadStatsTable : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsTheRowsFormatted();
    void sortsNumericallyNotAsText();
    void clickingARowEmitsItsHeadAfterSorting();
    void activatingWithTheKeyboard();
    void filtersByPatternExactly();
    void selectHeadDoesNotEmit();
    void missingValuesShowADashAndSortFirst();
};

void TestHeadStatsTable::showsTheRowsFormatted()
{
    HeadStatsTable t;
    HeadStatsRow r = row(3, 7, 12.3456, 0.43125, QStringLiteral("previous token"));
    r.entropy = 2.3149;
    r.normalizedEntropy = 0.7261;
    t.setData({ r, row(0, 1, 1.0, 0.1, QStringLiteral("broad")) });
    QCOMPARE(t.model()->rowCount(), 2);
    QCOMPARE(t.model()->columnCount(), static_cast<int>(HeadStatsTable::ColumnCount));
    QCOMPARE(t.data().size(), size_t(2));
    // Sorted by layer by default: (0, 1) first.
    QCOMPARE(t.headAtRow(0), std::make_pair(0, 1));
    QCOMPARE(t.headAtRow(1), std::make_pair(3, 7));
    QCOMPARE(t.headAtRow(2), std::make_pair(-1, -1));

    auto cell = [&](int column) { return t.proxy()->index(1, column); };
    QCOMPARE(cell(HeadStatsTable::LayerColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(cell(HeadStatsTable::HeadColumn).data().toString(), QStringLiteral("7"));
    QCOMPARE(
        cell(HeadStatsTable::PatternColumn).data().toString(), QStringLiteral("previous token"));
    QCOMPARE(cell(HeadStatsTable::EntropyColumn).data().toString(), QStringLiteral("2.31"));
    QCOMPARE(
        cell(HeadStatsTable::NormalizedEntropyColumn).data().toString(), QStringLiteral("0.73"));
    QCOMPARE(cell(HeadStatsTable::MeanDistanceColumn).data().toString(), QStringLiteral("12.3"));
    QCOMPARE(cell(HeadStatsTable::SpecialShareColumn).data().toString(), QStringLiteral("12.5 %"));
    QCOMPARE(cell(HeadStatsTable::PreviousShareColumn).data().toString(), QStringLiteral("43.1 %"));
    QCOMPARE(cell(HeadStatsTable::SelfShareColumn).data().toString(), QStringLiteral("6.3 %"));
    // The sort role holds the numbers themselves.
    QCOMPARE(cell(HeadStatsTable::PreviousShareColumn).data(HeadStatsTable::SortRole).toDouble(),
        0.43125);
    QCOMPARE(cell(HeadStatsTable::MeanDistanceColumn).data(HeadStatsTable::SortRole).toDouble(),
        12.3456);
    // The pattern has a colour chip; the usual labels have fixed colours.
    const QVariant chip = cell(HeadStatsTable::PatternColumn).data(Qt::DecorationRole);
    QCOMPARE(chip.value<QColor>(), HeadStatsTable::patternColor(QStringLiteral("previous token")));
    QVERIFY(HeadStatsTable::patternColor(QStringLiteral("broad"))
        != HeadStatsTable::patternColor(QStringLiteral("self")));
    QCOMPARE(HeadStatsTable::patternColor(QStringLiteral("something else")),
        HeadStatsTable::patternColor(QStringLiteral("something else")));
    // Tooltips have full precision.
    QCOMPARE(cell(HeadStatsTable::PreviousShareColumn).data(Qt::ToolTipRole).toString(),
        QStringLiteral("Layer 3 · Head 7: 43.125 %"));
    QVERIFY(cell(HeadStatsTable::EntropyColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>()
        & Qt::AlignRight);
    QCOMPARE(t.findChild<QLabel*>(QStringLiteral("headCount"))->text(), QStringLiteral("2 heads"));
}

void TestHeadStatsTable::sortsNumericallyNotAsText()
{
    HeadStatsTable t;
    // As text "100.0" < "2.0" < "9.5"; as numbers 2 < 9.5 < 100.
    t.setData({ row(0, 0, 100.0, 0.5, QStringLiteral("broad")),
        row(0, 1, 2.0, 0.05, QStringLiteral("broad")),
        row(0, 2, 9.5, 0.123, QStringLiteral("broad")) });
    t.view()->sortByColumn(HeadStatsTable::MeanDistanceColumn, Qt::AscendingOrder);
    QCOMPARE(columnText(t, HeadStatsTable::MeanDistanceColumn),
        QStringList({ QStringLiteral("2.0"), QStringLiteral("9.5"), QStringLiteral("100.0") }));
    QCOMPARE(t.headAtRow(0), std::make_pair(0, 1));
    QCOMPARE(t.headAtRow(2), std::make_pair(0, 0));
    t.view()->sortByColumn(HeadStatsTable::PreviousShareColumn, Qt::DescendingOrder);
    QCOMPARE(columnText(t, HeadStatsTable::PreviousShareColumn),
        QStringList(
            { QStringLiteral("50.0 %"), QStringLiteral("12.3 %"), QStringLiteral("5.0 %") }));

    // 1024 rows, every numeric column: the shown order is the numeric order.
    t.setData(model32());
    QCOMPARE(t.proxy()->rowCount(), 1024);
    for (int column :
        { HeadStatsTable::LayerColumn, HeadStatsTable::HeadColumn, HeadStatsTable::EntropyColumn,
            HeadStatsTable::MeanDistanceColumn, HeadStatsTable::PreviousShareColumn }) {
        for (Qt::SortOrder order : { Qt::AscendingOrder, Qt::DescendingOrder }) {
            t.view()->sortByColumn(column, order);
            for (int r = 1; r < 1024; ++r) {
                const double a =
                    t.proxy()->index(r - 1, column).data(HeadStatsTable::SortRole).toDouble();
                const double b =
                    t.proxy()->index(r, column).data(HeadStatsTable::SortRole).toDouble();
                QVERIFY2(order == Qt::AscendingOrder ? a <= b : a >= b,
                    qPrintable(QStringLiteral("column %1 row %2: %3 then %4")
                                   .arg(column)
                                   .arg(r)
                                   .arg(a)
                                   .arg(b)));
            }
        }
    }
    // Sorting by layer keeps heads in order within a layer.
    t.view()->sortByColumn(HeadStatsTable::LayerColumn, Qt::AscendingOrder);
    QCOMPARE(t.headAtRow(33), std::make_pair(1, 1));
}

void TestHeadStatsTable::clickingARowEmitsItsHeadAfterSorting()
{
    HeadStatsTable t;
    t.resize(820, 520);
    t.show();
    QVERIFY(QTest::qWaitForWindowExposed(&t));
    const std::vector<HeadStatsRow> rows = model32();
    t.setData(rows);
    QSignalSpy activated(&t, &HeadStatsTable::headActivated);

    // The head with the largest previous-token share, found by hand.
    const auto best = std::max_element(
        rows.begin(), rows.end(), [](const HeadStatsRow& a, const HeadStatsRow& b) {
            return a.previousShare < b.previousShare;
        });
    t.view()->sortByColumn(HeadStatsTable::PreviousShareColumn, Qt::DescendingOrder);
    clickRow(t, 0);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), best->layer);
    QCOMPARE(activated.first().at(1).toInt(), best->head);
    QVERIFY(best->layer != 0 || best->head != 0); // not what an unsorted table has first
    activated.clear();

    // Further down, after sorting the other way round: the 5th smallest distance.
    std::vector<HeadStatsRow> byDistance = rows;
    std::sort(
        byDistance.begin(), byDistance.end(), [](const HeadStatsRow& a, const HeadStatsRow& b) {
            return a.meanDistance < b.meanDistance;
        });
    t.view()->sortByColumn(HeadStatsTable::MeanDistanceColumn, Qt::AscendingOrder);
    clickRow(t, 4);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), byDistance[4].layer);
    QCOMPARE(activated.first().at(1).toInt(), byDistance[4].head);
    activated.clear();

    // And through the filter.
    t.setPatternFilter(QStringLiteral("self"));
    std::vector<HeadStatsRow> self;
    std::copy_if(byDistance.begin(), byDistance.end(), std::back_inserter(self),
        [](const HeadStatsRow& r) { return r.pattern == QStringLiteral("self"); });
    clickRow(t, 2);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), self[2].layer);
    QCOMPARE(activated.first().at(1).toInt(), self[2].head);
    activated.clear();

    // A double click is one activation.
    const QModelIndex index = t.proxy()->index(7, HeadStatsTable::EntropyColumn);
    const QPoint at = t.view()->visualRect(index).center();
    QTest::mouseClick(t.view()->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QTest::mouseDClick(t.view()->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), self[7].layer);
}

void TestHeadStatsTable::activatingWithTheKeyboard()
{
    HeadStatsTable t;
    t.resize(820, 520);
    t.show();
    QVERIFY(QTest::qWaitForWindowExposed(&t));
    t.setData(model32());
    t.view()->sortByColumn(HeadStatsTable::EntropyColumn, Qt::DescendingOrder);
    QSignalSpy activated(&t, &HeadStatsTable::headActivated);
    t.view()->setFocus();
    t.view()->setCurrentIndex(t.proxy()->index(3, 0));
    QTest::keyClick(t.view(), Qt::Key_Return);
    QCOMPARE(activated.count(), 1);
    const auto expected = t.headAtRow(3);
    QCOMPARE(activated.first().at(0).toInt(), expected.first);
    QCOMPARE(activated.first().at(1).toInt(), expected.second);
    // Entropy descending: layer 31, head 31 has the largest.
    QCOMPARE(t.headAtRow(0), std::make_pair(31, 31));
}

void TestHeadStatsTable::filtersByPatternExactly()
{
    HeadStatsTable t;
    std::vector<HeadStatsRow> rows = model32();
    rows.push_back(row(40, 0, 1.0, 0.0, QStringLiteral("self-ish")));
    t.setData(rows);
    QCOMPARE(t.patterns(),
        QStringList({ QStringLiteral("broad"), QStringLiteral("delimiter"),
            QStringLiteral("previous token"), QStringLiteral("self"),
            QStringLiteral("self-ish") }));
    // "All patterns" plus one entry per pattern.
    QCOMPARE(t.patternSelector()->count(), 6);

    const auto count = [&](const QString& p) {
        return static_cast<int>(std::count_if(
            rows.begin(), rows.end(), [&](const HeadStatsRow& r) { return r.pattern == p; }));
    };
    t.setPatternFilter(QStringLiteral("self"));
    QCOMPARE(t.patternFilter(), QStringLiteral("self"));
    QCOMPARE(t.proxy()->rowCount(), count(QStringLiteral("self"))); // not "self-ish"
    QVERIFY(columnText(t, HeadStatsTable::PatternColumn).removeAll(QStringLiteral("self"))
        == t.proxy()->rowCount());
    QCOMPARE(t.findChild<QLabel*>(QStringLiteral("headCount"))->text(),
        QStringLiteral("%1 of 1025 heads").arg(count(QStringLiteral("self"))));

    // The selector drives the same filter.
    t.patternSelector()->setCurrentIndex(t.patternSelector()->findData(QStringLiteral("broad")));
    QCOMPARE(t.proxy()->rowCount(), count(QStringLiteral("broad")));
    t.patternSelector()->setCurrentIndex(0);
    QCOMPARE(t.proxy()->rowCount(), 1025);

    // New data keeps a filter whose pattern still occurs and drops one that does not.
    t.setPatternFilter(QStringLiteral("self-ish"));
    t.setData(rows);
    QCOMPARE(t.proxy()->rowCount(), 1);
    rows.pop_back();
    t.setData(rows);
    QCOMPARE(t.patternFilter(), QString());
    QCOMPARE(t.proxy()->rowCount(), 1024);
}

void TestHeadStatsTable::selectHeadDoesNotEmit()
{
    HeadStatsTable t;
    t.resize(820, 520);
    t.show();
    QVERIFY(QTest::qWaitForWindowExposed(&t));
    t.setData(model32());
    QSignalSpy activated(&t, &HeadStatsTable::headActivated);
    QVERIFY(t.selectHead(20, 5));
    QCOMPARE(activated.count(), 0);
    const QModelIndexList selected = t.view()->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(t.headAtRow(selected.first().row()), std::make_pair(20, 5));
    QVERIFY(!t.selectHead(99, 0));
    t.setPatternFilter(QStringLiteral("broad"));
    QVERIFY(!t.selectHead(0, 0)); // (0, 0) is "previous token": filtered out
}

void TestHeadStatsTable::missingValuesShowADashAndSortFirst()
{
    HeadStatsTable t;
    HeadStatsRow missing = row(0, 1, 5.0, 0.5, QStringLiteral("broad"));
    missing.meanDistance = std::numeric_limits<double>::quiet_NaN();
    t.setData({ row(0, 0, 3.0, 0.5, QStringLiteral("broad")), missing,
        row(0, 2, 1.0, 0.5, QStringLiteral("broad")) });
    t.view()->sortByColumn(HeadStatsTable::MeanDistanceColumn, Qt::AscendingOrder);
    QCOMPARE(columnText(t, HeadStatsTable::MeanDistanceColumn),
        QStringList({ QStringLiteral("–"), QStringLiteral("1.0"), QStringLiteral("3.0") }));
}

QTEST_MAIN(TestHeadStatsTable)
#include "tst_head_stats_table.moc"
