/*
 * value_parse.c - the typed value codec's cost per value: hs_value_parse
 * reading the same text over and over (a plain double, a short integer, a
 * numeric, a timestamptz with an offset, a uuid), best of 5 passes, and the
 * cost of writing a value back as JSON and binary COPY. See bench/README.md.
 *
 *   cc -O2 -D_GNU_SOURCE -Iworkers bench/value_parse.c workers/value.c workers/decimal.c \
 *      workers/utf8.c config/schema.c common/buf.c -lm -o value_parse
 *   ./value_parse
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "now.h"

#include "value.h"

#define PASSES 5
#define N 2000000

static char area[1 << 16];
static volatile int64_t sink;

/* ns per hs_value_parse of `text` as `type`, the best of PASSES passes. */
static double parse_ns(const struct hs_column *col, const char *text)
{
    size_t len = strlen(text);
    double best = 1e9;
    char err[256];
    for (int p = 0; p < PASSES; p++) {
        double start = now_s();
        for (int i = 0; i < N; i++) {
            struct hs_text t = {area, 0, sizeof area};
            struct hs_value v;
            if (hs_value_parse(col, text, len, false, &v, &t, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                exit(1);
            }
            sink += v.u.i;
        }
        double ns = (now_s() - start) * 1e9 / N;
        best = ns < best ? ns : best;
    }
    return best;
}

/* ns per hs_value_json and per hs_value_copy of the value of `text`. */
static void write_ns(const struct hs_column *col, const char *text, double *json, double *copy)
{
    struct hs_text t = {area, 0, sizeof area};
    struct hs_value v;
    struct hs_buf b = {0};
    char err[256];
    hs_value_parse(col, text, strlen(text), false, &v, &t, err, sizeof err);
    for (int form = 0; form < 2; form++) {
        double best = 1e9;
        for (int p = 0; p < PASSES; p++) {
            double start = now_s();
            for (int i = 0; i < N; i++) {
                hs_buf_reset(&b);
                (form ? hs_value_copy : hs_value_json)(&b, col, &v, area);
            }
            double ns = (now_s() - start) * 1e9 / N;
            best = ns < best ? ns : best;
        }
        *(form ? copy : json) = best;
    }
    hs_buf_free(&b);
}

int main(void)
{
    static const struct { const char *type, *text; } cases[] = {
        {"double precision", "396.9"},
        {"double precision", "0.00632"},
        {"integer", "296"},
        {"real", "24.5"},
        {"numeric", "12345.67"},
        {"timestamptz", "2024-02-29 12:34:56.789+05:30"},
        {"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
    };
    printf("%-18s %-32s %8s %8s %8s\n", "type", "text", "parse", "JSON", "COPY");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct hs_column col = {.name = "v"};
        char err[256];
        double json = 0, copy = 0;
        if (hs_type_parse(cases[i].type, &col, err, sizeof err) != 0)
            return 1;
        double parse = parse_ns(&col, cases[i].text);
        write_ns(&col, cases[i].text, &json, &copy);
        printf("%-18s %-32s %6.1f ns %5.1f ns %5.1f ns\n", cases[i].type, cases[i].text, parse, json,
               copy);
    }
    return 0;
}
