/*
 * pg_conn.c - see pg_conn.h.
 */
#include "pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 64

struct fallback {
    const char *keyword, *env, *value;
};

static const struct fallback fallbacks[] = {
    {"dbname", "PGDATABASE", "kafka_streaming"},
    {"user", "PGUSER", "kafka_user"},
    {"password", "PGPASSWORD", "kafka_pass"},
    {"connect_timeout", "PGCONNECT_TIMEOUT", "5"},
    /* A half-open connection (a server that vanished without a word) is
     * found by keepalives when idle, and by tcp_user_timeout when data
     * goes unacknowledged; the writer then reconnects and writes again. */
    {"keepalives_idle", "", "10"},
    {"keepalives_interval", "", "5"},
    {"keepalives_count", "", "3"},
    {"tcp_user_timeout", "", "20000"},
};

void hs_pg_describe(PGconn *conn, char *out, size_t cap)
{
    const char *host = PQhost(conn), *port = PQport(conn);
    snprintf(out, cap, "host=%s port=%s dbname=%s user=%s", host && *host ? host : "(socket)",
             port ? port : "?", PQdb(conn) ? PQdb(conn) : "?", PQuser(conn) ? PQuser(conn) : "?");
}

static int has_keyword(const char *const *kw, int n, const char *keyword)
{
    for (int i = 0; i < n; i++)
        if (strcmp(kw[i], keyword) == 0)
            return 1;
    return 0;
}

PGconn *hs_pg_connect(const char *conninfo, const char *sslmode, const char *application_name,
                      char *err, size_t errlen)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &why);
    if (opts == NULL) {
        /* libpq's reason quotes pieces of the string, which may be the password */
        if (why != NULL)
            snprintf(err, errlen, "postgres.conninfo is invalid (libpq cannot parse it; check "
                                  "quoting: values with spaces or quotes need single quotes, "
                                  "URIs need percent-encoding)");
        else
            snprintf(err, errlen, "postgres: out of memory");
        PQfreemem(why);
        return NULL;
    }
    const char *kw[MAX_PARAMS], *val[MAX_PARAMS];
    int n = 0;
    for (PQconninfoOption *o = opts; o->keyword != NULL && n < MAX_PARAMS - 12; o++)
        if (o->val != NULL) {
            kw[n] = o->keyword;
            val[n++] = o->val;
        }
    for (size_t i = 0; i < sizeof fallbacks / sizeof fallbacks[0]; i++)
        if (!has_keyword(kw, n, fallbacks[i].keyword) && getenv(fallbacks[i].env) == NULL) {
            kw[n] = fallbacks[i].keyword;
            val[n++] = fallbacks[i].value;
        }
    if (sslmode != NULL && sslmode[0] != '\0' && !has_keyword(kw, n, "sslmode")) {
        kw[n] = "sslmode";
        val[n++] = sslmode;
    }
    kw[n] = "application_name";
    val[n++] = application_name;
    kw[n] = NULL;
    val[n] = NULL;
    PGconn *conn = PQconnectdbParams(kw, val, 0);
    PQconninfoFree(opts);
    if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
        return conn;
    char where[512];
    if (conn == NULL) {
        snprintf(err, errlen, "postgres: out of memory");
        return NULL;
    }
    hs_pg_describe(conn, where, sizeof where);
    const char *reason = PQerrorMessage(conn);
    size_t len = strcspn(reason, "\n");
    snprintf(err, errlen, "postgres: cannot connect to %s: %.*s", where, (int)len, reason);
    PQfinish(conn);
    return NULL;
}
