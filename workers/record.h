/*
 * record.h - the unit that travels through the rings: one CSV record, or one
 * dead letter (input that could not become a record, kept with its reason).
 *
 * Items are plain bytes with no pointers, so they mean the same in every
 * process. `src` + `line` name where an item came from; together they are the
 * record's identity in PostgreSQL (unique), which makes replays harmless.
 *
 * An item is a fixed head and a body whose size the table decides (struct
 * hs_layout): a record's body is one struct hs_value per column followed by
 * the text of its text-like values (value.h); a dead letter's is its reason
 * and as much of its raw input as the body holds. A ring slot holds the
 * largest item of the table; only the head and body_len bytes of the body
 * are copied from one ring to the next.
 */
#ifndef HS_RECORD_H
#define HS_RECORD_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/schema.h"
#include "value.h"

#define HS_SRC_MAX 96   /* source name: a CSV file's base name (with "~N" for the Nth
                           replacement of a followed file), or a Kafka position */
#define HS_REASON_MAX 200

enum hs_item_kind { HS_ITEM_ROW = 1, HS_ITEM_DEAD = 2 };
enum hs_item_flags {
    HS_ITEM_END_OF_BATCH = 1u, /* the CSV reader's batch ends with this item */
};

struct hs_dead_letter {
    char reason[HS_REASON_MAX];
    uint32_t raw_len; /* bytes kept in raw, at most hs_layout.raw_cap */
    char raw[];
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
    uint32_t body_len;   /* bytes of body in use */
    char src[HS_SRC_MAX];
    alignas(8) unsigned char body[];
};

/* The sizes every item of one table has. */
struct hs_layout {
    const struct hs_schema *schema;
    int ncols;
    uint32_t body_cap;  /* bytes of body a slot holds */
    uint32_t text_cap;  /* a record's text area: body_cap less its values */
    uint32_t raw_cap;   /* a dead letter's raw bytes */
    uint32_t slot_size; /* the head and body_cap, a multiple of 8 */
};

void hs_layout_of(const struct hs_schema *s, struct hs_layout *l);

static inline struct hs_value *hs_item_values(struct hs_item *it)
{
    return (struct hs_value *)(void *)it->body;
}

static inline const struct hs_value *hs_item_cvalues(const struct hs_item *it)
{
    return (const struct hs_value *)(const void *)it->body;
}

/* A record's text area (value.h: off and len point into it). */
static inline const char *hs_item_text(const struct hs_item *it, int ncols)
{
    return (const char *)it->body + (size_t)ncols * sizeof(struct hs_value);
}

static inline struct hs_dead_letter *hs_item_dead(struct hs_item *it)
{
    return (struct hs_dead_letter *)(void *)it->body;
}

static inline const struct hs_dead_letter *hs_item_cdead(const struct hs_item *it)
{
    return (const struct hs_dead_letter *)(const void *)it->body;
}

/* The bytes of an item to copy: its head and the body in use. */
static inline size_t hs_item_bytes(const struct hs_item *it)
{
    return offsetof(struct hs_item, body) + it->body_len;
}

/* Starts a record: its values, none set, and an empty text area. */
void hs_item_row(struct hs_item *it, const struct hs_layout *l, struct hs_text *text);
/* Ends a record begun by hs_item_row: body_len covers the text used. */
void hs_item_row_done(struct hs_item *it, const struct hs_layout *l, const struct hs_text *text);

/* Makes `it` a dead letter: the reason (cut to HS_REASON_MAX - 1 bytes) and
 * as much of raw[0..len) as the layout holds. */
void hs_item_dead_letter(struct hs_item *it, const struct hs_layout *l, const char *reason,
                         const char *raw, size_t len);

/* Makes an item taken from a ring safe to use whatever its bytes hold: a
 * ring is shared memory that a crashed or faulty producer may have left
 * half-written or scribbled on. Afterwards its strings end inside their
 * arrays, body_len is within the layout, a record's values point inside its
 * text area and a dead letter's raw_len within its raw bytes; an item of
 * unknown kind becomes a dead letter that says so (kept, never dropped).
 * Returns 0, or -1 when it had to repair something. */
int hs_item_repair(struct hs_item *it, const struct hs_layout *l);

#endif
