/*
 * csv_source.c - see csv_source.h.
 */
#include "csv_source.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <unistd.h>
#include <zlib.h>

#include "utf8.h"

#define FINGERPRINT_HEX 12

static uint64_t fnv1a(uint64_t h, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* The file's directory (resolved), the input's name and generation, the
 * header and the first data line: what tells two files of one name apart
 * while staying the same for the same file read again. */
static uint64_t fingerprint(const struct hs_csv_source *s, const char *base_src,
                            const char *header, const char *first_line, size_t first_len)
{
    char dir_copy[PATH_MAX], real[PATH_MAX];
    snprintf(dir_copy, sizeof dir_copy, "%s", s->path);
    const char *dir = dirname(dir_copy);
    if (realpath(dir, real) != NULL)
        dir = real;
    uint64_t h = fnv1a(14695981039346656037ull, dir, strlen(dir) + 1);
    h = fnv1a(h, base_src, strlen(base_src) + 1);
    h = fnv1a(h, &s->generation, sizeof s->generation);
    h = fnv1a(h, header, strlen(header) + 1);
    return fnv1a(h, first_line, first_len);
}

/* "<name>[~generation]#<fingerprint>": the name is cut, never the fingerprint,
 * and shown with '?' for bytes that are not UTF-8 (the fingerprint has them). */
static void name_source(struct hs_csv_source *s, const char *base_src, uint64_t fp)
{
    char name[HS_SRC_MAX], gen[16] = "";
    if (s->generation > 0)
        snprintf(gen, sizeof gen, "~%u", s->generation);
    size_t room = HS_SRC_MAX - 1 - 1 - FINGERPRINT_HEX - strlen(gen);
    snprintf(name, sizeof name, "%.*s", (int)room, base_src);
    hs_utf8_sanitize(name, strlen(name));
    snprintf(s->src, sizeof s->src, "%s%s#%0*llx", name, gen, FINGERPRINT_HEX,
             (unsigned long long)(fp >> (64 - 4 * FINGERPRINT_HEX)));
}

int hs_csv_format_from(const char *encoding, const char *delimiter, const char *decimal_comma,
                       const char *header, const struct hs_schema *schema,
                       struct hs_csv_format *f, char *err, size_t errlen)
{
    static const char *const words[] = {"auto", "true", "false"};
    memset(f, 0, sizeof *f);
    snprintf(f->encoding, sizeof f->encoding, "%s", encoding);
    if (hs_csv_encoding_check(encoding, err, errlen) != 0 ||
        hs_csv_dialect_parse(delimiter, decimal_comma, &f->dialect, err, errlen) != 0)
        return -1;
    f->dialect.schema = schema;
    for (f->header = 0; f->header < 3; f->header++)
        if (strcasecmp(header, words[f->header]) == 0)
            return 0;
    snprintf(err, errlen, "header = \"%s\" is not one of auto, true, false", header);
    return -1;
}

/* ---- reading lines ---- */

#define READ_AHEAD 65536
/* The read-ahead buffer is a window that keeps what was read in the last
 * MiB or so: a record whose quote is not closed is read again from its
 * first line (join_lines), and a followed file's unfinished line from its
 * start, without seeking; in a gzip stream a backward seek would mean
 * decompressing again from the beginning, over and over for a hostile file. */
#define WINDOW_KEEP (HS_CSV_LINE_MAX + 2 * READ_AHEAD)
#define WINDOW_CAP (WINDOW_KEEP + 8 * READ_AHEAD)

/* The stream ends here: a cut or corrupt gzip file, or a gzip bomb. The
 * reason is handed out once, as a dead letter, by hs_csv_source_next. */
static ssize_t gz_stop(struct hs_csv_source *s, const char *why)
{
    snprintf(s->gz_damage, sizeof s->gz_damage, "%s after byte %llu of its text: %s", why,
             (unsigned long long)s->gz_text,
             s->gz_verified ? "the rest of the file is not read" : "nothing of it is read");
    return 0;
}

static ssize_t gz_fill(struct hs_csv_source *s)
{
    if (s->gz_damage[0] != '\0')
        return 0;
    int got = gzread((gzFile)s->gz, s->rbuf + s->rlen, READ_AHEAD);
    int code = Z_OK;
    gzerror((gzFile)s->gz, &code); /* a cut stream ends with 0 and Z_BUF_ERROR */
    if (code == Z_ERRNO)
        return -1;
    if (code == Z_BUF_ERROR && got <= 0)
        return gz_stop(s, "the gzip stream is cut short");
    if (got < 0 || (code != Z_OK && code != Z_BUF_ERROR))
        return gz_stop(s, "the gzip stream is corrupt");
    s->gz_text += (uint64_t)got;
    s->rlen += (size_t)got;
    /* a little slack for the first block, then the ratio a bomb exceeds */
    if (s->gz_text > HS_CSV_GZIP_RATIO * ((uint64_t)gzoffset((gzFile)s->gz) + 4096))
        return gz_stop(s, "the gzip stream expands more than 250 times (a gzip bomb?)");
    return got;
}

/* Makes room for READ_AHEAD more bytes, dropping the oldest (all of them
 * read: fill is called when everything in the window has been). */
static void slide(struct hs_csv_source *s)
{
    if (s->rlen + READ_AHEAD <= WINDOW_CAP)
        return;
    size_t drop = s->rlen - WINDOW_KEEP;
    memmove(s->rbuf, s->rbuf + drop, WINDOW_KEEP);
    s->rbase += drop;
    s->rpos -= drop;
    s->rlen -= drop;
}

/* Reads more into the window. Returns the bytes added, 0 at the end of the
 * file, -1 on a read error. */
static ssize_t fill(struct hs_csv_source *s)
{
    slide(s);
    if (s->gz != NULL)
        return gz_fill(s);
    clearerr(s->file); /* a followed file may have grown since the last end of file */
    size_t got = fread(s->rbuf + s->rlen, 1, READ_AHEAD, s->file);
    s->rlen += got;
    if (got == 0)
        return ferror(s->file) ? -1 : 0;
    return (ssize_t)got;
}

/* Keeps n more bytes of the line, up to HS_CSV_LINE_MAX of them. */
static bool keep(struct hs_csv_source *s, const unsigned char *p, size_t n)
{
    size_t room = HS_CSV_LINE_MAX + 4 - s->raw_len;
    size_t take = n < room ? n : room;
    if (s->raw_len + take + 1 > s->raw_cap) {
        size_t cap = (s->raw_len + take + 1) * 2;
        char *bigger = realloc(s->raw, cap);
        if (bigger == NULL)
            return false;
        s->raw = bigger;
        s->raw_cap = cap;
    }
    memcpy(s->raw + s->raw_len, p, take);
    s->raw_len += take;
    s->total += n;
    return true;
}

/* How many of the n bytes at p belong to the line: up to and including its
 * newline, which for UTF-16/32 is a whole character at a line-relative
 * offset that is a multiple of its size. */
static size_t line_part(struct hs_csv_source *s, const unsigned char *p, size_t n, bool *found)
{
    unsigned u = s->dec.enc.nl_len;
    if (u == 1) {
        const unsigned char *nl = memchr(p, s->dec.enc.nl[0], n);
        *found = nl != NULL;
        return nl ? (size_t)(nl - p) + 1 : n;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t pos = s->total + i;
        s->unit[pos % u] = p[i];
        if ((pos + 1) % u == 0 && memcmp(s->unit, s->dec.enc.nl, u) == 0) {
            *found = true;
            return i + 1;
        }
    }
    *found = false;
    return n;
}

/* Reads the bytes of the next line, its newline included. Returns 1 for a
 * whole line, 0 at the end of the file (s->total bytes of a last line
 * without a newline), -1 on a read error. */
static int read_raw(struct hs_csv_source *s)
{
    bool found = false;
    s->raw_len = 0;
    s->total = 0;
    while (!found) {
        if (s->rpos == s->rlen) {
            ssize_t got = fill(s);
            if (got <= 0)
                return (int)got;
        }
        size_t n = line_part(s, s->rbuf + s->rpos, s->rlen - s->rpos, &found);
        if (!keep(s, s->rbuf + s->rpos, n))
            return -1;
        s->rpos += n;
    }
    return 1;
}

/* Moves to byte `offset` of the file, dropping what was read ahead. */
static int seek_to(struct hs_csv_source *s, uint64_t offset)
{
    if (offset >= s->rbase && offset <= s->rbase + s->rlen) {
        s->rpos = (size_t)(offset - s->rbase); /* still in the window */
        return 0;
    }
    s->rbase = offset;
    s->rpos = s->rlen = 0;
    if (s->gz == NULL) {
        clearerr(s->file);
        return fseeko(s->file, (off_t)offset, SEEK_SET);
    }
    if (s->gz_damage[0] != '\0')
        return 0; /* nothing more will be read */
    gzclearerr((gzFile)s->gz);
    if ((uint64_t)gztell((gzFile)s->gz) > offset)
        s->gz_text = 0; /* gzseek decompresses again from the start */
    return gzseek((gzFile)s->gz, (z_off_t)offset, SEEK_SET) < 0 ? -1 : 0;
}

/* A line that cannot be handed out as text: its raw bytes and the reason. */
static ssize_t bad_line(struct hs_csv_source *s, size_t len)
{
    s->buf = s->raw;
    s->buf_len = len < s->raw_len ? len : s->raw_len;
    if (s->buf_len > HS_CSV_LINE_MAX)
        s->buf_len = HS_CSV_LINE_MAX;
    s->raw[s->buf_len] = '\0';
    return HS_CSV_BAD_LINE;
}

#define DAMAGE_REPORTED "reported"

static bool damaged(const struct hs_csv_source *s)
{
    return s->gz_damage[0] != '\0' && strcmp(s->gz_damage, DAMAGE_REPORTED) != 0;
}

/* The reason a compressed stream ended early, once, as a bad line holding
 * what was left of its last line (never parsed: it may be cut in a number). */
static ssize_t report_damage(struct hs_csv_source *s)
{
    snprintf(s->why, sizeof s->why, "%s", s->gz_damage);
    snprintf(s->gz_damage, sizeof s->gz_damage, "%s", DAMAGE_REPORTED);
    s->line += s->total > 0;
    s->offset += s->total;
    s->buf = s->raw;
    s->buf_len = s->raw_len < HS_CSV_LINE_MAX ? s->raw_len : HS_CSV_LINE_MAX;
    s->raw[s->buf_len] = '\0';
    return HS_CSV_BAD_LINE;
}

/* The next physical line; see hs_csv_source_next. */
static ssize_t next_line(struct hs_csv_source *s, bool follow)
{
    follow = follow && s->gz == NULL; /* a compressed file is complete */
    int rc = read_raw(s);
    if (rc < 0)
        return -2;
    if (rc == 0 && damaged(s))
        return report_damage(s);
    if (s->total == 0 || (rc == 0 && follow)) /* still being written: read it again when whole */
        return seek_to(s, s->offset) != 0 ? -2 : -1;
    uint64_t start = s->offset;
    size_t len = (size_t)s->total - (rc == 1 ? s->dec.enc.nl_len : 0);
    s->line++;
    s->offset += s->total;
    if (len > HS_CSV_LINE_MAX) {
        snprintf(s->why, sizeof s->why, "the line at byte offset %llu is %zu bytes long, above "
                 "the %d allowed (kept cut)", (unsigned long long)start, len, HS_CSV_LINE_MAX);
        return bad_line(s, len);
    }
    size_t out;
    const char *text = hs_csv_decode(&s->dec, s->raw, len, start, &out, s->why, sizeof s->why);
    if (text == NULL)
        return bad_line(s, len);
    s->buf = (char *)text;
    s->buf_len = out;
    s->buf[out] = '\0';
    return (ssize_t)out;
}

/* Keeps n bytes at s->rec + at, growing it. */
static bool keep_record(struct hs_csv_source *s, size_t at, const char *text, size_t n)
{
    if (at + n + 1 > s->rec_cap) {
        size_t cap = (at + n + 1) * 2;
        char *bigger = realloc(s->rec, cap);
        if (bigger == NULL)
            return false;
        s->rec = bigger;
        s->rec_cap = cap;
    }
    memcpy(s->rec + at, text, n);
    s->rec[at + n] = '\0';
    return true;
}

static ssize_t rewind_to(struct hs_csv_source *s, uint64_t offset, uint64_t line, ssize_t rc)
{
    s->offset = offset;
    s->line = line;
    return seek_to(s, offset) != 0 ? -2 : rc;
}

/* The first line (n bytes, in s->buf) opens a quoted field: the lines up to
 * the one that closes it, joined by "\n". When none does, within the limits,
 * the first line alone, and reading goes on after it. */
static ssize_t join_lines(struct hs_csv_source *s, bool follow, uint64_t start, size_t n)
{
    uint64_t first_end = s->offset, first = s->line;
    size_t len = n;
    if (!keep_record(s, 0, s->buf, n))
        return -2;
    for (int k = 1; k < HS_CSV_RECORD_LINES; k++) {
        ssize_t m = next_line(s, follow);
        if (m == -1 && follow) /* the rest is still being written */
            return rewind_to(s, start, first - 1, -1);
        if (m == -2)
            return -2;
        if (m < 0 || len + 1 + (size_t)m > HS_CSV_LINE_MAX)
            break;
        if (!keep_record(s, len, "\n", 1) || !keep_record(s, len + 1, s->buf, (size_t)m))
            return -2;
        len += 1 + (size_t)m;
        if (!hs_csv_ends_in_quote(s->buf, (size_t)m, &s->header, true)) {
            s->buf = s->rec;
            s->buf_len = len;
            return (ssize_t)len;
        }
    }
    s->buf = s->rec;
    s->buf_len = n;
    s->rec[n] = '\0';
    return rewind_to(s, first_end, first, (ssize_t)n);
}

ssize_t hs_csv_source_next(struct hs_csv_source *s, bool follow)
{
    uint64_t start = s->offset;
    ssize_t n = next_line(s, follow);
    s->record_line = s->line;
    if (n <= 0 || s->header.nfields == 0 || memchr(s->buf, '"', (size_t)n) == NULL ||
        !hs_csv_ends_in_quote(s->buf, (size_t)n, &s->header, false))
        return n; /* one line: the usual case, decided by one memchr */
    return join_lines(s, follow, start, (size_t)n);
}

/* ---- opening ---- */

/* Reads the first data line without consuming it, for the fingerprint.
 * False when a followed file has none yet: its identity must wait for it. */
static bool peek_first_line(struct hs_csv_source *s, const char *base_src, bool follow)
{
    char *header = strdup(s->buf);
    uint64_t offset = s->offset, line = s->line;
    ssize_t n = header ? hs_csv_source_next(s, follow) : -2;
    if (n == -1 && follow) {
        free(header);
        return false;
    }
    bool some = n >= 0 || n == HS_CSV_BAD_LINE;
    if (header != NULL)
        name_source(s, base_src, fingerprint(s, base_src, header, some ? s->buf : "",
                                             some ? s->buf_len : 0));
    free(header);
    s->offset = offset;
    s->line = line;
    return header != NULL && seek_to(s, offset) == 0;
}

/* Decides the file's encoding from its first bytes and moves past its
 * byte-order mark. 1 when a followed file has too little to tell yet. */
static int start_decoding(struct hs_csv_source *s, bool follow, char *why, size_t whylen)
{
    ssize_t got = fill(s);
    if (got < 0)
        return -1;
    size_t n = s->rlen < HS_CSV_SNIFF_BYTES ? s->rlen : HS_CSV_SNIFF_BYTES;
    if (got == 0 && damaged(s)) {
        snprintf(why, whylen, "%s", s->gz_damage);
        return -2;
    }
    if (got == 0 || (follow && n < HS_CSV_SNIFF_BYTES && memchr(s->rbuf, '\n', n) == NULL))
        return 1; /* not even a first line: its byte-order mark may be incomplete */
    struct hs_csv_encoding enc;
    if (hs_csv_encoding_detect(s->rbuf, n, s->format.encoding, &enc, why, whylen) != 0 ||
        hs_csv_decoder_open(&s->dec, &enc, why, whylen) != 0)
        return -2;
    s->rpos = enc.bom_len;
    s->offset = enc.bom_len;
    return 0;
}

/* A file that cannot be read as text is reported like a bad header. */
static enum hs_csv_open unreadable(struct hs_csv_source *s, const char *base_src)
{
    s->buf = s->raw;
    if (s->raw != NULL)
        s->raw[0] = '\0';
    s->line = s->record_line = 1; /* the dead letter's place: where the header should be */
    name_source(s, base_src, fingerprint(s, base_src, "", "", 0));
    return s->raw != NULL ? HS_CSV_BAD_HEADER : HS_CSV_NO_FILE;
}

/* Decompresses the whole stream once before any line is handed out: deflate
 * data is checked only by the CRC at its end, so a corrupt file would
 * otherwise give wrong rows before its error. 0: sound; 1: damaged (the
 * reason in s->gz_damage); -1: a read error. */
static int gz_verify(struct hs_csv_source *s)
{
    ssize_t got;
    do
        s->rlen = 0; /* the text is only looked at, not kept */
    while ((got = gz_fill(s)) > 0);
    if (got < 0)
        return -1;
    if (damaged(s))
        return 1;
    s->gz_verified = true;
    s->gz_text = 0;
    s->rbase = s->rpos = s->rlen = 0;
    return gzrewind((gzFile)s->gz) == 0 ? 0 : -1;
}

/* Reads the file through zlib when it starts with gzip's magic bytes.
 * Returns as gz_verify. */
static int open_gzip(struct hs_csv_source *s, const struct stat *st)
{
    unsigned char magic[2];
    if (pread(fileno(s->file), magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return 0;
    int fd = dup(fileno(s->file)); /* zlib closes its own */
    s->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (s->gz == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    s->gz_size = (uint64_t)st->st_size;
    return gz_verify(s);
}

/* A file whose first line is data: the columns in the classic order, and
 * the first line read again as line 1. Its identity is made from that line. */
static enum hs_csv_open open_headerless(struct hs_csv_source *s, const char *base_src,
                                        size_t n, char *why, size_t whylen)
{
    int rc = hs_csv_classic_header(s->buf, n, &s->format.dialect, &s->header, why, whylen);
    name_source(s, base_src, fingerprint(s, base_src, "", s->buf, n));
    if (rc != 0)
        return HS_CSV_BAD_HEADER;
    s->headerless = true;
    s->offset = s->dec.enc.bom_len;
    s->line = 0;
    if (seek_to(s, s->offset) != 0) {
        snprintf(why, whylen, "cannot seek back to the first line: %s", strerror(errno));
        return HS_CSV_BAD_HEADER;
    }
    return HS_CSV_OPENED;
}

enum hs_csv_open hs_csv_source_open(struct hs_csv_source *s, const char *path,
                                    const char *base_src, uint32_t generation,
                                    const struct hs_csv_format *format, bool follow,
                                    char *why, size_t whylen)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->format = *format;
    s->generation = generation;
    s->file = fopen(path, "r");
    s->rbuf = malloc(WINDOW_CAP);
    s->raw = malloc(s->raw_cap = 256);
    if (s->file == NULL || s->rbuf == NULL || s->raw == NULL || fstat(fileno(s->file), &st) != 0) {
        int saved = s->file == NULL ? errno : ENOMEM;
        hs_csv_source_close(s);
        errno = saved;
        return HS_CSV_NO_FILE;
    }
    s->dev = (uint64_t)st.st_dev;
    s->ino = (uint64_t)st.st_ino;
    int gz = open_gzip(s, &st);
    if (gz < 0) {
        int saved = errno ? errno : ENOMEM;
        hs_csv_source_close(s);
        errno = saved;
        return HS_CSV_NO_FILE;
    }
    if (gz > 0) {
        snprintf(why, whylen, "%s", s->gz_damage);
        return unreadable(s, base_src);
    }
    int started = start_decoding(s, follow, why, whylen);
    if (started == -2)
        return unreadable(s, base_src);
    ssize_t n = started == 0 ? hs_csv_source_next(s, follow) : -1;
    if (n == HS_CSV_BAD_LINE) {
        snprintf(why, whylen, "%s", s->why);
        return unreadable(s, base_src);
    }
    if (n < 0) {
        hs_csv_source_close(s);
        return HS_CSV_EMPTY;
    }
    if (s->format.header == HS_HEADER_NO ||
        (s->format.header == HS_HEADER_AUTO &&
         !hs_csv_line_names_a_column(s->buf, (size_t)n, &s->format.dialect)))
        return open_headerless(s, base_src, (size_t)n, why, whylen);
    if (hs_csv_parse_header_as(s->buf, (size_t)n, &s->format.dialect, &s->header, why,
                               whylen) != 0) {
        name_source(s, base_src, fingerprint(s, base_src, s->buf, "", 0));
        return HS_CSV_BAD_HEADER;
    }
    if (!peek_first_line(s, base_src, follow)) {
        hs_csv_source_close(s);
        return HS_CSV_EMPTY;
    }
    return HS_CSV_OPENED;
}

int hs_csv_source_seek(struct hs_csv_source *s, uint64_t offset, uint64_t line)
{
    if (offset <= s->offset)
        return 0; /* nothing beyond the header had been read */
    if (seek_to(s, offset) != 0)
        return -1;
    s->offset = offset;
    s->line = line;
    return 0;
}

bool hs_csv_source_replaced(const struct hs_csv_source *s, const char *path)
{
    struct stat now, ours;
    if (stat(path, &now) != 0)
        return errno == ENOENT; /* removed: whatever comes next is a new file */
    if ((uint64_t)now.st_dev != s->dev || (uint64_t)now.st_ino != s->ino)
        return true;
    uint64_t read = s->gz != NULL ? s->gz_size : s->offset; /* what it held, on disk */
    return fstat(fileno(s->file), &ours) == 0 && (uint64_t)ours.st_size < read;
}

void hs_csv_source_close(struct hs_csv_source *s)
{
    if (s->file != NULL)
        fclose(s->file);
    if (s->gz != NULL)
        gzclose((gzFile)s->gz);
    s->gz = NULL;
    hs_csv_decoder_close(&s->dec);
    free(s->rbuf);
    free(s->raw);
    free(s->rec);
    s->rec = NULL;
    s->rec_cap = 0;
    s->file = NULL;
    s->buf = s->raw = NULL;
    s->rbuf = NULL;
    s->raw_cap = s->raw_len = 0;
}
