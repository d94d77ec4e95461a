/*
 * utf8.c - see utf8.h. One pass, byte by byte: printable ASCII is skipped
 * in a tight loop, and only a byte >= 0x80 (or NUL) looks at the table of
 * well-formed sequences.
 */
#include "utf8.h"

/* Length of the well-formed sequence at s[0..n) (s[0] >= 0x80), or 0 when
 * s[0] does not start one. Table 3-7: the lead byte fixes the length and the
 * range allowed for the second byte; the later bytes are 80..BF. */
static size_t sequence_at(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* below: overlong */
        hi = c == 0xed ? 0x9f : 0xbf; /* above: surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : 0x80; /* below: overlong */
        hi = c == 0xf4 ? 0x8f : 0xbf; /* above: past U+10FFFF */
    } else {
        return 0; /* a continuation byte, C0, C1 or F5..FF */
    }
    if (len > n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    return len;
}

size_t hs_utf8_sequence(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if ((unsigned char)s[0] < 0x80)
        return s[0] != '\0';
    return sequence_at((const unsigned char *)s, n);
}

size_t hs_utf8_invalid_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] - 1u < 0x7fu) { /* 01..7F; NUL wraps round and fails */
            i++;
            continue;
        }
        size_t len = u[i] ? sequence_at(u + i, n - i) : 0;
        if (len == 0)
            return i;
        i += len;
    }
    return n;
}

size_t hs_utf8_sanitize(char *s, size_t n)
{
    size_t replaced = 0, i = 0;
    /* The scan moves a whole sequence at a time, so the byte it stops at
     * starts no valid sequence and is inside none: it alone is replaced. */
    while ((i += hs_utf8_invalid_at(s + i, n - i)) < n) {
        s[i++] = '?';
        replaced++;
    }
    return replaced;
}
