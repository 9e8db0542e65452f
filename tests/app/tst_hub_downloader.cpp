// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// HubDownloader against a small HTTP server started here on 127.0.0.1 (loopback only, any
// free port) that serves the hub's URL layout /ORG/NAME/resolve/main/FILE from
// tests/data/conformance/bert, with X-Repo-Commit and ETag (the sha256, like the hub's LFS
// files), 404 for missing files and Range requests. It can drop the connection after N bytes
// of a file once, or stall after N bytes, to test resume and cancel.

#include "download_dialog.h"
#include "hub_downloader.h"
#include "main_window.h"

#include "lumen/engine/hf_cache.h"
#include "lumen/engine/model.h"

#include <QAction>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkProxy>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using lumen::app::DownloadDialog;
using lumen::app::HubDownloader;
using lumen::app::MainWindow;

namespace {

const QString kDataDir = QStringLiteral(LUMEN_TEST_DATA "/conformance/bert");
const QByteArray kCommit = QByteArrayLiteral("0123456789abcdef0123456789abcdef01234567");
const QString kRepo = QStringLiteral("test-org/tiny-bert");
constexpr int kWaitMs = 30000;

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// The hub, in miniature. Every request is recorded as "FILE|Range header".
class HubServer : public QObject {
public:
    HubServer()
    {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onData(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    bool listen() { return server_.listen(QHostAddress::LocalHost, 0); }
    QString endpoint() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort());
    }

    QStringList requests;
    QString dropFile; ///< close the connection after dropAfter bytes of it, once
    qint64 dropAfter = -1;
    QString stallFile; ///< send stallAfter bytes of it, then nothing more
    qint64 stallAfter = -1;
    QString gatedRepo; ///< answers 401 for this repo
    /// Sends this file to /cdn/FILE with a 302 that carries X-Repo-Commit and X-Linked-Etag,
    /// the way the hub sends LFS files to its CDN (whose ETag is no sha256).
    QString redirectFile;
    QStringList authorizations; ///< the Authorization header of every request

private:
    void onData(QTcpSocket* socket)
    {
        QByteArray& buffer = buffers_[socket];
        buffer += socket->readAll();
        const int end = buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            return;
        }
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        buffers_.remove(socket);
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        QByteArray range;
        for (const QByteArray& line : lines) {
            if (line.toLower().startsWith("range:")) {
                range = line.mid(6).trimmed();
            }
            if (line.toLower().startsWith("authorization:")) {
                authorizations << QString::fromLatin1(line.mid(14).trimmed());
            }
        }
        const QString path = QString::fromLatin1(requestLine.value(1));
        const QString prefix = QStringLiteral("/") + kRepo + QStringLiteral("/resolve/main/");
        const QString cdn = QStringLiteral("/cdn/");
        const bool fromCdn = path.startsWith(cdn);
        const QString file = fromCdn  ? path.mid(cdn.size())
            : path.startsWith(prefix) ? path.mid(prefix.size())
                                      : QString();
        requests << (fromCdn ? QStringLiteral("cdn/") : QString()) + file + QLatin1Char('|')
                + QString::fromLatin1(range);

        if (!gatedRepo.isEmpty()
            && path.startsWith(QLatin1Char('/') + gatedRepo + QLatin1Char('/'))) {
            reply(socket, "401 Unauthorized", "X-Error-Code: GatedRepo\r\n", "gated");
            return;
        }
        const QString source = kDataDir + QLatin1Char('/') + file;
        if (file.isEmpty() || file.contains(QLatin1String("..")) || !QFileInfo(source).isFile()) {
            reply(socket, "404 Not Found", "X-Error-Code: EntryNotFound\r\n", "not found");
            return;
        }
        const QByteArray content = readFile(source);
        const QByteArray etag =
            QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex();
        if (!fromCdn && file == redirectFile) {
            reply(socket, "302 Found",
                "Location: /cdn/" + file.toLatin1() + "\r\nX-Repo-Commit: " + kCommit
                    + "\r\nX-Linked-Etag: \"" + etag + "\"\r\n",
                "redirecting");
            return;
        }
        QByteArray headers = fromCdn
            ? QByteArray("ETag: \"cdn-1\"\r\n")
            : "X-Repo-Commit: " + kCommit + "\r\nETag: \"" + etag + "\"\r\n";
        qint64 from = 0;
        if (range.startsWith("bytes=") && range.endsWith('-')) {
            from = range.mid(6, range.size() - 7).toLongLong();
        }
        QByteArray body = content.mid(from);
        QByteArray status = "200 OK";
        if (from > 0) {
            status = "206 Partial Content";
            headers += "Content-Range: bytes " + QByteArray::number(from) + '-'
                + QByteArray::number(content.size() - 1) + '/' + QByteArray::number(content.size())
                + "\r\n";
        }
        if (file == dropFile && dropAfter >= 0) {
            dropFile.clear();
            reply(socket, status, headers, body, dropAfter);
            return;
        }
        if (file == stallFile && stallAfter >= 0) {
            reply(socket, status, headers, body, stallAfter, /*close=*/false);
            return;
        }
        reply(socket, status, headers, body);
    }

    /// Sends the response; with `limit` only that many body bytes, then closes (or stalls).
    static void reply(QTcpSocket* socket, const QByteArray& status, const QByteArray& headers,
        const QByteArray& body, qint64 limit = -1, bool close = true)
    {
        QByteArray out = "HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: "
            + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
        out += limit >= 0 ? body.left(limit) : body;
        socket->write(out);
        if (close) {
            socket->disconnectFromHost();
        }
    }

    QTcpServer server_;
    QHash<QTcpSocket*, QByteArray> buffers_;
};

} // namespace

class TestHubDownloader : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Loopback only: no proxy from the environment may get in the way.
        QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
        QVERIFY(QFileInfo(kDataDir + QStringLiteral("/model.safetensors")).isFile());
    }

    void entryName()
    {
        QCOMPARE(HubDownloader::entryName(QStringLiteral("google-bert/bert-base-uncased")),
            QStringLiteral("models--google-bert--bert-base-uncased"));
        QCOMPARE(HubDownloader::entryName(QStringLiteral("gpt2")), QStringLiteral("models--gpt2"));
    }

    void fullDownload()
    {
        HubServer server;
        QVERIFY(server.listen());
        server.redirectFile = QStringLiteral("model.safetensors");
        QTemporaryDir cache;
        QVERIFY(cache.isValid());
        qputenv("HF_TOKEN", "hf_test_token");

        HubDownloader hub;
        QSignalSpy finished(&hub, &HubDownloader::finished);
        QSignalSpy failed(&hub, &HubDownloader::failed);
        QSignalSpy progress(&hub, &HubDownloader::progress);
        hub.start(kRepo, server.endpoint(), cache.path());
        QVERIFY(hub.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), kWaitMs);
        qunsetenv("HF_TOKEN");
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QVERIFY(!hub.isRunning());
        QVERIFY(server.requests.contains(QStringLiteral("cdn/model.safetensors|")));
        QVERIFY(!server.authorizations.isEmpty());
        QCOMPARE(server.authorizations.first(), QStringLiteral("Bearer hf_test_token"));

        const QString entry = cache.path() + QStringLiteral("/models--test-org--tiny-bert");
        const QString snapshot =
            entry + QStringLiteral("/snapshots/") + QString::fromLatin1(kCommit);
        QCOMPARE(finished.at(0).at(0).toString(), snapshot);
        QCOMPARE(readFile(entry + QStringLiteral("/refs/main")), kCommit);

        // Every file the server has that the downloader asks for is linked into the snapshot
        // and byte-identical; the weights come from model.safetensors, so the .bin is never
        // requested.
        for (const QString& file : { QStringLiteral("config.json"), QStringLiteral("vocab.txt"),
                 QStringLiteral("tokenizer_config.json"), QStringLiteral("special_tokens_map.json"),
                 QStringLiteral("model.safetensors") }) {
            const QFileInfo link(snapshot + QLatin1Char('/') + file);
            QVERIFY2(link.isSymLink(), qPrintable(file));
            const QByteArray source = readFile(kDataDir + QLatin1Char('/') + file);
            const QByteArray sha =
                QCryptographicHash::hash(source, QCryptographicHash::Sha256).toHex();
            QCOMPARE(QString::fromStdString(
                         std::filesystem::read_symlink(link.filePath().toStdString()).string()),
                QStringLiteral("../../blobs/") + QString::fromLatin1(sha));
            QCOMPARE(readFile(link.filePath()), source);
        }
        QVERIFY(QFileInfo(snapshot + QStringLiteral("/model.safetensors")).size() > 100000);
        QVERIFY(!server.requests.contains(QStringLiteral("pytorch_model.bin|")));
        QVERIFY(server.requests.contains(QStringLiteral("tokenizer.json|"))); // a 404, skipped
        QVERIFY(!QFileInfo::exists(snapshot + QStringLiteral("/tokenizer.json")));
        QVERIFY(QDir(entry + QStringLiteral("/blobs"))
                    .entryList({ QStringLiteral("*.incomplete") }, QDir::Files)
                    .isEmpty());
        QVERIFY(!progress.isEmpty());
        const QList<QVariant> last = progress.last();
        QCOMPARE(last.at(2).toString(), QStringLiteral("model.safetensors"));
        QCOMPARE(last.at(0).toLongLong(),
            QFileInfo(kDataDir + QStringLiteral("/model.safetensors")).size());
        QCOMPARE(last.at(1).toLongLong(), last.at(0).toLongLong());

        // The cache listing sees it, and the engine loads the snapshot.
        const auto models = lumen::engine::listCachedModels(cache.path().toStdString());
        QCOMPARE(models.size(), size_t(1));
        QCOMPARE(QString::fromStdString(models[0].repoId), kRepo);
        QCOMPARE(QString::fromStdString(models[0].revision), QString::fromLatin1(kCommit));
        QCOMPARE(QString::fromStdString(models[0].path), snapshot);
        QVERIFY(models[0].hasConfig && models[0].hasWeights && models[0].hasTokenizer);
        QVERIFY2(models[0].problem.empty(), models[0].problem.c_str());
        const auto model = lumen::engine::Model::load(snapshot.toStdString());
        QCOMPARE(QString::fromStdString(model->info().architecture),
            QStringLiteral("BertForPreTraining"));
        QVERIFY(model->tokenizer() != nullptr);
    }

    void resumesAfterDroppedConnection()
    {
        HubServer server;
        QVERIFY(server.listen());
        constexpr qint64 kDropAt = 123457;
        server.dropFile = QStringLiteral("model.safetensors");
        server.dropAfter = kDropAt;
        server.redirectFile = QStringLiteral("model.safetensors");
        QTemporaryDir cache;
        const QString entry = cache.path() + QStringLiteral("/models--test-org--tiny-bert");
        const QString partial = entry + QStringLiteral("/blobs/model.safetensors.incomplete");

        HubDownloader hub;
        QSignalSpy finished(&hub, &HubDownloader::finished);
        QSignalSpy failed(&hub, &HubDownloader::failed);
        hub.start(kRepo, server.endpoint(), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), kWaitMs);
        QVERIFY(finished.isEmpty());
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("interrupted"))
                || message.contains(QStringLiteral("resume")),
            qPrintable(message));
        QCOMPARE(QFileInfo(partial).size(), kDropAt);
        QVERIFY(!QFileInfo::exists(entry + QStringLiteral("/snapshots/")
            + QString::fromLatin1(kCommit) + QStringLiteral("/model.safetensors")));

        server.requests.clear();
        hub.start(kRepo, server.endpoint(), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(finished.size() == 1 || failed.size() == 2, kWaitMs);
        QVERIFY2(failed.size() == 1, qPrintable(failed.last().value(0).toString()));
        QVERIFY2(
            server.requests.contains(QStringLiteral("cdn/model.safetensors|bytes=%1-").arg(kDropAt))
                && server.requests.contains(
                    QStringLiteral("model.safetensors|bytes=%1-").arg(kDropAt)),
            qPrintable(server.requests.join(QLatin1Char(' '))));
        // Files the snapshot already had are not fetched again.
        QVERIFY(!server.requests.contains(QStringLiteral("vocab.txt|")));
        QVERIFY(!QFileInfo::exists(partial));
        const QByteArray source = readFile(kDataDir + QStringLiteral("/model.safetensors"));
        const QString blob = entry + QStringLiteral("/blobs/")
            + QString::fromLatin1(
                QCryptographicHash::hash(source, QCryptographicHash::Sha256).toHex());
        QCOMPARE(readFile(blob), source);
        QCOMPARE(readFile(finished.at(0).at(0).toString() + QStringLiteral("/model.safetensors")),
            source);
    }

    void cancelKeepsPartialFile()
    {
        HubServer server;
        QVERIFY(server.listen());
        constexpr qint64 kStallAt = 50000;
        server.stallFile = QStringLiteral("model.safetensors");
        server.stallAfter = kStallAt;
        QTemporaryDir cache;
        const QString entry = cache.path() + QStringLiteral("/models--test-org--tiny-bert");

        HubDownloader hub;
        QSignalSpy finished(&hub, &HubDownloader::finished);
        QSignalSpy failed(&hub, &HubDownloader::failed);
        QSignalSpy cancelled(&hub, &HubDownloader::cancelled);
        connect(
            &hub, &HubDownloader::progress, &hub, [&hub](qint64 done, qint64, const QString& file) {
                if (file == QStringLiteral("model.safetensors") && done >= kStallAt) {
                    hub.cancel();
                }
            });
        hub.start(kRepo, server.endpoint(), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(
            !cancelled.isEmpty() || !failed.isEmpty() || !finished.isEmpty(), kWaitMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QCOMPARE(cancelled.size(), 1);
        QVERIFY(finished.isEmpty());
        QVERIFY(!hub.isRunning());
        QCOMPARE(QFileInfo(entry + QStringLiteral("/blobs/model.safetensors.incomplete")).size(),
            kStallAt);
        const QString snapshot =
            entry + QStringLiteral("/snapshots/") + QString::fromLatin1(kCommit);
        QVERIFY(QFileInfo(snapshot + QStringLiteral("/config.json")).isSymLink());
        QVERIFY(!QFileInfo::exists(snapshot + QStringLiteral("/model.safetensors")));
        QVERIFY(!QFileInfo(snapshot + QStringLiteral("/model.safetensors")).isSymLink());
        QVERIFY(!QFileInfo::exists(entry + QStringLiteral("/refs/main")));
        // Nothing more arrives after a cancel.
        QTest::qWait(200);
        QCOMPARE(cancelled.size(), 1);
        QVERIFY(failed.isEmpty() && finished.isEmpty());
    }

    void unknownModel()
    {
        HubServer server;
        QVERIFY(server.listen());
        QTemporaryDir cache;
        HubDownloader hub;
        QSignalSpy failed(&hub, &HubDownloader::failed);
        hub.start(QStringLiteral("test-org/missing"), server.endpoint(), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), kWaitMs);
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("no model named test-org/missing")),
            qPrintable(message));
        QCOMPARE(server.requests.size(), 1); // config.json only
        QVERIFY(!QFileInfo::exists(cache.path() + QStringLiteral("/models--test-org--missing")));
    }

    void gatedModel()
    {
        HubServer server;
        QVERIFY(server.listen());
        server.gatedRepo = QStringLiteral("test-org/gated");
        QTemporaryDir cache;
        HubDownloader hub;
        QSignalSpy failed(&hub, &HubDownloader::failed);
        hub.start(QStringLiteral("test-org/gated"), server.endpoint(), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), kWaitMs);
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("needs a Hugging Face token"))
                && message.contains(QStringLiteral("HF_TOKEN")),
            qPrintable(message));
    }

    void offline()
    {
        QTemporaryDir cache;
        HubDownloader hub;
        QSignalSpy failed(&hub, &HubDownloader::failed);
        hub.start(kRepo, QStringLiteral("http://127.0.0.1:1"), cache.path());
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), kWaitMs);
        const QString message = failed.at(0).at(0).toString();
        QVERIFY2(
            message.startsWith(QStringLiteral("Could not reach 127.0.0.1: ")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("Open from Cache")), qPrintable(message));
        QVERIFY(QDir(cache.path()).isEmpty()); // no half-made cache entry left behind
    }

    void dialogDownloadsAndCancels()
    {
        HubServer server;
        QVERIFY(server.listen());
        server.stallFile = QStringLiteral("model.safetensors");
        server.stallAfter = 4096;
        QTemporaryDir cache;
        DownloadDialog dialog;
        dialog.setEndpoint(server.endpoint());
        dialog.setCacheDir(cache.path());
        QSignalSpy downloaded(&dialog, &DownloadDialog::modelDownloaded);
        QVERIFY(!dialog.downloadButton()->isEnabled());
        dialog.repoEdit()->setText(kRepo);
        QVERIFY(dialog.downloadButton()->isEnabled());

        // First attempt stalls in the weights: Cancel stops it and keeps the dialog open.
        QSignalSpy cancelled(dialog.downloader(), &HubDownloader::cancelled);
        QTest::mouseClick(dialog.downloadButton(), Qt::LeftButton);
        QVERIFY(dialog.downloader()->isRunning());
        QVERIFY(!dialog.repoEdit()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.messageLabel()->text().startsWith(QStringLiteral("model.safetensors: ")),
            kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.progressBar()->value() > 0, kWaitMs);
        QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
        QCOMPARE(cancelled.size(), 1);
        QVERIFY(dialog.messageLabel()->text().contains(QStringLiteral("resume")));
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(downloaded.isEmpty());

        // Second attempt resumes and finishes: the dialog hands the snapshot over.
        server.stallFile.clear();
        QTest::mouseClick(dialog.downloadButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!downloaded.isEmpty(), kWaitMs);
        QCOMPARE(downloaded.at(0).at(0).toString(),
            cache.path() + QStringLiteral("/models--test-org--tiny-bert/snapshots/")
                + QString::fromLatin1(kCommit));
        QVERIFY(server.requests.contains(QStringLiteral("model.safetensors|bytes=4096-")));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.progressBar()->value(), dialog.progressBar()->maximum());
    }

    void mainWindowOpensDownloadedModel()
    {
        HubServer server;
        QVERIFY(server.listen());
        QTemporaryDir cache;
        QTemporaryDir projectDir;
        MainWindow window;
        window.setInteractiveErrors(false);
        window.show();
        QVERIFY(window.openProject(projectDir.filePath(QStringLiteral("p.lumen"))));
        QAction* action = nullptr;
        for (QAction* menu : window.menuBar()->actions()) {
            for (QAction* item : menu->menu() ? menu->menu()->actions() : QList<QAction*>()) {
                if (item->text() == QStringLiteral("&Download Model…")) {
                    action = item;
                }
            }
        }
        QVERIFY(action != nullptr);
        action->trigger();
        auto* dialog = window.findChild<DownloadDialog*>();
        QVERIFY(dialog != nullptr);
        QVERIFY(dialog->isVisible());
        dialog->setEndpoint(server.endpoint());
        dialog->setCacheDir(cache.path());
        dialog->repoEdit()->setText(kRepo);
        QTest::mouseClick(dialog->downloadButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.modelStatusText().contains(QStringLiteral("BertForPreTraining")), kWaitMs);
        QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
        QTRY_VERIFY(window.findChild<DownloadDialog*>() == nullptr); // closed, deleted
    }

    void dialogShowsOfflineMessage()
    {
        QTemporaryDir cache;
        DownloadDialog dialog;
        dialog.setEndpoint(QStringLiteral("http://127.0.0.1:1"));
        dialog.setCacheDir(cache.path());
        dialog.repoEdit()->setText(kRepo);
        dialog.startDownload();
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.messageLabel()->text().startsWith(QStringLiteral("Could not reach")), kWaitMs);
        QVERIFY(dialog.repoEdit()->isEnabled());
        QVERIFY(dialog.downloadButton()->isEnabled());
    }

    void rejectsBadName()
    {
        QTemporaryDir cache;
        HubDownloader hub;
        QSignalSpy failed(&hub, &HubDownloader::failed);
        hub.start(QStringLiteral("../etc"), QStringLiteral("http://127.0.0.1:1"), cache.path());
        QCOMPARE(failed.size(), 1);
        QVERIFY(!hub.isRunning());
        QVERIFY(QDir(cache.path()).isEmpty());
    }
};

QTEST_MAIN(TestHubDownloader)
#include "tst_hub_downloader.moc"
