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

# Every executable that links the engine (LibTorch + SentencePiece) must list libprotobuf
# before libsentencepiece in its NEEDED entries, or protobuf's static initialisers crash
# before main(). --no-as-needed keeps the entry even though the executable uses no symbol.
function(lumen_link_engine target)
    target_link_libraries(${target} PRIVATE
        -Wl,--no-as-needed protobuf::libprotobuf -Wl,--as-needed
        lumen_engine)
endfunction()
