/*
 * record.c - see record.h.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

#define DEAD_HEAD offsetof(struct hs_dead_letter, raw)

static uint32_t round8(size_t n) { return (uint32_t)((n + 7) & ~(size_t)7); }

void hs_layout_of(const struct hs_schema *s, struct hs_layout *l)
{
    /* A record's values, plus a byte per column: a numeric such as ".5" is
     * kept as "0.5", one byte longer than its input. */
    size_t values = (size_t)s->ncols * (sizeof(struct hs_value) + 1);
    size_t head = values > DEAD_HEAD ? values : DEAD_HEAD;
    l->schema = s;
    l->ncols = s->ncols;
    l->body_cap = round8(head + (size_t)s->max_row_bytes);
    l->text_cap = l->body_cap - (uint32_t)((size_t)s->ncols * sizeof(struct hs_value));
    l->raw_cap = l->body_cap - (uint32_t)DEAD_HEAD;
    l->slot_size = round8(offsetof(struct hs_item, body) + l->body_cap);
}

void hs_item_row(struct hs_item *it, const struct hs_layout *l, struct hs_text *text)
{
    it->kind = HS_ITEM_ROW;
    text->data = (char *)it->body + (size_t)l->ncols * sizeof(struct hs_value);
    text->used = 0;
    text->cap = l->text_cap;
}

void hs_item_row_done(struct hs_item *it, const struct hs_layout *l, const struct hs_text *text)
{
    it->body_len = (uint32_t)((size_t)l->ncols * sizeof(struct hs_value)) + text->used;
}

void hs_item_dead_letter(struct hs_item *it, const struct hs_layout *l, const char *reason,
                         const char *raw, size_t len)
{
    struct hs_dead_letter *d = hs_item_dead(it);
    it->kind = HS_ITEM_DEAD;
    snprintf(d->reason, sizeof d->reason, "%s", reason);
    d->raw_len = (uint32_t)(len < l->raw_cap ? len : l->raw_cap);
    memmove(d->raw, raw, d->raw_len); /* raw may be this item's own bytes */
    it->body_len = (uint32_t)DEAD_HEAD + d->raw_len;
}

/* Ends s within its array; -1 when it had no end there. */
static int terminate(char *s, size_t cap)
{
    if (memchr(s, '\0', cap) != NULL)
        return 0;
    s[cap - 1] = '\0';
    return -1;
}

static int repair_dead(struct hs_item *it, const struct hs_layout *l)
{
    struct hs_dead_letter *d = hs_item_dead(it);
    int rc = terminate(d->reason, sizeof d->reason);
    if (d->raw_len > l->raw_cap) {
        d->raw_len = l->raw_cap;
        rc = -1;
    }
    it->body_len = (uint32_t)DEAD_HEAD + d->raw_len;
    return rc;
}

/* A value whose bytes would lie outside the text area becomes NULL. */
static int repair_row(struct hs_item *it, const struct hs_layout *l)
{
    size_t values = (size_t)l->ncols * sizeof(struct hs_value);
    if (it->body_len < values || it->body_len > l->body_cap) {
        hs_item_dead_letter(it, l, "corrupt ring slot (record length)", "", 0);
        return -1;
    }
    uint32_t used = it->body_len - (uint32_t)values;
    struct hs_value *v = hs_item_values(it);
    int rc = 0;
    for (int c = 0; c < l->ncols; c++) {
        if (!hs_type_uses_text(l->schema->cols[c].type) || v[c].len == HS_VALUE_NULL)
            continue;
        if (v[c].off > used || v[c].len > used - v[c].off) {
            v[c].len = HS_VALUE_NULL;
            rc = -1;
        }
    }
    return rc;
}

int hs_item_repair(struct hs_item *it, const struct hs_layout *l)
{
    int rc = terminate(it->src, sizeof it->src);
    if (it->kind != HS_ITEM_ROW && it->kind != HS_ITEM_DEAD) {
        char reason[HS_REASON_MAX];
        snprintf(reason, sizeof reason, "corrupt ring slot (item kind %u)", (unsigned)it->kind);
        hs_item_dead_letter(it, l, reason, "", 0);
        return -1;
    }
    if (it->kind == HS_ITEM_ROW)
        return repair_row(it, l) | rc;
    return repair_dead(it, l) | rc;
}
