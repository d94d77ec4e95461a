/*
 * csv_source.c - see csv_source.h.
 */
#include "csv_source.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
                            const char *first_line, size_t first_len)
{
    char dir_copy[PATH_MAX], real[PATH_MAX];
    snprintf(dir_copy, sizeof dir_copy, "%s", s->path);
    const char *dir = dirname(dir_copy);
    if (realpath(dir, real) != NULL)
        dir = real;
    uint64_t h = fnv1a(14695981039346656037ull, dir, strlen(dir) + 1);
    h = fnv1a(h, base_src, strlen(base_src) + 1);
    h = fnv1a(h, &s->generation, sizeof s->generation);
    h = fnv1a(h, s->buf, strlen(s->buf) + 1); /* the header line */
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

/* Reads the first data line without consuming it, for the fingerprint.
 * False when a followed file has none yet: its identity must wait for it. */
static bool peek_first_line(struct hs_csv_source *s, const char *base_src, bool follow)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, s->file);
    bool whole = n > 0 && line[n - 1] == '\n';
    if (follow && !whole) {
        free(line);
        return false;
    }
    size_t len = n > 0 ? (size_t)n - whole : 0;
    name_source(s, base_src, fingerprint(s, base_src, n > 0 ? line : "", len));
    free(line);
    clearerr(s->file);
    return fseeko(s->file, (off_t)s->offset, SEEK_SET) == 0;
}

enum hs_csv_open hs_csv_source_open(struct hs_csv_source *s, const char *path,
                                    const char *base_src, uint32_t generation, bool follow,
                                    char *why, size_t whylen)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->generation = generation;
    s->file = fopen(path, "r");
    if (s->file == NULL || fstat(fileno(s->file), &st) != 0) {
        int saved = errno;
        hs_csv_source_close(s);
        errno = saved;
        return HS_CSV_NO_FILE;
    }
    s->dev = (uint64_t)st.st_dev;
    s->ino = (uint64_t)st.st_ino;
    ssize_t n = hs_csv_source_next(s, follow);
    if (n < 0) {
        hs_csv_source_close(s);
        return HS_CSV_EMPTY;
    }
    if (hs_csv_parse_header(s->buf, (size_t)n, &s->header, why, whylen) != 0) {
        name_source(s, base_src, fingerprint(s, base_src, "", 0));
        return HS_CSV_BAD_HEADER;
    }
    s->buf[n] = '\0'; /* the header without its newline, for the fingerprint */
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
    if (fseeko(s->file, (off_t)offset, SEEK_SET) != 0)
        return -1;
    s->offset = offset;
    s->line = line;
    return 0;
}

ssize_t hs_csv_source_next(struct hs_csv_source *s, bool follow)
{
    clearerr(s->file); /* a followed file may have grown since the last end of file */
    ssize_t n = getline(&s->buf, &s->cap, s->file);
    if (n < 0)
        return ferror(s->file) ? -2 : -1;
    if (s->buf[n - 1] != '\n' && follow) {
        if (fseeko(s->file, (off_t)s->offset, SEEK_SET) != 0)
            return -2;
        return -1; /* still being written: read it again when it is whole */
    }
    s->line++;
    s->offset += (uint64_t)n;
    if (s->buf[n - 1] == '\n')
        n--;
    return n;
}

bool hs_csv_source_replaced(const struct hs_csv_source *s, const char *path)
{
    struct stat now, ours;
    if (stat(path, &now) != 0)
        return errno == ENOENT; /* removed: whatever comes next is a new file */
    if ((uint64_t)now.st_dev != s->dev || (uint64_t)now.st_ino != s->ino)
        return true;
    return fstat(fileno(s->file), &ours) == 0 && (uint64_t)ours.st_size < s->offset;
}

void hs_csv_source_close(struct hs_csv_source *s)
{
    if (s->file != NULL)
        fclose(s->file);
    free(s->buf);
    s->file = NULL;
    s->buf = NULL;
    s->cap = 0;
}
