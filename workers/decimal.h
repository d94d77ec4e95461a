/*
 * decimal.h - reading a plain decimal number exactly, without strtod.
 *
 * The CSV parser and the Kafka message decoder read 14 numbers per record;
 * strtod's general algorithm was a fifth of the decoder's time. Most values
 * are short plain decimals ("0.00632", "-7", "396.9"), which this reads
 * exactly in a few instructions; anything else is left to strtod.
 */
#ifndef HS_DECIMAL_H
#define HS_DECIMAL_H

/* Reads [end - p) when it is [-]digits[.digits] with at most 15 significant
 * digits and at most 22 after the point: 0 and the very double strtod would
 * give in *out; otherwise -1 (the caller falls back to strtod). */
int hs_plain_decimal(const char *p, const char *end, double *out);

#endif
