/*
 * buf.c - see buf.h.
 */
#include "buf.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hs_buf_reset(struct hs_buf *b)
{
    b->len = 0;
    b->failed = false;
}

void hs_buf_free(struct hs_buf *b)
{
    free(b->data);
    *b = (struct hs_buf){0};
}

char *hs_buf_take_string(struct hs_buf *b)
{
    hs_buf_append(b, "", 1);
    char *s = b->failed ? NULL : b->data;
    if (s == NULL)
        free(b->data);
    *b = (struct hs_buf){0};
    return s;
}

static bool reserve(struct hs_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void hs_buf_append(struct hs_buf *b, const char *bytes, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hs_buf_puts(struct hs_buf *b, const char *s) { hs_buf_append(b, s, strlen(s)); }

void hs_buf_printf(struct hs_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        hs_buf_append(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hs_buf_uint(struct hs_buf *b, unsigned long long u)
{
    char text[24], *end = text + sizeof text, *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    hs_buf_append(b, p, (size_t)(end - p));
}

void hs_buf_int(struct hs_buf *b, long long v)
{
    if (v < 0)
        hs_buf_append(b, "-", 1);
    /* the magnitude in unsigned arithmetic: -LLONG_MIN does not fit a long long */
    hs_buf_uint(b, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
}

/* Appends the decimal r / 10^k (|r| < 10^15, 0 <= k <= 8) without printf. */
static void put_scaled(struct hs_buf *b, long long r, int k)
{
    char text[32], *end = text + sizeof text, *p = end;
    bool negative = r < 0;
    unsigned long long u = negative ? (unsigned long long)-r : (unsigned long long)r;
    for (int digits = 0; digits < k || u > 0 || digits == k; digits++) {
        if (digits == k && k > 0)
            *--p = '.';
        *--p = (char)('0' + u % 10);
        u /= 10;
        if (digits >= k && u == 0)
            break;
    }
    if (negative)
        *--p = '-';
    hs_buf_append(b, p, (size_t)(end - p));
}

void hs_buf_double(struct hs_buf *b, double v)
{
    /* Fast path for the common case, a value with few decimals: if r / 10^k
     * equals v, the decimal text of r / 10^k reads back as exactly v (the
     * division of two exact integers is correctly rounded, as strtod is), and
     * trying k upwards finds the shortest such text. */
    static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    if (v == 0) {
        hs_buf_append(b, signbit(v) ? "-0" : "0", signbit(v) ? 2 : 1);
        return;
    }
    for (int k = 0; k <= 8 && fabs(v) < 1e6; k++) {
        double r = nearbyint(v * p10[k]);
        if (r / p10[k] == v) {
            put_scaled(b, (long long)r, k);
            return;
        }
    }
    /* The fewest significant digits that read back: when 15 or fewer do,
     * %.15g finds them (a double is finer than 15 digits); then 16, then
     * 17, which always do. A denormal is coarser: its digits start at 1. */
    char text[32];
    int n;
    for (int digits = fabs(v) < DBL_MIN ? 1 : 15;; digits++) {
        n = snprintf(text, sizeof text, "%.*g", digits, v);
        if (digits == 17 || strtod(text, NULL) == v)
            break;
    }
    hs_buf_append(b, text, (size_t)n);
}

void hs_buf_json_string(struct hs_buf *b, const char *s, size_t n)
{
    hs_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            hs_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            hs_buf_printf(b, "\\u%04x", c);
        else
            hs_buf_append(b, s + i, 1);
    }
    hs_buf_append(b, "\"", 1);
}

bool hs_buf_failed(const struct hs_buf *b) { return b->failed; }
