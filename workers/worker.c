/*
 * worker.c - see worker.h.
 */
#include "worker.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/log.h"

static struct hs_worker *self;
static char waiting_kind[32];

static int64_t coarse_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void hs_worker_begin(struct hs_worker *w)
{
    self = w;
    atomic_store_explicit(&w->stats->waiting_since_ms, 0, memory_order_relaxed);
    hs_worker_beat();
}

void hs_worker_beat(void)
{
    if (self != NULL)
        atomic_store_explicit(&self->stats->heartbeat_ms, hs_monotonic_ms(), memory_order_relaxed);
}

bool hs_worker_sleep_ms(int ms)
{
    for (int slept = 0; slept < ms; slept += 100) {
        usleep((useconds_t)(ms - slept < 100 ? ms - slept : 100) * 1000);
        if (self == NULL)
            continue;
        if (hs_worker_orphaned(self) || hs_worker_stopping(self))
            return false;
    }
    return true;
}

void hs_worker_waiting(const char *kind, const char *fmt, ...)
{
    char text[HS_WAIT_REASON_MAX];
    va_list ap;
    if (self == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    hs_child_set_reason(self->stats, text);
    if (atomic_load_explicit(&self->stats->waiting_since_ms, memory_order_relaxed) == 0 ||
        strcmp(kind, waiting_kind) != 0)
        atomic_store_explicit(&self->stats->waiting_since_ms, hs_monotonic_ms(), memory_order_relaxed);
    snprintf(waiting_kind, sizeof waiting_kind, "%s", kind);
}

void hs_worker_working(void)
{
    if (self != NULL && atomic_load_explicit(&self->stats->waiting_since_ms, memory_order_relaxed))
        atomic_store_explicit(&self->stats->waiting_since_ms, 0, memory_order_relaxed);
}

void hs_worker_error(enum hs_error_kind kind)
{
    if (self != NULL)
        atomic_fetch_add_explicit(&self->stats->errors[kind], 1, memory_order_relaxed);
}

bool hs_worker_orphaned(struct hs_worker *w)
{
    /* Called per record on hot paths: look at the pipe at most every 20 ms
     * (the coarse clock is read without a system call). */
    static int64_t next_check_ms;
    int64_t now_ms = coarse_ms();
    if (now_ms < next_check_ms)
        return false;
    next_check_ms = now_ms + 20;
    atomic_store_explicit(&w->stats->heartbeat_ms, hs_monotonic_ms(), memory_order_relaxed);
    hs_log_set_level((enum hs_log_level)atomic_load_explicit(&w->seg->control->log_level,
                                                             memory_order_relaxed));
    struct pollfd pfd = {.fd = w->parent_fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) > 0) { /* EOF or hang-up: nobody holds the write end any more */
        hs_error("supervisor is gone; exiting without acknowledging in-flight work");
        return true;
    }
    return false;
}

bool hs_worker_stopping(const struct hs_worker *w)
{
    return atomic_load_explicit(&w->seg->control->stopping, memory_order_acquire) != 0;
}
