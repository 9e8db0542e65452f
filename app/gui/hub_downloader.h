// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Downloads a model by name from the Hugging Face hub into the local hub cache, in the layout
// huggingface_hub writes (so Python and File > Open from Cache… see it too):
//
//   models--ORG--NAME/blobs/<etag or sha256>          the file contents
//   models--ORG--NAME/snapshots/<commit>/<file>       relative links to ../../blobs/<blob>
//   models--ORG--NAME/refs/main                       the commit
//
//   auto* hub = new HubDownloader(this);
//   connect(hub, &HubDownloader::finished, this, [](const QString& snapshotDir) { ... });
//   hub->start(QStringLiteral("google-bert/bert-base-uncased"));
//
// Files: config.json (required), the tokenizer files the repository has (a 404 is fine),
// then the weights: model.safetensors, else model.safetensors.index.json and its shards,
// else pytorch_model.bin. URLs are {endpoint}/{repo}/resolve/main/{file}; redirects (the hub
// sends large files to a CDN) are followed by hand, so the token never leaves the endpoint's
// host and the X-Linked-Etag / X-Repo-Commit of the redirect are kept. A file is written to
// blobs/<file>.incomplete in chunks as it arrives; a later start() resumes it with `Range:
// bytes=N-` (a server that answers 200 instead of 206 restarts it from zero). HF_TOKEN, when set,
// is sent as a Bearer token (gated models).
//
// Everything runs asynchronously on the calling thread's event loop; nothing blocks.
// Thread safety: one thread (the GUI thread), like QNetworkAccessManager.

#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

class QNetworkAccessManager;
class QNetworkReply;
class QUrl;

namespace lumen::app {

class HubDownloader : public QObject {
    Q_OBJECT

public:
    explicit HubDownloader(QObject* parent = nullptr);
    ~HubDownloader() override;

    /// $HF_ENDPOINT, else https://huggingface.co.
    static QString defaultEndpoint();
    /// The cache entry folder name of a repo id: "ORG/NAME" -> "models--ORG--NAME".
    static QString entryName(const QString& repoId);

    /// Starts downloading `repoId` ("ORG/NAME"). An empty endpoint means defaultEndpoint(),
    /// an empty cacheDir lumen::engine::huggingFaceCacheDir(). Ignored while running.
    void start(const QString& repoId, const QString& endpoint = {}, const QString& cacheDir = {});
    /// Stops the transfer; the partial file stays for the next start(). Emits cancelled().
    void cancel();
    bool isRunning() const { return running_; }

    /// Milliseconds without data before a transfer fails (default 30 s).
    void setTransferTimeout(int ms) { timeoutMs_ = ms; }

Q_SIGNALS:
    /// Bytes of `file` on disk so far and its size (-1 when the server did not say).
    void progress(qint64 done, qint64 total, const QString& file);
    void finished(const QString& snapshotDir);
    void failed(const QString& message);
    void cancelled();

private:
    enum class Stage { Config, Tokenizer, Safetensors, Index, PytorchBin, Shard };
    struct Job {
        QString file;
        Stage stage = Stage::Tokenizer;
    };

    void next();
    void request(const Job& job);
    void send(const QUrl& url);
    /// Removes an empty partial file and the entry folders a failed first try created.
    void cleanUpEmpty();
    void onReadyRead();
    void consume(QNetworkReply* reply);
    void onFinished();
    /// Moves the finished partial file into blobs/ and links it from the snapshot.
    bool commitFile(const QString& etag);
    void queueShards(const QString& indexPath);
    void fail(const QString& message);
    QString host() const;
    QString partialPath(const QString& file) const;
    QString snapshotDir() const;

    QNetworkAccessManager* network_ = nullptr;
    QPointer<QNetworkReply> reply_;
    bool running_ = false;
    int timeoutMs_ = 30000;

    QString repoId_;
    QString endpoint_;
    QString entryDir_;
    QString commit_;
    QList<Job> queue_;
    QStringList done_;

    Job job_;
    QFile partial_;
    QCryptographicHash hash_ { QCryptographicHash::Sha256 };
    qint64 offset_ = 0; ///< bytes already on disk when the request went out
    qint64 received_ = 0; ///< bytes of this file on disk now
    qint64 total_ = -1;
    bool bodyAccepted_ = false;
    bool headersSeen_ = false;
    bool retriedRange_ = false;
    int redirects_ = 0;
    QByteArray redirectCommit_; ///< X-Repo-Commit of a redirect response (the hub's LFS files)
    QByteArray redirectEtag_; ///< X-Linked-Etag of a redirect response
};

} // namespace lumen::app
