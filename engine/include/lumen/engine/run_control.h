// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// What a long engine operation gets from its caller: a progress callback, a streaming
// token callback and a cancel flag. The operation polls `cancelled()` between batches or
// tokens and, when set, stops and returns a result whose status is Cancelled.
//
//   std::atomic<bool> cancel{false};
//   RunControl control;
//   control.cancel = &cancel;
//   control.progress = [](double fraction, const std::string& what) { ... };
//
// Thread safety: the callbacks are called on the thread running the operation; `cancel`
// may be set from any thread.

#include <atomic>
#include <functional>
#include <string>

namespace lumen::engine {

enum class JobStatus { Completed, Cancelled, Failed };

struct RunControl {
    /// fraction in [0, 1] and a short description of the current step
    std::function<void(double fraction, const std::string& step)> progress;
    /// a streamed piece of text (a generated token)
    std::function<void(const std::string& piece)> token;
    const std::atomic<bool>* cancel = nullptr;

    bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
    void report(double fraction, const std::string& step) const
    {
        if (progress) {
            progress(fraction, step);
        }
    }
};

} // namespace lumen::engine
