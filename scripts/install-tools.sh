#!/usr/bin/env bash
# Install the external tools kubeguard's tests and examples rely on.
#
#   * helm-python-sdk (PyPI): the Helm v4 engine used by scripts/helm-template,
#     which stands in for `helm template` when no helm binary is installed.
#   * kubectl (Debian package), for `kubectl kustomize` on the kustomize
#     examples. Optional: a warning is printed if it cannot be installed.
#   * golang-1.19-go (Debian package, about 450 MB installed under
#     /usr/lib/go-1.19), the Go of Kubernetes 1.26's API server, to test
#     the webhook's TLS handshake with it. Optional, as kubectl.
#
# Safe to run any number of times: each step checks first and only installs
# what is missing or at the wrong version.
#
# Environment:
#   PYTHON   interpreter to install into (default: python3; it must be the one
#            that `#!/usr/bin/env python3` in scripts/helm-template resolves to)
set -euo pipefail

PYTHON="${PYTHON:-python3}"

# Keep in sync with SDK_VERSION in scripts/helm-template.
HELM_SDK_PACKAGE="helm-python-sdk"
HELM_SDK_VERSION="0.2.2"

log() { printf 'install-tools: %s\n' "$*" >&2; }

sdk_ok() {
    "$PYTHON" - "$HELM_SDK_VERSION" <<'EOF' >/dev/null 2>&1
import sys
import helm_python
sys.exit(0 if helm_python.__version__ == sys.argv[1] else 1)
EOF
}

install_sdk() {
    if sdk_ok; then
        log "$HELM_SDK_PACKAGE $HELM_SDK_VERSION already installed"
        return 0
    fi
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        log "error: $PYTHON not found; install Python 3.10+ first"
        return 1
    fi
    log "installing $HELM_SDK_PACKAGE==$HELM_SDK_VERSION"
    local pip=("$PYTHON" -m pip install --quiet --disable-pip-version-check
               "$HELM_SDK_PACKAGE==$HELM_SDK_VERSION")
    local err
    err="$(mktemp)"
    if ! PIP_ROOT_USER_ACTION=ignore "${pip[@]}" 2>"$err"; then
        if grep -q externally-managed "$err"; then
            # Distribution Python (PEP 668): install next to the system packages.
            PIP_ROOT_USER_ACTION=ignore "${pip[@]}" --break-system-packages
        else
            cat "$err" >&2
            rm -f "$err"
            return 1
        fi
    fi
    rm -f "$err"
    if ! sdk_ok; then
        log "error: $HELM_SDK_PACKAGE installed but not importable by $PYTHON"
        return 1
    fi
}

# Installs Debian package $1 (providing $2) when $2 is missing; a warning,
# not a failure, when it cannot be installed.
install_deb() {
    local package="$1" provides="$2"
    if [ -e "$provides" ] || command -v "$provides" >/dev/null 2>&1; then
        log "$package already installed"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        log "warning: $package missing and apt-get unavailable; the tests that need it are skipped"
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    log "installing the Debian package $package"
    if ! { "${sudo[@]}" apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$package" >/dev/null; }; then
        log "warning: could not install $package; the tests that need it are skipped"
    fi
}

install_sdk
install_deb kubectl kubectl
install_deb golang-1.19-go /usr/lib/go-1.19/bin/go
log "done"
