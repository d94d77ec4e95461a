/*
 * csv_read.c - the CSV reader's own cost per row, without Kafka or
 * PostgreSQL: opens a file with csv_source (encoding detection, line
 * splitting, decoding) and parses every line with the CSV parser, as the
 * reader does, taking the best of a few passes. See bench/README.md.
 *
 *   make build/release/libhousingsup.a
 *   cc -O2 -D_GNU_SOURCE bench/csv_read.c build/release/libhousingsup.a -lz -lm -o csv_read
 *   ./csv_read FILE [ENCODING]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "now.h"

#include "../workers/csv_source.h"

/* One pass over the file: the rows parsed, or -1. */
static long one_pass(const char *path, const char *encoding)
{
    static struct hs_csv_source s;
    static struct hs_schema schema;
    struct hs_csv_format format;
    struct hs_layout layout;
    char why[256];
    hs_schema_housing(&schema);
    hs_layout_of(&schema, &layout);
    struct hs_item *it = malloc(layout.slot_size);
    if (it == NULL ||
        hs_csv_format_from(encoding, "auto", "auto", "auto", &schema, &format, why, sizeof why) != 0 ||
        hs_csv_source_open(&s, path, "bench.csv", 0, &format, false, why, sizeof why) !=
        HS_CSV_OPENED) {
        fprintf(stderr, "%s: %s\n", path, why);
        free(it);
        return -1;
    }
    long rows = 0;
    ssize_t n;
    while ((n = hs_csv_source_next(&s, false)) != -1)
        rows += n >= 0 &&
                hs_csv_parse_record(s.buf, (size_t)n, &s.header, &layout, it, why, sizeof why) == 0;
    hs_csv_source_close(&s);
    free(it);
    return rows;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: csv_read FILE [ENCODING]\n");
        return 2;
    }
    double best = 1e9;
    long rows = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now_s();
        rows = one_pass(argv[1], argc > 2 ? argv[2] : "auto");
        if (rows < 0)
            return 1;
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    printf("%ld rows, best of 5: %.3f s, %.0f ns/row\n", rows, best, best * 1e9 / (double)rows);
    return 0;
}
