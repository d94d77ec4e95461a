/*
 * pg_writer.c - a PostgreSQL writer: takes records from its ring and writes
 * them with binary COPY, one transaction per batch, dead letters in the same
 * transaction.
 *
 * Exactly once: ring slots are released only after COMMIT succeeds, so a
 * writer that dies, or loses its connection, writes the same records again.
 * The unique index on (src_file, src_line) refuses a second copy: the fast
 * path COPYs straight into housing; if that hits a unique violation (a
 * replay), the batch is rolled back and redone through a staging table with
 * INSERT ... ON CONFLICT DO NOTHING, which keeps the new rows and drops the
 * repeats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../supervisor/exitcodes.h"
#include "../supervisor/log.h"
#include "buf.h"
#include "pg_conn.h"
#include "pg_copy.h"
#include "record.h"
#include "utf8.h"
#include "worker.h"

#define COLUMNS HS_COPY_COLUMNS
#define SQLSTATE_UNIQUE_VIOLATION "23505"
#define BACKOFF_MAX_MS 5000

struct writer {
    struct hs_worker *w;
    struct hs_ring *ring;
    int number;
    PGconn *conn;
    struct hs_buf copy;
    int backoff_ms;
};

enum outcome { WROTE, DUPLICATE, FAILED };

static bool ok_result(PGconn *conn, PGresult *res, ExecStatusType want, const char *what,
                      enum outcome *why)
{
    if (PQresultStatus(res) == want) {
        PQclear(res);
        return true;
    }
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state != NULL && strcmp(state, SQLSTATE_UNIQUE_VIOLATION) == 0) {
        *why = DUPLICATE;
    } else {
        const char *msg = PQresultErrorMessage(res);
        hs_error("postgres: %s failed: %.*s", what, (int)strcspn(msg, "\n"),
                 *msg ? msg : PQerrorMessage(conn));
        *why = FAILED;
    }
    PQclear(res);
    return false;
}

static bool exec(struct writer *wr, const char *sql, enum outcome *why)
{
    return ok_result(wr->conn, PQexec(wr->conn, sql), PGRES_COMMAND_OK, sql, why);
}

static bool copy_rows(struct writer *wr, const char *table, uint32_t n, enum outcome *why)
{
    char sql[256];
    snprintf(sql, sizeof sql, "COPY %s (" COLUMNS ") FROM STDIN WITH (FORMAT binary)", table);
    hs_buf_reset(&wr->copy);
    hs_copy_begin(&wr->copy);
    uint32_t rows = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct hs_item *it = hs_ring_item(wr->ring, i);
        if (it->kind == HS_ITEM_ROW) {
            hs_copy_row(&wr->copy, it);
            rows++;
        }
    }
    hs_copy_end(&wr->copy);
    if (rows == 0)
        return true;
    if (hs_buf_failed(&wr->copy)) {
        hs_error("out of memory building COPY data for %u records", n);
        *why = FAILED;
        return false;
    }
    if (!ok_result(wr->conn, PQexec(wr->conn, sql), PGRES_COPY_IN, sql, why))
        return false;
    if (PQputCopyData(wr->conn, wr->copy.data, (int)wr->copy.len) != 1 ||
        PQputCopyEnd(wr->conn, NULL) != 1) {
        hs_error("postgres: sending COPY data failed: %s", PQerrorMessage(wr->conn));
        *why = FAILED;
        return false;
    }
    bool ok = ok_result(wr->conn, PQgetResult(wr->conn), PGRES_COMMAND_OK, sql, why);
    PGresult *res;
    while ((res = PQgetResult(wr->conn)) != NULL)
        PQclear(res);
    return ok;
}

static bool insert_dead_letters(struct writer *wr, uint32_t n, enum outcome *why)
{
    for (uint32_t i = 0; i < n; i++) {
        const struct hs_item *it = hs_ring_item(wr->ring, i);
        if (it->kind != HS_ITEM_DEAD)
            continue;
        char source[HS_SRC_MAX + 32], reason[HS_REASON_MAX], raw[HS_RAW_MAX + 1];
        if (it->line > 0)
            snprintf(source, sizeof source, "%s:%llu", it->src, (unsigned long long)it->line);
        else
            snprintf(source, sizeof source, "%s", it->src);
        snprintf(reason, sizeof reason, "%s", it->u.dead.reason);
        memcpy(raw, it->u.dead.raw, it->u.dead.raw_len);
        raw[it->u.dead.raw_len] = '\0';
        hs_utf8_sanitize(source, strlen(source));
        hs_utf8_sanitize(reason, strlen(reason));
        hs_utf8_sanitize(raw, it->u.dead.raw_len);
        const char *params[3] = {source, reason, raw};
        PGresult *res = PQexecParams(wr->conn,
            "INSERT INTO housing_dead_letter (source, reason, raw) VALUES ($1, $2, $3) "
            "ON CONFLICT (source) DO NOTHING", 3, NULL, params, NULL, NULL, 0);
        if (!ok_result(wr->conn, res, PGRES_COMMAND_OK, "INSERT INTO housing_dead_letter", why))
            return false;
    }
    return true;
}

/* The fast path: COPY straight into housing. */
static enum outcome write_direct(struct writer *wr, uint32_t n)
{
    enum outcome why = FAILED;
    if (exec(wr, "BEGIN", &why) && copy_rows(wr, "housing", n, &why) &&
        insert_dead_letters(wr, n, &why) && exec(wr, "COMMIT", &why))
        return WROTE;
    PQclear(PQexec(wr->conn, "ROLLBACK"));
    return why;
}

/* The replay path: stage, then keep only rows not already in housing. */
static enum outcome write_deduplicated(struct writer *wr, uint32_t n)
{
    enum outcome why = FAILED;
    if (exec(wr, "BEGIN", &why) &&
        exec(wr, "CREATE TEMP TABLE IF NOT EXISTS housing_stage (LIKE housing "
                 "INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", &why) &&
        copy_rows(wr, "housing_stage", n, &why) &&
        exec(wr, "INSERT INTO housing (" COLUMNS ") SELECT " COLUMNS " FROM housing_stage "
                 "ON CONFLICT (src_file, src_line) DO NOTHING", &why) &&
        insert_dead_letters(wr, n, &why) && exec(wr, "COMMIT", &why))
        return WROTE;
    PQclear(PQexec(wr->conn, "ROLLBACK"));
    return FAILED;
}

static bool connect_with_backoff(struct writer *wr)
{
    if (wr->conn != NULL && PQstatus(wr->conn) == CONNECTION_OK)
        return true;
    if (wr->conn != NULL) {
        PQfinish(wr->conn);
        wr->conn = NULL;
    }
    char app[64], err[1024];
    snprintf(app, sizeof app, "housingsup-writer-%d", wr->number);
    wr->conn = hs_pg_connect(wr->w->cfg->pg_conninfo, wr->w->cfg->pg_sslmode, app, err, sizeof err);
    if (wr->conn != NULL) {
        char where[512];
        hs_pg_describe(wr->conn, where, sizeof where);
        hs_info("connected to postgres at %s", where);
        wr->backoff_ms = 0;
        return true;
    }
    wr->backoff_ms = wr->backoff_ms ? wr->backoff_ms * 2 : 100;
    if (wr->backoff_ms > BACKOFF_MAX_MS)
        wr->backoff_ms = BACKOFF_MAX_MS;
    hs_error("%s (retrying in %d ms)", err, wr->backoff_ms);
    usleep((useconds_t)wr->backoff_ms * 1000);
    return false;
}

static void count_written(struct writer *wr, uint32_t n)
{
    uint64_t dead = 0;
    for (uint32_t i = 0; i < n; i++)
        dead += ((const struct hs_item *)hs_ring_item(wr->ring, i))->kind == HS_ITEM_DEAD;
    atomic_fetch_add_explicit(&wr->w->stats->records_in, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&wr->w->stats->records_out, n - dead, memory_order_relaxed);
    atomic_fetch_add_explicit(&wr->w->stats->dead_letters, dead, memory_order_relaxed);
}

/* Writes the first n ring items durably; false when they must be tried again. */
static bool write_batch(struct writer *wr, uint32_t n)
{
    if (!connect_with_backoff(wr))
        return false;
    enum outcome result = write_direct(wr, n);
    if (result == DUPLICATE) {
        hs_info("batch of %u records repeats rows already written (a replay); "
                "writing only the new ones", n);
        result = write_deduplicated(wr, n);
    }
    if (result == WROTE)
        return true;
    if (PQstatus(wr->conn) != CONNECTION_OK)
        hs_warn("postgres: connection lost; %u records will be written again", n);
    else
        usleep(200000); /* a statement failed on a live connection: don't spin on it */
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
            count_written(wr, n);
            hs_ring_release(wr->ring, n); /* only now: the rows are committed */
        }
    }
}

int hs_pg_writer_main(struct hs_worker *w)
{
    struct writer wr = {.w = w, .number = w->slot - HS_ROLE_WRITER0};
    wr.ring = w->seg->writer_ring[wr.number];
    int rc = write_loop(&wr);
    if (wr.conn != NULL)
        PQfinish(wr.conn);
    hs_buf_free(&wr.copy);
    return rc;
}
