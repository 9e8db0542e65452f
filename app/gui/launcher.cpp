// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "launcher.h"

#include "compare_window.h"

#include "demo_window.h"
#include "fine_tune_window.h"
#include "image_field_window.h"
#include "main_window.h"
#include "receptive_field_page.h"
#include "run_browser.h"
#include "tour.h"

#include "lumen/widgets/attention_timeline.h"
#include "lumen/widgets/attention_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QTabWidget>

#include <cstdio>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initLumenResources()
{
    Q_INIT_RESOURCE(lumen);
}

namespace lumen::app {

void initResources()
{
    initLumenResources();
}

Launcher::Launcher(MainWindow* window, const AppOptions& options, QObject* parent)
    : QObject(parent)
    , window_(window)
    , options_(options)
{
    watchdog_.setSingleShot(true);
    connect(&watchdog_, &QTimer::timeout, this, [this] {
        fail(tr("timed out after %1 s waiting for the model to load and run.")
                 .arg(kScreenshotTimeoutMs / 1000),
            2);
    });
}

void Launcher::start()
{
    AttentionController* attention = window_->attentionController();
    if (screenshotMode()) {
        window_->setInteractiveErrors(false);
        // Any error shown while taking a screenshot ends it: the picture would be wrong.
        connect(window_, &MainWindow::errorShown, this, [this](const QString& m) { fail(m); });
        watchdog_.start(kScreenshotTimeoutMs);
    }

    if (options_.present) {
        window_->setPresentationMode(true);
    }
    // On the first start the default project is new: it gets example runs of the demo models.
    const bool firstStart = options_.projectPath.isEmpty() && !QFileInfo::exists(ProjectController::defaultProjectPath());
    if (!options_.projectPath.isEmpty()) {
        if (!window_->openProject(options_.projectPath)) {
            return; // reported through errorShown
        }
    } else if (window_->projectController()->project() == nullptr) {
        return; // the default project could not be opened; reported
    }
    if (firstStart && !screenshotMode()) {
        window_->recordDemoRuns(ProjectController::defaultProjectPath());
    }

    if (!options_.imageModel.isEmpty()) {
        startImageModel();
        return;
    }
    if (!options_.trainJob.isEmpty()) {
        startTrainJob();
        return;
    }
    if (!options_.compareModels.isEmpty()) {
        startCompare();
        return;
    }
    if (!options_.tour.isEmpty()) {
        TourGuide* guide = window_->tourGuide();
        connect(guide, &TourGuide::stepShown, this, [this](int step) {
            if (screenshotMode() && step == options_.tourStep - 1) {
                QTimer::singleShot(300, this, &Launcher::takeScreenshot);
            }
        });
        // Walk to the step asked for, each step's work done first.
        connect(guide, &TourGuide::stepShown, this, [this, guide](int step) {
            if (step < options_.tourStep - 1) {
                QTimer::singleShot(0, guide, &TourGuide::next);
            }
        });
        if (!guide->start(options_.tour)) {
            fail(tr("there is no tour \"%1\" (tours: attention, masked-causal, receptive-fields, albert, fine-tuning).")
                     .arg(options_.tour));
        }
        return;
    }
    if (!options_.scene.isEmpty()) {
        connect(window_, &MainWindow::sceneShown, this, [this] {
            if (screenshotMode()) {
                QTimer::singleShot(300, this, &Launcher::takeScreenshot);
            }
        });
        if (!window_->openScene(options_.scene)) {
            fail(window_->lastError());
        }
        return;
    }

    // Without --model: the bundled demo (its model, sentence, layer and head), each of which
    // the command line may still override.
    const bool demo = options_.modelDir.isEmpty();
    const DemoProject demoSetup = demoProject();
    const QString modelDir = demo ? demoSetup.modelDir : options_.modelDir;
    text_ = options_.text;
    if (text_.isEmpty() && (demo || screenshotMode())) {
        text_ = demoSetup.text;
    }
    window_->textEdit()->setText(text_);
    window_->pairEdit()->setText(options_.target.isEmpty() ? options_.pair : options_.target);
    if (!options_.view.isEmpty()) {
        window_->showView(options_.view);
    }
    ReceptiveFieldPage* field = window_->receptiveFieldPage();
    for (const QString& dir : options_.fieldCompare) {
        field->addComparedModel(QFileInfo(dir).absoluteFilePath());
    }
    if (!options_.ablation.isEmpty()) {
        field->ablationBox()->setChecked(true);
        field->ablationModeBox()->setCurrentIndex(options_.ablation == QStringLiteral("shuffle") ? 1 : 0);
    }
    if (options_.logScale) {
        window_->attentionView()->logScale()->setChecked(true); // the other views follow
    }
    const int layer = options_.layer.value_or(demo ? demoSetup.layer : 0);
    const int head = options_.head.value_or(demo ? demoSetup.head : 0);
    window_->attentionView()->setLayer(layer);
    window_->attentionView()->setHead(head);

    connect(attention, &AttentionController::modelLoaded, this, [this] {
        if (!waitingForModel_) {
            return;
        }
        waitingForModel_ = false;
        if (!text_.isEmpty() && !window_->attentionController()->model().hasAttention) {
            // Run measures the receptive field instead of attention.
            if (screenshotMode()) {
                waitForField();
            }
            window_->runText(text_);
        } else if (!text_.isEmpty()) {
            waitingForRun_ = true;
            window_->runText(text_);
        }
    });
    connect(
        attention, &AttentionController::loadFailed, this, [this] { waitingForModel_ = false; });
    connect(attention, &AttentionController::attentionReady, this, [this] {
        if (!waitingForRun_) {
            return;
        }
        waitingForRun_ = false;
        const QString stacks[] = { QStringLiteral("encoder"), QStringLiteral("decoder"),
            QStringLiteral("cross") };
        for (int i = 1; i < 3; ++i) {
            if (options_.stack == stacks[i]) {
                // After this handler: the run's own attentionReady reaches every view first.
                QTimer::singleShot(0, this, [this, i] {
                    if (!window_->attentionController()->setStack(
                            static_cast<AttentionController::Stack>(i))) {
                        fail(tr("--stack %1: the run has no decoder (is the model "
                                "encoder-decoder?).")
                                 .arg(options_.stack));
                    }
                });
            }
        }
        bool waitingForSnapshots = false;
        if (options_.runs) {
            RunBrowser* browser = window_->showRunBrowser();
            if (options_.compareRuns.size() >= 2) {
                browser->table()->selectIds(options_.compareRuns);
            } else if (options_.showRun > 0) {
                browser->showRun(options_.showRun);
                if (browser->snapshotsPending()) {
                    // A train run's snapshots are read on a worker: choose one (and take the
                    // screenshot) once they are on its page.
                    waitingForSnapshots = true;
                    connect(browser, &RunBrowser::snapshotsShown, this, [this, browser](qint64) {
                        showSnapshot(browser->page()->timeline());
                        if (screenshotMode()) {
                            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
                        }
                    }, Qt::SingleShotConnection);
                }
            } else if (const qint64 newest = browser->table()->idAtRow(0)) {
                browser->showRun(newest);
            }
        }
        if (!options_.demo.isEmpty()) {
            startDemo();
            return; // the screenshot follows the demo
        }
        if (waitingForSnapshots) {
            return; // the screenshot follows the snapshots
        }
        if (screenshotMode() && (options_.view == QStringLiteral("field") || options_.view == QStringLiteral("cone"))) {
            waitForField(); // the field view measures on the worker after the run
        } else if (screenshotMode()) {
            // Let queued replots (label thinning after the first layout) land first.
            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
        }
    });
    connect(attention, &AttentionController::runCancelled, this, [this] {
        if (waitingForRun_) {
            fail(tr("the run was cancelled."));
        }
    });

    waitingForModel_ = true;
    window_->openModel(modelDir);
}

void Launcher::showSnapshot(widgets::AttentionTimeline* timeline)
{
    if (timeline->count() == 0) {
        return;
    }
    if (options_.layer) {
        timeline->view()->setLayer(*options_.layer);
    }
    if (options_.head) {
        timeline->view()->setHead(*options_.head);
    }
    if (options_.snapshotStep) {
        // The snapshot nearest the step asked for.
        int best = 0;
        for (int k = 0; k < timeline->count(); ++k) {
            const qint64 step = timeline->snapshots()[static_cast<size_t>(k)].step;
            if (std::llabs(step - *options_.snapshotStep)
                < std::llabs(timeline->snapshots()[static_cast<size_t>(best)].step - *options_.snapshotStep)) {
                best = k;
            }
        }
        timeline->setCurrent(best);
    }
}

void Launcher::waitForField()
{
    ReceptiveFieldPage* page = window_->receptiveFieldPage();
    connect(page, &ReceptiveFieldPage::ready, this, [this] { QTimer::singleShot(300, this, &Launcher::takeScreenshot); },
        Qt::SingleShotConnection);
    connect(page, &ReceptiveFieldPage::failed, this,
        [this](const QString& message) { fail(tr("the receptive field: %1").arg(message)); }, Qt::SingleShotConnection);
}

void Launcher::startImageModel()
{
    ImageFieldWindow* images = window_->showImageFieldWindow();
    if (!options_.image.isEmpty() && !images->openImage(QFileInfo(options_.image).absoluteFilePath())) {
        fail(images->statusLabel()->text());
        return;
    }
    connect(images, &ImageFieldWindow::measured, this, [this] {
        if (screenshotMode()) {
            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
        }
    });
    connect(images, &ImageFieldWindow::failed, this, [this](const QString& m) {
        if (screenshotMode()) {
            fail(m);
        }
    });
    images->openModel(QFileInfo(options_.imageModel).absoluteFilePath());
}

void Launcher::startTrainJob()
{
    FineTuneWindow* train = window_->showFineTuneWindow();
    engine::TrainJob job;
    try {
        job = engine::loadTrainJob(QFileInfo(options_.trainJob).absoluteFilePath().toStdString());
    } catch (const std::exception& e) {
        fail(QString::fromUtf8(e.what()));
        return;
    }
    train->setJob(job);
    if (!job.attentionProbe.empty()) {
        train->tabs()->setCurrentWidget(train->timeline()); // watch it form
    }
    connect(train, &FineTuneWindow::finished, this, [this, train](int status) {
        showSnapshot(train->timeline());
        if (status == static_cast<int>(engine::JobStatus::Failed)) {
            fail(train->statusLabel()->text());
        } else if (screenshotMode()) {
            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
        }
    });
    if (!train->start()) {
        fail(train->statusLabel()->text());
    }
}

void Launcher::startCompare()
{
    CompareWindow* compare = window_->showCompareWindow();
    QStringList dirs;
    for (const QString& d : options_.compareModels) {
        dirs << QFileInfo(d).absoluteFilePath();
    }
    compare->setModels(dirs);
    // --view picks the tab: heatmap / heads the attention, field / cone the effective context.
    const QString view = options_.view;
    compare->showPage(view == QStringLiteral("heatmap") || view == QStringLiteral("heads") ? CompareWindow::Page::Attention
            : view == QStringLiteral("field") || view == QStringLiteral("cone")            ? CompareWindow::Page::EffectiveContext
                                                                                           : CompareWindow::Page::Predictions);
    connect(compare, &CompareWindow::compared, this, [this, compare] {
        if (options_.layer) {
            compare->setAttentionLayer(*options_.layer);
        }
    });
    compare->setText(options_.text.isEmpty() ? QStringLiteral("The capital of France is [MASK].") : options_.text);
    compare->setPair(options_.pair);
    connect(compare, &CompareWindow::compared, this, [this] {
        if (screenshotMode()) {
            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
        }
    });
    connect(compare, &CompareWindow::failed, this, [this](const QString& m) { fail(m); });
    if (!compare->compare()) {
        fail(compare->statusLabel()->text());
    }
}

void Launcher::startDemo()
{
    DemoKind kind = DemoKind::FillMask;
    demoKindFromName(options_.demo, &kind);
    DemoWindow* demos = window_->showDemos(kind);
    const QStringList texts = options_.demoTexts.isEmpty() ? QStringList { text_ } : options_.demoTexts;
    demos->setInput(kind, texts.join(QLatin1Char('\n')));
    DemoController* controller = window_->demoController();
    connect(controller, &DemoController::ready, this, [this] {
        if (screenshotMode()) {
            QTimer::singleShot(300, this, &Launcher::takeScreenshot);
        }
    });
    connect(controller, &DemoController::failed, this, [this](const QString& m) { fail(m); });
    connect(controller, &DemoController::cancelled, this, [this] { fail(tr("the demo was cancelled.")); });
    demos->runPage();
}

void Launcher::takeScreenshot()
{
    if (done_) {
        return;
    }
    QWidget* shown = !options_.tour.isEmpty() && window_->tourGuide()->outlinedWidget() != nullptr
        ? window_->tourGuide()->outlinedWidget()->window()
        : !options_.trainJob.isEmpty() && window_->fineTuneWindow() != nullptr
        ? static_cast<QWidget*>(window_->fineTuneWindow())
        : !options_.compareModels.isEmpty() && window_->compareWindow() != nullptr
        ? static_cast<QWidget*>(window_->compareWindow())
        : !options_.imageModel.isEmpty() && window_->imageFieldWindow() != nullptr
        ? static_cast<QWidget*>(window_->imageFieldWindow())
        : !options_.demo.isEmpty() && window_->demoWindow() != nullptr
        ? static_cast<QWidget*>(window_->demoWindow())
        : options_.runs && window_->runBrowser() != nullptr
        ? static_cast<QWidget*>(window_->runBrowser())
        : static_cast<QWidget*>(window_);
    const QString path = QFileInfo(options_.screenshotPath).absoluteFilePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (options_.slide) {
        const QString problem = window_->exportSlide(path);
        if (!problem.isEmpty()) {
            fail(problem);
            return;
        }
        done_ = true;
        watchdog_.stop();
        std::fprintf(stdout, "%s\n", qPrintable(tr("Slide written to %1").arg(path)));
        std::fflush(stdout);
        Q_EMIT finished(0);
        return;
    }
    const QPixmap shot = shown->grab();
    if (shot.isNull() || !shot.save(path, "PNG")) {
        fail(tr("could not write the screenshot to %1.").arg(path));
        return;
    }
    done_ = true;
    watchdog_.stop();
    std::fprintf(stdout, "%s\n", qPrintable(tr("Screenshot written to %1").arg(path)));
    std::fflush(stdout);
    Q_EMIT finished(0);
}

void Launcher::fail(const QString& message, int exitCode)
{
    if (done_ || !screenshotMode()) {
        return;
    }
    done_ = true;
    watchdog_.stop();
    std::fprintf(stderr, "lumen: %s\n", qPrintable(message));
    std::fflush(stderr);
    Q_EMIT finished(exitCode);
}

} // namespace lumen::app
