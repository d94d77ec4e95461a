/*
 * limits.h - limits that more than one layer must agree on. Each is checked
 * where the value comes in (config/config.c) and relied on where it is used.
 */
#ifndef HS_LIMITS_H
#define HS_LIMITS_H

/* Partitions of the topic one Kafka reader tracks: its per-partition arrays
 * (workers/kafka_reader.c) have this many entries, and kafka.partitions may
 * not ask for more. A reader assigned a partition beyond it refuses that one. */
#define HS_MAX_PARTITIONS 1024

#endif
