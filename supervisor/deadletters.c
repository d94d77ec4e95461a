/*
 * deadletters.c - `housingsup dead-letters`: see deadletters.h.
 */
#include "deadletters.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/exitcodes.h"
#include "../workers/pg_conn.h"
#include "../workers/pg_schema.h"
#include "../workers/settings.h"
#include "../workers/utf8.h"

/* ---- the command line ---- */

static bool option_fits(enum hs_dl_command command, const char *opt)
{
    if (strcmp(opt, "-c") == 0)
        return true;
    if (command == HS_DL_LIST)
        return strcmp(opt, "--since") == 0 || strcmp(opt, "--json") == 0;
    return strcmp(opt, "--source") == 0 || strcmp(opt, "--reason") == 0;
}

/* The value of option argv[i], or NULL with err filled. */
static const char *value_of(int argc, char **argv, int i, char *err, size_t errlen)
{
    if (i + 1 >= argc || argv[i + 1][0] == '\0') {
        snprintf(err, errlen, "%s needs a value", argv[i]);
        return NULL;
    }
    return argv[i + 1];
}

static const char **slot_of(struct hs_dl_args *a, const char *opt)
{
    if (strcmp(opt, "-c") == 0)
        return &a->config_path;
    if (strcmp(opt, "--since") == 0)
        return &a->since;
    return strcmp(opt, "--source") == 0 ? &a->source : &a->reason;
}

int hs_dl_parse_args(enum hs_dl_command command, int argc, char **argv, struct hs_dl_args *a,
                     char *err, size_t errlen)
{
    *a = (struct hs_dl_args){.config_path = HS_DEFAULT_CONFIG};
    for (int i = 2; i < argc; i++) {
        if (!option_fits(command, argv[i])) {
            snprintf(err, errlen, "unknown argument '%.64s'", argv[i]);
            return -1;
        }
        if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
            continue;
        }
        const char *value = value_of(argc, argv, i, err, errlen);
        if (value == NULL)
            return -1;
        *slot_of(a, argv[i]) = value;
        i++;
    }
    return 0;
}

/* ---- the excerpt ---- */

/* A code point a terminal would act on or that reorders the text shown. */
static bool invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

static uint32_t code_point(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* One ASCII byte (n is 1) or one valid UTF-8 character of n bytes. */
static void excerpt_char(struct hs_buf *out, const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    static const char named[] = "\t\n\r\\", names[] = "tnr\\";
    const char *hit = n == 1 && c != '\0' ? strchr(named, c) : NULL;
    if (hit != NULL)
        hs_buf_printf(out, "\\%c", names[hit - named]);
    else if (n == 1 && (c < 0x20 || c == 0x7F))
        hs_buf_printf(out, "\\x%02x", c);
    else if (n > 1 && invisible(code_point((const unsigned char *)s, n)))
        hs_buf_printf(out, "\\u{%04x}", (unsigned)code_point((const unsigned char *)s, n));
    else
        hs_buf_append(out, s, n);
}

void hs_dl_excerpt(struct hs_buf *out, const char *raw, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)raw[i];
        size_t n = c < 0x80 ? 1 : hs_utf8_sequence(raw + i, len - i);
        if (i + (n ? n : 1) > max)
            break;
        if (n == 0)
            hs_buf_printf(out, "\\x%02x", c);
        else
            excerpt_char(out, raw + i, n);
        i += n ? n : 1;
    }
    if (i < len)
        hs_buf_puts(out, "...");
}

/* ---- connecting ---- */

int hs_dl_load(const char *path, struct hs_config *cfg, FILE *errout)
{
    static char err[HS_PG_SCHEMA_ERR_MAX];
    if (hs_settings_load(path, cfg, err, sizeof err) == 0)
        return 0;
    fprintf(errout, "housingsup: %s\n", err);
    return -1;
}

PGconn *hs_dl_connect(const struct hs_config *cfg, const char *app, char *err, size_t errlen)
{
    PGconn *conn = hs_pg_connect(cfg->pg_conninfo, cfg->pg_sslmode, app, err, errlen);
    if (conn == NULL)
        return NULL;
    if (hs_pg_schema_verify(conn, &cfg->schema, err, errlen) == HS_PG_SCHEMA_OK &&
        hs_pg_dead_letter_upgrade(conn, &cfg->schema, err, errlen) == HS_PG_SCHEMA_OK)
        return conn;
    PQfinish(conn);
    return NULL;
}

/* ---- --since ---- */

/* --since as a timestamp: itself, or (an interval) that long ago. Returns
 * 0 with the timestamp's text in `at`, 1 when PostgreSQL reads it as
 * neither, -1 when the query failed for another reason (err filled). */
static int since_timestamp(PGconn *conn, const char *since, char *at, size_t cap, char *err,
                           size_t errlen)
{
    static const char *const forms[] = {"SELECT $1::timestamp::text",
                                        "SELECT (localtimestamp - $1::interval)::text"};
    for (size_t f = 0; f < 2; f++) {
        PGresult *res = PQexecParams(conn, forms[f], 1, NULL, &since, NULL, NULL, 0);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        int rc = PQresultStatus(res) == PGRES_TUPLES_OK                ? 0
                 : state != NULL && strncmp(state, "22", 2) == 0 ? 1 /* data exception */
                                                                 : -1;
        if (rc == 0)
            snprintf(at, cap, "%s", PQgetvalue(res, 0, 0));
        else if (rc < 0)
            snprintf(err, errlen, "postgres: %.*s", (int)strcspn(PQerrorMessage(conn), "\n"),
                     PQerrorMessage(conn));
        PQclear(res);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

/* ---- the listing ---- */

enum { F_ID, F_CREATED, F_SOURCE, F_REASON, F_SQLSTATE, F_REPLAYED, F_RAW, F_COUNT };

static PGresult *select_dead_letters(PGconn *conn, const struct hs_schema *s, const char *since)
{
    char dead[HS_PG_NAME_MAX];
    struct hs_buf sql = {0};
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    hs_buf_puts(&sql, "SELECT id::text, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), source, "
                      "reason, sqlstate, to_char(replayed_at, 'YYYY-MM-DD HH24:MI:SS'), "
                      "coalesce(raw_bytes, convert_to(raw, 'UTF8')) FROM ");
    hs_pg_identifier(&sql, dead);
    hs_buf_puts(&sql, " WHERE $1::timestamp IS NULL OR created_at >= $1::timestamp ORDER BY id");
    /* binary results: the text columns are their bytes, raw_bytes its bytes */
    PGresult *res = hs_buf_failed(&sql) ? NULL
                                        : PQexecParams(conn, sql.data, 1, NULL, &since, NULL,
                                                       NULL, 1);
    hs_buf_free(&sql);
    return res;
}

static const char *field(const PGresult *res, int row, int col, size_t *len)
{
    *len = (size_t)PQgetlength(res, row, col);
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static void put_excerpt(struct hs_buf *b, const PGresult *res, int row, int col, size_t max)
{
    size_t len;
    const char *s = field(res, row, col, &len);
    hs_dl_excerpt(b, s ? s : "", s ? len : 0, max);
}

/* #ID CREATED SOURCE [sqlstate S] replayed AT | not replayed
 *     reason: ...
 *     raw: ... */
static void text_entry(struct hs_buf *b, const PGresult *res, int row)
{
    size_t len;
    hs_buf_printf(b, "#%s %s ", PQgetvalue(res, row, F_ID), PQgetvalue(res, row, F_CREATED));
    put_excerpt(b, res, row, F_SOURCE, SIZE_MAX);
    if (field(res, row, F_SQLSTATE, &len) != NULL) {
        hs_buf_puts(b, " sqlstate ");
        put_excerpt(b, res, row, F_SQLSTATE, 16);
    }
    if (field(res, row, F_REPLAYED, &len) != NULL)
        hs_buf_printf(b, " replayed %s\n", PQgetvalue(res, row, F_REPLAYED));
    else
        hs_buf_puts(b, " not replayed\n");
    hs_buf_puts(b, "    reason: ");
    put_excerpt(b, res, row, F_REASON, SIZE_MAX);
    hs_buf_puts(b, "\n    raw: ");
    put_excerpt(b, res, row, F_RAW, HS_EXCERPT_BYTES);
    hs_buf_puts(b, "\n");
}

/* A text column as a JSON string (null when NULL); its bytes as the
 * excerpt shows them, so that nothing in it can reach a terminal. */
static void json_field(struct hs_buf *b, const char *key, const PGresult *res, int row, int col,
                       size_t max)
{
    size_t len;
    hs_buf_printf(b, "\"%s\":", key);
    if (field(res, row, col, &len) == NULL) {
        hs_buf_puts(b, "null");
        return;
    }
    struct hs_buf safe = {0};
    put_excerpt(&safe, res, row, col, max);
    hs_buf_json_string(b, safe.data ? safe.data : "", safe.len);
    hs_buf_free(&safe);
}

static void json_entry(struct hs_buf *b, const PGresult *res, int row)
{
    static const struct {
        const char *key;
        int col;
        size_t max;
    } fields[] = {{"created_at", F_CREATED, SIZE_MAX}, {"source", F_SOURCE, SIZE_MAX},
                  {"reason", F_REASON, SIZE_MAX},      {"sqlstate", F_SQLSTATE, SIZE_MAX},
                  {"replayed_at", F_REPLAYED, SIZE_MAX}, {"excerpt", F_RAW, HS_EXCERPT_BYTES},
                  {"raw", F_RAW, SIZE_MAX}};
    hs_buf_printf(b, "%s{\"id\":%s", row > 0 ? ",\n " : "", PQgetvalue(res, row, F_ID));
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        hs_buf_puts(b, ",");
        json_field(b, fields[f].key, res, row, fields[f].col, fields[f].max);
    }
    hs_buf_printf(b, ",\"raw_bytes\":%d}", PQgetlength(res, row, F_RAW));
}

static void print_listing(const PGresult *res, bool json, FILE *out)
{
    struct hs_buf b = {0};
    int replayed = 0, n = PQntuples(res);
    hs_buf_puts(&b, json ? "[" : "");
    for (int row = 0; row < n; row++) {
        replayed += !PQgetisnull(res, row, F_REPLAYED);
        if (json)
            json_entry(&b, res, row);
        else
            text_entry(&b, res, row);
    }
    if (json)
        hs_buf_puts(&b, "]\n");
    else
        hs_buf_printf(&b, "%d dead letters, %d replayed\n", n, replayed);
    fwrite(b.data ? b.data : "", 1, b.len, out);
    hs_buf_free(&b);
}

static void say_bad_since(const char *since, FILE *errout)
{
    struct hs_buf shown = {0};
    hs_dl_excerpt(&shown, since, strlen(since), 64); /* what was typed, made safe */
    hs_buf_append(&shown, "", 1);
    fprintf(errout, "housingsup: --since '%s' is neither a timestamp nor an interval PostgreSQL "
            "reads (e.g. '2026-11-26 14:00' or '1 hour')\n", shown.data ? shown.data : "");
    hs_buf_free(&shown);
}

static int list_on(PGconn *conn, const struct hs_config *cfg, const struct hs_dl_args *a,
                   FILE *out, FILE *errout)
{
    char at[64], err[1024];
    const char *since = NULL;
    if (a->since != NULL) {
        int rc = since_timestamp(conn, a->since, at, sizeof at, err, sizeof err);
        if (rc != 0) {
            if (rc > 0)
                say_bad_since(a->since, errout);
            else
                fprintf(errout, "housingsup: %s\n", err);
            return rc > 0 ? HS_EXIT_USAGE : HS_EXIT_FAILURE;
        }
        since = at;
    }
    PGresult *res = select_dead_letters(conn, &cfg->schema, since);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(errout, "housingsup: cannot read the dead letters: %.*s\n",
                (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
        PQclear(res);
        return HS_EXIT_FAILURE;
    }
    print_listing(res, a->json, out);
    PQclear(res);
    return HS_EXIT_OK;
}

int hs_dl_list(const struct hs_dl_args *a, FILE *out, FILE *errout)
{
    static struct hs_config cfg;
    static char err[HS_PG_SCHEMA_ERR_MAX];
    if (hs_dl_load(a->config_path, &cfg, errout) != 0)
        return HS_EXIT_FATAL;
    PGconn *conn = hs_dl_connect(&cfg, "housingsup-dead-letters", err, sizeof err);
    if (conn == NULL) {
        fprintf(errout, "housingsup: %s\n", err);
        return HS_EXIT_FAILURE;
    }
    int rc = list_on(conn, &cfg, a, out, errout);
    PQfinish(conn);
    return rc;
}
