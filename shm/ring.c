/*
 * ring.c - see ring.h for the invariants. This file is about ordering.
 *
 * Publication (the data path), each pair labelled:
 *   [P1] producer: write slot, then store tail with RELEASE.
 *   [C1] consumer: load tail with ACQUIRE, then read slots below it.
 *        P1 -> C1 makes the slot contents visible before the new tail.
 *   [C2] consumer: finish reading slots, then store head with RELEASE.
 *   [P2] producer: load head with ACQUIRE, then overwrite slots below it.
 *        C2 -> P2 guarantees the consumer is done with a slot before it is
 *        overwritten.
 *
 * Sleeping (no lost wake-ups), a Dekker pattern on two variables:
 *   sleeper: v = load(futex word); store(waiting = 1); FENCE(seq_cst);
 *            re-check the ring; if still blocked, futex_wait(word, v).
 *   waker:   store(tail or head); FENCE(seq_cst); if load(waiting) then
 *            increment(futex word); futex_wake(word).
 *   The two seq_cst fences order each side's store before its load, so at
 *   least one side sees the other's store: either the sleeper's re-check sees
 *   the progress, or the waker sees the flag and bumps the word, which makes
 *   a futex_wait that started with the old value v return at once.
 *   Waits also time out, so a peer that died cannot leave anyone asleep
 *   forever; callers re-check their own exit conditions after each wait.
 *
 * The futexes are shared (no FUTEX_PRIVATE_FLAG): waiter and waker are
 * different processes mapping the same MAP_SHARED memory.
 */
#include "ring.h"

#include <stdio.h>

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SPIN_ROUNDS 200

size_t hs_ring_bytes(uint32_t capacity, uint32_t slot_size)
{
    return sizeof(struct hs_ring) + (size_t)capacity * slot_size;
}

void hs_ring_init(struct hs_ring *r, uint32_t capacity, uint32_t slot_size)
{
    r->capacity = capacity;
    r->slot_size = slot_size;
    atomic_store_explicit(&r->head, 0, memory_order_relaxed);
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    atomic_store_explicit(&r->closed, 0, memory_order_relaxed);
}

static void *slot_at(struct hs_ring *r, uint64_t index)
{
    return r->slots + (size_t)(index & (r->capacity - 1)) * r->slot_size;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected, int timeout_ms)
{
    struct timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L};
    /* EAGAIN (word already changed), EINTR and ETIMEDOUT all mean: re-check. */
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

static void futex_wake_if_waiting(_Atomic uint32_t *waiting, _Atomic uint32_t *word)
{
    atomic_thread_fence(memory_order_seq_cst); /* pairs with the sleeper's fence */
    if (atomic_load_explicit(waiting, memory_order_relaxed)) {
        atomic_fetch_add_explicit(word, 1, memory_order_relaxed);
        syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
}

/* Sleeps until `ready(r)` holds or timeout_ms passes; see the protocol above. */
static void wait_until(struct hs_ring *r, bool (*ready)(struct hs_ring *),
                       _Atomic uint32_t *waiting, _Atomic uint32_t *word, int timeout_ms)
{
    for (int i = 0; i < SPIN_ROUNDS; i++)
        if (ready(r))
            return;
    if (timeout_ms <= 0)
        return;
    uint32_t seen = atomic_load_explicit(word, memory_order_relaxed);
    atomic_store_explicit(waiting, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst); /* pairs with the waker's fence */
    if (!ready(r))
        futex_wait(word, seen, timeout_ms);
    atomic_store_explicit(waiting, 0, memory_order_relaxed);
}

static bool has_room(struct hs_ring *r)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire); /* [P2] */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed); /* own counter */
    return tail - head < r->capacity;
}

static bool has_items(struct hs_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire); /* [C1] */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed); /* own counter */
    return tail != head || atomic_load_explicit(&r->closed, memory_order_relaxed);
}

void *hs_ring_reserve(struct hs_ring *r, int timeout_ms)
{
    if (!has_room(r))
        wait_until(r, has_room, &r->producer_waiting, &r->head_futex, timeout_ms);
    if (!has_room(r))
        return NULL;
    return slot_at(r, atomic_load_explicit(&r->tail, memory_order_relaxed));
}

void hs_ring_publish(struct hs_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release); /* [P1] */
    futex_wake_if_waiting(&r->consumer_waiting, &r->tail_futex);
}

uint32_t hs_ring_peek(struct hs_ring *r, uint32_t max, int timeout_ms)
{
    if (hs_ring_fill(r) == 0)
        wait_until(r, has_items, &r->consumer_waiting, &r->tail_futex, timeout_ms);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire); /* [C1] */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t ready = tail - head;
    return ready < max ? (uint32_t)ready : max;
}

void *hs_ring_item(struct hs_ring *r, uint32_t i)
{
    return slot_at(r, atomic_load_explicit(&r->head, memory_order_relaxed) + i);
}

void hs_ring_release(struct hs_ring *r, uint32_t n)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    atomic_store_explicit(&r->head, head + n, memory_order_release); /* [C2] */
    futex_wake_if_waiting(&r->producer_waiting, &r->head_futex);
}

uint32_t hs_ring_fill(struct hs_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return (uint32_t)(tail - head);
}

uint64_t hs_ring_head(struct hs_ring *r) { return atomic_load_explicit(&r->head, memory_order_acquire); }
uint64_t hs_ring_tail(struct hs_ring *r) { return atomic_load_explicit(&r->tail, memory_order_acquire); }

void *hs_ring_last_published(struct hs_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return tail == 0 ? NULL : slot_at(r, tail - 1);
}

void hs_ring_close(struct hs_ring *r)
{
    atomic_store_explicit(&r->closed, 1, memory_order_release);
    atomic_fetch_add_explicit(&r->tail_futex, 1, memory_order_relaxed);
    syscall(SYS_futex, (uint32_t *)&r->tail_futex, FUTEX_WAKE, 1, NULL, NULL, 0);
}

bool hs_ring_closed(struct hs_ring *r)
{
    return atomic_load_explicit(&r->closed, memory_order_acquire) != 0;
}

bool hs_ring_valid(struct hs_ring *r, uint32_t capacity, uint32_t slot_size, char *err,
                   size_t errlen)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (r->capacity != capacity || r->slot_size != slot_size) {
        snprintf(err, errlen, "ring header damaged: %u slots of %u bytes, not %u of %u",
                 r->capacity, r->slot_size, capacity, slot_size);
        return false;
    }
    if (tail - head > capacity) {
        snprintf(err, errlen, "ring counters damaged: head %llu, tail %llu, %u slots",
                 (unsigned long long)head, (unsigned long long)tail, capacity);
        return false;
    }
    return true;
}
