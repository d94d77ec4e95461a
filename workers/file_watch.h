/*
 * file_watch.h - waiting for a followed file or directory to change, with
 * inotify(7) where the kernel offers it.
 *
 * A wait ends at the first change it is told of, or at its timeout. The
 * caller's timeout is its slow poll: inotify does not see writes made on
 * another machine (NFS), a watch can be lost (the limit of watches), and
 * without inotify every wait simply lasts its timeout. So a change is never
 * missed, only seen later.
 */
#ifndef HS_FILE_WATCH_H
#define HS_FILE_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hs_watch {
    int fd;      /* the inotify instance; -1: none, a wait just sleeps */
    int file_wd; /* the watch on the file, -1: none */
    int dir_wd;  /* the watch on the directory, -1: none */
    char name[NAME_MAX + 1]; /* the directory's entry of interest; "" any */
};

/* Starts an inotify instance. -1 with the reason in err when there is none:
 * the watch still works, by timeouts alone. */
int hs_watch_open(struct hs_watch *w, char *err, size_t errlen);

/* Watches the file `path` names now: written to, truncated, renamed, removed.
 * Replaces the watch on the file it named before. 1 when the watch is new (a
 * change may have come before it: look again before waiting), 0 when it was
 * there already or the path names nothing, -1 with the reason in err. */
int hs_watch_file(struct hs_watch *w, const char *path, char *err, size_t errlen);

/* Watches directory `dir` for the entry `name` created or moved in: a
 * followed file's path filled again after a rotation. Returns as
 * hs_watch_file. */
int hs_watch_entry(struct hs_watch *w, const char *dir, const char *name, char *err,
                   size_t errlen);

/* Watches directory `dir` for files moved in, or closed after being written
 * in it: whole files, never one still being created. Returns as hs_watch_file. */
int hs_watch_files(struct hs_watch *w, const char *dir, char *err, size_t errlen);

/* Waits up to timeout_ms for a change. 1 a change (or too many to tell:
 * the kernel's queue overflowed), 0 none (possibly sooner: events of no
 * interest end the wait too), -1 with the reason in err. */
int hs_watch_wait(struct hs_watch *w, int timeout_ms, char *err, size_t errlen);

/* Whether waits are woken by changes, or only by their timeouts. */
bool hs_watch_active(const struct hs_watch *w);

void hs_watch_close(struct hs_watch *w);

#endif
