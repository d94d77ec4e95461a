/*
 * checkpoint.c - see checkpoint.h.
 */
#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/file.h"
#include "../common/limits.h"

void hs_checkpoint_of_item(const struct hs_item *item, struct hs_checkpoint *cp)
{
    *cp = (struct hs_checkpoint){.dev = item->file_dev, .ino = item->file_ino,
                                 .offset = item->end_offset,
                                 .line = item->line + item->extra_lines, /* its last line */
                                 .generation = item->generation};
    memcpy(cp->src, item->src, sizeof cp->src);
}

void hs_checkpoint_path(const char *state_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" HS_CHECKPOINT_FILE, state_dir);
}

int hs_checkpoint_read(const char *path, struct hs_checkpoint *cp, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL && errno == ENOENT)
        return 1;
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned long long dev, ino, offset, line;
    unsigned generation = 0;
    char src[HS_SRC_MAX] = "";
    int n = fscanf(f, "dev %llu ino %llu offset %llu line %llu generation %u src %95[^\n]", &dev,
                   &ino, &offset, &line, &generation, src);
    fclose(f);
    if (n < 4) { /* (an older checkpoint has no generation and source name) */
        snprintf(err, errlen, "%s is not a checkpoint this version reads", path);
        return -1;
    }
    *cp = (struct hs_checkpoint){.dev = dev, .ino = ino, .offset = offset, .line = line,
                                 .generation = generation};
    memcpy(cp->src, src, sizeof cp->src);
    return 0;
}

int hs_checkpoint_write(const char *path, const struct hs_checkpoint *cp, char *err,
                        size_t errlen)
{
    char line[512];
    int n = snprintf(line, sizeof line,
                     "dev %llu ino %llu offset %llu line %llu generation %u src %s\n",
                     (unsigned long long)cp->dev, (unsigned long long)cp->ino,
                     (unsigned long long)cp->offset, (unsigned long long)cp->line,
                     cp->generation, cp->src);
    return hs_file_write_atomic(path, line, (size_t)n, err, errlen);
}
