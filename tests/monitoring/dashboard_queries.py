#!/usr/bin/env python3
"""Runs every PromQL expression of Grafana dashboards against a real Prometheus, the way
Grafana would (its interval variables given fixed values), until each returns data.

    dashboard_queries.py PROMETHEUS_URL SECONDS DASHBOARD.json...

Exits 0 when every expression returned a non-empty result within SECONDS; otherwise
prints "# <panel>: <expr>: <why>" for each that did not, and exits 1.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

# Grafana's built-in variables, as it would set them for a short range.
VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "5m"}


def expressions(path):
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    for panel in dashboard.get("panels") or []:
        for target in panel.get("targets") or []:
            yield panel.get("title"), target["expr"]


def grafana_expand(expr):
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


def why_empty(url, expr):
    """None when the query returns data; else the reason."""
    query = urllib.parse.urlencode({"query": grafana_expand(expr)})
    try:
        with urllib.request.urlopen(f"{url}/api/v1/query?{query}", timeout=5) as r:
            answer = json.load(r)
    except (OSError, ValueError) as e:
        return f"query failed: {e}"
    if answer.get("status") != "success":
        return f"{answer.get('errorType')}: {answer.get('error')}"
    return None if answer["data"]["result"] else "no data"


def main():
    url, seconds, paths = sys.argv[1].rstrip("/"), float(sys.argv[2]), sys.argv[3:]
    pending = [(title, expr) for path in paths for title, expr in expressions(path)]
    if not pending:
        print("# no expressions found")
        return 1
    deadline = time.monotonic() + seconds
    while True:
        reasons = {q: why_empty(url, q[1]) for q in pending}
        pending = [q for q, why in reasons.items() if why is not None]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(1)
    for title, expr in pending:
        print(f"# {title}: {expr}: {reasons[(title, expr)]}")
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
