// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// File > Open from Cache…: the models the user already downloaded with Python, read from
// the local Hugging Face cache (engine::listCachedModels, which honours HF_HUB_CACHE and
// HF_HOME). Entries that cannot be opened are listed but disabled, with the reason as their
// status and tooltip. Double-click or Open emits modelChosen(snapshot folder) and closes.
//
//   auto* dialog = new CacheDialog(this);
//   connect(dialog, &CacheDialog::modelChosen, this, &MainWindow::openModel);
//   dialog->open();
//
// Reading the cache only lists folders and stats files, so it runs on the GUI thread.
// Thread safety: GUI thread only.

#include "lumen/engine/hf_cache.h"

#include <QDialog>
#include <QString>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace lumen::app {

class CacheDialog : public QDialog {
    Q_OBJECT

public:
    enum Column { RepoColumn, TypeColumn, SizeColumn, StatusColumn };

    explicit CacheDialog(QWidget* parent = nullptr);

    /// Reads the cache again (the folder follows the environment at the time of the call).
    void refresh();

    QString cacheDir() const { return cacheDir_; }
    const std::vector<engine::CachedModel>& models() const { return models_; }
    QTreeWidget* list() const { return list_; }
    QPushButton* openButton() const { return openButton_; }
    /// The text above the list: the cache folder, or why there is nothing to show.
    QLabel* messageLabel() const { return message_; }
    /// The selected entry's snapshot folder; empty when none (or a disabled one) is selected.
    QString selectedPath() const;
    /// Selects the row of `repoId`; false when it is not listed or cannot be opened.
    bool selectRepo(const QString& repoId);

Q_SIGNALS:
    void modelChosen(const QString& snapshotDir);

private:
    void chooseSelected();
    void updateButtons();

    QString cacheDir_;
    std::vector<engine::CachedModel> models_;
    QLabel* message_ = nullptr;
    QTreeWidget* list_ = nullptr;
    QPushButton* openButton_ = nullptr;
    QPushButton* refreshButton_ = nullptr;
};

/// "1.2 MB", "532 KB", "17 B": a file size for the list (powers of 1000, as the hub shows).
QString formatByteSize(qint64 bytes);

} // namespace lumen::app
