// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The main window: menus, the text box with Run / Cancel, the attention view and a status
// bar with the model's architecture, parameter count and device, and a dock (the model panel)
// describing the loaded model; File > Open from Cache… lists the Hugging Face cache. It only
// lays things out and routes; the attention controller owns the engine worker and the
// project controller the project.
//
// Errors go through showError(): it emits errorShown(message) and, unless interactive
// errors are off (tests, --screenshot), opens a window-modal QMessageBox with open(), so
// the event loop keeps running either way.
// Thread safety: GUI thread only.

#include "attention_controller.h"
#include "demo_controller.h"
#include "flow_page.h"
#include "project_controller.h"
#include "scene.h"

#include <QFont>
#include <QSize>

#include <QMainWindow>

class QDockWidget;
class QLabel;
class QProcess;
class QShortcut;
class QMenu;
class QComboBox;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace lumen::widgets {
class AttentionView;
class HeadStatsTable;
class HeadView;
class ModelView;
class ModelPanel;
} // namespace lumen::widgets

namespace lumen::app {

class CacheDialog;
class DemoWindow;
class NewModelDialog;
class CompareWindow;
class FineTuneWindow;
class TourGuide;
class ImageFieldWindow;
class ReceptiveFieldPage;
class RunBrowser;
class DownloadDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// The path File > Open Model… and drag and drop take once they have a folder.
    void openModel(const QString& dir);
    /// --project FILE: opens it, creating it when missing.
    bool openProject(const QString& path);
    /// Sets the text box and runs it (the Run button's path).
    void runText(const QString& text);
    void run();

    /// File > Export: the view shown as PNG / SVG / PDF (as a figure: without its controls),
    /// the map shown, or every layer's and head's attention; the suffix picks the format.
    /// False (and an error shown) on failure.
    bool exportViewImage(const QString& path);
    /// File > Export Project… / Import Project…: the project as one tar archive, written or
    /// unpacked off the GUI thread; archiveFinished follows (an import then opens the new
    /// project). False when it could not start (no project, another archive job running).
    bool exportProjectArchive(const QString& archive);
    bool importProjectArchive(const QString& archive, const QString& projectPath);
    bool exportShownMap(const QString& path);
    bool exportAllAttention(const QString& path);
    /// The attention view that is showing (what export and copy take).
    QWidget* currentView() const;

    /// Off: errors are only emitted as errorShown and written to stderr (tests, headless).
    void setInteractiveErrors(bool on) { interactiveErrors_ = on; }
    void showError(const QString& title, const QString& message);
    QString lastError() const { return lastError_; }
    /// Like showError for something the user should know that stops nothing (missing
    /// artifact files): a box when interactive, never errorShown.
    void showWarning(const QString& title, const QString& message);
    QString lastWarning() const { return lastWarning_; }

    /// "BertForPreTraining · 1.2 M parameters · cpu", empty without a model.
    QString modelStatusText() const;

    AttentionController* attentionController() const { return attention_; }
    ProjectController* projectController() const { return projects_; }
    widgets::AttentionView* attentionView() const { return view_; }
    /// The tabs of views over one input (heatmap, rollout and flow, head statistics, ...).
    QTabWidget* views() const { return views_; }
    FlowPage* flowPage() const { return flowPage_; }
    /// The "Receptive field" view (theoretical and by gradient).
    ReceptiveFieldPage* receptiveFieldPage() const { return fieldPage_; }
    widgets::HeadView* headView() const { return headView_; }
    widgets::ModelView* modelView() const { return modelView_; }
    widgets::HeadStatsTable* statisticsTable() const { return statsTable_; }
    /// A long text's windows: the bar that moves between them (hidden for one window).
    QWidget* windowBar() const { return windowBar_; }
    QPushButton* nextWindowButton() const { return nextWindow_; }
    QPushButton* previousWindowButton() const { return previousWindow_; }
    QLabel* windowLabel() const { return windowLabel_; }
    QSpinBox* strideBox() const { return strideBox_; }
    /// An encoder-decoder run: which of its attentions the views show (encoder, decoder,
    /// cross-attention); hidden for other runs.
    QWidget* stackBar() const { return stackBar_; }
    QComboBox* stackSelector() const { return stackBox_; }
    /// Shows the view tab named "heatmap", "heads", "model", "rollout" or "statistics".
    void showView(const QString& name);
    /// Opens (layer, head) in the heatmap.
    void showHead(int layer, int head);
    /// Highlights position `position` in every view.
    void highlightToken(int position);
    QLineEdit* textEdit() const { return textEdit_; }
    /// Text B of a sentence pair (empty: one text); for an encoder-decoder model, the text
    /// the decoder reads (empty: the encoder alone).
    QLineEdit* pairEdit() const { return pairEdit_; }
    QPushButton* runButton() const { return runButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QLabel* modelStatusLabel() const { return modelLabel_; }
    QLabel* warningBanner() const { return banner_; }
    /// The dock describing the loaded model (View > Model Panel shows it again).
    widgets::ModelPanel* modelPanel() const { return modelPanel_; }
    QDockWidget* modelDock() const { return modelDock_; }

    /// File > Open from Cache…: opens the (window-modal, self-deleting) cache dialog, whose
    /// choice goes through openModel(). Returned for tests.
    CacheDialog* showCacheDialog();
    /// File > Browse Runs…: the project's run browser (one window, made on first use).
    RunBrowser* showRunBrowser();
    RunBrowser* runBrowser() const { return runBrowser_; }
    /// Demos > Fill Mask / Generate / Score / Similarity: the text demos' window (made on
    /// first use) on the page of `kind`, its input filled from the text box when empty.
    DemoWindow* showDemos(DemoKind kind);
    DemoWindow* demoWindow() const { return demoWindow_; }
    DemoController* demoController() const { return demos_; }
    /// File > Download Model…: opens the (window-modal, self-deleting) hub download dialog;
    /// the downloaded snapshot goes through openModel(). Returned for tests.
    DownloadDialog* showDownloadDialog();
    /// File > New Model…: opens the (window-modal, self-deleting) dialog for a new random
    /// model, its tokenizer field set to the loaded model's folder; the new folder goes
    /// through openModel(). Returned for tests.
    NewModelDialog* showNewModelDialog();
    /// Train > Fine-Tune…: the fine-tuning window (one, made on first use), its model set to
    /// the open model.
    FineTuneWindow* showFineTuneWindow();
    /// Compare > Compare Models…: the compare workspace (one, made on first use), starting
    /// from the open model.
    CompareWindow* showCompareWindow();
    /// Records example runs of the bundled demo models in the project at `projectPath`
    /// (lumen-cli demo-runs, in the background); demoRunsRecorded() follows. False when
    /// lumen-cli or the demo models are missing, or while one is recording.
    bool recordDemoRuns(const QString& projectPath);
    CompareWindow* compareWindow() const { return compareWindow_; }

    /// File > Open Scene… / `lumen FILE.lumenscene`: restores scene `index` of the file (the
    /// model, input, view, layer, head, token, caption); sceneShown() follows once it runs.
    /// False (an error shown) for a file that cannot be read.
    bool openScene(const QString& path, int index = 0);
    /// View > Next / Previous Scene (Page Down / Page Up) through the open scene file.
    bool showScene(int index);
    int sceneIndex() const { return sceneIndex_; }
    int sceneCount() const { return static_cast<int>(scenes_.size()); }
    /// What is on screen as a scene (File > Save Scene As…).
    Scene currentScene() const;
    /// Writes the screen as a scene file, or adds it to one (`append`). "" or what went wrong.
    QString saveScene(const QString& path, bool append);
    /// The caption above the views, and notes on tokens (View > Caption…).
    void setCaption(const QString& caption, const QList<SceneNote>& notes = {});
    QLabel* captionLabel() const { return caption_; }
    /// Help > Tours: the guide that runs them (made on first use).
    TourGuide* tourGuide();
    /// View > Presentation Mode (F5): full screen, type 1.6 times larger, no menus, panels or
    /// text box, the colour-blind-safe cividis map, one view at a time (←/→ views, ↑/↓
    /// heads, Shift+↑/↓ layers, Page Down/Up scenes, Esc leaves).
    void setPresentationMode(bool on);
    bool isPresenting() const { return presenting_; }
    /// View > Export Slide…: the view shown on a 16:9 slide with the scene's title (or the
    /// model and text) and caption: a PNG of `size`, or a PDF page (by the suffix). "" or
    /// what went wrong.
    QString exportSlide(const QString& path, QSize size = QSize(1920, 1080));
    FineTuneWindow* fineTuneWindow() const { return fineTuneWindow_; }
    /// File > Open Image Model…: the image CNN window (one, made on first use).
    ImageFieldWindow* showImageFieldWindow();
    ImageFieldWindow* imageFieldWindow() const { return imageWindow_; }

Q_SIGNALS:
    void errorShown(const QString& message);
    /// An export or import of a project archive ended; `message` says what happened.
    void archiveFinished(bool ok, const QString& message);
    void demoRunsRecorded(bool ok);
    /// showScene(index) has restored the scene.
    void sceneShown(int index);
    void presentationModeChanged(bool on);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    /// Shows the stack selector for an encoder-decoder run, with what the shown stack is.
    void updateStackBar();
    /// On: the views' controls (pickers, sliders, check boxes) are hidden, so that an
    /// exported or copied image is the figure, as lumen-cli attention draws it; off: back.
    void setFigureMode(bool on);
    /// After a project opens: says which artifact files have gone, if any.
    void reportMissingArtifacts();
    void buildMenus();
    void buildCentre();
    void buildStatusBar();
    void buildModelDock();
    void newProject();
    void chooseProject();
    void chooseModel();
    void showAbout();
    void onBusyChanged(bool busy, const QString& what);
    void onModelLoaded(const ModelSummary& model);
    void updateTitle();
    void chooseSavedRun();
    void onWindowShown(int index, int count);
    bool reportExport(const QString& error, const QString& path);

    ProjectController* projects_ = nullptr;
    AttentionController* attention_ = nullptr;
    DemoController* demos_ = nullptr;
    DemoWindow* demoWindow_ = nullptr;
    QTabWidget* views_ = nullptr;
    QWidget* windowBar_ = nullptr;
    QWidget* stackBar_ = nullptr;
    RunBrowser* runBrowser_ = nullptr;
    bool archiveBusy_ = false;
    QComboBox* stackBox_ = nullptr;
    QLabel* stackNote_ = nullptr;
    QPushButton* previousWindow_ = nullptr;
    QPushButton* nextWindow_ = nullptr;
    QLabel* windowLabel_ = nullptr;
    QSpinBox* strideBox_ = nullptr;
    widgets::AttentionView* view_ = nullptr;
    FlowPage* flowPage_ = nullptr;
    ReceptiveFieldPage* fieldPage_ = nullptr;
    ImageFieldWindow* imageWindow_ = nullptr;
    FineTuneWindow* fineTuneWindow_ = nullptr;
    CompareWindow* compareWindow_ = nullptr;
    QProcess* demoRuns_ = nullptr;
    void finishScene();
    /// The views by the names showView() and scenes use (the field page twice: field, cone).
    std::vector<std::pair<const char*, QWidget*>> viewTabs() const;
    QList<Scene> scenes_;
    QString scenePath_;
    int sceneIndex_ = -1;
    bool pendingScene_ = false;
    bool sceneWaitsForModel_ = false;
    QList<SceneNote> sceneNotes_;
    QLabel* caption_ = nullptr;
    QAction* nextScene_ = nullptr;
    QAction* previousScene_ = nullptr;
    int highlighted_ = -1;
    TourGuide* tourGuide_ = nullptr;
    QWidget* inputRow_ = nullptr;
    bool presenting_ = false;
    bool modelDockWasVisible_ = true;
    QFont normalFont_;
    QFont captionFont_;
    QList<QShortcut*> presentationKeys_;
    widgets::HeadView* headView_ = nullptr;
    widgets::ModelView* modelView_ = nullptr;
    widgets::HeadStatsTable* statsTable_ = nullptr;
    QLineEdit* textEdit_ = nullptr;
    QLineEdit* pairEdit_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QLabel* banner_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QLabel* projectLabel_ = nullptr;
    QLabel* busyLabel_ = nullptr;
    QProgressBar* busyBar_ = nullptr;
    QDockWidget* modelDock_ = nullptr;
    widgets::ModelPanel* modelPanel_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    bool interactiveErrors_ = true;
    QString lastError_;
    QString lastWarning_;
};

} // namespace lumen::app
