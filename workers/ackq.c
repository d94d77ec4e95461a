/*
 * ackq.c - work handed on, acknowledged out of order, released in order
 * (see ackq.h).
 */
#include "ackq.h"

#include <stdio.h>
#include <stdlib.h>

enum hs_ackq_rc hs_ackq_init(struct hs_ackq *q, uint32_t cap, char *err, size_t errlen)
{
    *q = (struct hs_ackq){.cap = cap};
    q->slots = calloc(cap > 0 ? cap : 1, sizeof *q->slots); /* calloc(0) may say NULL */
    if (q->slots == NULL) {
        snprintf(err, errlen, "out of memory for %u in-flight entries", cap);
        q->cap = 0;
        return HS_ACKQ_NO_MEMORY;
    }
    return HS_ACKQ_OK;
}

void hs_ackq_free(struct hs_ackq *q)
{
    free(q->slots);
    *q = (struct hs_ackq){0};
}

uint32_t hs_ackq_used(const struct hs_ackq *q)
{
    return q->used;
}

bool hs_ackq_full(const struct hs_ackq *q)
{
    return q->used >= q->cap;
}

/* The slot of the entry `pos` places after the oldest (64 bits: first + pos
 * may pass 2^32 when cap is above 2^31). */
static struct hs_ackq_entry *slot(const struct hs_ackq *q, uint32_t pos)
{
    return &q->slots[((uint64_t)q->first + pos) % q->cap];
}

enum hs_ackq_rc hs_ackq_push(struct hs_ackq *q, const struct hs_ackq_entry *e, uint64_t *seq,
                             char *err, size_t errlen)
{
    if (hs_ackq_full(q)) {
        snprintf(err, errlen, "in-flight queue full: %u entries wait for their acknowledgement",
                 q->used);
        return HS_ACKQ_FULL;
    }
    struct hs_ackq_entry *s = slot(q, q->used);
    *s = *e;
    s->seq = q->first_seq + q->used;
    s->done = false;
    q->used++;
    *seq = s->seq;
    return HS_ACKQ_OK;
}

enum hs_ackq_rc hs_ackq_mark_done(struct hs_ackq *q, uint64_t seq, char *err, size_t errlen)
{
    /* Unsigned: a seq before the oldest (popped already) wraps to a huge distance. */
    uint64_t pos = seq - q->first_seq;
    if (pos >= q->used) {
        snprintf(err, errlen, "acknowledgement of entry %llu, which is not in flight "
                 "(%u entries from %llu are)", (unsigned long long)seq, q->used,
                 (unsigned long long)q->first_seq);
        return HS_ACKQ_UNKNOWN;
    }
    slot(q, (uint32_t)pos)->done = true;
    return HS_ACKQ_OK;
}

/* A popped entry's progress, for its partition if this member still owns it. */
static void commit_entry(struct hs_partitions *t, const struct hs_ackq_entry *e)
{
    if (e->partition < 0 || e->partition >= HS_MAX_PARTITIONS || !t->p[e->partition].assigned)
        return;
    t->p[e->partition].commit_offset = e->offset + 1;
    t->commit_dirty = true;
}

uint64_t hs_ackq_pop_done(struct hs_ackq *q, hs_ackq_done_fn done, void *ctx,
                          struct hs_partitions *parts)
{
    uint64_t count = 0;
    while (q->used > 0) {
        const struct hs_ackq_entry *e = slot(q, 0);
        if (done != NULL ? !done(e, ctx) : !e->done)
            break;
        if (parts != NULL)
            commit_entry(parts, e);
        count += e->count;
        q->first = (uint32_t)(((uint64_t)q->first + 1) % q->cap);
        q->first_seq++;
        q->used--;
    }
    return count;
}

void hs_partitions_init(struct hs_partitions *t)
{
    for (int p = 0; p < HS_MAX_PARTITIONS; p++)
        t->p[p] = (struct hs_partition){.next_offset = -1, .commit_offset = -1, .first_offset = -1};
    t->commit_dirty = false;
}

struct hs_partition *hs_partitions_get(struct hs_partitions *t, int32_t p, char *err,
                                       size_t errlen)
{
    if (p < 0 || p >= HS_MAX_PARTITIONS) {
        snprintf(err, errlen, "partition %d is beyond the %d this reader can track", (int)p,
                 HS_MAX_PARTITIONS);
        return NULL;
    }
    return &t->p[p];
}

/* Assignment and revocation alike start the partition afresh: what this
 * member knew of it may be stale once another member has had it. */
static enum hs_ackq_rc set_assigned(struct hs_partitions *t, int32_t p, bool assigned, char *err,
                                    size_t errlen)
{
    struct hs_partition *pt = hs_partitions_get(t, p, err, errlen);
    if (pt == NULL)
        return HS_ACKQ_PARTITION;
    *pt = (struct hs_partition){
        .assigned = assigned, .next_offset = -1, .commit_offset = -1, .first_offset = -1};
    return HS_ACKQ_OK;
}

enum hs_ackq_rc hs_partitions_assign(struct hs_partitions *t, int32_t p, char *err, size_t errlen)
{
    return set_assigned(t, p, true, err, errlen);
}

enum hs_ackq_rc hs_partitions_revoke(struct hs_partitions *t, int32_t p, char *err, size_t errlen)
{
    return set_assigned(t, p, false, err, errlen);
}

int hs_partitions_assigned(const struct hs_partitions *t)
{
    int n = 0;
    for (int p = 0; p < HS_MAX_PARTITIONS; p++)
        n += t->p[p].assigned;
    return n;
}

void hs_partition_read(struct hs_partition *pt, int64_t offset)
{
    if (pt->first_offset < 0)
        pt->first_offset = offset;
    pt->next_offset = offset + 1;
}

int64_t hs_partition_durable(const struct hs_partition *pt)
{
    if (pt->commit_offset >= 0)
        return pt->commit_offset;
    return pt->first_offset >= 0 ? pt->first_offset : pt->next_offset;
}
