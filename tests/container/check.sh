#!/usr/bin/env bash
# check.sh - the container image, built and run with Podman against the local servers of
# scripts/stack.sh (host network, their 127.0.0.1 ports). It builds the image
# (scripts/container/build.sh), mounts a configuration of its own (its own topic and table,
# read at 50 records/s so that a stop finds records on the way), and checks:
#   - housing.csv lands whole: 506 rows, and SUM(medv) equal to the file's, exactly, across
#     a `podman stop` in the middle and a `podman start`;
#   - `podman stop` is an orderly stop: exit code 0 and "stopped (0 records left in rings)";
#   - `housingsup status` in the container (podman exec) reports the pipeline healthy;
#   - every process runs as the image's user (uid 10001) without capabilities, and none is
#     left once the container has stopped;
#   - a configuration out of range, and one the user cannot read, end it with code 2 and a
#     line naming the problem in `podman logs`.
# Needs the stack's environment (tests/run.sh, or `source .stack/env`); prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/container/podman.sh
. scripts/container/podman.sh
# an image of this checkout's own, so that two checkouts on one machine do not race for one tag
HS_IMAGE=${HS_IMAGE_CHECK:-localhost/housingsup:check-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)}
export HS_IMAGE
HS_UID=10001 # the Dockerfile's user housingsup
CONF_IN=/etc/housingsup/housingsup.conf

mkdir -p build
work=$(mktemp -d "$PWD/build/container-XXXXXX")
tag="container_$$_$(date +%s)"
name="housingsup-check-$$"
table=$tag
topic=${tag//_/-}
conmon=""

cleanup() {
    podman_cmd rm --ignore --force --time 0 "$name" "$name-bad" "$name-unreadable" >/dev/null 2>&1
    psql -Xqc "DROP TABLE IF EXISTS $table, ${table}_dead_letter" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

n=0
failed=0
check() { # description, then a command that must succeed
    local what=$1; shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; failed=$((failed + 1)); fi
}

# Polls a command until it succeeds, up to $1 seconds.
poll() {
    local seconds=$1; shift
    for _ in $(seq $((seconds * 5))); do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}

# A configuration readable by the image's user only: root:root 0600 would be unreadable to it.
write_conf() { # file, then its lines
    local file=$1; shift
    printf '%s\n' "$@" >"$file"
    chown "$HS_UID:$HS_UID" "$file"
    chmod 0640 "$file"
}

run_detached() { # the configuration to mount
    podman_cmd run --detach --name "$name" --network host "${PODMAN_LIMITS[@]}" \
        -e PGHOST -e PGPORT -e PGUSER -e PGPASSWORD -e PGDATABASE \
        -v "$1:$CONF_IN:ro" "$HS_IMAGE" >/dev/null
}

rows() { psql -XAtc "SELECT COUNT(*) FROM $table" 2>/dev/null; }
rows_at_least() { [ "$(rows)" -ge "$1" ] 2>/dev/null; }
rows_and_sum() { psql -XAtc "SELECT COUNT(*) || ' ' || SUM(medv::numeric) FROM $table"; }
# the file's own count and SUM(MEDV), exactly (decimal)
file_rows_and_sum() {
    python3 - data/housing.csv <<'PY'
import csv, sys
from decimal import Decimal
with open(sys.argv[1], newline="") as f:
    rows = [{k.lower(): v for k, v in r.items()} for r in csv.DictReader(f)]
print(len(rows), sum(Decimal(r["medv"]) for r in rows))
PY
}
same_rows_and_sum() {
    local got want
    got=$(rows_and_sum) want=$(file_rows_and_sum)
    python3 -c 'import sys; from decimal import Decimal as D
g, w = sys.argv[1].split(), sys.argv[2].split()
sys.exit(0 if len(g) == 2 and g[0] == w[0] and D(g[1]) == D(w[1]) else 1)' "$got" "$want" && return 0
    echo "# table: $got; file: $want"
    return 1
}

healthy() { podman_cmd exec "$name" housingsup status -c "$CONF_IN" 2>&1 | grep -q '^health: healthy$'; }
status_exit_0() {
    podman_cmd exec "$name" housingsup status -c "$CONF_IN" >"$work/status.txt" 2>&1 && return 0
    sed 's/^/# /' "$work/status.txt"
    return 1
}

exit_code() { podman_cmd inspect --format '{{.State.ExitCode}}' "$1"; }
# podman stop sends the image's STOPSIGNAL (SIGTERM) and kills only after --time seconds
# (more than the configuration's stop_timeout of 60): exit code 0, not 137.
stopped_cleanly() {
    podman_cmd stop --time 90 "$name" >/dev/null || return 1
    local rc
    rc=$(exit_code "$name")
    [ "$rc" = 0 ] && return 0
    echo "# exit code $rc"
    podman_cmd logs --tail 15 "$name" 2>&1 | sed 's/^/# /'
    return 1
}
# the supervisor's last lines at an orderly stop, $1 times in the container's log
drained_in_log() {
    podman_cmd logs "$name" >"$work/log.txt" 2>&1
    local drained stopped
    drained=$(grep -c 'supervisor info: phase: draining-writers -> stopped (every child has exited)' "$work/log.txt")
    stopped=$(grep -c 'supervisor info: stopped (0 records left in rings)$' "$work/log.txt")
    [ "$drained" = "$1" ] && [ "$stopped" = "$1" ] && return 0
    echo "# $drained drains and $stopped empty stops in the log, expected $1"
    tail -n 15 "$work/log.txt" | sed 's/^/# /'
    return 1
}

# The host pids of the container's processes and of its conmon, for none_left.
record_pids() {
    conmon=$(podman_cmd inspect --format '{{.State.ConmonPid}}' "$name")
    podman_cmd top "$name" hpid | tail -n +2 >"$work/pids"
}

# Every process of the container, seen from the host: the image's uid, no capabilities.
unprivileged() {
    local procs=0 pid uid cap
    for pid in $(cat "$work/pids"); do
        uid=$(awk '/^Uid:/ {print $2 "/" $3}' "/proc/$pid/status")
        cap=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
        if [ "$uid" != "$HS_UID/$HS_UID" ] || [ "$cap" != 0000000000000000 ]; then
            echo "# host pid $pid: uid $uid, effective capabilities $cap"
            return 1
        fi
        procs=$((procs + 1))
    done
    # the supervisor, the publisher, the Kafka reader and two writers (the CSV reader is done)
    [ "$procs" -ge 5 ] && return 0
    echo "# $procs processes"
    return 1
}
# After the stop: not one of the recorded processes, nor the container's conmon, and
# podman lists the container as exited.
none_left() {
    local pid left=0
    for pid in $(cat "$work/pids"); do
        if [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = "$HS_UID" ]; then
            echo "# host pid $pid still runs: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
            left=1
        fi
    done
    if [ -n "$conmon" ] && grep -qs conmon "/proc/$conmon/comm"; then
        echo "# conmon (pid $conmon) still runs"
        left=1
    fi
    if [ -n "$(podman_cmd ps --quiet --filter "name=^$name\$")" ]; then
        echo "# podman ps lists it as running"
        left=1
    fi
    return "$left"
}

# A bad configuration ends the container with code 2 and the given line in its log.
refused() { # configuration file, the line expected, a suffix for the container's name
    local rc box=$name-$3
    podman_cmd run --detach --name "$box" --network host "${PODMAN_LIMITS[@]}" \
        -v "$1:$CONF_IN:ro" "$HS_IMAGE" >/dev/null
    poll 60 exited "$box"
    rc=$(exit_code "$box")
    podman_cmd logs "$box" >"$work/$3.log" 2>&1
    [ "$rc" = 2 ] && exited "$box" && grep -qxF "$2" "$work/$3.log" && return 0
    echo "# $(podman_cmd inspect --format '{{.State.Status}}' "$box"), exit code $rc, log:"
    tail -n 5 "$work/$3.log" | sed 's/^/# /'
    return 1
}
exited() { [ "$(podman_cmd inspect --format '{{.State.Status}}' "$1")" = exited ]; }

echo "1..11"
if ! scripts/container/build.sh >"$PWD/build/container-build.log" 2>&1; then
    echo "not ok 1 - the image builds (scripts/container/build.sh)"
    tail -n 20 "$PWD/build/container-build.log" | sed 's/^/# /'
    exit 1
fi
n=1
echo "ok 1 - the image builds (scripts/container/build.sh; log in build/container-build.log)"

write_conf "$work/housingsup.conf" \
    'csv_path = "/var/lib/housingsup/data/housing.csv"' \
    'rate_limit = 50' \
    "kafka { bootstrap_servers = \"$HS_KAFKA_BOOTSTRAP\" topic = \"$topic\" group_id = \"$topic\" }" \
    "table { name = \"$table\" }"
run_detached "$work/housingsup.conf" || echo "# podman run failed"
poll 120 rows_at_least 1
record_pids
check "the processes run as uid $HS_UID (housingsup) without capabilities" unprivileged
echo "# rows when podman stop was sent: $(rows) of 506"
check "podman stop while rows are on their way: exit code 0" stopped_cleanly
check "the log shows the rings drained at the stop" drained_in_log 1

podman_cmd start "$name" >/dev/null || echo "# podman start failed"
poll 120 rows_at_least 506
check "after podman start, housing.csv lands whole: COUNT(*) and SUM(medv) match the file" \
    same_rows_and_sum
poll 60 healthy
check "housingsup status in the container (podman exec) exits 0: healthy" status_exit_0
record_pids
check "podman stop: exit code 0" stopped_cleanly
check "the log shows the rings drained at the second stop too" drained_in_log 2
poll 30 none_left >/dev/null # conmon ends a moment after the container
check "no process of the container is left" none_left

write_conf "$work/bad.conf" 'writers = 99'
check "a configuration out of range: exit code 2 and the reason in podman logs" \
    refused "$work/bad.conf" "housingsup: $CONF_IN: writers = 99 is out of range [1, 16]" bad
cp "$work/housingsup.conf" "$work/unreadable.conf"
chown root:root "$work/unreadable.conf"
chmod 0600 "$work/unreadable.conf"
check "a configuration its user cannot read: exit code 2 and the reason in podman logs" \
    refused "$work/unreadable.conf" "housingsup: config file $CONF_IN: Permission denied" unreadable
[ "$failed" -eq 0 ]
