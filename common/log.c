/*
 * log.c - see log.h. A record is formatted into one buffer and written with
 * a single write(2), so records from different processes sharing the log file
 * (opened O_APPEND) never interleave within a line. The previous message and
 * its count of repeats are per process, under a mutex.
 */
#include "log.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 2048

static const char *log_role = "housingsup";
static enum hs_log_level log_level = HS_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* The last message written, and the repeats of it not written since. */
static struct {
    bool any;
    enum hs_log_level level;
    char text[MSG_MAX];
    int64_t written_ms, last_ms; /* when it was written; when its last repeat came */
    long count;
    bool other_numbers; /* a repeat's digits differed */
} prev;
static int repeat_ms = HS_LOG_REPEAT_MS;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;

void hs_log_set_role(const char *role) { log_role = role; }
void hs_log_set_level(enum hs_log_level level) { log_level = level; }
enum hs_log_level hs_log_get_level(void) { return log_level; }
const char *hs_log_level_name(enum hs_log_level level) { return level_names[level]; }
void hs_log_set_repeat_interval(int ms) { repeat_ms = ms; }

int hs_log_level_from_name(const char *name)
{
    for (int i = 0; i <= HS_LOG_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_record(enum hs_log_level level, const char *msg)
{
    char line[MSG_MAX + 128];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ housingsup[%d] %s %s: %s",
                  now.tv_nsec / 1000000, (int)getpid(), log_role, level_names[level], msg);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)n);
    (void)ignored; /* nowhere left to report a failed log write */
}

/* Whether the digits at p continue a name ("writer-1", "topic/3", "ipv4"),
 * which is compared as text, rather than being a number. */
static bool continues_name(const char *start, const char *p)
{
    if (p == start)
        return false;
    unsigned char c = (unsigned char)p[-1];
    return isalpha(c) || c == '-' || c == '_' || c == '/';
}

/* Equal texts, every number (a run of digits not continuing a name) taken as
 * equal to any other. A run is always met at its start: one before it was
 * consumed whole. */
static bool same_but_numbers(const char *a, const char *b)
{
    const char *a0 = a;
    while (*a != '\0' && *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
            if (continues_name(a0, a) && (na != nb || memcmp(a, b, na) != 0))
                return false;
            a += na;
            b += nb;
        } else if (*a++ != *b++) {
            return false;
        }
    }
    return *a == *b;
}

/* "N times in S s", and whether the numbers differed, for the repeats counted */
static void describe_repeats(char *out, size_t cap, int64_t until_ms)
{
    snprintf(out, cap, "%ld time%s in %s%.1f s%s", prev.count, prev.count == 1 ? "" : "s",
             until_ms ? "the last " : "",
             (double)((until_ms ? until_ms : prev.last_ms) - prev.written_ms) / 1000.0,
             prev.other_numbers ? ", with other numbers" : "");
    prev.count = 0;
    prev.other_numbers = false;
}

static void flush_locked(void)
{
    if (prev.count == 0)
        return;
    char msg[160], what[128];
    describe_repeats(what, sizeof what, 0);
    snprintf(msg, sizeof msg, "last message repeated %s", what);
    write_record(prev.level, msg);
}

void hs_log_flush(void)
{
    pthread_mutex_lock(&lock);
    flush_locked();
    pthread_mutex_unlock(&lock);
}

/* fork(2) copies the mutex as it is: hold it across the fork so no other
 * thread (librdkafka's) is inside; the child starts with nothing to repeat. */
static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&lock); }
static void after_fork_child(void)
{
    prev.any = false;
    prev.count = 0;
    prev.other_numbers = false;
    pthread_mutex_unlock(&lock);
}

static void install_handlers(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    atexit(hs_log_flush);
}

static void remember(enum hs_log_level level, const char *msg, int64_t now)
{
    prev.any = true;
    prev.level = level;
    prev.written_ms = now;
    snprintf(prev.text, sizeof prev.text, "%s", msg);
}

static void log_locked(enum hs_log_level level, const char *msg)
{
    int64_t now = monotonic_ms();
    bool same = prev.any && level == prev.level && same_but_numbers(prev.text, msg);
    if (same && repeat_ms > 0 && now - prev.written_ms < repeat_ms) {
        prev.count++;
        prev.last_ms = now;
        prev.other_numbers |= strcmp(prev.text, msg) != 0;
        return;
    }
    if (same && prev.count > 0) { /* the interval is over: one line says both */
        char with[MSG_MAX + 160], what[128];
        describe_repeats(what, sizeof what, now);
        snprintf(with, sizeof with, "%s (repeated %s)", msg, what);
        write_record(level, with);
    } else {
        flush_locked();
        write_record(level, msg);
    }
    remember(level, msg, now);
}

void hs_log(enum hs_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_once(&once, install_handlers);
    pthread_mutex_lock(&lock);
    log_locked(level, msg);
    pthread_mutex_unlock(&lock);
}
