#!/usr/bin/env python3
"""fixture.py - write a CSV file in another layout or encoding, for the tests.

    fixture.py SRC DST [--codec C] [--bom] [--crlf] [--layout L] [--gzip]

Reads SRC (UTF-8, comma-separated, a header line) and writes the same values
to DST as layout L, encoded with Python codec C (utf-8, utf-16-le, cp1252,
...), with a byte-order mark (U+FEFF encoded) and CRLF newlines if asked, and
gzip-compressed with --gzip:

  plain    as it is
  seed     the header with commas, the rows aligned with spaces (the seed project's file)
  euro     semicolons, and decimal commas ("0,00632")
  tab      tabs
  pipe     pipes
  spaces   header and rows aligned with spaces
  bare     no header, rows aligned with spaces (UCI housing.data)
  quoted   commas, and a NOTE column: every third row's note (rows 0, 3, ...) is a
           quoted field holding a comma, doubled quotes and a newline (two lines)
"""
import argparse
import gzip


def rows_of(text):
    lines = [l for l in text.split("\n") if l.strip()]
    return lines[0].split(","), [l.split(",") for l in lines[1:]]


def layout(header, rows, name):
    if name == "plain":
        return [",".join(header)] + [",".join(r) for r in rows]
    if name in ("seed", "spaces", "bare"):
        body = ["".join(f"{v:>10}" for v in r) for r in rows]
        if name == "bare":
            return body
        return [",".join(header) if name == "seed" else "".join(f"{h:>10}" for h in header)] + body
    if name == "quoted":
        notes = ['"note %d, with ""quotes""\nand a second line"' % i if i % 3 == 0 else "plain"
                 for i in range(len(rows))]
        return [",".join(header + ["NOTE"])] + [",".join(r + [n]) for r, n in zip(rows, notes)]
    if name == "euro":
        return [";".join(header)] + [";".join(v.replace(".", ",") for v in r) for r in rows]
    sep = {"tab": "\t", "pipe": "|"}[name]
    return [sep.join(header)] + [sep.join(r) for r in rows]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--codec", default="utf-8")
    p.add_argument("--bom", action="store_true")
    p.add_argument("--crlf", action="store_true")
    p.add_argument("--layout", default="plain")
    p.add_argument("--gzip", action="store_true")
    a = p.parse_args()
    with open(a.src, encoding="utf-8", newline="") as f:
        header, rows = rows_of(f.read())
    nl = "\r\n" if a.crlf else "\n"
    text = nl.join(layout(header, rows, a.layout)) + nl
    data = (("\ufeff" if a.bom else "") + text).encode(a.codec)
    with open(a.dst, "wb") as f:
        f.write(gzip.compress(data) if a.gzip else data)


if __name__ == "__main__":
    main()
