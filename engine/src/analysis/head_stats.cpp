// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// Per-head attention statistics and the pattern label, one pass over each attention row.

#include "lumen/engine/analysis.h"

#include "analysis/attention_input.h"

#include "lumen/engine/error.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace lumen::engine {

const char* headPatternName(HeadPattern pattern)
{
    switch (pattern) {
    case HeadPattern::PreviousToken:
        return "previous-token";
    case HeadPattern::Self:
        return "self";
    case HeadPattern::Delimiter:
        return "delimiter";
    case HeadPattern::Broad:
        return "broad";
    case HeadPattern::Mixed:
        return "mixed";
    }
    return "mixed";
}

HeadPattern classifyHead(const HeadStats& stats)
{
    HeadPattern best = HeadPattern::PreviousToken;
    double share = stats.previousShare;
    if (stats.selfShare > share) {
        best = HeadPattern::Self;
        share = stats.selfShare;
    }
    if (stats.specialShare > share) {
        best = HeadPattern::Delimiter;
        share = stats.specialShare;
    }
    if (share > kDominantShare) {
        return best;
    }
    return stats.normalizedEntropy >= kBroadEntropy ? HeadPattern::Broad : HeadPattern::Mixed;
}

HeadStatsResult headStatistics(const std::vector<FloatTensor>& attentions,
    const HeadStatsConfig& config, const RunControl& control)
{
    return headStatistics(AttentionLayers::of(attentions), config, control);
}

HeadStatsResult headStatistics(
    const AttentionLayers& attentions, const HeadStatsConfig& config, const RunControl& control)
{
    const analysis::SequenceView view =
        analysis::checkAttentions(attentions, config.batch, config.realMask);
    const int64_t n = view.seq;
    const int64_t r = view.realCount();
    if (!config.specialMask.empty() && static_cast<int64_t>(config.specialMask.size()) != n) {
        throw Error(ErrorKind::InvalidInput,
            "the special-token mask has " + std::to_string(config.specialMask.size())
                + " entries but the sequence has " + std::to_string(n)
                + " positions; pass one entry per position (Encoding::specialMask) or "
                  "none.");
    }
    std::vector<uint8_t> special(static_cast<size_t>(r), 0);
    for (int64_t ki = 0; ki < r && !config.specialMask.empty(); ++ki) {
        special[static_cast<size_t>(ki)] =
            config.specialMask[static_cast<size_t>(view.real[static_cast<size_t>(ki)])] != 0;
    }
    // log(m) for the m keys a row can see, computed once.
    std::vector<double> logKeys(static_cast<size_t>(r + 1), 0.0);
    for (int64_t m = 1; m <= r; ++m) {
        logKeys[static_cast<size_t>(m)] = std::log(static_cast<double>(m));
    }

    HeadStatsResult result;
    const int64_t layers = attentions.layers();
    for (int64_t l = 0; l < layers; ++l) {
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            result.heads.clear();
            return result;
        }
        const int64_t heads = attentions.heads[static_cast<size_t>(l)];
        for (int64_t h = 0; h < heads; ++h) {
            const float* a =
                attentions.data[static_cast<size_t>(l)] + ((view.batch * heads + h) * n) * n;
            double entropy = 0.0, normalized = 0.0, distance = 0.0;
            double specialSum = 0.0, previous = 0.0, self = 0.0;
            int64_t rows = 0, previousRows = 0;
            for (int64_t qi = 0; qi < r; ++qi) {
                const int64_t seen = config.causal ? qi + 1 : r; // keys 0..seen-1 (compact)
                if (seen < 2) {
                    continue; // one visible key: the row has no choice to make
                }
                const float* row = a + view.real[static_cast<size_t>(qi)] * n;
                double sum = 0.0, sumLog = 0.0, dist = 0.0, spec = 0.0;
                for (int64_t ki = 0; ki < seen; ++ki) {
                    const double p = row[view.real[static_cast<size_t>(ki)]];
                    if (!(p > 0.0)) {
                        continue; // zero (or a stray negative) carries no attention
                    }
                    sum += p;
                    sumLog += p * std::log(p);
                    dist += p * static_cast<double>(std::llabs(qi - ki));
                    if (special[static_cast<size_t>(ki)]) {
                        spec += p;
                    }
                }
                if (!(sum > 0.0)) {
                    continue; // a row with no attention on what it sees says nothing
                }
                // Renormalised over the keys it sees: H = log s - (1/s) sum p log p.
                const double rowEntropy = std::max(0.0, std::log(sum) - sumLog / sum);
                ++rows;
                entropy += rowEntropy;
                normalized += rowEntropy / logKeys[static_cast<size_t>(seen)];
                distance += dist / sum;
                specialSum += spec / sum;
                const double selfP = row[view.real[static_cast<size_t>(qi)]];
                self += selfP > 0.0 ? selfP / sum : 0.0;
                if (qi >= 1) {
                    const double prevP = row[view.real[static_cast<size_t>(qi - 1)]];
                    previous += prevP > 0.0 ? prevP / sum : 0.0;
                    ++previousRows;
                }
            }
            HeadStats s;
            s.layer = l;
            s.head = h;
            const auto mean = [](double total, int64_t count) {
                return count > 0 ? total / static_cast<double>(count) : 0.0;
            };
            s.entropy = mean(entropy, rows);
            s.normalizedEntropy = mean(normalized, rows);
            s.meanDistance = mean(distance, rows);
            s.specialShare = mean(specialSum, rows);
            s.previousShare = mean(previous, previousRows);
            s.selfShare = mean(self, rows);
            s.pattern = classifyHead(s);
            result.heads.push_back(s);
        }
        control.report(static_cast<double>(l + 1) / static_cast<double>(layers),
            "head statistics: layer " + std::to_string(l + 1) + " of " + std::to_string(layers));
    }
    return result;
}

} // namespace lumen::engine
