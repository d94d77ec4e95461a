#!/usr/bin/env bash
# headers.sh - every header compiles on its own; one TAP test for tests/run.sh.
#
# Like PostgreSQL's headerscheck: for each .h in the folders named on the
# command line, a .c that includes only that header is compiled (syntax only)
# with the project's flags, so no header relies on what its includer happened
# to include before it. `make headerscheck` runs it with $CC and $CFLAGS set
# (the warnings of the build and the packages' include paths).
set -uo pipefail
cd "$(dirname "$0")/.."

: "${CC:=cc}" "${CFLAGS:=-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bad=0
n=0
for dir in "$@"; do
    for h in "$dir"/*.h; do
        [ -e "$h" ] || continue
        n=$((n + 1))
        printf '#include "%s/%s"\n' "$PWD" "$h" >"$work/check.c"
        # shellcheck disable=SC2086
        if ! $CC $CFLAGS -fsyntax-only "$work/check.c" 2>"$work/err"; then
            echo "# $h does not compile on its own:"
            sed 's/^/#   /' "$work/err" | head -5
            bad=1
        fi
    done
done

echo "1..1"
if [ "$bad" -eq 0 ] && [ "$n" -gt 0 ]; then
    echo "ok 1 - headers: each of $n headers compiles on its own"
else
    echo "not ok 1 - headers: a header does not compile on its own (or none found)"
fi
[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
