#!/usr/bin/env bash
# check.sh - the packaging as an installer sees it: `make install` into a scratch DESTDIR
# (every file with its mode, PREFIX in the unit, an existing configuration kept, uninstall),
# the man page rendering with no warnings, the systemd unit (systemd-analyze verify when it
# is there, and its required settings), the shipped and the compose configurations accepted
# by the installed binary, and scripts/check_compose.py (each of its results counted here).
# Needs make, cc, groff, python3 with PyYAML; systemd-analyze and man are optional. Prints TAP.
# scripts/setup.sh makes $HS_STACK_DIR/tools-venv (PyYAML, check-jsonschema with the Compose
# schema); without it the schema check is reported as skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PREFIX=/usr
root=$tmp/root
n=0
failed=0

result() { # ok|not ok, description, [diagnostic file]
    n=$((n + 1))
    echo "$1 $n - $2"
    if [ "$1" != ok ]; then
        failed=$((failed + 1))
        [ -n "${3:-}" ] && [ -s "$3" ] && sed 's/^/#   /' "$3" | head -20
    fi
    return 0
}
check() { # description, command...: ok when the command succeeds
    local what=$1; shift
    if "$@" >"$tmp/out" 2>&1; then result ok "$what"; else result "not ok" "$what" "$tmp/out"; fi
}
mode_is() { [ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }
silent() { "$@" >"$tmp/silent" 2>&1 && [ ! -s "$tmp/silent" ] || { cat "$tmp/silent"; return 1; }; }

# ---- make install / uninstall ----
check "make install DESTDIR=... PREFIX=$PREFIX" make --no-print-directory install DESTDIR="$root" PREFIX=$PREFIX
for entry in "$PREFIX/bin/housingsup 755" "$PREFIX/share/man/man8/housingsup.8 644" \
             "$PREFIX/share/housingsup/init.sql 644" "$PREFIX/lib/systemd/system/housingsup.service 644" \
             "/etc/housingsup/housingsup.conf 640"; do
    set -- $entry
    check "installed $1, mode $2" mode_is "$root$1" "$2"
done
unit=$root$PREFIX/lib/systemd/system/housingsup.service
check "the unit runs $PREFIX/bin/housingsup (no @PREFIX@ left)" \
    bash -c "grep -q '^ExecStart=$PREFIX/bin/housingsup ' '$unit' && ! grep -q @PREFIX@ '$unit'"
echo "# edited" >>"$root/etc/housingsup/housingsup.conf"
make --no-print-directory install DESTDIR="$root" PREFIX=$PREFIX >/dev/null 2>&1
check "make install again keeps an existing configuration" grep -q '^# edited$' "$root/etc/housingsup/housingsup.conf"

# ---- the configurations, through the installed binary ----
check "housingsup config accepts the installed configuration" \
    "$root$PREFIX/bin/housingsup" config -c "$root/etc/housingsup/housingsup.conf"
# the compose secrets as files under $tmp/secrets, where its /run/secrets/ paths now point
mkdir -p "$tmp/secrets" && echo compose-secret >"$tmp/secrets/postgres_password" && chmod 600 "$tmp/secrets/postgres_password"
if python3 -c 'import yaml, sys; sys.stdout.write(yaml.safe_load(open("docker-compose.yml"))["configs"]["housingsup_conf"]["content"].replace("/run/secrets/", sys.argv[1] + "/"))' \
        "$tmp/secrets" >"$tmp/compose.conf" 2>"$tmp/out"; then
    check "housingsup config accepts the compose configuration" "$root$PREFIX/bin/housingsup" config -c "$tmp/compose.conf"
else
    result "not ok" "housingsup config accepts the compose configuration" "$tmp/out"
fi

# ---- the man page ----
man_page=$root$PREFIX/share/man/man8/housingsup.8
check "the man page renders with no warnings (groff -man -ww)" silent groff -man -Tutf8 -ww -z "$man_page"
if command -v man >/dev/null; then
    check "man -l renders the man page with no warnings" \
        bash -c "MANWIDTH=80 man --warnings -l '$man_page' 2>'$tmp/man.err' | grep -q '^EXIT STATUS' && [ ! -s '$tmp/man.err' ] || { cat '$tmp/man.err'; false; }"
else
    result ok "man -l renders the man page # SKIP man is not installed"
fi

# ---- the systemd unit ----
fatal=$(sed -n 's/.*HS_EXIT_FATAL *= *\([0-9]*\).*/\1/p' common/exitcodes.h)
missing=""
for key in "Type=simple" "ExecStart=$PREFIX/bin/housingsup start --foreground -c /etc/housingsup/housingsup.conf" \
           'ExecReload=/bin/kill -HUP $MAINPID' KillSignal=SIGTERM KillMode=mixed TimeoutStopSec=90 \
           Restart=on-failure "RestartPreventExitStatus=$fatal" User=housingsup StateDirectory=housingsup \
           WorkingDirectory=/var/lib/housingsup NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
           PrivateTmp=yes ReadWritePaths=/var/lib/housingsup; do
    grep -qxF "$key" "$unit" || missing="$missing $key"
done
echo "missing:$missing" >"$tmp/out"
if [ -z "$missing" ] && [ -n "$fatal" ]; then result ok "the unit has the required settings"
else result "not ok" "the unit has the required settings" "$tmp/out"; fi
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary on this root: point it at the DESTDIR copy
    mkdir -p "$tmp/verify"
    sed "s|$PREFIX/bin/housingsup|$root$PREFIX/bin/housingsup|g" "$unit" >"$tmp/verify/housingsup.service"
    check "systemd-analyze verify finds nothing to say about the unit" \
        silent env MANPATH="$root$PREFIX/share/man" systemd-analyze verify "$tmp/verify/housingsup.service"
else
    result ok "systemd-analyze verify # SKIP systemd-analyze is not installed"
fi

make --no-print-directory uninstall DESTDIR="$root" PREFIX=$PREFIX >/dev/null 2>&1
check "make uninstall removes all but the configuration" \
    bash -c "[ -z \"\$(find '$root$PREFIX' -type f)\" ] && [ -f '$root/etc/housingsup/housingsup.conf' ]"

# ---- docker-compose.yml ----
PYTHON=python3
venv_python=${HS_STACK_DIR:-$PWD/.stack}/tools-venv/bin/python
[ -x "$venv_python" ] && PYTHON=$venv_python
"$PYTHON" scripts/check_compose.py >"$tmp/compose.tap" 2>&1
compose_rc=$?
while IFS= read -r line; do
    case $line in
        "ok "*) result ok "compose: ${line#ok * - }" ;;
        "not ok "*) result "not ok" "compose: ${line#not ok * - }" ;;
    esac
done <"$tmp/compose.tap"
if [ "$compose_rc" -ne 0 ] && ! grep -q '^not ok ' "$tmp/compose.tap"; then
    result "not ok" "scripts/check_compose.py exited with $compose_rc" "$tmp/compose.tap"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
