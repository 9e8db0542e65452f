// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "about_dialog.h"

#include "lumen/engine/system_info.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace lumen::app {

std::vector<std::pair<QString, QString>> AboutDialog::libraries()
{
    return {
        { QStringLiteral("Qt"), QStringLiteral("LGPL-3.0") },
        { QStringLiteral("LibTorch"), QStringLiteral("BSD-3-Clause") },
        { QStringLiteral("QCustomPlot"), QStringLiteral("GPL-3.0-or-later") },
        { QStringLiteral("SQLite"), QStringLiteral("public domain") },
        { QStringLiteral("SentencePiece"), QStringLiteral("Apache-2.0") },
        { QStringLiteral("ICU"), QStringLiteral("Unicode-3.0") },
        { QStringLiteral("Oniguruma"), QStringLiteral("BSD-2-Clause") },
        { QStringLiteral("nlohmann-json"), QStringLiteral("MIT") },
        { QStringLiteral("OpenBLAS"), QStringLiteral("BSD-3-Clause") },
    };
}

QString AboutDialog::aboutHtml(const engine::SystemInfo& info)
{
    auto esc = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
    QString version = QString::fromStdString(info.lumenVersion);
    if (version.isEmpty()) {
        version = QCoreApplication::applicationVersion();
    }
    QString html;
    html += QStringLiteral("<h2>Lumen %1</h2>").arg(version.toHtmlEscaped());
    html += QStringLiteral("<p>A workbench for looking inside language models.<br>"
                           "Lumen is free software under the GNU General Public License, "
                           "version 3 or later (GPL-3.0-or-later).</p>");

    QString blas = esc(info.blasKind);
    if (!info.blasLibrary.empty()) {
        blas += QStringLiteral(" (%1)").arg(esc(info.blasLibrary));
    }
    const std::string warning = engine::blasWarning(info);
    QStringList devices;
    for (const auto& d : info.devices) {
        devices << esc(d);
    }
    html += QStringLiteral("<h3>Engine</h3><table cellspacing='0' cellpadding='2'>");
    auto row = [&html](const QString& key, const QString& value) {
        html +=
            QStringLiteral("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>").arg(key, value);
    };
    row(QStringLiteral("LibTorch"), esc(info.torchVersion));
    row(QStringLiteral("BLAS"), blas);
    row(QStringLiteral("Threads"),
        QStringLiteral("%1 intra-op, %2 inter-op, %3 hardware")
            .arg(info.intraOpThreads)
            .arg(info.interOpThreads)
            .arg(info.hardwareThreads));
    row(QStringLiteral("Devices"), devices.join(QStringLiteral(", ")));
    html += QStringLiteral("</table>");
    if (!warning.empty()) {
        html += QStringLiteral("<p style='color:#a15c00'>%1</p>").arg(esc(warning));
    }

    html += QStringLiteral("<h3>Libraries</h3><table cellspacing='0' cellpadding='2'>");
    for (const auto& [name, licence] : libraries()) {
        row(name, licence);
    }
    html += QStringLiteral("</table>");
    return html;
}

AboutDialog::AboutDialog(QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Lumen"));
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/lumen.svg")).pixmap(72, 72));
    icon->setAlignment(Qt::AlignTop);

    // A text browser rather than a word-wrapped QLabel: the label's height-for-width cut the
    // library list short.
    auto* text = new QTextBrowser(this);
    text->setObjectName(QStringLiteral("aboutText"));
    text->setHtml(aboutHtml(engine::systemInfo()));
    text->setFrameShape(QFrame::NoFrame);
    text->setOpenExternalLinks(true);
    QPalette flat = text->palette();
    flat.setColor(QPalette::Base, palette().color(QPalette::Window));
    text->setPalette(flat);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* top = new QHBoxLayout;
    top->addWidget(icon);
    top->addSpacing(12);
    top->addWidget(text, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(buttons);
    resize(620, 560);
}

} // namespace lumen::app
