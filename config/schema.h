/*
 * schema.h - the table housingsup writes to: its name and its columns, each
 * with a PostgreSQL type, the CSV header field it comes from, whether it may
 * be NULL and which text means NULL.
 *
 * Read from the configuration's `table` section; without one, the Boston
 * Housing table (14 columns, CHAS and RAD integer, the rest double precision,
 * none NULL). Like the rest of the configuration it is plain fixed-size data,
 * copied by value and inherited through fork().
 */
#ifndef HS_SCHEMA_H
#define HS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/limits.h"

/* PostgreSQL truncates identifiers to 63 bytes; a table name leaves room
 * for the "_dead_letter" table and the "_source_idx" index derived from it. */
#define HS_NAME_MAX 64
#define HS_TABLE_NAME_MAX 48
#define HS_HEADER_MAX 128
#define HS_NULL_TEXT_MAX 32

enum hs_type {
    HS_TYPE_SMALLINT = 1,
    HS_TYPE_INTEGER,
    HS_TYPE_BIGINT,
    HS_TYPE_REAL,
    HS_TYPE_DOUBLE,
    HS_TYPE_NUMERIC,
    HS_TYPE_BOOLEAN,
    HS_TYPE_TEXT,
    HS_TYPE_VARCHAR,
    HS_TYPE_DATE,
    HS_TYPE_TIMESTAMP,
    HS_TYPE_TIMESTAMPTZ,
    HS_TYPE_UUID,
};

struct hs_column {
    char name[HS_NAME_MAX];     /* the table's column, and the key in Kafka messages */
    char header[HS_HEADER_MAX]; /* the CSV header field it is read from (any case) */
    enum hs_type type;
    int32_t length;  /* varchar(n): n; numeric(p, s): p; 0 when not given */
    int32_t scale;   /* numeric(p, s): s */
    bool nullable;
    char null_text[HS_NULL_TEXT_MAX]; /* the text that means NULL ("" by default) */
};

struct hs_schema {
    char table[HS_TABLE_NAME_MAX];
    bool create;       /* create the table (and its dead-letter table) when missing */
    int max_row_bytes; /* most bytes of text a record's values may hold */
    int ncols;
    struct hs_column cols[HS_MAX_COLUMNS];
};

/* The default: table housing, CRIM..MEDV. */
void hs_schema_housing(struct hs_schema *s);

/* Reads a type as written in the configuration or in SQL ("integer", "int4",
 * "double precision", "varchar(20)", "numeric(12,2)", "timestamp with time
 * zone", ...; any case) into col->type, length and scale. Returns 0, or -1
 * with the reason in `err`. */
int hs_type_parse(const char *text, struct hs_column *col, char *err, size_t errlen);

/* The column's type as PostgreSQL's format_type() writes it ("integer",
 * "character varying(20)", "numeric(12,2)", "timestamp with time zone"). */
void hs_type_sql(const struct hs_column *col, char *out, size_t cap);

/* The column index whose name or header is `name` (any case), or -1. */
int hs_schema_find(const struct hs_schema *s, const char *name, size_t len);

/* Whether `name` (any case) is one of the columns housingsup adds to every
 * table: id, src_file, src_line, read_us, created_at. */
bool hs_schema_reserved(const char *name);

/* Whether the schema's names are usable: a table name and column names
 * that are non-empty, not too long, unique (any case), none of them one of
 * the columns housingsup adds (id, src_file, src_line, read_us,
 * created_at). Returns 0, or -1 with the reason in `err`. */
int hs_schema_check(const struct hs_schema *s, char *err, size_t errlen);

#endif
