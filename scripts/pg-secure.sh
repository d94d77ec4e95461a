#!/usr/bin/env bash
# pg-secure.sh - a small PostgreSQL 15 on 127.0.0.1 that takes connections
# over TLS only, for testing housingsup's postgres settings with
# sslmode=verify-full. Apart from the shared stack's PostgreSQL (stack.sh),
# which stays as it is for the benchmarks. Data, log and TLS files live in
# $HS_PGSECURE_DIR (default .stack/pgsecure in this checkout).
#
#   scripts/pg-secure.sh start | stop | status | wipe
#
# A self-signed CA made with openssl (tls/ca.pem) signs the server
# certificate, for 127.0.0.1 and localhost; tls/other-ca.pem is a CA that
# signed nothing here. pg_hba.conf takes hostssl with scram-sha-256 and
# rejects everything else over TCP. Database housing_tls belongs to user
# hs_tls, password hs-tls-secret. Port: HS_PGSECURE_PORT, or one derived
# from $HS_PGSECURE_DIR's path (50001-54991, clear of the other scripts').
# After start, $HS_PGSECURE_DIR/env exports HS_PGTLS_PORT, HS_PGTLS_DB,
# HS_PGTLS_USER, HS_PGTLS_PASSWORD, HS_PGTLS_CA and HS_PGTLS_OTHER_CA.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
case "${1:-}" in
start | stop | status | wipe) ;;
*) echo "usage: scripts/pg-secure.sh start|stop|status|wipe" >&2; exit 64 ;;
esac

DIR=${HS_PGSECURE_DIR:-${HS_STACK_DIR:-$ROOT/.stack}/pgsecure}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=postgres
TLS_DIR=$DIR/tls
DB=housing_tls
DB_USER=hs_tls
DB_PASSWORD=hs-tls-secret

die() { echo "pg-secure: $*" >&2; exit 1; }
# shellcheck source=scripts/kafka-node.sh
. "$ROOT/scripts/kafka-node.sh"   # wait_for
# shellcheck source=scripts/tls.sh
. "$ROOT/scripts/tls.sh"
PORT=${HS_PGSECURE_PORT:-$(path_port_base "$DIR" 50001 500)}
as_pg() { runuser -u "$PG_USER" -- "$@"; }
running() { [ -f "$DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }

tls_init() {
    [ -f "$TLS_DIR/other-ca.pem" ] && return 0
    rm -rf "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    (
        cd "$TLS_DIR"
        umask 077
        tls_ca ca "housingsup PostgreSQL test CA"
        tls_cert server ca 127.0.0.1 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
        tls_ca other-ca "another CA"
        chmod 644 ca.pem other-ca.pem server.pem
        chown "$PG_USER" server.key   # PostgreSQL wants its key its own, mode 0600
    ) >"$DIR/tls.log" 2>&1 || die "making the TLS files failed; see $DIR/tls.log"
    chmod o+x "$(dirname "$DIR")" "$DIR" "$TLS_DIR"   # the postgres user must reach them
}

pg_init() {
    [ -f "$DIR/data/PG_VERSION" ] && return 0
    chown "$PG_USER" "$DIR"
    as_pg "$PG_BIN/initdb" -D "$DIR/data" -U postgres -A peer -E UTF8 --locale=C.UTF-8 \
        >"$DIR/initdb.log" 2>&1 || die "initdb failed; see $DIR/initdb.log"
    cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
shared_buffers = 16MB
max_connections = 20
ssl = on
ssl_cert_file = '$TLS_DIR/server.pem'
ssl_key_file = '$TLS_DIR/server.key'
CONF
    cat >"$DIR/data/pg_hba.conf" <<CONF
local     all  postgres                peer
hostssl   all  all       127.0.0.1/32  scram-sha-256
hostnossl all  all       0.0.0.0/0     reject
CONF
}

start() {
    tls_init
    pg_init
    if ! running; then
        as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" start >/dev/null \
            || die "PostgreSQL did not start; see $DIR/postgres.log"
    fi
    wait_for 30 "$PG_BIN/pg_isready" -h "$DIR" -p "$PORT" || die "PostgreSQL is not ready on port $PORT; see $DIR/postgres.log"
    as_pg psql -X -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT 'CREATE ROLE $DB_USER LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD';
SELECT 'CREATE DATABASE $DB OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB') \gexec
SQL
    umask 077
    cat >"$DIR/env" <<ENV
export HS_PGSECURE_DIR=$DIR
export HS_PGTLS_PORT=$PORT
export HS_PGTLS_DB=$DB
export HS_PGTLS_USER=$DB_USER
export HS_PGTLS_PASSWORD=$DB_PASSWORD
export HS_PGTLS_CA=$TLS_DIR/ca.pem
export HS_PGTLS_OTHER_CA=$TLS_DIR/other-ca.pem
ENV
    echo "pg-secure: PostgreSQL over TLS on 127.0.0.1:$PORT ($DIR)"
}

case "$1" in
start) start ;;
stop) running && as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true ;;
status) running && echo "PostgreSQL (TLS): running on 127.0.0.1:$PORT" || echo "PostgreSQL (TLS): stopped" ;;
wipe)
    running && as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    rm -rf "$DIR/data" "$TLS_DIR" "$DIR"/*.log "$DIR/env"
    ;;
esac
