// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "attention_export.h"

#include "lumen/engine/error.h"
#include "lumen/engine/safetensors.h"

#include <QBuffer>
#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QWidget>

#include <nlohmann/json.hpp>

#include <cstring>

namespace lumen::app {

namespace {

QString suffixOf(const QString& path)
{
    return QFileInfo(path).suffix().toLower();
}

/// Writes `bytes` through a QSaveFile: the final name never holds half a file.
QString writeAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        return QObject::tr("Could not write %1: %2. Check that the folder exists, that you may "
                           "write there and that the disk is not full.")
            .arg(path, file.errorString());
    }
    return {};
}

QString unknownFormat(const QString& path, const QString& known)
{
    return QObject::tr("Lumen does not know the format of %1; give the file one of the "
                       "suffixes %2.")
        .arg(path, known);
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
QString csvField(const QString& s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"'))
        && !s.contains(QLatin1Char('\n')) && !s.contains(QLatin1Char('\r'))) {
        return s;
    }
    QString quoted = s;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

/// Shortest text that reads back as the same float.
QByteArray number(float v)
{
    return QByteArray::number(static_cast<double>(v), 'g', 9);
}

QString fromError(const std::exception& e)
{
    return QString::fromStdString(e.what());
}

} // namespace

QString imageFilters()
{
    return QObject::tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

QString tensorFilters()
{
    return QObject::tr("safetensors (*.safetensors);;NumPy array (*.npy);;CSV table (*.csv)");
}

QString exportImage(QWidget* widget, const QString& path)
{
    const QString suffix = suffixOf(path);
    const QSize size = widget->size();
    if (suffix == QLatin1String("png")) {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        if (!widget->grab().save(&buffer, "PNG")) {
            return QObject::tr("Could not render the view as PNG.");
        }
        return writeAtomically(path, bytes);
    }
    if (suffix == QLatin1String("svg")) {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(widget->windowTitle());
        svg.setDescription(QObject::tr("Exported from Lumen"));
        QPainter painter(&svg);
        widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
        painter.end();
        return writeAtomically(path, bytes);
    }
    if (suffix == QLatin1String("pdf")) {
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        {
            QPdfWriter pdf(&buffer);
            pdf.setTitle(QObject::tr("Lumen attention"));
            pdf.setCreator(QStringLiteral("Lumen"));
            pdf.setResolution(96);
            pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point));
            pdf.setPageMargins(QMarginsF());
            QPainter painter(&pdf);
            widget->render(&painter, QPoint(), QRegion(), QWidget::DrawChildren);
        }
        return writeAtomically(path, bytes);
    }
    return unknownFormat(path, QStringLiteral(".png, .svg, .pdf"));
}

void copyImage(QWidget* widget)
{
    QGuiApplication::clipboard()->setImage(widget->grab().toImage());
}

std::string npyBytes(const std::vector<int64_t>& shape, const float* data)
{
    std::string shapeText = "(";
    size_t count = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        shapeText +=
            std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? ", " : "");
        count *= static_cast<size_t>(shape[i]);
    }
    shapeText += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
    // Magic (6) + version (2) + length (2) + header + '\n', padded to a multiple of 64.
    const size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(header.size() & 0xFF));
    out.push_back(static_cast<char>((header.size() >> 8) & 0xFF));
    out += header;
    const size_t at = out.size();
    out.resize(at + count * sizeof(float));
    std::memcpy(out.data() + at, data, count * sizeof(float)); // little-endian machines only
    return out;
}

QString exportAttention(
    const AttentionRecord& record, const QString& path, const widgets::AttentionSet* stack)
{
    const widgets::AttentionSet& set = stack != nullptr ? *stack : record.set;
    if (!set.isValid()) {
        return QObject::tr("There is no attention to export yet. Run the model first.");
    }
    const QString suffix = suffixOf(path);
    try {
        if (suffix == QLatin1String("safetensors")) {
            saveAttentionRecord(record, path.toStdString());
            return {};
        }
        if (suffix == QLatin1String("npy")) {
            const std::string bytes =
                npyBytes({ set.layers, set.heads, set.seq, set.keys() }, set.weights->data());
            return writeAtomically(path, QByteArray::fromStdString(bytes));
        }
        if (suffix == QLatin1String("csv")) {
            QByteArray out = "layer,head,query,key,query_token,key_token,weight\n";
            out.reserve(static_cast<qsizetype>(set.weights->size()) * 24);
            for (int l = 0; l < set.layers; ++l) {
                for (int h = 0; h < set.heads; ++h) {
                    for (int q = 0; q < set.seq; ++q) {
                        for (int k = 0; k < set.keys(); ++k) {
                            out += QByteArray::number(l) + ',' + QByteArray::number(h) + ','
                                + QByteArray::number(q) + ',' + QByteArray::number(k) + ','
                                + csvField(set.tokens.at(q)).toUtf8() + ','
                                + csvField(set.keyToken(k)).toUtf8() + ','
                                + number(set.at(l, h, q, k)) + '\n';
                        }
                    }
                }
            }
            return writeAtomically(path, out);
        }
    } catch (const std::exception& e) {
        return fromError(e);
    }
    return unknownFormat(path, QStringLiteral(".safetensors, .npy, .csv"));
}

QString exportMatrix(const widgets::AttentionHeatmapData& matrix, const QString& path)
{
    if (!matrix.isValid()) {
        return QObject::tr("There is no attention map to export yet. Run the model first.");
    }
    const QString suffix = suffixOf(path);
    const int rows = matrix.queries();
    const int cols = matrix.keys();
    try {
        if (suffix == QLatin1String("csv")) {
            QByteArray out = "query\\key";
            for (const QString& key : matrix.keyTokens) {
                out += ',' + csvField(key).toUtf8();
            }
            out += '\n';
            for (int q = 0; q < rows; ++q) {
                out += csvField(matrix.queryTokens.at(q)).toUtf8();
                for (int k = 0; k < cols; ++k) {
                    out += ',' + number(matrix.weights[static_cast<size_t>(q) * cols + k]);
                }
                out += '\n';
            }
            return writeAtomically(path, out);
        }
        if (suffix == QLatin1String("npy")) {
            return writeAtomically(
                path, QByteArray::fromStdString(npyBytes({ rows, cols }, matrix.weights.data())));
        }
        if (suffix == QLatin1String("safetensors")) {
            engine::FloatTensor t;
            t.shape = { rows, cols };
            t.data = matrix.weights;
            nlohmann::json queries = nlohmann::json::array();
            nlohmann::json keys = nlohmann::json::array();
            for (const QString& s : matrix.queryTokens) {
                queries.push_back(s.toStdString());
            }
            for (const QString& s : matrix.keyTokens) {
                keys.push_back(s.toStdString());
            }
            engine::writeSafetensors(path.toStdString(),
                { engine::TensorToWrite::fromFloat("attention", t) },
                { { "lumen.title", matrix.title.toStdString() },
                    { "lumen.query_tokens", queries.dump() },
                    { "lumen.key_tokens", keys.dump() } });
            return {};
        }
    } catch (const std::exception& e) {
        return fromError(e);
    }
    return unknownFormat(path, QStringLiteral(".csv, .npy, .safetensors"));
}

} // namespace lumen::app
