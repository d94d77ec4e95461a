/*
 * test_formats.c - input formats: encoding detection and its refusals,
 * decoding line by line, and whole files read through csv_source (offsets in
 * the original file, resume by seeking, hostile files). Fixtures are made
 * from data/housing.csv in build/it/.
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
#include <zlib.h>

#include "../harness.h"

#include "../../workers/csv_decode.h"
#include "../../workers/csv_source.h"
#include "../housing.h"

#define ERR 256

/* The format settings with `encoding` and everything else on auto. */
static const struct hs_csv_format *fmt(const char *encoding)
{
    static struct hs_csv_format f;
    char err[ERR];
    assert_int_equal(hs_csv_format_from(encoding, "auto", "auto", "auto", housing_schema(), &f,
                                        err, ERR), 0);
    return &f;
}

static int detect(const char *bytes, size_t n, const char *setting, struct hs_csv_encoding *e,
                  char *err)
{
    return hs_csv_encoding_detect((const unsigned char *)bytes, n, setting, e, err, ERR);
}

static void byte_order_marks_decide(void **state)
{
    (void)state;
    struct hs_csv_encoding e;
    char err[ERR] = "";
    assert_int_equal(detect("CRIM,ZN", 7, "auto", &e, err), 0);
    assert_true(e.utf8 && e.bom_len == 0 && e.nl_len == 1 && e.nl[0] == '\n');
    assert_int_equal(detect("\xef\xbb\xbf" "CRIM", 7, "auto", &e, err), 0);
    assert_true(e.utf8 && e.bom_len == 3);
    assert_int_equal(detect("\xff\xfe" "C\0R\0", 6, "AUTO", &e, err), 0);
    assert_string_equal(e.name, "UTF-16LE");
    assert_true(!e.utf8 && e.bom_len == 2 && e.nl_len == 2 && memcmp(e.nl, "\n\0", 2) == 0);
    assert_int_equal(detect("\xfe\xff\0C\0R", 6, "auto", &e, err), 0);
    assert_string_equal(e.name, "UTF-16BE");
    assert_true(e.nl_len == 2 && memcmp(e.nl, "\0\n", 2) == 0);
}

static void unreadable_files_are_named(void **state)
{
    (void)state;
    struct hs_csv_encoding e;
    char err[ERR] = "";
    assert_int_equal(detect("\xff\xfe\0\0C\0\0\0", 8, "auto", &e, err), -1);
    assert_non_null(strstr(err, "UTF-32LE byte-order mark"));
    assert_non_null(strstr(err, "encoding = \"UTF-32LE\""));
    assert_int_equal(detect("C\0R\0I\0M\0,\0Z\0N\0\n\0", 16, "auto", &e, err), -1);
    assert_string_equal(err, "looks like UTF-16LE without a byte-order mark (every other byte "
                             "is NUL): set encoding = \"UTF-16LE\"");
    assert_int_equal(detect("\0C\0R\0I\0M", 8, "auto", &e, err), -1);
    assert_non_null(strstr(err, "set encoding = \"UTF-16BE\""));
    assert_int_equal(detect("\x7f" "ELF\2\1\1\0\0\0\0\0abcdefgh", 20, "auto", &e, err), -1);
    assert_non_null(strstr(err, "holds a NUL byte at byte offset 7: a binary file"));
    assert_int_equal(detect("\x1f\x8b\x08\0", 4, "auto", &e, err), -1);
    assert_non_null(strstr(err, "gzip-compressed"));
    assert_null(strstr(err, "NUL byte")); /* never "field 1 contains a NUL byte" */
}

static void named_encodings(void **state)
{
    (void)state;
    struct hs_csv_encoding e;
    char err[ERR] = "";
    assert_int_equal(hs_csv_encoding_check("auto", err, ERR), 0);
    assert_int_equal(hs_csv_encoding_check("latin1", err, ERR), 0);
    assert_int_equal(hs_csv_encoding_check("cp1252", err, ERR), 0);
    assert_int_equal(hs_csv_encoding_check("UTF-16LE", err, ERR), 0);
    assert_int_equal(hs_csv_encoding_check("klingon", err, ERR), -1);
    assert_non_null(strstr(err, "encoding = \"klingon\" is not an encoding iconv knows"));
    assert_int_equal(hs_csv_encoding_check("", err, ERR), -1);
    assert_int_equal(hs_csv_encoding_check("UTF-8//IGNORE", err, ERR), -1);
    assert_int_equal(hs_csv_encoding_check("UTF-16", err, ERR), -1);
    assert_non_null(strstr(err, "cannot be split into lines"));
    /* a named encoding skips its own byte-order mark, and only that */
    assert_int_equal(detect("\xff\xfe" "C\0", 4, "UTF-16LE", &e, err), 0);
    assert_int_equal(e.bom_len, 2);
    assert_int_equal(detect("\xff\xfe" "C\0", 4, "latin1", &e, err), 0);
    assert_int_equal(e.bom_len, 0);
}

static const char *decode(struct hs_csv_decoder *d, const char *enc, const char *line, size_t n,
                          size_t *out, char *err)
{
    struct hs_csv_encoding e;
    assert_int_equal(detect("x\n", 2, enc, &e, err), 0);
    hs_csv_decoder_close(d);
    assert_int_equal(hs_csv_decoder_open(d, &e, err, ERR), 0);
    return hs_csv_decode(d, line, n, 1000, out, err, ERR);
}

static void lines_are_decoded_or_named(void **state)
{
    (void)state;
    struct hs_csv_decoder d = {0};
    char err[ERR] = "";
    size_t n;
    const char *t = decode(&d, "UTF-16LE", "1\0,\0\xe9\0", 6, &n, err);
    assert_non_null(t);
    assert_int_equal(n, 4);
    assert_memory_equal(t, "1,\xc3\xa9", 4);
    assert_null(decode(&d, "UTF-16LE", "1\0,\0\xe9", 5, &n, err)); /* cut short */
    assert_string_equal(err, "the line ends inside a UTF-16LE character at byte offset 1004 "
                             "(a truncated or corrupt file?)");
    assert_null(decode(&d, "UTF-16LE", "1\0\x00\xdc", 4, &n, err)); /* lone surrogate */
    assert_string_equal(err, "not valid UTF-16LE at byte offset 1002");
    t = decode(&d, "cp1252", "\x80,1", 3, &n, err);
    assert_non_null(t);
    assert_memory_equal(t, "\xe2\x82\xac,1", 5);
    assert_null(decode(&d, "auto", "1,2\xff", 4, &n, err));
    assert_non_null(strstr(err, "not valid UTF-8 at byte offset 1003"));
    assert_null(decode(&d, "auto", "1,\0002", 4, &n, err));
    assert_non_null(strstr(err, "NUL byte at byte offset 1002: not UTF-8 text"));
    assert_null(decode(&d, "latin1", "1,\0002", 4, &n, err));
    assert_non_null(strstr(err, "holds a NUL character"));
    hs_csv_decoder_close(&d);
}

/* ---- whole files ---- */

static char plain[PATH_MAX];

static void fixture(char *out, size_t cap, const char *name, const char *codec, int bom, int crlf)
{
    assert_int_equal(system("mkdir -p build/it"), 0);
    snprintf(out, cap, "build/it/%s-%d.csv", name, (int)getpid());
    encode_csv("data/housing.csv", out, codec, bom, crlf);
}

/* The lines of data/housing.csv, to compare with. */
static char **plain_lines(int *count)
{
    FILE *f = fopen("data/housing.csv", "r");
    assert_non_null(f);
    char **lines = calloc(600, sizeof *lines), *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int i = 0;
    while ((n = getline(&line, &cap, f)) > 0 && i < 600)
        lines[i++] = strndup(line, (size_t)n - (line[n - 1] == '\n'));
    free(line);
    fclose(f);
    *count = i;
    return lines;
}

static void free_lines(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

static void open_ok(struct hs_csv_source *s, const char *path, const char *enc)
{
    char why[ERR] = "";
    int rc = hs_csv_source_open(s, path, "x.csv", 0, fmt(enc), false, why, ERR);
    if (rc != HS_CSV_OPENED)
        fail_msg("%s: open gave %d: %s", path, rc, why);
}

/* Every line of the file as in data/housing.csv; the offset ends at the file's size
 * (or at `end`, the size of its text, for a compressed file). */
static void reads_like_plain_to(const char *path, const char *enc, size_t strip, long end)
{
    int count;
    char **lines = plain_lines(&count);
    struct hs_csv_source s;
    open_ok(&s, path, enc);
    ssize_t n;
    int i = 1;
    while ((n = hs_csv_source_next(&s, false)) != -1) {
        assert_true(n >= 0);
        assert_int_equal((size_t)n - strip, strlen(lines[i]));
        assert_memory_equal(s.buf, lines[i], (size_t)n - strip);
        i++;
    }
    assert_int_equal(i, count);
    FILE *f = fopen(path, "r");
    fseek(f, 0, SEEK_END);
    assert_int_equal(s.offset, (uint64_t)(end > 0 ? end : ftell(f)));
    fclose(f);
    hs_csv_source_close(&s);
    free_lines(lines, count);
}

static void reads_like_plain(const char *path, const char *enc, size_t strip)
{
    reads_like_plain_to(path, enc, strip, 0);
}

static void utf8_bom_utf16_and_cp1252_files_read_like_plain(void **state)
{
    (void)state;
    char path[PATH_MAX];
    fixture(path, sizeof path, "bom", "utf-8", 1, 0);
    reads_like_plain(path, "auto", 0); /* the header no longer "lacks column CRIM" */
    fixture(path, sizeof path, "u16le", "utf-16-le", 1, 1);
    reads_like_plain(path, "auto", 1);
    fixture(path, sizeof path, "u16be", "utf-16-be", 1, 0);
    reads_like_plain(path, "auto", 0);
    fixture(path, sizeof path, "u16nobom", "utf-16-le", 0, 0);
    reads_like_plain(path, "UTF-16LE", 0);
    fixture(path, sizeof path, "cp1252", "cp1252", 0, 1);
    reads_like_plain(path, "cp1252", 1);
    snprintf(plain, sizeof plain, "%s", path);
}

/* The seed project's file (UTF-16LE, byte-order mark, CRLF, a comma header
 * over rows aligned with spaces) and the other layouts: every row parses to
 * the values of data/housing.csv. */
static void every_layout_parses_like_plain(void **state)
{
    (void)state;
    static const struct { const char *layout, *codec; int bom, crlf; } cases[] = {
        {"seed", "utf-16-le", 1, 1}, {"euro", "utf-8", 1, 1}, {"tab", "utf-16-be", 1, 0},
        {"pipe", "cp1252", 0, 0}, {"spaces", "utf-8", 0, 1}, {"bare", "utf-16-le", 1, 1},
        {"bare", "utf-8", 0, 0},
    };
    struct hs_csv_source ref, s;
    char path[PATH_MAX], why[ERR];
    double want[HS_NCOLS], got[HS_NCOLS];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "build/it/layout-%s-%d.csv", cases[i].layout, (int)getpid());
        layout_csv("data/housing.csv", path, cases[i].codec, cases[i].bom, cases[i].crlf,
                   cases[i].layout);
        open_ok(&ref, "data/housing.csv", "auto");
        open_ok(&s, path, strcmp(cases[i].codec, "cp1252") == 0 ? "cp1252" : "auto");
        ssize_t n;
        long rows = 0;
        while ((n = hs_csv_source_next(&ref, false)) >= 0) {
            assert_int_equal(housing_parse_row(&ref.header, ref.buf, (size_t)n, want, why, ERR), 0);
            n = hs_csv_source_next(&s, false);
            assert_true(n >= 0);
            if (housing_parse_row(&s.header, s.buf, (size_t)n, got, why, ERR) != 0)
                fail_msg("%s:%llu: %s", path, (unsigned long long)s.line, why);
            assert_memory_equal(got, want, sizeof want);
            rows++;
        }
        assert_int_equal(rows, 506);
        assert_int_equal(hs_csv_source_next(&s, false), -1);
        hs_csv_source_close(&ref);
        hs_csv_source_close(&s);
        unlink(path);
    }
}

/* Quoted fields holding newlines: one record each, numbered by its first
 * line; a resume after such a record goes on with the right line numbers. */
static void quoted_newlines_make_one_record(void **state)
{
    (void)state;
    char path[PATH_MAX], why[ERR];
    struct hs_csv_source s;
    double v[HS_NCOLS];
    snprintf(path, sizeof path, "build/it/quoted-%d.csv", (int)getpid());
    layout_csv("data/housing.csv", path, "utf-16-le", 1, 1, "quoted");
    open_ok(&s, path, "auto");
    ssize_t n;
    uint64_t line = 2, offset_after_4 = 0;
    for (int i = 0; (n = hs_csv_source_next(&s, false)) != -1; i++) {
        assert_true(n > 0);
        assert_int_equal(s.record_line, line);
        assert_int_equal(s.line, line + (i % 3 == 0));
        if (housing_parse_row(&s.header, s.buf, (size_t)n, v, why, ERR) != 0)
            fail_msg("record %d at line %llu: %s", i, (unsigned long long)line, why);
        if (i % 3 == 0)
            assert_non_null(strstr(s.buf, "with \"\"quotes\"\"\nand a second line\""));
        if (i == 3)
            offset_after_4 = s.offset;
        line = s.line + 1;
    }
    assert_int_equal(line - 1, 1 + 506 + 169);
    hs_csv_source_close(&s);
    /* records 0 and 3 span two lines: the fourth record ends at line 2+1+1+1+2-1 = 7 */
    open_ok(&s, path, "auto");
    assert_int_equal(hs_csv_source_seek(&s, offset_after_4, 7), 0);
    assert_true(hs_csv_source_next(&s, false) > 0);
    assert_int_equal(s.record_line, 8);
    hs_csv_source_close(&s);
    unlink(path);
}

/* An unclosed quote makes its own line a dead letter and nothing more; a
 * followed file whose quoted record is not finished waits for the rest. */
static void unclosed_quotes_lose_nothing(void **state)
{
    (void)state;
    char path[PATH_MAX], why[ERR];
    struct hs_csv_source s;
    double v[HS_NCOLS];
    snprintf(path, sizeof path, "build/it/unclosed-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV,NOTE\n");
    fprintf(f, "1,2,3,0,5,6,7,8,9,10,11,12,13,14,\"never closed\n");
    for (int i = 0; i < 150; i++)
        fprintf(f, "1,2,3,0,5,6,7,8,9,10,11,12,13,%d,ok\n", i);
    fclose(f);
    open_ok(&s, path, "auto");
    ssize_t n = hs_csv_source_next(&s, false);
    assert_int_equal(s.line, 2);
    assert_int_equal(housing_parse_row(&s.header, s.buf, (size_t)n, v, why, ERR), -1);
    assert_string_equal(why, "field 15 has an unterminated quote");
    for (int i = 0; i < 150; i++) {
        n = hs_csv_source_next(&s, false);
        assert_int_equal(s.record_line, 3 + (uint64_t)i);
        assert_int_equal(housing_parse_row(&s.header, s.buf, (size_t)n, v, why, ERR), 0);
        assert_true(v[HS_MEDV] == i);
    }
    assert_int_equal(hs_csv_source_next(&s, false), -1);
    hs_csv_source_close(&s);

    f = fopen(path, "w");
    fprintf(f, "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV,NOTE\n"
               "1,2,3,0,5,6,7,8,9,10,11,12,13,14,ok\n1,2,3,0,5,6,7,8,9,10,11,12,13,14,\"open\n");
    fclose(f);
    assert_int_equal(hs_csv_source_open(&s, path, "x.csv", 0, fmt("auto"), true, why, ERR), HS_CSV_OPENED);
    assert_true(hs_csv_source_next(&s, true) > 0);
    uint64_t offset = s.offset;
    assert_int_equal(hs_csv_source_next(&s, true), -1); /* waits for the quote to close */
    assert_int_equal(s.offset, offset);
    assert_int_equal(s.line, 2);
    f = fopen(path, "a");
    fprintf(f, "closed\"\n");
    fclose(f);
    n = hs_csv_source_next(&s, true);
    assert_int_equal(s.record_line, 3);
    assert_int_equal(s.line, 4);
    assert_int_equal(housing_parse_row(&s.header, s.buf, (size_t)n, v, why, ERR), 0);
    hs_csv_source_close(&s);
    unlink(path);
}

/* ---- gzip ---- */

static long file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* A .gz of data/housing.csv, plain and as UTF-16LE: the same lines; offsets
 * in the text, and a resume by seeking there. */
static void gzip_reads_like_plain(void **state)
{
    (void)state;
    char path[PATH_MAX];
    struct hs_csv_source s;
    snprintf(path, sizeof path, "build/it/plain-%d.csv.gz", (int)getpid());
    encode_csv("data/housing.csv", path, "utf-8", 0, 0);
    reads_like_plain_to(path, "auto", 0, file_size("data/housing.csv"));
    encode_csv("data/housing.csv", path, "utf-16-le", 1, 1);
    reads_like_plain_to(path, "auto", 1, 2 + 2 * (file_size("data/housing.csv") + 507));
    open_ok(&s, path, "auto");
    for (int i = 0; i < 300; i++)
        assert_true(hs_csv_source_next(&s, true) > 0); /* never waited on: it is complete */
    uint64_t offset = s.offset, line = s.line;
    ssize_t n = hs_csv_source_next(&s, false);
    char *next = strndup(s.buf, (size_t)n);
    hs_csv_source_close(&s);
    open_ok(&s, path, "auto");
    assert_int_equal(hs_csv_source_seek(&s, offset, line), 0);
    assert_int_equal(hs_csv_source_next(&s, false), n);
    assert_string_equal(s.buf, next);
    free(next);
    hs_csv_source_close(&s);
    unlink(path);
}

/* A damaged stream is refused when opened, with the reason. */
static void refused_with(const char *path, const char *reason)
{
    struct hs_csv_source s;
    char why[ERR] = "";
    assert_int_equal(hs_csv_source_open(&s, path, "x.csv", 0, fmt("auto"), false, why, ERR),
                     HS_CSV_BAD_HEADER);
    if (strstr(why, reason) == NULL || strstr(why, "nothing of it is read") == NULL)
        fail_msg("%s: %s", path, why);
    hs_csv_source_close(&s);
}

/* A cut, a corrupt and an exploding stream: refused whole in one line
 * before any row (no row decoded from bad data, no line cut in a number). */
static void hostile_gzip(void **state)
{
    (void)state;
    char path[PATH_MAX], cut[PATH_MAX], cmd[3 * PATH_MAX];
    snprintf(path, sizeof path, "build/it/whole-%d.csv.gz", (int)getpid());
    snprintf(cut, sizeof cut, "build/it/cut-%d.csv.gz", (int)getpid());
    encode_csv("data/housing.csv", path, "utf-8", 0, 0);
    snprintf(cmd, sizeof cmd, "head -c %ld %s > %s", file_size(path) / 2, path, cut);
    assert_int_equal(system(cmd), 0);
    refused_with(cut, "the gzip stream is cut short after byte ");
    /* garbage three quarters into the deflate data of 20 copies of the rows */
    int count;
    char **lines = plain_lines(&count);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    gzprintf(gz, "%s\n", lines[0]);
    for (int k = 0; k < 20; k++)
        for (int i = 1; i < count; i++)
            gzprintf(gz, "%s\n", lines[i]);
    gzclose(gz);
    free_lines(lines, count);
    snprintf(cmd, sizeof cmd, "cp %s %s && printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | "
             "dd of=%s bs=1 seek=%ld conv=notrunc 2>/dev/null", path, cut, cut, file_size(path) * 3 / 4);
    assert_int_equal(system(cmd), 0);
    refused_with(cut, "the gzip stream is ");
    snprintf(cmd, sizeof cmd, "head -c 30 %s > %s", path, cut);
    assert_int_equal(system(cmd), 0);
    refused_with(cut, "the gzip stream is cut short after byte 0");
    /* a header, then 30 MB of one digit: far beyond any CSV's compression */
    gz = gzopen(cut, "wb9");
    assert_non_null(gz);
    gzputs(gz, "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV\n");
    char *ones = malloc(1 << 20);
    memset(ones, '1', 1 << 20);
    for (int i = 0; i < 30; i++)
        assert_int_equal(gzwrite(gz, ones, 1 << 20), 1 << 20);
    free(ones);
    gzclose(gz);
    refused_with(cut, "expands more than 250 times (a gzip bomb?)");
    unlink(cut);
    unlink(path);
}

/* Many quotes left open in a .gz: each is read again from the window, never
 * by decompressing the stream again (every byte of text is decompressed
 * once), and every good line still lands. */
static void unclosed_quotes_in_gzip_are_read_once(void **state)
{
    (void)state;
    char path[PATH_MAX], why[ERR];
    struct hs_csv_source s;
    double v[HS_NCOLS];
    snprintf(path, sizeof path, "build/it/traps-%d.csv.gz", (int)getpid());
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    long text = gzprintf(gz, "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV,NOTE\n");
    for (int trap = 0; trap < 300; trap++) {
        text += gzprintf(gz, "1,2,3,0,5,6,7,8,9,10,11,12,13,14,\"open\n");
        for (int i = 0; i < 120; i++)
            text += gzprintf(gz, "1,2,3,0,5,6,7,8,9,10,11,12,13,%d,ok\n", i);
    }
    gzclose(gz);
    open_ok(&s, path, "auto");
    ssize_t n;
    long good = 0, bad = 0;
    while ((n = hs_csv_source_next(&s, false)) != -1) {
        assert_true(n > 0);
        if (housing_parse_row(&s.header, s.buf, (size_t)n, v, why, ERR) == 0)
            good++;
        else if (strcmp(why, "field 15 has an unterminated quote") == 0)
            bad++;
    }
    assert_int_equal(good, 300 * 120);
    assert_int_equal(bad, 300);
    assert_int_equal(s.offset, (uint64_t)text);
    assert_int_equal(s.gz_text, (uint64_t)text);
    hs_csv_source_close(&s);
    unlink(path);
}

/* header = false reads a first line that names the columns as data (a dead
 * letter); header = true refuses a file whose first line is numbers;
 * auto reads the UCI layout with line 1 as its first record. */
static void header_settings(void **state)
{
    (void)state;
    char path[PATH_MAX], why[ERR];
    struct hs_csv_source s;
    struct hs_csv_format f;
    snprintf(path, sizeof path, "build/it/bare-%d.csv", (int)getpid());
    layout_csv("data/housing.csv", path, "utf-8", 0, 0, "bare");
    open_ok(&s, path, "auto");
    assert_true(s.headerless);
    assert_int_equal(s.offset, 0);
    assert_true(hs_csv_source_next(&s, false) > 0);
    assert_int_equal(s.line, 1);
    hs_csv_source_close(&s);
    assert_int_equal(hs_csv_format_from("auto", "auto", "auto", "true", housing_schema(), &f, why,
                                        ERR), 0);
    assert_int_equal(hs_csv_source_open(&s, path, "x.csv", 0, &f, false, why, ERR), HS_CSV_BAD_HEADER);
    assert_non_null(strstr(why, "header lacks column CRIM"));
    hs_csv_source_close(&s);
    assert_int_equal(hs_csv_format_from("auto", "auto", "auto", "false", housing_schema(), &f, why,
                                        ERR), 0);
    assert_int_equal(hs_csv_source_open(&s, "data/housing.csv", "x.csv", 0, &f, false, why, ERR),
                     HS_CSV_OPENED);
    assert_int_equal(hs_csv_source_next(&s, false), (ssize_t)strlen("CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV"));
    double v[HS_NCOLS];
    assert_int_equal(housing_parse_row(&s.header, s.buf, strlen(s.buf), v, why, ERR), -1);
    assert_string_equal(why, "crim is not a double precision: 'CRIM'");
    hs_csv_source_close(&s);
    assert_int_equal(hs_csv_format_from("auto", "auto", "auto", "maybe", housing_schema(), &f, why,
                                        ERR), -1);
    assert_string_equal(why, "header = \"maybe\" is not one of auto, true, false");
    unlink(path);
}

/* Resuming at a stored offset in a UTF-16 file reads the next line whole. */
static void offsets_are_in_the_original_file(void **state)
{
    (void)state;
    char path[PATH_MAX];
    struct hs_csv_source s;
    fixture(path, sizeof path, "resume", "utf-16-le", 1, 1);
    open_ok(&s, path, "auto");
    assert_int_equal(s.offset, 2 + 2 * (strlen("CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV") + 2));
    for (int i = 0; i < 10; i++)
        assert_true(hs_csv_source_next(&s, false) > 0);
    uint64_t offset = s.offset, line = s.line;
    ssize_t n = hs_csv_source_next(&s, false);
    char *eleventh = strndup(s.buf, (size_t)n);
    hs_csv_source_close(&s);
    open_ok(&s, path, "auto");
    assert_int_equal(hs_csv_source_seek(&s, offset, line), 0);
    assert_int_equal(hs_csv_source_next(&s, false), n);
    assert_string_equal(s.buf, eleventh);
    assert_int_equal(s.line, line + 1);
    free(eleventh);
    hs_csv_source_close(&s);
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

#define H16 "C\0R\0I\0M\0"

/* A truncated UTF-16 file, a byte-order mark then garbage, a line of 2 MB:
 * each is a clear reason, never a crash or a silent loss. */
static void hostile_files(void **state)
{
    (void)state;
    char path[PATH_MAX], why[ERR] = "";
    struct hs_csv_source s;
    snprintf(path, sizeof path, "build/it/hostile-%d.csv", (int)getpid());
    write_bytes(path, "\xff\xfe\x00\xd8\x00\xd8\n\0", 8);
    assert_int_equal(hs_csv_source_open(&s, path, "x.csv", 0, fmt("auto"), false, why, ERR),
                     HS_CSV_BAD_HEADER);
    assert_string_equal(why, "not valid UTF-16LE at byte offset 2");
    hs_csv_source_close(&s);
    write_bytes(path, "\xff\xfe" H16 "\n", 11); /* cut in its newline */
    assert_int_equal(hs_csv_source_open(&s, path, "x.csv", 0, fmt("auto"), false, why, ERR),
                     HS_CSV_BAD_HEADER);
    assert_non_null(strstr(why, "ends inside a UTF-16LE character at byte offset 10"));
    hs_csv_source_close(&s);

    /* a header, a line of 2 MB, a good line */
    const char *header = "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV\n";
    size_t big = 2u << 20, hl = strlen(header);
    char *bytes = malloc(hl + big + 100);
    memcpy(bytes, header, hl);
    memset(bytes + hl, '7', big);
    const char *row = "\n1,2,3,0,5,6,7,8,9,10,11,12,13,14\n";
    memcpy(bytes + hl + big, row, strlen(row));
    write_bytes(path, bytes, hl + big + strlen(row));
    free(bytes);
    open_ok(&s, path, "auto");
    assert_int_equal(hs_csv_source_next(&s, false), HS_CSV_BAD_LINE);
    assert_non_null(strstr(s.why, "is 2097152 bytes long, above the 1048576 allowed"));
    assert_int_equal(s.buf_len, HS_CSV_LINE_MAX);
    assert_int_equal(hs_csv_source_next(&s, false), 32);
    assert_int_equal(s.line, 3);
    assert_int_equal(hs_csv_source_next(&s, false), -1);
    hs_csv_source_close(&s);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(byte_order_marks_decide),
        cmocka_unit_test(unreadable_files_are_named),
        cmocka_unit_test(named_encodings),
        cmocka_unit_test(lines_are_decoded_or_named),
        cmocka_unit_test(utf8_bom_utf16_and_cp1252_files_read_like_plain),
        cmocka_unit_test(every_layout_parses_like_plain),
        cmocka_unit_test(header_settings),
        cmocka_unit_test(gzip_reads_like_plain),
        cmocka_unit_test(hostile_gzip),
        cmocka_unit_test(unclosed_quotes_in_gzip_are_read_once),
        cmocka_unit_test(quoted_newlines_make_one_record),
        cmocka_unit_test(unclosed_quotes_lose_nothing),
        cmocka_unit_test(offsets_are_in_the_original_file),
        cmocka_unit_test(hostile_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
