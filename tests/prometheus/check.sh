#!/usr/bin/env bash
# check.sh - the Prometheus endpoint as a real Prometheus server (Debian's)
# sees it: it scrapes housingsup every second while housing.csv goes through,
# and its query API must report the target up, the rows the writers committed
# equal to the table's count, and a writer's restart after a SIGKILL.
# Needs the stack's environment (tests/run.sh); prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${HOUSINGSUP_BIN:-build/asan/housingsup}
# shellcheck source=tests/tap.sh
. tests/tap.sh
work=$(mktemp -d "$PWD/build/prometheus-XXXXXX")
hs_port=$(free_port)
prom_port=$(free_port)
topic="prom-$$-$(date +%s)"
prom_pid=""

cleanup() {
    "$BIN" stop -c "$work/housingsup.conf" >/dev/null 2>&1
    [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Polls a PromQL query until its (first) value equals $2, up to $3 seconds.
query_equals() {
    local value=""
    for _ in $(seq $(($3 * 2))); do
        value=$(curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
                jq -r '.data.result[0].value[1] // empty')
        [ "$value" = "$2" ] && return 0
        sleep 0.5
    done
    echo "# $1 = '${value}', expected $2"
    return 1
}

cat >"$work/housingsup.conf" <<CONF
csv_path = "$PWD/data/housing.csv"
state_dir = "$work/run"
metrics_port = $hs_port
kafka { bootstrap_servers = "$HS_KAFKA_BOOTSTRAP" topic = "$topic" group_id = "$topic" }
CONF
cat >"$work/prometheus.yml" <<CONF
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: housingsup
    static_configs: [{targets: ["127.0.0.1:$hs_port"]}]
CONF

echo "1..4"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
psql -Xqc "DELETE FROM housing WHERE src_file LIKE 'housing.csv#%'"
"$BIN" start -c "$work/housingsup.conf" >/dev/null || echo "# housingsup did not start"

check "Prometheus scrapes the endpoint and finds it up" query_equals 'up{job="housingsup"}' 1 60
check "committed rows seen by Prometheus = 506" \
    query_equals 'sum(housingsup_records_out_total{role=~"writer-.*"})' 506 60
check "the table holds them: COUNT(*) = 506" \
    test "$(psql -XAtc "SELECT COUNT(*) FROM housing WHERE src_file LIKE 'housing.csv#%'")" = 506
writer=$(jq -r '.children[] | select(.role == "writer-0") | .pid' "$work/run/status.json")
kill -9 "$writer" 2>/dev/null
check "a killed writer's restart is counted in housingsup_restarts_total" \
    query_equals 'housingsup_restarts_total{role="writer-0"}' 1 30
