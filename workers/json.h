/*
 * json.h - the Kafka message format: one JSON array per CSV micro-batch.
 *
 *   [{"_line":2,"_ts":1764036000000000,"crim":0.00632,...,"medv":24},
 *    {"_line":9,"_error":"medv is not a double precision: 'x'","_raw":"0.1,..."}]
 *
 * An object keyed by the table's columns is a record; "_line" is its source
 * line and "_ts" when it was read (both optional for other producers). An
 * object with "_error" is a dead letter travelling to the dead-letter table.
 * Keys match a column's name or its CSV header, in any case; values may be
 * JSON numbers, strings, booleans or null; a column left out is NULL when it
 * may be, and the object a dead letter when not.
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stddef.h>

#include "../common/buf.h"
#include "record.h"

/* Appends items[0..n) as one JSON array to out, and returns how many it
 * took: all of them, or fewer when the next would make the array longer
 * than `limit` bytes (at least one, whatever its size). */
size_t hs_json_encode(struct hs_buf *out, const struct hs_item *const *items, size_t n,
                      const struct hs_layout *l, size_t limit);

/*
 * The most bytes one item of the table encodes to, so that
 * kafka.max_message_bytes can be checked before anything is sent. Every
 * object starts with "_line" and "_ts" (64-bit integers: at most 20
 * characters each, "-9223372036854775808"). A record adds each column's key
 * and value: a value kept as text may need \u00XX (6 bytes) for every byte
 * of the text area, any other at most 40 characters; a dead letter adds its
 * reason and raw bytes, every one of which may need \u00XX.
 * tests/unit/test_json.c encodes the worst cases and checks the bound.
 */
#define HS_JSON_INT_MAX 20
#define HS_JSON_HEAD_MAX (sizeof "{\"_line\":,\"_ts\":" - 1 + 2 * HS_JSON_INT_MAX)
size_t hs_json_object_max(const struct hs_layout *l);

struct hs_json_decoder {
    void *tokens; /* jsmn tokens, reused between messages */
    unsigned cap;
    const struct hs_layout *layout;
    struct hs_item *item;     /* the item being decoded, a slot's size */
    unsigned char *have;      /* which columns the object named */
    char *unescaped;          /* a string value, unescaped */
    size_t unescaped_cap;
};

/* Gets a decoder ready for the items of layout `l`. Returns 0, or -1 when
 * out of memory (free it with hs_json_decoder_free either way). */
int hs_json_decoder_init(struct hs_json_decoder *d, const struct hs_layout *l);

/* Called once per decoded item; a non-zero return stops decoding. */
typedef int (*hs_json_item_fn)(const struct hs_item *item, void *ctx);

/*
 * Decodes one message. Every object becomes an item: a record, or a dead
 * letter when the object itself is bad. An object with "_line" in a message
 * from housingsup's publisher (`src` not NULL: the key named its source) is
 * that source's line; any other object is named `position` (where the message
 * is in Kafka) and numbered by its place in the array (1-based), so records
 * of two foreign messages never share an identity.
 * Returns the number of items, or -1 when the message as a whole is not a
 * JSON array of objects (reason in err), or -2 when `fn` stopped it.
 */
int hs_json_decode(struct hs_json_decoder *d, const char *msg, size_t len, const char *src,
                   const char *position, hs_json_item_fn fn, void *ctx, char *err, size_t errlen);

void hs_json_decoder_free(struct hs_json_decoder *d);

#endif
