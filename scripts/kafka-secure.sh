#!/usr/bin/env bash
# kafka-secure.sh - a single-node Apache Kafka in KRaft mode on 127.0.0.1 with
# authenticated and encrypted client listeners, for testing housingsup's
# security settings. Data, logs and TLS files live in $HS_SECURE_DIR (default
# .stack/secure in this checkout).
#
#   scripts/kafka-secure.sh start | stop | status | wipe
#
# Listeners: PLAINTEXT (admin, topic creation; also inter-broker), SASL_PLAINTEXT
# with mechanism PLAIN (user housingsup, password hs-secret) and SSL (server
# authentication only, by a self-signed CA made with openssl in
# $HS_SECURE_DIR/tls; the broker certificate names 127.0.0.1 and localhost).
# Ports: HS_SECURE_PORT_BASE, or one derived from $HS_SECURE_DIR's path
# (45000-49994, clear of stack.sh and kafka-cluster.sh): PLAINTEXT base+1,
# SASL_PLAINTEXT base+2, SSL base+3, controller base+4. After start,
# $HS_SECURE_DIR/env exports HS_SECURE_PLAINTEXT, HS_SECURE_SASL, HS_SECURE_SSL
# (host:port each), HS_SECURE_CA (ca.pem) and HS_SECURE_SASL_USER/_PASSWORD.
# The broker jars come from $HS_STACK_DIR/kafka-libs (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
case "${1:-}" in
start | stop | status | wipe) ;;
*) echo "usage: scripts/kafka-secure.sh start|stop|status|wipe" >&2; exit 64 ;;
esac

SECURE_DIR=${HS_SECURE_DIR:-${HS_STACK_DIR:-$ROOT/.stack}/secure}
mkdir -p "$SECURE_DIR"
SECURE_DIR=$(cd "$SECURE_DIR" && pwd)
if [ -z "${HS_SECURE_PORT_BASE:-}" ]; then
    HS_SECURE_PORT_BASE=$(( 45000 + ($(printf '%s' "$SECURE_DIR" | cksum | cut -d' ' -f1) % 500) * 10 ))
fi
PLAINTEXT_PORT=$((HS_SECURE_PORT_BASE + 1))
SASL_PORT=$((HS_SECURE_PORT_BASE + 2))
SSL_PORT=$((HS_SECURE_PORT_BASE + 3))
CONTROLLER_PORT=$((HS_SECURE_PORT_BASE + 4))
KAFKA_LIBS=${HS_STACK_DIR:-$ROOT/.stack}/kafka-libs
KAFKA_DIR=$SECURE_DIR/kafka
TLS_DIR=$SECURE_DIR/tls
SASL_USER=housingsup
SASL_PASSWORD=hs-secret
KEYSTORE_PASSWORD=hs-keystore   # a throwaway local test keystore

die() { echo "kafka-secure: $*" >&2; exit 1; }
# shellcheck source=scripts/kafka-node.sh
. "$ROOT/scripts/kafka-node.sh"

kafka_ready() { kcat -b "127.0.0.1:$PLAINTEXT_PORT" -L -m 2 2>/dev/null | grep -q "1 brokers"; }

# A self-signed CA (ca.pem) and a broker certificate signed by it, for
# 127.0.0.1 and localhost, packed with its key into the PKCS12 keystore Kafka reads.
tls_init() {
    [ -f "$TLS_DIR/broker.p12" ] && return 0
    mkdir -p "$TLS_DIR"
    (
        cd "$TLS_DIR"
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=housingsup test CA" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
            -keyout ca.key -out ca.pem
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout broker.key -out broker.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >broker.ext
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile broker.ext -out broker.pem
        openssl pkcs12 -export -name broker -in broker.pem -inkey broker.key -certfile ca.pem \
            -passout "pass:$KEYSTORE_PASSWORD" -out broker.p12
        chmod 644 ca.pem
    ) >"$SECURE_DIR/tls.log" 2>&1 || die "making the TLS files failed; see $SECURE_DIR/tls.log"
}

kafka_configure() {
    mkdir -p "$KAFKA_DIR"
    {
        cat <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PLAINTEXT_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PLAINTEXT_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$KEYSTORE_PASSWORD
ssl.key.password=$KEYSTORE_PASSWORD
ssl.client.auth=none
CONF
        kafka_node_storage_properties "$KAFKA_DIR/data" 1 1
    } >"$KAFKA_DIR/server.properties"
    kafka_node_prepare "$KAFKA_DIR" "$(kafka_new_cluster_id)"
}

kafka_start() {
    if [ -z "$(kafka_node_pid "$KAFKA_DIR")" ]; then
        tls_init
        kafka_configure
        kafka_node_start "$KAFKA_DIR" "-Xms128m -Xmx384m"
    fi
    wait_for 90 kafka_ready || die "Kafka is not ready on 127.0.0.1:$PLAINTEXT_PORT; see $KAFKA_DIR/server.log"
}

kafka_stop() { kafka_nodes_stop "$KAFKA_DIR"; }

write_env() {
    umask 077
    cat >"$SECURE_DIR/env" <<ENV
export HS_SECURE_DIR=$SECURE_DIR
export HS_SECURE_PORT_BASE=$HS_SECURE_PORT_BASE
export HS_SECURE_PLAINTEXT=127.0.0.1:$PLAINTEXT_PORT
export HS_SECURE_SASL=127.0.0.1:$SASL_PORT
export HS_SECURE_SSL=127.0.0.1:$SSL_PORT
export HS_SECURE_CA=$TLS_DIR/ca.pem
export HS_SECURE_SASL_USER=$SASL_USER
export HS_SECURE_SASL_PASSWORD=$SASL_PASSWORD
ENV
}

case "${1:-}" in
start)
    kafka_start
    write_env
    echo "kafka-secure: PLAINTEXT 127.0.0.1:$PLAINTEXT_PORT, SASL_PLAINTEXT 127.0.0.1:$SASL_PORT, SSL 127.0.0.1:$SSL_PORT ($SECURE_DIR)"
    ;;
stop)
    kafka_stop
    ;;
status)
    pid=$(kafka_node_pid "$KAFKA_DIR") && echo "Kafka: running on 127.0.0.1:$PLAINTEXT_PORT/$SASL_PORT/$SSL_PORT (pid $pid)" \
        || echo "Kafka: stopped"
    ;;
wipe)
    kafka_stop
    rm -rf "$KAFKA_DIR" "$TLS_DIR" "$SECURE_DIR/tls.log" "$SECURE_DIR/env"
    ;;
esac
