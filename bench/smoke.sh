#!/usr/bin/env bash
# smoke.sh - the benchmark at 1,000 rows, one run of each part, so `make test`
# proves `make bench` works; prints TAP. Needs the servers of scripts/stack.sh
# and the release build. It checks the report is complete, not how fast anything was.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "1..2"
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
# CPU per row by kind: every kind present (>= 0: a process that ran under 10 ms reads 0
# clock ticks), the sums above 0; the cores busy above 0, and below twice the machine's
# cores (a 50 ms COPY of 1,000 rows is measured in 10 ms ticks).
roles = ["supervisor", "csv-reader", "publisher", "kafka-reader", "writer-0", "writer-1"]
kinds = {"copy_ceiling": ["psql"], "housingsup": roles + ["housingsup"],
         "housingsup_refused": roles + ["housingsup"], "latency": roles + ["housingsup"],
         "kcat_psql": ["kcat", "jq", "psql"]}
for key, expected in kinds.items():
    us = r["cpu_us_per_row"][key]
    assert len(us["runs"]) == 1, key
    for kind in expected + ["broker", "PostgreSQL", "total"]:
        # a peer's process that ends before the first 0.2 s sample is counted, exactly,
        # under "(exited, unsampled)" instead of by name
        if kind in ("psql", "kcat", "jq") and kind not in us["median"]:
            assert us["median"]["(exited, unsampled)"] >= 0, (key, kind)
            continue
        assert us["median"][kind] >= 0, (key, kind)
    assert us["median"]["total"] > 0, key
    assert "housingsup" not in expected or us["median"]["housingsup"] > 0, key
    cores = r["cores_busy"][key]
    assert 0 < cores["processes"]["median"] <= 2 * r["cores"], (key, cores)
    assert 0 < cores["machine"]["median"] <= 2 * r["cores"], (key, cores)
assert r["cpu_us_per_row"]["housingsup"]["median"]["PostgreSQL"] > 0
PY
then
    echo "ok 1 - bench smoke: every figure measured on 1,000 rows"
else
    echo "not ok 1 - bench smoke (exit $rc)"
    echo "$out" | tail -15 | sed 's/^/# /'
fi

# The same for any table: data/examples/trips.csv repeated to 1,000 rows, into the table
# housingsup infer proposes, against COPY of the same rows; both land all of them.
out=$(python3 bench/bench.py --table-csv data/examples/trips.csv --rows 1000 --repeats 1 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -qE '^COPY ceiling, bench_any, rows/s +[1-9][0-9,]*' <<<"$out" &&
    grep -qE '^housingsup, bench_any, rows/s +[1-9][0-9,]*' <<<"$out" &&
    [ "$(psql -XAtc 'SELECT COUNT(DISTINCT src_line), SUM(passengers) FROM bench_any')" = "1000|1600" ]; then
    echo "ok 2 - bench smoke: any table (trips.csv, 1,000 rows) against its COPY ceiling"
else
    echo "not ok 2 - bench smoke: any table (exit $rc)"
    echo "$out" | tail -15 | sed 's/^/# /'
fi
