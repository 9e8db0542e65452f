# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors

# Warnings, -Werror and sanitizers for one target (never global flags).
function(lumen_target_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
    if(LUMEN_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(LUMEN_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=${LUMEN_SANITIZE} -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=${LUMEN_SANITIZE})
    endif()
endfunction()

# Qt targets: no `slots`/`signals` keywords (LibTorch uses `slots`), no implicit ASCII casts.
function(lumen_qt_defaults target)
    lumen_target_defaults(${target})
    target_compile_definitions(${target} PRIVATE QT_NO_KEYWORDS QT_NO_CAST_FROM_ASCII)
    set_target_properties(${target} PROPERTIES AUTOMOC ON)
endfunction()

# Protobuf and SentencePiece (DESIGN.md, "Known traps"). Debian's libsentencepiece carries
# its own protobuf-lite 3.14 while LibTorch needs the system libprotobuf 3.21. Linking both
# crashes before main() unless libprotobuf comes first in NEEDED, and even then the first
# SentencePiece model aborts ("compiled against 3.14 ... installed 3.21"). So the engine
# does not link libsentencepiece at all: engine/src/tokenizers/sentencepiece.cpp dlopen()s it
# with RTLD_LOCAL | RTLD_DEEPBIND, which keeps its protobuf private. libprotobuf stays first
# here (harmless, and it keeps the old order should a library bring protobuf again); the
# tests start lumen-cli and lumen and tokenize with SentencePiece to keep this honest.
function(lumen_link_engine target)
    target_link_libraries(${target} PRIVATE
        -Wl,--no-as-needed protobuf::libprotobuf -Wl,--as-needed
        lumen_engine)
endfunction()
