/*
 * health.h - one word for the whole pipeline, from a status snapshot:
 *
 *   healthy   every child runs (or has finished) and none waits
 *   degraded  a child waits on something outside it, is stalled, restarting
 *             or failed: the reason names the first such child and why
 *   stalled   records are pending (in the rings, or in Kafka not yet
 *             committed in PostgreSQL) and none has been committed for
 *             stall_s seconds
 *
 * `housingsup status` exits 0 for healthy and 1 otherwise.
 */
#ifndef HS_HEALTH_H
#define HS_HEALTH_H

#include <stdint.h>

#include "status.h"

/* What the assessment remembers between snapshots: the writers' count of
 * records done (rows and dead letters) and since when it has not moved. */
struct hs_progress {
    uint64_t done;
    int64_t since_ms;
};

/* Sets st->health and st->health_reason. */
void hs_health_assess(struct hs_status *st, struct hs_progress *p, int64_t now_ms, int stall_s);

#endif
