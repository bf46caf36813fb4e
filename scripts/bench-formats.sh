#!/usr/bin/env bash
# Wall time, CPU time and peak resident memory of `kubeguard scan` per
# output format and corpus size, end to end through the CLI:
#   kubeguard scan DIR --format FORMAT --output /dev/null
# timed with /usr/bin/time, plus the corpus's objects and findings (from one
# JSON report) and a markdown table.
#
# Corpora are made by ../shared/bench/gen-corpus.py DIR --files N --seed 1
# when missing (the same bytes for the same N), and read once before the
# runs so that every run reads from the page cache.
#
# Usage: scripts/bench-formats.sh [options]
#   --sizes LIST      file counts, comma or space separated  (default "2000 20000 200000")
#   --formats LIST    output formats                         (default "json text sarif junit")
#   --reps N          runs per cell; median wall and CPU, largest peak RSS (default 3)
#   --bench-dir DIR   where corpora are kept                 (default $TMPDIR/kubeguard-bench)
# Environment: KUBEGUARD (default target/release/kubeguard), GEN_CORPUS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="2000 20000 200000"
FORMATS="json text sarif junit"
REPS=3
BENCH_DIR="${TMPDIR:-/tmp}/kubeguard-bench"
KUBEGUARD="${KUBEGUARD:-$ROOT/target/release/kubeguard}"
GEN_CORPUS="${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus.py}"

while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --formats) FORMATS="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --bench-dir) BENCH_DIR="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
SIZES="${SIZES//,/ }"
FORMATS="${FORMATS//,/ }"
[ -x "$KUBEGUARD" ] || { echo "no kubeguard binary at $KUBEGUARD (cargo build --release -p kubeguard)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
TMPD="$(mktemp -d)"
trap 'rm -rf "$TMPD"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "kubeguard: $("$KUBEGUARD" --version | head -1); $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ); median of $REPS runs, peak RSS the largest"
echo
echo "| files | objects | findings | format | wall s | CPU s | peak RSS MB |"
echo "|---:|---:|---:|---|---:|---:|---:|"
for n in $SIZES; do
    dir="$BENCH_DIR/corpus-$n"
    if [ ! -d "$dir" ]; then
        mkdir -p "$BENCH_DIR"
        python3 "$GEN_CORPUS" "$dir" --files "$n" --seed 1 >&2
    fi
    find "$dir" -type f -exec cat {} + > /dev/null
    # exit 1: findings at or above --fail-on; anything else is a failure
    (cd "$TMPD" && "$KUBEGUARD" scan "$dir" --format json --output "$TMPD/report.json") || [ $? = 1 ]
    read -r objects findings < <(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]; print(s["objects"], s["findings"])' "$TMPD/report.json")
    rm -f "$TMPD/report.json"
    for format in $FORMATS; do
        : > "$TMPD/runs"
        for ((i = 1; i <= REPS; i++)); do
            (cd "$TMPD" && /usr/bin/time -f '%e %U %S %M' -o "$TMPD/time" \
                "$KUBEGUARD" scan "$dir" --format "$format" --output /dev/null) || [ $? = 1 ]
            awk 'NF == 4 && $1 ~ /^[0-9.]+$/ { printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$TMPD/time" | tail -1 >> "$TMPD/runs"
        done
        printf '| %s | %s | %s | %s | %.2f | %.2f | %.1f |\n' "$n" "$objects" "$findings" "$format" \
            "$(cut -d' ' -f1 "$TMPD/runs" | median)" "$(cut -d' ' -f2 "$TMPD/runs" | median)" \
            "$(cut -d' ' -f3 "$TMPD/runs" | sort -n | tail -1 | awk '{ print $1 / 1024 }')"
    done
done
