#!/usr/bin/env bash
# kafka-secure.sh - a single-node Apache Kafka in KRaft mode on 127.0.0.1 with
# authenticated and encrypted client listeners, for testing housingsup's
# security settings. Data, logs and TLS files live in $HS_SECURE_DIR (default
# .stack/secure in this checkout).
#
#   scripts/kafka-secure.sh start | stop | status | wipe
#
# Listeners: PLAINTEXT (admin, topic creation; also inter-broker), SASL_PLAINTEXT
# with mechanism PLAIN (user housingsup, password hs-secret), SSL (server
# authentication only, by a self-signed CA made with openssl in
# $HS_SECURE_DIR/tls; the broker certificate names 127.0.0.1 and localhost),
# SCRAM: SASL_PLAINTEXT with SCRAM-SHA-512 (user housingsup-scram, password
# hs-scram-secret, stored at format time with StorageTool --add-scram), and
# MTLS: SSL with ssl.client.auth=required, trusting the same CA. client.pem
# (key client.key, encrypted with hs-key-secret) is a client certificate of
# that CA; other-client.pem/.key one of another CA (other-ca.pem).
# Ports: HS_SECURE_PORT_BASE, or one derived from $HS_SECURE_DIR's path
# (45000-49994, clear of stack.sh and kafka-cluster.sh): PLAINTEXT base+1,
# SASL_PLAINTEXT base+2, SSL base+3, controller base+4, SCRAM base+5, MTLS
# base+6. After start, $HS_SECURE_DIR/env exports HS_SECURE_PLAINTEXT,
# HS_SECURE_SASL, HS_SECURE_SSL, HS_SECURE_SCRAM, HS_SECURE_MTLS (host:port
# each), HS_SECURE_CA (ca.pem), HS_SECURE_TLS_DIR (the TLS files),
# HS_SECURE_SASL_USER/_PASSWORD, HS_SECURE_SCRAM_USER/_PASSWORD and
# HS_SECURE_KEY_PASSWORD.
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
KAFKA_LIBS=${HS_STACK_DIR:-$ROOT/.stack}/kafka-libs
KAFKA_DIR=$SECURE_DIR/kafka
TLS_DIR=$SECURE_DIR/tls
SASL_USER=housingsup
SASL_PASSWORD=hs-secret
SCRAM_USER=housingsup-scram
SCRAM_PASSWORD=hs-scram-secret
KEY_PASSWORD=hs-key-secret      # the client key's passphrase
KEYSTORE_PASSWORD=hs-keystore   # a throwaway local test keystore

die() { echo "kafka-secure: $*" >&2; exit 1; }
# shellcheck source=scripts/kafka-node.sh
. "$ROOT/scripts/kafka-node.sh"
# shellcheck source=scripts/tls.sh
. "$ROOT/scripts/tls.sh"
HS_SECURE_PORT_BASE=${HS_SECURE_PORT_BASE:-$(path_port_base "$SECURE_DIR" 45000 500)}
PLAINTEXT_PORT=$((HS_SECURE_PORT_BASE + 1))
SASL_PORT=$((HS_SECURE_PORT_BASE + 2))
SSL_PORT=$((HS_SECURE_PORT_BASE + 3))
CONTROLLER_PORT=$((HS_SECURE_PORT_BASE + 4))
SCRAM_PORT=$((HS_SECURE_PORT_BASE + 5))
MTLS_PORT=$((HS_SECURE_PORT_BASE + 6))

kafka_ready() { kcat -b "127.0.0.1:$PLAINTEXT_PORT" -L -m 2 2>/dev/null | grep -q "1 brokers"; }

# A self-signed CA (ca.pem) and a broker certificate signed by it, for
# 127.0.0.1 and localhost, packed with its key into the PKCS12 keystore Kafka
# reads; a client certificate of the same CA, and one of another CA.
tls_init() {
    [ -f "$TLS_DIR/other-client.pem" ] && return 0
    rm -rf "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    (
        cd "$TLS_DIR"
        umask 077
        tls_ca ca "housingsup test CA"
        tls_cert broker ca 127.0.0.1 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
        openssl pkcs12 -export -name broker -in broker.pem -inkey broker.key -certfile ca.pem \
            -passout "pass:$KEYSTORE_PASSWORD" -out broker.p12
        tls_cert client ca housingsup-client 'extendedKeyUsage=clientAuth' "$KEY_PASSWORD"
        tls_ca other-ca "another CA"
        tls_cert other-client other-ca housingsup-client 'extendedKeyUsage=clientAuth'
        chmod 644 ca.pem other-ca.pem client.pem other-client.pem
    ) >"$SECURE_DIR/tls.log" 2>&1 || die "making the TLS files failed; see $SECURE_DIR/tls.log"
}

kafka_configure() {
    mkdir -p "$KAFKA_DIR"
    {
        cat <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PLAINTEXT_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SCRAM://127.0.0.1:$SCRAM_PORT,MTLS://127.0.0.1:$MTLS_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PLAINTEXT_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT,SCRAM://127.0.0.1:$SCRAM_PORT,MTLS://127.0.0.1:$MTLS_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT,SCRAM:SASL_PLAINTEXT,MTLS:SSL
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$KEYSTORE_PASSWORD
ssl.key.password=$KEYSTORE_PASSWORD
ssl.client.auth=none
listener.name.scram.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.mtls.ssl.client.auth=required
listener.name.mtls.ssl.truststore.type=PEM
listener.name.mtls.ssl.truststore.location=$TLS_DIR/ca.pem
CONF
        kafka_node_storage_properties "$KAFKA_DIR/data" 1 1
    } >"$KAFKA_DIR/server.properties"
    # the SCRAM user is stored when the storage is formatted: a node
    # formatted before it had one is formatted again
    [ -f "$KAFKA_DIR/data/.scram" ] || rm -rf "$KAFKA_DIR/data"
    kafka_node_prepare "$KAFKA_DIR" "$(kafka_new_cluster_id)" \
        --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]"
    touch "$KAFKA_DIR/data/.scram"
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
export HS_SECURE_SCRAM=127.0.0.1:$SCRAM_PORT
export HS_SECURE_MTLS=127.0.0.1:$MTLS_PORT
export HS_SECURE_CA=$TLS_DIR/ca.pem
export HS_SECURE_TLS_DIR=$TLS_DIR
export HS_SECURE_SCRAM_USER=$SCRAM_USER
export HS_SECURE_SCRAM_PASSWORD=$SCRAM_PASSWORD
export HS_SECURE_KEY_PASSWORD=$KEY_PASSWORD
export HS_SECURE_SASL_USER=$SASL_USER
export HS_SECURE_SASL_PASSWORD=$SASL_PASSWORD
ENV
}

case "${1:-}" in
start)
    kafka_start
    write_env
    echo "kafka-secure: PLAINTEXT 127.0.0.1:$PLAINTEXT_PORT, SASL_PLAINTEXT 127.0.0.1:$SASL_PORT, SSL 127.0.0.1:$SSL_PORT, SCRAM 127.0.0.1:$SCRAM_PORT, MTLS 127.0.0.1:$MTLS_PORT ($SECURE_DIR)"
    ;;
stop)
    kafka_stop
    ;;
status)
    pid=$(kafka_node_pid "$KAFKA_DIR") && echo "Kafka: running on 127.0.0.1:$PLAINTEXT_PORT/$SASL_PORT/$SSL_PORT/$SCRAM_PORT/$MTLS_PORT (pid $pid)" \
        || echo "Kafka: stopped"
    ;;
wipe)
    kafka_stop
    rm -rf "$KAFKA_DIR" "$TLS_DIR" "$SECURE_DIR/tls.log" "$SECURE_DIR/env"
    ;;
esac
