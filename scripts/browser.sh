#!/usr/bin/env bash
# browser.sh - what the browser tests need, installed when missing, and the
# path of the Python that drives the browser printed on standard output:
#   Debian's chromium (/usr/bin/chromium), from apt;
#   a venv at $HS_STACK_DIR/browser-venv (default .stack) with Playwright,
#   pinned, from PyPI. Playwright is pointed at /usr/bin/chromium
#   (executable_path): it does not download a browser of its own.
# Idempotent and quick when both are there; progress goes to standard error.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_VERSION=1.65.2
STACK_DIR=${HS_STACK_DIR:-$PWD/.stack}
VENV=$STACK_DIR/browser-venv

if ! dpkg -s chromium >/dev/null 2>&1; then
    echo "browser: installing Debian's chromium" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    # Another apt on the machine may hold the lock for a while: wait for it.
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends chromium fonts-dejavu-core >&2
fi

if [ ! -f "$VENV/.complete-$PLAYWRIGHT_VERSION" ]; then
    echo "browser: installing playwright $PLAYWRIGHT_VERSION into $VENV" >&2
    rm -rf "$VENV"
    mkdir -p "$STACK_DIR"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "playwright==$PLAYWRIGHT_VERSION" >&2
    touch "$VENV/.complete-$PLAYWRIGHT_VERSION"
fi
echo "$VENV/bin/python"
