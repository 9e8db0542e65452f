// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "demo_record.h"

#include <QJsonArray>

namespace lumen::app {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

std::string s(const QJsonValue& v)
{
    return v.toString().toStdString();
}

template <typename T>
QJsonArray arrayOf(const std::vector<T>& items, QJsonValue (*convert)(const T&))
{
    QJsonArray a;
    for (const T& item : items) {
        a.append(convert(item));
    }
    return a;
}

QJsonValue idValue(const int64_t& id)
{
    return QJsonValue(static_cast<qint64>(id));
}
QJsonValue stringValue(const std::string& text)
{
    return q(text);
}

std::vector<int64_t> ids(const QJsonValue& v)
{
    std::vector<int64_t> out;
    for (const QJsonValue& x : v.toArray()) {
        out.push_back(x.toInteger());
    }
    return out;
}
std::vector<std::string> strings(const QJsonValue& v)
{
    std::vector<std::string> out;
    for (const QJsonValue& x : v.toArray()) {
        out.push_back(s(x));
    }
    return out;
}

QJsonValue tokenProbability(const engine::TokenProbability& t)
{
    return QJsonObject { { QStringLiteral("id"), static_cast<qint64>(t.id) }, { QStringLiteral("token"), q(t.token) },
        { QStringLiteral("probability"), t.probability } };
}
engine::TokenProbability readTokenProbability(const QJsonValue& v)
{
    const QJsonObject o = v.toObject();
    return { o[QStringLiteral("id")].toInteger(), s(o[QStringLiteral("token")]), o[QStringLiteral("probability")].toDouble() };
}
std::vector<engine::TokenProbability> readTop(const QJsonValue& v)
{
    std::vector<engine::TokenProbability> out;
    for (const QJsonValue& x : v.toArray()) {
        out.push_back(readTokenProbability(x));
    }
    return out;
}

QJsonObject lensJson(const engine::LogitLensResult& lens)
{
    QJsonArray positions;
    for (const engine::LogitLensPosition& p : lens.positions) {
        QJsonArray layers;
        for (const engine::LogitLensLayer& l : p.layers) {
            layers.append(QJsonObject { { QStringLiteral("top"), arrayOf(l.top, &tokenProbability) },
                { QStringLiteral("final_probability"), l.finalProbability },
                { QStringLiteral("final_rank"), static_cast<qint64>(l.finalRank) } });
        }
        positions.append(QJsonObject { { QStringLiteral("position"), static_cast<qint64>(p.position) },
            { QStringLiteral("token"), q(p.token) }, { QStringLiteral("final"), tokenProbability(p.final) },
            { QStringLiteral("layers"), layers } });
    }
    return { { QStringLiteral("tokens"), arrayOf(lens.tokens, &stringValue) },
        { QStringLiteral("ids"), arrayOf(lens.ids, &idValue) }, { QStringLiteral("layers"), static_cast<qint64>(lens.layers) },
        { QStringLiteral("forward_ms"), lens.forwardMs }, { QStringLiteral("positions"), positions } };
}
engine::LogitLensResult readLens(const QJsonObject& o)
{
    engine::LogitLensResult lens;
    lens.tokens = strings(o[QStringLiteral("tokens")]);
    lens.ids = ids(o[QStringLiteral("ids")]);
    lens.layers = o[QStringLiteral("layers")].toInteger();
    lens.forwardMs = o[QStringLiteral("forward_ms")].toDouble();
    for (const QJsonValue& pv : o[QStringLiteral("positions")].toArray()) {
        const QJsonObject po = pv.toObject();
        engine::LogitLensPosition p;
        p.position = po[QStringLiteral("position")].toInteger();
        p.token = s(po[QStringLiteral("token")]);
        p.final = readTokenProbability(po[QStringLiteral("final")]);
        for (const QJsonValue& lv : po[QStringLiteral("layers")].toArray()) {
            const QJsonObject lo = lv.toObject();
            engine::LogitLensLayer l;
            l.top = readTop(lo[QStringLiteral("top")]);
            l.finalProbability = lo[QStringLiteral("final_probability")].toDouble();
            l.finalRank = lo[QStringLiteral("final_rank")].toInteger();
            p.layers.push_back(std::move(l));
        }
        lens.positions.push_back(std::move(p));
    }
    return lens;
}

QJsonObject generationSettings(const engine::GenerateConfig& c)
{
    QJsonArray stops;
    for (const std::string& stop : c.stopStrings) {
        stops.append(q(stop));
    }
    return { { QStringLiteral("max_new_tokens"), static_cast<qint64>(c.maxNewTokens) },
        { QStringLiteral("sample"), c.sample }, { QStringLiteral("temperature"), c.temperature },
        { QStringLiteral("top_k"), static_cast<qint64>(c.topK) }, { QStringLiteral("top_p"), c.topP },
        { QStringLiteral("repetition_penalty"), c.repetitionPenalty },
        { QStringLiteral("seed"), static_cast<qint64>(c.seed) }, { QStringLiteral("beams"), static_cast<qint64>(c.beams) },
        { QStringLiteral("length_penalty"), c.lengthPenalty }, { QStringLiteral("stop"), stops },
        { QStringLiteral("use_cache"), c.useCache } };
}
engine::GenerateConfig readGenerationSettings(const QJsonObject& o)
{
    engine::GenerateConfig c;
    c.maxNewTokens = o[QStringLiteral("max_new_tokens")].toInteger(c.maxNewTokens);
    c.sample = o[QStringLiteral("sample")].toBool();
    c.temperature = o[QStringLiteral("temperature")].toDouble(1.0);
    c.topK = o[QStringLiteral("top_k")].toInteger();
    c.topP = o[QStringLiteral("top_p")].toDouble(1.0);
    c.repetitionPenalty = o[QStringLiteral("repetition_penalty")].toDouble(1.0);
    c.seed = static_cast<uint64_t>(o[QStringLiteral("seed")].toInteger());
    c.beams = o[QStringLiteral("beams")].toInteger(1);
    c.lengthPenalty = o[QStringLiteral("length_penalty")].toDouble(1.0);
    c.stopStrings = strings(o[QStringLiteral("stop")]);
    c.useCache = o[QStringLiteral("use_cache")].toBool(true);
    return c;
}

} // namespace

QJsonObject demoSettings(const DemoRequest& request)
{
    QJsonObject j;
    switch (request.kind) {
    case DemoKind::FillMask:
        j = { { QStringLiteral("text"), request.text }, { QStringLiteral("top_k"), request.topK } };
        break;
    case DemoKind::Generate:
        j = generationSettings(request.generation);
        j[QStringLiteral("prompt")] = request.text;
        break;
    case DemoKind::Score:
        j = { { QStringLiteral("text"), request.text } };
        break;
    case DemoKind::Similarity:
        j = { { QStringLiteral("texts"), QJsonArray::fromStringList(request.texts) },
            { QStringLiteral("pooling"), request.meanPooling ? QStringLiteral("mean") : QStringLiteral("cls") } };
        break;
    }
    return j;
}

QJsonObject demoToJson(const DemoOutput& d)
{
    QJsonObject output;
    switch (d.kind) {
    case DemoKind::FillMask: {
        QJsonArray masks;
        for (const engine::FillMaskPosition& m : d.fill.masks) {
            QJsonArray candidates;
            for (const engine::FillMaskCandidate& c : m.candidates) {
                candidates.append(QJsonObject { { QStringLiteral("id"), static_cast<qint64>(c.id) },
                    { QStringLiteral("token"), q(c.token) }, { QStringLiteral("text"), q(c.text) },
                    { QStringLiteral("probability"), c.probability }, { QStringLiteral("logit"), c.logit } });
            }
            masks.append(QJsonObject { { QStringLiteral("position"), static_cast<qint64>(m.position) },
                { QStringLiteral("candidates"), candidates } });
        }
        output = { { QStringLiteral("tokens"), arrayOf(d.fill.tokens, &stringValue) },
            { QStringLiteral("ids"), arrayOf(d.fill.ids, &idValue) }, { QStringLiteral("masks"), masks },
            { QStringLiteral("filled"), q(d.fill.filled) }, { QStringLiteral("forward_ms"), d.fill.forwardMs } };
        break;
    }
    case DemoKind::Generate: {
        const engine::GenerateResult& g = d.generated;
        QJsonArray steps;
        for (const engine::GenerateStep& st : g.steps) {
            steps.append(QJsonObject { { QStringLiteral("id"), static_cast<qint64>(st.id) },
                { QStringLiteral("token"), q(st.token) }, { QStringLiteral("text"), q(st.text) },
                { QStringLiteral("probability"), st.probability }, { QStringLiteral("logit"), st.logit },
                { QStringLiteral("top"), arrayOf(st.top, &tokenProbability) } });
        }
        output = { { QStringLiteral("prompt_ids"), arrayOf(g.promptIds, &idValue) },
            { QStringLiteral("prompt_truncated"), g.promptTruncated },
            { QStringLiteral("new_token_ids"), arrayOf(g.newTokenIds, &idValue) },
            { QStringLiteral("new_tokens"), arrayOf(g.newTokens, &stringValue) }, { QStringLiteral("text"), q(g.text) },
            { QStringLiteral("stop_reason"), q(g.stopReason) }, { QStringLiteral("elapsed_ms"), g.elapsedMs },
            { QStringLiteral("steps"), steps }, { QStringLiteral("lens_texts"), arrayOf(d.lensTexts, &stringValue) } };
        break;
    }
    case DemoKind::Score: {
        const engine::ScoreResult& r = d.score;
        QJsonArray tokens;
        for (const engine::ScoredToken& t : r.tokens) {
            QJsonArray top;
            for (const auto& [token, p] : t.top) {
                top.append(QJsonArray { q(token), p });
            }
            tokens.append(QJsonObject { { QStringLiteral("id"), static_cast<qint64>(t.id) },
                { QStringLiteral("token"), q(t.token) }, { QStringLiteral("probability"), t.probability },
                { QStringLiteral("surprisal_bits"), t.surprisalBits }, { QStringLiteral("top"), top } });
        }
        output = { { QStringLiteral("first_token"), q(r.firstToken) }, { QStringLiteral("pseudo"), r.pseudo },
            { QStringLiteral("mean_nll"), r.meanNegativeLogLikelihood }, { QStringLiteral("perplexity"), r.perplexity },
            { QStringLiteral("tokens"), tokens }, { QStringLiteral("first_text"), q(d.scoreFirstText) },
            { QStringLiteral("texts"), arrayOf(d.scoreTexts, &stringValue) } };
        break;
    }
    case DemoKind::Similarity: {
        QJsonArray cosine;
        for (const auto& row : d.similarity.cosine) {
            QJsonArray r;
            for (const double c : row) {
                r.append(c);
            }
            cosine.append(r);
        }
        output = { { QStringLiteral("cosine"), cosine },
            { QStringLiteral("token_counts"), arrayOf(d.similarity.tokenCounts, &idValue) } };
        break;
    }
    }
    if (!d.lens.positions.empty()) {
        output[QStringLiteral("lens")] = lensJson(d.lens);
    }
    return { { QStringLiteral("format"), QString::fromLatin1(kDemoFormat) }, { QStringLiteral("demo"), demoKindName(d.kind) },
        { QStringLiteral("model"), d.modelDir }, { QStringLiteral("architecture"), d.architecture },
        { QStringLiteral("encoder_decoder"), d.encoderDecoder },
        { QStringLiteral("inputs"),
            QJsonObject { { QStringLiteral("text"), d.text }, { QStringLiteral("texts"), QJsonArray::fromStringList(d.texts) } } },
        { QStringLiteral("settings"),
            QJsonObject { { QStringLiteral("top_k"), d.topK }, { QStringLiteral("pooling"), d.meanPooling ? QStringLiteral("mean") : QStringLiteral("cls") },
                { QStringLiteral("generation"), generationSettings(d.generation) } } },
        { QStringLiteral("output"), output }, { QStringLiteral("elapsed_ms"), d.elapsedMs },
        { QStringLiteral("note"), d.note } };
}

bool demoFromJson(const QJsonObject& j, DemoOutput* out, QString* error)
{
    const auto fail = [error](const QString& why) {
        if (error != nullptr) {
            *error = why;
        }
        return false;
    };
    if (j[QStringLiteral("format")].toString() != QLatin1String(kDemoFormat)) {
        return fail(QStringLiteral("not a Lumen demo record (format \"%1\", expected \"%2\")")
                        .arg(j[QStringLiteral("format")].toString(), QString::fromLatin1(kDemoFormat)));
    }
    DemoOutput d;
    if (!demoKindFromName(j[QStringLiteral("demo")].toString(), &d.kind)) {
        return fail(QStringLiteral("unknown demo \"%1\"").arg(j[QStringLiteral("demo")].toString()));
    }
    const QJsonObject output = j[QStringLiteral("output")].toObject();
    if (output.isEmpty()) {
        return fail(QStringLiteral("the record has no output"));
    }
    d.modelDir = j[QStringLiteral("model")].toString();
    d.architecture = j[QStringLiteral("architecture")].toString();
    d.encoderDecoder = j[QStringLiteral("encoder_decoder")].toBool();
    const QJsonObject inputs = j[QStringLiteral("inputs")].toObject();
    d.text = inputs[QStringLiteral("text")].toString();
    for (const QJsonValue& t : inputs[QStringLiteral("texts")].toArray()) {
        d.texts << t.toString();
    }
    const QJsonObject settings = j[QStringLiteral("settings")].toObject();
    d.topK = settings[QStringLiteral("top_k")].toInt(5);
    d.meanPooling = settings[QStringLiteral("pooling")].toString() != QLatin1String("cls");
    d.generation = readGenerationSettings(settings[QStringLiteral("generation")].toObject());
    d.elapsedMs = j[QStringLiteral("elapsed_ms")].toDouble();
    d.note = j[QStringLiteral("note")].toString();
    switch (d.kind) {
    case DemoKind::FillMask:
        d.fill.tokens = strings(output[QStringLiteral("tokens")]);
        d.fill.ids = ids(output[QStringLiteral("ids")]);
        d.fill.filled = s(output[QStringLiteral("filled")]);
        d.fill.forwardMs = output[QStringLiteral("forward_ms")].toDouble();
        for (const QJsonValue& mv : output[QStringLiteral("masks")].toArray()) {
            engine::FillMaskPosition m;
            m.position = mv[QStringLiteral("position")].toInteger();
            for (const QJsonValue& cv : mv[QStringLiteral("candidates")].toArray()) {
                engine::FillMaskCandidate c;
                c.id = cv[QStringLiteral("id")].toInteger();
                c.token = s(cv[QStringLiteral("token")]);
                c.text = s(cv[QStringLiteral("text")]);
                c.probability = cv[QStringLiteral("probability")].toDouble();
                c.logit = static_cast<float>(cv[QStringLiteral("logit")].toDouble());
                m.candidates.push_back(std::move(c));
            }
            d.fill.masks.push_back(std::move(m));
        }
        if (d.fill.masks.empty()) {
            return fail(QStringLiteral("the fill-mask record has no masks"));
        }
        break;
    case DemoKind::Generate: {
        engine::GenerateResult& g = d.generated;
        g.promptIds = ids(output[QStringLiteral("prompt_ids")]);
        g.promptTruncated = output[QStringLiteral("prompt_truncated")].toBool();
        g.newTokenIds = ids(output[QStringLiteral("new_token_ids")]);
        g.newTokens = strings(output[QStringLiteral("new_tokens")]);
        g.text = s(output[QStringLiteral("text")]);
        g.stopReason = s(output[QStringLiteral("stop_reason")]);
        g.elapsedMs = output[QStringLiteral("elapsed_ms")].toDouble();
        for (const QJsonValue& sv : output[QStringLiteral("steps")].toArray()) {
            engine::GenerateStep st;
            st.id = sv[QStringLiteral("id")].toInteger();
            st.token = s(sv[QStringLiteral("token")]);
            st.text = s(sv[QStringLiteral("text")]);
            st.probability = sv[QStringLiteral("probability")].toDouble();
            st.logit = static_cast<float>(sv[QStringLiteral("logit")].toDouble());
            st.top = readTop(sv[QStringLiteral("top")]);
            g.steps.push_back(std::move(st));
        }
        d.lensTexts = strings(output[QStringLiteral("lens_texts")]);
        if (g.steps.size() != g.newTokenIds.size()) {
            return fail(QStringLiteral("the generation record's steps and tokens differ in number"));
        }
        break;
    }
    case DemoKind::Score: {
        engine::ScoreResult& r = d.score;
        r.firstToken = s(output[QStringLiteral("first_token")]);
        r.pseudo = output[QStringLiteral("pseudo")].toBool();
        r.meanNegativeLogLikelihood = output[QStringLiteral("mean_nll")].toDouble();
        r.perplexity = output[QStringLiteral("perplexity")].toDouble();
        for (const QJsonValue& tv : output[QStringLiteral("tokens")].toArray()) {
            engine::ScoredToken t;
            t.id = tv[QStringLiteral("id")].toInteger();
            t.token = s(tv[QStringLiteral("token")]);
            t.probability = tv[QStringLiteral("probability")].toDouble();
            t.surprisalBits = tv[QStringLiteral("surprisal_bits")].toDouble();
            for (const QJsonValue& a : tv[QStringLiteral("top")].toArray()) {
                t.top.emplace_back(s(a.toArray().at(0)), a.toArray().at(1).toDouble());
            }
            r.tokens.push_back(std::move(t));
        }
        d.scoreFirstText = s(output[QStringLiteral("first_text")]);
        d.scoreTexts = strings(output[QStringLiteral("texts")]);
        break;
    }
    case DemoKind::Similarity:
        for (const QJsonValue& row : output[QStringLiteral("cosine")].toArray()) {
            std::vector<double> r;
            for (const QJsonValue& c : row.toArray()) {
                r.push_back(c.toDouble());
            }
            d.similarity.cosine.push_back(std::move(r));
        }
        d.similarity.tokenCounts = ids(output[QStringLiteral("token_counts")]);
        if (d.similarity.cosine.size() != static_cast<size_t>(d.texts.size())) {
            return fail(QStringLiteral("the similarity record's matrix does not match its texts"));
        }
        break;
    }
    if (output.contains(QStringLiteral("lens"))) {
        d.lens = readLens(output[QStringLiteral("lens")].toObject());
    }
    *out = std::move(d);
    return true;
}

} // namespace lumen::app
