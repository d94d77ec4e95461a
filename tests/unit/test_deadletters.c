/*
 * test_deadletters.c - the pieces of `dead-letters` and `replay` that need
 * no database: the excerpt that is safe on a terminal, the command lines,
 * a dead letter's identity, and which dead letters become which records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../supervisor/deadletters.h"
#include "../../supervisor/replay_input.h"

/* ---- the excerpt ---- */

static void expect_excerpt(const char *raw, size_t len, size_t max, const char *want)
{
    struct hs_buf b = {0};
    hs_dl_excerpt(&b, raw, len, max);
    hs_buf_append(&b, "", 1);
    if (strcmp(b.data, want) != 0)
        fail_msg("excerpt of %zu bytes (max %zu): got '%s', expected '%s'", len, max, b.data,
                 want);
    hs_buf_free(&b);
}

#define EXCERPT(lit, max, want) expect_excerpt(lit, sizeof lit - 1, max, want)

static void excerpt_escapes_what_a_terminal_acts_on(void **state)
{
    (void)state;
    EXCERPT("0.1,18,2.31", 80, "0.1,18,2.31");
    EXCERPT("a\\b", 80, "a\\\\b");
    EXCERPT("a\tb\nc\rd", 80, "a\\tb\\nc\\rd");
    EXCERPT("\033[31mred\033]0;title\007", 80, "\\x1b[31mred\\x1b]0;title\\x07");
    EXCERPT("nul\0del\177", 80, "nul\\x00del\\x7f");
    EXCERPT("caf\xe9 \xff\xc3", 80, "caf\\xe9 \\xff\\xc3");       /* not UTF-8 */
    EXCERPT("caf\xc3\xa9 \xe2\x82\xac", 80, "caf\xc3\xa9 \xe2\x82\xac"); /* UTF-8 as it is */
    EXCERPT("csi\xc2\x9b" "31m", 80, "csi\\u{009b}31m");        /* a C1 control */
    EXCERPT("a\xe2\x80\xae" "b\xe2\x81\xa6" "c", 80, "a\\u{202e}b\\u{2066}c"); /* bidi */
    EXCERPT("line\xe2\x80\xa8sep\xef\xbb\xbf", 80, "line\\u{2028}sep\\u{feff}");
    EXCERPT("\xed\xa0\x80", 80, "\\xed\\xa0\\x80"); /* a surrogate is not UTF-8 */
}

static void excerpt_is_bounded(void **state)
{
    (void)state;
    EXCERPT("abcdef", 6, "abcdef");
    EXCERPT("abcdefg", 6, "abcdef...");
    EXCERPT("a\xc3\xa9z", 2, "a...");  /* never half a character */
    EXCERPT("a\xc3\xa9z", 3, "a\xc3\xa9...");
    EXCERPT("", 6, "");
    char big[4096];
    memset(big, '\033', sizeof big);
    struct hs_buf b = {0};
    hs_dl_excerpt(&b, big, sizeof big, HS_EXCERPT_BYTES);
    assert_int_equal(b.len, 4 * HS_EXCERPT_BYTES + 3);
    hs_buf_free(&b);
}

/* ---- the command lines ---- */

static int parse(enum hs_dl_command c, struct hs_dl_args *a, char *err, ...)
{
    char *argv[16] = {"housingsup", c == HS_DL_LIST ? "dead-letters" : "replay"};
    int argc = 2;
    va_list ap;
    va_start(ap, err);
    for (char *s; argc < 15 && (s = va_arg(ap, char *)) != NULL;)
        argv[argc++] = s;
    va_end(ap);
    err[0] = '\0';
    return hs_dl_parse_args(c, argc, argv, a, err, 256);
}

static void list_arguments(void **state)
{
    (void)state;
    struct hs_dl_args a;
    char err[256];
    assert_int_equal(parse(HS_DL_LIST, &a, err, NULL), 0);
    assert_string_equal(a.config_path, HS_DEFAULT_CONFIG);
    assert_null(a.since);
    assert_false(a.json);
    assert_int_equal(parse(HS_DL_LIST, &a, err, "-c", "x.conf", "--since", "1 hour", "--json",
                           NULL), 0);
    assert_string_equal(a.config_path, "x.conf");
    assert_string_equal(a.since, "1 hour");
    assert_true(a.json);
    assert_int_equal(parse(HS_DL_LIST, &a, err, "--since", NULL), -1);
    assert_string_equal(err, "--since needs a value");
    assert_int_equal(parse(HS_DL_LIST, &a, err, "--since", "", NULL), -1);
    assert_string_equal(err, "--since needs a value");
    assert_int_equal(parse(HS_DL_LIST, &a, err, "--source", "x%", NULL), -1);
    assert_string_equal(err, "unknown argument '--source'");
    assert_int_equal(parse(HS_DL_LIST, &a, err, "-c", NULL), -1);
    assert_string_equal(err, "-c needs a value");
    assert_int_equal(parse(HS_DL_LIST, &a, err, "extra", NULL), -1);
    assert_string_equal(err, "unknown argument 'extra'");
}

static void replay_arguments(void **state)
{
    (void)state;
    struct hs_dl_args a;
    char err[256];
    assert_int_equal(parse(HS_DL_REPLAY, &a, err, "--source", "housing.csv#%", "--reason",
                           "refused%", NULL), 0);
    assert_string_equal(a.source, "housing.csv#%");
    assert_string_equal(a.reason, "refused%");
    assert_int_equal(parse(HS_DL_REPLAY, &a, err, "--json", NULL), -1);
    assert_string_equal(err, "unknown argument '--json'");
    assert_int_equal(parse(HS_DL_REPLAY, &a, err, "--since", "1 hour", NULL), -1);
    assert_int_equal(parse(HS_DL_REPLAY, &a, err, "--reason", NULL), -1);
    assert_string_equal(err, "--reason needs a value");
}

/* ---- identities ---- */

static void identity_of_a_source(void **state)
{
    (void)state;
    char src[HS_SRC_MAX];
    uint64_t line = 0;
    assert_int_equal(hs_replay_identity("housing.csv#3f09a1c2b7d4:12", src, &line), 0);
    assert_string_equal(src, "housing.csv#3f09a1c2b7d4");
    assert_int_equal(line, 12);
    assert_int_equal(hs_replay_identity("kafka:topic/0@5:3", src, &line), 0);
    assert_string_equal(src, "kafka:topic/0@5");
    assert_int_equal(line, 3);
    static const char *const none[] = {"kafka:topic/0@5", ":5", "x:0", "x:", "x:1a", "x", ""};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (hs_replay_identity(none[i], src, &line) != -1)
            fail_msg("'%s' has no record identity", none[i]);
}

/* ---- which record ---- */

static struct hs_config cfg;
static struct hs_layout layout;
static struct hs_item *item;

static int setup(void **state)
{
    (void)state;
    hs_schema_housing(&cfg.schema);
    snprintf(cfg.csv_path, sizeof cfg.csv_path, "/nonexistent/housing.csv");
    strcpy(cfg.encoding, "auto");
    strcpy(cfg.delimiter, "auto");
    strcpy(cfg.decimal_comma, "auto");
    strcpy(cfg.header, "auto");
    hs_layout_of(&cfg.schema, &layout);
    item = calloc(1, layout.slot_size);
    return item == NULL;
}

static int teardown(void **state)
{
    (void)state;
    free(item);
    return 0;
}

static enum hs_replay_input input(const char *source, const char *reason, const char *sqlstate,
                                  const char *raw, char *why)
{
    struct hs_replay_letter d = {source, reason, sqlstate, raw, strlen(raw)};
    return hs_replay_input(&cfg, &layout, &d, item, why, 256);
}

#define VALUES "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24"

static void refused_values_become_the_record(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(input("h.csv#ab:7", "refused by PostgreSQL (SQLSTATE 23514): x", "23514",
                           VALUES, why), HS_REPLAY_RECORD);
    assert_int_equal(item->kind, HS_ITEM_ROW);
    assert_string_equal(item->src, "h.csv#ab");
    assert_int_equal(item->line, 7);
    assert_int_equal(item->read_us, 0);
    assert_true(hs_item_cvalues(item)[13].u.d == 24.0);
    assert_true(hs_item_cvalues(item)[0].u.d == 0.00632);
    assert_int_equal(input("h.csv#ab:8", "identity collision: h.csv#ab:8 is already housing row "
                           "id 3, with other values", NULL, VALUES, why), HS_REPLAY_RECORD);
    assert_int_equal(input("h.csv#ab:9", "refused", "23514", "1,2,3", why), HS_REPLAY_INVALID);
    assert_string_equal(why, "expected 14 fields, got 3");
    /* a collision's values that no longer read: still a collision's, for the next replay */
    assert_int_equal(input("h.csv#ab:9", "identity collision: h.csv#ab:9 is already housing row "
                           "id 3, with other values", NULL, "1,2,3", why), HS_REPLAY_INVALID);
    assert_string_equal(why, "identity collision: h.csv#ab:9: its values no longer read: "
                        "expected 14 fields, got 3");
}

static void object_becomes_the_record(void **state)
{
    (void)state;
    char why[256];
    const char *object = "{\"crim\":0.1,\"zn\":18,\"indus\":2.31,\"chas\":0,\"nox\":0.5,\"rm\":6,"
                         "\"age\":65,\"dis\":4,\"rad\":1,\"tax\":296,\"ptratio\":15,\"b\":396,"
                         "\"lstat\":4,\"medv\":\"24.5\"}";
    assert_int_equal(input("kafka:t/0@5:2", "x", NULL, object, why), HS_REPLAY_RECORD);
    assert_string_equal(item->src, "kafka:t/0@5");
    assert_int_equal(item->line, 2);
    assert_true(hs_item_cvalues(item)[13].u.d == 24.5);
    assert_int_equal(input("kafka:t/0@5:3", "x", NULL, "{\"crim\":\"x\"}", why),
                     HS_REPLAY_INVALID);
    assert_string_equal(why, "crim is not a double precision: 'x'");
}

static void what_is_skipped_says_why(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(input("kafka:t/0@5", "invalid JSON", NULL, "not json", why), HS_REPLAY_SKIP);
    assert_string_equal(why, "a whole Kafka message that is not a batch has no record identity, "
                        "and its bytes would fail the same way: send it corrected");
    assert_int_equal(input("h.csv#ab:4", "the record is 600 bytes, longer than "
                           "table.max_row_bytes = 512 (its first 512 bytes are kept)", NULL,
                           "0.1,2", why), HS_REPLAY_SKIP);
    assert_string_equal(why, "only the first 5 bytes of the record were kept: load it from its "
                        "file");
    assert_int_equal(input("h.csv#ab:1", "the header lacks MEDV; the file is skipped", NULL,
                           "CRIM,ZN", why), HS_REPLAY_SKIP);
    assert_int_equal(input("h.csv#ab:3", "corrupt ring slot (item kind 9)", NULL, "", why),
                     HS_REPLAY_SKIP);
    assert_string_equal(why, "it holds no input to replay");
    assert_int_equal(input("h.csv#ab:3", "crim is not a double precision: 'x'", NULL,
                           "x,1,2,3,4,5,6,7,8,9,10,11,12,13", why), HS_REPLAY_SKIP);
    assert_string_equal(why, "its file h.csv#ab (whose header names the fields) is not under "
                        "csv_path /nonexistent/housing.csv with the same first lines");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(excerpt_escapes_what_a_terminal_acts_on),
        cmocka_unit_test(excerpt_is_bounded),
        cmocka_unit_test(list_arguments),
        cmocka_unit_test(replay_arguments),
        cmocka_unit_test(identity_of_a_source),
        cmocka_unit_test(refused_values_become_the_record),
        cmocka_unit_test(object_becomes_the_record),
        cmocka_unit_test(what_is_skipped_says_why),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
