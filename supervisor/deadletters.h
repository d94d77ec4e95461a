/*
 * deadletters.h - the dead letters of the configured table, for a person:
 *
 *   housingsup dead-letters [-c FILE] [--since TIME] [--json]
 *   housingsup replay       [-c FILE] [--source PATTERN] [--reason PATTERN]
 *
 * `dead-letters` lists T_dead_letter: id, when, source, reason, SQLSTATE,
 * whether it was replayed, and an excerpt of its raw input in which every
 * byte a terminal could act on is written as an escape. `replay` sends the
 * chosen ones (PATTERN: SQL LIKE on source / reason) through the same value
 * parser into the table again, once their cause is fixed (replay.c).
 *
 * Exit codes: 0 done (replay: every chosen dead letter landed); 1 a database
 * error, or (replay) some failed again or were skipped; 2 a bad
 * configuration; 64 a bad command line, including a --since PostgreSQL
 * cannot read.
 */
#ifndef HS_DEADLETTERS_H
#define HS_DEADLETTERS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../common/buf.h"
#include "../config/config.h"

#define HS_EXCERPT_BYTES 80 /* input bytes an excerpt shows, at most */

enum hs_dl_command { HS_DL_LIST, HS_DL_REPLAY };

struct hs_dl_args {
    const char *config_path;
    const char *since;  /* list: a timestamp or an interval; NULL: all */
    const char *source; /* replay: SQL LIKE patterns; NULL: any */
    const char *reason;
    bool json;          /* list: one JSON array */
};

/* Reads argv[2..argc) for `command`. Returns 0, or -1 with the reason in
 * err (a usage error: exit 64). */
int hs_dl_parse_args(enum hs_dl_command command, int argc, char **argv, struct hs_dl_args *a,
                     char *err, size_t errlen);

/* Appends at most `max` bytes of raw[0..len) in a form safe on a terminal:
 * printable ASCII and valid UTF-8 as they are, except a backslash (\\),
 * tab, newline and carriage return (\t \n \r), other control bytes and
 * bytes that are not UTF-8 (\xNN), and C1 controls, bidirectional and line
 * separators (\u{XXXX}); then "..." when raw was longer. */
void hs_dl_excerpt(struct hs_buf *out, const char *raw, size_t len, size_t max);

/* Loads the configuration as the workers check it; -1 after saying why on
 * errout. */
int hs_dl_load(const char *path, struct hs_config *cfg, FILE *errout);

/* Connects with the configuration's conninfo and makes sure the dead-letter
 * table has replayed_at. NULL with err filled when it cannot. */
PGconn *hs_dl_connect(const struct hs_config *cfg, const char *app, char *err, size_t errlen);

/* The commands: their exit codes (above). Output to out, errors to err. */
int hs_dl_list(const struct hs_dl_args *a, FILE *out, FILE *err);
int hs_dl_replay(const struct hs_dl_args *a, FILE *out, FILE *err);

#endif
