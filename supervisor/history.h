/*
 * history.h - the last minutes of the pipeline for the status page's charts:
 * one sample of the status snapshot a second (HS_HISTORY_INTERVAL_MS) in a
 * fixed ring of HS_HISTORY_SAMPLES, the newest taking the oldest's place.
 * A sample holds each role's rate, the consumer lag, the records waiting in
 * the rings and the dead letters stored. The roles are remembered by name in
 * the order first seen, so a writer added by a reload gets its own series
 * (null before it appeared).
 */
#ifndef HS_HISTORY_H
#define HS_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../common/roles.h"
#include "status.h"

#define HS_HISTORY_SAMPLES 600       /* 10 minutes at one a second */
#define HS_HISTORY_INTERVAL_MS 1000
#define HS_HISTORY_ROLE_MAX 32       /* "writer-15" and the like */

struct hs_history_sample {
    int64_t taken_ms;                /* the monotonic clock */
    int64_t lag;                     /* all partitions, -1 unknown */
    int64_t ring_fill;               /* records in every ring */
    uint64_t dead_letters;
    double rates[HS_MAX_CHILDREN];   /* by role index; -1 when the role was not shown */
};

struct hs_history {
    char roles[HS_MAX_CHILDREN][HS_HISTORY_ROLE_MAX];
    int nroles;
    struct hs_history_sample samples[HS_HISTORY_SAMPLES];
    int next;                        /* where the next sample goes */
    int count;                       /* samples held, at most HS_HISTORY_SAMPLES */
};

/* Takes a sample of st when HS_HISTORY_INTERVAL_MS have passed since the
 * last one (or there is none yet); returns whether it took one. */
bool hs_history_record(struct hs_history *h, const struct hs_status *st, int64_t now_ms);
/* The samples, oldest first, as one JSON object, into b (appending):
 *   {"interval_ms":1000,"capacity":600,"age_s":[...],"lag":[...],
 *    "ring_fill":[...],"dead_letters":[...],"rates":[{"role":"...","rate":[...]},...]}
 * age_s is each sample's age in seconds relative to the newest; lag and a
 * role's rate are null where unknown. */
void hs_history_render_json(const struct hs_history *h, struct hs_buf *b);

#endif
