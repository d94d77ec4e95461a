/*
 * csv_source.c - see csv_source.h.
 */
#include "csv_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void name_source(struct hs_csv_source *s, const char *base_src, uint32_t generation)
{
    if (generation == 0)
        snprintf(s->src, sizeof s->src, "%s", base_src);
    else
        snprintf(s->src, sizeof s->src, "%s~%u", base_src, generation);
}

enum hs_csv_open hs_csv_source_open(struct hs_csv_source *s, const char *path,
                                    const char *base_src, uint32_t generation, bool follow,
                                    char *why, size_t whylen)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    name_source(s, base_src, generation);
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
    if (hs_csv_parse_header(s->buf, (size_t)n, &s->header, why, whylen) != 0)
        return HS_CSV_BAD_HEADER;
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
