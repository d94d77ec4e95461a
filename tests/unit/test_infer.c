/*
 * test_infer.c - `housingsup infer`: the narrowest type every value fits,
 * NULL where empties occur, names made from headers, and the whole output
 * for a small file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../supervisor/infer.h"

/* The type infer gives a column of these values ("" is an empty value). */
static enum hs_type type_of(const char *const *values, bool *nullable)
{
    struct hs_infer_column c;
    hs_infer_column_init(&c);
    for (const char *const *v = values; *v != NULL; v++)
        hs_infer_feed(&c, *v, strlen(*v), false);
    *nullable = c.nullable;
    return hs_infer_type(&c);
}

#define TYPE_OF(...) type_of((const char *const[]){__VA_ARGS__, NULL}, &nullable)

static void narrowest_type_that_fits(void **state)
{
    (void)state;
    bool nullable;
    assert_int_equal(TYPE_OF("0", "1", "-32768", "32767"), HS_TYPE_SMALLINT);
    assert_int_equal(TYPE_OF("1", "32768"), HS_TYPE_INTEGER);
    assert_int_equal(TYPE_OF("1", "-2147483649"), HS_TYPE_BIGINT);
    assert_int_equal(TYPE_OF("1", "9223372036854775808"), HS_TYPE_NUMERIC);
    assert_int_equal(TYPE_OF("1", "2.50", "1e3"), HS_TYPE_NUMERIC);
    assert_int_equal(TYPE_OF("2024-02-29", "0001-01-01"), HS_TYPE_DATE);
    assert_int_equal(TYPE_OF("2024-02-29", "2024-03-01 10:00"), HS_TYPE_TIMESTAMP);
    assert_int_equal(TYPE_OF("2024-03-01 10:00", "2024-03-01T10:00:00+01:00"), HS_TYPE_TIMESTAMPTZ);
    assert_int_equal(TYPE_OF("2024-03-01T10:00:00Z"), HS_TYPE_TIMESTAMPTZ);
    assert_int_equal(TYPE_OF("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), HS_TYPE_UUID);
    assert_int_equal(TYPE_OF("true", "f", "yes"), HS_TYPE_BOOLEAN);
    assert_int_equal(TYPE_OF("1", "true"), HS_TYPE_BOOLEAN); /* 1 is both; true is not a number */
    assert_int_equal(TYPE_OF("2024-02-30"), HS_TYPE_TEXT);   /* no such day */
    assert_int_equal(TYPE_OF("1", "x"), HS_TYPE_TEXT);
    assert_false(nullable);
    assert_int_equal(TYPE_OF("", "7", ""), HS_TYPE_SMALLINT);
    assert_true(nullable);
    assert_int_equal(TYPE_OF("", ""), HS_TYPE_TEXT); /* nothing to go by */
    assert_true(nullable);
}

static void names_from_headers(void **state)
{
    (void)state;
    static const struct { const char *header, *name; } cases[] = {
        {"Trip ID", "trip_id"}, {"  Fare Amount ($) ", "fare_amount"}, {"pickup_at", "pickup_at"},
        {"2nd Stop", "c_2nd_stop"}, {"id", "csv_id"}, {"SRC_LINE", "csv_src_line"},
        {"café", "caf"}, {"---", "column_4"}, {"", "column_4"},
    };
    char out[HS_NAME_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_infer_name(cases[i].header, strlen(cases[i].header), 3, out, sizeof out);
        assert_string_equal(out, cases[i].name);
    }
    char longer[300];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    hs_infer_name(longer, strlen(longer), 0, out, sizeof out);
    assert_true(strlen(out) < HS_NAME_MAX);
}

static void output_for_a_small_file(void **state)
{
    (void)state;
    char path[] = "/tmp/housingsup-infer-XXXXXX", err[512], *text = NULL;
    size_t len = 0;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char csv[] = "Name;Name;Amount;When\n"
                       "a;b;1,5;2024-01-01\n"
                       "\"c;d\";;-2;\n"
                       "e;f;x;2024-01-02\n";
    assert_int_equal(write(fd, csv, sizeof csv - 1), (ssize_t)sizeof csv - 1);
    close(fd);
    FILE *out = open_memstream(&text, &len);
    /* two columns with one header: the second cannot be told from the first */
    assert_int_equal(hs_infer(path, "t", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "header names column Name twice"));
    fclose(out);
    free(text);
    FILE *f = fopen(path, "w");
    fputs("Name;Other;Amount;When\na;b;1,5;2024-01-01\n\"c;d\";;-2;\n", f);
    fclose(f);
    out = open_memstream(&text, &len);
    assert_int_equal(hs_infer(path, "t", out, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(text, ": 2 records read\ntable {\n    name = \"t\"\n"
                                 "    max_row_bytes = 1024\n"
                                 "    column \"name\" { type = \"text\" }\n"
                                 "    column \"other\" { type = \"text\" nullable = true }\n"
                                 "    column \"amount\" { type = \"numeric\" }\n"
                                 "    column \"when\" { type = \"date\" nullable = true }\n}\n"));
    assert_non_null(strstr(text, "CREATE TABLE IF NOT EXISTS \"t\" ("));
    free(text);
    unlink(path);
    assert_int_equal(hs_infer("/nonexistent.csv", NULL, stdout, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(narrowest_type_that_fits),
        cmocka_unit_test(names_from_headers),
        cmocka_unit_test(output_for_a_small_file),
    };
    return cmocka_run_group_tests_name("infer", tests, NULL, NULL);
}
