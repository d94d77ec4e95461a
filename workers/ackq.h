/*
 * ackq.h - work handed on, acknowledged out of order, released in order.
 *
 * Both Kafka roles may forget what they handed on only once the next stage
 * holds it for good: the publisher its batches once Kafka acknowledges them
 * (in order within a partition, in any order across partitions), the Kafka
 * reader its messages once a writer has committed their records to
 * PostgreSQL (each writer at its own pace). Each keeps what it handed on in
 * a struct hs_ackq, oldest first, and releases only the prefix that is done:
 * an entry done before an older one waits for it. Releasing past an entry
 * not yet done would, if the role died then, leave ring slots freed or Kafka
 * offsets committed for records that never arrived.
 *
 * The reader also keeps, per partition, how far it has read and how far that
 * is durable (struct hs_partitions). Popping a durable message moves its
 * partition's committed offset past it, but only while the partition is
 * still assigned: a partition revoked meanwhile belongs to another member,
 * whose progress is its own to commit (the rows are safe either way).
 *
 * Functions that can fail return an enum hs_ackq_rc and say why in `err`;
 * the role logs it. Not thread-safe: each role uses its own from one thread
 * (librdkafka calls the callbacks that mark entries done from the poll).
 */
#ifndef HS_ACKQ_H
#define HS_ACKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/limits.h"

enum hs_ackq_rc {
    HS_ACKQ_OK = 0,
    HS_ACKQ_FULL = -1,      /* no room: pop the done prefix first */
    HS_ACKQ_UNKNOWN = -2,   /* no such entry in flight: never pushed, or popped already */
    HS_ACKQ_PARTITION = -3, /* a partition outside 0 .. HS_MAX_PARTITIONS - 1 */
    HS_ACKQ_NO_MEMORY = -4,
};

struct hs_ackq_entry {
    uint64_t seq;       /* set by hs_ackq_push: 0, 1, 2, ... in push order */
    int32_t partition;  /* the Kafka partition, -1 for none (the publisher's batches) */
    int64_t offset;     /* the message's offset in that partition */
    uint32_t count;     /* records (ring items) it covers, summed by hs_ackq_pop_done */
    uint32_t writer;    /* the reader's test of doneness: the writer ring its records */
    uint64_t ring_end;  /* went to, and that ring's position just past them */
    bool done;          /* set by hs_ackq_mark_done */
};

struct hs_ackq {
    struct hs_ackq_entry *slots;
    uint32_t cap, first, used; /* slots[first] is the oldest of `used` in flight */
    uint64_t first_seq;        /* the seq of slots[first] */
};

/* Room for `cap` entries in flight (a queue of 0 is always full). */
enum hs_ackq_rc hs_ackq_init(struct hs_ackq *q, uint32_t cap, char *err, size_t errlen);
void hs_ackq_free(struct hs_ackq *q);
uint32_t hs_ackq_used(const struct hs_ackq *q);
bool hs_ackq_full(const struct hs_ackq *q);
/* Appends a copy of `e`, not done, as the newest entry; its seq in *seq. */
enum hs_ackq_rc hs_ackq_push(struct hs_ackq *q, const struct hs_ackq_entry *e, uint64_t *seq,
                             char *err, size_t errlen);
/* Marks the entry `seq` done, whatever the state of the entries before it.
 * Marking one done again is no error; a seq not in flight is refused. */
enum hs_ackq_rc hs_ackq_mark_done(struct hs_ackq *q, uint64_t seq, char *err, size_t errlen);

struct hs_partition {
    bool assigned;
    int64_t next_offset;   /* the next offset to read, -1 unknown */
    int64_t commit_offset; /* durable up to here (exclusive), -1 none yet */
    int64_t first_offset;  /* the first read since assigned (durable before it), -1 none */
};

/* Every partition 0 .. HS_MAX_PARTITIONS - 1 of the one topic a reader reads. */
struct hs_partitions {
    struct hs_partition p[HS_MAX_PARTITIONS];
    bool commit_dirty; /* a commit_offset moved; the reader clears it once committed */
};

/* Tests whether an entry is done (the reader: its writer's ring head has
 * passed ring_end, i.e. the records are committed in PostgreSQL). */
typedef bool (*hs_ackq_done_fn)(const struct hs_ackq_entry *e, void *ctx);

/* Pops the done prefix: the oldest entries as long as each is done (by
 * done(e, ctx), or when done is NULL by hs_ackq_mark_done), stopping at the
 * first that is not. With `parts`, each popped entry of a partition still
 * assigned there moves its commit_offset to the entry's offset + 1 (and sets
 * commit_dirty). Returns the sum of the popped entries' counts. */
uint64_t hs_ackq_pop_done(struct hs_ackq *q, hs_ackq_done_fn done, void *ctx,
                          struct hs_partitions *parts);

/* All partitions unassigned, every offset -1, nothing to commit. */
void hs_partitions_init(struct hs_partitions *t);
/* Partition p's entry; NULL, with the reason in err, when p is outside the table. */
struct hs_partition *hs_partitions_get(struct hs_partitions *t, int32_t p, char *err,
                                       size_t errlen);
/* Assigns or revokes p; either way its offsets start again at -1.
 * HS_ACKQ_PARTITION when p is outside the table (it stays unread and uncommitted). */
enum hs_ackq_rc hs_partitions_assign(struct hs_partitions *t, int32_t p, char *err, size_t errlen);
enum hs_ackq_rc hs_partitions_revoke(struct hs_partitions *t, int32_t p, char *err, size_t errlen);
/* How many partitions are assigned. */
int hs_partitions_assigned(const struct hs_partitions *t);
/* The message at `offset` was read from this partition. */
void hs_partition_read(struct hs_partition *pt, int64_t offset);
/* How far the partition is committed in PostgreSQL (exclusive), as Kafka's
 * tools count lag: what was read but is not yet committed still counts.
 * -1 when nothing is known yet. */
int64_t hs_partition_durable(const struct hs_partition *pt);

#endif
