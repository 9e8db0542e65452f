// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "new_model_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace lumen::app {

namespace {

struct FamilyText {
    const char* id;
    const char* label;
    const char* about;
};

const FamilyText kFamilies[] = {
    { "lightconv", "Lightweight convolution",
        "Wu et al. 2019: a depthwise convolution whose kernel is softmax-normalised and shared "
        "by the channels of each head; linear in the length. Its kernels show as band maps." },
    { "dynamicconv", "Dynamic convolution",
        "The lightweight convolution with the kernel predicted at every position from that "
        "position's input. Its kernels show as band maps." },
    { "dilatedconv", "Dilated convolution",
        "Depthwise convolutions whose dilation doubles per layer: a receptive field that grows "
        "exponentially with depth (as in pre-trained convolutions, Tay et al. 2021)." },
    { "wavenet", "WaveNet-style stack",
        "Dilations 1, 2, 4, ... in repeating cycles, gated tanh x sigmoid units, residual and "
        "skip connections: a finite receptive field that matches recurrent models." },
    { "lstm", "LSTM", "A recurrent language model: left to right for the causal head, "
                      "bidirectional for the masked-LM head." },
    { "transformer", "Transformer (for comparison)",
        "BERT (masked-LM head) or GPT-2 (causal head) at the same width and depth: "
        "self-attention beside the convolutions." },
};

QSpinBox* spin(int min, int max, int value, const QString& special = QString())
{
    auto* box = new QSpinBox;
    box->setRange(min, max);
    box->setValue(value);
    if (!special.isEmpty()) {
        box->setSpecialValueText(special);
    }
    return box;
}

QString quoted(const QString& s)
{
    return s.contains(QLatin1Char(' ')) ? QStringLiteral("\"%1\"").arg(s) : s;
}

} // namespace

NewModelDialog::NewModelDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New Model"));
    setObjectName(QStringLiteral("newModelDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    family_ = new QComboBox(this);
    for (const FamilyText& f : kFamilies) {
        family_->addItem(tr(f.label), QString::fromLatin1(f.id));
    }
    head_ = new QComboBox(this);
    head_->addItem(tr("Masked-LM (fill in blanks; centred kernels)"), QStringLiteral("masked-lm"));
    head_->addItem(tr("Causal-LM (continue a text; causal kernels)"), QStringLiteral("causal-lm"));
    hidden_ = spin(8, 4096, 128);
    hidden_->setSingleStep(16);
    layers_ = spin(1, 64, 4);
    heads_ = spin(1, 64, 4);
    kernel_ = spin(0, 255, 0, tr("family default"));
    intermediate_ = spin(0, 65536, 0, tr("4 × width"));
    positions_ = spin(0, 65536, 0, tr("none (Transformer: 512)"));
    seed_ = spin(0, 1 << 30, 0);
    tokenizer_ = new QLineEdit(this);
    tokenizer_->setPlaceholderText(tr("a folder with a tokenizer (vocab.txt, tokenizer.json, …)"));
    auto* tokenizerRow = new QHBoxLayout;
    auto* browseTokenizer = new QPushButton(tr("Browse…"), this);
    tokenizerRow->addWidget(tokenizer_, 1);
    tokenizerRow->addWidget(browseTokenizer);
    output_ = new QLineEdit(this);
    output_->setPlaceholderText(tr("the new model's folder"));
    auto* outputRow = new QHBoxLayout;
    auto* browseOutput = new QPushButton(tr("Browse…"), this);
    outputRow->addWidget(output_, 1);
    outputRow->addWidget(browseOutput);
    form->addRow(tr("&Family"), family_);
    form->addRow(tr("&Head"), head_);
    form->addRow(tr("&Width"), hidden_);
    form->addRow(tr("&Layers"), layers_);
    form->addRow(tr("H&eads"), heads_);
    form->addRow(tr("&Kernel width"), kernel_);
    form->addRow(tr("Feed-forward width"), intermediate_);
    form->addRow(tr("Positions"), positions_);
    form->addRow(tr("&Seed"), seed_);
    form->addRow(tr("&Tokenizer"), tokenizerRow);
    form->addRow(tr("&Output folder"), outputRow);
    layout->addLayout(form);
    description_ = new QLabel(this);
    description_->setWordWrap(true);
    description_->setStyleSheet(QStringLiteral("color: #555;"));
    layout->addWidget(description_);
    message_ = new QLabel(this);
    message_->setObjectName(QStringLiteral("newModelMessage"));
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);
    auto* buttons = new QDialogButtonBox(this);
    createButton_ = buttons->addButton(tr("Create"), QDialogButtonBox::AcceptRole);
    auto* copy = buttons->addButton(tr("Copy as Command"), QDialogButtonBox::ActionRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);

    connect(family_, &QComboBox::currentIndexChanged, this, &NewModelDialog::updateFields);
    connect(createButton_, &QPushButton::clicked, this, &NewModelDialog::create);
    connect(copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(commandLine());
        message_->setText(tr("Copied: %1").arg(commandLine()));
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browseTokenizer, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("A folder with a tokenizer"), tokenizer_->text());
        if (!dir.isEmpty()) {
            tokenizer_->setText(dir);
        }
    });
    connect(browseOutput, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Where the new model goes"), output_->text());
        if (!dir.isEmpty()) {
            output_->setText(dir);
        }
    });
    updateFields();
}

void NewModelDialog::setTokenizerDir(const QString& dir)
{
    tokenizer_->setText(dir);
}

void NewModelDialog::setOutputDir(const QString& dir)
{
    output_->setText(dir);
}

void NewModelDialog::updateFields()
{
    const QString id = family_->currentData().toString();
    for (const FamilyText& f : kFamilies) {
        if (id == QLatin1String(f.id)) {
            description_->setText(tr(f.about));
        }
    }
    heads_->setEnabled(id == QLatin1String("lightconv") || id == QLatin1String("dynamicconv")
        || id == QLatin1String("transformer"));
    kernel_->setEnabled(id != QLatin1String("lstm") && id != QLatin1String("transformer"));
    // WaveNet and the LSTM are language models first: the causal head by default.
    if (id == QLatin1String("wavenet") || id == QLatin1String("lstm")) {
        head_->setCurrentIndex(1);
    }
}

engine::NewModelSpec NewModelDialog::spec() const
{
    engine::NewModelSpec s;
    s.family = family_->currentData().toString().toStdString();
    s.causal = head_->currentData().toString() == QLatin1String("causal-lm");
    s.hidden = hidden_->value();
    s.layers = layers_->value();
    s.heads = heads_->value();
    s.kernel = kernel_->isEnabled() ? kernel_->value() : 0;
    s.intermediate = intermediate_->value();
    s.maxPositions = positions_->value();
    return s;
}

QString NewModelDialog::commandLine() const
{
    const engine::NewModelSpec s = spec();
    QStringList args { QStringLiteral("lumen-cli new-model"), QStringLiteral("--family"),
        QString::fromStdString(s.family), QStringLiteral("--head"), head_->currentData().toString(),
        QStringLiteral("--hidden"), QString::number(s.hidden), QStringLiteral("--layers"), QString::number(s.layers) };
    if (heads_->isEnabled()) {
        args << QStringLiteral("--heads") << QString::number(s.heads);
    }
    if (s.kernel > 0) {
        args << QStringLiteral("--kernel") << QString::number(s.kernel);
    }
    if (s.intermediate > 0) {
        args << QStringLiteral("--intermediate") << QString::number(s.intermediate);
    }
    if (s.maxPositions > 0) {
        args << QStringLiteral("--max-positions") << QString::number(s.maxPositions);
    }
    args << QStringLiteral("--seed") << QString::number(seed_->value()) << QStringLiteral("--tokenizer")
         << quoted(tokenizer_->text()) << QStringLiteral("--out") << quoted(output_->text());
    return args.join(QLatin1Char(' '));
}

bool NewModelDialog::create()
{
    if (running_) {
        return false;
    }
    if (tokenizer_->text().trimmed().isEmpty() || output_->text().trimmed().isEmpty()) {
        message_->setText(tr("Choose a tokenizer folder and an output folder."));
        return false;
    }
    const QString out = QFileInfo(output_->text().trimmed()).absoluteFilePath();
    if (QFileInfo::exists(out + QStringLiteral("/model.safetensors"))) {
        message_->setText(tr("%1 already holds a model; Lumen does not overwrite it. Choose an empty folder.").arg(out));
        return false;
    }
    running_ = true;
    createButton_->setEnabled(false);
    message_->setText(tr("Writing the model…"));
    const engine::NewModelSpec s = spec();
    const std::string tokenizer = QFile::encodeName(tokenizer_->text().trimmed()).toStdString();
    const std::string outDir = QFile::encodeName(out).toStdString();
    const auto seed = static_cast<uint64_t>(seed_->value());
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, out] {
        watcher->deleteLater();
        running_ = false;
        createButton_->setEnabled(true);
        const QString error = watcher->result();
        if (!error.isEmpty()) {
            message_->setText(tr("Could not create the model: %1").arg(error));
            return;
        }
        message_->setText(tr("Wrote %1").arg(out));
        Q_EMIT modelCreated(out);
        accept();
    });
    watcher->setFuture(QtConcurrent::run([s, tokenizer, outDir, seed]() -> QString {
        try {
            engine::createModel(s, tokenizer, outDir, seed);
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
    return true;
}

} // namespace lumen::app
