/*
 * fuzz_csv.c - libFuzzer target for the CSV parser (workers/csv.c).
 *
 * The input's first line is parsed as a header; every further line as a
 * record, against that header if it parsed, else against the standard one.
 * Oracles: the sanitizers, and that a record the parser accepts has integral
 * CHAS and RAD (its doubles may be NaN or infinite, as PostgreSQL's are).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../workers/csv.h"
#include "../housing.h"

static const char standard[] = "CRIM,ZN,INDUS,CHAS,NOX,RM,AGE,DIS,RAD,TAX,PTRATIO,B,LSTAT,MEDV";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *end = text + size;
    char err[256];
    struct hs_csv_header header;
    const char *nl = memchr(text, '\n', size);
    size_t first = nl ? (size_t)(nl - text) : size;
    if (hs_csv_parse_header(text, first, housing_schema(), &header, err, sizeof err) != 0 &&
        hs_csv_parse_header(standard, sizeof standard - 1, housing_schema(), &header, err,
                            sizeof err) != 0)
        __builtin_trap();
    for (const char *line = nl ? nl + 1 : end; line < end;) {
        const char *next = memchr(line, '\n', (size_t)(end - line));
        size_t len = next ? (size_t)(next - line) : (size_t)(end - line);
        double v[HS_NCOLS];
        if (housing_parse_row(&header, line, len, v, err, sizeof err) == 0)
            for (int c = 0; c < HS_NCOLS; c++)
                if ((c == HS_CHAS || c == HS_RAD) && v[c] != floor(v[c]))
                    __builtin_trap();
        line = next ? next + 1 : end;
    }
    return 0;
}
