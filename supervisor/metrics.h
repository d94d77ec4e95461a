/*
 * metrics.h - the Prometheus endpoint: the supervisor's latest status
 * snapshot in the text exposition format (version 0.0.4), over plain HTTP.
 *
 * It is served from the supervisor's own loop: the listening socket is
 * non-blocking and polled with the self-pipe, each request is answered from
 * the snapshot in memory (never from shared memory), and a client gets at
 * most a fraction of a second to send its request, so a stuck scraper
 * cannot stall supervision.
 */
#ifndef HS_METRICS_H
#define HS_METRICS_H

#include <stddef.h>

#include "../workers/buf.h"
#include "status.h"

/* Listens on address:port. Returns the socket, or -1 with a reason in err. */
int hs_metrics_listen(const char *address, int port, char *err, size_t errlen);
/* Renders a snapshot as Prometheus text into b (appending). */
void hs_metrics_render(const struct hs_status *st, struct hs_buf *b);
/* Answers every connection waiting on the listening socket. */
void hs_metrics_serve(int listen_fd, const struct hs_status *st);

#endif
