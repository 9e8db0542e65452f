// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "cli_commands.h"

#include "attention_render.h"

#include "arg_parser.h"
#include "demo_artifact.h"
#include "run_listing.h"
#include "run_recorder.h"

#include "lumen/engine/bench.h"
#include "lumen/engine/compare.h"
#include "lumen/engine/demo_corpus.h"
#include "lumen/engine/demo_models.h"
#include "lumen/engine/error.h"
#include "lumen/engine/fill_mask.h"
#include "lumen/engine/generate.h"
#include "lumen/engine/logit_lens.h"
#include "image_field_io.h"
#include "lumen/engine/context_ablation.h"
#include "lumen/engine/image_field.h"
#include "lumen/engine/train.h"
#include "lumen/engine/receptive_field.h"
#include "lumen/engine/text_demos.h"
#include "lumen/engine/hf_cache.h"
#include "lumen/engine/model.h"
#include "lumen/engine/safetensors.h"
#include "lumen/engine/system_info.h"
#include "lumen/engine/tokenizer.h"
#include "lumen/projects/project.h"
#include "lumen/projects/run_export.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iterator>
#include <numeric>
#include <thread>
#include <limits>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <cstring>
#include <map>

namespace lumen::app::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace engine = lumen::engine;

// ---------------------------------------------------------------------------------------------
// Plumbing shared by the commands

/// Thrown by an action that stopped because the user pressed Ctrl-C; not a failure.
struct Cancelled {
    Json summary;
};

std::atomic<bool> gInterrupted { false };

void onInterrupt(int)
{
    gInterrupted.store(true);
}

/// Ctrl-C sets a flag the engine polls instead of killing the process, so a benchmark stops
/// between repeats and its run is recorded as Cancelled. A second Ctrl-C kills as usual.
class InterruptScope {
public:
    InterruptScope()
    {
        struct sigaction action = {};
        action.sa_handler = onInterrupt;
        action.sa_flags = SA_RESETHAND;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previous_);
    }
    ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

private:
    struct sigaction previous_ = {};
};

struct CommandContext {
    std::ostream& out;
    std::ostream& err;
    RunRecorder* recorder = nullptr;

    void metric(const std::string& key, int64_t step, double value) const
    {
        if (recorder != nullptr) {
            recorder->addMetric(key, step, value);
        }
    }
    void warn(const std::string& message) const
    {
        out.flush(); // keep the order of stdout and stderr on a terminal
        err << "lumen-cli: warning: " << message << '\n';
    }
};

using Action = std::function<Json(CommandContext&)>;

/// What a command's argument check hands back: the model it works on (recorded in the
/// project) and the work to do.
struct Prepared {
    std::string model;
    std::string device; ///< empty where the command runs no model
    Action action;
};

struct Command {
    CommandSpec spec;
    std::string usage; ///< the synopsis, starting with "lumen-cli" (lines after the first
                       ///< indented to follow "usage: ")
    std::string summary; ///< one line for the command list
    std::string details; ///< prose for `help COMMAND`
    std::vector<std::pair<std::string, std::string>> options; ///< {"--text T", "what it does"}
    Prepared (*prepare)(const ParsedArgs&);
};

/// JSON on one line with Python's default separators (", " and ": "), keys in insertion
/// order, UTF-8 kept as is: `{"ids": [2, 5], "tokens": ["[CLS]", "hi"]}`.
void writeInline(std::ostream& out, const Json& j)
{
    if (j.is_object()) {
        out << '{';
        bool first = true;
        for (auto it = j.begin(); it != j.end(); ++it) {
            out << (first ? "" : ", ") << Json(it.key()).dump() << ": ";
            writeInline(out, it.value());
            first = false;
        }
        out << '}';
    } else if (j.is_array()) {
        out << '[';
        for (size_t i = 0; i < j.size(); ++i) {
            out << (i == 0 ? "" : ", ");
            writeInline(out, j[i]);
        }
        out << ']';
    } else {
        out << j.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
}

void writePretty(std::ostream& out, const Json& j)
{
    out << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

/// MODEL_DIR may be a folder or ORG/NAME of a model in the Hugging Face cache. Resolved here
/// so the project records the snapshot folder; a name that does not resolve is kept as given
/// and the action's engine::resolveModelPath() reports why (so the run is recorded Failed).
std::string modelArgument(const std::string& arg)
{
    try {
        return engine::resolveModelPath(arg);
    } catch (const lumen::Error&) {
        return arg;
    }
}

/// An absolute, normalised path without a trailing slash: what the project records.
std::string absolutePath(const std::string& path)
{
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(path, ec);
    if (ec) {
        return path;
    }
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') {
        s.pop_back();
    }
    return s;
}

/// 109482240 -> "109,482,240"
std::string withThousands(int64_t n)
{
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string fixed(double value, int decimals)
{
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << value;
    return s.str();
}

/// A difference with its sign ("+0.0123", "-0.5000"); one that rounds to zero is "0.0000".
std::string signedFixed(double value, int decimals)
{
    const std::string text = fixed(std::abs(value), decimals);
    if (text.find_first_not_of("0.") == std::string::npos) {
        return text;
    }
    return (value < 0 ? "-" : "+") + text;
}

/// Number of Unicode code points in UTF-8 text (for aligning table columns).
size_t displayWidth(const std::string& s)
{
    size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

std::string padRight(const std::string& s, size_t width)
{
    const size_t w = displayWidth(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

std::string padLeft(const std::string& s, size_t width)
{
    const size_t w = displayWidth(s);
    return w >= width ? s : std::string(width - w, ' ') + s;
}

/// An empty --text is a mistake (an unset shell variable, say), not a request to tokenize
/// nothing. Whitespace-only text is left to the engine: the tokenizer gives [CLS] [SEP].
void requireNonEmptyTexts(const std::vector<std::string>& texts)
{
    for (size_t i = 0; i < texts.size(); ++i) {
        if (!texts[i].empty()) {
            continue;
        }
        if (texts.size() == 1) {
            throw Error(ErrorKind::InvalidInput,
                "the text is empty: give --text a non-empty string, e.g. --text \"Hello "
                "world\"");
        }
        throw Error(ErrorKind::InvalidInput,
            "text " + std::to_string(i + 1) + " of " + std::to_string(texts.size())
                + " is empty: give every --text a non-empty "
                  "string");
    }
}

std::string deviceOption(const ParsedArgs& args)
{
    return args.value("device").value_or("cpu");
}

/// Load warnings on stderr; `ignore` names a kind that does not matter to the command (a
/// benchmark on random ids needs no tokenizer).
void printLoadWarnings(
    const CommandContext& ctx, const engine::ModelInfo& info, const std::string& ignore = {})
{
    for (const engine::LoadWarning& w : info.warnings) {
        if (w.kind != ignore) {
            ctx.warn(w.kind + ": " + w.detail);
        }
    }
}

/// Loads the model a command runs on `device` and prints its load warnings (not the missing
/// tokenizer: the engine's own error says that better where a tokenizer is needed).
std::unique_ptr<engine::Model> loadModelFor(const CommandContext& ctx, const std::string& dir, const std::string& device)
{
    engine::LoadOptions options;
    options.device = device;
    auto model = engine::Model::load(engine::resolveModelPath(dir), options);
    printLoadWarnings(ctx, model->info(), "no-tokenizer");
    return model;
}

// ---------------------------------------------------------------------------------------------
// info

Json modelInfoJson(const engine::Model& model)
{
    const engine::ModelInfo& info = model.info();
    Json j;
    j["model_dir"] = info.dir;
    j["model_type"] = info.modelType;
    j["architecture"] = info.architecture;
    j["head"] = info.headKind;
    j["vocab_size"] = info.vocabSize;
    j["hidden_size"] = info.hiddenSize;
    j["num_layers"] = info.numLayers;
    j["num_heads"] = info.numHeads;
    j["intermediate_size"] = info.intermediateSize;
    j["max_positions"] = info.maxPositions;
    j["parameters"] = info.parameterCount;
    // ALBERT shares layers: the parameters a forward pass runs through, counted per use.
    j["parameters_per_forward"] =
        info.parametersPerForward > 0 ? info.parametersPerForward : info.parameterCount;
    Json components = Json::object();
    for (const auto& [name, count] : info.componentParameters) {
        components[name] = count;
    }
    j["component_parameters"] = components;
    j["dtype"] = info.dtype;
    j["device"] = info.device;
    j["weights_file"] = info.weightsFile;
    if (const engine::Tokenizer* tokenizer = model.tokenizer()) {
        j["tokenizer"] = tokenizer->kind();
        j["tokenizer_vocab_size"] = tokenizer->vocabSize();
    } else {
        j["tokenizer"] = nullptr;
        j["tokenizer_vocab_size"] = nullptr;
    }
    Json warnings = Json::array();
    for (const engine::LoadWarning& w : info.warnings) {
        warnings.push_back(Json { { "kind", w.kind }, { "detail", w.detail } });
    }
    j["warnings"] = warnings;
    return j;
}

void printModelInfo(std::ostream& out, const engine::Model& model)
{
    const engine::ModelInfo& info = model.info();
    const auto row = [&out](const std::string& label, const std::string& value) {
        out << padRight(label, 15) << value << '\n';
    };
    row("Model", info.dir);
    row("Architecture",
        info.architecture + " (model_type " + info.modelType + ", head "
            + (info.headKind.empty() ? "none" : info.headKind) + ")");
    row("Vocabulary", withThousands(info.vocabSize));
    row("Hidden size", std::to_string(info.hiddenSize));
    row("Layers", std::to_string(info.numLayers));
    row("Heads", std::to_string(info.numHeads));
    row("Intermediate", std::to_string(info.intermediateSize));
    row("Max positions",
        info.maxPositions > 0 ? std::to_string(info.maxPositions)
                              : std::string("no limit (relative positions)"));
    row("Parameters",
        withThousands(info.parameterCount) + " ("
            + fixed(static_cast<double>(info.parameterCount) / 1e6, 2) + " M)");
    if (info.parametersPerForward > 0 && info.parametersPerForward != info.parameterCount) {
        row("Per forward",
            withThousands(info.parametersPerForward)
                + " (shared layers counted each time they run)");
    }
    for (const auto& [name, count] : info.componentParameters) {
        out << "  " << padRight(name, std::max<size_t>(13, name.size() + 1))
            << (withThousands(count) + " ("
                   + fixed(100.0 * static_cast<double>(count)
                           / static_cast<double>(std::max<int64_t>(info.parameterCount, 1)),
                       1)
                   + " %)")
            << '\n';
    }
    row("Dtype", info.dtype);
    row("Device", info.device);
    row("Weights", info.weightsFile);
    if (const engine::Tokenizer* tokenizer = model.tokenizer()) {
        row("Tokenizer",
            tokenizer->kind() + " (" + withThousands(tokenizer->vocabSize()) + " tokens)");
    } else {
        row("Tokenizer", "none (the folder has no tokenizer files)");
    }
    if (info.warnings.empty()) {
        row("Load warnings", "none");
    } else {
        row("Load warnings", std::to_string(info.warnings.size()));
        for (const engine::LoadWarning& w : info.warnings) {
            out << "  " << w.kind << ": " << w.detail << '\n';
        }
    }
}

Json systemInfoJson(const engine::SystemInfo& s)
{
    Json j;
    j["lumen_version"] = s.lumenVersion;
    j["torch_version"] = s.torchVersion;
    j["blas_library"] = s.blasLibrary;
    j["blas_kind"] = s.blasKind;
    j["blas_is_reference"] = s.blasIsReference;
    j["intra_op_threads"] = s.intraOpThreads;
    j["inter_op_threads"] = s.interOpThreads;
    j["hardware_threads"] = s.hardwareThreads;
    j["devices"] = s.devices;
    j["cuda_available"] = s.cudaAvailable;
    return j;
}

Prepared prepareInfo(const ParsedArgs& args)
{
    const bool system = args.flag("system");
    const bool json = args.flag("json");
    if (system && !args.positionals.empty()) {
        throw UsageError("info", "give either MODEL_DIR or --system, not both");
    }
    if (!system && args.positionals.empty()) {
        throw UsageError("info", "missing argument MODEL_DIR (or --system for the machine)");
    }
    if (system) {
        return { "", "", [json](CommandContext& ctx) {
                    const engine::SystemInfo s = engine::systemInfo();
                    const Json j = systemInfoJson(s);
                    if (json) {
                        writePretty(ctx.out, j);
                    } else {
                        const auto row = [&ctx](const std::string& label, const std::string& v) {
                            ctx.out << padRight(label, 10) << v << '\n';
                        };
                        row("Lumen", s.lumenVersion);
                        row("LibTorch", s.torchVersion);
                        row("BLAS", s.blasKind + " (" + s.blasLibrary + ")");
                        row("Threads",
                            "intra-op " + std::to_string(s.intraOpThreads) + ", inter-op "
                                + std::to_string(s.interOpThreads) + ", hardware "
                                + std::to_string(s.hardwareThreads));
                        std::string devices;
                        for (const std::string& d : s.devices) {
                            devices += (devices.empty() ? "" : ", ") + d;
                        }
                        row("Devices", devices);
                        row("CUDA", s.cudaAvailable ? "available" : "not available");
                    }
                    if (const std::string warning = engine::blasWarning(s); !warning.empty()) {
                        ctx.warn(warning);
                    }
                    return j;
                } };
    }
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    return { absolutePath(dir), device, [dir, device, json](CommandContext& ctx) {
                engine::LoadOptions options;
                options.device = device;
                const auto model = engine::Model::load(engine::resolveModelPath(dir), options);
                const Json j = modelInfoJson(*model);
                if (json) {
                    writePretty(ctx.out, j);
                } else {
                    printModelInfo(ctx.out, *model);
                }
                return j;
            } };
}

// ---------------------------------------------------------------------------------------------
// tokenize

Prepared prepareTokenize(const ParsedArgs& args)
{
    const std::optional<std::string> text = args.value("text");
    if (!text) {
        throw UsageError("tokenize", "missing --text T (the text to tokenize)");
    }
    const std::string dir = modelArgument(args.positionals[0]);
    const bool json = args.flag("json");
    return { absolutePath(dir), "", [dir, text = *text, json](CommandContext& ctx) {
                requireNonEmptyTexts({ text });
                // Only the tokenizer: no need to read (possibly gigabytes of) weights.
                const auto tokenizer = engine::loadTokenizer(engine::resolveModelPath(dir));
                const engine::Encoding e = tokenizer->encode(text);
                Json offsets = Json::array();
                for (const auto& [start, end] : e.offsets) {
                    offsets.push_back(Json::array({ start, end }));
                }
                Json j;
                j["ids"] = e.ids;
                j["tokens"] = e.tokens;
                j["offsets"] = offsets;
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    size_t tokenWidth = 5;
                    for (const std::string& t : e.tokens) {
                        tokenWidth = std::max(tokenWidth, displayWidth(t));
                    }
                    ctx.out << padLeft("index", 5) << "  " << padLeft("id", 7) << "  "
                            << padRight("token", tokenWidth) << "  offsets\n";
                    for (size_t i = 0; i < e.size(); ++i) {
                        ctx.out << padLeft(std::to_string(i), 5) << "  "
                                << padLeft(std::to_string(e.ids[i]), 7) << "  "
                                << padRight(e.tokens[i], tokenWidth) << "  " << e.offsets[i].first
                                << "-" << e.offsets[i].second << '\n';
                    }
                    ctx.out << e.size() << " tokens (" << tokenizer->kind() << ")"
                            << (e.truncated ? ", truncated" : "") << '\n';
                }
                return Json { { "tokens", e.size() }, { "tokenizer", tokenizer->kind() },
                    { "truncated", e.truncated } };
            } };
}

// ---------------------------------------------------------------------------------------------
// fill-mask

Prepared prepareFillMask(const ParsedArgs& args)
{
    const std::optional<std::string> text = args.value("text");
    if (!text) {
        throw UsageError("fill-mask", "missing --text T (a text with the mask token, e.g. [MASK])");
    }
    engine::FillMaskConfig config;
    if (const auto k = args.value("top-k")) {
        config.topK = parseIntOption("fill-mask", "top-k", *k, 1, 1000);
    }
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), device, [dir, text = *text, config, device, json](CommandContext& ctx) {
                requireNonEmptyTexts({ text });
                const auto model = loadModelFor(ctx, dir, device);
                const engine::FillMaskResult r = engine::fillMask(*model, text, config);
                DemoArtifact kept;
                kept.demo = "fill-mask";
                kept.text = text;
                kept.topK = static_cast<int>(config.topK);
                kept.model = model.get();
                kept.fill = &r;
                keepDemoOutput(ctx.recorder, kept);
                Json masks = Json::array();
                for (const engine::FillMaskPosition& m : r.masks) {
                    Json candidates = Json::array();
                    for (const engine::FillMaskCandidate& c : m.candidates) {
                        candidates.push_back({ { "id", c.id }, { "token", c.token },
                            { "probability", c.probability } });
                    }
                    masks.push_back({ { "position", m.position }, { "candidates", candidates } });
                }
                const Json j { { "masks", masks }, { "filled", r.filled } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    for (const engine::FillMaskPosition& m : r.masks) {
                        ctx.out << "mask at position " << m.position << '\n';
                        size_t w = 5;
                        for (const engine::FillMaskCandidate& c : m.candidates) {
                            w = std::max(w, displayWidth(c.token));
                        }
                        for (const engine::FillMaskCandidate& c : m.candidates) {
                            const int bar = static_cast<int>(std::lround(c.probability * 40));
                            std::string bars;
                            for (int b = 0; b < bar; ++b) {
                                bars += "\u2588";
                            }
                            ctx.out << "  " << padRight(c.token, w) << "  "
                                    << padLeft(fixed(c.probability * 100.0, 2), 6) << " %  " << bars
                                    << '\n';
                        }
                    }
                    ctx.out << "filled: " << r.filled << '\n';
                }
                for (size_t m = 0; m < r.masks.size(); ++m) {
                    ctx.metric("top1_probability", static_cast<int64_t>(m),
                        r.masks[m].candidates.front().probability);
                }
                return Json { { "masks", r.masks.size() }, { "filled", r.filled },
                    { "forward_ms", r.forwardMs } };
            } };
}

// ---------------------------------------------------------------------------------------------
// generate

double parseDoubleOption(const std::string& command, const std::string& option,
    const std::string& text, double min, double max)
{
    size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !(value >= min && value <= max)) {
        throw UsageError(command,
            "--" + option + " expects a number from " + fixed(min, 2) + " to " + fixed(max, 2)
                + ", not \"" + text + "\"");
    }
    return value;
}

Prepared prepareGenerate(const ParsedArgs& args)
{
    const std::optional<std::string> prompt = args.value("prompt");
    if (!prompt) {
        throw UsageError("generate", "missing --prompt P (the text to continue)");
    }
    engine::GenerateConfig config;
    if (const auto n = args.value("max-new-tokens")) {
        config.maxNewTokens = parseIntOption("generate", "max-new-tokens", *n, 1, 100000);
    }
    const bool samplingOption = args.has("temperature") || args.has("top-k") || args.has("top-p")
        || args.has("seed");
    if (args.flag("greedy") && samplingOption) {
        throw UsageError("generate",
            "--greedy takes the best token each step; --temperature, --top-k, --top-p and "
            "--seed are for sampling. Give one or the other");
    }
    config.sample = samplingOption;
    if (const auto t = args.value("temperature")) {
        config.temperature = parseDoubleOption("generate", "temperature", *t, 1e-3, 100.0);
    }
    if (const auto k = args.value("top-k")) {
        config.topK = parseIntOption("generate", "top-k", *k, 0, 1 << 24);
    }
    if (const auto p = args.value("top-p")) {
        config.topP = parseDoubleOption("generate", "top-p", *p, 1e-6, 1.0);
    }
    if (const auto seed = args.value("seed")) {
        config.seed = static_cast<uint64_t>(parseIntOption("generate", "seed", *seed, 0, 1LL << 62));
    }
    if (const auto r = args.value("repetition-penalty")) {
        config.repetitionPenalty = parseDoubleOption("generate", "repetition-penalty", *r, 0.01, 100.0);
    }
    if (const auto b = args.value("beams")) {
        config.beams = parseIntOption("generate", "beams", *b, 1, 64);
        if (config.beams > 1 && (samplingOption || args.flag("greedy"))) {
            throw UsageError("generate",
                "--beams keeps the most probable sequences; it goes with neither --greedy nor "
                "the sampling options (--temperature, --top-k, --top-p, --seed)");
        }
    }
    if (const auto l = args.value("length-penalty")) {
        config.lengthPenalty = parseDoubleOption("generate", "length-penalty", *l, -10.0, 10.0);
    }
    config.stopStrings = args.all("stop");
    config.useCache = !args.flag("no-cache");
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), device, [dir, prompt = *prompt, config, device, json](CommandContext& ctx) {
                requireNonEmptyTexts({ prompt });
                const auto model = loadModelFor(ctx, dir, device);
                InterruptScope interrupt;
                engine::RunControl control;
                control.cancel = &gInterrupted;
                if (!json) {
                    ctx.out << prompt;
                    ctx.out.flush();
                }
                std::string printed;
                const engine::GenerateResult r = engine::generate(*model, prompt, config, control,
                    [&ctx, &printed, json](const engine::GenerateStep& step) {
                        if (!json) {
                            ctx.out << step.text;
                            ctx.out.flush(); // token by token
                            printed += step.text;
                        }
                    });
                DemoArtifact kept;
                kept.demo = "generate";
                kept.text = prompt;
                kept.generation = config;
                kept.model = model.get();
                kept.generated = &r;
                keepDemoOutput(ctx.recorder, kept);
                if (!json && r.text.size() > printed.size()
                    && r.text.compare(0, printed.size(), printed) == 0) {
                    ctx.out << r.text.substr(printed.size()); // a last half character, completed
                }
                for (size_t i = 0; i < r.steps.size(); ++i) {
                    ctx.metric("token_probability", static_cast<int64_t>(i), r.steps[i].probability);
                }
                Json steps = Json::array();
                for (const engine::GenerateStep& step : r.steps) {
                    Json top = Json::array();
                    for (const engine::TokenProbability& t : step.top) {
                        top.push_back({ { "id", t.id }, { "token", t.token }, { "probability", t.probability } });
                    }
                    steps.push_back({ { "id", step.id }, { "token", step.token },
                        { "probability", step.probability }, { "top", top } });
                }
                const double seconds = r.elapsedMs / 1000.0;
                const Json j { { "prompt_ids", r.promptIds }, { "prompt_truncated", r.promptTruncated },
                    { "new_token_ids", r.newTokenIds }, { "new_tokens", r.newTokens },
                    { "text", r.text }, { "stop_reason", r.stopReason }, { "steps", steps },
                    { "elapsed_ms", r.elapsedMs },
                    { "tokens_per_second", seconds > 0 ? double(r.newTokenIds.size()) / seconds : 0.0 } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    ctx.out << '\n';
                    if (r.promptTruncated) {
                        ctx.warn("the prompt was longer than the model takes with the new tokens; "
                                 "its start was cut (" + std::to_string(r.promptIds.size())
                            + " tokens kept)");
                    }
                    ctx.err << r.newTokenIds.size() << " new tokens in " << fixed(r.elapsedMs, 0)
                            << " ms (" << fixed(j["tokens_per_second"].get<double>(), 1)
                            << " tokens/s), stopped: " << r.stopReason << '\n';
                }
                if (r.stopReason == "cancelled") {
                    throw Cancelled { Json { { "new_tokens", r.newTokenIds.size() } } };
                }
                return Json { { "new_tokens", r.newTokenIds.size() }, { "text", r.text },
                    { "stop_reason", r.stopReason }, { "elapsed_ms", r.elapsedMs } };
            } };
}

// ---------------------------------------------------------------------------------------------
// similarity, score

Prepared prepareSimilarity(const ParsedArgs& args)
{
    const std::vector<std::string> texts = args.all("text");
    if (texts.size() < 2) {
        throw UsageError("similarity", "give two or more texts (--text A --text B ...)");
    }
    const std::string pooling = args.value("pooling").value_or("mean");
    if (pooling != "mean" && pooling != "cls") {
        throw UsageError("similarity", "--pooling " + pooling + " is not a pooling: use mean or cls");
    }
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), device, [dir, texts, pooling, device, json](CommandContext& ctx) {
                requireNonEmptyTexts(texts);
                const auto model = loadModelFor(ctx, dir, device);
                const engine::SimilarityResult r = engine::sentenceSimilarity(*model, texts,
                    pooling == "cls" ? engine::Pooling::First : engine::Pooling::Mean);
                DemoArtifact kept;
                kept.demo = "similarity";
                kept.texts = texts;
                kept.meanPooling = pooling != "cls";
                kept.model = model.get();
                kept.similarity = &r;
                keepDemoOutput(ctx.recorder, kept);
                const Json j { { "texts", texts }, { "pooling", pooling }, { "cosine", r.cosine },
                    { "token_counts", r.tokenCounts } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    for (size_t i = 0; i < texts.size(); ++i) {
                        ctx.out << "[" << i << "] " << texts[i] << '\n';
                    }
                    ctx.out << "\ncosine (" << pooling << " pooling)\n     ";
                    for (size_t i = 0; i < texts.size(); ++i) {
                        ctx.out << padLeft("[" + std::to_string(i) + "]", 8);
                    }
                    ctx.out << '\n';
                    for (size_t i = 0; i < texts.size(); ++i) {
                        ctx.out << padRight("[" + std::to_string(i) + "]", 5);
                        for (size_t k = 0; k < texts.size(); ++k) {
                            ctx.out << padLeft(fixed(r.cosine[i][k], 4), 8);
                        }
                        ctx.out << '\n';
                    }
                }
                return Json { { "texts", texts.size() }, { "pooling", pooling } };
            } };
}

Prepared prepareScore(const ParsedArgs& args)
{
    const std::optional<std::string> text = args.value("text");
    if (!text) {
        throw UsageError("score", "missing --text T (the text to score)");
    }
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), device, [dir, text = *text, device, json](CommandContext& ctx) {
                requireNonEmptyTexts({ text });
                const auto model = loadModelFor(ctx, dir, device);
                const engine::ScoreResult r = engine::scoreText(*model, text, 5);
                DemoArtifact kept;
                kept.demo = "score";
                kept.text = text;
                kept.model = model.get();
                kept.score = &r;
                keepDemoOutput(ctx.recorder, kept);
                Json tokens = Json::array();
                for (const engine::ScoredToken& t : r.tokens) {
                    Json top = Json::array();
                    for (const auto& [token, p] : t.top) {
                        top.push_back({ { "token", token }, { "probability", p } });
                    }
                    tokens.push_back({ { "id", t.id }, { "token", t.token },
                        { "probability", t.probability }, { "surprisal_bits", t.surprisalBits },
                        { "top", top } });
                }
                const Json j { { "first_token", r.firstToken }, { "tokens", tokens },
                    { "mean_nll", r.meanNegativeLogLikelihood }, { "perplexity", r.perplexity },
                    { "pseudo_log_likelihood", r.pseudo } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    size_t w = 5;
                    for (const engine::ScoredToken& t : r.tokens) {
                        w = std::max(w, displayWidth(t.token));
                    }
                    ctx.out << padRight("token", w) << "  probability  surprisal  best guess\n";
                    if (!r.pseudo) {
                        ctx.out << padRight(r.firstToken, w) << "            -          -  (no context)\n";
                    }
                    for (const engine::ScoredToken& t : r.tokens) {
                        ctx.out << padRight(t.token, w) << "  " << padLeft(fixed(t.probability, 6), 11)
                                << "  " << padLeft(fixed(t.surprisalBits, 2), 6) << " bit  "
                                << (t.top.empty() ? "" : t.top.front().first) << '\n';
                    }
                    ctx.out << (r.pseudo ? "pseudo-perplexity " : "perplexity ") << fixed(r.perplexity, 2) << " (mean "
                            << fixed(r.meanNegativeLogLikelihood, 4) << " nats per token)\n";
                }
                ctx.metric("perplexity", 0, r.perplexity);
                return Json { { "perplexity", r.perplexity }, { "tokens", r.tokens.size() } };
            } };
}

// ---------------------------------------------------------------------------------------------
// logit-lens

Prepared prepareLogitLens(const ParsedArgs& args)
{
    const std::optional<std::string> text = args.value("text");
    if (!text) {
        throw UsageError("logit-lens", "missing --text T (the text to read the layers on)");
    }
    engine::LogitLensConfig config;
    if (const auto k = args.value("top-k")) {
        config.topK = parseIntOption("logit-lens", "top-k", *k, 1, 100);
    }
    for (const std::string& p : args.all("position")) {
        config.positions.push_back(parseIntOption("logit-lens", "position", p, 0, 1 << 20));
    }
    config.target = args.value("target").value_or("");
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), device, [dir, text = *text, config, device, json](CommandContext& ctx) {
                requireNonEmptyTexts({ text });
                const auto model = loadModelFor(ctx, dir, device);
                const engine::LogitLensResult r = engine::logitLens(*model, text, config);
                Json positions = Json::array();
                for (const engine::LogitLensPosition& p : r.positions) {
                    Json layers = Json::array();
                    for (const engine::LogitLensLayer& l : p.layers) {
                        Json top = Json::array();
                        for (const engine::TokenProbability& t : l.top) {
                            top.push_back({ { "id", t.id }, { "token", t.token }, { "probability", t.probability } });
                        }
                        layers.push_back({ { "top", top }, { "final_probability", l.finalProbability },
                            { "final_rank", l.finalRank } });
                    }
                    positions.push_back({ { "position", p.position }, { "token", p.token },
                        { "final", { { "id", p.final.id }, { "token", p.final.token },
                                       { "probability", p.final.probability } } },
                        { "layers", layers } });
                }
                const Json j { { "tokens", r.tokens }, { "layers", r.layers }, { "positions", positions } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    for (const engine::LogitLensPosition& p : r.positions) {
                        ctx.out << "position " << p.position << " (" << p.token << "), final answer "
                                << p.final.token << '\n';
                        size_t w = 5;
                        for (const engine::LogitLensLayer& l : p.layers) {
                            w = std::max(w, displayWidth(l.top.front().token));
                        }
                        ctx.out << "  layer  " << padRight("best", w) << "  probability  final's p  rank\n";
                        for (size_t l = 0; l < p.layers.size(); ++l) {
                            const engine::LogitLensLayer& layer = p.layers[l];
                            ctx.out << "  " << padLeft(l == 0 ? std::string("emb") : std::to_string(l), 5) << "  "
                                    << padRight(layer.top.front().token, w) << "  "
                                    << padLeft(fixed(layer.top.front().probability, 4), 11) << "  "
                                    << padLeft(fixed(layer.finalProbability, 4), 9) << "  "
                                    << padLeft(std::to_string(layer.finalRank), 4) << '\n';
                        }
                    }
                }
                return Json { { "positions", r.positions.size() }, { "layers", r.layers } };
            } };
}

// ---------------------------------------------------------------------------------------------
// receptive-field

Prepared prepareReceptiveField(const ParsedArgs& args)
{
    const std::string dir = modelArgument(args.positionals[0]);
    const bool json = args.flag("json");
    const std::optional<std::string> text = args.value("text");
    engine::GradientFieldConfig gradient;
    if (const auto p = args.value("position")) {
        gradient.position = parseIntOption("receptive-field", "position", *p, 0, 1 << 20);
    }
    if (const auto l = args.value("layer")) {
        gradient.layer = parseIntOption("receptive-field", "layer", *l, 1, 4096);
    }
    if (!text && (args.has("position") || args.has("layer"))) {
        throw UsageError("receptive-field", "--position and --layer are for the gradient field: give --text T too");
    }
    return { absolutePath(dir), "", [dir, json, text, gradient](CommandContext& ctx) {
                engine::LoadOptions options;
                options.loadTokenizer = text.has_value();
                const auto model = engine::Model::load(engine::resolveModelPath(dir), options);
                const std::vector<engine::LayerReceptiveField> rows = engine::theoreticalReceptiveField(*model);
                std::optional<engine::GradientField> measured;
                if (text) {
                    requireNonEmptyTexts({ *text });
                    measured = engine::gradientReceptiveField(*model, *text, gradient);
                }
                const auto extent = [](int64_t n, bool unbounded) { return unbounded ? Json("unbounded") : Json(n); };
                Json layers = Json::array();
                for (const engine::LayerReceptiveField& r : rows) {
                    layers.push_back({ { "layer", r.layer }, { "op", r.op }, { "kernel", r.kernel },
                        { "dilation", r.dilation },
                        { "size", r.field.size() < 0 ? Json("unbounded") : Json(r.field.size()) },
                        { "left", extent(r.field.left, r.field.unboundedLeft) },
                        { "right", extent(r.field.right, r.field.unboundedRight) } });
                }
                Json j { { "architecture", model->info().architecture }, { "layers", layers } };
                if (measured) {
                    j["gradient"] = { { "tokens", measured->tokens }, { "position", measured->position },
                        { "layer", measured->layer }, { "magnitude", measured->magnitude }, { "share", measured->share },
                        { "within_distance", measured->withinDistance } };
                }
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    size_t w = 2;
                    for (const auto& r : rows) {
                        w = std::max(w, r.op.size());
                    }
                    ctx.out << model->info().architecture << ": theoretical receptive field after each layer\n"
                            << "layer  " << padRight("op", w) << "  kernel  dilation      field    left   right\n";
                    const auto cell = [](int64_t n, bool unbounded) { return unbounded ? std::string("all") : std::to_string(n); };
                    for (const auto& r : rows) {
                        ctx.out << padLeft(std::to_string(r.layer), 5) << "  " << padRight(r.op, w) << "  "
                                << padLeft(r.kernel > 0 ? std::to_string(r.kernel) : "-", 6) << "  "
                                << padLeft(r.kernel > 0 ? std::to_string(r.dilation) : "-", 8) << "  "
                                << padLeft(r.field.size() < 0 ? std::string("unbounded") : std::to_string(r.field.size()), 9)
                                << "  " << padLeft(cell(r.field.left, r.field.unboundedLeft), 6) << "  "
                                << padLeft(cell(r.field.right, r.field.unboundedRight), 6) << '\n';
                    }
                    if (measured) {
                        const engine::GradientField& g = *measured;
                        ctx.out << "\ngradient of layer " << g.layer << "'s output at position " << g.position << " ("
                                << g.tokens[static_cast<size_t>(g.position)] << ") by input position:\n";
                        size_t w = 5;
                        for (const std::string& t : g.tokens) {
                            w = std::max(w, displayWidth(t));
                        }
                        for (size_t i = 0; i < g.tokens.size(); ++i) {
                            std::string bars;
                            for (int b = 0; b < static_cast<int>(std::lround(g.share[i] * 50)); ++b) {
                                bars += "\u2588";
                            }
                            ctx.out << padLeft(std::to_string(i), 5) << "  " << padRight(g.tokens[i], w) << "  "
                                    << padLeft(fixed(100.0 * g.share[i], 2), 6) << " %  " << bars << '\n';
                        }
                        ctx.out << "effective context: share of the gradient within distance d\n";
                        for (size_t d = 0; d < g.withinDistance.size(); ++d) {
                            ctx.out << "  d=" << padLeft(std::to_string(d), 3) << "  " << fixed(100.0 * g.withinDistance[d], 1) << " %\n";
                            if (g.withinDistance[d] >= 0.999999) {
                                break;
                            }
                        }
                    }
                }
                const engine::ReceptiveField last = rows.empty() ? engine::ReceptiveField {} : rows.back().field;
                return Json { { "layers", rows.size() }, { "size", last.size() } };
            } };
}

/// "3" or "3,3,5": integers from `lowest` on.
std::vector<int64_t> parseIntList(const std::string& command, const std::string& option, const std::string& text,
                                  int64_t lowest = 1)
{
    std::vector<int64_t> values;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        values.push_back(parseIntOption(command, option, item, lowest, 1 << 20));
    }
    if (values.empty()) {
        throw UsageError(command, "--" + option + " needs a number or a comma-separated list");
    }
    return values;
}

// ---------------------------------------------------------------------------------------------
// context-ablation

Prepared prepareContextAblation(const ParsedArgs& args)
{
    const std::string dir = modelArgument(args.positionals[0]);
    const bool json = args.flag("json");
    const std::optional<std::string> given = args.value("text");
    if (!given) {
        throw UsageError("context-ablation", "give the text with --text T");
    }
    const std::string text = *given;
    requireNonEmptyTexts({ text });
    engine::ContextAblationConfig config;
    const std::string mode = args.value("mode").value_or("cut");
    if (mode == "cut") {
        config.mode = engine::AblationMode::Cut;
    } else if (mode == "shuffle") {
        config.mode = engine::AblationMode::Shuffle;
    } else {
        throw UsageError("context-ablation", "--mode is cut or shuffle, not '" + mode + "'");
    }
    if (const auto list = args.value("distances")) {
        config.distances = parseIntList("context-ablation", "distances", *list, 0);
    }
    if (const auto seed = args.value("seed")) {
        config.seed = static_cast<uint64_t>(parseIntOption("context-ablation", "seed", *seed, 0, INT64_MAX));
    }
    const std::string device = args.value("device").value_or("cpu");
    return { absolutePath(dir), device, [dir, json, text, config, device](CommandContext& ctx) {
                const auto model = loadModelFor(ctx, dir, device);
                const engine::ContextAblation a = engine::contextAblation(*model, text, config);
                ctx.metric("full_loss", 0, a.fullLoss);
                for (const engine::ContextAblationPoint& p : a.points) {
                    ctx.metric("loss", p.distance, p.loss);
                }
                if (json) {
                    Json points = Json::array();
                    for (const engine::ContextAblationPoint& p : a.points) {
                        points.push_back({ { "distance", p.distance }, { "loss", p.loss },
                            { "ablated_targets", p.ablatedTargets }, { "target_loss", p.targetLoss } });
                    }
                    writeInline(ctx.out, Json { { "mode", engine::ablationModeName(a.mode) }, { "causal", a.causal },
                                             { "tokens", a.tokens }, { "targets", a.targets }, { "full_loss", a.fullLoss },
                                             { "full_target_loss", a.fullTargetLoss }, { "points", points } });
                    ctx.out << '\n';
                } else {
                    ctx.out << model->info().architecture << ": loss with the context beyond distance d "
                            << (a.mode == engine::AblationMode::Cut ? "cut off" : "shuffled") << " ("
                            << a.targets.size() << " tokens predicted, "
                            << (a.causal ? "each from the tokens before it" : "each masked in turn") << ")\n"
                            << "     d   loss (nats)   vs full   ablated\n";
                    for (const engine::ContextAblationPoint& p : a.points) {
                        ctx.out << padLeft(std::to_string(p.distance), 6) << "  " << padLeft(fixed(p.loss, 4), 12)
                                << "  " << padLeft(signedFixed(p.loss - a.fullLoss, 4), 8)
                                << "  " << padLeft(std::to_string(p.ablatedTargets), 8) << '\n';
                    }
                    ctx.out << "  full  " << padLeft(fixed(a.fullLoss, 4), 12) << '\n';
                }
                return Json { { "mode", engine::ablationModeName(a.mode) }, { "full_loss", a.fullLoss },
                    { "distances", a.points.size() } };
            } };
}

// ---------------------------------------------------------------------------------------------
// image-field, new-image-cnn

/// "HxW" (or one number for a square).
std::pair<int64_t, int64_t> parseSize(const std::string& command, const std::string& option, const std::string& text)
{
    const size_t x = text.find_first_of("xX");
    if (x == std::string::npos) {
        const int64_t n = parseIntOption(command, option, text, 1, 8192);
        return { n, n };
    }
    return { parseIntOption(command, option, text.substr(0, x), 1, 8192),
        parseIntOption(command, option, text.substr(x + 1), 1, 8192) };
}

Prepared prepareImageField(const ParsedArgs& args)
{
    const std::string path = absolutePath(args.positionals[0]);
    const bool json = args.flag("json");
    const std::optional<std::string> image = args.value("image");
    engine::ImageGradientConfig config;
    int height = 0;
    int width = 0;
    if (const auto size = args.value("size")) {
        const auto [h, w] = parseSize("image-field", "size", *size);
        config.height = h;
        config.width = w;
        height = static_cast<int>(h);
        width = static_cast<int>(w);
    }
    if (const auto samples = args.value("samples")) {
        if (image) {
            throw UsageError("image-field", "--samples averages over random inputs: leave out --image");
        }
        config.samples = parseIntOption("image-field", "samples", *samples, 1, 4096);
    }
    if (const auto unit = args.value("unit")) {
        const size_t comma = unit->find(',');
        if (comma == std::string::npos) {
            throw UsageError("image-field", "--unit is ROW,COLUMN of the output feature map");
        }
        config.unitY = parseIntOption("image-field", "unit", unit->substr(0, comma), 0, 1 << 20);
        config.unitX = parseIntOption("image-field", "unit", unit->substr(comma + 1), 0, 1 << 20);
    }
    if (const auto k = args.value("class")) {
        config.classIndex = parseIntOption("image-field", "class", *k, 0, 1 << 24);
    }
    if (const auto seed = args.value("seed")) {
        config.seed = static_cast<uint64_t>(parseIntOption("image-field", "seed", *seed, 0, INT64_MAX));
    }
    const bool imagenet = !args.flag("no-normalise");
    const std::optional<std::string> png = args.value("png");
    const int scale = static_cast<int>(parseIntOption("image-field", "scale", args.value("scale").value_or("4"), 1, 32));
    const std::string device = args.value("device").value_or("cpu");
    return { path, device, [=](CommandContext& ctx) {
                const auto model = engine::ImageModel::load(path, device);
                std::optional<engine::ImageFieldTable> table;
                std::string unreadable;
                try {
                    table = engine::theoreticalImageField(*model);
                } catch (const lumen::Error& e) {
                    unreadable = e.what();
                }
                std::optional<engine::FloatTensor> input;
                if (image) {
                    const int channels = model->info().inputChannels > 0 ? static_cast<int>(model->info().inputChannels) : 3;
                    input = readImageForModel(*image, height, width, channels, imagenet);
                }
                const engine::ImageGradientField g = engine::imageGradientField(*model, input ? &*input : nullptr, config);
                if (png) {
                    writeImageFieldPng(*png, g, image.value_or(""), scale);
                }
                int64_t radius90 = 0;
                while (radius90 + 1 < static_cast<int64_t>(g.withinRadius.size())
                       && g.withinRadius[static_cast<size_t>(radius90)] < 0.9) {
                    ++radius90;
                }
                ctx.metric("radius90", 0, static_cast<double>(radius90));
                const auto extent = [](int64_t n, bool unbounded) { return unbounded ? Json("whole image") : Json(n); };
                Json layers = Json::array();
                if (table) {
                    for (const engine::ImageLayerField& l : table->layers) {
                        layers.push_back({ { "layer", l.index }, { "op", l.op }, { "detail", l.detail },
                            { "kernel", { l.kernelH, l.kernelW } }, { "stride", { l.strideH, l.strideW } },
                            { "dilation", { l.dilationH, l.dilationW } }, { "padding", { l.padH, l.padW } },
                            { "field", { l.height.size(), l.width.size() } }, { "jump", { l.height.jump, l.width.jump } } });
                    }
                }
                if (json) {
                    Json j { { "model", path }, { "parameters", model->info().parameterCount }, { "layers", layers } };
                    if (table) {
                        j["output_field"] = { extent(table->outputHeight.size(), table->outputHeight.size() < 0),
                            extent(table->outputWidth.size(), table->outputWidth.size() < 0) };
                        j["complete"] = table->complete;
                        j["note"] = table->note;
                    } else {
                        j["unreadable"] = unreadable;
                    }
                    j["gradient"] = { { "height", g.height }, { "width", g.width }, { "samples", g.samples },
                        { "output_shape", g.outputShape }, { "unit", { g.unitY, g.unitX } }, { "class", g.classIndex },
                        { "centre", { g.centreY, g.centreX } }, { "within_radius", g.withinRadius },
                        { "field_box", { g.fieldTop, g.fieldLeft, g.fieldBottom, g.fieldRight } },
                        { "magnitude", g.magnitude } };
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    ctx.out << path << ": " << withThousands(model->info().parameterCount) << " parameters, "
                            << model->info().convolutions << " convolutions\n";
                    if (table) {
                        ctx.out << "theoretical receptive field after each layer (rows x columns, in input pixels)\n"
                                << "layer  op             kernel  stride  dilation  padding     field   jump\n";
                        for (const engine::ImageLayerField& l : table->layers) {
                            const auto pair = [](int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); };
                            ctx.out << padLeft(std::to_string(l.index), 5) << "  " << padRight(l.op, 13) << "  "
                                    << padLeft(pair(l.kernelH, l.kernelW), 6) << "  " << padLeft(pair(l.strideH, l.strideW), 6)
                                    << "  " << padLeft(pair(l.dilationH, l.dilationW), 8) << "  "
                                    << padLeft(pair(l.padH, l.padW), 7) << "  "
                                    << padLeft(pair(l.height.size(), l.width.size()), 8) << "  "
                                    << padLeft(std::to_string(l.height.jump), 5) << '\n';
                        }
                        if (!table->note.empty()) {
                            ctx.out << "note: " << table->note << '\n';
                        }
                    } else {
                        ctx.out << "no theoretical field: " << unreadable << '\n';
                    }
                    ctx.out << "effective receptive field by gradient (" << g.height << " x " << g.width << " input, "
                            << (image ? "the image" : std::to_string(g.samples) + " random inputs") << "): output "
                            << (g.outputShape.size() == 4 ? "unit (" + std::to_string(g.unitY) + ", " + std::to_string(g.unitX) + ")"
                                                          : "class " + std::to_string(g.classIndex))
                            << ", centre of mass (" << fixed(g.centreY, 1) << ", " << fixed(g.centreX, 1) << "), 90 % within "
                            << radius90 << " pixels of it\n";
                    if (g.fieldTop >= 0) {
                        ctx.out << "theoretical field of that unit: rows " << g.fieldTop << ".." << g.fieldBottom << ", columns "
                                << g.fieldLeft << ".." << g.fieldRight << '\n';
                    }
                    if (png) {
                        ctx.out << "wrote " << absolutePath(*png) << '\n';
                    }
                }
                return Json { { "layers", layers.size() }, { "radius90", radius90 } };
            } };
}

Prepared prepareNewImageCnn(const ParsedArgs& args)
{
    const std::optional<std::string> out = args.value("out");
    if (!out) {
        throw UsageError("new-image-cnn", "missing --out FILE.pt (the TorchScript file to write)");
    }
    engine::ImageCnnSpec spec;
    spec.layers = parseIntOption("new-image-cnn", "layers", args.value("layers").value_or("6"), 1, 256);
    spec.channels = parseIntOption("new-image-cnn", "channels", args.value("channels").value_or("16"), 1, 4096);
    spec.inputChannels = parseIntOption("new-image-cnn", "input-channels", args.value("input-channels").value_or("3"), 1, 64);
    spec.kernels = parseIntList("new-image-cnn", "kernel", args.value("kernel").value_or("3"));
    spec.dilations = parseIntList("new-image-cnn", "dilation", args.value("dilation").value_or("1"));
    spec.strides = parseIntList("new-image-cnn", "stride", args.value("stride").value_or("1"));
    spec.residual = args.flag("residual");
    spec.classes = parseIntOption("new-image-cnn", "classes", args.value("classes").value_or("0"), 0, 1 << 20);
    const auto seed = static_cast<uint64_t>(parseIntOption("new-image-cnn", "seed", args.value("seed").value_or("0"), 0, INT64_MAX));
    return { absolutePath(*out), "", [spec, out = *out, seed](CommandContext& ctx) {
                const int64_t parameters = engine::createImageCnn(spec, out, seed);
                ctx.out << "wrote a random image CNN (" << spec.layers << " layers, " << withThousands(parameters)
                        << " parameters, seed " << seed << ") to " << absolutePath(out) << '\n';
                return Json { { "output", absolutePath(out) }, { "parameters", parameters }, { "seed", seed } };
            } };
}

// ---------------------------------------------------------------------------------------------
// demo-models

Prepared prepareDemoModels(const ParsedArgs& args)
{
    const std::optional<std::string> out = args.value("out");
    if (!out) {
        throw UsageError("demo-models", "missing --out DIR (resources/demo/models is where the app looks)");
    }
    engine::DemoBuildConfig config;
    config.outDir = absolutePath(*out);
    config.seed = static_cast<uint64_t>(parseIntOption("demo-models", "seed", args.value("seed").value_or("1"), 0, INT64_MAX));
    config.corpusSentences = parseIntOption("demo-models", "sentences", args.value("sentences").value_or("20000"), 100, 10000000);
    if (const auto scale = args.value("scale")) {
        try {
            size_t used = 0;
            config.stepScale = std::stod(*scale, &used);
            if (used != scale->size() || !(config.stepScale > 0.0) || config.stepScale > 100.0) {
                throw std::invalid_argument(*scale);
            }
        } catch (const std::exception&) {
            throw UsageError("demo-models", "--scale expects a number above 0 and at most 100 (0.05 for a quick build), not \""
                                                + *scale + "\"");
        }
    }
    if (const auto only = args.value("only")) {
        std::stringstream list(*only);
        for (std::string name; std::getline(list, name, ',');) {
            if (!name.empty()) {
                config.only.push_back(name);
            }
        }
    }
    config.device = deviceOption(args);
    const bool json = args.flag("json");
    return { config.outDir, config.device, [config, json](CommandContext& ctx) {
                InterruptScope interrupt;
                engine::RunControl control;
                control.cancel = &gInterrupted;
                const std::vector<engine::DemoModelReport> built = engine::buildDemoModels(config, control,
                    [&ctx, json](const std::string& line) {
                        if (!json) {
                            ctx.err << line << "\n";
                        }
                    });
                Json models = Json::array();
                for (const engine::DemoModelReport& r : built) {
                    models.push_back({ { "name", r.name }, { "dir", r.dir }, { "parameters", r.parameters }, { "bytes", r.bytes },
                        { "steps", r.steps }, { "train_seconds", r.seconds }, { "untrained_loss", r.untrainedLoss },
                        { "held_out_loss", r.heldOutLoss }, { "agreement_accuracy", r.agreementAccuracy } });
                    ctx.metric(r.name + "/held_out_loss", r.steps, r.heldOutLoss);
                    ctx.metric(r.name + "/agreement_accuracy", r.steps, r.agreementAccuracy);
                }
                const Json summary { { "out", config.outDir }, { "seed", config.seed }, { "models", models } };
                if (gInterrupted.load()) {
                    throw Cancelled { summary };
                }
                if (json) {
                    writePretty(ctx.out, summary);
                    return summary;
                }
                ctx.out << "model       parameters      size   held-out loss (untrained)   agreement   train\n";
                for (const engine::DemoModelReport& r : built) {
                    ctx.out << padRight(r.name, 10) << padLeft(withThousands(r.parameters), 12) << padLeft(fixed(static_cast<double>(r.bytes) / 1048576.0, 2) + " MB", 10)
                            << padLeft(fixed(r.heldOutLoss, 3) + " (" + fixed(r.untrainedLoss, 3) + ")", 26)
                            << padLeft(fixed(100.0 * r.agreementAccuracy, 1) + " %", 12) << padLeft(fixed(r.seconds, 0) + " s", 8) << "\n";
                }
                ctx.out << "wrote " << built.size() << " models and demo-models.json to " << config.outDir << "\n";
                return summary;
            } };
}

// ---------------------------------------------------------------------------------------------
// demo-runs

/// The bundled demo models: beside an installed lumen-cli (<prefix>/share/lumen/demo/models),
/// else the source tree's.
std::string defaultDemoModelsDir()
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = self.parent_path() / ".." / "share" / "lumen" / "demo" / "models";
        if (fs::is_regular_file(installed / "demo-models.json", ec)) {
            return fs::weakly_canonical(installed, ec).string();
        }
    }
#ifdef LUMEN_DEMO_MODELS_DIR
    return LUMEN_DEMO_MODELS_DIR;
#else
    return {};
#endif
}

int runCliQuietly(const std::vector<std::string>& args, std::ostream& err);

Prepared prepareDemoRuns(const ParsedArgs& args)
{
    namespace fs = std::filesystem;
    const std::optional<std::string> into = args.value("into");
    if (!into) {
        throw UsageError("demo-runs", "give the project to fill with --into FILE.lumen");
    }
    const std::string models = absolutePath(args.value("models").value_or(defaultDemoModelsDir()));
    const std::string project = absolutePath(*into);
    return { models, "", [models, project](CommandContext& ctx) {
                std::error_code ec;
                for (const char* name : { "bert", "gpt", "albert", "lightconv", "wavenet", "lstm" }) {
                    if (!fs::is_regular_file(fs::path(models) / name / "config.json", ec)) {
                        throw lumen::Error(lumen::ErrorKind::InvalidInput, models + " has no demo model \"" + name
                                                                               + "\". Build them with lumen-cli demo-models --out "
                                                                               + models + ".");
                    }
                }
                const auto model = [&models](const char* name) { return (fs::path(models) / name).string(); };
                // A small labelled set for the fine-tuning run: which kind of sentence is it?
                const fs::path data = fs::path(project).parent_path() / (fs::path(project).stem().string() + "-demo-data");
                fs::create_directories(data, ec);
                const auto write = [&data](const char* name, const std::string& text) {
                    std::ofstream out(data / name, std::ios::binary | std::ios::trunc);
                    out << text;
                    if (!out) {
                        throw lumen::Error(lumen::ErrorKind::Io, "cannot write " + (data / name).string() + " (is the disk full?)");
                    }
                };
                std::string csv = "text,label\n";
                for (const engine::CorpusSentence& sentence : engine::generateCorpus({ 11, 600 })) {
                    csv += "\"" + sentence.text + "\"," + sentence.kind + "\n";
                }
                write("sentence-kinds.csv", csv);
                engine::TrainJob job;
                job.model = model("bert");
                job.task = engine::TrainTask::SequenceClassification;
                job.train.path = (data / "sentence-kinds.csv").string();
                job.learningRate = 1e-3;
                job.batchSize = 16;
                job.maxSteps = 60;
                job.evalEvery = 20;
                job.checkpointEvery = 60;
                job.keepCheckpoints = 1;
                job.warmupSteps = 6;
                job.maxLength = 64;
                job.seed = 1;
                job.device = "cpu";
                write("sentence-kinds.job.json", engine::trainJobToJson(job));
                // Watching attention form: a GPT of the demo's sizes trained from scratch on plain
                // sentences, its attention to a probe kept every 40 steps. Layer 1's head 0 learns
                // to look from the second "to" back at "anna", whom the book goes to: it appears
                // near step 200, comes and goes, and holds from about step 600 (seed 1, 2 cores).
                std::string corpus;
                for (const engine::CorpusSentence& sentence : engine::generateCorpus({ 12, 3000 })) {
                    corpus += sentence.text + "\n";
                }
                write("corpus.txt", corpus);
                engine::NewModelSpec scratch;
                scratch.family = "transformer";
                scratch.causal = true;
                scratch.hidden = 64;
                scratch.layers = 2;
                scratch.heads = 4;
                scratch.maxPositions = 64;
                fs::remove_all(data / "gpt-from-scratch", ec);
                engine::createModel(scratch, model("gpt"), (data / "gpt-from-scratch").string(), 1);
                engine::TrainJob watch;
                watch.model = (data / "gpt-from-scratch").string();
                watch.task = engine::TrainTask::CausalLm;
                watch.train.path = (data / "corpus.txt").string();
                watch.train.format = engine::DataFormat::Text;
                watch.learningRate = 3e-3;
                watch.batchSize = 32;
                watch.maxSteps = 800;
                watch.warmupSteps = 50;
                watch.evalEvery = 100;
                watch.checkpointEvery = 800;
                watch.keepCheckpoints = 1;
                watch.maxLength = 64;
                watch.seed = 1;
                watch.device = "cpu";
                watch.attentionProbe = "tom and anna went to the park . tom gave a book to anna .";
                watch.snapshotEvery = 40;
                write("watch-attention.job.json", engine::trainJobToJson(watch));
                const std::string agreement = "the dogs that the cat chased [MASK] today .";
                const std::vector<std::vector<std::string>> runs {
                    { "fill-mask", model("bert"), "--text", agreement },
                    { "fill-mask", model("albert"), "--text", "mary lost [MASK] keys , so she looked for them ." },
                    { "generate", model("gpt"), "--prompt", "tom and anna went to the park . tom gave a book to", "--max-new-tokens",
                        "4", "--greedy" },
                    { "score", model("lstm"), "--text", "( a [ b c ] { d } )" },
                    { "compare", model("bert"), model("albert"), model("lightconv"), "--text", agreement, "--repeats", "3" },
                    { "receptive-field", model("wavenet"), "--text", "the dogs that the cat chased the birds run today ." },
                    { "context-ablation", model("gpt"), "--text", "tom and anna went to the park . tom gave a book to anna ." },
                    { "bench-length", model("gpt"), model("lightconv"), model("wavenet"), model("lstm"), "--lengths", "16,32,64",
                        "--repeats", "3" },
                    { "train", "--job", (data / "sentence-kinds.job.json").string() },
                    { "train", "--job", (data / "watch-attention.job.json").string() },
                };
                Json done = Json::array();
                for (const std::vector<std::string>& run : runs) {
                    std::vector<std::string> argv = run;
                    argv.insert(argv.end(), { "--project", project });
                    ctx.err << "recording " << run.front() << " ...\n";
                    const int rc = runCliQuietly(argv, ctx.err);
                    done.push_back({ { "command", run.front() }, { "exit", rc } });
                    if (rc != 0) {
                        throw lumen::Error(lumen::ErrorKind::Internal, "the demo run \"lumen-cli " + run.front() + "\" failed (exit "
                                                                          + std::to_string(rc) + "); the runs before it are kept.");
                    }
                }
                ctx.out << "recorded " << runs.size() << " runs of the demo models in " << project << "\n";
                return Json { { "project", project }, { "runs", done } };
            } };
}

// ---------------------------------------------------------------------------------------------
// train

Prepared prepareTrain(const ParsedArgs& args)
{
    const std::optional<std::string> jobPath = args.value("job");
    if (!jobPath) {
        throw UsageError("train", "give the job file with --job JOB.json (the dialog's \"Copy as command\" writes one)");
    }
    // A job that cannot be read fails the run (recorded), not the command line.
    engine::TrainJob job;
    std::string problem;
    try {
        job = engine::loadTrainJob(*jobPath);
        job.model = engine::resolveModelPath(job.model);
    } catch (const std::exception& e) {
        problem = e.what();
    }
    if (const auto device = args.value("device")) {
        job.device = *device;
    }
    const std::optional<std::string> out = args.value("out");
    const std::optional<std::string> resumeRun = args.value("resume-run");
    const bool resume = args.flag("resume");
    if (resume && !out) {
        throw UsageError("train", "--resume continues the job in --out DIR: give the folder");
    }
    if (resumeRun && !args.has("project")) {
        throw UsageError("train", "--resume-run ID resumes a run of a project: give --project P.lumen");
    }
    const bool json = args.flag("json");
    return { job.model, job.device, [job, out, resume, resumeRun, json, problem](CommandContext& ctx) {
                namespace fs = std::filesystem;
                if (!problem.empty()) {
                    throw lumen::Error(lumen::ErrorKind::InvalidInput, problem);
                }
                std::string dir;
                bool continuing = resume;
                if (ctx.recorder != nullptr) {
                    dir = ctx.recorder->artifactsFolder();
                    if (resumeRun) {
                        // The newest checkpoint of that run, copied into this run's folder.
                        const int64_t from = parseIntOption("train", "resume-run", *resumeRun, 1, INT64_MAX);
                        const std::string newest = engine::newestCheckpoint(ctx.recorder->artifactsFolderOf(from));
                        if (newest.empty()) {
                            throw lumen::Error(lumen::ErrorKind::InvalidInput,
                                "run " + std::to_string(from) + " left no checkpoint to resume from.");
                        }
                        fs::create_directories(fs::path(dir) / "checkpoints");
                        fs::copy(newest, fs::path(dir) / "checkpoints" / fs::path(newest).filename(), fs::copy_options::recursive);
                        continuing = true;
                    }
                    ctx.recorder->writeArtifact("job", "job.json", engine::trainJobToJson(job));
                } else {
                    dir = out ? *out : "train-" + fs::path(job.model).filename().string();
                }
                InterruptScope interrupt;
                engine::TrainCallbacks cb;
                cb.cancel = &gInterrupted;
                cb.log = [&ctx, json](const std::string& m) {
                    if (!json) {
                        ctx.out << m << '\n';
                        ctx.out.flush();
                    }
                };
                cb.step = [&ctx, json](const engine::TrainProgress& p) {
                    ctx.metric("loss", p.step, p.loss);
                    ctx.metric("learning_rate", p.step, p.learningRate);
                    ctx.metric("grad_norm", p.step, p.gradNorm);
                    ctx.metric("samples_per_second", p.step, p.samplesPerSecond);
                    if (!json) {
                        ctx.out << "step " << p.step << "/" << p.totalSteps << "  epoch " << fixed(p.epoch, 2) << "  loss "
                                << fixed(p.loss, 4) << "  lr " << p.learningRate << "  " << fixed(p.samplesPerSecond, 1)
                                << " samples/s  eta " << fixed(p.etaSeconds, 0) << " s\n";
                        ctx.out.flush();
                    }
                };
                cb.snapshot = [&ctx, json](const engine::AttentionSnapshots& header, const engine::AttentionSnapshot& snap) {
                    if (!json) {
                        ctx.out << "  attention snapshot at step " << snap.step << " (" << header.tokens.size()
                                << " tokens of the probe)\n";
                        ctx.out.flush();
                    }
                };
                cb.evaluated = [&ctx, json](const engine::EvalResult& r) {
                    ctx.metric("val_loss", r.step, r.loss);
                    if (!r.labels.empty()) {
                        ctx.metric("val_accuracy", r.step, r.accuracy);
                        ctx.metric("val_macro_f1", r.step, r.macroF1);
                    } else {
                        ctx.metric("val_perplexity", r.step, r.perplexity);
                    }
                    if (!json) {
                        ctx.out << "  validation at step " << r.step << ": loss " << fixed(r.loss, 4);
                        if (!r.labels.empty()) {
                            ctx.out << "  accuracy " << fixed(100.0 * r.accuracy, 2) << " %  macro-F1 " << fixed(r.macroF1, 4);
                        } else {
                            ctx.out << "  perplexity " << fixed(r.perplexity, 2);
                        }
                        ctx.out << '\n';
                        ctx.out.flush();
                    }
                };
                const engine::TrainResult r = engine::runTraining(job, dir, cb, continuing);
                const auto relative = [&ctx](const std::string& path) {
                    // artifacts/run-<id>/... -> run-<id>/...
                    const fs::path p = fs::path(path);
                    const fs::path root = fs::path(ctx.recorder->artifactsFolder()).parent_path();
                    return p.lexically_relative(root).generic_string();
                };
                const std::string evaluation = engine::evaluationToJson(r.lastEval);
                if (ctx.recorder != nullptr) {
                    ctx.recorder->writeArtifact("evaluation", "evaluation.json", evaluation);
                    if (!r.lastCheckpoint.empty()) {
                        ctx.recorder->addArtifactFile("checkpoint", relative(r.lastCheckpoint + "/model.safetensors"));
                    }
                    if (!r.modelDir.empty()) {
                        ctx.recorder->addArtifactFile("model", relative(r.modelDir + "/model.safetensors"));
                    }
                    if (!r.snapshotsFile.empty()) {
                        ctx.recorder->addArtifactFile("attention-snapshots", relative(r.snapshotsFile));
                    }
                }
                const Json summary = Json::parse(engine::trainSummaryToJson(r));
                if (json) {
                    Json j = summary;
                    j["evaluation"] = Json::parse(evaluation);
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else if (r.status == engine::JobStatus::Completed) {
                    ctx.out << "trained " << r.steps << " steps on " << r.device << "; the model is in " << r.modelDir << '\n';
                }
                if (r.status == engine::JobStatus::Cancelled) {
                    if (!json) {
                        ctx.out << "stopped after step " << r.steps << "; resume from " << r.lastCheckpoint << '\n';
                    }
                    throw Cancelled { summary };
                }
                return summary;
            } };
}

// ---------------------------------------------------------------------------------------------
// bench-length

Prepared prepareBenchLength(const ParsedArgs& args)
{
    std::vector<std::string> dirs;
    for (const std::string& p : args.positionals) {
        dirs.push_back(modelArgument(p));
    }
    for (const std::string& p : args.all("model")) {
        dirs.push_back(modelArgument(p));
    }
    if (dirs.empty()) {
        throw UsageError("bench-length", "give one or more model folders");
    }
    const std::vector<int64_t> lengths
        = parseIntList("bench-length", "lengths", args.value("lengths").value_or("64,128,256,512,1024,2048,4096"));
    const int repeats = static_cast<int>(parseIntOption("bench-length", "repeats", args.value("repeats").value_or("3"), 1, 1000));
    const bool json = args.flag("json");
    const std::string device = deviceOption(args);
    return { dirs.empty() ? std::string() : absolutePath(dirs.front()), device,
        [dirs, lengths, repeats, json, device](CommandContext& ctx) {
            InterruptScope interrupt;
            engine::RunControl control;
            control.cancel = &gInterrupted;
            Json models = Json::array();
            for (const std::string& dir : dirs) {
                engine::LoadOptions options;
                options.device = device;
                options.loadTokenizer = false;
                const auto model = engine::Model::load(engine::resolveModelPath(dir), options);
                const engine::ModelInfo& info = model->info();
                Json rows = Json::array();
                for (const int64_t length : lengths) {
                    if (info.maxPositions > 0 && length > info.maxPositions) {
                        rows.push_back({ { "length", length }, { "skipped", "longer than the model's "
                                                                          + std::to_string(info.maxPositions) + " positions" } });
                        continue;
                    }
                    engine::BenchConfig config;
                    config.seqLen = length;
                    config.batch = 1;
                    config.warmup = 1;
                    config.repeats = repeats;
                    const engine::BenchResult r = engine::benchmarkForward(*model, config, control);
                    if (r.status == engine::JobStatus::Cancelled) {
                        throw Cancelled { Json { { "models", models } } };
                    }
                    const double flops = engine::forwardFlops(*model, length);
                    rows.push_back({ { "length", length }, { "median_ms", r.medianMs },
                        { "tokens_per_second", r.tokensPerSecond }, { "flops", flops },
                        { "gflops_per_second", flops / (r.medianMs * 1e6) } });
                    ctx.metric(info.architecture + "/forward_ms", length, r.medianMs);
                    ctx.metric(info.architecture + "/gflops", length, flops / 1e9);
                }
                models.push_back({ { "model_dir", absolutePath(dir) }, { "architecture", info.architecture },
                    { "parameters", info.parameterCount }, { "layers", info.numLayers }, { "hidden", info.hiddenSize },
                    { "rows", rows } });
            }
            const Json summary { { "lengths", lengths }, { "repeats", repeats }, { "models", models } };
            if (json) {
                writePretty(ctx.out, summary);
                return summary;
            }
            for (const Json& m : models) {
                ctx.out << m["architecture"].get<std::string>() << " (" << m["layers"].get<int64_t>() << " layers, width "
                        << m["hidden"].get<int64_t>() << ", " << withThousands(m["parameters"].get<int64_t>())
                        << " parameters)\n"
                        << "  length   median ms    tokens/s      GFLOP   GFLOP/s   x previous\n";
                double previous = 0.0;
                for (const Json& row : m["rows"]) {
                    if (row.contains("skipped")) {
                        ctx.out << padLeft(std::to_string(row["length"].get<int64_t>()), 8) << "  skipped: "
                                << row["skipped"].get<std::string>() << '\n';
                        continue;
                    }
                    const double ms = row["median_ms"].get<double>();
                    ctx.out << padLeft(std::to_string(row["length"].get<int64_t>()), 8) << padLeft(fixed(ms, 2), 12)
                            << padLeft(fixed(row["tokens_per_second"].get<double>(), 0), 12)
                            << padLeft(fixed(row["flops"].get<double>() / 1e9, 3), 11)
                            << padLeft(fixed(row["gflops_per_second"].get<double>(), 1), 10)
                            << padLeft(previous > 0 ? fixed(ms / previous, 2) : std::string("-"), 13) << '\n';
                    previous = ms;
                }
            }
            return summary;
        } };
}

// ---------------------------------------------------------------------------------------------
// compare

/// The models of a comparison, loaded on `device` (owned, and as the engine takes them).
struct LoadedModels {
    std::vector<std::unique_ptr<engine::Model>> owned;
    std::vector<engine::Model*> models;
};

LoadedModels loadModels(const std::vector<std::string>& dirs, const std::string& device)
{
    LoadedModels out;
    for (const std::string& dir : dirs) {
        engine::LoadOptions options;
        options.device = device;
        out.owned.push_back(engine::Model::load(engine::resolveModelPath(dir), options));
        out.models.push_back(out.owned.back().get());
    }
    return out;
}

Prepared prepareCompare(const ParsedArgs& args)
{
    std::vector<std::string> dirs;
    for (const std::string& p : args.positionals) {
        dirs.push_back(modelArgument(p));
    }
    if (dirs.size() < 2 || dirs.size() > 4) {
        throw UsageError("compare", "give two to four model folders (" + std::to_string(dirs.size()) + " given)");
    }
    const std::optional<std::string> text = args.value("text");
    const std::optional<std::string> data = args.value("data");
    if (!text && !data) {
        throw UsageError("compare", "give the text with --text T ([MASK] stands for each model's mask token), or a "
                                    "dataset with --data FILE");
    }
    if (text && data) {
        throw UsageError("compare", "give --text or --data, not both");
    }
    if (data && args.value("pair")) {
        throw UsageError("compare", "--pair goes with --text; a dataset gives one text per example");
    }
    if (data) {
        engine::DatasetCompareConfig dataConfig;
        dataConfig.data.path = absolutePath(*data);
        dataConfig.data.textColumn = args.value("text-column").value_or("text");
        dataConfig.data.labelColumn = args.value("label-column").value_or("");
        if (const auto limit = args.value("limit")) {
            dataConfig.limit = parseIntOption("compare", "limit", *limit, 1, INT64_MAX);
        }
        const bool asJson = args.flag("json");
        const std::string on = deviceOption(args);
        return { absolutePath(dirs.front()), on, [dirs, dataConfig, asJson, on](CommandContext& ctx) {
                    InterruptScope interrupt;
                    engine::RunControl control;
                    control.cancel = &gInterrupted;
                    const LoadedModels loaded = loadModels(dirs, on);
                    const auto& owned = loaded.owned;
                    const engine::DatasetComparison d = engine::compareOnDataset(loaded.models, dataConfig, control,
                        [&ctx, asJson](const engine::DatasetExample&, int64_t done, int64_t total) {
                            if (!asJson && (done % 50 == 0 || done == total)) {
                                ctx.err << "compared " << done << " of " << total << " examples\n";
                            }
                        });
                    std::vector<std::string> modelDirs;
                    for (size_t m = 0; m < dirs.size(); ++m) {
                        modelDirs.push_back(owned[m]->info().dir);
                        if (std::isfinite(d.accuracy[m])) {
                            ctx.metric("model" + std::to_string(m + 1) + "/accuracy", 0, d.accuracy[m]);
                        }
                    }
                    const std::string saved = engine::datasetComparisonToJson(d, dataConfig, modelDirs);
                    const Json summary = Json::parse(saved);
                    if (ctx.recorder != nullptr) {
                        ctx.recorder->writeArtifact("dataset-comparison", "dataset-compare.json", saved);
                    }
                    if (d.status == engine::JobStatus::Cancelled) {
                        throw Cancelled { Json { { "examples_compared", d.examples.size() } } };
                    }
                    if (asJson) {
                        writePretty(ctx.out, summary);
                        return summary;
                    }
                    ctx.out << d.examples.size() << " examples of " << dataConfig.data.path << "\n\nmodels\n";
                    for (size_t m = 0; m < dirs.size(); ++m) {
                        ctx.out << "  [" << (m + 1) << "] " << owned[m]->info().dir;
                        if (std::isfinite(d.accuracy[m])) {
                            ctx.out << "  accuracy " << fixed(100.0 * d.accuracy[m], 1) << " %";
                        }
                        ctx.out << "\n";
                    }
                    ctx.out << "\ntop-1 agreement\n       ";
                    for (size_t b = 0; b < dirs.size(); ++b) {
                        ctx.out << padLeft("[" + std::to_string(b + 1) + "]", 8);
                    }
                    ctx.out << "\n";
                    for (size_t a = 0; a < dirs.size(); ++a) {
                        ctx.out << "  [" << (a + 1) << "]  ";
                        for (size_t b = 0; b < dirs.size(); ++b) {
                            const double v = d.agreement[a][b];
                            ctx.out << padLeft(std::isfinite(v) ? fixed(100.0 * v, 0) + " %" : std::string("-"), 8);
                        }
                        ctx.out << "\n";
                    }
                    ctx.out << "\nmost disagreement first (symmetrised KL, nats)\n";
                    for (size_t i = 0; i < d.examples.size() && i < 10; ++i) {
                        const engine::DatasetExample& e = d.examples[i];
                        ctx.out << "  line " << e.line << "  " << (std::isfinite(e.disagreement) ? fixed(e.disagreement, 3) : std::string("-"))
                                << "  " << e.text << "\n     ";
                        for (size_t m = 0; m < e.top1.size(); ++m) {
                            ctx.out << " [" << (m + 1) << "] " << (e.top1[m].empty() ? std::string("-") : e.top1[m]);
                        }
                        if (!e.label.empty()) {
                            ctx.out << "   label: " << e.label;
                        }
                        ctx.out << "\n";
                    }
                    return summary;
                } };
    }
    engine::CompareConfig config;
    config.text = *text;
    config.pair = args.value("pair").value_or("");
    if (const auto k = args.value("top-k")) {
        config.topK = parseIntOption("compare", "top-k", *k, 1, 1000);
    }
    if (const auto r = args.value("repeats")) {
        config.repeats = static_cast<int>(parseIntOption("compare", "repeats", *r, 0, 1000));
    }
    const bool json = args.flag("json");
    const std::string device = deviceOption(args);
    return { absolutePath(dirs.front()), device, [dirs, config, json, device](CommandContext& ctx) {
                InterruptScope interrupt;
                engine::RunControl control;
                control.cancel = &gInterrupted;
                const LoadedModels loaded = loadModels(dirs, device);
                const engine::CompareResult r = engine::compareModels(loaded.models, config, control);
                if (r.status == engine::JobStatus::Cancelled) {
                    throw Cancelled { Json::object() };
                }
                const std::string record = engine::compareResultToJson(r, config);
                if (ctx.recorder != nullptr) {
                    ctx.recorder->writeArtifact("comparison", "compare.json", record);
                }
                for (size_t m = 0; m < r.facts.size(); ++m) {
                    ctx.metric("model" + std::to_string(m + 1) + "/latency_ms", 0, r.facts[m].latencyMs);
                }
                if (std::isfinite(r.top1Agreement)) {
                    ctx.metric("top1_agreement", 0, r.top1Agreement);
                }
                Json summary = Json::parse(record);
                if (json) {
                    writePretty(ctx.out, summary);
                    return summary;
                }
                const auto name = [&r](size_t m) { return "[" + std::to_string(m + 1) + "] " + r.facts[m].architecture; };
                ctx.out << "text: " << config.text << (config.pair.empty() ? std::string() : "\npair: " + config.pair) << "\n\nmodels\n";
                for (size_t m = 0; m < r.facts.size(); ++m) {
                    const engine::ModelFacts& f = r.facts[m];
                    ctx.out << "  " << name(m) << "  " << f.dir << "\n      " << f.layers << " layers, width " << f.hidden
                            << ", " << withThousands(f.parameters) << " parameters";
                    if (f.parametersPerForward != f.parameters) {
                        ctx.out << " (" << withThousands(f.parametersPerForward) << " per forward pass: shared layers)";
                    }
                    ctx.out << ", " << fixed(static_cast<double>(f.weightBytes) / 1048576.0, 1) << " MiB of weights\n      "
                            << f.tokens << " tokens, " << fixed(f.flops / 1e6, 1) << " MFLOP, "
                            << (config.repeats > 0 ? fixed(f.latencyMs, 2) + " ms" : std::string("not timed"));
                    if (f.peakBytes >= 0) {
                        ctx.out << ", peak " << fixed(static_cast<double>(f.peakBytes) / 1048576.0, 2) << " MiB per pass";
                    }
                    ctx.out << "\n";
                }
                ctx.out << "\ntokens (| = the same cut in every model, * = cut differently)\n";
                for (size_t m = 0; m < r.facts.size(); ++m) {
                    ctx.out << "  [" << (m + 1) << "]";
                    for (const engine::AlignedSpan& span : r.alignment.spans) {
                        ctx.out << (span.differs ? " *" : " |");
                        for (size_t i = 0; i < span.tokens[m].size(); ++i) {
                            ctx.out << (i ? " " : "") << r.tokens[m][static_cast<size_t>(span.tokens[m][i])];
                        }
                    }
                    ctx.out << "\n";
                }
                ctx.out << "\npredictions\n";
                for (size_t m = 0; m < r.facts.size(); ++m) {
                    const engine::ModelPrediction& p = r.predictions[m];
                    ctx.out << "  " << name(m) << ": ";
                    if (p.kind.empty()) {
                        ctx.out << "none (" << p.why << ")\n";
                        continue;
                    }
                    ctx.out << p.kind << "\n     ";
                    for (size_t i = 0; i < p.top.size() && i < 5; ++i) {
                        ctx.out << "  " << p.top[i].text << " " << fixed(100.0 * p.top[i].probability, 1) << " %";
                    }
                    ctx.out << "\n";
                }
                ctx.out << "\nKL(row || column), nats; = same best candidate, x different\n       ";
                for (size_t b = 0; b < r.facts.size(); ++b) {
                    ctx.out << padLeft("[" + std::to_string(b + 1) + "]", 10);
                }
                ctx.out << "\n";
                for (size_t a = 0; a < r.facts.size(); ++a) {
                    ctx.out << "  [" << (a + 1) << "]  ";
                    for (size_t b = 0; b < r.facts.size(); ++b) {
                        const double kl = r.kl[a][b];
                        ctx.out << padLeft(std::isfinite(kl) ? fixed(kl, 3) + (r.top1[a][b] == 1 ? " =" : " x") : std::string("-  "), 10);
                    }
                    ctx.out << "\n";
                }
                ctx.out << "top-1 agreement: "
                        << (std::isfinite(r.top1Agreement) ? fixed(100.0 * r.top1Agreement, 0) + " % of the comparable pairs"
                                                           : std::string("no two models predict the same thing here"))
                        << "\n";
                if (!r.difference.empty()) {
                    ctx.out << "\nwhere [1] and [2] differ most\n";
                    for (size_t i = 0; i < r.difference.size() && i < 5; ++i) {
                        const auto& d = r.difference[i];
                        ctx.out << "  " << padRight(d.text, 16) << padLeft(fixed(100.0 * d.first, 2) + " %", 10)
                                << padLeft(fixed(100.0 * d.second, 2) + " %", 10) << padLeft(fixed(100.0 * (d.first - d.second), 2), 9)
                                << "\n";
                    }
                }
                return summary;
            } };
}

// ---------------------------------------------------------------------------------------------
// bench-generate

/// Bytes a memcpy moves per second on this machine (a 256 MiB buffer, best of 5).
double copyBandwidth()
{
    const size_t bytes = size_t(256) << 20;
    std::vector<char> from(bytes, 1);
    std::vector<char> to(bytes, 0);
    double best = 0.0;
    for (int r = 0; r < 5; ++r) {
        const auto start = std::chrono::steady_clock::now();
        std::memcpy(to.data(), from.data(), bytes);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::max(best, static_cast<double>(bytes) / s);
        from[static_cast<size_t>(r)] = to[bytes - 1 - static_cast<size_t>(r)]; // keep the copy
    }
    return best;
}

/// Bytes per second read by sums over a 256 MiB buffer, one slice per hardware thread (best
/// of 5): a stream that only reads, with as many threads as OpenBLAS gives a matrix-vector
/// product (a copy also writes each byte, and runs on one thread).
double readBandwidth()
{
    const size_t count = (size_t(256) << 20) / sizeof(uint64_t);
    std::vector<uint64_t> data(count, 1);
    const size_t threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<uint64_t> sums(threads * 8, 0); // a cache line apart
    double best = 0.0;
    for (int r = 0; r < 5; ++r) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> pool;
        for (size_t t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                const size_t begin = count * t / threads;
                const size_t end = count * (t + 1) / threads;
                uint64_t a = 0, b = 0, c = 0, d = 0;
                size_t i = begin;
                for (; i + 3 < end; i += 4) {
                    a += data[i];
                    b += data[i + 1];
                    c += data[i + 2];
                    d += data[i + 3];
                }
                for (; i < end; ++i) {
                    a += data[i];
                }
                sums[t * 8] += a + b + c + d;
            });
        }
        for (std::thread& t : pool) {
            t.join();
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best = std::max(best, static_cast<double>(count * sizeof(uint64_t)) / s);
    }
    if (std::accumulate(sums.begin(), sums.end(), uint64_t { 0 }) != 5 * count) {
        throw Error(ErrorKind::Internal, "the read-bandwidth sum is wrong");
    }
    return best;
}

Prepared prepareBenchGenerate(const ParsedArgs& args)
{
    const int64_t promptLen = parseIntOption("bench-generate", "prompt-len",
        args.value("prompt-len").value_or("8"), 1, 4096);
    const int64_t newTokens = parseIntOption("bench-generate", "new-tokens",
        args.value("new-tokens").value_or("128"), 1, 4096);
    const int repeats = static_cast<int>(parseIntOption("bench-generate", "repeats",
        args.value("repeats").value_or("3"), 1, 1000));
    const bool json = args.flag("json");
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    return { absolutePath(dir), device, [dir, promptLen, newTokens, repeats, json, device](CommandContext& ctx) {
                engine::LoadOptions options;
                options.device = device;
                options.loadTokenizer = false;
                const auto model = engine::Model::load(engine::resolveModelPath(dir), options);
                const engine::ModelInfo& info = model->info();
                std::mt19937_64 rng(0);
                std::vector<int64_t> prompt(static_cast<size_t>(promptLen));
                for (int64_t& id : prompt) {
                    id = static_cast<int64_t>(rng() % static_cast<uint64_t>(info.vocabSize));
                }
                InterruptScope interrupt;
                engine::RunControl control;
                control.cancel = &gInterrupted;
                engine::GenerateConfig config;
                config.maxNewTokens = newTokens;
                config.alternatives = 0;
                Json runs = Json::array();
                std::map<bool, double> medians;
                std::vector<int64_t> cachedTokens;
                for (const bool cache : { true, false }) {
                    config.useCache = cache;
                    engine::generateFromIds(*model, prompt, [&] {
                        engine::GenerateConfig warm = config;
                        warm.maxNewTokens = std::min<int64_t>(4, newTokens);
                        return warm;
                    }(), control); // warm-up
                    std::vector<double> times;
                    for (int r = 0; r < repeats; ++r) {
                        const engine::GenerateResult g = engine::generateFromIds(*model, prompt, config, control);
                        if (g.stopReason == "cancelled") {
                            throw Cancelled { Json { { "runs", runs } } };
                        }
                        if (cache && cachedTokens.empty()) {
                            cachedTokens = g.newTokenIds;
                        } else if (!cache && g.newTokenIds != cachedTokens) {
                            throw Error(ErrorKind::Internal,
                                "greedy generation with and without the KV cache chose different tokens");
                        }
                        times.push_back(g.elapsedMs);
                        ctx.metric(cache ? "generate_ms_cache" : "generate_ms_no_cache", r, g.elapsedMs);
                    }
                    std::sort(times.begin(), times.end());
                    const double median = times[times.size() / 2];
                    medians[cache] = median;
                    runs.push_back({ { "kv_cache", cache }, { "median_ms", median },
                        { "tokens_per_second", 1000.0 * static_cast<double>(newTokens) / median },
                        { "times_ms", times } });
                }
                const double bandwidth = copyBandwidth();
                const double reading = readBandwidth();
                const double bytesPerParameter = info.dtype == "float32" ? 4.0 : 2.0;
                const double weightBytes = static_cast<double>(info.parameterCount) * bytesPerParameter;
                const double bound = bandwidth / weightBytes;
                const double cached = 1000.0 * static_cast<double>(newTokens) / medians[true];
                const Json summary { { "model_dir", dir }, { "parameters", info.parameterCount },
                    { "weight_bytes", weightBytes }, { "prompt_len", promptLen },
                    { "new_tokens", newTokens }, { "repeats", repeats }, { "device", info.device },
                    { "intra_op_threads", engine::systemInfo().intraOpThreads },
                    { "runs", runs }, { "cache_speedup", medians[false] / medians[true] },
                    { "copy_bandwidth_bytes_per_second", bandwidth },
                    { "bandwidth_bound_tokens_per_second", bound },
                    { "fraction_of_bound", cached / bound },
                    { "read_bandwidth_bytes_per_second", reading },
                    { "read_bound_tokens_per_second", reading / weightBytes },
                    { "fraction_of_read_bound", cached / (reading / weightBytes) } };
                if (json) {
                    writePretty(ctx.out, summary);
                } else {
                    ctx.out << info.architecture << ", " << fixed(static_cast<double>(info.parameterCount) / 1e6, 1)
                            << " M parameters (" << fixed(weightBytes / 1e6, 0) << " MB), prompt "
                            << promptLen << " tokens, " << newTokens << " new tokens, greedy\n";
                    for (const auto& r : runs) {
                        ctx.out << padRight(r["kv_cache"].get<bool>() ? "with KV cache" : "without cache", 16)
                                << "median " << padLeft(fixed(r["median_ms"].get<double>(), 1), 9) << " ms   "
                                << padLeft(fixed(r["tokens_per_second"].get<double>(), 1), 8) << " tokens/s\n";
                    }
                    ctx.out << padRight("cache speed-up", 16) << fixed(medians[false] / medians[true], 1) << "x\n"
                            << padRight("copy bandwidth", 16) << fixed(bandwidth / 1e9, 2) << " GB/s -> bound "
                            << fixed(bound, 1) << " tokens/s (weights read once per token); reached "
                            << fixed(100.0 * cached / bound, 0) << " %\n"
                            << padRight("read bandwidth", 16) << fixed(reading / 1e9, 2) << " GB/s -> bound "
                            << fixed(reading / weightBytes, 1) << " tokens/s (reading only, " << std::max(1u, std::thread::hardware_concurrency()) << " threads); reached "
                            << fixed(100.0 * cached / (reading / weightBytes), 0) << " %\n";
                }
                return summary;
            } };
}

// ---------------------------------------------------------------------------------------------
// forward

Prepared prepareForward(const ParsedArgs& args)
{
    const std::vector<std::string> texts = args.all("text");
    if (texts.empty()) {
        throw UsageError("forward", "missing --text T (give it once per text of the batch)");
    }
    const std::optional<std::string> out = args.value("out");
    if (!out) {
        throw UsageError("forward", "missing --out FILE.safetensors (where to write the tensors)");
    }
    const std::vector<std::string> targets = args.all("target");
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);
    return { absolutePath(dir), device,
        [dir, texts, targets, outPath = *out, device](CommandContext& ctx) {
            requireNonEmptyTexts(texts);
            const auto model = loadModelFor(ctx, dir, device); // prepare() names a missing tokenizer
            const bool seq2seq = model->info().isEncoderDecoder;
            if (seq2seq && targets.empty()) {
                throw UsageError("forward",
                    model->info().architecture
                        + " is an encoder-decoder model: give --target T "
                          "(the text the decoder reads; once, or once per --text)");
            }
            if (!seq2seq && !targets.empty()) {
                throw UsageError("forward",
                    "--target is for encoder-decoder models (T5); " + model->info().architecture
                        + " takes only --text");
            }
            const engine::ModelInput input =
                seq2seq ? model->prepareSeq2Seq(texts, targets) : model->prepare(texts);
            engine::TraceRequest trace;
            trace.attentions = true;
            trace.hiddenStates = true;
            const engine::ForwardResult result = model->forward(input, trace);

            using engine::TensorToWrite;
            std::vector<TensorToWrite> tensors;
            // Encoder-decoder models name the encoder's records encoder_* and add the
            // decoder's, as the reference's Seq2SeqLMOutput does.
            const std::string prefix = seq2seq ? "encoder_" : "";
            tensors.push_back(
                TensorToWrite::fromFloat(prefix + "last_hidden_state", result.lastHiddenState));
            const auto addList = [&tensors](const std::string& name,
                                     const std::vector<engine::FloatTensor>& list) {
                for (size_t i = 0; i < list.size(); ++i) {
                    tensors.push_back(
                        TensorToWrite::fromFloat(name + "." + std::to_string(i), list[i]));
                }
            };
            addList(prefix + "hidden_states", result.trace.hiddenStates);
            addList(prefix + "attentions", result.trace.attentions);
            addList("decoder_hidden_states", result.trace.decoderHiddenStates);
            addList("decoder_attentions", result.trace.decoderAttentions);
            addList("cross_attentions", result.trace.crossAttentions);
            if (seq2seq) {
                tensors.push_back(
                    TensorToWrite::fromInt64("decoder_input_ids", input.decoderInputIds));
                tensors.push_back(
                    TensorToWrite::fromInt64("decoder_attention_mask", input.decoderAttentionMask));
            }
            // Ids and masks stay integers (I64, as the reference's tensors): a float
            // would round ids above 2^24.
            tensors.push_back(TensorToWrite::fromInt64("input_ids", input.inputIds));
            tensors.push_back(TensorToWrite::fromInt64("attention_mask", input.attentionMask));
            if (!input.tokenTypeIds.empty()) {
                tensors.push_back(TensorToWrite::fromInt64("token_type_ids", input.tokenTypeIds));
            }
            if (!result.logits.empty()) {
                tensors.push_back(TensorToWrite::fromFloat("logits", result.logits));
            }
            if (!result.poolerOutput.empty()) {
                tensors.push_back(TensorToWrite::fromFloat("pooler_output", result.poolerOutput));
            }
            if (!result.seqRelationshipLogits.empty()) {
                tensors.push_back(TensorToWrite::fromFloat(
                    "seq_relationship_logits", result.seqRelationshipLogits));
            }
            std::map<std::string, std::string> metadata;
            metadata["format"] = "pt";
            metadata["lumen_model"] = absolutePath(dir);
            metadata["lumen_texts"] = Json(texts).dump();
            if (seq2seq) {
                metadata["lumen_targets"] = Json(targets).dump();
            }
            engine::writeSafetensors(outPath, tensors, metadata);

            int64_t realTokens = 0;
            for (int64_t m : input.attentionMask.data) {
                realTokens += m;
            }
            ctx.out << "wrote " << tensors.size() << " tensors to " << outPath << " (batch "
                    << input.batchSize() << ", " << input.seqLen() << " positions, forward "
                    << fixed(result.elapsedMs, 1) << " ms)\n";
            return Json { { "output", absolutePath(outPath) }, { "batch", input.batchSize() },
                { "seq_len", input.seqLen() }, { "tokens", realTokens },
                { "tensors", tensors.size() }, { "forward_ms", result.elapsedMs } };
        } };
}

// ---------------------------------------------------------------------------------------------
// models

std::string humanBytes(int64_t bytes)
{
    const char* units[] = { "B", "kB", "MB", "GB", "TB" };
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1000.0;
        ++unit;
    }
    std::ostringstream out;
    out << std::fixed << std::setprecision(unit == 0 ? 0 : 1) << value << ' ' << units[unit];
    return out.str();
}

Prepared prepareModels(const ParsedArgs& args)
{
    const std::string cache = args.value("cache").value_or(engine::huggingFaceCacheDir());
    const bool json = args.flag("json");
    return { "", "", [cache, json](CommandContext& ctx) {
                const std::vector<engine::CachedModel> models = engine::listCachedModels(cache);
                Json list = Json::array();
                for (const engine::CachedModel& m : models) {
                    list.push_back(Json { { "repo_id", m.repoId }, { "path", m.path },
                        { "revision", m.revision }, { "model_type", m.modelType },
                        { "size_bytes", m.sizeBytes }, { "has_config", m.hasConfig },
                        { "has_weights", m.hasWeights }, { "has_tokenizer", m.hasTokenizer },
                        { "problem", m.problem } });
                }
                const Json j { { "cache", cache }, { "models", list } };
                if (json) {
                    writePretty(ctx.out, j);
                    return j;
                }
                if (models.empty()) {
                    ctx.out << "no models in the Hugging Face cache " << cache << '\n';
                    return j;
                }
                ctx.out << "Hugging Face cache " << cache << "\n\n";
                size_t width = 8;
                for (const engine::CachedModel& m : models) {
                    width = std::max(width, m.repoId.size());
                }
                ctx.out << padRight("MODEL", width + 2) << padRight("TYPE", 12)
                        << padRight("SIZE", 10) << "STATUS\n";
                for (const engine::CachedModel& m : models) {
                    ctx.out << padRight(m.repoId, width + 2)
                            << padRight(m.modelType.empty() ? "-" : m.modelType, 12)
                            << padRight(m.path.empty() ? "-" : humanBytes(m.sizeBytes), 10)
                            << (m.problem.empty() ? "ok" : m.problem) << '\n';
                }
                return j;
            } };
}

// ---------------------------------------------------------------------------------------------
// new-model

Prepared prepareNewModel(const ParsedArgs& args)
{
    const std::optional<std::string> config = args.value("config");
    const std::optional<std::string> family = args.value("family");
    if (config.has_value() == family.has_value()) {
        throw UsageError("new-model",
            "give either --config CONFIG.json (any configuration) or --family F --tokenizer DIR "
            "(one of Lumen's families, sized by the options)");
    }
    const std::optional<std::string> out = args.value("out");
    if (!out) {
        throw UsageError("new-model", "missing --out DIR (the folder to write the model to)");
    }
    const uint64_t seed = static_cast<uint64_t>(parseIntOption("new-model", "seed",
        args.value("seed").value_or("0"), 0, std::numeric_limits<long long>::max()));
    if (config) {
        return { absolutePath(*out), "", [config = *config, out = *out, seed](CommandContext& ctx) {
                    const int64_t parameters = engine::createRandomModel(config, out, seed);
                    ctx.out << "wrote a random model with " << withThousands(parameters)
                            << " parameters (seed " << seed << ") to " << out << '\n';
                    return Json { { "output", absolutePath(out) }, { "config", absolutePath(config) },
                        { "parameters", parameters }, { "seed", seed } };
                } };
    }
    const std::optional<std::string> tokenizer = args.value("tokenizer");
    if (!tokenizer) {
        throw UsageError("new-model", "missing --tokenizer DIR (a folder with the tokenizer the model will use)");
    }
    engine::NewModelSpec spec;
    spec.family = *family;
    const std::vector<std::string> families = engine::newModelFamilies();
    if (std::find(families.begin(), families.end(), spec.family) == families.end()) {
        std::string known;
        for (const std::string& f : families) {
            known += (known.empty() ? "" : ", ") + f;
        }
        throw UsageError("new-model", "--family " + spec.family + " is not one of " + known);
    }
    const std::string head = args.value("head").value_or(spec.family == "wavenet" || spec.family == "lstm" ? "causal-lm" : "masked-lm");
    if (head != "masked-lm" && head != "causal-lm") {
        throw UsageError("new-model", "--head " + head + " is not a head: use masked-lm or causal-lm");
    }
    spec.causal = head == "causal-lm";
    const auto size = [&args](const char* name, int64_t fallback, int64_t min) {
        const auto v = args.value(name);
        return v ? parseIntOption("new-model", name, *v, min, 1 << 20) : fallback;
    };
    spec.hidden = size("hidden", spec.hidden, 1);
    spec.layers = size("layers", spec.layers, 1);
    spec.heads = size("heads", spec.heads, 1);
    spec.kernel = size("kernel", 0, 1);
    spec.intermediate = size("intermediate", 0, 1);
    spec.maxPositions = size("max-positions", 0, 0);
    return { absolutePath(*out), "", [spec, tokenizer = *tokenizer, out = *out, seed, head](CommandContext& ctx) {
                const int64_t parameters = engine::createModel(spec, tokenizer, out, seed);
                ctx.out << "wrote a random " << spec.family << " " << head << " with " << withThousands(parameters)
                        << " parameters (seed " << seed << ") to " << out << '\n';
                return Json { { "output", absolutePath(out) }, { "family", spec.family }, { "head", head },
                    { "parameters", parameters }, { "seed", seed } };
            } };
}

// ---------------------------------------------------------------------------------------------
// bench

/// Median, min, max and tokens per second of a list of pass times.
void summarise(engine::BenchResult& r, int64_t tokensPerPass)
{
    if (r.timesMs.empty()) {
        return;
    }
    std::vector<double> sorted = r.timesMs;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    r.medianMs = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    r.minMs = sorted.front();
    r.maxMs = sorted.back();
    r.tokensPerSecond = r.medianMs > 0.0 ? tokensPerPass / (r.medianMs / 1000.0) : 0.0;
}

/// Times passes without and with attention capture in alternation (off on, on off, off on,
/// ...) rather than all of one then all of the other, so a drift in the machine's speed (a
/// build starting beside it, clock changes) weighs on both modes alike instead of on
/// whichever ran second. Each pass is one engine::benchmarkForward call of one repeat, on the
/// same seeded ids.
std::pair<engine::BenchResult, engine::BenchResult> compareAttention(
    engine::Model& model, const engine::BenchConfig& config, const engine::RunControl& control)
{
    engine::RunControl inner;
    inner.cancel = control.cancel;
    engine::BenchResult off;
    engine::BenchResult on;
    const auto pass = [&](bool capture, int repeats) {
        engine::BenchConfig c = config;
        c.captureAttention = capture;
        c.warmup = 0;
        c.repeats = repeats;
        return engine::benchmarkForward(model, c, inner);
    };
    const auto stop = [&](const engine::BenchResult& r) {
        if (r.status != engine::JobStatus::Cancelled) {
            return false;
        }
        off.status = on.status = engine::JobStatus::Cancelled;
        return true;
    };
    const int total = 2 * (config.warmup + config.repeats);
    int done = 0;
    if (config.warmup > 0) {
        for (const bool capture : { false, true }) {
            control.report(static_cast<double>(done) / total,
                capture ? "warm-up with capture" : "warm-up without capture");
            if (stop(pass(capture, config.warmup))) {
                return { off, on };
            }
            done += config.warmup;
        }
    }
    for (int i = 0; i < config.repeats; ++i) {
        for (const bool capture :
            i % 2 == 0 ? std::vector<bool> { false, true } : std::vector<bool> { true, false }) {
            control.report(static_cast<double>(done) / total,
                "repeat " + std::to_string(i + 1) + "/" + std::to_string(config.repeats));
            const engine::BenchResult r = pass(capture, 1);
            if (stop(r)) {
                return { off, on };
            }
            (capture ? on : off).timesMs.push_back(r.timesMs.at(0));
            ++done;
        }
    }
    summarise(off, config.batch * config.seqLen);
    summarise(on, config.batch * config.seqLen);
    return { off, on };
}

Json benchRunJson(const engine::BenchResult& r, bool attention)
{
    return Json { { "capture_attention", attention }, { "median_ms", r.medianMs },
        { "min_ms", r.minMs }, { "max_ms", r.maxMs }, { "tokens_per_second", r.tokensPerSecond },
        { "times_ms", r.timesMs } };
}

// bench --load: times Model::load and the memory it adds (bench/load_bench.sh).
Prepared prepareLoadBench(const ParsedArgs& args)
{
    for (const char* option : { "seq-len", "batch", "seed" }) {
        if (args.value(option)) {
            throw UsageError("bench",
                std::string("--load times loading only; --") + option + " is for forward passes");
        }
    }
    if (args.flag("attention") || args.flag("compare-attention")) {
        throw UsageError("bench", "--load times loading only; it runs no forward pass to capture");
    }
    engine::LoadBenchConfig config;
    const int kMaxInt = std::numeric_limits<int>::max();
    config.repeats = static_cast<int>(
        parseIntOption("bench", "repeats", args.value("repeats").value_or("5"), 1, kMaxInt));
    config.warmup = static_cast<int>(
        parseIntOption("bench", "warmup", args.value("warmup").value_or("0"), 0, kMaxInt));
    config.load.device = deviceOption(args);
    config.load.loadTokenizer = false; // the weights are what is timed
    const bool json = args.flag("json");
    const std::string dir = modelArgument(args.positionals[0]);

    return { absolutePath(dir), config.load.device, [=](CommandContext& ctx) {
                InterruptScope interrupt;
                gInterrupted.store(false);
                engine::RunControl control;
                control.cancel = &gInterrupted;
                const engine::LoadBenchResult r =
                    engine::benchmarkLoad(engine::resolveModelPath(dir), config, control);
                for (size_t i = 0; i < r.timesMs.size(); ++i) {
                    ctx.metric("load_ms", static_cast<int64_t>(i), r.timesMs[i]);
                    ctx.metric("load_peak_growth_bytes", static_cast<int64_t>(i),
                        static_cast<double>(r.peakGrowthBytes[i]));
                }
                const double ratio = r.weightBytes > 0 && r.medianPeakGrowthBytes >= 0
                    ? static_cast<double>(r.medianPeakGrowthBytes) / r.weightBytes
                    : 0.0;
                Json summary;
                summary["model_dir"] = r.info.dir;
                summary["weights_file"] = r.info.weightsFile;
                summary["device"] = r.info.device;
                summary["warmup"] = config.warmup;
                summary["repeats"] = config.repeats;
                summary["parameters"] = r.info.parameterCount;
                summary["weight_bytes"] = r.weightBytes;
                summary["median_ms"] = r.medianMs;
                summary["min_ms"] = r.minMs;
                summary["max_ms"] = r.maxMs;
                summary["times_ms"] = r.timesMs;
                summary["median_peak_growth_bytes"] = r.medianPeakGrowthBytes;
                summary["peak_growth_ratio"] = ratio;
                summary["peak_growth_bytes"] = r.peakGrowthBytes;
                summary["median_resident_growth_bytes"] = r.medianResidentGrowthBytes;
                summary["process_peak_bytes"] = r.processPeakBytes;
                if (r.status != engine::JobStatus::Completed) {
                    throw Cancelled { summary };
                }
                if (json) {
                    writePretty(ctx.out, summary);
                    return summary;
                }
                const auto mb = [](int64_t bytes) {
                    return bytes < 0 ? std::string("unknown") : fixed(bytes / 1e6, 1) + " MB";
                };
                const engine::ModelInfo& info = r.info;
                ctx.out << "model    " << info.dir << " (" << info.modelType << ", "
                        << info.numLayers << " layers, hidden " << info.hiddenSize << ", "
                        << withThousands(info.parameterCount) << " parameters)\n"
                        << "weights  " << info.weightsFile << ", " << mb(r.weightBytes) << " of "
                        << info.dtype << " parameters, device " << info.device << "\n"
                        << "runs     " << config.warmup << " warm-up + " << config.repeats
                        << " timed loads in this process\n"
                        << padRight("load", 9) << "median " << padLeft(fixed(r.medianMs, 2), 10)
                        << " ms   min " << padLeft(fixed(r.minMs, 2), 10) << "   max "
                        << padLeft(fixed(r.maxMs, 2), 10) << "\n"
                        << padRight("memory", 9) << "peak growth " << mb(r.medianPeakGrowthBytes)
                        << " (" << fixed(ratio, 2) << " x the weights), resident growth "
                        << mb(r.medianResidentGrowthBytes) << ", process peak "
                        << mb(r.processPeakBytes) << "\n";
                return summary;
            } };
}

Prepared prepareBench(const ParsedArgs& args)
{
    if (args.flag("load")) {
        return prepareLoadBench(args);
    }
    engine::BenchConfig config;
    const int kMaxInt = std::numeric_limits<int>::max();
    config.seqLen =
        parseIntOption("bench", "seq-len", args.value("seq-len").value_or("128"), 1, 1 << 20);
    config.batch = parseIntOption("bench", "batch", args.value("batch").value_or("1"), 1, 1 << 16);
    config.repeats = static_cast<int>(
        parseIntOption("bench", "repeats", args.value("repeats").value_or("10"), 1, kMaxInt));
    config.warmup = static_cast<int>(
        parseIntOption("bench", "warmup", args.value("warmup").value_or("3"), 0, kMaxInt));
    config.seed = static_cast<uint64_t>(parseIntOption("bench", "seed",
        args.value("seed").value_or("0"), 0, std::numeric_limits<long long>::max()));
    const bool attention = args.flag("attention");
    const bool compare = args.flag("compare-attention");
    if (attention && compare) {
        throw UsageError("bench",
            "--attention and --compare-attention exclude each other "
            "(--compare-attention already runs with and without capture)");
    }
    config.captureAttention = attention;
    const bool json = args.flag("json");
    const std::string dir = modelArgument(args.positionals[0]);
    const std::string device = deviceOption(args);

    return { absolutePath(dir), device,
        [=](CommandContext& ctx) {
            const engine::SystemInfo system = engine::systemInfo();
            if (const std::string warning = engine::blasWarning(system); !warning.empty()) {
                ctx.warn(warning);
            }
            const auto model = loadModelFor(ctx, dir, device);
            const engine::ModelInfo& info = model->info();

            if (!json) {
                ctx.out << "model    " << info.dir << " (" << info.modelType << ", "
                        << info.numLayers << " layers, hidden " << info.hiddenSize << ", "
                        << withThousands(info.parameterCount) << " parameters)\n"
                        << "input    batch " << config.batch << " x " << config.seqLen
                        << " tokens (random ids, seed " << config.seed << "), device "
                        << info.device << "\n"
                        << "runs     " << config.warmup << " warm-up + " << config.repeats
                        << " timed" << (compare ? " per mode, alternating" : "") << "\n"
                        << "system   LibTorch " << system.torchVersion << ", BLAS "
                        << system.blasKind << ", intra-op threads " << system.intraOpThreads
                        << "\n";
            }

            InterruptScope interrupt;
            gInterrupted.store(false);
            engine::RunControl control;
            control.cancel = &gInterrupted;
            // Progress on a terminal only, throttled: a redirected stdout stays clean.
            const bool tty = ::isatty(STDERR_FILENO) == 1;
            auto lastReport = std::chrono::steady_clock::now() - std::chrono::seconds(1);
            control.progress = [&](double fraction, const std::string& step) {
                const auto now = std::chrono::steady_clock::now();
                if (!tty || now - lastReport < std::chrono::milliseconds(100)) {
                    return;
                }
                lastReport = now;
                ctx.err << "\r  " << step << " (" << static_cast<int>(fraction * 100) << " %)   "
                        << std::flush;
            };

            std::vector<std::pair<bool, engine::BenchResult>> runs;
            if (compare) {
                auto [off, on] = compareAttention(*model, config, control);
                runs.emplace_back(false, std::move(off));
                runs.emplace_back(true, std::move(on));
            } else {
                runs.emplace_back(attention, engine::benchmarkForward(*model, config, control));
            }
            if (tty) {
                ctx.err << "\r" << std::string(40, ' ') << "\r" << std::flush;
            }
            for (const auto& [capture, r] : runs) {
                // In a comparison, the capture passes get their own series.
                const std::string key = compare && capture ? "forward_ms_attention" : "forward_ms";
                for (size_t i = 0; i < r.timesMs.size(); ++i) {
                    ctx.metric(key, static_cast<int64_t>(i), r.timesMs[i]);
                }
            }
            const std::vector<bool> modes =
                compare ? std::vector<bool> { false, true } : std::vector<bool> { attention };

            Json summary;
            summary["model_dir"] = info.dir;
            summary["seq_len"] = config.seqLen;
            summary["batch"] = config.batch;
            summary["warmup"] = config.warmup;
            summary["repeats"] = config.repeats;
            summary["seed"] = config.seed;
            summary["device"] = info.device;
            summary["blas"] = system.blasKind;
            summary["intra_op_threads"] = system.intraOpThreads;
            Json results = Json::array();
            for (const auto& [capture, r] : runs) {
                results.push_back(benchRunJson(r, capture));
            }
            summary["runs"] = results;
            bool complete = runs.size() == modes.size();
            for (const auto& run : runs) {
                complete = complete && run.second.status == engine::JobStatus::Completed;
            }
            double overheadPercent = 0.0;
            if (compare && complete && runs[0].second.medianMs > 0.0) {
                overheadPercent = 100.0 * (runs[1].second.medianMs / runs[0].second.medianMs - 1.0);
                summary["attention_overhead_percent"] = overheadPercent;
            }
            if (!complete) {
                throw Cancelled { summary };
            }

            if (json) {
                writePretty(ctx.out, summary);
            } else {
                for (const auto& [capture, r] : runs) {
                    ctx.out << padRight(capture ? "attention capture" : "no capture", 19)
                            << "median " << padLeft(fixed(r.medianMs, 2), 10) << " ms   min "
                            << padLeft(fixed(r.minMs, 2), 10) << "   max "
                            << padLeft(fixed(r.maxMs, 2), 10) << "   "
                            << padLeft(fixed(r.tokensPerSecond, 1), 10) << " tokens/s\n";
                }
                if (summary.contains("attention_overhead_percent")) {
                    ctx.out << padRight("capture overhead", 19) << (overheadPercent >= 0 ? "+" : "")
                            << fixed(overheadPercent, 1) << " %\n";
                }
            }
            return summary;
        } };
}

// ---------------------------------------------------------------------------------------------
// attention

Prepared prepareAttention(const ParsedArgs& args)
{
    AttentionRender request;
    const std::optional<std::string> text = args.value("text");
    if (!text) {
        throw UsageError("attention", "missing --text T (the text to run the model on)");
    }
    const std::optional<std::string> png = args.value("png");
    if (!png) {
        throw UsageError("attention", "missing --png OUT.png (where to write the image)");
    }
    request.text = *text;
    request.pair = args.value("pair").value_or("");
    request.target = args.value("target").value_or("");
    request.stack = args.value("stack").value_or("encoder");
    if (request.stack != "encoder" && request.stack != "decoder" && request.stack != "cross") {
        throw UsageError("attention",
            "--stack " + request.stack + " is not an attention: use encoder, decoder or cross");
    }
    if (!request.target.empty() && !request.pair.empty()) {
        throw UsageError("attention",
            "--pair and --target both give a second text; a sentence pair is for encoders, "
            "a target for encoder-decoder models: give one");
    }
    request.png = *png;
    request.view = args.value("view").value_or("heatmap");
    if (args.flag("rollout")) {
        if (args.value("view") && request.view != "rollout") {
            throw UsageError("attention",
                "--rollout and --view " + request.view
                    + " ask for two "
                      "different views; give one");
        }
        request.view = "rollout";
    }
    const std::vector<std::string> views = { "heatmap", "heads", "model", "rollout" };
    if (std::find(views.begin(), views.end(), request.view) == views.end()) {
        throw UsageError("attention",
            "--view " + request.view + " is not a view: use heatmap, heads, model or rollout");
    }
    if (const auto layer = args.value("layer")) {
        request.layer = static_cast<int>(parseIntOption("attention", "layer", *layer, 0, 1 << 20));
    }
    if (const auto head = args.value("head")) {
        if (*head == "mean") {
            request.head = -1;
        } else if (*head == "max") {
            request.head = -2;
        } else {
            request.head = static_cast<int>(parseIntOption("attention", "head", *head, 0, 1 << 20));
        }
        if (request.view != "heatmap") {
            throw UsageError("attention",
                "--head picks the heatmap's head; the " + request.view + " view shows every head");
        }
    }
    request.width = static_cast<int>(
        parseIntOption("attention", "width", args.value("width").value_or("1200"), 200, 16384));
    request.height = static_cast<int>(
        parseIntOption("attention", "height", args.value("height").value_or("900"), 150, 16384));
    const std::string dir = modelArgument(args.positionals[0]);
    request.device = deviceOption(args);
    const bool json = args.flag("json");
    return { absolutePath(dir), request.device, [dir, request, json](CommandContext& ctx) mutable {
                requireNonEmptyTexts({ request.text });
                request.modelDir = engine::resolveModelPath(dir);
                const AttentionRenderResult r = renderAttention(request);
                const Json j { { "png", r.png }, { "view", request.view },
                    { "stack", request.stack }, { "layer", r.layer }, { "seq_len", r.seq },
                    { "key_len", r.keys }, { "layers", r.layers }, { "heads", r.heads },
                    { "windows", r.windows }, { "forward_ms", r.forwardMs } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    ctx.out << "wrote " << r.png << " (" << request.view << ", ";
                    if (request.stack == "cross") {
                        ctx.out << "cross-attention, " << r.seq << " decoder x " << r.keys
                                << " encoder tokens, ";
                    } else {
                        ctx.out << (request.stack == "decoder" ? "decoder, " : "") << r.seq
                                << " tokens, ";
                    }
                    ctx.out << r.layers << " layers x " << r.heads << " heads)\n";
                }
                return j;
            } };
}

// ---------------------------------------------------------------------------------------------
// runs, run-show

/// A project named on the command line: it must exist (listing never creates one).
std::unique_ptr<projects::Project> openListedProject(const std::string& path)
{
    return projects::Project::open(path);
}

Prepared prepareRuns(const ParsedArgs& args)
{
    projects::RunFilter filter;
    filter.kind = args.value("kind");
    filter.tag = args.value("tag");
    filter.experiment = args.value("experiment");
    filter.text = args.value("search");
    filter.model = args.value("model");
    if (const auto status = args.value("status")) {
        filter.status = projects::runStatusFromName(*status);
        if (!filter.status) {
            throw UsageError("runs",
                "--status " + *status
                    + " is not a status: use running, completed, cancelled, failed or "
                      "interrupted");
        }
    }
    if (const auto limit = args.value("limit")) {
        filter.limit = parseIntOption("runs", "limit", *limit, 1, 1LL << 40);
    }
    filter.trashed = args.flag("trash");
    filter.newestFirst = !args.flag("oldest-first");
    const bool json = args.flag("json");
    const bool csv = args.flag("csv");
    if (json && csv) {
        throw UsageError("runs", "--json and --csv are two formats; give one");
    }
    const std::string path = args.positionals[0];
    return { "", "", [path, filter, json, csv](CommandContext& ctx) {
                const auto project = openListedProject(path);
                const std::vector<projects::RunRecord> runs = project->listRuns(filter);
                if (json) {
                    Json all = Json::array();
                    for (const projects::RunRecord& run : runs) {
                        all.push_back(projects::runJson(*project, run, /*full=*/false));
                    }
                    writePretty(ctx.out, all);
                } else if (csv) {
                    projects::writeRunsCsv(ctx.out, *project, runs);
                } else {
                    writeRunsTable(ctx.out, *project, runs);
                }
                return Json { { "runs", runs.size() } };
            } };
}

Prepared prepareRunShow(const ParsedArgs& args)
{
    const std::string path = args.positionals[0];
    const int64_t id = parseIntOption("run-show", "ID", args.positionals[1], 1, 1LL << 62);
    const bool json = args.flag("json");
    return { "", "", [path, id, json](CommandContext& ctx) {
                const auto project = openListedProject(path);
                const std::optional<projects::RunRecord> run = project->run(id);
                if (!run) {
                    throw projects::ProjectError(projects::ProjectErrorKind::NotFound,
                        path + " has no run " + std::to_string(id)
                            + ". 'lumen-cli runs " + path + "' lists the runs it has.");
                }
                if (json) {
                    writePretty(ctx.out, projects::runJson(*project, *run, /*full=*/true));
                } else {
                    writeRunDetails(ctx.out, *project, *run);
                }
                return Json { { "run", id } };
            } };
}

Prepared prepareProjectExport(const ParsedArgs& args)
{
    const std::string path = args.positionals[0];
    const std::string archive = args.positionals[1];
    const bool json = args.flag("json");
    return { "", "", [path, archive, json](CommandContext& ctx) {
                const auto project = openListedProject(path);
                const int64_t files = project->exportArchive(archive);
                const Json j { { "archive", archive }, { "files", files },
                    { "runs", project->listRuns().size() } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    ctx.out << "wrote " << archive << " (" << j["runs"].get<size_t>() << " runs, "
                            << files << " files)\n";
                }
                return j;
            } };
}

Prepared prepareProjectImport(const ParsedArgs& args)
{
    const std::string archive = args.positionals[0];
    const std::string path = args.positionals[1];
    const bool json = args.flag("json");
    return { "", "", [path, archive, json](CommandContext& ctx) {
                const auto project = projects::Project::importArchive(archive, path);
                const std::vector<projects::ArtifactRecord> missing = project->missingArtifacts();
                const Json j { { "project", project->path() },
                    { "runs", project->listRuns().size() }, { "missing_artifacts", missing.size() } };
                if (json) {
                    writeInline(ctx.out, j);
                    ctx.out << '\n';
                } else {
                    ctx.out << "imported " << project->path() << " (" << j["runs"].get<size_t>()
                            << " runs)\n";
                }
                if (!missing.empty()) {
                    ctx.warn(std::to_string(missing.size())
                        + " artifact files the project records were not in the archive");
                }
                return j;
            } };
}

// ---------------------------------------------------------------------------------------------
// bench-tokenize

/// The whole file as bytes; an error naming the file when it cannot be read.
std::string readTextArgument(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(ErrorKind::InvalidInput,
            "the text file " + path
                + " does not exist or is not a file; give --file a UTF-8 text file");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in.good() && !in.eof()) {
        throw Error(ErrorKind::Io, "cannot read the text file " + path + "; check its permissions");
    }
    return buffer.str();
}

Prepared prepareBenchTokenize(const ParsedArgs& args)
{
    const std::optional<std::string> file = args.value("file");
    if (!file) {
        throw UsageError("bench-tokenize", "missing --file FILE (the text to tokenize)");
    }
    const int kMaxInt = std::numeric_limits<int>::max();
    engine::TokenizeBenchConfig config;
    config.repeats = static_cast<int>(parseIntOption(
        "bench-tokenize", "repeats", args.value("repeats").value_or("5"), 1, kMaxInt));
    config.warmup = static_cast<int>(
        parseIntOption("bench-tokenize", "warmup", args.value("warmup").value_or("1"), 0, kMaxInt));
    config.perLine = args.flag("lines");
    const bool json = args.flag("json");
    const std::string dir = modelArgument(args.positionals[0]);

    return { absolutePath(dir), "", [=, file = *file](CommandContext& ctx) {
                const std::string text = readTextArgument(file);
                // Only the tokenizer: the weights play no part.
                const auto tokenizer = engine::loadTokenizer(engine::resolveModelPath(dir));

                InterruptScope interrupt;
                gInterrupted.store(false);
                engine::RunControl control;
                control.cancel = &gInterrupted;
                const engine::TokenizeBenchResult r =
                    engine::benchmarkTokenizer(*tokenizer, text, config, control);
                for (size_t i = 0; i < r.timesMs.size(); ++i) {
                    ctx.metric("tokenize_ms", static_cast<int64_t>(i), r.timesMs[i]);
                }

                Json summary;
                summary["model_dir"] = absolutePath(dir);
                summary["tokenizer"] = tokenizer->kind();
                summary["file"] = absolutePath(file);
                summary["bytes"] = r.bytes;
                summary["per_line"] = config.perLine;
                summary["texts"] = r.texts;
                summary["tokens"] = r.tokens;
                summary["warmup"] = config.warmup;
                summary["repeats"] = config.repeats;
                summary["median_ms"] = r.medianMs;
                summary["min_ms"] = r.minMs;
                summary["max_ms"] = r.maxMs;
                summary["median_cpu_ms"] = r.medianCpuMs;
                summary["mb_per_second"] = r.megabytesPerSecond;
                summary["cpu_mb_per_second"] = r.cpuMegabytesPerSecond;
                summary["tokens_per_second"] = r.tokensPerSecond;
                summary["times_ms"] = r.timesMs;
                summary["cpu_times_ms"] = r.cpuTimesMs;
                if (r.status != engine::JobStatus::Completed) {
                    throw Cancelled { summary };
                }

                if (json) {
                    writePretty(ctx.out, summary);
                } else {
                    ctx.out << "tokenizer  " << tokenizer->kind() << ", "
                            << withThousands(tokenizer->vocabSize()) << " tokens (" << dir << ")\n"
                            << "input      " << file << " ("
                            << withThousands(static_cast<int64_t>(text.size())) << " bytes"
                            << (config.perLine ? ", one encode per non-empty line"
                                               : ", encoded as one text")
                            << ")\n"
                            << "runs       " << config.warmup << " warm-up + " << config.repeats
                            << " timed, on one thread\n"
                            << "tokens     " << withThousands(r.tokens) << " per pass ("
                            << withThousands(r.texts) << (r.texts == 1 ? " text" : " texts")
                            << ", special tokens included)\n"
                            << "wall time  median " << padLeft(fixed(r.medianMs, 2), 10)
                            << " ms   min " << padLeft(fixed(r.minMs, 2), 10) << "   max "
                            << padLeft(fixed(r.maxMs, 2), 10) << "   "
                            << padLeft(fixed(r.megabytesPerSecond, 2), 8) << " MB/s   "
                            << padLeft(fixed(r.tokensPerSecond, 0), 10) << " tokens/s\n"
                            << "cpu time   median " << padLeft(fixed(r.medianCpuMs, 2), 10)
                            << " ms   " << std::string(34, ' ')
                            << padLeft(fixed(r.cpuMegabytesPerSecond, 2), 8) << " MB/s\n";
                }
                return summary;
            } };
}

// ---------------------------------------------------------------------------------------------
// The command table

const OptionSpec kProject { "project", true, false };
const OptionSpec kDevice { "device", true, false };
const OptionSpec kJson { "json", false, false };
const OptionSpec kHelp { "help", false, false };

const std::vector<Command>& commands()
{
    static const std::vector<Command> table = {
        { { "info", { "MODEL_DIR" }, 1,
              { { "system", false, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli info MODEL_DIR [--json] [--device cpu|cuda]\n"
            "       lumen-cli info --system [--json]",
            "describe a model folder, or the machine (--system)",
            "With MODEL_DIR: architecture, model_type, sizes (vocabulary, hidden, layers, heads,\n"
            "intermediate, max positions), parameter count (tied weights counted once), dtype,\n"
            "device, weights file, tokenizer and load warnings. The model is loaded to count "
            "them.\n"
            "With --system: Lumen and LibTorch versions, the BLAS library in use, thread counts\n"
            "and devices; a warning on stderr when the slow reference BLAS is in use.\n",
            { { "--system", "describe the machine instead of a model" },
                { "--json", "print one JSON object instead of a table" },
                { "--device DEVICE", "load the model on cpu (default), cuda or cuda:N" } },
            &prepareInfo },
        { { "tokenize", { "MODEL_DIR" }, 0, { { "text", true, false }, kJson, kProject, kHelp } },
            "lumen-cli tokenize MODEL_DIR --text T [--json]",
            "tokenize a text with a model's tokenizer",
            "Prints each token's index, id, string and [start, end) offsets in Unicode code\n"
            "points of the text, special tokens included (they get 0-0). Reads only the\n"
            "tokenizer files, not the weights.\n",
            { { "--text T", "the text (required, not empty)" },
                { "--json",
                    "print {\"ids\": [...], \"tokens\": [...], \"offsets\": [[start, end], "
                    "...]}" } },
            &prepareTokenize },
        { { "forward", { "MODEL_DIR" }, 0,
              { { "text", true, true }, { "target", true, true }, { "out", true, false }, kDevice,
                  kProject, kHelp } },
            "lumen-cli forward MODEL_DIR --text T [--text T2 ...] --out FILE.safetensors\n"
            "                 [--target T ...] [--device cpu|cuda]",
            "run a forward pass and write every output tensor to a safetensors file",
            "Several --text options make a batch, right-padded to the longest text like the\n"
            "reference implementation. Writes F32 tensors last_hidden_state [batch, seq, hidden],\n"
            "hidden_states.N (N = 0 for the embeddings .. num layers), attentions.N (N = 0 ..\n"
            "num layers - 1, [batch, heads, query, key]), logits where the model has a head,\n"
            "pooler_output and seq_relationship_logits where present, and I64 tensors input_ids,\n"
            "attention_mask and token_type_ids [batch, seq]. The file is written atomically.\n"
            "Encoder-decoder models (T5) need --target (the decoder reads it shifted right):\n"
            "they write encoder_last_hidden_state, encoder_hidden_states.N, encoder_attentions.N,\n"
            "decoder_hidden_states.N, decoder_attentions.N, cross_attentions.N, logits\n"
            "[batch, target, vocab] and I64 decoder_input_ids, decoder_attention_mask.\n",
            { { "--text T", "a text of the batch (required; repeat for more rows)" },
                { "--target T",
                    "encoder-decoder models: the decoder's text (once, or once per --text)" },
                { "--out FILE", "the .safetensors file to write (required)" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareForward },
        { { "models", {}, 0, { { "cache", true, false }, kJson, kProject, kHelp } },
            "lumen-cli models [--cache DIR] [--json]",
            "list the models in the local Hugging Face cache",
            "Lists the models downloaded with Python (transformers, huggingface_hub) into the\n"
            "hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. Every\n"
            "command that takes MODEL_DIR also takes such a model's ORG/NAME.\n",
            { { "--cache DIR", "list this cache folder instead" },
                { "--json", "print one JSON object {\"cache\": ..., \"models\": [...]}" } },
            &prepareModels },
        { { "new-model", {}, 0,
              { { "config", true, false }, { "out", true, false }, { "seed", true, false },
                  { "family", true, false }, { "tokenizer", true, false }, { "head", true, false },
                  { "hidden", true, false }, { "layers", true, false }, { "heads", true, false },
                  { "kernel", true, false }, { "intermediate", true, false },
                  { "max-positions", true, false }, kProject, kHelp } },
            "lumen-cli new-model --config CONFIG.json --out DIR [--seed S]\n"
            "       lumen-cli new-model --family F --tokenizer DIR --out DIR [--head masked-lm|causal-lm]\n"
            "                 [--hidden N] [--layers N] [--heads N] [--kernel K] [--intermediate N]\n"
            "                 [--max-positions N] [--seed S]",
            "write a randomly initialised model of a configuration or a family",
            "Writes DIR/config.json and DIR/model.safetensors in the Hugging Face layout. With\n"
            "--config, any configuration Lumen loads (tokenizer files beside CONFIG.json are\n"
            "copied). With --family, one of Lumen's own sequence models (lightconv, dynamicconv,\n"
            "dilatedconv, wavenet, lstm) or a Transformer of the same sizes (transformer: BERT\n"
            "for the masked-LM head, GPT-2 for the causal one), with the tokenizer of --tokenizer\n"
            "(its vocabulary sets the model's). The same seed writes identical files. Prints the\n"
            "folder and the parameter count.\n",
            { { "--config FILE", "a Hugging Face config.json" },
                { "--family F", "lightconv, dynamicconv, dilatedconv, wavenet, lstm or transformer" },
                { "--tokenizer DIR", "with --family: a folder holding a tokenizer (any kind Lumen reads)" },
                { "--head H", "masked-lm (default; wavenet and lstm: causal-lm) or causal-lm" },
                { "--hidden N", "width (default 256)" },
                { "--layers N", "layers (default 4)" },
                { "--heads N", "attention or convolution heads (default 4)" },
                { "--kernel K", "convolution width (default: the family's; odd for masked-LMs)" },
                { "--intermediate N", "feed-forward width (default 4 x hidden)" },
                { "--max-positions N", "learned positions (default: none; a Transformer 512)" },
                { "--out DIR", "the folder to write (required; made if missing)" },
                { "--seed S", "random seed, a whole number (default 0)" } },
            &prepareNewModel },
        { { "bench", { "MODEL_DIR" }, 0,
              { { "seq-len", true, false }, { "batch", true, false }, { "repeats", true, false },
                  { "warmup", true, false }, { "seed", true, false }, { "attention", false, false },
                  { "compare-attention", false, false }, { "load", false, false }, kJson, kDevice,
                  kProject, kHelp } },
            "lumen-cli bench MODEL_DIR --seq-len L --batch B [--repeats N] [--warmup N]\n"
            "                 [--attention | --compare-attention] [--json] [--device cpu|cuda]\n"
            "       lumen-cli bench MODEL_DIR --load [--repeats N] [--warmup N] [--json]\n"
            "                 [--device cpu|cuda]",
            "time forward passes on random token ids, or loading (--load)",
            "Runs untimed warm-up passes, then timed ones, on B x L random token ids (every id\n"
            "an ordinary, non-special token; all positions real) and prints the median, min and\n"
            "max time per forward pass and tokens per second. The model needs no tokenizer.\n"
            "With --project, every timed pass is a metric \"forward_ms\" (step = repeat); the\n"
            "capture passes of --compare-attention are \"forward_ms_attention\". Ctrl-C stops\n"
            "between passes and records the run as Cancelled (exit status 130).\n"
            "With --load: times loading the model instead (config and weights, no tokenizer),\n"
            "--repeats times (default 5) after --warmup untimed loads (default 0), and prints\n"
            "the median load time and the peak resident memory each load adds, beside the\n"
            "weights' size (metrics \"load_ms\" and \"load_peak_growth_bytes\").\n",
            { { "--seq-len L", "tokens per row (default 128; at most max_position_embeddings)" },
                { "--batch B", "rows per forward pass (default 1)" },
                { "--repeats N", "timed passes (default 10)" },
                { "--warmup N", "untimed passes first (default 3)" },
                { "--seed S", "seed of the random ids (default 0)" },
                { "--attention", "record attention probabilities during the timed passes" },
                { "--compare-attention",
                    "time passes without and with capture, alternating, and print the overhead" },
                { "--load", "time loading the model and its memory instead of forward passes" },
                { "--json", "print one JSON object (every time, medians, overhead)" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareBench },
        { { "attention", { "MODEL_DIR" }, 0,
              { { "text", true, false }, { "pair", true, false }, { "target", true, false },
                  { "stack", true, false }, { "layer", true, false }, { "head", true, false },
                  { "view", true, false }, { "rollout", false, false }, { "png", true, false },
                  { "width", true, false }, { "height", true, false }, kJson, kDevice, kProject,
                  kHelp } },
            "lumen-cli attention MODEL_DIR --text T [--pair T2 | --target T2\n"
            "                 [--stack encoder|decoder|cross]] --png OUT.png\n"
            "                 [--layer L] [--head H|mean|max | --view heads|model | --rollout]\n"
            "                 [--width W] [--height H] [--json] [--device cpu|cuda]",
            "draw an attention view of a text to a PNG (no window needed)",
            "Runs the model on the text (and text B of a pair) and draws one of the GUI's views,\n"
            "headless: the heatmap of one layer and head (default: the last layer, head 0; or the\n"
            "mean / max of the layer's heads), the head view of a layer (--view heads), every\n"
            "layer and head as a grid (--view model), or the attention rollout from the input\n"
            "tokens to a layer (--rollout). An encoder-decoder model (T5) given a --target runs\n"
            "its decoder too: --stack decoder draws the decoder's causal self-attention, --stack\n"
            "cross its cross-attention (decoder tokens down, encoder tokens across). Needs a\n"
            "lumen-cli built with the GUI.\n",
            { { "--text T", "the text (required, not empty)" },
                { "--pair T2", "text B of a sentence pair" },
                { "--target T2", "an encoder-decoder model's decoder text" },
                { "--stack S", "encoder (default), decoder or cross (need --target)" },
                { "--png FILE", "the image to write (required)" },
                { "--layer L", "the layer (from 0; default the last)" },
                { "--head H", "the heatmap's head: 0.., mean or max (default 0)" },
                { "--view VIEW", "heatmap (default), heads, model or rollout" },
                { "--rollout", "the same as --view rollout" },
                { "--width W", "image width in pixels (default 1200)" },
                { "--height H", "image height in pixels (default 900)" },
                { "--json", "print {\"png\": ..., \"seq_len\": ..., ...}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareAttention },
        { { "fill-mask", { "MODEL_DIR" }, 0,
              { { "text", true, false }, { "top-k", true, false }, kJson, kDevice, kProject,
                  kHelp } },
            "lumen-cli fill-mask MODEL_DIR --text T [--top-k K] [--json] [--device cpu|cuda]",
            "a masked-LM's candidates for each mask token, with probabilities",
            "Runs a masked-LM (BERT, RoBERTa, ALBERT, DistilBERT, an ELECTRA generator) on a\n"
            "text with one or more mask tokens (the tokenizer's own: [MASK], <mask>) and prints\n"
            "the top-K candidates of each mask with their probabilities (softmax over the whole\n"
            "vocabulary, as the reference's fill-mask pipeline), then the text with each mask\n"
            "filled by its best candidate.\n",
            { { "--text T", "the text, with the mask token where a word is missing" },
                { "--top-k K", "candidates per mask (default 5)" },
                { "--json", "print {\"masks\": [{\"position\", \"candidates\": [{\"id\", "
                            "\"token\", \"probability\"}]}], \"filled\"}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareFillMask },
        { { "generate", { "MODEL_DIR" }, 0,
              { { "prompt", true, false }, { "max-new-tokens", true, false },
                  { "greedy", false, false }, { "temperature", true, false },
                  { "top-k", true, false }, { "top-p", true, false }, { "seed", true, false },
                  { "repetition-penalty", true, false }, { "stop", true, true },
                  { "beams", true, false }, { "length-penalty", true, false },
                  { "no-cache", false, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli generate MODEL_DIR --prompt P [--max-new-tokens N] [--greedy |\n"
            "                 --temperature T --top-k K --top-p P --seed S | --beams N\n"
            "                 [--length-penalty L]] [--repetition-penalty R] [--stop S ...]\n"
            "                 [--no-cache] [--json] [--device cpu|cuda]",
            "continue a prompt with a decoder, with each token's probability",
            "Continues the prompt with a causal LM (GPT-2, LLaMA-style) or, from the encoder's\n"
            "input, with an encoder-decoder (T5), printing the text as it is made (Ctrl-C\n"
            "stops). Greedy by default; any of --temperature, --top-k, --top-p, --seed samples\n"
            "instead (the reference's processors, in its order: repetition penalty,\n"
            "temperature, top-k, top-p); --beams N searches with N beams (the reference's beam\n"
            "search, printed once it ends). Ends after --max-new-tokens (default 32), at the\n"
            "end-of-text token, or once the new text holds a --stop string. --json prints the\n"
            "new ids and tokens, the text and per step the chosen token's probability and the\n"
            "top 5.\n",
            { { "--prompt P", "the text to continue" },
                { "--max-new-tokens N", "how many tokens at most (default 32)" },
                { "--greedy", "the most likely token each step (the default)" },
                { "--temperature T", "sample, dividing the logits by T" },
                { "--top-k K", "sample from the K most likely tokens" },
                { "--top-p P", "sample from the smallest set holding probability P" },
                { "--seed S", "the sampler's seed (the same seed gives the same text)" },
                { "--repetition-penalty R", "discourage tokens already in the text (> 1)" },
                { "--beams N", "beam search with N beams (1 = greedy)" },
                { "--length-penalty L", "beam search: score / length^L (default 1)" },
                { "--stop S", "stop once the new text contains S (repeatable)" },
                { "--no-cache", "re-run the whole sequence each step (slower; for checks)" },
                { "--json", "one JSON object: new_token_ids, new_tokens, text, steps, ..." },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareGenerate },
        { { "similarity", { "MODEL_DIR" }, 0,
              { { "text", true, true }, { "pooling", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli similarity MODEL_DIR --text A --text B ... [--pooling mean|cls] [--json]",
            "cosine similarity of sentence embeddings",
            "Embeds each text (the mean of the last hidden state over its tokens, special tokens\n"
            "included, or with --pooling cls the first token's state) and prints the matrix of\n"
            "cosine similarities.\n",
            { { "--text T", "a sentence (two or more)" },
                { "--pooling P", "mean (default) or cls (the first token)" },
                { "--json", "print {\"texts\", \"pooling\", \"cosine\": [[...]], \"token_counts\"}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareSimilarity },
        { { "score", { "MODEL_DIR" }, 0,
              { { "text", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli score MODEL_DIR --text T [--json]",
            "each token's probability under a language model, and the perplexity",
            "Forced decoding: every token of the text (after the first) gets its probability\n"
            "given the tokens before it, its surprisal in bits and the model's best guess there;\n"
            "then the text's perplexity. A masked-LM scores each token with it alone masked\n"
            "(pseudo-log-likelihood: one pass per token). Shows why a plausible sentence can\n"
            "be improbable.\n",
            { { "--text T", "the text to score" },
                { "--json", "print {\"first_token\", \"tokens\": [{\"id\", \"token\", \"probability\", "
                            "\"surprisal_bits\", \"top\"}], \"mean_nll\", \"perplexity\"}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareScore },
        { { "logit-lens", { "MODEL_DIR" }, 0,
              { { "text", true, false }, { "target", true, false }, { "position", true, true },
                  { "top-k", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli logit-lens MODEL_DIR --text T [--target T2] [--position P ...] [--top-k K]\n"
            "                 [--json] [--device cpu|cuda]",
            "the language-model head applied to every layer: where the answer forms",
            "Applies the model's own language-model head (masked or causal) to the hidden state\n"
            "each layer leaves behind (the \"logit lens\"), for the mask tokens of a masked-LM\n"
            "text or else every position (a causal LM's row p predicts token p + 1), and prints\n"
            "per layer the best token, its probability, and the final answer's probability and\n"
            "rank there. Layer \"emb\" is the embeddings; the last layer is the model's own\n"
            "prediction. Decoders norm each state as they norm their last (GPT-2's ln_f,\n"
            "LLaMA's norm). For T5 give --target: the lens reads the decoder.\n",
            { { "--text T", "the text (with mask tokens for a masked-LM)" },
                { "--target T2", "an encoder-decoder model's decoder text" },
                { "--position P", "a token position to read (repeatable; default masks or all)" },
                { "--top-k K", "candidates per layer (default 5)" },
                { "--json", "print {\"tokens\", \"layers\", \"positions\": [{\"position\", \"token\", "
                            "\"final\", \"layers\": [{\"top\", \"final_probability\", \"final_rank\"}]}]}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareLogitLens },
        { { "receptive-field", { "MODEL_DIR" }, 0,
              { { "text", true, false }, { "position", true, false }, { "layer", true, false }, kJson, kProject,
                  kHelp } },
            "lumen-cli receptive-field MODEL_DIR [--text T [--position P] [--layer L]] [--json]",
            "the theoretical receptive field after every layer, and the measured one",
            "Prints, after each layer, how many input positions one output position can depend\n"
            "on, and how far to its left and right: from kernel widths, dilations and causal or\n"
            "centred padding, through residual connections and WaveNet's skip connections\n"
            "(Araujo et al. 2019). LSTMs and self-attention are unbounded (to the left only when\n"
            "causal). With --text, also the effective receptive field by gradient (Luo et al.\n"
            "2016) of position P (default: the middle) at layer L (default: the last): how much\n"
            "each input position's embedding moves that output, and the share of it within\n"
            "distance d (the effective context curve). Works for every family.\n",
            { { "--text T", "measure the gradient field on this text" },
                { "--position P", "the output position (token index, special tokens counted)" },
                { "--layer L", "the layer whose output is differentiated (1 .. layers)" },
                { "--json", "print {\"architecture\", \"layers\": [{\"layer\", \"op\", \"kernel\", "
                          "\"dilation\", \"size\", \"left\", \"right\"}], \"gradient\": {\"tokens\", "
                          "\"position\", \"layer\", \"magnitude\", \"share\", \"within_distance\"}}" } },
            &prepareReceptiveField },
        { { "context-ablation", { "MODEL_DIR" }, 0,
              { { "text", true, false }, { "mode", true, false }, { "distances", true, false },
                  { "seed", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli context-ablation MODEL_DIR --text T [--mode cut|shuffle] [--distances 0,1,2,4,...]\n"
            "                 [--seed S] [--json] [--device cpu|cuda]",
            "the loss when the context beyond distance d is cut off or shuffled",
            "Predicts every token of the text (a masked-LM: each masked in turn; a causal LM:\n"
            "each from the tokens before it) with only the context within distance d of the\n"
            "predicting position kept, the rest cut off (as if the text began and ended there)\n"
            "or shuffled (the same tokens in a random order), and prints the mean loss for each\n"
            "d beside the loss with the whole text. A model whose loss stops changing beyond d\n"
            "uses no more than d tokens of context: the behaviour-based measure beside\n"
            "receptive-field's gradient one. Distances count from the masked position, or for a\n"
            "causal LM from the token before the target (d = 0 keeps that one token).\n",
            { { "--text T", "the text" },
                { "--mode cut|shuffle", "remove the far context (default) or shuffle it" },
                { "--distances LIST", "comma-separated distances (default 0, 1, 2, 4, ... up to the length)" },
                { "--seed S", "the shuffles' random order (default 0)" },
                { "--json", "print {\"mode\", \"causal\", \"tokens\", \"targets\", \"full_loss\", "
                            "\"full_target_loss\", \"points\": [{\"distance\", \"loss\", \"ablated_targets\", "
                            "\"target_loss\"}]}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareContextAblation },
        { { "image-field", { "MODEL.pt" }, 0,
              { { "image", true, false }, { "size", true, false }, { "samples", true, false }, { "unit", true, false },
                  { "class", true, false }, { "seed", true, false }, { "no-normalise", false, false },
                  { "png", true, false }, { "scale", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli image-field MODEL.pt [--image FILE] [--size HxW] [--samples N] [--unit ROW,COL]\n"
            "                 [--class K] [--png OUT.png] [--scale S] [--no-normalise] [--json]",
            "an image CNN's receptive field: read from its layers, and measured by gradient",
            "Loads a TorchScript model (torch.jit.script or torch.jit.trace, then .save()) that\n"
            "takes an image [1, C, H, W], reads its convolutions and pooling layers from the\n"
            "graph and prints the theoretical receptive field after each (kernel, stride,\n"
            "dilation and padding per axis, through residual sums; global pooling reads the\n"
            "whole image). Then measures the effective receptive field (Luo et al. 2016): the\n"
            "gradient of one output unit (a feature map's centre, or --unit) or class score (the\n"
            "top one, or --class) with respect to every input pixel, for --image (scaled to\n"
            "[0, 1] and ImageNet-normalised unless --no-normalise; resized with --size), or\n"
            "averaged over --samples random N(0, 1) inputs of --size (default 64x64, 16\n"
            "samples). --png draws it as a heatmap over the image, the theoretical field\n"
            "outlined. Make a model to try with new-image-cnn.\n",
            { { "--image FILE", "a PNG, JPEG, BMP or PPM image (GUI builds)" },
                { "--size HxW", "resize the image, or the random inputs' size (default 64x64)" },
                { "--samples N", "random inputs to average over (default 16)" },
                { "--unit ROW,COL", "the output unit of a feature-map output (default: the centre)" },
                { "--class K", "the class of a classifier's output (default: the top one)" },
                { "--png OUT.png", "write the heatmap (GUI builds)" }, { "--scale S", "enlarge the PNG S times (default 4)" },
                { "--no-normalise", "feed pixels in [0, 1] without ImageNet's mean and std" },
                { "--json", "print {\"layers\", \"output_field\", \"gradient\": {\"magnitude\", \"within_radius\", "
                            "\"field_box\", ...}}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareImageField },
        { { "new-image-cnn", {}, 0,
              { { "out", true, false }, { "layers", true, false }, { "channels", true, false },
                  { "input-channels", true, false }, { "kernel", true, false }, { "dilation", true, false },
                  { "stride", true, false }, { "residual", false, false }, { "classes", true, false },
                  { "seed", true, false }, kProject, kHelp } },
            "lumen-cli new-image-cnn --out FILE.pt [--layers N] [--channels N] [--kernel K[,K...]]\n"
            "                 [--dilation D[,D...]] [--stride S[,S...]] [--residual] [--classes K] [--seed S]",
            "write a random image CNN as TorchScript, for receptive-field experiments",
            "Writes a plain CNN as a TorchScript file: N 2-D convolutions of the given width with\n"
            "ReLUs between them, kernel, dilation and stride per layer (one value for all, or one\n"
            "per layer), optional residual connections around stride-1 layers, and with\n"
            "--classes a global average pool and a linear classifier. Kaiming-normal weights\n"
            "from --seed. Open it with image-field or File > Open Image Model.\n",
            { { "--out FILE.pt", "the file to write" }, { "--layers N", "convolutions (default 6)" },
                { "--channels N", "filters per layer (default 16)" }, { "--input-channels N", "default 3" },
                { "--kernel LIST", "kernel widths (default 3)" }, { "--dilation LIST", "dilations (default 1)" },
                { "--stride LIST", "strides (default 1)" }, { "--residual", "add each stride-1 layer's input back" },
                { "--classes K", "a classifier head with K outputs (default: none, the feature map is the output)" },
                { "--seed S", "default 0" } },
            &prepareNewImageCnn },
        { { "demo-runs", {}, 0, { { "into", true, false }, { "models", true, false }, kHelp } },
            "lumen-cli demo-runs --into FILE.lumen [--models DIR]",
            "record example runs of the bundled demo models in a project",
            "Runs the demo models as a first look would and records each run in the project\n"
            "(created if missing): fill-mask (BERT, ALBERT), generation (GPT), scoring (LSTM),\n"
            "a comparison, a receptive field (WaveNet), a context ablation, speed against\n"
            "length, a 60-step fine-tuning of BERT to tell the corpus's kinds of sentence\n"
            "apart, and a small GPT trained from scratch for 800 steps with its attention to a\n"
            "probe kept every 40 steps (watch attention form; about 20 s on 2 cores). Their\n"
            "data is beside the project in NAME-demo-data/. The app does this for a new\n"
            "default project, so the run browser has something to show on first start.\n",
            { { "--into FILE.lumen", "the project to record the runs in" },
                { "--models DIR", "the demo models (default: the bundled ones)" } },
            &prepareDemoRuns },
        { { "demo-models", {}, 0,
              { { "out", true, false }, { "seed", true, false }, { "sentences", true, false }, { "scale", true, false },
                  { "only", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli demo-models --out DIR [--seed S] [--sentences N] [--scale X] [--only NAMES] [--json]",
            "train the six bundled demo models on the generated demo corpus",
            "Generates the demo corpus (agreement across clauses, pronouns, brackets, repeated\n"
            "names, sums; --sentences of it from --seed), then creates and trains with Lumen's\n"
            "trainer a tiny BERT, GPT, ALBERT, lightweight convolution, WaveNet and LSTM, and\n"
            "writes each to DIR/NAME with DIR/demo-models.json: parameters, size, the held-out\n"
            "loss before and after training and the share of held-out agreement probes (a noun\n"
            "of the other number between subject and verb) each gets right. The same seed\n"
            "gives the same models. The bundled ones: lumen-cli demo-models --out\n"
            "resources/demo/models. Ctrl-C stops after the current step.\n",
            { { "--out DIR", "where the models go" }, { "--seed S", "corpus, weights and batches (default 1)" },
                { "--sentences N", "training sentences (default 20000)" },
                { "--scale X", "multiply every model's training steps (default 1; 0.05 for a quick try)" },
                { "--only NAMES", "comma-separated: bert, gpt, albert, lightconv, wavenet, lstm (default all)" },
                { "--json", "print the reports as JSON" }, { "--device DEVICE", "auto (default), cpu, cuda or cuda:N" } },
            &prepareDemoModels },
        { { "train", {}, 0,
              { { "job", true, false }, { "out", true, false }, { "resume", false, false }, { "resume-run", true, false },
                  kJson, kDevice, kProject, kHelp } },
            "lumen-cli train --job JOB.json [--project P.lumen [--resume-run ID] | --out DIR [--resume]]\n"
            "                 [--device cpu|cuda] [--json]",
            "fine-tune a model as a job file says: classification, tagging, masked or causal LM",
            "Runs the job file the GUI's fine-tuning dialog writes (paths in it are relative to the\n"
            "file): sequence classification (a new head on the model's pooled output; texts or\n"
            "text pairs), token classification, masked-LM or causal-LM training, with AdamW,\n"
            "warm-up and linear or cosine decay, gradient accumulation, clipping, frozen\n"
            "embeddings or first layers, sliding windows over long texts, evaluation (accuracy,\n"
            "macro-F1, confusion matrix), early stopping and checkpoints. With --project the\n"
            "run is recorded (loss, learning rate, validation metrics per step; the job, the\n"
            "evaluation, the checkpoint and the final model as artifacts, in the run's folder);\n"
            "--resume-run ID continues a cancelled or killed run from its newest checkpoint.\n"
            "Without a project it writes to --out DIR (--resume continues there). Ctrl-C stops\n"
            "after the current step and writes a checkpoint. The final model is a Hugging Face\n"
            "folder (config.json with id2label, model.safetensors, the tokenizer). A job with\n"
            "\"attention_probe\" keeps that sentence's attention at step 0, every snapshot_every\n"
            "steps (default: about 20 over the run) and at the end, in\n"
            "attention-snapshots.safetensors (the GUI's timeline; \"Watch attention form\").\n",
            { { "--job JOB.json", "the job (keys: model, task, train, validation, learning_rate, batch_size, "
                                  "gradient_accumulation, epochs, max_steps, max_length, overflow, stride, "
                                  "freeze_embeddings, freeze_layers, seed, attention_probe, snapshot_every, ...; see docs/training.md)" },
                { "--out DIR", "where checkpoints and the model go without a project" },
                { "--resume", "continue the job in --out DIR from its newest checkpoint" },
                { "--resume-run ID", "continue run ID of the project from its newest checkpoint" },
                { "--json", "print the summary and the evaluation as JSON at the end" },
                { "--device DEVICE", "override the job's device (auto, cpu, cuda, cuda:N)" } },
            &prepareTrain },
        { { "compare", { "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR" }, 4,
              { { "text", true, false }, { "pair", true, false }, { "top-k", true, false }, { "repeats", true, false }, { "data", true, false },
                  { "text-column", true, false }, { "label-column", true, false }, { "limit", true, false }, kJson, kDevice,
                  kProject, kHelp } },
            "lumen-cli compare MODEL_A MODEL_B [MODEL_C [MODEL_D]] --text T [--pair T2] [--top-k K] [--repeats R]\n"
            "                 [--json] [--device cpu|cuda]\n"
            "       lumen-cli compare MODEL_A MODEL_B [...] --data FILE [--text-column C] [--label-column L]\n"
            "                 [--limit N] [--json]",
            "two to four models on the same text: tokens, predictions, agreement, facts",
            "Runs every model on the text and prints: the facts (layers, width, parameters and,\n"
            "for ALBERT, the parameters a forward pass uses; weight memory; tokens; FLOPs at\n"
            "this length; the median forward time); the tokens each model sees, aligned by\n"
            "character offsets with the stretches cut differently marked *; each model's\n"
            "prediction (fill-mask at the first [MASK] or <mask>, which stand for every\n"
            "model's own mask token; the next token for decoders; the classes of a\n"
            "classifier); and KL(row || column) between the models' distributions with\n"
            "whether their best candidates agree. Models with one vocabulary are compared\n"
            "over all of it, others over the words either ranks in its top 50 plus\n"
            "\"everything else\". With --project the comparison is a run of kind compare\n"
            "with the whole result as compare.json.\n"
            "With --data the models read every example of a CSV, TSV or JSONL column (or a\n"
            "text file's lines): per model the accuracy against --label-column (the class, or\n"
            "the word a [MASK] stands for), the top-1 agreement of every pair, and the\n"
            "examples with the most disagreement (symmetrised KL) first. Ctrl-C stops with\n"
            "what was done.\n",
            { { "--text T", "the input ([MASK] / <mask> for fill-mask)" },
                { "--pair T2", "a second text: the models read the pair (pair classifiers)" },
                { "--data FILE", "a dataset instead of one text" },
                { "--text-column C", "the column (or JSONL key) with the texts (default text)" },
                { "--label-column L", "the column with the expected answers (default: none)" },
                { "--limit N", "the first N examples only" },
                { "--top-k K", "candidates per model (default 10)" },
                { "--repeats R", "timed forward passes per model for the latency (default 5, 0: none)" },
                { "--json", "print the comparison as compare.json holds it (format lumen-compare-1)" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareCompare },
        { { "bench-length", { "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR", "MODEL_DIR" }, 8,
              { { "model", true, true }, { "lengths", true, false }, { "repeats", true, false }, kJson, kDevice,
                  kProject, kHelp } },
            "lumen-cli bench-length MODEL_DIR... [--lengths 64,128,...,4096] [--repeats R] [--json]\n"
            "                 [--device cpu|cuda]",
            "forward time and FLOPs against the sequence length, for several models",
            "Times a forward pass (batch 1, random ids, median of R repeats after one warm-up)\n"
            "of every model at every length and counts its floating-point operations\n"
            "analytically (2 per use of each multiplying parameter, plus self-attention's\n"
            "4 x length^2 x width per layer or a convolution's kernels), then prints a table\n"
            "per model with the ratio to the previous length: self-attention grows\n"
            "quadratically, lightweight convolutions linearly. Lengths beyond a model's\n"
            "positions are skipped. With --project the times and GFLOPs are metrics (step =\n"
            "length) named after each architecture.\n",
            { { "--lengths L,...", "the lengths (default 64,128,256,512,1024,2048,4096)" },
                { "--repeats R", "timed passes per length (default 3)" },
                { "--json", "print {\"lengths\", \"models\": [{\"architecture\", \"rows\": [{\"length\", "
                            "\"median_ms\", \"tokens_per_second\", \"flops\", \"gflops_per_second\"}]}]}" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareBenchLength },
        { { "bench-generate", { "MODEL_DIR" }, 0,
              { { "prompt-len", true, false }, { "new-tokens", true, false },
                  { "repeats", true, false }, kJson, kDevice, kProject, kHelp } },
            "lumen-cli bench-generate MODEL_DIR [--prompt-len L] [--new-tokens N] [--repeats R]\n"
            "                 [--json] [--device cpu|cuda]",
            "time greedy generation with and without the KV cache",
            "Generates N new tokens (default 128) greedily after a random prompt of L ids\n"
            "(default 8), R times (default 3) with the KV cache and R times without, checks that\n"
            "both choose the same tokens, and prints tokens/s, the cache's speed-up, this\n"
            "machine's memcpy bandwidth and the bound it sets (each new token reads every weight\n"
            "once), and the fraction of that bound reached. Needs no tokenizer.\n",
            { { "--prompt-len L", "random prompt ids (default 8)" },
                { "--new-tokens N", "tokens to generate (default 128)" },
                { "--repeats R", "timed generations per mode (default 3)" },
                { "--json", "print one JSON object" },
                { "--device DEVICE", "run on cpu (default), cuda or cuda:N" } },
            &prepareBenchGenerate },
        { { "runs", { "PROJECT" }, 0,
              { { "kind", true, false }, { "status", true, false }, { "tag", true, false },
                  { "experiment", true, false }, { "model", true, false },
                  { "search", true, false }, { "limit", true, false }, { "trash", false, false },
                  { "oldest-first", false, false }, { "csv", false, false }, kJson, kHelp } },
            "lumen-cli runs PROJECT.lumen [--kind K] [--status S] [--tag T] [--experiment E]\n"
            "                 [--model M] [--search TEXT] [--limit N] [--trash] [--oldest-first]\n"
            "                 [--json | --csv]",
            "list a project's runs (table, JSON or CSV)",
            "Lists the runs recorded in a project, newest first: id, kind, status, when it\n"
            "started, how long it took, the model, its tags and the newest value of its metrics.\n"
            "The filters combine; --search looks for the text (case-insensitive) in the kind,\n"
            "model, parameters, summary, notes, error, tags and experiment, and a number also\n"
            "matches that run id. --json writes every run in full (parameters, summary, newest\n"
            "metrics), --csv one row a run with a column per parameter and metric, for a\n"
            "spreadsheet.\n",
            { { "--kind K", "only runs of this kind (attention, forward, bench, train, ...)" },
                { "--status S", "running, completed, cancelled, failed or interrupted" },
                { "--tag T", "only runs carrying this tag" },
                { "--experiment E", "only runs of this experiment" },
                { "--model M", "only runs of this model (as recorded)" },
                { "--search TEXT", "free text anywhere in the run" },
                { "--limit N", "at most N runs" },
                { "--trash", "the runs in the trash instead (deleted, not yet for good)" },
                { "--oldest-first", "oldest first" },
                { "--json", "a JSON array of runs" },
                { "--csv", "CSV, one row a run" } },
            &prepareRuns },
        { { "run-show", { "PROJECT", "ID" }, 0, { kJson, kHelp } },
            "lumen-cli run-show PROJECT.lumen ID [--json]",
            "show one run: parameters, metrics, artifacts, notes",
            "Shows everything a project holds about run ID: model, device, host, experiment,\n"
            "tags, dataset, times, its parameters and summary, each metric's newest value and\n"
            "number of points, its artifacts (a file that has gone missing is marked) and its\n"
            "notes. --json adds every metric's full history and the artifacts' SHA-256.\n",
            { { "--json", "the run as one JSON object" } },
            &prepareRunShow },
        { { "project-export", { "PROJECT", "ARCHIVE" }, 0, { kJson, kHelp } },
            "lumen-cli project-export PROJECT.lumen ARCHIVE.tar [--json]",
            "write a whole project (database and artifacts) as one tar archive",
            "Writes the project as one tar archive any tar reads: PROJECT.lumen (a consistent\n"
            "copy of the database, taken while the GUI or another job may be writing) and\n"
            "PROJECT_artifacts/ (every artifact file, the trash left out). An existing file is\n"
            "never replaced.\n",
            { { "--json", "print {\"archive\", \"files\", \"runs\"}" } }, &prepareProjectExport },
        { { "project-import", { "ARCHIVE", "PROJECT" }, 0, { kJson, kHelp } },
            "lumen-cli project-import ARCHIVE.tar NEW.lumen [--json]",
            "unpack a project archive as a new project",
            "Unpacks an archive project-export wrote as the new project NEW.lumen, its artifacts\n"
            "in NEW_artifacts/ beside it, and opens it to check it. An existing destination,\n"
            "an archive that holds no project, links, or names that would land outside the\n"
            "folder are refused; nothing is left behind on failure.\n",
            { { "--json", "print {\"project\", \"runs\", \"missing_artifacts\"}" } },
            &prepareProjectImport },
        { { "bench-tokenize", { "MODEL_DIR" }, 0,
              { { "file", true, false }, { "repeats", true, false }, { "warmup", true, false },
                  { "lines", false, false }, kJson, kProject, kHelp } },
            "lumen-cli bench-tokenize MODEL_DIR --file TEXT [--repeats N] [--warmup N] [--lines]\n"
            "                 [--json]",
            "time a model's tokenizer on a text file",
            "Encodes the file's text with the model's tokenizer (default options: special\n"
            "tokens added, no truncation) on one thread: --warmup untimed passes, then --repeats\n"
            "timed ones. Prints the median, min and max wall time per pass, MB/s (10^6 bytes of\n"
            "UTF-8 per second of the median) and tokens/s, and the median CPU time of the\n"
            "thread, which leaves out time other processes took on a busy machine. Reads only\n"
            "the tokenizer files. With --project, every timed pass is a metric \"tokenize_ms\".\n"
            "Ctrl-C stops between passes and records the run as Cancelled (exit status 130).\n",
            { { "--file TEXT", "the UTF-8 text file to tokenize (required)" },
                { "--repeats N", "timed passes (default 5)" },
                { "--warmup N", "untimed passes first (default 1)" },
                { "--lines", "one encode per non-empty line (default: the whole file)" },
                { "--json", "print one JSON object (every time, medians, MB/s, tokens/s)" } },
            &prepareBenchTokenize },
    };
    return table;
}

const Command* findCommand(const std::string& name)
{
    for (const Command& c : commands()) {
        if (c.spec.name == name) {
            return &c;
        }
    }
    return nullptr;
}

std::string versionText()
{
    const engine::SystemInfo s = engine::systemInfo();
    return "lumen-cli " + s.lumenVersion + " (LibTorch " + s.torchVersion + ", BLAS " + s.blasKind
        + ")";
}

std::string commandHelp(const Command& c)
{
    std::vector<std::pair<std::string, std::string>> options = c.options;
    options.emplace_back("--project FILE.lumen", "record this run in a project (made if missing)");
    options.emplace_back("--help", "show this help");
    size_t width = 0;
    for (const auto& option : options) {
        width = std::max(width, option.first.size());
    }
    std::string summary = c.summary;
    summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
    std::string text =
        "usage: " + c.usage + "\n\n" + summary + ".\n\n" + c.details + "\nOptions:\n";
    for (const auto& [name, description] : options) {
        text += "  " + padRight(name, width + 2) + description + "\n";
    }
    return text;
}

/// The command's arguments as a JSON object for the project: positionals by name, options by
/// name (dashes become underscores), repeatable options as arrays, flags as true. A name
/// several positionals share (bench-length's MODEL_DIR...) holds them all, as an array.
Json parametersJson(const Command& c, const ParsedArgs& args)
{
    Json j = Json::object();
    for (size_t i = 0; i < args.positionals.size() && i < c.spec.positionals.size(); ++i) {
        std::string name = c.spec.positionals[i];
        std::transform(name.begin(), name.end(), name.begin(),
            [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (!j.contains(name)) {
            j[name] = args.positionals[i];
        } else {
            if (!j[name].is_array()) {
                j[name] = Json::array({ j[name] });
            }
            j[name].push_back(args.positionals[i]);
        }
    }
    for (const OptionSpec& o : c.spec.options) {
        if (o.name == "project" || o.name == "help") {
            continue;
        }
        std::string key = o.name;
        std::replace(key.begin(), key.end(), '-', '_');
        if (o.takesValue && args.has(o.name)) {
            if (o.repeatable) {
                j[key] = args.all(o.name);
            } else {
                j[key] = *args.value(o.name);
            }
        } else if (!o.takesValue && args.flag(o.name)) {
            j[key] = true;
        }
    }
    return j;
}

int usageError(std::ostream& err, const UsageError& e)
{
    err << "lumen-cli: error: " << e.what() << '\n';
    if (const Command* c = findCommand(e.command())) {
        err << "usage: " << c->usage << '\n'
            << "Run 'lumen-cli help " << c->spec.name << "' for details.\n";
    } else {
        err << "Run 'lumen-cli --help' for the list of commands.\n";
    }
    return kExitUsage;
}

} // namespace

std::string generalUsage()
{
    std::string s = "usage: lumen-cli COMMAND [ARGS] [--project FILE.lumen]\n"
                    "       lumen-cli help [COMMAND] | --help | --version\n\n"
                    "Commands:\n";
    size_t width = 0;
    for (const Command& c : commands()) {
        width = std::max(width, c.spec.name.size() + 2);
    }
    for (const Command& c : commands()) {
        s += "  " + padRight(c.spec.name, width) + c.summary + "\n";
    }
    s += "\nEvery command takes --project FILE.lumen to record the run in a project (created\n"
         "if missing). Errors go to stderr; the exit status is 0 on success, 1 when the\n"
         "command failed, 2 for wrong usage.\n"
         "Run 'lumen-cli help COMMAND' for a command's options.\n";
    return s;
}

int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    if (args.empty()) {
        err << generalUsage();
        return kExitUsage;
    }
    const std::string& name = args[0];
    if (name == "--help" || name == "-h" || (name == "help" && args.size() == 1)) {
        out << generalUsage();
        return kExitOk;
    }
    if (name == "--version") {
        out << versionText() << '\n';
        return kExitOk;
    }
    if (name == "help") {
        if (args.size() > 2) {
            return usageError(err, UsageError("", "'help' takes at most one COMMAND"));
        }
        const Command* c = findCommand(args[1]);
        if (c == nullptr) {
            return usageError(err, UsageError("", "unknown command '" + args[1] + "'"));
        }
        out << commandHelp(*c);
        return kExitOk;
    }
    const Command* command = findCommand(name);
    if (command == nullptr) {
        err << "lumen-cli: error: unknown command '" << name << "'\n\n" << generalUsage();
        return kExitUsage;
    }

    ParsedArgs parsed;
    Prepared prepared;
    try {
        const std::vector<std::string> rest(args.begin() + 1, args.end());
        if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
            out << commandHelp(*command);
            return kExitOk;
        }
        parsed = parseCommandArgs(command->spec, rest);
        prepared = command->prepare(parsed);
    } catch (const UsageError& e) {
        return usageError(err, e);
    }

    std::unique_ptr<RunRecorder> recorder;
    try {
        if (const std::optional<std::string> project = parsed.value("project")) {
            recorder = std::make_unique<RunRecorder>(*project, command->spec.name, prepared.model,
                prepared.device, parametersJson(*command, parsed));
        }
        CommandContext ctx { out, err, recorder.get() };
        const Json summary = prepared.action(ctx);
        out.flush();
        if (recorder) {
            recorder->completed(summary);
        }
        return kExitOk;
    } catch (const UsageError& e) {
        // A usage problem found once the model is loaded (forward --target).
        if (recorder) {
            try {
                recorder->failed(e.what());
            } catch (const std::exception&) {
            }
        }
        return usageError(err, e);
    } catch (const Cancelled& c) {
        err << "lumen-cli: " << command->spec.name << " cancelled\n";
        if (recorder) {
            try {
                recorder->cancelled(c.summary);
            } catch (const std::exception& e) {
                err << "lumen-cli: error: " << e.what() << '\n';
            }
        }
        return 130; // the shell's convention for "stopped by SIGINT"
    } catch (const std::exception& e) {
        // lumen::Error, lumen::projects::ProjectError and anything else: the message is
        // written for the user as it is.
        err << "lumen-cli: error: " << e.what() << '\n';
        if (recorder) {
            try {
                recorder->failed(e.what());
            } catch (const std::exception& inner) {
                err << "lumen-cli: error: could not record the failure in the project: "
                    << inner.what() << '\n';
            }
        }
        return kExitFailure;
    }
}

namespace {
int runCliQuietly(const std::vector<std::string>& args, std::ostream& err)
{
    std::ostringstream out;
    return runCli(args, out, err);
}
} // namespace

} // namespace lumen::app::cli
