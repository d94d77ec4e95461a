#!/usr/bin/env bash
# run.sh - runs the whole test suite and ends with one line "N passed, N failed".
#
# Unit tests run in both builds (release and ASan+UBSan), then the check that
# includes point only down the layers (tests/layers.sh) and that every header
# compiles on its own (make headerscheck: tests/headers.sh), the spin model
# of the ring protocol and a short run of each libFuzzer target; the integration tests
# (and a real Prometheus server scraping /metrics, the status page and pgAdmin
# in headless Chromium)
# run the ASan+UBSan housingsup against the real Kafka broker and PostgreSQL
# that scripts/stack.sh starts (and stops again at the end unless
# HS_KEEP_STACK=1), and so does the container image, built and run with Podman
# (tests/container/check.sh). Each test binary speaks TAP; totals are counted from it,
# and a binary that dies without reporting counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# The tests are found by glob, as the Makefile builds them: every
# tests/unit/test_*.c and tests/integration/test_*.c is run, as
# build/<variant>/tests/unit/test_x and build/asan/tests/integration/test_x.
# Order: by name (C collation), except that the tests named in RUN_LAST (the
# longest) run after the others of their folder, in RUN_LAST's order. A new
# test needs no line here.
RUN_LAST="test_chaos"

tests_in() { # $1: unit or integration; prints "$1/test_x" lines in run order
    local f name
    for f in $(printf '%s\n' "tests/$1"/test_*.c | LC_ALL=C sort); do
        [ -e "$f" ] || continue
        name=$(basename "$f" .c)
        [[ " $RUN_LAST " == *" $name "* ]] || echo "$1/$name"
    done
    for name in $RUN_LAST; do
        [ -e "tests/$1/$name.c" ] && echo "$1/$name"
    done
}

UNIT_TESTS=$(tests_in unit)
INTEGRATION_TESTS=$(tests_in integration)
passed=0
failed=0

export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_binary() {
    local bin=$1 out rc ok notok
    echo "== $bin"
    out=$($bin 2>&1)
    rc=$?
    echo "$out" | grep -vE '^(ok |# ok|1\.\.)' || true
    ok=$(grep -cE '^ok ' <<<"$out")
    notok=$(grep -cE '^not ok ' <<<"$out")
    echo "   $ok passed, $notok failed (exit $rc)"
    if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
        notok=1
        echo "   $bin exited with $rc without reporting a failed test: counted as one failure"
    fi
    passed=$((passed + ok))
    failed=$((failed + notok))
}

for variant in release asan; do
    for t in $UNIT_TESTS; do
        run_binary "build/$variant/tests/$t"
    done
done

run_binary tests/layers.sh
run_binary "make -s --no-print-directory headerscheck"
run_binary tests/spin/check.sh
run_binary scripts/packaging/check.sh
run_binary tests/monitoring/rules.sh
run_binary "python3 tests/docs/check.py build/release/housingsup"
run_binary "tests/fuzz/run.sh ${HS_FUZZ_SECONDS:-20}"

# The extra servers: a 3-node cluster (test_scaleout), a broker demanding
# SASL and TLS (test_security), a PostgreSQL taking TLS only (test_pg_tls).
# A test whose server did not start fails.
stack=${HS_STACK_DIR:-.stack}
if scripts/kafka-cluster.sh start; then
    HS_CLUSTER_BOOTSTRAP=$(. "$stack/cluster/env" && echo "$HS_KAFKA_BOOTSTRAP")
    export HS_CLUSTER_BOOTSTRAP
fi
# shellcheck disable=SC1091
scripts/kafka-secure.sh start && source "$stack/secure/env"
# shellcheck disable=SC1091
scripts/pg-secure.sh start && source "$stack/pgsecure/env"

if scripts/stack.sh start; then
    # shellcheck disable=SC1091
    source "$stack/env"
    export HOUSINGSUP_BIN=build/asan/housingsup
    for t in $INTEGRATION_TESTS; do
        run_binary "build/asan/tests/$t"
    done
    run_binary tests/prometheus/check.sh
    run_binary tests/web/check.sh
    run_binary tests/ui/check.sh
    run_binary tests/container/check.sh
    run_binary bench/smoke.sh
    # a failed test may leave its housingsup running: end them all
    pkill -9 -f "housingsup start -c $PWD/build/" 2>/dev/null || true
    [ "${HS_KEEP_STACK:-0}" = 1 ] || scripts/stack.sh stop >/dev/null
else
    echo "== the Kafka/PostgreSQL stack did not start: integration tests not run"
    failed=$((failed + 1))
fi
if [ "${HS_KEEP_STACK:-0}" != 1 ]; then
    scripts/kafka-cluster.sh stop
    scripts/kafka-secure.sh stop
    scripts/pg-secure.sh stop
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
