// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Image CNNs in TorchScript: theoretical receptive fields read from the saved model's graph
// (dilated and strided stacks against the closed forms, traced-style aten::_convolution and
// pooling, residual paths, a classifier head that reads the whole image), the gradient field
// of one layer equal to its kernel's support, the theoretical rectangle around the measured
// field, and the errors for files and inputs that do not fit.
#include "lumen/engine/error.h"
#include "lumen/engine/image_field.h"

#include <torch/script.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lumen;
using namespace lumen::engine;

namespace {

std::string save(const QTemporaryDir& dir, const char* name, const ImageCnnSpec& spec)
{
    const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
    createImageCnn(spec, path, 1);
    return path;
}

} // namespace

class TestImageField : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // "A stack read from a TorchScript model": kernel 3 with dilations 1, 2, 4, 8 reads
    // 1 + 2 * (1 + 2 + 4 + 8) = 31 pixels along each axis; kernel 3 stride 2 four times 31
    // with jump 16 (Araujo et al.'s closed form).
    void stacksReadFromTorchScript()
    {
        QTemporaryDir dir;
        ImageCnnSpec dilated;
        dilated.layers = 4;
        dilated.channels = 4;
        dilated.dilations = { 1, 2, 4, 8 };
        auto model = ImageModel::load(save(dir, "dilated.pt", dilated));
        QCOMPARE(model->info().inputChannels, int64_t { 3 });
        QCOMPARE(model->info().convolutions, int64_t { 4 });
        const ImageFieldTable t = theoreticalImageField(*model);
        QVERIFY(t.complete);
        QCOMPARE(t.layers.size(), size_t { 4 });
        const int64_t sizes[] = { 3, 7, 15, 31 };
        for (size_t l = 0; l < 4; ++l) {
            QCOMPARE(t.layers[l].height.size(), sizes[l]);
            QCOMPARE(t.layers[l].width.size(), sizes[l]);
            QCOMPARE(t.layers[l].dilationH, int64_t { 1 } << l);
        }
        QCOMPARE(t.outputHeight.size(), int64_t { 31 });
        QCOMPARE(t.outputHeight.left, int64_t { 15 });

        ImageCnnSpec strided;
        strided.layers = 4;
        strided.channels = 4;
        strided.strides = { 2 };
        auto s = ImageModel::load(save(dir, "strided.pt", strided));
        const ImageFieldTable st = theoreticalImageField(*s);
        QCOMPARE(st.outputHeight.size(), int64_t { 31 });
        QCOMPARE(st.outputHeight.jump, int64_t { 16 });

        // Residual connections: the union of both paths is the conv path; a classifier head
        // (global pooling, linear) reads the whole image.
        ImageCnnSpec res;
        res.layers = 3;
        res.channels = 3;
        res.residual = true;
        res.classes = 5;
        auto r = ImageModel::load(save(dir, "res.pt", res));
        const ImageFieldTable rt = theoreticalImageField(*r);
        QVERIFY(rt.complete);
        QCOMPARE(rt.layers.back().height.size(), int64_t { 7 });
        QVERIFY(rt.outputHeight.unboundedLeft && rt.outputWidth.unboundedRight);
        QVERIFY(rt.note.find("whole image") != std::string::npos);
    }

    // A model written the way torch.jit.trace writes one: aten::_convolution with explicit
    // padding, max pooling with its own stride, a rectangular kernel.
    void tracedStyleGraph()
    {
        QTemporaryDir dir;
        torch::jit::Module m("__torch__.Traced");
        m.register_parameter("w1", torch::randn({ 8, 3, 7, 7 }), false);
        m.register_parameter("w2", torch::randn({ 8, 8, 3, 5 }), false);
        m.define(R"(
def forward(self, x):
    x = torch._convolution(x, self.w1, None, [2, 2], [3, 3], [1, 1], False, [0, 0], 1, False, False, True, True)
    x = torch.relu(x)
    x = torch.max_pool2d(x, [3, 3], [2, 2], [1, 1], [1, 1], False)
    return torch.conv2d(x, self.w2, None, [1, 1], [1, 2], [1, 1], 1)
)");
        const std::string path = dir.filePath(QStringLiteral("traced.pt")).toStdString();
        m.save(path);
        auto model = ImageModel::load(path);
        const ImageFieldTable t = theoreticalImageField(*model);
        QVERIFY(t.complete);
        QCOMPARE(t.layers.size(), size_t { 3 });
        QCOMPARE(QString::fromStdString(t.layers[1].op), QStringLiteral("max pool"));
        // ResNet's stem: 7x7 stride 2 then 3x3 stride 2 pool = 7 + 2 * 2 = 11, jump 4; then
        // 3 rows x 5 columns at jump 4: rows 11 + 2 * 4 = 19, columns 11 + 4 * 4 = 27.
        QCOMPARE(t.layers[1].height.size(), int64_t { 11 });
        QCOMPARE(t.layers[1].height.jump, int64_t { 4 });
        QCOMPARE(t.outputHeight.size(), int64_t { 19 });
        QCOMPARE(t.outputWidth.size(), int64_t { 27 });
        QCOMPARE(t.outputWidth.left, int64_t { 13 }); // padding 3 + 2 * 1 (pool) + 4 * 2 (conv) = 13

        // An operation Lumen cannot follow ends the table with its name.
        torch::jit::Module u("__torch__.Upsampled");
        u.register_parameter("w", torch::randn({ 2, 3, 3, 3 }), false);
        u.define(R"(
def forward(self, x):
    x = torch.conv2d(x, self.w, None, [1, 1], [1, 1], [1, 1], 1)
    return torch.upsample_nearest2d(x, [8, 8], None, None)
)");
        const std::string up = dir.filePath(QStringLiteral("up.pt")).toStdString();
        u.save(up);
        auto um = ImageModel::load(up);
        const ImageFieldTable ut = theoreticalImageField(*um);
        QVERIFY(!ut.complete);
        QVERIFY(ut.note.find("upsample_nearest2d") != std::string::npos);
        QCOMPARE(ut.layers.size(), size_t { 1 });
    }

    // One layer: the gradient of an output unit is exactly its kernel's support (dilated:
    // every other pixel), and the theoretical rectangle bounds it; deeper stacks stay inside.
    void gradientFieldIsTheKernelsSupport()
    {
        QTemporaryDir dir;
        ImageCnnSpec one;
        one.layers = 1;
        one.channels = 4;
        one.dilations = { 2 };
        auto model = ImageModel::load(save(dir, "one.pt", one));
        const ImageGradientField g = imageGradientField(*model, nullptr, { 5, 9, -1, 16, 20, 2, 0 });
        QCOMPARE(g.outputShape, (std::vector<int64_t> { 1, 4, 16, 20 }));
        QCOMPARE(g.unitY, int64_t { 5 });
        for (int64_t y = 0; y < 16; ++y) {
            for (int64_t x = 0; x < 20; ++x) {
                const bool inside = std::abs(y - 5) <= 2 && std::abs(x - 9) <= 2 && (y - 5) % 2 == 0 && (x - 9) % 2 == 0;
                const double m = g.magnitude[static_cast<size_t>(y * 20 + x)];
                QVERIFY2(inside ? m > 0.0 : m == 0.0, qPrintable(QStringLiteral("pixel %1, %2").arg(y).arg(x)));
            }
        }
        QCOMPARE(g.fieldTop, int64_t { 3 });
        QCOMPARE(g.fieldBottom, int64_t { 7 });
        QCOMPARE(g.fieldLeft, int64_t { 7 });
        QCOMPARE(g.fieldRight, int64_t { 11 });
        QVERIFY(std::abs(g.centreY - 5.0) < 0.5 && std::abs(g.centreX - 9.0) < 0.5);
        QVERIFY(std::abs(g.withinRadius.back() - 1.0) < 1e-12);

        ImageCnnSpec deep;
        deep.layers = 5;
        deep.channels = 6;
        auto d = ImageModel::load(save(dir, "deep.pt", deep));
        const ImageGradientField dg = imageGradientField(*d, nullptr, { -1, -1, -1, 32, 32, 4, 0 });
        QCOMPARE(dg.fieldTop, int64_t { 16 - 5 });
        QCOMPARE(dg.fieldRight, int64_t { 16 + 5 });
        double inside = 0.0;
        for (int64_t y = 0; y < 32; ++y) {
            for (int64_t x = 0; x < 32; ++x) {
                const double m = dg.magnitude[static_cast<size_t>(y * 32 + x)];
                if (y < dg.fieldTop || y > dg.fieldBottom || x < dg.fieldLeft || x > dg.fieldRight) {
                    QCOMPARE(m, 0.0);
                } else {
                    inside += m;
                }
            }
        }
        QVERIFY(inside > 0.0);
        // Luo et al.: the effective field is concentrated in the middle of the theoretical one.
        QVERIFY(dg.magnitude[16 * 32 + 16] > dg.magnitude[(16 - 5) * 32 + 16 - 5]);
    }

    void imageAndClassifier()
    {
        QTemporaryDir dir;
        ImageCnnSpec cls;
        cls.layers = 3;
        cls.channels = 4;
        cls.classes = 3;
        auto model = ImageModel::load(save(dir, "cls.pt", cls));
        FloatTensor image;
        image.shape = { 3, 12, 10 };
        image.data.resize(360);
        for (size_t i = 0; i < image.data.size(); ++i) {
            image.data[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
        }
        const ImageGradientField g = imageGradientField(*model, &image, {});
        QCOMPARE(g.outputShape, (std::vector<int64_t> { 1, 3 }));
        QVERIFY(g.classIndex >= 0 && g.classIndex < 3);
        QCOMPARE(g.samples, int64_t { 1 });
        QCOMPARE(g.height, int64_t { 12 });
        QCOMPARE(g.fieldTop, int64_t { -1 }); // a class score reads the whole image
        ImageGradientConfig other;
        other.classIndex = (g.classIndex + 1) % 3;
        QVERIFY(imageGradientField(*model, &image, other).magnitude != g.magnitude);
        other.classIndex = 3;
        QVERIFY_THROWS_EXCEPTION(Error, imageGradientField(*model, &image, other));
        FloatTensor gray = image;
        gray.shape = { 1, 12, 10 };
        gray.data.resize(120);
        try {
            imageGradientField(*model, &gray, {});
            QFAIL("a one-channel image for a three-channel model");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("1 channels; the model reads 3") != std::string::npos);
        }
    }

    void badFiles()
    {
        QTemporaryDir dir;
        QVERIFY_THROWS_EXCEPTION(Error, ImageModel::load(dir.filePath(QStringLiteral("missing.pt")).toStdString()));
        QFile junk(dir.filePath(QStringLiteral("junk.pt")));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a zip archive");
        junk.close();
        try {
            ImageModel::load(junk.fileName().toStdString());
            QFAIL("junk loaded");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("torch.jit.script") != std::string::npos);
        }
        ImageCnnSpec bad;
        bad.layers = 2;
        bad.kernels = { 3, 3, 3 };
        QVERIFY_THROWS_EXCEPTION(Error, createImageCnn(bad, dir.filePath(QStringLiteral("b.pt")).toStdString(), 0));
    }
};

QTEST_GUILESS_MAIN(TestImageField)
#include "tst_image_field.moc"
