// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "app_options.h"

#include "lumen/widgets/attention_view.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace lumen::app {

namespace {

std::optional<int> parseIndex(const QString& text, const QString& option, QString* error)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < 0) {
        *error = QStringLiteral("--%1 expects a number from 0 (got \"%2\").").arg(option, text);
        return std::nullopt;
    }
    return value;
}

} // namespace

AppOptionsParse parseAppOptions(const QStringList& arguments)
{
    AppOptionsParse result;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Lumen: a workbench for looking inside language models."));
    parser.addPositionalArgument(QStringLiteral("scene"), QStringLiteral("A scene file (NAME.lumenscene) to open."),
        QStringLiteral("[SCENE]"));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption project(QStringLiteral("project"),
        QStringLiteral("Record runs in FILE (a .lumen project; created when missing)."),
        QStringLiteral("FILE"));
    const QCommandLineOption model(QStringLiteral("model"),
        QStringLiteral("Open the model folder DIR (Hugging Face "
                       "layout). Without it the demo model opens."),
        QStringLiteral("DIR"));
    const QCommandLineOption text(QStringLiteral("text"),
        QStringLiteral("Run the model on T once it is loaded."), QStringLiteral("T"));
    const QCommandLineOption layer(
        QStringLiteral("layer"), QStringLiteral("Show layer N (from 0)."), QStringLiteral("N"));
    const QCommandLineOption head(QStringLiteral("head"),
        QStringLiteral("Show head N (from 0), or \"mean\" / \"max\" for the mean / maximum "
                       "of the layer's heads."),
        QStringLiteral("N"));
    const QCommandLineOption pair(QStringLiteral("pair"),
        QStringLiteral("Run T2 as text B of a sentence pair with --text."), QStringLiteral("T2"));
    const QCommandLineOption target(QStringLiteral("target"),
        QStringLiteral("Give an encoder-decoder model (T5) T2 as the decoder's text, to see the "
                       "decoder's self-attention and its cross-attention."),
        QStringLiteral("T2"));
    const QCommandLineOption stack(QStringLiteral("stack"),
        QStringLiteral("With --target, show STACK first: encoder, decoder or cross."),
        QStringLiteral("STACK"));
    const QCommandLineOption view(QStringLiteral("view"),
        QStringLiteral("Show VIEW first: heatmap, heads, model, rollout, statistics, field (receptive field) "
                       "or cone (the field as a cone over the tokens)."),
        QStringLiteral("VIEW"));
    const QCommandLineOption log(QStringLiteral("log"),
        QStringLiteral("Draw the views on a log colour scale (weak weights told apart)."));
    const QCommandLineOption runs(QStringLiteral("runs"),
        QStringLiteral("Open the run browser too (with --screenshot, save the browser)."));
    const QCommandLineOption compareRuns(QStringLiteral("compare-runs"),
        QStringLiteral("Open the run browser comparing the runs IDS (\"3,5\")."),
        QStringLiteral("IDS"));
    const QCommandLineOption showRun(QStringLiteral("run"),
        QStringLiteral("Open the run browser on run ID (a bench-length run shows speed against length)."),
        QStringLiteral("ID"));
    const QCommandLineOption step(QStringLiteral("step"),
        QStringLiteral("With --run of a train run with attention snapshots: show the snapshot nearest step N "
                       "(--layer and --head choose the map)."),
        QStringLiteral("N"));
    const QCommandLineOption fieldCompare(QStringLiteral("field-compare"),
        QStringLiteral("In the receptive field view, add the effective context curve of the model in DIR "
                       "(repeatable)."),
        QStringLiteral("DIR"));
    const QCommandLineOption ablation(QStringLiteral("ablation"),
        QStringLiteral("In the receptive field view, also plot the context ablation: MODE cut or shuffle."),
        QStringLiteral("MODE"));
    const QCommandLineOption imageModel(QStringLiteral("image-model"),
        QStringLiteral("Open the image CNN window on the TorchScript model FILE and measure (with --screenshot, "
                       "save that window)."),
        QStringLiteral("FILE"));
    const QCommandLineOption image(QStringLiteral("image"),
        QStringLiteral("With --image-model, the input image (default: random inputs)."), QStringLiteral("IMAGE"));
    const QCommandLineOption trainJob(QStringLiteral("train-job"),
        QStringLiteral("Open the fine-tuning window on the job file JOB.json and start it (with --screenshot, "
                       "save that window when it ends)."),
        QStringLiteral("JOB.json"));
    const QCommandLineOption demo(QStringLiteral("demo"),
        QStringLiteral("Open the text demos on NAME (fill-mask, generate, score, similarity) and run "
                       "it (with --screenshot, save the demo window)."),
        QStringLiteral("NAME"));
    const QCommandLineOption demoText(QStringLiteral("demo-text"),
        QStringLiteral("The demo's input (default: --text); repeat it for the sentences of similarity."),
        QStringLiteral("T"));
    const QCommandLineOption compareModel(QStringLiteral("compare"),
        QStringLiteral("Open the compare workspace on model DIR (repeat it: two to four) and compare them on --text "
                       "(with --screenshot, save that window)."),
        QStringLiteral("DIR"));
    const QCommandLineOption tour(QStringLiteral("tour"),
        QStringLiteral("Start guided tour ID (attention, masked-causal, receptive-fields, albert, fine-tuning); with "
                       "--screenshot, the window at --tour-step N (from 1)."),
        QStringLiteral("ID"));
    const QCommandLineOption tourStep(QStringLiteral("tour-step"), QStringLiteral("The tour's step to start at (from 1)."),
        QStringLiteral("N"));
    const QCommandLineOption present(QStringLiteral("present"),
        QStringLiteral("Start in presentation mode (full screen, large type, one view at a time)."));
    const QCommandLineOption slide(QStringLiteral("slide"),
        QStringLiteral("With --screenshot: write the view shown as a 16:9 slide (PNG 1920 x 1080, or a PDF page when OUT "
                       "ends in .pdf) instead of the window."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QStringLiteral("Load, run, save a PNG of the window to OUT and exit (headless with "
                       "QT_QPA_PLATFORM=offscreen). Exits non-zero if loading or running fails."),
        QStringLiteral("OUT"));
    parser.addOptions({ present, slide, tour, tourStep, step });
    parser.addOptions(
        { project, model, text, pair, target, stack, layer, head, view, log, runs, compareRuns,
            showRun, fieldCompare, ablation, imageModel, image, trainJob, demo, demoText, compareModel, screenshot });

    if (!parser.parse(arguments)) {
        result.message = parser.errorText() + QStringLiteral("\n\n") + parser.helpText();
        return result;
    }
    if (parser.isSet(help) || parser.isSet(QStringLiteral("help-all"))) {
        result.ok = true;
        result.exitNow = true;
        result.message = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.ok = true;
        result.exitNow = true;
        result.message = QCoreApplication::applicationName() + QLatin1Char(' ')
            + QCoreApplication::applicationVersion() + QLatin1Char('\n');
        return result;
    }
    QString scene;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() == 1 && positional.constFirst().endsWith(QStringLiteral(".lumenscene"))) {
        scene = positional.constFirst(); // lumen SCENE (a double-click on a scene file)
    } else if (!positional.isEmpty()) {
        result.message = QStringLiteral("unexpected argument \"%1\". Give the model folder with "
                                        "--model DIR, or a scene file (NAME.lumenscene).")
                             .arg(positional.constFirst());
        return result;
    }

    AppOptions& o = result.options;
    o.scene = scene;
    o.projectPath = parser.value(project);
    o.modelDir = parser.value(model);
    o.text = parser.value(text);
    o.pair = parser.value(pair);
    o.target = parser.value(target);
    o.stack = parser.value(stack).toLower();
    o.view = parser.value(view).toLower();
    o.logScale = parser.isSet(log);
    o.runs = parser.isSet(runs);
    QString error;
    for (const QString& id : parser.value(compareRuns).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qint64 value = id.trimmed().toLongLong(&ok);
        if (!ok || value <= 0) {
            error = QStringLiteral("--compare-runs expects run ids separated by commas, e.g. "
                                   "3,5 (got \"%1\").")
                        .arg(parser.value(compareRuns));
            break;
        }
        o.compareRuns << value;
    }
    if (error.isEmpty() && parser.isSet(compareRuns) && o.compareRuns.size() < 2) {
        error = QStringLiteral("--compare-runs needs two or more run ids.");
    }
    if (error.isEmpty() && parser.isSet(showRun)) {
        bool ok = false;
        o.showRun = parser.value(showRun).toLongLong(&ok);
        if (!ok || o.showRun <= 0) {
            error = QStringLiteral("--run expects a run id (got \"%1\").").arg(parser.value(showRun));
        }
    }
    if (error.isEmpty() && parser.isSet(step)) {
        bool ok = false;
        o.snapshotStep = parser.value(step).toLongLong(&ok);
        if (!ok || *o.snapshotStep < 0) {
            error = QStringLiteral("--step expects a training step, 0 or more (got \"%1\").").arg(parser.value(step));
        }
    }
    o.runs = o.runs || !o.compareRuns.isEmpty() || o.showRun > 0;
    o.fieldCompare = parser.values(fieldCompare);
    o.ablation = parser.value(ablation).toLower();
    if (error.isEmpty() && parser.isSet(ablation) && o.ablation != QStringLiteral("cut")
        && o.ablation != QStringLiteral("shuffle")) {
        error = QStringLiteral("--ablation expects cut or shuffle (got \"%1\").").arg(parser.value(ablation));
    }
    if (error.isEmpty() && (parser.isSet(ablation) || parser.isSet(fieldCompare)) && parser.isSet(view)
        && parser.value(view) != QStringLiteral("field") && parser.value(view) != QStringLiteral("cone")) {
        error = QStringLiteral("--field-compare and --ablation are for --view field (or cone).");
    }
    o.trainJob = parser.value(trainJob);
    o.imageModel = parser.value(imageModel);
    o.image = parser.value(image);
    if (error.isEmpty() && !o.image.isEmpty() && o.imageModel.isEmpty()) {
        error = QStringLiteral("--image goes with --image-model FILE.");
    }
    o.demo = parser.value(demo).toLower();
    o.demoTexts = parser.values(demoText);
    const QStringList demos { QStringLiteral("fill-mask"), QStringLiteral("generate"), QStringLiteral("score"),
        QStringLiteral("similarity") };
    if (error.isEmpty() && parser.isSet(demo) && !demos.contains(o.demo)) {
        error = QStringLiteral("--demo expects one of %1 (got \"%2\").")
                    .arg(demos.join(QStringLiteral(", ")), parser.value(demo));
    }
    if (error.isEmpty() && !o.demoTexts.isEmpty() && o.demo.isEmpty()) {
        error = QStringLiteral("--demo-text goes with --demo NAME.");
    }
    o.compareModels = parser.values(compareModel);
    if (error.isEmpty() && !o.compareModels.isEmpty() && (o.compareModels.size() < 2 || o.compareModels.size() > 4)) {
        error = QStringLiteral("--compare takes two to four models (got %1); repeat it for each.").arg(o.compareModels.size());
    }
    o.screenshotPath = parser.value(screenshot);
    o.present = parser.isSet(present);
    o.tour = parser.value(tour);
    if (parser.isSet(tourStep)) {
        bool ok = false;
        o.tourStep = parser.value(tourStep).toInt(&ok);
        if (!ok || o.tourStep < 1 || o.tour.isEmpty()) {
            result.message = QStringLiteral("--tour-step expects a step number from 1, with --tour ID.");
            return result;
        }
    }
    o.slide = parser.isSet(slide);
    if (o.slide && o.screenshotPath.isEmpty()) {
        result.message = QStringLiteral("--slide goes with --screenshot OUT (the file the slide is written to).");
        return result;
    }
    if (parser.isSet(layer)) {
        o.layer = parseIndex(parser.value(layer), QStringLiteral("layer"), &error);
    }
    if (error.isEmpty() && parser.isSet(head)) {
        if (parser.value(head).compare(QStringLiteral("mean"), Qt::CaseInsensitive) == 0) {
            o.head = widgets::AttentionView::kMeanOfHeads;
        } else if (parser.value(head).compare(QStringLiteral("max"), Qt::CaseInsensitive) == 0) {
            o.head = widgets::AttentionView::kMaxOfHeads;
        } else {
            o.head = parseIndex(parser.value(head), QStringLiteral("head"), &error);
        }
    }
    const QStringList views { QStringLiteral("heatmap"), QStringLiteral("heads"),
        QStringLiteral("model"), QStringLiteral("rollout"), QStringLiteral("statistics"), QStringLiteral("field"),
        QStringLiteral("cone") };
    if (error.isEmpty() && !o.view.isEmpty() && !views.contains(o.view)) {
        error = QStringLiteral("--view expects one of %1 (got \"%2\").")
                    .arg(views.join(QStringLiteral(", ")), parser.value(view));
    }
    const QStringList stacks { QStringLiteral("encoder"), QStringLiteral("decoder"),
        QStringLiteral("cross") };
    if (error.isEmpty() && !o.stack.isEmpty() && !stacks.contains(o.stack)) {
        error = QStringLiteral("--stack expects one of %1 (got \"%2\").")
                    .arg(stacks.join(QStringLiteral(", ")), parser.value(stack));
    }
    if (error.isEmpty() && !o.pair.isEmpty() && !o.target.isEmpty()) {
        error = QStringLiteral("--pair and --target both give the second text; a pair is for "
                               "encoders, a target for encoder-decoder models. Give one.");
    }
    if (error.isEmpty() && o.stack != QLatin1String("encoder") && !o.stack.isEmpty()
        && o.target.isEmpty()) {
        error = QStringLiteral("--stack %1 needs --target T2, the decoder's text.").arg(o.stack);
    }
    if (parser.isSet(text) && o.text.trimmed().isEmpty()) {
        error = QStringLiteral("--text is empty. Give a sentence to run the model on.");
    }
    if (!error.isEmpty()) {
        result.message = error;
        return result;
    }
    result.ok = true;
    return result;
}

QString demoModelsDir()
{
    const QString fromEnv = qEnvironmentVariable("LUMEN_DEMO_MODELS_DIR");
    if (!fromEnv.isEmpty()) {
        return fromEnv;
    }
    const QString installed = QDir::cleanPath(
        QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/lumen/demo/models")));
    if (QFileInfo::exists(installed + QStringLiteral("/demo-models.json"))) {
        return installed;
    }
#ifdef LUMEN_DEMO_MODELS_DIR
    return QStringLiteral(LUMEN_DEMO_MODELS_DIR);
#else
    return installed;
#endif
}

QString lumenCliPath()
{
    const QString fromEnv = qEnvironmentVariable("LUMEN_CLI");
    return !fromEnv.isEmpty() ? fromEnv : QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("lumen-cli"));
}

QList<DemoModelEntry> demoModels()
{
    QList<DemoModelEntry> out;
    const QString dir = demoModelsDir();
    QFile file(dir + QStringLiteral("/demo-models.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        return out;
    }
    const QJsonArray models = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("models")).toArray();
    for (const QJsonValue& v : models) {
        const QJsonObject o = v.toObject();
        DemoModelEntry e;
        e.name = o.value(QStringLiteral("name")).toString();
        e.title = o.value(QStringLiteral("title")).toString(e.name);
        e.about = o.value(QStringLiteral("about")).toString();
        e.dir = dir + QLatin1Char('/') + e.name;
        if (!e.name.isEmpty() && QFileInfo::exists(e.dir + QStringLiteral("/config.json"))) {
            out << e;
        }
    }
    return out;
}

DemoProject demoProject()
{
    DemoProject demo;
    demo.name = QStringLiteral("Lumen demo");
    demo.text = QStringLiteral("the dogs that the cat chased [MASK] today .");
    QString model = QStringLiteral("bert");
    QFile file(QStringLiteral(":/demo/demo_project.json"));
    if (file.open(QIODevice::ReadOnly)) {
        const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
        demo.name = o.value(QStringLiteral("name")).toString(demo.name);
        demo.text = o.value(QStringLiteral("text")).toString(demo.text);
        model = o.value(QStringLiteral("model")).toString(model);
        demo.layer = o.value(QStringLiteral("layer")).toInt(0);
        demo.head = o.value(QStringLiteral("head")).toInt(0);
    }
    const QString fromEnv = qEnvironmentVariable("LUMEN_DEMO_MODEL_DIR");
    demo.modelDir = !fromEnv.isEmpty() ? fromEnv : demoModelsDir() + QLatin1Char('/') + model;
    return demo;
}

} // namespace lumen::app
