// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// How the attention views print a token: the text it came from, with the whitespace that
// would otherwise vanish (a leading space, a newline) made visible. Private to widgets/.

#include <QString>

namespace lumen::widgets::detail {

/// " fox" -> "fox", "\n" -> "↵", "" or " " -> "␣"
inline QString displayToken(const QString& text)
{
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QStringLiteral("↵"));
    shown.replace(QLatin1Char('\t'), QStringLiteral("⇥"));
    shown = shown.trimmed();
    return shown.isEmpty() ? QStringLiteral("␣") : shown;
}

/// Quoted for tooltips: “fox”
inline QString quotedToken(const QString& text)
{
    return QStringLiteral("“%1”").arg(displayToken(text));
}

} // namespace lumen::widgets::detail
