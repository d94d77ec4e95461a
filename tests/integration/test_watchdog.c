/*
 * test_watchdog.c - hung or unreachable, on the real broker and database:
 * a stopped child is found by the watchdog and replaced, a writer waiting
 * for a lock is shown waiting (not killed), a broker down at the start and a
 * wrong password are named in status, which exits 1 until they are fixed,
 * and a reload during a stop is ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "../harness.h"

#define OUT 16384
#define HOUSING_ROWS 506

static long wait_rows(const struct run *r, long expect, int timeout_s)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    return sql_wait_for(q, expect, timeout_s);
}

/* Polls status.json until the Python expression over `d` is true (1). */
static int wait_json(const struct run *r, const char *expr, int timeout_s)
{
    for (int i = 0; i < timeout_s * 5; i++) {
        if (run_status_json(r, expr) == 1)
            return 1;
        usleep(200000);
    }
    return 0;
}

/* Polls `housingsup status` until it exits with `rc`. */
static int wait_status_rc(const struct run *r, int rc, int timeout_s)
{
    char out[OUT];
    for (int i = 0; i < timeout_s * 5; i++) {
        if (run_housingsup(r, "status", out, sizeof out) == rc)
            return 1;
        usleep(200000);
    }
    return 0;
}

#define CHILD(role, expr) "[c for c in d[\"children\"] if c[\"role\"] == \"" role "\"][0]" expr

static void stop_child(const struct run *r, const char *role)
{
    int pid = run_child_pid(r, role);
    assert_true(pid > 0 && is_child_of(pid, run_supervisor_pid(r)));
    assert_int_equal(kill(pid, SIGSTOP), 0);
}

/* SIGSTOP of a writer, then of the Kafka reader, mid-run: each is killed
 * and replaced, the log says why, and every row lands once. */
static void stopped_children_are_replaced(void **state)
{
    (void)state;
    struct run r;
    char path[600], log_line[128];
    const long rows = 40000;
    sql_exec("TRUNCATE housing, housing_dead_letter");
    generate_csv(path, sizeof path, "watchdog", rows, 0);
    run_init(&r, "watchdog", path, "watchdog_timeout = 3\nrate_limit = 5000");
    run_start(&r);
    assert_true(wait_rows(&r, 2000, 30) >= 2000);
    stop_child(&r, "writer-0");
    assert_true(run_log_wait_for(&r, "writer-0: no heartbeat for", 20));
    assert_true(wait_json(&r, CHILD("writer-0", "[\"watchdog_kills\"] == 1"), 10));
    stop_child(&r, "kafka-reader");
    assert_true(run_log_wait_for(&r, "kafka-reader: no heartbeat for", 20));
    snprintf(log_line, sizeof log_line, "s: killed (watchdog_timeout = 3 s)");
    assert_true(run_log_contains(&r, log_line));
    assert_int_equal(wait_rows(&r, rows, 120), rows);
    run_stop_cleanly(&r);
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(DISTINCT src_line) FROM housing WHERE src_file LIKE '%s#%%'", r.src);
    assert_int_equal(sql_long(q), rows);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
}

static PGconn *lock_housing(void)
{
    PGconn *c = PQconnectdb("");
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "BEGIN"));
    PGresult *res = PQexec(c, "LOCK TABLE housing IN ACCESS EXCLUSIVE MODE");
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    return c;
}

static void unlock_housing(PGconn *c)
{
    PQclear(PQexec(c, "COMMIT"));
    PQfinish(c);
}

/* A lock held for 15 s by another session: the writers wait (status says
 * so, for how long), what Kafka handed out but PostgreSQL has not committed
 * is lag, the headline turns stalled after 10 s, the watchdog leaves the
 * writers alone, then every row lands and the lag is 0. */
static void a_lock_is_waited_for(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "lock", "data/housing.csv", "watchdog_timeout = 3\nwriters = 1");
    PGconn *holder = lock_housing();
    time_t locked = time(NULL);
    run_start(&r);
    int waiting = wait_json(&r, CHILD("writer-0", "[\"reason\"].startswith(\"waiting for a lock "
                                                   "on housing (for \")"), 20);
    int degraded = wait_json(&r, "d[\"health\"] in (\"degraded\", \"stalled\") and "
                                 "\"waiting for a lock on housing\" in d[\"health_reason\"]", 10);
    int rc = run_housingsup(&r, "status", out, sizeof out);
    /* fetched from Kafka but not committed in PostgreSQL: still lag */
    int lagging = wait_json(&r, "(d[\"lag\"] or 0) > 0", 10);
    /* records pending and none committed for 10 s: the headline says stalled */
    int stalled = wait_json(&r, "d[\"health\"] == \"stalled\" and d[\"health_reason\"]"
                                ".startswith(\"no progress for \")", 14);
    while (time(NULL) - locked < 15)
        sleep(1);
    int kills = (int)run_status_json(&r, CHILD("writer-0", "[\"watchdog_kills\"]"));
    unlock_housing(holder);
    assert_true(waiting);
    assert_true(degraded);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "writer-0 waiting: waiting for a lock on housing (for "));
    assert_int_equal(kills, 0);
    assert_true(lagging);
    assert_true(stalled);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS, 60), HOUSING_ROWS);
    assert_true(wait_json(&r, "d[\"lag\"] == 0", 10));
    assert_true(wait_status_rc(&r, 0, 20));
    assert_int_equal(run_status_json(&r, "d[\"health\"] == \"healthy\""), 1);
    assert_true(run_log_contains(&r, "postgres: waiting for a lock on housing"));
    run_stop_cleanly(&r);
}

static void stack(const char *what)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "scripts/stack.sh %s >/dev/null", what);
    assert_int_equal(system(cmd), 0);
}

/* The broker down at the start: status names it and exits 1; once it is up,
 * everything lands and status is healthy again. */
static void broker_down_at_start(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], want[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "nobroker", "data/housing.csv", NULL);
    stack("stop-kafka");
    run_start(&r);
    snprintf(want, sizeof want, CHILD("publisher", "[\"reason\"].startswith(\"broker %s "
             "unreachable: \")"), getenv("HS_KAFKA_BOOTSTRAP"));
    int named = wait_json(&r, want, 30);
    int rc = run_housingsup(&r, "status", out, sizeof out);
    stack("start-kafka");
    assert_true(named);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "health: "));
    assert_null(strstr(out, "health: healthy"));
    assert_int_equal(wait_rows(&r, HOUSING_ROWS, 120), HOUSING_ROWS);
    assert_true(wait_status_rc(&r, 0, 60));
    run_stop_cleanly(&r);
}

/* A wrong password: status names PostgreSQL's reason; a reload with the
 * right one restarts the writers and everything lands. */
static void wrong_password_then_reload(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    char extra[256];
    int port = free_port();
    snprintf(extra, sizeof extra, "metrics_port = %d\npostgres { conninfo = \"password=not-it\" }",
             port);
    run_init(&r, "password", "data/housing.csv", extra);
    run_start(&r);
    assert_true(wait_json(&r, "all(\"password authentication failed for user\" in c[\"reason\"] "
                              "for c in d[\"children\"] if c[\"role\"].startswith(\"writer-\"))", 30));
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 1);
    assert_non_null(strstr(out, "writer-0 waiting: postgres 127.0.0.1:"));
    assert_null(strstr(out, "not-it"));
    assert_int_equal(run_status_json(&r, "d[\"health\"] != \"healthy\""), 1);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing"), 0);
    /* Prometheus: the writers unhealthy, their errors counted, the pipeline not healthy */
    assert_int_equal(http_get(port, "/metrics", out, sizeof out), 0);
    assert_true(metric_sum(out, "housingsup_child_healthy{role=\"writer-0\"}") == 0);
    assert_true(metric_sum(out, "housingsup_child_healthy{role=\"kafka-reader\"}") == 1);
    assert_true(metric_sum(out, "housingsup_errors_total{role=\"writer-0\",kind=\"postgres\"}") >= 1);
    assert_true(metric_sum(out, "housingsup_health{state=\"healthy\"}") == 0);
    assert_true(metric_sum(out, "housingsup_seconds_since_progress{role=\"writer-0\"}") >= 0);
    snprintf(extra, sizeof extra, "metrics_port = %d\npostgres { conninfo = \"password=kafka_pass\" }",
             port);
    run_rewrite_config(&r, extra);
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS, 60), HOUSING_ROWS);
    assert_true(run_log_contains(&r, "the postgres settings changed; restarting the writers"));
    assert_true(wait_status_rc(&r, 0, 20));
    run_stop_cleanly(&r);
}

/* A reload that raises writers while a stop drains is ignored: the stop
 * ends as soon as the drain can, not at stop_timeout. */
static void reload_during_stop_is_ignored(void **state)
{
    (void)state;
    struct run r;
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "hupstop", "data/housing.csv", "writers = 1\nstop_timeout = 60");
    PGconn *holder = lock_housing(); /* the drain cannot finish while it holds the table */
    run_start(&r);
    assert_true(run_log_wait_for(&r, "publishing to topic", 30));
    int supervisor = run_supervisor_pid(&r);
    assert_int_equal(kill(supervisor, SIGTERM), 0);
    int draining = run_log_wait_for(&r, "stopping: draining the pipeline", 10);
    run_rewrite_config(&r, "writers = 4\nstop_timeout = 60");
    kill(supervisor, SIGHUP);
    int ignored = run_log_wait_for(&r, "reload ignored: a stop is under way", 10);
    unlock_housing(holder);
    assert_true(draining);
    assert_true(ignored);
    time_t unlocked = time(NULL);
    while (kill(supervisor, 0) == 0 && time(NULL) - unlocked < 30)
        usleep(100000);
    assert_true(kill(supervisor, 0) != 0);
    assert_true(time(NULL) - unlocked < 20);
    assert_false(run_log_contains(&r, "writer-3: idle -> running"));
    assert_int_equal(wait_rows(&r, HOUSING_ROWS, 10), HOUSING_ROWS);
}

/* Runs `housingsup check` on the run's config; its output in out. */
static int check(const struct run *r, char *out, size_t cap)
{
    return run_housingsup(r, "check", out, cap);
}

static void check_says(const struct run *r, int rc, const char *line)
{
    char out[OUT];
    int got = check(r, out, sizeof out);
    if (got != rc || strstr(out, line) == NULL)
        fail_msg("check exited %d (expected %d) without \"%s\":\n%s", got, rc, line, out);
}

/* `housingsup check`: every check passes on the test stack, and each kind
 * of failure is named, one line each; start warns and starts anyway. */
static void check_names_each_failure(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], bad[600];
    run_init(&r, "check", "data/housing.csv", NULL);
    assert_int_equal(check(&r, out, sizeof out), 0);
    assert_non_null(strstr(out, "ok   config: "));
    assert_non_null(strstr(out, "ok   csv: "));
    assert_non_null(strstr(out, "ok   kafka: "));
    assert_non_null(strstr(out, "ok   postgres: "));
    assert_null(strstr(out, "FAIL"));

    run_rewrite_config(&r, "writers = 99");
    check_says(&r, 2, "FAIL config: ");
    run_rewrite_config(&r, "csv_path = \"/nonexistent/housing.csv\"");
    check_says(&r, 1, "FAIL csv: /nonexistent/housing.csv: No such file or directory");
    snprintf(bad, sizeof bad, "%s/build/it/check-%d.csv", getenv("PWD"), (int)getpid());
    FILE *f = fopen(bad, "w");
    fputs("crim,zn\n1,2\n", f);
    fclose(f);
    char extra[700];
    snprintf(extra, sizeof extra, "csv_path = \"%s\"", bad);
    run_rewrite_config(&r, extra);
    check_says(&r, 1, ":1: header lacks column");
    run_rewrite_config(&r, "kafka { bootstrap_servers = \"127.0.0.1:1\" }");
    check_says(&r, 1, "FAIL kafka: brokers 127.0.0.1:1 unreachable: ");
    run_rewrite_config(&r, "postgres { conninfo = \"password=not-it\" }");
    check_says(&r, 1, "password authentication failed for user");
    assert_int_equal(check(&r, out, sizeof out), 1);
    assert_null(strstr(out, "not-it"));

    run_rewrite_config(&r, NULL);
    sql_exec("REVOKE INSERT ON housing_dead_letter FROM CURRENT_USER");
    check(&r, out, sizeof out);
    sql_exec("GRANT INSERT ON housing_dead_letter TO CURRENT_USER");
    assert_non_null(strstr(out, "FAIL postgres: user kafka_user lacks INSERT on housing_dead_letter"));
    sql_exec("ALTER INDEX housing_source_idx RENAME TO hs_test_source_idx");
    check(&r, out, sizeof out);
    sql_exec("ALTER INDEX hs_test_source_idx RENAME TO housing_source_idx");
    assert_non_null(strstr(out, "FAIL postgres: the unique index housing_source_idx"));
    /* a missing table is no failure while the writers may create it */
    char without[OUT];
    sql_exec("ALTER TABLE housing RENAME TO hs_test_housing_away");
    check(&r, out, sizeof out);
    run_rewrite_config(&r, "table { create = false }");
    check(&r, without, sizeof without);
    run_rewrite_config(&r, NULL);
    sql_exec("ALTER TABLE hs_test_housing_away RENAME TO housing");
    assert_non_null(strstr(out, "ok   postgres: table housing is absent: the writers create it "
                                "(table.create is true)"));
    assert_non_null(strstr(without, "FAIL postgres: table housing: relation \"housing\" does not "
                                    "exist; create it with: CREATE TABLE IF NOT EXISTS"));

    /* start: a warning for each failed check, then it starts */
    run_rewrite_config(&r, "stop_timeout = 3\nkafka { bootstrap_servers = \"127.0.0.1:1\" }");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_non_null(strstr(out, "housingsup: warning: kafka: brokers 127.0.0.1:1 unreachable"));
    assert_non_null(strstr(out, "(starting anyway)"));
    assert_true(wait_status_rc(&r, 1, 30));
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 1); /* nothing could drain */
}

/* Whatever a failed test left behind would fail the tests after it. */
static int leave_things_as_found(void **state)
{
    (void)state;
    stack("start-kafka"); /* a no-op when it runs */
    sql_exec("GRANT INSERT ON housing_dead_letter TO CURRENT_USER");
    sql_exec("DO $$ BEGIN IF to_regclass('hs_test_source_idx') IS NOT NULL THEN "
             "ALTER INDEX hs_test_source_idx RENAME TO housing_source_idx; END IF; "
             "IF to_regclass('hs_test_housing_away') IS NOT NULL THEN "
             "DROP TABLE IF EXISTS housing; "
             "ALTER TABLE hs_test_housing_away RENAME TO housing; END IF; END $$");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stopped_children_are_replaced),
        cmocka_unit_test(a_lock_is_waited_for),
        cmocka_unit_test(broker_down_at_start),
        cmocka_unit_test(wrong_password_then_reload),
        cmocka_unit_test(reload_during_stop_is_ignored),
        cmocka_unit_test(check_names_each_failure),
    };
    return cmocka_run_group_tests_name("watchdog", tests, NULL, leave_things_as_found);
}
