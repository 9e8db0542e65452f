// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Guided tours, offscreen: every tour runs end to end on the bundled demo models — each
// step's work (a load, a run, a view) is done before it shows, its widget is outlined where
// it is on screen, the last step finishes the tour — and a tour left midway resumes there.
#include "compare_window.h"
#include "main_window.h"
#include "tour.h"

#include "attention_controller.h"

#include <QCoreApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using lumen::app::MainWindow;
using lumen::app::TourGuide;

class TestTours : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // The tour's place is kept in QSettings: here, not in the user's configuration.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("lumen-tests"));
        QSettings().remove(QStringLiteral("tour"));
    }

    void everyTourRunsEndToEnd()
    {
        MainWindow window;
        window.setInteractiveErrors(false);
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.openProject(dir_.filePath(QStringLiteral("t.lumen"))));
        TourGuide* guide = window.tourGuide();
        const QList<lumen::app::Tour> all = lumen::app::tours();
        QCOMPARE(all.size(), 6);
        for (const lumen::app::Tour& tour : all) {
            QSignalSpy finished(guide, &TourGuide::finished);
            QVERIFY(guide->start(tour.id));
            for (int step = 0; step < tour.steps.size(); ++step) {
                QTRY_VERIFY_WITH_TIMEOUT(guide->isReady(), 60000);
                QCOMPARE(guide->currentStep(), step);
                QVERIFY(guide->panel()->isVisible());
                QWidget* target = guide->outlinedWidget();
                QVERIFY2(target != nullptr, qPrintable(tour.id + QStringLiteral(" step %1").arg(step + 1)));
                QVERIFY2(guide->outline()->isVisible(), qPrintable(tour.id + QStringLiteral(" step %1").arg(step + 1)));
                // The outline sits around the widget, in the widget's own window.
                QCOMPARE(guide->outline()->window(), target->window());
                const QRect where(target->mapTo(target->window(), QPoint(0, 0)), target->size());
                QVERIFY(guide->outline()->geometry().contains(where));
                guide->next();
            }
            QCOMPARE(finished.count(), 1);
            if (tour.id == QStringLiteral("compare")) {
                // What the tour says: all three fill the agreement blank with plural verbs.
                const lumen::engine::CompareResult& r = window.compareWindow()->result();
                QCOMPARE(r.predictions.size(), size_t { 3 });
                for (const lumen::engine::ModelPrediction& p : r.predictions) {
                    QVERIFY(p.top.size() >= 3);
                    for (size_t k = 0; k < 3; ++k) {
                        QVERIFY2(p.top[k].text.back() != 's', p.top[k].text.c_str());
                    }
                }
            }
            QVERIFY(!guide->isActive());
            QVERIFY(!guide->panel()->isVisible());
        }
        // The tours drove the real window: the last attention tour step left GPT, LSTM, ...
        QVERIFY(window.attentionController()->hasModel());
        QVERIFY(!guide->start(QStringLiteral("no-such-tour")));
        QVERIFY(!guide->start(QStringLiteral("attention"), 99));
    }

    void aTourLeftResumesWhereItWas()
    {
        MainWindow window;
        window.setInteractiveErrors(false);
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.openProject(dir_.filePath(QStringLiteral("r.lumen"))));
        TourGuide* guide = window.tourGuide();
        QVERIFY(guide->start(QStringLiteral("attention")));
        QTRY_VERIFY_WITH_TIMEOUT(guide->isReady(), 60000);
        guide->next();
        QTRY_VERIFY_WITH_TIMEOUT(guide->isReady(), 60000);
        guide->next();
        QTRY_VERIFY_WITH_TIMEOUT(guide->isReady(), 60000);
        QSignalSpy left(guide, &TourGuide::left);
        guide->leave();
        QCOMPARE(left.count(), 1);
        QVERIFY(!guide->isActive());
        QVERIFY(!guide->outline()->isVisible());
        QCOMPARE(guide->savedTour(), QStringLiteral("attention"));
        QCOMPARE(guide->savedStep(), 2);
        TourGuide again(&window);
        QVERIFY(again.resume());
        QCOMPARE(again.currentTour(), QStringLiteral("attention"));
        QCOMPARE(again.currentStep(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(again.isReady(), 60000);
        // Step 3 chose layer 2, head 3 and the masked verb.
        QCOMPARE(window.currentScene().layer, 2);
        QCOMPARE(window.currentScene().head, 3);
        QCOMPARE(window.currentScene().token, 7);
        again.back();
        QCOMPARE(again.currentStep(), 1);
    }
};

QTEST_MAIN(TestTours)
#include "tst_tours.moc"
