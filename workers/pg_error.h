/*
 * pg_error.h - what a PostgreSQL error means for a batch of records.
 *
 * Every error a writer meets is put into one of three classes by its SQLSTATE:
 *  - a replay: the unique index on the record identity (src_file, src_line),
 *    named after the table (T_source_idx, pg_schema.h), refused a row that
 *    is already there. The batch is written again with
 *    ON CONFLICT DO NOTHING, and rows that differ from what is there are
 *    reported as identity collisions.
 *  - a refused row: the error belongs to one row's data (class 22 data
 *    exception, class 23 integrity violation other than the replay, P0001 and
 *    P0004 raised by a trigger, 54000 a row or index entry too large). That
 *    row becomes a dead letter; the others are written.
 *  - a system error: anything else (connection, authentication, privilege,
 *    missing table, resources, operator intervention, serialization, and
 *    every SQLSTATE not named above). Never a dead letter: the batch waits,
 *    retried with a capped backoff, until the cause is fixed.
 */
#ifndef HS_PG_ERROR_H
#define HS_PG_ERROR_H

#include <stddef.h>

enum hs_pg_class { HS_PG_REPLAY, HS_PG_ROW, HS_PG_SYSTEM };

/* The class of an error writing into `table`; sqlstate or constraint may be
 * NULL (unknown). */
enum hs_pg_class hs_pg_classify(const char *sqlstate, const char *constraint, const char *table);
/* The 1-based row of a COPY into `table` that an error's context names
 * ("COPY housing, line 7[, column ...]"), or 0 when it names none. */
unsigned long hs_pg_copy_row(const char *context, const char *table);

#endif
