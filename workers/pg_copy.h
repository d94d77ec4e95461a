/*
 * pg_copy.h - housing rows in PostgreSQL's binary COPY format.
 *
 * Binary COPY sends each double as its 8 bytes: nothing is formatted on our
 * side or parsed on the server's, and values arrive bit for bit. Columns, in
 * order: the 14 of the data set (CHAS and RAD as int4, the rest float8),
 * src_file (text), src_line (int8), read_us (int8, NULL when unknown).
 */
#ifndef HS_PG_COPY_H
#define HS_PG_COPY_H

#include "../common/buf.h"
#include "record.h"

#define HS_COPY_COLUMNS "crim, zn, indus, chas, nox, rm, age, dis, rad, tax, ptratio, b, " \
                        "lstat, medv, src_file, src_line, read_us"

void hs_copy_begin(struct hs_buf *b);
void hs_copy_row(struct hs_buf *b, const struct hs_item *row);
void hs_copy_end(struct hs_buf *b);

/* A row as a JSON object keyed by column name, the form PostgreSQL's
 * json_populate_record() reads: the slow path's INSERT takes rows this way. */
void hs_copy_json_row(struct hs_buf *b, const struct hs_item *row);
/* A row's 14 values as one CSV line (a refused row's dead letter keeps it). */
void hs_copy_csv_values(struct hs_buf *b, const struct hs_item *row);

#endif
