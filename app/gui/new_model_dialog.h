// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// File > New Model…: a randomly initialised model of one of Lumen's families (lightweight,
// dynamic or dilated convolution, WaveNet, LSTM) or a Transformer of the same sizes, with a
// chosen head, sizes and tokenizer (any folder Lumen reads a tokenizer from; the loaded
// model's by default), written to a folder in the Hugging Face layout (engine::createModel)
// off the GUI thread. On success it emits modelCreated(folder) (the window opens it) and
// closes; an error (sizes that do not fit, a tokenizer without a mask token for a masked-LM,
// an unwritable folder) is shown in the dialog, which stays open. commandLine() is the same
// as `lumen-cli new-model --family ...`.
//
//   auto* dialog = new NewModelDialog(this);
//   connect(dialog, &NewModelDialog::modelCreated, this, &MainWindow::openModel);
//   dialog->open();
//
// Thread safety: GUI thread only.

#include "lumen/engine/model.h"

#include <QDialog>
#include <QString>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace lumen::app {

class NewModelDialog : public QDialog {
    Q_OBJECT

public:
    explicit NewModelDialog(QWidget* parent = nullptr);

    void setTokenizerDir(const QString& dir);
    void setOutputDir(const QString& dir);
    /// The model the fields describe.
    engine::NewModelSpec spec() const;
    /// `lumen-cli new-model --family ... --out ...` for the fields.
    QString commandLine() const;
    /// Starts writing the model (Create); false when a field is missing (said in the dialog).
    bool create();

    QComboBox* familyBox() const { return family_; }
    QComboBox* headBox() const { return head_; }
    QSpinBox* hiddenBox() const { return hidden_; }
    QSpinBox* layersBox() const { return layers_; }
    QSpinBox* headsBox() const { return heads_; }
    QSpinBox* kernelBox() const { return kernel_; }
    QSpinBox* seedBox() const { return seed_; }
    QLineEdit* tokenizerEdit() const { return tokenizer_; }
    QLineEdit* outputEdit() const { return output_; }
    QPushButton* createButton() const { return createButton_; }
    QLabel* messageLabel() const { return message_; }

Q_SIGNALS:
    void modelCreated(const QString& dir);

private:
    void updateFields();

    QComboBox* family_ = nullptr;
    QComboBox* head_ = nullptr;
    QSpinBox* hidden_ = nullptr;
    QSpinBox* layers_ = nullptr;
    QSpinBox* heads_ = nullptr;
    QSpinBox* kernel_ = nullptr;
    QSpinBox* intermediate_ = nullptr;
    QSpinBox* positions_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QLineEdit* tokenizer_ = nullptr;
    QLineEdit* output_ = nullptr;
    QLabel* description_ = nullptr;
    QLabel* message_ = nullptr;
    QPushButton* createButton_ = nullptr;
    bool running_ = false;
};

} // namespace lumen::app
