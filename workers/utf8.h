/*
 * utf8.h - strict UTF-8 validation for text on its way to PostgreSQL.
 *
 * "Valid" is RFC 3629 / Unicode Table 3-7, with one addition: NUL is refused
 * too, as PostgreSQL text cannot hold it. Refused: stray continuation bytes,
 * C0, C1 and F5..FF, overlong forms (E0 80..9F, F0 80..8F), UTF-16 surrogates
 * (ED A0..BF), code points above U+10FFFF (F4 90..BF), and sequences cut
 * short by a missing continuation byte or by the end of the input.
 */
#ifndef HS_UTF8_H
#define HS_UTF8_H

#include <stddef.h>

/* Offset of the first byte of s[0..n) that does not start a valid sequence,
 * or n when all of it is valid. */
size_t hs_utf8_invalid_at(const char *s, size_t n);

/* Length of the one valid character at s[0..n) (1 to 4 bytes), or 0 when s
 * does not start with one (or starts with NUL). */
size_t hs_utf8_sequence(const char *s, size_t n);

/* Replaces, in place, each byte that is not part of a valid sequence with
 * '?' (so "\xe2\x82A" becomes "??A"). Returns how many bytes it replaced. */
size_t hs_utf8_sanitize(char *s, size_t n);

#endif
