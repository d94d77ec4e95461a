#!/usr/bin/env bash
# check.sh - the status page in headless Chromium (tests/web/check.py), with
# the browser and Playwright that scripts/browser.sh installs when missing.
# Needs the stack's environment (tests/run.sh); prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! python=$(scripts/browser.sh); then
    echo "1..1"
    echo "not ok 1 - scripts/browser.sh could not install Chromium and Playwright"
    exit 1
fi
exec "$python" tests/web/check.py "$@"
