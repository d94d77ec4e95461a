/*
 * segment.h - the one shared-memory segment of a running housingsup: a
 * control block (flags the supervisor raises, per-child counters) followed
 * by the rings.
 *
 * The supervisor maps it MAP_SHARED|MAP_ANONYMOUS before forking, so only
 * its own children can ever map it: there is no name in /dev/shm for another
 * user (or a stale run) to open, and it vanishes with the last process.
 * The supervisor raises flags in the control block but never reads or
 * writes ring slots, so a child that scribbles on them cannot take it down.
 */
#ifndef HS_SEGMENT_H
#define HS_SEGMENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/limits.h"
#include "../common/roles.h" /* the child slots, HS_MAX_CHILDREN */
#include "../config/config.h"
#include "ring.h"

/* Kinds of trouble a child counts, for Prometheus (errors by role and kind). */
enum hs_error_kind { HS_ERR_POSTGRES, HS_ERR_KAFKA, HS_ERR_INPUT, HS_ERR_KINDS };

#define HS_WAIT_REASON_MAX 200

/* What a child tells about itself; relaxed atomics, read for status only,
 * except the heartbeat, which the supervisor's watchdog acts on. */
struct hs_child_stats {
    _Atomic uint64_t records_in;
    _Atomic uint64_t records_out;
    _Atomic uint64_t dead_letters;
    _Atomic int64_t lag; /* Kafka reader: messages not yet committed in PostgreSQL, all partitions */
    /* child -> supervisor: when its main loop last turned (CLOCK_MONOTONIC ms).
     * Only the loop advances it, never a helper thread, so a child stuck in
     * a call that never returns (or stopped) stops beating. */
    _Atomic int64_t heartbeat_ms;
    /* child -> supervisor: since when it waits on something outside it
     * (0: it is working), and why. `reason` is written between two
     * increments of reason_seq (odd while writing); a reader that sees the
     * same even value before and after its copy has a whole text. */
    _Atomic int64_t waiting_since_ms;
    _Atomic uint32_t reason_seq;
    _Atomic char reason[HS_WAIT_REASON_MAX];
    _Atomic uint64_t errors[HS_ERR_KINDS];
};

/* Consumer lag of one assigned partition, as the Kafka reader last saw it. */
#define HS_MAX_REPORTED_PARTITIONS 64
struct hs_partition_lag {
    _Atomic int32_t partition;
    _Atomic int64_t lag; /* -1 unknown (nothing read from it yet) */
};

struct hs_control {
    _Atomic uint32_t stopping;       /* supervisor -> all: orderly stop has begun */
    _Atomic uint32_t publisher_done; /* supervisor -> Kafka reader: publisher flushed and exited */
    _Atomic uint32_t batch_size;     /* supervisor -> CSV reader, live on reload */
    _Atomic uint32_t log_level;      /* supervisor -> all, live on reload */
    _Atomic uint32_t writers_wanted; /* supervisor -> Kafka reader, live on reload */
    _Atomic uint32_t writers_routed; /* Kafka reader -> writers: messages go only to writers below */
    struct hs_child_stats stats[HS_MAX_CHILDREN];
    /* Kafka reader -> status, relaxed, for display only: a sample taken while
     * the reader rewrites the table may pair a partition with a stale lag. */
    _Atomic uint32_t partitions_reported;
    struct hs_partition_lag partition_lag[HS_MAX_REPORTED_PARTITIONS];
};

struct hs_segment {
    void *base;
    size_t bytes;
    struct hs_control *control;
    struct hs_ring *csv_ring;                    /* CSV reader -> publisher */
    struct hs_ring *writer_ring[HS_MAX_WRITERS]; /* Kafka reader -> writer i */
};

/* The wait reason of a child: set by the child itself, read by anyone (a
 * reader racing a writer retries, and at worst shows "(changing)"). */
void hs_child_set_reason(struct hs_child_stats *cs, const char *text);
void hs_child_reason(struct hs_child_stats *cs, char *out, size_t cap);

/* Maps and initialises the segment. Returns 0, or -1 with a reason in err. */
int hs_segment_create(struct hs_segment *seg, uint32_t ring_slots, uint32_t slot_size,
                      char *err, size_t errlen);
void hs_segment_destroy(struct hs_segment *seg);

#endif
