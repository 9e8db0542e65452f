// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// A text demo's run as one JSON document (the "demo" artifact, run-<id>/demo.json): the
// inputs, the settings and every output a view shows, so the run re-opens exactly without
// the model.
//
//   QJsonObject j = demoToJson(output);      // {"format": "lumen-demo-1", "demo": ..., ...}
//   DemoOutput back;  QString error;
//   if (!demoFromJson(j, &back, &error)) ...
//
// Numbers keep their value through the round trip (Qt writes the shortest representation
// that reads back to the same double; logits are floats). demoSettings() is the run's
// parameters (what the project's run_params holds and the run browser compares).
// Thread safety: pure functions.

#include "demo_jobs.h"

#include <QJsonObject>

namespace lumen::app {

inline constexpr const char* kDemoFormat = "lumen-demo-1";

QJsonObject demoToJson(const DemoOutput& output);
/// False, with `error` saying what is wrong, for another format or a malformed document.
bool demoFromJson(const QJsonObject& json, DemoOutput* output, QString* error);
/// The request's inputs and settings as run parameters ({text, top_k, temperature, ...}).
QJsonObject demoSettings(const DemoRequest& request);

} // namespace lumen::app
