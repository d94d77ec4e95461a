#!/usr/bin/env bash
# demo.sh - the main job, end to end on real servers: start a fresh local
# Kafka and PostgreSQL (scripts/stack.sh), run housingsup over
# data/housing.csv, wait until every row is committed (by polling), print a
# summary from the table, and stop everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=build/release/housingsup
STACK_DIR=${HS_STACK_DIR:-$PWD/.stack}
RUN_DIR=$STACK_DIR/demo
TIMEOUT_S=${HS_DEMO_TIMEOUT:-180}

cleanup() {
    [ -f "$RUN_DIR/housingsup.conf" ] && "$BIN" stop -c "$RUN_DIR/housingsup.conf" >/dev/null 2>&1 || true
    scripts/stack.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

scripts/stack.sh wipe >/dev/null 2>&1 || true   # every demo starts from empty servers
scripts/stack.sh start
# shellcheck disable=SC1091
source "$STACK_DIR/env"

rm -rf "$RUN_DIR"      # and from no checkpoint: the whole file is ingested
mkdir -p "$RUN_DIR"
cat > "$RUN_DIR/housingsup.conf" <<CONF
csv_path = "$PWD/data/housing.csv"
state_dir = "$RUN_DIR"
kafka { bootstrap_servers = "$HS_KAFKA_BOOTSTRAP" }
CONF

expected=$(( $(grep -cv '^[[:space:]]*$' data/housing.csv) - 1 ))
"$BIN" start -c "$RUN_DIR/housingsup.conf"

count=0
for _ in $(seq $((TIMEOUT_S * 10))); do
    count=$(psql -XAtqc "SELECT COUNT(*) FROM housing")
    [ "$count" -ge "$expected" ] && break
    sleep 0.1
done
"$BIN" status -c "$RUN_DIR/housingsup.conf"
"$BIN" stop -c "$RUN_DIR/housingsup.conf" >/dev/null

if [ "$count" -ne "$expected" ]; then
    echo "demo: only $count of $expected rows arrived within ${TIMEOUT_S}s; see $RUN_DIR/housingsup.log" >&2
    exit 1
fi
echo
echo "Rows ingested from data/housing.csv through Kafka topic housing-data into PostgreSQL:"
psql -Xqc "SELECT COUNT(*) AS rows, ROUND(AVG(medv)::numeric, 4) AS avg_medv,
                  MIN(medv) AS min_medv, MAX(medv) AS max_medv FROM housing"
