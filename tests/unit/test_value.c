/*
 * test_value.c - the typed value codec (workers/value.c): what each type
 * reads and refuses, with the exact value and the exact reason; NULL rules;
 * the text, JSON and binary COPY forms; and round trips, parse(text(v)) and
 * parse(json(v)) equal to v bit for bit, on the edge values of every type and
 * on random ones.
 *
 * The numeric COPY bytes expected here are PostgreSQL 15's own, obtained from
 * the server of scripts/stack.sh with
 *   psql -XAtc "COPY (SELECT '12.50'::numeric) TO STDOUT WITH (FORMAT binary)" | od -An -tx1
 * (the field after the 19-byte header and field count, length included).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../workers/value.h"

#define ERR 256

static char area[1 << 16];
static struct hs_text text_area;

static struct hs_column column(const char *type)
{
    struct hs_column c = {0};
    char err[ERR];
    snprintf(c.name, sizeof c.name, "v");
    snprintf(c.header, sizeof c.header, "V");
    if (hs_type_parse(type, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    return c;
}

static int parse_n(const struct hs_column *c, const char *s, size_t n, bool comma,
                   struct hs_value *v, char *err)
{
    err[0] = '\0';
    return hs_value_parse(c, s, n, comma, v, &text_area, err, ERR);
}

static int parse(const struct hs_column *c, const char *s, struct hs_value *v, char *err)
{
    return parse_n(c, s, strlen(s), false, v, err);
}

/* Parses s as `type`, failing the test unless it is read. */
static struct hs_value good(const char *type, const char *s)
{
    struct hs_column c = column(type);
    struct hs_value v;
    char err[ERR];
    if (parse(&c, s, &v, err) != 0)
        fail_msg("%s '%s' refused: %s", type, s, err);
    return v;
}

/* Parses s as `type`, failing the test unless it is refused with `reason`;
 * the text area must be as it was. */
static void bad(const char *type, const char *s, const char *reason)
{
    struct hs_column c = column(type);
    struct hs_value v;
    char err[ERR];
    uint32_t used = text_area.used;
    if (parse(&c, s, &v, err) == 0)
        fail_msg("%s '%s' read", type, s);
    if (strcmp(err, reason) != 0)
        fail_msg("%s '%s': '%s', expected '%s'", type, s, err, reason);
    assert_int_equal(text_area.used, used);
}

/* The value's text-area bytes as a C string. */
static const char *kept(const struct hs_value *v)
{
    static char out[sizeof area + 1];
    memcpy(out, area + v->off, v->len);
    out[v->len] = '\0';
    return out;
}

static const char *text_of(const struct hs_column *c, const struct hs_value *v)
{
    static struct hs_buf b;
    hs_buf_reset(&b);
    hs_value_text(&b, c, v, area);
    hs_buf_append(&b, "", 0);
    return b.data;
}

static const char *json_of(const struct hs_column *c, const struct hs_value *v)
{
    static struct hs_buf b;
    hs_buf_reset(&b);
    hs_value_json(&b, c, v, area);
    return b.data;
}

static int setup(void **state)
{
    (void)state;
    text_area = (struct hs_text){area, 0, sizeof area};
    return 0;
}

/* ---- round trips ---- */

static bool same_value(const struct hs_column *c, const struct hs_value *a, const struct hs_value *b)
{
    if (a->len == HS_VALUE_NULL || b->len == HS_VALUE_NULL)
        return a->len == b->len;
    if (hs_type_uses_text(c->type))
        return a->len == b->len && memcmp(area + a->off, area + b->off, a->len) == 0;
    return memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

/* A JSON string's content (the escapes hs_buf_json_string writes). */
static size_t json_unquote(const char *s, char *out)
{
    size_t o = 0;
    for (s++; *s != '"'; s++) {
        if (*s != '\\') {
            out[o++] = *s;
        } else if (*++s == 'u') {
            out[o++] = (char)strtol((char[]){s[1], s[2], s[3], s[4], 0}, NULL, 16);
            s += 4;
        } else {
            out[o++] = *s;
        }
    }
    return o;
}

static void reads_back(const struct hs_column *c, const struct hs_value *v, const char *s,
                       size_t n, const char *form)
{
    struct hs_value again;
    char err[ERR];
    if (parse_n(c, s, n, false, &again, err) != 0)
        fail_msg("%s form '%.*s' refused: %s", form, (int)n, s, err);
    if (!same_value(c, v, &again))
        fail_msg("%s form '%.*s' reads back as another value", form, (int)n, s);
}

/* parse(text(v)) == v and parse(json(v)) == v, bit for bit. */
static void round_trips(const struct hs_column *c, const struct hs_value *v)
{
    char copy[sizeof area];
    const char *t = text_of(c, v), *j;
    if (v->len == HS_VALUE_NULL)
        return;
    snprintf(copy, sizeof copy, "%s", t); /* the same buffer serves the JSON form */
    reads_back(c, v, copy, strlen(copy), "text");
    j = json_of(c, v);
    if (j[0] == '"') {
        size_t n = json_unquote(j, copy);
        reads_back(c, v, copy, n, "JSON");
    } else {
        snprintf(copy, sizeof copy, "%s", j);
        reads_back(c, v, copy, strlen(copy), "JSON");
    }
}

static void round_trip_text(const char *type, const char *s)
{
    struct hs_column c = column(type);
    struct hs_value v = good(type, s);
    round_trips(&c, &v);
}

/* ---- integers ---- */

static void integers(void **state)
{
    (void)state;
    static const struct { const char *type, *text; int64_t value; } cases[] = {
        {"smallint", "-32768", INT16_MIN}, {"smallint", "32767", INT16_MAX},
        {"integer", "-2147483648", INT32_MIN}, {"integer", "2147483647", INT32_MAX},
        {"bigint", "-9223372036854775808", INT64_MIN}, {"bigint", "9223372036854775807", INT64_MAX},
        {"integer", " 42 ", 42}, {"integer", "+7", 7}, {"integer", "007", 7}, {"integer", "-0", 0},
        {"integer", "1.0", 1}, {"integer", "1e3", 1000}, {"integer", "0.1e1", 1}, {"integer", "1.", 1},
        {"integer", ".0", 0}, {"integer", "-2.50e1", -25}, {"integer", "0e999999999999", 0},
        {"bigint", "9.223372036854775807e18", INT64_MAX}, {"bigint", "-9223372036854775808.000", INT64_MIN},
        {"smallint", "\t-1\n", -1}, {"bigint", "123456789012345678", 123456789012345678},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_value v = good(cases[i].type, cases[i].text);
        if (v.u.i != cases[i].value)
            fail_msg("%s '%s' read as %lld", cases[i].type, cases[i].text, (long long)v.u.i);
        assert_int_equal(v.len, 0);
    }
}

static void integers_refused(void **state)
{
    (void)state;
    bad("smallint", "32768", "v is out of range for smallint: '32768'");
    bad("smallint", "-32769", "v is out of range for smallint: '-32769'");
    bad("integer", "2147483648", "v is out of range for integer: '2147483648'");
    bad("integer", "-2147483649", "v is out of range for integer: '-2147483649'");
    bad("bigint", "9223372036854775808", "v is out of range for bigint: '9223372036854775808'");
    bad("bigint", "-9223372036854775809", "v is out of range for bigint: '-9223372036854775809'");
    bad("bigint", "12345678901234567890", "v is out of range for bigint: '12345678901234567890'");
    bad("bigint", "1e19", "v is out of range for bigint: '1e19'");
    bad("integer", "1e99999999999999999999", "v is out of range for integer: '1e99999999999999999999'");
    bad("integer", "1.5", "v is not an integer: '1.5'");
    bad("smallint", "1e-1", "v is not a smallint: '1e-1'");
    bad("integer", "abc", "v is not an integer: 'abc'");
    bad("integer", "1 2", "v is not an integer: '1 2'");
    bad("integer", "0x10", "v is not an integer: '0x10'");
    bad("integer", "--1", "v is not an integer: '--1'");
    bad("integer", "1e", "v is not an integer: '1e'");
    bad("integer", ".", "v is not an integer: '.'");
    bad("integer", "-", "v is not an integer: '-'");
    bad("integer", "e5", "v is not an integer: 'e5'");
    bad("integer", "NaN", "v is not an integer: 'NaN'");
    bad("integer", "  12x  ", "v is not an integer: '12x'");
    bad("integer", "", "v may not be NULL");
}

/* A comma is a decimal point for real, double and numeric only. */
static void decimal_comma(void **state)
{
    (void)state;
    struct hs_value v;
    char err[ERR];
    struct hs_column d = column("float8"), r = column("real"), n = column("numeric"), i = column("int");
    assert_int_equal(parse_n(&d, "0,5", 3, true, &v, err), 0);
    assert_true(v.u.d == 0.5);
    assert_int_equal(parse_n(&d, "-1,25e2", 7, true, &v, err), 0);
    assert_true(v.u.d == -125);
    assert_int_equal(parse_n(&d, "1.5", 3, true, &v, err), 0);
    assert_true(v.u.d == 1.5);
    assert_int_equal(parse_n(&r, "0,1", 3, true, &v, err), 0);
    assert_true(v.u.d == (double)0.1f);
    assert_int_equal(parse_n(&n, "12,50", 5, true, &v, err), 0);
    assert_string_equal(kept(&v), "12.50");
    assert_int_equal(parse_n(&d, "1.234,5", 7, true, &v, err), -1);
    assert_string_equal(err, "v is not a double precision: '1.234,5'");
    assert_int_equal(parse_n(&d, "0,5", 3, false, &v, err), -1);
    assert_int_equal(parse_n(&i, "1,0", 3, true, &v, err), -1);
    assert_string_equal(err, "v is not an integer: '1,0'");
}

/* ---- real, double precision ---- */

static void doubles(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0", "0.5", "-0.00632", "396.9", "1e-310", "4.9406564584124654e-324", "2.2250738585072014e-308",
        "1.7976931348623157e308", "123456789012345678901234567890", "  3.25  ", "+1.5", ".5", "5.",
        "1E5", "0.1e-5", "9007199254740993", "0.30000000000000004",
        /* halfway between two doubles but for a nonzero digit far away */
        "9007199254740993.00000000000000000000000000000000000000000000000000000000000000000000000000001",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct hs_value v = good("double precision", texts[i]);
        double want = strtod(texts[i], NULL);
        if (memcmp(&v.u.d, &want, sizeof want) != 0)
            fail_msg("'%s' read as %.17g, strtod says %.17g", texts[i], v.u.d, want);
    }
    struct hs_value z = good("float8", "-0");
    assert_true(z.u.d == 0 && signbit(z.u.d));
    z = good("float8", "-0e10");
    assert_true(z.u.d == 0 && signbit(z.u.d));
    assert_true(good("float8", "5e-324").u.d == 4.9406564584124654e-324);
    assert_true(good("float8", "-1.7976931348623157e308").u.d == -DBL_MAX);
}

/* Past 800 significant digits, a digit still decides a rounding: 5 * 2^-1075
 * lies halfway between the denormals 2 * 2^-1074 and 3 * 2^-1074 (its exact
 * decimal has 751 significant digits) and rounds to even, 2 * 2^-1074; with
 * a 1 as its 807th digit it is above halfway, 3 * 2^-1074. */
static void long_decimals_round_correctly(void **state)
{
    (void)state;
    char half[1000], above[1100];
    snprintf(half, sizeof half, "%.790Le", ldexpl(5, -1075)); /* exact, then zeros */
    char *e = strchr(half, 'e');
    snprintf(above, sizeof above, "%.*s0000000000000001%s", (int)(e - half), half, e);
    assert_true(good("float8", half).u.d == ldexp(2, -1074));
    assert_true(good("float8", above).u.d == ldexp(3, -1074));
    assert_true(strtod(above, NULL) == ldexp(3, -1074));
}

static void reals(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0.1", "3.4028235e38", "1.17549435e-38", "1e-45", "1.4e-45", "16777217", "0.333333343",
        "-2.5", "7.038531e-26", "1e10", "123456.789",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct hs_value v = good("real", texts[i]);
        double want = strtof(texts[i], NULL);
        if (memcmp(&v.u.d, &want, sizeof want) != 0)
            fail_msg("real '%s' read as %.17g, strtof says %.9g", texts[i], v.u.d, want);
    }
    bad("real", "3.4028236e38", "v is out of range for real: '3.4028236e38'");
    bad("real", "-1e39", "v is out of range for real: '-1e39'");
    bad("real", "1e-50", "v is out of range for real: '1e-50'");
    bad("double precision", "1e309", "v is out of range for double precision: '1e309'");
    bad("double precision", "1e-400", "v is out of range for double precision: '1e-400'");
    bad("double precision", "0x10", "v is not a double precision: '0x10'");
    bad("double precision", "1.2.3", "v is not a double precision: '1.2.3'");
    bad("double precision", "infinit", "v is not a double precision: 'infinit'");
    bad("double precision", "nan(1)", "v is not a double precision: 'nan(1)'");
    bad("real", "1,5", "v is not a real: '1,5'");
}

/* Short decimals are read without strtof: each must be the very float
 * strtof gives, with 1 to 7 significant digits and 0 to 10 after the point
 * (inside the fast path's limits and just past them). */
static void short_reals_equal_strtof(void **state)
{
    (void)state;
    struct hs_column c = column("real");
    srand(12);
    for (int i = 0; i < 500000; i++) {
        char text[40];
        int digits = 1 + rand() % 8, after = rand() % 12, n = rand() % 2 ? 0 : 1;
        text[0] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == digits - after && d > 0)
                text[n++] = '.';
            text[n++] = (char)('0' + rand() % 10);
        }
        struct hs_value v;
        char err[ERR];
        text_area.used = 0;
        if (parse_n(&c, text, (size_t)n, false, &v, err) != 0)
            fail_msg("'%.*s': %s", n, text, err);
        text[n] = '\0';
        float want = strtof(text, NULL);
        if (memcmp(&v.u.d, &(double){want}, sizeof v.u.d) != 0)
            fail_msg("real '%s' read as %.9g, strtof says %.9g", text, v.u.d, (double)want);
    }
}

static void nan_and_infinities(void **state)
{
    (void)state;
    static const char *const nans[] = {"NaN", "nan", "NAN", "-nan", "+NaN", " NaN "};
    static const char *const infs[] = {"Infinity", "infinity", "INF", "inf", "+inf", "+Infinity"};
    const char *types[] = {"real", "double precision"};
    for (int t = 0; t < 2; t++) {
        double canonical = NAN;
        for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
            struct hs_value v = good(types[t], nans[i]);
            assert_memory_equal(&v.u.d, &canonical, sizeof canonical);
        }
        for (size_t i = 0; i < sizeof infs / sizeof infs[0]; i++)
            assert_true(good(types[t], infs[i]).u.d == INFINITY);
        assert_true(good(types[t], "-Infinity").u.d == -INFINITY);
        assert_true(good(types[t], "-inf").u.d == -INFINITY);
    }
}

/* ---- numeric ---- */

static void numerics_kept_canonical(void **state)
{
    (void)state;
    static const struct { const char *type, *in, *kept; } cases[] = {
        {"numeric", "12.50", "12.50"}, {"numeric", ".5", "0.5"}, {"numeric", "-.5", "-0.5"},
        {"numeric", "5.", "5"}, {"numeric", "+5", "5"}, {"numeric", "-0.00", "0.00"},
        {"numeric", "007.50", "7.50"}, {"numeric", "000", "0"}, {"numeric", "1.5E-3", "1.5e-3"},
        {"numeric", "1e+05", "1e5"}, {"numeric", "1e0", "1"}, {"numeric", "2E-0", "2"},
        {"numeric", " -1e-007 ", "-1e-7"}, {"numeric", "nan", "NaN"}, {"numeric", "NaN", "NaN"},
        {"numeric", "inf", "Infinity"}, {"numeric", "+infinity", "Infinity"},
        {"numeric", "-INF", "-Infinity"}, {"numeric", "0e5", "0e5"},
        {"numeric", "123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"},
        {"numeric", "1e131071", "1e131071"}, {"numeric", "1e-16383", "1e-16383"},
        {"numeric", "0e99999999", "0e99999999"},
        {"numeric(5,2)", "999.994", "999.994"}, {"numeric(5,2)", "-999.99", "-999.99"},
        {"numeric(5,2)", "NaN", "NaN"}, {"numeric(3,3)", "0.9994", "0.9994"},
        {"numeric(2,0)", "99.4", "99.4"}, {"numeric(4,2)", "0.001e3", "0.001e3"},
        {"numeric(4,2)", "9999e-2", "9999e-2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_value v = good(cases[i].type, cases[i].in);
        if (strcmp(kept(&v), cases[i].kept) != 0)
            fail_msg("%s '%s' kept as '%s'", cases[i].type, cases[i].in, kept(&v));
    }
}

static void numerics_refused(void **state)
{
    (void)state;
    bad("numeric", "-nan", "v is not a numeric: '-nan'");
    bad("numeric", "5e", "v is not a numeric: '5e'");
    bad("numeric", "1e+-5", "v is not a numeric: '1e+-5'");
    bad("numeric", "", "v may not be NULL");
    bad("numeric", "1_000", "v is not a numeric: '1_000'");
    bad("numeric", "1e131072", "v is out of range for numeric: '1e131072'");
    bad("numeric", "1e-16384", "v is out of range for numeric: '1e-16384'");
    bad("numeric", "0.0e-16383", "v is out of range for numeric: '0.0e-16383'");
    bad("numeric", "0e-99999", "v is out of range for numeric: '0e-99999'");
    bad("numeric", "1e1073741823", "v is out of range for numeric: '1e1073741823'");
    bad("numeric", "0e-1073741823", "v is out of range for numeric: '0e-1073741823'");
    /* numeric(p, s) rounds to s decimals first, as PostgreSQL does */
    bad("numeric(5,2)", "999.995", "v is out of range for numeric(5,2): '999.995'");
    bad("numeric(5,2)", "1000", "v is out of range for numeric(5,2): '1000'");
    bad("numeric(2,2)", "-0.995", "v is out of range for numeric(2,2): '-0.995'");
    bad("numeric(2,2)", "1", "v is out of range for numeric(2,2): '1'");
    bad("numeric(2,0)", "99.5", "v is out of range for numeric(2,0): '99.5'");
    bad("numeric(5,2)", "Infinity", "v is out of range for numeric(5,2): 'Infinity'");
    bad("numeric(5,2)", "-inf", "v is out of range for numeric(5,2): '-inf'");
    bad("numeric(4,2)", "1e2", "v is out of range for numeric(4,2): '1e2'");
}

static void expect_copy(const char *type, const char *s, const unsigned char *want, size_t n)
{
    struct hs_column c = column(type);
    struct hs_value v = good(type, s);
    struct hs_buf b = {0};
    hs_value_copy(&b, &c, &v, area);
    if (b.len != n || memcmp(b.data, want, n) != 0) {
        char got[256] = "";
        for (size_t i = 0; i < b.len && i < 60; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), " %02x", (unsigned char)b.data[i]);
        fail_msg("%s '%s' sent as%s", type, s, got);
    }
    hs_buf_free(&b);
}

#define COPY(type, s, ...)                                                   \
    do {                                                                     \
        static const unsigned char want[] = {__VA_ARGS__};                   \
        expect_copy(type, s, want, sizeof want);                             \
    } while (0)

/* The bytes PostgreSQL 15's numeric_send gives for the same value (see the
 * top of this file): length; ndigits, weight, sign, dscale; digits. */
static void numeric_copy_as_postgres_sends(void **state)
{
    (void)state;
    COPY("numeric", "12.50", 0, 0, 0, 0x0c, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0x0c, 0x13, 0x88);
    COPY("numeric", "-0.0015", 0, 0, 0, 0x0a, 0, 1, 0xff, 0xff, 0x40, 0, 0, 4, 0, 0x0f);
    COPY("numeric", "1e5", 0, 0, 0, 0x0a, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0x0a);
    COPY("numeric", "NaN", 0, 0, 0, 8, 0, 0, 0, 0, 0xc0, 0, 0, 0);
    COPY("numeric", "0", 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0);
    COPY("numeric", "0.000", 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 3);
    COPY("numeric", "-0", 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0);
    COPY("numeric", "1.5e-3", 0, 0, 0, 0x0a, 0, 1, 0xff, 0xff, 0, 0, 0, 4, 0, 0x0f);
    COPY("numeric", "10000", 0, 0, 0, 0x0a, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1);
    COPY("numeric", "1e-20", 0, 0, 0, 0x0a, 0, 1, 0xff, 0xfb, 0, 0, 0, 0x14, 0, 1);
    COPY("numeric", "123456789.123456789", 0, 0, 0, 0x14, 0, 6, 0, 2, 0, 0, 0, 9, 0, 1, 0x09,
         0x29, 0x1a, 0x85, 0x04, 0xd2, 0x16, 0x2e, 0x23, 0x28);
    /* PostgreSQL sends its infinities with dscale 0x20 and ignores it on receipt */
    COPY("numeric", "Infinity", 0, 0, 0, 8, 0, 0, 0, 0, 0xd0, 0, 0, 0);
    COPY("numeric", "-Infinity", 0, 0, 0, 8, 0, 0, 0, 0, 0xf0, 0, 0, 0);
}

/* ---- boolean ---- */

static void booleans(void **state)
{
    (void)state;
    static const char *const yes[] = {"t", "tr", "tru", "true", "TRUE", "True", "y", "ye", "yes",
                                       "YES", "on", "ON", "1", " true "};
    static const char *const no[] = {"f", "fa", "fal", "fals", "false", "FALSE", "n", "no", "NO",
                                     "off", "OFF", "of", "0", "\tf\t"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_int_equal(good("boolean", yes[i]).u.i, 1);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal(good("boolean", no[i]).u.i, 0);
    static const char *const refused[] = {"o", "01", "2", "truee", "yess", "non", "oui", "-1", "tx"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char reason[64];
        snprintf(reason, sizeof reason, "v is not a boolean: '%s'", refused[i]);
        bad("boolean", refused[i], reason);
    }
}

/* ---- text, varchar ---- */

static void texts(void **state)
{
    (void)state;
    struct hs_value v = good("text", " spaces kept, \"quotes\", commas\nand new lines ");
    assert_string_equal(kept(&v), " spaces kept, \"quotes\", commas\nand new lines ");
    v = good("text", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
    assert_int_equal(v.len, 17);
    bad("text", "caf\xe9", "v is not a text: 'caf?'");
    bad("text", "a\xed\xa0\x80z", "v is not a text: 'a???z'");
    struct hs_column c = column("text");
    char err[ERR];
    assert_int_equal(parse_n(&c, "a\0b", 3, false, &v, err), -1);
    assert_string_equal(err, "v is not a text: 'a?b'");
}

static void varchar_counts_characters(void **state)
{
    (void)state;
    assert_string_equal(kept((struct hs_value[]){good("varchar(3)", "abc")}), "abc");
    assert_string_equal(kept((struct hs_value[]){good("varchar(3)", "h\xc3\xa9\xc3\xa9")}),
                        "h\xc3\xa9\xc3\xa9");
    assert_int_equal(good("varchar(3)", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e").len, 9);
    assert_int_equal(good("varchar(1)", "\xf0\x9f\x98\x80").len, 4);
    /* spaces past the limit are cut off, as PostgreSQL cuts them */
    assert_string_equal(kept((struct hs_value[]){good("varchar(3)", "abc   ")}), "abc");
    assert_string_equal(kept((struct hs_value[]){good("varchar(3)", "\xc3\xa9\xc3\xa9\xc3\xa9 ")}),
                        "\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_string_equal(kept((struct hs_value[]){good("varchar(3)", " a ")}), " a ");
    assert_string_equal(kept((struct hs_value[]){good("varchar", "no limit at all")}), "no limit at all");
    bad("varchar(3)", "abcd", "v is longer than varchar(3)");
    bad("varchar(3)", "abc d", "v is longer than varchar(3)");
    bad("varchar(3)", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9ex", "v is longer than varchar(3)");
    bad("varchar(3)", "ab\xff", "v is not a character varying(3): 'ab?'");
}

/* ---- date, timestamp, timestamptz ---- */

static void dates(void **state)
{
    (void)state;
    static const struct { const char *text; int64_t days; } cases[] = {
        {"2000-01-01", 0}, {"1999-12-31", -1}, {"2024-02-29", 8825}, {"2000-02-29", 59},
        {"2000-03-01", 60}, {"1970-01-01", -10957}, {"0001-01-01", -730119},
        {"9999-12-31", 2921939}, {" 2000-01-02 ", 1}, {"1900-03-01", -36465},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (good("date", cases[i].text).u.i != cases[i].days)
            fail_msg("date '%s' read as %lld", cases[i].text, (long long)good("date", cases[i].text).u.i);
    static const char *const refused[] = {"2023-02-29", "1900-02-29", "2000-13-01", "2000-00-10",
                                          "2000-04-31", "0000-01-01", "2000-1-1", "20000-01-01",
                                          "2000/01/01", "2000-01-01x", "2000-01-01 00:00", "today"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char reason[64];
        snprintf(reason, sizeof reason, "v is not a date: '%s'", refused[i]);
        bad("date", refused[i], reason);
    }
}

static void timestamps(void **state)
{
    (void)state;
    static const struct { const char *type, *text; int64_t usecs; } cases[] = {
        {"timestamp", "2000-01-01 00:00:00", 0}, {"timestamp", "2000-01-01T00:00", 0},
        {"timestamp", "2000-01-01t00:00:01", 1000000}, {"timestamp", "1999-12-31 23:59:59.999999", -1},
        {"timestamp", "2000-01-01 00:00:00.5", 500000}, {"timestamp", "2000-01-01 00:00:00.000001", 1},
        /* past six digits, rounded as PostgreSQL rounds: half to even */
        {"timestamp", "2000-01-01 00:00:00.0000005", 0}, {"timestamp", "2000-01-01 00:00:00.0000015", 2},
        {"timestamp", "2000-01-01 00:00:00.0000025", 2},
        {"timestamp", "2000-01-01 00:00:00.00000050000001", 1},
        {"timestamp", "2000-01-01 00:00:00.9999999", 1000000},
        {"timestamp", "2000-01-01 23:59:60", 86400000000},
        {"timestamp", "2000-01-01 24:00:00", 86400000000},
        {"timestamp", "2000-01-01 12:30:60.5", 45060500000},
        {"timestamp", "2000-01-01 23:59:60.0000001", 86400000000},
        {"timestamp", "0001-01-01 00:00:00", -63082281600000000},
        {"timestamp", "9999-12-31 23:59:59.999999", 252455615999999999},
        {"timestamptz", "2000-01-01 00:00:00+01", -3600000000}, {"timestamptz", "2000-01-01 00:00:00", 0},
        {"timestamptz", "2000-01-01 00:00:00Z", 0}, {"timestamptz", "2000-01-01 00:00z", 0},
        {"timestamptz", "2000-01-01 05:30:00+05:30", 0}, {"timestamptz", "2000-01-01 05:30:00+0530", 0},
        {"timestamptz", "1999-12-31 12:00:00-12:00", 0},
        {"timestamptz", "2000-01-01 00:00:00 -1", 3600000000},
        {"timestamptz", "2000-01-01 00:00:00 +15:59", -57540000000},
        {"timestamptz", "0001-01-01 00:00:00-01", -63082278000000000},
        {"timestamptz", "9999-12-31 23:59:59.999999+00", 252455615999999999},
        /* a date alone is its midnight, as PostgreSQL reads it */
        {"timestamp", "2024-02-29", 8825 * 86400000000LL}, {"timestamptz", "1999-12-31", -86400000000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = good(cases[i].type, cases[i].text).u.i;
        if (got != cases[i].usecs)
            fail_msg("%s '%s' read as %lld", cases[i].type, cases[i].text, (long long)got);
    }
}

static void timestamps_refused(void **state)
{
    (void)state;
    static const struct { const char *type, *text; } syntax[] = {
        {"timestamp", "2000-01-01 24:00:01"}, {"timestamp", "2000-01-01 23:59:60.5"},
        {"timestamp", "2000-01-01 25:00"}, {"timestamp", "2000-01-01 12:60"},
        {"timestamp", "2000-01-01 12:00:61"}, {"timestamp", "2000-01-01 1:02"},
        {"timestamp", "2000-01-01 12:00:00."}, {"timestamp", "2000-01-01 12:00:00+01"},
        {"timestamp", "2000-02-30 00:00"}, {"timestamp", "2000-01-01x12:00"},
        {"timestamptz", "2000-01-01 00:00:00+16"}, {"timestamptz", "2000-01-01 00:00:00+01:60"},
        {"timestamptz", "2000-01-01 00:00:00+123"}, {"timestamptz", "2000-01-01 00:00:00 UTC"},
        {"timestamptz", "2000-01-01 00:00:00+"}, {"timestamptz", "2000-01-01 00:00:00+01:"},
        {"timestamptz", "2000-01-01 00:00:00ZZ"},
    };
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        char reason[128], type[64];
        struct hs_column c = column(syntax[i].type);
        hs_type_sql(&c, type, sizeof type);
        snprintf(reason, sizeof reason, "v is not a %s: '%s'", type, syntax[i].text);
        bad(syntax[i].type, syntax[i].text, reason);
    }
    bad("timestamp", "9999-12-31 23:59:59.9999995",
        "v is out of range for timestamp without time zone: '9999-12-31 23:59:59.9999995'");
    bad("timestamptz", "0001-01-01 00:00:00+01",
        "v is out of range for timestamp with time zone: '0001-01-01 00:00:00+01'");
    bad("timestamptz", "9999-12-31 23:00:00-01",
        "v is out of range for timestamp with time zone: '9999-12-31 23:00:00-01'");
}

/* ---- uuid ---- */

static void uuids(void **state)
{
    (void)state;
    static const unsigned char want[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
                                           0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
    static const char *const forms[] = {
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct hs_value v = good("uuid", forms[i]);
        assert_int_equal(v.len, 16);
        assert_memory_equal(area + v.off, want, 16);
    }
    static const char *const refused[] = {
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
        "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{}", "{",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char reason[128];
        snprintf(reason, sizeof reason, "v is not a uuid: '%s'", refused[i]);
        bad("uuid", refused[i], reason);
    }
}

/* ---- NULL, the text area, messages ---- */

static void null_rules(void **state)
{
    (void)state;
    struct hs_value v;
    char err[ERR];
    struct hs_column i = column("integer"), t = column("text");
    assert_int_equal(parse(&i, "", &v, err), -1);
    assert_string_equal(err, "v may not be NULL");
    assert_int_equal(parse(&i, "  ", &v, err), -1);
    assert_string_equal(err, "v may not be NULL");
    i.nullable = t.nullable = true;
    assert_int_equal(parse(&i, " ", &v, err), 0);
    assert_int_equal(v.len, HS_VALUE_NULL);
    assert_int_equal(parse(&t, "", &v, err), 0);
    assert_int_equal(v.len, HS_VALUE_NULL);
    assert_int_equal(parse(&t, " ", &v, err), 0); /* text keeps its spaces: not NULL */
    assert_string_equal(kept(&v), " ");
    snprintf(i.null_text, sizeof i.null_text, "NA");
    snprintf(t.null_text, sizeof t.null_text, "NA");
    assert_int_equal(parse(&i, " NA ", &v, err), 0);
    assert_int_equal(v.len, HS_VALUE_NULL);
    assert_int_equal(parse(&i, "", &v, err), -1);
    assert_string_equal(err, "v is not an integer: ''");
    assert_int_equal(parse(&t, "NA", &v, err), 0);
    assert_int_equal(v.len, HS_VALUE_NULL);
    assert_int_equal(parse(&t, " NA", &v, err), 0);
    assert_string_equal(kept(&v), " NA");
    assert_int_equal(hs_value_null(&i, &v, err, ERR), 0);
    assert_int_equal(v.len, HS_VALUE_NULL);
    i.nullable = false;
    assert_int_equal(parse(&i, "NA", &v, err), -1);
    assert_string_equal(err, "v may not be NULL");
    assert_int_equal(hs_value_null(&i, &v, err, ERR), -1);
    assert_string_equal(err, "v may not be NULL");
}

static void text_area_full(void **state)
{
    (void)state;
    char small[8];
    struct hs_text t = {small, 0, sizeof small};
    struct hs_value v;
    char err[ERR];
    struct hs_column text = column("text"), num = column("numeric"), uuid = column("uuid");
    assert_int_equal(hs_value_parse(&text, "abcde", 5, false, &v, &t, err, ERR), 0);
    assert_int_equal(t.used, 5);
    assert_int_equal(hs_value_parse(&text, "abcd", 4, false, &v, &t, err, ERR), -1);
    assert_string_equal(err, "the record's values are longer than max_row_bytes");
    assert_int_equal(t.used, 5);
    assert_int_equal(hs_value_parse(&num, ".25", 3, false, &v, &t, err, ERR), -1); /* "0.25" */
    assert_int_equal(t.used, 5);
    assert_int_equal(hs_value_parse(&num, ".5", 2, false, &v, &t, err, ERR), 0);
    assert_int_equal(t.used, 8);
    assert_int_equal(hs_value_parse(&text, "", 0, false, &v, &t, err, ERR), -1);
    assert_string_equal(err, "v may not be NULL");
    t.used = 0;
    assert_int_equal(hs_value_parse(&uuid, "a0eebc999c0b4ef8bb6d6bb9bd380a11", 32, false, &v, &t, err,
                                    ERR), -1);
    assert_string_equal(err, "the record's values are longer than max_row_bytes");
}

static void messages_quote_at_most_40_bytes(void **state)
{
    (void)state;
    bad("integer", "1234567890123456789012345678901234567890x1234567890",
        "v is not an integer: '1234567890123456789012345678901234567890...'");
    /* cut at the end of a character: 13 three-byte characters are 39 bytes */
    char many[64] = "";
    for (int i = 0; i < 14; i++)
        strcat(many, "\xe2\x82\xac");
    char reason[128] = "v is not a date: '";
    strncat(reason, many, 39);
    strcat(reason, "...'");
    bad("date", many, reason);
    bad("integer", "1\t2\x01\x7f", "v is not an integer: '1?2?" "?'");
    bad("boolean", "\xff\xfe", "v is not a boolean: '?" "?'");
    bad("text", "\xc3", "v is not a text: '?'");
}

/* ---- text and JSON forms ---- */

static void text_and_json_forms(void **state)
{
    (void)state;
    static const struct { const char *type, *in, *text, *json; } cases[] = {
        {"smallint", "-32768", "-32768", "-32768"},
        {"bigint", "-9223372036854775808", "-9223372036854775808", "-9223372036854775808"},
        {"integer", "1e3", "1000", "1000"},
        {"double precision", "0.1", "0.1", "0.1"},
        {"double precision", "-0", "-0", "-0"},
        {"double precision", "1e-310", "1e-310", "1e-310"},
        {"double precision", "0.7999999999999999", "0.7999999999999999", "0.7999999999999999"},
        {"double precision", "1.7976931348623157e308", "1.7976931348623157e+308",
         "1.7976931348623157e+308"},
        {"double precision", "nan", "NaN", "\"NaN\""},
        {"double precision", "-inf", "-Infinity", "\"-Infinity\""},
        {"real", "0.1", "0.1", "0.1"},
        {"real", "16777217", "16777216", "16777216"},
        {"real", "3.4028235e38", "3.4028235e+38", "3.4028235e+38"},
        {"real", "1e-45", "1e-45", "1e-45"},
        {"real", "0.333333343", "0.33333334", "0.33333334"},
        {"double precision", "5e-324", "5e-324", "5e-324"},
        {"real", "1e10", "1e+10", "1e+10"},
        {"real", "Infinity", "Infinity", "\"Infinity\""},
        {"numeric", ".5", "0.5", "0.5"},
        {"numeric", "12.50", "12.50", "12.50"},
        {"numeric", "1.5E-3", "1.5e-3", "1.5e-3"},
        {"numeric", "NaN", "NaN", "\"NaN\""},
        {"numeric", "-inf", "-Infinity", "\"-Infinity\""},
        {"boolean", "yes", "true", "true"},
        {"boolean", "0", "false", "false"},
        {"text", "say \"hi\"\\\n", "say \"hi\"\\\n", "\"say \\\"hi\\\"\\\\\\u000a\""},
        {"date", "2024-02-29", "2024-02-29", "\"2024-02-29\""},
        {"date", "0001-01-01", "0001-01-01", "\"0001-01-01\""},
        {"timestamp", "2000-01-01T12:00", "2000-01-01 12:00:00", "\"2000-01-01 12:00:00\""},
        {"timestamp", "2000-01-01 12:00:00.120", "2000-01-01 12:00:00.12", "\"2000-01-01 12:00:00.12\""},
        {"timestamp", "1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999",
         "\"1999-12-31 23:59:59.999999\""},
        {"timestamp", "2000-01-01 24:00", "2000-01-02 00:00:00", "\"2000-01-02 00:00:00\""},
        {"timestamptz", "2000-01-01 00:00:00+01", "1999-12-31 23:00:00+00", "\"1999-12-31 23:00:00+00\""},
        {"timestamptz", "0001-01-01 00:00:00.000001", "0001-01-01 00:00:00.000001+00",
         "\"0001-01-01 00:00:00.000001+00\""},
        {"uuid", "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
         "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_column c = column(cases[i].type);
        struct hs_value v = good(cases[i].type, cases[i].in);
        if (strcmp(text_of(&c, &v), cases[i].text) != 0)
            fail_msg("%s '%s': text '%s'", cases[i].type, cases[i].in, text_of(&c, &v));
        if (strcmp(json_of(&c, &v), cases[i].json) != 0)
            fail_msg("%s '%s': JSON '%s'", cases[i].type, cases[i].in, json_of(&c, &v));
    }
    struct hs_column c = column("integer");
    struct hs_value null = {.len = HS_VALUE_NULL};
    assert_string_equal(text_of(&c, &null), "");
    assert_string_equal(json_of(&c, &null), "null");
}

/* ---- binary COPY ---- */

static void copy_forms(void **state)
{
    (void)state;
    COPY("smallint", "-2", 0, 0, 0, 2, 0xff, 0xfe);
    COPY("integer", "258", 0, 0, 0, 4, 0, 0, 1, 2);
    COPY("bigint", "-1", 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    COPY("real", "1.5", 0, 0, 0, 4, 0x3f, 0xc0, 0, 0);
    COPY("real", "-0", 0, 0, 0, 4, 0x80, 0, 0, 0);
    COPY("real", "NaN", 0, 0, 0, 4, 0x7f, 0xc0, 0, 0);
    COPY("double precision", "1.5", 0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0);
    COPY("double precision", "-Infinity", 0, 0, 0, 8, 0xff, 0xf0, 0, 0, 0, 0, 0, 0);
    COPY("boolean", "t", 0, 0, 0, 1, 1);
    COPY("boolean", "off", 0, 0, 0, 1, 0);
    COPY("date", "1999-12-31", 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff);
    COPY("date", "2024-02-29", 0, 0, 0, 4, 0, 0, 0x22, 0x79);
    COPY("timestamp", "2000-01-01 00:00:01", 0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40);
    COPY("timestamptz", "2000-01-01 00:00:00+01", 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0x29, 0x6c,
         0x5c, 0);
    COPY("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 0, 0, 0, 16, 0xa0, 0xee, 0xbc, 0x99, 0x9c,
         0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11);
    COPY("text", "h\xc3\xa9", 0, 0, 0, 3, 'h', 0xc3, 0xa9);
    COPY("varchar(2)", "ab ", 0, 0, 0, 2, 'a', 'b');
    struct hs_column c = column("integer");
    struct hs_value null = {.len = HS_VALUE_NULL};
    struct hs_buf b = {0};
    hs_value_copy(&b, &c, &null, area);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "\xff\xff\xff\xff", 4);
    hs_buf_free(&b);
}

/* ---- round trips ---- */

static void edge_values_round_trip(void **state)
{
    (void)state;
    static const struct { const char *type, *text; } cases[] = {
        {"smallint", "-32768"}, {"smallint", "32767"}, {"integer", "-2147483648"},
        {"integer", "2147483647"}, {"bigint", "-9223372036854775808"}, {"bigint", "9223372036854775807"},
        {"double precision", "-0"}, {"double precision", "4.9406564584124654e-324"},
        {"double precision", "2.2250738585072009e-308"}, {"double precision", "1.7976931348623157e308"},
        {"double precision", "-1.7976931348623157e308"}, {"double precision", "1e-310"},
        {"double precision", "NaN"}, {"double precision", "Infinity"}, {"double precision", "-Infinity"},
        {"double precision", "0.1"}, {"double precision", "123456.789"}, {"double precision", "1e22"},
        {"double precision", "9007199254740993"},
        {"real", "-0"}, {"real", "1e-45"}, {"real", "1.17549421e-38"}, {"real", "3.4028235e38"},
        {"real", "-3.4028235e38"}, {"real", "NaN"}, {"real", "-Infinity"}, {"real", "0.1"},
        {"real", "16777216"}, {"real", "999999.94"}, {"real", "1e6"}, {"real", "1.00000012"},
        {"numeric", "12.50"}, {"numeric", "1.5e-3"}, {"numeric", "-0.0015"},
        {"numeric", "123456789012345678901234567890.0123456789"}, {"numeric", "-1e131071"},
        {"numeric", "1e-16383"}, {"numeric", "NaN"}, {"numeric", "Infinity"}, {"numeric", "-Infinity"},
        {"numeric(5,2)", "999.994"}, {"boolean", "true"}, {"boolean", "false"},
        {"text", "quotes \" and ' and \\, commas, new\nlines\r\n and tabs\t"},
        {"text", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 \xc3\xa9 \x7f"},
        {"text", "\x01\x1f"}, {"varchar(3)", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
        {"date", "2024-02-29"}, {"date", "0001-01-01"}, {"date", "9999-12-31"}, {"date", "1900-03-01"},
        {"timestamp", "9999-12-31 23:59:59.999999"}, {"timestamp", "0001-01-01 00:00:00"},
        {"timestamp", "2024-02-29 12:34:56.000001"}, {"timestamptz", "2000-01-01 05:30:00+05:30"},
        {"timestamptz", "2000-01-01 00:00:00-12:00"}, {"timestamptz", "9999-12-31 23:59:59.999999"},
        {"timestamptz", "0001-01-01 00:00:00"}, {"uuid", "00000000-0000-0000-0000-000000000000"},
        {"uuid", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        round_trip_text(cases[i].type, cases[i].text);
}

static uint64_t random64(void)
{
    return (uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand();
}

/* Random bit patterns as doubles and floats (any NaN reads as the one NaN). */
static void random_floats_round_trip(void **state)
{
    (void)state;
    struct hs_column d = column("float8"), r = column("float4");
    srand(7);
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = random64();
        double x;
        float f;
        uint32_t fbits = (uint32_t)bits;
        char text[64];
        memcpy(&x, &bits, sizeof x);
        memcpy(&f, &fbits, sizeof f);
        text_area.used = 0;
        snprintf(text, sizeof text, "%.17g", x);
        struct hs_value v = good("float8", text);
        assert_true(isnan(x) || v.u.d == x);
        round_trips(&d, &v);
        snprintf(text, sizeof text, "%.9g", (double)f);
        v = good("float4", text);
        assert_true(isnan(f) || v.u.d == (double)f);
        round_trips(&r, &v);
    }
}

/* Random short decimals (the common case), for real and double. */
static void random_decimals_round_trip(void **state)
{
    (void)state;
    struct hs_column d = column("float8"), r = column("float4");
    srand(8);
    for (int i = 0; i < 200000; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s%d.%0*d", rand() % 2 ? "-" : "", rand() % 1000000,
                 1 + rand() % 8, rand() % 100000000);
        text_area.used = 0;
        struct hs_value v = good("float8", text);
        assert_true(v.u.d == strtod(text, NULL));
        round_trips(&d, &v);
        v = good("float4", text);
        assert_true(v.u.d == (double)strtof(text, NULL));
        round_trips(&r, &v);
    }
}

static void random_integers_and_times_round_trip(void **state)
{
    (void)state;
    static const char *const types[] = {"smallint", "integer", "bigint", "date", "timestamp",
                                        "timestamptz"};
    srand(9);
    for (int i = 0; i < 100000; i++) {
        const char *type = types[i % 6];
        struct hs_column c = column(type);
        struct hs_value v = {0};
        int64_t x = (int64_t)random64();
        if (c.type == HS_TYPE_DATE)
            x = -730119 + (int64_t)(random64() % 3652059);
        else if (c.type != HS_TYPE_BIGINT && c.type != HS_TYPE_SMALLINT && c.type != HS_TYPE_INTEGER)
            x = -63082281600000000 + (int64_t)(random64() % 315537897600000000);
        else if (c.type == HS_TYPE_SMALLINT)
            x = (int16_t)x;
        else if (c.type == HS_TYPE_INTEGER)
            x = (int32_t)x;
        v.u.i = x;
        round_trips(&c, &v);
    }
}

static void random_numerics_round_trip(void **state)
{
    (void)state;
    struct hs_column c = column("numeric");
    srand(10);
    for (int i = 0; i < 50000; i++) {
        char text[128];
        int n = snprintf(text, sizeof text, "%s%.*s", rand() % 2 ? "-" : "", 1 + rand() % 40,
                         "1234567890987654321012345678909876543210");
        if (rand() % 2)
            n += snprintf(text + n, sizeof text - (size_t)n, ".%0*d", 1 + rand() % 9, rand());
        if (rand() % 2)
            snprintf(text + n, sizeof text - (size_t)n, "e%d", rand() % 200 - 100);
        text_area.used = 0;
        struct hs_value v = good("numeric", text);
        round_trips(&c, &v);
    }
}

/* Random valid UTF-8 of every length of sequence. */
static void random_texts_round_trip(void **state)
{
    (void)state;
    struct hs_column c = column("text");
    srand(11);
    for (int i = 0; i < 20000; i++) {
        char text[256];
        size_t n = 0;
        while (n < 200) {
            uint32_t cp = (uint32_t)rand() % (rand() % 4 ? 0x80 : 0x110000);
            if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
                continue;
            if (cp < 0x80) {
                text[n++] = (char)cp;
            } else if (cp < 0x800) {
                text[n++] = (char)(0xc0 | cp >> 6), text[n++] = (char)(0x80 | (cp & 63));
            } else if (cp < 0x10000) {
                text[n++] = (char)(0xe0 | cp >> 12), text[n++] = (char)(0x80 | (cp >> 6 & 63));
                text[n++] = (char)(0x80 | (cp & 63));
            } else {
                text[n++] = (char)(0xf0 | cp >> 18), text[n++] = (char)(0x80 | (cp >> 12 & 63));
                text[n++] = (char)(0x80 | (cp >> 6 & 63)), text[n++] = (char)(0x80 | (cp & 63));
            }
        }
        text_area.used = 0;
        struct hs_value v;
        char err[ERR];
        if (parse_n(&c, text, n, false, &v, err) != 0)
            fail_msg("%s", err);
        round_trips(&c, &v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(integers, setup),
        cmocka_unit_test_setup(integers_refused, setup),
        cmocka_unit_test_setup(decimal_comma, setup),
        cmocka_unit_test_setup(doubles, setup),
        cmocka_unit_test_setup(long_decimals_round_correctly, setup),
        cmocka_unit_test_setup(reals, setup),
        cmocka_unit_test_setup(short_reals_equal_strtof, setup),
        cmocka_unit_test_setup(nan_and_infinities, setup),
        cmocka_unit_test_setup(numerics_kept_canonical, setup),
        cmocka_unit_test_setup(numerics_refused, setup),
        cmocka_unit_test_setup(numeric_copy_as_postgres_sends, setup),
        cmocka_unit_test_setup(booleans, setup),
        cmocka_unit_test_setup(texts, setup),
        cmocka_unit_test_setup(varchar_counts_characters, setup),
        cmocka_unit_test_setup(dates, setup),
        cmocka_unit_test_setup(timestamps, setup),
        cmocka_unit_test_setup(timestamps_refused, setup),
        cmocka_unit_test_setup(uuids, setup),
        cmocka_unit_test_setup(null_rules, setup),
        cmocka_unit_test_setup(text_area_full, setup),
        cmocka_unit_test_setup(messages_quote_at_most_40_bytes, setup),
        cmocka_unit_test_setup(text_and_json_forms, setup),
        cmocka_unit_test_setup(copy_forms, setup),
        cmocka_unit_test_setup(edge_values_round_trip, setup),
        cmocka_unit_test_setup(random_floats_round_trip, setup),
        cmocka_unit_test_setup(random_decimals_round_trip, setup),
        cmocka_unit_test_setup(random_integers_and_times_round_trip, setup),
        cmocka_unit_test_setup(random_numerics_round_trip, setup),
        cmocka_unit_test_setup(random_texts_round_trip, setup),
    };
    return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
