/*
 * json.c - see json.h. Encoding is by hand (the format is fixed and flat);
 * decoding uses jsmn in strict mode, then walks the token array once.
 */
#include "json.h"
#include "decimal.h"
#include "utf8.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS /* a comma finds its container without scanning back */
#include <jsmn.h>

#define MAX_DEPTH 64
#define FIRST_TOKENS 256 /* grown to the most a message has needed */

/* ---- encoding ---- */

static void put_string(struct hs_buf *out, const char *s, size_t n)
{
    hs_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            hs_buf_append(out, esc, 2);
        } else if (c >= 0x80 && hs_utf8_sequence(s + i, n - i) > 0) {
            /* a whole UTF-8 character (a transcoded file's text): as it is */
            size_t len = hs_utf8_sequence(s + i, n - i);
            hs_buf_append(out, s + i, len);
            i += len - 1;
        } else if (c < 0x20 || c >= 0x7f) {
            /* Any other byte of raw input (not UTF-8): as \u00XX the message
             * stays valid JSON whatever the input's encoding was. */
            hs_buf_printf(out, "\\u%04x", c);
        } else {
            hs_buf_append(out, (const char *)&c, 1);
        }
    }
    hs_buf_append(out, "\"", 1);
}

/* The keys of a table's columns, each as ",\"name\":", one after the other. */
static void put_keys(struct hs_buf *keys, const struct hs_schema *s, uint32_t *at)
{
    for (int c = 0; c < s->ncols; c++) {
        at[c] = (uint32_t)keys->len;
        hs_buf_puts(keys, ",");
        put_string(keys, s->cols[c].name, strlen(s->cols[c].name));
        hs_buf_puts(keys, ":");
    }
    at[s->ncols] = (uint32_t)keys->len;
}

static void put_row(struct hs_buf *out, const struct hs_item *it, const struct hs_layout *l,
                    const struct hs_buf *keys, const uint32_t *at)
{
    const struct hs_value *v = hs_item_cvalues(it);
    const char *text = hs_item_text(it, l->ncols);
    for (int c = 0; c < l->ncols; c++) {
        hs_buf_append(out, keys->data + at[c], at[c + 1] - at[c]);
        hs_value_json(out, &l->schema->cols[c], &v[c], text);
    }
}

static void put_dead(struct hs_buf *out, const struct hs_item *it)
{
    const struct hs_dead_letter *d = hs_item_cdead(it);
    hs_buf_puts(out, ",\"_error\":");
    put_string(out, d->reason, strnlen(d->reason, HS_REASON_MAX));
    hs_buf_puts(out, ",\"_raw\":");
    put_string(out, d->raw, d->raw_len);
}

static void put_object(struct hs_buf *out, const struct hs_item *it, const struct hs_layout *l,
                       const struct hs_buf *keys, const uint32_t *at)
{
    hs_buf_puts(out, "{\"_line\":");
    hs_buf_uint(out, it->line);
    hs_buf_puts(out, ",\"_ts\":");
    hs_buf_int(out, it->read_us);
    if (it->kind == HS_ITEM_ROW)
        put_row(out, it, l, keys, at);
    else
        put_dead(out, it);
    hs_buf_append(out, "}", 1);
}

size_t hs_json_encode(struct hs_buf *out, const struct hs_item *const *items, size_t n,
                      const struct hs_layout *l, size_t limit)
{
    static uint32_t at[HS_MAX_COLUMNS + 1];
    struct hs_buf keys = {0};
    size_t done = 0;
    put_keys(&keys, l->schema, at);
    hs_buf_append(out, "[", 1);
    for (; done < n; done++) {
        size_t before = out->len;
        if (done > 0)
            hs_buf_append(out, ",", 1);
        put_object(out, items[done], l, &keys, at);
        if (done > 0 && out->len + 1 > limit) {
            out->len = before; /* it goes in the next message */
            break;
        }
    }
    hs_buf_append(out, "]", 1);
    hs_buf_free(&keys);
    return done;
}

/* The longest JSON a value not kept as text takes: a quoted timestamptz
 * ("-infinity" aside, 32 characters) or a float in its shortest form. */
#define VALUE_MAX 40

size_t hs_json_object_max(const struct hs_layout *l)
{
    /* every value's text or number at its longest: 6 bytes per byte escaped */
    size_t row = HS_JSON_HEAD_MAX + 1 + 6 * (size_t)l->text_cap;
    for (int c = 0; c < l->ncols; c++)
        row += 6 * strlen(l->schema->cols[c].name) + 4 + VALUE_MAX;
    size_t dead = HS_JSON_HEAD_MAX + sizeof ",\"_error\":\"\",\"_raw\":\"\"" - 1 +
                  6 * ((size_t)HS_REASON_MAX + l->raw_cap) + 1;
    return row > dead ? row : dead;
}

/* ---- decoding ---- */

struct object_fields {
    int next_column;        /* where to look first: writers send columns in order */
    const jsmntok_t *error, *raw;
    long long line, ts;
    struct hs_text text;    /* the item's text area */
};

/* Index of the token after the subtree rooted at t[i], never beyond n.
 * In jsmn every token is followed by its `size` children (an object's keys,
 * each key by its value, an array's elements), so counting what is still
 * owed walks the subtree without recursion: a deeply nested message cannot
 * exhaust the stack, and a malformed one cannot walk off the end. */
static int skip(const jsmntok_t *t, int i, int n)
{
    long owed = 1;
    while (owed > 0 && i < n) {
        owed += t[i].size - 1;
        i++;
    }
    return i;
}

static int token_is(const char *msg, const jsmntok_t *t, const char *word)
{
    size_t n = (size_t)(t->end - t->start);
    return strlen(word) == n && strncasecmp(msg + t->start, word, n) == 0;
}

/* The value of the 4 hex digits at s, or -1 when one is not a hex digit. */
static long hex4(const char *s)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* Writes cp (at most U+10FFFF, not a surrogate) as 1-4 bytes of UTF-8. */
static size_t put_utf8(char *dst, unsigned long cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    size_t len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t k = len - 1; k > 0; k--, cp >>= 6)
        dst[k] = (char)(0x80 | (cp & 0x3f));
    dst[0] = (char)(lead[len] | cp);
    return len;
}

/* Decodes the \u escape whose 'u' is msg[*i] into dst (at most 4 bytes) and
 * leaves *i on its last character. The output must stay valid UTF-8 for a
 * text column: a high surrogate followed by a \u low one is one code point;
 * a surrogate without its partner, and \u0000 (PostgreSQL text holds no NUL),
 * become U+FFFD. So does a \u without 4 hex digits (jsmn refuses those in
 * strict mode; this is a second line), whose next characters then read as
 * plain text. */
static size_t unicode_escape(const char *msg, int *i, int end, char *dst)
{
    long cp = *i + 4 < end ? hex4(msg + *i + 1) : -1;
    if (cp < 0)
        return put_utf8(dst, 0xfffd);
    *i += 4;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        const char *next = msg + *i + 1; /* a "\uDC00".."\uDFFF" here completes the pair */
        long low = *i + 6 < end && next[0] == '\\' && next[1] == 'u' ? hex4(next + 2) : -1;
        if (low < 0xdc00 || low > 0xdfff)
            return put_utf8(dst, 0xfffd);
        *i += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff)) {
        cp = 0xfffd;
    }
    return put_utf8(dst, (unsigned long)cp);
}

/* Copies a token's text (unescaped when it is a string) into dst. Every
 * step writes at most 4 bytes, so the bound leaves room for them and the
 * final NUL. */
static size_t token_text(const char *msg, const jsmntok_t *t, char *dst, size_t cap)
{
    size_t n = 0;
    for (int i = t->start; i < t->end && n + 4 < cap; i++) {
        char c = msg[i];
        if (t->type == JSMN_STRING && c == '\\' && i + 1 < t->end) {
            char e = msg[++i];
            if (e == 'u') {
                n += unicode_escape(msg, &i, t->end, dst + n);
                continue;
            }
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b'
              : e == 'f' ? '\f' : e;
        }
        dst[n++] = c;
    }
    dst[n] = '\0';
    return n;
}

static int token_number(const char *msg, const jsmntok_t *t, double *out)
{
    char text[64];
    if (t->type == JSMN_PRIMITIVE && hs_plain_decimal(msg + t->start, msg + t->end, out) == 0)
        return 0;
    if (t->type != JSMN_PRIMITIVE && t->type != JSMN_STRING)
        return -1;
    if (t->end - t->start >= (int)sizeof text - 4)
        return -1;
    token_text(msg, t, text, sizeof text);
    char *end;
    *out = strtod(text, &end);
    return (end == text || *end != '\0' || !isfinite(*out)) ? -1 : 0;
}

static void make_dead(struct hs_json_decoder *d, const char *msg, const jsmntok_t *obj,
                      const char *reason)
{
    hs_item_dead_letter(d->item, d->layout, reason, msg + obj->start,
                        (size_t)(obj->end - obj->start));
}

/* The column a key names (any case), or -1; tries `hint` first. */
static int column_of(const struct hs_schema *s, const char *msg, const jsmntok_t *key, int hint)
{
    if (hint < s->ncols && (token_is(msg, key, s->cols[hint].name) ||
                            token_is(msg, key, s->cols[hint].header)))
        return hint;
    return hs_schema_find(s, msg + key->start, (size_t)(key->end - key->start));
}

/* A JSON value as the text hs_value_parse reads: a string unescaped (into
 * the decoder's buffer), anything else as it is. */
static const char *value_text(struct hs_json_decoder *d, const char *msg, const jsmntok_t *t,
                              size_t *len)
{
    size_t need = (size_t)(t->end - t->start) + 5;
    if (t->type != JSMN_STRING) {
        *len = (size_t)(t->end - t->start);
        return msg + t->start;
    }
    if (need > d->unescaped_cap) {
        char *grown = realloc(d->unescaped, need);
        if (grown == NULL)
            return NULL;
        d->unescaped = grown;
        d->unescaped_cap = need;
    }
    *len = token_text(msg, t, d->unescaped, need);
    return d->unescaped;
}

static int read_value(struct hs_json_decoder *d, const char *msg, const jsmntok_t *val, int c,
                      struct object_fields *f, char *why, size_t whylen)
{
    const struct hs_column *col = &d->layout->schema->cols[c];
    struct hs_value *v = &hs_item_values(d->item)[c];
    size_t len;
    d->have[c] = 1;
    f->next_column = c + 1 < d->layout->ncols ? c + 1 : 0;
    if (val->type == JSMN_PRIMITIVE && msg[val->start] == 'n') /* null */
        return hs_value_null(col, v, why, whylen);
    if (val->type != JSMN_PRIMITIVE && val->type != JSMN_STRING) {
        snprintf(why, whylen, "%s is not a single value", col->name);
        return -1;
    }
    const char *text = value_text(d, msg, val, &len);
    if (text == NULL) {
        snprintf(why, whylen, "%s: out of memory", col->name);
        return -1;
    }
    return hs_value_parse(col, text, len, false, v, &f->text, why, whylen);
}

static int read_field(struct hs_json_decoder *d, const char *msg, const jsmntok_t *key,
                      const jsmntok_t *val, struct object_fields *f, char *why, size_t whylen)
{
    double v;
    int c = msg[key->start] == '_' ? -1 : column_of(d->layout->schema, msg, key, f->next_column);
    if (c >= 0)
        return read_value(d, msg, val, c, f, why, whylen);
    if (token_is(msg, key, "_error")) {
        f->error = val;
        return 0;
    }
    if (token_is(msg, key, "_raw")) {
        f->raw = val;
        return 0;
    }
    int is_line = token_is(msg, key, "_line"), is_ts = token_is(msg, key, "_ts");
    if (is_line || is_ts) {
        /* 2^53: every integer below is exact in a double, and fits a long long */
        if (token_number(msg, val, &v) != 0 || v < 0 || v != floor(v) || v >= 9007199254740992.0) {
            snprintf(why, whylen, "%s is not an integer in [0, 2^53)", is_line ? "_line" : "_ts");
            return -1;
        }
        *(is_line ? &f->line : &f->ts) = (long long)v;
        return 0;
    }
    return 0; /* unknown keys are ignored, as extra CSV columns are */
}

/* Columns the object did not name: NULL where they may be. */
static void fill_missing(struct hs_json_decoder *d, char *why, size_t whylen)
{
    const struct hs_schema *s = d->layout->schema;
    struct hs_value *v = hs_item_values(d->item);
    for (int c = 0; c < s->ncols && why[0] == '\0'; c++)
        if (!d->have[c] && hs_value_null(&s->cols[c], &v[c], why, whylen) != 0)
            snprintf(why, whylen, "%s is missing", s->cols[c].name);
}

/* A dead letter produced upstream: its own reason and raw text. */
static void take_dead(struct hs_json_decoder *d, const char *msg, const struct object_fields *f)
{
    struct hs_dead_letter *dead = hs_item_dead(d->item);
    d->item->kind = HS_ITEM_DEAD;
    token_text(msg, f->error, dead->reason, HS_REASON_MAX);
    dead->raw_len = f->raw ? (uint32_t)token_text(msg, f->raw, dead->raw, d->layout->raw_cap)
                           : 0;
    d->item->body_len = (uint32_t)offsetof(struct hs_dead_letter, raw) + dead->raw_len;
}

/* Turns the object at tokens[i] into d->item. Returns the next token index. */
static int decode_object(struct hs_json_decoder *d, const char *msg, const jsmntok_t *t, int i,
                         int n, int position, bool *has_line)
{
    struct object_fields f = {.line = -1};
    char why[HS_REASON_MAX] = "";
    const jsmntok_t *obj = &t[i];
    int end = skip(t, i, n);
    memset(d->have, 0, (size_t)d->layout->ncols);
    hs_item_row(d->item, d->layout, &f.text);
    if (obj->type != JSMN_OBJECT) {
        d->item->line = (uint64_t)position;
        make_dead(d, msg, obj, "array element is not an object");
        return end;
    }
    int k = i + 1;
    for (int pair = 0; pair < obj->size && why[0] == '\0'; pair++) {
        if (k + 1 >= end || t[k].type != JSMN_STRING || t[k].size != 1) {
            snprintf(why, sizeof why, "malformed object (a key without a value)");
            break;
        }
        read_field(d, msg, &t[k], &t[k + 1], &f, why, sizeof why);
        k = skip(t, k, end); /* the key and its value */
    }
    d->item->line = f.line >= 0 ? (uint64_t)f.line : (uint64_t)position;
    *has_line = f.line >= 0;
    d->item->read_us = f.ts > 0 ? f.ts : 0;
    if (f.error == NULL && why[0] == '\0')
        fill_missing(d, why, sizeof why);
    if (f.error != NULL && why[0] == '\0')
        take_dead(d, msg, &f);
    else if (why[0] != '\0')
        make_dead(d, msg, obj, why);
    else
        hs_item_row_done(d->item, d->layout, &f.text);
    return end;
}

/* jsmn (with parent links) parses deep nesting in linear time, but the
 * format is two levels deep: a container more than MAX_DEPTH levels down is
 * refused. Walking up from each container stops after MAX_DEPTH steps, so
 * the check is linear too. */
static int too_deep(const jsmntok_t *t, int n)
{
    for (int i = 0; i < n; i++) {
        if (t[i].type != JSMN_OBJECT && t[i].type != JSMN_ARRAY)
            continue;
        int depth = 1;
        for (int up = t[i].parent; up >= 0; up = t[up].parent)
            if (t[up].type != JSMN_STRING && ++depth > MAX_DEPTH) /* a key is no level */
                return 1;
    }
    return 0;
}

/* Why jsmn refused the message: a bad character or a truncation, which its
 * counting pass finds, else a bracket out of place at byte `pos`. */
static void describe_refusal(const char *msg, size_t len, unsigned pos, char *err,
                             size_t errlen)
{
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, msg, len, NULL, 0);
    if (n < 0)
        snprintf(err, errlen, "invalid JSON (%s at byte %u)",
                 n == JSMN_ERROR_PART ? "truncated" : "bad character", p.pos);
    else
        snprintf(err, errlen, "invalid JSON (bad structure at byte %u)", pos);
}

/* Makes room for all of the message's tokens: counts them (a second pass,
 * only when the message has more tokens than any before it). */
static int grow_tokens(struct hs_json_decoder *d, const char *msg, size_t len, char *err,
                       size_t errlen)
{
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, msg, len, NULL, 0);
    if (n < 0)
        return 0; /* refused: describe_refusal says why */
    void *grown = realloc(d->tokens, (size_t)n * sizeof(jsmntok_t));
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory for %d JSON tokens", n);
        return -1;
    }
    d->tokens = grown;
    d->cap = (unsigned)n;
    return 0;
}

/* One pass of jsmn into the tokens kept from earlier messages. */
static int tokenize(struct hs_json_decoder *d, const char *msg, size_t len, char *err,
                    size_t errlen)
{
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, msg, len, d->tokens, d->cap);
    if (n == JSMN_ERROR_NOMEM) {
        if (grow_tokens(d, msg, len, err, errlen) != 0)
            return -1;
        jsmn_init(&p);
        n = jsmn_parse(&p, msg, len, d->tokens, d->cap);
    }
    if (n < 0) {
        describe_refusal(msg, len, p.pos, err, errlen);
        return -1;
    }
    if (too_deep(d->tokens, n)) {
        snprintf(err, errlen, "invalid JSON (nested deeper than %d levels)", MAX_DEPTH);
        return -1;
    }
    return n;
}

int hs_json_decode(struct hs_json_decoder *d, const char *msg, size_t len, const char *src,
                   const char *position, hs_json_item_fn fn, void *ctx, char *err, size_t errlen)
{
    int ntok = tokenize(d, msg, len, err, errlen);
    if (ntok < 0)
        return -1;
    const jsmntok_t *t = d->tokens;
    if (ntok == 0 || t[0].type != JSMN_ARRAY) {
        snprintf(err, errlen, "message is not a JSON array of objects");
        return -1;
    }
    if (skip(t, 0, ntok) != ntok) {
        snprintf(err, errlen, "invalid JSON (data after the array)");
        return -1;
    }
    int i = 1;
    size_t src_len = src ? strnlen(src, sizeof d->item->src - 1) : 0;
    size_t position_len = strnlen(position, sizeof d->item->src - 1);
    for (int k = 0; k < t[0].size; k++) {
        memset(d->item, 0, offsetof(struct hs_item, body));
        if (i >= ntok) {
            snprintf(err, errlen, "invalid JSON (malformed array)");
            return -1;
        }
        bool own_line = false;
        i = decode_object(d, msg, t, i, ntok, k + 1, &own_line);
        if (src == NULL || !own_line)
            d->item->line = (uint64_t)k + 1;
        bool own = src != NULL && own_line;
        memcpy(d->item->src, own ? src : position, own ? src_len : position_len);
        d->item->src[own ? src_len : position_len] = '\0';
        if (fn(d->item, ctx) != 0)
            return -2;
    }
    return t[0].size;
}

int hs_json_decoder_init(struct hs_json_decoder *d, const struct hs_layout *l)
{
    /* never NULL: jsmn given no tokens only counts them */
    *d = (struct hs_json_decoder){.layout = l, .cap = FIRST_TOKENS};
    d->tokens = malloc(FIRST_TOKENS * sizeof(jsmntok_t));
    d->item = malloc(l->slot_size);
    d->have = malloc((size_t)l->ncols);
    return d->tokens != NULL && d->item != NULL && d->have != NULL ? 0 : -1;
}

void hs_json_decoder_free(struct hs_json_decoder *d)
{
    free(d->tokens);
    free(d->item);
    free(d->have);
    free(d->unescaped);
    *d = (struct hs_json_decoder){0};
}
