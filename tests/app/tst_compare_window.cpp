// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The compare workspace, offscreen: the engine's comparison on screen (a token column per
// aligned stretch, shaded where the tokenizers differ; a prediction column per model; the KL
// table; ALBERT's shared layers among the facts), recorded as a compare run whose
// compare.json re-opens with identical numbers, and refusals and failures said in the window.
#include "compare_window.h"
#include "project_controller.h"

#include "conformance.h"

#include "lumen/projects/project.h"
#include "lumen/widgets/candidate_bars.h"

#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using lumen::app::CompareWindow;
using lumen::app::ProjectController;

class TestCompareWindow : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    static QString conformance(const char* name) { return QString::fromStdString(lumen::test::conformanceDir(name)); }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void comparesRecordsAndReopens()
    {
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("c.lumen"))));
        CompareWindow window(&projects);
        window.show();
        window.setModels({ conformance("bert"), conformance("albert"), conformance("roberta") });
        window.setText(QStringLiteral("The unbelievable capital is [MASK]."));
        QSignalSpy compared(&window, &CompareWindow::compared);
        QVERIFY(window.compare());
        QVERIFY(window.isBusy());
        QVERIFY(compared.wait(60000));
        const lumen::engine::CompareResult& r = window.result();
        QCOMPARE(r.facts.size(), size_t { 3 });
        QTableWidget* tokens = window.tokenTable();
        QCOMPARE(tokens->rowCount(), 3);
        QCOMPARE(tokens->columnCount(), static_cast<int>(r.alignment.spans.size()));
        bool shadedDiffer = false;
        bool shadedSame = false;
        for (int c = 0; c < tokens->columnCount(); ++c) {
            QCOMPARE(tokens->horizontalHeaderItem(c)->text(), QString::fromStdString(r.alignment.spans[static_cast<size_t>(c)].text));
            const QColor bg = tokens->item(0, c)->background().color();
            if (r.alignment.spans[static_cast<size_t>(c)].differs) {
                shadedDiffer = shadedDiffer || bg == QColor(0xf6, 0xd3, 0xb3);
            } else {
                shadedSame = shadedSame || bg == QColor(0xd9, 0xef, 0xe6);
            }
        }
        QVERIFY(shadedDiffer && shadedSame);
        // RoBERTa reads its own <mask> where the text says [MASK].
        bool rowHasMask = false;
        for (int c = 0; c < tokens->columnCount(); ++c) {
            rowHasMask = rowHasMask || tokens->item(2, c)->text() == QStringLiteral("<mask>");
        }
        QVERIFY(rowHasMask);
        for (int m = 0; m < 3; ++m) {
            QVERIFY(window.predictionBars(m)->isVisible());
            const auto& group = window.predictionBars(m)->groups().front();
            QCOMPARE(group.candidates.front().first, QString::fromStdString(r.predictions[static_cast<size_t>(m)].top.front().text));
        }
        QVERIFY(!window.predictionBars(3)->isVisible());
        QTableWidget* kl = window.divergenceTable();
        QCOMPARE(kl->item(0, 0)->text(), QStringLiteral("0.000 ="));
        QCOMPARE(kl->item(0, 1)->text().left(5), QString::number(r.kl[0][1], 'f', 3).left(5));
        QVERIFY(window.factsTable()->item(4, 1)->text().contains(QStringLiteral("shared layers")));

        // The run, its compare.json, and the same numbers when it re-opens.
        auto project = lumen::projects::Project::open(dir_.filePath(QStringLiteral("c.lumen")).toStdString());
        const auto runs = project->listRuns();
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(runs[0].kind, std::string("compare"));
        QCOMPARE(runs[0].status, lumen::projects::RunStatus::Completed);
        CompareWindow again(&projects);
        QVERIFY(again.openRun(runs[0].id));
        QCOMPARE(again.models(), window.models());
        for (size_t a = 0; a < 3; ++a) {
            QCOMPARE(again.result().facts[a].latencyMs, r.facts[a].latencyMs);
            for (size_t b = 0; b < 3; ++b) {
                QCOMPARE(again.result().kl[a][b], r.kl[a][b]);
            }
        }
        QCOMPARE(again.divergenceTable()->item(1, 2)->text(), kl->item(1, 2)->text());
        QCOMPARE(again.tokenTable()->columnCount(), tokens->columnCount());
    }

    void refusalsAndFailures()
    {
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("d.lumen"))));
        CompareWindow window(&projects);
        window.setModels({ conformance("bert") });
        window.setText(QStringLiteral("x"));
        QVERIFY(!window.compare());
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("two to four")));
        window.setModels({ conformance("bert"), conformance("gpt2") });
        window.setText(QStringLiteral("  "));
        QVERIFY(!window.compare());
        window.setModels({ conformance("bert"), dir_.filePath(QStringLiteral("no-such-model")) });
        window.setText(QStringLiteral("Paris"));
        QSignalSpy failed(&window, &CompareWindow::failed);
        QVERIFY(window.compare());
        QVERIFY(failed.wait(60000));
        QVERIFY(window.statusLabel()->text().startsWith(QStringLiteral("The comparison failed")));
        auto project = lumen::projects::Project::open(dir_.filePath(QStringLiteral("d.lumen")).toStdString());
        const auto runs = project->listRuns();
        QCOMPARE(runs.size(), size_t { 1 });
        QCOMPARE(runs[0].status, lumen::projects::RunStatus::Failed);
        QVERIFY(!window.openRecord(dir_.filePath(QStringLiteral("missing.json"))));
    }
};

QTEST_MAIN(TestCompareWindow)
#include "tst_compare_window.moc"
