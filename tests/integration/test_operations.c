/*
 * test_operations.c - what an operator sees, against the real Kafka broker
 * and PostgreSQL: `status` as a table, as JSON and redrawn by --watch; the
 * Prometheus endpoint, also with idle and dripping clients holding
 * connections while a child is restarted; `housingsup config`; and settings
 * passed through to libpq. The JSON is read back with Python's json module, independently of
 * the code that wrote it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 32768

static long count_rows(const struct run *r, int timeout_s, long expect)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    return sql_wait_for(q, expect, timeout_s);
}

/* A TCP port on 127.0.0.1 nobody listens on right now. */

static long wait_status_json(const struct run *r, const char *expr, long expect, int timeout_s)
{
    long v = -1;
    for (int t = 0; t < timeout_s * 10 && (v = run_status_json(r, expr)) != expect; t++)
        usleep(100000);
    return v;
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* How many lines of the run's log hold text. */
static int log_lines_with(const struct run *r, const char *text)
{
    char path[700], line[4096];
    int n = 0;
    snprintf(path, sizeof path, "%s/" HS_LOG_FILE, r->dir);
    FILE *f = fopen(path, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        n += strstr(line, text) != NULL;
    if (f != NULL)
        fclose(f);
    return n;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to 127.0.0.1:port that sends nothing yet. */
static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* True once the server has closed fd: EOF or a reset, without waiting.
 * Peeks, so an answer stays there to be noticed. */
static int closed_by_server(int fd)
{
    char c[256];
    ssize_t n = recv(fd, c, sizeof c, MSG_DONTWAIT | MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Waits up to timeout_ms for the server to close fd; the ms it took, or -1. */
static long wait_closed(int fd, int64_t since_ms, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (mono_ms() - since_ms < timeout_ms) {
        if (poll(&p, 1, 50) > 0 && closed_by_server(fd))
            return (long)(mono_ms() - since_ms);
    }
    return -1;
}

/* Polls the status file up to timeout_s until role runs. */
static int wait_running(const struct run *r, const char *role, int timeout_s)
{
    for (int t = 0; t < timeout_s * 10; t++, usleep(100000))
        if (run_child_pid(r, role) > 0)
            return 1;
    return 0;
}

/* SIGKILLs the role's child; returns its pid. */
static int kill_child(const struct run *r, const char *role)
{
    int pid = run_child_pid(r, role);
    assert_true(pid > 0);
    assert_true(is_child_of(pid, run_supervisor_pid(r)));
    assert_int_equal(kill(pid, SIGKILL), 0);
    return pid;
}

/* The ms until the status file shows another pid for role, or -1 after timeout_ms. */
static long wait_restarted(const struct run *r, const char *role, int old_pid, int timeout_ms)
{
    int64_t t0 = mono_ms();
    for (;;) {
        int pid = run_child_pid(r, role);
        if (pid > 0 && pid != old_pid)
            return (long)(mono_ms() - t0);
        if (mono_ms() - t0 > timeout_ms)
            return -1;
        usleep(50000);
    }
}

/* No child holds a socket on the metrics port, listening or connected
 * (children are forked, and would otherwise inherit the supervisor's). */
static void only_the_supervisor_holds(const struct run *r, int port)
{
    char cmd[128], out[OUT], pid[32];
    snprintf(cmd, sizeof cmd, "ss -Htanp 'sport = :%d' 2>&1", port);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    pclose(p);
    snprintf(pid, sizeof pid, "pid=%d,", run_supervisor_pid(r));
    assert_non_null(strstr(out, pid)); /* ss sees the owners at all */
    const char *roles[] = {"csv-reader", "publisher", "kafka-reader", "writer-0", "writer-1"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        snprintf(pid, sizeof pid, "pid=%d,", run_child_pid(r, roles[i]));
        if (strstr(out, pid) != NULL)
            fail_msg("%s holds a socket of the metrics port:\n%s", roles[i], out);
    }
}

#define WRITERS_OUT \
    "sum(c[\"records_out\"] for c in d[\"children\"] if c[\"role\"].startswith(\"writer-\"))"

static void status_json_watch_and_metrics(void **state)
{
    (void)state;
    struct run r;
    char extra[256], out[OUT], prefix[256];
    int port = free_port();
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(extra, sizeof extra, "metrics_port = %d\nkafka { partitions = 2 }", port);
    run_init(&r, "ops", "data/housing.csv", extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(count_rows(&r, 60, 506), 506);

    /* --json: one valid object; the writers' counters add up to the table */
    assert_int_equal(wait_status_json(&r, WRITERS_OUT, 506, 10), 506);
    assert_int_equal(wait_status_json(&r, "len(d[\"partitions\"])", 2, 10), 2);
    assert_int_equal(wait_status_json(&r, "sum(p[\"lag\"] or 0 for p in d[\"partitions\"])", 0, 10), 0);
    assert_int_equal(run_status_json(&r, "d[\"state\"] == \"running\" and d[\"dead_letters\"] == 0"), 1);
    assert_int_equal(run_status_json(&r, "d[\"phase\"] == \"running\""), 1);
    assert_int_equal(run_housingsup(&r, "status --json", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "{\"state\":\"running\",\"pid\":", 25), 0);
    assert_non_null(strstr(out, ",\"phase\":\"running\",\"config\":"));

    /* the table shows the rate column and the lag of each partition */
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_non_null(strstr(out, "RATE/s"));
    assert_non_null(strstr(out, ", phase running, up "));
    snprintf(prefix, sizeof prefix, "consumer lag by partition of %s: 0=0 1=0\n", r.topic);
    assert_non_null(strstr(out, prefix));

    /* /metrics: the same counters in Prometheus text format */
    assert_int_equal(http_get(port, "/metrics", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null(strstr(out, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(out, "# TYPE housingsup_records_out_total counter\n"));
    assert_true(metric_sum(out, "housingsup_records_out_total{role=\"writer-") == 506);
    assert_true(metric_sum(out, "housingsup_records_out_total{role=\"csv-reader\"}") == 506);
    assert_true(metric_sum(out, "housingsup_dead_letters_total{") == 0);
    assert_true(metric_sum(out, "housingsup_child_up{role=\"kafka-reader\"}") == 1);
    assert_non_null(strstr(out, "# TYPE housingsup_phase gauge\n"));
    assert_non_null(strstr(out, "\nhousingsup_phase{phase=\"running\"} 1\n"));
    assert_non_null(strstr(out, "\nhousingsup_phase{phase=\"draining\"} 0\n"));
    assert_true(metric_sum(out, "housingsup_phase{") == 1);
    snprintf(prefix, sizeof prefix, "housingsup_consumer_lag{topic=\"%s\",partition=\"1\"} 0\n", r.topic);
    assert_non_null(strstr(out, prefix));
    /* the status page and its JSON beside it; any other path is a 404 */
    assert_int_equal(http_get(port, "/", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null(strstr(out, "Content-Type: text/html; charset=utf-8"));
    assert_non_null(strstr(out, "Content-Security-Policy: default-src 'none';"));
    assert_non_null(strstr(out, "<title>housingsup</title>"));
    assert_int_equal(http_get(port, "/status.json", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null(strstr(out, "Content-Type: application/json"));
    assert_non_null(strstr(out, "\r\n\r\n{\"state\":\"running\",\"pid\":"));
    assert_non_null(strstr(out, ",\"history\":{\"interval_ms\":1000,"));
    assert_int_equal(http_get(port, "/index.html", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24), 0);

    /* --watch redraws about once a second (no terminal: tables one after another) */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "timeout -s INT 3.5 %s status --watch -c '%s'", getenv("HOUSINGSUP_BIN"),
             r.config);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    pclose(p);
    int draws = count_of(out, "housingsup running: pid");
    if (draws < 2 || draws > 5)
        fail_msg("--watch drew the table %d times in 3.5 s", draws);

    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
    assert_non_null(strstr(out, "stopped cleanly, rings empty"));
    /* the supervisor's phases, each change logged once, the last in the final status */
    assert_non_null(strstr(out, ", phase stopped, up "));
    assert_int_equal(run_status_json(&r, "d[\"phase\"] == \"stopped\""), 1);
    const char *phases[] = {
        "supervisor info: phase: starting -> running (set up: starting the children)",
        "supervisor info: phase: running -> draining (stop requested: the CSV reader stops, the "
        "publisher and the Kafka reader drain)",
        "supervisor info: phase: draining -> draining-writers (kafka-reader done: writer rings closed)",
        "supervisor info: phase: draining-writers -> stopped (every child has exited)",
    };
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
        if (log_lines_with(&r, phases[i]) != 1)
            fail_msg("the log has %d lines \"%s\"", log_lines_with(&r, phases[i]), phases[i]);
    assert_int_equal(log_lines_with(&r, "supervisor info: phase: "), 4);
    /* after the stop: no endpoint, and every form of status says so */
    assert_int_equal(http_get(port, "/metrics", out, sizeof out), -1);
    assert_int_equal(run_housingsup(&r, "status --json", out, sizeof out), 3);
    assert_non_null(strstr(out, "housingsup is not running (no supervisor holds "));
    assert_int_equal(run_housingsup(&r, "status --watch", out, sizeof out), 3);
    assert_non_null(strstr(out, "housingsup is not running"));
    assert_int_equal(run_housingsup(&r, "status --json --watch", out, sizeof out), 64);
}

#define RESTARTS_OF(role) "[c[\"restarts\"] for c in d[\"children\"] if c[\"role\"] == \"" role "\"][0]"
#define IDLE_CLIENTS 50

/* 50 connections that send nothing do not keep the supervisor from its
 * work: a killed writer is restarted promptly, status and a scrape still
 * answer, and the server closes the idle ones after its idle timeout (2 s). */
static void idle_metrics_clients_do_not_stall_supervision(void **state)
{
    (void)state;
    struct run r;
    char extra[128], out[OUT];
    int port = free_port(), idle[IDLE_CLIENTS];
    snprintf(extra, sizeof extra, "metrics_port = %d\nwriters = 2", port);
    run_init(&r, "idlemetrics", "data/housing.csv", extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(wait_running(&r, "writer-0", 10));

    int64_t opened = mono_ms();
    for (int i = 0; i < IDLE_CLIENTS; i++)
        idle[i] = connect_to(port);
    print_message("%d idle clients connected in %ld ms\n", IDLE_CLIENTS, (long)(mono_ms() - opened));
    usleep(200000); /* the supervisor has accepted them by now */
    int old = kill_child(&r, "writer-0");
    long took = wait_restarted(&r, "writer-0", old, 5000);
    print_message("writer-0 restarted %ld ms after SIGKILL, %d idle clients open\n", took, IDLE_CLIENTS);
    assert_true(took >= 0 && took < 3000);
    assert_int_equal(wait_status_json(&r, RESTARTS_OF("writer-0"), 1, 5), 1);
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_int_equal(http_get(port, "/metrics", out, sizeof out), 0);
    assert_int_equal(strncmp(out, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_true(metric_sum(out, "housingsup_child_up{role=\"writer-0\"}") == 1);
    only_the_supervisor_holds(&r, port);

    for (int i = 0; i < IDLE_CLIENTS; i++) {
        long closed = wait_closed(idle[i], opened, 6000);
        if (closed < 1500)
            fail_msg("idle connection %d closed after %ld ms, expected about 2000", i, closed);
        close(idle[i]);
    }
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
}

/* A client dripping its request a byte every 100 ms, never finishing it,
 * and one that sent half a request: supervision goes on; the half request
 * is closed by the idle timeout (2 s), the drip by the connection deadline
 * (5 s), and neither gets an answer. */
static void slow_metrics_clients_do_not_stall_supervision(void **state)
{
    (void)state;
    struct run r;
    char extra[128], out[OUT];
    const char *drip = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    int port = free_port();
    snprintf(extra, sizeof extra, "metrics_port = %d", port);
    run_init(&r, "slowmetrics", "data/housing.csv", extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(wait_running(&r, "writer-0", 10));

    int64_t opened = mono_ms();
    int half = connect_to(port), slow = connect_to(port);
    assert_int_equal(write(half, "GET /metr", 9), 9);
    int old = 0, restarted_ms = -1;
    long slow_closed = -1, half_closed = -1;
    for (size_t i = 0; i < strlen(drip) && slow_closed < 0; i++) {
        if (send(slow, drip + i, 1, MSG_NOSIGNAL) != 1 || closed_by_server(slow))
            slow_closed = (long)(mono_ms() - opened);
        if (half_closed < 0 && closed_by_server(half))
            half_closed = (long)(mono_ms() - opened);
        if (i == 5)
            old = kill_child(&r, "writer-0");
        if (old != 0 && restarted_ms < 0 && run_child_pid(&r, "writer-0") > 0 &&
            run_child_pid(&r, "writer-0") != old)
            restarted_ms = (int)(mono_ms() - opened);
        usleep(100000);
    }
    print_message("writer-0 killed at 500 ms, restarted at %d ms; dripping client closed at %ld ms\n",
                  restarted_ms, slow_closed);
    assert_true(restarted_ms > 0 && restarted_ms < 3500);
    assert_int_equal(run_status_json(&r, RESTARTS_OF("writer-0")), 1);
    assert_true(slow_closed >= 4500 && slow_closed < 7000);
    print_message("half request closed at %ld ms\n", half_closed);
    assert_true(half_closed >= 1500 && half_closed < 4000);
    assert_int_equal(recv(half, out, sizeof out, MSG_DONTWAIT), 0); /* no answer, just EOF */
    close(half);
    close(slow);
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 0);
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
}

static void config_command_prints_and_validates(void **state)
{
    (void)state;
    struct run r;
    char out[OUT], expect[300];
    run_init(&r, "cfgcmd", "data/housing.csv",
             "postgres { conninfo = \"user=kafka_user password=kafka_pass\" }");
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 0);
    snprintf(expect, sizeof expect, "\nkafka.topic = \"%s\"\n", r.topic);
    assert_non_null(strstr(out, expect));
    assert_non_null(strstr(out, "\npostgres.conninfo = \"user=kafka_user password=********\"\n"));
    assert_null(strstr(out, "kafka_pass"));

    run_rewrite_config(&r, "writers = 0");
    assert_int_equal(run_housingsup(&r, "config", out, sizeof out), 2);
    snprintf(expect, sizeof expect, "housingsup: %s: writers = 0 is out of range [1, 16]\n", r.config);
    assert_string_equal(out, expect);
}

static void metrics_port_in_use_is_a_clear_start_error(void **state)
{
    (void)state;
    struct run r;
    char extra[64], out[OUT], expect[200];
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = free_port();
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    snprintf(extra, sizeof extra, "metrics_port = %d", port);
    run_init(&r, "metricsbusy", "data/housing.csv", extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 2);
    snprintf(expect, sizeof expect,
             "housingsup: cannot listen for metrics on 127.0.0.1:%d: Address already in use\n", port);
    assert_string_equal(out, expect);
    close(fd);
}

/* postgres.sslmode reaches libpq: "require" against this server, which
 * has no TLS, is refused with libpq's own reason, and nothing is lost. */
static void postgres_sslmode_is_passed_to_libpq(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    run_init(&r, "sslmode", "data/housing.csv", "stop_timeout = 3\npostgres { sslmode = \"require\" }");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "postgres: cannot connect to host=", 15));
    assert_true(run_log_contains(&r, "server does not support SSL, but SSL was required"));
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 1);
    assert_non_null(strstr(out, "stopped with records left"));
}

/* A batch whose records do not fit in one message goes as several, each
 * within kafka.max_message_bytes: housing's records encode to about 200
 * bytes, so 8000-byte messages hold about 40 of them. */
static void a_batch_larger_than_a_message_goes_as_several(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "bigbatch", "data/housing.csv",
             "batch_size = 506\nkafka { max_message_bytes = 8000 }");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(count_rows(&r, 60, 506), 506);
    long messages = kafka_message_count(r.topic);
    if (messages < 12 || messages > 20)
        fail_msg("506 records went as %ld messages of at most 8000 bytes", messages);
    assert_false(run_log_contains(&r, "more than kafka.max_message_bytes"));
    assert_false(run_log_contains(&r, "Message size too large"));
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
}

static void publisher_stopped_by_configuration_restarts_on_reload(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    /* uncompressed: the broker holds the limit to the compressed record batch,
     * and lz4 brings a batch of 100 (~20 kB of JSON) under it */
    run_init(&r, "toolarge", "data/housing.csv", "kafka { compression = \"none\" }");
    kafka_create_topic(r.topic, 1, "max.message.bytes", "10000"); /* batches of 100 are ~20 kB */
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_true(run_log_wait_for(&r, "publisher: running -> failed: fatal error", 30));
    assert_true(run_log_contains(&r, "failed: Broker: Message size too large"));
    assert_true(run_log_contains(&r, "as too large: the topic's max.message.bytes is below "
                                     "kafka.max_message_bytes = 1000000; raise it and reload, or "
                                     "lower kafka.max_message_bytes and restart"));
    run_rewrite_config(&r, "writers = 17\nkafka { compression = \"none\" }"); /* refused: out of range */
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_true(run_log_wait_for(&r, "reload refused, keeping the running configuration: ", 10));
    sleep(1);
    assert_int_equal(count_rows(&r, 1, 0), 0); /* nothing got through */
    assert_int_equal(run_status_json(&r, "[c[\"state\"] for c in d[\"children\"] "
                                         "if c[\"role\"] == \"publisher\"] == [\"failed\"]"), 1);

    kafka_alter_topic(r.topic, "max.message.bytes", "1000000");
    run_rewrite_config(&r, "kafka { compression = \"none\" }");
    assert_int_equal(kill(run_supervisor_pid(&r), SIGHUP), 0);
    assert_true(run_log_wait_for(&r, "publisher: failed -> backoff: configuration reloaded; "
                                 "starting it again", 10));
    assert_int_equal(count_rows(&r, 60, 506), 506);
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
    assert_non_null(strstr(out, "stopped cleanly, rings empty"));
}

/* kafka.max_message_bytes within the topic's max.message.bytes is enough:
 * the producer's batches of several messages stay within it too. */
static void max_message_bytes_within_the_topic_limit_is_enough(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "withinlimit", "data/housing.csv", "batch_size = 1\nkafka { max_message_bytes = 8000 }");
    kafka_create_topic(r.topic, 1, "max.message.bytes", "10000");
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    assert_int_equal(count_rows(&r, 60, 506), 506);
    assert_false(run_log_contains(&r, "Message size too large"));
    assert_int_equal(run_housingsup(&r, "stop", out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_json_watch_and_metrics),
        cmocka_unit_test(idle_metrics_clients_do_not_stall_supervision),
        cmocka_unit_test(slow_metrics_clients_do_not_stall_supervision),
        cmocka_unit_test(config_command_prints_and_validates),
        cmocka_unit_test(metrics_port_in_use_is_a_clear_start_error),
        cmocka_unit_test(postgres_sslmode_is_passed_to_libpq),
        cmocka_unit_test(a_batch_larger_than_a_message_goes_as_several),
        cmocka_unit_test(publisher_stopped_by_configuration_restarts_on_reload),
        cmocka_unit_test(max_message_bytes_within_the_topic_limit_is_enough),
    };
    return cmocka_run_group_tests_name("operations", tests, NULL, NULL);
}
