#!/usr/bin/env bash
# setup.sh - install what housingsup needs and is missing: Debian packages
# (only when one is absent: apt-get update, then install; Podman, runc and mmdebstrap
# for the container image, scripts/container/) and the Kafka broker
# jars from Maven Central (scripts/kafka/pom.xml -> $HS_STACK_DIR/kafka-libs), and a
# Python venv with check-jsonschema for the Compose check ($HS_STACK_DIR/tools-venv).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK_DIR=${HS_STACK_DIR:-$PWD/.stack}
PACKAGES="build-essential pkg-config librdkafka-dev libjsmn-dev libconfuse-dev libpq-dev zlib1g-dev
          libcmocka-dev libmicrohttpd-dev postgresql-15 postgresql-client-15 clang libclang-rt-14-dev kafkacat
          spin jq curl prometheus groff-base man-db python3-yaml systemd
          podman runc mmdebstrap"

missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    # Packages such as postgresql and prometheus start a system-wide server on
    # their default ports when installed where an init system runs; this
    # project starts its own, on 127.0.0.1 and ports of its own, so forbid
    # that for the install (Debian's policy-rc.d: 101 = action forbidden).
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        trap '$SUDO rm -f "$policy"' EXIT
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -f "$STACK_DIR/kafka-libs/.complete" ]; then
    echo "setup: fetching the Kafka broker from Maven Central"
    mkdir -p "$STACK_DIR"
    rm -rf "$STACK_DIR/kafka-libs"
    mvn -q -B -f scripts/kafka/pom.xml dependency:copy-dependencies \
        -DoutputDirectory="$STACK_DIR/kafka-libs"
    touch "$STACK_DIR/kafka-libs/.complete"
fi

if [ ! -f "$STACK_DIR/tools-venv/.complete" ]; then
    echo "setup: installing check-jsonschema (it ships the Compose schema) into $STACK_DIR/tools-venv"
    rm -rf "$STACK_DIR/tools-venv"
    python3 -m venv "$STACK_DIR/tools-venv"
    "$STACK_DIR/tools-venv/bin/pip" install -q --disable-pip-version-check check-jsonschema pyyaml
    touch "$STACK_DIR/tools-venv/.complete"
fi
