// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The receptive field as a cone over the tokens: one row of cells per level (the input
// tokens at the bottom, each layer's output above), the chosen output at the apex on top, and
// in every row the positions it can depend on filled — a dilated kernel's gaps and a causal
// model's one-sided cone show as they are. The input row can be shaded by a measured
// quantity (the gradient shares), so the theory and the measurement sit in one picture.
//
//   ConeData d;
//   d.tokens = tokens; d.levels = { "input", "layer 1", "layer 2" };
//   d.reach = engine::receptiveCone(rows, n, p);    // levels x tokens, 1 = in the cone
//   d.position = p; d.inputShade = shares;
//   cone->setData(d);
//   connect(cone, &ConeDiagram::tokenClicked, page, &Page::choosePosition);
//
// Thread safety: GUI thread only.

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <vector>

namespace lumen::widgets {

struct ConeData {
    QStringList tokens;
    QStringList levels; ///< bottom (the input) to top (the output the cone ends in)
    std::vector<std::vector<uint8_t>> reach; ///< [levels][tokens], non-zero = in the cone
    int position = -1; ///< the apex: the output position at the top level
    std::vector<float> inputShade; ///< empty, or one value >= 0 per token for the input row
    QString title;
};

class ConeDiagram : public QWidget {
    Q_OBJECT

public:
    explicit ConeDiagram(QWidget* parent = nullptr);

    /// Shows the cone. Data whose sizes disagree (a level without a name, a row of the wrong
    /// length) is refused: the diagram is cleared and says so.
    void setData(const ConeData& data);
    void clear();
    const ConeData& data() const { return data_; }
    /// Positions in the cone at `level` (0 = the input).
    int reachCount(int level) const;
    /// The cell of `token` at `level` in widget coordinates (empty when nothing is shown).
    QRect cellRect(int level, int token) const;
    /// The token whose column holds `pos`, -1 for none.
    int tokenAt(const QPoint& pos) const;
    QSize sizeHint() const override { return { 640, 260 }; }

Q_SIGNALS:
    void tokenClicked(int token);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    struct Geometry {
        int left = 0; ///< where the first column starts
        int top = 0;
        double cell = 0; ///< column width
        int row = 0; ///< row height
        int labels = 0; ///< token labels' height under the grid
    };
    Geometry geometry() const;

    ConeData data_;
    QString problem_;
};

} // namespace lumen::widgets
