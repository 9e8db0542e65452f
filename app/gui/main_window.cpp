// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "main_window.h"
#include "app_options.h"
#include "scene.h"
#include "tour.h"

#include "compare_window.h"

#include "about_dialog.h"
#include "attention_export.h"
#include "cache_dialog.h"
#include "demo_window.h"
#include "new_model_dialog.h"
#include "receptive_field_page.h"
#include "download_dialog.h"
#include "fine_tune_window.h"
#include "image_field_window.h"
#include "model_panel_data.h"
#include "run_browser.h"

#include "lumen/engine/system_info.h"
#include "lumen/projects/project.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/head_stats_table.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/slide.h"
#include "lumen/widgets/model_panel.h"
#include "lumen/widgets/model_view.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QProcess>
#include <QCoreApplication>
#include <QInputDialog>
#include <QTimer>
#include <QShortcut>
#include <QPdfWriter>
#include <QPainter>
#include <QTabBar>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QFutureWatcher>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace lumen::app {

namespace {

/// The first dropped URL when it is a local folder, else empty.
QString droppedFolder(const QMimeData* mime)
{
    if (mime == nullptr || !mime->hasUrls() || mime->urls().isEmpty()) {
        return {};
    }
    const QUrl url = mime->urls().constFirst();
    if (!url.isLocalFile()) {
        return {};
    }
    const QFileInfo info(url.toLocalFile());
    return info.isDir() ? info.absoluteFilePath() : QString();
}

QString pairToolTip()
{
    return MainWindow::tr("Give a second text to run the two as a pair (segment A and B, as "
                          "for next-sentence prediction or question answering); the views "
                          "mark where text B starts");
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("lumenMainWindow"));
    setAcceptDrops(true);
    projects_ = new ProjectController(this);
    attention_ = new AttentionController(projects_, this);
    demos_ = new DemoController(attention_, projects_, this);

    buildMenus();
    buildCentre();
    buildStatusBar();
    buildModelDock();

    connect(projects_, &ProjectController::errorOccurred, this, &MainWindow::showError);
    connect(projects_, &ProjectController::projectChanged, this, [this](const QString& path) {
        projectLabel_->setText(tr("Project: %1").arg(QFileInfo(path).fileName()));
        projectLabel_->setToolTip(path);
        updateTitle();
        reportMissingArtifacts();
    });

    connect(attention_, &AttentionController::busyChanged, this, &MainWindow::onBusyChanged);
    connect(attention_, &AttentionController::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(attention_, &AttentionController::loadFailed, this,
        [this](const QString& dir, const QString& message) {
            QString text = tr("Could not open the model folder “%1”.").arg(dir);
            if (attention_->hasModel()) {
                text += tr(" %1 stays loaded.").arg(attention_->model().architecture);
            }
            showError(tr("Could not open the model"), text + QStringLiteral("\n\n") + message);
        });
    connect(
        attention_, &AttentionController::attentionReady, view_, &widgets::AttentionView::setData);
    connect(attention_, &AttentionController::attentionReady, flowPage_, &FlowPage::setAttention);
    // The receptive field measures the text that ran, when its tab is shown.
    connect(attention_, &AttentionController::attentionReady, fieldPage_,
        [this] {
            if (views_->currentWidget() == fieldPage_ && !fieldPage_->isBusy()) {
                fieldPage_->measure();
            }
        });
    connect(views_, &QTabWidget::currentChanged, this, [this](int index) {
        if (views_->widget(index) == fieldPage_ && !fieldPage_->isBusy()) {
            fieldPage_->measure();
        }
    });
    connect(
        attention_, &AttentionController::attentionReady, headView_, &widgets::HeadView::setData);
    connect(
        attention_, &AttentionController::attentionReady, modelView_, &widgets::ModelView::setData);
    connect(attention_, &AttentionController::attentionReady, statsTable_,
        [this](const widgets::AttentionSet& set) {
            statsTable_->clear();
            if (!set.isSelf()) {
                statsTable_->setNote(tr("Cross-attention has no head statistics: its keys are "
                                        "the encoder's tokens, so distances, previous-token "
                                        "and self shares do not apply. Show the encoder or "
                                        "the decoder."));
            } else if (set.name.isEmpty()) {
                statsTable_->setNote(QString());
            } else {
                statsTable_->setNote(tr("Heads of the %1's self-attention").arg(set.name.toLower()));
            }
            updateStackBar();
        });
    // Once every view has the data, they show the heatmap's layer and head (chosen before
    // the first run, e.g. by --layer, the heatmap only remembered them).
    connect(attention_, &AttentionController::attentionReady, this, [this] {
        headView_->setLayer(view_->layer());
        modelView_->setSelectedHead(view_->layer(), qMax(0, view_->head()));
    });
    connect(attention_, &AttentionController::statisticsReady, statsTable_,
        &widgets::HeadStatsTable::setData);
    connect(attention_, &AttentionController::flowReady, flowPage_, &FlowPage::setResult);
    connect(flowPage_, &FlowPage::computeRequested, attention_,
        [this](AttentionController::FlowMethod method, int layer) {
            attention_->computeFlow(method, layer);
        });
    // A head picked in the statistics opens in the heatmap; a token clicked anywhere is
    // highlighted everywhere.
    connect(statsTable_, &widgets::HeadStatsTable::headActivated, this,
        [this](int layer, int head) { showHead(layer, head); });
    connect(attention_, &AttentionController::windowShown, this, &MainWindow::onWindowShown);
    connect(previousWindow_, &QPushButton::clicked, this,
        [this] { attention_->showWindow(attention_->currentWindow() - 1); });
    connect(nextWindow_, &QPushButton::clicked, this,
        [this] { attention_->showWindow(attention_->currentWindow() + 1); });
    connect(strideBox_, &QSpinBox::valueChanged, attention_, &AttentionController::setStride);
    connect(modelView_, &widgets::ModelView::headActivated, this,
        [this](int layer, int head) { showHead(layer, head); });
    connect(view_, &widgets::AttentionView::tokenClicked, this, &MainWindow::highlightToken);
    connect(headView_, &widgets::HeadView::tokenClicked, this, &MainWindow::highlightToken);
    // The layer is shared: the heatmap's selection moves the head view and the model
    // view's outline, and the head view's layer moves the heatmap.
    connect(view_, &widgets::AttentionView::layerChanged, this, [this](int layer) {
        headView_->setLayer(layer);
        modelView_->setSelectedHead(layer, qMax(0, view_->head()));
    });
    connect(view_, &widgets::AttentionView::headChanged, this,
        [this](int head) { modelView_->setSelectedHead(view_->layer(), qMax(0, head)); });
    connect(headView_, &widgets::HeadView::layerChanged, view_, &widgets::AttentionView::setLayer);
    connect(flowPage_, &FlowPage::tokenClicked, this, &MainWindow::highlightToken);
    // The colour scale is shared too: log in one view is log in all three.
    const auto setLogScale = [this](bool on) {
        view_->logScale()->setChecked(on);
        headView_->setLogScale(on);
        modelView_->setLogScale(on);
    };
    connect(view_->logScale(), &QCheckBox::toggled, this, setLogScale);
    connect(headView_->logBox(), &QCheckBox::toggled, this, setLogScale);
    connect(modelView_->logBox(), &QCheckBox::toggled, this, setLogScale);
    connect(attention_, &AttentionController::attentionReady, this,
        [this](const widgets::AttentionSet& set) {
            const QString tokens = set.isSelf()
                ? tr("%1 tokens").arg(set.seq)
                : tr("%1 decoder × %2 encoder tokens").arg(set.seq).arg(set.keySeq);
            statusBar()->showMessage(
                tr("%1, %2 layers × %3 heads").arg(tokens).arg(set.layers).arg(set.heads), 8000);
        });
    connect(attention_, &AttentionController::runFailed, this,
        [this](const QString& message) { showError(tr("Could not run the model"), message); });
    connect(attention_, &AttentionController::runReopened, this,
        [this](qint64 runId, const QString& text, const QString& pair) {
            textEdit_->setText(text);
            const AttentionRecord& record = attention_->lastRecord();
            pairEdit_->setText(record.hasDecoder() ? record.target : pair);
            statusBar()->showMessage(
                tr("Run %1 reopened from the project (the model did not run)").arg(runId), 8000);
        });
    connect(attention_, &AttentionController::artifactFailed, this,
        [this](qint64, const QString& message) { statusBar()->showMessage(message, 10000); });
    connect(attention_, &AttentionController::runCancelled, this,
        [this] { statusBar()->showMessage(tr("Run cancelled"), 5000); });
    connect(attention_, &AttentionController::progressChanged, this,
        [this](double fraction, const QString&) {
            if (fraction > 0.0 && fraction < 1.0) {
                busyBar_->setRange(0, 100);
                busyBar_->setValue(static_cast<int>(fraction * 100));
            }
        });
    connect(view_->heatmap(), &widgets::AttentionHeatmap::cellHovered, this,
        [this](int query, int key, float) {
            statusBar()->showMessage(view_->heatmap()->cellText(query, key));
        });
    connect(view_->heatmap(), &widgets::AttentionHeatmap::hoverCleared, statusBar(),
        &QStatusBar::clearMessage);
    // The run records which layer and head the user was looking at.
    auto selection = [this] { attention_->setSelection(view_->layer(), view_->head()); };
    connect(view_, &widgets::AttentionView::layerChanged, this, selection);
    connect(view_, &widgets::AttentionView::headChanged, this, selection);

    updateTitle();
    resize(1280, 800);
}

MainWindow::~MainWindow()
{
    // A demo still running stops at its next step, then the attention controller stops the
    // worker thread before anything else goes (the demo's run is left Running, and marked
    // Interrupted once its project closes, as an attention run cut short is).
    demos_->cancel();
    delete attention_;
    attention_ = nullptr;
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newProject = file->addAction(tr("&New Project…"), this, &MainWindow::newProject);
    newProject->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    QAction* openProject = file->addAction(tr("Open &Project…"), this, &MainWindow::chooseProject);
    openProject->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    file->addSeparator();
    QAction* openModel = file->addAction(tr("Open &Model…"), this, &MainWindow::chooseModel);
    openModel->setShortcut(QKeySequence::Open);
    QMenu* demoMenu = file->addMenu(tr("Open D&emo Model"));
    demoMenu->setToolTipsVisible(true);
    demoMenu->setToolTip(tr("The tiny models bundled with Lumen, trained on sentences with visible structure"));
    const QList<DemoModelEntry> demoEntries = demoModels();
    for (const DemoModelEntry& entry : demoEntries) {
        QAction* a = demoMenu->addAction(entry.title, this, [this, dir = entry.dir] { this->openModel(dir); });
        a->setToolTip(entry.about);
        a->setObjectName(QStringLiteral("demoModel-") + entry.name);
    }
    demoMenu->setEnabled(!demoEntries.isEmpty());
    QAction* openCached =
        file->addAction(tr("Open from &Cache…"), this, [this] { showCacheDialog(); });
    openCached->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
    openCached->setToolTip(tr("Open a model you downloaded with Python (Hugging Face cache)"));
    QAction* download =
        file->addAction(tr("&Download Model…"), this, [this] { showDownloadDialog(); });
    QAction* newModel = file->addAction(tr("New Mo&del…"), this, [this] { showNewModelDialog(); });
    newModel->setToolTip(tr("A new, randomly initialised model: a lightweight, dynamic or dilated "
                            "convolution, WaveNet, an LSTM or a Transformer, with chosen sizes"));
    download->setToolTip(tr("Download a model by name from the Hugging Face hub"));
    QAction* imageModel = file->addAction(tr("Open &Image Model…"), this, [this] {
        ImageFieldWindow* window = showImageFieldWindow();
        const QString path = QFileDialog::getOpenFileName(window, tr("Open a TorchScript Image Model"), QString(),
            tr("TorchScript (*.pt *.pth *.ts);;All files (*)"));
        if (!path.isEmpty()) {
            window->openModel(path);
        }
    });
    imageModel->setToolTip(tr("A TorchScript CNN that takes an image: its receptive field, read from its layers "
                              "and measured by gradient over an image"));
    file->addSeparator();
    QAction* openScene = file->addAction(tr("Open &Scene…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a Scene"), QString(),
            tr("Lumen scenes (*.lumenscene);;All files (*)"));
        if (!path.isEmpty()) {
            this->openScene(path);
        }
    });
    openScene->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S));
    openScene->setToolTip(tr("Restore a saved screen: model, input, view, layer, head, token and notes"));
    file->addAction(tr("Save Scene &As…"), this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Save the Screen as a Scene"), QString(),
            tr("Lumen scenes (*.lumenscene)"));
        if (!path.isEmpty()) {
            if (!path.endsWith(QStringLiteral(".lumenscene"))) {
                path += QStringLiteral(".lumenscene");
            }
            const QString problem = saveScene(path, false);
            problem.isEmpty() ? statusBar()->showMessage(tr("Saved the scene to %1").arg(QFileInfo(path).fileName()), 5000)
                              : showError(tr("Could not save the scene"), problem);
        }
    });
    file->addAction(tr("Add Scene to a &Deck…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Add the Screen to a Scene File"), QString(),
            tr("Lumen scenes (*.lumenscene)"), nullptr, QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty()) {
            const QString problem = saveScene(path, true);
            problem.isEmpty() ? statusBar()->showMessage(tr("Added the scene to %1").arg(QFileInfo(path).fileName()), 5000)
                              : showError(tr("Could not add the scene"), problem);
        }
    });
    file->addSeparator();
    QAction* exportProject = file->addAction(tr("E&xport Project…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this,
            tr("Export the project as one archive"), QString(), tr("Tar archive (*.tar)"));
        if (!path.isEmpty()) {
            exportProjectArchive(path.endsWith(QLatin1String(".tar")) ? path : path + QStringLiteral(".tar"));
        }
    });
    exportProject->setToolTip(tr("The project file and every artifact in one .tar file, to "
                                 "share or keep"));
    file->addAction(tr("&Import Project…"), this, [this] {
        const QString archive = QFileDialog::getOpenFileName(
            this, tr("Import a project archive"), QString(), tr("Tar archive (*.tar)"));
        if (archive.isEmpty()) {
            return;
        }
        QString target = QFileDialog::getSaveFileName(this, tr("Save the imported project as"),
            QFileInfo(archive).completeBaseName() + QStringLiteral(".lumen"),
            tr("Lumen projects (*.lumen)"), nullptr, QFileDialog::DontConfirmOverwrite);
        if (!target.isEmpty()) {
            importProjectArchive(archive, target.endsWith(QLatin1String(".lumen"))
                    ? target
                    : target + QStringLiteral(".lumen"));
        }
    });
    file->addSeparator();
    QAction* browse = file->addAction(tr("&Browse Runs…"), this, [this] { showRunBrowser(); });
    browse->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    browse->setToolTip(tr("Every run of the project: find, compare, annotate, delete, export"));
    QAction* reopen =
        file->addAction(tr("&Reopen Attention Run…"), this, [this] { chooseSavedRun(); });
    reopen->setToolTip(tr("Show a run of this project again from the attention it kept, "
                          "without the model"));
    QMenu* exportMenu = file->addMenu(tr("&Export"));
    exportMenu->addAction(tr("View &Image (PNG, SVG, PDF)…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the view as an image"), QString(), imageFilters());
        if (!path.isEmpty()) {
            exportViewImage(path);
        }
    });
    QAction* copy = exportMenu->addAction(tr("&Copy View Image"), this, [this] {
        setFigureMode(true);
        copyImage(currentView());
        setFigureMode(false);
        statusBar()->showMessage(tr("The view is on the clipboard."), 4000);
    });
    copy->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    exportMenu->addAction(tr("&Shown Map (CSV, NPY, safetensors)…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the map shown"),
            QString(), tr("CSV table (*.csv);;NumPy array (*.npy);;safetensors (*.safetensors)"));
        if (!path.isEmpty()) {
            exportShownMap(path);
        }
    });
    exportMenu->addAction(tr("&All Attention (safetensors, NPY, CSV)…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export every layer's and head's attention"), QString(), tensorFilters());
        if (!path.isEmpty()) {
            exportAllAttention(path);
        }
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    nextScene_ = viewMenu_->addAction(tr("&Next Scene"), this, [this] { showScene(sceneIndex_ + 1); });
    nextScene_->setShortcuts({ QKeySequence(Qt::Key_PageDown), QKeySequence(Qt::CTRL | Qt::Key_Right) });
    previousScene_ = viewMenu_->addAction(tr("&Previous Scene"), this, [this] { showScene(sceneIndex_ - 1); });
    previousScene_->setShortcuts({ QKeySequence(Qt::Key_PageUp), QKeySequence(Qt::CTRL | Qt::Key_Left) });
    nextScene_->setEnabled(false);
    previousScene_->setEnabled(false);
    viewMenu_->addAction(tr("&Caption…"), this, [this] {
        bool ok = false;
        const QString text = QInputDialog::getMultiLineText(this, tr("Caption"),
            tr("A note shown above the views (saved with the scene):"), caption_->property("caption").toString(), &ok);
        if (ok) {
            setCaption(text);
        }
    });
    QAction* present = viewMenu_->addAction(tr("P&resentation Mode"), this, [this] { setPresentationMode(!presenting_); });
    present->setShortcut(QKeySequence(Qt::Key_F5));
    // On the window too: a hidden menu bar (presentation mode) takes its shortcuts with it.
    addActions({ nextScene_, previousScene_, present });
    present->setToolTip(tr("Full screen, large type, one view at a time: ←/→ views, ↑/↓ heads, Shift+↑/↓ layers, "
                           "Page Down/Up scenes, Esc leaves"));
    viewMenu_->addAction(tr("Export &Slide…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the View as a Slide"), QString(),
            tr("PNG image (*.png);;PDF page (*.pdf)"));
        if (!path.isEmpty()) {
            const QString problem = exportSlide(path);
            problem.isEmpty() ? statusBar()->showMessage(tr("Wrote the slide %1").arg(QFileInfo(path).fileName()), 5000)
                              : showError(tr("Could not export the slide"), problem);
        }
    });
    // Presentation keys: only while presenting (the text box is hidden then).
    const auto presentKey = [this](QKeySequence key, auto action) {
        auto* shortcut = new QShortcut(key, this);
        shortcut->setEnabled(false);
        connect(shortcut, &QShortcut::activated, this, action);
        presentationKeys_ << shortcut;
    };
    presentKey(QKeySequence(Qt::Key_Right), [this] { views_->setCurrentIndex((views_->currentIndex() + 1) % views_->count()); });
    presentKey(QKeySequence(Qt::Key_Left),
        [this] { views_->setCurrentIndex((views_->currentIndex() + views_->count() - 1) % views_->count()); });
    presentKey(QKeySequence(Qt::Key_Down), [this] { view_->setHead(view_->head() + 1); });
    presentKey(QKeySequence(Qt::Key_Up), [this] { view_->setHead(std::max(0, view_->head() - 1)); });
    presentKey(QKeySequence(Qt::SHIFT | Qt::Key_Down), [this] { view_->setLayer(view_->layer() + 1); });
    presentKey(QKeySequence(Qt::SHIFT | Qt::Key_Up), [this] { view_->setLayer(std::max(0, view_->layer() - 1)); });
    presentKey(QKeySequence(Qt::Key_Escape), [this] { setPresentationMode(false); });
    viewMenu_->addSeparator();

    QMenu* demos = menuBar()->addMenu(tr("&Demos"));
    const std::tuple<QString, DemoKind, QKeySequence> demoActions[] = {
        { tr("&Fill Mask…"), DemoKind::FillMask, QKeySequence(Qt::CTRL | Qt::Key_M) },
        { tr("&Generate…"), DemoKind::Generate, QKeySequence(Qt::CTRL | Qt::Key_G) },
        { tr("&Score a Text…"), DemoKind::Score, QKeySequence() },
        { tr("Sentence Si&milarity…"), DemoKind::Similarity, QKeySequence() },
    };
    for (const auto& [label, kind, shortcut] : demoActions) {
        QAction* action = demos->addAction(label, this, [this, kind = kind] { showDemos(kind); });
        action->setShortcut(shortcut);
    }

    QMenu* train = menuBar()->addMenu(tr("&Train"));
    QAction* fineTune = train->addAction(tr("&Fine-Tune…"), this, [this] { showFineTuneWindow(); });
    fineTune->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    fineTune->setToolTip(tr("Fine-tune the open model on a CSV, TSV, JSONL, CoNLL or text file"));

    QMenu* compare = menuBar()->addMenu(tr("&Compare"));
    QAction* compareModels = compare->addAction(tr("Compare &Models…"), this, [this] { showCompareWindow(); });
    compareModels->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    compareModels->setToolTip(tr("Two to four models on the same sentence: tokens, predictions, agreement, facts"));

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QMenu* toursMenu = help->addMenu(tr("&Tours"));
    QAction* resumeTour = toursMenu->addAction(tr("&Resume"), this, [this] { tourGuide()->resume(); });
    resumeTour->setObjectName(QStringLiteral("resumeTour"));
    toursMenu->addSeparator();
    for (const Tour& t : tours()) {
        QAction* a = toursMenu->addAction(t.title, this, [this, id = t.id] { tourGuide()->start(id); });
        a->setObjectName(QStringLiteral("tour-") + t.id);
    }
    connect(toursMenu, &QMenu::aboutToShow, this, [this, resumeTour] {
        const QString saved = tourGuide()->savedTour();
        QString title;
        for (const Tour& t : tours()) {
            title = t.id == saved ? t.title : title;
        }
        resumeTour->setEnabled(!title.isEmpty());
        resumeTour->setText(title.isEmpty() ? tr("&Resume") : tr("&Resume “%1” at step %2").arg(title).arg(tourGuide()->savedStep() + 1));
    });
    QAction* demoRuns = help->addAction(tr("Record &Example Runs"), this, [this] {
        if (projects_->project() != nullptr) {
            recordDemoRuns(projects_->projectPath());
        }
    });
    demoRuns->setToolTip(tr("Run the bundled demo models as a first look would and record the runs in this project"));
    help->addAction(tr("&About Lumen"), this, &MainWindow::showAbout);
}

void MainWindow::setCaption(const QString& caption, const QList<SceneNote>& notes)
{
    caption_->setProperty("caption", caption);
    sceneNotes_ = notes;
    QStringList lines;
    if (!caption.trimmed().isEmpty()) {
        lines << caption.trimmed();
    }
    const QStringList tokens = attention_->hasModel() ? attention_->lastAttention().tokens : QStringList {};
    for (const SceneNote& n : notes) {
        const QString token = n.token >= 0 && n.token < tokens.size() ? tokens.at(n.token).trimmed() : tr("token %1").arg(n.token);
        lines << QStringLiteral("“%1”: %2").arg(token, n.note);
    }
    caption_->setText(lines.join(QLatin1Char('\n')));
    caption_->setVisible(!lines.isEmpty());
}

TourGuide* MainWindow::tourGuide()
{
    if (tourGuide_ == nullptr) {
        tourGuide_ = new TourGuide(this);
    }
    return tourGuide_;
}

namespace {

/// Presentation mode's thick lines: while `on`, every graph of `plot` is drawn 2.5 times as
/// wide as it was made (also graphs made later: the widths are set before each replot).
void setThickLines(QCustomPlot* plot, bool on)
{
    constexpr double kFactor = 2.5;
    plot->setProperty("lumenThickLines", on);
    if (!plot->property("lumenThickHooked").toBool()) {
        plot->setProperty("lumenThickHooked", true);
        QObject::connect(plot, &QCustomPlot::beforeReplot, plot, [plot] {
            const bool thick = plot->property("lumenThickLines").toBool();
            for (int i = 0; i < plot->graphCount(); ++i) {
                QCPGraph* g = plot->graph(i);
                QVariant base = g->property("lumenBaseWidth");
                if (!base.isValid()) {
                    base = g->pen().widthF();
                    g->setProperty("lumenBaseWidth", base);
                }
                QPen pen = g->pen();
                pen.setWidthF(base.toDouble() * (thick ? kFactor : 1.0));
                g->setPen(pen);
            }
        });
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace

void MainWindow::setPresentationMode(bool on)
{
    if (on == presenting_) {
        return;
    }
    presenting_ = on;
    if (on) {
        normalFont_ = font();
        QFont large = normalFont_;
        large.setPointSizeF(normalFont_.pointSizeF() * 1.6);
        setFont(large);
        captionFont_ = caption_->font(); // set explicitly, so it does not follow the window's
        QFont caption = captionFont_;
        caption.setPointSizeF(captionFont_.pointSizeF() * 1.6);
        caption_->setFont(caption);
        modelDockWasVisible_ = modelDock_->isVisible();
        modelDock_->hide();
        menuBar()->hide();
        statusBar()->hide();
        inputRow_->hide();
        views_->tabBar()->hide();
        setFigureMode(true); // the views' own controls: the keys do their work
        // Colour-blind-safe, high-contrast maps (cividis), whatever was chosen; thick lines.
        view_->heatmap()->setGradient(widgets::AttentionHeatmap::Gradient::Cividis);
        headView_->setLineWidth(2.5);
        showFullScreen();
        views_->setFocus();
    } else {
        setFont(normalFont_);
        caption_->setFont(captionFont_);
        menuBar()->show();
        statusBar()->show();
        inputRow_->show();
        views_->tabBar()->show();
        setFigureMode(false);
        modelDock_->setVisible(modelDockWasVisible_);
        headView_->setLineWidth(1.0);
        showNormal();
    }
    for (QCustomPlot* plot : views_->findChildren<QCustomPlot*>()) {
        setThickLines(plot, on);
    }
    for (QShortcut* s : std::as_const(presentationKeys_)) {
        s->setEnabled(on);
    }
    Q_EMIT presentationModeChanged(on);
}

QString MainWindow::exportSlide(const QString& path, QSize size)
{
    QWidget* shown = currentView();
    setFigureMode(true);
    const QPixmap picture = shown->grab();
    setFigureMode(false);
    if (picture.isNull()) {
        return tr("There is nothing to export yet: run a text first.");
    }
    // A 16:9 slide: the scene's title or the model as the heading, the caption under it,
    // the view filling the rest.
    const QString heading = sceneIndex_ >= 0 && sceneIndex_ < scenes_.size() && !scenes_.at(sceneIndex_).title.isEmpty()
        ? scenes_.at(sceneIndex_).title
        : (attention_->hasModel() ? QFileInfo(attention_->model().dir).fileName() + QStringLiteral(": ") + textEdit_->text()
                                  : QString());
    const QString caption = caption_->isVisible() ? caption_->text() : QString();
    const auto paint = [&](QPainter& p, const QRect& page) { widgets::paintSlide(p, page, heading, caption, picture, font()); };
    if (path.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive)) {
        QPdfWriter pdf(path);
        pdf.setCreator(QStringLiteral("Lumen"));
        pdf.setTitle(heading);
        pdf.setPageSize(QPageSize(QSizeF(254.0, 142.875), QPageSize::Millimeter)); // 16:9, 10 inches wide
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(192);
        QPainter p;
        if (!p.begin(&pdf)) {
            return tr("Cannot write %1 (is the folder writable?).").arg(path);
        }
        paint(p, p.viewport());
        p.end();
        return QFileInfo(path).size() > 0 ? QString() : tr("Writing %1 failed (is the disk full?).").arg(path);
    }
    QImage image(size, QImage::Format_RGB32);
    QPainter p(&image);
    paint(p, image.rect());
    p.end();
    if (!image.save(path, "PNG")) {
        return tr("Cannot write %1 (is the folder writable, the disk full?).").arg(path);
    }
    return {};
}

Scene MainWindow::currentScene() const
{
    Scene s;
    s.model = attention_->hasModel() ? attention_->model().dir : QString();
    s.text = textEdit_->text();
    s.pair = pairEdit_->text();
    for (const auto& [name, widget] : viewTabs()) {
        if (views_->currentWidget() == widget) {
            s.view = QString::fromLatin1(name);
            break; // the field page is "field" (before "cone")
        }
    }
    s.layer = std::max(0, view_->layer());
    s.head = std::max(0, view_->head());
    s.token = highlighted_;
    s.caption = caption_->property("caption").toString();
    s.notes = sceneNotes_;
    if (sceneIndex_ >= 0 && sceneIndex_ < scenes_.size()) {
        s.title = scenes_.at(sceneIndex_).title;
    }
    return s;
}

QString MainWindow::saveScene(const QString& path, bool append)
{
    const Scene s = currentScene();
    if (s.model.isEmpty() || s.text.trimmed().isEmpty()) {
        return tr("Open a model and run a text first: a scene holds both.");
    }
    QList<Scene> scenes;
    if (append && QFileInfo::exists(path)) {
        QString error;
        const std::optional<QList<Scene>> existing = readScenes(path, &error);
        if (!existing) {
            return error + tr(" The file was left as it was.");
        }
        scenes = *existing;
        // The stored scenes keep their models as written, relative to the file.
        for (Scene& old : scenes) {
            old.model = sceneModelDir(old, path);
        }
    }
    scenes << s;
    return writeScenes(path, scenes);
}

bool MainWindow::openScene(const QString& path, int index)
{
    QString error;
    const std::optional<QList<Scene>> scenes = readScenes(path, &error);
    if (!scenes) {
        showError(tr("Could not open the scene"), error);
        return false;
    }
    scenes_ = *scenes;
    scenePath_ = QFileInfo(path).absoluteFilePath();
    sceneIndex_ = -1;
    return showScene(std::clamp(index, 0, static_cast<int>(scenes_.size()) - 1));
}

bool MainWindow::showScene(int index)
{
    if (index < 0 || index >= scenes_.size() || attention_->isBusy()) {
        return false;
    }
    sceneIndex_ = index;
    nextScene_->setEnabled(index + 1 < scenes_.size());
    previousScene_->setEnabled(index > 0);
    const Scene& s = scenes_.at(index);
    pendingScene_ = true;
    textEdit_->setText(s.text);
    pairEdit_->setText(s.pair);
    view_->setLayer(s.layer);
    view_->setHead(s.head);
    showView(s.view);
    setCaption(s.caption, s.notes);
    const QString dir = sceneModelDir(s, scenePath_);
    updateTitle();
    if (attention_->hasModel() && QFileInfo(attention_->model().dir) == QFileInfo(dir)) {
        run();
    } else {
        sceneWaitsForModel_ = true;
        openModel(dir);
    }
    return true;
}

void MainWindow::finishScene()
{
    if (!pendingScene_ || sceneIndex_ < 0 || sceneIndex_ >= scenes_.size()) {
        return;
    }
    pendingScene_ = false;
    const Scene& s = scenes_.at(sceneIndex_);
    if (attention_->model().hasAttention) {
        showHead(s.layer, s.head);
        showView(s.view);
    }
    if (s.token >= 0) {
        highlightToken(s.token);
    }
    setCaption(s.caption, s.notes); // the tokens are known now
    Q_EMIT sceneShown(sceneIndex_);
}

bool MainWindow::recordDemoRuns(const QString& projectPath)
{
    if (demoRuns_ != nullptr) {
        return false; // already recording
    }
    const QString cli = lumenCliPath();
    if (!QFileInfo(cli).isExecutable() || demoModels().isEmpty()) {
        statusBar()->showMessage(tr("No example runs: lumen-cli or the demo models are not installed beside Lumen."), 8000);
        return false;
    }
    // lumen-cli records the runs; the project is SQLite, so the browser sees them as they land.
    demoRuns_ = new QProcess(this);
    demoRuns_->setProcessChannelMode(QProcess::MergedChannels);
    connect(demoRuns_, &QProcess::readyRead, this, [this] {
        const QString line = QString::fromUtf8(demoRuns_->readAll()).trimmed().section(QLatin1Char('\n'), -1);
        if (!line.isEmpty()) {
            statusBar()->showMessage(tr("Example runs: %1").arg(line));
        }
        Q_EMIT projects_->runsChanged();
    });
    connect(demoRuns_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        const bool ok = status == QProcess::NormalExit && code == 0;
        statusBar()->showMessage(ok ? tr("Recorded the example runs of the demo models: File > Browse Runs… shows them.")
                                    : tr("Recording the example runs stopped (exit %1); the runs recorded are kept.").arg(code),
            10000);
        demoRuns_->deleteLater();
        demoRuns_ = nullptr;
        Q_EMIT projects_->runsChanged();
        Q_EMIT demoRunsRecorded(ok);
    });
    statusBar()->showMessage(tr("Recording example runs of the demo models…"));
    demoRuns_->start(cli, { QStringLiteral("demo-runs"), QStringLiteral("--into"), projectPath, QStringLiteral("--models"),
                              demoModelsDir() });
    return true;
}

CompareWindow* MainWindow::showCompareWindow()
{
    if (compareWindow_ == nullptr) {
        compareWindow_ = new CompareWindow(projects_, this);
        if (attention_->hasModel()) {
            compareWindow_->setModels({ attention_->model().dir });
        }
    }
    compareWindow_->show();
    compareWindow_->raise();
    compareWindow_->activateWindow();
    return compareWindow_;
}

FineTuneWindow* MainWindow::showFineTuneWindow()
{
    if (fineTuneWindow_ == nullptr) {
        fineTuneWindow_ = new FineTuneWindow(projects_, this);
        if (attention_->hasModel()) {
            fineTuneWindow_->setModelDir(attention_->model().dir);
        }
    }
    fineTuneWindow_->show();
    fineTuneWindow_->raise();
    fineTuneWindow_->activateWindow();
    return fineTuneWindow_;
}

void MainWindow::buildCentre()
{
    auto* centre = new QWidget(this);
    auto* layout = new QVBoxLayout(centre);
    layout->setContentsMargins(12, 10, 12, 6);
    layout->setSpacing(8);

    // Shown only when the engine would be slow (the reference BLAS).
    banner_ = new QLabel(centre);
    banner_->setObjectName(QStringLiteral("warningBanner"));
    banner_->setWordWrap(true);
    banner_->setStyleSheet(QStringLiteral("QLabel { background: #fff3cd; color: #664d03; "
                                          "border: 1px solid #ffe69c; border-radius: 4px; "
                                          "padding: 6px 10px; }"));
    const std::string warning = engine::blasWarning(engine::systemInfo());
    banner_->setText(QString::fromStdString(warning));
    banner_->setVisible(!warning.empty());
    layout->addWidget(banner_);

    inputRow_ = new QWidget(centre);
    auto* input = new QHBoxLayout(inputRow_);
    input->setContentsMargins(0, 0, 0, 0);
    input->setSpacing(8);
    auto* label = new QLabel(tr("&Text"), centre);
    textEdit_ = new QLineEdit(centre);
    textEdit_->setObjectName(QStringLiteral("textEdit"));
    textEdit_->setPlaceholderText(tr("Type a sentence, e.g. The capital of France is [MASK]."));
    textEdit_->setClearButtonEnabled(true);
    QFont big = textEdit_->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    textEdit_->setFont(big);
    label->setBuddy(textEdit_);
    runButton_ = new QPushButton(tr("&Run"), centre);
    runButton_->setObjectName(QStringLiteral("runButton"));
    runButton_->setIcon(QIcon(QStringLiteral(":/icons/run.svg")));
    runButton_->setDefault(true);
    runButton_->setToolTip(tr("Run the model on the text and show its attention (Enter)"));
    cancelButton_ = new QPushButton(tr("Cancel"), centre);
    cancelButton_->setObjectName(QStringLiteral("cancelButton"));
    cancelButton_->setVisible(false);
    // Text B of a sentence pair (question / context, premise / hypothesis): optional.
    pairEdit_ = new QLineEdit(centre);
    pairEdit_->setObjectName(QStringLiteral("pairEdit"));
    pairEdit_->setPlaceholderText(tr("Second sentence (optional: a text pair)"));
    pairEdit_->setClearButtonEnabled(true);
    pairEdit_->setFont(big);
    pairEdit_->setToolTip(pairToolTip());
    input->addWidget(label);
    input->addWidget(textEdit_, 3);
    input->addWidget(pairEdit_, 2);
    input->addWidget(runButton_);
    input->addWidget(cancelButton_);
    layout->addWidget(inputRow_);

    // A text longer than the model takes runs as overlapping windows: move between them here.
    windowBar_ = new QWidget(centre);
    windowBar_->setObjectName(QStringLiteral("windowBar"));
    auto* bar = new QHBoxLayout(windowBar_);
    bar->setContentsMargins(0, 0, 0, 0);
    previousWindow_ = new QPushButton(tr("◀ &Previous"), windowBar_);
    nextWindow_ = new QPushButton(tr("&Next ▶"), windowBar_);
    windowLabel_ = new QLabel(windowBar_);
    windowLabel_->setObjectName(QStringLiteral("windowLabel"));
    auto* overlapLabel = new QLabel(tr("&Overlap"), windowBar_);
    strideBox_ = new QSpinBox(windowBar_);
    strideBox_->setObjectName(QStringLiteral("strideBox"));
    strideBox_->setRange(-1, 4096);
    strideBox_->setSpecialValueText(tr("a quarter window"));
    strideBox_->setValue(-1);
    strideBox_->setSuffix(tr(" tokens"));
    strideBox_->setToolTip(tr("How many tokens consecutive windows share (Hugging Face's "
                              "stride); press Run again to use it"));
    overlapLabel->setBuddy(strideBox_);
    bar->addWidget(previousWindow_);
    bar->addWidget(windowLabel_, 1);
    bar->addWidget(nextWindow_);
    bar->addSpacing(16);
    bar->addWidget(overlapLabel);
    bar->addWidget(strideBox_);
    windowBar_->setVisible(false);
    layout->addWidget(windowBar_);

    // An encoder-decoder run has three attentions; the views show the one chosen here.
    stackBar_ = new QWidget(centre);
    stackBar_->setObjectName(QStringLiteral("stackBar"));
    auto* stackRow = new QHBoxLayout(stackBar_);
    stackRow->setContentsMargins(0, 0, 0, 0);
    auto* stackLabel = new QLabel(tr("&Attention"), stackBar_);
    stackBox_ = new QComboBox(stackBar_);
    stackBox_->setObjectName(QStringLiteral("stackSelector"));
    stackBox_->addItem(tr("Encoder self-attention"),
        QVariant::fromValue(AttentionController::Stack::Encoder));
    stackBox_->addItem(tr("Decoder self-attention"),
        QVariant::fromValue(AttentionController::Stack::Decoder));
    stackBox_->addItem(tr("Cross-attention (decoder → encoder)"),
        QVariant::fromValue(AttentionController::Stack::Cross));
    stackBox_->setToolTip(tr("Which attention of the encoder-decoder model every view shows"));
    stackLabel->setBuddy(stackBox_);
    stackNote_ = new QLabel(stackBar_);
    stackNote_->setObjectName(QStringLiteral("stackNote"));
    stackNote_->setEnabled(false); // greyed: an explanation
    stackRow->addWidget(stackLabel);
    stackRow->addWidget(stackBox_);
    stackRow->addSpacing(12);
    stackRow->addWidget(stackNote_, 1);
    stackBar_->setVisible(false);
    layout->addWidget(stackBar_);

    // The views of one input, side by side as tabs; layer, head and the clicked token are
    // shared between them.
    views_ = new QTabWidget(centre);
    views_->setObjectName(QStringLiteral("attentionViews"));
    view_ = new widgets::AttentionView(views_);
    view_->setObjectName(QStringLiteral("attentionView"));
    views_->addTab(view_, tr("&Heatmap"));
    headView_ = new widgets::HeadView(views_);
    headView_->setObjectName(QStringLiteral("headView"));
    views_->addTab(headView_, tr("H&eads"));
    modelView_ = new widgets::ModelView(views_);
    modelView_->setObjectName(QStringLiteral("modelView"));
    views_->addTab(modelView_, tr("&Model"));
    flowPage_ = new FlowPage(views_);
    flowPage_->setObjectName(QStringLiteral("flowPage"));
    views_->addTab(flowPage_, tr("&Rollout && flow"));
    statsTable_ = new widgets::HeadStatsTable(views_);
    statsTable_->setObjectName(QStringLiteral("headStatistics"));
    views_->addTab(statsTable_, tr("Head &statistics"));
    fieldPage_ = new ReceptiveFieldPage(attention_, views_);
    fieldPage_->setTextSource([this] { return textEdit_->text(); });
    views_->addTab(fieldPage_, tr("Receptive &field"));
    // A scene's caption and token notes (hidden without a scene or a caption).
    caption_ = new QLabel(centre);
    caption_->setObjectName(QStringLiteral("sceneCaption"));
    caption_->setWordWrap(true);
    caption_->setTextFormat(Qt::PlainText);
    caption_->setStyleSheet(QStringLiteral("QLabel { background: #eef4fb; color: #0b2a4a; border-left: 4px solid #0072b2; "
                                           "padding: 6px 10px; }"));
    QFont captionFont = caption_->font();
    captionFont.setPointSizeF(captionFont.pointSizeF() * 1.15);
    caption_->setFont(captionFont);
    caption_->setVisible(false);
    layout->addWidget(caption_);
    layout->addWidget(views_, 1);
    setCentralWidget(centre);

    // A scene: run once its model is loaded, then restore what the run reset.
    connect(attention_, &AttentionController::modelLoaded, this, [this] {
        if (sceneWaitsForModel_) {
            sceneWaitsForModel_ = false;
            run();
            if (!attention_->model().hasAttention) {
                QTimer::singleShot(0, this, &MainWindow::finishScene); // the field view measures on its own
            }
        }
    });
    connect(attention_, &AttentionController::loadFailed, this, [this] {
        sceneWaitsForModel_ = false;
        pendingScene_ = false;
    });
    connect(attention_, &AttentionController::runFailed, this, [this] { pendingScene_ = false; });
    connect(attention_, &AttentionController::attentionReady, this, [this] {
        if (pendingScene_) {
            QTimer::singleShot(0, this, &MainWindow::finishScene); // after every view has the run
        }
    });
    connect(runButton_, &QPushButton::clicked, this, &MainWindow::run);
    connect(textEdit_, &QLineEdit::returnPressed, this, &MainWindow::run);
    connect(pairEdit_, &QLineEdit::returnPressed, this, &MainWindow::run);
    connect(stackBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index >= 0) {
            attention_->setStack(stackBox_->itemData(index).value<AttentionController::Stack>());
        }
    });
    connect(cancelButton_, &QPushButton::clicked, attention_, &AttentionController::cancel);
}

void MainWindow::buildStatusBar()
{
    busyLabel_ = new QLabel(this);
    busyBar_ = new QProgressBar(this);
    busyBar_->setRange(0, 0); // busy indicator until the engine reports a fraction
    busyBar_->setFixedWidth(140);
    busyBar_->setMaximumHeight(14);
    busyBar_->setTextVisible(false);
    busyLabel_->setVisible(false);
    busyBar_->setVisible(false);
    statusBar()->addWidget(busyLabel_);
    statusBar()->addWidget(busyBar_);

    modelLabel_ = new QLabel(tr("No model loaded"), this);
    modelLabel_->setObjectName(QStringLiteral("modelStatus"));
    modelLabel_->setContentsMargins(8, 0, 8, 0);
    projectLabel_ = new QLabel(tr("No project"), this);
    projectLabel_->setObjectName(QStringLiteral("projectStatus"));
    projectLabel_->setContentsMargins(8, 0, 4, 0);
    auto* separator = new QFrame(this);
    separator->setFrameShape(QFrame::VLine);
    separator->setFrameShadow(QFrame::Sunken);
    statusBar()->setStyleSheet(QStringLiteral("QStatusBar::item { border: none; }"));
    statusBar()->addPermanentWidget(modelLabel_);
    statusBar()->addPermanentWidget(separator);
    statusBar()->addPermanentWidget(projectLabel_);
}

void MainWindow::buildModelDock()
{
    modelDock_ = new QDockWidget(tr("Model"), this);
    modelDock_->setObjectName(QStringLiteral("modelDock"));
    modelDock_->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable
        | QDockWidget::DockWidgetFloatable);
    modelDock_->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    modelPanel_ = new widgets::ModelPanel(modelDock_);
    modelPanel_->setObjectName(QStringLiteral("modelPanel"));
    modelPanel_->setMinimumWidth(260);
    modelDock_->setWidget(modelPanel_);
    addDockWidget(Qt::RightDockWidgetArea, modelDock_);
    resizeDocks({ modelDock_ }, { 300 }, Qt::Horizontal);
    QAction* toggle = modelDock_->toggleViewAction();
    toggle->setText(tr("&Model Panel"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    viewMenu_->addAction(toggle);
}

bool MainWindow::exportProjectArchive(const QString& archive)
{
    projects::Project* project = projects_->project();
    if (project == nullptr || archiveBusy_) {
        return false;
    }
    archiveBusy_ = true;
    statusBar()->showMessage(tr("Writing %1…").arg(QFileInfo(archive).fileName()));
    const std::string source = project->path();
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, archive] {
        watcher->deleteLater();
        archiveBusy_ = false;
        const QString error = watcher->result();
        if (!error.isEmpty()) {
            showError(tr("Could not export the project"), error);
            Q_EMIT archiveFinished(false, error);
            return;
        }
        const QString message = tr("Saved the project as %1").arg(QDir::toNativeSeparators(archive));
        statusBar()->showMessage(message, 8000);
        Q_EMIT archiveFinished(true, message);
    });
    // A read-only connection of its own on the worker; the copy is a consistent snapshot
    // even while this window goes on recording runs.
    watcher->setFuture(QtConcurrent::run([source, archive]() -> QString {
        try {
            projects::Project::openReadOnly(source)->exportArchive(
                QFile::encodeName(archive).toStdString());
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
    return true;
}

bool MainWindow::importProjectArchive(const QString& archive, const QString& projectPath)
{
    if (archiveBusy_) {
        return false;
    }
    archiveBusy_ = true;
    statusBar()->showMessage(tr("Unpacking %1…").arg(QFileInfo(archive).fileName()));
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, projectPath] {
        watcher->deleteLater();
        archiveBusy_ = false;
        const QString error = watcher->result();
        if (!error.isEmpty()) {
            showError(tr("Could not import the project"), error);
            Q_EMIT archiveFinished(false, error);
            return;
        }
        const bool opened = openProject(projectPath);
        const QString message = tr("Imported the project as %1").arg(QDir::toNativeSeparators(projectPath));
        statusBar()->showMessage(message, 8000);
        Q_EMIT archiveFinished(opened, message);
    });
    watcher->setFuture(QtConcurrent::run([archive, projectPath]() -> QString {
        try {
            projects::Project::importArchive(QFile::encodeName(archive).toStdString(),
                QFile::encodeName(projectPath).toStdString());
            return {};
        } catch (const std::exception& e) {
            return QString::fromStdString(e.what());
        }
    }));
    return true;
}

RunBrowser* MainWindow::showRunBrowser()
{
    if (runBrowser_ == nullptr) {
        runBrowser_ = new RunBrowser(projects_, this);
        connect(runBrowser_, &RunBrowser::errorOccurred, this, &MainWindow::showError);
        connect(attention_, &AttentionController::artifactSaved, runBrowser_,
            [this](qint64 runId) { runBrowser_->runChanged(runId); });
        connect(demos_, &DemoController::artifactSaved, runBrowser_,
            [this](qint64 runId) { runBrowser_->runChanged(runId); });
        connect(runBrowser_, &RunBrowser::demoRunRequested, this, [this](qint64 runId) {
            DemoWindow* window = showDemos(DemoKind::FillMask);
            demos_->reopenRun(runId); // the window shows the record's page, or the error
            window->raise();
        });
        connect(runBrowser_, &RunBrowser::comparisonRunRequested, this, [this](qint64 runId) {
            showCompareWindow()->openRun(runId);
        });
        connect(runBrowser_, &RunBrowser::trainRunRequested, this, [this](qint64 runId) {
            FineTuneWindow* train = showFineTuneWindow();
            if (!train->openRun(runId)) {
                statusBar()->showMessage(train->statusLabel()->text(), 8000);
            }
        });
        connect(runBrowser_, &RunBrowser::attentionRunRequested, this, [this](qint64 runId) {
            if (attention_->reopenRun(runId)) {
                views_->setCurrentWidget(view_);
                raise();
                activateWindow();
            }
        });
    }
    runBrowser_->show();
    runBrowser_->raise();
    runBrowser_->activateWindow();
    return runBrowser_;
}

ImageFieldWindow* MainWindow::showImageFieldWindow()
{
    if (imageWindow_ == nullptr) {
        imageWindow_ = new ImageFieldWindow(this);
    }
    imageWindow_->show();
    imageWindow_->raise();
    imageWindow_->activateWindow();
    return imageWindow_;
}

DemoWindow* MainWindow::showDemos(DemoKind kind)
{
    if (demoWindow_ == nullptr) {
        demoWindow_ = new DemoWindow(demos_, attention_, this);
    }
    demoWindow_->showPage(kind);
    const QString text = textEdit_->text();
    const bool empty = kind == DemoKind::FillMask ? demoWindow_->maskText()->text().isEmpty()
        : kind == DemoKind::Generate              ? demoWindow_->promptEdit()->text().isEmpty()
        : kind == DemoKind::Score                 ? demoWindow_->scoreText()->text().isEmpty()
                                                  : demoWindow_->sentences()->toPlainText().isEmpty();
    if (empty && !text.isEmpty()) {
        demoWindow_->setInput(kind, text);
    }
    demoWindow_->show();
    demoWindow_->raise();
    demoWindow_->activateWindow();
    return demoWindow_;
}

CacheDialog* MainWindow::showCacheDialog()
{
    auto* dialog = new CacheDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &CacheDialog::modelChosen, this, &MainWindow::openModel);
    dialog->open();
    return dialog;
}

NewModelDialog* MainWindow::showNewModelDialog()
{
    auto* dialog = new NewModelDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (attention_->hasModel()) {
        dialog->setTokenizerDir(attention_->model().dir);
    }
    connect(dialog, &NewModelDialog::modelCreated, this, &MainWindow::openModel);
    dialog->open();
    return dialog;
}

DownloadDialog* MainWindow::showDownloadDialog()
{
    auto* dialog = new DownloadDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &DownloadDialog::modelDownloaded, this, &MainWindow::openModel);
    dialog->open();
    return dialog;
}

void MainWindow::openModel(const QString& dir)
{
    // Resolve here so the status bar and the project record the folder the user meant.
    const QString path = dir.isEmpty() ? dir : QFileInfo(dir).absoluteFilePath();
    attention_->loadModel(path);
}

bool MainWindow::openProject(const QString& path)
{
    return projects_->openOrCreateProject(path);
}

void MainWindow::runText(const QString& text)
{
    textEdit_->setText(text);
    run();
}

void MainWindow::run()
{
    if (attention_->isBusy()) {
        // Enter pressed again while the Run button is disabled: not an error worth a box.
        statusBar()->showMessage(tr("Still busy; press Cancel to stop the current run."), 3000);
        return;
    }
    if (attention_->hasModel() && !attention_->model().hasAttention) {
        // Nothing to draw as attention: the receptive field is this model's view.
        if (textEdit_->text().trimmed().isEmpty()) {
            showError(tr("Could not run the model"), tr("The text is empty. Type a sentence first."));
            return;
        }
        statusBar()->showMessage(tr("%1 has no attention to show; here is its receptive field.")
                                     .arg(attention_->model().architecture),
            8000);
        if (views_->currentWidget() != fieldPage_) {
            views_->setCurrentWidget(fieldPage_); // measures
        } else if (!fieldPage_->isBusy()) {
            fieldPage_->measure();
        }
        return;
    }
    attention_->setSelection(view_->layer(), view_->head());
    const QString second = pairEdit_->text().trimmed();
    if (attention_->hasModel() && attention_->model().encoderDecoder) {
        attention_->run(textEdit_->text(), QString(), second);
    } else {
        attention_->run(textEdit_->text(), second);
    }
}

void MainWindow::updateStackBar()
{
    const AttentionRecord& record = attention_->lastRecord();
    stackBar_->setVisible(record.hasDecoder());
    if (!record.hasDecoder()) {
        return;
    }
    {
        const QSignalBlocker block(stackBox_);
        stackBox_->setCurrentIndex(stackBox_->findData(QVariant::fromValue(attention_->stack())));
    }
    switch (attention_->stack()) {
    case AttentionController::Stack::Encoder:
        stackNote_->setText(tr("%1 source tokens attend to each other").arg(record.set.seq));
        break;
    case AttentionController::Stack::Decoder:
        stackNote_->setText(tr("%1 decoder tokens (the start token, then the target shifted "
                               "right) attend to themselves and earlier ones")
                                .arg(record.decoder.seq));
        break;
    case AttentionController::Stack::Cross:
        stackNote_->setText(tr("each of the %1 decoder tokens (rows, queries) attends to the %2 "
                               "encoder tokens (columns, keys)")
                                .arg(record.cross.seq)
                                .arg(record.cross.keySeq));
        break;
    }
}

QWidget* MainWindow::currentView() const
{
    return views_->currentWidget();
}

void MainWindow::onWindowShown(int index, int count)
{
    windowBar_->setVisible(count > 1);
    if (count <= 1) {
        return;
    }
    const AttentionRecord& r = attention_->lastRecord();
    windowLabel_->setText(tr("Window %1 of %2 · tokens %3–%4 of %5")
                              .arg(index + 1)
                              .arg(count)
                              .arg(r.tokenBegin)
                              .arg(r.tokenEnd - 1)
                              .arg(r.textTokens));
    windowLabel_->setToolTip(tr("The text is longer than the model takes, so it ran as %1 "
                                "windows of the model's length, each sharing %2 tokens with "
                                "the next; positions map back to the text's own characters.")
                                 .arg(count)
                                 .arg(r.stride));
    previousWindow_->setEnabled(index > 0);
    nextWindow_->setEnabled(index + 1 < count);
}

std::vector<std::pair<const char*, QWidget*>> MainWindow::viewTabs() const
{
    return { { "heatmap", view_ }, { "heads", headView_ }, { "model", modelView_ }, { "rollout", flowPage_ },
        { "statistics", statsTable_ }, { "field", fieldPage_ }, { "cone", fieldPage_ } };
}

void MainWindow::showView(const QString& name)
{
    for (const auto& [tabName, widget] : viewTabs()) {
        if (name == QLatin1String(tabName)) {
            views_->setCurrentWidget(widget);
        }
    }
    fieldPage_->showCone(name == QLatin1String("cone"));
}

void MainWindow::showHead(int layer, int head)
{
    view_->setLayer(layer);
    view_->setHead(head);
    views_->setCurrentWidget(view_);
}

void MainWindow::highlightToken(int position)
{
    highlighted_ = position;
    fieldPage_->setPosition(position);
    view_->setHighlightedToken(position);
    headView_->setHighlightedToken(position);
    modelView_->setHighlightedQuery(position);
    flowPage_->setQuery(position);
}

bool MainWindow::exportViewImage(const QString& path)
{
    setFigureMode(true);
    const QString error = exportImage(currentView(), path);
    setFigureMode(false);
    return reportExport(error, path);
}

void MainWindow::setFigureMode(bool on)
{
    view_->setControlsVisible(!on);
    headView_->setControlsVisible(!on);
    modelView_->setControlsVisible(!on);
    flowPage_->setControlsVisible(!on);
    // Lay the shown view out now (the controls' room goes to the picture) so that what is
    // rendered next has its final geometry.
    if (QLayout* layout = currentView()->layout()) {
        layout->activate();
    }
}

bool MainWindow::exportShownMap(const QString& path)
{
    const widgets::AttentionHeatmapData& shown = views_->currentWidget() == flowPage_
        ? flowPage_->heatmap()->data()
        : view_->heatmap()->data();
    return reportExport(exportMatrix(shown, path), path);
}

bool MainWindow::exportAllAttention(const QString& path)
{
    return reportExport(
        exportAttention(attention_->lastRecord(), path, &attention_->lastAttention()), path);
}

bool MainWindow::reportExport(const QString& error, const QString& path)
{
    if (!error.isEmpty()) {
        showError(tr("Could not export"), error);
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 6000);
    return true;
}

void MainWindow::chooseSavedRun()
{
    const std::vector<AttentionController::SavedRun> runs = attention_->savedRuns();
    if (runs.empty()) {
        showError(tr("No attention runs to reopen"),
            tr("This project has no completed attention run that kept its attention. Run a "
               "text first; every run is kept."));
        return;
    }
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Reopen Attention Run"));
    auto* layout = new QVBoxLayout(dialog);
    auto* list = new QListWidget(dialog);
    for (const AttentionController::SavedRun& run : runs) {
        QString label = tr("#%1  %2  “%3”").arg(run.id).arg(run.startedAt, run.text);
        if (!run.pair.isEmpty()) {
            label += tr(" / “%1”").arg(run.pair);
        }
        if (!run.target.isEmpty()) {
            label += tr(" → “%1”").arg(run.target);
        }
        auto* item = new QListWidgetItem(label, list);
        item->setData(Qt::UserRole, run.id);
        item->setToolTip(run.model);
    }
    list->setCurrentRow(0);
    layout->addWidget(list);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, dialog);
    layout->addWidget(buttons);
    auto open = [this, dialog, list] {
        if (QListWidgetItem* item = list->currentItem()) {
            attention_->reopenRun(item->data(Qt::UserRole).toLongLong());
        }
        dialog->accept();
    };
    connect(buttons, &QDialogButtonBox::accepted, dialog, open);
    connect(list, &QListWidget::itemDoubleClicked, dialog, open);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    dialog->resize(640, 360);
    dialog->open();
}

void MainWindow::reportMissingArtifacts()
{
    projects::Project* project = projects_->project();
    if (project == nullptr) {
        return;
    }
    try {
        const std::vector<projects::ArtifactRecord> missing = project->missingArtifacts();
        if (missing.empty()) {
            return;
        }
        QStringList names;
        for (size_t i = 0; i < missing.size() && i < 5; ++i) {
            names << QString::fromStdString(missing[i].relativePath);
        }
        if (missing.size() > 5) {
            names << tr("… and %1 more").arg(missing.size() - 5);
        }
        showWarning(tr("Some artifacts are missing"),
            tr("%n artifact file(s) of this project are not in %1 (the folder was moved, "
               "renamed or deleted):\n%2\n\nThe runs and their records are kept; what needs "
               "those files (reopening an attention run) will say so. Put the folder back "
               "beside the project to use them again.",
                nullptr, static_cast<int>(missing.size()))
                .arg(QString::fromStdString(project->artifactsDir()),
                    names.join(QLatin1Char('\n'))));
    } catch (const std::exception& e) {
        showError(tr("Could not check the artifacts"), QString::fromStdString(e.what()));
    }
}

void MainWindow::showWarning(const QString& title, const QString& message)
{
    lastWarning_ = message;
    statusBar()->showMessage(title, 10000);
    if (!interactiveErrors_) {
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Information, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showError(const QString& title, const QString& message)
{
    lastError_ = message;
    Q_EMIT errorShown(message);
    if (!interactiveErrors_) {
        return;
    }
    // open(), not exec(): the window (and the engine's results) keep flowing meanwhile.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

QString MainWindow::modelStatusText() const
{
    if (!attention_->hasModel()) {
        return {};
    }
    const ModelSummary& m = attention_->model();
    const QString name = m.architecture.isEmpty() ? m.modelType : m.architecture;
    return tr("%1 · %2 parameters · %3")
        .arg(name, formatParameterCount(m.parameterCount), m.device);
}

void MainWindow::onModelLoaded(const ModelSummary& model)
{
    modelLabel_->setText(modelStatusText());
    QStringList details;
    details << tr("Folder: %1").arg(model.dir);
    details << tr("model_type: %1").arg(model.modelType);
    details << tr("%1 layers, %2 heads, hidden size %3, vocabulary %4")
                   .arg(model.layers)
                   .arg(model.heads)
                   .arg(model.hiddenSize)
                   .arg(model.vocabSize);
    details << tr("%1 parameters (%2)").arg(model.parameterCount).arg(model.dtype);
    details << tr("Weights: %1").arg(model.weightsFile);
    for (const QString& w : model.warnings) {
        details << tr("Warning: %1").arg(w);
    }
    modelLabel_->setToolTip(details.join(QLatin1Char('\n')));
    modelPanel_->setData(toModelPanelData(model));
    if (model.encoderDecoder) {
        pairEdit_->setPlaceholderText(tr("Target for the decoder (optional), e.g. Das Haus ist "
                                         "klein."));
        pairEdit_->setToolTip(tr("An encoder-decoder model reads the text with its encoder and "
                                 "this target with its decoder: give one to see the decoder's "
                                 "self-attention and its cross-attention to the text"));
    } else {
        pairEdit_->setPlaceholderText(tr("Second sentence (optional: a text pair)"));
        pairEdit_->setToolTip(pairToolTip());
    }
    updateStackBar();
    view_->clear();
    view_->setHint(tr("%1 is loaded. Type a sentence and press Run.").arg(model.architecture));
    statusBar()->showMessage(tr("Loaded %1").arg(model.dir), 5000);
    updateTitle();
}

void MainWindow::onBusyChanged(bool busy, const QString& what)
{
    busyLabel_->setText(what);
    busyLabel_->setVisible(busy);
    busyBar_->setRange(0, 0);
    busyBar_->setVisible(busy);
    runButton_->setEnabled(!busy);
    cancelButton_->setVisible(busy && !attention_->isLoading());
    if (busy) {
        statusBar()->clearMessage();
    }
}

void MainWindow::updateTitle()
{
    QStringList parts;
    if (sceneIndex_ >= 0 && sceneIndex_ < scenes_.size()) {
        const QString title = scenes_.at(sceneIndex_).title;
        parts << (title.isEmpty() ? tr("scene %1 of %2").arg(sceneIndex_ + 1).arg(scenes_.size())
                                  : tr("%1 (%2 of %3)").arg(title).arg(sceneIndex_ + 1).arg(scenes_.size()));
    }
    if (attention_->hasModel()) {
        parts << QFileInfo(attention_->model().dir).fileName();
    }
    if (projects_->hasProject()) {
        parts << QFileInfo(projects_->projectPath()).fileName();
    }
    parts << QStringLiteral("Lumen");
    setWindowTitle(parts.join(QStringLiteral(" — ")));
}

void MainWindow::newProject()
{
    QFileDialog dialog(this, tr("New Project"));
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setNameFilter(tr("Lumen projects (*.lumen)"));
    dialog.setDefaultSuffix(QStringLiteral("lumen"));
    // Lumen never overwrites: an existing file is refused by Project::create with a message.
    dialog.setOption(QFileDialog::DontConfirmOverwrite);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) {
        return;
    }
    projects_->createProject(dialog.selectedFiles().constFirst());
}

void MainWindow::chooseProject()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Project"), QString(), tr("Lumen projects (*.lumen)"));
    if (!path.isEmpty()) {
        projects_->openProject(path);
    }
}

void MainWindow::chooseModel()
{
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Open Model Folder (config.json, weights, tokenizer)"));
    if (!dir.isEmpty()) {
        openModel(dir);
    }
}

void MainWindow::showAbout()
{
    auto* dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (!droppedFolder(event->mimeData()).isEmpty()) {
        event->acceptProposedAction();
    }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QString dir = droppedFolder(event->mimeData());
    if (dir.isEmpty()) {
        return;
    }
    event->acceptProposedAction();
    openModel(dir);
}

} // namespace lumen::app
