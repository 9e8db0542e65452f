// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The model panel shows the values it is handed: the shape fields, the parameter counts, a
// component table whose shares add up to exactly 100 %, the per-forward row only when
// weights are shared, the tokenizer and its special tokens; without data, a hint.

#include "lumen/widgets/model_panel.h"

#include <QTableWidget>
#include <QTest>

using lumen::widgets::ModelPanel;
using lumen::widgets::ModelPanelData;

namespace {

ModelPanelData bertLike()
{
    ModelPanelData d;
    d.modelType = QStringLiteral("bert");
    d.architecture = QStringLiteral("BertForPreTraining");
    d.layers = 3;
    d.heads = 4;
    d.hiddenSize = 48;
    d.vocabSize = 930;
    d.maxLength = 64;
    d.dtype = QStringLiteral("float32");
    d.device = QStringLiteral("cpu");
    d.parameterCount = 1234567;
    // Thirds: rounded on their own they would read 33.3 % three times, 99.9 % in all.
    d.components = { { QStringLiteral("embeddings"), 411522 },
        { QStringLiteral("encoder"), 411522 }, { QStringLiteral("cls"), 411523 } };
    d.tokenizerKind = QStringLiteral("wordpiece");
    d.tokenizerVocabSize = 930;
    d.specialTokens = { { QStringLiteral("cls"), QStringLiteral("[CLS]"), 2 },
        { QStringLiteral("sep"), QStringLiteral("[SEP]"), 3 },
        { QStringLiteral("pad"), QStringLiteral("[PAD]"), 0 } };
    d.weightsFile = QStringLiteral("/models/bert/model.safetensors");
    d.dir = QStringLiteral("/models/bert");
    return d;
}

double percentOf(const QTableWidget* table, int row)
{
    QString text = table->item(row, 2)->text();
    if (!text.endsWith(QStringLiteral(" %"))) {
        return -1.0;
    }
    text.chop(2);
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok ? v : -1.0;
}

} // namespace

class TestModelPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hintWithoutData()
    {
        ModelPanel panel;
        QVERIFY(panel.isShowingHint());
        QVERIFY(!panel.hasData());
        panel.setData(bertLike());
        QVERIFY(!panel.isShowingHint());
        panel.clear();
        QVERIFY(panel.isShowingHint());
    }

    void showsTheFields()
    {
        ModelPanel panel;
        panel.setData(bertLike());
        QCOMPARE(panel.fieldText(QStringLiteral("family")), QStringLiteral("bert"));
        QCOMPARE(
            panel.fieldText(QStringLiteral("architecture")), QStringLiteral("BertForPreTraining"));
        QCOMPARE(panel.fieldText(QStringLiteral("layers")), QStringLiteral("3"));
        QCOMPARE(panel.fieldText(QStringLiteral("heads")), QStringLiteral("4"));
        QCOMPARE(panel.fieldText(QStringLiteral("hidden")), QStringLiteral("48"));
        QCOMPARE(panel.fieldText(QStringLiteral("vocabulary")), QStringLiteral("930"));
        QCOMPARE(panel.fieldText(QStringLiteral("maxLength")), QStringLiteral("64 tokens"));
        QCOMPARE(panel.fieldText(QStringLiteral("dtype")), QStringLiteral("float32"));
        QCOMPARE(panel.fieldText(QStringLiteral("device")), QStringLiteral("cpu"));
        QCOMPARE(panel.fieldText(QStringLiteral("parameters")), QStringLiteral("1,234,567"));
        QCOMPARE(
            panel.fieldText(QStringLiteral("tokenizer")), QStringLiteral("wordpiece, 930 tokens"));
        QCOMPARE(panel.fieldText(QStringLiteral("weights")), QStringLiteral("model.safetensors"));
        QCOMPARE(panel.fieldText(QStringLiteral("warnings")), QStringLiteral("none"));
        QCOMPARE(panel.fieldText(QStringLiteral("noSuchField")), QString());

        const QTableWidget* specials = panel.specialTokenTable();
        QCOMPARE(specials->rowCount(), 3);
        QCOMPARE(specials->item(0, 0)->text(), QStringLiteral("cls"));
        QCOMPARE(specials->item(0, 1)->text(), QStringLiteral("[CLS]"));
        QCOMPARE(specials->item(0, 2)->text(), QStringLiteral("2"));
        QCOMPARE(specials->item(2, 1)->text(), QStringLiteral("[PAD]"));
        QCOMPARE(specials->item(2, 2)->text(), QStringLiteral("0"));
    }

    void componentSharesAddUpTo100()
    {
        ModelPanel panel;
        panel.setData(bertLike());
        const QTableWidget* table = panel.componentTable();
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("embeddings"));
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("411,522"));
        QCOMPARE(table->item(2, 0)->text(), QStringLiteral("cls"));
        QCOMPARE(table->item(2, 1)->text(), QStringLiteral("411,523"));
        double sum = 0.0;
        for (int r = 0; r < table->rowCount(); ++r) {
            const double p = percentOf(table, r);
            QVERIFY2(p >= 33.3 && p <= 33.4, qPrintable(table->item(r, 2)->text()));
            sum += p;
        }
        QCOMPARE(qRound(sum * 10), 1000);

        // Uneven shares: 3/4 and 1/4 exactly, and a tiny component that still shows.
        ModelPanelData d = bertLike();
        d.components = { { QStringLiteral("a"), 749000 }, { QStringLiteral("b"), 250000 },
            { QStringLiteral("c"), 1000 } };
        panel.setData(d);
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("74.9 %"));
        QCOMPARE(table->item(1, 2)->text(), QStringLiteral("25.0 %"));
        QCOMPARE(table->item(2, 2)->text(), QStringLiteral("0.1 %"));
    }

    void sharesFunction()
    {
        using lumen::widgets::componentSharesPermille;
        QCOMPARE(componentSharesPermille({ 1, 1, 1 }), (std::vector<int> { 334, 333, 333 }));
        QCOMPARE(componentSharesPermille({ 2, 1, 1 }), (std::vector<int> { 500, 250, 250 }));
        QCOMPARE(componentSharesPermille({ 0, 0 }), (std::vector<int> { 0, 0 }));
        QCOMPARE(componentSharesPermille({}), std::vector<int> {});
        const std::vector<int> odd = componentSharesPermille({ 7, 13, 29, 31, 1 });
        int total = 0;
        for (int v : odd) {
            total += v;
        }
        QCOMPARE(total, 1000);
    }

    void perForwardRowOnlyWhenShared()
    {
        ModelPanel panel;
        panel.show();
        ModelPanelData d = bertLike();
        d.parametersPerForward = 0;
        panel.setData(d);
        QVERIFY(!panel.isFieldShown(QStringLiteral("perForward")));
        QVERIFY(panel.isFieldShown(QStringLiteral("parameters")));

        d.parametersPerForward = d.parameterCount; // equal: adds nothing
        panel.setData(d);
        QVERIFY(!panel.isFieldShown(QStringLiteral("perForward")));

        // ALBERT: 12 layers sharing one layer's weights.
        d.modelType = QStringLiteral("albert");
        d.parameterCount = 1000000;
        d.parametersPerForward = 4000000;
        panel.setData(d);
        QVERIFY(panel.isFieldShown(QStringLiteral("perForward")));
        QCOMPARE(panel.fieldText(QStringLiteral("perForward")),
            QStringLiteral("4,000,000 (layers shared, ×4.0)"));
        QCOMPARE(panel.fieldText(QStringLiteral("parameters")), QStringLiteral("1,000,000"));
        QCOMPARE(panel.fieldText(QStringLiteral("family")), QStringLiteral("albert"));

        // Another model without sharing hides the row again.
        panel.setData(bertLike());
        QVERIFY(!panel.isFieldShown(QStringLiteral("perForward")));
    }

    void noTokenizerAndWarnings()
    {
        ModelPanel panel;
        ModelPanelData d = bertLike();
        d.tokenizerKind.clear();
        d.tokenizerVocabSize = 0;
        d.specialTokens.clear();
        d.maxLength = 0;
        d.warnings = QStringList { QStringLiteral("unexpected-key: cls.extra.weight") };
        panel.setData(d);
        QVERIFY(panel.fieldText(QStringLiteral("tokenizer")).startsWith(QStringLiteral("none")));
        QCOMPARE(panel.specialTokenTable()->rowCount(), 0);
        QCOMPARE(panel.fieldText(QStringLiteral("maxLength")), QStringLiteral("not fixed"));
        QCOMPARE(panel.fieldText(QStringLiteral("warnings")),
            QStringLiteral("unexpected-key: cls.extra.weight"));
    }
};

QTEST_MAIN(TestModelPanel)
#include "tst_model_panel.moc"
