// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "attention_render.h"

#include "attention_controller.h"
#include "engine_worker.h"
#include "flow_page.h"

#include "lumen/engine/analysis.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/widgets/attention_view.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/model_view.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QPainter>
#include <QSaveFile>
#include <QSpinBox>

#include <cstdio>
#include <memory>

namespace lumen::app::cli {

namespace {

[[noreturn]] void fail(const std::string& message)
{
    throw Error(ErrorKind::InvalidInput, message);
}

/// Qt's own chatter (no XDG runtime folder, offscreen size hints) is not the user's business
/// on a command line; critical messages still go to stderr.
void quietQt(QtMsgType type, const QMessageLogContext&, const QString& message)
{
    if (type == QtCriticalMsg || type == QtFatalMsg) {
        std::fprintf(stderr, "lumen-cli: %s\n", qPrintable(message));
    }
}

/// The application the widgets need, offscreen: made for the call, gone after it (before
/// Qt's thread storage is torn down at exit).
std::unique_ptr<QApplication> makeApplication()
{
    if (QCoreApplication::instance() != nullptr) {
        return nullptr; // a caller's application (tests)
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen"); // headless: no display needed
    }
    static int argc = 1;
    static char name[] = "lumen-cli";
    static char* argv[] = { name, nullptr };
    return std::make_unique<QApplication>(argc, argv);
}

/// Lays the widget out at the asked size and returns its image of exactly that size: a
/// widget that needs more room is drawn at its minimum and scaled down.
QImage grabAt(QWidget& widget, int width, int height)
{
    widget.setAttribute(Qt::WA_DontShowOnScreen);
    widget.resize(width, height);
    widget.show();
    for (int i = 0; i < 5; ++i) {
        QCoreApplication::processEvents(); // layouts and queued replots settle
    }
    const QImage drawn = widget.grab().toImage();
    if (drawn.size() == QSize(width, height)) {
        return drawn;
    }
    // Scaled to fit, centred on the window's background.
    const QImage fitted =
        drawn.scaled(width, height, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    QImage out(width, height, QImage::Format_ARGB32);
    out.fill(widget.palette().color(QPalette::Window));
    QPainter painter(&out);
    painter.drawImage((width - fitted.width()) / 2, (height - fitted.height()) / 2, fitted);
    return out;
}

} // namespace

AttentionRenderResult renderAttention(const AttentionRender& request)
{
    if (request.width < 200 || request.height < 150 || request.width > 16384
        || request.height > 16384) {
        fail("--width and --height must be between 200 x 150 and 16384 x 16384 pixels.");
    }
    const QtMessageHandler previous = qInstallMessageHandler(quietQt);
    struct Restore {
        QtMessageHandler handler;
        ~Restore() { qInstallMessageHandler(handler); }
    } restore { previous };
    const std::unique_ptr<QApplication> app = makeApplication();
    engine::LoadOptions options;
    options.device = request.device;
    const auto model = engine::Model::load(request.modelDir, options);
    AttentionRequest attention;
    attention.text = QString::fromStdString(request.text);
    attention.pair = QString::fromStdString(request.pair);
    attention.target = QString::fromStdString(request.target);
    if (request.stack != "encoder" && request.target.empty()) {
        fail("--stack " + request.stack
            + " shows the decoder's attention: give the decoder's text with --target T (an "
              "encoder-decoder model, such as T5).");
    }
    std::optional<AttentionOutput> output = computeAttention(*model, attention, {});
    if (!output) {
        fail("the forward pass was cancelled.");
    }
    QString error;
    widgets::AttentionSet set = toAttentionSet(*output, &error);
    if (set.isValid() && request.stack != "encoder") {
        widgets::AttentionSet decoder;
        widgets::AttentionSet cross;
        if (toDecoderSets(*output, set, &decoder, &cross, &error)) {
            set = request.stack == "decoder" ? std::move(decoder) : std::move(cross);
        } else {
            set = widgets::AttentionSet();
        }
    } else if (set.isValid() && !request.target.empty()) {
        set.name = encoderStackName();
    }
    if (!set.isValid()) {
        throw Error(
            ErrorKind::Internal, "the attention could not be laid out: " + error.toStdString());
    }
    if (request.view == "rollout" && !set.isSelf()) {
        fail("--view rollout follows self-attention through the layers; cross-attention's "
             "layers do not chain. Use --stack encoder or --stack decoder, or another view.");
    }
    AttentionRenderResult result;
    result.seq = set.seq;
    result.keys = set.keys();
    result.layers = set.layers;
    result.heads = set.heads;
    result.forwardMs = output->forwardMs;
    result.windows = 1 + static_cast<int>(output->otherWindows.size());
    const int layer = request.layer < 0 ? set.layers - 1 : request.layer;
    if (layer >= set.layers) {
        fail("--layer " + std::to_string(request.layer) + " is out of range: the model has "
            + std::to_string(set.layers) + " layers (0.." + std::to_string(set.layers - 1) + ").");
    }
    if (request.head >= set.heads || request.head < widgets::AttentionView::kMaxOfHeads) {
        fail("--head " + std::to_string(request.head) + " is out of range: the model has "
            + std::to_string(set.heads) + " heads (0.." + std::to_string(set.heads - 1)
            + ", mean or max).");
    }
    result.layer = layer;

    QImage image;
    if (request.view == "heatmap") {
        widgets::AttentionView view;
        view.setControlsVisible(false);
        view.setData(set);
        view.setLayer(layer);
        view.setHead(request.head);
        image = grabAt(view, request.width, request.height);
    } else if (request.view == "heads") {
        widgets::HeadView view;
        view.setControlsVisible(false);
        view.setData(set);
        view.setLayer(layer);
        image = grabAt(view, request.width, request.height);
    } else if (request.view == "model") {
        widgets::ModelView view;
        view.setControlsVisible(false);
        view.setPaintBudgetMs(0); // every thumbnail in this one image
        view.setFitToView(true);
        view.setData(set);
        image = grabAt(view, request.width, request.height);
    } else if (request.view == "rollout") {
        FlowPage page;
        page.setControlsVisible(false);
        page.setAttention(set);
        {
            const QSignalBlocker blocker(page.layerSelector());
            page.layerSelector()->setValue(layer);
        }
        engine::RolloutConfig config;
        config.toLayer = layer;
        config.realMask = set.valid;
        const engine::RolloutResult rollout = engine::attentionRollout(layersOf(set), config);
        page.setResult(AttentionController::FlowMethod::Rollout, layer, rollout.matrix.data);
        image = grabAt(page, request.width, request.height);
    } else {
        fail("--view " + request.view + " is not a view: use heatmap, heads, model or rollout.");
    }

    const QString path = QFileInfo(QString::fromStdString(request.png)).absoluteFilePath();
    QSaveFile file(path);
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG")
        || !file.commit()) {
        throw Error(ErrorKind::Io,
            "could not write " + path.toStdString() + " (" + file.errorString().toStdString()
                + "). Check that the folder exists and that the disk is not full.");
    }
    result.png = path.toStdString();
    return result;
}

} // namespace lumen::app::cli
