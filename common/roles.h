/*
 * roles.h - the kinds of child process, by slot, and the names they go by:
 * in the log, in status and metrics, and in the sessions they open
 * (PostgreSQL's application_name, Kafka's client.id). Writers share one kind
 * and are numbered: "writer-0", "writer-1", ...
 *
 * In common/, the bottom layer: the supervisor, which names its children,
 * and the roles themselves (workers/) agree on the names without including
 * each other. The names are string literals, so a role can make its session
 * name at compile time ("housingsup-" HS_ROLE_NAME_PUBLISHER).
 */
#ifndef HS_ROLES_H
#define HS_ROLES_H

#include "limits.h"

/* Child slots: fixed roles first, then one per possible writer. */
enum hs_role {
    HS_ROLE_CSV_READER = 0,
    HS_ROLE_PUBLISHER = 1,
    HS_ROLE_KAFKA_READER = 2,
    HS_ROLE_WRITER0 = 3,
};
#define HS_MAX_CHILDREN (HS_ROLE_WRITER0 + HS_MAX_WRITERS)

#define HS_ROLE_NAME_CSV_READER "csv-reader"
#define HS_ROLE_NAME_PUBLISHER "publisher"
#define HS_ROLE_NAME_KAFKA_READER "kafka-reader"
#define HS_ROLE_NAME_WRITER "writer"         /* followed by "-N", N = slot - HS_ROLE_WRITER0 */
#define HS_ROLE_NAME_SUPERVISOR "supervisor" /* not a child: the log's name for the supervisor */

#endif
