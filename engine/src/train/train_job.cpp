// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The job file: one flat JSON object, every key optional but "model", "task" and "train".
#include "lumen/engine/error.h"
#include "lumen/engine/train.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace lumen::engine {

namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& key, const std::string& what)
{
    throw Error(ErrorKind::InvalidInput, "the job's \"" + key + "\" " + what);
}

const std::vector<std::pair<TrainTask, const char*>>& taskNames()
{
    static const std::vector<std::pair<TrainTask, const char*>> kNames = {
        { TrainTask::SequenceClassification, "sequence-classification" },
        { TrainTask::TokenClassification, "token-classification" },
        { TrainTask::MaskedLm, "masked-lm" },
        { TrainTask::CausalLm, "causal-lm" },
    };
    return kNames;
}

} // namespace

const char* trainTaskName(TrainTask task)
{
    for (const auto& [t, name] : taskNames()) {
        if (t == task) {
            return name;
        }
    }
    return "sequence-classification";
}

TrainJob trainJobFromJson(const std::string& text)
{
    Json j;
    try {
        j = Json::parse(text);
    } catch (const Json::parse_error& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the job file is not valid JSON: ") + e.what());
    }
    if (!j.is_object()) {
        throw Error(ErrorKind::InvalidInput, "the job file must hold one JSON object ({...}).");
    }
    static const std::set<std::string> known = { "model", "task", "train", "validation", "validation_fraction",
        "format", "text_column", "pair_column", "label_column", "tokens_key", "tags_key", "learning_rate",
        "weight_decay", "beta1", "beta2", "epsilon", "schedule", "warmup_steps", "batch_size", "gradient_accumulation",
        "epochs", "max_steps", "max_length", "overflow", "stride", "freeze_embeddings", "freeze_layers", "gradient_checkpointing", "mixed_precision",
        "max_grad_norm", "seed", "device", "eval_every", "early_stopping_patience", "checkpoint_every",
        "keep_checkpoints", "mlm_probability", "line_per_example", "attention_probe", "snapshot_every" };
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (known.count(it.key()) == 0) {
            std::string list;
            for (const std::string& k : known) {
                list += (list.empty() ? "" : ", ") + k;
            }
            bad(it.key(), "is not a job setting (they are: " + list + ").");
        }
    }
    const auto str = [&](const char* key, std::string fallback) {
        if (!j.contains(key) || j[key].is_null()) {
            return fallback;
        }
        if (!j[key].is_string()) {
            bad(key, "must be text.");
        }
        return j[key].get<std::string>();
    };
    const auto num = [&](const char* key, double fallback, double lo, double hi) {
        if (!j.contains(key) || j[key].is_null()) {
            return fallback;
        }
        if (!j[key].is_number()) {
            bad(key, "must be a number.");
        }
        const double v = j[key].get<double>();
        if (!(v >= lo && v <= hi)) {
            bad(key, "must be between " + Json(lo).dump() + " and " + Json(hi).dump() + ", not " + j[key].dump() + ".");
        }
        return v;
    };
    const auto integer = [&](const char* key, int64_t fallback, int64_t lo, int64_t hi) {
        if (!j.contains(key) || j[key].is_null()) {
            return fallback;
        }
        if (!j[key].is_number_integer()) {
            bad(key, "must be a whole number.");
        }
        const int64_t v = j[key].get<int64_t>();
        if (v < lo || v > hi) {
            bad(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not "
                         + std::to_string(v) + ".");
        }
        return v;
    };
    const auto flag = [&](const char* key, bool fallback) {
        if (!j.contains(key) || j[key].is_null()) {
            return fallback;
        }
        if (!j[key].is_boolean()) {
            bad(key, "must be true or false.");
        }
        return j[key].get<bool>();
    };
    TrainJob job;
    job.model = str("model", "");
    if (job.model.empty()) {
        bad("model", "is missing: give the folder of the model to start from.");
    }
    const std::string task = str("task", "");
    bool found = false;
    for (const auto& [t, name] : taskNames()) {
        if (task == name) {
            job.task = t;
            found = true;
        }
    }
    if (!found) {
        bad("task", "must be sequence-classification, token-classification, masked-lm or causal-lm"
                        + (task.empty() ? std::string(".") : ", not \"" + task + "\"."));
    }
    job.train.path = str("train", "");
    if (job.train.path.empty()) {
        bad("train", "is missing: give the training data file (CSV, TSV, JSONL, CoNLL or text).");
    }
    job.train.format = parseDataFormat(str("format", "auto"));
    job.train.textColumn = str("text_column", "text");
    job.train.pairColumn = str("pair_column", "");
    job.train.labelColumn = str("label_column", "label");
    job.train.tokensKey = str("tokens_key", "tokens");
    job.train.tagsKey = str("tags_key", "tags");
    job.train.linePerExample = flag("line_per_example", true);
    job.validation = job.train;
    job.validation.path = str("validation", "");
    job.validationFraction = num("validation_fraction", 0.1, 0.0, 0.9);
    job.learningRate = num("learning_rate", job.learningRate, 1e-9, 10.0);
    job.weightDecay = num("weight_decay", job.weightDecay, 0.0, 10.0);
    job.beta1 = num("beta1", job.beta1, 0.0, 0.999999);
    job.beta2 = num("beta2", job.beta2, 0.0, 0.999999999);
    job.epsilon = num("epsilon", job.epsilon, 1e-12, 1.0);
    job.schedule = str("schedule", job.schedule);
    if (job.schedule != "linear" && job.schedule != "cosine" && job.schedule != "constant") {
        bad("schedule", "must be linear, cosine or constant, not \"" + job.schedule + "\".");
    }
    job.warmupSteps = integer("warmup_steps", 0, 0, 1 << 30);
    job.batchSize = integer("batch_size", job.batchSize, 1, 65536);
    job.gradientAccumulation = integer("gradient_accumulation", 1, 1, 65536);
    job.epochs = integer("epochs", job.epochs, 1, 100000);
    job.maxSteps = integer("max_steps", 0, 0, int64_t { 1 } << 40);
    job.maxLength = integer("max_length", job.maxLength, 4, 1 << 20);
    job.overflow = str("overflow", job.overflow);
    if (job.overflow != "truncate" && job.overflow != "sliding") {
        bad("overflow", "must be truncate or sliding, not \"" + job.overflow + "\".");
    }
    job.stride = integer("stride", job.stride, 0, 1 << 20);
    if (job.overflow == "sliding" && job.stride >= job.maxLength - 2) {
        bad("stride", "(the overlap of sliding windows) must be smaller than max_length - 2.");
    }
    job.freezeEmbeddings = flag("freeze_embeddings", false);
    job.freezeLayers = integer("freeze_layers", 0, 0, 4096);
    job.gradientCheckpointing = flag("gradient_checkpointing", false);
    job.mixedPrecision = str("mixed_precision", job.mixedPrecision);
    if (job.mixedPrecision != "no" && job.mixedPrecision != "bf16" && job.mixedPrecision != "fp16") {
        bad("mixed_precision", "must be no, bf16 or fp16, not \"" + job.mixedPrecision + "\".");
    }
    job.maxGradNorm = num("max_grad_norm", job.maxGradNorm, 0.0, 1e6);
    job.seed = static_cast<uint64_t>(integer("seed", 0, 0, INT64_MAX));
    job.device = str("device", job.device);
    job.evalEvery = integer("eval_every", 0, 0, int64_t { 1 } << 40);
    job.earlyStoppingPatience = integer("early_stopping_patience", 0, 0, 1 << 20);
    job.checkpointEvery = integer("checkpoint_every", 0, 0, int64_t { 1 } << 40);
    job.keepCheckpoints = integer("keep_checkpoints", 2, 1, 1000);
    job.mlmProbability = num("mlm_probability", job.mlmProbability, 0.01, 0.99);
    job.attentionProbe = str("attention_probe", "");
    job.snapshotEvery = integer("snapshot_every", 0, 0, int64_t { 1 } << 40);
    return job;
}

TrainJob loadTrainJob(const std::string& path)
{
    std::ifstream in(path);
    if (!in) {
        throw Error(ErrorKind::Io, "cannot read the job file " + path + ".");
    }
    std::ostringstream text;
    text << in.rdbuf();
    TrainJob job = trainJobFromJson(text.str());
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
    for (std::string* p : { &job.model, &job.train.path, &job.validation.path }) {
        if (!p->empty() && std::filesystem::path(*p).is_relative()) {
            *p = (base / *p).lexically_normal().string();
        }
    }
    return job;
}

std::string trainJobToJson(const TrainJob& job)
{
    Json j = Json::object();
    j["model"] = job.model;
    j["task"] = trainTaskName(job.task);
    j["train"] = job.train.path;
    if (!job.validation.path.empty()) {
        j["validation"] = job.validation.path;
    }
    j["validation_fraction"] = job.validationFraction;
    j["format"] = dataFormatName(job.train.format);
    j["text_column"] = job.train.textColumn;
    if (!job.train.pairColumn.empty()) {
        j["pair_column"] = job.train.pairColumn;
    }
    j["label_column"] = job.train.labelColumn;
    j["tokens_key"] = job.train.tokensKey;
    j["tags_key"] = job.train.tagsKey;
    j["line_per_example"] = job.train.linePerExample;
    j["learning_rate"] = job.learningRate;
    j["weight_decay"] = job.weightDecay;
    j["beta1"] = job.beta1;
    j["beta2"] = job.beta2;
    j["epsilon"] = job.epsilon;
    j["schedule"] = job.schedule;
    j["warmup_steps"] = job.warmupSteps;
    j["batch_size"] = job.batchSize;
    j["gradient_accumulation"] = job.gradientAccumulation;
    j["epochs"] = job.epochs;
    j["max_steps"] = job.maxSteps;
    j["max_length"] = job.maxLength;
    j["overflow"] = job.overflow;
    j["stride"] = job.stride;
    j["freeze_embeddings"] = job.freezeEmbeddings;
    j["freeze_layers"] = job.freezeLayers;
    j["gradient_checkpointing"] = job.gradientCheckpointing;
    j["mixed_precision"] = job.mixedPrecision;
    j["max_grad_norm"] = job.maxGradNorm;
    j["seed"] = job.seed;
    j["device"] = job.device;
    j["eval_every"] = job.evalEvery;
    j["early_stopping_patience"] = job.earlyStoppingPatience;
    j["checkpoint_every"] = job.checkpointEvery;
    j["keep_checkpoints"] = job.keepCheckpoints;
    j["mlm_probability"] = job.mlmProbability;
    if (!job.attentionProbe.empty()) {
        j["attention_probe"] = job.attentionProbe;
        j["snapshot_every"] = job.snapshotEvery;
    }
    return j.dump(2) + "\n";
}

std::string evaluationToJson(const EvalResult& r)
{
    Json j = Json::object();
    j["format"] = "lumen-evaluation-1";
    j["step"] = r.step;
    j["loss"] = r.loss;
    j["accuracy"] = r.accuracy;
    j["macro_f1"] = r.macroF1;
    j["perplexity"] = r.perplexity;
    j["labels"] = r.labels;
    j["confusion"] = r.confusion;
    Json examples = Json::array();
    for (const EvalExample& e : r.examples) {
        examples.push_back({ { "text", e.text }, { "gold", e.gold }, { "predicted", e.predicted }, { "probability", e.probability } });
    }
    j["examples"] = examples;
    return j.dump(2) + "\n";
}

EvalResult evaluationFromJson(const std::string& json)
{
    Json j;
    try {
        j = Json::parse(json);
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the evaluation file is not valid JSON: ") + e.what());
    }
    try {
        EvalResult r;
        r.step = j.value("step", int64_t { 0 });
        r.loss = j.value("loss", 0.0);
        r.accuracy = j.value("accuracy", 0.0);
        r.macroF1 = j.value("macro_f1", 0.0);
        r.perplexity = j.value("perplexity", 0.0);
        r.labels = j.value("labels", std::vector<std::string>());
        r.confusion = j.value("confusion", std::vector<std::vector<int64_t>>());
        if (!r.confusion.empty() && r.confusion.size() != r.labels.size()) {
            throw Error(ErrorKind::InvalidInput, "the evaluation's confusion matrix has " + std::to_string(r.confusion.size())
                                                     + " rows for " + std::to_string(r.labels.size()) + " labels.");
        }
        for (const auto& row : r.confusion) {
            if (row.size() != r.labels.size()) {
                throw Error(ErrorKind::InvalidInput, "a row of the evaluation's confusion matrix has " + std::to_string(row.size())
                                                         + " cells for " + std::to_string(r.labels.size()) + " labels.");
            }
        }
        for (const Json& e : j.value("examples", Json::array())) {
            r.examples.push_back({ e.at("text").get<std::string>(), e.at("gold").get<std::string>(),
                e.at("predicted").get<std::string>(), e.value("probability", 0.0) });
        }
        return r;
    } catch (const Json::exception& e) {
        throw Error(ErrorKind::InvalidInput, std::string("the evaluation file is malformed: ") + e.what());
    }
}

std::string trainSummaryToJson(const TrainResult& r)
{
    Json j { { "steps", r.steps }, { "device", r.device }, { "model_dir", r.modelDir }, { "checkpoint", r.lastCheckpoint },
        { "val_loss", r.lastEval.loss }, { "stopped_early", r.stoppedEarly }, { "samples_per_second", r.samplesPerSecond },
        { "mean_step_ms", r.meanStepMs } };
    if (!r.lastEval.labels.empty()) {
        j["val_accuracy"] = r.lastEval.accuracy;
        j["val_macro_f1"] = r.lastEval.macroF1;
    }
    if (!r.snapshotsFile.empty()) {
        j["attention_snapshots"] = r.snapshotsFile;
    }
    return j.dump();
}

} // namespace lumen::engine
