/*
 * test_refused.c - what PostgreSQL refuses, and identities that meet, on the
 * real broker and database: nothing stuck, nothing silently dropped.
 *
 *  - rows a CHECK constraint or a trigger refuses become dead letters naming
 *    the constraint or the trigger's message, and every other row lands;
 *  - a revoked privilege and a missing table are the system's fault: nothing
 *    is set aside, and everything lands once the cause is fixed;
 *  - text from a foreign producer reaches PostgreSQL as valid UTF-8, and a
 *    dead letter keeps the original bytes;
 *  - two files of one name in two directories both land in full, the same
 *    file read again from a fresh state lands nothing twice, and a record
 *    that meets its identity with other values becomes one dead letter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 16384
#define HOUSING_ROWS 506

static void reset_tables(void)
{
    sql_exec("TRUNCATE housing, housing_dead_letter");
}

static long rows_of(const char *src_pattern)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", src_pattern);
    return sql_long(q);
}

static long wait_rows(const struct run *r, long expect)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r->src);
    return sql_wait_for(q, expect, 90);
}

/* Runs data/housing.csv to its end and stops; the rows expected in housing. */
static void run_housing_expecting(const char *name, long rows, long dead, const char *extra)
{
    struct run r;
    char q[512];
    run_init(&r, name, "data/housing.csv", extra);
    run_start(&r);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", dead, 90), dead);
    assert_int_equal(wait_rows(&r, rows), rows);
    run_stop_cleanly(&r);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE '%s#%%:%%'", r.src);
    assert_int_equal(sql_long(q), dead);
}

/* How many records of data/housing.csv have `column` (0-based) compared to v as `cmp`. */
static long housing_where(int column, const char *cmp, double v)
{
    FILE *f = fopen("data/housing.csv", "r");
    char line[1024];
    long n = 0;
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        for (int c = 0; c < column; c++)
            p = strchr(p, ',') + 1;
        double x = strtod(p, NULL);
        n += strcmp(cmp, ">=") == 0 ? x >= v : x == v;
    }
    fclose(f);
    return n;
}

static void check_constraint_refuses_rows(void **state)
{
    (void)state;
    long refused = housing_where(13, ">=", 50);
    assert_true(refused > 0);
    reset_tables();
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS hs_test_medv_below_50");
    sql_exec("ALTER TABLE housing ADD CONSTRAINT hs_test_medv_below_50 CHECK (medv < 50)");
    run_housing_expecting("check", HOUSING_ROWS - refused, refused, NULL);
    sql_exec("ALTER TABLE housing DROP CONSTRAINT hs_test_medv_below_50");
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE sqlstate = '23514' "
                              "AND reason LIKE 'refused by PostgreSQL (SQLSTATE 23514): %"
                              "hs_test_medv_below_50%' AND raw LIKE '%,50' "
                              "AND raw_bytes = convert_to(raw, 'UTF8')"), refused);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing WHERE medv >= 50"), 0);
    /* the first refused record, value for value: line 163 of data/housing.csv */
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE "
                              "'housing.csv#%:163' AND raw = '1.46336,0,19.58,0,0.605,7.489,90.8,"
                              "1.9709,5,403,14.7,374.43,1.73,50'"), 1);
}

static void trigger_refuses_rows(void **state)
{
    (void)state;
    long refused = housing_where(8, "==", 24);
    assert_true(refused > 100);
    reset_tables();
    sql_exec("CREATE OR REPLACE FUNCTION hs_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
             "BEGIN IF NEW.rad = 24 THEN RAISE EXCEPTION 'rad 24 is not wanted here'; END IF; "
             "RETURN NEW; END $$");
    sql_exec("DROP TRIGGER IF EXISTS hs_test_refuse ON housing");
    sql_exec("CREATE TRIGGER hs_test_refuse BEFORE INSERT ON housing FOR EACH ROW "
             "EXECUTE FUNCTION hs_test_refuse()");
    run_housing_expecting("trigger", HOUSING_ROWS - refused, refused, "writers = 2");
    sql_exec("DROP TRIGGER hs_test_refuse ON housing");
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE sqlstate = 'P0001' "
                              "AND reason LIKE '%rad 24 is not wanted here'"), refused);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing WHERE rad = 24"), 0);
}

/* Writes the header and the first `records` records of data/housing.csv to path. */
static void write_head(const char *path, int records)
{
    char line[1024];
    FILE *in = fopen("data/housing.csv", "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    for (int n = 0; n <= records && fgets(line, sizeof line, in) != NULL; n++)
        fputs(line, out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* A batch that repeats rows already written and holds refused ones: the
 * replay path (INSERT ... ON CONFLICT) names no row, so halving finds them. */
static void refused_rows_in_a_replay(void **state)
{
    (void)state;
    struct run r;
    char path[600];
    long refused = housing_where(13, ">=", 50);
    reset_tables();
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS hs_test_medv_below_50");
    sql_exec("ALTER TABLE housing ADD CONSTRAINT hs_test_medv_below_50 CHECK (medv < 50)");
    snprintf(path, sizeof path, "%s/build/it/replay-%d.csv", getenv("PWD"), (int)getpid());
    write_head(path, 250); /* lines 2..251; the third message will mix old and new */
    run_init(&r, "replay-1", path, "writers = 1");
    run_start(&r);
    assert_true(run_log_wait_for(&r, "read to the end", 60));
    run_stop_cleanly(&r);
    write_head(path, HOUSING_ROWS); /* the same first lines: the same identity */
    run_init(&r, "replay-2", path, "writers = 1");
    run_start(&r);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS - refused), HOUSING_ROWS - refused);
    assert_true(run_log_wait_for(&r, "read to the end", 60));
    run_stop_cleanly(&r);
    sql_exec("ALTER TABLE housing DROP CONSTRAINT hs_test_medv_below_50");
    assert_true(run_log_contains(&r, "(a replay)"));
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE sqlstate = '23514'"), refused);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), refused);
    assert_int_equal(sql_long("SELECT COUNT(DISTINCT src_line) FROM housing"), HOUSING_ROWS - refused);
}

/* The system's faults: nothing set aside, and it all lands after the fix. */
static void revoked_privilege_and_missing_table_wait(void **state)
{
    (void)state;
    struct run r;
    reset_tables();
    sql_exec("REVOKE INSERT ON housing FROM CURRENT_USER");
    run_init(&r, "revoke", "data/housing.csv", NULL);
    run_start(&r);
    int seen = run_log_wait_for(&r, "permission denied for table housing", 60);
    sleep(2);
    long before = rows_of("housing.csv");
    sql_exec("GRANT INSERT ON housing TO CURRENT_USER");
    assert_true(seen);
    assert_int_equal(before, 0);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS), HOUSING_ROWS);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);

    /* the table renamed away under connected writers (a missing table at
     * start would be created: see test_tables): they wait, then all lands */
    reset_tables();
    run_init(&r, "missing", "data/housing.csv", "rate_limit = 100");
    run_start(&r);
    assert_true(run_log_wait_for(&r, "connected to postgres at", 30));
    sql_exec("ALTER TABLE housing RENAME TO hs_test_housing_away");
    seen = run_log_wait_for(&r, "relation \"housing\" does not exist", 60);
    sql_exec("ALTER TABLE hs_test_housing_away RENAME TO housing");
    assert_true(seen);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS), HOUSING_ROWS);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

#define ROW_FIELDS "\"CRIM\":1,\"ZN\":1,\"INDUS\":1,\"CHAS\":0,\"NOX\":1,\"RM\":1,\"AGE\":1," \
                   "\"DIS\":1,\"RAD\":1,\"TAX\":1,\"PTRATIO\":1,\"B\":1,\"LSTAT\":1"

static void foreign_text_reaches_postgres_as_utf8(void **state)
{
    (void)state;
    struct run r;
    char q[1024];
    reset_tables();
    run_init(&r, "utf8", "data/housing.csv", NULL);
    run_start(&r);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS), HOUSING_ROWS);
    /* escaped surrogates: a pair is one character, a lone one U+FFFD */
    const char *escaped = "[{\"_error\":\"bad \\ud83d\\ude00 and \\ud83d alone\",\"_raw\":\"a\\u0000b\"}]";
    kafka_produce(r.topic, NULL, escaped, strlen(escaped));
    /* raw bytes that are not UTF-8 in a value that is not a number */
    const char invalid[] = "[{" ROW_FIELDS ",\"MEDV\":\"\xff\xfe\xc0\xaf\"}]";
    kafka_produce(r.topic, NULL, invalid, sizeof invalid - 1);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", 2, 60), 2);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter WHERE "
                              "reason = U&'bad \\+01F600 and \\FFFD alone' AND raw = U&'a\\FFFDb'"), 1);
    /* the bytes kept exactly, the text shown with '?' for each that is not UTF-8 */
    const char *object = strchr(invalid, '{');
    char hex[600] = "";
    for (size_t i = 0; object[i] != '\0' && object[i + 1] != '\0'; i++)
        snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%02x", (unsigned char)object[i]);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE reason = 'medv is not a "
             "double precision: ''?\?\?\?''' AND raw_bytes = '\\x%s'::bytea AND raw LIKE '%%\"MEDV\":\"????\"}'", hex);
    assert_int_equal(sql_long(q), 1);
    run_stop_cleanly(&r);
}

/* Writes data/housing.csv to dir/housing.csv with MEDV + add on every line
 * (or only on line `only`, when not 0). */
static void write_housing(const char *dir, double add, int only)
{
    char path[700], line[1024];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/housing.csv", dir);
    FILE *in = fopen("data/housing.csv", "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    for (int n = 1; fgets(line, sizeof line, in) != NULL; n++) {
        char *comma = strrchr(line, ',');
        if (n == 1 || (only != 0 && n != only)) {
            fputs(line, out);
            continue;
        }
        *comma = '\0';
        fprintf(out, "%s,%.10g\n", line, strtod(comma + 1, NULL) + add);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void same_name_in_two_directories_and_read_again(void **state)
{
    (void)state;
    struct run r;
    char a[600], b[600];
    reset_tables();
    snprintf(a, sizeof a, "%s/build/it/a-%d", getenv("PWD"), (int)getpid());
    snprintf(b, sizeof b, "%s/build/it/b-%d", getenv("PWD"), (int)getpid());
    write_housing(a, 0, 0);
    write_housing(b, 1, 0);
    strcat(a, "/housing.csv");
    strcat(b, "/housing.csv");
    run_init(&r, "dir-a", a, NULL);
    run_start(&r);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS), HOUSING_ROWS);
    run_stop_cleanly(&r);
    /* another directory, a fresh state directory: a different file, in full */
    run_init(&r, "dir-b", b, NULL);
    run_start(&r);
    assert_int_equal(wait_rows(&r, 2 * HOUSING_ROWS), 2 * HOUSING_ROWS);
    run_stop_cleanly(&r);
    assert_int_equal(sql_long("SELECT COUNT(DISTINCT src_file) FROM housing"), 2);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing WHERE medv = 51"), housing_where(13, ">=", 50));
    /* the first file again from a fresh state directory: nothing twice, nothing dead,
     * and the replay needs no temporary table */
    sql_exec("REVOKE TEMPORARY ON DATABASE kafka_streaming FROM PUBLIC, CURRENT_USER");
    run_init(&r, "dir-a-again", a, NULL);
    run_start(&r);
    assert_true(run_log_wait_for(&r, "read to the end", 60));
    run_stop_cleanly(&r);
    sql_exec("GRANT TEMPORARY ON DATABASE kafka_streaming TO PUBLIC, CURRENT_USER");
    assert_true(run_log_contains(&r, "(a replay)"));
    assert_int_equal(rows_of("housing.csv"), 2 * HOUSING_ROWS);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM (SELECT src_file, src_line FROM housing "
                              "GROUP BY 1, 2 HAVING COUNT(*) > 1) d"), 0);
}

/* File names longer than a source name can hold, alike in their first 95
 * bytes: the names are cut, never the fingerprint, so both land in full. */
static void long_names_sharing_a_prefix(void **state)
{
    (void)state;
    struct run r;
    char dir[600], name[200], cmd[1400];
    reset_tables();
    snprintf(dir, sizeof dir, "%s/build/it/long-%d", getenv("PWD"), (int)getpid());
    memset(name, 'n', 120);
    name[120] = '\0';
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp data/housing.csv %s/%s-1.csv && "
             "cp data/housing.csv %s/%s-2.csv", dir, dir, name, dir, name);
    assert_int_equal(system(cmd), 0);
    run_init(&r, "long", dir, NULL);
    run_start(&r);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing", 2 * HOUSING_ROWS, 90),
                     2 * HOUSING_ROWS);
    run_stop_cleanly(&r);
    assert_int_equal(sql_long("SELECT COUNT(DISTINCT src_file) FROM housing"), 2);
    assert_int_equal(sql_long("SELECT MAX(length(src_file)) FROM housing"), 95);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
}

/* The same path, the same first lines, one record changed: the changed one
 * meets its identity with other values and becomes one dead letter. */
static void a_record_meeting_its_identity_changed_is_a_dead_letter(void **state)
{
    (void)state;
    struct run r;
    char dir[600], path[700];
    reset_tables();
    snprintf(dir, sizeof dir, "%s/build/it/c-%d", getenv("PWD"), (int)getpid());
    write_housing(dir, 0, 0);
    snprintf(path, sizeof path, "%s/housing.csv", dir);
    run_init(&r, "same-1", path, NULL);
    run_start(&r);
    assert_int_equal(wait_rows(&r, HOUSING_ROWS), HOUSING_ROWS);
    run_stop_cleanly(&r);
    write_housing(dir, 0.5, 10);
    run_init(&r, "same-2", path, NULL);
    run_start(&r);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter", 1, 60), 1);
    run_stop_cleanly(&r);
    assert_int_equal(rows_of("housing.csv"), HOUSING_ROWS);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter d JOIN housing h ON "
                              "d.reason = 'identity collision: ' || h.src_file || ':10 is already "
                              "housing row id ' || h.id || ', with other values' WHERE "
                              "h.src_line = 10 AND d.source = h.src_file || ':10' AND "
                              "d.raw LIKE '%,17' AND h.medv = 16.5"), 1);
}

/* Whatever a failed test left behind would fail the tests after it. */
static int leave_the_table_as_found(void **state)
{
    (void)state;
    sql_exec("ALTER TABLE housing DROP CONSTRAINT IF EXISTS hs_test_medv_below_50");
    sql_exec("DROP TRIGGER IF EXISTS hs_test_refuse ON housing");
    sql_exec("GRANT INSERT ON housing TO CURRENT_USER");
    sql_exec("GRANT TEMPORARY ON DATABASE kafka_streaming TO PUBLIC, CURRENT_USER");
    sql_exec("DO $$ BEGIN IF to_regclass('hs_test_housing_away') IS NOT NULL THEN "
             "DROP TABLE IF EXISTS housing; "
             "ALTER TABLE hs_test_housing_away RENAME TO housing; END IF; END $$");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_constraint_refuses_rows),
        cmocka_unit_test(trigger_refuses_rows),
        cmocka_unit_test(refused_rows_in_a_replay),
        cmocka_unit_test(revoked_privilege_and_missing_table_wait),
        cmocka_unit_test(foreign_text_reaches_postgres_as_utf8),
        cmocka_unit_test(same_name_in_two_directories_and_read_again),
        cmocka_unit_test(long_names_sharing_a_prefix),
        cmocka_unit_test(a_record_meeting_its_identity_changed_is_a_dead_letter),
    };
    return cmocka_run_group_tests_name("refused", tests, NULL, leave_the_table_as_found);
}
