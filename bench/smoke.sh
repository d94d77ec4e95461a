#!/usr/bin/env bash
# smoke.sh - the benchmark at 1,000 rows, one run of each part, so `make test`
# proves `make bench` works; prints TAP. Needs the servers of scripts/stack.sh
# and the release build. It checks the report is complete, not how fast anything was.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "1..1"
out=$(python3 bench/bench.py --smoke --results build/bench/smoke 2>&1)
rc=$?
if [ $rc -eq 0 ] && python3 - <<'PY'
import json
r = json.load(open("build/bench/smoke/results.json"))
assert r["rows"] == 1000
for k in ("copy_ceiling_rows_s", "housingsup_rows_s", "housingsup_steady_rows_s", "kcat_psql_rows_s"):
    assert r[k]["median"] > 0, k
for p in ("p50", "p95", "p99"):
    assert r["latency_ms"][p]["median"] > 0, p
assert r["housingsup_peak_pss_mib"]["1000"] > 0
assert r["refused"]["refused_rows"] == 10 and r["refused"]["rows_s"]["median"] > 0
f = r["follow_latency_ms"]
assert f["appends"] == 5 and all(f[p]["median"] > 0 for p in ("p50", "p99", "max")), f
PY
then
    echo "ok 1 - bench smoke: every figure measured on 1,000 rows"
else
    echo "not ok 1 - bench smoke (exit $rc)"
    echo "$out" | tail -15 | sed 's/^/# /'
fi
