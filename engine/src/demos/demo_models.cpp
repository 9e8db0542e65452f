// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/demo_models.h"

#include "lumen/engine/context_ablation.h"
#include "lumen/engine/error.h"
#include "lumen/engine/tokenizer.h"
#include "lumen/engine/train.h"

#include "io/json_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace lumen::engine {

namespace {

constexpr int64_t kWidth = 64;
constexpr int64_t kLayers = 4;
constexpr int64_t kHeads = 4;
constexpr int64_t kPositions = 64;
constexpr int64_t kHeldOutSentences = 300;
constexpr int64_t kProbes = 300;

void writeLines(const fs::path& path, const std::vector<CorpusSentence>& sentences)
{
    std::string text;
    for (const CorpusSentence& s : sentences) {
        text += s.text + "\n";
    }
    writeTextAtomically(path, text);
}

/// A random model of `spec` in `dir` (tokenizer included); its parameter count.
int64_t createDemoModel(const DemoModelSpec& spec, const fs::path& tokenizerDir, const fs::path& dir, uint64_t seed)
{
    // ALBERT (factorised 32-wide embeddings, one layer applied four times) and BERT are
    // written as configurations of their own: no dropout, which the tiny corpus does not need.
    const auto fromConfig = [&dir, seed](nlohmann::json config) {
        writeDemoTokenizer(dir.string(), false);
        config["vocab_size"] = loadTokenizer(dir.string())->vocabSize();
        const nlohmann::json shared { { "hidden_size", kWidth }, { "num_hidden_layers", kLayers },
            { "num_attention_heads", kHeads }, { "intermediate_size", 4 * kWidth }, { "max_position_embeddings", kPositions },
            { "type_vocab_size", 2 }, { "pad_token_id", 0 }, { "hidden_dropout_prob", 0.0 },
            { "attention_probs_dropout_prob", 0.0 }, { "layer_norm_eps", 1e-12 } };
        config.update(shared);
        writeTextAtomically(dir / "config.json", config.dump(2) + "\n");
        return createRandomModel((dir / "config.json").string(), dir.string(), seed);
    };
    if (spec.name == "albert") {
        return fromConfig({ { "model_type", "albert" }, { "architectures", { "AlbertForMaskedLM" } }, { "embedding_size", 32 },
            { "num_hidden_groups", 1 }, { "inner_group_num", 1 }, { "hidden_act", "gelu_new" } });
    }
    if (spec.name == "bert") {
        return fromConfig({ { "model_type", "bert" }, { "architectures", { "BertForMaskedLM" } }, { "hidden_act", "gelu" } });
    }
    NewModelSpec m;
    m.causal = spec.causal;
    m.hidden = kWidth;
    m.layers = kLayers;
    m.heads = kHeads;
    if (spec.name == "bert" || spec.name == "gpt") {
        m.family = "transformer";
        m.maxPositions = kPositions;
    } else if (spec.name == "lightconv") {
        m.family = "lightconv";
        m.kernel = 7;
    } else if (spec.name == "wavenet") {
        m.family = "wavenet";
        m.layers = 6; // dilations 1 .. 32, kernel 2: a receptive field of 64 tokens
    } else {
        m.family = "lstm";
        m.hidden = 128;
        m.layers = 2;
    }
    return createModel(m, tokenizerDir.string(), dir.string(), seed);
}

int64_t folderBytes(const fs::path& dir)
{
    int64_t total = 0;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
        if (entry.is_regular_file(ec)) {
            total += static_cast<int64_t>(entry.file_size(ec));
        }
    }
    return total;
}

void copyFolder(const fs::path& from, const fs::path& to)
{
    std::error_code ec;
    fs::remove_all(to, ec);
    fs::create_directories(to, ec);
    for (const auto& entry : fs::directory_iterator(from)) {
        if (entry.is_regular_file()) {
            fs::copy_file(entry.path(), to / entry.path().filename(), fs::copy_options::overwrite_existing, ec);
            if (ec) {
                throw Error(ErrorKind::Io, "cannot copy " + entry.path().string() + " to " + to.string() + ": " + ec.message()
                                               + " (is the disk full?)");
            }
        }
    }
}

} // namespace

std::vector<DemoModelSpec> demoModelSpecs()
{
    // The masked LMs learn from the 40 % of words they see masked, the causal ones from every
    // word, so they take three to six times the steps: a small masked model first learns each
    // position's usual words (held-out loss about 1.2, agreement at chance) and only later to
    // read its neighbours — BERT after about 7000 steps (then loss 0.65, agreement 100 %), the
    // lightweight convolution, whose kernels are the same for every word, after about 10 000
    // (9000 steps left it at 48 %).
    return {
        { "bert", "Tiny BERT (masked LM)", "A 4-layer Transformer encoder: every word attends to every other.", false, 9000, 1e-3,
            0.4 },
        { "gpt", "Tiny GPT (causal LM)", "A 4-layer Transformer decoder: each word attends only to the words before it.", true,
            3000, 1e-3 },
        { "albert", "Tiny ALBERT (masked LM)",
            "One layer applied four times, with 32-wide embeddings projected to 64: a fraction of BERT's parameters.", false, 9000,
            1e-3, 0.4 },
        { "lightconv", "Tiny lightweight convolution (masked LM)",
            "Four layers of softmax-normalised kernels of width 7 shared across channel groups, instead of attention.", false,
            18000, 1e-3, 0.4 },
        { "wavenet", "Tiny WaveNet (causal LM)", "Six dilated causal convolutions (1, 2, 4 .. 32): it sees exactly 64 words back.",
            true, 3000, 1e-3 },
        { "lstm", "Tiny LSTM (causal LM)", "Two recurrent layers of 128: everything before a word, squeezed into one state.", true,
            3000, 2e-3 },
    };
}

uint64_t heldOutSeed(uint64_t seed)
{
    return seed + 1000003ull;
}

double heldOutLoss(Model& model, const std::vector<std::string>& texts)
{
    double total = 0.0;
    int64_t targets = 0;
    ContextAblationConfig config;
    config.wholeTextOnly = true;
    for (const std::string& text : texts) {
        const ContextAblation a = contextAblation(model, text, config);
        total += a.fullLoss * static_cast<double>(a.targets.size());
        targets += static_cast<int64_t>(a.targets.size());
    }
    if (targets == 0) {
        throw Error(ErrorKind::InvalidInput, "the held-out texts have nothing to predict.");
    }
    return total / static_cast<double>(targets);
}

double agreementAccuracy(Model& model, const std::vector<AgreementProbe>& probes)
{
    const Tokenizer* tokenizer = model.tokenizer();
    if (tokenizer == nullptr) {
        throw Error(ErrorKind::InvalidInput, model.info().dir + " has no tokenizer, so it cannot read the probes.");
    }
    const bool causal = model.info().isCausal;
    const std::optional<int64_t> mask = tokenizer->specialTokens().mask;
    if (!causal && !mask) {
        throw Error(ErrorKind::InvalidInput, model.info().dir + ": a masked-LM's tokenizer needs a mask token for the probes.");
    }
    if (probes.empty()) {
        return std::nan("");
    }
    int64_t right = 0;
    constexpr size_t kBatch = 64;
    for (size_t from = 0; from < probes.size(); from += kBatch) {
        const size_t to = std::min(probes.size(), from + kBatch);
        std::vector<std::string> texts;
        for (size_t i = from; i < to; ++i) {
            texts.push_back(causal ? probes[i].prefix : probes[i].prefix + " [MASK] " + probes[i].suffix);
        }
        const ModelInput input = model.prepare(texts);
        const ForwardResult out = model.forward(input);
        const int64_t seq = out.logits.shape.at(1);
        const int64_t vocab = out.logits.shape.at(2);
        for (size_t i = from; i < to; ++i) {
            const Encoding& e = input.encodings[i - from];
            int64_t at = static_cast<int64_t>(e.size()) - 1; // causal: the last word of the prefix
            if (!causal) {
                at = static_cast<int64_t>(std::find(e.ids.begin(), e.ids.end(), *mask) - e.ids.begin());
            }
            const std::optional<int64_t> good = tokenizer->tokenToId(probes[i].right);
            const std::optional<int64_t> bad = tokenizer->tokenToId(probes[i].wrong);
            if (!good || !bad || at < 0 || at >= seq) {
                throw Error(ErrorKind::InvalidInput, model.info().dir + ": the tokenizer has no single token for \""
                                                         + probes[i].right + "\" or \"" + probes[i].wrong + "\".");
            }
            const float* row = out.logits.data.data() + (static_cast<int64_t>(i - from) * seq + at) * vocab;
            right += row[*good] > row[*bad] ? 1 : 0;
        }
    }
    return static_cast<double>(right) / static_cast<double>(probes.size());
}

std::vector<DemoModelReport> buildDemoModels(const DemoBuildConfig& config, const RunControl& control,
                                             const std::function<void(const std::string&)>& log)
{
    const auto say = [&log](const std::string& line) {
        if (log) {
            log(line);
        }
    };
    if (config.outDir.empty()) {
        throw Error(ErrorKind::InvalidInput, "choose the folder the demo models are written to.");
    }
    if (!(config.stepScale > 0.0) || config.corpusSentences < 100) {
        throw Error(ErrorKind::InvalidInput, "the step scale must be above 0 and the corpus at least 100 sentences.");
    }
    const std::vector<DemoModelSpec> all = demoModelSpecs();
    std::vector<DemoModelSpec> specs;
    for (const DemoModelSpec& s : all) {
        if (config.only.empty() || std::find(config.only.begin(), config.only.end(), s.name) != config.only.end()) {
            specs.push_back(s);
        }
    }
    for (const std::string& name : config.only) {
        if (std::none_of(all.begin(), all.end(), [&name](const DemoModelSpec& s) { return s.name == name; })) {
            throw Error(ErrorKind::InvalidInput, "\"" + name + "\" is not a demo model (they are bert, gpt, albert, lightconv, "
                                                               "wavenet and lstm).");
        }
    }
    const fs::path out = fs::absolute(config.outDir);
    const fs::path work = out / ".work";
    std::error_code ec;
    fs::create_directories(work, ec);
    if (ec) {
        throw Error(ErrorKind::Io, "cannot create " + work.string() + ": " + ec.message());
    }

    // The corpus and the held-out sentences (another seed), and a tokenizer of each kind.
    const fs::path corpus = work / "corpus.txt";
    const fs::path validation = work / "validation.txt";
    writeLines(corpus, generateCorpus({ config.seed, config.corpusSentences }));
    const std::vector<CorpusSentence> held = generateCorpus({ heldOutSeed(config.seed), kHeldOutSentences });
    writeLines(validation, held);
    std::vector<std::string> heldTexts;
    for (const CorpusSentence& s : held) {
        heldTexts.push_back(s.text);
    }
    const std::vector<AgreementProbe> probes = agreementProbes(heldOutSeed(config.seed), kProbes);
    writeDemoTokenizer((work / "tokenizer-masked").string(), false);
    writeDemoTokenizer((work / "tokenizer-causal").string(), true);
    say("corpus: " + std::to_string(config.corpusSentences) + " sentences (seed " + std::to_string(config.seed) + "), "
        + std::to_string(held.size()) + " held out");

    std::vector<DemoModelReport> reports;
    nlohmann::json manifest = nlohmann::json::array();
    for (size_t k = 0; k < specs.size(); ++k) {
        const DemoModelSpec& spec = specs[k];
        if (control.cancelled()) {
            break;
        }
        DemoModelReport r;
        r.name = spec.name;
        const fs::path initial = work / (spec.name + "-initial");
        fs::remove_all(initial, ec);
        // Every model its own initial weights from the seed and its place among the six, so a
        // model is the same whichever others are built with it.
        const auto place = static_cast<uint64_t>(std::find_if(all.begin(), all.end(), [&spec](const DemoModelSpec& s) {
            return s.name == spec.name;
        }) - all.begin());
        r.parameters = createDemoModel(spec, work / (spec.causal ? "tokenizer-causal" : "tokenizer-masked"), initial,
                                       config.seed * 131 + place);
        {
            const std::unique_ptr<Model> untrained = Model::load(initial.string());
            r.untrainedLoss = heldOutLoss(*untrained, heldTexts);
        }
        TrainJob job;
        job.model = initial.string();
        job.task = spec.causal ? TrainTask::CausalLm : TrainTask::MaskedLm;
        job.train.path = corpus.string();
        job.train.format = DataFormat::Text;
        job.validation.path = validation.string();
        job.validation.format = DataFormat::Text;
        job.learningRate = spec.learningRate;
        job.weightDecay = 0.01;
        job.schedule = "linear";
        job.batchSize = 32;
        job.maxSteps = std::max<int64_t>(1, static_cast<int64_t>(std::llround(static_cast<double>(spec.steps) * config.stepScale)));
        // A tenth of the steps to warm up (the post-LN encoders start at 1e-3 from random).
        job.warmupSteps = job.maxSteps / 10;
        job.maxLength = kPositions;
        job.mlmProbability = spec.mlmProbability;
        job.seed = config.seed;
        job.device = config.device;
        job.evalEvery = job.maxSteps;
        job.checkpointEvery = job.maxSteps;
        job.keepCheckpoints = 1;
        const fs::path runDir = work / (spec.name + "-run");
        fs::remove_all(runDir, ec);
        TrainCallbacks callbacks;
        callbacks.cancel = control.cancel;
        const int64_t every = std::max<int64_t>(1, job.maxSteps / 10);
        callbacks.step = [&](const TrainProgress& p) {
            if (p.step % every == 0 || p.step == job.maxSteps) {
                say(spec.name + ": step " + std::to_string(p.step) + " of " + std::to_string(job.maxSteps) + ", loss "
                    + std::to_string(p.loss));
            }
            control.report((static_cast<double>(k) + static_cast<double>(p.step) / static_cast<double>(job.maxSteps))
                    / static_cast<double>(specs.size()),
                spec.name + " step " + std::to_string(p.step));
        };
        const auto started = std::chrono::steady_clock::now();
        const TrainResult trained = runTraining(job, runDir.string(), callbacks);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (trained.status != JobStatus::Completed) {
            say(spec.name + ": cancelled");
            break;
        }
        r.steps = trained.steps;
        const fs::path dir = out / spec.name;
        copyFolder(trained.modelDir, dir);
        r.dir = dir.string();
        r.bytes = folderBytes(dir);
        {
            const std::unique_ptr<Model> model = Model::load(dir.string());
            r.heldOutLoss = heldOutLoss(*model, heldTexts);
            r.agreementAccuracy = agreementAccuracy(*model, probes);
        }
        say(spec.name + ": held-out loss " + std::to_string(r.untrainedLoss) + " -> " + std::to_string(r.heldOutLoss)
            + " nats, agreement " + std::to_string(100.0 * r.agreementAccuracy) + " %, " + std::to_string(r.bytes / 1024)
            + " KiB, " + std::to_string(static_cast<int64_t>(r.seconds)) + " s");
        manifest.push_back({ { "name", spec.name }, { "title", spec.title }, { "about", spec.about },
            { "objective", spec.causal ? "causal-lm" : "masked-lm" }, { "parameters", r.parameters }, { "bytes", r.bytes },
            { "steps", r.steps }, { "train_seconds", r.seconds }, { "untrained_loss", r.untrainedLoss },
            { "held_out_loss", r.heldOutLoss }, { "agreement_accuracy", r.agreementAccuracy } });
        reports.push_back(r);
        fs::remove_all(initial, ec);
        fs::remove_all(runDir, ec);
    }
    // The manifest keeps the entries of models built before and not rebuilt now.
    const fs::path manifestPath = out / "demo-models.json";
    nlohmann::json previous = nlohmann::json::object();
    if (fs::is_regular_file(manifestPath, ec)) {
        try {
            previous = readJsonFile(manifestPath.string());
        } catch (const Error&) {
            previous = nlohmann::json::object(); // rewritten below
        }
    }
    nlohmann::json models = nlohmann::json::array();
    for (const DemoModelSpec& s : all) {
        const auto fresh = std::find_if(manifest.begin(), manifest.end(), [&s](const nlohmann::json& m) { return m.at("name") == s.name; });
        if (fresh != manifest.end()) {
            models.push_back(*fresh);
            continue;
        }
        for (const nlohmann::json& m : previous.value("models", nlohmann::json::array())) {
            if (m.value("name", std::string()) == s.name && fs::is_directory(out / s.name, ec)) {
                models.push_back(m);
            }
        }
    }
    const nlohmann::json doc { { "format", "lumen-demo-models-1" }, { "seed", config.seed },
        { "corpus_sentences", config.corpusSentences }, { "step_scale", config.stepScale }, { "models", models } };
    writeTextAtomically(manifestPath, doc.dump(2) + "\n");
    fs::remove_all(work, ec);
    return reports;
}

} // namespace lumen::engine
