#!/usr/bin/env bash
# Runs the whole test suite: installs the test tools the suite needs
# (the helm-python-sdk renderer behind scripts/helm-template), then every
# test of the workspace, then the admission webhook's soak: 1,000,000
# reviews over TLS on 127.0.0.1, failing if the heap in use grows by more
# than 512 KiB after warm-up.
#
# The workspace is compiled once: the test build (cargo test and nextest
# build every example with the tests, features unified over the whole
# workspace) also builds the soak, a debug build, and the soak runs that
# binary. Asking Cargo for its path with the same selection (--workspace)
# compiles nothing; `cargo run -p kubeguard-webhook` would resolve
# features for that package alone and recompile much of the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
soak=$(cargo build --workspace --locked --example soak --message-format=json |
  sed -n 's|.*"executable":"\([^"]*/examples/soak\)".*|\1|p')
if [ -z "$soak" ] || [ ! -x "$soak" ]; then
  echo "test.sh: the soak example was not built" >&2
  exit 1
fi
"$soak" --reviews 1000000 --max-growth-kib 512
