// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The image CNN window (File > Open Image Model…): a TorchScript model that takes an image,
// its theoretical receptive field per layer read from the graph, and its effective
// receptive field by gradient (Luo et al. 2016) as a heatmap over a loaded image — or
// averaged over random inputs — with the theoretical field of the chosen output unit
// outlined. A click on the picture chooses the output unit under it. Loading and measuring
// run on a worker thread (one job at a time; closing the window cancels it).
// Thread safety: GUI thread only.

#include "lumen/engine/image_field.h"

#include <QImage>
#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;

namespace lumen::app {

class ImageFieldWindow : public QWidget {
    Q_OBJECT

public:
    explicit ImageFieldWindow(QWidget* parent = nullptr);
    ~ImageFieldWindow() override;

    /// Loads the model on the worker; modelLoaded() or failed() follows.
    void openModel(const QString& path);
    /// Uses this image as the input (an empty path: random inputs). Returns false, with the
    /// reason in the status line, for a file Qt cannot read.
    bool openImage(const QString& path);
    /// Measures with the current settings; measured() or failed() follows.
    void measure();
    /// Chooses the output unit under a pixel of the input (row, column).
    void chooseUnitAt(int row, int column);
    bool isBusy() const { return busy_; }
    bool hasModel() const { return static_cast<bool>(model_); }

    const engine::ImageFieldTable& table() const { return table_; }
    const engine::ImageGradientField& field() const { return field_; }
    QTableWidget* layerTable() const { return layers_; }
    QLabel* picture() const { return picture_; }
    QLabel* statusLabel() const { return status_; }
    QCustomPlot* radiusPlot() const { return plot_; }
    QSpinBox* samplesBox() const { return samples_; }
    QSpinBox* heightBox() const { return height_; }
    QSpinBox* widthBox() const { return width_; }

Q_SIGNALS:
    void modelLoaded();
    void measured();
    void failed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void showTable();
    void showField();
    void setBusy(bool busy, const QString& status);

    std::shared_ptr<engine::ImageModel> model_;
    QString modelPath_;
    QImage image_;
    QString imagePath_;
    engine::ImageFieldTable table_;
    QString tableProblem_;
    engine::ImageGradientField field_;
    int64_t unitY_ = -1;
    int64_t unitX_ = -1;
    bool busy_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
    QPixmap drawn_;

    QLabel* modelLabel_ = nullptr;
    QRadioButton* useImage_ = nullptr;
    QRadioButton* useRandom_ = nullptr;
    QSpinBox* samples_ = nullptr;
    QSpinBox* height_ = nullptr;
    QSpinBox* width_ = nullptr;
    QCheckBox* imagenet_ = nullptr;
    QPushButton* measure_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* picture_ = nullptr;
    QTableWidget* layers_ = nullptr;
    QCustomPlot* plot_ = nullptr;
};

} // namespace lumen::app
