/*
 * status.h - what the supervisor reports about the pipeline, in one
 * snapshot taken twice a second, and the three forms it is shown in:
 *
 *   state_dir/status       the table `housingsup status` prints
 *   state_dir/status.json  the same as one JSON object (`status --json`)
 *   /metrics               Prometheus text format (metrics.c)
 *
 * The files are written to a temporary name and renamed, so a reader always
 * sees one whole, consistent snapshot and never talks to the live process.
 */
#ifndef HS_STATUS_H
#define HS_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "../shm/segment.h"
#include "../common/buf.h"

struct hs_status_row {
    const char *role;
    int pid;                /* 0 when not running */
    const char *state;
    int restarts;
    long uptime_s;
    uint64_t records_in, records_out, dead_letters;
    double rate;            /* records out per second over the last second or so */
    long long lag;          /* Kafka reader: messages behind, all partitions; else -1 */
    long ring_fill, ring_cap; /* -1 when the role has no input ring */
    const char *last_exit;
    const char *reason;     /* why it waits, stalls, restarts or failed; "" when it works */
    long idle_s;            /* seconds since its records_out last moved */
    uint64_t errors[HS_ERR_KINDS];
    int watchdog_kills;
};

struct hs_status_partition {
    int32_t partition;
    int64_t lag;            /* messages behind the high watermark, -1 unknown */
};

/* The supervisor's own phase, after PostgreSQL's PMState: it only moves
 * forward, and supervisor.c changes it in one place, which logs each change.
 *   starting          set-up before the first child (pid file, shared memory)
 *   running           children supervised and restarted
 *   draining          a stop was asked for: the CSV reader stops, the publisher
 *                     and then the Kafka reader drain; writers keep writing
 *   draining-writers  the Kafka reader has finished: the writer rings are
 *                     closed and the writers empty them
 *   stopped           every child has exited (or was killed at stop_timeout) */
enum hs_phase {
    HS_PHASE_STARTING,
    HS_PHASE_RUNNING,
    HS_PHASE_DRAINING,
    HS_PHASE_DRAINING_WRITERS,
    HS_PHASE_STOPPED,
    HS_PHASES
};
/* "starting", "running", ...: the word status, the log and metrics show. */
const char *hs_phase_name(enum hs_phase phase);

struct hs_status {
    const char *state;      /* "running", "stopping", "stopped cleanly, rings empty", ... */
    int pid;
    long uptime_s;
    enum hs_phase phase;
    const char *config, *csv, *topic, *table;
    int writers, batch_size;
    uint64_t dead_letters;  /* stored in the dead-letter table (the writers' count) */
    int64_t lag;            /* all partitions together, -1 unknown */
    struct hs_status_row rows[HS_MAX_CHILDREN];
    int nrows;
    struct hs_status_partition partitions[HS_MAX_REPORTED_PARTITIONS];
    int npartitions;
    const char *health;     /* "healthy", "degraded", "stalled" (health.h) */
    char health_reason[512];
};

void hs_status_path(const char *state_dir, char *out, size_t cap);
void hs_status_json_path(const char *state_dir, char *out, size_t cap);
/* Renders the table / the JSON object into b (appending). */
void hs_status_render_table(const struct hs_status *st, struct hs_buf *b);
void hs_status_render_json(const struct hs_status *st, struct hs_buf *b);
/* The members of that object without its braces, for an object that adds
 * its own (the web endpoint's /status.json adds the history). */
void hs_status_render_json_members(const struct hs_status *st, struct hs_buf *b);
/* The supervisor's last words in status, after an orderly stop that emptied
 * every ring, and after one that could not. */
#define HS_STATE_STOPPED_CLEANLY "stopped cleanly, rings empty"
#define HS_STATE_STOPPED_LEFT "stopped with records left"

/* The string value of the member `key` of the JSON object `text` (its own
 * members, not those of the objects inside it), into out. -1 when there is
 * no such member, its value is not a string, holds an escape (the words
 * read this way never have one) or does not fit in cap. */
int hs_status_json_member(const char *text, const char *key, char *out, size_t cap);
/* The `state` and the `health` of the snapshot in a state directory's
 * status.json, into out; -1 when there is none. */
int hs_status_read_state(const char *state_dir, char *out, size_t cap);
int hs_status_read_health(const char *state_dir, char *out, size_t cap);
/* Writes both files of a state directory. Returns 0, or -1 with the reason
 * in `err`. */
int hs_status_write(const char *state_dir, const struct hs_status *st, char *err, size_t errlen);

#endif
