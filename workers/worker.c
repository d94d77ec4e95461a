/*
 * worker.c - see worker.h.
 */
#include "worker.h"

#include <poll.h>
#include <time.h>

#include "../supervisor/log.h"

bool hs_worker_orphaned(struct hs_worker *w)
{
    /* Called per record on hot paths: look at the pipe at most every 20 ms
     * (the coarse clock is read without a system call). */
    static int64_t next_check_ms;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (now_ms < next_check_ms)
        return false;
    next_check_ms = now_ms + 20;
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

int64_t hs_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t hs_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
