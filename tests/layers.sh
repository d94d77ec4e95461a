#!/usr/bin/env bash
# layers.sh - includes point only downward; one TAP test for tests/run.sh.
#
# The layers, from the bottom: common <- config <- shm <- workers <- supervisor.
# A file may include files of its own layer and of the layers below it, never
# of one above: common/ depends on libc only, and nothing under workers/, shm/
# or config/ includes supervisor/. Every #include "..." of every .c and .h in
# these folders is resolved against the including file's folder and checked.
# EXCEPTIONS lists the upward includes still to be removed, each with why it
# is there; one that is no longer needed is reported too, so the list shrinks.
set -uo pipefail
cd "$(dirname "$0")/.."

LAYERS=(common config shm workers supervisor)

EXCEPTIONS=(
)

rank() {
    local i
    for i in "${!LAYERS[@]}"; do
        [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
    done
    echo -1
}

is_exception() {
    local e
    for e in "${EXCEPTIONS[@]}"; do
        [ "$e" = "$1" ] && return 0
    done
    return 1
}

bad=0
used=()
for layer in "${LAYERS[@]}"; do
    from=$(rank "$layer")
    for file in "$layer"/*.c "$layer"/*.h; do
        [ -e "$file" ] || continue
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
            target=$(realpath -m --relative-to=. "$(dirname "$file")/$inc")
            to=$(rank "${target%%/*}")
            [ "$to" -le "$from" ] && [ "$to" -ge 0 ] && continue
            if is_exception "$file -> $target"; then
                used+=("$file -> $target")
                continue
            fi
            echo "# $file includes $target: above its layer ($layer)"
            bad=1
        done
    done
done
for e in "${EXCEPTIONS[@]}"; do
    if ! printf '%s\n' "${used[@]}" | grep -qxF -- "$e"; then
        echo "# exception no longer needed: $e (remove it from tests/layers.sh)"
        bad=1
    fi
done

echo "1..1"
if [ "$bad" -eq 0 ]; then
    echo "ok 1 - layers: every include points down (${LAYERS[*]})"
else
    echo "not ok 1 - layers: an include points up"
fi
[ "$bad" -eq 0 ]
