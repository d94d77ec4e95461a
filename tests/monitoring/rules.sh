#!/usr/bin/env bash
# rules.sh - the alerting rules of scripts/monitoring (loaded by compose's prometheus):
# promtool check rules, the unit tests of housingsup.rules.test.yml (input series for
# which each alert must fire, and others for which it must not), every alert covered by
# those tests, and promtool check config on the compose Prometheus configuration (its
# rules path pointed at the repository's file). Needs Debian's prometheus; prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/tap.sh
. tests/tap.sh
monitoring=scripts/monitoring
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

quiet() { "$@" >"$work/out" 2>&1 || { sed 's/^/# /' "$work/out"; return 1; }; }

alerts_of() { sed -n "s/^ *- alert: *\([A-Za-z]*\).*/\1/p" "$1" | sort -u; }
tested() { sed -n "s/.*alertname: *\([A-Za-z]*\).*/\1/p" "$monitoring/housingsup.rules.test.yml" | sort -u; }
every_alert_tested() {
    local untested
    untested=$(comm -23 <(alerts_of "$monitoring/housingsup.rules.yml") <(tested))
    [ -z "$untested" ] || { echo "# no unit test for: $untested"; return 1; }
}

echo "1..4"
check "promtool check rules housingsup.rules.yml" quiet promtool check rules "$monitoring/housingsup.rules.yml"
check "promtool test rules: each alert fires on its input series and stays silent on others" \
    quiet promtool test rules "$monitoring/housingsup.rules.test.yml"
check "every alert of housingsup.rules.yml has a unit test" every_alert_tested
sed "s|/etc/prometheus/housingsup.rules.yml|$PWD/$monitoring/housingsup.rules.yml|" \
    "$monitoring/prometheus.yml" >"$work/prometheus.yml"
check "promtool check config on compose's prometheus.yml" quiet promtool check config "$work/prometheus.yml"
