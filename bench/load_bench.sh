#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
#
# Load benchmark on a randomly initialised BERT-base-sized model (see README.md): how long
# loading model.safetensors takes beside reading the file once with cat, page cache warm for
# both, and how much memory a load adds beside the weights' size.
#
#   bench/load_bench.sh [LUMEN_CLI] [MODELS_DIR]
#
# LUMEN_CLI defaults to build/dev/app/lumen-cli, MODELS_DIR to build/dev/bench-models.
# Environment: REPEATS (7), PROJECT (a .lumen file to record every load in; unset: not
# recorded). Not part of the default test run: `cmake --build --preset dev --target bench-load`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="${1:-$here/../build/dev/app/lumen-cli}"
models="${2:-$here/../build/dev/bench-models}"
repeats="${REPEATS:-7}"
project_args=()
if [[ -n "${PROJECT:-}" ]]; then
    project_args=(--project "$PROJECT")
fi

if [[ ! -x "$cli" ]]; then
    echo "load_bench.sh: $cli is not an executable; build lumen-cli first" >&2
    exit 1
fi

config="$here/bert-base-config.json"
model="$models/bert-base"
# The same model as forward_bench.sh (same config, same seed: same file).
if [[ ! -f "$model/model.safetensors" || "$config" -nt "$model/config.json" ]]; then
    mkdir -p "$models"
    echo "== writing a random BERT-base-sized model to $model"
    "$cli" new-model --config "$config" --out "$model" --seed 0 "${project_args[@]}"
fi
file="$model/model.safetensors"
file_bytes="$(stat -c %s "$file")"

echo "== system"
"$cli" info --system
echo "cores    $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# A number from `lumen-cli bench --load --json` (pretty-printed: one key per line).
json_value() {
    awk -v key="\"$1\"" -F': ' '$1 ~ key"$" { gsub(/[ ,]/, "", $2); print $2; exit }'
}
median() {
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
now_ns() {
    date +%s%N
}

# Warm state for both: the file is in the page cache before anything is timed.
cat "$file" >/dev/null
"$cli" bench "$model" --load --repeats 1 >/dev/null

echo "== $repeats rounds: cat $file > /dev/null, then one load in a fresh lumen-cli process"
cat_ms=()
load_ms=()
growth=()
peak=()
weights=0
for ((i = 1; i <= repeats; i++)); do
    start="$(now_ns)"
    cat "$file" >/dev/null
    stop="$(now_ns)"
    cat_ms+=("$(awk -v a="$start" -v b="$stop" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')")
    out="$("$cli" bench "$model" --load --repeats 1 --json "${project_args[@]}")"
    load_ms+=("$(json_value median_ms <<<"$out")")
    growth+=("$(json_value median_peak_growth_bytes <<<"$out")")
    peak+=("$(json_value process_peak_bytes <<<"$out")")
    weights="$(json_value weight_bytes <<<"$out")"
    printf 'round %2d  cat %8.2f ms   load %8.2f ms   peak growth %7.1f MB   process peak %7.1f MB\n' \
        "$i" "${cat_ms[-1]}" "${load_ms[-1]}" "$(awk -v b="${growth[-1]}" 'BEGIN { print b / 1e6 }')" \
        "$(awk -v b="${peak[-1]}" 'BEGIN { print b / 1e6 }')"
done
echo

echo "== $repeats loads in one process (later loads reuse the allocator's memory)"
"$cli" bench "$model" --load --repeats "$repeats" --warmup 1
echo

cat_median="$(printf '%s\n' "${cat_ms[@]}" | median)"
load_median="$(printf '%s\n' "${load_ms[@]}" | median)"
growth_median="$(printf '%s\n' "${growth[@]}" | median)"
peak_median="$(printf '%s\n' "${peak[@]}" | median)"
awk -v cat="$cat_median" -v load="$load_median" -v growth="$growth_median" \
    -v peak="$peak_median" -v weights="$weights" -v file="$file_bytes" -v n="$repeats" 'BEGIN {
    printf "== summary (medians of %d rounds, page cache warm)\n", n
    printf "file                    %9.1f MB   model.safetensors\n", file / 1e6
    printf "weights (parameters)    %9.1f MB\n", weights / 1e6
    printf "cat FILE > /dev/null    %9.2f ms\n", cat
    printf "load (fresh process)    %9.2f ms   %.2f x cat (target at most 2)\n", load, load / cat
    printf "peak memory growth      %9.1f MB   %.2f x the weights (target under 1.3)\n", growth / 1e6, growth / weights
    printf "process peak RSS        %9.1f MB   (LibTorch runtime included)\n", peak / 1e6
}'
