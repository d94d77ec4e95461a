/*
 * file.h - writing a whole file so that a reader never sees part of it.
 *
 * In common/, the bottom layer (libc only). The state directory's status
 * files and the CSV checkpoint are written this way.
 */
#ifndef HS_FILE_H
#define HS_FILE_H

#include <stddef.h>

/* Writes data[0..len) to "path.tmp", then renames that over `path`, so that
 * `path` holds either the old or the new contents. Returns 0, or -1 with
 * "cannot write PATH: REASON" in `err`. */
int hs_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen);

#endif
