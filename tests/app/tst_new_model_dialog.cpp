// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// File > New Model…: the dialog writes the model it describes (the same as its "Copy as
// Command" line), the window opens it, and bad choices are said in the dialog without
// closing it or writing anything.

#include "launcher.h"
#include "main_window.h"
#include "new_model_dialog.h"
#include "receptive_field_page.h"

#include "conformance.h"

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/cone_diagram.h"
#include "lumen/widgets/qcustomplot.h"
#include "lumen/widgets/token_bar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using lumen::app::AttentionController;
using lumen::app::MainWindow;
using lumen::app::NewModelDialog;

class TestNewModelDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(temp_.isValid());
        lumen::app::initResources();
    }

    void createsAndOpensTheModel()
    {
        MainWindow window;
        window.setInteractiveErrors(false);
        window.show();
        QVERIFY(window.openProject(temp_.filePath(QStringLiteral("p.lumen"))));
        QSignalSpy loaded(window.attentionController(), &AttentionController::modelLoaded);
        const QString bert = QString::fromStdString(lumen::test::conformanceDir("bert"));
        window.openModel(bert);
        QVERIFY(loaded.wait(30000));
        NewModelDialog* dialog = window.showNewModelDialog();
        QCOMPARE(dialog->tokenizerEdit()->text(), window.attentionController()->model().dir);
        dialog->familyBox()->setCurrentIndex(dialog->familyBox()->findData(QStringLiteral("dynamicconv")));
        dialog->hiddenBox()->setValue(32);
        dialog->layersBox()->setValue(2);
        dialog->kernelBox()->setValue(5);
        const QString out = temp_.filePath(QStringLiteral("dyn"));
        dialog->outputEdit()->setText(out);
        QVERIFY(dialog->commandLine().contains(QStringLiteral("--family dynamicconv --head masked-lm --hidden 32 --layers 2")));
        QVERIFY(dialog->commandLine().contains(QStringLiteral("--kernel 5")));
        QSignalSpy created(dialog, &NewModelDialog::modelCreated);
        QTest::mouseClick(dialog->createButton(), Qt::LeftButton);
        QVERIFY(loaded.wait(30000)); // the window opens what the dialog wrote
        QCOMPARE(created.count(), 1);
        QCOMPARE(window.attentionController()->model().architecture, QStringLiteral("LumenDynamicConvForMaskedLM"));
        QCOMPARE(window.attentionController()->model().hiddenSize, qint64 { 32 });
        QCOMPARE(window.attentionController()->model().layers, 2);
        QVERIFY(QFile::exists(out + QStringLiteral("/vocab.txt"))); // the tokenizer came along
        // Its kernels show in the attention views as band maps, named as kernels.
        QSignalSpy ready(window.attentionController(), &AttentionController::attentionReady);
        window.runText(QStringLiteral("the capital of france is paris ."));
        QVERIFY(ready.wait(30000));
        const lumen::widgets::AttentionSet& set = window.attentionController()->lastAttention();
        QCOMPARE(set.layers, 2);
        QCOMPARE(set.valueName, QStringLiteral("kernel weight"));
        // Row 3 of layer 0, head 0: a kernel of width 5 centred there, summing to 1.
        double sum = 0.0;
        int nonZero = 0;
        for (int k = 0; k < set.seq; ++k) {
            const float v = set.slice(0, 0)[static_cast<size_t>(3 * set.seq + k)];
            sum += v;
            nonZero += v > 0.0f ? 1 : 0;
        }
        QCOMPARE(nonZero, 5);
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }

    // The receptive-field view measures the text in the box on the worker: the table is the
    // theory, the bar the gradient shares (one layer of kernel 5: exactly five tokens).
    void receptiveFieldView()
    {
        QTemporaryDir dir;
        lumen::engine::NewModelSpec spec;
        spec.hidden = 16;
        spec.layers = 1;
        spec.kernel = 5;
        lumen::engine::createModel(spec, lumen::test::conformanceDir("bert"), dir.path().toStdString(), 0);
        MainWindow window;
        window.setInteractiveErrors(false);
        window.show();
        QVERIFY(window.openProject(temp_.filePath(QStringLiteral("field.lumen"))));
        QSignalSpy loaded(window.attentionController(), &AttentionController::modelLoaded);
        window.openModel(dir.path());
        QVERIFY(loaded.wait(30000));
        window.textEdit()->setText(QStringLiteral("the capital of france is paris ."));
        lumen::app::ReceptiveFieldPage* page = window.receptiveFieldPage();
        QSignalSpy ready(page, &lumen::app::ReceptiveFieldPage::ready);
        page->setPosition(4);
        window.showView(QStringLiteral("field")); // showing the tab measures
        QVERIFY(ready.wait(30000));
        QCOMPARE(page->table()->rowCount(), 1);
        QCOMPARE(page->table()->item(0, 4)->text(), QStringLiteral("5 tokens"));
        lumen::widgets::TokenBar* bar = page->gradientBar();
        QCOMPARE(bar->count(), 11); // [CLS] the capital of fr ##ance is par ##is . [SEP]
        for (int j = 0; j < bar->count(); ++j) {
            const bool inside = j >= 2 && j <= 6;
            QVERIFY2(inside ? bar->value(j) > 0.0f : bar->value(j) == 0.0f, qPrintable(QString::number(j)));
        }
        QCOMPARE(page->last().gradient.position, int64_t { 4 });
        QCOMPARE(page->coneDiagram()->reachCount(0), 5); // the cone's input row: the kernel's five
        QCOMPARE(page->coneDiagram()->reachCount(1), 1);
        QVERIFY(std::abs(page->last().gradient.withinDistance.back() - 1.0) < 1e-9);

        // Another model's curve joins the plot (GPT-2: its own tokens, the same relative
        // place), a folder without a model is named in the status and skipped, and the context
        // ablation's loss against d is plotted: nothing changes once d covers the 5-token field.
        page->addComparedModel(QString::fromStdString(lumen::test::conformanceDir("gpt2")));
        page->addComparedModel(temp_.filePath(QStringLiteral("no-model-here")));
        page->ablationBox()->setChecked(true);
        page->measure();
        QVERIFY(ready.wait(30000));
        const lumen::app::ReceptiveFieldOutput& out = page->last();
        QCOMPARE(out.compared.size(), size_t { 2 });
        QVERIFY(out.compared[0].error.isEmpty());
        QVERIFY(!out.compared[0].gradient.withinDistance.empty());
        QVERIFY(out.compared[0].name.contains(QStringLiteral("gpt2")));
        QVERIFY(!out.compared[1].error.isEmpty());
        QVERIFY(page->statusLabel()->text().contains(QStringLiteral("no-model-here")));
        QCOMPARE(page->contextPlot()->graphCount(), 2); // this model and GPT-2
        QVERIFY(out.ablation.has_value());
        const lumen::engine::ContextAblation& a = *out.ablation;
        for (const lumen::engine::ContextAblationPoint& p : a.points) {
            if (p.distance >= 2) {
                QVERIFY(std::abs(p.loss - a.fullLoss) < 1e-4);
            }
        }
        QVERIFY(page->ablationPlot()->isVisibleTo(page));
        QCOMPARE(page->ablationPlot()->graph(0)->dataCount(), static_cast<int>(a.points.size()));
        page->clearComparedModels();
        page->ablationBox()->setChecked(false);
        page->measure();
        QVERIFY(ready.wait(30000));
        QCOMPARE(page->contextPlot()->graphCount(), 1);
        QVERIFY(!page->ablationPlot()->isVisibleTo(page));

        // A model with nothing to draw as attention: Run shows its receptive field, no error.
        lumen::engine::NewModelSpec wave;
        wave.family = "wavenet";
        wave.causal = true;
        wave.hidden = 16;
        wave.layers = 3;
        QTemporaryDir waveDir;
        lumen::engine::createModel(wave, lumen::test::conformanceDir("gpt2"), waveDir.path().toStdString(), 0);
        window.showView(QStringLiteral("heatmap"));
        window.openModel(waveDir.path());
        QVERIFY(loaded.wait(30000));
        page->setPosition(10);
        window.runText(QStringLiteral("one two three four five six seven eight nine ten eleven twelve"));
        QVERIFY(ready.wait(30000));
        QCOMPARE(window.currentView(), static_cast<QWidget*>(page));
        QCOMPARE(page->table()->rowCount(), 3);
        QCOMPARE(page->last().gradient.position, int64_t { 10 });
        QCOMPARE(page->coneDiagram()->reachCount(0), 8); // dilations 1, 2, 4: positions 3 .. 10
    }

    void badChoicesStayInTheDialog()
    {
        NewModelDialog dialog;
        dialog.show();
        // GPT-2's tokenizer has no mask token: a masked-LM is refused, nothing is written.
        dialog.setTokenizerDir(QString::fromStdString(lumen::test::conformanceDir("gpt2")));
        const QString out = temp_.filePath(QStringLiteral("refused"));
        dialog.setOutputDir(out);
        QSignalSpy created(&dialog, &NewModelDialog::modelCreated);
        QVERIFY(dialog.create());
        QVERIFY(QTest::qWaitFor([&] { return dialog.createButton()->isEnabled(); }, 30000));
        QVERIFY2(dialog.messageLabel()->text().contains(QStringLiteral("mask token")), qPrintable(dialog.messageLabel()->text()));
        QCOMPARE(created.count(), 0);
        QVERIFY(dialog.isVisible());
        QVERIFY(!QFile::exists(out + QStringLiteral("/model.safetensors")));
        // An even kernel for a centred convolution is named.
        dialog.setTokenizerDir(QString::fromStdString(lumen::test::conformanceDir("bert")));
        dialog.kernelBox()->setValue(4);
        QVERIFY(dialog.create());
        QVERIFY(QTest::qWaitFor([&] { return dialog.createButton()->isEnabled(); }, 30000));
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("kernel_size")));
        // A folder that holds a model is never overwritten; empty fields are asked for.
        const QString existing = QString::fromStdString(lumen::test::conformanceDir("bert"));
        dialog.setOutputDir(existing);
        QVERIFY(!dialog.create());
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("does not overwrite")));
        dialog.setOutputDir(QString());
        QVERIFY(!dialog.create());
    }

private:
    QTemporaryDir temp_;
};

QTEST_MAIN(TestNewModelDialog)
#include "tst_new_model_dialog.moc"
