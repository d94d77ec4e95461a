/*
 * harness.c - see harness.h.
 */
#include "harness.h"

#include <librdkafka/rdkafka.h>
#include <libpq-fe.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        fail_msg("environment variable %s is not set (run the tests through tests/run.sh)", name);
    return v;
}

static void write_config(const struct run *r, const char *extra)
{
    FILE *f = fopen(r->config, "w");
    assert_non_null(f);
    fprintf(f, "csv_path = \"%s\"\nstate_dir = \"%s\"\nlog_level = \"info\"\n"
               "kafka { bootstrap_servers = \"%s\" topic = \"%s\" group_id = \"%s\" }\n%s\n",
            r->csv, r->dir, env("HS_KAFKA_BOOTSTRAP"), r->topic, r->topic, extra ? extra : "");
    fclose(f);
}

void run_init(struct run *r, const char *name, const char *csv_path, const char *extra)
{
    char cwd[400];
    assert_non_null(getcwd(cwd, sizeof cwd));
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s/build/it/%s-%d-%ld", cwd, name, (int)getpid(), (long)time(NULL));
    snprintf(r->config, sizeof r->config, "%s/housingsup.conf", r->dir);
    snprintf(r->topic, sizeof r->topic, "it-%s-%d-%ld", name, (int)getpid(), (long)time(NULL));
    snprintf(r->csv, sizeof r->csv, "%s%s%s", csv_path[0] == '/' ? "" : cwd,
             csv_path[0] == '/' ? "" : "/", csv_path);
    const char *slash = strrchr(r->csv, '/');
    snprintf(r->src, sizeof r->src, "%s", slash ? slash + 1 : r->csv);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", r->dir);
    assert_int_equal(system(cmd), 0);
    write_config(r, extra);
}

void run_rewrite_config(const struct run *r, const char *extra) { write_config(r, extra); }

void run_start(const struct run *r)
{
    char out[16384];
    int rc = run_housingsup(r, "start", out, sizeof out);
    if (rc != 0)
        fail_msg("%s: start exited %d:\n%s", r->dir, rc, out);
}

void run_stop_cleanly(const struct run *r)
{
    char out[16384];
    int rc = run_housingsup(r, "stop", out, sizeof out);
    if (rc != 0 || strstr(out, "stopped cleanly, rings empty") == NULL)
        fail_msg("%s: stop exited %d:\n%s", r->dir, rc, out);
}

/* Runs HOUSINGSUP_BIN with the words of `command`, and "-c config" when
 * config is not NULL. */
static int run_words(const char *command, const char *config, char *out, size_t cap)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        close(pipefd[1]);
        char words[256], *argv[16];
        int argc = 0;
        argv[argc++] = (char *)env("HOUSINGSUP_BIN");
        snprintf(words, sizeof words, "%s", command);
        for (char *w = strtok(words, " "); w != NULL && argc < 12; w = strtok(NULL, " "))
            argv[argc++] = w;
        if (config != NULL) {
            argv[argc++] = "-c";
            argv[argc++] = (char *)config;
        }
        argv[argc] = NULL;
        execv(argv[0], argv);
        _exit(127);
    }
    close(pipefd[1]);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(pipefd[0], out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    char drain[256];
    while (read(pipefd[0], drain, sizeof drain) > 0)
        ;
    close(pipefd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_housingsup(const struct run *r, const char *command, char *out, size_t cap)
{
    return run_words(command, r->config, out, cap);
}

int run_cli(const char *command, char *out, size_t cap)
{
    return run_words(command, NULL, out, cap);
}

long run_status_json(const struct run *r, const char *expr)
{
    char cmd[1400], line[256] = "";
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(int(%s))' "
             "'%s/" HS_STATUS_JSON_FILE "' 2>&1", expr, r->dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    pclose(p);
    char *end;
    long v = strtol(line, &end, 10);
    if (end == line)
        fail_msg("status.json: %s gave: %s", expr, line);
    return v;
}

int run_supervisor_pid(const struct run *r)
{
    char path[700];
    snprintf(path, sizeof path, "%s/" HS_PID_FILE, r->dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int pid = 0;
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    return pid;
}

long run_status_field(const struct run *r, const char *role, int column)
{
    char path[700], line[1024];
    snprintf(path, sizeof path, "%s/status", r->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long value = -1;
    size_t len = strlen(role);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, role, len) != 0 || line[len] != ' ')
            continue;
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        for (int i = 0; tok != NULL && i < column; i++)
            tok = strtok_r(NULL, " \n", &save);
        value = tok != NULL && *tok >= '0' && *tok <= '9' ? strtol(tok, NULL, 10) : -1;
        break;
    }
    fclose(f);
    return value;
}

int run_child_pid(const struct run *r, const char *role)
{
    long pid = run_status_field(r, role, 1);
    return pid > 0 ? (int)pid : 0;
}

int is_child_of(int pid, int parent)
{
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *after = strrchr(text, ')'); /* the command name may hold spaces */
    int ppid = 0;
    char st;
    return after != NULL && sscanf(after + 1, " %c %d", &st, &ppid) == 2 && ppid == parent;
}

int run_log_contains(const struct run *r, const char *text)
{
    char path[700], line[4096];
    snprintf(path, sizeof path, "%s/" HS_LOG_FILE, r->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

int run_log_wait_for(const struct run *r, const char *text, int timeout_s)
{
    for (int i = 0; i < timeout_s * 10; i++) {
        if (run_log_contains(r, text))
            return 1;
        usleep(100000);
    }
    return run_log_contains(r, text);
}

void generate_csv(char *out, size_t cap, const char *name, long rows, int bad_every)
{
    char cmd[1200];
    assert_int_equal(system("mkdir -p build/it"), 0);
    snprintf(out, cap, "build/it/%s-%d.csv", name, (int)getpid());
    snprintf(cmd, sizeof cmd, "python3 scripts/gen_csv.py --rows %ld --bad-every %d --out %s 2>/dev/null",
             rows, bad_every, out);
    assert_int_equal(system(cmd), 0);
}

void layout_csv(const char *from, const char *to, const char *codec, int bom, int crlf,
                const char *layout)
{
    char cmd[2000];
    size_t n = strlen(to);
    int gz = n > 3 && strcmp(to + n - 3, ".gz") == 0;
    snprintf(cmd, sizeof cmd, "python3 tests/fixture.py '%s' '%s' --codec %s --layout %s%s%s%s", from,
             to, codec, layout, bom ? " --bom" : "", crlf ? " --crlf" : "", gz ? " --gzip" : "");
    assert_int_equal(system(cmd), 0);
}

void encode_csv(const char *from, const char *to, const char *codec, int bom, int crlf)
{
    layout_csv(from, to, codec, bom, crlf, "plain");
}

static PGconn *pg(void)
{
    static PGconn *conn;
    if (conn == NULL) {
        conn = PQconnectdb("");
        if (PQstatus(conn) != CONNECTION_OK)
            fail_msg("cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
    }
    return conn;
}

/* Runs a query, reconnecting (for up to 30 s) when the server went away:
 * the chaos test restarts PostgreSQL under our feet. */
static PGresult *exec_reconnecting(const char *query)
{
    PGresult *res = PQexec(pg(), query);
    for (int i = 0; i < 300 && PQstatus(pg()) != CONNECTION_OK; i++) {
        PQclear(res);
        usleep(100000);
        PQreset(pg());
        res = PQexec(pg(), query);
    }
    return res;
}

char *sql_text(const char *query, char *out, size_t cap)
{
    PGresult *res = exec_reconnecting(query);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("query failed: %s: %s", query, why);
    }
    snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return out;
}

double sql_double(const char *query)
{
    char text[64];
    return strtod(sql_text(query, text, sizeof text), NULL);
}

long sql_long(const char *query)
{
    char text[64];
    return strtol(sql_text(query, text, sizeof text), NULL, 10);
}

void sql_exec(const char *query)
{
    PGresult *res = exec_reconnecting(query);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
        PQclear(res);
        fail_msg("statement failed: %s: %s", query, why);
    }
    PQclear(res);
}

void sql_copy_in(const char *copy, const char *data, size_t len)
{
    PGresult *res = PQexec(pg(), copy);
    if (PQresultStatus(res) != PGRES_COPY_IN)
        fail_msg("%s: %s", copy, PQresultErrorMessage(res));
    PQclear(res);
    if (PQputCopyData(pg(), data, (int)len) != 1 || PQputCopyEnd(pg(), NULL) != 1)
        fail_msg("%s: %s", copy, PQerrorMessage(pg()));
    res = PQgetResult(pg());
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", copy, PQresultErrorMessage(res));
    PQclear(res);
    while ((res = PQgetResult(pg())) != NULL)
        PQclear(res);
}

long sql_wait_for(const char *query, long expect, int timeout_s)
{
    long value = -1;
    for (int i = 0; i < timeout_s * 10; i++) {
        value = sql_long(query);
        if (value == expect)
            break;
        usleep(100000);
    }
    return value;
}

long kafka_message_count(const char *topic)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", env("HS_KAFKA_BOOTSTRAP"), err,
                                       sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    const struct rd_kafka_metadata *md;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    assert_int_equal(rd_kafka_metadata(rk, 0, t, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    long total = 0;
    assert_int_equal(md->topic_cnt, 1);
    for (int p = 0; p < md->topics[0].partition_cnt; p++) {
        int64_t lo, hi;
        assert_int_equal(rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000), 0);
        total += (long)(hi - lo);
    }
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    return total;
}

/* A client of the test stack's broker, for the admin calls below. */
static rd_kafka_t *admin_client(void)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", env("HS_KAFKA_BOOTSTRAP"), err,
                                       sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    return rk;
}

void kafka_create_topic(const char *topic, int partitions, const char *name, const char *value)
{
    char err[512];
    rd_kafka_t *rk = admin_client();
    rd_kafka_NewTopic_t *t = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof err);
    assert_non_null(t);
    if (name != NULL)
        assert_int_equal(rd_kafka_NewTopic_set_config(t, name, value), 0);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &t, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    assert_non_null(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev) || n != 1 || rd_kafka_topic_result_error(res[0]))
        fail_msg("cannot create topic %s: %s", topic, n == 1 ? rd_kafka_topic_result_error_string(res[0])
                                                             : rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(t);
    rd_kafka_destroy(rk);
}

void kafka_alter_topic(const char *topic, const char *name, const char *value)
{
    rd_kafka_t *rk = admin_client();
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    assert_int_equal(rd_kafka_ConfigResource_set_config(res, name, value), 0);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AlterConfigs(rk, &res, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    assert_non_null(ev);
    size_t n = 0;
    const rd_kafka_ConfigResource_t **out =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
    if (rd_kafka_event_error(ev) || n != 1 || rd_kafka_ConfigResource_error(out[0]))
        fail_msg("cannot set %s of topic %s: %s", name, topic,
                 n == 1 ? rd_kafka_ConfigResource_error_string(out[0]) : rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_destroy(rk);
}

void kafka_produce(const char *topic, const char *key, const char *payload, size_t len)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers", env("HS_KAFKA_BOOTSTRAP"), err,
                                       sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "message.max.bytes", "10000000", err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                       RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
                                       RD_KAFKA_V_VALUE((void *)payload, len),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END), 0);
    assert_int_equal(rd_kafka_flush(rk, 10000), 0);
    rd_kafka_destroy(rk);
}

void csv_figures(const char *path, struct csv_figures *f) { csv_figures_except(path, 0, 0, f); }

long csv_figures_except(const char *path, long modulus, long remainder, struct csv_figures *f)
{
    long line_no = 1, left_out = 0;
    memset(f, 0, sizeof *f);
    f->min_medv = 1e300;
    f->max_medv = -1e300;
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, in)); /* header */
    while (fgets(line, sizeof line, in) != NULL) {
        double v[14];
        line_no++;
        char *p = line;
        int n = 0;
        for (; n < 14; n++) {
            char *end;
            v[n] = strtod(p, &end);
            if (end == p)
                break;
            p = end + (*end == ',');
        }
        if (n != 14)
            continue; /* not a good record */
        if (modulus > 0 && line_no % modulus == remainder) {
            left_out++;
            continue;
        }
        f->rows++;
        for (int c = 0; c < 14; c++)
            f->sum[c] += v[c];
        if (v[13] < f->min_medv)
            f->min_medv = v[13];
        if (v[13] > f->max_medv)
            f->max_medv = v[13];
    }
    fclose(in);
    return left_out;
}

void random_decimal(char *text)
{
    int digits = 1 + rand() % 17, point = rand() % 25, n = 0;
    if (rand() % 2)
        text[n++] = '-';
    int before = digits - point > 0 ? digits - point : 1;
    for (int d = 0; d < before; d++)
        text[n++] = (char)('0' + (d == 0 && before > 1 ? 1 + rand() % 9 : rand() % 10));
    if (point > 0)
        text[n++] = '.';
    for (int d = 0; d < point; d++)
        text[n++] = (char)('0' + rand() % 10);
    text[n] = '\0';
}

/* ---- HTTP (the metrics endpoint) ---- */

int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* GET `path` from 127.0.0.1:port; the whole reply in out. -1 if no connection. */
int http_get(int port, const char *path, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_true(fd >= 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    assert_int_equal(write(fd, req, (size_t)n), n);
    size_t len = 0;
    ssize_t got;
    while (len + 1 < cap && (got = read(fd, out + len, cap - 1 - len)) > 0)
        len += (size_t)got;
    out[len] = '\0';
    close(fd);
    return 0;
}

/* Sum of the values of every sample line starting with `prefix`. */
double metric_sum(const char *text, const char *prefix)
{
    double sum = 0;
    size_t plen = strlen(prefix);
    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, plen) == 0) {
            const char *space = strchr(p + plen, ' ');
            if (space != NULL && space < strchr(p, '\n'))
                sum += strtod(space + 1, NULL);
        }
    return sum;
}
