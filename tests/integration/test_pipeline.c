/*
 * test_pipeline.c - housingsup end to end against the real Kafka broker and
 * the real PostgreSQL: the full housing.csv run, status and stop, dead
 * letters, a live reload, and the start-up and connection errors.
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
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 16384

static const char *const columns[14] = {"crim", "zn", "indus", "chas", "nox", "rm", "age",
                                        "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"};

static double sql_for_src(const char *fmt, const struct run *r)
{
    char q[512];
    snprintf(q, sizeof q, fmt, r->src);
    return sql_double(q);
}

static long count_rows(const struct run *r, int timeout_s, long expect)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    return sql_wait_for(q, expect, timeout_s);
}

static void reset_tables(void)
{
    sql_exec("TRUNCATE housing, housing_dead_letter");
}

static void assert_stops_cleanly(const struct run *r)
{
    char out[OUT];
    run_stop_cleanly(r);
    int rc = run_housingsup(r, "status", out, sizeof out);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(out, "housingsup is not running"));
}

static void full_run_of_housing_csv(void **state)
{
    (void)state;
    struct run r;
    struct csv_figures want;
    char out[OUT];
    reset_tables();
    csv_figures("data/housing.csv", &want);
    assert_int_equal(want.rows, 506);
    run_init(&r, "full", "data/housing.csv", NULL);
    int rc = run_housingsup(&r, "start", out, sizeof out);
    if (rc != 0)
        fail_msg("start exited %d: %s", rc, out);
    assert_non_null(strstr(out, "housingsup started (pid "));
    assert_int_equal(count_rows(&r, 120, 506), 506);

    /* status while running: one line per child with role, pid and state */
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    const char *roles[] = {"csv-reader", "publisher", "kafka-reader", "writer-0", "writer-1"};
    for (size_t i = 0; i < 5; i++)
        assert_non_null(strstr(out, roles[i]));
    assert_non_null(strstr(out, "housingsup running: pid"));
    assert_non_null(strstr(out, "ROLE"));

    /* the figures computed from the CSV, column by column */
    assert_true(fabs(sql_for_src("SELECT AVG(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r) -
                     want.sum[13] / 506) < 1e-9);
    assert_true(fabs(sql_for_src("SELECT AVG(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r) -
                     22.5328) < 5e-5);
    assert_true(sql_for_src("SELECT MIN(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r) == want.min_medv);
    assert_true(sql_for_src("SELECT MAX(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r) == want.max_medv);
    assert_true(want.min_medv == 5.0 && want.max_medv == 50.0);
    for (int c = 0; c < 14; c++) {
        char q[256];
        snprintf(q, sizeof q, "SELECT SUM(%s) FROM housing WHERE src_file LIKE '%%s#%%%%'", columns[c]);
        double got = sql_for_src(q, &r);
        if (fabs(got - want.sum[c]) > 1e-6 * fabs(want.sum[c]) + 1e-9)
            fail_msg("SUM(%s) = %.10g, the CSV says %.10g", columns[c], got, want.sum[c]);
    }
    assert_int_equal(sql_for_src("SELECT COUNT(DISTINCT src_line) FROM housing WHERE src_file LIKE '%s#%%'", &r), 506);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    /* 100+100+100+100+100+6 */
    assert_int_equal(kafka_message_count(r.topic), 6);

    assert_stops_cleanly(&r);
    assert_int_equal(count_rows(&r, 1, 506), 506);
}

/* Bytes of the topic's log segments on the broker of scripts/stack.sh. */
static long topic_log_bytes(const struct run *r)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cat '%s'/kafka/data/'%s'-0/*.log | wc -c", getenv("HS_STACK_DIR"),
             r->topic);
    FILE *p = popen(cmd, "r");
    long bytes = -1;
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%ld", &bytes), 1);
    pclose(p);
    return bytes;
}

/* housing.csv under a name of its own (its own identity), through a
 * producer compressing with `codec`; returns the bytes the topic took. */
static long ingest_compressed(const char *codec)
{
    char csv[600], cmd[1400], extra[128], name[64];
    struct run r;
    snprintf(name, sizeof name, "compress-%s", codec);
    snprintf(csv, sizeof csv, "%s/build/it/%s-%d.csv", getenv("PWD"), name, (int)getpid());
    snprintf(cmd, sizeof cmd, "mkdir -p build/it && cp data/housing.csv '%s'", csv);
    assert_int_equal(system(cmd), 0);
    snprintf(extra, sizeof extra, "kafka { compression = \"%s\" }", codec);
    run_init(&r, name, csv, extra);
    run_start(&r);
    assert_int_equal(count_rows(&r, 120, 506), 506);
    assert_stops_cleanly(&r);
    assert_true(fabs(sql_for_src("SELECT SUM(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r) -
                     22.5328 * 506) < 0.05);
    assert_int_equal(sql_for_src("SELECT COUNT(DISTINCT src_line) FROM housing "
                                 "WHERE src_file LIKE '%s#%%'", &r), 506);
    return topic_log_bytes(&r);
}

/* kafka.compression: every codec lands the file whole, and the topic holds
 * the messages compressed (JSON of repeated keys shrinks several times). */
static void compressed_messages_land_whole(void **state)
{
    (void)state;
    reset_tables();
    long plain = ingest_compressed("none");
    const char *codecs[] = {"gzip", "snappy", "lz4", "zstd"};
    for (size_t i = 0; i < 4; i++) {
        long bytes = ingest_compressed(codecs[i]);
        if (bytes <= 0 || bytes * 2 > plain)
            fail_msg("%s: the topic took %ld bytes, uncompressed %ld", codecs[i], bytes, plain);
    }
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing"), 5 * 506);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
}

static void restart_does_not_reingest(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    reset_tables();
    run_init(&r, "again", "data/housing.csv", NULL);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(count_rows(&r, 120, 506), 506);
    assert_stops_cleanly(&r);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "resuming after line 507 (byte 34695)", 10));
    assert_stops_cleanly(&r);
    assert_int_equal(count_rows(&r, 1, 506), 506);
    assert_int_equal(kafka_message_count(r.topic), 6); /* nothing was published again */

    /* a damaged checkpoint: read again from the start, said so, nothing stored twice */
    char cp[700];
    snprintf(cp, sizeof cp, "%s/" HS_CHECKPOINT_FILE, r.dir);
    FILE *f = fopen(cp, "w");
    assert_non_null(f);
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "is not a checkpoint this version reads; reading the input "
                                     "from its start", 10));
    assert_stops_cleanly(&r);
    assert_int_equal(kafka_message_count(r.topic), 12); /* read and published once more */
    assert_int_equal(count_rows(&r, 1, 506), 506);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
}

static void bad_lines_become_dead_letters(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], path[600];
    reset_tables();
    snprintf(path, sizeof path, "build/it/mixed-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,b,lstat,medv\n"       /* 1 */
               "0.1,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24\n"         /* 2 good */
               "0.2,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98\n"            /* 3 13 fields */
               "0.3,18,2.31,0,abc,6.575,65.2,4.09,1,296,15.3,396.9,4.98,25\n"           /* 4 not a number */
               "\n"                                                                      /* 5 blank: skipped */
               "0.4,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,26\n"         /* 6 good */
               "this is not csv at all\n"                                                /* 7 garbage */
               "0.5,18,2.31,2.5,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,27\n"       /* 8 CHAS not integer */
               "0.6,18,2.31,1,0.538,6.575,65.2,4.09,24,666,20.2,396.9,4.98,28\n");      /* 9 good */
    fclose(f);
    run_init(&r, "mixed", path, "batch_size = 2");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", 4, 60), 4);
    assert_int_equal(count_rows(&r, 60, 3), 3);
    assert_int_equal(sql_for_src("SELECT SUM(medv) FROM housing WHERE src_file LIKE '%s#%%'", &r), 24 + 26 + 28);
    assert_int_equal(sql_for_src("SELECT SUM(src_line) FROM housing WHERE src_file LIKE '%s#%%'", &r), 2 + 6 + 9);
    struct { int line; const char *reason; } want[] = {
        {3, "expected 14 fields, got 13"},
        {4, "nox is not a double precision: 'abc'"},
        {7, "expected 14 fields, got 6 (split on whitespace: the line has no comma)"},
        {8, "chas is not an integer: '2.5'"},
    };
    for (size_t i = 0; i < 4; i++) {
        char q[512];
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE '%s#%%:%d' "
                 "AND reason = $$%s$$ AND length(raw) > 10", r.src, want[i].line, want[i].reason);
        if (sql_long(q) != 1)
            fail_msg("no dead letter for line %d with reason \"%s\"", want[i].line, want[i].reason);
    }
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE raw = 'this is not csv at all'"), 1);
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_non_null(strstr(out, "DEAD"));
    assert_true(run_log_contains(&r, ":4: nox is not a double precision: 'abc' (sent to the dead-letter table)"));
    assert_stops_cleanly(&r);
}

/* Messages on the topic that are not batches at all, or too large, and
 * objects that are not records: each becomes exactly one dead letter with
 * its position and reason, and the good record beside them still lands. */
static void bad_kafka_messages_become_dead_letters(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], big[9000], q[512];
    reset_tables();
    /* 26 messages of 20 records (offsets 0..25), then the limit for what follows */
    run_init(&r, "badmsg", "data/housing.csv", "batch_size = 20");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "publishing to topic", 30));
    assert_int_equal(count_rows(&r, 60, 506), 506);
    /* applies at the next start; 8000 bytes hold one record at its largest (4569) */
    run_rewrite_config(&r, "batch_size = 1\nkafka { max_message_bytes = 8000 }");
    assert_stops_cleanly(&r);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);

    kafka_produce(r.topic, NULL, "not json", 8);
    kafka_produce(r.topic, "foreign@1", "{\"CRIM\":1}", 10);
    const char *mixed = "[{\"crim\":1,\"zn\":2,\"indus\":3,\"chas\":0,\"nox\":0.5,\"rm\":6,\"age\":7,"
                        "\"dis\":8,\"rad\":9,\"tax\":10,\"ptratio\":11,\"b\":12,\"lstat\":13},"
                        "{\"crim\":1,\"zn\":2,\"indus\":3,\"chas\":0,\"nox\":0.5,\"rm\":6,\"age\":7,"
                        "\"dis\":8,\"rad\":9,\"tax\":10,\"ptratio\":11,\"b\":12,\"lstat\":13,\"medv\":14}]";
    kafka_produce(r.topic, "foreign@1", mixed, strlen(mixed));
    memset(big, ' ', sizeof big);
    big[0] = '[';
    big[sizeof big - 1] = ']';
    kafka_produce(r.topic, NULL, big, sizeof big);

    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", 4, 60), 4);
    /* a key that is not housingsup's names nothing: the records are named by their place */
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file = 'kafka:%s/0@28'", r.topic);
    assert_int_equal(sql_wait_for(q, 1, 30), 1);
    snprintf(q, sizeof q, "SELECT src_line FROM housing WHERE src_file = 'kafka:%s/0@28'", r.topic);
    assert_int_equal(sql_long(q), 2);
    snprintf(q, sizeof q, "SELECT medv FROM housing WHERE src_file = 'kafka:%s/0@28'", r.topic);
    assert_int_equal(sql_long(q), 14);
    struct { const char *source, *reason; } want[] = {
        {"kafka:%s/0@26", "invalid JSON (bad character at byte 4)"},
        {"kafka:%s/0@27", "message is not a JSON array of objects"},
        {"kafka:%s/0@28:1", "medv is missing"},
        {"kafka:%s/0@29", "message of 9000 bytes exceeds kafka.max_message_bytes = 8000"},
    };
    for (size_t i = 0; i < 4; i++) {
        char source[300];
        snprintf(source, sizeof source, want[i].source, r.topic);
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE source = '%s' AND reason = '%s'",
                 source, want[i].reason);
        if (sql_long(q) != 1)
            fail_msg("no dead letter from %s with reason \"%s\"", source, want[i].reason);
    }
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE raw = 'not json'"), 1);
    /* as much of it as a ring slot holds (hs_layout.raw_cap) */
    assert_int_equal(sql_long("SELECT length(raw) FROM housing_dead_letter WHERE reason LIKE 'message of 9000%'"), 548);
    /* the Kafka reader's DEAD column counts them: field 8 of its status line */
    for (int t = 0; t < 20 && run_status_field(&r, "kafka-reader", 8) != 4; t++)
        usleep(100000);
    assert_int_equal(run_status_field(&r, "kafka-reader", 8), 4);
    assert_stops_cleanly(&r);
}

static void reload_changes_writers_and_batch_size(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], path[600];
    reset_tables();
    generate_csv(path, sizeof path, "reload", 60000, 0);
    run_init(&r, "reload", path, "writers = 1\nwriter_batch = 500");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    usleep(300000);
    run_rewrite_config(&r, "writers = 3\nwriter_batch = 500\nbatch_size = 200\nlog_level = \"debug\"");
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_int_equal(count_rows(&r, 180, 60000), 60000);
    assert_int_equal(sql_for_src("SELECT COUNT(DISTINCT src_line) FROM housing WHERE src_file LIKE '%s#%%'", &r), 60000);
    assert_true(run_log_contains(&r, "reloaded "));
    assert_true(run_log_contains(&r, "batch_size 100 -> 200, writers 1 -> 3, log_level info -> debug"));
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_non_null(strstr(out, "writer-2"));
    /* a broken config is refused and the running one kept */
    run_rewrite_config(&r, "writers = 99");
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_true(run_log_wait_for(&r, "reload refused, keeping the running configuration: ", 5));
    assert_true(run_log_contains(&r, "writers = 99 is out of range [1, 16]"));
    run_rewrite_config(&r, "writers = 3");
    assert_stops_cleanly(&r);
}

/* Every kind of child killed with SIGKILL mid-run: each is restarted, the
 * log says why it died, and every record still lands exactly once. */
static void killed_children_are_restarted_without_loss(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], path[600];
    reset_tables();
    generate_csv(path, sizeof path, "killed", 100000, 0);
    run_init(&r, "killed", path, "writer_batch = 500");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    const char *victims[] = {"writer-0", "kafka-reader", "publisher", "writer-1", "csv-reader"};
    int killed = 0;
    for (size_t i = 0; i < 5; i++) {
        int pid = 0;
        for (int t = 0; t < 100 && (pid = run_child_pid(&r, victims[i])) == 0; t++)
            usleep(50000);
        if (pid > 0 && kill(pid, SIGKILL) == 0)
            killed++;
        usleep(400000);
    }
    assert_true(killed >= 4); /* the CSV reader may already have finished */
    assert_int_equal(count_rows(&r, 240, 100000), 100000);
    assert_int_equal(sql_for_src("SELECT COUNT(DISTINCT src_line) FROM housing WHERE src_file LIKE '%s#%%'", &r), 100000);
    assert_true(run_log_contains(&r, "writer-0: running -> backoff: killed by signal 9 (Killed); restarting in"));
    assert_true(run_log_contains(&r, "kafka-reader: running -> backoff: killed by signal 9"));
    assert_true(run_log_contains(&r, "publisher: running -> backoff: killed by signal 9"));
    for (int t = 0; t < 50 && run_status_field(&r, "writer-0", 3) < 1; t++)
        usleep(100000);
    assert_true(run_status_field(&r, "writer-0", 3) >= 1); /* RESTARTS column */
    assert_stops_cleanly(&r);
}

/* A child that dies as soon as it starts is restarted with exponential
 * backoff and reported, while the rest of the pipeline goes on working. */
static void restart_storm_backs_off_and_the_rest_goes_on(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    reset_tables();
    run_init(&r, "storm", "data/housing.csv", "stop_timeout = 3");
    setenv("HOUSINGSUP_CRASH_ON_START", "writer-1", 1);
    int rc = run_housingsup(&r, "start", out, sizeof out);
    unsetenv("HOUSINGSUP_CRASH_ON_START");
    assert_int_equal(rc, 0);
    assert_true(run_log_wait_for(&r, "writer-1: running -> backoff: killed by signal 6 (Aborted); "
                                     "restarting in 8000 ms (crashing repeatedly)", 40));
    assert_true(run_log_contains(&r, "writer-1: running -> backoff: killed by signal 6 (Aborted); restarting in 1000 ms"));
    assert_true(run_log_contains(&r, "writer-1: running -> backoff: killed by signal 6 (Aborted); restarting in 2000 ms"));
    assert_true(run_log_contains(&r, "writer-1: running -> backoff: killed by signal 6 (Aborted); restarting in 4000 ms"));
    /* messages alternate between the writers: writer-0's three (300 rows) land */
    assert_int_equal(count_rows(&r, 30, 300), 300);
    /* the status file is rewritten twice a second: it may not show the last start yet */
    for (int i = 0; i < 20 && run_status_field(&r, "writer-1", 3) < 4; i++)
        usleep(100000);
    assert_true(run_status_field(&r, "writer-1", 3) >= 4);
    assert_true(run_child_pid(&r, "writer-0") > 0);
    assert_true(run_child_pid(&r, "kafka-reader") > 0);
    assert_true(run_child_pid(&r, "publisher") > 0);
    /* writer-1's records cannot be committed: the stop says so; Kafka keeps them */
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 1);
    assert_non_null(strstr(out, "stopped with records left"));
}

static int file_contains(const char *path, const char *text)
{
    char buf[65536];
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++) /* argv is NUL-separated */
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

/* The database password given in the config file shows up in no process's
 * argv, not in the log, not in the status; no named shared memory exists. */
static void credentials_stay_out_of_argv_logs_and_status(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], path[700];
    reset_tables();
    run_init(&r, "creds", "data/housing.csv",
             "postgres { conninfo = \"password=kafka_pass user=kafka_user\" }\nlog_level = \"debug\"");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(count_rows(&r, 60, 506), 506);
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_null(strstr(out, "kafka_pass"));
    int pids[6] = {run_supervisor_pid(&r), run_child_pid(&r, "publisher"),
                   run_child_pid(&r, "kafka-reader"), run_child_pid(&r, "writer-0"),
                   run_child_pid(&r, "writer-1"), 0};
    for (int i = 0; pids[i] > 0; i++) {
        snprintf(path, sizeof path, "/proc/%d/cmdline", pids[i]);
        assert_true(file_contains(path, "housingsup"));
        assert_false(file_contains(path, "kafka_pass"));
    }
    /* the rings live in an anonymous mapping only our children share */
    assert_int_equal(system("ls -a /dev/shm | grep -qi housingsup"), 256);
    assert_stops_cleanly(&r);
    snprintf(path, sizeof path, "%s/" HS_LOG_FILE, r.dir);
    assert_true(file_contains(path, "connected to postgres at host="));
    assert_false(run_log_contains(&r, "kafka_pass"));
    snprintf(path, sizeof path, "%s/status", r.dir);
    assert_false(file_contains(path, "kafka_pass"));
}

static void start_errors_are_clear(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    run_init(&r, "nocsv", "build/it/does-not-exist.csv", NULL);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 2);
    assert_non_null(strstr(out, "csv_path "));
    assert_non_null(strstr(out, "does-not-exist.csv: No such file or directory"));

    snprintf(r.config, sizeof r.config, "/nonexistent/housingsup.conf");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 2);
    assert_string_equal(out, "housingsup: config file /nonexistent/housingsup.conf: No such file or directory\n");
}

static void unreachable_database_is_named_and_password_hidden(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    run_init(&r, "nodb", "data/housing.csv",
             "stop_timeout = 3\npostgres { conninfo = \"host=127.0.0.1 port=1 password=sekret-pw\" }");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "postgres: cannot connect to host=127.0.0.1 port=1 dbname=", 10));
    assert_false(run_log_contains(&r, "sekret-pw"));
    /* records cannot be committed, so the stop cannot finish cleanly: it says so */
    int rc = run_housingsup(&r, "stop", out, sizeof out);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "stopped with records left"));
}

static void unreachable_broker_is_named(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    run_init(&r, "nokafka", "data/housing.csv", "stop_timeout = 2");
    run_rewrite_config(&r, "stop_timeout = 2\nkafka { bootstrap_servers = \"127.0.0.1:1\" }");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "kafka: cannot create topic", 30));
    assert_true(run_log_contains(&r, "at 127.0.0.1:1"));
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_run_of_housing_csv),
        cmocka_unit_test(restart_does_not_reingest),
        cmocka_unit_test(compressed_messages_land_whole),
        cmocka_unit_test(bad_lines_become_dead_letters),
        cmocka_unit_test(bad_kafka_messages_become_dead_letters),
        cmocka_unit_test(reload_changes_writers_and_batch_size),
        cmocka_unit_test(killed_children_are_restarted_without_loss),
        cmocka_unit_test(restart_storm_backs_off_and_the_rest_goes_on),
        cmocka_unit_test(credentials_stay_out_of_argv_logs_and_status),
        cmocka_unit_test(start_errors_are_clear),
        cmocka_unit_test(unreachable_database_is_named_and_password_hidden),
        cmocka_unit_test(unreachable_broker_is_named),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
