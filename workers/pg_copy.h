/*
 * pg_copy.h - rows in PostgreSQL's binary COPY format.
 *
 * Binary COPY sends each value in its type's binary form (value.h): a double
 * as its 8 bytes, a timestamp as its microseconds; nothing is formatted on
 * our side or parsed on the server's, and values arrive bit for bit. Columns,
 * in order: the table's, then src_file (text), src_line (int8), read_us
 * (int8, NULL when unknown).
 */
#ifndef HS_PG_COPY_H
#define HS_PG_COPY_H

#include "../common/buf.h"
#include "record.h"

/* The columns a COPY names, in the order hs_copy_row sends them: the
 * table's, each quoted, then src_file, src_line, read_us. */
void hs_copy_columns(struct hs_buf *b, const struct hs_schema *s);

void hs_copy_begin(struct hs_buf *b);
void hs_copy_row(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l);
void hs_copy_end(struct hs_buf *b);

/* A row as a JSON object keyed by column name, the form PostgreSQL's
 * json_populate_record() reads: the slow path's INSERT takes rows this way. */
void hs_copy_json_row(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l);
/* The slow path's statement, its $1 a JSON array of rows (hs_copy_json_row):
 * INSERT INTO t (...) SELECT ... ON CONFLICT (src_file, src_line) DO NOTHING.
 * NULL when out of memory; the caller frees it. */
char *hs_copy_insert_sql(const struct hs_schema *s);

/* For the rows of such an array whose identity is held by a row with other
 * values: their 1-based place in it and that row's id. */
char *hs_copy_collisions_sql(const struct hs_schema *s);

/* A row's values as one CSV line, in PostgreSQL's text forms (a refused
 * row's dead letter keeps it). */
void hs_copy_csv_values(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l);

#endif
