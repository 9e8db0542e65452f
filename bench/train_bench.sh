#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
# Fine-tuning throughput: a BERT-mini-sized classifier (4 layers, width 256, 4 heads, random
# weights, the test BERT tokenizer) on texts of at least 128 tokens, max_length 128, batch 16,
# STEPS optimizer steps; samples/s as lumen-cli train measures it (evaluation excluded), and
# the whole run's wall time with and without a project recording every step's metrics.
# See bench/README.md ("Fine-tuning").
#   bench/train_bench.sh [LUMEN_CLI] [WORK_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cli="${1:-$here/../build/dev/app/lumen-cli}"
work="${2:-$here/../build/dev/bench-train}"
steps="${STEPS:-30}"
device="${DEVICE:-cpu}"
mkdir -p "$work"
tokenizer="$here/../tests/data/conformance/bert"
if [[ ! -f "$work/bert-mini/model.safetensors" ]]; then
    "$cli" new-model --family transformer --tokenizer "$tokenizer" --hidden 256 --layers 4 --heads 4 \
        --max-positions 512 --out "$work/bert-mini" --seed 0
fi
# 512 texts of 160 words from the test vocabulary, labelled by their first word.
if [[ ! -f "$work/long.csv" ]]; then
    words=(the with every from this there your they into each beautiful morning winter water city capital random hidden layer numbers test temp)
    {
        echo "text,label"
        for ((r = 0; r < 512; ++r)); do
            line=""
            for ((w = 0; w < 160; ++w)); do
                line+="${words[$(((r * 7 + w * 13) % ${#words[@]}))]} "
            done
            echo "$line,$((r % 2))"
        done
    } > "$work/long.csv"
fi
cat > "$work/job.json" <<JOB
{"model": "bert-mini", "task": "sequence-classification", "train": "long.csv", "validation_fraction": 0.0,
 "batch_size": 16, "max_steps": $steps, "max_length": 128, "learning_rate": 0.0001, "checkpoint_every": 100000,
 "keep_checkpoints": 1, "device": "$device"}
JOB
rm -rf "$work/out" "$work/bench.lumen" "$work/bench_artifacts"
start=$(date +%s.%N)
"$cli" train --job "$work/job.json" --out "$work/out" --json > "$work/plain.json"
middle=$(date +%s.%N)
"$cli" train --job "$work/job.json" --project "$work/bench.lumen" --json > "$work/recorded.json"
end=$(date +%s.%N)
# The summaries are one JSON line each; sed and awk (in every Debian) read the numbers.
field() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1" | head -1 | tr -d '"'; }
echo "BERT-mini (4 x 256), 128 tokens, batch 16, $steps steps on $(field "$work/plain.json" device):"
printf '  without a project: %.1f samples/s, %.1f ms per step, run %.2f s\n' "$(field "$work/plain.json" samples_per_second)" \
    "$(field "$work/plain.json" mean_step_ms)" "$(awk "BEGIN { print $middle - $start }")"
printf '  recording metrics: %.1f samples/s, %.1f ms per step, run %.2f s\n' "$(field "$work/recorded.json" samples_per_second)" \
    "$(field "$work/recorded.json" mean_step_ms)" "$(awk "BEGIN { print $end - $middle }")"
