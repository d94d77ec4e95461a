/*
 * pg_schema.h - the configured table (config/schema.h) in PostgreSQL: the
 * SQL that creates it, whether an existing one is fit to be written, and
 * creating it when it is missing.
 *
 * A table T is, besides its configured columns:
 *   id          bigserial PRIMARY KEY (serial for the default table housing)
 *   src_file    text NOT NULL  \  the record identity, unique together:
 *   src_line    bigint NOT NULL /  the index T_source_idx (pg_error.h)
 *   read_us     bigint         when the CSV reader read the line (µs)
 *   created_at  timestamp DEFAULT CURRENT_TIMESTAMP
 * and its dead-letter table T_dead_letter (source, reason, raw, raw_bytes,
 * sqlstate, created_at, replayed_at), unique on (source, md5(raw_bytes)) by the index
 * T_dead_letter_record_idx. For the default schema (hs_schema_housing) the
 * SQL is init.sql's: the same columns, types and indexes, including
 * housing_medv_idx and housing_created_at_idx.
 *
 * Every name is quoted: a configured name is used exactly as written (with
 * its capitals, spaces or quotes), and the table is found through the
 * connection's search_path. Derived names (T_source_idx, ...) are cut to 63
 * bytes at a UTF-8 character boundary, as PostgreSQL would cut them.
 *
 * Lower layer: these functions fill `err` with one line and return a code;
 * the caller logs. HS_PG_SCHEMA_ERR_MAX bytes hold any of their messages for
 * a table of a hundred or so columns (a message that suggests the CREATE
 * statements carries them all); a longer one is cut.
 *
 * How a writer uses it (not wired yet): once per connection, right after
 * connecting and outside any transaction, call hs_pg_schema_ensure:
 *   - HS_PG_SCHEMA_OK or HS_PG_SCHEMA_CREATED (log "created table T"): write.
 *   - HS_PG_SCHEMA_FAILED: the connection or a privilege failed; log err and
 *     reconnect with the usual backoff, like any system error.
 *   - HS_PG_SCHEMA_INCOMPATIBLE: the table cannot take the configured rows
 *     (or is missing with table.create false); log err and wait for the
 *     operator (fatal for the writer, or a long backoff): no record is
 *     written, so nothing is lost.
 * Racing writers and instances are safe: the creation runs in one
 * transaction under an advisory lock on the table's schema and name, so a
 * second creator waits for the first and then finds the table. The wait
 * counts against the connection's lock_timeout (the writer's 1 s is plenty:
 * creating empty tables takes milliseconds).
 */
#ifndef HS_PG_SCHEMA_H
#define HS_PG_SCHEMA_H

#include <libpq-fe.h>
#include <stddef.h>

#include "../common/buf.h"
#include "../config/schema.h"

#define HS_PG_NAME_MAX 64 /* PostgreSQL's NAMEDATALEN: 63 bytes and the NUL */
#define HS_PG_SCHEMA_ERR_MAX 16384

#define HS_PG_IDENTITY_SUFFIX "_source_idx"
#define HS_PG_DEAD_LETTER_SUFFIX "_dead_letter"
#define HS_PG_DEAD_LETTER_INDEX_SUFFIX "_dead_letter_record_idx"

enum {
    HS_PG_SCHEMA_OK = 0,            /* the table is there and can take the rows */
    HS_PG_SCHEMA_MISSING = 1,       /* verify: the table does not exist */
    HS_PG_SCHEMA_CREATED = 2,       /* ensure: it did not exist; now it does */
    HS_PG_SCHEMA_INCOMPATIBLE = -1, /* it exists but cannot take them (err says why and how) */
    HS_PG_SCHEMA_FAILED = -2,       /* a query failed: connection, privilege, out of memory */
};

/* Appends `name` as a quoted SQL identifier ("a ""b""" for a "b"): exact,
 * whatever it holds. */
void hs_pg_identifier(struct hs_buf *b, const char *name);

/* Appends the table's columns, each quoted and after `prefix` ("h."),
 * separated by ", ". */
void hs_pg_columns(struct hs_buf *b, const struct hs_schema *s, const char *prefix);

/* "<table><suffix>" as PostgreSQL stores it (at most 63 bytes). */
void hs_pg_schema_name(const char *table, const char *suffix, char out[HS_PG_NAME_MAX]);

/* Appends the SQL that creates, each when missing, the table, its indexes,
 * its dead-letter table and that table's index: one statement a line, none
 * of transaction control. Returns 0, or -1 when out of memory. */
int hs_pg_schema_sql(const struct hs_schema *s, struct hs_buf *out);

/* Whether the table and its dead-letter table can take the configured rows:
 * every column there with a type that holds the configured one (the same
 * type; a varchar or numeric at least as wide; numeric or varchar without a
 * limit), none NOT NULL that housingsup may leave NULL, no other NOT NULL
 * column without a default, and the unique indexes on (src_file, src_line),
 * named T_source_idx, and on (source, md5(raw_bytes)). Returns
 * HS_PG_SCHEMA_OK, HS_PG_SCHEMA_MISSING (the table does not exist; err says
 * so with the SQL that creates it), HS_PG_SCHEMA_INCOMPATIBLE or
 * HS_PG_SCHEMA_FAILED, with one line in err for each but OK. */
int hs_pg_schema_verify(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen);

/* Verifies; when the table is missing creates it (s->create) and verifies
 * again, or else fails with the SQL that would create it. Returns
 * HS_PG_SCHEMA_OK, HS_PG_SCHEMA_CREATED, HS_PG_SCHEMA_INCOMPATIBLE or
 * HS_PG_SCHEMA_FAILED. Call it outside a transaction block. */
int hs_pg_schema_ensure(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen);

/* Adds T_dead_letter.replayed_at (when `housingsup replay` landed it) to a
 * table made before it existed; nothing when it is there. ensure calls it
 * and ignores a refusal (a writer that does not own the table does not need
 * the column); replay and dead-letters need it. Returns HS_PG_SCHEMA_OK or
 * HS_PG_SCHEMA_FAILED with err naming the statement to run. */
int hs_pg_dead_letter_upgrade(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen);

/* Whether the connection's user may INSERT into and SELECT from the table
 * and INSERT into its dead-letter table (both must exist). Returns
 * HS_PG_SCHEMA_OK, HS_PG_SCHEMA_INCOMPATIBLE naming what is missing, or
 * HS_PG_SCHEMA_FAILED. */
int hs_pg_schema_privileges(PGconn *conn, const struct hs_schema *s, char *err, size_t errlen);

#endif
