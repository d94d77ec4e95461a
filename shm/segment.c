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
