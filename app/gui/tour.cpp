// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "tour.h"

#include "app_options.h"
#include "attention_controller.h"
#include "compare_window.h"
#include "fine_tune_window.h"
#include "main_window.h"
#include "receptive_field_page.h"

#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/candidate_bars.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/model_panel.h"
#include "lumen/widgets/model_view.h"
#include "lumen/widgets/qcustomplot.h"

#include <QBoxLayout>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QEvent>
#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>

namespace lumen::app {

namespace {

/// An orange outline drawn over the step's widget; clicks go through it.
class Outline final : public QWidget {
public:
    explicit Outline(QWidget* parent)
        : QWidget(parent)
    {
        setAttribute(Qt::WA_TransparentForMouseEvents);
        setAttribute(Qt::WA_NoSystemBackground);
        setObjectName(QStringLiteral("tourOutline"));
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(QColor(0xe6, 0x9f, 0x00), 4)); // Okabe-Ito orange
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(QRectF(rect()).adjusted(2, 2, -2, -2), 6, 6);
    }
};

const QString kAgreement = QStringLiteral("the dogs that the cat chased [MASK] today .");
const QString kNames = QStringLiteral("tom and anna went to the park . tom gave a book to anna .");

QString demoDir(const QString& name)
{
    return demoModelsDir() + QLatin1Char('/') + name;
}

/// Opens demo model `name` (unless it is open), runs `text` on it and shows `view`.
std::function<void(MainWindow&)> openAndRun(const QString& name, const QString& text,
                                            const QString& view = QStringLiteral("heatmap"))
{
    return [name, text, view](MainWindow& w) {
        w.showView(view);
        w.textEdit()->setText(text);
        w.pairEdit()->clear();
        AttentionController* a = w.attentionController();
        if (a->hasModel() && QFileInfo(a->model().dir) == QFileInfo(demoDir(name))) {
            w.run();
            return;
        }
        auto* once = new QObject(&w);
        QObject::connect(a, &AttentionController::modelLoaded, once, [&w, once] {
            once->deleteLater();
            w.run();
        });
        QObject::connect(a, &AttentionController::loadFailed, once, [once] { once->deleteLater(); });
        w.openModel(demoDir(name));
    };
}

/// The run of `text` on demo model `name` is done.
std::function<bool(MainWindow&)> ranOn(const QString& name)
{
    return [name](MainWindow& w) {
        AttentionController* a = w.attentionController();
        return !a->isBusy() && a->hasModel() && QFileInfo(a->model().dir) == QFileInfo(demoDir(name))
            && (!a->model().hasAttention || a->lastAttention().seq > 0);
    };
}

/// A step's target in the fine-tuning window: that widget of it, none while it is not open.
template <typename Widget>
std::function<QWidget*(MainWindow&)> fineTuneTarget(Widget* (FineTuneWindow::*widget)() const)
{
    return [widget](MainWindow& w) -> QWidget* {
        const FineTuneWindow* fine = w.fineTuneWindow();
        return fine != nullptr ? (fine->*widget)() : nullptr;
    };
}

QWidget* heatmap(MainWindow& w)
{
    return w.attentionView();
}

} // namespace

QList<Tour> tours()
{
    QList<Tour> out;
    out << Tour { QStringLiteral("attention"), QObject::tr("What is attention?"),
        {
            { QObject::tr("A model that has learned something"),
                QObject::tr("This is Lumen's tiny BERT, trained on sentences with structure you can see. It reads the "
                            "sentence below with the verb masked: to fill it in, it has to find the verb's subject."),
                openAndRun(QStringLiteral("bert"), kAgreement), [](MainWindow& w) -> QWidget* { return w.textEdit(); },
                ranOn(QStringLiteral("bert")) },
            { QObject::tr("Queries and keys"),
                QObject::tr("Each row is a word asking \"which words matter to me?\"; each column a word it may look at. "
                            "A cell's colour is the share of that row's attention: every row adds up to 1."),
                [](MainWindow& w) { w.showView(QStringLiteral("heatmap")); }, heatmap, {} },
            { QObject::tr("One head with a job"),
                QObject::tr("Layer 2, head 3. Follow the [MASK] row: nearly all its attention goes to \"dogs\", four words "
                            "back, past the nearer \"cat\". Plural subject, so the model writes \"run\", not \"runs\"."),
                [](MainWindow& w) {
                    w.showHead(2, 3);
                    w.highlightToken(7);
                },
                [](MainWindow& w) -> QWidget* { return w.attentionView()->headSelector(); }, {} },
            { QObject::tr("The same layer as lines"),
                QObject::tr("The Heads view draws a layer's attention as lines from each word to the words it looks at, "
                            "one colour per head."),
                [](MainWindow& w) { w.showView(QStringLiteral("heads")); },
                [](MainWindow& w) -> QWidget* { return w.headView(); }, {} },
            { QObject::tr("Every head at once"),
                QObject::tr("All layers and heads side by side. Click a cell to open it in the heatmap. Some heads look at "
                            "the next word, some at the previous one, some at [SEP]: a head is a small, specialised reader."),
                [](MainWindow& w) { w.showView(QStringLiteral("model")); },
                [](MainWindow& w) -> QWidget* { return w.modelView(); }, {} },
        } };
    out << Tour { QStringLiteral("masked-causal"), QObject::tr("Masked vs causal attention"),
        {
            { QObject::tr("An encoder sees both sides"),
                QObject::tr("BERT is an encoder trained to fill in masked words: every word may look at every other, "
                            "before and after it. The whole square is in use."),
                openAndRun(QStringLiteral("bert"), kNames), heatmap, ranOn(QStringLiteral("bert")) },
            { QObject::tr("A decoder sees only the past"),
                QObject::tr("GPT is a decoder trained to predict the next word: a word may only look at the words before "
                            "it. Everything above the diagonal is masked (grey) — the model cannot peek."),
                openAndRun(QStringLiteral("gpt"), kNames), heatmap, ranOn(QStringLiteral("gpt")) },
            { QObject::tr("What causal attention buys"),
                QObject::tr("Because nothing looks ahead, a decoder can write: Demos > Generate continues \"tom gave a book "
                            "to\" with \"anna\" — it copies the name from the first sentence. Try the heads of layer 1 and 3."),
                [](MainWindow& w) {
                    w.showView(QStringLiteral("heatmap"));
                    w.showHead(1, 0);
                }, [](MainWindow& w) -> QWidget* { return w.attentionView()->headSelector(); },
                {} },
        } };
    out << Tour { QStringLiteral("receptive-fields"), QObject::tr("Convolutions vs attention: receptive fields"),
        {
            { QObject::tr("A convolution instead of attention"),
                QObject::tr("A lightweight convolution mixes a fixed window of 7 words with softmax-normalised kernels "
                            "shared across channel groups. The band map shows the kernel: every word looks at its "
                            "neighbours, the same way wherever it is. Its cost grows linearly with the length."),
                openAndRun(QStringLiteral("lightconv"), kAgreement), heatmap, ranOn(QStringLiteral("lightconv")) },
            { QObject::tr("How far it can see"),
                QObject::tr("The Receptive field view: the theoretical field (3 words more each side per layer) beside the "
                            "field measured by gradients — how much of the output at one word comes from each distance."),
                [](MainWindow& w) { w.showView(QStringLiteral("field")); },
                [](MainWindow& w) -> QWidget* { return w.receptiveFieldPage(); }, {} },
            { QObject::tr("Dilations: exponentially far, but finite"),
                QObject::tr("WaveNet stacks causal convolutions with dilations 1, 2, 4 … 32: six layers see exactly 64 words "
                            "back and nothing beyond — a feed-forward model with a finite memory."),
                openAndRun(QStringLiteral("wavenet"), kNames, QStringLiteral("field")),
                [](MainWindow& w) -> QWidget* { return w.receptiveFieldPage(); }, ranOn(QStringLiteral("wavenet")) },
            { QObject::tr("Recurrence: no edge at all"),
                QObject::tr("An LSTM carries one state from word to word: in principle its field has no end, in practice "
                            "the gradient from far words fades. Attention, in contrast, reaches every word at once."),
                openAndRun(QStringLiteral("lstm"), kNames, QStringLiteral("field")),
                [](MainWindow& w) -> QWidget* { return w.receptiveFieldPage(); }, ranOn(QStringLiteral("lstm")) },
        } };
    out << Tour { QStringLiteral("albert"), QObject::tr("ALBERT: sharing layers"),
        {
            { QObject::tr("One layer, four times"),
                QObject::tr("ALBERT applies one Transformer layer four times and factorises its embeddings (32 wide, "
                            "projected to 64). The Model panel shows the parameters it stores beside those a forward pass "
                            "runs through."),
                [](MainWindow& w) {
                    w.modelDock()->show();
                    openAndRun(QStringLiteral("albert"), kAgreement)(w);
                },
                [](MainWindow& w) -> QWidget* { return w.modelPanel(); }, ranOn(QStringLiteral("albert")) },
            { QObject::tr("Same weights, different attention"),
                QObject::tr("Every layer here is the same weights, yet the layers attend differently: each application "
                            "reads what the one before wrote."),
                [](MainWindow& w) { w.showView(QStringLiteral("model")); },
                [](MainWindow& w) -> QWidget* { return w.modelView(); }, {} },
            { QObject::tr("What sharing costs"),
                QObject::tr("BERT, the same size without sharing: about 3.5 times the parameters. On this corpus both fill "
                            "the agreement blanks right every time (see docs/teaching.md)."),
                [](MainWindow& w) {
                    w.modelDock()->show();
                    openAndRun(QStringLiteral("bert"), kAgreement)(w);
                },
                [](MainWindow& w) -> QWidget* { return w.modelPanel(); }, ranOn(QStringLiteral("bert")) },
        } };
    const auto compare = [](MainWindow& w) -> CompareWindow* { return w.compareWindow(); };
    const auto comparePage = [compare](CompareWindow::Page page) {
        return [compare, page](MainWindow& w) {
            if (compare(w) != nullptr) {
                compare(w)->showPage(page);
            }
        };
    };
    const auto compared = [compare](MainWindow& w) {
        return compare(w) != nullptr && !compare(w)->isBusy() && compare(w)->result().contexts.size() == 3;
    };
    out << Tour { QStringLiteral("compare"), QObject::tr("Comparing models side by side"),
        {
            { QObject::tr("One sentence, three models"),
                QObject::tr("Compare > Compare Models… runs two to four models on one sentence. BERT, ALBERT and the "
                            "lightweight convolution fill the agreement blank with different verbs (top-1 agreement 0 %), "
                            "but all of them plural (jump, wait, sing; never jumps), past the singular \"cat\". The "
                            "tokens line up above, each model's candidates below, and the facts say ALBERT does it with "
                            "28 % of BERT's parameters."),
                [compare](MainWindow& w) {
                    CompareWindow* c = w.showCompareWindow();
                    const QStringList wanted { demoDir(QStringLiteral("bert")), demoDir(QStringLiteral("albert")),
                        demoDir(QStringLiteral("lightconv")) };
                    if (c->models() != wanted || c->result().contexts.size() != 3) {
                        c->setModels(wanted);
                        c->setText(kAgreement);
                        c->compare();
                    }
                    c->showPage(CompareWindow::Page::Predictions);
                },
                [compare](MainWindow& w) -> QWidget* { return compare(w) ? compare(w)->predictionBars(0)->parentWidget() : nullptr; },
                compared },
            { QObject::tr("Attention at the same depth"),
                QObject::tr("Each model's attention at one relative depth, for the mean of its heads. The lightweight "
                            "convolution has no attention: its kernels, drawn the same way, are a band a few words wide "
                            "around each word, the same for every sentence."),
                comparePage(CompareWindow::Page::Attention),
                [compare](MainWindow& w) -> QWidget* { return compare(w) ? compare(w)->attentionMap(2) : nullptr; }, compared },
            { QObject::tr("How far each model reads"),
                QObject::tr("The effective context: the share of the gradient at the middle word that comes from within "
                            "each distance. On a sentence this short all three read all of it (every curve reaches 1 at "
                            "its ends); the convolution leans most on the nearest words, ALBERT least. The slider above "
                            "moves the word; the receptive-fields tour shows a convolution's limit on longer text."),
                comparePage(CompareWindow::Page::EffectiveContext),
                [compare](MainWindow& w) -> QWidget* { return compare(w) ? compare(w)->contextPlot() : nullptr; }, compared },
        } };
    const auto fine = [](MainWindow& w) -> FineTuneWindow* { return w.fineTuneWindow(); };
    out << Tour { QStringLiteral("fine-tuning"), QObject::tr("Fine-tuning in practice"),
        {
            { QObject::tr("A task for a pretrained model"),
                QObject::tr("Train > Fine-Tune… teaches a model a task from a CSV, TSV or JSONL file: classify sentences, "
                            "tag words, or keep training its language model."),
                [](MainWindow& w) { w.showFineTuneWindow(); },
                fineTuneTarget(&FineTuneWindow::taskBox), {} },
            { QObject::tr("Gradient accumulation"),
                QObject::tr("Memory limits the batch. Accumulation adds the gradients of several micro-batches before one "
                            "optimizer step: 4 × 8 trains like a batch of 32 in the memory of 8."),
                {}, fineTuneTarget(&FineTuneWindow::accumulationBox), {} },
            { QObject::tr("Freezing layers"),
                QObject::tr("The first layers of a pretrained model hold general features: freezing them keeps their "
                            "weights, trains faster and guards a small dataset against overfitting."),
                {}, fineTuneTarget(&FineTuneWindow::freezeLayersBox), {} },
            { QObject::tr("Gradient checkpointing"),
                QObject::tr("Keep no activations inside the layers for the backward pass and compute them again there: "
                            "much less memory for about a third more time."),
                {}, fineTuneTarget(&FineTuneWindow::checkpointingBox), {} },
            { QObject::tr("Sliding windows over long text"),
                QObject::tr("A text longer than the model takes is cut into overlapping windows; a classifier averages "
                            "their predictions. Without it, everything past the maximum length is lost."),
                {}, fineTuneTarget(&FineTuneWindow::slidingBox), {} },
            { QObject::tr("Watch attention form"),
                QObject::tr("Tick this and give a sentence: its attention is kept at the first step, at intervals and at "
                            "the end, and the Attention forming tab scrubs through it as the loss falls (New… starts from "
                            "a random model). The example runs hold a GPT trained from scratch this way: its layer 1, "
                            "head 0 learns to look from \"to\" back at the person the book goes to."),
                [fine](MainWindow& w) {
                    if (fine(w) != nullptr && !fine(w)->watchBox()->isChecked()) {
                        fine(w)->watchBox()->setChecked(true);
                        fine(w)->probeEdit()->setText(QStringLiteral("tom and anna went to the park . tom gave a book to anna ."));
                    }
                },
                [fine](MainWindow& w) -> QWidget* { return fine(w) ? fine(w)->watchBox()->parentWidget() : nullptr; }, {} },
        } };
    return out;
}

TourGuide::TourGuide(MainWindow* window)
    : QObject(window)
    , window_(window)
    , tours_(tours())
{
    poll_.setInterval(100);
    connect(&poll_, &QTimer::timeout, this, &TourGuide::poll);
}

TourGuide::~TourGuide()
{
    delete panel_;
    delete outline_;
}

QString TourGuide::currentTour() const
{
    return tour_ >= 0 ? tours_.at(tour_).id : QString();
}

bool TourGuide::start(const QString& id, int step)
{
    for (int t = 0; t < tours_.size(); ++t) {
        if (tours_.at(t).id == id && step >= 0 && step < tours_.at(t).steps.size()) {
            tour_ = t;
            step_ = step;
            enterStep();
            return true;
        }
    }
    return false;
}

void TourGuide::next()
{
    if (tour_ < 0 || !ready_) {
        return;
    }
    if (step_ + 1 >= tours_.at(tour_).steps.size()) {
        QSettings().remove(QStringLiteral("tour"));
        close();
        Q_EMIT finished();
        return;
    }
    ++step_;
    enterStep();
}

void TourGuide::back()
{
    if (tour_ >= 0 && step_ > 0) {
        --step_;
        enterStep();
    }
}

void TourGuide::leave()
{
    if (tour_ < 0) {
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("tour/id"), tours_.at(tour_).id);
    settings.setValue(QStringLiteral("tour/step"), step_);
    close();
    Q_EMIT left();
}

QString TourGuide::savedTour() const
{
    return QSettings().value(QStringLiteral("tour/id")).toString();
}

int TourGuide::savedStep() const
{
    return QSettings().value(QStringLiteral("tour/step"), 0).toInt();
}

bool TourGuide::resume()
{
    const QString id = savedTour();
    return !id.isEmpty() && start(id, savedStep());
}

void TourGuide::close()
{
    poll_.stop();
    tour_ = -1;
    ready_ = false;
    if (target_) {
        target_->removeEventFilter(this);
    }
    target_ = nullptr;
    if (panel_) {
        panel_->hide();
    }
    if (outline_) {
        outline_->hide();
    }
}

void TourGuide::enterStep()
{
    const TourStep& s = tours_.at(tour_).steps.at(step_);
    ready_ = false;
    if (!panel_) {
        panel_ = new QFrame(window_);
        panel_->setObjectName(QStringLiteral("tourPanel"));
        panel_->setFrameShape(QFrame::StyledPanel);
        panel_->setStyleSheet(QStringLiteral("#tourPanel { background: #fffdf5; border: 2px solid #e69f00; border-radius: 8px; }"));
        auto* layout = new QVBoxLayout(panel_);
        title_ = new QLabel(panel_);
        QFont bold = title_->font();
        bold.setBold(true);
        bold.setPointSizeF(bold.pointSizeF() * 1.15);
        title_->setFont(bold);
        text_ = new QLabel(panel_);
        text_->setWordWrap(true);
        text_->setMinimumWidth(320);
        counter_ = new QLabel(panel_);
        auto* buttons = new QHBoxLayout;
        back_ = new QPushButton(tr("Back"), panel_);
        next_ = new QPushButton(tr("Next"), panel_);
        next_->setDefault(true);
        auto* leave = new QPushButton(tr("Leave"), panel_);
        leave->setToolTip(tr("Close the tour; Help > Tours > Resume continues here"));
        counter_->setStyleSheet(QStringLiteral("color: #6b6b6b;"));
        buttons->addStretch(1);
        buttons->addWidget(leave);
        buttons->addWidget(back_);
        buttons->addWidget(next_);
        layout->addWidget(counter_);
        layout->addWidget(title_);
        layout->addWidget(text_);
        layout->addLayout(buttons);
        connect(back_, &QPushButton::clicked, this, &TourGuide::back);
        connect(next_, &QPushButton::clicked, this, &TourGuide::next);
        connect(leave, &QPushButton::clicked, this, &TourGuide::leave);
        outline_ = new Outline(window_);
    }
    title_->setText(s.title);
    text_->setText(tr("Working…"));
    counter_->setText(tr("%1 · step %2 of %3").arg(tours_.at(tour_).title).arg(step_ + 1).arg(tours_.at(tour_).steps.size()));
    back_->setEnabled(step_ > 0);
    next_->setEnabled(false);
    next_->setText(step_ + 1 == tours_.at(tour_).steps.size() ? tr("Finish") : tr("Next"));
    if (target_) {
        target_->removeEventFilter(this);
    }
    target_ = nullptr;
    outline_->hide();
    place();
    panel_->show();
    panel_->raise();
    if (s.enter) {
        s.enter(*window_);
    }
    poll_.start();
    poll();
}

void TourGuide::poll()
{
    if (tour_ < 0) {
        poll_.stop();
        return;
    }
    const TourStep& s = tours_.at(tour_).steps.at(step_);
    if (s.ready && !s.ready(*window_)) {
        return; // the step's load or run is still going
    }
    poll_.stop();
    ready_ = true;
    text_->setText(s.text);
    next_->setEnabled(true);
    target_ = s.target ? s.target(*window_) : nullptr;
    if (target_) {
        target_->installEventFilter(this);
    }
    place();
    Q_EMIT stepShown(step_);
}

void TourGuide::place()
{
    // The panel and the outline live in the window of the widget the step talks about.
    QWidget* top = target_ ? target_->window() : window_;
    for (QWidget* w : { static_cast<QWidget*>(panel_), outline_.data() }) {
        if (w != nullptr && w->parentWidget() != top) {
            w->setParent(top);
        }
    }
    panel_->adjustSize();
    const QSize size = panel_->sizeHint().boundedTo(QSize(460, top->height()));
    panel_->resize(std::max(size.width(), 380), size.height());
    panel_->move(top->width() - panel_->width() - 24, top->height() - panel_->height() - 36);
    panel_->show();
    panel_->raise();
    if (target_ && target_->isVisible()) {
        const QRect r(target_->mapTo(top, QPoint(0, 0)), target_->size());
        outline_->setGeometry(r.adjusted(-5, -5, 5, 5));
        outline_->show();
        outline_->raise();
        panel_->raise();
    } else {
        outline_->hide();
    }
}

bool TourGuide::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == target_ && (event->type() == QEvent::Resize || event->type() == QEvent::Move
                                  || event->type() == QEvent::Show || event->type() == QEvent::Hide)) {
        place();
    }
    return QObject::eventFilter(watched, event);
}

} // namespace lumen::app
