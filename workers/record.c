/*
 * record.c - the fixed facts about a housing record's columns.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

const char *const hs_column_names[HS_NCOLS] = {
    "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE",
    "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT", "MEDV"};

int hs_column_is_integer(int column) { return column == HS_CHAS || column == HS_RAD; }

/* Ends s within its array; -1 when it had no end there. */
static int terminate(char *s, size_t cap)
{
    if (memchr(s, '\0', cap) != NULL)
        return 0;
    s[cap - 1] = '\0';
    return -1;
}

int hs_item_repair(struct hs_item *it)
{
    int rc = terminate(it->src, sizeof it->src);
    if (it->kind != HS_ITEM_ROW && it->kind != HS_ITEM_DEAD) {
        char reason[HS_REASON_MAX];
        snprintf(reason, sizeof reason, "corrupt ring slot (item kind %u)", (unsigned)it->kind);
        it->kind = HS_ITEM_DEAD;
        memcpy(it->u.dead.reason, reason, sizeof reason);
        it->u.dead.raw_len = 0;
        return -1;
    }
    if (it->kind == HS_ITEM_ROW)
        return rc;
    rc |= terminate(it->u.dead.reason, sizeof it->u.dead.reason);
    if (it->u.dead.raw_len > HS_RAW_MAX) {
        it->u.dead.raw_len = HS_RAW_MAX;
        rc = -1;
    }
    return rc;
}
