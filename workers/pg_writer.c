/*
 * pg_writer.c - a PostgreSQL writer: takes records from its ring and writes
 * them with binary COPY, one transaction per batch, dead letters in the same
 * transaction.
 *
 * Exactly once: ring slots are released only after COMMIT succeeds, so a
 * writer that dies, or loses its connection, writes the same records again.
 * The unique index on (src_file, src_line) refuses a second copy.
 *
 * The fast path COPYs the whole batch straight into the table. When that fails,
 * the error's SQLSTATE decides (pg_error.h):
 *  - a replay or a refused row: the batch is written again in one careful
 *    transaction, a savepoint per segment. A refused row is found from the
 *    row number COPY's error names (or, when none is named, by halving the
 *    segment), set aside as a dead letter with PostgreSQL's reason, and the
 *    rows around it are written. Each row is thus sent at most twice more.
 *    After a replay the segment goes through INSERT ... ON CONFLICT DO
 *    NOTHING instead, and rows whose identity is already taken by different
 *    values become "identity collision" dead letters: only an exact repeat
 *    is dropped silently.
 *  - a system error: nothing is set aside; the batch is tried again with a
 *    capped exponential backoff until the cause is fixed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/buf.h"
#include "../common/exitcodes.h"
#include "../common/log.h"
#include "../common/roles.h"
#include "pg_conn.h"
#include "pg_copy.h"
#include "pg_error.h"
#include "pg_schema.h"
#include "record.h"
#include "utf8.h"
#include "worker.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
/* A statement waiting this long for a lock gives up (SQLSTATE 55P03) and is
 * retried with the backoff: the writer keeps its loop turning, and status
 * can say it waits for a lock rather than showing it silently stuck. */
#define LOCK_TIMEOUT "1s"
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"

/* Why a statement failed. */
struct failure {
    enum hs_pg_class cls;
    unsigned long copy_row;      /* 1-based row of the COPY named by the error, 0 if none */
    char sqlstate[6];
    char message[HS_REASON_MAX];
};

/* A row of the batch that will not be in the table, and why. */
struct set_aside {
    uint32_t item;
    char sqlstate[6];
    char reason[HS_REASON_MAX];
};

struct batch {
    uint32_t n;                /* ring items in the batch */
    uint32_t *rows;            /* ring indexes of its rows still to be written */
    uint32_t nrows;
    uint32_t row_items;        /* rows among the items (the rest are dead letters) */
    struct set_aside *aside;   /* refused rows and identity collisions */
    uint32_t naside;
    bool *refused;             /* by ring index: set aside */
    bool replay;               /* some row was written before: use ON CONFLICT */
};

/* The statements, made once from the table's name and columns. */
struct statements {
    char *copy;       /* COPY t (...) FROM STDIN binary */
    char *insert;     /* the replay path's INSERT ... ON CONFLICT DO NOTHING */
    char *collisions; /* rows whose identity is held by other values */
    char *dead;       /* INSERT INTO t_dead_letter */
};

struct writer {
    struct hs_worker *w;
    struct hs_ring *ring;
    int number;
    const char *table;
    struct hs_layout layout;
    struct statements sql;
    PGconn *conn;
    struct hs_buf copy;
    struct hs_buf text;        /* a dead letter's raw bytes as text */
    int backoff_ms;
    struct batch batch;
    struct failure failure; /* why the last attempt at a batch failed */
};

enum outcome { WROTE, SYSTEM_ERROR };

static const struct hs_item *item_at(struct writer *wr, uint32_t i)
{
    return hs_ring_item(wr->ring, i);
}

/* ---- statements ---- */

static void describe_failure(PGconn *conn, PGresult *res, const char *table, struct failure *f)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (msg == NULL)
        msg = PQerrorMessage(conn);
    snprintf(f->sqlstate, sizeof f->sqlstate, "%s", state ? state : "");
    snprintf(f->message, sizeof f->message, "%.*s", (int)strcspn(msg, "\n"), msg);
    f->cls = hs_pg_classify(state, PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME), table);
    f->copy_row = hs_pg_copy_row(PQresultErrorField(res, PG_DIAG_CONTEXT), table);
}

/* True when res has status `want`; otherwise describes the error in f. Clears res. */
static bool ok_result(struct writer *wr, PGresult *res, ExecStatusType want, struct failure *f)
{
    bool ok = PQresultStatus(res) == want;
    if (!ok)
        describe_failure(wr->conn, res, wr->table, f);
    PQclear(res);
    return ok;
}

/* The next result, beating while PostgreSQL works: a statement may wait
 * long (on a lock, a slow disk) and the writer must still show it is alive. */
static PGresult *next_result(PGconn *conn)
{
    while (PQisBusy(conn)) {
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            break;
        hs_worker_beat();
        if (!PQconsumeInput(conn))
            break;
    }
    return PQgetResult(conn);
}

static void drain_results(PGconn *conn)
{
    PGresult *res;
    while ((res = next_result(conn)) != NULL)
        PQclear(res);
}

/* Sends one statement and takes its result (NULL when it could not be sent). */
static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *values,
                       const int *lengths, const int *formats)
{
    if (!PQsendQueryParams(conn, sql, n, NULL, values, lengths, formats, 0))
        return NULL;
    return next_result(conn);
}

/* A statement that returns no rows: true when it succeeded. */
static bool run(struct writer *wr, const char *sql, int n, const char *const *values,
                const int *lengths, const int *formats, struct failure *f)
{
    PGresult *res = query(wr->conn, sql, n, values, lengths, formats);
    bool ok = ok_result(wr, res, PGRES_COMMAND_OK, f);
    if (res != NULL)
        drain_results(wr->conn);
    return ok;
}

static bool exec(struct writer *wr, const char *sql, struct failure *f)
{
    return run(wr, sql, 0, NULL, NULL, NULL, f);
}

static bool copy_rows(struct writer *wr, const uint32_t *rows, uint32_t count, struct failure *f)
{
    hs_buf_reset(&wr->copy);
    hs_copy_begin(&wr->copy);
    for (uint32_t i = 0; i < count; i++)
        hs_copy_row(&wr->copy, item_at(wr, rows[i]), &wr->layout);
    hs_copy_end(&wr->copy);
    if (hs_buf_failed(&wr->copy)) {
        *f = (struct failure){.cls = HS_PG_SYSTEM, .message = "out of memory building COPY data"};
        return false;
    }
    PGresult *res = query(wr->conn, wr->sql.copy, 0, NULL, NULL, NULL);
    if (!ok_result(wr, res, PGRES_COPY_IN, f)) {
        if (res != NULL)
            drain_results(wr->conn);
        return false;
    }
    if (PQputCopyData(wr->conn, wr->copy.data, (int)wr->copy.len) != 1 ||
        PQputCopyEnd(wr->conn, NULL) != 1) {
        *f = (struct failure){.cls = HS_PG_SYSTEM};
        snprintf(f->message, sizeof f->message, "sending COPY data failed: %s",
                 PQerrorMessage(wr->conn));
        return false;
    }
    bool ok = ok_result(wr, next_result(wr->conn), PGRES_COMMAND_OK, f);
    drain_results(wr->conn);
    return ok;
}

/* rows as one JSON array parameter, for the statements that read it back
 * with json_populate_record (no temporary table: a role without TEMP works). */
static const char *rows_json(struct writer *wr, const uint32_t *rows, uint32_t count)
{
    hs_buf_reset(&wr->copy);
    hs_buf_append(&wr->copy, "[", 1);
    for (uint32_t i = 0; i < count; i++) {
        if (i > 0)
            hs_buf_append(&wr->copy, ",", 1);
        hs_copy_json_row(&wr->copy, item_at(wr, rows[i]), &wr->layout);
    }
    hs_buf_append(&wr->copy, "]", 2); /* with the terminating NUL */
    return hs_buf_failed(&wr->copy) ? NULL : wr->copy.data;
}

/* The slow path's statement: only rows whose identity is new are inserted. */
static bool insert_new_rows(struct writer *wr, const uint32_t *rows, uint32_t count,
                            struct failure *f)
{
    const char *json = rows_json(wr, rows, count);
    if (json == NULL) {
        *f = (struct failure){.cls = HS_PG_SYSTEM, .message = "out of memory building rows"};
        return false;
    }
    return run(wr, wr->sql.insert, 1, &json, NULL, NULL, f);
}

/* ---- the careful path ---- */

static void set_aside(struct batch *b, uint32_t item, const char *sqlstate, const char *reason)
{
    struct set_aside *a = &b->aside[b->naside++];
    a->item = item;
    snprintf(a->sqlstate, sizeof a->sqlstate, "%s", sqlstate);
    snprintf(a->reason, sizeof a->reason, "%s", reason);
}

static void refuse_row(struct writer *wr, uint32_t item, const struct failure *f)
{
    wr->batch.refused[item] = true;
    char reason[HS_REASON_MAX];
    const struct hs_item *it = item_at(wr, item);
    snprintf(reason, sizeof reason, "refused by PostgreSQL (SQLSTATE %s): %s", f->sqlstate,
             f->message);
    hs_warn("%s:%llu: %s (sent to the dead-letter table)", it->src,
            (unsigned long long)it->line, reason);
    set_aside(&wr->batch, item, f->sqlstate, reason);
}

/* From here on the batch goes through ON CONFLICT: some of its rows are in
 * the table already. Found on the fast path, or only once COPY got past a
 * refused row (COPY checks a row's constraints before its unique index). */
static void note_replay(struct writer *wr)
{
    if (wr->batch.replay)
        return;
    wr->batch.replay = true;
    hs_info("batch of %u records repeats rows already written (a replay); "
            "writing only the new ones", wr->batch.n);
}

static enum outcome write_segment(struct writer *wr, uint32_t lo, uint32_t hi,
                                  const struct failure *known);

/* After a refused row that no row number points at: halve the segment. */
static enum outcome write_halves(struct writer *wr, uint32_t lo, uint32_t hi,
                                 const struct failure *f)
{
    if (hi - lo == 1) {
        refuse_row(wr, wr->batch.rows[lo], f);
        return WROTE;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    if (write_segment(wr, lo, mid, NULL) != WROTE)
        return SYSTEM_ERROR;
    return write_segment(wr, mid, hi, NULL);
}

static bool try_segment(struct writer *wr, uint32_t lo, uint32_t hi, struct failure *f)
{
    if (!exec(wr, "SAVEPOINT segment", f))
        return false;
    const uint32_t *rows = wr->batch.rows + lo;
    if (wr->batch.replay ? insert_new_rows(wr, rows, hi - lo, f) : copy_rows(wr, rows, hi - lo, f))
        return true;
    struct failure undo;
    if (f->cls != HS_PG_SYSTEM && !exec(wr, "ROLLBACK TO SAVEPOINT segment", &undo)) {
        *f = undo;
        f->cls = HS_PG_SYSTEM;
    }
    return false;
}

/* Writes rows[lo..hi), setting aside each row PostgreSQL refuses. `known`:
 * how a first attempt at exactly this segment failed, if it was made. A row
 * that COPY names is set aside, the rows before it (which COPY had accepted)
 * are written, and the loop goes on after it: a loop, not recursion, since a
 * batch may hold any number of refused rows. */
static enum outcome write_segment(struct writer *wr, uint32_t lo, uint32_t hi,
                                  const struct failure *known)
{
    while (lo < hi) {
        struct failure f;
        if (known != NULL)
            f = *known;
        else if (try_segment(wr, lo, hi, &f))
            return WROTE;
        known = NULL;
        if (f.cls == HS_PG_SYSTEM) {
            wr->failure = f;
            return SYSTEM_ERROR;
        }
        if (f.cls == HS_PG_REPLAY) {
            note_replay(wr);
            continue;
        }
        if (wr->batch.replay || f.copy_row < 1 || f.copy_row > hi - lo)
            return write_halves(wr, lo, hi, &f);
        uint32_t bad = lo + (uint32_t)f.copy_row - 1;
        refuse_row(wr, wr->batch.rows[bad], &f);
        if (write_segment(wr, lo, bad, NULL) != WROTE)
            return SYSTEM_ERROR;
        lo = bad + 1;
    }
    return WROTE;
}

/* ---- identity collisions ---- */

static void report_collision(struct writer *wr, uint32_t item, const char *row_id)
{
    char reason[HS_REASON_MAX];
    const struct hs_item *it = item_at(wr, item);
    snprintf(reason, sizeof reason, "identity collision: %s:%llu is already %s row id %s, "
             "with other values", it->src, (unsigned long long)it->line, wr->table, row_id);
    hs_warn("%s (sent to the dead-letter table)", reason);
    set_aside(&wr->batch, item, "", reason);
}

/* After a replay: rows whose identity is held by a row with other values
 * (another file under the same identity, or a repeat within the batch)
 * were not written; each becomes a dead letter naming the row it met. */
static bool find_collisions(struct writer *wr, struct failure *f)
{
    struct batch *b = &wr->batch;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < b->nrows; i++)
        if (!b->refused[b->rows[i]])
            b->rows[kept++] = b->rows[i];
    b->nrows = kept;
    const char *json = kept > 0 ? rows_json(wr, b->rows, kept) : NULL;
    if (kept == 0)
        return true;
    if (json == NULL) {
        *f = (struct failure){.cls = HS_PG_SYSTEM, .message = "out of memory building rows"};
        return false;
    }
    PGresult *res = query(wr->conn, wr->sql.collisions, 1, &json, NULL, NULL);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        bool sent = res != NULL;
        ok_result(wr, res, PGRES_TUPLES_OK, f);
        if (sent)
            drain_results(wr->conn);
        return false;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        unsigned long ord = strtoul(PQgetvalue(res, r, 0), NULL, 10);
        if (ord >= 1 && ord <= kept)
            report_collision(wr, b->rows[ord - 1], PQgetvalue(res, r, 1));
    }
    PQclear(res);
    drain_results(wr->conn);
    return true;
}

/* ---- dead letters ---- */

static bool insert_dead_letter(struct writer *wr, const char *source, const char *reason,
                               const char *sqlstate, const char *raw, uint32_t raw_len,
                               struct failure *f)
{
    hs_buf_reset(&wr->text);
    hs_buf_append(&wr->text, raw, raw_len);
    hs_buf_append(&wr->text, "", 1);
    if (hs_buf_failed(&wr->text)) {
        *f = (struct failure){.cls = HS_PG_SYSTEM, .message = "out of memory for a dead letter"};
        return false;
    }
    hs_utf8_sanitize(wr->text.data, raw_len); /* readable; raw_bytes keeps the bytes */
    const char *params[5] = {source, reason, wr->text.data, raw, sqlstate[0] ? sqlstate : NULL};
    const int lengths[5] = {0, 0, 0, (int)raw_len, 0}, formats[5] = {0, 0, 0, 1, 0};
    return run(wr, wr->sql.dead, 5, params, lengths, formats, f);
}

static void source_of(const struct hs_item *it, char *out, size_t cap)
{
    char src[HS_SRC_MAX];
    size_t n = strnlen(it->src, HS_SRC_MAX - 1);
    memcpy(src, it->src, n);
    src[n] = '\0';
    hs_utf8_sanitize(src, n);
    if (it->line > 0)
        snprintf(out, cap, "%s:%llu", src, (unsigned long long)it->line);
    else
        snprintf(out, cap, "%s", src);
}

/* Dead letters that came down the ring, made by the readers. */
static bool insert_item_dead_letters(struct writer *wr, uint32_t n, struct failure *f)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct hs_item *it = item_at(wr, i);
        char source[HS_SRC_MAX + 32], reason[HS_REASON_MAX];
        if (it->kind != HS_ITEM_DEAD)
            continue;
        source_of(it, source, sizeof source);
        const struct hs_dead_letter *d = hs_item_cdead(it);
        snprintf(reason, sizeof reason, "%s", d->reason);
        hs_utf8_sanitize(reason, strlen(reason));
        if (!insert_dead_letter(wr, source, reason, "", d->raw, d->raw_len, f))
            return false;
    }
    return true;
}

/* Rows set aside here: refused by PostgreSQL, or colliding. */
static bool insert_set_aside(struct writer *wr, struct failure *f)
{
    for (uint32_t i = 0; i < wr->batch.naside; i++) {
        const struct set_aside *a = &wr->batch.aside[i];
        const struct hs_item *it = item_at(wr, a->item);
        char source[HS_SRC_MAX + 32], reason[HS_REASON_MAX];
        source_of(it, source, sizeof source);
        snprintf(reason, sizeof reason, "%s", a->reason);
        hs_utf8_sanitize(reason, strlen(reason));
        hs_buf_reset(&wr->copy);
        hs_copy_csv_values(&wr->copy, it, &wr->layout);
        if (hs_buf_failed(&wr->copy) ||
            !insert_dead_letter(wr, source, reason, a->sqlstate, wr->copy.data,
                                (uint32_t)wr->copy.len, f))
            return false;
    }
    return true;
}

/* ---- a batch ---- */

static void rollback(struct writer *wr)
{
    struct failure ignored; /* a broken connection is found by the next attempt */
    exec(wr, "ROLLBACK", &ignored);
}

static void prepare_batch(struct writer *wr, uint32_t n)
{
    struct batch *b = &wr->batch;
    b->n = n;
    b->nrows = b->naside = 0;
    b->replay = false;
    for (uint32_t i = 0; i < n; i++) {
        b->refused[i] = false;
        if (hs_item_repair(hs_ring_item(wr->ring, i), &wr->layout) != 0)
            hs_warn("ring item %llu from the Kafka reader was damaged; repaired",
                    (unsigned long long)(hs_ring_head(wr->ring) + i));
        if (item_at(wr, i)->kind == HS_ITEM_ROW)
            b->rows[b->nrows++] = i;
    }
    b->row_items = b->nrows;
}

static enum outcome finish(struct writer *wr, struct failure *f)
{
    if (insert_item_dead_letters(wr, wr->batch.n, f) && insert_set_aside(wr, f) &&
        exec(wr, "COMMIT", f))
        return WROTE;
    wr->failure = *f;
    rollback(wr);
    return SYSTEM_ERROR;
}

/* One transaction, a savepoint per segment: see the top of this file. */
static enum outcome write_carefully(struct writer *wr, const struct failure *first)
{
    struct failure f;
    if (first->cls == HS_PG_REPLAY)
        note_replay(wr);
    if (!exec(wr, "BEGIN", &f) || !exec(wr, "SET CONSTRAINTS ALL IMMEDIATE", &f)) {
        wr->failure = f;
        rollback(wr);
        return SYSTEM_ERROR;
    }
    if (write_segment(wr, 0, wr->batch.nrows, wr->batch.replay ? NULL : first) != WROTE) {
        rollback(wr);
        return SYSTEM_ERROR;
    }
    if (wr->batch.replay && !find_collisions(wr, &f)) {
        wr->failure = f;
        rollback(wr);
        return SYSTEM_ERROR;
    }
    return finish(wr, &f);
}

/* The fast path: the whole batch in one COPY. */
static enum outcome write_fast(struct writer *wr)
{
    struct failure f;
    if (!exec(wr, "BEGIN", &f)) {
        wr->failure = f;
        rollback(wr);
        return SYSTEM_ERROR;
    }
    if (wr->batch.nrows == 0 || copy_rows(wr, wr->batch.rows, wr->batch.nrows, &f))
        return finish(wr, &f);
    rollback(wr);
    if (f.cls == HS_PG_SYSTEM) {
        wr->failure = f;
        return SYSTEM_ERROR;
    }
    return write_carefully(wr, &f);
}

/* ---- the connection and the loop ---- */

static void back_off(struct writer *wr)
{
    wr->backoff_ms = wr->backoff_ms ? wr->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (wr->backoff_ms > BACKOFF_MAX_MS)
        wr->backoff_ms = BACKOFF_MAX_MS;
}

/* libpq's "postgres: cannot connect to host=H port=P ...: connection to
 * server at "H", port P failed: FATAL:  password authentication failed for
 * user "U"" as "postgres H:P: password authentication failed for user "U"",
 * short enough for status. */
static const char *short_reason(const char *err)
{
    static char out[HS_WAIT_REASON_MAX];
    char host[64] = "?", port[16] = "?";
    const char *at = err, *next, *endpoint = strstr(err, "host=");
    if (endpoint != NULL)
        sscanf(endpoint, "host=%63s port=%15s", host, port);
    while ((next = strstr(at, "failed: ")) != NULL)
        at = next + strlen("failed: ");
    if (strncmp(at, "FATAL:  ", 8) == 0)
        at += 8;
    snprintf(out, sizeof out, "postgres %s:%s: %s", host, port, at);
    return out;
}

/* A new connection's settings, then the table: created when missing, and
 * verified fit for the rows (pg_schema.h). */
static bool prepare_session(struct writer *wr, char *err, size_t errlen)
{
    struct failure f;
    if (!exec(wr, "SET lock_timeout = '" LOCK_TIMEOUT "'", &f)) {
        snprintf(err, errlen, "postgres: SET lock_timeout failed: %s", f.message);
        return false;
    }
    int rc = hs_pg_schema_ensure(wr->conn, &wr->w->cfg->schema, err, errlen);
    if (rc == HS_PG_SCHEMA_CREATED)
        hs_info("created table %s, its identity index and its dead-letter table", wr->table);
    if (rc == HS_PG_SCHEMA_INCOMPATIBLE) /* an operator must act: ask again rarely */
        wr->backoff_ms = BACKOFF_MAX_MS;
    return rc == HS_PG_SCHEMA_OK || rc == HS_PG_SCHEMA_CREATED;
}

static bool connect_with_backoff(struct writer *wr)
{
    static char err[HS_PG_SCHEMA_ERR_MAX];
    if (wr->conn != NULL && PQstatus(wr->conn) == CONNECTION_OK)
        return true;
    if (wr->conn != NULL) {
        PQfinish(wr->conn);
        wr->conn = NULL;
    }
    char app[64];
    snprintf(app, sizeof app, "housingsup-" HS_ROLE_NAME_WRITER "-%d", wr->number);
    wr->conn = hs_pg_connect(wr->w->cfg->pg_conninfo, wr->w->cfg->pg_sslmode, app, err, sizeof err);
    bool connected = wr->conn != NULL;
    if (connected && prepare_session(wr, err, sizeof err)) {
        char where[512];
        hs_pg_describe(wr->conn, where, sizeof where);
        hs_info("connected to postgres at %s", where);
        hs_worker_working();
        wr->backoff_ms = 0;
        return true;
    }
    if (connected) {
        PQfinish(wr->conn);
        wr->conn = NULL;
    }
    back_off(wr);
    hs_error("%s (retrying in %d ms)", err, wr->backoff_ms);
    if (connected) /* reached, but the session or the table is not right */
        hs_worker_waiting("postgres", "%s", err);
    else
        hs_worker_waiting("postgres", "%s", short_reason(err));
    hs_worker_error(HS_ERR_POSTGRES);
    hs_worker_sleep_ms(wr->backoff_ms);
    return false;
}

static void count_written(struct writer *wr)
{
    const struct batch *b = &wr->batch;
    uint64_t dead = b->n - b->row_items + b->naside;
    atomic_fetch_add_explicit(&wr->w->stats->records_in, b->n, memory_order_relaxed);
    atomic_fetch_add_explicit(&wr->w->stats->records_out, b->n - dead, memory_order_relaxed);
    atomic_fetch_add_explicit(&wr->w->stats->dead_letters, dead, memory_order_relaxed);
}

/* Writes the first n ring items durably; false when they must be tried again. */
static bool write_batch(struct writer *wr, uint32_t n)
{
    if (!connect_with_backoff(wr))
        return false;
    prepare_batch(wr, n);
    if (write_fast(wr) == WROTE) {
        wr->backoff_ms = 0;
        hs_worker_working();
        return true;
    }
    hs_worker_error(HS_ERR_POSTGRES);
    if (PQstatus(wr->conn) != CONNECTION_OK) {
        hs_warn("postgres: connection lost (%s); %u records will be written again",
                wr->failure.message, n);
        return false;
    }
    /* Not the data's fault: nothing is set aside; wait for the cause to go. */
    back_off(wr);
    if (strcmp(wr->failure.sqlstate, SQLSTATE_LOCK_NOT_AVAILABLE) == 0) {
        hs_warn("postgres: waiting for a lock on %s; %u records wait, retrying in %d ms",
                wr->table, n, wr->backoff_ms);
        hs_worker_waiting("lock", "waiting for a lock on %s", wr->table);
    } else {
        hs_error("postgres: %s (SQLSTATE %s); %u records wait, retrying in %d ms",
                 wr->failure.message, wr->failure.sqlstate[0] ? wr->failure.sqlstate : "none", n,
                 wr->backoff_ms);
        hs_worker_waiting("postgres", "postgres: %s (SQLSTATE %s)", wr->failure.message,
                          wr->failure.sqlstate[0] ? wr->failure.sqlstate : "none");
    }
    hs_worker_sleep_ms(wr->backoff_ms);
    return false;
}

static bool retired(struct writer *wr)
{
    uint32_t routed = atomic_load_explicit(&wr->w->seg->control->writers_routed,
                                           memory_order_acquire);
    return (uint32_t)wr->number >= routed && hs_ring_fill(wr->ring) == 0;
}

static int write_loop(struct writer *wr)
{
    uint32_t max = (uint32_t)wr->w->cfg->writer_batch;
    for (;;) {
        if (hs_worker_orphaned(wr->w))
            return HS_EXIT_FAILURE;
        /* Connect before work arrives, so a bad conninfo shows in the log at once. */
        if (!connect_with_backoff(wr))
            continue;
        uint32_t n = hs_ring_peek(wr->ring, max, 100);
        if (n == 0) {
            if (hs_ring_closed(wr->ring) || retired(wr))
                return HS_EXIT_OK;
            continue;
        }
        if (write_batch(wr, n)) {
            count_written(wr);
            hs_ring_release(wr->ring, n); /* only now: the rows are committed */
        }
    }
}

/* ---- the statements ---- */

static char *copy_sql(const struct hs_schema *s)
{
    struct hs_buf b = {0};
    hs_buf_puts(&b, "COPY ");
    hs_pg_identifier(&b, s->table);
    hs_buf_puts(&b, " (");
    hs_copy_columns(&b, s);
    hs_buf_puts(&b, ") FROM STDIN WITH (FORMAT binary)");
    return hs_buf_take_string(&b);
}

static char *dead_sql(const struct hs_schema *s)
{
    struct hs_buf b = {0};
    char dead[HS_PG_NAME_MAX];
    hs_pg_schema_name(s->table, HS_PG_DEAD_LETTER_SUFFIX, dead);
    hs_buf_puts(&b, "INSERT INTO ");
    hs_pg_identifier(&b, dead);
    hs_buf_puts(&b, " (source, reason, raw, raw_bytes, sqlstate) VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT DO NOTHING");
    return hs_buf_take_string(&b);
}

static int make_statements(const struct hs_schema *s, struct statements *sql)
{
    sql->copy = copy_sql(s);
    sql->insert = hs_copy_insert_sql(s);
    sql->collisions = hs_copy_collisions_sql(s);
    sql->dead = dead_sql(s);
    return sql->copy && sql->insert && sql->collisions && sql->dead ? 0 : -1;
}

static void free_statements(struct statements *sql)
{
    free(sql->copy);
    free(sql->insert);
    free(sql->collisions);
    free(sql->dead);
}

static bool alloc_batch(struct batch *b, uint32_t max)
{
    b->rows = calloc(max, sizeof *b->rows);
    b->aside = calloc(max, sizeof *b->aside);
    b->refused = calloc(max, sizeof *b->refused);
    return b->rows != NULL && b->aside != NULL && b->refused != NULL;
}

static void free_batch(struct batch *b)
{
    free(b->rows);
    free(b->aside);
    free(b->refused);
}

int hs_pg_writer_main(struct hs_worker *w)
{
    struct writer wr = {.w = w, .number = w->slot - HS_ROLE_WRITER0,
                        .table = w->cfg->schema.table};
    wr.ring = w->seg->writer_ring[wr.number];
    hs_layout_of(&w->cfg->schema, &wr.layout);
    int rc = HS_EXIT_FAILURE;
    if (alloc_batch(&wr.batch, (uint32_t)w->cfg->writer_batch) &&
        make_statements(&w->cfg->schema, &wr.sql) == 0)
        rc = write_loop(&wr);
    else
        hs_error("out of memory for a batch of %d records", w->cfg->writer_batch);
    if (wr.conn != NULL)
        PQfinish(wr.conn);
    free_batch(&wr.batch);
    free_statements(&wr.sql);
    hs_buf_free(&wr.copy);
    hs_buf_free(&wr.text);
    return rc;
}
