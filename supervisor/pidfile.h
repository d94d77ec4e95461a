/*
 * pidfile.h - the supervisor's pid file, locked with flock() for as long as
 * the supervisor lives. A lock, unlike a bare pid, cannot go stale: it
 * vanishes with the process, so "is housingsup running?" has a true answer.
 */
#ifndef HS_PIDFILE_H
#define HS_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

void hs_pidfile_path(const char *state_dir, char *out, size_t cap);
/* Creates and locks the pid file; returns its fd, or -1 with a reason
 * (another supervisor holds it, or an I/O error). */
int hs_pidfile_acquire(const char *path, char *err, size_t errlen);
/* Writes our pid into the locked file. Returns 0 or -1. */
int hs_pidfile_write(int fd, pid_t pid);
/* The pid of the live supervisor holding the lock, or 0 if none runs. */
pid_t hs_pidfile_running(const char *path);

#endif
