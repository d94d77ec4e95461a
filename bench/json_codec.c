/*
 * json_codec.c - the publisher's and the Kafka reader's own cost per row,
 * without Kafka: reads a CSV file as the CSV reader does, encodes its rows
 * as the publisher's messages (micro-batches of 100), then decodes every
 * message as the Kafka reader does; the best of a few passes of each. Under
 * `valgrind --tool=callgrind` (one pass: JSON_CODEC_PASSES=1) it gives
 * instruction counts, which do not depend on what else the machine runs.
 * See bench/README.md.
 *
 *   make build/release/libhousingsup.a
 *   cc -O2 -D_GNU_SOURCE bench/json_codec.c build/release/libhousingsup.a -lz -lm -o json_codec
 *   ./json_codec FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "now.h"

#include "../workers/csv_source.h"
#include "../workers/json.h"

#define BATCH 100

struct corpus {
    struct hs_layout layout;
    struct hs_item **items;
    long rows;
    struct hs_buf *messages;
    long nmessages;
};

static int read_rows(const char *path, struct corpus *c)
{
    static struct hs_csv_source s;
    struct hs_csv_format format;
    char why[256];
    if (hs_csv_format_from("auto", "auto", "auto", "auto", c->layout.schema, &format, why,
                           sizeof why) != 0 ||
        hs_csv_source_open(&s, path, "bench.csv", 0, &format, false, why, sizeof why) !=
            HS_CSV_OPENED) {
        fprintf(stderr, "%s: %s\n", path, why);
        return -1;
    }
    ssize_t n;
    long cap = 0;
    while ((n = hs_csv_source_next(&s, false)) != -1) {
        if (c->rows == cap) {
            cap = cap ? 2 * cap : 1024;
            c->items = realloc(c->items, (size_t)cap * sizeof *c->items);
        }
        struct hs_item *it = calloc(1, c->layout.slot_size);
        if (n >= 0 && hs_csv_parse_record(s.buf, (size_t)n, &s.header, &c->layout, it, why,
                                          sizeof why) == 0)
            c->items[c->rows++] = it;
        else
            free(it);
    }
    hs_csv_source_close(&s);
    return 0;
}

/* Encodes every row into messages of BATCH rows; returns the seconds taken. */
__attribute__((noinline)) static double encode_all(struct corpus *c)
{
    for (long m = 0; m < c->nmessages; m++)
        hs_buf_free(&c->messages[m]);
    double t0 = now_s();
    long m = 0;
    for (long i = 0; i < c->rows; i += BATCH, m++) {
        long n = c->rows - i < BATCH ? c->rows - i : BATCH;
        hs_json_encode(&c->messages[m], (const struct hs_item *const *)&c->items[i], (size_t)n,
                       &c->layout, 1 << 20);
    }
    return now_s() - t0;
}

static int count_item(const struct hs_item *item, void *ctx)
{
    *(long *)ctx += item->kind == HS_ITEM_ROW;
    return 0;
}

/* Decodes every message; returns the seconds taken, or -1 on an error. */
__attribute__((noinline)) static double decode_all(struct corpus *c, struct hs_json_decoder *d, long *rows)
{
    char why[256];
    *rows = 0;
    double t0 = now_s();
    for (long m = 0; m < c->nmessages; m++)
        if (hs_json_decode(d, c->messages[m].data, c->messages[m].len, "bench.csv#000000000000",
                           "kafka:bench/0@0", count_item, rows, why, sizeof why) < 0) {
            fprintf(stderr, "message %ld: %s\n", m, why);
            return -1;
        }
    return now_s() - t0;
}

int main(int argc, char **argv)
{
    static struct hs_schema schema;
    struct corpus c = {0};
    struct hs_json_decoder d;
    const char *env = getenv("JSON_CODEC_PASSES");
    int passes = env ? atoi(env) : 5;
    if (argc < 2) {
        fprintf(stderr, "usage: json_codec FILE\n");
        return 2;
    }
    hs_schema_housing(&schema);
    hs_layout_of(&schema, &c.layout);
    if (read_rows(argv[1], &c) != 0 || c.rows == 0 || hs_json_decoder_init(&d, &c.layout) != 0)
        return 1;
    c.nmessages = (c.rows + BATCH - 1) / BATCH;
    c.messages = calloc((size_t)c.nmessages, sizeof *c.messages);
    double enc = 1e9, dec = 1e9;
    long decoded = 0;
    for (int p = 0; p < passes; p++) {
        double e = encode_all(&c), t = decode_all(&c, &d, &decoded);
        if (t < 0 || decoded != c.rows) {
            fprintf(stderr, "decoded %ld rows of %ld\n", decoded, c.rows);
            return 1;
        }
        enc = e < enc ? e : enc;
        dec = t < dec ? t : dec;
    }
    printf("%ld rows in %ld messages, best of %d: encode %.0f ns/row, decode %.0f ns/row\n",
           c.rows, c.nmessages, passes, enc * 1e9 / (double)c.rows, dec * 1e9 / (double)c.rows);
    return 0;
}
