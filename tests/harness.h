/*
 * harness.h - what the integration tests share: running housingsup, asking
 * PostgreSQL and Kafka what actually arrived, and computing the expected
 * figures straight from a CSV file (independently of the project's parser).
 *
 * Environment (set by tests/run.sh from scripts/stack.sh): HOUSINGSUP_BIN,
 * HS_KAFKA_BOOTSTRAP, and the libpq PG* variables.
 */
#ifndef HS_HARNESS_H
#define HS_HARNESS_H

#include <stddef.h>

#include "../common/limits.h" /* the state directory's file names */

struct run {
    char dir[512];       /* per-test state directory */
    char config[600];    /* its config file */
    char topic[128];
    char csv[600];
    char src[128];       /* the CSV's base name, as stored in housing.src_file */
};

struct csv_figures {
    long rows;
    double sum[14];
    double min_medv, max_medv;
};

/* Creates a fresh run: state dir, unique topic and group, config file with
 * `extra` appended (libconfuse syntax). */
void run_init(struct run *r, const char *name, const char *csv_path, const char *extra);
/* Runs HOUSINGSUP_BIN with `command` ("start", "status --json", ...: words
 * split at spaces) and "-c <the run's config>";
 * returns its exit code, its output (stdout and stderr) in out. */
int run_housingsup(const struct run *r, const char *command, char *out, size_t cap);
/* `housingsup start`; fails the test unless it exits 0. */
void run_start(const struct run *r);
/* Runs HOUSINGSUP_BIN with the words of `command` and no configuration
 * ("infer FILE --table T"); its exit code, its output in out. */
int run_cli(const char *command, char *out, size_t cap);
/* `housingsup stop`; fails the test unless every ring was emptied (exit 0,
 * "stopped cleanly, rings empty"). */
void run_stop_cleanly(const struct run *r);
/* Rewrites the run's config with another `extra`. */
void run_rewrite_config(const struct run *r, const char *extra);
/* The supervisor's pid from the run's pid file. */
int run_supervisor_pid(const struct run *r);
/* The pid of a running child (by role name) from the status file, or 0. */
int run_child_pid(const struct run *r, const char *role);
/* Field `column` (0-based, whitespace-separated) of the role's status line, or -1. */
long run_status_field(const struct run *r, const char *role, int column);
/* A Python expression (no single quotes) over `d`, the run's status.json as
 * Python's json module reads it, as an integer; fails the test if it cannot. */
long run_status_json(const struct run *r, const char *expr);
/* True when `pid` is a live child of `parent` (guards against killing a reused pid). */
int is_child_of(int pid, int parent);
/* True when the run's log contains `text`. */
int run_log_contains(const struct run *r, const char *text);
/* Polls the log for `text` up to timeout_s; true when it appeared. */
int run_log_wait_for(const struct run *r, const char *text, int timeout_s);

/* Writes a CSV of `rows` records scaled from data/housing.csv (scripts/gen_csv.py)
 * to build/it/NAME-PID.csv, every bad_every-th line bad (0: none); path in out. */
void generate_csv(char *out, size_t cap, const char *name, long rows, int bad_every);

/* Writes the text file `from` to `to` in Python codec `codec` ("utf-16-le",
 * "cp1252", ...), with a byte-order mark (U+FEFF encoded) when bom, and
 * CRLF newlines when crlf; gzip-compressed when `to` ends in ".gz". */
void encode_csv(const char *from, const char *to, const char *codec, int bom, int crlf);
/* The same in another layout (tests/fixture.py): "seed" (a comma header over rows aligned
 * with spaces), "euro" (semicolons, decimal commas), "tab", "pipe", "spaces", "bare". */
void layout_csv(const char *from, const char *to, const char *codec, int bom, int crlf,
                const char *layout);

/* PostgreSQL: the value of a one-row one-column query (empty string on NULL). */
double sql_double(const char *query);
long sql_long(const char *query);
void sql_exec(const char *query);
/* The one value a query returns, as text. */
char *sql_text(const char *query, char *out, size_t cap);
/* COPY ... FROM STDIN with `data` as its input. */
void sql_copy_in(const char *copy, const char *data, size_t len);
/* Polls until `query` returns `expect` or `timeout_s` passes; returns the last value. */
long sql_wait_for(const char *query, long expect, int timeout_s);

/* Kafka: messages on all partitions of a topic (high - low watermarks). */
long kafka_message_count(const char *topic);

/* Kafka: creates `topic` with `partitions` partitions and, unless `name` is
 * NULL, one topic setting (e.g. "max.message.bytes"), as an operator may have. */
void kafka_create_topic(const char *topic, int partitions, const char *name, const char *value);

/* Kafka: sets a topic's settings to just name = value (AlterConfigs). */
void kafka_alter_topic(const char *topic, const char *name, const char *value);

/* Kafka: produces one message (key may be NULL) and waits for its acknowledgement. */
void kafka_produce(const char *topic, const char *key, const char *payload, size_t len);

/* Writes a random plain decimal into text (at least 64 bytes): an optional
 * minus, 1-17 digits, 0-24 of them after the point (rand()). */
void random_decimal(char *text);

/* Reads a CSV with header CRIM..MEDV in table order and sums its columns. */
void csv_figures(const char *path, struct csv_figures *f);
/* The same, leaving out the good records on lines where line % modulus ==
 * remainder (as a constraint refusing them would); returns how many. */
long csv_figures_except(const char *path, long modulus, long remainder, struct csv_figures *f);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int free_port(void);
/* GET `path` from 127.0.0.1:port; the whole reply in out. -1 if no connection. */
int http_get(int port, const char *path, char *out, size_t cap);
/* Sum of the values of every sample line of a Prometheus text starting with `prefix`. */
double metric_sum(const char *text, const char *prefix);

#endif
