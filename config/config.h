/*
 * config.h - housingsup's configuration, read with libconfuse.
 *
 * The whole configuration is one flat struct of fixed-size fields so it can
 * be copied by value: the supervisor parses a reload into a fresh struct and
 * swaps it in only when it is valid, and children inherit it through fork().
 * Relative paths are made absolute against the working directory at load
 * time, because the daemon later changes its directory to "/".
 */
#ifndef HS_CONFIG_H
#define HS_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "schema.h"

#define HS_DEFAULT_CONFIG "config/housingsup.conf"

/* Passed to librdkafka as security.protocol, sasl.*, ssl.*; empty = not set. */
struct hs_kafka_security {
    char protocol[32];
    char sasl_mechanism[32];
    char sasl_username[256];
    char sasl_password[256];
    char ssl_ca_location[PATH_MAX];
    char ssl_certificate_location[PATH_MAX];
    char ssl_key_location[PATH_MAX];
    char ssl_key_password[256];
};

/* Warnings of one load (a password readable by others); the caller prints them. */
#define HS_CONFIG_MAX_WARNINGS 4
#define HS_CONFIG_WARNING_MAX 640

struct hs_config {
    char path[PATH_MAX];        /* the file this was read from */
    char csv_path[PATH_MAX];    /* a CSV file, or a directory of them */
    int follow;                 /* keep reading what is appended / added (tail -F) */
    char encoding[64];          /* the CSV files' encoding: "auto" or a name iconv knows */
    char delimiter[16];         /* auto, comma, semicolon, tab, pipe, whitespace */
    char decimal_comma[8];      /* auto, true, false */
    char header[8];             /* auto, true, false: whether the first line names the columns */
    char state_dir[PATH_MAX];
    int batch_size;             /* CSV records per Kafka message */
    int writers;                /* PostgreSQL writer processes */
    int log_level;              /* enum hs_log_level */
    int ring_slots;             /* slots per shared-memory ring, a power of two */
    int writer_batch;           /* most rows one writer commits in one transaction */
    int stop_timeout;           /* seconds an orderly stop may take before SIGKILL */
    int watchdog_timeout;       /* seconds without a heartbeat before a child is killed, 0 = never */
    int rate_limit;             /* CSV records read per second, 0 = as fast as possible */
    char metrics_address[256];  /* where the Prometheus endpoint listens */
    int metrics_port;           /* 0 = no metrics endpoint */
    char bootstrap_servers[1024];
    char topic[256];
    int partitions;
    int replication_factor;
    char group_id[256];
    int max_message_bytes;
    char compression[16];       /* the producer's compression.codec */
    struct hs_kafka_security kafka_security;
    char pg_conninfo[1024];     /* postgres.conninfo; with password_file, its password added */
    char pg_sslmode[16];        /* empty = libpq's default (PGSSLMODE, else prefer) */
    struct hs_schema schema;    /* the table written to (the `table` section) */
    int nwarnings;
    char warnings[HS_CONFIG_MAX_WARNINGS][HS_CONFIG_WARNING_MAX];
};

/* Reads `path` into `cfg`: syntax, types and ranges; the password of each
 * `*_file` setting from its file (pg_conninfo then holds the
 * postgres.password_file password, added by libpq's parser). A file that
 * holds a password and that others can read is a warning in cfg->warnings. What the values mean to
 * the workers (an encoding iconv knows, a batch that fits a message) is
 * checked above this layer, by hs_settings_load (workers/settings.h).
 * Returns 0, or -1 with a one-line reason in `err`. */
int hs_config_load(const char *path, struct hs_config *cfg, char *err, size_t errlen);

/* Prints every key of the schema with the value `path` gives it, secrets
 * masked, `*_file` settings as their paths (`housingsup config`). Returns 0, or -1 with a reason in `err`. */
int hs_config_print(const char *path, FILE *out, char *err, size_t errlen);

#endif
