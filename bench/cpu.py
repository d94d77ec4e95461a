"""cpu.py - CPU time by kind of process over a benchmark run, and the cores kept busy.

A Sampler reads /proc/PID/stat (utime + stime, in clock ticks) of the stack's servers and
of one competitor's processes, every 0.2 s from a thread and at once when the benchmark
marks a moment (the start, 10 % and 90 % of the rows committed, the end). A process that
exits between two samples keeps the last value seen, so it loses at most its last 0.2 s,
and that loss is counted apart: the exact CPU of the competitor's processes is known from
their root's cutime + cstime (what it reaped) or, for a peer, from its rusage once
bench.py has waited for it. PostgreSQL loses nothing: a backend that exits is reaped by
the postmaster, whose cutime + cstime then hold it. /proc/stat's busy jiffies give the
whole machine's figure beside the sum of the processes followed.
"""
import os
import resource
import statistics
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")
POSTGRES, BROKER, EXITED = "PostgreSQL", "broker", "(exited, unsampled)"


def read_stat(pid):
    """(ppid, comm, start, own ticks, reaped children's ticks) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    f = text[text.rindex(")") + 2:].split()  # f[0] is field 3 (state) of proc(5)
    return int(f[1]), comm, int(f[19]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def scan():
    """Every process of the machine: {pid: read_stat(pid)}."""
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_stat(int(entry))
            if stat:
                procs[int(entry)] = stat
    return procs


def machine_ticks():
    """(busy, iowait) ticks of all cores since boot: /proc/stat's cpu line less idle and
    iowait, and iowait (idle while a task of the core waits for the disk)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4], ticks[4]


def descendants(procs, root):
    """root and every process below it."""
    children = {}
    for pid, stat in procs.items():
        children.setdefault(stat[0], []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def pid_file(path):
    """The pid on the first line of a file, or None."""
    try:
        with open(path) as f:
            return int(f.readline())
    except (OSError, ValueError):
        return None


def stack_pids():
    """(postmaster, broker) pids of scripts/stack.sh's servers, from its .stack files."""
    stack = os.environ.get("HS_STACK_DIR", os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), ".stack"))
    return (pid_file(os.path.join(stack, "pg", "data", "postmaster.pid")),
            pid_file(os.path.join(stack, "kafka", "kafka.pid")))


class Mark:
    """One moment: the time, the machine's (busy, iowait) ticks, bench.py's own CPU seconds,
    the ticks of every process followed so far (by (pid, start), or POSTGRES and BROKER), and
    the exact ticks of the root's tree (with what it reaped; None while no root runs)."""

    def __init__(self, t, machine, own, ticks, tree):
        self.t, self.machine, self.own, self.ticks, self.tree = t, machine, own, ticks, tree


class Sampler:
    """The CPU of the stack's servers and of the processes under one root pid.

    follow(pid) names the root (a peer's process, or housingsup's supervisor once it has
    started); add(kind, seconds) counts CPU measured otherwise (the `housingsup start`
    command, reaped by bench.py); mark(name) takes a sample now and keeps it by name.
    What the samples missed of the processes that exited (their last moments, or all of a
    process that lived less than 0.2 s) is counted as EXITED: the exact CPU of the root's
    tree, from the root's cutime + cstime or, once bench.py has waited for the root, given
    by reaped(seconds), less the sum of the samples.
    """

    def __init__(self, interval=0.2):
        self.postmaster, self.broker = stack_pids()
        self.root, self.interval = None, interval
        self.last = {}   # (pid, start) or server name -> ticks, the last value seen
        self.comm = {}   # (pid, start) -> (command name, pid)
        self.extra = {}  # kind -> seconds measured otherwise
        self.tree_seconds = None
        self.marks = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def __enter__(self):
        self.mark("start")
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def loop(self):
        while not self.done.wait(self.interval):
            self.sample()

    def follow(self, pid):
        self.root = pid

    def add(self, kind, seconds):
        with self.lock:
            self.extra[kind] = self.extra.get(kind, 0) + seconds

    def reaped(self, seconds):
        self.tree_seconds = seconds

    def sample(self):
        """Reads every process once; returns the Mark of this moment."""
        procs = scan()
        with self.lock:
            if self.postmaster in procs:  # live processes, plus what the postmaster reaped
                self.last[POSTGRES] = sum(procs[p][3] + procs[p][4]
                                          for p in descendants(procs, self.postmaster))
            if self.broker in procs:
                self.last[BROKER] = procs[self.broker][3]
            tree = None
            for pid in descendants(procs, self.root) if self.root else []:
                key = (pid, procs[pid][2])
                self.last[key] = procs[pid][3]
                self.comm[key] = (procs[pid][1], pid)
                tree = (tree or 0) + procs[pid][3] + procs[pid][4]
            times = os.times()
            return Mark(time.monotonic(), machine_ticks(), times.user + times.system, dict(self.last), tree)

    def mark(self, name):
        self.marks[name] = self.sample()
        return self.marks[name]

    def seconds(self, a, b, kind_of):
        """CPU seconds by kind between marks a and b; kind_of((comm, pid)) names a process."""
        out, tree = {}, 0
        for key, ticks in self.marks[b].ticks.items():
            kind = key if isinstance(key, str) else kind_of(self.comm[key])
            s = (ticks - self.marks[a].ticks.get(key, 0)) / TICK
            out[kind] = out.get(kind, 0) + s
            tree += 0 if isinstance(key, str) else s
        if a == "start":
            for kind, s in self.extra.items():
                out[kind] = out.get(kind, 0) + s
        exact = self.exact(a, b)
        if exact is not None:
            out[EXITED] = max(0, exact - tree)
        return out

    def exact(self, a, b):
        """The exact CPU seconds of the root's tree between marks a and b, when known: from
        the root's /proc (its children's and its own, with what it reaped) while it runs,
        or as bench.py measured it once it waited for the root (reaped())."""
        ma, mb = self.marks[a], self.marks[b]
        if mb.tree is not None and (ma.tree is not None or a == "start"):
            return (mb.tree - (ma.tree or 0)) / TICK
        if self.tree_seconds is not None and (a, b) == ("start", "end"):
            return self.tree_seconds
        return None

    def cores(self, a, b, kind_of):
        """Cores busy between marks a and b: the processes followed, the whole machine, and
        bench.py itself (part of the machine's figure, not of the processes'); and the cores
        idle in iowait."""
        ma, mb = self.marks[a], self.marks[b]
        wall = mb.t - ma.t
        return {"processes": sum(self.seconds(a, b, kind_of).values()) / wall,
                "machine": (mb.machine[0] - ma.machine[0]) / TICK / wall,
                "iowait": (mb.machine[1] - ma.machine[1]) / TICK / wall,
                "bench_py": (mb.own - ma.own) / wall, "seconds": wall}


def reaped_cpu():
    """CPU seconds of bench.py's children that it has waited for, so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def figures(sampler, rows, steady_rows, kind_of):
    """The run's CPU µs per row by kind (from "start" to "end"), those of the steady window
    ("10%" to "90%", if marked), and the cores busy in it (over the whole run if the
    window was not marked or is shorter than 0.5 s, as in a 1,000-row smoke run)."""
    us = {k: s * 1e6 / rows for k, s in sampler.seconds("start", "end", kind_of).items()}
    out = {"us_per_row": us, "rows": rows}
    m = sampler.marks
    if "10%" in m and "90%" in m and m["90%"].t - m["10%"].t >= 0.5 and steady_rows > 0:
        out["steady_us_per_row"] = {k: s * 1e6 / steady_rows
                                    for k, s in sampler.seconds("10%", "90%", kind_of).items()}
        out["cores_busy"] = dict(sampler.cores("10%", "90%", kind_of), window="10%..90%")
    else:
        out["cores_busy"] = dict(sampler.cores("start", "end", kind_of), window="whole run")
    return out


# ---- summaries and the printed lines ----

ROLES = ("supervisor", "csv-reader", "publisher", "kafka-reader")
OTHER = "other child"  # a child of the supervisor that status.json never named


def is_role(kind):
    """A kind of housingsup's own processes."""
    return kind in ROLES or kind.startswith("writer-") or kind == OTHER


def order(kind):
    """Roles in the pipeline's order, then the peers' processes, the servers, the rest."""
    if kind in ROLES:
        return (0, ROLES.index(kind), "")
    if is_role(kind):
        return (0, len(ROLES) + (kind == OTHER), kind)
    if kind in ("housingsup", "total"):
        return (5, kind == "total", "")
    return (2, 0, kind) if kind in (BROKER, POSTGRES) else (3 if kind == EXITED else 1, 0, kind)


def with_totals(us):
    """us_per_row with "housingsup" (its roles summed, when it ran) and "total" added."""
    out = dict(sorted(us.items(), key=lambda kv: order(kv[0])))
    roles = [v for k, v in us.items() if is_role(k)]
    if roles:
        out["housingsup"] = sum(roles)
    out["total"] = sum(us.values())
    return out


def median_by_kind(runs):
    kinds = sorted({k for r in runs for k in r}, key=order)
    return {k: statistics.median(r.get(k, 0) for r in runs) for k in kinds}


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def summary(figures):
    """results.json's cpu_us_per_row and cores_busy entries for the runs of one competitor."""
    runs = [with_totals(f["us_per_row"]) for f in figures]
    us = {"median": median_by_kind(runs), "runs": runs}
    steady = [with_totals(f["steady_us_per_row"]) for f in figures if "steady_us_per_row" in f]
    if len(steady) == len(figures):
        us["steady_median"] = median_by_kind(steady)
    cores = {k: spread([f["cores_busy"][k] for f in figures])
             for k in ("processes", "machine", "iowait", "bench_py", "seconds")}
    cores["window"] = figures[0]["cores_busy"]["window"]
    cores["of"] = os.cpu_count()
    return us, cores


def parts(us):
    """"housingsup 4.0 (supervisor 0.0, csv-reader 0.6, ...), broker 4.1, PostgreSQL 5.7"."""
    roles = [f"{k} {v:.1f}" for k, v in us.items() if is_role(k)]
    out = [f"housingsup {us['housingsup']:.1f} ({', '.join(roles)})"] if roles else []
    out += [f"{k} {v:.1f}" for k, v in us.items()
            if not is_role(k) and k not in ("housingsup", "total") and (k != EXITED or v >= 0.05)]
    return ", ".join(out)


def run_line(f):
    """One run's figures, for the progress lines."""
    us, c = with_totals(f["us_per_row"]), f["cores_busy"]
    return (f"CPU µs/row {us['total']:.1f}: {parts(us)}; cores busy {c['processes']:.2f} "
            f"(machine {c['machine']:.2f}, {c['window']})")


def report_lines(label, us, cores):
    """The table's two lines for one competitor."""
    m = us["median"]
    window = "steady state (10%..90%)" if cores["window"] != "whole run" else "whole run"
    return [f"CPU µs/row, {label}: {m['total']:.1f} = {parts(m)}",
            f"cores busy, {window}, {label}: {cores['processes']['median']:.2f} of {cores['of']} "
            f"({cores['processes']['min']:.2f}..{cores['processes']['max']:.2f}; whole machine "
            f"{cores['machine']['median']:.2f}, of which bench.py {cores['bench_py']['median']:.2f}; "
            f"iowait {cores['iowait']['median']:.2f})"]
