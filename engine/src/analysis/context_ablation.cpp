// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/context_ablation.h"

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "models/architecture.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

namespace lumen::engine {

const char* ablationModeName(AblationMode mode)
{
    return mode == AblationMode::Cut ? "cut" : "shuffle";
}

namespace {

/// One prediction to make: the sequence the model reads, the position whose logits predict
/// the target, the target's id, and where its loss goes.
struct Probe {
    std::vector<int64_t> ids;
    int64_t readAt = 0;
    int64_t target = 0;
    double* loss = nullptr;
};

/// Runs probes of equal length in batches and writes each one's negative log-likelihood.
/// Returns false when cancelled.
bool runProbes(Architecture& arch, const torch::Device& device, int64_t vocab, std::vector<Probe>& probes,
               const RunControl* control, const std::function<void()>& done)
{
    std::map<size_t, std::vector<Probe*>> byLength;
    for (Probe& p : probes) {
        byLength[p.ids.size()].push_back(&p);
    }
    for (auto& [length, group] : byLength) {
        // The head's logits are [batch, length, vocab]: keep a batch's under ~64 M floats.
        const auto perRow = static_cast<int64_t>(length) * std::max<int64_t>(vocab, 1);
        const size_t batch = static_cast<size_t>(std::clamp<int64_t>(int64_t{ 64 } * 1024 * 1024 / perRow, 1, 64));
        for (size_t start = 0; start < group.size(); start += batch) {
            if (control != nullptr && control->cancelled()) {
                return false;
            }
            const size_t n = std::min(batch, group.size() - start);
            std::vector<int64_t> flat;
            flat.reserve(n * length);
            std::vector<int64_t> readAt;
            std::vector<int64_t> targets;
            for (size_t i = 0; i < n; ++i) {
                const Probe& p = *group[start + i];
                flat.insert(flat.end(), p.ids.begin(), p.ids.end());
                readAt.push_back(p.readAt);
                targets.push_back(p.target);
            }
            ArchInput in;
            in.inputIds = torch::tensor(flat, torch::kLong).view({ static_cast<int64_t>(n), static_cast<int64_t>(length) }).to(device);
            in.attentionMask = torch::ones_like(in.inputIds);
            in.tokenTypeIds = torch::zeros_like(in.inputIds);
            const ArchOutput out = arch.run(in, {});
            const torch::Tensor rows = torch::arange(static_cast<int64_t>(n), torch::kLong).to(device);
            const torch::Tensor picked = out.logits.index({ rows, torch::tensor(readAt, torch::kLong).to(device) });
            const torch::Tensor logp = torch::log_softmax(picked.to(torch::kDouble), -1)
                                           .gather(1, torch::tensor(targets, torch::kLong).to(device).unsqueeze(1))
                                           .squeeze(1)
                                           .to(torch::kCPU)
                                           .contiguous();
            for (size_t i = 0; i < n; ++i) {
                *group[start + i]->loss = -logp.data_ptr<double>()[i];
            }
            done();
        }
    }
    return true;
}

} // namespace

ContextAblation contextAblation(Model& model, const std::string& text, const ContextAblationConfig& config,
                                const RunControl* control)
{
    const ModelInfo& info = model.info();
    const bool masked = info.headKind == "masked-lm" || info.headKind == "pretraining";
    const bool causal = info.headKind == "causal-lm";
    if (!masked && !causal) {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no language-model head (its head is \"" + info.headKind
                        + "\"), so Lumen cannot measure its loss. Open a masked-LM or a causal LM.");
    }
    const Tokenizer* tokenizer = model.tokenizer();
    if (tokenizer == nullptr) {
        throw Error(ErrorKind::InvalidInput, "the model folder has no tokenizer, so Lumen cannot read the text.");
    }
    if (masked && !tokenizer->specialTokens().mask) {
        throw Error(ErrorKind::InvalidInput, "the tokenizer has no mask token, so a masked-LM cannot predict the text.");
    }
    for (const int64_t d : config.distances) {
        if (d < 0) {
            throw Error(ErrorKind::InvalidInput, "distance " + std::to_string(d) + " is negative.");
        }
    }
    const ModelInput input = model.prepare({ text }, info.maxPositions > 0 ? info.maxPositions : 0);
    const std::vector<int64_t>& ids = input.inputIds.data;
    const auto n = static_cast<int64_t>(ids.size());
    std::vector<uint8_t> special(ids.size(), 0);
    if (!input.encodings.empty()) {
        const std::vector<uint8_t>& s = input.encodings.front().specialMask;
        std::copy(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), special.size())), special.begin());
    }

    ContextAblation result;
    result.mode = config.mode;
    result.causal = causal;
    result.tokens = input.tokens.empty() ? std::vector<std::string>() : input.tokens.front();
    // The position whose logits predict target t: t itself (masked), t - 1 (causal).
    std::vector<int64_t> readFrom;
    for (int64_t t = 0; t < n; ++t) {
        if (special[static_cast<size_t>(t)] != 0 || (causal && t == 0)) {
            continue;
        }
        result.targets.push_back(t);
        readFrom.push_back(causal ? t - 1 : t);
    }
    if (result.targets.empty()) {
        throw Error(ErrorKind::InvalidInput,
                    causal ? "the text needs at least two tokens: each is predicted from the ones before it."
                           : "the text has no token to predict.");
    }
    std::vector<int64_t> distances = config.distances;
    if (distances.empty() && !config.wholeTextOnly) {
        distances.push_back(0);
        for (int64_t d = 1; d < n; d *= 2) {
            distances.push_back(d);
        }
        if (distances.back() < n - 1) {
            distances.push_back(n - 1);
        }
    }

    Architecture& arch = ModelInternals::architecture(model);
    const torch::Device device = ModelInternals::device(model);
    torch::InferenceMode inference;
    const int64_t mask = masked ? *tokenizer->specialTokens().mask : 0;
    const size_t targets = result.targets.size();

    // The sequence target k reads, with the context beyond `d` cut or shuffled (d < 0: the
    // whole text). Returns whether anything was ablated.
    const auto build = [&](size_t k, int64_t d, std::mt19937_64& rng, Probe& probe) {
        const int64_t t = result.targets[k];
        const int64_t p = readFrom[k];
        const int64_t end = causal ? p + 1 : n; // a causal LM reads 0 .. p
        std::vector<int64_t> far;
        for (int64_t j = 0; j < end; ++j) {
            if (special[static_cast<size_t>(j)] == 0 && j != t && d >= 0 && std::abs(j - p) > d) {
                far.push_back(j);
            }
        }
        probe.ids.clear();
        probe.target = ids[static_cast<size_t>(t)];
        if (config.mode == AblationMode::Shuffle) {
            probe.ids.assign(ids.begin(), ids.begin() + end);
            std::vector<int64_t> order = far;
            std::shuffle(order.begin(), order.end(), rng);
            for (size_t i = 0; i < far.size(); ++i) {
                probe.ids[static_cast<size_t>(far[i])] = ids[static_cast<size_t>(order[i])];
            }
            probe.readAt = p;
        } else {
            size_t next = 0;
            for (int64_t j = 0; j < end; ++j) {
                if (next < far.size() && far[next] == j) {
                    ++next;
                    continue;
                }
                if (j == p) {
                    probe.readAt = static_cast<int64_t>(probe.ids.size());
                }
                probe.ids.push_back(ids[static_cast<size_t>(j)]);
            }
        }
        if (masked) {
            probe.ids[static_cast<size_t>(probe.readAt)] = mask;
        }
        return config.mode == AblationMode::Shuffle ? far.size() > 1 : !far.empty();
    };

    const size_t totalBatches = (config.wholeTextOnly ? 1 : distances.size() + 1) * targets;
    size_t doneProbes = 0;
    const auto step = [&]() {
        if (control != nullptr) {
            control->report(static_cast<double>(std::min(doneProbes, totalBatches)) / static_cast<double>(totalBatches),
                            "context ablation");
        }
    };
    std::mt19937_64 rng(config.seed);
    result.fullTargetLoss.assign(targets, 0.0);
    if (causal) {
        // One pass over the whole text predicts every target.
        ArchInput in;
        in.inputIds = torch::tensor(ids, torch::kLong).view({ 1, n }).to(device);
        in.attentionMask = torch::ones_like(in.inputIds);
        in.tokenTypeIds = torch::zeros_like(in.inputIds);
        const torch::Tensor logp =
            torch::log_softmax(arch.run(in, {}).logits.select(0, 0).to(torch::kDouble), -1).to(torch::kCPU);
        for (size_t k = 0; k < targets; ++k) {
            result.fullTargetLoss[k] = -logp[readFrom[k]][ids[static_cast<size_t>(result.targets[k])]].item<double>();
        }
        doneProbes += targets;
        step();
    } else {
        std::vector<Probe> probes(targets);
        for (size_t k = 0; k < targets; ++k) {
            build(k, -1, rng, probes[k]);
            probes[k].loss = &result.fullTargetLoss[k];
        }
        if (!runProbes(arch, device, info.vocabSize, probes, control, [&] {
                doneProbes = std::min(doneProbes + 64, targets);
                step();
            })) {
            result.status = JobStatus::Cancelled;
            return result;
        }
        doneProbes = targets;
    }
    result.fullLoss = std::accumulate(result.fullTargetLoss.begin(), result.fullTargetLoss.end(), 0.0)
        / static_cast<double>(targets);
    if (config.wholeTextOnly) {
        return result;
    }

    for (size_t di = 0; di < distances.size(); ++di) {
        const int64_t d = distances[di];
        ContextAblationPoint point;
        point.distance = d;
        point.targetLoss = result.fullTargetLoss;
        std::vector<Probe> ablated;
        for (size_t k = 0; k < targets; ++k) {
            Probe probe;
            if (build(k, d, rng, probe)) {
                probe.loss = &point.targetLoss[k];
                ablated.push_back(std::move(probe));
            }
        }
        point.ablatedTargets = static_cast<int64_t>(ablated.size());
        const size_t before = doneProbes;
        if (!runProbes(arch, device, info.vocabSize, ablated, control, [&] {
                doneProbes = std::min(doneProbes + 64, before + targets);
                step();
            })) {
            result.status = JobStatus::Cancelled;
            return result;
        }
        doneProbes = before + targets;
        step();
        point.loss = std::accumulate(point.targetLoss.begin(), point.targetLoss.end(), 0.0) / static_cast<double>(targets);
        result.points.push_back(std::move(point));
    }
    return result;
}

} // namespace lumen::engine
