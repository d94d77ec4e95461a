/*
 * csv.h - parse housing CSV: a header naming the 14 columns (any order, any
 * case, extra columns ignored) and data lines of plain or double-quoted fields.
 *
 * Functions take one line without its newline (a trailing '\r' is allowed)
 * and report a bad line with a one-line reason; they never abort and never
 * read outside [line, line + len).
 */
#ifndef HS_CSV_H
#define HS_CSV_H

#include <stddef.h>

#include "record.h"

#define HS_CSV_MAX_FIELDS 64

struct hs_csv_header {
    int nfields;                          /* fields every data line must have */
    int column_of[HS_CSV_MAX_FIELDS];     /* field index -> enum hs_column, or -1 */
};

/* Returns 0, or -1 with the reason in err. */
int hs_csv_parse_header(const char *line, size_t len, struct hs_csv_header *header,
                        char *err, size_t errlen);

/* Fills values[] in column order. Returns 0, or -1 with the reason in err. */
int hs_csv_parse_record(const char *line, size_t len, const struct hs_csv_header *header,
                        double values[HS_NCOLS], char *err, size_t errlen);

#endif
