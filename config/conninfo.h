/*
 * conninfo.h - postgres.conninfo for display: as libpq reads it, every
 * password masked (housingsup config); and with postgres.password_file's
 * password added. In config/, as the setting is the configuration's; it
 * asks libpq (PQconninfoParse) and never connects.
 */
#ifndef HS_CONNINFO_H
#define HS_CONNINFO_H

#include <stddef.h>

#define HS_PG_MASK "********"
#define HS_PG_UNPARSABLE "(not shown: libpq cannot parse it; check quoting)"
#define HS_PG_UNSHOWN "(not shown: out of memory or too long)"

/* Writes `conninfo` for display into out: libpq parses it (PQconninfoParse),
 * and it is written again in keyword=value form (a URI too), one option after
 * another in libpq's order, every password-like option (PQconninfoOption
 * dispchar "*": password, sslpassword, ...) that is not empty as HS_PG_MASK,
 * values quoted where libpq needs it. What is written parses back to the same
 * options. Returns 0; or -1 with HS_PG_UNPARSABLE in out when libpq cannot
 * parse it, HS_PG_UNSHOWN when out of memory or it does not fit in cap:
 * never a part of the string. */
int hs_pg_mask_conninfo(const char *conninfo, char *out, size_t cap);

/* Whether libpq reads a non-empty password (or none, when it cannot parse
 * the string) in `conninfo`. */
int hs_pg_conninfo_has_password(const char *conninfo);

enum {
    HS_PG_ADD_OK = 0,
    HS_PG_ADD_UNPARSABLE = -1,   /* libpq cannot parse the conninfo */
    HS_PG_ADD_HAS_PASSWORD = -2, /* it holds a password already */
    HS_PG_ADD_TOO_LONG = -3,     /* the result does not fit in cap (or out of memory) */
};

/* Writes `conninfo` with password=`password` added into out, as libpq's
 * parser reads it (PQconninfoParse) and in keyword=value form, values quoted
 * where libpq needs it: never by pasting text onto the string. out may be
 * conninfo itself (it is parsed before out is written). Returns one of
 * HS_PG_ADD_*. */
int hs_pg_conninfo_add_password(const char *conninfo, const char *password, char *out,
                                size_t cap);

#endif
