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

#define MAX_ITEMS 600

struct collected {
    struct hs_item items[MAX_ITEMS];
    int n;
};

static int collect(const struct hs_item *item, void *ctx)
{
    struct collected *c = ctx;
    if (c->n == MAX_ITEMS)
        return 1;
    c->items[c->n++] = *item;
    return 0;
}

static struct collected got;

static int decode_from(const char *src, const char *msg, char *err)
{
    static struct hs_json_decoder d;
    got.n = 0;
    return hs_json_decode(&d, msg, strlen(msg), src, "kafka:t/0@7", collect, &got, err, 256);
}

static int decode(const char *msg, char *err) { return decode_from("test.csv", msg, err); }

/* Reads data/housing.csv with the CSV parser into items. */
static int load_housing(struct hs_item *items)
{
    FILE *f = fopen("data/housing.csv", "r");
    assert_non_null(f);
    char line[1024], err[256];
    struct hs_csv_header h;
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(hs_csv_parse_header(line, strcspn(line, "\n"), &h, err, sizeof err), 0);
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL && n < MAX_ITEMS) {
        memset(&items[n], 0, sizeof items[n]);
        items[n].kind = HS_ITEM_ROW;
        items[n].line = (uint64_t)n + 2;
        items[n].read_us = 1764036000000000LL + n;
        assert_int_equal(hs_csv_parse_record(line, strcspn(line, "\n"), &h, items[n].u.values,
                                             err, sizeof err), 0);
        n++;
    }
    fclose(f);
    return n;
}

static void round_trip_every_housing_record(void **state)
{
    (void)state;
    static struct hs_item items[MAX_ITEMS];
    const struct hs_item *ptrs[MAX_ITEMS];
    int n = load_housing(items);
    assert_int_equal(n, 506);
    for (int i = 0; i < n; i++)
        ptrs[i] = &items[i];
    struct hs_buf buf = {0};
    hs_json_encode(&buf, ptrs, (size_t)n);
    assert_false(hs_buf_failed(&buf));
    char err[256];
    assert_int_equal(decode(buf.data, err), 506);
    for (int i = 0; i < n; i++) {
        assert_int_equal(got.items[i].kind, HS_ITEM_ROW);
        assert_int_equal(got.items[i].line, items[i].line);
        assert_int_equal(got.items[i].read_us, items[i].read_us);
        assert_string_equal(got.items[i].src, "test.csv");
        assert_memory_equal(got.items[i].u.values, items[i].u.values, sizeof items[i].u.values);
    }
    hs_buf_free(&buf);
}

static void first_record_text_is_exact(void **state)
{
    (void)state;
    struct hs_item it = {.kind = HS_ITEM_ROW, .line = 2, .read_us = 7};
    double v[HS_NCOLS] = {0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98, 24};
    memcpy(it.u.values, v, sizeof v);
    const struct hs_item *p = &it;
    struct hs_buf buf = {0};
    hs_json_encode(&buf, &p, 1);
    assert_string_equal(buf.data,
        "[{\"_line\":2,\"_ts\":7,\"CRIM\":0.00632,\"ZN\":18,\"INDUS\":2.31,\"CHAS\":0,\"NOX\":0.538,"
        "\"RM\":6.575,\"AGE\":65.2,\"DIS\":4.09,\"RAD\":1,\"TAX\":296,\"PTRATIO\":15.3,"
        "\"B\":396.9,\"LSTAT\":4.98,\"MEDV\":24}]");
    hs_buf_free(&buf);
}

static void dead_letter_round_trip_keeps_raw_bytes(void **state)
{
    (void)state;
    struct hs_item it = {.kind = HS_ITEM_DEAD, .line = 9};
    snprintf(it.u.dead.reason, HS_REASON_MAX, "NOX is not a number: 'a\"b'");
    const char raw[] = "x,\"y\\z\ttab\x01\xc3\xa9\xff";
    memcpy(it.u.dead.raw, raw, sizeof raw - 1);
    it.u.dead.raw_len = sizeof raw - 1;
    const struct hs_item *p = &it;
    struct hs_buf buf = {0};
    hs_json_encode(&buf, &p, 1);
    char err[256];
    assert_int_equal(decode(buf.data, err), 1);
    assert_int_equal(got.items[0].kind, HS_ITEM_DEAD);
    assert_int_equal(got.items[0].line, 9);
    assert_string_equal(got.items[0].u.dead.reason, "NOX is not a number: 'a\"b'");
    /* UTF-8 (a transcoded file's text) travels as it is; any other byte
     * >= 0x80 as \u00XX, and comes back as that code point's UTF-8. */
    const char expect[] = "x,\"y\\z\ttab\x01\xc3\xa9\xc3\xbf";
    assert_int_equal(got.items[0].u.dead.raw_len, sizeof expect - 1);
    assert_memory_equal(got.items[0].u.dead.raw, expect, sizeof expect - 1);
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
    const struct hs_item *it = &got.items[0];
    assert_int_equal(it->kind, HS_ITEM_DEAD);
    size_t reason_len = strlen(it->u.dead.reason);
    if (reason_len != want_len || memcmp(it->u.dead.reason, want, want_len) != 0)
        fail_msg("\"%s\": the reason decoded to %zu bytes other than the %zu expected", text,
                 reason_len, want_len);
    assert_int_equal(hs_utf8_invalid_at(it->u.dead.reason, reason_len), reason_len);
    assert_int_equal(it->u.dead.raw_len, want_len);
    assert_memory_equal(it->u.dead.raw, want, want_len);
    assert_int_equal(hs_utf8_invalid_at(it->u.dead.raw, it->u.dead.raw_len), want_len);
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
    const char *reason = got.items[0].u.dead.reason;
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
    assert_int_equal(got.items[0].kind, HS_ITEM_ROW);
    assert_int_equal(got.items[0].line, 1); /* no _line: numbered by position */
    assert_true(got.items[0].u.values[HS_CRIM] == 0.5);
    assert_true(got.items[0].u.values[HS_MEDV] == 21.5);
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
    assert_int_equal(got.items[0].kind, HS_ITEM_DEAD);
    assert_string_equal(got.items[0].u.dead.reason, "ZN is missing");
    assert_int_equal(got.items[0].line, 5);
    assert_memory_equal(got.items[0].u.dead.raw, "{\"_line\":5,\"CRIM\":1}", 20);
    assert_string_equal(got.items[1].u.dead.reason, "CHAS must be an integer");
    assert_string_equal(got.items[2].u.dead.reason, "array element is not an object");
    assert_int_equal(got.items[2].line, 3);
    assert_string_equal(got.items[3].u.dead.reason, "CRIM is not a number");
    assert_string_equal(got.items[4].u.dead.reason, "_line is not an integer in [0, 2^53)"); /* found by fuzz_json */
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
    assert_string_equal(got.items[0].src, "a.csv#0123456789ab");
    assert_int_equal(got.items[0].line, 5);
    assert_string_equal(got.items[1].src, "kafka:t/0@7");
    assert_int_equal(got.items[1].line, 2);
    assert_int_equal(decode_from(NULL, msg, err), 2);
    assert_string_equal(got.items[0].src, "kafka:t/0@7");
    assert_int_equal(got.items[0].line, 1);
    assert_string_equal(got.items[1].src, "kafka:t/0@7");
    assert_int_equal(got.items[1].line, 2);
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
        if (memcmp(&got.items[0].u.values[HS_CRIM], &want, sizeof want) != 0)
            fail_msg("%s decoded as %.17g, strtod says %.17g", text, got.items[0].u.values[HS_CRIM], want);
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
    assert_string_equal(got.items[0].u.dead.reason, "CRIM is missing");
    free(deep);
    /* found by fuzz_json: jsmn accepts keys without values */
    int n = decode("[{\"_\",},{\"CRIM\":1}]", err);
    assert_true(n == -1 || (n == 2 && got.items[0].kind == HS_ITEM_DEAD));
}

/* The size bounds in json.h (which the configuration checks batch_size with)
 * are exactly what the worst items encode to: the largest integers, numbers
 * printed with 17 digits and an exponent, and every dead-letter byte escaped. */
static void encoded_size_bounds_are_exact(void **state)
{
    (void)state;
    static struct hs_item row, dead;
    row = (struct hs_item){.kind = HS_ITEM_ROW, .line = UINT64_MAX, .read_us = INT64_MIN};
    for (int c = 0; c < HS_NCOLS; c++)
        row.u.values[c] = -2.2250738585072014e-308; /* -DBL_MIN: 24 characters */
    dead = (struct hs_item){.kind = HS_ITEM_DEAD, .line = UINT64_MAX, .read_us = INT64_MIN};
    memset(dead.u.dead.reason, 0x01, HS_REASON_MAX); /* no NUL: the encoder stops at the size */
    memset(dead.u.dead.raw, 0xff, HS_RAW_MAX);
    dead.u.dead.raw_len = HS_RAW_MAX;
    const struct hs_item *batch[3] = {&dead, &row, &dead};
    struct hs_buf buf = {0};
    hs_json_encode(&buf, batch + 1, 1);
    assert_int_equal(buf.len, 2 + HS_JSON_ROW_MAX);
    hs_buf_reset(&buf);
    hs_json_encode(&buf, batch, 1);
    assert_int_equal(buf.len, HS_JSON_BATCH_MAX(1));
    assert_int_equal(HS_JSON_OBJECT_MAX, 4351);
    hs_buf_reset(&buf);
    batch[1] = &dead;
    hs_json_encode(&buf, batch, 3);
    assert_int_equal(buf.len, HS_JSON_BATCH_MAX(3));
    hs_buf_free(&buf);
}

/* Items are read from shared memory a crashed producer may have damaged. */
static void damaged_items_are_repaired(void **state)
{
    (void)state;
    struct hs_item it;
    memset(&it, 'x', sizeof it);
    it.kind = 7;
    assert_int_equal(hs_item_repair(&it), -1);
    assert_int_equal(it.kind, HS_ITEM_DEAD);
    assert_string_equal(it.u.dead.reason, "corrupt ring slot (item kind 7)");
    assert_int_equal(it.u.dead.raw_len, 0);
    assert_int_equal(strlen(it.src), HS_SRC_MAX - 1);
    memset(&it, 'y', sizeof it);
    it.kind = HS_ITEM_DEAD;
    it.u.dead.raw_len = 1u << 31;
    assert_int_equal(hs_item_repair(&it), -1);
    assert_int_equal(it.u.dead.raw_len, HS_RAW_MAX);
    assert_int_equal(strlen(it.u.dead.reason), HS_REASON_MAX - 1);
    struct hs_item good = {.kind = HS_ITEM_ROW, .src = "a.csv#0123456789ab", .line = 2};
    assert_int_equal(hs_item_repair(&good), 0);
    assert_string_equal(good.src, "a.csv#0123456789ab");
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
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
