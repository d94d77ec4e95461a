/*
 * record.c - the fixed facts about a housing record's columns.
 */
#include "record.h"

const char *const hs_column_names[HS_NCOLS] = {
    "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE",
    "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT", "MEDV"};

int hs_column_is_integer(int column) { return column == HS_CHAS || column == HS_RAD; }
