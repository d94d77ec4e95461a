#!/usr/bin/env bash
# kafka-cluster.sh - a 3-broker Apache Kafka cluster in KRaft mode on 127.0.0.1,
# for testing housingsup against replication and broker failures. Each node is
# both broker and controller (node.id 1..3, all three vote), topics default to
# replication factor 3 with min.insync.replicas=2. Data and logs live in
# $HS_CLUSTER_DIR (default $HS_STACK_DIR/cluster, .stack/cluster in this checkout), one nodeN/ each.
#
#   scripts/kafka-cluster.sh start | stop | status | wipe | restart-broker N
#
# Ports: HS_CLUSTER_PORT_BASE, or one derived from $HS_CLUSTER_DIR's path
# (40000-44990, clear of stack.sh's 20000-39993 and kafka-secure.sh's
# 45000-49994): broker N on base+N, its controller on base+3+N. After start,
# $HS_CLUSTER_DIR/env exports HS_KAFKA_BOOTSTRAP with all three brokers.
# The broker jars come from $HS_STACK_DIR/kafka-libs (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
case "${1:-}" in
start | stop | status | wipe) ;;
restart-broker) [[ "${2:-}" =~ ^[123]$ ]] || { echo "usage: scripts/kafka-cluster.sh restart-broker 1|2|3" >&2; exit 64; } ;;
*) echo "usage: scripts/kafka-cluster.sh start|stop|status|wipe|restart-broker N" >&2; exit 64 ;;
esac

CLUSTER_DIR=${HS_CLUSTER_DIR:-${HS_STACK_DIR:-$ROOT/.stack}/cluster}
mkdir -p "$CLUSTER_DIR"
CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)
if [ -z "${HS_CLUSTER_PORT_BASE:-}" ]; then
    HS_CLUSTER_PORT_BASE=$(( 40000 + ($(printf '%s' "$CLUSTER_DIR" | cksum | cut -d' ' -f1) % 500) * 10 ))
fi
KAFKA_LIBS=${HS_STACK_DIR:-$ROOT/.stack}/kafka-libs
NODES="1 2 3"
broker_port() { echo $((HS_CLUSTER_PORT_BASE + $1)); }
controller_port() { echo $((HS_CLUSTER_PORT_BASE + 3 + $1)); }
BOOTSTRAP=127.0.0.1:$(broker_port 1),127.0.0.1:$(broker_port 2),127.0.0.1:$(broker_port 3)
VOTERS=1@127.0.0.1:$(controller_port 1),2@127.0.0.1:$(controller_port 2),3@127.0.0.1:$(controller_port 3)

die() { echo "kafka-cluster: $*" >&2; exit 1; }
# shellcheck source=scripts/kafka-node.sh
. "$ROOT/scripts/kafka-node.sh"

node_dir() { echo "$CLUSTER_DIR/node$1"; }
cluster_ready() { kcat -b "$BOOTSTRAP" -L -m 2 2>/dev/null | grep -q "3 brokers"; }

# Writes node $1's configuration and formats its storage with cluster id $2.
node_configure() {
    local dir=$CLUSTER_DIR/node$1
    mkdir -p "$dir"
    {
        cat <<CONF
process.roles=broker,controller
node.id=$1
controller.quorum.voters=$VOTERS
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$1"),CONTROLLER://127.0.0.1:$(controller_port "$1")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$1")
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
CONF
        kafka_node_storage_properties "$dir/data" 3 2
    } >"$dir/server.properties"
    kafka_node_prepare "$dir" "$2"
}

cluster_start() {
    # All three nodes must be formatted with the same cluster id.
    [ -f "$CLUSTER_DIR/cluster.id" ] || kafka_new_cluster_id >"$CLUSTER_DIR/cluster.id"
    local i
    for i in $NODES; do node_configure "$i" "$(cat "$CLUSTER_DIR/cluster.id")"; done
    for i in $NODES; do kafka_node_start "$(node_dir "$i")" "-Xms128m -Xmx384m"; done
    wait_for 120 cluster_ready || die "the cluster did not report 3 brokers on $BOOTSTRAP; see $CLUSTER_DIR/node*/server.log"
}

cluster_stop() { kafka_nodes_stop "$(node_dir 1)" "$(node_dir 2)" "$(node_dir 3)"; }

# Stops broker $1 and starts it again; the others keep serving meanwhile.
restart_broker() {
    kafka_nodes_stop "$(node_dir "$1")"
    kafka_node_start "$(node_dir "$1")" "-Xms128m -Xmx384m"
    wait_for 120 cluster_ready || die "broker $1 did not rejoin; see $(node_dir "$1")/server.log"
}

write_env() {
    umask 077
    cat >"$CLUSTER_DIR/env" <<ENV
export HS_CLUSTER_DIR=$CLUSTER_DIR
export HS_CLUSTER_PORT_BASE=$HS_CLUSTER_PORT_BASE
export HS_KAFKA_BOOTSTRAP=$BOOTSTRAP
ENV
}

case "${1:-}" in
start)
    cluster_start
    write_env
    echo "kafka-cluster: 3 brokers on $BOOTSTRAP ($CLUSTER_DIR)"
    ;;
stop)
    cluster_stop
    ;;
status)
    for i in $NODES; do
        pid=$(kafka_node_pid "$(node_dir "$i")") && echo "node $i: running on 127.0.0.1:$(broker_port "$i") (pid $pid)" \
            || echo "node $i: stopped"
    done
    ;;
restart-broker)
    restart_broker "$2"
    ;;
wipe)
    cluster_stop
    rm -rf "$CLUSTER_DIR"/node[123] "$CLUSTER_DIR/cluster.id" "$CLUSTER_DIR/env"
    ;;
esac
