/*
 * csv.h - parse CSV records into a table's columns (config/schema.h): a
 * header naming the columns (any order, any case, extra columns ignored)
 * and data lines of plain or double-quoted fields.
 *
 * The dialect: fields are separated by a comma, a semicolon, a tab, a pipe
 * or runs of whitespace; "auto" takes the one that makes the header name
 * every column, and then splits a data line that holds none of that
 * delimiter on whitespace (files whose header has commas and whose rows are
 * aligned with spaces). A decimal comma ("0,00632") is read in real, double
 * and numeric columns when the line's delimiter is not a comma
 * (decimal_comma auto), always, or never. An unquoted field loses the
 * spaces around it; a quoted one is kept exactly, "" read as ".
 *
 * Functions take one line without its newline (a trailing '\r' is allowed)
 * and report a bad line with a one-line reason; they never abort and never
 * read outside [line, line + len). Split fields live in one buffer per
 * process (every role that reads CSV is single-threaded).
 */
#ifndef HS_CSV_H
#define HS_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/schema.h"
#include "record.h"

/* Fields a line may have: the most columns and as many ignored ones again. */
#define HS_CSV_MAX_FIELDS (2 * HS_MAX_COLUMNS)

#define HS_CSV_WHITESPACE ' ' /* the delimiter "runs of spaces and tabs" */

enum hs_csv_decimal { HS_DECIMAL_AUTO = 0, HS_DECIMAL_COMMA, HS_DECIMAL_POINT };

/* What the settings ask for; zeroed = auto for everything. */
struct hs_csv_dialect {
    char delimiter;    /* 0: auto; ',', ';', '\t', '|' or HS_CSV_WHITESPACE */
    int decimal_comma; /* enum hs_csv_decimal */
    const struct hs_schema *schema; /* the columns to find */
};

struct hs_csv_header {
    const struct hs_schema *schema;
    int nfields;                          /* fields every data line must have */
    int column_of[HS_CSV_MAX_FIELDS];     /* field index -> schema column, or -1 */
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

/* Splits a line on `delim` (one of the dialect's; whitespace: runs of
 * blanks) into at most `max` fields, unquoted: text[i] (NUL-terminated, valid
 * until the next call) and len[i]. Returns the number of fields, or -1 with
 * the reason in err. */
int hs_csv_fields(const char *line, size_t len, char delim, const char **text, size_t *lens,
                  int max, char *err, size_t errlen);

/* Whether a first line is a header rather than data (header = auto): one of
 * its fields names a column of the table, split on the dialect's delimiter
 * or (auto) on any of them. */
bool hs_csv_line_names_a_column(const char *line, size_t len, const struct hs_csv_dialect *d);

/* A file without a header: the table's columns in their order, the
 * delimiter as set, or (auto) the first that splits `first` (the first data
 * line) into as many fields. Returns 0, or -1 with the reason in err. */
int hs_csv_classic_header(const char *first, size_t len, const struct hs_csv_dialect *d,
                          struct hs_csv_header *header, char *err, size_t errlen);

/* With the delimiter and decimal comma on auto. Returns 0, or -1 with the
 * reason in err. */
int hs_csv_parse_header(const char *line, size_t len, const struct hs_schema *schema,
                        struct hs_csv_header *header, char *err, size_t errlen);
int hs_csv_parse_header_as(const char *line, size_t len, const struct hs_csv_dialect *d,
                           struct hs_csv_header *header, char *err, size_t errlen);

/* Makes `it` the record the line holds (hs_item_row, each column's value
 * checked by hs_value_parse). Returns 0, or -1 with the reason in err (the
 * item is then to be made a dead letter). */
int hs_csv_parse_record(const char *line, size_t len, const struct hs_csv_header *header,
                        const struct hs_layout *l, struct hs_item *it, char *err, size_t errlen);

#endif
