/*
 * segment.c - see segment.h. Layout: control block, then 1 + HS_MAX_WRITERS
 * rings, each starting on a cache line. Rings for writers that are not
 * running cost address space only: untouched pages are never allocated.
 */
#include "segment.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static size_t align_up(size_t n) { return (n + HS_CACHE_LINE - 1) & ~(size_t)(HS_CACHE_LINE - 1); }

int hs_segment_create(struct hs_segment *seg, uint32_t ring_slots, uint32_t slot_size,
                      char *err, size_t errlen)
{
    size_t control_bytes = align_up(sizeof(struct hs_control));
    size_t ring_bytes = align_up(hs_ring_bytes(ring_slots, slot_size));
    size_t bytes = control_bytes + ring_bytes * (1 + HS_MAX_WRITERS);
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        snprintf(err, errlen, "mmap of %zu bytes of shared memory failed: %m", bytes);
        return -1;
    }
    memset(seg, 0, sizeof *seg);
    seg->base = base;
    seg->bytes = bytes;
    seg->control = base;
    unsigned char *p = (unsigned char *)base + control_bytes;
    seg->csv_ring = (struct hs_ring *)p;
    hs_ring_init(seg->csv_ring, ring_slots, slot_size);
    for (int i = 0; i < HS_MAX_WRITERS; i++) {
        p += ring_bytes;
        seg->writer_ring[i] = (struct hs_ring *)p;
        hs_ring_init(seg->writer_ring[i], ring_slots, slot_size);
    }
    return 0;
}

void hs_segment_destroy(struct hs_segment *seg)
{
    if (seg->base != NULL)
        munmap(seg->base, seg->bytes);
    memset(seg, 0, sizeof *seg);
}

void hs_child_set_reason(struct hs_child_stats *cs, const char *text)
{
    uint32_t seq = atomic_load_explicit(&cs->reason_seq, memory_order_relaxed);
    atomic_store_explicit(&cs->reason_seq, seq + 1, memory_order_relaxed); /* odd: writing */
    atomic_thread_fence(memory_order_release); /* pairs with the acquire fence in hs_child_reason */
    size_t i = 0;
    for (; text[i] != '\0' && i < HS_WAIT_REASON_MAX - 1; i++)
        atomic_store_explicit(&cs->reason[i], text[i], memory_order_relaxed);
    atomic_store_explicit(&cs->reason[i], '\0', memory_order_relaxed);
    atomic_store_explicit(&cs->reason_seq, seq + 2, memory_order_release); /* even: whole */
}

void hs_child_reason(struct hs_child_stats *cs, char *out, size_t cap)
{
    for (int tries = 0; tries < 4; tries++) {
        /* acquire: pairs with the release store of the even value above */
        uint32_t before = atomic_load_explicit(&cs->reason_seq, memory_order_acquire);
        size_t i = 0;
        for (; i + 1 < cap && i < HS_WAIT_REASON_MAX; i++)
            if ((out[i] = atomic_load_explicit(&cs->reason[i], memory_order_relaxed)) == '\0')
                break;
        out[i] = '\0';
        atomic_thread_fence(memory_order_acquire); /* pairs with the writer's release fence */
        if ((before & 1) == 0 && atomic_load_explicit(&cs->reason_seq, memory_order_relaxed) == before)
            return;
    }
    snprintf(out, cap, "(changing)");
}
