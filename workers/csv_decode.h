/*
 * csv_decode.h - which character encoding a CSV file is in, and turning
 * each of its lines into UTF-8.
 *
 * The encoding is decided once per file from its first bytes and the
 * `encoding` setting: "auto" lets a byte-order mark decide (UTF-8, UTF-16LE,
 * UTF-16BE), else UTF-8; any other value is a name glibc's iconv knows
 * ("latin1", "cp1252", "UTF-16LE", ...). Lines are split on the encoding's
 * own newline (two bytes in UTF-16) and decoded one by one, so a byte offset
 * in the file is always the start of a line: the checkpoint stays an offset
 * in the original file and resuming needs no decoder state.
 *
 * Functions fill an err buffer with a one-line reason and return -1; they
 * never abort.
 */
#ifndef HS_CSV_DECODE_H
#define HS_CSV_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HS_CSV_ENCODING_MAX 64
#define HS_CSV_SNIFF_BYTES 4096 /* how much of a file's start detection looks at */

struct hs_csv_encoding {
    char name[HS_CSV_ENCODING_MAX]; /* as iconv knows it */
    bool utf8;                      /* UTF-8: lines are checked, not converted */
    unsigned bom_len;               /* bytes of byte-order mark to skip at the start */
    unsigned nl_len;                /* bytes of one newline (1, 2 or 4) */
    unsigned char nl[4];            /* the newline in this encoding */
};

/* Whether `setting` is "auto" or an encoding iconv can read line by line.
 * Returns 0, or -1 with the reason in err. */
int hs_csv_encoding_check(const char *setting, char *err, size_t errlen);

/* Decides a file's encoding from its first n bytes (up to
 * HS_CSV_SNIFF_BYTES) and the setting. Returns 0, or -1 with a reason naming
 * what was found and the setting to change (a UTF-32 byte-order mark, a
 * binary file, UTF-16 without a byte-order mark, a gzip file). */
int hs_csv_encoding_detect(const unsigned char *head, size_t n, const char *setting,
                           struct hs_csv_encoding *enc, char *err, size_t errlen);

struct hs_csv_decoder {
    struct hs_csv_encoding enc;
    void *cd;  /* iconv_t, NULL for UTF-8 */
    char *out; /* the last line decoded, NUL-terminated */
    size_t cap;
};

int hs_csv_decoder_open(struct hs_csv_decoder *d, const struct hs_csv_encoding *enc,
                        char *err, size_t errlen);
/* Decodes one line (without its newline) that starts at byte `offset` of the
 * file. Returns its UTF-8 text (in place for UTF-8, else in d->out) and sets
 * *outlen; NULL with a reason naming the byte offset when the line is not
 * valid in the encoding or holds a NUL. */
const char *hs_csv_decode(struct hs_csv_decoder *d, const char *line, size_t len,
                          uint64_t offset, size_t *outlen, char *err, size_t errlen);
void hs_csv_decoder_close(struct hs_csv_decoder *d);

#endif
