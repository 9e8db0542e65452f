// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "demo_window.h"

#include "lumen/widgets/candidate_bars.h"
#include "lumen/widgets/probability_grid.h"
#include "lumen/widgets/token_stream.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lumen::app {

namespace {

constexpr double kLowestShown = 1e-4; ///< the probability at the dark end of the colours

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

/// A vocabulary string as a person reads it: the byte-level and SentencePiece space markers
/// become "␣", the byte-level newline "↵".
QString shownToken(const std::string& token)
{
    QString t = q(token);
    t.replace(QChar(0x0120), QStringLiteral("␣")); // Ġ
    t.replace(QChar(0x2581), QStringLiteral("␣")); // ▁
    t.replace(QChar(0x010A), QStringLiteral("↵")); // Ċ
    return t.isEmpty() ? QStringLiteral("∅") : t;
}

QScrollArea* scrolled(QWidget* content, bool resizable)
{
    auto* area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(resizable);
    area->setFrameShape(QFrame::StyledPanel);
    area->setBackgroundRole(QPalette::Base);
    return area;
}

QLabel* hint(const QString& text)
{
    auto* label = new QLabel(text);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #555;"));
    return label;
}

QTableWidget* table(const QStringList& headers)
{
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->setVisible(false);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 8);
    return t;
}

QString percent(double p)
{
    return QStringLiteral("%1 %").arg(p * 100.0, 0, 'f', p < 0.01 ? 3 : 1);
}

std::vector<std::pair<QString, double>> alternativesOf(const std::vector<engine::TokenProbability>& top)
{
    std::vector<std::pair<QString, double>> out;
    for (const engine::TokenProbability& t : top) {
        out.emplace_back(shownToken(t.token), t.probability);
    }
    return out;
}

widgets::StreamPiece pieceOf(const engine::GenerateStep& s)
{
    return { s.text.empty() ? QString() : q(s.text), s.probability, alternativesOf(s.top),
        QStringLiteral("token %1 (id %2)").arg(shownToken(s.token)).arg(s.id) };
}

/// The model's mask token as its tokenizer writes it ("[MASK]" when it has none).
QString maskToken(const ModelSummary& model)
{
    for (const ModelSummary::SpecialToken& t : model.specialTokens) {
        if (t.role == QLatin1String("mask")) {
            return t.token;
        }
    }
    return QStringLiteral("[MASK]");
}

int pageOf(DemoKind kind)
{
    return static_cast<int>(kind);
}

} // namespace

DemoWindow::DemoWindow(DemoController* demos, AttentionController* engine, QWidget* parent)
    : QWidget(parent, Qt::Window)
    , demos_(demos)
    , engine_(engine)
{
    setObjectName(QStringLiteral("demoWindow"));
    setWindowTitle(tr("Text demos — Lumen"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    modelLabel_ = new QLabel(this);
    modelLabel_->setObjectName(QStringLiteral("demoModelLabel"));
    modelLabel_->setWordWrap(true);
    layout->addWidget(modelLabel_);
    pages_ = new QTabWidget(this);
    pages_->addTab(buildFillMask(), tr("Fill mask"));
    pages_->addTab(buildGenerate(), tr("Generate"));
    pages_->addTab(buildScore(), tr("Score a text"));
    pages_->addTab(buildSimilarity(), tr("Similarity"));
    layout->addWidget(pages_, 1);
    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("demoError"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(QStringLiteral("QLabel { color: #8a1c1c; }"));
    error_->setVisible(false);
    layout->addWidget(error_);

    for (QPushButton* stop : stop_) {
        connect(stop, &QPushButton::clicked, demos_, &DemoController::cancel);
    }
    connect(engine_, &AttentionController::modelLoaded, this, &DemoWindow::updateModel);
    connect(demos_, &DemoController::started, this, [this](DemoKind kind) {
        error_->clear();
        error_->setVisible(false);
        setBusy(true);
        if (kind == DemoKind::Generate) {
            // The prompt, grey, then the tokens as they come.
            std::vector<widgets::StreamPiece> pieces { { prompt_->text(), -1.0, {}, tr("the prompt") } };
            if (engine_->model().encoderDecoder) {
                pieces.push_back({ QStringLiteral("  ⇒ "), -1.0, {}, {} });
            }
            generated_->setPieces(std::move(pieces));
            decoderLens_->clear();
            generateStatus_->setText(tr("Generating…"));
        }
    });
    connect(demos_, &DemoController::step, this, &DemoWindow::onStep);
    connect(demos_, &DemoController::ready, this, [this](const DemoOutput& output) {
        setBusy(false);
        showOutput(output);
    });
    connect(demos_, &DemoController::failed, this, [this](const QString& message) {
        setBusy(demos_->isBusy());
        error_->setText(message);
        error_->setVisible(true);
        if (currentPage() == DemoKind::Generate) {
            generateStatus_->clear();
        }
    });
    connect(demos_, &DemoController::cancelled, this, [this] {
        setBusy(false);
        error_->setText(tr("Stopped."));
        error_->setVisible(true);
    });
    updateModel();
    setBusy(false);
    resize(1000, 720);
}

QWidget* DemoWindow::buildFillMask()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* input = new QHBoxLayout;
    maskText_ = new QLineEdit(page);
    maskText_->setObjectName(QStringLiteral("maskText"));
    maskText_->setClearButtonEnabled(true);
    topK_ = new QSpinBox(page);
    topK_->setRange(1, 50);
    topK_->setValue(5);
    topK_->setPrefix(tr("top "));
    topK_->setToolTip(tr("Candidates per mask, and per layer in the lens"));
    run_[0] = new QPushButton(tr("Fill"), page);
    stop_[0] = new QPushButton(tr("Stop"), page);
    input->addWidget(new QLabel(tr("Text"), page));
    input->addWidget(maskText_, 1);
    input->addWidget(topK_);
    input->addWidget(run_[0]);
    input->addWidget(stop_[0]);
    layout->addLayout(input);
    layout->addWidget(hint(tr("Click a word to mask it:")));
    maskWords_ = new widgets::TokenStream(page);
    maskWords_->setObjectName(QStringLiteral("maskWords"));
    maskWords_->setClickable(true);
    layout->addWidget(maskWords_);
    filled_ = new QLabel(page);
    filled_->setObjectName(QStringLiteral("filledSentence"));
    filled_->setWordWrap(true);
    filled_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = filled_->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    filled_->setFont(big);
    layout->addWidget(filled_);

    auto* split = new QSplitter(Qt::Horizontal, page);
    candidates_ = new widgets::CandidateBars;
    candidates_->setObjectName(QStringLiteral("candidateBars"));
    split->addWidget(scrolled(candidates_, true));
    auto* lensBox = new QWidget;
    auto* lensLayout = new QVBoxLayout(lensBox);
    lensLayout->setContentsMargins(0, 0, 0, 0);
    auto* lensBar = new QHBoxLayout;
    lensMask_ = new QComboBox(lensBox);
    lensMask_->setObjectName(QStringLiteral("lensMask"));
    lensMask_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    lensBar->addWidget(new QLabel(tr("Layer by layer (logit lens) for"), lensBox));
    lensBar->addWidget(lensMask_);
    lensBar->addStretch(1);
    lensLayout->addLayout(lensBar);
    maskLens_ = new widgets::ProbabilityGrid;
    maskLens_->setObjectName(QStringLiteral("maskLens"));
    maskLens_->setLogScale(true);
    maskLens_->setRange(kLowestShown, 1.0);
    lensLayout->addWidget(scrolled(maskLens_, false), 1);
    lensLayout->addWidget(hint(tr("The masked-LM head applied to each layer's hidden state: the best "
                                  "candidates after each layer, and the final answer's probability and "
                                  "rank there. Colour: probability, 0.0001 to 1, log scale.")));
    split->addWidget(lensBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({ 400, 600 });
    layout->addWidget(split, 1);

    connect(run_[0], &QPushButton::clicked, this, &DemoWindow::runPage);
    connect(maskText_, &QLineEdit::returnPressed, this, &DemoWindow::runPage);
    connect(maskText_, &QLineEdit::textChanged, this, &DemoWindow::refreshMaskWords);
    connect(maskWords_, &widgets::TokenStream::pieceClicked, this, &DemoWindow::maskWord);
    connect(lensMask_, &QComboBox::currentIndexChanged, this, &DemoWindow::showMaskLens);
    return page;
}

QWidget* DemoWindow::buildGenerate()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* input = new QHBoxLayout;
    prompt_ = new QLineEdit(page);
    prompt_->setObjectName(QStringLiteral("promptEdit"));
    prompt_->setClearButtonEnabled(true);
    run_[1] = new QPushButton(tr("Generate"), page);
    stop_[1] = new QPushButton(tr("Stop"), page);
    input->addWidget(new QLabel(tr("Prompt"), page));
    input->addWidget(prompt_, 1);
    input->addWidget(run_[1]);
    input->addWidget(stop_[1]);
    layout->addLayout(input);

    auto* settings = new QHBoxLayout;
    mode_ = new QComboBox(page);
    mode_->addItems({ tr("Greedy"), tr("Sampling"), tr("Beam search") });
    maxNew_ = new QSpinBox(page);
    maxNew_->setRange(1, 4096);
    maxNew_->setValue(32);
    temperature_ = new QDoubleSpinBox(page);
    temperature_->setRange(0.05, 10.0);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(1.0);
    samplingTopK_ = new QSpinBox(page);
    samplingTopK_->setRange(0, 100000);
    samplingTopK_->setSpecialValueText(tr("all"));
    samplingTopK_->setValue(50);
    topP_ = new QDoubleSpinBox(page);
    topP_->setRange(0.01, 1.0);
    topP_->setSingleStep(0.05);
    topP_->setValue(0.95);
    seed_ = new QSpinBox(page);
    seed_->setRange(0, 1 << 30);
    seed_->setValue(0);
    beams_ = new QSpinBox(page);
    beams_->setRange(1, 16);
    beams_->setValue(4);
    repetition_ = new QDoubleSpinBox(page);
    repetition_->setRange(0.5, 5.0);
    repetition_->setSingleStep(0.05);
    repetition_->setValue(1.0);
    stopString_ = new QLineEdit(page);
    stopString_->setPlaceholderText(tr("stop at…"));
    stopString_->setMaximumWidth(120);
    const std::pair<QString, QWidget*> fields[] = { { tr("Mode"), mode_ }, { tr("New tokens"), maxNew_ },
        { tr("Temperature"), temperature_ }, { tr("Top-k"), samplingTopK_ }, { tr("Top-p"), topP_ },
        { tr("Seed"), seed_ }, { tr("Beams"), beams_ }, { tr("Repetition"), repetition_ }, { tr("Stop"), stopString_ } };
    for (const auto& [label, widget] : fields) {
        auto* l = new QLabel(label, page);
        l->setBuddy(widget);
        settings->addWidget(l);
        settings->addWidget(widget);
    }
    settings->addStretch(1);
    layout->addLayout(settings);

    generated_ = new widgets::TokenStream;
    generated_->setObjectName(QStringLiteral("generatedStream"));
    QFont big = generated_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    generated_->setFont(big);
    layout->addWidget(scrolled(generated_, true), 2);
    generateStatus_ = new QLabel(page);
    generateStatus_->setObjectName(QStringLiteral("generateStatus"));
    generateStatus_->setWordWrap(true);
    layout->addWidget(generateStatus_);
    layout->addWidget(hint(widgets::TokenStream::legend() + tr(". Hover a token for the alternatives.")));
    decoderLens_ = new widgets::ProbabilityGrid;
    decoderLens_->setObjectName(QStringLiteral("decoderLens"));
    decoderLens_->setLogScale(true);
    decoderLens_->setRange(kLowestShown, 1.0);
    layout->addWidget(scrolled(decoderLens_, false), 3);

    connect(run_[1], &QPushButton::clicked, this, &DemoWindow::runPage);
    connect(prompt_, &QLineEdit::returnPressed, this, &DemoWindow::runPage);
    connect(mode_, &QComboBox::currentIndexChanged, this, &DemoWindow::updateModeControls);
    updateModeControls();
    return page;
}

QWidget* DemoWindow::buildScore()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* input = new QHBoxLayout;
    scoreText_ = new QLineEdit(page);
    scoreText_->setObjectName(QStringLiteral("scoreText"));
    scoreText_->setClearButtonEnabled(true);
    run_[2] = new QPushButton(tr("Score"), page);
    stop_[2] = new QPushButton(tr("Stop"), page);
    input->addWidget(new QLabel(tr("Text"), page));
    input->addWidget(scoreText_, 1);
    input->addWidget(run_[2]);
    input->addWidget(stop_[2]);
    layout->addLayout(input);
    scored_ = new widgets::TokenStream(page);
    scored_->setObjectName(QStringLiteral("scoredStream"));
    QFont big = scored_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    scored_->setFont(big);
    layout->addWidget(scored_);
    scoreSummary_ = new QLabel(page);
    scoreSummary_->setObjectName(QStringLiteral("scoreSummary"));
    scoreSummary_->setWordWrap(true);
    layout->addWidget(scoreSummary_);
    layout->addWidget(hint(widgets::TokenStream::legend()
        + tr(". A causal LM gives each token its probability after the tokens before it; a masked-LM "
             "each token's with it alone masked (pseudo-log-likelihood).")));
    scoreTable_ = table({ tr("Token"), tr("Probability"), tr("Surprisal (bits)"), tr("Model's best guess") });
    scoreTable_->setObjectName(QStringLiteral("scoreTable"));
    layout->addWidget(scoreTable_, 1);
    connect(run_[2], &QPushButton::clicked, this, &DemoWindow::runPage);
    connect(scoreText_, &QLineEdit::returnPressed, this, &DemoWindow::runPage);
    return page;
}

QWidget* DemoWindow::buildSimilarity()
{
    auto* page = new QWidget;
    auto* layout = new QVBoxLayout(page);
    auto* top = new QHBoxLayout;
    sentences_ = new QPlainTextEdit(page);
    sentences_->setObjectName(QStringLiteral("sentences"));
    sentences_->setPlaceholderText(tr("One sentence per line"));
    sentences_->setMaximumHeight(110);
    auto* side = new QVBoxLayout;
    pooling_ = new QComboBox(page);
    pooling_->addItems({ tr("Mean of the tokens"), tr("First token") });
    pooling_->setToolTip(tr("How a sentence becomes one vector: the mean of its last hidden states "
                            "(special tokens included), or the first token's ([CLS])"));
    run_[3] = new QPushButton(tr("Compare"), page);
    stop_[3] = new QPushButton(tr("Stop"), page);
    side->addWidget(pooling_);
    side->addWidget(run_[3]);
    side->addWidget(stop_[3]);
    side->addStretch(1);
    top->addWidget(sentences_, 1);
    top->addLayout(side);
    layout->addLayout(top);
    auto* split = new QSplitter(Qt::Horizontal, page);
    similarity_ = new widgets::ProbabilityGrid;
    similarity_->setObjectName(QStringLiteral("similarityGrid"));
    split->addWidget(scrolled(similarity_, false));
    auto* rankBox = new QWidget;
    auto* rankLayout = new QVBoxLayout(rankBox);
    rankLayout->setContentsMargins(0, 0, 0, 0);
    auto* rankBar = new QHBoxLayout;
    rankAgainst_ = new QComboBox(rankBox);
    rankAgainst_->setObjectName(QStringLiteral("rankAgainst"));
    rankAgainst_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    rankBar->addWidget(new QLabel(tr("Ranked against"), rankBox));
    rankBar->addWidget(rankAgainst_, 1);
    rankLayout->addLayout(rankBar);
    ranking_ = table({ tr("Rank"), tr("Cosine"), tr("Sentence") });
    ranking_->setObjectName(QStringLiteral("ranking"));
    rankLayout->addWidget(ranking_, 1);
    split->addWidget(rankBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({ 600, 400 });
    layout->addWidget(split, 1);
    connect(run_[3], &QPushButton::clicked, this, &DemoWindow::runPage);
    connect(rankAgainst_, &QComboBox::currentIndexChanged, this, &DemoWindow::showRanking);
    connect(similarity_, &widgets::ProbabilityGrid::cellClicked, this,
        [this](int row, int) { rankAgainst_->setCurrentIndex(row); });
    return page;
}

QPushButton* DemoWindow::runButton(DemoKind kind) const
{
    return run_[pageOf(kind)];
}

QPushButton* DemoWindow::stopButton(DemoKind kind) const
{
    return stop_[pageOf(kind)];
}

void DemoWindow::showPage(DemoKind kind)
{
    pages_->setCurrentIndex(pageOf(kind));
}

DemoKind DemoWindow::currentPage() const
{
    return static_cast<DemoKind>(std::clamp(pages_->currentIndex(), 0, 3));
}

void DemoWindow::setInput(DemoKind kind, const QString& text)
{
    switch (kind) {
    case DemoKind::FillMask:
        maskText_->setText(text);
        break;
    case DemoKind::Generate:
        prompt_->setText(text);
        break;
    case DemoKind::Score:
        scoreText_->setText(text);
        break;
    case DemoKind::Similarity:
        sentences_->setPlainText(text);
        break;
    }
}

void DemoWindow::updateModel()
{
    const ModelSummary& m = engine_->model();
    if (!engine_->hasModel()) {
        modelLabel_->setText(tr("No model is loaded: open one in the main window (File > Open Model…)."));
        return;
    }
    QString can;
    if (m.headKind == QLatin1String("masked-lm") || m.headKind == QLatin1String("pretraining")) {
        can = tr("a masked-LM: fill mask, score (pseudo-log-likelihood) and similarity");
    } else if (m.headKind == QLatin1String("causal-lm")) {
        can = tr("a decoder: generate, score and similarity");
    } else if (m.encoderDecoder) {
        can = tr("an encoder-decoder: generate from the encoder's input");
    } else {
        can = tr("no language-model head: similarity only");
    }
    modelLabel_->setText(tr("<b>%1</b> — %2 <span style=\"color:#666\">(%3)</span>")
                             .arg(m.architecture.toHtmlEscaped(), can, m.dir.toHtmlEscaped()));
    maskText_->setPlaceholderText(tr("A text with %1 where a word is missing").arg(maskToken(m)));
    refreshMaskWords();
}

void DemoWindow::updateModeControls()
{
    const int mode = mode_->currentIndex();
    for (QWidget* w : std::initializer_list<QWidget*> { temperature_, samplingTopK_, topP_, seed_ }) {
        w->setEnabled(mode == Sampling);
    }
    beams_->setEnabled(mode == Beams);
}

void DemoWindow::setBusy(bool busy)
{
    for (int i = 0; i < 4; ++i) {
        run_[i]->setEnabled(!busy);
        stop_[i]->setEnabled(busy);
    }
}

DemoRequest DemoWindow::requestFor(DemoKind kind) const
{
    DemoRequest r;
    r.kind = kind;
    r.topK = topK_->value();
    switch (kind) {
    case DemoKind::FillMask:
        r.text = maskText_->text();
        break;
    case DemoKind::Generate: {
        r.text = prompt_->text();
        engine::GenerateConfig& c = r.generation;
        c.maxNewTokens = maxNew_->value();
        c.repetitionPenalty = repetition_->value();
        c.sample = mode_->currentIndex() == Sampling;
        if (c.sample) {
            c.temperature = temperature_->value();
            c.topK = samplingTopK_->value();
            c.topP = topP_->value();
            c.seed = static_cast<uint64_t>(seed_->value());
        }
        c.beams = mode_->currentIndex() == Beams ? beams_->value() : 1;
        if (!stopString_->text().isEmpty()) {
            c.stopStrings = { stopString_->text().toStdString() };
        }
        break;
    }
    case DemoKind::Score:
        r.text = scoreText_->text();
        r.topK = 5;
        break;
    case DemoKind::Similarity:
        r.texts = sentences_->toPlainText().split(QLatin1Char('\n'));
        r.meanPooling = pooling_->currentIndex() == 0;
        break;
    }
    return r;
}

bool DemoWindow::runPage()
{
    return demos_->run(requestFor(currentPage()));
}

void DemoWindow::refreshMaskWords()
{
    const QString mask = maskToken(engine_->model());
    // Words (with the white space before them), punctuation apart, the mask token whole.
    static const QRegularExpression::PatternOption options = QRegularExpression::UseUnicodePropertiesOption;
    const QRegularExpression words(QStringLiteral("\\s*(%1|\\w+|[^\\w\\s]+)").arg(QRegularExpression::escape(mask)),
        options);
    wordParts_.clear();
    std::vector<widgets::StreamPiece> pieces;
    const QString text = maskText_->text();
    int highlighted = -1;
    for (auto it = words.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        wordParts_ << m.captured(0);
        const bool isMask = m.captured(1) == mask;
        if (isMask && highlighted < 0) {
            highlighted = static_cast<int>(pieces.size());
        }
        pieces.push_back({ m.captured(0), isMask ? 1.0 : -1.0, {},
            isMask ? tr("a mask: the model fills it in") : tr("click to mask this word") });
    }
    maskWords_->setPieces(std::move(pieces));
    maskWords_->setHighlighted(highlighted);
}

void DemoWindow::maskWord(int index)
{
    if (index < 0 || index >= wordParts_.size()) {
        return;
    }
    const QString mask = maskToken(engine_->model());
    QStringList parts = wordParts_;
    const QString part = parts[index];
    const int lead = static_cast<int>(part.size() - part.trimmed().size()); // the white space before
    parts[index] = part.left(lead) + mask;
    maskText_->setText(parts.join(QString()));
    showPage(DemoKind::FillMask);
    runPage();
}

void DemoWindow::onStep(const engine::GenerateStep& step)
{
    generated_->appendPiece(pieceOf(step));
    generateStatus_->setText(tr("Generating… %1 tokens").arg(generated_->count() - 1));
}

void DemoWindow::showOutput(const DemoOutput& d)
{
    shown_ = d;
    showPage(d.kind);
    if (!d.note.isEmpty()) {
        error_->setText(d.note);
        error_->setVisible(true);
    }
    switch (d.kind) {
    case DemoKind::FillMask: {
        {
            const QSignalBlocker block(maskText_);
            maskText_->setText(d.text);
        }
        topK_->setValue(d.topK);
        refreshMaskWords();
        filled_->setText(tr("Filled: <b>%1</b>").arg(q(d.fill.filled).toHtmlEscaped()));
        std::vector<widgets::CandidateGroup> groups;
        const QSignalBlocker block(lensMask_);
        lensMask_->clear();
        for (size_t m = 0; m < d.fill.masks.size(); ++m) {
            const engine::FillMaskPosition& mask = d.fill.masks[m];
            widgets::CandidateGroup g;
            g.title = d.fill.masks.size() == 1
                ? tr("The mask (position %1)").arg(mask.position)
                : tr("Mask %1 of %2 (position %3)").arg(m + 1).arg(d.fill.masks.size()).arg(mask.position);
            for (const engine::FillMaskCandidate& c : mask.candidates) {
                g.candidates.emplace_back(shownToken(c.token), c.probability);
            }
            groups.push_back(std::move(g));
            lensMask_->addItem(tr("mask %1 (position %2)").arg(m + 1).arg(mask.position));
        }
        candidates_->setGroups(std::move(groups));
        lensMask_->setCurrentIndex(0);
        showMaskLens(0);
        break;
    }
    case DemoKind::Generate: {
        {
            const QSignalBlocker block(prompt_);
            prompt_->setText(d.text);
        }
        const engine::GenerateConfig& c = d.generation;
        mode_->setCurrentIndex(c.beams > 1 ? Beams : c.sample ? Sampling : Greedy);
        maxNew_->setValue(static_cast<int>(c.maxNewTokens));
        repetition_->setValue(c.repetitionPenalty);
        if (c.sample) {
            temperature_->setValue(c.temperature);
            samplingTopK_->setValue(static_cast<int>(c.topK));
            topP_->setValue(c.topP);
            seed_->setValue(static_cast<int>(c.seed));
        }
        if (c.beams > 1) {
            beams_->setValue(static_cast<int>(c.beams));
        }
        stopString_->setText(c.stopStrings.empty() ? QString() : q(c.stopStrings.front()));
        std::vector<widgets::StreamPiece> pieces { { d.text, -1.0, {}, tr("the prompt") } };
        if (d.encoderDecoder) {
            pieces.push_back({ QStringLiteral("  ⇒ "), -1.0, {}, {} });
        }
        for (const engine::GenerateStep& s : d.generated.steps) {
            pieces.push_back(pieceOf(s));
        }
        generated_->setPieces(std::move(pieces));
        const engine::GenerateResult& g = d.generated;
        const double seconds = g.elapsedMs / 1000.0;
        QString status = tr("%1 new tokens in %2 ms (%3 tokens/s); stopped: %4")
                             .arg(g.newTokenIds.size())
                             .arg(g.elapsedMs, 0, 'f', 0)
                             .arg(seconds > 0 ? static_cast<double>(g.newTokenIds.size()) / seconds : 0.0, 0, 'f', 1)
                             .arg(g.stopReason == "eos" ? tr("end of text")
                                     : g.stopReason == "stop-string" ? tr("stop string")
                                     : g.stopReason == "cancelled" ? tr("you stopped it")
                                                                   : tr("the length limit"));
        if (g.promptTruncated) {
            status += tr(". The prompt was longer than the model takes with the new tokens: its start was "
                         "cut, %1 tokens kept.")
                          .arg(g.promptIds.size());
        }
        generateStatus_->setText(status);
        // The decoder's lens: columns are positions (the token read), rows the layers.
        const engine::LogitLensResult& lens = d.lens;
        if (lens.positions.empty()) {
            decoderLens_->clear();
            break;
        }
        QStringList rows { tr("embeddings") };
        for (int64_t l = 1; l <= lens.layers; ++l) {
            rows << tr("layer %1").arg(l);
        }
        QStringList columns;
        for (size_t k = 0; k < lens.positions.size(); ++k) {
            const QString text = k < d.lensTexts.size() ? q(d.lensTexts[k]) : shownToken(lens.positions[k].token);
            columns << (text.trimmed().isEmpty() ? shownToken(lens.positions[k].token) : text.trimmed());
        }
        std::vector<std::vector<widgets::GridCell>> cells(rows.size());
        for (size_t k = 0; k < lens.positions.size(); ++k) {
            const engine::LogitLensPosition& p = lens.positions[k];
            for (size_t l = 0; l < p.layers.size() && l < cells.size(); ++l) {
                const engine::LogitLensLayer& layer = p.layers[l];
                QString tip = tr("After %1, reading “%2”: the next token").arg(rows[static_cast<int>(l)], columns[static_cast<int>(k)]);
                for (const engine::TokenProbability& t : layer.top) {
                    tip += QStringLiteral("<br>%1 — %2").arg(shownToken(t.token).toHtmlEscaped(), percent(t.probability));
                }
                tip += tr("<br>The final answer %1: %2, rank %3")
                           .arg(shownToken(p.final.token).toHtmlEscaped(), percent(layer.finalProbability))
                           .arg(layer.finalRank + 1);
                cells[l].push_back({ shownToken(layer.top.front().token), layer.top.front().probability, tip });
            }
        }
        decoderLens_->setData(rows, columns, std::move(cells));
        decoderLens_->setTitle(tr("Layer by layer (logit lens): the best next token after each layer, "
                                  "at each position of the prompt and the answer"));
        break;
    }
    case DemoKind::Score: {
        {
            const QSignalBlocker block(scoreText_);
            scoreText_->setText(d.text);
        }
        const engine::ScoreResult& r = d.score;
        std::vector<widgets::StreamPiece> pieces;
        if (!r.pseudo) {
            pieces.push_back({ q(d.scoreFirstText.empty() ? r.firstToken : d.scoreFirstText), -1.0, {},
                tr("the first token has no context, so no probability") });
        }
        scoreTable_->setRowCount(0);
        for (size_t i = 0; i < r.tokens.size(); ++i) {
            const engine::ScoredToken& t = r.tokens[i];
            std::vector<std::pair<QString, double>> alternatives;
            for (const auto& [token, p] : t.top) {
                alternatives.emplace_back(shownToken(token), p);
            }
            const QString text = i < d.scoreTexts.size() ? q(d.scoreTexts[i]) : shownToken(t.token);
            pieces.push_back({ text, t.probability, alternatives,
                tr("surprisal %1 bits").arg(t.surprisalBits, 0, 'f', 2) });
            const int row = scoreTable_->rowCount();
            scoreTable_->insertRow(row);
            const QString cells[] = { shownToken(t.token), percent(t.probability),
                QString::number(t.surprisalBits, 'f', 2), t.top.empty() ? QString() : shownToken(t.top.front().first) };
            for (int c = 0; c < 4; ++c) {
                auto* item = new QTableWidgetItem(cells[c]);
                if (c == 1 || c == 2) {
                    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                }
                if (c == 1) {
                    item->setBackground(widgets::TokenStream::colorFor(t.probability));
                }
                scoreTable_->setItem(row, c, item);
            }
        }
        scored_->setPieces(std::move(pieces));
        scoreTable_->scrollToTop();
        scoreSummary_->setText((r.pseudo ? tr("Pseudo-perplexity <b>%1</b>") : tr("Perplexity <b>%1</b>"))
                                   .arg(r.perplexity, 0, 'f', 2)
            + tr(" — %1 nats per token on average over %2 tokens.")
                  .arg(r.meanNegativeLogLikelihood, 0, 'f', 3)
                  .arg(r.tokens.size()));
        break;
    }
    case DemoKind::Similarity: {
        {
            const QSignalBlocker block(sentences_);
            sentences_->setPlainText(d.texts.join(QLatin1Char('\n')));
        }
        pooling_->setCurrentIndex(d.meanPooling ? 0 : 1);
        const auto n = static_cast<int>(d.texts.size());
        QStringList rows;
        QStringList columns;
        double low = 1.0;
        for (int i = 0; i < n; ++i) {
            const QString t = d.texts[i];
            rows << QStringLiteral("%1  %2").arg(i + 1).arg(t.size() > 36 ? t.left(35) + QStringLiteral("…") : t);
            columns << QString::number(i + 1);
            for (const double c : d.similarity.cosine[static_cast<size_t>(i)]) {
                low = std::min(low, c);
            }
        }
        std::vector<std::vector<widgets::GridCell>> cells(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j < n; ++j) {
                const double c = d.similarity.cosine[static_cast<size_t>(i)][static_cast<size_t>(j)];
                cells[static_cast<size_t>(i)].push_back({ QString::number(c, 'f', 3), c,
                    tr("cos(%1, %2) = %3<br>%4<br>%5")
                        .arg(i + 1)
                        .arg(j + 1)
                        .arg(c, 0, 'f', 4)
                        .arg(d.texts[i].toHtmlEscaped(), d.texts[j].toHtmlEscaped()) });
            }
        }
        similarity_->setRange(std::min(low, 0.999), 1.0);
        similarity_->setData(rows, columns, std::move(cells));
        similarity_->setTitle(tr("Cosine similarity (%1 pooling); click a row to rank against it")
                                  .arg(d.meanPooling ? tr("mean") : tr("first-token")));
        const QSignalBlocker block(rankAgainst_);
        rankAgainst_->clear();
        rankAgainst_->addItems(rows);
        rankAgainst_->setCurrentIndex(0);
        showRanking(0);
        break;
    }
    }
}

void DemoWindow::showMaskLens(int mask)
{
    const engine::LogitLensResult& lens = shown_.lens;
    if (shown_.kind != DemoKind::FillMask || mask < 0 || mask >= static_cast<int>(lens.positions.size())) {
        maskLens_->clear();
        return;
    }
    const engine::LogitLensPosition& p = lens.positions[static_cast<size_t>(mask)];
    QStringList rows { tr("embeddings") };
    for (int64_t l = 1; l <= lens.layers; ++l) {
        rows << tr("layer %1").arg(l);
    }
    const size_t k = p.layers.empty() ? 0 : p.layers.front().top.size();
    QStringList columns;
    static const QStringList ordinals { tr("best"), tr("2nd"), tr("3rd") };
    for (size_t c = 0; c < k; ++c) {
        columns << (c < 3 ? ordinals[static_cast<int>(c)] : tr("%1th").arg(c + 1));
    }
    columns << tr("“%1”").arg(shownToken(p.final.token));
    std::vector<std::vector<widgets::GridCell>> cells;
    for (size_t l = 0; l < p.layers.size(); ++l) {
        const engine::LogitLensLayer& layer = p.layers[l];
        std::vector<widgets::GridCell> row;
        for (const engine::TokenProbability& t : layer.top) {
            row.push_back({ shownToken(t.token), t.probability,
                tr("%1 after %2: %3").arg(shownToken(t.token).toHtmlEscaped(), rows[static_cast<int>(l)], percent(t.probability)) });
        }
        row.resize(k);
        row.push_back({ tr("%1 · #%2").arg(percent(layer.finalProbability)).arg(layer.finalRank + 1), layer.finalProbability,
            tr("The final answer “%1” after %2: probability %3, rank %4")
                .arg(shownToken(p.final.token).toHtmlEscaped(), rows[static_cast<int>(l)], percent(layer.finalProbability))
                .arg(layer.finalRank + 1) });
        cells.push_back(std::move(row));
    }
    maskLens_->setData(rows, columns, std::move(cells));
    maskLens_->setTitle(tr("Where the answer forms: position %1").arg(p.position));
}

void DemoWindow::showRanking(int against)
{
    ranking_->setRowCount(0);
    const auto& cosine = shown_.similarity.cosine;
    if (shown_.kind != DemoKind::Similarity || against < 0 || against >= static_cast<int>(cosine.size())) {
        return;
    }
    similarity_->setHighlightedRow(against);
    std::vector<int> order;
    for (int j = 0; j < static_cast<int>(cosine.size()); ++j) {
        if (j != against) {
            order.push_back(j);
        }
    }
    const auto& row = cosine[static_cast<size_t>(against)];
    std::stable_sort(order.begin(), order.end(), [&row](int a, int b) { return row[static_cast<size_t>(a)] > row[static_cast<size_t>(b)]; });
    for (size_t r = 0; r < order.size(); ++r) {
        const int j = order[r];
        ranking_->insertRow(static_cast<int>(r));
        ranking_->setItem(static_cast<int>(r), 0, new QTableWidgetItem(QString::number(r + 1)));
        auto* c = new QTableWidgetItem(QString::number(row[static_cast<size_t>(j)], 'f', 4));
        c->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        ranking_->setItem(static_cast<int>(r), 1, c);
        ranking_->setItem(static_cast<int>(r), 2, new QTableWidgetItem(QStringLiteral("%1  %2").arg(j + 1).arg(shown_.texts[j])));
    }
    ranking_->resizeColumnsToContents();
}

} // namespace lumen::app
