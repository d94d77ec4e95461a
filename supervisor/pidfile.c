/*
 * pidfile.c - see pidfile.h.
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/limits.h"

void hs_pidfile_path(const char *state_dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" HS_PID_FILE, state_dir);
}

int hs_pidfile_acquire(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open pid file %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "housingsup is already running (pid file %s is locked)", path);
        else
            snprintf(err, errlen, "cannot lock pid file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int hs_pidfile_write(int fd, pid_t pid)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%d\n", (int)pid);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n)
        return -1;
    return 0;
}

pid_t hs_pidfile_running(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    pid_t pid = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        char text[32] = "";
        ssize_t n = pread(fd, text, sizeof text - 1, 0);
        pid = n > 0 ? (pid_t)strtol(text, NULL, 10) : 0;
        if (pid <= 0)
            pid = -1; /* locked, pid not written yet: starting up */
    }
    close(fd);
    return pid;
}
