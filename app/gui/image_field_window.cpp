// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "image_field_window.h"

#include "image_input.h"

#include "lumen/widgets/qcustomplot.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>
#include <cmath>

namespace lumen::app {

namespace {

struct LoadResult {
    std::shared_ptr<engine::ImageModel> model;
    engine::ImageFieldTable table;
    QString tableProblem; ///< why the layers could not be read (the gradient still works)
    QString error;
};

struct MeasureResult {
    engine::ImageGradientField field;
    QString error;
};

QString extent(const engine::ReceptiveField& f)
{
    return f.size() < 0 ? ImageFieldWindow::tr("whole image") : QString::number(f.size());
}

} // namespace

ImageFieldWindow::ImageFieldWindow(QWidget* parent)
    : QWidget(parent, Qt::Window)
{
    setObjectName(QStringLiteral("imageFieldWindow"));
    setWindowTitle(tr("Image Receptive Field — Lumen"));
    resize(1100, 720);
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    auto* openModelButton = new QPushButton(tr("Open Model…"), this);
    openModelButton->setToolTip(tr("A TorchScript file (torch.jit.script or torch.jit.trace, then .save())"));
    modelLabel_ = new QLabel(tr("No model"), this);
    auto* openImageButton = new QPushButton(tr("Open Image…"), this);
    useImage_ = new QRadioButton(tr("the image"), this);
    useImage_->setEnabled(false);
    useRandom_ = new QRadioButton(tr("random inputs:"), this);
    useRandom_->setChecked(true);
    samples_ = new QSpinBox(this);
    samples_->setRange(1, 1024);
    samples_->setValue(16);
    samples_->setSuffix(tr(" samples"));
    height_ = new QSpinBox(this);
    height_->setRange(8, 1024);
    height_->setValue(64);
    height_->setPrefix(tr("H "));
    width_ = new QSpinBox(this);
    width_->setRange(8, 1024);
    width_->setValue(64);
    width_->setPrefix(tr("W "));
    imagenet_ = new QCheckBox(tr("ImageNet normalisation"), this);
    imagenet_->setChecked(true);
    imagenet_->setToolTip(tr("Subtract ImageNet's mean and divide by its standard deviation, as torchvision models expect"));
    measure_ = new QPushButton(tr("Measure"), this);
    measure_->setEnabled(false);
    bar->addWidget(openModelButton);
    bar->addWidget(modelLabel_, 1);
    bar->addWidget(openImageButton);
    bar->addWidget(new QLabel(tr("Input:"), this));
    bar->addWidget(useImage_);
    bar->addWidget(useRandom_);
    bar->addWidget(samples_);
    bar->addWidget(height_);
    bar->addWidget(width_);
    bar->addWidget(imagenet_);
    bar->addWidget(measure_);
    layout->addLayout(bar);
    status_ = new QLabel(tr("Open a TorchScript image model to see its receptive field."), this);
    status_->setWordWrap(true);
    layout->addWidget(status_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    picture_ = new QLabel;
    picture_->setObjectName(QStringLiteral("imageFieldPicture"));
    picture_->setAlignment(Qt::AlignCenter);
    picture_->setMinimumSize(320, 320);
    picture_->setStyleSheet(QStringLiteral("background: #202020; color: #bbbbbb;"));
    picture_->setText(tr("The effective receptive field appears here.\nClick to choose the output unit."));
    picture_->installEventFilter(this);
    split->addWidget(picture_);
    auto* right = new QSplitter(Qt::Vertical);
    layers_ = new QTableWidget(0, 7);
    layers_->setObjectName(QStringLiteral("imageLayerTable"));
    layers_->setHorizontalHeaderLabels(
        { tr("Layer"), tr("Operation"), tr("Kernel"), tr("Stride"), tr("Dilation"), tr("Field"), tr("Jump") });
    layers_->verticalHeader()->setVisible(false);
    layers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layers_->horizontalHeader()->setStretchLastSection(true);
    right->addWidget(layers_);
    plot_ = new QCustomPlot;
    plot_->setObjectName(QStringLiteral("imageRadiusPlot"));
    plot_->xAxis->setLabel(tr("half-side r of a square around the centre of mass (pixels)"));
    plot_->yAxis->setLabel(tr("share of the gradient"));
    plot_->yAxis->setRange(0, 1.02);
    plot_->addGraph();
    plot_->graph(0)->setPen(QPen(QColor(0xd5, 0x5e, 0x00), 2));
    plot_->setMinimumHeight(160);
    right->addWidget(plot_);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    connect(openModelButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a TorchScript Image Model"), QString(),
            tr("TorchScript (*.pt *.pth *.ts);;All files (*)"));
        if (!path.isEmpty()) {
            openModel(path);
        }
    });
    connect(openImageButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open an Image"), QString(),
            tr("Images (*.png *.jpg *.jpeg *.bmp *.ppm *.pgm);;All files (*)"));
        if (!path.isEmpty() && openImage(path) && hasModel()) {
            measure();
        }
    });
    connect(measure_, &QPushButton::clicked, this, &ImageFieldWindow::measure);
    const auto syncInputs = [this] {
        const bool random = useRandom_->isChecked();
        samples_->setEnabled(random);
    };
    connect(useRandom_, &QRadioButton::toggled, this, syncInputs);
}

ImageFieldWindow::~ImageFieldWindow()
{
    if (cancel_) {
        cancel_->store(true);
    }
}

void ImageFieldWindow::setBusy(bool busy, const QString& status)
{
    busy_ = busy;
    measure_->setEnabled(!busy && hasModel());
    if (!status.isEmpty()) {
        status_->setText(status);
    }
}

void ImageFieldWindow::openModel(const QString& path)
{
    if (busy_) {
        status_->setText(tr("Still busy; wait for the current job to finish."));
        return;
    }
    setBusy(true, tr("Loading %1…").arg(QFileInfo(path).fileName()));
    const std::string file = path.toStdString();
    auto* watcher = new QFutureWatcher<LoadResult>(this);
    connect(watcher, &QFutureWatcher<LoadResult>::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        LoadResult r = watcher->result();
        if (!r.error.isEmpty()) {
            setBusy(false, tr("Could not open %1: %2").arg(QFileInfo(path).fileName(), r.error));
            Q_EMIT failed(r.error);
            return; // the model shown before stays
        }
        model_ = std::move(r.model);
        modelPath_ = path;
        table_ = r.table;
        tableProblem_ = r.tableProblem;
        unitY_ = unitX_ = -1;
        modelLabel_->setText(tr("%1 · %2 parameters · %3 convolutions")
                                 .arg(QFileInfo(path).fileName())
                                 .arg(QLocale().toString(static_cast<qlonglong>(model_->info().parameterCount)))
                                 .arg(model_->info().convolutions));
        showTable();
        setBusy(false, QString());
        Q_EMIT modelLoaded();
        measure();
    });
    watcher->setFuture(QtConcurrent::run([file]() -> LoadResult {
        LoadResult r;
        try {
            r.model = std::shared_ptr<engine::ImageModel>(engine::ImageModel::load(file));
            try {
                r.table = engine::theoreticalImageField(*r.model);
            } catch (const std::exception& e) {
                r.tableProblem = QString::fromUtf8(e.what());
            }
        } catch (const std::exception& e) {
            r.error = QString::fromUtf8(e.what());
        }
        return r;
    }));
}

bool ImageFieldWindow::openImage(const QString& path)
{
    if (path.isEmpty()) {
        image_ = QImage();
        imagePath_.clear();
        useRandom_->setChecked(true);
        useImage_->setEnabled(false);
        return true;
    }
    try {
        image_ = readImageFile(path);
    } catch (const std::exception& e) {
        status_->setText(QString::fromUtf8(e.what()));
        Q_EMIT failed(status_->text());
        return false;
    }
    imagePath_ = path;
    useImage_->setEnabled(true);
    useImage_->setChecked(true);
    useImage_->setText(tr("the image (%1 × %2)").arg(image_.width()).arg(image_.height()));
    // The image is fed at the size in the boxes: start from its own, at most 512.
    const double shrink = std::min(1.0, 512.0 / std::max(image_.width(), image_.height()));
    height_->setValue(std::max(8, static_cast<int>(std::lround(image_.height() * shrink))));
    width_->setValue(std::max(8, static_cast<int>(std::lround(image_.width() * shrink))));
    return true;
}

void ImageFieldWindow::chooseUnitAt(int row, int column)
{
    if (field_.outputShape.size() != 4 || field_.height <= 0) {
        return; // a class score has no units to choose
    }
    const int64_t outH = field_.outputShape[2];
    const int64_t outW = field_.outputShape[3];
    const bool readable = table_.complete && table_.outputHeight.size() > 0 && table_.outputWidth.size() > 0;
    const auto toUnit = [readable](int pixel, const engine::ReceptiveField& f, int64_t out, int64_t in) {
        const double u = readable ? (pixel - static_cast<double>(f.right - f.left) / 2.0) / static_cast<double>(f.jump)
                                  : static_cast<double>(pixel) * static_cast<double>(out) / static_cast<double>(in);
        return std::clamp<int64_t>(static_cast<int64_t>(std::lround(u)), 0, out - 1);
    };
    unitY_ = toUnit(row, table_.outputHeight, outH, field_.height);
    unitX_ = toUnit(column, table_.outputWidth, outW, field_.width);
    measure();
}

void ImageFieldWindow::measure()
{
    if (!model_) {
        status_->setText(tr("Open a model first."));
        return;
    }
    if (busy_) {
        return;
    }
    engine::ImageGradientConfig config;
    config.unitY = unitY_;
    config.unitX = unitX_;
    config.height = height_->value();
    config.width = width_->value();
    config.samples = samples_->value();
    std::optional<engine::FloatTensor> input;
    if (useImage_->isChecked() && !image_.isNull()) {
        try {
            ImageInputOptions options;
            options.height = height_->value();
            options.width = width_->value();
            options.channels = model_->info().inputChannels == 1 ? 1 : 3;
            options.imagenet = imagenet_->isChecked();
            input = imageToTensor(image_, options);
        } catch (const std::exception& e) {
            status_->setText(QString::fromUtf8(e.what()));
            Q_EMIT failed(status_->text());
            return;
        }
    }
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    setBusy(true, input ? tr("Taking the gradient over the image…")
                        : tr("Taking the gradient over %1 random inputs…").arg(config.samples));
    auto* watcher = new QFutureWatcher<MeasureResult>(this);
    connect(watcher, &QFutureWatcher<MeasureResult>::finished, this, [this, watcher] {
        watcher->deleteLater();
        const MeasureResult r = watcher->result();
        if (!r.error.isEmpty()) {
            setBusy(false, r.error);
            Q_EMIT failed(r.error);
            return;
        }
        if (r.field.status == engine::JobStatus::Cancelled) {
            setBusy(false, tr("Cancelled."));
            return;
        }
        field_ = r.field;
        showField();
        setBusy(false, QString());
        Q_EMIT measured();
    });
    std::shared_ptr<engine::ImageModel> model = model_;
    std::shared_ptr<std::atomic<bool>> cancel = cancel_;
    watcher->setFuture(QtConcurrent::run([model, cancel, config, input]() -> MeasureResult {
        MeasureResult r;
        try {
            engine::RunControl control;
            control.cancel = cancel.get();
            r.field = engine::imageGradientField(*model, input ? &*input : nullptr, config, &control);
        } catch (const std::exception& e) {
            r.error = QString::fromUtf8(e.what());
        }
        return r;
    }));
}

void ImageFieldWindow::showTable()
{
    layers_->setRowCount(0);
    const auto pair = [](int64_t a, int64_t b) { return QStringLiteral("%1×%2").arg(a).arg(b); };
    for (const engine::ImageLayerField& l : table_.layers) {
        const int row = layers_->rowCount();
        layers_->insertRow(row);
        const QString cells[] = { QString::number(l.index), QString::fromStdString(l.op + (l.detail.empty() ? "" : " " + l.detail)),
            pair(l.kernelH, l.kernelW), pair(l.strideH, l.strideW), pair(l.dilationH, l.dilationW),
            extent(l.height) + QStringLiteral(" × ") + extent(l.width), QString::number(l.height.jump) };
        for (int c = 0; c < 7; ++c) {
            layers_->setItem(row, c, new QTableWidgetItem(cells[c]));
        }
    }
    layers_->resizeColumnsToContents();
}

void ImageFieldWindow::showField()
{
    // Drawn at a whole multiple (crisp pixels), then fitted to the picture.
    const double fit = std::min(static_cast<double>(picture_->width()) / static_cast<double>(std::max<int64_t>(1, field_.width)),
        static_cast<double>(picture_->height()) / static_cast<double>(std::max<int64_t>(1, field_.height)));
    const int whole = std::max(1, static_cast<int>(std::ceil(fit)));
    const QImage background = useImage_->isChecked() ? image_ : QImage();
    const QImage drawn = drawImageField(field_, background, whole);
    drawn_ = QPixmap::fromImage(drawn.scaled(static_cast<int>(field_.width * fit), static_cast<int>(field_.height * fit),
        Qt::KeepAspectRatio, Qt::SmoothTransformation));
    picture_->setPixmap(drawn_);
    picture_->setProperty("scale", static_cast<double>(drawn_.width()) / static_cast<double>(std::max<int64_t>(1, field_.width)));
    QVector<double> x;
    QVector<double> y;
    for (size_t r = 0; r < field_.withinRadius.size(); ++r) {
        x << static_cast<double>(r);
        y << field_.withinRadius[r];
    }
    plot_->graph(0)->setData(x, y);
    plot_->xAxis->setRange(0, std::max(1.0, x.isEmpty() ? 1.0 : x.back()));
    plot_->replot();
    int r90 = 0;
    while (r90 + 1 < static_cast<int>(field_.withinRadius.size()) && field_.withinRadius[static_cast<size_t>(r90)] < 0.9) {
        ++r90;
    }
    QString target = field_.outputShape.size() == 4
        ? tr("output unit (%1, %2) of the %3 × %4 feature map").arg(field_.unitY).arg(field_.unitX).arg(field_.outputShape[2]).arg(field_.outputShape[3])
        : tr("class %1's score").arg(field_.classIndex);
    QString text = tr("Gradient of %1 over %2: 90 % within %3 pixels of its centre (%4, %5).")
                       .arg(target,
                           useImage_->isChecked() ? tr("the image") : tr("%1 random inputs").arg(field_.samples))
                       .arg(r90)
                       .arg(field_.centreY, 0, 'f', 1)
                       .arg(field_.centreX, 0, 'f', 1);
    if (field_.fieldTop >= 0) {
        text += tr(" Theoretical field (dashed): rows %1–%2, columns %3–%4.")
                    .arg(field_.fieldTop)
                    .arg(field_.fieldBottom)
                    .arg(field_.fieldLeft)
                    .arg(field_.fieldRight);
    }
    if (!tableProblem_.isEmpty()) {
        text += QLatin1Char(' ') + tableProblem_;
    } else if (!table_.note.empty()) {
        text += tr(" Note: %1.").arg(QString::fromStdString(table_.note));
    }
    status_->setText(text);
}

bool ImageFieldWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == picture_ && event->type() == QEvent::MouseButtonPress && !drawn_.isNull() && !busy_) {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const double scale = std::max(1e-6, picture_->property("scale").toDouble());
        const QPoint origin((picture_->width() - drawn_.width()) / 2, (picture_->height() - drawn_.height()) / 2);
        const QPoint p = mouse->position().toPoint() - origin;
        if (p.x() >= 0 && p.y() >= 0 && p.x() < drawn_.width() && p.y() < drawn_.height()) {
            chooseUnitAt(static_cast<int>(p.y() / scale), static_cast<int>(p.x() / scale));
        }
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ImageFieldWindow::closeEvent(QCloseEvent* event)
{
    if (cancel_) {
        cancel_->store(true);
    }
    QWidget::closeEvent(event);
}

} // namespace lumen::app
