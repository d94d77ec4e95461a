/*
 * checkpoint.h - how far into a CSV file the pipeline has got, kept in the
 * state directory so a new run of the supervisor does not read it again.
 *
 * The publisher writes it after Kafka has acknowledged the records up to that
 * point; the CSV reader reads it when it starts on empty rings. It is written
 * to a temporary file and renamed, so a reader always sees a whole record.
 * It names the file by device and inode, generation and source name, so the
 * reader can tell a replaced (rotated) file from the one it was reading.
 */
#ifndef HS_CHECKPOINT_H
#define HS_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct hs_checkpoint {
    uint64_t dev;
    uint64_t ino;
    uint64_t offset; /* byte offset of the first line not yet acknowledged */
    uint64_t line;   /* number of the last line acknowledged */
    uint32_t generation;
    char src[HS_SRC_MAX]; /* the file's source name (its base name, "~N" added) */
};

/* Where the item leaves its file: the position just past its (last) line. */
void hs_checkpoint_of_item(const struct hs_item *item, struct hs_checkpoint *cp);
/* Path of the checkpoint file for a state directory. */
void hs_checkpoint_path(const char *state_dir, char *out, size_t cap);
/* Returns 0; 1 when there is no checkpoint; -1 with the reason in `err` when
 * one is there but cannot be read or makes no sense. */
int hs_checkpoint_read(const char *path, struct hs_checkpoint *cp, char *err, size_t errlen);
/* Returns 0, or -1 with the reason in `err`. */
int hs_checkpoint_write(const char *path, const struct hs_checkpoint *cp, char *err,
                        size_t errlen);

#endif
