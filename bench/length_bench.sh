#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
# Speed versus length: a lightweight convolution and a Transformer (BERT) of equal width (256)
# and depth (4 layers), random weights, the test BERT tokenizer; forward time and analytic
# FLOPs at LENGTHS (256 .. 4096), batch 1. See bench/README.md ("Speed versus length").
#   bench/length_bench.sh [LUMEN_CLI] [MODELS_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cli="${1:-$here/../build/dev/app/lumen-cli}"
models="${2:-$here/../build/dev/bench-models}"
tokenizer="$here/../tests/data/conformance/bert"
for family in lightconv transformer; do
    if [[ ! -f "$models/length-$family/model.safetensors" ]]; then
        positions=0
        [[ $family == transformer ]] && positions=4096
        "$cli" new-model --family "$family" --tokenizer "$tokenizer" --hidden 256 --layers 4 --heads 4 \
            --kernel 7 --max-positions "$positions" --out "$models/length-$family" --seed 0
    fi
done
"$cli" bench-length "$models/length-lightconv" "$models/length-transformer" \
    --lengths "${LENGTHS:-256,512,1024,2048,4096}" --repeats "${REPEATS:-3}" ${PROJECT:+--project "$PROJECT"}
