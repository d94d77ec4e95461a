/*
 * test_chaos.c - nothing lost, nothing doubled, whatever crashes.
 *
 * 200,000 generated rows (every 997th line bad, and a CHECK constraint
 * refusing the good ones on lines ending in 007, ~0.1%), offered at 10,000
 * rows/s, go through housingsup while
 * a random child is killed with SIGKILL every 1-2 s for the whole run, the
 * Kafka broker is restarted once and PostgreSQL once. At the end: exactly
 * the good rows, no duplicate source key, every column's sum equal to the
 * CSV's less the refused rows, exactly the bad lines and the refused rows in
 * the dead-letter table, and a clean stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define ROWS 200000
#define BAD_EVERY 997
#define OUT 16384

static const char *const columns[14] = {"crim", "zn", "indus", "chas", "nox", "rm", "age",
                                        "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"};
static const char *const roles[] = {"csv-reader", "publisher", "kafka-reader", "writer-0", "writer-1"};

static long count_for(const struct run *r, const char *what)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT %s FROM housing WHERE src_file LIKE '%s#%%'", what, r->src);
    return sql_long(q);
}

/* Kills one random running child; returns 1 if it did. */
static int kill_random_child(const struct run *r)
{
    const char *role = roles[rand() % (int)(sizeof roles / sizeof roles[0])];
    int pid = run_child_pid(r, role);
    if (pid <= 0 || !is_child_of(pid, run_supervisor_pid(r)))
        return 0;
    return kill(pid, SIGKILL) == 0;
}

static void restart_server(const char *which)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "scripts/stack.sh restart-%s >/dev/null", which);
    assert_int_equal(system(cmd), 0);
}

static void everything_crashes_and_every_record_lands_once(void **state)
{
    (void)state;
    struct run r;
    struct csv_figures want;
    char out[OUT], path[600], q[256];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS hs_chaos_refuses");
    sql_exec("ALTER TABLE housing ADD CONSTRAINT hs_chaos_refuses CHECK (src_line % 1000 <> 7)");
    generate_csv(path, sizeof path, "chaos", ROWS, BAD_EVERY);
    long refused = csv_figures_except(path, 1000, 7, &want);
    long bad = ROWS / BAD_EVERY;
    assert_int_equal(want.rows, ROWS - bad - refused);
    assert_true(refused > 150);
    /* offered at 10,000 rows/s, so the run lasts about 20 s however fast the machine */
    run_init(&r, "chaos", path, "writer_batch = 1000\nstop_timeout = 120\nrate_limit = 10000");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);

    time_t start = time(NULL);
    int kills = 0, kafka_restarted = 0, pg_restarted = 0;
    /* at least 5 kills even when a slow server restart left little time for them */
    while ((count_for(&r, "COUNT(*)") < want.rows || kills < 5) && time(NULL) - start < 400) {
        usleep(1000000 + (useconds_t)(rand() % 1000000));
        kills += kill_random_child(&r);
        if (!kafka_restarted && time(NULL) - start >= 3) {
            restart_server("kafka");
            kafka_restarted = 1;
        } else if (kafka_restarted && !pg_restarted && time(NULL) - start >= 8) {
            restart_server("pg");
            pg_restarted = 1;
        }
    }
    print_message("# %d children killed, broker restarted %d, database restarted %d, %ld s\n",
                  kills, kafka_restarted, pg_restarted, (long)(time(NULL) - start));
    int rc = run_housingsup(&r, "stop", out, sizeof out);
    sql_exec("ALTER TABLE housing DROP CONSTRAINT hs_chaos_refuses"); /* before any assertion */
    assert_true(kills >= 5);
    assert_true(kafka_restarted && pg_restarted);
    if (rc != 0)
        fail_msg("stop exited %d:\n%s", rc, out);

    assert_int_equal(count_for(&r, "COUNT(*)"), want.rows);
    assert_int_equal(count_for(&r, "COUNT(DISTINCT src_line)"), want.rows);
    for (int c = 0; c < 14; c++) {
        snprintf(q, sizeof q, "SUM(%s)", columns[c]);
        char full[512];
        snprintf(full, sizeof full, "SELECT SUM(%s) FROM housing WHERE src_file LIKE '%s#%%'", columns[c], r.src);
        double got = sql_double(full);
        if (fabs(got - want.sum[c]) > 1e-9 * fabs(want.sum[c]) + 1e-6)
            fail_msg("SUM(%s) = %.12g, the CSV says %.12g", columns[c], got, want.sum[c]);
    }
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE '%s#%%:%%'", r.src);
    assert_int_equal(sql_long(q), bad + refused);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE '%s#%%:%%' "
             "AND sqlstate = '23514' AND reason LIKE '%%hs_chaos_refuses%%'", r.src);
    assert_int_equal(sql_long(q), refused);
}

int main(void)
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everything_crashes_and_every_record_lands_once),
    };
    return cmocka_run_group_tests_name("chaos", tests, NULL, NULL);
}
