/*
 * csv.c - see csv.h. Fields are split first (honouring quotes), then each
 * is trimmed and converted; the first problem found is the one reported.
 */
#include "csv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct field {
    const char *text; /* in the split buffer, ended by a NUL */
    size_t len;
};

/* The split buffer: the unquoted fields of the line being split, one after
 * the other. Unquoting only shortens a field, so a line of n bytes needs at
 * most n bytes and a NUL per field. */
static struct {
    char *text;
    size_t cap, used;
} split;
/* The fields of the line split last, pointing into split.text. */
static struct field fields[HS_CSV_MAX_FIELDS];

static int reserve_split(size_t len, int max_fields, char *err, size_t errlen)
{
    size_t need = len + (size_t)max_fields + 1;
    split.used = 0;
    if (need <= split.cap)
        return 0;
    char *grown = realloc(split.text, need);
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory for a line of %zu bytes", len);
        return -1;
    }
    split.text = grown;
    split.cap = need;
    return 0;
}

/* Ends the field's text (trimming an unquoted one's trailing whitespace)
 * and moves *pos past its delimiter (index i), or past the end. */
static inline bool blank_or_end(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r'); /* isspace() in the C locale */
}

static inline void finish_field(struct field *f, char *text, bool quoted, size_t i, size_t *pos)
{
    while (!quoted && f->len > 0 && blank_or_end(text[f->len - 1]))
        f->len--;
    text[f->len] = '\0';
    f->text = text;
    split.used += f->len + 1;
    *pos = i + 1;
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
    char *text = split.text + split.used;
    size_t start = i;
    while (i < len && line[i] != delim && line[i] != alt && line[i] != '\0')
        i++;
    if (i < len && line[i] == '\0')
        return field_has_nul(index, err, errlen);
    memcpy(text, line + start, i - start);
    f->len = i - start;
    finish_field(f, text, false, i, pos);
    return 0;
}

/* Copies one field starting at *pos, unquoting it; advances *pos past the
 * field and its delimiter (a space or a tab for HS_CSV_WHITESPACE).
 * Returns 0, or -1 with a reason. */
static int next_field(const char *line, size_t len, char delim, size_t *pos, struct field *f,
                      int index, char *err, size_t errlen)
{
    size_t i = *pos;
    int quoted = 1;
    const char alt = delim == HS_CSV_WHITESPACE ? '\t' : delim;
    char *text = split.text + split.used;
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
        } else if (!quoted && c == ' ') {
            continue; /* spaces after the closing quote */
        } else if (c == '\0') {
            return field_has_nul(index, err, errlen);
        }
        text[f->len++] = c;
    }
    if (quoted) {
        snprintf(err, errlen, "field %d has an unterminated quote", index + 1);
        return -1;
    }
    finish_field(f, text, true, i, pos);
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
static int split_whitespace(const char *line, size_t len, struct field *out, int max,
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
        if (next_field(line, len, HS_CSV_WHITESPACE, &pos, &out[n], n, err, errlen) != 0)
            return -1;
        n++;
    }
}

/* Splits a line into fields; returns their number, or -1 with a reason. */
static int split_fields(const char *line, size_t len, char delim, struct field *out, int max,
                        char *err, size_t errlen)
{
    len = strip_cr(line, len);
    if (reserve_split(len, max, err, errlen) != 0)
        return -1;
    if (delim == HS_CSV_WHITESPACE)
        return split_whitespace(line, len, fields, max, err, errlen);
    size_t pos = 0;
    int n = 0;
    do {
        if (n == max) {
            snprintf(err, errlen, "more than %d fields", max);
            return -1;
        }
        if (next_field(line, len, delim, &pos, &out[n], n, err, errlen) != 0)
            return -1;
        n++;
    } while (pos <= len && line[pos - 1] == delim);
    return n;
}

int hs_csv_fields(const char *line, size_t len, char delim, const char **text, size_t *lens,
                  int max, char *err, size_t errlen)
{
    if (max > HS_CSV_MAX_FIELDS)
        max = HS_CSV_MAX_FIELDS;
    int n = split_fields(line, len, delim, fields, max, err, errlen);
    for (int i = 0; i < n; i++) {
        text[i] = fields[i].text;
        lens[i] = fields[i].len;
    }
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

/* The header split on one delimiter. Returns 0, or -1 with the reason;
 * header->nfields is set either way (-1 when the line could not be split). */
static int header_with(const char *line, size_t len, char delim, const struct hs_schema *schema,
                       struct hs_csv_header *header, char *err, size_t errlen)
{
    static unsigned char seen[HS_MAX_COLUMNS];
    int n = split_fields(line, len, delim, fields, HS_CSV_MAX_FIELDS, err, errlen);
    header->nfields = n;
    header->delimiter = delim;
    header->schema = schema;
    if (n < 0)
        return -1;
    memset(seen, 0, (size_t)schema->ncols);
    for (int i = 0; i < n; i++) {
        int c = hs_schema_find(schema, fields[i].text, fields[i].len);
        header->column_of[i] = c;
        if (c >= 0 && seen[c]++) {
            snprintf(err, errlen, "header names column %s twice", schema->cols[c].header);
            return -1;
        }
    }
    for (int c = 0; c < schema->ncols; c++)
        if (!seen[c]) {
            snprintf(err, errlen, "header lacks column %s (the header must name every column "
                     "of table %s)", schema->cols[c].header, schema->table);
            return -1;
        }
    return 0;
}

static const char candidates[] = {',', ';', '\t', '|', HS_CSV_WHITESPACE};

/* delimiter = auto: the first delimiter that makes the header name every
 * column; if none does, the reason given for the one that split it into
 * the most fields (what the file most likely meant). */
static int header_auto(const char *line, size_t len, const struct hs_schema *schema,
                       struct hs_csv_header *header, char *err, size_t errlen)
{
    char why[256] = "";
    int most = -2;
    for (size_t i = 0; i < sizeof candidates; i++) {
        if (header_with(line, len, candidates[i], schema, header, err, errlen) == 0)
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
    int rc = d->delimiter ? header_with(line, len, d->delimiter, d->schema, header, err, errlen)
                          : header_auto(line, len, d->schema, header, err, errlen);
    header->whitespace_rows = d->delimiter == 0 && header->delimiter != HS_CSV_WHITESPACE;
    header->decimal_comma = d->decimal_comma;
    return rc;
}

int hs_csv_parse_header(const char *line, size_t len, const struct hs_schema *schema,
                        struct hs_csv_header *header, char *err, size_t errlen)
{
    const struct hs_csv_dialect automatic = {0, HS_DECIMAL_AUTO, schema};
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

static bool names_a_column(const char *line, size_t len, char delim, const struct hs_schema *s)
{
    char err[256];
    int n = split_fields(line, len, delim, fields, HS_CSV_MAX_FIELDS, err, sizeof err);
    for (int i = 0; i < n; i++)
        if (hs_schema_find(s, fields[i].text, fields[i].len) >= 0)
            return true;
    return false;
}

bool hs_csv_line_names_a_column(const char *line, size_t len, const struct hs_csv_dialect *d)
{
    if (d->delimiter != 0)
        return names_a_column(line, len, d->delimiter, d->schema);
    for (size_t i = 0; i < sizeof candidates; i++)
        if (names_a_column(line, len, candidates[i], d->schema))
            return true;
    return false;
}

int hs_csv_classic_header(const char *first, size_t len, const struct hs_csv_dialect *d,
                          struct hs_csv_header *header, char *err, size_t errlen)
{
    const struct hs_schema *s = d->schema;
    header->delimiter = d->delimiter;
    header->schema = s;
    for (size_t i = 0; d->delimiter == 0 && i < sizeof candidates; i++)
        if (split_fields(first, len, candidates[i], fields, HS_CSV_MAX_FIELDS, err, errlen) ==
            s->ncols) {
            header->delimiter = candidates[i];
            break;
        }
    if (header->delimiter == 0) {
        snprintf(err, errlen, "without a header, the first line must have the %d columns "
                 "%s..%s in this order, separated by a comma, semicolon, tab, pipe or "
                 "whitespace", s->ncols, s->cols[0].header, s->cols[s->ncols - 1].header);
        return -1;
    }
    header->nfields = s->ncols;
    for (int c = 0; c < s->ncols; c++)
        header->column_of[c] = c;
    header->whitespace_rows = false;
    header->decimal_comma = d->decimal_comma;
    return 0;
}

static int field_count_error(const struct hs_csv_header *header, char delim, int n, char *err,
                             size_t errlen)
{
    if (delim != header->delimiter)
        snprintf(err, errlen, "expected %d fields, got %d (split on whitespace: the line has no "
                 "%s)", header->nfields, n, delimiter_name(header->delimiter));
    else
        snprintf(err, errlen, "expected %d fields, got %d", header->nfields, n);
    return -1;
}

int hs_csv_parse_record(const char *line, size_t len, const struct hs_csv_header *header,
                        const struct hs_layout *l, struct hs_item *it, char *err, size_t errlen)
{
    char delim = header->delimiter;
    if (header->whitespace_rows && memchr(line, delim, len) == NULL)
        delim = HS_CSV_WHITESPACE; /* aligned rows under a delimited header */
    int n = split_fields(line, len, delim, fields, HS_CSV_MAX_FIELDS, err, errlen);
    if (n < 0)
        return -1;
    if (n != header->nfields)
        return field_count_error(header, delim, n, err, errlen);
    bool comma = header->decimal_comma == HS_DECIMAL_COMMA ||
                 (header->decimal_comma == HS_DECIMAL_AUTO && delim != ',');
    struct hs_text text;
    struct hs_value *v = hs_item_values(it);
    hs_item_row(it, l, &text);
    for (int i = 0; i < n; i++) {
        int c = header->column_of[i];
        if (c >= 0 && hs_value_parse(&l->schema->cols[c], fields[i].text, fields[i].len, comma,
                                     &v[c], &text, err, errlen) != 0)
            return -1;
    }
    hs_item_row_done(it, l, &text);
    return 0;
}
