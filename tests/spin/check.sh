#!/usr/bin/env bash
# check.sh - model-checks tests/spin/ring.pml with spin: the protocol must
# verify with no errors, and the variant without the re-check must fail
# (spin finds the lost wake-up). Prints TAP for tests/run.sh.
set -uo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

verify() { # extra-cpp-flags -> prints the number of errors spin found
    (cd "$work" && rm -f pan* && spin -a $1 "$OLDPWD/ring.pml" >/dev/null &&
     gcc -O2 -w -o pan pan.c && ./pan -m100000 >pan.out 2>&1
     sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | head -1)
}

echo "1..2"
errors=$(verify "")
if [ "$errors" = "0" ]; then
    echo "ok 1 - ring protocol: no torn read, no lost wake-up, no deadlock"
else
    echo "not ok 1 - ring protocol: spin found ${errors:-?} error(s)"
fi
errors=$(verify "-DNO_RECHECK")
if [ -n "$errors" ] && [ "$errors" != "0" ]; then
    echo "ok 2 - without the re-check spin finds the lost wake-up"
else
    echo "not ok 2 - the variant without the re-check was not caught"
fi
