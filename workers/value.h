/*
 * value.h - one column's value, as it travels inside a ring item: read from
 * text (a CSV field, a JSON value) and checked against the column's type
 * where it enters, then written out as JSON (Kafka messages), as PostgreSQL's
 * text form (dead letters, the replay path) or as PostgreSQL's binary COPY
 * form (the writers' fast path).
 *
 * Storage by type:
 *   smallint, integer, bigint   u.i
 *   boolean                     u.i (0 or 1)
 *   date                        u.i, days since 2000-01-01
 *   timestamp, timestamptz      u.i, microseconds since 2000-01-01 00:00:00
 *                               (UTC for timestamptz; a timestamptz without an
 *                               offset is read as UTC)
 *   real, double precision      u.d (a real holds the float's exact value)
 *   numeric                     its text, [-]digits[.digits][e[-]digits], NaN,
 *                               Infinity or -Infinity: exact, never a double
 *   text, varchar(n)            its UTF-8 bytes
 *   uuid                        its 16 bytes
 * The last three live in the row's text area at [off, off + len).
 *
 * Every function is pure: no logging, no allocation but the hs_buf it
 * appends to; errors are one line in `err` naming the column.
 */
#ifndef HS_VALUE_H
#define HS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/buf.h"
#include "../config/schema.h"

#define HS_VALUE_NULL UINT32_MAX /* len of a NULL value, whatever its type */

struct hs_value {
    uint32_t off; /* text-like types: where the bytes start in the text area */
    uint32_t len; /* their length; HS_VALUE_NULL for NULL */
    union {
        int64_t i;
        double d;
    } u;
};

/* A row's text area: values are appended at data + used, never past cap. */
struct hs_text {
    char *data;
    uint32_t used, cap;
};

/* Whether a type keeps its value in the text area. */
bool hs_type_uses_text(enum hs_type type);

/*
 * Reads s[0..len) as a value of `col`. Text equal to col->null_text is NULL
 * when the column is nullable and an error when not. Other types than text
 * and varchar ignore spaces around the value. With decimal_comma, a comma in
 * a real, double or numeric is its decimal point ("0,5"). An integer column
 * also takes an integral number written with a point or an exponent ("1.0",
 * "1e3"), as housing's CHAS and RAD always have. Returns 0, or -1 with the
 * reason in `err`: "<column> is not a <type>: '<text>'", "... is out of range
 * ...", "<column> is longer than varchar(<n>)", "<column> may not be NULL",
 * "the record's values are longer than max_row_bytes" (no room in `text`).
 * A failed call leaves text->used as it was.
 */
int hs_value_parse(const struct hs_column *col, const char *s, size_t len, bool decimal_comma,
                   struct hs_value *v, struct hs_text *text, char *err, size_t errlen);

/* A JSON null (or a missing key) for `col`: NULL when it may be, else -1
 * with "<column> may not be NULL" in `err`. */
int hs_value_null(const struct hs_column *col, struct hs_value *v, char *err, size_t errlen);

/* Appends v in PostgreSQL's text form, which its input function reads back
 * to the very same value: integers, floats in their shortest exact form,
 * true/false, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff] (timestamptz with
 * "+00"), numeric and text as kept, uuid as 8-4-4-4-12 hex. NULL appends
 * nothing. `text` is the row's text area. */
void hs_value_text(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text);

/* Appends v as a JSON value that hs_value_parse reads back to the same
 * value: integers, floats and finite numerics as bare numbers; NaN and the
 * infinities (which JSON lacks) as strings; true/false; null; everything else
 * as a JSON string. */
void hs_value_json(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text);

/* Appends v as one field of a binary COPY row: a 32-bit length (-1 for
 * NULL), then PostgreSQL's binary form of the type (its typsend): int2,
 * int4, int8, float4, float8, bool, date, timestamp(tz), uuid, text bytes,
 * and numeric as ndigits, weight, sign, dscale and base-10000 digits. */
void hs_value_copy(struct hs_buf *b, const struct hs_column *col, const struct hs_value *v,
                   const char *text);

#endif
