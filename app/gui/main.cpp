// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// lumen: the desktop workbench. See app_options.h for the command line.

#include "app_options.h"
#include "launcher.h"
#include "lumen/engine/system_info.h"
#include "main_window.h"

#include <QApplication>
#include <QIcon>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
    lumen::engine::configureProcess();
    QApplication::setApplicationName(QStringLiteral("Lumen"));
    QApplication::setOrganizationName(QStringLiteral("Lumen"));
    QApplication::setApplicationVersion(QStringLiteral(LUMEN_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("lumen"));
    // --help and --version need no display: answer them before a QApplication would try to
    // open one (and abort on a headless machine).
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "-v"
            || arg == "--version") {
            QCoreApplication core(argc, argv);
            const lumen::app::AppOptionsParse parsed =
                lumen::app::parseAppOptions(QCoreApplication::arguments());
            std::fputs(qPrintable(parsed.message), parsed.ok ? stdout : stderr);
            return parsed.ok ? parsed.exitCode : 2;
        }
    }

    QApplication app(argc, argv);
    lumen::app::initResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/lumen.svg")));

    const lumen::app::AppOptionsParse parsed =
        lumen::app::parseAppOptions(QCoreApplication::arguments());
    if (parsed.exitNow) {
        std::fputs(qPrintable(parsed.message), stdout);
        return parsed.exitCode;
    }
    if (!parsed.ok) {
        std::fprintf(stderr, "lumen: %s\n", qPrintable(parsed.message));
        return 2;
    }

    lumen::app::MainWindow window;
    lumen::app::Launcher launcher(&window, parsed.options);
    if (!parsed.options.screenshotPath.isEmpty()) {
        // A fixed size so screenshots are comparable from run to run.
        window.setFixedSize(1280, 800);
        QObject::connect(&launcher, &lumen::app::Launcher::finished, &app,
            [](int code) { QCoreApplication::exit(code); });
    }
    window.show();
    QTimer::singleShot(0, &launcher, &lumen::app::Launcher::start);
    return app.exec();
}
