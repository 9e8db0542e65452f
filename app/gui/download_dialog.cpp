// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "download_dialog.h"

#include "hub_downloader.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace lumen::app {

DownloadDialog::DownloadDialog(QWidget* parent)
    : QDialog(parent)
    , downloader_(new HubDownloader(this))
{
    setWindowTitle(tr("Download Model"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    repoEdit_ = new QLineEdit(this);
    repoEdit_->setPlaceholderText(QStringLiteral("google-bert/bert-base-uncased"));
    repoEdit_->setToolTip(tr("The model's name on the Hugging Face hub (ORG/NAME)"));
    form->addRow(tr("&Model:"), repoEdit_);
    layout->addLayout(form);

    progressBar_ = new QProgressBar(this);
    progressBar_->setRange(0, 1000);
    progressBar_->setValue(0);
    progressBar_->setTextVisible(false);
    layout->addWidget(progressBar_);

    message_ = new QLabel(
        tr("Files go to the Hugging Face cache, where Python and File > Open from Cache… "
           "find them too."),
        this);
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message_);

    auto* buttons = new QDialogButtonBox(this);
    downloadButton_ = buttons->addButton(tr("&Download"), QDialogButtonBox::AcceptRole);
    cancelButton_ = buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    downloadButton_->setDefault(true);
    downloadButton_->setEnabled(false);

    connect(repoEdit_, &QLineEdit::textChanged, this, [this](const QString& text) {
        downloadButton_->setEnabled(!downloader_->isRunning() && !text.trimmed().isEmpty());
    });
    connect(repoEdit_, &QLineEdit::returnPressed, this, [this] {
        if (downloadButton_->isEnabled()) {
            startDownload();
        }
    });
    connect(downloadButton_, &QPushButton::clicked, this, &DownloadDialog::startDownload);
    connect(cancelButton_, &QPushButton::clicked, this, &DownloadDialog::reject);

    connect(downloader_, &HubDownloader::progress, this,
        [this](qint64 done, qint64 total, const QString& file) {
            const QLocale locale;
            if (total > 0) {
                progressBar_->setRange(0, 1000);
                progressBar_->setValue(int(done * 1000 / total));
                message_->setText(tr("%1: %2 of %3")
                                      .arg(file, locale.formattedDataSize(done),
                                          locale.formattedDataSize(total)));
            } else {
                progressBar_->setRange(0, 0); // busy indicator: size unknown
                message_->setText(tr("%1: %2").arg(file, locale.formattedDataSize(done)));
            }
        });
    connect(downloader_, &HubDownloader::finished, this, [this](const QString& snapshotDir) {
        setRunning(false);
        progressBar_->setRange(0, 1000);
        progressBar_->setValue(1000);
        message_->setText(tr("Downloaded to %1").arg(snapshotDir));
        Q_EMIT modelDownloaded(snapshotDir);
        accept();
    });
    connect(downloader_, &HubDownloader::failed, this, [this](const QString& message) {
        setRunning(false);
        progressBar_->setRange(0, 1000);
        message_->setText(message);
    });
    connect(downloader_, &HubDownloader::cancelled, this, [this] {
        setRunning(false);
        progressBar_->setRange(0, 1000);
        message_->setText(tr("Cancelled. Download again to resume where it stopped."));
    });
}

void DownloadDialog::startDownload()
{
    const QString repo = repoEdit_->text().trimmed();
    if (repo.isEmpty() || downloader_->isRunning()) {
        return;
    }
    setRunning(true);
    progressBar_->setValue(0);
    message_->setText(tr("Connecting…"));
    downloader_->start(repo, endpoint_, cacheDir_);
}

void DownloadDialog::reject()
{
    // Cancel stops a running download first; a second Cancel (or Esc) closes.
    if (downloader_->isRunning()) {
        downloader_->cancel();
        return;
    }
    QDialog::reject();
}

void DownloadDialog::setRunning(bool running)
{
    repoEdit_->setEnabled(!running);
    downloadButton_->setEnabled(!running && !repoEdit_->text().trimmed().isEmpty());
    cancelButton_->setText(running ? tr("&Cancel") : tr("&Close"));
}

} // namespace lumen::app
