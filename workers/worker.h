/*
 * worker.h - what every child process gets from the supervisor, and the
 * checks every child's main loop makes.
 *
 * A child learns that the supervisor died from `parent_fd`, the read end of
 * a pipe whose write end only the supervisor holds: when it reads EOF the
 * supervisor is gone and the child exits without acknowledging anything, so
 * the next run redoes whatever was in flight.
 */
#ifndef HS_WORKER_H
#define HS_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"
#include "../shm/segment.h"

struct hs_worker {
    const struct hs_config *cfg;
    struct hs_segment *seg;
    int slot;      /* enum hs_role, or HS_ROLE_WRITER0 + writer number */
    int parent_fd; /* read end of the supervisor's death pipe */
    struct hs_child_stats *stats;
};

/* Once per loop: beats the heartbeat, follows live settings (log level) and
 * reports whether the supervisor is gone, in which case the child should
 * exit at once. */
bool hs_worker_orphaned(struct hs_worker *w);

/* The child's own worker, for code below the roles (libpq waits, librdkafka
 * callbacks) that must beat or report a wait. Set once at the child's start. */
void hs_worker_begin(struct hs_worker *w);
/* Beats the heartbeat: the child is alive and its loop turns. Call from any
 * wait that can last longer than a moment. */
void hs_worker_beat(void);
/* Sleeps ms milliseconds, beating; returns early (false) when the supervisor
 * is gone or a stop has begun. */
bool hs_worker_sleep_ms(int ms);
/* The child waits on something outside it (a server down, a lock): status
 * shows `reason` and for how long. The time counts from the first report of
 * the same `kind` ("postgres", "kafka", ...) since the child last worked. */
void hs_worker_waiting(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The wait is over: status shows the child working again. */
void hs_worker_working(void);
/* Counts one error of a kind, for the errors-by-kind metric. */
void hs_worker_error(enum hs_error_kind kind);
bool hs_worker_stopping(const struct hs_worker *w);

/* The roles. Each returns the process exit code (see exitcodes.h). */
int hs_csv_reader_main(struct hs_worker *w);
int hs_publisher_main(struct hs_worker *w);
int hs_kafka_reader_main(struct hs_worker *w);
int hs_pg_writer_main(struct hs_worker *w);

#endif
