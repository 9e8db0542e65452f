// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/checkpoint.h"

#include "io/torch_pickle.h"
#include "io/weights.h"
#include "lumen/engine/error.h"

#include <cstring>

namespace lumen::engine {

namespace {

DType dtypeOf(const std::string& name, const torch::Tensor& t)
{
    switch (t.scalar_type()) {
    case torch::kFloat64:
        return DType::F64;
    case torch::kFloat32:
        return DType::F32;
    case torch::kFloat16:
        return DType::F16;
    case torch::kBFloat16:
        return DType::BF16;
    case torch::kInt64:
        return DType::I64;
    case torch::kInt32:
        return DType::I32;
    case torch::kInt16:
        return DType::I16;
    case torch::kInt8:
        return DType::I8;
    case torch::kUInt8:
        return DType::U8;
    case torch::kBool:
        return DType::Bool;
    default:
        throw Error(ErrorKind::Unsupported,
            "tensor '" + name + "' has dtype " + std::string(c10::toString(t.scalar_type()))
                + ", which Lumen does not handle");
    }
}

TensorToWrite toPlain(const std::string& name, const torch::Tensor& tensor)
{
    const torch::Tensor t = tensor.to(torch::kCPU).contiguous();
    TensorToWrite out;
    out.name = name;
    out.dtype = dtypeOf(name, t);
    out.shape = t.sizes().vec();
    out.bytes.resize(static_cast<size_t>(t.numel()) * t.element_size());
    if (!out.bytes.empty()) {
        std::memcpy(out.bytes.data(), t.data_ptr(), out.bytes.size());
    }
    return out;
}

} // namespace

std::vector<TensorToWrite> readTorchCheckpoint(const std::string& path)
{
    std::vector<TensorToWrite> out;
    for (const auto& [name, tensor] : readTorchStateDict(path)) {
        out.push_back(toPlain(name, tensor));
    }
    return out;
}

ModelWeights readModelWeights(const std::string& modelDir)
{
    const WeightSet weights = loadWeights(modelDir);
    ModelWeights out;
    out.files = weights.files;
    for (const auto& [name, tensor] : weights.tensors) {
        out.tensors.push_back(toPlain(name, tensor));
    }
    return out;
}

} // namespace lumen::engine
