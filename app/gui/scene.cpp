// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "scene.h"

#include "app_options.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace lumen::app {

namespace {
const QString kFormat = QStringLiteral("lumen-scene-1");
const QString kDemoPrefix = QStringLiteral("demo:");
} // namespace

QStringList sceneViews()
{
    return { QStringLiteral("heatmap"), QStringLiteral("heads"), QStringLiteral("model"), QStringLiteral("rollout"),
        QStringLiteral("statistics"), QStringLiteral("field"), QStringLiteral("cone") };
}

std::optional<QList<Scene>> readScenes(const QString& path, QString* error)
{
    const auto fail = [&](const QString& message) -> std::optional<QList<Scene>> {
        if (error != nullptr) {
            *error = message;
        }
        return std::nullopt;
    };
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return fail(QObject::tr("Cannot read the scene file %1: %2.").arg(path, file.errorString()));
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (parse.error != QJsonParseError::NoError) {
        return fail(QObject::tr("%1 is not valid JSON (at byte %2: %3). Fix the file or save the scene again.")
                        .arg(QFileInfo(path).fileName())
                        .arg(parse.offset)
                        .arg(parse.errorString()));
    }
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != kFormat) {
        return fail(QObject::tr("%1 is not a Lumen scene file (format %2 expected).").arg(QFileInfo(path).fileName(), kFormat));
    }
    const QJsonArray list = root.value(QStringLiteral("scenes")).toArray();
    if (list.isEmpty()) {
        return fail(QObject::tr("%1 holds no scenes.").arg(QFileInfo(path).fileName()));
    }
    QList<Scene> scenes;
    for (int i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        Scene s;
        s.title = o.value(QStringLiteral("title")).toString();
        s.model = o.value(QStringLiteral("model")).toString();
        s.text = o.value(QStringLiteral("text")).toString();
        s.pair = o.value(QStringLiteral("pair")).toString();
        s.view = o.value(QStringLiteral("view")).toString(s.view);
        s.layer = o.value(QStringLiteral("layer")).toInt(0);
        s.head = o.value(QStringLiteral("head")).toInt(0);
        s.token = o.value(QStringLiteral("token")).toInt(-1);
        s.caption = o.value(QStringLiteral("caption")).toString();
        for (const QJsonValue& n : o.value(QStringLiteral("notes")).toArray()) {
            const QJsonObject no = n.toObject();
            s.notes << SceneNote { no.value(QStringLiteral("token")).toInt(-1), no.value(QStringLiteral("note")).toString() };
        }
        const QString where = QObject::tr("%1, scene %2").arg(QFileInfo(path).fileName()).arg(i + 1);
        if (s.model.trimmed().isEmpty()) {
            return fail(QObject::tr("%1 names no model (\"model\": a folder or demo:NAME).").arg(where));
        }
        if (s.text.trimmed().isEmpty()) {
            return fail(QObject::tr("%1 has no text (\"text\").").arg(where));
        }
        if (!sceneViews().contains(s.view)) {
            return fail(QObject::tr("%1: \"%2\" is not a view (%3).").arg(where, s.view, sceneViews().join(QStringLiteral(", "))));
        }
        if (s.layer < 0 || s.head < 0) {
            return fail(QObject::tr("%1: the layer and head count from 0.").arg(where));
        }
        scenes << s;
    }
    return scenes;
}

QString sceneModelDir(const Scene& scene, const QString& sceneFile)
{
    if (scene.model.startsWith(kDemoPrefix)) {
        return demoModelsDir() + QLatin1Char('/') + scene.model.mid(kDemoPrefix.size());
    }
    if (QDir::isAbsolutePath(scene.model)) {
        return QDir::cleanPath(scene.model);
    }
    return QDir::cleanPath(QFileInfo(sceneFile).absoluteDir().absoluteFilePath(scene.model));
}

QString writeScenes(const QString& path, const QList<Scene>& scenes)
{
    const QDir here = QFileInfo(path).absoluteDir();
    const QString demos = QDir::cleanPath(demoModelsDir());
    QJsonArray list;
    for (const Scene& s : scenes) {
        QString model = s.model;
        if (!model.startsWith(kDemoPrefix)) {
            const QString absolute = QDir::cleanPath(QFileInfo(model).absoluteFilePath());
            if (QFileInfo(absolute).absolutePath() == demos) {
                model = kDemoPrefix + QFileInfo(absolute).fileName();
            } else if (absolute.startsWith(here.absolutePath() + QLatin1Char('/'))) {
                model = here.relativeFilePath(absolute);
            } else {
                model = absolute;
            }
        }
        QJsonObject o { { QStringLiteral("model"), model }, { QStringLiteral("text"), s.text },
            { QStringLiteral("view"), s.view }, { QStringLiteral("layer"), s.layer }, { QStringLiteral("head"), s.head },
            { QStringLiteral("token"), s.token } };
        if (!s.title.isEmpty()) {
            o[QStringLiteral("title")] = s.title;
        }
        if (!s.pair.isEmpty()) {
            o[QStringLiteral("pair")] = s.pair;
        }
        if (!s.caption.isEmpty()) {
            o[QStringLiteral("caption")] = s.caption;
        }
        if (!s.notes.isEmpty()) {
            QJsonArray notes;
            for (const SceneNote& n : s.notes) {
                notes.append(QJsonObject { { QStringLiteral("token"), n.token }, { QStringLiteral("note"), n.note } });
            }
            o[QStringLiteral("notes")] = notes;
        }
        list.append(o);
    }
    const QJsonObject root { { QStringLiteral("format"), kFormat }, { QStringLiteral("scenes"), list } };
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
        return QObject::tr("Cannot write %1: %2 (is the folder writable, the disk full?).").arg(path, file.errorString());
    }
    return {};
}

} // namespace lumen::app
