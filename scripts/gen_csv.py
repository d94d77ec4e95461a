#!/usr/bin/env python3
"""gen_csv.py - write a large CSV scaled from data/housing.csv.

Row i of the output is source row i % 506, values unchanged, so every column's sum
is known exactly. With --bad-every K every K-th data line is replaced by a bad one,
cycling through: 13 fields, a non-numeric NOX, an empty NOX, a line of garbage.
A JSON summary (rows, good, bad, per-column sums of the good rows) goes to stderr
or to --summary FILE.

    python3 scripts/gen_csv.py --rows 1000000 --out /tmp/big.csv
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "data", "housing.csv")


def bad_line(kind, fields):
    if kind == 0:
        return ",".join(fields[:13])
    if kind == 1:
        return ",".join(fields[:4] + ["abc"] + fields[5:])
    if kind == 2:
        return ",".join(fields[:4] + [""] + fields[5:])
    return "this line is not a housing record"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", default="-")
    ap.add_argument("--bad-every", type=int, default=0)
    ap.add_argument("--summary")
    args = ap.parse_args()

    with open(SOURCE) as f:
        header = f.readline().rstrip("\n")
        source = [line.rstrip("\n") for line in f if line.strip()]
    values = [[float(x) for x in line.split(",")] for line in source]
    n = len(source)

    out = sys.stdout if args.out == "-" else open(args.out, "w", buffering=1 << 20)
    out.write(header + "\n")
    bad = 0
    bad_rows = []
    full, rest = divmod(args.rows, n)
    if args.bad_every == 0:
        block = "\n".join(source) + "\n"
        for _ in range(full):
            out.write(block)
        if rest:
            out.write("\n".join(source[:rest]) + "\n")
    else:
        chunk = []
        for i in range(args.rows):
            if (i + 1) % args.bad_every == 0:
                chunk.append(bad_line(bad % 4, source[i % n].split(",")))
                bad_rows.append(i % n)
                bad += 1
            else:
                chunk.append(source[i % n])
            if len(chunk) >= 65536:
                out.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            out.write("\n".join(chunk) + "\n")
    if out is not sys.stdout:
        out.close()

    # Sums of the good rows: whole cycles, the partial cycle, minus the bad ones.
    counts = [full + (1 if r < rest else 0) for r in range(n)]
    for r in bad_rows:
        counts[r] -= 1
    sums = [math.fsum(values[r][c] * counts[r] for r in range(n)) for c in range(14)]
    summary = {"rows": args.rows, "good": args.rows - bad, "bad": bad,
               "sums": dict(zip(header.split(","), sums))}
    text = json.dumps(summary, indent=1)
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text + "\n")
    else:
        print(text, file=sys.stderr)


if __name__ == "__main__":
    main()
