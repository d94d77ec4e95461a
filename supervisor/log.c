/*
 * log.c - see log.h. A record is formatted into one buffer and written with
 * a single write(2), so records from different processes sharing the log file
 * (opened O_APPEND) never interleave within a line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_role = "housingsup";
static enum hs_log_level log_level = HS_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void hs_log_set_role(const char *role) { log_role = role; }
void hs_log_set_level(enum hs_log_level level) { log_level = level; }
enum hs_log_level hs_log_get_level(void) { return log_level; }
const char *hs_log_level_name(enum hs_log_level level) { return level_names[level]; }

int hs_log_level_from_name(const char *name)
{
    for (int i = 0; i <= HS_LOG_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void hs_log(enum hs_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char line[2048];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ housingsup[%d] %s %s: ",
                  now.tv_nsec / 1000000, (int)getpid(), log_role, level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n = (m < 0) ? n : (n + m < (int)sizeof line - 1 ? n + m : (int)sizeof line - 2);
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)n);
    (void)ignored; /* nowhere left to report a failed log write */
}
