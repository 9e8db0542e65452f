// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Help > About: Lumen's version and licence, what the engine runs on (LibTorch version, the
// BLAS in use, threads, devices) and every library Lumen uses with its licence.
// Thread safety: GUI thread only.

#include <QDialog>
#include <QString>

#include <utility>
#include <vector>

namespace lumen::engine {
struct SystemInfo;
}

namespace lumen::app {

class AboutDialog : public QDialog {
    Q_OBJECT

public:
    explicit AboutDialog(QWidget* parent = nullptr);

    /// (library, SPDX licence) for every third-party library Lumen ships with or links.
    static std::vector<std::pair<QString, QString>> libraries();
    /// The dialog's text as HTML.
    static QString aboutHtml(const engine::SystemInfo& info);
};

} // namespace lumen::app
