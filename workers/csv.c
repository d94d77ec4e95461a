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

/* Copies one field starting at *pos into f, unquoting it; advances *pos past
 * the field and its comma. Returns 0, or -1 with a reason. */
static int next_field(const char *line, size_t len, size_t *pos, struct field *f,
                      int index, char *err, size_t errlen)
{
    size_t i = *pos;
    int quoted = 0;
    f->len = 0;
    while (i < len && line[i] == ' ')
        i++;
    if (i < len && line[i] == '"') {
        quoted = 1;
        i++;
    }
    for (; i < len; i++) {
        char c = line[i];
        if (quoted && c == '"') {
            if (i + 1 < len && line[i + 1] == '"') {
                i++;
            } else {
                quoted = 0;
                continue;
            }
        } else if (!quoted && c == ',') {
            break;
        } else if (c == '\0') {
            snprintf(err, errlen, "field %d contains a NUL byte", index + 1);
            return -1;
        }
        if (f->len + 1 >= FIELD_MAX) {
            snprintf(err, errlen, "field %d is longer than %d bytes", index + 1, FIELD_MAX - 1);
            return -1;
        }
        f->text[f->len++] = c;
    }
    if (quoted) {
        snprintf(err, errlen, "field %d has an unterminated quote", index + 1);
        return -1;
    }
    while (f->len > 0 && isspace((unsigned char)f->text[f->len - 1]))
        f->len--;
    f->text[f->len] = '\0';
    *pos = i + 1; /* past the comma, or past the end */
    return 0;
}

static size_t strip_cr(const char *line, size_t len)
{
    return (len > 0 && line[len - 1] == '\r') ? len - 1 : len;
}

/* Splits a line into fields; returns their number, or -1 with a reason. */
static int split_fields(const char *line, size_t len, struct field *fields, int max,
                        char *err, size_t errlen)
{
    len = strip_cr(line, len);
    size_t pos = 0;
    int n = 0;
    do {
        if (n == max) {
            snprintf(err, errlen, "more than %d fields", max);
            return -1;
        }
        if (next_field(line, len, &pos, &fields[n], n, err, errlen) != 0)
            return -1;
        n++;
    } while (pos <= len && line[pos - 1] == ',');
    return n;
}

static int column_named(const char *name)
{
    for (int c = 0; c < HS_NCOLS; c++)
        if (strcasecmp(name, hs_column_names[c]) == 0)
            return c;
    return -1;
}

int hs_csv_parse_header(const char *line, size_t len, struct hs_csv_header *header,
                        char *err, size_t errlen)
{
    struct field fields[HS_CSV_MAX_FIELDS];
    int n = split_fields(line, len, fields, HS_CSV_MAX_FIELDS, err, errlen);
    if (n < 0)
        return -1;
    int seen[HS_NCOLS] = {0};
    header->nfields = n;
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

static int parse_value(const struct field *f, int column, double *out, char *err, size_t errlen)
{
    const char *name = hs_column_names[column];
    if (f->len == 0) {
        snprintf(err, errlen, "%s is empty", name);
        return -1;
    }
    char *end = (char *)f->text + f->len;
    double v;
    errno = 0;
    if (hs_plain_decimal(f->text, end, &v) != 0)
        v = strtod(f->text, &end);
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
    int n = split_fields(line, len, fields, HS_CSV_MAX_FIELDS, err, errlen);
    if (n < 0)
        return -1;
    if (n != header->nfields) {
        snprintf(err, errlen, "expected %d fields, got %d", header->nfields, n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int c = header->column_of[i];
        if (c >= 0 && parse_value(&fields[i], c, &values[c], err, errlen) != 0)
            return -1;
    }
    return 0;
}
