// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// File > Download Model…: a repo id field, a progress bar and Cancel. It drives a
// HubDownloader (asynchronous, GUI thread) and, once the model is in the Hugging Face cache,
// emits modelDownloaded(snapshot folder) and closes. A failure (offline, unknown name, gated
// model) is shown in the dialog, which stays open so the user can fix the name and retry;
// Download again resumes a partial file.
//
//   auto* dialog = new DownloadDialog(this);
//   connect(dialog, &DownloadDialog::modelDownloaded, this, &MainWindow::openModel);
//   dialog->open();
//
// Thread safety: GUI thread only.

#include <QDialog>
#include <QString>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace lumen::app {

class HubDownloader;

class DownloadDialog : public QDialog {
    Q_OBJECT

public:
    explicit DownloadDialog(QWidget* parent = nullptr);

    /// Where the download goes; empty (the default) means the Hugging Face cache folder.
    void setCacheDir(const QString& dir) { cacheDir_ = dir; }
    /// Empty (the default) means HubDownloader::defaultEndpoint().
    void setEndpoint(const QString& endpoint) { endpoint_ = endpoint; }

    /// Starts downloading the repo id in the field.
    void startDownload();

    HubDownloader* downloader() const { return downloader_; }
    QLineEdit* repoEdit() const { return repoEdit_; }
    QProgressBar* progressBar() const { return progressBar_; }
    QPushButton* downloadButton() const { return downloadButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QLabel* messageLabel() const { return message_; }

Q_SIGNALS:
    void modelDownloaded(const QString& snapshotDir);

protected:
    void reject() override;

private:
    void setRunning(bool running);

    HubDownloader* downloader_ = nullptr;
    QLineEdit* repoEdit_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QPushButton* downloadButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QLabel* message_ = nullptr;
    QString cacheDir_;
    QString endpoint_;
};

} // namespace lumen::app
