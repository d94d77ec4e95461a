#!/usr/bin/env bash
# ui.sh - pgAdmin 4 for the local PostgreSQL of scripts/stack.sh, in the background.
#
#   scripts/ui.sh start | stop | status | url
#
# start installs pgAdmin (pinned, from PyPI) into $HS_STACK_DIR/pgadmin-venv when it is
# missing, registers the stack's PostgreSQL (servers.json loaded with pgAdmin's own
# `load-servers`; the password in a passfile, not in the JSON), starts pgAdmin in desktop
# mode (SERVER_MODE=False: no login) on 127.0.0.1 only, waits until it answers, and prints
# its URL. It keeps running until `scripts/ui.sh stop`. Needs `scripts/stack.sh start` first.
#
# Port: HS_UI_PORT; else HS_PORT_BASE+5 when HS_PORT_BASE is set by the caller (the stack's
# own ports are base+1..3); else 5050. Everything pgAdmin keeps (its SQLite database,
# sessions, log, configuration, passfile) is in HS_UI_DIR (default $HS_STACK_DIR/pgadmin).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PGADMIN_VERSION=9.18
STACK_DIR=${HS_STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
VENV=$STACK_DIR/pgadmin-venv
UI_DIR=${HS_UI_DIR:-$STACK_DIR/pgadmin}
PID_FILE=$UI_DIR/pgadmin.pid
if [ -n "${HS_UI_PORT:-}" ]; then
    UI_PORT=$HS_UI_PORT
elif [ -n "${HS_PORT_BASE:-}" ]; then
    UI_PORT=$((HS_PORT_BASE + 5))
else
    UI_PORT=5050
fi

die() { echo "ui: $*" >&2; exit 1; }

install_pgadmin() {
    [ -f "$VENV/.complete-$PGADMIN_VERSION" ] && return 0
    echo "ui: installing pgAdmin $PGADMIN_VERSION into $VENV (about a minute)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "pgadmin4==$PGADMIN_VERSION" >&2 \
        || die "pip could not install pgadmin4==$PGADMIN_VERSION"
    touch "$VENV/.complete-$PGADMIN_VERSION"
}

running_pid() {
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# pgAdmin reads this file as its config_distro (CONFIG_DISTRO_FILE_PATH).
write_config() {
    cat >"$UI_DIR/config_distro.py" <<PY
SERVER_MODE = False                 # desktop mode: one local user, no login
DATA_DIR = '$UI_DIR/data'
LOG_FILE = '$UI_DIR/pgadmin.log'
DEFAULT_SERVER = '127.0.0.1'
DEFAULT_SERVER_PORT = $UI_PORT
MASTER_PASSWORD_REQUIRED = False    # the password is in a passfile, nothing to unlock
USE_OS_SECRET_STORAGE = False
UPGRADE_CHECK_ENABLED = False       # no call home
PY
}

# The stack's PostgreSQL, as its env file describes it; the password goes to a passfile
# (libpq's format: \ and : escaped).
write_servers() {
    local env_file=$STACK_DIR/env
    [ -f "$env_file" ] || die "no $env_file: run scripts/stack.sh start first"
    # shellcheck disable=SC1090
    (. "$env_file"
     umask 077
     printf '%s:%s:*:%s:%s\n' "$PGHOST" "$PGPORT" "$PGUSER" \
         "$(printf '%s' "$PGPASSWORD" | sed 's/[\\:]/\\&/g')" >"$UI_DIR/pgpass"
     jq -n --arg host "$PGHOST" --argjson port "$PGPORT" --arg db "$PGDATABASE" \
           --arg user "$PGUSER" --arg passfile "$UI_DIR/pgpass" \
        '{Servers: {"1": {Name: "housingsup (local)", Group: "Servers", Host: $host,
                          Port: $port, MaintenanceDB: $db, Username: $user,
                          ConnectionParameters: {sslmode: "prefer", connect_timeout: 10,
                                                 passfile: $passfile}}}}' \
        >"$UI_DIR/servers.json")
}

pgadmin() { CONFIG_DISTRO_FILE_PATH=$UI_DIR/config_distro.py "$@"; }

answers() { curl -sf -o /dev/null "http://127.0.0.1:$UI_PORT/misc/ping"; }

start() {
    if pid=$(running_pid); then
        echo "ui: pgAdmin already runs (pid $pid): $(url)"
        return 0
    fi
    # Another program on the port would answer the wait below in pgAdmin's place.
    ss -Hltn "sport = :$UI_PORT" | grep -q . &&
        die "port $UI_PORT is in use by another program (set HS_UI_PORT to another port)"
    install_pgadmin
    mkdir -p "$UI_DIR/data"
    chmod 700 "$UI_DIR"
    write_config
    write_servers
    # setup-db creates (or upgrades) pgAdmin's SQLite database and its desktop user;
    # --replace drops what an earlier start registered (another port, say).
    { pgadmin "$VENV/bin/pgadmin4-cli" setup-db &&
      pgadmin "$VENV/bin/pgadmin4-cli" load-servers "$UI_DIR/servers.json" --replace; } \
        >"$UI_DIR/load-servers.log" 2>&1 || die "load-servers failed; see $UI_DIR/load-servers.log"
    grep -q "and 1 Server(s)" "$UI_DIR/load-servers.log" || die "no server registered; see $UI_DIR/load-servers.log"
    CONFIG_DISTRO_FILE_PATH=$UI_DIR/config_distro.py setsid "$VENV/bin/pgadmin4" \
        >>"$UI_DIR/pgadmin.out" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    for _ in $(seq 240); do
        answers && { echo "ui: pgAdmin $PGADMIN_VERSION on $(url) (stop: scripts/ui.sh stop)"; return 0; }
        running_pid >/dev/null || die "pgAdmin exited; see $UI_DIR/pgadmin.out and $UI_DIR/pgadmin.log"
        sleep 0.5
    done
    die "pgAdmin does not answer on $(url) after 120 s; see $UI_DIR/pgadmin.out"
}

stop() {
    local pid
    pid=$(running_pid) || { rm -f "$PID_FILE"; return 0; }
    kill "$pid"
    for _ in $(seq 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$PID_FILE"
}

url() { echo "http://127.0.0.1:$UI_PORT/"; }

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
    if pid=$(running_pid); then echo "pgAdmin: running on $(url) (pid $pid)"; else echo "pgAdmin: stopped"; exit 3; fi
    ;;
url) url ;;
*)
    echo "usage: scripts/ui.sh start|stop|status|url" >&2
    exit 64
    ;;
esac
