// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#pragma once
// The one exception type the engine throws. Callers catch it at one boundary (the CLI's
// main, the GUI's engine worker) and show `what()` to the user: every message names the
// file or field, what was expected, and what to do.
// Thread safety: a plain value type.

#include <stdexcept>
#include <string>

namespace lumen {

enum class ErrorKind {
    InvalidInput, ///< the user's file, text or setting is wrong
    Io,           ///< a file could not be opened, read or written
    Unsupported,  ///< valid, but Lumen does not handle it (an unknown model_type)
    OutOfMemory,  ///< an allocation failed
    Internal,     ///< a bug in Lumen
};

const char* errorKindName(ErrorKind kind);

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message)
        , kind_(kind)
    {
    }
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

} // namespace lumen
