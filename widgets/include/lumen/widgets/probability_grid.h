// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A table of labelled cells on a colour scale: the logit lens (layers x candidates, or
// layers x positions with each cell the best token there) and a similarity matrix (texts x
// texts, each cell the cosine). Each cell has its text, a value that picks its colour, and a
// tooltip; rows and columns have headers.
//
//   grid->setData({"emb", "1", "2"}, {"1st", "2nd"}, cells);   // cells[row][column]
//   grid->setRange(0.0, 1.0);                                   // value -> colour
//
// Colour: viridis from the range's low end (dark, white text) to its high end (bright, dark
// text); a cell without a value (NaN) is grey. Cells are as wide as their widest text (up to
// a limit, then elided) so the grid's size hint is its natural size: put it in a scroll area.
// Thread safety: GUI thread only.

#include <QStringList>
#include <QWidget>

#include <vector>

namespace lumen::widgets {

struct GridCell {
    QString text;
    double value = 0.0; ///< NaN: no value (grey)
    QString toolTip;
};

class ProbabilityGrid : public QWidget {
    Q_OBJECT

public:
    explicit ProbabilityGrid(QWidget* parent = nullptr);

    /// Refuses (clears, returns false) cells that do not match the headers' counts.
    bool setData(const QStringList& rowHeaders, const QStringList& columnHeaders,
        std::vector<std::vector<GridCell>> cells);
    void clear();
    /// The values mapped to the two ends of the colour scale (default 0 and 1).
    void setRange(double low, double high);
    /// A value -> colour position in [0, 1]: with a log scale, log10 of the value over
    /// [log10 low, log10 high] (for probabilities); off by default.
    void setLogScale(bool on);
    void setTitle(const QString& title);
    QString title() const { return title_; }
    /// Marks one row (-1: none), e.g. the sentence others are ranked against.
    void setHighlightedRow(int row);

    int rowCount() const { return static_cast<int>(cells_.size()); }
    int columnCount() const { return static_cast<int>(columns_.size()); }
    const GridCell& cell(int row, int column) const;
    const QStringList& rowHeaders() const { return rows_; }
    const QStringList& columnHeaders() const { return columns_; }
    /// Where a cell is painted; (-1, -1) from cellAt for none.
    QRect cellRect(int row, int column) const;
    std::pair<int, int> cellAt(const QPoint& pos) const;
    QColor colorFor(double value) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return { 160, 80 }; }

Q_SIGNALS:
    void cellClicked(int row, int column);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    void measure();

    QStringList rows_;
    QStringList columns_;
    std::vector<std::vector<GridCell>> cells_;
    QString title_;
    double low_ = 0.0;
    double high_ = 1.0;
    bool log_ = false;
    int highlightedRow_ = -1;
    int headerWidth_ = 40;
    int cellWidth_ = 60;
    int cellHeight_ = 22;
    int top_ = 24; ///< title + column headers
};

} // namespace lumen::widgets
