/*
 * test_ackq.c - acknowledgements out of order, releases in order: only the
 * done prefix pops, a full queue and an unknown entry are refused, positions
 * wrap around; the reader's partition table refuses partitions outside
 * 0 .. HS_MAX_PARTITIONS - 1, and a partition revoked while its messages are
 * in flight gets no commit offset from them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../workers/ackq.h"

static char err[200];

static void init(struct hs_ackq *q, uint32_t cap)
{
    err[0] = '\0';
    assert_int_equal(hs_ackq_init(q, cap, err, sizeof err), HS_ACKQ_OK);
    assert_int_equal(hs_ackq_used(q), 0);
}

/* Pushes an entry of `count` records and checks the seq it is given. */
static void push(struct hs_ackq *q, uint32_t count, uint64_t expect_seq)
{
    uint64_t seq = UINT64_MAX;
    assert_int_equal(hs_ackq_push(q, &(struct hs_ackq_entry){.partition = -1, .count = count},
                                  &seq, err, sizeof err),
                     HS_ACKQ_OK);
    assert_int_equal(seq, expect_seq);
}

static void push_at(struct hs_ackq *q, int32_t partition, int64_t offset, uint32_t count)
{
    uint64_t seq;
    struct hs_ackq_entry e = {.partition = partition, .offset = offset, .count = count};
    assert_int_equal(hs_ackq_push(q, &e, &seq, err, sizeof err), HS_ACKQ_OK);
}

/* A table with partitions a and b assigned, and a queue of 8. */
static void start(struct hs_partitions *t, int32_t a, int32_t b, struct hs_ackq *q)
{
    hs_partitions_init(t);
    assert_int_equal(hs_partitions_assign(t, a, err, sizeof err), HS_ACKQ_OK);
    assert_int_equal(hs_partitions_assign(t, b, err, sizeof err), HS_ACKQ_OK);
    init(q, 8);
}

static void done(struct hs_ackq *q, uint64_t seq)
{
    assert_int_equal(hs_ackq_mark_done(q, seq, err, sizeof err), HS_ACKQ_OK);
}

static void in_order_acks_release_each_entry(void **state)
{
    (void)state;
    struct hs_ackq q;
    init(&q, 4);
    push(&q, 5, 0);
    push(&q, 7, 1);
    push(&q, 11, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0); /* nothing done yet */
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 5);
    assert_int_equal(hs_ackq_used(&q), 2);
    done(&q, 1);
    done(&q, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 18);
    assert_int_equal(hs_ackq_used(&q), 0);
    push(&q, 1, 3); /* the numbering goes on */
    hs_ackq_free(&q);
}

static void out_of_order_acks_wait_for_the_oldest(void **state)
{
    (void)state;
    struct hs_ackq q;
    init(&q, 8);
    for (uint64_t i = 0; i < 5; i++)
        push(&q, 1u << i, i); /* counts 1, 2, 4, 8, 16 */
    done(&q, 3);
    done(&q, 1);
    done(&q, 4);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0);
    assert_int_equal(hs_ackq_used(&q), 5);
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 1 + 2); /* 2 is not done */
    assert_int_equal(hs_ackq_used(&q), 3);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0);
    done(&q, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 4 + 8 + 16);
    assert_int_equal(hs_ackq_used(&q), 0);
    hs_ackq_free(&q);
}

static void a_full_queue_refuses_cleanly(void **state)
{
    (void)state;
    struct hs_ackq q;
    init(&q, 3);
    for (uint64_t i = 0; i < 3; i++)
        push(&q, 10, i);
    assert_true(hs_ackq_full(&q));
    uint64_t seq = 77;
    assert_int_equal(hs_ackq_push(&q, &(struct hs_ackq_entry){.count = 99}, &seq, err, sizeof err),
                     HS_ACKQ_FULL);
    assert_string_equal(err, "in-flight queue full: 3 entries wait for their acknowledgement");
    assert_int_equal(seq, 77);
    assert_int_equal(hs_ackq_used(&q), 3);
    done(&q, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0); /* still full */
    assert_true(hs_ackq_full(&q));
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 10);
    assert_false(hs_ackq_full(&q));
    push(&q, 20, 3); /* the refused push took no number */
    done(&q, 1);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 10 + 10); /* 1 and 2 */
    done(&q, 3);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 20);
    hs_ackq_free(&q);
}

static void a_queue_of_none_is_always_full(void **state)
{
    (void)state;
    struct hs_ackq q;
    uint64_t seq = 5;
    init(&q, 0);
    assert_true(hs_ackq_full(&q));
    assert_int_equal(hs_ackq_push(&q, &(struct hs_ackq_entry){.count = 1}, &seq, err, sizeof err),
                     HS_ACKQ_FULL);
    assert_string_equal(err, "in-flight queue full: 0 entries wait for their acknowledgement");
    assert_int_equal(hs_ackq_mark_done(&q, 0, err, sizeof err), HS_ACKQ_UNKNOWN);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0);
    hs_ackq_free(&q);
}

/* 1000 rounds through 5 slots, each marked done newest first: the slots wrap
 * around some 600 times and every round releases exactly what it pushed. */
static void positions_wrap_around(void **state)
{
    (void)state;
    struct hs_ackq q;
    init(&q, 5);
    uint64_t seq = 0, total = 0;
    for (uint32_t round = 0; round < 1000; round++) {
        uint32_t n = 1 + round % 5, expect = 0;
        for (uint32_t i = 0; i < n; i++, seq++) {
            push(&q, (uint32_t)seq % 100, seq);
            expect += (uint32_t)seq % 100;
        }
        for (uint32_t i = 0; i < n; i++) {
            done(&q, seq - 1 - i);
            if (i + 1 < n) /* the oldest is still out */
                assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0);
        }
        assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), expect);
        assert_int_equal(hs_ackq_used(&q), 0);
        total += expect;
    }
    assert_int_equal(seq, 3000);
    assert_int_equal(total, 148500); /* sum over 0..2999 of seq % 100: 30 * 4950 */
    assert_int_equal(q.first_seq, 3000);
    assert_int_equal(q.first, 3000 % 5);
    hs_ackq_free(&q);
}

static void unknown_and_stale_seqs_are_refused(void **state)
{
    (void)state;
    struct hs_ackq q;
    init(&q, 4);
    assert_int_equal(hs_ackq_mark_done(&q, 0, err, sizeof err), HS_ACKQ_UNKNOWN);
    assert_string_equal(err, "acknowledgement of entry 0, which is not in flight (0 entries "
                             "from 0 are)");
    push(&q, 3, 0);
    push(&q, 4, 1);
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 3);
    assert_int_equal(hs_ackq_mark_done(&q, 0, err, sizeof err), HS_ACKQ_UNKNOWN); /* popped */
    assert_string_equal(err, "acknowledgement of entry 0, which is not in flight (1 entries "
                             "from 1 are)");
    assert_int_equal(hs_ackq_mark_done(&q, 2, err, sizeof err), HS_ACKQ_UNKNOWN); /* not yet */
    assert_string_equal(err, "acknowledgement of entry 2, which is not in flight (1 entries "
                             "from 1 are)");
    assert_int_equal(hs_ackq_mark_done(&q, UINT64_MAX, err, sizeof err), HS_ACKQ_UNKNOWN);
    /* none of that marked anything: entry 1 is still out */
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 0);
    assert_int_equal(hs_ackq_used(&q), 1);
    done(&q, 1);
    done(&q, 1); /* twice is no error */
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, NULL), 4);
    hs_ackq_free(&q);
}

/* The reader's test of doneness: a writer's ring head past the entry's end. */
static bool past_head(const struct hs_ackq_entry *e, void *ctx)
{
    const uint64_t *heads = ctx;
    return heads[e->writer] >= e->ring_end;
}

static void a_done_test_replaces_the_marks(void **state)
{
    (void)state;
    struct hs_ackq q;
    uint64_t seq, heads[2] = {0, 0};
    init(&q, 8);
    const struct hs_ackq_entry e[] = {
        {.writer = 0, .ring_end = 3, .count = 3},
        {.writer = 1, .ring_end = 2, .count = 2},
        {.writer = 0, .ring_end = 5, .count = 2},
    };
    for (int i = 0; i < 3; i++)
        assert_int_equal(hs_ackq_push(&q, &e[i], &seq, err, sizeof err), HS_ACKQ_OK);
    done(&q, 0); /* a mark is not what counts with a test */
    assert_int_equal(hs_ackq_pop_done(&q, past_head, heads, NULL), 0);
    heads[1] = 2; /* writer 1 committed the second, writer 0 nothing yet */
    assert_int_equal(hs_ackq_pop_done(&q, past_head, heads, NULL), 0);
    heads[0] = 4; /* the first, not yet the third */
    assert_int_equal(hs_ackq_pop_done(&q, past_head, heads, NULL), 3 + 2);
    assert_int_equal(hs_ackq_used(&q), 1);
    heads[0] = 5;
    assert_int_equal(hs_ackq_pop_done(&q, past_head, heads, NULL), 2);
    assert_int_equal(hs_ackq_used(&q), 0);
    hs_ackq_free(&q);
}

static void partition_numbers_at_and_past_the_limit(void **state)
{
    (void)state;
    static struct hs_partitions t;
    hs_partitions_init(&t);
    assert_null(hs_partitions_get(&t, -1, err, sizeof err));
    assert_string_equal(err, "partition -1 is beyond the 1024 this reader can track");
    assert_ptr_equal(hs_partitions_get(&t, 0, err, sizeof err), &t.p[0]);
    assert_ptr_equal(hs_partitions_get(&t, HS_MAX_PARTITIONS - 1, err, sizeof err), &t.p[1023]);
    assert_null(hs_partitions_get(&t, HS_MAX_PARTITIONS, err, sizeof err));
    assert_string_equal(err, "partition 1024 is beyond the 1024 this reader can track");
    assert_null(hs_partitions_get(&t, INT32_MAX, err, sizeof err));
    assert_string_equal(err, "partition 2147483647 is beyond the 1024 this reader can track");
    assert_null(hs_partitions_get(&t, INT32_MIN, err, sizeof err));

    assert_int_equal(hs_partitions_assign(&t, -1, err, sizeof err), HS_ACKQ_PARTITION);
    assert_int_equal(hs_partitions_assign(&t, HS_MAX_PARTITIONS, err, sizeof err), HS_ACKQ_PARTITION);
    assert_int_equal(hs_partitions_assign(&t, INT32_MAX, err, sizeof err), HS_ACKQ_PARTITION);
    assert_int_equal(hs_partitions_revoke(&t, HS_MAX_PARTITIONS, err, sizeof err), HS_ACKQ_PARTITION);
    assert_int_equal(hs_partitions_assigned(&t), 0);
    assert_int_equal(hs_partitions_assign(&t, 0, err, sizeof err), HS_ACKQ_OK);
    assert_int_equal(hs_partitions_assign(&t, HS_MAX_PARTITIONS - 1, err, sizeof err), HS_ACKQ_OK);
    assert_int_equal(hs_partitions_assigned(&t), 2);
    assert_true(t.p[0].assigned);
    assert_true(t.p[1023].assigned);
    assert_false(t.p[1].assigned);
}

/* Entries of partitions outside the table (the publisher's -1 among them)
 * pop and count, and touch no partition. */
static void entries_outside_the_table_pop_and_commit_nothing(void **state)
{
    (void)state;
    static struct hs_partitions t;
    struct hs_ackq q;
    start(&t, 0, HS_MAX_PARTITIONS - 1, &q);
    const int32_t partitions[] = {-1, HS_MAX_PARTITIONS, INT32_MAX, INT32_MIN};
    for (uint64_t i = 0; i < 4; i++) {
        push_at(&q, partitions[i], 40, 2);
        done(&q, i);
    }
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 8);
    assert_false(t.commit_dirty);
    assert_int_equal(t.p[0].commit_offset, -1);
    assert_int_equal(t.p[1023].commit_offset, -1);
    push_at(&q, HS_MAX_PARTITIONS - 1, 40, 1); /* the last one in the table commits */
    done(&q, 4);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 1);
    assert_true(t.commit_dirty);
    assert_int_equal(t.p[1023].commit_offset, 41);
    hs_ackq_free(&q);
}

static void popping_moves_the_commit_offsets(void **state)
{
    (void)state;
    static struct hs_partitions t;
    struct hs_ackq q;
    start(&t, 3, 7, &q);
    push_at(&q, 3, 100, 4);
    push_at(&q, 7, 50, 5);
    push_at(&q, 3, 101, 6);
    done(&q, 1);
    done(&q, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 0); /* 3@100 holds both back */
    assert_false(t.commit_dirty);
    assert_int_equal(t.p[7].commit_offset, -1);
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 15);
    assert_true(t.commit_dirty);
    assert_int_equal(t.p[3].commit_offset, 102);
    assert_int_equal(t.p[7].commit_offset, 51);
    assert_int_equal(t.p[3].next_offset, -1); /* reads are hs_partition_read's */
    hs_ackq_free(&q);
}

/* A partition revoked while its messages are in flight: they still pop, and
 * their records count, but its commit offset stays where revocation left it. */
static void revocation_while_in_flight(void **state)
{
    (void)state;
    static struct hs_partitions t;
    struct hs_ackq q;
    start(&t, 0, 1, &q);
    push_at(&q, 0, 10, 1);
    push_at(&q, 1, 20, 2);
    push_at(&q, 0, 11, 4);
    push_at(&q, 1, 21, 8);
    done(&q, 0);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 1);
    assert_int_equal(t.p[0].commit_offset, 11);
    t.commit_dirty = false; /* as the reader's commit leaves it */
    assert_int_equal(hs_partitions_revoke(&t, 1, err, sizeof err), HS_ACKQ_OK);
    assert_false(t.p[1].assigned);
    assert_int_equal(t.p[1].commit_offset, -1);
    done(&q, 1);
    done(&q, 3);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 2); /* 0@11 is not done */
    assert_false(t.commit_dirty);
    assert_int_equal(t.p[1].commit_offset, -1);
    done(&q, 2);
    assert_int_equal(hs_ackq_pop_done(&q, NULL, NULL, &t), 4 + 8);
    assert_true(t.commit_dirty);
    assert_int_equal(t.p[0].commit_offset, 12);
    assert_int_equal(t.p[1].commit_offset, -1);
    assert_int_equal(hs_partitions_assigned(&t), 1);
    hs_ackq_free(&q);
}

static void reads_and_what_is_durable(void **state)
{
    (void)state;
    static struct hs_partitions t;
    hs_partitions_init(&t);
    struct hs_partition *pt = hs_partitions_get(&t, 2, err, sizeof err);
    assert_non_null(pt);
    assert_int_equal(hs_partition_durable(pt), -1); /* nothing known */
    pt->next_offset = 40; /* where the reader found it would start */
    assert_int_equal(hs_partition_durable(pt), 40);
    hs_partition_read(pt, 42);
    hs_partition_read(pt, 43);
    assert_int_equal(pt->first_offset, 42);
    assert_int_equal(pt->next_offset, 44);
    assert_int_equal(hs_partition_durable(pt), 42); /* read, not yet committed */
    pt->commit_offset = 43;
    assert_int_equal(hs_partition_durable(pt), 43);
}

static void reassignment_starts_afresh(void **state)
{
    (void)state;
    static struct hs_partitions t;
    hs_partitions_init(&t);
    assert_int_equal(hs_partitions_assign(&t, 5, err, sizeof err), HS_ACKQ_OK);
    struct hs_partition *pt = &t.p[5];
    hs_partition_read(pt, 5);
    hs_partition_read(pt, 6);
    pt->commit_offset = 6;
    assert_int_equal(hs_partitions_revoke(&t, 5, err, sizeof err), HS_ACKQ_OK);
    assert_false(pt->assigned);
    assert_int_equal(pt->next_offset, -1);
    assert_int_equal(pt->commit_offset, -1);
    assert_int_equal(pt->first_offset, -1);
    hs_partition_read(pt, 9); /* a message fetched before the revocation took effect */
    assert_int_equal(hs_partitions_assign(&t, 5, err, sizeof err), HS_ACKQ_OK);
    assert_true(pt->assigned);
    assert_int_equal(pt->next_offset, -1);
    assert_int_equal(pt->commit_offset, -1);
    assert_int_equal(pt->first_offset, -1);
    assert_int_equal(hs_partition_durable(pt), -1);
    assert_int_equal(hs_partitions_assigned(&t), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_acks_release_each_entry),
        cmocka_unit_test(out_of_order_acks_wait_for_the_oldest),
        cmocka_unit_test(a_full_queue_refuses_cleanly),
        cmocka_unit_test(a_queue_of_none_is_always_full),
        cmocka_unit_test(positions_wrap_around),
        cmocka_unit_test(unknown_and_stale_seqs_are_refused),
        cmocka_unit_test(a_done_test_replaces_the_marks),
        cmocka_unit_test(partition_numbers_at_and_past_the_limit),
        cmocka_unit_test(entries_outside_the_table_pop_and_commit_nothing),
        cmocka_unit_test(popping_moves_the_commit_offsets),
        cmocka_unit_test(revocation_while_in_flight),
        cmocka_unit_test(reads_and_what_is_durable),
        cmocka_unit_test(reassignment_starts_afresh),
    };
    return cmocka_run_group_tests_name("ackq", tests, NULL, NULL);
}
