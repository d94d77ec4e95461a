/*
 * file.c - see file.h.
 */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int write_whole(const char *tmp, const void *data, size_t len)
{
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    size_t wrote = fwrite(data, 1, len, f);
    int saved = errno;
    if (fclose(f) != 0)
        return -1;
    errno = wrote == len ? 0 : saved;
    return wrote == len ? 0 : -1;
}

int hs_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen)
{
    char tmp[4200];
    errno = ENAMETOOLONG;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) < sizeof tmp &&
        write_whole(tmp, data, len) == 0 && rename(tmp, path) == 0)
        return 0;
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
    return -1;
}
