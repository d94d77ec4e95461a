/*
 * file_watch.c - see file_watch.h.
 */
#include "file_watch.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* Written to, closed after writing, renamed, removed (the link count, an
 * attribute, drops while we hold it open), or its attributes changed. */
#define FILE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB)

int hs_watch_open(struct hs_watch *w, char *err, size_t errlen)
{
    *w = (struct hs_watch){.fd = -1, .file_wd = -1, .dir_wd = -1};
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd >= 0)
        return 0;
    snprintf(err, errlen, "inotify is not available (%s)", strerror(errno));
    return -1;
}

bool hs_watch_active(const struct hs_watch *w)
{
    return w->fd >= 0;
}

int hs_watch_file(struct hs_watch *w, const char *path, char *err, size_t errlen)
{
    if (w->fd < 0)
        return 0;
    int wd = inotify_add_watch(w->fd, path, FILE_EVENTS);
    if (wd < 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot watch %s with inotify: %s", path, strerror(errno));
        return -1;
    }
    if (wd == w->file_wd)
        return 0; /* the same file (inotify gives an inode one watch) */
    if (w->file_wd >= 0) /* the file the path named before: its changes no longer matter */
        inotify_rm_watch(w->fd, w->file_wd);
    w->file_wd = wd;
    return wd >= 0;
}

static int watch_dir(struct hs_watch *w, const char *dir, const char *name, uint32_t events,
                     char *err, size_t errlen)
{
    if (w->fd < 0)
        return 0;
    snprintf(w->name, sizeof w->name, "%s", name);
    int wd = inotify_add_watch(w->fd, dir, events | IN_ONLYDIR);
    if (wd < 0) {
        snprintf(err, errlen, "cannot watch directory %s with inotify: %s", dir, strerror(errno));
        return -1;
    }
    bool added = wd != w->dir_wd;
    w->dir_wd = wd;
    return added;
}

int hs_watch_entry(struct hs_watch *w, const char *dir, const char *name, char *err,
                   size_t errlen)
{
    return watch_dir(w, dir, name, IN_CREATE | IN_MOVED_TO, err, errlen);
}

/* Not IN_CREATE: a file created in place is woken for when it is closed,
 * whole, rather than read while still empty or half written. */
int hs_watch_files(struct hs_watch *w, const char *dir, char *err, size_t errlen)
{
    return watch_dir(w, dir, "", IN_MOVED_TO | IN_CLOSE_WRITE, err, errlen);
}

/* Whether an event is news for the caller. A watch the kernel dropped (its
 * inode gone, or its file system unmounted) is forgotten, to be set again. */
static bool news(struct hs_watch *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW)
        return true;
    if (ev->wd == w->file_wd) {
        if (ev->mask & IN_IGNORED)
            w->file_wd = -1;
        return true;
    }
    if (ev->wd != w->dir_wd)
        return false; /* a watch replaced since */
    if (ev->mask & IN_IGNORED) {
        w->dir_wd = -1;
        return true;
    }
    return ev->len > 0 && (w->name[0] == '\0' || strcmp(ev->name, w->name) == 0);
}

/* Reads every queued event. 1 if one was news, 0 if none, -1 on error. */
static int drain(struct hs_watch *w, char *err, size_t errlen)
{
    _Alignas(struct inotify_event) char buf[4096];
    int found = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return found;
        if (n <= 0) {
            snprintf(err, errlen, "cannot read inotify events: %s",
                     n < 0 ? strerror(errno) : "end of file");
            return -1;
        }
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            found |= news(w, ev);
            p += sizeof *ev + ev->len;
        }
    }
}

int hs_watch_wait(struct hs_watch *w, int timeout_ms, char *err, size_t errlen)
{
    if (w->fd < 0) {
        poll(NULL, 0, timeout_ms);
        return 0;
    }
    struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
    int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0 && errno != EINTR) {
        snprintf(err, errlen, "cannot wait for inotify events: %s", strerror(errno));
        return -1;
    }
    return rc > 0 ? drain(w, err, errlen) : 0;
}

void hs_watch_close(struct hs_watch *w)
{
    if (w->fd >= 0)
        close(w->fd);
    *w = (struct hs_watch){.fd = -1, .file_wd = -1, .dir_wd = -1};
}
