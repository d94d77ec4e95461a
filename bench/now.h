/* now.h - the monotonic clock in seconds, for the stand-alone benchmark programs. */
#ifndef HS_BENCH_NOW_H
#define HS_BENCH_NOW_H

#include <time.h>

static inline double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
