// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "cache_dialog.h"

#include "lumen/engine/error.h"
#include "lumen/engine/model.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>

namespace lumen::app {

namespace {

constexpr int kIndexRole = Qt::UserRole + 1;
const char* const kExampleRepo = "google-bert/bert-base-uncased";

QString fromStd(const std::string& s)
{
    return QString::fromStdString(s);
}

/// Why Lumen cannot open `m`, or empty.
QString problemOf(const engine::CachedModel& m, const std::vector<std::string>& supported)
{
    if (!m.problem.empty()) {
        return fromStd(m.problem);
    }
    if (!m.modelType.empty()
        && std::find(supported.begin(), supported.end(), m.modelType) == supported.end()) {
        QStringList names;
        for (const std::string& s : supported) {
            names << fromStd(s);
        }
        return CacheDialog::tr("model_type “%1” is not supported (Lumen opens: %2)")
            .arg(fromStd(m.modelType), names.join(QStringLiteral(", ")));
    }
    return {};
}

} // namespace

QString formatByteSize(qint64 bytes)
{
    const double n = static_cast<double>(bytes);
    if (bytes < 1000) {
        return QStringLiteral("%1 B").arg(bytes);
    }
    if (bytes < 1000 * 1000) {
        return QStringLiteral("%1 KB").arg(n / 1e3, 0, 'f', 0);
    }
    if (bytes < qint64(1000) * 1000 * 1000) {
        return QStringLiteral("%1 MB").arg(n / 1e6, 0, 'f', 1);
    }
    return QStringLiteral("%1 GB").arg(n / 1e9, 0, 'f', 2);
}

CacheDialog::CacheDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("cacheDialog"));
    setWindowTitle(tr("Open from Hugging Face Cache"));
    auto* layout = new QVBoxLayout(this);

    message_ = new QLabel(this);
    message_->setObjectName(QStringLiteral("cacheMessage"));
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);

    list_ = new QTreeWidget(this);
    list_->setObjectName(QStringLiteral("cacheList"));
    list_->setRootIsDecorated(false);
    list_->setUniformRowHeights(true);
    list_->setAlternatingRowColors(true);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setHeaderLabels({ tr("Model"), tr("Type"), tr("Size"), tr("Status") });
    list_->header()->setStretchLastSection(true);
    layout->addWidget(list_, 1);

    auto* buttons = new QDialogButtonBox(this);
    openButton_ = buttons->addButton(tr("&Open"), QDialogButtonBox::AcceptRole);
    openButton_->setObjectName(QStringLiteral("openCachedModel"));
    refreshButton_ = buttons->addButton(tr("&Refresh"), QDialogButtonBox::ResetRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &CacheDialog::chooseSelected);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(refreshButton_, &QPushButton::clicked, this, &CacheDialog::refresh);
    connect(list_, &QTreeWidget::itemSelectionChanged, this, &CacheDialog::updateButtons);
    connect(list_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        if (item != nullptr && !item->isDisabled()) {
            list_->setCurrentItem(item);
            chooseSelected();
        }
    });

    resize(760, 420);
    refresh();
}

void CacheDialog::refresh()
{
    list_->clear();
    models_.clear();
    QString error;
    try {
        cacheDir_ = QDir::toNativeSeparators(fromStd(engine::huggingFaceCacheDir()));
        models_ = engine::listCachedModels();
    } catch (const lumen::Error& e) {
        error = fromStd(e.what());
    } catch (const std::exception& e) {
        error = tr("Unexpected error: %1").arg(fromStd(e.what()));
    }

    const std::vector<std::string> supported = engine::supportedModelTypes();
    QTreeWidgetItem* firstReady = nullptr;
    for (size_t i = 0; i < models_.size(); ++i) {
        const engine::CachedModel& m = models_[i];
        const QString problem = problemOf(m, supported);
        QString status = problem.isEmpty() ? tr("Ready") : problem;
        if (problem.isEmpty() && !m.hasTokenizer) {
            status = tr("Ready (no tokenizer: attention needs token ids)");
        }
        auto* item = new QTreeWidgetItem(list_,
            { fromStd(m.repoId), m.modelType.empty() ? tr("?") : fromStd(m.modelType),
                formatByteSize(m.sizeBytes), status });
        item->setData(RepoColumn, kIndexRole, static_cast<qulonglong>(i));
        item->setTextAlignment(SizeColumn, Qt::AlignRight | Qt::AlignVCenter);
        const QString tip = problem.isEmpty()
            ? tr("%1\nrevision %2").arg(fromStd(m.path), fromStd(m.revision))
            : tr("Cannot open %1: %2\n%3").arg(fromStd(m.repoId), problem, fromStd(m.entryDir));
        for (int c = 0; c <= StatusColumn; ++c) {
            item->setToolTip(c, tip);
        }
        if (!problem.isEmpty()) {
            item->setDisabled(true);
            item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
        } else if (firstReady == nullptr) {
            firstReady = item;
        }
    }
    for (int c = 0; c < StatusColumn; ++c) {
        list_->resizeColumnToContents(c);
    }
    if (firstReady != nullptr) {
        list_->setCurrentItem(firstReady);
    }

    const QString example = tr("Download one with Python, e.g.\n"
                               "    huggingface-cli download %1\n"
                               "or python -c \"from transformers import AutoModel; "
                               "AutoModel.from_pretrained('%1')\", then press Refresh.")
                                .arg(QString::fromLatin1(kExampleRepo));
    if (!error.isEmpty()) {
        message_->setText(
            tr("Could not read the Hugging Face cache %1.\n%2").arg(cacheDir_, error));
    } else if (models_.empty()) {
        const bool exists = QFileInfo(cacheDir_).isDir();
        message_->setText(
            (exists ? tr("No models in the Hugging Face cache %1.").arg(cacheDir_)
                    : tr("No models in the Hugging Face cache %1 (the folder does not exist; "
                         "set HF_HUB_CACHE or HF_HOME if your cache lives elsewhere).")
                          .arg(cacheDir_))
            + QLatin1Char(' ') + example);
    } else {
        message_->setText(tr("Models in the Hugging Face cache %1 (set HF_HUB_CACHE or HF_HOME "
                             "to read another):")
                              .arg(cacheDir_));
    }
    list_->setVisible(!models_.empty());
    updateButtons();
}

QString CacheDialog::selectedPath() const
{
    const QTreeWidgetItem* item = list_->currentItem();
    if (item == nullptr || item->isDisabled() || !item->isSelected()) {
        return {};
    }
    const auto i = static_cast<size_t>(item->data(RepoColumn, kIndexRole).toULongLong());
    return i < models_.size() ? QFile::decodeName(QByteArray::fromStdString(models_[i].path))
                              : QString();
}

bool CacheDialog::selectRepo(const QString& repoId)
{
    for (int r = 0; r < list_->topLevelItemCount(); ++r) {
        QTreeWidgetItem* item = list_->topLevelItem(r);
        if (item->text(RepoColumn) == repoId) {
            if (item->isDisabled()) {
                return false;
            }
            list_->setCurrentItem(item);
            item->setSelected(true);
            return true;
        }
    }
    return false;
}

void CacheDialog::chooseSelected()
{
    const QString path = selectedPath();
    if (path.isEmpty()) {
        return;
    }
    Q_EMIT modelChosen(path);
    accept();
}

void CacheDialog::updateButtons()
{
    openButton_->setEnabled(!selectedPath().isEmpty());
}

} // namespace lumen::app
