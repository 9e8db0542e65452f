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
#include "lumen/widgets/attention_heatmap.h"
#include "lumen/widgets/candidate_bars.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/speed_length_chart.h"
#include "lumen/engine/model.h"
#include <QSpinBox>

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
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
        // Attention at one relative depth: BERT's 3 layers against RoBERTa's 2.
        QCOMPARE(window.layerBox()->maximum(), 3);
        window.setAttentionLayer(0);
        QVERIFY(window.attentionMap(2)->data().title.contains(QStringLiteral("layer 1 of 2")));
        window.setAttentionLayer(1);
        QVERIFY(window.attentionMap(0)->data().title.contains(QStringLiteral("layer 2 of 3")));
        QVERIFY(window.attentionMap(2)->data().title.contains(QStringLiteral("layer 2 of 2")));
        QCOMPARE(window.attentionMap(2)->data().queries(), static_cast<int>(r.tokens[2].size()));
        QVERIFY(window.differenceMap()->parentWidget()->isHidden()); // three models: no A - B
        // Effective context: a curve per model, rising to 1.
        QCOMPARE(window.contextPlot()->graphCount(), 3);
        for (int m = 0; m < 3; ++m) {
            const auto* data = window.contextPlot()->graph(m)->data().data();
            QCOMPARE(data->size(), static_cast<int>(r.tokens[static_cast<size_t>(m)].size()));
            double previous = 0.0;
            for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
                QVERIFY(it->value >= previous - 1e-12);
                previous = it->value;
            }
            QVERIFY(std::abs(previous - 1.0) < 1e-9);
        }
        // Speed against length: every model at 32, 64, 128 tokens, as far as its positions go
        // (the test BERT has 64).
        QSignalSpy measured(&window, &CompareWindow::speedMeasured);
        QVERIFY(window.measureSpeed(128));
        QVERIFY(!window.compare()); // busy
        QVERIFY(measured.wait(60000));
        QCOMPARE(window.speedChart()->series().size(), size_t { 3 });
        QCOMPARE(window.speedChart()->series()[0].lengths, (std::vector<double> { 32, 64 }));
        for (const auto& series : window.speedChart()->series()) {
            QVERIFY(!series.lengths.empty() && series.lengths.front() == 32 && series.lengths.back() <= 128);
            for (size_t i = 1; i < series.lengths.size(); ++i) {
                QCOMPARE(series.lengths[i], 2 * series.lengths[i - 1]);
            }
            for (const double ms : series.milliseconds) {
                QVERIFY(ms > 0.0);
            }
        }

        // The effective context again at the last token of each model's text.
        QSignalSpy contextDone(&window, &CompareWindow::contextMeasured);
        window.contextPositionSlider()->setValue(100);
        QVERIFY(window.measureContext(1.0));
        QVERIFY(contextDone.wait(60000));
        for (size_t m = 0; m < 3; ++m) {
            QCOMPARE(window.result().contexts[m].position, r.facts[m].tokens - 1);
            const auto* data = window.contextPlot()->graph(static_cast<int>(m))->data().data();
            QCOMPARE(data->size(), static_cast<int>(window.result().contexts[m].withinDistance.size()));
            QCOMPARE((data->constEnd() - 1)->value, window.result().contexts[m].withinDistance.back());
        }

        // A dataset through the same models: rows stream in, then sorted by disagreement.
        const QString cloze = dir_.filePath(QStringLiteral("cloze.csv"));
        QFile c(cloze);
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write("sentence,answer\n\"The capital of France is [MASK].\",paris\nThe [MASK] is blue.,sky\nA [MASK] day.,fine\n");
        c.close();
        QVERIFY(window.setDatasetFile(cloze));
        QSignalSpy rows(&window, &CompareWindow::datasetExample);
        QSignalSpy datasetDone(&window, &CompareWindow::datasetCompared);
        QVERIFY(window.compareDataset(cloze, QStringLiteral("sentence"), QStringLiteral("answer")));
        QVERIFY(datasetDone.wait(60000));
        QCOMPARE(rows.count(), 3);
        QCOMPARE(window.datasetTable()->rowCount(), 3);
        QCOMPARE(window.datasetTable()->columnCount(), 4 + 3);
        QCOMPARE(window.datasetTable()->item(0, 2)->text(), QString::fromStdString(window.datasetResult().examples.front().text));
        QVERIFY(window.datasetResult().examples[0].disagreement >= window.datasetResult().examples[1].disagreement);
        QVERIFY2(window.datasetSummary()->text().contains(QStringLiteral("accuracy")), qPrintable(window.datasetSummary()->text()));
        const lumen::engine::DatasetComparison firstDataset = window.datasetResult();
        const QString firstRow = window.datasetTable()->item(0, 4)->text();
        QVERIFY(window.compareDataset(cloze, QStringLiteral("nope"), QString()));
        QVERIFY(datasetDone.wait(60000));
        QVERIFY2(window.datasetSummary()->text().contains(QStringLiteral("cloze.csv:1")), qPrintable(window.datasetSummary()->text()));

        // The whole workspace as one sheet.
        QVERIFY(window.exportSheet(dir_.filePath(QStringLiteral("sheet.png"))).isEmpty());
        QCOMPARE(QImage(dir_.filePath(QStringLiteral("sheet.png"))).size(), window.grab().size());
        QVERIFY(window.exportSheet(dir_.filePath(QStringLiteral("sheet.pdf"))).isEmpty());
        QFile pdf(dir_.filePath(QStringLiteral("sheet.pdf")));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QVERIFY(!window.exportSheet(dir_.filePath(QStringLiteral("no/such/folder/sheet.png"))).isEmpty());

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
        // ... with the effective context where it was measured last, the speed chart and the
        // dataset table (the last dataset that ran; the one with the wrong column did not).
        QCOMPARE(again.contextPositionSlider()->value(), 100);
        for (size_t m = 0; m < 3; ++m) {
            QCOMPARE(again.result().contexts[m].position, window.result().contexts[m].position);
            QCOMPARE(again.result().contexts[m].withinDistance, window.result().contexts[m].withinDistance);
        }
        QCOMPARE(again.speedResult().size(), window.speedResult().size());
        for (size_t m = 0; m < 3; ++m) {
            QCOMPARE(again.speedResult()[m].lengths, window.speedResult()[m].lengths);
            QCOMPARE(again.speedResult()[m].milliseconds, window.speedResult()[m].milliseconds);
            QCOMPARE(again.speedChart()->series()[m].milliseconds, window.speedChart()->series()[m].milliseconds);
        }
        QCOMPARE(again.datasetTable()->rowCount(), 3);
        QCOMPARE(again.datasetResult().examples.size(), size_t { 3 });
        QCOMPARE(again.datasetResult().examples[0].text, firstDataset.examples[0].text);
        QCOMPARE(again.datasetResult().examples[0].top1, firstDataset.examples[0].top1);
        QCOMPARE(again.datasetTable()->item(0, 4)->text(), firstRow);
        QVERIFY(again.datasetSummary()->text().contains(QStringLiteral("accuracy")));
    }

    // A dataset run of lumen-cli compare (dataset-compare.json only) opens on the Dataset tab.
    void opensADatasetRun()
    {
        auto project = lumen::projects::Project::create(dir_.filePath(QStringLiteral("e.lumen")).toStdString());
        const int64_t id = project->beginRun({ "compare", conformance("bert").toStdString(), "cpu", "{}", "" });
        lumen::engine::DatasetComparison d;
        d.total = 2;
        d.accuracy = { 0.5, std::nan("") };
        d.agreement = { { 1.0, 0.5 }, { 0.5, 1.0 } };
        for (int i = 0; i < 2; ++i) {
            lumen::engine::DatasetExample e;
            e.index = i;
            e.line = i + 2;
            e.text = i == 0 ? "A [MASK] day." : "The sky is [MASK].";
            e.label = "fine";
            e.top1 = { "fine", i == 0 ? "good" : "blue" };
            e.top1Probability = { 0.5, 0.25 };
            e.disagreement = 1.0 - i;
            d.examples.push_back(e);
        }
        lumen::engine::DatasetCompareConfig config;
        config.data.path = "/data/cloze.csv";
        project->writeArtifact(id, "dataset-comparison", "dataset-compare.json",
            lumen::engine::datasetComparisonToJson(d, config, { conformance("bert").toStdString(), conformance("albert").toStdString() }));
        project->finishRun(id, lumen::projects::RunStatus::Completed, "{}");
        project.reset();
        ProjectController projects;
        QVERIFY(projects.openOrCreateProject(dir_.filePath(QStringLiteral("e.lumen"))));
        CompareWindow window(&projects);
        QVERIFY(window.openRun(id));
        QCOMPARE(window.models(), (QStringList { conformance("bert"), conformance("albert") }));
        QCOMPARE(window.datasetTable()->rowCount(), 2);
        QCOMPARE(window.datasetTable()->columnCount(), 6);
        QVERIFY(window.datasetTable()->horizontalHeaderItem(5)->text().endsWith(QStringLiteral("albert")));
        QCOMPARE(window.datasetTable()->item(1, 5)->text(), QStringLiteral("blue (25.0 %)"));
        QVERIFY2(window.datasetSummary()->text().startsWith(QStringLiteral("cloze.csv: 2 of 2")), qPrintable(window.datasetSummary()->text()));
        QVERIFY(window.datasetSummary()->text().contains(QStringLiteral("[1] accuracy 50.0 %")));
        QVERIFY(!window.datasetSummary()->text().contains(QStringLiteral("[2] accuracy")));
    }

    // A - B for two models of one shape: zero for a model against itself; against another
    // seed of the same configuration, exactly the difference of their maps. A model without
    // attention says so.
    void differenceOfTwoModels()
    {
        const QString other = dir_.filePath(QStringLiteral("bert-seed-7"));
        lumen::engine::createRandomModel(lumen::test::conformanceDir("bert") + "/config.json", other.toStdString(), 7);
        lumen::engine::NewModelSpec lstm;
        lstm.family = "lstm";
        lstm.hidden = 16;
        lstm.layers = 2;
        const QString recurrent = dir_.filePath(QStringLiteral("lstm"));
        lumen::engine::createModel(lstm, lumen::test::conformanceDir("bert"), recurrent.toStdString(), 0);
        CompareWindow window(nullptr);
        window.show();
        window.setText(QStringLiteral("The capital is [MASK]."));
        QSignalSpy compared(&window, &CompareWindow::compared);
        window.setModels({ conformance("bert"), conformance("bert") });
        QVERIFY(window.compare());
        QVERIFY(compared.wait(60000));
        QVERIFY(!window.differenceMap()->parentWidget()->isHidden());
        for (const float w : window.differenceMap()->data().weights) {
            QCOMPARE(w, 0.0f);
        }
        // A text pair: both segments read, the second aligned after the first.
        window.setPair(QStringLiteral("It is Paris."));
        QVERIFY(window.compare());
        QVERIFY(compared.wait(60000));
        QCOMPARE(std::count(window.result().tokens[0].begin(), window.result().tokens[0].end(), std::string("[SEP]")), 2L);
        QCOMPARE(window.tokenTable()->horizontalHeaderItem(window.tokenTable()->columnCount() - 1)->text(), QStringLiteral("."));
        QVERIFY(window.result().alignment.spans.back().begin > 22);
        window.setPair(QString());
        window.setModels({ conformance("bert"), other });
        QVERIFY(window.compare());
        QVERIFY(compared.wait(60000));
        // Predictions: where the two seeds differ most, as the engine found.
        QTableWidget* diff = window.predictionDifferenceTable();
        QVERIFY(!diff->isHidden());
        QCOMPARE(diff->rowCount(), static_cast<int>(window.result().difference.size()));
        QCOMPARE(diff->item(0, 0)->text(), QString::fromStdString(window.result().difference.front().text));
        window.setAttentionLayer(2);
        window.setAttentionHead(1);
        const auto& a = window.result().attentions;
        const auto t = static_cast<size_t>(a[0].tokens);
        const std::vector<float>& d = window.differenceMap()->data().weights;
        QCOMPARE(d.size(), t * t);
        float largest = 0.0f;
        for (size_t i = 0; i < t * t; ++i) {
            QCOMPARE(d[i], a[0].layers[2][t * t + i] - a[1].layers[2][t * t + i]);
            largest = std::max(largest, std::abs(d[i]));
        }
        QVERIFY(largest > 0.0f);
        // Different tokenizers: the difference over the stretches both cut, B at A's depth.
        window.setModels({ conformance("bert"), conformance("roberta") });
        QVERIFY(window.compare());
        QVERIFY(compared.wait(60000));
        QVERIFY(!window.differenceMap()->parentWidget()->isHidden());
        QCOMPARE(window.differenceMap()->data().queries(), static_cast<int>(window.result().alignment.spans.size()));
        QCOMPARE(window.differenceMap()->data().queryTokens.front(), QString::fromStdString(window.result().alignment.spans.front().text));
        QVERIFY(window.differenceTitle()->text().contains(QStringLiteral("stretches")));
        window.setModels({ conformance("bert"), recurrent });
        QVERIFY(window.compare());
        QVERIFY(compared.wait(60000));
        QVERIFY(window.attentionTitle(1)->text().contains(QStringLiteral("no attention")));
        QVERIFY(window.differenceMap()->parentWidget()->isHidden());
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
