/*
 * history.c - see history.h.
 */
#include "history.h"

#include <stdio.h>
#include <string.h>

/* The index of a role's series, added when first seen; -1 when every
 * series is taken (cannot happen: there are no more roles than series).
 * Names are compared as far as they are kept. */
static int role_index(struct hs_history *h, const char *role)
{
    for (int i = 0; i < h->nroles; i++)
        if (strncmp(h->roles[i], role, sizeof h->roles[i] - 1) == 0)
            return i;
    if (h->nroles == HS_MAX_CHILDREN)
        return -1;
    snprintf(h->roles[h->nroles], sizeof h->roles[0], "%s", role);
    return h->nroles++;
}

static const struct hs_history_sample *newest(const struct hs_history *h)
{
    return h->count > 0 ? &h->samples[(h->next + HS_HISTORY_SAMPLES - 1) % HS_HISTORY_SAMPLES]
                        : NULL;
}

/* The i-th sample held, 0 the oldest. */
static const struct hs_history_sample *sample_at(const struct hs_history *h, int i)
{
    return &h->samples[(h->next - h->count + i + HS_HISTORY_SAMPLES) % HS_HISTORY_SAMPLES];
}

static void fill_sample(struct hs_history *h, struct hs_history_sample *s,
                        const struct hs_status *st, int64_t now_ms)
{
    *s = (struct hs_history_sample){.taken_ms = now_ms, .lag = st->lag,
                                    .dead_letters = st->dead_letters};
    for (int i = 0; i < HS_MAX_CHILDREN; i++)
        s->rates[i] = -1;
    for (int r = 0; r < st->nrows; r++) {
        const struct hs_status_row *row = &st->rows[r];
        int i = role_index(h, row->role);
        if (i >= 0)
            s->rates[i] = row->rate;
        if (row->ring_fill > 0)
            s->ring_fill += row->ring_fill;
    }
}

bool hs_history_record(struct hs_history *h, const struct hs_status *st, int64_t now_ms)
{
    const struct hs_history_sample *last = newest(h);
    if (last != NULL && now_ms - last->taken_ms < HS_HISTORY_INTERVAL_MS)
        return false;
    fill_sample(h, &h->samples[h->next], st, now_ms);
    h->next = (h->next + 1) % HS_HISTORY_SAMPLES;
    if (h->count < HS_HISTORY_SAMPLES)
        h->count++;
    return true;
}

/* ---- JSON ---- */

typedef void (*sample_value)(struct hs_buf *b, const struct hs_history *h,
                             const struct hs_history_sample *s, int arg);

static void v_age(struct hs_buf *b, const struct hs_history *h, const struct hs_history_sample *s,
                  int arg)
{
    (void)arg;
    hs_buf_printf(b, "%.1f", (double)(newest(h)->taken_ms - s->taken_ms) / 1000.0);
}

static void v_lag(struct hs_buf *b, const struct hs_history *h, const struct hs_history_sample *s,
                  int arg)
{
    (void)h, (void)arg;
    if (s->lag < 0)
        hs_buf_puts(b, "null");
    else
        hs_buf_printf(b, "%lld", (long long)s->lag);
}

static void v_ring_fill(struct hs_buf *b, const struct hs_history *h,
                        const struct hs_history_sample *s, int arg)
{
    (void)h, (void)arg;
    hs_buf_printf(b, "%lld", (long long)s->ring_fill);
}

static void v_dead(struct hs_buf *b, const struct hs_history *h, const struct hs_history_sample *s,
                   int arg)
{
    (void)h, (void)arg;
    hs_buf_printf(b, "%llu", (unsigned long long)s->dead_letters);
}

static void v_rate(struct hs_buf *b, const struct hs_history *h, const struct hs_history_sample *s,
                   int role)
{
    (void)h;
    if (s->rates[role] < 0)
        hs_buf_puts(b, "null");
    else
        hs_buf_printf(b, "%.1f", s->rates[role]);
}

/* "[v0,v1,...]": one value of every sample, oldest first. */
static void series(struct hs_buf *b, const struct hs_history *h, sample_value value, int arg)
{
    hs_buf_puts(b, "[");
    for (int i = 0; i < h->count; i++) {
        if (i > 0)
            hs_buf_puts(b, ",");
        value(b, h, sample_at(h, i), arg);
    }
    hs_buf_puts(b, "]");
}

void hs_history_render_json(const struct hs_history *h, struct hs_buf *b)
{
    hs_buf_printf(b, "{\"interval_ms\":%d,\"capacity\":%d,\"age_s\":", HS_HISTORY_INTERVAL_MS,
                  HS_HISTORY_SAMPLES);
    series(b, h, v_age, 0);
    hs_buf_puts(b, ",\"lag\":");
    series(b, h, v_lag, 0);
    hs_buf_puts(b, ",\"ring_fill\":");
    series(b, h, v_ring_fill, 0);
    hs_buf_puts(b, ",\"dead_letters\":");
    series(b, h, v_dead, 0);
    hs_buf_puts(b, ",\"rates\":[");
    for (int r = 0; r < h->nroles; r++) {
        hs_buf_puts(b, r > 0 ? ",{\"role\":" : "{\"role\":");
        hs_buf_json_string(b, h->roles[r], strlen(h->roles[r]));
        hs_buf_puts(b, ",\"rate\":");
        series(b, h, v_rate, r);
        hs_buf_puts(b, "}");
    }
    hs_buf_puts(b, "]}");
}
