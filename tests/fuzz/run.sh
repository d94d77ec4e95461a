#!/usr/bin/env bash
# run.sh - runs each libFuzzer target for $1 seconds (default 20) from the
# committed seeds in tests/fuzz/corpus/, and prints TAP for tests/run.sh.
# New inputs go to a scratch directory, so the committed corpus stays as is.
# A crash leaves its reproducer in build/fuzz/.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
targets="fuzz_csv fuzz_json fuzz_formats fuzz_value"
echo "1..4"
n=0
for t in $targets; do
    n=$((n + 1))
    corpus=${t#fuzz_}
    scratch=$(mktemp -d)
    log=build/fuzz/$t.log
    if (cd build/fuzz && ./"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 "$scratch" "../../tests/fuzz/corpus/$corpus") >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "ok $n - $t: ${runs:-?} inputs in ${seconds}s, no crash"
    else
        echo "not ok $n - $t crashed or failed; see $log"
        grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 | sed 's/^/# /'
    fi
    rm -rf "$scratch"
done
