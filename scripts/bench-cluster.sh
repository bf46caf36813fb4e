#!/usr/bin/env bash
# Reads, analyses and reports a generated cluster served by the fake API
# server on loopback (crates/kubeguard-cluster/examples/fake_cluster.rs):
# 10,000 pods, 2,000 service accounts, 50,000 RBAC bindings and 1,000
# NetworkPolicies by default. Each command runs with --cluster and is timed
# with /usr/bin/time (wall, CPU, peak RSS); the server runs in its own
# process and is not counted.
#
#   cargo build --release -p kubeguard
#   cargo build --release -p kubeguard-cluster --features fake-server --example fake_cluster
#   scripts/bench-cluster.sh [PODS SERVICE_ACCOUNTS BINDINGS NETWORK_POLICIES]
#
# KUBEGUARD and FAKE_CLUSTER override the binaries' paths.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KUBEGUARD:-target/release/kubeguard}
fake=${FAKE_CLUSTER:-target/release/examples/fake_cluster}
dir=$(mktemp -d)
mkfifo "$dir/ctl"
# The server serves until its standard input (this FIFO) closes, or it is killed.
exec 3<>"$dir/ctl"
"$fake" "$dir" "$@" <&3 >"$dir/kubeconfig.path" &
exec 3>&-
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
while [ ! -s "$dir/kubeconfig.path" ]; do sleep 0.2; done
kubeconfig=$(cat "$dir/kubeconfig.path")
echo "| command | exit | wall s | CPU s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
run() {
    local status=0
    /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$bin" "$@" --cluster --kubeconfig "$kubeconfig" \
        >/dev/null 2>"$dir/err" || status=$?
    read -r wall user sys rss < <(tail -1 "$dir/time")
    printf '| `kubeguard %s --cluster` | %s | %s | %.2f | %.0f |\n' "$*" "$status" "$wall" \
        "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc -l)"
}
run scan --pss restricted --format json --no-config
run pss check --format json --no-config
run rbac risks --format json --no-config
run rbac unused --format json --no-config
run netpol coverage --format json --no-config
run netpol matrix --format json
/usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$bin" snapshot save "$dir/snapshot.yaml.gz" \
    --kubeconfig "$kubeconfig" 2>"$dir/err" >/dev/null
read -r wall user sys rss < <(tail -1 "$dir/time")
printf '| `kubeguard snapshot save` | 0 | %s | %.2f | %.0f |\n' "$wall" "$(echo "$user + $sys" | bc)" \
    "$(echo "$rss / 1024" | bc -l)"
echo
echo "snapshot: $(du -k "$dir/snapshot.yaml.gz" | cut -f1) KiB; $(tail -1 "$dir/err")"
