/*
 * supervisor.c - the supervisor: forks the CSV reader, the publisher, the
 * Kafka reader and N writers, restarts whichever dies, reloads its
 * configuration on SIGHUP, and on SIGTERM drains the pipeline stage by stage
 * before it exits.
 *
 * Shape (after PostgreSQL's postmaster): signal handlers only set a flag and
 * write a byte to a self-pipe; all work happens in the main loop, which each
 * time reaps children, applies requests, and reconciles what should run with
 * what runs. Every change of a child's state goes through set_state(), which
 * logs it. The supervisor creates the shared segment and raises flags in it,
 * but never touches ring slots, so a child that corrupts them cannot bring
 * it down.
 *
 * Orderly stop, one stage at a time (each stage exits 0 only when its input
 * is empty and its output is safe):
 *   CSV reader exits         -> supervisor closes the CSV ring
 *   publisher drains, flushes -> supervisor sets publisher_done
 *   Kafka reader reaches the high watermarks, sees all of it committed,
 *                               commits offsets -> supervisor closes writer rings
 *   writers find their rings closed and empty -> everyone is gone, exit 0.
 * Children that crash during the stop are restarted so the drain completes.
 * The supervisor's own phase (status.h: starting, running, draining,
 * draining-writers, stopped) follows these steps; set_phase() logs each
 * change, and status shows it.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/exitcodes.h"
#include "../common/limits.h"
#include "../common/log.h"
#include "../common/roles.h"
#include "../config/config.h"
#include "../shm/segment.h"
#include "../workers/record.h"
#include "../workers/settings.h"
#include "../workers/worker.h"
#include "health.h"
#include "history.h"
#include "metrics.h"
#include "pidfile.h"
#include "status.h"

#define SPAWN_INTERVAL_MS 1000   /* at least this long between two starts of one child */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define STABLE_UPTIME_MS 10000   /* a child up this long has its backoff reset */
#define STATUS_INTERVAL_MS 500
#define STALLED_MS 5000          /* a running child silent this long is shown as stalled */
#define STALL_S 10               /* pending records and no commit for this long: stalled */

enum child_state { CHILD_IDLE, CHILD_RUNNING, CHILD_BACKOFF, CHILD_DONE, CHILD_RETIRED, CHILD_FAILED };
static const char *const state_names[] = {"idle", "running", "backoff", "done", "retired", "failed"};

struct child {
    enum child_state state;
    pid_t pid;
    int restarts;
    int backoff_ms;
    int64_t started_ms, next_start_ms;
    char name[32];
    char last_exit[96];
    uint64_t rate_base;   /* records_out when the rate was last measured */
    int64_t rate_base_ms;
    double rate;
    uint64_t progress_out; /* records_out when it last moved, and when */
    int64_t progress_ms;
    char kill_reason[64];  /* why the watchdog killed it, until it is reaped */
    int watchdog_kills;
    char shown_reason[HS_WAIT_REASON_MAX + 96];
};

struct supervisor {
    struct hs_config cfg;
    struct hs_segment seg;
    struct child children[HS_MAX_CHILDREN];
    int death_pipe[2]; /* children hold the read end; EOF there = we are gone */
    int pid_fd;
    struct hs_metrics *metrics; /* NULL when metrics_port = 0 */
    struct hs_status snapshot; /* the latest status, also served as /metrics */
    struct hs_history history; /* the last minutes of it, for the status page */
    int64_t started_ms, stop_deadline_ms, status_written_ms;
    enum hs_phase phase; /* only set_phase() changes it */
    struct hs_progress progress;
};

static volatile sig_atomic_t got_term, got_hup, got_chld;
static int self_pipe[2] = {-1, -1};

static int64_t now_ms(void) { return hs_monotonic_ms(); }

/* ---- signals ---- */

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGTERM || sig == SIGINT)
        got_term = 1;
    else if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGCHLD)
        got_chld = 1;
    ssize_t ignored = write(self_pipe[1], "x", 1); /* wake the loop; a full pipe is fine */
    (void)ignored;
    errno = saved;
}

static int install_signals(char *err, size_t errlen)
{
    if (pipe2(self_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe2 for the self-pipe failed: %s", strerror(errno));
        return -1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            snprintf(err, errlen, "sigaction failed: %s", strerror(errno));
            return -1;
        }
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, NULL);
    return 0;
}

/* ---- the supervisor's phase ---- */

static void set_phase(struct supervisor *s, enum hs_phase phase, const char *why)
{
    if (s->phase != phase)
        hs_info("phase: %s -> %s (%s)", hs_phase_name(s->phase), hs_phase_name(phase), why);
    s->phase = phase;
}

/* An orderly stop has begun: from draining on. */
static bool stopping(const struct supervisor *s) { return s->phase >= HS_PHASE_DRAINING; }

/* ---- children: mechanism ---- */

static void set_state(struct child *c, enum child_state state, const char *why)
{
    if (c->state != state)
        hs_log(state == CHILD_FAILED ? HS_LOG_ERROR : HS_LOG_INFO, "%s: %s -> %s%s%s", c->name,
               state_names[c->state], state_names[state], why ? ": " : "", why ? why : "");
    c->state = state;
}

/* The kinds of child, after PostgreSQL's child_process_kinds[]: what each
 * slot is called and what it runs. Writers share one kind, numbered. */
struct child_kind {
    const char *name;
    int (*main)(struct hs_worker *w);
};

static const struct child_kind child_kinds[] = {
    [HS_ROLE_CSV_READER] = {HS_ROLE_NAME_CSV_READER, hs_csv_reader_main},
    [HS_ROLE_PUBLISHER] = {HS_ROLE_NAME_PUBLISHER, hs_publisher_main},
    [HS_ROLE_KAFKA_READER] = {HS_ROLE_NAME_KAFKA_READER, hs_kafka_reader_main},
    [HS_ROLE_WRITER0] = {HS_ROLE_NAME_WRITER, hs_pg_writer_main},
};

static const struct child_kind *kind_of(int slot)
{
    return &child_kinds[slot < HS_ROLE_WRITER0 ? slot : HS_ROLE_WRITER0];
}

static void name_child(struct child *c, int slot)
{
    if (slot < HS_ROLE_WRITER0)
        snprintf(c->name, sizeof c->name, "%s", kind_of(slot)->name);
    else
        snprintf(c->name, sizeof c->name, "%s-%d", kind_of(slot)->name, slot - HS_ROLE_WRITER0);
}

/* In a new child: signals as a child wants them, then unblocked (spawn()
 * blocked them all around fork, so no handler of the supervisor's runs in
 * the child before this). */
static void child_signals(void)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&ign.sa_mask);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigaction(SIGHUP, &ign, NULL); /* reloads are the supervisor's business */
    sigaction(SIGINT, &ign, NULL); /* Ctrl-C asks the supervisor for an orderly stop */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int run_child(struct supervisor *s, int slot)
{
    close(self_pipe[0]);
    close(self_pipe[1]);
    close(s->death_pipe[1]);
    close(s->pid_fd);
    hs_metrics_close_in_child(s->metrics);
    child_signals();
    hs_log_set_role(s->children[slot].name);
    /* Test hook: a child named here aborts as soon as it starts, so tests can
     * watch a restart storm back off without taking the rest down. */
    const char *crash = getenv("HOUSINGSUP_CRASH_ON_START");
    if (crash != NULL && strcmp(crash, s->children[slot].name) == 0)
        abort();
    struct hs_worker w = {.cfg = &s->cfg, .seg = &s->seg, .slot = slot,
                          .parent_fd = s->death_pipe[0], .stats = &s->seg.control->stats[slot]};
    hs_worker_begin(&w);
    return kind_of(slot)->main(&w);
}

/* A ring slot holds the largest item of the configured table. */
static uint32_t slot_size(const struct hs_config *cfg)
{
    struct hs_layout l;
    hs_layout_of(&cfg->schema, &l);
    return l.slot_size;
}

/* The rings a child of `slot` uses, each checked before the child starts on
 * it: a damaged ring stops that child (failed, with the reason) rather than
 * letting it read garbage as records. */
static bool rings_sound(struct supervisor *s, int slot, char *err, size_t errlen)
{
    uint32_t cap = (uint32_t)s->cfg.ring_slots, size = slot_size(&s->cfg);
    if (slot <= HS_ROLE_PUBLISHER)
        return hs_ring_valid(s->seg.csv_ring, cap, size, err, errlen);
    if (slot >= HS_ROLE_WRITER0)
        return hs_ring_valid(s->seg.writer_ring[slot - HS_ROLE_WRITER0], cap, size, err, errlen);
    for (int i = 0; i < HS_MAX_WRITERS; i++)
        if (!hs_ring_valid(s->seg.writer_ring[i], cap, size, err, errlen))
            return false;
    return true;
}

static void spawn(struct supervisor *s, int slot)
{
    struct child *c = &s->children[slot];
    char damaged[200];
    if (!rings_sound(s, slot, damaged, sizeof damaged)) {
        hs_error("%s: %s; not starting it (stop, then start again: the records not yet "
                 "acknowledged are read again)", c->name, damaged);
        set_state(c, CHILD_FAILED, damaged);
        return;
    }
    if (c->started_ms != 0)
        c->restarts++;
    c->started_ms = now_ms();
    sigset_t all, before;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &before); /* the child unblocks once its handlers are its own */
    pid_t pid = fork();
    if (pid == 0)
        exit(run_child(s, slot));
    sigprocmask(SIG_SETMASK, &before, NULL);
    if (pid < 0) {
        hs_error("%s: fork failed: %s", c->name, strerror(errno));
        c->next_start_ms = now_ms() + SPAWN_INTERVAL_MS;
        set_state(c, CHILD_BACKOFF, "fork failed");
        return;
    }
    c->pid = pid;
    set_state(c, CHILD_RUNNING, NULL);
    hs_debug("%s: started as pid %d", c->name, (int)pid);
}

static void describe_exit(int status, char *out, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(out, cap, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, cap, "status 0x%x", status);
}

static void schedule_restart(struct child *c)
{
    int64_t uptime = now_ms() - c->started_ms;
    if (uptime >= STABLE_UPTIME_MS)
        c->backoff_ms = 0;
    else
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    c->next_start_ms = now_ms() + c->backoff_ms;
    if (c->next_start_ms < c->started_ms + SPAWN_INTERVAL_MS)
        c->next_start_ms = c->started_ms + SPAWN_INTERVAL_MS;
    char why[160];
    snprintf(why, sizeof why, "%s; restarting in %lld ms%s", c->last_exit,
             (long long)(c->next_start_ms - now_ms()),
             c->backoff_ms >= 8000 ? " (crashing repeatedly)" : "");
    set_state(c, CHILD_BACKOFF, why);
}

static void on_child_exit(struct supervisor *s, struct child *c, int status)
{
    describe_exit(status, c->last_exit, sizeof c->last_exit);
    if (c->kill_reason[0] != '\0') { /* the watchdog's SIGKILL: say why, not just "signal 9" */
        memcpy(c->last_exit, c->kill_reason, sizeof c->kill_reason); /* both NUL-terminated */
        c->kill_reason[0] = '\0';
    }
    c->pid = 0;
    bool writer = c - s->children >= HS_ROLE_WRITER0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == HS_EXIT_OK)
        set_state(c, writer && !stopping(s) ? CHILD_RETIRED : CHILD_DONE, c->last_exit);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == HS_EXIT_FATAL)
        set_state(c, CHILD_FAILED, "fatal error (see its log lines); not restarting");
    else
        schedule_restart(c);
}

static void reap(struct supervisor *s)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < HS_MAX_CHILDREN; i++)
            if (s->children[i].pid == pid)
                on_child_exit(s, &s->children[i], status);
}

/* ---- watchdog ---- */

/* A running child's last heartbeat, never earlier than its start (a new
 * process finds its slot's old value until it first beats). */
static int64_t last_beat(struct supervisor *s, int slot)
{
    int64_t beat = atomic_load_explicit(&s->seg.control->stats[slot].heartbeat_ms,
                                        memory_order_relaxed);
    return beat > s->children[slot].started_ms ? beat : s->children[slot].started_ms;
}

/* A child whose heartbeat has not moved for watchdog_timeout is stuck in a
 * call that does not return, or stopped: it is killed, and reap() starts it
 * again as after any crash, its LAST EXIT saying why. Killing is safe: what
 * it had not acknowledged is still in its ring or in Kafka. */
static void watch_heartbeats(struct supervisor *s)
{
    int64_t limit = (int64_t)s->cfg.watchdog_timeout * 1000, now = now_ms();
    for (int slot = 0; limit > 0 && slot < HS_MAX_CHILDREN; slot++) {
        struct child *c = &s->children[slot];
        int64_t silent = now - last_beat(s, slot);
        if (c->state != CHILD_RUNNING || c->pid <= 0 || c->kill_reason[0] != '\0' || silent < limit)
            continue;
        snprintf(c->kill_reason, sizeof c->kill_reason, "no heartbeat for %lld s: killed",
                 (long long)(silent / 1000));
        hs_error("%s: %s (watchdog_timeout = %d s)", c->name, c->kill_reason,
                 s->cfg.watchdog_timeout);
        c->watchdog_kills++;
        kill(c->pid, SIGKILL);
    }
}

/* ---- children: policy ---- */

static bool wanted(struct supervisor *s, int slot)
{
    struct child *c = &s->children[slot];
    if (c->state == CHILD_RUNNING || c->state == CHILD_FAILED)
        return false;
    if (slot == HS_ROLE_CSV_READER)
        return !stopping(s) && (c->state == CHILD_IDLE || c->state == CHILD_BACKOFF);
    if (slot < HS_ROLE_WRITER0)
        return c->state == CHILD_IDLE || c->state == CHILD_BACKOFF;
    int n = slot - HS_ROLE_WRITER0;
    /* a crashed writer comes back while its ring is open or holds records */
    if (c->state == CHILD_BACKOFF)
        return n < s->cfg.writers || hs_ring_fill(s->seg.writer_ring[n]) > 0 ||
               s->phase < HS_PHASE_DRAINING_WRITERS;
    return !stopping(s) && n < s->cfg.writers;
}

static void reconcile(struct supervisor *s)
{
    int64_t now = now_ms();
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++)
        if (wanted(s, slot) && now >= s->children[slot].next_start_ms)
            spawn(s, slot);
}

/* ---- stop ---- */

static bool settled(struct child *c) { return c->state == CHILD_DONE || c->state == CHILD_FAILED; }

static void advance_stop(struct supervisor *s)
{
    struct child *c = s->children;
    struct hs_control *ctl = s->seg.control;
    if (c[HS_ROLE_CSV_READER].state != CHILD_RUNNING && !hs_ring_closed(s->seg.csv_ring))
        hs_ring_close(s->seg.csv_ring);
    if (settled(&c[HS_ROLE_PUBLISHER]))
        atomic_store_explicit(&ctl->publisher_done, 1, memory_order_release);
    if (settled(&c[HS_ROLE_KAFKA_READER]) && s->phase == HS_PHASE_DRAINING) {
        char why[96];
        for (int i = 0; i < HS_MAX_WRITERS; i++)
            hs_ring_close(s->seg.writer_ring[i]);
        snprintf(why, sizeof why, "%s %s: writer rings closed", c[HS_ROLE_KAFKA_READER].name,
                 state_names[c[HS_ROLE_KAFKA_READER].state]);
        set_phase(s, HS_PHASE_DRAINING_WRITERS, why);
    }
}

static bool all_gone(struct supervisor *s)
{
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++)
        if (s->children[slot].state == CHILD_RUNNING || wanted(s, slot))
            return false;
    return true;
}

static void begin_stop(struct supervisor *s)
{
    hs_info("stopping: draining the pipeline (at most %d s)", s->cfg.stop_timeout);
    set_phase(s, HS_PHASE_DRAINING, "stop requested: the CSV reader stops, the publisher and the "
              "Kafka reader drain");
    s->stop_deadline_ms = now_ms() + (int64_t)s->cfg.stop_timeout * 1000;
    atomic_store_explicit(&s->seg.control->stopping, 1, memory_order_release);
}

static void kill_all(struct supervisor *s)
{
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++) {
        struct child *c = &s->children[slot];
        int status;
        if (c->pid <= 0 || kill(c->pid, SIGKILL) != 0 || waitpid(c->pid, &status, 0) != c->pid)
            continue;
        describe_exit(status, c->last_exit, sizeof c->last_exit);
        c->pid = 0;
        set_state(c, CHILD_FAILED, "killed: the stop timed out");
    }
}

static uint64_t records_left(struct supervisor *s)
{
    uint64_t left = hs_ring_fill(s->seg.csv_ring);
    for (int i = 0; i < HS_MAX_WRITERS; i++)
        left += hs_ring_fill(s->seg.writer_ring[i]);
    return left;
}

/* Whether the stop is over: the exit code once every child has gone (0
 * when the rings are empty) or the stop timed out, else -1. */
static int finish_stop(struct supervisor *s)
{
    if (all_gone(s)) {
        set_phase(s, HS_PHASE_STOPPED, "every child has exited");
        return records_left(s) == 0 ? HS_EXIT_OK : HS_EXIT_FAILURE;
    }
    if (now_ms() <= s->stop_deadline_ms)
        return -1;
    hs_error("stop did not finish within stop_timeout = %d s; killing children "
             "(unacknowledged records are read again at the next start)", s->cfg.stop_timeout);
    kill_all(s);
    set_phase(s, HS_PHASE_STOPPED, "stop_timeout passed: children killed");
    return HS_EXIT_FAILURE;
}

/* ---- reload ---- */

/* A child that exited fatal (code 2: bad configuration or input) is left
 * alone, as it would only fail the same way again; a successful reload is
 * the operator saying the cause is fixed, so it gets another start. */
static void restart_failed(struct supervisor *s)
{
    if (stopping(s)) /* the drain has already counted them as settled */
        return;
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++) {
        struct child *c = &s->children[slot];
        if (c->state != CHILD_FAILED)
            continue;
        c->backoff_ms = 0;
        c->next_start_ms = now_ms();
        set_state(c, CHILD_BACKOFF, "configuration reloaded; starting it again");
    }
}

/* New PostgreSQL settings (a password fixed, say) reach the writers through
 * a restart: each is stopped with SIGTERM, which loses nothing (its ring
 * keeps what it had not committed), and started again with them. */
static void apply_postgres_settings(struct supervisor *s, const struct hs_config *next)
{
    if (strcmp(next->pg_conninfo, s->cfg.pg_conninfo) == 0 &&
        strcmp(next->pg_sslmode, s->cfg.pg_sslmode) == 0)
        return;
    memcpy(s->cfg.pg_conninfo, next->pg_conninfo, sizeof s->cfg.pg_conninfo);
    memcpy(s->cfg.pg_sslmode, next->pg_sslmode, sizeof s->cfg.pg_sslmode);
    hs_info("reload: the postgres settings changed; restarting the writers with them");
    for (int slot = HS_ROLE_WRITER0; slot < HS_MAX_CHILDREN; slot++)
        if (s->children[slot].state == CHILD_RUNNING && s->children[slot].pid > 0)
            kill(s->children[slot].pid, SIGTERM);
}

static void log_config_warnings(const struct hs_config *cfg)
{
    for (int i = 0; i < cfg->nwarnings; i++)
        hs_warn("%s", cfg->warnings[i]);
}

static void reload(struct supervisor *s)
{
    struct hs_config next;
    char err[1024];
    if (stopping(s)) { /* new writers now would hold the drain up until stop_timeout */
        hs_warn("reload ignored: a stop is under way");
        return;
    }
    if (hs_settings_load(s->cfg.path, &next, err, sizeof err) != 0) {
        hs_error("reload refused, keeping the running configuration: %s", err);
        return;
    }
    log_config_warnings(&next);
    struct hs_control *ctl = s->seg.control;
    hs_info("reloaded %s: batch_size %d -> %d, writers %d -> %d, log_level %s -> %s",
            s->cfg.path, s->cfg.batch_size, next.batch_size, s->cfg.writers, next.writers,
            hs_log_level_name(s->cfg.log_level), hs_log_level_name(next.log_level));
    s->cfg.batch_size = next.batch_size;
    s->cfg.writers = next.writers;
    s->cfg.log_level = next.log_level;
    hs_log_set_level(next.log_level);
    atomic_store_explicit(&ctl->batch_size, (uint32_t)next.batch_size, memory_order_relaxed);
    atomic_store_explicit(&ctl->log_level, (uint32_t)next.log_level, memory_order_relaxed);
    atomic_store_explicit(&ctl->writers_wanted, (uint32_t)next.writers, memory_order_release);
    apply_postgres_settings(s, &next);
    /* Everything else shapes processes and memory that already exist. */
    next.batch_size = s->cfg.batch_size;
    next.writers = s->cfg.writers;
    next.log_level = s->cfg.log_level;
    next.nwarnings = s->cfg.nwarnings; /* logged above; not settings */
    memcpy(next.warnings, s->cfg.warnings, sizeof next.warnings);
    if (memcmp(&next, &s->cfg, sizeof next) != 0)
        hs_warn("reload: settings other than batch_size, writers and log_level take effect "
                "at the next start (housingsup stop; housingsup start)");
    restart_failed(s);
}

/* ---- status ---- */

#define RATE_WINDOW_MS 1000

static double update_rate(struct child *c, uint64_t out, int64_t now)
{
    if (c->rate_base_ms == 0 || out < c->rate_base) {
        c->rate_base = out;
        c->rate_base_ms = now;
    } else if (now - c->rate_base_ms >= RATE_WINDOW_MS) {
        c->rate = (double)(out - c->rate_base) * 1000.0 / (double)(now - c->rate_base_ms);
        c->rate_base = out;
        c->rate_base_ms = now;
    }
    return c->state == CHILD_RUNNING ? c->rate : 0.0;
}

/* A running child as status shows it: running, waiting (with its own
 * reason), or stalled (no heartbeat for a while, the watchdog may follow). */
static const char *running_state(struct supervisor *s, int slot, int64_t now)
{
    struct child *c = &s->children[slot];
    struct hs_child_stats *cs = &s->seg.control->stats[slot];
    int64_t silent = now - last_beat(s, slot);
    int64_t since = atomic_load_explicit(&cs->waiting_since_ms, memory_order_relaxed);
    if (silent >= STALLED_MS) {
        snprintf(c->shown_reason, sizeof c->shown_reason, "no heartbeat for %lld s",
                 (long long)(silent / 1000));
        return "stalled";
    }
    if (since == 0 || since < c->started_ms)
        return "running";
    char text[HS_WAIT_REASON_MAX];
    hs_child_reason(cs, text, sizeof text);
    snprintf(c->shown_reason, sizeof c->shown_reason, "%s (for %lld s)", text,
             (long long)((now - since) / 1000));
    return "waiting";
}

/* What the last process in a slot was waiting for when it died, as
 * " (after: REASON)", or "" when it was not waiting. */
static void last_wait(struct supervisor *s, int slot, char *out, size_t cap)
{
    struct hs_child_stats *cs = &s->seg.control->stats[slot];
    int64_t since = atomic_load_explicit(&cs->waiting_since_ms, memory_order_relaxed);
    char text[HS_WAIT_REASON_MAX];
    out[0] = '\0';
    if (since == 0 || since < s->children[slot].started_ms)
        return;
    hs_child_reason(cs, text, sizeof text);
    snprintf(out, cap, " (after: %s)", text);
}

static const char *shown_state(struct supervisor *s, int slot, int64_t now)
{
    struct child *c = &s->children[slot];
    char why[HS_WAIT_REASON_MAX + 16], exit_text[sizeof c->last_exit];
    memcpy(exit_text, c->last_exit, sizeof exit_text); /* not an argument aliasing the output */
    c->shown_reason[0] = '\0';
    switch (c->state) {
    case CHILD_RUNNING:
        return running_state(s, slot, now);
    case CHILD_BACKOFF:
        last_wait(s, slot, why, sizeof why);
        snprintf(c->shown_reason, sizeof c->shown_reason, "%s%s; restarting in %lld s", exit_text,
                 why, (long long)((c->next_start_ms - now + 999) / 1000));
        return "restarting";
    case CHILD_FAILED:
        snprintf(c->shown_reason, sizeof c->shown_reason, "%s: not restarted (see its log lines; "
                 "a reload starts it again)", exit_text);
        return "failed";
    default:
        return state_names[c->state];
    }
}

static long idle_seconds(struct child *c, uint64_t out, int64_t now)
{
    if (out != c->progress_out || c->progress_ms == 0) {
        c->progress_out = out;
        c->progress_ms = now;
    }
    return (long)((now - c->progress_ms) / 1000);
}

static struct hs_ring *input_ring(struct supervisor *s, int slot)
{
    if (slot == HS_ROLE_PUBLISHER)
        return s->seg.csv_ring;
    return slot >= HS_ROLE_WRITER0 ? s->seg.writer_ring[slot - HS_ROLE_WRITER0] : NULL;
}

static void snapshot_children(struct supervisor *s, struct hs_status *st, int64_t now)
{
    st->nrows = 0;
    st->dead_letters = 0;
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++) {
        struct child *c = &s->children[slot];
        if (slot >= HS_ROLE_WRITER0 && c->state == CHILD_IDLE)
            continue;
        struct hs_child_stats *cs = &s->seg.control->stats[slot];
        struct hs_ring *ring = input_ring(s, slot);
        uint64_t out = atomic_load_explicit(&cs->records_out, memory_order_relaxed);
        struct hs_status_row *r = &st->rows[st->nrows++];
        *r = (struct hs_status_row){
            .role = c->name, .pid = c->pid, .state = state_names[c->state],
            .restarts = c->restarts, .uptime_s = (long)((now - c->started_ms) / 1000),
            .records_in = atomic_load_explicit(&cs->records_in, memory_order_relaxed),
            .records_out = out, .rate = update_rate(c, out, now),
            .dead_letters = atomic_load_explicit(&cs->dead_letters, memory_order_relaxed),
            .lag = slot == HS_ROLE_KAFKA_READER ? st->lag : -1,
            .ring_fill = ring ? (long)hs_ring_fill(ring) : -1,
            .ring_cap = ring ? (long)ring->capacity : -1,
            .last_exit = c->last_exit[0] ? c->last_exit : "-"};
        r->state = shown_state(s, slot, now);
        r->reason = c->shown_reason;
        r->idle_s = idle_seconds(c, out, now);
        r->watchdog_kills = c->watchdog_kills;
        for (int k = 0; k < HS_ERR_KINDS; k++)
            r->errors[k] = atomic_load_explicit(&cs->errors[k], memory_order_relaxed);
        if (slot >= HS_ROLE_WRITER0) /* stored; upstream roles count the same ones on the way */
            st->dead_letters += r->dead_letters;
    }
}

static void snapshot_partitions(struct supervisor *s, struct hs_status *st)
{
    struct hs_control *ctl = s->seg.control;
    uint32_t n = atomic_load_explicit(&ctl->partitions_reported, memory_order_relaxed);
    st->npartitions = 0;
    st->lag = s->children[HS_ROLE_KAFKA_READER].started_ms == 0 ? -1
            : atomic_load_explicit(&ctl->stats[HS_ROLE_KAFKA_READER].lag, memory_order_relaxed);
    for (uint32_t i = 0; i < n && i < HS_MAX_REPORTED_PARTITIONS; i++) {
        struct hs_status_partition *p = &st->partitions[st->npartitions++];
        p->partition = atomic_load_explicit(&ctl->partition_lag[i].partition, memory_order_relaxed);
        p->lag = atomic_load_explicit(&ctl->partition_lag[i].lag, memory_order_relaxed);
    }
}

static void write_status(struct supervisor *s, const char *state)
{
    struct hs_status *st = &s->snapshot;
    int64_t now = now_ms();
    st->state = state;
    st->pid = (int)getpid();
    st->uptime_s = (long)((now - s->started_ms) / 1000);
    st->phase = s->phase;
    st->config = s->cfg.path;
    st->csv = s->cfg.csv_path;
    st->topic = s->cfg.topic;
    st->table = s->cfg.schema.table;
    st->writers = s->cfg.writers;
    st->batch_size = s->cfg.batch_size;
    snapshot_partitions(s, st);
    snapshot_children(s, st, now);
    hs_health_assess(st, &s->progress, now, STALL_S);
    hs_history_record(&s->history, st, now);
    hs_metrics_refresh(s->metrics);
    char why[4400];
    if (hs_status_write(s->cfg.state_dir, st, why, sizeof why) != 0)
        hs_warn("status: %s", why);
    s->status_written_ms = now;
}

/* ---- start-up ---- */

static int prepare(struct supervisor *s, char *err, size_t errlen)
{
    const struct hs_config *cfg = &s->cfg;
    if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create state_dir %s: %s", cfg->state_dir, strerror(errno));
        return -1;
    }
    if (access(cfg->csv_path, R_OK) != 0) {
        snprintf(err, errlen, "csv_path %s: %s", cfg->csv_path, strerror(errno));
        return -1;
    }
    char pid_path[PATH_MAX + 32];
    hs_pidfile_path(cfg->state_dir, pid_path, sizeof pid_path);
    if ((s->pid_fd = hs_pidfile_acquire(pid_path, err, errlen)) < 0)
        return -1;
    s->metrics = NULL;
    if (cfg->metrics_port > 0 &&
        (s->metrics = hs_metrics_start(cfg->metrics_address, cfg->metrics_port, &s->snapshot,
                                       &s->history, err, errlen)) == NULL)
        return -1;
    return 0;
}

static int create_shared_state(struct supervisor *s, char *err, size_t errlen)
{
    if (hs_segment_create(&s->seg, (uint32_t)s->cfg.ring_slots, slot_size(&s->cfg), err,
                          errlen) != 0)
        return -1;
    struct hs_control *ctl = s->seg.control;
    atomic_store(&ctl->batch_size, (uint32_t)s->cfg.batch_size);
    atomic_store(&ctl->log_level, (uint32_t)s->cfg.log_level);
    atomic_store(&ctl->writers_wanted, (uint32_t)s->cfg.writers);
    atomic_store(&ctl->writers_routed, (uint32_t)s->cfg.writers);
    if (pipe2(s->death_pipe, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe2 for the death pipe failed: %s", strerror(errno));
        return -1;
    }
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++)
        name_child(&s->children[slot], slot);
    return 0;
}

/* Detaches from the terminal. The original process waits on `ready` and
 * exits with what the daemon reports, so `start` fails visibly. */
static int daemonize(const struct hs_config *cfg, int *ready_fd)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(fds[1]);
        char msg[1024] = "";
        ssize_t n = read(fds[0], msg, sizeof msg - 1);
        msg[n > 0 ? n : 0] = '\0';
        if (strncmp(msg, "ok", 2) == 0) {
            printf("housingsup started (pid %d); log: %s/" HS_LOG_FILE "\n", (int)pid, cfg->state_dir);
            exit(HS_EXIT_OK);
        }
        fprintf(stderr, "housingsup: %s\n", n > 0 ? msg : "the supervisor died while starting");
        exit(HS_EXIT_FATAL);
    }
    close(fds[0]);
    setsid();
    char log_path[PATH_MAX + 32];
    snprintf(log_path, sizeof log_path, "%s/" HS_LOG_FILE, cfg->state_dir);
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    int null_fd = open("/dev/null", O_RDONLY);
    if (log_fd < 0 || null_fd < 0)
        return -1;
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(null_fd);
    close(log_fd);
    if (chdir("/") != 0)
        return -1;
    *ready_fd = fds[1];
    return 0;
}

static void report_ready(int ready_fd, const char *msg)
{
    if (ready_fd < 0)
        return;
    ssize_t ignored = write(ready_fd, msg, strlen(msg));
    (void)ignored;
    close(ready_fd);
}

/* ---- the loop ---- */

/* Milliseconds until the next thing the loop must do on its own: write the
 * status (and run the watchdog's check with it), start a child whose backoff
 * ends, give up a stop. Signals and scrapes wake it earlier. */
static int next_deadline_ms(struct supervisor *s)
{
    int64_t now = now_ms(), next = s->status_written_ms + STATUS_INTERVAL_MS;
    for (int slot = 0; slot < HS_MAX_CHILDREN; slot++)
        if (s->children[slot].state == CHILD_BACKOFF && s->children[slot].next_start_ms < next)
            next = s->children[slot].next_start_ms;
    if (stopping(s) && s->stop_deadline_ms < next)
        next = s->stop_deadline_ms;
    return next <= now ? 0 : (int)(next - now);
}

/* Sleeps until a signal, metrics traffic or the next deadline (sooner when
 * a metrics connection times out first), then lets the endpoint do what needs no
 * waiting: it runs after every wake-up, since its timeouts fire without
 * traffic. poll() skips the -1 of a disabled endpoint. */
static void wait_for_events(struct supervisor *s)
{
    struct pollfd pfd[2] = {{.fd = self_pipe[0], .events = POLLIN},
                            {.fd = hs_metrics_poll_fd(s->metrics), .events = POLLIN}};
    poll(pfd, 2, hs_metrics_timeout(s->metrics, next_deadline_ms(s)));
    hs_metrics_run(s->metrics);
    char drain[64];
    while (read(self_pipe[0], drain, sizeof drain) > 0)
        ;
}

static int run(struct supervisor *s)
{
    for (;;) {
        wait_for_events(s);
        if (got_chld) {
            got_chld = 0;
            reap(s);
        }
        if (got_hup) {
            got_hup = 0;
            reload(s);
        }
        if (got_term && !stopping(s))
            begin_stop(s);
        if (stopping(s))
            advance_stop(s);
        reconcile(s);
        int rc = stopping(s) ? finish_stop(s) : -1;
        if (rc >= 0)
            return rc;
        if (now_ms() - s->status_written_ms >= STATUS_INTERVAL_MS) {
            watch_heartbeats(s);
            write_status(s, stopping(s) ? "stopping" : "running");
        }
    }
}

int hs_supervisor_start(const char *config_path, bool foreground)
{
    static struct supervisor s; /* large; lives for the whole process */
    char err[1024] = "";
    int ready_fd = -1;
    hs_log_set_role(HS_ROLE_NAME_SUPERVISOR);
    if (hs_settings_load(config_path, &s.cfg, err, sizeof err) != 0 || prepare(&s, err, sizeof err) != 0) {
        fprintf(stderr, "housingsup: %s\n", err);
        return HS_EXIT_FATAL;
    }
    hs_log_set_level(s.cfg.log_level);
    if (!foreground && daemonize(&s.cfg, &ready_fd) != 0) {
        fprintf(stderr, "housingsup: cannot start in the background: %s\n", strerror(errno));
        return HS_EXIT_FAILURE;
    }
    if (hs_pidfile_write(s.pid_fd, getpid()) != 0 || create_shared_state(&s, err, sizeof err) != 0 ||
        install_signals(err, sizeof err) != 0) {
        if (err[0] == '\0')
            snprintf(err, sizeof err, "cannot write the pid file: %s", strerror(errno));
        hs_error("%s", err);
        report_ready(ready_fd, err);
        return HS_EXIT_FAILURE;
    }
    s.started_ms = now_ms();
    hs_info("started: config %s, csv %s, kafka %s topic %s, table %s, %d writers", s.cfg.path,
            s.cfg.csv_path, s.cfg.bootstrap_servers, s.cfg.topic, s.cfg.schema.table,
            s.cfg.writers);
    log_config_warnings(&s.cfg);
    if (s.metrics != NULL)
        hs_info("metrics: http://%s:%d/metrics, status page: http://%s:%d/", s.cfg.metrics_address,
                s.cfg.metrics_port, s.cfg.metrics_address, s.cfg.metrics_port);
    report_ready(ready_fd, "ok");
    set_phase(&s, HS_PHASE_RUNNING, "set up: starting the children");
    int rc = run(&s);
    uint64_t left = records_left(&s);
    write_status(&s, rc == HS_EXIT_OK ? HS_STATE_STOPPED_CLEANLY : HS_STATE_STOPPED_LEFT);
    hs_info("stopped (%llu records left in rings)", (unsigned long long)left);
    char pid_path[PATH_MAX + 32];
    hs_pidfile_path(s.cfg.state_dir, pid_path, sizeof pid_path);
    unlink(pid_path);
    close(s.death_pipe[0]);
    close(s.death_pipe[1]);
    hs_segment_destroy(&s.seg);
    hs_metrics_stop(s.metrics);
    return rc;
}
