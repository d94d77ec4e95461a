/*
 * pg_schema.c - see pg_schema.h.
 */
#include "pg_schema.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A quoted name: 63 bytes, each perhaps doubled, between two quotes. */
#define QUOTED_MAX (2 * HS_PG_NAME_MAX + 2)
#define TYPE_MAX 64
/* The indexes' keys as pg_get_indexdef() reads them, and quoted for the DDL. */
#define IDENTITY_KEYS "src_file, src_line"
#define IDENTITY_KEYS_SQL "\"src_file\", \"src_line\""
#define DEAD_LETTER_KEYS "source, md5(raw_bytes)"
#define DEAD_LETTER_KEYS_SQL "\"source\", md5(\"raw_bytes\")"

/* A column housingsup adds, its type as format_type() writes it. */
struct fixed {
    const char *name, *type;
    bool nullable;          /* housingsup may leave it NULL */
    const char *default_sql;
};

static const struct fixed identity_columns[] = {
    {"src_file", "text", false, NULL},
    {"src_line", "bigint", false, NULL},
    {"read_us", "bigint", true, NULL},
    {"created_at", "timestamp without time zone", true, "CURRENT_TIMESTAMP"},
};
#define NIDENTITY (sizeof identity_columns / sizeof identity_columns[0])

static const struct fixed dead_letter_columns[] = {
    {"source", "text", false, NULL},
    {"reason", "text", false, NULL},
    {"raw", "text", false, NULL},
    {"raw_bytes", "bytea", true, NULL},
    {"sqlstate", "text", true, NULL},
    {"created_at", "timestamp without time zone", true, "CURRENT_TIMESTAMP"},
};
#define NDEAD (sizeof dead_letter_columns / sizeof dead_letter_columns[0])

/* When `housingsup replay` landed the dead letter (NULL: not replayed). The
 * writers never write it, so a table without it is still fit for them; new
 * tables have it, and hs_pg_dead_letter_upgrade adds it to older ones. */
static const struct fixed replayed_column = {"replayed_at", "timestamp without time zone", true,
                                             NULL};

/* A column the table must have: a configured one (col) or one housingsup
 * adds (col NULL, and the type must be exactly this one). */
struct want {
    const char *name;
    char type[TYPE_MAX];
    bool nullable;
    const char *default_sql;
    const struct hs_column *col;
};

static struct want want_configured(const struct hs_column *c)
{
    struct want w = {.name = c->name, .nullable = c->nullable, .col = c};
    hs_type_sql(c, w.type, sizeof w.type);
    return w;
}

static struct want want_fixed(const struct fixed *f)
{
    struct want w = {.name = f->name, .nullable = f->nullable, .default_sql = f->default_sql};
    snprintf(w.type, sizeof w.type, "%s", f->type);
    return w;
}

/* ---- names ---- */

void hs_pg_schema_name(const char *table, const char *suffix, char out[HS_PG_NAME_MAX])
{
    char full[2 * HS_PG_NAME_MAX + 64];
    snprintf(full, sizeof full, "%s%s", table, suffix);
    size_t n = strlen(full);
    if (n >= HS_PG_NAME_MAX) {
        n = HS_PG_NAME_MAX - 1;
        while (n > 0 && ((unsigned char)full[n] & 0xC0) == 0x80)
            n--; /* full[n], the first byte cut, must start a character */
    }
    memcpy(out, full, n);
    out[n] = '\0';
}

/* name as a quoted identifier, each '"' doubled: exact, whatever it holds. */
static void quote(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '"';
    for (const char *p = name; *p != '\0' && n + 3 < cap; p++) {
        if (*p == '"')
            out[n++] = '"';
        out[n++] = *p;
    }
    out[n++] = '"';
    out[n] = '\0';
}

void hs_pg_identifier(struct hs_buf *b, const char *name)
{
    char q[QUOTED_MAX];
    quote(name, q, sizeof q);
    hs_buf_puts(b, q);
}

void hs_pg_columns(struct hs_buf *b, const struct hs_schema *s, const char *prefix)
{
    for (int c = 0; c < s->ncols; c++) {
        hs_buf_puts(b, c > 0 ? ", " : "");
        hs_buf_puts(b, prefix);
        hs_pg_identifier(b, s->cols[c].name);
    }
}

/* ---- the SQL that creates the tables ---- */

/* The default table: created as init.sql creates it (serial ids, two more
 * indexes), so that a database made either way is the same. */
static int is_housing(const struct hs_schema *s)
{
    struct hs_schema *h = malloc(sizeof *h); /* too large for the stack */
    if (h == NULL)
        return -1;
    hs_schema_housing(h);
    bool same = strcmp(s->table, h->table) == 0 && s->ncols == h->ncols;
    for (int c = 0; same && c < h->ncols; c++) {
        const struct hs_column *a = &s->cols[c], *d = &h->cols[c];
        same = strcmp(a->name, d->name) == 0 && a->type == d->type && a->length == d->length &&
               a->scale == d->scale && a->nullable == d->nullable;
    }
    free(h);
    return same;
}

static void column_sql(struct hs_buf *b, const struct want *w)
{
    hs_buf_puts(b, ", ");
    hs_pg_identifier(b, w->name);
    hs_buf_printf(b, " %s%s", w->type, w->nullable ? "" : " NOT NULL");
    if (w->default_sql != NULL)
        hs_buf_printf(b, " DEFAULT %s", w->default_sql);
}

/* CREATE TABLE IF NOT EXISTS "name" (id ..., <configured columns>, <fixed>); */
static void table_sql(struct hs_buf *b, const char *name, bool housing,
                      const struct hs_schema *s, const struct fixed *fixed, size_t nfixed)
{
    hs_buf_puts(b, "CREATE TABLE IF NOT EXISTS ");
    hs_pg_identifier(b, name);
    hs_buf_printf(b, " (\"id\" %s PRIMARY KEY", housing ? "serial" : "bigserial");
    for (int c = 0; s != NULL && c < s->ncols; c++) {
        struct want w = want_configured(&s->cols[c]);
        column_sql(b, &w);
    }
    for (size_t i = 0; i < nfixed; i++) {
        struct want w = want_fixed(&fixed[i]);
        column_sql(b, &w);
    }
    hs_buf_puts(b, ");\n");
}

static void index_sql(struct hs_buf *b, bool unique, const char *name, const char *table,
                      const char *keys)
{
    hs_buf_printf(b, "CREATE %sINDEX IF NOT EXISTS ", unique ? "UNIQUE " : "");
    hs_pg_identifier(b, name);
    hs_buf_puts(b, " ON ");
    hs_pg_identifier(b, table);
    hs_buf_printf(b, " (%s);\n", keys);
}

static void dead_letter_sql(struct hs_buf *b, const char *table, bool housing)
{
    char dead[HS_PG_NAME_MAX], index[HS_PG_NAME_MAX];
    hs_pg_schema_name(table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    hs_pg_schema_name(table, HS_PG_DEAD_LETTER_INDEX_SUFFIX, index);
    struct fixed columns[NDEAD + 1];
    memcpy(columns, dead_letter_columns, sizeof dead_letter_columns);
    columns[NDEAD] = replayed_column;
    table_sql(b, dead, housing, NULL, columns, NDEAD + 1);
    index_sql(b, true, index, dead, DEAD_LETTER_KEYS_SQL);
}

int hs_pg_schema_sql(const struct hs_schema *s, struct hs_buf *out)
{
    char index[HS_PG_NAME_MAX];
    int housing = is_housing(s);
    if (housing < 0)
        return -1;
    table_sql(out, s->table, housing, s, identity_columns, NIDENTITY);
    if (housing) {
        index_sql(out, false, "housing_medv_idx", s->table, "\"medv\"");
        index_sql(out, false, "housing_created_at_idx", s->table, "\"created_at\"");
    }
    hs_pg_schema_name(s->table, HS_PG_IDENTITY_SUFFIX, index);
    index_sql(out, true, index, s->table, IDENTITY_KEYS_SQL);
    dead_letter_sql(out, s->table, housing);
    return hs_buf_failed(out) ? -1 : 0;
}

/* ---- messages ---- */

/* The statements on one line, for a message. */
static const char *one_line(struct hs_buf *sql)
{
    for (size_t i = 0; i < sql->len; i++)
        if (sql->data[i] == '\n')
            sql->data[i] = ' ';
    while (sql->len > 0 && sql->data[sql->len - 1] == ' ')
        sql->data[--sql->len] = '\0';
    return sql->data;
}

/* A message cut to its buffer says so. */
static void mark_cut(char *err, size_t errlen, int n)
{
    if (n >= 0 && (size_t)n >= errlen && errlen > 4)
        memcpy(err + errlen - 4, "...", 4);
}

static const char *reason(PGconn *conn, const PGresult *res)
{
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return msg != NULL ? msg : PQerrorMessage(conn);
}

static int out_of_memory(const char *table, char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory writing the SQL for table %s", table);
    return HS_PG_SCHEMA_FAILED;
}

/* The statements that create only the dead-letter table and its index. */
static int dead_letter_part_sql(const struct hs_schema *s, struct hs_buf *out)
{
    int housing = is_housing(s);
    if (housing < 0)
        return -1;
    dead_letter_sql(out, s->table, housing);
    return hs_buf_failed(out) ? -1 : 0;
}

/* err for a missing `table` (the configured one, or its dead-letter table)
 * with the statements `build` writes to create it; `refused` when the
 * configuration forbids creating it. HS_PG_SCHEMA_FAILED when out of memory. */
static int say_absent(const struct hs_schema *s, const char *table,
                      int (*build)(const struct hs_schema *, struct hs_buf *), bool refused,
                      char *err, size_t errlen)
{
    struct hs_buf sql = {0};
    int n;
    if (build(s, &sql) != 0) {
        hs_buf_free(&sql);
        return out_of_memory(s->table, err, errlen);
    }
    if (refused)
        n = snprintf(err, errlen, "table %s does not exist and table.create is false; create it "
                     "with: %s", table, one_line(&sql));
    else
        n = snprintf(err, errlen, "table %s: relation \"%s\" does not exist; create it with: %s",
                     table, table, one_line(&sql));
    mark_cut(err, errlen, n);
    hs_buf_free(&sql);
    return HS_PG_SCHEMA_OK;
}

static int lacks(const char *table, const struct want *w, char *err, size_t errlen)
{
    char qt[QUOTED_MAX], qc[QUOTED_MAX];
    quote(table, qt, sizeof qt);
    quote(w->name, qc, sizeof qc);
    snprintf(err, errlen, "table %s lacks column %s (%s); add it with: ALTER TABLE %s ADD COLUMN "
             "%s %s%s%s", table, w->name, w->type, qt, qc, w->type,
             w->default_sql ? " DEFAULT " : "", w->default_sql ? w->default_sql : "");
    return HS_PG_SCHEMA_INCOMPATIBLE;
}

static int wrong_type(const char *table, const struct want *w, const char *type, char *err,
                      size_t errlen)
{
    if (w->col != NULL)
        snprintf(err, errlen, "column %s.%s is %s, the configuration says %s", table, w->name,
                 type, w->type);
    else
        snprintf(err, errlen, "column %s.%s is %s, housingsup needs %s", table, w->name, type,
                 w->type);
    return HS_PG_SCHEMA_INCOMPATIBLE;
}

static int not_null(const char *table, const struct want *w, char *err, size_t errlen)
{
    char qt[QUOTED_MAX], qc[QUOTED_MAX];
    quote(table, qt, sizeof qt);
    quote(w->name, qc, sizeof qc);
    if (w->col != NULL)
        snprintf(err, errlen, "column %s.%s is NOT NULL, the configuration says it is nullable; "
                 "allow NULL with: ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", table, w->name,
                 qt, qc);
    else
        snprintf(err, errlen, "column %s.%s is NOT NULL, housingsup leaves it NULL at times; "
                 "allow NULL with: ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", table, w->name,
                 qt, qc);
    return HS_PG_SCHEMA_INCOMPATIBLE;
}

/* ---- reading the catalog ---- */

#define RELKIND_SQL "SELECT relkind FROM pg_class WHERE oid = to_regclass($1)"

/* Per column: its name, type, whether NOT NULL, and whether a row must give
 * it a value (NOT NULL, no default, not an identity or generated column). */
#define COLUMNS_SQL                                                                           \
    "SELECT attname, format_type(atttypid, atttypmod), attnotnull, attnotnull AND NOT "       \
    "atthasdef AND attidentity = '' AND attgenerated = '' FROM pg_attribute WHERE attrelid = " \
    "to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum"

/* Per index: its name, whether it is a valid unique index over whole rows
 * (no WHERE), and its keys as they read ("src_file, src_line"). A column key
 * is named from pg_attribute: pg_get_indexdef() takes a lock on the table,
 * and a writer verifying a table that another session holds locked must
 * not wait on it here (its COPY waits, and says so). Only an expression key
 * (md5(raw_bytes)) is read with pg_get_indexdef(). */
#define INDEXES_SQL                                                                          \
    "SELECT c.relname, i.indisunique AND i.indisvalid AND i.indpred IS NULL, "               \
    "array_to_string(ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 THEN (SELECT "              \
    "quote_ident(attname) FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = "       \
    "i.indkey[k - 1]) ELSE pg_get_indexdef(i.indexrelid, k, true) END FROM "                 \
    "generate_series(1, i.indnkeyatts) k ORDER BY k), ', ') FROM pg_index i JOIN pg_class c " \
    "ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1)"

/* Runs a catalog query whose one parameter is `table`, quoted; NULL with err
 * filled when it fails. */
static PGresult *ask(PGconn *conn, const char *sql, const char *table, char *err, size_t errlen)
{
    char quoted[QUOTED_MAX];
    quote(table, quoted, sizeof quoted);
    const char *params[1] = {quoted};
    PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    const char *why = reason(conn, res);
    snprintf(err, errlen, "cannot read the catalog about table %s: %.*s", table,
             (int)strcspn(why, "\n"), why);
    PQclear(res);
    return NULL;
}

static bool is_true(const PGresult *res, int row, int col)
{
    return PQgetvalue(res, row, col)[0] == 't';
}

static int row_named(const PGresult *res, const char *name)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(PQgetvalue(res, r, 0), name) == 0)
            return r;
    return -1;
}

/* HS_PG_SCHEMA_OK when `table` is a table, MISSING when nothing has its name. */
static int find_table(PGconn *conn, const char *table, char *err, size_t errlen)
{
    PGresult *res = ask(conn, RELKIND_SQL, table, err, errlen);
    if (res == NULL)
        return HS_PG_SCHEMA_FAILED;
    int rc = PQntuples(res) == 0 ? HS_PG_SCHEMA_MISSING : HS_PG_SCHEMA_OK;
    const char *kind = rc == HS_PG_SCHEMA_OK ? PQgetvalue(res, 0, 0) : "r";
    if (strcmp(kind, "r") != 0 && strcmp(kind, "p") != 0) {
        snprintf(err, errlen, "%s is not a table (pg_class.relkind '%s'): housingsup writes rows "
                 "into a table", table, kind);
        rc = HS_PG_SCHEMA_INCOMPATIBLE;
    }
    PQclear(res);
    return rc;
}

/* ---- columns ---- */

/* Whether a column of `type` (format_type()) holds every value of w's type. */
static bool type_holds(const char *type, const struct want *w)
{
    if (strcmp(type, w->type) == 0)
        return true;
    struct hs_column t = {0};
    const struct hs_column *c = w->col;
    char why[256];
    if (c == NULL || hs_type_parse(type, &t, why, sizeof why) != 0 || t.type != c->type)
        return false;
    if (t.type == HS_TYPE_VARCHAR) /* character varying: no limit */
        return t.length == 0 || (c->length > 0 && t.length >= c->length);
    if (t.type == HS_TYPE_NUMERIC) /* as many digits before the point, and after */
        return t.length == 0 || (c->length > 0 && t.scale >= c->scale &&
                                 t.length - t.scale >= c->length - c->scale);
    return false;
}

static int check_column(const PGresult *res, const char *table, const struct want *w,
                        char *err, size_t errlen)
{
    int row = row_named(res, w->name);
    if (row < 0)
        return lacks(table, w, err, errlen);
    const char *type = PQgetvalue(res, row, 1);
    if (!type_holds(type, w))
        return wrong_type(table, w, type, err, errlen);
    if (w->nullable && is_true(res, row, 2))
        return not_null(table, w, err, errlen);
    return HS_PG_SCHEMA_OK;
}

static bool is_fixed(const char *name, const struct fixed *fixed, size_t nfixed)
{
    for (size_t i = 0; i < nfixed; i++)
        if (strcmp(fixed[i].name, name) == 0)
            return true;
    return false;
}

static bool is_configured(const char *name, const struct hs_schema *s)
{
    for (int c = 0; s != NULL && c < s->ncols; c++)
        if (strcmp(s->cols[c].name, name) == 0)
            return true;
    return false;
}

/* A column no row gives a value to must not require one: COPY would refuse
 * every row, and every record would become a dead letter. */
static int check_unwritten(const PGresult *res, const char *table, const struct hs_schema *s,
                           const struct fixed *fixed, size_t nfixed, char *err, size_t errlen)
{
    for (int r = 0; r < PQntuples(res); r++) {
        const char *name = PQgetvalue(res, r, 0);
        if (is_true(res, r, 3) && !is_configured(name, s) && !is_fixed(name, fixed, nfixed)) {
            snprintf(err, errlen, "column %s.%s is NOT NULL without a default, and housingsup "
                     "does not write it: every row would be refused; give it a default, allow "
                     "NULL, or configure it", table, name);
            return HS_PG_SCHEMA_INCOMPATIBLE;
        }
    }
    return HS_PG_SCHEMA_OK;
}

/* The columns of `table`: those of s (NULL for none) and `fixed`. */
static int check_columns(PGconn *conn, const char *table, const struct hs_schema *s,
                         const struct fixed *fixed, size_t nfixed, char *err, size_t errlen)
{
    PGresult *res = ask(conn, COLUMNS_SQL, table, err, errlen);
    if (res == NULL)
        return HS_PG_SCHEMA_FAILED;
    int rc = HS_PG_SCHEMA_OK;
    for (int c = 0; s != NULL && c < s->ncols && rc == HS_PG_SCHEMA_OK; c++) {
        struct want w = want_configured(&s->cols[c]);
        rc = check_column(res, table, &w, err, errlen);
    }
    for (size_t i = 0; i < nfixed && rc == HS_PG_SCHEMA_OK; i++) {
        struct want w = want_fixed(&fixed[i]);
        rc = check_column(res, table, &w, err, errlen);
    }
    if (rc == HS_PG_SCHEMA_OK)
        rc = check_unwritten(res, table, s, fixed, nfixed, err, errlen);
    PQclear(res);
    return rc;
}

/* ---- indexes ---- */

/* The unique index a writer's ON CONFLICT and its replay recognition
 * (pg_error.h) rely on: without it a replay would double rows. */
static int check_identity_index(PGconn *conn, const char *table, char *err, size_t errlen)
{
    char name[HS_PG_NAME_MAX], qn[QUOTED_MAX], qt[QUOTED_MAX];
    hs_pg_schema_name(table, HS_PG_IDENTITY_SUFFIX, name);
    PGresult *res = ask(conn, INDEXES_SQL, table, err, errlen);
    if (res == NULL)
        return HS_PG_SCHEMA_FAILED;
    int row = row_named(res, name);
    bool fits = row >= 0 && is_true(res, row, 1) && strcmp(PQgetvalue(res, row, 2),
                                                           IDENTITY_KEYS) == 0;
    PQclear(res);
    if (fits)
        return HS_PG_SCHEMA_OK;
    quote(name, qn, sizeof qn);
    quote(table, qt, sizeof qt);
    if (row < 0)
        snprintf(err, errlen, "the unique index %s on %s (src_file, src_line), the record "
                 "identity, is missing; create it with: CREATE UNIQUE INDEX %s ON %s (%s)", name,
                 table, qn, qt, IDENTITY_KEYS_SQL);
    else
        snprintf(err, errlen, "the index %s on %s is not the record identity (a valid unique "
                 "index on (src_file, src_line) without WHERE); recreate it with: DROP INDEX %s; "
                 "CREATE UNIQUE INDEX %s ON %s (%s)", name, table, qn, qn, qt, IDENTITY_KEYS_SQL);
    return HS_PG_SCHEMA_INCOMPATIBLE;
}

/* Any unique index on (source, md5(raw_bytes)): a dead letter written twice
 * (a replay) is then kept once, whatever the index is called. */
static int check_dead_letter_index(PGconn *conn, const char *table, const char *dead, char *err,
                                   size_t errlen)
{
    char name[HS_PG_NAME_MAX], qn[QUOTED_MAX], qd[QUOTED_MAX];
    PGresult *res = ask(conn, INDEXES_SQL, dead, err, errlen);
    if (res == NULL)
        return HS_PG_SCHEMA_FAILED;
    bool found = false;
    for (int r = 0; r < PQntuples(res) && !found; r++)
        found = is_true(res, r, 1) && strcmp(PQgetvalue(res, r, 2), DEAD_LETTER_KEYS) == 0;
    PQclear(res);
    if (found)
        return HS_PG_SCHEMA_OK;
    hs_pg_schema_name(table, HS_PG_DEAD_LETTER_INDEX_SUFFIX, name);
    quote(name, qn, sizeof qn);
    quote(dead, qd, sizeof qd);
    snprintf(err, errlen, "the unique index on %s (source, md5(raw_bytes)) is missing: a dead "
             "letter written twice would be kept twice; create it with: CREATE UNIQUE INDEX %s "
             "ON %s (%s)", dead, qn, qd, DEAD_LETTER_KEYS_SQL);
    return HS_PG_SCHEMA_INCOMPATIBLE;
}

/* ---- verify, ensure, privileges ---- */

static int verify_dead_letter(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    char dead[HS_PG_NAME_MAX];
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    int rc = find_table(conn, dead, err, errlen);
    if (rc == HS_PG_SCHEMA_MISSING)
        return say_absent(s, dead, dead_letter_part_sql, false, err, errlen) == HS_PG_SCHEMA_OK
                   ? HS_PG_SCHEMA_INCOMPATIBLE
                   : HS_PG_SCHEMA_FAILED;
    if (rc == HS_PG_SCHEMA_OK)
        rc = check_columns(conn, dead, NULL, dead_letter_columns, NDEAD, err, errlen);
    if (rc == HS_PG_SCHEMA_OK)
        rc = check_dead_letter_index(conn, s->table, dead, err, errlen);
    return rc;
}

int hs_pg_schema_verify(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    int rc = find_table(conn, s->table, err, errlen);
    if (rc == HS_PG_SCHEMA_MISSING)
        return say_absent(s, s->table, hs_pg_schema_sql, false, err, errlen) == HS_PG_SCHEMA_OK
                   ? HS_PG_SCHEMA_MISSING
                   : HS_PG_SCHEMA_FAILED;
    if (rc == HS_PG_SCHEMA_OK)
        rc = check_columns(conn, s->table, s, identity_columns, NIDENTITY, err, errlen);
    if (rc == HS_PG_SCHEMA_OK)
        rc = check_identity_index(conn, s->table, err, errlen);
    if (rc == HS_PG_SCHEMA_OK)
        rc = verify_dead_letter(conn, s, err, errlen);
    return rc;
}

/* A key for the advisory lock from the table's name (FNV-1a). */
static int name_key(const char *name)
{
    uint32_t h = 2166136261u;
    for (const char *p = name; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (int)(h & 0x7fffffff);
}

/* Creates the tables. A simple query of several statements is one
 * transaction: all of it or nothing. CREATE TABLE IF NOT EXISTS alone is
 * not enough when two writers race (the loser can fail on pg_type's unique
 * index); the advisory lock on the schema and the name makes the second
 * wait for the first, then find everything there. */
static int create(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    struct hs_buf sql = {0};
    hs_buf_printf(&sql, "SET LOCAL client_min_messages = warning;\n" /* no "already exists" */
                  "SELECT pg_advisory_xact_lock(hashtext(coalesce(current_schema(), '')), %d);\n",
                  name_key(s->table));
    if (hs_pg_schema_sql(s, &sql) != 0) {
        hs_buf_free(&sql);
        return out_of_memory(s->table, err, errlen);
    }
    PGresult *res = PQexec(conn, sql.data);
    hs_buf_free(&sql);
    ExecStatusType status = PQresultStatus(res);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? HS_PG_SCHEMA_OK
                                                                     : HS_PG_SCHEMA_FAILED;
    if (rc != HS_PG_SCHEMA_OK) {
        const char *why = reason(conn, res), *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(err, errlen, "cannot create table %s: %.*s (SQLSTATE %s)", s->table,
                 (int)strcspn(why, "\n"), why, state ? state : "none");
    }
    PQclear(res);
    return rc;
}

/* Whether the dead-letter table has replayed_at: 1, 0, or -1 (err filled). */
static int has_replayed_at(PGconn *conn, const char *dead, char *err, size_t errlen)
{
    PGresult *res = ask(conn, COLUMNS_SQL, dead, err, errlen);
    if (res == NULL)
        return -1;
    int found = row_named(res, replayed_column.name) >= 0;
    PQclear(res);
    return found;
}

int hs_pg_dead_letter_upgrade(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    char dead[HS_PG_NAME_MAX], qd[QUOTED_MAX];
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    int has = has_replayed_at(conn, dead, err, errlen);
    if (has != 0)
        return has > 0 ? HS_PG_SCHEMA_OK : HS_PG_SCHEMA_FAILED;
    quote(dead, qd, sizeof qd);
    char sql[QUOTED_MAX + 128];
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS \"replayed_at\" %s", qd,
             replayed_column.type);
    PGresult *res = PQexec(conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? HS_PG_SCHEMA_OK : HS_PG_SCHEMA_FAILED;
    if (rc != HS_PG_SCHEMA_OK)
        snprintf(err, errlen, "cannot add column replayed_at to %s: %.*s; run as its owner: %s",
                 dead, (int)strcspn(reason(conn, res), "\n"), reason(conn, res), sql);
    PQclear(res);
    return rc;
}

int hs_pg_schema_ensure(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    int rc = hs_pg_schema_verify(conn, s, err, errlen);
    if (rc == HS_PG_SCHEMA_OK) { /* writers do not need replayed_at: a refusal is no failure */
        char ignored[512];
        hs_pg_dead_letter_upgrade(conn, s, ignored, sizeof ignored);
    }
    if (rc != HS_PG_SCHEMA_MISSING)
        return rc;
    if (!s->create)
        return say_absent(s, s->table, hs_pg_schema_sql, true, err, errlen) == HS_PG_SCHEMA_OK
                   ? HS_PG_SCHEMA_INCOMPATIBLE
                   : HS_PG_SCHEMA_FAILED;
    rc = create(conn, s, err, errlen);
    if (rc == HS_PG_SCHEMA_OK)
        rc = hs_pg_schema_verify(conn, s, err, errlen);
    if (rc == HS_PG_SCHEMA_MISSING) { /* dropped at once by someone else? */
        snprintf(err, errlen, "table %s is still missing after it was created", s->table);
        return HS_PG_SCHEMA_FAILED;
    }
    return rc == HS_PG_SCHEMA_OK ? HS_PG_SCHEMA_CREATED : rc;
}

/* Each privilege a writer needs, as one query returning those missing:
 * $1 and $2 the quoted names of the table and its dead-letter table, $3
 * and $4 the same as a person reads them. */
#define MISSING_PRIVILEGES                                                                    \
    "SELECT string_agg(p, ', ') FROM (VALUES ('INSERT on ' || $3, $1, 'INSERT'), "            \
    "('SELECT on ' || $3, $1, 'SELECT'), ('INSERT on ' || $4, $2, 'INSERT')) v(p, t, k) "     \
    "WHERE NOT has_table_privilege(t, k)"

int hs_pg_schema_privileges(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen)
{
    char dead[HS_PG_NAME_MAX], qt[QUOTED_MAX], qd[QUOTED_MAX];
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    quote(s->table, qt, sizeof qt);
    quote(dead, qd, sizeof qd);
    const char *params[4] = {qt, qd, s->table, dead};
    PGresult *res = PQexecParams(conn, MISSING_PRIVILEGES, 4, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) != PGRES_TUPLES_OK ? HS_PG_SCHEMA_FAILED
             : PQgetisnull(res, 0, 0)               ? HS_PG_SCHEMA_OK
                                                    : HS_PG_SCHEMA_INCOMPATIBLE;
    if (rc == HS_PG_SCHEMA_FAILED)
        snprintf(err, errlen, "cannot read the privileges on table %s: %.*s", s->table,
                 (int)strcspn(reason(conn, res), "\n"), reason(conn, res));
    else if (rc == HS_PG_SCHEMA_INCOMPATIBLE)
        snprintf(err, errlen, "user %s lacks %s; GRANT it", PQuser(conn), PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}
