// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/generate.h"

#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "demos/token_distribution.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

namespace lumen::engine {

namespace {

/// The reference's RepetitionPenaltyLogitsProcessor: a seen token's logit is divided by the
/// penalty when positive, multiplied when negative.
void penalise(std::vector<float>& logits, const std::vector<int64_t>& seen, double penalty)
{
    if (penalty == 1.0) {
        return;
    }
    for (const int64_t id : std::set<int64_t>(seen.begin(), seen.end())) {
        float& l = logits[static_cast<size_t>(id)];
        l = l < 0 ? static_cast<float>(l * penalty) : static_cast<float>(l / penalty);
    }
}

void requireGenerator(const ModelInfo& info)
{
    if (info.headKind != "causal-lm" && !info.isEncoderDecoder) {
        throw Error(ErrorKind::InvalidInput,
                    info.architecture + " has no causal language-model head (its head is \""
                        + info.headKind
                        + "\"), so it cannot continue a text. Open a decoder (GPT-2, "
                          "LLaMA-style ...ForCausalLM) or an encoder-decoder (T5); an encoder "
                          "fills masks instead (lumen-cli fill-mask).");
    }
}

/// Where the next-token logits come from: rows (beams) that all continue one prompt.
class NextTokenSource {
public:
    virtual ~NextTokenSource() = default;
    /// The next-token logits of each row, [rows, vocab] float32 on the CPU; undefined when
    /// the caller cancelled. Every row holds the same number of tokens.
    virtual torch::Tensor next(const std::vector<std::vector<int64_t>>& rows) = 0;
    /// Row r now continues what row parents[r] was (beam search); called before next().
    virtual void reorder(const std::vector<int64_t>& parents) = 0;
};

torch::Tensor lastLogits(const ArchOutput& out)
{
    if (!out.logits.defined()) {
        return {};
    }
    return out.logits.select(1, out.logits.size(1) - 1).to(torch::kCPU, torch::kFloat32).contiguous();
}

torch::Tensor rowsTensor(const std::vector<std::vector<int64_t>>& rows, size_t from, torch::Device device)
{
    std::vector<int64_t> flat;
    for (const auto& row : rows) {
        flat.insert(flat.end(), row.begin() + static_cast<std::ptrdiff_t>(from), row.end());
    }
    const auto n = static_cast<int64_t>(rows.size());
    return torch::tensor(flat, torch::kInt64).view({ n, static_cast<int64_t>(flat.size()) / n }).to(device);
}

/// A decoder: with the cache, each call feeds only the tokens the cache has not seen.
class DecoderSource final : public NextTokenSource {
public:
    DecoderSource(Architecture& arch, torch::Device device, bool useCache, const RunControl& control)
        : arch_(arch), device_(device), useCache_(useCache), control_(control)
    {
    }
    torch::Tensor next(const std::vector<std::vector<int64_t>>& rows) override
    {
        const auto n = static_cast<int64_t>(rows.size());
        const auto length = static_cast<int64_t>(rows.front().size());
        ArchInput in;
        in.control = &control_;
        in.attentionMask = torch::ones({ n, length }, torch::kInt64).to(device_);
        if (useCache_) {
            const int64_t past = cache_.length();
            in.inputIds = rowsTensor(rows, static_cast<size_t>(past), device_);
            in.cache = &cache_;
            in.positionIds =
                torch::arange(past, length, torch::kInt64).view({ 1, length - past }).expand({ n, length - past }).to(device_);
        } else {
            in.inputIds = rowsTensor(rows, 0, device_);
        }
        return lastLogits(arch_.run(in, TraceRequest {}));
    }
    void reorder(const std::vector<int64_t>& parents) override
    {
        if (!useCache_ || cache_.length() == 0) {
            return;
        }
        const torch::Tensor index = torch::tensor(parents, torch::kInt64).to(device_);
        for (size_t l = 0; l < cache_.keys.size(); ++l) {
            cache_.keys[l] = cache_.keys[l].index_select(0, index);
            cache_.values[l] = cache_.values[l].index_select(0, index);
        }
    }

private:
    Architecture& arch_;
    torch::Device device_;
    bool useCache_;
    const RunControl& control_;
    KvCache cache_;
};

/// An encoder-decoder: the encoder runs once; the decoder reads each row whole every step.
class Seq2SeqSource final : public NextTokenSource {
public:
    Seq2SeqSource(Architecture& arch, torch::Device device, const std::vector<int64_t>& source,
                  const RunControl& control)
        : arch_(arch), device_(device), control_(control)
    {
        const auto n = static_cast<int64_t>(source.size());
        ids_ = torch::tensor(source, torch::kInt64).view({ 1, n }).to(device_);
        ArchInput in;
        in.control = &control_;
        in.inputIds = ids_;
        in.attentionMask = torch::ones_like(ids_);
        in.tokenTypeIds = torch::zeros_like(ids_);
        const ArchOutput out = arch_.run(in, TraceRequest {});
        encoded_ = out.cancelled ? torch::Tensor() : out.lastHidden;
    }
    torch::Tensor next(const std::vector<std::vector<int64_t>>& rows) override
    {
        if (!encoded_.defined()) {
            return {};
        }
        const auto n = static_cast<int64_t>(rows.size());
        ArchInput in;
        in.control = &control_;
        in.inputIds = ids_.expand({ n, ids_.size(1) });
        in.attentionMask = torch::ones_like(in.inputIds);
        in.tokenTypeIds = torch::zeros_like(in.inputIds);
        in.encoderHiddenState = encoded_.expand({ n, encoded_.size(1), encoded_.size(2) });
        in.decoderInputIds = rowsTensor(rows, 0, device_);
        return lastLogits(arch_.run(in, TraceRequest {}));
    }
    void reorder(const std::vector<int64_t>&) override {} // nothing cached per row

private:
    Architecture& arch_;
    torch::Device device_;
    const RunControl& control_;
    torch::Tensor ids_;
    torch::Tensor encoded_;
};

/// Turns chosen tokens into the result: decoded text streamed without half characters, the
/// end-of-text token and stop strings.
class Transcript {
public:
    /// `continued`: the tokens the new ones continue (the end of a decoder's prompt; empty
    /// for an encoder-decoder, whose output starts afresh).
    Transcript(GenerateResult& result, const Tokenizer* tokenizer, int64_t eos,
               const std::vector<std::string>& stopStrings,
               const std::function<void(const GenerateStep&)>& onStep, std::vector<int64_t> continued = {})
        : result_(result), tokenizer_(tokenizer), eos_(eos), stopStrings_(stopStrings), onStep_(onStep),
          continued_(std::move(continued))
    {
        if (tokenizer_ != nullptr && !continued_.empty()) {
            continuedText_ = tokenizer_->decode(continued_, /*skipSpecial=*/true);
        }
    }
    /// Appends `s` (its text filled in here); returns the stop reason it causes, or "".
    std::string push(GenerateStep s)
    {
        result_.newTokenIds.push_back(s.id);
        result_.newTokens.push_back(s.token);
        // Stream only what is settled: a token can be half a character (byte-level BPE), and
        // the text ends in U+FFFD until the next token completes it.
        const std::string text =
            tokenizer_ != nullptr ? tokenizer_->decode(result_.newTokenIds, /*skipSpecial=*/true) : "";
        // The pieces read as they continue the prompt: decoded with it, so the space a
        // word-level or SentencePiece decoder puts between the prompt and the first new
        // word is there (decoding the new tokens alone drops it).
        std::string shown = text;
        if (!continuedText_.empty()) {
            std::vector<int64_t> all = continued_;
            all.insert(all.end(), result_.newTokenIds.begin(), result_.newTokenIds.end());
            const std::string whole = tokenizer_->decode(all, /*skipSpecial=*/true);
            if (whole.compare(0, continuedText_.size(), continuedText_) == 0) {
                shown = whole.substr(continuedText_.size());
            }
        }
        const bool unfinished = shown.size() >= 3 && shown.compare(shown.size() - 3, 3, "\xEF\xBF\xBD") == 0;
        if (!unfinished && shown.compare(0, streamed_.size(), streamed_) == 0) {
            s.text = shown.substr(streamed_.size());
            streamed_ = shown;
        }
        result_.text = text;
        const int64_t id = s.id;
        result_.steps.push_back(std::move(s));
        if (onStep_) {
            onStep_(result_.steps.back());
        }
        if (eos_ >= 0 && id == eos_) {
            return "eos";
        }
        size_t cut = std::string::npos;
        for (const std::string& stop : stopStrings_) {
            if (!stop.empty()) {
                cut = std::min(cut, text.find(stop));
            }
        }
        if (cut == std::string::npos) {
            return "";
        }
        result_.text = text.substr(0, cut);
        return "stop-string";
    }

private:
    GenerateResult& result_;
    const Tokenizer* tokenizer_;
    int64_t eos_;
    const std::vector<std::string>& stopStrings_;
    const std::function<void(const GenerateStep&)>& onStep_;
    std::vector<int64_t> continued_;
    std::string continuedText_;
    std::string streamed_; ///< what the steps' text handed out so far
};

/// Draws from temperature / top-k / top-p processed logits, as the reference's warpers do.
int64_t drawToken(std::vector<float> logits, const GenerateConfig& c, std::mt19937_64& rng)
{
    const size_t vocab = logits.size();
    for (float& l : logits) {
        l = static_cast<float>(l / c.temperature);
    }
    std::vector<int64_t> order(vocab);
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&logits](int64_t a, int64_t b) { return logits[a] > logits[b]; });
    size_t keep = vocab;
    if (c.topK > 0) {
        keep = std::min<size_t>(keep, static_cast<size_t>(c.topK));
    }
    if (c.topP < 1.0) {
        // The smallest prefix whose probability reaches topP (at least one token).
        std::vector<float> kept(keep);
        for (size_t i = 0; i < keep; ++i) {
            kept[i] = logits[static_cast<size_t>(order[i])];
        }
        const detail::TokenDistribution p(kept.data(), kept.size());
        double cumulative = 0.0;
        size_t n = 0;
        while (n < keep) {
            cumulative += p.probability(static_cast<int64_t>(n));
            ++n;
            if (cumulative >= c.topP) {
                break;
            }
        }
        keep = std::max<size_t>(1, n);
    }
    std::vector<float> kept(keep);
    for (size_t i = 0; i < keep; ++i) {
        kept[i] = logits[static_cast<size_t>(order[i])];
    }
    const detail::TokenDistribution p(kept.data(), kept.size());
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    double cumulative = 0.0;
    for (size_t i = 0; i < keep; ++i) {
        cumulative += p.probability(static_cast<int64_t>(i));
        if (u < cumulative) {
            return order[i];
        }
    }
    return order[keep - 1];
}

/// The reference's beam search (BeamSearchScorer, early_stopping False) for one prompt.
/// Returns the best hypothesis's steps; `reason` says how it ended.
std::vector<GenerateStep> beamSearch(NextTokenSource& source, const std::vector<int64_t>& prefix,
                                     int64_t maxNew, int64_t eos, const GenerateConfig& config,
                                     const std::function<std::string(int64_t)>& tokenOf,
                                     const RunControl& control, std::string& reason)
{
    struct Beam {
        std::vector<int64_t> tokens; ///< new tokens
        double score = 0.0; ///< sum of (processed) log-probabilities
        std::vector<GenerateStep> steps;
    };
    struct Hypothesis {
        double score = 0.0; ///< normalised by length
        std::vector<GenerateStep> steps;
    };
    const auto width = static_cast<size_t>(config.beams);
    std::vector<Beam> live(1); // one row until the first step spreads it
    std::vector<Hypothesis> finished;
    double worst = 1e9;
    const auto normalise = [&config](double sum, size_t length) {
        return sum / std::pow(static_cast<double>(length), config.lengthPenalty);
    };
    const auto addHypothesis = [&](double sum, std::vector<GenerateStep> steps) {
        const double score = normalise(sum, steps.size());
        if (finished.size() < width || score > worst) {
            finished.push_back({ score, std::move(steps) });
            if (finished.size() > width) {
                std::vector<size_t> order(finished.size());
                std::iota(order.begin(), order.end(), size_t { 0 });
                std::stable_sort(order.begin(), order.end(),
                                 [&](size_t a, size_t b) { return finished[a].score < finished[b].score; });
                worst = finished[order[1]].score;
                finished.erase(finished.begin() + static_cast<std::ptrdiff_t>(order[0]));
            } else {
                worst = std::min(score, worst);
            }
        }
    };
    reason = "length";
    bool done = false;
    for (int64_t step = 0; step < maxNew && !done; ++step) {
        if (control.cancelled()) {
            reason = "cancelled";
            break;
        }
        std::vector<std::vector<int64_t>> rows;
        for (const Beam& beam : live) {
            rows.push_back(prefix);
            rows.back().insert(rows.back().end(), beam.tokens.begin(), beam.tokens.end());
        }
        const torch::Tensor logits = source.next(rows);
        if (!logits.defined()) {
            reason = "cancelled";
            break;
        }
        const auto vocab = static_cast<size_t>(logits.size(1));
        // Each row's log-softmax, penalised (on log-probabilities, as the reference's beam
        // search applies its processors), plus the beam's score so far.
        std::vector<detail::TokenDistribution> distributions;
        std::vector<double> candidates(live.size() * vocab);
        for (size_t r = 0; r < live.size(); ++r) {
            const float* row = logits.data_ptr<float>() + r * vocab;
            distributions.emplace_back(row, vocab);
            std::vector<float> scores(vocab);
            for (size_t v = 0; v < vocab; ++v) {
                scores[v] = static_cast<float>(distributions.back().logProbability(static_cast<int64_t>(v)));
            }
            penalise(scores, rows[r], config.repetitionPenalty);
            for (size_t v = 0; v < vocab; ++v) {
                candidates[r * vocab + v] = live[r].score + scores[v];
            }
        }
        std::vector<size_t> order(candidates.size());
        std::iota(order.begin(), order.end(), size_t { 0 });
        const size_t keep = std::min(order.size(), 2 * width);
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                          [&](size_t a, size_t b) {
                              return candidates[a] != candidates[b] ? candidates[a] > candidates[b] : a < b;
                          });
        const auto stepOf = [&](size_t r, int64_t id) {
            const detail::TokenDistribution& d = distributions[r];
            GenerateStep s;
            s.id = id;
            s.token = tokenOf(id);
            s.probability = d.probability(id);
            s.logit = d.logits[id];
            for (const int64_t other : d.top(config.alternatives)) {
                s.top.push_back({ other, tokenOf(other), d.probability(other) });
            }
            return s;
        };
        std::vector<Beam> next;
        std::vector<int64_t> parents;
        for (size_t rank = 0; rank < keep && next.size() < width; ++rank) {
            const size_t r = order[rank] / vocab;
            const auto id = static_cast<int64_t>(order[rank] % vocab);
            if (eos >= 0 && id == eos) {
                if (rank < width) {
                    std::vector<GenerateStep> steps = live[r].steps;
                    steps.push_back(stepOf(r, id));
                    addHypothesis(candidates[order[rank]], std::move(steps));
                }
                continue;
            }
            Beam beam;
            beam.tokens = live[r].tokens;
            beam.tokens.push_back(id);
            beam.score = candidates[order[rank]];
            beam.steps = live[r].steps;
            beam.steps.push_back(stepOf(r, id));
            next.push_back(std::move(beam));
            parents.push_back(static_cast<int64_t>(r));
        }
        // Done once no live beam can beat the worst kept hypothesis.
        done = finished.size() >= width
            && worst >= normalise(candidates[order.front()], static_cast<size_t>(step + 1));
        source.reorder(parents);
        live = std::move(next);
    }
    if (!done) {
        for (Beam& beam : live) {
            if (!beam.steps.empty()) {
                addHypothesis(beam.score, std::move(beam.steps));
            }
        }
    }
    if (finished.empty()) {
        return {};
    }
    // The best; among equal scores the last kept, as the reference's stable sort has it.
    size_t best = 0;
    for (size_t i = 1; i < finished.size(); ++i) {
        if (finished[i].score >= finished[best].score) {
            best = i;
        }
    }
    if (reason != "cancelled" && eos >= 0 && finished[best].steps.back().id == eos) {
        reason = "eos";
    }
    return std::move(finished[best].steps);
}

} // namespace

GenerateResult generate(Model& model, const std::string& prompt, const GenerateConfig& config,
                        const RunControl& control,
                        const std::function<void(const GenerateStep&)>& onStep)
{
    requireGenerator(model.info()); // before the tokenizer: the likelier mistake
    if (model.tokenizer() == nullptr) {
        throw Error(ErrorKind::InvalidInput,
                    "the model folder has no tokenizer, so Lumen cannot read the prompt. Add the "
                    "tokenizer files to the folder.");
    }
    const ModelInput input = model.prepare({ prompt }); // throws for an empty prompt
    return generateFromIds(model, input.inputIds.data, config, control, onStep);
}

GenerateResult generateFromIds(Model& model, const std::vector<int64_t>& promptIds,
                               const GenerateConfig& config, const RunControl& control,
                               const std::function<void(const GenerateStep&)>& onStep)
{
    const auto start = std::chrono::steady_clock::now();
    const ModelInfo& info = model.info();
    requireGenerator(info);
    if (config.maxNewTokens < 1 || !(config.temperature > 0.0) || !(config.topP > 0.0)
        || config.topP > 1.0 || config.topK < 0 || !(config.repetitionPenalty > 0.0)
        || config.beams < 1) {
        throw Error(ErrorKind::InvalidInput,
                    "generation settings out of range: max new tokens >= 1, temperature > 0, "
                    "top-p in (0, 1], top-k >= 0, repetition penalty > 0 and beams >= 1.");
    }
    if (config.beams > 1 && config.sample) {
        throw Error(ErrorKind::InvalidInput,
                    "beam search keeps the most probable sequences and samples nothing: choose "
                    "either sampling or beams, not both.");
    }
    if (promptIds.empty()) {
        throw Error(ErrorKind::InvalidInput, "the prompt is empty.");
    }
    for (const int64_t id : promptIds) {
        if (id < 0 || id >= info.vocabSize) {
            throw Error(ErrorKind::InvalidInput,
                        "token id " + std::to_string(id) + " is outside the vocabulary (0.."
                            + std::to_string(info.vocabSize - 1) + ").");
        }
    }
    const Tokenizer* tokenizer = model.tokenizer();
    const std::function<std::string(int64_t)> tokenOf = [tokenizer](int64_t id) {
        return tokenizer != nullptr ? tokenizer->idToToken(id) : std::string();
    };
    GenerateResult result;
    result.promptIds = promptIds;
    Architecture& arch = ModelInternals::architecture(model);
    // A decoder reads prompt + new tokens in one window; an encoder-decoder's decoder starts
    // afresh from its start token (its relative positions have no limit).
    const int64_t limit = info.isEncoderDecoder ? 0 : info.maxPositions;
    if (limit > 0 && static_cast<int64_t>(result.promptIds.size()) + config.maxNewTokens > limit) {
        const int64_t room = std::max<int64_t>(1, limit - config.maxNewTokens);
        if (static_cast<int64_t>(result.promptIds.size()) > room) {
            result.promptIds.erase(result.promptIds.begin(),
                                   result.promptIds.end() - static_cast<std::ptrdiff_t>(room));
            result.promptTruncated = true;
        }
    }
    const int64_t maxNew = limit > 0
        ? std::min<int64_t>(config.maxNewTokens, limit - static_cast<int64_t>(result.promptIds.size()))
        : config.maxNewTokens;

    torch::InferenceMode inferenceMode;
    const torch::Device device = ModelInternals::device(model);
    const int64_t eos = tokenizer != nullptr && tokenizer->specialTokens().eos
        ? *tokenizer->specialTokens().eos
        : -1; // none: only the length ends it
    std::unique_ptr<NextTokenSource> source;
    std::vector<int64_t> prefix; ///< what the decoder reads before the new tokens
    if (info.isEncoderDecoder) {
        source = std::make_unique<Seq2SeqSource>(arch, device, result.promptIds, control);
        prefix = { arch.decoderStartTokenId() };
    } else {
        source = std::make_unique<DecoderSource>(arch, device, config.useCache, control);
        prefix = result.promptIds;
    }
    // The prompt's last few tokens are enough to decode the new ones as they continue it
    // (the boundary space, a character split across tokens); not the whole prompt each step.
    constexpr size_t kPromptTail = 8;
    const size_t tail = std::min(kPromptTail, result.promptIds.size());
    Transcript transcript(result, tokenizer, eos, config.stopStrings, onStep,
                          info.isEncoderDecoder ? std::vector<int64_t> {}
                                                : std::vector<int64_t>(result.promptIds.end() - static_cast<std::ptrdiff_t>(tail),
                                                                       result.promptIds.end()));
    result.stopReason = "length";

    if (config.beams > 1) {
        std::string reason;
        std::vector<GenerateStep> steps =
            beamSearch(*source, prefix, maxNew, eos, config, tokenOf, control, reason);
        result.stopReason = reason;
        for (GenerateStep& s : steps) {
            const std::string stop = transcript.push(std::move(s));
            if (stop == "stop-string") {
                result.stopReason = stop;
                break;
            }
        }
    } else {
        std::mt19937_64 rng(config.seed);
        std::vector<std::vector<int64_t>> rows { prefix };
        for (int64_t step = 0; step < maxNew; ++step) {
            if (control.cancelled()) {
                result.stopReason = "cancelled";
                break;
            }
            const torch::Tensor last = source->next(rows);
            if (!last.defined()) {
                result.stopReason = "cancelled";
                break;
            }
            const float* logits = last.data_ptr<float>();
            const auto vocab = static_cast<size_t>(last.size(1));
            const detail::TokenDistribution distribution(logits, vocab); // the model's, temperature 1
            int64_t chosen = 0;
            if (config.sample || config.repetitionPenalty != 1.0) {
                std::vector<float> processed(logits, logits + vocab);
                penalise(processed, rows.front(), config.repetitionPenalty);
                chosen = config.sample
                    ? drawToken(processed, config, rng)
                    : static_cast<int64_t>(std::max_element(processed.begin(), processed.end()) - processed.begin());
            } else {
                chosen = static_cast<int64_t>(std::max_element(logits, logits + vocab) - logits);
            }
            GenerateStep s;
            s.id = chosen;
            s.token = tokenOf(chosen);
            s.probability = distribution.probability(chosen);
            s.logit = logits[chosen];
            for (const int64_t other : distribution.top(config.alternatives)) {
                s.top.push_back({ other, tokenOf(other), distribution.probability(other) });
            }
            rows.front().push_back(chosen);
            const std::string stop = transcript.push(std::move(s));
            if (!stop.empty()) {
                result.stopReason = stop;
                break;
            }
        }
    }
    result.elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace lumen::engine
