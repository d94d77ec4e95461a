/*
 * csv_source.h - one CSV file as the CSV reader reads it: which file it is
 * (device, inode, generation, source name), its header, and how far into it
 * the reader has got, in lines and bytes.
 *
 * Lines are handed out whole: while a file is followed, a last line without
 * its newline is still being written, so it is left for the next read.
 * Lines are split on the file's own newline (see csv_decode.h) and handed
 * out as UTF-8; `offset` always counts bytes of the file as it is on disk.
 *
 * A gzip-compressed file (it starts with 1f 8b) is read through zlib; then
 * `offset` counts bytes of the uncompressed text, and seeking to it re-reads
 * the stream from the start and skips (zlib's gzseek). A compressed file is
 * complete: it is never waited on for more lines. It is decompressed once
 * when opened: a stream that is cut short, corrupt (deflate data is only
 * checked by the CRC at its end), or expands more than HS_CSV_GZIP_RATIO
 * times (a gzip bomb) is refused whole, like a bad header, before any row;
 * one that goes bad after that ends the file with one dead letter.
 */
#ifndef HS_CSV_SOURCE_H
#define HS_CSV_SOURCE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "csv.h"
#include "csv_decode.h"
#include "record.h"

#define HS_CSV_LINE_MAX (1 << 20) /* longer lines (and records) become dead letters, cut */
#define HS_CSV_RECORD_LINES 100   /* most lines one record's quoted fields may span */
#define HS_CSV_GZIP_RATIO 250     /* most bytes of text per compressed byte */

enum hs_csv_has_header { HS_HEADER_AUTO = 0, HS_HEADER_YES, HS_HEADER_NO };

/* How to read the files: the settings encoding, delimiter, decimal_comma, header. */
struct hs_csv_format {
    char encoding[HS_CSV_ENCODING_MAX];
    struct hs_csv_dialect dialect;
    int header; /* enum hs_csv_has_header; auto: a first line naming no column is data */
};

/* Reads the four settings, for the table `schema`. Returns 0, or -1 with
 * the reason in err. */
int hs_csv_format_from(const char *encoding, const char *delimiter, const char *decimal_comma,
                       const char *header, const struct hs_schema *schema,
                       struct hs_csv_format *f, char *err, size_t errlen);

struct hs_csv_source {
    FILE *file;
    char path[PATH_MAX];
    char src[HS_SRC_MAX]; /* "<name>[~generation]#<fingerprint>" */
    uint64_t dev, ino;
    uint32_t generation;
    struct hs_csv_header header;
    bool headerless; /* line 1 is data, the columns in the classic order */
    uint64_t line;   /* number of the last line read */
    uint64_t record_line; /* the first line of the last record read (quotes span lines) */
    uint64_t offset; /* byte offset just past it */
    char *buf;       /* the last line read, as UTF-8, NUL-terminated (not owned) */
    size_t buf_len;
    char why[HS_REASON_MAX]; /* why the last line could not be decoded */
    struct hs_csv_format format;
    struct hs_csv_decoder dec;
    void *gz;            /* gzFile when the file is gzip-compressed, else NULL */
    uint64_t gz_size;    /* its compressed size when opened (truncation shows below it) */
    uint64_t gz_text;    /* bytes of text decompressed so far, for the bomb check */
    char gz_damage[HS_REASON_MAX]; /* why the stream ended early, reported once */
    bool gz_verified;    /* the whole stream was decompressed once, soundly */
    unsigned char *rbuf; /* a window of the file's bytes (its text, if compressed) */
    uint64_t rbase;      /* the offset of rbuf[0] */
    size_t rpos, rlen;   /* where reading is in it, and how much it holds */
    char *raw;           /* the last line's bytes as in the file, at most HS_CSV_LINE_MAX */
    char *rec;           /* a record of several lines, joined by "\n" */
    size_t rec_cap;
    size_t raw_len, raw_cap;
    uint64_t total;      /* bytes of the last line, its newline included */
    unsigned char unit[4]; /* the character being read, for newlines of 2 or 4 bytes */
};

enum hs_csv_open {
    HS_CSV_OPENED = 0,
    HS_CSV_EMPTY = 1,       /* no header yet (a followed file being created) */
    HS_CSV_NO_FILE = -1,    /* cannot open: errno says why */
    HS_CSV_BAD_HEADER = -2, /* the reason is in `why`, the line in s->buf */
};

/* Opens `path`, decides its encoding and reads its header as `format` says; the source name (the records' identity)
 * is `base_src`, "~generation" when generation > 0, and "#" and a fingerprint
 * of the file's directory, name, generation, header and first data line.
 * A followed file whose first data line is not yet whole counts as empty.
 * `follow`: see hs_csv_source_next. */
enum hs_csv_open hs_csv_source_open(struct hs_csv_source *s, const char *path,
                                    const char *base_src, uint32_t generation,
                                    const struct hs_csv_format *format, bool follow,
                                    char *why, size_t whylen);
/* Continues after line `line`, which ends at byte `offset`. Returns 0 or -1 (errno). */
int hs_csv_source_seek(struct hs_csv_source *s, uint64_t offset, uint64_t line);
/* Reads the next record into s->buf: its length without the newline, or -1 at the
 * end of the file (and when following, before an unfinished last line), or
 * -2 on a read error (errno), or HS_CSV_BAD_LINE when the line is not valid in
 * its encoding or too long: the reason in s->why, its raw bytes in s->buf
 * (s->buf_len of them). A record is one line, or several when a quoted field
 * holds newlines (RFC 4180): s->record_line is its first line, s->line its
 * last. A quote not closed within HS_CSV_RECORD_LINES lines, HS_CSV_LINE_MAX
 * bytes or the file leaves its first line a record of its own (the parser
 * then reports the unterminated quote) and reading goes on after it. */
#define HS_CSV_BAD_LINE (-3)
ssize_t hs_csv_source_next(struct hs_csv_source *s, bool follow);
/* Whether `path` no longer names this file (replaced or removed), or the file
 * was truncated below what has been read: then the next file is due. */
bool hs_csv_source_replaced(const struct hs_csv_source *s, const char *path);
void hs_csv_source_close(struct hs_csv_source *s);

#endif
