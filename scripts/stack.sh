#!/usr/bin/env bash
# stack.sh - the local servers housingsup runs against: a single-node Apache
# Kafka in KRaft mode and a PostgreSQL 15, both on 127.0.0.1, both kept in
# $HS_STACK_DIR (default .stack/ in this checkout).
#
#   scripts/stack.sh start | stop | status | wipe | restart-kafka | restart-pg | psql [ARGS]
#
# Ports: HS_PORT_BASE, or one derived from this checkout's path, so two
# checkouts can run side by side: PostgreSQL base+1, Kafka base+2, Kafka's
# controller base+3. After start, $HS_STACK_DIR/env holds the PG* variables
# and HS_KAFKA_BOOTSTRAP for clients. PostgreSQL refuses to run as root, so
# it runs as the unprivileged "postgres" user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

STACK_DIR=${HS_STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
if [ -z "${HS_PORT_BASE:-}" ]; then
    HS_PORT_BASE=$(( 20000 + ($(printf '%s' "$STACK_DIR" | cksum | cut -d' ' -f1) % 2000) * 10 ))
fi
PG_PORT=$((HS_PORT_BASE + 1))
KAFKA_PORT=$((HS_PORT_BASE + 2))
CONTROLLER_PORT=$((HS_PORT_BASE + 3))
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR=$STACK_DIR/pg
KAFKA_DIR=$STACK_DIR/kafka
KAFKA_LIBS=$STACK_DIR/kafka-libs
PG_USER=postgres

die() { echo "stack: $*" >&2; exit 1; }
# shellcheck source=scripts/kafka-node.sh
. "$ROOT/scripts/kafka-node.sh"
as_pg() { runuser -u "$PG_USER" -- "$@"; }

# ---- PostgreSQL ----

pg_running() { [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; }

pg_init() {
    [ -f "$PG_DIR/data/PG_VERSION" ] && return 0
    mkdir -p "$PG_DIR"
    chown "$PG_USER" "$PG_DIR"
    chmod o+x "$STACK_DIR"   # the postgres user must reach its directory
    local pwfile=$PG_DIR/.pw
    as_pg sh -c "umask 077; echo postgres-local > '$pwfile'"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$pwfile" -A scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || die "initdb failed; see $PG_DIR/initdb.log"
    cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
fsync = on
track_commit_timestamp = on   # lets benchmarks read each row's commit time
CONF
}

pg_start() {
    pg_init
    if ! pg_running; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -o "-p $PG_PORT" start >/dev/null \
            || die "PostgreSQL did not start; see $PG_DIR/postgres.log"
    fi
    wait_for 30 "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL is not ready on 127.0.0.1:$PG_PORT; see $PG_DIR/postgres.log"
    pg_bootstrap_database
}

pg_bootstrap_database() {
    local admin=(env PGPASSWORD=postgres-local psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
    "${admin[@]}" -d postgres <<'SQL' >/dev/null
SELECT 'CREATE ROLE kafka_user LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kafka_user')\gexec
ALTER ROLE kafka_user PASSWORD 'kafka_pass';
SELECT 'CREATE DATABASE kafka_streaming OWNER kafka_user' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'kafka_streaming')\gexec
SQL
    PGPASSWORD=kafka_pass psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U kafka_user \
        -d kafka_streaming -f "$ROOT/init.sql" >/dev/null 2>&1 || die "applying init.sql failed"
}

pg_stop() {
    pg_running && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
    return 0
}

# ---- Kafka ----

kafka_ready() { kcat -b "127.0.0.1:$KAFKA_PORT" -L -m 2 2>/dev/null | grep -q "1 brokers"; }

kafka_configure() {
    mkdir -p "$KAFKA_DIR"
    {
        cat <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
CONF
        kafka_node_storage_properties "$KAFKA_DIR/data" 1 1
    } >"$KAFKA_DIR/server.properties"
    kafka_node_prepare "$KAFKA_DIR" "$(kafka_new_cluster_id)"
}

kafka_start() {
    if [ -z "$(kafka_node_pid "$KAFKA_DIR")" ]; then
        kafka_configure
        kafka_node_start "$KAFKA_DIR" "-Xms256m -Xmx512m"
    fi
    wait_for 90 kafka_ready || die "Kafka is not ready on 127.0.0.1:$KAFKA_PORT; see $KAFKA_DIR/server.log"
}

kafka_stop() { kafka_nodes_stop "$KAFKA_DIR"; }

write_env() {
    umask 077
    cat >"$STACK_DIR/env" <<ENV
export HS_STACK_DIR=$STACK_DIR
export HS_PORT_BASE=$HS_PORT_BASE
export HS_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
export PGHOST=127.0.0.1
export PGPORT=$PG_PORT
export PGUSER=kafka_user
export PGDATABASE=kafka_streaming
export PGPASSWORD=kafka_pass
ENV
}

case "${1:-}" in
start)
    pg_start
    kafka_start
    write_env
    echo "stack: PostgreSQL on 127.0.0.1:$PG_PORT, Kafka on 127.0.0.1:$KAFKA_PORT ($STACK_DIR)"
    ;;
stop)
    kafka_stop
    pg_stop
    ;;
status)
    pg_running && echo "PostgreSQL: running on 127.0.0.1:$PG_PORT" || echo "PostgreSQL: stopped"
    pid=$(kafka_node_pid "$KAFKA_DIR") && echo "Kafka: running on 127.0.0.1:$KAFKA_PORT (pid $pid)" || echo "Kafka: stopped"
    ;;
wipe)
    kafka_stop
    pg_stop
    rm -rf "$PG_DIR" "$KAFKA_DIR" "$STACK_DIR/env"
    ;;
restart-kafka)
    kafka_stop
    kafka_start
    ;;
restart-pg)
    pg_stop
    pg_start
    ;;
stop-kafka)
    kafka_stop
    ;;
start-kafka)
    kafka_start
    ;;
psql)
    shift
    write_env
    # shellcheck disable=SC1091
    source "$STACK_DIR/env"
    exec psql -X "$@"
    ;;
*)
    echo "usage: scripts/stack.sh start|stop|status|wipe|restart-kafka|restart-pg|stop-kafka|start-kafka|psql [ARGS]" >&2
    exit 64
    ;;
esac
