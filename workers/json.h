/*
 * json.h - the Kafka message format: one JSON array per CSV micro-batch.
 *
 *   [{"_line":2,"_ts":1764036000000000,"CRIM":0.00632,...,"MEDV":24},
 *    {"_line":9,"_error":"MEDV is not a number: 'x'","_raw":"0.1,..."}]
 *
 * An object with the 14 columns is a record; "_line" is its source line and
 * "_ts" when it was read (both optional for other producers). An object with
 * "_error" is a dead letter travelling to the dead-letter table. Column names
 * match case-insensitively and numbers may also come as strings.
 */
#ifndef HS_JSON_H
#define HS_JSON_H

#include <stddef.h>

#include "../common/buf.h"
#include "record.h"

/* Appends items[0..n) as one JSON array to out. */
void hs_json_encode(struct hs_buf *out, const struct hs_item *const *items, size_t n);

/*
 * The most bytes hs_json_encode writes, so that a batch_size can be checked
 * against kafka.max_message_bytes before anything is sent. Every object
 * starts with "_line" and "_ts" (64-bit integers: at most 20 characters
 * each, "-9223372036854775808"). A row adds 14 numbers of at most 24
 * characters each ("-1.2345678901234567e-308", %.17g); a dead letter adds
 * its reason and raw text, every byte of which may need \u00XX (6 bytes).
 * The column keys (",\"CRIM\":" ...) come to 105 bytes. tests/unit/test_json.c
 * encodes the worst cases and checks these figures.
 */
#define HS_JSON_INT_MAX 20
#define HS_JSON_NUMBER_MAX 24
#define HS_JSON_HEAD_MAX (sizeof "{\"_line\":,\"_ts\":" - 1 + 2 * HS_JSON_INT_MAX)
#define HS_JSON_ROW_MAX (HS_JSON_HEAD_MAX + 105 + HS_NCOLS * HS_JSON_NUMBER_MAX + 1)
#define HS_JSON_DEAD_MAX (HS_JSON_HEAD_MAX + sizeof ",\"_error\":\"\",\"_raw\":\"\"" - 1 + \
                          6 * (HS_REASON_MAX + HS_RAW_MAX) + 1)
#define HS_JSON_OBJECT_MAX (HS_JSON_DEAD_MAX > HS_JSON_ROW_MAX ? HS_JSON_DEAD_MAX : HS_JSON_ROW_MAX)
/* A message of n >= 1 items: the brackets, n objects and the n - 1 commas between them. */
#define HS_JSON_BATCH_MAX(n) (1 + (size_t)(n) * (HS_JSON_OBJECT_MAX + 1))

struct hs_json_decoder {
    void *tokens; /* jsmn tokens, reused between messages */
    unsigned cap;
};

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
