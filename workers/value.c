/*
 * value.c - see value.h.
 *
 * Where PostgreSQL's input functions and this file could disagree, this file
 * follows PostgreSQL 15 (which spellings a boolean takes, when a float is out
 * of range, how a fraction of a second is rounded, what numeric(p,s) holds,
 * how varchar(n) counts), so that a value accepted here means the same there;
 * it is stricter where PostgreSQL guesses (a date only as YYYY-MM-DD, no
 * hexadecimal floats, a timestamp without time zone refuses an offset rather
 * than dropping it).
 */
#include "value.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decimal.h"
#include "utf8.h"

#define QUOTE_MAX 40 /* bytes of the refused text an error quotes */

/* The fast paths for real divide floats and rely on the quotient rounded to
 * float, not to a wider type. */
_Static_assert(FLT_EVAL_METHOD == 0, "float arithmetic must round to float");

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY INT64_C(86400000000)

/* PostgreSQL's limits on numeric (numeric.c): the exponent written must stay
 * below INT_MAX / 2, the display scale (digits after the point) at most
 * 0x3FFF, the weight of the first base-10000 digit at most INT16_MAX, i.e.
 * the first significant decimal digit at most at 10^131071. */
#define NUMERIC_EXP_LIMIT 1073741823
#define NUMERIC_DSCALE_MAX 0x3FFF
#define NUMERIC_POWER_MAX 131071
#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000

/* A number as text sees it, [+-]digits[.digits][e[+-]digits]: the digits of
 * both parts in a row, the point after the first `ni` of them, moved by exp
 * places. Digit i (counted from 0) stands for 10^(ni + exp - 1 - i). */
struct number {
    bool negative;
    const char *ip, *fp; /* the integer part's digits, the fraction's */
    size_t ni, nf;
    int64_t exp; /* cut at +-EXP_SATURATED: anything that large is out of range */
};
#define EXP_SATURATED INT64_C(2000000000)

/* strtod's input for a number: "-0.<digits>e<exponent>" with at most
 * NORMAL_DIGITS significant digits, then a 1 standing for the nonzero digits
 * cut off. A double's rounding is decided by its first 767 significant
 * digits, so the cut changes nothing: no rounding boundary lies between the
 * number and its stand-in. */
#define NORMAL_DIGITS 800
#define NORMAL_MAX (NORMAL_DIGITS + 32)

/* One call of hs_value_parse. */
struct in {
    const struct hs_column *col;
    const char *s; /* the value; for other types than text, spaces cut off */
    size_t len;
    bool comma; /* a comma may be the decimal point */
    struct hs_value *v;
    struct hs_text *text;
    char *err;
    size_t errlen;
};

bool hs_type_uses_text(enum hs_type type)
{
    return type == HS_TYPE_NUMERIC || type == HS_TYPE_TEXT || type == HS_TYPE_VARCHAR ||
           type == HS_TYPE_UUID;
}

static bool is_text_type(enum hs_type type)
{
    return type == HS_TYPE_TEXT || type == HS_TYPE_VARCHAR;
}

/* ---- errors ---- */

/* s[0..n) fit to quote in a message: at most QUOTE_MAX bytes cut at the end
 * of a character ("..." after a cut), control characters and bytes outside
 * valid UTF-8 each made '?'. out has room for QUOTE_MAX + 4 bytes. */
static void quote(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t seq = hs_utf8_sequence(s + i, n - i), width = seq ? seq : 1;
        if (o + width > QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (seq == 0 || c < 0x20 || c == 0x7f) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, seq);
            o += seq;
        }
        i += width;
    }
    out[o] = '\0';
}

/* "<column> is not a <type>: '<text>'", or "... is out of range for ...". */
static int refuse(const struct in *in, bool range)
{
    char type[64], text[QUOTE_MAX + 4];
    hs_type_sql(in->col, type, sizeof type);
    quote(in->s, in->len, text);
    if (range)
        snprintf(in->err, in->errlen, "%s is out of range for %s: '%s'", in->col->name, type, text);
    else
        snprintf(in->err, in->errlen, "%s is not %s %s: '%s'", in->col->name,
                 type[0] == 'i' ? "an" : "a", type, text);
    return -1;
}

static int not_a(const struct in *in) { return refuse(in, false); }
static int out_of_range(const struct in *in) { return refuse(in, true); }

/* ---- the row's text area ---- */

/* Where n more bytes go in the text area, or NULL (and the error) when they
 * do not fit. */
static char *text_room(const struct in *in, size_t n)
{
    const struct hs_text *t = in->text;
    if (n >= HS_VALUE_NULL || n > (size_t)(t->cap - t->used)) {
        snprintf(in->err, in->errlen, "the record's values are longer than max_row_bytes");
        return NULL;
    }
    return t->data + t->used;
}

/* The n bytes written at text_room() become the value. */
static int text_keep(const struct in *in, size_t n)
{
    in->v->off = in->text->used;
    in->v->len = (uint32_t)n;
    in->text->used += (uint32_t)n;
    return 0;
}

static int text_copy(const struct in *in, const void *bytes, size_t n)
{
    char *to = text_room(in, n);
    if (to == NULL)
        return -1;
    memcpy(to, bytes, n);
    return text_keep(in, n);
}

/* ---- numbers as text ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static size_t skip_digits(const char *s, size_t i, size_t len)
{
    while (i < len && is_digit(s[i]))
        i++;
    return i;
}

/* The exponent's digits from s[i]: 0 and the index after them, saturated. */
static int scan_exponent(const char *s, size_t i, size_t len, struct number *n)
{
    bool negative = i < len && s[i] == '-';
    i += i < len && (s[i] == '-' || s[i] == '+');
    size_t end = skip_digits(s, i, len);
    if (end == i || end != len)
        return -1;
    for (; i < end; i++)
        if ((n->exp = n->exp * 10 + (s[i] - '0')) > EXP_SATURATED)
            n->exp = EXP_SATURATED;
    n->exp = negative ? -n->exp : n->exp;
    return 0;
}

/* Reads all of s[0..len) as [+-]digits[.digits][(e|E)[+-]digits], the point
 * a comma too when `comma`; ".5" and "5." are numbers, "." is not. */
static int scan_number(const char *s, size_t len, bool comma, struct number *n)
{
    size_t i = 0;
    *n = (struct number){0};
    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        n->negative = s[i++] == '-';
    n->ip = s + i;
    i = skip_digits(s, i, len);
    n->ni = (size_t)(s + i - n->ip);
    if (i < len && (s[i] == '.' || (comma && s[i] == ','))) {
        n->fp = s + ++i;
        i = skip_digits(s, i, len);
        n->nf = (size_t)(s + i - n->fp);
    }
    if (n->ni + n->nf == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E'))
        return scan_exponent(s, i + 1, len, n);
    return i == len ? 0 : -1;
}

/* Digit i of n, '0' before the first and past the last. */
static char digit_at(const struct number *n, int64_t i)
{
    if (i < 0 || i >= (int64_t)(n->ni + n->nf))
        return '0';
    return (size_t)i < n->ni ? n->ip[i] : n->fp[(size_t)i - n->ni];
}

/* The first and last nonzero digit; false when the number is zero. */
static bool nonzero_span(const struct number *n, size_t *first, size_t *last)
{
    size_t count = n->ni + n->nf;
    for (*first = 0; *first < count && digit_at(n, (int64_t)*first) == '0'; ++*first)
        ;
    if (*first == count)
        return false;
    for (*last = count - 1; digit_at(n, (int64_t)*last) == '0'; --*last)
        ;
    return true;
}

/* How many digits stand before the point: 10^(point - 1) is digit 0's. */
static int64_t point_of(const struct number *n) { return (int64_t)n->ni + n->exp; }

/* Appends the decimal r / 10^k (0 <= k <= 18), r any int64. */
static void put_decimal(struct hs_buf *b, int64_t r, int k)
{
    char text[32], *end = text + sizeof text, *p = end;
    uint64_t u = r < 0 ? 0 - (uint64_t)r : (uint64_t)r;
    for (int digits = 0; digits <= k || u > 0; digits++) {
        if (digits == k && k > 0)
            *--p = '.';
        *--p = (char)('0' + u % 10);
        u /= 10;
    }
    if (r < 0)
        *--p = '-';
    hs_buf_append(b, p, (size_t)(end - p));
}

/* strtod's input for n (see NORMAL_DIGITS) in out[NORMAL_MAX]. */
static void normalise(const struct number *n, char *out)
{
    size_t first, last, o = 0;
    if (n->negative)
        out[o++] = '-';
    if (!nonzero_span(n, &first, &last)) {
        memcpy(out + o, "0", 2);
        return;
    }
    size_t count = last - first + 1, keep = count < NORMAL_DIGITS ? count : NORMAL_DIGITS;
    out[o++] = '0';
    out[o++] = '.';
    for (size_t i = 0; i < keep; i++)
        out[o++] = digit_at(n, (int64_t)(first + i));
    if (keep < count)
        out[o++] = '1';
    snprintf(out + o, NORMAL_MAX - o, "e%lld", (long long)(point_of(n) - (int64_t)first));
}

/* ---- integers ---- */

/* [+-]digits of at most 18 digits, the common case: 0 and its magnitude. */
static int plain_integer(const char *s, size_t len, bool *negative, uint64_t *mag)
{
    size_t i = len > 0 && (s[0] == '-' || s[0] == '+');
    *negative = i == 1 && s[0] == '-';
    if (len == i || len - i > 18)
        return -1;
    for (*mag = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return -1;
        *mag = *mag * 10 + (uint64_t)(s[i] - '0');
    }
    return 0;
}

/* The magnitude of a number without a fraction (UINT64_MAX when beyond 19
 * digits), or -1 when a nonzero digit follows the point. */
static int integral_magnitude(const struct number *n, uint64_t *mag)
{
    size_t first, last;
    int64_t point = point_of(n);
    *mag = 0;
    if (!nonzero_span(n, &first, &last))
        return 0;
    if ((int64_t)last >= point)
        return -1;
    if (point - (int64_t)first > 19) {
        *mag = UINT64_MAX;
        return 0;
    }
    for (int64_t i = (int64_t)first; i < point; i++)
        *mag = *mag * 10 + (uint64_t)(digit_at(n, i) - '0');
    return 0;
}

static uint64_t integer_max(enum hs_type type)
{
    return type == HS_TYPE_SMALLINT ? INT16_MAX : type == HS_TYPE_INTEGER ? INT32_MAX : INT64_MAX;
}

/* smallint, integer, bigint: also "1.0" and "1e3", read exactly (no double). */
static int parse_integer(const struct in *in)
{
    bool negative;
    uint64_t mag;
    if (plain_integer(in->s, in->len, &negative, &mag) != 0) {
        struct number n;
        if (scan_number(in->s, in->len, false, &n) != 0 || integral_magnitude(&n, &mag) != 0)
            return not_a(in);
        negative = n.negative;
    }
    if (mag > integer_max(in->col->type) + negative)
        return out_of_range(in);
    in->v->u.i = negative && mag > 0 ? -(int64_t)(mag - 1) - 1 : (int64_t)mag;
    return 0;
}

/* ---- real and double precision ---- */

enum special { SPECIAL_NONE, SPECIAL_NAN, SPECIAL_INF, SPECIAL_NINF };

/* NaN, Infinity or inf, any case, after an optional sign (in *sign). */
static enum special special_value(const char *s, size_t len, bool *sign)
{
    bool negative = len > 0 && s[0] == '-';
    *sign = len > 0 && (s[0] == '-' || s[0] == '+');
    s += *sign;
    len -= *sign;
    if (len == 3 && strncasecmp(s, "nan", 3) == 0)
        return SPECIAL_NAN;
    if ((len == 3 && strncasecmp(s, "inf", 3) == 0) ||
        (len == 8 && strncasecmp(s, "infinity", 8) == 0))
        return negative ? SPECIAL_NINF : SPECIAL_INF;
    return SPECIAL_NONE;
}

/* A plain decimal read by hs_plain_decimal without strtod: 0, or -1 when s
 * is something else. A decimal comma is made a point in a copy first. */
static int plain_double(const struct in *in, double *out)
{
    const char *comma = in->comma ? memchr(in->s, ',', in->len) : NULL;
    if (comma == NULL)
        return hs_plain_decimal(in->s, in->s + in->len, out);
    char copy[40];
    if (in->len > sizeof copy)
        return -1;
    memcpy(copy, in->s, in->len);
    copy[comma - in->s] = '.';
    return hs_plain_decimal(copy, copy + in->len, out);
}

/* Any other float, through strtod (strtof for real: a double rounded again
 * to float may differ from the float nearest the text). Out of range, as for
 * PostgreSQL, when it overflows, or underflows to zero; a denormal is kept. */
static int general_float(const struct in *in, bool single, double *out)
{
    bool sign;
    struct number n;
    char text[NORMAL_MAX];
    switch (special_value(in->s, in->len, &sign)) {
    case SPECIAL_NAN: *out = NAN; return 0; /* one NaN, whatever the sign or bits */
    case SPECIAL_INF: *out = INFINITY; return 0;
    case SPECIAL_NINF: *out = -INFINITY; return 0;
    case SPECIAL_NONE: break;
    }
    if (scan_number(in->s, in->len, in->comma, &n) != 0)
        return not_a(in);
    normalise(&n, text);
    errno = 0;
    *out = single ? (double)strtof(text, NULL) : strtod(text, NULL);
    if (errno == ERANGE && (*out == 0 || isinf(*out)))
        return out_of_range(in);
    return 0;
}

/* A real written [-]digits[.digits] with at most 7 significant digits and
 * 10 after the point, without strtof: m < 2^24 and 10^k are exact floats, and
 * float division rounds correctly, as strtof does (decimal.c's reasoning). */
static int plain_float(const struct in *in, double *out)
{
    static const float p10[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    bool negative = in->len > 0 && in->s[0] == '-';
    uint32_t m = 0;
    int after = -1, significant = 0, digits = 0;
    for (size_t i = negative; i < in->len; i++) {
        char c = in->s[i];
        if ((c == '.' || (c == ',' && in->comma)) && after < 0) {
            after = 0;
            continue;
        }
        if (!is_digit(c))
            return -1;
        digits++;
        after += after >= 0;
        if (m == 0 && c == '0')
            continue;
        if (++significant > 7)
            return -1;
        m = m * 10 + (uint32_t)(c - '0');
    }
    if (digits == 0 || after == 0 || after > 10)
        return -1;
    float f = (float)m / p10[after > 0 ? after : 0];
    *out = negative ? -f : f;
    return 0;
}

static int parse_float(const struct in *in)
{
    double *d = &in->v->u.d;
    if (in->col->type == HS_TYPE_DOUBLE ? plain_double(in, d) == 0 : plain_float(in, d) == 0)
        return 0;
    return general_float(in, in->col->type == HS_TYPE_REAL, d);
}

/* ---- numeric ---- */

/* How many digits stand before the point once n is rounded (half away from
 * zero) to `scale` decimals, as numeric(p, s) rounds: 999.995 has 4. */
static int64_t rounded_integer_digits(const struct number *n, int scale)
{
    size_t first, last;
    if (!nonzero_span(n, &first, &last))
        return 0;
    int64_t cut = point_of(n) + scale; /* the first digit rounded away */
    int64_t top = point_of(n) - (int64_t)first, i = (int64_t)first;
    while (i < cut && digit_at(n, i) == '9')
        i++;
    bool carry = i == cut && digit_at(n, cut) >= '5';
    return top + carry > 0 ? top + carry : 0;
}

/* Whether PostgreSQL's numeric (with the column's precision and scale, if
 * given) holds n. */
static bool numeric_fits(const struct hs_column *col, const struct number *n)
{
    size_t first, last;
    if (n->exp >= NUMERIC_EXP_LIMIT || n->exp <= -NUMERIC_EXP_LIMIT)
        return false;
    if ((int64_t)n->nf - n->exp > NUMERIC_DSCALE_MAX)
        return false;
    if (nonzero_span(n, &first, &last) && point_of(n) - 1 - (int64_t)first > NUMERIC_POWER_MAX)
        return false;
    return col->length == 0 ||
           rounded_integer_digits(n, col->scale) <= (int64_t)(col->length - col->scale);
}

/* Writes n in the form value.h gives ([-]digits[.digits][e[-]digits], valid
 * JSON): no '+', no leading zeros but one before the point, "0.5" for ".5",
 * "5" for "5.", no minus on zero, no exponent of 0. Returns its length; with
 * out NULL only counts. */
static size_t canonical(const struct number *n, char *out)
{
    size_t first, last, o = 0, skip = 0;
    char etext[24];
    int nexp = n->exp == 0 ? 0 : snprintf(etext, sizeof etext, "e%lld", (long long)n->exp);
    while (skip + 1 < n->ni && n->ip[skip] == '0')
        skip++;
    bool minus = n->negative && nonzero_span(n, &first, &last);
    size_t len = minus + (n->ni ? n->ni - skip : 1) + (n->nf ? n->nf + 1 : 0) + (size_t)nexp;
    if (out == NULL)
        return len;
    if (minus)
        out[o++] = '-';
    if (n->ni == 0)
        out[o++] = '0';
    memcpy(out + o, n->ip + skip, n->ni - skip);
    o += n->ni - skip;
    if (n->nf > 0) {
        out[o++] = '.';
        memcpy(out + o, n->fp, n->nf);
        o += n->nf;
    }
    memcpy(out + o, etext, (size_t)nexp);
    return len;
}

static int numeric_special(const struct in *in, enum special kind, bool sign)
{
    if (kind == SPECIAL_NAN)
        return sign ? not_a(in) : text_copy(in, "NaN", 3); /* as numeric_in: no "-NaN" */
    if (in->col->length > 0)
        return out_of_range(in); /* numeric(p, s) holds no infinity */
    return kind == SPECIAL_INF ? text_copy(in, "Infinity", 8) : text_copy(in, "-Infinity", 9);
}

static int parse_numeric(const struct in *in)
{
    bool sign;
    struct number n;
    enum special kind = special_value(in->s, in->len, &sign);
    if (kind != SPECIAL_NONE)
        return numeric_special(in, kind, sign);
    if (scan_number(in->s, in->len, in->comma, &n) != 0)
        return not_a(in);
    if (!numeric_fits(in->col, &n))
        return out_of_range(in);
    size_t len = canonical(&n, NULL);
    char *to = text_room(in, len);
    if (to == NULL)
        return -1;
    canonical(&n, to);
    return text_keep(in, len);
}

/* ---- boolean ---- */

/* As PostgreSQL's parse_bool: any case, a leading part of true, false, yes
 * or no, on, of or off, 1 or 0. */
static int parse_boolean(const struct in *in)
{
    static const struct { const char *word; size_t least; bool value; } words[] = {
        {"true", 1, true}, {"false", 1, false}, {"yes", 1, true}, {"no", 1, false},
        {"on", 2, true},   {"off", 2, false},   {"1", 1, true},   {"0", 1, false},
    };
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (in->len >= words[w].least && in->len <= strlen(words[w].word) &&
            strncasecmp(in->s, words[w].word, in->len) == 0) {
            in->v->u.i = words[w].value;
            return 0;
        }
    return not_a(in);
}

/* ---- text, varchar(n) ---- */

/* varchar(n) counts characters. As PostgreSQL does, what is past the n-th
 * is cut off when it is only spaces, and refused otherwise. */
static int varchar_length(const struct in *in, size_t *len)
{
    size_t chars = 0, i = 0, n = (size_t)in->col->length;
    if (in->len <= n)
        return 0; /* no more bytes than characters allowed */
    for (; i < in->len; i++)
        if (((unsigned char)in->s[i] & 0xC0) != 0x80 && ++chars > n)
            break;
    for (size_t j = i; j < in->len; j++)
        if (in->s[j] != ' ') {
            snprintf(in->err, in->errlen, "%s is longer than varchar(%d)", in->col->name,
                     (int)in->col->length);
            return -1;
        }
    *len = i;
    return 0;
}

static int parse_text(const struct in *in)
{
    size_t len = in->len;
    if (hs_utf8_invalid_at(in->s, in->len) != in->len)
        return not_a(in);
    if (in->col->type == HS_TYPE_VARCHAR && in->col->length > 0 && varchar_length(in, &len) != 0)
        return -1;
    return text_copy(in, in->s, len);
}

/* ---- uuid ---- */

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* As PostgreSQL's string_to_uuid: 32 hex digits, any case, a hyphen allowed
 * after each group of four, the whole in braces or not. */
static int read_uuid(const char *s, size_t len, unsigned char *u)
{
    size_t i = 0, end = len;
    if (len > 0 && s[0] == '{') {
        if (s[len - 1] != '}')
            return -1;
        i = 1, end = len - 1;
    }
    for (int k = 0; k < 16; k++) {
        int hi, lo;
        if (end - i < 2 || (hi = hex_value(s[i])) < 0 || (lo = hex_value(s[i + 1])) < 0)
            return -1;
        u[k] = (unsigned char)(hi << 4 | lo);
        i += 2;
        if (i < end && s[i] == '-' && k % 2 == 1 && k < 15)
            i++;
    }
    return i == end ? 0 : -1;
}

static int parse_uuid(const struct in *in)
{
    unsigned char u[16];
    if (in->len < 32 || read_uuid(in->s, in->len, u) != 0)
        return not_a(in);
    return text_copy(in, u, sizeof u);
}

/* ---- date, timestamp, timestamptz ---- */

/* Days from 2000-01-01 to a day of the proleptic Gregorian calendar, and
 * back (H. Hinnant's days_from_civil / civil_from_days). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957;
}

static void civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468 + 10957;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The value of the n digits at s, or -1 when one is not a digit. */
static int read_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return days[m - 1] + (m == 2 && leap);
}

/* YYYY-MM-DD at s (len >= 10), years 1 to 9999, a day the calendar has. */
static int read_date(const char *s, int64_t *days)
{
    int y = read_digits(s, 4), m = read_digits(s + 5, 2), d = read_digits(s + 8, 2);
    if (s[4] != '-' || s[7] != '-' || y < 1 || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m))
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

static int parse_date(const struct in *in)
{
    if (in->len != 10 || read_date(in->s, &in->v->u.i) != 0)
        return not_a(in);
    return 0;
}

/* The microseconds of the k digits of a fraction of a second, rounded as
 * PostgreSQL rounds them (strtod, then rint: half to even). */
static int64_t fraction_usecs(const char *digits, size_t k)
{
    static const int scale[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
    if (k <= 6) /* exact in integers, and rint would give the same */
        return (int64_t)read_digits(digits, (int)k) * scale[k];
    char text[NORMAL_MAX];
    struct number n = {.fp = digits, .nf = k};
    normalise(&n, text);
    return (int64_t)rint(strtod(text, NULL) * 1e6);
}

/* HH:MM[:SS[.fraction]] at s: its microseconds since midnight and where it
 * ends; -1 when malformed or past 24:00:00 (which, like 23:59:60, is allowed,
 * as PostgreSQL allows them). */
static int read_time(const char *s, size_t len, int64_t *usecs, size_t *end)
{
    if (len < 5 || s[2] != ':')
        return -1;
    int h = read_digits(s, 2), m = read_digits(s + 3, 2), sec = 0;
    int64_t frac = 0;
    *end = 5;
    if (len >= 8 && s[5] == ':') {
        sec = read_digits(s + 6, 2);
        *end = 8;
        if (len > 9 && s[8] == '.' && is_digit(s[9])) {
            *end = skip_digits(s, 9, len);
            frac = fraction_usecs(s + 9, *end - 9);
        }
    }
    if (h < 0 || m < 0 || sec < 0 || h > 24 || m > 59 || sec > 60 || frac > USECS_PER_SEC)
        return -1;
    *usecs = ((h * INT64_C(60) + m) * 60 + sec) * USECS_PER_SEC + frac;
    return *usecs <= USECS_PER_DAY ? 0 : -1;
}

/* The rest of a timestamptz after its time: nothing (UTC), or spaces then Z,
 * +HH, +HHMM, +HH:MM (or +H) with at most 15:59: the offset in seconds. */
static int read_offset(const char *s, size_t len, int64_t *secs)
{
    size_t i = 0;
    *secs = 0;
    while (i < len && s[i] == ' ')
        i++;
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
        return 0;
    if (i == len || (s[i] != '+' && s[i] != '-'))
        return -1;
    const char *p = s + i + 1;
    size_t n = len - i - 1;
    int h = n == 1 ? read_digits(p, 1) : n >= 2 ? read_digits(p, 2) : -1, m = 0;
    if (n == 4 || (n == 5 && p[2] == ':'))
        m = read_digits(p + n - 2, 2);
    else if (n > 2)
        return -1;
    if (h < 0 || h > 15 || m < 0 || m > 59)
        return -1;
    *secs = (h * 60 + m) * 60 * (s[i] == '-' ? -1 : 1);
    return 0;
}

/* YYYY-MM-DD[ T]HH:MM[:SS[.fraction]], then for timestamptz an offset. */
static int read_timestamp(const char *s, size_t len, bool tz, int64_t *usecs)
{
    int64_t days, tod, offset = 0;
    size_t end;
    if (len == 10 && read_date(s, &days) == 0) { /* a date alone is its midnight, as in PostgreSQL */
        *usecs = days * USECS_PER_DAY;
        return 0;
    }
    if (len < 16 || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || read_date(s, &days) != 0 ||
        read_time(s + 11, len - 11, &tod, &end) != 0)
        return -1;
    end += 11;
    if (end != len && (!tz || read_offset(s + end, len - end, &offset) != 0))
        return -1;
    *usecs = days * USECS_PER_DAY + tod - offset * USECS_PER_SEC;
    return 0;
}

static int parse_timestamp(const struct in *in)
{
    static const int64_t low = -730119 * USECS_PER_DAY; /* 0001-01-01 */
    static const int64_t high = 2921940 * USECS_PER_DAY - 1; /* 9999-12-31 23:59:59.999999 */
    if (read_timestamp(in->s, in->len, in->col->type == HS_TYPE_TIMESTAMPTZ, &in->v->u.i) != 0)
        return not_a(in);
    /* Beyond, the text form would need a fifth digit or BC. */
    return in->v->u.i < low || in->v->u.i > high ? out_of_range(in) : 0;
}

/* ---- parse ---- */

static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_space(**s))
        ++*s, --*len;
    while (*len > 0 && is_space((*s)[*len - 1]))
        --*len;
}

static bool is_null_text(const struct hs_column *col, const char *s, size_t len)
{
    if (col->null_text[0] == '\0') /* the usual NULL text, empty: asked per value */
        return len == 0;
    const char *null = col->null_text;
    size_t n = strnlen(null, sizeof col->null_text);
    if (!is_text_type(col->type))
        trim(&null, &n);
    return n == len && memcmp(s, null, len) == 0;
}

static int parse_typed(const struct in *in)
{
    switch (in->col->type) {
    case HS_TYPE_SMALLINT: case HS_TYPE_INTEGER: case HS_TYPE_BIGINT: return parse_integer(in);
    case HS_TYPE_REAL: case HS_TYPE_DOUBLE: return parse_float(in);
    case HS_TYPE_NUMERIC: return parse_numeric(in);
    case HS_TYPE_BOOLEAN: return parse_boolean(in);
    case HS_TYPE_TEXT: case HS_TYPE_VARCHAR: return parse_text(in);
    case HS_TYPE_DATE: return parse_date(in);
    case HS_TYPE_TIMESTAMP: case HS_TYPE_TIMESTAMPTZ: return parse_timestamp(in);
    case HS_TYPE_UUID: return parse_uuid(in);
    }
    return not_a(in); /* a type value.h does not know */
}

int hs_value_parse(const struct hs_column *col, const char *s, size_t len, bool decimal_comma,
                   struct hs_value *v, struct hs_text *text, char *err, size_t errlen)
{
    bool comma = decimal_comma && (col->type == HS_TYPE_REAL || col->type == HS_TYPE_DOUBLE ||
                                   col->type == HS_TYPE_NUMERIC);
    struct in in = {col, s, len, comma, v, text, err, errlen};
    *v = (struct hs_value){0};
    if (!is_text_type(col->type))
        trim(&in.s, &in.len);
    if (is_null_text(col, in.s, in.len))
        return hs_value_null(col, v, err, errlen);
    return parse_typed(&in);
}

int hs_value_null(const struct hs_column *col, struct hs_value *v, char *err, size_t errlen)
{
    if (!col->nullable) {
        snprintf(err, errlen, "%s may not be NULL", col->name);
        return -1;
    }
    *v = (struct hs_value){.len = HS_VALUE_NULL};
    return 0;
}

/* ---- text form ---- */

/* The shortest text strtof reads back as f. With few decimals, r / 10^k is
 * tried for k = 0, 1, ...: r and 10^k are exact floats, and float division
 * rounds correctly, as strtof does, so when it gives f the text does too.
 * Otherwise the first of %.1g to %.9g that reads back (9 always do). */
static void put_float(struct hs_buf *b, float f)
{
    static const float p10[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f};
    if (f == 0) {
        hs_buf_puts(b, signbit(f) ? "-0" : "0");
        return;
    }
    for (int k = 0; k < 8 && fabsf(f) < 1e6f; k++) {
        double r = nearbyint((double)f * p10[k]);
        if (fabs(r) >= 16777216.0)
            break;
        if ((float)r / p10[k] == f) {
            put_decimal(b, (int64_t)r, k);
            return;
        }
    }
    char text[32];
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, (double)f);
        if (strtof(text, NULL) == f)
            break;
    }
    hs_buf_puts(b, text);
}

static void put_real(struct hs_buf *b, double d, bool single)
{
    if (isnan(d))
        hs_buf_puts(b, "NaN");
    else if (isinf(d))
        hs_buf_puts(b, d < 0 ? "-Infinity" : "Infinity");
    else if (single)
        put_float(b, (float)d);
    else
        hs_buf_double(b, d);
}

/* n digits of v, leading zeros kept, at p. */
static void put_fixed(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

static void put_date(struct hs_buf *b, int64_t days)
{
    int y, m, d;
    char text[10];
    civil_from_days(days, &y, &m, &d);
    put_fixed(text, y, 4);
    put_fixed(text + 5, m, 2);
    put_fixed(text + 8, d, 2);
    text[4] = text[7] = '-';
    hs_buf_append(b, text, sizeof text);
}

/* YYYY-MM-DD HH:MM:SS[.ffffff], the fraction's trailing zeros left out as
 * PostgreSQL leaves them; "+00" after it for timestamptz. */
static void put_timestamp(struct hs_buf *b, int64_t usecs, bool tz)
{
    int64_t days = usecs / USECS_PER_DAY - (usecs % USECS_PER_DAY < 0);
    int64_t tod = usecs - days * USECS_PER_DAY, secs = tod / USECS_PER_SEC;
    char text[16] = " HH:MM:SS.";
    int n = 6; /* digits of the fraction */
    put_date(b, days);
    put_fixed(text + 1, secs / 3600, 2);
    put_fixed(text + 4, secs / 60 % 60, 2);
    put_fixed(text + 7, secs % 60, 2);
    put_fixed(text + 10, tod % USECS_PER_SEC, 6);
    while (n > 0 && text[9 + n] == '0')
        n--;
    hs_buf_append(b, text, n > 0 ? (size_t)(10 + n) : 9);
    if (tz)
        hs_buf_append(b, "+00", 3);
}

static void put_uuid(struct hs_buf *b, const unsigned char *u)
{
    static const char hex[] = "0123456789abcdef";
    char text[36], *p = text;
    for (int k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            *p++ = '-';
        *p++ = hex[u[k] >> 4];
        *p++ = hex[u[k] & 15];
    }
    hs_buf_append(b, text, sizeof text);
}

void hs_value_text(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text)
{
    if (v->len == HS_VALUE_NULL)
        return;
    switch (col->type) {
    case HS_TYPE_SMALLINT: case HS_TYPE_INTEGER: case HS_TYPE_BIGINT: put_decimal(b, v->u.i, 0); break;
    case HS_TYPE_REAL: case HS_TYPE_DOUBLE: put_real(b, v->u.d, col->type == HS_TYPE_REAL); break;
    case HS_TYPE_BOOLEAN: hs_buf_puts(b, v->u.i ? "true" : "false"); break;
    case HS_TYPE_NUMERIC: case HS_TYPE_TEXT: case HS_TYPE_VARCHAR:
        hs_buf_append(b, text + v->off, v->len);
        break;
    case HS_TYPE_DATE: put_date(b, v->u.i); break;
    case HS_TYPE_TIMESTAMP: put_timestamp(b, v->u.i, false); break;
    case HS_TYPE_TIMESTAMPTZ: put_timestamp(b, v->u.i, true); break;
    case HS_TYPE_UUID: put_uuid(b, (const unsigned char *)text + v->off); break;
    }
}

/* ---- JSON ---- */

/* Whether the text form is a JSON number or literal as it is. */
static bool bare_in_json(const struct hs_column *col, const struct hs_value *v, const char *text)
{
    switch (col->type) {
    case HS_TYPE_SMALLINT: case HS_TYPE_INTEGER: case HS_TYPE_BIGINT: case HS_TYPE_BOOLEAN: return true;
    case HS_TYPE_REAL: case HS_TYPE_DOUBLE: return isfinite(v->u.d);
    case HS_TYPE_NUMERIC: return is_digit(text[v->off + v->len - 1]); /* not NaN, Infinity */
    default: return false;
    }
}

void hs_value_json(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text)
{
    if (v->len == HS_VALUE_NULL)
        hs_buf_append(b, "null", 4);
    else if (is_text_type(col->type))
        hs_buf_json_string(b, text + v->off, v->len);
    else if (bare_in_json(col, v, text))
        hs_value_text(b, col, v, text);
    else { /* dates, uuids, NaN and the infinities: text no JSON escape touches */
        hs_buf_append(b, "\"", 1);
        hs_value_text(b, col, v, text);
        hs_buf_append(b, "\"", 1);
    }
}

/* ---- binary COPY ---- */

/* The n low bytes of v, most significant first (network byte order). */
static void put_be(struct hs_buf *b, uint64_t v, int n)
{
    char bytes[8];
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        bytes[i] = (char)(v & 0xff);
    hs_buf_append(b, bytes, (size_t)n);
}

/* A field of n bytes holding v. */
static void put_field(struct hs_buf *b, int n, uint64_t v)
{
    put_be(b, (uint64_t)n, 4);
    put_be(b, v, n);
}

static void numeric_head(struct hs_buf *b, int64_t ndigits, int64_t weight, int sign, int64_t dscale)
{
    put_be(b, (uint64_t)(8 + 2 * ndigits), 4);
    put_be(b, (uint64_t)ndigits, 2);
    put_be(b, (uint64_t)weight, 2);
    put_be(b, (uint64_t)sign, 2);
    put_be(b, (uint64_t)dscale, 2);
}

static int64_t floor_div4(int64_t x) { return x >= 0 ? x / 4 : -((3 - x) / 4); }

/* The base-10000 digit g of n: decimal digits 10^(4g+3) .. 10^(4g). */
static uint64_t numeric_group(const struct number *n, int64_t g)
{
    uint64_t v = 0;
    for (int64_t power = 4 * g + 3; power >= 4 * g; power--)
        v = v * 10 + (uint64_t)(digit_at(n, point_of(n) - 1 - power) - '0');
    return v;
}

/* PostgreSQL's numeric_send: ndigits, weight (of the first base-10000
 * digit), sign, dscale (digits after the point), then the base-10000 digits
 * without leading or trailing zero ones. NaN and the infinities are a sign
 * alone; PostgreSQL itself sends them with a dscale of 0x20, which
 * numeric_recv ignores, as it does any. */
static void copy_numeric(struct hs_buf *b, const char *s, size_t len)
{
    struct number n;
    size_t first, last;
    if (s[0] == 'N' || s[len - 1] == 'y') {
        numeric_head(b, 0, 0, s[0] == 'N' ? NUMERIC_NAN : s[0] == '-' ? NUMERIC_NINF : NUMERIC_PINF, 0);
        return;
    }
    scan_number(s, len, false, &n); /* kept canonical: cannot fail */
    int64_t dscale = (int64_t)n.nf - n.exp > 0 ? (int64_t)n.nf - n.exp : 0;
    if (!nonzero_span(&n, &first, &last)) {
        numeric_head(b, 0, 0, NUMERIC_POS, dscale);
        return;
    }
    int64_t high = floor_div4(point_of(&n) - 1 - (int64_t)first);
    int64_t low = floor_div4(point_of(&n) - 1 - (int64_t)last);
    numeric_head(b, high - low + 1, high, n.negative ? NUMERIC_NEG : NUMERIC_POS, dscale);
    for (int64_t g = high; g >= low; g--)
        put_be(b, numeric_group(&n, g), 2);
}

static uint64_t float_bits(double d, bool single)
{
    if (single) {
        float f = (float)d;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        return bits;
    }
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

void hs_value_copy(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text)
{
    if (v->len == HS_VALUE_NULL) {
        put_be(b, UINT32_MAX, 4);
        return;
    }
    uint64_t i = (uint64_t)v->u.i;
    switch (col->type) {
    case HS_TYPE_SMALLINT: put_field(b, 2, i); break;
    case HS_TYPE_INTEGER: case HS_TYPE_DATE: put_field(b, 4, i); break;
    case HS_TYPE_BIGINT: case HS_TYPE_TIMESTAMP: case HS_TYPE_TIMESTAMPTZ: put_field(b, 8, i); break;
    case HS_TYPE_REAL: put_field(b, 4, float_bits(v->u.d, true)); break;
    case HS_TYPE_DOUBLE: put_field(b, 8, float_bits(v->u.d, false)); break;
    case HS_TYPE_BOOLEAN: put_field(b, 1, i); break;
    case HS_TYPE_NUMERIC: copy_numeric(b, text + v->off, v->len); break;
    case HS_TYPE_TEXT: case HS_TYPE_VARCHAR: case HS_TYPE_UUID:
        put_be(b, v->len, 4);
        hs_buf_append(b, text + v->off, v->len);
        break;
    }
}
