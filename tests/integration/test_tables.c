/*
 * test_tables.c - any CSV into any table, end to end on the real stack: three
 * generated files (trips with time zones, quoted text and exact amounts;
 * NULLs, booleans, dates and uuids; 100 columns) each go through
 * `housingsup infer` -> its table section as the configuration -> start ->
 * the table. Each table is then compared, row by row and column by column,
 * with the same file loaded by PostgreSQL's own CSV COPY into a table of the
 * same types: the reference no code of ours touched.
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

#include "../harness.h"

#define OUT 65536

struct dataset {
    const char *name;
    char dir[256], csv[300], table[64];
    char infer[OUT];   /* what infer printed */
    char section[OUT]; /* its table section */
};

static unsigned long long seed = 88172645463325252ull;
static unsigned long long next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static FILE *open_dataset(struct dataset *d, const char *name)
{
    char cwd[200];
    assert_non_null(getcwd(cwd, sizeof cwd));
    memset(d, 0, sizeof *d);
    d->name = name;
    snprintf(d->dir, sizeof d->dir, "%s/build/it/tables-%s-%d", cwd, name, (int)getpid());
    snprintf(d->csv, sizeof d->csv, "%s/%s.csv", d->dir, name);
    snprintf(d->table, sizeof d->table, "it_%s_%d", name, (int)getpid());
    char cmd[400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", d->dir);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(d->csv, "w");
    assert_non_null(f);
    return f;
}

/* ---- the three files ---- */

static const char *const notes[] = {
    "plain", "with, a comma", "He said \"\"hi\"\", then left", "café ☕ naïve",
    "two\nlines", "  kept spaces  ", "semi;colon|pipe\ttab",
};

static void write_trips(FILE *f, int rows)
{
    fputs("Trip ID,Pickup At,Dropoff At,Passengers,Fare Amount,Tip,Note\n", f);
    for (int i = 0; i < rows; i++) {
        int h = (int)(next_random() % 24), m = (int)(next_random() % 60), zone = i % 4;
        static const char *const zones[] = {"Z", "+01:00", "-05:30", "+0200"};
        unsigned long long cents = next_random() % 100000, tip = next_random() % 2000;
        fprintf(f, "%d,2024-%02d-%02dT%02d:%02d:%02d%s,2024-%02d-%02d %02d:%02d:%02d.%06d%s,%d,"
                   "%llu.%02llu,%llu.%03llu,\"%s\"\n",
                i + 1, 1 + i % 12, 1 + i % 28, h, m, i % 60, zones[zone], 1 + i % 12, 1 + i % 28,
                h, m, i % 60, i * 7 % 1000000, zones[(zone + 1) % 4], 1 + i % 6, cents / 100,
                cents % 100, tip / 1000, tip % 1000, notes[i % 7]);
    }
}

static void write_nulls(FILE *f, int rows)
{
    static const char *const bools[] = {"true", "false", "t", "f", "", "yes", "no"};
    fputs("code;active;day;count;label;ratio\n", f);
    for (int i = 0; i < rows; i++) {
        unsigned long long a = next_random(), b = next_random();
        fprintf(f, "%08llx-%04llx-%04llx-%04llx-%012llx;%s;", a >> 32, (a >> 16) & 0xffff,
                a & 0xffff, b >> 48, b & 0xffffffffffffull, bools[i % 7]);
        if (i % 5 != 0)
            fprintf(f, "%04d-%02d-%02d", 1 + i % 9999, 1 + i % 12, 1 + i % 28);
        fprintf(f, ";");
        if (i % 3 != 0)
            fprintf(f, "%d", (int)(next_random() % 2000000001) - 1000000000);
        /* an empty label unquoted: PostgreSQL's CSV COPY reads "" as an empty string */
        if (i % 4 == 0)
            fputc(';', f);
        else
            fprintf(f, ";\"%s\"", notes[i % 7]);
        fprintf(f, ";%s\n", i % 6 == 0 ? "" : (i % 2 ? "0,125" : "-17,5"));
    }
}

static void write_wide(FILE *f, int rows)
{
    for (int c = 0; c < 100; c++)
        fprintf(f, "%sCol %03d", c ? "," : "", c + 1);
    fputc('\n', f);
    for (int i = 0; i < rows; i++) {
        for (int c = 0; c < 100; c++) {
            fputs(c ? "," : "", f);
            if (c % 3 == 0)
                fprintf(f, "%lld", (long long)(next_random() % 8000000000ull) - 4000000000);
            else if (c % 3 == 1)
                fprintf(f, "%llu.%04llu", next_random() % 100000, next_random() % 10000);
            else
                fprintf(f, "v%d_%llx", i, next_random() % 65536);
        }
        fputc('\n', f);
    }
}

/* ---- infer, configure, ingest ---- */

/* The table section of infer's output: from "table {" to its closing "}". */
static void table_section(struct dataset *d)
{
    const char *start = strstr(d->infer, "table {"), *end = start ? strstr(start, "\n}\n") : NULL;
    if (end == NULL)
        fail_msg("infer printed no table section:\n%s", d->infer);
    snprintf(d->section, sizeof d->section, "%.*s", (int)(end + 2 - start), start);
}

static void infer(struct dataset *d)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "infer %s --table %s", d->csv, d->table);
    int rc = run_cli(cmd, d->infer, sizeof d->infer);
    if (rc != 0)
        fail_msg("infer exited %d: %s", rc, d->infer);
    table_section(d);
}

static void expect_column(const struct dataset *d, const char *line)
{
    if (strstr(d->section, line) == NULL)
        fail_msg("infer: no '%s' in\n%s", line, d->section);
}

static void drop_tables(const struct dataset *d)
{
    char q[400];
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS \"%s\", \"%s_dead_letter\", \"%s_ref\"", d->table,
             d->table, d->table);
    sql_exec(q);
}

static long ingest(const struct dataset *d, struct run *r, long rows)
{
    char out[4096], q[300];
    run_init(r, d->name, d->csv, d->section);
    int rc = run_housingsup(r, "start", out, sizeof out);
    if (rc != 0)
        fail_msg("start exited %d: %s", rc, out);
    /* the writers create the tables when they connect */
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM pg_tables WHERE tablename IN ('%s', "
             "'%s_dead_letter')", d->table, d->table);
    assert_int_equal(sql_wait_for(q, 2, 60), 2);
    snprintf(q, sizeof q, "SELECT (SELECT COUNT(*) FROM \"%s\") + (SELECT COUNT(*) FROM "
             "\"%s_dead_letter\")", d->table, d->table);
    long got = sql_wait_for(q, rows, 120);
    char expr[200];
    snprintf(expr, sizeof expr, "d[\"table\"] == \"%s\"", d->table); /* status names it */
    assert_int_equal(run_status_json(r, expr), 1);
    run_stop_cleanly(r);
    return got;
}

/* ---- the reference ---- */

/* The table's own columns, as "a", "b", ... */
static void user_columns(const struct dataset *d, char *out, size_t cap)
{
    char q[600];
    snprintf(q, sizeof q, "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM "
             "pg_attribute WHERE attrelid = '\"%s\"'::regclass AND attnum > 0 AND NOT "
             "attisdropped AND attname NOT IN ('id', 'src_file', 'src_line', 'read_us', "
             "'created_at')", d->table);
    sql_text(q, out, cap);
}

/* The file loaded by PostgreSQL's CSV COPY into "<table>_ref", made by
 * `select` (the table's columns, or expressions of them) from the table. */
static void load_reference(const struct dataset *d, const char *select, const char *cols,
                           char delim)
{
    static char q[OUT], data[1 << 22];
    FILE *f = fopen(d->csv, "r");
    assert_non_null(f);
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    assert_true(len < sizeof data);
    snprintf(q, sizeof q, "CREATE TABLE \"%s_ref\" AS SELECT %s FROM \"%s\" WHERE false",
             d->table, select, d->table);
    sql_exec(q);
    sql_exec("SET TimeZone = 'UTC'");
    snprintf(q, sizeof q, "COPY \"%s_ref\" (%s) FROM STDIN WITH (FORMAT csv, HEADER true, "
             "DELIMITER '%c')", d->table, cols, delim);
    sql_copy_in(q, data, len);
}

/* Rows of one table not in the other, both ways: none. */
static void assert_same_rows(const struct dataset *d, const char *cols)
{
    static char q[OUT];
    snprintf(q, sizeof q, "SELECT (SELECT COUNT(*) FROM (SELECT %s FROM \"%s\" EXCEPT ALL "
             "SELECT %s FROM \"%s_ref\") a) + (SELECT COUNT(*) FROM (SELECT %s FROM \"%s_ref\" "
             "EXCEPT ALL SELECT %s FROM \"%s\") b)", cols, d->table, cols, d->table, cols,
             d->table, cols, d->table);
    assert_int_equal(sql_long(q), 0);
}

/* Column by column, joined on `key`: no value differs, and every row joins. */
static void assert_same_columns(const struct dataset *d, const char *cols, const char *key,
                                long rows)
{
    char copy[8192], q[1024];
    snprintf(copy, sizeof copy, "%s", cols);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM \"%s\" t JOIN \"%s_ref\" r USING (%s)",
             d->table, d->table, key);
    assert_int_equal(sql_long(q), rows);
    for (char *save = NULL, *c = strtok_r(copy, ", ", &save); c; c = strtok_r(NULL, ", ", &save)) {
        snprintf(q, sizeof q, "SELECT COUNT(*) FROM \"%s\" t JOIN \"%s_ref\" r USING (%s) "
                 "WHERE t.%s IS DISTINCT FROM r.%s", d->table, d->table, key, c, c);
        long differ = sql_long(q);
        if (differ != 0)
            fail_msg("%s.%s: %ld values differ from PostgreSQL's own reading", d->table, c,
                     differ);
    }
}

static void assert_equal_to_reference(const struct dataset *d, const char *cols, const char *key,
                                      long rows)
{
    assert_same_rows(d, cols);
    assert_same_columns(d, cols, key, rows);
}

static long count_of(const char *table_fmt, const struct dataset *d)
{
    char q[300];
    snprintf(q, sizeof q, table_fmt, d->table);
    return sql_long(q);
}

/* ---- the tests ---- */

static void trips_with_zones_quotes_and_exact_amounts(void **state)
{
    (void)state;
    struct dataset d;
    struct run r;
    char cols[4096], q[600], text[256];
    FILE *f = open_dataset(&d, "trips");
    write_trips(f, 2000);
    fclose(f);
    infer(&d);
    expect_column(&d, "column \"trip_id\" { type = \"smallint\" header = \"Trip ID\" }");
    expect_column(&d, "column \"pickup_at\" { type = \"timestamp with time zone\" "
                      "header = \"Pickup At\" }");
    expect_column(&d, "column \"fare_amount\" { type = \"numeric\" header = \"Fare Amount\" }");
    expect_column(&d, "column \"note\" { type = \"text\" }");
    assert_non_null(strstr(d.infer, "# housingsup infer "));
    assert_non_null(strstr(d.infer, ": 2000 records read\n"));
    assert_non_null(strstr(d.infer, "CREATE TABLE"));
    drop_tables(&d);
    assert_int_equal(ingest(&d, &r, 2000), 2000);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s_dead_letter\"", &d), 0);
    user_columns(&d, cols, sizeof cols);
    load_reference(&d, cols, cols, ',');
    assert_equal_to_reference(&d, cols, "trip_id", 2000);
    /* a few values spelled out */
    snprintf(q, sizeof q, "SELECT note FROM \"%s\" WHERE trip_id = 3", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "He said \"hi\", then left");
    snprintf(q, sizeof q, "SELECT note FROM \"%s\" WHERE trip_id = 5", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "two\nlines");
    snprintf(q, sizeof q, "SELECT note FROM \"%s\" WHERE trip_id = 6", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "  kept spaces  ");
    snprintf(q, sizeof q, "SELECT to_char(pickup_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
             "FROM \"%s\" WHERE trip_id = 2", d.table); /* 2024-02-02 ..+01:00 */
    sql_text(q, text, sizeof text);
    assert_int_equal(strlen(text), 19);
    snprintf(q, sizeof q, "SELECT SUM(fare_amount)::text = (SELECT SUM(fare_amount)::text FROM "
             "\"%s_ref\") FROM \"%s\"", d.table, d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "t");
    drop_tables(&d);
}

static void nulls_booleans_dates_and_uuids(void **state)
{
    (void)state;
    struct dataset d;
    struct run r;
    char cols[4096], q[600], text[256];
    FILE *f = open_dataset(&d, "nulls");
    write_nulls(f, 1000);
    fclose(f);
    infer(&d);
    expect_column(&d, "column \"code\" { type = \"uuid\" }");
    expect_column(&d, "column \"active\" { type = \"boolean\" nullable = true }");
    expect_column(&d, "column \"day\" { type = \"date\" nullable = true }");
    expect_column(&d, "column \"count\" { type = \"integer\" nullable = true }");
    expect_column(&d, "column \"label\" { type = \"text\" nullable = true }");
    expect_column(&d, "column \"ratio\" { type = \"numeric\" nullable = true }");
    drop_tables(&d);
    assert_int_equal(ingest(&d, &r, 1000), 1000);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s_dead_letter\"", &d), 0);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s\" WHERE day IS NULL", &d), 200);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s\" WHERE count IS NULL", &d), 334);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s\" WHERE active IS NULL", &d), 143);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s\" WHERE label IS NULL", &d), 250);
    user_columns(&d, cols, sizeof cols);
    /* PostgreSQL reads no decimal comma: the reference keeps ratio as text */
    load_reference(&d, "code, active, day, count, label, ratio::text AS ratio", cols, ';');
    assert_equal_to_reference(&d, "code, active, day, count, label", "code", 1000);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM \"%s\" t JOIN \"%s_ref\" r USING (code) WHERE "
             "t.ratio IS DISTINCT FROM replace(r.ratio, ',', '.')::numeric", d.table, d.table);
    assert_int_equal(sql_long(q), 0);
    /* empty when i % 6 == 0; else 0.125 for the 500 odd i, -17.5 for the 333 other even i */
    snprintf(q, sizeof q, "SELECT SUM(ratio)::text FROM \"%s\"", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "-5765.000");
    drop_tables(&d);
}

static void a_hundred_columns(void **state)
{
    (void)state;
    struct dataset d;
    struct run r;
    char cols[8192];
    FILE *f = open_dataset(&d, "wide");
    write_wide(f, 300);
    fclose(f);
    infer(&d);
    expect_column(&d, "column \"col_001\" { type = \"bigint\" header = \"Col 001\" }");
    expect_column(&d, "column \"col_002\" { type = \"numeric\" header = \"Col 002\" }");
    expect_column(&d, "column \"col_100\" { type = \"bigint\" header = \"Col 100\" }");
    drop_tables(&d);
    assert_int_equal(ingest(&d, &r, 300), 300);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s_dead_letter\"", &d), 0);
    user_columns(&d, cols, sizeof cols);
    load_reference(&d, cols, cols, ',');
    assert_equal_to_reference(&d, cols, "col_003", 300);
    drop_tables(&d);
}

/* Values checked where they enter: each kind of misfit is a dead letter
 * naming the column and the reason; the good rows around them all land. */
static void values_that_do_not_fit_become_dead_letters(void **state)
{
    (void)state;
    struct dataset d;
    struct run r;
    char q[600], text[512];
    FILE *f = open_dataset(&d, "misfits");
    fputs("num,day,name,amount\n"
          "1,2024-02-29,ok,1234.56\n"
          "x,2024-02-29,ok,1\n"                 /* line 3: not an integer */
          "3,2023-02-29,ok,1\n"                 /* line 4: no such day */
          "4,2024-01-01,,1\n"                   /* line 5: empty, NOT NULL */
          "5,2024-01-01,toolong,1\n"            /* line 6: longer than varchar(5) */
          "6,2024-01-01,ok,12345.6\n"           /* line 7: beyond numeric(6,2) */
          "7,2024-01-01,\"héllo\",-9999.99\n"   /* five characters, six bytes: fits */
          "8,,ok,\n",                            /* day and amount may be NULL */
          f);
    for (int i = 0; i < 40; i++) /* line 10: longer than max_row_bytes */
        fputs(i ? "0000000000" : "9,2024-01-01,ok,1", f);
    fputs("\n10,2024-01-01,ok,0\n", f);
    fclose(f);
    snprintf(d.section, sizeof d.section, "table {\n name = \"%s\"\n max_row_bytes = 256\n"
             " column num { type = \"integer\" }\n"
             " column day { type = \"date\" nullable = true }\n"
             " column name { type = \"varchar(5)\" }\n"
             " column amount { type = \"numeric(6,2)\" nullable = true }\n}\n", d.table);
    drop_tables(&d);
    assert_int_equal(ingest(&d, &r, 10), 10);
    assert_int_equal(count_of("SELECT COUNT(*) FROM \"%s\"", &d), 4);
    snprintf(q, sizeof q, "SELECT string_agg(split_part(source, ':', 2) || ' ' || reason, ' | ' "
             "ORDER BY split_part(source, ':', 2)::int) FROM \"%s_dead_letter\"", d.table);
    sql_text(q, text, sizeof text);
    static const char *const want[] = {
        "3 num is not an integer: 'x'",
        "4 day is not a date: '2023-02-29'",
        "5 name may not be NULL",
        "6 name is longer than varchar(5)",
        "7 amount is out of range for numeric(6,2): '12345.6'",
        "10 the record is 407 bytes, longer than table.max_row_bytes = 256",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("no dead letter '%s' in: %s", want[i], text);
    snprintf(q, sizeof q, "SELECT string_agg(num || '=' || COALESCE(day::text, 'null') || '/' || "
             "name || '/' || COALESCE(amount::text, 'null'), ' ' ORDER BY num) FROM \"%s\"",
             d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "1=2024-02-29/ok/1234.56 "
                        "7=2024-01-01/héllo/-9999.99 8=null/ok/null 10=2024-01-01/ok/0.00");
    drop_tables(&d);
}

/* Another table fed by a foreign producer through the real broker: numbers
 * and dates as strings, a column named by its header in another case, a
 * nullable column left out or null; values that do not fit are dead letters
 * naming the column; the metrics name the table. */
static void foreign_producer_into_another_table(void **state)
{
    (void)state;
    struct dataset d;
    struct run r;
    char q[600], text[512], extra[1200], out[65536];
    FILE *f = open_dataset(&d, "foreign");
    fputs("num,day,name\n", f); /* a header and no records: all comes from Kafka */
    fclose(f);
    int port = free_port();
    snprintf(extra, sizeof extra, "metrics_port = %d\ntable {\n name = \"%s\"\n"
             " column num { type = \"integer\" header = \"Number\" }\n"
             " column day { type = \"date\" nullable = true }\n"
             " column name { type = \"varchar(5)\" nullable = true }\n}\n", port, d.table);
    drop_tables(&d);
    run_init(&r, d.name, d.csv, extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM pg_tables WHERE tablename IN ('%s', "
             "'%s_dead_letter')", d.table, d.table);
    assert_int_equal(sql_wait_for(q, 2, 60), 2);
    const char *msg = "[{\"num\":\"1\",\"day\":\"2024-02-29\",\"name\":\"ok\"},"
                      "{\"NUMBER\":2,\"day\":null},{\"num\":3,\"name\":\"toolong\"},"
                      "{\"num\":\"x\"},{\"day\":\"2024-01-01\"}]";
    kafka_produce(r.topic, NULL, msg, strlen(msg));
    snprintf(q, sizeof q, "SELECT (SELECT COUNT(*) FROM \"%s\") + (SELECT COUNT(*) FROM "
             "\"%s_dead_letter\")", d.table, d.table);
    assert_int_equal(sql_wait_for(q, 5, 60), 5);
    snprintf(q, sizeof q, "SELECT string_agg(num || '=' || COALESCE(day::text, 'null') || '/' || "
             "COALESCE(name, 'null'), ' ' ORDER BY num) FROM \"%s\"", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "1=2024-02-29/ok 2=null/null");
    snprintf(q, sizeof q, "SELECT string_agg(reason, ' | ' ORDER BY source) FROM "
             "\"%s_dead_letter\"", d.table);
    assert_string_equal(sql_text(q, text, sizeof text), "name is longer than varchar(5) | "
                        "num is not an integer: 'x' | num is missing");
    assert_int_equal(http_get(port, "/metrics", out, sizeof out), 0);
    snprintf(q, sizeof q, "housingsup_info{table=\"%s\",topic=\"%s\"} 1\n", d.table, r.topic);
    if (strstr(out, q) == NULL)
        fail_msg("no '%s' in the metrics", q);
    run_stop_cleanly(&r);
    drop_tables(&d);
}

/* A table that cannot take the rows stops `start` (exit 2) with one line,
 * and `check` fails on it; a missing one with table.create = false too. */
static void start_refuses_a_table_that_cannot_take_the_rows(void **state)
{
    (void)state;
    struct run r;
    char out[8192], extra[300], q[600];
    snprintf(extra, sizeof extra, "table { name = \"it_unfit_%d\" }", (int)getpid());
    run_init(&r, "unfit", "data/housing.csv", extra);
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS it_unfit_%d, it_unfit_%d_dead_letter; "
             "CREATE TABLE it_unfit_%d (LIKE housing INCLUDING ALL)", (int)getpid(),
             (int)getpid(), (int)getpid());
    sql_exec(q);
    snprintf(q, sizeof q, "ALTER TABLE it_unfit_%d ALTER COLUMN medv TYPE text", (int)getpid());
    sql_exec(q);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 2);
    snprintf(q, sizeof q, "housingsup: column it_unfit_%d.medv is text, the configuration says "
             "double precision", (int)getpid());
    if (strncmp(out, q, strlen(q)) != 0)
        fail_msg("start said: %s", out);
    assert_int_equal(run_housingsup(&r, "check", out, sizeof out), 1);
    assert_non_null(strstr(out, "FAIL postgres: column it_unfit_"));
    assert_int_equal(run_housingsup(&r, "status", out, sizeof out), 3); /* never started */

    snprintf(extra, sizeof extra, "table { name = \"it_absent_%d\" create = false }",
             (int)getpid());
    run_rewrite_config(&r, extra);
    assert_int_equal(run_housingsup(&r, "start", out, sizeof out), 2);
    snprintf(q, sizeof q, "housingsup: table it_absent_%d does not exist and table.create is "
             "false; create it with: CREATE TABLE", (int)getpid());
    if (strncmp(out, q, strlen(q)) != 0)
        fail_msg("start said: %s", out);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'it_absent_%d%%'",
             (int)getpid());
    assert_int_equal(sql_long(q), 0);
    snprintf(q, sizeof q, "DROP TABLE it_unfit_%d", (int)getpid());
    sql_exec(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trips_with_zones_quotes_and_exact_amounts),
        cmocka_unit_test(nulls_booleans_dates_and_uuids),
        cmocka_unit_test(a_hundred_columns),
        cmocka_unit_test(values_that_do_not_fit_become_dead_letters),
        cmocka_unit_test(start_refuses_a_table_that_cannot_take_the_rows),
        cmocka_unit_test(foreign_producer_into_another_table),
    };
    return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
