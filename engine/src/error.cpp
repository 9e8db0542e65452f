// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (C) 2026 The Lumen authors
#include "lumen/engine/error.h"

namespace lumen {

const char* errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::InvalidInput:
        return "invalid input";
    case ErrorKind::Io:
        return "I/O error";
    case ErrorKind::Unsupported:
        return "unsupported";
    case ErrorKind::OutOfMemory:
        return "out of memory";
    case ErrorKind::Internal:
        return "internal error";
    }
    return "unknown error";
}

} // namespace lumen
