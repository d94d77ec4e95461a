/*
 * test_scaleout.c - several housingsup instances in one consumer group.
 *
 * Two instances, each with its own state directory and its own CSV, publish
 * into one topic of 4 partitions and read it back in one consumer group.
 * The second starts while the first is mid-run, so the group rebalances
 * under load. Both must end up owning partitions and writing rows, and
 * together they must land every record of both files exactly once.
 *
 * Run against the single broker of scripts/stack.sh, and, when
 * HS_CLUSTER_BOOTSTRAP is set (tests/run.sh starts scripts/kafka-cluster.sh),
 * against a 3-broker cluster with a topic of replication factor 3, where one
 * broker is also stopped and started again in the middle of the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define ROWS 40000
#define OUT 16384

static const char *const columns[14] = {"crim", "zn", "indus", "chas", "nox", "rm", "age",
                                        "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"};

static long sql_for(const struct run *r, const char *what)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT %s FROM housing WHERE src_file LIKE '%s#%%'", what, r->src);
    return sql_long(q);
}

static void assert_landed_once(const struct run *r, const struct csv_figures *want)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    assert_int_equal(sql_wait_for(q, want->rows, 120), want->rows);
    assert_int_equal(sql_for(r, "COUNT(DISTINCT src_line)"), want->rows);
    for (int c = 0; c < 14; c++) {
        snprintf(q, sizeof q, "SELECT SUM(%s) FROM housing WHERE src_file LIKE '%s#%%'", columns[c], r->src);
        double got = sql_double(q);
        if (fabs(got - want->sum[c]) > 1e-9 * fabs(want->sum[c]) + 1e-6)
            fail_msg("%s: SUM(%s) = %.12g, the CSV says %.12g", r->src, columns[c], got, want->sum[c]);
    }
}

#define READER_OUT "[c[\"records_out\"] for c in d[\"children\"] if c[\"role\"] == \"kafka-reader\"][0]"

static void two_instances_share_the_topic(const char *bootstrap, int replication, bool bounce_broker)
{
    struct run a, b;
    struct csv_figures want_a, want_b;
    char path_a[600], path_b[600], extra[1024], out[OUT];
    generate_csv(path_a, sizeof path_a, "scale-a", ROWS, 0);
    generate_csv(path_b, sizeof path_b, "scale-b", ROWS, 0);
    csv_figures(path_a, &want_a);
    csv_figures(path_b, &want_b);

    /* offered at 5,000 rows/s each, so both run for several seconds together */
    snprintf(extra, sizeof extra, "rate_limit = 5000\nkafka { bootstrap_servers = \"%s\" "
             "partitions = 4 replication_factor = %d }", bootstrap, replication);
    run_init(&a, "scale-a", path_a, extra);
    snprintf(extra, sizeof extra, "rate_limit = 5000\nkafka { bootstrap_servers = \"%s\" "
             "topic = \"%s\" group_id = \"%s\" partitions = 4 replication_factor = %d }",
             bootstrap, a.topic, a.topic, replication);
    run_init(&b, "scale-b", path_b, extra);

    assert_int_equal(run_housingsup(&a, "start", out, sizeof out), 0);
    char q[512];
    snprintf(q, sizeof q, "SELECT (COUNT(*) > 0)::int FROM housing WHERE src_file LIKE '%s#%%'", a.src);
    assert_int_equal(sql_wait_for(q, 1, 60), 1);
    assert_int_equal(run_housingsup(&b, "start", out, sizeof out), 0);
    /* the group takes b in while both files are still being published */
    char status_path[700];
    snprintf(status_path, sizeof status_path, "%s/" HS_STATUS_JSON_FILE, b.dir);
    for (int t = 0; t < 300 && (access(status_path, R_OK) != 0 ||
                                run_status_json(&b, "len(d[\"partitions\"])") != 2); t++)
        usleep(100000);
    assert_int_equal(run_status_json(&b, "len(d[\"partitions\"])"), 2);
    if (bounce_broker) {
        sleep(2);
        assert_int_equal(system("scripts/kafka-cluster.sh restart-broker 2 >/dev/null"), 0);
    }

    assert_landed_once(&a, &want_a);
    assert_landed_once(&b, &want_b);
    /* the group split the 4 partitions between the two, and both did work */
    for (int t = 0; t < 100 && run_status_json(&a, "len(d[\"partitions\"])") +
                                   run_status_json(&b, "len(d[\"partitions\"])") != 4; t++)
        usleep(100000);
    long parts_a = run_status_json(&a, "len(d[\"partitions\"])");
    long parts_b = run_status_json(&b, "len(d[\"partitions\"])");
    if (parts_a != 2 || parts_b != 2)
        fail_msg("partitions owned: %ld and %ld, expected 2 and 2", parts_a, parts_b);
    long read_a = run_status_json(&a, READER_OUT), read_b = run_status_json(&b, READER_OUT);
    if (read_a <= 0 || read_b <= 0)
        fail_msg("records the two readers handed on: %ld and %ld; both must work", read_a, read_b);
    run_stop_cleanly(&b);
    run_stop_cleanly(&a);
    /* nothing arrived late or twice while the group shrank again */
    assert_landed_once(&a, &want_a);
    assert_landed_once(&b, &want_b);
}

static void two_instances_one_broker(void **state)
{
    (void)state;
    sql_exec("TRUNCATE housing, housing_dead_letter");
    two_instances_share_the_topic(getenv("HS_KAFKA_BOOTSTRAP"), 1, false);
}

static void two_instances_three_brokers_replication_3(void **state)
{
    (void)state;
    const char *cluster = getenv("HS_CLUSTER_BOOTSTRAP");
    if (cluster == NULL || cluster[0] == '\0')
        fail_msg("HS_CLUSTER_BOOTSTRAP is not set: the 3-broker cluster did not start");
    sql_exec("TRUNCATE housing, housing_dead_letter");
    two_instances_share_the_topic(cluster, 3, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_instances_one_broker),
        cmocka_unit_test(two_instances_three_brokers_replication_3),
    };
    return cmocka_run_group_tests_name("scale-out", tests, NULL, NULL);
}
