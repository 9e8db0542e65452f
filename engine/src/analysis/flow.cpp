// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Attention flow (Abnar & Zuidema 2020): the maximum flow from each input token to each
// position of a chosen layer through the layered attention graph, by Dinic's algorithm.
//
// The graph is never built as adjacency lists: node (t, x) is position x after layer t-1
// (t = 0 are the input tokens), and its arcs are implicit in the dense capacity matrices, so
// one problem's working set is its flow matrices (T r^2 doubles) and nothing is allocated per
// problem. Only the source (0, j) is alive in layer 0 and only the sink (T, i) in layer T:
// the other nodes there cannot carry flow (no way in, or no way out).

#include "lumen/engine/analysis.h"

#include "analysis/attention_input.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

namespace lumen::engine {

namespace {

/// Residual capacities at or below this are treated as zero (capacities are O(1)).
constexpr double kEps = 1e-12;

/// One worker's max-flow state over shared, read-only capacities.
class LayeredFlow {
public:
    /// capT[t][x * r + y] = capacity of (t, x) -> (t + 1, y) = Â_t[y][x]
    LayeredFlow(const std::vector<std::vector<double>>& capT, int64_t r)
        : capT_(capT)
        , r_(r)
        , layers_(static_cast<int64_t>(capT.size()))
        , flow_(capT.size(), std::vector<double>(static_cast<size_t>(r * r), 0.0))
        , dirty_(capT.size(), std::vector<uint8_t>(static_cast<size_t>(r), 0))
        , level_(static_cast<size_t>((layers_ + 1) * r), -1)
        , arc_(static_cast<size_t>((layers_ + 1) * r), 0)
    {
        queue_.reserve(static_cast<size_t>((layers_ + 1) * r));
    }

    double solve(int64_t source, int64_t sink)
    {
        source_ = source;
        sink_ = sink;
        reset();
        // The flow cannot exceed what leaves the source or what enters the sink; stopping
        // there saves the last breadth-first pass that would only prove it.
        double out = 0.0;
        const std::vector<double>& first = capT_.front();
        for (int64_t y = lowForward(0); y < lowForward(0) + countForward(0); ++y) {
            out += first[static_cast<size_t>(source * r_ + y)];
        }
        double in = 0.0;
        const std::vector<double>& last = capT_.back();
        const int64_t top = layers_ - 1;
        for (int64_t x = top == 0 ? source : 0; x < (top == 0 ? source + 1 : r_); ++x) {
            in += last[static_cast<size_t>(x * r_ + sink)];
        }
        const double bound = std::min(out, in);
        double total = 0.0;
        // Before any flow moves, breadth-first levels are the layer indices (every arc goes
        // one layer up), so the first phase needs no search.
        for (int64_t t = 0; t <= layers_; ++t) {
            std::fill(level_.begin() + t * r_, level_.begin() + (t + 1) * r_, static_cast<int>(t));
        }
        forwardOnly_ = true; // and no arc points back yet
        while (total < bound - 1e-10 && (forwardOnly_ || buildLevels())) {
            std::fill(arc_.begin(), arc_.end(), 0);
            for (;;) {
                const double pushed = push(0, source_, std::numeric_limits<double>::infinity());
                if (pushed <= kEps) {
                    break;
                }
                total += pushed;
            }
            forwardOnly_ = false;
        }
        return std::min(total, bound);
    }

private:
    // Forward arcs of layer t go to layer t + 1: every position, or only the sink on top.
    int64_t lowForward(int64_t t) const { return t + 1 == layers_ ? sink_ : 0; }
    int64_t countForward(int64_t t) const { return t >= layers_ ? 0 : (t + 1 == layers_ ? 1 : r_); }
    // Backward (residual) arcs of layer t go to layer t - 1: every position, or the source.
    int64_t lowBackward(int64_t t) const { return t == 1 ? source_ : 0; }
    int64_t countBackward(int64_t t) const { return t == 0 ? 0 : (t == 1 ? 1 : r_); }
    size_t node(int64_t t, int64_t x) const { return static_cast<size_t>(t * r_ + x); }

    void reset()
    {
        for (size_t t = 0; t < flow_.size(); ++t) {
            for (int64_t x = 0; x < r_; ++x) {
                if (dirty_[t][static_cast<size_t>(x)]) {
                    std::memset(flow_[t].data() + x * r_, 0, sizeof(double) * r_);
                    dirty_[t][static_cast<size_t>(x)] = 0;
                }
            }
        }
    }

    /// Breadth-first levels over the residual graph; false when the sink is unreachable.
    bool buildLevels()
    {
        std::fill(level_.begin(), level_.end(), -1);
        queue_.clear();
        level_[node(0, source_)] = 0;
        queue_.push_back(node(0, source_));
        const size_t sinkNode = node(layers_, sink_);
        for (size_t head = 0; head < queue_.size(); ++head) {
            const size_t v = queue_[head];
            const int64_t t = static_cast<int64_t>(v) / r_;
            const int64_t x = static_cast<int64_t>(v) % r_;
            const int next = level_[v] + 1;
            if (level_[sinkNode] >= 0 && next > level_[sinkNode]) {
                break; // nodes this far cannot lie on a shortest path
            }
            if (t < layers_) {
                const double* cap = capT_[static_cast<size_t>(t)].data() + x * r_;
                const double* flow = flow_[static_cast<size_t>(t)].data() + x * r_;
                const int64_t lo = lowForward(t);
                const int64_t hi = lo + countForward(t);
                for (int64_t y = lo; y < hi; ++y) {
                    const size_t w = node(t + 1, y);
                    if (level_[w] < 0 && cap[y] - flow[y] > kEps) {
                        level_[w] = next;
                        queue_.push_back(w);
                    }
                }
            }
            if (t > 0) {
                const double* flow = flow_[static_cast<size_t>(t - 1)].data();
                const int64_t lo = lowBackward(t);
                const int64_t hi = lo + countBackward(t);
                for (int64_t y = lo; y < hi; ++y) {
                    const size_t w = node(t - 1, y);
                    if (level_[w] < 0 && flow[y * r_ + x] > kEps) {
                        level_[w] = next;
                        queue_.push_back(w);
                    }
                }
            }
        }
        return level_[sinkNode] >= 0;
    }

    /// Pushes up to `limit` from (t, x) towards the sink along the level graph (Dinic's
    /// blocking flow with current-arc pointers); returns what it pushed.
    double push(int64_t t, int64_t x, double limit)
    {
        if (t == layers_) {
            return limit; // only the sink is alive on top
        }
        const size_t v = node(t, x);
        const int64_t forward = countForward(t);
        const int64_t arcs = forward + (forwardOnly_ ? 0 : countBackward(t));
        const int next = level_[v] + 1;
        double sent = 0.0;
        for (int& a = arc_[v]; a < arcs; ++a) {
            int64_t t2 = 0;
            int64_t y = 0;
            double residual = 0.0;
            if (a < forward) {
                t2 = t + 1;
                y = lowForward(t) + a;
                if (level_[node(t2, y)] != next) {
                    continue;
                }
                const size_t e = static_cast<size_t>(x * r_ + y);
                residual = capT_[static_cast<size_t>(t)][e] - flow_[static_cast<size_t>(t)][e];
            } else {
                t2 = t - 1;
                y = lowBackward(t) + (a - forward);
                if (level_[node(t2, y)] != next) {
                    continue;
                }
                residual = flow_[static_cast<size_t>(t - 1)][static_cast<size_t>(y * r_ + x)];
            }
            if (residual <= kEps) {
                continue;
            }
            const double d = push(t2, y, std::min(limit - sent, residual));
            if (d <= 0.0) {
                continue;
            }
            if (a < forward) {
                flow_[static_cast<size_t>(t)][static_cast<size_t>(x * r_ + y)] += d;
                dirty_[static_cast<size_t>(t)][static_cast<size_t>(x)] = 1;
            } else {
                flow_[static_cast<size_t>(t - 1)][static_cast<size_t>(y * r_ + x)] -= d;
            }
            sent += d;
            if (limit - sent <= kEps) {
                return sent; // this arc may have room left: keep it current
            }
        }
        level_[v] = -1; // every arc used up: callers skip this node from now on
        return sent;
    }

    const std::vector<std::vector<double>>& capT_;
    int64_t r_;
    int64_t layers_; ///< T: edge layers 0..T-1, node layers 0..T
    std::vector<std::vector<double>> flow_; ///< same layout as capT_
    std::vector<std::vector<uint8_t>> dirty_; ///< rows of flow_ that may be non-zero
    std::vector<int> level_;
    std::vector<int> arc_;
    std::vector<size_t> queue_;
    int64_t source_ = 0;
    int64_t sink_ = 0;
    bool forwardOnly_ = false; ///< the first phase: levels are layers, back arcs all empty
};

} // namespace

FlowResult attentionFlow(
    const std::vector<FloatTensor>& attentions, const FlowConfig& config, const RunControl& control)
{
    return attentionFlow(AttentionLayers::of(attentions), config, control);
}

FlowResult attentionFlow(
    const AttentionLayers& attentions, const FlowConfig& config, const RunControl& control)
{
    const analysis::SequenceView view =
        analysis::checkAttentions(attentions, config.batch, config.realMask);
    FlowResult result;
    result.toLayer = analysis::resolveLayer(config.toLayer, attentions.layers());
    if (config.threads < 0) {
        throw Error(ErrorKind::InvalidInput,
            "attention flow: threads is " + std::to_string(config.threads)
                + "; use 0 (one per core) or a positive count.");
    }
    const int64_t r = view.realCount();
    // Capacities transposed ([from][to]) so a node's forward arcs are one contiguous row.
    std::vector<std::vector<double>> capT;
    for (int64_t l = 0; l <= result.toLayer; ++l) {
        const std::vector<double> a = analysis::augmentedLayer(attentions, l, view);
        std::vector<double> t(a.size());
        for (int64_t i = 0; i < r; ++i) {
            for (int64_t k = 0; k < r; ++k) {
                t[static_cast<size_t>(k * r + i)] = a[static_cast<size_t>(i * r + k)];
            }
        }
        capT.push_back(std::move(t));
    }

    std::vector<double> values(static_cast<size_t>(r * r), 0.0);
    std::atomic<int64_t> nextRow { 0 };
    std::atomic<int64_t> rowsDone { 0 };
    std::atomic<bool> stop { false };
    std::exception_ptr failure;
    std::mutex failureMutex;
    // The first finished row is always reported, then at most 20 reports a second.
    auto lastReport = std::chrono::steady_clock::now() - std::chrono::seconds(1);

    // Each worker takes whole rows (one sink, every source); the calling thread works too and
    // is the only one that reports progress: its first row, then at most 20 times a second,
    // and the end once every worker has finished.
    auto work = [&](bool reporter) {
        try {
            LayeredFlow flow(capT, r);
            for (;;) {
                const int64_t i = nextRow.fetch_add(1);
                if (i >= r || stop.load(std::memory_order_relaxed)) {
                    return;
                }
                for (int64_t j = 0; j < r; ++j) {
                    if (control.cancelled()) {
                        stop = true;
                        return;
                    }
                    values[static_cast<size_t>(i * r + j)] = flow.solve(j, i);
                }
                const int64_t done = rowsDone.fetch_add(1) + 1;
                if (reporter) {
                    const auto now = std::chrono::steady_clock::now();
                    if (now - lastReport >= std::chrono::milliseconds(50) && done < r) {
                        lastReport = now;
                        control.report(static_cast<double>(done) / static_cast<double>(r),
                            "attention flow: " + std::to_string(done) + " of " + std::to_string(r)
                                + " positions");
                    }
                }
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(failureMutex);
            if (!failure) {
                failure = std::current_exception();
            }
            stop = true;
        }
    };

    int64_t threads = config.threads > 0
        ? config.threads
        : static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    threads = std::max<int64_t>(1, std::min(threads, r));
    std::vector<std::thread> helpers;
    for (int64_t t = 1; t < threads; ++t) {
        helpers.emplace_back(work, false);
    }
    work(true);
    for (std::thread& helper : helpers) {
        helper.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (control.cancelled() || rowsDone.load() < r) {
        result.status = JobStatus::Cancelled;
        result.problemsSolved = rowsDone.load() * r;
        return result;
    }
    // The last row may have been another thread's: the caller hears of the end here.
    control.report(
        1.0, "attention flow: " + std::to_string(r) + " of " + std::to_string(r) + " positions");
    result.problemsSolved = r * r;
    result.matrix = analysis::expandToSequence(values, view);
    return result;
}

} // namespace lumen::engine
