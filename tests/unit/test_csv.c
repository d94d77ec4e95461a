/*
 * test_csv.c - the CSV parser: headers, good records, and every kind of bad line.
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
#include "../housing.h"

#define HEADER "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV"
#define ROW1 "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24"

static int parse_header(const char *text, struct hs_csv_header *h, char *err)
{
    return hs_csv_parse_header(text, strlen(text), housing_schema(), h, err, 256);
}

static int parse_row(const struct hs_csv_header *h, const char *text, double v[HS_NCOLS], char *err)
{
    return housing_parse_row(h, text, strlen(text), v, err, 256);
}

static void header_in_order(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    assert_int_equal(h.nfields, 14);
    for (int i = 0; i < 14; i++)
        assert_int_equal(h.column_of[i], i);
}

static void header_any_case_any_order_with_extra_column(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header("medv,Note,crim,zn,indus,chas,nox,rm,age,dis,rad,tax,ptratio,b,lstat\r",
                                  &h, err), 0);
    assert_int_equal(h.nfields, 15);
    assert_int_equal(h.column_of[0], HS_MEDV);
    assert_int_equal(h.column_of[1], -1);
    assert_int_equal(h.column_of[2], HS_CRIM);
}

static void header_missing_column_is_an_error(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header("CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT", &h, err), -1);
    assert_string_equal(err, "header lacks column MEDV (the header must name every column of table "
                             "housing)");
}

static void header_data_line_instead_of_header(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header(ROW1, &h, err), -1);
    assert_non_null(strstr(err, "header lacks column CRIM"));
}

static void header_duplicate_column(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header(HEADER ",crim", &h, err), -1);
    assert_string_equal(err, "header names column CRIM twice");
}

static void record_values_exact(void **state)
{
    (void)state;
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256] = "";
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    assert_int_equal(parse_row(&h, ROW1 "\r", v, err), 0);
    assert_true(v[HS_CRIM] == 0.00632);
    assert_true(v[HS_CHAS] == 0.0);
    assert_true(v[HS_TAX] == 296.0);
    assert_true(v[HS_B] == 396.9);
    assert_true(v[HS_MEDV] == 24.0);
}

static void record_quoted_and_spaced_fields(void **state)
{
    (void)state;
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256] = "";
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    assert_int_equal(parse_row(&h, "\"0.5\", 18 ,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,\"24.5\"", v, err), 0);
    assert_true(v[HS_CRIM] == 0.5);
    assert_true(v[HS_ZN] == 18.0);
    assert_true(v[HS_MEDV] == 24.5);
}

struct bad_case {
    const char *line;
    const char *reason;
};

static void record_bad_lines_give_reasons(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98", "expected 14 fields, got 13"},
        {ROW1 ",7", "expected 14 fields, got 15"},
        {"0.00632,18,2.31,0,abc,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24", "nox is not a double precision: 'abc'"},
        {"0.00632,18,2.31,0,,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24", "nox may not be NULL"},
        {"0.00632,18,2.31,0.5,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24", "chas is not an integer: '0.5'"},
        {"0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,1e999", "medv is out of range for double precision: '1e999'"},
        {"\"0.00632,18,2.31", "field 1 has an unterminated quote"},
        {"total garbage here", "expected 14 fields, got 3 (split on whitespace: the line has no comma)"},
        {"1,2,3,4x,5,6,7,8,9,10,11,12,13,14", "chas is not an integer: '4x'"},
    };
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256];
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(parse_row(&h, cases[i].line, v, err), -1);
        assert_string_equal(err, cases[i].reason);
    }
}

/* Plain decimals are read without strtod: each value must be the very double
 * strtod gives, for 200,000 random decimals of 1-17 digits, 0-24 after the point. */
static void record_numbers_equal_strtod(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256], text[64], line[256];
    double v[HS_NCOLS];
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    srand(54321);
    for (int i = 0; i < 200000; i++) {
        random_decimal(text);
        snprintf(line, sizeof line, "%s,0,0,0,0,0,0,0,0,0,0,0,0,0", text);
        assert_int_equal(parse_row(&h, line, v, err), 0);
        double want = strtod(text, NULL);
        if (memcmp(&v[HS_CRIM], &want, sizeof want) != 0)
            fail_msg("%s parsed as %.17g, strtod says %.17g", text, v[HS_CRIM], want);
    }
}

static void record_embedded_nul_is_an_error(void **state)
{
    (void)state;
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256];
    const char line[] = "0.1,18,2.31,0,0.5\0x,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24";
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    assert_int_equal(housing_parse_row(&h, line, sizeof line - 1, v, err, sizeof err), -1);
    assert_string_equal(err, "field 5 contains a NUL byte");
}

/* ---- dialects ---- */

static int header_as(const char *text, const char *delim, const char *decimal,
                     struct hs_csv_header *h, char *err)
{
    struct hs_csv_dialect d;
    assert_int_equal(hs_csv_dialect_parse(delim, decimal, &d, err, 256), 0);
    d.schema = housing_schema();
    return hs_csv_parse_header_as(text, strlen(text), &d, h, err, 256);
}

static void delimiter_auto_decides_from_the_header(void **state)
{
    (void)state;
    static const struct { const char *header; char delim; } cases[] = {
        {HEADER, ','},
        {"CRIM;ZN;INDUS;CHAS;NOX;RM;AGE;DIS;RAD;TAX;PTRATIO;B;LSTAT;MEDV", ';'},
        {"CRIM\tZN\tINDUS\tCHAS\tNOX\tRM\tAGE\tDIS\tRAD\tTAX\tPTRATIO\tB\tLSTAT\tMEDV\r", '\t'},
        {"CRIM|ZN|INDUS|CHAS|NOX|RM|AGE|DIS|RAD|TAX|PTRATIO|B|LSTAT|MEDV", '|'},
        {"   CRIM    ZN INDUS CHAS  NOX   RM  AGE   DIS RAD TAX PTRATIO   B LSTAT MEDV  ", ' '},
    };
    struct hs_csv_header h;
    char err[256] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (parse_header(cases[i].header, &h, err) != 0)
            fail_msg("%s: %s", cases[i].header, err);
        assert_int_equal(h.delimiter, cases[i].delim);
        assert_int_equal(h.nfields, 14);
        assert_int_equal(h.column_of[13], HS_MEDV);
    }
    /* none fits: the reason for the split with the most fields */
    assert_int_equal(parse_header("CRIM;ZN;INDUS;CHAS;NOX;RM;AGE;DIS;RAD;TAX;PTRATIO;B;LSTAT", &h, err), -1);
    assert_string_equal(err, "header lacks column MEDV (the header must name every column of table "
                             "housing)");
}

static void aligned_rows_under_a_comma_header(void **state)
{
    (void)state;
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256] = "";
    assert_int_equal(parse_header(HEADER, &h, err), 0);
    assert_int_equal(parse_row(&h, " 0.00632  18.00   2.310  0  0.5380  6.5750  65.20  4.0900   1  296.0  "
                                   "15.30 396.90   4.98  24.00\r", v, err), 0);
    assert_true(v[HS_CRIM] == 0.00632 && v[HS_TAX] == 296.0 && v[HS_MEDV] == 24.0);
    assert_int_equal(parse_row(&h, "0.1\t18\t2.31\t0\t0.5 6 65 4 1 296 15 396 4 24", v, err), 0);
    assert_int_equal(parse_row(&h, "0.1 18 2.31", v, err), -1);
    assert_string_equal(err, "expected 14 fields, got 3 (split on whitespace: the line has no comma)");
    /* an explicit delimiter has no such fallback */
    assert_int_equal(header_as(HEADER, "comma", "auto", &h, err), 0);
    assert_int_equal(parse_row(&h, "0.1 18 2.31", v, err), -1);
    assert_string_equal(err, "expected 14 fields, got 1");
}

static void decimal_commas(void **state)
{
    (void)state;
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256] = "";
    const char *euro = "0,00632;18;2,31;0;0,538;6,575;65,2;4,09;1;296;15,3;396,9;4,98;24";
    assert_int_equal(header_as("CRIM;ZN;INDUS;CHAS;NOX;RM;AGE;DIS;RAD;TAX;PTRATIO;B;LSTAT;MEDV", "auto",
                               "auto", &h, err), 0);
    assert_int_equal(parse_row(&h, euro, v, err), 0);
    assert_true(v[HS_CRIM] == 0.00632 && v[HS_NOX] == 0.538 && v[HS_B] == 396.9);
    assert_int_equal(parse_row(&h, "0,1,2;18;2,31;0;0,538;6,575;65,2;4,09;1;296;15,3;396,9;4,98;24", v, err), -1);
    assert_string_equal(err, "crim is not a double precision: '0,1,2'");
    assert_int_equal(parse_row(&h, "0,1;18;2,31;0,5;0,538;6,575;65,2;4,09;1;296;15,3;396,9;4,98;24", v, err), -1);
    assert_string_equal(err, "chas is not an integer: '0,5'"); /* as the file has it */
    /* decimal_comma = false: a comma is no decimal point */
    assert_int_equal(header_as("CRIM;ZN;INDUS;CHAS;NOX;RM;AGE;DIS;RAD;TAX;PTRATIO;B;LSTAT;MEDV", "semicolon",
                               "false", &h, err), 0);
    assert_int_equal(parse_row(&h, euro, v, err), -1);
    assert_string_equal(err, "crim is not a double precision: '0,00632'");
    /* decimal_comma = true with commas between fields: only quoted values can have one */
    assert_int_equal(header_as(HEADER, "auto", "true", &h, err), 0);
    assert_int_equal(parse_row(&h, "\"0,5\",18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24", v, err), 0);
    assert_true(v[HS_CRIM] == 0.5);
}

static void dialect_settings(void **state)
{
    (void)state;
    struct hs_csv_dialect d;
    char err[256] = "";
    assert_int_equal(hs_csv_dialect_parse("TAB", "TRUE", &d, err, sizeof err), 0);
    assert_true(d.delimiter == '\t' && d.decimal_comma == HS_DECIMAL_COMMA);
    assert_int_equal(hs_csv_dialect_parse(";", "false", &d, err, sizeof err), 0);
    assert_true(d.delimiter == ';' && d.decimal_comma == HS_DECIMAL_POINT);
    assert_int_equal(hs_csv_dialect_parse("colon", "auto", &d, err, sizeof err), -1);
    assert_string_equal(err, "delimiter = \"colon\" is not one of auto, comma, semicolon, tab, pipe, whitespace");
    assert_int_equal(hs_csv_dialect_parse("auto", "yes", &d, err, sizeof err), -1);
    assert_string_equal(err, "decimal_comma = \"yes\" is not one of auto, true, false");
}

/* ---- files without a header ---- */

/* header = auto: a first line naming a column is the header, else data. */
static void first_line_naming_no_column_is_data(void **state)
{
    (void)state;
    struct hs_csv_dialect automatic = {0, HS_DECIMAL_AUTO, housing_schema()};
    struct hs_csv_dialect semicolon = {';', HS_DECIMAL_AUTO, housing_schema()};
    assert_false(hs_csv_line_names_a_column(ROW1, strlen(ROW1), &automatic));
    assert_false(hs_csv_line_names_a_column(" 0.00632  18.00  2.310\r", 23, &automatic));
    assert_false(hs_csv_line_names_a_column("1,2,NA", 6, &automatic));
    assert_true(hs_csv_line_names_a_column(HEADER, strlen(HEADER), &automatic));
    assert_true(hs_csv_line_names_a_column("crim;zn;typo", 12, &automatic));
    assert_true(hs_csv_line_names_a_column("Note, medv ,x", 13, &automatic)); /* one is enough */
    assert_false(hs_csv_line_names_a_column(HEADER, strlen(HEADER), &semicolon));
    assert_true(hs_csv_line_names_a_column("x;\"MEDV\"", 8, &semicolon));
}

static void classic_columns_without_a_header(void **state)
{
    (void)state;
    const struct hs_csv_dialect automatic = {0, HS_DECIMAL_AUTO, housing_schema()};
    const struct hs_csv_dialect comma = {',', HS_DECIMAL_AUTO, housing_schema()};
    struct hs_csv_header h;
    double v[HS_NCOLS];
    char err[256] = "";
    const char *bare = " 0.00632  18.00   2.310  0  0.5380  6.5750  65.20  4.0900   1  296.0  15.30 396.90   4.98  24.00";
    assert_int_equal(hs_csv_classic_header(bare, strlen(bare), &automatic, &h, err, sizeof err), 0);
    assert_int_equal(h.delimiter, HS_CSV_WHITESPACE);
    assert_int_equal(parse_row(&h, bare, v, err), 0);
    assert_true(v[HS_CRIM] == 0.00632 && v[HS_RAD] == 1.0 && v[HS_MEDV] == 24.0);
    assert_int_equal(hs_csv_classic_header(ROW1, strlen(ROW1), &automatic, &h, err, sizeof err), 0);
    assert_int_equal(h.delimiter, ',');
    assert_int_equal(hs_csv_classic_header("1,2,3", 5, &automatic, &h, err, sizeof err), -1);
    assert_string_equal(err, "without a header, the first line must have the 14 columns CRIM..MEDV "
                             "in this order, separated by a comma, semicolon, tab, pipe or "
                             "whitespace");
    assert_int_equal(hs_csv_classic_header(ROW1, strlen(ROW1), &comma, &h, err, sizeof err), 0);
    assert_int_equal(parse_row(&h, bare, v, err), -1); /* no whitespace fallback when named */
}

/* ---- quoted fields across lines ---- */

static void quotes_open_and_close_across_lines(void **state)
{
    (void)state;
    struct hs_csv_header h;
    char err[256] = "";
    assert_int_equal(parse_header(HEADER ",NOTE", &h, err), 0);
    assert_true(hs_csv_ends_in_quote("1,\"a", 4, &h, false));
    assert_true(hs_csv_ends_in_quote("1, \"a,b", 8, &h, false));  /* spaces before the quote */
    assert_false(hs_csv_ends_in_quote("1,\"a\"\"b\"", 9, &h, false));
    assert_true(hs_csv_ends_in_quote("1,\"a\"\"b", 8, &h, false));  /* a doubled quote stays inside */
    assert_false(hs_csv_ends_in_quote("1,a\"b", 5, &h, false));      /* not at a field's start */
    assert_false(hs_csv_ends_in_quote("end\",2", 6, &h, true));      /* closes what the line before opened */
    assert_true(hs_csv_ends_in_quote("still \"\" in", 12, &h, true));
    double v[HS_NCOLS];
    const char *record = ROW1 ",\"two, lines\nwith \"\"quotes\"\"\"";
    assert_int_equal(parse_row(&h, record, v, err), 0);
    assert_true(v[HS_MEDV] == 24.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_in_order),
        cmocka_unit_test(header_any_case_any_order_with_extra_column),
        cmocka_unit_test(header_missing_column_is_an_error),
        cmocka_unit_test(header_data_line_instead_of_header),
        cmocka_unit_test(header_duplicate_column),
        cmocka_unit_test(record_values_exact),
        cmocka_unit_test(record_quoted_and_spaced_fields),
        cmocka_unit_test(record_bad_lines_give_reasons),
        cmocka_unit_test(record_numbers_equal_strtod),
        cmocka_unit_test(record_embedded_nul_is_an_error),
        cmocka_unit_test(delimiter_auto_decides_from_the_header),
        cmocka_unit_test(aligned_rows_under_a_comma_header),
        cmocka_unit_test(decimal_commas),
        cmocka_unit_test(dialect_settings),
        cmocka_unit_test(first_line_naming_no_column_is_data),
        cmocka_unit_test(classic_columns_without_a_header),
        cmocka_unit_test(quotes_open_and_close_across_lines),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
