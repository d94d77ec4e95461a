/*
 * pg_conn.h - connecting to PostgreSQL with the configured conninfo.
 *
 * Precedence per setting: postgres.conninfo in the config file, then the
 * libpq PG* environment variables, then the project defaults (database
 * kafka_streaming, user kafka_user, password kafka_pass). Nothing comes from
 * the command line, and a password is never logged (config/conninfo.h shows
 * a conninfo with its passwords masked).
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

#endif
