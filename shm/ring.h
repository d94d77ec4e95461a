/*
 * ring.h - a bounded single-producer/single-consumer ring in shared memory.
 *
 * One ring per edge of the pipeline (CSV reader -> publisher, Kafka reader ->
 * each writer). Slots hold records by value, never pointers, so the ring
 * means the same thing in every process that maps it.
 *
 * Invariants:
 *  - capacity is a power of two; head and tail are free-running 64-bit
 *    counters, masked on access and compared only by unsigned difference, so
 *    0 <= tail - head <= capacity always holds.
 *  - only the producer stores tail, only the consumer stores head.
 *  - a slot becomes visible to the consumer only after it is fully written
 *    (release store of tail), so a producer killed mid-write leaves no torn
 *    record: its half-written slot is simply overwritten by its successor.
 *  - the consumer reads slots in place and advances head only when it is done
 *    with them (for a writer: after COMMIT), so a consumer killed mid-work
 *    finds the same records again when it restarts.
 *  - a full ring blocks the producer (backpressure); nothing is dropped and
 *    the ring never grows.
 */
#ifndef HS_RING_H
#define HS_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HS_CACHE_LINE 64

struct hs_ring {
    /* Producer's line: tail and the word the consumer sleeps on. */
    _Alignas(HS_CACHE_LINE) _Atomic uint64_t tail;
    _Atomic uint32_t tail_futex;       /* bumped by the producer to wake the consumer */
    _Atomic uint32_t consumer_waiting; /* set by a consumer about to sleep */

    /* Consumer's line: head and the word the producer sleeps on. */
    _Alignas(HS_CACHE_LINE) _Atomic uint64_t head;
    _Atomic uint32_t head_futex;       /* bumped by the consumer to wake the producer */
    _Atomic uint32_t producer_waiting; /* set by a producer about to sleep on a full ring */

    /* Read-mostly line. */
    _Alignas(HS_CACHE_LINE) uint32_t capacity;
    uint32_t slot_size;
    _Atomic uint32_t closed; /* no more items will come; set once, never cleared */

    _Alignas(HS_CACHE_LINE) unsigned char slots[];
};

/* Bytes a ring of `capacity` slots of `slot_size` bytes occupies. */
size_t hs_ring_bytes(uint32_t capacity, uint32_t slot_size);
/* Initialises a ring in zeroed memory of hs_ring_bytes() size. */
void hs_ring_init(struct hs_ring *r, uint32_t capacity, uint32_t slot_size);

/* Producer: a free slot to fill, waiting up to timeout_ms while the ring is
 * full; NULL on timeout. The slot is not visible until hs_ring_publish(). */
void *hs_ring_reserve(struct hs_ring *r, int timeout_ms);
/* Producer: makes the reserved slot visible to the consumer. */
void hs_ring_publish(struct hs_ring *r);

/* Consumer: the number of items ready (at most `max`), waiting up to
 * timeout_ms while there are none. 0 on timeout. */
uint32_t hs_ring_peek(struct hs_ring *r, uint32_t max, int timeout_ms);
/* Consumer: the i-th unreleased item, 0 <= i < hs_ring_peek(). */
void *hs_ring_item(struct hs_ring *r, uint32_t i);
/* Consumer: done with the first n items; their slots may be reused. */
void hs_ring_release(struct hs_ring *r, uint32_t n);

/* Any process: how many items are queued, and the raw counters. */
uint32_t hs_ring_fill(struct hs_ring *r);
uint64_t hs_ring_head(struct hs_ring *r);
uint64_t hs_ring_tail(struct hs_ring *r);
/* The slot of the most recently published item, or NULL if none ever was:
 * a restarted producer learns from it where its predecessor stopped. */
void *hs_ring_last_published(struct hs_ring *r);

/* Whether the ring's header is still what hs_ring_init made it, with
 * `capacity` slots of `slot_size` bytes, and its counters possible
 * (0 <= tail - head <= capacity). The supervisor asks before it starts a
 * process on a ring that a crashed one may have scribbled on (after
 * Concurrency Kit's ck_ring_valid). Returns true, or false with why in err. */
bool hs_ring_valid(struct hs_ring *r, uint32_t capacity, uint32_t slot_size, char *err,
                   size_t errlen);

/* Marks the ring closed and wakes the consumer; hs_ring_closed() tells. */
void hs_ring_close(struct hs_ring *r);
bool hs_ring_closed(struct hs_ring *r);

#endif
