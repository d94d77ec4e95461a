/*
 * test_json.c - the Kafka message format: encode -> decode is exact for every
 * record of data/housing.csv, dead letters keep their text, and bad messages
 * or objects are reported rather than dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../harness.h"

#include "../../workers/csv.h"
#include "../../workers/json.h"
#include "../../workers/utf8.h"
#include "../housing.h"

#define MAX_ITEMS 600
#define CHAS_HALF "chas is not an integer: '0.5'"
#define CRIM_TRUE "crim is not a double precision: 'true'"

struct collected {
    struct hs_item *items[MAX_ITEMS]; /* each a slot's size */
    int n;
};

static int collect(const struct hs_item *item, void *ctx)
{
    struct collected *c = ctx;
    if (c->n == MAX_ITEMS)
        return 1;
    if (c->items[c->n] == NULL)
        c->items[c->n] = housing_item();
    memcpy(c->items[c->n++], item, hs_item_bytes(item));
    return 0;
}

static struct collected got;

static const struct hs_dead_letter *dead(int i) { return hs_item_cdead(got.items[i]); }

static double value(int i, int column)
{
    double v[HS_NCOLS];
    housing_values(got.items[i], v);
    return v[column];
}

static int decode_from(const char *src, const char *msg, char *err)
{
    static struct hs_json_decoder d;
    if (d.item == NULL)
        assert_int_equal(hs_json_decoder_init(&d, housing_layout()), 0);
    got.n = 0;
    return hs_json_decode(&d, msg, strlen(msg), src, "kafka:t/0@7", collect, &got, err, 256);
}

static int decode(const char *msg, char *err) { return decode_from("test.csv", msg, err); }

/* Reads data/housing.csv with the CSV parser into items. */
static int load_housing(struct hs_item **items)
{
    FILE *f = fopen("data/housing.csv", "r");
    assert_non_null(f);
    char line[1024], err[256];
    struct hs_csv_header h;
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(hs_csv_parse_header(line, strcspn(line, "\n"), housing_schema(), &h, err,
                                         sizeof err), 0);
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL && n < MAX_ITEMS) {
        items[n] = housing_item();
        items[n]->line = (uint64_t)n + 2;
        items[n]->read_us = 1764036000000000LL + n;
        assert_int_equal(hs_csv_parse_record(line, strcspn(line, "\n"), &h, housing_layout(),
                                             items[n], err, sizeof err), 0);
        n++;
    }
    fclose(f);
    return n;
}

static void round_trip_every_housing_record(void **state)
{
    (void)state;
    static struct hs_item *items[MAX_ITEMS];
    const struct hs_item *ptrs[MAX_ITEMS];
    int n = load_housing(items);
    assert_int_equal(n, 506);
    for (int i = 0; i < n; i++)
        ptrs[i] = items[i];
    struct hs_buf buf = {0};
    assert_int_equal(hs_json_encode(&buf, ptrs, (size_t)n, housing_layout(), SIZE_MAX), 506);
    assert_false(hs_buf_failed(&buf));
    char err[256];
    assert_int_equal(decode(buf.data, err), 506);
    for (int i = 0; i < n; i++) {
        assert_int_equal(got.items[i]->kind, HS_ITEM_ROW);
        assert_int_equal(got.items[i]->line, items[i]->line);
        assert_int_equal(got.items[i]->read_us, items[i]->read_us);
        assert_string_equal(got.items[i]->src, "test.csv");
        assert_int_equal(got.items[i]->body_len, items[i]->body_len);
        assert_memory_equal(got.items[i]->body, items[i]->body, items[i]->body_len);
        free(items[i]);
    }
    hs_buf_free(&buf);
}

static void first_record_text_is_exact(void **state)
{
    (void)state;
    struct hs_item *it = housing_item();
    struct hs_csv_header h;
    char err[256];
    const char *header = "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV";
    const char *row = "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24";
    assert_int_equal(hs_csv_parse_header(header, strlen(header), housing_schema(), &h, err,
                                         sizeof err), 0);
    assert_int_equal(hs_csv_parse_record(row, strlen(row), &h, housing_layout(), it, err,
                                         sizeof err), 0);
    it->line = 2;
    it->read_us = 7;
    const struct hs_item *p = it;
    struct hs_buf buf = {0};
    hs_json_encode(&buf, &p, 1, housing_layout(), SIZE_MAX);
    hs_buf_append(&buf, "", 1);
    assert_string_equal(buf.data,
        "[{\"_line\":2,\"_ts\":7,\"crim\":0.00632,\"zn\":18,\"indus\":2.31,\"chas\":0,\"nox\":0.538,"
        "\"rm\":6.575,\"age\":65.2,\"dis\":4.09,\"rad\":1,\"tax\":296,\"ptratio\":15.3,"
        "\"b\":396.9,\"lstat\":4.98,\"medv\":24}]");
    hs_buf_free(&buf);
    free(it);
}

static void dead_letter_round_trip_keeps_raw_bytes(void **state)
{
    (void)state;
    struct hs_item *it = housing_item();
    const char raw[] = "x,\"y\\z\ttab\x01\xc3\xa9\xff";
    it->line = 9;
    hs_item_dead_letter(it, housing_layout(), "NOX is not a number: 'a\"b'", raw, sizeof raw - 1);
    const struct hs_item *p = it;
    struct hs_buf buf = {0};
    hs_json_encode(&buf, &p, 1, housing_layout(), SIZE_MAX);
    hs_buf_append(&buf, "", 1);
    free(it);
    char err[256];
    assert_int_equal(decode(buf.data, err), 1);
    assert_int_equal(got.items[0]->kind, HS_ITEM_DEAD);
    assert_int_equal(got.items[0]->line, 9);
    assert_string_equal(dead(0)->reason, "NOX is not a number: 'a\"b'");
    /* UTF-8 (a transcoded file's text) travels as it is; any other byte
     * >= 0x80 as \u00XX, and comes back as that code point's UTF-8. */
    const char expect[] = "x,\"y\\z\ttab\x01\xc3\xa9\xc3\xbf";
    assert_int_equal(dead(0)->raw_len, sizeof expect - 1);
    assert_memory_equal(dead(0)->raw, expect, sizeof expect - 1);
    hs_buf_free(&buf);
}

/* Decodes one upstream dead letter whose "_error" and "_raw" are both `text`
 * (JSON string contents) and checks both decode to exactly `want`, valid
 * UTF-8 as PostgreSQL's text columns require. */
static void check_escaped_dead_letter(const char *text, const char *want, size_t want_len)
{
    char msg[256], err[256];
    snprintf(msg, sizeof msg, "[{\"_line\":3,\"_error\":\"%s\",\"_raw\":\"%s\"}]", text, text);
    assert_int_equal(decode(msg, err), 1);
    const struct hs_dead_letter *d = dead(0);
    assert_int_equal(got.items[0]->kind, HS_ITEM_DEAD);
    size_t reason_len = strlen(d->reason);
    if (reason_len != want_len || memcmp(d->reason, want, want_len) != 0)
        fail_msg("\"%s\": the reason decoded to %zu bytes other than the %zu expected", text,
                 reason_len, want_len);
    assert_int_equal(hs_utf8_invalid_at(d->reason, reason_len), reason_len);
    assert_int_equal(d->raw_len, want_len);
    assert_memory_equal(d->raw, want, want_len);
    assert_int_equal(hs_utf8_invalid_at(d->raw, d->raw_len), want_len);
}

#define CHECK_ESCAPED(text, want) check_escaped_dead_letter(text, want, sizeof want - 1)

static void escaped_surrogate_pair_is_one_code_point(void **state)
{
    (void)state;
    CHECK_ESCAPED("\\ud83d\\ude00", "\xf0\x9f\x98\x80");            /* U+1F600 */
    CHECK_ESCAPED("a\\uD83D\\uDE00b", "a\xf0\x9f\x98\x80" "b");      /* upper-case hex */
    CHECK_ESCAPED("\\udbff\\udfff", "\xf4\x8f\xbf\xbf");             /* U+10FFFF */
    CHECK_ESCAPED("\\ud800\\udc00", "\xf0\x90\x80\x80");             /* U+10000 */
}

static void lone_surrogates_and_nul_become_replacement_characters(void **state)
{
    (void)state;
    CHECK_ESCAPED("\\ud83d", "\xef\xbf\xbd");
    CHECK_ESCAPED("\\ude00", "\xef\xbf\xbd");
    CHECK_ESCAPED("\\u0000", "\xef\xbf\xbd");
    CHECK_ESCAPED("x\\ud83dy", "x\xef\xbf\xbdy");
    CHECK_ESCAPED("\\ud83d\\n", "\xef\xbf\xbd\n");                   /* another escape follows */
    CHECK_ESCAPED("\\ude00\\ud83d", "\xef\xbf\xbd\xef\xbf\xbd");      /* the wrong order */
    CHECK_ESCAPED("\\ud83d\\ud83d\\ude00", "\xef\xbf\xbd\xf0\x9f\x98\x80");
    CHECK_ESCAPED("\\ud83d\\u0041", "\xef\xbf\xbd" "A");              /* high, then not a low */
    CHECK_ESCAPED("a\\u0000b", "a\xef\xbf\xbd" "b");
}

static void escapes_of_every_length_decode(void **state)
{
    (void)state;
    CHECK_ESCAPED("\\u0001\\u007f", "\x01\x7f");
    CHECK_ESCAPED("\\u0080\\u07ff", "\xc2\x80\xdf\xbf");
    CHECK_ESCAPED("\\u0800\\ud7ff\\ue000\\ufffd\\uffff",
                  "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbf");
}

/* The reason holds HS_REASON_MAX bytes with its NUL: 4-byte characters
 * escaped back to back stop before the bound, never half written. */
static void long_escaped_text_is_cut_between_characters(void **state)
{
    (void)state;
    static char msg[HS_REASON_MAX * 12 + 64];
    char err[256];
    int n = snprintf(msg, sizeof msg, "[{\"_error\":\"");
    for (int k = 0; k < HS_REASON_MAX; k++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "\\ud83d\\ude00");
    snprintf(msg + n, sizeof msg - (size_t)n, "\"}]");
    assert_int_equal(decode(msg, err), 1);
    const char *reason = dead(0)->reason;
    size_t len = strnlen(reason, HS_REASON_MAX);
    assert_true(len < HS_REASON_MAX);
    assert_int_equal(len % 4, 0);
    assert_true(len + 8 > HS_REASON_MAX); /* nearly full */
    assert_int_equal(hs_utf8_invalid_at(reason, len), len);
}

static void foreign_producer_lowercase_and_string_numbers(void **state)
{
    (void)state;
    char err[256];
    const char *msg = "[{\"crim\":\"0.5\",\"zn\":1,\"indus\":2,\"chas\":1,\"nox\":0.5,\"rm\":6,\"age\":50,"
                      "\"dis\":4,\"rad\":3,\"tax\":300,\"ptratio\":15,\"b\":390,\"lstat\":5,\"medv\":21.5,"
                      "\"extra\":{\"nested\":[1,2]}}]";
    assert_int_equal(decode(msg, err), 1);
    assert_int_equal(got.items[0]->kind, HS_ITEM_ROW);
    assert_int_equal(got.items[0]->line, 1); /* no _line: numbered by position */
    assert_true(value(0, HS_CRIM) == 0.5);
    assert_true(value(0, HS_MEDV) == 21.5);
}

static void bad_objects_become_dead_letters(void **state)
{
    (void)state;
    char err[256];
    const char *msg = "[{\"_line\":5,\"CRIM\":1},"
                      "{\"_line\":6,\"CRIM\":1,\"ZN\":1,\"INDUS\":1,\"CHAS\":0.5,\"NOX\":1,\"RM\":1,\"AGE\":1,"
                      "\"DIS\":1,\"RAD\":1,\"TAX\":1,\"PTRATIO\":1,\"B\":1,\"LSTAT\":1,\"MEDV\":1},"
                      "7,"
                      "{\"_line\":8,\"CRIM\":true},"
                      "{\"_line\":9e28}]";
    assert_int_equal(decode(msg, err), 5);
    assert_int_equal(got.items[0]->kind, HS_ITEM_DEAD);
    assert_string_equal(dead(0)->reason, "zn is missing");
    assert_int_equal(got.items[0]->line, 5);
    assert_memory_equal(dead(0)->raw, "{\"_line\":5,\"CRIM\":1}", 20);
    assert_string_equal(dead(1)->reason, CHAS_HALF);
    assert_string_equal(dead(2)->reason, "array element is not an object");
    assert_int_equal(got.items[2]->line, 3);
    assert_string_equal(dead(3)->reason, CRIM_TRUE);
    assert_string_equal(dead(4)->reason, "_line is not an integer in [0, 2^53)"); /* found by fuzz_json */
}

#define ROW_FIELDS "\"CRIM\":1,\"ZN\":1,\"INDUS\":1,\"CHAS\":0,\"NOX\":1,\"RM\":1,\"AGE\":1," \
                   "\"DIS\":1,\"RAD\":1,\"TAX\":1,\"PTRATIO\":1,\"B\":1,\"LSTAT\":1,\"MEDV\":1"

/* A record keeps its source's name only with its own "_line" in a message of
 * housingsup's publisher; any other is named by the message's position and
 * its place in the array, so two foreign messages never share an identity. */
static void identity_of_records(void **state)
{
    (void)state;
    char err[256];
    const char *msg = "[{\"_line\":5," ROW_FIELDS "},{" ROW_FIELDS "}]";
    assert_int_equal(decode_from("a.csv#0123456789ab", msg, err), 2);
    assert_string_equal(got.items[0]->src, "a.csv#0123456789ab");
    assert_int_equal(got.items[0]->line, 5);
    assert_string_equal(got.items[1]->src, "kafka:t/0@7");
    assert_int_equal(got.items[1]->line, 2);
    assert_int_equal(decode_from(NULL, msg, err), 2);
    assert_string_equal(got.items[0]->src, "kafka:t/0@7");
    assert_int_equal(got.items[0]->line, 1);
    assert_string_equal(got.items[1]->src, "kafka:t/0@7");
    assert_int_equal(got.items[1]->line, 2);
}

static void bad_messages_are_reported(void **state)
{
    (void)state;
    struct { const char *msg, *reason; } cases[] = {
        {"[{\"CRIM\":1", "invalid JSON (truncated at byte 9)"},
        {"{\"CRIM\":1}", "message is not a JSON array of objects"},
        {"", "message is not a JSON array of objects"},
        {"[] []", "invalid JSON (data after the array)"},
        {"not json", "invalid JSON (bad character at byte 4)"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(decode(cases[i].msg, err), -1);
        assert_string_equal(err, cases[i].reason);
    }
}

static void numbers_are_shortest_and_exact(void **state)
{
    (void)state;
    struct { double v; const char *text; } cases[] = {
        {0.5, "0.5"}, {-0.5, "-0.5"}, {0.00632, "0.00632"}, {296, "296"}, {-0.0, "-0"}, {0, "0"},
        {396.9, "396.9"}, {123456.789, "123456.789"}, {0.1 + 0.2, "0.30000000000000004"},
        {1e-300, "1e-300"}, {1e20, "1e+20"}, {-7, "-7"}, {0.12345678, "0.12345678"},
        {999999.99999999, "999999.99999999"}, {0.7999999999999999, "0.7999999999999999"},
        {5e-324, "5e-324"}, {-2.2250738585072009e-308, "-2.225073858507201e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_buf b = {0};
        hs_buf_double(&b, cases[i].v);
        assert_string_equal(b.data, cases[i].text);
        double back = strtod(b.data, NULL);
        assert_memory_equal(&back, &cases[i].v, sizeof back);
        hs_buf_free(&b);
    }
}

/* The decoder reads plain decimals without strtod: every value must be the
 * very double strtod gives, for 200,000 random decimals of 1-17 digits with
 * 0-24 of them after the point (inside and outside the fast path's limits). */
static void decoded_numbers_equal_strtod(void **state)
{
    (void)state;
    srand(12345);
    char text[64], msg[256], err[256];
    for (int i = 0; i < 200000; i++) {
        random_decimal(text);
        snprintf(msg, sizeof msg, "[{\"_line\":2,\"CRIM\":%s,\"ZN\":0,\"INDUS\":0,\"CHAS\":0,"
                 "\"NOX\":0,\"RM\":0,\"AGE\":0,\"DIS\":0,\"RAD\":0,\"TAX\":0,\"PTRATIO\":0,"
                 "\"B\":0,\"LSTAT\":0,\"MEDV\":0}]", text);
        assert_int_equal(decode(msg, err), 1);
        double want = strtod(text, NULL);
        double v = value(0, HS_CRIM);
        if (memcmp(&v, &want, sizeof want) != 0)
            fail_msg("%s decoded as %.17g, strtod says %.17g", text, v, want);
    }
}

static void deep_nesting_and_keys_without_values(void **state)
{
    (void)state;
    char err[256];
    enum { DEPTH = 200000 };
    char *deep = malloc(2 * DEPTH + 1);
    assert_non_null(deep);
    memset(deep, '[', DEPTH);
    memset(deep + DEPTH, ']', DEPTH);
    deep[2 * DEPTH] = '\0';
    assert_int_equal(decode(deep, err), -1); /* refused in linear time */
    assert_string_equal(err, "invalid JSON (nested deeper than 64 levels)");
    /* 64 levels are fine, and the token walk does not recurse */
    strcpy(deep, "[{\"x\":");
    memset(deep + 6, '[', 62);
    memset(deep + 68, ']', 62);
    strcpy(deep + 130, "}]");
    assert_int_equal(decode(deep, err), 1);
    assert_string_equal(dead(0)->reason, "crim is missing");
    free(deep);
    /* found by fuzz_json: jsmn accepts keys without values */
    int n = decode("[{\"_\",},{\"CRIM\":1}]", err);
    assert_true(n == -1 || (n == 2 && got.items[0]->kind == HS_ITEM_DEAD));
}

/* The size bound in json.h (which the configuration checks
 * kafka.max_message_bytes with) is exactly what the worst item encodes to: a
 * dead letter with the largest integers and every byte escaped; the worst
 * record (numbers printed with 17 digits and an exponent) stays below it. */
static void encoded_size_bounds_are_exact(void **state)
{
    (void)state;
    const struct hs_layout *l = housing_layout();
    struct hs_item *row = housing_item(), *worst = housing_item();
    struct hs_value *v = hs_item_values(row);
    row->kind = HS_ITEM_ROW;
    row->line = UINT64_MAX;
    row->read_us = INT64_MIN;
    for (int c = 0; c < HS_NCOLS; c++)
        v[c] = (struct hs_value){.u.d = -2.2250738585072014e-308}; /* -DBL_MIN: 24 characters */
    v[HS_CHAS] = v[HS_RAD] = (struct hs_value){.u.i = INT32_MIN};
    row->body_len = HS_NCOLS * sizeof(struct hs_value);
    static char raw[1 << 16];
    memset(raw, 0xff, sizeof raw);
    worst->line = UINT64_MAX;
    worst->read_us = INT64_MIN;
    hs_item_dead_letter(worst, l, "", raw, sizeof raw);
    memset(hs_item_dead(worst)->reason, 0x01, HS_REASON_MAX); /* no NUL: cut at the size */
    assert_int_equal(hs_item_dead(worst)->raw_len, l->raw_cap);
    const struct hs_item *batch[3] = {worst, row, worst};
    struct hs_buf buf = {0};
    hs_json_encode(&buf, batch + 1, 1, l, SIZE_MAX);
    assert_true(buf.len < 2 + hs_json_object_max(l));
    hs_buf_reset(&buf);
    hs_json_encode(&buf, batch, 1, l, SIZE_MAX);
    assert_int_equal(buf.len, 2 + hs_json_object_max(l));
    assert_int_equal(hs_json_object_max(l), 4567);
    assert_int_equal(l->slot_size, 904); /* README, "Your own CSV" */
    hs_buf_reset(&buf);
    batch[1] = worst;
    assert_int_equal(hs_json_encode(&buf, batch, 3, l, SIZE_MAX), 3);
    assert_int_equal(buf.len, 1 + 3 * (hs_json_object_max(l) + 1));
    /* a limit that holds two: the third goes in the next message */
    hs_buf_reset(&buf);
    assert_int_equal(hs_json_encode(&buf, batch, 3, l, 1 + 3 * (hs_json_object_max(l) + 1) - 1),
                     2);
    assert_int_equal(buf.len, 1 + 2 * (hs_json_object_max(l) + 1));
    /* one item is sent whatever the limit: settings.c keeps it within */
    hs_buf_reset(&buf);
    assert_int_equal(hs_json_encode(&buf, batch, 3, l, 10), 1);
    hs_buf_free(&buf);
    free(row);
    free(worst);
}

/* Items are read from shared memory a crashed producer may have damaged. */
static void damaged_items_are_repaired(void **state)
{
    (void)state;
    const struct hs_layout *l = housing_layout();
    struct hs_item *it = housing_item();
    memset(it, 'x', l->slot_size);
    it->kind = 7;
    assert_int_equal(hs_item_repair(it, l), -1);
    assert_int_equal(it->kind, HS_ITEM_DEAD);
    assert_string_equal(hs_item_dead(it)->reason, "corrupt ring slot (item kind 7)");
    assert_int_equal(hs_item_dead(it)->raw_len, 0);
    assert_int_equal(strlen(it->src), HS_SRC_MAX - 1);
    memset(it, 'y', l->slot_size);
    it->kind = HS_ITEM_DEAD;
    hs_item_dead(it)->raw_len = 1u << 31;
    assert_int_equal(hs_item_repair(it, l), -1);
    assert_int_equal(hs_item_dead(it)->raw_len, l->raw_cap);
    assert_int_equal(strlen(hs_item_dead(it)->reason), HS_REASON_MAX - 1);
    assert_int_equal(it->body_len, offsetof(struct hs_dead_letter, raw) + l->raw_cap);
    /* a record whose length is past its slot */
    memset(it, 'z', l->slot_size);
    it->kind = HS_ITEM_ROW;
    it->body_len = l->body_cap + 1;
    assert_int_equal(hs_item_repair(it, l), -1);
    assert_int_equal(it->kind, HS_ITEM_DEAD);
    assert_string_equal(hs_item_dead(it)->reason, "corrupt ring slot (record length)");
    /* a good record is left as it is */
    memset(it, 0, l->slot_size);
    it->kind = HS_ITEM_ROW;
    it->line = 2;
    snprintf(it->src, sizeof it->src, "a.csv#0123456789ab");
    it->body_len = HS_NCOLS * sizeof(struct hs_value);
    assert_int_equal(hs_item_repair(it, l), 0);
    assert_string_equal(it->src, "a.csv#0123456789ab");
    free(it);
}

/* A table of other types, from a foreign producer: numbers and dates as
 * strings, booleans, null, a column left out (NULL when it may be), a value
 * that is not one; and such records encode and decode back bit for bit. */
static void other_tables_from_foreign_producers(void **state)
{
    (void)state;
    static struct hs_schema s;
    static const char *const types[] = {"integer", "boolean", "date", "text", "numeric(10,2)"};
    static const char *const names[] = {"id", "flag", "day", "name", "amount"};
    s = (struct hs_schema){.ncols = 5, .max_row_bytes = 256};
    snprintf(s.table, sizeof s.table, "t");
    char err[256];
    for (int c = 0; c < 5; c++) {
        snprintf(s.cols[c].name, sizeof s.cols[c].name, "%s", c == 0 ? "num" : names[c]);
        snprintf(s.cols[c].header, sizeof s.cols[c].header, "%s", names[c]);
        assert_int_equal(hs_type_parse(types[c], &s.cols[c], err, sizeof err), 0);
        s.cols[c].nullable = c > 0;
    }
    struct hs_layout l;
    hs_layout_of(&s, &l);
    static struct hs_json_decoder d;
    assert_int_equal(hs_json_decoder_init(&d, &l), 0);
    const char *msg = "[{\"num\":\"7\",\"FLAG\":true,\"day\":\"2024-02-29\",\"name\":\"a \\\"q\\\"\\n,b\","
                      "\"amount\":\"12.50\"},{\"ID\":8,\"name\":null},{\"num\":9,\"name\":[\"x\"]},"
                      "{\"flag\":false}]";
    got.n = 0;
    assert_int_equal(hs_json_decode(&d, msg, strlen(msg), NULL, "kafka:t/0@1", collect, &got, err,
                                    sizeof err), 4);
    const struct hs_value *v = hs_item_cvalues(got.items[0]);
    const char *text = hs_item_text(got.items[0], 5);
    assert_int_equal(got.items[0]->kind, HS_ITEM_ROW);
    assert_int_equal(v[0].u.i, 7);
    assert_int_equal(v[1].u.i, 1);
    assert_int_equal(v[2].u.i, 8825); /* days since 2000-01-01 */
    assert_int_equal(v[3].len, 8);
    assert_memory_equal(text + v[3].off, "a \"q\"\n,b", 8);
    assert_int_equal(v[4].len, 5);
    assert_memory_equal(text + v[4].off, "12.50", 5);
    v = hs_item_cvalues(got.items[1]); /* "ID" is the header of num */
    assert_int_equal(got.items[1]->kind, HS_ITEM_ROW);
    assert_int_equal(v[0].u.i, 8);
    for (int c = 1; c < 5; c++)
        assert_int_equal(v[c].len, HS_VALUE_NULL);
    assert_string_equal(dead(2)->reason, "name is not a single value");
    assert_string_equal(dead(3)->reason, "num is missing");
    /* the first two back through the encoder, bit for bit */
    const struct hs_item *two[2] = {got.items[0], got.items[1]};
    struct hs_buf buf = {0};
    assert_int_equal(hs_json_encode(&buf, two, 2, &l, SIZE_MAX), 2);
    static struct collected again;
    struct collected saved = got;
    got = again;
    assert_int_equal(hs_json_decode(&d, buf.data, buf.len, NULL, "p", collect, &got, err,
                                    sizeof err), 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(got.items[i]->body_len, saved.items[i]->body_len);
        assert_memory_equal(got.items[i]->body, saved.items[i]->body, saved.items[i]->body_len);
    }
    again = got;
    got = saved;
    hs_buf_free(&buf);
    hs_json_decoder_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_housing_record),
        cmocka_unit_test(first_record_text_is_exact),
        cmocka_unit_test(dead_letter_round_trip_keeps_raw_bytes),
        cmocka_unit_test(escaped_surrogate_pair_is_one_code_point),
        cmocka_unit_test(lone_surrogates_and_nul_become_replacement_characters),
        cmocka_unit_test(escapes_of_every_length_decode),
        cmocka_unit_test(long_escaped_text_is_cut_between_characters),
        cmocka_unit_test(foreign_producer_lowercase_and_string_numbers),
        cmocka_unit_test(bad_objects_become_dead_letters),
        cmocka_unit_test(identity_of_records),
        cmocka_unit_test(damaged_items_are_repaired),
        cmocka_unit_test(bad_messages_are_reported),
        cmocka_unit_test(numbers_are_shortest_and_exact),
        cmocka_unit_test(decoded_numbers_equal_strtod),
        cmocka_unit_test(deep_nesting_and_keys_without_values),
        cmocka_unit_test(encoded_size_bounds_are_exact),
        cmocka_unit_test(other_tables_from_foreign_producers),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
