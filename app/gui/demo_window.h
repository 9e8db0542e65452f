// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The text demos' window (Demos menu; `lumen --demo NAME`): one page per demo, each with its
// input, its settings, Run and Stop, and views that show not only the answer but why.
//
// - Fill mask: the text's words (click one to mask it and run), the filled sentence, each
//   mask's candidates as probability bars, and the logit lens of the chosen mask: the best
//   candidates after every layer, so a person sees where the answer forms.
// - Generate: greedy, sampling (temperature, top-k, top-p, seed), or beam search; repetition
//   penalty, a stop string, maximum new tokens. The text streams in token by token, each on
//   its probability's colour (hover: the top alternatives); Stop ends it with what it has.
//   After it, a decoder's logit lens: the best next token after each layer at each position.
// - Score: forced decoding of a given text: each token coloured by its probability, a table
//   of probability, surprisal and the model's best guess, and the perplexity.
// - Similarity: sentences (one per line) -> the cosine matrix as a heatmap, and the others
//   ranked against a chosen one.
//
// It runs nothing itself: DemoController sends the work to the engine worker; this window
// shows DemoController::ready (a run or a reopened record: the same code draws both).
// Thread safety: GUI thread only.

#include "demo_controller.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace lumen::widgets {
class CandidateBars;
class ProbabilityGrid;
class TokenStream;
} // namespace lumen::widgets

namespace lumen::app {

class DemoWindow : public QWidget {
    Q_OBJECT

public:
    DemoWindow(DemoController* demos, AttentionController* engine, QWidget* parent = nullptr);

    /// Shows the page of `kind`.
    void showPage(DemoKind kind);
    DemoKind currentPage() const;
    /// Puts `text` in the input of `kind`'s page (similarity: one sentence per line).
    void setInput(DemoKind kind, const QString& text);
    /// Runs the shown page's demo with its settings; false when the controller refused.
    bool runPage();
    /// The request the page of `kind` would send now.
    DemoRequest requestFor(DemoKind kind) const;
    /// Masks word `index` of the fill-mask text (as shown in maskWords()) and runs it.
    void maskWord(int index);
    /// Draws `output` on its page (and shows that page).
    void showOutput(const DemoOutput& output);

    QTabWidget* pages() const { return pages_; }
    QLabel* modelLabel() const { return modelLabel_; }
    /// The last error, in red under the tabs (empty when the last run went well).
    QLabel* errorLabel() const { return error_; }
    QPushButton* runButton(DemoKind kind) const;
    QPushButton* stopButton(DemoKind kind) const;
    // Fill mask.
    QLineEdit* maskText() const { return maskText_; }
    QSpinBox* topK() const { return topK_; }
    widgets::TokenStream* maskWords() const { return maskWords_; }
    QLabel* filledLabel() const { return filled_; }
    widgets::CandidateBars* candidates() const { return candidates_; }
    QComboBox* lensMaskSelector() const { return lensMask_; }
    widgets::ProbabilityGrid* maskLens() const { return maskLens_; }
    // Generate.
    QLineEdit* promptEdit() const { return prompt_; }
    QComboBox* modeBox() const { return mode_; }
    QSpinBox* maxNewTokens() const { return maxNew_; }
    QDoubleSpinBox* temperature() const { return temperature_; }
    QSpinBox* samplingTopK() const { return samplingTopK_; }
    QDoubleSpinBox* topP() const { return topP_; }
    QSpinBox* seed() const { return seed_; }
    QSpinBox* beams() const { return beams_; }
    QDoubleSpinBox* repetitionPenalty() const { return repetition_; }
    QLineEdit* stopString() const { return stopString_; }
    widgets::TokenStream* generated() const { return generated_; }
    QLabel* generateStatus() const { return generateStatus_; }
    widgets::ProbabilityGrid* decoderLens() const { return decoderLens_; }
    // Score.
    QLineEdit* scoreText() const { return scoreText_; }
    widgets::TokenStream* scored() const { return scored_; }
    QTableWidget* scoreTable() const { return scoreTable_; }
    QLabel* scoreSummary() const { return scoreSummary_; }
    // Similarity.
    QPlainTextEdit* sentences() const { return sentences_; }
    QComboBox* pooling() const { return pooling_; }
    widgets::ProbabilityGrid* similarityGrid() const { return similarity_; }
    QComboBox* rankAgainst() const { return rankAgainst_; }
    QTableWidget* ranking() const { return ranking_; }

    /// Generation modes in modeBox().
    enum Mode { Greedy = 0, Sampling = 1, Beams = 2 };

private:
    QWidget* buildFillMask();
    QWidget* buildGenerate();
    QWidget* buildScore();
    QWidget* buildSimilarity();
    void updateModel();
    void updateModeControls();
    void setBusy(bool busy);
    void refreshMaskWords();
    void showMaskLens(int mask);
    void showRanking(int against);
    void onStep(const engine::GenerateStep& step);

    DemoController* demos_;
    AttentionController* engine_;
    QTabWidget* pages_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QLabel* error_ = nullptr;
    QPushButton* run_[4] = {};
    QPushButton* stop_[4] = {};
    QLineEdit* maskText_ = nullptr;
    QSpinBox* topK_ = nullptr;
    widgets::TokenStream* maskWords_ = nullptr;
    QStringList wordParts_; ///< the fill-mask text split as maskWords() shows it
    QLabel* filled_ = nullptr;
    widgets::CandidateBars* candidates_ = nullptr;
    QComboBox* lensMask_ = nullptr;
    widgets::ProbabilityGrid* maskLens_ = nullptr;
    QLineEdit* prompt_ = nullptr;
    QComboBox* mode_ = nullptr;
    QSpinBox* maxNew_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* samplingTopK_ = nullptr;
    QDoubleSpinBox* topP_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QSpinBox* beams_ = nullptr;
    QDoubleSpinBox* repetition_ = nullptr;
    QLineEdit* stopString_ = nullptr;
    widgets::TokenStream* generated_ = nullptr;
    QLabel* generateStatus_ = nullptr;
    widgets::ProbabilityGrid* decoderLens_ = nullptr;
    QLineEdit* scoreText_ = nullptr;
    widgets::TokenStream* scored_ = nullptr;
    QTableWidget* scoreTable_ = nullptr;
    QLabel* scoreSummary_ = nullptr;
    QPlainTextEdit* sentences_ = nullptr;
    QComboBox* pooling_ = nullptr;
    widgets::ProbabilityGrid* similarity_ = nullptr;
    QComboBox* rankAgainst_ = nullptr;
    QTableWidget* ranking_ = nullptr;
    DemoOutput shown_; ///< what the pages show last (for the lens and ranking choosers)
};

} // namespace lumen::app
