// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "hub_downloader.h"

#include <lumen/engine/hf_cache.h>

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QUrl>

#include <filesystem>
#include <system_error>

namespace lumen::app {

namespace {

const QStringList kTokenizerFiles = {
    QStringLiteral("tokenizer.json"),
    QStringLiteral("tokenizer_config.json"),
    QStringLiteral("special_tokens_map.json"),
    QStringLiteral("vocab.txt"),
    QStringLiteral("vocab.json"),
    QStringLiteral("merges.txt"),
    QStringLiteral("spiece.model"),
    QStringLiteral("sentencepiece.bpe.model"),
    QStringLiteral("tokenizer.model"),
    QStringLiteral("added_tokens.json"),
    QStringLiteral("generation_config.json"),
};

constexpr qint64 kHashChunk = 1 << 20;

/// `"abc"`, `W/"abc"` -> abc; empty unless it is a plain hex digest (usable as a blob name).
QString blobNameFromEtag(QByteArray etag)
{
    etag = etag.trimmed();
    if (etag.startsWith("W/")) {
        etag = etag.mid(2);
    }
    const QString name = QString::fromLatin1(etag).remove(QLatin1Char('"'));
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{16,128}$"));
    return hex.match(name).hasMatch() ? name.toLower() : QString();
}

/// "bytes 100-199/1000" -> 1000; -1 when absent or "*".
qint64 totalFromContentRange(const QByteArray& range)
{
    const int slash = range.lastIndexOf('/');
    if (slash < 0) {
        return -1;
    }
    bool ok = false;
    const qint64 total = range.mid(slash + 1).trimmed().toLongLong(&ok);
    return ok ? total : -1;
}

} // namespace

HubDownloader::HubDownloader(QObject* parent)
    : QObject(parent)
    , network_(new QNetworkAccessManager(this))
{
    network_->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

HubDownloader::~HubDownloader()
{
    if (reply_) {
        disconnect(reply_, nullptr, this, nullptr);
        reply_->abort();
    }
}

QString HubDownloader::defaultEndpoint()
{
    const QString env = qEnvironmentVariable("HF_ENDPOINT").trimmed();
    return env.isEmpty() ? QStringLiteral("https://huggingface.co") : env;
}

QString HubDownloader::entryName(const QString& repoId)
{
    return QStringLiteral("models--")
        + QString(repoId).replace(QLatin1Char('/'), QLatin1String("--"));
}

QString HubDownloader::host() const
{
    const QString h = QUrl(endpoint_).host();
    return h.isEmpty() ? endpoint_ : h;
}

QString HubDownloader::partialPath(const QString& file) const
{
    return entryDir_ + QStringLiteral("/blobs/")
        + QString(file).replace(QLatin1Char('/'), QLatin1Char('_')) + QStringLiteral(".incomplete");
}

QString HubDownloader::snapshotDir() const
{
    return entryDir_ + QStringLiteral("/snapshots/") + commit_;
}

void HubDownloader::start(const QString& repoId, const QString& endpoint, const QString& cacheDir)
{
    if (running_) {
        return;
    }
    const QString repo = repoId.trimmed();
    static const QRegularExpression valid(
        QStringLiteral("^[A-Za-z0-9][\\w.-]*(/[A-Za-z0-9][\\w.-]*)?$"));
    if (!valid.match(repo).hasMatch() || repo.contains(QLatin1String(".."))) {
        Q_EMIT failed(tr("\"%1\" is not a model name. Type it as on the Hugging Face page, "
                         "for example google-bert/bert-base-uncased.")
                          .arg(repo));
        return;
    }
    repoId_ = repo;
    endpoint_ = endpoint.isEmpty() ? defaultEndpoint() : endpoint;
    while (endpoint_.endsWith(QLatin1Char('/'))) {
        endpoint_.chop(1);
    }
    const QString cache =
        cacheDir.isEmpty() ? QString::fromStdString(engine::huggingFaceCacheDir()) : cacheDir;
    entryDir_ = QDir(cache).filePath(entryName(repo));
    if (!QDir().mkpath(entryDir_ + QStringLiteral("/blobs"))) {
        Q_EMIT failed(tr("Cannot create the cache folder %1. Check its permissions or set "
                         "HF_HUB_CACHE to a writable folder.")
                          .arg(entryDir_));
        return;
    }
    commit_.clear();
    done_.clear();
    queue_.clear();
    queue_.append({ QStringLiteral("config.json"), Stage::Config });
    for (const QString& file : kTokenizerFiles) {
        queue_.append({ file, Stage::Tokenizer });
    }
    queue_.append({ QStringLiteral("model.safetensors"), Stage::Safetensors });
    running_ = true;
    next();
}

void HubDownloader::cancel()
{
    if (!running_) {
        return;
    }
    running_ = false;
    if (reply_) {
        disconnect(reply_, nullptr, this, nullptr);
        reply_->abort();
        reply_->deleteLater();
        reply_ = nullptr;
    }
    cleanUpEmpty();
    queue_.clear();
    Q_EMIT cancelled();
}

void HubDownloader::fail(const QString& message)
{
    running_ = false;
    cleanUpEmpty();
    queue_.clear();
    Q_EMIT failed(message);
}

void HubDownloader::cleanUpEmpty()
{
    partial_.close();
    if (!partial_.fileName().isEmpty() && QFileInfo(partial_.fileName()).size() == 0) {
        QFile::remove(partial_.fileName());
    }
    // rmdir only removes empty folders: an entry that holds anything stays.
    QDir().rmdir(entryDir_ + QStringLiteral("/blobs"));
    QDir().rmdir(entryDir_);
}

void HubDownloader::next()
{
    while (!queue_.isEmpty()) {
        const Job job = queue_.takeFirst();
        // A file the snapshot already holds (an earlier, interrupted download) is kept.
        if (!commit_.isEmpty() && job.stage != Stage::Config
            && QFileInfo::exists(snapshotDir() + QLatin1Char('/') + job.file)) {
            done_ << job.file;
            if (job.stage == Stage::Index) {
                queueShards(snapshotDir() + QLatin1Char('/') + job.file);
            }
            continue;
        }
        request(job);
        return;
    }
    running_ = false;
    QSaveFile ref(entryDir_ + QStringLiteral("/refs/main"));
    QDir().mkpath(entryDir_ + QStringLiteral("/refs"));
    if (!ref.open(QIODevice::WriteOnly) || ref.write(commit_.toLatin1()) < 0 || !ref.commit()) {
        Q_EMIT failed(tr("Cannot write %1: %2").arg(ref.fileName(), ref.errorString()));
        return;
    }
    Q_EMIT finished(snapshotDir());
}

void HubDownloader::request(const Job& job)
{
    job_ = job;
    headersSeen_ = false;
    bodyAccepted_ = false;
    total_ = -1;
    hash_.reset();

    partial_.close();
    partial_.setFileName(partialPath(job.file));
    if (!partial_.open(QIODevice::ReadWrite)) {
        fail(tr("Cannot write %1: %2").arg(partial_.fileName(), partial_.errorString()));
        return;
    }
    offset_ = partial_.size();
    // Feed what is already there to the hash, so a resumed file gets the same blob name.
    while (!partial_.atEnd()) {
        hash_.addData(partial_.read(kHashChunk));
    }
    partial_.seek(offset_);
    received_ = offset_;

    redirects_ = 0;
    redirectCommit_.clear();
    redirectEtag_.clear();
    send(
        QUrl(endpoint_ + QLatin1Char('/') + repoId_ + QStringLiteral("/resolve/main/") + job.file));
}

void HubDownloader::send(const QUrl& url)
{
    headersSeen_ = false;
    bodyAccepted_ = false;
    QNetworkRequest req(url);
    req.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setTransferTimeout(timeoutMs_);
    req.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("lumen/hub-downloader"));
    if (offset_ > 0) {
        req.setRawHeader("Range", "bytes=" + QByteArray::number(offset_) + '-');
    }
    const QByteArray token = qgetenv("HF_TOKEN").trimmed();
    if (!token.isEmpty() && url.host() == QUrl(endpoint_).host()) {
        req.setRawHeader("Authorization", "Bearer " + token);
    }
    reply_ = network_->get(req);
    connect(reply_, &QNetworkReply::readyRead, this, &HubDownloader::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &HubDownloader::onFinished);
}

void HubDownloader::onReadyRead()
{
    if (reply_) {
        consume(reply_);
    }
}

void HubDownloader::consume(QNetworkReply* reply)
{
    if (!headersSeen_) {
        headersSeen_ = true;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 206) {
            bodyAccepted_ = true;
            total_ = totalFromContentRange(reply->rawHeader("Content-Range"));
        } else if (status == 200) {
            // The server ignored the range (or there was none): start from zero.
            bodyAccepted_ = true;
            partial_.resize(0);
            partial_.seek(0);
            hash_.reset();
            received_ = 0;
            const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
            total_ = length.isValid() ? length.toLongLong() : -1;
        }
    }
    const QByteArray chunk = reply->readAll();
    if (!bodyAccepted_ || chunk.isEmpty()) {
        return;
    }
    if (partial_.write(chunk) != chunk.size()) {
        const QString message =
            tr("Cannot write %1: %2. Free some disk space and start the download again.")
                .arg(partial_.fileName(), partial_.errorString());
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
        reply_ = nullptr;
        fail(message);
        return;
    }
    hash_.addData(chunk);
    received_ += chunk.size();
    Q_EMIT progress(received_, total_, job_.file);
}

void HubDownloader::onFinished()
{
    QNetworkReply* reply = reply_;
    reply_ = nullptr;
    if (!reply) {
        return;
    }
    reply->deleteLater();
    if (!running_) {
        return;
    }
    if (reply->bytesAvailable() > 0 || !headersSeen_) {
        consume(reply);
        if (!running_) {
            return;
        }
    }
    partial_.flush();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray location = reply->rawHeader("Location");
    if (status >= 300 && status < 400 && !location.isEmpty()) {
        if (!reply->rawHeader("X-Repo-Commit").isEmpty()) {
            redirectCommit_ = reply->rawHeader("X-Repo-Commit");
        }
        if (!reply->rawHeader("X-Linked-Etag").isEmpty()) {
            redirectEtag_ = reply->rawHeader("X-Linked-Etag");
        }
        const QUrl target = reply->url().resolved(QUrl::fromEncoded(location));
        if (++redirects_ > 10 || !target.isValid()
            || (reply->url().scheme() == QLatin1String("https")
                && target.scheme() != QLatin1String("https"))) {
            fail(tr("Downloading %1 from %2 failed: too many or unsafe redirects (last to %3).")
                     .arg(job_.file, host(), target.toString()));
            return;
        }
        send(target);
        return;
    }
    const QByteArray errorCode = reply->rawHeader("X-Error-Code");
    const QString name = repoId_;

    if (status == 404 || errorCode == "RepoNotFound" || errorCode == "EntryNotFound") {
        if (partial_.size() == 0) {
            partial_.remove();
        } else {
            partial_.close();
        }
        if (job_.stage == Stage::Config || errorCode == "RepoNotFound") {
            fail(tr("There is no model named %1 on %2 (config.json was not found). Check the "
                    "spelling (ORG/NAME, as on the model's page).")
                     .arg(name, host()));
            return;
        }
        if (job_.stage == Stage::Safetensors) {
            queue_.prepend({ QStringLiteral("model.safetensors.index.json"), Stage::Index });
        } else if (job_.stage == Stage::Index) {
            queue_.prepend({ QStringLiteral("pytorch_model.bin"), Stage::PytorchBin });
        } else if (job_.stage == Stage::PytorchBin) {
            fail(tr("%1 on %2 has no weights Lumen can read (model.safetensors, "
                    "model.safetensors.index.json or pytorch_model.bin).")
                     .arg(name, host()));
            return;
        } else if (job_.stage == Stage::Shard) {
            fail(tr("%1 on %2 lists the weight shard %3, but it is missing.")
                     .arg(name, host(), job_.file));
            return;
        }
        next();
        return;
    }
    if (status == 401 || status == 403 || errorCode == "GatedRepo") {
        fail(tr("%1 needs a Hugging Face token (gated or private model; HTTP %2). Accept its "
                "licence on the model's page, create a token at "
                "https://huggingface.co/settings/tokens and set HF_TOKEN before starting Lumen.")
                 .arg(name)
                 .arg(status));
        return;
    }
    if (status == 416 && !retriedRange_) {
        // The partial file does not match what the server has: start it again.
        retriedRange_ = true;
        partial_.resize(0);
        partial_.close();
        request(job_);
        return;
    }
    retriedRange_ = false;
    if (status == 0) {
        fail(tr("Could not reach %1: %2. Check your connection; models already in the cache "
                "can still be opened from File > Open from Cache…")
                 .arg(host(), reply->errorString()));
        return;
    }
    if (reply->error() != QNetworkReply::NoError || (status != 200 && status != 206)) {
        if (bodyAccepted_ && received_ > 0) {
            partial_.close();
            fail(tr("The download of %1 was interrupted after %2 bytes (%3). Start it again to "
                    "resume where it stopped.")
                     .arg(job_.file)
                     .arg(received_)
                     .arg(reply->errorString()));
        } else {
            fail(tr("Downloading %1 from %2 failed (HTTP %3: %4).")
                     .arg(job_.file, host())
                     .arg(status)
                     .arg(reply->errorString()));
        }
        return;
    }
    if (total_ >= 0 && received_ != total_) {
        partial_.close();
        fail(tr("The download of %1 stopped after %2 of %3 bytes. Start it again to resume.")
                 .arg(job_.file)
                 .arg(received_)
                 .arg(total_));
        return;
    }
    if (job_.stage == Stage::Config) {
        const QByteArray header = reply->rawHeader("X-Repo-Commit");
        commit_ = QString::fromLatin1(header.isEmpty() ? redirectCommit_ : header).trimmed();
        static const QRegularExpression safe(QStringLiteral("^[0-9A-Za-z._-]+$"));
        if (!safe.match(commit_).hasMatch() || commit_.startsWith(QLatin1Char('.'))) {
            commit_ = QStringLiteral("main-local");
        }
    }
    QByteArray etag = redirectEtag_;
    if (etag.isEmpty()) {
        etag = reply->rawHeader("X-Linked-Etag");
    }
    if (etag.isEmpty()) {
        etag = reply->rawHeader("ETag");
    }
    if (!commitFile(QString::fromLatin1(etag))) {
        return;
    }
    done_ << job_.file;
    if (job_.stage == Stage::Index) {
        queueShards(snapshotDir() + QLatin1Char('/') + job_.file);
        if (!running_) {
            return;
        }
    }
    next();
}

bool HubDownloader::commitFile(const QString& etag)
{
    partial_.close();
    QString blob = blobNameFromEtag(etag.toLatin1());
    if (blob.isEmpty()) {
        blob = QString::fromLatin1(hash_.result().toHex());
    }
    const QString blobPath = entryDir_ + QStringLiteral("/blobs/") + blob;
    QFile::remove(blobPath);
    if (!QFile::rename(partial_.fileName(), blobPath)) {
        fail(tr("Cannot move %1 to %2.").arg(partial_.fileName(), blobPath));
        return false;
    }
    const QString link = snapshotDir() + QLatin1Char('/') + job_.file;
    QDir().mkpath(QFileInfo(link).absolutePath());
    QString target;
    for (int i = 0; i < 2 + job_.file.count(QLatin1Char('/')); ++i) {
        target += QStringLiteral("../");
    }
    target += QStringLiteral("blobs/") + blob;
    std::error_code ec;
    const std::filesystem::path linkPath = link.toStdString();
    std::filesystem::remove(linkPath, ec);
    std::filesystem::create_symlink(target.toStdString(), linkPath, ec);
    if (ec) {
        // File systems without links: copy the blob instead (huggingface_hub does the same).
        if (!QFile::copy(blobPath, link)) {
            fail(tr("Cannot create %1: %2").arg(link, QString::fromStdString(ec.message())));
            return false;
        }
    }
    return true;
}

void HubDownloader::queueShards(const QString& indexPath)
{
    QFile file(indexPath);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(tr("Cannot read %1: %2").arg(indexPath, file.errorString()));
        return;
    }
    const QJsonObject map = QJsonDocument::fromJson(file.readAll())
                                .object()
                                .value(QStringLiteral("weight_map"))
                                .toObject();
    QStringList shards;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const QString shard = it.value().toString();
        if (!shard.isEmpty() && !shard.contains(QLatin1String("..")) && !shards.contains(shard)) {
            shards << shard;
        }
    }
    if (shards.isEmpty()) {
        fail(tr("%1 has no weight_map; the download cannot continue.").arg(indexPath));
        return;
    }
    shards.sort();
    for (auto it = shards.rbegin(); it != shards.rend(); ++it) {
        queue_.prepend({ *it, Stage::Shard });
    }
}

} // namespace lumen::app
