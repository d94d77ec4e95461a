/*
 * fuzz_formats.c - libFuzzer target for input format detection and decoding
 * (workers/csv_decode.c): any bytes, read as a file's start under one of a
 * few `encoding` settings, are detected, split on the encoding's newline and
 * decoded line by line. Every line that decodes must be valid UTF-8 without
 * a NUL, of the length reported; one that does not must say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/csv_decode.h"
#include "../../workers/utf8.h"

static const char *const settings[] = {"auto", "latin1", "cp1252", "UTF-16LE", "UTF-16BE", "UTF-8"};

/* Where the next newline of `enc` starts at or after `from`, aligned to its width. */
static size_t next_newline(const uint8_t *data, size_t from, size_t size,
                           const struct hs_csv_encoding *enc)
{
    for (size_t i = from; i + enc->nl_len <= size; i += enc->nl_len)
        if (memcmp(data + i, enc->nl, enc->nl_len) == 0)
            return i;
    return size;
}

static void decode_lines(struct hs_csv_decoder *d, const uint8_t *data, size_t size)
{
    char err[256];
    size_t at = d->enc.bom_len;
    while (at < size) {
        size_t end = next_newline(data, at, size, &d->enc), outlen = 0;
        err[0] = '\0';
        const char *text = hs_csv_decode(d, (const char *)data + at, end - at, at, &outlen, err,
                                         sizeof err);
        if (text != NULL && hs_utf8_invalid_at(text, outlen) != outlen)
            __builtin_trap(); /* decoded text that PostgreSQL would refuse */
        if (text == NULL && err[0] == '\0')
            __builtin_trap(); /* refused without a reason */
        at = end + d->enc.nl_len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hs_csv_encoding enc;
    struct hs_csv_decoder d = {0};
    char err[256];
    if (size < 1)
        return 0;
    const char *setting = settings[data[0] % (sizeof settings / sizeof settings[0])];
    data++, size--;
    size_t head = size < HS_CSV_SNIFF_BYTES ? size : HS_CSV_SNIFF_BYTES;
    if (hs_csv_encoding_detect(data, head, setting, &enc, err, sizeof err) != 0)
        return 0;
    if (hs_csv_decoder_open(&d, &enc, err, sizeof err) == 0)
        decode_lines(&d, data, size);
    hs_csv_decoder_close(&d);
    return 0;
}
