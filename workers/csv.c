/*
 * csv.c - see csv.h. Fields are split first (honouring quotes), then each
 * is trimmed and converted; the first problem found is the one reported.
 */
#include "csv.h"
#include "decimal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX 256

struct field {
    char text[FIELD_MAX];
    size_t len;
};

/* Trims the field's trailing whitespace, ends its text, and moves *pos past
 * its delimiter (index i), or past the end. */
static void finish_field(struct field *f, size_t i, size_t *pos)
{
    while (f->len > 0 && isspace((unsigned char)f->text[f->len - 1]))
        f->len--;
    f->text[f->len] = '\0';
    *pos = i + 1;
}

static int field_too_long(int index, char *err, size_t errlen)
{
    snprintf(err, errlen, "field %d is longer than %d bytes", index + 1, FIELD_MAX - 1);
    return -1;
}

static int field_has_nul(int index, char *err, size_t errlen)
{
    snprintf(err, errlen, "field %d contains a NUL byte", index + 1);
    return -1;
}

/* An unquoted field from i: the common case, scanned in one tight loop and
 * copied at once. */
static int plain_field(const char *line, size_t len, char delim, size_t i, size_t *pos,
                       struct field *f, int index, char *err, size_t errlen)
{
    const char alt = delim == HS_CSV_WHITESPACE ? '\t' : delim;
    size_t start = i;
    while (i < len && line[i] != delim && line[i] != alt && line[i] != '\0')
        i++;
    if (i - start + 1 >= FIELD_MAX)
        return field_too_long(index, err, errlen);
    if (i < len && line[i] == '\0')
        return field_has_nul(index, err, errlen);
    memcpy(f->text, line + start, i - start);
    f->len = i - start;
    finish_field(f, i, pos);
    return 0;
}

/* Copies one field starting at *pos into f, unquoting it; advances *pos past
 * the field and its delimiter (a space or a tab for HS_CSV_WHITESPACE).
 * Returns 0, or -1 with a reason. */
static int next_field(const char *line, size_t len, char delim, size_t *pos, struct field *f,
                      int index, char *err, size_t errlen)
{
    size_t i = *pos;
    int quoted = 1;
    const char alt = delim == HS_CSV_WHITESPACE ? '\t' : delim;
    f->len = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i >= len || line[i] != '"')
        return plain_field(line, len, delim, i, pos, f, index, err, errlen);
    for (i++; i < len; i++) {
        char c = line[i];
        if (quoted && c == '"') {
            if (i + 1 < len && line[i + 1] == '"') {
                i++;
            } else {
                quoted = 0;
                continue;
            }
        } else if (!quoted && (c == delim || c == alt)) {
            break;
        } else if (c == '\0') {
            return field_has_nul(index, err, errlen);
        }
        if (f->len + 1 >= FIELD_MAX)
            return field_too_long(index, err, errlen);
        f->text[f->len++] = c;
    }
    if (quoted) {
        snprintf(err, errlen, "field %d has an unterminated quote", index + 1);
        return -1;
    }
    finish_field(f, i, pos);
    return 0;
}

static size_t strip_cr(const char *line, size_t len)
{
    return (len > 0 && line[len - 1] == '\r') ? len - 1 : len;
}

static bool blank_char(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits on runs of whitespace; leading and trailing whitespace is no field. */
static int split_whitespace(const char *line, size_t len, struct field *fields, int max,
                            char *err, size_t errlen)
{
    size_t pos = 0;
    int n = 0;
    for (;;) {
        while (pos < len && blank_char(line[pos]))
            pos++;
        if (pos >= len)
            return n;
        if (n == max) {
            snprintf(err, errlen, "more than %d fields", max);
            return -1;
        }
        if (next_field(line, len, HS_CSV_WHITESPACE, &pos, &fields[n], n, err, errlen) != 0)
            return -1;
        n++;
    }
}

/* Splits a line into fields; returns their number, or -1 with a reason. */
static int split_fields(const char *line, size_t len, char delim, struct field *fields, int max,
                        char *err, size_t errlen)
{
    len = strip_cr(line, len);
    if (delim == HS_CSV_WHITESPACE)
        return split_whitespace(line, len, fields, max, err, errlen);
    size_t pos = 0;
    int n = 0;
    do {
        if (n == max) {
            snprintf(err, errlen, "more than %d fields", max);
            return -1;
        }
        if (next_field(line, len, delim, &pos, &fields[n], n, err, errlen) != 0)
            return -1;
        n++;
    } while (pos <= len && line[pos - 1] == delim);
    return n;
}

static const char *delimiter_name(char delim)
{
    switch (delim) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "tab";
    case '|': return "pipe";
    default: return "whitespace";
    }
}

int hs_csv_dialect_parse(const char *delimiter, const char *decimal_comma,
                         struct hs_csv_dialect *d, char *err, size_t errlen)
{
    static const struct { const char *word; char delim; } words[] = {
        {"auto", 0}, {"comma", ','}, {",", ','}, {"semicolon", ';'}, {";", ';'}, {"tab", '\t'},
        {"\t", '\t'}, {"pipe", '|'}, {"|", '|'}, {"whitespace", HS_CSV_WHITESPACE},
        {"space", HS_CSV_WHITESPACE}};
    size_t i = 0, n = sizeof words / sizeof words[0];
    while (i < n && strcasecmp(delimiter, words[i].word) != 0)
        i++;
    if (i == n) {
        snprintf(err, errlen, "delimiter = \"%s\" is not one of auto, comma, semicolon, tab, "
                 "pipe, whitespace", delimiter);
        return -1;
    }
    d->delimiter = words[i].delim;
    if (strcasecmp(decimal_comma, "auto") == 0)
        d->decimal_comma = HS_DECIMAL_AUTO;
    else if (strcasecmp(decimal_comma, "true") == 0)
        d->decimal_comma = HS_DECIMAL_COMMA;
    else if (strcasecmp(decimal_comma, "false") == 0)
        d->decimal_comma = HS_DECIMAL_POINT;
    else {
        snprintf(err, errlen, "decimal_comma = \"%s\" is not one of auto, true, false",
                 decimal_comma);
        return -1;
    }
    return 0;
}

static int column_named(const char *name)
{
    for (int c = 0; c < HS_NCOLS; c++)
        if (strcasecmp(name, hs_column_names[c]) == 0)
            return c;
    return -1;
}

/* The header split on one delimiter. Returns 0, or -1 with the reason;
 * header->nfields is set either way (-1 when the line could not be split). */
static int header_with(const char *line, size_t len, char delim, struct hs_csv_header *header,
                       char *err, size_t errlen)
{
    struct field fields[HS_CSV_MAX_FIELDS];
    int n = split_fields(line, len, delim, fields, HS_CSV_MAX_FIELDS, err, errlen);
    header->nfields = n;
    header->delimiter = delim;
    if (n < 0)
        return -1;
    int seen[HS_NCOLS] = {0};
    for (int i = 0; i < n; i++) {
        int c = column_named(fields[i].text);
        header->column_of[i] = c;
        if (c >= 0 && seen[c]++) {
            snprintf(err, errlen, "header names column %s twice", hs_column_names[c]);
            return -1;
        }
    }
    for (int c = 0; c < HS_NCOLS; c++)
        if (!seen[c]) {
            snprintf(err, errlen, "header lacks column %s (a header row naming the 14 columns "
                     "CRIM..MEDV is required)", hs_column_names[c]);
            return -1;
        }
    return 0;
}

/* delimiter = auto: the first delimiter that makes the header name the 14
 * columns; if none does, the reason given for the one that split it into
 * the most fields (what the file most likely meant). */
static int header_auto(const char *line, size_t len, struct hs_csv_header *header, char *err,
                       size_t errlen)
{
    static const char candidates[] = {',', ';', '\t', '|', HS_CSV_WHITESPACE};
    char why[256] = "";
    int most = -2;
    for (size_t i = 0; i < sizeof candidates; i++) {
        if (header_with(line, len, candidates[i], header, err, errlen) == 0)
            return 0;
        if (header->nfields > most) {
            most = header->nfields;
            snprintf(why, sizeof why, "%s", err);
        }
    }
    snprintf(err, errlen, "%s", why);
    return -1;
}

int hs_csv_parse_header_as(const char *line, size_t len, const struct hs_csv_dialect *d,
                           struct hs_csv_header *header, char *err, size_t errlen)
{
    int rc = d->delimiter ? header_with(line, len, d->delimiter, header, err, errlen)
                          : header_auto(line, len, header, err, errlen);
    header->whitespace_rows = d->delimiter == 0 && header->delimiter != HS_CSV_WHITESPACE;
    header->decimal_comma = d->decimal_comma;
    return rc;
}

int hs_csv_parse_header(const char *line, size_t len, struct hs_csv_header *header,
                        char *err, size_t errlen)
{
    static const struct hs_csv_dialect automatic = {0, HS_DECIMAL_AUTO};
    return hs_csv_parse_header_as(line, len, &automatic, header, err, errlen);
}

bool hs_csv_ends_in_quote(const char *line, size_t len, const struct hs_csv_header *header,
                          bool in_quote)
{
    const char delim = header->delimiter;
    const bool blanks_split = delim == HS_CSV_WHITESPACE || header->whitespace_rows;
    bool field_start = !in_quote;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (in_quote) {
            if (c == '"' && i + 1 < len && line[i + 1] == '"')
                i++; /* a doubled quote: one quote inside the field */
            else if (c == '"')
                in_quote = false;
        } else if (c == '"' && field_start) {
            in_quote = true;
            field_start = false;
        } else if (c == delim || (blanks_split && c == '\t')) {
            field_start = true;
        } else if (c != ' ') {
            field_start = false;
        } else if (blanks_split) {
            field_start = true;
        }
    }
    return in_quote;
}

bool hs_csv_line_is_numeric(const char *line, size_t len)
{
    bool digit = false;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        digit |= c >= '0' && c <= '9';
        if (!(c >= '0' && c <= '9') && (c == '\0' || strchr("+-.,;|\"eE \t\r", c) == NULL))
            return false;
    }
    return digit;
}

int hs_csv_classic_header(const char *first, size_t len, const struct hs_csv_dialect *d,
                          struct hs_csv_header *header, char *err, size_t errlen)
{
    static const char candidates[] = {',', ';', '\t', '|', HS_CSV_WHITESPACE};
    struct field fields[HS_CSV_MAX_FIELDS];
    header->delimiter = d->delimiter;
    for (size_t i = 0; d->delimiter == 0 && i < sizeof candidates; i++)
        if (split_fields(first, len, candidates[i], fields, HS_CSV_MAX_FIELDS, err, errlen) ==
            HS_NCOLS) {
            header->delimiter = candidates[i];
            break;
        }
    if (header->delimiter == 0) {
        snprintf(err, errlen, "without a header, the first line must have the 14 columns "
                 "CRIM..MEDV in this order, separated by a comma, semicolon, tab, pipe or "
                 "whitespace");
        return -1;
    }
    header->nfields = HS_NCOLS;
    for (int c = 0; c < HS_NCOLS; c++)
        header->column_of[c] = c;
    header->whitespace_rows = false;
    header->decimal_comma = d->decimal_comma;
    return 0;
}

/* "0,5" read as 0.5: the one comma of a field becomes a point. Returns where
 * it was, to put it back for a message, or NULL. */
static char *decimal_comma(struct field *f)
{
    char *comma = memchr(f->text, ',', f->len);
    if (comma == NULL || memchr(comma + 1, ',', f->len - (size_t)(comma - f->text) - 1) != NULL)
        return NULL;
    *comma = '.';
    return comma;
}

static int parse_value(struct field *f, int column, bool comma_ok, double *out, char *err,
                       size_t errlen)
{
    const char *name = hs_column_names[column];
    if (f->len == 0) {
        snprintf(err, errlen, "%s is empty", name);
        return -1;
    }
    char *comma = comma_ok ? decimal_comma(f) : NULL;
    char *end = (char *)f->text + f->len;
    double v;
    errno = 0;
    if (hs_plain_decimal(f->text, end, &v) != 0)
        v = strtod(f->text, &end);
    if (comma != NULL && (end == f->text || *end != '\0' || errno == ERANGE || !isfinite(v)))
        *comma = ','; /* the message shows the field as it was */
    if (end == f->text || *end != '\0') {
        snprintf(err, errlen, "%s is not a number: '%s'", name, f->text);
        return -1;
    }
    if (errno == ERANGE || !isfinite(v)) {
        snprintf(err, errlen, "%s is out of range: '%s'", name, f->text);
        return -1;
    }
    if (hs_column_is_integer(column) && (v != floor(v) || fabs(v) > 2147483647.0)) {
        snprintf(err, errlen, "%s must be an integer: '%s'", name, f->text);
        return -1;
    }
    *out = v;
    return 0;
}

int hs_csv_parse_record(const char *line, size_t len, const struct hs_csv_header *header,
                        double values[HS_NCOLS], char *err, size_t errlen)
{
    struct field fields[HS_CSV_MAX_FIELDS];
    char delim = header->delimiter;
    if (header->whitespace_rows && memchr(line, delim, len) == NULL)
        delim = HS_CSV_WHITESPACE; /* aligned rows under a delimited header */
    int n = split_fields(line, len, delim, fields, HS_CSV_MAX_FIELDS, err, errlen);
    if (n < 0)
        return -1;
    if (n != header->nfields) {
        if (delim != header->delimiter)
            snprintf(err, errlen, "expected %d fields, got %d (split on whitespace: the line "
                     "has no %s)", header->nfields, n, delimiter_name(header->delimiter));
        else
            snprintf(err, errlen, "expected %d fields, got %d", header->nfields, n);
        return -1;
    }
    bool comma_ok = header->decimal_comma == HS_DECIMAL_COMMA ||
                    (header->decimal_comma == HS_DECIMAL_AUTO && delim != ',');
    for (int i = 0; i < n; i++) {
        int c = header->column_of[i];
        if (c >= 0 && parse_value(&fields[i], c, comma_ok, &values[c], err, errlen) != 0)
            return -1;
    }
    return 0;
}
