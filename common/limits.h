/*
 * limits.h - limits and names that more than one layer must agree on. Each
 * limit is checked where the value comes in (config/config.c) and relied on
 * where it is used. In common/, the bottom layer (libc only).
 */
#ifndef HS_LIMITS_H
#define HS_LIMITS_H

/* Partitions of the topic one Kafka reader tracks: its per-partition table
 * (struct hs_partitions, workers/ackq.h) has this many entries, and
 * kafka.partitions may not ask for more. A reader assigned a partition beyond
 * it refuses that one. */
#define HS_MAX_PARTITIONS 1024

/* PostgreSQL writer processes: the shared segment has a ring for each
 * (shm/segment.h), and writers may not ask for more. */
#define HS_MAX_WRITERS 16

/* Columns of the table housingsup writes (the configuration's `table`
 * section): PostgreSQL's own limit for a table. */
#define HS_MAX_COLUMNS 1600

/* The files of the state directory (state_dir in the configuration). */
#define HS_STATUS_FILE "status"          /* the status table, rewritten every second */
#define HS_STATUS_JSON_FILE "status.json" /* the same as one JSON object */
#define HS_CHECKPOINT_FILE "csv.checkpoint" /* how far the CSV input is acknowledged */
#define HS_PID_FILE "housingsup.pid"     /* the supervisor's pid, locked while it runs */
#define HS_LOG_FILE "housingsup.log"     /* the log of a supervisor in the background */

#endif
