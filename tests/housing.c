/*
 * housing.c - see housing.h.
 */
#include "housing.h"

#include <stdlib.h>

const struct hs_schema *housing_schema(void)
{
    static struct hs_schema s;
    if (s.ncols == 0)
        hs_schema_housing(&s);
    return &s;
}

const struct hs_layout *housing_layout(void)
{
    static struct hs_layout l;
    if (l.slot_size == 0)
        hs_layout_of(housing_schema(), &l);
    return &l;
}

struct hs_item *housing_item(void)
{
    return calloc(1, housing_layout()->slot_size);
}

void housing_values(const struct hs_item *it, double v[HS_NCOLS])
{
    const struct hs_value *val = hs_item_cvalues(it);
    for (int c = 0; c < HS_NCOLS; c++)
        v[c] = c == HS_CHAS || c == HS_RAD ? (double)val[c].u.i : val[c].u.d;
}

int housing_parse_row(const struct hs_csv_header *h, const char *line, size_t len,
                      double v[HS_NCOLS], char *err, size_t errlen)
{
    static struct hs_item *it;
    if (it == NULL)
        it = housing_item();
    if (hs_csv_parse_record(line, len, h, housing_layout(), it, err, errlen) != 0)
        return -1;
    housing_values(it, v);
    return 0;
}
