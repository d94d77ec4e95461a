#!/usr/bin/env bash
# check.sh - `make ui`'s pgAdmin as a person sees it: housing.csv goes through a real
# housingsup run into the housing table, scripts/ui.sh starts pgAdmin (its own directory
# and a free port), and headless Chromium (scripts/browser.sh) expands pgAdmin's tree to
# the registered server and the housing table and has pgAdmin count its rows, which must
# equal PostgreSQL's COUNT(*). HS_UI_SCREENSHOT=FILE keeps the browser's last screenshot
# (docs/pgadmin.png is one). Needs the stack's environment (tests/run.sh); prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${HOUSINGSUP_BIN:-build/asan/housingsup}
[ -n "${HS_KAFKA_BOOTSTRAP:-}" ] && [ -n "${PGPORT:-}" ] ||
    { echo "Bail out! needs the stack's environment (source .stack/env)"; exit 1; }
# shellcheck source=tests/tap.sh
. tests/tap.sh
work=$(mktemp -d "$PWD/build/ui-XXXXXX")
export HS_UI_DIR=$work/pgadmin HS_UI_PORT
HS_UI_PORT=$(free_port)
url=http://127.0.0.1:$HS_UI_PORT/
topic="ui-$$-$(date +%s)"
SERVER="housingsup (local)"

cleanup() {
    "$BIN" stop -c "$work/housingsup.conf" >/dev/null 2>&1
    scripts/ui.sh stop
    rm -rf "$work"
}
trap cleanup EXIT

landed() { # polls until the run's rows are all in the table, up to 120 s
    for _ in $(seq 240); do
        [ "$(psql -XAtc "SELECT COUNT(*) FROM housing WHERE src_file LIKE 'housing.csv#%'")" = 506 ] && return 0
        sleep 0.5
    done
    return 1
}

shown() { grep -qxF "$1" "$work/shown"; }

echo "1..11"
check "make ui's port: 5050 by default" \
    test "$(env -u HS_UI_PORT -u HS_PORT_BASE scripts/ui.sh url)" = http://127.0.0.1:5050/
check "make ui's port: HS_PORT_BASE+5 beside a stack with its own base" \
    test "$(env -u HS_UI_PORT HS_PORT_BASE=30000 scripts/ui.sh url)" = http://127.0.0.1:30005/
cat >"$work/housingsup.conf" <<CONF
csv_path = "$PWD/data/housing.csv"
state_dir = "$work/run"
kafka { bootstrap_servers = "$HS_KAFKA_BOOTSTRAP" topic = "$topic" group_id = "$topic" }
CONF
psql -Xqc "DELETE FROM housing WHERE src_file LIKE 'housing.csv#%'"
"$BIN" start -c "$work/housingsup.conf" >/dev/null || echo "# housingsup did not start"
check "housingsup lands housing.csv's 506 rows in housing" landed
"$BIN" stop -c "$work/housingsup.conf" >/dev/null 2>&1

# A port taken by another program: a clear refusal, not that program taken for pgAdmin.
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",'"$HS_UI_PORT"')); s.listen(); time.sleep(30)' &
squatter=$!
sleep 1
scripts/ui.sh start >/dev/null 2>"$work/busy.err"
check "scripts/ui.sh start refuses a port in use, naming it" \
    grep -q "port $HS_UI_PORT is in use by another program" "$work/busy.err"
kill "$squatter"; wait "$squatter" 2>/dev/null

python=$(scripts/browser.sh) || echo "# scripts/browser.sh failed"
check "scripts/ui.sh starts pgAdmin and it answers on $url" eval "scripts/ui.sh start >/dev/null"
check "pgAdmin listens on 127.0.0.1 only" \
    test "$(ss -Hltn "sport = :$HS_UI_PORT" | awk '{print $4}')" = "127.0.0.1:$HS_UI_PORT"
check "the password is in a passfile, not in servers.json" \
    sh -c "! grep -q \"\$PGPASSWORD\" '$HS_UI_DIR/servers.json' && grep -q ':$PGPORT:' '$HS_UI_DIR/pgpass'"
"$python" tests/ui/pgadmin.py "$url" "$SERVER" "$PGDATABASE" housing "$work/pgadmin.png" >"$work/shown"
sed -n 's/^error=/# pgAdmin did not show: /p' "$work/shown"
check "pgAdmin's tree shows the registered server '$SERVER'" shown "server=$SERVER"
check "pgAdmin's tree shows the housing table under $PGDATABASE > public > Tables" shown "table=housing"
expected=$(psql -XAtc "SELECT COUNT(*) FROM housing")
check "pgAdmin counts $expected rows in housing, as COUNT(*) does" shown "counted=$expected"
[ -n "${HS_UI_SCREENSHOT:-}" ] && cp "$work/pgadmin.png" "$HS_UI_SCREENSHOT"
scripts/ui.sh stop
check "scripts/ui.sh stop ends pgAdmin" sh -c "! curl -sf -o /dev/null '$url'"
