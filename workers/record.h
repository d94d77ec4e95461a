/*
 * record.h - the unit that travels through the rings: one CSV record, or one
 * dead letter (input that could not become a record, kept with its reason).
 *
 * Items are plain bytes with no pointers, so they mean the same in every
 * process. `src` + `line` name where an item came from; together they are the
 * record's identity in PostgreSQL (unique), which makes replays harmless.
 */
#ifndef HS_RECORD_H
#define HS_RECORD_H

#include <stdint.h>

#define HS_NCOLS 14
#define HS_SRC_MAX 96   /* source name: a CSV file's base name (with "~N" for the Nth
                           replacement of a followed file), or a Kafka position */
#define HS_RAW_MAX 512  /* bytes of a dead letter's raw input kept; longer input is cut */
#define HS_REASON_MAX 200

enum hs_housing_column {
    HS_CRIM, HS_ZN, HS_INDUS, HS_CHAS, HS_NOX, HS_RM, HS_AGE,
    HS_DIS, HS_RAD, HS_TAX, HS_PTRATIO, HS_B, HS_LSTAT, HS_MEDV
};

/* Column names as in the CSV header and the JSON messages, in table order. */
extern const char *const hs_column_names[HS_NCOLS];
/* Whether a column is stored as INTEGER (CHAS, RAD) rather than DOUBLE PRECISION. */
int hs_column_is_integer(int column);

enum hs_item_kind { HS_ITEM_ROW = 1, HS_ITEM_DEAD = 2 };
enum hs_item_flags {
    HS_ITEM_END_OF_BATCH = 1u, /* the CSV reader's batch ends with this item */
};

struct hs_dead_letter {
    char reason[HS_REASON_MAX];
    uint32_t raw_len; /* bytes kept in raw, at most HS_RAW_MAX */
    char raw[HS_RAW_MAX];
};

struct hs_item {
    uint8_t kind;        /* enum hs_item_kind */
    uint8_t flags;       /* enum hs_item_flags */
    uint32_t extra_lines; /* lines the record spans after its first (quoted newlines) */
    uint64_t line;       /* 1-based line in the source file; 0 when not from a file */
    uint64_t end_offset; /* byte offset just past this line in the source file */
    int64_t read_us;     /* when the CSV reader read it, microseconds since the epoch */
    uint64_t file_dev, file_ino; /* the CSV file it came from, for the publisher's checkpoint */
    uint32_t generation; /* times the file at csv_path had been replaced (follow mode) */
    char src[HS_SRC_MAX];
    union {
        double values[HS_NCOLS];
        struct hs_dead_letter dead;
    } u;
};

/* Makes an item taken from a ring safe to use whatever its bytes hold: a
 * ring is shared memory that a crashed or faulty producer may have left
 * half-written or scribbled on. Afterwards its strings end inside their
 * arrays and raw_len is within raw; an item of unknown kind becomes a dead
 * letter that says so (kept, never dropped). Returns 0, or -1 when it had
 * to repair something. */
int hs_item_repair(struct hs_item *it);

#endif
