/*
 * replay.c - `housingsup replay`: the chosen dead letters into the table
 * again, once their cause is fixed.
 *
 * Straight into PostgreSQL, not through Kafka: each dead letter is one
 * transaction that locks it (FOR UPDATE, so two replays never take the same
 * one), inserts its record with the identity it had (src_file, src_line) by
 * the writers' INSERT ... ON CONFLICT DO NOTHING, and marks it replayed
 * (replayed_at). The row and the mark commit together or not at all, so a
 * replay killed at any point leaves every dead letter either landed and
 * marked or untouched, and the next replay takes up the rest; a record
 * already in the table with the same values (landed some other way) is
 * marked without a second row. A record that fails again (its value, a
 * constraint, an identity held by other values) keeps its dead letter,
 * unmarked, with the new reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/exitcodes.h"
#include "../workers/pg_copy.h"
#include "../workers/pg_error.h"
#include "../workers/pg_schema.h"
#include "deadletters.h"
#include "replay_input.h"

struct statements {
    char *ids;     /* the dead letters chosen, not yet replayed */
    char *take;    /* one of them, locked */
    char *insert;  /* its record, unless its identity is taken */
    char *holder;  /* the row holding its identity, when its values are others */
    char *mark;    /* replayed */
    char *again;   /* failed again: the new reason */
};

struct replay {
    const struct hs_config *cfg;
    PGconn *conn;
    struct hs_layout layout;
    struct hs_item *item;
    struct statements sql;
    struct hs_buf json, report;
    int landed, failed, skipped;
    char error[1024]; /* why the replay stopped */
};

enum step { DONE, STOPPED };

/* ---- the statements ---- */

static void dead_table(struct hs_buf *b, const struct hs_schema *s)
{
    char dead[HS_PG_NAME_MAX];
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    hs_pg_identifier(b, dead);
}

static char *built(struct hs_buf *b, const struct hs_schema *s, const char *before,
                   const char *after)
{
    hs_buf_puts(b, before);
    dead_table(b, s);
    hs_buf_puts(b, after);
    return hs_buf_take_string(b);
}

/* The writers' INSERT, telling whether it inserted the row. */
static char *insert_sql(const struct hs_schema *s)
{
    char *insert = hs_copy_insert_sql(s);
    if (insert == NULL)
        return NULL;
    struct hs_buf b = {0};
    hs_buf_printf(&b, "%s RETURNING id", insert);
    free(insert);
    return hs_buf_take_string(&b);
}

static int make_statements(const struct hs_schema *s, struct statements *q)
{
    struct hs_buf b = {0};
    q->ids = built(&b, s, "SELECT id FROM ", " WHERE replayed_at IS NULL AND ($1::text IS NULL "
                   "OR source LIKE $1) AND ($2::text IS NULL OR reason LIKE $2) ORDER BY id");
    q->take = built(&b, s, "SELECT source, reason, sqlstate, coalesce(raw_bytes, "
                    "convert_to(raw, 'UTF8')) FROM ", " WHERE id = $1 AND replayed_at IS NULL "
                    "FOR UPDATE");
    q->mark = built(&b, s, "UPDATE ", " SET replayed_at = localtimestamp WHERE id = $1");
    q->again = built(&b, s, "UPDATE ", " SET reason = $2, sqlstate = coalesce($3, sqlstate) "
                     "WHERE id = $1");
    q->insert = insert_sql(s);
    q->holder = hs_copy_collisions_sql(s);
    return q->ids && q->take && q->mark && q->again && q->insert && q->holder ? 0 : -1;
}

static void free_statements(struct statements *q)
{
    free(q->ids);
    free(q->take);
    free(q->mark);
    free(q->again);
    free(q->insert);
    free(q->holder);
}

/* ---- talking to PostgreSQL ---- */

/* Runs sql; NULL (and r->error says why) unless it returns `want`. */
static PGresult *ask(struct replay *r, const char *sql, int n, const char *const *values,
                     int format, ExecStatusType want)
{
    PGresult *res = PQexecParams(r->conn, sql, n, NULL, values, NULL, NULL, format);
    if (PQresultStatus(res) == want)
        return res;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    snprintf(r->error, sizeof r->error, "postgres: %.*s (SQLSTATE %s)",
             (int)strcspn(PQerrorMessage(r->conn), "\n"), PQerrorMessage(r->conn),
             state ? state : "none");
    PQclear(res);
    return NULL;
}

/* A statement that returns no rows: true when it succeeded. */
static bool update(struct replay *r, const char *sql, int n, const char *const *values)
{
    PGresult *res = ask(r, sql, n, values, 0, PGRES_COMMAND_OK);
    PQclear(res);
    return res != NULL;
}

static bool exec(struct replay *r, const char *sql)
{
    return update(r, sql, 0, NULL);
}

/* ---- the report ---- */

static void report(struct replay *r, const char *what, const char *id, const char *source,
                   const char *why)
{
    hs_buf_printf(&r->report, "%s: #%s ", what, id);
    hs_dl_excerpt(&r->report, source, strlen(source), SIZE_MAX);
    hs_buf_puts(&r->report, ": ");
    hs_dl_excerpt(&r->report, why, strlen(why), SIZE_MAX);
    hs_buf_puts(&r->report, "\n");
}

/* ---- one dead letter ---- */

/* It fails again: it stays, unmarked, with the new reason (and SQLSTATE). */
static enum step failed_again(struct replay *r, const char *id, const char *source,
                              const char *why, const char *sqlstate)
{
    const char *values[3] = {id, why, sqlstate};
    if (!update(r, r->sql.again, 3, values) || !exec(r, "COMMIT"))
        return STOPPED;
    r->failed++;
    report(r, "failed again", id, source, why);
    return DONE;
}

static enum step landed(struct replay *r, const char *id)
{
    if (!update(r, r->sql.mark, 1, &id) || !exec(r, "COMMIT"))
        return STOPPED;
    r->landed++;
    return DONE;
}

/* Its identity is taken: by the same values (landed already), or others. */
static enum step identity_taken(struct replay *r, const char *id, const char *source,
                                const char *json)
{
    PGresult *res = ask(r, r->sql.holder, 1, &json, 0, PGRES_TUPLES_OK);
    if (res == NULL)
        return STOPPED;
    char why[HS_REASON_MAX];
    bool same = PQntuples(res) == 0;
    if (!same)
        snprintf(why, sizeof why, "identity collision: %s is already %s row id %s, with other "
                 "values", source, r->cfg->schema.table, PQgetvalue(res, 0, 1));
    PQclear(res);
    return same ? landed(r, id) : failed_again(r, id, source, why, NULL);
}

/* PostgreSQL refused the row: its data (a dead letter again) or the
 * system (the replay stops; nothing of this one is kept). */
static enum step refused(struct replay *r, PGresult *res, const char *id, const char *source)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    char why[HS_REASON_MAX], sqlstate[8];
    snprintf(sqlstate, sizeof sqlstate, "%s", state ? state : "");
    snprintf(why, sizeof why, "refused by PostgreSQL (SQLSTATE %s): %.*s", sqlstate,
             msg ? (int)strcspn(msg, "\n") : 0, msg ? msg : "");
    bool row = hs_pg_classify(state, PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME),
                              r->cfg->schema.table) == HS_PG_ROW;
    snprintf(r->error, sizeof r->error, "postgres: %s", why + strlen("refused by PostgreSQL "));
    PQclear(res);
    if (!row || !exec(r, "ROLLBACK TO SAVEPOINT record"))
        return STOPPED;
    return failed_again(r, id, source, why, sqlstate);
}

static enum step insert(struct replay *r, const char *id, const char *source)
{
    hs_buf_reset(&r->json);
    hs_buf_puts(&r->json, "[");
    hs_copy_json_row(&r->json, r->item, &r->layout);
    hs_buf_append(&r->json, "]", 2); /* with its NUL */
    if (hs_buf_failed(&r->json)) {
        snprintf(r->error, sizeof r->error, "out of memory building a row");
        return STOPPED;
    }
    if (!exec(r, "SAVEPOINT record"))
        return STOPPED;
    const char *json = r->json.data;
    PGresult *res = PQexecParams(r->conn, r->sql.insert, 1, NULL, &json, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return refused(r, res, id, source);
    int inserted = PQntuples(res);
    PQclear(res);
    return inserted == 1 ? landed(r, id) : identity_taken(r, id, source, json);
}

static enum step replay_taken(struct replay *r, const char *id, const PGresult *res)
{
    struct hs_replay_letter d = {
        .source = PQgetvalue(res, 0, 0), .reason = PQgetvalue(res, 0, 1),
        .sqlstate = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2),
        .raw = PQgetvalue(res, 0, 3), .raw_len = (size_t)PQgetlength(res, 0, 3)};
    char why[HS_REASON_MAX];
    switch (hs_replay_input(r->cfg, &r->layout, &d, r->item, why, sizeof why)) {
    case HS_REPLAY_RECORD:
        return insert(r, id, d.source);
    case HS_REPLAY_INVALID:
        return failed_again(r, id, d.source, why, NULL);
    default:
        r->skipped++;
        report(r, "skipped", id, d.source, why);
        return exec(r, "ROLLBACK") ? DONE : STOPPED;
    }
}

/* One transaction: taken, landed and marked, or failed again. */
static enum step replay_one(struct replay *r, const char *id)
{
    if (!exec(r, "BEGIN") || !exec(r, "SET CONSTRAINTS ALL IMMEDIATE"))
        return STOPPED;
    /* binary results: the text columns are their bytes, raw_bytes its bytes */
    PGresult *res = ask(r, r->sql.take, 1, &id, 1, PGRES_TUPLES_OK);
    if (res == NULL)
        return STOPPED;
    enum step step = PQntuples(res) == 0 ? (exec(r, "COMMIT") ? DONE : STOPPED) /* replayed meanwhile */
                                         : replay_taken(r, id, res);
    PQclear(res);
    return step;
}

/* ---- the command ---- */

static int replay_all(struct replay *r, const struct hs_dl_args *a, FILE *out, FILE *errout)
{
    const char *filters[2] = {a->source, a->reason};
    PGresult *ids = ask(r, r->sql.ids, 2, filters, 0, PGRES_TUPLES_OK);
    enum step step = ids != NULL ? DONE : STOPPED;
    for (int i = 0; ids != NULL && i < PQntuples(ids) && step == DONE; i++)
        step = replay_one(r, PQgetvalue(ids, i, 0));
    PQclear(ids);
    if (step == STOPPED) /* what this dead letter's transaction did is undone */
        PQclear(PQexec(r->conn, "ROLLBACK"));
    fprintf(out, "replay: %d replayed (landed), %d failed again, %d skipped\n", r->landed,
            r->failed, r->skipped);
    fwrite(r->report.data ? r->report.data : "", 1, r->report.len, out);
    if (step == STOPPED) {
        fprintf(errout, "housingsup: replay stopped: %s; run it again once the cause is fixed "
                "(what landed is marked replayed)\n", r->error);
        return HS_EXIT_FAILURE;
    }
    return r->failed || r->skipped ? HS_EXIT_FAILURE : HS_EXIT_OK;
}

int hs_dl_replay(const struct hs_dl_args *a, FILE *out, FILE *errout)
{
    static struct hs_config cfg;
    static char err[HS_PG_SCHEMA_ERR_MAX];
    if (hs_dl_load(a->config_path, &cfg, errout) != 0)
        return HS_EXIT_FATAL;
    struct replay r = {.cfg = &cfg};
    hs_layout_of(&cfg.schema, &r.layout);
    r.item = calloc(1, r.layout.slot_size);
    int rc = HS_EXIT_FAILURE;
    if (r.item == NULL || make_statements(&cfg.schema, &r.sql) != 0)
        fprintf(errout, "housingsup: out of memory for the replay\n");
    else if ((r.conn = hs_dl_connect(&cfg, "housingsup-replay", err, sizeof err)) == NULL)
        fprintf(errout, "housingsup: %s\n", err);
    else
        rc = replay_all(&r, a, out, errout);
    if (r.conn != NULL)
        PQfinish(r.conn);
    free_statements(&r.sql);
    free(r.item);
    hs_buf_free(&r.json);
    hs_buf_free(&r.report);
    return rc;
}
