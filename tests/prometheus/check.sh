#!/usr/bin/env bash
# check.sh - the Prometheus endpoint as a real Prometheus server (Debian's)
# sees it: it scrapes housingsup every second while housing.csv goes through,
# and its query API must report the target up, the rows the writers committed
# equal to the table's count, and a writer's restart after a SIGKILL. It runs
# the compose Prometheus configuration (scripts/monitoring/prometheus.yml, its
# target, interval and rules path rewritten), so the alerting rules must load
# and evaluate, and every query of the Grafana dashboard must return data.
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
monitoring=$PWD/scripts/monitoring
sed -e 's/^  scrape_interval: 15s$/  scrape_interval: 1s\n  scrape_timeout: 1s/' \
    -e 's/^  evaluation_interval: 15s$/  evaluation_interval: 1s/' \
    -e "s|/etc/prometheus/housingsup.rules.yml|$monitoring/housingsup.rules.yml|" \
    -e "s|\"housingsup:9400\"|\"127.0.0.1:$hs_port\"|" "$monitoring/prometheus.yml" >"$work/prometheus.yml"

echo "1..8"
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

rules_ok() { # every rule of housingsup.rules.yml loaded and evaluated without error
    local rules
    rules=$(grep -c '^ *- alert:' "$monitoring/housingsup.rules.yml")
    curl -sf "http://127.0.0.1:$prom_port/api/v1/rules" |
        jq -e --argjson n "$rules" '[.data.groups[].rules[]] | length == $n and all(.health == "ok")' >/dev/null
}
check "Prometheus loads the alerting rules and evaluates them without error" rules_ok
check "every query of the Grafana dashboard returns data" python3 tests/monitoring/dashboard_queries.py \
    "http://127.0.0.1:$prom_port" 60 "$monitoring/grafana/dashboards/housingsup.json"
check "HousingsupDown does not fire while housingsup runs" \
    query_equals 'count(ALERTS{alertname="HousingsupDown"}) or vector(0)' 0 5
"$BIN" stop -c "$work/housingsup.conf" >/dev/null 2>&1
down_expr=$(python3 -c 'import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))["groups"][0]["rules"]
print(next(r["expr"] for r in rules if r.get("alert") == "HousingsupDown"))' "$monitoring/housingsup.rules.yml")
check "after housingsup stops, HousingsupDown's expression holds (it fires 1 min later)" \
    query_equals "count($down_expr)" 1 30
