// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A panel describing the loaded model: family, shape, dtype and device, parameter counts per
// component (with each one's share), the tokenizer and its special tokens, the weights file
// and any load warnings.
//
//   ModelPanelData d;
//   d.architecture = "BertForPreTraining"; d.layers = 3; d.heads = 4; ...
//   d.components = { {"embeddings", 52224}, {"encoder", 56448}, ... };
//   panel->setData(d);
//
// Shared weights (ALBERT): when parametersPerForward is non-zero and differs from
// parameterCount, a second row shows the parameters a forward pass uses; otherwise it is
// hidden. With no data the panel shows a hint.
// Thread safety: GUI thread only.

#include <QString>
#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

class QFormLayout;
class QLabel;
class QStackedWidget;
class QTableWidget;

namespace lumen::widgets {

struct ModelPanelComponent {
    QString name; ///< "embeddings", "encoder", ...
    qint64 parameters = 0;
};

struct ModelPanelSpecialToken {
    QString role; ///< "cls", "sep", "pad", ...
    QString token; ///< "[CLS]"
    qint64 id = -1;
};

struct ModelPanelData {
    QString modelType; ///< "bert"
    QString architecture; ///< "BertForPreTraining"
    int layers = 0;
    int heads = 0;
    qint64 hiddenSize = 0;
    qint64 vocabSize = 0;
    qint64 maxLength = 0; ///< maximum positions; 0 when unknown (relative positions)
    QString dtype;
    QString device;
    qint64 parameterCount = 0; ///< unique parameters
    qint64 parametersPerForward = 0; ///< 0 when no weights are shared
    std::vector<ModelPanelComponent> components;
    QString tokenizerKind; ///< "wordpiece", ...; empty when the folder has none
    qint64 tokenizerVocabSize = 0;
    std::vector<ModelPanelSpecialToken> specialTokens;
    QString weightsFile;
    QString dir;
    QStringList warnings;

    bool isEmpty() const { return modelType.isEmpty() && architecture.isEmpty(); }
};

/// Shares of `counts` in tenths of a percent, rounded so they add up to exactly 1000 (largest
/// remainders get the leftover tenths). All zeros when the counts sum to zero.
std::vector<int> componentSharesPermille(const std::vector<qint64>& counts);

/// "110,592": a count with thousands separators.
QString formatCount(qint64 count);

class ModelPanel : public QWidget {
    Q_OBJECT

public:
    explicit ModelPanel(QWidget* parent = nullptr);

    void setData(const ModelPanelData& data);
    void clear();
    const ModelPanelData& data() const { return data_; }
    bool hasData() const { return !data_.isEmpty(); }

    /// The text shown for a field: "family", "architecture", "layers", "heads", "hidden",
    /// "vocabulary", "maxLength", "dtype", "device", "parameters", "perForward", "tokenizer",
    /// "weights", "warnings". Empty for an unknown name.
    QString fieldText(const QString& field) const;
    /// Whether the field's row is shown (the per-forward row hides when it adds nothing).
    bool isFieldShown(const QString& field) const;

    /// Component, parameters, share ("47.2 %").
    QTableWidget* componentTable() const { return components_; }
    /// Role, token, id.
    QTableWidget* specialTokenTable() const { return specials_; }
    bool isShowingHint() const;

private:
    QLabel* addField(QFormLayout* form, const QString& name, const QString& label);
    void setField(const QString& field, const QString& text, bool shown = true);

    ModelPanelData data_;
    QStackedWidget* stack_ = nullptr;
    QLabel* hint_ = nullptr;
    QLabel* title_ = nullptr;
    QTableWidget* components_ = nullptr;
    QTableWidget* specials_ = nullptr;
    QLabel* specialsEmpty_ = nullptr;
    std::vector<std::pair<QString, std::pair<QLabel*, QLabel*>>> fields_; ///< name -> label, value
};

} // namespace lumen::widgets
