#!/usr/bin/env bash
# Install the optional external tools kubeguard's examples and tests use.
# Nothing goes into the system Python; each step says what it installs and
# where before it does so:
#
#   * helm-python-sdk (PyPI, about 240 MB: the Helm v4 engine as a shared
#     library), in a project-local virtualenv, .tools/venv. It backs
#     scripts/helm-template, which stands in for `helm template` when no helm
#     binary is installed. Remove .tools/ to uninstall it.
#   * kubectl (Debian package, system-wide through apt-get, with sudo when
#     not root), for `kubectl kustomize` on the kustomize examples. Optional:
#     skipped with a warning when apt-get is unavailable or fails, and never
#     installed when KUBEGUARD_NO_APT=1.
#   * chromium (Debian package, system-wide through apt-get, same rules as
#     kubectl), for the tests that load the HTML report in headless Chromium
#     on 127.0.0.1 and screenshot it. Optional: those tests are skipped
#     without it.
#   * golang-1.19-go (Debian package, about 450 MB under /usr/lib/go-1.19,
#     same rules as kubectl), the Go of Kubernetes 1.26's API server, for
#     the test of the webhook's TLS handshake with Go clients.
#   * prometheus-alertmanager (Debian package, /usr/bin/prometheus-alertmanager,
#     same rules as kubectl), for the test of `audit serve --alertmanager`,
#     which starts one on 127.0.0.1 with a temporary storage directory.
#     Optional: that test is skipped without it.
#   * nats-server (Debian package, /usr/sbin/nats-server, same rules as
#     kubectl), for the tests of `audit serve --publish` and `audit worker`,
#     which start one with JetStream on 127.0.0.1 in a temporary directory.
#     Optional: those tests are skipped without it.
#
# Safe to run any number of times: each step checks first and only installs
# what is missing or at the wrong version. When it installs anything it
# touches this script, which makes Cargo look for the tests' tools again
# (tests/tools_build.rs): tests whose tool is missing are listed as skipped.
#
# Environment:
#   PYTHON               interpreter that creates the virtualenv (default: python3)
#   KUBEGUARD_TOOLS_DIR  where the virtualenv goes (default: <repo>/.tools)
#   KUBEGUARD_NO_APT=1   never install system packages
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
TOOLS="${KUBEGUARD_TOOLS_DIR:-$ROOT/.tools}"
VENV="$TOOLS/venv"

# Keep in sync with SDK_VERSION in scripts/helm-template.
HELM_SDK_PACKAGE="helm-python-sdk"
HELM_SDK_VERSION="0.2.2"

log() { printf 'install-tools: %s\n' "$*" >&2; }

sdk_ok() {
    [ -x "$VENV/bin/python" ] || return 1
    "$VENV/bin/python" - "$HELM_SDK_VERSION" <<'PY' >/dev/null 2>&1
import sys
import helm_python
sys.exit(0 if helm_python.__version__ == sys.argv[1] else 1)
PY
}

install_sdk() {
    if sdk_ok; then
        log "$HELM_SDK_PACKAGE $HELM_SDK_VERSION already installed in $VENV"
        return 0
    fi
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        log "error: $PYTHON not found; install Python 3.10+ first"
        return 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating a virtualenv in $VENV (project-local, ignored by git)"
        "$PYTHON" -m venv "$VENV"
    fi
    log "installing $HELM_SDK_PACKAGE==$HELM_SDK_VERSION (about 240 MB) into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$HELM_SDK_PACKAGE==$HELM_SDK_VERSION"
    installed=1
    if ! sdk_ok; then
        log "error: $HELM_SDK_PACKAGE installed but not importable by $VENV/bin/python"
        return 1
    fi
    log "scripts/helm-template now renders charts with $VENV/bin/python"
}

# Installs the Debian package $1 (providing command $2) system-wide, saying so.
install_deb() {
    local package="$1" command="$2" purpose="$3"
    if command -v "$command" >/dev/null 2>&1; then
        log "$command already installed ($(command -v "$command"))"
        return 0
    fi
    if [ "${KUBEGUARD_NO_APT:-}" = 1 ]; then
        log "warning: $command missing and KUBEGUARD_NO_APT=1; $purpose will be skipped"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        log "warning: $command missing and apt-get unavailable; $purpose will be skipped"
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    log "installing the Debian package $package system-wide with apt-get (for $purpose)"
    if { "${sudo[@]}" apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$package" >/dev/null; }; then
        installed=1
    else
        log "warning: could not install $package; $purpose will be skipped"
    fi
}

installed=0

install_sdk
install_deb kubectl kubectl "kustomize checks"
install_deb chromium chromium "the HTML report tests in headless Chromium"
install_deb golang-1.19-go /usr/lib/go-1.19/bin/go "the webhook TLS test with Go 1.19"
install_deb prometheus-alertmanager prometheus-alertmanager "the audit Alertmanager delivery test"
install_deb nats-server /usr/sbin/nats-server "the audit NATS JetStream tests"
if [ "$installed" = 1 ]; then
    # Cargo watches this script: the tests' tools are looked for again.
    touch "$ROOT/scripts/install-tools.sh"
fi
log "done"
