// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "torch_convert.h"

#include "lumen/engine/error.h"

#include <cstring>

namespace lumen::engine {
namespace {

template <typename T>
DenseTensor<T> copyOut(const torch::Tensor& t, torch::ScalarType type)
{
    const torch::Tensor cpu = t.detach().to(torch::kCPU, type).contiguous();
    DenseTensor<T> out;
    out.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
    out.data.resize(static_cast<size_t>(cpu.numel()));
    if (cpu.numel() > 0) {
        std::memcpy(out.data.data(), cpu.data_ptr<T>(), out.data.size() * sizeof(T));
    }
    return out;
}

template <typename T>
torch::Tensor copyIn(const DenseTensor<T>& t, torch::ScalarType type)
{
    torch::Tensor out = torch::empty(t.shape, torch::TensorOptions().dtype(type));
    if (!t.data.empty()) {
        std::memcpy(out.data_ptr<T>(), t.data.data(), t.data.size() * sizeof(T));
    }
    return out;
}

} // namespace

FloatTensor toFloatTensor(const torch::Tensor& t) { return copyOut<float>(t, torch::kFloat32); }
IntTensor toIntTensor(const torch::Tensor& t) { return copyOut<int64_t>(t, torch::kInt64); }
torch::Tensor toTorch(const FloatTensor& t) { return copyIn(t, torch::kFloat32); }
torch::Tensor toTorch(const IntTensor& t) { return copyIn(t, torch::kInt64); }

torch::Device parseDevice(const std::string& name)
{
    if (name.empty() || name == "cpu") {
        return torch::kCPU;
    }
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available()) {
            throw Error(ErrorKind::Unsupported,
                "device \"" + name
                    + "\" was asked for, but this LibTorch build sees no "
                      "CUDA GPU. Use --device cpu, or build Lumen against a CUDA LibTorch.");
        }
        try {
            return torch::Device(name);
        } catch (const c10::Error&) {
        }
    }
    throw Error(
        ErrorKind::InvalidInput, "unknown device \"" + name + "\": use cpu, cuda or cuda:N.");
}

} // namespace lumen::engine
