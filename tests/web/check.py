#!/usr/bin/env python3
"""check.py - the status page in a real browser (Debian's Chromium, headless,
driven by Playwright) while housingsup (the ASan build) sends a CSV through the
real Kafka and PostgreSQL of scripts/stack.sh. Prints TAP.

The page must load without a console or page error, show the health, the phase
and every role with the pid status.json gives (and that pid must be a live child
of the supervisor), show a hostile source path as text without running it, and
follow a writer's SIGKILL by itself (a new pid, one restart more) without being
reloaded. Unknown paths and other methods get a 404; when the supervisor stops,
the page says it gets no answer. With --screenshot FILE the page is saved as a
PNG (always also to build/status-page.png).

Run by tests/web/check.sh with the Python of scripts/browser.sh; needs the
stack's environment (HS_KAFKA_BOOTSTRAP, PG*).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from playwright.sync_api import sync_playwright

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("HOUSINGSUP_BIN", "build/asan/housingsup"))
CHROMIUM = "/usr/bin/chromium"
ROWS = 30000          # at RATE rows/s: longer than the test takes
RATE = 400
# A file name is any bytes but '/' and NUL: this one is HTML that runs script
# if the page ever parses what it shows.
HOSTILE = "src <img src=x onerror=window.hsXss=1><b>bold"
WAIT_S = 30           # generous: the machine is shared
HISTORY_S = 20        # seconds of history before the charts are checked and shot


class Tap:
    def __init__(self, planned):
        self.n = 0
        self.failed = 0
        print(f"1..{planned}", flush=True)

    def check(self, what, ok, detail=""):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}", flush=True)
        if not ok and detail:
            detail = str(detail)
            detail = detail if len(detail) < 1500 else detail[:1500] + " ..."
            for line in detail.splitlines():
                print(f"# {line}", flush=True)
        return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eventually(probe, timeout=WAIT_S, interval=0.25):
    """probe() until it returns something true, or the last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def http_status(url, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.headers.get("Content-Type"), json.load(r)


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class Run:
    """One housingsup in a work directory of its own, with the hostile CSV name."""

    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.dir = os.path.join(work, HOSTILE)  # the configuration's path is hostile too
        os.makedirs(self.dir)
        self.csv = os.path.join(self.dir, f"{HOSTILE}-{os.getpid()}.csv")
        self.config = os.path.join(self.dir, "housingsup.conf")
        self.state_dir = os.path.join(work, "run")
        topic = f"web-{os.getpid()}-{int(time.time())}"
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/gen_csv.py"), "--rows", str(ROWS),
                        "--out", self.csv], check=True, stderr=subprocess.DEVNULL)
        with open(self.config, "w") as f:
            f.write(f'csv_path = "{self.csv}"\nstate_dir = "{self.state_dir}"\n'
                    f"metrics_port = {self.port}\nrate_limit = {RATE}\nwriters = 2\n"
                    f'kafka {{ bootstrap_servers = "{os.environ["HS_KAFKA_BOOTSTRAP"]}" '
                    f'topic = "{topic}" group_id = "{topic}" }}\n')
        self.url = f"http://127.0.0.1:{self.port}/"

    def housingsup(self, *words):
        return subprocess.run([BIN, *words, "-c", self.config], capture_output=True, text=True,
                              timeout=120)

    def status(self):
        try:
            with open(os.path.join(self.state_dir, "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def child(self, role):
        st = self.status()
        return next((c for c in st["children"] if c["role"] == role), None) if st else None

    def forget_rows(self):
        prefix = os.path.basename(self.csv) + "#"
        subprocess.run(["psql", "-Xq", "-v", f"prefix={prefix}"], input=
                       "DELETE FROM housing WHERE starts_with(src_file, :'prefix');\n",
                       text=True, capture_output=True)


def cell(page, role, field):
    loc = page.locator(f'#children tr[data-role="{role}"]:not(.reason) td[data-field="{field}"]')
    return loc.text_content(timeout=1000) if loc.count() == 1 else None


def roles_match_status(page, run):
    """Every child of status.json shown with its pid; the mismatches, or []."""
    st = run.status()
    if st is None:
        return ["no status.json"]
    wrong = []
    for c in st["children"]:
        shown = cell(page, c["role"], "pid")
        want = "–" if c["pid"] is None else str(c["pid"])
        if shown != want:
            wrong.append(f"{c['role']}: page {shown!r}, status.json {want!r}")
    return wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screenshot", help="also save the page as this PNG")
    args = ap.parse_args()
    tap = Tap(15)
    work = tempfile.mkdtemp(prefix="web-", dir=os.path.join(ROOT, "build"))
    run = Run(work)
    started = run.housingsup("start")
    if started.returncode != 0:
        print(f"# housingsup start exited {started.returncode}: {started.stdout}{started.stderr}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                check_page(tap, browser, run, args.screenshot)
            finally:
                browser.close()
    finally:
        run.housingsup("stop")  # a no-op when the test stopped it
        run.forget_rows()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if tap.failed else 0


def check_page(tap, browser, run, screenshot):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    console_errors, page_errors, dialogs = [], [], []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    eventually(lambda: run.child("writer-1") and run.child("writer-1")["pid"])
    page.goto(run.url)
    page.evaluate("window.hsLoaded = 'first load'")  # gone if the page were reloaded
    st = run.status() or {}
    wrong = eventually(lambda: not roles_match_status(page, run)) or roles_match_status(page, run)
    roles = [c["role"] for c in st.get("children", [])]
    expected = ["csv-reader", "publisher", "kafka-reader", "writer-0", "writer-1"]
    tap.check("every role is shown with the pid status.json gives it", wrong is True and
              roles == expected, f"roles {roles}; {wrong}")
    not_children = [c["role"] for c in (run.status() or {}).get("children", [])
                    if parent_of(c["pid"] or 0) != st.get("pid")]
    tap.check("each pid shown is a live child of the supervisor", st.get("pid") and not not_children,
              f"not children of {st.get('pid')}: {not_children}")

    def header_matches():
        now = run.status() or {}
        return (page.text_content("#health") == now.get("health") and
                page.text_content("#phase") == now.get("phase") and
                page.text_content("#pid") == str(now.get("pid")))
    tap.check("health, phase and the supervisor's pid are those of status.json",
              eventually(header_matches), f"page {page.text_content('#health')!r} "
              f"{page.text_content('#phase')!r}, status.json {run.status()}")

    tap.check("the hostile source path is shown as text, exactly",
              page.text_content("#csv") == run.csv and page.text_content("#config") == run.config,
              f"shown {page.text_content('#csv')!r}")
    tap.check("it made no element and ran nothing",
              page.evaluate("document.querySelectorAll('img, b').length") == 0 and
              page.evaluate("window.hsXss") is None and not dialogs,
              f"hsXss={page.evaluate('window.hsXss')}, dialogs {dialogs}")

    old = run.child("writer-0")
    os.kill(old["pid"], signal.SIGKILL)

    def restart_shown():
        now = run.child("writer-0")
        return (now and now["pid"] not in (None, old["pid"]) and
                now["restarts"] == old["restarts"] + 1 and
                cell(page, "writer-0", "pid") == str(now["pid"]) and
                cell(page, "writer-0", "restarts") == str(now["restarts"]))
    shown = eventually(restart_shown)
    tap.check("after a SIGKILL of writer-0 the page shows its new pid and one restart more, "
              "without a reload", shown and page.evaluate("window.hsLoaded") == "first load",
              f"killed {old['pid']} (restarts {old['restarts']}); status.json {run.child('writer-0')}; "
              f"page pid {cell(page, 'writer-0', 'pid')!r} restarts "
              f"{cell(page, 'writer-0', 'restarts')!r}")

    check_history(tap, run)
    series = ["csv-reader", "publisher", "kafka-reader", "writers", "lag", "ring_fill", "dead_letters"]

    def points(name):
        lines = page.locator(f'#charts polyline[data-series="{name}"]')
        return sum(len(lines.nth(i).get_attribute("points").split()) for i in range(lines.count()))
    drawn = eventually(lambda: all(points(name) >= HISTORY_S for name in series))
    tap.check(f"the charts draw {HISTORY_S}+ s of every stage's rate, the lag, the rings, the dead "
              "letters", drawn, {name: points(name) for name in series})
    take_screenshot(page, run, screenshot)

    answers = (http_status(run.url, "HEAD"), http_status(run.url + "status.json", "HEAD"),
               http_status(run.url + "nope"), http_status(run.url + "status.json/x"),
               http_status(run.url, "POST"), http_status(run.url, "DELETE"))
    tap.check("HEAD answers; an unknown path, POST and DELETE get 404",
              answers == (200, 200, 404, 404, 404, 404), answers)
    tap.check("no console error and no page error while it ran", not console_errors and not page_errors,
              f"console {console_errors}; page {page_errors}")
    check_shown_states(tap, browser, run)

    stopped = run.housingsup("stop")
    lost = eventually(lambda: "no answer from housingsup" in (page.text_content("#conn") or "") and
                      "stale" in (page.get_attribute("body", "class") or ""))
    tap.check("after the stop the page says by itself that it gets no answer",
              stopped.returncode == 0 and lost,
              f"stop exited {stopped.returncode}; #conn {page.text_content('#conn')!r}")
    tap.check("the last answer stays on the page", page.text_content("#csv") == run.csv)


def check_history(tap, run):
    """/status.json: status.json's members, and a history a sample a second."""
    def long_enough():
        kind, d = get_json(run.url + "status.json")
        return (kind, d) if len(d["history"]["age_s"]) >= HISTORY_S else None
    kind, d = eventually(long_enough, timeout=HISTORY_S + WAIT_S) or get_json(run.url + "status.json")
    h = d["history"]
    ages = h["age_s"]
    gaps = [round(a - b, 1) for a, b in zip(ages, ages[1:])]
    file_keys = set(run.status() or {})
    tap.check("/status.json is application/json with status.json's members and the history",
              kind == "application/json" and set(d) == file_keys | {"history"}, f"{kind}; {sorted(d)}")
    tap.check("the history holds at most its capacity, samples at least interval_ms apart, newest "
              "last, a series per role", h["interval_ms"] == 1000 and len(ages) <= h["capacity"] and
              ages[-1] == 0 and all(g >= 1.0 for g in gaps) and
              [r["role"] for r in h["rates"]] == [c["role"] for c in d["children"]] and
              all(len(r["rate"]) == len(ages) for r in h["rates"]) and
              len(h["lag"]) == len(h["ring_fill"]) == len(h["dead_letters"]) == len(ages),
              f"{len(ages)} samples, gaps {gaps}, roles {[r['role'] for r in h['rates']]}")


def check_shown_states(tap, browser, run):
    """What a live run seldom shows, from answers the browser is handed
    instead of the server's (Playwright's routing): a draining, degraded
    pipeline whose reasons hold HTML; then a server that never answers."""
    page = browser.new_page()
    page_errors = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    d = get_json(run.url + "status.json")[1]
    d.update(phase="draining", state="stopping", health="degraded",
             health_reason="writer-0 restarting: <script>window.hsXss=3</script>")
    w = next(c for c in d["children"] if c["role"] == "writer-0")
    w.update(pid=None, state="restarting", reason="<img src=x onerror=window.hsXss=4> exit 1")
    page.route("**/status.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(d)))
    page.goto(run.url)
    reason_row = '#children tr.reason[data-role="writer-0"] td[data-field="reason"]'
    shown = eventually(lambda: page.locator(reason_row).count() == 1)
    tap.check("draining and degraded are shown, with the reasons as text and nothing run",
              shown and page.text_content("#phase") == "draining" and
              "phase-draining" in page.get_attribute("#phase", "class") and
              page.text_content("#health") == "degraded" and page.is_visible("#why") and
              page.text_content("#health-reason") == d["health_reason"] and
              page.text_content(reason_row) == "writer-0: " + w["reason"] and
              cell(page, "writer-0", "pid") == "–" and
              page.evaluate("document.querySelectorAll('img, script:not(head script, body > script)')"
                            ".length") == 0 and
              page.evaluate("window.hsXss") is None and not page_errors,
              f"phase {page.text_content('#phase')!r}, reason row {page.locator(reason_row).count()}, "
              f"hsXss {page.evaluate('window.hsXss')}, errors {page_errors}")

    page.unroute("**/status.json")
    held = []
    page.route("**/status.json", lambda route: held.append(route))  # never answered: a hung server
    timed_out = eventually(lambda: "timed out" in (page.text_content("#conn") or "") and
                           "stale" in (page.get_attribute("body", "class") or ""))
    conn = page.text_content("#conn")
    page.unroute("**/status.json")
    back = eventually(lambda: (page.text_content("#conn") or "").startswith("updated") and
                      page.text_content("#phase") == "running")
    tap.check("a request the server does not answer times out, the page says so and recovers",
              timed_out and back and "draining" in conn, f"#conn {conn!r}, then "
              f"{page.text_content('#conn')!r}")
    page.close()


def take_screenshot(page, run, extra):
    path = os.path.join(ROOT, "build", "status-page.png")  # the last run's, kept
    page.screenshot(path=path, full_page=True)
    print(f"# screenshot: {path}")
    if extra:
        page.screenshot(path=extra, full_page=True)


if __name__ == "__main__":
    sys.exit(main())
