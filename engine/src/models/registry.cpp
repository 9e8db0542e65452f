// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
// The model-family registry: config.json's model_type -> the family that builds it.
//
// How to add a family:
//   1. write engine/src/models/<family>.cpp/.h with a class deriving from Architecture
//      (architecture.h) whose module names equal the reference's state-dict keys;
//   2. add a row to kFamilies below and the .cpp to engine/CMakeLists.txt;
//   3. add its conformance case to tests/engine/models/.
#include "models/architecture.h"

#include "lumen/engine/error.h"
#include "models/albert.h"
#include "models/bert.h"
#include "models/distilbert.h"
#include "models/electra.h"
#include "models/roberta.h"
#include "models/gpt2.h"
#include "models/llama.h"
#include "models/seq_models.h"
#include "models/t5.h"

#include <functional>

namespace lumen::engine {
namespace {

struct Family {
    const char* modelType;
    std::function<std::shared_ptr<Architecture>(const ModelConfig&)> create;
};

const std::vector<Family>& families()
{
    static const std::vector<Family> kFamilies = {
        {"bert", createBert},
        {"roberta", createRoberta},
        {"distilbert", createDistilBert},
        {"electra", createElectra},
        {"albert", createAlbert},
        {"gpt2", createGpt2},
        {"llama", createLlama},
        {"mistral", createLlama},
        {"qwen2", createLlama},
        {"t5", createT5},
        {"lumen-lightconv", createLightConv},
        {"lumen-dynamicconv", createDynamicConv},
        {"lumen-dilatedconv", createDilatedConv},
        {"lumen-wavenet", createWaveNet},
        {"lumen-lstm", createLstm},
    };
    return kFamilies;
}

} // namespace

std::vector<std::string> supportedModelTypes()
{
    std::vector<std::string> types;
    for (const auto& family : families()) {
        types.emplace_back(family.modelType);
    }
    return types;
}

std::shared_ptr<Architecture> createArchitecture(const ModelConfig& config)
{
    for (const auto& family : families()) {
        if (config.modelType() == family.modelType) {
            return family.create(config);
        }
    }
    std::string known;
    for (const auto& type : supportedModelTypes()) {
        known += (known.empty() ? "" : ", ") + type;
    }
    throw Error(ErrorKind::Unsupported,
                config.path() + ": model_type \"" + config.modelType() +
                    "\" is not an architecture Lumen can load (it loads: " + known + ").");
}

} // namespace lumen::engine
