/*
 * test_types.c - the typed value codec (workers/value.c) against the real
 * PostgreSQL: for every column type, a few hundred texts (edge values and
 * random ones) are read by hs_value_parse and sent by binary COPY, with
 * hs_value_copy, into a temporary table, next to the original text, our text
 * form (hs_value_text) and our JSON form (hs_value_json). Then, for every row:
 *
 *  - the value PostgreSQL received prints as the original text does when
 *    PostgreSQL itself reads it: v::text = orig::<type>::text;
 *  - PostgreSQL reads our text form to the same value: ours::<type>::text;
 *  - and our JSON form, through json_populate_record as the writers' slow
 *    path reads rows;
 *
 * all compared as PostgreSQL prints them (floats in their shortest exact
 * form, timestamptz in a zone with a half-hour offset). Texts the codec
 * refuses as out of range or impossible, PostgreSQL refuses too.
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
#include <libpq-fe.h>
#include <cmocka.h>

#include "../harness.h"

#include "../../workers/value.h"

#define MAX_SAMPLES 1000

/* The texts of one type, in one arena. */
struct samples {
    const char *text[MAX_SAMPLES];
    size_t len[MAX_SAMPLES];
    int n;
    char arena[1 << 20];
    size_t used;
};

static struct samples samples;
static char area[1 << 21];
static PGconn *conn;

static void add_n(const char *s, size_t n)
{
    assert_true(samples.n < MAX_SAMPLES && samples.used + n + 1 <= sizeof samples.arena);
    char *to = samples.arena + samples.used;
    memcpy(to, s, n);
    to[n] = '\0';
    samples.text[samples.n] = to;
    samples.len[samples.n++] = n;
    samples.used += n + 1;
}

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    add_n(text, (size_t)n);
}

static void add_all(const char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add("%s", texts[i]);
}

static uint64_t random64(void)
{
    return (uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand();
}

static struct hs_column column(const char *type)
{
    struct hs_column c = {0};
    char err[256];
    snprintf(c.name, sizeof c.name, "v");
    snprintf(c.header, sizeof c.header, "v");
    if (hs_type_parse(type, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    c.nullable = true;
    snprintf(c.null_text, sizeof c.null_text, "<NULL>"); /* in no sample: "" is a text here */
    return c;
}

/* ---- PostgreSQL ---- */

static void exec_ok(const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

static void copy_in(const char *sql, const struct hs_buf *b)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    assert_int_equal(PQputCopyData(conn, b->data, (int)b->len), 1);
    assert_int_equal(PQputCopyEnd(conn, NULL), 1);
    res = PQgetResult(conn);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    while ((res = PQgetResult(conn)) != NULL)
        PQclear(res);
}

/* Fails the test naming the first rows where `differs` (an SQL condition
 * over t) holds. */
static void no_row_where(const char *what, const char *differs, const char *shown)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT i, orig, %s, v::text FROM t WHERE %s ORDER BY i LIMIT 3", shown,
             differs);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    for (int r = 0; r < PQntuples(res); r++)
        print_error("row %s: orig '%s': %s '%s', stored '%s'\n", PQgetvalue(res, r, 0),
                    PQgetvalue(res, r, 1), what, PQgetvalue(res, r, 2), PQgetvalue(res, r, 3));
    int bad = PQntuples(res);
    PQclear(res);
    if (bad > 0)
        fail_msg("%s: PostgreSQL reads another value (rows above)", what);
}

/* ---- the COPY stream ---- */

/* A text field (NULL when s is NULL), through the codec as a text column. */
static void text_field(struct hs_buf *b, const char *s, size_t n)
{
    static const struct hs_column text = {.name = "t", .type = HS_TYPE_TEXT};
    struct hs_value v = {.off = 0, .len = s ? (uint32_t)n : HS_VALUE_NULL};
    hs_value_copy(b, &text, &v, s);
}

/* One row: i, orig, ours, js, v. */
static void copy_row(struct hs_buf *b, int i, const struct hs_column *c, const struct hs_value *v,
                     const char *orig, size_t orig_len)
{
    static const struct hs_column integer = {.name = "i", .type = HS_TYPE_INTEGER};
    struct hs_buf ours = {0}, js = {0};
    hs_value_text(&ours, c, v, area);
    hs_buf_puts(&js, "{\"v\": ");
    hs_value_json(&js, c, v, area);
    hs_buf_puts(&js, "}");
    hs_buf_append(b, "\0\5", 2); /* 5 fields */
    hs_value_copy(b, &integer, &(struct hs_value){.u.i = i}, NULL);
    text_field(b, orig, orig_len);
    text_field(b, v->len == HS_VALUE_NULL ? NULL : ours.data ? ours.data : "", ours.len);
    text_field(b, js.data, js.len);
    hs_value_copy(b, c, v, area);
    hs_buf_free(&ours);
    hs_buf_free(&js);
}

/* The binary COPY header and trailer, as hs_copy_begin/hs_copy_end write
 * them: workers/pg_copy.h cannot be included beside value.h while record.h
 * names the housing columns `enum hs_column`. */
static void copy_begin(struct hs_buf *b) { hs_buf_append(b, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19); }
static void copy_end(struct hs_buf *b) { hs_buf_append(b, "\377\377", 2); }

/* Every sample through the codec into the stream, and one NULL row. */
static void build_stream(const struct hs_column *c, struct hs_buf *b)
{
    struct hs_text text = {area, 0, sizeof area};
    char err[256];
    copy_begin(b);
    for (int i = 0; i < samples.n; i++) {
        struct hs_value v;
        if (hs_value_parse(c, samples.text[i], samples.len[i], false, &v, &text, err, sizeof err) != 0)
            fail_msg("'%s' refused: %s", samples.text[i], err);
        copy_row(b, i, c, &v, samples.text[i], samples.len[i]);
    }
    copy_row(b, samples.n, c, &(struct hs_value){.len = HS_VALUE_NULL}, NULL, 0);
    copy_end(b);
}

/* Sends the samples as `type` and compares, as the top of this file says.
 * `pg_reads` is the SQL for PostgreSQL's own reading of orig (%s: the type),
 * NULL for orig::<type>. */
static void check_type(const char *type, const char *pg_reads)
{
    struct hs_column c = column(type);
    char sql_type[64], sql[512], reads[256], shown[300];
    struct hs_buf b = {0};
    hs_type_sql(&c, sql_type, sizeof sql_type);
    exec_ok("DROP TABLE IF EXISTS t, r");
    snprintf(sql, sizeof sql, "CREATE TEMP TABLE t (i int, orig text, ours text, js text, v %s); "
             "CREATE TEMP TABLE r (v %s)", sql_type, sql_type);
    exec_ok(sql);
    build_stream(&c, &b);
    assert_false(hs_buf_failed(&b));
    copy_in("COPY t (i, orig, ours, js, v) FROM STDIN (FORMAT binary)", &b);
    hs_buf_free(&b);
    snprintf(reads, sizeof reads, pg_reads ? pg_reads : "orig::%s", sql_type);
    snprintf(sql, sizeof sql, "v::text IS DISTINCT FROM (%s)::text", reads);
    snprintf(shown, sizeof shown, "(%s)::text", reads);
    no_row_where("PostgreSQL reading the original", sql, shown);
    snprintf(sql, sizeof sql, "v::text IS DISTINCT FROM ours::%s::text", sql_type);
    no_row_where("our text form", sql, "ours");
    no_row_where("our JSON form",
                 "v::text IS DISTINCT FROM (json_populate_record(NULL::r, js::json)).v::text", "js");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM t WHERE v IS NULL AND i = %d", samples.n);
    PGresult *res = PQexec(conn, sql);
    assert_string_equal(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
}

/* Each text is refused by the codec, and by PostgreSQL storing it in a
 * column of the type (a cast would cut a long varchar instead). */
static void both_refuse(const char *type, const char *const *texts, size_t n)
{
    struct hs_column c = column(type);
    char sql_type[64], sql[128], err[256];
    struct hs_text text = {area, 0, sizeof area};
    hs_type_sql(&c, sql_type, sizeof sql_type);
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS refused; CREATE TEMP TABLE refused (v %s)", sql_type);
    exec_ok(sql);
    snprintf(sql, sizeof sql, "INSERT INTO refused VALUES ($1)");
    for (size_t i = 0; i < n; i++) {
        struct hs_value v;
        if (hs_value_parse(&c, texts[i], strlen(texts[i]), false, &v, &text, err, sizeof err) == 0)
            fail_msg("%s '%s' read", type, texts[i]);
        PGresult *res = PQexecParams(conn, sql, 1, NULL, &texts[i], NULL, NULL, 0);
        ExecStatusType status = PQresultStatus(res);
        PQclear(res);
        if (status != PGRES_FATAL_ERROR)
            fail_msg("PostgreSQL reads %s '%s' (we say: %s)", type, texts[i], err);
    }
}

#define REFUSE(type, ...)                                                                \
    both_refuse(type, (const char *const[]){__VA_ARGS__},                                \
                sizeof (const char *const[]){__VA_ARGS__} / sizeof(const char *))

static void reset(void)
{
    samples.n = 0;
    samples.used = 0;
}

/* ---- the types ---- */

static void integers(void **state)
{
    (void)state;
    static const char *const types[] = {"smallint", "integer", "bigint"};
    static const char *const edges[] = {"0",   "-0",  "+7",      "007", " 42 ",
                                        "1.0", "1e3", "-2.50e1", "1.",  ".0"};
    static const int64_t lows[] = {INT16_MIN, INT32_MIN, INT64_MIN};
    static const int64_t highs[] = {INT16_MAX, INT32_MAX, INT64_MAX};
    for (int t = 0; t < 3; t++) {
        reset();
        srand(100 + t);
        add_all(edges, sizeof edges / sizeof edges[0]);
        add("%lld", (long long)lows[t]);
        add("%lld", (long long)highs[t]);
        for (int i = 0; i < 300; i++) {
            int64_t x = (int64_t)random64();
            x = t == 0 ? (int16_t)x : t == 1 ? (int32_t)x : x;
            add("%lld", (long long)(i % 2 ? x : x % 1000));
        }
        /* PostgreSQL's integers read no point or exponent: numeric does */
        char reads[64];
        snprintf(reads, sizeof reads, "orig::numeric::%s", types[t]);
        check_type(types[t], reads);
    }
    REFUSE("smallint", "32768", "-32769", "1e5");
    REFUSE("integer", "2147483648", "abc", "1 2");
    REFUSE("bigint", "9223372036854775808", "-9223372036854775809");
}

static void reals(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "0", "-0", "1e-45", "-1.4e-45", "1.17549435e-38", "1.17549421e-38", "3.4028235e38",
        "-3.4028235e38", "NaN", "-nan", "Infinity", "-Infinity", "inf", "0.1", "16777217", "1e10",
        "0.333333343", " 2.5 ", ".5", "5.", "+1e3",
    };
    reset();
    srand(200);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++) {
        uint32_t bits = (uint32_t)random64();
        float f;
        char text[64];
        memcpy(&f, &bits, sizeof f);
        if (i % 3 == 0) {
            random_decimal(text);
            add("%s", text);
        } else if (!isnan(f)) {
            add("%.9g", (double)f);
        }
    }
    check_type("real", NULL);
    REFUSE("real", "3.4028236e38", "-1e39", "1e-50", "1e-46", "x");
}

static void doubles(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "0", "-0", "1e-310", "4.9406564584124654e-324", "-2.2250738585072009e-308",
        "2.2250738585072014e-308", "1.7976931348623157e308", "-1.7976931348623157e308", "NaN",
        "Infinity", "-Infinity", "0.1", "0.30000000000000004", "0.7999999999999999",
        "9007199254740993", "123456789012345678901234567890", " 3.25 ",
    };
    reset();
    srand(300);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 400; i++) {
        uint64_t bits = random64();
        double d;
        char text[64];
        memcpy(&d, &bits, sizeof d);
        if (i % 2 == 0) {
            random_decimal(text);
            add("%s", text);
        } else if (!isnan(d)) {
            add("%.17g", d);
        }
    }
    check_type("double precision", NULL);
    REFUSE("double precision", "1e309", "1e-400", "-1e400", "1.2.3");
}

static void numerics(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "12.50", "-0.0015", "1e5", "1.5e-3", "1.50E-3", "NaN", "Infinity", "-Infinity", "inf", ".5",
        "-.5", "5.", "+5", "-0", "-0.00", "0.000", "007.50", "1e-20", "1e1000", "-1e-1000",
        "123456789012345678901234567890.0123456789", "0e5", "10000", "9999.9999", "0.0001",
    };
    reset();
    srand(400);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++) {
        char text[80];
        random_decimal(text);
        if (i % 3 == 0)
            add("%se%d", text, rand() % 60 - 30);
        else
            add("%s", text);
    }
    check_type("numeric", NULL);
    REFUSE("numeric", "1e131072", "1e-16384", "-nan", "5e");
}

static void numerics_with_precision(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "9999999999.994", "-9999999999.99", "NaN", "0.005", "0.015", "-0.005", "0.0049999",
        "1.005", "12.345e2", "1e9", "0",
    };
    reset();
    srand(500);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++)
        add("%s%lld.%0*d", rand() % 2 ? "-" : "", (long long)(rand() % 100000) * (rand() % 100000),
            1 + rand() % 5, rand() % 100000);
    check_type("numeric(12,2)", NULL);
    REFUSE("numeric(12,2)", "9999999999.995", "1e10", "Infinity", "-inf");
}

static void booleans(void **state)
{
    (void)state;
    static const char *const texts[] = {"t", "tr", "tru", "true", "TRUE", "y", "ye", "yes", "on", "1",
                                        "f", "fa", "false", "FALSE", "n", "no", "of", "off", "0", " t "};
    reset();
    add_all(texts, sizeof texts / sizeof texts[0]);
    check_type("boolean", NULL);
    REFUSE("boolean", "o", "01", "2", "truee", "non");
}

/* Random valid UTF-8, with the characters CSV and COPY make special. */
static void random_text(int chars)
{
    static const char *const pieces[] = {"a", "Z", " ", ",", "\"", "'", "\\", "\n", "\r", "\t", "\x01",
                                         "\x7f", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\\N",
                                         "\xe2\x82\xac", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf", "."};
    char text[512];
    size_t n = 0;
    for (int i = 0; i < chars; i++) {
        const char *p = pieces[rand() % (sizeof pieces / sizeof pieces[0])];
        memcpy(text + n, p, strlen(p));
        n += strlen(p);
    }
    add_n(text, n);
}

static void texts(void **state)
{
    (void)state;
    reset();
    srand(600);
    add("%s", "");
    add("%s", " spaces around ");
    for (int i = 0; i < 300; i++)
        random_text(rand() % 60);
    check_type("text", NULL);
    reset();
    add("%s", "abcde");
    add("%s", "abcde   ");
    add("%s", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac");
    add("%s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 ");
    for (int i = 0; i < 200; i++)
        random_text(rand() % 3); /* "\\N" is two characters */
    check_type("varchar(5)", NULL);
    REFUSE("varchar(5)", "abcdef", "abcde f", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    REFUSE("text", "caf\xe9", "\xed\xa0\x80");
}

static void dates(void **state)
{
    (void)state;
    static const char *const edges[] = {"2000-01-01", "1999-12-31", "2024-02-29", "2000-02-29",
                                        "1900-03-01", "0001-01-01", "9999-12-31", " 1970-01-01 "};
    reset();
    srand(700);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++)
        add("%04d-%02d-%02d", 1 + rand() % 9999, 1 + rand() % 12, 1 + rand() % 28);
    check_type("date", NULL);
    REFUSE("date", "2023-02-29", "1900-02-29", "2000-13-01", "0000-01-01", "2000-04-31");
}

/* A random time of day, with 0 to 9 digits of fraction. */
static void random_time(char *out, size_t cap)
{
    static const int scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
    int digits = rand() % 10, n;
    n = snprintf(out, cap, "%02d:%02d:%02d", rand() % 24, rand() % 60, rand() % 60);
    if (digits > 0)
        snprintf(out + n, cap - (size_t)n, ".%0*d", digits, rand() % scale[digits]);
}

static void timestamps(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "2000-01-01 00:00:00", "2000-01-01T12:00", "1999-12-31 23:59:59.999999",
        "2000-01-01 00:00:00.0000005", "2000-01-01 00:00:00.0000015", "2000-01-01 00:00:00.0000025",
        "2000-01-01 00:00:00.9999999", "2000-01-01 23:59:60", "2000-01-01 24:00:00",
        "2000-01-01 12:30:60.5", "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999",
        "2024-02-29 12:34:56.789",
    };
    char time[64];
    reset();
    srand(800);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++) {
        random_time(time, sizeof time);
        add("%04d-%02d-%02d%c%s", 1 + rand() % 9999, 1 + rand() % 12, 1 + rand() % 28,
            rand() % 2 ? ' ' : 'T', time);
    }
    check_type("timestamp", NULL);
    REFUSE("timestamp", "2000-01-01 24:00:01", "2000-01-01 23:59:60.5", "2000-02-30 00:00");
}

static void timestamps_with_time_zone(void **state)
{
    (void)state;
    static const char *const edges[] = {
        "2000-01-01 00:00:00+01", "2000-01-01 00:00:00", "2000-01-01 00:00:00Z",
        "2000-01-01 05:30:00+05:30", "2000-01-01 05:30:00+0530", "1999-12-31 12:00:00-12:00",
        "2000-01-01 00:00:00 -1", "2000-01-01 00:00:00+15:59", "0001-01-01 00:00:00-01",
        "9999-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999+00", "0001-01-01 00:00:00",
    };
    static const char *const offsets[] = {"", "Z", "+00", "+05:30", "-12:00", "+0545", "-03", " +01",
                                          "-09:30", "+14"};
    char time[64];
    reset();
    srand(900);
    add_all(edges, sizeof edges / sizeof edges[0]);
    for (int i = 0; i < 300; i++) {
        random_time(time, sizeof time);
        add("%04d-%02d-%02d %s%s", 2 + rand() % 9997, 1 + rand() % 12, 1 + rand() % 28, time,
            offsets[rand() % 10]);
    }
    /* without an offset the codec reads UTC, PostgreSQL the session's zone */
    check_type("timestamptz", "CASE WHEN orig ~ '([zZ]|[-+][0-9:]+)$' THEN orig::%s "
                              "ELSE orig::timestamp AT TIME ZONE 'UTC' END");
    REFUSE("timestamptz", "2000-01-01 00:00:00+16", "2000-01-01 00:00:00+01:60",
           "2000-01-01 24:00:00.5");
}

static void uuids(void **state)
{
    (void)state;
    reset();
    srand(1000);
    add("%s", "00000000-0000-0000-0000-000000000000");
    add("%s", "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}");
    add("%s", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11");
    for (int i = 0; i < 300; i++) {
        uint64_t a = random64(), b = random64();
        static const char *const forms[] = {"%08llx-%04llx-%04llx-%04llx-%012llx",
                                            "%08llX%04llX%04llX%04llX%012llX",
                                            "{%08llx-%04llx-%04llx-%04llx-%012llx}"};
        add(forms[i % 3], (unsigned long long)(a >> 32), (unsigned long long)(a >> 16 & 0xffff),
            (unsigned long long)(a & 0xffff), (unsigned long long)(b >> 48),
            (unsigned long long)(b & 0xffffffffffffULL));
    }
    check_type("uuid", NULL);
    REFUSE("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
           "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11");
}

static int connect_once(void **state)
{
    (void)state;
    conn = PQconnectdb("");
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
        return -1;
    }
    /* A zone with a half-hour offset and summer time: timestamptz prints in it on both sides. */
    PQclear(PQexec(conn, "SET TimeZone = 'America/St_Johns'; SET client_min_messages = warning"));
    return 0;
}

static int disconnect(void **state)
{
    (void)state;
    PQfinish(conn);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(reals),
        cmocka_unit_test(doubles),
        cmocka_unit_test(numerics),
        cmocka_unit_test(numerics_with_precision),
        cmocka_unit_test(booleans),
        cmocka_unit_test(texts),
        cmocka_unit_test(dates),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(timestamps_with_time_zone),
        cmocka_unit_test(uuids),
    };
    return cmocka_run_group_tests_name("types", tests, connect_once, disconnect);
}
