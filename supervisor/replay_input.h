/*
 * replay_input.h - a dead letter made into the record it holds again, with
 * the identity it had, for `housingsup replay` (replay.c).
 *
 * What a dead letter's raw holds, by how it was made:
 *   - a row PostgreSQL refused (sqlstate set) or an identity collision: the
 *     record's values as one CSV line in the table's column order, in
 *     PostgreSQL's text forms (pg_copy.h), read back with a comma and a
 *     decimal point;
 *   - an object of a Kafka message that did not fit (raw starts with '{'):
 *     that JSON object, read by the Kafka reader's decoder (json.h);
 *   - a CSV line that did not parse or fit: the line as read (UTF-8, or its
 *     bytes when it was not valid in the file's encoding). Its fields are
 *     named by its file's header, so the file is found again under
 *     csv_path by its identity (src_file) and read as the CSV reader reads
 *     it, with the configuration as it is now (a new `encoding` applies);
 *   - a whole Kafka message that is not a batch (source
 *     "kafka:topic/partition@offset", no ":line"): no record identity.
 * The record's identity is the dead letter's source, "<src_file>:<line>".
 */
#ifndef HS_REPLAY_INPUT_H
#define HS_REPLAY_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../workers/record.h"

enum hs_replay_input {
    HS_REPLAY_RECORD = 0, /* `item` is the record */
    HS_REPLAY_INVALID,    /* it still does not parse or fit: why */
    HS_REPLAY_SKIP,       /* it cannot be replayed at all: why */
};

/* One dead letter as read from its table. */
struct hs_replay_letter {
    const char *source, *reason, *sqlstate; /* sqlstate NULL when none */
    const char *raw;
    size_t raw_len;
};

/* Splits "<src_file>:<line>" (line: digits, at least 1). Returns 0, or -1
 * when the source names no record (a whole Kafka message). */
int hs_replay_identity(const char *source, char src[HS_SRC_MAX], uint64_t *line);

/* Makes `item` (a slot of layout `l`) the record the dead letter holds.
 * `why` gets the reason for INVALID and SKIP. */
enum hs_replay_input hs_replay_input(const struct hs_config *cfg, const struct hs_layout *l,
                                     const struct hs_replay_letter *d, struct hs_item *item,
                                     char *why, size_t whylen);

#endif
