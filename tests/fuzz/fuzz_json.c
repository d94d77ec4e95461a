/*
 * fuzz_json.c - libFuzzer target for the Kafka message decoder (workers/json.c).
 *
 * Oracles: the sanitizers; every decoded item is a record or a dead letter
 * within its bounds; a message of ASCII without NUL (so any non-ASCII text
 * comes from \u escapes) gives dead letters whose reason and raw are valid
 * UTF-8; and every decoded record, encoded again and decoded, comes back bit
 * for bit (the encoder and decoder agree on everything the decoder can
 * produce).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../workers/json.h"
#include "../../workers/utf8.h"
#include "../housing.h"

static struct hs_json_decoder decoder, again;

static int same_record(const struct hs_item *item, void *ctx)
{
    const struct hs_item *want = ctx;
    if (item->kind != HS_ITEM_ROW || item->line != want->line ||
        item->body_len != want->body_len || memcmp(item->body, want->body, want->body_len) != 0)
        __builtin_trap();
    return 0;
}

static int check_dead(const struct hs_item *item, int ascii_message)
{
    const struct hs_dead_letter *d = hs_item_cdead(item);
    if (d->raw_len > housing_layout()->raw_cap || memchr(d->reason, 0, HS_REASON_MAX) == NULL)
        __builtin_trap();
    size_t reason_len = strlen(d->reason);
    if (ascii_message && (hs_utf8_invalid_at(d->reason, reason_len) != reason_len ||
                          hs_utf8_invalid_at(d->raw, d->raw_len) != d->raw_len))
        __builtin_trap();
    return 0;
}

static int check_item(const struct hs_item *item, void *ctx)
{
    if (item->kind == HS_ITEM_DEAD)
        return check_dead(item, *(const int *)ctx);
    if (item->kind != HS_ITEM_ROW)
        __builtin_trap();
    struct hs_buf buf = {0};
    hs_json_encode(&buf, &item, 1, housing_layout(), (size_t)-1);
    char err[256];
    if (!hs_buf_failed(&buf) &&
        hs_json_decode(&again, buf.data, buf.len, "x", "p", same_record, (void *)item, err, sizeof err) != 1)
        __builtin_trap();
    hs_buf_free(&buf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    int ascii = 1; /* bytes 01..7F only */
    for (size_t i = 0; i < size && ascii; i++)
        ascii = data[i] - 1u < 0x7fu;
    if (decoder.item == NULL && (hs_json_decoder_init(&decoder, housing_layout()) != 0 ||
                                 hs_json_decoder_init(&again, housing_layout()) != 0))
        __builtin_trap();
    hs_json_decode(&decoder, (const char *)data, size, "fuzz", "p", check_item, &ascii, err, sizeof err);
    return 0;
}
