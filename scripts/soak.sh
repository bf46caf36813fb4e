#!/usr/bin/env bash
# Soak test of the admission webhook: 1,000,000 reviews over TLS on
# loopback (127.0.0.1 only), bounded to 15 minutes, failing if the heap in
# use grows after warm-up (RSS is reported too). Options are passed on, e.g.
#   scripts/soak.sh --reviews 200000 --connections 16
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked -p kubeguard-webhook --example soak -- "$@"
