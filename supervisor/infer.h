/*
 * infer.h - `housingsup infer FILE [--table NAME]`: reads a CSV's header and
 * a sample of its records and prints a ready `table` section and the CREATE
 * TABLE statement for it.
 *
 * Each column gets the narrowest type that every sampled value fits, in
 * this order of preference: smallint, integer, bigint, numeric (a number
 * with a fraction or an exponent: exact, never a double), date, timestamp,
 * timestamptz, uuid, boolean, text; nullable when an empty value occurs.
 * Values are tried with the very parser the CSV reader uses (value.h), so
 * what infer accepts, ingestion accepts.
 */
#ifndef HS_INFER_H
#define HS_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../config/schema.h"

#define HS_INFER_SAMPLE 10000 /* records read */

struct hs_infer_column {
    uint32_t possible; /* a bit per candidate type that fits every value so far */
    bool nullable;     /* an empty value was seen */
    uint64_t values;   /* non-empty values seen */
    size_t longest;    /* bytes of the longest value */
};

void hs_infer_column_init(struct hs_infer_column *c);
/* One value of the column (empty: NULL). */
void hs_infer_feed(struct hs_infer_column *c, const char *text, size_t len, bool decimal_comma);
/* The narrowest candidate left (text when no value was seen). */
enum hs_type hs_infer_type(const struct hs_infer_column *c);

/* A column name from a header field: lower case, runs of anything but
 * letters and digits as one '_', trimmed; "c_" before a leading digit;
 * "csv_" before a name housingsup adds itself (id, src_file, ...);
 * "column_N" (1-based) for an empty one. */
void hs_infer_name(const char *header, size_t len, int index, char *out, size_t cap);

/* Reads `path` and prints the table section and CREATE TABLE to `out`.
 * `table`: the table's name, NULL for one made from the file's name.
 * Returns 0, or -1 with the reason in `err`. */
int hs_infer(const char *path, const char *table, FILE *out, char *err, size_t errlen);

#endif
