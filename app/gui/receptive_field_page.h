// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The "Receptive field" view: how far the loaded model looks. A table of its theoretical
// receptive field after every layer (kernels, dilations, causal padding, residual and skip
// paths; recurrence and attention unbounded), and for the text in the box the effective
// receptive field by gradient of the chosen output position at the chosen layer, as a bar
// per token or as a cone over the tokens (the theoretical field level by level, the input row
// shaded by the measured shares), with the effective context curve (the share of the gradient within distance d).
// Works for every family, so a Transformer, a convolution and an LSTM can be compared: other
// models' curves (Compare with…) join the same plot, and the context ablation (the loss with
// the context beyond d cut off or shuffled) is plotted beside it.
//
// The work runs on the engine worker (AttentionController::worker()); the page only asks
// and draws. A click on a token in any view chooses the position (MainWindow::highlightToken).
// Thread safety: GUI thread only.

#include "attention_controller.h"

#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QCustomPlot;

class QTabWidget;

namespace lumen::widgets {
class ConeDiagram;
class TokenBar;
}

namespace lumen::app {

class ReceptiveFieldPage : public QWidget {
    Q_OBJECT

public:
    ReceptiveFieldPage(AttentionController* engine, QWidget* parent = nullptr);

    /// The text measured by measure(), or (when set) where measure() takes it from: the
    /// window's text box, so models without attention to run (a dilated convolution, an
    /// LSTM) can be measured too.
    void setText(const QString& text) { text_ = text; }
    void setTextSource(std::function<QString()> source) { source_ = std::move(source); }
    /// The output position (-1: the middle of the text).
    void setPosition(int position);
    int position() const { return position_; }
    QSpinBox* layerBox() const { return layer_; }
    /// Asks the worker for the fields of the text; ready() follows, or the status says why.
    void measure();
    bool isBusy() const { return current_ != 0; }

    /// Other model folders whose effective context curves join the plot, measured on the
    /// same text at the same relative position.
    void addComparedModel(const QString& dir);
    void clearComparedModels();
    const QStringList& comparedModels() const { return compared_; }
    /// Also measure the context ablation (loss against d) on the next measure().
    QCheckBox* ablationBox() const { return ablation_; }
    QComboBox* ablationModeBox() const { return ablationMode_; }
    QCustomPlot* ablationPlot() const { return ablationPlot_; }

    /// Shows the cone diagram (true) or the gradient bar (false) in the upper half.
    void showCone(bool cone);
    widgets::ConeDiagram* coneDiagram() const { return cone_; }

    QTableWidget* table() const { return table_; }
    widgets::TokenBar* gradientBar() const { return bar_; }
    QCustomPlot* contextPlot() const { return plot_; }
    QLabel* statusLabel() const { return status_; }
    QPushButton* measureButton() const { return measure_; }
    const ReceptiveFieldOutput& last() const { return last_; }

Q_SIGNALS:
    void ready();
    void failed(const QString& message);
    void requested(const lumen::app::ReceptiveFieldRequest& request);

private:
    void show(const ReceptiveFieldOutput& output);

    AttentionController* engine_;
    QString text_;
    std::function<QString()> source_;
    int position_ = -1;
    quint64 nextId_ = 1;
    quint64 current_ = 0;
    QSpinBox* layer_ = nullptr;
    QPushButton* measure_ = nullptr;
    QLabel* status_ = nullptr;
    QTableWidget* table_ = nullptr;
    widgets::TokenBar* bar_ = nullptr;
    widgets::ConeDiagram* cone_ = nullptr;
    QTabWidget* upper_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QCustomPlot* ablationPlot_ = nullptr;
    QCheckBox* ablation_ = nullptr;
    QComboBox* ablationMode_ = nullptr;
    QPushButton* compare_ = nullptr;
    QPushButton* clearCompared_ = nullptr;
    QStringList compared_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    ReceptiveFieldOutput last_;
};

} // namespace lumen::app
