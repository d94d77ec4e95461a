/*
 * infer.c - see infer.h.
 */
#include "infer.h"

#include <ctype.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/buf.h"
#include "../workers/csv.h"
#include "../workers/csv_source.h"
#include "../workers/pg_schema.h"
#include "../workers/record.h"
#include "../workers/value.h"

static const enum hs_type candidates[] = {
    HS_TYPE_SMALLINT, HS_TYPE_INTEGER,     HS_TYPE_BIGINT, HS_TYPE_NUMERIC, HS_TYPE_DATE,
    HS_TYPE_TIMESTAMP, HS_TYPE_TIMESTAMPTZ, HS_TYPE_UUID,   HS_TYPE_BOOLEAN,
};
#define NCANDIDATES (sizeof candidates / sizeof candidates[0])

/* ---- one column ---- */

void hs_infer_column_init(struct hs_infer_column *c)
{
    *c = (struct hs_infer_column){.possible = (1u << NCANDIDATES) - 1};
}

static bool fits(enum hs_type type, const char *text, size_t len, bool decimal_comma)
{
    static char area[512];
    struct hs_column col = {.type = type};
    struct hs_text t = {.data = area, .cap = sizeof area};
    struct hs_value v;
    char err[256];
    return hs_value_parse(&col, text, len, decimal_comma, &v, &t, err, sizeof err) == 0;
}

void hs_infer_feed(struct hs_infer_column *c, const char *text, size_t len, bool decimal_comma)
{
    if (len == 0) {
        c->nullable = true;
        return;
    }
    c->values++;
    c->longest = len > c->longest ? len : c->longest;
    for (size_t i = 0; i < NCANDIDATES; i++)
        if ((c->possible & (1u << i)) && !fits(candidates[i], text, len, decimal_comma))
            c->possible &= ~(1u << i);
}

enum hs_type hs_infer_type(const struct hs_infer_column *c)
{
    for (size_t i = 0; c->values > 0 && i < NCANDIDATES; i++)
        if (c->possible & (1u << i))
            return candidates[i];
    return HS_TYPE_TEXT;
}

/* ---- names ---- */

void hs_infer_name(const char *header, size_t len, int index, char *out, size_t cap)
{
    char name[HS_NAME_MAX];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof name - 4; i++) {
        unsigned char ch = (unsigned char)header[i];
        if (isalnum(ch) && ch < 0x80)
            name[n++] = (char)tolower(ch);
        else if (n > 0 && name[n - 1] != '_')
            name[n++] = '_';
    }
    while (n > 0 && name[n - 1] == '_')
        n--;
    name[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "column_%d", index + 1);
    else if (isdigit((unsigned char)name[0]))
        snprintf(out, cap, "c_%s", name);
    else if (hs_schema_reserved(name))
        snprintf(out, cap, "csv_%s", name);
    else
        snprintf(out, cap, "%s", name);
}

/* "name", "name_2", "name_3", ...: unique among the first `c` columns. */
static void unique_name(struct hs_schema *s, int c)
{
    char base[HS_NAME_MAX];
    snprintf(base, sizeof base, "%s", s->cols[c].name);
    for (int k = 2; hs_schema_find(s, s->cols[c].name, strlen(s->cols[c].name)) < c; k++)
        snprintf(s->cols[c].name, sizeof s->cols[c].name, "%.*s_%d", HS_NAME_MAX - 8, base, k);
}

static void table_name(const char *path, const char *table, char *out, size_t cap)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *base = table != NULL ? table : basename(copy);
    size_t len = table != NULL ? strlen(base) : strcspn(base, ".");
    if (table != NULL)
        snprintf(out, cap, "%s", table);
    else
        hs_infer_name(base, len, 0, out, cap);
}

/* ---- the file ---- */

/* The first line, decoded: a source opened for a column no header can name
 * stops at its first line as a bad header, and keeps that line. */
static int first_line(const char *path, char *line, size_t cap, char *err, size_t errlen)
{
    static struct hs_schema none;
    static struct hs_csv_source src;
    struct hs_csv_format f;
    char why[512] = "";
    none = (struct hs_schema){.ncols = 1, .max_row_bytes = 64};
    snprintf(none.cols[0].name, sizeof none.cols[0].name, "\x01");
    snprintf(none.cols[0].header, sizeof none.cols[0].header, "\x01");
    hs_csv_format_from("auto", "auto", "auto", "true", &none, &f, why, sizeof why);
    int rc = hs_csv_source_open(&src, path, "infer", 0, &f, false, why, sizeof why);
    bool got = rc == HS_CSV_BAD_HEADER && src.buf != NULL && src.buf[0] != '\0';
    if (got)
        snprintf(line, cap, "%.*s", (int)strcspn(src.buf, "\r\n"), src.buf);
    else if (rc == HS_CSV_EMPTY)
        snprintf(err, errlen, "%s is empty", path);
    else
        snprintf(err, errlen, "%s: %s", path, why[0] ? why : "cannot be read");
    hs_csv_source_close(&src);
    return got ? 0 : -1;
}

/* The delimiter that splits the header into the most fields; runs of
 * whitespace only when no other splits it at all (a header's names may
 * hold spaces). */
static char header_delimiter(const char *line, size_t len)
{
    static const char tried[] = {',', ';', '\t', '|', HS_CSV_WHITESPACE};
    static const char *texts[HS_CSV_MAX_FIELDS];
    static size_t lens[HS_CSV_MAX_FIELDS];
    char err[256], best = ',';
    int most = 1;
    for (size_t i = 0; i < sizeof tried && (most == 1 || tried[i] != HS_CSV_WHITESPACE); i++) {
        int n = hs_csv_fields(line, len, tried[i], texts, lens, HS_CSV_MAX_FIELDS, err, sizeof err);
        if (n > most) {
            most = n;
            best = tried[i];
        }
    }
    return best;
}

/* Every column text and nullable, found by its header alone (the names,
 * which no header field can equal, are made once the types are known). */
static int provisional_schema(const char *line, char delim, const char *table,
                              struct hs_schema *s, char *err, size_t errlen)
{
    static const char *texts[HS_CSV_MAX_FIELDS];
    static size_t lens[HS_CSV_MAX_FIELDS];
    int n = hs_csv_fields(line, strlen(line), delim, texts, lens, HS_MAX_COLUMNS + 1, err, errlen);
    if (n < 0)
        return -1;
    if (n > HS_MAX_COLUMNS) {
        snprintf(err, errlen, "the header has more than %d fields", HS_MAX_COLUMNS);
        return -1;
    }
    *s = (struct hs_schema){.ncols = n, .create = true, .max_row_bytes = HS_CSV_LINE_MAX};
    snprintf(s->table, sizeof s->table, "%s", table);
    for (int c = 0; c < n; c++) {
        struct hs_column *col = &s->cols[c];
        if (lens[c] >= sizeof col->header) {
            snprintf(err, errlen, "header field %d is longer than %zu bytes", c + 1,
                     sizeof col->header - 1);
            return -1;
        }
        *col = (struct hs_column){.type = HS_TYPE_TEXT, .nullable = true};
        memcpy(col->header, texts[c], lens[c] + 1);
        snprintf(col->name, sizeof col->name, "\x01%d", c);
    }
    return 0;
}

static void name_columns(struct hs_schema *s)
{
    for (int c = 0; c < s->ncols; c++) {
        struct hs_column *col = &s->cols[c];
        hs_infer_name(col->header, strlen(col->header), c, col->name, sizeof col->name);
        unique_name(s, c);
    }
}

struct sample {
    struct hs_infer_column cols[HS_MAX_COLUMNS];
    long records, unused;
    size_t longest;
    char first_unused[300];
};

static void feed_record(struct sample *sm, const struct hs_item *it, const struct hs_layout *l,
                        bool comma)
{
    const struct hs_value *v = hs_item_cvalues(it);
    const char *text = hs_item_text(it, l->ncols);
    for (int c = 0; c < l->ncols; c++)
        hs_infer_feed(&sm->cols[c], text + v[c].off, v[c].len == HS_VALUE_NULL ? 0 : v[c].len,
                      comma);
}

static void note_unused(struct sample *sm, const struct hs_csv_source *src, const char *why)
{
    if (sm->unused++ == 0)
        snprintf(sm->first_unused, sizeof sm->first_unused, "line %llu: %s",
                 (unsigned long long)src->record_line, why);
}

static int read_sample(struct hs_csv_source *src, const struct hs_layout *l, struct sample *sm,
                       char *err, size_t errlen)
{
    struct hs_item *it = malloc(l->slot_size);
    char why[HS_REASON_MAX];
    ssize_t n;
    bool comma = src->header.delimiter != ',';
    if (it == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    while (sm->records < HS_INFER_SAMPLE && (n = hs_csv_source_next(src, false)) != -1) {
        if (n >= 0 && strspn(src->buf, " \t\r") == (size_t)n)
            continue;
        sm->records++;
        if (n >= 0 && (size_t)n > sm->longest)
            sm->longest = (size_t)n;
        if (n < 0)
            note_unused(sm, src, n == HS_CSV_BAD_LINE ? src->why : "cannot be read");
        else if (hs_csv_parse_record(src->buf, (size_t)n, &src->header, l, it, why, sizeof why))
            note_unused(sm, src, why);
        else
            feed_record(sm, it, l, comma);
    }
    free(it);
    return 0;
}

/* The configuration's and PostgreSQL's limits, from the longest record:
 * twice it, a power of two, at least the default. */
static int row_bytes_for(size_t longest)
{
    size_t want = 1024;
    while (want < 2 * longest && want < (1u << 24))
        want *= 2;
    return (int)want;
}

static void settle_types(struct hs_schema *s, const struct sample *sm)
{
    for (int c = 0; c < s->ncols; c++) {
        s->cols[c].type = hs_infer_type(&sm->cols[c]);
        s->cols[c].nullable = sm->cols[c].nullable;
    }
    s->max_row_bytes = row_bytes_for(sm->longest);
}

/* A string as libconfuse reads it back: quoted, '"' and '\' escaped. */
static void put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void print_column(FILE *out, const struct hs_column *col)
{
    char type[64];
    hs_type_sql(col, type, sizeof type);
    fputs("    column ", out);
    put_quoted(out, col->name);
    fprintf(out, " { type = \"%s\"", type);
    if (strcasecmp(col->header, col->name) != 0) {
        fputs(" header = ", out);
        put_quoted(out, col->header);
    }
    fputs(col->nullable ? " nullable = true }\n" : " }\n", out);
}

static void print_section(FILE *out, const char *path, const struct hs_schema *s,
                          const struct sample *sm)
{
    fprintf(out, "# housingsup infer %s: %ld records read", path, sm->records);
    if (sm->unused > 0)
        fprintf(out, ", %ld not used (the first, %s)", sm->unused, sm->first_unused);
    fputs("\ntable {\n    name = ", out);
    put_quoted(out, s->table);
    fprintf(out, "\n    max_row_bytes = %d\n", s->max_row_bytes);
    for (int c = 0; c < s->ncols; c++)
        print_column(out, &s->cols[c]);
    fputs("}\n", out);
}

static int print_sql(FILE *out, const struct hs_schema *s, char *err, size_t errlen)
{
    struct hs_buf sql = {0};
    hs_pg_schema_sql(s, &sql);
    if (hs_buf_failed(&sql)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fprintf(out, "\n-- What housingsup creates when the table is missing (table.create = true):\n"
                 "%.*s\n", (int)sql.len, sql.data);
    hs_buf_free(&sql);
    return 0;
}

static int infer_from(const char *path, struct hs_schema *s, FILE *out, char *err,
                      size_t errlen)
{
    static struct hs_csv_source src;
    static struct sample sm;
    struct hs_csv_format f;
    struct hs_layout l;
    hs_layout_of(s, &l);
    if (hs_csv_format_from("auto", "auto", "auto", "true", s, &f, err, errlen) != 0)
        return -1;
    if (hs_csv_source_open(&src, path, "infer", 0, &f, false, err, errlen) != HS_CSV_OPENED) {
        hs_csv_source_close(&src);
        return -1;
    }
    memset(&sm, 0, sizeof sm);
    for (int c = 0; c < s->ncols; c++)
        hs_infer_column_init(&sm.cols[c]);
    int rc = read_sample(&src, &l, &sm, err, errlen);
    hs_csv_source_close(&src);
    if (rc != 0)
        return -1;
    settle_types(s, &sm);
    name_columns(s);
    print_section(out, path, s, &sm);
    return print_sql(out, s, err, errlen);
}

int hs_infer(const char *path, const char *table, FILE *out, char *err, size_t errlen)
{
    static struct hs_schema s;
    char line[HS_CSV_LINE_MAX / 16], name[HS_TABLE_NAME_MAX];
    table_name(path, table, name, sizeof name);
    if (first_line(path, line, sizeof line, err, errlen) != 0 ||
        provisional_schema(line, header_delimiter(line, strlen(line)), name, &s, err, errlen))
        return -1;
    return infer_from(path, &s, out, err, errlen);
}
