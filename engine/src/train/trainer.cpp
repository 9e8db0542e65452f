// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/train.h"

#include "io/json_file.h"
#include "lumen/engine/error.h"
#include "lumen/engine/model.h"
#include "lumen/engine/tokenizer.h"
#include "models/architecture.h"
#include "torch_convert.h"
#include "train/mixed_precision.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <numeric>
#include <random>
#include <regex>
#include <set>
#include <thread>

namespace lumen::engine {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
constexpr int64_t kIgnore = -100;
/// A snapshot holds layers x heads x seq^2 weights: the probe is a sentence, not a document.
constexpr int64_t kMaxProbeTokens = 64;
/// All of a run's snapshots together, in memory and on disk.
constexpr int64_t kMaxSnapshotBytes = int64_t { 512 } << 20;

/// One input the model reads: a text (or pair, or window of a long text) with its targets.
struct Sample {
    std::vector<int64_t> ids;
    std::vector<int64_t> types;
    std::vector<int64_t> tokenLabels; ///< token classification: per position, kIgnore where none
    std::vector<uint8_t> special; ///< 1 at special tokens (never masked)
    int64_t label = kIgnore; ///< sequence classification
    size_t source = 0; ///< the example it came from (windows of one text share it)
};

struct Batch {
    torch::Tensor ids, mask, types, labels;
    int64_t targets = 0; ///< labelled positions (or examples) the loss sums over
};

/// The cross-entropy summed over the labelled positions (or examples) of a batch.
torch::Tensor summedLoss(const torch::Tensor& logits, const Batch& batch)
{
    const int64_t classes = logits.size(-1);
    return torch::nn::functional::cross_entropy(logits.reshape({ -1, classes }), batch.labels.reshape({ -1 }),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnore).reduction(torch::kSum));
}

/// The architectures prefix of a model's family: "BertForMaskedLM" -> "Bert".
std::string familyPrefix(const std::string& architecture)
{
    for (const char* suffix : { "ForSequenceClassification", "ForTokenClassification", "ForMaskedLM", "ForCausalLM",
             "ForPreTraining", "ForConditionalGeneration", "LMHeadModel", "Model" }) {
        const std::string s = suffix;
        if (architecture.size() > s.size() && architecture.compare(architecture.size() - s.size(), s.size(), s) == 0) {
            return architecture.substr(0, architecture.size() - s.size());
        }
    }
    return architecture;
}

/// LibTorch's allocators say "CUDA out of memory" or "DefaultCPUAllocator: not enough
/// memory" / "can't allocate memory" (malloc failed).
bool isOutOfMemory(const c10::Error& e)
{
    const std::string what = e.what_without_backtrace();
    for (const char* sign : { "out of memory", "Out of memory", "not enough memory", "can't allocate memory" }) {
        if (what.find(sign) != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string padded(int64_t step)
{
    std::string s = std::to_string(step);
    return std::string(s.size() < 8 ? 8 - s.size() : 0, '0') + s;
}

/// Special tokens a single text gets before and after its pieces.
std::pair<std::vector<int64_t>, std::vector<int64_t>> specialsAround(const Tokenizer& tokenizer)
{
    const Encoding with = tokenizer.encode("a");
    size_t before = 0;
    while (before < with.size() && with.specialMask[before] != 0) {
        ++before;
    }
    size_t after = 0;
    while (after < with.size() - before && with.specialMask[with.size() - 1 - after] != 0) {
        ++after;
    }
    return { std::vector<int64_t>(with.ids.begin(), with.ids.begin() + static_cast<std::ptrdiff_t>(before)),
        std::vector<int64_t>(with.ids.end() - static_cast<std::ptrdiff_t>(after), with.ids.end()) };
}

/// Windows of `maxLength` over a text's pieces (specials around each), neighbours sharing
/// `stride` pieces; one window when it fits or when overflow is truncate.
std::vector<std::vector<int64_t>> windows(const std::vector<int64_t>& pieces, const std::vector<int64_t>& before,
                                          const std::vector<int64_t>& after, const TrainJob& job)
{
    const auto room = static_cast<size_t>(std::max<int64_t>(1, job.maxLength - static_cast<int64_t>(before.size() + after.size())));
    std::vector<std::vector<int64_t>> out;
    size_t start = 0;
    do {
        const size_t end = std::min(pieces.size(), start + room);
        std::vector<int64_t> w = before;
        w.insert(w.end(), pieces.begin() + static_cast<std::ptrdiff_t>(start), pieces.begin() + static_cast<std::ptrdiff_t>(end));
        w.insert(w.end(), after.begin(), after.end());
        out.push_back(std::move(w));
        if (end >= pieces.size() || job.overflow != "sliding") {
            break;
        }
        start = end - static_cast<size_t>(job.stride);
    } while (true);
    return out;
}

std::vector<Sample> encodeSamples(const Dataset& data, const Tokenizer& tokenizer, const TrainJob& job,
                                  const std::vector<std::string>& labels)
{
    std::map<std::string, int64_t> index;
    for (size_t i = 0; i < labels.size(); ++i) {
        index[labels[i]] = static_cast<int64_t>(i);
    }
    const auto labelOf = [&](const std::string& label, const Example& e) {
        const auto it = index.find(label);
        if (it == index.end()) {
            throw Error(ErrorKind::InvalidInput, fs::path(data.path).filename().string() + ":" + std::to_string(e.line)
                                                     + ": the label \"" + label
                                                     + "\" is not one the model was trained on.");
        }
        return it->second;
    };
    const auto [before, after] = specialsAround(tokenizer);
    std::vector<Sample> samples;
    for (size_t k = 0; k < data.examples.size(); ++k) {
        const Example& e = data.examples[k];
        if (job.task == TrainTask::TokenClassification) {
            Sample s;
            s.source = k;
            s.ids = before;
            s.tokenLabels.assign(before.size(), kIgnore);
            // The words as running text, each word's span in code points; every piece is the
            // word its characters overlap (the reference's word_ids()). The label goes on a
            // word's first piece, the others are not scored. (Tokenising words one by one
            // would differ from running text: SentencePiece gives " water" a piece "▁" of its
            // own, which would carry every word's label.)
            std::string text;
            std::vector<std::pair<int64_t, int64_t>> spans;
            int64_t at = 0;
            for (size_t w = 0; w < e.tokens.size(); ++w) {
                if (w > 0) {
                    text += ' ';
                    ++at;
                }
                int64_t length = 0;
                for (const char c : e.tokens[w]) {
                    length += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
                }
                spans.emplace_back(at, at + length);
                text += e.tokens[w];
                at += length;
            }
            EncodeOptions plain;
            plain.addSpecialTokens = false;
            const Encoding enc = tokenizer.encode(text, plain);
            size_t word = 0;
            std::vector<bool> labelled(e.tokens.size(), false);
            for (size_t p = 0; p < enc.size(); ++p) {
                const auto [from, to] = enc.offsets[p];
                while (word < spans.size() && spans[word].second <= from) {
                    ++word;
                }
                const bool inWord = word < spans.size() && from < spans[word].second && to > spans[word].first;
                s.ids.push_back(enc.ids[p]);
                if (inWord && !labelled[word]) {
                    labelled[word] = true;
                    s.tokenLabels.push_back(labelOf(e.tags[word], e));
                } else {
                    s.tokenLabels.push_back(kIgnore);
                }
            }
            if (static_cast<int64_t>(s.ids.size() + after.size()) > job.maxLength) {
                s.ids.resize(static_cast<size_t>(job.maxLength) - after.size());
                s.tokenLabels.resize(s.ids.size());
            }
            s.ids.insert(s.ids.end(), after.begin(), after.end());
            s.tokenLabels.resize(s.ids.size(), kIgnore);
            s.types.assign(s.ids.size(), 0);
            s.special.assign(s.ids.size(), 0);
            samples.push_back(std::move(s));
            continue;
        }
        if (!e.pair.empty()) {
            EncodeOptions options;
            options.maxLength = job.maxLength;
            const Encoding enc = tokenizer.encodePair(e.text, e.pair, options);
            Sample s;
            s.source = k;
            s.ids = enc.ids;
            s.types = enc.typeIds.empty() ? std::vector<int64_t>(enc.ids.size(), 0) : enc.typeIds;
            s.special = enc.specialMask;
            s.label = labelOf(e.label, e);
            samples.push_back(std::move(s));
            continue;
        }
        EncodeOptions plain;
        plain.addSpecialTokens = false;
        const Encoding enc = tokenizer.encode(e.text, plain);
        for (std::vector<int64_t>& w : windows(enc.ids, before, after, job)) {
            Sample s;
            s.source = k;
            s.ids = std::move(w);
            s.types.assign(s.ids.size(), 0);
            s.special.assign(s.ids.size(), 0);
            std::fill(s.special.begin(), s.special.begin() + static_cast<std::ptrdiff_t>(before.size()), 1);
            std::fill(s.special.end() - static_cast<std::ptrdiff_t>(after.size()), s.special.end(), 1);
            if (job.task == TrainTask::SequenceClassification) {
                s.label = labelOf(e.label, e);
            }
            samples.push_back(std::move(s));
        }
    }
    return samples;
}

/// The complete checkpoints under `outputDir`/checkpoints, oldest first (step numbers are
/// zero-padded, so the names sort by step).
std::vector<fs::path> checkpointFolders(const std::string& outputDir)
{
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(outputDir) / "checkpoints", ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory() && name.rfind("step-", 0) == 0 && name.find(".partial") == std::string::npos) {
            found.push_back(entry.path());
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

class Trainer {
public:
    Trainer(const TrainJob& job, std::string outputDir, const TrainCallbacks& callbacks)
        : job_(job)
        , out_(std::move(outputDir))
        , cb_(callbacks)
    {
    }

    TrainResult run(bool resume);

    /// What to tell a user whose step `step` (0-based) ran out of memory.
    Error outOfMemory(int64_t step) const
    {
        return Error(ErrorKind::OutOfMemory,
            "out of memory at step " + std::to_string(step + 1) + " on " + device_.str() + " (batch_size "
                + std::to_string(job_.batchSize) + ", max_length " + std::to_string(job_.maxLength)
                + "). Try a smaller batch_size with more gradient_accumulation (the same effective batch), a shorter "
                  "max_length, freezing the embeddings and first layers, or gradient_checkpointing"
                + (device_.is_cuda() && job_.mixedPrecision == "no" ? ", or mixed_precision bf16" : "") + ".");
    }

private:
    void log(const std::string& message) const
    {
        if (cb_.log) {
            cb_.log(message);
        }
    }
    bool cancelled() const { return cb_.cancel != nullptr && cb_.cancel->load(); }

    void prepareData();
    void prepareModel(bool resume);
    void makeOptimizer();
    /// `first`: the position of samples[0] in its step's order; masks draw from (seed, step,
    /// position) per sample, so how a step is cut into micro-batches changes nothing.
    Batch collate(const std::vector<const Sample*>& samples, int64_t step, int64_t first);
    /// The model's logits for a batch (train: with dropout, checkpointing when asked).
    torch::Tensor logitsOf(const Batch& batch, bool train);
    double learningRate(int64_t step) const;
    EvalResult evaluate(int64_t step);
    std::string saveCheckpoint(int64_t step);
    void saveFinal();
    /// Watching attention form: encodes the probe (and on a resume takes the snapshots the
    /// checkpoint carries, up to its step).
    void prepareProbe(bool resume);
    /// The probe's attention now, after `step` optimizer steps; `loss` as AttentionSnapshot's.
    void takeSnapshot(int64_t step, double loss);
    /// Writes the snapshots into `dir` (the run's folder or a checkpoint being written).
    void writeSnapshots(const fs::path& dir) const;
    bool snapshotting() const { return probeIds_.defined(); }
    /// The mean training loss since the last snapshot (and starts the next mean).
    double snapshotLoss()
    {
        const double mean = stepsSinceSnapshot_ > 0 ? lossSinceSnapshot_ / static_cast<double>(stepsSinceSnapshot_)
                                                     : std::numeric_limits<double>::quiet_NaN();
        lossSinceSnapshot_ = 0.0;
        stepsSinceSnapshot_ = 0;
        return mean;
    }
    /// The run's snapshot file, "" when it has none.
    std::string snapshotsFile() const
    {
        return snapshots_.snapshots.empty() ? std::string() : (fs::path(out_) / attentionSnapshotsFileName()).string();
    }

    TrainJob job_;
    std::string out_;
    TrainCallbacks cb_;
    Dataset trainData_;
    Dataset validData_;
    std::vector<std::string> labels_;
    std::vector<Sample> trainSamples_;
    std::vector<Sample> validSamples_;
    std::unique_ptr<Model> model_;
    Json config_;
    std::string tokenizerDir_;
    torch::Device device_ { torch::kCPU };
    std::unique_ptr<torch::optim::AdamW> optimizer_;
    std::vector<torch::Tensor> trained_;
    int64_t startStep_ = 0;
    int64_t stepsPerEpoch_ = 1;
    int64_t totalSteps_ = 1;
    double bestLoss_ = std::numeric_limits<double>::infinity();
    int64_t badEvals_ = 0;
    int64_t padId_ = 0;
    int64_t maskId_ = -1;
    int64_t vocab_ = 0;
    torch::ScalarType autocast_ = torch::kFloat; ///< kFloat: no mixed precision
    std::unique_ptr<LossScaler> scaler_; ///< fp16 only
    torch::Tensor probeIds_; ///< [1, seq] on the device; undefined = no snapshots
    AttentionSnapshots snapshots_;
    int64_t snapshotEvery_ = 0;
    double lossSinceSnapshot_ = 0.0; ///< summed training losses since the last snapshot
    int64_t stepsSinceSnapshot_ = 0;
};

void Trainer::prepareData()
{
    const DatasetKind kind = job_.task == TrainTask::SequenceClassification ? DatasetKind::Classification
        : job_.task == TrainTask::TokenClassification                     ? DatasetKind::Tokens
                                                                          : DatasetKind::Text;
    const Dataset all = loadDataset(job_.train, kind);
    if (!job_.validation.path.empty()) {
        trainData_ = all;
        validData_ = loadDataset(job_.validation, kind);
    } else {
        std::tie(trainData_, validData_) = splitDataset(all, job_.validationFraction, job_.seed);
    }
    labels_ = all.labels;
    if (kind != DatasetKind::Text && labels_.size() < 2) {
        throw Error(ErrorKind::InvalidInput, fs::path(job_.train.path).filename().string() + ": only one "
                                                 + (kind == DatasetKind::Tokens ? std::string("tag") : std::string("label"))
                                                 + " (\"" + (labels_.empty() ? std::string() : labels_.front())
                                                 + "\"): a classifier needs at least two.");
    }
    // A label only the validation file has is an error, named with its line, at encoding.
}

void Trainer::prepareModel(bool resume)
{
    device_ = job_.device == "auto" ? (torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU))
                                    : parseDevice(job_.device);
    if (job_.mixedPrecision == "fp16") {
        if (!device_.is_cuda()) {
            throw Error(ErrorKind::InvalidInput, "mixed_precision fp16 needs a CUDA device, and this job runs on "
                                                     + device_.str() + ". Use bf16 on the CPU, or \"no\".");
        }
        autocast_ = torch::kHalf;
        scaler_ = std::make_unique<LossScaler>();
    } else if (job_.mixedPrecision == "bf16") {
        autocast_ = torch::kBFloat16;
    }
    std::string weightsDir = job_.model;
    std::error_code ec;
    if (resume) {
        const std::string newest = newestCheckpoint(out_);
        if (newest.empty()) {
            throw Error(ErrorKind::InvalidInput, "there is no checkpoint to resume from in " + out_
                                                     + "/checkpoints. Start the job again instead.");
        }
        weightsDir = newest;
        const Json state = readJsonFile((fs::path(newest) / "trainer_state.json").string());
        startStep_ = state.at("step").get<int64_t>();
        bestLoss_ = state.value("best_loss", std::numeric_limits<double>::infinity());
        badEvals_ = state.value("bad_evals", int64_t { 0 });
        if (scaler_ && state.contains("loss_scale")) {
            scaler_->restore(state.at("loss_scale").get<double>(), state.value("loss_scale_good_steps", int64_t { 0 }));
        }
        log("resuming from " + weightsDir + " after step " + std::to_string(startStep_));
    }
    config_ = readJsonFile((fs::path(weightsDir) / "config.json").string());
    tokenizerDir_ = weightsDir;
    // What the model is, from its configuration alone: its weights are read once, below.
    const ModelInfo info = createArchitecture(ModelConfig::load(weightsDir))->describe();
    std::unique_ptr<Tokenizer> tokenizer;
    try {
        tokenizer = loadTokenizer(weightsDir);
    } catch (const Error&) {
        throw Error(ErrorKind::InvalidInput, weightsDir + " has no tokenizer files, so Lumen cannot read the data for it.");
    }
    const bool classifier = job_.task == TrainTask::SequenceClassification || job_.task == TrainTask::TokenClassification;
    if (classifier) {
        const std::string wanted = job_.task == TrainTask::SequenceClassification ? "sequence-classification"
                                                                                   : "token-classification";
        if (info.headKind != wanted || info.labels != labels_) {
            // A new head for these labels on the model's own stack.
            config_["architectures"] = Json::array({ familyPrefix(info.architecture)
                + (job_.task == TrainTask::SequenceClassification ? "ForSequenceClassification" : "ForTokenClassification") });
            Json id2label = Json::object();
            Json label2id = Json::object();
            for (size_t i = 0; i < labels_.size(); ++i) {
                id2label[std::to_string(i)] = labels_[i];
                label2id[labels_[i]] = i;
            }
            config_["id2label"] = id2label;
            config_["label2id"] = label2id;
            config_["num_labels"] = labels_.size();
            if (info.modelType.rfind("lumen-", 0) == 0) {
                config_["causal"] = info.isCausal;
            }
            // The reference finds a decoder's last real token by the pad id: GPT-2 pads with eos.
            if (!config_.contains("pad_token_id") || config_["pad_token_id"].is_null()) {
                if (const auto eos = tokenizer->specialTokens().eos) {
                    config_["pad_token_id"] = *eos;
                }
            }
        }
    } else if (job_.task == TrainTask::MaskedLm && info.headKind != "masked-lm" && info.headKind != "pretraining") {
        throw Error(ErrorKind::InvalidInput, info.architecture + " has no masked-LM head (its head is \"" + info.headKind
                                                 + "\"): masked-LM training needs one. Start from a ...ForMaskedLM model.");
    } else if (job_.task == TrainTask::CausalLm && info.headKind != "causal-lm") {
        throw Error(ErrorKind::InvalidInput, info.architecture + " is not a causal LM (its head is \"" + info.headKind
                                                 + "\"): causal-LM training needs a decoder (GPT-2, LLaMA-style, a Lumen ...ForCausalLM).");
    }
    std::vector<std::string> fresh;
    try {
        model_ = ModelInternals::loadForTraining(config_, weightsDir, tokenizerDir_, device_.str(), job_.seed, &fresh);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Unsupported && classifier) {
            throw Error(ErrorKind::Unsupported, std::string(e.what()) + " Lumen fine-tunes classifiers of the families it "
                                                                        "lists in docs/training.md.");
        }
        throw;
    }
    if (job_.gradientCheckpointing && info.modelType == "t5") {
        log("gradient checkpointing is not available for t5 yet: training without it");
    }
    if (!fresh.empty()) {
        log("new parameters (initialised from the seed): " + std::to_string(fresh.size()) + ", e.g. " + fresh.front());
    }
    const SpecialTokens& special = model_->tokenizer()->specialTokens();
    padId_ = special.pad.value_or(special.eos.value_or(0));
    maskId_ = special.mask.value_or(-1);
    vocab_ = model_->info().vocabSize;
    if (job_.task == TrainTask::MaskedLm && maskId_ < 0) {
        throw Error(ErrorKind::InvalidInput, "the tokenizer has no mask token, so masked-LM training cannot mask anything.");
    }
}

void Trainer::makeOptimizer()
{
    Architecture& arch = ModelInternals::architecture(*model_);
    static const std::regex layerIndex(R"((^|\.)(layer|layers|h|block)\.(\d+)\.)");
    std::vector<torch::Tensor> decay;
    std::vector<torch::Tensor> noDecay;
    int64_t frozen = 0;
    for (auto& item : arch.named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        bool freeze = job_.freezeEmbeddings && name.find("embeddings") != std::string::npos;
        std::smatch m;
        if (job_.freezeLayers > 0 && std::regex_search(name, m, layerIndex) && std::stoll(m[3].str()) < job_.freezeLayers) {
            freeze = true;
        }
        if (freeze) {
            item.value().set_requires_grad(false);
            frozen += item.value().numel();
            continue;
        }
        item.value().set_requires_grad(true);
        trained_.push_back(item.value());
        const bool norm = name.find("norm") != std::string::npos || name.find("LayerNorm") != std::string::npos;
        (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) || norm ? noDecay.push_back(item.value())
                                                                                    : decay.push_back(item.value());
    }
    if (trained_.empty()) {
        throw Error(ErrorKind::InvalidInput, "every parameter is frozen: train fewer frozen layers.");
    }
    if (frozen > 0) {
        log("frozen: " + std::to_string(frozen) + " parameters");
    }
    torch::optim::AdamWOptions options(job_.learningRate);
    options.betas({ job_.beta1, job_.beta2 }).eps(job_.epsilon).weight_decay(job_.weightDecay);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(options));
    auto none = std::make_unique<torch::optim::AdamWOptions>(options);
    none->weight_decay(0.0);
    groups.emplace_back(noDecay, std::move(none));
    optimizer_ = std::make_unique<torch::optim::AdamW>(groups, options);
}

Batch Trainer::collate(const std::vector<const Sample*>& samples, int64_t step, int64_t first)
{
    size_t longest = 0;
    for (const Sample* s : samples) {
        longest = std::max(longest, s->ids.size());
    }
    const auto b = static_cast<int64_t>(samples.size());
    const auto L = static_cast<int64_t>(longest);
    std::vector<int64_t> ids(static_cast<size_t>(b * L), padId_);
    std::vector<int64_t> mask(static_cast<size_t>(b * L), 0);
    std::vector<int64_t> types(static_cast<size_t>(b * L), 0);
    std::vector<int64_t> labels;
    Batch batch;
    const bool tokenLevel = job_.task != TrainTask::SequenceClassification;
    labels.assign(tokenLevel ? static_cast<size_t>(b * L) : static_cast<size_t>(b), kIgnore);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::uniform_int_distribution<int64_t> anyToken(0, std::max<int64_t>(0, vocab_ - 1));
    for (int64_t r = 0; r < b; ++r) {
        // Masks draw from (seed, step, the sample's place in the step): the same on a
        // resumed run, and however the step is cut into micro-batches.
        std::mt19937_64 rng(job_.seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(step + 2) * 1000003ULL
                            + static_cast<uint64_t>(first + r));
        const Sample& s = *samples[static_cast<size_t>(r)];
        const auto offset = static_cast<size_t>(r * L);
        std::copy(s.ids.begin(), s.ids.end(), ids.begin() + static_cast<std::ptrdiff_t>(offset));
        std::fill(mask.begin() + static_cast<std::ptrdiff_t>(offset), mask.begin() + static_cast<std::ptrdiff_t>(offset + s.ids.size()), 1);
        std::copy(s.types.begin(), s.types.end(), types.begin() + static_cast<std::ptrdiff_t>(offset));
        if (job_.task == TrainTask::SequenceClassification) {
            labels[static_cast<size_t>(r)] = s.label;
            ++batch.targets;
        } else if (job_.task == TrainTask::TokenClassification) {
            for (size_t t = 0; t < s.tokenLabels.size(); ++t) {
                labels[offset + t] = s.tokenLabels[t];
                batch.targets += s.tokenLabels[t] != kIgnore ? 1 : 0;
            }
        } else if (job_.task == TrainTask::CausalLm) {
            // Position t predicts token t + 1.
            for (size_t t = 0; t + 1 < s.ids.size(); ++t) {
                labels[offset + t] = s.ids[t + 1];
                ++batch.targets;
            }
        } else {
            for (size_t t = 0; t < s.ids.size(); ++t) {
                if (t < s.special.size() && s.special[t] != 0) {
                    continue; // [CLS], [SEP]
                }
                if (uniform(rng) >= job_.mlmProbability) {
                    continue;
                }
                labels[offset + t] = s.ids[t];
                ++batch.targets;
                const double what = uniform(rng);
                if (what < 0.8) {
                    ids[offset + t] = maskId_;
                } else if (what < 0.9) {
                    ids[offset + t] = anyToken(rng);
                }
            }
        }
    }
    const auto tensor = [&](std::vector<int64_t>& v, std::vector<int64_t> shape) {
        return torch::tensor(v, torch::kLong).view(shape).to(device_);
    };
    batch.ids = tensor(ids, { b, L });
    batch.mask = tensor(mask, { b, L });
    batch.types = tensor(types, { b, L });
    batch.labels = tokenLevel ? tensor(labels, { b, L }) : tensor(labels, { b });
    return batch;
}

torch::Tensor Trainer::logitsOf(const Batch& batch, bool train)
{
    Architecture& arch = ModelInternals::architecture(*model_);
    train ? arch.train() : arch.eval();
    ArchInput in;
    in.inputIds = batch.ids;
    in.attentionMask = batch.mask;
    in.tokenTypeIds = batch.types;
    in.checkpointLayers = train && job_.gradientCheckpointing;
    const AutocastScope precision(device_, autocast_);
    return arch.run(in, {}).logits.to(torch::kFloat);
}

double Trainer::learningRate(int64_t step) const
{
    // The reference's schedules, step counted from 0 at the first update.
    const auto s = static_cast<double>(step);
    const auto warm = static_cast<double>(job_.warmupSteps);
    const auto total = static_cast<double>(totalSteps_);
    if (step < job_.warmupSteps) {
        return job_.learningRate * s / std::max(1.0, warm);
    }
    if (job_.schedule == "constant") {
        return job_.learningRate;
    }
    const double progress = (s - warm) / std::max(1.0, total - warm);
    if (job_.schedule == "cosine") {
        return job_.learningRate * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
    }
    return job_.learningRate * std::max(0.0, (total - s) / std::max(1.0, total - warm));
}

EvalResult Trainer::evaluate(int64_t step)
{
    torch::NoGradGuard noGrad;
    EvalResult r;
    r.step = step;
    r.labels = labels_;
    const size_t n = labels_.size();
    r.confusion.assign(n, std::vector<int64_t>(n, 0));
    double lossSum = 0.0;
    int64_t targets = 0;
    // Sequence classification: the logits of one example's windows are averaged.
    std::map<size_t, std::pair<torch::Tensor, int64_t>> perExample;
    const auto batchSize = static_cast<size_t>(std::max<int64_t>(1, job_.batchSize));
    for (size_t start = 0; start < validSamples_.size(); start += batchSize) {
        std::vector<const Sample*> part;
        for (size_t i = start; i < std::min(validSamples_.size(), start + batchSize); ++i) {
            part.push_back(&validSamples_[i]);
        }
        // Evaluation masks from a fixed stream, so every evaluation sees the same masks.
        const Batch batch = collate(part, -1, static_cast<int64_t>(start));
        const torch::Tensor logits = logitsOf(batch, false);
        lossSum += summedLoss(logits, batch).item<double>();
        targets += batch.targets;
        if (job_.task == TrainTask::SequenceClassification) {
            const torch::Tensor cpu = logits.to(torch::kCPU);
            for (size_t i = 0; i < part.size(); ++i) {
                auto& [sum, count] = perExample[part[i]->source];
                sum = sum.defined() ? sum + cpu[static_cast<int64_t>(i)] : cpu[static_cast<int64_t>(i)].clone();
                ++count;
            }
        } else if (job_.task == TrainTask::TokenClassification) {
            const torch::Tensor predicted = logits.argmax(-1).to(torch::kCPU).reshape({ -1 });
            const torch::Tensor gold = batch.labels.to(torch::kCPU).reshape({ -1 });
            for (int64_t t = 0; t < gold.size(0); ++t) {
                const int64_t g = gold[t].item<int64_t>();
                if (g != kIgnore) {
                    ++r.confusion[static_cast<size_t>(g)][static_cast<size_t>(predicted[t].item<int64_t>())];
                }
            }
        }
    }
    r.loss = targets > 0 ? lossSum / static_cast<double>(targets) : 0.0;
    if (job_.task == TrainTask::MaskedLm || job_.task == TrainTask::CausalLm) {
        r.perplexity = std::exp(r.loss);
        r.labels.clear();
        r.confusion.clear();
        return r;
    }
    if (job_.task == TrainTask::SequenceClassification) {
        std::vector<EvalExample> right;
        std::vector<EvalExample> wrong;
        for (const auto& [source, entry] : perExample) {
            const torch::Tensor p = torch::softmax(entry.first / static_cast<double>(entry.second), -1);
            const int64_t best = p.argmax().item<int64_t>();
            const Example& e = validData_.examples[source];
            const auto goldIndex = static_cast<size_t>(std::find(labels_.begin(), labels_.end(), e.label) - labels_.begin());
            ++r.confusion[goldIndex][static_cast<size_t>(best)];
            EvalExample x { e.pair.empty() ? e.text : e.text + " | " + e.pair, e.label, labels_[static_cast<size_t>(best)],
                p[best].item<double>() };
            (static_cast<size_t>(best) == goldIndex ? right : wrong).push_back(std::move(x));
        }
        // Errors first, the most confident mistakes at the top.
        std::sort(wrong.begin(), wrong.end(), [](const EvalExample& a, const EvalExample& b) { return a.probability > b.probability; });
        r.examples = wrong;
        r.examples.insert(r.examples.end(), right.begin(), right.end());
        if (r.examples.size() > 200) {
            r.examples.resize(200);
        }
    }
    int64_t correct = 0;
    int64_t total = 0;
    double f1 = 0.0;
    for (size_t c = 0; c < n; ++c) {
        int64_t tp = r.confusion[c][c];
        int64_t goldCount = 0;
        int64_t predictedCount = 0;
        for (size_t o = 0; o < n; ++o) {
            goldCount += r.confusion[c][o];
            predictedCount += r.confusion[o][c];
        }
        correct += tp;
        total += goldCount;
        const double precision = predictedCount > 0 ? static_cast<double>(tp) / static_cast<double>(predictedCount) : 0.0;
        const double recall = goldCount > 0 ? static_cast<double>(tp) / static_cast<double>(goldCount) : 0.0;
        f1 += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }
    r.accuracy = total > 0 ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
    r.macroF1 = n > 0 ? f1 / static_cast<double>(n) : 0.0;
    return r;
}

std::string Trainer::saveCheckpoint(int64_t step)
{
    const fs::path dir = fs::path(out_) / "checkpoints" / ("step-" + padded(step));
    const fs::path partial = fs::path(out_) / "checkpoints" / ("step-" + padded(step) + ".partial");
    std::error_code ec;
    fs::remove_all(partial, ec);
    saveArchitecture(ModelInternals::architecture(*model_), config_, partial.string(), tokenizerDir_);
    torch::save(*optimizer_, (partial / "optimizer.pt").string());
    Json state { { "step", step }, { "bad_evals", badEvals_ }, { "task", trainTaskName(job_.task) } };
    if (scaler_) {
        state["loss_scale"] = scaler_->scale();
        state["loss_scale_good_steps"] = scaler_->goodSteps();
    }
    if (std::isfinite(bestLoss_)) {
        state["best_loss"] = bestLoss_;
    }
    std::ofstream(partial / "trainer_state.json") << state.dump(2) << '\n';
    writeSnapshots(partial);
    writeSnapshots(out_);
    fs::remove_all(dir, ec);
    fs::rename(partial, dir, ec);
    if (ec) {
        throw Error(ErrorKind::Io, "cannot write the checkpoint " + dir.string() + ": " + ec.message());
    }
    // Keep the newest few.
    const std::vector<fs::path> all = checkpointFolders(out_);
    for (size_t i = 0; i + static_cast<size_t>(job_.keepCheckpoints) < all.size(); ++i) {
        fs::remove_all(all[i], ec);
    }
    if (cb_.checkpointed) {
        cb_.checkpointed(dir.string(), step);
    }
    return dir.string();
}

void Trainer::saveFinal()
{
    const fs::path dir = fs::path(out_) / "model";
    saveArchitecture(ModelInternals::architecture(*model_), config_, dir.string(), tokenizerDir_);
}

void Trainer::prepareProbe(bool resume)
{
    if (job_.attentionProbe.empty()) {
        return;
    }
    const Tokenizer& tokenizer = *model_->tokenizer();
    EncodeOptions options;
    options.maxLength = std::min<int64_t>(job_.maxLength, kMaxProbeTokens);
    const Encoding enc = tokenizer.encode(job_.attentionProbe, options);
    if (enc.ids.empty()) {
        log("the attention probe has no tokens: no attention snapshots");
        return;
    }
    if (enc.truncated) {
        log("the attention probe is cut to its first " + std::to_string(options.maxLength) + " tokens");
    }
    const ModelInfo& info = model_->info();
    snapshots_ = {};
    snapshots_.probe = job_.attentionProbe;
    snapshots_.modelType = info.modelType;
    snapshots_.tokens = enc.tokens;
    snapshots_.offsets = enc.offsets;
    snapshots_.special = enc.specialMask;
    snapshots_.special.resize(enc.tokens.size(), 0);
    snapshots_.offsets.resize(enc.tokens.size(), { 0, 0 });
    snapshots_.causal = info.isCausal;
    snapshots_.kernels = info.modelType == "lumen-lightconv" || info.modelType == "lumen-dynamicconv";
    probeIds_ = torch::tensor(enc.ids, torch::kLong).view({ 1, -1 }).to(device_);
    // About 20 snapshots over the run unless the job says how often.
    snapshotEvery_ = job_.snapshotEvery > 0 ? job_.snapshotEvery : std::max<int64_t>(1, (totalSteps_ + 19) / 20);
    // They are kept in memory (and rewritten at each checkpoint): refuse what would not fit.
    const int64_t count = totalSteps_ / snapshotEvery_ + 2;
    const auto seq = static_cast<int64_t>(enc.ids.size());
    const int64_t each = std::max<int64_t>(1, info.numLayers) * std::max<int64_t>(1, info.numHeads) * seq * seq * 4;
    if (count * each > kMaxSnapshotBytes) {
        const int64_t fits = std::max<int64_t>(1, kMaxSnapshotBytes / each - 2);
        throw Error(ErrorKind::InvalidInput, "snapshot_every " + std::to_string(snapshotEvery_) + " would keep "
                + std::to_string(count) + " attention snapshots of " + std::to_string(each / 1024) + " KB ("
                + std::to_string(count * each / (1024 * 1024)) + " MB): make snapshot_every at least "
                + std::to_string((totalSteps_ + fits - 1) / fits) + ", or the probe shorter.");
    }
    if (resume) {
        const fs::path earlier = fs::path(newestCheckpoint(out_)) / attentionSnapshotsFileName();
        std::error_code ec;
        if (fs::exists(earlier, ec)) {
            try {
                AttentionSnapshots before = loadAttentionSnapshots(earlier.string());
                if (before.probe == snapshots_.probe && before.tokens == snapshots_.tokens) {
                    for (AttentionSnapshot& snap : before.snapshots) {
                        if (snap.step <= startStep_) {
                            snapshots_.snapshots.push_back(std::move(snap));
                        }
                    }
                } else {
                    log("the checkpoint's attention snapshots are of another probe: starting new ones");
                }
            } catch (const Error& e) {
                log(std::string("the checkpoint's attention snapshots cannot be read (") + e.what() + "): starting new ones");
            }
        }
    }
}

void Trainer::takeSnapshot(int64_t step, double loss)
{
    if (!snapshotting() || (!snapshots_.snapshots.empty() && snapshots_.snapshots.back().step >= step)) {
        return;
    }
    Architecture& arch = ModelInternals::architecture(*model_);
    ArchOutput out;
    try {
        torch::NoGradGuard noGrad;
        arch.eval();
        ArchInput in;
        in.inputIds = probeIds_;
        in.attentionMask = torch::ones_like(probeIds_);
        in.tokenTypeIds = torch::zeros_like(probeIds_);
        TraceRequest trace;
        trace.attentions = true;
        out = arch.run(in, trace);
    } catch (const c10::Error& e) {
        if (isOutOfMemory(e)) {
            throw;
        }
        log(std::string("the attention probe cannot run through this model (") + e.what_without_backtrace()
            + "): no attention snapshots");
        probeIds_ = torch::Tensor();
        return;
    } catch (const Error& e) {
        log(std::string("the attention probe cannot run through this model (") + e.what() + "): no attention snapshots");
        probeIds_ = torch::Tensor();
        return;
    }
    if (out.attentions.empty()) {
        log(model_->info().architecture + " has no attention maps: no attention snapshots");
        probeIds_ = torch::Tensor();
        return;
    }
    const torch::Tensor all = torch::cat(out.attentions, 0).to(torch::kCPU, torch::kFloat).contiguous(); // [layers, heads, q, k]
    AttentionSnapshot snap;
    snap.step = step;
    snap.loss = loss;
    snap.attentions.shape.assign(all.sizes().begin(), all.sizes().end());
    snap.attentions.data.assign(all.data_ptr<float>(), all.data_ptr<float>() + all.numel());
    snapshots_.snapshots.push_back(std::move(snap));
    if (cb_.snapshot) {
        cb_.snapshot(snapshots_, snapshots_.snapshots.back());
    }
}

void Trainer::writeSnapshots(const fs::path& dir) const
{
    if (!snapshotting() && snapshots_.snapshots.empty()) {
        return;
    }
    saveAttentionSnapshots((dir / attentionSnapshotsFileName()).string(), snapshots_);
}

TrainResult Trainer::run(bool resume)
{
    prepareData();
    prepareModel(resume);
    makeOptimizer();
    if (resume) {
        torch::load(*optimizer_, (fs::path(newestCheckpoint(out_)) / "optimizer.pt").string());
    }
    const Tokenizer& tokenizer = *model_->tokenizer();
    trainSamples_ = encodeSamples(trainData_, tokenizer, job_, labels_);
    validSamples_ = encodeSamples(validData_, tokenizer, job_, labels_);
    const int64_t perStep = job_.batchSize * job_.gradientAccumulation;
    stepsPerEpoch_ = std::max<int64_t>(1, (static_cast<int64_t>(trainSamples_.size()) + perStep - 1) / perStep);
    totalSteps_ = job_.maxSteps > 0 ? job_.maxSteps : job_.epochs * stepsPerEpoch_;
    log(std::to_string(trainSamples_.size()) + " training inputs, " + std::to_string(validSamples_.size())
        + " for validation, " + std::to_string(totalSteps_) + " steps on " + device_.str());
    prepareProbe(resume);
    takeSnapshot(startStep_, std::numeric_limits<double>::quiet_NaN());

    TrainResult result;
    result.labels = labels_;
    result.device = device_.str();
    std::vector<size_t> order;
    int64_t orderEpoch = -1;
    double stepSeconds = 0.0;
    int64_t timedSteps = 0;
    for (int64_t step = startStep_; step < totalSteps_; ++step) {
        while (cb_.pause != nullptr && cb_.pause->load() && !cancelled()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (cancelled()) {
            result.status = JobStatus::Cancelled;
            result.steps = step;
            if (step > startStep_) {
                takeSnapshot(step, snapshotLoss());
                result.lastCheckpoint = saveCheckpoint(step);
            }
            result.snapshotsFile = snapshotsFile();
            return result;
        }
        const auto started = std::chrono::steady_clock::now();
        const int64_t epoch = step / stepsPerEpoch_;
        if (epoch != orderEpoch) {
            order.resize(trainSamples_.size());
            std::iota(order.begin(), order.end(), size_t { 0 });
            std::mt19937_64 rng(job_.seed * 1000003ULL + static_cast<uint64_t>(epoch));
            std::shuffle(order.begin(), order.end(), rng);
            orderEpoch = epoch;
        }
        const int64_t within = step % stepsPerEpoch_;
        std::vector<Batch> micro;
        int64_t targets = 0;
        for (int64_t m = 0; m < job_.gradientAccumulation; ++m) {
            std::vector<const Sample*> part;
            const int64_t first = (within * job_.gradientAccumulation + m) * job_.batchSize;
            for (int64_t i = first; i < first + job_.batchSize && i < static_cast<int64_t>(order.size()); ++i) {
                part.push_back(&trainSamples_[order[static_cast<size_t>(i)]]);
            }
            if (part.empty()) {
                break;
            }
            // Masks follow the sample, not the micro-batch split, so k batches of b mask as
            // one batch of k x b does.
            micro.push_back(collate(part, step, m * job_.batchSize));
            targets += micro.back().targets;
        }
        double stepLoss = 0.0;
        double gradNorm = 0.0;
        const double lr = learningRate(step);
        try {
            torch::manual_seed(job_.seed + static_cast<uint64_t>(step)); // dropout: the same on a resumed run
            for (const Batch& b : micro) {
                const torch::Tensor loss = summedLoss(logitsOf(b, true), b) / static_cast<double>(std::max<int64_t>(1, targets));
                (scaler_ ? loss * scaler_->scale() : loss).backward();
                stepLoss += loss.item<double>();
            }
            // fp16: gradients back to their true size; an overflow skips the update.
            const bool finite = !scaler_ || scaler_->unscale(trained_);
            if (finite) {
                // The norm before clipping (clipping with an infinite bound only measures it).
                gradNorm = torch::nn::utils::clip_grad_norm_(
                    trained_, job_.maxGradNorm > 0 ? job_.maxGradNorm : std::numeric_limits<double>::infinity());
                for (auto& group : optimizer_->param_groups()) {
                    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
                }
                optimizer_->step();
            } else {
                gradNorm = std::numeric_limits<double>::infinity();
                log("step " + std::to_string(step + 1) + ": fp16 gradients overflowed, update skipped, loss scale "
                    + std::to_string(scaler_->scale() / 2.0));
            }
            if (scaler_) {
                scaler_->update();
            }
            optimizer_->zero_grad();
        } catch (const std::bad_alloc&) {
            throw outOfMemory(step);
        } catch (const c10::Error& e) {
            if (isOutOfMemory(e)) {
                throw outOfMemory(step);
            }
            throw;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        stepSeconds += seconds;
        ++timedSteps;
        lossSinceSnapshot_ += stepLoss;
        ++stepsSinceSnapshot_;
        if (cb_.step) {
            TrainProgress p;
            p.step = step + 1;
            p.totalSteps = totalSteps_;
            p.epoch = static_cast<double>(step + 1) / static_cast<double>(stepsPerEpoch_);
            p.loss = stepLoss;
            p.gradNorm = gradNorm;
            p.learningRate = lr;
            const double mean = stepSeconds / static_cast<double>(timedSteps);
            p.samplesPerSecond = mean > 0 ? static_cast<double>(perStep) / mean : 0.0;
            p.etaSeconds = mean * static_cast<double>(totalSteps_ - step - 1);
            cb_.step(p);
        }
        const bool epochEnd = (step + 1) % stepsPerEpoch_ == 0;
        const bool last = step + 1 == totalSteps_;
        if (snapshotting() && ((step + 1) % snapshotEvery_ == 0 || last)) {
            takeSnapshot(step + 1, snapshotLoss());
        }
        if ((job_.evalEvery > 0 ? (step + 1) % job_.evalEvery == 0 : epochEnd) || last) {
            if (!validSamples_.empty()) {
                result.lastEval = evaluate(step + 1);
                if (cb_.evaluated) {
                    cb_.evaluated(result.lastEval);
                }
                if (result.lastEval.loss < bestLoss_ - 1e-12) {
                    bestLoss_ = result.lastEval.loss;
                    badEvals_ = 0;
                } else if (++badEvals_ >= job_.earlyStoppingPatience && job_.earlyStoppingPatience > 0) {
                    log("stopping early: no better validation loss in " + std::to_string(badEvals_) + " evaluations");
                    result.stoppedEarly = true;
                    result.steps = step + 1;
                    takeSnapshot(step + 1, snapshotLoss());
                    result.lastCheckpoint = saveCheckpoint(step + 1);
                    saveFinal();
                    result.modelDir = (fs::path(out_) / "model").string();
                    result.snapshotsFile = snapshotsFile();
                    return result;
                }
            }
        }
        if (!last && (job_.checkpointEvery > 0 ? (step + 1) % job_.checkpointEvery == 0 : epochEnd)) {
            result.lastCheckpoint = saveCheckpoint(step + 1);
        }
    }
    result.steps = totalSteps_;
    if (timedSteps > 0) {
        result.meanStepMs = 1000.0 * stepSeconds / static_cast<double>(timedSteps);
        result.samplesPerSecond = static_cast<double>(perStep) * static_cast<double>(timedSteps) / stepSeconds;
    }
    result.lastCheckpoint = saveCheckpoint(totalSteps_);
    saveFinal();
    result.modelDir = (fs::path(out_) / "model").string();
    result.snapshotsFile = snapshotsFile();
    return result;
}

} // namespace

std::string newestCheckpoint(const std::string& outputDir)
{
    const std::vector<fs::path> all = checkpointFolders(outputDir);
    return all.empty() ? std::string() : all.back().string();
}

TrainResult runTraining(const TrainJob& job, const std::string& outputDir, const TrainCallbacks& callbacks, bool resume)
{
    Trainer trainer(job, outputDir, callbacks);
    try {
        return trainer.run(resume);
    } catch (const std::bad_alloc&) {
        // Outside a training step (loading, evaluation, a checkpoint): the same advice.
        throw Error(ErrorKind::OutOfMemory, "out of memory while preparing, evaluating or saving. Try a smaller "
                                            "batch_size or max_length, or a smaller model.");
    } catch (const c10::Error& e) {
        if (isOutOfMemory(e)) {
            throw Error(ErrorKind::OutOfMemory, "out of memory while preparing, evaluating or saving ("
                    + std::string(e.what_without_backtrace()).substr(0, 200) + "). Try a smaller batch_size or max_length, or a smaller model.");
        }
        // Anything else LibTorch refuses, without its C++ backtrace.
        throw Error(ErrorKind::Internal, std::string("LibTorch stopped the training: ") + e.what_without_backtrace());
    }
}

} // namespace lumen::engine
