/*
 * test_utf8.c - strict UTF-8 validation: each kind of invalid sequence is
 * found at its exact offset, the edges of each sequence length pass, sanitize
 * replaces exactly the bytes outside valid sequences, and the validator
 * agrees with a reference decoder on every string of up to 3 bytes, on
 * 4-byte strings, and on the encoding of every code point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../workers/utf8.h"

struct sample {
    const char *what;
    const char *bytes;
    size_t len, at; /* at: the offset hs_utf8_invalid_at must return */
};

#define S(what, lit, at) {what, lit, sizeof lit - 1, at}

static void check_samples(const struct sample *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t at = hs_utf8_invalid_at(s[i].bytes, s[i].len);
        if (at != s[i].at)
            fail_msg("%s: invalid at %zu, expected %zu", s[i].what, at, s[i].at);
    }
}

static void invalid_sequences_at_their_offset(void **state)
{
    (void)state;
    static const struct sample cases[] = {
        S("NUL", "ab\0c", 2),
        S("NUL alone", "\0", 0),
        S("stray continuation 80", "a\x80", 1),
        S("stray continuation BF", "\xbf", 0),
        S("continuation after a complete sequence", "\xc3\xa9\xa9", 2),
        S("C0 (overlong 2-byte)", "x\xc0\x80", 1),
        S("C1 (overlong 2-byte)", "\xc1\xbf", 0),
        S("E0 80 (overlong 3-byte)", "\xe0\x80\x80", 0),
        S("E0 9F (overlong 3-byte)", "ok\xe0\x9f\xbf", 2),
        S("ED A0 (surrogate U+D800)", "\xed\xa0\x80", 0),
        S("ED BF (surrogate U+DFFF)", "a\xed\xbf\xbf", 1),
        S("F0 80 (overlong 4-byte)", "\xf0\x80\x80\x80", 0),
        S("F0 8F (overlong 4-byte)", "\xf0\x8f\xbf\xbf", 0),
        S("F4 90 (U+110000)", "\xf4\x90\x80\x80", 0),
        S("F4 BF (above U+10FFFF)", "ab\xf4\xbf\xbf\xbf", 2),
        S("F5", "\xf5\x80\x80\x80", 0),
        S("F8", "\xf8\x88\x80\x80\x80", 0),
        S("FE", "\xfe", 0),
        S("FF", "abc\xff", 3),
        S("2-byte cut by the end", "ab\xc3", 2),
        S("3-byte cut by the end", "ab\xe2\x82", 2),
        S("4-byte cut by the end", "\xf0\x9f\x98", 0),
        S("2-byte missing its continuation", "\xc3" "A", 0),
        S("3-byte missing its last byte", "\xe2\x82" "A", 0),
        S("4-byte missing its last byte", "z\xf0\x9f\x98" "A", 1),
        S("4-byte with an ASCII second byte", "\xf0" "A\x98\x80", 0),
        S("after valid 2-, 3- and 4-byte sequences", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x80", 9),
    };
    check_samples(cases, sizeof cases / sizeof cases[0]);
}

static void valid_edges_pass(void **state)
{
    (void)state;
    static const struct sample cases[] = {
        S("empty", "", 0),
        S("plain ASCII", "CRIM,ZN,INDUS 0.00632 ~!", 24),
        S("U+0001", "\x01", 1),
        S("U+007F", "\x7f", 1),
        S("U+0080", "\xc2\x80", 2),
        S("U+07FF", "\xdf\xbf", 2),
        S("U+0800", "\xe0\xa0\x80", 3),
        S("U+D7FF (below the surrogates)", "\xed\x9f\xbf", 3),
        S("U+E000 (above the surrogates)", "\xee\x80\x80", 3),
        S("U+FFFD", "\xef\xbf\xbd", 3),
        S("U+FFFF", "\xef\xbf\xbf", 3),
        S("U+10000", "\xf0\x90\x80\x80", 4),
        S("U+1F600", "\xf0\x9f\x98\x80", 4),
        S("U+10FFFF", "\xf4\x8f\xbf\xbf", 4),
        S("mixed", "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d", 13),
    };
    check_samples(cases, sizeof cases / sizeof cases[0]);
}

static void only_the_first_n_bytes_count(void **state)
{
    (void)state;
    assert_int_equal(hs_utf8_invalid_at("abc\0", 3), 3);     /* the NUL is past n */
    assert_int_equal(hs_utf8_invalid_at("ab\xc3\xa9", 3), 2); /* n cuts the sequence */
    assert_int_equal(hs_utf8_invalid_at("\xff", 0), 0);
}

static void sanitize_replaces_each_bad_byte(void **state)
{
    (void)state;
    /* in and out have the same length; R's `in` is a literal, sized by sizeof */
#define R(in, out, replaced) {in, out, sizeof in - 1, replaced}
    static const struct { const char *in, *out; size_t len, replaced; } cases[] = {
        R("plain", "plain", 0),
        R("", "", 0),
        R("\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd", "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd", 0),
        R("a\xe2\x82" "Ab\xff\xc3\xa9\0z", "a??Ab?\xc3\xa9?z", 4),
        R("ok\xf0\x9f\x98", "ok???", 3),
        R("\xed\xa0\x80\xed\xb0\x80", "??????", 6),        /* an encoded surrogate pair */
        R("\xc0\x80" "x\xe0\x80\x80", "??x???", 5),         /* overlong U+0000, twice */
        R("\xf4\x90\x80\x80\xf4\x8f\xbf\xbf", "????\xf4\x8f\xbf\xbf", 4),
        R("\x80\xc3\xa9\xa9", "?\xc3\xa9?", 2),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        memcpy(buf, cases[i].in, cases[i].len);
        assert_int_equal(hs_utf8_sanitize(buf, cases[i].len), cases[i].replaced);
        assert_memory_equal(buf, cases[i].out, cases[i].len);
        assert_int_equal(hs_utf8_invalid_at(buf, cases[i].len), cases[i].len);
    }
#undef R
}

/* ---- a reference: decode by the bit patterns alone, then judge the code point ---- */

static size_t lead_length(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xc0 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : 0;
}

static int reference_one(const unsigned char *s, size_t len)
{
    static const unsigned long shortest[5] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned long cp = len == 1 ? s[0] : s[0] & (0x7fu >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    return cp != 0 && cp >= shortest[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

static size_t reference_invalid_at(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = lead_length(s[i]);
        if (len == 0 || len > n - i || !reference_one(s + i, len))
            return i;
        i += len;
    }
    return n;
}

static void agree(const unsigned char *s, size_t n)
{
    size_t want = reference_invalid_at(s, n), at = hs_utf8_invalid_at((const char *)s, n);
    if (at != want)
        fail_msg("%02x %02x %02x %02x (n=%zu): invalid at %zu, reference says %zu",
                 s[0], s[1], s[2], s[3], n, at, want);
}

static void agrees_with_reference_on_all_short_strings(void **state)
{
    (void)state;
    unsigned char s[4] = {0};
    for (unsigned v = 0; v < 1u << 24; v++) {
        s[0] = (unsigned char)(v >> 16), s[1] = (unsigned char)(v >> 8), s[2] = (unsigned char)v;
        agree(s, 3);
        if ((v & 0xffff) == 0)
            agree(s, 1);
        if ((v & 0xff) == 0)
            agree(s, 2);
    }
}

/* Every first and second byte, with the third and fourth from the values at
 * the edges of the classes (ASCII, continuation ranges, leads). */
static void agrees_with_reference_on_4_byte_strings(void **state)
{
    (void)state;
    static const unsigned char edge[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
                                         0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xf4, 0xff};
    enum { NE = sizeof edge };
    unsigned char s[4];
    for (unsigned v = 0; v < 1u << 16; v++) {
        s[0] = (unsigned char)(v >> 8), s[1] = (unsigned char)v;
        for (int a = 0; a < NE; a++) {
            for (int b = 0; b < NE; b++) {
                s[2] = edge[a], s[3] = edge[b];
                agree(s, 4);
            }
        }
    }
}

static size_t encode(unsigned long cp, unsigned char *s)
{
    if (cp < 0x80)
        return s[0] = (unsigned char)cp, 1;
    size_t len = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t k = len - 1; k > 0; k--, cp >>= 6)
        s[k] = (unsigned char)(0x80 | (cp & 0x3f));
    static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
    s[0] = (unsigned char)(lead[len] | cp);
    return len;
}

static void every_code_point_but_nul_and_surrogates(void **state)
{
    (void)state;
    unsigned char s[4];
    for (unsigned long cp = 0; cp <= 0x10ffff; cp++) {
        size_t len = encode(cp, s);
        int valid = cp != 0 && (cp < 0xd800 || cp > 0xdfff);
        if ((hs_utf8_invalid_at((const char *)s, len) == len) != valid)
            fail_msg("U+%04lX judged %s", cp, valid ? "invalid" : "valid");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invalid_sequences_at_their_offset),
        cmocka_unit_test(valid_edges_pass),
        cmocka_unit_test(only_the_first_n_bytes_count),
        cmocka_unit_test(sanitize_replaces_each_bad_byte),
        cmocka_unit_test(agrees_with_reference_on_all_short_strings),
        cmocka_unit_test(agrees_with_reference_on_4_byte_strings),
        cmocka_unit_test(every_code_point_but_nul_and_surrogates),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
