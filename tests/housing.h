/*
 * housing.h - the default table, as the unit tests and fuzzers see it: its
 * columns by position, and a CSV line parsed straight to 14 doubles.
 */
#ifndef HS_TEST_HOUSING_H
#define HS_TEST_HOUSING_H

#include <stddef.h>

#include "../workers/csv.h"
#include "../workers/record.h"

enum {
    HS_CRIM, HS_ZN, HS_INDUS, HS_CHAS, HS_NOX, HS_RM, HS_AGE,
    HS_DIS, HS_RAD, HS_TAX, HS_PTRATIO, HS_B, HS_LSTAT, HS_MEDV, HS_NCOLS
};

/* The housing table (hs_schema_housing) and its item sizes. */
const struct hs_schema *housing_schema(void);
const struct hs_layout *housing_layout(void);
/* A fresh item of the housing layout's slot size (the caller frees it). */
struct hs_item *housing_item(void);
/* A record's 14 values as doubles (integers converted). */
void housing_values(const struct hs_item *it, double v[HS_NCOLS]);
/* hs_csv_parse_record into a scratch item, then housing_values. */
int housing_parse_row(const struct hs_csv_header *h, const char *line, size_t len,
                      double v[HS_NCOLS], char *err, size_t errlen);

#endif
