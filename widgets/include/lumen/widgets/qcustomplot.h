// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// Includes <qcustomplot.h> under QT_NO_KEYWORDS. QCustomPlot 2.1's header spells `signals:`
// and `foreach`, which QT_NO_KEYWORDS (needed because LibTorch uses `slots`) switches off, so
// they are mapped to Q_SIGNALS / Q_FOREACH for the length of the include only. Include this
// instead of <qcustomplot.h> everywhere in Lumen.

#include <QtGlobal>

#ifndef signals
#define signals Q_SIGNALS
#define LUMEN_QCP_UNDEF_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define LUMEN_QCP_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#ifdef LUMEN_QCP_UNDEF_SIGNALS
#undef signals
#undef LUMEN_QCP_UNDEF_SIGNALS
#endif
#ifdef LUMEN_QCP_UNDEF_FOREACH
#undef foreach
#undef LUMEN_QCP_UNDEF_FOREACH
#endif
