// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/compare.h"

#include "lumen/engine/bench.h"
#include "lumen/engine/error.h"
#include "lumen/engine/receptive_field.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace lumen::engine {

namespace {

/// The byte offset where each code point of `text` starts (and text.size() at the end), and
/// whether it is white space.
struct CodePoints {
    std::vector<size_t> bytes;
    std::vector<bool> space;
};

CodePoints codePoints(const std::string& text)
{
    CodePoints cp;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) == 0x80) {
            continue;
        }
        cp.bytes.push_back(i);
        // ASCII white space and the common Unicode spaces (NBSP, U+2000..U+200A, ideographic).
        bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
            ws = true;
        }
        if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80
            && static_cast<unsigned char>(text[i + 2]) <= 0x8A) {
            ws = true;
        }
        if (c == 0xE3 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80
            && static_cast<unsigned char>(text[i + 2]) == 0x80) {
            ws = true;
        }
        cp.space.push_back(ws);
    }
    cp.bytes.push_back(text.size());
    return cp;
}

std::string trimmed(std::string s)
{
    const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
    s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
    return s;
}

std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"); -1 where there is none.
int64_t statusBytes(const std::string& field)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            std::istringstream value(line.substr(field.size() + 1));
            int64_t kb = -1;
            value >> kb;
            return kb < 0 ? -1 : kb * 1024;
        }
    }
    return -1;
}

/// Resets the peak resident size to the current one (Linux >= 4.0); false where it cannot.
bool resetPeakMemory()
{
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
    out.flush();
    return static_cast<bool>(out);
}

/// A prediction with its whole distribution, for the divergences.
struct Distribution {
    std::vector<double> probs; ///< over the vocabulary, or the classes
    bool overVocabulary = false;
    const Tokenizer* tokenizer = nullptr;
    std::vector<std::string> labels;
};

std::vector<int64_t> topIds(const std::vector<double>& p, size_t k)
{
    std::vector<int64_t> ids(p.size());
    std::iota(ids.begin(), ids.end(), int64_t { 0 });
    k = std::min(k, ids.size());
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
        [&p](int64_t a, int64_t b) { return p[static_cast<size_t>(a)] > p[static_cast<size_t>(b)]; });
    ids.resize(k);
    return ids;
}

/// The most probable words of a vocabulary distribution: tokens that read the same once
/// trimmed ("Ġparis", "paris") are one word, their probabilities summed.
std::map<std::string, double> wordMass(const Distribution& d, size_t ids)
{
    std::map<std::string, double> mass;
    for (const int64_t id : topIds(d.probs, ids)) {
        mass[lowered(trimmed(d.tokenizer->decode({ id }, /*skipSpecial=*/false)))] += d.probs[static_cast<size_t>(id)];
    }
    return mass;
}

bool sameVocabulary(const Tokenizer& a, const Tokenizer& b)
{
    if (a.vocabSize() != b.vocabSize() || a.kind() != b.kind()) {
        return false;
    }
    for (int64_t id = 0; id < a.vocabSize(); ++id) {
        if (a.idToToken(id) != b.idToToken(id)) {
            return false;
        }
    }
    return true;
}

std::vector<double> softmax(const float* logits, size_t n)
{
    std::vector<double> p(n);
    double top = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < n; ++i) {
        top = std::max(top, static_cast<double>(logits[i]));
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        p[i] = std::exp(static_cast<double>(logits[i]) - top);
        sum += p[i];
    }
    for (double& v : p) {
        v /= sum;
    }
    return p;
}

/// `text` with "[MASK]" and "<mask>" written as this tokenizer's own mask token.
std::string withOwnMask(std::string text, const Tokenizer& tokenizer)
{
    const auto mask = tokenizer.specialTokens().mask;
    if (!mask) {
        return text;
    }
    const std::string own = tokenizer.idToToken(*mask);
    for (const std::string marker : { "[MASK]", "<mask>" }) {
        if (marker == own) {
            continue;
        }
        for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + own.size())) {
            text.replace(at, marker.size(), own);
        }
    }
    return text;
}

bool hasMaskMarker(const std::string& text)
{
    return text.find("[MASK]") != std::string::npos || text.find("<mask>") != std::string::npos;
}

} // namespace

TokenAlignment alignTokens(const std::string& text, const std::vector<Encoding>& encodings)
{
    const CodePoints cp = codePoints(text);
    const auto length = static_cast<int64_t>(cp.space.size());
    const size_t models = encodings.size();
    TokenAlignment out;
    out.unaligned.resize(models);
    // Each token's span, trimmed of white space; empty spans belong to no span.
    std::vector<std::vector<std::pair<int64_t, int64_t>>> spans(models);
    std::set<int64_t> candidates;
    for (size_t m = 0; m < models; ++m) {
        const Encoding& e = encodings[m];
        spans[m].resize(e.size(), { -1, -1 });
        for (size_t t = 0; t < e.size(); ++t) {
            int64_t a = std::clamp<int64_t>(e.offsets[t].first, 0, length);
            int64_t b = std::clamp<int64_t>(e.offsets[t].second, 0, length);
            // Special tokens with a place in the text ([MASK]) align; [CLS], </s> have none.
            while (a < b && cp.space[static_cast<size_t>(a)]) {
                ++a;
            }
            while (b > a && cp.space[static_cast<size_t>(b - 1)]) {
                --b;
            }
            if (a >= b) {
                out.unaligned[m].push_back(static_cast<int64_t>(t));
                continue;
            }
            spans[m][t] = { a, b };
            candidates.insert(a);
            candidates.insert(b);
        }
    }
    // A cut is a place no token of any model crosses.
    const auto crossed = [&](int64_t x) {
        for (size_t m = 0; m < models; ++m) {
            for (const auto& [a, b] : spans[m]) {
                if (a >= 0 && a < x && x < b) {
                    return true;
                }
            }
        }
        return false;
    };
    std::vector<int64_t> cuts;
    for (const int64_t x : candidates) {
        if (!crossed(x)) {
            cuts.push_back(x);
        }
    }
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
        AlignedSpan s;
        s.begin = cuts[c];
        s.end = cuts[c + 1];
        s.tokens.resize(models);
        bool any = false;
        std::vector<std::vector<std::pair<int64_t, int64_t>>> pieces(models);
        for (size_t m = 0; m < models; ++m) {
            for (size_t t = 0; t < spans[m].size(); ++t) {
                const auto [a, b] = spans[m][t];
                if (a >= s.begin && b <= s.end && a >= 0) {
                    s.tokens[m].push_back(static_cast<int64_t>(t));
                    pieces[m].push_back({ a, b });
                    any = true;
                }
            }
        }
        if (!any) {
            continue; // white space between words
        }
        for (size_t m = 1; m < models; ++m) {
            s.differs = s.differs || pieces[m] != pieces[0];
        }
        s.text = text.substr(cp.bytes[static_cast<size_t>(s.begin)], cp.bytes[static_cast<size_t>(s.end)] - cp.bytes[static_cast<size_t>(s.begin)]);
        out.spans.push_back(std::move(s));
    }
    return out;
}

std::vector<float> attentionOnSpans(const std::vector<float>& map, int64_t tokens, const TokenAlignment& alignment,
                                    size_t model)
{
    const size_t spans = alignment.spans.size();
    std::vector<float> out(spans * spans, 0.0f);
    const auto t = static_cast<size_t>(tokens);
    if (map.size() != t * t) {
        throw Error(ErrorKind::Internal, "an attention map of " + std::to_string(map.size()) + " values for "
                                             + std::to_string(tokens) + " tokens.");
    }
    for (size_t qs = 0; qs < spans; ++qs) {
        const std::vector<int64_t>& queries = alignment.spans[qs].tokens.at(model);
        if (queries.empty()) {
            continue;
        }
        for (size_t ks = 0; ks < spans; ++ks) {
            double sum = 0.0;
            for (const int64_t q : queries) {
                for (const int64_t k : alignment.spans[ks].tokens.at(model)) {
                    sum += map[static_cast<size_t>(q) * t + static_cast<size_t>(k)];
                }
            }
            out[qs * spans + ks] = static_cast<float>(sum / static_cast<double>(queries.size()));
        }
    }
    return out;
}

int64_t layerAtRelativeDepth(int64_t layer, int64_t layersA, int64_t layersB)
{
    if (layersA <= 0 || layersB <= 0) {
        return 0;
    }
    layer = std::clamp<int64_t>(layer, 0, layersA - 1);
    // Integer form of ceil((layer + 1) * B / A) - 1.
    const int64_t mapped = ((layer + 1) * layersB + layersA - 1) / layersA - 1;
    return std::clamp<int64_t>(mapped, 0, layersB - 1);
}

double klDivergence(const std::vector<double>& p, const std::vector<double>& q)
{
    double kl = 0.0;
    for (size_t i = 0; i < p.size() && i < q.size(); ++i) {
        if (p[i] > 0.0) {
            kl += p[i] * (std::log(p[i]) - std::log(std::max(q[i], 1e-12)));
        }
    }
    return std::max(0.0, kl);
}

int64_t positionAtRelative(double relative, int64_t tokens)
{
    if (tokens <= 0) {
        return 0;
    }
    const double r = std::isfinite(relative) ? std::clamp(relative, 0.0, 1.0) : 0.5;
    return std::clamp<int64_t>(std::llround(r * static_cast<double>(tokens - 1)), 0, tokens - 1);
}

namespace {
EffectiveContext contextOfIds(Model& model, const std::vector<int64_t>& ids, double relative)
{
    EffectiveContext context;
    try {
        GradientFieldConfig field;
        field.position = positionAtRelative(relative, static_cast<int64_t>(ids.size()));
        const GradientField g = gradientReceptiveFieldFromIds(model, ids, field);
        context.position = g.position;
        context.withinDistance = g.withinDistance;
    } catch (const Error& e) {
        context.why = e.what();
    }
    return context;
}
} // namespace

namespace {
/// The model's input: its own mask token where the text says [MASK] or <mask>; a pair when
/// there is one.
ModelInput prepareOwn(const Model& model, const std::string& text, const std::string& pair)
{
    const Tokenizer& tokenizer = *model.tokenizer();
    const auto own = [&](const std::string& t) { return hasMaskMarker(t) ? withOwnMask(t, tokenizer) : t; };
    return pair.empty() ? model.prepare({ own(text) }) : model.preparePair(own(text), own(pair));
}

/// A pair's encoding with the second segment's offsets moved past "text\n", so that one
/// alignment runs over both (the segment starts where the offsets go back).
Encoding joinedOffsets(Encoding e, const std::string& text)
{
    const auto shift = static_cast<int64_t>(codePoints(text).space.size()) + 1;
    int64_t lastEnd = -1;
    bool second = false;
    for (size_t t = 0; t < e.size(); ++t) {
        auto& [a, b] = e.offsets[t];
        if (b <= a) {
            continue; // [CLS], [SEP]: no place in the text
        }
        second = second || a < lastEnd;
        lastEnd = b;
        if (second) {
            a += shift;
            b += shift;
        }
    }
    return e;
}
} // namespace

std::string alignedText(const CompareConfig& config)
{
    return config.pair.empty() ? config.text : config.text + "\n" + config.pair;
}

EffectiveContext effectiveContextAt(Model& model, const std::string& text, double relative, const std::string& pair)
{
    if (model.tokenizer() == nullptr) {
        EffectiveContext none;
        none.why = model.info().dir + " has no tokenizer files, so it cannot read the text.";
        return none;
    }
    return contextOfIds(model, prepareOwn(model, text, pair).encodings.front().ids, relative);
}

CompareResult compareModels(const std::vector<Model*>& models, const CompareConfig& config, const RunControl& control)
{
    if (models.size() < 2 || models.size() > 4) {
        throw Error(ErrorKind::InvalidInput, "compare two to four models (" + std::to_string(models.size()) + " given).");
    }
    if (trimmed(config.text).empty()) {
        throw Error(ErrorKind::InvalidInput, "the text to compare the models on is empty. Type a sentence.");
    }
    for (const Model* m : models) {
        if (m == nullptr || m->tokenizer() == nullptr) {
            throw Error(ErrorKind::InvalidInput, (m ? m->info().dir : std::string("a model"))
                                                     + " has no tokenizer files, so it cannot read the text.");
        }
    }
    CompareResult result;
    const size_t n = models.size();
    std::vector<Encoding> plainEncodings;
    std::vector<Distribution> dists(n);
    const bool masked = hasMaskMarker(config.text) || hasMaskMarker(config.pair);
    for (size_t m = 0; m < n; ++m) {
        if (control.cancelled()) {
            result.status = JobStatus::Cancelled;
            return result;
        }
        control.report(static_cast<double>(m) / static_cast<double>(n), "model " + std::to_string(m + 1));
        Model& model = *models[m];
        const Tokenizer& tokenizer = *model.tokenizer();
        const ModelInfo& info = model.info();
        // The text as the model reads it (its own mask token where the text has a marker).
        const ModelInput input = prepareOwn(model, config.text, config.pair);
        const Encoding& encoding = input.encodings.front();
        // The alignment reads the tokens the model saw. "[MASK]" and "<mask>" are both six
        // characters, so the offsets of the model's own text are those of the user's.
        plainEncodings.push_back(config.pair.empty() ? encoding : joinedOffsets(encoding, config.text));
        result.tokens.push_back(encoding.tokens);

        ModelPrediction prediction;
        Distribution& dist = dists[m];
        dist.tokenizer = &tokenizer;
        const bool lm = info.headKind == "masked-lm" || info.headKind == "pretraining";
        if (info.isEncoderDecoder) {
            prediction.why = "an encoder-decoder model: what it predicts depends on a target text";
        } else if (lm && !masked) {
            prediction.why = "the text has no [MASK] to fill";
        } else if (!lm && info.headKind != "causal-lm" && info.headKind != "sequence-classification") {
            prediction.why = "its head (" + info.headKind + ") predicts no tokens or classes";
        }
        ForwardResult forward;
        TraceRequest trace;
        trace.attentions = config.attention;
        if (prediction.why.empty() || info.isEncoderDecoder || config.attention) {
            forward = model.forward(input, trace, control);
            if (forward.status == JobStatus::Cancelled) {
                result.status = JobStatus::Cancelled;
                return result;
            }
        }
        if (prediction.why.empty() && forward.logits.data.empty()) {
            prediction.why = "the model gave no logits";
        }
        if (prediction.why.empty()) {
            const FloatTensor& logits = forward.logits;
            if (info.headKind == "sequence-classification") {
                prediction.kind = "classes";
                const auto classes = static_cast<size_t>(logits.shape.back());
                dist.probs = softmax(logits.data.data(), classes);
                dist.labels = info.labels;
            } else {
                const auto vocab = static_cast<size_t>(logits.shape.back());
                int64_t position = -1;
                if (lm) {
                    const auto maskId = tokenizer.specialTokens().mask;
                    for (size_t t = 0; t < encoding.size() && maskId; ++t) {
                        if (encoding.ids[t] == *maskId) {
                            position = static_cast<int64_t>(t);
                            break;
                        }
                    }
                    prediction.kind = "fill-mask";
                } else {
                    position = static_cast<int64_t>(encoding.size()) - 1;
                    prediction.kind = "next-token";
                }
                if (position < 0) {
                    prediction.kind.clear();
                    prediction.why = "its tokenizer has no mask token";
                } else {
                    dist.probs = softmax(logits.data.data() + static_cast<size_t>(position) * vocab, vocab);
                    dist.overVocabulary = true;
                }
            }
        }
        if (!prediction.kind.empty()) {
            if (dist.overVocabulary) {
                // The best words (tokens reading alike merged), best first.
                std::vector<std::pair<std::string, double>> words;
                for (const auto& [word, p] : wordMass(dist, static_cast<size_t>(std::max<int64_t>(config.topK * 4, 50)))) {
                    words.emplace_back(word, p);
                }
                std::sort(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
                for (size_t i = 0; i < words.size() && static_cast<int64_t>(i) < config.topK; ++i) {
                    prediction.top.push_back({ words[i].first, words[i].second });
                }
            } else {
                for (const int64_t id : topIds(dist.probs, static_cast<size_t>(config.topK))) {
                    prediction.top.push_back({ dist.labels[static_cast<size_t>(id)], dist.probs[static_cast<size_t>(id)] });
                }
            }
        }
        result.predictions.push_back(prediction);
        if (config.attention) {
            ModelAttention att;
            att.causal = info.isCausal;
            att.tokens = static_cast<int64_t>(encoding.size());
            for (const FloatTensor& layer : forward.trace.attentions) {
                // [1, heads, query, key] of a batch of one.
                if (layer.shape.size() == 4 && layer.shape[2] == att.tokens && layer.shape[3] == att.tokens) {
                    att.heads = layer.shape[1];
                    att.layers.push_back(layer.data);
                }
            }
            result.attentions.push_back(std::move(att));
        }

        if (config.effectiveContext) {
            result.contexts.push_back(contextOfIds(model, encoding.ids, config.contextPosition));
        }
        ModelFacts f;
        f.dir = info.dir;
        f.modelType = info.modelType;
        f.architecture = info.architecture;
        f.headKind = info.headKind;
        f.layers = info.numLayers;
        f.hidden = info.hiddenSize;
        f.heads = info.numHeads;
        f.parameters = info.parameterCount;
        f.parametersPerForward = info.parametersPerForward > 0 ? info.parametersPerForward : info.parameterCount;
        f.weightBytes = info.parameterCount * (info.dtype == "float32" ? 4 : info.dtype == "float64" ? 8 : 2);
        f.tokens = static_cast<int64_t>(encoding.size());
        f.flops = forwardFlops(model, f.tokens);
        if (config.repeats > 0 && model.info().device == "cpu" && resetPeakMemory()) {
            // The peak one pass adds over what is resident before it (the model's weights and
            // LibTorch's pools included in the baseline).
            const int64_t before = statusBytes("VmRSS");
            const ForwardResult measured = model.forward(input, {}, control);
            const int64_t peak = statusBytes("VmHWM");
            if (measured.status == JobStatus::Cancelled) {
                result.status = JobStatus::Cancelled;
                return result;
            }
            if (before >= 0 && peak >= before) {
                f.peakBytes = peak - before;
            }
        }
        std::vector<double> times;
        for (int r = 0; r < config.repeats; ++r) {
            const auto start = std::chrono::steady_clock::now();
            const ForwardResult timed = model.forward(input, {}, control);
            if (timed.status == JobStatus::Cancelled) {
                result.status = JobStatus::Cancelled;
                return result;
            }
            times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
        if (!times.empty()) {
            std::sort(times.begin(), times.end());
            f.latencyMs = times[times.size() / 2];
        }
        result.facts.push_back(f);
    }
    result.alignment = alignTokens(alignedText(config), plainEncodings);

    // Pairwise: KL divergence and top-1 agreement where two models predict the same thing.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    result.kl.assign(n, std::vector<double>(n, nan));
    result.top1.assign(n, std::vector<int>(n, -1));
    int pairs = 0;
    int agreeing = 0;
    // Each model's word masses and each pair's vocabulary check, computed once for the
    // divergences and the difference below (decoding a thousand tokens, comparing whole
    // vocabularies).
    std::vector<std::optional<std::map<std::string, double>>> masses(n);
    const auto massOf = [&](size_t m) -> const std::map<std::string, double>& {
        if (!masses[m]) {
            masses[m] = wordMass(dists[m], 1000);
        }
        return *masses[m];
    };
    std::map<std::pair<size_t, size_t>, bool> shared;
    const auto sharesVocabulary = [&](size_t a, size_t b) {
        if (a == b || dists[a].tokenizer == dists[b].tokenizer) {
            return true;
        }
        const std::pair<size_t, size_t> key = std::minmax(a, b);
        const auto it = shared.find(key);
        if (it != shared.end()) {
            return it->second;
        }
        return shared[key] = sameVocabulary(*dists[a].tokenizer, *dists[b].tokenizer);
    };
    for (size_t a = 0; a < n; ++a) {
        for (size_t b = 0; b < n; ++b) {
            const ModelPrediction& pa = result.predictions[a];
            const ModelPrediction& pb = result.predictions[b];
            if (pa.kind.empty() || pa.kind != pb.kind || (pa.kind == "classes" && dists[a].labels != dists[b].labels)) {
                continue;
            }
            const Distribution& da = dists[a];
            const Distribution& db = dists[b];
            if (!da.overVocabulary) {
                result.kl[a][b] = klDivergence(da.probs, db.probs);
            } else if (sharesVocabulary(a, b)) {
                result.kl[a][b] = klDivergence(da.probs, db.probs);
            } else {
                // Over the words either model ranks in its top 50, and "everything else".
                const std::map<std::string, double>& wa = massOf(a);
                const std::map<std::string, double>& wb = massOf(b);
                std::set<std::string> support;
                for (const auto* w : { &wa, &wb }) {
                    std::vector<std::pair<double, std::string>> best;
                    for (const auto& [word, p] : *w) {
                        best.emplace_back(p, word);
                    }
                    std::sort(best.rbegin(), best.rend());
                    for (size_t i = 0; i < best.size() && i < 50; ++i) {
                        support.insert(best[i].second);
                    }
                }
                std::vector<double> p;
                std::vector<double> q;
                for (const std::string& word : support) {
                    const auto ia = wa.find(word);
                    const auto ib = wb.find(word);
                    p.push_back(ia != wa.end() ? ia->second : 0.0);
                    q.push_back(ib != wb.end() ? ib->second : 0.0);
                }
                p.push_back(std::max(0.0, 1.0 - std::accumulate(p.begin(), p.end(), 0.0)));
                q.push_back(std::max(0.0, 1.0 - std::accumulate(q.begin(), q.end(), 0.0)));
                result.kl[a][b] = klDivergence(p, q);
            }
            const bool same = !pa.top.empty() && !pb.top.empty() && lowered(pa.top[0].text) == lowered(pb.top[0].text);
            result.top1[a][b] = same ? 1 : 0;
            if (a < b) {
                ++pairs;
                agreeing += same ? 1 : 0;
            }
        }
    }
    result.top1Agreement = pairs > 0 ? static_cast<double>(agreeing) / pairs : nan;

    // Where models 1 and 2 differ most.
    if (std::isfinite(result.kl[0][1])) {
        const Distribution& da = dists[0];
        const Distribution& db = dists[1];
        std::vector<CompareResult::Difference> all;
        if (!da.overVocabulary) {
            for (size_t c = 0; c < da.probs.size(); ++c) {
                all.push_back({ da.labels[c], da.probs[c], db.probs[c] });
            }
        } else if (sharesVocabulary(0, 1)) {
            // The tokens either model ranks high, with their exact probabilities in both.
            std::set<int64_t> ids;
            for (const auto* d : { &da, &db }) {
                for (const int64_t id : topIds(d->probs, 200)) {
                    ids.insert(id);
                }
            }
            std::map<std::string, CompareResult::Difference> merged;
            for (const int64_t id : ids) {
                const std::string word = lowered(trimmed(da.tokenizer->decode({ id }, false)));
                auto& entry = merged[word];
                entry.text = word;
                entry.first += da.probs[static_cast<size_t>(id)];
                entry.second += db.probs[static_cast<size_t>(id)];
            }
            for (const auto& [word, d] : merged) {
                all.push_back(d);
            }
        } else {
            const std::map<std::string, double>& wa = massOf(0);
            const std::map<std::string, double>& wb = massOf(1);
            std::map<std::string, CompareResult::Difference> merged;
            for (const auto& [word, p] : wa) {
                merged[word] = { word, p, 0.0 };
            }
            for (const auto& [word, p] : wb) {
                auto& entry = merged[word];
                entry.text = word;
                entry.second = p;
            }
            for (const auto& [word, d] : merged) {
                all.push_back(d);
            }
        }
        std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
            return std::abs(x.first - x.second) > std::abs(y.first - y.second);
        });
        all.resize(std::min(all.size(), static_cast<size_t>(std::max<int64_t>(1, config.topK))));
        result.difference = std::move(all);
    }
    control.report(1.0, "compared");
    return result;
}

} // namespace lumen::engine

#include <nlohmann/json.hpp>

namespace lumen::engine {

namespace {
using Json = nlohmann::json;

Json numberOrNull(double v)
{
    return std::isfinite(v) ? Json(v) : Json(nullptr);
}

double numberFrom(const Json& j)
{
    return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}
} // namespace

std::string compareResultToJson(const CompareResult& r, const CompareConfig& config)
{
    Json j = Json::object();
    j["format"] = "lumen-compare-1";
    j["text"] = config.text;
    if (!config.pair.empty()) {
        j["pair"] = config.pair;
    }
    j["top_k"] = config.topK;
    j["context_position"] = config.contextPosition;
    Json models = Json::array();
    for (size_t m = 0; m < r.facts.size(); ++m) {
        const ModelFacts& f = r.facts[m];
        Json top = Json::array();
        for (const PredictionCandidate& c : r.predictions.at(m).top) {
            top.push_back({ { "text", c.text }, { "probability", c.probability } });
        }
        models.push_back({ { "dir", f.dir }, { "model_type", f.modelType }, { "architecture", f.architecture },
            { "head", f.headKind }, { "layers", f.layers }, { "hidden", f.hidden }, { "heads", f.heads },
            { "parameters", f.parameters }, { "parameters_per_forward", f.parametersPerForward },
            { "weight_bytes", f.weightBytes }, { "tokens_count", f.tokens }, { "flops", f.flops },
            { "latency_ms", f.latencyMs }, { "peak_bytes", f.peakBytes }, { "tokens", r.tokens.at(m) },
            { "prediction", { { "kind", r.predictions[m].kind }, { "why", r.predictions[m].why }, { "top", top } } } });
    }
    j["models"] = models;
    Json spans = Json::array();
    for (const AlignedSpan& s : r.alignment.spans) {
        spans.push_back({ { "begin", s.begin }, { "end", s.end }, { "text", s.text }, { "tokens", s.tokens }, { "differs", s.differs } });
    }
    j["alignment"] = { { "spans", spans }, { "unaligned", r.alignment.unaligned } };
    Json kl = Json::array();
    for (const auto& row : r.kl) {
        Json out = Json::array();
        for (const double v : row) {
            out.push_back(numberOrNull(v));
        }
        kl.push_back(out);
    }
    j["kl"] = kl;
    if (!r.attentions.empty()) {
        Json attentions = Json::array();
        for (const ModelAttention& a : r.attentions) {
            attentions.push_back({ { "heads", a.heads }, { "tokens", a.tokens }, { "causal", a.causal }, { "layers", a.layers } });
        }
        j["attentions"] = attentions;
    }
    if (!r.contexts.empty()) {
        Json contexts = Json::array();
        for (const EffectiveContext& c : r.contexts) {
            contexts.push_back({ { "position", c.position }, { "within_distance", c.withinDistance }, { "why", c.why } });
        }
        j["contexts"] = contexts;
    }
    if (!r.difference.empty()) {
        Json difference = Json::array();
        for (const auto& d : r.difference) {
            difference.push_back({ { "text", d.text }, { "first", d.first }, { "second", d.second } });
        }
        j["difference"] = difference;
    }
    j["top1"] = r.top1;
    j["top1_agreement"] = numberOrNull(r.top1Agreement);
    return j.dump(2) + "\n";
}

CompareResult compareResultFromJson(const std::string& json, CompareConfig* config)
{
    Json j;
    try {
        j = Json::parse(json);
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the comparison file is not valid JSON: ") + e.what());
    }
    try {
        if (j.value("format", std::string()) != "lumen-compare-1") {
            throw Error(ErrorKind::InvalidInput, "the comparison file is not in Lumen's format lumen-compare-1.");
        }
        if (config != nullptr) {
            config->text = j.at("text").get<std::string>();
            config->pair = j.value("pair", std::string());
            config->topK = j.value("top_k", config->topK);
            config->contextPosition = j.value("context_position", 0.5);
        }
        CompareResult r;
        for (const Json& m : j.at("models")) {
            ModelFacts f;
            f.dir = m.at("dir").get<std::string>();
            f.modelType = m.value("model_type", std::string());
            f.architecture = m.value("architecture", std::string());
            f.headKind = m.value("head", std::string());
            f.layers = m.value("layers", int64_t { 0 });
            f.hidden = m.value("hidden", int64_t { 0 });
            f.heads = m.value("heads", int64_t { 0 });
            f.parameters = m.value("parameters", int64_t { 0 });
            f.parametersPerForward = m.value("parameters_per_forward", int64_t { 0 });
            f.weightBytes = m.value("weight_bytes", int64_t { 0 });
            f.tokens = m.value("tokens_count", int64_t { 0 });
            f.flops = m.value("flops", 0.0);
            f.latencyMs = m.value("latency_ms", 0.0);
            f.peakBytes = m.value("peak_bytes", int64_t { -1 });
            r.facts.push_back(f);
            r.tokens.push_back(m.at("tokens").get<std::vector<std::string>>());
            ModelPrediction p;
            const Json& pj = m.at("prediction");
            p.kind = pj.value("kind", std::string());
            p.why = pj.value("why", std::string());
            for (const Json& c : pj.value("top", Json::array())) {
                p.top.push_back({ c.at("text").get<std::string>(), c.at("probability").get<double>() });
            }
            r.predictions.push_back(p);
        }
        for (const Json& s : j.at("alignment").at("spans")) {
            AlignedSpan span;
            span.begin = s.at("begin").get<int64_t>();
            span.end = s.at("end").get<int64_t>();
            span.text = s.at("text").get<std::string>();
            span.tokens = s.at("tokens").get<std::vector<std::vector<int64_t>>>();
            span.differs = s.at("differs").get<bool>();
            r.alignment.spans.push_back(span);
        }
        r.alignment.unaligned = j.at("alignment").at("unaligned").get<std::vector<std::vector<int64_t>>>();
        for (const Json& row : j.at("kl")) {
            std::vector<double> out;
            for (const Json& v : row) {
                out.push_back(numberFrom(v));
            }
            r.kl.push_back(out);
        }
        r.top1 = j.at("top1").get<std::vector<std::vector<int>>>();
        for (const Json& d : j.value("difference", Json::array())) {
            r.difference.push_back({ d.at("text").get<std::string>(), d.at("first").get<double>(), d.at("second").get<double>() });
        }
        for (const Json& c : j.value("contexts", Json::array())) {
            r.contexts.push_back({ c.at("position").get<int64_t>(), c.at("within_distance").get<std::vector<double>>(),
                c.value("why", std::string()) });
        }
        for (const Json& a : j.value("attentions", Json::array())) {
            ModelAttention att;
            att.heads = a.at("heads").get<int64_t>();
            att.tokens = a.at("tokens").get<int64_t>();
            att.causal = a.value("causal", false);
            att.layers = a.at("layers").get<std::vector<std::vector<float>>>();
            for (const auto& layer : att.layers) {
                if (static_cast<int64_t>(layer.size()) != att.heads * att.tokens * att.tokens) {
                    throw Error(ErrorKind::InvalidInput, "an attention layer in the comparison file has the wrong size.");
                }
            }
            r.attentions.push_back(std::move(att));
        }
        r.top1Agreement = numberFrom(j.at("top1_agreement"));
        if (r.kl.size() != r.facts.size() || r.top1.size() != r.facts.size()) {
            throw Error(ErrorKind::InvalidInput, "the comparison file's tables do not match its " + std::to_string(r.facts.size()) + " models.");
        }
        return r;
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the comparison file is malformed: ") + e.what());
    }
}

} // namespace lumen::engine

namespace lumen::engine {

DatasetComparison compareOnDataset(const std::vector<Model*>& models, const DatasetCompareConfig& config,
                                   const RunControl& control,
                                   const std::function<void(const DatasetExample&, int64_t done, int64_t total)>& each)
{
    if (models.size() < 2 || models.size() > 4) {
        throw Error(ErrorKind::InvalidInput, "compare two to four models (" + std::to_string(models.size()) + " given).");
    }
    DatasetSpec spec = config.data;
    const bool labelled = !spec.labelColumn.empty();
    const DataFormat format = spec.format == DataFormat::Auto ? detectDataFormat(spec.path) : spec.format;
    Dataset data;
    if (format == DataFormat::Text) {
        data = loadDataset(spec, DatasetKind::Text);
    } else {
        // Without labels the text column stands in for the label (read, then ignored).
        if (!labelled) {
            spec.labelColumn = spec.textColumn;
        }
        data = loadDataset(spec, DatasetKind::Classification);
    }
    const size_t n = models.size();
    DatasetComparison out;
    out.total = config.limit > 0 ? std::min<int64_t>(config.limit, static_cast<int64_t>(data.examples.size()))
                                 : static_cast<int64_t>(data.examples.size());
    std::vector<int64_t> right(n, 0);
    int64_t withLabel = 0;
    std::vector<std::vector<int64_t>> agree(n, std::vector<int64_t>(n, 0));
    std::vector<std::vector<int64_t>> both(n, std::vector<int64_t>(n, 0));
    for (int64_t i = 0; i < out.total; ++i) {
        if (control.cancelled()) {
            out.status = JobStatus::Cancelled;
            break;
        }
        const Example& e = data.examples[static_cast<size_t>(i)];
        CompareConfig one;
        one.text = e.text;
        one.topK = config.topK;
        one.repeats = 0;
        const CompareResult r = compareModels(models, one);
        DatasetExample ex;
        ex.index = i;
        ex.line = e.line;
        ex.text = e.text;
        ex.label = labelled && format != DataFormat::Text ? e.label : std::string();
        double sum = 0.0;
        int pairs = 0;
        for (size_t m = 0; m < n; ++m) {
            const ModelPrediction& p = r.predictions[m];
            ex.top1.push_back(p.top.empty() ? std::string() : p.top.front().text);
            ex.top1Probability.push_back(p.top.empty() ? 0.0 : p.top.front().probability);
            if (!ex.label.empty() && !p.top.empty() && lowered(p.top.front().text) == lowered(trimmed(ex.label))) {
                ++right[m];
            }
            for (size_t b = m + 1; b < n; ++b) {
                if (r.top1[m][b] >= 0) {
                    ++both[m][b];
                    agree[m][b] += r.top1[m][b];
                    sum += 0.5 * (r.kl[m][b] + r.kl[b][m]);
                    ++pairs;
                }
            }
        }
        withLabel += ex.label.empty() ? 0 : 1;
        ex.disagreement = pairs > 0 ? sum / pairs : std::numeric_limits<double>::quiet_NaN();
        if (each) {
            each(ex, i + 1, out.total);
        }
        control.report(static_cast<double>(i + 1) / static_cast<double>(std::max<int64_t>(1, out.total)),
            "example " + std::to_string(i + 1));
        out.examples.push_back(std::move(ex));
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (size_t m = 0; m < n; ++m) {
        out.accuracy.push_back(withLabel > 0 ? static_cast<double>(right[m]) / static_cast<double>(withLabel) : nan);
    }
    out.agreement.assign(n, std::vector<double>(n, nan));
    for (size_t a = 0; a < n; ++a) {
        out.agreement[a][a] = 1.0;
        for (size_t b = a + 1; b < n; ++b) {
            if (both[a][b] > 0) {
                out.agreement[a][b] = out.agreement[b][a] = static_cast<double>(agree[a][b]) / static_cast<double>(both[a][b]);
            }
        }
    }
    std::stable_sort(out.examples.begin(), out.examples.end(), [](const DatasetExample& x, const DatasetExample& y) {
        const bool xn = std::isnan(x.disagreement);
        const bool yn = std::isnan(y.disagreement);
        if (xn != yn) {
            return yn; // measured ones first
        }
        return !xn && x.disagreement > y.disagreement;
    });
    return out;
}

} // namespace lumen::engine

namespace lumen::engine {

namespace {
Json parseFormat(const std::string& json, const char* what, const char* format)
{
    Json j;
    try {
        j = Json::parse(json);
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the ") + what + " file is not valid JSON: " + e.what());
    }
    if (!j.is_object() || j.value("format", std::string()) != format) {
        throw Error(ErrorKind::InvalidInput, std::string("the ") + what + " file is not in Lumen's format " + format + ".");
    }
    return j;
}
} // namespace

std::string datasetComparisonToJson(const DatasetComparison& d, const DatasetCompareConfig& config,
                                    const std::vector<std::string>& modelDirs)
{
    Json models = Json::array();
    for (size_t m = 0; m < modelDirs.size(); ++m) {
        models.push_back({ { "dir", modelDirs[m] }, { "accuracy", numberOrNull(m < d.accuracy.size() ? d.accuracy[m] : std::numeric_limits<double>::quiet_NaN()) } });
    }
    Json agreement = Json::array();
    for (const auto& row : d.agreement) {
        Json out = Json::array();
        for (const double v : row) {
            out.push_back(numberOrNull(v));
        }
        agreement.push_back(out);
    }
    Json examples = Json::array();
    for (const DatasetExample& e : d.examples) {
        examples.push_back({ { "index", e.index }, { "line", e.line }, { "text", e.text }, { "label", e.label },
            { "top1", e.top1 }, { "top1_probability", e.top1Probability }, { "disagreement", numberOrNull(e.disagreement) } });
    }
    const Json j { { "format", "lumen-dataset-compare-1" }, { "data", config.data.path },
        { "text_column", config.data.textColumn }, { "label_column", config.data.labelColumn }, { "limit", config.limit },
        { "top_k", config.topK }, { "examples_compared", d.examples.size() }, { "total", d.total },
        { "cancelled", d.status == JobStatus::Cancelled }, { "models", models }, { "agreement", agreement },
        { "examples", examples } };
    return j.dump(2) + "\n";
}

DatasetComparison datasetComparisonFromJson(const std::string& json, DatasetCompareConfig* config,
                                            std::vector<std::string>* modelDirs)
{
    const Json j = parseFormat(json, "dataset comparison", "lumen-dataset-compare-1");
    try {
        DatasetComparison d;
        if (config != nullptr) {
            config->data.path = j.at("data").get<std::string>();
            config->data.textColumn = j.value("text_column", std::string("text"));
            config->data.labelColumn = j.value("label_column", std::string());
            config->limit = j.value("limit", int64_t { 0 });
            config->topK = j.value("top_k", config->topK);
        }
        std::vector<std::string> dirs;
        for (const Json& m : j.at("models")) {
            dirs.push_back(m.at("dir").get<std::string>());
            d.accuracy.push_back(numberFrom(m.at("accuracy")));
        }
        for (const Json& row : j.at("agreement")) {
            std::vector<double> out;
            for (const Json& v : row) {
                out.push_back(numberFrom(v));
            }
            if (out.size() != dirs.size()) {
                throw Error(ErrorKind::InvalidInput, "the dataset comparison file's agreement table does not match its models.");
            }
            d.agreement.push_back(out);
        }
        for (const Json& e : j.at("examples")) {
            DatasetExample ex;
            ex.index = e.value("index", int64_t { 0 });
            ex.line = e.at("line").get<int64_t>();
            ex.text = e.at("text").get<std::string>();
            ex.label = e.value("label", std::string());
            ex.top1 = e.at("top1").get<std::vector<std::string>>();
            ex.top1Probability = e.at("top1_probability").get<std::vector<double>>();
            ex.disagreement = numberFrom(e.at("disagreement"));
            if (ex.top1.size() != dirs.size() || ex.top1Probability.size() != dirs.size()) {
                throw Error(ErrorKind::InvalidInput, "an example of the dataset comparison file (line " + std::to_string(ex.line)
                                                         + ") does not have one answer per model.");
            }
            d.examples.push_back(std::move(ex));
        }
        if (d.agreement.size() != dirs.size()) {
            throw Error(ErrorKind::InvalidInput, "the dataset comparison file's agreement table does not match its models.");
        }
        d.total = j.value("total", static_cast<int64_t>(d.examples.size()));
        d.status = j.value("cancelled", false) ? JobStatus::Cancelled : JobStatus::Completed;
        if (modelDirs != nullptr) {
            *modelDirs = dirs;
        }
        return d;
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the dataset comparison file is malformed: ") + e.what());
    }
}

std::vector<SpeedSeries> speedAgainstLength(const std::vector<Model*>& models, const SpeedConfig& config,
                                            const RunControl& control)
{
    if (config.shortest < 1 || config.longest < config.shortest || config.repeats < 1) {
        throw Error(ErrorKind::InvalidInput, "the lengths to time run from 1 token up, the longest at least the shortest, "
                                             "with at least one timed pass.");
    }
    std::vector<SpeedSeries> out;
    for (Model* model : models) {
        SpeedSeries s;
        s.model = model->info().dir;
        const int64_t positions = model->info().maxPositions;
        for (int64_t length = config.shortest; length <= config.longest && (positions <= 0 || length <= positions); length *= 2) {
            if (control.cancelled()) {
                break;
            }
            BenchConfig bench;
            bench.seqLen = length;
            bench.warmup = 1;
            bench.repeats = config.repeats;
            try {
                const BenchResult b = benchmarkForward(*model, bench, control);
                if (b.status == JobStatus::Cancelled) {
                    break;
                }
                s.lengths.push_back(length);
                s.milliseconds.push_back(b.medianMs);
                s.gflops.push_back(forwardFlops(*model, length) / 1e9);
            } catch (const std::exception&) {
                break; // this length is beyond what the model takes
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string speedSeriesToJson(const std::vector<SpeedSeries>& series, const SpeedConfig& config)
{
    Json models = Json::array();
    for (const SpeedSeries& s : series) {
        models.push_back({ { "dir", s.model }, { "lengths", s.lengths }, { "milliseconds", s.milliseconds }, { "gflops", s.gflops } });
    }
    const Json j { { "format", "lumen-compare-speed-1" }, { "shortest", config.shortest }, { "longest", config.longest },
        { "repeats", config.repeats }, { "batch", 1 }, { "models", models } };
    return j.dump(2) + "\n";
}

std::vector<SpeedSeries> speedSeriesFromJson(const std::string& json, SpeedConfig* config)
{
    const Json j = parseFormat(json, "speed", "lumen-compare-speed-1");
    try {
        if (config != nullptr) {
            config->shortest = j.value("shortest", config->shortest);
            config->longest = j.value("longest", config->longest);
            config->repeats = j.value("repeats", config->repeats);
        }
        std::vector<SpeedSeries> out;
        for (const Json& m : j.at("models")) {
            SpeedSeries s;
            s.model = m.at("dir").get<std::string>();
            s.lengths = m.at("lengths").get<std::vector<int64_t>>();
            s.milliseconds = m.at("milliseconds").get<std::vector<double>>();
            s.gflops = m.at("gflops").get<std::vector<double>>();
            if (s.milliseconds.size() != s.lengths.size() || s.gflops.size() != s.lengths.size()) {
                throw Error(ErrorKind::InvalidInput, "the speed file's series for " + s.model + " has lists of different lengths.");
            }
            out.push_back(std::move(s));
        }
        return out;
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the speed file is malformed: ") + e.what());
    }
}

} // namespace lumen::engine
