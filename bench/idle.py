#!/usr/bin/env python3
"""idle.py - where the cores go while housingsup runs: one probe at a time, each on its own
run of housingsup, attached in the steady state (from 15 % of the rows committed).

    python3 bench/idle.py [--rows 3000000] [--seconds 6] PROBE...

PROBE is one of:
  none       no probe: the rows/s of a window like the others', to see what each probe costs
  offcpu     perf record -e sched:sched_switch -a -g: per thread of each process kind, the
             share of the window it ran, waited for a core, or slept, by the kernel function
             it slept in; the cores' idle time; and what each thread was doing while a core
             was idle
  profile    perf record -a -g (99 Hz): where the CPU time goes, by process and library
  rings      the rings' fill by role from status.json (which side of each ring waits)
  pgwait     the writers' PostgreSQL backends' wait events, sampled every 10 ms
  fetch      strace -f -tt of the Kafka reader's sends: the gaps between its fetches
  waits-ROLE strace -T of one role's main thread (kafka-reader, publisher, csv-reader,
             writer-0): its waits on rings, on librdkafka's queues, on sockets
  strace-ROLE strace -c -f -w on one role (writer-0, kafka-reader, publisher, csv-reader)
             or on the PostgreSQL backend of writer-0 (strace-backend): syscalls by count
             and wall time
Needs the variables of .stack/env and the release build, as bench.py does. Prints what it
found, and leaves the tools' output in build/bench/idle/.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import time

import bench
import cpu

OUT = os.path.join(bench.WORK, "idle")
SCHED = ("__schedule", "schedule", "schedule_timeout", "schedule_hrtimeout_range",
         "schedule_hrtimeout_range_clock", "io_schedule", "preempt_schedule", "__cond_resched",
         "schedule_preempt_disabled", "preempt_schedule_common", "io_schedule_timeout",
         "__x64_sys_sched_yield", "do_sched_yield", "preempt_schedule_irq")


def start_run(csv_path, rows):
    """A run of housingsup in its steady state: (Run, supervisor pid)."""
    bench.reset_table()
    run = bench.Run(csv_path)
    run.command("start")
    with open(os.path.join(run.dir, "housingsup.pid")) as f:
        supervisor = int(f.read())
    while run.committed() < rows * 0.15:
        time.sleep(0.1)
    return run, supervisor


def kinds(run, supervisor):
    """{pid: kind} of the processes of interest: housingsup's roles, the broker, PostgreSQL's
    processes (a backend by the application_name of the session it serves)."""
    postmaster, broker = cpu.stack_pids()
    out = {supervisor: "supervisor", broker: cpu.BROKER, postmaster: "postmaster"}
    out.update(run.roles)
    for pid, stat in cpu.scan().items():  # "postgres: walwriter", "postgres: user db host COPY"
        if stat[0] == postmaster:
            out[pid] = "pg " + title(pid).replace("postgres: ", "").split(" ")[0]
    apps = bench.psql("SELECT pid, application_name FROM pg_stat_activity WHERE application_name <> ''")
    for line in apps.splitlines():
        pid, app = line.split("|")
        out[int(pid)] = "pg " + app.replace("housingsup-", "")  # a backend by its client's role
    return out


def title(pid):
    """A process's command line, as PostgreSQL sets it ("postgres: walwriter")."""
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read().strip("\0")
    except OSError:
        return ""


def window_rate(run, seconds, probe_cmd):
    """Runs probe_cmd (or sleeps) for `seconds`; returns the rows/s committed meanwhile."""
    n0, t0 = run.committed(), time.monotonic()
    if probe_cmd:
        subprocess.run(probe_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        time.sleep(seconds)
    time.sleep(0.6)  # status.json is rewritten every 0.5 s
    return (run.committed() - n0) / (time.monotonic() - t0)


# ---- offcpu: the sched_switch events ----

SWITCH = re.compile(r"^\s*(\S.*?)\s+(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:\s+"
                    r"prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> "
                    r"next_comm=(.*?) next_pid=(\d+)")


def site(frames):
    """Where a thread slept, from its kernel stack: "syscall: function", the function being
    the first below the scheduler's (futex: futex_wait_queue, fdatasync: jbd2_log_wait_commit)."""
    first = next((f for f in frames if f not in SCHED), "?")
    call = next((f[len("__x64_sys_"):] for f in frames if f.startswith("__x64_sys_")), None)
    return f"{call}: {first}" if call else first


def switches(path):
    """(time, cpu, prev tid, prev pid, prev comm, prev state, next tid, site) for each
    sched_switch, site being where prev went to sleep (site())."""
    out = subprocess.run(["perf", "script", "-i", path, "-F", "comm,pid,tid,cpu,time,event,trace,ip,sym"],
                         capture_output=True, text=True).stdout
    event, frames = None, []
    for line in out.splitlines() + [""]:
        m = SWITCH.match(line)
        if m:
            g = m.groups()
            event, frames = [float(g[4]), int(g[3]), int(g[6]), int(g[1]), g[5], g[7], int(g[9])], []
        elif line.strip() and event is not None:
            parts = line.split()
            if len(parts) > 1 and parts[0].startswith("ffffffff"):
                frames.append(parts[1].split("+")[0])
        elif event is not None:
            yield tuple(event) + (site(frames),)
            event = None


def idle_intervals(events):
    """The cores' idle intervals, as (time, +1 or -1) in time order: from a switch to the idle
    task to the idle task's switch out on the same core. Where the switch out of idle is
    missing (perf loses some on a core woken from idle), the interval is left out."""
    edges, began = [], {}
    for t, c, prev, _, _, _, nxt, _ in events:
        if prev == 0 and c in began:
            edges += [(began[c], 1), (t, -1)]
        began.pop(c, None)
        if nxt == 0:
            began[c] = t
    return sorted(edges)


def offcpu(path, pid_kind):
    """Per thread: seconds on a core, runnable, and asleep by site; the cores' time by what
    ran on them; and, weighted by the idle cores, each thread's state while a core was idle."""
    events = list(switches(path))
    edges, e, idle_now = idle_intervals(events), 0, 0
    state = {}          # tid -> "running" | "runnable" | site
    since = {}          # tid -> time its state began
    who = {}            # tid -> (kind, comm)
    spent = collections.defaultdict(float)       # (tid, state) -> seconds
    cores = collections.defaultdict(float)       # process kind, "idle" or "other: comm" -> seconds
    switched_in = {}                             # cpu -> time its task was switched in
    during_idle = collections.defaultdict(float)  # (tid, state) -> idle-core seconds
    last = events[0][0] if events else 0
    for t, c, prev, prev_pid, comm, pstate, nxt, site in events:
        while last < t:  # the threads' states over [last, t], by the idle cores in each part
            upto = min(t, edges[e][0]) if e < len(edges) else t
            for tid, s in state.items() if idle_now else ():
                during_idle[(tid, s)] += idle_now * (upto - last)
            last = upto
            while e < len(edges) and edges[e][0] <= last:
                idle_now += edges[e][1]
                e += 1
        if c in switched_in:
            cores[label(prev, prev_pid, comm, pid_kind)] += t - switched_in[c]
        switched_in[c] = t
        if prev != 0 and prev_pid in pid_kind:
            who[prev] = (pid_kind[prev_pid], comm)
            if prev in since:
                spent[(prev, state.get(prev, "running"))] += t - since[prev]
            state[prev] = "runnable" if pstate.startswith("R") else (site or "?")
            since[prev] = t
        if nxt in who:
            spent[(nxt, state.get(nxt, "running"))] += t - since.get(nxt, t)
            state[nxt], since[nxt] = "running", t
    wall = events[-1][0] - events[0][0] if events else 0
    return cores, spent, during_idle, who, wall


def label(tid, pid, comm, pid_kind):
    """What a task on a core counts as: idle, a process kind, or another command."""
    if tid == 0:
        return "idle"
    return pid_kind.get(pid) or "other: " + re.sub(r"[/:-]?\d+$", "", comm.split("/")[0])


def print_offcpu(cores, spent, during_idle, who, wall):
    idle_total = cores.get("idle", 0)
    print(f"window {wall:.2f} s; cores idle at least {idle_total / wall:.2f} (perf loses some switches "
          "out of idle, and those intervals are left out: /proc/stat, in bench.py's figures, measures it)")
    print("cores by what ran on them (of " + str(os.cpu_count()) + "): " +
          ", ".join(f"{k} {v / wall:.2f}" for k, v in sorted(cores.items(), key=lambda kv: -kv[1])
                    if v / wall >= 0.005))
    threads = collections.defaultdict(dict)
    for (tid, s), sec in spent.items():
        threads[tid][s] = sec
    rows = []
    for tid, states in threads.items():
        kind, comm = who[tid]
        busy = states.get("running", 0)
        total = sum(states.values())
        if total <= 0 or busy < 0.01 * wall:
            continue
        sleeps = sorted(((sec, s) for s, sec in states.items() if s not in ("running", "runnable")), reverse=True)
        idle_states = sorted(((during_idle.get((tid, s), 0), s) for s in states), reverse=True)
        rows.append((kind, comm, tid, busy / total, states.get("runnable", 0) / total,
                     ", ".join(f"{s} {sec / total:.0%}" for sec, s in sleeps[:3]),
                     ", ".join(f"{s} {sec / idle_total:.0%}" for sec, s in idle_states[:3] if sec > 0)
                     if idle_total else ""))
    print(f"{'process kind':<22} {'thread':<18} {'on cpu':>6} {'runq':>5}  asleep in (share of the window)"
          f"   | while a core was idle")
    for kind, comm, tid, on, rq, sleeps, when_idle in sorted(rows, key=lambda r: (r[0], -r[3])):
        print(f"{kind:<22} {comm[:18]:<18} {on:>6.0%} {rq:>5.0%}  {sleeps}   | {when_idle}")


def rings(run, seconds):
    """The rings' fill by role, read from status.json every 0.5 s over the window: a ring
    that stays full waits for its consumer, one that stays empty for its producer."""
    fills = collections.defaultdict(list)
    n0, t0 = run.committed(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        with open(os.path.join(run.dir, "status.json")) as f:
            for c in json.load(f)["children"]:
                if c["ring_capacity"]:
                    fills[c["role"]].append(c["ring_fill"] / c["ring_capacity"])
        time.sleep(0.5)
    rate = (run.committed() - n0) / (time.monotonic() - t0)
    return rate, lambda: print("ring fill (the ring into each role): mean, and share of reads full / empty: " +
                               ", ".join(f"{role} {sum(v) / len(v):.0%} ({sum(x >= 0.99 for x in v) / len(v):.0%} / "
                                         f"{sum(x == 0 for x in v) / len(v):.0%})" for role, v in fills.items()))


def pg_waits(run, seconds, backends):
    """The wait events of the writers' backends, sampled every 10 ms through one session:
    what a backend waits for while it is off its core (CPU: none, it runs or waits for one)."""
    session = subprocess.Popen(["psql", "-XAtq"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, bufsize=1)
    query = ("SELECT string_agg(coalesce(wait_event_type || ':' || wait_event, 'CPU'), ',') FROM "
             f"pg_stat_activity WHERE pid IN ({','.join(map(str, backends))});\n")
    counts = collections.Counter()
    n0, t0 = run.committed(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        session.stdin.write(query)
        session.stdin.flush()
        counts.update(session.stdout.readline().strip().split(","))
        time.sleep(0.01)
    session.stdin.close()
    session.wait()
    rate = (run.committed() - n0) / (time.monotonic() - t0)
    total = sum(counts.values())
    return rate, lambda: print("writers' backends, share of samples: " + ", ".join(
        f"{k} {v / total:.1%}" for k, v in counts.most_common()))


def print_waits(path, seconds):
    """A main thread's waits by kind: futex FUTEX_WAIT on a shared word is a ring's (see
    shm/ring.c), FUTEX_WAIT_BITSET_PRIVATE a pthread condition (librdkafka's queues), poll a
    socket (libpq's, in a writer)."""
    waits = collections.defaultdict(float)
    for line in open(path):
        m = re.match(r"(\w+)\((?:[^,]*, )?(FUTEX_\w+)?.*<([\d.]+)>$", line.strip())
        if m:
            waits[m.group(1) + (" " + m.group(2) if m.group(2) else "")] += float(m.group(3))
    print("main thread, share of the window waiting in: " + ", ".join(
        f"{k} {v / seconds:.0%}" for k, v in sorted(waits.items(), key=lambda kv: -kv[1])))


def print_gaps(path):
    """The gaps between the Kafka reader's sends to the broker (fetches, heartbeats, offset
    commits), per thread: a fetch backoff shows as a gap near 1 s."""
    sends = collections.defaultdict(list)
    for line in open(path):
        parts = line.split()
        if len(parts) > 2 and ("sendmsg(" in parts[2] or "sendto(" in parts[2]):
            h, m, sec = parts[1].split(":")
            sends[parts[0]].append(int(h) * 3600 + int(m) * 60 + float(sec))
    for tid, times in sends.items():
        gaps = sorted(b - a for a, b in zip(times, times[1:]))
        if gaps:
            long = [f"{g * 1000:.0f}" for g in gaps if g > 0.3]
            print(f"thread {tid}: {len(times)} sends in {times[-1] - times[0]:.1f} s, gap median "
                  f"{gaps[len(gaps) // 2] * 1000:.1f} ms; gaps over 0.3 s: {len(long)} "
                  f"({', '.join(long)} ms), {sum(g for g in gaps if g > 0.3):.1f} s in all")


# ---- the probes ----

def probe(name, run, supervisor, seconds):
    """Runs one probe on the run; returns the rows/s of its window."""
    os.makedirs(OUT, exist_ok=True)
    pid_kind = kinds(run, supervisor)
    by_kind = {v: k for k, v in pid_kind.items()}
    data = os.path.join(OUT, f"{name}.data")
    if name == "none":
        return window_rate(run, seconds, None), None
    if name == "offcpu":
        cmd = ["perf", "record", "-e", "sched:sched_switch", "-a", "-g", "-o", data, "--", "sleep", str(seconds)]
        rate = window_rate(run, seconds, cmd)
        with open(data + ".kinds.json", "w") as f:
            json.dump(pid_kind, f)
        return rate, lambda: print_offcpu(*offcpu(data, pid_kind))
    if name == "profile":
        cmd = ["perf", "record", "-F", "99", "-a", "-g", "-o", data, "--", "sleep", str(seconds)]
        rate = window_rate(run, seconds, cmd)
        return rate, lambda: print(subprocess.run(
            ["perf", "report", "-i", data, "--no-children", "--sort", "comm,dso", "--stdio", "-g", "none",
             "--percent-limit", "1"], capture_output=True, text=True).stdout)
    if name == "rings":
        return rings(run, seconds)
    if name == "pgwait":
        return pg_waits(run, seconds, [p for p, k in pid_kind.items() if k.startswith("pg writer-")])
    if name == "fetch":
        out = os.path.join(OUT, "fetch.txt")
        cmd = ["timeout", "-s", "INT", str(seconds), "strace", "-f", "-tt", "-e", "trace=sendmsg,sendto",
               "-o", out, "-p", str(by_kind["kafka-reader"])]
        rate = window_rate(run, seconds, cmd)
        return rate, lambda: print_gaps(out)
    if name.startswith("waits-"):
        out = os.path.join(OUT, f"{name}.txt")
        cmd = ["timeout", "-s", "INT", str(seconds), "strace", "-T", "-e", "trace=futex,poll,ppoll,epoll_wait",
               "-o", out, "-p", str(by_kind[name[len("waits-"):]])]
        rate = window_rate(run, seconds, cmd)
        return rate, lambda: print_waits(out, seconds)
    if name.startswith("strace-"):
        role = name[len("strace-"):]
        pid = by_kind["pg writer-0"] if role == "backend" else by_kind[role]
        out = os.path.join(OUT, f"{name}.txt")
        cmd = ["timeout", "-s", "INT", str(seconds), "strace", "-c", "-f", "-w", "-o", out, "-p", str(pid)]
        rate = window_rate(run, seconds, cmd)
        return rate, lambda: print(open(out).read())
    raise SystemExit(f"unknown probe {name}")


def warm_up(csv_path, rows):
    """One run to 15 % of the rows, not measured: a broker just started is slower (its
    JIT compiler is still at work)."""
    run, _ = start_run(csv_path, rows)
    run.command("stop")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3000000)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("probes", nargs="+")
    args = ap.parse_args()
    csv_path, _ = bench.generate(args.rows)
    warm_up(csv_path, args.rows)
    for name in args.probes:
        run, supervisor = start_run(csv_path, args.rows)
        try:
            rate, show = probe(name, run, supervisor, args.seconds)
        finally:
            run.command("stop")
        print(f"== {name}: {rate:,.0f} rows/s committed during the probe's window", flush=True)
        if show:
            show()


if __name__ == "__main__":
    main()
