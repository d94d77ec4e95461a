/*
 * csv.h - parse housing CSV: a header naming the 14 columns (any order, any
 * case, extra columns ignored) and data lines of plain or double-quoted fields.
 *
 * The dialect: fields are separated by a comma, a semicolon, a tab, a pipe
 * or runs of whitespace; "auto" takes the one that makes the header name
 * the 14 columns, and then splits a data line that holds none of that
 * delimiter on whitespace (files whose header has commas and whose rows are
 * aligned with spaces). A decimal comma ("0,00632") is read when the line's
 * delimiter is not a comma (decimal_comma auto), always, or never.
 *
 * Functions take one line without its newline (a trailing '\r' is allowed)
 * and report a bad line with a one-line reason; they never abort and never
 * read outside [line, line + len).
 */
#ifndef HS_CSV_H
#define HS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

#define HS_CSV_MAX_FIELDS 64

#define HS_CSV_WHITESPACE ' ' /* the delimiter "runs of spaces and tabs" */

enum hs_csv_decimal { HS_DECIMAL_AUTO = 0, HS_DECIMAL_COMMA, HS_DECIMAL_POINT };

/* What the settings ask for; zeroed = auto for everything. */
struct hs_csv_dialect {
    char delimiter;    /* 0: auto; ',', ';', '\t', '|' or HS_CSV_WHITESPACE */
    int decimal_comma; /* enum hs_csv_decimal */
};

struct hs_csv_header {
    int nfields;                          /* fields every data line must have */
    int column_of[HS_CSV_MAX_FIELDS];     /* field index -> column, or -1 */
    char delimiter;                       /* the header's */
    bool whitespace_rows;                 /* auto: a line without it is split on whitespace */
    int decimal_comma;                    /* enum hs_csv_decimal, as set */
};

/* Reads the settings' words ("auto", "comma", ";", "tab", "whitespace", ...;
 * "auto", "true", "false"). Returns 0, or -1 with the reason in err. */
int hs_csv_dialect_parse(const char *delimiter, const char *decimal_comma,
                         struct hs_csv_dialect *d, char *err, size_t errlen);

/* Whether a quoted field is still open at the end of this line (RFC 4180:
 * it goes on in the next line), given whether one was open at its start. A
 * quote opens a field only at its start (after the delimiter and spaces). */
bool hs_csv_ends_in_quote(const char *line, size_t len, const struct hs_csv_header *header,
                          bool in_quote);

/* Whether a first line is data rather than a header: every byte is part of
 * a number, a delimiter, a quote or whitespace (header = auto). */
bool hs_csv_line_is_numeric(const char *line, size_t len);

/* A file without a header: the 14 columns in the classic order CRIM..MEDV,
 * the delimiter as set, or (auto) the first that splits `first` (the first
 * data line) into 14 fields. Returns 0, or -1 with the reason in err. */
int hs_csv_classic_header(const char *first, size_t len, const struct hs_csv_dialect *d,
                          struct hs_csv_header *header, char *err, size_t errlen);

/* With every setting on auto. Returns 0, or -1 with the reason in err. */
int hs_csv_parse_header(const char *line, size_t len, struct hs_csv_header *header,
                        char *err, size_t errlen);
int hs_csv_parse_header_as(const char *line, size_t len, const struct hs_csv_dialect *d,
                           struct hs_csv_header *header, char *err, size_t errlen);

/* Fills values[] in column order. Returns 0, or -1 with the reason in err. */
int hs_csv_parse_record(const char *line, size_t len, const struct hs_csv_header *header,
                        double values[HS_NCOLS], char *err, size_t errlen);

#endif
