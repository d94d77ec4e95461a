/*
 * test_ring.c - the shared-memory ring: ordering, backpressure, wrap-around,
 * and millions of items between two processes with a checksum, including a
 * consumer and a producer killed with SIGKILL mid-stream and restarted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../shm/ring.h"

#define STRESS_ITEMS 5000000ULL

struct item {
    uint64_t seq;
    uint64_t check; /* mix(seq): a torn or stale slot shows up as a mismatch */
};

/* What the consumers report, in memory shared with the test. Per sequence
 * number: `seen` counts deliveries, `got` keeps the check value delivered.
 * Storing `got` (the same value again on a repeat) rather than adding to a
 * running sum leaves no window in which a SIGKILL makes the sum wrong. */
struct shared {
    _Atomic uint64_t errors; /* items out of order or with a bad checksum */
    uint64_t items;
    uint8_t *seen;
    uint64_t *got;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static struct hs_ring *new_ring(uint32_t capacity, struct shared **sh, uint64_t items)
{
    size_t head = (sizeof(struct shared) + items * (1 + sizeof(uint64_t)) + 4095) & ~(size_t)4095;
    size_t bytes = hs_ring_bytes(capacity, sizeof(struct item)) + head;
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(mem != MAP_FAILED);
    if (sh != NULL) {
        *sh = mem;
        (*sh)->items = items;
        (*sh)->got = (uint64_t *)((char *)mem + sizeof(struct shared));
        (*sh)->seen = (uint8_t *)((*sh)->got + items);
    }
    struct hs_ring *r = (struct hs_ring *)((char *)mem + head);
    hs_ring_init(r, capacity, sizeof(struct item));
    return r;
}

static void push(struct hs_ring *r, uint64_t seq)
{
    struct item *slot;
    while ((slot = hs_ring_reserve(r, 1000)) == NULL)
        ;
    slot->seq = seq;
    slot->check = mix(seq);
    hs_ring_publish(r);
}

static void fifo_backpressure_and_wrap(void **state)
{
    (void)state;
    struct hs_ring *r = new_ring(8, NULL, 0);
    assert_null(hs_ring_last_published(r));
    for (uint64_t i = 0; i < 8; i++)
        push(r, i);
    assert_null(hs_ring_reserve(r, 0)); /* full: the producer is held back */
    assert_int_equal(hs_ring_fill(r), 8);
    assert_int_equal(((struct item *)hs_ring_last_published(r))->seq, 7);
    uint64_t expect = 0;
    for (int round = 0; round < 1000; round++) {
        uint32_t n = hs_ring_peek(r, 3, 0);
        assert_int_equal(n, 3);
        for (uint32_t i = 0; i < n; i++)
            assert_int_equal(((struct item *)hs_ring_item(r, i))->seq, expect + i);
        hs_ring_release(r, n);
        expect += n;
        for (uint32_t i = 0; i < n; i++)
            push(r, expect + 5 + i);
    }
    assert_int_equal(hs_ring_fill(r), 8);
    assert_int_equal(hs_ring_tail(r) - hs_ring_head(r), 8);
}

static void peek_times_out_empty_and_returns_when_closed(void **state)
{
    (void)state;
    struct hs_ring *r = new_ring(64, NULL, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(hs_ring_peek(r, 10, 50), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long waited_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(waited_ms >= 40); /* it slept rather than failing at once */
    assert_false(hs_ring_closed(r));
    hs_ring_close(r);
    assert_true(hs_ring_closed(r));
    assert_int_equal(hs_ring_peek(r, 10, 10000), 0);
}

static void produce_range(struct hs_ring *r, uint64_t from, uint64_t to)
{
    for (uint64_t s = from; s < to; s++)
        push(r, s);
}

/* Consumes until `to`, checking order and checksum. Like a writer, it marks
 * items done before releasing them, so a consumer killed in between makes its
 * successor see those items again (at least once), never zero times. */
static void consume_until(struct hs_ring *r, struct shared *sh, uint64_t to)
{
    uint64_t expect = hs_ring_head(r); /* the ring, not our bookkeeping, says where we are */
    while (expect < to) {
        uint32_t n = hs_ring_peek(r, 64, 1000);
        for (uint32_t i = 0; i < n; i++) {
            struct item *it = hs_ring_item(r, i);
            if (it->seq != expect + i || it->check != mix(it->seq) || it->seq >= sh->items) {
                atomic_fetch_add(&sh->errors, 1);
                continue;
            }
            sh->got[it->seq] = it->check;
            sh->seen[it->seq]++;
        }
        hs_ring_release(r, n);
        expect += n;
    }
}

static uint64_t count_seen(struct shared *sh, uint64_t total, int times)
{
    uint64_t n = 0;
    for (uint64_t s = 0; s < total; s++)
        n += times == 0 ? sh->seen[s] == 0 : sh->seen[s] > 1;
    return n;
}

static pid_t fork_role(void (*fn)(struct hs_ring *, struct shared *, uint64_t), struct hs_ring *r,
                       struct shared *sh, uint64_t arg)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(300);
        fn(r, sh, arg);
        _exit(0);
    }
    return pid;
}

static void producer_role(struct hs_ring *r, struct shared *sh, uint64_t to)
{
    (void)sh;
    /* Continue after whatever a predecessor published. */
    struct item *last = hs_ring_last_published(r);
    produce_range(r, last ? last->seq + 1 : 0, to);
}

static void consumer_role(struct hs_ring *r, struct shared *sh, uint64_t to)
{
    consume_until(r, sh, to);
}

static int wait_ok(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static uint64_t delivered_sum(const struct shared *sh)
{
    uint64_t sum = 0;
    for (uint64_t s = 0; s < sh->items; s++)
        sum += sh->got[s];
    return sum;
}

static uint64_t expected_sum(uint64_t n)
{
    uint64_t sum = 0;
    for (uint64_t s = 0; s < n; s++)
        sum += mix(s);
    return sum;
}

static void two_processes_millions_of_items(void **state)
{
    (void)state;
    struct shared *sh;
    struct hs_ring *r = new_ring(1024, &sh, STRESS_ITEMS);
    pid_t c = fork_role(consumer_role, r, sh, STRESS_ITEMS);
    pid_t p = fork_role(producer_role, r, sh, STRESS_ITEMS);
    assert_true(wait_ok(p));
    assert_true(wait_ok(c));
    assert_int_equal(atomic_load(&sh->errors), 0);
    assert_int_equal(hs_ring_head(r), STRESS_ITEMS);
    assert_int_equal(count_seen(sh, STRESS_ITEMS, 0), 0);
    assert_int_equal(count_seen(sh, STRESS_ITEMS, 2), 0);
    assert_int_equal(delivered_sum(sh), expected_sum(STRESS_ITEMS));
    assert_int_equal(hs_ring_fill(r), 0);
}

static void killed_peers_resume_without_loss(void **state)
{
    (void)state;
    struct shared *sh;
    const uint64_t total = 2000000;
    struct hs_ring *r = new_ring(256, &sh, total);
    int consumer_kills = 0;
    pid_t c = fork_role(consumer_role, r, sh, total);
    pid_t p = fork_role(producer_role, r, sh, total);
    for (int round = 0; round < 6; round++) {
        usleep(20000 + (useconds_t)(rand() % 30000));
        pid_t victim = (round % 2) ? p : c;
        kill(victim, SIGKILL);
        waitpid(victim, NULL, 0);
        if (victim == p) {
            p = fork_role(producer_role, r, sh, total);
        } else {
            c = fork_role(consumer_role, r, sh, total);
            consumer_kills++;
        }
    }
    assert_true(wait_ok(p));
    assert_true(wait_ok(c));
    assert_int_equal(atomic_load(&sh->errors), 0);
    assert_int_equal(hs_ring_head(r), total);
    assert_int_equal(count_seen(sh, total, 0), 0); /* nothing lost */
    /* Repeats only from a consumer killed between its work and its release:
     * at most one peek (64 items) per kill. */
    assert_true(count_seen(sh, total, 2) <= (uint64_t)consumer_kills * 64);
    assert_int_equal(delivered_sum(sh), expected_sum(total));
}

/* A header a crashed process scribbled on is found before anyone uses it. */
static void damaged_headers_are_found(void **state)
{
    (void)state;
    char err[200];
    size_t bytes = hs_ring_bytes(8, 16);
    struct hs_ring *r = aligned_alloc(HS_CACHE_LINE, (bytes + HS_CACHE_LINE - 1) / HS_CACHE_LINE * HS_CACHE_LINE);
    memset(r, 0, bytes);
    hs_ring_init(r, 8, 16);
    assert_true(hs_ring_valid(r, 8, 16, err, sizeof err));
    atomic_store(&r->tail, 8);
    assert_true(hs_ring_valid(r, 8, 16, err, sizeof err)); /* full is possible */
    atomic_store(&r->tail, 9);
    assert_false(hs_ring_valid(r, 8, 16, err, sizeof err));
    assert_string_equal(err, "ring counters damaged: head 0, tail 9, 8 slots");
    atomic_store(&r->head, 10); /* head past tail */
    assert_false(hs_ring_valid(r, 8, 16, err, sizeof err));
    atomic_store(&r->head, 9);
    r->capacity = 1 << 30;
    assert_false(hs_ring_valid(r, 8, 16, err, sizeof err));
    assert_string_equal(err, "ring header damaged: 1073741824 slots of 16 bytes, not 8 of 16");
    free(r);
}

int main(void)
{
    srand((unsigned)time(NULL));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_backpressure_and_wrap),
        cmocka_unit_test(peek_times_out_empty_and_returns_when_closed),
        cmocka_unit_test(two_processes_millions_of_items),
        cmocka_unit_test(killed_peers_resume_without_loss),
        cmocka_unit_test(damaged_headers_are_found),
    };
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
