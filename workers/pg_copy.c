/*
 * pg_copy.c - see pg_copy.h. The format: a fixed signature, flags and an
 * empty header extension; per row a 16-bit field count and, per field, a
 * 32-bit length (-1 for NULL) and the value in network byte order; a 16-bit
 * -1 at the end.
 */
#include "pg_copy.h"
#include "pg_schema.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>


static void put_u16(struct hs_buf *b, uint16_t v)
{
    v = htons(v);
    hs_buf_append(b, (const char *)&v, 2);
}

static void put_u32(struct hs_buf *b, uint32_t v)
{
    v = htonl(v);
    hs_buf_append(b, (const char *)&v, 4);
}

static void put_u64(struct hs_buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)(v >> 32));
    put_u32(b, (uint32_t)v);
}

void hs_copy_begin(struct hs_buf *b)
{
    hs_buf_append(b, "PGCOPY\n\377\r\n\0", 11);
    put_u32(b, 0); /* flags */
    put_u32(b, 0); /* header extension length */
}

void hs_copy_columns(struct hs_buf *b, const struct hs_schema *s)
{
    hs_pg_columns(b, s, "");
    hs_buf_puts(b, ", src_file, src_line, read_us");
}

/* The source's name as text: cut within its array, valid UTF-8. */
static size_t source_text(const struct hs_item *row, char *src)
{
    size_t n = strnlen(row->src, HS_SRC_MAX - 1);
    memcpy(src, row->src, n);
    hs_utf8_sanitize(src, n);
    return n;
}

void hs_copy_row(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l)
{
    const struct hs_value *v = hs_item_cvalues(row);
    const char *text = hs_item_text(row, l->ncols);
    put_u16(b, (uint16_t)(l->ncols + 3));
    for (int c = 0; c < l->ncols; c++)
        hs_value_copy(b, &l->schema->cols[c], &v[c], text);
    char src[HS_SRC_MAX];
    size_t n = source_text(row, src);
    put_u32(b, (uint32_t)n);
    hs_buf_append(b, src, n);
    put_u32(b, 8);
    put_u64(b, row->line);
    if (row->read_us > 0) {
        put_u32(b, 8);
        put_u64(b, (uint64_t)row->read_us);
    } else {
        put_u32(b, UINT32_MAX); /* -1: NULL */
    }
}

void hs_copy_end(struct hs_buf *b) { put_u16(b, UINT16_MAX); }

void hs_copy_json_row(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l)
{
    const struct hs_value *v = hs_item_cvalues(row);
    const char *text = hs_item_text(row, l->ncols);
    for (int c = 0; c < l->ncols; c++) {
        const char *name = l->schema->cols[c].name;
        hs_buf_puts(b, c == 0 ? "{" : ",");
        hs_buf_json_string(b, name, strlen(name));
        hs_buf_puts(b, ":");
        hs_value_json(b, &l->schema->cols[c], &v[c], text);
    }
    char src[HS_SRC_MAX];
    size_t n = source_text(row, src);
    hs_buf_puts(b, ",\"src_file\":");
    hs_buf_json_string(b, src, n);
    hs_buf_printf(b, ",\"src_line\":%llu,\"read_us\":", (unsigned long long)row->line);
    if (row->read_us > 0)
        hs_buf_printf(b, "%lld}", (long long)row->read_us);
    else
        hs_buf_puts(b, "null}");
}

/* One value as a CSV field: quoted when it holds a comma, a quote or a line
 * break, its quotes doubled. */
static void csv_field(struct hs_buf *b, const char *s, size_t n)
{
    if (strcspn(s, ",\"\r\n") >= n) {
        hs_buf_append(b, s, n);
        return;
    }
    hs_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++)
        hs_buf_append(b, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
    hs_buf_append(b, "\"", 1);
}

void hs_copy_csv_values(struct hs_buf *b, const struct hs_item *row, const struct hs_layout *l)
{
    const struct hs_value *v = hs_item_cvalues(row);
    const char *text = hs_item_text(row, l->ncols);
    struct hs_buf one = {0};
    for (int c = 0; c < l->ncols; c++) {
        hs_buf_reset(&one);
        hs_value_text(&one, &l->schema->cols[c], &v[c], text);
        hs_buf_append(&one, "", 1); /* a NUL, for strcspn */
        if (c > 0)
            hs_buf_append(b, ",", 1);
        if (!hs_buf_failed(&one))
            csv_field(b, one.data, one.len - 1);
    }
    hs_buf_free(&one);
}

/* ---- the statements that read rows back as JSON ---- */

/* json_populate_record reads a row of the table from each element of $1. */
static void input_rows(struct hs_buf *b, const struct hs_schema *s)
{
    hs_buf_puts(b, "json_array_elements($1::json) WITH ORDINALITY AS e(j, ord), "
                   "LATERAL json_populate_record(NULL::");
    hs_pg_identifier(b, s->table);
    hs_buf_puts(b, ", e.j) AS i");
}

char *hs_copy_insert_sql(const struct hs_schema *s)
{
    struct hs_buf b = {0};
    hs_buf_puts(&b, "INSERT INTO ");
    hs_pg_identifier(&b, s->table);
    hs_buf_puts(&b, " (");
    hs_copy_columns(&b, s);
    hs_buf_puts(&b, ") SELECT ");
    hs_copy_columns(&b, s);
    hs_buf_puts(&b, " FROM json_populate_recordset(NULL::");
    hs_pg_identifier(&b, s->table);
    hs_buf_puts(&b, ", $1::json) ON CONFLICT (src_file, src_line) DO NOTHING");
    return hs_buf_take_string(&b);
}

char *hs_copy_collisions_sql(const struct hs_schema *s)
{
    struct hs_buf b = {0};
    hs_buf_puts(&b, "SELECT e.ord, h.id FROM ");
    input_rows(&b, s);
    hs_buf_puts(&b, " JOIN ");
    hs_pg_identifier(&b, s->table);
    hs_buf_puts(&b, " h ON h.src_file = i.src_file AND h.src_line = i.src_line WHERE (");
    hs_pg_columns(&b, s, "h.");
    hs_buf_puts(&b, ") IS DISTINCT FROM (");
    hs_pg_columns(&b, s, "i.");
    hs_buf_puts(&b, ")");
    return hs_buf_take_string(&b);
}
