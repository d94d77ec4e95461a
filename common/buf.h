/*
 * buf.h - a growable byte buffer for building messages and COPY data.
 * On allocation failure the buffer records it; callers check hs_buf_failed()
 * once after building instead of after every append.
 *
 * In common/, the bottom layer (libc only).
 */
#ifndef HS_BUF_H
#define HS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct hs_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};

void hs_buf_reset(struct hs_buf *b);
void hs_buf_free(struct hs_buf *b);
void hs_buf_append(struct hs_buf *b, const char *bytes, size_t n);
void hs_buf_puts(struct hs_buf *b, const char *s);
void hs_buf_printf(struct hs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append an integer in decimal, without printf (a hot path). */
void hs_buf_uint(struct hs_buf *b, unsigned long long u);
void hs_buf_int(struct hs_buf *b, long long v);
/* Appends a double in the shortest form that reads back as the same value. */
void hs_buf_double(struct hs_buf *b, double v);
/* Appends s[0..n) as a quoted JSON string: '"' and '\\' escaped, control
 * characters as \u00XX, every other byte as it is (the caller's text is
 * UTF-8). */
void hs_buf_json_string(struct hs_buf *b, const char *s, size_t n);
bool hs_buf_failed(const struct hs_buf *b);
/* The contents as a string the caller frees (the buffer is left empty), or
 * NULL when building it failed. */
char *hs_buf_take_string(struct hs_buf *b);

#endif
