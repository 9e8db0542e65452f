// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen-view-bench: how fast the attention explorer's model view and head view draw, on the
// issue's sizes (12 x 12 heads at 128 tokens, 144 heads at 512, 32 x 32 heads, one layer at
// 2048 tokens), offscreen. Not a test: it prints a table and never fails on a slow machine.
//
//   lumen-view-bench [--repeats N] [--hovers N] [--screenshots DIR]
//
// Render: setData() on a shown widget (which drops every cached map), then grab() of the
// whole widget with no paint budget, so every map in view is rendered: the time until the
// picture is complete. Hover: a synthetic mouse move onto another map (or token) and the
// event loop turn that repaints it. Medians over the repeats. The attention is synthetic
// but shaped like a trained model's: each head a mix of previous-token, next-token, self,
// first-token, separator and broad patterns, rows softmax-normalised.

#include "lumen/widgets/attention_set.h"
#include "lumen/widgets/head_view.h"
#include "lumen/widgets/model_view.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QMouseEvent>
#include <QScrollBar>
#include <QSlider>
#include <QTest>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

using lumen::widgets::AttentionSet;
using lumen::widgets::HeadView;
using lumen::widgets::ModelView;

namespace {

const QStringList kPairA = { QStringLiteral("[CLS]"), QStringLiteral("the"),
    QStringLiteral("quick"), QStringLiteral("brown"), QStringLiteral("fox"),
    QStringLiteral("jumps"), QStringLiteral("over"), QStringLiteral("the"), QStringLiteral("lazy"),
    QStringLiteral("dog"), QStringLiteral("."), QStringLiteral("[SEP]") };
const QStringList kPairB = { QStringLiteral("it"), QStringLiteral("was"), QStringLiteral("not"),
    QStringLiteral("amused"), QStringLiteral("at"), QStringLiteral("all"), QStringLiteral("."),
    QStringLiteral("[SEP]") };
const QStringList kWords = { QStringLiteral("the"), QStringLiteral("model"),
    QStringLiteral("reads"), QStringLiteral("each"), QStringLiteral("word"), QStringLiteral("of"),
    QStringLiteral("a"), QStringLiteral("long"), QStringLiteral("document"), QStringLiteral(","),
    QStringLiteral("and"), QStringLiteral("every"), QStringLiteral("head"), QStringLiteral("looks"),
    QStringLiteral("somewhere"), QStringLiteral("else"), QStringLiteral(".") };

struct Shape {
    QStringList tokens;
    std::vector<uint8_t> special;
    std::vector<uint8_t> valid;
    int segmentStart = -1;
    bool causal = false;
};

Shape sentencePair()
{
    Shape s;
    s.tokens = kPairA + kPairB;
    s.segmentStart = static_cast<int>(kPairA.size());
    for (const QString& t : s.tokens) {
        s.special.push_back(t.startsWith(QLatin1Char('[')) ? 1 : 0);
    }
    return s;
}

Shape longText(int seq, bool causal, int padding)
{
    Shape s;
    s.causal = causal;
    s.tokens << (causal ? QStringLiteral("<|endoftext|>") : QStringLiteral("[CLS]"));
    s.special.push_back(1);
    for (int i = 1; i < seq; ++i) {
        const bool pad = i >= seq - padding;
        const bool last = i == seq - padding - 1 && !causal;
        s.tokens << (pad ? QStringLiteral("[PAD]")
                : last   ? QStringLiteral("[SEP]")
                         : kWords[(i * 7 + i / 5) % kWords.size()]);
        s.special.push_back(pad || last ? 1 : 0);
    }
    if (padding > 0) {
        s.valid.assign(static_cast<size_t>(seq), 1);
        std::fill(s.valid.end() - padding, s.valid.end(), 0);
    }
    return s;
}

AttentionSet makeSet(const Shape& shape, int layers, int heads, unsigned seed)
{
    AttentionSet set;
    set.tokens = shape.tokens;
    set.layers = layers;
    set.heads = heads;
    set.seq = static_cast<int>(shape.tokens.size());
    set.special = shape.special;
    set.valid = shape.valid;
    set.segmentStart = shape.segmentStart;
    set.causal = shape.causal;
    const int n = set.seq;
    auto weights =
        std::make_shared<std::vector<float>>(static_cast<size_t>(layers) * heads * n * n, 0.0f);
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> logits(static_cast<size_t>(n));
    for (int l = 0; l < layers; ++l) {
        for (int h = 0; h < heads; ++h) {
            // A head's character: which patterns it mixes, and how sharply.
            const int kind = static_cast<int>((l * 5 + h * 7 + (l * h) % 3) % 7);
            // Sharper for longer texts, as trained heads are: the peak keeps its share of the row.
            const float sharp = 2.5f + 3.0f * static_cast<float>((l + 2 * h) % 4) / 3.0f
                + 0.5f * std::log(static_cast<float>(n));
            const float blur = 0.4f + 0.3f * static_cast<float>(h % 3);
            float* slice = weights->data() + (static_cast<size_t>(l) * heads + h) * n * n;
            for (int q = 0; q < n; ++q) {
                float top = -1e30f;
                for (int k = 0; k < n; ++k) {
                    float v = blur * noise(rng);
                    switch (kind) {
                    case 0:
                        v += k == q - 1 ? sharp : 0.0f;
                        break;
                    case 1:
                        v += k == q + 1 ? sharp : 0.0f;
                        break;
                    case 2:
                        v += k == q ? sharp : 0.0f;
                        break;
                    case 3:
                        v += k == 0 ? sharp : 0.0f;
                        break;
                    case 4:
                        v += shape.special[static_cast<size_t>(k)] && k > 0 ? sharp : 0.0f;
                        break;
                    case 5:
                        v -= 0.6f * static_cast<float>(std::abs(q - k));
                        break;
                    default:
                        v *= 2.0f;
                        break; // broad, content-like
                    }
                    const bool masked = (shape.causal && k > q)
                        || (!shape.valid.empty() && shape.valid[static_cast<size_t>(k)] == 0);
                    logits[static_cast<size_t>(k)] = masked ? -1e30f : v;
                    top = std::max(top, logits[static_cast<size_t>(k)]);
                }
                double sum = 0.0;
                for (int k = 0; k < n; ++k) {
                    const float l2 = logits[static_cast<size_t>(k)];
                    const double e = l2 <= -1e29f ? 0.0 : std::exp(static_cast<double>(l2 - top));
                    logits[static_cast<size_t>(k)] = static_cast<float>(e);
                    sum += e;
                }
                for (int k = 0; k < n; ++k) {
                    slice[static_cast<size_t>(q) * n + k] =
                        static_cast<float>(logits[static_cast<size_t>(k)] / sum);
                }
            }
        }
    }
    set.weights = std::move(weights);
    return set;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double maxOf(const std::vector<double>& v)
{
    return *std::max_element(v.begin(), v.end());
}

double msSince(const QElapsedTimer& t)
{
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

void moveMouse(QWidget* target, QPoint pos)
{
    QMouseEvent event(QEvent::MouseMove, QPointF(pos), QPointF(target->mapToGlobal(pos)),
        Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &event);
}

struct Row {
    QString what;
    QString size;
    double medianMs;
    double maxMs;
    QString target;
    QString note;
};

QList<Row> rows;

void report(const QString& what, const QString& size, const std::vector<double>& ms,
    const QString& target, const QString& note = {})
{
    rows.append({ what, size, median(ms), maxOf(ms), target, note });
    std::printf("  %-34s %-26s median %8.2f ms  max %8.2f ms  %s\n", qPrintable(what),
        qPrintable(size), median(ms), maxOf(ms), qPrintable(note));
    std::fflush(stdout);
}

void benchModelView(int layers, int heads, int seq, int repeats, int hovers, const QString& target,
    const QString& hoverTarget)
{
    const AttentionSet set = makeSet(longText(seq, false, 0), layers, heads, 7u);
    ModelView view;
    view.resize(1280, 860);
    view.setPaintBudgetMs(0); // complete pictures: the time until every map in view is drawn
    view.show();
    if (!QTest::qWaitForWindowExposed(&view)) {
        std::fprintf(stderr, "window not exposed\n");
        return;
    }
    const QString size = QStringLiteral("%1 x %2 heads, %3 tokens").arg(layers).arg(heads).arg(seq);
    std::vector<double> render;
    int visible = 0;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer t;
        t.start();
        view.setData(set);
        const QPixmap pixmap = view.grab();
        render.push_back(msSince(t));
        visible = view.cachedThumbnails();
        if (pixmap.isNull()) {
            std::fprintf(stderr, "empty grab\n");
        }
    }
    report(QStringLiteral("model view: render"), size, render, target,
        QStringLiteral("%1 maps in view at %2 px, %3 px each")
            .arg(visible)
            .arg(view.cellSize())
            .arg(view.thumbnailResolution()));

    // Hover: back and forth over the maps in view; each move repaints two outlines.
    // Let queued work from the last setData() (Qt's deferred scroll-bar check) run first:
    // it is not part of a hover.
    QCoreApplication::processEvents();
    std::vector<double> hover;
    QWidget* canvas = view.canvas();
    const int inView = std::max(1, std::min(heads, 8));
    for (int i = 0; i < hovers; ++i) {
        const QRect cell = view.cellRect(i % 3, i % inView);
        QElapsedTimer t;
        t.start();
        moveMouse(canvas, cell.center() + QPoint(i % 5, i % 7));
        QCoreApplication::processEvents();
        hover.push_back(msSince(t));
    }
    report(QStringLiteral("model view: hover"), size, hover, hoverTarget,
        QStringLiteral("move + repaint of the changed cells"));

    // Scrolling (or a zoom step) repaints the whole view from the cache.
    std::vector<double> full;
    for (int i = 0; i < std::max(5, repeats); ++i) {
        QElapsedTimer t;
        t.start();
        canvas->repaint();
        full.push_back(msSince(t));
    }
    report(QStringLiteral("model view: full repaint (cached)"), size, full, QString());
}

void benchHeadView(int layers, int heads, int seq, bool causal, int repeats, int hovers)
{
    const AttentionSet set = makeSet(longText(seq, causal, 0), layers, heads, 11u);
    HeadView view;
    view.resize(1000, 860);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view)) {
        std::fprintf(stderr, "window not exposed\n");
        return;
    }
    const QString size = QStringLiteral("%1 heads, %2 tokens%3")
                             .arg(heads)
                             .arg(seq)
                             .arg(causal ? QStringLiteral(", causal") : QString());
    std::vector<double> render;
    std::vector<double> layerSwitch;
    size_t lines = 0;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer t;
        t.start();
        view.setData(set);
        view.grab();
        render.push_back(msSince(t));
        lines = view.paintedLines().size();
        t.restart();
        view.setLayer((view.layer() + 1) % layers);
        view.grab();
        layerSwitch.push_back(msSince(t));
    }
    report(QStringLiteral("head view: render"), size, render, QString(),
        QStringLiteral("%1 lines drawn, %2 indexed").arg(lines).arg(view.allLines().size()));
    report(QStringLiteral("head view: change layer"), size, layerSwitch, QString());

    QCoreApplication::processEvents();
    std::vector<double> hover;
    QWidget* canvas = view.canvas();
    for (int i = 0; i < hovers; ++i) {
        const int position = (i * 3) % std::min(seq, 20);
        const QRect r =
            view.tokenRect(i % 2 ? HeadView::Side::Key : HeadView::Side::Query, position);
        QElapsedTimer t;
        t.start();
        moveMouse(canvas, r.center());
        QCoreApplication::processEvents();
        hover.push_back(msSince(t));
    }
    report(QStringLiteral("head view: hover"), size, hover, QStringLiteral("< 16 ms"),
        QStringLiteral("move + repaint"));
    moveMouse(canvas, QPoint(2, 2)); // off the tokens: every visible row's lines again

    std::vector<double> scroll;
    size_t scrolledLines = 0;
    QScrollBar* bar = nullptr;
    for (QScrollBar* b : view.findChildren<QScrollBar*>()) {
        if (b->orientation() == Qt::Vertical) {
            bar = b;
        }
    }
    for (int i = 0; i < std::max(5, repeats) && bar; ++i) {
        QElapsedTimer t;
        t.start();
        bar->setValue((bar->value() + bar->pageStep()) % std::max(1, bar->maximum()));
        QCoreApplication::processEvents();
        scroll.push_back(msSince(t));
        scrolledLines = std::max(scrolledLines, view.paintedLines().size());
    }
    if (!scroll.empty()) {
        report(QStringLiteral("head view: scroll a page"), size, scroll, QStringLiteral("< 50 ms"),
            QStringLiteral("up to %1 lines drawn").arg(scrolledLines));
    }
}

bool saveShot(QWidget& w, const QString& dir, const QString& name)
{
    const QString path = QDir(dir).filePath(name);
    const bool ok = w.grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

int screenshots(const QString& dir)
{
    QDir().mkpath(dir);
    bool ok = true;
    {
        const AttentionSet set = makeSet(sentencePair(), 12, 12, 3u);
        HeadView view;
        view.resize(860, 720);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) {
            return 1;
        }
        view.setData(set);
        view.setLayer(4);
        ok &= saveShot(view, dir, QStringLiteral("head_view.png"));
        for (int h = 0; h < 12; ++h) {
            view.setHeadEnabled(h, h == 0 || h == 3 || h == 4);
        }
        moveMouse(view.canvas(), view.tokenRect(HeadView::Side::Query, 4).center());
        ok &= saveShot(view, dir, QStringLiteral("head_view_hover.png"));
    }
    {
        const AttentionSet set = makeSet(longText(40, true, 6), 12, 12, 5u);
        HeadView view;
        view.resize(860, 720);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) {
            return 1;
        }
        view.setData(set);
        view.setLayer(2);
        for (int h = 4; h < 12; ++h) {
            view.setHeadEnabled(h, false);
        }
        ok &= saveShot(view, dir, QStringLiteral("head_view_causal.png"));
    }
    {
        const AttentionSet set = makeSet(sentencePair(), 12, 12, 3u);
        ModelView view;
        view.resize(1100, 900);
        view.setPaintBudgetMs(0);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) {
            return 1;
        }
        view.setData(set);
        view.setSelectedHead(4, 3);
        view.setHighlightedQuery(4);
        const QRect cell = view.cellRect(2, 6);
        moveMouse(view.canvas(), cell.center());
        ok &= saveShot(view, dir, QStringLiteral("model_view_12x12.png"));
    }
    {
        const AttentionSet set = makeSet(longText(512, true, 0), 32, 32, 9u);
        ModelView view;
        view.resize(1280, 900);
        view.setPaintBudgetMs(0);
        view.show();
        if (!QTest::qWaitForWindowExposed(&view)) {
            return 1;
        }
        view.setData(set);
        view.setSelectedHead(0, 0);
        ok &= saveShot(view, dir, QStringLiteral("model_view_32x32.png"));
        view.setCellSize(96);
        ok &= saveShot(view, dir, QStringLiteral("model_view_32x32_zoomed.png"));
    }
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    int repeats = 7;
    int hovers = 60;
    QString shots;
    QString only; // "model" or "head": only that view's cases
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QStringLiteral("--repeats") && i + 1 < args.size()) {
            repeats = std::max(1, args[++i].toInt());
        } else if (args[i] == QStringLiteral("--hovers") && i + 1 < args.size()) {
            hovers = std::max(1, args[++i].toInt());
        } else if (args[i] == QStringLiteral("--only") && i + 1 < args.size()) {
            only = args[++i];
        } else if (args[i] == QStringLiteral("--screenshots") && i + 1 < args.size()) {
            shots = args[++i];
        } else {
            std::fprintf(stderr,
                "usage: lumen-view-bench [--repeats N] [--hovers N] [--only model|head] "
                "[--screenshots DIR]\n");
            return 2;
        }
    }
    if (!shots.isEmpty()) {
        return screenshots(shots);
    }

    std::printf("lumen-view-bench: Qt %s, platform %s, %d repeats, %d hovers\n", qVersion(),
        qPrintable(QGuiApplication::platformName()), repeats, hovers);
    if (only.isEmpty() || only == QStringLiteral("model")) {
        benchModelView(
            12, 12, 128, repeats, hovers, QStringLiteral("< 150 ms"), QStringLiteral("< 16 ms"));
        benchModelView(
            12, 12, 512, repeats, hovers, QStringLiteral("< 1000 ms"), QStringLiteral("< 16 ms"));
        benchModelView(32, 32, 128, repeats, hovers, QString(), QStringLiteral("< 16 ms"));
        benchModelView(32, 32, 512, repeats, hovers, QString(), QStringLiteral("< 16 ms"));
    }
    if (only.isEmpty() || only == QStringLiteral("head")) {
        benchHeadView(12, 12, 128, false, repeats, hovers);
        benchHeadView(12, 12, 512, false, repeats, hovers);
        benchHeadView(2, 12, 2048, true, repeats, hovers);
    }

    std::printf("\n== summary (median / max ms)\n");
    std::printf("%-34s %-26s %10s %10s  %s\n", "what", "size", "median", "max", "target");
    for (const Row& r : rows) {
        std::printf("%-34s %-26s %10.2f %10.2f  %s\n", qPrintable(r.what), qPrintable(r.size),
            r.medianMs, r.maxMs, qPrintable(r.target));
    }
    return 0;
}
