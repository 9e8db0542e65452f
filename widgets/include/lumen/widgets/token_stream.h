// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Text as a run of tokens, each on a background coloured by its probability: what a decoder
// generated (streamed in piece by piece), a text scored token by token, or the words of a
// fill-mask input that a click masks. Hovering a token shows its probability and the
// model's top alternatives there.
//
//   stream->setPieces(promptPieces);                 // probability < 0: not scored (grey)
//   stream->appendPiece({ " fox", 0.31, {{" fox", 0.31}, {" dog", 0.12}} });
//   connect(stream, &TokenStream::pieceClicked, this, &X::maskWord);
//
// Colour: viridis over log10(probability) from 1e-4 (dark end) to 1 (bright end), lightened
// so that the text on it stays readable; the legend() string says so. Lines wrap at the
// widget's width (the widget has a height for its width, for layouts and scroll areas); a
// "\n" in a piece breaks the line.
// Thread safety: GUI thread only.

#include <QString>
#include <QWidget>

#include <utility>
#include <vector>

namespace lumen::widgets {

struct StreamPiece {
    QString text; ///< what the piece reads as (" house"); may hold "\n"
    double probability = -1.0; ///< in [0, 1]; < 0 = not scored (shown grey)
    std::vector<std::pair<QString, double>> alternatives; ///< best first, for the tooltip
    QString note; ///< a line for the tooltip ("surprisal 3.2 bits"), may be empty
};

class TokenStream : public QWidget {
    Q_OBJECT

public:
    explicit TokenStream(QWidget* parent = nullptr);

    void setPieces(std::vector<StreamPiece> pieces);
    void appendPiece(StreamPiece piece);
    void clear();
    const std::vector<StreamPiece>& pieces() const { return pieces_; }
    int count() const { return static_cast<int>(pieces_.size()); }
    /// Marks one piece (-1: none), e.g. the masked word.
    void setHighlighted(int index);
    int highlighted() const { return highlighted_; }
    /// Pieces with a probability are clickable (a pointing hand over them) when on.
    void setClickable(bool on) { clickable_ = on; }

    /// The piece under `pos` (widget coordinates), -1 for none.
    int pieceAt(const QPoint& pos) const;
    QRect pieceRect(int index) const;
    /// The tooltip of piece `index`: its text, probability and alternatives.
    QString toolTipText(int index) const;
    /// The background of a probability (a lighter viridis over log10 p from 1e-4 to 1).
    static QColor colorFor(double probability);
    /// "Colour: probability of the token, 0.0001 … 1 (log scale)"
    static QString legend();

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void pieceClicked(int index);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    /// One line's part of a piece (a piece with "\n" has several).
    struct Part {
        int piece = 0;
        QRect rect;
        QString text;
    };
    /// Lays the pieces out for `width`; returns the height used.
    int layout(int width, std::vector<Part>* parts) const;

    std::vector<StreamPiece> pieces_;
    std::vector<Part> parts_;
    int highlighted_ = -1;
    bool clickable_ = false;
};

} // namespace lumen::widgets
