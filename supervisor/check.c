/*
 * check.c - `housingsup check`, like `nginx -t`: asks each thing housingsup
 * depends on whether it is ready, one line each, without starting anything.
 *
 *   ok   csv: F: a header naming the 14 columns
 *   FAIL kafka: brokers 127.0.0.1:1 unreachable: Local: Broker transport failure
 *   FAIL kafka: broker B refuses us: SASL authentication error: ...
 *
 * `start` runs the same checks and warns about each failure, then starts
 * anyway: a server that is down now may be up in a minute, and the children
 * wait for it. No line ever holds a password (hs_pg_connect never puts one
 * in its reason; librdkafka's logging is turned off here).
 */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "../workers/csv_source.h"
#include "../workers/kafka_conf.h"
#include "../workers/pg_conn.h"
#include "../workers/pg_schema.h"

static void report(FILE *out, bool ok, const char *what, const char *detail)
{
    fprintf(out, "%s %s: %s\n", ok ? "ok  " : "FAIL", what, detail);
}

/* ---- the CSV input ---- */

static int count_csv_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        bool csv = (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0) ||
                   (len > 7 && strcmp(e->d_name + len - 7, ".csv.gz") == 0);
        n += csv && e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static bool check_csv_file(const struct hs_config *cfg, char *detail, size_t cap)
{
    struct hs_csv_source src;
    char why[256], copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", cfg->csv_path);
    struct hs_csv_format format;
    hs_csv_format_from(cfg->encoding, cfg->delimiter, cfg->decimal_comma, cfg->header,
                       &cfg->schema, &format, why, sizeof why); /* checked at load */
    int rc = hs_csv_source_open(&src, cfg->csv_path, basename(copy), 0, &format, false, why,
                                sizeof why);
    int saved = errno;
    char encoding[HS_CSV_ENCODING_MAX + 32];
    snprintf(encoding, sizeof encoding, "%s%s", src.dec.enc.name,
             src.dec.enc.bom_len > 0 ? " with a byte-order mark" : "");
    hs_csv_source_close(&src);
    if (rc == HS_CSV_OPENED)
        snprintf(detail, cap, "%s: a header naming the 14 columns (%s)", cfg->csv_path, encoding);
    else if (rc == HS_CSV_BAD_HEADER)
        snprintf(detail, cap, "%s:1: %s", cfg->csv_path, why);
    else if (rc == HS_CSV_EMPTY)
        snprintf(detail, cap, "%s: the file is empty%s", cfg->csv_path,
                 cfg->follow ? " (follow waits for its header)" : "");
    else
        snprintf(detail, cap, "%s: %s", cfg->csv_path, strerror(saved));
    return rc == HS_CSV_OPENED || (rc == HS_CSV_EMPTY && cfg->follow);
}

static bool check_csv(const struct hs_config *cfg, FILE *out)
{
    char detail[PATH_MAX + 300];
    struct stat st;
    bool ok;
    if (stat(cfg->csv_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        int n = count_csv_files(cfg->csv_path);
        ok = n >= 0;
        snprintf(detail, sizeof detail, "%s: %s%d *.csv file(s)", cfg->csv_path,
                 ok ? "a directory with " : "cannot list it: ", ok ? n : 0);
    } else {
        ok = check_csv_file(cfg, detail, sizeof detail);
    }
    report(out, ok, "csv", detail);
    return ok;
}

/* ---- Kafka ---- */

static int topic_partitions(const struct rd_kafka_metadata *md, const char *topic)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0 && md->topics[i].err == 0)
            return md->topics[i].partition_cnt;
    return 0;
}

struct kafka_refusal {
    const char *brokers;
    char line[512]; /* a refusal (authentication, TLS) wins over a transport error */
    bool refused;
};

static void record_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    struct kafka_refusal *r = opaque;
    char line[sizeof r->line];
    if (r->refused || !hs_kafka_describe_error(r->brokers, err, reason, line, sizeof line))
        return;
    memcpy(r->line, line, sizeof line);
    r->refused = strstr(line, " unreachable: ") == NULL;
}

static bool check_kafka(const struct hs_config *cfg, int timeout_ms, FILE *out)
{
    char detail[1600], why[512];
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_conf_t *conf = hs_kafka_conf_new(cfg, "housingsup-check", why, sizeof why);
    if (conf == NULL || hs_kafka_set(conf, "log_level", "0", why, sizeof why) != 0) {
        if (conf != NULL)
            rd_kafka_conf_destroy(conf);
        report(out, false, "kafka", why);
        return false;
    }
    /* librdkafka says why a broker refused us only to the error callback */
    struct kafka_refusal refusal = {.brokers = cfg->bootstrap_servers};
    rd_kafka_conf_set_error_cb(conf, record_kafka_error);
    rd_kafka_conf_set_opaque(conf, &refusal);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    rd_kafka_resp_err_t err = rk ? rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms)
                                 : RD_KAFKA_RESP_ERR__INVALID_ARG;
    bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!ok && rk != NULL)
        rd_kafka_poll(rk, 0); /* serves the error callback */
    if (!ok && refusal.refused) {
        report(out, false, "kafka", refusal.line);
    } else if (!ok) {
        snprintf(detail, sizeof detail, "brokers %s unreachable: %s", cfg->bootstrap_servers,
                 rk ? rd_kafka_err2str(err) : why);
        report(out, false, "kafka", detail);
    } else {
        int partitions = topic_partitions(md, cfg->topic);
        snprintf(detail, sizeof detail, "%s reachable (%d broker(s)); topic %s %s %d partition(s)",
                 cfg->bootstrap_servers, md->broker_cnt, cfg->topic,
                 partitions ? "exists with" : "is absent: start creates it with",
                 partitions ? partitions : cfg->partitions);
        report(out, true, "kafka", detail);
        rd_kafka_metadata_destroy(md);
    }
    if (rk != NULL)
        rd_kafka_destroy(rk);
    else
        rd_kafka_conf_destroy(conf);
    return ok;
}

/* ---- PostgreSQL ---- */

/* The table and its dead-letter table: columns, types, the record identity's
 * index (pg_schema.h), then the privileges a writer needs. */
static bool check_schema(PGconn *conn, const struct hs_schema *schema, FILE *out)
{
    static char err[HS_PG_SCHEMA_ERR_MAX];
    int rc = hs_pg_schema_verify(conn, schema, err, sizeof err);
    if (rc == HS_PG_SCHEMA_MISSING && schema->create) {
        snprintf(err, sizeof err, "table %s is absent: the writers create it (table.create is "
                 "true)", schema->table);
        report(out, true, "postgres", err);
        return true;
    }
    if (rc != HS_PG_SCHEMA_OK ||
        hs_pg_schema_privileges(conn, schema, err, sizeof err) != HS_PG_SCHEMA_OK) {
        report(out, false, "postgres", err);
        return false;
    }
    return true;
}

/* A connection for the checks; NULL with the reason in err. */
static PGconn *connect_for_check(const struct hs_config *cfg, char *err, size_t errlen)
{
    PGconn *conn = hs_pg_connect(cfg->pg_conninfo, cfg->pg_sslmode, "housingsup-check", err,
                                 errlen);
    /* a table locked by another session must not hold the check (or start) up */
    if (conn != NULL)
        PQclear(PQexec(conn, "SET lock_timeout = '2s'"));
    return conn;
}

int hs_check_table(const struct hs_config *cfg, char *err, size_t errlen)
{
    PGconn *conn = connect_for_check(cfg, err, errlen);
    if (conn == NULL)
        return 0; /* the writers wait for it, and say so */
    /* without table.create, ensure creates nothing and says why it cannot */
    int rc = cfg->schema.create ? hs_pg_schema_verify(conn, &cfg->schema, err, errlen)
                                : hs_pg_schema_ensure(conn, &cfg->schema, err, errlen);
    PQfinish(conn);
    return rc == HS_PG_SCHEMA_INCOMPATIBLE ? -1 : 0;
}

static bool check_postgres(const struct hs_config *cfg, FILE *out)
{
    char err[1024], where[512], detail[700];
    PGconn *conn = connect_for_check(cfg, err, sizeof err);
    if (conn == NULL) {
        report(out, false, "postgres", err);
        return false;
    }
    hs_pg_describe(conn, where, sizeof where);
    bool ok = check_schema(conn, &cfg->schema, out);
    if (ok) {
        snprintf(detail, sizeof detail, "%s: tables, columns, identity index and privileges "
                 "in place", where);
        report(out, true, "postgres", detail);
    }
    PQfinish(conn);
    return ok;
}

int hs_check_all(const struct hs_config *cfg, int kafka_timeout_ms, FILE *out)
{
    int failed = 0;
    failed += !check_csv(cfg, out);
    failed += !check_kafka(cfg, kafka_timeout_ms, out);
    failed += !check_postgres(cfg, out);
    return failed;
}
