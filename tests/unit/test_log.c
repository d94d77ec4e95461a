/*
 * test_log.c - the logger's repeats (supervisor/log.h): a message repeated
 * within the interval is written once and counted; numbers are ignored when
 * comparing, digits in names ("writer-1") are not; the count is written
 * before the next different message, on the same message after the
 * interval, at a flush and at exit; levels and texts that differ are all
 * written; threads share one count; a forked child starts afresh.
 *
 * stderr (where records go) is a temporary file during each test; records
 * are compared as "LEVEL: MESSAGE" lines, with the seconds in a count
 * written as S.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../common/log.h"

static char path[] = "/tmp/housingsup-log-XXXXXX";
static int saved_stderr = -1;

static int capture(void **state)
{
    (void)state;
    strcpy(path, "/tmp/housingsup-log-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    hs_log_set_role("tlog");
    hs_log_set_level(HS_LOG_INFO);
    hs_log_set_repeat_interval(HS_LOG_REPEAT_MS);
    return 0;
}

static int release(void **state)
{
    (void)state;
    hs_log_set_repeat_interval(0);
    hs_log_flush();
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        saved_stderr = -1;
    }
    unlink(path);
    return 0;
}

/* " in 1.2 s" and " in the last 1.2 s" become " in S s" and " in the last S s". */
static void mask_seconds(char *line)
{
    char *p = line;
    while ((p = strstr(p, " in ")) != NULL) {
        p += 4;
        if (strncmp(p, "the last ", 9) == 0)
            p += 9;
        size_t n = strspn(p, "0123456789.");
        if (n > 0 && strncmp(p + n, " s", 2) == 0) {
            *p = 'S';
            memmove(p + 1, p + n, strlen(p + n) + 1);
        }
    }
}

/* The records written so far as "LEVEL: MESSAGE\n" lines; empties the file. */
static char *records(void)
{
    static char out[65536];
    char line[4096];
    size_t n = 0;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    out[0] = '\0';
    while (fgets(line, sizeof line, f) != NULL && n < sizeof out - sizeof line) {
        char *p = strstr(line, " tlog ");
        p = p ? p + 6 : line;
        mask_seconds(p);
        n += (size_t)snprintf(out + n, sizeof out - n, "%s", p);
    }
    fclose(f);
    assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
    lseek(STDERR_FILENO, 0, SEEK_SET);
    return out;
}

static void expect(const char *want)
{
    const char *got = records();
    if (strcmp(got, want) != 0) {
        dup2(saved_stderr, STDERR_FILENO); /* so that cmocka's message is seen */
        fail_msg("expected:\n%sgot:\n%s", want, got);
    }
}

static void repeats_within_the_interval_are_counted(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        hs_error("postgres: down");
    hs_info("connected");
    expect("error: postgres: down\n"
           "error: last message repeated 4 times in S s\n"
           "info: connected\n");
    hs_info("once");
    hs_log_flush();
    expect("info: once\n"); /* nothing to flush */
}

static void numbers_are_ignored(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++)
        hs_error("postgres: cannot connect to 127.0.0.1:1 (retrying in %d ms)", 100 << i);
    hs_warn("kafka FAIL: broker down (after %dms in state CONNECT)", 12);
    hs_warn("kafka FAIL: broker down (after %dms in state CONNECT)", 12);
    hs_log_flush();
    expect("error: postgres: cannot connect to 127.0.0.1:1 (retrying in 100 ms)\n"
           "error: last message repeated 3 times in S s, with other numbers\n"
           "warn: kafka FAIL: broker down (after 12ms in state CONNECT)\n"
           "warn: last message repeated 1 time in S s\n");
    hs_error("x 1");
    hs_error("x");
    hs_error("x1y");
    hs_error("xy");
    expect("error: x 1\nerror: x\nerror: x1y\nerror: xy\n"); /* digits or none differ */
    hs_info("writer-0: idle -> running");
    hs_info("writer-1: idle -> running");
    hs_info("writer-12: idle -> running");
    hs_info("writer-13: idle -> running");
    hs_info("partition t/0 assigned");
    hs_info("partition t/1 assigned");
    hs_info("ipv4 at 10.0.0.1:9092");
    hs_info("ipv6 at 10.0.0.2:9093");
    hs_info("ipv6 at 10.0.0.3:9094");
    hs_log_flush();
    expect("info: writer-0: idle -> running\ninfo: writer-1: idle -> running\n" /* names */
           "info: writer-12: idle -> running\ninfo: writer-13: idle -> running\n"
           "info: partition t/0 assigned\ninfo: partition t/1 assigned\n"
           "info: ipv4 at 10.0.0.1:9092\ninfo: ipv6 at 10.0.0.2:9093\n"
           "info: last message repeated 1 time in S s, with other numbers\n");
}

static void after_the_interval_the_count_rides_on_the_message(void **state)
{
    (void)state;
    hs_log_set_repeat_interval(300);
    for (int i = 0; i < 3; i++)
        hs_error("retrying in %d ms", 100 + i);
    usleep(350 * 1000);
    hs_error("retrying in %d ms", 800);
    hs_error("retrying in %d ms", 800);
    hs_log_flush();
    expect("error: retrying in 100 ms\n"
           "error: retrying in 800 ms (repeated 2 times in the last S s, with other numbers)\n"
           "error: last message repeated 1 time in S s\n");
    hs_info("alone");
    usleep(350 * 1000);
    hs_info("alone");
    expect("info: alone\ninfo: alone\n"); /* nothing counted: written as it is */
}

static void levels_and_texts_that_differ_are_written(void **state)
{
    (void)state;
    hs_error("a");
    hs_warn("a");
    hs_error("a");
    hs_error("b");
    hs_error("a");
    expect("error: a\nwarn: a\nerror: a\nerror: b\nerror: a\n");
    hs_info("i");
    hs_debug("i"); /* below the level: neither written nor counted */
    hs_debug("other");
    hs_info("i");
    hs_log_flush();
    expect("info: i\ninfo: last message repeated 1 time in S s\n");
}

static void interval_zero_writes_every_record(void **state)
{
    (void)state;
    hs_log_set_repeat_interval(0);
    hs_error("same");
    hs_error("same");
    hs_log_flush();
    expect("error: same\nerror: same\n");
}

static void *log_many(void *arg)
{
    for (int i = 0; i < 500; i++)
        hs_error("kafka FAIL: broker %d down", (int)(intptr_t)arg);
    return NULL;
}

/* librdkafka logs from its own threads: one count for them all. */
static void threads_share_one_count(void **state)
{
    (void)state;
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, log_many, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    hs_log_flush();
    const char *got = records();
    assert_int_equal(strncmp(got, "error: kafka FAIL: broker ", 26), 0);
    const char *second = strchr(got, '\n') + 1;
    assert_string_equal(second, "error: last message repeated 1999 times in S s, with other numbers\n");
}

/* The child neither inherits the parent's count nor loses its own at exit. */
static void a_forked_child_starts_afresh(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        hs_error("p");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        hs_error("p");
        hs_error("p");
        exit(0); /* writes the child's count */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    hs_log_flush();
    expect("error: p\n"
           "error: p\n"
           "error: last message repeated 1 time in S s\n"
           "error: last message repeated 2 times in S s\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(repeats_within_the_interval_are_counted, capture, release),
        cmocka_unit_test_setup_teardown(numbers_are_ignored, capture, release),
        cmocka_unit_test_setup_teardown(after_the_interval_the_count_rides_on_the_message, capture,
                                        release),
        cmocka_unit_test_setup_teardown(levels_and_texts_that_differ_are_written, capture, release),
        cmocka_unit_test_setup_teardown(interval_zero_writes_every_record, capture, release),
        cmocka_unit_test_setup_teardown(threads_share_one_count, capture, release),
        cmocka_unit_test_setup_teardown(a_forked_child_starts_afresh, capture, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
