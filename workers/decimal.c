/*
 * decimal.c - see decimal.h.
 *
 * Why it is exact: the digits form an integer m < 10^15, which a double holds
 * without rounding, as it does 10^k for k <= 22; IEEE division of two exact
 * doubles is correctly rounded, so m / 10^k is the double nearest the decimal,
 * the one strtod returns (Clinger's fast path).
 */
#include "decimal.h"

#include <stdbool.h>
#include <stdint.h>

/* Exact powers of ten: every one up to 10^22 is a double without rounding. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int hs_plain_decimal(const char *p, const char *end, double *out)
{
    bool negative = p < end && *p == '-';
    uint64_t m = 0;
    int significant = 0, after_point = -1, digits = 0;
    for (p += negative; p < end; p++) {
        if (*p == '.' && after_point < 0) {
            after_point = 0;
            continue;
        }
        if (*p < '0' || *p > '9')
            return -1;
        digits++;
        if (after_point >= 0)
            after_point++;
        if (m == 0 && *p == '0')
            continue;
        if (++significant > 15)
            return -1;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (digits == 0 || after_point == 0 || after_point > 22)
        return -1;
    double v = (double)m / pow10_exact[after_point > 0 ? after_point : 0];
    *out = negative ? -v : v;
    return 0;
}
