/*
 * pg_conn.h - connecting to PostgreSQL with the configured conninfo.
 *
 * Precedence per setting: postgres.conninfo in the config file, then the
 * libpq PG* environment variables, then the project defaults (database
 * kafka_streaming, user kafka_user, password kafka_pass). Nothing comes from
 * the command line, and a password is never logged.
 */
#ifndef HS_PG_CONN_H
#define HS_PG_CONN_H

#include <libpq-fe.h>
#include <stddef.h>

/* Connects; returns the connection or NULL, with the endpoint and reason in err. */
PGconn *hs_pg_connect(const char *conninfo, const char *sslmode, const char *application_name,
                      char *err, size_t errlen);
/* "host=H port=P dbname=D user=U" for a connection, for log lines. */
void hs_pg_describe(PGconn *conn, char *out, size_t cap);

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

#endif
