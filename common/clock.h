/*
 * clock.h - the two clocks every process reads.
 *
 * In common/, the bottom layer (libc only).
 */
#ifndef HS_CLOCK_H
#define HS_CLOCK_H

#include <stdint.h>

/* Wall-clock time in microseconds since the epoch (CLOCK_REALTIME): for
 * timestamps that leave the process (a record's "_ts", status). */
int64_t hs_now_us(void);
/* Milliseconds on CLOCK_MONOTONIC: for intervals, heartbeats and deadlines. */
int64_t hs_monotonic_ms(void);

#endif
