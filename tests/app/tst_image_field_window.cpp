// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The image CNN window: a TorchScript CNN's layer table and its effective receptive field
// measured on the worker over random inputs and over an image, a click choosing the output
// unit under it, and bad files reported in the window without losing the open model.
#include "image_field_window.h"

#include "lumen/engine/image_field.h"
#include "lumen/widgets/qcustomplot.h"

#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using lumen::app::ImageFieldWindow;

class TestImageFieldWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void measuresAndChoosesUnits()
    {
        QTemporaryDir dir;
        lumen::engine::ImageCnnSpec spec;
        spec.layers = 2;
        spec.channels = 4;
        spec.dilations = { 1, 2 };
        const QString path = dir.filePath(QStringLiteral("cnn.pt"));
        lumen::engine::createImageCnn(spec, path.toStdString(), 0);
        ImageFieldWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.samplesBox()->setValue(2);
        window.heightBox()->setValue(24);
        window.widthBox()->setValue(30);
        QSignalSpy measured(&window, &ImageFieldWindow::measured);
        window.openModel(path); // loads, then measures
        QVERIFY(measured.wait(30000));
        QCOMPARE(window.layerTable()->rowCount(), 2);
        QVERIFY(window.layerTable()->item(1, 5)->text().startsWith(QStringLiteral("7 × 7")));
        const lumen::engine::ImageGradientField& f = window.field();
        QCOMPARE(f.height, int64_t { 24 });
        QCOMPARE(f.width, int64_t { 30 });
        QCOMPARE(f.unitY, int64_t { 12 });
        QCOMPARE(f.unitX, int64_t { 15 });
        QCOMPARE(f.fieldTop, int64_t { 12 - 3 });
        QCOMPARE(f.magnitude[0], 0.0); // far outside the 7 x 7 field
        QVERIFY(f.magnitude[12 * 30 + 15] > 0.0);
        QVERIFY(!window.picture()->pixmap().isNull());
        QVERIFY(window.radiusPlot()->graph(0)->dataCount() > 1);
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("rows 9–15")));

        // Stride 1 and centred kernels: the unit under pixel (5, 20) is unit (5, 20).
        window.chooseUnitAt(5, 20);
        QVERIFY(measured.wait(30000));
        QCOMPARE(window.field().unitY, int64_t { 5 });
        QCOMPARE(window.field().unitX, int64_t { 20 });
        // A click on the picture's middle chooses the middle unit.
        const QPixmap shown = window.picture()->pixmap();
        QTest::mouseClick(window.picture(), Qt::LeftButton, {}, window.picture()->rect().center());
        QVERIFY(measured.wait(30000));
        QVERIFY(std::abs(window.field().unitY - 12) <= 1);
        QVERIFY(std::abs(window.field().unitX - 15) <= 1);

        // An image: one sample, fed at the size of the boxes.
        QImage picture(40, 20, QImage::Format_RGB32);
        picture.fill(QColor(10, 200, 90));
        const QString image = dir.filePath(QStringLiteral("p.png"));
        QVERIFY(picture.save(image));
        QVERIFY(window.openImage(image));
        QCOMPARE(window.heightBox()->value(), 20);
        window.measure();
        QVERIFY(measured.wait(30000));
        QCOMPARE(window.field().samples, int64_t { 1 });
        QCOMPARE(window.field().width, int64_t { 40 });
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("the image")));
    }

    void badFilesStayInTheWindow()
    {
        QTemporaryDir dir;
        lumen::engine::ImageCnnSpec spec;
        spec.layers = 1;
        spec.channels = 2;
        const QString path = dir.filePath(QStringLiteral("cnn.pt"));
        lumen::engine::createImageCnn(spec, path.toStdString(), 0);
        ImageFieldWindow window;
        window.heightBox()->setValue(16);
        window.widthBox()->setValue(16);
        window.samplesBox()->setValue(1);
        QSignalSpy measured(&window, &ImageFieldWindow::measured);
        QSignalSpy failed(&window, &ImageFieldWindow::failed);
        window.openModel(path);
        QVERIFY(measured.wait(30000));
        QFile junk(dir.filePath(QStringLiteral("junk.pt")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("no archive");
        junk.close();
        window.openModel(junk.fileName());
        QVERIFY(failed.wait(30000));
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("junk.pt")));
        QVERIFY(window.hasModel()); // the model opened before stays
        QVERIFY(!window.openImage(dir.filePath(QStringLiteral("missing.png"))));
        QVERIFY(window.statusLabel()->text().contains(QStringLiteral("missing.png")));
        window.measure(); // still measures the open model
        QVERIFY(measured.wait(30000));
    }
};

QTEST_MAIN(TestImageFieldWindow)
#include "tst_image_field_window.moc"
