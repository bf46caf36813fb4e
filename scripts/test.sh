#!/usr/bin/env bash
# Runs the whole test suite: installs the test tools the suite needs
# (the helm-python-sdk renderer behind scripts/helm-template), then every
# test of the workspace, then the admission webhook's soak: 1,000,000
# reviews over TLS on 127.0.0.1, failing if the heap in use grows by more
# than 512 KiB after warm-up (a debug build, reusing the tests' compiled
# dependencies; about 3 to 5 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
cargo run --locked -p kubeguard-webhook --example soak -- --reviews 1000000 --max-growth-kib 512
