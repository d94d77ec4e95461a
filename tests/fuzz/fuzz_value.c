/*
 * fuzz_value.c - libFuzzer target for the typed value codec (workers/value.c).
 *
 * The input's first byte picks a column type, the second the options
 * (decimal comma, nullable, a text area of 8 bytes only); the rest is the
 * text. Oracles: the sanitizers; a refusal leaves the text area as it was
 * and says why in one line of valid UTF-8; a value read is written as text,
 * JSON and binary COPY, and its text and JSON forms read back to the very
 * same value, bit for bit.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/utf8.h"
#include "../../workers/value.h"

static const char *const types[] = {
    "smallint", "integer", "bigint", "real", "double precision", "numeric", "numeric(5,2)",
    "numeric(1000,999)", "boolean", "text", "varchar(3)", "date", "timestamp", "timestamptz", "uuid",
};
#define NTYPES (sizeof types / sizeof types[0])

static char area[1 << 16], again_area[1 << 16];

static void check_refusal(const char *err, const struct hs_text *text, uint32_t used)
{
    size_t n = strnlen(err, 256);
    if (n == 0 || n == 256 || text->used != used || hs_utf8_invalid_at(err, n) != n ||
        memchr(err, '\n', n) != NULL)
        __builtin_trap();
}

/* s (a JSON string) without its quotes and escapes, in out. */
static size_t json_unquote(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] != '\\') {
            out[o++] = s[i];
        } else if (s[++i] == 'u') {
            out[o++] = (char)strtol((char[]){s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0}, NULL, 16);
            i += 4;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

static bool same(const struct hs_column *c, const struct hs_value *a, const struct hs_value *b)
{
    if (hs_type_uses_text(c->type))
        return a->len == b->len && memcmp(area + a->off, again_area + b->off, a->len) == 0;
    return a->len == b->len && memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

/* s[0..n) must read back as v. */
static void reads_back(const struct hs_column *c, const struct hs_value *v, const char *s, size_t n)
{
    struct hs_text text = {again_area, 0, sizeof again_area};
    struct hs_value again;
    char err[256];
    if (hs_value_parse(c, s, n, false, &again, &text, err, sizeof err) != 0 || !same(c, v, &again))
        __builtin_trap();
}

static void check_value(const struct hs_column *c, const struct hs_value *v)
{
    static char plain[1 << 17];
    struct hs_buf b = {0};
    hs_value_copy(&b, c, v, area);
    hs_buf_reset(&b);
    if (v->len != HS_VALUE_NULL) {
        hs_value_text(&b, c, v, area);
        if (!hs_buf_failed(&b))
            reads_back(c, v, b.data, b.len);
        hs_buf_reset(&b);
    }
    hs_value_json(&b, c, v, area);
    if (!hs_buf_failed(&b) && v->len != HS_VALUE_NULL) {
        if (b.data[0] == '"')
            reads_back(c, v, plain, json_unquote(b.data, b.len, plain));
        else
            reads_back(c, v, b.data, b.len);
    }
    hs_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hs_column columns[NTYPES];
    char err[256];
    if (columns[0].type == 0)
        for (size_t t = 0; t < NTYPES; t++)
            if (hs_type_parse(types[t], &columns[t], err, sizeof err) != 0)
                __builtin_trap();
    if (size < 2)
        return 0;
    struct hs_column c = columns[data[0] % NTYPES];
    memcpy(c.name, "v", 2);
    c.nullable = data[1] & 2;
    struct hs_text text = {area, 0, data[1] & 4 ? 8 : sizeof area};
    struct hs_value v;
    err[0] = '\0';
    if (hs_value_parse(&c, (const char *)data + 2, size - 2, data[1] & 1, &v, &text, err,
                       sizeof err) != 0)
        check_refusal(err, &text, 0);
    else
        check_value(&c, &v);
    return 0;
}
