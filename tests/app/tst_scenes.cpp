// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Scenes: the file round-trips (a bundled demo model as demo:NAME, a folder beside the file
// relative to it), bad files are refused naming the scene and the field, and the main window
// restores a scene — model, text, view, layer, head, token, caption and notes — steps to
// the next one, and saves what is on screen; `lumen SCENE --screenshot` renders it.
#include "app_options.h"
#include "attention_controller.h"
#include "main_window.h"
#include "receptive_field_page.h"
#include "scene.h"

#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/qcustomplot.h"

#include <QAction>
#include <QMenuBar>
#include <QTabBar>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using lumen::app::MainWindow;
using lumen::app::Scene;
using lumen::app::SceneNote;

class TestScenes : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QString write(const QString& name, const QByteArray& bytes)
    {
        QFile f(dir_.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(bytes);
        return f.fileName();
    }

    static QList<Scene> deck()
    {
        Scene agreement;
        agreement.title = QStringLiteral("Agreement");
        agreement.model = QStringLiteral("demo:bert");
        agreement.text = QStringLiteral("the dogs that the cat chased [MASK] today .");
        agreement.layer = 2;
        agreement.head = 3;
        agreement.token = 7;
        agreement.caption = QStringLiteral("Head 3 looks from the verb back to its subject.");
        agreement.notes = { SceneNote { 2, QStringLiteral("the subject") } };
        Scene causal;
        causal.model = QStringLiteral("demo:gpt");
        causal.text = QStringLiteral("tom and anna went to the park . tom gave a book to");
        causal.view = QStringLiteral("heads");
        causal.layer = 1;
        return { agreement, causal };
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void fileRoundTrips()
    {
        const QString path = dir_.filePath(QStringLiteral("talk.lumenscene"));
        QList<Scene> scenes = deck();
        // A model folder beside the file is written relative to it, a demo model as demo:NAME.
        Scene beside = scenes.at(1);
        QDir(dir_.path()).mkpath(QStringLiteral("models/mine"));
        beside.model = dir_.filePath(QStringLiteral("models/mine"));
        Scene demo = scenes.at(1);
        demo.model = lumen::app::demoModelsDir() + QStringLiteral("/lstm");
        scenes << beside << demo;
        QVERIFY(lumen::app::writeScenes(path, scenes).isEmpty());
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.contains("\"model\": \"models/mine\""));
        QVERIFY(bytes.contains("\"model\": \"demo:lstm\""));
        QString error;
        const auto back = lumen::app::readScenes(path, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(back->size(), 4);
        const Scene& a = back->at(0);
        QCOMPARE(a.title, QStringLiteral("Agreement"));
        QCOMPARE(a.model, QStringLiteral("demo:bert"));
        QCOMPARE(a.text, scenes[0].text);
        QCOMPARE(a.layer, 2);
        QCOMPARE(a.head, 3);
        QCOMPARE(a.token, 7);
        QCOMPARE(a.caption, scenes[0].caption);
        QCOMPARE(a.notes.size(), 1);
        QCOMPARE(a.notes[0].token, 2);
        QCOMPARE(a.notes[0].note, QStringLiteral("the subject"));
        QCOMPARE(back->at(1).view, QStringLiteral("heads"));
        QCOMPARE(lumen::app::sceneModelDir(back->at(0), path), lumen::app::demoModelsDir() + QStringLiteral("/bert"));
        QCOMPARE(lumen::app::sceneModelDir(back->at(2), path), QDir::cleanPath(dir_.filePath(QStringLiteral("models/mine"))));
    }

    // The bundled deck walks through the six demo models.
    void bundledDeckReads()
    {
        const QString deckPath = QStringLiteral(LUMEN_SOURCE_DIR "/resources/demo/scenes/demo-models.lumenscene");
        QString error;
        const auto scenes = lumen::app::readScenes(deckPath, &error);
        QVERIFY2(scenes.has_value(), qPrintable(error));
        QCOMPARE(scenes->size(), 6);
        for (const Scene& s : *scenes) {
            QVERIFY(s.model.startsWith(QStringLiteral("demo:")));
            QVERIFY2(QFileInfo::exists(lumen::app::sceneModelDir(s, deckPath) + QStringLiteral("/config.json")), qPrintable(s.model));
            QVERIFY(!s.caption.isEmpty() && !s.title.isEmpty());
        }
    }

    void badFilesAreRefused()
    {
        const std::pair<QByteArray, const char*> cases[] = {
            { "{ not json", "not valid JSON" },
            { R"({"format": "lumen-compare-1", "scenes": []})", "not a Lumen scene file" },
            { R"({"format": "lumen-scene-1", "scenes": []})", "holds no scenes" },
            { R"({"format": "lumen-scene-1", "scenes": [{"text": "a"}]})", "scene 1 names no model" },
            { R"({"format": "lumen-scene-1", "scenes": [{"model": "demo:bert", "text": "a"}, {"model": "demo:bert"}]})",
                "scene 2 has no text" },
            { R"({"format": "lumen-scene-1", "scenes": [{"model": "demo:bert", "text": "a", "view": "x-ray"}]})",
                "\"x-ray\" is not a view" },
            { R"({"format": "lumen-scene-1", "scenes": [{"model": "demo:bert", "text": "a", "layer": -1}]})", "count from 0" },
        };
        int n = 0;
        for (const auto& [bytes, expected] : cases) {
            QString error;
            QVERIFY(!lumen::app::readScenes(write(QStringLiteral("bad%1.lumenscene").arg(++n), bytes), &error).has_value());
            QVERIFY2(error.contains(QString::fromUtf8(expected)), qPrintable(error));
        }
        QString error;
        QVERIFY(!lumen::app::readScenes(dir_.filePath(QStringLiteral("missing.lumenscene")), &error).has_value());
        QVERIFY(error.contains(QStringLiteral("Cannot read")));
        QVERIFY(!lumen::app::writeScenes(dir_.filePath(QStringLiteral("no/such/folder/x.lumenscene")), deck()).isEmpty());
    }

    void windowRestoresAndSavesScenes()
    {
        const QString path = dir_.filePath(QStringLiteral("deck.lumenscene"));
        QVERIFY(lumen::app::writeScenes(path, deck()).isEmpty());
        MainWindow window;
        window.setInteractiveErrors(false);
        window.resize(1100, 760);
        window.show();
        QVERIFY(window.openProject(dir_.filePath(QStringLiteral("s.lumen"))));
        QSignalSpy shown(&window, &MainWindow::sceneShown);
        QVERIFY(window.openScene(path));
        QVERIFY(shown.wait(60000));
        QCOMPARE(shown.takeFirst().at(0).toInt(), 0);
        QCOMPARE(QFileInfo(window.attentionController()->model().dir).fileName(), QStringLiteral("bert"));
        QCOMPARE(window.textEdit()->text(), deck()[0].text);
        QCOMPARE(window.attentionView()->layer(), 2);
        QCOMPARE(window.attentionView()->head(), 3);
        QCOMPARE(window.views()->currentWidget(), static_cast<QWidget*>(window.attentionView()));
        QVERIFY(!window.captionLabel()->isHidden());
        QVERIFY2(window.captionLabel()->text().contains(QStringLiteral("“dogs”: the subject")), qPrintable(window.captionLabel()->text()));
        QVERIFY(window.windowTitle().contains(QStringLiteral("Agreement (1 of 2)")));
        // What is on screen is the scene again.
        const Scene now = window.currentScene();
        QCOMPARE(now.token, 7);
        QCOMPARE(now.layer, 2);
        QCOMPARE(now.head, 3);
        QCOMPARE(now.caption, deck()[0].caption);

        // The next scene: another model, another view; the caption goes.
        QAction* next = nullptr;
        for (QAction* a : window.findChildren<QAction*>()) {
            if (a->shortcuts().contains(QKeySequence(Qt::Key_PageDown))) {
                next = a;
            }
        }
        QVERIFY(next != nullptr && next->isEnabled());
        next->trigger();
        QVERIFY(shown.wait(60000));
        QCOMPARE(shown.takeFirst().at(0).toInt(), 1);
        QCOMPARE(QFileInfo(window.attentionController()->model().dir).fileName(), QStringLiteral("gpt"));
        QCOMPARE(window.views()->currentWidget(), static_cast<QWidget*>(window.headView()));
        QVERIFY(window.captionLabel()->isHidden());
        QVERIFY(!next->isEnabled()); // the last one
        QVERIFY(!window.showScene(2));

        // Saved as a scene, and added to a deck.
        window.setCaption(QStringLiteral("Only the words before."));
        const QString saved = dir_.filePath(QStringLiteral("saved.lumenscene"));
        QVERIFY(window.saveScene(saved, false).isEmpty());
        QVERIFY(window.saveScene(saved, true).isEmpty());
        QString error;
        const auto back = lumen::app::readScenes(saved, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(back->size(), 2);
        QCOMPARE(back->at(0).model, QStringLiteral("demo:gpt"));
        QCOMPARE(back->at(1).caption, QStringLiteral("Only the words before."));
        QCOMPARE(back->at(1).view, QStringLiteral("heads"));
        QVERIFY(!window.saveScene(write(QStringLiteral("broken.lumenscene"), "{"), true).isEmpty());

        // A scene whose model is gone: an error, the window keeps its model.
        Scene lost = deck()[0];
        lost.model = dir_.filePath(QStringLiteral("gone"));
        const QString lostPath = dir_.filePath(QStringLiteral("lost.lumenscene"));
        QVERIFY(lumen::app::writeScenes(lostPath, { lost }).isEmpty());
        QSignalSpy failed(window.attentionController(), &lumen::app::AttentionController::loadFailed);
        QVERIFY(window.openScene(lostPath));
        QVERIFY(failed.wait(60000));
        QCOMPARE(QFileInfo(window.attentionController()->model().dir).fileName(), QStringLiteral("gpt"));
        QVERIFY(!window.openScene(dir_.filePath(QStringLiteral("missing.lumenscene"))));
        QVERIFY(window.lastError().contains(QStringLiteral("Cannot read")));
    }

    // Presentation mode: full screen, large type, no menus or text box, keys move through
    // views, heads and layers; a slide exports at 1920 x 1080 (PNG) or as a 16:9 PDF page.
    void presentationModeAndSlides()
    {
        const QString path = dir_.filePath(QStringLiteral("present.lumenscene"));
        QVERIFY(lumen::app::writeScenes(path, deck()).isEmpty());
        MainWindow window;
        window.setInteractiveErrors(false);
        window.resize(1100, 760);
        window.show();
        QVERIFY(window.openProject(dir_.filePath(QStringLiteral("p.lumen"))));
        QSignalSpy shown(&window, &MainWindow::sceneShown);
        QVERIFY(window.openScene(path));
        QVERIFY(shown.wait(60000));
        const qreal normal = window.font().pointSizeF();
        window.setPresentationMode(true);
        QVERIFY(window.isPresenting());
        QVERIFY(window.windowState() & Qt::WindowFullScreen);
        QVERIFY(window.menuBar()->isHidden());
        QVERIFY(window.textEdit()->parentWidget()->isHidden());
        QVERIFY(window.views()->tabBar()->isHidden());
        QVERIFY(std::abs(window.font().pointSizeF() - 1.6 * normal) < 0.01);
        QVERIFY(std::abs(window.attentionView()->font().pointSizeF() - 1.6 * normal) < 0.01); // inherited
        QVERIFY(window.captionLabel()->font().pointSizeF() > 1.5 * normal);
        // The heatmap's axes follow the larger type; the views' controls are hidden.
        auto* plot = window.attentionView()->heatmap()->findChild<QCustomPlot*>();
        QVERIFY(plot != nullptr);
        QVERIFY(std::abs(plot->xAxis->tickLabelFont().pointSizeF() - 1.6 * normal) < 0.6);
        QVERIFY(!window.attentionView()->headSelector()->isVisibleTo(window.attentionView()));
        // Thick lines: the head view's lines and every plot's curves (2 px -> 5 px).
        QCOMPARE(window.headView()->lineWidth(), 2.5);
        QCustomPlot* context = window.receptiveFieldPage()->contextPlot();
        context->replot();
        QCOMPARE(context->graph(0)->pen().widthF(), 5.0);
        const int view = window.views()->currentIndex();
        QTest::keyClick(&window, Qt::Key_Right);
        QCOMPARE(window.views()->currentIndex(), (view + 1) % window.views()->count());
        QTest::keyClick(&window, Qt::Key_Left);
        QCOMPARE(window.views()->currentIndex(), view);
        QTest::keyClick(&window, Qt::Key_Up);
        QCOMPARE(window.attentionView()->head(), 2);
        QTest::keyClick(&window, Qt::Key_Up, Qt::ShiftModifier);
        QCOMPARE(window.attentionView()->layer(), 1);
        QTest::keyClick(&window, Qt::Key_PageDown);
        QVERIFY(shown.wait(60000));
        QCOMPARE(window.sceneIndex(), 1);
        QVERIFY(window.isPresenting());

        const QString png = dir_.filePath(QStringLiteral("slide.png"));
        QVERIFY(window.exportSlide(png).isEmpty());
        const QImage slide(png);
        QCOMPARE(slide.size(), QSize(1920, 1080));
        int dark = 0; // the heading's letters in the top band
        for (int x = 0; x < 1920; x += 2) {
            for (int y = 50; y < 110; y += 2) {
                dark += qGray(slide.pixel(x, y)) < 100 ? 1 : 0;
            }
        }
        QVERIFY2(dark > 200, qPrintable(QString::number(dark)));
        const QString pdf = dir_.filePath(QStringLiteral("slide.pdf"));
        QVERIFY(window.exportSlide(pdf).isEmpty());
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(5) == "%PDF-");
        QVERIFY(!window.exportSlide(dir_.filePath(QStringLiteral("no/such/dir/s.png"))).isEmpty());

        QTest::keyClick(&window, Qt::Key_Escape);
        QVERIFY(!window.isPresenting());
        QVERIFY(!window.menuBar()->isHidden());
        QVERIFY(!window.textEdit()->parentWidget()->isHidden());
        QVERIFY(std::abs(window.font().pointSizeF() - normal) < 0.01);
        QVERIFY(std::abs(plot->xAxis->tickLabelFont().pointSizeF() - normal) < 0.6);
        QVERIFY(window.attentionView()->headSelector()->isVisibleTo(window.attentionView()));
        QCOMPARE(window.headView()->lineWidth(), 1.0);
        context->replot();
        QCOMPARE(context->graph(0)->pen().widthF(), 2.0);
        const int before = window.views()->currentIndex();
        QTest::keyClick(&window, Qt::Key_Right); // not a presentation key any more
        QCOMPARE(window.views()->currentIndex(), before);
    }

    void lumenOpensASceneFile()
    {
        const QString lumen = QFileInfo(QStringLiteral(LUMEN_CLI_PATH)).absolutePath() + QStringLiteral("/lumen");
        if (!QFileInfo(lumen).isExecutable()) {
            QSKIP("build the lumen target first");
        }
        const QString path = dir_.filePath(QStringLiteral("one.lumenscene"));
        QVERIFY(lumen::app::writeScenes(path, { deck()[0] }).isEmpty());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("HOME"), dir_.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir_.filePath(QStringLiteral("home/data")));
        QProcess p;
        p.setProcessEnvironment(env);
        const QString shot = dir_.filePath(QStringLiteral("scene.png"));
        p.start(lumen, { path, QStringLiteral("--screenshot"), shot, QStringLiteral("--project"), dir_.filePath(QStringLiteral("x.lumen")) });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(!QImage(shot).isNull());
        p.start(lumen, { dir_.filePath(QStringLiteral("nothing.lumenscene")), QStringLiteral("--screenshot"), shot });
        QVERIFY(p.waitForFinished(120000));
        QVERIFY(p.exitCode() != 0);
        QVERIFY(p.readAllStandardError().contains("Cannot read"));
    }
};

QTEST_MAIN(TestScenes)
#include "tst_scenes.moc"
