#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
#
# Forward-pass benchmark on a randomly initialised BERT-base-sized model (see README.md).
#
#   bench/forward_bench.sh [LUMEN_CLI] [MODELS_DIR]
#
# LUMEN_CLI defaults to build/dev/app/lumen-cli, MODELS_DIR to build/dev/bench-models.
# Environment: SEQ_LEN (128), BATCHES ("1 8"), REPEATS (10), WARMUP (3),
# PROJECT (a .lumen file to record every run in; unset: not recorded).
# Not part of the default test run: `cmake --build --preset dev --target bench` calls it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${1:-$here/../build/dev/app/lumen-cli}"
models="${2:-$here/../build/dev/bench-models}"
seq_len="${SEQ_LEN:-128}"
batches="${BATCHES:-1 8}"
repeats="${REPEATS:-10}"
warmup="${WARMUP:-3}"
project_args=()
if [[ -n "${PROJECT:-}" ]]; then
    project_args=(--project "$PROJECT")
fi

if [[ ! -x "$cli" ]]; then
    echo "forward_bench.sh: $cli is not an executable; build lumen-cli first" >&2
    exit 1
fi

config="$here/bert-base-config.json"
model="$models/bert-base"
# Rebuild the model when it is missing or the config changed (same seed: same weights).
if [[ ! -f "$model/model.safetensors" || "$config" -nt "$model/config.json" ]]; then
    mkdir -p "$models"
    echo "== writing a random BERT-base-sized model to $model"
    "$cli" new-model --config "$config" --out "$model" --seed 0 "${project_args[@]}"
fi

echo "== system"
"$cli" info --system
echo

# median of a `lumen-cli bench` text line: "<label> median <ms> ms min ..."
median_of() {
    awk -v label="$1" 'index($0, label) == 1 {
        for (i = 1; i <= NF; i++) if ($i == "median") { print $(i + 1); exit }
    }'
}

rows=()
for batch in $batches; do
    echo "== batch $batch x $seq_len tokens: $warmup warm-up + $repeats timed passes without and with attention capture"
    out="$("$cli" bench "$model" --seq-len "$seq_len" --batch "$batch" --repeats "$repeats" \
        --warmup "$warmup" --compare-attention "${project_args[@]}")"
    echo "$out"
    echo
    plain="$(median_of "no capture" <<<"$out")"
    capture="$(median_of "attention capture" <<<"$out")"
    overhead="$(awk 'index($0, "capture overhead") == 1 { print $3, $4 }' <<<"$out")"
    rows+=("$(printf '%5s  %7s  %16s  %18s  %9s' "$batch" "$seq_len" "$plain" "$capture" "$overhead")")
done

echo "== summary (median ms per forward pass)"
printf '%5s  %7s  %16s  %18s  %9s\n' batch seq_len "no capture (ms)" "with capture (ms)" overhead
for row in "${rows[@]}"; do
    echo "$row"
done
