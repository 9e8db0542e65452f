#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
# Generation benchmark: a randomly initialised GPT-2-small-sized model (12 layers, 768 wide,
# vocabulary 50257; bench/gpt2-small-config.json), batch 1, greedy, NEW_TOKENS (128) new
# tokens after an 8-id prompt, with and without the KV cache; then the machine's copy
# bandwidth and the bound it sets. See bench/README.md ("Generation").
#   bench/generate_bench.sh [LUMEN_CLI] [MODELS_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cli="${1:-$here/../build/dev/app/lumen-cli}"
models="${2:-$here/../build/dev/bench-models}"
model="$models/gpt2-small"
config="$here/gpt2-small-config.json"
if [[ ! -f "$model/model.safetensors" || "$config" -nt "$model/config.json" ]]; then
    rm -rf "$model"
    mkdir -p "$models"
    "$cli" new-model --config "$config" --out "$model" --seed 0
fi
"$cli" info --system
"$cli" bench-generate "$model" --new-tokens "${NEW_TOKENS:-128}" --repeats "${REPEATS:-3}" \
    ${PROJECT:+--project "$PROJECT"}
