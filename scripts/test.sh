#!/usr/bin/env bash
# Runs the whole test suite: installs the test tools the suite needs
# (the helm-python-sdk renderer behind scripts/helm-template), then every
# test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
