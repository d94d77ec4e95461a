#!/usr/bin/env bash
# browser.sh - a headless browser for the tests that look at a page: Debian's
# chromium (apt-installed when missing) driven by Playwright from PyPI, pinned,
# in a venv at $HS_STACK_DIR/browser-venv (default .stack/). Playwright's own
# browser download is never used: tests launch /usr/bin/chromium by its path
# (executable_path). Prints the path of the venv's python on standard output;
# everything else goes to standard error. Idempotent and quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_VERSION=1.65.2
STACK_DIR=${HS_STACK_DIR:-$PWD/.stack}
VENV=$STACK_DIR/browser-venv

if ! dpkg -s chromium >/dev/null 2>&1; then
    echo "browser: installing Debian's chromium" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
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
