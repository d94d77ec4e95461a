/*
 * health.c - see health.h.
 */
#include "health.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../common/roles.h"

static bool is_writer(const struct hs_status_row *r)
{
    return strncmp(r->role, HS_ROLE_NAME_WRITER "-", sizeof HS_ROLE_NAME_WRITER) == 0;
}

static bool troubled(const struct hs_status_row *r)
{
    static const char *const bad[] = {"waiting", "stalled", "restarting", "failed"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strcmp(r->state, bad[i]) == 0)
            return true;
    return false;
}

static uint64_t pending(const struct hs_status *st)
{
    uint64_t n = st->lag > 0 ? (uint64_t)st->lag : 0;
    for (int i = 0; i < st->nrows; i++)
        n += st->rows[i].ring_fill > 0 ? (uint64_t)st->rows[i].ring_fill : 0;
    return n;
}

static void track_progress(const struct hs_status *st, struct hs_progress *p, int64_t now_ms)
{
    uint64_t done = 0;
    for (int i = 0; i < st->nrows; i++)
        if (is_writer(&st->rows[i]))
            done += st->rows[i].records_out + st->rows[i].dead_letters;
    if (done != p->done || p->since_ms == 0) {
        p->done = done;
        p->since_ms = now_ms;
    }
}

static const struct hs_status_row *first_troubled(const struct hs_status *st)
{
    for (int i = 0; i < st->nrows; i++)
        if (troubled(&st->rows[i]))
            return &st->rows[i];
    return NULL;
}

void hs_health_assess(struct hs_status *st, struct hs_progress *p, int64_t now_ms, int stall_s)
{
    track_progress(st, p, now_ms);
    const struct hs_status_row *t = first_troubled(st);
    uint64_t left = pending(st);
    long quiet_s = (long)((now_ms - p->since_ms) / 1000);
    char why[sizeof st->health_reason / 2] = "";
    if (t != NULL)
        snprintf(why, sizeof why, "%s %s: %s", t->role, t->state, t->reason);
    if (left > 0 && quiet_s >= stall_s) {
        st->health = "stalled";
        snprintf(st->health_reason, sizeof st->health_reason, "no progress for %ld s with %llu "
                 "records pending%s%s", quiet_s, (unsigned long long)left, t ? "; " : "", why);
    } else if (t != NULL) {
        st->health = "degraded";
        snprintf(st->health_reason, sizeof st->health_reason, "%s", why);
    } else {
        st->health = "healthy";
        st->health_reason[0] = '\0';
    }
}
