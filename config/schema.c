/*
 * schema.c - see schema.h.
 */
#include "schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Each type's spellings; the first is the one format_type() writes. */
static const struct {
    enum hs_type type;
    const char *names[4];
} type_names[] = {
    {HS_TYPE_SMALLINT, {"smallint", "int2"}},
    {HS_TYPE_INTEGER, {"integer", "int", "int4"}},
    {HS_TYPE_BIGINT, {"bigint", "int8"}},
    {HS_TYPE_REAL, {"real", "float4"}},
    {HS_TYPE_DOUBLE, {"double precision", "double", "float8", "float"}},
    {HS_TYPE_NUMERIC, {"numeric", "decimal"}},
    {HS_TYPE_BOOLEAN, {"boolean", "bool"}},
    {HS_TYPE_TEXT, {"text"}},
    {HS_TYPE_VARCHAR, {"character varying", "varchar"}},
    {HS_TYPE_DATE, {"date"}},
    {HS_TYPE_TIMESTAMP, {"timestamp without time zone", "timestamp"}},
    {HS_TYPE_TIMESTAMPTZ, {"timestamp with time zone", "timestamptz"}},
    {HS_TYPE_UUID, {"uuid"}},
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

void hs_schema_housing(struct hs_schema *s)
{
    static const char *const names[] = {"CRIM", "ZN",  "INDUS", "CHAS",    "NOX", "RM",    "AGE",
                                        "DIS",  "RAD", "TAX",   "PTRATIO", "B",   "LSTAT", "MEDV"};
    memset(s, 0, sizeof *s);
    snprintf(s->table, sizeof s->table, "housing");
    s->create = true;
    s->max_row_bytes = 512;
    s->ncols = (int)(sizeof names / sizeof names[0]);
    for (int c = 0; c < s->ncols; c++) {
        struct hs_column *col = &s->cols[c];
        for (size_t i = 0; names[c][i] != '\0'; i++)
            col->name[i] = (char)tolower((unsigned char)names[c][i]);
        snprintf(col->header, sizeof col->header, "%s", names[c]);
        col->type = c == 3 || c == 8 ? HS_TYPE_INTEGER : HS_TYPE_DOUBLE;
    }
}

/* Lower-cases text into out with runs of spaces made one, ends trimmed. */
static void normalise(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0' && n + 1 < cap; p++) {
        if (isspace((unsigned char)*p) && (n == 0 || out[n - 1] == ' '))
            continue;
        out[n++] = isspace((unsigned char)*p) ? ' ' : (char)tolower((unsigned char)*p);
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static int type_by_name(const char *name)
{
    for (size_t t = 0; t < NTYPES; t++)
        for (int i = 0; i < 4 && type_names[t].names[i] != NULL; i++)
            if (strcmp(name, type_names[t].names[i]) == 0)
                return (int)type_names[t].type;
    return -1;
}

/* "(n)" or "(p, s)" after a type name: -1 when malformed. */
static int read_modifiers(const char *p, int32_t *first, int32_t *second, int *count)
{
    char *end;
    *count = 0;
    if (*p == '\0')
        return 0;
    if (*p != '(')
        return -1;
    long a = strtol(p + 1, &end, 10), b = 0;
    *count = 1;
    while (*end == ' ')
        end++;
    if (*end == ',') {
        b = strtol(end + 1, &end, 10);
        *count = 2;
    }
    while (*end == ' ')
        end++;
    if (end[0] != ')' || end[1] != '\0' || a < 1 || a > 10485760 || b < 0 || b > a)
        return -1;
    *first = (int32_t)a;
    *second = (int32_t)b;
    return 0;
}

static bool modifiers_fit(enum hs_type type, int count, int32_t length)
{
    if (type == HS_TYPE_VARCHAR)
        return count <= 1;
    if (type == HS_TYPE_NUMERIC)
        return length <= 1000;
    return count == 0;
}

int hs_type_parse(const char *text, struct hs_column *col, char *err, size_t errlen)
{
    char norm[96], name[96];
    normalise(text, norm, sizeof norm);
    size_t base = strcspn(norm, "(");
    snprintf(name, sizeof name, "%.*s", (int)base, norm);
    while (base > 0 && name[base - 1] == ' ')
        name[--base] = '\0';
    int type = type_by_name(name), count = 0;
    int32_t length = 0, scale = 0;
    const char *mods = norm + strcspn(norm, "(");
    if (type < 0 || read_modifiers(mods, &length, &scale, &count) != 0 ||
        !modifiers_fit((enum hs_type)type, count, length)) {
        snprintf(err, errlen, "type '%s' is not one housingsup stores (smallint, integer, bigint, "
                 "real, double precision, numeric[(p,s)], boolean, text, varchar(n), date, "
                 "timestamp, timestamptz, uuid)", text);
        return -1;
    }
    col->type = (enum hs_type)type;
    col->length = count ? length : 0;
    col->scale = count == 2 ? scale : 0;
    return 0;
}

void hs_type_sql(const struct hs_column *col, char *out, size_t cap)
{
    const char *name = "?";
    for (size_t t = 0; t < NTYPES; t++)
        if (type_names[t].type == col->type)
            name = type_names[t].names[0];
    if (col->type == HS_TYPE_VARCHAR && col->length > 0)
        snprintf(out, cap, "%s(%d)", name, (int)col->length);
    else if (col->type == HS_TYPE_NUMERIC && col->length > 0)
        snprintf(out, cap, "%s(%d,%d)", name, (int)col->length, (int)col->scale);
    else
        snprintf(out, cap, "%s", name);
}

static bool same_name(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

int hs_schema_find(const struct hs_schema *s, const char *name, size_t len)
{
    for (int c = 0; c < s->ncols; c++)
        if (same_name(s->cols[c].name, name, len) || same_name(s->cols[c].header, name, len))
            return c;
    return -1;
}

bool hs_schema_reserved(const char *name)
{
    static const char *const ours[] = {"id", "src_file", "src_line", "read_us", "created_at"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
        if (strcasecmp(name, ours[i]) == 0)
            return true;
    return false;
}

static int check_column(const struct hs_schema *s, int c, char *err, size_t errlen)
{
    const char *name = s->cols[c].name;
    if (name[0] == '\0' || s->cols[c].header[0] == '\0') {
        snprintf(err, errlen, "table %s: column %d has no name", s->table, c + 1);
        return -1;
    }
    if (hs_schema_reserved(name)) {
        snprintf(err, errlen, "table %s: column %s is one housingsup adds itself (id, src_file, "
                 "src_line, read_us, created_at); name it otherwise", s->table, name);
        return -1;
    }
    for (int other = 0; other < c; other++)
        if (strcasecmp(s->cols[other].name, name) == 0) {
            snprintf(err, errlen, "table %s: column %s is named twice", s->table, name);
            return -1;
        }
    return 0;
}

int hs_schema_check(const struct hs_schema *s, char *err, size_t errlen)
{
    if (s->table[0] == '\0') {
        snprintf(err, errlen, "the table has no name");
        return -1;
    }
    if (s->ncols < 1) {
        snprintf(err, errlen, "table %s has no columns", s->table);
        return -1;
    }
    for (int c = 0; c < s->ncols; c++)
        if (check_column(s, c, err, errlen) != 0)
            return -1;
    return 0;
}
