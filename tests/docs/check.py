#!/usr/bin/env python3
"""check.py - the documentation against the program.

1. README's configuration table names exactly the keys `housingsup config` prints
   (which walks the libconfuse schema itself), with the same defaults.
2. The man page mentions every key.
3. README's troubleshooting table covers every error and warning the program can
   print: for each message format in the C sources (hs_error, hs_warn, and the
   one-line reasons of the configuration and start-up errors), its longest literal
   part must appear there.
Prints TAP for tests/run.sh.
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build/release/housingsup")


def section(text, title):
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def schema_keys():
    out = subprocess.run([BIN, "config", "-c", "/dev/null"], capture_output=True, text=True,
                         check=True).stdout
    keys = {}
    for line in out.splitlines()[1:]:
        key, value = line.split(" = ", 1)
        keys[key] = value.strip('"')
    return keys


def readme_keys(readme):
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]*) \|", section(readme, "Configuration"), re.M)
    return {key: value.strip().strip("`") for key, value in rows}


def message_formats():
    calls = re.compile(r'(?:hs_error\(|hs_warn\(|snprintf\((?:err|why), (?:errlen|whylen),|'
                       r'fprintf\(stderr,)\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', re.S)
    for path in sorted(ROOT.glob("*/*.c")):
        if path.parts[-2] not in ("common", "supervisor", "workers", "shm", "config"):
            continue
        for match in calls.finditer(path.read_text()):
            fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
            if not fmt.startswith("usage:"):
                yield path.name, fmt.replace('\\"', '"').replace("\\n", "")


def first_literal(fmt):
    """The message's first run of fixed text that says something (8+ characters)."""
    parts = re.split(r"%[-0-9.*]*(?:ll|l|z)?[sdumzxfg%]", fmt)
    parts = [p.strip(" :;,()") for p in parts]
    return next((p for p in parts if len(p) >= 8), "")


def main():
    readme = (ROOT / "README.md").read_text()
    man = (ROOT / "scripts/packaging/housingsup.8").read_text().replace("\\-", "-").replace("\\_", "_")
    results = []

    schema, documented = schema_keys(), readme_keys(readme)
    wrong = [f"{k}: schema default {schema[k]!r}, README {documented.get(k)!r}"
             for k in schema if k not in documented
             or documented[k] not in (schema[k], "empty" if schema[k] == "" else schema[k])]
    wrong += [f"{k}: in README, not in the schema" for k in documented if k not in schema]
    results.append(("README's configuration table = the schema's keys and defaults", wrong))

    missing = [k for k in schema  # named in a font macro line, as the man page's key lists are
               if not re.search(rf"^\.(?:I|B|IR|BR|RI|RB)\b.*\b{re.escape(k.split('.')[-1])}\b", man, re.M)]
    results.append(("the man page mentions every configuration key", missing))

    trouble = section(readme, "Troubleshooting")
    uncovered = sorted({f"{name}: {first_literal(fmt)!r} of {fmt!r}" for name, fmt in message_formats()
                        if first_literal(fmt) and first_literal(fmt) not in trouble})
    results.append(("README's troubleshooting covers every error and warning the program prints",
                    uncovered))

    print(f"1..{len(results)}")
    for i, (what, problems) in enumerate(results, 1):
        print(f"{'not ok' if problems else 'ok'} {i} - {what}")
        for p in problems:
            print(f"#   {p}")
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
