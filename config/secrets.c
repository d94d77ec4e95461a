/*
 * secrets.c - see secrets.h.
 */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads at most cap bytes; returns how many, or -1 with errno set. */
static ssize_t read_up_to(int fd, char *out, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, out + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static size_t strip_newline(char *text, size_t len)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    text[len] = '\0';
    return len;
}

int hs_secret_read(const char *conf, const char *key, const char *file, char *out, size_t cap,
                   char *err, size_t errlen)
{
    char text[4096];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read_up_to(fd, text, sizeof text - 1);
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: cannot read %s = %s: %s", conf, key, file, strerror(saved));
        return -1;
    }
    size_t len = strip_newline(text, (size_t)n);
    int rc = -1;
    if (len == 0 || memchr(text, '\0', len) != NULL)
        snprintf(err, errlen, "%s: %s = %s is empty or holds a NUL byte", conf, key, file);
    else if (len >= cap || (size_t)n == sizeof text - 1)
        snprintf(err, errlen, "%s: %s = %s is longer than %zu bytes", conf, key, file, cap - 1);
    else {
        memcpy(out, text, len + 1);
        rc = 0;
    }
    explicit_bzero(text, sizeof text);
    return rc;
}

/* Whether the group database lists a member of gid other than the owner. */
static bool group_shared(gid_t gid, uid_t owner)
{
    struct group *g = getgrgid(gid);
    if (g == NULL || g->gr_mem == NULL)
        return false;
    struct passwd *pw = getpwuid(owner);
    for (char **member = g->gr_mem; *member != NULL; member++)
        if (pw == NULL || strcmp(*member, pw->pw_name) != 0)
            return true;
    return false;
}

bool hs_secret_exposed(const struct stat *st)
{
    if (st->st_mode & S_IROTH)
        return true;
    return (st->st_mode & S_IRGRP) && group_shared(st->st_gid, st->st_uid);
}
