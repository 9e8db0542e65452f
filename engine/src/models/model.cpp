// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/model.h"

#include "io/model_config.h"
#include "io/weights.h"
#include "lumen/engine/error.h"
#include "models/architecture.h"
#include "torch_convert.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <unordered_set>

namespace fs = std::filesystem;

namespace lumen::engine {

struct Model::Impl {
    ModelInfo info;
    std::unique_ptr<Tokenizer> tokenizer;
    std::shared_ptr<Architecture> arch;
    torch::Device device { torch::kCPU };
};

namespace {

std::string shapeString(c10::IntArrayRef shape)
{
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) {
        out << (i ? ", " : "") << shape[i];
    }
    out << ']';
    return out.str();
}

bool startsWith(const std::string& s, const std::string& prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Finds a parameter's checkpoint key: itself, or with the base-model prefix removed or
// added (a BertModel checkpoint loads into BertForMaskedLM's encoder and vice versa).
const torch::Tensor* findWeight(
    const WeightSet& weights, const std::string& name, const std::string& prefix, std::string* key)
{
    std::vector<std::string> candidates { name };
    if (!prefix.empty()) {
        candidates.push_back(startsWith(name, prefix) ? name.substr(prefix.size()) : prefix + name);
    }
    for (const auto& candidate : candidates) {
        const auto it = weights.tensors.find(candidate);
        if (it != weights.tensors.end()) {
            *key = candidate;
            return &it->second;
        }
    }
    return nullptr;
}

// Makes the checkpoint's tensor the parameter's data, without a copy, where that is safe: the
// same dtype and device, contiguous, alone in its storage (a .bin may hold views into one
// shared storage), and not given to another parameter already. For a safetensors file that is
// the mapped file itself (copy-on-write). Returns false when the caller must copy instead.
bool adopt(
    torch::Tensor& param, const torch::Tensor& weight, std::unordered_set<const void*>& taken)
{
    if (weight.scalar_type() != param.scalar_type() || weight.device() != param.device()
        || !weight.is_contiguous() || weight.storage_offset() != 0
        || weight.storage().nbytes() != weight.nbytes() || weight.nbytes() == 0) {
        return false;
    }
    if (!taken.insert(weight.storage().data()).second) {
        return false;
    }
    param.set_data(weight);
    return true;
}

void loadParameters(Architecture& arch, const WeightSet& weights, const std::string& source,
    std::vector<LoadWarning>& warnings)
{
    torch::NoGradGuard noGrad;
    const std::string prefix = arch.basePrefix();
    std::set<std::string> used;
    std::set<std::string> adopted;
    std::unordered_set<const void*> taken;
    std::vector<std::string> missing;
    for (auto& item : arch.named_parameters(/*recurse=*/true)) {
        std::string key;
        const torch::Tensor* weight = findWeight(weights, item.key(), prefix, &key);
        if (weight == nullptr) {
            missing.push_back(item.key());
            continue;
        }
        torch::Tensor& param = item.value();
        if (weight->sizes() != param.sizes()) {
            throw Error(ErrorKind::InvalidInput,
                source + ": tensor \"" + key + "\" has shape " + shapeString(weight->sizes())
                    + ", but the model that config.json describes needs "
                    + shapeString(param.sizes())
                    + ". The weights and config.json do not belong together.");
        }
        if (!weight->is_floating_point()) {
            throw Error(ErrorKind::InvalidInput,
                source + ": tensor \"" + key
                    + "\" holds integers, but a floating-point "
                      "weight was expected.");
        }
        if (adopt(param, *weight, taken)) {
            adopted.insert(key);
        } else {
            param.copy_(weight->to(param.scalar_type()));
        }
        used.insert(key);
    }
    if (!missing.empty()) {
        std::string list;
        for (size_t i = 0; i < missing.size() && i < 5; ++i) {
            list += (i ? ", " : "") + missing[i];
        }
        if (missing.size() > 5) {
            list += " and " + std::to_string(missing.size() - 5) + " more";
        }
        throw Error(ErrorKind::InvalidInput,
            source + " lacks " + std::to_string(missing.size()) + " tensor(s) the model needs: "
                + list + ". The checkpoint is incomplete or belongs to another architecture.");
    }
    // Tied copies (stored in pytorch_model.bin, dropped from safetensors) are not separate
    // parameters; a copy that differs from what it is tied to is worth a warning.
    for (const auto& [tiedKey, target] : arch.tiedKeys()) {
        std::string key;
        const torch::Tensor* copy = findWeight(weights, tiedKey, prefix, &key);
        if (copy == nullptr) {
            continue;
        }
        used.insert(key);
        std::string targetKey;
        const torch::Tensor* original = findWeight(weights, target, prefix, &targetKey);
        if (original != nullptr
            && (copy->sizes() != original->sizes() || !torch::equal(*copy, *original))) {
            warnings.push_back({ "tied-weight-differs",
                key + " differs from " + targetKey + "; Lumen uses " + targetKey });
        }
    }
    for (const auto& [key, tensor] : weights.tensors) {
        if (used.count(key) == 0 && key.find("position_ids") == std::string::npos) {
            warnings.push_back({ "unexpected-key", key });
        }
        if (adopted.count(key) == 0) {
            weights.release(key); // copied or unused: its mapped pages are not needed
        }
    }
}

int64_t countParameters(torch::nn::Module& module)
{
    std::unordered_set<const void*> seen;
    int64_t count = 0;
    for (const auto& p : module.parameters(/*recurse=*/true)) {
        if (seen.insert(p.data_ptr()).second) {
            count += p.numel();
        }
    }
    return count;
}

// Groups parameters by their first path element after the base-model prefix
// ("bert.encoder.layer.0..." -> "encoder"), each storage counted once.
std::vector<std::pair<std::string, int64_t>> countComponentParameters(Architecture& arch)
{
    const std::string prefix = arch.basePrefix();
    std::vector<std::pair<std::string, int64_t>> components;
    std::unordered_set<const void*> seen;
    for (const auto& item : arch.named_parameters(/*recurse=*/true)) {
        if (!seen.insert(item.value().data_ptr()).second) {
            continue;
        }
        std::string name = item.key();
        if (!prefix.empty() && startsWith(name, prefix)) {
            name = name.substr(prefix.size());
        }
        const std::string component = name.substr(0, name.find('.'));
        auto it = std::find_if(components.begin(), components.end(),
            [&](const auto& c) { return c.first == component; });
        if (it == components.end()) {
            components.emplace_back(component, 0);
            it = components.end() - 1;
        }
        it->second += item.value().numel();
    }
    return components;
}

bool hasTokenizerFiles(const std::string& dir)
{
    static const char* kFiles[] = { "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        "vocab.json", "spiece.model", "tokenizer.model", "sentencepiece.bpe.model" };
    std::error_code ec;
    return std::any_of(std::begin(kFiles), std::end(kFiles),
        [&](const char* f) { return fs::exists(fs::path(dir) / f, ec); });
}

bool isBlank(const std::string& text)
{
    return std::all_of(text.begin(), text.end(),
        [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

} // namespace

Model::Model(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl))
{
}

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& dir, const LoadOptions& options)
{
    auto impl = std::make_unique<Impl>();
    const ModelConfig config = ModelConfig::load(dir);
    impl->device = parseDevice(options.device);
    impl->arch = createArchitecture(config);

    const WeightSet weights = loadWeights(dir);
    const std::string source = weights.files.empty() ? dir : weights.files.front();
    std::vector<LoadWarning> warnings;
    loadParameters(*impl->arch, weights, source, warnings);
    impl->arch->eval();
    impl->arch->to(impl->device);

    if (options.loadTokenizer) {
        if (hasTokenizerFiles(dir)) {
            impl->tokenizer = loadTokenizer(dir);
        } else {
            warnings.push_back({ "no-tokenizer",
                dir
                    + " has no tokenizer files; token ids "
                      "must be given directly" });
        }
    }

    impl->info = impl->arch->describe();
    impl->info.dir = dir;
    impl->info.weightsFile = fs::path(source).filename().string();
    impl->info.parameterCount = countParameters(*impl->arch);
    impl->info.componentParameters = countComponentParameters(*impl->arch);
    impl->info.device = impl->device.str();
    impl->info.warnings = std::move(warnings);
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

std::unique_ptr<Model> ModelInternals::loadForTraining(const nlohmann::json& configJson, const std::string& weightsDir,
                                                       const std::string& tokenizerDir, const std::string& device,
                                                       uint64_t seed, std::vector<std::string>* fresh)
{
    auto impl = std::make_unique<Model::Impl>();
    const ModelConfig config = ModelConfig::fromJson(configJson, (fs::path(weightsDir) / "config.json").string());
    impl->device = parseDevice(device);
    impl->arch = createArchitecture(config);
    const WeightSet weights = loadWeights(weightsDir);
    const std::string source = weights.files.empty() ? weightsDir : weights.files.front();
    {
        torch::NoGradGuard noGrad;
        torch::manual_seed(seed);
        impl->arch->initWeights();
        const std::string prefix = impl->arch->basePrefix();
        for (auto& item : impl->arch->named_parameters(/*recurse=*/true)) {
            std::string key;
            const torch::Tensor* weight = findWeight(weights, item.key(), prefix, &key);
            if (weight == nullptr) {
                if (fresh != nullptr) {
                    fresh->push_back(item.key());
                }
                continue;
            }
            if (weight->sizes() != item.value().sizes()) {
                throw Error(ErrorKind::InvalidInput,
                    source + ": tensor \"" + key + "\" has shape " + shapeString(weight->sizes()) + ", but the model needs "
                        + shapeString(item.value().sizes()) + ".");
            }
            item.value().copy_(weight->to(item.value().scalar_type()));
        }
    }
    impl->arch->to(impl->device);
    impl->arch->train();
    if (hasTokenizerFiles(tokenizerDir)) {
        impl->tokenizer = loadTokenizer(tokenizerDir);
    }
    impl->info = impl->arch->describe();
    impl->info.dir = weightsDir;
    impl->info.weightsFile = fs::path(source).filename().string();
    impl->info.parameterCount = countParameters(*impl->arch);
    impl->info.componentParameters = countComponentParameters(*impl->arch);
    impl->info.device = impl->device.str();
    return std::unique_ptr<Model>(new Model(std::move(impl)));
}

Architecture& ModelInternals::architecture(Model& model)
{
    return *model.impl_->arch;
}

torch::Device ModelInternals::device(const Model& model)
{
    return model.impl_->device;
}

const ModelInfo& Model::info() const
{
    return impl_->info;
}

const Tokenizer* Model::tokenizer() const
{
    return impl_->tokenizer.get();
}

namespace {

ModelInput padEncodings(std::vector<Encoding> encodings, const Tokenizer& tokenizer,
    PaddingSide side = PaddingSide::Right)
{
    size_t longest = 0;
    for (const auto& e : encodings) {
        longest = std::max(longest, e.size());
    }
    // Decoders often have no pad token; the reference's scripts then pad with eos.
    const SpecialTokens& special = tokenizer.specialTokens();
    const int64_t padId = special.pad.value_or(special.eos.value_or(0));
    const std::string padToken = tokenizer.idToToken(padId);
    const auto batch = static_cast<int64_t>(encodings.size());
    const auto seq = static_cast<int64_t>(longest);

    ModelInput input;
    input.inputIds.shape = { batch, seq };
    input.attentionMask.shape = { batch, seq };
    input.tokenTypeIds.shape = { batch, seq };
    input.inputIds.data.assign(static_cast<size_t>(batch * seq), padId);
    input.attentionMask.data.assign(static_cast<size_t>(batch * seq), 0);
    input.tokenTypeIds.data.assign(static_cast<size_t>(batch * seq), 0);
    for (int64_t b = 0; b < batch; ++b) {
        const Encoding& e = encodings[static_cast<size_t>(b)];
        const size_t offset = side == PaddingSide::Left ? longest - e.size() : 0;
        std::vector<std::string> tokens(offset, padToken);
        tokens.insert(tokens.end(), e.tokens.begin(), e.tokens.end());
        tokens.resize(longest, padToken);
        input.tokens.push_back(std::move(tokens));
        for (size_t i = 0; i < e.size(); ++i) {
            const size_t at = static_cast<size_t>(b * seq) + offset + i;
            input.inputIds.data[at] = e.ids[i];
            input.attentionMask.data[at] = 1;
            input.tokenTypeIds.data[at] = i < e.typeIds.size() ? e.typeIds[i] : 0;
        }
    }
    input.encodings = std::move(encodings);
    return input;
}

} // namespace

static const Tokenizer& requireTokenizer(const Model::Impl& impl)
{
    if (!impl.tokenizer) {
        throw Error(ErrorKind::InvalidInput,
            impl.info.dir
                + " has no tokenizer (no vocab.txt, tokenizer.json or "
                  "similar), so Lumen cannot turn text into tokens. Copy the "
                  "tokenizer files of the checkpoint into the folder.");
    }
    return *impl.tokenizer;
}

ModelInput Model::prepare(
    const std::vector<std::string>& texts, int64_t maxLength, PaddingSide side) const
{
    const Tokenizer& tokenizer = requireTokenizer(*impl_);
    if (texts.empty()) {
        throw Error(ErrorKind::InvalidInput,
            "no text was given. Type a sentence to run the "
            "model on.");
    }
    for (size_t i = 0; i < texts.size(); ++i) {
        if (isBlank(texts[i])) {
            throw Error(ErrorKind::InvalidInput,
                texts.size() == 1
                    ? std::string("the text is empty. Type a sentence to run the model on.")
                    : "text " + std::to_string(i + 1)
                        + " is empty. Type a sentence to run the model on.");
        }
    }
    EncodeOptions options;
    options.maxLength = maxLength;
    if (options.maxLength <= 0) {
        // Truncate to what the model accepts rather than fail on a long paste.
        options.maxLength = impl_->arch->maxSequenceLength();
        const int64_t tokenizerMax = tokenizer.modelMaxLength();
        if (tokenizerMax > 0 && (options.maxLength <= 0 || tokenizerMax < options.maxLength)) {
            options.maxLength = tokenizerMax;
        }
    }
    std::vector<Encoding> encodings;
    encodings.reserve(texts.size());
    for (const auto& text : texts) {
        encodings.push_back(tokenizer.encode(text, options));
    }
    return padEncodings(std::move(encodings), tokenizer, side);
}

ModelInput Model::preparePair(const std::string& text, const std::string& pair) const
{
    const Tokenizer& tokenizer = requireTokenizer(*impl_);
    if (isBlank(text) || isBlank(pair)) {
        throw Error(ErrorKind::InvalidInput,
            "both texts of a pair must be non-empty. Type a sentence in each.");
    }
    EncodeOptions options;
    options.maxLength = impl_->arch->maxSequenceLength();
    return padEncodings({ tokenizer.encodePair(text, pair, options) }, tokenizer);
}

ModelInput Model::prepareSeq2Seq(
    const std::vector<std::string>& sources, const std::vector<std::string>& targets) const
{
    const int64_t start = impl_->arch->decoderStartTokenId();
    if (start < 0) {
        throw Error(ErrorKind::InvalidInput,
            impl_->info.architecture
                + " is not an encoder-decoder model, so it takes no "
                  "target text. Leave the target out.");
    }
    if (targets.empty() || (targets.size() != 1 && targets.size() != sources.size())) {
        throw Error(ErrorKind::InvalidInput,
            "an encoder-decoder model needs one target text, or one per source text ("
                + std::to_string(sources.size()) + " sources, " + std::to_string(targets.size())
                + " targets were given).");
    }
    for (const auto& target : targets) {
        if (isBlank(target)) {
            throw Error(ErrorKind::InvalidInput,
                "the target text is empty. Type the text the decoder should read.");
        }
    }
    ModelInput input = prepare(sources);
    const Tokenizer& tokenizer = requireTokenizer(*impl_);
    EncodeOptions options;
    options.maxLength = tokenizer.modelMaxLength();
    std::vector<Encoding> labels;
    for (size_t b = 0; b < sources.size(); ++b) {
        labels.push_back(tokenizer.encode(targets[targets.size() == 1 ? 0 : b], options));
    }
    size_t longest = 0;
    for (const auto& e : labels) {
        longest = std::max(longest, e.size());
    }
    const int64_t padId = tokenizer.specialTokens().pad.value_or(0);
    const auto batch = static_cast<int64_t>(labels.size());
    const auto seq = static_cast<int64_t>(longest);
    input.decoderInputIds.shape = { batch, seq };
    input.decoderAttentionMask.shape = { batch, seq };
    input.decoderInputIds.data.assign(static_cast<size_t>(batch * seq), padId);
    input.decoderAttentionMask.data.assign(static_cast<size_t>(batch * seq), 0);
    for (int64_t b = 0; b < batch; ++b) {
        const Encoding& e = labels[static_cast<size_t>(b)];
        // The reference's _shift_right: start token, then the labels without the last one.
        for (size_t i = 0; i < e.size(); ++i) {
            const size_t at = static_cast<size_t>(b * seq) + i;
            input.decoderInputIds.data[at] = i == 0 ? start : e.ids[i - 1];
            input.decoderAttentionMask.data[at] = 1;
        }
    }
    return input;
}

ForwardResult Model::forward(
    const ModelInput& input, const TraceRequest& trace, const RunControl& control)
{
    const auto start = std::chrono::steady_clock::now();
    Architecture& arch = *impl_->arch;
    const IntTensor& ids = input.inputIds;
    if (ids.shape.size() != 2 || ids.shape[0] <= 0 || ids.shape[1] <= 0
        || static_cast<int64_t>(ids.data.size()) != ids.numel()) {
        throw Error(
            ErrorKind::InvalidInput, "input ids must be a non-empty [batch, sequence] matrix.");
    }
    const int64_t maxLen = arch.maxSequenceLength();
    if (maxLen > 0 && ids.shape[1] > maxLen) {
        throw Error(ErrorKind::InvalidInput,
            "the input has " + std::to_string(ids.shape[1]) + " tokens, but "
                + impl_->info.architecture + " accepts at most " + std::to_string(maxLen)
                + " (max_position_embeddings). Shorten the text.");
    }
    const int64_t vocab = arch.vocabSize();
    for (int64_t id : ids.data) {
        if (id < 0 || id >= vocab) {
            throw Error(ErrorKind::InvalidInput,
                "token id " + std::to_string(id) + " is outside the vocabulary (0.."
                    + std::to_string(vocab - 1) + ").");
        }
    }
    auto sameShape = [&](const IntTensor& t, const char* what) {
        if (!t.data.empty() && t.shape != ids.shape) {
            throw Error(ErrorKind::InvalidInput,
                std::string(what) + " must have the same shape as the input ids.");
        }
    };
    sameShape(input.attentionMask, "the attention mask");
    sameShape(input.tokenTypeIds, "the token type ids");
    for (int64_t t : input.tokenTypeIds.data) {
        if (t < 0 || t >= std::max<int64_t>(arch.typeVocabSize(), 1)) {
            throw Error(ErrorKind::InvalidInput,
                "token type id " + std::to_string(t) + " is outside 0.."
                    + std::to_string(std::max<int64_t>(arch.typeVocabSize(), 1) - 1) + ".");
        }
    }
    const IntTensor& decoderIds = input.decoderInputIds;
    if (!decoderIds.data.empty()) {
        if (!impl_->info.isEncoderDecoder) {
            throw Error(ErrorKind::InvalidInput,
                impl_->info.architecture
                    + " is not an encoder-decoder model, so it "
                      "takes no decoder input ids.");
        }
        if (decoderIds.shape.size() != 2 || decoderIds.shape[0] != ids.shape[0]
            || decoderIds.shape[1] <= 0
            || static_cast<int64_t>(decoderIds.data.size()) != decoderIds.numel()) {
            throw Error(ErrorKind::InvalidInput,
                "decoder input ids must be a non-empty [batch, target] matrix with the "
                "same batch size as the input ids.");
        }
        for (int64_t id : decoderIds.data) {
            if (id < 0 || id >= vocab) {
                throw Error(ErrorKind::InvalidInput,
                    "decoder token id " + std::to_string(id) + " is outside the vocabulary (0.."
                        + std::to_string(vocab - 1) + ").");
            }
        }
        if (!input.decoderAttentionMask.data.empty()
            && input.decoderAttentionMask.shape != decoderIds.shape) {
            throw Error(ErrorKind::InvalidInput,
                "the decoder attention mask must have the same "
                "shape as the decoder input ids.");
        }
    }
    control.report(0.0, "forward");

    torch::InferenceMode inferenceMode;
    const torch::Device device = impl_->device;
    ArchInput in;
    in.inputIds = toTorch(ids).to(device);
    in.attentionMask = input.attentionMask.data.empty() ? torch::ones_like(in.inputIds)
                                                        : toTorch(input.attentionMask).to(device);
    in.tokenTypeIds = input.tokenTypeIds.data.empty() ? torch::zeros_like(in.inputIds)
                                                      : toTorch(input.tokenTypeIds).to(device);
    if (!decoderIds.data.empty()) {
        in.decoderInputIds = toTorch(decoderIds).to(device);
        if (!input.decoderAttentionMask.data.empty()) {
            in.decoderAttentionMask = toTorch(input.decoderAttentionMask).to(device);
        }
    }
    in.control = &control;
    // Packed attentions: each layer is copied into one buffer as it finishes and its LibTorch
    // tensor dropped, so the trace exists once. The buffer is sized for the model's layers
    // up front (one allocation, no regrowth copies).
    FloatTensor packed;
    int64_t packedLayers = 0;
    if (trace.attentions && trace.packAttentions) {
        in.attentionSink = [&](const torch::Tensor& probs) {
            const torch::Tensor cpu = probs.detach().to(torch::kCPU, torch::kFloat32).contiguous();
            const auto n = static_cast<size_t>(cpu.numel());
            if (packedLayers == 0) {
                packed.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
                packed.data.reserve(
                    n * static_cast<size_t>(std::max<int64_t>(1, impl_->info.numLayers)));
            }
            if (!std::equal(packed.shape.begin(), packed.shape.end(), cpu.sizes().begin(),
                    cpu.sizes().end())) {
                throw Error(ErrorKind::Internal,
                    "attention layers of different shapes cannot "
                    "be packed into one tensor");
            }
            const float* from = cpu.data_ptr<float>();
            packed.data.insert(packed.data.end(), from, from + n);
            ++packedLayers;
        };
    }
    ArchOutput out = arch.run(in, trace);

    ForwardResult result;
    if (out.cancelled) {
        result.status = JobStatus::Cancelled;
        return result;
    }
    result.lastHiddenState = toFloatTensor(out.lastHidden);
    if (out.pooler.defined()) {
        result.poolerOutput = toFloatTensor(out.pooler);
    }
    if (out.logits.defined()) {
        result.logits = toFloatTensor(out.logits);
    }
    if (out.seqRelationship.defined()) {
        result.seqRelationshipLogits = toFloatTensor(out.seqRelationship);
    }
    // Each recorded tensor is copied out and its LibTorch memory released at once, so a trace
    // never holds much more than one copy of itself (layers x heads x L^2 floats at 2048
    // tokens is gigabytes).
    const auto copyOut = [](std::vector<torch::Tensor>& from, std::vector<FloatTensor>& to) {
        to.reserve(from.size());
        for (torch::Tensor& t : from) {
            to.push_back(toFloatTensor(t));
            t = torch::Tensor();
        }
        from.clear();
    };
    copyOut(out.attentions, result.trace.attentions);
    if (packedLayers > 0) {
        packed.shape.insert(packed.shape.begin(), packedLayers);
        result.trace.packedAttentions = std::move(packed);
    }
    copyOut(out.hiddenStates, result.trace.hiddenStates);
    copyOut(out.decoderAttentions, result.trace.decoderAttentions);
    copyOut(out.crossAttentions, result.trace.crossAttentions);
    copyOut(out.decoderHiddenStates, result.trace.decoderHiddenStates);
    result.elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    control.report(1.0, "forward");
    return result;
}

} // namespace lumen::engine
