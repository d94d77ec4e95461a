/*
 * pg_copy.c - see pg_copy.h. The format: a fixed signature, flags and an
 * empty header extension; per row a 16-bit field count and, per field, a
 * 32-bit length (-1 for NULL) and the value in network byte order; a 16-bit
 * -1 at the end.
 */
#include "pg_copy.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define NFIELDS (HS_NCOLS + 3)

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

void hs_copy_row(struct hs_buf *b, const struct hs_item *row)
{
    put_u16(b, NFIELDS);
    for (int c = 0; c < HS_NCOLS; c++) {
        if (hs_column_is_integer(c)) {
            put_u32(b, 4);
            put_u32(b, (uint32_t)(int32_t)row->u.values[c]);
        } else {
            uint64_t bits;
            memcpy(&bits, &row->u.values[c], sizeof bits);
            put_u32(b, 8);
            put_u64(b, bits);
        }
    }
    char src[HS_SRC_MAX];
    size_t n = strnlen(row->src, HS_SRC_MAX - 1);
    memcpy(src, row->src, n);
    hs_utf8_sanitize(src, n);
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

void hs_copy_json_row(struct hs_buf *b, const struct hs_item *row)
{
    static const char *const keys[HS_NCOLS] = {
        "{\"crim\":", ",\"zn\":", ",\"indus\":", ",\"chas\":", ",\"nox\":", ",\"rm\":",
        ",\"age\":", ",\"dis\":", ",\"rad\":", ",\"tax\":", ",\"ptratio\":", ",\"b\":",
        ",\"lstat\":", ",\"medv\":"};
    for (int c = 0; c < HS_NCOLS; c++) {
        hs_buf_puts(b, keys[c]);
        hs_buf_double(b, row->u.values[c]);
    }
    char src[HS_SRC_MAX];
    size_t n = strnlen(row->src, HS_SRC_MAX - 1);
    memcpy(src, row->src, n);
    hs_utf8_sanitize(src, n);
    hs_buf_puts(b, ",\"src_file\":");
    hs_buf_json_string(b, src, n);
    hs_buf_printf(b, ",\"src_line\":%llu,\"read_us\":", (unsigned long long)row->line);
    if (row->read_us > 0)
        hs_buf_printf(b, "%lld}", (long long)row->read_us);
    else
        hs_buf_puts(b, "null}");
}

void hs_copy_csv_values(struct hs_buf *b, const struct hs_item *row)
{
    for (int c = 0; c < HS_NCOLS; c++) {
        if (c > 0)
            hs_buf_append(b, ",", 1);
        hs_buf_double(b, row->u.values[c]);
    }
}
