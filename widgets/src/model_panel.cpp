// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/widgets/model_panel.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace lumen::widgets {

namespace {

QLabel* sectionLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    label->setContentsMargins(0, 8, 0, 2);
    return label;
}

QTableWidget* makeTable(const QStringList& headers, QWidget* parent)
{
    auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->setVisible(false);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFocusPolicy(Qt::NoFocus);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < headers.size(); ++c) {
        table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    }
    table->horizontalHeader()->setHighlightSections(false);
    table->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    table->setStyleSheet(QStringLiteral("QTableWidget::item { padding: 0px 6px; }"));
    return table;
}

/// Sizes a table to show all its rows without a scroll bar (it lives in a scroll area).
void fitHeight(QTableWidget* table)
{
    table->resizeRowsToContents();
    int h = table->horizontalHeader()->sizeHint().height() + 2 * table->frameWidth();
    for (int r = 0; r < table->rowCount(); ++r) {
        h += table->rowHeight(r);
    }
    table->setFixedHeight(h);
}

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignLeft)
{
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(align | Qt::AlignVCenter);
    return item;
}

} // namespace

std::vector<int> componentSharesPermille(const std::vector<qint64>& counts)
{
    std::vector<int> shares(counts.size(), 0);
    const qint64 total = std::accumulate(counts.begin(), counts.end(), qint64(0));
    if (total <= 0) {
        return shares;
    }
    // Largest remainder: floor every share, then hand the missing tenths to the largest
    // fractional parts, so the column always reads 100 % in total.
    std::vector<std::pair<double, size_t>> remainders;
    int assigned = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        const double exact = 1000.0 * static_cast<double>(counts[i]) / static_cast<double>(total);
        shares[i] = static_cast<int>(exact);
        assigned += shares[i];
        remainders.emplace_back(exact - shares[i], i);
    }
    std::stable_sort(remainders.begin(), remainders.end(),
        [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t k = 0; assigned < 1000 && k < remainders.size(); ++k, ++assigned) {
        ++shares[remainders[k].second];
    }
    return shares;
}

QString formatCount(qint64 count)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(count);
}

ModelPanel::ModelPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    stack_ = new QStackedWidget(this);
    outer->addWidget(stack_);

    hint_ = new QLabel(tr("No model loaded.\nOpen a model folder or a model from the "
                          "Hugging Face cache."),
        stack_);
    hint_->setObjectName(QStringLiteral("modelPanelHint"));
    hint_->setAlignment(Qt::AlignCenter);
    hint_->setWordWrap(true);
    hint_->setEnabled(false);
    stack_->addWidget(hint_);

    auto* scroll = new QScrollArea(stack_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* content = new QWidget(scroll);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->setSpacing(2);

    title_ = new QLabel(content);
    title_->setObjectName(QStringLiteral("modelPanelTitle"));
    QFont big = title_->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.2);
    title_->setFont(big);
    title_->setWordWrap(true);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(title_);

    auto newForm = [layout] {
        auto* form = new QFormLayout;
        form->setContentsMargins(0, 0, 0, 0);
        form->setHorizontalSpacing(12);
        form->setVerticalSpacing(3);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setLabelAlignment(Qt::AlignLeft);
        layout->addLayout(form);
        return form;
    };

    layout->addWidget(sectionLabel(tr("Architecture"), content));
    QFormLayout* model = newForm();
    addField(model, QStringLiteral("family"), tr("Family"));
    addField(model, QStringLiteral("architecture"), tr("Class"));
    addField(model, QStringLiteral("layers"), tr("Layers"));
    addField(model, QStringLiteral("heads"), tr("Heads"));
    addField(model, QStringLiteral("hidden"), tr("Hidden size"));
    addField(model, QStringLiteral("vocabulary"), tr("Vocabulary"));
    addField(model, QStringLiteral("maxLength"), tr("Max length"));
    addField(model, QStringLiteral("dtype"), tr("Dtype"));
    addField(model, QStringLiteral("device"), tr("Device"));

    layout->addWidget(sectionLabel(tr("Parameters"), content));
    QFormLayout* params = newForm();
    addField(params, QStringLiteral("parameters"), tr("Unique"));
    addField(params, QStringLiteral("perForward"), tr("Per forward"));
    components_ = makeTable({ tr("Component"), tr("Parameters"), tr("Share") }, content);
    components_->setObjectName(QStringLiteral("componentTable"));
    layout->addSpacing(4);
    layout->addWidget(components_);

    layout->addWidget(sectionLabel(tr("Tokenizer"), content));
    QFormLayout* tok = newForm();
    addField(tok, QStringLiteral("tokenizer"), tr("Kind"));
    specials_ = makeTable({ tr("Special"), tr("Token"), tr("ID") }, content);
    specials_->setObjectName(QStringLiteral("specialTokenTable"));
    layout->addSpacing(4);
    layout->addWidget(specials_);
    specialsEmpty_ = new QLabel(tr("No special tokens."), content);
    specialsEmpty_->setEnabled(false);
    layout->addWidget(specialsEmpty_);

    layout->addWidget(sectionLabel(tr("Files"), content));
    QFormLayout* files = newForm();
    addField(files, QStringLiteral("weights"), tr("Weights"));
    addField(files, QStringLiteral("warnings"), tr("Warnings"));
    layout->addStretch(1);

    // One key column across the sections, so the values line up.
    int keyWidth = 0;
    for (const auto& field : fields_) {
        keyWidth = std::max(keyWidth, field.second.first->sizeHint().width());
    }
    for (const auto& field : fields_) {
        field.second.first->setMinimumWidth(keyWidth);
    }

    scroll->setWidget(content);
    stack_->addWidget(scroll);
    stack_->setCurrentWidget(hint_);
}

QLabel* ModelPanel::addField(QFormLayout* form, const QString& name, const QString& label)
{
    auto* key = new QLabel(label, this);
    key->setEnabled(false); // the platform's dimmed text: keys recede, values read first
    auto* value = new QLabel(this);
    value->setObjectName(name);
    value->setWordWrap(true);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(key, value);
    fields_.push_back({ name, { key, value } });
    return value;
}

void ModelPanel::setField(const QString& field, const QString& text, bool shown)
{
    for (auto& [name, widgets] : fields_) {
        if (name == field) {
            widgets.second->setText(text);
            widgets.first->setVisible(shown);
            widgets.second->setVisible(shown);
            return;
        }
    }
}

QString ModelPanel::fieldText(const QString& field) const
{
    for (const auto& [name, widgets] : fields_) {
        if (name == field) {
            return widgets.second->text();
        }
    }
    return {};
}

bool ModelPanel::isFieldShown(const QString& field) const
{
    for (const auto& [name, widgets] : fields_) {
        if (name == field) {
            return !widgets.second->isHidden();
        }
    }
    return false;
}

bool ModelPanel::isShowingHint() const
{
    return stack_->currentWidget() == hint_;
}

void ModelPanel::clear()
{
    setData(ModelPanelData {});
}

void ModelPanel::setData(const ModelPanelData& data)
{
    data_ = data;
    if (data.isEmpty()) {
        stack_->setCurrentWidget(hint_);
        return;
    }
    const QString unknown = tr("unknown");
    auto number = [&unknown](qint64 n) { return n > 0 ? formatCount(n) : unknown; };

    title_->setText(data.architecture.isEmpty() ? data.modelType : data.architecture);
    title_->setToolTip(data.dir);
    setField(QStringLiteral("family"), data.modelType.isEmpty() ? unknown : data.modelType);
    setField(
        QStringLiteral("architecture"), data.architecture.isEmpty() ? unknown : data.architecture);
    setField(QStringLiteral("layers"), number(data.layers));
    setField(QStringLiteral("heads"), number(data.heads));
    setField(QStringLiteral("hidden"), number(data.hiddenSize));
    setField(QStringLiteral("vocabulary"), number(data.vocabSize));
    setField(QStringLiteral("maxLength"),
        data.maxLength > 0 ? tr("%1 tokens").arg(formatCount(data.maxLength)) : tr("not fixed"));
    setField(QStringLiteral("dtype"), data.dtype.isEmpty() ? unknown : data.dtype);
    setField(QStringLiteral("device"), data.device.isEmpty() ? unknown : data.device);

    setField(QStringLiteral("parameters"), formatCount(data.parameterCount));
    const bool shared =
        data.parametersPerForward > 0 && data.parametersPerForward != data.parameterCount;
    QString perForward;
    if (shared && data.parameterCount > 0) {
        perForward = tr("%1 (layers shared, ×%2)")
                         .arg(formatCount(data.parametersPerForward))
                         .arg(static_cast<double>(data.parametersPerForward)
                                 / static_cast<double>(data.parameterCount),
                             0, 'f', 1);
    } else if (shared) {
        perForward = formatCount(data.parametersPerForward);
    }
    setField(QStringLiteral("perForward"), perForward, shared);

    std::vector<qint64> counts;
    for (const auto& c : data.components) {
        counts.push_back(c.parameters);
    }
    const std::vector<int> shares = componentSharesPermille(counts);
    components_->setRowCount(static_cast<int>(data.components.size()));
    for (int r = 0; r < components_->rowCount(); ++r) {
        const auto& c = data.components[static_cast<size_t>(r)];
        components_->setItem(r, 0, cell(c.name));
        components_->setItem(r, 1, cell(formatCount(c.parameters), Qt::AlignRight));
        components_->setItem(r, 2,
            cell(QStringLiteral("%1 %").arg(shares[static_cast<size_t>(r)] / 10.0, 0, 'f', 1),
                Qt::AlignRight));
    }
    components_->setVisible(!data.components.empty());
    fitHeight(components_);

    if (data.tokenizerKind.isEmpty()) {
        setField(QStringLiteral("tokenizer"), tr("none (the folder has no tokenizer files)"));
    } else if (data.tokenizerVocabSize > 0) {
        setField(QStringLiteral("tokenizer"),
            tr("%1, %2 tokens").arg(data.tokenizerKind, formatCount(data.tokenizerVocabSize)));
    } else {
        setField(QStringLiteral("tokenizer"), data.tokenizerKind);
    }
    specials_->setRowCount(static_cast<int>(data.specialTokens.size()));
    for (int r = 0; r < specials_->rowCount(); ++r) {
        const auto& s = data.specialTokens[static_cast<size_t>(r)];
        specials_->setItem(r, 0, cell(s.role));
        specials_->setItem(r, 1, cell(s.token));
        specials_->setItem(
            r, 2, cell(s.id >= 0 ? QString::number(s.id) : QStringLiteral("–"), Qt::AlignRight));
    }
    specials_->setVisible(!data.specialTokens.empty());
    specialsEmpty_->setVisible(data.specialTokens.empty() && !data.tokenizerKind.isEmpty());
    fitHeight(specials_);

    const QString weightsName = QFileInfo(data.weightsFile).fileName();
    setField(QStringLiteral("weights"), weightsName.isEmpty() ? unknown : weightsName);
    for (auto& [name, widgets] : fields_) {
        if (name == QStringLiteral("weights")) {
            widgets.second->setToolTip(data.weightsFile);
        }
    }
    setField(QStringLiteral("warnings"),
        data.warnings.isEmpty() ? tr("none") : data.warnings.join(QLatin1Char('\n')));

    stack_->setCurrentIndex(1);
}

} // namespace lumen::widgets
