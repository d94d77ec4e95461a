/*
 * test_encodings.c - CSV files in other encodings and layouts, end to end
 * against the real Kafka broker and PostgreSQL: UTF-16 and UTF-8 with a
 * byte-order mark, the seed project's file (a comma header over rows aligned
 * with spaces), semicolons with decimal commas, tabs, pipes, UCI's
 * headerless housing.data layout and .gz files each land all 506 rows of
 * data/housing.csv with its column sums; a line invalid in its encoding, an
 * unreadable file and a cut .gz become the documented dead letters; a CSV
 * reader killed in the middle of a UTF-16 file with quoted fields spanning
 * lines, or of a .gz file, loses and doubles nothing; an encoding iconv does
 * not know is refused at start. Fixtures are made from data/housing.csv in
 * build/it/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../harness.h"

#define OUT 16384

static const char *const columns[14] = {"crim", "zn", "indus", "chas", "nox", "rm", "age",
                                        "dis", "rad", "tax", "ptratio", "b", "lstat", "medv"};

/* `times` copies of data/housing.csv landed under src_file LIKE pattern. */
static void assert_lands(const char *pattern, int times)
{
    struct csv_figures want;
    char q[512];
    csv_figures("data/housing.csv", &want);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s'", pattern);
    assert_int_equal(sql_wait_for(q, 506L * times, 120), 506L * times);
    for (int c = 0; c < 14; c++) {
        snprintf(q, sizeof q, "SELECT SUM(%s) FROM housing WHERE src_file LIKE '%s'", columns[c],
                 pattern);
        double got = sql_double(q), expect = want.sum[c] * times;
        if (fabs(got - expect) > 1e-6 * fabs(expect) + 1e-9)
            fail_msg("SUM(%s) = %.10g, the CSV says %.10g", columns[c], got, expect);
    }
    snprintf(q, sizeof q, "SELECT COUNT(DISTINCT (src_file, src_line)) FROM housing "
             "WHERE src_file LIKE '%s'", pattern);
    assert_int_equal(sql_long(q), 506L * times);
}

static void fixture(char *out, size_t cap, const char *dir, const char *name, const char *codec,
                    int bom, int crlf)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(out, cap, "%s/%s", dir, name);
    encode_csv("data/housing.csv", out, codec, bom, crlf);
}

/* The seed's own layout, but comma-separated: UTF-16LE with a byte-order mark and CRLF. */
static void utf16le_file_lands_every_row(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300], pattern[200];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/u16-%d", (int)getpid());
    fixture(path, sizeof path, dir, "housing16.csv", "utf-16-le", 1, 1);
    run_init(&r, "u16", path, NULL);
    run_start(&r);
    snprintf(pattern, sizeof pattern, "%s#%%", r.src);
    assert_lands(pattern, 1);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

/* What a spreadsheet exports: UTF-8 with a byte-order mark, CRLF line ends
 * and every header name quoted. */
static void spreadsheet_export_lands(void **state)
{
    (void)state;
    struct run r;
    char path[600], line[1024], q[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(path, sizeof path, "build/it/excel-%d.csv", (int)getpid());
    FILE *in = fopen("data/housing.csv", "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    fputs("\xef\xbb\xbf\"CRIM\",\"ZN\",\"INDUS\",\"CHAS\",\"NOX\",\"RM\",\"AGE\",\"DIS\",\"RAD\","
          "\"TAX\",\"PTRATIO\",\"B\",\"LSTAT\",\"MEDV\"\r\n", out);
    assert_non_null(fgets(line, sizeof line, in)); /* the plain header */
    while (fgets(line, sizeof line, in) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        fprintf(out, "%s\r\n", line);
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    run_init(&r, "excel", path, NULL);
    run_start(&r);
    snprintf(q, sizeof q, "%s#%%", r.src);
    assert_lands(q, 1);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

/* A directory: UTF-8 with a byte-order mark, UTF-16LE, UTF-16BE, and a
 * binary file that becomes one dead letter saying so. */
static void directory_of_encodings(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/encdir-%d", (int)getpid());
    fixture(path, sizeof path, dir, "a-bom.csv", "utf-8", 1, 0);
    fixture(path, sizeof path, dir, "b-le.csv", "utf-16-le", 1, 1);
    fixture(path, sizeof path, dir, "c-be.csv", "utf-16-be", 1, 0);
    snprintf(path, sizeof path, "%s/d-binary.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite("\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0", 1, 16, f);
    fclose(f);
    run_init(&r, "encdir", dir, NULL);
    run_start(&r);
    assert_lands("%-%.csv#%", 3);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE "
                                  "'d-binary.csv#%:1' AND reason LIKE '%a binary file, not CSV "
                                  "text%the file is skipped'", 1, 60), 1);
    run_stop_cleanly(&r);
}

/* The seed project's own file and the other layouts, in one directory. */
static void every_layout_lands(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/layouts-%d", (int)getpid());
    assert_int_equal(system("mkdir -p build/it"), 0);
    snprintf(path, sizeof path, "mkdir -p %s", dir);
    assert_int_equal(system(path), 0);
    static const struct { const char *name, *layout, *codec; int bom, crlf; } files[] = {
        {"a-seed.csv", "seed", "utf-16-le", 1, 1}, {"b-euro.csv", "euro", "utf-8", 1, 1},
        {"c-tab.csv", "tab", "utf-16-be", 1, 0}, {"d-pipe.csv", "pipe", "utf-8", 0, 0},
        {"e-spaces.csv", "spaces", "utf-8", 0, 1}, {"f-bare.csv", "bare", "utf-8", 0, 0},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        layout_csv("data/housing.csv", path, files[i].codec, files[i].bom, files[i].crlf,
                   files[i].layout);
    }
    run_init(&r, "layouts", dir, NULL);
    run_start(&r);
    assert_lands("%-%.csv#%", 6);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    /* without a header, line 1 is the first record */
    assert_int_equal(sql_long("SELECT MIN(src_line) FROM housing WHERE src_file LIKE 'f-bare.csv#%'"), 1);
    assert_int_equal(sql_long("SELECT MAX(src_line) FROM housing WHERE src_file LIKE 'f-bare.csv#%'"), 506);
    run_stop_cleanly(&r);
}

/* A line that is not UTF-8 becomes a dead letter naming its byte offset; an
 * encoding named by the setting (cp1252) reads what UTF-8 would refuse. */
static void invalid_lines_and_named_encodings(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300], cmd[1400], q[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/badline-%d", (int)getpid());
    fixture(path, sizeof path, dir, "bad.csv", "utf-8", 0, 0);
    const char *prefix = "0.1,0,1,0,0.5,6,65,4,1,296,15,396.9,4.98,24,caf";
    FILE *f = fopen(path, "a");
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fprintf(f, "%s\xe9\n", prefix);
    fclose(f);
    /* the header gets a note column: the extra value is what is not UTF-8 */
    snprintf(cmd, sizeof cmd, "sed -i '1s/$/,NOTE/; 2,507s/$/,x/' %s", path);
    assert_int_equal(system(cmd), 0);
    run_init(&r, "badline", path, NULL);
    run_start(&r);
    snprintf(q, sizeof q, "%s#%%", r.src);
    assert_lands(q, 1);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing_dead_letter WHERE reason LIKE "
             "'not valid UTF-8 at byte offset %ld %%'", size + 5 + 506 * 2 + (long)strlen(prefix));
    assert_int_equal(sql_wait_for(q, 1, 60), 1);
    run_stop_cleanly(&r);

    /* the same file read as cp1252: the last line is a row too */
    sql_exec("TRUNCATE housing, housing_dead_letter");
    run_init(&r, "cp1252", path, "encoding = \"cp1252\"");
    run_start(&r);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r.src);
    assert_int_equal(sql_wait_for(q, 507, 120), 507);
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

/* A latin1 file: its non-ASCII text reaches the dead-letter table as the
 * same characters in UTF-8, in the reason and in the record kept. */
static void latin1_text_in_a_dead_letter(void **state)
{
    (void)state;
    struct run r;
    char path[600], q[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(path, sizeof path, "build/it/latin1-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV\n"
          "0.00632,18,2.31,0,0.538,6.575,65.2,4.09,1,296,15.3,396.9,4.98,24\n"
          "0.1,0,1,0,caf\xe9,6,65,4,1,296,15,396.9,4.98,24\n"
          "0.02731,0,7.07,0,0.469,6.421,78.9,4.9671,2,242,17.8,396.9,9.14,21.6\n", f);
    assert_int_equal(fclose(f), 0);
    run_init(&r, "latin1", path, "encoding = \"latin1\"");
    run_start(&r);
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM housing WHERE src_file LIKE '%s#%%'", r.src);
    assert_int_equal(sql_wait_for(q, 2, 60), 2);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter WHERE reason = "
                                  "U&'nox is not a double precision: ''caf\\00E9''' AND raw LIKE "
                                  "U&'%caf\\00E9,6,65%'", 1, 60), 1);
    run_stop_cleanly(&r);
}

/* SIGKILL of the CSV reader in the middle of a UTF-16 file whose every third
 * record has a quoted field spanning two lines: its successor seeks to the
 * offset its predecessor stopped at, and every row lands once, numbered by
 * its first line. */
static void killed_reader_resumes_in_utf16(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300], pattern[200], q[300];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/u16kill-%d", (int)getpid());
    fixture(path, sizeof path, dir, "kill16.csv", "utf-16-be", 1, 1);
    layout_csv("data/housing.csv", path, "utf-16-be", 1, 1, "quoted");
    run_init(&r, "u16kill", path, "rate_limit = 200\nbatch_size = 10");
    run_start(&r);
    assert_int_equal(sql_wait_for("SELECT LEAST(COUNT(*), 100) FROM housing", 100, 60), 100);
    int pid = run_child_pid(&r, "csv-reader");
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    snprintf(pattern, sizeof pattern, "%s#%%", r.src);
    assert_lands(pattern, 1);
    long want = 0, line = 2;
    for (int i = 0; i < 506; line += 1 + (i % 3 == 0), i++)
        want += line;
    snprintf(q, sizeof q, "SELECT SUM(src_line) FROM housing WHERE src_file LIKE '%s'", pattern);
    assert_int_equal(sql_long(q), want);
    assert_true(run_log_contains(&r, "csv-reader: running -> backoff: killed by signal 9"));
    assert_true(run_log_contains(&r, "kill16.csv: resuming after line"));
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

/* Compressed input: *.csv.gz among *.csv in a directory (one of them the
 * seed's layout in UTF-16), a cut one refused whole as one dead letter. */
static void gzip_directory(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300], cmd[1400];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/gzdir-%d", (int)getpid());
    fixture(path, sizeof path, dir, "a-plain.csv.gz", "utf-8", 0, 0);
    snprintf(path, sizeof path, "%s/b-seed.csv.gz", dir);
    layout_csv("data/housing.csv", path, "utf-16-le", 1, 1, "seed");
    fixture(path, sizeof path, dir, "c-plain.csv", "utf-8", 0, 0);
    snprintf(cmd, sizeof cmd, "head -c 3000 %s/a-plain.csv.gz > %s/d-cut.csv.gz", dir, dir);
    assert_int_equal(system(cmd), 0);
    run_init(&r, "gzdir", dir, NULL);
    run_start(&r);
    assert_lands("%-%.csv%#%", 3);
    assert_int_equal(sql_wait_for("SELECT COUNT(*) FROM housing_dead_letter WHERE source LIKE "
                                  "'d-cut.csv.gz#%:1' AND reason LIKE 'the gzip stream is cut short "
                                  "after byte % of its text: nothing of it is read; the file is "
                                  "skipped'", 1, 60), 1);
    run_stop_cleanly(&r);
}

/* SIGKILL of the CSV reader in the middle of a .gz file: its successor
 * decompresses again and skips to where its predecessor stopped. */
static void killed_reader_resumes_in_gzip(void **state)
{
    (void)state;
    struct run r;
    char path[600], dir[300], pattern[200];
    sql_exec("TRUNCATE housing, housing_dead_letter");
    snprintf(dir, sizeof dir, "build/it/gzkill-%d", (int)getpid());
    fixture(path, sizeof path, dir, "kill.csv.gz", "utf-8", 0, 1);
    run_init(&r, "gzkill", path, "rate_limit = 200\nbatch_size = 10");
    run_start(&r);
    assert_int_equal(sql_wait_for("SELECT LEAST(COUNT(*), 100) FROM housing", 100, 60), 100);
    int pid = run_child_pid(&r, "csv-reader");
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    snprintf(pattern, sizeof pattern, "%s#%%", r.src);
    assert_lands(pattern, 1);
    assert_true(run_log_contains(&r, "kill.csv.gz: resuming after line"));
    assert_int_equal(sql_long("SELECT COUNT(*) FROM housing_dead_letter"), 0);
    run_stop_cleanly(&r);
}

static void unknown_encoding_is_refused(void **state)
{
    (void)state;
    struct run r;
    char out[OUT];
    run_init(&r, "klingon", "data/housing.csv", "encoding = \"klingon\"");
    assert_int_not_equal(run_housingsup(&r, "start", out, sizeof out), 0);
    if (strstr(out, "encoding = \"klingon\" is not an encoding iconv knows") == NULL)
        fail_msg("start said: %s", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf16le_file_lands_every_row),
        cmocka_unit_test(spreadsheet_export_lands),
        cmocka_unit_test(directory_of_encodings),
        cmocka_unit_test(every_layout_lands),
        cmocka_unit_test(invalid_lines_and_named_encodings),
        cmocka_unit_test(latin1_text_in_a_dead_letter),
        cmocka_unit_test(killed_reader_resumes_in_utf16),
        cmocka_unit_test(gzip_directory),
        cmocka_unit_test(killed_reader_resumes_in_gzip),
        cmocka_unit_test(unknown_encoding_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
