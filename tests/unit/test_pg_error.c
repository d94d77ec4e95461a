/*
 * test_pg_error.c - how a writer reads PostgreSQL's errors: the class of
 * each SQLSTATE, the identity index named after the table, and the refused
 * row a COPY error names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../workers/pg_error.h"
#include "../../workers/pg_schema.h"

static void data_errors_are_per_row(void **state)
{
    (void)state;
    static const char *const row[] = {
        "22001", "22003", "22007", "22012", "22021", "22P02", /* data exceptions */
        "23502", "23503", "23514", "23P01",                   /* integrity, not the identity */
        "P0001", "P0004",                                     /* raised by a trigger */
        "54000",                                              /* a row too large */
    };
    for (size_t i = 0; i < sizeof row / sizeof row[0]; i++)
        assert_int_equal(hs_pg_classify(row[i], NULL, "housing"), HS_PG_ROW);
    assert_int_equal(hs_pg_classify("23505", "some_other_unique_idx", "housing"), HS_PG_ROW);
    assert_int_equal(hs_pg_classify("23505", NULL, "housing"), HS_PG_ROW);
}

static void the_identity_index_means_a_replay(void **state)
{
    (void)state;
    assert_int_equal(hs_pg_classify("23505", "housing_source_idx", "housing"), HS_PG_REPLAY);
    assert_int_equal(hs_pg_classify("23514", "housing_source_idx", "housing"), HS_PG_ROW);
}

/* The identity index follows the table: another table's is a row's fault. */
static void the_identity_index_is_the_tables(void **state)
{
    (void)state;
    assert_int_equal(hs_pg_classify("23505", "trips_source_idx", "trips"), HS_PG_REPLAY);
    assert_int_equal(hs_pg_classify("23505", "Trips 2024_source_idx", "Trips 2024"),
                     HS_PG_REPLAY);
    assert_int_equal(hs_pg_classify("23505", "housing_source_idx", "trips"), HS_PG_ROW);
    assert_int_equal(hs_pg_classify("23505", "trips_source_idx", "housing"), HS_PG_ROW);
    assert_int_equal(hs_pg_classify("23505", "trips_source_idx", "Trips"), HS_PG_ROW);
    assert_int_equal(hs_pg_classify("23505", "trips_dead_letter_record_idx", "trips"), HS_PG_ROW);
}

/* Names derived from a table are cut as PostgreSQL cuts identifiers: to 63
 * bytes, never inside a UTF-8 character. */
static void derived_names_fit_postgres(void **state)
{
    (void)state;
    char name[HS_PG_NAME_MAX], table[HS_TABLE_NAME_MAX];
    hs_pg_schema_name("trips", HS_PG_IDENTITY_SUFFIX, name);
    assert_string_equal(name, "trips_source_idx");
    memset(table, 'a', sizeof table - 1);
    table[sizeof table - 1] = '\0';
    hs_pg_schema_name(table, HS_PG_DEAD_LETTER_INDEX_SUFFIX, name);
    assert_int_equal(strlen(name), 63);
    assert_memory_equal(name + 47, "_dead_letter_rec", 16);
    /* "é" is two bytes: the 63rd byte would split the last one */
    snprintf(table, sizeof table, "%s", "ééééééééééééééééééééééé"); /* 46 bytes */
    hs_pg_schema_name(table, "_0123456789abcdefg", name);
    assert_int_equal(strlen(name), 63);
    hs_pg_schema_name(table, "_0123456789abcdefgh", name);
    assert_int_equal(strlen(name), 63);
    hs_pg_schema_name(table, "é_0123456789abcd", name); /* 46 + 2 + 15 = 63 */
    assert_int_equal(strlen(name), 63);
    hs_pg_schema_name(table, "_0123456789abcdeé", name); /* 46 + 16 + 2 = 64: the é goes */
    assert_int_equal(strlen(name), 62);
    /* the index a replay is recognised by is the one the module names */
    hs_pg_schema_name(table, HS_PG_IDENTITY_SUFFIX, name);
    assert_int_equal(hs_pg_classify("23505", name, table), HS_PG_REPLAY);
}

static void everything_else_is_the_system(void **state)
{
    (void)state;
    static const char *const system[] = {
        "08006", "08001", "28P01", "28000", "42501", "42P01", "42703", "53100", "53200",
        "57P01", "57014", "40001", "40P01", "25P02", "XX000", "P0002", "54001", "0A000",
    };
    for (size_t i = 0; i < sizeof system / sizeof system[0]; i++)
        assert_int_equal(hs_pg_classify(system[i], NULL, "housing"), HS_PG_SYSTEM);
    assert_int_equal(hs_pg_classify(NULL, NULL, "housing"), HS_PG_SYSTEM);
    assert_int_equal(hs_pg_classify("", NULL, "housing"), HS_PG_SYSTEM);
    assert_int_equal(hs_pg_classify("2350", NULL, "housing"), HS_PG_SYSTEM);
    assert_int_equal(hs_pg_classify("235055", NULL, "housing"), HS_PG_SYSTEM);
}

static void copy_errors_name_their_row(void **state)
{
    (void)state;
    assert_int_equal(hs_pg_copy_row("COPY housing, line 7", "housing"), 7);
    assert_int_equal(hs_pg_copy_row("COPY housing, line 12, column medv", "housing"), 12);
    assert_int_equal(hs_pg_copy_row("COPY housing, line 3: \"1,2,3\"", "housing"), 3);
    assert_int_equal(hs_pg_copy_row("PL/pgSQL function refuse() line 4 at RAISE\n"
                                    "COPY housing, line 4096", "housing"), 4096);
    assert_int_equal(hs_pg_copy_row(NULL, "housing"), 0);
    assert_int_equal(hs_pg_copy_row("", "housing"), 0);
    assert_int_equal(hs_pg_copy_row("COPY other, line 5", "housing"), 0);
    assert_int_equal(hs_pg_copy_row("COPY housing, line 0", "housing"), 0);
    assert_int_equal(hs_pg_copy_row("COPY housing, line x", "housing"), 0);
    assert_int_equal(hs_pg_copy_row("COPY housing, line 5x", "housing"), 0);
    assert_int_equal(hs_pg_copy_row("SQL statement \"INSERT\"", "housing"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_errors_are_per_row),
        cmocka_unit_test(the_identity_index_means_a_replay),
        cmocka_unit_test(the_identity_index_is_the_tables),
        cmocka_unit_test(derived_names_fit_postgres),
        cmocka_unit_test(everything_else_is_the_system),
        cmocka_unit_test(copy_errors_name_their_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
