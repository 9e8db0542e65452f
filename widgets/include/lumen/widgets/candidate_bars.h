// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Candidates with their probabilities as horizontal bars, in groups: a fill-mask's top-k for
// each mask ("Mask 1 of 2, position 6"), best first. A bar's length is the probability
// itself (the whole width = 1), so a confident guess looks confident.
//
//   bars->setGroups({ { tr("Mask 1"), { { "paris", 0.41 }, { "lyon", 0.09 } } } });
//
// Thread safety: GUI thread only.

#include <QString>
#include <QWidget>

#include <utility>
#include <vector>

namespace lumen::widgets {

struct CandidateGroup {
    QString title;
    std::vector<std::pair<QString, double>> candidates; ///< (token text, probability), best first
};

class CandidateBars : public QWidget {
    Q_OBJECT

public:
    explicit CandidateBars(QWidget* parent = nullptr);

    void setGroups(std::vector<CandidateGroup> groups);
    const std::vector<CandidateGroup>& groups() const { return groups_; }
    /// The bar of candidate `index` of group `group` (empty when out of range).
    QRect barRect(int group, int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return { 200, 60 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int labelWidth() const;

    std::vector<CandidateGroup> groups_;
};

} // namespace lumen::widgets
