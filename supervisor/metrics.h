/*
 * metrics.h - the HTTP endpoint: the supervisor's latest status snapshot
 * in the Prometheus text exposition format (version 0.0.4) at /metrics, as
 * JSON with the last minutes' history at /status.json, and the status page
 * that draws that JSON at / (page.h). GET and HEAD; anything else is a 404.
 *
 * HTTP is libmicrohttpd's, without a thread of its own: the supervisor polls
 * hs_metrics_poll_fd() beside its self-pipe, with a timeout no longer than
 * hs_metrics_timeout(), and calls hs_metrics_run() after every wake-up, which
 * does only what needs no waiting (every socket is non-blocking). Each
 * request is answered from the snapshot in memory, never from shared memory,
 * with an answer rendered once per snapshot and shared by every request.
 * A connection is closed after its answer, after HS_METRICS_IDLE_S seconds
 * without a byte, and HS_METRICS_DEADLINE_MS after it was accepted however
 * busy it is (a request dripped a byte at a time); at most
 * HS_METRICS_MAX_CONNECTIONS are open, further ones wait in the backlog. So
 * an idle, slow or stuck client costs a slot, never the supervisor's time.
 *
 * Children are forked without exec, so they inherit every socket; a child
 * calls hs_metrics_close_in_child() first, so that it neither holds the
 * listening port after the supervisor is gone nor keeps a client's
 * connection open.
 */
#ifndef HS_METRICS_H
#define HS_METRICS_H

#include <stddef.h>

#include "../common/buf.h"
#include "history.h"
#include "status.h"

#define HS_METRICS_IDLE_S          2
#define HS_METRICS_DEADLINE_MS     5000
#define HS_METRICS_MAX_CONNECTIONS 64

struct hs_metrics;

/* Listens on address:port and serves `snapshot` and `history`, which the
 * caller changes between calls and then calls hs_metrics_refresh. Returns the
 * endpoint, or NULL with a reason in err. */
struct hs_metrics *hs_metrics_start(const char *address, int port, const struct hs_status *snapshot,
                                    const struct hs_history *history, char *err, size_t errlen);
/* The snapshot or the history has changed: answers built from them are
 * built again at the next request. NULL is fine. */
void hs_metrics_refresh(struct hs_metrics *m);
/* The descriptor to poll for POLLIN; -1 for NULL. */
int hs_metrics_poll_fd(const struct hs_metrics *m);
/* The longest the caller may sleep before hs_metrics_run: max_ms or less. */
int hs_metrics_timeout(const struct hs_metrics *m, int max_ms);
/* Accepts, reads, answers and closes what is ready or overdue; never blocks. */
void hs_metrics_run(struct hs_metrics *m);
/* In a forked child: closes the inherited descriptors and nothing else. */
void hs_metrics_close_in_child(struct hs_metrics *m);
/* Closes every connection and the listening socket. NULL is fine. */
void hs_metrics_stop(struct hs_metrics *m);
/* Renders a snapshot as Prometheus text into b (appending). */
void hs_metrics_render(const struct hs_status *st, struct hs_buf *b);
/* /status.json into b (appending): status.json's object with one member
 * more, "history" (hs_history_render_json). */
void hs_metrics_render_status_json(const struct hs_status *st, const struct hs_history *h,
                                   struct hs_buf *b);

#endif
