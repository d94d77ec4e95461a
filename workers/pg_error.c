/*
 * pg_error.c - see pg_error.h.
 */
#include "pg_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_schema.h"

static bool per_row(const char *sqlstate)
{
    static const char *const row_states[] = {"P0001", "P0004", "54000"};
    if (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0)
        return true;
    for (size_t i = 0; i < sizeof row_states / sizeof row_states[0]; i++)
        if (strcmp(sqlstate, row_states[i]) == 0)
            return true;
    return false;
}

enum hs_pg_class hs_pg_classify(const char *sqlstate, const char *constraint, const char *table)
{
    char identity[HS_PG_NAME_MAX];
    if (sqlstate == NULL || strlen(sqlstate) != 5)
        return HS_PG_SYSTEM;
    hs_pg_schema_name(table, HS_PG_IDENTITY_SUFFIX, identity);
    if (strcmp(sqlstate, "23505") == 0 && constraint != NULL && strcmp(constraint, identity) == 0)
        return HS_PG_REPLAY;
    return per_row(sqlstate) ? HS_PG_ROW : HS_PG_SYSTEM;
}

unsigned long hs_pg_copy_row(const char *context, const char *table)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "COPY %s, line ", table);
    const char *at = context ? strstr(context, prefix) : NULL;
    if (at == NULL)
        return 0;
    at += strlen(prefix);
    if (*at < '1' || *at > '9')
        return 0;
    char *end;
    unsigned long row = strtoul(at, &end, 10);
    return (*end == '\0' || *end == ',' || *end == ':' || *end == '\n') ? row : 0;
}
