/*
 * test_follow.c - continuous ingestion (follow = true) against the real
 * Kafka broker and PostgreSQL.
 *
 * A followed file: lines appended (one of them in two writes), appended
 * while the CSV reader and the publisher are killed, the file rotated while
 * running and again while housingsup is stopped: every line lands exactly
 * once, each generation under its own source name. A followed directory:
 * files present at the start and renamed in later are read once, a file with
 * a bad header becomes a dead letter, a file that sorts too early is left
 * alone and reported, and a restart reads nothing again. With the slow poll
 * made longer than the test, inotify alone wakes the reader for appends, a
 * partly filled batch, a rotation and a file moved into a directory.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 16384

/* Line `n` (1 = the first record) of data/housing.csv, with its newline. */
static const char *housing_line(int n)
{
    static char lines[507][256];
    static int loaded;
    if (!loaded) {
        FILE *f = fopen("data/housing.csv", "r");
        assert_non_null(f);
        for (int i = 0; i < 507 && fgets(lines[i], sizeof lines[i], f) != NULL; i++)
            ;
        fclose(f);
        loaded = 1;
    }
    assert_true(n >= 0 && n <= 506);
    return lines[n];
}

static void append_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Appends records first..last of housing.csv to `path` (header when first == 0). */
static void append_records(const char *path, int first, int last)
{
    for (int i = first; i <= last; i++)
        append_text(path, housing_line(i));
}

static double medv_sum(int first, int last)
{
    double sum = 0;
    for (int i = first; i <= last; i++) {
        const char *comma = strrchr(housing_line(i), ',');
        sum += strtod(comma + 1, NULL);
    }
    return sum;
}

static void expect_source(const char *src, long rows, double medv)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", src);
    long got = sql_wait_for(q, rows, 60);
    if (got != rows)
        fail_msg("%s: %ld rows, expected %ld", src, got, rows);
    snprintf(q, sizeof q, "SELECT COUNT(DISTINCT src_line) FROM housing WHERE src_file LIKE '%s#%%'", src);
    assert_int_equal(sql_long(q), rows);
    snprintf(q, sizeof q, "SELECT COALESCE(SUM(medv), 0) FROM housing WHERE src_file LIKE '%s#%%'", src);
    double sum = sql_double(q);
    if (fabs(sum - medv) > 1e-6)
        fail_msg("%s: SUM(medv) = %.6f, expected %.6f", src, sum, medv);
}

static void kill_child(const struct run *r, const char *role)
{
    int pid = run_child_pid(r, role);
    if (pid > 0 && is_child_of(pid, run_supervisor_pid(r)))
        kill(pid, SIGKILL);
}

static void followed_file_appends_kills_and_rotations(void **state)
{
    (void)state;
    struct run r;
    char path[600], rotated[700], out[OUT], src1[200], src2[200];
    snprintf(path, sizeof path, "%s/build/it/follow-%d.csv", getenv("PWD"), (int)getpid());
    unlink(path);
    append_records(path, 0, 100);
    run_init(&r, "follow", path, "follow = true");
    sql_exec("TRUNCATE housing, housing_dead_letter");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    expect_source(r.src, 100, medv_sum(1, 100));

    /* a line written in two parts counts once it is whole */
    append_records(path, 101, 150);
    char half[256];
    snprintf(half, sizeof half, "%s", housing_line(151));
    size_t cut = strlen(half) / 2;
    half[cut] = '\0';
    append_text(path, half);
    expect_source(r.src, 150, medv_sum(1, 150));
    append_text(path, housing_line(151) + cut);
    expect_source(r.src, 151, medv_sum(1, 151));

    /* appends go on while the reader and the publisher are killed */
    for (int i = 152; i <= 400; i++) {
        append_records(path, i, i);
        if (i == 200)
            kill_child(&r, "csv-reader");
        if (i == 300)
            kill_child(&r, "publisher");
        usleep(5000);
    }
    expect_source(r.src, 400, medv_sum(1, 400));

    /* rotation while running: the rest of the old file, then the new one */
    snprintf(rotated, sizeof rotated, "%s.1", path);
    append_records(path, 401, 410);
    assert_int_equal(rename(path, rotated), 0);
    append_records(path, 0, 30);
    snprintf(src1, sizeof src1, "%s~1", r.src);
    expect_source(r.src, 410, medv_sum(1, 410));
    expect_source(src1, 30, medv_sum(1, 30));
    run_stop_cleanly(&r);

    /* rotation while stopped: the old file's new lines are found and finished */
    append_records(path, 31, 40);
    assert_int_equal(rename(path, rotated), 0);
    append_records(path, 0, 5);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    snprintf(src2, sizeof src2, "%s~2", r.src);
    expect_source(src1, 40, medv_sum(1, 40));
    expect_source(src2, 5, medv_sum(1, 5));
    assert_true(run_log_contains(&r, "which it was rotated to"));
    run_stop_cleanly(&r);
    expect_source(r.src, 410, medv_sum(1, 410));
}

/* Puts a whole file in place by rename, as a producer of a followed directory must. */
static void drop_file(const char *dir, const char *name, int first, int last)
{
    char tmp[700], final[700];
    snprintf(tmp, sizeof tmp, "%s/../.%s.part", dir, name);
    snprintf(final, sizeof final, "%s/%s", dir, name);
    unlink(tmp);
    append_records(tmp, 0, 0);
    append_records(tmp, first, last);
    assert_int_equal(rename(tmp, final), 0);
}

static void followed_directory_reads_each_file_once(void **state)
{
    (void)state;
    struct run r;
    char dir[600], cmd[700], bad[700], out[OUT];
    snprintf(dir, sizeof dir, "%s/build/it/inbox-%d", getenv("PWD"), (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    drop_file(dir, "part-001.csv", 1, 100);
    drop_file(dir, "part-002.csv", 101, 250);
    snprintf(bad, sizeof bad, "%s/part-003.csv", dir);
    append_text(bad, "crim,zn,indus\n1,2,3\n");
    run_init(&r, "inbox", dir, "follow = true");
    sql_exec("TRUNCATE housing, housing_dead_letter");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    expect_source("part-001.csv", 100, medv_sum(1, 100));
    expect_source("part-002.csv", 150, medv_sum(101, 250));
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE "
                                  "'part-003.csv#%:1' AND reason LIKE 'header lacks column%the file "
                                  "is skipped'", 1, 30), 1);

    drop_file(dir, "part-004.csv", 251, 506);
    expect_source("part-004.csv", 256, medv_sum(251, 506));
    drop_file(dir, "part-000.csv", 1, 10); /* sorts before what has been read */
    assert_true(run_log_wait_for(&r, "part-000.csv: left alone: its name sorts before part-004.csv", 10));
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing WHERE src_file LIKE 'part-000.csv#%'"), 0);
    run_stop_cleanly(&r);

    /* a restart reads nothing again, and goes on with what is new */
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    drop_file(dir, "part-005.csv", 1, 6);
    expect_source("part-005.csv", 6, medv_sum(1, 6));
    /* the status file is rewritten every 0.5 s: the rows can land before it says so */
    long read = -1;
    for (int t = 0; t < 100 && read != 6; t++, usleep(100000))
        read = run_status_json(&r, "[c[\"records_out\"] for c in d[\"children\"] if c[\"role\"] == "
                                   "\"csv-reader\"][0]");
    if (read != 6)
        fail_msg("after the restart the CSV reader read %ld records; only the 6 new ones were due", read);
    run_stop_cleanly(&r);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing"), 100 + 150 + 256 + 6);
}

/* A state directory reused for another file: the old checkpoint is not taken
 * for a rotation of the new file, which is read whole under its own name. */
static void another_file_in_the_same_state_dir(void **state)
{
    (void)state;
    struct run r;
    char first[600], second[600], extra[800], out[OUT];
    snprintf(first, sizeof first, "%s/build/it/first-%d.csv", getenv("PWD"), (int)getpid());
    snprintf(second, sizeof second, "%s/build/it/second-%d.csv", getenv("PWD"), (int)getpid());
    unlink(first);
    unlink(second);
    append_records(first, 0, 50);
    append_records(second, 0, 20);
    run_init(&r, "reuse", first, NULL);
    sql_exec("TRUNCATE housing, housing_dead_letter");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    expect_source(r.src, 50, medv_sum(1, 50));
    run_stop_cleanly(&r);
    snprintf(extra, sizeof extra, "csv_path = \"%s\"", second);
    run_rewrite_config(&r, extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    const char *slash = strrchr(second, '/');
    expect_source(slash + 1, 20, medv_sum(1, 20));
    run_stop_cleanly(&r);
    assert_true(run_log_contains(&r, "the checkpoint is for "));
}

/* Writes a new file at path: the header and records first..last. */
static void new_file(const char *path, int first, int last)
{
    unlink(path);
    append_records(path, 0, 0);
    append_records(path, first, last);
    usleep(20000); /* rotated files are told apart by when they were last written */
}

static void name_generation(char *out, size_t cap, const char *src, int g)
{
    snprintf(out, cap, "%s~%d", src, g);
}

/* Follow mode loses no line: two rotations while stopped (the middle file
 * too), a last line without its newline in a file rotated away, and a file
 * truncated and written again while stopped (read from its start). */
static void followed_file_loses_no_line(void **state)
{
    (void)state;
    struct run r;
    char path[600], one[700], two[700], out[OUT], src[4][200];
    snprintf(path, sizeof path, "%s/build/it/keep-%d.csv", getenv("PWD"), (int)getpid());
    snprintf(one, sizeof one, "%s.1", path);
    snprintf(two, sizeof two, "%s.2", path);
    unlink(one);
    unlink(two);
    new_file(path, 1, 20);
    run_init(&r, "keep", path, "follow = true");
    for (int g = 1; g < 4; g++)
        name_generation(src[g], sizeof src[g], r.src, g);
    sql_exec("TRUNCATE housing, housing_dead_letter");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    expect_source(r.src, 20, medv_sum(1, 20));
    run_stop_cleanly(&r);

    /* stopped: lines added, then rotated twice, as logrotate would */
    append_records(path, 21, 25);
    usleep(20000);
    assert_int_equal(rename(path, one), 0);
    new_file(path, 1, 10);
    assert_int_equal(rename(one, two), 0);
    assert_int_equal(rename(path, one), 0);
    new_file(path, 1, 7);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    expect_source(r.src, 25, medv_sum(1, 25));
    expect_source(src[1], 10, medv_sum(1, 10));
    expect_source(src[2], 7, medv_sum(1, 7));
    assert_true(run_log_contains(&r, "rotated away before it was read, as generation 1"));

    /* running: the last line has no newline when the file is rotated away */
    char last[256];
    snprintf(last, sizeof last, "%s", housing_line(8));
    last[strcspn(last, "\n")] = '\0';
    append_text(path, last);
    sleep(1);
    assert_int_equal(rename(path, one), 0);
    new_file(path, 1, 3);
    expect_source(src[2], 8, medv_sum(1, 8));
    expect_source(src[3], 3, medv_sum(1, 3));
    run_stop_cleanly(&r);

    /* stopped: the same file (inode) truncated and filled with other lines */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(housing_line(0), f);
    for (int i = 101; i <= 110; i++)
        fputs(housing_line(i), f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", src[3]);
    assert_int_equal(sql_wait_for(q, 13, 60), 13); /* 3 before, 10 under the new fingerprint */
    snprintf(q, sizeof q, "SELECT SUM(medv) FROM housing WHERE src_file LIKE '%s#%%'", src[3]);
    assert_true(fabs(sql_double(q) - medv_sum(1, 3) - medv_sum(101, 110)) < 1e-6);
    snprintf(q, sizeof q, "SELECT COUNT(DISTINCT src_file) FROM housing WHERE src_file LIKE '%s#%%'", src[3]);
    assert_int_equal(sql_long(q), 2);
    assert_true(run_log_contains(&r, "truncated and written again"));
    run_stop_cleanly(&r);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
}

static long reader_restarts(const struct run *r)
{
    return run_status_json(r, "[c[\"restarts\"] for c in d[\"children\"] if c[\"role\"] == "
                              "\"csv-reader\"][0]");
}

/* With the slow poll made longer than the test (HOUSINGSUP_FOLLOW_POLL_MS),
 * only inotify can wake the reader: appended lines (a partly filled batch of
 * 1,000, with no more input behind it), a line completed by a second write,
 * and a rotation all land; the reader is never restarted meanwhile. */
static void followed_file_woken_by_inotify(void **state)
{
    (void)state;
    struct run r;
    char path[600], rotated[700], out[OUT], src1[200];
    snprintf(path, sizeof path, "%s/build/it/notify-%d.csv", getenv("PWD"), (int)getpid());
    snprintf(rotated, sizeof rotated, "%s.1", path);
    unlink(path);
    unlink(rotated);
    append_records(path, 0, 5);
    run_init(&r, "notify", path, "follow = true\nbatch_size = 1000\nwatchdog_timeout = 3600");
    sql_exec("TRUNCATE housing, housing_dead_letter");
    setenv("HOUSINGSUP_FOLLOW_POLL_MS", "3600000", 1);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    unsetenv("HOUSINGSUP_FOLLOW_POLL_MS");
    expect_source(r.src, 5, medv_sum(1, 5));

    append_records(path, 6, 8);
    expect_source(r.src, 8, medv_sum(1, 8));
    char half[256];
    snprintf(half, sizeof half, "%s", housing_line(9));
    size_t cut = strlen(half) / 2;
    half[cut] = '\0';
    append_text(path, half);
    append_text(path, housing_line(9) + cut);
    expect_source(r.src, 9, medv_sum(1, 9));

    assert_int_equal(rename(path, rotated), 0);
    append_records(path, 0, 3);
    snprintf(src1, sizeof src1, "%s~1", r.src);
    expect_source(src1, 3, medv_sum(1, 3));
    append_records(path, 4, 4);
    expect_source(src1, 4, medv_sum(1, 4));
    assert_int_equal(reader_restarts(&r), 0);
    run_stop_cleanly(&r);
}

/* The same for a followed directory: a file moved in is read at once. */
static void followed_directory_woken_by_inotify(void **state)
{
    (void)state;
    struct run r;
    char dir[600], cmd[700], out[OUT];
    snprintf(dir, sizeof dir, "%s/build/it/notify-inbox-%d", getenv("PWD"), (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
    drop_file(dir, "part-001.csv", 1, 10);
    run_init(&r, "notify-inbox", dir, "follow = true\nbatch_size = 1000\nwatchdog_timeout = 3600");
    sql_exec("TRUNCATE housing, housing_dead_letter");
    setenv("HOUSINGSUP_FOLLOW_POLL_MS", "3600000", 1);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    unsetenv("HOUSINGSUP_FOLLOW_POLL_MS");
    expect_source("part-001.csv", 10, medv_sum(1, 10));
    drop_file(dir, "part-002.csv", 11, 13);
    expect_source("part-002.csv", 3, medv_sum(11, 13));
    assert_int_equal(reader_restarts(&r), 0);
    run_stop_cleanly(&r);
}

int main(void)
{
    mkdir("build/it", 0755); /* the tests' files, before run_init makes it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(followed_file_appends_kills_and_rotations),
        cmocka_unit_test(followed_directory_reads_each_file_once),
        cmocka_unit_test(another_file_in_the_same_state_dir),
        cmocka_unit_test(followed_file_loses_no_line),
        cmocka_unit_test(followed_file_woken_by_inotify),
        cmocka_unit_test(followed_directory_woken_by_inotify),
    };
    return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
