#!/usr/bin/env python3
"""bench.py - housingsup's benchmark: throughput against the COPY ceiling and a peer,
latency at a fixed offered rate, memory, scaling with writers and partitions, and for every
run the CPU per row by kind of process and the cores busy (bench/cpu.py).

Run through `make bench` (which sets up and starts the servers), or by hand with the
variables of .stack/env in the environment:

    python3 bench/bench.py [--rows 1000000] [--big] [--repeats 3] [--no-scaling] [--smoke]

Prints one table and writes bench/results/results.json and results.csv. Every
measurement is repeated --repeats times; the median and the spread (min..max) are shown.
Each competitor runs alone, on the same data, into the same freshly truncated table.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import cpu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "release", "housingsup")
WORK = os.path.join(ROOT, "build", "bench")
RESULTS = os.path.join(ROOT, "bench", "results")
COLUMNS = ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax",
           "ptratio", "b", "lstat", "medv"]


def psql(sql, stdin=None):
    out = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], input=stdin,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def reset_table():
    psql("TRUNCATE housing, housing_dead_letter")


def generate(rows):
    """The CSV for housingsup, and the same rows with src_file,src_line for COPY."""
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, f"rows-{rows}.csv")
    copy_path = os.path.join(WORK, f"rows-{rows}.copy.csv")
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_csv.py"), "--rows",
                        str(rows), "--out", path, "--summary", path + ".json"], check=True)
    if not os.path.exists(copy_path):
        name = os.path.basename(path)
        with open(path) as src, open(copy_path, "w", buffering=1 << 20) as dst:
            src.readline()
            for n, line in enumerate(src, start=2):
                dst.write(f"{line.rstrip()},{name},{n}\n")
    return path, copy_path


def ceiling(copy_path, rows):
    """rows/s of one psql \\copy of the file, and its CPU figures."""
    reset_table()
    sql = f"\\copy housing ({', '.join(COLUMNS)}, src_file, src_line) FROM '{copy_path}' WITH (FORMAT csv)"
    elapsed, figures = watch_peer(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], rows,
                                  lambda proc: proc[0])
    assert int(psql("SELECT COUNT(*) FROM housing")) == rows
    return rows / elapsed, figures


class RowsLoaded:
    """Rows loaded into housing since it was made, as PostgreSQL counts them: those of the
    COPY in progress (pg_stat_progress_copy) plus those of ended transactions
    (pg_stat_user_tables.n_tup_ins), asked through one psql session kept open, so that a
    poll costs a query and not a connection."""
    QUERY = ("SELECT coalesce((SELECT sum(tuples_processed) FROM pg_stat_progress_copy "
             "WHERE relid = '{0}'::regclass), 0) + (SELECT n_tup_ins FROM pg_stat_user_tables "
             "WHERE relid = '{0}'::regclass);")

    def __init__(self, table="housing"):
        self.query = self.QUERY.format(table)
        self.psql = subprocess.Popen(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.base = self.count()

    def count(self):
        self.psql.stdin.write(self.query + "\n")
        self.psql.stdin.flush()
        return int(self.psql.stdout.readline()) - getattr(self, "base", 0)

    def close(self):
        self.psql.stdin.close()
        self.psql.wait()


def watch_peer(command, rows, kind_of, table="housing", **popen_args):
    """Runs a peer's command to its end under a cpu.Sampler, marking the moments 10 % and
    90 % of the rows are loaded (polled every 0.2 s). Returns its seconds and CPU figures;
    raises if it fails. kind_of((command name, pid)) names each of its processes."""
    loaded = RowsLoaded(table)
    first = last = None
    try:
        with cpu.Sampler() as sampler:
            t0, reaped = time.monotonic(), cpu.reaped_cpu()
            proc = subprocess.Popen(command, **popen_args)
            sampler.follow(proc.pid)
            while proc.poll() is None:
                n = loaded.count()
                if first is None and n >= rows * 0.1:
                    first = (sampler.mark("10%").t, n)
                if last is None and n >= rows * 0.9:
                    last = (sampler.mark("90%").t, n)
                time.sleep(0.2)
            elapsed = time.monotonic() - t0
            sampler.mark("end")
            sampler.reaped(cpu.reaped_cpu() - reaped)
    finally:
        loaded.close()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, command)
    return elapsed, cpu.figures(sampler, rows, last[1] - first[1] if first and last else 0, kind_of)


def pids_of(supervisor):
    """The supervisor and its children."""
    pids = [supervisor]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == supervisor:
                        pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return pids


MEMORY_EVERY_S = 0.25  # how often a run's peak memory is sampled


def memory_kb(pids):
    """(sum of Pss, sum of Rss) in kB: Pss counts shared ring pages once in total."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


class Run:
    """One housingsup instance with its own state dir, topic and consumer group."""
    count = 0

    def __init__(self, csv_path, writers=2, partitions=1, rate_limit=0, binary=BIN,
                 compression=None, table="housing", extra=""):
        Run.count += 1
        self.table = table
        self.binary, self.roles, self.writers = binary, {}, writers
        self.tag = f"bench-{os.getpid()}-{Run.count}"
        self.dir = os.path.join(WORK, self.tag)
        self.topic = self.tag
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "housingsup.conf")
        with open(self.config, "w") as f:
            f.write(f'csv_path = "{csv_path}"\nstate_dir = "{self.dir}"\nwriters = {writers}\n'
                    f'rate_limit = {rate_limit}\nlog_level = "warn"\n'
                    f'kafka {{ bootstrap_servers = "{os.environ["HS_KAFKA_BOOTSTRAP"]}" '
                    f'topic = "{self.topic}" group_id = "{self.tag}" partitions = {partitions} '
                    # only when asked for (else the build's default): a build from before the
                    # setting must read the file
                    + (f'compression = "{compression}" ' if compression else "")
                    + '}\n' + extra)

    def command(self, what):
        subprocess.run([self.binary, what, "-c", self.config], check=True, capture_output=True)

    def committed(self):
        """Rows the writers report committed, from the status file: polling it costs the
        database nothing, where COUNT(*) on a growing table would compete with the run.
        Notes each child's role by its pid on the way."""
        try:
            with open(os.path.join(self.dir, "status.json")) as f:
                status = json.load(f)
        except (OSError, ValueError):
            return 0
        self.roles.update((c["pid"], c["role"]) for c in status["children"] if c["pid"])
        return sum(c["records_out"] for c in status["children"] if c["role"].startswith("writer-"))

    def kind_of(self, supervisor):
        """Names a process of this instance for cpu.Sampler: its role."""
        return lambda proc: "supervisor" if proc[1] == supervisor else self.roles.get(proc[1], cpu.OTHER)

    def ingest(self, rows, timeout=3600):
        """Starts, waits until `rows` are committed, stops. Returns seconds, steady rows/s, peak
        memory; leaves the CPU figures (cpu.figures) in self.cpu."""
        with cpu.Sampler() as sampler:
            t0, t0_wall, reaped = time.monotonic(), time.time(), cpu.reaped_cpu()
            self.command("start")
            sampler.add("supervisor", cpu.reaped_cpu() - reaped)  # the command that daemonizes
            with open(os.path.join(self.dir, "housingsup.pid")) as f:
                supervisor = int(f.read())
            sampler.follow(supervisor)
            first, last, peak_pss, peak_rss = self.wait(rows, t0, timeout, supervisor, sampler)
        self.command("stop")
        # The end is the last commit, not when the status file (rewritten every 0.5 s)
        # showed it: that rounded every run up by 0 to 0.5 s, up to 6 % of a run of 8 s
        elapsed = float(psql("SELECT EXTRACT(EPOCH FROM max(pg_xact_commit_timestamp(xmin))) "
                             f'FROM "{self.table}"')) - t0_wall
        steady = ((last[1] - first[1]) / (last[0] - first[0]) if last and last[1] > first[1]
                  else rows / elapsed)
        self.cpu = cpu.figures(sampler, rows, last[1] - first[1] if first and last else 0,
                               self.kind_of(supervisor))
        for role in ["csv-reader", "publisher", "kafka-reader"] + [f"writer-{i}" for i in range(self.writers)]:
            self.cpu["us_per_row"].setdefault(role, 0.0)  # one never seen ran less than 0.2 s
        return elapsed, steady, peak_pss, peak_rss

    def wait(self, rows, t0, timeout, supervisor, sampler):
        """Polls until `rows` are committed; marks 10 %, 90 % and the end on the sampler.
        Returns (time, rows) at 10 % and at 90 %, and the peak memory."""
        peak_pss = peak_rss = 0
        first = last = None
        next_memory = 0.0
        while True:
            n = self.committed()
            if n >= rows:  # the status file is rewritten every 0.5 s: confirm at the source
                sampler.mark("end")
                n = int(psql(f'SELECT COUNT(*) FROM "{self.table}"'))
            now = time.monotonic()
            if first is None and n >= rows * 0.1:
                first = (sampler.mark("10%").t, n)
            if last is None and n >= rows * 0.9:
                last = (sampler.mark("90%").t, n)
            if now >= next_memory or n >= rows:
                # /proc's scan and every child's smaps_rollup cost bench.py a tenth of a
                # core at 20 a second, taken from the run it measures: 4 a second
                pss, rss = memory_kb(pids_of(supervisor))
                peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
                next_memory = now + MEMORY_EVERY_S
            if n >= rows:
                return first, last, peak_pss, peak_rss
            if now - t0 > timeout:
                raise RuntimeError(f"only {n} of {rows} rows after {timeout}s; see {self.dir}")
            time.sleep(0.05)


def kcat_peer(topic, rows):
    """kcat reads the topic, jq turns each batch into CSV rows, psql \\copy loads them."""
    reset_table()
    fields = ",".join(f".{c}" for c in COLUMNS)  # the messages are keyed by column name
    pipeline = (f"kcat -C -b {os.environ['HS_KAFKA_BOOTSTRAP']} -t {topic} -o beginning -e -q -f '%s\\n'"
                f" | jq -r '.[] | [{fields}, \"kcat\", ._line] | @csv'"
                f" | psql -Xq -c \"\\copy housing ({', '.join(COLUMNS)}, src_file, src_line) FROM STDIN WITH (FORMAT csv)\"")
    kinds = {"kcat": "kcat", "jq": "jq", "psql": "psql"}
    elapsed, figures = watch_peer(["bash", "-o", "pipefail", "-c", pipeline], rows,
                                  lambda proc: kinds.get(proc[0], "shell"))
    assert int(psql("SELECT COUNT(*) FROM housing")) == rows
    return rows / elapsed, figures


def spark_venv():
    """A virtualenv with pyspark and psycopg2 from PyPI, made once beside the servers."""
    venv = os.path.join(os.environ.get("HS_STACK_DIR", os.path.join(ROOT, ".stack")), "spark-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, ".complete")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "pyspark==3.5.3", "psycopg2-binary"],
                       check=True)
        open(os.path.join(venv, ".complete"), "w").close()
    return python


def spark_peer(topic, rows):
    """The seed's design: Spark Structured Streaming, foreachBatch through psycopg2. Its
    rows/s is its own (from the query's start); its CPU counts the whole process, JVM
    start-up included."""
    reset_table()
    out_path = os.path.join(WORK, "spark-peer.out")
    with open(out_path, "w") as out, open(out_path + ".err", "w") as err:
        try:
            _, figures = watch_peer([spark_venv(), os.path.join(ROOT, "bench", "peers", "spark_peer.py"),
                                     topic, str(rows)], rows,
                                    lambda proc: "Spark JVM" if proc[0] == "java" else "Spark Python",
                                    stdout=out, stderr=err)
        except subprocess.CalledProcessError:
            with open(out_path + ".err") as f:
                raise RuntimeError("the Spark peer failed:\n" + f.read()[-3000:])
    assert int(psql("SELECT COUNT(*) FROM housing")) == rows
    with open(out_path) as f:
        return float(f.read().strip().splitlines()[-1]), figures


def latency(csv_path, rows, rate, warmup_rows, binary=BIN):
    """Percentiles of commit time minus read time (track_commit_timestamp), over the rows
    read after the warm-up: the first seconds include joining the consumer group."""
    reset_table()
    run = Run(csv_path, rate_limit=rate, binary=binary)
    run.ingest(rows)
    q = ("SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY "
         "(EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) * 1e6 - read_us) / 1000.0) "
         f"FROM housing WHERE src_line > {warmup_rows + 1}")
    return [float(x) for x in psql(q).strip("{}").split(",")], run.cpu


def percentile(values, q):
    """The q-th percentile (0..100) of values, interpolated as percentile_cont does."""
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo = int(k)
    return v[lo] + (v[min(lo + 1, len(v) - 1)] - v[lo]) * (k - lo)


def wait_rows(query, rows, timeout=60):
    t0 = time.monotonic()
    while int(psql(query)) < rows:
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"{query}: fewer than {rows} rows after {timeout}s")
        time.sleep(0.05)


ANY_TABLE = "bench_any"


def any_table_files(source, rows):
    """--table-csv: the source's records repeated to `rows` (a file in its own dialect, for
    housingsup), the same records with src_file and src_line (for COPY), and the dialect."""
    with open(source, newline="", encoding="utf-8") as f:
        sample = f.read(1 << 16)
        f.seek(0)
        dialect = csv.Sniffer().sniff(sample)
        reader = csv.reader(f, dialect)
        header, records = next(reader), list(reader)
    if not records:
        raise RuntimeError(f"{source}: no records")
    base = os.path.join(WORK, f"any-{rows}-{os.path.basename(source)}")
    with open(base, "w", newline="") as plain, open(base + ".copy", "w", newline="") as copy:
        out = csv.writer(plain, delimiter=dialect.delimiter)
        with_src = csv.writer(copy, delimiter=dialect.delimiter)
        out.writerow(header)
        for n in range(rows):
            out.writerow(records[n % len(records)])
            with_src.writerow(records[n % len(records)] + [os.path.basename(base), n + 2])
    return base, base + ".copy", dialect.delimiter


def any_table_reset(statements):
    psql(f'DROP TABLE IF EXISTS "{ANY_TABLE}", "{ANY_TABLE}_dead_letter"')
    psql(statements)


def any_table(args):
    """--table-csv FILE: housingsup end to end against the COPY ceiling for any CSV: the
    table section and the CREATE statements of `housingsup infer FILE --table bench_any`,
    the file's records repeated to --rows, each run into a table made anew."""
    os.makedirs(WORK, exist_ok=True)
    inferred = subprocess.run([BIN, "infer", args.table_csv, "--table", ANY_TABLE], check=True,
                              capture_output=True, text=True).stdout
    section = inferred[inferred.index("table {"):inferred.index("\n}\n") + 3]
    statements = inferred[inferred.index("CREATE TABLE"):]
    names = [line.split('"')[1] for line in section.splitlines()
             if line.strip().startswith("column ")]
    columns = ", ".join(f'"{name}"' for name in names)
    path, copy_path, delimiter = any_table_files(args.table_csv, args.rows)
    copy_sql = (f"\\copy {ANY_TABLE} ({columns}, src_file, src_line) FROM '{copy_path}' "
                f"WITH (FORMAT csv, DELIMITER '{delimiter}')")
    print(f"any table: {args.table_csv}, {args.rows:,} rows, {len(names)} columns, "
          f"{args.repeats} runs each", flush=True)
    any_table_reset(statements)
    warm_up(Run(path, table=ANY_TABLE, extra=section), args.rows)
    rates = {"COPY ceiling": [], "housingsup": []}
    figures = {"COPY ceiling": [], "housingsup": []}
    for _ in range(args.repeats):
        any_table_reset(statements)
        elapsed, fig = watch_peer(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", copy_sql],
                                  args.rows, lambda proc: proc[0], table=ANY_TABLE)
        rates["COPY ceiling"].append(args.rows / elapsed)
        figures["COPY ceiling"].append(fig)
        any_table_reset(statements)
        run = Run(path, table=ANY_TABLE, extra=section)
        elapsed, _, _, _ = run.ingest(args.rows)
        rates["housingsup"].append(args.rows / elapsed)
        figures["housingsup"].append(run.cpu)
    ceiling_rate = statistics.median(rates["COPY ceiling"])
    for label in rates:
        s = summarize(rates[label])
        print(f"{label + ', ' + ANY_TABLE + ', rows/s':<44} {fmt(s)}   "
              f"{s['median'] / ceiling_rate:.0%} of the ceiling")
        print("\n".join(cpu.report_lines(label, *cpu.summary(figures[label]))))
    return {k: summarize(v) for k, v in rates.items()}


def warm_up(run, rows):
    """One unmeasured run before the measured ones. make bench starts the broker, and its
    JVM compiles its hot paths during the first minute of load: the first measured run
    after a start cost the broker up to 3.5 µs a row, the later ones 0.7-1.6, which made
    the first run the slowest of any series by up to a fifth."""
    run.ingest(rows)
    print(f"  warm-up run (not measured): {rows:,} rows", flush=True)


def latency_input(args):
    """The latency run's CSV, its rows, and the rows of its warm-up."""
    warmup_rows = args.latency_rate * args.latency_warmup
    rows = args.latency_rate * args.latency_seconds + warmup_rows
    csv_path, _ = generate(rows)
    return csv_path, rows, warmup_rows


def latency_runs(args):
    """--latency-only: the latency run `repeats` times, alternating with --compare's build."""
    csv_path, rows, warmup_rows = latency_input(args)
    binaries = [BIN] + ([args.compare] if args.compare else [])
    got = {b: [] for b in binaries}
    reset_table()
    warm_up(Run(csv_path), rows)  # at full speed, with the rows of a latency run
    for i in range(args.repeats):
        for b in binaries:
            l, fig = latency(csv_path, rows, args.latency_rate, warmup_rows, b)
            got[b].append(l)
            print(f"  {b} at {args.latency_rate:,} rows/s, run {i + 1}/{args.repeats}: p50 {l[0]:.1f} ms, "
                  f"p95 {l[1]:.1f} ms, p99 {l[2]:.1f} ms; {cpu.run_line(fig)}", flush=True)
    for b in binaries:
        print(f"{b}: median p50 {statistics.median(l[0] for l in got[b]):.1f} ms, "
              f"p99 {statistics.median(l[2] for l in got[b]):.1f} ms")


def follow_latency(appends, interval_ms, binary=BIN):
    """Follow mode on an idle pipeline: housingsup follows a file, to which `appends` single
    lines are then appended `interval_ms` apart (one write each). Per line, its commit time
    (pg_xact_commit_timestamp) minus the wall-clock time just before it was written; and,
    to tell where the time goes, the part of it until the CSV reader read the line (read_us)
    and the part after (through Kafka into PostgreSQL).
    Returns {p50, p99, max, read_p50, read_p99, after_read_p50, after_read_p99} in ms."""
    reset_table()
    source, _ = generate(max(1000, appends + 1))
    with open(source) as f:
        lines = [f.readline() for _ in range(appends + 2)]  # the header, a first row, the appends
    path = os.path.join(WORK, f"follow-{os.getpid()}-{Run.count + 1}.csv")
    with open(path, "w") as f:
        f.writelines(lines[:2])
    run = Run(path, binary=binary)
    with open(run.config, "a") as f:
        f.write("follow = true\n")
    run.command("start")
    appended = {}
    try:
        wait_rows("SELECT COUNT(*) FROM housing", 1)  # started: the consumer group is joined
        time.sleep(0.5)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        t0 = time.monotonic()
        for i, line in enumerate(lines[2:]):
            time.sleep(max(0.0, t0 + i * interval_ms / 1000 - time.monotonic()))
            appended[i + 3] = time.time() * 1e6
            os.write(fd, line.encode())
        os.close(fd)
        wait_rows("SELECT COUNT(*) FROM housing WHERE src_line > 2", appends)
    finally:
        run.command("stop")
    rows = psql("SELECT src_line, EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) * 1e6, read_us "
                "FROM housing WHERE src_line > 2").splitlines()
    total, read, after = [], [], []
    for row in rows:
        line, commit_us, read_us = row.split("|")
        total.append((float(commit_us) - appended[int(line)]) / 1000)
        read.append((float(read_us) - appended[int(line)]) / 1000)
        after.append((float(commit_us) - float(read_us)) / 1000)
    return {"p50": percentile(total, 50), "p99": percentile(total, 99), "max": max(total),
            "read_p50": percentile(read, 50), "read_p99": percentile(read, 99),
            "after_read_p50": percentile(after, 50), "after_read_p99": percentile(after, 99)}


def follow_latency_runs(appends, interval_ms, repeats):
    runs = []
    for i in range(repeats):
        runs.append(follow_latency(appends, interval_ms))
        r = runs[-1]
        print(f"  follow latency run {i + 1}/{repeats}: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
              f"max {r['max']:.1f} ms (until read: p50 {r['read_p50']:.1f}, p99 {r['read_p99']:.1f}; "
              f"after: p50 {r['after_read_p50']:.1f}, p99 {r['after_read_p99']:.1f})", flush=True)
    out = {"appends": appends, "interval_ms": interval_ms}
    for k in ("p50", "p99", "max", "read_p50", "read_p99", "after_read_p50", "after_read_p99"):
        out[k] = summarize([r[k] for r in runs])
    return out


def follow_report(r):
    """The follow latency lines of the table, and its rows of results.csv."""
    f = r["follow_latency_ms"]
    label = f"follow latency %s (1 line per {f['interval_ms']} ms), ms"
    lines = [f"{label % p:<44} {f[p]['median']:>12.1f}  ({f[p]['min']:.1f}..{f[p]['max']:.1f})"
             for p in ("p50", "p99", "max")]
    rows = [[f"follow_latency_{p}_ms", f[p]["median"], f[p]["min"], f[p]["max"]] for p in ("p50", "p99", "max")]
    return lines, rows


def summarize(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def measure(label, fn, repeats, results, key):
    """Runs fn `repeats` times; fn returns (rows/s, CPU figures). Keeps the CPU figures in
    results under `key` (keep_cpu); returns the summary of the rows/s."""
    values, figures = [], []
    for i in range(repeats):
        value, fig = fn()
        values.append(value)
        figures.append(fig)
        print(f"  {label} run {i + 1}/{repeats}: {value:,.0f}; {cpu.run_line(fig)}", flush=True)
    keep_cpu(results, key, figures)
    return summarize(values)


def keep_cpu(results, key, figures):
    """results' cpu_us_per_row and cores_busy entries for one competitor's runs."""
    us, cores = cpu.summary(figures)
    results.setdefault("cpu_us_per_row", {})[key] = us
    results.setdefault("cores_busy", {})[key] = cores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--big", action="store_true", help="also measure memory at 10,000,000 rows")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-scaling", action="store_true")
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark peer (a 300 MB download)")
    ap.add_argument("--latency-rate", type=int, default=10000)
    ap.add_argument("--latency-seconds", type=int, default=30)
    ap.add_argument("--latency-warmup", type=int, default=5, help="seconds of load before measuring")
    ap.add_argument("--follow-appends", type=int, default=200,
                    help="follow latency: lines appended one by one to a followed file")
    ap.add_argument("--follow-interval-ms", type=int, default=50)
    ap.add_argument("--latency-only", action="store_true",
                    help="only the latency at --latency-rate, printed (with --compare, alternating)")
    ap.add_argument("--table-csv", metavar="FILE",
                    help="only end to end and the COPY ceiling for any CSV (a UTF-8 file "
                         "PostgreSQL's COPY also reads), its records repeated to --rows")
    ap.add_argument("--follow-only", action="store_true", help="only the follow latency, printed")
    ap.add_argument("--refuse-every", type=int, default=10000,
                    help="the refused-rows run: a CHECK constraint refuses one row in this many")
    ap.add_argument("--smoke", action="store_true", help="1,000 rows, one run of each, for make test")
    ap.add_argument("--compare", metavar="BIN",
                    help="only end to end, this build against BIN (another build), interleaved")
    ap.add_argument("--codecs", metavar="LIST",
                    help="only end to end, alternating kafka.compression over LIST, e.g. none,lz4,zstd")
    ap.add_argument("--writers", metavar="LIST",
                    help="only end to end, alternating the number of writers over LIST, e.g. 2,3,4")
    ap.add_argument("--results", default=RESULTS, help="where results.json and results.csv go")
    args = ap.parse_args()
    results_dir = args.results
    if args.smoke:
        args.rows, args.repeats, args.no_scaling, args.no_spark = 1000, 1, True, True
        args.latency_rate, args.latency_seconds, args.latency_warmup = 1000, 1, 3
        args.refuse_every = 100
        args.follow_appends = 5
    if args.follow_only:
        print(json.dumps(follow_latency_runs(args.follow_appends, args.follow_interval_ms, args.repeats),
                         indent=1))
        return

    if args.latency_only:
        latency_runs(args)
        return
    if args.table_csv:
        any_table(args)
        return

    rows = args.rows
    csv_path, copy_path = generate(rows)
    results = {"rows": rows, "repeats": args.repeats, "machine": os.uname().machine,
               "cores": os.cpu_count()}
    print(f"housingsup benchmark: {rows:,} rows, {args.repeats} runs each", flush=True)
    reset_table()
    warm_up(Run(csv_path), rows)
    if args.compare:
        alternate([("this build", {}), (args.compare, {"binary": args.compare})], csv_path, rows,
                  args.repeats)
        return
    if args.codecs:
        alternate([(f"compression {c}", {"compression": c}) for c in args.codecs.split(",")],
                  csv_path, rows, args.repeats)
        return
    if args.writers:
        alternate([(f"writers={w}", {"writers": int(w)}) for w in args.writers.split(",")],
                  csv_path, rows, args.repeats)
        return

    results["copy_ceiling_rows_s"] = measure("COPY ceiling", lambda: ceiling(copy_path, rows), args.repeats,
                                             results, "copy_ceiling")

    e2e, steady, mem, topics, figures = [], [], [], [], []
    for i in range(args.repeats):
        reset_table()
        run = Run(csv_path)
        elapsed, rate, pss, rss = run.ingest(rows)
        topics.append(run.topic)
        e2e.append(rows / elapsed)
        steady.append(rate)
        mem.append((pss, rss))
        figures.append(run.cpu)
        print(f"  housingsup run {i + 1}/{args.repeats}: {rows / elapsed:,.0f} rows/s end to end, "
              f"{rate:,.0f} steady, peak Pss {pss / 1024:.1f} MiB (Rss {rss / 1024:.1f} MiB); "
              f"{cpu.run_line(run.cpu)}", flush=True)
    keep_cpu(results, "housingsup", figures)
    results["housingsup_rows_s"] = summarize(e2e)
    results["housingsup_steady_rows_s"] = summarize(steady)
    results["housingsup_peak_pss_mib"] = {str(rows): max(p for p, _ in mem) / 1024}
    results["housingsup_peak_rss_mib"] = {str(rows): max(r for _, r in mem) / 1024}

    results["refused"], figures = refused_runs(csv_path, rows, args.refuse_every, args.repeats)
    keep_cpu(results, "housingsup_refused", figures)

    results["kcat_psql_rows_s"] = measure("kcat | jq | psql \\copy", lambda: kcat_peer(topics[0], rows),
                                          args.repeats, results, "kcat_psql")
    results["peers_not_run"] = {"kafka_connect_jdbc": "none reads a topic of schemaless JSON arrays: see bench/README.md"}
    if args.no_spark:
        results["peers_not_run"]["spark"] = "skipped (--no-spark)"
    else:
        results["spark_rows_s"] = measure("Spark Structured Streaming", lambda: spark_peer(topics[0], rows),
                                          args.repeats, results, "spark")

    lat_csv, lat_rows, warmup_rows = latency_input(args)
    lat, figures = [], []
    for i in range(args.repeats):
        l, fig = latency(lat_csv, lat_rows, args.latency_rate, warmup_rows)
        lat.append(l)
        figures.append(fig)
        print(f"  latency run {i + 1}/{args.repeats}: p50 {l[0]:.1f} ms, p95 {l[1]:.1f} ms, p99 {l[2]:.1f} ms; "
              f"{cpu.run_line(fig)}", flush=True)
    keep_cpu(results, "latency", figures)
    results["latency_ms"] = {"offered_rows_s": args.latency_rate, "seconds": args.latency_seconds,
                             "warmup_seconds": args.latency_warmup,
                             "p50": summarize([l[0] for l in lat]), "p95": summarize([l[1] for l in lat]),
                             "p99": summarize([l[2] for l in lat])}

    results["follow_latency_ms"] = follow_latency_runs(args.follow_appends, args.follow_interval_ms,
                                                       args.repeats)

    if args.big:
        big_csv, _ = generate(10000000)
        reset_table()
        run = Run(big_csv)
        _, _, pss, rss = run.ingest(10000000)
        keep_cpu(results, "housingsup_10000000", [run.cpu])
        results["housingsup_peak_pss_mib"]["10000000"] = pss / 1024
        results["housingsup_peak_rss_mib"]["10000000"] = rss / 1024

    if not args.no_scaling:
        scaling = {}
        for partitions in (1, 4):
            for writers in (1, 2, 4):
                def one():
                    reset_table()
                    run = Run(csv_path, writers=writers, partitions=partitions)
                    elapsed, _, _, _ = run.ingest(rows)
                    return rows / elapsed, run.cpu
                key = f"writers={writers},partitions={partitions}"
                scaling[key] = measure(f"writers={writers} partitions={partitions}", one, args.repeats,
                                       results, "scaling " + key)
        results["scaling_rows_s"] = scaling

    report(results, results_dir)


def alternate(variants, csv_path, rows, repeats):
    """End to end of each variant, (label, Run keyword arguments), in turn (the first, the
    second, ..., the first again), so that the machine's drift over the minutes falls on
    all alike. Prints each run, then each variant's median rows/s, its ratio to the first
    variant's, and its median CPU per row and cores busy."""
    rates, figures = {label: [] for label, _ in variants}, {label: [] for label, _ in variants}
    for i in range(repeats):
        for label, kwargs in variants:
            reset_table()
            run = Run(csv_path, **kwargs)
            elapsed, _, _, _ = run.ingest(rows)
            rates[label].append(rows / elapsed)
            figures[label].append(run.cpu)
            print(f"  run {i + 1}/{repeats} of {label}: {rows / elapsed:,.0f} rows/s end to end; "
                  f"{cpu.run_line(run.cpu)}", flush=True)
    first = statistics.median(rates[variants[0][0]])
    for label, _ in variants:
        s = summarize(rates[label])
        print(f"{label + ', rows/s':<44} {fmt(s)}   {s['median'] / first:.3f} of the first")
        print("\n".join(cpu.report_lines(label, *cpu.summary(figures[label]))))


def refused_runs(csv_path, rows, every, repeats):
    """End to end with a CHECK constraint refusing one row in `every` (lines where
    src_line % every == every // 2): each refused row is found and set aside as a dead
    letter while the rest of its batch is committed."""
    remainder = every // 2
    refused = sum(1 for line in range(2, rows + 2) if line % every == remainder)
    psql("ALTER TABLE housing DROP CONSTRAINT IF EXISTS bench_refuses")
    rates, figures = [], []
    try:
        reset_table()
        psql(f"ALTER TABLE housing ADD CONSTRAINT bench_refuses CHECK (src_line % {every} <> {remainder})")
        for i in range(repeats):
            reset_table()
            run = Run(csv_path)
            elapsed, _, _, _ = run.ingest(rows - refused)
            figures.append(run.cpu)
            dead = int(psql("SELECT COUNT(*) FROM housing_dead_letter WHERE sqlstate = '23514'"))
            if dead != refused:
                raise RuntimeError(f"{dead} dead letters for {refused} refused rows")
            rates.append(rows / elapsed)
            print(f"  housingsup, 1 row in {every:,} refused, run {i + 1}/{repeats}: "
                  f"{rows / elapsed:,.0f} rows/s end to end ({refused} dead letters); {cpu.run_line(run.cpu)}",
                  flush=True)
    finally:
        psql("ALTER TABLE housing DROP CONSTRAINT IF EXISTS bench_refuses")
    return {"every": every, "refused_rows": refused, "rows_s": summarize(rates)}, figures


def fmt(s):
    return f"{s['median']:>12,.0f}  ({s['min']:,.0f}..{s['max']:,.0f})"


COPY_LABEL = "COPY ceiling (psql \\copy), rows/s"
KCAT_LABEL = "kcat | jq | psql \\copy from the topic, rows/s"
CPU_LABELS = {"copy_ceiling": "COPY ceiling", "housingsup_refused": "housingsup with refused rows",
              "kcat_psql": "kcat | jq | psql", "spark": "Spark peer",
              "latency": "housingsup at the latency run's offered rate",
              "housingsup_10000000": "housingsup, 10,000,000 rows"}


def report(r, results_dir):
    ceiling_rate = r["copy_ceiling_rows_s"]["median"]
    ratio = r["housingsup_rows_s"]["median"] / ceiling_rate
    lines = [
        f"{'measurement':<44} {'median':>12}  (min..max)",
        f"{COPY_LABEL:<44} {fmt(r['copy_ceiling_rows_s'])}",
        f"{'housingsup end to end, rows/s':<44} {fmt(r['housingsup_rows_s'])}   {ratio:.0%} of ceiling",
        f"{'housingsup steady state (10%..90%), rows/s':<44} {fmt(r['housingsup_steady_rows_s'])}",
        f"{'housingsup, 1 row in ' + format(r['refused']['every'], ',') + ' refused, rows/s':<44} "
        f"{fmt(r['refused']['rows_s'])}   "
        f"{r['refused']['rows_s']['median'] / r['housingsup_rows_s']['median']:.0%} of the clean run",
        f"{KCAT_LABEL:<44} {fmt(r['kcat_psql_rows_s'])}",
        (f"{'Spark Structured Streaming peer, rows/s':<44} {fmt(r['spark_rows_s'])}   "
         f"housingsup is {r['housingsup_rows_s']['median'] / r['spark_rows_s']['median']:.1f}x"
         if "spark_rows_s" in r else
         f"{'Spark Structured Streaming peer':<44} {'not run':>12}  ({r['peers_not_run']['spark']})"),
        f"{'Kafka Connect JDBC sink peer':<44} {'not run':>12}  ({r['peers_not_run']['kafka_connect_jdbc']})",
    ]
    lat = r["latency_ms"]
    for p in ("p50", "p95", "p99"):
        lines.append(f"{'latency ' + p + ' at ' + format(lat['offered_rows_s'], ',') + ' rows/s, ms':<44} "
                     f"{lat[p]['median']:>12.1f}  ({lat[p]['min']:.1f}..{lat[p]['max']:.1f})")
    follow_lines, follow_rows = follow_report(r)
    lines += follow_lines
    for size, pss in r["housingsup_peak_pss_mib"].items():
        lines.append(f"{'peak memory, all processes, ' + format(int(size), ',') + ' rows, MiB':<44} "
                     f"{pss:>12.1f}  (Pss; Rss {r['housingsup_peak_rss_mib'][size]:.1f})")
    for k, v in r.get("scaling_rows_s", {}).items():
        lines.append(f"{'scaling ' + k + ', rows/s':<44} {fmt(v)}")
    lines.append("CPU per row by kind of process over each whole run, medians of the runs:")
    for key, us in r["cpu_us_per_row"].items():
        lines += cpu.report_lines(CPU_LABELS.get(key, key), us, r["cores_busy"][key])
    print("\n".join(lines))
    os.makedirs(results_dir, exist_ok=True)
    with open(os.path.join(results_dir, "results.json"), "w") as f:
        json.dump(r, f, indent=1)
    with open(os.path.join(results_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["measurement", "median", "min", "max"])
        for key in ("copy_ceiling_rows_s", "housingsup_rows_s", "housingsup_steady_rows_s", "kcat_psql_rows_s",
                    "spark_rows_s"):
            if key not in r:
                continue
            s = r[key]
            w.writerow([key, s["median"], s["min"], s["max"]])
        s = r["refused"]["rows_s"]
        w.writerow([f"housingsup_refused_1_in_{r['refused']['every']}_rows_s", s["median"], s["min"], s["max"]])
        for p in ("p50", "p95", "p99"):
            w.writerow([f"latency_{p}_ms", lat[p]["median"], lat[p]["min"], lat[p]["max"]])
        w.writerows(follow_rows)
        for size, pss in r["housingsup_peak_pss_mib"].items():
            w.writerow([f"peak_pss_mib_{size}", pss, pss, pss])
        for k, v in r.get("scaling_rows_s", {}).items():
            w.writerow([f"scaling_{k}", v["median"], v["min"], v["max"]])
        for key, us in r["cpu_us_per_row"].items():
            for kind, v in us["median"].items():
                w.writerow([f"cpu_us_per_row {key} {kind}", v, min(x.get(kind, 0) for x in us["runs"]),
                            max(x.get(kind, 0) for x in us["runs"])])
            c = r["cores_busy"][key]
            for k in ("processes", "machine"):
                w.writerow([f"cores_busy {key} {k}", c[k]["median"], c[k]["min"], c[k]["max"]])


if __name__ == "__main__":
    main()
