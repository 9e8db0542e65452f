#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (C) 2026 The Lumen authors
#
# Tokenizer throughput on ~1 MB of English text (see README.md): WordPiece (bert) and
# byte-level BPE (gpt2, roberta) from tests/data/conformance, and (json:NAME) the same cases'
# tokenizer.json files from tests/data/tokenizer_json (Unigram for t5, SentencePiece-style
# BPE with byte fallback for llama).
#
#   bench/tokenize_bench.sh [LUMEN_CLI] [WORK_DIR]
#
# LUMEN_CLI defaults to build/dev/app/lumen-cli, WORK_DIR (where the text is written) to
# build/dev/bench-text. Environment: TEXT (a text file to use instead of the generated one),
# CASES ("bert gpt2 roberta json:bert json:gpt2 json:roberta json:t5 json:llama"), REPEATS (10), WARMUP (2), LINES (1: also time one encode per
# line), PROJECT (a .lumen file to record every run in; unset: not recorded).
# Not part of the default test run: `cmake --build --preset dev --target bench` calls it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cli="${1:-$root/build/dev/app/lumen-cli}"
work="${2:-$root/build/dev/bench-text}"
cases="${CASES:-bert gpt2 roberta json:bert json:gpt2 json:roberta json:t5 json:llama}"
repeats="${REPEATS:-10}"
warmup="${WARMUP:-2}"
lines="${LINES:-1}"
project_args=()
if [[ -n "${PROJECT:-}" ]]; then
    project_args=(--project "$PROJECT")
fi

if [[ ! -x "$cli" ]]; then
    echo "tokenize_bench.sh: $cli is not an executable; build lumen-cli first" >&2
    exit 1
fi

# The text: English prose available on every Debian machine and in the repository, with no
# download. The repository's README.md, docs/cli.md and bench/README.md (Markdown, with a few
# non-ASCII characters: dashes, arrows, accented names) followed by the GPL-3, LGPL-2.1,
# Apache-2.0, MPL-2.0 and GFDL-1.3 licence texts from /usr/share/common-licenses; the whole
# repeated and cut at the last line end before 1,000,000 bytes. The same sources give the
# same bytes: the script prints their sha256.
if [[ -n "${TEXT:-}" ]]; then
    text="$TEXT"
else
    mkdir -p "$work"
    text="$work/english-1mb.txt"
    sources=("$root/README.md" "$root/docs/cli.md" "$root/bench/README.md")
    for licence in GPL-3 LGPL-2.1 Apache-2.0 MPL-2.0 GFDL-1.3; do
        sources+=("/usr/share/common-licenses/$licence")
    done
    for source in "${sources[@]}"; do
        if [[ ! -r "$source" ]]; then
            echo "tokenize_bench.sh: $source is missing; set TEXT to a text file instead" >&2
            exit 1
        fi
    done
    one="$(cat "${sources[@]}")"
    : >"$text.tmp"
    while (($(stat -c %s "$text.tmp") < 1000000)); do
        printf '%s\n' "$one" >>"$text.tmp"
    done
    head -c 1000000 "$text.tmp" | sed '$d' >"$text"
    rm -f "$text.tmp"
fi
bytes="$(stat -c %s "$text")"
echo "== text $text: $bytes bytes, $(wc -l <"$text") lines, sha256 $(sha256sum "$text" | cut -d' ' -f1)"
echo "   non-ASCII bytes: $(LC_ALL=C tr -d '\000-\177' <"$text" | wc -c)"
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# "<label> ... <x> MB/s ..." -> x
mbs_of() {
    awk -v label="$1" 'index($0, label) == 1 {
        for (i = 2; i <= NF; i++) if ($i == "MB/s") { print $(i - 1); exit }
    }'
}
tps_of() {
    awk 'index($0, "wall time") == 1 {
        for (i = 2; i <= NF; i++) if ($i == "tokens/s") { print $(i - 1); exit }
    }'
}

rows=()
for name in $cases; do
    model="$root/tests/data/conformance/$name"
    if [[ "$name" == json:* ]]; then
        # The case's tokenizer.json (tests/data/tokenizer_json) beside its other files: the
        # path every model that ships tokenizer.json takes.
        base="${name#json:}"
        model="$work/json-$base"
        mkdir -p "$model"
        cp "$root/tests/data/conformance/$base"/*.json "$root/tests/data/conformance/$base"/*.txt \
            "$root/tests/data/conformance/$base"/*.model "$model"/ 2>/dev/null || true
        rm -f "$model/expected.json" "$model/state_dict_manifest.json"
        cp "$root/tests/data/tokenizer_json/$base/tokenizer.json" "$model/"
    fi
    modes=("whole")
    if [[ "$lines" == 1 ]]; then
        modes+=("lines")
    fi
    for mode in "${modes[@]}"; do
        mode_args=()
        if [[ "$mode" == lines ]]; then
            mode_args=(--lines)
        fi
        echo "== $name, $mode: $warmup warm-up + $repeats timed passes"
        out="$("$cli" bench-tokenize "$model" --file "$text" --repeats "$repeats" \
            --warmup "$warmup" "${mode_args[@]}" "${project_args[@]}")"
        echo "$out"
        echo
        kind="$(awk 'index($0, "tokenizer") == 1 { sub(",", "", $2); print $2; exit }' <<<"$out")"
        tokens="$(awk 'index($0, "tokens ") == 1 { print $2; exit }' <<<"$out")"
        rows+=("$(printf '%-12s %-15s %-6s %10s %10s %12s %10s' "$name" "$kind" "$mode" \
            "$(mbs_of "wall time" <<<"$out")" "$(mbs_of "cpu time" <<<"$out")" \
            "$(tps_of <<<"$out")" "$tokens")")
    done
done

echo "== summary (median of the timed passes; MB = 10^6 bytes)"
printf '%-12s %-15s %-6s %10s %10s %12s %10s\n' case tokenizer mode "wall MB/s" "cpu MB/s" \
    "tokens/s" tokens
for row in "${rows[@]}"; do
    echo "$row"
done
